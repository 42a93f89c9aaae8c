/* SPDX-License-Identifier: MIT */
/*
 * Section "harness": what the differential checks cost.
 *
 * One program of o->harness_ops ops (1M by default), generated in memory from
 * a fixed seed, is run two ways on the same single-node 64 MiB system:
 *   checked  kmm_exec_run_ops with the executor's default options (as the
 *            fuzz targets run it): libkmm and the reference model side by
 *            side, every per-op check, and full checks (kmm_page_check, live
 *            patterns, free lists against the model) every 64 ops, which the
 *            executor thins to one every 4,096 ops (244) for a program this
 *            long;
 *   raw      kmm_exec_run_raw_ops: libkmm alone, no model, no checks.
 * Both build their system on the executor's exec_platform_huge(), which
 * keeps the arena from run to run: the warm-up run faults it in, and every
 * measured run starts from resident memory.
 * The figure is ns per op; the target is checked throughput >= 20% of raw,
 * i.e. ratio (checked ns / raw ns) <= 5.
 *
 * The mix is a fuzzer's day at the office, weighted toward small orders:
 * ~43% alloc_pages (orders 0-3 mostly, 4-6 sometimes, 7-10 rarely; gfp mostly
 * GFP_KERNEL, plus ATOMIC, NOWAIT, movable, reclaimable, DMA32, __GFP_ZERO on
 * small orders, __GFP_COMP), ~38% free of a random live handle, ~16%
 * write/verify of a live handle's pattern, and now and then a CPU switch, a
 * pcp drain or a full check. At most LIVE_CAP handles are live, so memory
 * stays roughly half used and a few allocations fail at the high orders, as
 * they do under fuzzing.
 */
#include "bench_pages.h"
#include "../differential/executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HARNESS_CPUS 4u
#define LIVE_CAP 800u

struct program_buf {
	struct kmm_program_header hdr;
	struct kmm_op *ops;
	uint32_t nr_ops;
	uint32_t nr_handles;
};

static uint8_t pick_order(struct bench_rng *r)
{
	uint32_t x = bench_rng_below(r, 1000);

	if (x < 500)
		return 0;
	if (x < 650)
		return 1;
	if (x < 770)
		return 2;
	if (x < 890)
		return 3;
	if (x < 990)
		return (uint8_t)(4 + bench_rng_below(r, 3));
	return (uint8_t)(7 + bench_rng_below(r, 4));
}

static kmm_gfp_t pick_gfp(struct bench_rng *r, unsigned order)
{
	uint32_t x = bench_rng_below(r, 100);
	kmm_gfp_t gfp;

	if (x < 60)
		gfp = KMM_GFP_KERNEL;
	else if (x < 68)
		gfp = order <= 2 ? KMM_GFP_KERNEL | KMM___GFP_ZERO : KMM_GFP_KERNEL;
	else if (x < 76)
		gfp = KMM_GFP_ATOMIC;
	else if (x < 84)
		gfp = KMM_GFP_HIGHUSER_MOVABLE;
	else if (x < 89)
		gfp = KMM_GFP_KERNEL | KMM___GFP_RECLAIMABLE;
	else if (x < 93)
		gfp = KMM_GFP_KERNEL | KMM___GFP_DMA32;
	else if (x < 97)
		gfp = KMM_GFP_NOWAIT;
	else
		gfp = KMM_GFP_KERNEL | KMM___GFP_COMP;
	/* Most callers of big orders say NOWARN; keep failure dumps rare. */
	if (order >= 4 || bench_rng_below(r, 10) != 0)
		gfp |= KMM___GFP_NOWARN;
	return gfp;
}

static void make_header(struct kmm_program_header *h, uint64_t seed)
{
	struct kmm_config cfg;

	kmm_config_init(&cfg, 1, BENCH_PAGES); /* DMA, DMA32, NORMAL as a PC has them */
	memset(h, 0, sizeof(*h));
	h->nr_nodes = 1;
	h->nr_cpus = HARNESS_CPUS;
	h->pageblock_order = 0;
	h->debug_level = 0;
	h->flags = 0;
	h->min_free_kbytes = 0;
	h->pcp_high = h->pcp_batch = 0; /* the kernel formulas */
	h->seed = seed;
	memcpy(h->zones[0], cfg.nodes[0].zones, sizeof(h->zones[0]));
}

/* Fill p with n ops; false when out of memory. */
static bool gen_program(struct program_buf *p, uint32_t n, uint64_t seed)
{
	struct bench_rng rng = { seed ^ 0x6b6d6d2d68617273ull };
	uint32_t *live = malloc(sizeof(*live) * LIVE_CAP), nr_live = 0;

	p->ops = calloc(n, sizeof(*p->ops));
	if (!p->ops || !live) {
		free(live);
		free(p->ops);
		p->ops = NULL;
		return false;
	}
	make_header(&p->hdr, seed);
	p->nr_ops = n;
	p->nr_handles = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct kmm_op *op = &p->ops[i];
		uint32_t x = bench_rng_below(&rng, 10000);

		op->node = -1;
		if (nr_live == 0 || (x < 4300 && nr_live < LIVE_CAP)) {
			op->code = KMM_OP_ALLOC_PAGES;
			op->order = pick_order(&rng);
			op->gfp = pick_gfp(&rng, op->order);
			op->handle = ++p->nr_handles;
			live[nr_live++] = op->handle;
		} else if (x < 8100 || nr_live == LIVE_CAP) {
			uint32_t j = bench_rng_below(&rng, nr_live);

			op->code = KMM_OP_FREE_PAGES;
			op->handle = live[j];
			live[j] = live[--nr_live];
		} else if (x < 8900) {
			op->code = KMM_OP_WRITE;
			op->handle = live[bench_rng_below(&rng, nr_live)];
		} else if (x < 9700) {
			op->code = KMM_OP_VERIFY;
			op->handle = live[bench_rng_below(&rng, nr_live)];
		} else if (x < 9900) {
			op->code = KMM_OP_SET_CPU;
			op->cpu = (uint8_t)bench_rng_below(&rng, HARNESS_CPUS);
		} else if (x < 9998) {
			op->code = KMM_OP_DRAIN;
			op->cpu = bench_rng_below(&rng, 4) ? (uint8_t)bench_rng_below(&rng, HARNESS_CPUS)
							   : (uint8_t)KMM_DRAIN_ALL;
		} else {
			op->code = KMM_OP_CHECK;
		}
	}
	free(live);
	return true;
}

/* --- the two ways to run it (the executor's API for big programs) -------- */

static int run_checked(const struct program_buf *p, struct kmm_exec_result *res)
{
	struct kmm_exec_options opt;

	memset(&opt, 0, sizeof(opt));
	opt.abort_on_mismatch = false;
	opt.quiet_reports = true;
	return kmm_exec_run_ops(&p->hdr, p->ops, p->nr_ops, p->nr_handles, &opt, res);
}

static int run_raw(const struct program_buf *p)
{
	return kmm_exec_run_raw_ops(&p->hdr, p->ops, p->nr_ops, p->nr_handles);
}

unsigned bench_harness(const struct bench_opts *o, struct bench_row *rows)
{
	uint32_t n = (uint32_t)(o->harness_ops * (o->scale < 1.0 ? o->scale : 1.0));
	struct program_buf p;
	struct bench_row *row = &rows[0];
	struct kmm_exec_result res;
	uint64_t allocs_ok = 0, allocs_failed = 0;
	double raw, checked;

	if (n == 0)
		n = 1;
	printf("harness: generating a %u-op program (seed %llu) ...\n", n,
		(unsigned long long)o->seed);
	fflush(stdout);
	if (!gen_program(&p, n, o->seed)) {
		fprintf(stderr, "bench_pages: harness: out of memory\n");
		return 0;
	}
	row->name = "harness: checked replay of the program";
	row->peer = "raw replay (no checks)";
	row->target = 5.0; /* checked throughput >= 20% of raw */

	for (unsigned r = 0; r <= o->runs; r++) { /* r == 0: warm-up, not kept */
		uint64_t t0, t1, t2;
		int rc_checked, rc_raw;

		memset(&res, 0, sizeof(res));
		t0 = bench_now_ns();
		rc_checked = run_checked(&p, &res);
		t1 = bench_now_ns();
		rc_raw = run_raw(&p);
		t2 = bench_now_ns();
		if (rc_checked != 0 || rc_raw != 0) {
			fprintf(stderr,
				"bench_pages: harness: the executor returned checked=%d raw=%d%s%s\n",
				rc_checked, rc_raw, res.mismatch ? ": " : "",
				res.mismatch ? res.signature : "");
			if (res.mismatch)
				fprintf(stderr, "  step %u: %s\n", res.step, res.detail);
			free(p.ops);
			return 0;
		}
		if (res.ops_run != n) {
			fprintf(stderr, "bench_pages: harness: the checked run executed %llu of %u ops\n",
				(unsigned long long)res.ops_run, n);
			free(p.ops);
			return 0;
		}
		allocs_ok = res.allocs_ok;
		allocs_failed = res.allocs_failed;
		if (r == 0)
			continue;
		bench_add(&row->ours, (double)(t1 - t0) / n);
		bench_add(&row->theirs, (double)(t2 - t1) / n);
	}
	checked = bench_median(&row->ours);
	raw = bench_median(&row->theirs);
	snprintf(row->note, sizeof(row->note),
		 "%u ops: checked %.0f kops/s = %.1f%% of raw %.0f kops/s (raw/checked %.2fx); "
		 "allocs %llu ok %llu failed",
		 n, 1e6 / checked, 100.0 * raw / checked, 1e6 / raw, checked / raw,
		 (unsigned long long)allocs_ok, (unsigned long long)allocs_failed);
	free(p.ops);
	return 1;
}
