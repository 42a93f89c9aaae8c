// SPDX-License-Identifier: MIT
/*
 * kmalloc against the kernel's rules, on every backend: each size 1..8192
 * lands in the kernel's class (name and ksize), larger sizes are compound
 * page blocks of get_order(size), kmalloc(0) is ZERO_SIZE_PTR, kfree of
 * NULL and ZERO_SIZE_PTR does nothing, kcalloc refuses an overflowing
 * product silently, krealloc keeps the prefix (and the object while it
 * fits), the DMA and reclaimable families take their slabs from ZONE_DMA
 * and reclaimable pageblocks, power-of-two sizes are naturally aligned,
 * and with slab debug the kmalloc tail past the request is red zone that
 * krealloc and ksize move. SLOB has no size classes: there ksize only has
 * to cover the request.
 */
#include <stdio.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/slab/slab_internal.h"
#include "test.h"

static const enum kmm_slab_backend backends[] = { KMM_SLAB_BACKEND_SLUB, KMM_SLAB_BACKEND_SLAB,
						  KMM_SLAB_BACKEND_SLOB };
#define NR_BACKENDS (sizeof(backends) / sizeof(backends[0]))
static const char *const backend_names[] = { "slub", "slab", "slob" };

struct sink {
	uint64_t n[KMM_NR_REPORT_KINDS];
	char last[2048];
};

static void sink_emit(void *ctx, enum kmm_report_kind kind, const char *text)
{
	struct sink *s = ctx;
	s->n[kind]++;
	snprintf(s->last, sizeof(s->last), "%s", text);
}

/* One node of 8192 pages: DMA 512, DMA32 2048, NORMAL the rest. */
static struct kmm *make(enum kmm_slab_backend b, struct sink *sk, const char *slab_debug, unsigned nodes)
{
	struct kmm_config c;
	kmm_config_init(&c, nodes, 8192);
	c.slab_backend = b;
	c.debug_level = 2;
	if (slab_debug)
		snprintf(c.slab_debug, sizeof(c.slab_debug), "%s", slab_debug);
	memset(sk, 0, sizeof(*sk));
	c.sink.emit = sink_emit;
	c.sink.ctx = sk;
	return kmm_create(&c);
}

/* The kernel's class for a request, worked out here without its tables. */
static unsigned expected_class(size_t size)
{
	if (size > 64 && size <= 96)
		return 96;
	if (size > 128 && size <= 192)
		return 192;
	unsigned c = 8;
	while (c < size)
		c <<= 1;
	return c;
}

static void class_name(char *buf, size_t len, const char *prefix, unsigned cls)
{
	if (cls >= 1024)
		snprintf(buf, len, "%s%uk", prefix, cls / 1024);
	else
		snprintf(buf, len, "%s%u", prefix, cls);
}

static bool is_slob(struct kmm *k) { return !strcmp(kmm_slab_backend_name(k), "slob"); }

TEST(every_size_has_the_kernels_class)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk, NULL, 1);
		REQUIRE(k);
		CHECK(!strcmp(kmm_slab_backend_name(k), backend_names[b]));
		bool slob = is_slob(k);
		unsigned wrong_name = 0, wrong_ksize = 0, failed = 0, misplaced = 0;
		for (size_t size = 1; size <= KMM_KMALLOC_MAX_CACHE_SIZE; size++) {
			char want[32];
			unsigned cls = expected_class(size);
			class_name(want, sizeof(want), "kmalloc-", cls);
			struct kmm_cache *s = kmm_kmalloc_cache(k, size, KMM_GFP_KERNEL);
			if (slob ? s != NULL : (!s || strcmp(kmm_cache_name(s), want) != 0))
				wrong_name++;
			void *p = kmm_kmalloc(k, size, KMM_GFP_KERNEL);
			if (!p) {
				failed++;
				continue;
			}
			size_t ks = kmm_ksize(k, p);
			if (slob ? ks < size : ks != cls)
				wrong_ksize++;
			/* The object sits in a slab page of the class's cache
			 * (SLOB: in its heap, or pages of its own from a page up). */
			struct kmm_page *head = slab_virt_to_head_(k, p);
			if (!head || (slob ? !(head->flags & (PG_slab | PG_large_kmalloc))
					   : !(head->flags & PG_slab) || head->slab.cache != s))
				misplaced++;
			memset(p, 0x5c, size);
			kmm_kfree(k, p);
		}
		CHECK_EQ(wrong_name, 0);
		CHECK_EQ(wrong_ksize, 0);
		CHECK_EQ(failed, 0);
		CHECK_EQ(misplaced, 0);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], 0);
		CHECK_EQ(kmm_slab_check(k), 0);
		kmm_destroy(k);
	}
}

TEST(size_index_boundaries)
{
	/* The odd classes only through size_index: 65..96 and 129..192. */
	struct sink sk;
	struct kmm *k = make(KMM_SLAB_BACKEND_SLUB, &sk, NULL, 1);
	REQUIRE(k);
	static const struct { size_t size; const char *name; } cases[] = {
		{ 1, "kmalloc-8" },     { 8, "kmalloc-8" },       { 9, "kmalloc-16" },    { 24, "kmalloc-32" },
		{ 64, "kmalloc-64" },   { 65, "kmalloc-96" },     { 96, "kmalloc-96" },   { 97, "kmalloc-128" },
		{ 128, "kmalloc-128" }, { 129, "kmalloc-192" },   { 192, "kmalloc-192" }, { 193, "kmalloc-256" },
		{ 257, "kmalloc-512" }, { 1000, "kmalloc-1k" },   { 1025, "kmalloc-2k" }, { 4096, "kmalloc-4k" },
		{ 4097, "kmalloc-8k" }, { 8192, "kmalloc-8k" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kmm_cache *s = kmm_kmalloc_cache(k, cases[i].size, KMM_GFP_KERNEL);
		CHECK(s && !strcmp(kmm_cache_name(s), cases[i].name));
	}
	CHECK(kmm_kmalloc_cache(k, 0, KMM_GFP_KERNEL) == NULL);
	CHECK(kmm_kmalloc_cache(k, 8193, KMM_GFP_KERNEL) == NULL);
	kmm_destroy(k);
}

TEST(large_kmalloc_is_compound_pages)
{
	static const size_t sizes[] = { 8193, 12288, 12289, 16384, 16385, 65536, 100000, 1u << 20 };
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk, NULL, 1);
		REQUIRE(k);
		char *base = kmm_arena_base(k);
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			unsigned order = 0;
			while (((size_t)KMM_PAGE_SIZE << order) < sizes[i])
				order++;
			uint64_t held = kmm_slab_pages(k);
			char *p = kmm_kmalloc(k, sizes[i], KMM_GFP_KERNEL);
			REQUIRE(p);
			CHECK_EQ(kmm_ksize(k, p), (size_t)KMM_PAGE_SIZE << order);
			CHECK_EQ((size_t)(p - base) % ((size_t)KMM_PAGE_SIZE << order), 0);
			struct kmm_page *pg = kmm_virt_to_page(k, p);
			CHECK_EQ(kmm_compound_order(k, pg), order);
			CHECK(pg->flags & PG_large_kmalloc);
			CHECK_EQ(kmm_slab_pages(k), held + (1u << order));
			memset(p, 0x77, sizes[i]);
			kmm_kfree(k, p);
			CHECK_EQ(kmm_slab_pages(k), held);
		}
		/* kzalloc of a large size is zeroed. */
		unsigned char *z = kmm_kzalloc(k, 20000, KMM_GFP_KERNEL);
		REQUIRE(z);
		unsigned nonzero = 0;
		for (size_t i = 0; i < 20000; i++)
			nonzero += z[i] != 0;
		CHECK_EQ(nonzero, 0);
		kmm_kfree(k, z);
		/* Beyond KMALLOC_MAX_SIZE: NULL, a warning unless __GFP_NOWARN. */
		uint64_t w = sk.n[KMM_REPORT_WARNING];
		CHECK(kmm_kmalloc(k, KMM_KMALLOC_MAX_SIZE + 1, KMM_GFP_KERNEL) == NULL);
		CHECK_EQ(sk.n[KMM_REPORT_WARNING], w + 1);
		CHECK(kmm_kmalloc(k, (size_t)-1, KMM_GFP_KERNEL | KMM___GFP_NOWARN) == NULL);
		CHECK_EQ(sk.n[KMM_REPORT_WARNING], w + 1);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], 0);
		CHECK_EQ(kmm_slab_check(k), 0);
		kmm_destroy(k);
	}
}

TEST(zero_size_and_null)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk, NULL, 1);
		REQUIRE(k);
		CHECK(kmm_kmalloc(k, 0, KMM_GFP_KERNEL) == KMM_ZERO_SIZE_PTR);
		CHECK(kmm_kzalloc(k, 0, KMM_GFP_KERNEL) == KMM_ZERO_SIZE_PTR);
		CHECK(kmm_kcalloc(k, 0, 16, KMM_GFP_KERNEL) == KMM_ZERO_SIZE_PTR);
		kmm_kfree(k, NULL);
		kmm_kfree(k, KMM_ZERO_SIZE_PTR);
		CHECK_EQ(kmm_ksize(k, NULL), 0);
		CHECK_EQ(kmm_ksize(k, KMM_ZERO_SIZE_PTR), 0);
		uint64_t total = 0;
		for (unsigned i = 0; i < KMM_NR_REPORT_KINDS; i++)
			total += sk.n[i];
		CHECK_EQ(total, 0);
		CHECK_EQ(kmm_slab_pages(k), 0);
		kmm_destroy(k);
	}
}

TEST(kcalloc_overflow_and_zeroing)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk, NULL, 1);
		REQUIRE(k);
		CHECK(kmm_kcalloc(k, SIZE_MAX / 2, 3, KMM_GFP_KERNEL) == NULL);
		CHECK(kmm_kcalloc(k, 3, SIZE_MAX / 2, KMM_GFP_KERNEL) == NULL);
		CHECK(kmm_kcalloc(k, (size_t)1 << 33, (size_t)1 << 31, KMM_GFP_KERNEL) == NULL);
		uint64_t total = 0;
		for (unsigned i = 0; i < KMM_NR_REPORT_KINDS; i++)
			total += sk.n[i];
		CHECK_EQ(total, 0); /* silently, as kmalloc_array() */
		/* Dirty a slot, free it, and get zeroes from kcalloc all the same. */
		for (int round = 0; round < 4; round++) {
			unsigned char *d = kmm_kmalloc(k, 80, KMM_GFP_KERNEL);
			REQUIRE(d);
			memset(d, 0xee, 80);
			kmm_kfree(k, d);
			unsigned char *z = kmm_kcalloc(k, 10, 8, KMM_GFP_KERNEL);
			REQUIRE(z);
			unsigned nonzero = 0;
			for (size_t i = 0; i < 80; i++)
				nonzero += z[i] != 0;
			CHECK_EQ(nonzero, 0);
			unsigned char *y = kmm_kzalloc(k, 80, KMM_GFP_KERNEL);
			REQUIRE(y);
			for (size_t i = 0; i < 80; i++)
				nonzero += y[i] != 0;
			CHECK_EQ(nonzero, 0);
			kmm_kfree(k, z);
			kmm_kfree(k, y);
		}
		kmm_destroy(k);
	}
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

static size_t intact_prefix(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i * 7))
			return i;
	return n;
}

TEST(krealloc_keeps_the_prefix)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk, NULL, 1);
		REQUIRE(k);
		bool slob = is_slob(k);
		/* NULL is kmalloc. */
		unsigned char *p = kmm_krealloc(k, NULL, 50, KMM_GFP_KERNEL);
		REQUIRE(p);
		fill(p, 50, 1);
		/* Still fits the class: same object (the kernel's krealloc). */
		unsigned char *q = kmm_krealloc(k, p, 60, KMM_GFP_KERNEL);
		REQUIRE(q);
		if (!slob)
			CHECK(q == p);
		CHECK_EQ(intact_prefix(q, 50, 1), 50);
		fill(q, 60, 2);
		/* Grow through the classes and into pages, then back down. */
		static const size_t steps[] = { 100, 300, 1500, 5000, 9000, 70000, 3000, 33, 9 };
		size_t cur = 60;
		for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			size_t keep = cur < steps[i] ? cur : steps[i];
			unsigned char *r = kmm_krealloc(k, q, steps[i], KMM_GFP_KERNEL);
			REQUIRE(r);
			CHECK_EQ(intact_prefix(r, keep, 2 + (unsigned)i), keep);
			CHECK(kmm_ksize(k, r) >= steps[i]);
			q = r;
			cur = steps[i];
			fill(q, cur, 3 + (unsigned)i);
		}
		/* 0 frees and returns ZERO_SIZE_PTR. */
		uint64_t held = kmm_slab_pages(k);
		CHECK(kmm_krealloc(k, q, 0, KMM_GFP_KERNEL) == KMM_ZERO_SIZE_PTR);
		CHECK(kmm_slab_pages(k) <= held);
		/* ZERO_SIZE_PTR grows like NULL. */
		q = kmm_krealloc(k, KMM_ZERO_SIZE_PTR, 16, KMM_GFP_KERNEL);
		CHECK(q != NULL && q != KMM_ZERO_SIZE_PTR);
		kmm_kfree(k, q);
		/* krealloc with __GFP_ZERO: the new part is zero. */
		p = kmm_kzalloc(k, 40, KMM_GFP_KERNEL);
		REQUIRE(p);
		fill(p, 40, 9);
		q = kmm_krealloc(k, p, 500, KMM_GFP_KERNEL | KMM___GFP_ZERO);
		REQUIRE(q);
		CHECK_EQ(intact_prefix(q, 40, 9), 40);
		unsigned nonzero = 0;
		for (size_t i = 40; i < 500; i++)
			nonzero += q[i] != 0;
		CHECK_EQ(nonzero, 0);
		kmm_kfree(k, q);
		/* A failing krealloc leaves p alone. */
		p = kmm_kmalloc(k, 64, KMM_GFP_KERNEL);
		REQUIRE(p);
		fill(p, 64, 4);
		CHECK(kmm_krealloc(k, p, KMM_KMALLOC_MAX_SIZE + 1, KMM_GFP_KERNEL | KMM___GFP_NOWARN) == NULL);
		CHECK_EQ(intact_prefix(p, 64, 4), 64);
		kmm_kfree(k, p);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], 0);
		kmm_slab_shrink_all(k);
		CHECK_EQ(kmm_slab_check(k), 0);
		kmm_destroy(k);
	}
}

TEST(dma_and_reclaimable_families)
{
	/* Backends with size classes: SLOB has no kmalloc families. */
	for (unsigned b = 0; b < 2; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk, NULL, 1);
		REQUIRE(k);
		static const size_t sizes[] = { 8, 72, 100, 150, 1000, 8192 };
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			char want[32];
			unsigned cls = expected_class(sizes[i]);

			class_name(want, sizeof(want), "dma-kmalloc-", cls);
			struct kmm_cache *s = kmm_kmalloc_cache(k, sizes[i], KMM_GFP_KERNEL | KMM_GFP_DMA);
			CHECK(s && !strcmp(kmm_cache_name(s), want));
			void *d = kmm_kmalloc(k, sizes[i], KMM_GFP_KERNEL | KMM_GFP_DMA);
			REQUIRE(d);
			CHECK_EQ(kmm_page_zonenum(k, kmm_virt_to_page(k, d)), KMM_ZONE_DMA);
			CHECK_EQ(kmm_ksize(k, d), cls);

			class_name(want, sizeof(want), "kmalloc-rcl-", cls);
			s = kmm_kmalloc_cache(k, sizes[i], KMM_GFP_KERNEL | KMM___GFP_RECLAIMABLE);
			CHECK(s && !strcmp(kmm_cache_name(s), want));
			void *r = kmm_kmalloc(k, sizes[i], KMM_GFP_KERNEL | KMM___GFP_RECLAIMABLE);
			REQUIRE(r);
			struct kmm_page *head = slab_virt_to_head_(k, r);
			REQUIRE(head);
			CHECK_EQ(head->migratetype, KMM_MIGRATE_RECLAIMABLE);
			CHECK(head->slab.cache == s);

			/* The normal family stays unmovable, out of ZONE_DMA here. */
			void *n = kmm_kmalloc(k, sizes[i], KMM_GFP_KERNEL);
			REQUIRE(n);
			head = slab_virt_to_head_(k, n);
			CHECK_EQ(head->migratetype, KMM_MIGRATE_UNMOVABLE);
			CHECK(kmm_page_zonenum(k, head) != KMM_ZONE_DMA);

			/* DMA wins over reclaimable, as kmalloc_type() orders them. */
			s = kmm_kmalloc_cache(k, sizes[i], KMM_GFP_DMA | KMM___GFP_RECLAIMABLE);
			class_name(want, sizeof(want), "dma-kmalloc-", cls);
			CHECK(s && !strcmp(kmm_cache_name(s), want));
			kmm_kfree(k, d);
			kmm_kfree(k, r);
			kmm_kfree(k, n);
		}
		/* __GFP_DMA32 / __GFP_HIGHMEM have no kmalloc family: warned and dropped. */
		uint64_t w = sk.n[KMM_REPORT_WARNING];
		void *h = kmm_kmalloc(k, 64, KMM_GFP_KERNEL | KMM___GFP_HIGHMEM);
		CHECK(h != NULL);
		CHECK_EQ(sk.n[KMM_REPORT_WARNING], w + 1);
		CHECK(strstr(sk.last, "Unexpected gfp") != NULL);
		kmm_kfree(k, h);
		CHECK_EQ(sk.n[KMM_REPORT_SLAB], 0);
		CHECK_EQ(kmm_slab_check(k), 0);
		kmm_destroy(k);
	}
}

TEST(power_of_two_sizes_are_naturally_aligned)
{
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk, NULL, 1);
		REQUIRE(k);
		char *base = kmm_arena_base(k);
		unsigned misaligned = 0, small_misaligned = 0;
		void *keep[16];
		for (size_t size = 8; size <= KMM_KMALLOC_MAX_CACHE_SIZE; size <<= 1) {
			/* Several at once, so not just a slab's first slot. */
			for (int i = 0; i < 16; i++) {
				keep[i] = kmm_kmalloc(k, size, KMM_GFP_KERNEL);
				if (!keep[i] || (size_t)((char *)keep[i] - base) % size)
					misaligned++;
			}
			for (int i = 0; i < 16; i++)
				kmm_kfree(k, keep[i]);
		}
		/* Every other size: at least 8 (ARCH_KMALLOC_MINALIGN). */
		for (size_t size = 1; size < 300; size += 7) {
			void *p = kmm_kmalloc(k, size, KMM_GFP_KERNEL);
			if (!p || (uintptr_t)p % 8)
				small_misaligned++;
			kmm_kfree(k, p);
		}
		CHECK_EQ(misaligned, 0);
		CHECK_EQ(small_misaligned, 0);
		kmm_destroy(k);
	}
}

TEST(kmalloc_node_places_on_the_node)
{
	for (unsigned b = 0; b < 2; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk, NULL, 2);
		REQUIRE(k);
		for (int node = 0; node < 2; node++) {
			for (int i = 0; i < 40; i++) {
				void *p = kmm_kmalloc_node(k, 200, KMM_GFP_KERNEL, node);
				REQUIRE(p);
				CHECK_EQ(kmm_page_to_nid(k, kmm_virt_to_page(k, p)), node);
				kmm_kfree(k, p);
			}
			void *big = kmm_kmalloc_node(k, 40000, KMM_GFP_KERNEL, node);
			REQUIRE(big);
			CHECK_EQ(kmm_page_to_nid(k, kmm_virt_to_page(k, big)), node);
			kmm_kfree(k, big);
		}
		uint64_t w = sk.n[KMM_REPORT_WARNING];
		CHECK(kmm_kmalloc_node(k, 64, KMM_GFP_KERNEL, 2) == NULL);
		CHECK_EQ(sk.n[KMM_REPORT_WARNING], w + 1);
		kmm_destroy(k);
	}
}

/* With Z (and U) on the kmalloc caches the bytes past the request are red
 * zone: kzalloc zeroes only the request, krealloc in place moves the zone,
 * ksize hands the whole class over. validate counts what was overwritten. */
TEST(debug_kmalloc_tail_follows_the_request)
{
	for (unsigned b = 0; b < 2; b++) {
		struct sink sk;
		struct kmm *k = make(backends[b], &sk, "FZPU", 1);
		REQUIRE(k);
		unsigned char *p = kmm_kzalloc(k, 50, KMM_GFP_KERNEL);
		REQUIRE(p);
		struct kmm_cache *s = kmm_kmalloc_cache(k, 50, KMM_GFP_KERNEL);
		REQUIRE(s);
		unsigned nonzero = 0, tail = 0;
		for (size_t i = 0; i < 50; i++)
			nonzero += p[i] != 0;
		for (size_t i = 50; i < 64; i++)
			tail += p[i] == KMM_SLUB_RED_ACTIVE;
		CHECK_EQ(nonzero, 0);
		CHECK_EQ(tail, 14);
		CHECK_EQ(kmm_cache_validate(k, s), 0);

		/* Grow in place to 60: the user may now write 60 bytes. */
		unsigned char *q = kmm_krealloc(k, p, 60, KMM_GFP_KERNEL);
		CHECK(q == p);
		memset(q, 0x11, 60);
		CHECK_EQ(kmm_cache_validate(k, s), 0);
		/* Shrink in place to 40: 40..63 is red zone again. */
		q = kmm_krealloc(k, q, 40, KMM_GFP_KERNEL);
		CHECK(q == p);
		tail = 0;
		for (size_t i = 40; i < 64; i++)
			tail += q[i] == KMM_SLUB_RED_ACTIVE;
		CHECK_EQ(tail, 24);
		CHECK_EQ(kmm_cache_validate(k, s), 0);
		q[45] = 0x22; /* past the request: caught and repaired */
		CHECK(kmm_cache_validate(k, s) > 0);
		CHECK_EQ(kmm_cache_validate(k, s), 0);
		/* ksize: the whole class is the caller's. */
		CHECK_EQ(kmm_ksize(k, q), 64);
		memset(q, 0x33, 64);
		CHECK_EQ(kmm_cache_validate(k, s), 0);
		kmm_kfree(k, q);
		CHECK_EQ(kmm_cache_validate(k, s), 0);
		kmm_destroy(k);
	}
}

int main(void)
{
	RUN(every_size_has_the_kernels_class);
	RUN(size_index_boundaries);
	RUN(large_kmalloc_is_compound_pages);
	RUN(zero_size_and_null);
	RUN(kcalloc_overflow_and_zeroing);
	RUN(krealloc_keeps_the_prefix);
	RUN(dma_and_reclaimable_families);
	RUN(power_of_two_sizes_are_naturally_aligned);
	RUN(kmalloc_node_places_on_the_node);
	RUN(debug_kmalloc_tail_follows_the_request);
	return test_summary();
}
