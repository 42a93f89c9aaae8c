// SPDX-License-Identifier: MIT
/*
 * SLAB: the classic object allocator (the kernel's mm/slab.c, after
 * Bonwick's slab allocator as Mark Hemment and Manfred Spraul built it).
 *
 * A slab is a block of 2^gfporder pages cut into `num` equal slots. Which
 * slots are free is kept apart from the objects, in an index array (the
 * kernel's freelist of freelist_idx_t: a byte per object when a slab holds
 * at most 256 objects, else two): entries [inuse, num) name the free slots,
 * the next allocation takes entry [inuse] and a free writes its index at
 * [inuse - 1]. Because nothing is ever stored inside a free object, SLAB
 * keeps constructed objects intact while they are free, and there is no
 * free pointer to encode (SLAB_FREELIST_HARDENED has nothing to harden
 * here: the indices live outside the objects). SLAB_FREELIST_RANDOM
 * shuffles a new slab's index array: a random permutation of the slots is
 * drawn once per cache (cache_random_seq_create) and each new slab starts
 * reading it at a random position.
 *
 * Where the index array lives (the kernel's rule): objects smaller than
 * PAGE_SIZE / 32 keep it on the slab; larger ones go off-slab unless the
 * slab's leftover bytes can hold it anyway. On-slab, it sits at the start
 * of the slab, after the colour, and slot 0 follows it (aligned); off-slab
 * the kernel takes it from a kmalloc cache, we take it from the platform's
 * meta_alloc (a kmalloc would show up as an object the harness's model
 * never asked for, and could recurse into the cache being grown).
 *
 * Colouring: the bytes a slab can't use (left_over) shift slot 0 by a
 * multiple of the cache line in successive slabs of a node, so that the
 * first objects of different slabs don't all compete for the same cache
 * sets. colour = left_over / colour_off; a node's colour_next cycles
 * through 0 .. colour - 1; the offset of a slab is in page->slab.extra.
 *
 * Object caches in front of the slabs, all LIFO stacks of pointers (struct
 * array_cache):
 *   - per CPU (limit / batchcount from enable_cpucache()'s table by object
 *     size): an allocation pops, a free pushes. An empty array is refilled
 *     with batchcount objects (only 16 when the array was not touched
 *     since the last reap), from the node's shared array first, then from
 *     partial slabs, then from free slabs, and when the node has none, from
 *     a new slab grown on the node (cache_alloc_refill). A full array
 *     flushes its oldest batchcount objects, to the shared array when that
 *     has room, else back to their slabs (cache_flusharray, free_block).
 *   - per node, shared by the node's CPUs (8 batches, when more than one
 *     CPU exists and objects are at most a page).
 *   - alien caches: a CPU freeing an object whose slab lives on another node
 *     puts it in its node's alien cache for that node (12 objects); a full
 *     alien cache is drained to the remote node's shared array and slabs.
 * free_block puts objects back in their slabs and moves each slab to the
 * free or partial list; when the node then has more than free_limit free
 * objects, whole free slabs go back to the page allocator.
 *
 * Periodic reaping (cache_reap, kmm_cache_reap): on every CPU, one alien
 * cache in rotation is drained and the CPU's array gives back a fifth of
 * its limit unless it was touched since the last reap (then only the touch
 * is forgotten); per node, the shared array likewise, and unless a free
 * slab was taken since the last reap, about a fifth of free_limit's worth
 * of free slabs is returned (the "reaped" statistic).
 *
 * NUMA: an allocation for no node (or the CPU's node) goes through the
 * CPU's array; one for another node bypasses the arrays and takes an
 * object from that node's slabs, growing one there (__GFP_THISNODE) when
 * none is left. When the node has no memory, fallback_alloc walks the
 * nodes by distance, then grows a slab wherever the page allocator finds
 * pages (no node named: the task's policy, local first by default),
 * unless the caller said __GFP_THISNODE.
 *
 * Deviations, all deliberate: off-slab index arrays come from meta_alloc
 * (above); the reap rotor of alien caches is kept per cache and CPU (the
 * kernel's is per CPU, advanced once per cache_reap pass over all caches);
 * the node part of cache_reap runs once per reap call on each node that is
 * some CPU's memory node (the kernel times it with next_reap); debug caches
 * cap limit at 32 as a CONFIG_DEBUG_SLAB kernel does for every cache; slab
 * pages come through slab_alloc_pages_() and slab debugging is the common
 * debug layer's (slab_debug_*), not SLAB's own redzone words.
 *
 * The per-CPU fast paths cost a pointer load, a compare and a push or pop
 * (plus a lock pair in threaded mode); single-threaded systems reach them
 * through ops->alloc_fast / free_fast, with no lock or node test at all. Checks, the walks for the debug
 * layer and statistics are in slab_check.c; sizing a new cache (order,
 * objects per slab, where the index array lives, colours, the head arrays'
 * tunables) and laying out its per-CPU and per-node state are in
 * slab_cache.c.
 */
#include <string.h>

#include "slab_slab.h"

#define BATCHREFILL_LIMIT 16       /* refill of an untouched array */
#define FALLBACK_RETRIES_ 4        /* fallback_alloc: grown slabs other threads emptied */

/* The struct page of the page obj lies in (head or tail). */
static inline struct kmm_page *obj_page_(struct kmm *k, const void *obj)
{
	return &k->pages[(size_t)((const char *)obj - (const char *)k->arena) >> KMM_PAGE_SHIFT];
}

/* The head page of an object of this system (the caller knows obj lies in
 * a slab page: the common layer checked it, or it came out of a slab). */
static inline struct kmm_page *obj_head_(struct kmm *k, const void *obj)
{
	kmm_pfn_t pfn = (kmm_pfn_t)((size_t)((const char *)obj - (const char *)k->arena) >> KMM_PAGE_SHIFT);
	struct kmm_page *p = &k->pages[pfn];
	if (p->flags & PG_tail)
		p = &k->pages[p->compound_head];
	return p;
}

/* gfp_exact_node(): this node only, quietly, no reclaim (the caller has a
 * fallback). */
static inline kmm_gfp_t gfp_exact_node_(kmm_gfp_t gfp)
{
	return (gfp | KMM___GFP_THISNODE | KMM___GFP_NOWARN) & ~(kmm_gfp_t)(KMM___GFP_RECLAIM | KMM___GFP_NOFAIL);
}

static void report_obj_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj,
			     const char *what)
{
	slab_bug_(k, s, "%s\nINFO: Object at pfn 0x%lx offset %lu, slab inuse %u/%u", what,
		  (unsigned long)page_to_pfn_(k, slab),
		  (unsigned long)((const char *)obj - slab_page_address_(k, slab)), slab->slab.inuse,
		  slab->slab.objects);
}

/* ---- the index array: slab_get_obj / slab_put_obj ------------------------ */

/*
 * A corrupted index array (an index past num) must never turn into a
 * pointer outside the slab: report it and take the slab's remaining free
 * objects out of circulation (the slab reads as full from now on). n is the
 * slab's node when the slab is on its lists (list_lock held), else NULL.
 */
static void isolate_slab_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct slab_node_ *n,
			  struct kmm_page *slab, unsigned bad)
{
	slab_bug_(k, s, "Freelist index corrupt\nINFO: slab pfn 0x%lx free slot %u holds index %u of %u",
		  (unsigned long)page_to_pfn_(k, slab), slab->slab.inuse, bad, c->num);
	if (n)
		n->free_objects -= c->num - slab->slab.inuse;
	slab->slab.inuse = (uint16_t)c->num;
	slab_fix_(k, s, "Marking all objects used");
}

static inline void *slab_get_obj_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c,
				  struct slab_node_ *n, struct kmm_page *slab)
{
	unsigned idx = get_free_obj_(c, slab, slab->slab.inuse);
	if (kmm_unlikely(idx >= c->num)) {
		isolate_slab_(k, s, c, n, slab, idx);
		return NULL;
	}
	slab->slab.inuse++;
	return slab_slot_object_(s, s_mem_(k, c, slab), idx);
}

/* false (reported, nothing changed) when obj can't go back: outside the
 * slots, a slab with nothing in use, or (debug caches, as a DEBUG kernel
 * checks) an index already free. */
static bool slab_put_obj_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct kmm_page *slab,
			  void *obj)
{
	unsigned objnr = obj_to_index_(k, s, c, slab, obj);
	if (kmm_unlikely(objnr >= c->num)) {
		report_obj_(k, s, slab, obj, "Invalid object pointer (outside the slab's objects)");
		return false;
	}
	if (kmm_unlikely(!slab->slab.inuse)) {
		report_obj_(k, s, slab, obj, "double free detected (slab has no object in use)");
		return false;
	}
	if (slab_debug_on_(s)) {
		for (unsigned i = slab->slab.inuse; i < c->num; i++) {
			if (get_free_obj_(c, slab, i) == objnr) {
				report_obj_(k, s, slab, obj, "double free detected");
				return false;
			}
		}
	}
	slab->slab.inuse--;
	set_free_obj_(c, slab, slab->slab.inuse, objnr);
	return true;
}

/* ---- slabs: growing and destroying ---------------------------------------- */

/* cache_init_objs(): debug init and ctor on every slot, then the index
 * array: identity, or the cache's random permutation from position rnd. */
static void cache_init_objs_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct kmm_page *slab,
			     uint64_t rnd)
{
	char *first = s_mem_(k, c, slab);
	bool debug = slab_debug_on_(s);

	for (unsigned i = 0; (debug || s->ctor) && i < c->num; i++) {
		void *obj = slab_slot_object_(s, first, i);
		if (debug)
			slab_debug_init_object_(k, s, obj);
		if (s->ctor)
			s->ctor(obj);
	}
	if (c->random_seq) {
		unsigned pos = (unsigned)(rnd % c->num);
		for (unsigned i = 0; i < c->num; i++) {
			set_free_obj_(c, slab, i, c->random_seq[pos]);
			if (++pos == c->num)
				pos = 0;
		}
	} else {
		for (unsigned i = 0; i < c->num; i++)
			set_free_obj_(c, slab, i, i);
	}
}

/*
 * cache_grow_begin(): a new slab on nodeid (< 0: any), coloured, its
 * objects constructed and its index array set, on no list yet (only the
 * caller sees it). No backend lock may be held: the page allocator runs.
 */
static struct kmm_page *cache_grow_begin_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c,
					  kmm_gfp_t gfp, int nodeid)
{
	struct kmm_page *slab = slab_alloc_pages_(k, s, gfp, nodeid, c->gfporder);
	if (!slab)
		return NULL;

	/* Colour and shuffle start come from the node the pages are on. */
	struct slab_node_ *n = &c->node[slab->node];
	uint64_t rnd = 0;
	spin_lock_(k, &n->list_lock);
	unsigned offset = n->colour_next;
	if (++n->colour_next >= c->colour)
		n->colour_next = 0;
	if (c->random_seq)
		rnd = slab_random_(&n->rng);
	spin_unlock_(k, &n->list_lock);
	offset *= c->colour_off;

	void *freelist;
	if (c->off_slab) {
		freelist = k->plat->meta_alloc(k->plat->ctx, c->freelist_size);
		if (!freelist) {
			slab_free_pages_(k, s, slab, c->gfporder);
			return NULL;
		}
	} else {
		freelist = slab_page_address_(k, slab) + offset;
	}
	slab->slab.freelist = freelist;
	slab->slab.inuse = 0;
	slab->slab.objects = (uint16_t)c->num;
	slab->slab.frozen = 0;
	slab->slab.list = SLAB_LIST_NONE_;
	slab->slab.extra = (uint16_t)offset;
	INIT_LIST_HEAD(&slab->lru);
	cache_init_objs_(k, s, c, slab, rnd);
	return slab;
}

/* fixup_slab_list(): the list a slab belongs on after its inuse changed
 * (list_lock held; the slab is on a list or self-linked). */
static inline void fixup_slab_list_(struct slab_cache_ *c, struct slab_node_ *n, struct kmm_page *slab)
{
	list_del(&slab->lru);
	if (slab->slab.inuse == c->num) {
		list_add(&slab->lru, &n->slabs_full);
		slab->slab.list = SLAB_LIST_FULL_;
	} else {
		list_add(&slab->lru, &n->slabs_partial);
		slab->slab.list = SLAB_LIST_PARTIAL_;
	}
}

/* cache_grow_end(): a grown slab (maybe with objects taken) joins its
 * node's lists. NULL is a no-op. */
static void cache_grow_end_(struct kmm *k, struct slab_cache_ *c, struct kmm_page *slab)
{
	if (!slab)
		return;
	struct slab_node_ *n = &c->node[slab->node];
	spin_lock_(k, &n->list_lock);
	n->total_slabs++;
	n->grown++;
	if (!slab->slab.inuse) {
		list_add_tail(&slab->lru, &n->slabs_free);
		slab->slab.list = SLAB_LIST_FREE_;
		n->free_slabs++;
	} else {
		fixup_slab_list_(c, n, slab);
	}
	n->free_objects += c->num - slab->slab.inuse;
	spin_unlock_(k, &n->list_lock);
}

/* slab_destroy() of every slab on list (linked by lru, off the node's
 * lists and counters already). Called with no backend lock held. */
static void slabs_destroy_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct list_head *list)
{
	while (!list_empty(list)) {
		struct kmm_page *slab = list_entry(list->next, struct kmm_page, lru);
		list_del(&slab->lru);
		if (c->off_slab && slab->slab.freelist)
			k->plat->meta_free(k->plat->ctx, slab->slab.freelist, c->freelist_size);
		slab->slab.freelist = NULL;
		slab->slab.list = SLAB_LIST_NONE_;
		slab_free_pages_(k, s, slab, c->gfporder);
	}
}

/* ---- moving objects between arrays and slabs (list_lock held) ------------ */

/* The first slab to allocate from: partial, else free (noting that a free
 * slab was wanted, which holds off the next reap of free slabs). */
static inline struct kmm_page *get_first_slab_(struct slab_node_ *n)
{
	if (!list_empty(&n->slabs_partial))
		return list_entry(n->slabs_partial.next, struct kmm_page, lru);
	n->free_touched = true;
	if (list_empty(&n->slabs_free))
		return NULL;
	n->free_slabs--;
	return list_entry(n->slabs_free.next, struct kmm_page, lru);
}

/* alloc_block(): up to batchcount objects of slab into ac; what is left of
 * batchcount. */
static int alloc_block_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct slab_node_ *n,
			struct array_cache *ac, struct kmm_page *slab, int batchcount)
{
	while (slab->slab.inuse < c->num && batchcount > 0) {
		void *obj = slab_get_obj_(k, s, c, n, slab);
		if (!obj)
			break;
		batchcount--;
		ac->entry[ac->avail++] = obj;
	}
	return batchcount;
}

/*
 * free_block(): nr objects (all of node n) back into their slabs, each
 * slab to the tail of partial or the head of free; then free slabs beyond
 * free_limit onto list for slabs_destroy_().
 */
static void free_block_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct slab_node_ *n,
			void *const *objpp, unsigned nr, struct list_head *list)
{
	for (unsigned i = 0; i < nr; i++) {
		void *obj = objpp[i];
		/* Objects freed in random order sit in cold slabs: start the
		 * struct page load four objects ahead and the index array slot
		 * the put will write two ahead (hints only: they decide
		 * nothing, and an array slot stays in its slab). */
		if (i + 4 < nr)
			__builtin_prefetch(obj_page_(k, objpp[i + 4]));
		if (i + 2 < nr) {
			const struct kmm_page *ahead = obj_head_(k, objpp[i + 2]);
			unsigned slot = ahead->slab.inuse ? ahead->slab.inuse - 1u : 0u;
			__builtin_prefetch((const char *)ahead->slab.freelist + (size_t)slot * c->idx_size, 1);
		}
		struct kmm_page *slab = obj_head_(k, obj);
		if (!slab_put_obj_(k, s, c, slab, obj))
			continue;
		n->free_objects++;
		list_del(&slab->lru);
		if (!slab->slab.inuse) {
			list_add(&slab->lru, &n->slabs_free);
			slab->slab.list = SLAB_LIST_FREE_;
			n->free_slabs++;
		} else {
			/* The tail: the longest time for its other objects to come back. */
			list_add_tail(&slab->lru, &n->slabs_partial);
			slab->slab.list = SLAB_LIST_PARTIAL_;
		}
	}
	while (n->free_objects > n->free_limit && !list_empty(&n->slabs_free)) {
		struct kmm_page *slab = list_entry(n->slabs_free.prev, struct kmm_page, lru);
		list_del(&slab->lru);
		list_add(&slab->lru, list);
		slab->slab.list = SLAB_LIST_NONE_;
		n->free_objects -= c->num;
		n->free_slabs--;
		n->total_slabs--;
		n->destroyed++;
	}
}

/* transfer_objects(): up to max of from's newest objects to to. */
static unsigned transfer_objects_(struct array_cache *to, struct array_cache *from, unsigned max)
{
	unsigned nr = from->avail < max ? from->avail : max;
	if (nr > to->limit - to->avail)
		nr = to->limit - to->avail;
	if (!nr)
		return 0;
	memcpy(&to->entry[to->avail], &from->entry[from->avail - nr], sizeof(void *) * nr);
	from->avail -= nr;
	to->avail += nr;
	return nr;
}

/* drain_array_locked(): a fifth of the array's limit (all with free_all)
 * back to the slabs, oldest first. list_lock and ac's own lock held. */
static void drain_array_locked_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct slab_node_ *n,
				struct array_cache *ac, bool free_all, struct list_head *list)
{
	if (!ac || !ac->avail)
		return;
	unsigned tofree = free_all ? ac->avail : (ac->limit + 4) / 5;
	if (tofree > ac->avail)
		tofree = (ac->avail + 1) / 2;
	free_block_(k, s, c, n, ac->entry, tofree, list);
	ac->avail -= tofree;
	memmove(ac->entry, &ac->entry[tofree], sizeof(void *) * ac->avail);
}

/* drain_freelist(): up to tofree free slabs of n back to the page
 * allocator (oldest free first); how many went. */
static unsigned long drain_freelist_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c,
				     struct slab_node_ *n, unsigned long tofree)
{
	struct list_head list;
	unsigned long nr = 0;

	INIT_LIST_HEAD(&list);
	spin_lock_(k, &n->list_lock);
	while (nr < tofree && !list_empty(&n->slabs_free)) {
		struct kmm_page *slab = list_entry(n->slabs_free.prev, struct kmm_page, lru);
		list_del(&slab->lru);
		list_add(&slab->lru, &list);
		slab->slab.list = SLAB_LIST_NONE_;
		n->free_slabs--;
		n->total_slabs--;
		n->free_objects -= c->num;
		n->destroyed++;
		nr++;
	}
	spin_unlock_(k, &n->list_lock);
	slabs_destroy_(k, s, c, &list);
	return nr;
}

/* __drain_alien_cache(): an alien array's objects to their node: its
 * shared array first (the remote CPUs take them from there without
 * touching slabs), the rest into the slabs. The alien lock is held. */
static void drain_alien_cache_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct array_cache *ac,
			       unsigned node, struct list_head *list)
{
	if (!ac->avail)
		return;
	struct slab_node_ *rn = &c->node[node];
	spin_lock_(k, &rn->list_lock);
	if (rn->shared)
		transfer_objects_(rn->shared, ac, ac->limit);
	free_block_(k, s, c, rn, ac->entry, ac->avail, list);
	ac->avail = 0;
	spin_unlock_(k, &rn->list_lock);
}

/* ---- allocation ------------------------------------------------------------ */

static void *fallback_alloc_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, kmm_gfp_t gfp);

/*
 * ____cache_alloc_node(): one object from nid's slabs, bypassing the
 * arrays; a new slab on nid when it has none; then fallback_alloc (which
 * gives up at once under __GFP_THISNODE).
 */
static void *cache_alloc_node_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, kmm_gfp_t gfp,
			       unsigned nid)
{
	struct slab_node_ *n = &c->node[nid];
	void *obj = NULL;

	spin_lock_(k, &n->list_lock);
	struct kmm_page *slab = get_first_slab_(n);
	if (slab) {
		obj = slab_get_obj_(k, s, c, n, slab);
		if (obj) {
			n->free_objects--;
			n->nodeallocs++;
		}
		fixup_slab_list_(c, n, slab);
	}
	spin_unlock_(k, &n->list_lock);
	if (obj)
		return obj;

	slab = cache_grow_begin_(k, s, c, gfp_exact_node_(gfp), (int)nid);
	if (slab)
		obj = slab_get_obj_(k, s, c, NULL, slab);
	cache_grow_end_(k, c, slab);
	return obj ? obj : fallback_alloc_(k, s, c, gfp);
}

static unsigned long node_free_objects_(struct kmm *k, struct slab_node_ *n)
{
	spin_lock_(k, &n->list_lock);
	unsigned long nr = n->free_objects;
	spin_unlock_(k, &n->list_lock);
	return nr;
}

/*
 * fallback_alloc(): the nodes in distance order from this CPU's memory
 * node, any with free objects; else a slab wherever the page allocator
 * finds pages, with the caller's gfp.
 */
static void *fallback_alloc_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, kmm_gfp_t gfp)
{
	if (gfp & KMM___GFP_THISNODE)
		return NULL;

	unsigned mem = c->cpu[current_cpu_(k)].node;
	int order[KMM_MAX_NODES];
	unsigned nr = kmm_node_fallback_order(k, (int)mem, order);

	for (unsigned tries = 0; tries < FALLBACK_RETRIES_; tries++) {
		for (unsigned i = 0; i < nr; i++) {
			struct slab_node_ *n = &c->node[order[i]];
			if (!node_free_objects_(k, n))
				continue;
			void *obj = cache_alloc_node_(k, s, c, gfp_exact_node_(gfp), (unsigned)order[i]);
			if (obj)
				return obj;
		}
		/* No node: slab_alloc_pages_() pins a named node (__GFP_THISNODE);
		 * the task's (default: local) policy falls back by distance, as
		 * the kernel's grow on numa_mem_id() without THISNODE does. */
		struct kmm_page *slab = cache_grow_begin_(k, s, c, gfp, -1);
		cache_grow_end_(k, c, slab);
		if (!slab)
			return NULL;
		/* Others may empty it before we look (threaded): look again. */
		void *obj = cache_alloc_node_(k, s, c, gfp_exact_node_(gfp), slab->node);
		if (obj)
			return obj;
	}
	return NULL;
}

/*
 * cache_alloc_refill(): the CPU's array is empty. Refill it from the
 * shared array, or from partial then free slabs, batchcount objects (16
 * when the array was idle); failing both, grow a slab on the node. Returns
 * one object, or NULL when the node has nothing and can't grow. pc->lock
 * held (dropped around the page allocator, as the kernel enables
 * interrupts there).
 */
static void *cache_alloc_refill_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct slab_cpu_ *pc,
				 kmm_gfp_t gfp)
{
	struct array_cache *ac = pc->ac;
	struct slab_node_ *n = &c->node[pc->node];
	int batchcount = (int)ac->batchcount;
	if (!ac->touched && batchcount > BATCHREFILL_LIMIT)
		batchcount = BATCHREFILL_LIMIT;

	spin_lock_(k, &n->list_lock);
	struct array_cache *shared = n->shared;
	if (n->free_objects || (shared && shared->avail)) {
		if (shared && transfer_objects_(ac, shared, (unsigned)batchcount)) {
			shared->touched = 1;
		} else {
			while (batchcount > 0) {
				struct kmm_page *slab = get_first_slab_(n);
				if (!slab)
					break;
				batchcount = alloc_block_(k, s, c, n, ac, slab, batchcount);
				fixup_slab_list_(c, n, slab);
			}
			n->free_objects -= ac->avail;
		}
	}
	spin_unlock_(k, &n->list_lock);

	if (kmm_unlikely(!ac->avail)) {
		spin_unlock_(k, &pc->lock);
		struct kmm_page *slab = cache_grow_begin_(k, s, c, gfp_exact_node_(gfp), (int)pc->node);
		spin_lock_(k, &pc->lock);
		/* Another thread of this CPU slot may have refilled meanwhile. */
		if (slab && !ac->avail)
			alloc_block_(k, s, c, NULL, ac, slab, batchcount);
		cache_grow_end_(k, c, slab);
		if (!ac->avail)
			return NULL;
	}
	ac->touched = 1;
	return ac->entry[--ac->avail];
}

/* kmem_cache_alloc_node() minus the debug hooks: see the top of the file. */
__attribute__((noinline)) static void *cache_alloc_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int nodeid)
{
	struct slab_cache_ *c = slab_cache_(s);
	struct slab_cpu_ *pc = &c->cpu[current_cpu_(k)];

	if (nodeid < 0 || (unsigned)nodeid >= c->nr_nodes || (unsigned)nodeid == pc->node) {
		spin_lock_(k, &pc->lock);
		struct array_cache *ac = pc->ac;
		if (kmm_likely(ac->avail)) {
			ac->touched = 1;
			pc->allochit++;
			void *obj = ac->entry[--ac->avail];
			spin_unlock_(k, &pc->lock);
			return obj;
		}
		pc->allocmiss++;
		void *obj = cache_alloc_refill_(k, s, c, pc, gfp);
		spin_unlock_(k, &pc->lock);
		if (obj)
			return obj;
		/* The local node had nothing: its slabs, then other nodes. */
		nodeid = (int)pc->node;
	}
	return cache_alloc_node_(k, s, c, gfp, (unsigned)nodeid);
}

/* ---- free ------------------------------------------------------------------ */

/* cache_flusharray(): the CPU's array is full; its oldest batchcount
 * objects go to the shared array (as many as fit) or back to the slabs.
 * pc->lock held. */
static void cache_flusharray_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct slab_cpu_ *pc,
			      struct list_head *list)
{
	struct array_cache *ac = pc->ac;
	struct slab_node_ *n = &c->node[pc->node];
	unsigned batchcount = ac->batchcount;

	spin_lock_(k, &n->list_lock);
	struct array_cache *shared = n->shared;
	unsigned room = shared ? shared->limit - shared->avail : 0;
	if (room) {
		if (batchcount > room)
			batchcount = room;
		memcpy(&shared->entry[shared->avail], ac->entry, sizeof(void *) * batchcount);
		shared->avail += batchcount;
	} else {
		free_block_(k, s, c, n, ac->entry, batchcount, list);
	}
	spin_unlock_(k, &n->list_lock);
	ac->avail -= batchcount;
	memmove(ac->entry, &ac->entry[batchcount], sizeof(void *) * ac->avail);
}

/* __cache_free_alien(): obj's slab is on page_node, this CPU on another:
 * into this node's alien cache for page_node, drained when full. */
static void cache_free_alien_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct slab_cpu_ *pc,
			      unsigned page_node, void *obj)
{
	struct slab_alien_ *alc = &c->node[pc->node].alien[page_node];
	struct list_head list;

	INIT_LIST_HEAD(&list);
	spin_lock_(k, &alc->lock);
	alc->frees++;
	struct array_cache *ac = alc->ac;
	if (kmm_unlikely(ac->avail == ac->limit))
		drain_alien_cache_(k, s, c, ac, page_node, &list);
	ac->entry[ac->avail++] = obj;
	spin_unlock_(k, &alc->lock);
	slabs_destroy_(k, s, c, &list);
}

/* __cache_free() minus the debug hooks. */
__attribute__((noinline)) static void cache_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj)
{
	struct slab_cache_ *c = slab_cache_(s);
	struct slab_cpu_ *pc = &c->cpu[current_cpu_(k)];

	if (c->use_alien && kmm_unlikely(slab->node != pc->node)) {
		cache_free_alien_(k, s, c, pc, slab->node, obj);
		return;
	}
	spin_lock_(k, &pc->lock);
	struct array_cache *ac = pc->ac;
	if (kmm_likely(ac->avail < ac->limit)) {
		pc->freehit++;
		ac->entry[ac->avail++] = obj;
		spin_unlock_(k, &pc->lock);
		return;
	}
	struct list_head list;
	INIT_LIST_HEAD(&list);
	pc->freemiss++;
	cache_flusharray_(k, s, c, pc, &list);
	ac->entry[ac->avail++] = obj;
	spin_unlock_(k, &pc->lock);
	slabs_destroy_(k, s, c, &list);
}

/*
 * ops->alloc_fast / ops->free_fast: the per-CPU array pop and push for the
 * common layer's single-threaded fast paths (no lock, node -1, no debug
 * flags: see struct kmm_slab_ops). Everything else (an empty or full
 * array, a remote free) goes to cache_alloc_ / cache_free_, kept out of
 * line, which take the same decisions again and count the miss.
 */
static void *cache_alloc_fast_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int nodeid)
{
	struct slab_cpu_ *pc = &slab_cache_(s)->cpu[k->cur_cpu];
	struct array_cache *ac = pc->ac;
	if (kmm_likely(ac->avail)) {
		ac->touched = 1;
		pc->allochit++;
		void *obj = ac->entry[--ac->avail];
		/* The next object out of this array is likely cold (refilled
		 * from a slab, or freed long ago): start fetching it for
		 * write now (older kernels' slab_alloc prefetchw()ed the
		 * object they returned; this one is still ahead of use). */
		if (ac->avail)
			__builtin_prefetch(ac->entry[ac->avail - 1], 1);
		return obj;
	}
	return cache_alloc_(k, s, gfp, nodeid);
}

static void cache_free_fast_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj)
{
	struct slab_cache_ *c = slab_cache_(s);
	struct slab_cpu_ *pc = &c->cpu[k->cur_cpu];
	struct array_cache *ac = pc->ac;
	if (kmm_likely(ac->avail < ac->limit && (!c->use_alien || slab->node == pc->node))) {
		pc->freehit++;
		ac->entry[ac->avail++] = obj;
		return;
	}
	cache_free_(k, s, slab, obj);
}

/* kmem_cache_free_bulk(): one __cache_free each (NULLs skipped). */
static void cache_free_bulk_(struct kmm *k, struct kmm_cache *s, size_t nr, void **p)
{
	for (size_t i = 0; i < nr; i++) {
		if (p[i])
			cache_free_(k, s, obj_head_(k, p[i]), p[i]);
	}
}

/* kmem_cache_alloc_bulk(): all nr or none (what was taken goes back). */
static size_t cache_alloc_bulk_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, size_t nr, void **p)
{
	for (size_t i = 0; i < nr; i++) {
		p[i] = cache_alloc_(k, s, gfp, -1);
		if (kmm_unlikely(!p[i])) {
			cache_free_bulk_(k, s, i, p);
			return 0;
		}
	}
	return nr;
}

/* ---- draining, reaping, shrinking ------------------------------------------ */

/* drain_cpu_caches(): every per-CPU array, alien cache and shared array
 * back into the slabs. */
static void drain_cpu_caches_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c)
{
	struct list_head list;
	INIT_LIST_HEAD(&list);

	for (unsigned cpu = 0; cpu < c->nr_cpus; cpu++) {
		struct slab_cpu_ *pc = &c->cpu[cpu];
		struct slab_node_ *n = &c->node[pc->node];
		spin_lock_(k, &pc->lock);
		if (pc->ac->avail) {
			spin_lock_(k, &n->list_lock);
			free_block_(k, s, c, n, pc->ac->entry, pc->ac->avail, &list);
			pc->ac->avail = 0;
			spin_unlock_(k, &n->list_lock);
		}
		spin_unlock_(k, &pc->lock);
		slabs_destroy_(k, s, c, &list);
	}
	for (unsigned node = 0; c->use_alien && node < c->nr_nodes; node++) {
		for (unsigned t = 0; t < c->nr_nodes; t++) {
			struct slab_alien_ *alc = &c->node[node].alien[t];
			if (!alc->ac)
				continue;
			spin_lock_(k, &alc->lock);
			drain_alien_cache_(k, s, c, alc->ac, t, &list);
			spin_unlock_(k, &alc->lock);
			slabs_destroy_(k, s, c, &list);
		}
	}
	for (unsigned node = 0; node < c->nr_nodes; node++) {
		struct slab_node_ *n = &c->node[node];
		spin_lock_(k, &n->list_lock);
		drain_array_locked_(k, s, c, n, n->shared, true, &list);
		spin_unlock_(k, &n->list_lock);
		slabs_destroy_(k, s, c, &list);
	}
}

/* __kmem_cache_shrink(): every cached object back, every free slab to the
 * page allocator. */
static int slab_backend_shrink_(struct kmm *k, struct kmm_cache *s)
{
	struct slab_cache_ *c = slab_cache_(s);
	drain_cpu_caches_(k, s, c);
	for (unsigned node = 0; node < c->nr_nodes; node++)
		drain_freelist_(k, s, c, &c->node[node], (unsigned long)-1);
	return 0;
}

/*
 * cache_reap() as every CPU's timer would run it once: per CPU, one alien
 * cache in rotation (reap_alien) and the CPU's array unless touched; then,
 * per node some CPU allocates from, the shared array unless touched, and
 * unless a free slab was wanted since the last reap, about a fifth of
 * free_limit's worth of free slabs.
 */
static void slab_backend_reap_(struct kmm *k, struct kmm_cache *s)
{
	struct slab_cache_ *c = slab_cache_(s);
	struct list_head list;
	bool cpu_node[KMM_MAX_NODES] = { false };

	INIT_LIST_HEAD(&list);
	for (unsigned cpu = 0; cpu < c->nr_cpus; cpu++) {
		struct slab_cpu_ *pc = &c->cpu[cpu];
		struct slab_node_ *n = &c->node[pc->node];
		cpu_node[pc->node] = true;

		if (c->use_alien) {
			unsigned r = pc->reap_node;
			struct slab_alien_ *alc = &n->alien[r];
			pc->reap_node = (r + 1) % c->nr_nodes;
			if (alc->ac) {
				spin_lock_(k, &alc->lock);
				drain_alien_cache_(k, s, c, alc->ac, r, &list);
				spin_unlock_(k, &alc->lock);
				slabs_destroy_(k, s, c, &list);
			}
		}

		spin_lock_(k, &pc->lock);
		struct array_cache *ac = pc->ac;
		if (ac->avail) {
			if (ac->touched) {
				ac->touched = 0;
			} else {
				spin_lock_(k, &n->list_lock);
				drain_array_locked_(k, s, c, n, ac, false, &list);
				spin_unlock_(k, &n->list_lock);
			}
		}
		spin_unlock_(k, &pc->lock);
		slabs_destroy_(k, s, c, &list);
	}

	for (unsigned node = 0; node < c->nr_nodes; node++) {
		if (!cpu_node[node])
			continue;
		struct slab_node_ *n = &c->node[node];
		bool drain_free;

		spin_lock_(k, &n->list_lock);
		struct array_cache *shared = n->shared;
		if (shared && shared->avail) {
			if (shared->touched)
				shared->touched = 0;
			else
				drain_array_locked_(k, s, c, n, shared, false, &list);
		}
		drain_free = !n->free_touched;
		n->free_touched = false;
		spin_unlock_(k, &n->list_lock);
		slabs_destroy_(k, s, c, &list);

		if (drain_free) {
			unsigned long tofree = (n->free_limit + 5 * c->num - 1) / (5 * c->num);
			unsigned long freed = drain_freelist_(k, s, c, n, tofree);
			spin_lock_(k, &n->list_lock);
			n->reaped += freed;
			spin_unlock_(k, &n->list_lock);
		}
	}
}

/* __kmem_cache_shutdown(): shrink, then the objects still allocated. */
static unsigned long slab_backend_shutdown_(struct kmm *k, struct kmm_cache *s)
{
	struct slab_cache_ *c = slab_cache_(s);
	unsigned long active = 0;

	slab_backend_shrink_(k, s);
	for (unsigned node = 0; node < c->nr_nodes; node++) {
		struct slab_node_ *n = &c->node[node];
		spin_lock_(k, &n->list_lock);
		active += n->total_slabs * c->num - n->free_objects;
		spin_unlock_(k, &n->list_lock);
	}
	return active;
}

/* SLAB keeps no system-wide state: the per-CPU memory nodes are copied
 * into each cache at creation. */
static int slab_backend_init_(struct kmm *k)
{
	(void)k;
	return 0;
}
static void slab_backend_fini_(struct kmm *k) { (void)k; }

static char *slab_backend_first_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab)
{
	return s_mem_(k, slab_cache_(s), slab);
}

static void slab_backend_tunables_(struct kmm *k, struct kmm_cache *s, unsigned *limit, unsigned *batch, unsigned *shared)
{
	(void)k;
	const struct slab_cache_ *c = slab_cache_(s);
	*limit = c->limit;
	*batch = c->batchcount;
	*shared = c->shared;
}

const struct kmm_slab_ops kmm_slab_ops = {
	.name = "slab",
	.init = slab_backend_init_,
	.fini = slab_backend_fini_,
	.cache_open = slab_backend_open_,
	.cache_shutdown = slab_backend_shutdown_,
	.cache_release = slab_backend_release_,
	.alloc = cache_alloc_,
	.free = cache_free_,
	.alloc_fast = cache_alloc_fast_,
	.free_fast = cache_free_fast_,
	.alloc_bulk = cache_alloc_bulk_,
	.free_bulk = cache_free_bulk_,
	.shrink = slab_backend_shrink_,
	.reap = slab_backend_reap_,
	.check = slab_backend_check_,
	.for_each_slab = slab_backend_for_each_slab_,
	.object_is_free = slab_backend_object_is_free_,
	.slab_first = slab_backend_first_,
	.info = slab_backend_info_,
	.tunables = slab_backend_tunables_,
	.shared_avail = slab_backend_shared_avail_,
	.no_freeptr = true, /* free slots live in the index array: debug.c checks the word as padding */
};
