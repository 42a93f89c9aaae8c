// SPDX-License-Identifier: MIT
/*
 * The checker can fail: corrupt one invariant at a time through internal.h,
 * show kmm_page_check() reports it (KMM_REPORT_CHECK, with a telling
 * message), undo it, show the check is clean again. Also the tiered asserts:
 * a failed KMM_ASSERT reports and execution continues.
 */
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/page/assert.h"
#include "../allocators/page/internal.h"
#include "test.h"

static char reports[8192];
static void capture(void *ctx, enum kmm_report_kind kind, const char *text)
{
	(void)ctx;
	if (kind == KMM_REPORT_CHECK && strlen(reports) + strlen(text) < sizeof(reports))
		strcat(reports, text);
}

static struct kmm *mk(unsigned debug_level)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 1024);
	memset(c.nodes, 0, sizeof(c.nodes));
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 8192;
	c.nr_cpus = 2;
	c.sink.emit = capture;
	c.debug_level = debug_level;
	return kmm_create(&c);
}

/* kmm_page_check() finds at least one violation and says `what`. */
static void expect_caught(struct kmm *k, const char *what, int line)
{
	reports[0] = '\0';
	uint64_t before = kmm_report_count(k, KMM_REPORT_CHECK);
	long v = kmm_page_check(k);
	CHECK(v > 0);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_CHECK), before + (uint64_t)v);
	if (!strstr(reports, what)) {
		fprintf(stderr, "line %d: expected \"%s\" in:\n%s", line, what, reports);
		CHECK(!"message");
	}
}
#define CAUGHT(k, what) expect_caught(k, what, __LINE__)

static struct kmm_zone *normal(struct kmm *k) { return &k->nodes[0].zones[KMM_ZONE_NORMAL]; }

TEST(counters)
{
	struct kmm *k = mk(1);
	REQUIRE(k);
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
	REQUIRE(p);
	CHECK_EQ(kmm_page_check(k), 0);
	struct kmm_zone *z = normal(k);

	z->free_area[3].nr_free++;
	CAUGHT(k, "free_area[3].nr_free");
	z->free_area[3].nr_free--;
	CHECK_EQ(kmm_page_check(k), 0);

	z->free_pages += 2;
	CAUGHT(k, "free_pages");
	z->free_pages -= 2;

	z->pcp[0].count++;
	CAUGHT(k, "cpu 0 pcp count");
	z->pcp[0].count--;

	uint64_t m = z->wmark[WMARK_MIN];
	z->wmark[WMARK_MIN] = z->wmark[WMARK_HIGH] + 1;
	CAUGHT(k, "watermarks out of order");
	z->wmark[WMARK_MIN] = m;

	z->nr_reserved_highatomic = 512;
	CAUGHT(k, "nr_reserved_highatomic 512 != 0 HIGHATOMIC pageblocks");
	z->nr_reserved_highatomic = 0;

	k->vm[KMM_PGFREE]++;
	CAUGHT(k, "PGALLOC");
	k->vm[KMM_PGFREE]--;
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(lists_and_pages)
{
	struct kmm *k = mk(1);
	REQUIRE(k);
	struct kmm_zone *z = normal(k);
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 4);
	REQUIRE(p);
	kmm_pfn_t pfn = kmm_page_to_pfn(k, p);

	/* A leaked block: allocated state wiped, so nobody owns it. */
	uint32_t f = p->flags;
	p->flags = 0;
	CAUGHT(k, "is not the first page of any block");
	CHECK(strstr(reports, "managed 8192 != free") != NULL);
	p->flags = f;
	CHECK_EQ(kmm_page_check(k), 0);

	/* An allocated block overlapping a free one. */
	struct kmm_page *b = &k->pages[pfn + 16]; /* expand() left an order-4 free block here */
	REQUIRE(b->flags == PG_buddy && b->private_ == 4);
	p->private_ = 5;
	CAUGHT(k, "overlap");
	p->private_ = 4;

	/* A free block dropped from its list without the counters. */
	list_del(&b->lru);
	CAUGHT(k, "nr_free");
	list_add(&b->lru, &z->free_area[4].free_list[b->migratetype]);
	CHECK_EQ(kmm_page_check(k), 0);

	/* A free block on the wrong type's list. */
	list_del(&b->lru);
	list_add(&b->lru, &z->free_area[4].free_list[KMM_MIGRATE_RECLAIMABLE]);
	CAUGHT(k, "on free list of type 2 records type");
	list_del(&b->lru);
	list_add(&b->lru, &z->free_area[4].free_list[b->migratetype]);

	/* A cycle in a list. */
	struct list_head *h = &z->free_area[4].free_list[b->migratetype];
	struct list_head *saved_next = b->lru.next;
	b->lru.next = &b->lru;
	CAUGHT(k, "broken link");
	b->lru.next = saved_next;
	CHECK_EQ(kmm_page_check(k), 0);
	(void)h;

	/* A free block claiming an order its position cannot have. */
	b->private_ = 5;
	CAUGHT(k, "has bad order 5");
	b->private_ = 4;
	kmm_free_pages(k, p, 4);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(unmerged_buddies)
{
	struct kmm *k = mk(1);
	REQUIRE(k);
	struct kmm_zone *z = normal(k);
	/* Split a free order-10 block into two free order-9 halves by hand,
	 * counters kept right: only the merge invariant is broken. */
	struct list_head *h = &z->free_area[10].free_list[KMM_MIGRATE_MOVABLE];
	struct kmm_page *blk = list_entry(h->next, struct kmm_page, lru);
	kmm_pfn_t pfn = kmm_page_to_pfn(k, blk);
	list_del(&blk->lru);
	z->free_area[10].nr_free--;
	struct kmm_page *hi = &k->pages[pfn + 512];
	blk->private_ = 9;
	hi->flags = PG_buddy;
	hi->private_ = 9;
	hi->migratetype = KMM_MIGRATE_MOVABLE;
	list_add(&blk->lru, &z->free_area[9].free_list[KMM_MIGRATE_MOVABLE]);
	list_add(&hi->lru, &z->free_area[9].free_list[KMM_MIGRATE_MOVABLE]);
	z->free_area[9].nr_free += 2;
	CAUGHT(k, "are both free and mergeable");
	CHECK(!kmm_page_fully_coalesced(k));
	/* Undo. */
	list_del(&blk->lru);
	list_del(&hi->lru);
	z->free_area[9].nr_free -= 2;
	hi->flags = 0;
	hi->private_ = 0;
	blk->private_ = 10;
	list_add(&blk->lru, h);
	z->free_area[10].nr_free++;
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK(kmm_page_fully_coalesced(k));
	kmm_destroy(k);
}

TEST(zone_check_and_bad_args)
{
	struct kmm *k = mk(1);
	REQUIRE(k);
	CHECK_EQ(kmm_zone_check(k, 0, KMM_ZONE_NORMAL), 0);
	CHECK_EQ(kmm_zone_check(k, 0, KMM_ZONE_DMA), 0); /* absent zone: nothing to check */
	CHECK(kmm_zone_check(k, 1, KMM_ZONE_NORMAL) < 0);
	CHECK(kmm_zone_check(k, 0, KMM_NR_ZONES) < 0);
	normal(k)->free_pages++;
	CHECK(kmm_zone_check(k, 0, KMM_ZONE_NORMAL) > 0);
	normal(k)->free_pages--;
	kmm_destroy(k);
}

/* The fast free's bounds: k->direct_pfns (the buddy path's mode) against
 * k->fast_free_pfns, each caught when it names the other mode. */
TEST(fast_bounds)
{
	struct kmm *k = mk(0);
	REQUIRE(k);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_pfn_t fast = k->fast_free_pfns, direct = k->direct_pfns;
	CHECK(fast + direct == k->total_pages); /* exactly one mode */
	k->fast_free_pfns = direct;
	k->direct_pfns = fast;
	CAUGHT(k, "fast free bounds");
	k->fast_free_pfns = fast;
	k->direct_pfns = direct;
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(asserts_report_and_continue)
{
	struct kmm *k = mk(1);
	REQUIRE(k);
	/* What the build compiled in (KMM_DEBUG / KMM_DEBUG_LEVEL). */
	const uint64_t on1 = KMM_DEBUG >= 1, on2 = KMM_DEBUG >= 2;
	int evaluated = 0;
	reports[0] = '\0';
	KMM_ASSERT(k, 1 + 1 == 3);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_CHECK), on1);
	CHECK(!on1 || strstr(reports, "assertion failed: 1 + 1 == 3") != NULL);
	KMM_ASSERT(k, ++evaluated > 0);
	CHECK_EQ(evaluated, on1);
	/* Level 2 asserts are off at debug level 1: not even evaluated. */
	KMM_ASSERT_EXPENSIVE(k, ++evaluated < 0);
	CHECK_EQ(evaluated, on1);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_CHECK), on1);
	k->cfg.debug_level = 2;
	KMM_ASSERT_EXPENSIVE(k, ++evaluated < 0);
	CHECK_EQ(evaluated, on1 + on2);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_CHECK), on1 + on2);
	/* Runtime level 0: nothing, even when compiled in. */
	k->cfg.debug_level = 0;
	KMM_ASSERT(k, ++evaluated < 0);
	CHECK_EQ(evaluated, on1 + on2);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_CHECK), on1 + on2);
	kmm_destroy(k);
}

int main(void)
{
	RUN(counters);
	RUN(lists_and_pages);
	RUN(unmerged_buddies);
	RUN(zone_check_and_bad_args);
	RUN(fast_bounds);
	RUN(asserts_report_and_continue);
	return test_summary();
}
