/* SPDX-License-Identifier: MIT */
/*
 * Basic constants and enums shared by every libkmm component.
 *
 * Naming rule for the whole public API: kernel vocabulary with a KMM_ / kmm_
 * prefix glued in front of the kernel's exact spelling (GFP_KERNEL becomes
 * KMM_GFP_KERNEL, __GFP_ZERO becomes KMM___GFP_ZERO, MIGRATE_MOVABLE becomes
 * KMM_MIGRATE_MOVABLE).
 */
#ifndef KMM_TYPES_H
#define KMM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KMM_PAGE_SHIFT 12
#define KMM_PAGE_SIZE (1u << KMM_PAGE_SHIFT)

/* Orders 0..KMM_MAX_ORDER inclusive (the kernel's MAX_PAGE_ORDER). */
#define KMM_MAX_ORDER 10
#define KMM_NR_ORDERS (KMM_MAX_ORDER + 1)
/* Orders kept on per-CPU page lists (the kernel's PAGE_ALLOC_COSTLY_ORDER). */
#define KMM_PCP_MAX_ORDER 3

#define KMM_MAX_NODES 8
#define KMM_MAX_CPUS 16
#define KMM_DEFAULT_PAGEBLOCK_ORDER 9

/* Kernel zone order: a lower index is a more constrained zone. */
enum kmm_zone_type {
	KMM_ZONE_DMA,
	KMM_ZONE_DMA32,
	KMM_ZONE_NORMAL,
	KMM_ZONE_HIGHMEM,
	KMM_ZONE_MOVABLE,
	KMM_NR_ZONES
};

/* Kernel migrate types; the first KMM_MIGRATE_PCPTYPES have pcp lists. */
enum kmm_migratetype {
	KMM_MIGRATE_UNMOVABLE,
	KMM_MIGRATE_MOVABLE,
	KMM_MIGRATE_RECLAIMABLE,
	KMM_MIGRATE_PCPTYPES,
	KMM_MIGRATE_HIGHATOMIC = KMM_MIGRATE_PCPTYPES,
	KMM_MIGRATE_ISOLATE,
	KMM_MIGRATE_TYPES
};

/* Bit i set = node i. */
typedef uint32_t kmm_nodemask_t;

/* Page frame number: index into the arena and the struct page array. */
typedef uint32_t kmm_pfn_t;
#define KMM_PFN_NONE ((kmm_pfn_t)-1)

struct kmm;       /* one simulated system; every entry point takes it */
struct kmm_page;  /* one simulated page frame (opaque outside allocators/) */

const char *kmm_zone_name(enum kmm_zone_type zone);      /* "DMA", "Normal", ... as /proc */
const char *kmm_migratetype_name(enum kmm_migratetype t); /* "Unmovable", ... as /proc */

#endif
