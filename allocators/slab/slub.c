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
 * Slab order: the kernel's calculate_order() -- the smallest order holding
 * at least min_objects objects (4 * (fls(nr_cpus) + 1)) with at most 1/16
 * of the slab wasted, relaxing the waste to 1/8 and 1/4, then asking for
 * fewer objects, never above slub_max_order (PAGE_ALLOC_COSTLY_ORDER).
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

#define MIN_PARTIAL 5             /* kernel: fewest empty slabs a node keeps */
#define MAX_PARTIAL 10
#define MAX_OBJS_PER_PAGE 32767   /* slab.objects is 15 bits in the kernel */
#define SHRINK_PROMOTE_MAX 32     /* kmem_cache_shrink sorts slabs this empty */
#define PAGE_ALLOC_COSTLY_ORDER 3
#define REMOTE_NODE_DEFRAG_RATIO 1000 /* of 1024: kernel default, per cache */

/* ---- statistics ----------------------------------------------------------- */

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

/* ---- small helpers ------------------------------------------------------- */

static unsigned fls_(unsigned x)
{
	return x ? 32u - (unsigned)__builtin_clz(x) : 0;
}
static unsigned get_order_(unsigned long size)
{
	unsigned order = 0;
	while (((unsigned long)KMM_PAGE_SIZE << order) < size)
		order++;
	return order;
}
static unsigned order_objects_(unsigned order, unsigned size)
{
	return (unsigned)(((unsigned long)KMM_PAGE_SIZE << order) / size);
}
/* get_random_u32_below(): multiply-shift, from the cache's stream (under
 * node 0's list_lock in threaded mode: the stream is the cache's, and
 * callers hold no node lock). */
static unsigned rand_below_(struct kmm *k, struct slub_cache *sc, unsigned n)
{
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->lock(k->plat->ctx, &sc->node[0].list_lock);
	uint64_t r = slab_random_(&sc->rng);
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->unlock(k->plat->ctx, &sc->node[0].list_lock);
	return (unsigned)(((r >> 32) * n) >> 32);
}
static unsigned long arena_off_(const struct kmm *k, const void *p)
{
	return (unsigned long)((const char *)p - (const char *)k->arena);
}

static void list_splice_head_(struct list_head *list, struct list_head *head)
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

static int cpu_node_(const struct kmm *k)
{
	return k->cfg.cpu_node[current_cpu_(k)];
}

/* The active slab of c, or none; lo/span/node follow it. */
static void cpu_set_slab_(struct kmm *k, struct slub_cache *sc, struct kmem_cache_cpu *c, struct kmm_page *slab)
{
	c->slab = slab;
	if (slab) {
		c->lo = (uintptr_t)slub_slab_base_(k, slab) + sc->red_left_pad;
		c->span = (uintptr_t)(slab->slab.objects - 1u) * sc->size;
		c->node = slab->node;
	} else {
		c->lo = 0;
		c->span = 0;
		c->node = -1;
	}
}

/* ---- node lists (n->list_lock held) --------------------------------------- */

static void add_partial_(struct kmem_cache_node *n, struct kmm_page *slab, bool tail)
{
	n->nr_partial++;
	if (tail)
		list_add_tail(&slab->lru, &n->partial);
	else
		list_add(&slab->lru, &n->partial);
	slab->slab.list = SLUB_LIST_NODE_PARTIAL;
}
static void remove_partial_(struct kmem_cache_node *n, struct kmm_page *slab)
{
	list_del(&slab->lru);
	n->nr_partial--;
	slab->slab.list = SLUB_LIST_NONE;
}
static void add_full_(struct kmem_cache_node *n, struct kmm_page *slab)
{
	list_add(&slab->lru, &n->full);
	n->nr_full++;
	slab->slab.list = SLUB_LIST_FULL;
}
static void remove_full_(struct kmem_cache_node *n, struct kmm_page *slab)
{
	list_del(&slab->lru);
	n->nr_full--;
	slab->slab.list = SLUB_LIST_NONE;
}
static void inc_slabs_node_(struct kmem_cache_node *n, unsigned objects)
{
	n->nr_slabs++;
	n->total_objects += objects;
}
static void dec_slabs_node_(struct kmem_cache_node *n, unsigned objects)
{
	n->nr_slabs--;
	n->total_objects -= objects;
}

/* ---- reports of misuse the common layer let through ------------------------ */

/* A link that leads outside its slab: report, and cut the chain there (the
 * objects behind it stay counted in use: leaked, never handed out). */
static void freechain_corrupt_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj)
{
	slab_object_err_(k, s, slab, obj, "Freechain corrupt", "Isolate corrupted freechain");
}

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

/* ---- new slabs -------------------------------------------------------------- */

/* setup_object(): debug init (poison, red zones) then the constructor. */
static void setup_object_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, void *obj)
{
	if (sc->debug)
		slab_debug_init_object_(k, s, obj);
	if (s->ctor)
		s->ctor(obj);
}

/* next_freelist_entry(): the permutation entry at *pos, skipping slots a
 * smaller (fallback-order) slab does not have. */
static char *next_freelist_entry_(struct slub_cache *sc, unsigned *pos, char *start, unsigned long limit)
{
	unsigned idx;
	do {
		idx = sc->random_seq[*pos];
		if (++*pos >= sc->random_seq_len)
			*pos = 0;
	} while (idx >= limit);
	return start + idx;
}

/* Link seq[from..to) (byte offsets from start) behind cur; the new tail. */
static char *link_run_(const struct slub_cache *sc, char *start, const unsigned *seq, unsigned from, unsigned to,
		       char *cur)
{
	for (unsigned i = from; i < to; i++) {
		char *next = start + seq[i];
		slub_set_fp_(sc, cur, next);
		cur = next;
	}
	return cur;
}

/* shuffle_freelist(): link the objects in the cache's random order. */
static bool shuffle_freelist_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct kmm_page *slab,
			      char *base)
{
	unsigned objects = slab->slab.objects;
	if (objects < 2 || !sc->random_seq_len)
		return false;
	unsigned pos = rand_below_(k, sc, sc->random_seq_len);
	unsigned long limit = (unsigned long)objects * sc->size;
	char *start = base + sc->red_left_pad;
	if (!sc->debug && !s->ctor && objects == sc->random_seq_len) {
		/* The common case, nothing to set up and every entry a slot of
		 * this slab: the permutation from pos round to pos - 1, as two
		 * straight runs. */
		char *head = start + sc->random_seq[pos];
		char *tail = link_run_(sc, start, sc->random_seq, pos + 1, objects, head);
		tail = link_run_(sc, start, sc->random_seq, 0, pos, tail);
		slub_set_fp_(sc, tail, NULL);
		slab->slab.freelist = head;
		return true;
	}
	char *cur = next_freelist_entry_(sc, &pos, start, limit);
	setup_object_(k, s, sc, cur);
	slab->slab.freelist = cur;
	for (unsigned i = 1; i < objects; i++) {
		char *next = next_freelist_entry_(sc, &pos, start, limit);
		setup_object_(k, s, sc, next);
		slub_set_fp_(sc, cur, next);
		cur = next;
	}
	slub_set_fp_(sc, cur, NULL);
	return true;
}

/*
 * alloc_slab_page(): node < 0 follows the task's policy; a named node is
 * preferred, falling back to the others by distance from it unless gfp
 * pins it (__GFP_THISNODE) -- the page allocator's zonelist walk, done
 * here node by node because slab_alloc_pages_() pins a named node. Only
 * the last attempt may warn.
 */
static struct kmm_page *alloc_slab_page_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node,
					 unsigned order)
{
	if (node < 0 || (gfp & KMM___GFP_THISNODE) || k->nr_nodes < 2)
		return slab_alloc_pages_(k, s, gfp, node, order);
	int nids[KMM_MAX_NODES];
	unsigned nr = 0;
	kmm_nodemask_t seen = 0;
	for (const struct zoneref *zr = k->nodes[node].zonelist_fallback; zr->zone; zr++) {
		unsigned nid = zr->zone->node;
		if (!(seen & (1u << nid))) {
			seen |= 1u << nid;
			nids[nr++] = (int)nid;
		}
	}
	for (unsigned i = 0; i < nr; i++) {
		kmm_gfp_t g = i + 1 < nr ? gfp | KMM___GFP_NOWARN : gfp;
		struct kmm_page *slab = slab_alloc_pages_(k, s, g, nids[i], order);
		if (slab)
			return slab;
	}
	return NULL;
}

/*
 * allocate_slab(): the preferred order without warnings or retries, then
 * the minimum order with the caller's flags. Objects get their debug init
 * and ctor and are linked; nothing is accounted yet.
 */
static struct kmm_page *allocate_slab_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, kmm_gfp_t gfp,
				       int node)
{
	struct slub_oo oo = sc->oo;
	kmm_gfp_t alloc_gfp = (gfp | KMM___GFP_NOWARN | KMM___GFP_NORETRY) & ~KMM___GFP_NOFAIL;
	if ((alloc_gfp & KMM___GFP_DIRECT_RECLAIM) && oo.order > sc->min.order)
		alloc_gfp = (alloc_gfp | KMM___GFP_NOMEMALLOC) & ~KMM___GFP_RECLAIM;
	struct kmm_page *slab = alloc_slab_page_(k, s, alloc_gfp, node, oo.order);
	if (kmm_unlikely(!slab)) {
		oo = sc->min;
		slab = alloc_slab_page_(k, s, gfp, node, oo.order);
		if (!slab)
			return NULL;
		stat_(k, sc, ORDER_FALLBACK);
	}
	slab->slab.objects = (uint16_t)oo.objects;
	slab->slab.inuse = 0;
	slab->slab.frozen = 0;
	slab->slab.list = SLUB_LIST_NONE;
	slab->slab.extra = (uint16_t)oo.order;
	INIT_LIST_HEAD(&slab->lru);

	char *base = slub_slab_base_(k, slab);
	if (!shuffle_freelist_(k, s, sc, slab, base)) {
		char *p = base + sc->red_left_pad;
		bool setup = sc->debug || s->ctor;
		if (setup)
			setup_object_(k, s, sc, p);
		slab->slab.freelist = p;
		for (unsigned i = 1; i < oo.objects; i++) {
			char *next = p + sc->size;
			if (setup)
				setup_object_(k, s, sc, next);
			slub_set_fp_(sc, p, next);
			p = next;
		}
		slub_set_fp_(sc, p, NULL);
	}
	return slab;
}

/* new_slab(): allocate_slab() and count it on its node. */
static struct kmm_page *new_slab_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, kmm_gfp_t gfp,
				  int node)
{
	struct kmm_page *slab = allocate_slab_(k, s, sc, gfp, node);
	if (slab) {
		struct kmem_cache_node *n = &sc->node[slab->node];
		slub_node_lock_(k, n);
		inc_slabs_node_(n, slab->slab.objects);
		slub_node_unlock_(k, n);
	}
	return slab;
}

/* Give back slabs already taken off every list and uncounted (no locks held). */
static void discard_slabs_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct list_head *discard)
{
	while (!list_empty(discard)) {
		struct kmm_page *slab = list_entry(discard->next, struct kmm_page, lru);
		list_del(&slab->lru);
		stat_(k, sc, FREE_SLAB);
		slab_free_pages_(k, s, slab, slub_slab_order_(slab));
	}
}

/* slab_out_of_memory(): the kernel's note after the page allocator's own. */
static void slab_out_of_memory_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, kmm_gfp_t gfp, int node)
{
	if (gfp & KMM___GFP_NOWARN)
		return;
	char gfpbuf[160];
	struct kmm_text t;
	char buf[1024];
	kmm_gfp_format(gfp, gfpbuf, sizeof(gfpbuf));
	t.buf = buf;
	t.len = 0;
	t.cap = sizeof(buf);
	t.truncated = false;
	kmm_text_printf(&t, "SLUB: Unable to allocate memory on node %d, gfp=%#x(%s)\n", node, gfp, gfpbuf);
	kmm_text_printf(&t, "  cache: %s, object size: %u, buffer size: %u, default order: %u, min order: %u\n",
			s->name, s->l.object_size, sc->size, sc->oo.order, sc->min.order);
	for (unsigned nid = 0; nid < sc->nr_nodes; nid++) {
		struct kmem_cache_node *n = &sc->node[nid];
		struct list_head *pos;
		unsigned long nr_free = 0;
		slub_node_lock_(k, n);
		list_for_each(pos, &n->partial) {
			const struct kmm_page *slab = list_entry(pos, struct kmm_page, lru);
			nr_free += (unsigned long)(slab->slab.objects - slab->slab.inuse);
		}
		kmm_text_printf(&t, "  node %u: slabs: %llu, objs: %llu, free: %lu\n", nid,
				(unsigned long long)n->nr_slabs, (unsigned long long)n->total_objects, nr_free);
		slub_node_unlock_(k, n);
	}
	kmm_report(k, KMM_REPORT_ALLOC_FAILURE, "%s", buf);
}

/* ---- CPU partial lists and deactivation ------------------------------------- */

/*
 * __put_partials(): slabs leaving a CPU partial list go to their node's
 * partial list, or, when empty and the node already keeps min_partial
 * slabs there, onto discard (uncounted; the caller frees them unlocked).
 */
static void put_partials_(struct kmm *k, struct slub_cache *sc, struct list_head *slabs, struct list_head *discard)
{
	while (!list_empty(slabs)) {
		struct kmm_page *slab = list_entry(slabs->next, struct kmm_page, lru);
		struct kmem_cache_node *n = &sc->node[slab->node];
		list_del(&slab->lru);
		slub_node_lock_(k, n);
		KMM_ASSERT(k, !slab->slab.frozen && slab->slab.list == SLUB_LIST_CPU_PARTIAL);
		if (!slab->slab.inuse && n->nr_partial >= sc->min_partial) {
			dec_slabs_node_(n, slab->slab.objects);
			slab->slab.list = SLUB_LIST_NONE;
			list_add(&slab->lru, discard);
			stat_(k, sc, DEACTIVATE_EMPTY);
		} else {
			add_partial_(n, slab, true);
			stat_(k, sc, FREE_ADD_PARTIAL);
		}
		slub_node_unlock_(k, n);
	}
}

/*
 * put_cpu_partial(): a slab that was full got a free; it goes to the
 * current CPU's partial list. With drain, a list already holding
 * cpu_partial_slabs slabs is first moved to the node lists whole.
 * c->lock not held on entry.
 */
static void put_cpu_partial_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct kmm_page *slab)
{
	struct kmem_cache_cpu *c = &sc->cpu[current_cpu_(k)];
	struct list_head drained, discard;
	INIT_LIST_HEAD(&drained);
	INIT_LIST_HEAD(&discard);
	slub_cpu_lock_(k, sc, c);
	if (c->nr_partial >= sc->cpu_partial_slabs) {
		list_splice_head_(&c->partial, &drained);
		c->nr_partial = 0;
	}
	list_add(&slab->lru, &c->partial);
	c->nr_partial++;
	slub_cpu_unlock_(k, sc, c);
	if (!list_empty(&drained)) {
		put_partials_(k, sc, &drained, &discard);
		stat_(k, sc, CPU_PARTIAL_DRAIN);
		discard_slabs_(k, s, sc, &discard);
	}
}

/*
 * deactivate_slab(): an active slab leaves its CPU with the CPU's freelist.
 * Stage one counts that freelist (checking every link, cutting it at the
 * first bad one); stage two splices it in front of the slab's own
 * freelist and unfreezes; stage three files the slab: freed when empty and
 * the node has min_partial slabs, else partial (tail if it had remote
 * frees), else full.
 */
static void deactivate_slab_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct kmm_page *slab,
			     void *freelist, struct list_head *discard)
{
	struct kmem_cache_node *n = &sc->node[slab->node];
	const char *base = slub_slab_base_(k, slab);
	void *tail = NULL;
	unsigned free_delta = 0;

	for (void *iter = freelist; iter;) {
		void *next = slub_get_fp_(sc, iter);
		if (!slub_valid_ptr_(sc, base, slab, next) || free_delta >= slab->slab.objects) {
			/* iter's link is bad (or loops): iter and what follows stay in use */
			freechain_corrupt_(k, s, slab, iter);
			break;
		}
		tail = iter;
		free_delta++;
		iter = next;
	}

	slub_node_lock_(k, n);
	KMM_ASSERT(k, slab->slab.frozen && slab->slab.list == SLUB_LIST_CPU);
	bool remote = slab->slab.freelist != NULL;
	if (tail) {
		if (free_delta > slab->slab.inuse)
			free_delta = slab->slab.inuse; /* only a corrupted chain gets here */
		slab->slab.inuse = (uint16_t)(slab->slab.inuse - free_delta);
		slub_set_fp_(sc, tail, slab->slab.freelist);
		slab->slab.freelist = freelist;
	}
	slab->slab.frozen = 0;
	slab->slab.list = SLUB_LIST_NONE;
	if (!slab->slab.inuse && n->nr_partial >= sc->min_partial) {
		dec_slabs_node_(n, slab->slab.objects);
		list_add(&slab->lru, discard);
		slub_node_unlock_(k, n);
		stat_(k, sc, DEACTIVATE_EMPTY);
	} else if (slab->slab.freelist) {
		add_partial_(n, slab, remote);
		slub_node_unlock_(k, n);
		stat_(k, sc, remote ? DEACTIVATE_TO_TAIL : DEACTIVATE_TO_HEAD);
	} else {
		add_full_(n, slab);
		slub_node_unlock_(k, n);
		stat_(k, sc, DEACTIVATE_FULL);
	}
	if (remote)
		stat_(k, sc, DEACTIVATE_REMOTE_FREES);
}

/* flush_cpu_slab(): deactivate one CPU's slab and empty its partial list. */
static void flush_cpu_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, unsigned cpu,
		       struct list_head *discard)
{
	struct kmem_cache_cpu *c = &sc->cpu[cpu];
	struct list_head partial;
	INIT_LIST_HEAD(&partial);
	slub_cpu_lock_(k, sc, c);
	struct kmm_page *slab = c->slab;
	void *freelist = c->freelist;
	c->freelist = NULL;
	cpu_set_slab_(k, sc, c, NULL);
	list_splice_head_(&c->partial, &partial);
	c->nr_partial = 0;
	if (slab) {
		deactivate_slab_(k, s, sc, slab, freelist, discard);
		stat_cpu_(k, c, CPUSLAB_FLUSH, 1);
	}
	slub_cpu_unlock_(k, sc, c);
	put_partials_(k, sc, &partial, discard);
}

static void flush_all_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc)
{
	struct list_head discard;
	INIT_LIST_HEAD(&discard);
	for (unsigned cpu = 0; cpu < sc->nr_cpus; cpu++)
		flush_cpu_(k, s, sc, cpu, &discard);
	discard_slabs_(k, s, sc, &discard);
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
static struct kmm_page *get_partial_node_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc,
					  struct kmem_cache_cpu *c, struct kmem_cache_node *n, unsigned long above,
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

/* get_any_partial(): other nodes' partial slabs, nearest first, only from
 * nodes with more than min_partial of them, and (remote_node_defrag_ratio)
 * not every time. */
static struct kmm_page *get_any_partial_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc,
					 struct kmem_cache_cpu *c, struct partial_context *pc)
{
	if (sc->nr_nodes < 2 || !sc->remote_node_defrag_ratio ||
	    rand_below_(k, sc, 1024) > sc->remote_node_defrag_ratio)
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
		struct kmm_page *slab = get_partial_node_(k, s, sc, c, &sc->node[nid], sc->min_partial, pc);
		if (slab)
			return slab;
	}
	return NULL;
}

/* get_partial(): the requested (or the CPU's) node first, then any other
 * unless __GFP_THISNODE pins an explicit node. */
static struct kmm_page *get_partial_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc,
				     struct kmem_cache_cpu *c, int node, struct partial_context *pc)
{
	int searchnode = node < 0 ? cpu_node_(k) : node;
	struct kmm_page *slab = get_partial_node_(k, s, sc, c, &sc->node[searchnode], 0, pc);
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

	if (slab) {
		if (node >= 0 && c->node != node) {
			stat_cpu_(k, c, ALLOC_NODE_MISMATCH, 1);
			freelist = c->freelist;
			c->freelist = NULL;
			cpu_set_slab_(k, sc, c, NULL);
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
		slab = new_slab_(k, s, sc, pc.gfp, node);
		slub_cpu_lock_(k, sc, c);
		if (slab) {
			stat_cpu_(k, c, ALLOC_SLAB, 1);
			/* nobody else knows the slab yet: freeze it directly */
			freelist = slab->slab.freelist;
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
		void *old_freelist = c->freelist;
		c->freelist = NULL;
		cpu_set_slab_(k, sc, c, NULL);
		deactivate_slab_(k, s, sc, old, old_freelist, discard);
		stat_cpu_(k, c, CPUSLAB_FLUSH, 1);
	}
	cpu_set_slab_(k, sc, c, slab);

load_freelist:
	c->freelist = cpu_next_(k, s, sc, c, freelist);
	return freelist;
}

/* Everything but the single-threaded CPU-freelist pop. */
static void *__attribute__((noinline)) slub_alloc_slow_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node)
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
		/* the fast path, under the CPU's lock (threaded mode) */
		c->freelist = cpu_next_(k, s, sc, c, obj);
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
	discard_slabs_(k, s, sc, &discard);
	return obj;
}

/*
 * The fast path (slab_alloc_node()): pop the current CPU's freelist when
 * it has an object on an acceptable node. Single-threaded: three loads to
 * find the CPU freelist, the link load and decode (xor, bswap), one bounds
 * compare, two stores.
 */
static void *__attribute__((noinline)) slub_alloc_last_(struct kmm *k, struct kmm_cache *s,
							struct kmem_cache_cpu *c, void *obj, void *next)
{
	c->freelist = cpu_next_bad_(k, s, c, obj, next);
	c->stat[ALLOC_FASTPATH]++;
	return obj;
}

static void *slub_alloc(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node)
{
	struct slub_cache *sc = slub_(s);
	if (kmm_likely(!k->cfg.threaded)) {
		struct kmem_cache_cpu *c = &sc->cpu[k->cur_cpu];
		void *obj = c->freelist;
		if (kmm_likely(obj != NULL && (node < 0 || c->node == node))) {
			void *next = slub_get_fp_(sc, obj);
			if (kmm_unlikely((uintptr_t)next - c->lo > c->span))
				return slub_alloc_last_(k, s, c, obj, next); /* NULL, or corrupt */
			c->freelist = next;
			c->stat[ALLOC_FASTPATH]++;
			return obj;
		}
	}
	return slub_alloc_slow_(k, s, gfp, node);
}

/* ops->alloc_fast: the same pop for the common layer's fast paths, which
 * call it only single-threaded with node -1. */
static void *slub_alloc_fast(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node)
{
	struct slub_cache *sc = slub_(s);
	struct kmem_cache_cpu *c = &sc->cpu[k->cur_cpu];
	void *obj = c->freelist;
	if (kmm_likely(obj != NULL)) {
		void *next = slub_get_fp_(sc, obj);
		if (kmm_unlikely((uintptr_t)next - c->lo > c->span))
			return slub_alloc_last_(k, s, c, obj, next); /* NULL, or corrupt */
		c->freelist = next;
		c->stat[ALLOC_FASTPATH]++;
		return obj;
	}
	return slub_alloc_slow_(k, s, gfp, node);
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
		slab_free_pages_(k, s, slab, slub_slab_order_(slab));
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
			put_cpu_partial_(k, s, sc, slab);
			stat_(k, sc, CPU_PARTIAL_FREE);
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
		slab_free_pages_(k, s, slab, slub_slab_order_(slab));
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
static void __attribute__((noinline)) slub_free_slow_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab,
						      void *obj)
{
	struct slub_cache *sc = slub_(s);
	if (kmm_unlikely(!obj || !slub_valid_ptr_(sc, slub_slab_base_(k, slab), slab, obj))) {
		invalid_free_(k, s, slab, obj, "Invalid object pointer");
		return;
	}
	do_slab_free_(k, s, sc, slab, obj, obj, 1);
}

/*
 * __slab_free()'s common case for one object on a single-threaded system
 * and a cache without debug flags (ops->free_fast only): an object of a
 * slab that is not the current CPU's active slab -- every free of a
 * workload that frees in another order than it allocated. Checked,
 * linked, counted, and the slab mostly left where it is; anything unusual
 * (misuse, a naive double free) takes the general path, which reports it.
 */
static void __attribute__((noinline)) slub_free_remote_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab,
							void *obj)
{
	struct slub_cache *sc = slub_(s);
	struct kmem_cache_cpu *c = &sc->cpu[k->cur_cpu];
	void *prior = slab->slab.freelist;
	if (kmm_unlikely(slab == c->slab || obj == prior || !slab->slab.inuse ||
			 !slub_object_ptr_(sc, slub_slab_base_(k, slab), slab, obj))) {
		slub_free_slow_(k, s, slab, obj);
		return;
	}
	slub_set_fp_(sc, obj, prior);
	slab->slab.freelist = obj;
	slab->slab.inuse--;
	c->stat[FREE_SLOWPATH]++;
	if (slab->slab.frozen) {
		c->stat[FREE_FROZEN]++;
		return;
	}
	struct kmem_cache_node *n = &sc->node[slab->node];
	if (!slab_free_stays_(sc, n, slab))
		slab_free_refile_(k, s, sc, n, slab);
}

/*
 * The fast path (slab_free()): an object of the current CPU's active slab
 * is pushed onto the CPU freelist. The object must lie at or below the
 * slab's last object (so its link is inside the slab) and must not already
 * head the list (the hardened kernel's naive double-free test); anything
 * else takes the slow path, which checks fully.
 */
static inline bool slub_free_push_(struct slub_cache *sc, struct kmem_cache_cpu *c, struct kmm_page *slab,
				   void *obj)
{
	void *head = c->freelist;
	if (kmm_likely(slab == c->slab && obj != head && (uintptr_t)obj - c->lo <= c->span)) {
		slub_set_fp_(sc, obj, head);
		c->freelist = obj;
		c->stat[FREE_FASTPATH]++;
		return true;
	}
	return false;
}

static void slub_free(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj)
{
	struct slub_cache *sc = slub_(s);
	if (kmm_likely(!k->cfg.threaded) && slub_free_push_(sc, &sc->cpu[k->cur_cpu], slab, obj))
		return;
	slub_free_slow_(k, s, slab, obj);
}

/* ops->free_fast: single-threaded, no debug flags. */
static void slub_free_fast(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj)
{
	struct slub_cache *sc = slub_(s);
	if (kmm_likely(slub_free_push_(sc, &sc->cpu[k->cur_cpu], slab, obj)))
		return;
	slub_free_remote_(k, s, slab, obj);
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
			c->freelist = cpu_next_(k, s, sc, c, obj);
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

/* ---- cache lifetime ------------------------------------------------------------------------- */

/* calc_slab_order(): the smallest order from min_objects' worth up to
 * max_order wasting at most 1/fract_leftover of the slab; max_order + 1
 * when none does. */
static unsigned calc_slab_order_(unsigned size, unsigned min_objects, unsigned max_order, unsigned fract_leftover)
{
	unsigned order;
	if (order_objects_(0, size) > MAX_OBJS_PER_PAGE)
		return get_order_((unsigned long)size * MAX_OBJS_PER_PAGE) - 1;
	for (order = get_order_((unsigned long)min_objects * size); order <= max_order; order++) {
		unsigned long slab_size = (unsigned long)KMM_PAGE_SIZE << order;
		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/* calculate_order(): see the essay at the top. -1 when even one object
 * does not fit in a MAX_ORDER block. */
static int calculate_order_(unsigned size, unsigned min_objects, unsigned max_order, unsigned nr_cpus)
{
	unsigned order;
	if (!min_objects)
		min_objects = 4 * (fls_(nr_cpus) + 1);
	unsigned max_objects = order_objects_(max_order, size);
	if (min_objects > max_objects)
		min_objects = max_objects;
	while (min_objects > 1) {
		for (unsigned fraction = 16; fraction >= 4; fraction /= 2) {
			order = calc_slab_order_(size, min_objects, max_order, fraction);
			if (order <= max_order)
				return (int)order;
		}
		min_objects--;
	}
	order = calc_slab_order_(size, 1, max_order, 1);
	if (order <= max_order)
		return (int)order;
	order = calc_slab_order_(size, 1, KMM_MAX_ORDER, 1);
	if (order <= KMM_MAX_ORDER)
		return (int)order;
	return -1;
}

/* set_cpu_partial(): how much a CPU partial list holds, by object size;
 * in slabs, assuming they are half full. Debug caches have none. */
static void set_cpu_partial_(struct slub_cache *sc)
{
	unsigned nr_objects;
	if (sc->debug)
		nr_objects = 0;
	else if (sc->size >= KMM_PAGE_SIZE)
		nr_objects = 6;
	else if (sc->size >= 1024)
		nr_objects = 24;
	else if (sc->size >= 256)
		nr_objects = 52;
	else
		nr_objects = 120;
	sc->cpu_partial = nr_objects;
	sc->cpu_partial_slabs = (nr_objects * 2 + sc->oo.objects - 1) / sc->oo.objects;
}

/* init_cache_random_seq(): a Fisher-Yates permutation of the preferred
 * slab's slots, kept as byte offsets. */
static int init_cache_random_seq_(struct kmm *k, struct slub_cache *sc)
{
	unsigned count = sc->oo.objects;
	if (count < 2)
		return 0;
	sc->random_seq = k->plat->meta_alloc(k->plat->ctx, count * sizeof(unsigned));
	if (!sc->random_seq)
		return -ENOMEM;
	for (unsigned i = 0; i < count; i++)
		sc->random_seq[i] = i;
	for (unsigned i = count - 1; i > 0; i--) {
		unsigned j = rand_below_(k, sc, i + 1), t = sc->random_seq[i];
		sc->random_seq[i] = sc->random_seq[j];
		sc->random_seq[j] = t;
	}
	for (unsigned i = 0; i < count; i++)
		sc->random_seq[i] *= sc->size;
	sc->random_seq_len = count;
	return 0;
}

/* struct slub_cache, cpu[nr_cpus], then cpu_lock[nr_cpus]. */
static size_t slub_cache_bytes_(unsigned nr_cpus)
{
	return sizeof(struct slub_cache) + (size_t)nr_cpus * (sizeof(struct kmem_cache_cpu) + sizeof(struct kmm_lock));
}

static void slub_cache_release(struct kmm *k, struct kmm_cache *s)
{
	struct slub_cache *sc = slub_(s);
	if (!sc)
		return;
	if (sc->random_seq)
		k->plat->meta_free(k->plat->ctx, sc->random_seq, sc->random_seq_len * sizeof(unsigned));
	if (k->cfg.threaded) {
		for (unsigned i = 0; i < sc->nr_nodes; i++)
			k->plat->lock_destroy(k->plat->ctx, &sc->node[i].list_lock);
		for (unsigned i = 0; i < sc->nr_cpus; i++)
			k->plat->lock_destroy(k->plat->ctx, &sc->cpu_lock[i]);
	}
	k->plat->meta_free(k->plat->ctx, sc, slub_cache_bytes_(sc->nr_cpus));
	s->backend = NULL;
}

/* kmem_cache_open(): order, objects, partial limits, keys, per-node and
 * per-CPU state. */
static int slub_cache_open(struct kmm *k, struct kmm_cache *s)
{
	struct slub_cache *sc = k->plat->meta_alloc(k->plat->ctx, slub_cache_bytes_(k->nr_cpus));
	if (!sc)
		return -ENOMEM;
	sc->s = s;
	sc->nr_cpus = k->nr_cpus;
	sc->cpu_lock = (struct kmm_lock *)(void *)&sc->cpu[sc->nr_cpus];
	sc->nr_nodes = k->nr_nodes;
	s->backend = sc;
	/* lists and locks first: every failure below ends in cache_release */
	for (unsigned nid = 0; nid < sc->nr_nodes; nid++) {
		struct kmem_cache_node *n = &sc->node[nid];
		INIT_LIST_HEAD(&n->partial);
		INIT_LIST_HEAD(&n->full);
		if (k->cfg.threaded)
			k->plat->lock_init(k->plat->ctx, &n->list_lock);
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++)
			if (k->nodes[nid].zones[zt].managed_pages)
				sc->slab_nodes |= 1u << nid;
	}
	for (unsigned cpu = 0; cpu < sc->nr_cpus; cpu++) {
		struct kmem_cache_cpu *c = &sc->cpu[cpu];
		INIT_LIST_HEAD(&c->partial);
		c->node = -1;
		if (k->cfg.threaded)
			k->plat->lock_init(k->plat->ctx, &sc->cpu_lock[cpu]);
	}

	sc->size = s->l.size;
	sc->size_magic = UINT64_MAX / sc->size + 1;
	sc->red_left_pad = s->l.red_left_pad;
	sc->offset = s->l.offset;
	sc->debug = slab_debug_on_(s);
	sc->hardened = (k->cfg.slab_features & KMM_SLAB_FREELIST_HARDENED) != 0;
	sc->rng = k->cfg.seed ^ ((uint64_t)s->random_seed * 0x9e3779b97f4a7c15ull);
	/* the key is drawn either way, so hardening does not move the shuffle */
	uintptr_t key = (uintptr_t)slab_random_(&sc->rng);
	if (sc->hardened) {
		sc->random = key;
		sc->swab_mask = ~(uintptr_t)0;
	}

	unsigned max_order = k->cfg.slab_max_order ? k->cfg.slab_max_order : PAGE_ALLOC_COSTLY_ORDER;
	int order = calculate_order_(sc->size, k->cfg.slab_min_objects, max_order, k->nr_cpus);
	if (order < 0) {
		slub_cache_release(k, s);
		return -EINVAL;
	}
	sc->oo.order = (unsigned)order;
	sc->oo.objects = order_objects_((unsigned)order, sc->size);
	sc->min.order = get_order_(sc->size);
	sc->min.objects = order_objects_(sc->min.order, sc->size);

	if (k->cfg.slab_min_partial) {
		sc->min_partial = k->cfg.slab_min_partial;
	} else {
		sc->min_partial = (fls_(sc->size) - 1) / 2; /* ilog2(size) / 2 */
		if (sc->min_partial < MIN_PARTIAL)
			sc->min_partial = MIN_PARTIAL;
		if (sc->min_partial > MAX_PARTIAL)
			sc->min_partial = MAX_PARTIAL;
	}
	set_cpu_partial_(sc);
	sc->remote_node_defrag_ratio = REMOTE_NODE_DEFRAG_RATIO;

	if ((k->cfg.slab_features & KMM_SLAB_FREELIST_RANDOM) && init_cache_random_seq_(k, sc) < 0) {
		slub_cache_release(k, s);
		return -ENOMEM;
	}
	return 0;
}

/*
 * __kmem_cache_shutdown(): flush every CPU, free every empty slab on the
 * node lists, and count the objects still allocated (0: nothing left).
 */
static unsigned long slub_cache_shutdown(struct kmm *k, struct kmm_cache *s)
{
	struct slub_cache *sc = slub_(s);
	struct list_head discard;
	unsigned long left = 0;
	INIT_LIST_HEAD(&discard);
	flush_all_(k, s, sc);
	for (unsigned nid = 0; nid < sc->nr_nodes; nid++) {
		struct kmem_cache_node *n = &sc->node[nid];
		struct list_head *pos;
		slub_node_lock_(k, n);
		pos = n->partial.next;
		while (pos != &n->partial) {
			struct kmm_page *slab = list_entry(pos, struct kmm_page, lru);
			pos = pos->next;
			if (!slab->slab.inuse) {
				remove_partial_(n, slab);
				dec_slabs_node_(n, slab->slab.objects);
				list_add(&slab->lru, &discard);
			} else {
				left += slab->slab.inuse;
			}
		}
		list_for_each(pos, &n->full)
			left += list_entry(pos, struct kmm_page, lru)->slab.inuse;
		slub_node_unlock_(k, n);
	}
	discard_slabs_(k, s, sc, &discard);
	return left;
}

/*
 * __kmem_cache_shrink(): flush every CPU; per node, free the empty partial
 * slabs and sort the rest so the fullest (fewest free, up to
 * SHRINK_PROMOTE_MAX) come first, where the next allocations look.
 */
static int slub_shrink(struct kmm *k, struct kmm_cache *s)
{
	struct slub_cache *sc = slub_(s);
	struct list_head discard, promote[SHRINK_PROMOTE_MAX];
	flush_all_(k, s, sc);
	for (unsigned nid = 0; nid < sc->nr_nodes; nid++) {
		struct kmem_cache_node *n = &sc->node[nid];
		INIT_LIST_HEAD(&discard);
		for (unsigned i = 0; i < SHRINK_PROMOTE_MAX; i++)
			INIT_LIST_HEAD(&promote[i]);
		slub_node_lock_(k, n);
		struct list_head *pos = n->partial.next;
		while (pos != &n->partial) {
			struct kmm_page *slab = list_entry(pos, struct kmm_page, lru);
			unsigned nr_free = slab->slab.objects - slab->slab.inuse;
			pos = pos->next;
			if (nr_free == slab->slab.objects) {
				remove_partial_(n, slab);
				dec_slabs_node_(n, slab->slab.objects);
				list_add(&slab->lru, &discard);
			} else if (nr_free && nr_free <= SHRINK_PROMOTE_MAX) {
				list_del(&slab->lru);
				list_add_tail(&slab->lru, &promote[nr_free - 1]);
			}
		}
		for (int i = SHRINK_PROMOTE_MAX - 1; i >= 0; i--)
			list_splice_head_(&promote[i], &n->partial);
		slub_node_unlock_(k, n);
		discard_slabs_(k, s, sc, &discard);
	}
	return 0;
}

/* SLUB keeps no system-wide state: its boot parameters are k->cfg's. */
static int slub_init(struct kmm *k)
{
	(void)k;
	return 0;
}
static void slub_fini(struct kmm *k)
{
	(void)k;
}

const struct kmm_slab_ops kmm_slub_ops = {
	.name = "slub",
	.init = slub_init,
	.fini = slub_fini,
	.cache_open = slub_cache_open,
	.cache_shutdown = slub_cache_shutdown,
	.cache_release = slub_cache_release,
	.alloc = slub_alloc,
	.free = slub_free,
	.alloc_fast = slub_alloc_fast,
	.free_fast = slub_free_fast,
	.alloc_bulk = slub_alloc_bulk,
	.free_bulk = slub_free_bulk,
	.shrink = slub_shrink,
	.check = slub_check_,
	.for_each_slab = slub_for_each_slab_,
	.object_is_free = slub_object_is_free_,
	.slab_first = slub_slab_first_,
	.info = slub_info_,
	.tunables = slub_tunables_,
	.validate_freelist = slub_validate_freelist_,
	.freeptr_ok = slub_freeptr_ok_,
};
