// SPDX-License-Identifier: MIT
/*
 * The executor: one program, run on the system under test (through struct
 * kmm_page_target) and on the reference model (reference/page_model.h) side
 * by side, compared after every op.
 *
 * A run:
 *   1. build the config from the header (kmm_program_config), turn the
 *      watermark boost off (the model's watermark bounds assume unboosted
 *      marks), install our report sink, create the system and the model;
 *      check the layout, watermarks and lowmem protection against the model
 *      ("layout", "watermarks");
 *   2. each op runs on both sides and is checked at once (check_ops.c):
 *      result class ("alloc-failed" / "alloc-succeeded"), placement
 *      ("placement": arena, alignment, zone, node, managed pages, node walk
 *      order / interleave target), "overlap" with live blocks, the touched
 *      zone's free + pcp pages against the model ("counters"), contents
 *      ("content", "zeroing"), set_cpu / set_mempolicy return values
 *      ("api"), and the target's report counters: a MISUSE op must raise
 *      BAD_PAGE by exactly one ("misuse"), anything else by zero
 *      ("bad-page"); a CHECK-kind report from inside the library is a
 *      violation it found itself ("page_check");
 *   3. a full check (check_state.c) every full_every ops, at CHECK ops and at
 *      the end: kmm_page_check() == 0, every live pattern, every zone's
 *      counters, the HIGHATOMIC reserve within the model's bound
 *      ("highatomic"), then drain all and compare every zone's free blocks
 *      per order with the model's canonical decomposition ("nr_free");
 *   4. before_teardown, then teardown: free every live handle (verified
 *      first), drain, kmm_page_fully_coalesced(), every zone's free pages back
 *      to its start value, page_check clean ("coalesced", "teardown").
 *
 * Cadence. full_every = check_every (default 64). Programs of more than
 * EXEC_BIG_PROGRAM_OPS (10,000) ops are benchmarks rather than fuzz inputs
 * and get two economies: a full check at most every 4096 ops (well under
 * the 1/1000 of all ops a full O(pages) walk may cost), each verifying a
 * rotating eighth of the live patterns (all of them are still verified
 * before every free). Everything per op is O(MAX_ORDER) in the
 * model, one kmm_zone_counts() of the touched zone, and at most 17 pattern
 * words (pattern.c). Big programs also hint the caches a few ops ahead
 * (exec_prefetch: the pattern lines a coming free or verify reads, the
 * handle entries), and so does the raw run for its handle table.
 *
 * Memory. kmm_exec_run() and kmm_exec_run_raw() build the system on
 * exec_platform.c's reuse platform, which keeps the arena, the big metadata
 * blocks and the model's memory of one run for the next on the same thread
 * (page faults on fresh memory were most of a fuzz execution);
 * kmm_exec_run_ops() and kmm_exec_run_raw_ops() keep only the arena
 * (exec_platform_huge; fresh metadata each run).
 * Arenas are backed by transparent huge pages where the host allows.
 *
 * A mismatch prints a stable one-line signature,
 *   kmm-mismatch check=<check> op=<op> order=<order|-> gfp=<GFP_...|->
 * (op is the op's name, "misuse:<kind>" for misuse, "check" for any full
 * check, "create" and "teardown" for the run's ends; no step numbers, PFNs or
 * addresses, so the signature survives minimisation), then "step N: <op>",
 * "expected: ...", "actual: ..." and the program as text up to that step.
 * With abort_on_mismatch it then aborts (the fuzzer keeps the input);
 * otherwise the system is destroyed without touching its memory again and
 * the run returns 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_internal.h"

/* The run loop, set-up, teardown and mismatch reports: their branches follow
 * the program's shape and the checks' verdicts, which the decoder's and
 * libkmm's own edges already report, so no sanitizer-coverage
 * instrumentation under clang's fuzzer builds (see exec_internal.h). */
EXEC_NO_COVERAGE_BEGIN

#define DEFAULT_CHECK_EVERY 64u
#define BIG_PROGRAM_FULL_EVERY 4096u
#define RAW_PREFETCH_AHEAD 8u

/* ---- reports ------------------------------------------------------------- */

static void exec_sink_(void *ctx, enum kmm_report_kind kind, const char *text)
{
	struct exec *x = ctx;

	if ((unsigned)kind < KMM_NR_REPORT_KINDS)
		x->reports[kind]++;
	if (!x->opt->quiet_reports && text)
		fputs(text, x->err);
}

/* ---- mismatch reports -------------------------------------------------------- */

/* The op's name, order and gfp as the signature shows them. */
static void signature_fields_(const struct exec *x, char *name, size_t nlen, char *order, size_t olen,
			      char *gfp, size_t glen)
{
	const struct kmm_op *op = x->phase == PHASE_OP && x->step < x->nr_ops ? &x->ops[x->step] : NULL;
	bool has = false;
	unsigned o = 0;
	kmm_gfp_t g = 0;

	snprintf(order, olen, "-");
	snprintf(gfp, glen, "-");
	switch (x->phase) {
	case PHASE_CREATE:
		snprintf(name, nlen, "create");
		return;
	case PHASE_FULL_CHECK:
		snprintf(name, nlen, "check");
		return;
	case PHASE_TEARDOWN:
		snprintf(name, nlen, "teardown");
		return;
	case PHASE_OP:
		break;
	}
	if (!op) {
		snprintf(name, nlen, "?");
		return;
	}
	if (op->code == KMM_OP_MISUSE)
		snprintf(name, nlen, "%s:%s", kmm_op_name(op->code), kmm_misuse_name(op->mode));
	else
		snprintf(name, nlen, "%s", kmm_op_name(op->code));
	if (op->code == KMM_OP_ALLOC_PAGES) {
		has = true;
		o = op->order;
		g = op->gfp;
	} else if (op->handle && op->handle <= x->nr_handles &&
		   (op->code == KMM_OP_FREE_PAGES || op->code == KMM_OP_WRITE ||
		    op->code == KMM_OP_VERIFY || op->code == KMM_OP_MISUSE)) {
		const struct exec_handle *h = &x->handles[op->handle];

		/* The handle's allocation: the last alloc op naming it before this step. */
		for (uint32_t i = x->step; i-- > 0 && h->page;) {
			if (x->ops[i].code == KMM_OP_ALLOC_PAGES && x->ops[i].handle == op->handle) {
				has = true;
				o = h->order;
				g = x->ops[i].gfp;
				break;
			}
		}
	}
	if (has) {
		snprintf(order, olen, "%u", o);
		kmm_gfp_format(g, gfp, glen);
	}
}

/* The program as text, ops [0, upto): at most the last KMM_PROGRAM_MAX_OPS. */
static void print_program_(struct exec *x, uint32_t upto)
{
	const struct kmm_program *p = x->prog;
	struct kmm_program *tmp = NULL;
	uint32_t first = 0;
	size_t need;
	char *text;

	if (upto > x->nr_ops)
		upto = x->nr_ops;
	if (!p) {
		tmp = malloc(sizeof(*tmp));
		if (!tmp) {
			fputs("(out of memory printing the program)\n", x->err);
			return;
		}
		memset(tmp, 0, offsetof(struct kmm_program, ops));
		tmp->hdr = *x->hdr;
		first = upto > KMM_PROGRAM_MAX_OPS ? upto - KMM_PROGRAM_MAX_OPS : 0;
		tmp->nr_ops = upto - first;
		tmp->nr_handles = x->nr_handles;
		memcpy(tmp->ops, x->ops + first, sizeof(struct kmm_op) * tmp->nr_ops);
		upto -= first;
		p = tmp;
		if (first)
			fprintf(x->err, "(ops %u..%u of %u shown; the first %u are left out)\n", first,
				first + upto - 1, x->nr_ops, first);
	}
	need = kmm_program_format(p, upto, NULL, 0);
	text = malloc(need + 1);
	if (text) {
		kmm_program_format(p, upto, text, need + 1);
		fputs(text, x->err);
		if (need && text[need - 1] != '\n')
			fputc('\n', x->err);
		free(text);
	} else {
		fputs("(out of memory printing the program)\n", x->err);
	}
	free(tmp);
}

/* Copy a string into a fixed result field, cut at its size. */
static void copy_field_(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int exec_fail(struct exec *x, const char *check, const char *expected, const char *actual)
{
	struct kmm_exec_result *res = x->res;
	char name[48], order[8], gfp[160], optext[200], line[512];
	uint32_t upto;

	if (x->mismatch)
		return 1; /* the first mismatch is the one reported */
	x->mismatch = true;
	signature_fields_(x, name, sizeof(name), order, sizeof(order), gfp, sizeof(gfp));
	res->mismatch = true;
	res->step = x->step;
	copy_field_(res->check, sizeof(res->check), check);
	snprintf(line, sizeof(line), "kmm-mismatch check=%s op=%s order=%s gfp=%s", check, name, order, gfp);
	copy_field_(res->signature, sizeof(res->signature), line);
	snprintf(res->detail, sizeof(res->detail), "expected: %.480s\nactual: %.480s", expected, actual);

	switch (x->phase) {
	case PHASE_CREATE:
		snprintf(optext, sizeof(optext), "system creation");
		upto = 0;
		break;
	case PHASE_TEARDOWN:
		snprintf(optext, sizeof(optext), "teardown (after the last op)");
		upto = x->nr_ops;
		break;
	case PHASE_FULL_CHECK:
	case PHASE_OP:
	default:
		if (x->step < x->nr_ops) {
			char one[160];

			kmm_op_format(&x->ops[x->step], one, sizeof(one));
			snprintf(optext, sizeof(optext), "%s%s",
				 x->phase == PHASE_FULL_CHECK ? "full check after " : "", one);
		} else {
			snprintf(optext, sizeof(optext), "full check at the end of the program");
		}
		upto = x->step + 1;
		break;
	}
	fprintf(x->err, "%s\nstep %u: %s\nexpected: %s\nactual: %s\nprogram (up to step %u):\n",
		line, x->step, optext, expected, actual, x->step);
	print_program_(x, upto);
	fflush(x->err);
	if (x->opt->abort_on_mismatch)
		abort();
	return 1;
}

int exec_failf(struct exec *x, const char *check, const char *expected, const char *actual_fmt, ...)
{
	char actual[768];
	va_list ap;

	va_start(ap, actual_fmt);
	vsnprintf(actual, sizeof(actual), actual_fmt, ap);
	va_end(ap);
	return exec_fail(x, check, expected, actual);
}

/* ---- set-up and teardown -------------------------------------------------------- */

static uint32_t max_handle_(const struct kmm_op *ops, uint32_t nr_ops)
{
	uint32_t max = 0;

	for (uint32_t i = 0; i < nr_ops; i++)
		if (ops[i].handle > max)
			max = ops[i].handle;
	return max;
}

static int setup_(struct exec *x, const struct kmm_program_header *hdr, const struct kmm_op *ops,
		  uint32_t nr_ops, uint32_t nr_handles)
{
	struct kmm_page *p0, *p1;

	x->hdr = hdr;
	x->ops = ops;
	x->nr_ops = nr_ops;
	kmm_program_config(hdr, &x->cfg);
	x->cfg.watermark_boost_factor = UINT32_MAX; /* see the model: unboosted marks */
	if (x->prog) /* fuzzer-sized: keep the arena resident across runs */
		x->cfg.platform = exec_platform_reuse(&x->platform);
	else
		x->cfg.platform = exec_platform_huge(&x->platform);
	/* Quiet runs only count reports, and libkmm counts them itself: with
	 * no sink it builds no report text (a failed allocation's Mem-Info dump
	 * cost more than the rest of the op). x->reports[] then stays zero and
	 * the target's own counters answer (misuses_reported below). */
	x->cfg.sink.emit = x->opt->quiet_reports ? NULL : exec_sink_;
	x->cfg.sink.ctx = x;

	x->nr_handles = nr_handles ? nr_handles : max_handle_(ops, nr_ops);
	/* Kept per thread for the next run: under ASan every calloc is fresh,
	 * page-faulting memory (exec_platform.c). */
	x->handles = exec_reuse_calloc((size_t)x->nr_handles + 1, sizeof(*x->handles));
	x->live = exec_reuse_calloc((size_t)x->nr_handles + 1, sizeof(*x->live));
	if (!x->handles || !x->live)
		return -ENOMEM;
	if (x->prog) {
		size_t len = kmm_model_size(&x->cfg);
		void *mem = exec_reuse_model_mem(len);

		x->m = mem ? kmm_model_init(mem, len, &x->cfg) : kmm_model_create(&x->cfg);
		if (!x->m)
			exec_reuse_model_release(mem);
	} else {
		x->m = kmm_model_create(&x->cfg);
	}
	if (!x->m)
		return -EINVAL;
	x->k = x->t->create(&x->cfg);
	if (!x->k)
		return -EINVAL;
	x->total_pages = kmm_model_total_pages(x->m);
	p0 = x->t->pfn_to_page(x->k, 0);
	p1 = x->total_pages > 1 ? x->t->pfn_to_page(x->k, 1) : NULL;
	x->arena = p0 ? x->t->page_address(x->k, p0) : NULL;
	x->page_stride = p0 && p1 ? (uintptr_t)p1 - (uintptr_t)p0 : 0;
	if (!x->arena)
		return -EINVAL; /* a target must map PFN 0 to an address */
	x->bad_pages = x->t->report_count(x->k, KMM_REPORT_BAD_PAGE);
	x->check_reports = x->t->report_count(x->k, KMM_REPORT_CHECK);

	x->full_every = x->opt->check_every ? x->opt->check_every : DEFAULT_CHECK_EVERY;
	if (nr_ops > EXEC_BIG_PROGRAM_OPS && x->full_every < BIG_PROGRAM_FULL_EVERY)
		x->full_every = BIG_PROGRAM_FULL_EVERY;
	return exec_slab_setup(x) ? -ENOMEM : 0; /* slab programs: object model, tracepoints */
}

static void cleanup_(struct exec *x)
{
	exec_slab_cleanup(x);
	if (x->k)
		x->t->destroy(x->k);
	if (!exec_reuse_model_release(x->m))
		kmm_model_destroy(x->m);
	if (!exec_reuse_free(x->handles))
		free(x->handles);
	if (!exec_reuse_free(x->live))
		free(x->live);
	x->live = NULL;
	x->k = NULL;
	x->m = NULL;
	x->handles = NULL;
}

/* ---- the checked run ---------------------------------------------------------- */

static int run_checked_(const struct kmm_program *prog, const struct kmm_program_header *hdr,
			const struct kmm_op *ops, uint32_t nr_ops, uint32_t nr_handles,
			const struct kmm_exec_options *opt, struct kmm_exec_result *res)
{
	static const struct kmm_exec_options defaults;
	struct kmm_exec_result scratch;
	struct exec x;
	bool checked_last = false;
	int rc;

	if (!opt)
		opt = &defaults;
	if (!res)
		res = &scratch;
	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	x.t = opt->target ? opt->target : kmm_page_target_libkmm();
	x.opt = opt;
	x.res = res;
	x.err = opt->err ? opt->err : stderr;
	x.prog = prog;
	x.phase = PHASE_CREATE;
	x.dirty = true;

	rc = setup_(&x, hdr, ops, nr_ops, nr_handles);
	if (rc) {
		cleanup_(&x);
		return -EINVAL; /* the header builds no system (or memory is short) */
	}
	if (exec_check_created(&x))
		goto out;

	for (uint32_t i = 0; i < nr_ops; i++) {
		x.step = i;
		x.phase = PHASE_OP;
		res->ops_run++;
		if (nr_ops > EXEC_BIG_PROGRAM_OPS)
			exec_prefetch(&x, i);
		if (exec_op(&x, &ops[i]))
			goto out;
		checked_last = ops[i].code == KMM_OP_CHECK || (i + 1) % x.full_every == 0;
		if (checked_last) {
			x.phase = PHASE_FULL_CHECK;
			if (exec_full_check(&x) || exec_slab_full_check(&x))
				goto out;
		}
	}
	x.step = nr_ops;
	if (!checked_last) {
		x.phase = PHASE_FULL_CHECK;
		if (exec_full_check(&x) || exec_slab_full_check(&x))
			goto out;
	}
	if (opt->before_teardown)
		opt->before_teardown(x.k, opt->ctx);
	x.phase = PHASE_TEARDOWN;
	if (!exec_slab_teardown(&x)) /* objects, caches, slab pages first */
		exec_teardown_checks(&x);
out:
	res->misuses_reported += x.cfg.sink.emit || !x.k ? x.reports[KMM_REPORT_BAD_PAGE]
						  : x.t->report_count(x.k, KMM_REPORT_BAD_PAGE);
	cleanup_(&x);
	return x.mismatch ? 1 : 0;
}

int kmm_exec_run_ops(const struct kmm_program_header *hdr, const struct kmm_op *ops, uint32_t nr_ops,
		     uint32_t nr_handles, const struct kmm_exec_options *opt, struct kmm_exec_result *res)
{
	if (!hdr || (!ops && nr_ops))
		return -EINVAL;
	return run_checked_(NULL, hdr, ops, nr_ops, nr_handles, opt, res);
}

int kmm_exec_run(const struct kmm_program *p, const struct kmm_exec_options *opt,
		 struct kmm_exec_result *res)
{
	if (!p || p->nr_ops > KMM_PROGRAM_MAX_OPS)
		return -EINVAL;
	return run_checked_(p, &p->hdr, p->ops, p->nr_ops, p->nr_handles, opt, res);
}

/* ---- the raw run ----------------------------------------------------------------- */

static int run_raw_(const struct kmm_program_header *hdr, const struct kmm_op *ops, uint32_t nr_ops,
		    uint32_t nr_handles, bool reuse)
{
	struct kmm_platform platform;
	struct kmm_config cfg;
	struct exec_handle *handles;
	struct exec_slab_raw *slab = NULL;
	struct kmm *k;
	kmm_pfn_t total;

	if (!hdr || (!ops && nr_ops))
		return -EINVAL;
	if (!nr_handles)
		nr_handles = max_handle_(ops, nr_ops);
	kmm_program_config(hdr, &cfg);
	cfg.watermark_boost_factor = UINT32_MAX; /* the same system as the checked run */
	cfg.platform = reuse ? exec_platform_reuse(&platform) : exec_platform_huge(&platform);
	handles = calloc((size_t)nr_handles + 1, sizeof(*handles));
	if (!handles)
		return -EINVAL;
	k = kmm_create(&cfg);
	if (!k) {
		free(handles);
		return -EINVAL;
	}
	total = kmm_total_pages(k);
	if (hdr->slab_backend != KMM_PROGRAM_SLAB_NONE)
		slab = exec_slab_raw_new(nr_handles);
	for (uint32_t i = 0; i < nr_ops; i++) {
		/* The handle table is the harness's, not the allocator's: hint it
		 * ahead as the checked run does (exec_prefetch), so neither run is
		 * timed waiting for it. */
		if (i + RAW_PREFETCH_AHEAD < nr_ops && ops[i + RAW_PREFETCH_AHEAD].handle <= nr_handles)
			__builtin_prefetch(&handles[ops[i + RAW_PREFETCH_AHEAD].handle]);
		if (slab && (ops[i].code >= KMM_OP_CACHE_CREATE ||
			     (ops[i].code == KMM_OP_MISUSE && ops[i].mode >= KMM_MISUSE_OBJ_DOUBLE_FREE)))
			exec_slab_raw_op(slab, k, &ops[i]);
		else
			exec_op_raw(k, handles, nr_handles, &ops[i], total);
	}
	kmm_destroy(k);
	exec_slab_raw_free(slab);
	free(handles);
	return 0;
}

int kmm_exec_run_raw_ops(const struct kmm_program_header *hdr, const struct kmm_op *ops, uint32_t nr_ops,
			 uint32_t nr_handles)
{
	return run_raw_(hdr, ops, nr_ops, nr_handles, false);
}

int kmm_exec_run_raw(const struct kmm_program *p)
{
	if (!p || p->nr_ops > KMM_PROGRAM_MAX_OPS)
		return -EINVAL;
	return run_raw_(&p->hdr, p->ops, p->nr_ops, p->nr_handles, true);
}

EXEC_NO_COVERAGE_END
