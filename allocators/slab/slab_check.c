// SPDX-License-Identifier: MIT
/*
 * The SLAB backend's read-only walks: the structural check behind
 * kmm_cache_check(), the slab walk and the object-state question the debug
 * layer asks, and the counters behind kmm_cache_info() and slabinfo.
 *
 * What check() proves, per cache (the accounting equations are at the top
 * of slab_slab.h):
 *   per slab   a PG_slab head page of this cache on the node of its list;
 *              objects == num, inuse <= num; the list matches inuse (full:
 *              inuse == num, partial: in between, free: 0); a colour offset
 *              the cache can give; the on-slab index array where the colour
 *              puts it; every free index slot [inuse, num) names a slot in
 *              range and no slot twice;
 *   per node   the lists' lengths equal total_slabs and free_slabs, their
 *              free slots add up to free_objects;
 *   arrays     avail <= limit with the cache's limits; every entry of every
 *              per-CPU, shared and alien array is an object start of a slab
 *              of this cache on the array's node, allocated from the slab's
 *              view (not in a free slot), and no object sits in two arrays.
 * Each violation is reported once through slab_check_violation_(); the
 * walk repairs nothing.
 *
 * In threaded mode check() holds every lock of the cache at once, in the
 * order of slab_slab.h, so it sees one consistent state. The other walks
 * take one lock at a time; for_each_slab() copies a node's slab list under
 * its lock and calls back with no lock held, so the callback may ask
 * object_is_free().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "slab_slab.h"

static inline struct slab_cache_ *cache_of_(const struct kmm_cache *s) { return (struct slab_cache_ *)s->backend; }

static bool ac_contains_(const struct array_cache *ac, const void *obj)
{
	for (unsigned i = 0; ac && i < ac->avail && i < ac->limit; i++)
		if (ac->entry[i] == obj)
			return true;
	return false;
}

/* ---- object_is_free ------------------------------------------------------- */

bool slab_backend_object_is_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj)
{
	struct slab_cache_ *c = cache_of_(s);
	unsigned idx = obj_to_index_(k, s, c, slab, obj);
	bool is_free = false;

	if (idx >= c->num || slab->node >= c->nr_nodes)
		return false;
	struct slab_node_ *n = &c->node[slab->node];
	spin_lock_(k, &n->list_lock);
	for (unsigned i = slab->slab.inuse; i < c->num; i++) {
		if (get_free_obj_(c, slab, i) == idx) {
			is_free = true;
			break;
		}
	}
	if (!is_free)
		is_free = ac_contains_(n->shared, obj);
	spin_unlock_(k, &n->list_lock);

	for (unsigned cpu = 0; !is_free && cpu < c->nr_cpus; cpu++) {
		struct slab_cpu_ *pc = &c->cpu[cpu];
		spin_lock_(k, &pc->lock);
		is_free = ac_contains_(pc->ac, obj);
		spin_unlock_(k, &pc->lock);
	}
	for (unsigned node = 0; !is_free && c->use_alien && node < c->nr_nodes; node++) {
		struct slab_alien_ *alc = &c->node[node].alien[slab->node];
		if (!alc->ac)
			continue;
		spin_lock_(k, &alc->lock);
		is_free = ac_contains_(alc->ac, obj);
		spin_unlock_(k, &alc->lock);
	}
	return is_free;
}

/* ---- for_each_slab ---------------------------------------------------------- */

static void fill_walk_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct kmm_page *slab,
		       struct kmm_slab_walk *w)
{
	w->slab = slab;
	w->base = slab_page_address_(k, slab);
	w->bytes = slab_size_bytes_(c);
	w->first = s_mem_(k, c, slab);
	w->nr_objects = c->num;
	/* What no slot and no index array covers: the tail after the last slot. */
	w->pad_start = w->first + (size_t)c->num * s->l.size;
	w->pad_end = w->base + w->bytes;
}

/* Threaded: copy one node's slabs under its lock, then call back unlocked. */
static int walk_node_threaded_(struct kmm *k, struct kmm_cache *s, struct slab_cache_ *c, struct slab_node_ *n,
			       slab_walk_fn fn, void *ctx)
{
	spin_lock_(k, &n->list_lock);
	size_t cap = n->total_slabs + 16;
	spin_unlock_(k, &n->list_lock);

	size_t bytes = cap * sizeof(struct kmm_page *);
	struct kmm_page **v = k->plat->meta_alloc(k->plat->ctx, bytes);
	if (!v)
		return -ENOMEM;
	size_t nr = 0;
	spin_lock_(k, &n->list_lock);
	struct list_head *lists[3] = { &n->slabs_partial, &n->slabs_full, &n->slabs_free };
	for (unsigned l = 0; l < 3; l++) {
		struct list_head *pos;
		list_for_each(pos, lists[l]) {
			if (nr == cap)
				break;
			v[nr++] = list_entry(pos, struct kmm_page, lru);
		}
	}
	spin_unlock_(k, &n->list_lock);

	int ret = 0;
	for (size_t i = 0; i < nr && !ret; i++) {
		struct kmm_slab_walk w;
		fill_walk_(k, s, c, v[i], &w);
		ret = fn(k, s, &w, ctx);
	}
	k->plat->meta_free(k->plat->ctx, v, bytes);
	return ret;
}

int slab_backend_for_each_slab_(struct kmm *k, struct kmm_cache *s, slab_walk_fn fn, void *ctx)
{
	struct slab_cache_ *c = cache_of_(s);

	for (unsigned node = 0; node < c->nr_nodes; node++) {
		struct slab_node_ *n = &c->node[node];
		if (k->cfg.threaded) {
			int ret = walk_node_threaded_(k, s, c, n, fn, ctx);
			if (ret)
				return ret;
			continue;
		}
		struct list_head *lists[3] = { &n->slabs_partial, &n->slabs_full, &n->slabs_free };
		for (unsigned l = 0; l < 3; l++) {
			struct list_head *pos = lists[l]->next;
			while (pos != lists[l]) {
				struct list_head *next = pos->next;
				struct kmm_slab_walk w;
				fill_walk_(k, s, c, list_entry(pos, struct kmm_page, lru), &w);
				int ret = fn(k, s, &w, ctx);
				if (ret)
					return ret;
				pos = next;
			}
		}
	}
	return 0;
}

/* ---- info ---------------------------------------------------------------- */

void slab_backend_info_(struct kmm *k, struct kmm_cache *s, struct kmm_cache_info *out)
{
	struct slab_cache_ *c = cache_of_(s);
	uint64_t slabs = 0, free_slabs = 0, free_objects = 0, cached = 0;
	uint64_t grown = 0, destroyed = 0, reaped = 0, alien_frees = 0;
	uint64_t allochit = 0, allocmiss = 0, freehit = 0, freemiss = 0;

	for (unsigned node = 0; node < c->nr_nodes; node++) {
		struct slab_node_ *n = &c->node[node];
		spin_lock_(k, &n->list_lock);
		slabs += n->total_slabs;
		free_slabs += n->free_slabs;
		free_objects += n->free_objects;
		cached += n->shared ? n->shared->avail : 0;
		grown += n->grown;
		destroyed += n->destroyed;
		reaped += n->reaped;
		spin_unlock_(k, &n->list_lock);
		for (unsigned t = 0; c->use_alien && t < c->nr_nodes; t++) {
			struct slab_alien_ *alc = &n->alien[t];
			if (!alc->ac)
				continue;
			spin_lock_(k, &alc->lock);
			cached += alc->ac->avail;
			alien_frees += alc->frees;
			spin_unlock_(k, &alc->lock);
		}
	}
	for (unsigned cpu = 0; cpu < c->nr_cpus; cpu++) {
		struct slab_cpu_ *pc = &c->cpu[cpu];
		spin_lock_(k, &pc->lock);
		cached += pc->ac->avail;
		allochit += pc->allochit;
		allocmiss += pc->allocmiss;
		freehit += pc->freehit;
		freemiss += pc->freemiss;
		spin_unlock_(k, &pc->lock);
	}

	out->num_slabs = slabs;
	out->active_slabs = slabs - free_slabs;
	out->num_objs = slabs * c->num;
	/* Cached objects are free from the user's view (the kernel's SLAB
	 * slabinfo counts them active; the harness's model can't see them). */
	uint64_t not_active = free_objects + cached;
	out->active_objs = out->num_objs > not_active ? out->num_objs - not_active : 0;
	out->objs_per_slab = c->num;
	out->pages_per_slab = 1u << c->gfporder;
	/* SLAB's STATS: allochit / allocmiss / freehit / freemiss, grown,
	 * destroyed slabs, reaped, node frees (alien). */
	out->alloc_fastpath = allochit;
	out->alloc_slowpath = allocmiss;
	out->free_fastpath = freehit;
	out->free_slowpath = freemiss;
	out->alloc_slab = grown;
	out->free_slab = destroyed;
	out->reaped = reaped;
	out->alien_frees = alien_frees;
}

/* slabinfo's <sharedavail>: objects in every node's shared array. */
uint64_t slab_backend_shared_avail_(struct kmm *k, struct kmm_cache *s)
{
	struct slab_cache_ *c = cache_of_(s);
	uint64_t nr = 0;
	for (unsigned node = 0; node < c->nr_nodes; node++) {
		struct slab_node_ *n = &c->node[node];
		spin_lock_(k, &n->list_lock);
		nr += n->shared ? n->shared->avail : 0;
		spin_unlock_(k, &n->list_lock);
	}
	return nr;
}

/* ---- check ----------------------------------------------------------------- */

/* One cached pointer and where it was found. */
struct cached_obj_ {
	uintptr_t addr;
	unsigned node;    /* the node its slab must be on */
	unsigned kind;    /* 0 per-CPU, 1 shared, 2 alien */
	unsigned a, b;    /* cpu; node; (node, remote node) */
	bool matched;     /* found in a slab of the cache */
};

static void where_(const struct cached_obj_ *e, char *buf, size_t len)
{
	if (e->kind == 0)
		snprintf(buf, len, "cpu %u array", e->a);
	else if (e->kind == 1)
		snprintf(buf, len, "node %u shared array", e->a);
	else
		snprintf(buf, len, "node %u alien cache for node %u", e->a, e->b);
}

/* Heapsort by address (no libc qsort in allocators/). */
static void sift_down_(struct cached_obj_ *v, size_t start, size_t end)
{
	size_t root = start;
	while (2 * root + 1 < end) {
		size_t child = 2 * root + 1;
		if (child + 1 < end && v[child].addr < v[child + 1].addr)
			child++;
		if (v[root].addr >= v[child].addr)
			return;
		struct cached_obj_ t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}
static void sort_cached_(struct cached_obj_ *v, size_t nr)
{
	for (size_t i = nr / 2; i-- > 0;)
		sift_down_(v, i, nr);
	for (size_t end = nr; end > 1; end--) {
		struct cached_obj_ t = v[0];
		v[0] = v[end - 1];
		v[end - 1] = t;
		sift_down_(v, 0, end - 1);
	}
}

struct check_ctx_ {
	struct kmm *k;
	struct kmm_cache *s;
	struct slab_cache_ *c;
	long bad;
	struct cached_obj_ *cached;
	size_t nr_cached, cap_cached;
	uint8_t *seen;  /* one byte a slot of the slab being checked: 1 = free */
};

#define VIOLATION(cx, ...)                                          \
	do {                                                        \
		(cx)->bad++;                                        \
		slab_check_violation_((cx)->k, (cx)->s, __VA_ARGS__); \
	} while (0)

/* An array's header against the cache's limits; its entries into cached[]. */
KMM_NO_COVERAGE
static void check_ac_(struct check_ctx_ *cx, struct array_cache *ac, unsigned limit, unsigned node,
		      unsigned kind, unsigned a, unsigned b)
{
	struct cached_obj_ proto = { 0, node, kind, a, b, false };
	char where[64];
	where_(&proto, where, sizeof(where));

	if (ac->limit != limit)
		VIOLATION(cx, "%s: limit %u, the cache's is %u", where, ac->limit, limit);
	unsigned avail = ac->avail;
	if (avail > ac->limit) {
		VIOLATION(cx, "%s: avail %u > limit %u", where, avail, ac->limit);
		avail = ac->limit < limit ? ac->limit : limit;
	}
	for (unsigned i = 0; i < avail && cx->nr_cached < cx->cap_cached; i++) {
		struct cached_obj_ *e = &cx->cached[cx->nr_cached++];
		*e = proto;
		e->addr = (uintptr_t)ac->entry[i];
	}
}

KMM_NO_COVERAGE
static void collect_cached_(struct check_ctx_ *cx)
{
	struct slab_cache_ *c = cx->c;
	for (unsigned cpu = 0; cpu < c->nr_cpus; cpu++)
		check_ac_(cx, c->cpu[cpu].ac, c->limit, c->cpu[cpu].node, 0, cpu, 0);
	for (unsigned node = 0; node < c->nr_nodes; node++) {
		struct slab_node_ *n = &c->node[node];
		if (n->shared)
			check_ac_(cx, n->shared, c->shared * c->batchcount, node, 1, node, 0);
		for (unsigned t = 0; c->use_alien && t < c->nr_nodes; t++)
			if (n->alien[t].ac)
				check_ac_(cx, n->alien[t].ac, c->limit > 1 ? 12 : c->limit, t, 2, node, t);
	}
	sort_cached_(cx->cached, cx->nr_cached);
	for (size_t i = 1; i < cx->nr_cached; i++) {
		if (cx->cached[i].addr != cx->cached[i - 1].addr)
			continue;
		char w1[64], w2[64];
		where_(&cx->cached[i - 1], w1, sizeof(w1));
		where_(&cx->cached[i], w2, sizeof(w2));
		VIOLATION(cx, "object at arena offset 0x%lx cached twice (%s and %s)",
			  (unsigned long)(cx->cached[i].addr - (uintptr_t)cx->k->arena), w1, w2);
	}
}

/* The cached entries inside [lo, hi): the first index, by binary search. */
static size_t lower_bound_(const struct cached_obj_ *v, size_t nr, uintptr_t lo)
{
	size_t a = 0, b = nr;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (v[m].addr < lo)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/* One slab of list `which` on node `node`; returns its free slots. */
KMM_NO_COVERAGE
static unsigned check_slab_(struct check_ctx_ *cx, struct kmm_page *slab, unsigned node, unsigned which)
{
	static const char *const names[] = { "no", "full", "partial", "free" };
	struct kmm *k = cx->k;
	struct kmm_cache *s = cx->s;
	struct slab_cache_ *c = cx->c;
	unsigned long pfn = (unsigned long)page_to_pfn_(k, slab);
	unsigned inuse = slab->slab.inuse;

	if ((slab->flags & (PG_slab | PG_allocated)) != (PG_slab | PG_allocated) || slab->slab.cache != s)
		VIOLATION(cx, "slab pfn 0x%lx on node %u's %s list is not a slab of this cache", pfn, node,
			  names[which]);
	if (slab->node != node)
		VIOLATION(cx, "slab pfn 0x%lx of node %u on node %u's lists", pfn, (unsigned)slab->node, node);
	if (slab->slab.list != which)
		VIOLATION(cx, "slab pfn 0x%lx on the %s list is marked %u", pfn, names[which], slab->slab.list);
	if (slab->slab.objects != c->num)
		VIOLATION(cx, "slab pfn 0x%lx: objects %u, num %u", pfn, slab->slab.objects, c->num);
	if (inuse > c->num) {
		VIOLATION(cx, "slab pfn 0x%lx: inuse %u > num %u", pfn, inuse, c->num);
		inuse = c->num;
	}
	if ((which == SLAB_LIST_FULL_ && inuse != c->num) || (which == SLAB_LIST_FREE_ && inuse != 0) ||
	    (which == SLAB_LIST_PARTIAL_ && (inuse == 0 || inuse == c->num)))
		VIOLATION(cx, "slab pfn 0x%lx with %u of %u objects in use on the %s list", pfn, inuse, c->num,
			  names[which]);
	unsigned colours = c->colour ? c->colour : 1;
	if (slab->slab.extra % c->colour_off || slab->slab.extra / c->colour_off >= colours)
		VIOLATION(cx, "slab pfn 0x%lx: colour offset %u not a colour of the cache (%u x %u)", pfn,
			  slab->slab.extra, colours, c->colour_off);
	char *base = slab_page_address_(k, slab);
	if (!c->off_slab && (char *)slab->slab.freelist != base + slab->slab.extra)
		VIOLATION(cx, "slab pfn 0x%lx: on-slab index array not after the colour", pfn);
	if (!slab->slab.freelist ||
	    (c->off_slab && (char *)slab->slab.freelist >= base && (char *)slab->slab.freelist < base + slab_size_bytes_(c))) {
		VIOLATION(cx, "slab pfn 0x%lx: no usable index array", pfn);
		return c->num - inuse;
	}

	/* The free slots: in range, each slot at most once. */
	memset(cx->seen, 0, c->num);
	for (unsigned i = inuse; i < c->num; i++) {
		unsigned v = get_free_obj_(c, slab, i);
		if (v >= c->num)
			VIOLATION(cx, "slab pfn 0x%lx: free slot %u holds index %u >= num %u", pfn, i, v, c->num);
		else if (cx->seen[v]++)
			VIOLATION(cx, "slab pfn 0x%lx: index %u free twice (slot %u)", pfn, v, i);
	}

	/* The cached objects of this slab: object starts, in use from here. */
	char *first = s_mem_(k, c, slab);
	uintptr_t lo = (uintptr_t)base, hi = lo + slab_size_bytes_(c);
	for (size_t i = lower_bound_(cx->cached, cx->nr_cached, lo); i < cx->nr_cached && cx->cached[i].addr < hi;
	     i++) {
		struct cached_obj_ *e = &cx->cached[i];
		char where[64];
		e->matched = true;
		where_(e, where, sizeof(where));
		unsigned idx = obj_to_index_(k, s, c, slab, (void *)e->addr);
		if (idx >= c->num || (char *)e->addr != (char *)slab_slot_object_(s, first, idx)) {
			VIOLATION(cx, "%s holds slab pfn 0x%lx offset %lu, not an object start", where, pfn,
				  (unsigned long)(e->addr - lo));
			continue;
		}
		if (cx->seen[idx])
			VIOLATION(cx, "%s holds object %u of slab pfn 0x%lx, which is free in its slab", where, idx, pfn);
		if (e->node != node)
			VIOLATION(cx, "%s holds object %u of slab pfn 0x%lx on node %u", where, idx, pfn, node);
	}
	return c->num - inuse;
}

KMM_NO_COVERAGE
static void check_node_(struct check_ctx_ *cx, unsigned node)
{
	struct kmm *k = cx->k;
	struct slab_node_ *n = &cx->c->node[node];
	struct list_head *lists[] = { NULL, &n->slabs_full, &n->slabs_partial, &n->slabs_free };
	unsigned long slabs = 0, frees = 0, free_objects = 0;

	for (unsigned which = SLAB_LIST_FULL_; which <= SLAB_LIST_FREE_; which++) {
		struct list_head *pos;
		unsigned long len = 0;
		for (pos = lists[which]->next; pos != lists[which]; pos = pos->next) {
			struct kmm_page *slab = list_entry(pos, struct kmm_page, lru);
			if (slab < k->pages || slab >= k->pages + k->total_pages || ++len > k->total_pages) {
				VIOLATION(cx, "node %u: list %u is corrupt (a link outside the page array or a loop)",
					  node, which);
				break;
			}
			free_objects += check_slab_(cx, slab, node, which);
		}
		slabs += len;
		if (which == SLAB_LIST_FREE_)
			frees = len;
	}
	if (slabs != n->total_slabs)
		VIOLATION(cx, "node %u: total_slabs %lu, lists hold %lu", node, n->total_slabs, slabs);
	if (frees != n->free_slabs)
		VIOLATION(cx, "node %u: free_slabs %lu, slabs_free holds %lu", node, n->free_slabs, frees);
	if (free_objects != n->free_objects)
		VIOLATION(cx, "node %u: free_objects %lu, the slabs' free slots add up to %lu", node,
			  n->free_objects, free_objects);
	if (n->colour_next >= (cx->c->colour ? cx->c->colour : 1))
		VIOLATION(cx, "node %u: colour_next %u >= colour %u", node, n->colour_next, cx->c->colour);
}

static void lock_all_(struct kmm *k, struct slab_cache_ *c, bool lock)
{
	void (*op)(void *, struct kmm_lock *) = lock ? k->plat->lock : k->plat->unlock;
	if (!k->cfg.threaded)
		return;
	for (unsigned cpu = 0; cpu < c->nr_cpus; cpu++)
		op(k->plat->ctx, &c->cpu[cpu].lock);
	for (unsigned node = 0; c->use_alien && node < c->nr_nodes; node++)
		for (unsigned t = 0; t < c->nr_nodes; t++)
			if (c->node[node].alien[t].ac)
				op(k->plat->ctx, &c->node[node].alien[t].lock);
	for (unsigned node = 0; node < c->nr_nodes; node++)
		op(k->plat->ctx, &c->node[node].list_lock);
}

KMM_NO_COVERAGE
long slab_backend_check_(struct kmm *k, struct kmm_cache *s)
{
	struct check_ctx_ cx;
	struct slab_cache_ *c = cache_of_(s);

	memset(&cx, 0, sizeof(cx));
	cx.k = k;
	cx.s = s;
	cx.c = c;
	/* Every array's capacity: enough room whatever the avail fields say. */
	size_t cap = (size_t)c->nr_cpus * c->limit;
	for (unsigned node = 0; node < c->nr_nodes; node++) {
		if (c->node[node].shared)
			cap += c->node[node].shared->limit;
		for (unsigned t = 0; c->use_alien && t < c->nr_nodes; t++)
			if (c->node[node].alien[t].ac)
				cap += c->node[node].alien[t].ac->limit;
	}
	size_t cached_bytes = (cap ? cap : 1) * sizeof(struct cached_obj_);
	cx.cached = k->plat->meta_alloc(k->plat->ctx, cached_bytes);
	cx.cap_cached = cap;
	cx.seen = k->plat->meta_alloc(k->plat->ctx, c->num);
	if (!cx.cached || !cx.seen) {
		slab_check_violation_(k, s, "check: no memory for the walk");
		if (cx.cached)
			k->plat->meta_free(k->plat->ctx, cx.cached, cached_bytes);
		if (cx.seen)
			k->plat->meta_free(k->plat->ctx, cx.seen, c->num);
		return 1;
	}

	lock_all_(k, c, true);
	collect_cached_(&cx);
	for (unsigned node = 0; node < c->nr_nodes; node++)
		check_node_(&cx, node);
	for (size_t i = 0; i < cx.nr_cached; i++) {
		if (cx.cached[i].matched)
			continue;
		char where[64];
		where_(&cx.cached[i], where, sizeof(where));
		VIOLATION(&cx, "%s holds a pointer that is in no slab of this cache", where);
	}
	lock_all_(k, c, false);

	k->plat->meta_free(k->plat->ctx, cx.cached, cached_bytes);
	k->plat->meta_free(k->plat->ctx, cx.seen, c->num);
	return cx.bad;
}
