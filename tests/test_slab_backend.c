// SPDX-License-Identifier: MIT
/*
 * The SLAB backend (allocators/slab/slab.c): the kernel's numbers and
 * behaviour, read back from its private structures.
 *
 *  - enable_cpucache()'s limit / batchcount / shared table;
 *  - cache_alloc_refill(): 16 objects for an untouched array, batchcount
 *    after, partial slabs before new ones; cache_flusharray(): batchcount
 *    back on a full array, to the shared array when there is one;
 *  - slab layout: objects per slab (byte and 16-bit index arrays), on-slab
 *    vs off-slab index arrays, colouring that advances per slab and wraps;
 *  - alien caches on two nodes, their overflow and their reaping;
 *  - cache_reap(): touched arrays kept, untouched ones drained by a fifth,
 *    free slabs reaped; shrink gives every page back;
 *  - SLAB_FREELIST_RANDOM: deterministic from the seed, and a permutation;
 *  - node-aware allocation with and without __GFP_THISNODE;
 *  - kmm_cache_check() finds a corrupted index array and array cache, and a
 *    corrupted index never becomes a pointer.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/slab/slab_slab.h"
#include "test.h"
#include "test_system.h"

#define NO_MERGE KMM_SLAB_NO_MERGE

/* A SLAB system: nodes of pages each, cpus CPUs (cpu % nodes), no hardening
 * unless asked. */
static struct kmm *slab_sys(unsigned nodes, unsigned cpus, uint32_t pages, uint32_t features, uint64_t seed)
{
	struct kmm_config c;
	if (nodes == 1) {
		normal_only_config(&c, pages);
	} else {
		kmm_config_init(&c, nodes, pages);
		c.debug_level = 2;
	}
	c.nr_cpus = cpus;
	c.slab_backend = KMM_SLAB_BACKEND_SLAB;
	c.slab_features = features;
	c.seed = seed;
	return kmm_create(&c);
}

static struct slab_cache_ *sc_(struct kmm_cache *s) { return (struct slab_cache_ *)s->backend; }

struct sum_ {
	uint64_t inuse, slabs;
	uint64_t inuse_node[KMM_MAX_NODES];
};
static int sum_slab_(struct kmm *k, struct kmm_cache *s, const struct kmm_slab_walk *w, void *ctx)
{
	(void)k;
	(void)s;
	struct sum_ *sum = ctx;
	sum->inuse += w->slab->slab.inuse;
	sum->inuse_node[w->slab->node] += w->slab->slab.inuse;
	sum->slabs++;
	return 0;
}
/* Objects the slabs count as in use (the user's plus every array's). */
static struct sum_ walk_sum(struct kmm *k, struct kmm_cache *s)
{
	struct sum_ sum;
	memset(&sum, 0, sizeof(sum));
	kmm_slab_ops.for_each_slab(k, s, sum_slab_, &sum);
	return sum;
}
static struct kmm_cache_info info_(struct kmm *k, struct kmm_cache *s)
{
	struct kmm_cache_info ci;
	memset(&ci, 0, sizeof(ci));
	kmm_cache_info(k, s, &ci);
	return ci;
}
static unsigned cpu_avail(struct kmm_cache *s, unsigned cpu) { return sc_(s)->cpu[cpu].ac->avail; }
static unsigned shared_avail(struct kmm_cache *s, unsigned node)
{
	return sc_(s)->node[node].shared ? sc_(s)->node[node].shared->avail : 0;
}
static unsigned alien_avail(struct kmm_cache *s, unsigned node, unsigned remote)
{
	return sc_(s)->node[node].alien[remote].ac->avail;
}
static void free_all(struct kmm *k, struct kmm_cache *s, void **p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		kmm_cache_free(k, s, p[i]);
}

/* Frees everything, shrinks, destroys: no slab page is left and the buddy
 * system coalesces completely. */
static void teardown_clean(struct kmm *k, struct kmm_cache **caches, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ(kmm_cache_check(k, caches[i]), 0);
		kmm_cache_shrink(k, caches[i]);
		struct kmm_cache_info ci = info_(k, caches[i]);
		CHECK_EQ(ci.num_slabs, 0);
		CHECK_EQ(kmm_cache_destroy(k, caches[i]), 0);
	}
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	CHECK_EQ(kmm_page_check(k), 0);
}

TEST(enable_cpucache_table)
{
	static const struct {
		unsigned size, limit, batch;
	} table[] = {
		{ 32, 120, 60 }, { 256, 120, 60 }, { 264, 54, 27 }, { 1024, 54, 27 },
		{ 1032, 24, 12 }, { 4096, 24, 12 }, { 8192, 8, 4 },
	};
	struct kmm *k1 = slab_sys(1, 1, 4096, 0, 1), *k2 = slab_sys(1, 2, 4096, 0, 1);
	REQUIRE(k1 && k2);
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		unsigned limit, batch, shared;
		struct kmm_cache *s = kmm_cache_create(k1, "t", table[i].size, 0, NO_MERGE, NULL);
		REQUIRE(s);
		kmm_slab_ops.tunables(k1, s, &limit, &batch, &shared);
		CHECK_EQ(limit, table[i].limit);
		CHECK_EQ(batch, table[i].batch);
		CHECK_EQ(shared, 0); /* one CPU: no shared array */
		CHECK(sc_(s)->node[0].shared == NULL);
		CHECK_EQ(kmm_cache_destroy(k1, s), 0);

		s = kmm_cache_create(k2, "t", table[i].size, 0, NO_MERGE, NULL);
		REQUIRE(s);
		kmm_slab_ops.tunables(k2, s, &limit, &batch, &shared);
		CHECK_EQ(limit, table[i].limit);
		/* Shared arrays only for objects up to a page, 8 batches big. */
		CHECK_EQ(shared, table[i].size <= KMM_PAGE_SIZE ? 8 : 0);
		if (shared)
			CHECK_EQ(sc_(s)->node[0].shared->limit, 8 * table[i].batch);
		/* free_limit = (1 + CPUs of the node) * batchcount + num. */
		CHECK_EQ(sc_(s)->node[0].free_limit, 3 * batch + sc_(s)->num);
		CHECK_EQ(kmm_cache_destroy(k2, s), 0);
	}
	/* Debug caches cap the array at 32, as a DEBUG kernel does. */
	unsigned limit, batch, shared;
	struct kmm_cache *s = kmm_cache_create(k1, "dbg", 64, 0, NO_MERGE | KMM_SLAB_RED_ZONE, NULL);
	REQUIRE(s);
	kmm_slab_ops.tunables(k1, s, &limit, &batch, &shared);
	CHECK_EQ(limit, 32);
	CHECK_EQ(batch, 16);
	CHECK_EQ(kmm_cache_destroy(k1, s), 0);
	kmm_destroy(k1);
	kmm_destroy(k2);
}

TEST(refill_batches)
{
	struct kmm *k = slab_sys(1, 1, 4096, 0, 1);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "r64", 64, 0, NO_MERGE, NULL);
	REQUIRE(s);
	void *p[64];
	/* 64-byte objects, byte indices: 4096 / 65 = 63 a slab, nothing left. */
	CHECK_EQ(info_(k, s).objs_per_slab, 63);

	/* An untouched array takes only BATCHREFILL_LIMIT = 16. */
	REQUIRE((p[0] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	CHECK_EQ(walk_sum(k, s).inuse, 16);
	CHECK_EQ(cpu_avail(s, 0), 15);
	for (unsigned i = 1; i < 16; i++)
		REQUIRE((p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	CHECK_EQ(walk_sum(k, s).inuse, 16);
	/* Touched now: a batch of 60 wanted, the partial slab has 47; a refill
	 * that got objects grows no slab. */
	REQUIRE((p[16] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	CHECK_EQ(walk_sum(k, s).inuse, 63);
	CHECK_EQ(walk_sum(k, s).slabs, 1);
	CHECK_EQ(cpu_avail(s, 0), 46);
	for (unsigned i = 17; i < 63; i++)
		REQUIRE((p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	CHECK_EQ(cpu_avail(s, 0), 0);
	/* Nothing free on the node: a new slab, 60 of its 63 objects. */
	REQUIRE((p[63] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	CHECK_EQ(walk_sum(k, s).inuse, 123);
	CHECK_EQ(walk_sum(k, s).slabs, 2);
	CHECK_EQ(cpu_avail(s, 0), 59);
	CHECK_EQ(sc_(s)->node[0].free_objects, 3);

	struct kmm_cache_info ci = info_(k, s);
	CHECK_EQ(ci.alloc_slowpath, 3); /* allocmiss */
	CHECK_EQ(ci.alloc_fastpath, 61); /* allochit */
	CHECK_EQ(ci.alloc_slab, 2);
	CHECK_EQ(ci.active_objs, 64);     /* cached objects are not active */
	CHECK_EQ(ci.num_objs, 126);
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* Frees fill the array to its limit (120); the next one flushes the
	 * oldest batchcount (60) back into the slabs (no shared array). */
	for (unsigned i = 0; i < 61; i++)
		kmm_cache_free(k, s, p[i]);
	CHECK_EQ(cpu_avail(s, 0), 120);
	CHECK_EQ(walk_sum(k, s).inuse, 123);
	kmm_cache_free(k, s, p[61]);
	CHECK_EQ(cpu_avail(s, 0), 61);
	CHECK_EQ(walk_sum(k, s).inuse, 63);
	ci = info_(k, s);
	CHECK_EQ(ci.free_slowpath, 1); /* freemiss */
	CHECK_EQ(ci.free_fastpath, 61);
	kmm_cache_free(k, s, p[62]);
	kmm_cache_free(k, s, p[63]);
	CHECK_EQ(info_(k, s).active_objs, 0);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	teardown_clean(k, &s, 1);
	kmm_destroy(k);
}

TEST(free_limit_trims_free_slabs)
{
	/* One CPU, no shared array: flushes go into the slabs, and a node
	 * with more than free_limit = 2 * 60 + 63 = 183 free objects gives
	 * whole free slabs back at once, reap or not. */
	struct kmm *k = slab_sys(1, 1, 4096, 0, 1);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "fl", 64, 0, NO_MERGE, NULL);
	REQUIRE(s);
	static void *p[378];
	for (unsigned i = 0; i < 378; i++)
		REQUIRE((p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	CHECK_EQ(info_(k, s).free_slab, 0);
	free_all(k, s, p, 378);
	struct slab_node_ *n = &sc_(s)->node[0];
	CHECK_EQ(n->free_limit, 183);
	CHECK(n->free_objects <= n->free_limit || n->free_slabs == 0);
	struct kmm_cache_info ci = info_(k, s);
	CHECK(ci.free_slab >= 2);
	CHECK_EQ(ci.reaped, 0);
	CHECK_EQ(ci.num_slabs, ci.alloc_slab - ci.free_slab);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	teardown_clean(k, &s, 1);
	kmm_destroy(k);
}

TEST(shared_array)
{
	struct kmm *k = slab_sys(1, 2, 4096, 0, 1);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "sh64", 64, 0, NO_MERGE, NULL);
	REQUIRE(s);
	void *p[64];
	for (unsigned i = 0; i < 64; i++)
		REQUIRE((p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	free_all(k, s, p, 62);
	/* The flush went to the node's shared array: the slabs still count
	 * those objects as taken. */
	CHECK_EQ(cpu_avail(s, 0), 61);
	CHECK_EQ(shared_avail(s, 0), 60);
	CHECK_EQ(kmm_slab_ops.shared_avail(k, s), 60);
	CHECK_EQ(walk_sum(k, s).inuse, 123);
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* Another CPU's first refill takes 16 from the shared array. */
	REQUIRE(kmm_set_cpu(k, 1) == 0);
	void *q = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	REQUIRE(q);
	CHECK_EQ(shared_avail(s, 0), 44);
	CHECK_EQ(cpu_avail(s, 1), 15);
	CHECK_EQ(walk_sum(k, s).inuse, 123);
	CHECK(sc_(s)->node[0].shared->touched);
	kmm_cache_free(k, s, q);
	REQUIRE(kmm_set_cpu(k, 0) == 0);
	free_all(k, s, p + 62, 2);
	teardown_clean(k, &s, 1);
	kmm_destroy(k);
}

struct layout_case {
	unsigned size, objs, pages;
	bool off_slab;
};

TEST(on_and_off_slab)
{
	/* The kernel's rule: objects of PAGE_SIZE / 32 = 128 bytes and more
	 * go off-slab unless the leftover holds the index array. */
	static const struct layout_case cases[] = {
		{ 8, 409, 1, false },   /* 4096 / 9 > 256: 16-bit indices, 4096 / 10 */
		{ 16, 240, 1, false },  /* 4096 / 17 = 240 <= 256: byte indices */
		{ 64, 63, 1, false },
		{ 104, 39, 1, false },  /* 39 * 104 + ALIGN(39, 8) = 4096 */
		{ 128, 32, 1, true },   /* nothing left over */
		{ 192, 21, 1, false },  /* 64 left, the 24-byte array fits */
		{ 256, 16, 1, true },
		{ 1024, 4, 1, true },
		{ 1904, 2, 1, false },  /* 288 left */
		{ 3000, 1, 1, false },
		{ 8192, 1, 2, true },   /* order 1: the first order that fits one */
	};
	struct kmm *k = slab_sys(1, 1, 4096, 0, 1);
	REQUIRE(k);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct layout_case *lc = &cases[i];
		struct kmm_cache *s = kmm_cache_create(k, "lay", lc->size, 0, NO_MERGE, NULL);
		REQUIRE(s);
		struct kmm_cache_info ci = info_(k, s);
		CHECK_EQ(ci.objs_per_slab, lc->objs);
		CHECK_EQ(ci.pages_per_slab, lc->pages);
		CHECK_EQ(sc_(s)->off_slab, lc->off_slab);
		CHECK_EQ(sc_(s)->idx_size, lc->objs > 256 ? 2 : 1);

		void *obj = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
		REQUIRE(obj);
		struct kmm_page *slab = kmm_virt_to_page(k, obj);
		REQUIRE(slab);
		char *base = kmm_page_address(k, slab);
		char *fl = slab->slab.freelist;
		size_t bytes = (size_t)KMM_PAGE_SIZE << (lc->pages == 2);
		bool inside = fl >= base && fl < base + bytes;
		CHECK_EQ(inside, !lc->off_slab);
		/* Slot 0 after the colour and, on-slab, the aligned index array. */
		size_t fl_bytes = lc->off_slab ? 0 : ((size_t)lc->objs * (lc->objs > 256 ? 2 : 1) + 7) & ~(size_t)7;
		CHECK(kmm_slab_ops.slab_first(k, s, slab) == base + slab->slab.extra + fl_bytes);
		CHECK_EQ(kmm_cache_check(k, s), 0);
		kmm_cache_free(k, s, obj);
		kmm_cache_shrink(k, s);
		CHECK_EQ(kmm_cache_destroy(k, s), 0);
	}
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	kmm_destroy(k);
}

TEST(colouring)
{
	/* 1904-byte objects: 2 a page, 288 left, 8 of them for the index
	 * array: 280 / 64 = 4 colours. Each refill here grows one slab. */
	struct kmm *k = slab_sys(1, 1, 4096, 0, 1);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "col", 1900, 0, NO_MERGE, NULL);
	REQUIRE(s);
	CHECK_EQ(sc_(s)->colour, 4);
	CHECK_EQ(sc_(s)->colour_off, 64);
	void *p[12];
	struct kmm_page *seen[12];
	unsigned nr_seen = 0;
	for (unsigned i = 0; i < 12; i++) {
		REQUIRE((p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
		struct kmm_page *slab = kmm_virt_to_page(k, p[i]);
		bool known = false;
		for (unsigned j = 0; j < nr_seen; j++)
			known |= seen[j] == slab;
		if (known)
			continue;
		/* The n-th slab of the node: colour n % 4, slot 0 after it and
		 * the 8-byte index array. */
		char *first = kmm_slab_ops.slab_first(k, s, slab);
		CHECK_EQ(slab->slab.extra, (nr_seen % 4) * 64);
		CHECK_EQ(first - (char *)kmm_page_address(k, slab), (long)((nr_seen % 4) * 64 + 8));
		seen[nr_seen++] = slab;
	}
	CHECK_EQ(nr_seen, 6);
	CHECK_EQ(sc_(s)->node[0].colour_next, 6 % 4);
	free_all(k, s, p, 12);
	teardown_clean(k, &s, 1);
	kmm_destroy(k);
}

TEST(alien_caches)
{
	struct kmm *k = slab_sys(2, 2, 4096, 0, 1);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "al", 64, 0, NO_MERGE, NULL);
	REQUIRE(s);
	void *p[14];

	/* CPU 0 (node 0) allocates, CPU 1 (node 1) frees: an alien free. */
	REQUIRE(kmm_set_cpu(k, 0) == 0);
	REQUIRE((p[0] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	CHECK_EQ(kmm_page_to_nid(k, kmm_virt_to_page(k, p[0])), 0);
	REQUIRE(kmm_set_cpu(k, 1) == 0);
	kmm_cache_free(k, s, p[0]);
	CHECK_EQ(alien_avail(s, 1, 0), 1);
	CHECK_EQ(cpu_avail(s, 1), 0);
	CHECK_EQ(info_(k, s).alien_frees, 1);
	CHECK_EQ(info_(k, s).active_objs, 0);
	CHECK(kmm_slab_ops.object_is_free(k, s, kmm_virt_to_page(k, p[0]), p[0]));
	CHECK_EQ(walk_sum(k, s).inuse_node[0], 16);
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* The reap: CPU 1's rotor starts at node 0, so this pass drains its
	 * alien cache to node 0's shared array; node 0's untouched shared
	 * array then gives back (1 + 1) / 2 = 1 into the slab. CPU 0's array
	 * was touched: kept, the touch forgotten. */
	kmm_cache_reap(k);
	CHECK_EQ(alien_avail(s, 1, 0), 0);
	CHECK_EQ(shared_avail(s, 0), 0);
	CHECK_EQ(cpu_avail(s, 0), 15);
	CHECK_EQ(sc_(s)->cpu[0].ac->touched, 0);
	CHECK_EQ(walk_sum(k, s).inuse_node[0], 15);
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* Overflow: 13 alien frees; the 13th finds the cache full (12) and
	 * drains it to node 0's shared array first. */
	REQUIRE(kmm_set_cpu(k, 0) == 0);
	for (unsigned i = 1; i <= 13; i++)
		REQUIRE((p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	REQUIRE(kmm_set_cpu(k, 1) == 0);
	free_all(k, s, p + 1, 13);
	CHECK_EQ(alien_avail(s, 1, 0), 1);
	CHECK_EQ(shared_avail(s, 0), 12);
	CHECK_EQ(info_(k, s).alien_frees, 14);
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* CPU 1's rotor is on its own node now: this reap leaves the alien
	 * cache; the shared array gives back (12 + 1) / 2 = 6. */
	kmm_cache_reap(k);
	CHECK_EQ(alien_avail(s, 1, 0), 1);
	CHECK_EQ(shared_avail(s, 0), 6);
	/* The next one drains it (7 in the shared array, then 4 back). */
	kmm_cache_reap(k);
	CHECK_EQ(alien_avail(s, 1, 0), 0);
	CHECK_EQ(shared_avail(s, 0), 3);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	CHECK_EQ(info_(k, s).active_objs, 0);

	/* Frees on the object's own node never go alien. */
	REQUIRE(kmm_set_cpu(k, 1) == 0);
	void *q = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	REQUIRE(q);
	CHECK_EQ(kmm_page_to_nid(k, kmm_virt_to_page(k, q)), 1);
	kmm_cache_free(k, s, q);
	CHECK_EQ(info_(k, s).alien_frees, 14);
	REQUIRE(kmm_set_cpu(k, 0) == 0);
	teardown_clean(k, &s, 1);
	kmm_destroy(k);
}

TEST(reap_arrays_and_free_slabs)
{
	struct kmm *k = slab_sys(1, 1, 4096, 0, 1);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "reap", 64, 0, NO_MERGE, NULL);
	REQUIRE(s);
	void *p[100];
	for (unsigned i = 0; i < 100; i++)
		REQUIRE((p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	free_all(k, s, p, 100);
	/* 23 left from the allocations, + 97 frees = 120, flush 60, + 3. */
	CHECK_EQ(cpu_avail(s, 0), 63);
	CHECK_EQ(walk_sum(k, s).slabs, 2);

	/* The array was touched and a free slab was wanted (the 17th
	 * allocation's refill found no partial slab left): this reap only
	 * forgets both. */
	CHECK(sc_(s)->cpu[0].ac->touched);
	CHECK(sc_(s)->node[0].free_touched);
	kmm_cache_reap(k);
	CHECK_EQ(cpu_avail(s, 0), 63);
	CHECK_EQ(walk_sum(k, s).slabs, 2);
	CHECK(!sc_(s)->node[0].free_touched);
	/* Untouched: (limit + 4) / 5 = 24 back into the slabs. */
	kmm_cache_reap(k);
	CHECK_EQ(cpu_avail(s, 0), 39);
	/* A touch between two reaps keeps the array whole once more. */
	void *q = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	REQUIRE(q);
	kmm_cache_reap(k);
	CHECK_EQ(cpu_avail(s, 0), 38);
	kmm_cache_reap(k);
	CHECK_EQ(cpu_avail(s, 0), 14);
	kmm_cache_free(k, s, q);
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* 15 -> 7 -> 3 -> 1 -> 0 ((avail + 1) / 2 once below 24); each
	 * reap also frees (free_limit + 5 * num - 1) / (5 * num) = 1 free slab. */
	for (unsigned i = 0; i < 8; i++)
		kmm_cache_reap(k);
	CHECK_EQ(cpu_avail(s, 0), 0);
	struct kmm_cache_info ci = info_(k, s);
	CHECK_EQ(ci.num_slabs, 0);
	CHECK_EQ(ci.reaped, 2);
	CHECK_EQ(ci.free_slab, 2);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	teardown_clean(k, &s, 1);
	kmm_destroy(k);
}

TEST(free_touched_holds_off_reap)
{
	struct kmm *k = slab_sys(1, 1, 4096, 0, 1);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "ft", 64, 0, NO_MERGE, NULL);
	REQUIRE(s);
	void *p[16];
	for (unsigned i = 0; i < 16; i++)
		REQUIRE((p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	free_all(k, s, p, 16);
	/* A grown slab was never "wanted" from the free list. */
	CHECK(!sc_(s)->node[0].free_touched);
	/* touched: kept; then 16 -> 8 -> 4 -> 2 -> 1 back to the slab. */
	for (unsigned i = 0; i < 5; i++)
		kmm_cache_reap(k);
	CHECK_EQ(cpu_avail(s, 0), 1);
	CHECK_EQ(walk_sum(k, s).slabs, 1);
	/* The last object goes back; the slab is free, but a free slab was
	 * wanted since the last reap: it stays for one more reap. */
	sc_(s)->node[0].free_touched = true;
	kmm_cache_reap(k);
	CHECK_EQ(cpu_avail(s, 0), 0);
	CHECK_EQ(walk_sum(k, s).slabs, 1);
	CHECK_EQ(sc_(s)->node[0].free_slabs, 1);
	kmm_cache_reap(k);
	CHECK_EQ(walk_sum(k, s).slabs, 0);
	CHECK_EQ(info_(k, s).reaped, 1);
	teardown_clean(k, &s, 1);
	kmm_destroy(k);
}

/* First index of every slab's index array. */
static int first_index_(struct kmm *k, struct kmm_cache *s, const struct kmm_slab_walk *w, void *ctx)
{
	(void)k;
	unsigned *v = ctx;
	if (v[0] < 8)
		v[1 + v[0]++] = get_free_obj_(sc_(s), w->slab, 0);
	return 0;
}

/* The arena offsets of n allocations from a fresh 64-byte cache. */
static void alloc_offsets(uint64_t seed, uint32_t features, uintptr_t *off, unsigned n)
{
	struct kmm *k = slab_sys(1, 1, 4096, features, seed);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "shuf", 64, 0, NO_MERGE, NULL);
	REQUIRE(s);
	void *p[200];
	for (unsigned i = 0; i < n; i++) {
		REQUIRE((p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
		off[i] = (uintptr_t)((char *)p[i] - (char *)kmm_arena_base(k));
	}
	CHECK_EQ(kmm_cache_check(k, s), 0);
	if (features & KMM_SLAB_FREELIST_RANDOM) {
		/* The cache's sequence is a permutation, not the identity. */
		struct slab_cache_ *c = sc_(s);
		uint8_t seen[64] = { 0 };
		unsigned moved = 0;
		REQUIRE(c->random_seq);
		for (unsigned i = 0; i < c->num; i++) {
			CHECK(c->random_seq[i] < c->num && !seen[c->random_seq[i]]++);
			moved += c->random_seq[i] != i;
		}
		CHECK(moved > c->num / 2);
		/* Each slab reads the sequence from its own random start. */
		unsigned firsts[9] = { 0 };
		kmm_slab_ops.for_each_slab(k, s, first_index_, firsts);
		REQUIRE(firsts[0] >= 3);
		CHECK(firsts[1] != firsts[2] || firsts[2] != firsts[3]);
	} else {
		CHECK(sc_(s)->random_seq == NULL);
	}
	free_all(k, s, p, n);
	teardown_clean(k, &s, 1);
	kmm_destroy(k);
}

TEST(freelist_random)
{
	enum { N = 150 };
	uintptr_t a[N], b[N], c[N], plain[N];
	alloc_offsets(7, KMM_SLAB_FREELIST_RANDOM, a, N);
	alloc_offsets(7, KMM_SLAB_FREELIST_RANDOM, b, N);
	alloc_offsets(8, KMM_SLAB_FREELIST_RANDOM, c, N);
	alloc_offsets(7, 0, plain, N);
	CHECK(memcmp(a, b, sizeof(a)) == 0); /* same seed, same objects, same order */
	CHECK(memcmp(a, c, sizeof(a)) != 0); /* another seed, another order */
	/* Without the shuffle: the first refill takes slots 0..15 and the
	 * array hands them out newest first. */
	for (unsigned i = 0; i < 16; i++)
		CHECK_EQ(plain[i] - plain[15], (uint64_t)(15 - i) * 64);
	/* With it, the same first object is unlikely; the order differs. */
	CHECK(memcmp(a, plain, sizeof(a)) != 0);
}

static unsigned ctor_calls;
static void ctor_(void *obj)
{
	ctor_calls++;
	memset(obj, 0x5c, 64);
}

TEST(ctor_and_untouched_free_objects)
{
	struct kmm *k = slab_sys(1, 1, 4096, KMM_SLAB_FREELIST_RANDOM | KMM_SLAB_FREELIST_HARDENED, 1);
	REQUIRE(k);
	ctor_calls = 0;
	struct kmm_cache *s = kmm_cache_create(k, "ctor", 64, 0, 0, ctor_);
	REQUIRE(s);
	unsigned char *o = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	REQUIRE(o);
	/* Every object of the new slab: 56 of 72 bytes (the common layout
	 * keeps a free-pointer word after a ctor object, SLAB leaves it be). */
	CHECK_EQ(info_(k, s).objs_per_slab, 56);
	CHECK_EQ(ctor_calls, 56);
	bool constructed = true;
	for (unsigned i = 0; i < 64; i++)
		constructed &= o[i] == 0x5c;
	CHECK(constructed);
	/* SLAB keeps nothing inside a free object: the bytes survive a free
	 * and come back with the same object (LIFO). */
	memset(o, 0x3e, 64);
	kmm_cache_free(k, s, o);
	unsigned char *o2 = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	CHECK(o2 == o);
	bool kept = true;
	for (unsigned i = 0; i < 64; i++)
		kept &= o2[i] == 0x3e;
	CHECK(kept);
	CHECK_EQ(ctor_calls, 56);
	kmm_cache_free(k, s, o2);
	teardown_clean(k, &s, 1);
	kmm_destroy(k);
}

TEST(node_aware_alloc)
{
	struct kmm *k = slab_sys(2, 2, 4096, 0, 1);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "node", 64, 0, NO_MERGE, NULL);
	REQUIRE(s);
	REQUIRE(kmm_set_cpu(k, 0) == 0);
	/* Another node's object comes from its slabs, not the CPU's array. */
	void *r = kmm_cache_alloc_node(k, s, KMM_GFP_KERNEL, 1);
	REQUIRE(r);
	CHECK_EQ(kmm_page_to_nid(k, kmm_virt_to_page(k, r)), 1);
	CHECK_EQ(cpu_avail(s, 0), 0);
	CHECK_EQ(sc_(s)->node[1].nodeallocs + sc_(s)->node[1].grown, 1);

	/* Fill node 1 with pages until even GFP_ATOMIC fails there. */
	struct kmm_page *pages[4096];
	unsigned np = 0;
	while (np < 4096) {
		struct kmm_page *pg = kmm_alloc_pages_node(
			k, 1, KMM_GFP_ATOMIC | KMM___GFP_THISNODE | KMM___GFP_NOWARN, 0);
		if (!pg)
			break;
		pages[np++] = pg;
	}
	CHECK(np > 3000);
	/* The one slab of node 1 has 62 free objects: those first. */
	void *q[63];
	for (unsigned i = 0; i < 62; i++) {
		REQUIRE((q[i] = kmm_cache_alloc_node(k, s, KMM_GFP_KERNEL | KMM___GFP_THISNODE, 1)));
		CHECK_EQ(kmm_page_to_nid(k, kmm_virt_to_page(k, q[i])), 1);
	}
	/* Node 1 is full: THISNODE fails, without it the object comes from
	 * node 0 (fallback_alloc). */
	uint64_t slabs = info_(k, s).num_slabs;
	CHECK(kmm_cache_alloc_node(k, s, KMM_GFP_KERNEL | KMM___GFP_THISNODE, 1) == NULL);
	CHECK_EQ(info_(k, s).num_slabs, slabs);
	REQUIRE((q[62] = kmm_cache_alloc_node(k, s, KMM_GFP_KERNEL, 1)));
	CHECK_EQ(kmm_page_to_nid(k, kmm_virt_to_page(k, q[62])), 0);
	/* CPU 1 (node 1) has no local memory left: its refill fails, the
	 * object comes from node 0. */
	REQUIRE(kmm_set_cpu(k, 1) == 0);
	void *t = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	REQUIRE(t);
	CHECK_EQ(kmm_page_to_nid(k, kmm_virt_to_page(k, t)), 0);
	CHECK(kmm_cache_alloc(k, s, KMM_GFP_KERNEL | KMM___GFP_THISNODE) == NULL);
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* Every free, from both CPUs, aliens included; then all pages back. */
	kmm_cache_free(k, s, t);
	REQUIRE(kmm_set_cpu(k, 0) == 0);
	free_all(k, s, q, 63);
	kmm_cache_free(k, s, r);
	CHECK_EQ(info_(k, s).active_objs, 0);
	for (unsigned i = 0; i < np; i++)
		kmm_free_pages(k, pages[i], 0);
	teardown_clean(k, &s, 1);
	kmm_destroy(k);
}

TEST(shrink_returns_every_page)
{
	struct kmm *k = slab_sys(2, 4, 4096, KMM_SLAB_FREELIST_RANDOM, 3);
	REQUIRE(k);
	struct kmm_cache *caches[3];
	REQUIRE((caches[0] = kmm_cache_create(k, "s64", 64, 0, NO_MERGE, NULL)));
	REQUIRE((caches[1] = kmm_cache_create(k, "s128", 128, 0, NO_MERGE, NULL))); /* off-slab */
	REQUIRE((caches[2] = kmm_cache_create(k, "s1904", 1904, 0, NO_MERGE, NULL)));
	enum { N = 600 };
	static void *p[3][N];
	for (unsigned i = 0; i < N; i++) {
		REQUIRE(kmm_set_cpu(k, i % 4) == 0);
		for (unsigned c = 0; c < 3; c++)
			REQUIRE((p[c][i] = i % 7 == 3 ? kmm_cache_alloc_node(k, caches[c], KMM_GFP_KERNEL, (int)(i % 2))
						      : kmm_cache_alloc(k, caches[c], KMM_GFP_KERNEL)));
	}
	for (unsigned c = 0; c < 3; c++)
		CHECK_EQ(kmm_cache_check(k, caches[c]), 0);
	/* Free from other CPUs than the allocating ones: alien traffic. */
	for (unsigned i = 0; i < N; i++) {
		REQUIRE(kmm_set_cpu(k, (i + 1) % 4) == 0);
		for (unsigned c = 0; c < 3; c++)
			kmm_cache_free(k, caches[c], p[c][(i * 7) % N]);
	}
	for (unsigned c = 0; c < 3; c++) {
		struct kmm_cache_info ci = info_(k, caches[c]);
		CHECK_EQ(ci.active_objs, 0);
		CHECK(ci.alien_frees > 0);
		CHECK(ci.num_slabs > 0); /* arrays and free slabs still hold pages */
	}
	CHECK(kmm_slab_pages(k) > 0);
	teardown_clean(k, caches, 3);
	kmm_destroy(k);
}

TEST(check_finds_corruption)
{
	struct kmm *k = slab_sys(1, 1, 4096, 0, 1);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "corrupt", 64, 0, NO_MERGE, NULL);
	REQUIRE(s);
	struct slab_cache_ *c = sc_(s);
	void *p[16];
	for (unsigned i = 0; i < 16; i++)
		REQUIRE((p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	struct kmm_page *slab = kmm_virt_to_page(k, p[0]);
	CHECK_EQ(slab->slab.inuse, 16);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	uint64_t reports = kmm_report_count(k, KMM_REPORT_CHECK);

	/* A free index twice. */
	unsigned v20 = get_free_obj_(c, slab, 20), v21 = get_free_obj_(c, slab, 21);
	set_free_obj_(c, slab, 20, v21);
	CHECK_EQ(kmm_cache_check(k, s), 1);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_CHECK), reports + 1);
	set_free_obj_(c, slab, 20, v20);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	/* An index past the slab. */
	unsigned v30 = get_free_obj_(c, slab, 30);
	set_free_obj_(c, slab, 30, 200);
	CHECK_EQ(kmm_cache_check(k, s), 1);
	set_free_obj_(c, slab, 30, v30);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	/* The node's count of free objects. */
	c->node[0].free_objects++;
	CHECK_EQ(kmm_cache_check(k, s), 1);
	c->node[0].free_objects--;
	/* A slab on the wrong list for its inuse. */
	slab->slab.list = SLAB_LIST_FULL_;
	CHECK(kmm_cache_check(k, s) >= 1);
	slab->slab.list = SLAB_LIST_PARTIAL_;
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* Array caches: free the 16, then make the array lie. */
	free_all(k, s, p, 16);
	struct array_cache *ac = c->cpu[0].ac;
	CHECK_EQ(ac->avail, 16);
	void *saved = ac->entry[0];
	ac->entry[0] = ac->entry[1]; /* one object cached twice, another lost */
	CHECK_EQ(kmm_cache_check(k, s), 1);
	/* An object that is free in its slab sitting in the array. */
	char *first = kmm_slab_ops.slab_first(k, s, slab);
	ac->entry[0] = slab_slot_object_(s, first, get_free_obj_(c, slab, 40));
	CHECK_EQ(kmm_cache_check(k, s), 1);
	/* Not an object start. */
	ac->entry[0] = (char *)saved + 8;
	CHECK_EQ(kmm_cache_check(k, s), 1);
	ac->entry[0] = saved;
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* A corrupted next index is reported and the slab isolated, never
	 * handed out as a pointer: empty the CPU's array, corrupt the slot
	 * the next refill reads. */
	kmm_cache_shrink(k, s);
	CHECK_EQ(info_(k, s).num_slabs, 0);
	void *q[64];
	unsigned nq = 0;
	do
		REQUIRE((q[nq++] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	while (ac->avail && nq < 64);
	slab = kmm_virt_to_page(k, q[0]);
	REQUIRE(slab->slab.inuse < c->num);
	set_free_obj_(c, slab, slab->slab.inuse, 250);
	uint64_t slab_reports = kmm_report_count(k, KMM_REPORT_SLAB);
	void *x = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	REQUIRE(x);
	CHECK(kmm_virt_to_page(k, x) != slab); /* from a new slab */
	CHECK(kmm_report_count(k, KMM_REPORT_SLAB) > slab_reports);
	CHECK_EQ(slab->slab.inuse, c->num); /* isolated: reads as full */
	CHECK_EQ(kmm_cache_check(k, s), 0);
	kmm_cache_free(k, s, x);
	free_all(k, s, q, nq);
	kmm_cache_shrink(k, s);
	/* The isolated slab keeps its lost objects: it can't be given back. */
	CHECK_EQ(info_(k, s).num_slabs, 1);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	kmm_destroy(k);
}

TEST(debug_cache_validate)
{
	struct kmm *k = slab_sys(2, 2, 4096, KMM_SLAB_FREELIST_RANDOM, 5);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "dbg", 100, 0, KMM_SLAB_DEBUG_FLAGS, NULL);
	REQUIRE(s);
	void *p[80];
	for (unsigned i = 0; i < 80; i++) {
		REQUIRE(kmm_set_cpu(k, i % 2) == 0);
		REQUIRE((p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
		memset(p[i], 0x11, 100);
	}
	for (unsigned i = 0; i < 80; i += 2) {
		REQUIRE(kmm_set_cpu(k, (i / 2) % 2) == 0);
		kmm_cache_free(k, s, p[i]);
	}
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	/* A double free of an object sitting in an array cache is caught
	 * (object_is_free looks there too), and changes nothing. */
	uint64_t slab_reports = kmm_report_count(k, KMM_REPORT_SLAB);
	kmm_cache_free(k, s, p[0]);
	CHECK(kmm_report_count(k, KMM_REPORT_SLAB) > slab_reports);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	CHECK_EQ(info_(k, s).active_objs, 40);
	/* One byte past an allocated object: validate finds it, repairs it. */
	((char *)p[1])[100] = 0;
	CHECK(kmm_cache_validate(k, s) > 0);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	for (unsigned i = 1; i < 80; i += 2)
		kmm_cache_free(k, s, p[i]);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	REQUIRE(kmm_set_cpu(k, 0) == 0);
	teardown_clean(k, &s, 1);
	kmm_destroy(k);
}

TEST(bulk_all_or_nothing)
{
	struct kmm *k = slab_sys(1, 1, 1024, 0, 1);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "bulk", 1024, 0, NO_MERGE, NULL);
	REQUIRE(s);
	static void *p[5000];
	CHECK_EQ(kmm_cache_alloc_bulk(k, s, KMM_GFP_KERNEL | KMM___GFP_NOWARN, 100, p), 100);
	CHECK_EQ(info_(k, s).active_objs, 100);
	kmm_cache_free_bulk(k, s, 100, p);
	CHECK_EQ(info_(k, s).active_objs, 0);
	/* More than memory holds: none. */
	CHECK_EQ(kmm_cache_alloc_bulk(k, s, KMM_GFP_KERNEL | KMM___GFP_NOWARN, 5000, p), 0);
	CHECK_EQ(info_(k, s).active_objs, 0);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	teardown_clean(k, &s, 1);
	kmm_destroy(k);
}

TEST(destroy_busy_then_retry)
{
	struct kmm *k = slab_sys(1, 1, 4096, 0, 1);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "busy", 128, 0, NO_MERGE, NULL);
	REQUIRE(s);
	void *a = kmm_cache_alloc(k, s, KMM_GFP_KERNEL), *b = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	REQUIRE(a && b);
	kmm_cache_free(k, s, b);
	/* Shutdown drains the arrays and keeps only the slab with a. */
	CHECK_EQ(kmm_cache_destroy(k, s), -EBUSY);
	CHECK_EQ(info_(k, s).num_slabs, 1);
	CHECK_EQ(info_(k, s).active_objs, 1);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	kmm_cache_free(k, s, a);
	CHECK_EQ(kmm_cache_destroy(k, s), 0);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	kmm_destroy(k);
}

/* ---- threaded mode: per-CPU array locks and node list locks --------------- */

struct thread_arg {
	struct kmm *k;
	struct kmm_cache *s;
	unsigned cpu;
	unsigned failures;
};

static void *thread_fn(void *v)
{
	struct thread_arg *a = v;
	void *live[64] = { NULL };
	uint64_t x = a->cpu + 1;
	kmm_set_cpu(a->k, a->cpu);
	for (unsigned i = 0; i < 20000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		unsigned slot = (unsigned)(x >> 58);
		if (live[slot]) {
			if (*(unsigned *)live[slot] != a->cpu * 1000 + slot)
				a->failures++;
			kmm_cache_free(a->k, a->s, live[slot]);
			live[slot] = NULL;
		} else {
			int node = (x >> 40) % 5 == 0 ? (int)((x >> 20) % 2) : -1;
			live[slot] = node < 0 ? kmm_cache_alloc(a->k, a->s, KMM_GFP_KERNEL)
					      : kmm_cache_alloc_node(a->k, a->s, KMM_GFP_KERNEL, node);
			if (!live[slot])
				a->failures++;
			else
				*(unsigned *)live[slot] = a->cpu * 1000 + slot;
		}
		if (i % 5000 == 4999 && a->cpu == 0)
			kmm_cache_reap(a->k);
	}
	for (unsigned i = 0; i < 64; i++)
		if (live[i])
			kmm_cache_free(a->k, a->s, live[i]);
	return NULL;
}

TEST(threaded)
{
	struct kmm_config c;
	kmm_config_init(&c, 2, 4096);
	c.nr_cpus = 4;
	c.threaded = true;
	c.slab_backend = KMM_SLAB_BACKEND_SLAB;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "thr", 96, 0, NO_MERGE, NULL);
	REQUIRE(s);
	pthread_t t[4];
	struct thread_arg a[4];
	for (unsigned i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){ k, s, i, 0 };
		REQUIRE(pthread_create(&t[i], NULL, thread_fn, &a[i]) == 0);
	}
	for (unsigned i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(a[i].failures, 0);
	}
	CHECK_EQ(info_(k, s).active_objs, 0);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	kmm_cache_shrink(k, s);
	CHECK_EQ(info_(k, s).num_slabs, 0);
	CHECK_EQ(kmm_cache_destroy(k, s), 0);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	kmm_destroy(k);
}

int main(void)
{
	RUN(enable_cpucache_table);
	RUN(refill_batches);
	RUN(free_limit_trims_free_slabs);
	RUN(shared_array);
	RUN(on_and_off_slab);
	RUN(colouring);
	RUN(alien_caches);
	RUN(reap_arrays_and_free_slabs);
	RUN(free_touched_holds_off_reap);
	RUN(freelist_random);
	RUN(ctor_and_untouched_free_objects);
	RUN(node_aware_alloc);
	RUN(shrink_returns_every_page);
	RUN(check_finds_corruption);
	RUN(debug_cache_validate);
	RUN(bulk_all_or_nothing);
	RUN(destroy_busy_then_retry);
	RUN(threaded);
	return test_summary();
}
