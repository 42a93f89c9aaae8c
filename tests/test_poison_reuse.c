// SPDX-License-Identifier: MIT
/*
 * Free pages stay unaddressable when the platform keeps its arena from one
 * system for the next (kmm_platform.arena_poisoned, the executor's reuse
 * platform): libkmm then skips the arena-wide poison at create and the
 * unpoison at destroy, so these checks prove the shortcut keeps the
 * guarantee test_poison proves for fresh arenas:
 *   - a new system's free pages are poisoned, its allocated ones are not;
 *   - a freed block is poisoned again;
 *   - at destroy, blocks still handed out are poisoned back, so the next
 *     system on the same arena starts with every page poisoned;
 *   - a second system on the kept arena behaves like the first.
 * The state is read with ASan's own query (__asan_address_is_poisoned);
 * without ASan only the platform's side is checked (the kept arena comes
 * back to the next system, which works as a fresh one).
 */
#include <stdio.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../differential/exec_internal.h"
#include "test.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

#ifdef HAVE_ASAN
#include <sanitizer/asan_interface.h>
#define is_poisoned(a) (__asan_address_is_poisoned(a) != 0)
#define region_unpoisoned(a, n) (__asan_region_is_poisoned((a), (n)) == NULL)
#else
/* Nothing to observe: vacuously true, so only the rest is checked. */
#define is_poisoned(a) ((void)(a), true)
#define region_unpoisoned(a, n) ((void)(a), (void)(n), true)
#endif

#define PAGES 1024u

static struct kmm_platform platform;

static struct kmm *mk(void)
{
	struct kmm_config c;

	kmm_config_init(&c, 1, PAGES);
	c.platform = exec_platform_reuse(&platform);
	return kmm_create(&c);
}

static unsigned char *addr(struct kmm *k, struct kmm_page *p)
{
	return kmm_page_address(k, p);
}

/* Both ends and the middle of every page of [a, a + bytes) poisoned? */
static bool all_poisoned(const unsigned char *a, size_t bytes)
{
	for (size_t off = 0; off < bytes; off += KMM_PAGE_SIZE)
		if (!is_poisoned(a + off) || !is_poisoned(a + off + 2048) || !is_poisoned(a + off + KMM_PAGE_SIZE - 1))
			return false;
	return true;
}

TEST(kept_arena_poisoned_across_systems)
{
	struct kmm *k = mk();
	REQUIRE(k);
	CHECK(platform.arena_poisoned);
	unsigned char *arena = kmm_arena_base(k);
	size_t bytes = (size_t)kmm_total_pages(k) * KMM_PAGE_SIZE;

	/* A new system: every page free, every page poisoned. */
	CHECK(all_poisoned(arena, bytes));

	/* Handed out: addressable; given back: poisoned again. */
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_ZERO, 3);
	REQUIRE(p);
	CHECK(region_unpoisoned(addr(k, p), 8 * KMM_PAGE_SIZE));
	memset(addr(k, p), 0x5a, 8 * KMM_PAGE_SIZE);
	kmm_free_pages(k, p, 3);
	CHECK(all_poisoned(addr(k, p), 8 * KMM_PAGE_SIZE));

	/* Destroyed with blocks still handed out: they go back poisoned. */
	struct kmm_page *live0 = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
	struct kmm_page *live2 = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_COMP, 2);
	REQUIRE(live0 && live2);
	unsigned char *a0 = addr(k, live0), *a2 = addr(k, live2);
	CHECK(region_unpoisoned(a0, KMM_PAGE_SIZE) && region_unpoisoned(a2, 4 * KMM_PAGE_SIZE));
	kmm_destroy(k);
	CHECK(all_poisoned(a0, KMM_PAGE_SIZE));
	CHECK(all_poisoned(a2, 4 * KMM_PAGE_SIZE));
	CHECK(all_poisoned(arena, bytes));

	/* The next system gets the same arena and the same guarantees. */
	k = mk();
	REQUIRE(k);
	CHECK(kmm_arena_base(k) == (void *)arena);
	CHECK(all_poisoned(arena, bytes));
	p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
	REQUIRE(p);
	CHECK(region_unpoisoned(addr(k, p), KMM_PAGE_SIZE));
	addr(k, p)[KMM_PAGE_SIZE - 1] = 1;
	kmm_free_pages(k, p, 0);
	CHECK(all_poisoned(addr(k, p), KMM_PAGE_SIZE));
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
	CHECK(all_poisoned(arena, bytes));
}

int main(void)
{
#ifndef HAVE_ASAN
	printf("test_poison_reuse: not an ASan build: the poison checks are vacuous, the arena reuse is checked\n");
#endif
	RUN(kept_arena_poisoned_across_systems);
	return test_summary();
}
