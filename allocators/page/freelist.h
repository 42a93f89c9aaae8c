/* SPDX-License-Identifier: MIT */
/*
 * The hot primitives of the buddy free lists, inline: putting a block on a
 * list and taking it off (with the counters that follow the lists), expand()
 * (split), __rmqueue_smallest() (take the smallest fitting block) and
 * __free_one_page() (merge and insert). buddy.c explains the algorithm and
 * owns everything around it (fallback, stealing, the highatomic reserve);
 * this header only holds the inner loops so that the paths moving blocks
 * between the free lists and their users or the pcp lists (pcp.c,
 * page_free.c, buddy.c) compile to one function each instead of a call per
 * kernel layer (rmqueue_bulk -> __rmqueue -> __rmqueue_smallest -> expand).
 * Every function here is called with zone->lock held (threaded mode).
 *
 * Accounting kept by add/del (the only ways on and off a free list, with
 * move_to_free_list_() in buddy.c): free_area[o].nr_free and nr_free_mt[t]
 * count the blocks on the lists, zone->free_pages their pages. The split
 * and merge loops use the area_ halves, which leave free_pages alone, and
 * settle it once: a split moves pages between orders and hands out
 * 1 << order of them, a merge takes in 1 << order, whatever the levels.
 */
#ifndef KMM_PAGE_FREELIST_H
#define KMM_PAGE_FREELIST_H

#include "assert.h"
#include "internal.h"

/* flags and private_ in one store (internal.h: page_state_word_()). */
static inline void page_set_state_(struct kmm_page *p, uint32_t flags, uint32_t order)
{
	uint64_t v = page_state_word_(flags, order);
	memcpy(&p->flags, &v, sizeof(v));
}

/* A free block of exactly this order heads the page (page_is_buddy()). */
static inline bool page_is_buddy_(const struct kmm_page *p, unsigned order)
{
	return page_state_(p) == page_state_word_(PG_buddy, order);
}

/* On the list of its order and type as a PG_buddy head: the list and the
 * block counts, not zone->free_pages (see above). buddy_state is
 * page_state_word_(PG_buddy, order), for callers that carry it. */
static inline void area_add_word_(struct free_area *area, struct kmm_page *p, uint64_t buddy_state, int mt,
				  bool tail)
{
	memcpy(&p->flags, &buddy_state, sizeof(buddy_state)); /* page_set_state_(p, PG_buddy, order) */
	p->migratetype = (uint8_t)mt;
	if (!__builtin_constant_p(tail)) /* a computed end: no branch on it */
		list_add_either(&p->lru, &area->free_list[mt], tail);
	else if (tail)
		list_add_tail(&p->lru, &area->free_list[mt]);
	else
		list_add_hot(&p->lru, &area->free_list[mt]);
	area->nr_free++;
	area->nr_free_mt[mt]++;
}

static inline void area_add_(struct free_area *area, struct kmm_page *p, unsigned order, int mt, bool tail)
{
	area_add_word_(area, p, page_state_word_(PG_buddy, order), mt, tail);
}

/* Off its list, flags and order cleared (the page is then a plain inner
 * page, or about to be handed out); the block counts, not free_pages. */
static inline void area_del_(struct free_area *area, struct kmm_page *p, int mt)
{
	__list_del_entry(&p->lru);
	area->nr_free--;
	area->nr_free_mt[mt]--;
	page_set_state_(p, 0, 0);
}

static inline void add_to_free_list_(struct kmm_zone *z, struct kmm_page *p, unsigned order, int mt, bool tail)
{
	area_add_(&z->free_area[order], p, order, mt, tail);
	z->free_pages += 1u << order;
}

static inline void del_from_free_list_(struct kmm_zone *z, struct kmm_page *p, unsigned order)
{
	area_del_(&z->free_area[order], p, p->migratetype);
	z->free_pages -= 1u << order;
}

/* The halves of expand(): a block of order high at page split down to
 * order low, the upper halves onto the lists of type mt; the caller
 * settles free_pages. */
/* The same from the area of order high (z->free_area[high]): the areas
 * below it are walked by pointer. */
static inline void expand_down_(struct free_area *area, struct kmm_page *page, unsigned low, unsigned high, int mt)
{
	while (high > low) {
		high--;
		area--;
		area_add_(area, page + (1u << high), high, mt, false);
	}
}

static inline void expand_areas_(struct kmm_zone *z, struct kmm_page *page, unsigned low, unsigned high, int mt)
{
	expand_down_(&z->free_area[high], page, low, high, mt);
}

/* expand(): split a block of order high at page down to order low; the
 * upper halves go back on the lists of type mt. */
static inline void expand_(struct kmm_zone *z, struct kmm_page *page, unsigned low, unsigned high, int mt)
{
	expand_areas_(z, page, low, high, mt);
	z->free_pages += (1u << high) - (1u << low);
}

/* __rmqueue_smallest(): the first block of the smallest order >= order on
 * mt's lists, split down to order. The page comes back off every list,
 * flags 0; NULL if mt's lists have nothing big enough. */
static inline __attribute__((always_inline)) struct kmm_page *rmqueue_smallest_inl_(struct kmm_zone *z,
										    unsigned order, int mt)
{
	for (unsigned o = order; o < KMM_NR_ORDERS; o++) {
		struct free_area *area = &z->free_area[o];
		if (!area->nr_free_mt[mt])
			continue;
		struct kmm_page *p = list_entry(area->free_list[mt].next, struct kmm_page, lru);
		area_del_(area, p, mt); /* the list's type is its blocks' */
		expand_areas_(z, p, order, o, mt);
		z->free_pages -= 1u << order;
		return p;
	}
	return NULL;
}

/* __rmqueue(): mt's own lists first, a fallback type's only when they are
 * empty (out of line: stealing is rare and long). */
static inline struct kmm_page *rmqueue_inl_(struct kmm_zone *z, unsigned order, int mt, unsigned alloc_flags)
{
	struct kmm_page *page = rmqueue_smallest_inl_(z, order, mt);
	if (kmm_unlikely(!page))
		page = __rmqueue_fallback_(z, order, mt, alloc_flags);
	return page;
}

/*
 * The kernel's buddy_merge_likely(): if the block's buddy one order up is
 * free, the block will probably merge soon, so queue it at the tail where
 * it is less likely to be split again first.
 */
static inline bool buddy_merge_likely_(const struct kmm_zone *z, const struct kmm_page *pages, kmm_pfn_t pfn,
				       unsigned order)
{
	if (order >= KMM_MAX_ORDER - 1)
		return false;
	kmm_pfn_t higher_buddy = (pfn & ~((2u << order) - 1)) ^ (2u << order);
	return zone_spans_pfn_(z, higher_buddy) && page_is_buddy_(&pages[higher_buddy], order + 1);
}

/*
 * __free_one_page() from pageblock order up (free_one_page_inl_ below
 * does the levels under it): the buddy lies in another pageblock, whose
 * type may differ; never merge a reserve or an isolated block into an
 * ordinary one, and retype the buddy's pageblocks when two ordinary types
 * merge. Ends by putting the block on its list. buddy.c; out of line, as
 * merges this large are rare.
 */
void free_one_page_high_(struct kmm_zone *z, kmm_pfn_t pfn, unsigned order, int mt);

/*
 * __free_one_page(): merge with the buddy for as long as the buddy heads a
 * free block of the same order inside the zone; at or above pageblock
 * order only across mergeable types (free_one_page_high_). Below pageblock
 * order the buddy lies in the block's own pageblock, so it sits on the
 * list of the pageblock's type, which is mt (the caller passes the
 * pageblock's type; free blocks are kept on their pageblock's list, see
 * buddy.c, checked by kmm_page_check()): its struct page need not be read,
 * only cleared. Cost per level: the buddy test (flags and order in one
 * load, against a state word that climbs with the level: two flag tests
 * would be two data-dependent branches, which measured slower), an unlink
 * and the clearing. The block's own pages must be plain (flags 0). This
 * body skips the block's asserts: free_one_page_inl_ below has them; the
 * buddy path's free (page_free.c) takes this one only when asserts are off.
 * k is z->sys, passed by callers that hold it: the pages array is then
 * found without waiting for z's line.
 */
static inline __attribute__((always_inline)) void free_one_page_body_inl_(struct kmm *k, struct kmm_zone *z,
									  kmm_pfn_t pfn, unsigned order, int mt)
{
	struct kmm_page *const pages = k->pages;
	/* The buddy shares pfn's MAX_ORDER block, which starts inside the
	 * zone (zones start on MAX_ORDER boundaries); only the zone's end can
	 * cut it off. */
	const kmm_pfn_t zone_end = z->start_pfn + z->spanned_pages;
	struct free_area *area = &z->free_area[order];
	const uint32_t pageblock_bit = 1u << k->pageblock_order;
	/* The level is carried three ways, each as the loop needs it: area,
	 * bit = 1 << order and the buddy state word (page_is_buddy_()). */
	uint32_t bit = 1u << order;
	uint64_t buddy_state = page_state_word_(PG_buddy, order);
	const uint64_t level = page_state_word_(PG_buddy, 1) - page_state_word_(PG_buddy, 0); /* one order up */

	z->free_pages += bit;
	for (; bit < pageblock_bit; area++, bit <<= 1, buddy_state += level) {
		kmm_pfn_t buddy_pfn = pfn ^ bit;
		if (buddy_pfn >= zone_end || page_state_(&pages[buddy_pfn]) != buddy_state)
			goto add;
		area_del_(area, &pages[buddy_pfn], mt);
		pfn &= ~bit;
	}
	order = (unsigned)__builtin_ctz(bit);
	if (order < KMM_MAX_ORDER) {
		free_one_page_high_(z, pfn, order, mt);
		return;
	}
add:
	/* buddy_merge_likely(): the pair pfn would make, against its buddy
	 * one order up (in the same MAX_ORDER block: only the zone's end
	 * can cut it off). */
	{
		kmm_pfn_t higher_buddy = (pfn & ~bit) ^ (bit << 1);
		bool tail = bit < (1u << (KMM_MAX_ORDER - 1)) && higher_buddy < zone_end &&
			    page_state_(&pages[higher_buddy]) == buddy_state + level;
		/* area_add_() for the level the loop stopped at */
		area_add_word_(area, &pages[pfn], buddy_state, mt, tail);
	}
}

/* The block's own checks (debug level 1), then the merge. */
static inline __attribute__((always_inline)) void free_one_page_inl_(struct kmm_zone *z, kmm_pfn_t pfn,
								     unsigned order, int mt)
{
	KMM_ASSERT(z->sys, (pfn & ((1u << order) - 1)) == 0 && zone_spans_pfn_(z, pfn) &&
				   zone_spans_pfn_(z, pfn + (1u << order) - 1) &&
				   get_pageblock_migratetype_(z, pfn) == mt);
	free_one_page_body_inl_(z->sys, z, pfn, order, mt);
}

/*
 * rmqueue_bulk() and the pop of __rmqueue_pcplist(): the (order, mt) pcp
 * list of cpu is empty; refill it with up to a batch of blocks (the kernel's
 * size: batch >> order, at least 2, or 1 when batch is 1) and take the
 * first. See rmqueue_pcp_refill_() (internal.h).
 */
static inline struct kmm_page *rmqueue_bulk_inl_(struct kmm_zone *z, struct per_cpu_pages *pcp, unsigned cpu,
						 unsigned order, int mt, unsigned alloc_flags)
{
	unsigned count = pcp->batch;
	struct list_head *list = &pcp->lists[order * KMM_MIGRATE_PCPTYPES + (unsigned)mt];

	if (count <= 1) /* nothing to keep on the list: just the one block */
		return rmqueue_inl_(z, order, mt, alloc_flags);
	count >>= order;
	if (count < 2)
		count = 2;
	/* The kernel adds the batch at the list's tail and then pops the
	 * head: the first block taken is the one handed out. */
	struct kmm_page *first = NULL;
	unsigned added = 0;
	for (unsigned i = 0; i < count; i++) {
		struct kmm_page *p = rmqueue_inl_(z, order, mt, alloc_flags);
		if (!p)
			break;
		if (!first) {
			first = p;
			continue;
		}
		p->flags = PG_pcp;
		p->private_ = order;
		p->pcp_cpu = (uint8_t)cpu;
		p->migratetype = (uint8_t)mt;
		list_add_tail(&p->lru, list);
		added++;
	}
	pcp->count += added << order;
	return first;
}

#endif
