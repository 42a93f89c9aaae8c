// SPDX-License-Identifier: MIT
/*
 * One op on both sides, and the checks that follow it at once.
 *
 * alloc_pages: the model resolves the request first (this is where the
 * interleave cursor moves), then the target allocates. NULL is judged by
 * kmm_model_must_succeed() ("alloc-failed"); a block by
 * kmm_model_judge_block() ("placement", "overlap", "alloc-succeeded"), its
 * address against PFN 0's address, then __GFP_ZERO ("zeroing"), and it gets
 * its pattern. free_pages: the pattern is verified before the target frees.
 * Each op ends with the touched zone's counters and the report counters.
 *
 * Misuse (the misused handle must be live, else the op is a no-op):
 *   double_free  a correct free, then the same free again;
 *   foreign_pfn  a struct page pointer (even arg) or an address (odd arg) of
 *                PFN total_pages + (arg >> 1) % 4096, outside the system;
 *   wrong_order  free the handle's page with op->order (bumped if equal);
 *   tail_page    free page head + arg (folded into 1..2^order-1), order 0;
 *   misaligned   free_pages_addr(address + arg folded into 1..4095).
 * Exactly one BAD_PAGE report must follow, and afterwards page_check is
 * clean, the misused block (when it still exists) keeps its pattern and
 * every zone's counters still match. Any other op must cause no BAD_PAGE
 * report at all. (Decoders emit misuse only under KMM_PROG_MISUSE; a misuse
 * op that gets here anyway is run and judged the same way.)
 *
 * Handles that are out of range, allocated twice or used while not live make
 * the op a no-op on both sides: decoders never produce them, and a
 * hand-written trace should not crash the harness.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "exec_internal.h"

/* Every function here runs an op on both sides and judges it: the op kinds
 * and outcomes its branches follow are the decoder's and libkmm's own edges
 * already, so no sanitizer-coverage instrumentation under clang's fuzzer
 * builds (see exec_internal.h); a judgement's branches are a pass, or a
 * fail that ends the run. */
EXEC_NO_COVERAGE_BEGIN

#define FOREIGN_PFN_SPAN 4096u

static struct exec_handle *handle_(struct exec *x, uint32_t id)
{
	return id && id <= x->nr_handles ? &x->handles[id] : NULL;
}

static void live_add_(struct exec *x, uint32_t id)
{
	struct exec_handle *h = &x->handles[id];

	h->live = true;
	if (!h->listed) { /* at most once: the list holds nr_handles ids at most */
		h->listed = true;
		x->live[x->nr_live++] = id;
	}
}

static void live_del_(struct exec *x, uint32_t id)
{
	x->handles[id].live = false; /* the next sweep drops it from the list */
}

void exec_live_sweep(struct exec *x)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < x->nr_live; i++) {
		uint32_t id = x->live[i];
		struct exec_handle *h = &x->handles[id];

		if (h->live)
			x->live[kept++] = id;
		else
			h->listed = false;
	}
	x->nr_live = kept;
}

static const char *verdict_check_(enum kmm_model_block v)
{
	switch (v) {
	case KMM_MODEL_BLOCK_OVERLAP:
		return "overlap";
	case KMM_MODEL_BLOCK_WATERMARK:
		return "alloc-succeeded";
	case KMM_MODEL_BLOCK_OK:
	case KMM_MODEL_BLOCK_OUTSIDE:
	case KMM_MODEL_BLOCK_MISALIGNED:
	case KMM_MODEL_BLOCK_ZONE:
	case KMM_MODEL_BLOCK_NODE:
	case KMM_MODEL_BLOCK_UNMANAGED:
	case KMM_MODEL_BLOCK_ORDER:
	default:
		return "placement";
	}
}

/* ---- alloc / free ------------------------------------------------------------- */

/* Counters of the zone an alloc or free touched (kmm_zone_info() is O(1)-ish:
 * libkmm keeps free-list lengths per order and migrate type). */
static int check_touched_zone_(struct exec *x, kmm_pfn_t pfn)
{
	const struct kmm_model_zone *z = kmm_model_pfn_zone(x->m, pfn);

	return z ? exec_check_zone(x, z->node, (enum kmm_zone_type)z->idx) : 0;
}

static int op_alloc_(struct exec *x, const struct kmm_op *op)
{
	struct exec_handle *h = handle_(x, op->handle);
	struct kmm_model_request rq = { .gfp = op->gfp, .order = op->order, .nid = op->node };
	const struct kmm_model_zone *zone;
	enum kmm_model_block verdict;
	struct kmm_page *page;
	unsigned char *addr;
	char why[640];
	kmm_pfn_t pfn;

	if (!h || h->live)
		return 0;
	kmm_model_prepare(x->m, &rq);
	if (op->node >= 0)
		page = x->t->alloc_pages_node(x->k, op->node, op->gfp, op->order);
	else
		page = x->t->alloc_pages(x->k, op->gfp, op->order);

	if (!page) {
		x->res->allocs_failed++;
		if (kmm_model_must_succeed(x->m, &rq, why, sizeof(why)))
			return exec_failf(x, "alloc-failed", "an allocation (it must succeed)",
					  "NULL, though %s", why);
		return exec_check_all_zones(x);
	}

	pfn = x->t->page_to_pfn(x->k, page);
	verdict = kmm_model_judge_block(x->m, &rq, pfn, exec_pcp_pages, x, why, sizeof(why));
	if (verdict != KMM_MODEL_BLOCK_OK)
		return exec_failf(x, verdict_check_(verdict),
				  verdict == KMM_MODEL_BLOCK_WATERMARK ? "NULL (the allocation must fail)"
								       : "a free block the request may use",
				  "pfn %" PRIu32 " order %u: %s", pfn, op->order, why);
	addr = x->t->page_address(x->k, page);
	if (!addr || addr != x->arena + (size_t)pfn * KMM_PAGE_SIZE)
		return exec_failf(x, "placement", "page_address(page) == arena + pfn * PAGE_SIZE",
				  "pfn %" PRIu32 " maps to %p, arena starts at %p", pfn, (void *)addr,
				  (void *)x->arena);

	zone = kmm_model_pfn_zone(x->m, pfn); /* judged OK: inside one zone */
	if (!zone)
		return exec_failf(x, "placement", "a block inside a zone", "pfn %" PRIu32, pfn);
	kmm_model_alloc(x->m, &rq, pfn, op->handle);
	h->page = page;
	h->pfn = pfn;
	h->order = op->order;
	h->gen = 0;
	live_add_(x, op->handle);
	x->res->allocs_ok++;

	if ((op->gfp & KMM___GFP_ZERO) && exec_check_zeroed(x, op->handle))
		return 1;
	exec_pattern_write(x, op->handle);
	return exec_check_zone(x, zone->node, (enum kmm_zone_type)zone->idx);
}

/* The correct free of a live handle: verify, free on both sides. */
static int free_handle_(struct exec *x, uint32_t id, const char *when)
{
	struct exec_handle *h = &x->handles[id];

	if (exec_pattern_verify(x, id, when))
		return 1;
	x->t->free_pages(x->k, h->page, h->order);
	kmm_model_free(x->m, h->pfn, h->order);
	live_del_(x, id);
	x->res->frees++;
	return 0;
}

static int op_free_(struct exec *x, const struct kmm_op *op)
{
	struct exec_handle *h = handle_(x, op->handle);
	if (!h || !h->live)
		return 0;
	if (free_handle_(x, op->handle, "before free"))
		return 1;
	return check_touched_zone_(x, h->pfn);
}

/* ---- misuse ---------------------------------------------------------------------- */

/* A page pointer or an address outside the system; false if neither can be made. */
static bool foreign_free_(const struct kmm_page_target *t, struct kmm *k, uint32_t arg, kmm_pfn_t total,
			  unsigned char *arena, uintptr_t stride)
{
	kmm_pfn_t pfn = total + (arg >> 1) % FOREIGN_PFN_SPAN;
	struct kmm_page *p0 = t->pfn_to_page(k, 0);

	if (((arg & 1) == 0 || !arena) && p0 && stride) {
		/* Computed, never dereferenced here: the target must range-check it. */
		t->free_pages(k, (struct kmm_page *)((uintptr_t)p0 + (uintptr_t)pfn * stride), 0);
		return true;
	}
	if (arena) {
		t->free_pages_addr(k, (void *)((uintptr_t)arena + (uintptr_t)pfn * KMM_PAGE_SIZE), 0);
		return true;
	}
	return false;
}

static unsigned wrong_order_(unsigned order, unsigned given)
{
	return given != order ? given : (order + 1) % KMM_NR_ORDERS;
}

static uint32_t tail_index_(unsigned order, uint32_t arg)
{
	uint32_t n = (1u << order) - 1; /* tail pages: 1..n */

	return arg >= 1 && arg <= n ? arg : 1 + arg % n;
}

static uint32_t misaligned_offset_(uint32_t arg)
{
	return arg >= 1 && arg < KMM_PAGE_SIZE ? arg : 1 + arg % (KMM_PAGE_SIZE - 1);
}

static int op_misuse_(struct exec *x, const struct kmm_op *op)
{
	struct exec_handle *h = handle_(x, op->handle);
	bool live = h && h->live, block_stays = false;
	uint64_t expect = 1;

	switch (op->mode) {
	case KMM_MISUSE_DOUBLE_FREE:
		if (!live) {
			expect = 0;
			break;
		}
		if (free_handle_(x, op->handle, "before the first free of a double free"))
			return 1;
		x->t->free_pages(x->k, h->page, h->order);
		break;
	case KMM_MISUSE_FOREIGN_PFN:
		if (!foreign_free_(x->t, x->k, op->arg, x->total_pages, x->arena, x->page_stride))
			expect = 0;
		break;
	case KMM_MISUSE_WRONG_ORDER:
		if (!live) {
			expect = 0;
			break;
		}
		x->t->free_pages(x->k, h->page, wrong_order_(h->order, op->order));
		block_stays = true;
		break;
	case KMM_MISUSE_TAIL_PAGE: {
		struct kmm_page *tail;

		if (!live || h->order == 0) {
			expect = 0;
			break;
		}
		tail = x->t->pfn_to_page(x->k, h->pfn + tail_index_(h->order, op->arg));
		if (!tail)
			return exec_failf(x, "api", "pfn_to_page() of a page inside a live block",
					  "NULL for pfn %" PRIu32, h->pfn + tail_index_(h->order, op->arg));
		x->t->free_pages(x->k, tail, 0);
		block_stays = true;
		break;
	}
	case KMM_MISUSE_MISALIGNED:
		if (!live) {
			expect = 0;
			break;
		}
		x->t->free_pages_addr(x->k, exec_handle_addr(x, h) + misaligned_offset_(op->arg), h->order);
		block_stays = true;
		break;
	default:
		expect = 0; /* an unknown kind does nothing */
		break;
	}

	if (exec_check_reports(x, expect, true))
		return 1;
	if (!expect)
		return 0;
	/* Reported and survived: the state must still be whole. */
	if (x->t->page_check(x->k) != 0)
		return exec_failf(x, "page_check", "kmm_page_check() == 0 after a reported misuse",
				  "violations found (reported above)");
	x->check_reports = x->t->report_count(x->k, KMM_REPORT_CHECK);
	if (block_stays && exec_pattern_verify(x, op->handle, "after a misuse of its block"))
		return 1;
	return exec_check_all_zones(x);
}

/* ---- the rest ---------------------------------------------------------------------- */

static int op_set_cpu_(struct exec *x, const struct kmm_op *op)
{
	int want = kmm_model_set_cpu(x->m, op->cpu);
	int got = x->t->set_cpu(x->k, op->cpu);

	if (want != got) {
		char exp[64];

		snprintf(exp, sizeof(exp), "set_cpu(%u) returns %d", op->cpu, want);
		return exec_failf(x, "api", exp, "it returned %d", got);
	}
	return 0;
}

static int op_set_policy_(struct exec *x, const struct kmm_op *op)
{
	const uint8_t *w = op->mode == KMM_MPOL_WEIGHTED_INTERLEAVE ? op->weights : NULL;
	int want = kmm_model_set_policy(x->m, (enum kmm_mpol_mode)op->mode, op->nodes, w);
	int got = x->t->set_mempolicy(x->k, (enum kmm_mpol_mode)op->mode, op->nodes, w);

	if (want != got) {
		char exp[96];

		snprintf(exp, sizeof(exp), "set_mempolicy(mode %u, nodes 0x%" PRIx32 ") returns %d",
			 op->mode, op->nodes, want);
		return exec_failf(x, "api", exp, "it returned %d", got);
	}
	return 0;
}

static void drain_(const struct kmm_page_target *t, struct kmm *k, unsigned cpu, unsigned cur,
		   unsigned nr_cpus)
{
	if (cpu == KMM_DRAIN_ALL) {
		t->drain_all_pages(k);
	} else if (cpu < nr_cpus) {
		t->set_cpu(k, cpu);
		t->drain_local_pages(k);
		t->set_cpu(k, cur);
	}
}

static int exec_page_op_(struct exec *x, const struct kmm_op *op, struct exec_handle *h);

int exec_op(struct exec *x, const struct kmm_op *op)
{
	struct exec_handle *h = handle_(x, op->handle);
	int rc = 0;

	/* Every op but write / verify / check calls the target. */
	x->dirty |= op->code != KMM_OP_WRITE && op->code != KMM_OP_VERIFY && op->code != KMM_OP_CHECK;
	/* Object allocator ops, slab misuse and object handles: exec_slab.c. */
	if (op->code >= KMM_OP_CACHE_CREATE || (op->code == KMM_OP_MISUSE && op->mode >= KMM_MISUSE_OBJ_DOUBLE_FREE))
		return exec_slab_op(x, op);
	if ((op->code == KMM_OP_WRITE || op->code == KMM_OP_VERIFY) && exec_slab_is_object(x, op->handle))
		return op->code == KMM_OP_WRITE ? exec_slab_write(x, op->handle)
						: exec_slab_verify(x, op->handle, "at a verify op");
	exec_slab_page_op(x, true); /* the page calls below are not the slab layer's */
	rc = exec_page_op_(x, op, h);
	exec_slab_page_op(x, false);
	return rc;
}

/* A page-allocator op (the program's own page calls). */
static int exec_page_op_(struct exec *x, const struct kmm_op *op, struct exec_handle *h)
{
	int rc = 0;

	switch (op->code) {
	case KMM_OP_ALLOC_PAGES:
		rc = op_alloc_(x, op);
		break;
	case KMM_OP_FREE_PAGES:
		rc = op_free_(x, op);
		break;
	case KMM_OP_WRITE: /* the target is not called: nothing it could report */
		if (h && h->live) {
			h->gen++;
			exec_pattern_write(x, op->handle);
		}
		return 0;
	case KMM_OP_VERIFY:
		if (h && h->live)
			return exec_pattern_verify(x, op->handle, "at a verify op");
		return 0;
	case KMM_OP_SET_CPU:
		rc = op_set_cpu_(x, op);
		break;
	case KMM_OP_SET_POLICY:
		rc = op_set_policy_(x, op);
		break;
	case KMM_OP_DRAIN:
		drain_(x->t, x->k, op->cpu, kmm_model_current_cpu(x->m), kmm_model_nr_cpus(x->m));
		rc = exec_check_all_zones(x);
		break;
	case KMM_OP_MISUSE:
		return op_misuse_(x, op); /* checks its own reports */
	case KMM_OP_CHECK:
	default:
		break; /* CHECK: the run loop does the full check */
	}
	if (rc)
		return rc;
	return exec_check_reports(x, 0, false);
}

/* ---- prefetch (big programs) ---------------------------------------------------------- */

/*
 * A free or a verify reads the handle's pattern words back: cold lines of a
 * block written long before, one cache miss per op that the checked run
 * pays and the raw run does not. Op i + EXEC_PREFETCH_AHEAD's words are
 * asked for while op i runs; its handle's entry was asked for one distance
 * earlier still, so computing the address does not wait for a miss either.
 * Hints only: a handle that changes in between just wastes one.
 */
#define EXEC_PREFETCH_AHEAD 4u

void exec_prefetch(struct exec *x, uint32_t i)
{
	const struct kmm_op *op;
	const struct exec_handle *h;
	uint32_t j = i + EXEC_PREFETCH_AHEAD;

	if (j + EXEC_PREFETCH_AHEAD < x->nr_ops) {
		op = &x->ops[j + EXEC_PREFETCH_AHEAD];
		if (op->handle && op->handle <= x->nr_handles)
			__builtin_prefetch(&x->handles[op->handle]);
	}
	if (j >= x->nr_ops)
		return;
	op = &x->ops[j];
	if (op->code != KMM_OP_FREE_PAGES && op->code != KMM_OP_VERIFY)
		return;
	h = handle_(x, op->handle);
	if (h && h->live)
		exec_pattern_prefetch(x, h);
}

/* ---- the raw run: the same calls, nothing checked ---------------------------------- */

void exec_op_raw(struct kmm *k, struct exec_handle *handles, uint32_t nr_handles,
		 const struct kmm_op *op, kmm_pfn_t total_pages)
{
	const struct kmm_page_target *t = kmm_page_target_libkmm();
	struct exec_handle *h = op->handle && op->handle <= nr_handles ? &handles[op->handle] : NULL;

	switch (op->code) {
	case KMM_OP_ALLOC_PAGES:
		if (!h || h->live)
			break;
		if (op->node >= 0)
			h->page = kmm_alloc_pages_node(k, op->node, op->gfp, op->order);
		else
			h->page = kmm_alloc_pages(k, op->gfp, op->order);
		h->order = op->order;
		h->live = h->page != NULL;
		break;
	case KMM_OP_FREE_PAGES:
		if (h && h->live) {
			kmm_free_pages(k, h->page, h->order);
			h->live = false;
		}
		break;
	case KMM_OP_SET_CPU:
		kmm_set_cpu(k, op->cpu);
		break;
	case KMM_OP_SET_POLICY:
		kmm_set_mempolicy(k, (enum kmm_mpol_mode)op->mode, op->nodes,
				  op->mode == KMM_MPOL_WEIGHTED_INTERLEAVE ? op->weights : NULL);
		break;
	case KMM_OP_DRAIN:
		drain_(t, k, op->cpu, kmm_current_cpu(k), kmm_nr_cpus(k));
		break;
	case KMM_OP_MISUSE:
		if (op->mode == KMM_MISUSE_FOREIGN_PFN) {
			struct kmm_page *p0 = kmm_pfn_to_page(k, 0), *p1 = kmm_pfn_to_page(k, 1);

			foreign_free_(t, k, op->arg, total_pages, kmm_arena_base(k),
				      p0 && p1 ? (uintptr_t)p1 - (uintptr_t)p0 : 0);
			break;
		}
		if (!h || !h->live)
			break;
		if (op->mode == KMM_MISUSE_DOUBLE_FREE) {
			kmm_free_pages(k, h->page, h->order);
			kmm_free_pages(k, h->page, h->order);
			h->live = false;
		} else if (op->mode == KMM_MISUSE_WRONG_ORDER) {
			kmm_free_pages(k, h->page, wrong_order_(h->order, op->order));
		} else if (op->mode == KMM_MISUSE_TAIL_PAGE && h->order) {
			kmm_free_pages(k, kmm_pfn_to_page(k, kmm_page_to_pfn(k, h->page) +
							      tail_index_(h->order, op->arg)), 0);
		} else if (op->mode == KMM_MISUSE_MISALIGNED) {
			kmm_free_pages_addr(k, (unsigned char *)kmm_page_address(k, h->page) +
						       misaligned_offset_(op->arg), h->order);
		}
		break;
	case KMM_OP_WRITE:
	case KMM_OP_VERIFY:
	case KMM_OP_CHECK:
	default:
		break;
	}
}

EXEC_NO_COVERAGE_END
