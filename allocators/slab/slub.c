// SPDX-License-Identifier: MIT
/*
 * SLUB: the object allocator that queues nothing but freelists.
 *
 * A slab is a block of 2^order pages cut into equal slots. Its free objects
 * form a singly linked list whose links live inside the free objects
 * themselves, at s->l.offset from the object start (the middle of the
 * object, or just past it when the object must keep its contents while
 * free). The struct page of the slab's head (page->slab) says which cache
 * owns it, where its freelist starts, how many objects it has and how many
 * are in use.
 *
 * Each simulated CPU has an active slab and a private copy of its freelist
 * (struct kmem_cache_cpu): allocation pops that list, a free of an object
 * of the active slab pushes onto it, and neither touches anything shared
 * -- that is the whole fast path, a handful of loads and stores (on
 * single-threaded systems the common layer calls it as ops->alloc_fast /
 * free_fast, without the lock and node tests). Everything else is the
 * slow path:
 *  - the active slab ran dry: take the objects other CPUs freed into it
 *    since (the slab's own freelist), else drop it (it is full) and take the
 *    next slab from the CPU's partial list, then from the node's partial
 *    list (moving up to half a CPU partial list's worth of further slabs to
 *    the CPU on the way), then from other nodes' partial lists, and only
 *    then a new slab from the page allocator (the preferred order first,
 *    the smallest order that fits one object when that fails);
 *  - a free to a slab that is not the CPU's active slab goes to the slab's
 *    own freelist (single-threaded, without debug flags, by a short path
 *    of its own: slub_free_remote_); a slab that was full goes to the
 *    CPU's partial list (overflowing that list moves it to the node lists),
 *    and a slab that becomes empty on a node partial list is given back
 *    once the node keeps min_partial slabs there.
 * New slabs (their order, linking their objects) and the cache's
 * lifetime (open, shutdown, shrink, release) are slub_cache.c's. A new
 * slab made for a CPU comes unlinked: the CPU hands its objects out in
 * the slab's order without reading links (the bump region of struct
 * kmem_cache_cpu, slub_internal.h) and links what is left only when the
 * slab leaves it or a walk reads the chain.
 * Debug caches (any of F/Z/P/U) keep no CPU slabs: every allocation and
 * free goes to the node lists one object at a time, so that the debug
 * layer sees every object and validate sees every slab (partial and full).
 *
 * Hardening (cfg.slab_features, keys from the system seed):
 * SLAB_FREELIST_HARDENED stores each link as next ^ random ^ swab(&link)
 * and catches the naive double free (freeing the object that already heads
 * the freelist); SLAB_FREELIST_RANDOM links a new slab's objects in the
 * order of a per-cache Fisher-Yates permutation, entered at a random
 * position per slab.
 *
 * Where we differ from mm/slub.c, and why: no cmpxchg_double (locks in
 * threaded mode, nothing single-threaded); a full list for every cache
 * (see slub_internal.h); links are range-checked where they are followed,
 * so a user's write-after-free corrupts at most the objects handed out,
 * never the allocator ("Freechain corrupt", the chain is isolated); the
 * per-CPU partial slabs are not frozen (as since Linux 6.8).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../page/assert.h"
#include "slub_internal.h"

/* ---- small helpers ------------------------------------------------------- */

static unsigned long arena_off_(const struct kmm *k, const void *p)
{
	return (unsigned long)((const char *)p - (const char *)k->arena);
}

static int cpu_node_(const struct kmm *k)
{
	return k->cfg.cpu_node[current_cpu_(k)];
}


/* ---- reports of misuse the common layer let through ------------------------ */


/* set_freepointer()'s BUG_ON(object == fp) of the hardened kernel. Without
 * hardening the kernel would link the object to itself and hand it out
 * forever; we drop the free silently instead. */
static void naive_double_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj)
{
	char fix[64];
	if (!slub_(s)->hardened)
		return;
	snprintf(fix, sizeof(fix), "Object at 0x%lx not freed", arena_off_(k, obj));
	slab_object_err_(k, s, slab, obj, "double free detected", fix);
}

/* A free the slab cannot take (not an object of it, or more objects than
 * it has in use): reported, dropped. */
static void invalid_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj,
			  const char *what)
{
	char fix[64];
	snprintf(fix, sizeof(fix), "Object at 0x%lx not freed", arena_off_(k, obj));
	slab_err_(k, s, slab, fix, "%s 0x%lx", what, arena_off_(k, obj));
}

/* The next link of the CPU freelist's head, checked against the active
 * slab's bounds (one compare, NULL included: it wraps above span). */
static void *__attribute__((noinline)) cpu_next_bad_(struct kmm *k, struct kmm_cache *s,
						     struct kmem_cache_cpu *c, void *obj, void *next)
{
	if (next)
		freechain_corrupt_(k, s, c->slab, obj);
	/* the chain ends here; a bump region behind it is lost with the
	 * rest of the chain, as the kernel's linked slab would lose it */
	c->bump_next = NULL;
	c->bump_left = 0;
	return NULL;
}
static inline void *cpu_next_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc,
			      struct kmem_cache_cpu *c, void *obj)
{
	void *next = slub_get_fp_(sc, obj);
	if (kmm_unlikely((uintptr_t)next - c->lo > c->span))
		next = cpu_next_bad_(k, s, c, obj, next);
	return next;
}

/* Pop obj, the head of c's freelist (slow paths): the bump region's next
 * object, or the next link, checked. */
static inline void cpu_pop_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct kmem_cache_cpu *c,
			    void *obj)
{
	if (obj == c->bump_next)
		cpu_bump_take_(c);
	else
		c->freelist = cpu_next_(k, s, sc, c, obj);
}


/* ---- partial slabs for allocation ----------------------------------------------- */

struct partial_context {
	kmm_gfp_t gfp;
	void *object;   /* debug caches: the one object taken */
	void *freelist; /* otherwise: the frozen slab's objects */
};

/* alloc_single_from_partial(): one object off a node partial slab (debug
 * caches), the slab moving to the full list when that was its last. */
static void *alloc_single_from_partial_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc,
					struct kmem_cache_node *n, struct kmm_page *slab)
{
	void *object = slab->slab.freelist;
	void *next = slub_get_fp_(sc, object);
	if (!slub_valid_ptr_(sc, slub_slab_base_(k, slab), slab, next)) {
		freechain_corrupt_(k, s, slab, object);
		next = NULL;
		slab->slab.inuse = (uint16_t)(slab->slab.objects - 1u);
	}
	slab->slab.freelist = next;
	slab->slab.inuse++;
	if (!next) {
		remove_partial_(n, slab);
		add_full_(n, slab);
	}
	return object;
}

/*
 * get_partial_node(): with n holding more than `above` partial slabs, take
 * one -- an object of it for a debug cache, else the whole slab, frozen for
 * c, plus up to cpu_partial_slabs / 2 more slabs onto c's partial list.
 * c->lock held (non-debug).
 */
static struct kmm_page *__attribute__((noinline)) get_partial_node_(struct kmm *k, struct kmm_cache *s,
									 struct slub_cache *sc,
									 struct kmem_cache_cpu *c,
									 struct kmem_cache_node *n,
									 unsigned long above,
									 struct partial_context *pc)
{
	struct kmm_page *partial = NULL;
	unsigned partial_slabs = 0;
	slub_node_lock_(k, n);
	if (n->nr_partial <= above) {
		slub_node_unlock_(k, n);
		return NULL;
	}
	struct list_head *pos = n->partial.next;
	while (pos != &n->partial) {
		struct kmm_page *slab = list_entry(pos, struct kmm_page, lru);
		pos = pos->next;
		if (kmm_unlikely(!slab->slab.freelist)) {
			/* validate cleared its corrupted freelist: it is full now */
			remove_partial_(n, slab);
			add_full_(n, slab);
			continue;
		}
		if (sc->debug) {
			pc->object = alloc_single_from_partial_(k, s, sc, n, slab);
			partial = slab;
			break;
		}
		remove_partial_(n, slab);
		if (!partial) {
			partial = slab;
			pc->freelist = slab->slab.freelist;
			slab->slab.freelist = NULL;
			slab->slab.inuse = slab->slab.objects;
			slab->slab.frozen = 1;
			slab->slab.list = SLUB_LIST_CPU;
			stat_cpu_(k, c, ALLOC_FROM_PARTIAL, 1);
			if (!sc->cpu_partial_slabs)
				break;
		} else {
			slab->slab.list = SLUB_LIST_CPU_PARTIAL;
			list_add(&slab->lru, &c->partial);
			c->nr_partial++;
			stat_cpu_(k, c, CPU_PARTIAL_NODE, 1);
			if (++partial_slabs > sc->cpu_partial_slabs / 2)
				break;
		}
	}
	slub_node_unlock_(k, n);
	return partial;
}

/* get_partial_node()'s first test, made before the call: n holds no more
 * than `above` partial slabs. Single-threaded there is no lock to take for
 * it, and most slow paths of a workload that grows find the list empty
 * (the kernel reads nr_partial unlocked too); threaded, the test stays
 * under list_lock in get_partial_node_. */
static inline bool node_partial_few_(const struct kmm *k, const struct kmem_cache_node *n, unsigned long above)
{
	return !k->cfg.threaded && n->nr_partial <= above;
}

/* get_any_partial(): other nodes' partial slabs, nearest first, only from
 * nodes with more than min_partial of them, and (remote_node_defrag_ratio)
 * not every time. */
static struct kmm_page *__attribute__((noinline)) get_any_partial_walk_(struct kmm *k, struct kmm_cache *s,
									 struct slub_cache *sc,
									 struct kmem_cache_cpu *c,
									 struct partial_context *pc)
{
	if (rand_below_(k, sc, 1024) > sc->remote_node_defrag_ratio)
		return NULL;
	enum kmm_zone_type highest = kmm_gfp_zone(pc->gfp);
	if (highest >= KMM_NR_ZONES)
		highest = KMM_ZONE_NORMAL;
	kmm_nodemask_t seen = 0;
	for (const struct zoneref *zr = k->nodes[cpu_node_(k)].zonelist_fallback; zr->zone; zr++) {
		unsigned nid = zr->zone->node;
		if (zr->zone_idx > highest || (seen & (1u << nid)))
			continue;
		seen |= 1u << nid;
		struct kmem_cache_node *n = &sc->node[nid];
		if (node_partial_few_(k, n, sc->min_partial))
			continue;
		struct kmm_page *slab = get_partial_node_(k, s, sc, c, n, sc->min_partial, pc);
		if (slab)
			return slab;
	}
	return NULL;
}
static inline struct kmm_page *get_any_partial_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc,
						struct kmem_cache_cpu *c, struct partial_context *pc)
{
	if (sc->nr_nodes < 2 || !sc->remote_node_defrag_ratio)
		return NULL;
	return get_any_partial_walk_(k, s, sc, c, pc);
}

/* get_partial(): the requested (or the CPU's) node first, then any other
 * unless __GFP_THISNODE pins an explicit node. Inline: on one node with an
 * empty partial list (every new slab of a growing cache) it is two tests. */
static inline struct kmm_page *get_partial_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc,
					    struct kmem_cache_cpu *c, int node, struct partial_context *pc)
{
	int searchnode = node < 0 ? cpu_node_(k) : node;
	struct kmem_cache_node *n = &sc->node[searchnode];
	struct kmm_page *slab = node_partial_few_(k, n, 0) ? NULL : get_partial_node_(k, s, sc, c, n, 0, pc);
	if (slab || (node >= 0 && (pc->gfp & KMM___GFP_THISNODE)))
		return slab;
	return get_any_partial_(k, s, sc, c, pc);
}

/* ---- allocation ---------------------------------------------------------------------- */

/* The first allocation attempt for an explicit node without __GFP_THISNODE
 * stays on that node and does not wait (the kernel's try_thisnode). */
static kmm_gfp_t pc_gfp_(kmm_gfp_t gfp, int node, bool try_thisnode)
{
	if (node >= 0 && !(gfp & KMM___GFP_THISNODE) && try_thisnode)
		return KMM_GFP_NOWAIT | KMM___GFP_THISNODE;
	return gfp;
}

/* Debug caches: one object from a node partial slab or a new slab. */
static void *alloc_debug_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, kmm_gfp_t gfp, int node)
{
	bool try_thisnode = true;
	for (;;) {
		struct partial_context pc = { .gfp = pc_gfp_(gfp, node, try_thisnode) };
		if (get_partial_(k, s, sc, NULL, node, &pc))
			return pc.object;
		struct kmm_page *slab = new_slab_(k, s, sc, pc.gfp, node);
		if (!slab) {
			if (pc.gfp != gfp) {
				try_thisnode = false;
				continue;
			}
			slab_out_of_memory_(k, s, sc, gfp, node);
			return NULL;
		}
		stat_(k, sc, ALLOC_SLAB);
		/* alloc_single_from_new_slab() */
		struct kmem_cache_node *n = &sc->node[slab->node];
		slub_node_lock_(k, n);
		void *object = slab->slab.freelist;
		slab->slab.freelist = slub_get_fp_(sc, object); /* a fresh chain: trusted */
		slab->slab.inuse = 1;
		if (slab->slab.freelist)
			add_partial_(n, slab, false);
		else
			add_full_(n, slab);
		slub_node_unlock_(k, n);
		return object;
	}
}

/*
 * ___slab_alloc(): the CPU freelist is empty (or on the wrong node). c->lock
 * held on entry and on return (dropped around the page allocator). Returns
 * the object, the CPU freelist reloaded behind it; NULL when no slab can be
 * had. Slabs to free go onto discard.
 */
static void *slab_alloc_slow_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct kmem_cache_cpu *c,
			      kmm_gfp_t gfp, int node, struct list_head *discard)
{
	struct kmm_page *slab = c->slab;
	void *freelist;
	bool try_thisnode = true;
	struct slub_bump bump = { .first = NULL };

	if (slab) {
		if (node >= 0 && c->node != node) {
			stat_cpu_(k, c, ALLOC_NODE_MISMATCH, 1);
			freelist = cpu_take_all_(k, sc, c);
			deactivate_slab_(k, s, sc, slab, freelist, discard);
		} else {
			/* get_freelist(): the frees other CPUs made meanwhile */
			struct kmem_cache_node *n = &sc->node[slab->node];
			slub_node_lock_(k, n);
			KMM_ASSERT(k, slab->slab.frozen && slab->slab.list == SLUB_LIST_CPU);
			freelist = slab->slab.freelist;
			slab->slab.freelist = NULL;
			slab->slab.inuse = slab->slab.objects;
			if (!freelist) {
				slab->slab.frozen = 0;
				add_full_(n, slab);
			}
			slub_node_unlock_(k, n);
			if (freelist) {
				stat_cpu_(k, c, ALLOC_REFILL, 1);
				goto load_freelist;
			}
			cpu_set_slab_(k, sc, c, NULL);
			stat_cpu_(k, c, DEACTIVATE_BYPASS, 1);
		}
	}

	while (c->nr_partial) {
		slab = list_entry(c->partial.next, struct kmm_page, lru);
		list_del(&slab->lru);
		c->nr_partial--;
		if (node < 0 || slab->node == node) {
			struct kmem_cache_node *n = &sc->node[slab->node];
			slub_node_lock_(k, n);
			KMM_ASSERT(k, !slab->slab.frozen && slab->slab.list == SLUB_LIST_CPU_PARTIAL);
			freelist = slab->slab.freelist;
			if (kmm_unlikely(!freelist)) {
				/* validate cleared its freelist: it is full now */
				add_full_(n, slab);
				slub_node_unlock_(k, n);
				continue;
			}
			slab->slab.freelist = NULL;
			slab->slab.inuse = slab->slab.objects;
			slab->slab.frozen = 1;
			slab->slab.list = SLUB_LIST_CPU;
			slub_node_unlock_(k, n);
			cpu_set_slab_(k, sc, c, slab);
			stat_cpu_(k, c, CPU_PARTIAL_ALLOC, 1);
			goto load_freelist;
		}
		struct list_head one;
		INIT_LIST_HEAD(&one);
		list_add(&slab->lru, &one);
		put_partials_(k, sc, &one, discard);
	}

	for (;;) {
		struct partial_context pc = { .gfp = pc_gfp_(gfp, node, try_thisnode) };
		slab = get_partial_(k, s, sc, c, node, &pc);
		if (slab) {
			freelist = pc.freelist;
			break;
		}
		slub_cpu_unlock_(k, sc, c);
		slab = new_slab_bump_(k, s, sc, pc.gfp, node, &bump);
		slub_cpu_lock_(k, sc, c);
		if (slab) {
			stat_cpu_(k, c, ALLOC_SLAB, 1);
			/* nobody else knows the slab yet: freeze it directly */
			freelist = bump.first ? bump.first : slab->slab.freelist;
			slab->slab.freelist = NULL;
			slab->slab.inuse = slab->slab.objects;
			slab->slab.frozen = 1;
			slab->slab.list = SLUB_LIST_CPU;
			break;
		}
		if (pc.gfp != gfp) {
			try_thisnode = false;
			continue;
		}
		slab_out_of_memory_(k, s, sc, gfp, node);
		return NULL;
	}

	/* retry_load_slab: another thread of this CPU may have installed one */
	while (kmm_unlikely(c->slab != NULL)) {
		struct kmm_page *old = c->slab;
		void *old_freelist = cpu_take_all_(k, sc, c);
		deactivate_slab_(k, s, sc, old, old_freelist, discard);
		stat_cpu_(k, c, CPUSLAB_FLUSH, 1);
	}
	cpu_set_slab_(k, sc, c, slab);
	if (bump.first) {
		/* unlinked: freelist is the bump region's first object */
		c->bump_next = freelist;
		c->bump_left = bump.left;
		c->bump_seq = sc->bump_seq + bump.pos;
		/* the lines of the objects after the first, cold, on the way
		 * (the first is handed out now: a prefetch would not help) */
		for (unsigned d = 1; d < SLUB_BUMP_PREFETCH && d <= c->bump_left; d++)
			cpu_bump_prefetch_(c, d);
	}

load_freelist:
	c->freelist = freelist;
	cpu_pop_(k, s, sc, c, freelist);
	return freelist;
}

/* Everything but the single-threaded CPU-freelist pop. */
void *__attribute__((noinline)) slub_alloc_slow_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node)
{
	struct slub_cache *sc = slub_(s);
	struct kmem_cache_cpu *c = &sc->cpu[current_cpu_(k)];
	struct list_head discard;
	void *obj;

	/* a node without memory is no constraint (the kernel's slab_nodes) */
	if (node >= 0 && (node >= (int)sc->nr_nodes || !(sc->slab_nodes & (1u << node))))
		node = -1;

	slub_cpu_lock_(k, sc, c);
	obj = c->freelist;
	if (obj && (node < 0 || c->node == node)) {
		/* the fast path, under the CPU's lock (threaded mode), or
		 * the bump region's next object */
		cpu_pop_(k, s, sc, c, obj);
		stat_cpu_(k, c, ALLOC_FASTPATH, 1);
		slub_cpu_unlock_(k, sc, c);
		return obj;
	}
	stat_cpu_(k, c, ALLOC_SLOWPATH, 1);
	if (sc->debug) {
		slub_cpu_unlock_(k, sc, c);
		return alloc_debug_(k, s, sc, gfp, node);
	}
	INIT_LIST_HEAD(&discard);
	obj = slab_alloc_slow_(k, s, sc, c, gfp, node, &discard);
	slub_cpu_unlock_(k, sc, c);
	if (kmm_unlikely(!list_empty(&discard)))
		discard_slabs_(k, s, sc, &discard);
	return obj;
}

/* slub_alloc_local_'s pop of the bump region's next object (it heads c's
 * freelist and is c->bump_next): what slub_alloc_slow_ would do with it,
 * without its node and lock tests (single-threaded, any node) -- every
 * allocation from a new slab comes here. */
void *__attribute__((noinline)) slub_alloc_bump_(struct kmem_cache_cpu *c)
{
	void *obj = c->freelist;
	cpu_bump_take_(c);
	c->stat[ALLOC_FASTPATH]++;
	return obj;
}

/*
 * The fast path (slab_alloc_node()): pop the current CPU's freelist when
 * it has an object on an acceptable node. Single-threaded: three loads to
 * find the CPU freelist, the link load and decode (xor, bswap), one bounds
 * compare, two stores.
 */
void *__attribute__((noinline)) slub_alloc_last_(struct kmm *k, struct kmm_cache *s, struct kmem_cache_cpu *c,
						 void *obj, void *next)
{
	c->freelist = cpu_next_bad_(k, s, c, obj, next);
	c->stat[ALLOC_FASTPATH]++;
	return obj;
}

static void *slub_alloc(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node)
{
	if (kmm_likely(!k->cfg.threaded))
		return slub_alloc_cpu_(k, &slub_(s)->cpu[k->cur_cpu], gfp, node);
	return slub_alloc_slow_(k, s, gfp, node);
}

/* ops->alloc_fast: the same pop for the common layer's fast paths, which
 * call it only single-threaded with node -1 (kmalloc and kmem_cache_alloc
 * inline it instead: slub_alloc_local_). */
static void *slub_alloc_fast(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node)
{
	(void)node;
	return slub_alloc_cpu_(k, &slub_(s)->cpu[k->cur_cpu], gfp, -1);
}

/* ---- free ------------------------------------------------------------------------------ */

/* Drop tail from the detached chain head..tail of cnt objects (naive double
 * free found at tail); the new tail, or NULL when nothing is left. */
static void *drop_tail_(struct slub_cache *sc, void *head, void *tail, unsigned *cnt)
{
	if (*cnt <= 1 || head == tail)
		return NULL;
	void *p = head;
	for (unsigned i = 1; i < *cnt - 1 && slub_get_fp_(sc, p) != tail; i++)
		p = slub_get_fp_(sc, p);
	--*cnt;
	slub_set_fp_(sc, p, NULL);
	return p;
}

/*
 * free_to_partial_list(): debug caches. The chain head..tail (cnt objects)
 * goes onto the slab's freelist under the node lock; the slab moves from
 * full to partial, or is freed when empty and the node keeps enough.
 */
static void free_to_partial_list_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct kmm_page *slab,
				  void *head, void *tail, unsigned cnt)
{
	struct kmem_cache_node *n = &sc->node[slab->node];
	bool slab_free;
	slub_node_lock_(k, n);
	void *prior = slab->slab.freelist;
	while (kmm_unlikely(tail == prior)) {
		naive_double_free_(k, s, slab, tail);
		if (!(tail = drop_tail_(sc, head, tail, &cnt))) {
			slub_node_unlock_(k, n);
			return;
		}
	}
	if (kmm_unlikely(cnt > slab->slab.inuse)) {
		slub_node_unlock_(k, n);
		invalid_free_(k, s, slab, head, "double free detected at");
		return;
	}
	slub_set_fp_(sc, tail, prior);
	slab->slab.freelist = head;
	slab->slab.inuse = (uint16_t)(slab->slab.inuse - cnt);
	slab_free = !slab->slab.inuse && n->nr_partial >= sc->min_partial;
	if (slab->slab.list == SLUB_LIST_FULL) {
		remove_full_(n, slab);
		if (!slab_free) {
			add_partial_(n, slab, true);
			stat_(k, sc, FREE_ADD_PARTIAL);
		}
	} else if (slab_free) {
		remove_partial_(n, slab);
		stat_(k, sc, FREE_REMOVE_PARTIAL);
	}
	if (slab_free)
		dec_slabs_node_(n, slab->slab.objects);
	slub_node_unlock_(k, n);
	if (slab_free) {
		stat_(k, sc, FREE_SLAB);
		slub_free_slab_pages_(k, s, slab);
	}
}

/*
 * The rest of __slab_free(), once the chain is on the slab's freelist: the
 * slab, not frozen, moves as its new state asks. A slab that was full goes
 * to this CPU's partial list (or, without CPU partial lists, to the node's
 * partial list); one on a CPU partial list stays there, empty or not; one
 * on the node's partial list stays unless it is empty and the node keeps
 * min_partial slabs, and then it is freed (a full one too). n->list_lock
 * held on entry, dropped on return.
 */
static void __attribute__((noinline)) slab_free_refile_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc,
							struct kmem_cache_node *n, struct kmm_page *slab)
{
	/* Where the slab is decides, not prior: a slab whose freelist
	 * validate cleared may sit on a partial list with prior NULL. */
	bool was_full = slab->slab.list == SLUB_LIST_FULL;
	if (was_full) {
		/* off the full list, onto this CPU's partial list */
		remove_full_(n, slab);
		if (sc->cpu_partial_slabs) {
			slab->slab.list = SLUB_LIST_CPU_PARTIAL;
			slub_node_unlock_(k, n);
			/* counted first: put_cpu_partial_ is then a tail call */
			stat_(k, sc, CPU_PARTIAL_FREE);
			put_cpu_partial_(k, s, sc, slab);
			return;
		}
	} else if (slab->slab.list != SLUB_LIST_NODE_PARTIAL) {
		/* on a CPU partial list: stays there, empty or not */
		slub_node_unlock_(k, n);
		return;
	}
	if (!slab->slab.inuse && n->nr_partial >= sc->min_partial) {
		if (!was_full) {
			remove_partial_(n, slab);
			stat_(k, sc, FREE_REMOVE_PARTIAL);
		}
		dec_slabs_node_(n, slab->slab.objects);
		slub_node_unlock_(k, n);
		stat_(k, sc, FREE_SLAB);
		slub_free_slab_pages_(k, s, slab);
		return;
	}
	if (was_full) {
		add_partial_(n, slab, true);
		stat_(k, sc, FREE_ADD_PARTIAL);
	}
	slub_node_unlock_(k, n);
}

/* Does a slab that just took a free stay where it is? The common case of
 * __slab_free(): a node partial slab that is not empty or that the node
 * keeps, or a slab on a CPU partial list. */
static inline bool slab_free_stays_(const struct slub_cache *sc, const struct kmem_cache_node *n,
				    const struct kmm_page *slab)
{
	if (slab->slab.list == SLUB_LIST_NODE_PARTIAL)
		return slab->slab.inuse || n->nr_partial < sc->min_partial;
	return slab->slab.list == SLUB_LIST_CPU_PARTIAL;
}

/* A chain the slab cannot take: a naive double free (an object that heads
 * the slab's freelist already, dropped from the chain and reported), or
 * more objects than the slab has in use (reported, nothing freed). Returns
 * the new tail, or NULL when nothing is left to free. */
static void *__attribute__((noinline)) slab_free_bad_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc,
						      struct kmm_page *slab, void *head, void *tail, unsigned *cnt)
{
	while (tail == slab->slab.freelist) {
		naive_double_free_(k, s, slab, tail);
		if (!(tail = drop_tail_(sc, head, tail, cnt)))
			return NULL;
	}
	if (*cnt > slab->slab.inuse) {
		invalid_free_(k, s, slab, head, "double free detected at");
		return NULL;
	}
	return tail;
}

/*
 * __slab_free(): the chain head..tail of cnt objects of slab, which is not
 * the current CPU's active slab. No locks held on entry.
 */
static void slab_free_slow_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct kmm_page *slab,
			    void *head, void *tail, unsigned cnt)
{
	stat_(k, sc, FREE_SLOWPATH);
	if (sc->debug) {
		free_to_partial_list_(k, s, sc, slab, head, tail, cnt);
		return;
	}
	struct kmem_cache_node *n = &sc->node[slab->node];
	slub_node_lock_(k, n);
	void *prior = slab->slab.freelist;
	if (kmm_unlikely(tail == prior || cnt > slab->slab.inuse)) {
		tail = slab_free_bad_(k, s, sc, slab, head, tail, &cnt);
		if (!tail) {
			slub_node_unlock_(k, n);
			return;
		}
	}
	slub_set_fp_(sc, tail, prior);
	slab->slab.freelist = head;
	slab->slab.inuse = (uint16_t)(slab->slab.inuse - cnt);

	if (slab->slab.frozen) {
		/* another CPU's active slab: it finds the objects at its next refill */
		slub_node_unlock_(k, n);
		stat_(k, sc, FREE_FROZEN);
		return;
	}
	if (slab_free_stays_(sc, n, slab)) {
		slub_node_unlock_(k, n);
		return;
	}
	slab_free_refile_(k, s, sc, n, slab);
}

/* do_slab_free(): the chain head..tail (cnt objects of slab, already
 * linked head to tail) onto the CPU freelist if slab is the current CPU's
 * active slab, else __slab_free(). */
static void do_slab_free_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct kmm_page *slab,
			  void *head, void *tail, unsigned cnt)
{
	struct kmem_cache_cpu *c = &sc->cpu[current_cpu_(k)];
	slub_cpu_lock_(k, sc, c);
	if (slab == c->slab) {
		while (kmm_unlikely(tail == c->freelist)) {
			naive_double_free_(k, s, slab, tail);
			if (!(tail = drop_tail_(sc, head, tail, &cnt))) {
				slub_cpu_unlock_(k, sc, c);
				return;
			}
		}
		slub_set_fp_(sc, tail, c->freelist);
		c->freelist = head;
		stat_cpu_(k, c, FREE_FASTPATH, cnt);
		slub_cpu_unlock_(k, sc, c);
		return;
	}
	slub_cpu_unlock_(k, sc, c);
	slab_free_slow_(k, s, sc, slab, head, tail, cnt);
}

/* One object, past the fast path: checked, then do_slab_free(). */
void __attribute__((noinline)) slub_free_slow_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj)
{
	struct slub_cache *sc = slub_(s);
	if (kmm_unlikely(!obj || !slub_valid_ptr_(sc, slub_slab_base_(k, slab), slab, obj))) {
		invalid_free_(k, s, slab, obj, "Invalid object pointer");
		return;
	}
	do_slab_free_(k, s, sc, slab, obj, obj, 1);
}

/* See slub_internal.h. */
void __attribute__((noinline)) slub_free_remote_moved_(struct kmm *k, struct kmm_cache *s, struct kmem_cache_cpu *c,
							struct kmm_page *slab)
{
	struct slub_cache *sc = slub_(s);
	if (slab->slab.frozen) {
		/* another CPU's active slab: it finds the object at its next refill */
		c->stat[FREE_FROZEN]++;
		return;
	}
	struct kmem_cache_node *n = &sc->node[slab->node];
	if (!slab_free_stays_(sc, n, slab))
		slab_free_refile_(k, s, sc, n, slab);
}

/* slub_free_remote_inl_() (slub_internal.h) for callers without the slab's
 * address at hand. */
void __attribute__((noinline)) slub_free_remote_(struct kmm *k, struct kmm_cache *s, struct kmem_cache_cpu *c,
						 struct kmm_page *slab, void *obj)
{
	slub_free_remote_inl_(k, s, c, slab, slub_slab_base_(k, slab), obj);
}

static void slub_free(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj)
{
	struct slub_cache *sc = slub_(s);
	if (kmm_likely(!k->cfg.threaded) && slub_free_push_(&sc->cpu[k->cur_cpu], slab, obj))
		return;
	slub_free_slow_(k, s, slab, obj);
}

/* ops->free_fast: single-threaded, no debug flags (kfree and
 * kmem_cache_free inline it: slub_free_local_). */
static void slub_free_fast(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj)
{
	slub_free_cpu_(k, s, &slub_(s)->cpu[k->cur_cpu], slab, obj);
}

/* ---- bulk --------------------------------------------------------------------------------- */

static void slub_free_bulk(struct kmm *k, struct kmm_cache *s, size_t nr, void **p);

/* kmem_cache_alloc_bulk(): the CPU freelist as far as it goes, the slow
 * path for the rest; all or nothing. */
static size_t slub_alloc_bulk(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, size_t nr, void **p)
{
	struct slub_cache *sc = slub_(s);
	size_t i;
	if (sc->debug) {
		for (i = 0; i < nr; i++) {
			stat_(k, sc, ALLOC_SLOWPATH);
			if (!(p[i] = alloc_debug_(k, s, sc, gfp, -1)))
				goto error;
		}
		return nr;
	}
	struct kmem_cache_cpu *c = &sc->cpu[current_cpu_(k)];
	struct list_head discard;
	INIT_LIST_HEAD(&discard);
	slub_cpu_lock_(k, sc, c);
	for (i = 0; i < nr; i++) {
		void *obj = c->freelist;
		if (kmm_unlikely(!obj)) {
			stat_cpu_(k, c, ALLOC_SLOWPATH, 1);
			obj = slab_alloc_slow_(k, s, sc, c, gfp, -1, &discard);
			if (!obj)
				break;
		} else {
			cpu_pop_(k, s, sc, c, obj);
			stat_cpu_(k, c, ALLOC_FASTPATH, 1);
		}
		p[i] = obj;
	}
	slub_cpu_unlock_(k, sc, c);
	discard_slabs_(k, s, sc, &discard);
	if (i == nr)
		return nr;
error:
	if (i)
		slub_free_bulk(k, s, i, p);
	return 0;
}

struct detached_freelist {
	struct kmm_page *slab;
	void *head, *tail;
	unsigned cnt;
};

/*
 * build_detached_freelist(): link the last object of p[0..nr) with every
 * object of the same slab among the following ones (looking at most three
 * other slabs' objects ahead), moving the linked ones to the end. Returns
 * the number of objects still to free. Objects that are not this cache's
 * are reported and skipped.
 */
static size_t build_detached_freelist_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, size_t nr,
				       void **p, struct detached_freelist *df)
{
	unsigned lookahead = 3;
	void *object = p[--nr];
	struct kmm_page *slab = object ? slab_virt_to_head_(k, object) : NULL;
	df->slab = NULL;
	if (!object)
		return nr;
	if (!slab || !(slab->flags & PG_slab) || slab->slab.cache != s ||
	    !slub_valid_ptr_(sc, slub_slab_base_(k, slab), slab, object)) {
		slab_bug_(k, s, "Invalid object pointer 0x%lx in bulk free", arena_off_(k, object));
		return nr;
	}
	df->slab = slab;
	df->head = df->tail = object;
	df->cnt = 1;
	slub_set_fp_(sc, object, NULL);
	size_t same = nr;
	const char *base = slub_slab_base_(k, slab);
	while (nr) {
		object = p[--nr];
		if (object && slab_virt_to_head_(k, object) == slab && slub_valid_ptr_(sc, base, slab, object)) {
			if (kmm_unlikely(object == df->head)) {
				naive_double_free_(k, s, slab, object);
			} else {
				slub_set_fp_(sc, object, df->head);
				df->head = object;
				df->cnt++;
			}
			same--;
			if (nr != same) {
				void *t = p[nr];
				p[nr] = p[same];
				p[same] = t;
			}
			continue;
		}
		if (!--lookahead)
			break;
	}
	return same;
}

static void slub_free_bulk(struct kmm *k, struct kmm_cache *s, size_t nr, void **p)
{
	struct slub_cache *sc = slub_(s);
	while (nr) {
		struct detached_freelist df;
		nr = build_detached_freelist_(k, s, sc, nr, p, &df);
		if (df.slab)
			do_slab_free_(k, s, sc, df.slab, df.head, df.tail, df.cnt);
	}
}

/* ---- the walks: every chain linked first ------------------------------------------------- */

/* The walks of slub_check.c read the CPU freelists as chains: link every
 * CPU's bump region of s first (debug caches have none). */
static void link_bump_regions_(struct kmm *k, struct kmm_cache *s)
{
	struct slub_cache *sc = slub_(s);
	if (sc->debug)
		return;
	for (unsigned cpu = 0; cpu < sc->nr_cpus; cpu++) {
		struct kmem_cache_cpu *c = &sc->cpu[cpu];
		slub_cpu_lock_(k, sc, c);
		cpu_bump_link_(sc, c);
		slub_cpu_unlock_(k, sc, c);
	}
}
static long slub_check(struct kmm *k, struct kmm_cache *s)
{
	link_bump_regions_(k, s);
	return slub_check_(k, s);
}
static int slub_for_each_slab(struct kmm *k, struct kmm_cache *s, slab_walk_fn fn, void *ctx)
{
	link_bump_regions_(k, s);
	return slub_for_each_slab_(k, s, fn, ctx);
}
static bool slub_object_is_free(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj)
{
	link_bump_regions_(k, s);
	return slub_object_is_free_(k, s, slab, obj);
}
static void slub_info(struct kmm *k, struct kmm_cache *s, struct kmm_cache_info *out)
{
	link_bump_regions_(k, s);
	slub_info_(k, s, out);
}
static long slub_validate_freelist(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, bool *cleared)
{
	link_bump_regions_(k, s);
	return slub_validate_freelist_(k, s, slab, cleared);
}
static bool slub_freeptr_ok(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj, bool zap)
{
	link_bump_regions_(k, s);
	return slub_freeptr_ok_(k, s, slab, obj, zap);
}

const struct kmm_slab_ops kmm_slub_ops = {
	.name = "slub",
	.init = slub_init_,
	.fini = slub_fini_,
	.cache_open = slub_cache_open_,
	.cache_shutdown = slub_cache_shutdown_,
	.cache_release = slub_cache_release_,
	.alloc = slub_alloc,
	.free = slub_free,
	.alloc_fast = slub_alloc_fast,
	.free_fast = slub_free_fast,
	.alloc_bulk = slub_alloc_bulk,
	.free_bulk = slub_free_bulk,
	.shrink = slub_shrink_,
	.check = slub_check,
	.for_each_slab = slub_for_each_slab,
	.object_is_free = slub_object_is_free,
	.slab_first = slub_slab_first_,
	.info = slub_info,
	.tunables = slub_tunables_,
	.validate_freelist = slub_validate_freelist,
	.freeptr_ok = slub_freeptr_ok,
};
