// SPDX-License-Identifier: MIT
/*
 * The slab side of the executor: ops 9..21 and misuse kinds 5..11 run on
 * the object allocator under test (struct kmm_slab_target) and on the
 * object model (reference/object_model.h), checked at once.
 *
 * Pages. The slab layer takes its pages from the same page allocator the
 * page ops use, and the page model must stay exact. At setup the executor
 * installs the page tracepoints (kmm_set_page_tracepoints): every block
 * handed out or given back while no page op of the executor's own is
 * running belongs to the slab layer. Each one is judged at once (inside
 * the arena, aligned, managed pages, no page of a live block) and recorded
 * in the page model with owner KMM_OMODEL_SLAB_OWNER (conservatively as a
 * non-blocking allocation: SLUB drops __GFP_RECLAIM for its first,
 * higher-order try, so such a block may make its pageblock HIGHATOMIC);
 * a block given back must be one the slab layer holds, hold no live
 * object, and hold no object freed from a TYPESAFE_BY_RCU cache since the
 * last grace period ("rcu"). So zone counters, nr_free and teardown stay
 * exact, and an object is proved to lie in slab-layer memory by the page
 * model alone.
 *
 * One op:
 *   cache_create   arguments judged by the model; the cache's info (align,
 *                  object size, no merge where the kernel forbids it);
 *   allocations    the model decides beforehand whether success is required
 *                  or failure is; the object is judged (exec_slab_take_object:
 *                  alignment, overlap, slab memory, ksize, owner cache,
 *                  zeroing, ctor) and gets its pattern;
 *   bulk           returns 0 or nr, nr distinct non-NULL objects;
 *   frees          pattern verified, ctor magic restored, the model told
 *                  first (so the tracepoint sees the object gone);
 *   krealloc       old pattern verified, prefix min(old, new) verified at
 *                  the new place, size 0 gives ZERO_SIZE_PTR, a failure
 *                  keeps the old object intact;
 *   validate       0 errors (no misuse pending);
 *   misuse         performed only when the model says the backend detects
 *                  it (or that it is harmless here); then at least one
 *                  KMM_REPORT_SLAB, the state whole (validate repaired to 0
 *                  after a write), and the objects that stay keep their
 *                  patterns.
 * Each op ends with exec_slab_after_op(): reports and zone counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_slab.h"

_Static_assert((int)KMM_OMODEL_MISUSE_DOUBLE_FREE == (int)KMM_MISUSE_OBJ_DOUBLE_FREE &&
		       (int)KMM_OMODEL_MISUSE_WRONG_CACHE == (int)KMM_MISUSE_WRONG_CACHE &&
		       (int)KMM_OMODEL_MISUSE_KFREE_INTERIOR == (int)KMM_MISUSE_KFREE_INTERIOR &&
		       (int)KMM_OMODEL_MISUSE_KFREE_NON_SLAB == (int)KMM_MISUSE_KFREE_NON_SLAB &&
		       (int)KMM_OMODEL_MISUSE_WRITE_PAST_END == (int)KMM_MISUSE_WRITE_PAST_END &&
		       (int)KMM_OMODEL_MISUSE_WRITE_AFTER_FREE == (int)KMM_MISUSE_WRITE_AFTER_FREE &&
		       (int)KMM_OMODEL_MISUSE_DESTROY_BUSY == (int)KMM_MISUSE_DESTROY_BUSY,
	       "the object model's misuse kinds are the program's");

/* ---- tracepoints --------------------------------------------------------------- */

/* The tracepoints judge every block the slab layer takes or gives back:
 * checks, whose per-page loops would only echo block sizes to the fuzzer
 * (no sanitizer-coverage instrumentation under clang's fuzzer builds). */
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(coverage_sanitizer)
#define TP_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#endif
#endif
#ifndef TP_NO_COVERAGE
#define TP_NO_COVERAGE
#endif

TP_NO_COVERAGE
static void tp_alloc_(void *ctx, kmm_pfn_t pfn, unsigned order)
{
	struct exec *x = ctx;
	struct exec_slab *xs = x->slab;
	struct kmm_model_request rq;
	const struct kmm_model_zone *z;
	uint32_t n, owner;

	if (!xs || xs->mute || xs->done || x->mismatch)
		return;
	n = order <= KMM_MAX_ORDER ? 1u << order : 0;
	if (!n || pfn >= x->total_pages || x->total_pages - pfn < n || (pfn & (n - 1))) {
		exec_failf(x, "slab-pages", "a block inside the system, aligned to its order",
			   "the slab layer took pfn %" PRIu32 " order %u", pfn, order);
		return;
	}
	owner = kmm_model_find_overlap(x->m, pfn, order);
	if (owner) {
		exec_failf(x, "slab-pages", "the slab layer takes free pages",
			   "pfn %" PRIu32 " order %u overlaps %s%" PRIu32, pfn, order,
			   owner == KMM_OMODEL_SLAB_OWNER ? "a block it already holds" : "live page handle h",
			   owner == KMM_OMODEL_SLAB_OWNER ? 0 : owner);
		return;
	}
	z = kmm_model_pfn_zone(x->m, pfn);
	for (uint32_t i = 0; i < n; i++) {
		if (!kmm_model_pfn_managed(x->m, pfn + i) || kmm_model_pfn_zone(x->m, pfn + i) != z) {
			exec_failf(x, "slab-pages", "a block of managed pages inside one zone",
				   "the slab layer took pfn %" PRIu32 " order %u; pfn %" PRIu32 " is not",
				   pfn, order, pfn + i);
			return;
		}
	}
	memset(&rq, 0, sizeof(rq));
	rq.order = order;
	rq.gfp = 0; /* non-blocking: the superset of what may turn HIGHATOMIC */
	kmm_model_alloc(x->m, &rq, pfn, KMM_OMODEL_SLAB_OWNER);
	xs->block[pfn] = (uint8_t)(order + 1);
	xs->held_pages += n;
	xs->held_blocks++;
}

TP_NO_COVERAGE
static void tp_free_(void *ctx, kmm_pfn_t pfn, unsigned order)
{
	struct exec *x = ctx;
	struct exec_slab *xs = x->slab;
	uintptr_t addr;
	size_t bytes;
	uint32_t live;

	if (!xs || xs->mute || xs->done || x->mismatch)
		return;
	if (pfn >= x->total_pages || order > KMM_MAX_ORDER || xs->block[pfn] != order + 1) {
		uint32_t owner = pfn < x->total_pages ? kmm_model_find_overlap(x->m, pfn, 0) : 0;

		if (owner && owner != KMM_OMODEL_SLAB_OWNER)
			exec_failf(x, "slab-pages", "the slab layer gives back only blocks it holds",
				   "it gave back pfn %" PRIu32 " order %u, a page of live page handle h%" PRIu32,
				   pfn, order, owner);
		else
			exec_failf(x, "slab-pages", "the slab layer gives back only blocks it holds",
				   "it gave back pfn %" PRIu32 " order %u; it holds %s there", pfn, order,
				   pfn < x->total_pages && xs->block[pfn] ? "a block of another order" : "nothing");
		return;
	}
	addr = (uintptr_t)x->arena + (uintptr_t)pfn * KMM_PAGE_SIZE;
	bytes = (size_t)KMM_PAGE_SIZE << order;
	live = kmm_omodel_find_overlap(xs->om, addr, bytes, 0);
	if (live) {
		exec_failf(x, "slab-pages", "a block given back holds no live object",
			   "pfn %" PRIu32 " order %u still holds live object h%" PRIu32, pfn, order, live);
		return;
	}
	for (uint32_t i = 0; i < kmm_omodel_rcu_count(xs->om); i++) {
		const struct kmm_omodel_rcu_obj *r = kmm_omodel_rcu_get(xs->om, i);

		if (r->addr >= addr && r->addr < addr + bytes) {
			exec_failf(x, "rcu", "slab pages of a TYPESAFE_BY_RCU cache outlive the grace period",
				   "pfn %" PRIu32 " order %u, holding an object of cache %u freed since the last "
				   "grace period, went back to the page allocator", pfn, order, r->cache);
			return;
		}
	}
	kmm_model_free(x->m, pfn, order);
	xs->block[pfn] = 0;
	xs->held_pages -= 1u << order;
	xs->held_blocks--;
}

void exec_slab_page_op(struct exec *x, bool begin)
{
	if (x->slab)
		x->slab->mute = begin;
}

/* ---- set-up and cleanup ----------------------------------------------------------- */

/*
 * Fuzzer-sized runs (x->prog set) park their slab state here for the next
 * run on the same thread instead of freeing it: under ASan every calloc is
 * fresh, page-faulting memory, and a fuzz target sets up once per input.
 */
static _Thread_local struct {
	struct exec_slab *xs;
	uint32_t handle_cap;  /* objs[], scratch[]: handle_cap + 1 entries */
	kmm_pfn_t page_cap;   /* block[] */
} parked_;

static void slab_free_(struct exec_slab *xs)
{
	if (!xs)
		return;
	kmm_omodel_destroy(xs->om);
	free(xs->objs);
	free(xs->scratch);
	free(xs->block);
	free(xs);
}

/* A zeroed exec_slab with room for nr_handles handles and pages pages. */
static struct exec_slab *slab_new_(bool reuse, uint32_t nr_handles, kmm_pfn_t pages)
{
	struct exec_slab *xs = reuse ? parked_.xs : NULL;
	struct kmm_omodel *om;
	uint8_t *block;
	struct exec_obj *objs;
	void **scratch;

	if (!xs || parked_.handle_cap < nr_handles || parked_.page_cap < pages) {
		if (reuse) {
			slab_free_(xs);
			parked_.xs = NULL;
		}
		xs = calloc(1, sizeof(*xs));
		if (!xs)
			return NULL;
		xs->objs = malloc(((size_t)nr_handles + 1) * sizeof(*xs->objs));
		xs->scratch = malloc(((size_t)nr_handles + 1) * sizeof(*xs->scratch));
		xs->block = malloc(pages ? pages : 1);
		if (!xs->objs || !xs->scratch || !xs->block) {
			slab_free_(xs);
			return NULL;
		}
		if (reuse) {
			parked_.handle_cap = nr_handles;
			parked_.page_cap = pages;
		}
	}
	if (reuse)
		parked_.xs = NULL; /* taken */
	om = xs->om;
	objs = xs->objs;
	scratch = xs->scratch;
	block = xs->block;
	memset(xs, 0, sizeof(*xs));
	xs->om = om;
	xs->objs = objs;
	xs->scratch = scratch;
	xs->block = block;
	memset(objs, 0, ((size_t)nr_handles + 1) * sizeof(*objs));
	memset(scratch, 0, ((size_t)nr_handles + 1) * sizeof(*scratch));
	memset(block, 0, pages ? pages : 1);
	return xs;
}

int exec_slab_setup(struct exec *x)
{
	struct kmm_page_tracepoints tp = { .mm_page_alloc = tp_alloc_, .mm_page_free = tp_free_, .ctx = x };
	struct exec_slab *xs;
	enum kmm_omodel_backend backend;

	switch (x->hdr->slab_backend) {
	case KMM_PROGRAM_SLAB_NONE:
		return 0;
	case KMM_PROGRAM_SLAB_SLAB:
		backend = KMM_OMODEL_SLAB;
		break;
	case KMM_PROGRAM_SLAB_SLOB:
		backend = KMM_OMODEL_SLOB;
		break;
	default: /* SLUB, and ALL run alone (kmalloc_diff.c splits it) */
		backend = KMM_OMODEL_SLUB;
		break;
	}
	xs = slab_new_(x->prog != NULL, x->nr_handles, x->total_pages);
	if (!xs)
		return -ENOMEM;
	x->slab = xs;
	xs->reuse = x->prog != NULL;
	xs->st = x->opt->slab_target ? x->opt->slab_target : kmm_slab_target_libkmm();
	xs->backend = backend;
	xs->om = kmm_omodel_recycle(xs->om, backend, x->hdr->slab_debug, (uintptr_t)x->arena, x->total_pages,
				    x->nr_handles, x->cfg.slab_max_order);
	if (!xs->om)
		return -ENOMEM;
	xs->st->set_page_tracepoints(x->k, &tp);
	xs->slab_reports = x->t->report_count(x->k, KMM_REPORT_SLAB);
	xs->base_pages = xs->st->slab_pages(x->k);
	return 0;
}

void exec_slab_cleanup(struct exec *x)
{
	struct exec_slab *xs = x->slab;

	if (!xs)
		return;
	if (x->k && xs->st)
		xs->st->set_page_tracepoints(x->k, NULL);
	x->slab = NULL;
	if (xs->reuse && !parked_.xs)
		parked_.xs = xs;
	else
		slab_free_(xs);
}

/* ---- helpers ----------------------------------------------------------------------- */

/* A handle an alloc op may take: in range and live as nothing. */
static bool handle_free_(const struct exec *x, uint32_t h)
{
	return h && h <= x->nr_handles && !x->handles[h].live && !x->slab->objs[h].live;
}

static struct exec_cache *cache_(struct exec *x, unsigned id)
{
	struct exec_cache *c = id && id < EXEC_SLAB_MAX_CACHES ? &x->slab->caches[id] : NULL;

	return c && c->live ? c : NULL;
}

static bool is_cache_obj_(const struct exec *x, uint32_t h)
{
	const struct kmm_omodel_obj *o = exec_slab_is_object(x, h) ? kmm_omodel_obj(x->slab->om, h) : NULL;

	return o && o->kind == KMM_OMODEL_CACHE;
}

static bool is_kmalloc_obj_(const struct exec *x, uint32_t h)
{
	const struct kmm_omodel_obj *o = exec_slab_is_object(x, h) ? kmm_omodel_obj(x->slab->om, h) : NULL;

	return o && o->kind != KMM_OMODEL_CACHE;
}

/* The target call that frees an object of this kind (no checks). */
static void target_free_(struct exec *x, uint8_t kind, unsigned cache, void *ptr)
{
	struct exec_slab *xs = x->slab;

	if (kind == KMM_OMODEL_CACHE)
		xs->st->cache_free(x->k, xs->caches[cache].s, ptr);
	else
		xs->st->kfree(x->k, ptr);
}

int exec_slab_free_object(struct exec *x, uint32_t handle, const char *when)
{
	struct exec_slab *xs = x->slab;
	const struct kmm_omodel_obj *o = kmm_omodel_obj(xs->om, handle);
	uint8_t kind;
	unsigned cache;
	void *ptr = xs->objs[handle].ptr;

	if (!o)
		return 0;
	if (exec_slab_verify(x, handle, when) || exec_slab_check_ksize(x, handle))
		return 1;
	exec_slab_restore_ctor(x, handle);
	kind = o->kind;
	cache = o->cache;
	kmm_omodel_remove(xs->om, handle); /* o is gone from here on */
	xs->objs[handle].live = false;
	x->res->frees++;
	target_free_(x, kind, cache, ptr);
	return x->mismatch ? 1 : 0;
}

static int alloc_failed_(struct exec *x, bool must, const char *why, const char *what)
{
	x->res->allocs_failed++;
	if (must)
		return exec_failf(x, "slab-alloc-failed", what, "NULL, though %s", why);
	return 0;
}

/* ---- caches ------------------------------------------------------------------------ */

static int op_cache_create_(struct exec *x, const struct kmm_op *op)
{
	struct exec_slab *xs = x->slab;
	unsigned id = op->cache, size = op->arg, align = op->arg2, flags = op->cflags;
	bool ctor = op->mode == 1, valid, solo;
	struct kmm_cache_info ci;
	struct kmm_cache *s;
	unsigned req;
	char name[24], why[160];

	if (!id || id >= EXEC_SLAB_MAX_CACHES || xs->caches[id].live || xs->caches[id].s)
		return 0; /* ids are never reused */
	valid = kmm_omodel_cache_args_valid(size, align, flags, why, sizeof(why));
	snprintf(name, sizeof(name), "cache%u", id);
	s = xs->st->cache_create(x->k, name, size, align, flags, ctor ? exec_slab_ctor_for(size) : NULL);
	if (!valid) {
		if (s)
			return exec_failf(x, "slab-api", "kmm_cache_create() refuses invalid arguments",
					  "a cache for %s", why);
		return exec_check_all_zones(x); /* a WARNING report is fine */
	}
	if (!s)
		return exec_failf(x, "slab-api", "a cache (valid arguments)",
				  "NULL for size %u align %u flags 0x%x", size, align, flags);
	xs->caches[id].s = s;
	xs->caches[id].live = true;
	kmm_omodel_cache_add(xs->om, id, size, align, flags, ctor);
	req = kmm_omodel_cache(xs->om, id)->req_align;
	if (xs->st->cache_info(x->k, s, &ci) != 0)
		return exec_failf(x, "slab-api", "kmm_cache_info() == 0 for a live cache", "it failed");
	/* An alias keeps the align of the cache it merged into; the kernel's
	 * find_mergeable() only requires that cache's stride to be a multiple
	 * of the new alignment, so every object is still aligned (each
	 * allocation's alignment is checked on its own as well). */
	if (!ci.align || (ci.align % req && !(ci.refcount > 1 && ci.size % req == 0)))
		return exec_failf(x, "slab-align", "the cache aligns to a multiple of calculate_alignment()",
				  "cache %u (size %u align %u flags 0x%x) aligns to %u, the rule says %u", id, size,
				  align, flags, ci.align, req);
	if (ci.object_size < size)
		return exec_failf(x, "slab-api", "a cache whose objects hold the size asked for",
				  "object_size %u < %u", ci.object_size, size);
	solo = ctor || (flags & (KMM_SLAB_NO_MERGE | KMM_SLAB_TYPESAFE_BY_RCU | KMM_SLAB_DEBUG_FLAGS)) ||
	       x->hdr->slab_debug;
	if (solo && ci.refcount != 1)
		return exec_failf(x, "slab-api", "no merging for a cache with a ctor, TYPESAFE_BY_RCU, "
				  "NO_MERGE or debug flags", "cache %u has refcount %u", id, ci.refcount);
	return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
}

/* A TYPESAFE_BY_RCU cache's destroy waits for a grace period (the kernel's
 * rcu_barrier() in kmem_cache_destroy), which frees every pending slab. */
static void before_destroy_(struct exec *x, unsigned id)
{
	const struct kmm_omodel_cache *c = kmm_omodel_cache(x->slab->om, id);

	if (c && (c->flags & KMM_SLAB_TYPESAFE_BY_RCU))
		kmm_omodel_rcu_barrier(x->slab->om);
}

static int op_cache_destroy_(struct exec *x, const struct kmm_op *op)
{
	struct exec_slab *xs = x->slab;
	struct exec_cache *c = cache_(x, op->cache);
	int rc;

	if (!c || kmm_omodel_cache(xs->om, op->cache)->live)
		return 0; /* programs free a cache's objects before destroying it */
	before_destroy_(x, op->cache);
	rc = xs->st->cache_destroy(x->k, c->s);
	c->live = false;
	kmm_omodel_cache_gone(xs->om, op->cache);
	if (rc != 0)
		return exec_failf(x, "slab-api", "kmm_cache_destroy() == 0 for a cache with no live objects",
				  "%d for cache %u", rc, op->cache);
	return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
}

static int op_cache_shrink_(struct exec *x, const struct kmm_op *op)
{
	struct exec_cache *c = cache_(x, op->cache);
	int rc;

	if (!c)
		return 0;
	rc = x->slab->st->cache_shrink(x->k, c->s);
	if (rc != 0)
		return exec_failf(x, "slab-api", "kmm_cache_shrink() == 0", "%d for cache %u", rc, op->cache);
	return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
}

static int op_cache_alloc_(struct exec *x, const struct kmm_op *op)
{
	struct exec_slab *xs = x->slab;
	struct exec_cache *c = cache_(x, op->cache);
	struct kmm_omodel_req rq;
	struct kmm_omodel_obj want;
	bool must;
	char why[480];
	void *ptr;

	if (!c || !handle_free_(x, op->handle))
		return 0;
	memset(&rq, 0, sizeof(rq));
	rq.kind = KMM_OMODEL_CACHE;
	rq.cache = op->cache;
	rq.gfp = op->gfp;
	rq.node = op->node;
	kmm_omodel_expect(xs->om, &rq, &want);
	must = kmm_omodel_must_succeed(xs->om, x->m, &rq, why, sizeof(why));
	if (op->node >= 0)
		ptr = xs->st->cache_alloc_node(x->k, c->s, op->gfp, op->node);
	else
		ptr = xs->st->cache_alloc(x->k, c->s, op->gfp);
	if (x->mismatch)
		return 1;
	if (!ptr) {
		if (alloc_failed_(x, must, why, "an object (memory is plentiful)"))
			return 1;
	} else {
		xs->objs[op->handle].gen = 0;
		if (exec_slab_take_object(x, op->handle, &want, ptr, c->s, op->gfp, 0))
			return 1;
	}
	return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
}

static int op_cache_free_(struct exec *x, const struct kmm_op *op)
{
	if (!is_cache_obj_(x, op->handle))
		return 0;
	if (exec_slab_free_object(x, op->handle, "before free"))
		return 1;
	return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
}

static int op_alloc_bulk_(struct exec *x, const struct kmm_op *op)
{
	struct exec_slab *xs = x->slab;
	struct exec_cache *c = cache_(x, op->cache);
	struct kmm_omodel_req rq;
	struct kmm_omodel_obj want;
	uint32_t first = op->handle, nr = op->arg;
	size_t got;
	bool must;
	char why[480];

	if (!c || !nr || !first || first > x->nr_handles || nr > x->nr_handles - first + 1)
		return 0;
	for (uint32_t i = 0; i < nr; i++)
		if (!handle_free_(x, first + i))
			return 0;
	memset(&rq, 0, sizeof(rq));
	rq.kind = KMM_OMODEL_CACHE;
	rq.cache = op->cache;
	rq.gfp = op->gfp;
	rq.node = -1;
	rq.nr = nr;
	kmm_omodel_expect(xs->om, &rq, &want);
	must = kmm_omodel_must_succeed(xs->om, x->m, &rq, why, sizeof(why));
	memset(xs->scratch, 0, sizeof(*xs->scratch) * nr);
	got = xs->st->cache_alloc_bulk(x->k, c->s, op->gfp, nr, xs->scratch);
	if (x->mismatch)
		return 1;
	if (got == 0) {
		if (alloc_failed_(x, must, why, "all of a bulk allocation (memory is plentiful)"))
			return 1;
		return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
	}
	if (got != nr)
		return exec_failf(x, "bulk", "kmm_cache_alloc_bulk() returns 0 or nr (all or nothing)",
				  "%zu of %" PRIu32, got, nr);
	for (uint32_t i = 0; i < nr; i++) {
		if (!xs->scratch[i])
			return exec_failf(x, "bulk", "nr objects from a bulk allocation that returned nr",
					  "entry %" PRIu32 " of %" PRIu32 " is NULL", i, nr);
		for (uint32_t j = 0; j < i; j++)
			if (xs->scratch[j] == xs->scratch[i])
				return exec_failf(x, "bulk", "nr distinct objects from a bulk allocation",
						  "entries %" PRIu32 " and %" PRIu32 " are the same object", j, i);
	}
	for (uint32_t i = 0; i < nr; i++) {
		xs->objs[first + i].gen = 0;
		if (exec_slab_take_object(x, first + i, &want, xs->scratch[i], c->s, op->gfp, 0))
			return 1;
	}
	return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
}

static int op_free_bulk_(struct exec *x, const struct kmm_op *op)
{
	struct exec_slab *xs = x->slab;
	struct exec_cache *c = cache_(x, op->cache);
	uint32_t n = 0;

	if (!c || !op->handle)
		return 0;
	for (uint64_t h = op->handle; h < (uint64_t)op->handle + op->arg && h <= x->nr_handles; h++) {
		const struct kmm_omodel_obj *o;

		if (!is_cache_obj_(x, (uint32_t)h))
			continue;
		o = kmm_omodel_obj(xs->om, (uint32_t)h);
		if (o->cache != op->cache)
			continue;
		if (exec_slab_verify(x, (uint32_t)h, "before a bulk free"))
			return 1;
		exec_slab_restore_ctor(x, (uint32_t)h);
		xs->scratch[n++] = xs->objs[h].ptr;
		kmm_omodel_remove(xs->om, (uint32_t)h);
		xs->objs[h].live = false;
		x->res->frees++;
	}
	if (!n)
		return 0;
	xs->st->cache_free_bulk(x->k, c->s, n, xs->scratch);
	return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
}

/* ---- kmalloc ------------------------------------------------------------------------- */

static int op_kmalloc_(struct exec *x, const struct kmm_op *op)
{
	struct exec_slab *xs = x->slab;
	struct kmm_omodel_req rq;
	struct kmm_omodel_obj want;
	bool must, must_fail;
	char why[480];
	void *ptr;

	if (!handle_free_(x, op->handle))
		return 0;
	memset(&rq, 0, sizeof(rq));
	rq.kind = KMM_OMODEL_KMALLOC;
	rq.gfp = op->gfp;
	rq.node = op->node;
	rq.zero = op->mode == 1 || op->mode == 2;
	if (op->mode == 2)
		rq.overflow = __builtin_mul_overflow((size_t)op->arg2, (size_t)op->arg, &rq.size);
	else
		rq.size = op->arg;
	kmm_omodel_expect(xs->om, &rq, &want);
	must = kmm_omodel_must_succeed(xs->om, x->m, &rq, why, sizeof(why));
	must_fail = kmm_omodel_must_fail(xs->om, &rq);
	switch (op->mode) {
	case 1:
		ptr = op->node >= 0 ? xs->st->kmalloc_node(x->k, op->arg, op->gfp | KMM___GFP_ZERO, op->node)
				    : xs->st->kzalloc(x->k, op->arg, op->gfp);
		break;
	case 2:
		ptr = xs->st->kcalloc(x->k, op->arg2, op->arg, op->gfp);
		break;
	default:
		ptr = op->node >= 0 ? xs->st->kmalloc_node(x->k, op->arg, op->gfp, op->node)
				    : xs->st->kmalloc(x->k, op->arg, op->gfp);
		break;
	}
	if (x->mismatch)
		return 1;
	if (!ptr) {
		if (alloc_failed_(x, must, why, "an object (memory is plentiful)"))
			return 1;
	} else if (must_fail) {
		return exec_failf(x, "slab-alloc-failed", "NULL (kcalloc overflow or a size beyond KMALLOC_MAX_SIZE)",
				  "an object of %zu bytes", rq.size);
	} else {
		xs->objs[op->handle].gen = 0;
		if (exec_slab_take_object(x, op->handle, &want, ptr, NULL, op->gfp, 0))
			return 1;
	}
	return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
}

static int op_krealloc_(struct exec *x, const struct kmm_op *op)
{
	struct exec_slab *xs = x->slab;
	struct kmm_omodel_req rq;
	struct kmm_omodel_obj want, old;
	uint32_t h = op->handle, gen;
	size_t limit;
	bool must;
	char why[480];
	void *oldptr, *ptr;
	struct kmm_cache *oldowner;

	if (!is_kmalloc_obj_(x, h))
		return 0;
	old = *kmm_omodel_obj(xs->om, h);
	oldptr = xs->objs[h].ptr;
	oldowner = xs->objs[h].owner;
	gen = xs->objs[h].gen;
	if (exec_slab_verify(x, h, "before krealloc"))
		return 1;
	memset(&rq, 0, sizeof(rq));
	rq.kind = KMM_OMODEL_KMALLOC;
	rq.gfp = op->gfp;
	rq.node = -1;
	rq.size = op->arg;
	kmm_omodel_expect(xs->om, &rq, &want);
	want.zeroed = false; /* krealloc zeroes nothing it is not asked to keep zero */
	must = kmm_omodel_must_succeed(xs->om, x->m, &rq, why, sizeof(why));
	/* The old object may be given back inside the call: the model lets go first. */
	kmm_omodel_remove(xs->om, h);
	xs->objs[h].live = false;
	ptr = xs->st->krealloc(x->k, old.kind == KMM_OMODEL_ZERO ? KMM_ZERO_SIZE_PTR : oldptr, op->arg, op->gfp);
	if (x->mismatch)
		return 1;
	if (op->arg == 0) {
		if (ptr != KMM_ZERO_SIZE_PTR)
			return exec_failf(x, "krealloc", "krealloc(p, 0) frees p and returns ZERO_SIZE_PTR", "%s",
					  ptr ? "another pointer" : "NULL");
		x->res->frees++;
		xs->objs[h].gen = gen + 1;
		return exec_slab_take_object(x, h, &want, ptr, NULL, op->gfp, 0) ||
		       exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
	}
	if (!ptr) {
		/* Nothing changed: the old object is still live and intact. */
		kmm_omodel_add(xs->om, h, &old);
		xs->objs[h].live = true;
		if (alloc_failed_(x, must, why, "krealloc's new object (memory is plentiful)"))
			return 1;
		if (exec_slab_pattern_check(x, "krealloc", h, oldptr, old.kind == KMM_OMODEL_ZERO ? 0 : old.size, gen,
					    old.size, "after a failed krealloc"))
			return 1;
		return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
	}
	limit = old.kind == KMM_OMODEL_ZERO ? 0 : (old.size < op->arg ? old.size : op->arg);
	if (exec_slab_pattern_check(x, "krealloc", h, ptr, old.size, gen, limit,
				    "after krealloc (the first min(old, new) bytes)"))
		return 1;
	if (old.kind != KMM_OMODEL_ZERO)
		x->res->frees++;
	xs->objs[h].gen = gen + 1;
	if (ptr == oldptr && old.kind != KMM_OMODEL_ZERO) {
		/* In place (ksize was enough): the same slot or pages, so the
		 * old ksize, the old cache and the old alignment (the kernel's
		 * krealloc keeps p; a power-of-two new size does not realign). */
		want.align = old.align;
		want.in_place = true;
		if (old.kind == KMM_OMODEL_LARGE)
			want.kind = KMM_OMODEL_LARGE;
		if (exec_slab_take_object(x, h, &want, ptr, oldowner, op->gfp, old.ksize))
			return 1;
	} else if (exec_slab_take_object(x, h, &want, ptr, NULL, op->gfp, 0)) {
		return 1;
	}
	return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
}

static int op_kfree_(struct exec *x, const struct kmm_op *op)
{
	if (!is_kmalloc_obj_(x, op->handle))
		return 0;
	if (exec_slab_free_object(x, op->handle, "before kfree"))
		return 1;
	return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
}

/* ---- the rest ---------------------------------------------------------------------------- */

/* validate on one cache: no misuse is pending, so no errors. */
static int validate_one_(struct exec *x, struct kmm_cache *s, const char *what)
{
	long v = x->slab->st->cache_validate(x->k, s);

	if (v == 0)
		return 0;
	return exec_failf(x, "slab-bug", "kmm_cache_validate() == 0 (no misuse happened)", "%ld error(s) in %s",
			  v, what);
}

#define VALIDATE_SEEN_MAX 64u

/* validate_one_ on s unless done[] has it; remembers it there (a cache past
 * the table's room is validated again each time: slower, never skipped). */
static int validate_once_(struct exec *x, struct kmm_cache **done, unsigned *nr, struct kmm_cache *s)
{
	for (unsigned i = 0; i < *nr; i++)
		if (done[i] == s)
			return 0;
	if (*nr < VALIDATE_SEEN_MAX)
		done[(*nr)++] = s;
	return validate_one_(x, s, kmm_cache_name(s));
}

static int op_validate_(struct exec *x, const struct kmm_op *op)
{
	struct exec_slab *xs = x->slab;
	struct kmm_cache *done[VALIDATE_SEEN_MAX];
	unsigned nr_done = 0;
	struct exec_cache *c;

	if (op->cache) {
		c = cache_(x, op->cache);
		if (c && validate_one_(x, c->s, kmm_cache_name(c->s)))
			return 1;
		return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
	}
	for (unsigned id = 1; id < EXEC_SLAB_MAX_CACHES; id++)
		if ((c = cache_(x, id)) && validate_once_(x, done, &nr_done, c->s))
			return 1;
	/* kmalloc caches: the normal family, and every cache a live kmalloc
	 * came from, each once (a validate walks every slab of its cache). */
	for (int i = 1; i <= 13; i++) {
		struct kmm_cache *s = xs->st->kmalloc_cache(x->k, kmm_omodel_index_size(i), 0);

		if (s && validate_once_(x, done, &nr_done, s))
			return 1;
	}
	for (uint32_t h = 1; h <= x->nr_handles; h++) {
		struct kmm_cache *s = xs->objs[h].live ? xs->objs[h].owner : NULL;

		if (s && is_kmalloc_obj_(x, h) && validate_once_(x, done, &nr_done, s))
			return 1;
	}
	return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
}

/* ---- misuse ---------------------------------------------------------------------------------- */

static enum exec_slab_expect expect_of_(enum kmm_omodel_misuse_verdict v)
{
	return v == KMM_OMODEL_MISUSE_REPORT ? EXPECT_REPORT : EXPECT_SILENT;
}

/* Validate after a write misuse: errors found (reported), then repaired. */
static int validate_repaired_(struct exec *x, struct kmm_cache *s, const char *what)
{
	struct exec_slab *xs = x->slab;
	long first = xs->st->cache_validate(x->k, s), second;

	if (first <= 0)
		return exec_failf(x, "slab-misuse", "kmm_cache_validate() counts the corruption", "%ld for %s",
				  first, what);
	second = xs->st->cache_validate(x->k, s);
	if (second != 0)
		return exec_failf(x, "slab-misuse", "kmm_cache_validate() == 0 after the repair",
				  "%ld (the first validate found %ld) for %s", second, first, what);
	return 0;
}

static int misuse_(struct exec *x, const struct kmm_op *op)
{
	struct exec_slab *xs = x->slab;
	uint32_t h = op->handle;
	const struct kmm_omodel_obj *o = exec_slab_is_object(x, h) ? kmm_omodel_obj(xs->om, h) : NULL;
	struct exec_cache *c = cache_(x, op->cache);
	enum kmm_omodel_misuse_verdict v;
	bool aliased = false;
	char why[200];

	switch (op->mode) {
	case KMM_MISUSE_WRONG_CACHE:
		if (o && o->kind == KMM_OMODEL_CACHE && c)
			aliased = xs->caches[o->cache].s == c->s;
		break;
	case KMM_MISUSE_DESTROY_BUSY:
		if (c) {
			struct kmm_cache_info ci;

			aliased = xs->st->cache_info(x->k, c->s, &ci) == 0 && ci.refcount > 1;
		}
		break;
	case KMM_MISUSE_KFREE_NON_SLAB:
		if (!h || h > x->nr_handles || !x->handles[h].live)
			return 0; /* a page handle is needed */
		break;
	default:
		break;
	}
	v = kmm_omodel_misuse(xs->om, op->mode, h, op->cache, aliased, why, sizeof(why));
	if (v == KMM_OMODEL_MISUSE_SKIP)
		return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);

	switch (op->mode) {
	case KMM_MISUSE_OBJ_DOUBLE_FREE: {
		uint8_t kind = o->kind;
		unsigned cache = o->cache;
		void *ptr = xs->objs[h].ptr;

		if (exec_slab_free_object(x, h, "before the first free of a double free"))
			return 1;
		if (exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL))
			return 1;
		target_free_(x, kind, cache, ptr);
		break;
	}
	case KMM_MISUSE_WRONG_CACHE: {
		/* In a slab page that names its cache, the object goes to that
		 * cache after the report (cache_from_obj): it dies. A pointer in
		 * SLOB's shared heap or a large kmalloc is refused: it stays. */
		void *ptr = xs->objs[h].ptr;
		bool dies = xs->st->virt_to_cache(x->k, ptr) != NULL;

		if (exec_slab_verify(x, h, "before a free to the wrong cache"))
			return 1;
		if (dies) {
			exec_slab_restore_ctor(x, h);
			kmm_omodel_remove(xs->om, h);
			xs->objs[h].live = false;
			x->res->frees++;
		}
		xs->st->cache_free(x->k, c->s, ptr);
		if (!dies && !x->mismatch && exec_slab_verify(x, h, "after a refused free to the wrong cache"))
			return 1;
		break;
	}
	case KMM_MISUSE_KFREE_INTERIOR:
		xs->st->kfree(x->k, (char *)xs->objs[h].ptr + kmm_omodel_misuse_offset(o, op->mode, op->arg));
		if (x->mismatch || exec_slab_verify(x, h, "after an interior kfree (refused)"))
			return 1;
		break;
	case KMM_MISUSE_KFREE_NON_SLAB:
		xs->st->kfree(x->k, exec_handle_addr(x, &x->handles[h]));
		if (x->mismatch || exec_pattern_verify(x, h, "after kfree of its address (refused)"))
			return 1;
		break;
	case KMM_MISUSE_WRITE_PAST_END: {
		unsigned char *p = (unsigned char *)xs->objs[h].ptr + kmm_omodel_misuse_offset(o, op->mode, op->arg);
		struct kmm_cache *s = xs->objs[h].owner; /* NULL: SLOB's heap (validate covers it) */

		*p = 0x42; /* neither red zone byte (0xbb, 0xcc) nor poison */
		if (validate_repaired_(x, s, s ? kmm_cache_name(s) : "the SLOB heap") ||
		    exec_slab_verify(x, h, "after a write past its end was repaired"))
			return 1;
		break;
	}
	case KMM_MISUSE_WRITE_AFTER_FREE: {
		size_t off = kmm_omodel_misuse_offset(o, op->mode, op->arg);
		struct kmm_cache *s = xs->objs[h].owner; /* NULL: SLOB's heap (validate covers it) */
		unsigned char *ptr = xs->objs[h].ptr;
		kmm_pfn_t pfn = (kmm_pfn_t)((uintptr_t)(ptr + off - x->arena) / KMM_PAGE_SIZE);

		if (exec_slab_free_object(x, h, "before a write after free"))
			return 1;
		if (exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL))
			return 1;
		/* Only while the slab layer still holds the page: else the
		 * write would land in the page allocator's memory, and nothing
		 * is there to report it. */
		if (kmm_model_find_overlap(x->m, pfn, 0) != KMM_OMODEL_SLAB_OWNER)
			return 0;
		ptr[off] = 0x00; /* neither POISON_FREE (0x6b) nor POISON_END (0xa5) */
		if (validate_repaired_(x, s, s ? kmm_cache_name(s) : "the SLOB heap"))
			return 1;
		break;
	}
	case KMM_MISUSE_DESTROY_BUSY: {
		int rc;

		before_destroy_(x, op->cache);
		rc = xs->st->cache_destroy(x->k, c->s);
		if (v == KMM_OMODEL_MISUSE_SILENT) {
			c->live = false;
			kmm_omodel_cache_gone(xs->om, op->cache);
			if (rc != 0)
				return exec_failf(x, "slab-api", "kmm_cache_destroy() == 0 with no live objects",
						  "%d for cache %u", rc, op->cache);
			break;
		}
		kmm_omodel_cache_dying(xs->om, op->cache);
		if (rc != -EBUSY)
			return exec_failf(x, "slab-misuse", "kmm_cache_destroy() == -EBUSY with live objects "
					  "(the cache stays)", "%d for cache %u", rc, op->cache);
		break;
	}
	default:
		return 0;
	}
	if (x->mismatch)
		return 1;
	if (exec_slab_after_op(x, expect_of_(v), why))
		return 1;
	/* Reported and survived: the structures are whole. */
	if (xs->st->slab_check(x->k) != 0)
		return exec_failf(x, "slab_check", "kmm_slab_check() == 0 after a reported misuse",
				  "violations found (reported above)");
	x->check_reports = x->t->report_count(x->k, KMM_REPORT_CHECK);
	return 0;
}

/* ---- dispatch --------------------------------------------------------------------------------- */

int exec_slab_op(struct exec *x, const struct kmm_op *op)
{
	struct exec_slab *xs = x->slab;

	if (!xs)
		return 0; /* a page program carries no slab ops; a stray one does nothing */
	switch (op->code) {
	case KMM_OP_CACHE_CREATE:
		return op_cache_create_(x, op);
	case KMM_OP_CACHE_DESTROY:
		return op_cache_destroy_(x, op);
	case KMM_OP_CACHE_ALLOC:
		return op_cache_alloc_(x, op);
	case KMM_OP_CACHE_FREE:
		return op_cache_free_(x, op);
	case KMM_OP_CACHE_ALLOC_BULK:
		return op_alloc_bulk_(x, op);
	case KMM_OP_CACHE_FREE_BULK:
		return op_free_bulk_(x, op);
	case KMM_OP_CACHE_SHRINK:
		return op_cache_shrink_(x, op);
	case KMM_OP_KMALLOC:
		return op_kmalloc_(x, op);
	case KMM_OP_KREALLOC:
		return op_krealloc_(x, op);
	case KMM_OP_KFREE:
		return op_kfree_(x, op);
	case KMM_OP_RCU_BARRIER:
		kmm_omodel_rcu_barrier(xs->om);
		xs->st->rcu_barrier(x->k);
		return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
	case KMM_OP_CACHE_REAP:
		xs->st->cache_reap(x->k);
		return exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL);
	case KMM_OP_CACHE_VALIDATE:
		return op_validate_(x, op);
	case KMM_OP_MISUSE:
		return misuse_(x, op);
	default:
		return 0;
	}
}

/* ---- raw runs ------------------------------------------------------------------------------------ */

struct exec_slab_raw {
	uint32_t nr_handles;
	void **ptr;        /* [nr_handles + 1] */
	uint8_t *cache;    /* [nr_handles + 1]: cache id, 0 = kmalloc */
	struct kmm_cache *caches[EXEC_SLAB_MAX_CACHES];
	void *bulk[KMM_PROGRAM_BULK_MAX];
};

struct exec_slab_raw *exec_slab_raw_new(uint32_t nr_handles)
{
	struct exec_slab_raw *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->nr_handles = nr_handles;
	r->ptr = calloc((size_t)nr_handles + 1, sizeof(*r->ptr));
	r->cache = calloc((size_t)nr_handles + 1, 1);
	if (!r->ptr || !r->cache) {
		exec_slab_raw_free(r);
		return NULL;
	}
	return r;
}

void exec_slab_raw_free(struct exec_slab_raw *r)
{
	if (!r)
		return;
	free(r->ptr);
	free(r->cache);
	free(r);
}

void exec_slab_raw_op(struct exec_slab_raw *r, struct kmm *k, const struct kmm_op *op)
{
	uint32_t h = op->handle && op->handle <= r->nr_handles ? op->handle : 0;
	struct kmm_cache *s = r->caches[op->cache]; /* ids are uint8_t: always in range */

	switch (op->code) {
	case KMM_OP_CACHE_CREATE:
		if (op->cache && !s) {
			char name[24];

			snprintf(name, sizeof(name), "cache%u", op->cache);
			r->caches[op->cache] = kmm_cache_create(k, name, op->arg, op->arg2, op->cflags,
								op->mode == 1 ? exec_slab_ctor_for(op->arg) : NULL);
		}
		break;
	case KMM_OP_CACHE_DESTROY:
		if (s && kmm_cache_destroy(k, s) == 0)
			r->caches[op->cache] = NULL;
		break;
	case KMM_OP_CACHE_ALLOC:
		if (s && h && !r->ptr[h]) {
			r->ptr[h] = op->node >= 0 ? kmm_cache_alloc_node(k, s, op->gfp, op->node)
						  : kmm_cache_alloc(k, s, op->gfp);
			r->cache[h] = op->cache;
		}
		break;
	case KMM_OP_CACHE_ALLOC_BULK:
		if (s && h && op->arg && op->arg <= KMM_PROGRAM_BULK_MAX && op->arg <= r->nr_handles - h + 1 &&
		    kmm_cache_alloc_bulk(k, s, op->gfp, op->arg, r->bulk) == op->arg) {
			for (uint32_t i = 0; i < op->arg; i++) {
				r->ptr[h + i] = r->bulk[i];
				r->cache[h + i] = op->cache;
			}
		}
		break;
	case KMM_OP_CACHE_FREE:
	case KMM_OP_KFREE:
		if (h && r->ptr[h]) {
			if (r->cache[h] && r->caches[r->cache[h]])
				kmm_cache_free(k, r->caches[r->cache[h]], r->ptr[h]);
			else
				kmm_kfree(k, r->ptr[h]);
			r->ptr[h] = NULL;
		}
		break;
	case KMM_OP_CACHE_FREE_BULK:
		for (uint64_t i = h; h && s && i < (uint64_t)h + op->arg && i <= r->nr_handles; i++) {
			if (r->ptr[i] && r->cache[i] == op->cache) {
				kmm_cache_free(k, s, r->ptr[i]);
				r->ptr[i] = NULL;
			}
		}
		break;
	case KMM_OP_CACHE_SHRINK:
		if (s)
			kmm_cache_shrink(k, s);
		break;
	case KMM_OP_KMALLOC:
		if (h && !r->ptr[h]) {
			if (op->mode == 2)
				r->ptr[h] = kmm_kcalloc(k, op->arg2, op->arg, op->gfp);
			else if (op->node >= 0)
				r->ptr[h] = kmm_kmalloc_node(k, op->arg, op->gfp | (op->mode ? KMM___GFP_ZERO : 0),
							     op->node);
			else
				r->ptr[h] = op->mode ? kmm_kzalloc(k, op->arg, op->gfp) : kmm_kmalloc(k, op->arg, op->gfp);
			r->cache[h] = 0;
		}
		break;
	case KMM_OP_KREALLOC:
		if (h && r->ptr[h] && !r->cache[h]) {
			void *n = kmm_krealloc(k, r->ptr[h], op->arg, op->gfp);

			if (n)
				r->ptr[h] = n;
		}
		break;
	case KMM_OP_RCU_BARRIER:
		kmm_rcu_barrier(k);
		break;
	case KMM_OP_CACHE_REAP:
		kmm_cache_reap(k);
		break;
	case KMM_OP_CACHE_VALIDATE:
		if (s)
			kmm_cache_validate(k, s);
		break;
	default:
		break; /* misuse is for checked runs */
	}
}
