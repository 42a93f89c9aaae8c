/* SPDX-License-Identifier: MIT */
/*
 * Counters and /proc-style views of a system.
 *
 * kmm_zone_info() is the structured view the harness compares against its
 * model; kmm_show() prints the /proc formats (buddyinfo, pagetypeinfo,
 * zoneinfo, vmstat, numastat) for people and tools.
 */
#ifndef KMM_STATS_H
#define KMM_STATS_H

#include <kmm/types.h>

struct kmm_zone_info {
	bool populated;          /* managed_pages > 0 */
	kmm_pfn_t start_pfn;     /* zone_start_pfn */
	uint32_t spanned_pages;  /* end - start, holes included */
	uint32_t present_pages;  /* spanned - holes */
	uint32_t managed_pages;  /* present - reserved: what the buddy allocator owns */
	uint64_t free_pages;     /* NR_FREE_PAGES: pages in the buddy free lists */
	uint64_t pcp_pages;      /* pages on all CPUs' pcp lists of this zone */
	uint64_t wmark_min, wmark_low, wmark_high, wmark_boost; /* min/low/high without the boost */
	uint64_t lowmem_reserve[KMM_NR_ZONES]; /* protection against allocs whose highest zone is i */
	uint64_t nr_free[KMM_NR_ORDERS][KMM_MIGRATE_TYPES]; /* free blocks per order per type */
	uint64_t nr_reserved_highatomic;
	uint32_t pcp_high, pcp_batch;
};

/* 0, or -EINVAL for a bad node id or zone (an absent zone is returned with
 * populated false and sizes 0). */
int kmm_zone_info(struct kmm *k, int nid, enum kmm_zone_type zone, struct kmm_zone_info *out);

/* The two counters a harness compares after every op, in O(1) (nothing is
 * walked): kmm_zone_info()'s free_pages and pcp_pages. Either pointer may be
 * NULL. 0, or -EINVAL for a bad node id or zone. */
int kmm_zone_counts(struct kmm *k, int nid, enum kmm_zone_type zone, uint64_t *free_pages,
		    uint64_t *pcp_pages);

/* Event and NUMA counters (vmstat / numastat names). */
enum kmm_vm_item {
	KMM_PGALLOC,            /* pages allocated (sum over zones) */
	KMM_PGFREE,             /* pages freed */
	KMM_ALLOCSTALL,         /* slow path entered */
	KMM_PGALLOC_FAIL,       /* allocations that returned NULL */
	KMM_PCP_DRAIN,          /* drains of a pcp list */
	KMM_PGSTEAL_FALLBACK,   /* fallbacks to another migrate type */
	KMM_PAGEBLOCK_STEAL,    /* whole pageblocks stolen */
	KMM_BAD_PAGE,           /* misuses detected */
	KMM_NR_VM_ITEMS
};
uint64_t kmm_vm_event(const struct kmm *k, enum kmm_vm_item item);

enum kmm_numa_item {
	KMM_NUMA_HIT,            /* allocated on the intended node */
	KMM_NUMA_MISS,           /* allocated here though intended elsewhere */
	KMM_NUMA_FOREIGN,        /* intended here, allocated elsewhere */
	KMM_NUMA_INTERLEAVE_HIT, /* interleave policy, landed on the intended node */
	KMM_NUMA_LOCAL,          /* allocated on the node of the CPU */
	KMM_NUMA_OTHER,          /* allocated on a node other than the CPU's */
	KMM_NR_NUMA_ITEMS
};
/* Per node, as the kernel's numastat: in pages, except interleave_hit, which
 * the kernel counts in allocations. */
uint64_t kmm_numa_stat(const struct kmm *k, int nid, enum kmm_numa_item item);

enum kmm_view {
	KMM_VIEW_BUDDYINFO,
	KMM_VIEW_PAGETYPEINFO,
	KMM_VIEW_ZONEINFO,
	KMM_VIEW_VMSTAT,
	KMM_VIEW_NUMASTAT,
	KMM_VIEW_SLABINFO, /* /proc/slabinfo, version 2.1 (allocators/slab) */
	KMM_NR_VIEWS
};
typedef void (*kmm_write_fn)(void *ctx, const char *text, size_t len);
/* Print a view in its /proc format. Returns 0 or -EINVAL. */
int kmm_show(struct kmm *k, enum kmm_view view, kmm_write_fn write, void *ctx);
const char *kmm_view_name(enum kmm_view view); /* "buddyinfo", ... */

#endif
