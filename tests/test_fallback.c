// SPDX-License-Identifier: MIT
/*
 * Migrate-type fallback: the fallbacks[] order, whole-pageblock claiming
 * (at or above pageblock order, and below it when the block is at least half
 * free or compatible), taking a single block otherwise, the smallest-block
 * rule for movable requests, the watermark boost on fallback, and the
 * HIGHATOMIC reserve (reserved, usable only with reserves, given back under
 * pressure). Observed through kmm_zone_info() nr_free per order and type.
 */
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/page/internal.h"
#include "test.h"
#include "test_system.h"

#define U KMM_MIGRATE_UNMOVABLE
#define M KMM_MIGRATE_MOVABLE
#define R KMM_MIGRATE_RECLAIMABLE
#define H KMM_MIGRATE_HIGHATOMIC

#define GFP_UNMOVABLE (KMM_GFP_KERNEL | KMM___GFP_NOWARN)
#define GFP_MOV (KMM_GFP_KERNEL | KMM___GFP_MOVABLE | KMM___GFP_NOWARN)
#define GFP_RECL (KMM_GFP_KERNEL | KMM___GFP_RECLAIMABLE | KMM___GFP_NOWARN)

/* One node, one NORMAL zone of `pages`, pageblock order 9. */
static struct kmm *normal_only(uint32_t pages, uint32_t pcp_batch, uint32_t boost_factor)
{
	struct kmm_config c;
	normal_only_config(&c, pages);
	c.pcp_batch = pcp_batch;
	c.watermark_boost_factor = boost_factor;
	return kmm_create(&c);
}

static struct kmm_zone_info zi_(struct kmm *k)
{
	return node0_zone_info(k, KMM_ZONE_NORMAL);
}

static int pb_type(struct kmm *k, kmm_pfn_t pfn)
{
	return get_pageblock_migratetype_(&k->nodes[0].zones[KMM_ZONE_NORMAL], pfn);
}

TEST(fallback_table_order)
{
	struct kmm *k = normal_only(2048, 0, 0);
	REQUIRE(k);
	/* Make one order-10 block RECLAIMABLE: a reclaimable order-10 request
	 * claims both pageblocks of a MOVABLE block; freed, it stays there. */
	struct kmm_page *r = kmm_alloc_pages(k, GFP_RECL, 10);
	REQUIRE(r);
	CHECK_EQ(kmm_vm_event(k, KMM_PAGEBLOCK_STEAL), 2);
	CHECK_EQ(kmm_vm_event(k, KMM_PGSTEAL_FALLBACK), 1);
	kmm_free_pages(k, r, 10);
	struct kmm_zone_info zi = zi_(k);
	CHECK_EQ(zi.nr_free[10][M], 1);
	CHECK_EQ(zi.nr_free[10][R], 1);

	/* UNMOVABLE falls back to RECLAIMABLE before MOVABLE. */
	struct kmm_page *u = kmm_alloc_pages(k, GFP_UNMOVABLE, 4);
	REQUIRE(u);
	zi = zi_(k);
	CHECK_EQ(zi.nr_free[10][R], 0);
	CHECK_EQ(zi.nr_free[10][M], 1);
	CHECK_EQ(zi.nr_free[9][U], 1); /* whole block claimed: remainder is UNMOVABLE */
	for (unsigned o = 4; o < 9; o++)
		CHECK_EQ(zi.nr_free[o][U], 1);
	CHECK_EQ(kmm_vm_event(k, KMM_PAGEBLOCK_STEAL), 4);
	kmm_free_pages(k, u, 4);
	zi = zi_(k);
	CHECK_EQ(zi.nr_free[10][U], 1);
	CHECK_EQ(zi.nr_free[10][M], 1);

	/* RECLAIMABLE falls back to UNMOVABLE before MOVABLE. */
	r = kmm_alloc_pages(k, GFP_RECL, 5);
	REQUIRE(r);
	zi = zi_(k);
	CHECK_EQ(zi.nr_free[10][U], 0);
	CHECK_EQ(zi.nr_free[10][M], 1);
	CHECK_EQ(zi.nr_free[9][R], 1);
	kmm_free_pages(k, r, 5);

	/* MOVABLE uses its own type while it has one. */
	struct kmm_page *m = kmm_alloc_pages(k, GFP_MOV, 5);
	REQUIRE(m);
	zi = zi_(k);
	CHECK_EQ(zi.nr_free[10][M], 0);
	CHECK_EQ(zi.nr_free[10][R], 1);
	CHECK_EQ(kmm_vm_event(k, KMM_PGSTEAL_FALLBACK), 3);
	kmm_free_pages(k, m, 5);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

/* 1024 pages: pageblock A = [0,512) allocated movable, then in B one movable
 * order-8 block allocated (and an order-7 one if `fill7`). */
static struct kmm *half_used_pageblock(bool fill7, struct kmm_page **keep)
{
	struct kmm *k = normal_only(1024, 0, 0);
	if (!k)
		return NULL;
	keep[0] = kmm_alloc_pages(k, GFP_MOV, 9);
	keep[1] = kmm_alloc_pages(k, GFP_MOV, 8);
	keep[2] = fill7 ? kmm_alloc_pages(k, GFP_MOV, 7) : NULL;
	return k;
}

TEST(claim_pageblock_below_pageblock_order)
{
	struct kmm_page *keep[3];
	struct kmm *k = half_used_pageblock(false, keep);
	REQUIRE(k && keep[0] && keep[1]);
	CHECK_EQ(kmm_page_to_pfn(k, keep[0]), 0);
	CHECK_EQ(kmm_page_to_pfn(k, keep[1]), 512);
	struct kmm_zone_info zi = zi_(k);
	CHECK_EQ(zi.nr_free[8][M], 1); /* [768, 1024) free */
	/* Unmovable order 4: the largest fallback block is order 8 < pageblock
	 * order; free 256 + alike 0 >= 256 (half a pageblock): claim B. */
	struct kmm_page *u = kmm_alloc_pages(k, GFP_UNMOVABLE, 4);
	REQUIRE(u);
	CHECK_EQ(kmm_page_to_pfn(k, u), 768);
	CHECK_EQ(pb_type(k, 512), U);
	CHECK_EQ(pb_type(k, 0), M);
	zi = zi_(k);
	for (unsigned o = 4; o < 8; o++) {
		CHECK_EQ(zi.nr_free[o][U], 1);
		CHECK_EQ(zi.nr_free[o][M], 0);
	}
	CHECK_EQ(kmm_vm_event(k, KMM_PAGEBLOCK_STEAL), 1);
	CHECK_EQ(zi.wmark_boost, 0); /* zone below four pageblocks: no boost */
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(single_block_when_pageblock_mostly_used)
{
	struct kmm_page *keep[3];
	struct kmm *k = half_used_pageblock(true, keep);
	REQUIRE(k && keep[0] && keep[1] && keep[2]);
	CHECK_EQ(kmm_page_to_pfn(k, keep[2]), 768);
	/* Free 128 + alike 0 < 256: take the order-7 block only; the split
	 * remainder stays MOVABLE with its pageblock. */
	struct kmm_page *u = kmm_alloc_pages(k, GFP_UNMOVABLE, 4);
	REQUIRE(u);
	CHECK_EQ(kmm_page_to_pfn(k, u), 896);
	CHECK_EQ(pb_type(k, 512), M);
	struct kmm_zone_info zi = zi_(k);
	CHECK_EQ(zi.nr_free[6][M], 1);
	CHECK_EQ(zi.nr_free[5][M], 1);
	CHECK_EQ(zi.nr_free[4][M], 1);
	for (unsigned o = 0; o <= KMM_MAX_ORDER; o++)
		CHECK_EQ(zi.nr_free[o][U], 0);
	CHECK_EQ(kmm_vm_event(k, KMM_PAGEBLOCK_STEAL), 0);
	CHECK_EQ(kmm_vm_event(k, KMM_PGSTEAL_FALLBACK), 1);
	CHECK_EQ(kmm_page_check(k), 0);
	/* Freed, it goes back to its pageblock's list and merges. */
	kmm_free_pages(k, u, 4);
	zi = zi_(k);
	CHECK_EQ(zi.nr_free[7][M], 1);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(movable_takes_smallest_when_it_cannot_claim)
{
	/* pcp batch 1: a pcp refill takes exactly one block. */
	struct kmm *k = normal_only(1024, 1, 0);
	REQUIRE(k);
	const kmm_gfp_t mem = KMM___GFP_MEMALLOC; /* past the watermarks: the zone is tiny */
	/* Turn the zone UNMOVABLE: an order-10 unmovable request claims it. */
	struct kmm_page *all = kmm_alloc_pages(k, GFP_UNMOVABLE | mem, 10);
	REQUIRE(all);
	kmm_free_pages(k, all, 10);
	CHECK_EQ(pb_type(k, 0), U);
	CHECK_EQ(pb_type(k, 512), U);
	/* Carve it down to one free order-3 and one free order-2 block. */
	struct kmm_page *held[8];
	static const unsigned orders[] = { 9, 8, 7, 6, 5, 4 };
	for (unsigned i = 0; i < 6; i++) {
		held[i] = kmm_alloc_pages(k, GFP_UNMOVABLE | mem, orders[i]);
		REQUIRE(held[i]);
	}
	held[6] = kmm_alloc_pages(k, GFP_UNMOVABLE | mem, 2); /* via pcp: splits the order-4 block */
	REQUIRE(held[6]);
	CHECK_EQ(kmm_page_to_pfn(k, held[6]), 1008);
	struct kmm_zone_info zi = zi_(k);
	CHECK_EQ(zi.nr_free[3][U], 1);
	CHECK_EQ(zi.nr_free[2][U], 1);
	CHECK_EQ(zi.free_pages, 12);
	/* Movable order 1: the largest fallback block (order 3) is below
	 * pageblock_order / 2, so it cannot be claimed; a movable request then
	 * splits the smallest block that fits (order 2) instead. */
	uint64_t steals = kmm_vm_event(k, KMM_PAGEBLOCK_STEAL);
	held[7] = kmm_alloc_pages(k, GFP_MOV | mem, 1);
	REQUIRE(held[7]);
	CHECK_EQ(kmm_page_to_pfn(k, held[7]), 1012);
	zi = zi_(k);
	CHECK_EQ(zi.nr_free[3][U], 1);
	CHECK_EQ(zi.nr_free[2][U], 0);
	CHECK_EQ(zi.nr_free[1][U], 1);
	CHECK_EQ(kmm_vm_event(k, KMM_PAGEBLOCK_STEAL), steals);
	CHECK_EQ(pb_type(k, 512), U);
	CHECK_EQ(kmm_page_check(k), 0);
	for (unsigned i = 0; i < 6; i++)
		kmm_free_pages(k, held[i], orders[i]);
	kmm_free_pages(k, held[6], 2);
	kmm_free_pages(k, held[7], 1);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

/* 2048 pages (exactly four pageblocks: boosting allowed). Leaves one free
 * movable order-8 block in a half-used pageblock. */
static struct kmm *boost_setup(uint32_t boost_factor, struct kmm_page **keep)
{
	struct kmm *k = normal_only(2048, 0, boost_factor);
	if (!k)
		return NULL;
	keep[0] = kmm_alloc_pages(k, GFP_MOV, 10);
	keep[1] = kmm_alloc_pages(k, GFP_MOV, 9);
	keep[2] = kmm_alloc_pages(k, GFP_MOV, 8);
	return k;
}

TEST(watermark_boost_on_fallback)
{
	struct kmm_page *keep[3];
	struct kmm *k = boost_setup(0, keep);
	REQUIRE(k && keep[0] && keep[1] && keep[2]);
	struct kmm_zone_info zi = zi_(k);
	/* 2048 pages: min_free_kbytes = isqrt(8192 * 16) = 362, min = 90,
	 * gap = max(90 / 4, 2048 * 10 / 10000) = 22: low 112, high 134.
	 * max boost = max(134 * 15000 / 10000, 512) = 512. */
	CHECK_EQ(zi.wmark_min, 90);
	CHECK_EQ(zi.wmark_low, 112);
	CHECK_EQ(zi.wmark_high, 134);
	CHECK_EQ(zi.wmark_boost, 0);
	struct kmm_page *u = kmm_alloc_pages(k, GFP_UNMOVABLE, 4); /* fallback below pageblock order */
	REQUIRE(u);
	zi = zi_(k);
	CHECK_EQ(zi.wmark_boost, 512);
	/* The boost lifts low to 624 > 240 free: the next request misses the
	 * fast path; waking "kswapd" (nothing to reclaim) drops the boost and
	 * the request is served at min. */
	uint64_t stalls = kmm_vm_event(k, KMM_ALLOCSTALL);
	struct kmm_page *p = kmm_alloc_pages(k, GFP_UNMOVABLE, 0);
	CHECK(p != NULL);
	CHECK_EQ(kmm_vm_event(k, KMM_ALLOCSTALL), stalls + 1);
	CHECK_EQ(zi_(k).wmark_boost, 0);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);

	/* watermark_boost_factor = UINT32_MAX: boosting off. */
	k = boost_setup(UINT32_MAX, keep);
	REQUIRE(k && keep[2]);
	u = kmm_alloc_pages(k, GFP_UNMOVABLE, 4);
	REQUIRE(u);
	CHECK_EQ(zi_(k).wmark_boost, 0);
	CHECK_EQ(kmm_vm_event(k, KMM_PGSTEAL_FALLBACK), 1);
	kmm_destroy(k);
}

TEST(highatomic_reserve_and_unreserve)
{
	struct kmm *k = normal_only(65536, 0, UINT32_MAX);
	REQUIRE(k);
	struct kmm_zone_info zi = zi_(k);
	/* 65536 pages: min_free_kbytes 2048, min 512, gap 128: low 640. */
	CHECK_EQ(zi.wmark_min, 512);
	CHECK_EQ(zi.wmark_low, 640);
	for (int i = 0; i < 63; i++)
		REQUIRE(kmm_alloc_pages(k, GFP_MOV, 10));
	REQUIRE(kmm_alloc_pages(k, GFP_MOV, 9)); /* slow path: 513 > min */
	zi = zi_(k);
	CHECK_EQ(zi.free_pages, 512);
	CHECK_EQ(zi.nr_reserved_highatomic, 0);

	/* A non-blocking order-1 allocation below low: served in the slow
	 * path with ALLOC_HIGHATOMIC, and its pageblock becomes the reserve
	 * (1% of 65536 = 655 >= 512: the bound is 1024 pages). */
	struct kmm_page *a = kmm_alloc_pages(k, KMM_GFP_ATOMIC, 1);
	REQUIRE(a);
	zi = zi_(k);
	CHECK_EQ(zi.nr_reserved_highatomic, 512);
	CHECK_EQ(pb_type(k, kmm_page_to_pfn(k, a)), H);
	uint64_t ha = 0;
	for (unsigned o = 0; o <= KMM_MAX_ORDER; o++) {
		ha += zi.nr_free[o][H] << o;
		CHECK_EQ(zi.nr_free[o][M], 0);
		CHECK_EQ(zi.nr_free[o][U], 0);
	}
	CHECK_EQ(ha, zi.free_pages); /* every free page now sits in the reserve */
	CHECK_EQ(kmm_page_check(k), 0);

	/* An order-0 atomic may dip into the reserve (ALLOC_NON_BLOCK). */
	struct kmm_page *b = kmm_alloc_pages(k, KMM_GFP_ATOMIC, 0);
	REQUIRE(b);
	CHECK_EQ(pb_type(k, kmm_page_to_pfn(k, b)), H);

	/* GFP_KERNEL may not: the reserve is not counted as free for it; its
	 * slow path gives the reserve back before failing. */
	uint64_t fails = kmm_vm_event(k, KMM_PGALLOC_FAIL);
	struct kmm_page *c = kmm_alloc_pages(k, GFP_UNMOVABLE, 0);
	CHECK(c == NULL);
	CHECK_EQ(kmm_vm_event(k, KMM_PGALLOC_FAIL), fails + 1);
	zi = zi_(k);
	CHECK_EQ(zi.nr_reserved_highatomic, 0);
	CHECK_EQ(pb_type(k, kmm_page_to_pfn(k, a)), U); /* handed to the requester's type */
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(small_zones_never_reserve_highatomic)
{
	/* 1% of 16384 pages is less than a pageblock: no reserve at all. */
	struct kmm *k = normal_only(16384, 0, UINT32_MAX);
	REQUIRE(k);
	while (kmm_alloc_pages(k, GFP_MOV, 9))
		;
	while (kmm_alloc_pages(k, GFP_MOV, 0))
		;
	CHECK_EQ(zi_(k).free_pages, 256); /* down to min */
	uint64_t stalls = kmm_vm_event(k, KMM_ALLOCSTALL);
	struct kmm_page *a = kmm_alloc_pages(k, KMM_GFP_ATOMIC, 2);
	REQUIRE(a);
	CHECK_EQ(kmm_vm_event(k, KMM_ALLOCSTALL), stalls + 1); /* the slow path, with ALLOC_HIGHATOMIC */
	CHECK_EQ(zi_(k).nr_reserved_highatomic, 0);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

int main(void)
{
	RUN(fallback_table_order);
	RUN(claim_pageblock_below_pageblock_order);
	RUN(single_block_when_pageblock_mostly_used);
	RUN(movable_takes_smallest_when_it_cannot_claim);
	RUN(watermark_boost_on_fallback);
	RUN(highatomic_reserve_and_unreserve);
	RUN(small_zones_never_reserve_highatomic);
	return test_summary();
}
