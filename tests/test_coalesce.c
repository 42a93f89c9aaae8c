// SPDX-License-Identifier: MIT
/*
 * Full coalescing across pageblock type changes.
 *
 * __free_one_page() does not merge across a pageblock edge while one side
 * is HIGHATOMIC (or ISOLATE), so a free reserve block can sit next to a free
 * ordinary buddy of the same order. When the reserve is given back
 * (unreserve_highatomic_pageblock), the two become mergeable and must be
 * merged then: the harness requires that after a drain a zone's free blocks
 * are exactly the maximal aligned free blocks, and kmm_page_check() reports
 * two free mergeable buddies as a violation.
 */
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/page/internal.h"
#include "test.h"
#include "test_system.h"

#define H KMM_MIGRATE_HIGHATOMIC
#define GFP_MOV (KMM_GFP_KERNEL | KMM___GFP_MOVABLE | KMM___GFP_NOWARN)

/* One node, one NORMAL zone of `pages`, pageblock order 5 (32 pages). */
static struct kmm *small_pageblocks(uint32_t pages)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 1024);
	memset(c.nodes, 0, sizeof(c.nodes));
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = pages;
	c.pageblock_order = 5;
	c.watermark_boost_factor = UINT32_MAX;
	c.debug_level = 2;
	return kmm_create(&c);
}

static struct kmm_zone *normal(struct kmm *k) { return &k->nodes[0].zones[KMM_ZONE_NORMAL]; }

static struct kmm_zone_info zi_(struct kmm *k)
{
	return node0_zone_info(k, KMM_ZONE_NORMAL);
}

static uint64_t blocks_of_order(const struct kmm_zone_info *zi, unsigned order)
{
	uint64_t n = 0;
	for (int t = 0; t < KMM_MIGRATE_TYPES; t++)
		n += zi->nr_free[order][t];
	return n;
}

/*
 * A free HIGHATOMIC block of order 8 beside its free MOVABLE buddy: they
 * stay apart while the reserve stands, and merge (up to MAX_ORDER) the
 * moment it is given back.
 */
TEST(unreserve_merges_with_free_buddies)
{
	struct kmm *k = small_pageblocks(4096);
	REQUIRE(k);
	struct kmm_zone *z = normal(k);
	struct kmm_zone_info zi = zi_(k);
	CHECK_EQ(blocks_of_order(&zi, 10), 4);

	/* Take an order-8 block and make it a reserve, as the slow path does
	 * after a high-order atomic allocation (1% of 4096 >= 32 pages). */
	struct kmm_page *a = kmm_alloc_pages(k, GFP_MOV, 8);
	REQUIRE(a);
	kmm_pfn_t pfn = kmm_page_to_pfn(k, a);
	reserve_highatomic_pageblock_(z, pfn, 8);
	CHECK_EQ(z->nr_reserved_highatomic, 256);
	CHECK_EQ(get_pageblock_migratetype_(z, pfn), H);

	/* Freed, it must not merge with its MOVABLE buddy. */
	kmm_free_pages(k, a, 8);
	kmm_drain_all_pages(k);
	zi = zi_(k);
	CHECK_EQ(zi.nr_free[8][H], 1);
	CHECK_EQ(blocks_of_order(&zi, 8), 2);
	CHECK_EQ(blocks_of_order(&zi, 10), 3);
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK(kmm_page_fully_coalesced(k));

	/* Give the reserve back: the block takes the requester's type and
	 * is merged with its buddies right away. */
	struct alloc_context ac;
	prepare_alloc_context_(k, -1, GFP_MOV, &ac);
	CHECK(unreserve_highatomic_pageblock_(k, &ac, true));
	CHECK_EQ(z->nr_reserved_highatomic, 0);
	CHECK_EQ(get_pageblock_migratetype_(z, pfn), KMM_MIGRATE_MOVABLE);
	zi = zi_(k);
	CHECK_EQ(zi.nr_free[8][H], 0);
	CHECK_EQ(blocks_of_order(&zi, 8), 0);
	CHECK_EQ(blocks_of_order(&zi, 9), 0);
	CHECK_EQ(blocks_of_order(&zi, 10), 4);
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK(kmm_page_fully_coalesced(k));
	kmm_destroy(k);
}

/*
 * The same through the allocator's own paths: a one-pageblock reserve made
 * by a GFP_ATOMIC order-1 allocation in the slow path, everything around it
 * freed (it stays apart from its free buddies), then given back by the slow
 * path of a blocking allocation that cannot be met.
 */
TEST(unreserve_under_pressure_merges)
{
	/* pcp high = batch = 1: the pcp lists hold nothing between calls, so
	 * the watermarks see every free page. */
	struct kmm_config c;
	kmm_config_init(&c, 1, 1024);
	memset(c.nodes, 0, sizeof(c.nodes));
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 4096;
	c.pageblock_order = 5;
	c.watermark_boost_factor = UINT32_MAX;
	c.pcp_high = c.pcp_batch = 1;
	c.debug_level = 2;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	struct kmm_zone *z = normal(k);
	static struct kmm_page *held[1024];
	struct kmm_page *big[3];
	unsigned n = 0;

	for (int i = 0; i < 3; i++)
		REQUIRE((big[i] = kmm_alloc_pages(k, GFP_MOV, 10)) != NULL);
	/* The last 1024 pages: order-0 pages down to the low watermark. */
	struct kmm_zone_info zi = zi_(k);
	CHECK_EQ(zi.free_pages, 1024);
	while (zi_(k).free_pages > zi.wmark_low && n < 1024) {
		REQUIRE((held[n] = kmm_alloc_pages(k, GFP_MOV, 0)) != NULL);
		n++;
	}
	CHECK_EQ(zi_(k).free_pages, zi.wmark_low);
	CHECK_EQ(z->nr_reserved_highatomic, 0);
	struct kmm_page *a = kmm_alloc_pages(k, KMM_GFP_ATOMIC | KMM___GFP_NOWARN, 1);
	REQUIRE(a);
	kmm_pfn_t pfn = kmm_page_to_pfn(k, a);
	CHECK_EQ(z->nr_reserved_highatomic, 32);
	CHECK_EQ(get_pageblock_migratetype_(z, pfn), H);

	/* Everything freed: it all merges but for the reserve's edges. */
	kmm_free_pages(k, a, 1);
	while (n > 0)
		kmm_free_pages(k, held[--n], 0);
	for (int i = 0; i < 3; i++)
		kmm_free_pages(k, big[i], 10);
	CHECK_EQ(kmm_page_check(k), 0);
	zi = zi_(k);
	CHECK_EQ(zi.nr_free[5][H], 1);
	CHECK_EQ(blocks_of_order(&zi, 10), 3);

	/* Hold the three whole blocks again; an order-10 GFP_KERNEL request
	 * then fails, and its slow path gives the reserve back first. */
	for (int i = 0; i < 3; i++)
		REQUIRE((big[i] = kmm_alloc_pages(k, GFP_MOV, 10)) != NULL);
	CHECK(kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_NOWARN, 10) == NULL);
	zi = zi_(k);
	CHECK_EQ(zi.nr_reserved_highatomic, 0);
	CHECK_EQ(zi.nr_free[5][H], 0);
	CHECK_EQ(blocks_of_order(&zi, 10), 1);
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK(kmm_page_fully_coalesced(k));
	for (int i = 0; i < 3; i++)
		kmm_free_pages(k, big[i], 10);
	zi = zi_(k);
	CHECK_EQ(blocks_of_order(&zi, 10), 4);
	kmm_destroy(k);
}

int main(void)
{
	RUN(unreserve_merges_with_free_buddies);
	RUN(unreserve_under_pressure_merges);
	return test_summary();
}
