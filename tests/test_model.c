// SPDX-License-Identifier: MIT
/*
 * The reference page model on its own: layout and watermark numbers worked
 * out by hand from the documented rules, legality decisions on hand-built
 * states, the interleave cursor and zonelist order, and the canonical
 * decomposition against a brute-force greedy one.
 */
#include <errno.h>
#include <string.h>

#include "../reference/page_model.h"
#include "test.h"

static struct kmm_model *model_pc(uint32_t pages)
{
	struct kmm_config cfg;

	kmm_config_init(&cfg, 1, pages);
	return kmm_model_create(&cfg);
}

/* Allocate in the model as the executor does after a judged-OK block. */
static void model_take(struct kmm_model *m, kmm_pfn_t pfn, unsigned order, kmm_gfp_t gfp, uint32_t h)
{
	struct kmm_model_request rq = { .gfp = gfp, .order = order, .nid = -1 };

	kmm_model_prepare(m, &rq);
	kmm_model_alloc(m, &rq, pfn, h);
}

static enum kmm_model_block judge(struct kmm_model *m, kmm_pfn_t pfn, unsigned order, kmm_gfp_t gfp,
				  int nid)
{
	struct kmm_model_request rq = { .gfp = gfp, .order = order, .nid = nid };
	char why[400];

	kmm_model_prepare(m, &rq);
	return kmm_model_judge_block(m, &rq, pfn, NULL, NULL, why, sizeof(why));
}

static bool must(struct kmm_model *m, unsigned order, kmm_gfp_t gfp, int nid)
{
	struct kmm_model_request rq = { .gfp = gfp, .order = order, .nid = nid };

	kmm_model_prepare(m, &rq);
	return kmm_model_must_succeed(m, &rq, NULL, 0);
}

/* ---- layout and watermarks ---------------------------------------------- */

TEST(pc_layout_and_watermarks)
{
	/* 16384 pages: DMA 1024, DMA32 4096, NORMAL 11264 (kmm_config_init).
	 * lowmem 16384 pages = 65536 KiB; sqrt(65536 * 16) = 1024 KiB;
	 * pages_min 256; shares 16 / 64 / 176; gaps max(share/4, managed/1000). */
	struct kmm_model *m = model_pc(16384);
	const struct kmm_model_zone *dma, *dma32, *normal;

	REQUIRE(m);
	dma = kmm_model_zone(m, 0, KMM_ZONE_DMA);
	dma32 = kmm_model_zone(m, 0, KMM_ZONE_DMA32);
	normal = kmm_model_zone(m, 0, KMM_ZONE_NORMAL);
	CHECK_EQ(kmm_model_min_free_kbytes(m), 1024);
	CHECK_EQ(dma->start_pfn, 0);
	CHECK_EQ(dma32->start_pfn, 1024);
	CHECK_EQ(normal->start_pfn, 5120);
	CHECK_EQ(kmm_model_total_pages(m), 16384);
	CHECK_EQ(dma->wmark_min, 16);
	CHECK_EQ(dma->wmark_low, 20);
	CHECK_EQ(dma->wmark_high, 24);
	CHECK_EQ(dma32->wmark_min, 64);
	CHECK_EQ(dma32->wmark_low, 80);
	CHECK_EQ(dma32->wmark_high, 96);
	CHECK_EQ(normal->wmark_min, 176);
	CHECK_EQ(normal->wmark_low, 220);
	CHECK_EQ(normal->wmark_high, 264);
	/* lowmem_reserve: DMA (ratio 256) 4096/256, (4096+11264)/256; DMA32 11264/256;
	 * NORMAL (ratio 32) has nothing above it. */
	CHECK_EQ(dma->lowmem_reserve[KMM_ZONE_DMA], 0);
	CHECK_EQ(dma->lowmem_reserve[KMM_ZONE_DMA32], 16);
	CHECK_EQ(dma->lowmem_reserve[KMM_ZONE_NORMAL], 60);
	CHECK_EQ(dma->lowmem_reserve[KMM_ZONE_MOVABLE], 60);
	CHECK_EQ(dma32->lowmem_reserve[KMM_ZONE_DMA32], 0);
	CHECK_EQ(dma32->lowmem_reserve[KMM_ZONE_NORMAL], 44);
	CHECK_EQ(dma32->lowmem_reserve[KMM_ZONE_HIGHMEM], 44);
	CHECK_EQ(normal->lowmem_reserve[KMM_ZONE_MOVABLE], 0);
	kmm_model_destroy(m);
}

TEST(holes_reserved_padding_and_highmem)
{
	struct kmm_config cfg;
	struct kmm_model *m;
	const struct kmm_model_zone *z;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_nodes = 2;
	cfg.nr_cpus = 2;
	cfg.nodes[0].zones[KMM_ZONE_DMA].spanned_pages = 1000;
	cfg.nodes[0].zones[KMM_ZONE_DMA32].spanned_pages = 100;
	cfg.nodes[0].zones[KMM_ZONE_NORMAL] =
		(struct kmm_zone_config){ .spanned_pages = 2048, .hole_start = 100, .hole_pages = 200,
					  .reserved_pages = 150 };
	cfg.nodes[1].zones[KMM_ZONE_NORMAL].spanned_pages = 500;
	cfg.nodes[1].zones[KMM_ZONE_MOVABLE].spanned_pages = 3000;
	m = kmm_model_create(&cfg);
	REQUIRE(m);
	/* Starts aligned to 1024: 0, 1024, 2048; node 1 at 4096, its MOVABLE at 5120. */
	CHECK_EQ(kmm_model_zone(m, 0, KMM_ZONE_DMA32)->start_pfn, 1024);
	z = kmm_model_zone(m, 0, KMM_ZONE_NORMAL);
	CHECK_EQ(z->start_pfn, 2048);
	CHECK_EQ(z->present_pages, 1848);
	CHECK_EQ(z->managed_pages, 1698);
	CHECK_EQ(kmm_model_zone(m, 1, KMM_ZONE_NORMAL)->start_pfn, 4096);
	CHECK_EQ(kmm_model_zone(m, 1, KMM_ZONE_MOVABLE)->start_pfn, 5120);
	CHECK_EQ(kmm_model_total_pages(m), 8120);
	/* Reserved: the first 150 present pages = offsets 0..99, then 300..349. */
	CHECK(!kmm_model_pfn_managed(m, 2048));
	CHECK(!kmm_model_pfn_managed(m, 2048 + 99));
	CHECK(!kmm_model_pfn_managed(m, 2048 + 100)); /* hole */
	CHECK(!kmm_model_pfn_managed(m, 2048 + 299));
	CHECK(!kmm_model_pfn_managed(m, 2048 + 349));
	CHECK(kmm_model_pfn_managed(m, 2048 + 350));
	CHECK(!kmm_model_pfn_managed(m, 1000)); /* padding after DMA */
	CHECK(kmm_model_pfn_zone(m, 1100) == kmm_model_zone(m, 0, KMM_ZONE_DMA32));
	CHECK(kmm_model_pfn_zone(m, 1124) == NULL); /* padding after DMA32 */
	/* MOVABLE: min = clamp(3000 / 1024, 32, 128) = 32. lowmem = 1000 + 100 +
	 * 1698 + 500 = 3298 pages; sqrt(3298 * 4 * 16) = 459 KiB -> pages_min 114;
	 * MOVABLE's share 114 * 3000 / 3298 = 103, gap max(25, 3) = 25. */
	z = kmm_model_zone(m, 1, KMM_ZONE_MOVABLE);
	CHECK_EQ(kmm_model_min_free_kbytes(m), 459);
	CHECK_EQ(z->wmark_min, 32);
	CHECK_EQ(z->wmark_low, 57);
	CHECK_EQ(z->wmark_high, 82);
	/* Node 1 NORMAL (ratio 32) protects against MOVABLE requests: 3000 / 32. */
	CHECK_EQ(kmm_model_zone(m, 1, KMM_ZONE_NORMAL)->lowmem_reserve[KMM_ZONE_MOVABLE], 93);
	kmm_model_destroy(m);
}

TEST(min_free_kbytes_clamps_and_override)
{
	struct kmm_config cfg;
	struct kmm_model *m;

	kmm_config_init(&cfg, 1, 64); /* sqrt(256 * 16) = 64 -> clamped to 128 */
	m = kmm_model_create(&cfg);
	REQUIRE(m);
	CHECK_EQ(kmm_model_min_free_kbytes(m), 128);
	kmm_model_destroy(m);
	cfg.min_free_kbytes = 4000; /* given: used as is, pages_min 1000 */
	m = kmm_model_create(&cfg);
	REQUIRE(m);
	CHECK_EQ(kmm_model_min_free_kbytes(m), 4000);
	/* NORMAL holds 64 - 4 - 16 = 44 of 64 lowmem pages: 1000 * 44 / 64 = 687. */
	CHECK_EQ(kmm_model_zone(m, 0, KMM_ZONE_NORMAL)->wmark_min, 687);
	kmm_model_destroy(m);
}

TEST(gfp_zone_and_min_rights)
{
	CHECK_EQ(kmm_model_gfp_zone(KMM_GFP_KERNEL), KMM_ZONE_NORMAL);
	CHECK_EQ(kmm_model_gfp_zone(KMM_GFP_DMA), KMM_ZONE_DMA);
	CHECK_EQ(kmm_model_gfp_zone(KMM_GFP_KERNEL | KMM___GFP_DMA32), KMM_ZONE_DMA32);
	CHECK_EQ(kmm_model_gfp_zone(KMM_GFP_HIGHUSER), KMM_ZONE_HIGHMEM);
	CHECK_EQ(kmm_model_gfp_zone(KMM_GFP_HIGHUSER_MOVABLE), KMM_ZONE_MOVABLE);
	CHECK_EQ(kmm_model_gfp_zone(KMM___GFP_MOVABLE), KMM_ZONE_NORMAL);
	CHECK_EQ(kmm_model_gfp_zone(KMM___GFP_MOVABLE | KMM___GFP_DMA32), KMM_ZONE_DMA32);
	CHECK_EQ(kmm_model_gfp_zone(KMM___GFP_DMA | KMM___GFP_DMA32), KMM_NR_ZONES);
	/* min 100: __GFP_HIGH halves it; non-blocking __GFP_HIGH takes a quarter more. */
	CHECK_EQ(kmm_model_min_for(100, KMM_GFP_KERNEL, true), 100);
	CHECK_EQ(kmm_model_min_for(100, KMM_GFP_KERNEL | KMM___GFP_HIGH, true), 50);
	CHECK_EQ(kmm_model_min_for(100, KMM_GFP_ATOMIC, true), 38);
	CHECK_EQ(kmm_model_min_for(100, KMM_GFP_NOWAIT, true), 100);
	CHECK_EQ(kmm_model_min_for(100, KMM_GFP_KERNEL | KMM___GFP_NOFAIL, true), 100);
	CHECK_EQ(kmm_model_min_for(100, KMM_GFP_KERNEL | KMM___GFP_NOFAIL, false), 50);
	CHECK_EQ(kmm_model_min_for(100, KMM_GFP_KERNEL | KMM___GFP_MEMALLOC, false), -1);
	CHECK_EQ(kmm_model_min_for(100, KMM_GFP_KERNEL | KMM___GFP_MEMALLOC | KMM___GFP_NOMEMALLOC, false),
		 100);
}

/* ---- legality ------------------------------------------------------------- */

TEST(judge_placement)
{
	struct kmm_model *m = model_pc(16384); /* DMA 0..1023, DMA32 1024..5119, NORMAL 5120.. */

	REQUIRE(m);
	CHECK_EQ(judge(m, 5120, 3, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_OK);
	CHECK_EQ(judge(m, 5121, 1, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_MISALIGNED);
	CHECK_EQ(judge(m, 16384, 0, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_OUTSIDE);
	CHECK_EQ(judge(m, 16383, 1, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_OUTSIDE);
	CHECK_EQ(judge(m, 16381, 1, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_MISALIGNED);
	CHECK_EQ(judge(m, KMM_PFN_NONE, 0, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_OUTSIDE);
	/* A DMA32 page for a GFP_DMA request; a NORMAL page for GFP_DMA32. */
	CHECK_EQ(judge(m, 1024, 0, KMM_GFP_DMA, -1), KMM_MODEL_BLOCK_ZONE);
	CHECK_EQ(judge(m, 5120, 0, KMM_GFP_KERNEL | KMM___GFP_DMA32, -1), KMM_MODEL_BLOCK_ZONE);
	CHECK_EQ(judge(m, 16, 4, KMM_GFP_KERNEL | KMM___GFP_DMA32, -1), KMM_MODEL_BLOCK_OK);
	/* Overlap: with a live order-2 block at 5124, its buddy order-3 parent and a
	 * page inside both overlap; the next block does not. */
	model_take(m, 5124, 2, KMM_GFP_KERNEL, 7);
	CHECK_EQ(judge(m, 5120, 3, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_OVERLAP);
	CHECK_EQ(judge(m, 5127, 0, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_OVERLAP);
	CHECK_EQ(judge(m, 5128, 2, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_OK);
	CHECK_EQ(kmm_model_find_overlap(m, 5120, 3), 7);
	CHECK_EQ(kmm_model_owner(m, 5124), 7);
	/* Inside a bigger live block. */
	model_take(m, 6144, 10, KMM_GFP_KERNEL, 8);
	CHECK_EQ(judge(m, 6144 + 512, 0, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_OVERLAP);
	kmm_model_free(m, 6144, 10);
	CHECK_EQ(judge(m, 6144 + 512, 0, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_OK);
	kmm_model_destroy(m);
}

TEST(judge_unmanaged_and_straddling)
{
	struct kmm_config cfg;
	struct kmm_model *m;

	kmm_config_init(&cfg, 1, 4096);
	cfg.nodes[0].zones[KMM_ZONE_NORMAL].hole_start = 64;
	cfg.nodes[0].zones[KMM_ZONE_NORMAL].hole_pages = 64;
	cfg.nodes[0].zones[KMM_ZONE_NORMAL].reserved_pages = 8;
	m = kmm_model_create(&cfg);
	REQUIRE(m);
	/* DMA 256 pages at 0: 256..1023 is padding. NORMAL starts at 2048. */
	CHECK_EQ(judge(m, 256, 0, KMM_GFP_DMA, -1), KMM_MODEL_BLOCK_ZONE);
	CHECK_EQ(judge(m, 0, 9, KMM_GFP_DMA, -1), KMM_MODEL_BLOCK_ZONE); /* 0..511 runs past DMA */
	CHECK_EQ(judge(m, 2048, 0, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_UNMANAGED); /* reserved */
	CHECK_EQ(judge(m, 2048 + 64, 3, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_UNMANAGED); /* hole */
	CHECK_EQ(judge(m, 2048 + 8, 3, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_OK);
	kmm_model_destroy(m);
}

TEST(must_succeed_and_must_fail_around_watermarks)
{
	/* One NORMAL zone of 1024 pages, min_free_kbytes 400: min 100, gap max(25, 1). */
	struct kmm_config cfg;
	struct kmm_model *m;
	const struct kmm_model_zone *z;
	uint32_t h = 1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_nodes = 1;
	cfg.nr_cpus = 1;
	cfg.min_free_kbytes = 400;
	cfg.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 1024;
	m = kmm_model_create(&cfg);
	REQUIRE(m);
	z = kmm_model_zone(m, 0, KMM_ZONE_NORMAL);
	CHECK_EQ(z->wmark_min, 100);
	CHECK_EQ(z->wmark_low, 125);
	CHECK(must(m, 0, KMM_GFP_KERNEL, -1));
	CHECK(must(m, 9, KMM_GFP_KERNEL, -1));   /* 1024 - 511 > 100 */
	CHECK(!must(m, 10, KMM_GFP_KERNEL, -1)); /* 1024 - 1023 <= 100 */
	/* Take pages 0..922: 101 left. free 101 > 100: must succeed for order 0. */
	for (kmm_pfn_t p = 0; p < 923; p++)
		model_take(m, p, 0, KMM_GFP_KERNEL, h++);
	CHECK_EQ(z->free_pages, 101);
	CHECK(must(m, 0, KMM_GFP_KERNEL, -1));
	CHECK_EQ(judge(m, 1000, 0, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_OK);
	model_take(m, 923, 0, KMM_GFP_KERNEL, h++); /* 100 left: at min */
	CHECK(!must(m, 0, KMM_GFP_KERNEL, -1));
	/* At min, GFP_KERNEL may not succeed; __GFP_HIGH may (min 50);
	 * GFP_ATOMIC must (min 38); __GFP_MEMALLOC may go to zero. */
	CHECK_EQ(judge(m, 1000, 0, KMM_GFP_KERNEL, -1), KMM_MODEL_BLOCK_WATERMARK);
	CHECK_EQ(judge(m, 1000, 0, KMM_GFP_KERNEL | KMM___GFP_HIGH, -1), KMM_MODEL_BLOCK_OK);
	CHECK(must(m, 0, KMM_GFP_KERNEL | KMM___GFP_HIGH, -1));
	CHECK(must(m, 0, KMM_GFP_ATOMIC, -1));
	CHECK(!must(m, 0, KMM_GFP_NOWAIT, -1));
	CHECK_EQ(judge(m, 1000, 0, KMM_GFP_KERNEL | KMM___GFP_NOFAIL, -1), KMM_MODEL_BLOCK_OK);
	CHECK_EQ(judge(m, 1000, 0, KMM_GFP_NOWAIT, -1), KMM_MODEL_BLOCK_WATERMARK);
	/* Leave 40: ATOMIC still must (40 > 38), HIGH may not (40 <= 50). */
	for (kmm_pfn_t p = 924; p < 984; p++)
		model_take(m, p, 0, KMM_GFP_ATOMIC, h++);
	CHECK_EQ(z->free_pages, 40);
	CHECK(must(m, 0, KMM_GFP_ATOMIC, -1));
	CHECK_EQ(judge(m, 1000, 0, KMM_GFP_KERNEL | KMM___GFP_HIGH, -1), KMM_MODEL_BLOCK_WATERMARK);
	CHECK_EQ(judge(m, 1000, 0, KMM_GFP_KERNEL | KMM___GFP_MEMALLOC, -1), KMM_MODEL_BLOCK_OK);
	kmm_model_destroy(m);
}

TEST(fragmentation_blocks_high_orders)
{
	struct kmm_model *m = model_pc(16384);
	uint32_t h = 1;

	REQUIRE(m);
	/* Take every other page of DMA32 (1024..5119): 2048 pages free, no pair. */
	for (kmm_pfn_t p = 1024; p < 5120; p += 2)
		model_take(m, p, 0, KMM_GFP_KERNEL | KMM___GFP_DMA32, h++);
	CHECK(kmm_model_has_block(m, 0, KMM_ZONE_DMA32, 0, false));
	CHECK(!kmm_model_has_block(m, 0, KMM_ZONE_DMA32, 1, false));
	CHECK(must(m, 0, KMM_GFP_KERNEL | KMM___GFP_DMA32, 0));
	/* DMA still serves order 1 for a DMA32 request (zones <= DMA32). */
	CHECK(must(m, 1, KMM_GFP_KERNEL | KMM___GFP_DMA32, 0));
	/* Fill DMA completely: now order 1 need not succeed. */
	model_take(m, 0, 10, KMM_GFP_DMA, h++);
	CHECK(!must(m, 1, KMM_GFP_KERNEL | KMM___GFP_DMA32, 0));
	CHECK(must(m, 0, KMM_GFP_KERNEL | KMM___GFP_DMA32, 0));
	kmm_model_destroy(m);
}

TEST(highatomic_superset)
{
	struct kmm_config cfg;
	struct kmm_model *m;

	/* 8192 NORMAL pages, pageblock order 3: 1% = 81 >= 8, ceiling 88 + 1024. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_nodes = 1;
	cfg.nr_cpus = 1;
	cfg.pageblock_order = 3;
	cfg.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 8192;
	m = kmm_model_create(&cfg);
	REQUIRE(m);
	CHECK_EQ(kmm_model_highatomic_bound(m, 0, KMM_ZONE_NORMAL), 0);
	/* A blocking high-order allocation reserves nothing ... */
	model_take(m, 0, 1, KMM_GFP_KERNEL, 1);
	CHECK_EQ(kmm_model_highatomic_bound(m, 0, KMM_ZONE_NORMAL), 0);
	/* ... a non-blocking one may: its pageblock joins the set. */
	model_take(m, 8, 1, KMM_GFP_ATOMIC, 2);
	CHECK_EQ(kmm_model_highatomic_bound(m, 0, KMM_ZONE_NORMAL), 8);
	/* Order 0 never reserves. */
	model_take(m, 16, 0, KMM_GFP_ATOMIC, 3);
	CHECK_EQ(kmm_model_highatomic_bound(m, 0, KMM_ZONE_NORMAL), 8);
	/* An order-4 one covers two pageblocks. */
	model_take(m, 32, 4, KMM_GFP_NOWAIT, 4);
	CHECK_EQ(kmm_model_highatomic_bound(m, 0, KMM_ZONE_NORMAL), 24);
	/* Free space left inside pageblock 1 (pages 10..15) is excluded on request. */
	kmm_model_free(m, 0, 1);
	kmm_model_free(m, 16, 0);
	for (kmm_pfn_t p = 48; p < 8192; p += 2)
		model_take(m, p, 0, KMM_GFP_KERNEL, 10 + p);
	/* Free pairs left: 0..7 (order 3), 10..15 inside the reserved pageblock, 16..31. */
	CHECK(kmm_model_has_block(m, 0, KMM_ZONE_NORMAL, 3, false));
	CHECK(kmm_model_has_block(m, 0, KMM_ZONE_NORMAL, 3, true));
	model_take(m, 0, 3, KMM_GFP_KERNEL, 5);
	model_take(m, 16, 4, KMM_GFP_KERNEL, 6);
	CHECK(kmm_model_has_block(m, 0, KMM_ZONE_NORMAL, 1, false));
	CHECK(!kmm_model_has_block(m, 0, KMM_ZONE_NORMAL, 1, true));
	kmm_model_destroy(m);

	/* A zone whose 1% is under a pageblock never reserves. */
	cfg.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 512;
	m = kmm_model_create(&cfg);
	REQUIRE(m);
	model_take(m, 8, 1, KMM_GFP_ATOMIC, 1);
	CHECK_EQ(kmm_model_highatomic_bound(m, 0, KMM_ZONE_NORMAL), 0);
	kmm_model_destroy(m);
}

/* ---- policy ---------------------------------------------------------------- */

static struct kmm_model *model_numa(unsigned nodes, uint32_t pages)
{
	struct kmm_config cfg;

	kmm_config_init(&cfg, nodes, pages);
	return kmm_model_create(&cfg);
}

static int next_il(struct kmm_model *m, kmm_gfp_t gfp)
{
	struct kmm_model_request rq = { .gfp = gfp, .order = 0, .nid = -1 };

	kmm_model_prepare(m, &rq);
	return rq.interleave_nid;
}

TEST(interleave_cursor)
{
	struct kmm_model *m = model_numa(3, 2048);
	uint8_t w[KMM_MAX_NODES] = { 2, 0, 1 };

	REQUIRE(m);
	CHECK_EQ(kmm_model_set_policy(m, KMM_MPOL_INTERLEAVE, 0x5, NULL), 0);
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL), 0);
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL), 2);
	/* THISNODE ignores the policy: the cursor does not move. */
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL | KMM___GFP_THISNODE), -1);
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL), 0);
	/* set_mempolicy() restarts at the lowest node. */
	CHECK_EQ(kmm_model_set_policy(m, KMM_MPOL_INTERLEAVE, 0x6, NULL), 0);
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL), 1);
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL), 2);
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL), 1);
	/* Weighted: node 0 twice, node 2 once. */
	CHECK_EQ(kmm_model_set_policy(m, KMM_MPOL_WEIGHTED_INTERLEAVE, 0x5, w), 0);
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL), 0);
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL), 0);
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL), 2);
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL), 0);
	/* Bad policies leave the old one alone. */
	CHECK_EQ(kmm_model_set_policy(m, KMM_MPOL_BIND, 0, NULL), -EINVAL);
	CHECK_EQ(kmm_model_set_policy(m, KMM_MPOL_BIND, 0x8, NULL), -EINVAL);
	CHECK_EQ(kmm_model_set_policy(m, KMM_MPOL_MAX, 0x1, NULL), -EINVAL);
	w[2] = 0;
	CHECK_EQ(kmm_model_set_policy(m, KMM_MPOL_WEIGHTED_INTERLEAVE, 0x5, w), -EINVAL);
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL), 0);
	CHECK_EQ(next_il(m, KMM_GFP_KERNEL), 2);
	kmm_model_destroy(m);
}

TEST(policy_node_sets)
{
	struct kmm_model *m = model_numa(4, 2048);
	struct kmm_model_request rq = { .gfp = KMM_GFP_KERNEL, .order = 0, .nid = -1 };

	REQUIRE(m);
	/* Default: all nodes, local node (CPU 0 -> node 0) first. */
	kmm_model_prepare(m, &rq);
	CHECK_EQ(rq.may_nodes, 0xf);
	CHECK_EQ(rq.walk[0], 0);
	/* Bind {1, 3}: only those. */
	CHECK_EQ(kmm_model_set_policy(m, KMM_MPOL_BIND, 0xa, NULL), 0);
	kmm_model_prepare(m, &rq);
	CHECK_EQ(rq.may_nodes, 0xa);
	CHECK_EQ(rq.must_nodes, 0xa);
	CHECK_EQ(rq.walk_len, 2);
	/* A node 2 block under BIND {1, 3} is misplaced. */
	CHECK_EQ(judge(m, kmm_model_zone(m, 2, KMM_ZONE_NORMAL)->start_pfn, 0, KMM_GFP_KERNEL, -1),
		 KMM_MODEL_BLOCK_NODE);
	/* THISNODE: the local node only, whatever the policy. */
	rq.gfp = KMM_GFP_KERNEL | KMM___GFP_THISNODE;
	kmm_model_prepare(m, &rq);
	CHECK_EQ(rq.may_nodes, 0x1);
	/* alloc_pages_node(2): every node, node 2 first; with THISNODE node 2 only. */
	rq.nid = 2;
	kmm_model_prepare(m, &rq);
	CHECK_EQ(rq.may_nodes, 0x4);
	rq.gfp = KMM_GFP_KERNEL;
	kmm_model_prepare(m, &rq);
	CHECK_EQ(rq.may_nodes, 0xf);
	CHECK_EQ(rq.walk[0], 2);
	/* Preferred {2, 3} keeps the lowest. */
	CHECK_EQ(kmm_model_set_policy(m, KMM_MPOL_PREFERRED, 0xc, NULL), 0);
	CHECK_EQ(kmm_model_policy(m)->nodes, 0x4);
	kmm_model_destroy(m);
}

TEST(zonelist_node_order)
{
	/* Flat 4-node machine, a CPU on every node: the kernel's ring order with
	 * rotated first spills (node 2: 2 3 0 1). */
	struct kmm_model *m = model_numa(4, 2048);
	static const uint8_t want[4][4] = { { 0, 1, 2, 3 }, { 1, 2, 3, 0 }, { 2, 3, 0, 1 }, { 3, 0, 1, 2 } };
	struct kmm_config cfg;
	uint8_t order[KMM_MAX_NODES];

	REQUIRE(m);
	for (unsigned n = 0; n < 4; n++) {
		CHECK_EQ(kmm_model_fallback_order(m, n, order), 4);
		for (unsigned i = 0; i < 4; i++)
			CHECK_EQ(order[i], want[n][i]);
	}
	kmm_model_destroy(m);

	/* Two pairs: {0,1} and {2,3} at distance 12, 30 across; CPUs on 0 and 2. */
	kmm_config_init(&cfg, 4, 2048);
	cfg.nr_cpus = 2;
	cfg.cpu_node[1] = 2;
	for (unsigned a = 0; a < 4; a++)
		for (unsigned b = 0; b < 4; b++)
			cfg.distance[a][b] = a == b ? 10 : (a / 2 == b / 2 ? 12 : 30);
	m = kmm_model_create(&cfg);
	REQUIRE(m);
	CHECK_EQ(kmm_model_fallback_order(m, 0, order), 4);
	CHECK_EQ(order[0], 0);
	CHECK_EQ(order[1], 1);
	/* From node 3: 2 is near (12) but has a CPU (+1) and sits below 3 (+1):
	 * 14 is still nearer than 30. */
	CHECK_EQ(kmm_model_fallback_order(m, 3, order), 4);
	CHECK_EQ(order[0], 3);
	CHECK_EQ(order[1], 2);
	kmm_model_destroy(m);
}

TEST(walk_order_and_pcp_awareness)
{
	struct kmm_model *m = model_numa(2, 2048);
	kmm_pfn_t n1 = 0;
	struct kmm_model_request rq = { .gfp = KMM_GFP_KERNEL, .order = 0, .nid = -1 };
	char why[400];

	REQUIRE(m);
	n1 = kmm_model_zone(m, 1, KMM_ZONE_NORMAL)->start_pfn;
	/* Node 0 has plenty: a node 1 block for a local (node 0) request is out of order. */
	kmm_model_prepare(m, &rq);
	CHECK_EQ(kmm_model_judge_block(m, &rq, n1, NULL, NULL, why, sizeof(why)), KMM_MODEL_BLOCK_ORDER);
	/* alloc_pages_node(1) may land there, of course. */
	CHECK_EQ(judge(m, n1, 0, KMM_GFP_KERNEL, 1), KMM_MODEL_BLOCK_OK);
	kmm_model_destroy(m);
}

static uint64_t all_pcp(void *ctx, unsigned nid, enum kmm_zone_type zone)
{
	(void)ctx;
	(void)zone;
	return nid == 0 ? 100000 : 0; /* everything of node 0 sits on pcp lists */
}

TEST(walk_order_ignores_pcp_held_memory)
{
	struct kmm_model *m = model_numa(2, 2048);
	struct kmm_model_request rq = { .gfp = KMM_GFP_KERNEL, .order = 0, .nid = -1 };
	char why[400];

	REQUIRE(m);
	kmm_model_prepare(m, &rq);
	CHECK_EQ(kmm_model_judge_block(m, &rq, kmm_model_zone(m, 1, KMM_ZONE_NORMAL)->start_pfn, all_pcp,
				       NULL, why, sizeof(why)),
		 KMM_MODEL_BLOCK_OK);
	kmm_model_destroy(m);
}

/* ---- canonical decomposition ------------------------------------------------ */

/* Brute force: left to right, the largest aligned all-free block at each free
 * page (free = managed and not in a live block, taken from a page bitmap). */
static void greedy(const struct kmm_model *m, const bool *used, unsigned nid, enum kmm_zone_type zone,
		   uint64_t out[KMM_NR_ORDERS])
{
	const struct kmm_model_zone *z = kmm_model_zone(m, nid, zone);
	kmm_pfn_t p = z->start_pfn, end = z->start_pfn + z->spanned_pages;

	memset(out, 0, sizeof(uint64_t) * KMM_NR_ORDERS);
	while (p < end) {
		int best = -1;

		for (unsigned o = 0; o <= KMM_MAX_ORDER; o++) {
			bool ok = (p & ((1u << o) - 1)) == 0 && p + (1u << o) <= end;

			for (kmm_pfn_t q = p; ok && q < p + (1u << o); q++)
				ok = !used[q] && kmm_model_pfn_managed(m, q);
			if (!ok)
				break;
			best = (int)o;
		}
		if (best < 0) {
			p++;
		} else {
			out[best]++;
			p += 1u << best;
		}
	}
}

TEST(canonical_decomposition)
{
	struct kmm_config cfg;
	struct kmm_model *m;
	uint64_t got[KMM_NR_ORDERS], flex[KMM_NR_ORDERS], want[KMM_NR_ORDERS];
	static const uint64_t fresh[KMM_NR_ORDERS] = { 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1 };
	static bool used[8192];
	uint64_t rng = 12345;
	uint32_t h = 1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_nodes = 1;
	cfg.nr_cpus = 1;
	cfg.nodes[0].zones[KMM_ZONE_DMA].spanned_pages = 1710; /* 1024+512+128+32+8+4+2 */
	cfg.nodes[0].zones[KMM_ZONE_NORMAL] =
		(struct kmm_zone_config){ .spanned_pages = 3000, .hole_start = 700, .hole_pages = 300,
					  .reserved_pages = 37 };
	/* Reserved pages split by the hole: offsets 0..19 and 1120..1136. */
	cfg.nodes[0].zones[KMM_ZONE_MOVABLE] =
		(struct kmm_zone_config){ .spanned_pages = 1500, .hole_start = 20, .hole_pages = 1100,
					  .reserved_pages = 37 };
	m = kmm_model_create(&cfg);
	REQUIRE(m);
	CHECK(!kmm_model_pfn_managed(m, 5120 + 1136));
	CHECK(kmm_model_pfn_managed(m, 5120 + 1137));
	kmm_model_free_blocks(m, 0, KMM_ZONE_DMA, got, NULL);
	for (unsigned o = 0; o < KMM_NR_ORDERS; o++)
		CHECK_EQ(got[o], fresh[o]);
	/* Random live blocks, checked against the greedy walk each time. */
	for (int round = 0; round < 600; round++) {
		unsigned order;
		kmm_pfn_t pfn;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		order = (unsigned)(rng >> 60) % 6;
		pfn = (kmm_pfn_t)((rng >> 20) % kmm_model_total_pages(m)) & ~((1u << order) - 1);
		if (judge(m, pfn, order, KMM_GFP_HIGHUSER_MOVABLE, -1) == KMM_MODEL_BLOCK_OK) {
			model_take(m, pfn, order, KMM_GFP_HIGHUSER_MOVABLE, h++);
			for (kmm_pfn_t q = pfn; q < pfn + (1u << order); q++)
				used[q] = true;
		}
		for (unsigned z = KMM_ZONE_DMA; z <= KMM_ZONE_MOVABLE; z += 2) {
			kmm_model_free_blocks(m, 0, (enum kmm_zone_type)z, got, flex);
			greedy(m, used, 0, (enum kmm_zone_type)z, want);
			for (unsigned o = 0; o < KMM_NR_ORDERS; o++) {
				CHECK_EQ(got[o], want[o]);
				CHECK_EQ(flex[o], 0);
			}
		}
	}
	kmm_model_destroy(m);
}

TEST(decomposition_flex_at_highatomic_pageblocks)
{
	struct kmm_config cfg;
	struct kmm_model *m;
	uint64_t exact[KMM_NR_ORDERS], flex[KMM_NR_ORDERS];

	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_nodes = 1;
	cfg.nr_cpus = 1;
	cfg.pageblock_order = 3;
	cfg.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 2048;
	m = kmm_model_create(&cfg);
	REQUIRE(m);
	/* A non-blocking order-1 allocation in pageblock 0, then freed: the
	 * whole zone is free again, but pageblock 0 may be HIGHATOMIC. */
	model_take(m, 0, 1, KMM_GFP_ATOMIC, 1);
	kmm_model_free(m, 0, 1);
	kmm_model_free_blocks(m, 0, KMM_ZONE_NORMAL, exact, flex);
	CHECK_EQ(exact[KMM_MAX_ORDER], 1); /* the second 1024-block */
	CHECK_EQ(flex[KMM_MAX_ORDER], 1);  /* the first may be split at pageblock 0's edge */
	CHECK_EQ(exact[3], 0);
	kmm_model_destroy(m);
}

int main(void)
{
	RUN(pc_layout_and_watermarks);
	RUN(holes_reserved_padding_and_highmem);
	RUN(min_free_kbytes_clamps_and_override);
	RUN(gfp_zone_and_min_rights);
	RUN(judge_placement);
	RUN(judge_unmanaged_and_straddling);
	RUN(must_succeed_and_must_fail_around_watermarks);
	RUN(fragmentation_blocks_high_orders);
	RUN(highatomic_superset);
	RUN(interleave_cursor);
	RUN(policy_node_sets);
	RUN(zonelist_node_order);
	RUN(walk_order_and_pcp_awareness);
	RUN(walk_order_ignores_pcp_held_memory);
	RUN(canonical_decomposition);
	RUN(decomposition_flex_at_highatomic_pageblocks);
	return test_summary();
}
