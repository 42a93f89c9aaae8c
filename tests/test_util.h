/* SPDX-License-Identifier: MIT */
/*
 * Small helpers more than one test file needs (tests/test.h is the
 * TEST/RUN/CHECK harness itself): reading a file whole, and the set-up of
 * a "faulty" copy of a harness target whose hooks a test replaces one by
 * one to prove each check fires.
 */
#ifndef KMM_TEST_UTIL_H
#define KMM_TEST_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Each <source>/corpus/seeds/<target>/<name>.trace, read whole: fn(path,
 * text, len, ctx), text NULL when the file cannot be read (fn frees it).
 * Returns how many there were, or -1 (said on stderr) without the directory. */
static inline int test_each_seed(const char *source, const char *target,
				 void (*fn)(const char *path, char *text, size_t len, void *ctx), void *ctx)
{
	char dir[4096];
	struct dirent *e;
	DIR *d;
	int files = 0;

	snprintf(dir, sizeof(dir), "%s/corpus/seeds/%s", source, target);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "no seed directory %s\n", dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name), len = 0;
		char path[8192], *text;

		if (n < 7 || strcmp(e->d_name + n - 6, ".trace") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		files++;
		text = test_read_whole(path, &len); /* before len is passed on */
		fn(path, text, len, ctx);
	}
	closedir(d);
	return files;
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
