// SPDX-License-Identifier: MIT
/*
 * SLOB's kmalloc, kfree and ksize (slob.c's essay, "kmalloc"): a request
 * below a page less its 8-byte header is a heap block whose header holds
 * the size and a kmalloc tag, aligned so that the object after the header
 * is 8-aligned (power-of-two sizes: to their size); anything bigger is a
 * large kmalloc. kfree and ksize check the pointer against the block map
 * first (one map group in the common case) and the header against the
 * block's extent, repairing what a stray write broke; with Z the bytes
 * past the request are red zone.
 *
 * The fast paths (slob.c's essay, (10)): single-threaded, no debug check
 * or poison. kmalloc carving the spare page when its list is empty, the
 * kfree of that block (sb->solo) or of any page's last block making the
 * page the spare again, each in one step with no call; they write exactly
 * what the general path (slob_kmalloc_slow_, slob_kfree_slow_) would.
 */
#include <string.h>

#include "slob_internal.h"

/* Work out the spare carve's shape for size into *sh (the memo in sb):
 * false when size is none of the fast path's (0, or a block that does
 * not fit a page: slob_kmalloc_slow_ decides). */
static __attribute__((noinline, cold)) bool slob_shape_make_(struct slob_shape *sh, size_t size)
{
	if (size - 1 >= KMM_PAGE_SIZE - SLOB_MINALIGN - 1) /* 0, or not size < PAGE_SIZE - 8 */
		return false;
	/* Power-of-two sizes are aligned to their size (slob_kmalloc_slow_). */
	unsigned align = !(size & (size - 1)) && size > SLOB_MINALIGN ? (unsigned)size : SLOB_MINALIGN;
	unsigned units = SLOB_UNITS(SLOB_HDR + size);
	unsigned b = (unsigned)((-(size_t)SLOB_HDR & (align - 1)) / SLOB_UNIT);
	unsigned rest = b + units, tail = SLOB_PAGE_UNITS - rest;
	if (rest > SLOB_PAGE_UNITS) /* slob_fits_page_ */
		return false;
	/* Without a tail, rest is the page end: wr names word 0 then (its
	 * rbit is 0), so the fast path's |= stays inside the map. */
	unsigned wb = b >> 6, wr = tail ? rest >> 6 : 0;
	uint64_t tailw = tail ? 1ull << wr : 0, starts = 1ull | 1ull << wb | tailw;
	sh->units = (uint16_t)units;
	sh->b = (uint16_t)b;
	sh->rest = (uint16_t)rest;
	sh->tail = (uint16_t)tail;
	sh->room = (uint16_t)(b > tail ? b : tail);
	sh->id = (uint8_t)slob_list_id_(SLOB_HDR + size);
	sh->wb = (uint8_t)wb;
	sh->wr = (uint8_t)wr;
	sh->bbit = 1ull << (b & 63);
	sh->rbit = tail ? 1ull << (rest & 63) : 0;
	sh->words = starts | ((b ? 1ull : 0) | tailw) << 32;
	sh->first = b ? 0 : tail ? rest : SLOB_NONE;
	sh->size = size;
	return true;
}

/*
 * kmalloc's common case in one step, with no call: single-threaded, no
 * debug check or poison (so no red zone), no page on the list of the
 * request's size (so no first fit to try), and a spare that suits (node,
 * zone: the caller asks for no zone modifier, which is ZONE_NORMAL in
 * gfp.c's table). slob_alloc_ would then carve the block from the spare
 * as from a fresh page (slob_fresh_fit_, slob_carved_): this writes the
 * same state, the spare's map being clear but for unit 0's start. The
 * carve's shape depends on the size alone: kept for the last size asked.
 * NULL: not this case.
 */
static inline char *slob_kmalloc_spare_(struct kmm *k, struct slob_system *sb, size_t size, int node)
{
	struct kmm_page *page = sb->spare;
	const struct slob_shape *sh = &sb->shape;

	if (!page || (size != sh->size && !slob_shape_make_(&sb->shape, size)) || !list_empty(&sb->lists[sh->id]) ||
	    (node >= 0 && page->node != node) || page->zone > KMM_ZONE_NORMAL)
		return NULL;
	kmm_pfn_t pfn = page_to_pfn_(k, page);
	struct slob_map *m = sb->node[pfn].map;
	char *base = (char *)k->arena + ((size_t)pfn << KMM_PAGE_SHIFT);
	unsigned b = sh->b, rest = sh->rest, tail = sh->tail;
	/* The block at the first unit where the object after the header is
	 * aligned; the head before it and the rest after it stay free. */
	if (b)
		set_slob_(base, 0, b, tail ? rest : SLOB_PAGE_UNITS);
	if (tail)
		set_slob_(base, rest, tail, SLOB_PAGE_UNITS);
	m->g[sh->wb].set[SLOB_MAP_START] |= sh->bbit;
	m->g[sh->wr].set[SLOB_MAP_START] |= sh->rbit; /* (0 without a tail) */
	m->g[sh->wb].set[SLOB_MAP_ALLOC] = sh->bbit;
	m->g[sh->wb].set[SLOB_MAP_KMALLOC] = sh->bbit;
	m->dirty = (uint32_t)sh->words;
	m->words = sh->words;
	page->slab.freelist = sh->first != SLOB_NONE ? base + (size_t)sh->first * SLOB_UNIT : NULL;
	page->slab.extra = (uint16_t)(SLOB_PAGE_UNITS - sh->units);
	page->slab.inuse = sh->units;
	sb->spare = NULL;
	if (sh->room) { /* slob_list_add_ to an empty list */
		struct slob_node *n = m->node;
		n->fit_parent = n->fit_left = n->fit_right = NULL;
		n->fit_room = n->fit_max = sh->room;
		sb->fit[sh->id] = n;
		list_add(&page->lru, &sb->lists[sh->id]);
		page->slab.list = sh->id;
	}
	char *block = base + (size_t)b * SLOB_UNIT;
	uint32_t hdr[2] = { (uint32_t)size, SLOB_TAG_KMALLOC };
	memcpy(block, hdr, SLOB_HDR);
	sb->kmalloc_live++;
	sb->solo = block;
	sb->solo_map = m;
	sb->solo_units = sh->units;
	return block;
}

/* __do_kmalloc_node(), every case. */
static __attribute__((noinline)) void *slob_kmalloc_slow_(struct kmm *k, size_t size, kmm_gfp_t gfp, int node)
{
	struct slob_system *sb = slob_sys_(k);
	unsigned flags = slob_kmalloc_flags_(k, sb);
	size_t rz = slob_kmalloc_rz_(flags);
	unsigned align = SLOB_MINALIGN;

	if (!size)
		return KMM_ZERO_SIZE_PTR;
	/* Power-of-two sizes are aligned to their size. */
	if (!(size & (size - 1)) && size > align)
		align = size < KMM_PAGE_SIZE ? (unsigned)size : KMM_PAGE_SIZE;
	struct slob_req rq = {
		.bytes = SLOB_HDR + size + rz, .align = align, .align_offset = SLOB_HDR, .gfp = gfp, .node = node,
		.hdr = { (uint32_t)size, SLOB_TAG_KMALLOC }, .rz_from = rz ? SLOB_HDR + size : 0,
	};
	/* The kernel's bound (size < PAGE_SIZE - 8); with Z the red zone must
	 * fit too, which sends 4081..4087 and 2048 (aligned to 2048, right
	 * after its header, it ends the page) to the page allocator. */
	if (size >= KMM_PAGE_SIZE - SLOB_MINALIGN || !slob_fits_page_(rq.bytes, align, SLOB_HDR)) {
		/* The heap's spare page back first, so that the page
		 * allocator sees what it would without it. */
		slob_spare_drop_(k, sb);
		return kmalloc_large_(k, size, gfp, node);
	}
	char *block = slob_alloc_(k, sb, &rq);
	if (!block)
		return NULL;
	if (gfp & KMM___GFP_ZERO)
		memset(block + SLOB_HDR, 0, size);
	return block + SLOB_HDR;
}

/* __do_kmalloc_node(): the common case without a call, else the rest. */
void *slob_kmalloc_(struct kmm *k, size_t size, kmm_gfp_t gfp, int node)
{
	struct slob_system *sb = slob_sys_(k);
	if (kmm_likely(!k->cfg.threaded && !(gfp & (KMM_GFP_ZONEMASK | KMM___GFP_ZERO)) &&
		       __atomic_load_n(&sb->kmalloc_known, __ATOMIC_ACQUIRE) && !sb->checks && !sb->poison)) {
		char *block = slob_kmalloc_spare_(k, sb, size, node);
		if (kmm_likely(block != NULL))
			return block + SLOB_HDR;
	}
	return slob_kmalloc_slow_(k, size, gfp, node);
}

/* The kmalloc block whose object is obj (lock held): its unit, or
 * SLOB_NONE after reporting why it is none. */
static unsigned slob_kmalloc_block_(struct kmm *k, struct slob_system *sb, struct kmm_page *page, const void *obj,
				    const char *fn)
{
	unsigned u = SLOB_NONE;
	const struct slob_map *m = slob_map_of_(k, sb, page);
	enum slob_where_ w = slob_where_(k, sb, page, (const char *)obj - SLOB_HDR, obj, &u);
	if (w != SLOB_AT_BLOCK_ || !m) { /* (AT_BLOCK implies a map: said for the compiler) */
		slob_bad_pointer_(k, NULL, page, obj, w, fn);
		return SLOB_NONE;
	}
	if (!map_test_(m, SLOB_MAP_KMALLOC, u)) {
		slab_err_(k, NULL, page, NULL, "Invalid object pointer 0x%llx (%s): a kmem_cache object, not kmalloc()ed",
			  (unsigned long long)(uintptr_t)obj, fn);
		return SLOB_NONE;
	}
	return u;
}

/*
 * A kmalloc block's own checks: the header (a write before the object)
 * and, with Z, the red zone after the request. Each finding is reported
 * and repaired; returns validate's count. *size gets the request (the
 * block's room when the header had to be rewritten).
 */
long slob_kmalloc_check_(struct kmm *k, struct slob_system *sb, struct kmm_page *page, unsigned u, unsigned units,
			 size_t *size)
{
	unsigned flags = sb->kmalloc_flags;
	size_t rz = slob_kmalloc_rz_(flags), room = (size_t)units * SLOB_UNIT - SLOB_HDR;
	char *block = slob_base_(k, page) + (size_t)u * SLOB_UNIT;
	long e = 0;

	*size = slob_kmalloc_size_(block, units, rz);
	if (!*size) {
		uint32_t hdr[2] = { (uint32_t)(room - rz), SLOB_TAG_KMALLOC };
		slab_object_err_(k, NULL, page, block + SLOB_HDR, "kmalloc size header overwritten",
				 "Restoring the header from the block size");
		memcpy(block, hdr, SLOB_HDR);
		*size = room - rz;
		e += 2;
	}
	if (rz && !slab_check_bytes_(k, NULL, "Right Redzone", block + SLOB_HDR, block + SLOB_HDR + *size,
				     KMM_SLUB_RED_ACTIVE, room - *size))
		e += 2;
	return e;
}

/*
 * The common case of slob_kmalloc_block_ in one map group: obj is the
 * object of an allocated kmalloc block starting at unit u. A kmalloc block
 * is at least SLOB_UNITS(SLOB_HDR + 1) units long, so no other block can
 * start between u and obj's unit: u holds obj, exactly what slob_where_
 * would find. Anything else: SLOB_NONE, and slob_kmalloc_block_ decides
 * (and reports).
 */
static inline unsigned slob_kmalloc_unit_(const struct slob_map *m, size_t off)
{
	if (off >= KMM_PAGE_SIZE || off < SLOB_HDR || off % SLOB_UNIT)
		return SLOB_NONE;
	unsigned u = (unsigned)((off - SLOB_HDR) / SLOB_UNIT);
	const struct slob_map_group *g = &m->g[u >> 6];
	uint64_t bit = 1ull << (u & 63);
	if ((g->set[SLOB_MAP_START] & g->set[SLOB_MAP_ALLOC] & g->set[SLOB_MAP_KMALLOC] & ~g->set[SLOB_MAP_RCU] & bit))
		return u;
	return SLOB_NONE;
}
_Static_assert(SLOB_HDR / SLOB_UNIT < SLOB_UNITS(SLOB_HDR + 1), "a kmalloc object lies inside its block");

static __attribute__((noinline)) void slob_kfree_slow_(struct kmm *k, struct kmm_page *page, void *obj)
{
	struct slob_system *sb = slob_sys_(k);
	struct kmm_page *release = NULL;
	size_t size;

	/* The header is read below, after the map: start its miss now, to
	 * overlap the map's (a free in random order finds both cold). */
	__builtin_prefetch((const char *)obj - SLOB_HDR);
	slob_kmalloc_flags_(k, sb);
	slob_lock_(k, sb);
	struct slob_map *m = slob_map_of_(k, sb, page);
	unsigned u = m ? slob_kmalloc_unit_(m, (size_t)((const char *)obj - slob_base_(k, page))) : SLOB_NONE;
	if (u == SLOB_NONE)
		u = slob_kmalloc_block_(k, sb, page, obj, "kfree");
	if (u != SLOB_NONE && m) { /* (m is there when u is) */
		unsigned units = map_extent_(m, u);
		slob_kmalloc_check_(k, sb, page, u, units, &size);
		release = slob_free_block_(k, sb, NULL, page, m, u, units,
					   SLOB_HDR + size + slob_kmalloc_rz_(sb->kmalloc_flags), true);
		sb->kmalloc_live--;
	}
	slob_unlock_(k, sb);
	slob_page_release_(k, release);
}

/*
 * kfree: the common case that makes a page wholly free, without a call:
 * single-threaded, no debug check (so no red zone), no spare yet, obj an
 * allocated kmalloc block (slob_kmalloc_unit_) whose header agrees with
 * its extent, and the page's only allocated block. slob_kfree_slow_ would
 * find no report to make and keep the page as the spare
 * (slob_free_block_): this does that. Everything else: the slow path.
 */
static __attribute__((noinline)) void slob_kfree_map_(struct kmm *k, struct kmm_page *page, void *obj)
{
	struct slob_system *sb = slob_sys_(k);
	if (kmm_likely(!k->cfg.threaded && __atomic_load_n(&sb->kmalloc_known, __ATOMIC_ACQUIRE) && !sb->checks &&
		       !sb->poison && !sb->spare)) {
		kmm_pfn_t pfn = page_to_pfn_(k, page);
		char *base = (char *)k->arena + ((size_t)pfn << KMM_PAGE_SHIFT);
		size_t off = (size_t)((char *)obj - base);
		uint32_t hdr[2];
		/* First the header, which says at once whether this block
		 * would be the page's last (a free into a page that keeps
		 * other blocks goes on below without more work here). */
		if (off >= SLOB_HDR && off < KMM_PAGE_SIZE) {
			memcpy(hdr, base + off - SLOB_HDR, sizeof(hdr));
			struct slob_map *m = pfn < sb->total_pages ? sb->node[pfn].map : NULL;
			if (hdr[0] < KMM_PAGE_SIZE && page->slab.inuse == SLOB_UNITS(SLOB_HDR + (size_t)hdr[0]) && m) {
				unsigned u = slob_kmalloc_unit_(m, off);
				if (u != SLOB_NONE) {
					unsigned units = map_extent_(m, u);
					struct slob_node *n = m->node;
					if (units == page->slab.inuse && slob_kmalloc_size_(base + off - SLOB_HDR, units, 0) &&
					    !n->fit_parent && !n->fit_left && !n->fit_right) {
						/* (Alone in its fit index, or on no list: the
						 * list removal needs no call.) */
						sb->solo = NULL; /* the heap changes */
						slob_make_spare_(k, sb, page, m, u, units);
						sb->kmalloc_live--;
						return;
					}
				}
			}
		}
	}
	slob_kfree_slow_(k, page, obj);
}

/* kfree: first the block kmalloc's fast path carved, nothing else done
 * to the heap since (sb->solo): what the map would say of it is known,
 * only the header, which the user may have overwritten, is read
 * (slob_kmalloc_size_'s test, no red zone). It is its page's only block,
 * the page alone on its list: the page becomes the spare, as
 * slob_free_block_ would make it, with no call. Else slob_kfree_map_. */
void slob_kfree_(struct kmm *k, struct kmm_page *page, void *obj)
{
	struct slob_system *sb = slob_sys_(k);
	char *block = (char *)obj - SLOB_HDR;
	/* (sb->solo is set only without debug checks or poison, and while
	 * there is no spare: the slob_check walk proves it.) */
	if (kmm_likely(!k->cfg.threaded) && block == sb->solo) {
		uint32_t hdr[2];
		memcpy(hdr, block, sizeof(hdr));
		struct slob_map *m = sb->solo_map;
		struct slob_node *n = m->node;
		if (hdr[1] == SLOB_TAG_KMALLOC && hdr[0] && SLOB_UNITS(SLOB_HDR + (size_t)hdr[0]) == sb->solo_units &&
		    !n->fit_parent && !n->fit_left && !n->fit_right) {
			char *base = block - ((size_t)(block - (char *)k->arena) & (KMM_PAGE_SIZE - 1));
			sb->solo = NULL;
			if (page->slab.list) { /* slob_list_del_ of the fit index's only node */
				sb->fit[page->slab.list] = NULL;
				list_del(&page->lru);
				page->slab.list = SLOB_LIST_NONE_;
			}
			slob_spare_set_(sb, page, m, base);
			sb->kmalloc_live--;
			return;
		}
	}
	slob_kfree_map_(k, page, obj);
}

/* __ksize(): the request rounded to units (with Z, the request itself: the
 * bytes after it are red zone). */
size_t slob_ksize_(struct kmm *k, struct kmm_page *page, const void *obj)
{
	struct slob_system *sb = slob_sys_(k);
	size_t size = 0;

	slob_kmalloc_flags_(k, sb);
	slob_lock_(k, sb);
	const struct slob_map *m = slob_map_of_(k, sb, page);
	unsigned u = slob_kmalloc_block_(k, sb, page, obj, "ksize");
	if (u != SLOB_NONE && m) { /* (m is there when u is) */
		slob_kmalloc_check_(k, sb, page, u, map_extent_(m, u), &size);
		if (!(sb->kmalloc_flags & KMM_SLAB_RED_ZONE))
			size = (size_t)SLOB_UNITS(size) * SLOB_UNIT;
	}
	slob_unlock_(k, sb);
	return size;
}
