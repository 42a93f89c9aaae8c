// SPDX-License-Identifier: MIT
/*
 * The binary buddy allocator with migrate types (mm/page_alloc.c).
 *
 * Free memory of a zone is kept as naturally aligned blocks of 2^order
 * pages, order 0..MAX_ORDER, on free_area[order].free_list[migratetype].
 * The buddy of the block at pfn is the block at pfn ^ (1 << order): the
 * other half of the next larger aligned block. Allocation takes the
 * smallest block of a large enough order and splits it, handing the upper
 * halves back down the orders (expand). Freeing merges with the buddy for as
 * long as the buddy is a free block of the same order (__free_one_page);
 * since zones start on MAX_ORDER boundaries and holes or reserved pages are
 * never PG_buddy, merging cannot leave the zone or swallow a hole.
 *
 * Anti-fragmentation (Mel Gorman's grouping by mobility): memory is divided
 * into pageblocks (2^pageblock_order pages) and each pageblock has a migrate
 * type. A free block always sits on the list of its pageblock's type (for
 * blocks of pageblock order or more, every pageblock they cover has that
 * type), which is the invariant kmm_page_check() verifies. When a request's
 * own type is exhausted, __rmqueue_fallback takes the largest free block of
 * a fallback type (the fallbacks[] table) and, if the pageblock is mostly
 * free or compatible, claims the whole pageblock for the requesting type so
 * later requests of that type stay together. Claiming below pageblock order
 * also boosts the zone's watermarks (boost_watermark), as the kernel does to
 * make reclaim pull the fragmenting allocations back.
 *
 * HIGHATOMIC: after a successful high-order non-blocking allocation, its
 * pageblock may be reserved for such allocations (reserve_highatomic_
 * pageblock); the allocator gives reserves back under pressure
 * (unreserve_highatomic_pageblock). These blocks are never fallback sources
 * for ordinary requests. ISOLATE blocks exist in the type space but nothing
 * in this release isolates memory.
 *
 * Full coalescing. At or above pageblock order __free_one_page does not
 * merge a HIGHATOMIC (or ISOLATE) block with an ordinary buddy, so a free
 * reserve block may sit beside a free buddy of its order. The kernel leaves
 * the pair apart when the reserve is given back; libkmm merges it then
 * (retype_free_block_), because its invariant, checked by kmm_page_check()
 * and relied on by the harness, is that free blocks are always maximal:
 * after a drain the free lists are exactly the canonical decomposition of
 * the free pages. That is the only place a type change makes two free
 * blocks mergeable: stealing moves a pageblock between ordinary types,
 * which merge with each other anyway, and the other retyping paths handle
 * pageblocks that are not wholly free.
 *
 * The inner loops (list insertion and removal, expand, __rmqueue_smallest,
 * __free_one_page) are inline in freelist.h so the pcp refill and trim
 * paths compile without a call per layer; this file holds their
 * out-of-line entries and everything around them. The code follows the
 * kernel around v6.10 (free lists strictly by pageblock type, "Yoink"
 * reserve bound of 1% of the zone). All functions here are called with
 * zone->lock held (threaded mode).
 */
#include "assert.h"
#include "freelist.h"
#include "internal.h"

/* Fallback order per requesting type (the kernel's fallbacks[]). */
static const uint8_t fallbacks[KMM_MIGRATE_PCPTYPES][KMM_MIGRATE_PCPTYPES - 1] = {
	[KMM_MIGRATE_UNMOVABLE] = { KMM_MIGRATE_RECLAIMABLE, KMM_MIGRATE_MOVABLE },
	[KMM_MIGRATE_MOVABLE] = { KMM_MIGRATE_RECLAIMABLE, KMM_MIGRATE_UNMOVABLE },
	[KMM_MIGRATE_RECLAIMABLE] = { KMM_MIGRATE_UNMOVABLE, KMM_MIGRATE_MOVABLE },
};

static inline struct kmm_page *pfn_page_(struct kmm_zone *z, kmm_pfn_t pfn)
{
	return &z->sys->pages[pfn];
}

static inline void move_to_free_list_(struct kmm_zone *z, struct kmm_page *p, unsigned order, int mt)
{
	struct free_area *area = &z->free_area[order];
	__list_del_entry(&p->lru);
	list_add_tail(&p->lru, &area->free_list[mt]);
	area->nr_free_mt[p->migratetype]--;
	area->nr_free_mt[mt]++;
	p->migratetype = (uint8_t)mt;
}

void free_one_page_high_(struct kmm_zone *z, kmm_pfn_t pfn, unsigned order, int mt)
{
	struct kmm *k = z->sys;
	struct kmm_page *const pages = k->pages;
	const kmm_pfn_t zone_end = z->start_pfn + z->spanned_pages;

	for (; order < KMM_MAX_ORDER; order++) {
		kmm_pfn_t buddy_pfn = pfn ^ (1u << order);
		if (buddy_pfn >= zone_end || !page_is_buddy_(&pages[buddy_pfn], order))
			break;
		int buddy_mt = pages[buddy_pfn].migratetype; /* == its pageblock's type */
		KMM_ASSERT(k, buddy_mt == get_pageblock_migratetype_(z, buddy_pfn));
		if (mt != buddy_mt && (!migratetype_is_mergeable_(mt) || !migratetype_is_mergeable_(buddy_mt)))
			break;
		area_del_(&z->free_area[order], &pages[buddy_pfn], buddy_mt);
		if (buddy_mt != mt) /* keep "list type == pageblock type" */
			change_pageblock_range_(z, buddy_pfn, order, mt);
		pfn &= buddy_pfn;
	}
	area_add_(&z->free_area[order], &pages[pfn], order, mt, buddy_merge_likely_(z, pages, pfn, order));
}

/* Out-of-line entries to the inline primitives (freelist.h). */
void __free_one_page_(struct kmm_zone *z, kmm_pfn_t pfn, unsigned order, int mt)
{
	free_one_page_inl_(z, pfn, order, mt);
}

struct kmm_page *__rmqueue_smallest_(struct kmm_zone *z, unsigned order, int mt)
{
	return rmqueue_smallest_inl_(z, order, mt);
}

/*
 * Give a free block of pageblock order or more (every pageblock it covers)
 * the type mt, and merge it with its buddies if that made them mergeable.
 * A free block never sits next to a free buddy it could merge with (full
 * coalescing, checked by kmm_page_check()); __free_one_page() keeps that
 * true when blocks are freed, but it declines to merge across a pageblock
 * edge while one side is HIGHATOMIC or ISOLATE. When such a block turns
 * ordinary again, the merge it was denied is owed: take it off its list and
 * free it once more under its new type.
 */
static void retype_free_block_(struct kmm_zone *z, struct kmm_page *p, kmm_pfn_t pfn, unsigned order, int mt)
{
	KMM_ASSERT(z->sys, order >= z->sys->pageblock_order && p->flags == PG_buddy && p->private_ == order);
	del_from_free_list_(z, p, order);
	change_pageblock_range_(z, pfn, order, mt);
	__free_one_page_(z, pfn, order, mt);
}

void change_pageblock_range_(struct kmm_zone *z, kmm_pfn_t pfn, unsigned order, int mt)
{
	uint32_t nr = 1u << z->sys->pageblock_order;
	kmm_pfn_t end = pfn + (1u << order);
	for (pfn &= ~(nr - 1); pfn < end; pfn += nr)
		set_pageblock_migratetype_(z, pfn, mt);
}

/* Bounds of the pageblock holding pfn, or false if it leaves the zone
 * (prep_move_freepages_block()). Counts its free and movable pages. */
static bool pageblock_scan_(struct kmm_zone *z, kmm_pfn_t pfn, kmm_pfn_t *start_out, uint32_t *free_out,
			    uint32_t *movable_out)
{
	uint32_t nr = 1u << z->sys->pageblock_order;
	kmm_pfn_t start = pfn & ~(nr - 1);
	if (!zone_spans_pfn_(z, start) || !zone_spans_pfn_(z, start + nr - 1))
		return false;
	uint32_t nfree = 0, movable = 0;
	for (kmm_pfn_t p = start; p < start + nr;) {
		const struct kmm_page *pg = pfn_page_(z, p);
		if (pg->flags == PG_buddy) {
			nfree += 1u << pg->private_;
			p += 1u << pg->private_;
			continue;
		}
		/* An allocated movable block stands for LRU pages here. */
		if ((pg->flags & PG_allocated) && pg->migratetype == KMM_MIGRATE_MOVABLE) {
			movable += 1u << pg->private_;
			p += 1u << pg->private_;
			continue;
		}
		p++;
	}
	*start_out = start;
	*free_out = nfree;
	*movable_out = movable;
	return true;
}

/* Move every free block of one pageblock to new_mt's lists and retype the
 * pageblock (__move_freepages_block()). Returns the pages moved. */
static uint32_t move_freepages_block_(struct kmm_zone *z, kmm_pfn_t start, int new_mt)
{
	uint32_t nr = 1u << z->sys->pageblock_order, moved = 0;
	for (kmm_pfn_t p = start; p < start + nr;) {
		struct kmm_page *pg = pfn_page_(z, p);
		if (pg->flags == PG_buddy) {
			unsigned o = pg->private_;
			/* Callers hold a pageblock that is not wholly free. */
			KMM_ASSERT(z->sys, o < z->sys->pageblock_order);
			move_to_free_list_(z, pg, o, new_mt);
			moved += 1u << o;
			p += 1u << o;
		} else {
			p++;
		}
	}
	set_pageblock_migratetype_(z, start, new_mt);
	return moved;
}

/* can_steal_fallback(): may the whole pageblock be claimed? */
static bool can_steal_fallback_(const struct kmm *k, unsigned order, int start_mt)
{
	if (order >= k->pageblock_order)
		return true;
	return order >= k->pageblock_order / 2 || start_mt == KMM_MIGRATE_RECLAIMABLE ||
	       start_mt == KMM_MIGRATE_UNMOVABLE;
}

/* find_suitable_fallback(): first fallback type with a block of this order. */
static int find_suitable_fallback_(struct kmm_zone *z, unsigned order, int start_mt, bool *can_steal)
{
	struct free_area *area = &z->free_area[order];
	*can_steal = false;
	if (area->nr_free == 0)
		return -1;
	for (unsigned i = 0; i < KMM_MIGRATE_PCPTYPES - 1; i++) {
		int fmt = fallbacks[start_mt][i];
		if (!area->nr_free_mt[fmt])
			continue;
		*can_steal = can_steal_fallback_(z->sys, order, start_mt);
		return fmt;
	}
	return -1;
}

/*
 * steal_suitable_fallback() / try_to_claim_block(): take the block at pfn of
 * current_order from block_type's list for a request of (order, start_type).
 */
static struct kmm_page *steal_suitable_fallback_(struct kmm_zone *z, kmm_pfn_t pfn, unsigned current_order,
						 unsigned order, int start_type, int block_type, bool whole_block)
{
	struct kmm *k = z->sys;
	struct kmm_page *page = pfn_page_(z, pfn);

	count_vm_(k, KMM_PGSTEAL_FALLBACK, 1);
	/* A block of a pageblock or more is taken over whole, no questions. */
	if (current_order >= k->pageblock_order) {
		del_from_free_list_(z, page, current_order);
		change_pageblock_range_(z, pfn, current_order, start_type);
		expand_(z, page, order, current_order, start_type);
		count_vm_(k, KMM_PAGEBLOCK_STEAL, 1u << (current_order - k->pageblock_order));
		return page;
	}

	boost_watermark_(z);
	if (whole_block) {
		kmm_pfn_t start;
		uint32_t nfree, movable, alike;
		if (pageblock_scan_(z, pfn, &start, &nfree, &movable)) {
			uint32_t nr = 1u << k->pageblock_order;
			if (start_type == KMM_MIGRATE_MOVABLE)
				alike = movable;
			else if (block_type == KMM_MIGRATE_MOVABLE)
				alike = nr - (nfree + movable); /* everything non-movable counts */
			else
				alike = 0; /* unmovable vs reclaimable: can't tell them apart */
			if (nfree + alike >= nr / 2) {
				move_freepages_block_(z, start, start_type);
				count_vm_(k, KMM_PAGEBLOCK_STEAL, 1);
				return __rmqueue_smallest_(z, order, start_type);
			}
		}
	}
	/* Take only the block; its pageblock keeps its type. */
	del_from_free_list_(z, page, current_order);
	expand_(z, page, order, current_order, block_type);
	return page;
}

/* __rmqueue_fallback(): the largest block of a fallback type (smallest for a
 * movable request that could not claim the block). */
struct kmm_page *__rmqueue_fallback_(struct kmm_zone *z, unsigned order, int start_mt, unsigned alloc_flags)
{
	unsigned min_order = order;
	int current_order, fmt = -1;
	bool can_steal = false;

	if (order < z->sys->pageblock_order && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = z->sys->pageblock_order;
	for (current_order = KMM_MAX_ORDER; current_order >= (int)min_order; current_order--) {
		fmt = find_suitable_fallback_(z, (unsigned)current_order, start_mt, &can_steal);
		if (fmt < 0)
			continue;
		if (!can_steal && start_mt == KMM_MIGRATE_MOVABLE && (unsigned)current_order > order) {
			/* Splitting the smallest block fragments the least. */
			for (current_order = (int)order; current_order <= KMM_MAX_ORDER; current_order++) {
				fmt = find_suitable_fallback_(z, (unsigned)current_order, start_mt, &can_steal);
				if (fmt >= 0)
					break;
			}
		}
		break;
	}
	if (fmt < 0 || current_order > KMM_MAX_ORDER)
		return NULL;
	struct list_head *head = &z->free_area[current_order].free_list[fmt];
	struct kmm_page *page = list_entry(head->next, struct kmm_page, lru);
	return steal_suitable_fallback_(z, page_to_pfn_(z->sys, page), (unsigned)current_order, order, start_mt,
					fmt, can_steal);
}

struct kmm_page *__rmqueue_(struct kmm_zone *z, unsigned order, int mt, unsigned alloc_flags)
{
	return rmqueue_inl_(z, order, mt, alloc_flags);
}

/*
 * reserve_highatomic_pageblock() as of v6.10: the reserve is at most about
 * 1% of the zone, rounded up to whole pageblocks, and none at all when 1% of
 * the zone is less than one pageblock (small zones never reserve). Older
 * kernels used 1% + one pageblock; we follow the recent rule.
 */
void reserve_highatomic_pageblock_(struct kmm_zone *z, kmm_pfn_t pfn, unsigned order)
{
	struct kmm *k = z->sys;
	uint64_t nr = 1u << k->pageblock_order;
	uint64_t one_percent = z->managed_pages / 100;

	if (one_percent < nr)
		return;
	uint64_t max_managed = (one_percent + nr - 1) & ~(nr - 1);
	if (z->nr_reserved_highatomic >= max_managed)
		return;
	int mt = get_pageblock_migratetype_(z, pfn);
	if (!migratetype_is_mergeable_(mt))
		return;
	if (order < k->pageblock_order) {
		kmm_pfn_t start;
		uint32_t nfree, movable;
		if (!pageblock_scan_(z, pfn, &start, &nfree, &movable))
			return;
		move_freepages_block_(z, start, KMM_MIGRATE_HIGHATOMIC);
		z->nr_reserved_highatomic += nr;
	} else {
		change_pageblock_range_(z, pfn, order, KMM_MIGRATE_HIGHATOMIC);
		z->nr_reserved_highatomic += 1u << order;
	}
	zone_update_fast_marks_(z);
}

/*
 * unreserve_highatomic_pageblock(): give one reserved pageblock (the first
 * found with a free block) back to the requesting type. Without force the
 * last pageblock of a zone's reserve is kept.
 */
bool unreserve_highatomic_pageblock_(struct kmm *k, const struct alloc_context *ac, bool force)
{
	uint64_t nr = 1u << k->pageblock_order;
	int to_mt = ac->migratetype < KMM_MIGRATE_PCPTYPES ? ac->migratetype : KMM_MIGRATE_MOVABLE;

	for (const struct zoneref *zr = ac->zonelist; zr->zone; zr++) {
		struct kmm_zone *z = zr->zone;
		if (zr->zone_idx > ac->highest_zoneidx || !(ac->nodemask & (1u << z->node)) || !z->populated)
			continue;
		zone_lock_(z);
		if (!force && z->nr_reserved_highatomic <= nr) {
			zone_unlock_(z);
			continue;
		}
		for (unsigned order = 0; order < KMM_NR_ORDERS; order++) {
			struct list_head *head = &z->free_area[order].free_list[KMM_MIGRATE_HIGHATOMIC];
			if (list_empty(head))
				continue;
			struct kmm_page *page = list_entry(head->next, struct kmm_page, lru);
			kmm_pfn_t pfn = page_to_pfn_(k, page);
			int mt = get_pageblock_migratetype_(z, pfn);
			if (mt == KMM_MIGRATE_HIGHATOMIC) {
				uint64_t size = nr > (1u << order) ? nr : (1u << order);
				if (size > z->nr_reserved_highatomic)
					size = z->nr_reserved_highatomic;
				z->nr_reserved_highatomic -= size;
				zone_update_fast_marks_(z);
			}
			if (order < k->pageblock_order) {
				/* The pageblock holds a block below its order, so
				 * none of its free blocks reaches across its edge:
				 * retyping it leaves nothing newly mergeable. */
				move_freepages_block_(z, pfn & ~(uint32_t)(nr - 1), to_mt);
			} else {
				/* A whole free block: the edges __free_one_page
				 * refused to merge across while it was HIGHATOMIC
				 * are mergeable now. */
				retype_free_block_(z, page, pfn, order, to_mt);
			}
			zone_unlock_(z);
			return true;
		}
		zone_unlock_(z);
	}
	return false;
}
