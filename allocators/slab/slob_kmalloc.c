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
 */
#include <string.h>

#include "slob_internal.h"

/* __do_kmalloc_node(). */
void *slob_kmalloc_(struct kmm *k, size_t size, kmm_gfp_t gfp, int node)
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
	if (size >= KMM_PAGE_SIZE - SLOB_MINALIGN || !slob_fits_page_(rq.bytes, align, SLOB_HDR))
		return kmalloc_large_(k, size, gfp, node);
	char *block = slob_alloc_(k, sb, &rq);
	if (!block)
		return NULL;
	if (gfp & KMM___GFP_ZERO)
		memset(block + SLOB_HDR, 0, size);
	return block + SLOB_HDR;
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

void slob_kfree_(struct kmm *k, struct kmm_page *page, void *obj)
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
					   SLOB_HDR + size + slob_kmalloc_rz_(sb->kmalloc_flags));
		sb->kmalloc_live--;
	}
	slob_unlock_(k, sb);
	slob_page_release_(k, release);
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
