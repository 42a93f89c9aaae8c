// SPDX-License-Identifier: MIT
/*
 * Every misuse class of kmm_free_pages / kmm_free_pages_addr: reported once,
 * kernel style, with its own reason; nothing freed; the checker passes
 * afterwards and the block can still be freed correctly.
 */
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/page/internal.h"
#include "test.h"

static char last[1024];
static unsigned emitted;
static void capture(void *ctx, enum kmm_report_kind kind, const char *text)
{
	(void)ctx;
	if (kind == KMM_REPORT_BAD_PAGE) {
		snprintf(last, sizeof(last), "%s", text);
		emitted++;
	}
}

static struct kmm *mk(void)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 1024);
	memset(c.nodes, 0, sizeof(c.nodes));
	c.nodes[0].zones[KMM_ZONE_DMA].spanned_pages = 1000; /* padding 1000..1023 */
	c.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = 8192;
	c.nodes[0].zones[KMM_ZONE_NORMAL].hole_start = 4096;
	c.nodes[0].zones[KMM_ZONE_NORMAL].hole_pages = 64;
	c.nodes[0].zones[KMM_ZONE_NORMAL].reserved_pages = 3;
	c.sink.emit = capture;
	c.debug_level = 2;
	return kmm_create(&c);
}

/* State that a misuse must leave alone. */
struct snap {
	uint64_t free[KMM_NR_ZONES], pcp[KMM_NR_ZONES], pgfree;
};
static struct snap snap(struct kmm *k)
{
	struct snap s;
	memset(&s, 0, sizeof(s));
	for (int z = 0; z < KMM_NR_ZONES; z++) {
		struct kmm_zone_info zi;
		kmm_zone_info(k, 0, (enum kmm_zone_type)z, &zi);
		s.free[z] = zi.free_pages;
		s.pcp[z] = zi.pcp_pages;
	}
	s.pgfree = kmm_vm_event(k, KMM_PGFREE);
	return s;
}

/* One misuse: exactly one BAD_PAGE report with this reason and pfn text,
 * nothing else changed, checker clean. */
static void expect_misuse(struct kmm *k, const char *reason, const char *pfn_text, int line)
{
	(void)line;
	CHECK(strncmp(last, "BUG: Bad page state in process kmm  pfn:0x", 42) == 0);
	CHECK(strstr(last, "\npage: ") != NULL);
	char want[300];
	snprintf(want, sizeof(want), "\npage dumped because: %s", reason);
	if (!strstr(last, want)) {
		fprintf(stderr, "line %d: want reason \"%s\" in:\n%s", line, reason, last);
		CHECK(!"reason");
	}
	if (pfn_text && !strstr(last, pfn_text)) {
		fprintf(stderr, "line %d: want \"%s\" in:\n%s", line, pfn_text, last);
		CHECK(!"pfn");
	}
	CHECK_EQ(kmm_page_check(k), 0);
}

#define MISUSE(k, call, reason, pfn_text)                                                       \
	do {                                                                                    \
		struct snap before_ = snap(k);                                                  \
		uint64_t n_ = kmm_report_count(k, KMM_REPORT_BAD_PAGE);                         \
		uint64_t v_ = kmm_vm_event(k, KMM_BAD_PAGE);                                    \
		unsigned e_ = emitted;                                                          \
		last[0] = '\0';                                                                 \
		call;                                                                           \
		CHECK_EQ(kmm_report_count(k, KMM_REPORT_BAD_PAGE), n_ + 1);                     \
		CHECK_EQ(kmm_vm_event(k, KMM_BAD_PAGE), v_ + 1);                                \
		CHECK_EQ(emitted, e_ + 1);                                                      \
		struct snap after_ = snap(k);                                                   \
		CHECK(memcmp(&before_, &after_, sizeof(before_)) == 0);                         \
		expect_misuse(k, reason, pfn_text, __LINE__);                                   \
	} while (0)

TEST(double_free)
{
	struct kmm *k = mk();
	REQUIRE(k);
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
	struct kmm_page *q = kmm_alloc_pages(k, KMM_GFP_KERNEL, 5);
	REQUIRE(p && q);
	kmm_free_pages(k, p, 0);
	MISUSE(k, kmm_free_pages(k, p, 0), "double free: page is already free (on cpu 0's pcp list)", NULL);
	kmm_free_pages(k, q, 5);
	MISUSE(k, kmm_free_pages(k, q, 5), "double free: page is already free (in the buddy lists)", NULL);
	/* A page inside a free block (the block merged into a bigger one). */
	MISUSE(k, kmm_free_pages(k, q + 1, 0), "double free: page lies inside a free block", NULL);
	CHECK_EQ(kmm_vm_event(k, KMM_PGFREE), 33);
	kmm_destroy(k);
}

TEST(foreign_pointers)
{
	struct kmm *k = mk();
	REQUIRE(k);
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
	REQUIRE(p);
	struct kmm_page local;
	MISUSE(k, kmm_free_pages(k, &local, 0), "struct page pointer outside this system", "pfn:0xffffffff");
	MISUSE(k, kmm_free_pages(k, NULL, 0), "freeing a NULL struct page", "pfn:0xffffffff");
	MISUSE(k, kmm_free_pages(k, (struct kmm_page *)(void *)((char *)p + 8), 0),
	       "pointer inside the struct page array but not on a struct page boundary", NULL);
	struct kmm_page *past = (struct kmm_page *)(uintptr_t)((uintptr_t)k->pages +
							       (kmm_total_pages(k) + 5) * sizeof(struct kmm_page));
	MISUSE(k, kmm_free_pages(k, past, 0), "struct page pointer outside this system", NULL);
	MISUSE(k, kmm_free_pages(k, p, KMM_MAX_ORDER + 1), "order 11 > MAX_ORDER 10", NULL);
	/* By address. */
	char buf[64];
	MISUSE(k, kmm_free_pages_addr(k, buf, 0), "address outside this system's memory", "pfn:0xffffffff");
	void *a = kmm_page_address(k, p);
	MISUSE(k, kmm_free_pages_addr(k, (char *)a + 100, 0), "misaligned address: not the start of a page", NULL);
	MISUSE(k, kmm_free_pages_addr(k, a, 12), "order 12 > MAX_ORDER 10", NULL);
	kmm_free_pages_addr(k, a, 0); /* the real free still works */
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(wrong_order_tail_and_inner_pages)
{
	struct kmm *k = mk();
	REQUIRE(k);
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 2);
	struct kmm_page *c = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_COMP, 3);
	REQUIRE(p && c);
	char pfn_text[32];
	MISUSE(k, kmm_free_pages(k, p, 1), "wrong order: allocated as order 2, freed as order 1", NULL);
	MISUSE(k, kmm_free_pages(k, p, 3), "wrong order: allocated as order 2, freed as order 3", NULL);
	snprintf(pfn_text, sizeof(pfn_text), "head pfn:0x%x", kmm_page_to_pfn(k, c));
	MISUSE(k, kmm_free_pages(k, c + 3, 0), "freeing a tail page of a compound page", pfn_text);
	MISUSE(k, kmm_free_pages(k, c + 4, 2), "freeing a tail page of a compound page", NULL);
	MISUSE(k, kmm_free_pages(k, c, 2), "wrong order: allocated as order 3, freed as order 2", NULL);
	MISUSE(k, kmm_free_pages(k, p + 1, 0), "freeing a page inside an allocated block", NULL);
	MISUSE(k, kmm_free_pages(k, p + 1, 2), "misaligned: pfn not aligned to order 2", NULL);
	MISUSE(k, kmm_free_pages_addr(k, kmm_page_address(k, p + 2), 1), "freeing a page inside an allocated block",
	       NULL);
	/* The report shows the page: pfn and flags. */
	snprintf(pfn_text, sizeof(pfn_text), "page: pfn:0x%x ", kmm_page_to_pfn(k, p));
	MISUSE(k, kmm_free_pages(k, p, 0), "wrong order", pfn_text);
	CHECK(strstr(last, "flags:0x40(allocated)") != NULL);
	printf("sample report:\n%s", last);
	kmm_free_pages(k, p, 2);
	kmm_free_pages(k, c, 3);
	CHECK_EQ(kmm_vm_event(k, KMM_BAD_PAGE), 9);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	kmm_destroy(k);
}

TEST(holes_and_reserved)
{
	struct kmm *k = mk();
	REQUIRE(k);
	kmm_pfn_t normal = 1024;
	MISUSE(k, kmm_free_pages(k, kmm_pfn_to_page(k, normal + 4096 + 10), 0),
	       "freeing a page of a memory hole (not present)", "pfn:0x0140a");
	MISUSE(k, kmm_free_pages(k, kmm_pfn_to_page(k, 1010), 0), "freeing a page of a memory hole", NULL);
	MISUSE(k, kmm_free_pages(k, kmm_pfn_to_page(k, normal + 1), 0),
	       "freeing a reserved page (never managed by the buddy allocator)", NULL);
	MISUSE(k, kmm_free_pages_addr(k, (char *)kmm_arena_base(k) + (size_t)normal * KMM_PAGE_SIZE, 0),
	       "freeing a reserved page", NULL);
	kmm_destroy(k);
}

TEST(misuse_after_lots_of_traffic_keeps_state)
{
	struct kmm *k = mk();
	REQUIRE(k);
	struct kmm_page *live[64];
	for (int i = 0; i < 64; i++) {
		live[i] = kmm_alloc_pages(k, KMM_GFP_KERNEL, (unsigned)(i % 4));
		REQUIRE(live[i]);
	}
	for (int i = 0; i < 64; i += 2)
		kmm_free_pages(k, live[i], (unsigned)(i % 4));
	for (int i = 0; i < 64; i += 2)
		MISUSE(k, kmm_free_pages(k, live[i], (unsigned)(i % 4)), "double free", NULL);
	for (int i = 1; i < 64; i += 2)
		kmm_free_pages(k, live[i], (unsigned)(i % 4));
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK_EQ(kmm_vm_event(k, KMM_PGALLOC), kmm_vm_event(k, KMM_PGFREE));
	kmm_destroy(k);
}

int main(void)
{
	RUN(double_free);
	RUN(foreign_pointers);
	RUN(wrong_order_tail_and_inner_pages);
	RUN(holes_and_reserved);
	RUN(misuse_after_lots_of_traffic_keeps_state);
	return test_summary();
}
