// SPDX-License-Identifier: MIT
/*
 * SLUB's single-threaded short cuts against the general paths they stand
 * for: the common layer's fast entries (ops->alloc_fast / free_fast), the
 * free of an object whose slab is not the active one (slub_free_remote_),
 * the one-pass linking of a new slab's shuffled free list, the
 * multiply-based object boundary test, and the simulated clock that only
 * debug caches tick. Each result is compared with what the general path
 * gives for the same calls (a threaded system, a cache with a
 * constructor, the kernel's division).
 */
#include <stdio.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/slab/slub_internal.h"
#include "test.h"

static char log_[8192];
static size_t log_len_;

static void sink_(void *ctx, enum kmm_report_kind kind, const char *text)
{
	(void)ctx;
	(void)kind;
	size_t n = strlen(text);
	if (log_len_ + n >= sizeof(log_))
		n = sizeof(log_) - 1 - log_len_;
	memcpy(log_ + log_len_, text, n);
	log_len_ += n;
	log_[log_len_] = '\0';
}
static void log_clear_(void)
{
	log_len_ = 0;
	log_[0] = '\0';
}
static bool logged_(const char *s) { return strstr(log_, s) != NULL; }

static struct kmm *make_(bool threaded, const char *debug)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 8192);
	c.nr_cpus = 2;
	c.slab_backend = KMM_SLAB_BACKEND_SLUB;
	c.threaded = threaded;
	c.seed = 11;
	c.debug_level = 2;
	c.sink.emit = sink_;
	snprintf(c.slab_debug, sizeof(c.slab_debug), "%s", debug);
	return kmm_create(&c);
}

static void noop_ctor_(void *obj) { (void)obj; }

static struct kmm_cache_info info_of_(struct kmm *k, struct kmm_cache *s)
{
	struct kmm_cache_info ci;
	memset(&ci, 0, sizeof(ci));
	kmm_cache_info(k, s, &ci);
	return ci;
}

static unsigned long off_(struct kmm *k, const void *p)
{
	return p ? (unsigned long)((const char *)p - (const char *)kmm_arena_base(k)) : 0;
}

/* The fast entries are the backend's single-threaded ones exactly when the
 * system is single-threaded. */
TEST(fast_entries_chosen)
{
	struct kmm *k = make_(false, "");
	REQUIRE(k != NULL);
	void *p = kmm_kmalloc(k, 64, KMM_GFP_KERNEL);
	CHECK(p != NULL);
	REQUIRE(k->slab != NULL);
	CHECK(k->slab->alloc == kmm_slub_ops.alloc_fast && k->slab->alloc != NULL);
	CHECK(k->slab->free == kmm_slub_ops.free_fast && k->slab->free != NULL);
	kmm_kfree(k, p);
	kmm_destroy(k);

	k = make_(true, "");
	REQUIRE(k != NULL && k->slab != NULL);
	CHECK(k->slab->alloc == kmm_slub_ops.alloc);
	CHECK(k->slab->free == kmm_slub_ops.free);
	kmm_destroy(k);
}

/*
 * A random-order workload on one system through the fast entries and on a
 * threaded one (general paths, locks): the same objects in the same order,
 * the same statistics, the same slabs given back.
 */
static void workload_(struct kmm *k, unsigned long *offs, unsigned n, struct kmm_cache_info *out)
{
	void *p[600];
	struct kmm_cache *s = kmm_cache_create(k, "fastwl", 200, 8, KMM_SLAB_NO_MERGE, NULL);
	if (!s || n > 600)
		return;
	for (unsigned i = 0; i < n; i++) {
		p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
		offs[i] = off_(k, p[i]);
	}
	/* free every third, then the rest backwards, then allocate again */
	for (unsigned i = 0; i < n; i += 3)
		kmm_cache_free(k, s, p[i]);
	for (unsigned i = n; i-- > 0;)
		if (i % 3)
			kmm_cache_free(k, s, p[i]);
	for (unsigned i = 0; i < n; i++) {
		p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
		offs[n + i] = off_(k, p[i]);
	}
	for (unsigned i = 0; i < n; i += 2)
		kmm_cache_free(k, s, p[i]);
	for (unsigned i = 1; i < n; i += 2)
		kmm_cache_free(k, s, p[i]);
	*out = info_of_(k, s);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	CHECK_EQ(kmm_cache_destroy(k, s), 0);
}

TEST(fast_matches_general)
{
	enum { N = 500 };
	static unsigned long a[2 * N], b[2 * N];
	struct kmm_cache_info ia, ib;
	memset(&ia, 0, sizeof(ia));
	memset(&ib, 0, sizeof(ib));
	struct kmm *k1 = make_(false, ""), *k2 = make_(true, "");
	REQUIRE(k1 && k2);
	workload_(k1, a, N, &ia);
	workload_(k2, b, N, &ib);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	CHECK(ia.free_slowpath > N / 2); /* the remote path was taken */
	CHECK_EQ(ia.alloc_fastpath, ib.alloc_fastpath);
	CHECK_EQ(ia.alloc_slowpath, ib.alloc_slowpath);
	CHECK_EQ(ia.free_fastpath, ib.free_fastpath);
	CHECK_EQ(ia.free_slowpath, ib.free_slowpath);
	CHECK_EQ(ia.alloc_slab, ib.alloc_slab);
	CHECK_EQ(ia.free_slab, ib.free_slab);
	CHECK_EQ(ia.cpu_partial_alloc, ib.cpu_partial_alloc);
	CHECK_EQ(ia.cpu_partial_free, ib.cpu_partial_free);
	CHECK_EQ(kmm_report_count(k1, KMM_REPORT_SLAB), 0);
	kmm_destroy(k1);
	kmm_destroy(k2);
}

/*
 * kmalloc's fast path finds each CPU's SLUB freelist in a per-CPU table;
 * kmem_cache_alloc of the same kmalloc cache finds it through the cache.
 * Two systems, one through each, switching CPUs as they go: the same
 * objects, and the same statistics per cache. A table entry naming the
 * wrong CPU (or the wrong cache) hands out another object.
 */
static void kmalloc_cpus_(bool by_cache, unsigned long *offs, unsigned n, uint64_t *fast)
{
	static const size_t sizes[] = { 8, 64, 96, 192, 200, 700, 1024, 4000 };
	void *p[400];
	struct kmm *k = make_(false, "");
	if (!k || n > 400)
		return;
	unsigned misplaced = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned cpu = (i / 7) % 2;
		kmm_set_cpu(k, cpu);
		size_t size = sizes[i % 8];
		struct kmm_cache *s = kmm_kmalloc_cache(k, size, KMM_GFP_KERNEL);
		p[i] = by_cache ? kmm_cache_alloc(k, s, KMM_GFP_KERNEL) : kmm_kmalloc(k, size, KMM_GFP_KERNEL);
		offs[i] = off_(k, p[i]);
		/* handed out by this CPU: from its active slab */
		const struct kmem_cache_cpu *c = &slub_(s)->cpu[cpu];
		misplaced += !p[i] || (uintptr_t)p[i] < c->lo || (uintptr_t)p[i] > c->hi;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned cpu = (i / 5) % 2;
		kmm_set_cpu(k, cpu);
		struct kmm_cache *s = kmm_kmalloc_cache(k, sizes[i % 8], KMM_GFP_KERNEL);
		const struct kmem_cache_cpu *c = &slub_(s)->cpu[cpu];
		bool own = (uintptr_t)p[i] >= c->lo && (uintptr_t)p[i] <= c->hi;
		if (by_cache)
			kmm_cache_free(k, s, p[i]);
		else
			kmm_kfree(k, p[i]);
		/* an object of this CPU's active slab goes onto its freelist */
		misplaced += own && c->freelist != p[i];
	}
	CHECK_EQ(misplaced, 0);
	for (unsigned i = 0; i < n; i++) {
		kmm_set_cpu(k, (i / 3) % 2);
		p[i] = kmm_kmalloc(k, sizes[i % 8], KMM_GFP_KERNEL);
		offs[n + i] = off_(k, p[i]);
	}
	for (unsigned j = 0; j < 8; j++) {
		struct kmm_cache_info ci = info_of_(k, kmm_kmalloc_cache(k, sizes[j], KMM_GFP_KERNEL));
		fast[j] = ci.alloc_fastpath << 32 | ci.free_fastpath;
	}
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB), 0);
	kmm_destroy(k);
}

TEST(kmalloc_cpu_tables)
{
	enum { N = 300 };
	static unsigned long a[2 * N], b[2 * N];
	uint64_t fa[8] = { 0 }, fb[8] = { 0 };
	kmalloc_cpus_(false, a, N, fa);
	kmalloc_cpus_(true, b, N, fb);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	CHECK(memcmp(fa, fb, sizeof(fa)) == 0);
	CHECK(fa[1] >> 32 > N / 16); /* the fast pops were taken */
}

/* A new slab's shuffled free list, linked in one pass when there is
 * nothing to set up, is the list the general loop (a cache with a
 * constructor) links: same seed, same cache id, same 96-byte slots (88
 * bytes with a ctor: the free pointer then lives past the object, in the
 * last 8 bytes of the slot), same order. */
static void first_slab_order_(void (*ctor)(void *), unsigned long *offs, unsigned n)
{
	struct kmm *k = make_(false, "");
	if (!k)
		return;
	struct kmm_cache *s = kmm_cache_create(k, "order96", ctor ? 88 : 96, 8, KMM_SLAB_NO_MERGE, ctor);
	struct kmm_cache_info ci = info_of_(k, s);
	CHECK_EQ(ci.size, 96);
	for (unsigned i = 0; i < n; i++)
		offs[i] = s ? off_(k, kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) : 0;
	kmm_destroy(k);
}

TEST(shuffled_link_matches_general)
{
	unsigned long plain[120], with_ctor[120];
	first_slab_order_(NULL, plain, 120);
	first_slab_order_(noop_ctor_, with_ctor, 120);
	CHECK(plain[0] != 0);
	CHECK(memcmp(plain, with_ctor, sizeof(plain)) == 0);
	bool ascending = true;
	for (unsigned i = 1; i < 40; i++)
		ascending &= plain[i] == plain[i - 1] + 96;
	CHECK(!ascending); /* shuffled */
}

/* The multiply-based boundary test agrees with the division for every
 * offset of slabs of awkward sizes, and the remote path refuses an
 * interior pointer (reported, nothing freed). */
TEST(boundary_test)
{
	static const unsigned sizes[] = { 8, 24, 96, 192, 200, 520, 1000, 3000, 4104, 8192 };
	bool agree = true;
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct slub_cache sc;
		memset(&sc, 0, sizeof(sc));
		sc.size = sizes[i];
		sc.size_magic = UINT64_MAX / sc.size + 1;
		for (uintptr_t off = 0; off < (uintptr_t)32 * sc.size + 17; off++)
			agree &= slub_on_boundary_(&sc, off) == (off % sc.size == 0);
		agree &= slub_on_boundary_(&sc, (uintptr_t)4 << 20) == (((uintptr_t)4 << 20) % sc.size == 0);
	}
	CHECK(agree);

	struct kmm *k = make_(false, "");
	REQUIRE(k != NULL);
	struct kmm_cache *s = kmm_cache_create(k, "interior", 200, 8, KMM_SLAB_NO_MERGE, NULL);
	REQUIRE(s != NULL);
	void *p[40];
	for (unsigned i = 0; i < 40; i++)
		p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	/* p[0]'s slab is no longer active: 40 objects fill more than one */
	struct kmm_cache_info before = info_of_(k, s);
	log_clear_();
	kmm_cache_free(k, s, (char *)p[0] + 8);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB), 1);
	CHECK(logged_("Invalid object pointer"));
	CHECK_EQ(info_of_(k, s).active_objs, before.active_objs);
	/* a naive double free on that path: reported, the second dropped */
	kmm_cache_free(k, s, p[0]);
	kmm_cache_free(k, s, p[0]);
	CHECK(logged_("double free detected"));
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB), 2);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	for (unsigned i = 1; i < 40; i++)
		kmm_cache_free(k, s, p[i]);
	CHECK_EQ(kmm_cache_destroy(k, s), 0);
	kmm_destroy(k);
}

/* kmem_cache_free's hint test stands for the arena test, and a CPU
 * without an active slab has lo = span = 0, which NULL passes: NULL must
 * still be a no-op there (a fresh cache, and one whose slabs a shrink
 * took), not an object pushed onto the CPU freelist. */
TEST(free_null_without_active_slab)
{
	struct kmm *k = make_(false, "");
	REQUIRE(k != NULL);
	struct kmm_cache *s = kmm_cache_create(k, "nullfree", 64, 8, KMM_SLAB_NO_MERGE, NULL);
	REQUIRE(s != NULL);
	REQUIRE(s->flags & SLAB_SLUB_LOCAL_);
	struct kmem_cache_cpu *c = s->backend_cpu;
	CHECK(c->slab == NULL && c->lo == 0 && c->span == 0);
	log_clear_();
	kmm_cache_free(k, s, NULL);
	CHECK(c->freelist == NULL);
	CHECK_EQ(log_len_, 0);
	void *a = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	void *b = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	CHECK(a != NULL && b != NULL && a != b);
	kmm_cache_free(k, s, a);
	kmm_cache_free(k, s, b);
	CHECK_EQ(kmm_cache_shrink(k, s), 0);
	CHECK(c->slab == NULL);
	kmm_cache_free(k, s, NULL);
	CHECK(c->freelist == NULL);
	CHECK_EQ(info_of_(k, s).active_objs, 0);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	CHECK_EQ(log_len_, 0);
	CHECK_EQ(kmm_cache_destroy(k, s), 0);
	kmm_destroy(k);
}

/* The simulated clock counts calls on debug caches only. */
TEST(jiffies_debug_only)
{
	struct kmm *k = make_(false, "U,tracked");
	REQUIRE(k != NULL);
	struct kmm_cache *t = kmm_cache_create(k, "tracked", 64, 8, 0, NULL);
	struct kmm_cache *plain = kmm_cache_create(k, "plain", 64, 8, KMM_SLAB_NO_MERGE, NULL);
	REQUIRE(t && plain);
	REQUIRE(k->slab != NULL);
	uint64_t j0 = k->slab->jiffies;
	for (int i = 0; i < 10; i++) {
		kmm_kfree(k, kmm_kmalloc(k, 100, KMM_GFP_KERNEL));
		kmm_cache_free(k, plain, kmm_cache_alloc(k, plain, KMM_GFP_KERNEL));
		kmm_kfree(k, kmm_kzalloc(k, 300, KMM_GFP_KERNEL));
		kmm_kfree(k, kmm_kmalloc(k, 20000, KMM_GFP_KERNEL));
	}
	CHECK_EQ(k->slab->jiffies, j0);
	void *x = kmm_cache_alloc(k, t, KMM_GFP_KERNEL);
	kmm_cache_free(k, t, x);
	CHECK_EQ(k->slab->jiffies, j0 + 2);
	CHECK_EQ(kmm_cache_destroy(k, t), 0);
	CHECK_EQ(kmm_cache_destroy(k, plain), 0);
	kmm_destroy(k);
}

int main(void)
{
	RUN(fast_entries_chosen);
	RUN(fast_matches_general);
	RUN(kmalloc_cpu_tables);
	RUN(shuffled_link_matches_general);
	RUN(boundary_test);
	RUN(free_null_without_active_slab);
	RUN(jiffies_debug_only);
	return test_summary();
}
