// SPDX-License-Identifier: MIT
/*
 * A cache's life in the common layer, for every backend (the kernel's
 * kmem_cache_create / kmem_cache_destroy of mm/slab_common.c): checking
 * what the caller asked for, sharing an existing cache when one fits,
 * making a new one, and taking a cache down again. All of it runs once per
 * cache and under ss->lock; the paths that run on every allocation and
 * free stay in slab_common.c.
 *
 * Arguments. kmm_cache_create refuses, with a WARNING and NULL: a missing
 * or empty name, one too long for KMM_CACHE_NAME_MAX or with a space in it
 * (slabinfo readers split on spaces), a size of 0 or beyond the largest
 * kmalloc class, an alignment that is not 0 or a power of two up to a
 * page, flags outside KMM_SLAB_CREATE_MASK, and DMA together with DMA32.
 * The flags slab_debug= gives the name are added before anything else, so
 * a debug cache is never merged.
 *
 * Merging (the kernel's find_mergeable and slab_unmergeable). A cache with
 * no ctor and none of the debug, TYPESAFE_BY_RCU or NO_MERGE flags may
 * become another name for a live cache instead of a cache of its own. The
 * candidate is the oldest cache, itself mergeable and not a kmalloc cache,
 * such that the new size, rounded up to a word and then to the new
 * alignment, fits its slot while wasting less than a word; its slot is a
 * multiple of the new alignment (and under SLAB its own alignment is a
 * multiple of it too); and the page-choosing flags (DMA, DMA32,
 * RECLAIM_ACCOUNT) are the same. The shared cache gains a reference and
 * an alias record (struct slab_alias_, for kmm_find_cache), and its
 * object_size and inuse grow to cover the larger request. kmalloc caches
 * are left out on purpose: they appear lazily, and which cache a user
 * cache merges into must not depend on which kmalloc sizes the program
 * happened to touch first. SLOB never merges, as in the kernel.
 *
 * A new cache (slab_cache_create_, which kmalloc.c also calls for its
 * size classes): the object layout (layout.c), the page flags its slabs
 * are allocated with, a random_seed from the system seed and a stable id
 * (a kmalloc cache's family and class; a user cache's creation index
 * above SLAB_USER_CACHE_ID_), then the backend's cache_open, and the
 * cache joins the end of the cache list. Failures say what the kernel
 * says ("kmem_cache_create(<name>) failed with error <errno>").
 *
 * Destruction. Each destroy drops a reference; while others remain, one
 * alias name goes (the newest, since the caller cannot say which name it
 * meant). The last reference asks the backend to shut the cache down;
 * if objects are still allocated the cache stays, usable, with one
 * reference and SLAB_DYING_ (so nothing merges into it again), the
 * kernel's "Objects remaining" report names a few of them, and -EBUSY
 * lets the caller try again later. Otherwise the cache leaves the list
 * with all its alias names and the backend releases it. kmalloc caches
 * are never destroyed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "slab_internal.h"

/* Caches that never absorb a new cache or are absorbed (slab_unmergeable). */
#define SLAB_NEVER_MERGE_                                                             \
	(KMM_SLAB_DEBUG_FLAGS | KMM_SLAB_TYPESAFE_BY_RCU | KMM_SLAB_NO_MERGE | SLAB_KMALLOC_ | \
	 SLAB_DYING_)
/* Flags that must agree for two caches to merge (they choose the pages). */
#define SLAB_MERGE_SAME_ (KMM_SLAB_RECLAIM_ACCOUNT | KMM_SLAB_CACHE_DMA | KMM_SLAB_CACHE_DMA32)
/* User caches' random_seed ids start above the kmalloc caches' ids. */
#define SLAB_USER_CACHE_ID_ 0x100u

#define RET_IP_ ((uintptr_t)__builtin_return_address(0))

/* A cache's seed: the system seed and a stable id (kmalloc caches: their
 * family and class, so lazy creation changes nothing; users' caches: their
 * creation index). */
static uint32_t slab_cache_seed_(const struct kmm *k, uint32_t id)
{
	uint64_t st = k->cfg.seed ^ ((uint64_t)id * 0xd6e8feb86659fd93ull);
	return (uint32_t)(slab_random_(&st) >> 32);
}

/* ---- cache creation ---------------------------------------------------------- */

struct kmm_cache *slab_cache_create_(struct kmm *k, struct kmm_slab_system *ss, const char *name,
				     unsigned size, unsigned align, unsigned flags, void (*ctor)(void *),
				     uint32_t id)
{
	int err = -ENOMEM;
	struct kmm_cache *s = meta_alloc_(k, sizeof(*s));
	if (!s)
		goto fail;
	size_t n = strlen(name);
	memcpy(s->name, name, n < KMM_CACHE_NAME_MAX ? n : KMM_CACHE_NAME_MAX - 1);
	s->flags = flags;
	if (ss->slub_local && !(flags & KMM_SLAB_DEBUG_FLAGS))
		s->flags |= SLAB_SLUB_LOCAL_;
	s->ctor = ctor;
	s->refcount = 1;
	if (flags & KMM_SLAB_CACHE_DMA)
		s->allocflags |= KMM___GFP_DMA;
	if (flags & KMM_SLAB_CACHE_DMA32)
		s->allocflags |= KMM___GFP_DMA32;
	if (flags & KMM_SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= KMM___GFP_RECLAIMABLE;
	err = slab_layout_(&s->l, size, align, flags, ctor != NULL, (flags & SLAB_KMALLOC_) != 0);
	if (err)
		goto fail;
	s->random_seed = slab_cache_seed_(k, id);
	INIT_LIST_HEAD(&s->list);
	err = ss->ops->cache_open(k, s);
	if (err)
		goto fail;
	list_add_tail(&s->list, &ss->caches);
	return s;
fail:
	kmm_report(k, KMM_REPORT_WARNING, "WARNING: kmem_cache_create(%s) failed with error %d\n", name, err);
	if (s)
		meta_free_(k, s, sizeof(*s));
	return NULL;
}

/* find_mergeable(): the oldest live cache a new one can share, or NULL. */
static struct kmm_cache *find_mergeable_(struct kmm_slab_system *ss, unsigned size, unsigned align,
					 unsigned flags, void (*ctor)(void *))
{
	if (ss->ops == &kmm_slob_ops || ctor || (flags & SLAB_NEVER_MERGE_))
		return NULL;
	size = (size + 7) & ~7u;
	align = slab_calculate_alignment_(flags, align, size);
	size = (size + align - 1) & ~(align - 1);

	struct list_head *pos;
	list_for_each(pos, &ss->caches) {
		struct kmm_cache *s = list_entry(pos, struct kmm_cache, list);
		if ((s->flags & SLAB_NEVER_MERGE_) || s->ctor)
			continue;
		if (size > s->l.size)
			continue;
		if ((flags & SLAB_MERGE_SAME_) != (s->flags & SLAB_MERGE_SAME_))
			continue;
		if (s->l.size & (align - 1)) /* alignment compatible */
			continue;
		if (s->l.size - size >= sizeof(void *))
			continue;
		if (ss->ops == &kmm_slab_ops && (align > s->l.align || s->l.align % align))
			continue;
		return s;
	}
	return NULL;
}

/* __kmem_cache_alias(): share an existing cache under a new name. */
static struct kmm_cache *cache_alias_(struct kmm *k, struct kmm_slab_system *ss, const char *name,
				      unsigned size, unsigned align, unsigned flags, void (*ctor)(void *))
{
	struct kmm_cache *s = find_mergeable_(ss, size, align, flags, ctor);
	if (!s)
		return NULL;
	struct slab_alias_ *a = meta_alloc_(k, sizeof(*a));
	if (!a)
		return NULL; /* as sysfs_slab_alias() failing: make a cache of its own */
	memcpy(a->name, name, strlen(name) + 1);
	a->s = s;
	list_add(&a->list, &ss->aliases);
	s->refcount++;
	if (size > s->l.object_size)
		s->l.object_size = size;
	unsigned inuse = (size + 7) & ~7u;
	if (inuse > s->l.inuse)
		s->l.inuse = inuse;
	return s;
}

/* Drop one alias name of s (the newest: a destroy cannot say which). */
static void alias_drop_(struct kmm *k, struct kmm_slab_system *ss, struct kmm_cache *s, bool all)
{
	struct list_head *pos = ss->aliases.next;
	while (pos != &ss->aliases) {
		struct slab_alias_ *a = list_entry(pos, struct slab_alias_, list);
		pos = pos->next;
		if (a->s != s)
			continue;
		list_del(&a->list);
		meta_free_(k, a, sizeof(*a));
		if (!all)
			return;
	}
}

/* The argument checks of kmem_cache_create(): NULL, or what is wrong. */
static const char *cache_create_bad_arg_(const char *name, unsigned size, unsigned align, unsigned flags,
					 char *buf, size_t len)
{
	if (!name)
		return "name is NULL";
	size_t n = strlen(name);
	if (n == 0)
		return "name is empty";
	if (n >= KMM_CACHE_NAME_MAX) {
		snprintf(buf, len, "name is longer than %d characters", KMM_CACHE_NAME_MAX - 1);
		return buf;
	}
	if (strchr(name, ' '))
		return "name contains a space (it confuses slabinfo parsers)";
	if (size == 0 || size > KMM_KMALLOC_MAX_CACHE_SIZE) {
		snprintf(buf, len, "size %u not in 1..%u", size, KMM_KMALLOC_MAX_CACHE_SIZE);
		return buf;
	}
	if ((align & (align - 1)) || align > KMM_PAGE_SIZE) {
		snprintf(buf, len, "align %u is not 0 or a power of two <= %u", align, KMM_PAGE_SIZE);
		return buf;
	}
	if (flags & ~KMM_SLAB_CREATE_MASK) {
		snprintf(buf, len, "flags 0x%x has bits outside KMM_SLAB_CREATE_MASK (0x%x)",
			 flags & ~KMM_SLAB_CREATE_MASK, KMM_SLAB_CREATE_MASK);
		return buf;
	}
	if ((flags & KMM_SLAB_CACHE_DMA) && (flags & KMM_SLAB_CACHE_DMA32))
		return "flags: SLAB_CACHE_DMA and SLAB_CACHE_DMA32 together";
	return NULL;
}

struct kmm_cache *kmm_cache_create(struct kmm *k, const char *name, unsigned size, unsigned align,
				   unsigned flags, void (*ctor)(void *obj))
{
	char buf[96];
	const char *bad = cache_create_bad_arg_(name, size, align, flags, buf, sizeof(buf));
	if (bad) {
		kmm_report(k, KMM_REPORT_WARNING, "WARNING: kmem_cache_create(%.*s): %s\n", KMM_CACHE_NAME_MAX,
			   name ? name : "(null)", bad);
		return NULL;
	}
	struct kmm_slab_system *ss = kmm_slab_system_(k);
	if (!ss)
		return NULL;
	flags |= slab_debug_flags_for_(k, name);

	slab_lock_(k, ss);
	struct kmm_cache *s = cache_alias_(k, ss, name, size, align, flags, ctor);
	if (!s) {
		s = slab_cache_create_(k, ss, name, size, align, flags, ctor,
				       SLAB_USER_CACHE_ID_ + ss->nr_caches_created);
		if (s)
			ss->nr_caches_created++;
	}
	slab_unlock_(k, ss);
	return s;
}

/* ---- cache destruction --------------------------------------------------------- */

/* list_slab_objects(): the allocated objects of one slab, a few at most. */
static int busy_slab_(struct kmm *k, struct kmm_cache *s, const struct kmm_slab_walk *w, void *ctx)
{
	struct kmm_text *t = ctx;
	const struct kmm_slab_ops *ops = k->slab->ops;
	for (unsigned i = 0; i < w->nr_objects && !t->truncated; i++) {
		char *obj = (char *)slab_slot_object_(s, w->first, i);
		if (ops->object_is_free && ops->object_is_free(k, s, w->slab, obj))
			continue;
		kmm_text_printf(t, "Object pfn:0x%x @offset=%zu\n", (unsigned)page_to_pfn_(k, w->slab),
				(size_t)(obj - w->base));
	}
	return t->truncated;
}

/* What the kernel prints when kmem_cache_destroy() finds objects: SLUB's
 * slab_err() from __kmem_cache_shutdown() with the objects left, then
 * kmem_cache_destroy()'s WARN; here one KMM_REPORT_SLAB report. */
static void cache_busy_report_(struct kmm *k, struct kmm_cache *s, unsigned long left, uintptr_t caller)
{
	char buf[1024], objs[640];
	struct kmm_text t = { buf, 0, sizeof(buf), false }, o = { objs, 0, sizeof(objs), false };
	const struct kmm_slab_ops *ops = k->slab->ops;

	objs[0] = '\0';
	if (ops->for_each_slab)
		ops->for_each_slab(k, s, busy_slab_, &o);
	kmm_text_printf(&t,
			"=============================================================================\n"
			"BUG %s: Objects remaining in %s on __kmem_cache_shutdown()\n"
			"-----------------------------------------------------------------------------\n"
			"\n"
			"INFO: %lu object%s still allocated\n%s%s"
			"WARNING: kmem_cache_destroy %s: Slab cache still has objects when called from 0x%lx\n",
			s->name, s->name, left, left == 1 ? "" : "s", objs, o.truncated ? "...\n" : "", s->name,
			(unsigned long)caller);
	kmm_report(k, KMM_REPORT_SLAB, "%s", buf);
}

int kmm_cache_destroy(struct kmm *k, struct kmm_cache *s)
{
	uintptr_t caller = RET_IP_;
	struct kmm_slab_system *ss = k->slab;
	if (!s)
		return 0;
	if (!ss)
		return -EINVAL;
	if (s->flags & SLAB_KMALLOC_) {
		kmm_report(k, KMM_REPORT_WARNING, "WARNING: kmem_cache_destroy(%s): kmalloc caches stay\n",
			   s->name);
		return -EINVAL;
	}
	slab_lock_(k, ss);
	if (--s->refcount > 0) {
		alias_drop_(k, ss, s, false);
		slab_unlock_(k, ss);
		return 0;
	}
	unsigned long left = ss->ops->cache_shutdown(k, s);
	if (left) {
		/* Kept, objects valid, destroy may be retried; never merged again. */
		s->refcount = 1;
		s->flags |= SLAB_DYING_;
		cache_busy_report_(k, s, left, caller);
		slab_unlock_(k, ss);
		return -EBUSY;
	}
	list_del(&s->list);
	alias_drop_(k, ss, s, true);
	slab_unlock_(k, ss);
	ss->ops->cache_release(k, s);
	meta_free_(k, s, sizeof(*s));
	return 0;
}
