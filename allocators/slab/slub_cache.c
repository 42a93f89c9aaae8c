// SPDX-License-Identifier: MIT
/*
 * SLUB: where a cache's slabs come from and go back to -- new slabs,
 * slabs a CPU lets go, and the cache's lifetime. The allocation and free
 * paths are slub.c's; the walks (check, validate, info) slub_check.c's.
 *
 * Slab order: the kernel's calculate_order() -- the smallest order holding
 * at least min_objects objects (4 * (fls(nr_cpus) + 1)) with at most 1/16
 * of the slab wasted, relaxing the waste to 1/8 and 1/4, then asking for
 * fewer objects, never above slub_max_order (PAGE_ALLOC_COSTLY_ORDER). A
 * new slab is tried at that order without warnings or retries, then at the
 * smallest order that holds one object with the caller's flags.
 *
 * A new slab's objects are linked into its freelist in address order, or,
 * with SLAB_FREELIST_RANDOM, in the order of a per-cache Fisher-Yates
 * permutation of the slots (drawn at cache open from the cache's seeded
 * stream), entered at a random position per slab. Every link is stored
 * encoded when SLAB_FREELIST_HARDENED is on (slub_set_fp_). Debug caches
 * and caches with a constructor set up each object (poison, red zones,
 * ctor) and link it at once, as the kernel does; other caches' slabs,
 * made for a CPU, are linked lazily in the same order as the CPU hands
 * the objects out (struct slub_bump): writing a link into every object of
 * a cold slab up front costs a cache line per object, most of them missed,
 * that the allocation never needs.
 *
 * Slabs a CPU lets go (deactivate_slab: its active slab, with the CPU
 * freelist spliced back; __put_partials: its partial list) are filed on
 * their node's lists here too, or freed when empty and the node keeps
 * min_partial slabs already; flush_all does both for every CPU.
 *
 * Lifetime: cache_open sizes the cache (order, min_partial,
 * cpu_partial, hardening key, random sequence) and lays out its per-node
 * and per-CPU state in one metadata block; shutdown flushes every CPU and
 * frees the empty slabs, counting the objects still allocated; shrink
 * flushes, frees the empty partial slabs and sorts the rest fullest first
 * (up to SHRINK_PROMOTE_MAX free objects); release gives the metadata back.
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

/* ---- sizes ---------------------------------------------------------------- */

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

/* ---- new slabs -------------------------------------------------------------- */

/* setup_object(): debug init (poison, red zones) then the constructor. */
static void setup_object_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, void *obj)
{
	if (sc->debug)
		slab_debug_init_object_(k, s, obj);
	if (s->ctor)
		s->ctor(obj);
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
static struct kmm_page *__attribute__((noinline)) alloc_slab_page_walk_(struct kmm *k, struct kmm_cache *s,
									 kmm_gfp_t gfp, int node, unsigned order)
{
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
/* Inline: the common case is one call, without the walk's frame. */
static inline struct kmm_page *alloc_slab_page_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node,
						unsigned order)
{
	if (node < 0 || (gfp & KMM___GFP_THISNODE) || k->nr_nodes < 2)
		return slab_alloc_pages_(k, s, gfp, node, order);
	return alloc_slab_page_walk_(k, s, gfp, node, order);
}

/*
 * allocate_slab(): the preferred order without warnings or retries, then
 * the minimum order with the caller's flags. Objects get their debug init
 * and ctor and are linked; nothing is accounted yet.
 */
static struct kmm_page *allocate_slab_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, kmm_gfp_t gfp,
				       int node, struct slub_bump *bump)
{
	struct slub_oo oo = sc->oo;
	if (bump)
		bump->first = NULL;
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
	slub_head_off_set_(k, slab, oo.order, true);

	char *base = slub_slab_base_(k, slab);
	if (bump && sc->lazy_link && oo.objects == sc->oo.objects) {
		/* Linked lazily by the CPU that takes it (slub_internal.h,
		 * struct slub_bump): the same order, the same random draw.
		 * A fallback-order slab (fewer objects: the permutation's
		 * entries past it would be skipped) is linked now instead. */
		unsigned pos = oo.objects >= 2 && sc->random_seq_len ? rand_below_(k, sc, sc->random_seq_len) : 0;
		bump->left = oo.objects - 1u;
		bump->first = base + sc->red_left_pad + sc->bump_seq[pos];
		bump->pos = pos + 1u;
		slab->slab.freelist = NULL;
		return slab;
	}
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

/* new_slab(): allocate_slab() and count it on its node. bump: see
 * new_slab_bump_ in slub_internal.h (NULL: linked now). */
struct kmm_page *new_slab_bump_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, kmm_gfp_t gfp, int node,
				struct slub_bump *bump)
{
	struct kmm_page *slab = allocate_slab_(k, s, sc, gfp, node, bump);
	if (slab) {
		struct kmem_cache_node *n = &sc->node[slab->node];
		slub_node_lock_(k, n);
		inc_slabs_node_(n, slab->slab.objects);
		slub_node_unlock_(k, n);
	}
	return slab;
}

struct kmm_page *new_slab_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, kmm_gfp_t gfp, int node)
{
	return new_slab_bump_(k, s, sc, gfp, node, NULL);
}

/* Give back slabs already taken off every list and uncounted (no locks held). */
void discard_slabs_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct list_head *discard)
{
	while (!list_empty(discard)) {
		struct kmm_page *slab = list_entry(discard->next, struct kmm_page, lru);
		list_del(&slab->lru);
		stat_(k, sc, FREE_SLAB);
		slub_free_slab_pages_(k, s, slab);
	}
}

/* slab_out_of_memory(): the kernel's note after the page allocator's own. */
void slab_out_of_memory_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, kmm_gfp_t gfp, int node)
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
void put_partials_(struct kmm *k, struct slub_cache *sc, struct list_head *slabs, struct list_head *discard)
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
 * c->lock not held on entry. Single-threaded with room on the list (most
 * frees to a full slab) it is two stores, without a lock, a drain or a
 * frame; put_cpu_partial_locked_ does the rest.
 */
static void __attribute__((noinline)) put_cpu_partial_locked_(struct kmm *k, struct kmm_cache *s,
							       struct slub_cache *sc, struct kmem_cache_cpu *c,
							       struct kmm_page *slab)
{
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
void put_cpu_partial_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct kmm_page *slab)
{
	struct kmem_cache_cpu *c = &sc->cpu[current_cpu_(k)];
	if (kmm_likely(!k->cfg.threaded) && c->nr_partial < sc->cpu_partial_slabs) {
		list_add(&slab->lru, &c->partial);
		c->nr_partial++;
		return;
	}
	put_cpu_partial_locked_(k, s, sc, c, slab);
}

/*
 * deactivate_slab(): an active slab leaves its CPU with the CPU's freelist.
 * Stage one counts that freelist (checking every link, cutting it at the
 * first bad one); stage two splices it in front of the slab's own
 * freelist and unfreezes; stage three files the slab: freed when empty and
 * the node has min_partial slabs, else partial (tail if it had remote
 * frees), else full.
 */
void deactivate_slab_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc, struct kmm_page *slab,
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
	void *freelist = cpu_take_all_(k, sc, c);
	list_splice_head_(&c->partial, &partial);
	c->nr_partial = 0;
	if (slab) {
		deactivate_slab_(k, s, sc, slab, freelist, discard);
		stat_cpu_(k, c, CPUSLAB_FLUSH, 1);
	}
	slub_cpu_unlock_(k, sc, c);
	put_partials_(k, sc, &partial, discard);
}

void flush_all_(struct kmm *k, struct kmm_cache *s, struct slub_cache *sc)
{
	struct list_head discard;
	INIT_LIST_HEAD(&discard);
	for (unsigned cpu = 0; cpu < sc->nr_cpus; cpu++)
		flush_cpu_(k, s, sc, cpu, &discard);
	discard_slabs_(k, s, sc, &discard);
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

/* sc->bump_seq (lazy_link caches): random_seq twice over, or the address
 * order's offsets twice over. */
static int init_bump_seq_(struct kmm *k, struct slub_cache *sc)
{
	unsigned objects = sc->oo.objects;
	sc->bump_seq = k->plat->meta_alloc(k->plat->ctx, 2u * objects * sizeof(unsigned));
	if (!sc->bump_seq)
		return -ENOMEM;
	for (unsigned i = 0; i < 2u * objects; i++)
		sc->bump_seq[i] = sc->random_seq_len ? sc->random_seq[i % objects] : (i % objects) * sc->size;
	return 0;
}

/* struct slub_cache, cpu[nr_cpus], then cpu_lock[nr_cpus]. */
static size_t slub_cache_bytes_(unsigned nr_cpus)
{
	return sizeof(struct slub_cache) + (size_t)nr_cpus * (sizeof(struct kmem_cache_cpu) + sizeof(struct kmm_lock));
}

void slub_cache_release_(struct kmm *k, struct kmm_cache *s)
{
	struct slub_cache *sc = slub_(s);
	if (!sc)
		return;
	if (sc->random_seq)
		k->plat->meta_free(k->plat->ctx, sc->random_seq, sc->random_seq_len * sizeof(unsigned));
	if (sc->bump_seq)
		k->plat->meta_free(k->plat->ctx, sc->bump_seq, 2u * sc->oo.objects * sizeof(unsigned));
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
int slub_cache_open_(struct kmm *k, struct kmm_cache *s)
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
	sc->fp.offset = s->l.offset;
	sc->debug = slab_debug_on_(s);
	/* A new slab for a CPU may come unlinked (allocate_slab_) unless its
	 * objects need setting up (debug, ctor) or the free pointer lies
	 * outside the object (TYPESAFE_BY_RCU): such a pointer keeps its last
	 * link while the object is allocated, and validate checks it there,
	 * so those slabs are linked at once and no allocated object holds a
	 * stale word. Fixed for the cache's life: decided here, once. */
	sc->lazy_link = !sc->debug && !s->ctor &&
			(sc->fp.offset + sizeof(void *) <= s->l.object_size || sc->fp.offset < s->l.inuse);
	sc->hardened = (k->cfg.slab_features & KMM_SLAB_FREELIST_HARDENED) != 0;
	sc->rng = k->cfg.seed ^ ((uint64_t)s->random_seed * 0x9e3779b97f4a7c15ull);
	/* the key is drawn either way, so hardening does not move the shuffle */
	uintptr_t key = (uintptr_t)slab_random_(&sc->rng);
	if (sc->hardened) {
		sc->fp.random = key;
		sc->fp.swab_mask = ~(uintptr_t)0;
	}
	for (unsigned cpu = 0; cpu < sc->nr_cpus; cpu++) {
		sc->cpu[cpu].fp = sc->fp;
		sc->cpu[cpu].cache = s;
	}
	if (s->flags & SLAB_SLUB_LOCAL_)
		s->backend_cpu = &sc->cpu[k->cur_cpu];

	unsigned max_order = k->cfg.slab_max_order ? k->cfg.slab_max_order : PAGE_ALLOC_COSTLY_ORDER;
	int order = calculate_order_(sc->size, k->cfg.slab_min_objects, max_order, k->nr_cpus);
	if (order < 0) {
		slub_cache_release_(k, s);
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
		slub_cache_release_(k, s);
		return -ENOMEM;
	}
	if (sc->lazy_link && init_bump_seq_(k, sc) < 0) {
		slub_cache_release_(k, s);
		return -ENOMEM;
	}
	return 0;
}

/*
 * __kmem_cache_shutdown(): flush every CPU, free every empty slab on the
 * node lists, and count the objects still allocated (0: nothing left).
 */
unsigned long slub_cache_shutdown_(struct kmm *k, struct kmm_cache *s)
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
int slub_shrink_(struct kmm *k, struct kmm_cache *s)
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

/* SLUB's system-wide state is k->slab->slub_head_off (slab_internal.h),
 * zeroed; its boot parameters are k->cfg's. */
int slub_init_(struct kmm *k)
{
	k->slab->slub_head_off = k->plat->meta_alloc(k->plat->ctx, (size_t)k->total_pages * sizeof(uint16_t));
	return k->slab->slub_head_off ? 0 : -ENOMEM;
}
void slub_fini_(struct kmm *k)
{
	if (k->slab->slub_head_off)
		k->plat->meta_free(k->plat->ctx, k->slab->slub_head_off, (size_t)k->total_pages * sizeof(uint16_t));
	k->slab->slub_head_off = NULL;
}
