// SPDX-License-Identifier: MIT
/*
 * Free pages are unaddressable to the memory checkers.
 *
 *   test_poison                  benign: allocate, use, free, reuse; passes
 *   test_poison touch-free-page  frees a page and then writes to it: under
 *                                ASan this is "use-after-poison", under
 *                                Valgrind (libkmm built with KMM_VALGRIND)
 *                                an "Invalid write"; ctest expects the tool
 *                                to report it.
 * Without either tool the bad write goes unnoticed (the program says so).
 */
#include <string.h>

#include <kmm/kmm.h>

#include "test.h"

static struct kmm *mk(void)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 16384);
	c.debug_level = 2;
	return kmm_create(&c);
}

TEST(benign_use_of_allocated_pages)
{
	struct kmm *k = mk();
	REQUIRE(k);
	for (unsigned order = 0; order <= 5; order++) {
		struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_ZERO, order);
		REQUIRE(p);
		unsigned char *a = kmm_page_address(k, p);
		size_t bytes = (size_t)KMM_PAGE_SIZE << order;
		CHECK(a[0] == 0 && a[bytes - 1] == 0);
		memset(a, 0x5a, bytes);
		CHECK(a[bytes / 2] == 0x5a);
		kmm_free_pages(k, p, order);
	}
	/* Reuse after free: the same (pcp) page comes back addressable. */
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
	REQUIRE(p);
	unsigned char *a = kmm_page_address(k, p);
	kmm_free_pages(k, p, 0);
	struct kmm_page *q = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_ZERO, 0);
	REQUIRE(q);
	CHECK(q == p);
	a[100] = 1;
	CHECK(a[100] == 1 && a[99] == 0);
	/* Compound and by-address paths. */
	void *v = kmm_get_free_pages(k, KMM_GFP_KERNEL | KMM___GFP_COMP | KMM___GFP_ZERO, 3);
	REQUIRE(v);
	memset(v, 7, 8 * KMM_PAGE_SIZE);
	kmm_free_pages_addr(k, v, 3);
	kmm_free_pages(k, q, 0);
	CHECK_EQ(kmm_page_check(k), 0);
	/* Destroying with live allocations is fine. */
	CHECK(kmm_alloc_pages(k, KMM_GFP_KERNEL, 2) != NULL);
	kmm_destroy(k);
}

static int touch_free_page(void)
{
	struct kmm *k = mk();
	if (!k)
		return 2;
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
	if (!p)
		return 2;
	volatile unsigned char *a = kmm_page_address(k, p);
	a[0] = 1; /* fine: allocated */
	kmm_free_pages(k, p, 0);
	fprintf(stderr, "test_poison: writing to a freed page at offset 64 of pfn %u\n", kmm_page_to_pfn(k, p));
	a[64] = 2; /* the bug under test */
	fprintf(stderr, "test_poison: the write to a free page was not detected "
			"(run under ASan or Valgrind with KMM_VALGRIND)\n");
	kmm_destroy(k);
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "touch-free-page") == 0)
			return touch_free_page();
	RUN(benign_use_of_allocated_pages);
	return test_summary();
}
