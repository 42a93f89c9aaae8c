// SPDX-License-Identifier: MIT
/*
 * The kmem_cache API's common layer on every backend: argument checks,
 * cache merging and aliases (the kernel's find_mergeable rules, and the
 * caches that must never merge), destroy with live objects (-EBUSY, the
 * kernel's report, the cache kept and usable), bulk allocation all or
 * nothing when memory runs out, the free-side pointer checks (wrong cache
 * reported and repaired, kfree of what kmalloc never gave reported and
 * survived), TYPESAFE_BY_RCU slabs held until a grace period, the system
 * back to fully coalesced once everything is freed, the slabinfo text, and
 * the common cross-checks of kmm_slab_check() broken on purpose.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/slab/slab_internal.h"
#include "test.h"
#include "test_system.h"

static const enum kmm_slab_backend backends[] = { KMM_SLAB_BACKEND_SLUB, KMM_SLAB_BACKEND_SLAB,
						  KMM_SLAB_BACKEND_SLOB };
#define NR_BACKENDS (sizeof(backends) / sizeof(backends[0]))

struct sink {
	uint64_t n[KMM_NR_REPORT_KINDS];
	char last[4096];
};

static void sink_emit(void *ctx, enum kmm_report_kind kind, const char *text)
{
	struct sink *s = ctx;
	s->n[kind]++;
	if (kind != KMM_REPORT_INFO)
		snprintf(s->last, sizeof(s->last), "%s", text);
}

static struct kmm *make_cfg(struct kmm_config *c, enum kmm_slab_backend b, struct sink *sk)
{
	c->slab_backend = b;
	c->debug_level = 2;
	memset(sk, 0, sizeof(*sk));
	c->sink.emit = sink_emit;
	c->sink.ctx = sk;
	return kmm_create(c);
}

static struct kmm *make(enum kmm_slab_backend b, struct sink *sk)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 8192);
	return make_cfg(&c, b, sk);
}

static bool is_slob(struct kmm *k) { return !strcmp(kmm_slab_backend_name(k), "slob"); }

static struct kmm_cache_info info_of(struct kmm *k, struct kmm_cache *s)
{
	struct kmm_cache_info i;
	memset(&i, 0, sizeof(i));
	kmm_cache_info(k, s, &i);
	return i;
}

static void ctor_a5(void *obj) { memset(obj, 0xa5, 8); }

TEST(create_alloc_free_destroy)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk);
		REQUIRE(k);
		struct kmm_cache *s = kmm_cache_create(k, "foo", 100, 0, 0, NULL);
		REQUIRE(s);
		CHECK(!strcmp(kmm_cache_name(s), "foo"));
		CHECK(kmm_find_cache(k, "foo") == s);
		struct kmm_cache_info i = info_of(k, s);
		CHECK_EQ(i.object_size, 100);
		CHECK_EQ(i.align, 8);
		CHECK_EQ(i.size, 104);
		CHECK_EQ(i.refcount, 1);
		void *o[50];
		for (int j = 0; j < 50; j++) {
			o[j] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
			REQUIRE(o[j]);
			CHECK_EQ((uintptr_t)o[j] % 8, 0);
			memset(o[j], j, 100);
		}
		CHECK_EQ(info_of(k, s).active_objs, 50);
		/* __GFP_ZERO on a cache: the whole object. */
		unsigned char *z = kmm_cache_alloc(k, s, KMM_GFP_KERNEL | KMM___GFP_ZERO);
		REQUIRE(z);
		unsigned nonzero = 0;
		for (int j = 0; j < 100; j++)
			nonzero += z[j] != 0;
		CHECK_EQ(nonzero, 0);
		kmm_cache_free(k, s, z);
		for (int j = 0; j < 50; j++)
			kmm_cache_free(k, s, o[j]);
		kmm_cache_free(k, s, NULL); /* no-op */
		CHECK_EQ(info_of(k, s).active_objs, 0);
		CHECK_EQ(kmm_cache_check(k, s), 0);
		CHECK_EQ(kmm_cache_destroy(k, s), 0);
		CHECK(kmm_find_cache(k, "foo") == NULL);
		CHECK_EQ(kmm_cache_destroy(k, NULL), 0);
		/* A constructor runs before first use. */
		struct kmm_cache *c = kmm_cache_create(k, "ctor", 40, 0, 0, ctor_a5);
		REQUIRE(c);
		unsigned char *x = kmm_cache_alloc(k, c, KMM_GFP_KERNEL);
		REQUIRE(x);
		CHECK(x[0] == 0xa5 && x[7] == 0xa5);
		kmm_cache_free(k, c, x);
		CHECK_EQ(kmm_cache_destroy(k, c), 0);
		uint64_t bad = sk.n[KMM_REPORT_SLAB] + sk.n[KMM_REPORT_WARNING] + sk.n[KMM_REPORT_CHECK];
		CHECK_EQ(bad, 0);
		kmm_destroy(k);
	}
}

TEST(bad_arguments_are_named)
{
	struct sink sk;
	struct kmm *k = make(KMM_SLAB_BACKEND_SLUB, &sk);
	REQUIRE(k);
	static const struct {
		const char *name;
		unsigned size, align, flags;
		const char *says;
	} cases[] = {
		{ NULL, 64, 0, 0, "name is NULL" },
		{ "", 64, 0, 0, "name is empty" },
		{ "a-name-that-is-much-too-long-for-it", 64, 0, 0, "longer than" },
		{ "two words", 64, 0, 0, "space" },
		{ "zero", 0, 0, 0, "size 0" },
		{ "huge", 8193, 0, 0, "size 8193" },
		{ "odd", 64, 24, 0, "align 24" },
		{ "wide", 64, 8192, 0, "align 8192" },
		{ "flags", 64, 0, 1u << 20, "flags 0x100000" },
		{ "zones", 64, 0, KMM_SLAB_CACHE_DMA | KMM_SLAB_CACHE_DMA32, "DMA32 together" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t w = sk.n[KMM_REPORT_WARNING];
		CHECK(kmm_cache_create(k, cases[i].name, cases[i].size, cases[i].align, cases[i].flags, NULL) == NULL);
		CHECK_EQ(sk.n[KMM_REPORT_WARNING], w + 1);
		CHECK(strstr(sk.last, cases[i].says) != NULL);
	}
	/* Alloc-side arguments: a NULL cache, a node out of range. */
	struct kmm_cache *s = kmm_cache_create(k, "ok", 64, 0, 0, NULL);
	REQUIRE(s);
	uint64_t w = sk.n[KMM_REPORT_WARNING];
	CHECK(kmm_cache_alloc(k, NULL, KMM_GFP_KERNEL) == NULL);
	CHECK(kmm_cache_alloc_node(k, s, KMM_GFP_KERNEL, 1) == NULL);
	CHECK(kmm_cache_alloc_node(k, s, KMM_GFP_KERNEL, -2) == NULL);
	CHECK_EQ(sk.n[KMM_REPORT_WARNING], w + 3);
	/* kmalloc caches are not the user's to destroy. */
	struct kmm_cache *km = kmm_kmalloc_cache(k, 64, KMM_GFP_KERNEL);
	REQUIRE(km);
	CHECK_EQ(kmm_cache_destroy(k, km), -EINVAL);
	CHECK(kmm_find_cache(k, "kmalloc-64") == km);
	CHECK_EQ(kmm_cache_destroy(k, s), 0);
	CHECK_EQ(sk.n[KMM_REPORT_SLAB], 0);
	kmm_destroy(k);
}

TEST(merging_follows_find_mergeable)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk);
		REQUIRE(k);
		bool merges = !is_slob(k); /* SLOB never merges */
		struct kmm_cache *a = kmm_cache_create(k, "a", 100, 0, 0, NULL);
		REQUIRE(a);
		struct kmm_cache *b2 = kmm_cache_create(k, "b", 100, 0, 0, NULL);
		struct kmm_cache *c = kmm_cache_create(k, "c", 104, 0, 0, NULL); /* same slot: 104 */
		struct kmm_cache *d = kmm_cache_create(k, "d", 96, 0, 0, NULL);  /* a word smaller: own */
		REQUIRE(b2 && c && d);
		CHECK((b2 == a) == merges);
		CHECK((c == a) == merges);
		CHECK(d != a);
		if (merges) {
			struct kmm_cache_info i = info_of(k, a);
			CHECK_EQ(i.refcount, 3);
			CHECK_EQ(i.object_size, 104); /* grew to the largest */
			CHECK(kmm_find_cache(k, "b") == a);
			CHECK(kmm_find_cache(k, "c") == a);
		}
		/* Never merged: ctor, NO_MERGE, RCU, debug flags, other zones /
		 * mobility, an incompatible alignment. */
		struct kmm_cache *never[] = {
			kmm_cache_create(k, "n-ctor", 100, 0, 0, ctor_a5),
			kmm_cache_create(k, "n-nomerge", 100, 0, KMM_SLAB_NO_MERGE, NULL),
			kmm_cache_create(k, "n-rcu", 100, 0, KMM_SLAB_TYPESAFE_BY_RCU, NULL),
			kmm_cache_create(k, "n-poison", 100, 0, KMM_SLAB_POISON, NULL),
			kmm_cache_create(k, "n-checks", 100, 0, KMM_SLAB_CONSISTENCY_CHECKS, NULL),
			kmm_cache_create(k, "n-dma", 100, 0, KMM_SLAB_CACHE_DMA, NULL),
			kmm_cache_create(k, "n-rcl", 100, 0, KMM_SLAB_RECLAIM_ACCOUNT, NULL),
			kmm_cache_create(k, "n-align", 100, 64, 0, NULL),
		};
		for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
			REQUIRE(never[i]);
			CHECK(never[i] != a && never[i] != d);
			for (size_t j = 0; j < i; j++)
				CHECK(never[i] != never[j]);
		}
		/* Two caches of one restricted kind merge with each other; so do
		 * a cache-line aligned one and one asking for align 64 (both
		 * 128-byte slots, 64-aligned). */
		struct kmm_cache *dma2 = kmm_cache_create(k, "n-dma2", 100, 0, KMM_SLAB_CACHE_DMA, NULL);
		CHECK((dma2 == never[5]) == merges);
		struct kmm_cache *hw = kmm_cache_create(k, "n-hw", 100, 0, KMM_SLAB_HWCACHE_ALIGN, NULL);
		CHECK((hw == never[7]) == merges);
		CHECK_EQ(info_of(k, hw).align, 64);
		/* kmalloc caches are not merge targets here. */
		struct kmm_cache *km = kmm_kmalloc_cache(k, 64, KMM_GFP_KERNEL);
		struct kmm_cache *k64 = kmm_cache_create(k, "like-kmalloc-64", 64, 0, 0, NULL);
		CHECK(k64 != NULL && k64 != km);
		/* An alias's objects work, and destroying names one by one. */
		void *o = kmm_cache_alloc(k, b2, KMM_GFP_KERNEL);
		REQUIRE(o);
		memset(o, 1, 104);
		kmm_cache_free(k, b2, o);
		CHECK_EQ(kmm_cache_destroy(k, c), 0);
		CHECK_EQ(kmm_cache_destroy(k, b2), 0);
		if (merges) {
			CHECK(kmm_find_cache(k, "b") == NULL);
			CHECK(kmm_find_cache(k, "c") == NULL);
			CHECK(kmm_find_cache(k, "a") == a);
			CHECK_EQ(info_of(k, a).refcount, 1);
		}
		CHECK_EQ(kmm_cache_destroy(k, a), 0);
		CHECK(kmm_find_cache(k, "a") == NULL);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], 0);
		CHECK_EQ(kmm_slab_check(k), 0);
		kmm_destroy(k);
	}
}

TEST(destroy_with_live_objects_is_busy)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk);
		REQUIRE(k);
		struct kmm_cache *s = kmm_cache_create(k, "busy", 200, 0, 0, NULL);
		REQUIRE(s);
		unsigned char *o[3];
		for (int i = 0; i < 3; i++) {
			o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
			REQUIRE(o[i]);
			memset(o[i], 0x40 + i, 200);
		}
		uint64_t r = sk.n[KMM_REPORT_SLAB];
		CHECK_EQ(kmm_cache_destroy(k, s), -EBUSY);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], r + 1);
		CHECK(strstr(sk.last, "kmem_cache_destroy busy: Slab cache still has objects when called from") != NULL);
		CHECK(strstr(sk.last, "Objects remaining in busy on __kmem_cache_shutdown()") != NULL);
		/* Kept, objects intact and still valid; never merged again. */
		CHECK(kmm_find_cache(k, "busy") == s);
		CHECK(o[1][199] == 0x41);
		struct kmm_cache *again = kmm_cache_create(k, "busy2", 200, 0, 0, NULL);
		CHECK(again != NULL && again != s);
		void *more = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
		CHECK(more != NULL);
		kmm_cache_free(k, s, more);
		CHECK_EQ(kmm_slab_check(k), 0);
		for (int i = 0; i < 3; i++)
			kmm_cache_free(k, s, o[i]);
		CHECK_EQ(kmm_cache_destroy(k, s), 0);
		CHECK(kmm_find_cache(k, "busy") == NULL);
		CHECK_EQ(kmm_cache_destroy(k, again), 0);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], r + 1);
		CHECK_EQ(kmm_slab_check(k), 0);
		kmm_destroy(k);
	}
}

TEST(bulk_is_all_or_nothing)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm_config c;
		normal_only_config(&c, 512);
		struct kmm *k = make_cfg(&c, backends[b], &sk);
		REQUIRE(k);
		struct kmm_cache *s = kmm_cache_create(k, "bulk", 1000, 0, KMM_SLAB_NO_MERGE, NULL);
		REQUIRE(s);
		void *p[64];
		CHECK_EQ(kmm_cache_alloc_bulk(k, s, KMM_GFP_KERNEL, 64, p), 64);
		for (int i = 0; i < 64; i++) {
			CHECK(p[i] != NULL);
			for (int j = 0; j < i; j++)
				CHECK(p[i] != p[j]);
		}
		CHECK_EQ(info_of(k, s).active_objs, 64);
		kmm_cache_free_bulk(k, s, 64, p);
		CHECK_EQ(info_of(k, s).active_objs, 0);
		CHECK_EQ(kmm_cache_alloc_bulk(k, s, KMM_GFP_KERNEL, 0, p), 0);

		/* Far more than memory holds: nothing at all, nothing leaked. */
		enum { HUGE = 4000 };
		static void *q[HUGE];
		uint64_t before = kmm_slab_pages(k);
		CHECK_EQ(kmm_cache_alloc_bulk(k, s, KMM_GFP_KERNEL | KMM___GFP_NOWARN, HUGE, q), 0);
		CHECK_EQ(info_of(k, s).active_objs, 0);
		kmm_cache_shrink(k, s);
		CHECK(kmm_slab_pages(k) <= before);
		/* Memory still works afterwards. */
		CHECK_EQ(kmm_cache_alloc_bulk(k, s, KMM_GFP_KERNEL, 16, p), 16);
		kmm_cache_free_bulk(k, s, 16, p);
		CHECK_EQ(kmm_cache_destroy(k, s), 0);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], 0);
		CHECK_EQ(kmm_slab_check(k), 0);
		CHECK_EQ(kmm_page_check(k), 0);
		kmm_slab_shrink_all(k);
		kmm_drain_all_pages(k);
		CHECK(kmm_page_fully_coalesced(k));
		kmm_destroy(k);
	}
}

TEST(wrong_cache_free_is_reported_and_repaired)
{
	for (unsigned b = 0; b < 2; b++) { /* SLOB's pages belong to no cache: its own checks */
		struct sink sk;
		struct kmm *k = make(backends[b], &sk);
		REQUIRE(k);
		struct kmm_cache *a = kmm_cache_create(k, "wc-a", 64, 0, KMM_SLAB_NO_MERGE, NULL);
		struct kmm_cache *bb = kmm_cache_create(k, "wc-b", 64, 0, KMM_SLAB_NO_MERGE, NULL);
		REQUIRE(a && bb && a != bb);
		void *o = kmm_cache_alloc(k, a, KMM_GFP_KERNEL);
		REQUIRE(o);
		uint64_t r = sk.n[KMM_REPORT_SLAB];
		kmm_cache_free(k, bb, o);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], r + 1);
		CHECK(strstr(sk.last, "Wrong slab cache. wc-b but object is from wc-a") != NULL);
		/* Freed where it belongs. */
		CHECK_EQ(info_of(k, a).active_objs, 0);
		CHECK_EQ(info_of(k, bb).active_objs, 0);
		CHECK_EQ(kmm_cache_destroy(k, a), 0);
		CHECK_EQ(kmm_cache_destroy(k, bb), 0);
		/* A kmalloc object handed to kmem_cache_free of a user cache. */
		struct kmm_cache *u = kmm_cache_create(k, "wc-u", 64, 0, KMM_SLAB_NO_MERGE, NULL);
		void *m = kmm_kmalloc(k, 64, KMM_GFP_KERNEL);
		REQUIRE(u && m);
		kmm_cache_free(k, u, m);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], r + 2);
		CHECK(strstr(sk.last, "but object is from kmalloc-64") != NULL);
		CHECK_EQ(info_of(k, kmm_kmalloc_cache(k, 64, KMM_GFP_KERNEL)).active_objs, 0);
		CHECK_EQ(kmm_cache_destroy(k, u), 0);
		CHECK_EQ(kmm_slab_check(k), 0);
		kmm_destroy(k);
	}
}

TEST(foreign_pointers_are_reported_and_survived)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk);
		REQUIRE(k);
		uint64_t r = sk.n[KMM_REPORT_SLAB];
		/* A page from the page allocator is not kmalloc's. */
		struct kmm_page *pg = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
		REQUIRE(pg);
		char *pa = kmm_page_address(k, pg);
		kmm_kfree(k, pa);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], ++r);
		CHECK(strstr(sk.last, "kfree: invalid pointer") != NULL);
		CHECK_EQ(kmm_page_count(k, pg), 1); /* still allocated */
		CHECK_EQ(kmm_ksize(k, pa), 0);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], ++r);
		/* Host memory, and a free page of the arena. */
		int local;
		kmm_kfree(k, &local);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], ++r);
		CHECK(strstr(sk.last, "outside this system's memory") != NULL);
		kmm_free_pages(k, pg, 0);
		kmm_drain_all_pages(k);
		kmm_kfree(k, pa);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], ++r);
		/* Inside a large kmalloc: reported, nothing freed. */
		char *big = kmm_kmalloc(k, 20000, KMM_GFP_KERNEL);
		REQUIRE(big);
		uint64_t held = kmm_slab_pages(k);
		kmm_kfree(k, big + 4096);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], ++r);
		CHECK(strstr(sk.last, "inside a large kmalloc") != NULL);
		kmm_kfree(k, big + 100);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], ++r);
		CHECK_EQ(kmm_slab_pages(k), held);
		CHECK(kmm_krealloc(k, big + 8, 50000, KMM_GFP_KERNEL) == NULL);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], ++r);
		/* A cache free of a large kmalloc or a foreign page. */
		struct kmm_cache *s = kmm_cache_create(k, "fp", 64, 0, 0, NULL);
		REQUIRE(s);
		kmm_cache_free(k, s, big);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], ++r);
		CHECK(strstr(sk.last, "kmem_cache_free: invalid pointer") != NULL);
		kmm_cache_free(k, s, &local);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], ++r);
		CHECK_EQ(kmm_ksize(k, big), 32768); /* get_order(20000) == 3 */
		kmm_kfree(k, big);
		CHECK_EQ(kmm_slab_pages(k), held - 8);
		CHECK_EQ(kmm_cache_destroy(k, s), 0);
		CHECK_EQ(sk.n[KMM_REPORT_BAD_PAGE], 0);
		CHECK_EQ(kmm_slab_check(k), 0);
		CHECK_EQ(kmm_page_check(k), 0);
		kmm_destroy(k);
	}
}

TEST(typesafe_by_rcu_slabs_wait_for_a_grace_period)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk);
		REQUIRE(k);
		struct kmm_cache *s = kmm_cache_create(k, "rcu", 512, 0, KMM_SLAB_TYPESAFE_BY_RCU, ctor_a5);
		REQUIRE(s);
		void *o[64];
		for (int i = 0; i < 64; i++) {
			o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
			REQUIRE(o[i]);
		}
		CHECK(kmm_slab_pages(k) > 0);
		for (int i = 0; i < 64; i++)
			kmm_cache_free(k, s, o[i]);
		kmm_cache_shrink(k, s);
		kmm_slab_shrink_all(k);
		/* The memory keeps its type until the grace period ends. */
		CHECK(kmm_slab_pages(k) > 0);
		CHECK_EQ(kmm_slab_check(k), 0);
		CHECK_EQ(kmm_page_check(k), 0);
		CHECK_EQ(kmm_cache_destroy(k, s), 0);
		kmm_rcu_barrier(k);
		CHECK_EQ(kmm_slab_pages(k), 0);
		kmm_drain_all_pages(k);
		CHECK(kmm_page_fully_coalesced(k));
		CHECK_EQ(kmm_slab_check(k), 0);
		kmm_destroy(k);
	}
}

TEST(everything_freed_is_fully_coalesced)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm_config c;
		kmm_config_init(&c, 2, 8192);
		struct kmm *k = make_cfg(&c, backends[b], &sk);
		REQUIRE(k);
		struct kmm_cache *caches[4] = {
			kmm_cache_create(k, "m-40", 40, 0, 0, NULL),
			kmm_cache_create(k, "m-700", 700, 64, KMM_SLAB_RECLAIM_ACCOUNT, NULL),
			kmm_cache_create(k, "m-dma", 3000, 0, KMM_SLAB_CACHE_DMA, NULL),
			kmm_cache_create(k, "m-rcu", 128, 0, KMM_SLAB_TYPESAFE_BY_RCU, NULL),
		};
		enum { N = 1500 };
		static void *obj[N];
		static int which[N];
		uint64_t x = 88172645463325252ull;
		for (int i = 0; i < N; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			which[i] = (int)(x % 6);
			if (which[i] < 4) {
				/* ZONE_DMA is on node 0 only: the DMA cache takes any node. */
				int node = which[i] == 2 ? -1 : (int)((x >> 20) % 3) - 1;
				obj[i] = kmm_cache_alloc_node(k, caches[which[i]], KMM_GFP_KERNEL, node);
			} else {
				size_t size = which[i] == 4 ? 1 + (x >> 16) % 9000 : 9000 + (x >> 16) % 30000;
				kmm_gfp_t gfp = KMM_GFP_KERNEL | ((x >> 40) % 4 == 0 ? KMM___GFP_RECLAIMABLE : 0) |
						(which[i] == 4 && (x >> 44) % 8 == 0 ? KMM_GFP_DMA : 0);
				obj[i] = kmm_kmalloc(k, size, gfp);
			}
			CHECK(obj[i] != NULL);
		}
		CHECK(kmm_slab_pages(k) > 0);
		CHECK_EQ(kmm_slab_check(k), 0);
		for (int i = N; i-- > 0;) {
			if (which[i] < 4)
				kmm_cache_free(k, caches[which[i]], obj[i]);
			else
				kmm_kfree(k, obj[i]);
		}
		for (int i = 0; i < 4; i++)
			CHECK_EQ(kmm_cache_destroy(k, caches[i]), 0);
		kmm_slab_shrink_all(k);
		kmm_rcu_barrier(k);
		CHECK_EQ(kmm_slab_pages(k), 0);
		kmm_drain_all_pages(k);
		CHECK(kmm_page_fully_coalesced(k));
		CHECK_EQ(kmm_slab_check(k), 0);
		CHECK_EQ(kmm_page_check(k), 0);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB] + sk.n[KMM_REPORT_BAD_PAGE] + sk.n[KMM_REPORT_CHECK], 0);
		kmm_destroy(k);
	}
}

struct text {
	char buf[16384];
	size_t len;
};

static void text_write(void *ctx, const char *s, size_t n)
{
	struct text *t = ctx;
	if (t->len + n < sizeof(t->buf)) {
		memcpy(t->buf + t->len, s, n);
		t->len += n;
		t->buf[t->len] = '\0';
	}
}

TEST(slabinfo_is_version_2_1)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk);
		REQUIRE(k);
		struct text t = { .len = 0 };
		/* Before any slab use: the header alone. */
		CHECK_EQ(kmm_show(k, KMM_VIEW_SLABINFO, text_write, &t), 0);
		static const char header[] =
			"slabinfo - version: 2.1\n"
			"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
			" : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs>"
			" <sharedavail>\n";
		CHECK(!strcmp(t.buf, header));

		struct kmm_cache *s1 = kmm_cache_create(k, "info-one", 300, 0, 0, NULL);
		struct kmm_cache *s2 = kmm_cache_create(k, "info-two", 300, 0, 0, NULL); /* alias on SLUB/SLAB */
		struct kmm_cache *s3 = kmm_cache_create(k, "info-three", 48, 0, KMM_SLAB_NO_MERGE, NULL);
		REQUIRE(s1 && s2 && s3);
		void *o[20];
		for (int i = 0; i < 20; i++)
			o[i] = kmm_cache_alloc(k, i % 2 ? s1 : s3, KMM_GFP_KERNEL);
		void *m = kmm_kmalloc(k, 100, KMM_GFP_KERNEL);
		t.len = 0;
		CHECK_EQ(kmm_show(k, KMM_VIEW_SLABINFO, text_write, &t), 0);
		CHECK(!strncmp(t.buf, header, sizeof(header) - 1));

		/* Every row: the kernel's columns, equal to kmm_cache_info. */
		unsigned rows = 0;
		int pos_three = -1, pos_one = -1;
		for (char *line = t.buf + sizeof(header) - 1; *line; rows++) {
			char *nl = strchr(line, '\n');
			REQUIRE(nl);
			*nl = '\0';
			char name[64], want[256];
			unsigned long long act, num, as, ns, sa;
			unsigned osz, ops, pps, lim, bat, shf;
			int n = sscanf(line, "%63s %llu %llu %u %u %u : tunables %u %u %u : slabdata %llu %llu %llu",
				       name, &act, &num, &osz, &ops, &pps, &lim, &bat, &shf, &as, &ns, &sa);
			CHECK_EQ(n, 12);
			struct kmm_cache *c = kmm_find_cache(k, name);
			REQUIRE(c);
			CHECK(!strcmp(kmm_cache_name(c), name)); /* a cache's own name, never an alias */
			struct kmm_cache_info i = info_of(k, c);
			snprintf(want, sizeof(want),
				 "%-17s %6llu %6llu %6u %4u %4u : tunables %4u %4u %4u : slabdata %6llu %6llu %6llu", name,
				 (unsigned long long)i.active_objs, (unsigned long long)i.num_objs, i.size, i.objs_per_slab,
				 i.pages_per_slab, lim, bat, shf, (unsigned long long)i.active_slabs,
				 (unsigned long long)i.num_slabs, sa);
			CHECK(!strcmp(line, want));
			if (!strcmp(name, "info-three"))
				pos_three = (int)rows;
			if (!strcmp(name, "info-one"))
				pos_one = (int)rows;
			CHECK(s2 != s1 || strcmp(name, "info-two") != 0); /* no row for an alias */
			line = nl + 1;
		}
		/* Newest first, as the kernel lists them. */
		CHECK(pos_three >= 0 && pos_one > pos_three);
		CHECK(rows >= 3);
		for (int i = 0; i < 20; i++)
			kmm_cache_free(k, i % 2 ? s1 : s3, o[i]);
		kmm_kfree(k, m);
		kmm_destroy(k);
	}
}

/* Every common cross-check of kmm_slab_check() fires when its invariant
 * is broken, and is quiet again once repaired. */
TEST(slab_check_catches_broken_invariants)
{
	struct sink sk;
	struct kmm *k = make(KMM_SLAB_BACKEND_SLUB, &sk);
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "chk", 64, 0, 0, NULL);
	REQUIRE(s);
	void *o = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	char *big = kmm_kmalloc(k, 10000, KMM_GFP_KERNEL);
	REQUIRE(o && big);
	CHECK_EQ(kmm_slab_check(k), 0);
	struct kmm_slab_system *ss = k->slab;

	/* The page counter disagrees with the pages held. */
	ss->slab_pages++;
	uint64_t c0 = sk.n[KMM_REPORT_CHECK];
	CHECK(kmm_slab_check(k) > 0);
	CHECK(sk.n[KMM_REPORT_CHECK] > c0);
	ss->slab_pages--;
	CHECK_EQ(kmm_slab_check(k), 0);

	/* A slab page names a cache that does not exist. */
	struct kmm_page *slab = slab_virt_to_head_(k, o);
	REQUIRE(slab);
	void *real = slab->slab.cache;
	struct kmm_cache fake;
	memset(&fake, 0, sizeof(fake));
	slab->slab.cache = &fake;
	CHECK(kmm_slab_check(k) > 0);
	slab->slab.cache = real;
	CHECK_EQ(kmm_slab_check(k), 0);

	/* A slab page that lost PG_slab. */
	slab->flags &= ~(uint32_t)PG_slab;
	CHECK(kmm_cache_check(k, s) > 0);
	slab->flags |= PG_slab;
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* A large kmalloc that is not a compound head. */
	struct kmm_page *lp = kmm_virt_to_page(k, big);
	lp->flags &= ~(uint32_t)PG_head;
	CHECK(kmm_slab_check(k) > 0);
	lp->flags |= PG_head;
	CHECK_EQ(kmm_slab_check(k), 0);

	kmm_cache_free(k, s, o);
	kmm_kfree(k, big);
	CHECK_EQ(kmm_cache_destroy(k, s), 0);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_destroy(k);
}

/* Allocation and free sites for the U test; the barrier after the call
 * keeps it from being a tail call, so the return address is in here. */
static __attribute__((noinline)) void *alloc_here(struct kmm *k, struct kmm_cache *s)
{
	void *p = s ? kmm_cache_alloc(k, s, KMM_GFP_KERNEL) : kmm_kmalloc(k, 40, KMM_GFP_KERNEL);
	__asm__ volatile("" ::: "memory");
	return p;
}

static __attribute__((noinline)) void free_here(struct kmm *k, struct kmm_cache *s, void *p)
{
	if (s)
		kmm_cache_free(k, s, p);
	else
		kmm_kfree(k, p);
	__asm__ volatile("" ::: "memory");
}

static bool inside(uintptr_t addr, uintptr_t fn) { return addr > fn && addr < fn + 512; }

/* U records the public entry point's caller and the simulated time, which
 * advances by one per allocation or free. */
TEST(u_tracks_record_the_caller_and_time)
{
	for (unsigned b = 0; b < 2; b++) {
		struct sink sk;
		struct kmm_config c;
		kmm_config_init(&c, 1, 8192);
		snprintf(c.slab_debug, sizeof(c.slab_debug), "U,kmalloc-64");
		struct kmm *k = make_cfg(&c, backends[b], &sk);
		REQUIRE(k);
		struct kmm_cache *s = kmm_cache_create(k, "tracked", 64, 0, KMM_SLAB_STORE_USER, NULL);
		REQUIRE(s);
		for (int kind = 0; kind < 2; kind++) {
			struct kmm_cache *via = kind ? NULL : s;
			struct kmm_cache *owner = kind ? kmm_kmalloc_cache(k, 40, KMM_GFP_KERNEL) : s;
			REQUIRE(owner && owner->l.track_offset);
			char *p1 = alloc_here(k, via), *p2 = alloc_here(k, via);
			REQUIRE(p1 && p2);
			const struct kmm_slab_track *t1 = (const void *)(p1 + owner->l.track_offset);
			const struct kmm_slab_track *t2 = (const void *)(p2 + owner->l.track_offset);
			CHECK(inside(t1[0].addr, (uintptr_t)alloc_here));
			CHECK(inside(t2[0].addr, (uintptr_t)alloc_here));
			CHECK_EQ(t2[0].when, t1[0].when + 1);
			free_here(k, via, p1);
			CHECK(inside(t1[1].addr, (uintptr_t)free_here));
			CHECK_EQ(t1[1].when, t2[0].when + 1);
			free_here(k, via, p2);
		}
		CHECK_EQ(kmm_cache_destroy(k, s), 0);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], 0);
		kmm_destroy(k);
	}
}

int main(void)
{
	RUN(create_alloc_free_destroy);
	RUN(bad_arguments_are_named);
	RUN(merging_follows_find_mergeable);
	RUN(destroy_with_live_objects_is_busy);
	RUN(bulk_is_all_or_nothing);
	RUN(wrong_cache_free_is_reported_and_repaired);
	RUN(foreign_pointers_are_reported_and_survived);
	RUN(typesafe_by_rcu_slabs_wait_for_a_grace_period);
	RUN(everything_freed_is_fully_coalesced);
	RUN(slabinfo_is_version_2_1);
	RUN(slab_check_catches_broken_invariants);
	RUN(u_tracks_record_the_caller_and_time);
	return test_summary();
}
