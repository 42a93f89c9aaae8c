/* SPDX-License-Identifier: MIT */
/*
 * Private structures of the page allocator. Never on the public include path.
 *
 * Lock order (threaded mode): zone->lock is the only page-allocator lock and
 * is never nested with another zone's. pcp lists are per simulated CPU and are
 * touched only by that CPU's thread, or under zone->lock when draining all.
 * (libkmm takes zone->lock around its pcp lists too in threaded mode, so all
 * struct page state of a zone changes under that zone's lock; single-threaded
 * mode takes no lock at all.)
 */
#ifndef KMM_PAGE_INTERNAL_H
#define KMM_PAGE_INTERNAL_H

#include <string.h>

#include <kmm/kmm.h>

#include "list.h"

/* ---- struct page ------------------------------------------------------ */

/* What a slab head page carries for the object allocators (24 bytes). The
 * page allocator never reads it; the slab layer initialises it when it
 * makes a slab and may leave anything behind when it frees one. */
struct kmm_slab_page {
	void *cache;      /* struct kmm_cache * owning the slab */
	void *freelist;   /* backend: first free object / index array / SLOB free list */
	uint16_t inuse;   /* objects (SLOB: units) handed out */
	uint16_t objects; /* objects (SLOB: units) in the slab */
	uint8_t frozen;   /* SLUB: owned by a CPU */
	uint8_t list;     /* backend: which list the slab is on */
	uint16_t extra;   /* backend: SLAB colour offset, SLOB free units, ... */
};

/* Page flags (kmm_page.flags). */
enum {
	PG_buddy     = 1u << 0, /* head of a free block in a buddy free list; private = order */
	PG_head      = 1u << 1, /* head of an allocated compound page; private = order */
	PG_tail      = 1u << 2, /* tail of a compound page; compound_head set */
	PG_reserved  = 1u << 3, /* present but not managed by the buddy allocator */
	PG_hole      = 1u << 4, /* not present (zone hole or inter-zone padding) */
	PG_pcp       = 1u << 5, /* on a per-CPU list; private = order */
	PG_allocated = 1u << 6, /* first page of a block handed out; private = order */
	PG_slab      = 1u << 7, /* with PG_allocated: head of a slab; page->slab belongs to
				 * allocators/slab (set after the pages are had, cleared
				 * before they go back) */
	PG_large_kmalloc = 1u << 8, /* with PG_allocated | PG_head: a kmalloc() too big for
				     * the size classes (cleared before the pages go back) */
};

/*
 * One simulated page frame, indexed by PFN (k->pages[pfn]).
 * Invariants:
 *  - exactly one of {buddy, pcp, allocated-head, allocated-inner/tail,
 *    reserved, hole} describes each page;
 *  - a PG_buddy or PG_pcp page is the first page of a 2^private block that is
 *    aligned to its order and lies inside one zone;
 *  - refcount is 0 for free pages, >= 1 for the first page of a live block.
 * 64 bytes at most (checked by a static assert in system.c). The fields every
 * allocation, free, split and merge touches come first and fill 32 bytes, so
 * for most pages of the array they share one cache line.
 */
struct kmm_page {
	uint32_t flags;         /* PG_* */
	uint32_t private_;      /* order for buddy / pcp / allocated / head pages */
	struct list_head lru;   /* free list / pcp list link */
	uint8_t migratetype;    /* free-list type while PG_buddy / PG_pcp;
				 * the allocation's gfp migrate type on an allocated head */
	uint8_t pcp_cpu;        /* owning CPU while PG_pcp */
	uint8_t zone;           /* enum kmm_zone_type */
	uint8_t node;           /* node id */
	int32_t refcount;       /* _refcount */
	uint32_t alloc_gfp;     /* gfp of the allocation that owns the block */
	kmm_pfn_t compound_head;/* PFN of the head for PG_tail pages */
	/* The kernel's struct slab overlay: meaningful only on a PG_slab head;
	 * each backend documents its use of the fields (allocators/slab). */
	struct kmm_slab_page slab;
};
/* flags and private_ side by side: page_state_ reads them as one word;
 * migratetype and pcp_cpu too: the fast free writes them as one. */
_Static_assert(offsetof(struct kmm_page, private_) == sizeof(uint32_t), "flags, then private_");
_Static_assert(offsetof(struct kmm_page, pcp_cpu) == offsetof(struct kmm_page, migratetype) + 1,
	       "migratetype, then pcp_cpu");

/* The first eight bytes of a page in state (flags, order), as one word to
 * compare with: the same bytes whatever the byte order. */
static inline uint64_t page_state_word_(uint32_t flags, uint32_t order)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (uint64_t)order << 32 | flags; /* two instructions for a variable order */
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (uint64_t)flags << 32 | order;
#else
	uint32_t w[2] = { flags, order };
	uint64_t v;
	memcpy(&v, w, sizeof(v));
	return v;
#endif
}
static inline uint64_t page_state_(const struct kmm_page *p)
{
	uint64_t v;
	memcpy(&v, &p->flags, sizeof(v));
	return v;
}

/* ---- zones ------------------------------------------------------------ */

/*
 * The free blocks of one order. Invariant: nr_free_mt[t] is the length of
 * free_list[t], and nr_free the sum over t (the kernel keeps only the sum;
 * the per-type counts make the watermark's block search and kmm_zone_info()
 * walk no list).
 */
struct free_area {
	/* Padded to 128 bytes: the array's stride is a power of two, so an
	 * index is a shift. (Padded, not aligned: an alignment would oblige
	 * every platform's meta_alloc to align struct kmm.) */
	union {
		struct {
			struct list_head free_list[KMM_MIGRATE_TYPES];
			uint64_t nr_free; /* blocks (not pages) on all lists of this order */
			uint32_t nr_free_mt[KMM_MIGRATE_TYPES]; /* blocks on each list */
		};
		unsigned char size_[128];
	};
};
_Static_assert(sizeof(struct free_area) == 128, "free_area's stride is a power of two");

/*
 * Per-CPU page list of one zone for one CPU.
 * Invariant: count == sum over lists of (1 << order) for each block.
 * Lists are indexed by order * KMM_MIGRATE_PCPTYPES + migratetype.
 *
 * fast_alloc / fast_free are this CPU's share of the event counters, the
 * kernel's per-CPU vmstat differentials (never folded here, summed when
 * read): pages the fast paths allocated from this zone on this CPU (each
 * also a PGALLOC, a pgalloc of the zone, a numa_hit on the zone's node and
 * a numa_local or numa_other by this CPU's node) and pages they freed (each
 * a PGFREE). Written only single-threaded (the fast paths never run with
 * threads), next to count, so the fast path's counting costs one add.
 */
#define NR_PCP_LISTS ((KMM_PCP_MAX_ORDER + 1) * KMM_MIGRATE_PCPTYPES)
struct per_cpu_pages {
	struct list_head lists[NR_PCP_LISTS];
	uint32_t count;   /* pages on all lists */
	uint32_t high;    /* drain down when count > high */
	uint32_t fast_high; /* high, or 0 when frees must be tracked (Valgrind,
			     * ASan): the fast free's one compare for both */
	uint32_t batch;   /* chunk moved to/from buddy at a time */
	uint64_t fast_alloc; /* pages: see above */
	uint64_t fast_free;  /* pages: see above */
	struct kmm_zone *zone; /* the zone these lists belong to */
};

enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, NR_WMARK };

/*
 * One zone of one node.
 * Accounting: free_pages == sum over order, type of nr_free blocks << order;
 * managed_pages == free_pages + pcp pages + allocated pages.
 * fast_mark[i] == wmark[LOW] + wmark_boost + lowmem_reserve[i] +
 * nr_reserved_highatomic: the order-0 low-watermark test of the fast path
 * is free_pages > fast_mark[i]; whoever changes a term calls
 * zone_update_fast_marks_() (watermark.c).
 * Guarded by lock in threaded mode. The first block of fields is what the
 * fast paths and the buddy loops read on every call; the watermark test's
 * part (free_pages, fast_mark[]) is the first 48 bytes.
 */
struct kmm_zone {
	/* hot */
	uint64_t free_pages;               /* NR_FREE_PAGES (buddy only) */
	uint64_t fast_mark[KMM_NR_ZONES];  /* see above, per highest_zoneidx */
	struct per_cpu_pages *pcp;         /* [nr_cpus] */
	uint8_t *pageblock_mt;             /* the zone's part of k->pageblock_mt */
	kmm_pfn_t start_pfn;               /* zone_start_pfn */
	uint32_t spanned_pages;
	/* the rest */
	struct kmm *sys;
	uint64_t vm_pgalloc;               /* pages allocated from this zone */
	uint8_t node;
	uint8_t idx;                       /* enum kmm_zone_type */
	bool populated;
	uint32_t present_pages;
	uint32_t managed_pages;
	uint64_t wmark[NR_WMARK];
	uint64_t wmark_boost;
	uint64_t lowmem_reserve[KMM_NR_ZONES];
	uint64_t nr_reserved_highatomic;   /* pages in HIGHATOMIC pageblocks */
	struct free_area free_area[KMM_NR_ORDERS];
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

/* ---- the allocation fast path's per-CPU cache ------------------------- */

/*
 * The gfp bits that choose the zone and the free-list type (the four zone
 * modifiers and __GFP_RECLAIMABLE; __GFP_MOVABLE is one of the modifiers).
 * The fast path indexes its per-CPU table with them.
 */
#define FAST_GFP_BITS 5
#define FAST_GFP_MASK ((1u << FAST_GFP_BITS) - 1)
_Static_assert((KMM_GFP_ZONEMASK | KMM___GFP_RECLAIMABLE) == FAST_GFP_MASK,
	       "zone and mobility bits must be the low five gfp bits");

/*
 * For one CPU and one value of gfp & FAST_GFP_MASK under the default or
 * local policy: the preferred zone (the first zone of the CPU's node's
 * zonelist allowed by gfp_zone()), which is where the kernel's fast path
 * looks first, and what an allocation served there must touch. Built by
 * numa.c at create (topology never changes afterwards). An invalid zone
 * combination, no zone at all, or no fast path (k->fast_ok false) names
 * k->fast_none, which fails every watermark test: take the general path.
 * A power-of-two size (32 bytes on LP64), so an entry is found with a shift.
 */
struct fast_alloc {
	struct kmm_zone *zone;
	struct per_cpu_pages *pcp;        /* zone->pcp[cpu] */
	struct list_head *lists;          /* &pcp->lists[migratetype]: order o at lists[3 * o] */
	uint8_t highest_zoneidx;          /* gfp_zone() */
	uint8_t migratetype;              /* gfp_migratetype() */
};

/* Size slots of k->kmalloc_cur (allocators/slab/kmalloc.c checks it fits;
 * 38 are used). 56: the per-CPU page lists are allocated right after
 * struct kmm, and the pcp row of bench_pages moved between 3.97 and
 * 4.65 ns with where they fell mod 4 KiB over six sizes of struct kmm
 * (40 slots was the slowest, 56 and 88 the fastest; cause not found, see
 * docs/benchmarks.md, session 5). */
#define KMM_KMALLOC_CUR_SLOTS 56
struct kmem_cache_cpu;

/* ---- the system ------------------------------------------------------- */

struct kmm {
	/* hot: what every kmm_alloc_pages() / kmm_free_pages() reads first */
	struct kmm_page *pages;            /* [total_pages] */
	uint8_t *pageblock_mt;             /* migrate type of every pageblock, by pfn >> pageblock_order */
	/* The same per pageblock, for the fast free: the pcp array of the
	 * pageblock's zone (NULL without managed pages) with the migrate type
	 * in the low bits, so one load finds both. Written with pageblock_mt
	 * by set_pageblock_migratetype_(). */
	uintptr_t *pageblock_pcp;
	const struct fast_alloc *fast_cur; /* fast[cur_cpu] */
	size_t pcp_cur;                    /* cur_cpu * sizeof(struct per_cpu_pages) */
	uint8_t pcp_tag[KMM_MIGRATE_PCPTYPES][2]; /* { mt, cur_cpu }: a pcp page's migratetype, pcp_cpu */
	kmm_pfn_t total_pages;             /* PFN range, holes included */
	kmm_pfn_t fast_free_pfns;          /* total_pages if fast_ok, else 0: the fast free's bound */
	/* total_pages in the buddy path's mode, else 0; then fast_free_pfns
	 * is 0 (update_fast_bounds_(), pcp.c). */
	kmm_pfn_t direct_pfns;
	unsigned cur_cpu;                  /* simulated current CPU */
	unsigned pageblock_order;
	bool fast_ok;                      /* single-threaded, default/local policy (else fast[] is empty) */
	bool vg_tracking;                  /* running under Valgrind: mempool requests */
	bool tracking;                     /* vg_tracking, or tracepoints set: blocks need events */
	void *arena;                       /* KMM_PAGE_SIZE * total_pages bytes */
	uint64_t vm[KMM_NR_VM_ITEMS];      /* + the pcp fast_alloc / fast_free shares */
	/* the rest */
	struct kmm_config cfg;             /* validated copy, defaults filled in */
	const struct kmm_platform *plat;
	unsigned nr_nodes, nr_cpus;
	struct kmm_node nodes[KMM_MAX_NODES];
	struct kmm_mempolicy policy;
	uint64_t min_free_kbytes;
	uint64_t reports[KMM_NR_REPORT_KINDS];
	uint64_t rng;                      /* splitmix64 state from cfg.seed */
	struct fast_alloc fast[KMM_MAX_CPUS][1u << FAST_GFP_BITS];
	/* What an empty fast[] entry names: no free pages, so the fast path's
	 * watermark test sends the request to the general path. Never written. */
	struct kmm_zone fast_none;
	struct kmm_page_tracepoints tp;    /* kmm_set_page_tracepoints() */
	/* The object allocators (allocators/slab), made on first use
	 * (kmm_slab_system_()); torn down by kmm_destroy. */
	struct kmm_slab_system *slab;
	/* kmalloc's fast table for the current CPU, kept by allocators/slab
	 * (kmalloc.c, kmm_slab_cpu_changed_): per size slot, the current
	 * CPU's SLUB freelist of the kmalloc cache, where the inline fast
	 * path applies; else NULL. Here, not in *slab, so kmalloc finds it
	 * with one load. */
	struct kmem_cache_cpu *kmalloc_cur[KMM_KMALLOC_CUR_SLOTS];
};

/* ---- shared helpers (implemented across the allocators/page files) ---- */

/* allocators/slab: make the object allocators now (kmm_create, threaded
 * systems); NULL when they can't be had. */
struct kmm_slab_system *kmm_slab_system_(struct kmm *k);
/* allocators/slab: k->cur_cpu changed; refresh k->kmalloc_cur (k->slab set). */
void kmm_slab_cpu_changed_(struct kmm *k);
/* allocators/slab: tear down the object allocators (kmm_destroy, k->slab set). */
void kmm_slab_system_destroy_(struct kmm *k);
/* allocators/slab: /proc/slabinfo (kmm_show). 0 or -errno. */
int kmm_slab_show_slabinfo_(struct kmm *k, kmm_write_fn write, void *ctx);
/* allocators/slab: is opt valid slab_debug= syntax? 0, or -1 with the
 * reason in why (kmm_config_validate). */
int kmm_slab_debug_syntax_(const char *opt, char *why, size_t len);
/* allocators/slab: does a user's cfg.slab_ops table have every required
 * hook? 0, or -1 with what it lacks in why (kmm_config_validate). */
int kmm_slab_ops_usable_(const struct kmm_slab_ops *ops, char *why, size_t len);

static inline struct kmm_page *pfn_to_page_(struct kmm *k, kmm_pfn_t pfn) { return &k->pages[pfn]; }
static inline kmm_pfn_t page_to_pfn_(const struct kmm *k, const struct kmm_page *p)
{
	return (kmm_pfn_t)(p - k->pages);
}
/* prep_compound_page(): the head of a block of order >= 1 marked, every
 * other page a tail naming it (the allocation's state is set already). */
static inline void prep_compound_tails_(const struct kmm *k, struct kmm_page *head, unsigned order)
{
	kmm_pfn_t head_pfn = page_to_pfn_(k, head);
	head->flags |= PG_head;
	for (uint32_t i = 1; i < (1u << order); i++) {
		head[i].flags = PG_tail;
		head[i].compound_head = head_pfn;
	}
}
/* The other way, when the block goes back: the tails plain inner pages. */
static inline void clear_compound_tails_(struct kmm_page *head, unsigned order)
{
	for (uint32_t i = 1; i < (1u << order); i++) {
		head[i].flags = 0;
		head[i].compound_head = 0;
	}
}
static inline struct kmm_zone *page_zone_(struct kmm *k, const struct kmm_page *p)
{
	return &k->nodes[p->node].zones[p->zone];
}
/* k->pageblock_pcp: the type sits in the bits the pcp array's alignment
 * leaves free. */
#define PAGEBLOCK_PCP_TYPE_MASK ((uintptr_t)7)
_Static_assert(KMM_MIGRATE_TYPES <= 8 && _Alignof(struct per_cpu_pages) >= 8,
	       "a migrate type fits below a pcp array pointer");
static inline bool zone_spans_pfn_(const struct kmm_zone *z, kmm_pfn_t pfn)
{
	return (kmm_pfn_t)(pfn - z->start_pfn) < z->spanned_pages; /* below the start wraps */
}

/* report.c: formatted report through the sink, counted per kind. */
void kmm_report(struct kmm *k, enum kmm_report_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Count a report without a text (what kmm_report() does with no sink). */
void kmm_report_count_(struct kmm *k, enum kmm_report_kind kind);
/* Is there a sink to read report texts? Without one, reports are only
 * counted and callers may skip building their text. */
static inline bool kmm_report_wanted_(const struct kmm *k)
{
	return k->cfg.sink.emit != NULL;
}
/* A buffer-backed text builder for multi-line reports. */
struct kmm_text {
	char *buf;
	size_t len, cap;
	bool truncated;
};
void kmm_text_printf(struct kmm_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Locking wrappers: no-ops unless cfg.threaded (inline: a predictable
 * branch on the single-threaded fast paths). */
static inline void zone_lock_(struct kmm_zone *z)
{
	struct kmm *k = z->sys;
	if (__builtin_expect(k->cfg.threaded, 0))
		k->plat->lock(k->plat->ctx, &z->lock);
}
static inline void zone_unlock_(struct kmm_zone *z)
{
	struct kmm *k = z->sys;
	if (__builtin_expect(k->cfg.threaded, 0))
		k->plat->unlock(k->plat->ctx, &z->lock);
}

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
/* k->fast[][] from the zonelists and cpu_node[], and k->fast_ok from the
 * policy and the threading mode; after build_zonelists_() and whenever the
 * policy changes. */
void build_fast_alloc_(struct kmm *k);
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

/* pcp.c (used by views.c and page_alloc.c) */
uint64_t zone_pcp_pages_(const struct kmm_zone *z); /* pages on every CPU's pcp of z */
/* The event counters with the pcp fast_alloc / fast_free shares added in
 * (views.c): vm events, a zone's pgalloc, a node's numa counters. */
uint64_t vm_event_total_(const struct kmm *k, enum kmm_vm_item item);
uint64_t zone_pgalloc_total_(const struct kmm_zone *z);
uint64_t numa_stat_total_(const struct kmm *k, int nid, enum kmm_numa_item item);

/* ---- page allocator core (system.c, buddy.c, pcp.c, watermark.c, ...) --- */

#define kmm_likely(x) __builtin_expect(!!(x), 1)
#define kmm_unlikely(x) __builtin_expect(!!(x), 0)

/*
 * Code that only verifies (the invariant walks) or loops over every page:
 * no sanitizer-coverage instrumentation. A fuzzer learns nothing from it
 * (each branch of a check is a pass, or a fail that ends the run; a
 * per-page loop's hit count only echoes the system's size), while its
 * edges are features to book and its comparisons calls into the fuzzer on
 * every execution. KMM_NO_COVERAGE marks a function; a whole file brackets
 * itself with KMM_NO_COVERAGE_BEGIN / _END. clang only; nothing elsewhere.
 */
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(coverage_sanitizer)
#define KMM_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#define KMM_NO_COVERAGE_BEGIN \
	_Pragma("clang attribute push(__attribute__((no_sanitize(\"coverage\"))), apply_to = function)")
#define KMM_NO_COVERAGE_END _Pragma("clang attribute pop")
#endif
#endif
#ifndef KMM_NO_COVERAGE
#define KMM_NO_COVERAGE
#define KMM_NO_COVERAGE_BEGIN
#define KMM_NO_COVERAGE_END
#endif

/*
 * KMM_NO_SANITIZE: a loop over the system's own arrays (the struct page
 * array, pageblock and fast-path tables, list heads) at indices bounded
 * before use runs without ASan's per-access shadow tests and UBSan's
 * pointer-overflow tests, which would be most of its cost and say nothing
 * about the allocator's state (check.c's walks, system.c's boot fills).
 * Code that follows pointers read from memory keeps them.
 */
#if defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define KMM_NO_SANITIZE __attribute__((no_sanitize("address", "undefined")))
#endif
#endif
#ifndef KMM_NO_SANITIZE
#define KMM_NO_SANITIZE
#endif

/*
 * alloc_flags, the kernel's ALLOC_* (mm/internal.h), same bit values. The low
 * two bits index zone->wmark[]; ALLOC_RESERVES gives access to reserves (the
 * highatomic pageblocks are not subtracted from the free count).
 */
enum {
	ALLOC_WMARK_MIN = WMARK_MIN,
	ALLOC_WMARK_LOW = WMARK_LOW,
	ALLOC_WMARK_HIGH = WMARK_HIGH,
	ALLOC_NO_WATERMARKS = 0x04,
	ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1,
	ALLOC_OOM = 0x08,
	ALLOC_NON_BLOCK = 0x10,   /* caller cannot sleep (no __GFP_DIRECT_RECLAIM) */
	ALLOC_MIN_RESERVE = 0x20, /* __GFP_HIGH: may dip to min/2 */
	ALLOC_CPUSET = 0x40,
	ALLOC_NOFRAGMENT = 0x100,
	ALLOC_HIGHATOMIC = 0x200, /* non-blocking order > 0: may use/reserve highatomic blocks */
	ALLOC_KSWAPD = 0x800,     /* __GFP_KSWAPD_RECLAIM: may wake kswapd */
	ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM,
};

static inline bool migratetype_is_mergeable_(int mt) { return mt < KMM_MIGRATE_PCPTYPES; }

/* Pageblock migrate types, indexed from the zone start (zones are MAX_ORDER
 * aligned, so zone-relative and absolute pageblock boundaries coincide). */
static inline int get_pageblock_migratetype_(const struct kmm_zone *z, kmm_pfn_t pfn)
{
	return z->pageblock_mt[(pfn - z->start_pfn) >> z->sys->pageblock_order];
}
static inline void set_pageblock_migratetype_(struct kmm_zone *z, kmm_pfn_t pfn, int mt)
{
	struct kmm *k = z->sys;
	z->pageblock_mt[(pfn - z->start_pfn) >> k->pageblock_order] = (uint8_t)mt;
	k->pageblock_pcp[pfn >> k->pageblock_order] = (uintptr_t)z->pcp | (uintptr_t)mt;
}

/* Event counters: plain adds single-threaded, relaxed atomics with threads
 * (the counters are shared by every zone and CPU). */
static inline void count_vm_(struct kmm *k, enum kmm_vm_item item, uint64_t n)
{
	if (kmm_unlikely(k->cfg.threaded))
		__atomic_fetch_add(&k->vm[item], n, __ATOMIC_RELAXED);
	else
		k->vm[item] += n;
}

/* The simulated CPU of the caller: k->cur_cpu, or the platform's per-thread
 * slot in threaded mode (folded into range). */
unsigned kmm_current_cpu_slow_(const struct kmm *k);
static inline unsigned current_cpu_(const struct kmm *k)
{
	if (kmm_likely(!k->cfg.threaded))
		return k->cur_cpu;
	return kmm_current_cpu_slow_(k);
}

/* buddy.c: the free lists; callers hold zone->lock. The inner loops are
 * inline in freelist.h; these are their out-of-line entries. */
void __free_one_page_(struct kmm_zone *z, kmm_pfn_t pfn, unsigned order, int mt);
struct kmm_page *__rmqueue_smallest_(struct kmm_zone *z, unsigned order, int mt);
struct kmm_page *__rmqueue_(struct kmm_zone *z, unsigned order, int mt, unsigned alloc_flags);
/* __rmqueue_fallback(): mt's lists had nothing; another type's block, maybe
 * with its pageblock claimed. */
struct kmm_page *__rmqueue_fallback_(struct kmm_zone *z, unsigned order, int start_mt, unsigned alloc_flags);
void change_pageblock_range_(struct kmm_zone *z, kmm_pfn_t pfn, unsigned order, int mt);
void reserve_highatomic_pageblock_(struct kmm_zone *z, kmm_pfn_t pfn, unsigned order);
/* Takes the zone locks itself. Returns true when a pageblock was given back. */
bool unreserve_highatomic_pageblock_(struct kmm *k, const struct alloc_context *ac, bool force);

/* pcp.c */
void pcp_update_(struct kmm_zone *z);  /* high/batch from the watermarks or config */
/* k->fast_free_pfns and k->direct_pfns from fast_ok, the pcp sizes, the
 * tracking mode and the debug level; after any of them changes. */
void update_fast_bounds_(struct kmm *k);
/* The (order, mt) pcp list of cpu is empty: refill it with up to a batch of
 * blocks from the buddy lists and take the first (rmqueue_bulk() and the
 * pop of __rmqueue_pcplist()). The block comes back off every list, its
 * state not yet set; NULL if the buddy lists had nothing. zone->lock held. */
struct kmm_page *rmqueue_pcp_refill_(struct kmm_zone *z, struct per_cpu_pages *pcp, unsigned cpu,
				     unsigned order, int mt, unsigned alloc_flags);
/* Give count pages back to the buddy lists round-robin, the list at pindex
 * first; zone->lock held. */
void free_pcppages_bulk_(struct kmm_zone *z, struct per_cpu_pages *pcp, uint32_t count, unsigned pindex);
void drain_zone_pages_(struct kmm_zone *z, unsigned cpu); /* zone->lock held */

/* watermark.c */
void setup_per_zone_wmarks_(struct kmm *k);        /* min_free_kbytes, min/low/high */
void setup_per_zone_lowmem_reserve_(struct kmm *k);
bool __zone_watermark_ok_(const struct kmm_zone *z, unsigned order, uint64_t mark,
			  int highest_zoneidx, unsigned alloc_flags, int64_t free_pages);
bool zone_watermark_ok_(const struct kmm_zone *z, unsigned order, uint64_t mark,
			int highest_zoneidx, unsigned alloc_flags);
/* Watermark boost on a fallback steal (boost_watermark()). */
bool boost_watermark_(struct kmm_zone *z);
/* Recompute z->fast_mark[] after a change to the low watermark, the boost,
 * lowmem_reserve or the highatomic reserve. */
void zone_update_fast_marks_(struct kmm_zone *z);
/* The block half of __zone_watermark_ok() for order > 0: a free block of
 * order or more on a list the caller may use. */
static inline bool zone_has_free_block_(const struct kmm_zone *z, unsigned order, unsigned alloc_flags)
{
	bool ha = alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM);
	for (unsigned o = order; o < KMM_NR_ORDERS; o++) {
		const struct free_area *area = &z->free_area[o];
		uint64_t usable = area->nr_free - area->nr_free_mt[KMM_MIGRATE_ISOLATE];
		if (!ha)
			usable -= area->nr_free_mt[KMM_MIGRATE_HIGHATOMIC];
		if (usable)
			return true;
	}
	return false;
}

/*
 * zone_watermark_fast(): the order-0 case is one compare. mark already
 * includes the boost. zone->lock held in threaded mode.
 */
static inline bool zone_watermark_fast_(const struct kmm_zone *z, unsigned order, uint64_t mark,
					int highest_zoneidx, unsigned alloc_flags)
{
	if (kmm_likely(order == 0)) {
		int64_t usable = (int64_t)z->free_pages;
		if (!(alloc_flags & ALLOC_RESERVES))
			usable -= (int64_t)z->nr_reserved_highatomic;
		if (usable > (int64_t)(mark + z->lowmem_reserve[highest_zoneidx]))
			return true;
	}
	return zone_watermark_ok_(z, order, mark, highest_zoneidx, alloc_flags);
}

/* report.c: a failed KMM_ASSERT (see assert.h). */
void kmm_assert_fail_(struct kmm *k, const char *expr, const char *file, int line);

#endif
