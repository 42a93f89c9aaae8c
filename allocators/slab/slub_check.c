// SPDX-License-Identifier: MIT
/*
 * SLUB's walks: the structural check (kmm_cache_check), the slab iterator
 * the debug layer validates with, object_is_free, and the counters behind
 * kmm_cache_info and slabinfo.
 *
 * The check recomputes everything slub_internal.h states as an invariant:
 * every list's length against its counter, every slab's place against its
 * list / frozen fields and against CPU ownership, every freelist entry (the
 * slab's and, for an active slab, its CPU's) on an object boundary of its
 * slab, no entry twice (so no cycle), inuse + free == objects, and per
 * node the slabs and objects found against nr_slabs / total_objects.
 * Freelists are followed only while their links stay inside the slab, so
 * a corrupted object can make the check report but never crash.
 *
 * Threaded mode: check and info take every lock of the cache (CPU locks,
 * then node locks). for_each_slab and object_is_free's callers (the debug
 * layer's validate, kfree's checks of debug caches, which keep no CPU
 * slabs) run between operations on the cache or lock per slab as noted.
 */
#include <string.h>

#include "slub_internal.h"

/* The bitmap of one slab's objects seen on a freelist (MAX_OBJS_PER_PAGE). */
#define SLUB_MAP_WORDS (32768 / 64)

static void lock_all_(struct kmm *k, struct slub_cache *sc)
{
	for (unsigned cpu = 0; cpu < sc->nr_cpus; cpu++)
		slub_cpu_lock_(k, sc, &sc->cpu[cpu]);
	for (unsigned nid = 0; nid < sc->nr_nodes; nid++)
		slub_node_lock_(k, &sc->node[nid]);
}
static void unlock_all_(struct kmm *k, struct slub_cache *sc)
{
	for (unsigned nid = sc->nr_nodes; nid-- > 0;)
		slub_node_unlock_(k, &sc->node[nid]);
	for (unsigned cpu = sc->nr_cpus; cpu-- > 0;)
		slub_cpu_unlock_(k, sc, &sc->cpu[cpu]);
}

/* Objects on the chain from head while its links stay valid, at most max. */
KMM_NO_COVERAGE
static unsigned chain_len_(const struct kmm *k, const struct slub_cache *sc, const struct kmm_page *slab,
			   const void *head, unsigned max)
{
	const char *base = slub_slab_base_(k, slab);
	unsigned n = 0;
	for (const void *p = head; p && n < max && slub_valid_ptr_(sc, base, slab, p); n++)
		p = slub_get_fp_(sc, p);
	return n;
}

/* Walk one freelist of slab, marking objects in map; violations reported.
 * Returns the number of entries (up to the first bad one). */
KMM_NO_COVERAGE
static unsigned walk_freelist_(struct kmm *k, struct kmm_cache *s, const struct slub_cache *sc,
			       const struct kmm_page *slab, const void *head, uint64_t *map, const char *which,
			       long *bad)
{
	const char *base = slub_slab_base_(k, slab);
	unsigned n = 0;
	kmm_pfn_t pfn = page_to_pfn_(k, slab);
	for (const void *p = head; p; p = slub_get_fp_(sc, p)) {
		if (!slub_valid_ptr_(sc, base, slab, p)) {
			slab_check_violation_(k, s, "slab pfn:0x%x: %s entry %u at offset 0x%lx is not an object of the slab",
					      (unsigned)pfn, which, n, (unsigned long)((uintptr_t)p - (uintptr_t)base));
			++*bad;
			break;
		}
		unsigned idx = (unsigned)(((uintptr_t)p - (uintptr_t)base - sc->red_left_pad) / sc->size);
		if (map[idx / 64] & (1ull << (idx % 64))) {
			slab_check_violation_(k, s, "slab pfn:0x%x: object %u twice on the freelists (%s entry %u: a cycle or a double free)",
					      (unsigned)pfn, idx, which, n);
			++*bad;
			break;
		}
		map[idx / 64] |= 1ull << (idx % 64);
		n++;
	}
	return n;
}

/*
 * One slab found at `where` (node nid, or owned by CPU cpu >= 0): page
 * state, place, counters and freelists. Returns the violations.
 */
KMM_NO_COVERAGE
static long check_slab_(struct kmm *k, struct kmm_cache *s, const struct slub_cache *sc, const struct kmm_page *slab,
			enum slub_list where, unsigned nid, const struct kmem_cache_cpu *c)
{
	static const char *const names[] = { "no list", "a CPU slab", "a CPU partial list", "a node partial list",
					     "a node full list" };
	uint64_t map[SLUB_MAP_WORDS];
	long bad = 0;
	kmm_pfn_t pfn = page_to_pfn_(k, slab);
	const struct kmm_slab_page *sp = &slab->slab;

	if (!(slab->flags & PG_slab) || !(slab->flags & PG_allocated) || sp->cache != s) {
		slab_check_violation_(k, s, "slab pfn:0x%x on %s is not a slab page of this cache (flags 0x%x)",
				      (unsigned)pfn, names[where], slab->flags);
		return 1; /* nothing else of it can be trusted */
	}
	unsigned order = slub_slab_order_(slab);
	if (!((order == sc->oo.order && sp->objects == sc->oo.objects) ||
	      (order == sc->min.order && sp->objects == sc->min.objects)) ||
	    slab->private_ != order) {
		slab_check_violation_(k, s, "slab pfn:0x%x: order %u (page order %u) with %u objects fits neither %u/%u nor %u/%u",
				      (unsigned)pfn, order, slab->private_, sp->objects, sc->oo.order, sc->oo.objects,
				      sc->min.order, sc->min.objects);
		return bad + 1;
	}
	/* kfree finds the head from a tail page through slub_head_off */
	for (unsigned i = 0; i < 1u << order; i++) {
		if (k->slab->slub_head_off[pfn + i] != i) {
			slab_check_violation_(k, s, "slab pfn:0x%x: page %u says its head is %u pages back",
					      (unsigned)pfn, i, k->slab->slub_head_off[pfn + i]);
			bad++;
			break;
		}
	}
	if (slab->node != nid) {
		slab_check_violation_(k, s, "slab pfn:0x%x of node %u found on node %u's lists", (unsigned)pfn,
				      slab->node, nid);
		bad++;
	}
	if (sp->list != where) {
		slab_check_violation_(k, s, "slab pfn:0x%x found on %s but says it is on %s", (unsigned)pfn,
				      names[where], sp->list < 5 ? names[sp->list] : "an unknown list");
		bad++;
	}
	if (sp->frozen != (where == SLUB_LIST_CPU)) {
		slab_check_violation_(k, s, "slab pfn:0x%x on %s has frozen=%u", (unsigned)pfn, names[where],
				      sp->frozen);
		bad++;
	}
	if (sp->inuse > sp->objects) {
		slab_check_violation_(k, s, "slab pfn:0x%x: inuse %u > objects %u", (unsigned)pfn, sp->inuse,
				      sp->objects);
		return bad + 1;
	}
	memset(map, 0, ((sp->objects + 63u) / 64u) * sizeof(map[0]));
	unsigned nfree = walk_freelist_(k, s, sc, slab, sp->freelist, map, "freelist", &bad);
	if (sp->inuse + nfree != sp->objects) {
		slab_check_violation_(k, s, "slab pfn:0x%x: inuse %u + free %u != objects %u", (unsigned)pfn,
				      sp->inuse, nfree, sp->objects);
		bad++;
	}
	/* The CPU's objects are counted in inuse: disjoint from the slab's
	 * freelist (the map), so never more than inuse. */
	if (c)
		walk_freelist_(k, s, sc, slab, c->freelist, map, "CPU freelist", &bad);
	/* A partial slab without free objects is legal: validate leaves one
	 * whose freelist it cleared (then inuse == objects, checked above),
	 * and allocation files it as full. */
	if (where == SLUB_LIST_FULL && sp->freelist) {
		slab_check_violation_(k, s, "slab pfn:0x%x on %s has free objects", (unsigned)pfn, names[where]);
		bad++;
	}
	return bad;
}

/* A list of slabs linked by page->lru: check each, count them. */
KMM_NO_COVERAGE
static long check_list_(struct kmm *k, struct kmm_cache *s, const struct slub_cache *sc, const struct list_head *head,
			enum slub_list where, int nid, unsigned long *count, uint64_t *slabs, uint64_t *objs)
{
	long bad = 0;
	const struct list_head *pos;
	*count = 0;
	list_for_each(pos, head) {
		const struct kmm_page *slab = list_entry(pos, struct kmm_page, lru);
		unsigned on = nid >= 0 ? (unsigned)nid : slab->node;
		bad += check_slab_(k, s, sc, slab, where, on, NULL);
		if (slab->node < KMM_MAX_NODES) {
			slabs[slab->node]++;
			objs[slab->node] += slab->slab.objects;
		}
		++*count;
	}
	return bad;
}

KMM_NO_COVERAGE
long slub_check_(struct kmm *k, struct kmm_cache *s)
{
	struct slub_cache *sc = slub_(s);
	uint64_t slabs[KMM_MAX_NODES] = { 0 }, objs[KMM_MAX_NODES] = { 0 };
	unsigned long count;
	long bad = 0;

	if (!sc) {
		slab_check_violation_(k, s, "cache has no SLUB state");
		return 1;
	}
	lock_all_(k, sc);
	for (unsigned nid = 0; nid < sc->nr_nodes; nid++) {
		struct kmem_cache_node *n = &sc->node[nid];
		bad += check_list_(k, s, sc, &n->partial, SLUB_LIST_NODE_PARTIAL, (int)nid, &count, slabs, objs);
		if (count != n->nr_partial) {
			slab_check_violation_(k, s, "node %u: nr_partial %lu but %lu slabs on the partial list", nid,
					      n->nr_partial, count);
			bad++;
		}
		bad += check_list_(k, s, sc, &n->full, SLUB_LIST_FULL, (int)nid, &count, slabs, objs);
		if (count != n->nr_full) {
			slab_check_violation_(k, s, "node %u: nr_full %lu but %lu slabs on the full list", nid,
					      n->nr_full, count);
			bad++;
		}
	}
	for (unsigned cpu = 0; cpu < sc->nr_cpus; cpu++) {
		struct kmem_cache_cpu *c = &sc->cpu[cpu];
		if (c->slab) {
			const struct kmm_page *slab = c->slab;
			bad += check_slab_(k, s, sc, slab, SLUB_LIST_CPU, slab->node, c);
			if (slab->node < KMM_MAX_NODES) {
				slabs[slab->node]++;
				objs[slab->node] += slab->slab.objects;
			}
			if (c->node != slab->node ||
			    c->lo != (uintptr_t)slub_slab_base_(k, slab) + sc->red_left_pad ||
			    c->span != (uintptr_t)(slab->slab.objects - 1u) * sc->size) {
				slab_check_violation_(k, s, "cpu %u: cached bounds or node disagree with its slab pfn:0x%x",
						      cpu, (unsigned)page_to_pfn_(k, slab));
				bad++;
			}
			for (unsigned other = 0; other < cpu; other++)
				if (sc->cpu[other].slab == slab) {
					slab_check_violation_(k, s, "slab pfn:0x%x is the active slab of cpus %u and %u",
							      (unsigned)page_to_pfn_(k, slab), other, cpu);
					bad++;
				}
		} else if (c->freelist) {
			slab_check_violation_(k, s, "cpu %u has a freelist but no slab", cpu);
			bad++;
		}
		bad += check_list_(k, s, sc, &c->partial, SLUB_LIST_CPU_PARTIAL, -1, &count, slabs, objs);
		if (count != c->nr_partial) {
			slab_check_violation_(k, s, "cpu %u: nr_partial %u but %lu slabs on its partial list", cpu,
					      c->nr_partial, count);
			bad++;
		}
		if (sc->debug && (c->slab || count)) {
			slab_check_violation_(k, s, "cpu %u holds slabs of a debug cache", cpu);
			bad++;
		}
	}
	for (unsigned nid = 0; nid < sc->nr_nodes; nid++) {
		const struct kmem_cache_node *n = &sc->node[nid];
		if (slabs[nid] != n->nr_slabs || objs[nid] != n->total_objects) {
			slab_check_violation_(k, s, "node %u: %llu slabs / %llu objects found, counters say %llu / %llu",
					      nid, (unsigned long long)slabs[nid], (unsigned long long)objs[nid],
					      (unsigned long long)n->nr_slabs, (unsigned long long)n->total_objects);
			bad++;
		}
	}
	unlock_all_(k, sc);
	return bad;
}

/* ---- for the debug layer ------------------------------------------------ */

char *slub_slab_first_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab)
{
	(void)s;
	return slub_slab_base_(k, slab);
}

static int visit_(struct kmm *k, struct kmm_cache *s, const struct slub_cache *sc, struct kmm_page *slab,
		  slab_walk_fn fn, void *ctx)
{
	struct kmm_slab_walk w;
	w.slab = slab;
	w.base = slub_slab_base_(k, slab);
	w.bytes = (size_t)KMM_PAGE_SIZE << slub_slab_order_(slab);
	w.first = w.base;
	w.nr_objects = slab->slab.objects;
	w.pad_start = w.base + (size_t)slab->slab.objects * sc->size;
	w.pad_end = w.base + w.bytes;
	return fn(k, s, &w, ctx);
}

static int visit_list_(struct kmm *k, struct kmm_cache *s, const struct slub_cache *sc, struct list_head *head,
		       slab_walk_fn fn, void *ctx)
{
	struct list_head *pos = head->next;
	while (pos != head) {
		struct kmm_page *slab = list_entry(pos, struct kmm_page, lru);
		pos = pos->next; /* fn may not move slabs, but stay safe if it frees nothing */
		int ret = visit_(k, s, sc, slab, fn, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/* Every slab: active slabs, CPU partial lists, node partial and full lists. */
int slub_for_each_slab_(struct kmm *k, struct kmm_cache *s, slab_walk_fn fn, void *ctx)
{
	struct slub_cache *sc = slub_(s);
	int ret;
	for (unsigned cpu = 0; cpu < sc->nr_cpus; cpu++) {
		struct kmem_cache_cpu *c = &sc->cpu[cpu];
		if (c->slab && (ret = visit_(k, s, sc, c->slab, fn, ctx)))
			return ret;
		if ((ret = visit_list_(k, s, sc, &c->partial, fn, ctx)))
			return ret;
	}
	for (unsigned nid = 0; nid < sc->nr_nodes; nid++) {
		if ((ret = visit_list_(k, s, sc, &sc->node[nid].partial, fn, ctx)))
			return ret;
		if ((ret = visit_list_(k, s, sc, &sc->node[nid].full, fn, ctx)))
			return ret;
	}
	return 0;
}

KMM_NO_COVERAGE
static bool on_chain_(const struct kmm *k, const struct slub_cache *sc, const struct kmm_page *slab, const void *head,
		      const void *obj)
{
	const char *base = slub_slab_base_(k, slab);
	unsigned n = 0;
	for (const void *p = head; p && n <= slab->slab.objects && slub_valid_ptr_(sc, base, slab, p); n++) {
		if (p == obj)
			return true;
		p = slub_get_fp_(sc, p);
	}
	return false;
}

/* On the slab's freelist, or on the freelist of the CPU whose active slab
 * it is. */
bool slub_object_is_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj)
{
	struct slub_cache *sc = slub_(s);
	struct kmem_cache_node *n = &sc->node[slab->node < sc->nr_nodes ? slab->node : 0];
	bool found = false;
	if (slab->slab.frozen) {
		for (unsigned cpu = 0; cpu < sc->nr_cpus && !found; cpu++) {
			struct kmem_cache_cpu *c = &sc->cpu[cpu];
			slub_cpu_lock_(k, sc, c);
			if (c->slab == slab)
				found = on_chain_(k, sc, slab, c->freelist, obj);
			slub_cpu_unlock_(k, sc, c);
		}
		if (found)
			return true;
	}
	slub_node_lock_(k, n);
	found = on_chain_(k, sc, slab, slab->slab.freelist, obj);
	slub_node_unlock_(k, n);
	return found;
}

/* ---- the debug layer's freelist checks ------------------------------------ */

/* A CPU freelist's part of validate: cut at the first bad link (the CPU's
 * objects stay counted in use by the slab). Errors as on_freelist. */
static long validate_cpu_freelist_(struct kmm *k, struct kmm_cache *s, const struct slub_cache *sc,
				   struct kmm_page *slab, struct kmem_cache_cpu *c)
{
	const char *base = slub_slab_base_(k, slab);
	void *object = NULL;
	unsigned nr = 0;
	for (void *fp = c->freelist; fp; nr++) {
		if (!slub_valid_ptr_(sc, base, slab, fp) || nr >= slab->slab.inuse) {
			if (object) {
				slab_object_err_(k, s, slab, object, "Freechain corrupt", NULL);
				slub_set_fp_(sc, object, NULL);
				return 1;
			}
			slab_err_(k, s, slab, "CPU freelist cleared", "Freepointer corrupt");
			c->freelist = NULL;
			return 2;
		}
		object = fp;
		fp = slub_get_fp_(sc, object);
	}
	return 0;
}

/*
 * on_freelist(s, slab, NULL) for validate: the slab's freelist must stay on
 * its object boundaries (else "Freechain corrupt" on the last good object,
 * whose link then ends the chain; or, when the head is bad, the freelist is
 * cleared), and its length must agree with inuse ("Object count
 * adjusted"). An active slab's CPU freelist is walked the same way.
 * Errors counted as the kernel's kunit tests count them: 1 per BUG, 1 per
 * FIX.
 */
long slub_validate_freelist_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, bool *cleared)
{
	struct slub_cache *sc = slub_(s);
	struct kmem_cache_cpu *c = NULL;
	struct kmem_cache_node *n = &sc->node[slab->node < sc->nr_nodes ? slab->node : 0];
	const char *base = slub_slab_base_(k, slab);
	struct kmm_slab_page *sp = &slab->slab;
	long errors = 0;
	void *object = NULL;
	unsigned nr = 0;

	*cleared = false;
	if (sp->frozen)
		for (unsigned cpu = 0; cpu < sc->nr_cpus && !c; cpu++)
			if (sc->cpu[cpu].slab == slab)
				c = &sc->cpu[cpu];
	if (c) {
		slub_cpu_lock_(k, sc, c);
		if (c->slab == slab)
			errors += validate_cpu_freelist_(k, s, sc, slab, c);
		slub_cpu_unlock_(k, sc, c);
	}
	slub_node_lock_(k, n);
	for (void *fp = sp->freelist; fp; nr++) {
		if (nr > sp->objects || !slub_valid_ptr_(sc, base, slab, fp)) {
			if (object && nr <= sp->objects) {
				slab_object_err_(k, s, slab, object, "Freechain corrupt", NULL);
				slub_set_fp_(sc, object, NULL);
				errors += 1;
				break;
			}
			slab_err_(k, s, slab, "Freelist cleared", nr > sp->objects ? "Freelist cycle detected"
										    : "Freepointer corrupt");
			sp->freelist = NULL;
			sp->inuse = sp->objects;
			*cleared = true;
			slub_node_unlock_(k, n);
			return errors + 2;
		}
		object = fp;
		fp = slub_get_fp_(sc, object);
	}
	unsigned max_objects = (unsigned)(((unsigned long)KMM_PAGE_SIZE << slub_slab_order_(slab)) / sc->size);
	if (max_objects > 32767)
		max_objects = 32767;
	if (sp->objects != max_objects) {
		slab_err_(k, s, slab, "Number of objects adjusted", "Wrong number of objects. Found %u but should be %u",
			  sp->objects, max_objects);
		sp->objects = (uint16_t)max_objects;
		errors += 2;
	}
	if (nr <= sp->objects && sp->inuse != sp->objects - nr) {
		slab_err_(k, s, slab, "Object count adjusted", "Wrong object count. Counter is %u but counted were %u",
			  sp->inuse, sp->objects - nr);
		sp->inuse = (uint16_t)(sp->objects - nr);
		errors += 2;
	}
	slub_node_unlock_(k, n);
	return errors;
}

/* check_object()'s free pointer test: the word at obj + offset decodes to
 * NULL or an object of slab; zap makes a bad one NULL. An allocated
 * object's word outside the object keeps its last link, still sane. */
bool slub_freeptr_ok_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj, bool zap)
{
	const struct slub_cache *sc = slub_(s);
	if (slub_valid_ptr_(sc, slub_slab_base_(k, slab), slab, slub_get_fp_(sc, obj)))
		return true;
	if (zap)
		slub_set_fp_(sc, obj, NULL);
	return false;
}

/* ---- counters ------------------------------------------------------------ */

/* Slabs of a list: how many hold no allocated object, and their free objects. */
static void count_list_(const struct list_head *head, uint64_t *nr_free, uint64_t *empty_slabs)
{
	const struct list_head *pos;
	list_for_each(pos, head) {
		const struct kmm_page *slab = list_entry(pos, struct kmm_page, lru);
		*nr_free += (uint64_t)(slab->slab.objects - slab->slab.inuse);
		*empty_slabs += slab->slab.inuse == 0;
	}
}

static uint64_t read_stat_(const struct kmm *k, const struct slub_cache *sc, enum slub_stat_item si)
{
	uint64_t sum = 0;
	for (unsigned cpu = 0; cpu < sc->nr_cpus; cpu++)
		sum += k->cfg.threaded ? __atomic_load_n(&sc->cpu[cpu].stat[si], __ATOMIC_RELAXED)
				       : sc->cpu[cpu].stat[si];
	return sum;
}

/*
 * Exact counts, unlike the kernel's slabinfo (which counts every object of
 * a CPU slab as active and every slab as active): active_objs is the
 * number of objects handed out, active_slabs the slabs holding at least one
 * -- what a model of the user's allocations can predict.
 */
void slub_info_(struct kmm *k, struct kmm_cache *s, struct kmm_cache_info *out)
{
	struct slub_cache *sc = slub_(s);
	uint64_t nr_slabs = 0, nr_objs = 0, nr_free = 0, empty = 0;

	lock_all_(k, sc);
	for (unsigned nid = 0; nid < sc->nr_nodes; nid++) {
		const struct kmem_cache_node *n = &sc->node[nid];
		nr_slabs += n->nr_slabs;
		nr_objs += n->total_objects;
		count_list_(&n->partial, &nr_free, &empty);
		count_list_(&n->full, &nr_free, &empty);
	}
	for (unsigned cpu = 0; cpu < sc->nr_cpus; cpu++) {
		const struct kmem_cache_cpu *c = &sc->cpu[cpu];
		count_list_(&c->partial, &nr_free, &empty);
		if (c->slab) {
			const struct kmm_page *slab = c->slab;
			unsigned on_cpu = chain_len_(k, sc, slab, c->freelist, slab->slab.inuse);
			nr_free += (uint64_t)(slab->slab.objects - slab->slab.inuse) + on_cpu;
			empty += on_cpu == slab->slab.inuse;
		}
	}
	unlock_all_(k, sc);

	out->objs_per_slab = sc->oo.objects;
	out->pages_per_slab = 1u << sc->oo.order;
	out->num_slabs = nr_slabs;
	out->num_objs = nr_objs;
	out->active_objs = nr_objs >= nr_free ? nr_objs - nr_free : 0;
	out->active_slabs = nr_slabs >= empty ? nr_slabs - empty : 0;
	out->alloc_fastpath = read_stat_(k, sc, ALLOC_FASTPATH);
	out->alloc_slowpath = read_stat_(k, sc, ALLOC_SLOWPATH);
	out->free_fastpath = read_stat_(k, sc, FREE_FASTPATH);
	out->free_slowpath = read_stat_(k, sc, FREE_SLOWPATH);
	out->alloc_slab = read_stat_(k, sc, ALLOC_SLAB);
	out->free_slab = read_stat_(k, sc, FREE_SLAB);
	out->cpu_partial_alloc = read_stat_(k, sc, CPU_PARTIAL_ALLOC);
	out->cpu_partial_free = read_stat_(k, sc, CPU_PARTIAL_FREE);
	out->reaped = 0;
	out->alien_frees = 0;
}

/* SLUB has no array caches to tune: slabinfo prints "tunables 0 0 0". */
void slub_tunables_(struct kmm *k, struct kmm_cache *s, unsigned *limit, unsigned *batch, unsigned *shared)
{
	(void)k, (void)s;
	*limit = 0;
	*batch = 0;
	*shared = 0;
}
