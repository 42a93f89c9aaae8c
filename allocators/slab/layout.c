// SPDX-License-Identifier: MIT
/*
 * Object layout: where an object, its red zones, its free pointer, its
 * tracking records and its padding sit inside one slot of a slab.
 *
 * This is the kernel's calculate_alignment() (mm/slab_common.c) followed by
 * SLUB's calculate_sizes() (mm/slub.c), computed once when a cache is made
 * and shared by all three backends and the debug layer, so that a red zone
 * or a poisoned byte means the same thing whichever allocator runs.
 *
 * Alignment. The creator's align (0 = none) is raised to the cache line when
 * SLAB_HWCACHE_ALIGN asks for it, halving the line while the object fits
 * twice in it (a 20-byte object gets 32, not 64), then to the minimum of 8,
 * and rounded to a multiple of 8.
 *
 * Sizes, building the slot from the object outwards:
 *   1. the object, rounded up to a word (8 bytes);
 *   2. with Z, a right red zone: the rounding slack, or a whole word when the
 *      object was already word-sized, so there is always at least one byte
 *      of red zone after the object; everything so far is `inuse`;
 *   3. the free pointer: inside the object at ALIGN_DOWN(object_size / 2, 8)
 *      (the middle, away from the first word that use-after-free bugs hit),
 *      unless the object's bytes must survive while it is free (poison, a
 *      constructor, SLAB_TYPESAFE_BY_RCU) or red zoning is on: then a word
 *      of its own after `inuse`;
 *   4. with U, two tracking records (allocation, free);
 *   5. on kmalloc caches with Z or U, the requested size (a 32-bit word),
 *      which the debug layer needs to red-zone the tail past the request;
 *      the metadata ends here (meta_end);
 *   6. with Z, one spare word of padding (an overrun from the previous slot
 *      hits padding before it reaches this slot's metadata) and the left red
 *      zone, a word rounded up to the alignment, in front of the object;
 *   7. the whole slot rounded up to the alignment.
 *
 * Worked example, a 64-byte object with align 8: no debug flags give a
 * 64-byte slot, free pointer at 32 inside the object. With FZPU and the
 * request kept (kmalloc): right red zone 8 (inuse 72), free pointer at 72,
 * tracks at 80..224, orig_size at 224 (meta_end 228), spare word 8, left
 * red zone 8, aligned: 248 bytes a slot, the object 8 bytes into it.
 * kmalloc-64 itself is 64-aligned (power-of-two kmalloc classes are
 * naturally aligned), so there the left red zone is 64 and the slot 320.
 */
#include <errno.h>
#include <string.h>

#include "slab_internal.h"

#define SLAB_WORD 8u                /* sizeof(void *) in the kernel's formulas */
#define SLAB_CACHE_LINE 64u         /* cache_line_size() */
#define SLAB_MIN_ALIGN 8u           /* arch_slab_minalign() / ARCH_KMALLOC_MINALIGN */

static unsigned align_up_(unsigned x, unsigned a) { return (x + a - 1) & ~(a - 1); }

/* calculate_alignment(): a power of two >= 8 when align is 0 or one. */
unsigned slab_calculate_alignment_(unsigned flags, unsigned align, unsigned size)
{
	if (flags & KMM_SLAB_HWCACHE_ALIGN) {
		unsigned ralign = SLAB_CACHE_LINE;
		while (size <= ralign / 2)
			ralign /= 2;
		if (ralign > align)
			align = ralign;
	}
	if (align < SLAB_MIN_ALIGN)
		align = SLAB_MIN_ALIGN;
	return align_up_(align, SLAB_WORD);
}

int slab_layout_(struct kmm_obj_layout *l, unsigned object_size, unsigned align, unsigned flags,
		 bool has_ctor, bool kmalloc)
{
	memset(l, 0, sizeof(*l));
	if (object_size == 0 || object_size > KMM_KMALLOC_MAX_SIZE || (align & (align - 1)) ||
	    align > KMM_KMALLOC_MAX_SIZE)
		return -EINVAL;

	align = slab_calculate_alignment_(flags, align, object_size);
	size_t size = align_up_(object_size, SLAB_WORD);

	if ((flags & KMM_SLAB_RED_ZONE) && size == object_size)
		size += SLAB_WORD;
	l->inuse = (unsigned)size;

	if ((flags & (KMM_SLAB_POISON | KMM_SLAB_TYPESAFE_BY_RCU | KMM_SLAB_RED_ZONE)) || has_ctor) {
		l->offset = (unsigned)size;
		size += SLAB_WORD;
	} else {
		/* Objects below a word keep their pointer at 0, inside inuse. */
		l->offset = (object_size / 2) & ~(SLAB_WORD - 1);
	}

	if (flags & KMM_SLAB_STORE_USER) {
		l->track_offset = (unsigned)size;
		size += 2 * sizeof(struct kmm_slab_track);
	}
	if (kmalloc && (flags & (KMM_SLAB_RED_ZONE | KMM_SLAB_STORE_USER))) {
		l->orig_size_offset = (unsigned)size;
		size += sizeof(uint32_t);
	}
	l->meta_end = (unsigned)size;

	if (flags & KMM_SLAB_RED_ZONE) {
		size += SLAB_WORD;
		l->red_left_pad = align_up_(SLAB_WORD, align);
		size += l->red_left_pad;
	}
	size = (size + align - 1) & ~((size_t)align - 1);
	if (size > KMM_KMALLOC_MAX_SIZE)
		return -EINVAL;

	l->object_size = object_size;
	l->size = (unsigned)size;
	l->align = align;
	return 0;
}
