// SPDX-License-Identifier: MIT
/*
 * SLOB's walks: the structural check of the heap (kmm_slab_check and
 * kmm_cache_check through check_shared) and of a cache's own state
 * (check), validate (the whole heap, then the cache's objects), the slab
 * iterator, and the counters behind kmm_cache_info and slabinfo.
 *
 * The heap check proves what slob_internal.h states: every page's blocks
 * tile it exactly from unit 0 (the map's starts), the in-band free list is
 * the map's free blocks in address order with the right sizes, no two free
 * blocks touch, the free and used units agree with the struct page, kmalloc
 * headers agree with their blocks, and each page is on the list its
 * occupancy says. It only reads: the in-band list is followed while it
 * decodes (a corrupted header makes the check report, never loop or crash);
 * validate is what repairs.
 *
 * Also here: the soundness test of a page's in-band free list against its
 * map and the repair that rewrites the list from the map, which the
 * first-fit walk and free (with the debug checks on) and validate use.
 */
#include <string.h>

#include "slob_internal.h"

/* ---- keeping the free list sound ---------------------------------------------------- */

/*
 * Is page's in-band free list what the map says? full: compare every
 * header with the map; else only that the list decodes, stays in the page
 * and sums to slab.extra (what keeps the walks safe).
 */
bool slob_list_sound_(struct kmm *k, const struct kmm_page *page, const struct slob_map *m, bool full)
{
	const char *base = slob_base_(k, page);
	unsigned u = slob_freelist_unit_(k, page), total = 0, size, next;

	if (u == SLOB_NONE)
		return page->slab.extra == 0 && (!full || map_next_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, 0) == SLOB_PAGE_UNITS);
	if ((const char *)page->slab.freelist < base || ((const char *)page->slab.freelist - base) % SLOB_UNIT)
		return false;
	if (full && u != map_next_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, 0))
		return false;
	for (;;) {
		if (!slob_decode_(base, u, &size, &next))
			return false;
		if (full && (!map_test_(m, SLOB_MAP_START, u) || map_test_(m, SLOB_MAP_ALLOC, u) || map_extent_(m, u) != size ||
			     map_next_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, u + size) != next))
			return false;
		total += size;
		if (next == SLOB_PAGE_UNITS)
			break;
		u = next;
	}
	return total == page->slab.extra;
}

/* Write the free list again from the map (the map is host memory no user
 * reaches; the headers are in the arena). */
static void slob_rebuild_(struct kmm *k, struct slob_system *sb, struct kmm_page *page, struct slob_map *m)
{
	char *base = slob_base_(k, page);
	unsigned first = map_next_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, 0), free = 0, largest = 0;

	for (unsigned u = first; u < SLOB_PAGE_UNITS;) {
		unsigned size = map_extent_(m, u), next = map_next_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, u + size);
		set_slob_(base, u, size, next);
		free += size;
		if (size > largest)
			largest = size;
		u = next;
	}
	slob_set_freelist_(k, page, first);
	page->slab.extra = (uint16_t)free;
	page->slab.inuse = (uint16_t)(SLOB_PAGE_UNITS - free);
	if (free && !page->slab.list && page != sb->spare) /* (the spare stays off the lists) */
		slob_list_add_(k, sb, page, m, slob_list_id_((size_t)largest * SLOB_UNIT), largest);
	else if (!free && page->slab.list)
		slob_list_del_(sb, page, m);
	else if (free)
		slob_fit_set_room_(m->node, largest);
}

/* Report a corrupt free list and rebuild it; the errors validate counts. */
long slob_repair_(struct kmm *k, struct slob_system *sb, struct kmm_cache *s, struct kmm_page *page,
		  struct slob_map *m)
{
	slab_err_(k, s, page, "Free list rebuilt from the block map",
		  "Freechain corrupt: SLOB page pfn:0x%x free block headers overwritten", (unsigned)page_to_pfn_(k, page));
	sb->solo = NULL; /* the heap changes */
	slob_rebuild_(k, sb, page, m);
	return 2;
}

char *slob_slab_first_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab)
{
	(void)s;
	return slob_base_(k, slab);
}

/*
 * Every page the cache may have blocks in: its one-object slabs (one slot,
 * the rest of the block padding), then every heap page, shared by all (no
 * slots: nr_objects 0, no padding). Unlocked, since fn may ask
 * object_is_free: the common layer walks between operations (under its
 * cache-list lock in threaded mode, as its check and destroy paths do).
 */
int slob_for_each_slab_(struct kmm *k, struct kmm_cache *s, slab_walk_fn fn, void *ctx)
{
	struct slob_system *sb = slob_sys_(k);
	struct slob_cache *sc = s->backend;
	struct list_head *pos;
	int ret = 0;

	list_for_each(pos, &sc->big_pages) {
		struct kmm_page *page = list_entry(pos, struct kmm_page, lru);
		struct kmm_slab_walk w = { .slab = page, .base = slob_base_(k, page),
					   .bytes = (size_t)KMM_PAGE_SIZE << sc->order, .nr_objects = 1 };
		w.first = w.base;
		w.pad_start = w.base + s->l.size;
		w.pad_end = w.base + w.bytes;
		if ((ret = fn(k, s, &w, ctx)) != 0)
			return ret;
	}
	list_for_each(pos, &sb->pages) {
		struct slob_map *m = list_entry(pos, struct slob_map, link);
		struct kmm_slab_walk w = { .slab = m->page, .base = slob_base_(k, m->page), .bytes = KMM_PAGE_SIZE };
		w.first = w.pad_start = w.pad_end = w.base;
		if ((ret = fn(k, s, &w, ctx)) != 0)
			return ret;
	}
	return 0;
}
void slob_info_(struct kmm *k, struct kmm_cache *s, struct kmm_cache_info *out)
{
	struct slob_system *sb = slob_sys_(k);
	struct slob_cache *sc = s->backend;

	slob_lock_(k, sb);
	out->active_objs = out->num_objs = sc->live;
	if (sc->big) {
		out->objs_per_slab = 1;
		out->pages_per_slab = 1u << sc->order;
		out->num_slabs = out->active_slabs = sc->nr_big;
	} else {
		out->objs_per_slab = SLOB_PAGE_UNITS / sc->units;
		out->pages_per_slab = 1;
		out->num_slabs = out->active_slabs = (sc->live + out->objs_per_slab - 1) / out->objs_per_slab;
	}
	out->alloc_fastpath = sc->alloc_fast;
	out->alloc_slowpath = sc->alloc_slow;
	out->free_fastpath = sc->free_fast;
	out->free_slowpath = sc->free_slow;
	out->alloc_slab = sc->pages_new;
	out->free_slab = sc->pages_freed;
	slob_unlock_(k, sb);
}

/* ---- validate ------------------------------------------------------------------------- */

/* One heap page: its free list, its free space, its kmalloc blocks and
 * the objects of s (NULL: none). Lock held. */
static long slob_validate_page_(struct kmm *k, struct slob_system *sb, struct kmm_cache *s, struct slob_map *m)
{
	struct kmm_page *page = m->page;
	const struct slob_cache *sc = s ? s->backend : NULL;
	char *base = slob_base_(k, page);
	long e = 0;

	if (!slob_list_sound_(k, page, m, true))
		e += slob_repair_(k, sb, s, page, m);
	for (unsigned u = map_next_(m, SLOB_MAP_START, SLOB_MAP_NONE, 0); u < SLOB_PAGE_UNITS; u = map_next_(m, SLOB_MAP_START, SLOB_MAP_NONE, u + 1)) {
		unsigned units = map_extent_(m, u);
		char *block = base + (size_t)u * SLOB_UNIT;
		if (!map_test_(m, SLOB_MAP_ALLOC, u)) {
			unsigned h = slob_hdr_units_(units);
			if (sb->poison && units > h &&
			    !slab_check_bytes_(k, s, "Poison", NULL, block + (size_t)h * SLOB_UNIT, KMM_POISON_FREE,
					       (size_t)(units - h) * SLOB_UNIT))
				e += 2;
		} else if (map_test_(m, SLOB_MAP_KMALLOC, u)) {
			size_t size;
			e += slob_kmalloc_check_(k, sb, page, u, units, &size);
		} else if (sc && sc->prefix && units == sc->units) {
			uint32_t tag[2];
			memcpy(tag, block, sizeof(tag));
			if (tag[0] == sc->id && tag[1] == SLOB_TAG_CACHE)
				e += slab_debug_check_object_(k, s, page, block + sc->prefix + s->l.red_left_pad,
							      !map_test_(m, SLOB_MAP_RCU, u));
		}
	}
	return e;
}

/* validate_slab_cache() for SLOB: the whole heap, then s's objects. */
long slob_validate_(struct kmm *k, struct kmm_cache *s)
{
	struct slob_system *sb = slob_sys_(k);
	struct list_head *pos;
	long e = 0;

	slob_kmalloc_flags_(k, sb);
	slob_lock_(k, sb);
	list_for_each(pos, &sb->pages)
		e += slob_validate_page_(k, sb, s, list_entry(pos, struct slob_map, link));
	if (s && slab_debug_on_(s)) {
		struct slob_cache *sc = s->backend;
		list_for_each(pos, &sc->big_pages) {
			struct kmm_page *page = list_entry(pos, struct kmm_page, lru);
			e += slab_debug_check_object_(k, s, page, slob_base_(k, page) + s->l.red_left_pad, true);
		}
	}
	slob_unlock_(k, sb);
	return e;
}

/* ---- check ----------------------------------------------------------------------------- */

#define SLOB_VIOLATION(k, s, bad, ...)                            \
	do {                                                      \
		slab_check_violation_((k), (s), __VA_ARGS__);     \
		(bad)++;                                          \
	} while (0)

/* One heap page against its map and its struct page (read-only). */
KMM_NO_COVERAGE
static long slob_check_page_(struct kmm *k, struct slob_system *sb, struct kmm_cache *s, struct slob_map *m,
			     uint64_t *kmalloc_blocks)
{
	struct kmm_page *page = m->page;
	kmm_pfn_t pfn = page_to_pfn_(k, page);
	const char *base = slob_base_(k, page);
	unsigned free_units = 0, alloc_units = 0, nfree = 0, rcu = 0, largest = 0;
	long bad = 0;

	if ((page->flags & (PG_slab | PG_allocated | PG_head | PG_tail)) != (PG_slab | PG_allocated) ||
	    page->private_ != 0)
		SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x flags 0x%x order %u: not an order-0 slab page", pfn,
			       page->flags, page->private_);
	if (page->slab.cache)
		SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x names cache %s", pfn, kmm_cache_name(page->slab.cache));
	if (pfn >= sb->total_pages || sb->node[pfn].map != m || m->node != &sb->node[pfn])
		SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x is not where its block map says", pfn);
	if (page->slab.objects != SLOB_PAGE_UNITS || page->slab.inuse + page->slab.extra != SLOB_PAGE_UNITS)
		SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x objects %u inuse %u free %u: not %u units", pfn,
			       page->slab.objects, page->slab.inuse, page->slab.extra, SLOB_PAGE_UNITS);

	/* The map: blocks tile the page from unit 0, in their subset order. */
	if (!map_test_(m, SLOB_MAP_START, 0))
		SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: no block starts at offset 0", pfn);
	for (unsigned w = 0; w < SLOB_MAP_WORDS; w++)
		if (map_word_(m, SLOB_MAP_ALLOC, SLOB_MAP_START, w) || map_word_(m, SLOB_MAP_KMALLOC, SLOB_MAP_ALLOC, w) ||
		    map_word_(m, SLOB_MAP_RCU, SLOB_MAP_ALLOC, w) ||
		    (m->g[w].set[SLOB_MAP_RCU] & m->g[w].set[SLOB_MAP_KMALLOC]) ||
		    (!(m->dirty >> w & 1) && (m->g[w].set[SLOB_MAP_START] | m->g[w].set[SLOB_MAP_ALLOC])) ||
		    (m->words >> w & 1) != (m->g[w].set[SLOB_MAP_START] != 0) ||
		    (m->words >> (32 + w) & 1) != (map_word_(m, SLOB_MAP_START, SLOB_MAP_ALLOC, w) != 0)) {
			SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: block map word %u inconsistent", pfn, w);
			break;
		}
	for (unsigned u = map_next_(m, SLOB_MAP_START, SLOB_MAP_NONE, 0); u < SLOB_PAGE_UNITS; u = map_next_(m, SLOB_MAP_START, SLOB_MAP_NONE, u + 1)) {
		unsigned units = map_extent_(m, u);
		if (!map_test_(m, SLOB_MAP_ALLOC, u)) {
			free_units += units;
			nfree++;
			if (units > largest)
				largest = units;
			if (u + units < SLOB_PAGE_UNITS && !map_test_(m, SLOB_MAP_ALLOC, u + units))
				SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: free blocks at units %u and %u not merged",
					       pfn, u, u + units);
			continue;
		}
		alloc_units += units;
		rcu += map_test_(m, SLOB_MAP_RCU, u);
		if (map_test_(m, SLOB_MAP_KMALLOC, u)) {
			(*kmalloc_blocks)++;
			if (!slob_kmalloc_size_(base + (size_t)u * SLOB_UNIT, units, slob_kmalloc_rz_(sb->kmalloc_flags)))
				SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: kmalloc block at unit %u (%u units): bad header",
					       pfn, u, units);
		}
	}
	if (free_units != page->slab.extra || alloc_units != page->slab.inuse)
		SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: map has %u free / %u used units, the page says %u / %u",
			       pfn, free_units, alloc_units, page->slab.extra, page->slab.inuse);
	if (rcu != m->pending)
		SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: %u blocks wait for RCU, counted %u", pfn, rcu, m->pending);

	/* The in-band free list: address order, inside the page, the map's
	 * free blocks exactly. */
	unsigned u = slob_freelist_unit_(k, page), listed = 0, listed_units = 0, size, next;
	if ((u == SLOB_NONE) != (page->slab.extra == 0))
		SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: freelist %s but %u units free", pfn,
			       u == SLOB_NONE ? "empty" : "set", page->slab.extra);
	while (u != SLOB_NONE && listed <= nfree) {
		if (!slob_decode_(base, u, &size, &next)) {
			SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: free block at unit %u: bad header (out of the page, "
				       "out of order or unmerged)", pfn, u);
			break;
		}
		if (!map_test_(m, SLOB_MAP_START, u) || map_test_(m, SLOB_MAP_ALLOC, u) || map_extent_(m, u) != size)
			SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: free block at unit %u of %u units does not tile: the "
				       "map has %s there", pfn, u, size,
				       !map_test_(m, SLOB_MAP_START, u) ? "no block start"
				       : map_test_(m, SLOB_MAP_ALLOC, u) ? "an allocated block" : "another size");
		listed++;
		listed_units += size;
		u = next == SLOB_PAGE_UNITS ? SLOB_NONE : next;
	}
	if (listed != nfree || listed_units != free_units)
		SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: free list has %u blocks / %u units, the map %u / %u", pfn,
			       listed, listed_units, nfree, free_units);
	if (page == sb->spare) {
		/* The spare: one free block, the whole page, on no list. */
		if (page->slab.list || page->slab.extra != SLOB_PAGE_UNITS || nfree != 1 || largest != SLOB_PAGE_UNITS ||
		    map_next_(m, SLOB_MAP_START, SLOB_MAP_NONE, 1) != SLOB_PAGE_UNITS || m->pending)
			SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: the spare page is not one free block of the whole page "
				       "(list %u, %u units free in %u blocks, the largest %u)", pfn, page->slab.list,
				       page->slab.extra, nfree, largest);
	} else if (!page->slab.list != !page->slab.extra || page->slab.list >= NR_SLOB_LISTS_) {
		SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: on list %u with %u units free", pfn, page->slab.list,
			       page->slab.extra);
	} else if (page->slab.extra == SLOB_PAGE_UNITS) {
		SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: wholly free but kept, and not the spare", pfn);
	}
	/* The fit index's bound: a page it skips must not fit. */
	if (page->slab.list && (m->node->fit_room < largest || m->node->fit_room > SLOB_PAGE_UNITS))
		SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x: fit bound %u units, largest free block %u, %u free", pfn,
			       m->node->fit_room, largest, page->slab.extra);
	return bad;
}

/* The heap: every page, the three lists, the totals. Lock held. */
KMM_NO_COVERAGE
static long slob_check_heap_(struct kmm *k, struct slob_system *sb, struct kmm_cache *s)
{
	struct list_head *pos;
	uint64_t pages = 0, partial = 0, listed = 0, pending = 0, kmalloc_blocks = 0;
	bool spare_seen = false;
	long bad = 0;

	list_for_each(pos, &sb->pages) {
		struct slob_map *m = list_entry(pos, struct slob_map, link);
		bad += slob_check_page_(k, sb, s, m, &kmalloc_blocks);
		pages++;
		spare_seen |= m->page == sb->spare;
		partial += m->page->slab.extra != 0 && m->page != sb->spare;
		pending += m->pending;
		if (pages > sb->total_pages)
			break;
	}
	for (unsigned id = SLOB_LIST_SMALL_; id < NR_SLOB_LISTS_; id++) {
		list_for_each(pos, &sb->lists[id]) {
			struct kmm_page *page = list_entry(pos, struct kmm_page, lru);
			if (page->slab.list != id || !page->slab.extra || !slob_map_of_(k, sb, page))
				SLOB_VIOLATION(k, s, bad, "slob: pfn:0x%x on list %u: says list %u, %u units free%s",
					       (unsigned)page_to_pfn_(k, page), id, page->slab.list, page->slab.extra,
					       slob_map_of_(k, sb, page) ? "" : ", not a heap page");
			if (++listed > pages)
				break;
		}
		bad += slob_fit_check_(k, sb, id, s);
	}
	if (sb->solo) { /* kmalloc's memo: what it says of its block must hold */
		struct kmm_page *page = slab_virt_to_head_(k, sb->solo);
		const struct slob_map *m = page ? slob_map_of_(k, sb, page) : NULL;
		unsigned u = m ? (unsigned)((size_t)(sb->solo - slob_base_(k, page)) / SLOB_UNIT) : 0;
		const struct slob_node *n = m ? m->node : NULL;
		if (!m || m != sb->solo_map || sb->spare || sb->checks || sb->poison || !map_test_(m, SLOB_MAP_START, u) ||
		    !map_test_(m, SLOB_MAP_KMALLOC, u) || map_test_(m, SLOB_MAP_RCU, u) ||
		    map_extent_(m, u) != sb->solo_units || page->slab.inuse != sb->solo_units ||
		    (page->slab.list && (n->fit_parent || n->fit_left || n->fit_right)))
			SLOB_VIOLATION(k, s, bad, "slob: kmalloc's last block %p (%u units) is not its page's only "
				       "block, alone on its list", (void *)sb->solo, sb->solo_units);
	}
	if (sb->spare && !spare_seen)
		SLOB_VIOLATION(k, s, bad, "slob: the spare page pfn:0x%x is not a heap page",
			       (unsigned)page_to_pfn_(k, sb->spare));
	if (pages != sb->nr_pages || listed != partial || pending != sb->nr_pending ||
	    kmalloc_blocks != sb->kmalloc_live)
		SLOB_VIOLATION(k, s, bad,
			       "slob: %llu pages (counted %llu), %llu listed of %llu partial, %llu waiting for RCU "
			       "(counted %llu), %llu kmalloc blocks (counted %llu)",
			       (unsigned long long)pages, (unsigned long long)sb->nr_pages, (unsigned long long)listed,
			       (unsigned long long)partial, (unsigned long long)pending,
			       (unsigned long long)sb->nr_pending, (unsigned long long)kmalloc_blocks,
			       (unsigned long long)sb->kmalloc_live);
	return bad;
}

/* The cache's own part: its one-object slabs and, for debug caches whose
 * blocks carry the owner tag, its live count. */
KMM_NO_COVERAGE
static long slob_check_cache_(struct kmm *k, struct slob_system *sb, struct kmm_cache *s)
{
	struct slob_cache *sc = s->backend;
	struct list_head *pos;
	uint64_t big = 0, tagged = 0;
	long bad = 0;

	list_for_each(pos, &sc->big_pages) {
		struct kmm_page *page = list_entry(pos, struct kmm_page, lru);
		if (!(page->flags & PG_slab) || page->slab.cache != s || page->slab.inuse != 1 ||
		    (sc->order ? page->private_ != sc->order || !(page->flags & PG_head) : page->private_ != 0))
			SLOB_VIOLATION(k, s, bad, "slob: one-object slab pfn:0x%x: flags 0x%x order %u inuse %u",
				       (unsigned)page_to_pfn_(k, page), page->flags, page->private_, page->slab.inuse);
		if (++big > sc->nr_big)
			break;
	}
	if (big != sc->nr_big || (sc->big ? sc->nr_big != sc->live : sc->nr_big != 0))
		SLOB_VIOLATION(k, s, bad, "slob: %llu one-object slabs (counted %llu) for %llu objects",
			       (unsigned long long)big, (unsigned long long)sc->nr_big, (unsigned long long)sc->live);
	if (sc->prefix && !sc->big) {
		list_for_each(pos, &sb->pages) {
			struct slob_map *m = list_entry(pos, struct slob_map, link);
			const char *base = slob_base_(k, m->page);
			for (unsigned u = map_next_(m, SLOB_MAP_ALLOC, SLOB_MAP_NONE, 0); u < SLOB_PAGE_UNITS;
			     u = map_next_(m, SLOB_MAP_ALLOC, SLOB_MAP_NONE, u + 1)) {
				uint32_t tag[2];
				if (map_test_(m, SLOB_MAP_KMALLOC, u) || map_test_(m, SLOB_MAP_RCU, u) || map_extent_(m, u) != sc->units)
					continue;
				memcpy(tag, base + (size_t)u * SLOB_UNIT, sizeof(tag));
				tagged += tag[0] == sc->id && tag[1] == SLOB_TAG_CACHE;
			}
		}
		if (tagged != sc->live)
			SLOB_VIOLATION(k, s, bad, "slob: %llu blocks carry this cache's tag, %llu objects counted",
				       (unsigned long long)tagged, (unsigned long long)sc->live);
	}
	return bad;
}

KMM_NO_COVERAGE
long slob_check_(struct kmm *k, struct kmm_cache *s)
{
	struct slob_system *sb = slob_sys_(k);
	long bad;
	slob_lock_(k, sb);
	bad = slob_check_cache_(k, sb, s);
	slob_unlock_(k, sb);
	return bad;
}

KMM_NO_COVERAGE
long slob_check_shared_(struct kmm *k)
{
	struct slob_system *sb = slob_sys_(k);
	long bad;
	slob_lock_(k, sb);
	bad = slob_check_heap_(k, sb, NULL);
	slob_unlock_(k, sb);
	return bad;
}
