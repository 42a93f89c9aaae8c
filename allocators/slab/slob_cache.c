// SPDX-License-Identifier: MIT
/*
 * SLOB's kmem_cache side and its ops table: what a cache's create,
 * destroy, alloc and free do over the heap of slob.c (the essay at the top
 * of slob.c says how the heap works), the questions the debug layer and
 * kfree ask of a block, shrinking (the spare page, see slob.c (9)), and
 * the backend's set-up and teardown.
 */
#include <errno.h>
#include <string.h>

#include "slob_internal.h"

/* ---- kmem_cache ------------------------------------------------------------------------ */

/* __kmem_cache_create(): where this cache's blocks come from. */
static int slob_cache_open_(struct kmm *k, struct kmm_cache *s)
{
	struct slob_system *sb = slob_sys_(k);
	struct slob_cache *sc = k->plat->meta_alloc(k->plat->ctx, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	INIT_LIST_HEAD(&sc->big_pages);
	sc->prefix = slab_debug_on_(s) ? SLOB_HDR : 0;
	sc->bytes = sc->prefix + s->l.size;
	sc->big = s->l.size >= KMM_PAGE_SIZE || !slob_fits_page_(sc->bytes, s->l.align, sc->prefix);
	if (sc->big) { /* page->slab.cache names the owner: no tag */
		sc->prefix = 0;
		sc->bytes = s->l.size;
	}
	sc->units = SLOB_UNITS(sc->bytes);
	sc->order = slob_get_order_(s->l.size);
	if (sc->big && sc->order > KMM_MAX_ORDER) {
		k->plat->meta_free(k->plat->ctx, sc, sizeof(*sc));
		return -EINVAL;
	}
	slob_lock_(k, sb);
	sc->id = ++sb->next_id;
	slob_unlock_(k, sb);
	slob_debug_joins_(k, sb, s->flags);
	s->backend = sc;
	return 0;
}

static void slob_cache_release_(struct kmm *k, struct kmm_cache *s)
{
	if (s->backend)
		k->plat->meta_free(k->plat->ctx, s->backend, sizeof(struct slob_cache));
	s->backend = NULL;
}

static void slob_rcu_barrier_(struct kmm *k);

/* __kmem_cache_shutdown(): the kernel's SLOB could not count; this one can.
 * A TYPESAFE_BY_RCU cache waits for a grace period first, as
 * kmem_cache_destroy() does with rcu_barrier(). */
static unsigned long slob_cache_shutdown_(struct kmm *k, struct kmm_cache *s)
{
	struct slob_system *sb = slob_sys_(k);
	struct slob_cache *sc = s->backend;
	uint64_t live;
	if (s->flags & KMM_SLAB_TYPESAFE_BY_RCU)
		slob_rcu_barrier_(k);
	slob_spare_drop_(k, sb); /* destroy shrinks first */
	slob_lock_(k, sb);
	live = sc->live;
	slob_unlock_(k, sb);
	return (unsigned long)live;
}

/* slob_alloc_node(): a block of the cache's size from the heap (or pages of
 * its own), then the ctor, on every allocation. */
static void *slob_cache_alloc_(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node)
{
	struct slob_system *sb = slob_sys_(k);
	struct slob_cache *sc = s->backend;
	char *block;

	if (kmm_unlikely(sc->big)) {
		/* The spare goes back first: the page allocator then sees
		 * all the memory it would see had SLOB kept no page. */
		slob_spare_drop_(k, sb);
		struct kmm_page *page = slab_alloc_pages_(k, s, gfp & ~KMM___GFP_ZERO, node, sc->order);
		if (!page)
			return NULL;
		page->slab.objects = 1;
		page->slab.inuse = 1;
		slob_lock_(k, sb);
		list_add_tail(&page->lru, &sc->big_pages);
		sc->nr_big++;
		sc->live++;
		sc->alloc_slow++;
		sc->pages_new++;
		slob_unlock_(k, sb);
		block = slob_base_(k, page);
	} else {
		struct slob_req rq = {
			.bytes = sc->bytes, .align = s->l.align, .align_offset = sc->prefix,
			.gfp = (gfp & ~KMM___GFP_ZERO) | s->allocflags, .node = node, .s = s, .sc = sc,
			.hdr = { sc->id, sc->prefix ? SLOB_TAG_CACHE : 0 },
		};
		block = slob_alloc_(k, sb, &rq);
		if (!block)
			return NULL;
		if (slab_debug_on_(s)) /* a new slab's slot, as slab_alloc_pages_ leaves it */
			memset(block + sc->prefix, KMM_POISON_INUSE, s->l.size);
	}
	void *obj = block + sc->prefix + s->l.red_left_pad;
	if (slab_debug_on_(s))
		slab_debug_init_object_(k, s, obj);
	if (s->ctor)
		s->ctor(obj);
	return obj;
}

/* The heap block of a cache object obj (lock held), or SLOB_NONE after
 * reporting what is wrong with it. */
static unsigned slob_cache_block_(struct kmm *k, struct slob_system *sb, struct kmm_cache *s,
				  struct kmm_page *page, const void *obj, const char *fn)
{
	struct slob_cache *sc = s->backend;
	const struct slob_map *m = slob_map_of_(k, sb, page);
	const char *block = (const char *)obj - s->l.red_left_pad - sc->prefix;
	unsigned u = SLOB_NONE;
	enum slob_where_ w = slob_where_(k, sb, page, block, obj, &u);

	if (w != SLOB_AT_BLOCK_ || !m) { /* (AT_BLOCK implies a map) */
		slob_bad_pointer_(k, s, page, obj, w, fn);
		return SLOB_NONE;
	}
	uint32_t tag[2] = { 0, 0 };
	if (sc->prefix)
		memcpy(tag, block, sizeof(tag));
	if (map_test_(m, SLOB_MAP_KMALLOC, u) || map_extent_(m, u) != sc->units ||
	    (sc->prefix && (tag[0] != sc->id || tag[1] != SLOB_TAG_CACHE))) {
		slab_err_(k, s, page, NULL, "Wrong slab cache. %s but object is from %s", s->name,
			  map_test_(m, SLOB_MAP_KMALLOC, u) ? "kmalloc" : "another cache");
		return SLOB_NONE;
	}
	return u;
}

/* A one-object slab's object, if obj is it (lock held). */
static bool slob_big_object_(struct kmm *k, struct kmm_cache *s, const struct kmm_page *slab, const void *obj)
{
	const struct slob_cache *sc = s->backend;
	return sc->big && slab->slab.cache == s && (const char *)obj == slob_base_(k, slab) + s->l.red_left_pad;
}

/* kmem_cache_free(). */
static void slob_cache_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj)
{
	struct slob_system *sb = slob_sys_(k);
	struct slob_cache *sc = s->backend;
	struct kmm_page *release = NULL;

	if (slab->slab.cache) { /* a one-object slab (or no SLOB memory at all) */
		bool ok;
		slob_lock_(k, sb);
		ok = slob_big_object_(k, s, slab, obj) && slab->slab.inuse == 1;
		if (ok) {
			slab->slab.inuse = 0;
			list_del(&slab->lru);
			sc->nr_big--;
			sc->live--;
			sc->free_slow++;
			sc->pages_freed++;
		}
		slob_unlock_(k, sb);
		if (ok)
			slab_free_pages_(k, s, slab, sc->order); /* TYPESAFE_BY_RCU: after a grace period */
		else if (slab->slab.cache == s)
			slob_bad_pointer_(k, s, slab, obj, slab->slab.inuse ? SLOB_INTERIOR_ : SLOB_IN_FREE_,
					  "kmem_cache_free");
		else
			slab_err_(k, s, slab, NULL, "Wrong slab cache. %s but object is from %s", s->name,
				  kmm_cache_name(slab->slab.cache));
		return;
	}
	slob_lock_(k, sb);
	struct slob_map *m = slob_map_of_(k, sb, slab);
	unsigned u = slob_cache_block_(k, sb, s, slab, obj, "kmem_cache_free");
	if (u != SLOB_NONE && m) { /* (m is there when u is) */
		sc->live--;
		if (s->flags & KMM_SLAB_TYPESAFE_BY_RCU) {
			/* call_rcu(kmem_rcu_free): untouched until the grace period. */
			map_set_(m, SLOB_MAP_RCU, u);
			m->pending++;
			sb->nr_pending++;
		} else {
			bool was_full = !slab->slab.list;
			release = slob_free_block_(k, sb, s, slab, m, u, sc->units, sc->bytes, true);
			if (release || was_full) {
				sc->free_slow++;
				sc->pages_freed += release != NULL;
			} else {
				sc->free_fast++;
			}
		}
	}
	slob_unlock_(k, sb);
	slob_page_release_(k, release);
}

/* rcu_barrier(): every block waiting for a grace period goes back now. */
static void slob_rcu_barrier_(struct kmm *k)
{
	struct slob_system *sb = k->slab ? slob_sys_(k) : NULL;
	struct list_head freed, *pos, *n;

	if (!sb)
		return;
	INIT_LIST_HEAD(&freed);
	slob_lock_(k, sb);
	for (pos = sb->pages.next, n = pos->next; pos != &sb->pages && sb->nr_pending; pos = n, n = pos->next) {
		struct slob_map *m = list_entry(pos, struct slob_map, link);
		struct kmm_page *page = m->page;
		for (unsigned u = map_next_(m, SLOB_MAP_RCU, SLOB_MAP_NONE, 0); m->pending && u < SLOB_PAGE_UNITS;
		     u = map_next_(m, SLOB_MAP_RCU, SLOB_MAP_NONE, u + 1)) {
			m->pending--;
			sb->nr_pending--;
			/* The page's map goes with its last block: stop there. */
			unsigned units = map_extent_(m, u);
			/* (No spare kept: a grace period after the shrink
			 * must leave no page behind.) */
			if (slob_free_block_(k, sb, NULL, page, m, u, units, (size_t)units * SLOB_UNIT, false)) {
				list_add_tail(&page->lru, &freed);
				break;
			}
		}
	}
	slob_unlock_(k, sb);
	while (!list_empty(&freed)) {
		struct kmm_page *page = list_entry(freed.next, struct kmm_page, lru);
		list_del(&page->lru);
		slob_page_release_(k, page);
	}
}

/* ---- what the debug layer and kfree ask ------------------------------------------------- */

static bool slob_owns_object_(struct kmm *k, struct kmm_cache *s, struct kmm_page *page, const void *ptr)
{
	struct slob_system *sb = slob_sys_(k);
	unsigned u = SLOB_NONE;
	bool ok = false;

	slob_lock_(k, sb);
	if (page->slab.cache) {
		ok = s && slob_big_object_(k, s, page, ptr) && page->slab.inuse == 1;
	} else if (!s) {
		const struct slob_map *m = slob_map_of_(k, sb, page);
		ok = m && slob_where_(k, sb, page, (const char *)ptr - SLOB_HDR, ptr, &u) == SLOB_AT_BLOCK_ &&
		     map_test_(m, SLOB_MAP_KMALLOC, u);
	} else {
		const struct slob_cache *sc = s->backend;
		const char *block = (const char *)ptr - s->l.red_left_pad - sc->prefix;
		const struct slob_map *m = slob_map_of_(k, sb, page);
		if (m && slob_where_(k, sb, page, block, ptr, &u) == SLOB_AT_BLOCK_ && !map_test_(m, SLOB_MAP_KMALLOC, u) &&
		    map_extent_(m, u) == sc->units) {
			uint32_t tag[2];
			memcpy(tag, block, sizeof(tag));
			ok = !sc->prefix || (tag[0] == sc->id && tag[1] == SLOB_TAG_CACHE);
		}
	}
	slob_unlock_(k, sb);
	return ok;
}

/* Freed from the user's view: in free space, or waiting for RCU. */
static bool slob_object_is_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj)
{
	struct slob_system *sb = slob_sys_(k);
	unsigned u;
	bool is_free;

	slob_lock_(k, sb);
	if (slab->slab.cache) {
		is_free = slab->slab.inuse == 0;
	} else {
		const struct slob_cache *sc = s ? s->backend : NULL;
		const char *block = (const char *)obj - (s ? s->l.red_left_pad + sc->prefix : SLOB_HDR);
		is_free = slob_where_(k, sb, slab, block, obj, &u) == SLOB_IN_FREE_;
	}
	slob_unlock_(k, sb);
	return is_free;
}
/* kmem_cache_shrink(): the heap is every cache's, so any cache's shrink
 * gives the spare back (the only free page the heap keeps). */
static int slob_shrink_(struct kmm *k, struct kmm_cache *s)
{
	(void)s;
	slob_spare_drop_(k, slob_sys_(k));
	return 0;
}
static void slob_shrink_shared_(struct kmm *k)
{
	slob_spare_drop_(k, slob_sys_(k));
}

/* ---- the system ------------------------------------------------------------------------ */

static int slob_init_(struct kmm *k)
{
	struct slob_system *sb = k->plat->meta_alloc(k->plat->ctx, sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	sb->total_pages = k->total_pages;
	sb->node = k->plat->meta_alloc(k->plat->ctx, (size_t)k->total_pages * sizeof(*sb->node)); /* zeroed */
	if (!sb->node) {
		k->plat->meta_free(k->plat->ctx, sb, sizeof(*sb));
		return -ENOMEM;
	}
	for (unsigned i = 0; i < NR_SLOB_LISTS_; i++)
		INIT_LIST_HEAD(&sb->lists[i]);
	INIT_LIST_HEAD(&sb->pages);
	INIT_LIST_HEAD(&sb->spares);
	sb->shape.size = SIZE_MAX; /* no size's shape worked out yet */
	if (k->cfg.threaded)
		k->plat->lock_init(k->plat->ctx, &sb->lock);
	k->slab->backend = sb;
	return 0;
}

/* At kmm_destroy: blocks still allocated go with the arena; only the
 * metadata is ours to free. */
static void slob_fini_(struct kmm *k)
{
	struct slob_system *sb = slob_sys_(k);
	if (!sb)
		return;
	while (!list_empty(&sb->pages)) {
		struct slob_map *m = list_entry(sb->pages.next, struct slob_map, link);
		list_del(&m->link);
		k->plat->meta_free(k->plat->ctx, m, sizeof(*m));
	}
	while (!list_empty(&sb->spares)) {
		struct slob_map *m = list_entry(sb->spares.next, struct slob_map, link);
		list_del(&m->link);
		k->plat->meta_free(k->plat->ctx, m, sizeof(*m));
	}
	k->plat->meta_free(k->plat->ctx, sb->node, (size_t)sb->total_pages * sizeof(*sb->node));
	if (k->cfg.threaded)
		k->plat->lock_destroy(k->plat->ctx, &sb->lock);
	k->plat->meta_free(k->plat->ctx, sb, sizeof(*sb));
	k->slab->backend = NULL;
}

const struct kmm_slab_ops kmm_slob_ops = {
	.name = "slob",
	.init = slob_init_,
	.fini = slob_fini_,
	.cache_open = slob_cache_open_,
	.cache_shutdown = slob_cache_shutdown_,
	.cache_release = slob_cache_release_,
	.alloc = slob_cache_alloc_,
	.free = slob_cache_free_,
	.shrink = slob_shrink_,
	.shrink_shared = slob_shrink_shared_,
	.check = slob_check_,
	.check_shared = slob_check_shared_,
	.for_each_slab = slob_for_each_slab_,
	.object_is_free = slob_object_is_free_,
	.slab_first = slob_slab_first_,
	.info = slob_info_,
	.kmalloc = slob_kmalloc_,
	.kfree = slob_kfree_,
	.ksize = slob_ksize_,
	.validate = slob_validate_,
	.owns_object = slob_owns_object_,
	.rcu_barrier = slob_rcu_barrier_,
};
