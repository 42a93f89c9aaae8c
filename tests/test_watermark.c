// SPDX-License-Identifier: MIT
/*
 * Watermarks and lowmem_reserve against the kernel formulas, worked by hand
 * for a known layout, and what they mean for allocations: GFP_KERNEL stops
 * at min (+ protection), __GFP_HIGH goes to min/2, GFP_ATOMIC to 3/8 of min,
 * __GFP_MEMALLOC past everything.
 */
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/page/internal.h"
#include "test.h"
#include "test_system.h"

static struct kmm_zone_info zi_(struct kmm *k, enum kmm_zone_type zt)
{
	return node0_zone_info(k, zt);
}

/* DMA 4096 / DMA32 16384 / NORMAL 65536 pages (+ MOVABLE if given). */
static struct kmm *three_zones(uint32_t movable)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 1024);
	memset(c.nodes, 0, sizeof(c.nodes));
	c.nodes[0].zones[KMM_ZONE_DMA].spanned_pages = 4096;
	c.nodes[0].zones[KMM_ZONE_DMA32].spanned_pages = 16384;
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 65536;
	c.nodes[0].zones[KMM_ZONE_MOVABLE].spanned_pages = movable;
	c.watermark_boost_factor = UINT32_MAX; /* keep the exhaustion counts exact */
	c.debug_level = 2;
	return kmm_create(&c);
}

/*
 * lowmem (zones <= NORMAL) = 4096 + 16384 + 65536 = 86016 pages = 344064 KiB
 * min_free_kbytes = int_sqrt(344064 * 16 = 5505024) = 2346  (2346^2 = 5503716)
 * pages_min = 2346 >> 2 = 586
 * per zone: tmp = 586 * managed / 86016; gap = max(tmp >> 2, managed * 10 / 10000)
 *   DMA    tmp = 2400256 / 86016 = 27   gap = max(6, 4)     = 6    -> 27 / 33 / 39
 *   DMA32  tmp = 9601024 / 86016 = 111  gap = max(27, 16)   = 27   -> 111 / 138 / 165
 *   NORMAL tmp = 38404096 / 86016 = 446 gap = max(111, 65)  = 111  -> 446 / 557 / 668
 * lowmem_reserve (ratios 256 256 32):
 *   DMA:   [DMA32] 16384 / 256 = 64, [NORMAL] 81920 / 256 = 320, [HIGHMEM] 320, [MOVABLE] 320
 *   DMA32: [NORMAL] 65536 / 256 = 256, [HIGHMEM] 256, [MOVABLE] 256
 *   NORMAL: [HIGHMEM] 0 / 32 = 0, [MOVABLE] 0
 */
TEST(kernel_formula_three_zones)
{
	struct kmm *k = three_zones(0);
	REQUIRE(k);
	CHECK_EQ(k->min_free_kbytes, 2346);
	struct kmm_zone_info d = zi_(k, KMM_ZONE_DMA), d32 = zi_(k, KMM_ZONE_DMA32), n = zi_(k, KMM_ZONE_NORMAL);
	CHECK_EQ(d.wmark_min, 27);
	CHECK_EQ(d.wmark_low, 33);
	CHECK_EQ(d.wmark_high, 39);
	CHECK_EQ(d32.wmark_min, 111);
	CHECK_EQ(d32.wmark_low, 138);
	CHECK_EQ(d32.wmark_high, 165);
	CHECK_EQ(n.wmark_min, 446);
	CHECK_EQ(n.wmark_low, 557);
	CHECK_EQ(n.wmark_high, 668);

	CHECK_EQ(d.lowmem_reserve[KMM_ZONE_DMA], 0);
	CHECK_EQ(d.lowmem_reserve[KMM_ZONE_DMA32], 64);
	CHECK_EQ(d.lowmem_reserve[KMM_ZONE_NORMAL], 320);
	CHECK_EQ(d.lowmem_reserve[KMM_ZONE_HIGHMEM], 320);
	CHECK_EQ(d.lowmem_reserve[KMM_ZONE_MOVABLE], 320);
	CHECK_EQ(d32.lowmem_reserve[KMM_ZONE_DMA32], 0);
	CHECK_EQ(d32.lowmem_reserve[KMM_ZONE_NORMAL], 256);
	CHECK_EQ(d32.lowmem_reserve[KMM_ZONE_MOVABLE], 256);
	CHECK_EQ(n.lowmem_reserve[KMM_ZONE_NORMAL], 0);
	CHECK_EQ(n.lowmem_reserve[KMM_ZONE_MOVABLE], 0);

	/* pcp: batch per zone_batchsize(), high = low / 1 CPU (>= 4 * batch).
	 *   DMA    4096 >> 10 = 4, / 4 = 1, rdp2(1) - 1 = 0 -> 1;  high 33
	 *   DMA32  16 / 4 = 4, rdp2(6) - 1 = 3;                    high 138
	 *   NORMAL 64 / 4 = 16, rdp2(24) - 1 = 15;                 high 557 */
	CHECK_EQ(d.pcp_batch, 1);
	CHECK_EQ(d.pcp_high, 33);
	CHECK_EQ(d32.pcp_batch, 3);
	CHECK_EQ(d32.pcp_high, 138);
	CHECK_EQ(n.pcp_batch, 15);
	CHECK_EQ(n.pcp_high, 557);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

/*
 * + MOVABLE 8192: not lowmem, so min_free_kbytes and the lowmem zones stay.
 *   MOVABLE min = clamp(8192 / 1024 = 8, 32, 128) = 32;
 *   tmp = 586 * 8192 / 86016 = 55, gap = max(13, 8) = 13 -> 32 / 45 / 58
 *   DMA[MOVABLE] = 90112 / 256 = 352, DMA32[MOVABLE] = 73728 / 256 = 288,
 *   NORMAL[MOVABLE] = 8192 / 32 = 256.
 */
TEST(kernel_formula_with_movable)
{
	struct kmm *k = three_zones(8192);
	REQUIRE(k);
	CHECK_EQ(k->min_free_kbytes, 2346);
	struct kmm_zone_info m = zi_(k, KMM_ZONE_MOVABLE);
	CHECK_EQ(m.wmark_min, 32);
	CHECK_EQ(m.wmark_low, 45);
	CHECK_EQ(m.wmark_high, 58);
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).wmark_min, 446);
	CHECK_EQ(zi_(k, KMM_ZONE_DMA).lowmem_reserve[KMM_ZONE_MOVABLE], 352);
	CHECK_EQ(zi_(k, KMM_ZONE_DMA32).lowmem_reserve[KMM_ZONE_MOVABLE], 288);
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).lowmem_reserve[KMM_ZONE_MOVABLE], 256);
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).lowmem_reserve[KMM_ZONE_HIGHMEM], 0);
	kmm_destroy(k);
}

TEST(min_free_kbytes_clamp_and_override)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 1024);
	memset(c.nodes, 0, sizeof(c.nodes));
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 100; /* isqrt(400 * 16) = 80 -> 128 */
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	CHECK_EQ(k->min_free_kbytes, 128);
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).wmark_min, 32);
	kmm_destroy(k);
	c.min_free_kbytes = 1000; /* sysctl value: used as given */
	k = kmm_create(&c);
	REQUIRE(k);
	CHECK_EQ(k->min_free_kbytes, 1000);
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).wmark_min, 250);
	/* gap = max(250 >> 2, 100 * 10 / 10000) = 62 */
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).wmark_low, 312);
	kmm_destroy(k);
	/* watermark_scale_factor 1000 (10%): gap = max(27 >> 2, 4096 * 1000 / 10000 = 409) */
	kmm_config_init(&c, 1, 1024);
	memset(c.nodes, 0, sizeof(c.nodes));
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 4096;
	c.watermark_scale_factor = 1000;
	k = kmm_create(&c);
	REQUIRE(k);
	/* isqrt(16384 * 16) = 512 -> pages_min 128 = min; gap max(32, 409) */
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).wmark_min, 128);
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).wmark_low, 128 + 409);
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).wmark_high, 128 + 818);
	kmm_destroy(k);
}

/* Allocate order-0 pages with gfp until it fails; returns how many. */
static unsigned exhaust(struct kmm *k, kmm_gfp_t gfp)
{
	unsigned n = 0;
	while (kmm_alloc_pages(k, gfp | KMM___GFP_NOWARN, 0))
		n++;
	return n;
}

TEST(protection_stops_kernel_allocations)
{
	struct kmm *k = three_zones(0);
	REQUIRE(k);
	/* GFP_KERNEL (highest zone NORMAL) may take each zone down to
	 * min + lowmem_reserve[NORMAL]: 446 + 0, 111 + 256, 27 + 320. */
	unsigned n = exhaust(k, KMM_GFP_KERNEL);
	CHECK_EQ(n, (65536 - 446) + (16384 - 367) + (4096 - 347));
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).free_pages, 446);
	CHECK_EQ(zi_(k, KMM_ZONE_DMA32).free_pages, 367);
	CHECK_EQ(zi_(k, KMM_ZONE_DMA).free_pages, 347);
	/* GFP_DMA32 has less to protect: DMA32 to 111, DMA to 27 + 64. */
	n = exhaust(k, KMM_GFP_KERNEL | KMM_GFP_DMA32);
	CHECK_EQ(n, (367 - 111) + (347 - 91));
	/* GFP_DMA: DMA down to its bare min. */
	n = exhaust(k, KMM_GFP_KERNEL | KMM_GFP_DMA);
	CHECK_EQ(n, 91 - 27);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_ALLOC_FAILURE), 0); /* all NOWARN */
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(atomic_and_high_reach_below_min)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 1024);
	memset(c.nodes, 0, sizeof(c.nodes));
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 65536; /* min 512 */
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).wmark_min, 512);
	CHECK_EQ(exhaust(k, KMM_GFP_KERNEL), 65536 - 512);
	/* GFP_NOWAIT: non-blocking but without __GFP_HIGH: min stays 512. */
	CHECK_EQ(exhaust(k, KMM_GFP_NOWAIT), 0);
	/* GFP_KERNEL|__GFP_HIGH: min - min/2 = 256. */
	CHECK_EQ(exhaust(k, KMM_GFP_KERNEL | KMM___GFP_HIGH), 512 - 256);
	/* GFP_ATOMIC: __GFP_HIGH and non-blocking: 256 - 256/4 = 192. */
	CHECK_EQ(exhaust(k, KMM_GFP_ATOMIC), 256 - 192);
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).free_pages, 192);
	/* __GFP_MEMALLOC: no watermarks at all. */
	CHECK_EQ(exhaust(k, KMM_GFP_KERNEL | KMM___GFP_MEMALLOC), 192);
	CHECK_EQ(zi_(k, KMM_ZONE_NORMAL).free_pages, 0);
	/* A failure without __GFP_NOWARN is reported. */
	CHECK(kmm_alloc_pages(k, KMM_GFP_ATOMIC, 0) == NULL);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_ALLOC_FAILURE), 1);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(nofail_without_reclaim_warns)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 1024);
	memset(c.nodes, 0, sizeof(c.nodes));
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 4096; /* min 128 */
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	CHECK_EQ(exhaust(k, KMM_GFP_KERNEL), 4096 - 128);
	/* __GFP_NOFAIL gets the ALLOC_MIN_RESERVE fallback (min/2) ... */
	CHECK_EQ(exhaust(k, KMM_GFP_KERNEL | KMM___GFP_NOFAIL), 64);
	uint64_t w = kmm_report_count(k, KMM_REPORT_WARNING);
	CHECK(w >= 1); /* ... and says so when it finally gives up */
	/* NOFAIL without direct reclaim is a caller bug: warned, failed. */
	CHECK(kmm_alloc_pages(k, KMM_GFP_NOWAIT | KMM___GFP_NOFAIL, 0) == NULL);
	CHECK(kmm_report_count(k, KMM_REPORT_WARNING) == w); /* NOWAIT carries __GFP_NOWARN */
	CHECK(kmm_alloc_pages(k, KMM___GFP_KSWAPD_RECLAIM | KMM___GFP_NOFAIL, 0) == NULL);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_WARNING), w + 1);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

int main(void)
{
	RUN(kernel_formula_three_zones);
	RUN(kernel_formula_with_movable);
	RUN(min_free_kbytes_clamp_and_override);
	RUN(protection_stops_kernel_allocations);
	RUN(atomic_and_high_reach_below_min);
	RUN(nofail_without_reclaim_warns);
	return test_summary();
}
