// SPDX-License-Identifier: MIT
/*
 * The SLUB backend: fast and slow paths counted on known sequences, slab
 * orders against the kernel's calculate_order(), CPU partial lists and
 * min_partial, freelist shuffling and hardening, the naive double free,
 * node-specific allocation, shrinking back to a fully coalesced buddy
 * system, the check walk against a corrupted freelist, the debug layer's
 * freelist validation (slub_kunit's test_next_pointer), bulk, ctors, and a
 * threaded run.
 */
#include <pthread.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/slab/slub_internal.h"
#include "test.h"

enum { PAGES_PER_NODE = 8192 };

struct sys_opts {
	unsigned nodes, cpus;
	uint32_t features;
	uint64_t seed;
	unsigned min_objects, max_order, min_partial;
	bool threaded;
	uint32_t pages;
};

static struct kmm *make(struct sys_opts o)
{
	struct kmm_config c;
	kmm_config_init(&c, o.nodes ? o.nodes : 1, o.pages ? o.pages : PAGES_PER_NODE);
	if (o.cpus)
		c.nr_cpus = o.cpus;
	c.slab_backend = KMM_SLAB_BACKEND_SLUB;
	c.slab_features = o.features;
	c.seed = o.seed ? o.seed : 1;
	c.slab_min_objects = o.min_objects;
	c.slab_max_order = o.max_order;
	c.slab_min_partial = o.min_partial;
	c.threaded = o.threaded;
	c.debug_level = 2;
	return kmm_create(&c);
}

static struct kmm_cache_info info_of(struct kmm *k, struct kmm_cache *s)
{
	struct kmm_cache_info ci;
	memset(&ci, 0, sizeof(ci));
	kmm_cache_info(k, s, &ci);
	return ci;
}

static struct kmm_cache *cache(struct kmm *k, const char *name, unsigned size, unsigned flags)
{
	return kmm_cache_create(k, name, size, 8, flags | KMM_SLAB_NO_MERGE, NULL);
}

/* Shrink, destroy, and require the buddy system whole (the caller freed
 * every object). */
static bool all_back(struct kmm *k, struct kmm_cache *s)
{
	kmm_slab_shrink_all(k); /* kmalloc caches the test touched, too */
	kmm_cache_shrink(k, s);
	bool empty = info_of(k, s).num_slabs == 0;
	bool gone = kmm_cache_destroy(k, s) == 0;
	kmm_drain_all_pages(k);
	/* and no assert or check walk complained on the way */
	return empty && gone && kmm_page_fully_coalesced(k) && kmm_page_check(k) == 0 &&
	       kmm_report_count(k, KMM_REPORT_CHECK) == 0;
}

/* ---- calculate_order ----------------------------------------------------- */

/* The kernel's formula, written out independently (mm/slub.c
 * calc_slab_order / calculate_order with slub_min_order 0). */
static unsigned k_objs(unsigned order, unsigned size) { return (KMM_PAGE_SIZE << order) / size; }
static unsigned k_get_order(unsigned long bytes)
{
	unsigned o = 0;
	while (((unsigned long)KMM_PAGE_SIZE << o) < bytes)
		o++;
	return o;
}
static unsigned k_fls(unsigned x)
{
	unsigned n = 0;
	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}
static unsigned k_calc(unsigned size, unsigned min_objects, unsigned max_order, unsigned fract)
{
	unsigned order = k_get_order((unsigned long)min_objects * size);
	for (; order <= max_order; order++) {
		unsigned long slab = (unsigned long)KMM_PAGE_SIZE << order;
		if (slab % size <= slab / fract)
			break;
	}
	return order;
}
static unsigned kernel_order(unsigned size, unsigned nr_cpus, unsigned min_objects, unsigned max_order)
{
	if (!max_order)
		max_order = 3;
	if (!min_objects)
		min_objects = 4 * (k_fls(nr_cpus) + 1);
	if (min_objects > k_objs(max_order, size))
		min_objects = k_objs(max_order, size);
	for (; min_objects > 1; min_objects--)
		for (unsigned fract = 16; fract >= 4; fract /= 2) {
			unsigned o = k_calc(size, min_objects, max_order, fract);
			if (o <= max_order)
				return o;
		}
	unsigned o = k_calc(size, 1, max_order, 1);
	return o <= max_order ? o : k_calc(size, 1, KMM_MAX_ORDER, 1);
}

TEST(calculate_order_matches_kernel)
{
	static const unsigned sizes[] = { 8,    16,   24,   64,   96,   192,  256,  344,  504,  632,
					  704,  1024, 1096, 1536, 2048, 3000, 4096, 4688, 5000, 6144, 8192 };
	static const unsigned cpus[] = { 1, 2, 4, 16 };
	for (unsigned ci = 0; ci < sizeof(cpus) / sizeof(cpus[0]); ci++) {
		struct kmm *k = make((struct sys_opts){ .cpus = cpus[ci] });
		REQUIRE(k);
		for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			char name[32];
			snprintf(name, sizeof(name), "order-%u", sizes[i]);
			struct kmm_cache *s = cache(k, name, sizes[i], 0);
			REQUIRE(s);
			struct kmm_cache_info ci2 = info_of(k, s);
			unsigned order = kernel_order(ci2.size, cpus[ci], 0, 0);
			CHECK_EQ(ci2.pages_per_slab, 1u << order);
			CHECK_EQ(ci2.objs_per_slab, k_objs(order, ci2.size));
			kmm_cache_destroy(k, s);
		}
		kmm_destroy(k);
	}
	/* Known results, worked by hand from the formula. */
	struct kmm *k = make((struct sys_opts){ .cpus = 4 });
	REQUIRE(k);
	struct kmm_cache *s = cache(k, "k8192", 8192, 0);
	REQUIRE(s);
	CHECK_EQ(info_of(k, s).pages_per_slab, 8); /* min_objects 16 capped at 4 per order 3 */
	CHECK_EQ(info_of(k, s).objs_per_slab, 4);
	struct kmm_cache *s2 = cache(k, "k4096", 4096, 0);
	CHECK_EQ(info_of(k, s2).pages_per_slab, 8);
	CHECK_EQ(info_of(k, s2).objs_per_slab, 8);
	struct kmm_cache *s3 = cache(k, "k64", 64, 0);
	CHECK_EQ(info_of(k, s3).pages_per_slab, 1);
	CHECK_EQ(info_of(k, s3).objs_per_slab, 64);
	kmm_destroy(k);

	k = make((struct sys_opts){ .cpus = 1 });
	REQUIRE(k);
	s = cache(k, "k704", 704, 0); /* 8 objects need order 1: 8192 % 704 = 448 <= 512 */
	CHECK_EQ(info_of(k, s).pages_per_slab, 2);
	CHECK_EQ(info_of(k, s).objs_per_slab, 11);
	s = cache(k, "k344", 344, 0); /* order 0 wastes 312 > 4096/16; order 1 wastes 280 <= 512 */
	CHECK_EQ(info_of(k, s).pages_per_slab, 2);
	CHECK_EQ(info_of(k, s).objs_per_slab, 23);
	kmm_destroy(k);

	/* The boot parameters: slub_min_objects and slub_max_order. */
	k = make((struct sys_opts){ .cpus = 1, .min_objects = 32 });
	REQUIRE(k);
	s = cache(k, "k256", 256, 0);
	CHECK_EQ(info_of(k, s).pages_per_slab, 2);
	CHECK_EQ(info_of(k, s).objs_per_slab, 32);
	kmm_destroy(k);
	k = make((struct sys_opts){ .cpus = 4, .max_order = 1 });
	REQUIRE(k);
	s = cache(k, "k8192", 8192, 0);
	CHECK_EQ(info_of(k, s).pages_per_slab, 2);
	CHECK_EQ(info_of(k, s).objs_per_slab, 1);
	s2 = cache(k, "k1024", 1024, 0);
	CHECK_EQ(info_of(k, s2).pages_per_slab, 2); /* 16 wanted, 8 fit in order 1 */
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_destroy(k);
}

/* ---- fast and slow paths --------------------------------------------------- */

TEST(fast_and_slow_path_statistics)
{
	struct kmm *k = make((struct sys_opts){ .cpus = 1, .features = 0 });
	REQUIRE(k);
	struct kmm_cache *s = cache(k, "stats-256", 256, 0);
	REQUIRE(s);
	REQUIRE(info_of(k, s).objs_per_slab == 16);
	void *o[40];
	for (unsigned i = 0; i < 17; i++)
		REQUIRE((o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	struct kmm_cache_info ci = info_of(k, s);
	CHECK_EQ(ci.alloc_slowpath, 2); /* the first object, and the 17th */
	CHECK_EQ(ci.alloc_fastpath, 15);
	CHECK_EQ(ci.alloc_slab, 2);
	CHECK_EQ(ci.num_slabs, 2);
	CHECK_EQ(ci.active_objs, 17);
	CHECK_EQ(ci.num_objs, 32);

	kmm_cache_free(k, s, o[16]); /* the active slab: fast */
	kmm_cache_free(k, s, o[0]);  /* a full slab: slow, to the CPU partial list */
	ci = info_of(k, s);
	CHECK_EQ(ci.free_fastpath, 1);
	CHECK_EQ(ci.free_slowpath, 1);
	CHECK_EQ(ci.cpu_partial_free, 1);
	CHECK_EQ(ci.active_objs, 15);

	void *again = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	CHECK(again == o[16]); /* LIFO through the CPU freelist */
	for (unsigned i = 0; i < 15; i++)
		REQUIRE((o[17 + i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	void *from_partial = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	CHECK(from_partial == o[0]); /* the CPU partial slab's one free object */
	ci = info_of(k, s);
	CHECK_EQ(ci.alloc_fastpath, 31);
	CHECK_EQ(ci.alloc_slowpath, 3);
	CHECK_EQ(ci.alloc_slab, 2);
	CHECK_EQ(ci.cpu_partial_alloc, 1);
	CHECK_EQ(ci.free_slab, 0);
	CHECK_EQ(ci.active_objs, 32);
	CHECK_EQ(ci.active_slabs, 2);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	/* the active slab (the first one again) all back on the CPU freelist:
	 * an empty slab */
	kmm_cache_free(k, s, from_partial);
	for (unsigned i = 1; i < 16; i++)
		kmm_cache_free(k, s, o[i]);
	ci = info_of(k, s);
	CHECK_EQ(ci.free_fastpath, 17);
	CHECK_EQ(ci.active_slabs, 1);
	CHECK_EQ(ci.num_slabs, 2);
	CHECK_EQ(ci.active_objs, 16);
	kmm_destroy(k);
}

/*
 * A CPU refilling from its node takes one slab and moves up to
 * cpu_partial_slabs / 2 more to its partial list (7 / 2: 4 more, for
 * 256-byte objects): ten slabs with one free object each, then ten
 * allocations, two refills from the node and eight from the CPU list.
 */
TEST(refill_from_node_partial)
{
	struct kmm *k = make((struct sys_opts){ .cpus = 1, .features = 0 });
	REQUIRE(k);
	struct kmm_cache *s = cache(k, "refill-256", 256, 0);
	REQUIRE(s);
	REQUIRE(info_of(k, s).objs_per_slab == 16);
	static void *o[12 * 16 + 1];
	for (unsigned i = 0; i < 12 * 16 + 1; i++)
		REQUIRE((o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	for (unsigned i = 0; i < 10; i++)
		kmm_cache_free(k, s, o[16 * i]);
	kmm_cache_shrink(k, s); /* every slab to the node; the one-free ones first */
	struct kmm_cache_info before = info_of(k, s);
	unsigned found = 0;
	for (unsigned i = 0; i < 10; i++) {
		if (i == 6) { /* one refill from the node, four from the CPU list, the next refill */
			CHECK_EQ(info_of(k, s).cpu_partial_alloc - before.cpu_partial_alloc, 4);
		}
		void *p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
		for (unsigned j = 0; j < 10; j++)
			if (p == o[16 * j]) {
				found++;
				o[16 * j] = NULL; /* each once */
			}
	}
	CHECK_EQ(found, 10); /* the fullest slabs' free objects, nothing new */
	struct kmm_cache_info ci = info_of(k, s);
	CHECK_EQ(ci.cpu_partial_alloc - before.cpu_partial_alloc, 8);
	CHECK_EQ(ci.alloc_slowpath - before.alloc_slowpath, 10);
	CHECK_EQ(ci.alloc_slab, before.alloc_slab);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	kmm_destroy(k);
}

/* ---- partial lists and min_partial ----------------------------------------- */

/*
 * 20 full slabs of 16 objects; every object of the first 19 freed, slab by
 * slab. Each first free puts a slab on the CPU partial list (7 slabs for
 * 256-byte objects: 52 objects, half full); the 8th overflows it, and the
 * 7 empty slabs drain to the node: min_partial of them stay, the rest are
 * freed; the next overflow frees all 7. Left: the active slab, min_partial
 * on the node, 5 on the CPU.
 */
static void partial_run(unsigned cfg_min_partial, unsigned min_partial)
{
	struct kmm *k = make((struct sys_opts){ .cpus = 1, .min_partial = cfg_min_partial });
	REQUIRE(k);
	struct kmm_cache *s = cache(k, "partial-256", 256, 0);
	REQUIRE(s);
	REQUIRE(info_of(k, s).objs_per_slab == 16);
	static void *o[320];
	for (unsigned i = 0; i < 320; i++)
		REQUIRE((o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	/* with FREELIST_RANDOM the objects of a slab are still allocated together */
	for (unsigned i = 0; i < 304; i++)
		kmm_cache_free(k, s, o[i]);
	struct kmm_cache_info ci = info_of(k, s);
	CHECK_EQ(ci.num_slabs, 1 + min_partial + 5);
	CHECK_EQ(ci.free_slab, 14 - min_partial);
	CHECK_EQ(ci.cpu_partial_free, 19);
	CHECK_EQ(ci.active_objs, 16);
	CHECK_EQ(ci.active_slabs, 1);
	CHECK_EQ(kmm_cache_check(k, s), 0);

	kmm_cache_shrink(k, s); /* flush: 5 more freed; shrink: the node's empties */
	ci = info_of(k, s);
	CHECK_EQ(ci.num_slabs, 1);
	CHECK_EQ(ci.free_slab, 19);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	for (unsigned i = 304; i < 320; i++)
		kmm_cache_free(k, s, o[i]);
	CHECK_EQ(info_of(k, s).num_slabs, 1); /* empty, kept on the CPU partial list */
	CHECK_EQ(info_of(k, s).active_slabs, 0);
	CHECK(all_back(k, s));
	kmm_destroy(k);
}

TEST(partial_lists_and_min_partial)
{
	partial_run(2, 2);
	partial_run(5, 5);
	partial_run(0, 5); /* the kernel's default: ilog2(256) / 2 = 4, at least 5 */
}

/* A debug cache has no CPU partial lists: slabs go straight to the node
 * lists, and an emptied slab is freed when the node's partial list
 * (counting it) holds min_partial. */
TEST(debug_cache_node_lists)
{
	struct kmm *k = make((struct sys_opts){ .cpus = 1, .min_partial = 3 });
	REQUIRE(k);
	struct kmm_cache *s = cache(k, "dbg-256", 256, KMM_SLAB_CONSISTENCY_CHECKS);
	REQUIRE(s);
	unsigned per = info_of(k, s).objs_per_slab;
	REQUIRE(per >= 2);
	static void *o[8 * 64];
	REQUIRE(8 * per <= 8 * 64);
	for (unsigned i = 0; i < 8 * per; i++)
		REQUIRE((o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	struct kmm_cache_info ci = info_of(k, s);
	CHECK_EQ(ci.num_slabs, 8);
	CHECK_EQ(ci.alloc_fastpath, 0);
	CHECK_EQ(ci.alloc_slowpath, 8 * per);
	for (unsigned i = 0; i < 8 * per; i++)
		kmm_cache_free(k, s, o[i]);
	ci = info_of(k, s);
	CHECK_EQ(ci.num_slabs, 2); /* min_partial - 1: the emptied slab counts itself */
	CHECK_EQ(ci.free_slab, 6);
	CHECK_EQ(ci.free_fastpath, 0);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	CHECK(all_back(k, s));
	kmm_destroy(k);
}

/* ---- shuffling ------------------------------------------------------------------ */

static void alloc_offsets(uint64_t seed, uint32_t features, unsigned long *off, unsigned n)
{
	struct kmm *k = make((struct sys_opts){ .cpus = 1, .features = features, .seed = seed });
	if (!k)
		return;
	struct kmm_cache *s = cache(k, "shuffle-128", 128, 0);
	for (unsigned i = 0; i < n; i++) {
		void *p = s ? kmm_cache_alloc(k, s, KMM_GFP_KERNEL) : NULL;
		off[i] = p ? (unsigned long)((char *)p - (char *)kmm_arena_base(k)) : 0;
	}
	kmm_destroy(k);
}

TEST(shuffle_determinism)
{
	unsigned long a[40], b[40], c[40], plain[40];
	alloc_offsets(7, KMM_SLAB_FREELIST_RANDOM, a, 40);
	alloc_offsets(7, KMM_SLAB_FREELIST_RANDOM, b, 40);
	alloc_offsets(8, KMM_SLAB_FREELIST_RANDOM, c, 40);
	alloc_offsets(7, 0, plain, 40);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	CHECK(memcmp(a, c, sizeof(a)) != 0);
	/* unshuffled: slot order; shuffled: a permutation of the same slab */
	bool ascending = true, distinct = true;
	unsigned long lo = plain[0];
	for (unsigned i = 1; i < 32; i++)
		ascending &= plain[i] == plain[i - 1] + 128;
	CHECK(ascending);
	bool in_order = true;
	for (unsigned i = 0; i < 32; i++) {
		in_order &= a[i] == lo + 128u * i;
		CHECK(a[i] >= lo && a[i] < lo + KMM_PAGE_SIZE && (a[i] - lo) % 128 == 0);
		for (unsigned j = 0; j < i; j++)
			distinct &= a[i] != a[j];
	}
	CHECK(!in_order);
	CHECK(distinct);
	/* hardening keys come from the same stream but never move the shuffle */
	unsigned long h[40];
	alloc_offsets(7, KMM_SLAB_FREELIST_RANDOM | KMM_SLAB_FREELIST_HARDENED, h, 40);
	CHECK(memcmp(a, h, sizeof(a)) == 0);
}

/* ---- hardening --------------------------------------------------------------------- */

static uintptr_t word_at(const void *obj, unsigned off)
{
	uintptr_t w;
	memcpy(&w, (const char *)obj + off, sizeof(w));
	return w;
}

static bool holds_pointer(const void *obj, unsigned size, const void *ptr)
{
	for (unsigned off = 0; off + sizeof(uintptr_t) <= size; off += sizeof(uintptr_t))
		if (word_at(obj, off) == (uintptr_t)ptr)
			return true;
	return false;
}

TEST(hardened_encoding)
{
	for (int hardened = 0; hardened < 2; hardened++) {
		struct kmm *k = make((struct sys_opts){ .features = hardened ? KMM_SLAB_FREELIST_HARDENED : 0 });
		REQUIRE(k);
		struct kmm_cache *s = cache(k, "hard-64", 64, 0);
		REQUIRE(s);
		void *a = kmm_cache_alloc(k, s, KMM_GFP_KERNEL), *b = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
		REQUIRE(a && b);
		/* Every byte defined, so the scan below reads only what was
		 * written (Valgrind checks that). */
		memset(a, 0, 64);
		memset(b, 0, 64);
		kmm_cache_free(k, s, a);
		kmm_cache_free(k, s, b); /* b's link now leads to a */
		CHECK(s->l.offset + sizeof(uintptr_t) <= 64); /* inside the object */
		if (hardened) {
			CHECK(!holds_pointer(b, 64, a));
			CHECK(word_at(b, s->l.offset) != (uintptr_t)a);
		} else {
			CHECK_EQ(word_at(b, s->l.offset), (uintptr_t)a);
		}
		CHECK(kmm_cache_alloc(k, s, KMM_GFP_KERNEL) == b);
		CHECK(kmm_cache_alloc(k, s, KMM_GFP_KERNEL) == a);
		CHECK_EQ(kmm_cache_check(k, s), 0);
		kmm_destroy(k);
	}
}

TEST(naive_double_free)
{
	for (int hardened = 0; hardened < 2; hardened++) {
		struct kmm *k = make((struct sys_opts){ .cpus = 1, .features = hardened ? KMM_SLAB_FREELIST_HARDENED : 0 });
		REQUIRE(k);
		struct kmm_cache *s = cache(k, "df-128", 128, 0);
		REQUIRE(s);
		unsigned per = info_of(k, s).objs_per_slab;
		/* fast path: the object heads the CPU freelist */
		void *p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
		REQUIRE(p);
		kmm_cache_free(k, s, p);
		uint64_t before = kmm_report_count(k, KMM_REPORT_SLAB);
		kmm_cache_free(k, s, p);
		CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB) - before, hardened ? 1 : 0);
		CHECK_EQ(kmm_cache_check(k, s), 0);
		void *x = kmm_cache_alloc(k, s, KMM_GFP_KERNEL), *y = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
		CHECK(x == p);
		CHECK(y && y != p);
		CHECK_EQ(info_of(k, s).active_objs, 2);

		/* slow path: a full, inactive slab; its first free heads its freelist */
		struct kmm_cache *s2 = cache(k, "df2-128", 128, 0);
		REQUIRE(s2);
		static void *o[256];
		REQUIRE(per + 1 <= 256);
		for (unsigned i = 0; i <= per; i++) /* the last one makes a second slab active */
			REQUIRE((o[i] = kmm_cache_alloc(k, s2, KMM_GFP_KERNEL)));
		void *q = o[0];
		REQUIRE(slab_virt_to_head_(k, q) != slab_virt_to_head_(k, o[per]));
		kmm_cache_free(k, s2, q);
		before = kmm_report_count(k, KMM_REPORT_SLAB);
		kmm_cache_free(k, s2, q);
		CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB) - before, hardened ? 1 : 0);
		CHECK_EQ(info_of(k, s2).active_objs, per);
		CHECK_EQ(info_of(k, s2).free_slowpath, 2);
		CHECK_EQ(kmm_cache_check(k, s2), 0);
		for (unsigned i = 0; i + 1 < per; i++) /* the active slab's rest */
			REQUIRE(kmm_cache_alloc(k, s2, KMM_GFP_KERNEL));
		CHECK(kmm_cache_alloc(k, s2, KMM_GFP_KERNEL) == q); /* once, from the CPU partial slab */
		void *r = kmm_cache_alloc(k, s2, KMM_GFP_KERNEL);
		CHECK(r && r != q);
		kmm_destroy(k);
	}
}

/* ---- nodes ------------------------------------------------------------------------- */

static int nid_of(struct kmm *k, const void *p)
{
	return kmm_page_to_nid(k, slab_virt_to_head_(k, p));
}

TEST(node_specific_allocation)
{
	struct kmm *k = make((struct sys_opts){ .nodes = 2, .cpus = 2 });
	REQUIRE(k);
	REQUIRE(kmm_set_cpu(k, 0) == 0);
	struct kmm_cache *s = cache(k, "node-128", 128, 0);
	REQUIRE(s);
	void *a = kmm_cache_alloc_node(k, s, KMM_GFP_KERNEL, 1);
	void *b = kmm_cache_alloc_node(k, s, KMM_GFP_KERNEL, 0);
	void *c = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	REQUIRE(a && b && c);
	CHECK_EQ(nid_of(k, a), 1);
	CHECK_EQ(nid_of(k, b), 0);
	CHECK_EQ(nid_of(k, c), 0); /* cpu 0 is on node 0 */
	CHECK_EQ(info_of(k, s).num_slabs, 2);
	/* the node-1 slab went to the node list: its objects come back for node 1 */
	void *d = kmm_cache_alloc_node(k, s, KMM_GFP_KERNEL, 1);
	REQUIRE(d);
	CHECK_EQ(nid_of(k, d), 1);
	CHECK_EQ(info_of(k, s).num_slabs, 2);
	REQUIRE(kmm_set_cpu(k, 1) == 0);
	void *e = kmm_kmalloc_node(k, 100, KMM_GFP_KERNEL, 0);
	REQUIRE(e);
	CHECK_EQ(nid_of(k, e), 0);
	kmm_kfree(k, e);
	void *f = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	REQUIRE(f);
	CHECK_EQ(nid_of(k, f), 1); /* cpu 1's node */
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* DMA exists on node 0 only: __GFP_THISNODE on node 1 fails, without it
	 * the slab comes from node 0. */
	struct kmm_cache *dma = cache(k, "dma-64", 64, KMM_SLAB_CACHE_DMA);
	REQUIRE(dma);
	CHECK(kmm_cache_alloc_node(k, dma, KMM_GFP_KERNEL | KMM___GFP_THISNODE | KMM___GFP_NOWARN, 1) == NULL);
	void *g = kmm_cache_alloc_node(k, dma, KMM_GFP_KERNEL, 1);
	REQUIRE(g);
	CHECK_EQ(nid_of(k, g), 0);
	CHECK_EQ(kmm_page_zonenum(k, kmm_virt_to_page(k, g)), KMM_ZONE_DMA);
	CHECK_EQ(kmm_cache_check(k, dma), 0);

	/* frees from the other CPU to node-0 slabs, then everything back */
	kmm_cache_free(k, dma, g);
	kmm_cache_free(k, s, a);
	kmm_cache_free(k, s, d);
	kmm_cache_free(k, s, f);
	REQUIRE(kmm_set_cpu(k, 0) == 0);
	kmm_cache_free(k, s, b);
	kmm_cache_free(k, s, c);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	CHECK(all_back(k, dma));
	CHECK(all_back(k, s));
	kmm_destroy(k);
}

/*
 * Partial slabs of another node: an allocation for a named node tries a new
 * slab there before taking them (try_thisnode); one for no node takes them
 * (get_any_partial) when its own node has none and theirs has more than
 * min_partial.
 */
TEST(remote_partials)
{
	struct kmm *k = make((struct sys_opts){ .nodes = 2, .cpus = 2, .features = 0 });
	REQUIRE(k);
	struct kmm_cache *s = cache(k, "remote-256", 256, 0);
	REQUIRE(s);
	REQUIRE(info_of(k, s).objs_per_slab == 16);
	REQUIRE(kmm_set_cpu(k, 1) == 0); /* node 1 */
	static void *o[8 * 16 + 1];
	for (unsigned i = 0; i < 8 * 16 + 1; i++)
		REQUIRE((o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	for (unsigned i = 0; i < 8; i++)
		kmm_cache_free(k, s, o[16 * i]);
	kmm_cache_shrink(k, s); /* node 1: 9 partial slabs, more than min_partial 5 */
	CHECK_EQ(nid_of(k, o[0]), 1);
	REQUIRE(kmm_set_cpu(k, 0) == 0);
	void *a = kmm_cache_alloc_node(k, s, KMM_GFP_KERNEL, 0);
	REQUIRE(a);
	CHECK_EQ(nid_of(k, a), 0);
	CHECK_EQ(info_of(k, s).num_slabs, 10);
	unsigned per = 16;
	for (unsigned i = 1; i < per; i++) /* the rest of cpu 0's node-0 slab */
		CHECK(kmm_cache_alloc(k, s, KMM_GFP_KERNEL) != NULL);
	void *b = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	REQUIRE(b);
	CHECK_EQ(nid_of(k, b), 1); /* node 0 has no partial slab: node 1's */
	CHECK_EQ(info_of(k, s).num_slabs, 10);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	kmm_destroy(k);
}

/* ---- shrink --------------------------------------------------------------------------- */

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

TEST(shrink_returns_every_page)
{
	struct kmm *k = make((struct sys_opts){ .nodes = 2, .cpus = 4,
						.features = KMM_SLAB_FREELIST_RANDOM | KMM_SLAB_FREELIST_HARDENED });
	REQUIRE(k);
	struct kmm_cache *s = cache(k, "shrink-192", 192, 0);
	REQUIRE(s);
	enum { N = 3000 };
	static void *o[N];
	uint64_t x = 42;
	for (unsigned i = 0; i < N; i++) {
		kmm_set_cpu(k, (unsigned)(rnd(&x) % 4));
		REQUIRE((o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	}
	for (unsigned i = N - 1; i > 0; i--) {
		unsigned j = (unsigned)(rnd(&x) % (i + 1));
		void *t = o[i];
		o[i] = o[j];
		o[j] = t;
	}
	for (unsigned i = 0; i < N; i++) {
		kmm_set_cpu(k, (unsigned)(rnd(&x) % 4)); /* remote frees too */
		kmm_cache_free(k, s, o[i]);
		if (i % 500 == 0)
			CHECK_EQ(kmm_cache_check(k, s), 0);
	}
	struct kmm_cache_info ci = info_of(k, s);
	CHECK_EQ(ci.active_objs, 0);
	CHECK(ci.num_slabs > 0); /* kept on partial lists */
	kmm_cache_shrink(k, s);
	ci = info_of(k, s);
	CHECK_EQ(ci.num_slabs, 0);
	CHECK_EQ(ci.free_slab, ci.alloc_slab);
	CHECK_EQ(kmm_slab_pages(k), 0);
	CHECK(all_back(k, s));
	kmm_destroy(k);
}

/* ---- the check walk ------------------------------------------------------------------------ */

TEST(check_finds_corrupted_freelist)
{
	struct kmm *k = make((struct sys_opts){ .cpus = 1,
						.features = KMM_SLAB_FREELIST_RANDOM | KMM_SLAB_FREELIST_HARDENED });
	REQUIRE(k);
	struct kmm_cache *s = cache(k, "chk-64", 64, 0);
	REQUIRE(s);
	void *o[10];
	for (unsigned i = 0; i < 10; i++)
		REQUIRE((o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	for (unsigned i = 0; i < 5; i++)
		kmm_cache_free(k, s, o[i]); /* CPU freelist: o4 o3 o2 o1 o0 ... */
	CHECK_EQ(kmm_cache_check(k, s), 0);
	uint64_t checks = kmm_report_count(k, KMM_REPORT_CHECK);
	unsigned char saved[64];
	memcpy(saved, o[2], 64);
	memset(o[2], 0xa7, 64); /* write after free over a link in the middle */
	CHECK(kmm_cache_check(k, s) > 0);
	CHECK(kmm_report_count(k, KMM_REPORT_CHECK) > checks);
	memcpy(o[2], saved, 64);
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* corrupted again and used: the pop finds the bad link, reports it,
	 * isolates the rest and goes on */
	memset(o[2], 0xa7, 64);
	uint64_t slab_reports = kmm_report_count(k, KMM_REPORT_SLAB);
	void *n[8];
	for (unsigned i = 0; i < 8; i++)
		REQUIRE((n[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	CHECK(kmm_report_count(k, KMM_REPORT_SLAB) > slab_reports);
	CHECK(n[0] == o[4] && n[1] == o[3] && n[2] == o[2]);
	for (unsigned i = 3; i < 8; i++)
		CHECK(n[i] != o[1] && n[i] != o[0]); /* behind the bad link: never handed out */
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* a node-list slab: corrupt a free object of an inactive slab */
	unsigned per = info_of(k, s).objs_per_slab;
	static void *m[128];
	REQUIRE(per <= 128);
	for (unsigned i = 0; i < per; i++)
		REQUIRE((m[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	void *victim = NULL;
	for (unsigned i = 0; i < per && !victim; i++)
		if (slab_virt_to_head_(k, m[i]) != slab_virt_to_head_(k, m[per - 1]))
			victim = m[i];
	REQUIRE(victim);
	void *neighbour = NULL;
	for (unsigned i = 0; i < per; i++)
		if (m[i] != victim && slab_virt_to_head_(k, m[i]) == slab_virt_to_head_(k, victim))
			neighbour = m[i];
	REQUIRE(neighbour);
	kmm_cache_free(k, s, neighbour);
	kmm_cache_free(k, s, victim); /* victim -> neighbour on the slab's freelist */
	CHECK_EQ(kmm_cache_check(k, s), 0);
	memset(victim, 0x3c, 64);
	CHECK(kmm_cache_check(k, s) > 0);
	kmm_destroy(k); /* teardown with a broken cache: no crash */
}

/*
 * Every invariant the check walk recomputes, broken on purpose in the
 * backend's own structures (which no public call can reach), then mended.
 */
TEST(check_catches_broken_invariants)
{
	struct kmm *k = make((struct sys_opts){ .cpus = 1, .features = KMM_SLAB_FREELIST_HARDENED });
	REQUIRE(k);
	struct kmm_cache *s = cache(k, "inv-256", 256, 0), *other = cache(k, "inv-other", 256, 0);
	REQUIRE(s && other);
	static void *o[48];
	for (unsigned i = 0; i < 48; i++)
		REQUIRE((o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	kmm_cache_free(k, s, o[0]);
	kmm_cache_free(k, s, o[16]);
	kmm_cache_shrink(k, s); /* two partial slabs and a full one on the node */
	void *x = kmm_cache_alloc(k, s, KMM_GFP_KERNEL); /* one active again, the other CPU partial */
	REQUIRE(x);
	kmm_cache_free(k, s, x);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	struct slub_cache *sc = s->backend;
	struct kmem_cache_cpu *c = &sc->cpu[0];
	struct kmem_cache_node *n = &sc->node[0];
	REQUIRE(c->slab && c->freelist && c->nr_partial == 1 && n->nr_full == 1);
	struct kmm_page *active = c->slab;
	struct kmm_page *cpu_partial = list_entry(c->partial.next, struct kmm_page, lru);
	struct kmm_page *full = list_entry(n->full.next, struct kmm_page, lru);

#define BREAK_AND_MEND(field, bad)                         \
	do {                                               \
		__typeof__(field) saved_ = (field);        \
		(field) = (bad);                           \
		CHECK(kmm_cache_check(k, s) > 0);          \
		(field) = saved_;                          \
		CHECK_EQ(kmm_cache_check(k, s), 0);        \
	} while (0)
	BREAK_AND_MEND(n->nr_full, n->nr_full + 1);
	BREAK_AND_MEND(n->nr_partial, n->nr_partial + 1);
	BREAK_AND_MEND(c->nr_partial, 2);
	BREAK_AND_MEND(n->nr_slabs, n->nr_slabs + 1);
	BREAK_AND_MEND(n->total_objects, n->total_objects - 1);
	BREAK_AND_MEND(full->slab.inuse, full->slab.inuse - 1);
	BREAK_AND_MEND(full->slab.list, SLUB_LIST_NODE_PARTIAL);
	BREAK_AND_MEND(full->slab.frozen, 1);
	BREAK_AND_MEND(full->slab.cache, (void *)other);
	BREAK_AND_MEND(full->slab.objects, full->slab.objects - 1);
	BREAK_AND_MEND(cpu_partial->slab.frozen, 1);
	BREAK_AND_MEND(cpu_partial->slab.freelist, (void *)((char *)cpu_partial->slab.freelist + 8));
	BREAK_AND_MEND(active->slab.frozen, 0);
	BREAK_AND_MEND(active->slab.inuse, 1); /* fewer in use than on the CPU freelist */
	BREAK_AND_MEND(c->span, c->span + 256);
	BREAK_AND_MEND(c->node, 1);
	BREAK_AND_MEND(c->freelist, (void *)((char *)c->freelist + 256 * 64));
#undef BREAK_AND_MEND
	kmm_destroy(k);
}

/* slub_kunit's test_next_pointer: a freed poisoned object's free pointer
 * corrupted, validate counts 3 (Freechain corrupt, Wrong object count +
 * its fix), the pointer restored 2 (the count again), then 0. */
TEST(validate_next_pointer)
{
	struct kmm *k = make((struct sys_opts){ .cpus = 1 });
	REQUIRE(k);
	struct kmm_cache *s = kmm_cache_create(k, "TestSlub_next_ptr_free", 64, 0, KMM_SLAB_POISON, NULL);
	REQUIRE(s);
	unsigned char *p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	REQUIRE(p);
	kmm_cache_free(k, s, p);
	uintptr_t tmp;
	memcpy(&tmp, p + s->l.offset, sizeof(tmp));
	p[s->l.offset] = (unsigned char)~p[s->l.offset];
	CHECK_EQ(kmm_cache_validate(k, s), 3);
	memcpy(p + s->l.offset, &tmp, sizeof(tmp));
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	CHECK(all_back(k, s));
	kmm_destroy(k);
}

/*
 * A deep double free without hardening (or debug flags) makes a freelist
 * cycle; validate finds it and clears the slab's freelist, leaving the slab
 * on its partial list (as the kernel does) with every object counted in
 * use. Frees and allocations then treat it as full; nothing crashes and the
 * two objects of the cycle are never handed out again.
 */
static void cleared_run(bool on_node, bool free_first)
{
	struct kmm *k = make((struct sys_opts){ .cpus = 1, .features = 0 });
	REQUIRE(k);
	struct kmm_cache *s = cache(k, "cycle-256", 256, 0);
	REQUIRE(s);
	REQUIRE(info_of(k, s).objs_per_slab == 16);
	static void *o[32];
	for (unsigned i = 0; i < 17; i++) /* slab 1 full; the 17th makes slab 2 active */
		REQUIRE((o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	kmm_cache_free(k, s, o[0]); /* slab 1 to the CPU partial list */
	if (on_node) {
		/* slab 2 full, then flushed to the full list and slab 1 to the
		 * node partial list, where it is alone */
		for (unsigned i = 17; i < 32; i++)
			REQUIRE((o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
		kmm_cache_shrink(k, s);
	}
	kmm_cache_free(k, s, o[1]);
	kmm_cache_free(k, s, o[0]); /* o0 -> o1 -> o0: not the head, so not caught */
	CHECK(kmm_cache_check(k, s) > 0);
	CHECK(kmm_cache_validate(k, s) >= 2); /* "Freelist cycle detected" + "Freelist cleared" */
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	if (free_first) {
		/* a free into the cleared slab while it still sits on its
		 * partial list: it is no full slab to take off the full list */
		kmm_cache_free(k, s, o[2]);
		CHECK_EQ(kmm_cache_check(k, s), 0);
	}
	/* the allocations meet the cleared slab (first on the CPU partial or
	 * the node partial list) and must file it as full */
	static void *n[48];
	unsigned bad = 0, live = on_node ? 32 : 17;
	for (unsigned i = 0; i < 48; i++) {
		REQUIRE((n[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
		for (unsigned j = 3; j < live; j++)
			bad += n[i] == o[j];
		bad += n[i] == o[0] || n[i] == o[1] || (!free_first && n[i] == o[2]);
		for (unsigned j = 0; j < i; j++)
			bad += n[i] == n[j];
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	if (!free_first) {
		kmm_cache_free(k, s, o[2]); /* into the cleared, now full-listed slab */
		CHECK_EQ(kmm_cache_check(k, s), 0);
	}
	CHECK_EQ(info_of(k, s).active_objs, live - 3 + 48 + 2); /* o0 and o1 stay lost */
	kmm_destroy(k);
}

TEST(validate_cleared_slab_survives)
{
	cleared_run(false, false);
	cleared_run(true, false);
	cleared_run(false, true);
	cleared_run(true, true);
}

/* ---- the debug layer's view ----------------------------------------------------------------- */

struct walk_count {
	unsigned slabs, objects;
};
static int count_slab(struct kmm *k, struct kmm_cache *s, const struct kmm_slab_walk *w, void *ctx)
{
	struct walk_count *wc = ctx;
	(void)k, (void)s;
	wc->slabs++;
	wc->objects += w->nr_objects;
	return 0;
}

TEST(for_each_slab_and_object_is_free)
{
	struct kmm *k = make((struct sys_opts){ .cpus = 2 });
	REQUIRE(k);
	struct kmm_cache *s = cache(k, "walk-512", 512, 0);
	REQUIRE(s);
	enum { N = 200 };
	static void *o[N];
	for (unsigned i = 0; i < N; i++) {
		kmm_set_cpu(k, i % 2);
		REQUIRE((o[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)));
	}
	for (unsigned i = 0; i < N; i += 3)
		kmm_cache_free(k, s, o[i]); /* active, CPU partial, node partial, full slabs */
	struct walk_count wc = { 0, 0 };
	CHECK_EQ(kmm_slub_ops.for_each_slab(k, s, count_slab, &wc), 0);
	struct kmm_cache_info ci = info_of(k, s);
	CHECK_EQ(wc.slabs, ci.num_slabs);
	CHECK_EQ(wc.objects, ci.num_objs);
	unsigned wrong = 0;
	for (unsigned i = 0; i < N; i++) {
		void *p = o[i];
		bool is_free = kmm_slub_ops.object_is_free(k, s, slab_virt_to_head_(k, p), p);
		wrong += is_free != (i % 3 == 0);
	}
	CHECK_EQ(wrong, 0);
	CHECK_EQ(ci.active_objs, N - (N + 2) / 3);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	kmm_destroy(k);
}

/* ---- bulk and ctor ------------------------------------------------------------------------------ */

TEST(bulk_all_or_nothing)
{
	struct kmm *k = make((struct sys_opts){ .cpus = 1, .pages = 4096 });
	REQUIRE(k);
	struct kmm_cache *s = cache(k, "bulk-96", 96, 0);
	REQUIRE(s);
	static void *p[500];
	CHECK_EQ(kmm_cache_alloc_bulk(k, s, KMM_GFP_KERNEL, 500, p), 500);
	unsigned dup = 0;
	for (unsigned i = 0; i < 500; i++)
		for (unsigned j = 0; j < i; j++)
			dup += p[i] == p[j];
	CHECK_EQ(dup, 0);
	CHECK_EQ(info_of(k, s).active_objs, 500);
	kmm_cache_free_bulk(k, s, 500, p);
	CHECK_EQ(info_of(k, s).active_objs, 0);
	CHECK_EQ(kmm_cache_check(k, s), 0);

	/* more than memory holds: nothing allocated, nothing kept */
	struct kmm_cache *big = cache(k, "bulk-4096", 4096, 0);
	REQUIRE(big);
	static void *q[8192];
	CHECK_EQ(kmm_cache_alloc_bulk(k, big, KMM_GFP_KERNEL | KMM___GFP_NOWARN, 8192, q), 0);
	CHECK_EQ(info_of(k, big).active_objs, 0);
	CHECK_EQ(kmm_cache_check(k, big), 0);
	CHECK(all_back(k, big));
	CHECK(all_back(k, s));
	kmm_destroy(k);
}

static unsigned ctor_calls;
static void ctor_fill(void *obj)
{
	ctor_calls++;
	memset(obj, 0x5c, 48);
}

TEST(ctor_on_every_object_of_a_new_slab)
{
	struct kmm *k = make((struct sys_opts){ .cpus = 1 });
	REQUIRE(k);
	ctor_calls = 0;
	struct kmm_cache *s = kmm_cache_create(k, "ctor-48", 48, 0, 0, ctor_fill);
	REQUIRE(s);
	unsigned char *p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	REQUIRE(p);
	CHECK_EQ(ctor_calls, info_of(k, s).objs_per_slab);
	unsigned bad = 0;
	for (unsigned i = 0; i < 48; i++)
		bad += p[i] != 0x5c;
	CHECK_EQ(bad, 0);
	kmm_cache_free(k, s, p);
	p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL); /* ctor state kept: the link is outside */
	for (unsigned i = 0; i < 48; i++)
		bad += p[i] != 0x5c;
	CHECK_EQ(bad, 0);
	CHECK_EQ(ctor_calls, info_of(k, s).objs_per_slab);
	kmm_cache_free(k, s, p);
	CHECK(all_back(k, s));
	kmm_destroy(k);
}

/* ---- threads ----------------------------------------------------------------------------------- */

/*
 * Each thread allocates and frees on its own CPU, keeping a private set of
 * live objects, and now and then trades one through a shared pool, so
 * objects are freed by other CPUs (remote frees to active and partial
 * slabs). The threads synchronise only there and inside kmm, so the race
 * detector (tsan preset) sees the allocator's own locking.
 */
enum { T_THREADS = 3, T_STEPS = 30000, T_LIVE = 96, T_POOL = 64 };
struct pool {
	pthread_mutex_t lock;
	void *slot[T_POOL];
	struct kmm *k;
	struct kmm_cache *s;
};
struct worker {
	struct pool *pl;
	unsigned cpu;
	unsigned failures, corrupt, traded;
};

static bool tagged(const void *p)
{
	uintptr_t w;
	memcpy(&w, p, sizeof(w));
	return w == (uintptr_t)p;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct pool *pl = w->pl;
	void *live[T_LIVE] = { 0 };
	uint64_t x = 0x9e3779b97f4a7c15ull * (w->cpu + 1);
	kmm_set_cpu(pl->k, w->cpu);
	for (unsigned step = 0; step < T_STEPS; step++) {
		uint64_t r = rnd(&x);
		unsigned i = (unsigned)(r % T_LIVE);
		if (r % 29 == 0 && live[i]) {
			/* trade: give ours to the pool, take what is there */
			unsigned j = (unsigned)((r >> 20) % T_POOL);
			pthread_mutex_lock(&pl->lock);
			void *theirs = pl->slot[j];
			pl->slot[j] = live[i];
			pthread_mutex_unlock(&pl->lock);
			live[i] = theirs;
			w->traded++;
			continue;
		}
		if (live[i]) {
			w->corrupt += !tagged(live[i]);
			kmm_cache_free(pl->k, pl->s, live[i]);
			live[i] = NULL;
			continue;
		}
		void *p = kmm_cache_alloc(pl->k, pl->s, KMM_GFP_KERNEL);
		if (!p) {
			w->failures++;
			continue;
		}
		uintptr_t tag = (uintptr_t)p;
		memcpy(p, &tag, sizeof(tag));
		live[i] = p;
	}
	for (unsigned i = 0; i < T_LIVE; i++)
		if (live[i]) {
			w->corrupt += !tagged(live[i]);
			kmm_cache_free(pl->k, pl->s, live[i]);
		}
	return NULL;
}

TEST(threaded_alloc_and_remote_free)
{
	struct kmm *k = make((struct sys_opts){ .nodes = 2, .cpus = T_THREADS, .threaded = true,
						.features = KMM_SLAB_FREELIST_RANDOM | KMM_SLAB_FREELIST_HARDENED });
	REQUIRE(k);
	static struct pool pl;
	memset(&pl, 0, sizeof(pl));
	pthread_mutex_init(&pl.lock, NULL);
	pl.k = k;
	pl.s = cache(k, "threads-64", 64, 0);
	REQUIRE(pl.s);
	struct worker w[T_THREADS];
	pthread_t t[T_THREADS];
	for (unsigned i = 0; i < T_THREADS; i++) {
		w[i] = (struct worker){ &pl, i, 0, 0, 0 };
		REQUIRE(pthread_create(&t[i], NULL, work, &w[i]) == 0);
	}
	unsigned failures = 0, corrupt = 0, traded = 0;
	for (unsigned i = 0; i < T_THREADS; i++) {
		pthread_join(t[i], NULL);
		failures += w[i].failures;
		corrupt += w[i].corrupt;
		traded += w[i].traded;
	}
	CHECK_EQ(failures, 0);
	CHECK_EQ(corrupt, 0);
	CHECK(traded > 100);
	CHECK_EQ(kmm_cache_check(k, pl.s), 0);
	unsigned pooled = 0;
	for (unsigned i = 0; i < T_POOL; i++)
		if (pl.slot[i]) {
			pooled++;
			corrupt += !tagged(pl.slot[i]);
			kmm_cache_free(k, pl.s, pl.slot[i]);
		}
	CHECK(pooled > 0);
	CHECK_EQ(corrupt, 0);
	struct kmm_cache_info ci = info_of(k, pl.s);
	CHECK_EQ(ci.active_objs, 0);
	CHECK(ci.alloc_fastpath > 0 && ci.free_slowpath > 0 && ci.cpu_partial_free > 0);
	CHECK(all_back(k, pl.s));
	pthread_mutex_destroy(&pl.lock);
	kmm_destroy(k);
}

int main(void)
{
	RUN(calculate_order_matches_kernel);
	RUN(fast_and_slow_path_statistics);
	RUN(refill_from_node_partial);
	RUN(partial_lists_and_min_partial);
	RUN(debug_cache_node_lists);
	RUN(shuffle_determinism);
	RUN(hardened_encoding);
	RUN(naive_double_free);
	RUN(node_specific_allocation);
	RUN(remote_partials);
	RUN(shrink_returns_every_page);
	RUN(check_finds_corrupted_freelist);
	RUN(check_catches_broken_invariants);
	RUN(validate_next_pointer);
	RUN(validate_cleared_slab_survives);
	RUN(for_each_slab_and_object_is_free);
	RUN(bulk_all_or_nothing);
	RUN(ctor_on_every_object_of_a_new_slab);
	RUN(threaded_alloc_and_remote_free);
	return test_summary();
}
