/* SPDX-License-Identifier: MIT */
/*
 * GFP flags: the kernel's bits and composites, prefixed KMM_.
 *
 * Bit values are libkmm's own (stable ABI, recorded in programs); the meaning
 * of each flag is the kernel's. gfp -> highest zone and gfp -> migrate type
 * follow gfp_zone() and gfp_migratetype().
 */
#ifndef KMM_GFP_H
#define KMM_GFP_H

#include <kmm/types.h>

typedef uint32_t kmm_gfp_t;

/* Zone modifiers. */
#define KMM___GFP_DMA            0x00000001u
#define KMM___GFP_HIGHMEM        0x00000002u
#define KMM___GFP_DMA32          0x00000004u
#define KMM___GFP_MOVABLE        0x00000008u
/* Mobility / placement. */
#define KMM___GFP_RECLAIMABLE    0x00000010u
#define KMM___GFP_WRITE          0x00000020u
#define KMM___GFP_HARDWALL       0x00000040u
#define KMM___GFP_THISNODE       0x00000080u
#define KMM___GFP_ACCOUNT        0x00000100u
/* Watermark modifiers. */
#define KMM___GFP_HIGH           0x00000200u
#define KMM___GFP_MEMALLOC       0x00000400u
#define KMM___GFP_NOMEMALLOC     0x00000800u
/* Reclaim modifiers. */
#define KMM___GFP_IO             0x00001000u
#define KMM___GFP_FS             0x00002000u
#define KMM___GFP_DIRECT_RECLAIM 0x00004000u
#define KMM___GFP_KSWAPD_RECLAIM 0x00008000u
#define KMM___GFP_RETRY_MAYFAIL  0x00010000u
#define KMM___GFP_NOFAIL         0x00020000u
#define KMM___GFP_NORETRY        0x00040000u
/* Action modifiers. */
#define KMM___GFP_NOWARN         0x00080000u
#define KMM___GFP_COMP           0x00100000u
#define KMM___GFP_ZERO           0x00200000u

#define KMM___GFP_BITS_MASK      0x003fffffu

#define KMM___GFP_RECLAIM (KMM___GFP_DIRECT_RECLAIM | KMM___GFP_KSWAPD_RECLAIM)
#define KMM_GFP_ZONEMASK \
	(KMM___GFP_DMA | KMM___GFP_HIGHMEM | KMM___GFP_DMA32 | KMM___GFP_MOVABLE)
#define KMM_GFP_MOVABLE_MASK (KMM___GFP_RECLAIMABLE | KMM___GFP_MOVABLE)

/* Composites, as include/linux/gfp_types.h defines them. */
#define KMM_GFP_ATOMIC   (KMM___GFP_HIGH | KMM___GFP_KSWAPD_RECLAIM)
#define KMM_GFP_KERNEL   (KMM___GFP_RECLAIM | KMM___GFP_IO | KMM___GFP_FS)
#define KMM_GFP_NOWAIT   (KMM___GFP_KSWAPD_RECLAIM | KMM___GFP_NOWARN)
#define KMM_GFP_NOIO     (KMM___GFP_RECLAIM)
#define KMM_GFP_NOFS     (KMM___GFP_RECLAIM | KMM___GFP_IO)
#define KMM_GFP_USER     (KMM___GFP_RECLAIM | KMM___GFP_IO | KMM___GFP_FS | KMM___GFP_HARDWALL)
#define KMM_GFP_DMA      KMM___GFP_DMA
#define KMM_GFP_DMA32    KMM___GFP_DMA32
#define KMM_GFP_HIGHUSER (KMM_GFP_USER | KMM___GFP_HIGHMEM)
#define KMM_GFP_HIGHUSER_MOVABLE (KMM_GFP_HIGHUSER | KMM___GFP_MOVABLE)

/* Highest zone an allocation with this mask may use (gfp_zone()). Returns
 * KMM_NR_ZONES for an invalid zone-modifier combination (e.g. DMA|DMA32). */
enum kmm_zone_type kmm_gfp_zone(kmm_gfp_t gfp);
/* Migrate type the allocation prefers (gfp_migratetype()). */
enum kmm_migratetype kmm_gfp_migratetype(kmm_gfp_t gfp);

/*
 * Format a mask the way the kernel's %pGg does:
 * "GFP_KERNEL|__GFP_ZERO" (composites first, then leftover bits, then
 * 0x... for unknown bits). Returns the length it needed (snprintf rules).
 */
size_t kmm_gfp_format(kmm_gfp_t gfp, char *buf, size_t len);
/*
 * Parse "GFP_KERNEL|__GFP_ZERO" (names as the kernel spells them, '|'
 * separated, hex 0x... allowed). Returns 0, or -EINVAL with *bad set to the
 * offset of the first unknown name.
 */
int kmm_gfp_parse(const char *text, size_t len, kmm_gfp_t *out, size_t *bad);

#endif
