// SPDX-License-Identifier: MIT
/*
 * kmm_page_check()'s page walk takes whole runs at once: the inner pages of
 * a block in one branch-free pass, a run of hole or reserved pages with one
 * scan. Neither may skip a page: corrupt one page in the middle (and at the
 * ends) of each kind of run and show the check still names it, then undo it
 * and show the check is clean. The fast path's tables, compared in index
 * loops of their own, likewise name an entry anywhere in a row.
 */
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/page/internal.h"
#include "test.h"

static char reports[8192];
static void capture(void *ctx, enum kmm_report_kind kind, const char *text)
{
	(void)ctx;
	if (kind == KMM_REPORT_CHECK && strlen(reports) + strlen(text) < sizeof(reports))
		strcat(reports, text);
}

/* One node: NORMAL of 2048 pages with a hole [600, 900) and 100 reserved pages. */
/* A one-node config with no zones yet, reports captured: each test adds
 * the zones it walks. */
static void cfg_empty(struct kmm_config *c)
{
	kmm_config_init(c, 1, 1024);
	memset(c->nodes, 0, sizeof(c->nodes));
	c->sink.emit = capture;
}

static struct kmm *mk(void)
{
	struct kmm_config c;
	cfg_empty(&c);
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 2048;
	c.nodes[0].zones[KMM_ZONE_NORMAL].hole_start = 600;
	c.nodes[0].zones[KMM_ZONE_NORMAL].hole_pages = 300;
	c.nodes[0].zones[KMM_ZONE_NORMAL].reserved_pages = 100;
	c.nr_cpus = 2;
	return kmm_create(&c);
}

static void expect_caught(struct kmm *k, const char *what, int line)
{
	reports[0] = '\0';
	long v = kmm_page_check(k);
	CHECK(v > 0);
	if (!strstr(reports, what)) {
		fprintf(stderr, "line %d: expected \"%s\" in:\n%s", line, what, reports);
		CHECK(!"message");
	}
}
#define CAUGHT(k, what) expect_caught(k, what, __LINE__)

static struct kmm_zone *normal(struct kmm *k) { return &k->nodes[0].zones[KMM_ZONE_NORMAL]; }

TEST(hole_run)
{
	struct kmm *k = mk();
	REQUIRE(k);
	struct kmm_zone *z = normal(k);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_pfn_t hole = z->start_pfn + 600;
	kmm_pfn_t at[] = { hole, hole + 1, hole + 150, hole + 298, hole + 299 };

	for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct kmm_page *p = &k->pages[at[i]];
		uint8_t node = p->node, zone = p->zone;
		uint32_t flags = p->flags;

		p->zone = KMM_ZONE_DMA;
		CAUGHT(k, "records node");
		p->zone = zone;
		p->node = 1;
		CAUGHT(k, "records node");
		p->node = node;
		p->flags = 0;
		CAUGHT(k, "hole flag clear but the layout says hole");
		p->flags = PG_reserved;
		CAUGHT(k, "hole flag clear but the layout says hole");
		p->flags = flags;
		CHECK_EQ(kmm_page_check(k), 0);
	}
	/* The page right after the hole is present: marking it a hole page
	 * must not be counted into the hole's run. */
	struct kmm_page *after = &k->pages[hole + 300];
	uint32_t f = after->flags;
	after->flags = PG_hole;
	CAUGHT(k, "hole flag set but the layout says present");
	after->flags = f;
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(reserved_run)
{
	struct kmm *k = mk();
	REQUIRE(k);
	struct kmm_zone *z = normal(k);
	kmm_pfn_t at[] = { z->start_pfn, z->start_pfn + 1, z->start_pfn + 50, z->start_pfn + 99 };

	REQUIRE(k->pages[z->start_pfn].flags == PG_reserved && k->pages[z->start_pfn + 99].flags == PG_reserved);
	for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct kmm_page *p = &k->pages[at[i]];
		uint8_t zone = p->zone;

		p->zone = KMM_ZONE_DMA32;
		CAUGHT(k, "records node");
		p->zone = zone;
		p->flags = PG_hole;
		CAUGHT(k, "hole flag set but the layout says present");
		p->flags = PG_reserved;
		CHECK_EQ(kmm_page_check(k), 0);
	}
	/* One reserved page too many at the run's end: the count says so. */
	struct kmm_page *next = &k->pages[z->start_pfn + 100];
	uint32_t f = next->flags;
	REQUIRE(f == PG_buddy);
	next->flags = PG_reserved;
	CAUGHT(k, "101 reserved pages, layout says 100");
	next->flags = f;
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

/* Reserved pages that end where the hole starts: a run of either kind
 * stops at the hole's edge, so a hole page marked reserved is named. */
TEST(reserved_then_hole)
{
	struct kmm_config c;
	cfg_empty(&c);
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 1024;
	c.nodes[0].zones[KMM_ZONE_NORMAL].hole_start = 64;
	c.nodes[0].zones[KMM_ZONE_NORMAL].hole_pages = 64;
	c.nodes[0].zones[KMM_ZONE_NORMAL].reserved_pages = 64;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	kmm_pfn_t s = normal(k)->start_pfn;
	REQUIRE(s == 0); /* the messages below name PFNs */
	REQUIRE(k->pages[s + 63].flags == PG_reserved && k->pages[s + 64].flags == PG_hole);
	CHECK_EQ(kmm_page_check(k), 0);
	k->pages[s + 64].flags = PG_reserved;
	CAUGHT(k, "pfn 0x40: hole flag clear but the layout says hole");
	k->pages[s + 64].flags = PG_hole;
	k->pages[s + 63].flags = PG_hole;
	CAUGHT(k, "pfn 0x3f: hole flag set but the layout says present");
	k->pages[s + 63].flags = PG_reserved;
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(inner_pages)
{
	struct kmm *k = mk();
	REQUIRE(k);
	/* A plain order-5 block and a compound one. */
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 5);
	struct kmm_page *c = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_COMP, 5);
	REQUIRE(p && c);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_pfn_t pp = kmm_page_to_pfn(k, p), cp = kmm_page_to_pfn(k, c);
	uint32_t idx[] = { 1, 2, 17, 30, 31 };

	for (unsigned i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		struct kmm_page *t = &k->pages[pp + idx[i]];
		t->flags = PG_buddy;
		CAUGHT(k, "(overlap?)");
		t->flags = 0;
		CHECK_EQ(kmm_page_check(k), 0);

		t = &k->pages[cp + idx[i]];
		REQUIRE(t->flags == PG_tail && t->compound_head == cp);
		t->compound_head = cp + 1;
		CAUGHT(k, "(overlap?)");
		t->compound_head = cp;
		t->flags = 0;
		CAUGHT(k, "(overlap?)");
		t->flags = PG_tail;
		CHECK_EQ(kmm_page_check(k), 0);
	}
	/* The inner pages of a free block: find an order >= 1 free block. */
	struct kmm_zone *z = normal(k);
	struct kmm_page *b = NULL;
	for (unsigned o = KMM_MAX_ORDER; o >= 1 && !b; o--)
		for (int mt = 0; mt < KMM_MIGRATE_TYPES && !b; mt++)
			if (!list_empty(&z->free_area[o].free_list[mt]))
				b = list_entry(z->free_area[o].free_list[mt].next, struct kmm_page, lru);
	REQUIRE(b);
	kmm_pfn_t bp = kmm_page_to_pfn(k, b);
	uint32_t last = (1u << b->private_) - 1;
	k->pages[bp + last].flags = PG_allocated;
	CAUGHT(k, "free block");
	k->pages[bp + last].flags = 0;
	CHECK_EQ(kmm_page_check(k), 0);

	kmm_free_pages(k, p, 5);
	kmm_free_pages(k, c, 5);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

/* The fast path's tables are compared entry by entry: an entry in the
 * middle of a CPU's row, or of a zone's pageblocks, is named. */
TEST(fast_tables)
{
	struct kmm_config c;
	cfg_empty(&c);
	c.nodes[0].zones[KMM_ZONE_DMA32].spanned_pages = 1024;
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 2048;
	c.nr_cpus = 4;
	c.pageblock_order = 5;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	CHECK_EQ(kmm_page_check(k), 0);

	unsigned cpus[] = { 0, 2, 3 }, bits[] = { 0, 13, FAST_GFP_MASK };
	for (unsigned i = 0; i < 3; i++) {
		for (unsigned j = 0; j < 3; j++) {
			struct fast_alloc *fa = &k->fast[cpus[i]][bits[j]], saved = *fa;
			char want[96];

			snprintf(want, sizeof(want), "fast path table of cpu %u, gfp bits 0x%x", cpus[i], bits[j]);
			if (saved.zone != &k->fast_none) { /* a none entry is only its zone */
				fa->migratetype ^= 1;
				CAUGHT(k, want);
				*fa = saved;
			}
			fa->zone = fa->zone == &k->fast_none ? &k->nodes[0].zones[KMM_ZONE_NORMAL] : &k->fast_none;
			CAUGHT(k, want);
			*fa = saved;
			CHECK_EQ(kmm_page_check(k), 0);
		}
	}

	struct kmm_zone *z = normal(k);
	size_t first = z->start_pfn >> k->pageblock_order, nr = z->spanned_pages >> k->pageblock_order;
	size_t at[] = { first, first + nr / 2, first + nr - 1 };
	for (unsigned i = 0; i < 3; i++) {
		uintptr_t saved = k->pageblock_pcp[at[i]];
		char want[96];

		snprintf(want, sizeof(want), "pageblock at pfn 0x%zx: fast free table says type",
			 at[i] << k->pageblock_order);
		k->pageblock_pcp[at[i]] = (saved & ~PAGEBLOCK_PCP_TYPE_MASK) | KMM_MIGRATE_RECLAIMABLE;
		CAUGHT(k, want);
		snprintf(want, sizeof(want), "pageblock at pfn 0x%zx: fast free table names another zone's",
			 at[i] << k->pageblock_order);
		k->pageblock_pcp[at[i]] = (uintptr_t)k->nodes[0].zones[KMM_ZONE_DMA32].pcp |
					  (saved & PAGEBLOCK_PCP_TYPE_MASK);
		CAUGHT(k, want);
		k->pageblock_pcp[at[i]] = saved;
		CHECK_EQ(kmm_page_check(k), 0);
	}
	kmm_destroy(k);
}

int main(void)
{
	RUN(hole_run);
	RUN(reserved_run);
	RUN(reserved_then_hole);
	RUN(inner_pages);
	RUN(fast_tables);
	return test_summary();
}
