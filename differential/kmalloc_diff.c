// SPDX-License-Identifier: MIT
/*
 * fuzz_kmalloc_diff's run: one program through SLUB, SLAB and SLOB, and
 * through the host malloc as a fourth oracle for kmalloc semantics.
 *
 * First each backend runs the program alone under kmm_exec_run() with
 * every check (the header's slab_backend set to it). Then the three
 * systems and the host run it again in lock step ("lanes"): kmalloc,
 * kzalloc, kcalloc, krealloc, kfree, cache create / alloc / free / bulk /
 * destroy (the host: aligned_alloc with the cache's alignment), write and
 * verify; everything else (shrink, reap, grace periods, validate, misuse,
 * page ops) was judged in the first phase and is skipped here. Every new
 * object gets the same pattern in every lane, so after each op:
 *   diff-result   a lane failed where its own memory was plentiful (the
 *                 object model's rule over a page model the lane's
 *                 tracepoints keep), or a request that must fail (kcalloc
 *                 overflow, beyond KMALLOC_MAX_SIZE) did not fail, or
 *                 kmalloc(0) is not ZERO_SIZE_PTR;
 *   diff-content  the bytes of an object the op touched (all live objects
 *                 every 64 ops and at the end) differ between a lane and
 *                 the host's copy;
 *   diff-ksize    ksize of a kmalloc differs between SLUB and SLAB, or
 *                 SLOB's is below the request.
 * Lanes that failed an allowed allocation just hold no object for that
 * handle. opt->slab_target, when set, is used by the lanes only (the first
 * phase always runs libkmm): tests break one lane to prove each check.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define KDIFF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KDIFF_ASAN 1
#endif
#endif
#ifdef KDIFF_ASAN
#include <sanitizer/asan_interface.h>
#endif

#include "exec_slab.h"

#define NR_LANES 3
#define COMPARE_ALL_EVERY 64u

static const uint8_t lane_backend[NR_LANES] = { KMM_PROGRAM_SLAB_SLUB, KMM_PROGRAM_SLAB_SLAB,
						KMM_PROGRAM_SLAB_SLOB };
static const char *const lane_name[NR_LANES] = { "SLUB", "SLAB", "SLOB" };

struct lane {
	struct kmm_program_header hdr;
	struct kmm_config cfg;
	struct kmm_platform plat;
	struct kmm *k;
	struct kmm_model *pm;          /* pages the slab layer holds (tracepoints) */
	bool pm_kept;                  /* pm lives in lane_keep_'s block */
	struct kmm_omodel *om;         /* caches, for the failure rule */
	struct kmm_cache *caches[EXEC_SLAB_MAX_CACHES];
	void **ptr;                    /* [nr_handles + 1]: NULL = no object here */
};

struct diff {
	const struct kmm_slab_target *st;
	struct exec x;                 /* for exec_fail's report only */
	struct kmm_exec_result *res;
	struct lane lane[NR_LANES];
	void **host;                   /* [nr_handles + 1] */
	size_t *size;                  /* [nr_handles + 1]: requested bytes */
	uint8_t *cache;                /* [nr_handles + 1]: cache id, 0 = kmalloc */
	uint32_t *gen;
	uint32_t nr_handles;
	unsigned cache_size[EXEC_SLAB_MAX_CACHES], cache_align[EXEC_SLAB_MAX_CACHES];
	void *bulk[NR_LANES][KMM_PROGRAM_BULK_MAX];
};

/* ---- lanes ---------------------------------------------------------------------- */

static void lane_tp_alloc_(void *ctx, kmm_pfn_t pfn, unsigned order)
{
	struct lane *l = ctx;
	struct kmm_model_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.order = order;
	kmm_model_alloc(l->pm, &rq, pfn, KMM_OMODEL_SLAB_OWNER);
}

static void lane_tp_free_(void *ctx, kmm_pfn_t pfn, unsigned order)
{
	struct lane *l = ctx;

	kmm_model_free(l->pm, pfn, order);
}

/*
 * Kept memory. The three lanes live at once, so the executor's per-thread
 * reuse platform (one system at a time) serves none of them; each lane
 * keeps its own arena, metadata blocks, page model, object model and
 * pointer table here from one run to the next on the same thread. Under
 * ASan every fresh block is page-faulting memory (its quarantine hands
 * nothing back soon), and building three systems on fresh memory was most
 * of an execution. Contents left over do not matter: metadata is zeroed as
 * the platform contract requires, models are rebuilt in place, and every
 * object byte compared was written by this run. Arenas are arena_poisoned
 * (include/kmm/platform.h): poisoned once when mapped, kept poisoned.
 */
#define LANE_META_SLOTS 48

struct lane_block {
	void *p;
	size_t cap;
	bool busy;
};

struct lane_keep {
	struct lane_block arena;
	struct lane_block meta[LANE_META_SLOTS];
	struct lane_block pm;          /* the page model's memory (kmm_model_init) */
	struct kmm_omodel *om;
	void **ptr;
	uint32_t ptr_cap;
};

static _Thread_local struct lane_keep lane_keep_[NR_LANES];

static void kept_poison_(void *p, size_t n, bool poison)
{
#ifdef KDIFF_ASAN
	if (poison)
		__asan_poison_memory_region(p, n);
	else
		__asan_unpoison_memory_region(p, n);
#else
	(void)p;
	(void)n;
	(void)poison;
#endif
}

static void *lane_arena_map_(void *ctx, size_t bytes)
{
	struct lane_block *a = &((struct lane_keep *)ctx)->arena;
	void *p;

	if (a->busy) { /* not ours to keep */
		p = kmm_platform_hosted()->arena_map(NULL, bytes);
		if (p)
			kept_poison_(p, bytes, true);
		return p;
	}
	if (!a->p || a->cap < bytes) {
		if (a->p) {
			kept_poison_(a->p, a->cap, false);
			kmm_platform_hosted()->arena_unmap(NULL, a->p, a->cap);
		}
		a->p = kmm_platform_hosted()->arena_map(NULL, bytes); /* aligned as libkmm wants */
		a->cap = a->p ? bytes : 0;
		if (!a->p)
			return NULL;
		kept_poison_(a->p, a->cap, true);
	}
	a->busy = true;
	return a->p;
}

static void lane_arena_unmap_(void *ctx, void *base, size_t bytes)
{
	struct lane_block *a = &((struct lane_keep *)ctx)->arena;

	if (base && base == a->p && a->busy) {
		a->busy = false; /* kept, poisoned */
		return;
	}
	kept_poison_(base, bytes, false);
	kmm_platform_hosted()->arena_unmap(NULL, base, bytes);
}

/* Best fit among the idle kept blocks, zeroed; else a new kept block
 * (replacing the smallest idle one when every slot is taken). */
static void *lane_meta_alloc_(void *ctx, size_t bytes)
{
	struct lane_keep *lk = ctx;
	struct lane_block *best = NULL, *spare = NULL;

	for (unsigned i = 0; i < LANE_META_SLOTS; i++) {
		struct lane_block *b = &lk->meta[i];

		if (b->busy)
			continue;
		if (b->p && b->cap >= bytes && (!best || b->cap < best->cap))
			best = b;
		if (!spare || !b->p || (spare->p && b->cap < spare->cap))
			spare = b;
	}
	if (best) {
		memset(best->p, 0, bytes);
		best->busy = true;
		return best->p;
	}
	if (!spare)
		return kmm_platform_hosted()->meta_alloc(NULL, bytes);
	free(spare->p);
	spare->p = calloc(1, bytes ? bytes : 1);
	spare->cap = spare->p ? bytes : 0;
	spare->busy = spare->p != NULL;
	return spare->p;
}

static void lane_meta_free_(void *ctx, void *p, size_t bytes)
{
	struct lane_keep *lk = ctx;

	for (unsigned i = 0; p && i < LANE_META_SLOTS; i++) {
		if (lk->meta[i].p == p && lk->meta[i].busy) {
			lk->meta[i].busy = false;
			return;
		}
	}
	kmm_platform_hosted()->meta_free(NULL, p, bytes);
}

static int lane_open_(struct diff *d, unsigned i, const struct kmm_program *p)
{
	struct lane *l = &d->lane[i];
	struct lane_keep *lk = &lane_keep_[i];
	struct kmm_page_tracepoints tp = { .mm_page_alloc = lane_tp_alloc_, .mm_page_free = lane_tp_free_, .ctx = l };
	enum kmm_omodel_backend b = i == 0 ? KMM_OMODEL_SLUB : i == 1 ? KMM_OMODEL_SLAB : KMM_OMODEL_SLOB;
	size_t pm_len;

	l->hdr = p->hdr;
	l->hdr.slab_backend = lane_backend[i];
	kmm_program_config(&l->hdr, &l->cfg);
	l->cfg.watermark_boost_factor = UINT32_MAX; /* as the executor's systems */
	l->plat = *kmm_platform_hosted();
	l->plat.ctx = lk;
	l->plat.arena_map = lane_arena_map_;
	l->plat.arena_unmap = lane_arena_unmap_;
	l->plat.arena_poisoned = true;
	l->plat.meta_alloc = lane_meta_alloc_;
	l->plat.meta_free = lane_meta_free_;
	l->cfg.platform = &l->plat;
	if (!lk->ptr || lk->ptr_cap < d->nr_handles) {
		free(lk->ptr);
		lk->ptr = malloc(((size_t)d->nr_handles + 1) * sizeof(*lk->ptr));
		lk->ptr_cap = lk->ptr ? d->nr_handles : 0;
	}
	if (!lk->ptr)
		return -ENOMEM;
	l->ptr = lk->ptr;
	memset(l->ptr, 0, ((size_t)d->nr_handles + 1) * sizeof(*l->ptr));
	pm_len = kmm_model_size(&l->cfg);
	if (!lk->pm.busy && lk->pm.cap < pm_len) {
		free(lk->pm.p);
		lk->pm.p = malloc(pm_len);
		lk->pm.cap = lk->pm.p ? pm_len : 0;
	}
	if (!lk->pm.busy && lk->pm.p) {
		l->pm = kmm_model_init(lk->pm.p, lk->pm.cap, &l->cfg);
		lk->pm.busy = l->pm != NULL;
		l->pm_kept = l->pm != NULL;
	}
	if (!l->pm)
		l->pm = kmm_model_create(&l->cfg);
	l->k = kmm_create(&l->cfg);
	if (!l->pm || !l->k)
		return -EINVAL;
	l->om = kmm_omodel_recycle(lk->om, b, l->hdr.slab_debug, (uintptr_t)kmm_arena_base(l->k),
				   kmm_total_pages(l->k), d->nr_handles, l->cfg.slab_max_order);
	lk->om = NULL; /* the lane holds it until lane_close_ */
	if (!l->om)
		return -ENOMEM;
	d->st->set_page_tracepoints(l->k, &tp);
	return 0;
}

static void lane_close_(struct lane *l, unsigned i)
{
	struct lane_keep *lk = &lane_keep_[i];

	if (l->k) {
		kmm_set_page_tracepoints(l->k, NULL);
		kmm_destroy(l->k);
	}
	if (l->pm_kept)
		lk->pm.busy = false;
	else
		kmm_model_destroy(l->pm);
	if (l->om && !lk->om)
		lk->om = l->om;
	else
		kmm_omodel_destroy(l->om);
	memset(l, 0, sizeof(*l)); /* l->ptr is lk->ptr: kept */
}

/* ---- reports ---------------------------------------------------------------------- */

static int fail_(struct diff *d, const char *check, const char *expected, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_(struct diff *d, const char *check, const char *expected, const char *fmt, ...)
{
	char actual[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(actual, sizeof(actual), fmt, ap);
	va_end(ap);
	return exec_fail(&d->x, check, expected, actual);
}

/* ---- contents ------------------------------------------------------------------------ */

static int compare_(struct diff *d, uint32_t h, const char *when)
{
	const uint8_t *want = d->host[h];

	if (!want || d->size[h] == 0)
		return 0;
	for (unsigned i = 0; i < NR_LANES; i++) {
		const uint8_t *have = d->lane[i].ptr[h];
		size_t at;

		if (!have || have == KMM_ZERO_SIZE_PTR || memcmp(have, want, d->size[h]) == 0)
			continue;
		for (at = 0; at < d->size[h] && have[at] == want[at]; at++)
			;
		char exp[200];
		snprintf(exp, sizeof(exp), "h%" PRIu32 " (%zu bytes) the same in every backend and the host malloc %s",
			 h, d->size[h], when);
		return fail_(d, "diff-content", exp, "%s byte %zu is 0x%02x, the host's 0x%02x", lane_name[i], at,
			     have[at], want[at]);
	}
	return 0;
}

static void put_(struct diff *d, uint32_t h)
{
	size_t n = d->size[h];

	if (!d->host[h] || !n)
		return;
	/* The pattern is sparse: define the bytes between its ranges too, so
	 * that comparing whole objects never reads indeterminate memory
	 * (Valgrind would rightly flag it). */
	memset(d->host[h], 0, n);
	exec_slab_pattern_put(d->host[h], n, h, d->gen[h]);
	/* The host copy is the reference: every lane gets exactly its bytes. */
	for (unsigned i = 0; i < NR_LANES; i++)
		if (d->lane[i].ptr[h] && d->lane[i].ptr[h] != KMM_ZERO_SIZE_PTR)
			memcpy(d->lane[i].ptr[h], d->host[h], n);
}

/* ---- results ---------------------------------------------------------------------------- */

/* After an allocation into handle h in every lane (lane pointers set, NULL
 * on failure), with rq the request and must[] / must_fail the model's
 * verdicts taken before the calls. */
static int judge_alloc_(struct diff *d, uint32_t h, const struct kmm_omodel_req *rq, const bool must[NR_LANES],
			bool must_fail)
{
	for (unsigned i = 0; i < NR_LANES; i++) {
		void *p = d->lane[i].ptr[h];

		if (must_fail && p)
			return fail_(d, "diff-result", "NULL in every backend (the request must fail)",
				     "%s returned an object", lane_name[i]);
		if (!p && must[i])
			return fail_(d, "diff-result", "an object: the backend's memory is plentiful",
				     "%s returned NULL for %zu bytes", lane_name[i], rq->size);
		if (rq->kind == KMM_OMODEL_KMALLOC && rq->size == 0 && p != KMM_ZERO_SIZE_PTR)
			return fail_(d, "diff-result", "ZERO_SIZE_PTR for kmalloc(0) in every backend", "%s returned %s",
				     lane_name[i], p ? "another pointer" : "NULL");
	}
	return 0;
}

static int judge_ksize_(struct diff *d, uint32_t h)
{
	size_t ks[NR_LANES];

	if (d->cache[h] || d->size[h] == 0)
		return 0;
	for (unsigned i = 0; i < NR_LANES; i++)
		ks[i] = d->lane[i].ptr[h] ? d->st->ksize(d->lane[i].k, d->lane[i].ptr[h]) : 0;
	if (d->lane[0].ptr[h] && d->lane[1].ptr[h] && ks[0] != ks[1])
		return fail_(d, "diff-ksize", "the same ksize on SLUB and SLAB (the same size classes)",
			     "h%" PRIu32 " (%zu bytes): SLUB %zu, SLAB %zu", h, d->size[h], ks[0], ks[1]);
	for (unsigned i = 0; i < NR_LANES; i++)
		if (d->lane[i].ptr[h] && ks[i] < d->size[h])
			return fail_(d, "diff-ksize", "ksize >= the request in every backend",
				     "h%" PRIu32 ": %s says %zu for %zu bytes", h, lane_name[i], ks[i], d->size[h]);
	return 0;
}

/* ---- ops --------------------------------------------------------------------------------- */

static bool handle_free_(const struct diff *d, uint32_t h)
{
	if (!h || h > d->nr_handles || d->host[h])
		return false;
	for (unsigned i = 0; i < NR_LANES; i++)
		if (d->lane[i].ptr[h])
			return false;
	return true;
}

static bool handle_live_(const struct diff *d, uint32_t h)
{
	return h && h <= d->nr_handles && !handle_free_(d, h);
}

static void host_free_(struct diff *d, uint32_t h)
{
	free(d->host[h]);
	d->host[h] = NULL;
}

static void free_handle_(struct diff *d, uint32_t h)
{
	for (unsigned i = 0; i < NR_LANES; i++) {
		struct lane *l = &d->lane[i];

		if (!l->ptr[h])
			continue;
		if (d->cache[h])
			d->st->cache_free(l->k, l->caches[d->cache[h]], l->ptr[h]);
		else
			d->st->kfree(l->k, l->ptr[h]);
		l->ptr[h] = NULL;
	}
	host_free_(d, h);
	d->size[h] = 0;
	d->cache[h] = 0;
}

static void *host_alloc_(struct diff *d, const struct kmm_omodel_req *rq, size_t align)
{
	size_t n = rq->size ? rq->size : 1;

	if (rq->overflow || rq->size > KMM_KMALLOC_MAX_SIZE)
		return NULL;
	if (rq->kind == KMM_OMODEL_CACHE) {
		void *p = aligned_alloc(align, (n + align - 1) / align * align);

		if (p && rq->zero)
			memset(p, 0, n);
		return p;
	}
	(void)d;
	return rq->zero ? calloc(1, n) : malloc(n);
}

static int op_alloc_(struct diff *d, const struct kmm_op *op)
{
	struct kmm_omodel_req rq;
	bool must[NR_LANES], must_fail;
	uint32_t h = op->handle;
	char why[64];

	if (!handle_free_(d, h))
		return 0;
	memset(&rq, 0, sizeof(rq));
	rq.gfp = op->gfp;
	rq.node = op->node;
	if (op->code == KMM_OP_CACHE_ALLOC) {
		if (!d->lane[0].caches[op->cache])
			return 0;
		rq.kind = KMM_OMODEL_CACHE;
		rq.cache = op->cache;
		rq.size = d->cache_size[op->cache];
	} else {
		rq.kind = KMM_OMODEL_KMALLOC;
		rq.zero = op->mode == 1 || op->mode == 2;
		if (op->mode == 2)
			rq.overflow = __builtin_mul_overflow((size_t)op->arg2, (size_t)op->arg, &rq.size);
		else
			rq.size = op->arg;
	}
	must_fail = kmm_omodel_must_fail(d->lane[0].om, &rq);
	for (unsigned i = 0; i < NR_LANES; i++) {
		struct lane *l = &d->lane[i];

		must[i] = kmm_omodel_must_succeed(l->om, l->pm, &rq, why, sizeof(why));
		if (op->code == KMM_OP_CACHE_ALLOC)
			l->ptr[h] = op->node >= 0 ? d->st->cache_alloc_node(l->k, l->caches[op->cache], op->gfp, op->node)
						  : d->st->cache_alloc(l->k, l->caches[op->cache], op->gfp);
		else if (op->mode == 2)
			l->ptr[h] = d->st->kcalloc(l->k, op->arg2, op->arg, op->gfp);
		else if (op->node >= 0)
			l->ptr[h] = d->st->kmalloc_node(l->k, op->arg, op->gfp | (op->mode ? KMM___GFP_ZERO : 0), op->node);
		else
			l->ptr[h] = op->mode ? d->st->kzalloc(l->k, op->arg, op->gfp) : d->st->kmalloc(l->k, op->arg, op->gfp);
	}
	d->size[h] = rq.size;
	d->cache[h] = rq.kind == KMM_OMODEL_CACHE ? op->cache : 0;
	d->gen[h] = 0;
	d->host[h] = host_alloc_(d, &rq, rq.kind == KMM_OMODEL_CACHE ? d->cache_align[op->cache] : 16);
	if (judge_alloc_(d, h, &rq, must, must_fail))
		return 1;
	if (rq.zero && compare_(d, h, "after kzalloc / kcalloc (zeroed)"))
		return 1;
	if (judge_ksize_(d, h))
		return 1;
	put_(d, h);
	return 0;
}

static int op_krealloc_(struct diff *d, const struct kmm_op *op)
{
	uint32_t h = op->handle;
	size_t old = d->size[h], keep = old < op->arg ? old : op->arg;
	void *host;

	if (!handle_live_(d, h) || d->cache[h])
		return 0;
	for (unsigned i = 0; i < NR_LANES; i++) {
		struct lane *l = &d->lane[i];
		struct kmm_omodel_req rq;
		char why[64];
		bool must;
		void *n;

		if (!l->ptr[h])
			continue;
		memset(&rq, 0, sizeof(rq));
		rq.kind = KMM_OMODEL_KMALLOC;
		rq.size = op->arg;
		rq.gfp = op->gfp;
		rq.node = -1;
		must = kmm_omodel_must_succeed(l->om, l->pm, &rq, why, sizeof(why));
		n = d->st->krealloc(l->k, l->ptr[h], op->arg, op->gfp);
		if (op->arg == 0 && n != KMM_ZERO_SIZE_PTR)
			return fail_(d, "diff-result", "ZERO_SIZE_PTR from krealloc(p, 0) in every backend",
				     "%s returned %s", lane_name[i], n ? "another pointer" : "NULL");
		if (n) {
			l->ptr[h] = n;
			continue;
		}
		if (must || op->arg <= old)
			return fail_(d, "diff-result", "krealloc succeeds where memory is plentiful (or it shrinks)",
				     "%s returned NULL (%zu -> %" PRIu32 " bytes)", lane_name[i], old, op->arg);
		/* An allowed failure: this lane drops the handle, the others go on. */
		if (compare_(d, h, "after a failed krealloc (unchanged)"))
			return 1;
		d->st->kfree(l->k, l->ptr[h]);
		l->ptr[h] = NULL;
	}
	if (op->arg == 0) {
		host_free_(d, h);
		d->host[h] = malloc(1);
	} else {
		host = d->host[h] ? realloc(d->host[h], op->arg) : malloc(op->arg);
		if (host)
			d->host[h] = host;
	}
	/* The prefix must have survived everywhere; then all hold the new pattern. */
	d->size[h] = keep;
	if (compare_(d, h, "after krealloc (the first min(old, new) bytes)"))
		return 1;
	d->size[h] = op->arg;
	d->gen[h]++;
	if (judge_ksize_(d, h))
		return 1;
	put_(d, h);
	return 0;
}

static int op_cache_create_(struct diff *d, const struct kmm_op *op)
{
	unsigned id = op->cache;
	char name[24];

	if (!id || d->lane[0].caches[id] || d->cache_size[id])
		return 0;
	if (!kmm_omodel_cache_args_valid(op->arg, op->arg2, op->cflags, name, sizeof(name)))
		return 0;
	snprintf(name, sizeof(name), "cache%u", id);
	for (unsigned i = 0; i < NR_LANES; i++) {
		struct lane *l = &d->lane[i];

		/* No ctor here: ctor state is judged per backend in the first phase. */
		l->caches[id] = d->st->cache_create(l->k, name, op->arg, op->arg2, op->cflags, NULL);
		if (!l->caches[id])
			return fail_(d, "diff-result", "a cache in every backend (valid arguments)",
				     "%s returned NULL", lane_name[i]);
		kmm_omodel_cache_add(l->om, id, op->arg, op->arg2, op->cflags, false);
	}
	d->cache_size[id] = op->arg;
	d->cache_align[id] = kmm_omodel_cache(d->lane[0].om, id)->req_align;
	return 0;
}

static void cache_destroy_(struct diff *d, unsigned id)
{
	for (unsigned i = 0; i < NR_LANES; i++) {
		struct lane *l = &d->lane[i];

		if (l->caches[id])
			d->st->cache_destroy(l->k, l->caches[id]);
		l->caches[id] = NULL;
		kmm_omodel_cache_gone(l->om, id);
	}
}

static int op_bulk_(struct diff *d, const struct kmm_op *op)
{
	uint32_t first = op->handle, nr = op->arg;
	struct kmm_omodel_req rq;
	bool must[NR_LANES];
	char why[64];

	if (!d->lane[0].caches[op->cache] || !nr || nr > KMM_PROGRAM_BULK_MAX || !first ||
	    first > d->nr_handles || nr > d->nr_handles - first + 1)
		return 0;
	for (uint32_t j = 0; j < nr; j++)
		if (!handle_free_(d, first + j))
			return 0;
	memset(&rq, 0, sizeof(rq));
	rq.kind = KMM_OMODEL_CACHE;
	rq.cache = op->cache;
	rq.size = d->cache_size[op->cache];
	rq.gfp = op->gfp;
	rq.node = -1;
	rq.nr = nr;
	for (unsigned i = 0; i < NR_LANES; i++) {
		struct lane *l = &d->lane[i];
		size_t got;

		must[i] = kmm_omodel_must_succeed(l->om, l->pm, &rq, why, sizeof(why));
		got = d->st->cache_alloc_bulk(l->k, l->caches[op->cache], op->gfp, nr, d->bulk[i]);
		if (got != 0 && got != nr)
			return fail_(d, "diff-result", "a bulk allocation of all or nothing", "%s: %zu of %" PRIu32,
				     lane_name[i], got, nr);
		if (!got && must[i])
			return fail_(d, "diff-result", "a bulk allocation: the backend's memory is plentiful",
				     "%s returned 0", lane_name[i]);
		for (uint32_t j = 0; j < nr; j++)
			l->ptr[first + j] = got ? d->bulk[i][j] : NULL;
	}
	for (uint32_t j = 0; j < nr; j++) {
		uint32_t h = first + j;

		d->size[h] = d->cache_size[op->cache];
		d->cache[h] = op->cache;
		d->gen[h] = 0;
		rq.nr = 1;
		d->host[h] = host_alloc_(d, &rq, d->cache_align[op->cache]);
		put_(d, h);
	}
	return 0;
}

static int lock_op_(struct diff *d, const struct kmm_op *op)
{
	uint32_t h = op->handle;

	switch (op->code) {
	case KMM_OP_KMALLOC:
	case KMM_OP_CACHE_ALLOC:
		return op_alloc_(d, op);
	case KMM_OP_KREALLOC:
		return op_krealloc_(d, op);
	case KMM_OP_KFREE:
	case KMM_OP_CACHE_FREE:
		if (handle_live_(d, h) && (op->code == KMM_OP_KFREE) == (d->cache[h] == 0)) {
			if (compare_(d, h, "before its free"))
				return 1;
			free_handle_(d, h);
		}
		return 0;
	case KMM_OP_CACHE_FREE_BULK:
		for (uint64_t j = h; h && j < (uint64_t)h + op->arg && j <= d->nr_handles; j++) {
			if (!handle_live_(d, (uint32_t)j) || d->cache[j] != op->cache)
				continue;
			if (compare_(d, (uint32_t)j, "before a bulk free"))
				return 1;
			free_handle_(d, (uint32_t)j);
		}
		return 0;
	case KMM_OP_CACHE_CREATE:
		return op_cache_create_(d, op);
	case KMM_OP_CACHE_DESTROY:
		if (op->cache && d->lane[0].caches[op->cache]) {
			for (uint32_t j = 1; j <= d->nr_handles; j++)
				if (d->cache[j] == op->cache && handle_live_(d, j))
					return 0; /* busy: the first phase judged it */
			cache_destroy_(d, op->cache);
		}
		return 0;
	case KMM_OP_CACHE_ALLOC_BULK:
		return op_bulk_(d, op);
	case KMM_OP_WRITE:
		if (handle_live_(d, h) && d->host[h]) {
			d->gen[h]++;
			put_(d, h);
		}
		return 0;
	case KMM_OP_VERIFY:
		return handle_live_(d, h) ? compare_(d, h, "at a verify op") : 0;
	default:
		return 0; /* judged in the first phase */
	}
}

static int compare_all_(struct diff *d, const char *when)
{
	for (uint32_t h = 1; h <= d->nr_handles; h++)
		if (handle_live_(d, h) && compare_(d, h, when))
			return 1;
	return 0;
}

static int lock_step_(struct diff *d, const struct kmm_program *p)
{
	for (uint32_t s = 0; s < p->nr_ops; s++) {
		const struct kmm_op *op = &p->ops[s];

		d->x.step = s;
		d->x.phase = PHASE_OP;
		if (lock_op_(d, op))
			return 1;
		if (op->handle && handle_live_(d, op->handle) && compare_(d, op->handle, "after the op"))
			return 1;
		if ((s + 1) % COMPARE_ALL_EVERY == 0 && compare_all_(d, "at a periodic comparison"))
			return 1;
	}
	d->x.step = p->nr_ops;
	d->x.phase = PHASE_TEARDOWN;
	if (compare_all_(d, "at the end"))
		return 1;
	for (uint32_t h = 1; h <= d->nr_handles; h++)
		if (handle_live_(d, h))
			free_handle_(d, h);
	for (unsigned id = 1; id < EXEC_SLAB_MAX_CACHES; id++)
		if (d->lane[0].caches[id])
			cache_destroy_(d, id);
	return 0;
}

static uint32_t max_handle_(const struct kmm_program *p)
{
	uint32_t max = p->nr_handles;

	for (uint32_t i = 0; i < p->nr_ops; i++) {
		uint64_t end = (uint64_t)p->ops[i].handle +
			       (p->ops[i].code == KMM_OP_CACHE_ALLOC_BULK && p->ops[i].arg ? p->ops[i].arg - 1 : 0);

		if (end > max)
			max = end > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)end;
	}
	return max;
}

static _Thread_local struct kmm_program *phase1_prog_;

int kmm_kmalloc_diff_run(const struct kmm_program *p, const struct kmm_exec_options *opt,
			 struct kmm_exec_result *res)
{
	static const struct kmm_exec_options defaults;
	struct kmm_exec_result scratch;
	struct kmm_exec_options one;
	struct kmm_program *v;
	struct diff *d;
	int rc = 0;

	if (!p || p->nr_ops > KMM_PROGRAM_MAX_OPS)
		return -EINVAL;
	if (!opt)
		opt = &defaults;
	if (!res)
		res = &scratch;

	/* Phase 1: every backend alone, with every check. The copy that gets
	 * each backend in its header is kept per thread (a program is
	 * ~200 KiB: fresh memory per run was page faults), and only its used
	 * part is copied. */
	if (!phase1_prog_)
		phase1_prog_ = malloc(sizeof(*phase1_prog_));
	v = phase1_prog_;
	if (!v)
		return -ENOMEM;
	memcpy(v, p, offsetof(struct kmm_program, ops));
	memcpy(v->ops, p->ops, sizeof(p->ops[0]) * p->nr_ops);
	one = *opt;
	one.slab_target = NULL;
	for (unsigned i = 0; i < NR_LANES && rc == 0; i++) {
		v->hdr.slab_backend = lane_backend[i];
		rc = kmm_exec_run(v, &one, res);
	}
	if (rc)
		return rc;

	/* Phase 2: lock step. */
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	memset(res, 0, sizeof(*res));
	d->st = opt->slab_target ? opt->slab_target : kmm_slab_target_libkmm();
	d->res = res;
	d->nr_handles = max_handle_(p);
	d->x.opt = opt;
	d->x.res = res;
	d->x.err = opt->err ? opt->err : stderr;
	d->x.prog = p;
	d->x.hdr = &p->hdr;
	d->x.ops = p->ops;
	d->x.nr_ops = p->nr_ops;
	d->host = calloc((size_t)d->nr_handles + 1, sizeof(*d->host));
	d->size = calloc((size_t)d->nr_handles + 1, sizeof(*d->size));
	d->cache = calloc((size_t)d->nr_handles + 1, sizeof(*d->cache));
	d->gen = calloc((size_t)d->nr_handles + 1, sizeof(*d->gen));
	if (!d->host || !d->size || !d->cache || !d->gen)
		rc = -ENOMEM;
	for (unsigned i = 0; i < NR_LANES && rc == 0; i++)
		rc = lane_open_(d, i, p);
	if (rc == 0) {
		res->ops_run = p->nr_ops;
		rc = lock_step_(d, p) ? 1 : 0;
	}
	for (uint32_t h = 0; d->host && h <= d->nr_handles; h++)
		free(d->host[h]);
	for (unsigned i = 0; i < NR_LANES; i++)
		lane_close_(&d->lane[i], i);
	free(d->host);
	free(d->size);
	free(d->cache);
	free(d->gen);
	free(d);
	if (rc == 1 && opt->abort_on_mismatch)
		abort(); /* exec_fail already did, unless told not to */
	return rc;
}
