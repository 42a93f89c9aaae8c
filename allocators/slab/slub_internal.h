/* SPDX-License-Identifier: MIT */
/*
 * Private structures of the SLUB backend, shared by slub.c (the allocation
 * and free paths, cache lifetime) and slub_check.c (the walks: check,
 * for_each_slab, object_is_free, info). Nothing here is seen by any other
 * file of allocators/slab: they reach SLUB only through kmm_slub_ops.
 *
 * Which slab is where. Every slab of a cache is in exactly one place:
 *
 *   place                   slab.list               frozen  slab.freelist
 *   a CPU's active slab     SLUB_LIST_CPU           1       remote frees only
 *   a CPU's partial list    SLUB_LIST_CPU_PARTIAL   0       != NULL
 *   its node's partial list SLUB_LIST_NODE_PARTIAL  0       != NULL
 *   its node's full list    SLUB_LIST_FULL          0       NULL
 *   (in transit, discarded) SLUB_LIST_NONE          0       -
 *
 * The kernel keeps a full list only for debug caches; we keep it for every
 * cache (slow paths only: a slab joins it when its last free object is
 * taken and leaves at its first free), so for_each_slab and the check walk
 * see every slab without scanning the page array. Per slab,
 * inuse + length(slab.freelist) == objects; for an active slab inuse also
 * counts the objects on its CPU's freelist (those are free to the user, not
 * to the slab). Per node, nr_slabs counts the slabs of the node wherever
 * they are, total_objects their objects.
 *
 * Locks (threaded mode only; single-threaded mode takes none):
 *   c->lock        a CPU's freelist, active slab and partial list (the
 *                  links of a slab on it);
 *   n->list_lock   the node's lists and, for every slab of the node, its
 *                  freelist, inuse, frozen and list fields.
 * Order: c->lock before n->list_lock before the page allocator's zone
 * locks. Slab pages are allocated and freed holding neither (the common
 * layer may take its own lock there).
 */
#ifndef KMM_SLUB_INTERNAL_H
#define KMM_SLUB_INTERNAL_H

#include "slab_internal.h"

/* The kernel's enum stat_item (CONFIG_SLUB_STATS), the events we have. */
enum slub_stat_item {
	ALLOC_FASTPATH,          /* from the CPU freelist */
	FREE_FASTPATH,           /* to the CPU freelist (object of the active slab) */
	ALLOC_SLOWPATH,          /* everything else */
	FREE_SLOWPATH,
	FREE_FROZEN,             /* free to another CPU's active slab */
	FREE_ADD_PARTIAL,        /* a slab put on a node partial list by a free */
	FREE_REMOVE_PARTIAL,     /* an empty slab taken off a node partial list to be freed */
	ALLOC_FROM_PARTIAL,      /* a CPU took a slab from a node partial list */
	ALLOC_SLAB,              /* a new slab from the page allocator */
	ALLOC_REFILL,            /* the active slab's remote frees refilled the CPU freelist */
	ALLOC_NODE_MISMATCH,     /* the active slab is on the wrong node for alloc_node */
	FREE_SLAB,               /* a slab given back to the page allocator */
	CPUSLAB_FLUSH,           /* an active slab deactivated to make room for another */
	DEACTIVATE_FULL,         /* deactivated slab was full */
	DEACTIVATE_EMPTY,        /* deactivated slab was empty (and freed) */
	DEACTIVATE_TO_HEAD,      /* deactivated slab went to the head of the partial list */
	DEACTIVATE_TO_TAIL,      /* ... to the tail */
	DEACTIVATE_REMOTE_FREES, /* deactivated slab had frees from other CPUs */
	DEACTIVATE_BYPASS,       /* the active slab ran out and was dropped */
	ORDER_FALLBACK,          /* a slab of the minimum order had to do */
	CPU_PARTIAL_ALLOC,       /* a CPU took its next slab from its partial list */
	CPU_PARTIAL_FREE,        /* a free put a full slab on the CPU partial list */
	CPU_PARTIAL_NODE,        /* a refill moved a node partial slab to the CPU partial list */
	CPU_PARTIAL_DRAIN,       /* the CPU partial list overflowed to the node lists */
	NR_SLUB_STAT_ITEMS
};

/* Where a slab is (page->slab.list). */
enum slub_list {
	SLUB_LIST_NONE,
	SLUB_LIST_CPU,
	SLUB_LIST_CPU_PARTIAL,
	SLUB_LIST_NODE_PARTIAL,
	SLUB_LIST_FULL,
};

/* The kernel's kmem_cache_order_objects: a slab order and its objects. */
struct slub_oo {
	unsigned order;
	unsigned objects; /* (PAGE_SIZE << order) / size */
};

/*
 * struct kmem_cache_cpu: one simulated CPU's view of a cache.
 * Invariants: freelist != NULL implies slab != NULL; every object on
 * freelist belongs to slab and is counted in slab->inuse; lo, span and
 * node describe slab (lo = its first object, span = (objects - 1) * size,
 * so the last object starts at lo + span); nr_partial is the length of
 * partial. The first 56 bytes are what the fast paths touch; 256 bytes in
 * all, so a CPU's entry is found with a shift (its lock lives apart, in
 * slub_cache.cpu_lock[]).
 */
struct kmem_cache_cpu {
	union {
		struct {
			void *freelist;          /* next object to hand out (plain pointer) */
			struct kmm_page *slab;   /* the active (frozen) slab, or NULL */
			uintptr_t lo;            /* first object of slab */
			uintptr_t span;          /* last object - first object */
			int node;                /* slab's node, -1 without a slab */
			unsigned nr_partial;     /* slabs on partial */
			uint64_t stat[NR_SLUB_STAT_ITEMS]; /* [0], [1]: the fast paths' counters */
			struct list_head partial; /* CPU partial slabs (page->lru), newest first */
		};
		unsigned char size_[256];
	};
};

/*
 * struct kmem_cache_node. Invariants: nr_partial is the length of partial,
 * nr_full of full; nr_slabs counts every slab of this node of the cache
 * (lists, CPU partial lists, active slabs), total_objects their objects.
 */
struct kmem_cache_node {
	struct list_head partial; /* page->lru; head = hottest */
	struct list_head full;
	unsigned long nr_partial;
	unsigned long nr_full;
	uint64_t nr_slabs;
	uint64_t total_objects;
	struct kmm_lock list_lock;
};

/*
 * The backend's part of struct kmem_cache (s->backend). The header is what
 * the fast paths read: the free pointer's offset and its hardening key.
 * With CONFIG_SLAB_FREELIST_HARDENED the word stored at obj + offset is
 * next ^ random ^ swab(obj + offset); without it random and swab_mask are 0
 * and the word is the plain pointer (one code path, no branch).
 */
struct slub_cache {
	/* hot */
	uintptr_t offset;        /* free pointer, from the object start */
	uintptr_t random;        /* hardening key (0: not hardened) */
	uintptr_t swab_mask;     /* ~0 hardened, else 0 */
	/* the rest */
	struct kmm_cache *s;
	uint64_t size_magic;     /* UINT64_MAX / size + 1: divisibility by size (slub_valid_ptr_) */
	unsigned size;           /* s->l.size */
	unsigned red_left_pad;
	struct slub_oo oo;       /* preferred slab */
	struct slub_oo min;      /* smallest slab that holds one object */
	unsigned min_partial;    /* empty slabs a node keeps on its partial list */
	unsigned cpu_partial;    /* objects the CPU partial lists aim at (0: none) */
	unsigned cpu_partial_slabs; /* slabs a CPU partial list holds before draining */
	unsigned remote_node_defrag_ratio; /* 0..1023: how often other nodes' partials are taken */
	bool debug;              /* kmem_cache_debug(): single-object slow paths only */
	bool hardened;
	unsigned *random_seq;    /* FREELIST_RANDOM: object offsets in shuffled order */
	unsigned random_seq_len; /* oo.objects (0: no shuffling) */
	uint64_t rng;            /* the cache's random stream (slab_random_) */
	kmm_nodemask_t slab_nodes; /* nodes with memory (kernel: slab_nodes) */
	struct kmm_lock *cpu_lock; /* [nr_cpus], after cpu[] in the same block */
	unsigned nr_nodes, nr_cpus;
	struct kmem_cache_node node[KMM_MAX_NODES];
	struct kmem_cache_cpu cpu[]; /* [nr_cpus] */
};

_Static_assert(sizeof(struct kmem_cache_cpu) == 256, "a power of two: the fast paths index with a shift");
_Static_assert(offsetof(struct kmem_cache_cpu, partial) + sizeof(struct list_head) <= 256,
	       "kmem_cache_cpu fields fit its 256 bytes");

/* ---- small helpers shared by the SLUB files ------------------------------ */

static inline struct slub_cache *slub_(const struct kmm_cache *s)
{
	return (struct slub_cache *)s->backend;
}

static inline char *slub_slab_base_(const struct kmm *k, const struct kmm_page *slab)
{
	return (char *)k->arena + ((size_t)page_to_pfn_(k, slab) << KMM_PAGE_SHIFT);
}
static inline unsigned slub_slab_order_(const struct kmm_page *slab)
{
	return slab->slab.extra; /* SLUB keeps the slab's order in extra */
}

static inline uintptr_t slub_swab_(uintptr_t x)
{
#if UINTPTR_MAX > 0xffffffffu
	return (uintptr_t)__builtin_bswap64((uint64_t)x);
#else
	return (uintptr_t)__builtin_bswap32((uint32_t)x);
#endif
}

/* The word's key, random ^ swab(&word): it depends on the link's address
 * only, so it is ready before the word is. */
static inline uintptr_t slub_fp_key_(const struct slub_cache *sc, uintptr_t addr)
{
	uintptr_t key = sc->random ^ (slub_swab_(addr) & sc->swab_mask);
	/* opaque to the optimiser, which would otherwise fold the word into
	 * the first xor and leave two on the chain */
	__asm__("" : "+r"(key));
	return key;
}
/* get_freepointer() / set_freepointer(): the encoded word at obj + offset.
 * memcpy: the word need not be aligned for the compiler's sake. One xor
 * between the word and the pointer: in a LIFO alloc / free loop the word
 * goes from the free's store to the next alloc's load and back, and that
 * chain is the loop's speed. */
static inline void *slub_get_fp_(const struct slub_cache *sc, const void *obj)
{
	uintptr_t addr = (uintptr_t)obj + sc->offset, v;
	uintptr_t key = slub_fp_key_(sc, addr);
	memcpy(&v, (const void *)addr, sizeof(v));
	return (void *)(v ^ key);
}
static inline void slub_set_fp_(const struct slub_cache *sc, void *obj, const void *fp)
{
	uintptr_t addr = (uintptr_t)obj + sc->offset;
	uintptr_t v = (uintptr_t)fp ^ slub_fp_key_(sc, addr);
	memcpy((void *)addr, &v, sizeof(v));
}

/* Is off, below 2^32, a multiple of sc->size? Lemire's test (n % d == 0
 * iff n * ceil(2^64 / d) mod 2^64 < ceil(2^64 / d) for 32-bit n and d):
 * a multiply and a compare instead of a division, on every slow free. */
static inline bool slub_on_boundary_(const struct slub_cache *sc, uintptr_t off)
{
	return (uint64_t)off * sc->size_magic <= sc->size_magic - 1;
}
/* An object start of slab (p not NULL). Slabs are at most a MAX_ORDER
 * block (4 MiB), so an offset below objects * size fits 32 bits. */
static inline bool slub_object_ptr_(const struct slub_cache *sc, const char *base,
				    const struct kmm_page *slab, const void *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)base - sc->red_left_pad;
	return off < (uintptr_t)slab->slab.objects * sc->size && slub_on_boundary_(sc, off);
}
/* check_valid_pointer(): p is NULL or an object start of slab. */
static inline bool slub_valid_ptr_(const struct slub_cache *sc, const char *base,
				   const struct kmm_page *slab, const void *p)
{
	return !p || slub_object_ptr_(sc, base, slab, p);
}

/* Locks: no-ops single-threaded. */
static inline void slub_cpu_lock_(struct kmm *k, struct slub_cache *sc, struct kmem_cache_cpu *c)
{
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->lock(k->plat->ctx, &sc->cpu_lock[c - sc->cpu]);
}
static inline void slub_cpu_unlock_(struct kmm *k, struct slub_cache *sc, struct kmem_cache_cpu *c)
{
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->unlock(k->plat->ctx, &sc->cpu_lock[c - sc->cpu]);
}
static inline void slub_node_lock_(struct kmm *k, struct kmem_cache_node *n)
{
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->lock(k->plat->ctx, &n->list_lock);
}
static inline void slub_node_unlock_(struct kmm *k, struct kmem_cache_node *n)
{
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->unlock(k->plat->ctx, &n->list_lock);
}

/* ---- slub_check.c: the walks behind kmm_slub_ops -------------------------- */

long slub_check_(struct kmm *k, struct kmm_cache *s);
int slub_for_each_slab_(struct kmm *k, struct kmm_cache *s, slab_walk_fn fn, void *ctx);
bool slub_object_is_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj);
char *slub_slab_first_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab);
void slub_info_(struct kmm *k, struct kmm_cache *s, struct kmm_cache_info *out);
long slub_validate_freelist_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, bool *cleared);
bool slub_freeptr_ok_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj, bool zap);
void slub_tunables_(struct kmm *k, struct kmm_cache *s, unsigned *limit, unsigned *batch, unsigned *shared);

#endif
