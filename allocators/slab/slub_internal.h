/* SPDX-License-Identifier: MIT */
/*
 * Private structures of the SLUB backend, shared by slub.c (the allocation
 * and free paths), slub_cache.c (new slabs, deactivation, cache lifetime) and
 * slub_check.c (the walks: check, for_each_slab, object_is_free, info).
 * The other files of allocators/slab reach SLUB through kmm_slub_ops,
 * except for the inline single-threaded fast paths below, which
 * kmalloc.c and slab_common.c call directly (SLAB_SLUB_LOCAL_ caches).
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

#include "../page/assert.h"
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

/* Where an object's free pointer is and how it is encoded
 * (CONFIG_SLAB_FREELIST_HARDENED): the word at obj + offset holds
 * ptr ^ random ^ (swab(&word) & swab_mask); random and swab_mask are 0
 * without hardening. Fixed at cache open. */
struct slub_fp {
	uintptr_t offset;
	uintptr_t random;
	uintptr_t swab_mask;
};

/*
 * struct kmem_cache_cpu: one simulated CPU's view of a cache.
 * Invariants: freelist != NULL implies slab != NULL; every object on
 * freelist belongs to slab and is counted in slab->inuse; lo, span, hi
 * and node describe slab (lo = its first object, span = (objects - 1) *
 * size, hi = lo + span where the last object starts); fp and cache are the
 * cache's (sc->fp, sc->s); nr_partial is the length of partial.
 *
 * Lazy linking (the bump region): a new slab of a cache without debug
 * flags or ctor, of the cache's preferred order, comes to its CPU
 * unlinked. Its objects not handed out yet are bump_next and the
 * bump_left objects that follow it in the slab's order, whose offsets
 * from lo are bump_seq[0 .. bump_left) (sc->bump_seq: the permutation, or
 * address order, written out long enough that a region never wraps); none
 * of them has a link written. When bump_next != NULL it is
 * the last object of the freelist chain -- reached by following links from
 * freelist, its own link never read -- so freelist is exactly the chain
 * the kernel's eager linking would have (objects freed since, then the
 * slab's untouched order), and the naive double-free test against its
 * head means what it means there (and freelist is never NULL while a
 * region is left: the fast pop tests obj != bump_next alone). Popping
 * bump_next takes the next one
 * (cpu_bump_take_); cpu_bump_link_ writes the links of the whole region,
 * making the chain an ordinary one, before anything else reads it
 * (deactivation, flush, the walks of slub_check.c). bump_next == NULL: no
 * region. The region's objects are cold (the slab just came back from the
 * page allocator) and, shuffled, in no order a hardware prefetcher would
 * follow: the CPU prefetches the starts of the next SLUB_BUMP_PREFETCH
 * objects of the region as it hands them out (cpu_bump_prefetch_).
 *
 * The fast paths touch the first 64 bytes (one cache line with the struct
 * 64-byte aligned) and fp and cache after stat; 512 bytes in all, so
 * a CPU's entry is found with a shift (its lock lives apart, in
 * slub_cache.cpu_lock[]).
 */
struct kmem_cache_cpu {
	union {
		struct {
			void *freelist;          /* next object to hand out (plain pointer) */
			struct kmm_page *slab;   /* the active (frozen) slab, or NULL */
			uintptr_t lo;            /* first object of slab */
			uintptr_t span;          /* last object - first object */
			uintptr_t hi;            /* last object of slab: lo + span (0 without a slab) */
			void *bump_next;         /* the bump region's next object, or NULL */
			uint64_t stat[NR_SLUB_STAT_ITEMS]; /* [0], [1]: the fast paths' counters */
			/* The cache's free pointer layout and its owner, copied
			 * here at cache open so that the fast paths read c
			 * alone (kmalloc finds c, not the cache). */
			struct slub_fp fp;
			struct kmm_cache *cache;
			int node;                /* slab's node, -1 without a slab */
			unsigned nr_partial;     /* slabs on partial */
			unsigned bump_left;      /* objects after bump_next in the region */
			const unsigned *bump_seq; /* their offsets from lo, in order */
			struct list_head partial; /* CPU partial slabs (page->lru), newest first */
		};
		unsigned char size_[512];
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
	struct slub_fp fp;       /* free pointer offset and hardening key (copied to each cpu[]) */
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
	bool lazy_link;          /* a CPU's new slab may come unlinked (slub_cache_open_) */
	unsigned *random_seq;    /* FREELIST_RANDOM: object offsets in shuffled order */
	unsigned random_seq_len; /* oo.objects (0: no shuffling) */
	/* lazy_link: the preferred slab's object offsets in the order its
	 * objects are handed out from any start -- random_seq twice over, or
	 * address order -- 2 * oo.objects entries: a bump region reads them
	 * straight, without wrapping or skipping (struct kmem_cache_cpu) */
	unsigned *bump_seq;
	uint64_t rng;            /* the cache's random stream (slab_random_) */
	kmm_nodemask_t slab_nodes; /* nodes with memory (kernel: slab_nodes) */
	struct kmm_lock *cpu_lock; /* [nr_cpus], after cpu[] in the same block */
	unsigned nr_nodes, nr_cpus;
	struct kmem_cache_node node[KMM_MAX_NODES];
	struct kmem_cache_cpu cpu[]; /* [nr_cpus] */
};

_Static_assert(sizeof(struct kmem_cache_cpu) == 512, "a power of two: the fast paths index with a shift");
_Static_assert(offsetof(struct kmem_cache_cpu, stat) + 2 * sizeof(uint64_t) <= 64,
	       "the fast paths' fields and counters in the first 64 bytes");
_Static_assert(offsetof(struct kmem_cache_cpu, partial) + sizeof(struct list_head) <= 512,
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
static inline uintptr_t slub_fp_key_(const struct slub_fp *f, uintptr_t addr)
{
	uintptr_t key = f->random ^ (slub_swab_(addr) & f->swab_mask);
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
static inline void *slub_fp_get_(const struct slub_fp *f, const void *obj)
{
	uintptr_t addr = (uintptr_t)obj + f->offset, v;
	uintptr_t key = slub_fp_key_(f, addr);
	memcpy(&v, (const void *)addr, sizeof(v));
	return (void *)(v ^ key);
}
static inline void slub_fp_set_(const struct slub_fp *f, void *obj, const void *fp)
{
	uintptr_t addr = (uintptr_t)obj + f->offset;
	uintptr_t v = (uintptr_t)fp ^ slub_fp_key_(f, addr);
	memcpy((void *)addr, &v, sizeof(v));
}
static inline void *slub_get_fp_(const struct slub_cache *sc, const void *obj)
{
	return slub_fp_get_(&sc->fp, obj);
}
static inline void slub_set_fp_(const struct slub_cache *sc, void *obj, const void *fp)
{
	slub_fp_set_(&sc->fp, obj, fp);
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

/* next_freelist_entry(): the permutation entry at *pos, skipping slots a
 * smaller (fallback-order) slab does not have (limit: objects * size). */
static inline char *next_freelist_entry_(const struct slub_cache *sc, unsigned *pos, char *start,
					 unsigned long limit)
{
	unsigned idx;
	do {
		idx = sc->random_seq[*pos];
		if (++*pos >= sc->random_seq_len)
			*pos = 0;
	} while (idx >= limit);
	return start + idx;
}

/* A new slab made for a CPU, not linked (new_slab_bump_): its first object
 * in the slab's order, the objects after it, and the sc->bump_seq entry
 * of the one after the first. */
struct slub_bump {
	char *first;
	unsigned pos;
	unsigned left;
};

/* The bump region's object after bump_next (c's active slab), one left
 * fewer. */
static inline char *cpu_bump_after_(struct kmem_cache_cpu *c)
{
	c->bump_left--;
	return (char *)c->lo + *c->bump_seq++;
}
/* How many objects ahead of the one handed out the bump region prefetches:
 * a new slab's lines are cold (it comes back from the page allocator), and
 * in the shuffled order no hardware prefetcher guesses them. */
#define SLUB_BUMP_PREFETCH 8u

/* Prefetch (for writing) the start of the region's object d ahead of
 * bump_next, 1 <= d <= bump_left.
 * always_inline: gcc finds a function that only prefetches free of side
 * effects and deletes the calls (it did, until session 5). */
static inline __attribute__((always_inline)) void cpu_bump_prefetch_(const struct kmem_cache_cpu *c, unsigned d)
{
	__builtin_prefetch((const void *)(c->lo + c->bump_seq[d - 1u]), 1, 3);
}

/* Hand out bump_next, which heads the CPU freelist: the next object of the
 * region (or none) heads it now. */
static inline void cpu_bump_take_(struct kmem_cache_cpu *c)
{
	char *next = c->bump_left ? cpu_bump_after_(c) : NULL;
	c->bump_next = next;
	c->freelist = next;
	if (c->bump_left >= SLUB_BUMP_PREFETCH)
		cpu_bump_prefetch_(c, SLUB_BUMP_PREFETCH);
}
/* Write the links of the whole region (the chain ends where the kernel's
 * eager linking would have ended it); no region after. */
static inline void cpu_bump_link_(const struct slub_cache *sc, struct kmem_cache_cpu *c)
{
	char *cur = c->bump_next;
	if (!cur)
		return;
	while (c->bump_left) {
		char *next = cpu_bump_after_(c);
		slub_set_fp_(sc, cur, next);
		cur = next;
	}
	slub_set_fp_(sc, cur, NULL);
	c->bump_next = NULL;
}

/* A slab's entries in k->slab->slub_head_off: each tail page's distance
 * to the head (set), or 0 (clear, before the pages go back). A slab of
 * 2^order pages: at most MAX_ORDER, so a distance fits 16 bits. */
static inline void slub_head_off_set_(struct kmm *k, const struct kmm_page *slab, unsigned order, bool set)
{
	uint16_t *off = k->slab->slub_head_off + page_to_pfn_(k, slab);
	for (unsigned i = 1; i < 1u << order; i++)
		off[i] = set ? (uint16_t)i : 0;
}
/* Give a slab's pages back to the page allocator (slab_free_pages_), its
 * head offsets cleared first. */
static inline void slub_free_slab_pages_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab)
{
	unsigned order = slub_slab_order_(slab);
	slub_head_off_set_(k, slab, order, false);
	slab_free_pages_(k, s, slab, order);
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

/* ---- CPU slab helpers of slub.c and slub_cache.c ------------------------- */

/* A link that leads outside its slab: report, and cut the chain there (the
 * objects behind it stay counted in use: leaked, never handed out). */
static inline void freechain_corrupt_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj)
{
	slab_object_err_(k, s, slab, obj, "Freechain corrupt", "Isolate corrupted freechain");
}

/* The active slab of c, or none; lo/span/node follow it. Any bump region
 * is gone (linked or handed out) by now. */
static inline void cpu_set_slab_(struct kmm *k, struct slub_cache *sc, struct kmem_cache_cpu *c, struct kmm_page *slab)
{
	KMM_ASSERT(k, c->bump_next == NULL);
	c->slab = slab;
	if (slab) {
		c->lo = (uintptr_t)slub_slab_base_(k, slab) + sc->red_left_pad;
		c->span = (uintptr_t)(slab->slab.objects - 1u) * sc->size;
		c->hi = c->lo + c->span;
		c->node = slab->node;
	} else {
		c->lo = 0;
		c->span = 0;
		c->hi = 0;
		c->node = -1;
	}
}

/* c's freelist, whole and linked, taken off c with its slab (c->lock
 * held): what deactivate_slab() gets. */
static inline void *cpu_take_all_(struct kmm *k, struct slub_cache *sc, struct kmem_cache_cpu *c)
{
	cpu_bump_link_(sc, c);
	void *freelist = c->freelist;
	c->freelist = NULL;
	cpu_set_slab_(k, sc, c, NULL);
	return freelist;
}

/* ---- statistics, list and random helpers of the SLUB files ------------- */

static inline void stat_cpu_(struct kmm *k, struct kmem_cache_cpu *c, enum slub_stat_item si, unsigned n)
{
	if (kmm_unlikely(k->cfg.threaded))
		__atomic_fetch_add(&c->stat[si], n, __ATOMIC_RELAXED);
	else
		c->stat[si] += n;
}
/* Count on the current CPU, as the kernel's this_cpu_inc. */
static inline void stat_(struct kmm *k, struct slub_cache *sc, enum slub_stat_item si)
{
	stat_cpu_(k, &sc->cpu[current_cpu_(k)], si, 1);
}

/* get_random_u32_below(): multiply-shift, from the cache's stream (under
 * node 0's list_lock in threaded mode: the stream is the cache's, and
 * callers hold no node lock). */
static inline unsigned rand_below_(struct kmm *k, struct slub_cache *sc, unsigned n)
{
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->lock(k->plat->ctx, &sc->node[0].list_lock);
	uint64_t r = slab_random_(&sc->rng);
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->unlock(k->plat->ctx, &sc->node[0].list_lock);
	return (unsigned)(((r >> 32) * n) >> 32);
}

static inline void list_splice_head_(struct list_head *list, struct list_head *head)
{
	if (list_empty(list))
		return;
	struct list_head *first = list->next, *last = list->prev, *at = head->next;
	first->prev = head;
	head->next = first;
	last->next = at;
	at->prev = last;
	INIT_LIST_HEAD(list);
}

/* node lists (n->list_lock held) */
static inline void add_partial_(struct kmem_cache_node *n, struct kmm_page *slab, bool tail)
{
	n->nr_partial++;
	if (tail)
		list_add_tail(&slab->lru, &n->partial);
	else
		list_add(&slab->lru, &n->partial);
	slab->slab.list = SLUB_LIST_NODE_PARTIAL;
}
static inline void remove_partial_(struct kmem_cache_node *n, struct kmm_page *slab)
{
	list_del(&slab->lru);
	n->nr_partial--;
	slab->slab.list = SLUB_LIST_NONE;
}
static inline void add_full_(struct kmem_cache_node *n, struct kmm_page *slab)
{
	list_add(&slab->lru, &n->full);
	n->nr_full++;
	slab->slab.list = SLUB_LIST_FULL;
}
static inline void remove_full_(struct kmem_cache_node *n, struct kmm_page *slab)
{
	list_del(&slab->lru);
	n->nr_full--;
	slab->slab.list = SLUB_LIST_NONE;
}
static inline void inc_slabs_node_(struct kmem_cache_node *n, unsigned objects)
{
	n->nr_slabs++;
	n->total_objects += objects;
}
static inline void dec_slabs_node_(struct kmem_cache_node *n, unsigned objects)
{
	n->nr_slabs--;
	n->total_objects -= objects;
}

/* ---- the single-threaded fast paths -------------------------------------
 *
 * The kernel's slab_alloc_node() / slab_free() fast paths, inline: slub.c's
 * ops->alloc_fast / free_fast wrap them, and kmalloc.c (kmm_kmalloc,
 * kmm_kfree) and slab_common.c (kmm_cache_alloc, kmm_cache_free) call them
 * directly on a single-threaded SLUB system (ss->slub_local), so that
 * kmalloc(size) is a table load and the CPU freelist pop with no indirect
 * call, as the kernel's kmalloc inlines slab_alloc_node(). Callers
 * guarantee: not threaded, no debug flags on s, node -1, no gfp bit the
 * general path must see. Everything else is slub.c's (noinline, below).
 */

/* Everything but the single-threaded CPU-freelist pop. */
void *slub_alloc_slow_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node);
/* The pop of the bump region's next object (c's freelist heads it). */
void *slub_alloc_bump_(struct kmem_cache_cpu *c);
/* The pop whose next link is NULL or leaves the slab (reported). */
void *slub_alloc_last_(struct kmm *k, struct kmm_cache *s, struct kmem_cache_cpu *c, void *obj, void *next);
/* A free that is not a push onto the CPU freelist (__slab_free()); c is
 * the current CPU's state. slub_free_remote_inl_ below, out of line. */
void slub_free_remote_(struct kmm *k, struct kmm_cache *s, struct kmem_cache_cpu *c, struct kmm_page *slab,
		       void *obj);
/* One object past the fast paths: checked fully, then do_slab_free(). */
void slub_free_slow_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj);
/* slub_free_remote_inl_ past its common case (the slab was full, is
 * frozen, or may go back to the page allocator); the object is on the
 * slab's freelist already. */
void slub_free_remote_moved_(struct kmm *k, struct kmm_cache *s, struct kmem_cache_cpu *c, struct kmm_page *slab);

/*
 * Pop CPU freelist c: the link load and decode (xor, bswap) with c's copy
 * of the cache's layout, one bounds compare (NULL included: it wraps above
 * span), two stores. The bump region's object (never linked) is the slow
 * path's, and so is a CPU slab of another node than the one asked for (node
 * -1: any; a constant -1 folds the test away).
 */
static inline void *slub_alloc_cpu_(struct kmm *k, struct kmem_cache_cpu *c, kmm_gfp_t gfp, int node)
{
	void *obj = c->freelist;
	/* one compare for both: freelist is NULL only without a bump region,
	 * and then bump_next is NULL too */
	if (kmm_likely(obj != c->bump_next && (node < 0 || c->node == node))) {
		void *next = slub_fp_get_(&c->fp, obj);
		if (kmm_unlikely((uintptr_t)next - c->lo > c->span))
			return slub_alloc_last_(k, c->cache, c, obj, next); /* NULL, or corrupt */
		c->freelist = next;
		c->stat[ALLOC_FASTPATH]++;
		return obj;
	}
	/* any node, and the object is the bump region's: a new slab's */
	if (node < 0 && obj != NULL)
		return slub_alloc_bump_(c);
	return slub_alloc_slow_(k, c->cache, gfp, node);
}

/* The same for a SLAB_SLUB_LOCAL_ cache s on the current CPU (its
 * backend_cpu). */
static inline void *slub_alloc_local_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node)
{
	return slub_alloc_cpu_(k, s->backend_cpu, gfp, node);
}

/*
 * The fast path (slab_free()): an object of the current CPU's active slab
 * is pushed onto the CPU freelist. The object must lie at or below the
 * slab's last object (so its link is inside the slab) and must not already
 * head the list (the hardened kernel's naive double-free test); anything
 * else takes the slow path, which checks fully. At or above the first
 * object it is already: slab is its page's head, so it lies in the slab,
 * and the first object starts the slab unless a left red zone comes first
 * (debug caches only, whose frees are checked before they get here).
 */
static inline bool slub_free_push_(struct kmem_cache_cpu *c, struct kmm_page *slab, void *obj)
{
	void *head = c->freelist;
	if (kmm_likely(slab == c->slab && obj != head && (uintptr_t)obj <= c->hi)) {
		slub_fp_set_(&c->fp, obj, head);
		c->freelist = obj;
		c->stat[FREE_FASTPATH]++;
		return true;
	}
	return false;
}

/* The same push for an object known to lie between the first and the
 * last object of c's active slab (kfree's hint): the naive double-free
 * test is all that is left to make. */
static inline bool slub_free_push_cpu_(struct kmem_cache_cpu *c, void *obj)
{
	void *head = c->freelist;
	if (kmm_likely(obj != head)) {
		slub_fp_set_(&c->fp, obj, head);
		c->freelist = obj;
		c->stat[FREE_FASTPATH]++;
		return true;
	}
	return false;
}

/*
 * __slab_free()'s common case for one object on a single-threaded system
 * and a cache without debug flags (ops->free_fast only): an object of a
 * slab that is not the current CPU's active slab -- every free of a
 * workload that frees in another order than it allocated. Checked,
 * linked, counted, and the slab mostly left where it is; anything unusual
 * (misuse, a naive double free) takes the general path, which reports it.
 * c is the current CPU's state (the caller has it).
 *
 * A cold slab's free is bound by how many of them the CPU overlaps, so
 * the common case is short: the slab's fields are read once, before the
 * link is stored into the object (the store may alias anything for the
 * compiler, which would read them again behind it), and a slab that stays
 * on a partial list (a CPU's, or the node's and not emptied) is two
 * compares; the rest is slub_free_remote_moved_'s. base is the slab's
 * first byte (kfree has its PFN already; slub_free_remote_ computes it).
 */
static inline __attribute__((always_inline)) void slub_free_remote_inl_(struct kmm *k, struct kmm_cache *s,
									struct kmem_cache_cpu *c, struct kmm_page *slab,
									const char *base, void *obj)
{
	struct slub_cache *sc = slub_(s);
	void *prior = slab->slab.freelist;
	unsigned inuse = slab->slab.inuse;
	if (kmm_unlikely(slab == c->slab || obj == prior || !inuse || !slub_object_ptr_(sc, base, slab, obj))) {
		slub_free_slow_(k, s, slab, obj);
		return;
	}
	unsigned list = slab->slab.list;
	slub_fp_set_(&c->fp, obj, prior);
	slab->slab.freelist = obj;
	slab->slab.inuse = (uint16_t)(inuse - 1u);
	c->stat[FREE_SLOWPATH]++;
	if (kmm_likely(list == SLUB_LIST_CPU_PARTIAL || (list == SLUB_LIST_NODE_PARTIAL && inuse != 1u)))
		return;
	slub_free_remote_moved_(k, s, c, slab);
}

/* slab_free() of one object of slab (its head page), single-threaded, on
 * CPU state c (the current CPU's). */
static inline void slub_free_cpu_(struct kmm *k, struct kmm_cache *s, struct kmem_cache_cpu *c,
				  struct kmm_page *slab, void *obj)
{
	if (kmm_likely(slub_free_push_(c, slab, obj)))
		return;
	slub_free_remote_(k, s, c, slab, obj);
}
/* The same for a SLAB_SLUB_LOCAL_ cache s (its backend_cpu). */
static inline void slub_free_local_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj)
{
	slub_free_cpu_(k, s, s->backend_cpu, slab, obj);
}

/* ---- slub_cache.c: new slabs and the cache's lifetime --------------------- */

struct kmm_page *new_slab_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, kmm_gfp_t gfp, int node);
/* new_slab() for a CPU: a cache without debug flags or ctor gets the slab
 * unlinked (slab.freelist NULL) and *bump filled, for the CPU's bump
 * region; any other gets it linked, bump->first NULL. */
struct kmm_page *new_slab_bump_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, kmm_gfp_t gfp, int node,
				struct slub_bump *bump);
void discard_slabs_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct list_head *discard);
void slab_out_of_memory_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, kmm_gfp_t gfp, int node);
int slub_cache_open_(struct kmm *k, struct kmm_cache *s);
unsigned long slub_cache_shutdown_(struct kmm *k, struct kmm_cache *s);
void slub_cache_release_(struct kmm *k, struct kmm_cache *s);
int slub_shrink_(struct kmm *k, struct kmm_cache *s);
int slub_init_(struct kmm *k);
void slub_fini_(struct kmm *k);

/* ---- slub_cache.c, for slub.c ---------------------------------------------- */

/* flush_all(): every CPU's active slab deactivated, its partial list
 * emptied to the node lists; empty slabs freed. */
void flush_all_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc);
/* __put_partials(), put_cpu_partial(), deactivate_slab(): see slub_cache.c. */
void put_partials_(struct kmm *k, struct slub_cache *sc, struct list_head *slabs, struct list_head *discard);
void put_cpu_partial_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct kmm_page *slab);
void deactivate_slab_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct kmm_page *slab,
		      void *freelist, struct list_head *discard);

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
