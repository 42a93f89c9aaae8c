// SPDX-License-Identifier: MIT
/*
 * Checks on the objects of a slab program: what a new object must look
 * like, what every live object must still hold, and what the system must
 * look like at a full check and after the teardown.
 *
 * Patterns. Every live object carries bytes derived from its handle and
 * generation, so an overlapping allocation, a freelist pointer or poison
 * written into a live object, or a krealloc that loses its prefix reads
 * wrong. Objects up to 512 bytes are patterned whole (1..7-byte objects
 * included); larger ones sample their first and last 64 bytes and one
 * word about every 1/64th in between, so a 64 KiB kmalloc costs ~650
 * stores. Bytes come from splitmix64 over (handle, generation, offset / 8).
 *
 * Ctor. Caches created with a ctor get a harness ctor that writes a fixed
 * 8-byte magic (min(size, 8) bytes for smaller objects). The executor puts
 * the magic back before every free of such an object, as the kernel
 * requires of ctor-cache users, so every allocation from a ctor cache must
 * show it, whether the slot is new (ctor ran) or reused (ctor state kept).
 *
 * Report accounting after every slab op: a CHECK report is a structural
 * violation the library found ("slab_check"); a SLAB report is allowed
 * only where the op was a misuse the model says is detected ("slab-bug"
 * otherwise), and required there ("slab-misuse"); a BAD_PAGE report never.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "exec_slab.h"

/* Every function here judges the target against the model: no
 * sanitizer-coverage instrumentation under clang's fuzzer builds (a check's
 * branches are a pass, or a fail that ends the run, so they guide nothing,
 * and their edges and per-byte pattern loops are features libFuzzer books
 * on every execution; see KMM_NO_COVERAGE in allocators/page/internal.h).
 * The library calls made from here keep their own coverage. */
EXEC_NO_COVERAGE_BEGIN

#define FULL_PATTERN_MAX 512u /* objects up to this are patterned whole */
#define EDGE_BYTES 64u
#define MAX_SAMPLES 64u

static const uint8_t ctor_magic[8] = { 0xc7, 0x0b, 0x3e, 0x91, 0x5d, 0xa2, 0x64, 0xf8 };

/* One ctor per object size below 8 (the ctor gets no size). */
#define CTOR_(n)                                    \
	static void ctor_##n##_(void *obj)          \
	{                                           \
		memcpy(obj, ctor_magic, n);         \
	}
CTOR_(1)
CTOR_(2)
CTOR_(3)
CTOR_(4)
CTOR_(5)
CTOR_(6)
CTOR_(7)
CTOR_(8)

void (*exec_slab_ctor_for(unsigned size))(void *obj)
{
	static void (*const fns[8])(void *) = { ctor_1_, ctor_2_, ctor_3_, ctor_4_,
						ctor_5_, ctor_6_, ctor_7_, ctor_8_ };

	return fns[(size >= 8 ? 8 : (size ? size : 1)) - 1];
}

bool exec_slab_has_magic(const void *ptr, size_t size)
{
	return memcmp(ptr, ctor_magic, size < 8 ? size : 8) == 0;
}

void exec_slab_restore_ctor(struct exec *x, uint32_t handle)
{
	struct exec_slab *xs = x->slab;
	const struct kmm_omodel_obj *o = kmm_omodel_obj(xs->om, handle);
	const struct kmm_omodel_cache *c;

	if (!o || o->kind != KMM_OMODEL_CACHE)
		return;
	c = kmm_omodel_cache(xs->om, o->cache);
	if (c && c->ctor)
		memcpy(xs->objs[handle].ptr, ctor_magic, o->size < 8 ? o->size : 8);
}

/* ---- patterns ----------------------------------------------------------------- */

static uint64_t mix64_(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t base_(uint32_t handle, uint32_t gen)
{
	return mix64_(((uint64_t)handle << 32 | gen) ^ 0x6f626a2d70617474ull);
}

/* The sampled ranges of an object of `size` bytes: [r[i][0], r[i][1]). */
static unsigned ranges_(size_t size, size_t r[][2])
{
	size_t stride, off;
	unsigned n = 0;

	if (size <= FULL_PATTERN_MAX) {
		r[0][0] = 0;
		r[0][1] = size;
		return size ? 1 : 0;
	}
	r[n][0] = 0;
	r[n++][1] = EDGE_BYTES;
	stride = (size / MAX_SAMPLES + 7) & ~(size_t)7;
	if (stride < FULL_PATTERN_MAX)
		stride = FULL_PATTERN_MAX;
	for (off = stride; off + 8 <= size - EDGE_BYTES; off += stride) {
		r[n][0] = off;
		r[n++][1] = off + 8;
	}
	r[n][0] = size - EDGE_BYTES;
	r[n++][1] = size;
	return n;
}

#define MAX_RANGES (MAX_SAMPLES + 4)

void exec_slab_pattern_put(void *ptr, size_t size, uint32_t handle, uint32_t gen)
{
	size_t r[MAX_RANGES][2];
	unsigned n = ranges_(size, r);
	uint64_t base = base_(handle, gen), w = 0;
	uint8_t *p = ptr;

	for (unsigned i = 0; i < n; i++)
		for (size_t off = r[i][0]; off < r[i][1]; off++) {
			if (off == r[i][0] || off % 8 == 0)
				w = mix64_(base + off / 8);
			p[off] = (uint8_t)(w >> (off % 8 * 8));
		}
}

int exec_slab_pattern_check(struct exec *x, const char *check, uint32_t handle, const void *ptr,
			    size_t size, uint32_t gen, size_t limit, const char *when)
{
	size_t r[MAX_RANGES][2];
	unsigned n = ranges_(size, r);
	uint64_t base = base_(handle, gen), w = 0;
	const uint8_t *p = ptr;

	for (unsigned i = 0; i < n; i++)
		for (size_t off = r[i][0]; off < r[i][1] && off < limit; off++) {
			uint8_t want;
			char exp[200];

			if (off == r[i][0] || off % 8 == 0)
				w = mix64_(base + off / 8);
			want = (uint8_t)(w >> (off % 8 * 8));
			if (p[off] == want)
				continue;
			snprintf(exp, sizeof(exp), "h%" PRIu32 " (%zu bytes, generation %" PRIu32 ") intact %s: "
				 "byte %zu is 0x%02x", handle, size, gen, when, off, want);
			return exec_failf(x, check, exp, "0x%02x", p[off]);
		}
	return 0;
}

size_t exec_slab_first_nonzero(const void *ptr, size_t size)
{
	const uint8_t *p = ptr;

	for (size_t i = 0; i < size; i++)
		if (p[i])
			return i;
	return size;
}

bool exec_slab_is_object(const struct exec *x, uint32_t handle)
{
	return x->slab && handle && handle <= x->nr_handles && x->slab->objs[handle].live;
}

int exec_slab_write(struct exec *x, uint32_t handle)
{
	struct exec_slab *xs = x->slab;
	const struct kmm_omodel_obj *o = kmm_omodel_obj(xs->om, handle);

	if (!o)
		return 0;
	xs->objs[handle].gen++;
	exec_slab_pattern_put(xs->objs[handle].ptr, o->kind == KMM_OMODEL_ZERO ? 0 : o->size, handle,
			      xs->objs[handle].gen);
	return 0;
}

int exec_slab_verify(struct exec *x, uint32_t handle, const char *when)
{
	struct exec_slab *xs = x->slab;
	const struct kmm_omodel_obj *o = kmm_omodel_obj(xs->om, handle);

	if (!o || o->kind == KMM_OMODEL_ZERO)
		return 0;
	return exec_slab_pattern_check(x, "slab-content", handle, xs->objs[handle].ptr, o->size,
				       xs->objs[handle].gen, o->size, when);
}

/* ---- a new object ------------------------------------------------------------------- */

static const char *verdict_check_(enum kmm_omodel_verdict v)
{
	switch (v) {
	case KMM_OMODEL_MISALIGNED:
		return "slab-align";
	case KMM_OMODEL_KSIZE:
		return "ksize";
	case KMM_OMODEL_ZERO_PTR:
		return "slab-api";
	case KMM_OMODEL_OUTSIDE:
	case KMM_OMODEL_OVERLAP:
	case KMM_OMODEL_NOT_SLAB:
	case KMM_OMODEL_OK:
	default:
		return "slab-overlap";
	}
}

static const char *kind_name_(uint8_t kind)
{
	switch (kind) {
	case KMM_OMODEL_CACHE:
		return "cache object";
	case KMM_OMODEL_KMALLOC:
		return "kmalloc";
	case KMM_OMODEL_LARGE:
		return "large kmalloc";
	case KMM_OMODEL_ZERO:
		return "kmalloc(0)";
	default:
		return "?";
	}
}

/* The cache an object must be found in (virt_to_cache), per backend.
 * *also: a second answer that is right too (SLOB: a cache object lies in
 * the shared heap, whose pages name no cache, or in pages of its own). */
static struct kmm_cache *expected_owner_(struct exec *x, const struct kmm_omodel_obj *want, struct kmm_cache *s,
					 kmm_gfp_t gfp, struct kmm_cache **also, bool exact)
{
	struct exec_slab *xs = x->slab;

	*also = NULL;
	if (exact) /* krealloc in place: where the old object was */
		return s;
	if (xs->backend == KMM_OMODEL_SLOB) {
		if (want->kind == KMM_OMODEL_CACHE)
			*also = s;
		return NULL;
	}
	switch (want->kind) {
	case KMM_OMODEL_CACHE:
		return s;
	case KMM_OMODEL_KMALLOC:
		return xs->st->kmalloc_cache(x->k, want->size, gfp);
	case KMM_OMODEL_LARGE:
	default:
		return NULL;
	}
}

/*
 * ksize() of an object on a debug cache is not free of effects: the kernel
 * (and libkmm) let the caller use the whole slot from then on, dropping the
 * red zone past a kmalloc request. Asking at allocation would hide the very
 * overwrite write_past_end makes, so objects with red zones have their
 * ksize checked at free instead (exec_slab_check_ksize).
 */
static bool ksize_later_(const struct exec *x, const struct kmm_omodel_obj *want)
{
	const struct exec_slab *xs = x->slab;
	unsigned debug = x->hdr->slab_debug;

	if (xs->backend == KMM_OMODEL_SLOB)
		return false; /* SLOB's ksize checks its red zone and changes nothing */
	if (want->kind == KMM_OMODEL_CACHE) {
		const struct kmm_omodel_cache *c = kmm_omodel_cache(xs->om, want->cache);

		debug = c ? c->debug : 0;
	} else if (want->kind != KMM_OMODEL_KMALLOC) {
		return false;
	}
	return (debug & KMM_SLAB_RED_ZONE) != 0;
}

/* What ksize must say (where the model pins one value). */
static size_t expected_ksize_(const struct exec_slab *xs, const struct kmm_omodel_obj *want)
{
	if (want->kind == KMM_OMODEL_KMALLOC && xs->backend != KMM_OMODEL_SLOB)
		return kmm_omodel_kmalloc_class(want->size);
	if (want->kind == KMM_OMODEL_LARGE)
		return (size_t)KMM_PAGE_SIZE << kmm_omodel_get_order(want->size);
	return want->size;
}

int exec_slab_check_ksize(struct exec *x, uint32_t handle)
{
	struct exec_slab *xs = x->slab;
	const struct kmm_omodel_obj *o = kmm_omodel_obj(xs->om, handle);
	size_t ks;
	char why[240];

	if (!o || !xs->objs[handle].ksize_later)
		return 0;
	ks = xs->st->ksize(x->k, xs->objs[handle].ptr);
	if (kmm_omodel_ksize_ok(xs->backend, o, ks, why, sizeof(why)) ||
	    (xs->objs[handle].ksize_alt && ks == xs->objs[handle].ksize_alt))
		return 0;
	return exec_failf(x, "ksize", "ksize() as the model says (asked before the object's free)", "h%" PRIu32 ": %s",
			  handle, why);
}

int exec_slab_take_object(struct exec *x, uint32_t handle, const struct kmm_omodel_obj *want, void *ptr,
			  struct kmm_cache *s, kmm_gfp_t gfp, size_t alt_ksize)
{
	struct exec_slab *xs = x->slab;
	struct kmm_omodel_obj obj = *want;
	enum kmm_omodel_verdict v;
	struct kmm_cache *owner = NULL, *must_owner, *also;
	size_t ksize = 0;
	bool later = ksize_later_(x, want);
	char why[480];

	if (later || (want->kind == KMM_OMODEL_CACHE && xs->backend == KMM_OMODEL_SLOB))
		/* judged at free, or never (SLOB cache objects) */
		ksize = alt_ksize ? alt_ksize : expected_ksize_(xs, want);
	else
		ksize = xs->st->ksize(x->k, ptr);
	v = kmm_omodel_judge(xs->om, x->m, want, (uintptr_t)ptr, ksize, 0, why, sizeof(why));
	if (v == KMM_OMODEL_KSIZE && alt_ksize && ksize == alt_ksize)
		v = KMM_OMODEL_OK;
	if (v != KMM_OMODEL_OK) {
		char exp[160];

		snprintf(exp, sizeof(exp), "h%" PRIu32 ": a %s of %zu bytes the model accepts", handle,
			 kind_name_(want->kind), want->size);
		return exec_failf(x, verdict_check_(v), exp, "%s", why);
	}
	if (want->kind != KMM_OMODEL_ZERO) {
		owner = xs->st->virt_to_cache(x->k, ptr);
		must_owner = expected_owner_(x, want, s, gfp, &also, alt_ksize != 0);
		if (owner != must_owner && (!also || owner != also)) {
			char exp[160];

			snprintf(exp, sizeof(exp), "h%" PRIu32 " (%s of %zu bytes) in a slab page of %s", handle,
				 kind_name_(want->kind), want->size,
				 must_owner ? kmm_cache_name(must_owner) : "no cache (a page allocation)");
			return exec_failf(x, "slab-owner", exp, "virt_to_cache() says %s",
					  owner ? kmm_cache_name(owner) : "no slab page");
		}
		if (want->zeroed) {
			size_t at = exec_slab_first_nonzero(ptr, want->size);

			if (at != want->size)
				return exec_failf(x, "slab-zeroing", "zeroed memory (kzalloc / kcalloc / __GFP_ZERO)",
						  "h%" PRIu32 ": byte %zu of %zu is 0x%02x", handle, at, want->size,
						  ((const uint8_t *)ptr)[at]);
		}
		if (want->ctor && !exec_slab_has_magic(ptr, want->size)) {
			const uint8_t *p = ptr;

			return exec_failf(x, "ctor", "an object of a ctor cache starts with the ctor's magic "
					  "c7 0b 3e 91 5d a2 64 f8",
					  "h%" PRIu32 " starts %02x %02x %02x %02x %02x %02x %02x %02x", handle, p[0],
					  want->size > 1 ? p[1] : 0, want->size > 2 ? p[2] : 0, want->size > 3 ? p[3] : 0,
					  want->size > 4 ? p[4] : 0, want->size > 5 ? p[5] : 0, want->size > 6 ? p[6] : 0,
					  want->size > 7 ? p[7] : 0);
		}
	}
	obj.addr = (uintptr_t)ptr;
	obj.ksize = ksize;
	kmm_omodel_add(xs->om, handle, &obj);
	xs->objs[handle].ptr = ptr;
	xs->objs[handle].owner = want->kind == KMM_OMODEL_CACHE ? s : owner;
	xs->objs[handle].live = true;
	xs->objs[handle].ksize_later = later;
	xs->objs[handle].ksize_alt = alt_ksize;
	x->res->allocs_ok++;
	exec_slab_pattern_put(ptr, want->kind == KMM_OMODEL_ZERO ? 0 : want->size, handle, xs->objs[handle].gen);
	return 0;
}

/* ---- after every op ------------------------------------------------------------------ */

/*
 * Slab pages come from the task's policy like the kernel's (alloc_pages()
 * when no node is asked for), so under an interleave policy they move the
 * system's interleave cursor, failed attempts included (SLUB tries a
 * higher order first), which the tracepoints cannot see. After every slab
 * op the policy is installed again on both sides, which puts both cursors
 * back at their start: the page ops that follow are judged exactly.
 */
static void resync_interleave_(struct exec *x)
{
	const struct kmm_model_policy *pol = kmm_model_policy(x->m);
	enum kmm_mpol_mode mode = pol->mode;
	kmm_nodemask_t nodes = pol->nodes;
	uint8_t weights[KMM_MAX_NODES];

	if (mode != KMM_MPOL_INTERLEAVE && mode != KMM_MPOL_WEIGHTED_INTERLEAVE)
		return;
	memcpy(weights, pol->weights, sizeof(weights));
	kmm_model_set_policy(x->m, mode, nodes, weights);
	x->t->set_mempolicy(x->k, mode, nodes, weights);
}

int exec_slab_after_op(struct exec *x, enum exec_slab_expect expect, const char *why)
{
	struct exec_slab *xs = x->slab;
	uint64_t slab = x->t->report_count(x->k, KMM_REPORT_SLAB);
	uint64_t chk = x->t->report_count(x->k, KMM_REPORT_CHECK);
	uint64_t delta = slab - xs->slab_reports;

	xs->slab_reports = slab;
	if (x->mismatch)
		return 1; /* a tracepoint hook already failed */
	if (chk != x->check_reports) {
		uint64_t n = chk - x->check_reports;

		x->check_reports = chk;
		return exec_failf(x, "slab_check", "no invariant violation reported by the library",
				  "%" PRIu64 " KMM_REPORT_CHECK report(s) during the op", n);
	}
	switch (expect) {
	case EXPECT_NO_MISUSE:
		if (delta)
			return exec_failf(x, "slab-bug", "no KMM_REPORT_SLAB report (no misuse happened)",
					  "%" PRIu64 " slab report(s)", delta);
		break;
	case EXPECT_SILENT:
		if (delta)
			return exec_failf(x, "slab-misuse", why ? why : "no report",
					  "%" PRIu64 " slab report(s), though it is no misuse here", delta);
		break;
	case EXPECT_REPORT:
		if (!delta)
			return exec_failf(x, "slab-misuse", why ? why : "a slab report",
					  "no KMM_REPORT_SLAB report");
		x->res->misuses_reported += delta;
		break;
	}
	if (exec_check_reports(x, 0, expect != EXPECT_NO_MISUSE))
		return 1;
	resync_interleave_(x);
	return exec_check_all_zones(x);
}

/* ---- full check ------------------------------------------------------------------------ */

static int held_pages_(struct exec *x, const char *check, uint64_t want_target)
{
	struct exec_slab *xs = x->slab;
	uint64_t have = xs->st->slab_pages(x->k);

	if (have == want_target)
		return 0;
	return exec_failf(x, check, "kmm_slab_pages() == the pages of the blocks the slab layer holds",
			  "%" PRIu64 " pages, while the tracepoints saw %" PRIu64 " held in %" PRIu64 " block(s)",
			  have, xs->held_pages, xs->held_blocks);
}

static int slab_check_(struct exec *x, const char *when)
{
	struct exec_slab *xs = x->slab;
	long v = xs->st->slab_check(x->k);
	char exp[96];

	x->check_reports = x->t->report_count(x->k, KMM_REPORT_CHECK);
	if (v == 0)
		return 0;
	snprintf(exp, sizeof(exp), "kmm_slab_check() == 0 %s", when);
	return exec_failf(x, "slab_check", exp, "%ld violation(s) (reported through the sink)", v);
}

/* Objects freed from TYPESAFE_BY_RCU caches since the last grace period:
 * still in a slab page of their cache. A slab libkmm has emptied waits for
 * the grace period on ss->rcu_pending with PG_slab already cleared (the
 * kernel keeps it until rcu_free_slab): such a page is accepted as long as
 * the slab layer still holds it, which the tracepoints prove (and tp_free_
 * fails any RCU-pending object's page given back early). */
static int rcu_objects_(struct exec *x)
{
	struct exec_slab *xs = x->slab;
	uint32_t n = kmm_omodel_rcu_count(xs->om);

	if (xs->backend == KMM_OMODEL_SLOB)
		return 0; /* shared pages: the tracepoint check covers SLOB (no page freed early) */
	for (uint32_t i = 0; i < n; i++) {
		const struct kmm_omodel_rcu_obj *r = kmm_omodel_rcu_get(xs->om, i);
		struct kmm_cache *want = xs->caches[r->cache].s;
		struct kmm_cache *have = xs->st->virt_to_cache(x->k, (const void *)r->addr);

		if (have == want)
			continue;
		if (!have && kmm_model_find_overlap(x->m, (kmm_pfn_t)((r->addr - (uintptr_t)x->arena) / KMM_PAGE_SIZE),
						    0) == KMM_OMODEL_SLAB_OWNER)
			continue; /* on the RCU-pending list: see above */
		return exec_failf(x, "rcu", "an object freed from a TYPESAFE_BY_RCU cache stays in a slab page "
				  "of that cache until the next grace period",
				  "arena offset 0x%tx (cache %u) is now in %s", (ptrdiff_t)(r->addr - (uintptr_t)x->arena),
				  r->cache, have ? kmm_cache_name(have) : "no slab page");
	}
	return 0;
}

int exec_slab_full_check(struct exec *x)
{
	struct exec_slab *xs = x->slab;
	uint64_t slab;

	if (!xs)
		return 0;
	if (slab_check_(x, "at a full check"))
		return 1;
	for (uint32_t h = 1; h <= x->nr_handles; h++)
		if (xs->objs[h].live && exec_slab_verify(x, h, "at a full check"))
			return 1;
	if (rcu_objects_(x) || held_pages_(x, "slab-pages", xs->base_pages + xs->held_pages))
		return 1;
	slab = x->t->report_count(x->k, KMM_REPORT_SLAB);
	if (slab != xs->slab_reports) {
		uint64_t n = slab - xs->slab_reports;

		xs->slab_reports = slab;
		return exec_failf(x, "slab-bug", "no KMM_REPORT_SLAB report (no misuse happened)",
				  "%" PRIu64 " slab report(s) during the full check", n);
	}
	return 0;
}

/* ---- teardown ----------------------------------------------------------------------------- */

int exec_slab_teardown(struct exec *x)
{
	struct exec_slab *xs = x->slab;

	if (!xs)
		return 0;
	/* In handle order, so the run is the same whatever happened before. */
	for (uint32_t h = 1; h <= x->nr_handles; h++)
		if (xs->objs[h].live && exec_slab_free_object(x, h, "before the teardown free"))
			return 1;
	if (exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL))
		return 1;
	kmm_omodel_rcu_barrier(xs->om);
	xs->st->rcu_barrier(x->k);
	for (unsigned id = EXEC_SLAB_MAX_CACHES; id-- > 1;) {
		struct exec_cache *c = &xs->caches[id];
		int rc;

		if (!c->live)
			continue;
		rc = xs->st->cache_destroy(x->k, c->s);
		c->live = false;
		kmm_omodel_cache_gone(xs->om, id);
		if (rc != 0)
			return exec_failf(x, "slab-teardown", "kmm_cache_destroy() == 0 once every object is freed",
					  "%d for cache %u (%s)", rc, id, kmm_cache_name(c->s));
	}
	xs->st->shrink_all(x->k);
	xs->st->rcu_barrier(x->k);
	if (exec_slab_after_op(x, EXPECT_NO_MISUSE, NULL) || slab_check_(x, "after the teardown"))
		return 1;
	if (xs->held_pages) {
		kmm_pfn_t first = 0;

		for (kmm_pfn_t p = 0; p < x->total_pages; p++)
			if (xs->block[p]) {
				first = p;
				break;
			}
		return exec_failf(x, "slab-teardown",
				  "no slab pages once every object is freed, every cache destroyed, every "
				  "cache shrunk and a grace period passed",
				  "%" PRIu64 " page(s) in %" PRIu64 " block(s) still held (the first at pfn %" PRIu32
				  " order %u)", xs->held_pages, xs->held_blocks, first,
				  xs->block[first] ? xs->block[first] - 1u : 0u);
	}
	if (held_pages_(x, "slab-teardown", xs->base_pages))
		return 1;
	xs->done = true; /* the page handles' teardown frees are not slab events */
	return 0;
}

EXEC_NO_COVERAGE_END
