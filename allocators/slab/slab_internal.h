/* SPDX-License-Identifier: MIT */
/*
 * Private contracts of the object allocators (allocators/slab).
 *
 * Files and their one job each:
 *   slab_common.c  cache create / destroy / merge, the public kmem_cache
 *                  entry points, slab page alloc/free helpers, RCU deferral,
 *                  the lazily made per-system state (kmm_slab_system_)
 *   kmalloc.c      size classes, size_index, kmalloc families, large
 *                  kmalloc, krealloc, ksize, kfree's pointer classification
 *   slabinfo.c     /proc/slabinfo 2.1 and kmm_cache_info
 *   layout.c       object layout (the kernel's calculate_sizes)
 *   debug.c        slab_debug: red zones, poison, tracks, validate, reports
 *   debug_parse.c  the slab_debug= option
 *   slub.c slab.c slob.c   one backend each, exporting only its ops table
 *                  (SLUB spread over slub.c, slub_cache.c, slub_check.c;
 *                  its single-threaded fast paths are inline in
 *                  slub_internal.h for kmalloc.c and slab_common.c)
 *
 * Layering: the public entry points (slab_common.c, kmalloc.c) check their
 * arguments, run the debug hooks (debug.c) around the backend's alloc and
 * free when the cache has debug flags, and reach the backend only through
 * struct kmm_slab_ops. Backends get slab pages only through
 * slab_alloc_pages_() / slab_free_pages_() below.
 *
 * Lock order (threaded mode): cache-list lock -> a backend's per-cache
 * locks (per-CPU before per-node) -> zone->lock (inside the page allocator).
 */
#ifndef KMM_SLAB_INTERNAL_H
#define KMM_SLAB_INTERNAL_H

#include <kmm/kmm.h>

#include "../page/internal.h"

/* ---- object layout (layout.c) -------------------------------------------
 *
 * One object slot of `size` bytes, offsets from the slot start:
 *
 *   [ left red zone: red_left_pad ]                       (Z only)
 *   obj -> [ object: object_size ][ right red zone up to inuse ]
 *          [ free pointer, when it can't live inside the object ]
 *          [ alloc track ][ free track ]                  (U only)
 *          [ orig_size: the kmalloc request, uint32_t ]   (Z or U on a kmalloc cache)
 *          [ padding to align, POISON_INUSE under debug ]
 *
 * Offsets below named "from obj" count from the object start (slot start +
 * red_left_pad), as the kernel's do. Invariants: obj % align == 0 whenever
 * the slot start is size-aligned from an aligned base; object_size <= inuse
 * <= size; the free pointer word [offset, offset + 8) is inside the object
 * (offset + 8 <= object_size, chosen as ALIGN_DOWN(object_size / 2, 8);
 * an object under 8 bytes has it at 0, inside inuse) unless the object must keep its contents while free (P, a ctor,
 * TYPESAFE_BY_RCU) or Z is on, in which case offset == inuse (outside).
 */
struct kmm_obj_layout {
	unsigned object_size;   /* as created (kmalloc: the class size) */
	unsigned size;          /* slot stride, a multiple of align */
	unsigned align;         /* >= 8, a power of two */
	unsigned red_left_pad;  /* Z: bytes before obj, a multiple of align; else 0 */
	unsigned inuse;         /* from obj: end of object + right red zone */
	unsigned offset;        /* from obj: SLUB's free pointer word */
	unsigned track_offset;  /* from obj: two struct kmm_slab_track; 0 = none */
	unsigned orig_size_offset; /* from obj: uint32_t kmalloc request; 0 = none */
	unsigned meta_end;      /* from obj: end of metadata (padding follows) */
};

/* The kernel's calculate_alignment() then calculate_sizes(): flags are the
 * effective KMM_SLAB_* (debug included), kmalloc says whether orig_size is
 * kept. 0, or -EINVAL when the slot would exceed KMM_KMALLOC_MAX_SIZE. */
int slab_layout_(struct kmm_obj_layout *l, unsigned object_size, unsigned align, unsigned flags,
		 bool has_ctor, bool kmalloc);
/* calculate_alignment() alone (cache merging needs it): a power of two >= 8. */
unsigned slab_calculate_alignment_(unsigned flags, unsigned align, unsigned size);

/* ---- struct kmm_cache (slab_common.c owns it) ---------------------------- */

#define SLAB_TRACK_FRAMES 6
/* One U record (the kernel's struct track). */
struct kmm_slab_track {
	uintptr_t addr;                      /* call site (0: never) */
	uintptr_t frames[SLAB_TRACK_FRAMES]; /* platform backtrace, 0-terminated */
	uint64_t when;                       /* simulated jiffies (ss->jiffies) */
	uint32_t cpu;
	uint32_t pid;                        /* always 0: one simulated task */
};

/* Private flag bits of kmm_cache.flags (above KMM_SLAB_CREATE_MASK). */
#define SLAB_KMALLOC_ (1u << 24) /* a kmalloc-* cache */
#define SLAB_DYING_ (1u << 25)   /* destroy failed with live objects: kept, off the merge list */
/* Single-threaded SLUB and no debug flags (fixed at creation, as both are):
 * the fast paths pop and push SLUB's CPU freelist inline (ss->slub_local). */
#define SLAB_SLUB_LOCAL_ (1u << 26)

/*
 * Invariants: flags & KMM_SLAB_DEBUG_FLAGS is fixed at creation (from the
 * creator's flags and slab_debug=); the layout never changes, except that
 * merging an alias grows l.object_size and l.inuse up to at most l.size
 * (merged caches have no debug flags, so nothing sits there); refcount >= 1
 * (aliases share one cache); backend is the backend's (cache_open sets it,
 * cache_release frees it); name is NUL-terminated.
 */
struct kmem_cache_cpu; /* SLUB's (slub_internal.h) */

struct kmm_cache {
	void *backend;              /* first: the backend's per-cache state (hot) */
	/* SLAB_SLUB_LOCAL_ caches: the current CPU's struct kmem_cache_cpu,
	 * refreshed for every cache on kmm_set_cpu (kmm_slab_cpu_changed_);
	 * NULL otherwise. One load for the inline fast paths. */
	struct kmem_cache_cpu *backend_cpu;
	unsigned flags;             /* KMM_SLAB_* effective | SLAB_*_ private bits */
	struct kmm_obj_layout l;    /* l.size, l.object_size, ... */
	void (*ctor)(void *obj);
	kmm_gfp_t allocflags;       /* added to every slab page allocation: DMA/DMA32/RECLAIMABLE */
	unsigned kmalloc_type;      /* enum slab_kmalloc_type_ (kmalloc caches) */
	unsigned kmalloc_index;     /* class index (kmalloc caches) */
	unsigned useroffset_unused; /* keeps the struct honest about padding; always 0 */
	int refcount;               /* 1 + merged aliases */
	struct list_head list;      /* ss->caches, creation order */
	char name[KMM_CACHE_NAME_MAX];
	uint32_t random_seed;       /* derived from the system seed and the cache's creation index */
};

static inline bool slab_debug_on_(const struct kmm_cache *s)
{
	return (s->flags & KMM_SLAB_DEBUG_FLAGS) != 0;
}
/* The object of slot i of a run of slots starting at `first` (slot start). */
static inline void *slab_slot_object_(const struct kmm_cache *s, void *first, unsigned i)
{
	return (char *)first + (size_t)i * s->l.size + s->l.red_left_pad;
}

/* ---- the backend interface ------------------------------------------------
 *
 * What a backend (slub.c, slab.c, slob.c, or a user's own through
 * cfg.slab_ops) provides. Every hook gets a cache whose layout, flags and
 * ctor are set. Hooks marked optional may be NULL.
 *
 * Object states as a backend sees them: allocated (handed to a user) or
 * free (on any freelist, per-CPU cache, array cache or free block). The
 * common layer has already checked, for free: obj lies in a slab page
 * owned by s (or, for SLOB, in a SLOB page) and, with debug flags, on an
 * object boundary and not already free. Without debug flags a backend may
 * trust its input (as the kernel's fast paths do) but must not crash on
 * the misuses the common layer lets through; SLUB's hardened freelist
 * still catches the naive double free ("double free detected").
 */
struct kmm_slab_walk {
	struct kmm_page *slab;  /* head page */
	char *base;             /* its address */
	size_t bytes;           /* PAGE_SIZE << order */
	char *first;            /* slot 0's start */
	unsigned nr_objects;    /* slots in this slab */
	/* Padding the debug layer fills with POISON_INUSE and checks
	 * (slab_pad_check): the slab bytes that belong to no slot and no
	 * backend metadata; empty (pad_start == pad_end) allowed. */
	char *pad_start, *pad_end;
};
typedef int (*slab_walk_fn)(struct kmm *k, struct kmm_cache *s, const struct kmm_slab_walk *w, void *ctx);

struct kmm_slab_ops {
	const char *name; /* "slub", "slab", "slob" */

	/* System state (ss->backend): made on first use, torn down at
	 * kmm_destroy after every cache was released. 0 or -ENOMEM. */
	int (*init)(struct kmm *k);
	void (*fini)(struct kmm *k);

	/* Cache lifetime. cache_open: compute order / objects per slab,
	 * make per-CPU and per-node state; 0 or -errno (then the cache is
	 * not created). cache_shutdown: flush every CPU, free every slab
	 * that holds no allocated object; return the number of allocated
	 * objects left (0: the cache is empty and holds no pages).
	 * cache_release: free the backend state (after a 0 shutdown; and
	 * at kmm_destroy also after a non-zero one: then live objects and
	 * their slabs are dropped with the arena, and release must free the
	 * backend's metadata without touching them). */
	int (*cache_open)(struct kmm *k, struct kmm_cache *s);
	unsigned long (*cache_shutdown)(struct kmm *k, struct kmm_cache *s);
	void (*cache_release)(struct kmm *k, struct kmm_cache *s);

	/* One object, or NULL when no slab page can be had. node < 0: any
	 * (the current CPU's node first). Never zeroes, never runs debug
	 * hooks; runs s->ctor on every object of a new slab. */
	void *(*alloc)(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node);
	/* Give back an allocated object of slab (its head page). */
	void (*free)(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj);
	/* Optional: alloc / free for the common layer's fast paths (kmalloc,
	 * kfree, kmem_cache_alloc / free), called only on systems without
	 * cfg.threaded, for caches without debug flags, with node -1 and a
	 * gfp without __GFP_ZERO or bits slab_fix_gfp_() drops. Same effect
	 * as alloc / free; they may skip the tests those conditions settle. */
	void *(*alloc_fast)(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node);
	void (*free_fast)(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj);
	/* Optional: all-or-nothing bulk (else the common layer loops). */
	size_t (*alloc_bulk)(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, size_t nr, void **p);
	void (*free_bulk)(struct kmm *k, struct kmm_cache *s, size_t nr, void **p);

	/* Flush per-CPU state and free empty slabs beyond what the backend
	 * keeps by policy (kmem_cache_shrink frees them all). 0. */
	int (*shrink)(struct kmm *k, struct kmm_cache *s);
	/* Optional, SLOB: give back the free memory no one cache owns (the
	 * heap's spare page); kmm_slab_shrink_all() calls it once. */
	void (*shrink_shared)(struct kmm *k);
	/* Optional: periodic reaping (SLAB's cache_reap). */
	void (*reap)(struct kmm *k, struct kmm_cache *s);

	/* Structural walk (see kmm_cache_check); violations reported with
	 * slab_check_violation_(). Returns their number. */
	long (*check)(struct kmm *k, struct kmm_cache *s);

	/* For the debug layer and kfree's checks. */
	/* Visit every slab of s (full, partial, per-CPU, free); stop early
	 * when fn returns non-zero and return that. */
	int (*for_each_slab)(struct kmm *k, struct kmm_cache *s, slab_walk_fn fn, void *ctx);
	/* Is obj (an object start inside slab) free from the user's view? */
	bool (*object_is_free)(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj);
	/* Slot 0's start of slab (SLAB colours it); objects per slab. */
	char *(*slab_first)(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab);
	/* Counters and statistics for kmm_cache_info / slabinfo: fills
	 * active_objs, num_objs, active_slabs, num_slabs, objs_per_slab,
	 * pages_per_slab and the backend statistics. */
	void (*info)(struct kmm *k, struct kmm_cache *s, struct kmm_cache_info *out);
	/* Optional: slabinfo's tunables (limit, batchcount, sharedfactor). */
	void (*tunables)(struct kmm *k, struct kmm_cache *s, unsigned *limit, unsigned *batch,
			 unsigned *shared);
	/* Optional: slabinfo's <sharedavail> (SLAB: objects in the shared
	 * array caches of every node); 0 when NULL. */
	uint64_t (*shared_avail)(struct kmm *k, struct kmm_cache *s);

	/* Optional, SLOB: kmalloc without size classes. When set, kmalloc.c
	 * sends every kmalloc / kfree / ksize of a SLOB-owned pointer here
	 * (large kmallocs still go to the page allocator directly). */
	void *(*kmalloc)(struct kmm *k, size_t size, kmm_gfp_t gfp, int node);
	void (*kfree)(struct kmm *k, struct kmm_page *page, void *obj);
	size_t (*ksize)(struct kmm *k, struct kmm_page *page, const void *obj);
	/* Optional, SLOB: own validate (else debug.c walks for_each_slab). */
	long (*validate)(struct kmm *k, struct kmm_cache *s);
	/* Optional, SLOB: is ptr exactly an allocated block start (kfree /
	 * cache_free of a SLOB pointer)? */
	bool (*owns_object)(struct kmm *k, struct kmm_cache *s, struct kmm_page *page, const void *ptr);
	/* Optional, SLOB: kmm_rcu_barrier() ends the grace period of what the
	 * backend deferred itself (SLOB defers TYPESAFE_BY_RCU blocks, not
	 * slab pages); called before the deferred slab pages are freed. */
	void (*rcu_barrier)(struct kmm *k);
	/* Optional, SLOB: the structural walk of what no one cache owns (the
	 * shared heap), reported like check's; kmm_cache_check() and
	 * kmm_slab_check() run it once each, check(k, s) then covers only
	 * the cache's own state. Returns the violations. */
	long (*check_shared)(struct kmm *k);

	/* Optional, debug (backends whose freelist runs through the objects,
	 * SLUB): validate's per-slab freelist walk, the kernel's
	 * on_freelist(s, slab, NULL), run before the object checks. Reports
	 * and repairs a chain leaving the slab or its object boundaries
	 * (slab_object_err_(.., "Freechain corrupt", NULL) on the last good
	 * object, whose pointer then ends the chain; slab_err_(..,
	 * "Freelist cleared", "Freepointer corrupt") when the head itself is
	 * bad) and counters the walk disagrees with (slab_err_(.., "Object
	 * count adjusted", "Wrong object count. Counter is %d but counted
	 * were %d", ...)). Returns the errors as the kernel's kunit counting
	 * has them: 1 per BUG report, 1 more per FIX line. Sets *cleared when
	 * the whole freelist had to be dropped (on_freelist() returning 0):
	 * the slab's objects are then not checked. */
	long (*validate_freelist)(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, bool *cleared);
	/* Optional, debug: check_object()'s free pointer test. Is the free
	 * pointer kept in obj NULL or an object of slab? Asked for free
	 * objects, and for allocated ones when the word lies outside the
	 * object (l.offset >= l.inuse: the kernel leaves the last value
	 * there, so a backend that reuses the word must answer true). When
	 * bad and zap is set: make it NULL (end the chain) and return false.
	 * debug.c reports "Freepointer corrupt" (1 error) and zaps. */
	bool (*freeptr_ok)(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj, bool zap);
	/* Debug: true when the backend never writes an outside free-pointer
	 * word (l.offset >= l.inuse), as SLAB, which keeps its free slots in
	 * an index array. debug.c then checks that word as padding
	 * (POISON_INUSE with P), so an overrun past the object lands on
	 * checked bytes there too. */
	bool no_freeptr;
};

extern const struct kmm_slab_ops kmm_slub_ops;
extern const struct kmm_slab_ops kmm_slab_ops;
extern const struct kmm_slab_ops kmm_slob_ops;

/* ---- the per-system state (slab_common.c) -------------------------------- */

/* kmalloc families (the kernel's enum kmalloc_cache_type). */
enum slab_kmalloc_type_ {
	KMALLOC_NORMAL_,
	KMALLOC_RECLAIM_,
	KMALLOC_DMA_,
	NR_KMALLOC_TYPES_
};
/* Class indexes as the kernel's kmalloc_index(): 1 = 96, 2 = 192,
 * 3 = 8, 4 = 16 ... 13 = 8192. */
#define KMALLOC_SHIFT_LOW_ 3
#define KMALLOC_SHIFT_HIGH_ 13
#define NR_KMALLOC_INDEX_ (KMALLOC_SHIFT_HIGH_ + 1)

struct slab_debug_rule_; /* debug_parse.c */

struct kmm_slab_system {
	const struct kmm_slab_ops *ops;
	void *backend;                       /* ops->init's state */
	struct kmm_cache *kmalloc_caches[NR_KMALLOC_TYPES_][NR_KMALLOC_INDEX_]; /* NULL: not made yet */
	uint8_t size_index[24];              /* class index for sizes 8..192, by (size - 1) / 8 */
	struct list_head caches;             /* every live cache, creation order */
	unsigned nr_caches_created;          /* for random_seed */
	uint64_t jiffies;                    /* simulated time: +1 per alloc / free call on a debug cache */
	/* Slab pages of TYPESAFE_BY_RCU caches waiting for kmm_rcu_barrier
	 * (linked by page->lru; order in page->slab.extra). */
	struct list_head rcu_pending;
	uint64_t slab_pages;                 /* pages held: slabs, large kmallocs, rcu_pending */
	struct kmm_lock lock;                /* threaded: caches list, merging, aliases */
	/* threaded: rcu_pending only; a leaf lock (slab_free_pages_ takes it
	 * under a backend's locks). */
	struct kmm_lock rcu_lock;
	/* slab_debug= parsed (debug_parse.c): which caches get which flags. */
	unsigned nr_debug_rules;
	struct slab_debug_rule_ *debug_rules;
	/* kmalloc's fast path (kmalloc.c): the KMALLOC_NORMAL_ cache for
	 * (size - 1) / 8 (sizes <= 192) and for fls(size - 1) (193..8192),
	 * set only where that cache exists, has no debug flags and the
	 * backend has no ops->kmalloc, in single-threaded systems; NULL sends
	 * the call to the general path. alloc / free are what the fast paths
	 * call (node -1, no debug flags): ops->alloc_fast / ops->free_fast on
	 * single-threaded systems whose backend has them, else ops->alloc /
	 * ops->free; the general paths call ss->ops->alloc / ->free. */
	struct kmm_cache *kmalloc_small[24];
	struct kmm_cache *kmalloc_fast[NR_KMALLOC_INDEX_];
	void *(*alloc)(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node);
	void (*free)(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj);
	/* Single-threaded SLUB: the fast paths inline SLUB's freelist pop and
	 * push (slub_alloc_local_ / slub_free_local_, slub_internal.h)
	 * instead of calling alloc / free. */
	bool slub_local;
	/* SLUB only (NULL otherwise), one entry per PFN: for a tail page of
	 * a live SLUB slab, how many pages before it the slab's head is; 0
	 * for every other page. kfree finds a slab's head from any of its
	 * pages without reading the tail's struct page (slub_cache.c keeps
	 * it: set when a slab is made, cleared before its pages go back). */
	uint16_t *slub_head_off;
	/* Names of merged caches (struct slab_alias_, below; made in slab_create.c), for
	 * kmm_find_cache; newest first. */
	struct list_head aliases;
};

/* kmm_slab_system_(k), the system's slab state made on first use, is
 * declared in ../page/internal.h (kmm_create makes it eagerly for threaded
 * systems): NULL when it can't be had, and the caller fails as if out of
 * memory. */

/* ---- services of slab_common.c to the backends --------------------------- */

/*
 * A new slab: 2^order pages (compound when order > 0) for s on node (< 0:
 * the task's memory policy, as the kernel's alloc_slab_page() calls
 * alloc_pages(); >= 0: that node only, __GFP_THISNODE), gfp masked to what
 * slabs may use (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK: zone and mobility
 * come from the cache) plus s->allocflags. Sets PG_slab
 * and page->slab.cache = s, zeroes the rest of page->slab, and, with debug,
 * fills the whole block with POISON_INUSE (the backend then inits each
 * object with slab_debug_init_object_()). NULL when the page allocator
 * fails. s NULL: a page of SLOB's shared heap (the caller's gfp keeps its
 * zone and mobility bits; no debug fill), freed at once by
 * slab_free_pages_(k, NULL, ...).
 */
struct kmm_page *slab_alloc_pages_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node,
				   unsigned order);
/* Give a slab's pages back (TYPESAFE_BY_RCU caches: after the next grace
 * period). Clears PG_slab. */
void slab_free_pages_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, unsigned order);
/* The head page of the block holding addr; NULL outside the arena or on a
 * free page. */
struct kmm_page *slab_virt_to_head_(struct kmm *k, const void *addr);
/* Report one structural violation (KMM_REPORT_CHECK) from a check walk. */
void slab_check_violation_(struct kmm *k, struct kmm_cache *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The system's PRNG stream for a cache (freelist shuffles, hardening keys):
 * splitmix64 over cfg.seed and s->random_seed, advanced by the caller. */
uint64_t slab_random_(uint64_t *state);

/* ---- debug.c: the hooks the common layer runs ---------------------------- */

/* After a backend handed out obj (debug caches): sanity (F), poison and
 * red zone checks of a free object (report + repair), then mark it active
 * (red zones 0xcc, the kmalloc tail past orig_size 0xcc with Z), record
 * orig_size and the alloc track. orig_size is the request (object_size for
 * cache allocs). */
void slab_debug_alloc_(struct kmm *k, struct kmm_cache *s, void *obj, size_t orig_size, uintptr_t caller);
/* Before a backend takes obj back. Returns false (reported, nothing to
 * free) when obj is not an object of s on a boundary (F: "Invalid object
 * pointer"), or already free ("Object already free"). Otherwise checks the
 * red zones (report + repair), poisons (P), marks red zones inactive,
 * records the free track, returns true. */
bool slab_debug_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj, uintptr_t caller);
/* A new slab's object, before the ctor: poison (P), red zones inactive. */
void slab_debug_init_object_(struct kmm *k, struct kmm_cache *s, void *obj);
/* validate_slab_cache(): error count (each reported and repaired). */
long slab_debug_validate_(struct kmm *k, struct kmm_cache *s);
/* The effective debug flags slab_debug= gives a cache of this name. */
unsigned slab_debug_flags_for_(struct kmm *k, const char *name);
/* Parse cfg.slab_debug into ss->debug_rules. 0 or -EINVAL / -ENOMEM. */
int slab_debug_parse_(struct kmm *k, struct kmm_slab_system *ss, const char *opt);
void slab_debug_rules_free_(struct kmm *k, struct kmm_slab_system *ss);
/* "BUG <cache>: <what>" + "-----" banner, then the caller's INFO lines, as
 * one report (kmm_text). debug.c's reporting, also for the backends' own
 * findings (SLUB's "double free detected", SLOB's checks). The formatted
 * text's first line is <what>; any further lines are the INFO lines.
 * slab_fix_ is "FIX <cache>: ..." as a report of its own. */
void slab_bug_(struct kmm *k, struct kmm_cache *s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void slab_fix_(struct kmm *k, struct kmm_cache *s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * The kernel's report helpers, each ONE report (KMM_REPORT_SLAB) with the
 * FIX line inside when fix != NULL. In validate's count (the kernel's
 * kunit counting) each BUG is 1 error and each FIX line 1 more.
 *  - slab_object_err_: object_err(): "BUG <cache>: <reason>", then the
 *    object's trailer (alloc/free tracks with U, "INFO: Slab ...",
 *    "INFO: Object ... @offset=... fp=...", hex dumps of the red zones,
 *    the object and the padding).
 *  - slab_err_: slab_err(): "BUG <cache>: <message>", "INFO: Slab ...".
 *  - slab_check_bytes_: check_bytes_and_report(): true when
 *    [start, start + bytes) all hold value; else "BUG <cache>: <what>
 *    overwritten", "INFO: 0x<first>-0x<last> @offset=<from the slab
 *    start>. First byte 0x.. instead of 0x..", obj's trailer (when obj is
 *    not NULL), "FIX <cache>: Restoring <what> 0x..-0x..=0x..", the bytes
 *    restored, false returned (2 errors). For SLOB too: slab may be NULL
 *    in slab_object_err_ / slab_err_ (the block holding obj is found),
 *    and s may be NULL for blocks of no cache (named "kmalloc").
 */
void slab_object_err_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj,
		      const char *reason, const char *fix);
void slab_err_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
bool slab_check_bytes_(struct kmm *k, struct kmm_cache *s, const char *what, const void *obj, const void *start,
		       uint8_t value, size_t bytes);
/* kmalloc.c on debug kmalloc caches (orig_size kept: l.orig_size_offset):
 * the request recorded at alloc (l.object_size when none is kept); ksize()
 * hands the whole class to the user (orig_size = object_size, the kernel's
 * skip_orig_size_check); krealloc() in place records the new request and,
 * with Z, red-zones [new_size, object_size) again. kzalloc / __GFP_ZERO on
 * a Z kmalloc cache must zero only orig_size bytes (the tail is red zone). */
size_t slab_debug_orig_size_(struct kmm *k, struct kmm_cache *s, const void *obj);
/* check_object() for a backend's own validate (SLOB): obj's red zones,
 * kmalloc tail, poison and padding against its state, each finding
 * reported and repaired; returns the errors (kunit counting). Backends
 * with owns_object (SLOB) keep no free objects, so slab_debug_alloc_
 * checks nothing before marking a new object active. */
long slab_debug_check_object_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj, bool active);
void slab_debug_ksize_(struct kmm *k, struct kmm_cache *s, void *obj);
void slab_debug_krealloc_(struct kmm *k, struct kmm_cache *s, void *obj, size_t new_size);

/* The free fast paths' virt_to_head_page() for off (an offset inside the
 * arena): slab_virt_to_head_ without its range and PG_allocated tests
 * (the callers test the range, then PG_slab). */
static inline struct kmm_page *slab_fast_head_(struct kmm *k, uintptr_t off)
{
	struct kmm_page *page = &k->pages[off >> KMM_PAGE_SHIFT];
	if (page->flags & PG_tail)
		page = &k->pages[page->compound_head];
	return page;
}

/* ---- between slab_common.c and kmalloc.c ---------------------------------- */

/* kmalloc.c, for slab_common.c: fill ss->size_index and, on threaded
 * systems, make every kmalloc cache of every family now (single-threaded
 * systems make each on its first use). 0 or -ENOMEM. */
int kmalloc_caches_init_(struct kmm *k, struct kmm_slab_system *ss);
/* kmalloc.c: a kmalloc too big for the size classes: compound pages with
 * PG_large_kmalloc on the head (kfree / ksize know them). Also for SLOB's
 * ops->kmalloc, for requests it does not fit in a page. */
void *kmalloc_large_(struct kmm *k, size_t size, kmm_gfp_t gfp, int node);

/* slab_common.c, for kmalloc.c: make a cache without the public argument
 * checks or merging; id seeds random_seed. Caller holds ss->lock when
 * threaded. NULL (with the kernel's "kmem_cache_create(<name>) failed with
 * error <errno>" warning) when memory or cache_open fails. */
struct kmm_cache *slab_cache_create_(struct kmm *k, struct kmm_slab_system *ss, const char *name,
				     unsigned size, unsigned align, unsigned flags, void (*ctor)(void *),
				     uint32_t id);
/* The general allocation: backend alloc, debug hook (orig_size: the
 * request), __GFP_ZERO. node < 0: any. NULL on failure. */
void *slab_alloc_node_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node, size_t orig_size,
		       uintptr_t caller);
/* The general free of obj, an object of s in slab (its head page):
 * debug hook, then the backend. */
void slab_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj, uintptr_t caller);
/* The kernel's slab_ksize(): usable bytes of an object of s. */
size_t slab_ksize_(const struct kmm_slab_system *ss, const struct kmm_cache *s);
/* A misused pointer (KMM_REPORT_SLAB): "<fn>: invalid pointer ...: why". */
void slab_invalid_pointer_(struct kmm *k, const char *fn, const void *p, const char *why);
/* The GFP_SLAB_BUG_MASK fix-up: warn (KMM_REPORT_WARNING) and drop the
 * bits a slab allocation may not carry (__GFP_DMA32, __GFP_HIGHMEM,
 * unknown bits). */
kmm_gfp_t slab_fix_gfp_(struct kmm *k, kmm_gfp_t gfp);
/* gfp bits the slab layer refuses, and what kmalloc's fast path leaves to
 * the general one (zeroing, other families, the fix-up). */
#define SLAB_GFP_BUG_MASK (KMM___GFP_DMA32 | KMM___GFP_HIGHMEM | ~KMM___GFP_BITS_MASK)
#define KMALLOC_SLOW_GFP_ (SLAB_GFP_BUG_MASK | KMM___GFP_ZERO | KMM___GFP_DMA | KMM___GFP_RECLAIMABLE)

/* Simulated time: +1 per allocation or free call on a cache with debug
 * flags (what U tracks' age counts; nothing else reads it, so the fast
 * paths, which never see a debug cache, do not tick). */
static inline void slab_tick_(struct kmm *k, struct kmm_slab_system *ss)
{
	if (kmm_unlikely(k->cfg.threaded))
		__atomic_fetch_add(&ss->jiffies, 1, __ATOMIC_RELAXED);
	else
		ss->jiffies++;
}
/* ss->lock in threaded mode. */
static inline void slab_lock_(struct kmm *k, struct kmm_slab_system *ss)
{
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->lock(k->plat->ctx, &ss->lock);
}
static inline void slab_unlock_(struct kmm *k, struct kmm_slab_system *ss)
{
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->unlock(k->plat->ctx, &ss->lock);
}

/* ---- between slab_common.c and slab_create.c ------------------------------ */

/* A name merged into a live cache (kmm_find_cache resolves it). Made and
 * dropped by slab_create.c under ss->lock; the rest freed with the system. */
struct slab_alias_ {
	struct list_head list;       /* ss->aliases, newest first */
	struct kmm_cache *s;         /* the cache the name shares */
	char name[KMM_CACHE_NAME_MAX];
};

/* The slab layer's own metadata (caches, aliases, the system state). */
static inline void *meta_alloc_(struct kmm *k, size_t bytes) { return k->plat->meta_alloc(k->plat->ctx, bytes); }
static inline void meta_free_(struct kmm *k, void *p, size_t bytes) { k->plat->meta_free(k->plat->ctx, p, bytes); }

#endif
