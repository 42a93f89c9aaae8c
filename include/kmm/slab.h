/* SPDX-License-Identifier: MIT */
/*
 * The object allocators: kmem_cache and kmalloc over the page allocator.
 *
 * One API, three backends (SLUB, SLAB, SLOB; cfg.slab_backend picks one, as
 * a kernel's build does), or a user's own through cfg.slab_ops. Kernel
 * semantics:
 *  - kmalloc size classes 8, 16, 32, 64, 96, 128, 192, 256 ... 8192, with the
 *    kernel's size_index table for sizes <= 192; larger sizes go straight to
 *    the page allocator as compound pages. Families kmalloc-, dma-kmalloc-
 *    (GFP_DMA) and kmalloc-rcl- (__GFP_RECLAIMABLE). SLOB has no classes: a
 *    size header and first fit.
 *  - kmalloc(0) returns KMM_ZERO_SIZE_PTR; kfree(NULL) and
 *    kfree(KMM_ZERO_SIZE_PTR) do nothing.
 *  - caches of compatible size, alignment and flags are merged (aliases),
 *    except with SLAB_NO_MERGE, a ctor, TYPESAFE_BY_RCU or any debug flag.
 *  - misuse (double free, wrong cache, interior or foreign pointers,
 *    destroying a cache with live objects, corrupted red zones or poison) is
 *    reported through the system's sink as KMM_REPORT_SLAB in the kernel's
 *    words ("BUG kmalloc-64: Right Redzone overwritten", "INFO: ...",
 *    "FIX kmalloc-64: Restoring ..."), repaired, and survived.
 *
 * Nothing here allocates host memory per object: slabs are page blocks of
 * the system; per-cache metadata comes from the platform's meta_alloc.
 */
#ifndef KMM_SLAB_H
#define KMM_SLAB_H

#include <kmm/gfp.h>
#include <kmm/types.h>

struct kmm_cache; /* struct kmem_cache */

/* Cache flags (kmm_cache_create). The kernel's names; our own values. */
#define KMM_SLAB_CONSISTENCY_CHECKS (1u << 0) /* F: sanity checks on alloc and free */
#define KMM_SLAB_RED_ZONE (1u << 1)           /* Z: red zones around every object */
#define KMM_SLAB_POISON (1u << 2)             /* P: poison free objects (0x6b ... 0xa5) */
#define KMM_SLAB_STORE_USER (1u << 3)         /* U: record alloc / free call sites */
#define KMM_SLAB_HWCACHE_ALIGN (1u << 8)      /* align objects to the cache line (64) */
#define KMM_SLAB_CACHE_DMA (1u << 9)          /* slabs from ZONE_DMA */
#define KMM_SLAB_CACHE_DMA32 (1u << 10)       /* slabs from ZONE_DMA32 */
#define KMM_SLAB_RECLAIM_ACCOUNT (1u << 11)   /* slabs are __GFP_RECLAIMABLE */
#define KMM_SLAB_TYPESAFE_BY_RCU (1u << 12)   /* slab pages outlive a grace period */
#define KMM_SLAB_NO_MERGE (1u << 13)          /* never an alias of another cache */
#define KMM_SLAB_DEBUG_FLAGS \
	(KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_RED_ZONE | KMM_SLAB_POISON | KMM_SLAB_STORE_USER)
#define KMM_SLAB_CREATE_MASK                                                                   \
	(KMM_SLAB_DEBUG_FLAGS | KMM_SLAB_HWCACHE_ALIGN | KMM_SLAB_CACHE_DMA | KMM_SLAB_CACHE_DMA32 | \
	 KMM_SLAB_RECLAIM_ACCOUNT | KMM_SLAB_TYPESAFE_BY_RCU | KMM_SLAB_NO_MERGE)

/* Debug byte values, the kernel's (include/linux/poison.h). */
#define KMM_SLUB_RED_INACTIVE 0xbb
#define KMM_SLUB_RED_ACTIVE 0xcc
#define KMM_POISON_INUSE 0x5a /* padding */
#define KMM_POISON_FREE 0x6b
#define KMM_POISON_END 0xa5

/* The kernel's ZERO_SIZE_PTR: what kmalloc(0) returns. */
#define KMM_ZERO_SIZE_PTR ((void *)16)
#define KMM_ZERO_OR_NULL_PTR(x) ((uintptr_t)(x) <= (uintptr_t)KMM_ZERO_SIZE_PTR)

#define KMM_KMALLOC_MIN_SIZE 8
#define KMM_KMALLOC_MAX_CACHE_SIZE 8192 /* larger: compound pages */
#define KMM_KMALLOC_MAX_SIZE ((size_t)KMM_PAGE_SIZE << KMM_MAX_ORDER)
#define KMM_CACHE_NAME_MAX 32 /* including the NUL */

/* ---- caches ------------------------------------------------------------- */

/*
 * kmem_cache_create(). size 1..KMM_KMALLOC_MAX_CACHE_SIZE (objects are at
 * least 8 bytes and 8-aligned), align 0 or a power of two <= PAGE_SIZE,
 * flags from KMM_SLAB_CREATE_MASK, ctor may be NULL. May return an existing
 * cache (merged). NULL with a KMM_REPORT_WARNING naming the bad argument, or
 * when memory can't be had.
 */
struct kmm_cache *kmm_cache_create(struct kmm *k, const char *name, unsigned size, unsigned align,
				   unsigned flags, void (*ctor)(void *obj));
/*
 * kmem_cache_destroy(). 0; -EBUSY when objects are still allocated: then,
 * as the kernel does, "Objects remaining in <name> on __kmem_cache_shutdown()"
 * is reported and the cache stays (its objects remain valid and may still
 * be freed; destroy may be retried). NULL is a no-op returning 0.
 */
int kmm_cache_destroy(struct kmm *k, struct kmm_cache *s);

void *kmm_cache_alloc(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp);
void *kmm_cache_alloc_node(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node);
void kmm_cache_free(struct kmm *k, struct kmm_cache *s, void *obj);
/* All nr objects or none: returns nr, or 0 with nothing allocated. */
size_t kmm_cache_alloc_bulk(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, size_t nr, void **p);
void kmm_cache_free_bulk(struct kmm *k, struct kmm_cache *s, size_t nr, void **p);
/* Give empty slabs (and per-CPU caches) back to the page allocator. 0. */
int kmm_cache_shrink(struct kmm *k, struct kmm_cache *s);

/* ---- kmalloc ------------------------------------------------------------ */

void *kmm_kmalloc(struct kmm *k, size_t size, kmm_gfp_t gfp);
void *kmm_kzalloc(struct kmm *k, size_t size, kmm_gfp_t gfp);
void *kmm_kmalloc_node(struct kmm *k, size_t size, kmm_gfp_t gfp, int node);
/* NULL when n * size overflows (no report: the kernel's kmalloc_array). */
void *kmm_kcalloc(struct kmm *k, size_t n, size_t size, kmm_gfp_t gfp);
/* Keeps min(old, new) bytes; NULL p is kmalloc; new_size 0 frees p and
 * returns KMM_ZERO_SIZE_PTR; on failure p is untouched and NULL returned. */
void *kmm_krealloc(struct kmm *k, const void *p, size_t new_size, kmm_gfp_t gfp);
void kmm_kfree(struct kmm *k, const void *p);
/* Usable bytes at p (the size class; pages for large kmallocs); 0 for NULL,
 * ZERO_SIZE_PTR or a pointer kmm does not own (reported). */
size_t kmm_ksize(struct kmm *k, const void *p);
/* The cache kmalloc(size, gfp) would use; NULL for 0, large sizes, SLOB. */
struct kmm_cache *kmm_kmalloc_cache(struct kmm *k, size_t size, kmm_gfp_t gfp);

/* ---- time, reaping, checks ---------------------------------------------- */

/* A simulated RCU grace period: slabs of SLAB_TYPESAFE_BY_RCU caches freed
 * since the last one go back to the page allocator now (the kernel's
 * rcu_barrier() after call_rcu). */
void kmm_rcu_barrier(struct kmm *k);
/* SLAB's periodic cache_reap() on every cache; other backends: shrink the
 * per-CPU caches the same way or do nothing. */
void kmm_cache_reap(struct kmm *k);

/*
 * validate_slab_cache(): walk every slab of the cache checking red zones,
 * poison, padding and free pointers as the kernel does with the cache's
 * debug flags; each problem is reported and repaired. Returns the number
 * of errors found (the kernel's count), 0 when clean. SLOB shares one heap
 * between every cache and kmalloc: validating any cache also checks the
 * heap (free space poison, kmalloc red zones), and s NULL checks the heap
 * alone (other backends: NULL returns 0).
 */
long kmm_cache_validate(struct kmm *k, struct kmm_cache *s);
/* Structural walk of one cache / every cache (per slab in-use + free =
 * objects; freelist pointers on object boundaries inside the slab; list
 * memberships and counts; SLOB blocks tile their pages). Returns the
 * number of violations, each reported as KMM_REPORT_CHECK. */
long kmm_cache_check(struct kmm *k, struct kmm_cache *s);
long kmm_slab_check(struct kmm *k);
/* Flush every CPU's cached objects and shrink every cache: afterwards a
 * system whose objects are all freed holds no slab pages (except caches
 * destroyed while busy). */
void kmm_slab_shrink_all(struct kmm *k);

/* ---- introspection ------------------------------------------------------ */

struct kmm_cache_info {
	char name[KMM_CACHE_NAME_MAX];
	unsigned object_size; /* as created (the largest of merged aliases) */
	unsigned size;        /* stride of one object with its metadata */
	unsigned align;
	unsigned flags;       /* KMM_SLAB_* in effect (debug flags included) */
	unsigned objs_per_slab;
	unsigned pages_per_slab; /* 1 << order */
	unsigned refcount;    /* 1 + merged aliases */
	uint64_t active_objs, num_objs, active_slabs, num_slabs;
	/* Backend statistics (SLUB's ALLOC_FASTPATH ..., SLAB's allochit ...),
	 * zero where a backend has no such event. */
	uint64_t alloc_fastpath, alloc_slowpath, free_fastpath, free_slowpath;
	uint64_t alloc_slab, free_slab, cpu_partial_alloc, cpu_partial_free;
	uint64_t reaped, alien_frees;
};
const char *kmm_cache_name(const struct kmm_cache *s);
int kmm_cache_info(struct kmm *k, struct kmm_cache *s, struct kmm_cache_info *out);
/* Look a cache up by name (aliases too); NULL if none. */
struct kmm_cache *kmm_find_cache(struct kmm *k, const char *name);
/* "slub", "slab", "slob", or the plugged backend's name. */
const char *kmm_slab_backend_name(struct kmm *k);
/* Pages held by the object allocators now (slabs, and large kmallocs). */
uint64_t kmm_slab_pages(struct kmm *k);
/* virt_to_cache(): the cache recorded in the PG_slab page holding ptr
 * (allocators/slab/slab_query.c); NULL when ptr lies in no slab page (a
 * large kmalloc, a page allocation, a free page, outside the system). */
struct kmm_cache *kmm_virt_to_cache(struct kmm *k, const void *ptr);

#endif
