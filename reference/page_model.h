/* SPDX-License-Identifier: MIT */
/*
 * The reference model of the page allocator: what the harness believes about
 * a system, computed without a line of allocators/.
 *
 * It knows the PFN layout (re-derived from the config's documented rules),
 * which blocks are allocated (head PFN, order, owner handle), the free page
 * count of every zone, the watermarks and lowmem protection (kernel
 * formulas), the task's memory policy and interleave cursor. From that it
 * answers the executor's questions about one allocation: which (node, zone)
 * pairs it may use, whether success or failure was required, whether a
 * returned block is legal, and what the buddy free lists must look like once
 * everything is drained. page_model.c explains the reasoning.
 *
 * Only include/kmm public headers are used, for types and constants.
 */
#ifndef KMM_REFERENCE_PAGE_MODEL_H
#define KMM_REFERENCE_PAGE_MODEL_H

#include <kmm/kmm.h>

/*
 * One zone as the model derives it. Accounting: free == managed - pages of
 * live blocks in the zone (pcp pages count as free: the model sees the
 * system "as after a drain").
 */
struct kmm_model_zone {
	bool spanned;              /* spanned_pages > 0 (the zone exists) */
	uint8_t node, idx;         /* node id, enum kmm_zone_type */
	kmm_pfn_t start_pfn;       /* aligned to 1 << KMM_MAX_ORDER */
	uint32_t spanned_pages, present_pages, managed_pages;
	uint32_t hole_start, hole_pages, reserved_pages; /* from the config */
	uint64_t free_pages;       /* managed - allocated */
	uint64_t wmark_min, wmark_low, wmark_high;
	uint64_t lowmem_reserve[KMM_NR_ZONES];
	uint32_t ha_pageblocks;    /* pageblocks of the zone in the highatomic superset */
	uint64_t ha_cap;           /* most pages the kernel rule lets it reserve */
};

/* The model's task memory policy (set_mempolicy()) and interleave state. */
struct kmm_model_policy {
	enum kmm_mpol_mode mode;
	kmm_nodemask_t nodes;
	uint8_t weights[KMM_MAX_NODES];
	int il_prev;               /* last interleave node, -1 = none yet */
	unsigned il_weight;        /* weighted interleave: allocations left on il_prev */
};

struct kmm_model;

/* Build the model of the system cfg describes (defaults filled in the way
 * include/kmm/config.h documents them). NULL if the config is unusable or
 * memory is short. */
struct kmm_model *kmm_model_create(const struct kmm_config *cfg);
/* Frees what kmm_model_create() allocated; a model built by kmm_model_init()
 * owns nothing (its memory is the caller's). */
void kmm_model_destroy(struct kmm_model *m);
/* The same in caller memory (any contents; aligned like malloc's), so a
 * runner can reuse one block across many models: kmm_model_size() bytes
 * (0 for an unusable config). NULL when the config is unusable or len is
 * short. */
size_t kmm_model_size(const struct kmm_config *cfg);
struct kmm_model *kmm_model_init(void *mem, size_t len, const struct kmm_config *cfg);

/* ---- layout ------------------------------------------------------------ */

unsigned kmm_model_nr_nodes(const struct kmm_model *m);
unsigned kmm_model_nr_cpus(const struct kmm_model *m);
unsigned kmm_model_pageblock_order(const struct kmm_model *m);
kmm_pfn_t kmm_model_total_pages(const struct kmm_model *m); /* end of the last zone */
uint64_t kmm_model_min_free_kbytes(const struct kmm_model *m);
const struct kmm_model_zone *kmm_model_zone(const struct kmm_model *m, unsigned nid,
					    enum kmm_zone_type zone);
/* The zone spanning pfn, or NULL (inter-zone padding, beyond the end). */
const struct kmm_model_zone *kmm_model_pfn_zone(const struct kmm_model *m, kmm_pfn_t pfn);
/* Is pfn a page the buddy allocator owns (present and not reserved)? */
bool kmm_model_pfn_managed(const struct kmm_model *m, kmm_pfn_t pfn);
int kmm_model_cpu_node(const struct kmm_model *m, unsigned cpu);
int kmm_model_distance(const struct kmm_model *m, unsigned a, unsigned b);
/* Nodes with memory in nid's zonelist order (the kernel's find_next_best_node():
 * nid first, then by distance with its tie-breaks; see page_model.c). */
unsigned kmm_model_fallback_order(const struct kmm_model *m, unsigned nid,
				  uint8_t order_out[KMM_MAX_NODES]);

/* ---- the simulated task ------------------------------------------------- */

/* 0, or -EINVAL (cpu out of range; nothing changes). */
int kmm_model_set_cpu(struct kmm_model *m, unsigned cpu);
unsigned kmm_model_current_cpu(const struct kmm_model *m);
/* What set_mempolicy() must answer; on 0 the policy is installed and the
 * interleave cursor reset. weights may be NULL (all 1). */
int kmm_model_set_policy(struct kmm_model *m, enum kmm_mpol_mode mode, kmm_nodemask_t nodes,
			 const uint8_t weights[KMM_MAX_NODES]);
const struct kmm_model_policy *kmm_model_policy(const struct kmm_model *m);

/* ---- gfp ---------------------------------------------------------------- */

/* gfp_zone() from the bits, KMM_NR_ZONES for an invalid combination. */
enum kmm_zone_type kmm_model_gfp_zone(kmm_gfp_t gfp);
/* The min watermark the request is entitled to: strict = what the kernel
 * always grants (must-succeed side), !strict = the most it could ever grant
 * (must-fail side). Returns -1 for "no watermark at all" (__GFP_MEMALLOC). */
int64_t kmm_model_min_for(uint64_t wmark_min, kmm_gfp_t gfp, bool strict);

/* ---- one allocation ------------------------------------------------------- */

/*
 * What one alloc op may and must do, resolved before the call (this is where
 * the interleave cursor advances, exactly once per policy allocation).
 *  may_nodes:  the block may land only on these nodes;
 *  must_nodes: the allocator must consider these nodes (must-succeed is
 *              judged on them);
 *  walk:       nodes in the order the kernel's zonelist visits them; a block
 *              on walk[i] is wrong if an earlier walk node could serve the
 *              request at the low watermark (the interleave node is walk[0]).
 */
struct kmm_model_request {
	/* in */
	kmm_gfp_t gfp;
	unsigned order;
	int nid;                          /* >= 0: alloc_pages_node; < 0: task policy */
	/* out */
	enum kmm_zone_type highest_zone;  /* gfp_zone(); KMM_NR_ZONES = invalid */
	kmm_nodemask_t may_nodes, must_nodes;
	uint8_t walk[KMM_MAX_NODES];
	uint8_t walk_len;                 /* 0 = no order to check */
	int interleave_nid;               /* node the cursor chose, -1 if none */
	bool nonblocking_pass;            /* preferred-many: a first pass without
					   * __GFP_DIRECT_RECLAIM / __GFP_NOFAIL */
	bool invalid;                     /* bad order / zone / node: must fail */
};
void kmm_model_prepare(struct kmm_model *m, struct kmm_model_request *rq);

/* Must the allocation have succeeded? If so, why names the zone and numbers
 * that prove it. Scans the zones' free space only when the counts allow it. */
bool kmm_model_must_succeed(const struct kmm_model *m, const struct kmm_model_request *rq,
			    char *why, size_t len);

/* Verdict on a block the allocator returned, checked before it is recorded. */
enum kmm_model_block {
	KMM_MODEL_BLOCK_OK,
	KMM_MODEL_BLOCK_OUTSIDE,    /* not inside the arena */
	KMM_MODEL_BLOCK_MISALIGNED, /* pfn not a multiple of 2^order */
	KMM_MODEL_BLOCK_ZONE,       /* straddles zones, or a zone above gfp_zone */
	KMM_MODEL_BLOCK_NODE,       /* a node the request may not use */
	KMM_MODEL_BLOCK_UNMANAGED,  /* covers a hole, padding or reserved page */
	KMM_MODEL_BLOCK_OVERLAP,    /* covers a page of a live block */
	KMM_MODEL_BLOCK_WATERMARK,  /* the zone was below every watermark the request may use */
	KMM_MODEL_BLOCK_ORDER,      /* an earlier node of the walk could have served it */
};
/*
 * Judge the block [pfn, pfn + 2^order). pcp_pages(ctx, nid, zone) gives the
 * system's pcp page count of a zone; it is only called for the walk-order
 * judgement (feasibility at the low watermark must not count pages sitting
 * on per-CPU lists). why gets a one-line explanation on anything but OK.
 */
typedef uint64_t (*kmm_model_pcp_fn)(void *ctx, unsigned nid, enum kmm_zone_type zone);
enum kmm_model_block kmm_model_judge_block(const struct kmm_model *m,
					   const struct kmm_model_request *rq, kmm_pfn_t pfn,
					   kmm_model_pcp_fn pcp_pages, void *ctx, char *why,
					   size_t len);

/* Record a judged-OK block as live (owner = handle). */
void kmm_model_alloc(struct kmm_model *m, const struct kmm_model_request *rq, kmm_pfn_t pfn,
		     uint32_t handle);
/* Forget a live block (its head and order must match a kmm_model_alloc). */
void kmm_model_free(struct kmm_model *m, kmm_pfn_t pfn, unsigned order);
/* Owner handle of the live block with head pfn, 0 if none. */
uint32_t kmm_model_owner(const struct kmm_model *m, kmm_pfn_t pfn);
/* Handle of some live block that covers a page of [pfn, pfn + 2^order), 0 if none. */
uint32_t kmm_model_find_overlap(const struct kmm_model *m, kmm_pfn_t pfn, unsigned order);

/* ---- whole-zone views ------------------------------------------------------ */

/*
 * The canonical buddy decomposition of the zone's free pages: the number of
 * free blocks per order once everything is drained and fully coalesced.
 * flex (may be NULL: everything counts as exact) receives the canonical
 * blocks above pageblock order that contain a possibly-HIGHATOMIC
 * pageblock: the kernel does not merge across such a pageblock's edge, so
 * each of those may show up as several blocks of orders
 * pageblock_order..its own.
 */
void kmm_model_free_blocks(const struct kmm_model *m, unsigned nid, enum kmm_zone_type zone,
			   uint64_t exact[KMM_NR_ORDERS], uint64_t flex[KMM_NR_ORDERS]);
/*
 * Is there an aligned run of 2^order free managed pages in the zone?
 * exclude_highatomic: ignore free space in pageblocks that may have become
 * MIGRATE_HIGHATOMIC.
 */
bool kmm_model_has_block(const struct kmm_model *m, unsigned nid, enum kmm_zone_type zone,
			 unsigned order, bool exclude_highatomic);
/* Most pages the zone may hold in HIGHATOMIC reserves right now. */
uint64_t kmm_model_highatomic_bound(const struct kmm_model *m, unsigned nid,
				    enum kmm_zone_type zone);

#endif
