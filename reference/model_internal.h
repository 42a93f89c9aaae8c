/* SPDX-License-Identifier: MIT */
/*
 * Private state of the page model, shared by page_model.c (layout, live
 * blocks, free-space queries) and model_rules.c (gfp, policy, legality).
 */
#ifndef KMM_REFERENCE_MODEL_INTERNAL_H
#define KMM_REFERENCE_MODEL_INTERNAL_H

#include "page_model.h"

#define MODEL_BLOCK_PAGES (1u << KMM_MAX_ORDER) /* zone starts are aligned to this */
#define MODEL_NO_ZONE 0xffu

/*
 * The occupancy tree. For every order j and every aligned block i of 2^j
 * pages, occ[j][i] counts the pages of the block that are
 *   - not managed (hole, inter-zone padding, reserved, past the end), or
 *   - inside a live block of order <= j.
 * A live block of order h > j that covers block i is NOT counted at level j;
 * it shows up at level h (as a full count there) and in head[].
 * So "block (j, i) is entirely free" == occ[j][i] == 0 and no live block of
 * order > j starts at an ancestor PFN. A walk from the top level never meets
 * that second case: it stops at the full ancestor first.
 */
struct kmm_model {
	unsigned nr_nodes, nr_cpus;
	unsigned pageblock_order;
	uint8_t cpu_node[KMM_MAX_CPUS];
	uint8_t distance[KMM_MAX_NODES][KMM_MAX_NODES];
	uint64_t min_free_kbytes;
	struct kmm_model_zone zones[KMM_MAX_NODES][KMM_NR_ZONES];
	kmm_nodemask_t memory_nodes;       /* nodes with a zone that manages pages */
	uint8_t fallback[KMM_MAX_NODES][KMM_MAX_NODES]; /* zonelist node order per node */
	uint8_t fallback_len[KMM_MAX_NODES];

	kmm_pfn_t total_pages;             /* end of the last zone */
	uint32_t nr_blocks;                /* MAX_ORDER blocks covering [0, total_pages) */
	uint8_t *block_zone;               /* [nr_blocks]: node * KMM_NR_ZONES + zone, or MODEL_NO_ZONE */
	uint16_t *occ[KMM_NR_ORDERS];      /* occ[j][i], see above */
	uint8_t *head;                     /* [pfn]: order + 1 of the live block starting at pfn, 0 = none */
	uint32_t *owner;                   /* [pfn]: handle of the live block starting at pfn */
	uint8_t *ha;                       /* [pfn >> pageblock_order]: 1 = may be HIGHATOMIC */
	/* All arrays live in the same block as this struct, right after it. */

	unsigned cur_cpu;
	struct kmm_model_policy pol;
	bool owns_memory;                  /* kmm_model_create(): destroy frees the block */
};

static inline struct kmm_model_zone *model_zone_of_id_(struct kmm_model *m, unsigned id)
{
	return &m->zones[id / KMM_NR_ZONES][id % KMM_NR_ZONES];
}

/* page_model.c: free-space queries used by the legality rules. */
/* Number of aligned free runs of 2^order pages inside canonical free blocks
 * that do not touch a possibly-HIGHATOMIC pageblock. */
uint64_t model_free_runs_(const struct kmm_model *m, const struct kmm_model_zone *z,
			  unsigned order);
/* Is the aligned block [pfn, pfn + 2^order) entirely free and managed? O(MAX_ORDER). */
bool model_block_free_(const struct kmm_model *m, kmm_pfn_t pfn, unsigned order);
bool model_block_touches_ha_(const struct kmm_model *m, kmm_pfn_t pfn, unsigned order);

#endif
