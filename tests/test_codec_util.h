/* SPDX-License-Identifier: MIT */
/*
 * What the two codec test files (test_codec.c, test_codec_slab.c) share:
 * the Valgrind-aware iteration count, a seeded splitmix64 stream for the
 * randomized round trips, the two scratch programs and the text-parse
 * assertions. Each file defines TEST_CODEC_RNG_SEED before including this,
 * so the two streams stay independent.
 */
#ifndef KMM_TEST_CODEC_UTIL_H
#define KMM_TEST_CODEC_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../differential/program.h"

#if defined(KMM_VALGRIND) && KMM_VALGRIND
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND (RUNNING_ON_VALGRIND != 0)
#else
#define UNDER_VALGRIND 0
#endif

#ifndef TEST_CODEC_RNG_SEED
#error "define TEST_CODEC_RNG_SEED before including test_codec_util.h"
#endif

static const char *source_dir = ".";
static struct kmm_program *prog_a, *prog_b;

/* Iteration counts for the randomized tests; memcheck runs 1/20 of them. */
static unsigned iters(unsigned n)
{
	return UNDER_VALGRIND ? n / 20 : n;
}

static uint64_t rng_state = TEST_CODEC_RNG_SEED;

/* splitmix64: the tests' only randomness, fixed by the seed above. */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Parse text that must be valid; prints the error otherwise. */
static int parse_ok(const char *text, struct kmm_program *p)
{
	char err[256];
	int rc = kmm_program_parse(text, strlen(text), p, err, sizeof(err));

	if (rc)
		fprintf(stderr, "unexpected parse error: %s\n---\n%s---\n", err, text);
	return rc;
}

/* Parse text (into prog_a) that must fail with exactly `want`. */
static int parse_err_is(const char *text, const char *want)
{
	char err[256] = "";
	int rc = kmm_program_parse(text, strlen(text), prog_a, err, sizeof(err));

	if (rc != -EINVAL || strcmp(err, want) != 0) {
		fprintf(stderr, "text:\n%s\nwant error: %s\ngot (%d):   %s\n", text, want, rc, err);
		return 0;
	}
	return 1;
}

#endif
