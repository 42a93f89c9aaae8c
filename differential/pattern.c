// SPDX-License-Identifier: MIT
/*
 * Content patterns: every live block carries words derived from its handle
 * and generation, so a block that another allocation overlaps, that the
 * allocator scribbles on, or that a free-list write lands in, reads wrong.
 *
 * Sparse on purpose: per sampled page, the first and the last 8-byte word
 * (the two ends of the page, where list links, headers and off-by-one
 * writes land). Blocks of up to 64 pages sample every page; bigger ones 64
 * pages spread evenly, always including the first and the last, so an
 * order-10 block costs 128 stores to write and 128 loads to verify.
 *
 * Words have bit 63 set: no small integer, count, order or PFN ever equals
 * one, so a stale counter or index written into a block cannot pass for the
 * pattern. The value mixes handle, generation, page index and position.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "exec_internal.h"

/* Every function here writes or verifies patterns: no sanitizer-coverage instrumentation under clang's fuzzer builds
 * (a check's branches are a pass, or a fail that ends the run, so they guide
 * nothing, and their edges cost every execution; see KMM_NO_COVERAGE in
 * allocators/page/internal.h). */
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(coverage_sanitizer)
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), apply_to = function)
#define EXEC_NO_COVERAGE 1
#endif
#endif

#define PATTERN_MAX_SAMPLES 64u
#define WORDS_PER_PAGE (KMM_PAGE_SIZE / sizeof(uint64_t))

static uint64_t mix64_(uint64_t z)
{
	/* splitmix64's finaliser */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t pattern_base_(uint32_t handle, uint32_t gen)
{
	return mix64_(((uint64_t)handle << 32 | gen) ^ 0x6b6d6d2d70617474ull);
}

static uint64_t pattern_word_(uint64_t base, uint32_t page, unsigned last)
{
	return (base + page * 0x9e3779b97f4a7c15ull + (last ? 0x5851f42d4c957f2dull : 0)) |
	       0x8000000000000000ull;
}

static uint32_t nr_samples_(unsigned order)
{
	uint32_t n = 1u << order;

	return n < PATTERN_MAX_SAMPLES ? n : PATTERN_MAX_SAMPLES;
}

/* Page index of sample s (the first is page 0, the last the block's last page). */
static uint32_t sample_page_(unsigned order, uint32_t s)
{
	uint32_t n = 1u << order;

	if (n <= PATTERN_MAX_SAMPLES)
		return s;
	return (uint32_t)((uint64_t)s * (n - 1) / (PATTERN_MAX_SAMPLES - 1));
}

static uint64_t *word_ptr_(const struct exec *x, const struct exec_handle *h, uint32_t page, unsigned last)
{
	unsigned char *p = exec_handle_addr(x, h) + (size_t)page * KMM_PAGE_SIZE;

	return (uint64_t *)(void *)(p + (last ? KMM_PAGE_SIZE - sizeof(uint64_t) : 0));
}

void exec_pattern_write(struct exec *x, uint32_t handle)
{
	const struct exec_handle *h = &x->handles[handle];
	uint64_t base = pattern_base_(handle, h->gen);
	uint32_t n = nr_samples_(h->order);

	for (uint32_t s = 0; s < n; s++) {
		uint32_t page = sample_page_(h->order, s);

		*word_ptr_(x, h, page, 0) = pattern_word_(base, page, 0);
		*word_ptr_(x, h, page, 1) = pattern_word_(base, page, 1);
	}
}

int exec_pattern_verify(struct exec *x, uint32_t handle, const char *when)
{
	const struct exec_handle *h = &x->handles[handle];
	uint64_t base = pattern_base_(handle, h->gen);
	uint32_t n = nr_samples_(h->order);

	for (uint32_t s = 0; s < n; s++) {
		uint32_t page = sample_page_(h->order, s);

		for (unsigned last = 0; last < 2; last++) {
			uint64_t want = pattern_word_(base, page, last), have = *word_ptr_(x, h, page, last);
			char exp[200];

			if (have == want)
				continue;
			snprintf(exp, sizeof(exp),
				 "h%" PRIu32 " (pfn %" PRIu32 " order %u, generation %" PRIu32
				 ") intact %s: page %" PRIu32 " %s word 0x%016" PRIx64,
				 handle, h->pfn, h->order, h->gen, when, page, last ? "last" : "first", want);
			return exec_failf(x, "content", exp, "0x%016" PRIx64 " (pfn %" PRIu32 ")", have,
					  h->pfn + page);
		}
	}
	return 0;
}

static int zero_fail_(struct exec *x, uint32_t handle, const char *where, size_t at, uint64_t v)
{
	const struct exec_handle *h = &x->handles[handle];
	char exp[160];

	snprintf(exp, sizeof(exp), "h%" PRIu32 " (pfn %" PRIu32 " order %u) zero-filled (__GFP_ZERO)",
		 handle, h->pfn, h->order);
	return exec_failf(x, "zeroing", exp, "%s %zu holds 0x%016" PRIx64, where, at, v);
}

int exec_check_zeroed(struct exec *x, uint32_t handle)
{
	const struct exec_handle *h = &x->handles[handle];
	const uint64_t *first = (const uint64_t *)(const void *)exec_handle_addr(x, h);
	uint32_t n = nr_samples_(h->order);
	uint64_t any = 0;

	/* No early exit: the OR of a page vectorises; the culprit is found after. */
	for (size_t i = 0; i < WORDS_PER_PAGE; i++)
		any |= first[i];
	for (size_t i = 0; any && i < WORDS_PER_PAGE; i++)
		if (first[i])
			return zero_fail_(x, handle, "first page, byte offset", i * sizeof(uint64_t), first[i]);
	for (uint32_t s = 0; s < n; s++) {
		uint32_t page = sample_page_(h->order, s);

		for (unsigned last = 0; last < 2; last++) {
			uint64_t have = *word_ptr_(x, h, page, last);

			if (have)
				return zero_fail_(x, handle, last ? "last word of page" : "first word of page",
						  page, have);
		}
	}
	return 0;
}

#ifdef EXEC_NO_COVERAGE
#pragma clang attribute pop
#endif
