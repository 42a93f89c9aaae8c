// SPDX-License-Identifier: MIT
/*
 * Content patterns: every live block carries words derived from its handle
 * and generation, so a block that another allocation overlaps, that the
 * allocator scribbles on, or that a free-list write lands in, reads wrong.
 *
 * Sparse on purpose: the first 8-byte word of each sampled page (where a
 * free-list link, a header, another block's overlapping pattern or an
 * overrun from the block below lands), plus the last word of the block's
 * last page (where an underrun from the block above lands). Blocks of up to
 * 16 pages sample every page; bigger ones 16 pages spread evenly, always
 * including the first and the last, so an order-10 block costs 17 stores
 * to write and 17 loads to verify. One word per page means one cache line
 * per page, and lines are what a pattern costs: a block is written when it
 * is handed out and read back cold when it is freed, one cache miss per
 * line. (Until the second speed pass every page carried its last word too
 * and up to 64 pages were sampled: 2 to 128 lines a block, the largest
 * single cost of a checked replay.) The block boundaries, the only places
 * an allocator's stray write has a reason to land, are both covered, and a
 * page zeroed, handed out twice or overwritten whole is caught on every
 * sampled page. Overlap is caught on every shared sampled page: a page's
 * sampled word is word 0 whichever block it belongs to, so the later
 * block's write replaces the earlier block's word (the model's placement
 * judgement catches the overlap first in any case).
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
EXEC_NO_COVERAGE_BEGIN

#define PATTERN_MAX_SAMPLES 16u
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

/* Sample words of a block: n first words (sample pages), then the last
 * word of its last page. Word i of nr_words_(order). */
static uint32_t nr_words_(unsigned order)
{
	return nr_samples_(order) + 1;
}

static void word_at_(unsigned order, uint32_t i, uint32_t *page, unsigned *last)
{
	uint32_t n = nr_samples_(order);

	if (i < n) {
		*page = sample_page_(order, i);
		*last = 0;
	} else {
		*page = (1u << order) - 1;
		*last = 1;
	}
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
	uint32_t n = nr_samples_(h->order), last_page = (1u << h->order) - 1;
	uint64_t *first = word_ptr_(x, h, 0, 0);

	for (uint32_t s = 0; s < n; s++) {
		uint32_t page = sample_page_(h->order, s);

		first[(size_t)page * WORDS_PER_PAGE] = pattern_word_(base, page, 0);
	}
	*word_ptr_(x, h, last_page, 1) = pattern_word_(base, last_page, 1);
}

/* Ask for every line a verify of this block will read (at most 17). */
void exec_pattern_prefetch(const struct exec *x, const struct exec_handle *h)
{
	uint32_t n = nr_samples_(h->order);
	const unsigned char *first = exec_handle_addr(x, h);

	for (uint32_t s = 0; s < n; s++)
		__builtin_prefetch(first + (size_t)sample_page_(h->order, s) * KMM_PAGE_SIZE);
	__builtin_prefetch(first + ((size_t)KMM_PAGE_SIZE << h->order) - sizeof(uint64_t));
}

/* Out of line: only a mismatch formats anything. */
static __attribute__((noinline, cold)) int pattern_fail_(struct exec *x, uint32_t handle, const char *when,
							  uint32_t page, unsigned last, uint64_t want,
							  uint64_t have)
{
	const struct exec_handle *h = &x->handles[handle];
	char exp[200];

	snprintf(exp, sizeof(exp),
		 "h%" PRIu32 " (pfn %" PRIu32 " order %u, generation %" PRIu32
		 ") intact %s: page %" PRIu32 " %s word 0x%016" PRIx64,
		 handle, h->pfn, h->order, h->gen, when, page, last ? "last" : "first", want);
	return exec_failf(x, "content", exp, "0x%016" PRIx64 " (pfn %" PRIu32 ")", have, h->pfn + page);
}

int exec_pattern_verify(struct exec *x, uint32_t handle, const char *when)
{
	const struct exec_handle *h = &x->handles[handle];
	uint64_t base = pattern_base_(handle, h->gen);
	uint32_t n = nr_words_(h->order);
	uint64_t bad = 0;

	/* Every word is loaded before any is judged: the loads are independent
	 * cache misses the CPU overlaps, and the culprit is found after. */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t page;
		unsigned last;

		word_at_(h->order, i, &page, &last);
		bad |= *word_ptr_(x, h, page, last) ^ pattern_word_(base, page, last);
	}
	if (!bad)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t page;
		unsigned last;
		uint64_t want, have;

		word_at_(h->order, i, &page, &last);
		want = pattern_word_(base, page, last);
		have = *word_ptr_(x, h, page, last);
		if (have != want)
			return pattern_fail_(x, handle, when, page, last, want, have);
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
	uint32_t n = nr_words_(h->order);
	uint64_t any = 0;

	/* No early exit: the OR of a page vectorises; the culprit is found after. */
	for (size_t i = 0; i < WORDS_PER_PAGE; i++)
		any |= first[i];
	for (size_t i = 0; any && i < WORDS_PER_PAGE; i++)
		if (first[i])
			return zero_fail_(x, handle, "first page, byte offset", i * sizeof(uint64_t), first[i]);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t page;
		unsigned last;
		uint64_t have;

		word_at_(h->order, i, &page, &last);
		have = *word_ptr_(x, h, page, last);
		if (have)
			return zero_fail_(x, handle, last ? "last word of page" : "first word of page", page, have);
	}
	return 0;
}

EXEC_NO_COVERAGE_END
