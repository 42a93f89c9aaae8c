/* SPDX-License-Identifier: MIT */
/*
 * Private structures of the page allocator. Never on the public include path.
 *
 * Lock order (threaded mode): zone->lock is the only page-allocator lock and
 * is never nested with another zone's. pcp lists are per simulated CPU and are
 * touched only by that CPU's thread, or under zone->lock when draining all.
 */
#ifndef KMM_PAGE_INTERNAL_H
#define KMM_PAGE_INTERNAL_H

#include <kmm/kmm.h>

#include "list.h"

/* ---- struct page ------------------------------------------------------ */

/* Page flags (kmm_page.flags). */
enum {
	PG_buddy     = 1u << 0, /* head of a free block in a buddy free list; private = order */
	PG_head      = 1u << 1, /* head of an allocated compound page; private = order */
	PG_tail      = 1u << 2, /* tail of a compound page; compound_head set */
	PG_reserved  = 1u << 3, /* present but not managed by the buddy allocator */
	PG_hole      = 1u << 4, /* not present (zone hole or inter-zone padding) */
	PG_pcp       = 1u << 5, /* on a per-CPU list; private = order */
	PG_allocated = 1u << 6, /* first page of a block handed out; private = order */
};

/*
 * One simulated page frame, indexed by PFN (k->pages[pfn]).
 * Invariants:
 *  - exactly one of {buddy, pcp, allocated-head, allocated-inner/tail,
 *    reserved, hole} describes each page;
 *  - a PG_buddy or PG_pcp page is the first page of a 2^private block that is
 *    aligned to its order and lies inside one zone;
 *  - refcount is 0 for free pages, >= 1 for the first page of a live block.
 * 64 bytes at most (checked by a static assert in system.c).
 */
struct kmm_page {
	uint32_t flags;         /* PG_* */
	int32_t refcount;       /* _refcount */
	uint32_t private_;      /* order for buddy / pcp / allocated / head pages */
	uint8_t zone;           /* enum kmm_zone_type */
	uint8_t node;           /* node id */
	uint8_t migratetype;    /* free-list type while PG_buddy / PG_pcp */
	uint8_t pcp_cpu;        /* owning CPU while PG_pcp */
	kmm_pfn_t compound_head;/* PFN of the head for PG_tail pages */
	uint32_t alloc_gfp;     /* gfp of the allocation that owns the block */
	struct list_head lru;   /* free list / pcp list link */
	uint64_t reserved_for_owner; /* page_owner / slab use in later layers */
};

/* ---- zones ------------------------------------------------------------ */

struct free_area {
	struct list_head free_list[KMM_MIGRATE_TYPES];
	uint64_t nr_free; /* blocks (not pages) on all lists of this order */
};

/*
 * Per-CPU page list of one zone for one CPU.
 * Invariant: count == sum over lists of (1 << order) for each block.
 * Lists are indexed by order * KMM_MIGRATE_PCPTYPES + migratetype.
 */
#define NR_PCP_LISTS ((KMM_PCP_MAX_ORDER + 1) * KMM_MIGRATE_PCPTYPES)
struct per_cpu_pages {
	uint32_t count;   /* pages on all lists */
	uint32_t high;    /* drain down when count > high */
	uint32_t batch;   /* chunk moved to/from buddy at a time */
	struct list_head lists[NR_PCP_LISTS];
};

enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, NR_WMARK };

/*
 * One zone of one node.
 * Accounting: free_pages == sum over order, type of nr_free blocks << order;
 * managed_pages == free_pages + pcp pages + allocated pages.
 * Guarded by lock in threaded mode.
 */
struct kmm_zone {
	struct kmm *sys;
	uint8_t node;
	uint8_t idx;                       /* enum kmm_zone_type */
	bool populated;
	kmm_pfn_t start_pfn;               /* zone_start_pfn */
	uint32_t spanned_pages;
	uint32_t present_pages;
	uint32_t managed_pages;
	uint64_t free_pages;               /* NR_FREE_PAGES (buddy only) */
	uint64_t wmark[NR_WMARK];
	uint64_t wmark_boost;
	uint64_t lowmem_reserve[KMM_NR_ZONES];
	uint64_t nr_reserved_highatomic;   /* pages in HIGHATOMIC pageblocks */
	struct free_area free_area[KMM_NR_ORDERS];
	uint8_t *pageblock_mt;             /* migrate type per pageblock of the zone */
	struct per_cpu_pages *pcp;         /* [nr_cpus] */
	uint64_t vm_pgalloc;               /* pages allocated from this zone */
	struct kmm_lock lock;
};

/* ---- nodes ------------------------------------------------------------ */

/* A zonelist entry: the zone and its node; zonelist ends with zone == NULL. */
struct zoneref {
	struct kmm_zone *zone;
	uint8_t zone_idx;
};
#define MAX_ZONELIST (KMM_MAX_NODES * KMM_NR_ZONES + 1)

struct kmm_node {
	uint8_t id;
	kmm_pfn_t start_pfn, end_pfn;      /* [start, end) */
	struct kmm_zone zones[KMM_NR_ZONES];
	/* ZONELIST_FALLBACK: all nodes by distance, zones high to low per node;
	 * ZONELIST_NOFALLBACK: this node only (for __GFP_THISNODE). */
	struct zoneref zonelist_fallback[MAX_ZONELIST];
	struct zoneref zonelist_nofallback[KMM_NR_ZONES + 1];
	uint64_t numa[KMM_NR_NUMA_ITEMS];
};

/* ---- the task's memory policy ---------------------------------------- */

struct kmm_mempolicy {
	enum kmm_mpol_mode mode;
	kmm_nodemask_t nodes;
	uint8_t weights[KMM_MAX_NODES];
	int il_next;           /* next interleave node */
	uint8_t il_credit;     /* weighted interleave: allocations left on il_next */
};

/* ---- the system ------------------------------------------------------- */

struct kmm {
	struct kmm_config cfg;             /* validated copy, defaults filled in */
	const struct kmm_platform *plat;
	unsigned nr_nodes, nr_cpus;
	unsigned pageblock_order;
	unsigned cur_cpu;                  /* simulated current CPU */
	void *arena;                       /* KMM_PAGE_SIZE * total_pages bytes */
	kmm_pfn_t total_pages;             /* PFN range, holes included */
	struct kmm_page *pages;            /* [total_pages] */
	struct kmm_node nodes[KMM_MAX_NODES];
	struct kmm_mempolicy policy;
	uint64_t min_free_kbytes;
	uint64_t vm[KMM_NR_VM_ITEMS];
	uint64_t reports[KMM_NR_REPORT_KINDS];
	uint64_t rng;                      /* splitmix64 state from cfg.seed */
};

/* ---- shared helpers (implemented across allocators/page/*.c) ---------- */

static inline struct kmm_page *pfn_to_page_(struct kmm *k, kmm_pfn_t pfn) { return &k->pages[pfn]; }
static inline kmm_pfn_t page_to_pfn_(const struct kmm *k, const struct kmm_page *p)
{
	return (kmm_pfn_t)(p - k->pages);
}
static inline struct kmm_zone *page_zone_(struct kmm *k, const struct kmm_page *p)
{
	return &k->nodes[p->node].zones[p->zone];
}
static inline bool zone_spans_pfn_(const struct kmm_zone *z, kmm_pfn_t pfn)
{
	return pfn >= z->start_pfn && pfn - z->start_pfn < z->spanned_pages;
}

/* report.c: formatted report through the sink, counted per kind. */
void kmm_report(struct kmm *k, enum kmm_report_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A buffer-backed text builder for multi-line reports. */
struct kmm_text {
	char *buf;
	size_t len, cap;
	bool truncated;
};
void kmm_text_printf(struct kmm_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Locking wrappers: no-ops unless cfg.threaded. */
void zone_lock_(struct kmm_zone *z);
void zone_unlock_(struct kmm_zone *z);

/* ---- contracts between the page allocator files ----------------------- */

/*
 * What one allocation may use, resolved once at entry (the kernel's
 * struct alloc_context). Built by numa.c from gfp, the explicit node and the
 * task policy; consumed by page_alloc.c.
 */
struct alloc_context {
	int preferred_nid;            /* first node of the walk (zonelist owner) */
	kmm_nodemask_t nodemask;      /* nodes allowed; all nodes when no policy limits */
	enum kmm_zone_type highest_zoneidx; /* gfp_zone() */
	int migratetype;              /* gfp_migratetype() */
	bool thisnode;                /* __GFP_THISNODE: nofallback zonelist of preferred_nid */
	bool interleave;              /* chosen by (weighted) interleave: counts interleave_hit */
	const struct zoneref *zonelist; /* walk order */
	/* Preferred-many: first pass restricted to nodemask, then all nodes. */
	kmm_nodemask_t second_pass_nodemask; /* 0 = no second pass */
};

/* numa.c */
void build_zonelists_(struct kmm *k);               /* after every zone is set up */
void mempolicy_init_(struct kmm *k);                /* default policy */
/* nid < 0: use the task policy (and advance interleave); nid >= 0: that node,
 * policy ignored (alloc_pages_node). */
void prepare_alloc_context_(struct kmm *k, int nid, kmm_gfp_t gfp, struct alloc_context *ac);
/* zone_statistics(): numa_hit/miss/foreign/interleave_hit/local/other, in pages. */
void numa_account_(struct kmm *k, const struct alloc_context *ac, const struct kmm_zone *z,
		   unsigned order);

/* views.c */
/* warn_alloc(): "page allocation failure: order:N, mode:0x..(...)" + Mem-Info,
 * unless __GFP_NOWARN. */
void warn_alloc_(struct kmm *k, kmm_gfp_t gfp, unsigned order, const struct alloc_context *ac);
/* show_free_areas(): the Mem-Info block (per zone free/min/low/high, buddy counts). */
void show_mem_info_(struct kmm *k, struct kmm_text *t);

/* watermark.c (used by views.c and page_alloc.c) */
uint64_t zone_pcp_pages_(const struct kmm_zone *z); /* pages on every CPU's pcp of z */

#endif
