// SPDX-License-Identifier: MIT
/*
 * The object model alone: the kmalloc class table and size_index, the
 * alignment rules, the interval set (overlap), ksize, the misuse table, the
 * failure rule against a page model, RCU bookkeeping.
 */
#include <string.h>

#include "../reference/object_model.h"
#include "test.h"

#define ARENA ((uintptr_t)0x10000000u)
#define PAGES 4096u

/* ---- classes ---------------------------------------------------------------- */

TEST(class_table_is_the_kernels)
{
	static const size_t want[][2] = {
		{ 1, 8 },     { 8, 8 },     { 9, 16 },     { 16, 16 },     { 17, 32 },   { 24, 32 },
		{ 32, 32 },   { 33, 64 },   { 64, 64 },    { 65, 96 },     { 96, 96 },   { 97, 128 },
		{ 128, 128 }, { 129, 192 }, { 192, 192 },  { 193, 256 },   { 256, 256 }, { 257, 512 },
		{ 1000, 1024 }, { 2048, 2048 }, { 2049, 4096 }, { 4097, 8192 }, { 8192, 8192 },
	};

	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_EQ(kmm_omodel_kmalloc_class(want[i][0]), want[i][1]);
	CHECK_EQ(kmm_omodel_kmalloc_class(0), 0);
	CHECK_EQ(kmm_omodel_kmalloc_class(8193), 0);
	CHECK(kmm_omodel_kmalloc_large(8193));
	CHECK(!kmm_omodel_kmalloc_large(8192));
}

/* size_index[] + fls (the kernel's kmalloc_index) and the first-fit scan
 * over the class list agree on every size. */
TEST(size_index_agrees_with_the_scan)
{
	unsigned bad = 0;

	for (size_t size = 1; size <= KMM_KMALLOC_MAX_CACHE_SIZE; size++)
		if (kmm_omodel_index_size(kmm_omodel_kmalloc_index(size)) != kmm_omodel_kmalloc_class(size))
			bad++;
	CHECK_EQ(bad, 0);
	CHECK_EQ(kmm_omodel_kmalloc_index(0), 0);
	CHECK_EQ(kmm_omodel_kmalloc_index(72), 1);  /* kmalloc-96 */
	CHECK_EQ(kmm_omodel_kmalloc_index(136), 2); /* kmalloc-192 */
	CHECK_EQ(kmm_omodel_kmalloc_index(8), 3);
	CHECK_EQ(kmm_omodel_kmalloc_index(8192), 13);
	CHECK_EQ(kmm_omodel_kmalloc_index(8193), -1);
	CHECK_EQ(kmm_omodel_index_size(1), 96);
	CHECK_EQ(kmm_omodel_index_size(2), 192);
	CHECK_EQ(kmm_omodel_index_size(0), 0);
}

TEST(get_order)
{
	CHECK_EQ(kmm_omodel_get_order(1), 0);
	CHECK_EQ(kmm_omodel_get_order(4096), 0);
	CHECK_EQ(kmm_omodel_get_order(4097), 1);
	CHECK_EQ(kmm_omodel_get_order(65536), 4);
	CHECK_EQ(kmm_omodel_get_order(65537), 5);
}

/* ---- alignment ------------------------------------------------------------------ */

TEST(cache_alignment_is_calculate_alignment)
{
	CHECK_EQ(kmm_omodel_cache_align(0, 0, 1), 8);
	CHECK_EQ(kmm_omodel_cache_align(0, 4, 100), 8);
	CHECK_EQ(kmm_omodel_cache_align(0, 256, 100), 256);
	/* HWCACHE_ALIGN: the 64-byte line halved while the object fits in half. */
	CHECK_EQ(kmm_omodel_cache_align(KMM_SLAB_HWCACHE_ALIGN, 0, 100), 64);
	CHECK_EQ(kmm_omodel_cache_align(KMM_SLAB_HWCACHE_ALIGN, 0, 33), 64);
	CHECK_EQ(kmm_omodel_cache_align(KMM_SLAB_HWCACHE_ALIGN, 0, 32), 32);
	CHECK_EQ(kmm_omodel_cache_align(KMM_SLAB_HWCACHE_ALIGN, 0, 20), 32);
	CHECK_EQ(kmm_omodel_cache_align(KMM_SLAB_HWCACHE_ALIGN, 0, 16), 16);
	CHECK_EQ(kmm_omodel_cache_align(KMM_SLAB_HWCACHE_ALIGN, 0, 3), 8);
	CHECK_EQ(kmm_omodel_cache_align(KMM_SLAB_HWCACHE_ALIGN, 128, 16), 128);
}

TEST(kmalloc_alignment)
{
	CHECK_EQ(kmm_omodel_kmalloc_align(1), 8);
	CHECK_EQ(kmm_omodel_kmalloc_align(8), 8);
	CHECK_EQ(kmm_omodel_kmalloc_align(24), 8);
	CHECK_EQ(kmm_omodel_kmalloc_align(100), 8);
	CHECK_EQ(kmm_omodel_kmalloc_align(64), 64);
	CHECK_EQ(kmm_omodel_kmalloc_align(2048), 2048);
	CHECK_EQ(kmm_omodel_kmalloc_align(8192), 4096);
	CHECK_EQ(kmm_omodel_kmalloc_align(10000), 4096);
}

TEST(cache_args)
{
	char why[128];

	CHECK(kmm_omodel_cache_args_valid(1, 0, 0, why, sizeof(why)));
	CHECK(kmm_omodel_cache_args_valid(8192, 4096, KMM_SLAB_HWCACHE_ALIGN, why, sizeof(why)));
	CHECK(!kmm_omodel_cache_args_valid(0, 0, 0, why, sizeof(why)));
	CHECK(!kmm_omodel_cache_args_valid(8193, 0, 0, why, sizeof(why)));
	CHECK(!kmm_omodel_cache_args_valid(64, 24, 0, why, sizeof(why)));
	CHECK(!kmm_omodel_cache_args_valid(64, 8192, 0, why, sizeof(why)));
	CHECK(!kmm_omodel_cache_args_valid(64, 0, 1u << 20, why, sizeof(why)));
	CHECK(!kmm_omodel_cache_args_valid(64, 0, KMM_SLAB_CACHE_DMA | KMM_SLAB_CACHE_DMA32, why, sizeof(why)));
}

/* ---- objects ------------------------------------------------------------------------ */

static struct kmm_omodel_obj want_kmalloc(struct kmm_omodel *m, size_t size)
{
	struct kmm_omodel_req rq;
	struct kmm_omodel_obj o;

	memset(&rq, 0, sizeof(rq));
	rq.kind = KMM_OMODEL_KMALLOC;
	rq.size = size;
	rq.node = -1;
	kmm_omodel_expect(m, &rq, &o);
	return o;
}

static void add_at(struct kmm_omodel *m, uint32_t h, struct kmm_omodel_obj o, uintptr_t addr)
{
	o.addr = addr;
	o.ksize = kmm_omodel_kmalloc_class(o.size);
	kmm_omodel_add(m, h, &o);
}

TEST(judge_alignment_overlap_ksize)
{
	struct kmm_omodel *m = kmm_omodel_create(KMM_OMODEL_SLUB, 0, ARENA, PAGES, 16, 0);
	struct kmm_omodel_obj o64, o100;
	char why[256];

	REQUIRE(m);
	o64 = want_kmalloc(m, 64);
	o100 = want_kmalloc(m, 100);
	CHECK_EQ(o64.kind, KMM_OMODEL_KMALLOC);
	CHECK_EQ(o64.align, 64);
	CHECK_EQ(o100.align, 8);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &o64, ARENA + 128, 64, 0, why, sizeof(why)), KMM_OMODEL_OK);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &o64, ARENA + 136, 64, 0, why, sizeof(why)), KMM_OMODEL_MISALIGNED);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &o64, ARENA - 4096, 64, 0, why, sizeof(why)), KMM_OMODEL_OUTSIDE);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &o64, ARENA + PAGES * 4096u - 32, 64, 0, why, sizeof(why)),
		 KMM_OMODEL_OUTSIDE);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &o100, ARENA + 8, 96, 0, why, sizeof(why)), KMM_OMODEL_KSIZE);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &o100, ARENA + 8, 128, 0, why, sizeof(why)), KMM_OMODEL_OK);

	add_at(m, 1, o64, ARENA + 128); /* [128, 192) */
	add_at(m, 2, o100, ARENA + 256); /* [256, 356) */
	CHECK_EQ(kmm_omodel_nr_live(m), 2);
	CHECK_EQ(kmm_omodel_find_overlap(m, ARENA + 191, 1, 0), 1);
	CHECK_EQ(kmm_omodel_find_overlap(m, ARENA + 192, 64, 0), 0);
	CHECK_EQ(kmm_omodel_find_overlap(m, ARENA + 100, 200, 0), 2); /* the later start wins the walk */
	CHECK_EQ(kmm_omodel_find_overlap(m, ARENA + 100, 100, 0), 1);
	CHECK_EQ(kmm_omodel_find_overlap(m, ARENA + 355, 8, 0), 2);
	CHECK_EQ(kmm_omodel_find_overlap(m, ARENA + 356, 8, 0), 0);
	CHECK_EQ(kmm_omodel_find_overlap(m, ARENA + 300, 8, 2), 0); /* excluded: krealloc's own */
	CHECK_EQ(kmm_omodel_find_overlap(m, ARENA + 100, 200, 2), 1); /* walks past the excluded one */
	CHECK_EQ(kmm_omodel_judge(m, NULL, &o64, ARENA + 128, 64, 0, why, sizeof(why)), KMM_OMODEL_OVERLAP);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &o100, ARENA + 320, 128, 0, why, sizeof(why)), KMM_OMODEL_OVERLAP);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &o100, ARENA + 320, 128, 2, why, sizeof(why)), KMM_OMODEL_OK);

	kmm_omodel_remove(m, 1);
	CHECK_EQ(kmm_omodel_nr_live(m), 1);
	CHECK(kmm_omodel_obj(m, 1) == NULL);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &o64, ARENA + 128, 64, 0, why, sizeof(why)), KMM_OMODEL_OK);
	kmm_omodel_destroy(m);
}

TEST(ksize_rules_per_backend)
{
	struct kmm_omodel_obj o;
	char why[160];

	memset(&o, 0, sizeof(o));
	o.kind = KMM_OMODEL_KMALLOC;
	o.size = 100;
	CHECK(kmm_omodel_ksize_ok(KMM_OMODEL_SLUB, &o, 128, why, sizeof(why)));
	CHECK(kmm_omodel_ksize_ok(KMM_OMODEL_SLAB, &o, 128, why, sizeof(why)));
	CHECK(!kmm_omodel_ksize_ok(KMM_OMODEL_SLUB, &o, 104, why, sizeof(why))); /* not the class */
	CHECK(!kmm_omodel_ksize_ok(KMM_OMODEL_SLAB, &o, 256, why, sizeof(why)));
	CHECK(kmm_omodel_ksize_ok(KMM_OMODEL_SLOB, &o, 104, why, sizeof(why))); /* >= the request */
	CHECK(!kmm_omodel_ksize_ok(KMM_OMODEL_SLOB, &o, 99, why, sizeof(why)));
	o.kind = KMM_OMODEL_LARGE;
	o.size = 10000;
	CHECK(kmm_omodel_ksize_ok(KMM_OMODEL_SLUB, &o, 16384, why, sizeof(why)));
	CHECK(!kmm_omodel_ksize_ok(KMM_OMODEL_SLOB, &o, 12288, why, sizeof(why)));
	o.kind = KMM_OMODEL_CACHE;
	o.size = 40;
	CHECK(kmm_omodel_ksize_ok(KMM_OMODEL_SLUB, &o, 40, why, sizeof(why)));
	CHECK(!kmm_omodel_ksize_ok(KMM_OMODEL_SLUB, &o, 32, why, sizeof(why)));
	o.kind = KMM_OMODEL_ZERO;
	o.size = 0;
	CHECK(kmm_omodel_ksize_ok(KMM_OMODEL_SLUB, &o, 0, why, sizeof(why)));
	CHECK(!kmm_omodel_ksize_ok(KMM_OMODEL_SLUB, &o, 8, why, sizeof(why)));
}

TEST(zero_size_and_large)
{
	struct kmm_omodel *m = kmm_omodel_create(KMM_OMODEL_SLAB, 0, ARENA, PAGES, 8, 0);
	struct kmm_omodel_obj z, big;
	char why[160];

	REQUIRE(m);
	z = want_kmalloc(m, 0);
	big = want_kmalloc(m, 20000);
	CHECK_EQ(z.kind, KMM_OMODEL_ZERO);
	CHECK_EQ(big.kind, KMM_OMODEL_LARGE);
	CHECK_EQ(big.align, 4096);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &z, (uintptr_t)KMM_ZERO_SIZE_PTR, 0, 0, why, sizeof(why)), KMM_OMODEL_OK);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &z, ARENA, 0, 0, why, sizeof(why)), KMM_OMODEL_ZERO_PTR);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &big, (uintptr_t)KMM_ZERO_SIZE_PTR, 0, 0, why, sizeof(why)),
		 KMM_OMODEL_ZERO_PTR);
	/* get_order(20000) = 3: ksize is the whole order-3 block */
	CHECK_EQ(kmm_omodel_judge(m, NULL, &big, ARENA + 4096, 32768, 0, why, sizeof(why)), KMM_OMODEL_OK);
	CHECK_EQ(kmm_omodel_judge(m, NULL, &big, ARENA + 4096, 20480, 0, why, sizeof(why)), KMM_OMODEL_KSIZE);
	kmm_omodel_destroy(m);
}

TEST(expectations_ctor_and_zero)
{
	struct kmm_omodel *m = kmm_omodel_create(KMM_OMODEL_SLUB, 0, ARENA, PAGES, 8, 0);
	struct kmm_omodel_req rq;
	struct kmm_omodel_obj o;

	REQUIRE(m);
	kmm_omodel_cache_add(m, 1, 40, 0, KMM_SLAB_HWCACHE_ALIGN, true);
	REQUIRE(kmm_omodel_cache(m, 1));
	CHECK_EQ(kmm_omodel_cache(m, 1)->req_align, 64);
	memset(&rq, 0, sizeof(rq));
	rq.kind = KMM_OMODEL_CACHE;
	rq.cache = 1;
	rq.gfp = KMM_GFP_KERNEL;
	kmm_omodel_expect(m, &rq, &o);
	CHECK(o.ctor);
	CHECK(!o.zeroed);
	CHECK_EQ(o.align, 64);
	CHECK_EQ(o.size, 40);
	rq.gfp |= KMM___GFP_ZERO; /* __GFP_ZERO wins over the ctor */
	kmm_omodel_expect(m, &rq, &o);
	CHECK(!o.ctor);
	CHECK(o.zeroed);
	kmm_omodel_cache_gone(m, 1);
	CHECK(kmm_omodel_cache(m, 1) == NULL);
	kmm_omodel_destroy(m);
}

/* ---- misuse -------------------------------------------------------------------------- */

TEST(misuse_table)
{
	const unsigned fzp = KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_RED_ZONE | KMM_SLAB_POISON;
	struct kmm_omodel *m = kmm_omodel_create(KMM_OMODEL_SLUB, fzp, ARENA, PAGES, 8, 0);
	struct kmm_omodel *plain = kmm_omodel_create(KMM_OMODEL_SLAB, 0, ARENA, PAGES, 8, 0);
	struct kmm_omodel_obj k100, z;
	char why[160];

	REQUIRE(m && plain);
	k100 = want_kmalloc(m, 100);
	z = want_kmalloc(m, 0);
	add_at(m, 1, k100, ARENA + 512);
	add_at(plain, 1, k100, ARENA + 512);
	z.addr = (uintptr_t)KMM_ZERO_SIZE_PTR;
	kmm_omodel_add(m, 2, &z);
	kmm_omodel_cache_add(m, 1, 64, 0, 0, false);
	kmm_omodel_cache_add(m, 2, 64, 0, KMM_SLAB_TYPESAFE_BY_RCU, false);

	for (unsigned kind = KMM_OMODEL_MISUSE_DOUBLE_FREE; kind <= KMM_OMODEL_MISUSE_WRITE_AFTER_FREE; kind++) {
		if (kind == KMM_OMODEL_MISUSE_WRONG_CACHE)
			continue;
		CHECK_EQ(kmm_omodel_misuse(m, kind, 1, 0, false, why, sizeof(why)), KMM_OMODEL_MISUSE_REPORT);
		if (kind != KMM_OMODEL_MISUSE_KFREE_NON_SLAB) /* reported whatever the flags */
			CHECK_EQ(kmm_omodel_misuse(plain, kind, 1, 0, false, why, sizeof(why)), KMM_OMODEL_MISUSE_SKIP);
	}
	CHECK_EQ(kmm_omodel_misuse(m, KMM_OMODEL_MISUSE_DOUBLE_FREE, 2, 0, false, why, sizeof(why)),
		 KMM_OMODEL_MISUSE_SILENT);
	CHECK_EQ(kmm_omodel_misuse(m, KMM_OMODEL_MISUSE_WRONG_CACHE, 1, 1, false, why, sizeof(why)),
		 KMM_OMODEL_MISUSE_REPORT);
	CHECK_EQ(kmm_omodel_misuse(m, KMM_OMODEL_MISUSE_WRONG_CACHE, 1, 1, true, why, sizeof(why)),
		 KMM_OMODEL_MISUSE_SKIP);
	CHECK_EQ(kmm_omodel_misuse(m, KMM_OMODEL_MISUSE_DESTROY_BUSY, 0, 1, false, why, sizeof(why)),
		 KMM_OMODEL_MISUSE_SILENT); /* no live objects: a plain destroy */
	CHECK_EQ(kmm_omodel_misuse(m, KMM_OMODEL_MISUSE_DESTROY_BUSY, 0, 9, false, why, sizeof(why)),
		 KMM_OMODEL_MISUSE_SKIP);

	/* A live cache object makes destroy busy; an RCU cache is never poisoned. */
	{
		struct kmm_omodel_req rq;
		struct kmm_omodel_obj co;

		memset(&rq, 0, sizeof(rq));
		rq.kind = KMM_OMODEL_CACHE;
		rq.cache = 2;
		kmm_omodel_expect(m, &rq, &co);
		co.addr = ARENA + 8192;
		co.ksize = 64;
		kmm_omodel_add(m, 3, &co);
		CHECK_EQ(kmm_omodel_cache(m, 2)->live, 1);
		CHECK_EQ(kmm_omodel_misuse(m, KMM_OMODEL_MISUSE_DESTROY_BUSY, 0, 2, false, why, sizeof(why)),
			 KMM_OMODEL_MISUSE_REPORT);
		CHECK_EQ(kmm_omodel_misuse(m, KMM_OMODEL_MISUSE_WRITE_AFTER_FREE, 3, 0, false, why, sizeof(why)),
			 KMM_OMODEL_MISUSE_SKIP);
		CHECK_EQ(kmm_omodel_misuse(m, KMM_OMODEL_MISUSE_WRITE_PAST_END, 3, 0, false, why, sizeof(why)),
			 KMM_OMODEL_MISUSE_REPORT);
		/* Freed from an RCU cache: on the RCU list until the barrier. */
		kmm_omodel_remove(m, 3);
		CHECK_EQ(kmm_omodel_cache(m, 2)->live, 0);
		CHECK_EQ(kmm_omodel_rcu_count(m), 1);
		CHECK(kmm_omodel_rcu_get(m, 0) && kmm_omodel_rcu_get(m, 0)->addr == ARENA + 8192);
		kmm_omodel_rcu_barrier(m);
		CHECK_EQ(kmm_omodel_rcu_count(m), 0);
	}
	kmm_omodel_destroy(m);
	kmm_omodel_destroy(plain);
}

TEST(misuse_offsets_stay_in_range)
{
	struct kmm_omodel_obj o;

	memset(&o, 0, sizeof(o));
	o.kind = KMM_OMODEL_CACHE;
	for (size_t size = 1; size <= 64; size++) {
		o.size = size;
		for (uint32_t arg = 0; arg < 40; arg++) {
			size_t past = kmm_omodel_misuse_offset(&o, KMM_OMODEL_MISUSE_WRITE_PAST_END, arg);
			size_t in = kmm_omodel_misuse_offset(&o, KMM_OMODEL_MISUSE_WRITE_AFTER_FREE, arg);

			/* [size, next word) or a whole word when size is word aligned */
			CHECK(past >= size && past < ((size + 8) & ~(size_t)7));
			CHECK(in < size);
			if (size >= 2) {
				size_t inner = kmm_omodel_misuse_offset(&o, KMM_OMODEL_MISUSE_KFREE_INTERIOR, arg);

				CHECK(inner >= 1 && inner < size);
			}
		}
	}
}

/* ---- failure --------------------------------------------------------------------------- */

TEST(must_succeed_follows_free_memory)
{
	struct kmm_config cfg;
	struct kmm_model *pm;
	struct kmm_omodel *m;
	struct kmm_model_request prq;
	struct kmm_omodel_req rq;
	char why[512];

	kmm_config_init(&cfg, 1, 4096);
	memset(cfg.nodes, 0, sizeof(cfg.nodes));
	cfg.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 4096;
	pm = kmm_model_create(&cfg);
	REQUIRE(pm);
	m = kmm_omodel_create(KMM_OMODEL_SLUB, 0, ARENA, kmm_model_total_pages(pm), 8, 0);
	REQUIRE(m);
	memset(&rq, 0, sizeof(rq));
	rq.kind = KMM_OMODEL_KMALLOC;
	rq.size = 64;
	rq.gfp = KMM_GFP_KERNEL;
	rq.node = -1;
	CHECK(kmm_omodel_must_succeed(m, pm, &rq, why, sizeof(why)));
	CHECK(!kmm_omodel_must_fail(m, &rq));
	rq.size = 0;
	CHECK(!kmm_omodel_must_succeed(m, pm, &rq, why, sizeof(why)));
	rq.size = (size_t)KMM_KMALLOC_MAX_SIZE + 1;
	CHECK(kmm_omodel_must_fail(m, &rq));
	CHECK(!kmm_omodel_must_succeed(m, pm, &rq, why, sizeof(why)));
	rq.size = 64;
	rq.overflow = true;
	CHECK(kmm_omodel_must_fail(m, &rq));
	rq.overflow = false;
	rq.gfp = KMM_GFP_KERNEL | KMM___GFP_DMA; /* no DMA zone here: nothing required */
	CHECK(!kmm_omodel_must_succeed(m, pm, &rq, why, sizeof(why)));
	rq.gfp = KMM_GFP_KERNEL;

	/* Fill the zone with order-3 blocks: from some point on, nothing is required. */
	memset(&prq, 0, sizeof(prq));
	prq.gfp = KMM_GFP_KERNEL;
	prq.order = 3;
	for (kmm_pfn_t pfn = 0; pfn + 8 <= 4096 - 16; pfn += 8)
		kmm_model_alloc(pm, &prq, pfn, 1 + pfn / 8);
	CHECK(!kmm_omodel_must_succeed(m, pm, &rq, why, sizeof(why)));
	/* A cache that is not (or no longer) there requires nothing either. */
	rq.kind = KMM_OMODEL_CACHE;
	rq.cache = 5;
	CHECK(!kmm_omodel_must_succeed(m, pm, &rq, why, sizeof(why)));
	kmm_omodel_destroy(m);
	kmm_model_destroy(pm);
}

/* The slab-block rule: an object must lie in pages the page model records
 * as held by the slab layer. */
TEST(objects_lie_in_slab_blocks)
{
	struct kmm_config cfg;
	struct kmm_model *pm;
	struct kmm_omodel *m;
	struct kmm_model_request prq;
	struct kmm_omodel_obj o;
	char why[256];

	kmm_config_init(&cfg, 1, 4096);
	memset(cfg.nodes, 0, sizeof(cfg.nodes));
	cfg.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 4096;
	pm = kmm_model_create(&cfg);
	m = kmm_omodel_create(KMM_OMODEL_SLUB, 0, ARENA, 4096, 8, 0);
	REQUIRE(pm && m);
	memset(&prq, 0, sizeof(prq));
	prq.order = 1;
	kmm_model_alloc(pm, &prq, 10, KMM_OMODEL_SLAB_OWNER); /* pfns 10, 11 */
	kmm_model_alloc(pm, &prq, 12, 7);                     /* a page handle */
	o = want_kmalloc(m, 4096);
	CHECK_EQ(kmm_omodel_judge(m, pm, &o, ARENA + 10 * 4096, 4096, 0, why, sizeof(why)), KMM_OMODEL_OK);
	CHECK_EQ(kmm_omodel_judge(m, pm, &o, ARENA + 11 * 4096, 4096, 0, why, sizeof(why)), KMM_OMODEL_OK);
	CHECK_EQ(kmm_omodel_judge(m, pm, &o, ARENA + 12 * 4096, 4096, 0, why, sizeof(why)), KMM_OMODEL_NOT_SLAB);
	CHECK_EQ(kmm_omodel_judge(m, pm, &o, ARENA + 20 * 4096, 4096, 0, why, sizeof(why)), KMM_OMODEL_NOT_SLAB);
	o = want_kmalloc(m, 64);
	CHECK_EQ(kmm_omodel_judge(m, pm, &o, ARENA + 12 * 4096 - 64, 64, 0, why, sizeof(why)), KMM_OMODEL_OK);
	kmm_omodel_destroy(m);
	kmm_model_destroy(pm);
}

int main(void)
{
	RUN(class_table_is_the_kernels);
	RUN(size_index_agrees_with_the_scan);
	RUN(get_order);
	RUN(cache_alignment_is_calculate_alignment);
	RUN(kmalloc_alignment);
	RUN(cache_args);
	RUN(judge_alignment_overlap_ksize);
	RUN(ksize_rules_per_backend);
	RUN(zero_size_and_large);
	RUN(expectations_ctor_and_zero);
	RUN(misuse_table);
	RUN(misuse_offsets_stay_in_range);
	RUN(must_succeed_follows_free_memory);
	RUN(objects_lie_in_slab_blocks);
	return test_summary();
}
