// SPDX-License-Identifier: MIT
/*
 * SLOB: the simple list of blocks, after the kernel's mm/slob.c as it was
 * before its removal in 6.4.
 *
 * The heap. SLOB is a K&R-style first-fit heap laid over order-0 pages of
 * the page allocator. Memory is counted in units of SLOB_UNIT = 2 bytes (the
 * kernel's slob_t with 4K pages), so a page is 2048 units. Inside each page
 * the free blocks form a singly linked list in address order, kept in the
 * free memory itself with the kernel's encoding: a free block of n > 1
 * units holds n in its first unit and the unit offset (from the page start)
 * of the next free block in its second; a 1-unit block holds minus that
 * offset. The last block's "next" is the page end (2048). The page's
 * struct page carries the rest: slab.freelist is the first free block,
 * slab.extra the free units (the kernel's slob_units_free), slab.inuse the
 * units handed out, slab.objects the page's units; slab.cache is NULL,
 * since a SLOB page belongs to no one cache.
 *
 * Partially free pages sit on one of three lists by the size of the request
 * that put them there: free_slob_small (< 256 bytes), free_slob_medium
 * (< 1024) and free_slob_large; a full page is on none (page->slab.list
 * says which). slob_alloc() walks the list for its size, skips pages with
 * too few free units (or on the wrong node or in a zone the gfp may not
 * use), and asks slob_page_alloc() for a first fit inside the page: the
 * lowest-address free block big enough once the block start is moved up so
 * that block + align_offset is aligned, the skipped head left behind as a
 * free block of its own. On success the list is rotated so that this page
 * comes first next time (Knuth's "next fit" trick the kernel uses); when no
 * page fits, a new page joins the list. slob_free() puts a block back in
 * address order, merging it with a free neighbour on either side, moves a
 * page that was full onto the list of the freed size, and gives a page
 * that became wholly free straight back to the page allocator (here: all
 * but one, the spare, see (9)).
 *
 * kmalloc. A request of size < PAGE_SIZE - 8 takes size + 8 bytes from the
 * heap, aligned so that the object after the 8-byte header is 8-aligned
 * (power-of-two sizes: aligned to their size, as the kernel does since 5.4);
 * the header's first 32-bit word holds the size (ksize() rounds it to
 * units), the second a tag saying "kmalloc block". Anything bigger goes to
 * the page allocator through kmalloc_large_() (compound pages marked
 * PG_large_kmalloc, freed by kfree() without SLOB).
 *
 * Caches. SLOB has no slabs: kmem_cache_alloc() takes one block of the
 * cache's slot size (s->l.size, from the common layout) and alignment from
 * the heap and runs the constructor on every allocation; a slot too big for
 * a page gets pages of its own (a one-object slab whose slab.cache is the
 * cache). SLAB_TYPESAFE_BY_RCU caches do not give blocks back at free: the
 * block waits, untouched, for the next grace period (kmm_rcu_barrier(),
 * through ops->rcu_barrier), as the kernel's slob_rcu did with call_rcu().
 *
 * What is not the kernel's. (1) Beside each SLOB page the backend keeps a
 * block map in host metadata (struct slob_map): one bit per unit marking
 * where every block starts, which blocks are allocated, which are kmalloc
 * blocks and which wait for RCU. The kernel trusts its callers; with the
 * map every free, kfree and ksize is checked (a pointer must be exactly an
 * allocated block of the right kind and size: double frees, interior and
 * foreign pointers are reported and survived), the neighbours a free block
 * merges with come from the map, a free list whose in-band headers were
 * overwritten is found and rebuilt, and the check walk can prove that the
 * blocks tile each page exactly. (2) A page is only reused for a request
 * whose gfp allows its zone (the kernel's SLOB ignored GFP_DMA on partial
 * pages). (3) Slab debug, which the kernel's SLOB never had, partly:
 *
 *   F  Debug caches put an 8-byte owner tag (the cache's SLOB id) before
 *      each block, so a free to the wrong cache is caught even between
 *      caches of one size; and from the first cache or kmalloc with any
 *      debug flag on, every first-fit walk checks each free block header
 *      against the map (sticky: the heap is shared). The pointer checks
 *      above run for everyone.
 *   Z  Cache objects: the red zones of the common layout, set and checked
 *      by debug.c's hooks at alloc and free and by validate (0xcc while
 *      allocated, 0xbb while waiting for RCU). kmalloc: 8 bytes past the
 *      request, plus the unit rounding, hold 0xcc, checked at kfree,
 *      ksize and validate ("Right Redzone overwritten"); ksize() then
 *      returns the request itself. A request whose block and red zone do
 *      not fit a page (4081..4087 bytes, and 2048, which aligned to 2048
 *      right after its header ends the page) is a page allocation.
 *   P  The heap's free space holds POISON_FREE (0x6b), except the free
 *      blocks' headers, from the first cache or kmalloc with P on (sticky;
 *      the free space present then is poisoned at once). It is checked when
 *      a block is carved and by validate ("Poison overwritten"): a write
 *      after free is found unless the block was handed out again first.
 *      An object's own poison (0x6b..0xa5) lasts only between debug.c's
 *      free hook and the block's return to the heap, which for SLOB is at
 *      once. Slot padding is POISON_INUSE (0x5a), checked by validate.
 *   U  debug.c records the alloc track in the slot while the object is
 *      allocated; the free track is lost when the block rejoins the heap,
 *      and kmalloc blocks carry no tracks (no slot, no caller).
 *   validate (ops->validate) covers the whole heap (map against headers,
 *   free space poison, every kmalloc block's header and red zone) plus the
 *   cache's own objects, so any cache's validate finds a heap problem
 *   once; validate of NULL covers the heap alone.
 *
 * Search aids that change no decision (4). Each list has a fit index
 * (slob_fit.c): a tree over its pages in list order with a bound of each
 * page's largest free block, so slob_alloc() tries, from the head, only the
 * pages that might fit instead of every page with enough free units; the
 * page chosen, and the block in it, are the kernel's. With the debug checks
 * on every page is still walked, since each walk checks the page's free
 * list. The tree's nodes live in one array indexed by pfn (struct
 * slob_node, which also points at the page's map), not in the maps, so its
 * walks read compact memory. (5) Each map keeps two 32-bit summaries, the
 * words of its start set and of its free block starts that are not empty,
 * so finding the next or previous block (or free block) start, and so a
 * block's extent, is a few word operations instead of a scan of up to 32
 * groups. (6) The maps of pages given back are kept for new pages and
 * cleared when taken, so a heap that shrinks and grows again pays no
 * metadata allocation. (7) A new page's first
 * block is placed directly (slob_fresh_fit_: the state set_slob() and
 * slob_page_alloc() would leave, headers included) when no debug check or
 * poison asks for the walk. (8) kfree asks whether a pointer is an
 * allocated kmalloc block once, in one map group (slob_kmalloc_unit_); the
 * full search (slob_where_) runs only to word a report.
 *
 * The spare page (9), like SLUB's min_partial. The kernel's SLOB gives a
 * page back the moment its last block is freed, so a kmalloc/kfree pair
 * alone in its page costs a page allocation and a page free each time.
 * Here the first page to become wholly free is kept (sb->spare): off
 * every list, in the state set_slob() of the whole page leaves (one free
 * block, the page), and it stands in for the page allocator the next time
 * slob_alloc() finds no page that fits: the lists are walked first, as
 * before, so no first-fit decision changes, only which page a new page
 * is. A second page that becomes free goes back at once. The spare goes
 * back on kmem_cache_shrink() of any cache, kmm_slab_shrink_all() (the
 * heap's shrink_shared, also with no cache at all), kmem_cache_destroy(),
 * before SLOB asks the page allocator for anything itself (a one-object
 * slab, a large kmalloc SLOB hands on, or a new heap page the spare
 * cannot be: another node or a zone the gfp may not use), and a grace
 * period frees no block into a new spare; so everything freed and shrunk
 * still means no slab page held. (Allocations that never pass through
 * SLOB, page allocations and kmallocs above KMALLOC_MAX_CACHE_SIZE, do not
 * see it: the page allocator has no shrinker to call. One page at most.) It is a heap page in every walk: the check proves it one
 * free block of the whole page on no list (and no other wholly free page
 * kept), validate checks its poison, kmm_slab_pages() counts it (no
 * cache's slabinfo line does, as for every heap page). A stray kfree into
 * it is "Object already free", as in any free block of the heap.
 *
 * Fast paths (10), single-threaded, with no debug check or poison
 * (slob_kmalloc.c): a kmalloc that finds its list empty and the spare
 * usable carves the spare in one step (the state slob_fresh_fit_ would
 * write; the carve's shape is kept for the last size), and remembers the
 * block (sb->solo) until anything else touches the heap; the kfree of
 * that block, its header intact, makes the page the spare again without
 * asking the map (which the memo stands for, and the check proves); the
 * kfree of any page's last block does the same through the map. Every
 * other case takes the general path.
 *
 * Statistics for slabinfo: a SLOB page holds blocks of every cache, so a
 * cache has no slabs of its own. kmm_cache_info reports active_objs ==
 * num_objs == the objects allocated now, objs_per_slab == how many of its
 * blocks fit a page, and num_slabs == active_slabs == the pages they would
 * fill alone, rounded up (one-object slabs: their count); the heap's pages
 * are in kmm_slab_pages().
 *
 * Locking (threaded mode): one lock, the kernel's slob_lock, guards the
 * lists, every SLOB page's struct page fields, the maps and the per-cache
 * counters. The page allocator is never called with it held, as in the
 * kernel; a page that became free is taken off everything under the lock
 * and handed back after it is dropped.
 *
 * Files: this one allocates and frees blocks (the heap, the spare);
 * slob_cache.c holds the caches (create, alloc, free, RCU, shrink) and the
 * ops table; slob_kmalloc.c holds kmalloc, kfree and ksize; slob_check.c the walks
 * (check, validate, the slab iterator, statistics) and the free list's
 * soundness test and repair; slob_fit.c the fit index; slob_internal.h
 * the encoding, the block map and the state they share.
 */
#include <errno.h>
#include <string.h>

#include "slob_internal.h"

/* ---- poison of the free space ------------------------------------------------------- */

/* Fill a free block's body (all but its header) with POISON_FREE. */
static void slob_poison_block_(char *base, unsigned u, unsigned size)
{
	unsigned h = slob_hdr_units_(size);
	memset(base + (size_t)(u + h) * SLOB_UNIT, KMM_POISON_FREE, (size_t)(size - h) * SLOB_UNIT);
}

/* From now on the heap's free space is poisoned: poison what is free now. */
static void slob_enable_poison_(struct kmm *k, struct slob_system *sb)
{
	struct list_head *pos;
	slob_lock_(k, sb);
	if (!sb->poison) {
		sb->poison = true;
		sb->solo = NULL; /* (the memo stands only without debug) */
		list_for_each(pos, &sb->pages) {
			struct slob_map *m = list_entry(pos, struct slob_map, link);
			char *base = slob_base_(k, m->page);
			for (unsigned u = map_next_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, 0); u < SLOB_PAGE_UNITS;
			     u = map_next_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, u + 1))
				slob_poison_block_(base, u, map_extent_(m, u));
		}
	}
	slob_unlock_(k, sb);
}

/* A cache or kmalloc with these debug flags joins the heap. */
void slob_debug_joins_(struct kmm *k, struct slob_system *sb, unsigned flags)
{
	if (flags & KMM_SLAB_DEBUG_FLAGS) {
		slob_lock_(k, sb);
		sb->checks = true;
		sb->solo = NULL; /* (the memo stands only without debug) */
		slob_unlock_(k, sb);
	}
	if (flags & KMM_SLAB_POISON)
		slob_enable_poison_(k, sb);
}

/* kmalloc's debug flags: slab_debug= as it names "kmalloc" (the name the
 * reports give blocks of no cache). Parsed after init, so asked lazily. */
unsigned slob_kmalloc_flags_slow_(struct kmm *k, struct slob_system *sb)
{
	unsigned flags = slab_debug_flags_for_(k, "kmalloc") & KMM_SLAB_DEBUG_FLAGS;
	slob_debug_joins_(k, sb, flags);
	slob_lock_(k, sb);
	if (!sb->kmalloc_known) {
		sb->kmalloc_flags = flags;
		__atomic_store_n(&sb->kmalloc_known, true, __ATOMIC_RELEASE);
	}
	slob_unlock_(k, sb);
	return sb->kmalloc_flags;
}

/* ---- slob_page_alloc / slob_alloc ------------------------------------------------------ */


/*
 * slob_page_alloc(): first fit in page for units, aligned. Returns the
 * block's unit offset, or SLOB_NONE. The page leaves its list when this
 * fills it (*removed). The page's fit_room is kept a bound of its largest
 * free block: left alone by a fit (blocks only shrink), made exact by a
 * walk that found none. Caller holds the lock.
 */
static unsigned slob_page_alloc_(struct kmm *k, struct slob_system *sb, const struct slob_req *rq,
				 struct kmm_page *page, struct slob_map *m, unsigned units, bool *removed)
{
	char *base = slob_base_(k, page);
	unsigned tries = 0;

	*removed = false;
again:
	if (sb->checks && !slob_list_sound_(k, page, m, true))
		slob_repair_(k, sb, rq->s, page, m);
	unsigned prev = SLOB_NONE, prev_size = 0, cur = slob_freelist_unit_(k, page), largest = 0;
	while (cur != SLOB_NONE) {
		unsigned avail, next, delta = 0;
		if (!slob_decode_(base, cur, &avail, &next)) {
			slob_repair_(k, sb, rq->s, page, m);
			if (++tries > 1)
				return SLOB_NONE;
			goto again;
		}
		if (rq->align) {
			size_t at = (size_t)cur * SLOB_UNIT + rq->align_offset;
			size_t aligned = (at + rq->align - 1) & ~((size_t)rq->align - 1);
			delta = (unsigned)((aligned - at) / SLOB_UNIT);
		}
		if (avail >= units + delta) {
			unsigned b = cur + delta;
			if (sb->poison) {
				/* The block was free space: poison but for cur's header. */
				unsigned lo = b > cur + slob_hdr_units_(avail) ? b : cur + slob_hdr_units_(avail);
				if (lo < b + units)
					slab_check_bytes_(k, rq->s, "Poison", NULL, base + (size_t)lo * SLOB_UNIT,
							  KMM_POISON_FREE, (size_t)(b + units - lo) * SLOB_UNIT);
			}
			if (delta) { /* leave the head behind as a free block */
				set_slob_(base, b, avail - delta, next);
				set_slob_(base, cur, delta, b);
				map_set_(m, SLOB_MAP_START, b);
				prev = cur;
				prev_size = delta;
				cur = b;
				avail -= delta;
			}
			if (avail == units) { /* exact fit: unlink */
				if (prev != SLOB_NONE)
					set_slob_(base, prev, prev_size, next);
				else
					slob_set_freelist_(k, page, next);
			} else { /* fragment */
				unsigned rest = cur + units;
				if (prev != SLOB_NONE)
					set_slob_(base, prev, prev_size, rest);
				else
					slob_set_freelist_(k, page, rest);
				set_slob_(base, rest, avail - units, next);
				map_set_(m, SLOB_MAP_START, rest);
			}
			map_set_(m, SLOB_MAP_ALLOC, cur);
			page->slab.extra = (uint16_t)(page->slab.extra - units);
			page->slab.inuse = (uint16_t)(page->slab.inuse + units);
			if (!page->slab.extra) {
				page->slab.freelist = NULL;
				slob_list_del_(sb, page, m);
				*removed = true;
			}
			return cur;
		}
		if (avail > largest)
			largest = avail;
		if (next == SLOB_PAGE_UNITS)
			break;
		prev = cur;
		prev_size = avail;
		cur = next;
	}
	/* Every free block was seen: the bound is exact now. */
	if (page->slab.list)
		slob_fit_set_room_(m->node, largest);
	return SLOB_NONE;
}

/* list_rotate_to_front(): make pos the list's first entry, keeping the
 * cyclic order (the pages before it move to the tail). */
static void slob_rotate_to_front_(struct list_head *pos, struct list_head *head)
{
	__list_del_entry(head);
	list_add_tail(head, pos);
}

/* Where a block was carved from (the statistics). */
enum slob_carved_from_ { SLOB_CARVED_PARTIAL_, SLOB_CARVED_SPARE_, SLOB_CARVED_NEW_ };

/* A block was carved: mark it, write its header and red zone, count it. */
static char *slob_carved_(struct slob_system *sb, const struct slob_req *rq, struct slob_map *m, unsigned b,
			  enum slob_carved_from_ from, char *base)
{
	char *block = base + (size_t)b * SLOB_UNIT;
	size_t bytes = (size_t)SLOB_UNITS(rq->bytes) * SLOB_UNIT;
	if (rq->hdr[1])
		memcpy(block, rq->hdr, SLOB_HDR);
	if (rq->rz_from)
		memset(block + rq->rz_from, KMM_SLUB_RED_ACTIVE, bytes - rq->rz_from);
	if (rq->sc) {
		rq->sc->live++;
		if (from != SLOB_CARVED_PARTIAL_) { /* a page not on the lists */
			rq->sc->alloc_slow++;
			rq->sc->pages_new += from == SLOB_CARVED_NEW_;
		} else {
			rq->sc->alloc_fast++;
		}
	} else {
		map_set_(m, SLOB_MAP_KMALLOC, b);
		sb->kmalloc_live++;
	}
	return block;
}

/*
 * What set_slob() of the whole page, set_slob_page_free() and
 * slob_page_alloc_() do to a fresh page, in one step: the block at the
 * first aligned unit, the skipped head and the rest left as free blocks,
 * the page on its list (unless the block filled it) with the exact bound
 * of its largest free block. The same page state, headers included, as
 * the general walk leaves. Only without the debug checks and poison
 * (which that walk performs): SLOB_NONE, and the caller walks.
 */
static unsigned slob_fresh_fit_(struct kmm *k, struct slob_system *sb, const struct slob_req *rq,
				struct kmm_page *page, struct slob_map *m, char *base)
{
	unsigned units = SLOB_UNITS(rq->bytes), delta = 0;
	if (kmm_unlikely(sb->checks || sb->poison))
		return SLOB_NONE;
	if (rq->align) {
		size_t aligned = ((size_t)rq->align_offset + rq->align - 1) & ~((size_t)rq->align - 1);
		delta = (unsigned)((aligned - rq->align_offset) / SLOB_UNIT);
	}
	unsigned b = delta, rest = b + units, tail = SLOB_PAGE_UNITS - rest;
	if (kmm_unlikely(rest > SLOB_PAGE_UNITS))
		return SLOB_NONE;
	unsigned first = delta ? 0 : tail ? rest : SLOB_NONE;
	set_slob_(base, b, SLOB_PAGE_UNITS - delta, SLOB_PAGE_UNITS); /* as the walk leaves it */
	if (delta) /* the head, linked to the rest (or the page end) */
		set_slob_(base, 0, delta, tail ? rest : SLOB_PAGE_UNITS);
	if (tail)
		set_slob_(base, rest, tail, SLOB_PAGE_UNITS);
	/* The map (clear: slob_map_reset_) word by word, each written once
	 * and whole: starts at 0, b and rest, b allocated (and kmalloc). */
	unsigned wb = b >> 6, wr = rest >> 6;
	uint64_t bbit = 1ull << (b & 63), rbit = tail ? 1ull << (rest & 63) : 0;
	uint64_t start_b = bbit | (wb == 0 ? 1 : 0) | (wr == wb ? rbit : 0);
	if (wb)
		m->g[0].set[SLOB_MAP_START] = 1;
	m->g[wb].set[SLOB_MAP_START] = start_b;
	if (tail && wr != wb)
		m->g[wr].set[SLOB_MAP_START] = rbit;
	m->g[wb].set[SLOB_MAP_ALLOC] = bbit;
	if (!rq->sc)
		m->g[wb].set[SLOB_MAP_KMALLOC] = bbit;
	uint64_t tailw = tail ? 1ull << wr : 0; /* (64-bit throughout: no half-word spills) */
	uint64_t starts = 1ull | 1ull << wb | tailw, frees = (delta ? 1ull : 0) | tailw;
	m->dirty = (uint32_t)starts;
	m->words = starts | frees << 32;
	slob_set_freelist_(k, page, first);
	page->slab.extra = (uint16_t)(SLOB_PAGE_UNITS - units);
	page->slab.inuse = (uint16_t)units;
	if (page->slab.extra)
		slob_list_add_(k, sb, page, m, slob_list_id_(rq->bytes), delta > tail ? delta : tail);
	return b;
}

static void slob_page_detach_(struct slob_system *sb, struct kmm_page *page, struct slob_map *m);

/* May the spare serve rq? What slob_try_page_ asks of a partial page. */
static inline bool slob_spare_suits_(const struct kmm_page *page, const struct slob_req *rq,
				     enum kmm_zone_type highest)
{
	return (rq->node < 0 || page->node == rq->node) && page->zone <= highest;
}

/* The spare page (taken off sb->spare, lock held) serves rq as a new page
 * would: its state is a fresh page's after set_slob() of the whole page.
 * Unlocks. */
static char *slob_spare_alloc_(struct kmm *k, struct slob_system *sb, const struct slob_req *rq,
			       struct kmm_page *page)
{
	struct slob_map *m = slob_map_of_(k, sb, page);
	char *base = slob_base_(k, page);
	unsigned b;
	bool removed;

	if (kmm_unlikely(!m)) { /* (a heap page has a map: said for the compiler) */
		slob_unlock_(k, sb);
		return NULL;
	}
	/* The spare's map is clear but for unit 0's start, which is all
	 * slob_fresh_fit_ needs (it writes every word it uses whole). */
	b = slob_fresh_fit_(k, sb, rq, page, m, base); /* (refuses before writing anything) */
	if (b == SLOB_NONE) { /* the walk, which checks the free list and the poison */
		slob_list_add_(k, sb, page, m, slob_list_id_(rq->bytes), SLOB_PAGE_UNITS);
		b = slob_page_alloc_(k, sb, rq, page, m, SLOB_UNITS(rq->bytes), &removed);
	}
	char *block = b == SLOB_NONE ? NULL : slob_carved_(sb, rq, m, b, SLOB_CARVED_SPARE_, base);
	slob_unlock_(k, sb);
	return block; /* NULL only if the caller's fit test lied; the page stays in the heap */
}

/* A new page for the heap: the spare when it suits, else the page
 * allocator's, with a map (a kept one when there is one), on the list. */
static char *slob_new_page_alloc_(struct kmm *k, struct slob_system *sb, const struct slob_req *rq)
{
	struct kmm_page *page;
	struct slob_map *m = NULL;
	bool removed;

	slob_lock_(k, sb);
	page = sb->spare;
	if (page) {
		sb->spare = NULL;
		if (slob_spare_suits_(page, rq, kmm_gfp_zone(rq->gfp)))
			return slob_spare_alloc_(k, sb, rq, page);
		/* Of no use here: back first, so the page allocator has it. */
		slob_page_detach_(sb, page, slob_map_of_(k, sb, page));
		slob_unlock_(k, sb);
		slob_page_release_(k, page);
	} else {
		slob_unlock_(k, sb);
	}
	page = slab_alloc_pages_(k, NULL, rq->gfp & ~KMM___GFP_ZERO, rq->node, 0);
	if (!page)
		return NULL;
	char *base = slob_base_(k, page);

	slob_lock_(k, sb);
	if (!list_empty(&sb->spares)) {
		m = list_entry(sb->spares.next, struct slob_map, link);
		list_del(&m->link);
	} else {
		slob_unlock_(k, sb);
		m = k->plat->meta_alloc(k->plat->ctx, sizeof(*m)); /* zeroed */
		if (!m) {
			slab_free_pages_(k, NULL, page, 0);
			return NULL;
		}
		slob_lock_(k, sb);
	}
	m->page = page;
	m->node = &sb->node[page_to_pfn_(k, page)];
	m->node->map = m;
	m->node->fit_prio = slob_fit_prio_(page_to_pfn_(k, page));
	slob_map_reset_(m);
	list_add_tail(&m->link, &sb->pages);
	sb->nr_pages++;
	page->slab.cache = NULL;
	page->slab.objects = SLOB_PAGE_UNITS;
	page->slab.inuse = 0;
	page->slab.extra = SLOB_PAGE_UNITS;
	if (sb->poison)
		memset(base, KMM_POISON_FREE, KMM_PAGE_SIZE);
	unsigned b = slob_fresh_fit_(k, sb, rq, page, m, base);
	if (b == SLOB_NONE) {
		map_set_(m, SLOB_MAP_START, 0);
		set_slob_(base, 0, SLOB_PAGE_UNITS, SLOB_PAGE_UNITS);
		slob_set_freelist_(k, page, 0);
		slob_list_add_(k, sb, page, m, slob_list_id_(rq->bytes), SLOB_PAGE_UNITS);
		b = slob_page_alloc_(k, sb, rq, page, m, SLOB_UNITS(rq->bytes), &removed);
	}
	char *block = b == SLOB_NONE ? NULL : slob_carved_(sb, rq, m, b, SLOB_CARVED_NEW_, base);
	slob_unlock_(k, sb);
	return block; /* NULL only if the caller's fit test lied; the page stays in the heap */
}

/* One page of slob_alloc()'s walk: skipped as the kernel skips it (node,
 * zone, too few free units), else asked for a first fit. */
static char *slob_try_page_(struct kmm *k, struct slob_system *sb, const struct slob_req *rq,
			    struct list_head *slob_list, struct kmm_page *sp, unsigned units,
			    enum kmm_zone_type highest)
{
	bool removed;
	if (rq->node >= 0 && sp->node != rq->node)
		return NULL;
	if (sp->zone > highest)
		return NULL;
	struct slob_map *m = slob_map_of_(k, sb, sp);
	if (kmm_unlikely(!m)) /* (a listed page has a map: said for the compiler) */
		return NULL;
	if (sp->slab.extra < units) {
		/* The bound, lowered only now that a search met it (after
		 * each fit it would cost a walk up the tree). */
		if (m->node->fit_room > sp->slab.extra)
			slob_fit_set_room_(m->node, sp->slab.extra);
		return NULL;
	}
	unsigned b = slob_page_alloc_(k, sb, rq, sp, m, units, &removed);
	if (b == SLOB_NONE)
		return NULL;
	/* Start the next search here (Knuth vol 1, 2.5: next fit). A page
	 * that just filled up is on no list to rotate. */
	if (!removed && slob_list->next != &sp->lru)
		slob_rotate_to_front_(&sp->lru, slob_list);
	return slob_carved_(sb, rq, m, b, SLOB_CARVED_PARTIAL_, slob_base_(k, sp));
}

/*
 * slob_alloc(): a block for rq from the heap, growing it when nothing fits.
 * The pages are tried in list order from the head, as the kernel does; the
 * fit index (slob_fit.c) leaves out only pages whose largest free block is
 * too small, which the kernel would walk in vain. With the debug checks on
 * every page is walked, since each walk also checks the page's free list.
 */
char *slob_alloc_(struct kmm *k, struct slob_system *sb, const struct slob_req *rq)
{
	unsigned units = SLOB_UNITS(rq->bytes), id = slob_list_id_(rq->bytes);
	struct list_head *slob_list = &sb->lists[id], *pos, *n;
	enum kmm_zone_type highest = kmm_gfp_zone(rq->gfp);
	char *block = NULL;

	slob_lock_(k, sb);
	sb->solo = NULL; /* the heap changes */
	if (sb->checks) {
		for (pos = slob_list->next, n = pos->next; pos != slob_list && !block; pos = n, n = pos->next)
			block = slob_try_page_(k, sb, rq, slob_list, list_entry(pos, struct kmm_page, lru), units,
					       highest);
	} else if (!list_empty(slob_list)) {
		/* The index's order is the list's read from some page on: from
		 * the head to the index's end, then from its start to the head. */
		struct slob_node *head = &sb->node[page_to_pfn_(k, list_entry(slob_list->next, struct kmm_page, lru))], *f;
		for (f = slob_fit_next_(head, units, true); f && !block; f = slob_fit_next_(f, units, false))
			block = slob_try_page_(k, sb, rq, slob_list, f->map->page, units, highest);
		for (f = slob_fit_first_(sb, id, units); f && f != head && !block; f = slob_fit_next_(f, units, false))
			block = slob_try_page_(k, sb, rq, slob_list, f->map->page, units, highest);
	}
	if (!block && sb->spare && slob_spare_suits_(sb->spare, rq, highest)) {
		/* What slob_new_page_alloc_ would do, without dropping the
		 * lock in between. */
		struct kmm_page *page = sb->spare;
		sb->spare = NULL;
		return slob_spare_alloc_(k, sb, rq, page);
	}
	slob_unlock_(k, sb);
	if (!block)
		block = slob_new_page_alloc_(k, sb, rq);
	return block;
}

/* ---- slob_free ------------------------------------------------------------------------ */

/* Take a page that became wholly free off the heap (lock held); the caller
 * hands it back with slob_page_release_() once the lock is dropped. */
static void slob_page_detach_(struct slob_system *sb, struct kmm_page *page, struct slob_map *m)
{
	if (page->slab.list)
		slob_list_del_(sb, page, m);
	list_del(&m->link);
	m->node->map = NULL;
	sb->nr_pages--;
	/* Kept for the next new page (a LIFO pair at a page boundary, or a
	 * heap that shrinks and grows again, would otherwise pay a metadata
	 * allocation and its zeroing each time); cleared when taken
	 * (slob_map_reset_). The most recently used map goes first. */
	m->page = NULL;
	m->pending = 0;
	list_add(&m->link, &sb->spares);
	page->slab.freelist = NULL;
	page->slab.extra = 0;
	page->slab.inuse = 0;
}
void slob_page_release_(struct kmm *k, struct kmm_page *page)
{
	if (page)
		slab_free_pages_(k, NULL, page, 0);
}

/* slob_make_spare_'s poison: the freed block and the headers that end up
 * inside the spare's one block. The other free blocks keep their bytes,
 * so a write after free into them is still found when the spare is
 * carved or validated. */
void slob_spare_poison_(struct kmm *k, struct kmm_page *page, struct slob_map *m, unsigned b, unsigned units)
{
	char *base = slob_base_(k, page);
	for (unsigned u = map_next_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, 0); u < SLOB_PAGE_UNITS;
	     u = map_next_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, u + 1))
		memset(base + (size_t)u * SLOB_UNIT, KMM_POISON_FREE, (size_t)slob_hdr_units_(map_extent_(m, u)) * SLOB_UNIT);
	memset(base + (size_t)b * SLOB_UNIT, KMM_POISON_FREE, (size_t)units * SLOB_UNIT);
}

void slob_spare_drop_(struct kmm *k, struct slob_system *sb)
{
	struct kmm_page *page;

	slob_lock_(k, sb);
	page = sb->spare;
	if (page) {
		sb->spare = NULL;
		slob_page_detach_(sb, page, slob_map_of_(k, sb, page));
	}
	slob_unlock_(k, sb);
	slob_page_release_(k, page);
}

/*
 * slob_free(): block b of page (allocated per the map, units long; size is
 * the byte size that picks a list) goes back in address order, merged with
 * free neighbours. Returns the page when it became wholly free (detached:
 * the caller releases it after unlocking), else NULL. Caller holds the lock.
 */
struct kmm_page *slob_free_block_(struct kmm *k, struct slob_system *sb, struct kmm_cache *s,
				  struct kmm_page *page, struct slob_map *m, unsigned b, unsigned units, size_t size,
				  bool may_keep)
{
	char *base = slob_base_(k, page);

	sb->solo = NULL; /* the heap changes */
	if (sb->checks && !slob_list_sound_(k, page, m, true))
		slob_repair_(k, sb, s, page, m);
	if (page->slab.extra + units == SLOB_PAGE_UNITS) {
		if (may_keep && !sb->spare) {
			slob_make_spare_(k, sb, page, m, b, units);
			return NULL;
		}
		/* Go straight to the page allocator (the map is cleared
		 * when it is used again). */
		slob_page_detach_(sb, page, m);
		return page;
	}
	map_clear_(m, SLOB_MAP_ALLOC, b);
	map_clear_(m, SLOB_MAP_KMALLOC, b);
	map_clear_(m, SLOB_MAP_RCU, b);
	if (sb->poison)
		memset(base + (size_t)b * SLOB_UNIT, KMM_POISON_FREE, (size_t)units * SLOB_UNIT);
	page->slab.inuse = (uint16_t)(page->slab.inuse - units);
	if (!page->slab.list) {
		/* A full page about to become partially free. */
		page->slab.extra = (uint16_t)units;
		slob_set_freelist_(k, page, b);
		set_slob_(base, b, units, SLOB_PAGE_UNITS);
		slob_list_add_(k, sb, page, m, slob_list_id_(size), units);
		return NULL;
	}
	page->slab.extra = (uint16_t)(page->slab.extra + units);

	/* The insertion point: the free neighbours, from the map (the same
	 * blocks the kernel finds walking the list, without trusting it). */
	int prev = b ? map_prev_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, b - 1) : -1;
	unsigned next = map_next_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, b + units);
	if (next < SLOB_PAGE_UNITS && next == b + units) { /* merge with the next block */
		unsigned nsize = map_extent_(m, next);
		map_clear_(m, SLOB_MAP_START, next);
		if (sb->poison) /* its header is inside the merged block now */
			memset(base + (size_t)next * SLOB_UNIT, KMM_POISON_FREE,
			       (size_t)slob_hdr_units_(nsize) * SLOB_UNIT);
		units += nsize;
		next = map_next_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, b + units);
	}
	if (prev >= 0 && (unsigned)prev + map_extent_(m, (unsigned)prev) == b) { /* merge into prev */
		map_clear_(m, SLOB_MAP_START, b);
		units = map_extent_(m, (unsigned)prev);
		set_slob_(base, (unsigned)prev, units, next);
	} else {
		set_slob_(base, b, units, next);
		if (prev >= 0)
			set_slob_(base, (unsigned)prev, map_extent_(m, (unsigned)prev), b);
		else
			slob_set_freelist_(k, page, b);
	}
	if (units > m->node->fit_room) /* the merged block may be the largest now */
		slob_fit_set_room_(m->node, units);
	return NULL;
}

/* ---- pointer checks ---------------------------------------------------------------- */


/* Where block start p of page falls (lock held). *unit: p's unit when AT_BLOCK. */
enum slob_where_ slob_where_(struct kmm *k, struct slob_system *sb, const struct kmm_page *page, const char *p,
			     const char *obj, unsigned *unit)
{
	const struct slob_map *m = slob_map_of_(k, sb, page);
	const char *base = slob_base_(k, page);
	if (!m || obj < base || obj >= base + KMM_PAGE_SIZE)
		return SLOB_NOT_HEAP_;
	/* The block holding the object decides whether it is free. */
	int holder = map_prev_(m, SLOB_MAP_START, SLOB_MAP_NONE, (unsigned)((obj - base) / SLOB_UNIT));
	if (holder < 0 || !map_test_(m, SLOB_MAP_ALLOC, (unsigned)holder))
		return SLOB_IN_FREE_;
	if (p < base || (size_t)(p - base) % SLOB_UNIT || (unsigned)((p - base) / SLOB_UNIT) != (unsigned)holder)
		return SLOB_INTERIOR_;
	if (map_test_(m, SLOB_MAP_RCU, (unsigned)holder))
		return SLOB_IN_FREE_;
	*unit = (unsigned)holder;
	return SLOB_AT_BLOCK_;
}

/* The report for a pointer that is no allocated block: what the kernel's
 * free_consistency_checks() would say. The object's trailer only when its
 * slot would lie inside the page (a stray pointer near the page end must
 * not send the dump past it). */
void slob_bad_pointer_(struct kmm *k, struct kmm_cache *s, struct kmm_page *page, const void *obj,
		       enum slob_where_ where, const char *fn)
{
	const char *base = slob_base_(k, page), *p = obj;
	size_t slot = s ? s->l.size : SLOB_HDR;
	if (where == SLOB_IN_FREE_ && (!s || (size_t)(p - base) >= s->l.red_left_pad) &&
	    (size_t)(p - base) + slot <= ((size_t)KMM_PAGE_SIZE << (page->flags & PG_head ? page->private_ : 0)))
		slab_object_err_(k, s, page, obj, "Object already free", NULL);
	else if (where == SLOB_IN_FREE_)
		slab_err_(k, s, page, NULL, "Object already free: 0x%llx (%s)", (unsigned long long)(uintptr_t)obj, fn);
	else
		slab_err_(k, s, page, NULL, "Invalid object pointer 0x%llx (%s)", (unsigned long long)(uintptr_t)obj,
			  fn);
}
