/* SPDX-License-Identifier: MIT */
/*
 * Private structures of the SLAB backend (slab.c, slab_cache.c,
 * slab_check.c): the kernel's struct array_cache, struct kmem_cache_node
 * and the per-cache SLAB fields of struct kmem_cache. Nothing outside these
 * three files may include this header; the rest of libkmm sees SLAB only
 * through kmm_slab_ops.
 *
 * Where an object can be, from SLAB's view:
 *   - free in its slab: its index is in the slab's free index slots
 *     [inuse, num) of the index array (page->slab.freelist);
 *   - cached: in a per-CPU array, a node's shared array or an alien cache;
 *     the slab counts it as in use (it left the slab), the user does not
 *     have it;
 *   - the user's.
 * Accounting, per node: free_objects == sum over the slabs on the node's
 * three lists of (num - inuse); total_slabs == slabs on the three lists;
 * free_slabs == length of slabs_free. Per cache: objects the user holds ==
 * sum over nodes of (total_slabs * num - free_objects) - objects cached.
 *
 * Lock order (threaded mode): per-CPU array lock -> alien cache lock ->
 * node list_lock. A node's shared array is guarded by its list_lock. The
 * page allocator is never called with any of them held (slab growth drops
 * the per-CPU lock first, as the kernel re-enables interrupts there, and
 * empty slabs are destroyed after every lock is dropped).
 */
#ifndef KMM_SLAB_SLAB_H
#define KMM_SLAB_SLAB_H

#include "slab_internal.h"

/* page->slab.list: which list of its node a SLAB slab is on. */
enum slab_list_ {
	SLAB_LIST_NONE_ = 0, /* being grown or destroyed: on no list */
	SLAB_LIST_FULL_,     /* inuse == num */
	SLAB_LIST_PARTIAL_,  /* 0 < inuse < num */
	SLAB_LIST_FREE_,     /* inuse == 0 */
};

/*
 * The kernel's struct array_cache: a LIFO stack of object pointers, used
 * per CPU, per node (shared) and per (node, remote node) (alien).
 * Invariant: avail <= limit; entry[0..avail) are distinct objects of this
 * cache that their slabs count as in use.
 */
struct array_cache {
	unsigned avail;      /* objects in entry[] */
	unsigned limit;      /* capacity of entry[] */
	unsigned batchcount; /* objects moved per refill or flush */
	unsigned touched;    /* allocated from since the last reap looked */
	void *entry[];       /* entry[avail - 1] goes out next (cache-warm) */
};

/* One simulated CPU's view of one cache (the kernel's per-CPU
 * cpu_cache plus its share of the statistics). Guarded by lock. */
struct slab_cpu_ {
	struct array_cache *ac;
	unsigned node;       /* numa_mem_id(): the nearest node with memory */
	unsigned reap_node;  /* the alien cache reap_alien() drains next */
	uint64_t allochit, allocmiss, freehit, freemiss; /* STATS_INC_* */
	struct kmm_lock lock;
};

/* Objects freed on one node that belong to another (the kernel's struct
 * alien_cache). Guarded by lock. */
struct slab_alien_ {
	struct array_cache *ac; /* NULL for the node's own slot */
	uint64_t frees;         /* STATS_INC_NODEFREES through this cache */
	struct kmm_lock lock;
};

/*
 * The kernel's struct kmem_cache_node: one node's slabs of one cache.
 * Guarded by list_lock: the lists, the counters, colour_next, rng and
 * the shared array. See the accounting at the top of the file.
 */
struct slab_node_ {
	struct list_head slabs_partial; /* linked by page->lru; partial first for allocation */
	struct list_head slabs_full;
	struct list_head slabs_free;
	unsigned long total_slabs;      /* on the three lists */
	unsigned long free_slabs;       /* on slabs_free */
	unsigned long free_objects;     /* free index slots of all slabs */
	unsigned long free_limit;       /* (1 + cpus of node) * batchcount + num */
	unsigned colour_next;           /* colour of the next slab grown here, < colour */
	bool free_touched;              /* a slab left slabs_free since the last reap */
	struct array_cache *shared;     /* NULL when the cache has no shared arrays */
	struct slab_alien_ *alien;      /* [nr_nodes] (remote frees made here), or NULL */
	uint64_t rng;                   /* this node's freelist shuffle stream */
	uint64_t grown, destroyed, reaped, nodeallocs; /* STATS */
	struct kmm_lock list_lock;
};

/*
 * SLAB's part of a cache (s->backend). Fixed at cache_open: the layout
 * (num, gfporder, colour, off_slab), the tunables and the arrays; only the
 * per-CPU and per-node state changes afterwards.
 */
struct slab_cache_ {
	struct slab_cpu_ *cpu;   /* [nr_cpus] */
	struct slab_node_ *node; /* [nr_nodes] */
	unsigned num;            /* objects per slab */
	unsigned gfporder;       /* pages per slab = 1 << gfporder */
	unsigned size;           /* slot stride (s->l.size) */
	unsigned colour;         /* colours: offsets 0 .. colour - 1 times colour_off */
	unsigned colour_off;     /* max(cache line, align) */
	unsigned idx_size;       /* sizeof(freelist_idx_t): 1 when num <= 256, else 2 */
	unsigned freelist_size;  /* on-slab: index array bytes aligned to align (before slot 0);
				  * off-slab: num * idx_size bytes from plat->meta_alloc */
	unsigned first_off;      /* slot 0 from the colour offset: freelist_size or 0 (off-slab) */
	bool off_slab;           /* CFLGS_OFF_SLAB */
	bool use_alien;          /* more than one node */
	unsigned limit, batchcount, shared; /* enable_cpucache(); shared is the factor */
	unsigned nr_cpus, nr_nodes;
	uint16_t *random_seq;    /* SLAB_FREELIST_RANDOM: a permutation of 0..num-1, or NULL */
	size_t bytes;            /* this block's size for meta_free */
};

/* ---- shared helpers ------------------------------------------------------ */

/* A cache's SLAB state (NULL only before cache_open or after release). */
static inline struct slab_cache_ *slab_cache_(const struct kmm_cache *s)
{
	return (struct slab_cache_ *)s->backend;
}

static inline void spin_lock_(struct kmm *k, struct kmm_lock *l)
{
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->lock(k->plat->ctx, l);
}
static inline void spin_unlock_(struct kmm *k, struct kmm_lock *l)
{
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->unlock(k->plat->ctx, l);
}

static inline char *slab_page_address_(const struct kmm *k, const struct kmm_page *slab)
{
	return (char *)k->arena + ((size_t)page_to_pfn_(k, slab) << KMM_PAGE_SHIFT);
}
static inline size_t slab_size_bytes_(const struct slab_cache_ *c) { return (size_t)KMM_PAGE_SIZE << c->gfporder; }
/* Slot 0's start: the colour offset (page->slab.extra), then the on-slab
 * index array. */
static inline char *s_mem_(const struct kmm *k, const struct slab_cache_ *c, const struct kmm_page *slab)
{
	return slab_page_address_(k, slab) + slab->slab.extra + c->first_off;
}

static inline unsigned get_free_obj_(const struct slab_cache_ *c, const struct kmm_page *slab, unsigned i)
{
	if (c->idx_size == 1)
		return ((const uint8_t *)slab->slab.freelist)[i];
	return ((const uint16_t *)slab->slab.freelist)[i];
}
static inline void set_free_obj_(const struct slab_cache_ *c, struct kmm_page *slab, unsigned i, unsigned v)
{
	if (c->idx_size == 1)
		((uint8_t *)slab->slab.freelist)[i] = (uint8_t)v;
	else
		((uint16_t *)slab->slab.freelist)[i] = (uint16_t)v;
}

/* The slot index of a pointer into slab (UINT_MAX before slot 0). Exact
 * for object starts; interior pointers give their slot. */
static inline unsigned obj_to_index_(const struct kmm *k, const struct kmm_cache *s,
				     const struct slab_cache_ *c, const struct kmm_page *slab, const void *obj)
{
	const char *first = s_mem_(k, c, slab) + s->l.red_left_pad;
	if ((const char *)obj < first)
		return UINT32_MAX;
	return (unsigned)((size_t)((const char *)obj - first) / c->size);
}

/* slab_cache.c: ops->cache_open (__kmem_cache_create: geometry, colouring,
 * tunables, the per-cache block; 0, -EINVAL or -ENOMEM) and
 * ops->cache_release (the block and any off-slab index arrays back). */
int slab_backend_open_(struct kmm *k, struct kmm_cache *s);
void slab_backend_release_(struct kmm *k, struct kmm_cache *s);

/* slab_check.c: the read-only walks of kmm_slab_ops. */
long slab_backend_check_(struct kmm *k, struct kmm_cache *s);
bool slab_backend_object_is_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj);
int slab_backend_for_each_slab_(struct kmm *k, struct kmm_cache *s, slab_walk_fn fn, void *ctx);
void slab_backend_info_(struct kmm *k, struct kmm_cache *s, struct kmm_cache_info *out);
uint64_t slab_backend_shared_avail_(struct kmm *k, struct kmm_cache *s);

#endif
