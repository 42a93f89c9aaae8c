// SPDX-License-Identifier: MIT
/*
 * The SLOB backend (allocators/slab/slob.c): first fit in address order,
 * coalescing, the kmalloc size header, the three partial lists, pages going
 * back, alignment, page-sized kmallocs, the next-fit list rotation, zones,
 * TYPESAFE_BY_RCU, the check walk against broken tilings, misuse reported
 * and survived, and the debug support SLOB carries (Z, P, F).
 */
#include <pthread.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/slab/slab_internal.h"
#include "../allocators/slab/slob_internal.h"
#include "test.h"
#include "test_system.h"

static unsigned slab_reports, check_reports;
static char last_report[4096];

static void sink(void *ctx, enum kmm_report_kind kind, const char *text)
{
	(void)ctx;
	if (kind == KMM_REPORT_SLAB) {
		slab_reports++;
		snprintf(last_report, sizeof(last_report), "%s", text);
	} else if (kind == KMM_REPORT_CHECK) {
		check_reports++;
	}
	if (getenv("SLOB_TEST_VERBOSE"))
		fputs(text, stderr);
}

/* A NORMAL-only SLOB system of 4096 pages; slab_debug as given. */
static struct kmm *mk(const char *debug)
{
	struct kmm_config c;
	normal_only_config(&c, 4096);
	c.slab_backend = KMM_SLAB_BACKEND_SLOB;
	snprintf(c.slab_debug, sizeof(c.slab_debug), "%s", debug ? debug : "");
	c.sink.emit = sink;
	slab_reports = check_reports = 0;
	last_report[0] = '\0';
	return kmm_create(&c);
}

static struct kmm_page *head_of(struct kmm *k, const void *p)
{
	return slab_virt_to_head_(k, p);
}
static uint64_t free_pages(struct kmm *k)
{
	return node0_zone_info(k, KMM_ZONE_NORMAL).free_pages + node0_zone_info(k, KMM_ZONE_NORMAL).pcp_pages;
}
static size_t page_off(const void *p) { return (uintptr_t)p & (KMM_PAGE_SIZE - 1); }

/* ---- the heap ------------------------------------------------------------ */

TEST(backend_is_slob)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	void *p = kmm_kmalloc(k, 10, KMM_GFP_KERNEL);
	REQUIRE(p);
	CHECK(!strcmp(kmm_slab_backend_name(k), "slob"));
	CHECK(kmm_kmalloc_cache(k, 64, KMM_GFP_KERNEL) == NULL); /* no size classes */
	struct kmm_page *pg = head_of(k, p);
	CHECK((pg->flags & PG_slab) && pg->slab.cache == NULL);
	CHECK_EQ(pg->slab.objects, KMM_PAGE_SIZE / 2);
	kmm_kfree(k, p);
	kmm_destroy(k);
}

TEST(first_fit_takes_lowest_fitting_block)
{
	struct kmm *k = mk(NULL);
	char *a[6];
	REQUIRE(k);
	for (int i = 0; i < 6; i++)
		REQUIRE((a[i] = kmm_kmalloc(k, 40, KMM_GFP_KERNEL)));
	/* One page, consecutive 48-byte blocks (8 header + 40). */
	for (int i = 1; i < 6; i++)
		CHECK_EQ(a[i] - a[i - 1], 48);
	kmm_kfree(k, a[1]);
	kmm_kfree(k, a[3]);
	/* Holes at a[1] and a[3], and the page's tail: the lowest wins. */
	char *x = kmm_kmalloc(k, 40, KMM_GFP_KERNEL);
	CHECK(x == a[1]);
	char *y = kmm_kmalloc(k, 24, KMM_GFP_KERNEL); /* fits a[3]'s hole too */
	CHECK(y == a[3]);
	/* Too big for any hole: the tail after a[5]. */
	char *z = kmm_kmalloc(k, 100, KMM_GFP_KERNEL);
	CHECK(z == a[5] + 48);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_kfree(k, x), kmm_kfree(k, y), kmm_kfree(k, z);
	for (int i = 0; i < 6; i++)
		if (i != 1 && i != 3)
			kmm_kfree(k, a[i]);
	kmm_slab_shrink_all(k); /* the spare page back */
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

TEST(frees_coalesce)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	char *a = kmm_kmalloc(k, 40, KMM_GFP_KERNEL), *b = kmm_kmalloc(k, 40, KMM_GFP_KERNEL);
	char *c = kmm_kmalloc(k, 40, KMM_GFP_KERNEL), *guard = kmm_kmalloc(k, 40, KMM_GFP_KERNEL);
	REQUIRE(a && b && c && guard);
	struct kmm_page *pg = head_of(k, a);
	unsigned free0 = pg->slab.extra;
	kmm_kfree(k, b); /* middle first, then the neighbours */
	kmm_kfree(k, a);
	kmm_kfree(k, c);
	CHECK_EQ(pg->slab.extra, free0 + 3 * 24);
	/* One free block where a, b and c were: the list starts there and
	 * its header says 72 units. */
	CHECK(pg->slab.freelist == a - 8);
	int16_t units;
	memcpy(&units, a - 8, sizeof(units));
	CHECK_EQ(units, 72);
	/* So a request of all three blocks' bytes fits right there. */
	char *big = kmm_kmalloc(k, 3 * 48 - 8, KMM_GFP_KERNEL);
	CHECK(big == a);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_kfree(k, big);
	kmm_kfree(k, guard);
	kmm_destroy(k);
}

TEST(size_header_and_ksize)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	char *p = kmm_kmalloc(k, 13, KMM_GFP_KERNEL);
	REQUIRE(p);
	uint32_t hdr;
	memcpy(&hdr, p - 8, sizeof(hdr));
	CHECK_EQ(hdr, 13);
	CHECK_EQ(kmm_ksize(k, p), 14); /* rounded to 2-byte units */
	char *q = kmm_kmalloc(k, 7, KMM_GFP_KERNEL);
	CHECK_EQ(kmm_ksize(k, q), 8);
	char *r = kmm_kmalloc(k, 1000, KMM_GFP_KERNEL);
	CHECK_EQ(kmm_ksize(k, r), 1000);
	memset(p, 0x11, 14), memset(q, 0x22, 8), memset(r, 0x33, 1000);
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK(kmm_kmalloc(k, 0, KMM_GFP_KERNEL) == KMM_ZERO_SIZE_PTR);
	char *zp = kmm_kzalloc(k, 300, KMM_GFP_KERNEL);
	REQUIRE(zp);
	size_t nz = 0;
	for (int i = 0; i < 300; i++)
		nz += zp[i] != 0;
	CHECK_EQ(nz, 0);
	kmm_kfree(k, p), kmm_kfree(k, q), kmm_kfree(k, r), kmm_kfree(k, zp);
	CHECK_EQ(slab_reports, 0);
	kmm_destroy(k);
}

TEST(three_lists_by_size)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	char *s = kmm_kmalloc(k, 100, KMM_GFP_KERNEL);  /* 108 bytes: small */
	char *m = kmm_kmalloc(k, 500, KMM_GFP_KERNEL);  /* 508: medium */
	char *l = kmm_kmalloc(k, 2000, KMM_GFP_KERNEL); /* 2008: large */
	REQUIRE(s && m && l);
	struct kmm_page *ps = head_of(k, s), *pm = head_of(k, m), *pl = head_of(k, l);
	/* Each list was empty: each request started a page of its own. */
	CHECK(ps != pm && pm != pl && ps != pl);
	CHECK_EQ(ps->slab.list, 1);
	CHECK_EQ(pm->slab.list, 2);
	CHECK_EQ(pl->slab.list, 3);
	CHECK_EQ(kmm_slab_pages(k), 3);
	/* A second small request goes to the small page. */
	char *s2 = kmm_kmalloc(k, 200, KMM_GFP_KERNEL);
	CHECK(head_of(k, s2) == ps);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_kfree(k, s), kmm_kfree(k, s2), kmm_kfree(k, m), kmm_kfree(k, l);
	kmm_destroy(k);
}

TEST(free_page_goes_back_to_the_page_allocator)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	void *first = kmm_kmalloc(k, 16, KMM_GFP_KERNEL); /* the slab system exists now */
	kmm_kfree(k, first);
	CHECK_EQ(kmm_slab_pages(k), 1); /* kept as the spare */
	kmm_slab_shrink_all(k);
	CHECK_EQ(kmm_slab_pages(k), 0);
	uint64_t free0 = free_pages(k);
	void *p[100];
	for (int i = 0; i < 100; i++)
		REQUIRE((p[i] = kmm_kmalloc(k, 300, KMM_GFP_KERNEL)));
	uint64_t held = kmm_slab_pages(k);
	CHECK(held >= 8);
	CHECK_EQ(free_pages(k), free0 - held);
	for (int i = 0; i < 100; i += 2)
		kmm_kfree(k, p[i]);
	CHECK_EQ(kmm_slab_check(k), 0);
	for (int i = 1; i < 100; i += 2)
		kmm_kfree(k, p[i]);
	/* Every page went back but one, kept as the spare until a shrink. */
	CHECK_EQ(kmm_slab_pages(k), 1);
	CHECK_EQ(free_pages(k), free0 - 1);
	kmm_slab_shrink_all(k);
	CHECK_EQ(kmm_slab_pages(k), 0);
	CHECK_EQ(free_pages(k), free0);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(alignment_honoured)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	void *pad = kmm_kmalloc(k, 10, KMM_GFP_KERNEL); /* knock the heap off alignment */
	for (size_t sz = 16; sz <= 2048; sz *= 2) {
		char *p = kmm_kmalloc(k, sz, KMM_GFP_KERNEL);
		REQUIRE(p);
		CHECK_EQ((uintptr_t)p % sz, 0); /* power of two: natural alignment */
		kmm_kfree(k, p);
	}
	for (size_t sz = 1; sz < 300; sz += 37) {
		char *p = kmm_kmalloc(k, sz, KMM_GFP_KERNEL);
		CHECK_EQ((uintptr_t)p % 8, 0);
		kmm_kfree(k, p);
	}
	struct kmm_cache *c = kmm_cache_create(k, "aligned256", 40, 256, 0, NULL);
	struct kmm_cache *hw = kmm_cache_create(k, "hwalign", 100, 0, KMM_SLAB_HWCACHE_ALIGN, NULL);
	REQUIRE(c && hw);
	void *o[8];
	for (int i = 0; i < 8; i++) {
		o[i] = kmm_cache_alloc(k, c, KMM_GFP_KERNEL);
		REQUIRE(o[i]);
		CHECK_EQ((uintptr_t)o[i] % 256, 0);
		void *h = kmm_cache_alloc(k, hw, KMM_GFP_KERNEL);
		CHECK_EQ((uintptr_t)h % 64, 0);
		kmm_cache_free(k, hw, h);
	}
	CHECK_EQ(kmm_slab_check(k), 0);
	for (int i = 0; i < 8; i++)
		kmm_cache_free(k, c, o[i]);
	kmm_kfree(k, pad);
	CHECK_EQ(kmm_cache_destroy(k, c), 0);
	CHECK_EQ(kmm_cache_destroy(k, hw), 0);
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

TEST(page_sized_kmalloc_goes_to_pages)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	char *p = kmm_kmalloc(k, KMM_PAGE_SIZE, KMM_GFP_KERNEL);
	REQUIRE(p);
	struct kmm_page *pg = head_of(k, p);
	CHECK(pg->flags & PG_large_kmalloc);
	CHECK(!(pg->flags & PG_slab));
	CHECK_EQ(page_off(p), 0);
	CHECK_EQ(kmm_ksize(k, p), KMM_PAGE_SIZE);
	/* The kernel's bound: size < PAGE_SIZE - 8 still fits the heap. */
	char *in = kmm_kmalloc(k, KMM_PAGE_SIZE - 9, KMM_GFP_KERNEL);
	char *out = kmm_kmalloc(k, KMM_PAGE_SIZE - 8, KMM_GFP_KERNEL);
	char *two = kmm_kmalloc(k, 6000, KMM_GFP_KERNEL);
	REQUIRE(in && out && two);
	CHECK(head_of(k, in)->flags & PG_slab);
	CHECK(head_of(k, out)->flags & PG_large_kmalloc);
	CHECK(head_of(k, two)->flags & PG_large_kmalloc);
	CHECK_EQ(kmm_ksize(k, two), 2 * KMM_PAGE_SIZE);
	CHECK_EQ(kmm_slab_pages(k), 1 + 1 + 1 + 2);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_kfree(k, p), kmm_kfree(k, in), kmm_kfree(k, out), kmm_kfree(k, two);
	kmm_slab_shrink_all(k); /* the spare page back */
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

TEST(next_fit_rotation)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	/* 56 + 8 = 64 bytes = 32 units: two full pages of 64 blocks each. */
	char *a[64], *b[64];
	for (int i = 0; i < 64; i++)
		REQUIRE((a[i] = kmm_kmalloc(k, 56, KMM_GFP_KERNEL)));
	for (int i = 0; i < 64; i++)
		REQUIRE((b[i] = kmm_kmalloc(k, 56, KMM_GFP_KERNEL)));
	CHECK(head_of(k, a[0]) == head_of(k, a[63]) && head_of(k, b[0]) != head_of(k, a[0]));
	CHECK_EQ(head_of(k, a[0])->slab.list, 0); /* full: on no list */
	kmm_kfree(k, a[10]), kmm_kfree(k, a[11]), kmm_kfree(k, a[12]); /* a 96-unit hole: page A listed */
	kmm_kfree(k, b[10]);                                            /* B joins at the head: B, A */
	/* 128 bytes do not fit B's 32 units: A serves, and the search
	 * starts at A next time. */
	char *x = kmm_kmalloc(k, 120, KMM_GFP_KERNEL);
	CHECK(x == a[10]);
	char *y = kmm_kmalloc(k, 56, KMM_GFP_KERNEL);
	CHECK(y == a[12]); /* not b[10], which the list had first before */
	char *z = kmm_kmalloc(k, 56, KMM_GFP_KERNEL);
	CHECK(z == b[10]); /* A is full again: B */
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_kfree(k, x), kmm_kfree(k, y), kmm_kfree(k, z);
	for (int i = 0; i < 64; i++) {
		if (i < 10 || i > 12)
			kmm_kfree(k, a[i]);
		if (i != 10)
			kmm_kfree(k, b[i]);
	}
	kmm_slab_shrink_all(k); /* the spare page back */
	CHECK_EQ(kmm_slab_pages(k), 0);
	CHECK_EQ(slab_reports, 0);
	kmm_destroy(k);
}

TEST(zones_respected)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 8192); /* DMA, DMA32 and NORMAL */
	c.slab_backend = KMM_SLAB_BACKEND_SLOB;
	c.sink.emit = sink;
	slab_reports = check_reports = 0;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	char *n = kmm_kmalloc(k, 64, KMM_GFP_KERNEL); /* a partial NORMAL page */
	REQUIRE(n);
	CHECK_EQ(kmm_page_zonenum(k, kmm_virt_to_page(k, n)), KMM_ZONE_NORMAL);
	char *d = kmm_kmalloc(k, 64, KMM_GFP_DMA);
	REQUIRE(d);
	CHECK_EQ(kmm_page_zonenum(k, kmm_virt_to_page(k, d)), KMM_ZONE_DMA);
	struct kmm_cache *dc = kmm_cache_create(k, "dmacache", 100, 0, KMM_SLAB_CACHE_DMA, NULL);
	REQUIRE(dc);
	void *o = kmm_cache_alloc(k, dc, KMM_GFP_KERNEL);
	REQUIRE(o);
	CHECK_EQ(kmm_page_zonenum(k, kmm_virt_to_page(k, o)), KMM_ZONE_DMA);
	/* A NORMAL request may use the DMA page's room (lower zones are allowed). */
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_cache_free(k, dc, o);
	kmm_kfree(k, n), kmm_kfree(k, d);
	CHECK_EQ(kmm_cache_destroy(k, dc), 0);
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

/* ---- caches ---------------------------------------------------------------- */

static unsigned ctor_calls;
static void ctor(void *obj)
{
	ctor_calls++;
	memset(obj, 0xc7, 24);
}

TEST(cache_ctor_on_every_allocation)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	ctor_calls = 0;
	struct kmm_cache *c = kmm_cache_create(k, "withctor", 24, 0, 0, ctor);
	REQUIRE(c);
	unsigned char *o = kmm_cache_alloc(k, c, KMM_GFP_KERNEL);
	REQUIRE(o);
	CHECK_EQ(ctor_calls, 1);
	CHECK_EQ(o[0], 0xc7);
	memset(o, 0, 24);
	kmm_cache_free(k, c, o);
	unsigned char *o2 = kmm_cache_alloc(k, c, KMM_GFP_KERNEL);
	CHECK(o2 == o);            /* the same block again ... */
	CHECK_EQ(ctor_calls, 2);   /* ... constructed again: SLOB has no slabs */
	CHECK_EQ(o2[23], 0xc7);
	struct kmm_cache_info ci;
	CHECK_EQ(kmm_cache_info(k, c, &ci), 0);
	CHECK_EQ(ci.active_objs, 1);
	CHECK_EQ(ci.objs_per_slab, KMM_PAGE_SIZE / ci.size); /* the slot: 24 bytes + a free pointer word */
	CHECK_EQ(ci.size, 32);
	CHECK_EQ(ci.num_slabs, 1);
	kmm_cache_free(k, c, o2);
	CHECK_EQ(kmm_cache_destroy(k, c), 0);
	kmm_destroy(k);
}

TEST(cache_destroy_with_live_objects)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	struct kmm_cache *c = kmm_cache_create(k, "busy", 64, 0, 0, NULL);
	REQUIRE(c);
	void *o = kmm_cache_alloc(k, c, KMM_GFP_KERNEL);
	REQUIRE(o);
	unsigned before = slab_reports;
	CHECK_EQ(kmm_cache_destroy(k, c), -16 /* -EBUSY */);
	CHECK_EQ(slab_reports, before + 1);
	kmm_cache_free(k, c, o);
	CHECK_EQ(kmm_cache_destroy(k, c), 0);
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

TEST(typesafe_by_rcu_waits_for_a_grace_period)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	struct kmm_cache *c = kmm_cache_create(k, "rcu", 200, 0, KMM_SLAB_TYPESAFE_BY_RCU, NULL);
	REQUIRE(c);
	char *o = kmm_cache_alloc(k, c, KMM_GFP_KERNEL);
	REQUIRE(o);
	memset(o, 0x5c, 200);
	kmm_cache_free(k, c, o);
	/* Still this type's memory: untouched, not handed out again. */
	CHECK_EQ(o[0], 0x5c);
	CHECK_EQ(o[199], 0x5c);
	char *o2 = kmm_cache_alloc(k, c, KMM_GFP_KERNEL);
	CHECK(o2 != o);
	CHECK_EQ(kmm_slab_check(k), 0);
	/* A double free of the waiting object is still a double free. */
	unsigned before = slab_reports;
	kmm_cache_free(k, c, o);
	CHECK_EQ(slab_reports, before + 1);
	kmm_cache_free(k, c, o2);
	CHECK_EQ(kmm_slab_pages(k), 1);
	kmm_rcu_barrier(k);
	CHECK_EQ(kmm_slab_pages(k), 0);
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK_EQ(kmm_cache_destroy(k, c), 0);
	kmm_destroy(k);
}

TEST(big_cache_objects_get_pages_of_their_own)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	struct kmm_cache *c = kmm_cache_create(k, "big", 6000, 0, 0, NULL);
	REQUIRE(c);
	void *o = kmm_cache_alloc(k, c, KMM_GFP_KERNEL);
	REQUIRE(o);
	struct kmm_page *pg = head_of(k, o);
	CHECK((pg->flags & PG_slab) && pg->slab.cache == c);
	CHECK_EQ(page_off(o), 0);
	CHECK_EQ(kmm_slab_pages(k), 2);
	CHECK_EQ(kmm_cache_check(k, c), 0);
	unsigned before = slab_reports;
	kmm_cache_free(k, c, (char *)o + 8); /* interior */
	CHECK_EQ(slab_reports, before + 1);
	kmm_cache_free(k, c, o);
	CHECK_EQ(kmm_slab_pages(k), 0);
	CHECK_EQ(kmm_cache_destroy(k, c), 0);
	kmm_destroy(k);
}

/* ---- the check walk ----------------------------------------------------------- */

TEST(check_finds_a_broken_tiling)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	char *a = kmm_kmalloc(k, 40, KMM_GFP_KERNEL), *b = kmm_kmalloc(k, 40, KMM_GFP_KERNEL);
	char *c = kmm_kmalloc(k, 40, KMM_GFP_KERNEL);
	REQUIRE(a && b && c);
	kmm_kfree(k, b);
	CHECK_EQ(kmm_slab_check(k), 0);
	/* b's free block claims to run over c: the blocks no longer tile. */
	int16_t units, saved;
	memcpy(&saved, b - 8, sizeof(saved));
	units = (int16_t)(saved + 24);
	memcpy(b - 8, &units, sizeof(units));
	check_reports = 0;
	CHECK(kmm_slab_check(k) > 0);
	CHECK(check_reports > 0);
	/* validate repairs it from the block map ... */
	CHECK_EQ(kmm_cache_validate(k, NULL), 2);
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK_EQ(kmm_cache_validate(k, NULL), 0);
	/* ... and so does the next allocation's first-fit walk. */
	memcpy(b - 8, &units, sizeof(units));
	char *again = kmm_kmalloc(k, 40, KMM_GFP_KERNEL);
	CHECK(again == b);
	CHECK_EQ(kmm_slab_check(k), 0);
	/* The struct page's counters are checked too. */
	struct kmm_page *pg = head_of(k, a);
	pg->slab.extra++;
	CHECK(kmm_slab_check(k) > 0);
	pg->slab.extra--;
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_kfree(k, a), kmm_kfree(k, again), kmm_kfree(k, c);
	kmm_slab_shrink_all(k); /* the spare page back */
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

/* A random mix of every size, with contents checked and the whole heap
 * checked after every step. */
TEST(random_mix_stays_sound)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	struct kmm_cache *c1 = kmm_cache_create(k, "mix24", 24, 0, 0, NULL);
	struct kmm_cache *c2 = kmm_cache_create(k, "mix300", 300, 64, 0, NULL);
	REQUIRE(c1 && c2);
	enum { N = 160 };
	struct { char *p; size_t n; int kind; } live[N];
	memset(live, 0, sizeof(live));
	uint64_t rng = 42;
	long bad = 0;
	for (int step = 0; step < 3000; step++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		unsigned i = (unsigned)(rng >> 33) % N, r = (unsigned)(rng >> 20);
		if (live[i].p) {
			for (size_t j = 0; j < live[i].n; j++)
				if ((unsigned char)live[i].p[j] != (unsigned char)(i + j))
					bad++;
			if (live[i].kind == 0)
				kmm_kfree(k, live[i].p);
			else
				kmm_cache_free(k, live[i].kind == 1 ? c1 : c2, live[i].p);
			live[i].p = NULL;
		} else {
			int kind = r % 4 == 0 ? 1 : r % 4 == 1 ? 2 : 0;
			size_t n = kind == 1 ? 24 : kind == 2 ? 300 : 1 + (r >> 4) % 3000;
			char *p = kind == 0 ? kmm_kmalloc(k, n, KMM_GFP_KERNEL)
					    : kmm_cache_alloc(k, kind == 1 ? c1 : c2, KMM_GFP_KERNEL);
			REQUIRE(p);
			if (kind == 2)
				CHECK_EQ((uintptr_t)p % 64, 0);
			for (size_t j = 0; j < n; j++)
				p[j] = (char)(i + j);
			live[i].p = p, live[i].n = n, live[i].kind = kind;
		}
		if (step % 50 == 0)
			bad += kmm_slab_check(k);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(kmm_slab_check(k), 0);
	for (unsigned i = 0; i < N; i++)
		if (live[i].p) {
			if (live[i].kind == 0)
				kmm_kfree(k, live[i].p);
			else
				kmm_cache_free(k, live[i].kind == 1 ? c1 : c2, live[i].p);
		}
	kmm_slab_shrink_all(k); /* the spare page back */
	CHECK_EQ(kmm_slab_pages(k), 0);
	CHECK_EQ(slab_reports, 0);
	CHECK_EQ(kmm_cache_destroy(k, c1), 0);
	CHECK_EQ(kmm_cache_destroy(k, c2), 0);
	kmm_destroy(k);
}

/* ---- the fit index (slob_fit.c) ------------------------------------------------ */

/*
 * Where the kernel's walk would put kmalloc(size): the first page in list
 * order (from the head) with a block that fits once aligned, and in it the
 * lowest such block, read from the lists and the in-band free lists alone.
 * NULL: no page fits (a new page).
 */
static char *kernel_walk_kmalloc(struct kmm *k, size_t size)
{
	struct slob_system *sb = slob_sys_(k);
	size_t bytes = SLOB_HDR + size;
	unsigned align = SLOB_MINALIGN, units = SLOB_UNITS(bytes);
	struct list_head *head = &sb->lists[slob_list_id_(bytes)], *pos;
	if (!(size & (size - 1)) && size > align)
		align = (unsigned)size;
	list_for_each(pos, head) {
		struct kmm_page *sp = list_entry(pos, struct kmm_page, lru);
		const char *base = slob_base_(k, sp);
		unsigned cur = slob_freelist_unit_(k, sp), avail, next;
		if (sp->slab.extra < units)
			continue;
		while (cur != SLOB_NONE && slob_decode_(base, cur, &avail, &next)) {
			size_t at = (size_t)cur * SLOB_UNIT + SLOB_HDR;
			unsigned delta = (unsigned)((((at + align - 1) & ~((size_t)align - 1)) - at) / SLOB_UNIT);
			if (avail >= units + delta)
				return (char *)base + (size_t)(cur + delta) * SLOB_UNIT + SLOB_HDR;
			cur = next == SLOB_PAGE_UNITS ? SLOB_NONE : next;
		}
	}
	return NULL;
}

/* Hundreds of partial pages, fragmented by random frees: every kmalloc
 * lands where the kernel's page-by-page walk would, power-of-two sizes
 * (aligned to themselves) included, and the index stays sound. */
TEST(fit_index_keeps_the_kernels_first_fit)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	enum { N = 1500 };
	char *live[N];
	memset(live, 0, sizeof(live));
	kmm_kfree(k, kmm_kmalloc(k, 8, KMM_GFP_KERNEL)); /* the slab system exists from the first use */
	uint64_t rng = 7;
	unsigned mismatches = 0, fresh = 0, reused = 0;
	long bad = 0;
	for (int step = 0; step < 12000; step++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		unsigned i = (unsigned)(rng >> 33) % N, r = (unsigned)(rng >> 13);
		if (live[i]) {
			kmm_kfree(k, live[i]);
			live[i] = NULL;
			continue;
		}
		/* Powers of two, a few sizes that refill each other's holes
		 * exactly, and anything. */
		static const size_t few[] = { 40, 56, 100, 120, 240, 248, 500, 1000 };
		size_t n = r % 4 == 0 ? (size_t)8 << (r >> 2) % 8 : r % 4 == 1 ? few[(r >> 2) % 8] : 8 + (r >> 2) % 1017;
		char *want = kernel_walk_kmalloc(k, n);
		uint64_t pages = slob_sys_(k)->nr_pages;
		struct kmm_page *spare = slob_sys_(k)->spare;
		live[i] = kmm_kmalloc(k, n, KMM_GFP_KERNEL);
		REQUIRE(live[i]);
		/* No page fits: a new one (or the spare, which stands for
		 * it), else exactly the walk's block. */
		if (want ? live[i] != want
			 : !(slob_sys_(k)->nr_pages == pages + 1 ||
			     (spare && head_of(k, live[i]) == spare && slob_sys_(k)->nr_pages == pages)))
			mismatches++;
		want ? reused++ : fresh++;
		if (step % 1000 == 0)
			bad += kmm_slab_check(k);
	}
	CHECK_EQ(mismatches, 0);
	CHECK(reused > 1000 && fresh > 100); /* both paths taken, many times */
	CHECK(kmm_slab_pages(k) > 100);
	CHECK_EQ(bad, 0);
	CHECK_EQ(kmm_slab_check(k), 0);
	for (unsigned i = 0; i < N; i++)
		kmm_kfree(k, live[i]);
	kmm_slab_shrink_all(k); /* the spare page back */
	CHECK_EQ(kmm_slab_pages(k), 0);
	CHECK_EQ(slab_reports, 0);
	kmm_destroy(k);
}

/* The check walk proves the index: a bound below a page's largest free
 * block, a wrong subtree maximum and a broken link are each found. */
TEST(check_finds_a_broken_fit_index)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	char *p[12];
	for (int i = 0; i < 12; i++) /* 1008 bytes each: 3 pages, partial */
		REQUIRE((p[i] = kmm_kmalloc(k, 1000, KMM_GFP_KERNEL)));
	for (int i = 0; i < 12; i += 4)
		kmm_kfree(k, p[i]);
	CHECK_EQ(kmm_slab_check(k), 0);
	struct slob_system *sb = slob_sys_(k);
	struct slob_map *m = slob_map_of_(k, sb, head_of(k, p[1]));
	struct slob_node *root = sb->fit[SLOB_LIST_MEDIUM_];
	REQUIRE(m && root && m->page->slab.list == SLOB_LIST_MEDIUM_);

	uint16_t room = m->node->fit_room;
	m->node->fit_room = 1; /* the page would be skipped though it fits */
	check_reports = 0;
	CHECK(kmm_slab_check(k) > 0);
	CHECK(check_reports > 0);
	m->node->fit_room = room;
	CHECK_EQ(kmm_slab_check(k), 0);

	uint16_t max = root->fit_max;
	root->fit_max = (uint16_t)(max - 1);
	CHECK(kmm_slab_check(k) > 0);
	root->fit_max = max;
	CHECK_EQ(kmm_slab_check(k), 0);

	struct slob_node *child = root->fit_left ? root->fit_left : root->fit_right;
	REQUIRE(child);
	child->fit_parent = NULL;
	CHECK(kmm_slab_check(k) > 0);
	child->fit_parent = root;
	CHECK_EQ(kmm_slab_check(k), 0);

	for (int i = 0; i < 12; i++)
		if (i % 4)
			kmm_kfree(k, p[i]);
	kmm_slab_shrink_all(k); /* the spare page back */
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

/* ---- the spare page --------------------------------------------------------- */

/* A page that becomes wholly free is kept as the heap's one spare (the
 * next page the heap needs) instead of going back at once; a second one
 * goes back; shrinking, destroying a cache, and an allocation the page
 * allocator must serve itself give the spare back. */
TEST(spare_page_kept_reused_and_given_back)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	void *first = kmm_kmalloc(k, 16, KMM_GFP_KERNEL); /* the slab system exists now */
	REQUIRE(first);
	struct kmm_page *pg = head_of(k, first);
	kmm_kfree(k, first);
	struct slob_system *sb = slob_sys_(k);
	CHECK(sb->spare == pg);
	CHECK_EQ(kmm_slab_pages(k), 1);
	CHECK_EQ(pg->slab.list, 0);
	CHECK_EQ(pg->slab.extra, KMM_PAGE_SIZE / 2);
	CHECK_EQ(kmm_slab_check(k), 0);
	uint64_t free1 = free_pages(k);
	/* LIFO: the spare serves the next page the heap needs, as the page
	 * allocator would have, at the same offsets. */
	for (int i = 0; i < 3; i++) {
		char *q = kmm_kmalloc(k, 64, KMM_GFP_KERNEL);
		REQUIRE(q);
		CHECK(head_of(k, q) == pg);
		CHECK_EQ(page_off(q), 64); /* aligned to 64 after its header */
		CHECK(sb->spare == NULL);
		CHECK_EQ(kmm_ksize(k, q), 64);
		CHECK_EQ(kmm_slab_check(k), 0);
		kmm_kfree(k, q);
		CHECK(sb->spare == pg);
		CHECK_EQ(kmm_slab_check(k), 0);
	}
	CHECK_EQ(free_pages(k), free1);
	/* Two pages' worth, freed: one page stays, the other goes back. */
	void *p[40];
	for (int i = 0; i < 40; i++)
		REQUIRE((p[i] = kmm_kmalloc(k, 300, KMM_GFP_KERNEL)));
	CHECK(kmm_slab_pages(k) >= 3);
	for (int i = 0; i < 40; i++)
		kmm_kfree(k, p[i]);
	CHECK_EQ(kmm_slab_pages(k), 1);
	CHECK(sb->spare != NULL);
	CHECK_EQ(kmm_slab_check(k), 0);
	/* kmm_slab_shrink_all gives it back, even with no cache at all. */
	kmm_slab_shrink_all(k);
	CHECK(sb->spare == NULL);
	CHECK_EQ(kmm_slab_pages(k), 0);
	CHECK_EQ(free_pages(k), free1 + 1);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	/* A cache's shrink and destroy give it back too. */
	struct kmm_cache *c = kmm_cache_create(k, "spare", 48, 0, 0, NULL);
	REQUIRE(c);
	void *o = kmm_cache_alloc(k, c, KMM_GFP_KERNEL);
	REQUIRE(o);
	kmm_cache_free(k, c, o);
	CHECK_EQ(kmm_slab_pages(k), 1);
	kmm_cache_shrink(k, c);
	CHECK_EQ(kmm_slab_pages(k), 0);
	o = kmm_cache_alloc(k, c, KMM_GFP_KERNEL);
	REQUIRE(o);
	kmm_cache_free(k, c, o);
	CHECK_EQ(kmm_slab_pages(k), 1);
	CHECK_EQ(kmm_cache_destroy(k, c), 0);
	CHECK_EQ(kmm_slab_pages(k), 0);
	/* A large kmalloc: the spare goes back before the page allocator
	 * is asked, so it sees all the memory it would without SLOB's. */
	void *s = kmm_kmalloc(k, 16, KMM_GFP_KERNEL);
	kmm_kfree(k, s);
	CHECK_EQ(kmm_slab_pages(k), 1);
	void *big = kmm_kmalloc(k, KMM_PAGE_SIZE - 4, KMM_GFP_KERNEL); /* SLOB's, to the page allocator */
	REQUIRE(big);
	CHECK(sb->spare == NULL);
	CHECK_EQ(kmm_slab_pages(k), 1);
	CHECK(head_of(k, big)->flags & PG_large_kmalloc);
	kmm_kfree(k, big);
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB), 0);
	kmm_destroy(k);
}

/* A spare the spare may not serve (a DMA request, a NORMAL spare) goes
 * back, and the request gets a page of its zone. */
TEST(spare_of_the_wrong_zone_goes_back)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 4096);
	c.slab_backend = KMM_SLAB_BACKEND_SLOB;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	void *n = kmm_kmalloc(k, 100, KMM_GFP_KERNEL);
	REQUIRE(n);
	struct kmm_page *pn = head_of(k, n);
	kmm_kfree(k, n);
	REQUIRE(slob_sys_(k)->spare == pn);
	if (pn->zone > KMM_ZONE_DMA) {
		void *d = kmm_kmalloc(k, 100, KMM_GFP_KERNEL | KMM___GFP_DMA);
		REQUIRE(d);
		CHECK_EQ(head_of(k, d)->zone, KMM_ZONE_DMA);
		CHECK(slob_sys_(k)->spare == NULL);
		CHECK_EQ(kmm_slab_pages(k), 1);
		kmm_kfree(k, d);
	}
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_slab_shrink_all(k);
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

/* The check walk proves the spare is one free block of the whole page,
 * off the lists: a broken header, counter or map is found; validate
 * repairs the header and the page stays the spare. */
TEST(check_finds_a_corrupted_spare)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	char *p = kmm_kmalloc(k, 64, KMM_GFP_KERNEL);
	REQUIRE(p);
	struct kmm_page *pg = head_of(k, p);
	char *base = p - page_off(p);
	kmm_kfree(k, p);
	struct slob_system *sb = slob_sys_(k);
	REQUIRE(sb->spare == pg);
	CHECK_EQ(kmm_slab_check(k), 0);
	/* A stray write over the header at the page start: two blocks now. */
	int16_t saved, bad = 100;
	memcpy(&saved, base, sizeof(saved));
	memcpy(base, &bad, sizeof(bad));
	check_reports = 0;
	CHECK(kmm_slab_check(k) > 0);
	CHECK(check_reports > 0);
	CHECK_EQ(kmm_cache_validate(k, NULL), 2);
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK(sb->spare == pg);
	CHECK_EQ(pg->slab.list, 0);
	/* The counters. */
	pg->slab.extra--;
	pg->slab.inuse++;
	CHECK(kmm_slab_check(k) > 0);
	pg->slab.extra++;
	pg->slab.inuse--;
	CHECK_EQ(kmm_slab_check(k), 0);
	/* The map: a second block start, the page no longer one block. */
	struct slob_map *m = slob_map_of_(k, sb, pg);
	REQUIRE(m);
	if (!m) /* (for the compiler) */
		return;
	uint64_t w = m->g[0].set[SLOB_MAP_START];
	m->g[0].set[SLOB_MAP_START] |= 1ull << 40;
	CHECK(kmm_slab_check(k) > 0);
	m->g[0].set[SLOB_MAP_START] = w;
	CHECK_EQ(kmm_slab_check(k), 0);
	/* On a list, the spare is no spare. */
	pg->slab.list = 1;
	CHECK(kmm_slab_check(k) > 0);
	pg->slab.list = 0;
	/* A spare that is not a heap page. */
	sb->spare = NULL;
	CHECK(kmm_slab_check(k) > 0); /* a wholly free page kept, not the spare */
	sb->spare = pg;
	CHECK_EQ(kmm_slab_check(k), 0);
	/* A double free into the spare is reported and survived. */
	unsigned before = slab_reports;
	kmm_kfree(k, p);
	CHECK_EQ(slab_reports, before + 1);
	CHECK(sb->spare == pg);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_slab_shrink_all(k);
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

/* With P, the spare's free space stays poisoned: a write after free into
 * it is found when the spare is carved again. */
TEST(write_after_free_into_the_spare_found)
{
	struct kmm *k = mk("FZP");
	REQUIRE(k);
	char *a = kmm_kmalloc(k, 100, KMM_GFP_KERNEL);
	REQUIRE(a);
	kmm_kfree(k, a);
	REQUIRE(slob_sys_(k)->spare == head_of(k, a));
	CHECK_EQ(kmm_cache_validate(k, NULL), 0);
	a[60] = 0x34; /* write after free */
	unsigned before = slab_reports;
	char *a2 = kmm_kmalloc(k, 100, KMM_GFP_KERNEL);
	CHECK(a2 == a);
	CHECK_EQ(slab_reports, before + 1);
	CHECK(strstr(last_report, "Poison overwritten") != NULL);
	kmm_kfree(k, a2);
	CHECK_EQ(kmm_cache_validate(k, NULL), 0);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_destroy(k);
}

/* ---- misuse ------------------------------------------------------------------ */

/* kmalloc's fast path remembers the block it carved from the spare until
 * anything else touches the heap; its kfree trusts that memo for the map
 * but still reads the header: an overwritten header is reported and
 * repaired as on the general path, and the check proves the memo. */
TEST(kmalloc_memo_checked_and_header_still_read)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	kmm_kfree(k, kmm_kmalloc(k, 64, KMM_GFP_KERNEL)); /* the spare exists */
	struct slob_system *sb = slob_sys_(k);
	REQUIRE(sb->spare != NULL);
	char *p = kmm_kmalloc(k, 64, KMM_GFP_KERNEL);
	REQUIRE(p);
	CHECK(sb->solo == p - SLOB_HDR);
	CHECK_EQ(kmm_slab_check(k), 0);
	/* A memo that lies is found. */
	sb->solo_units++;
	CHECK(kmm_slab_check(k) > 0);
	sb->solo_units--;
	CHECK_EQ(kmm_slab_check(k), 0);
	/* Another allocation touches the heap: the memo is gone. */
	char *q = kmm_kmalloc(k, 64, KMM_GFP_KERNEL);
	REQUIRE(q);
	CHECK(sb->solo == NULL);
	kmm_kfree(k, q);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_kfree(k, p);
	CHECK(sb->spare != NULL);
	/* The header overwritten under the memo: reported, repaired, freed. */
	p = kmm_kmalloc(k, 64, KMM_GFP_KERNEL);
	REQUIRE(p);
	REQUIRE(sb->solo == p - SLOB_HDR);
	uint32_t bad = 5000;
	memcpy(p - SLOB_HDR, &bad, sizeof(bad));
	unsigned before = slab_reports;
	kmm_kfree(k, p);
	CHECK_EQ(slab_reports, before + 1);
	CHECK(strstr(last_report, "kmalloc size header overwritten") != NULL);
	CHECK(sb->spare == head_of(k, p));
	CHECK_EQ(kmm_slab_check(k), 0);
	/* And a double free after the fast kfree. */
	before = slab_reports;
	kmm_kfree(k, p);
	CHECK_EQ(slab_reports, before + 1);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_slab_shrink_all(k);
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

TEST(double_and_interior_kfree_reported_and_survived)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	char *a = kmm_kmalloc(k, 100, KMM_GFP_KERNEL), *b = kmm_kmalloc(k, 100, KMM_GFP_KERNEL);
	REQUIRE(a && b);
	memset(b, 0x42, 100);
	kmm_kfree(k, a);
	unsigned before = slab_reports;
	kmm_kfree(k, a); /* double free */
	CHECK_EQ(slab_reports, before + 1);
	CHECK(strstr(last_report, "Object already free") != NULL);
	kmm_kfree(k, b + 16); /* interior */
	CHECK_EQ(slab_reports, before + 2);
	CHECK_EQ(kmm_ksize(k, b + 8), 0);
	CHECK_EQ(slab_reports, before + 3);
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK_EQ(b[99], 0x42); /* b untouched and still b's */
	CHECK_EQ(kmm_ksize(k, b), 100);
	char *c = kmm_kmalloc(k, 100, KMM_GFP_KERNEL);
	CHECK(c == a); /* a's block was freed once, and only once */
	kmm_kfree(k, b);
	kmm_kfree(k, c);
	kmm_slab_shrink_all(k); /* the spare page back */
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

TEST(cache_misuse_reported_and_survived)
{
	struct kmm *k = mk(NULL);
	REQUIRE(k);
	struct kmm_cache *c1 = kmm_cache_create(k, "one", 64, 0, 0, NULL);
	struct kmm_cache *c2 = kmm_cache_create(k, "two", 128, 0, 0, NULL);
	REQUIRE(c1 && c2);
	char *o = kmm_cache_alloc(k, c1, KMM_GFP_KERNEL), *m = kmm_kmalloc(k, 64, KMM_GFP_KERNEL);
	REQUIRE(o && m);
	unsigned before = slab_reports;
	kmm_cache_free(k, c2, o); /* wrong cache: another size */
	CHECK_EQ(slab_reports, before + 1);
	kmm_cache_free(k, c1, o + 8); /* interior */
	CHECK_EQ(slab_reports, before + 2);
	kmm_cache_free(k, c1, m); /* a kmalloc block */
	CHECK_EQ(slab_reports, before + 3);
	kmm_kfree(k, o); /* a cache object to kfree */
	CHECK_EQ(slab_reports, before + 4);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_cache_free(k, c1, o);
	kmm_cache_free(k, c1, o); /* double free: the kernel's report, no "invalid pointer" */
	CHECK_EQ(slab_reports, before + 5);
	CHECK(strstr(last_report, "Object already free") != NULL);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_kfree(k, m);
	CHECK_EQ(kmm_cache_destroy(k, c1), 0);
	CHECK_EQ(kmm_cache_destroy(k, c2), 0);
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

TEST(debug_wrong_cache_of_the_same_size)
{
	struct kmm *k = mk("F");
	REQUIRE(k);
	struct kmm_cache *c1 = kmm_cache_create(k, "same1", 64, 0, 0, NULL);
	struct kmm_cache *c2 = kmm_cache_create(k, "same2", 64, 0, 0, NULL);
	REQUIRE(c1 && c2 && c1 != c2);
	char *o = kmm_cache_alloc(k, c1, KMM_GFP_KERNEL);
	REQUIRE(o);
	unsigned before = slab_reports;
	kmm_cache_free(k, c2, o); /* the owner tag tells them apart */
	CHECK_EQ(slab_reports, before + 1);
	kmm_cache_free(k, c1, o);
	CHECK_EQ(slab_reports, before + 1);
	kmm_cache_free(k, c1, o);
	CHECK_EQ(slab_reports, before + 2);
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK_EQ(kmm_cache_destroy(k, c1), 0);
	CHECK_EQ(kmm_cache_destroy(k, c2), 0);
	kmm_destroy(k);
}

/* ---- debug: Z and P ---------------------------------------------------------- */

TEST(kmalloc_write_past_the_end)
{
	struct kmm *k = mk("FZP");
	REQUIRE(k);
	char *p = kmm_kmalloc(k, 50, KMM_GFP_KERNEL);
	REQUIRE(p);
	CHECK_EQ(kmm_ksize(k, p), 50); /* the bytes after the request are red zone */
	CHECK_EQ(kmm_cache_validate(k, NULL), 0);
	p[50] = 0x00;
	CHECK_EQ(kmm_cache_validate(k, NULL), 2); /* BUG + FIX */
	CHECK(strstr(last_report, "Right Redzone overwritten") != NULL);
	CHECK_EQ(kmm_cache_validate(k, NULL), 0);
	p[52] = 0x01;
	unsigned before = slab_reports;
	kmm_kfree(k, p); /* found at kfree too */
	CHECK_EQ(slab_reports, before + 1);
	CHECK(strstr(last_report, "Right Redzone overwritten") != NULL);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_destroy(k);
}

TEST(write_after_free_found_in_poisoned_free_space)
{
	struct kmm *k = mk("FZP");
	REQUIRE(k);
	char *a = kmm_kmalloc(k, 100, KMM_GFP_KERNEL), *b = kmm_kmalloc(k, 100, KMM_GFP_KERNEL);
	REQUIRE(a && b);
	kmm_kfree(k, a);
	CHECK_EQ((unsigned char)a[50], KMM_POISON_FREE);
	CHECK_EQ(kmm_cache_validate(k, NULL), 0);
	a[50] = 0x12; /* write after free */
	CHECK_EQ(kmm_cache_validate(k, NULL), 2);
	CHECK(strstr(last_report, "Poison overwritten") != NULL);
	CHECK_EQ(kmm_cache_validate(k, NULL), 0);
	/* Found when the block is carved again, too. */
	a[60] = 0x34;
	unsigned before = slab_reports;
	char *a2 = kmm_kmalloc(k, 100, KMM_GFP_KERNEL);
	CHECK(a2 == a);
	CHECK_EQ(slab_reports, before + 1);
	CHECK(strstr(last_report, "Poison overwritten") != NULL);
	kmm_kfree(k, a2), kmm_kfree(k, b);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_destroy(k);
}

TEST(cache_redzone_and_poison)
{
	struct kmm *k = mk("FZPU");
	REQUIRE(k);
	struct kmm_cache *c = kmm_cache_create(k, "dbg", 40, 0, 0, NULL);
	REQUIRE(c);
	char *o = kmm_cache_alloc(k, c, KMM_GFP_KERNEL), *o2 = kmm_cache_alloc(k, c, KMM_GFP_KERNEL);
	REQUIRE(o && o2);
	CHECK_EQ((uintptr_t)o % 8, 0);
	CHECK_EQ(kmm_cache_validate(k, c), 0);
	o[40] = 0x00; /* into the right red zone */
	CHECK_EQ(kmm_cache_validate(k, c), 2);
	CHECK(strstr(last_report, "Right Redzone overwritten") != NULL);
	CHECK_EQ(kmm_cache_validate(k, c), 0);
	o[-1] = 0x00; /* the left one */
	CHECK_EQ(kmm_cache_validate(k, c), 2);
	CHECK(strstr(last_report, "Left Redzone overwritten") != NULL);
	CHECK_EQ(kmm_cache_validate(k, c), 0);
	kmm_cache_free(k, c, o);
	o[0] = 0x77; /* after free: the heap's poison */
	CHECK_EQ(kmm_cache_validate(k, c), 2);
	CHECK_EQ(kmm_cache_validate(k, c), 0);
	unsigned before = slab_reports;
	kmm_cache_free(k, c, o); /* double free: debug.c's report */
	CHECK_EQ(slab_reports, before + 1);
	CHECK(strstr(last_report, "Object already free") != NULL);
	CHECK(strstr(last_report, "invalid pointer") == NULL);
	kmm_cache_free(k, c, o2);
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK_EQ(kmm_cache_destroy(k, c), 0);
	CHECK_EQ(kmm_slab_pages(k), 0);
	kmm_destroy(k);
}

/* ---- threads ------------------------------------------------------------------ */

struct slob_worker {
	struct kmm *k;
	struct kmm_cache *c;
	unsigned cpu;
	uint64_t corrupt, failed;
};

/* kmalloc / kfree and cache alloc / free of every size from several
 * threads at once; each object carries its owner's pattern. */
static void *slob_work(void *arg)
{
	struct slob_worker *w = arg;
	enum { LIVE = 40 };
	struct { unsigned char *p; size_t n; bool cache; } live[LIVE];
	uint64_t s = 0x9e3779b97f4a7c15ull * (w->cpu + 1);
	memset(live, 0, sizeof(live));
	kmm_set_cpu(w->k, w->cpu);
	for (int step = 0; step < 20000; step++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		unsigned i = (unsigned)(s % LIVE);
		if (live[i].p) {
			for (size_t j = 0; j < live[i].n; j++)
				w->corrupt += live[i].p[j] != (unsigned char)(w->cpu * 31 + i + j);
			if (live[i].cache)
				kmm_cache_free(w->k, w->c, live[i].p);
			else
				kmm_kfree(w->k, live[i].p);
			live[i].p = NULL;
			continue;
		}
		bool cache = (s >> 20) % 3 == 0;
		size_t n = cache ? 72 : 1 + (size_t)((s >> 24) % 2500);
		unsigned char *p = cache ? kmm_cache_alloc(w->k, w->c, KMM_GFP_KERNEL) : kmm_kmalloc(w->k, n, KMM_GFP_KERNEL);
		if (!p) {
			w->failed++;
			continue;
		}
		for (size_t j = 0; j < n; j++)
			p[j] = (unsigned char)(w->cpu * 31 + i + j);
		live[i].p = p, live[i].n = n, live[i].cache = cache;
	}
	for (unsigned i = 0; i < LIVE; i++)
		if (live[i].p) {
			if (live[i].cache)
				kmm_cache_free(w->k, w->c, live[i].p);
			else
				kmm_kfree(w->k, live[i].p);
		}
	return NULL;
}

TEST(threads_share_one_heap)
{
	struct kmm_config c;
	normal_only_config(&c, 8192);
	c.nr_cpus = 4;
	c.threaded = true;
	c.slab_backend = KMM_SLAB_BACKEND_SLOB;
	c.sink.emit = sink;
	slab_reports = check_reports = 0;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	struct kmm_cache *cache = kmm_cache_create(k, "shared72", 72, 0, 0, NULL);
	REQUIRE(cache);
	struct slob_worker w[4];
	pthread_t t[4];
	for (unsigned i = 0; i < 4; i++) {
		w[i] = (struct slob_worker){ .k = k, .c = cache, .cpu = i };
		REQUIRE(pthread_create(&t[i], NULL, slob_work, &w[i]) == 0);
	}
	for (unsigned i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ(w[i].corrupt, 0);
		CHECK_EQ(w[i].failed, 0);
	}
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_slab_shrink_all(k); /* the spare page back */
	CHECK_EQ(kmm_slab_pages(k), 0);
	CHECK_EQ(kmm_cache_destroy(k, cache), 0);
	CHECK_EQ(slab_reports, 0);
	kmm_destroy(k);
}

int main(void)
{
	RUN(backend_is_slob);
	RUN(first_fit_takes_lowest_fitting_block);
	RUN(frees_coalesce);
	RUN(size_header_and_ksize);
	RUN(three_lists_by_size);
	RUN(free_page_goes_back_to_the_page_allocator);
	RUN(alignment_honoured);
	RUN(page_sized_kmalloc_goes_to_pages);
	RUN(next_fit_rotation);
	RUN(zones_respected);
	RUN(cache_ctor_on_every_allocation);
	RUN(cache_destroy_with_live_objects);
	RUN(typesafe_by_rcu_waits_for_a_grace_period);
	RUN(big_cache_objects_get_pages_of_their_own);
	RUN(check_finds_a_broken_tiling);
	RUN(random_mix_stays_sound);
	RUN(fit_index_keeps_the_kernels_first_fit);
	RUN(check_finds_a_broken_fit_index);
	RUN(spare_page_kept_reused_and_given_back);
	RUN(spare_of_the_wrong_zone_goes_back);
	RUN(check_finds_a_corrupted_spare);
	RUN(write_after_free_into_the_spare_found);
	RUN(kmalloc_memo_checked_and_header_still_read);
	RUN(double_and_interior_kfree_reported_and_survived);
	RUN(cache_misuse_reported_and_survived);
	RUN(debug_wrong_cache_of_the_same_size);
	RUN(kmalloc_write_past_the_end);
	RUN(write_after_free_found_in_poisoned_free_space);
	RUN(cache_redzone_and_poison);
	RUN(threads_share_one_heap);
	return test_summary();
}
