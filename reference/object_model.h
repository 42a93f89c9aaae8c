/* SPDX-License-Identifier: MIT */
/*
 * The reference model of the object allocators: what the harness believes
 * about kmem_cache and kmalloc, computed without a line of allocators/.
 *
 * It knows the caches a program created (size, alignment, flags, ctor,
 * live objects, destroyed or left dying by a busy destroy), every live
 * object (handle -> cache or kmalloc, address, requested size, usable size,
 * required alignment, whether it must show the ctor's magic or zeroes), the
 * objects freed from TYPESAFE_BY_RCU caches since the last grace period,
 * and the kernel's rules written down afresh:
 *
 *  - kmalloc classes 8, 16, 32, 64, 96, 128, 192, 256 ... 8192 (the kernel's
 *    kmalloc_index(), with its size_index[] table for sizes <= 192); larger
 *    requests are page allocations of get_order(size);
 *  - alignment: a cache aligns as the kernel's calculate_alignment() says
 *    (SLAB_HWCACHE_ALIGN: the 64-byte line halved while the object fits in
 *    half of it; never below 8); kmalloc guarantees 8, and for a
 *    power-of-two size min(size, PAGE_SIZE); large kmallocs are pages;
 *  - no two live objects overlap (an interval set over addresses), and an
 *    object lies wholly inside page blocks the slab layer holds (asked of
 *    the page model, in which the executor records those blocks with owner
 *    KMM_OMODEL_SLAB_OWNER, so a page handle can never contain an object);
 *  - ksize >= the request; == the class size on SLUB and SLAB kmalloc;
 *    == PAGE_SIZE << order for large kmallocs;
 *  - when an allocation must succeed: only when every node with memory
 *    holds, in a zone the request may use, free pages above the high
 *    watermark plus lowmem protection plus everything the request could
 *    take, and a free block of the largest slab order it could need;
 *  - which misuse a backend must report, given the cache's debug flags
 *    (object_model.c lists the rules and where they come from).
 *
 * Addresses are the host addresses the system under test returned (the
 * model compares them; it never dereferences them). Only include/kmm
 * public headers and the page model are used.
 */
#ifndef KMM_REFERENCE_OBJECT_MODEL_H
#define KMM_REFERENCE_OBJECT_MODEL_H

#include <kmm/kmm.h>

#include "page_model.h"

/* Owner handle the executor gives page-model blocks the slab layer holds. */
#define KMM_OMODEL_SLAB_OWNER 0xffffffffu

enum kmm_omodel_backend { KMM_OMODEL_SLUB, KMM_OMODEL_SLAB, KMM_OMODEL_SLOB };

/* ---- the rules, callable without a model ---------------------------------- */

#define KMM_OMODEL_NR_CLASSES 13 /* 8 16 32 64 96 128 192 256 512 1024 2048 4096 8192 */

/* The class a kmalloc(size) uses on SLUB / SLAB: the smallest class >= size;
 * 0 for size 0 and for size > 8192 (a page allocation). */
size_t kmm_omodel_kmalloc_class(size_t size);
/* The kernel's kmalloc_index(): 0 for size 0, 1 = 96, 2 = 192, 3 = 8 ...
 * 13 = 8192; -1 for size > 8192. Uses size_index[] for 1..192. */
int kmm_omodel_kmalloc_index(size_t size);
/* Size of a class index (1 -> 96, 2 -> 192, i >= 3 -> 1 << i; 0 otherwise). */
size_t kmm_omodel_index_size(int index);
/* get_order(): smallest order with PAGE_SIZE << order >= size (0 for 0). */
unsigned kmm_omodel_get_order(size_t size);
/* calculate_alignment(flags, align, size). */
unsigned kmm_omodel_cache_align(unsigned flags, unsigned align, unsigned size);
/* The alignment kmalloc(size) guarantees (large kmallocs: PAGE_SIZE). */
size_t kmm_omodel_kmalloc_align(size_t size);
/* Is kmalloc(size) served by the page allocator on every backend? */
bool kmm_omodel_kmalloc_large(size_t size);
/* Is kmm_cache_create(size, align, flags) valid (must succeed on a roomy
 * system)? Otherwise why says which argument is wrong. */
bool kmm_omodel_cache_args_valid(unsigned size, unsigned align, unsigned flags, char *why, size_t len);

/* ---- the model ------------------------------------------------------------- */

struct kmm_omodel_cache {
	bool exists;          /* created and not destroyed */
	bool dying;           /* a destroy failed with live objects: frees only */
	unsigned size, align; /* as created */
	unsigned flags;       /* KMM_SLAB_* as created (debug bits included) */
	unsigned debug;       /* effective debug flags: created | system-wide */
	unsigned req_align;   /* kmm_omodel_cache_align() */
	bool ctor;
	uint32_t live;        /* live objects of this cache */
};

enum kmm_omodel_kind {
	KMM_OMODEL_NONE,    /* not a live object */
	KMM_OMODEL_CACHE,   /* kmm_cache_alloc */
	KMM_OMODEL_KMALLOC, /* kmalloc family, served by a size class (or SLOB) */
	KMM_OMODEL_LARGE,   /* kmalloc > 8192: pages */
	KMM_OMODEL_ZERO,    /* kmalloc(0): ZERO_SIZE_PTR, no memory */
};

/* One live object. Accounting: each live object of kind CACHE counts once
 * in caches[cache].live; [addr, addr + max(size, 1)) of every CACHE /
 * KMALLOC / LARGE object is in the interval set, disjoint from the others. */
struct kmm_omodel_obj {
	uintptr_t addr;
	size_t size;   /* requested bytes */
	size_t ksize;  /* what ksize() said at allocation */
	size_t align;  /* required alignment */
	uint8_t kind;  /* enum kmm_omodel_kind */
	uint8_t cache; /* cache id for KMM_OMODEL_CACHE, else 0 */
	bool ctor;     /* must have shown the ctor's magic when handed out */
	bool zeroed;   /* must have been zero when handed out */
	bool in_place; /* a krealloc kept the old block (SLOB's red zone stays at the old end) */
};

/* What one allocation asks for. */
struct kmm_omodel_req {
	uint8_t kind;       /* CACHE, KMALLOC (LARGE / ZERO are derived from size) */
	uint8_t cache;      /* CACHE: the cache id */
	size_t size;        /* KMALLOC: bytes; CACHE: ignored (the cache's size) */
	kmm_gfp_t gfp;
	int node;           /* -1 = any */
	uint32_t nr;        /* objects (bulk); 0 means 1 */
	bool zero;          /* kzalloc / kcalloc / __GFP_ZERO */
	bool overflow;      /* kcalloc whose n * size overflowed: must fail */
};

struct kmm_omodel;

/*
 * A model for one system. sys_debug: the system-wide debug flags
 * (slab_debug=); arena / total_pages: where the system's memory is (objects
 * must lie inside); max_handles: the highest handle a program uses;
 * max_slab_order: the system's slab_max_order (0 = the default 3).
 * NULL when memory is short.
 */
struct kmm_omodel *kmm_omodel_create(enum kmm_omodel_backend backend, unsigned sys_debug,
				     uintptr_t arena, kmm_pfn_t total_pages, uint32_t max_handles,
				     unsigned max_slab_order);
/* The same for a model m of an earlier run (NULL: a new one): its memory is
 * kept, its contents forgotten. NULL (m freed) when memory is short. */
struct kmm_omodel *kmm_omodel_recycle(struct kmm_omodel *m, enum kmm_omodel_backend backend, unsigned sys_debug,
				      uintptr_t arena, kmm_pfn_t total_pages, uint32_t max_handles,
				      unsigned max_slab_order);
void kmm_omodel_destroy(struct kmm_omodel *m);
enum kmm_omodel_backend kmm_omodel_backend_of(const struct kmm_omodel *m);

/* ---- caches ---- */

/* Record cache id (1..KMM_PROGRAM_MAX_CACHES-like, < 256) as created. */
void kmm_omodel_cache_add(struct kmm_omodel *m, unsigned id, unsigned size, unsigned align,
			  unsigned flags, bool ctor);
const struct kmm_omodel_cache *kmm_omodel_cache(const struct kmm_omodel *m, unsigned id);
/* A correct destroy (no live objects): forget the cache. */
void kmm_omodel_cache_gone(struct kmm_omodel *m, unsigned id);
/* A destroy refused because of live objects: the cache stays, dying. */
void kmm_omodel_cache_dying(struct kmm_omodel *m, unsigned id);

/* ---- objects ---- */

const struct kmm_omodel_obj *kmm_omodel_obj(const struct kmm_omodel *m, uint32_t handle);
uint32_t kmm_omodel_nr_live(const struct kmm_omodel *m);

/* The object a request would produce if it succeeds (kind, size, required
 * alignment, ctor and zero expectations); ksize and addr are left 0. */
void kmm_omodel_expect(const struct kmm_omodel *m, const struct kmm_omodel_req *rq,
		       struct kmm_omodel_obj *out);

enum kmm_omodel_verdict {
	KMM_OMODEL_OK,
	KMM_OMODEL_MISALIGNED, /* address not a multiple of the required alignment */
	KMM_OMODEL_OUTSIDE,    /* not inside the arena */
	KMM_OMODEL_OVERLAP,    /* overlaps a live object */
	KMM_OMODEL_NOT_SLAB,   /* a page it spans is not held by the slab layer */
	KMM_OMODEL_KSIZE,      /* ksize below the request / not the class size */
	KMM_OMODEL_ZERO_PTR,   /* kmalloc(0) did not give ZERO_SIZE_PTR (or the reverse) */
};
/*
 * Judge an object the system handed out for `want` (from
 * kmm_omodel_expect, possibly adjusted by the caller for krealloc), at
 * addr with ksize. exclude: a handle whose interval is ignored (krealloc's
 * old object), 0 = none. pm: the page model, for the slab-block rule (NULL
 * skips it). why gets one line on anything but OK.
 */
enum kmm_omodel_verdict kmm_omodel_judge(const struct kmm_omodel *m, const struct kmm_model *pm,
					 const struct kmm_omodel_obj *want, uintptr_t addr, size_t ksize,
					 uint32_t exclude, char *why, size_t len);
/* ksize judgement alone (also used by the kmalloc cross-check). */
bool kmm_omodel_ksize_ok(enum kmm_omodel_backend backend, const struct kmm_omodel_obj *want,
			 size_t ksize, char *why, size_t len);
/* Record a judged-OK object under handle (which must not be live). */
void kmm_omodel_add(struct kmm_omodel *m, uint32_t handle, const struct kmm_omodel_obj *obj);
/* Forget a live object (a correct free). Objects of TYPESAFE_BY_RCU caches
 * go on the RCU list until kmm_omodel_rcu_barrier(). */
void kmm_omodel_remove(struct kmm_omodel *m, uint32_t handle);
/* Handle of a live object overlapping [addr, addr + len), 0 if none. */
uint32_t kmm_omodel_find_overlap(const struct kmm_omodel *m, uintptr_t addr, size_t len,
				 uint32_t exclude);

/* ---- RCU ---- */

struct kmm_omodel_rcu_obj {
	uintptr_t addr;
	uint8_t cache;
};
/* Objects freed from TYPESAFE_BY_RCU caches since the last grace period:
 * each must still lie in a slab page of its cache. */
uint32_t kmm_omodel_rcu_count(const struct kmm_omodel *m);
const struct kmm_omodel_rcu_obj *kmm_omodel_rcu_get(const struct kmm_omodel *m, uint32_t i);
void kmm_omodel_rcu_barrier(struct kmm_omodel *m);

/* ---- failure ---- */

/*
 * Must the request have succeeded? Never for an invalid request (overflow,
 * size beyond KMALLOC_MAX_SIZE, a dying or missing cache, a bad gfp).
 * Otherwise only when memory is plentiful (see above); why then names the
 * numbers. pm is the page model as it was before the request.
 */
bool kmm_omodel_must_succeed(const struct kmm_omodel *m, const struct kmm_model *pm,
			     const struct kmm_omodel_req *rq, char *why, size_t len);
/* Must the request fail whatever memory there is (kcalloc overflow, size
 * beyond KMALLOC_MAX_SIZE)? */
bool kmm_omodel_must_fail(const struct kmm_omodel *m, const struct kmm_omodel_req *rq);

/* ---- misuse ---- */

/* Object misuse kinds: the values of differential/program.h's enum
 * kmm_misuse (the executor asserts they agree). */
enum kmm_omodel_misuse_kind {
	KMM_OMODEL_MISUSE_DOUBLE_FREE = 5,
	KMM_OMODEL_MISUSE_WRONG_CACHE = 6,
	KMM_OMODEL_MISUSE_KFREE_INTERIOR = 7,
	KMM_OMODEL_MISUSE_KFREE_NON_SLAB = 8,
	KMM_OMODEL_MISUSE_WRITE_PAST_END = 9,
	KMM_OMODEL_MISUSE_WRITE_AFTER_FREE = 10,
	KMM_OMODEL_MISUSE_DESTROY_BUSY = 11,
};

enum kmm_omodel_misuse_verdict {
	KMM_OMODEL_MISUSE_SKIP,    /* not performed: the backend need not survive it */
	KMM_OMODEL_MISUSE_REPORT,  /* performed; at least one KMM_REPORT_SLAB required */
	KMM_OMODEL_MISUSE_SILENT,  /* performed; it is no misuse here: no report allowed */
};
/*
 * What a misuse op (enum kmm_omodel_misuse_kind) on handle (an object) or cache
 * (DESTROY_BUSY; WRONG_CACHE: the cache the object is wrongly freed to)
 * requires. aliased: the system under test made the two caches of
 * WRONG_CACHE one cache, or the cache of DESTROY_BUSY an alias of another
 * (merging is the system's business; the model just stays out of it).
 * why gets the rule applied.
 */
enum kmm_omodel_misuse_verdict kmm_omodel_misuse(const struct kmm_omodel *m, unsigned kind,
						 uint32_t handle, unsigned cache, bool aliased,
						 char *why, size_t len);
/* Byte offsets a misuse writes at, folded from the op's arg:
 * WRITE_PAST_END: size + [0, window) stays inside the guaranteed red zone;
 * WRITE_AFTER_FREE and KFREE_INTERIOR: inside [0, size) (interior: 1..). */
size_t kmm_omodel_misuse_offset(const struct kmm_omodel_obj *obj, unsigned kind, uint32_t arg);

#endif
