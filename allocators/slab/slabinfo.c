// SPDX-License-Identifier: MIT
/*
 * /proc/slabinfo and kmm_cache_info(): what the object allocators hold.
 *
 * The text is the kernel's slabinfo version 2.1 (mm/slab_common.c,
 * print_slabinfo_header() and cache_show()), column for column, so tools
 * that parse /proc/slabinfo (slabtop, scripts) read it unchanged:
 *
 *   slabinfo - version: 2.1
 *   # name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables ...
 *   kmalloc-64            120    128     64   64    1 : tunables    0    0    0 : slabdata      2      2      0
 *
 * One row per cache, newest first as the kernel's list_add() leaves its
 * cache list (so kmalloc caches made at boot come last there); a merged
 * alias has no row of its own, as in the kernel. <objsize> is the slot
 * stride (s->size, metadata included), <pagesperslab> 1 << order. The
 * counts come from the backend's info hook and mean what the backend's
 * kernel counterpart reports (SLUB counts objects in per-CPU slabs as
 * active); <limit> <batchcount> <sharedfactor> are SLAB's tunables and 0
 * elsewhere, as are <sharedavail>.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "slab_internal.h"

/* kmm_cache_info() without the argument checks. */
static void cache_info_(struct kmm *k, struct kmm_cache *s, struct kmm_cache_info *out)
{
	memset(out, 0, sizeof(*out));
	if (k->slab->ops->info)
		k->slab->ops->info(k, s, out);
	/* The common fields last: a backend cannot get them wrong. */
	memcpy(out->name, s->name, sizeof(out->name));
	out->object_size = s->l.object_size;
	out->size = s->l.size;
	out->align = s->l.align;
	out->flags = s->flags & KMM_SLAB_CREATE_MASK;
	out->refcount = (unsigned)s->refcount;
}

int kmm_cache_info(struct kmm *k, struct kmm_cache *s, struct kmm_cache_info *out)
{
	if (!k || !s || !out || !k->slab)
		return -EINVAL;
	cache_info_(k, s, out);
	return 0;
}

int kmm_slab_show_slabinfo_(struct kmm *k, kmm_write_fn write, void *ctx)
{
	static const char header[] =
		"slabinfo - version: 2.1\n"
		"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
		" : tunables <limit> <batchcount> <sharedfactor>"
		" : slabdata <active_slabs> <num_slabs> <sharedavail>\n";
	struct kmm_slab_system *ss = k->slab;
	struct kmm_cache_info info;
	char line[256];

	write(ctx, header, sizeof(header) - 1);
	if (!ss)
		return 0;
	slab_lock_(k, ss);
	for (struct list_head *pos = ss->caches.prev; pos != &ss->caches; pos = pos->prev) {
		struct kmm_cache *s = list_entry(pos, struct kmm_cache, list);
		unsigned limit = 0, batch = 0, shared = 0;
		uint64_t shared_avail = 0;

		cache_info_(k, s, &info);
		if (ss->ops->tunables)
			ss->ops->tunables(k, s, &limit, &batch, &shared);
		if (ss->ops->shared_avail)
			shared_avail = ss->ops->shared_avail(k, s);
		int n = snprintf(line, sizeof(line),
				 "%-17s %6llu %6llu %6u %4u %4u : tunables %4u %4u %4u : slabdata %6llu %6llu %6llu\n",
				 s->name, (unsigned long long)info.active_objs, (unsigned long long)info.num_objs,
				 s->l.size, info.objs_per_slab, info.pages_per_slab, limit, batch, shared,
				 (unsigned long long)info.active_slabs, (unsigned long long)info.num_slabs,
				 (unsigned long long)shared_avail);
		if (n > 0)
			write(ctx, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	slab_unlock_(k, ss);
	return 0;
}
