// SPDX-License-Identifier: MIT
/*
 * The buddy path (pcp high = batch = 1, so the per-CPU lists hold nothing
 * and the fast paths go straight to the buddy lists: at debug level 0 the
 * buddy path's mode, alloc_pages_direct_ in page_alloc.c and
 * free_pages_direct_ in page_free.c, tracked or not; else
 * alloc_pages_buddy_ and free_direct_ behind the pcp fast paths) gives the
 * general path's answers in every variant it has.
 *
 * Four systems with one node and the zones DMA, DMA32 and NORMAL, small
 * enough that the program runs zones down to their watermarks, so fallback,
 * pageblock stealing, watermark boosts and the highatomic reserve all
 * happen; they run the same random program of allocations (orders 0-3
 * mostly, some above, all zone modifiers and mobilities), frees and
 * deliberate double frees:
 *   fast      debug level 0, default policy: the buddy path's mode
 *             (k->direct_pfns; no asserts; tracked only under ASan or
 *             Valgrind);
 *   checked   debug level 2: the free takes its checked copy (asserts of
 *             __free_one_page);
 *   traced    debug level 0 with tracepoints set: the buddy path's mode
 *             with its tracking events, every one counted;
 *   general   debug level 0 under MPOL_PREFERRED naming its only node:
 *             the same decisions, always through the general path.
 * After every step all four returned the same PFN and agree on every
 * counter the API shows; kmm_page_check() (which ignores the debug level)
 * passes on each every few hundred steps and at the end, when everything
 * freed must have coalesced back. Two pageblock orders: 3 (merges cross
 * pageblocks through free_one_page_high_ from the lean copy) and 6.
 *
 * None of that sees where on its list a freed block goes (the kernel's
 * buddy_merge_likely(): at the tail when its buddy one order up is free),
 * so a small fixed program checks the list positions, in the lean and the
 * checked copies.
 */
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/page/internal.h"
#include "../allocators/page/track.h"
#include "test.h"
#include "test_same_state.h"
#include "test_system.h"

static unsigned bad_reports;
static void count_reports(void *ctx, enum kmm_report_kind kind, const char *text)
{
	(void)ctx;
	(void)text;
	bad_reports += kind == KMM_REPORT_BAD_PAGE;
}

enum { FAST, CHECKED, TRACED, GENERAL, NR_SYS };

static uint64_t tp_allocs, tp_frees;
static void tp_alloc(void *ctx, kmm_pfn_t pfn, unsigned order)
{
	(void)ctx, (void)pfn;
	tp_allocs += 1u << order;
}
static void tp_free(void *ctx, kmm_pfn_t pfn, unsigned order)
{
	(void)ctx, (void)pfn;
	tp_frees += 1u << order;
}

static struct kmm *mk(unsigned which, unsigned pageblock_order)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 4096);
	c.nr_cpus = 2;
	c.pcp_high = 1;
	c.pcp_batch = 1;
	c.pageblock_order = pageblock_order;
	c.debug_level = which == CHECKED ? 2 : 0;
	c.sink.emit = count_reports;
	struct kmm *k = kmm_create(&c);
	if (!k)
		return NULL;
	if (which == TRACED) {
		struct kmm_page_tracepoints tp = { tp_alloc, tp_free, NULL };
		kmm_set_page_tracepoints(k, &tp);
	}
	if (which == GENERAL && kmm_set_mempolicy(k, KMM_MPOL_PREFERRED, 1, NULL) != 0) {
		kmm_destroy(k);
		return NULL;
	}
	return k;
}

#define SLOTS 1024

static void run_program(unsigned pageblock_order, uint64_t seed, unsigned steps)
{
	struct kmm *k[NR_SYS];
	for (unsigned w = 0; w < NR_SYS; w++) {
		k[w] = mk(w, pageblock_order);
		REQUIRE(k[w]);
	}
	CHECK(k[FAST]->fast_ok && !k[GENERAL]->fast_ok);
	CHECK(k[TRACED]->tracking);
	/* The lean and the traced system run in the buddy path's mode (the
	 * tracked one with its events); debug level 2 and the general path
	 * do not. */
	CHECK_EQ(k[FAST]->direct_pfns, k[FAST]->total_pages);
	CHECK_EQ(k[TRACED]->direct_pfns, k[TRACED]->total_pages);
	CHECK_EQ(k[CHECKED]->direct_pfns, 0);
	CHECK_EQ(k[GENERAL]->direct_pfns, 0);
	static const kmm_gfp_t kinds[] = {
		KMM_GFP_KERNEL, KMM_GFP_HIGHUSER_MOVABLE, KMM_GFP_KERNEL | KMM___GFP_RECLAIMABLE,
		KMM_GFP_KERNEL | KMM___GFP_DMA, KMM_GFP_KERNEL | KMM___GFP_DMA32, KMM_GFP_ATOMIC,
		KMM_GFP_KERNEL | KMM___GFP_MOVABLE, KMM_GFP_HIGHUSER_MOVABLE,
	};
	static struct kmm_page *p[NR_SYS][SLOTS];
	static unsigned order[SLOTS];
	memset(p, 0, sizeof(p));
	uint64_t s = seed;
	unsigned reports[NR_SYS] = { 0 };
	uint64_t allocated = 0, freed = 0;
	tp_allocs = tp_frees = 0;

	for (unsigned step = 0; step < steps; step++) {
		uint64_t r = rnd(&s);
		unsigned i = (unsigned)(r % SLOTS);
		unsigned what = (unsigned)(r >> 16) % 100;
		if (what < 2) {
			unsigned cpu = (unsigned)(r >> 24) % 2;
			for (unsigned w = 0; w < NR_SYS; w++)
				kmm_set_cpu(k[w], cpu);
		} else if (p[FAST][i]) {
			for (unsigned w = 0; w < NR_SYS; w++)
				kmm_free_pages(k[w], p[w][i], order[i]);
			freed += 1u << order[i];
			if (what < 5) { /* a double free after the real one: reported alike */
				for (unsigned w = 0; w < NR_SYS; w++) {
					unsigned before = bad_reports;
					kmm_free_pages(k[w], p[w][i], order[i]);
					reports[w] += bad_reports - before;
				}
			}
			for (unsigned w = 0; w < NR_SYS; w++)
				p[w][i] = NULL;
		} else {
			kmm_gfp_t gfp = kinds[(r >> 32) % 8] | KMM___GFP_NOWARN;
			order[i] = (r >> 40) % 16 == 0 ? 4 + (unsigned)(r >> 44) % 3 : (unsigned)(r >> 48) % 4;
			for (unsigned w = 0; w < NR_SYS; w++)
				p[w][i] = kmm_alloc_pages(k[w], gfp, order[i]);
			bool differ = false;
			for (unsigned w = 1; w < NR_SYS; w++)
				differ |= (p[w][i] == NULL) != (p[FAST][i] == NULL) ||
					  (p[w][i] && kmm_page_to_pfn(k[w], p[w][i]) != kmm_page_to_pfn(k[FAST], p[FAST][i]));
			if (differ) {
				CHECK(!"the buddy path's variants placed a block differently");
				fprintf(stderr, "step %u: gfp 0x%x order %u\n", step, gfp, order[i]);
				break;
			}
			if (p[FAST][i])
				allocated += 1u << order[i];
		}
		bool same = true;
		for (unsigned w = 1; w < NR_SYS && same; w++)
			same = same_state(k[FAST], k[w]);
		if (!same) {
			fprintf(stderr, "step %u (seed %llu, pageblock order %u)\n", step, (unsigned long long)seed,
				pageblock_order);
			break;
		}
		if (step % 256 == 0)
			for (unsigned w = 0; w < NR_SYS; w++)
				CHECK_EQ(kmm_page_check(k[w]), 0);
	}
	for (unsigned w = 1; w < NR_SYS; w++)
		CHECK_EQ(reports[w], reports[FAST]);
	CHECK(reports[FAST] > 0);
	/* The traced system saw an event for every page handed out and back. */
	CHECK_EQ(tp_allocs, allocated);
	CHECK_EQ(tp_frees, freed);
	/* The program reached the fallback and its stealing. */
	CHECK(kmm_vm_event(k[FAST], KMM_PGSTEAL_FALLBACK) > 0);
	for (unsigned i = 0; i < SLOTS; i++)
		for (unsigned w = 0; w < NR_SYS; w++)
			if (p[w][i])
				kmm_free_pages(k[w], p[w][i], order[i]);
	for (unsigned w = 0; w < NR_SYS; w++) {
		CHECK(same_state(k[FAST], k[w]));
		CHECK_EQ(kmm_page_check(k[w]), 0);
		CHECK(kmm_page_fully_coalesced(k[w]));
	}
	for (unsigned w = 0; w < NR_SYS; w++) /* (k[FAST] is compared with every other until here) */
		kmm_destroy(k[w]);
}

TEST(buddy_path_variants_agree)
{
	run_program(6, 1, 30000);
	run_program(3, 2, 30000);
}

static kmm_pfn_t list_pfn(struct kmm *k, const struct list_head *pos)
{
	return kmm_page_to_pfn(k, list_entry(pos, struct kmm_page, lru));
}

static void merge_likely_program(unsigned debug_level)
{
	struct kmm_config c;
	normal_only_config(&c, 4096);
	c.pcp_high = c.pcp_batch = 1;
	c.debug_level = debug_level;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	struct kmm_zone *z = &k->nodes[0].zones[KMM_ZONE_NORMAL];
	const kmm_gfp_t gfp = KMM_GFP_HIGHUSER_MOVABLE;
	struct list_head *l0 = &z->free_area[0].free_list[KMM_MIGRATE_MOVABLE];
	struct list_head *l1 = &z->free_area[1].free_list[KMM_MIGRATE_MOVABLE];
	struct kmm_page *p[8];

	/* Eight order-0 pages split off one order-10 block: x .. x+7. */
	for (unsigned i = 0; i < 8; i++)
		REQUIRE((p[i] = kmm_alloc_pages(k, gfp, 0)) != NULL);
	kmm_pfn_t x = kmm_page_to_pfn(k, p[0]);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(kmm_page_to_pfn(k, p[i]), x + i);
	CHECK(list_empty(l0) && list_empty(l1));
	/* Buddies and the pairs' buddies allocated: each goes to the head. */
	kmm_free_pages(k, p[1], 0);
	kmm_free_pages(k, p[3], 0);
	CHECK_EQ(list_pfn(k, l0->next), x + 3);
	CHECK_EQ(list_pfn(k, l0->prev), x + 1);
	/* x+7 then x+6: an order-1 block at x+6 (its pair's buddy x+4 is
	 * allocated: head of a list of one). */
	kmm_free_pages(k, p[7], 0);
	kmm_free_pages(k, p[6], 0);
	CHECK_EQ(list_pfn(k, l1->next), x + 6);
	CHECK_EQ(list_pfn(k, l0->next), x + 3);
	/* x+5: its buddy x+4 is allocated, but the pair's buddy x+6 is a free
	 * order-1 block, so a merge is likely soon: the tail. */
	kmm_free_pages(k, p[5], 0);
	CHECK_EQ(list_pfn(k, l0->next), x + 3);
	CHECK_EQ(list_pfn(k, l0->prev), x + 5);
	/* x+2 merges with x+3 into an order-1 block whose pair's buddy x+4 is
	 * allocated: the head of the order-1 list. */
	kmm_free_pages(k, p[2], 0);
	CHECK_EQ(list_pfn(k, l1->next), x + 2);
	CHECK_EQ(list_pfn(k, l1->prev), x + 6);
	CHECK_EQ(list_pfn(k, l0->next), x + 1);
	CHECK_EQ(kmm_page_check(k), 0);
	/* The rest back: one order-10 block again. */
	kmm_free_pages(k, p[0], 0);
	kmm_free_pages(k, p[4], 0);
	CHECK(list_empty(l0) && list_empty(l1));
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK(kmm_page_fully_coalesced(k));
	kmm_destroy(k);
}

TEST(merge_likely_goes_to_the_tail)
{
	merge_likely_program(0); /* the lean copies of the buddy path */
	merge_likely_program(2); /* the checked ones */
}

int main(void)
{
	RUN(buddy_path_variants_agree);
	RUN(merge_likely_goes_to_the_tail);
	return test_summary();
}
