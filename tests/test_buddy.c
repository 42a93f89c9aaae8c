// SPDX-License-Identifier: MIT
/*
 * Buddy allocator: split (expand) and merge on free, full coalescing after
 * random work, alignment, compound pages, __GFP_ZERO, holes and reserved
 * pages, zone edges, config validation.
 */
#include <errno.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/page/internal.h"
#include "test.h"

/* One node with only the zones given (pages; 0 = absent). */
static void layout(struct kmm_config *c, uint32_t dma, uint32_t dma32, uint32_t normal)
{
	kmm_config_init(c, 1, 1024);
	memset(c->nodes, 0, sizeof(c->nodes));
	c->nodes[0].zones[KMM_ZONE_DMA].spanned_pages = dma;
	c->nodes[0].zones[KMM_ZONE_DMA32].spanned_pages = dma32;
	c->nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = normal;
	c->debug_level = 2;
}

static struct kmm_zone_info zinfo(struct kmm *k, enum kmm_zone_type zt)
{
	struct kmm_zone_info zi;
	memset(&zi, 0, sizeof(zi));
	kmm_zone_info(k, 0, zt, &zi);
	return zi;
}

static uint64_t nr_free_order(const struct kmm_zone_info *zi, unsigned order)
{
	uint64_t n = 0;
	for (int t = 0; t < KMM_MIGRATE_TYPES; t++)
		n += zi->nr_free[order][t];
	return n;
}

/* Deterministic xorshift for the random tests. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

TEST(boot_state_is_max_order_blocks)
{
	struct kmm_config c;
	layout(&c, 0, 0, 4096);
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	struct kmm_zone_info zi = zinfo(k, KMM_ZONE_NORMAL);
	CHECK(zi.populated);
	CHECK_EQ(zi.managed_pages, 4096);
	CHECK_EQ(zi.free_pages, 4096);
	CHECK_EQ(zi.nr_free[KMM_MAX_ORDER][KMM_MIGRATE_MOVABLE], 4);
	for (unsigned o = 0; o < KMM_MAX_ORDER; o++)
		CHECK_EQ(nr_free_order(&zi, o), 0);
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK(kmm_page_fully_coalesced(k));
	kmm_destroy(k);
}

TEST(split_expands_and_free_merges)
{
	struct kmm_config c;
	layout(&c, 0, 0, 4096);
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	/* Order 4 bypasses the pcp lists: a straight buddy split of one
	 * order-10 block leaves one free block at each order 4..9. */
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 4);
	REQUIRE(p);
	kmm_pfn_t pfn = kmm_page_to_pfn(k, p);
	CHECK_EQ(pfn % 16, 0);
	struct kmm_zone_info zi = zinfo(k, KMM_ZONE_NORMAL);
	CHECK_EQ(zi.free_pages, 4096 - 16);
	CHECK_EQ(nr_free_order(&zi, KMM_MAX_ORDER), 3);
	for (unsigned o = 4; o < KMM_MAX_ORDER; o++)
		CHECK_EQ(nr_free_order(&zi, o), 1);
	for (unsigned o = 0; o < 4; o++)
		CHECK_EQ(nr_free_order(&zi, o), 0);
	/* expand() leaves the upper halves: pfn+16 (order 4) ... pfn+512 (order 9). */
	for (unsigned o = 4; o < KMM_MAX_ORDER; o++) {
		const struct kmm_page *h = &k->pages[pfn + (1u << o)];
		CHECK(h->flags == PG_buddy && h->private_ == o);
	}
	CHECK_EQ(kmm_page_count(k, p), 1);
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK(kmm_page_fully_coalesced(k));

	kmm_free_pages(k, p, 4);
	zi = zinfo(k, KMM_ZONE_NORMAL);
	CHECK_EQ(zi.free_pages, 4096);
	CHECK_EQ(nr_free_order(&zi, KMM_MAX_ORDER), 4);
	for (unsigned o = 0; o < KMM_MAX_ORDER; o++)
		CHECK_EQ(nr_free_order(&zi, o), 0);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(merge_needs_both_buddies)
{
	struct kmm_config c;
	layout(&c, 0, 0, 1024);
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	/* Two order-8 blocks: the second is the first one's buddy. */
	struct kmm_page *a = kmm_alloc_pages(k, KMM_GFP_KERNEL, 8);
	struct kmm_page *b = kmm_alloc_pages(k, KMM_GFP_KERNEL, 8);
	REQUIRE(a && b);
	kmm_pfn_t pa = kmm_page_to_pfn(k, a), pb = kmm_page_to_pfn(k, b);
	CHECK_EQ(pa ^ pb, 256); /* b is a's buddy */
	kmm_free_pages(k, a, 8);
	struct kmm_zone_info zi = zinfo(k, KMM_ZONE_NORMAL);
	CHECK_EQ(nr_free_order(&zi, 8), 1); /* a's buddy is still allocated */
	CHECK_EQ(nr_free_order(&zi, 9), 1);
	kmm_free_pages(k, b, 8);
	zi = zinfo(k, KMM_ZONE_NORMAL);
	CHECK_EQ(nr_free_order(&zi, 8), 0);
	CHECK_EQ(nr_free_order(&zi, 9), 0);
	CHECK_EQ(nr_free_order(&zi, 10), 1);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(random_work_then_full_coalescing)
{
	struct kmm_config c;
	layout(&c, 1024, 4096, 16384);
	c.nr_cpus = 3;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	enum { LIVE = 300 };
	struct { struct kmm_page *p; unsigned order; } live[LIVE];
	unsigned n = 0;
	uint64_t s = 42, allocs = 0;
	static const kmm_gfp_t gfps[] = { KMM_GFP_KERNEL, KMM_GFP_HIGHUSER_MOVABLE,
					  KMM_GFP_KERNEL | KMM___GFP_RECLAIMABLE, KMM_GFP_ATOMIC,
					  KMM_GFP_DMA32 | KMM_GFP_KERNEL, KMM_GFP_DMA | KMM_GFP_KERNEL };
	for (int step = 0; step < 20000; step++) {
		kmm_set_cpu(k, (unsigned)(rnd(&s) % 3));
		if (n < LIVE && (n == 0 || rnd(&s) % 100 < 55)) {
			unsigned order = (unsigned)(rnd(&s) % 8 == 0 ? rnd(&s) % 11 : rnd(&s) % 4);
			kmm_gfp_t g = gfps[rnd(&s) % 6] | KMM___GFP_NOWARN;
			struct kmm_page *p = kmm_alloc_pages(k, g, order);
			if (p) {
				kmm_pfn_t pfn = kmm_page_to_pfn(k, p);
				if (pfn % (1u << order))
					CHECK(!"misaligned block");
				if (kmm_page_address(k, p) != (char *)kmm_arena_base(k) + (size_t)pfn * KMM_PAGE_SIZE)
					CHECK(!"address does not follow the pfn");
				/* gfp placement: the zone is allowed */
				if (kmm_page_zonenum(k, p) > kmm_gfp_zone(g))
					CHECK(!"zone above the gfp's highest zone");
				live[n].p = p;
				live[n++].order = order;
				allocs++;
			}
		} else if (n) {
			unsigned i = (unsigned)(rnd(&s) % n);
			kmm_free_pages(k, live[i].p, live[i].order);
			live[i] = live[--n];
		}
		if (step % 4000 == 0)
			CHECK_EQ(kmm_page_check(k), 0);
	}
	CHECK(allocs > 5000);
	while (n) {
		n--;
		kmm_free_pages(k, live[n].p, live[n].order);
	}
	CHECK_EQ(kmm_page_check(k), 0);
	uint64_t pcp = 0;
	for (int zt = 0; zt < 3; zt++)
		pcp += zinfo(k, (enum kmm_zone_type)zt).pcp_pages;
	CHECK(pcp > 0); /* three CPUs' lists hold pages ... */
	CHECK(!kmm_page_fully_coalesced(k)); /* ... so not coalesced until drained */
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	CHECK_EQ(kmm_page_check(k), 0);
	static const uint32_t sizes[] = { 1024, 4096, 16384 };
	for (int zt = 0; zt < 3; zt++) {
		struct kmm_zone_info zi = zinfo(k, (enum kmm_zone_type)zt);
		CHECK_EQ(zi.free_pages, sizes[zt]);
		CHECK_EQ(nr_free_order(&zi, KMM_MAX_ORDER), sizes[zt] / 1024);
	}
	CHECK_EQ(kmm_vm_event(k, KMM_PGALLOC), kmm_vm_event(k, KMM_PGFREE));
	kmm_destroy(k);
}

TEST(compound_pages)
{
	struct kmm_config c;
	layout(&c, 0, 0, 4096);
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_COMP, 3);
	REQUIRE(p);
	kmm_pfn_t pfn = kmm_page_to_pfn(k, p);
	CHECK_EQ(kmm_compound_order(k, p), 3);
	CHECK(k->pages[pfn].flags & PG_head);
	for (unsigned i = 1; i < 8; i++) {
		CHECK(k->pages[pfn + i].flags == PG_tail);
		CHECK_EQ(k->pages[pfn + i].compound_head, pfn);
		CHECK_EQ(kmm_compound_order(k, p + i), 0);
	}
	/* Without __GFP_COMP: no head, no tails. */
	struct kmm_page *q = kmm_alloc_pages(k, KMM_GFP_KERNEL, 3);
	REQUIRE(q);
	CHECK_EQ(kmm_compound_order(k, q), 0);
	CHECK_EQ(k->pages[kmm_page_to_pfn(k, q) + 1].flags, 0);
	/* Order-0 __GFP_COMP is a plain page. */
	struct kmm_page *r = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_COMP, 0);
	REQUIRE(r);
	CHECK_EQ(kmm_compound_order(k, r), 0);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_free_pages(k, p, 3);
	for (unsigned i = 1; i < 8; i++)
		CHECK_EQ(k->pages[pfn + i].flags, 0);
	kmm_free_pages(k, q, 3);
	kmm_free_pages(k, r, 0);
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_BAD_PAGE), 0);
	kmm_destroy(k);
}

TEST(zeroing_and_lifo_reuse)
{
	struct kmm_config c;
	layout(&c, 0, 0, 4096);
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 2);
	REQUIRE(p);
	unsigned char *a = kmm_page_address(k, p);
	memset(a, 0xab, 4 * KMM_PAGE_SIZE);
	kmm_free_pages(k, p, 2);
	/* The pcp list is LIFO: the same block comes back, zeroed on request. */
	struct kmm_page *q = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_ZERO, 2);
	REQUIRE(q);
	CHECK(q == p);
	unsigned char *b = kmm_page_address(k, q);
	size_t nonzero = 0;
	for (size_t i = 0; i < 4 * KMM_PAGE_SIZE; i++)
		nonzero += b[i] != 0;
	CHECK_EQ(nonzero, 0);
	/* A large zeroed block from the buddy lists. */
	struct kmm_page *big = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_ZERO, 6);
	REQUIRE(big);
	unsigned char *bb = kmm_page_address(k, big);
	nonzero = 0;
	for (size_t i = 0; i < 64 * KMM_PAGE_SIZE; i += 512)
		nonzero += bb[i] != 0;
	CHECK_EQ(nonzero, 0);
	kmm_free_pages(k, q, 2);
	kmm_free_pages(k, big, 6);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(get_free_pages_by_address)
{
	struct kmm_config c;
	layout(&c, 0, 0, 4096);
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	void *a = kmm_get_free_pages(k, KMM_GFP_KERNEL, 1);
	REQUIRE(a);
	struct kmm_page *p = kmm_virt_to_page(k, a);
	REQUIRE(p);
	CHECK(kmm_page_address(k, p) == a);
	CHECK(kmm_virt_to_page(k, (char *)a + 5000) == p + 1);
	CHECK(kmm_virt_to_page(k, (char *)kmm_arena_base(k) - 1) == NULL);
	CHECK(kmm_pfn_to_page(k, kmm_total_pages(k)) == NULL);
	CHECK_EQ(kmm_page_to_pfn(k, NULL), KMM_PFN_NONE);
	CHECK_EQ(kmm_page_to_nid(k, p), 0);
	CHECK_EQ(kmm_page_zonenum(k, p), KMM_ZONE_NORMAL);
	kmm_free_pages_addr(k, a, 1);
	kmm_free_pages_addr(k, NULL, 3); /* free_pages(0, n) is a no-op */
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_BAD_PAGE), 0);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(holes_reserved_and_zone_edges)
{
	struct kmm_config c;
	layout(&c, 1500, 0, 3000);
	c.nodes[0].zones[KMM_ZONE_NORMAL].hole_start = 700;
	c.nodes[0].zones[KMM_ZONE_NORMAL].hole_pages = 300;
	c.nodes[0].zones[KMM_ZONE_NORMAL].reserved_pages = 37;
	c.nodes[0].zones[KMM_ZONE_DMA].reserved_pages = 1;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	struct kmm_zone_info d = zinfo(k, KMM_ZONE_DMA), nz = zinfo(k, KMM_ZONE_NORMAL);
	CHECK_EQ(d.start_pfn, 0);
	CHECK_EQ(nz.start_pfn, 2048); /* 1500 rounded up to a MAX_ORDER block */
	CHECK_EQ(nz.spanned_pages, 3000);
	CHECK_EQ(nz.present_pages, 2700);
	CHECK_EQ(nz.managed_pages, 2663);
	CHECK_EQ(nz.free_pages, 2663);
	CHECK_EQ(d.managed_pages, 1499);
	CHECK_EQ(kmm_total_pages(k), 2048 + 3000);
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK(kmm_page_fully_coalesced(k));

	/* Everything can be had with __GFP_MEMALLOC (no watermarks), and none
	 * of it is a hole, a reserved page or padding. */
	enum { MAX = 5000 };
	static struct kmm_page *pages[MAX];
	unsigned n = 0;
	while (n < MAX) {
		struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_MEMALLOC | KMM___GFP_NOWARN, 0);
		if (!p)
			break;
		kmm_pfn_t pfn = kmm_page_to_pfn(k, p);
		if (k->pages[pfn].flags != PG_allocated)
			CHECK(!"allocated a page that is not plain managed memory");
		pages[n++] = p;
	}
	CHECK_EQ(n, 2663 + 1499);
	CHECK_EQ(kmm_page_check(k), 0);
	while (n)
		kmm_free_pages(k, pages[--n], 0);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	CHECK_EQ(zinfo(k, KMM_ZONE_NORMAL).free_pages, 2663);
	CHECK_EQ(zinfo(k, KMM_ZONE_DMA).free_pages, 1499);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(order_above_max_fails_with_warning)
{
	struct kmm_config c;
	layout(&c, 0, 0, 4096);
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	CHECK(kmm_alloc_pages(k, KMM_GFP_KERNEL, KMM_MAX_ORDER + 1) == NULL);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_WARNING), 1);
	CHECK(kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_NOWARN, KMM_MAX_ORDER + 1) == NULL);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_WARNING), 1);
	CHECK_EQ(kmm_vm_event(k, KMM_PGALLOC_FAIL), 2);
	/* Invalid zone modifiers: warned and failed, never placed. */
	CHECK(kmm_alloc_pages(k, KMM___GFP_DMA | KMM___GFP_DMA32, 0) == NULL);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_WARNING), 2);
	/* An order-10 request succeeds while memory lasts, then fails with a
	 * page allocation failure report. */
	unsigned got = 0;
	while (kmm_alloc_pages(k, KMM_GFP_KERNEL, KMM_MAX_ORDER))
		got++;
	CHECK_EQ(got, 3);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_ALLOC_FAILURE), 1);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

static char last_warning[512];
static void capture(void *ctx, enum kmm_report_kind kind, const char *text)
{
	(void)ctx;
	if (kind == KMM_REPORT_WARNING)
		snprintf(last_warning, sizeof(last_warning), "%s", text);
}

TEST(config_validation)
{
	struct kmm_config c;
	char msg[256];
	layout(&c, 0, 32, 4096);
	CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), 0);
	c.nodes[0].zones[KMM_ZONE_DMA32].hole_pages = 40;
	CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), -EINVAL);
	CHECK(strcmp(msg, "nodes[0].zones[DMA32].hole_pages 40 > spanned_pages 32") == 0);
	c.sink.emit = capture;
	last_warning[0] = '\0';
	CHECK(kmm_create(&c) == NULL);
	CHECK(strstr(last_warning, "hole_pages 40") != NULL);

	layout(&c, 0, 0, 4096);
	c.nr_nodes = 0;
	CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), -EINVAL);
	layout(&c, 0, 0, 4096);
	c.nr_cpus = KMM_MAX_CPUS + 1;
	CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), -EINVAL);
	layout(&c, 0, 0, 4096);
	c.pageblock_order = KMM_MAX_ORDER + 1;
	CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), -EINVAL);
	layout(&c, 0, 0, 4096);
	c.nodes[0].zones[KMM_ZONE_NORMAL].reserved_pages = 4097;
	CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), -EINVAL);
	layout(&c, 0, 0, 0);
	CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), -EINVAL);
	kmm_config_init(&c, 2, 4096);
	c.distance[0][1] = 20;
	c.distance[1][0] = 30;
	c.distance[0][0] = c.distance[1][1] = 10;
	CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), -EINVAL);
	c.distance[1][0] = 20;
	CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), 0);
	c.cpu_node[1] = 2;
	CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), -EINVAL);
	/* kmm_config_init: DMA 1/16 (<= 4096), DMA32 1/4, NORMAL the rest. */
	kmm_config_init(&c, 2, 1u << 20);
	CHECK_EQ(c.nodes[0].zones[KMM_ZONE_DMA].spanned_pages, 4096);
	CHECK_EQ(c.nodes[0].zones[KMM_ZONE_DMA32].spanned_pages, 1u << 18);
	CHECK_EQ(c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages, (1u << 20) - 4096 - (1u << 18));
	CHECK_EQ(c.nodes[1].zones[KMM_ZONE_NORMAL].spanned_pages, 1u << 20);
	CHECK_EQ(c.nr_cpus, 2);
	CHECK_EQ(c.seed, 1);
}

int main(void)
{
	RUN(boot_state_is_max_order_blocks);
	RUN(split_expands_and_free_merges);
	RUN(merge_needs_both_buddies);
	RUN(random_work_then_full_coalescing);
	RUN(compound_pages);
	RUN(zeroing_and_lifo_reuse);
	RUN(get_free_pages_by_address);
	RUN(holes_reserved_and_zone_edges);
	RUN(order_above_max_fails_with_warning);
	RUN(config_validation);
	return test_summary();
}
