// SPDX-License-Identifier: MIT
/*
 * The allocator-independent half of the object allocators, after the
 * kernel's mm/slab_common.c: the per-system slab state, the public alloc /
 * free / bulk entry points with their debug hooks and pointer checks, the
 * slab page services the backends build on, RCU-deferred slab freeing, and
 * the check walks. Creating a cache (argument checks, merging into an
 * existing cache) and destroying one are slab_create.c's: they run once a
 * cache, never on the paths here.
 *
 * The per-system state (struct kmm_slab_system) is made on first use:
 * page-only programs never pay for it, and a fuzz input that uses slabs
 * pays for the backend's init, the slab_debug= rules and nothing else,
 * because single-threaded systems make each kmalloc cache on its first use
 * (kmalloc.c). Threaded systems make it, every kmalloc cache included, in
 * kmm_create, so that no shared pointer is ever written once threads run.
 *
 * Checks the common layer always makes on free, debug flags or not, for
 * the price of a page lookup: the pointer lies in this system's memory, in
 * a slab page, and (kmem_cache_free) in a slab of the cache named, else the
 * kernel's "Wrong slab cache" report and the object goes to its real cache.
 * Everything finer (object boundaries, double frees, red zones) is the
 * debug layer's with F/Z/P, as in the kernel.
 *
 * Locking (threaded systems): ss->lock guards the cache list, merging,
 * aliases and refcounts; ss->rcu_lock only the RCU-deferred pages; the
 * counters (jiffies, slab_pages) are atomics; allocation and free take no
 * lock here at all, the backend synchronises its own state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "slub_internal.h" /* the inline SLUB fast paths; includes slab_internal.h */

/* What a slab page allocation keeps of the caller's gfp (GFP_RECLAIM_MASK |
 * GFP_CONSTRAINT_MASK): zone and mobility come from the cache alone. */
#define SLAB_PAGE_GFP_KEEP_                                                                       \
	(KMM___GFP_RECLAIM | KMM___GFP_HIGH | KMM___GFP_IO | KMM___GFP_FS | KMM___GFP_NOWARN |     \
	 KMM___GFP_RETRY_MAYFAIL | KMM___GFP_NOFAIL | KMM___GFP_NORETRY | KMM___GFP_MEMALLOC |     \
	 KMM___GFP_NOMEMALLOC | KMM___GFP_HARDWALL | KMM___GFP_THISNODE)

#define RET_IP_ ((uintptr_t)__builtin_return_address(0))

static inline uintptr_t arena_bytes_(const struct kmm *k) { return (uintptr_t)k->total_pages << KMM_PAGE_SHIFT; }

static void slab_pages_add_(struct kmm *k, struct kmm_slab_system *ss, int64_t n)
{
	if (kmm_unlikely(k->cfg.threaded))
		__atomic_fetch_add(&ss->slab_pages, (uint64_t)n, __ATOMIC_RELAXED);
	else
		ss->slab_pages += (uint64_t)n;
}

/* ---- the per-system state -------------------------------------------------- */

static const struct kmm_slab_ops *slab_pick_ops_(const struct kmm_config *cfg)
{
	static const struct kmm_slab_ops *const backends[KMM_NR_SLAB_BACKENDS] = {
		[KMM_SLAB_BACKEND_SLUB] = &kmm_slub_ops,
		[KMM_SLAB_BACKEND_SLAB] = &kmm_slab_ops,
		[KMM_SLAB_BACKEND_SLOB] = &kmm_slob_ops,
	};
	if (cfg->slab_ops)
		return cfg->slab_ops;
	return backends[(unsigned)cfg->slab_backend < KMM_NR_SLAB_BACKENDS ? cfg->slab_backend : 0];
}

/* The hooks without which there is no allocator (the rest are optional). */
static const char *slab_ops_missing_(const struct kmm_slab_ops *ops)
{
	if (!ops->name)
		return "name";
	if (!ops->cache_open || !ops->cache_shutdown || !ops->cache_release)
		return "cache_open / cache_shutdown / cache_release";
	if (!ops->alloc || !ops->free)
		return "alloc / free";
	if (ops->kmalloc && (!ops->kfree || !ops->ksize))
		return "kfree / ksize (it has kmalloc)";
	return NULL;
}

int kmm_slab_ops_usable_(const struct kmm_slab_ops *ops, char *why, size_t len)
{
	const char *missing = slab_ops_missing_(ops);
	if (!missing)
		return 0;
	snprintf(why, len, "backend %s has no %s", ops->name ? ops->name : "(unnamed)", missing);
	return -1;
}

static void slab_system_free_(struct kmm *k, struct kmm_slab_system *ss, bool backend_up);

static struct kmm_slab_system *slab_system_create_(struct kmm *k)
{
	const struct kmm_slab_ops *ops = slab_pick_ops_(&k->cfg);
	/* kmm_config_validate() refused a table like this already; this
	 * catches one the user emptied after kmm_create. */
	char why[128];
	if (kmm_slab_ops_usable_(ops, why, sizeof(why)) < 0) {
		kmm_report(k, KMM_REPORT_WARNING, "WARNING: slab %s: no object allocator\n", why);
		return NULL;
	}
	struct kmm_slab_system *ss = meta_alloc_(k, sizeof(*ss));
	if (!ss)
		return NULL;
	ss->ops = ops;
	/* The fast paths' entries: the backend's single-threaded ones when
	 * it has them (they skip the lock and node tests). */
	bool local = !k->cfg.threaded;
	ss->alloc = local && ops->alloc_fast ? ops->alloc_fast : ops->alloc;
	ss->free = local && ops->free_fast ? ops->free_fast : ops->free;
	ss->slub_local = local && ops == &kmm_slub_ops;
	INIT_LIST_HEAD(&ss->caches);
	INIT_LIST_HEAD(&ss->rcu_pending);
	INIT_LIST_HEAD(&ss->aliases);
	if (k->cfg.threaded) {
		k->plat->lock_init(k->plat->ctx, &ss->lock);
		k->plat->lock_init(k->plat->ctx, &ss->rcu_lock);
	}
	k->slab = ss; /* the backend's init and the kmalloc caches reach it through k */
	if (ops->init && ops->init(k) != 0) {
		slab_system_free_(k, ss, false);
		return NULL;
	}
	if (slab_debug_parse_(k, ss, k->cfg.slab_debug) != 0 || kmalloc_caches_init_(k, ss) != 0) {
		kmm_slab_system_destroy_(k);
		return NULL;
	}
	return ss;
}

struct kmm_slab_system *kmm_slab_system_(struct kmm *k)
{
	if (kmm_likely(k->slab != NULL))
		return k->slab;
	struct kmm_slab_system *ss = slab_system_create_(k);
	if (!ss)
		kmm_report(k, KMM_REPORT_WARNING, "WARNING: slab: cannot set up the object allocators\n");
	return ss;
}

/* Drop every cache of one kind (kmalloc or not), newest first. */
static void slab_release_all_(struct kmm *k, struct kmm_slab_system *ss, bool kmalloc)
{
	struct list_head *pos = ss->caches.prev;
	while (pos != &ss->caches) {
		struct kmm_cache *s = list_entry(pos, struct kmm_cache, list);
		pos = pos->prev;
		if (!(s->flags & SLAB_KMALLOC_) != !kmalloc)
			continue;
		ss->ops->cache_shutdown(k, s);
		ss->ops->cache_release(k, s);
		list_del(&s->list);
		meta_free_(k, s, sizeof(*s));
	}
}

static void slab_system_free_(struct kmm *k, struct kmm_slab_system *ss, bool backend_up)
{
	while (!list_empty(&ss->aliases)) {
		struct slab_alias_ *a = list_entry(ss->aliases.next, struct slab_alias_, list);
		list_del(&a->list);
		meta_free_(k, a, sizeof(*a));
	}
	if (backend_up && ss->ops->fini)
		ss->ops->fini(k);
	slab_debug_rules_free_(k, ss);
	if (k->cfg.threaded) {
		k->plat->lock_destroy(k->plat->ctx, &ss->lock);
		k->plat->lock_destroy(k->plat->ctx, &ss->rcu_lock);
	}
	k->slab = NULL;
	memset(k->kmalloc_cur, 0, sizeof(k->kmalloc_cur));
	meta_free_(k, ss, sizeof(*ss));
}

void kmm_slab_system_destroy_(struct kmm *k)
{
	struct kmm_slab_system *ss = k->slab;
	if (!ss)
		return;
	/* Users' caches first: a backend may keep its own metadata in kmalloc
	 * caches. Live objects and RCU-deferred pages go with the arena. */
	slab_release_all_(k, ss, false);
	slab_release_all_(k, ss, true);
	slab_system_free_(k, ss, true);
}

/* ---- randomness ------------------------------------------------------------ */

uint64_t slab_random_(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- allocation and free ---------------------------------------------------------- */

kmm_gfp_t slab_fix_gfp_(struct kmm *k, kmm_gfp_t gfp)
{
	char bad[96], fixed[160];
	kmm_gfp_t invalid = gfp & SLAB_GFP_BUG_MASK;
	gfp &= ~SLAB_GFP_BUG_MASK;
	kmm_gfp_format(invalid, bad, sizeof(bad));
	kmm_gfp_format(gfp, fixed, sizeof(fixed));
	kmm_report(k, KMM_REPORT_WARNING,
		   "WARNING: Unexpected gfp: %#x (%s). Fixing up to gfp: %#x (%s). Fix your code!\n",
		   (unsigned)invalid, bad, (unsigned)gfp, fixed);
	return gfp;
}

void *slab_alloc_node_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node, size_t orig_size,
		       uintptr_t caller)
{
	struct kmm_slab_system *ss = k->slab;
	bool debug = slab_debug_on_(s);
	if (debug)
		slab_tick_(k, ss);
	void *obj = ss->ops->alloc(k, s, gfp & ~KMM___GFP_ZERO, node);
	if (kmm_unlikely(!obj))
		return NULL;
	if (kmm_unlikely(debug))
		slab_debug_alloc_(k, s, obj, orig_size, caller);
	if (kmm_unlikely(gfp & KMM___GFP_ZERO)) {
		/* The whole object, but not a kmalloc tail the debug layer just
		 * red-zoned (kmalloc caches keeping orig_size). */
		size_t n = s->l.orig_size_offset ? orig_size : s->l.object_size;
		memset(obj, 0, n);
	}
	return obj;
}

void slab_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj, uintptr_t caller)
{
	struct kmm_slab_system *ss = k->slab;
	if (kmm_unlikely(slab_debug_on_(s))) {
		slab_tick_(k, ss);
		if (!slab_debug_free_(k, s, slab, obj, caller))
			return;
	}
	ss->ops->free(k, s, slab, obj);
}

void slab_invalid_pointer_(struct kmm *k, const char *fn, const void *p, const char *why)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)k->arena;
	if (off < arena_bytes_(k))
		kmm_report(k, KMM_REPORT_SLAB, "%s: invalid pointer pfn:0x%lx+0x%lx: %s\n", fn,
			   (unsigned long)(off >> KMM_PAGE_SHIFT), (unsigned long)(off & (KMM_PAGE_SIZE - 1)), why);
	else
		kmm_report(k, KMM_REPORT_SLAB, "%s: invalid pointer 0x%lx: %s\n", fn, (unsigned long)(uintptr_t)p,
			   why);
}

/* Argument trouble of the alloc entry points: a WARNING and NULL. */
__attribute__((cold, noinline)) static void *cache_alloc_bad_(struct kmm *k, struct kmm_cache *s, int node)
{
	if (!s)
		kmm_report(k, KMM_REPORT_WARNING, "WARNING: kmem_cache_alloc: NULL cache\n");
	else if (!k->slab)
		kmm_report(k, KMM_REPORT_WARNING, "WARNING: kmem_cache_alloc(%s): no slab system\n", s->name);
	else
		kmm_report(k, KMM_REPORT_WARNING, "WARNING: kmem_cache_alloc_node(%s): node %d not in -1..%u\n",
			   s->name, node, k->nr_nodes - 1);
	return NULL;
}

__attribute__((noinline)) static void *cache_alloc_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node,
						   uintptr_t caller)
{
	if (kmm_unlikely(!s || !k->slab || (unsigned)(node + 1) > k->nr_nodes))
		return cache_alloc_bad_(k, s, node);
	if (kmm_unlikely(gfp & SLAB_GFP_BUG_MASK))
		gfp = slab_fix_gfp_(k, gfp);
	return slab_alloc_node_(k, s, gfp, node, s->l.object_size, caller);
}

void *kmm_cache_alloc(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp)
{
	/* The fast path: no debug hook (and no tick), nothing to zero or fix.
	 * SLAB_SLUB_LOCAL_ says there are no debug flags, and that k->slab
	 * exists (a cache does only then). */
	if (kmm_likely(s != NULL && !(gfp & (SLAB_GFP_BUG_MASK | KMM___GFP_ZERO)))) {
		if (kmm_likely(s->flags & SLAB_SLUB_LOCAL_))
			return slub_alloc_local_(k, s, gfp, -1);
		struct kmm_slab_system *ss = k->slab;
		if (ss != NULL && !slab_debug_on_(s))
			return ss->alloc(k, s, gfp, -1);
	}
	return cache_alloc_(k, s, gfp, -1, RET_IP_);
}

void *kmm_cache_alloc_node(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node)
{
	return cache_alloc_(k, s, gfp, node, RET_IP_);
}

/* kmem_cache_free() past its fast path: every check, and the repairs. */
__attribute__((noinline)) static void cache_free_(struct kmm *k, struct kmm_cache *s, void *obj, uintptr_t caller)
{
	static const char fn[] = "kmem_cache_free";
	struct kmm_slab_system *ss = k->slab;
	if (!obj)
		return;
	if (!s) {
		kmm_report(k, KMM_REPORT_WARNING, "WARNING: kmem_cache_free: NULL cache\n");
		return;
	}
	struct kmm_page *head = ss ? slab_virt_to_head_(k, obj) : NULL;
	if (!head) {
		slab_invalid_pointer_(k, fn, obj,
				      (uintptr_t)obj - (uintptr_t)k->arena < arena_bytes_(k)
					      ? "not in an allocated page"
					      : "outside this system's memory");
		return;
	}
	if (!(head->flags & PG_slab)) {
		slab_invalid_pointer_(k, fn, obj,
				      head->flags & PG_large_kmalloc ? "a large kmalloc() (kfree it)"
								     : "not a slab page");
		return;
	}
	struct kmm_cache *owner = head->slab.cache;
	if (!owner) {
		/* SLOB: pages are shared by every cache; the backend knows.
		 * Its free (or debug.c's free hook, through owns_object)
		 * checks the pointer and reports a double free as the
		 * kernel does ("Object already free"). */
		slab_free_(k, s, head, obj, caller);
		return;
	}
	if (owner != s) {
		/* cache_from_obj(): report, then free where it belongs. */
		kmm_report(k, KMM_REPORT_SLAB, "%s: Wrong slab cache. %s but object is from %s\n", fn, s->name,
			   owner->name);
		s = owner;
	}
	slab_free_(k, s, head, obj, caller);
}

void kmm_cache_free(struct kmm *k, struct kmm_cache *s, void *obj)
{
	/* An object of the current CPU's active slab of s is s's: pushed at
	 * once, as kfree does with its hint (slub_free_push_cpu_). s is
	 * dereferenced as kmem_cache_alloc does. The slab's bounds stand in
	 * for the arena test (kfree needs that one for its page lookup; here
	 * it cost the kmem_cache row its lead over kmalloc): a CPU without a
	 * slab has lo = span = 0 and an empty freelist, so NULL, the one
	 * pointer that passes, equals the freelist's head, is refused by the
	 * naive double-free test and goes the general way, a no-op. */
	if (kmm_likely(s != NULL) && kmm_likely(s->flags & SLAB_SLUB_LOCAL_)) {
		struct kmem_cache_cpu *c = s->backend_cpu;
		if ((uintptr_t)obj - c->lo <= c->span && slub_free_push_cpu_(c, obj))
			return;
	}
	uintptr_t off = (uintptr_t)obj - (uintptr_t)k->arena;
	/* kfree's shape, with the owner compared: page->slab.cache == s
	 * makes s a cache of this system, so k->slab exists. */
	if (kmm_likely(off < arena_bytes_(k))) {
		struct kmm_page *page = slab_fast_head_(k, off);
		if (kmm_likely((page->flags & PG_slab) && page->slab.cache == s && s != NULL)) {
			if (kmm_likely(s->flags & SLAB_SLUB_LOCAL_)) {
				slub_free_local_(k, s, page, obj);
				return;
			}
			if (!slab_debug_on_(s)) {
				k->slab->free(k, s, page, obj);
				return;
			}
		}
	}
	cache_free_(k, s, obj, RET_IP_);
}

size_t kmm_cache_alloc_bulk(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, size_t nr, void **p)
{
	uintptr_t caller = RET_IP_;
	struct kmm_slab_system *ss = k->slab;
	if (nr == 0)
		return 0;
	if (!p) {
		kmm_report(k, KMM_REPORT_WARNING, "WARNING: kmem_cache_alloc_bulk: NULL array\n");
		return 0;
	}
	if (!s || !ss) {
		cache_alloc_bad_(k, s, -1);
		return 0;
	}
	if (gfp & SLAB_GFP_BUG_MASK)
		gfp = slab_fix_gfp_(k, gfp);

	if (ss->ops->alloc_bulk && !slab_debug_on_(s)) {
		size_t got = ss->ops->alloc_bulk(k, s, gfp & ~KMM___GFP_ZERO, nr, p);
		if (got != nr) {
			/* All or nothing, even from a backend that broke it. */
			for (size_t i = 0; i < got; i++)
				slab_free_(k, s, slab_virt_to_head_(k, p[i]), p[i], caller);
			return 0;
		}
		if (gfp & KMM___GFP_ZERO)
			for (size_t i = 0; i < nr; i++)
				memset(p[i], 0, s->l.object_size);
		return nr;
	}
	for (size_t i = 0; i < nr; i++) {
		/* Zeroed only once all are had (slab_post_alloc_hook): objects
		 * a failed bulk gives back keep their ctor state. */
		p[i] = slab_alloc_node_(k, s, gfp & ~KMM___GFP_ZERO, -1, s->l.object_size, caller);
		if (!p[i]) {
			while (i-- > 0)
				slab_free_(k, s, slab_virt_to_head_(k, p[i]), p[i], caller);
			return 0;
		}
	}
	if (gfp & KMM___GFP_ZERO)
		for (size_t i = 0; i < nr; i++)
			memset(p[i], 0, s->l.object_size);
	return nr;
}

void kmm_cache_free_bulk(struct kmm *k, struct kmm_cache *s, size_t nr, void **p)
{
	uintptr_t caller = RET_IP_;
	struct kmm_slab_system *ss = k->slab;
	if (nr == 0)
		return;
	if (!p) {
		kmm_report(k, KMM_REPORT_WARNING, "WARNING: kmem_cache_free_bulk: NULL array\n");
		return;
	}
	if (s && ss && ss->ops->free_bulk && !slab_debug_on_(s)) {
		/* The backend's bulk free only for a clean batch; any doubt and
		 * each object takes the checked path. */
		size_t i;
		for (i = 0; i < nr; i++) {
			struct kmm_page *head = p[i] ? slab_virt_to_head_(k, p[i]) : NULL;
			if (!head || !(head->flags & PG_slab) || head->slab.cache != s)
				break;
		}
		if (i == nr) {
			ss->ops->free_bulk(k, s, nr, p);
			return;
		}
	}
	for (size_t i = 0; i < nr; i++)
		cache_free_(k, s, p[i], caller);
}

/* ---- shrinking, reaping, RCU ----------------------------------------------------- */

int kmm_cache_shrink(struct kmm *k, struct kmm_cache *s)
{
	struct kmm_slab_system *ss = k->slab;
	if (!s || !ss)
		return 0;
	if (ss->ops->shrink)
		ss->ops->shrink(k, s);
	return 0;
}

/* A backend hook (shrink, reap) on every cache, under the cache-list lock. */
static void for_each_cache_(struct kmm *k, struct kmm_slab_system *ss, void (*fn)(struct kmm *, struct kmm_cache *))
{
	struct list_head *pos;
	slab_lock_(k, ss);
	list_for_each(pos, &ss->caches)
		fn(k, list_entry(pos, struct kmm_cache, list));
	slab_unlock_(k, ss);
}

/* ops->shrink returns 0 always (struct kmm_slab_ops); for_each_cache_ wants void. */
static void shrink_one_(struct kmm *k, struct kmm_cache *s)
{
	k->slab->ops->shrink(k, s);
}

void kmm_slab_shrink_all(struct kmm *k)
{
	struct kmm_slab_system *ss = k->slab;
	if (!ss)
		return;
	if (ss->ops->shrink)
		for_each_cache_(k, ss, shrink_one_);
	if (ss->ops->shrink_shared) /* SLOB: the heap, even with no cache */
		ss->ops->shrink_shared(k);
}

void kmm_cache_reap(struct kmm *k)
{
	struct kmm_slab_system *ss = k->slab;
	if (ss && ss->ops->reap)
		for_each_cache_(k, ss, ss->ops->reap);
}

void kmm_rcu_barrier(struct kmm *k)
{
	struct kmm_slab_system *ss = k->slab;
	if (!ss)
		return;
	if (ss->ops->rcu_barrier) /* SLOB's deferred blocks */
		ss->ops->rcu_barrier(k);
	for (;;) {
		struct kmm_page *page = NULL;
		if (k->cfg.threaded)
			k->plat->lock(k->plat->ctx, &ss->rcu_lock);
		if (!list_empty(&ss->rcu_pending)) {
			page = list_entry(ss->rcu_pending.next, struct kmm_page, lru);
			list_del(&page->lru);
		}
		if (k->cfg.threaded)
			k->plat->unlock(k->plat->ctx, &ss->rcu_lock);
		if (!page)
			return;
		unsigned order = page->slab.extra;
		page->slab.extra = 0;
		slab_pages_add_(k, ss, -((int64_t)1 << order));
		kmm_free_pages(k, page, order);
	}
}

/* ---- slab pages for the backends ---------------------------------------------------- */

struct kmm_page *slab_alloc_pages_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node,
				   unsigned order)
{
	struct kmm_page *page;
	/* s NULL: SLOB's shared heap, whose caller's gfp names zone and mobility. */
	gfp = s ? (gfp & SLAB_PAGE_GFP_KEEP_) | s->allocflags
		: gfp & (SLAB_PAGE_GFP_KEEP_ | KMM___GFP_DMA | KMM___GFP_DMA32 | KMM___GFP_RECLAIMABLE);
	if (order)
		gfp |= KMM___GFP_COMP;
	/* As the kernel's alloc_slab_page(): no node, the task's policy. */
	if (node < 0)
		page = kmm_alloc_pages(k, gfp, order);
	else
		page = kmm_alloc_pages_node(k, node, gfp | KMM___GFP_THISNODE, order);
	if (kmm_unlikely(!page))
		return NULL;
	page->flags |= PG_slab;
	memset(&page->slab, 0, sizeof(page->slab));
	page->slab.cache = s;
	slab_pages_add_(k, k->slab, (int64_t)1 << order);
	if (kmm_unlikely(s && slab_debug_on_(s)))
		memset(kmm_page_address(k, page), KMM_POISON_INUSE, (size_t)KMM_PAGE_SIZE << order);
	return page;
}

/* call_rcu(rcu_free_slab): the memory stays this type's until the next
 * grace period (kmm_rcu_barrier). Out of line: the common free below then
 * needs no frame. */
static void __attribute__((noinline)) slab_free_pages_rcu_(struct kmm *k, struct kmm_page *slab, unsigned order)
{
	struct kmm_slab_system *ss = k->slab;
	slab->slab.extra = (uint16_t)order;
	if (k->cfg.threaded)
		k->plat->lock(k->plat->ctx, &ss->rcu_lock);
	list_add_tail(&slab->lru, &ss->rcu_pending);
	if (k->cfg.threaded)
		k->plat->unlock(k->plat->ctx, &ss->rcu_lock);
}

void slab_free_pages_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, unsigned order)
{
	slab->flags &= ~(uint32_t)PG_slab;
	slab->slab.cache = NULL;
	if (kmm_unlikely(s && (s->flags & KMM_SLAB_TYPESAFE_BY_RCU))) {
		slab_free_pages_rcu_(k, slab, order);
		return;
	}
	slab_pages_add_(k, k->slab, -((int64_t)1 << order));
	kmm_free_pages(k, slab, order);
}

struct kmm_page *slab_virt_to_head_(struct kmm *k, const void *addr)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)k->arena;
	if (off >= arena_bytes_(k))
		return NULL;
	struct kmm_page *p = &k->pages[off >> KMM_PAGE_SHIFT];
	if (p->flags & PG_tail)
		p = &k->pages[p->compound_head];
	return (p->flags & PG_allocated) ? p : NULL;
}

size_t slab_ksize_(const struct kmm_slab_system *ss, const struct kmm_cache *s)
{
	if (ss->ops != &kmm_slub_ops)
		return s->l.object_size;
	/* SLUB: the red zone and poison need the bytes after the object;
	 * a free pointer or tracks after inuse end the usable part there. */
	if (s->flags & (KMM_SLAB_RED_ZONE | KMM_SLAB_POISON))
		return s->l.object_size;
	if ((s->flags & (KMM_SLAB_TYPESAFE_BY_RCU | KMM_SLAB_STORE_USER)) || s->l.offset >= s->l.inuse)
		return s->l.inuse;
	return s->l.size;
}

/* ---- validation and checks ---------------------------------------------------------- */

long kmm_cache_validate(struct kmm *k, struct kmm_cache *s)
{
	struct kmm_slab_system *ss = k->slab;
	if (ss && !s && ss->ops->kmalloc && ss->ops->validate)
		return ss->ops->validate(k, NULL); /* SLOB: the shared heap and its kmalloc blocks */
	if (!s || !ss)
		return 0;
	if (ss->ops->validate)
		return ss->ops->validate(k, s);
	return slab_debug_validate_(k, s);
}

void slab_check_violation_(struct kmm *k, struct kmm_cache *s, const char *fmt, ...)
{
	char buf[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kmm_report(k, KMM_REPORT_CHECK, "slab check: %s: %s\n", s ? s->name : "(slab)", buf);
}

struct cross_walk_ {
	uint64_t pages; /* pages of the slabs visited */
	long bad;
};

/* Each slab the backend knows is a slab page of the cache, as the page
 * array says. */
static int cross_slab_(struct kmm *k, struct kmm_cache *s, const struct kmm_slab_walk *w, void *ctx)
{
	struct cross_walk_ *c = ctx;
	struct kmm_page *p = w->slab;
	uintptr_t idx = (uintptr_t)(p - k->pages);
	if (idx >= k->total_pages) {
		slab_check_violation_(k, s, "a slab's struct page is not in this system");
		c->bad++;
		return 0;
	}
	unsigned order = (p->flags & PG_head) ? p->private_ : 0;
	if (!(p->flags & PG_slab) || !(p->flags & PG_allocated) || (p->flags & PG_tail)) {
		slab_check_violation_(k, s, "slab pfn:0x%lx has flags 0x%x, not an allocated slab head",
				      (unsigned long)idx, p->flags);
		c->bad++;
	} else if (p->slab.cache != s && (p->slab.cache || !k->slab->ops->owns_object)) {
		slab_check_violation_(k, s, "slab pfn:0x%lx belongs to cache %s", (unsigned long)idx,
				      kmm_cache_name(p->slab.cache));
		c->bad++;
	}
	if (w->base != kmm_page_address(k, p) || w->bytes != ((size_t)KMM_PAGE_SIZE << order)) {
		slab_check_violation_(k, s, "slab pfn:0x%lx: walk says %zu bytes, the page order %u",
				      (unsigned long)idx, w->bytes, order);
		c->bad++;
	}
	c->pages += (uint64_t)1 << order;
	return 0;
}

/* The backend's walk plus the slab-page cross-check of one cache; pages
 * (optional) receives the pages its slabs hold. */
KMM_NO_COVERAGE
static long cache_check_(struct kmm *k, struct kmm_cache *s, uint64_t *pages)
{
	struct kmm_slab_system *ss = k->slab;
	long bad = ss->ops->check ? ss->ops->check(k, s) : 0;
	struct cross_walk_ c = { 0, 0 };
	if (ss->ops->for_each_slab)
		ss->ops->for_each_slab(k, s, cross_slab_, &c);
	if (s->refcount < 1) {
		slab_check_violation_(k, s, "refcount %d < 1", s->refcount);
		bad++;
	}
	if (pages)
		*pages = c.pages;
	return bad + c.bad;
}

/* Slab pages of one cache by the page array (NULL cache: SLOB's pages). */
static uint64_t pages_of_cache_(struct kmm *k, const struct kmm_cache *s)
{
	uint64_t n = 0;
	for (kmm_pfn_t pfn = 0; pfn < k->total_pages; pfn++) {
		const struct kmm_page *p = &k->pages[pfn];
		if ((p->flags & PG_slab) && p->slab.cache == s)
			n += (uint64_t)1 << ((p->flags & PG_head) ? p->private_ : 0);
	}
	return n;
}

long kmm_cache_check(struct kmm *k, struct kmm_cache *s)
{
	struct kmm_slab_system *ss = k->slab;
	uint64_t walked;
	if (!s || !ss)
		return 0;
	slab_lock_(k, ss);
	long bad = cache_check_(k, s, &walked);
	if (ss->ops->check_shared)
		bad += ss->ops->check_shared(k);
	if (ss->ops->for_each_slab && !ss->ops->owns_object) {
		uint64_t held = pages_of_cache_(k, s);
		if (held != walked) {
			slab_check_violation_(k, s, "%llu pages carry this cache, its slabs hold %llu",
					      (unsigned long long)held, (unsigned long long)walked);
			bad++;
		}
	}
	slab_unlock_(k, ss);
	return bad;
}

static bool cache_is_live_(struct kmm_slab_system *ss, const struct kmm_cache *s)
{
	struct list_head *pos;
	list_for_each(pos, &ss->caches)
		if (list_entry(pos, struct kmm_cache, list) == s)
			return true;
	return false;
}

KMM_NO_COVERAGE
long kmm_slab_check(struct kmm *k)
{
	struct kmm_slab_system *ss = k->slab;
	struct list_head *pos;
	long bad = 0;
	uint64_t walked = 0, held = 0, pending = 0;
	if (!ss)
		return 0;
	slab_lock_(k, ss);
	if (ss->ops->check_shared)
		bad += ss->ops->check_shared(k);
	list_for_each(pos, &ss->caches) {
		uint64_t n;
		bad += cache_check_(k, list_entry(pos, struct kmm_cache, list), &n);
		walked += n;
	}
	/* Every slab head names a live cache, every large kmalloc is a
	 * compound head, and together with the RCU-deferred pages they are
	 * exactly the pages the slab layer says it holds. */
	for (kmm_pfn_t pfn = 0; pfn < k->total_pages; pfn++) {
		const struct kmm_page *p = &k->pages[pfn];
		if (!(p->flags & (PG_slab | PG_large_kmalloc)))
			continue;
		unsigned order = p->private_;
		if (order > KMM_MAX_ORDER) {
			slab_check_violation_(k, NULL, "pfn:0x%x: flags 0x%x with order %u", pfn, p->flags, order);
			bad++;
			continue;
		}
		held += (uint64_t)1 << order;
		if (!(p->flags & PG_allocated) || (p->flags & PG_tail) || (order && !(p->flags & PG_head)) ||
		    (p->flags & (PG_slab | PG_large_kmalloc)) == (PG_slab | PG_large_kmalloc)) {
			slab_check_violation_(k, NULL, "pfn:0x%x: flags 0x%x order %u: not an allocated compound head",
					      pfn, p->flags, order);
			bad++;
		} else if (p->flags & PG_slab) {
			const struct kmm_cache *c = p->slab.cache;
			if (c ? !cache_is_live_(ss, c) : !ss->ops->owns_object) {
				slab_check_violation_(k, NULL, "slab pfn:0x%x: its cache is not a live cache", pfn);
				bad++;
			}
		}
	}
	if (k->cfg.threaded)
		k->plat->lock(k->plat->ctx, &ss->rcu_lock);
	list_for_each(pos, &ss->rcu_pending) {
		const struct kmm_page *p = list_entry(pos, struct kmm_page, lru);
		pending += (uint64_t)1 << p->slab.extra;
		if ((p->flags & PG_slab) || !(p->flags & PG_allocated)) {
			slab_check_violation_(k, NULL, "RCU-deferred pfn:0x%x has flags 0x%x",
					      (unsigned)page_to_pfn_(k, p), p->flags);
			bad++;
		}
	}
	if (k->cfg.threaded)
		k->plat->unlock(k->plat->ctx, &ss->rcu_lock);
	uint64_t counted = k->cfg.threaded ? __atomic_load_n(&ss->slab_pages, __ATOMIC_RELAXED) : ss->slab_pages;
	if (held + pending != counted) {
		slab_check_violation_(k, NULL, "slab_pages %llu, but %llu pages are slabs or large kmallocs and %llu wait for RCU",
				      (unsigned long long)counted, (unsigned long long)held,
				      (unsigned long long)pending);
		bad++;
	}
	if (ss->ops->for_each_slab && !ss->ops->owns_object) {
		uint64_t slab_held = 0;
		for (kmm_pfn_t pfn = 0; pfn < k->total_pages; pfn++)
			if (k->pages[pfn].flags & PG_slab)
				slab_held += (uint64_t)1 << ((k->pages[pfn].flags & PG_head) ? k->pages[pfn].private_ : 0);
		if (slab_held != walked) {
			slab_check_violation_(k, NULL, "%llu pages are slabs, the caches' slabs hold %llu",
					      (unsigned long long)slab_held, (unsigned long long)walked);
			bad++;
		}
	}
	slab_unlock_(k, ss);
	return bad;
}

/* ---- introspection ------------------------------------------------------------------- */

const char *kmm_cache_name(const struct kmm_cache *s)
{
	return s ? s->name : "(null)";
}

struct kmm_cache *kmm_find_cache(struct kmm *k, const char *name)
{
	struct kmm_slab_system *ss = k ? k->slab : NULL;
	struct kmm_cache *found = NULL;
	struct list_head *pos;
	if (!ss || !name)
		return NULL;
	slab_lock_(k, ss);
	list_for_each(pos, &ss->caches) {
		struct kmm_cache *s = list_entry(pos, struct kmm_cache, list);
		if (!strcmp(s->name, name)) {
			found = s;
			break;
		}
	}
	if (!found) {
		list_for_each(pos, &ss->aliases) {
			struct slab_alias_ *a = list_entry(pos, struct slab_alias_, list);
			if (!strcmp(a->name, name)) {
				found = a->s;
				break;
			}
		}
	}
	slab_unlock_(k, ss);
	return found;
}

const char *kmm_slab_backend_name(struct kmm *k)
{
	const struct kmm_slab_ops *ops = k->slab ? k->slab->ops : slab_pick_ops_(&k->cfg);
	return ops->name ? ops->name : "(unnamed)";
}

uint64_t kmm_slab_pages(struct kmm *k)
{
	struct kmm_slab_system *ss = k->slab;
	if (!ss)
		return 0;
	return k->cfg.threaded ? __atomic_load_n(&ss->slab_pages, __ATOMIC_RELAXED) : ss->slab_pages;
}
