// SPDX-License-Identifier: MIT
/*
 * SLUB's head-offset table (k->slab->slub_head_off, slab_internal.h):
 * kfree finds the head of an order > 0 slab from any of its pages through
 * it, without reading the tail's struct page. The table must say exactly
 * the truth: for every tail page of a live SLUB slab, its distance to the
 * head; 0 everywhere else (pages of freed slabs included), so that other
 * compound pages (large kmallocs) are found as before. Also here: slabs
 * of the fallback order (linked at once, not through the bump region)
 * hand out and take back every object.
 */
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/slab/slub_internal.h"
#include "test.h"

enum { PAGES = 8192 };

static struct kmm *make_(unsigned cpus)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, PAGES);
	memset(c.nodes[0].zones, 0, sizeof(c.nodes[0].zones));
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = PAGES;
	c.nr_cpus = cpus;
	c.slab_backend = KMM_SLAB_BACKEND_SLUB;
	c.debug_level = 2;
	return kmm_create(&c);
}

/* Every non-zero entry is a tail of a live SLUB slab at that distance
 * from its head; returns the number of entries that are not. */
/* The end of a test: pcp pages back, the page allocator consistent. */
static void drain_check_destroy_(struct kmm *k)
{
	kmm_drain_all_pages(k);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

static unsigned table_lies_(struct kmm *k)
{
	unsigned bad = 0;
	const uint16_t *off = k->slab->slub_head_off;
	for (kmm_pfn_t pfn = 0; pfn < k->total_pages; pfn++) {
		if (!off[pfn])
			continue;
		if (off[pfn] > pfn) {
			bad++;
			continue;
		}
		const struct kmm_page *head = &k->pages[pfn - off[pfn]];
		const struct kmm_page *page = &k->pages[pfn];
		if (!(head->flags & PG_slab) || head->slab.cache == NULL || off[pfn] >= 1u << slub_slab_order_(head) ||
		    !(page->flags & PG_tail) || page->compound_head != pfn - off[pfn])
			bad++;
	}
	return bad;
}

static unsigned nonzero_(struct kmm *k)
{
	unsigned n = 0;
	for (kmm_pfn_t pfn = 0; pfn < k->total_pages; pfn++)
		n += k->slab->slub_head_off[pfn] != 0;
	return n;
}

/* Objects of order > 0 slabs freed in an order that lands on tail pages:
 * every free finds its slab, the walks agree, the table tells the truth
 * while the slabs live and is clear once they are gone. */
TEST(tail_page_frees)
{
	struct kmm *k = make_(1);
	REQUIRE(k != NULL);
	enum { N = 96 };
	void *p[N];
	for (unsigned i = 0; i < N; i++) {
		p[i] = kmm_kmalloc(k, 1000, KMM_GFP_KERNEL); /* kmalloc-1k: order 1 on one CPU */
		REQUIRE(p[i] != NULL);
	}
	struct kmm_cache *s = kmm_kmalloc_cache(k, 1000, KMM_GFP_KERNEL);
	REQUIRE(s != NULL);
	CHECK(slub_(s)->oo.order >= 1);
	unsigned on_tail = 0;
	for (unsigned i = 0; i < N; i++) {
		kmm_pfn_t pfn = (kmm_pfn_t)(((char *)p[i] - (char *)k->arena) >> KMM_PAGE_SHIFT);
		struct kmm_page *head = slab_virt_to_head_(k, p[i]);
		REQUIRE(head != NULL);
		CHECK_EQ(k->slab->slub_head_off[pfn], pfn - page_to_pfn_(k, head));
		on_tail += pfn != page_to_pfn_(k, head);
	}
	CHECK(on_tail > N / 4); /* the test does exercise tail pages */
	CHECK_EQ(table_lies_(k), 0);
	CHECK_EQ(kmm_slab_check(k), 0);
	/* free odd indexes first, then even: most frees go to slabs that are
	 * not the CPU's */
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned i = 1 - pass; i < N; i += 2)
			kmm_kfree(k, p[i]);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB), 0);
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK_EQ(table_lies_(k), 0);
	/* the objects are free: the same number comes back, all distinct */
	for (unsigned i = 0; i < N; i++)
		p[i] = kmm_kmalloc(k, 1000, KMM_GFP_KERNEL);
	unsigned dup = 0;
	for (unsigned i = 0; i < N; i++)
		for (unsigned j = i + 1; j < N; j++)
			dup += p[i] == p[j];
	CHECK_EQ(dup, 0);
	for (unsigned i = 0; i < N; i++)
		kmm_kfree(k, p[i]);
	kmm_slab_shrink_all(k);
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK_EQ(table_lies_(k), 0);
	/* only the slabs still held (CPU slabs, min_partial) have entries */
	struct kmm_cache_info ci;
	memset(&ci, 0, sizeof(ci));
	kmm_cache_info(k, s, &ci);
	CHECK(nonzero_(k) <= ci.num_slabs * ((1u << slub_(s)->oo.order) - 1u));
	kmm_destroy(k);
}

/* A pointer into a tail page that is not an object start is reported and
 * frees nothing; the object it points into stays allocated. */
TEST(bad_pointer_in_tail_page)
{
	struct kmm *k = make_(1);
	REQUIRE(k != NULL);
	void *p[16], *victim = NULL;
	for (unsigned i = 0; i < 16; i++) {
		p[i] = kmm_kmalloc(k, 1024, KMM_GFP_KERNEL);
		REQUIRE(p[i] != NULL);
		kmm_pfn_t pfn = (kmm_pfn_t)(((char *)p[i] - (char *)k->arena) >> KMM_PAGE_SHIFT);
		if (!victim && k->slab->slub_head_off[pfn])
			victim = p[i];
	}
	REQUIRE(victim != NULL);
	uint64_t before = kmm_report_count(k, KMM_REPORT_SLAB);
	kmm_kfree(k, (char *)victim + 8);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB), before + 1);
	CHECK_EQ(kmm_slab_check(k), 0);
	for (unsigned i = 0; i < 16; i++)
		kmm_kfree(k, p[i]);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB), before + 1);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_destroy(k);
}

/* Large kmallocs are compound pages the table knows nothing of: a
 * pointer into their tail is still found and reported as before. */
TEST(large_kmalloc_tail_pointer)
{
	struct kmm *k = make_(1);
	REQUIRE(k != NULL);
	char *big = kmm_kmalloc(k, 20000, KMM_GFP_KERNEL); /* order 3, no slab */
	REQUIRE(big != NULL);
	kmm_pfn_t pfn = (kmm_pfn_t)((big - (char *)k->arena) >> KMM_PAGE_SHIFT);
	CHECK_EQ(k->slab->slub_head_off[pfn + 2], 0);
	uint64_t before = kmm_report_count(k, KMM_REPORT_SLAB);
	kmm_kfree(k, big + 2 * KMM_PAGE_SIZE);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB), before + 1);
	CHECK_EQ(kmm_ksize(k, big), KMM_PAGE_SIZE << 3);
	kmm_kfree(k, big);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB), before + 1);
	drain_check_destroy_(k);
}

/* The check walk compares the table with every slab it visits. */
TEST(check_catches_wrong_head_offset)
{
	struct kmm *k = make_(1);
	REQUIRE(k != NULL);
	void *p = kmm_kmalloc(k, 1024, KMM_GFP_KERNEL);
	REQUIRE(p != NULL);
	struct kmm_page *head = slab_virt_to_head_(k, p);
	REQUIRE(head != NULL && slub_slab_order_(head) >= 1);
	kmm_pfn_t tail = page_to_pfn_(k, head) + 1;
	CHECK_EQ(kmm_slab_check(k), 0);
	k->slab->slub_head_off[tail] = 0;
	CHECK(kmm_slab_check(k) > 0);
	k->slab->slub_head_off[tail] = 1;
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_kfree(k, p);
	kmm_destroy(k);
}

/* With only single free pages left, a cache of order-1 slabs falls back
 * to order 0: those slabs are linked at once, and every object of them is
 * handed out once and taken back. */
TEST(fallback_order_slabs)
{
	struct kmm *k = make_(1);
	REQUIRE(k != NULL);
	/* fragment: take every page singly (the reserves too), give back
	 * every other one */
	static struct kmm_page *pg[PAGES];
	unsigned n = 0;
	while (n < PAGES && (pg[n] = kmm_alloc_pages(k, KMM_GFP_ATOMIC | KMM___GFP_MEMALLOC | KMM___GFP_NOWARN,
						     0)) != NULL)
		n++;
	REQUIRE(n > 64);
	for (unsigned i = 0; i < n; i += 2)
		kmm_free_pages(k, pg[i], 0);
	kmm_drain_all_pages(k);
	enum { N = 40 };
	void *p[N];
	for (unsigned i = 0; i < N; i++) {
		p[i] = kmm_kmalloc(k, 1024, KMM_GFP_KERNEL | KMM___GFP_NOWARN);
		REQUIRE(p[i] != NULL);
	}
	struct kmm_cache *s = kmm_kmalloc_cache(k, 1024, KMM_GFP_KERNEL);
	REQUIRE(s != NULL);
	CHECK(slub_(s)->oo.order >= 1 && slub_(s)->min.order == 0);
	unsigned small = 0, dup = 0;
	for (unsigned i = 0; i < N; i++) {
		struct kmm_page *head = slab_virt_to_head_(k, p[i]);
		small += head && slub_slab_order_(head) == 0;
		for (unsigned j = i + 1; j < N; j++)
			dup += p[i] == p[j];
	}
	CHECK_EQ(small, N);
	CHECK_EQ(dup, 0);
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK_EQ(table_lies_(k), 0);
	for (unsigned i = 0; i < N; i += 3)
		kmm_kfree(k, p[i]);
	for (unsigned i = 0; i < N; i++)
		if (i % 3)
			kmm_kfree(k, p[i]);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB), 0);
	CHECK_EQ(kmm_slab_check(k), 0);
	kmm_slab_shrink_all(k);
	for (unsigned i = 1; i < n; i += 2)
		kmm_free_pages(k, pg[i], 0);
	drain_check_destroy_(k);
}

/* Two CPUs: slabs of 16 objects (the kernel's order for nr_cpus = 2), the
 * same truths. */
TEST(two_cpus)
{
	struct kmm *k = make_(2);
	REQUIRE(k != NULL);
	enum { N = 200 };
	void *p[N];
	for (unsigned i = 0; i < N; i++) {
		p[i] = kmm_kmalloc(k, 300 + (i * 131u) % 700u, KMM_GFP_KERNEL);
		REQUIRE(p[i] != NULL);
	}
	CHECK_EQ(table_lies_(k), 0);
	for (unsigned i = 0; i < N; i++)
		kmm_kfree(k, p[(i * 37u) % N]);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_SLAB), 0);
	CHECK_EQ(kmm_slab_check(k), 0);
	CHECK_EQ(table_lies_(k), 0);
	kmm_destroy(k);
}

int main(void)
{
	RUN(tail_page_frees);
	RUN(bad_pointer_in_tail_page);
	RUN(large_kmalloc_tail_pointer);
	RUN(check_catches_wrong_head_offset);
	RUN(fallback_order_slabs);
	RUN(two_cpus);
	return test_summary();
}
