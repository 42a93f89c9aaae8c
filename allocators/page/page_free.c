// SPDX-License-Identifier: MIT
/*
 * Freeing pages (__free_pages, free_pages, free_unref_page) and the misuse
 * detector in front of it.
 *
 * A correct free names the first page of a live block with the order it was
 * allocated with. Everything else is misuse, and each class is told apart so
 * the report says what went wrong:
 *   - a struct page pointer outside the system, or inside the array but not
 *     on a struct page boundary; an address outside the arena, or not page
 *     aligned; an order above MAX_ORDER;
 *   - a page of a hole or a reserved page (never managed);
 *   - double free: the page is free (buddy or pcp), or lies inside a free
 *     block;
 *   - a tail page of a compound page; a page inside a larger allocated block;
 *   - a PFN not aligned to the order given; a wrong order for the block.
 * Each is reported once, kernel style, through kmm_report(KMM_REPORT_BAD_PAGE):
 *   BUG: Bad page state in process kmm  pfn:0x00123
 *   page: pfn:0x123 refcount:0 order:2 node:0 zone:Normal migratetype:Movable flags:0x1(buddy)
 *   page dumped because: double free: page is already free (in the buddy lists)
 * (pfn:0xffffffff when the pointer names no page of this system), counted in
 * vm[KMM_BAD_PAGE], and the call returns having changed nothing else: misuse
 * frees nothing, so every invariant still holds afterwards.
 *
 * The correct case costs one range check and one compare of the page's
 * state; the classification runs only once that compare has failed.
 */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "internal.h"
#include "track.h"

static void page_flags_text_(uint32_t flags, char *buf, size_t len)
{
	static const char *const names[] = { "buddy", "head", "tail", "reserved", "hole", "pcp", "allocated" };
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & (1u << i)))
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? "|" : "", names[i]);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

/* bad_page(): the three-line report, then count. */
static void bad_page_(struct kmm *k, kmm_pfn_t pfn, const char *reason)
{
	char dump[200];

	if (pfn != KMM_PFN_NONE && pfn < k->total_pages) {
		const struct kmm_page *p = &k->pages[pfn];
		char fl[80];
		page_flags_text_(p->flags, fl, sizeof(fl));
		snprintf(dump, sizeof(dump),
			 "page: pfn:0x%x refcount:%d order:%u node:%u zone:%s migratetype:%s flags:0x%x(%s)", pfn,
			 p->refcount, p->private_, p->node, kmm_zone_name((enum kmm_zone_type)p->zone),
			 kmm_migratetype_name((enum kmm_migratetype)(p->migratetype < KMM_MIGRATE_TYPES
										? p->migratetype
										: KMM_MIGRATE_UNMOVABLE)),
			 p->flags, fl);
	} else {
		snprintf(dump, sizeof(dump), "page: (not a page of this system)");
	}
	kmm_report(k, KMM_REPORT_BAD_PAGE,
		   "BUG: Bad page state in process kmm  pfn:0x%05x\n%s\npage dumped because: %s\n", pfn, dump,
		   reason);
	count_vm_(k, KMM_BAD_PAGE, 1);
}

/*
 * Why freeing (pfn, order) is wrong; called with the zone lock held, on a
 * page whose state did not match a live block of that order.
 */
static void classify_bad_free_(struct kmm *k, kmm_pfn_t pfn, unsigned order, char *why, size_t len)
{
	const struct kmm_page *p = &k->pages[pfn];

	if (p->flags & PG_hole) {
		snprintf(why, len, "freeing a page of a memory hole (not present)");
	} else if (p->flags & PG_reserved) {
		snprintf(why, len, "freeing a reserved page (never managed by the buddy allocator)");
	} else if (p->flags & PG_buddy) {
		snprintf(why, len, "double free: page is already free (in the buddy lists)");
	} else if (p->flags & PG_pcp) {
		snprintf(why, len, "double free: page is already free (on cpu %u's pcp list)", p->pcp_cpu);
	} else if (p->flags & PG_tail) {
		snprintf(why, len, "freeing a tail page of a compound page (head pfn:0x%x)", p->compound_head);
	} else if (pfn & ((1u << order) - 1)) {
		snprintf(why, len, "misaligned: pfn not aligned to order %u", order);
	} else if (p->flags & PG_allocated) {
		snprintf(why, len, "wrong order: allocated as order %u, freed as order %u", p->private_, order);
	} else {
		/* An inner page: find the block around it. */
		for (unsigned o = 1; o < KMM_NR_ORDERS; o++) {
			kmm_pfn_t head = pfn & ~((1u << o) - 1);
			const struct kmm_page *h = &k->pages[head];
			if (h->private_ < o || !(h->flags & (PG_buddy | PG_pcp | PG_allocated)))
				continue;
			if (h->flags & PG_allocated)
				snprintf(why, len, "freeing a page inside an allocated block (block pfn:0x%x order:%u)",
					 head, h->private_);
			else
				snprintf(why, len, "double free: page lies inside a free block (block pfn:0x%x order:%u)",
					 head, h->private_);
			return;
		}
		snprintf(why, len, "freeing a page that is not allocated");
	}
}

/* free_unref_page_commit(): onto this CPU's pcp list; trim to batch past high. */
static inline __attribute__((always_inline)) void free_to_pcp_(struct kmm_zone *z, struct kmm_page *page,
							      kmm_pfn_t pfn, unsigned order)
{
	struct kmm *k = z->sys;
	int mt = get_pageblock_migratetype_(z, pfn);
	if (kmm_unlikely(mt >= KMM_MIGRATE_PCPTYPES)) {
		if (mt == KMM_MIGRATE_ISOLATE) {
			__free_one_page_(z, pfn, order, mt);
			return;
		}
		mt = KMM_MIGRATE_MOVABLE; /* highatomic: held as movable until drained */
	}
	unsigned cpu = current_cpu_(k);
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	unsigned pindex = order * KMM_MIGRATE_PCPTYPES + (unsigned)mt;
	page->flags = PG_pcp;
	page->pcp_cpu = (uint8_t)cpu;
	page->migratetype = (uint8_t)mt;
	list_add(&page->lru, &pcp->lists[pindex]);
	pcp->count += 1u << order;
	if (kmm_unlikely(pcp->count >= pcp->high))
		free_pcppages_bulk_(z, pcp, pcp->batch, pindex);
}

/* The state did not match a live block of this order: say why (kept out
 * of line so the correct free carries no report buffers). */
__attribute__((cold, noinline)) static void bad_free_(struct kmm *k, struct kmm_zone *z, kmm_pfn_t pfn,
						     unsigned order)
{
	char why[160];
	zone_lock_(z);
	classify_bad_free_(k, pfn, order, why, sizeof(why));
	zone_unlock_(z);
	bad_page_(k, pfn, why);
}

static inline __attribute__((always_inline)) void __free_pages_(struct kmm *k, struct kmm_page *page,
							       kmm_pfn_t pfn, unsigned order)
{
	struct kmm_zone *z = page_zone_(k, page);

	zone_lock_(z);
	if (kmm_unlikely((page->flags & ~(uint32_t)PG_head) != PG_allocated || page->private_ != order)) {
		zone_unlock_(z);
		bad_free_(k, z, pfn, order);
		return;
	}
	if (page->flags & PG_head) {
		for (uint32_t i = 1; i < (1u << order); i++) {
			page[i].flags = 0;
			page[i].compound_head = 0;
		}
	}
	page->refcount = 0;
	page->alloc_gfp = 0;
	/* The block is the allocator's again: unaddressable for the user. */
	kmm_track_free(k->arena, (char *)k->arena + ((size_t)pfn << KMM_PAGE_SHIFT), (size_t)KMM_PAGE_SIZE << order);
	if (kmm_likely(order <= KMM_PCP_MAX_ORDER)) {
		free_to_pcp_(z, page, pfn, order);
	} else {
		page->flags = 0;
		__free_one_page_(z, pfn, order, get_pageblock_migratetype_(z, pfn));
	}
	zone_unlock_(z);
	count_vm_(k, KMM_PGFREE, 1u << order);
}

/* A pointer that names no struct page of this system, or a bad order. */
__attribute__((cold, noinline)) static void bad_pointer_(struct kmm *k, const struct kmm_page *page, uintptr_t off,
							uintptr_t pfn, unsigned order)
{
	char why[120];
	kmm_pfn_t shown = KMM_PFN_NONE;

	if (!page)
		snprintf(why, sizeof(why), "freeing a NULL struct page");
	else if ((uintptr_t)page < (uintptr_t)k->pages || pfn >= k->total_pages)
		snprintf(why, sizeof(why), "struct page pointer outside this system");
	else if (off % sizeof(struct kmm_page))
		snprintf(why, sizeof(why), "pointer inside the struct page array but not on a struct page boundary");
	else {
		shown = (kmm_pfn_t)pfn;
		snprintf(why, sizeof(why), "order %u > MAX_ORDER %d", order, KMM_MAX_ORDER);
	}
	bad_page_(k, shown, why);
}

void kmm_free_pages(struct kmm *k, struct kmm_page *page, unsigned order)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)k->pages;
	uintptr_t pfn = off / sizeof(struct kmm_page);

	if (kmm_unlikely((uintptr_t)page < (uintptr_t)k->pages || pfn >= k->total_pages ||
			 off % sizeof(struct kmm_page) || order > KMM_MAX_ORDER)) {
		bad_pointer_(k, page, off, pfn, order);
		return;
	}
	__free_pages_(k, page, (kmm_pfn_t)pfn, order);
}

void kmm_free_pages_addr(struct kmm *k, const void *addr, unsigned order)
{
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)k->arena;

	if (!addr)
		return; /* free_pages(0, order) is a no-op, as in the kernel */
	if (kmm_unlikely(a < base || (a - base) >> KMM_PAGE_SHIFT >= k->total_pages)) {
		bad_page_(k, KMM_PFN_NONE, "address outside this system's memory");
		return;
	}
	kmm_pfn_t pfn = (kmm_pfn_t)((a - base) >> KMM_PAGE_SHIFT);
	if (kmm_unlikely(a & (KMM_PAGE_SIZE - 1))) {
		bad_page_(k, pfn, "misaligned address: not the start of a page");
		return;
	}
	if (kmm_unlikely(order > KMM_MAX_ORDER)) {
		char why[64];
		snprintf(why, sizeof(why), "order %u > MAX_ORDER %d", order, KMM_MAX_ORDER);
		bad_page_(k, pfn, why);
		return;
	}
	__free_pages_(k, &k->pages[pfn], pfn, order);
}
