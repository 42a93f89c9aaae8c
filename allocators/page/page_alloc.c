// SPDX-License-Identifier: MIT
/*
 * Page allocation: alloc_pages() and its fast and slow paths
 * (mm/page_alloc.c: __alloc_pages, get_page_from_freelist, rmqueue,
 * __alloc_pages_slowpath).
 *
 * Fast path: walk the zonelist once with ALLOC_WMARK_LOW; the first zone
 * that is allowed (zone index <= the gfp's highest zone, node in the
 * nodemask) and above its low watermark (+ boost + lowmem protection) serves
 * the request, from the CPU's pcp list for orders <= 3, else from the buddy
 * lists. The common case (pcp order, default policy, the preferred zone
 * above its mark, single-threaded) is alloc_pages_fast_(): a per-CPU table
 * names the zone, one compare against a precomputed mark, one list pop, the
 * page's state written and the counters bumped; everything else is one
 * unlikely branch away, in the general path, which gives the same answer.
 * When the CPU's pcp lists can hold nothing (batch <= 1, e.g. pcp high =
 * batch = 1), an allocation of a pcp order that finds its list empty goes
 * straight to the buddy lists (alloc_pages_buddy_: __rmqueue_smallest and
 * expand with the page prepared in between), as the kernel's rmqueue()
 * does when the pcp has no room; the free side is free_direct_ in
 * page_free.c.
 *
 * Slow path, in the kernel's order (gfp_to_alloc_flags):
 *   - watermark MIN; __GFP_HIGH may take min down by half (ALLOC_MIN_RESERVE),
 *     a non-blocking caller (no __GFP_DIRECT_RECLAIM) a further quarter when
 *     it also has __GFP_HIGH, and may use the HIGHATOMIC reserve
 *     (ALLOC_NON_BLOCK, ALLOC_HIGHATOMIC for order > 0);
 *   - waking kswapd (__GFP_KSWAPD_RECLAIM): until reclaim exists this stands
 *     for a kswapd run that finds nothing to reclaim and, as balance_pgdat()
 *     does at its end, drops the zones' watermark boosts;
 *   - __GFP_MEMALLOC (without __GFP_NOMEMALLOC): ALLOC_NO_WATERMARKS;
 *   - [direct reclaim and compaction slot in here in a later issue];
 *   - once: give highatomic reserves back (blocking callers only, as the
 *     kernel does after reclaim failed; all of them, standing for the
 *     kernel's repeated forced unreserve once reclaim retries run out), drain
 *     every CPU's pcp lists (for every caller: the reference model counts pcp
 *     pages as free after a drain) and retry;
 *   - __GFP_NOFAIL: one more try with ALLOC_MIN_RESERVE (the kernel's
 *     cpuset fallback); the kernel would loop forever here, we warn and fail;
 *   - failure: warn_alloc() unless __GFP_NOWARN, NULL.
 * Deliberately left out: ALLOC_NOFRAGMENT (the kernel's preference for not
 * falling back when a lower zone of the node could serve), cpusets, CMA.
 */
#include <string.h>

#include "assert.h"
#include "freelist.h"
#include "internal.h"
#include "track.h"

/* gfp_to_alloc_flags() (v6.4+). */
static unsigned gfp_to_alloc_flags_(kmm_gfp_t gfp, unsigned order)
{
	unsigned flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;

	if (gfp & KMM___GFP_HIGH)
		flags |= ALLOC_MIN_RESERVE;
	if (gfp & KMM___GFP_KSWAPD_RECLAIM)
		flags |= ALLOC_KSWAPD;
	if (!(gfp & KMM___GFP_DIRECT_RECLAIM)) {
		if (!(gfp & KMM___GFP_NOMEMALLOC)) {
			flags |= ALLOC_NON_BLOCK;
			if (order > 0)
				flags |= ALLOC_HIGHATOMIC;
		}
		if (flags & ALLOC_MIN_RESERVE)
			flags &= ~(unsigned)ALLOC_CPUSET;
	}
	return flags;
}

/* Hand a block to its user: state under the zone lock. */
static inline void prep_new_page_(struct kmm *k, struct kmm_zone *z, struct kmm_page *page, unsigned order,
				  kmm_gfp_t gfp, int mt)
{
	page->flags = PG_allocated;
	page->private_ = order;
	page->refcount = 1;
	page->alloc_gfp = gfp;
	page->migratetype = (uint8_t)mt;
	if ((gfp & KMM___GFP_COMP) && order)
		prep_compound_tails_(k, page, order);
	z->vm_pgalloc += 1u << order;
}

/* rmqueue_buddy(): the buddy lists, with the HIGHATOMIC reserve for the
 * callers the kernel lets near it. */
static struct kmm_page *rmqueue_buddy_(struct kmm_zone *z, unsigned order, int mt, unsigned alloc_flags)
{
	struct kmm_page *page = NULL;
	if (order > 0 && (alloc_flags & ALLOC_HIGHATOMIC))
		page = __rmqueue_smallest_(z, order, KMM_MIGRATE_HIGHATOMIC);
	if (!page) {
		page = __rmqueue_(z, order, mt, alloc_flags);
		if (!page && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
			page = __rmqueue_smallest_(z, order, KMM_MIGRATE_HIGHATOMIC);
	}
	return page;
}

/* rmqueue(): pcp list for small orders, else (or if the pcp refill found
 * nothing) the buddy lists. zone->lock held. */
static inline struct kmm_page *rmqueue_(struct kmm_zone *z, unsigned cpu, unsigned order, int mt,
					unsigned alloc_flags)
{
	if (kmm_likely(order <= KMM_PCP_MAX_ORDER)) {
		struct per_cpu_pages *pcp = &z->pcp[cpu];
		struct list_head *list = &pcp->lists[order * KMM_MIGRATE_PCPTYPES + (unsigned)mt];
		if (kmm_likely(!list_empty(list))) {
			struct kmm_page *page = list_entry(list->next, struct kmm_page, lru);
			__list_del_entry(&page->lru);
			pcp->count -= 1u << order;
			return page;
		}
		struct kmm_page *page = rmqueue_pcp_refill_(z, pcp, cpu, order, mt, alloc_flags);
		if (page)
			return page;
	}
	return rmqueue_buddy_(z, order, mt, alloc_flags);
}

/*
 * get_page_from_freelist(): the first allowed zone above the watermark that
 * has the block. Returns the page prepared (state set, counted); the arena
 * side (tracking, zeroing) is the caller's. Always inlined: with the fast
 * path's constant alloc_flags the reserve and highatomic branches fold away.
 */
static inline __attribute__((always_inline)) struct kmm_page *
get_page_from_freelist_(struct kmm *k, kmm_gfp_t gfp, unsigned order, unsigned alloc_flags,
			const struct alloc_context *ac)
{
	const int hz = (int)ac->highest_zoneidx;
	const int mt = ac->migratetype;
	const unsigned cpu = current_cpu_(k);

	for (const struct zoneref *zr = ac->zonelist; zr->zone; zr++) {
		struct kmm_zone *z = zr->zone;
		if (zr->zone_idx > hz || !(ac->nodemask & (1u << z->node)))
			continue;
		zone_lock_(z);
		uint64_t mark = z->wmark[alloc_flags & ALLOC_WMARK_MASK] + z->wmark_boost;
		if (kmm_unlikely(!zone_watermark_fast_(z, order, mark, hz, alloc_flags)) &&
		    (!(alloc_flags & ALLOC_NO_WATERMARKS) || !z->populated)) {
			zone_unlock_(z);
			continue;
		}
		struct kmm_page *page = rmqueue_(z, cpu, order, mt, alloc_flags);
		if (kmm_likely(page != NULL)) {
			prep_new_page_(k, z, page, order, gfp, mt);
			if (kmm_unlikely(alloc_flags & ALLOC_HIGHATOMIC) && order)
				reserve_highatomic_pageblock_(z, page_to_pfn_(k, page), order);
			zone_unlock_(z);
			numa_account_(k, ac, z, order);
			return page;
		}
		zone_unlock_(z);
	}
	return NULL;
}

/* Stand-in for wake_all_kswapds(): see the file comment. */
static void wake_all_kswapds_(const struct alloc_context *ac)
{
	for (const struct zoneref *zr = ac->zonelist; zr->zone; zr++) {
		struct kmm_zone *z = zr->zone;
		if (zr->zone_idx > ac->highest_zoneidx || !(ac->nodemask & (1u << z->node)) || !z->wmark_boost)
			continue;
		zone_lock_(z);
		z->wmark_boost = 0;
		zone_update_fast_marks_(z);
		zone_unlock_(z);
	}
}

__attribute__((noinline)) static struct kmm_page *__alloc_pages_slowpath_(struct kmm *k, kmm_gfp_t gfp, unsigned order,
									   const struct alloc_context *ac)
{
	const bool can_direct_reclaim = gfp & KMM___GFP_DIRECT_RECLAIM;
	unsigned alloc_flags = gfp_to_alloc_flags_(gfp, order);
	bool drained = false;
	struct kmm_page *page;

	count_vm_(k, KMM_ALLOCSTALL, 1);
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds_(ac);
retry:
	page = get_page_from_freelist_(k, gfp, order, alloc_flags, ac);
	if (page)
		return page;
	if ((gfp & KMM___GFP_MEMALLOC) && !(gfp & KMM___GFP_NOMEMALLOC)) {
		page = get_page_from_freelist_(k, gfp, order, ALLOC_NO_WATERMARKS | (alloc_flags & ALLOC_KSWAPD),
					       ac);
		if (page)
			return page;
	}
	/* Direct reclaim and compaction will slot in here. */
	if (!drained) {
		if (can_direct_reclaim)
			while (unreserve_highatomic_pageblock_(k, ac, true))
				;
		kmm_drain_all_pages(k);
		drained = true;
		goto retry;
	}
	if (gfp & KMM___GFP_NOFAIL) {
		if (!can_direct_reclaim) {
			if (!(gfp & KMM___GFP_NOWARN))
				kmm_report(k, KMM_REPORT_WARNING,
					   "WARNING: __GFP_NOFAIL without __GFP_DIRECT_RECLAIM: order:%u, failing\n",
					   order);
		} else {
			page = get_page_from_freelist_(k, gfp, order, ALLOC_MIN_RESERVE, ac);
			if (page)
				return page;
			kmm_report(k, KMM_REPORT_WARNING,
				   "WARNING: __GFP_NOFAIL allocation of order:%u gave up: no reclaim to retry with\n",
				   order);
		}
	}
	warn_alloc_(k, gfp, order, ac);
	return NULL;
}

/* The arena side of a successful allocation: unpoison, zero. */
static inline void *finish_alloc_(struct kmm *k, struct kmm_page *page, kmm_gfp_t gfp, unsigned order)
{
	void *addr = (char *)k->arena + ((size_t)page_to_pfn_(k, page) << KMM_PAGE_SHIFT);
	kmm_track_alloc(k, addr, (size_t)KMM_PAGE_SIZE << order);
	if (gfp & KMM___GFP_ZERO)
		memset(addr, 0, (size_t)KMM_PAGE_SIZE << order);
	count_vm_(k, KMM_PGALLOC, 1u << order);
	return addr;
}

__attribute__((cold, noinline)) static struct kmm_page *alloc_fail_(struct kmm *k)
{
	count_vm_(k, KMM_PGALLOC_FAIL, 1);
	return NULL;
}

/* __alloc_pages() for a resolved context. */
static inline __attribute__((always_inline)) struct kmm_page *
__alloc_pages_(struct kmm *k, kmm_gfp_t gfp, unsigned order, struct alloc_context *ac)
{
	if (kmm_unlikely(order > KMM_MAX_ORDER || ac->highest_zoneidx >= KMM_NR_ZONES ||
			 (unsigned)ac->migratetype >= KMM_MIGRATE_PCPTYPES)) {
		if (order > KMM_MAX_ORDER) {
			if (!(gfp & KMM___GFP_NOWARN))
				kmm_report(k, KMM_REPORT_WARNING,
					   "WARNING: page allocation of order:%u > MAX_ORDER %d\n", order,
					   KMM_MAX_ORDER);
			return alloc_fail_(k);
		}
		if (ac->highest_zoneidx >= KMM_NR_ZONES) {
			kmm_report(k, KMM_REPORT_WARNING,
				   "WARNING: invalid zone modifiers in gfp mask 0x%x\n", gfp);
			return alloc_fail_(k);
		}
		ac->migratetype = KMM_MIGRATE_MOVABLE; /* MOVABLE|RECLAIMABLE: as gfp.c maps it */
	}

	struct kmm_page *page = get_page_from_freelist_(k, gfp, order, ALLOC_WMARK_LOW, ac);
	if (kmm_unlikely(!page)) {
		if (ac->second_pass_nodemask) {
			/* Preferred-many: the preferred nodes without blocking first. */
			kmm_gfp_t first = (gfp | KMM___GFP_NOWARN) & ~(KMM___GFP_DIRECT_RECLAIM | KMM___GFP_NOFAIL);
			page = __alloc_pages_slowpath_(k, first, order, ac);
			if (!page) {
				ac->nodemask = ac->second_pass_nodemask;
				page = get_page_from_freelist_(k, gfp, order, ALLOC_WMARK_LOW, ac);
				if (!page)
					page = __alloc_pages_slowpath_(k, gfp, order, ac);
			}
		} else {
			page = __alloc_pages_slowpath_(k, gfp, order, ac);
		}
		if (!page)
			return alloc_fail_(k);
	}
	finish_alloc_(k, page, gfp, order);
	return page;
}

/* Everything but the fast path: resolve the context, walk the zonelist,
 * the slow path. Out of line so the fast path stays a leaf. */
__attribute__((noinline)) static struct kmm_page *alloc_pages_general_(struct kmm *k, kmm_gfp_t gfp,
									unsigned order)
{
	struct alloc_context ac;
	prepare_alloc_context_(k, -1, gfp, &ac);
	return __alloc_pages_(k, gfp, order, &ac);
}

/* gfp bits the fast path does not handle: zeroing, compound pages, and
 * __GFP_THISNODE's own zonelist. */
#define FAST_GFP_EXCLUDED (KMM___GFP_ZERO | KMM___GFP_COMP | KMM___GFP_THISNODE)

/*
 * The fast path: what get_page_from_freelist() does when its first zone
 * serves the request from the CPU's pcp list, with every decision that does
 * not depend on the zone's state made in advance (k->fast, numa.c). Taken
 * for orders <= KMM_PCP_MAX_ORDER without FAST_GFP_EXCLUDED bits, single
 * threaded, under the default or local policy (k->fast_ok). Its result is
 * the general path's, bit for bit: the same zone (the preferred one), the
 * same watermark test (fast_mark[] is low + boost + protection + the
 * highatomic reserve), the same list and refill, the same counters
 * (summed from the pcp's share when read). Anything else (the zone below
 * its mark, nothing to refill from, no preferred zone) goes to the general
 * path, which starts over and finds the same first zone wanting. With a
 * warm list: a table lookup, one compare, a list pop, the page's state and
 * one counter; every other case leaves by a tail call, so the fast path
 * needs no stack frame.
 */

/* The fast path's table entry for this request on this CPU, when the
 * preferred zone's free pages pass its low watermark for the order; else
 * NULL. For order > 0 the watermark test has a second half, a free block
 * of the order or more on a usable list (zone_has_free_block_), which the
 * callers do where it is cheapest. */
static inline __attribute__((always_inline)) const struct fast_alloc *fast_zone_(const struct kmm *k,
									       kmm_gfp_t gfp, unsigned order)
{
	const struct fast_alloc *fa = &k->fast_cur[gfp & FAST_GFP_MASK];
	const struct kmm_zone *z = fa->zone; /* k->fast_none when there is no fast path */
	uint64_t mark = z->fast_mark[fa->highest_zoneidx] + (1u << order) - 1;
	return z->free_pages > mark ? fa : NULL;
}

/* prep_new_page() and the counting of a fast-path allocation (one add: the
 * pcp's fast_alloc stands for PGALLOC, pgalloc, numa_hit and numa_local or
 * numa_other, see internal.h). */
static inline __attribute__((always_inline)) void fast_prep_(struct per_cpu_pages *pcp, struct kmm_page *page,
							    kmm_gfp_t gfp, unsigned order, int mt)
{
	page_set_state_(page, PG_allocated, order);
	page->refcount = 1;
	page->alloc_gfp = gfp;
	page->migratetype = (uint8_t)mt;
	pcp->fast_alloc += 1u << order;
}

/* Under Valgrind or ASan: the tracking event of a fast-path block. */
__attribute__((cold, noinline)) static struct kmm_page *fast_track_alloc_(struct kmm *k, struct kmm_page *page,
									 unsigned order)
{
	kmm_track_alloc(k, (char *)k->arena + ((size_t)page_to_pfn_(k, page) << KMM_PAGE_SHIFT),
			(size_t)KMM_PAGE_SIZE << order);
	return page;
}

/*
 * The fast path found its pcp list empty: refill it (rmqueue_bulk), or
 * leave the request to the general path when the buddy lists cannot.
 * With a batch of one (nothing to keep on the list) the block comes
 * straight off the buddy lists: finding one of the order or more on the
 * request's own lists also settles the block half of the watermark test
 * (they are usable lists), and finding none leaves the fallback to the
 * general path, as the fast path leaves every rare case.
 */
static inline __attribute__((always_inline)) struct kmm_page *
alloc_pages_refill_inl_(struct kmm *k, const struct fast_alloc *fa, kmm_gfp_t gfp, unsigned order)
{
	struct kmm_zone *z = fa->zone;
	struct per_cpu_pages *pcp = fa->pcp;
	const int mt = fa->migratetype;
	struct kmm_page *page;

	if (pcp->batch <= 1)
		page = rmqueue_smallest_inl_(z, order, mt);
	else if (!order || zone_has_free_block_(z, order, ALLOC_WMARK_LOW))
		page = rmqueue_bulk_inl_(z, pcp, k->cur_cpu, order, mt, ALLOC_WMARK_LOW);
	else
		page = NULL;
	if (kmm_unlikely(!page))
		return alloc_pages_general_(k, gfp, order);
	fast_prep_(pcp, page, gfp, order, mt);
	if (kmm_unlikely(kmm_tracking(k)))
		return fast_track_alloc_(k, page, order);
	return page;
}

/*
 * The buddy path: the pcp lists of this zone hold nothing (batch <= 1, as
 * pcp high = batch = 1 leaves them), so a refill would take one block off
 * the buddy lists only to hand it out; take it straight (the kernel's
 * rmqueue() goes to the buddy lists directly when the pcp has no room).
 * Finding a block of the order or more on the request's own lists also
 * settles the block half of the watermark test (they are usable lists);
 * finding none leaves the fallback to the general path. Its own function
 * with no call but tail calls; a tracked block (Valgrind, ASan,
 * tracepoints) takes the refill's way, which has the tracking event.
 */
__attribute__((cold, noinline)) static struct kmm_page *alloc_pages_buddy_tracked_(struct kmm *k,
										    const struct fast_alloc *fa,
										    kmm_gfp_t gfp, unsigned order)
{
	return alloc_pages_refill_inl_(k, fa, gfp, order);
}

static inline __attribute__((always_inline)) struct kmm_page *alloc_pages_buddy_inl_(struct kmm *k,
										     const struct fast_alloc *fa,
										     kmm_gfp_t gfp, unsigned order)
{
	const size_t mt = fa->migratetype;
	struct free_area *area = &fa->zone->free_area[order];
	const uint32_t want = 1u << order;
	uint32_t bit = want; /* 1 << the order of area */

	/* __rmqueue_smallest(): the smallest order with a block of type mt */
	while (!area->nr_free_mt[mt]) {
		bit <<= 1;
		if (bit > (1u << KMM_MAX_ORDER))
			return alloc_pages_general_(k, gfp, order);
		area++;
	}
	struct kmm_page *page = list_entry(area->free_list[mt].next, struct kmm_page, lru);
	area_del_(area, page, (int)mt);
	fa->zone->free_pages -= want;
	/* The page is prepared before the split, so that the split loop is
	 * the last thing done (fewer values live in it). */
	fast_prep_(fa->pcp, page, gfp, order, (int)mt);
	if (bit > want) {
		/* expand(): the upper halves back, one order down at a time */
		uint64_t buddy_state = page_state_word_(PG_buddy, (unsigned)__builtin_ctz(bit));
		const uint64_t level = page_state_word_(PG_buddy, 1) - page_state_word_(PG_buddy, 0);
		do {
			bit >>= 1;
			area--;
			buddy_state -= level;
			area_add_word_(area, page + bit, buddy_state, (int)mt, false);
		} while (bit > want);
	}
	return page;
}

/*
 * ORDER_COPIES_(name, body) makes two out-of-line copies of the always-
 * inline body(k, fa, gfp, order): name##0_ for order 0 (its level
 * arithmetic folds away) and name##_any_ for the other orders, and name##_,
 * which calls the order-0 copy when order is the constant 0.
 */
#define ORDER_COPIES_(name, body)                                                                              \
	__attribute__((noinline)) static struct kmm_page *name##0_(struct kmm *k, const struct fast_alloc *fa, \
								   kmm_gfp_t gfp)                           \
	{                                                                                                      \
		return body(k, fa, gfp, 0);                                                                    \
	}                                                                                                      \
	__attribute__((noinline)) static struct kmm_page *name##_any_(struct kmm *k, const struct fast_alloc *fa, \
								      kmm_gfp_t gfp, unsigned order)          \
	{                                                                                                      \
		return body(k, fa, gfp, order);                                                                \
	}                                                                                                      \
	static inline __attribute__((always_inline)) struct kmm_page *name##_(                                \
		struct kmm *k, const struct fast_alloc *fa, kmm_gfp_t gfp, unsigned order)                     \
	{                                                                                                      \
		if (__builtin_constant_p(order) && order == 0)                                                 \
			return name##0_(k, fa, gfp);                                                           \
		return name##_any_(k, fa, gfp, order);                                                         \
	}

ORDER_COPIES_(alloc_pages_buddy, alloc_pages_buddy_inl_)

/* The refill, out of line: its frame is not the buddy path's. */
__attribute__((noinline)) static struct kmm_page *alloc_pages_refill_(struct kmm *k, const struct fast_alloc *fa,
								       kmm_gfp_t gfp, unsigned order)
{
	return alloc_pages_refill_inl_(k, fa, gfp, order);
}

/* The fast path found its pcp list empty: the buddy path when the pcp
 * lists hold nothing, else the refill. Out of line (one copy for order 0,
 * one for the others) so that the warm case keeps few registers and no
 * frame; only tail calls. */
static inline __attribute__((always_inline)) struct kmm_page *alloc_pages_empty_inl_(struct kmm *k,
										     const struct fast_alloc *fa,
										     kmm_gfp_t gfp, unsigned order)
{
	if (fa->pcp->batch <= 1) {
		if (kmm_unlikely(kmm_tracking(k)))
			return alloc_pages_buddy_tracked_(k, fa, gfp, order);
		return alloc_pages_buddy_(k, fa, gfp, order);
	}
	return alloc_pages_refill_(k, fa, gfp, order);
}

ORDER_COPIES_(alloc_pages_empty, alloc_pages_empty_inl_)

/* The pop from a warm pcp list (the order-0 path inlines it). */
static inline __attribute__((always_inline)) struct kmm_page *alloc_pages_pop_inl_(struct kmm *k,
										   const struct fast_alloc *fa,
										   kmm_gfp_t gfp, unsigned order)
{
	const int mt = fa->migratetype;
	struct per_cpu_pages *pcp = fa->pcp;
	struct list_head *list = fa->lists + order * KMM_MIGRATE_PCPTYPES;
	if (order && !zone_has_free_block_(fa->zone, order, ALLOC_WMARK_LOW))
		return alloc_pages_general_(k, gfp, order);
	struct kmm_page *page = list_entry(list->next, struct kmm_page, lru);
	__list_del_entry(&page->lru);
	pcp->count -= 1u << order;
	fast_prep_(pcp, page, gfp, order, mt);
	if (kmm_unlikely(kmm_tracking(k)))
		return fast_track_alloc_(k, page, order);
	return page;
}

/* The same for orders above 0, out of line: the order path then needs no
 * frame on its way to the buddy path. */
__attribute__((noinline)) static struct kmm_page *alloc_pages_pop_(struct kmm *k, const struct fast_alloc *fa,
								    kmm_gfp_t gfp, unsigned order)
{
	return alloc_pages_pop_inl_(k, fa, gfp, order);
}

/* The fast path for one order (a constant after inlining in the order-0
 * path). inline_pop: pop a warm list in place rather than by a call (the
 * order-0 path). Every case but the order-0 pop leaves by a tail call. */
static inline __attribute__((always_inline)) struct kmm_page *alloc_pages_fast_(struct kmm *k, kmm_gfp_t gfp,
										unsigned order, bool inline_pop)
{
	const struct fast_alloc *fa = fast_zone_(k, gfp, order);
	if (kmm_unlikely(!fa))
		return alloc_pages_general_(k, gfp, order);
	struct list_head *list = fa->lists + order * KMM_MIGRATE_PCPTYPES;
	if (kmm_unlikely(list_empty(list)))
		return alloc_pages_empty_(k, fa, gfp, order);
	if (inline_pop)
		return alloc_pages_pop_inl_(k, fa, gfp, order);
	return alloc_pages_pop_(k, fa, gfp, order);
}

/*
 * A compound block of a pcp order (slab pages, THP-like users): the fast
 * path picks the block exactly as for a plain one (__GFP_COMP names no zone
 * and no list), then prep_compound_page() marks the head and tails. When
 * the fast path handed the request to the general path, that did the
 * tails itself (the head says PG_head already).
 */
__attribute__((noinline)) static struct kmm_page *alloc_pages_compound_(struct kmm *k, kmm_gfp_t gfp,
									 unsigned order)
{
	struct kmm_page *page = alloc_pages_fast_(k, gfp, order, false);
	if (page && !(page->flags & PG_head))
		prep_compound_tails_(k, page, order);
	return page;
}

/* Past the plain fast path: compound blocks of pcp orders, else the
 * general path. */
__attribute__((noinline)) static struct kmm_page *alloc_pages_not_plain_(struct kmm *k, kmm_gfp_t gfp,
									  unsigned order)
{
	if (order - 1u < KMM_PCP_MAX_ORDER && (gfp & FAST_GFP_EXCLUDED) == KMM___GFP_COMP)
		return alloc_pages_compound_(k, gfp, order);
	return alloc_pages_general_(k, gfp, order);
}

/* Orders above 0 and excluded gfp bits: their own function, so that the
 * order-0 path keeps few registers and no frame. */
__attribute__((noinline)) static struct kmm_page *alloc_pages_order_(struct kmm *k, kmm_gfp_t gfp,
								      unsigned order)
{
	if (order <= KMM_PCP_MAX_ORDER && !(gfp & FAST_GFP_EXCLUDED))
		return alloc_pages_fast_(k, gfp, order, false);
	return alloc_pages_not_plain_(k, gfp, order);
}

/*
 * The buddy path's mode (k->direct_pfns, see update_fast_bounds_() in
 * pcp.c): a plain request of a pcp order takes the fast path's zone and
 * watermark test and then its block straight off the buddy lists, in one
 * function: the layers of the pcp path (the empty list, the batch test,
 * the tracking test) would each cost a call and always say "buddy". A
 * block of exactly the order asked for is taken here; the search of the
 * orders above and the split (alloc_pages_buddy_any_) are out of line, so
 * that the common case saves few registers and runs no loop. track: the
 * tracking event (its own copy, alloc_pages_direct_tracked_, so that the
 * untracked copy keeps k live to no end).
 */
static inline __attribute__((always_inline)) struct kmm_page *alloc_pages_direct_inl_(struct kmm *k,
										      kmm_gfp_t gfp,
										      unsigned order, bool track)
{
	if (kmm_unlikely(order > KMM_PCP_MAX_ORDER || (gfp & FAST_GFP_EXCLUDED)))
		return alloc_pages_not_plain_(k, gfp, order);
	const struct fast_alloc *fa = fast_zone_(k, gfp, order);
	if (kmm_unlikely(!fa))
		return alloc_pages_general_(k, gfp, order);
	const size_t mt = fa->migratetype;
	struct free_area *area = &fa->zone->free_area[order];
	if (kmm_unlikely(!area->nr_free_mt[mt]))
		return track ? alloc_pages_buddy_tracked_(k, fa, gfp, order) : alloc_pages_buddy_any_(k, fa, gfp, order);
	struct kmm_page *page = list_entry(area->free_list[mt].next, struct kmm_page, lru);
	area_del_(area, page, (int)mt);
	fa->zone->free_pages -= 1u << order;
	fast_prep_(fa->pcp, page, gfp, order, (int)mt);
	if (track)
		return fast_track_alloc_(k, page, order);
	return page;
}

/* Valgrind, ASan, tracepoints. */
__attribute__((cold, noinline)) static struct kmm_page *alloc_pages_direct_tracked_(struct kmm *k, kmm_gfp_t gfp,
										     unsigned order)
{
	return alloc_pages_direct_inl_(k, gfp, order, true);
}

__attribute__((noinline)) static struct kmm_page *alloc_pages_direct_(struct kmm *k, kmm_gfp_t gfp,
								       unsigned order)
{
	if (kmm_unlikely(kmm_tracking(k)))
		return alloc_pages_direct_tracked_(k, gfp, order);
	return alloc_pages_direct_inl_(k, gfp, order, false);
}

struct kmm_page *kmm_alloc_pages(struct kmm *k, kmm_gfp_t gfp, unsigned order)
{
	if (kmm_unlikely(k->direct_pfns))
		return alloc_pages_direct_(k, gfp, order);
	/* Without k->fast_ok, k->fast is empty and fast_zone_() says no. */
	if (kmm_likely(!((gfp & FAST_GFP_EXCLUDED) | order)))
		return alloc_pages_fast_(k, gfp, 0, true);
	return alloc_pages_order_(k, gfp, order);
}

struct kmm_page *kmm_alloc_pages_node(struct kmm *k, int nid, kmm_gfp_t gfp, unsigned order)
{
	struct alloc_context ac;
	if (nid < 0)
		nid = kmm_numa_node_id(k);
	if (kmm_unlikely((unsigned)nid >= k->nr_nodes)) {
		kmm_report(k, KMM_REPORT_WARNING, "WARNING: alloc_pages_node: node %d >= nr_nodes %u\n", nid,
			   k->nr_nodes);
		return alloc_fail_(k);
	}
	prepare_alloc_context_(k, nid, gfp, &ac);
	return __alloc_pages_(k, gfp, order, &ac);
}

void *kmm_get_free_pages(struct kmm *k, kmm_gfp_t gfp, unsigned order)
{
	struct kmm_page *page = kmm_alloc_pages(k, gfp & ~KMM___GFP_HIGHMEM, order);
	return page ? (char *)k->arena + ((size_t)page_to_pfn_(k, page) << KMM_PAGE_SHIFT) : NULL;
}
