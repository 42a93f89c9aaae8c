/* SPDX-License-Identifier: MIT */
/*
 * Small helpers more than one test file needs (tests/test.h is the
 * TEST/RUN/CHECK harness itself): reading a file whole, and the set-up of
 * a "faulty" copy of a harness target whose hooks a test replaces one by
 * one to prove each check fires.
 */
#ifndef KMM_TEST_UTIL_H
#define KMM_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* The file at path, NUL-terminated, in malloc'd memory (*len its size), or
 * NULL when it cannot be read. */
static inline char *test_read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/*
 * TEST_FAULTY_TARGET(type, base) defines `static struct type faulty` and
 * `faulty_reset()`, which makes faulty a copy of base() named "faulty";
 * the test's faulty_target() then swaps in its broken hooks.
 */
#define TEST_FAULTY_TARGET(type, base)                     \
	static struct type faulty;                         \
	static struct type *faulty_reset(void)             \
	{                                                  \
		faulty = *base();                          \
		faulty.name = "faulty";                    \
		return &faulty;                            \
	}

#endif
