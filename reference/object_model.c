// SPDX-License-Identifier: MIT
/*
 * The object model: live objects and caches, and the kernel's rules for
 * them, written from the kernel's documented behaviour rather than from
 * allocators/ (see object_model.h for the list).
 *
 * Size classes. The kernel keeps kmalloc caches of 8, 16, 32, 64, 96, 128,
 * 192 and every power of two up to 8192 (KMALLOC_SHIFT_HIGH = 13 with 4 KiB
 * pages). kmalloc_index() numbers them 1 = 96, 2 = 192 and i = 2^i for
 * i >= 3; sizes up to 192 go through the size_index[] table indexed by
 * (size - 1) / 8, larger ones take fls(size - 1). The model holds both the
 * table and a plain first-fit scan over the class list; test_object_model
 * proves they agree for every size, so neither can drift alone.
 *
 * Alignment. calculate_alignment(): with SLAB_HWCACHE_ALIGN the cache line
 * (64) is halved while the object still fits in half of it, and the
 * result is at least the requested alignment; everything is at least
 * ARCH_SLAB_MINALIGN (8) and rounded up to a word. kmalloc promises
 * ARCH_KMALLOC_MINALIGN (8), and for a power-of-two request natural
 * alignment up to the page size (the kernel guarantees it on every
 * allocator, SLOB's kmalloc included); large kmallocs are whole pages.
 *
 * Failure. The harness only insists on success when memory is plentiful:
 * every node with memory has, in a zone the request may use, more free
 * pages than its high watermark plus the lowmem protection plus all the
 * pages the request could take (one slab of the largest order the backend
 * may pick per object, two spare), and a free aligned block of that order
 * outside pageblocks that may be HIGHATOMIC. Any finer rule would have to
 * know a backend's slab order choices and per-CPU caching; this one holds
 * whatever they are, and a roomy system still pins every failure.
 *
 * Misuse on SLUB and SLAB (with the flags that make them detect it; "F",
 * "Z", "P" are SLAB_CONSISTENCY_CHECKS, SLAB_RED_ZONE, SLAB_POISON in
 * effect on the object's cache, system-wide slab_debug= included):
 *   double free      F: free_consistency_checks() finds it on a freelist
 *                    ("Object already free"). kfree(ZERO_SIZE_PTR) twice is
 *                    no misuse at all. A large kmalloc freed twice: kfree
 *                    finds no allocated block (libkmm's kfree checks every
 *                    pointer it does not take on its fast path).
 *   wrong cache      always: libkmm's common layer compares the slab's
 *                    cache on every kmem_cache_free (cache_from_obj()).
 *   kfree interior   F: check_valid_pointer() ("Invalid object pointer");
 *                    inside a large kmalloc: always.
 *   kfree non-slab   always: the pointer is in no slab and no large kmalloc
 *                    (libkmm marks those pages), reported whatever the flags.
 *   write past end   Z: the byte lands in the right red zone (or the kmalloc
 *                    tail past the request, red-zoned too); validate finds it.
 *   write after free P: the byte lands in poison; not for caches with a ctor
 *                    or TYPESAFE_BY_RCU (never poisoned: their free objects
 *                    keep their contents).
 *   destroy busy     always: "Objects remaining ... on __kmem_cache_shutdown()".
 * SLOB detects what allocators/slab/slob.c documents, mirrored in
 * misuse_slob_() below.
 * A misuse the backend need not detect is not performed at all (SKIP): its
 * effect is undefined, and a harness that ran it would blame the allocator
 * for the program's own corruption.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object_model.h"

/* The interval set and the judgement of a new object are checks (a pass,
 * or a verdict that ends the run): no sanitizer-coverage instrumentation
 * under clang's fuzzer builds, where their search loops' trip counts were
 * features libFuzzer booked on every execution. The rules keep theirs. */
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(coverage_sanitizer)
#define OM_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#endif
#endif
#ifndef OM_NO_COVERAGE
#define OM_NO_COVERAGE
#endif

#define OM_MAX_CACHES 256u
#define OM_CACHE_LINE 64u
#define OM_SLAB_MINALIGN 8u
#define OM_KMALLOC_MINALIGN 8u
#define OM_DEFAULT_MAX_ORDER 3u /* PAGE_ALLOC_COSTLY_ORDER: slab_max_order's default */

/* An interval of the set: [start, end) belongs to handle. */
struct om_ival {
	uintptr_t start, end;
	uint32_t handle;
};

struct kmm_omodel {
	enum kmm_omodel_backend backend;
	unsigned sys_debug;
	uintptr_t arena, arena_end;
	unsigned max_slab_order;
	struct kmm_omodel_cache caches[OM_MAX_CACHES];
	uint32_t max_handles;
	uint32_t handle_cap;         /* objs[] and ivals[] have handle_cap + 1 entries (reuse) */
	struct kmm_omodel_obj *objs; /* [max_handles + 1] */
	uint32_t nr_live;
	/* Live objects with memory, sorted by start, pairwise disjoint. */
	struct om_ival *ivals;
	uint32_t nr_ivals;
	struct kmm_omodel_rcu_obj *rcu; /* freed from TYPESAFE_BY_RCU caches since the last barrier */
	uint32_t nr_rcu, rcu_cap;
};

/* ---- classes ------------------------------------------------------------------- */

static const size_t om_classes[KMM_OMODEL_NR_CLASSES] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

/* The kernel's size_index[]: class index for (size - 1) / 8, sizes 1..192. */
static const uint8_t om_size_index[24] = {
	3, 4, 5, 5, 6, 6, 6, 6, /* 8 16 24 32 40 48 56 64 */
	1, 1, 1, 1,             /* 72 .. 96 -> kmalloc-96 */
	7, 7, 7, 7,             /* 104 .. 128 */
	2, 2, 2, 2, 2, 2, 2, 2, /* 136 .. 192 -> kmalloc-192 */
};

size_t kmm_omodel_kmalloc_class(size_t size)
{
	if (size == 0)
		return 0;
	for (unsigned i = 0; i < KMM_OMODEL_NR_CLASSES; i++)
		if (om_classes[i] >= size)
			return om_classes[i];
	return 0;
}

int kmm_omodel_kmalloc_index(size_t size)
{
	int fls = 0;

	if (size == 0)
		return 0;
	if (size > KMM_KMALLOC_MAX_CACHE_SIZE)
		return -1;
	if (size <= 192)
		return om_size_index[(size - 1) / 8];
	for (size_t v = size - 1; v; v >>= 1)
		fls++;
	return fls;
}

size_t kmm_omodel_index_size(int index)
{
	if (index == 1)
		return 96;
	if (index == 2)
		return 192;
	if (index >= 3 && index <= 13)
		return (size_t)1 << index;
	return 0;
}

unsigned kmm_omodel_get_order(size_t size)
{
	unsigned order = 0;

	while (((size_t)KMM_PAGE_SIZE << order) < size)
		order++;
	return order;
}

static bool is_pow2_(size_t v)
{
	return v && !(v & (v - 1));
}

unsigned kmm_omodel_cache_align(unsigned flags, unsigned align, unsigned size)
{
	if (flags & KMM_SLAB_HWCACHE_ALIGN) {
		unsigned line = OM_CACHE_LINE;

		while (size <= line / 2 && line > OM_SLAB_MINALIGN)
			line /= 2;
		if (align < line)
			align = line;
	}
	if (align < OM_SLAB_MINALIGN)
		align = OM_SLAB_MINALIGN;
	return (align + 7u) & ~7u;
}

size_t kmm_omodel_kmalloc_align(size_t size)
{
	if (kmm_omodel_kmalloc_large(size))
		return KMM_PAGE_SIZE;
	if (is_pow2_(size) && size > OM_KMALLOC_MINALIGN)
		return size < KMM_PAGE_SIZE ? size : KMM_PAGE_SIZE;
	return OM_KMALLOC_MINALIGN;
}

bool kmm_omodel_kmalloc_large(size_t size)
{
	return size > KMM_KMALLOC_MAX_CACHE_SIZE;
}

bool kmm_omodel_cache_args_valid(unsigned size, unsigned align, unsigned flags, char *why, size_t len)
{
	if (size < 1 || size > KMM_KMALLOC_MAX_CACHE_SIZE) {
		snprintf(why, len, "size %u not in 1..%u", size, (unsigned)KMM_KMALLOC_MAX_CACHE_SIZE);
		return false;
	}
	if (align && (!is_pow2_(align) || align > KMM_PAGE_SIZE)) {
		snprintf(why, len, "align %u is not 0 or a power of two <= PAGE_SIZE", align);
		return false;
	}
	if (flags & ~(unsigned)KMM_SLAB_CREATE_MASK) {
		snprintf(why, len, "flags 0x%x outside KMM_SLAB_CREATE_MASK", flags);
		return false;
	}
	if ((flags & KMM_SLAB_CACHE_DMA) && (flags & KMM_SLAB_CACHE_DMA32)) {
		snprintf(why, len, "flags 0x%x ask for both DMA and DMA32", flags);
		return false;
	}
	return true;
}

/* ---- the model ---------------------------------------------------------------------- */

struct kmm_omodel *kmm_omodel_create(enum kmm_omodel_backend backend, unsigned sys_debug,
				     uintptr_t arena, kmm_pfn_t total_pages, uint32_t max_handles,
				     unsigned max_slab_order)
{
	return kmm_omodel_recycle(NULL, backend, sys_debug, arena, total_pages, max_handles, max_slab_order);
}

/*
 * Reuse keeps the model's memory of one run for the next: under ASan every
 * calloc is fresh, page-faulting memory (its quarantine never hands a block
 * back soon), and a fuzz target builds one model per input. Only the
 * handles the new run can name are cleared.
 */
struct kmm_omodel *kmm_omodel_recycle(struct kmm_omodel *m, enum kmm_omodel_backend backend, unsigned sys_debug,
				      uintptr_t arena, kmm_pfn_t total_pages, uint32_t max_handles,
				      unsigned max_slab_order)
{
	struct kmm_omodel_obj *objs;
	struct om_ival *ivals;
	struct kmm_omodel_rcu_obj *rcu;
	uint32_t cap, rcu_cap;

	if (!m) {
		m = calloc(1, sizeof(*m));
		if (!m)
			return NULL;
	}
	objs = m->objs;
	ivals = m->ivals;
	cap = m->handle_cap;
	rcu = m->rcu;
	rcu_cap = m->rcu_cap;
	if (!objs || cap < max_handles) {
		free(objs);
		free(ivals);
		cap = max_handles;
		objs = malloc(((size_t)cap + 1) * sizeof(*objs));
		ivals = malloc(((size_t)cap + 1) * sizeof(*ivals));
		if (!objs || !ivals) {
			free(objs);
			free(ivals);
			free(rcu);
			free(m);
			return NULL;
		}
	}
	memset(m, 0, sizeof(*m));
	memset(objs, 0, ((size_t)max_handles + 1) * sizeof(*objs));
	m->objs = objs;
	m->ivals = ivals; /* entries [0, nr_ivals) are the set: nothing to clear */
	m->handle_cap = cap;
	m->rcu = rcu;
	m->rcu_cap = rcu_cap;
	m->backend = backend;
	m->sys_debug = sys_debug & KMM_SLAB_DEBUG_FLAGS;
	m->arena = arena;
	m->arena_end = arena + (uintptr_t)total_pages * KMM_PAGE_SIZE;
	m->max_slab_order = max_slab_order ? max_slab_order : OM_DEFAULT_MAX_ORDER;
	m->max_handles = max_handles;
	return m;
}

void kmm_omodel_destroy(struct kmm_omodel *m)
{
	if (!m)
		return;
	free(m->objs);
	free(m->ivals);
	free(m->rcu);
	free(m);
}

enum kmm_omodel_backend kmm_omodel_backend_of(const struct kmm_omodel *m)
{
	return m->backend;
}

/* ---- caches ------------------------------------------------------------------------- */

void kmm_omodel_cache_add(struct kmm_omodel *m, unsigned id, unsigned size, unsigned align,
			  unsigned flags, bool ctor)
{
	struct kmm_omodel_cache *c;

	if (id == 0 || id >= OM_MAX_CACHES)
		return;
	c = &m->caches[id];
	memset(c, 0, sizeof(*c));
	c->exists = true;
	c->size = size;
	c->align = align;
	c->flags = flags;
	c->debug = (flags | m->sys_debug) & KMM_SLAB_DEBUG_FLAGS;
	c->req_align = kmm_omodel_cache_align(flags, align, size);
	c->ctor = ctor;
}

const struct kmm_omodel_cache *kmm_omodel_cache(const struct kmm_omodel *m, unsigned id)
{
	return id && id < OM_MAX_CACHES && m->caches[id].exists ? &m->caches[id] : NULL;
}

void kmm_omodel_cache_gone(struct kmm_omodel *m, unsigned id)
{
	if (id && id < OM_MAX_CACHES)
		m->caches[id].exists = false;
}

void kmm_omodel_cache_dying(struct kmm_omodel *m, unsigned id)
{
	if (id && id < OM_MAX_CACHES && m->caches[id].exists)
		m->caches[id].dying = true;
}

/* ---- the interval set ----------------------------------------------------------------- */

/* Index of the first interval whose start is >= addr. */
OM_NO_COVERAGE
static uint32_t ival_lower_(const struct kmm_omodel *m, uintptr_t addr)
{
	uint32_t lo = 0, hi = m->nr_ivals;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (m->ivals[mid].start < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

OM_NO_COVERAGE
uint32_t kmm_omodel_find_overlap(const struct kmm_omodel *m, uintptr_t addr, size_t len,
				 uint32_t exclude)
{
	uintptr_t end = addr + (len ? len : 1);
	/* Disjoint intervals sorted by start have sorted ends: only the last
	 * intervals starting before `end` can reach into [addr, end). Walk
	 * back over them (the excluded one may sit in between). */
	uint32_t i = ival_lower_(m, end);

	while (i-- > 0) {
		const struct om_ival *v = &m->ivals[i];

		if (v->end <= addr)
			break;
		if (v->handle != exclude)
			return v->handle;
	}
	return 0;
}

OM_NO_COVERAGE
static void ival_insert_(struct kmm_omodel *m, uintptr_t start, size_t len, uint32_t handle)
{
	uint32_t at = ival_lower_(m, start);

	if (m->nr_ivals > m->max_handles)
		return; /* cannot happen: one interval per live handle */
	memmove(&m->ivals[at + 1], &m->ivals[at], sizeof(*m->ivals) * (m->nr_ivals - at));
	m->ivals[at].start = start;
	m->ivals[at].end = start + (len ? len : 1);
	m->ivals[at].handle = handle;
	m->nr_ivals++;
}

OM_NO_COVERAGE
static void ival_remove_(struct kmm_omodel *m, uintptr_t start, uint32_t handle)
{
	uint32_t at = ival_lower_(m, start);

	for (; at < m->nr_ivals && m->ivals[at].start == start; at++) {
		if (m->ivals[at].handle == handle) {
			memmove(&m->ivals[at], &m->ivals[at + 1],
				sizeof(*m->ivals) * (m->nr_ivals - at - 1));
			m->nr_ivals--;
			return;
		}
	}
}

/* ---- objects ---------------------------------------------------------------------------- */

const struct kmm_omodel_obj *kmm_omodel_obj(const struct kmm_omodel *m, uint32_t handle)
{
	if (!handle || handle > m->max_handles || m->objs[handle].kind == KMM_OMODEL_NONE)
		return NULL;
	return &m->objs[handle];
}

uint32_t kmm_omodel_nr_live(const struct kmm_omodel *m)
{
	return m->nr_live;
}

void kmm_omodel_expect(const struct kmm_omodel *m, const struct kmm_omodel_req *rq,
		       struct kmm_omodel_obj *out)
{
	memset(out, 0, sizeof(*out));
	if (rq->kind == KMM_OMODEL_CACHE) {
		const struct kmm_omodel_cache *c = kmm_omodel_cache(m, rq->cache);

		out->kind = KMM_OMODEL_CACHE;
		out->cache = rq->cache;
		out->size = c ? c->size : 0;
		out->align = c ? c->req_align : OM_SLAB_MINALIGN;
		out->zeroed = rq->zero || (rq->gfp & KMM___GFP_ZERO);
		/* __GFP_ZERO wins over the constructor, as slab_want_init_on_alloc() does. */
		out->ctor = c && c->ctor && !out->zeroed;
		return;
	}
	out->size = rq->size;
	out->zeroed = rq->zero || (rq->gfp & KMM___GFP_ZERO);
	if (rq->size == 0) {
		out->kind = KMM_OMODEL_ZERO;
		out->zeroed = false;
		out->align = 1;
	} else if (kmm_omodel_kmalloc_large(rq->size)) {
		out->kind = KMM_OMODEL_LARGE;
		out->align = KMM_PAGE_SIZE;
	} else {
		out->kind = KMM_OMODEL_KMALLOC;
		out->align = kmm_omodel_kmalloc_align(rq->size);
	}
}

bool kmm_omodel_ksize_ok(enum kmm_omodel_backend backend, const struct kmm_omodel_obj *want,
			 size_t ksize, char *why, size_t len)
{
	size_t cls;

	switch (want->kind) {
	case KMM_OMODEL_ZERO:
		if (ksize == 0)
			return true;
		snprintf(why, len, "ksize(ZERO_SIZE_PTR) == 0, got %zu", ksize);
		return false;
	case KMM_OMODEL_LARGE:
		cls = (size_t)KMM_PAGE_SIZE << kmm_omodel_get_order(want->size);
		if (ksize == cls)
			return true;
		snprintf(why, len, "ksize of a large kmalloc(%zu) == PAGE_SIZE << %u = %zu, got %zu", want->size,
			 kmm_omodel_get_order(want->size), cls, ksize);
		return false;
	case KMM_OMODEL_KMALLOC:
		if (backend != KMM_OMODEL_SLOB) {
			cls = kmm_omodel_kmalloc_class(want->size);
			if (ksize == cls)
				return true;
			snprintf(why, len, "ksize of kmalloc(%zu) == its class kmalloc-%zu, got %zu", want->size,
				 cls, ksize);
			return false;
		}
		break;
	case KMM_OMODEL_CACHE:
		if (backend == KMM_OMODEL_SLOB)
			return true; /* SLOB's ksize() knows kmalloc headers only */
		break;
	default:
		return true;
	}
	if (ksize >= want->size)
		return true;
	snprintf(why, len, "ksize >= the %zu bytes requested, got %zu", want->size, ksize);
	return false;
}

OM_NO_COVERAGE
enum kmm_omodel_verdict kmm_omodel_judge(const struct kmm_omodel *m, const struct kmm_model *pm,
					 const struct kmm_omodel_obj *want, uintptr_t addr, size_t ksize,
					 uint32_t exclude, char *why, size_t len)
{
	size_t span = want->size ? want->size : 1;
	uint32_t other;

	if (want->kind == KMM_OMODEL_ZERO || addr == (uintptr_t)KMM_ZERO_SIZE_PTR) {
		if (want->kind == KMM_OMODEL_ZERO && addr == (uintptr_t)KMM_ZERO_SIZE_PTR)
			return kmm_omodel_ksize_ok(m->backend, want, ksize, why, len) ? KMM_OMODEL_OK
										    : KMM_OMODEL_KSIZE;
		snprintf(why, len, "%s", want->kind == KMM_OMODEL_ZERO ? "kmalloc(0) returns ZERO_SIZE_PTR"
								      : "a real object, not ZERO_SIZE_PTR");
		return KMM_OMODEL_ZERO_PTR;
	}
	if (addr < m->arena || addr + span > m->arena_end || addr + span < addr) {
		snprintf(why, len, "object of %zu bytes at arena offset %td: outside the arena of %td bytes",
			 span, (ptrdiff_t)(addr - m->arena), (ptrdiff_t)(m->arena_end - m->arena));
		return KMM_OMODEL_OUTSIDE;
	}
	if (want->align && (addr - m->arena) % want->align) {
		snprintf(why, len, "aligned to %zu bytes; arena offset 0x%tx is %zu past it", want->align,
			 (ptrdiff_t)(addr - m->arena), (size_t)((addr - m->arena) % want->align));
		return KMM_OMODEL_MISALIGNED;
	}
	other = kmm_omodel_find_overlap(m, addr, span, exclude);
	if (other) {
		const struct kmm_omodel_obj *o = &m->objs[other];

		snprintf(why, len, "[+0x%tx, +%zu) overlaps live h%u [+0x%tx, +%zu)", (ptrdiff_t)(addr - m->arena),
			 span, other, (ptrdiff_t)(o->addr - m->arena), o->size ? o->size : 1);
		return KMM_OMODEL_OVERLAP;
	}
	if (pm) {
		kmm_pfn_t first = (kmm_pfn_t)((addr - m->arena) / KMM_PAGE_SIZE);
		kmm_pfn_t last = (kmm_pfn_t)((addr + span - 1 - m->arena) / KMM_PAGE_SIZE);

		for (kmm_pfn_t p = first; p <= last; p++) {
			uint32_t owner = kmm_model_find_overlap(pm, p, 0);

			if (owner == KMM_OMODEL_SLAB_OWNER)
				continue;
			if (owner)
				snprintf(why, len, "page %u of the object belongs to page handle h%u", p, owner);
			else
				snprintf(why, len, "page %u of the object is free in the page model "
					 "(no slab page holds it)", p);
			return KMM_OMODEL_NOT_SLAB;
		}
	}
	if (!kmm_omodel_ksize_ok(m->backend, want, ksize, why, len))
		return KMM_OMODEL_KSIZE;
	return KMM_OMODEL_OK;
}

void kmm_omodel_add(struct kmm_omodel *m, uint32_t handle, const struct kmm_omodel_obj *obj)
{
	struct kmm_omodel_obj *o;

	if (!handle || handle > m->max_handles || m->objs[handle].kind != KMM_OMODEL_NONE)
		return;
	o = &m->objs[handle];
	*o = *obj;
	m->nr_live++;
	if (o->kind == KMM_OMODEL_CACHE && kmm_omodel_cache(m, o->cache))
		m->caches[o->cache].live++;
	if (o->kind != KMM_OMODEL_ZERO)
		ival_insert_(m, o->addr, o->size, handle);
}

static void rcu_push_(struct kmm_omodel *m, uintptr_t addr, uint8_t cache)
{
	if (m->nr_rcu == m->rcu_cap) {
		uint32_t cap = m->rcu_cap ? m->rcu_cap * 2 : 64;
		struct kmm_omodel_rcu_obj *n = realloc(m->rcu, sizeof(*n) * cap);

		if (!n)
			return; /* the check is lost, never wrongly failed */
		m->rcu = n;
		m->rcu_cap = cap;
	}
	m->rcu[m->nr_rcu].addr = addr;
	m->rcu[m->nr_rcu].cache = cache;
	m->nr_rcu++;
}

void kmm_omodel_remove(struct kmm_omodel *m, uint32_t handle)
{
	struct kmm_omodel_obj *o;

	if (!handle || handle > m->max_handles || m->objs[handle].kind == KMM_OMODEL_NONE)
		return;
	o = &m->objs[handle];
	if (o->kind != KMM_OMODEL_ZERO)
		ival_remove_(m, o->addr, handle);
	if (o->kind == KMM_OMODEL_CACHE) {
		struct kmm_omodel_cache *c = &m->caches[o->cache];

		if (c->live)
			c->live--;
		if (c->exists && (c->flags & KMM_SLAB_TYPESAFE_BY_RCU))
			rcu_push_(m, o->addr, o->cache);
	}
	memset(o, 0, sizeof(*o));
	m->nr_live--;
}

/* ---- RCU ---------------------------------------------------------------------------------- */

uint32_t kmm_omodel_rcu_count(const struct kmm_omodel *m)
{
	return m->nr_rcu;
}

const struct kmm_omodel_rcu_obj *kmm_omodel_rcu_get(const struct kmm_omodel *m, uint32_t i)
{
	return i < m->nr_rcu ? &m->rcu[i] : NULL;
}

void kmm_omodel_rcu_barrier(struct kmm_omodel *m)
{
	m->nr_rcu = 0;
}

/* ---- failure ------------------------------------------------------------------------------ */

bool kmm_omodel_must_fail(const struct kmm_omodel *m, const struct kmm_omodel_req *rq)
{
	(void)m;
	if (rq->overflow)
		return true;
	return rq->kind == KMM_OMODEL_KMALLOC && rq->size > KMM_KMALLOC_MAX_SIZE;
}

/* The zone bits the slab layer will pass to the page allocator, or false when
 * the request is one the kernel calls a bug (HIGHMEM, MOVABLE, kmalloc with
 * DMA32): the model then requires nothing. */
static bool slab_zone_gfp_(const struct kmm_omodel *m, const struct kmm_omodel_req *rq, kmm_gfp_t *out)
{
	kmm_gfp_t zone = rq->gfp & KMM_GFP_ZONEMASK;

	if (zone & (KMM___GFP_HIGHMEM | KMM___GFP_MOVABLE))
		return false;
	if (rq->kind == KMM_OMODEL_CACHE) {
		const struct kmm_omodel_cache *c = kmm_omodel_cache(m, rq->cache);

		if (!c || zone)
			return false; /* zone bits on a cache alloc: the cache decides */
		if (c->flags & KMM_SLAB_CACHE_DMA)
			zone = KMM___GFP_DMA;
		else if (c->flags & KMM_SLAB_CACHE_DMA32)
			zone = KMM___GFP_DMA32;
	} else if (zone & KMM___GFP_DMA32) {
		return false;
	}
	*out = zone;
	return true;
}

/* Largest order one object of the request could make the backend allocate. */
static unsigned need_order_(const struct kmm_omodel *m, const struct kmm_omodel_req *rq)
{
	size_t bytes;
	unsigned order;

	if (rq->kind == KMM_OMODEL_CACHE) {
		const struct kmm_omodel_cache *c = kmm_omodel_cache(m, rq->cache);

		if (!c)
			return KMM_MAX_ORDER + 1; /* no cache: nothing to require */
		/* object + red zones + free pointer + tracks + orig_size + padding */
		bytes = (size_t)c->size + 4u * c->req_align + 512u;
	} else if (kmm_omodel_kmalloc_large(rq->size)) {
		return kmm_omodel_get_order(rq->size);
	} else {
		bytes = kmm_omodel_kmalloc_class(rq->size) + 512u;
	}
	order = kmm_omodel_get_order(bytes);
	return order > m->max_slab_order ? order : m->max_slab_order;
}

bool kmm_omodel_must_succeed(const struct kmm_omodel *m, const struct kmm_model *pm,
			     const struct kmm_omodel_req *rq, char *why, size_t len)
{
	kmm_gfp_t zone_gfp;
	enum kmm_zone_type highest;
	unsigned order, nodes = kmm_model_nr_nodes(pm);
	uint64_t need;
	bool any_node = false;
	size_t used = 0;

	if (kmm_omodel_must_fail(m, rq) || (rq->kind == KMM_OMODEL_KMALLOC && rq->size == 0))
		return false;
	if (rq->kind == KMM_OMODEL_CACHE) {
		const struct kmm_omodel_cache *c = kmm_omodel_cache(m, rq->cache);

		if (!c || c->dying)
			return false;
	}
	if (!slab_zone_gfp_(m, rq, &zone_gfp))
		return false;
	highest = kmm_model_gfp_zone(zone_gfp);
	if (highest >= KMM_NR_ZONES)
		return false;
	order = need_order_(m, rq);
	if (order > KMM_MAX_ORDER)
		return false;
	need = ((uint64_t)(rq->nr ? rq->nr : 1) + 2u) << order;

	for (unsigned n = 0; n < nodes; n++) {
		bool has_memory = false, plenty = false;

		for (unsigned z = 0; z < KMM_NR_ZONES; z++) {
			const struct kmm_model_zone *mz = kmm_model_zone(pm, n, (enum kmm_zone_type)z);

			if (!mz->spanned || !mz->managed_pages)
				continue;
			has_memory = true;
			if (z > (unsigned)highest || plenty)
				continue;
			/* Pages in HIGHATOMIC pageblocks, free or not, count against
			 * a plain request's watermark (as the kernel's
			 * nr_reserved_highatomic does): plenty is above them too. */
			uint64_t ha = kmm_model_highatomic_bound(pm, n, (enum kmm_zone_type)z);
			if (mz->free_pages >= mz->wmark_high + mz->lowmem_reserve[highest] + ha + need &&
			    kmm_model_has_block(pm, n, (enum kmm_zone_type)z, order, true)) {
				plenty = true;
				if (used < len)
					used += (size_t)snprintf(why + used, len - used,
								 "%snode %u zone %s has %llu free pages > high %llu + "
								 "protection %llu + highatomic %llu + %llu needed, "
								 "with a free order-%u block",
								 any_node ? "; " : "", n, kmm_zone_name((enum kmm_zone_type)z),
								 (unsigned long long)mz->free_pages,
								 (unsigned long long)mz->wmark_high,
								 (unsigned long long)mz->lowmem_reserve[highest],
								 (unsigned long long)ha, (unsigned long long)need, order);
			}
		}
		if (!has_memory)
			continue;
		if (!plenty)
			return false;
		any_node = true;
	}
	return any_node;
}

/* ---- misuse -------------------------------------------------------------------------------- */

static unsigned obj_debug_(const struct kmm_omodel *m, const struct kmm_omodel_obj *o)
{
	if (o->kind == KMM_OMODEL_CACHE) {
		const struct kmm_omodel_cache *c = kmm_omodel_cache(m, o->cache);

		return c ? c->debug : 0;
	}
	return m->sys_debug;
}

static bool obj_keeps_contents_(const struct kmm_omodel *m, const struct kmm_omodel_obj *o)
{
	const struct kmm_omodel_cache *c;

	if (o->kind != KMM_OMODEL_CACHE)
		return false;
	c = kmm_omodel_cache(m, o->cache);
	return c && (c->ctor || (c->flags & KMM_SLAB_TYPESAFE_BY_RCU));
}

#define VERDICT_(v, ...) (snprintf(why, len, __VA_ARGS__), (v))

/* SLUB and SLAB share the common layer's checks and debug hooks: one rule set. */
static enum kmm_omodel_misuse_verdict misuse_slub_slab_(const struct kmm_omodel *m, unsigned kind,
							const struct kmm_omodel_obj *o, char *why, size_t len)
{
	unsigned d = obj_debug_(m, o);
	bool slab_obj = o->kind == KMM_OMODEL_CACHE || o->kind == KMM_OMODEL_KMALLOC;

	switch (kind) {
	case KMM_OMODEL_MISUSE_DOUBLE_FREE:
		if (o->kind == KMM_OMODEL_LARGE)
			return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "kfree finds no large kmalloc at a freed block");
		if (slab_obj && (d & KMM_SLAB_CONSISTENCY_CHECKS))
			return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "F: the second free finds the object free");
		return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "double free undetectable without F");
	case KMM_OMODEL_MISUSE_WRONG_CACHE:
		return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "the common layer compares the slab's cache");
	case KMM_OMODEL_MISUSE_KFREE_INTERIOR:
		if (o->kind == KMM_OMODEL_LARGE && o->size >= 2)
			return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "not the start of a large kmalloc");
		if (slab_obj && o->size >= 2 && (d & KMM_SLAB_CONSISTENCY_CHECKS))
			return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "F: not on an object boundary");
		return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "interior kfree undetectable without F");
	case KMM_OMODEL_MISUSE_WRITE_PAST_END:
		if (slab_obj && o->size && (d & KMM_SLAB_RED_ZONE))
			return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "Z: the byte lands in a red zone");
		return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "no red zone (Z off, or not a slab object)");
	case KMM_OMODEL_MISUSE_WRITE_AFTER_FREE:
		if (slab_obj && o->size && (d & KMM_SLAB_POISON) && !obj_keeps_contents_(m, o))
			return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "P: the byte lands in poison");
		return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "no poison (P off, a ctor or RCU cache, or no slab object)");
	default:
		return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "unknown misuse kind %u", kind);
	}
}

/*
 * SLOB, as allocators/slab/slob.c documents it: a block map beside every
 * heap page makes every free, kfree and ksize check its pointer (exactly
 * an allocated block of the right kind and size), whatever the flags; F
 * adds an owner tag that tells caches of one size apart; Z red-zones cache
 * objects (common layout) and 8 bytes past a kmalloc request (the first
 * request: a krealloc that keeps the block leaves it there); P poisons
 * the heap's free space except free-block headers (so a cache object needs
 * Z too: without a left red zone the block header sits in the object).
 * kmallocs of PAGE_SIZE - 8 bytes or more are page allocations, and with Z
 * also those whose header, request and 8-byte red zone do not fit a page
 * at the request's alignment (4081..4087 bytes, and 2048).
 */
static enum kmm_omodel_misuse_verdict misuse_slob_(const struct kmm_omodel *m, unsigned kind,
						   const struct kmm_omodel_obj *o, char *why, size_t len)
{
	unsigned d = obj_debug_(m, o);
	bool heap_kmalloc = o->kind == KMM_OMODEL_KMALLOC && o->size < KMM_PAGE_SIZE - 8 &&
			    (!(d & KMM_SLAB_RED_ZONE) || (o->size + 16 <= KMM_PAGE_SIZE && o->size != KMM_PAGE_SIZE / 2));
	bool cache_obj = o->kind == KMM_OMODEL_CACHE;

	switch (kind) {
	case KMM_OMODEL_MISUSE_DOUBLE_FREE:
		return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "SLOB's block map: the block is not allocated");
	case KMM_OMODEL_MISUSE_WRONG_CACHE:
		if (d & KMM_SLAB_CONSISTENCY_CHECKS)
			return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "F: SLOB's owner tag names another cache");
		return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "SLOB tells caches of one size apart only with F");
	case KMM_OMODEL_MISUSE_KFREE_INTERIOR:
		if (o->size >= 2 && o->kind != KMM_OMODEL_ZERO)
			return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "SLOB's block map: not a block start");
		return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "no interior");
	case KMM_OMODEL_MISUSE_WRITE_PAST_END:
		if (o->in_place)
			return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "shrunk in place: SLOB's red zone is past the old size");
		if ((heap_kmalloc || cache_obj) && o->size && (d & KMM_SLAB_RED_ZONE))
			return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "Z: the byte lands in SLOB's red zone");
		return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "no red zone (Z off, or a page allocation)");
	case KMM_OMODEL_MISUSE_WRITE_AFTER_FREE:
		if (o->size && (d & KMM_SLAB_POISON) && !obj_keeps_contents_(m, o) &&
		    (heap_kmalloc || (cache_obj && (d & KMM_SLAB_RED_ZONE))))
			return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "P: the byte lands in the heap's poison");
		return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "no poison there (P or Z off, ctor or RCU, pages)");
	default:
		return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "unknown misuse kind %u", kind);
	}
}

enum kmm_omodel_misuse_verdict kmm_omodel_misuse(const struct kmm_omodel *m, unsigned kind,
						 uint32_t handle, unsigned cache, bool aliased,
						 char *why, size_t len)
{
	const struct kmm_omodel_obj *o = kmm_omodel_obj(m, handle);
	const struct kmm_omodel_cache *c = kmm_omodel_cache(m, cache);

	switch (kind) {
	case KMM_OMODEL_MISUSE_KFREE_NON_SLAB:
		return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "a pointer in no slab and no large kmalloc");
	case KMM_OMODEL_MISUSE_DESTROY_BUSY:
		if (!c)
			return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "no such cache");
		if (aliased)
			return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "the cache is an alias: destroy drops a reference");
		if (!c->live)
			return VERDICT_(KMM_OMODEL_MISUSE_SILENT, "no live objects: a correct destroy");
		return VERDICT_(KMM_OMODEL_MISUSE_REPORT, "%u live object(s) on __kmem_cache_shutdown()", c->live);
	case KMM_OMODEL_MISUSE_WRONG_CACHE:
		if (!o || !c || c->dying)
			return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "no live object or no such cache");
		if (aliased || (o->kind == KMM_OMODEL_CACHE && o->cache == cache))
			return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "the object's own cache (or an alias of it)");
		break;
	default:
		if (!o)
			return VERDICT_(KMM_OMODEL_MISUSE_SKIP, "no live object h%u", handle);
		break;
	}
	if (o->kind == KMM_OMODEL_ZERO)
		return kind == KMM_OMODEL_MISUSE_DOUBLE_FREE
			       ? VERDICT_(KMM_OMODEL_MISUSE_SILENT, "kfree(ZERO_SIZE_PTR) twice does nothing")
			       : VERDICT_(KMM_OMODEL_MISUSE_SKIP, "ZERO_SIZE_PTR has no memory");
	if (m->backend == KMM_OMODEL_SLOB)
		return misuse_slob_(m, kind, o, why, len);
	return misuse_slub_slab_(m, kind, o, why, len);
}

size_t kmm_omodel_misuse_offset(const struct kmm_omodel_obj *obj, unsigned kind, uint32_t arg)
{
	size_t window;

	switch (kind) {
	case KMM_OMODEL_MISUSE_WRITE_PAST_END:
		/* calculate_sizes(): the right red zone runs from object_size to
		 * the next word, or a whole word when object_size is word aligned;
		 * a kmalloc object's tail past the request is red-zoned as well. */
		/* ksize is the class (SLUB, SLAB), or with Z on SLOB the request
		 * itself, whose red zone is 8 bytes and the unit rounding. */
		if (obj->kind == KMM_OMODEL_KMALLOC)
			window = (obj->ksize > obj->size ? obj->ksize - obj->size : 0) + 8;
		else
			window = obj->size % 8 ? 8 - obj->size % 8 : 8;
		return obj->size + arg % window;
	case KMM_OMODEL_MISUSE_KFREE_INTERIOR:
		return obj->size >= 2 ? 1 + arg % (obj->size - 1) : 0;
	case KMM_OMODEL_MISUSE_WRITE_AFTER_FREE:
	default:
		return obj->size ? arg % obj->size : 0;
	}
}
