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
#include "freelist.h"
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

	if (!kmm_report_wanted_(k)) { /* counted only: skip the dump */
		kmm_report_count_(k, KMM_REPORT_BAD_PAGE);
		count_vm_(k, KMM_BAD_PAGE, 1);
		return;
	}
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
	} else if (p->flags & PG_slab) {
		snprintf(why, len, "freeing a slab page (owned by cache %s)",
			 kmm_cache_name((const struct kmm_cache *)p->slab.cache));
	} else if (p->flags & PG_large_kmalloc) {
		snprintf(why, len, "freeing a kmalloc()ed page with free_pages (kfree it)");
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

/* The general free: compound pages, orders past the pcp lists, reserve
 * pageblocks, threaded mode, and every misuse. Out of line. */
__attribute__((noinline)) static void __free_pages_(struct kmm *k, struct kmm_page *page, kmm_pfn_t pfn,
						   unsigned order)
{
	struct kmm_zone *z = page_zone_(k, page);

	zone_lock_(z);
	if (kmm_unlikely((page->flags & ~(uint32_t)PG_head) != PG_allocated || page->private_ != order)) {
		zone_unlock_(z);
		bad_free_(k, z, pfn, order);
		return;
	}
	if (page->flags & PG_head)
		clear_compound_tails_(page, order);
	page->refcount = 0;
	page->alloc_gfp = 0;
	/* The block is the allocator's again: unaddressable for the user. */
	kmm_track_free(k, (char *)k->arena + ((size_t)pfn << KMM_PAGE_SHIFT), (size_t)KMM_PAGE_SIZE << order);
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

/*
 * The PFN of a struct page pointer, or a value >= total_pages when the
 * pointer is not on a struct page boundary inside the array: one shift and
 * one multiply instead of a division and a remainder. sizeof(struct
 * kmm_page) = odd << shift; an offset that is a multiple of it shifts down
 * to a multiple of odd, and multiplying by odd's inverse modulo 2^64 divides
 * it exactly; any other offset (below the array too, as it wraps) lands at
 * or above 2^64 / odd, far past any PFN.
 */
#define PAGE_STRUCT_SHIFT ((unsigned)__builtin_ctz(sizeof(struct kmm_page)))
#define PAGE_STRUCT_ODD ((uint64_t)(sizeof(struct kmm_page) >> PAGE_STRUCT_SHIFT))
/* Newton's step for an inverse modulo 2^64 doubles the good low bits; an
 * odd a is its own inverse modulo 8, so five steps reach 96 bits. A
 * constant expression, folded at compile time. */
#define INV_STEP_(a, x) ((x) * (2 - (a) * (x)))
#define PAGE_STRUCT_INV \
	INV_STEP_(PAGE_STRUCT_ODD, INV_STEP_(PAGE_STRUCT_ODD, INV_STEP_(PAGE_STRUCT_ODD, \
	INV_STEP_(PAGE_STRUCT_ODD, INV_STEP_(PAGE_STRUCT_ODD, PAGE_STRUCT_ODD)))))
_Static_assert(PAGE_STRUCT_ODD * PAGE_STRUCT_INV == 1, "modular inverse of the struct page size");
static inline uint64_t page_ptr_pfn_(const struct kmm *k, const struct kmm_page *page)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)k->pages;
	if (off & ((1u << PAGE_STRUCT_SHIFT) - 1))
		return UINT64_MAX;
	return (uint64_t)(off >> PAGE_STRUCT_SHIFT) * PAGE_STRUCT_INV;
}

/* kmm_free_pages() past its fast path: the general free, or a pointer or
 * order that names no block. */
__attribute__((noinline)) static void free_pages_slow_(struct kmm *k, struct kmm_page *page, unsigned order)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)k->pages;
	uint64_t pfn = page_ptr_pfn_(k, page);

	if (pfn < k->total_pages && order <= KMM_MAX_ORDER)
		__free_pages_(k, page, (kmm_pfn_t)pfn, order);
	else
		bad_pointer_(k, page, off, off / sizeof(struct kmm_page), order);
}

/* free_unref_page_commit()'s list push for a correct free of a block of a
 * pcp type; counted in the pcp's fast_free share of PGFREE. */
static inline __attribute__((always_inline)) void fast_pcp_push_(struct kmm *k, struct per_cpu_pages *pcp,
								struct kmm_page *page, unsigned order, unsigned mt)
{
	uint32_t count = pcp->count + (1u << order);
	uint64_t freed = pcp->fast_free + (1u << order);
	page->flags = PG_pcp;
	page->refcount = 0;
	page->alloc_gfp = 0;
	memcpy(&page->migratetype, k->pcp_tag[mt], 2); /* migratetype = mt, pcp_cpu = this CPU */
	list_add_hot(&page->lru, &pcp->lists[order * KMM_MIGRATE_PCPTYPES + mt]);
	pcp->count = count;
	pcp->fast_free = freed;
}

/* The freed head's allocation state cleared, the fast free counted. */
static inline void free_direct_clear_(struct kmm_page *page, struct per_cpu_pages *pcp, unsigned order)
{
	page_set_state_(page, 0, 0);
	page->refcount = 0;
	page->alloc_gfp = 0;
	pcp->fast_free += 1u << order;
}

/*
 * The fast free would reach fast_high: the block must be tracked (Valgrind,
 * ASan: fast_high is 0), or the list trimmed (free_pcppages_bulk, the list
 * just freed to first). When the CPU held nothing of this zone before, the
 * trim gives back exactly this block, so it goes straight to the buddy
 * lists (with pcp high = batch = 1, every free: the buddy path).
 *
 * free_direct_checked_ is that with the tracking event and the asserts of
 * __free_one_page (debug level 1 and up); the others take it when either is
 * on, so that they make no call but tail calls.
 */
__attribute__((cold, noinline)) static void free_direct_checked_(struct kmm *k, struct kmm_page *page,
								  struct per_cpu_pages *pcp, kmm_pfn_t pfn, unsigned order,
								  unsigned mt)
{
	kmm_track_free(k, (char *)k->arena + ((size_t)pfn << KMM_PAGE_SHIFT), (size_t)KMM_PAGE_SIZE << order);
	free_direct_clear_(page, pcp, order);
	free_one_page_inl_(pcp->zone, pfn, order, (int)mt);
}

static inline __attribute__((always_inline)) void free_direct_inl_(struct kmm *k, struct kmm_page *page,
								  struct per_cpu_pages *pcp, kmm_pfn_t pfn, unsigned order,
								  unsigned mt)
{
	if (kmm_unlikely(kmm_tracking(k) || k->cfg.debug_level)) {
		free_direct_checked_(k, page, pcp, pfn, order, mt);
		return;
	}
	free_direct_clear_(page, pcp, order);
	free_one_page_body_inl_(k, pcp->zone, pfn, order, (int)mt);
}

/* One copy for order 0 (its level arithmetic folds away), one for the
 * other orders. */
__attribute__((noinline)) static void free_direct0_(struct kmm *k, struct kmm_page *page, struct per_cpu_pages *pcp,
						    kmm_pfn_t pfn, unsigned mt)
{
	free_direct_inl_(k, page, pcp, pfn, 0, mt);
}

__attribute__((noinline)) static void free_direct_any_(struct kmm *k, struct kmm_page *page,
							struct per_cpu_pages *pcp, kmm_pfn_t pfn, unsigned order,
							unsigned mt)
{
	free_direct_inl_(k, page, pcp, pfn, order, mt);
}

static inline __attribute__((always_inline)) void free_direct_(struct kmm *k, struct kmm_page *page,
							      struct per_cpu_pages *pcp, kmm_pfn_t pfn, unsigned order,
							      unsigned mt)
{
	if (__builtin_constant_p(order) && order == 0)
		free_direct0_(k, page, pcp, pfn, mt);
	else
		free_direct_any_(k, page, pcp, pfn, order, mt);
}

static inline __attribute__((always_inline)) void free_fast_trim_inl_(struct kmm *k, struct kmm_page *page,
								      struct per_cpu_pages *pcp, kmm_pfn_t pfn,
								      unsigned order, unsigned mt)
{
	if (pcp->count == 0 && (1u << order) >= pcp->high) {
		free_direct_(k, page, pcp, pfn, order, mt);
		return;
	}
	kmm_track_free(k, (char *)k->arena + ((size_t)pfn << KMM_PAGE_SHIFT), (size_t)KMM_PAGE_SIZE << order);
	fast_pcp_push_(k, pcp, page, order, mt);
	if (pcp->count >= pcp->high)
		free_pcppages_bulk_(pcp->zone, pcp, pcp->batch, order * KMM_MIGRATE_PCPTYPES + mt);
}

/* The trim of the fast free, out of line so that the common push keeps no
 * frame. */
__attribute__((noinline)) static void free_fast_trim_(struct kmm *k, struct kmm_page *page,
						       struct per_cpu_pages *pcp, kmm_pfn_t pfn, unsigned order,
						       unsigned mt)
{
	free_fast_trim_inl_(k, page, pcp, pfn, order, mt);
}

/*
 * The fast path of a free: single-threaded (k->fast_ok), a pcp order, and
 * the page in exactly the state a correct free finds (the first page of a
 * live, non-compound block of this order) in a pageblock with a pcp type.
 * Then free_unref_page_commit() is a list push, one counter (the pcp's
 * fast_free share of PGFREE) and a compare with high; every other case,
 * misuse included, goes the general way and is classified there, and the
 * rare work leaves by tail calls, so the fast path needs no stack frame.
 * compound_ok (orders 1..3): a state that is not a plain block's may be a
 * compound block's, which free_pages_compound_ makes plain and frees here.
 * pfn < k->fast_free_pfns (0 unless k->fast_ok) is checked by the caller;
 * order is a constant after inlining in the order-0 path. The trim is a
 * call in both paths, so that neither needs a frame on its way to the
 * buddy path (free_direct_).
 */
static void free_pages_compound_(struct kmm *k, struct kmm_page *page, kmm_pfn_t pfn, unsigned order);

static inline __attribute__((always_inline)) void free_pages_fast_(struct kmm *k, struct kmm_page *page,
								  kmm_pfn_t pfn, unsigned order, bool compound_ok)
{
	if (kmm_unlikely(page_state_(page) != page_state_word_(PG_allocated, order))) {
		if (compound_ok)
			free_pages_compound_(k, page, pfn, order);
		else
			free_pages_slow_(k, page, order);
		return;
	}
	uintptr_t pb = k->pageblock_pcp[pfn >> k->pageblock_order]; /* the zone's pcp arrays | type */
	unsigned mt = (unsigned)(pb & PAGEBLOCK_PCP_TYPE_MASK);
	if (kmm_unlikely(mt >= KMM_MIGRATE_PCPTYPES)) {
		free_pages_slow_(k, page, order);
		return;
	}
	struct per_cpu_pages *pcp = (struct per_cpu_pages *)(pb - mt + k->pcp_cur);
	if (kmm_unlikely(pcp->count + (1u << order) >= pcp->fast_high)) {
		if (pcp->count == 0 && (1u << order) >= pcp->high) {
			free_direct_(k, page, pcp, pfn, order, mt); /* a tail call */
			return;
		}
		free_fast_trim_(k, page, pcp, pfn, order, mt);
		return;
	}
	fast_pcp_push_(k, pcp, page, order, mt);
}

/* Orders 1..KMM_PCP_MAX_ORDER and everything else: their own function, so
 * that the order-0 path keeps few registers and no frame. */
__attribute__((noinline)) static void free_pages_order_(struct kmm *k, struct kmm_page *page, kmm_pfn_t pfn,
							 unsigned order)
{
	if (order <= KMM_PCP_MAX_ORDER)
		free_pages_fast_(k, page, pfn, order, true);
	else
		free_pages_slow_(k, page, order);
}

/* A compound block freed whole (its head, its order): the tails cleared,
 * it is a plain block to the fast path. Anything else: the general free. */
__attribute__((noinline)) static void free_pages_compound_(struct kmm *k, struct kmm_page *page, kmm_pfn_t pfn,
							    unsigned order)
{
	if (page_state_(page) != page_state_word_(PG_allocated | PG_head, order)) {
		free_pages_slow_(k, page, order);
		return;
	}
	clear_compound_tails_(page, order);
	page->flags = PG_allocated;
	free_pages_fast_(k, page, pfn, order, false);
}

/* free_pages_direct_ (below) for a block that merges: its buddy is free,
 * or its order reaches the pageblock's. z->free_pages is not counted yet. */
__attribute__((noinline)) static void free_direct_merge_(struct kmm *k, struct kmm_zone *z, kmm_pfn_t pfn,
							  unsigned order, int mt)
{
	free_one_page_body_inl_(k, z, pfn, order, mt);
}

/*
 * The buddy path's mode (k->direct_pfns, see update_fast_bounds_() in
 * pcp.c): the pcp lists hold nothing, so the free that the fast path would
 * push and trim at once goes straight to the buddy lists, with the fast
 * free's checks (a live plain block of this order, in a pageblock of a pcp
 * type), counting and tracking event; anything else is the general free's.
 *
 * __free_one_page() split in two: in a random mix the buddy of a freed
 * block is rarely free (3 % of the frees of bench_pages' order 0-3 mix
 * merge), so the block that does not merge is put on its list here, with
 * buddy_merge_likely()'s choice of end, and only one that merges takes
 * the loop (free_direct_merge_). The common case then needs few enough
 * registers to save none, and no loop. track: deliver the tracking event
 * (a copy of its own, free_pages_direct_tracked_, so that the untracked
 * copy holds no value across a call).
 */
_Static_assert(KMM_PCP_MAX_ORDER < KMM_MAX_ORDER - 1, "a pcp order's pair has a buddy one order up");
static inline __attribute__((always_inline)) void free_pages_direct_inl_(struct kmm *k, struct kmm_page *page,
									 kmm_pfn_t pfn, unsigned order, bool track)
{
	uintptr_t pb = k->pageblock_pcp[pfn >> k->pageblock_order];
	size_t mt = pb & PAGEBLOCK_PCP_TYPE_MASK;
	if (kmm_unlikely(order > KMM_PCP_MAX_ORDER || mt >= KMM_MIGRATE_PCPTYPES ||
			 page_state_(page) != page_state_word_(PG_allocated, order))) {
		free_pages_slow_(k, page, order);
		return;
	}
	if (track) /* the block is the user's no more; the merge touches struct pages only */
		kmm_track_free(k, (char *)k->arena + ((size_t)pfn << KMM_PAGE_SHIFT), (size_t)KMM_PAGE_SIZE << order);
	struct per_cpu_pages *pcp = (struct per_cpu_pages *)(pb - mt + k->pcp_cur);
	struct kmm_zone *z = pcp->zone;
	free_direct_clear_(page, pcp, order);
	struct kmm_page *const pages = k->pages;
	const size_t bit = (size_t)1 << order;
	/* The buddies share pfn's MAX_ORDER block, which starts inside the
	 * zone: only the zone's end can cut them off. */
	const size_t zone_end = (size_t)z->start_pfn + z->spanned_pages;
	const uint64_t buddy_state = page_state_word_(PG_buddy, order);
	const size_t buddy_pfn = pfn ^ bit;
	if (kmm_unlikely(order >= k->pageblock_order ||
			 (buddy_pfn < zone_end && page_state_(&pages[buddy_pfn]) == buddy_state))) {
		free_direct_merge_(k, z, pfn, order, (int)mt);
		return;
	}
	z->free_pages += bit;
	/* buddy_merge_likely(): is the buddy of the pair pfn would make free? */
	const size_t higher_buddy = (pfn & ~bit) ^ (bit << 1);
	const uint64_t pair_state = page_state_word_(PG_buddy, order + 1);
	bool tail = higher_buddy < zone_end && page_state_(&pages[higher_buddy]) == pair_state;
	area_add_word_(&z->free_area[order], page, buddy_state, (int)mt, tail);
}

/* Valgrind, ASan, tracepoints. */
__attribute__((cold, noinline)) static void free_pages_direct_tracked_(struct kmm *k, struct kmm_page *page,
									kmm_pfn_t pfn, unsigned order)
{
	free_pages_direct_inl_(k, page, pfn, order, true);
}

__attribute__((noinline)) static void free_pages_direct_(struct kmm *k, struct kmm_page *page, kmm_pfn_t pfn,
							  unsigned order)
{
	if (kmm_unlikely(kmm_tracking(k))) {
		free_pages_direct_tracked_(k, page, pfn, order);
		return;
	}
	free_pages_direct_inl_(k, page, pfn, order, false);
}

void kmm_free_pages(struct kmm *k, struct kmm_page *page, unsigned order)
{
	uint64_t pfn = page_ptr_pfn_(k, page);

	if (kmm_likely(pfn < k->fast_free_pfns)) {
		if (kmm_likely(order == 0))
			free_pages_fast_(k, page, (kmm_pfn_t)pfn, 0, false);
		else
			free_pages_order_(k, page, (kmm_pfn_t)pfn, order);
		return;
	}
	if (pfn < k->direct_pfns) {
		free_pages_direct_(k, page, (kmm_pfn_t)pfn, order);
		return;
	}
	free_pages_slow_(k, page, order);
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
	kmm_free_pages(k, &k->pages[pfn], order);
}
