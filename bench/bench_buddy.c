/* SPDX-License-Identifier: MIT */
/*
 * Section "buddy": a random alloc/free mix against a naive textbook buddy.
 *
 * The workload is a table of SLOTS slots and a pre-generated op sequence
 * (fixed seed, so both allocators see exactly the same ops): each op names a
 * slot; an empty slot is filled by an allocation of the op's order, a full
 * one is freed. Slots are picked uniformly, so about half are live at any
 * time: ~2048 live blocks, ~47% of the 64 MiB arena for the 0-3 mix. A
 * quarter of libkmm's allocations are GFP_HIGHUSER_MOVABLE and the rest
 * GFP_KERNEL, so both migrate types' lists, fallback and pageblock stealing
 * are live, and every allocation passes the watermark check; the naive buddy
 * has none of that and ignores the gfp.
 *
 * "buddy path" runs libkmm with the per-CPU lists reduced to nothing useful
 * (pcp high = batch = 1: every order 0-3 allocation refills one block from
 * the buddy lists, every free flushes back), so what is timed is
 * __rmqueue_smallest / expand / __free_one_page, the code the naive buddy
 * competes with. "pcp on" runs the kernel's pcp high/batch formula, as a
 * caller of alloc_pages() gets it; informational.
 *
 * Generating the ops and freeing what is left at the end of a run are not
 * timed. Each run starts from the same state: everything free.
 */
#include "bench_pages.h"
#include "naive_buddy.h"

#include <stdio.h>
#include <stdlib.h>

#define SLOTS 4096u
/* pcp settings of the buddy-path rows (see the essay above). */
#define BUDDY_PATH_PCP_HIGH 1u
#define BUDDY_PATH_PCP_BATCH 1u

/* op = slot << 3 | movable << 2 | order */
static uint32_t *gen_ops(size_t n, unsigned max_order, uint64_t seed)
{
	struct bench_rng rng = { seed };
	uint32_t *ops = malloc(n * sizeof(*ops));

	if (!ops)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint32_t slot = bench_rng_below(&rng, SLOTS);
		uint32_t order = max_order ? bench_rng_below(&rng, max_order + 1) : 0;
		uint32_t movable = bench_rng_below(&rng, 4) == 0;

		ops[i] = slot << 3 | movable << 2 | order;
	}
	return ops;
}

struct kmm_side {
	struct kmm *k;
	struct kmm_page *slot[SLOTS];
	uint8_t order[SLOTS];
};

struct naive_side {
	struct naive_buddy b;
	uint32_t slot[SLOTS];
	uint8_t order[SLOTS];
};

static double kmm_mix(struct kmm_side *s, const uint32_t *ops, size_t n, uint64_t *fails)
{
	static const kmm_gfp_t gfp[2] = { KMM_GFP_KERNEL, KMM_GFP_HIGHUSER_MOVABLE };
	uint64_t t0 = bench_now_ns(), bad = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t op = ops[i], idx = op >> 3;

		if (s->slot[idx]) {
			kmm_free_pages(s->k, s->slot[idx], s->order[idx]);
			s->slot[idx] = NULL;
		} else {
			struct kmm_page *p = kmm_alloc_pages(s->k, gfp[op >> 2 & 1], op & 3);

			BENCH_KEEP(p);
			s->slot[idx] = p;
			s->order[idx] = (uint8_t)(op & 3);
			bad += !p;
		}
	}
	*fails += bad;
	return (double)(bench_now_ns() - t0) / (double)n;
}

static double naive_mix(struct naive_side *s, const uint32_t *ops, size_t n, uint64_t *fails)
{
	uint64_t t0 = bench_now_ns(), bad = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t op = ops[i], idx = op >> 3;

		if (s->slot[idx] != NB_NONE) {
			naive_buddy_free(&s->b, s->slot[idx], s->order[idx]);
			s->slot[idx] = NB_NONE;
		} else {
			uint32_t pfn = naive_buddy_alloc(&s->b, op & 3);

			BENCH_KEEP(pfn);
			s->slot[idx] = pfn;
			s->order[idx] = (uint8_t)(op & 3);
			bad += pfn == NB_NONE;
		}
	}
	*fails += bad;
	return (double)(bench_now_ns() - t0) / (double)n;
}

static void kmm_reset(struct kmm_side *s)
{
	for (unsigned i = 0; i < SLOTS; i++) {
		if (s->slot[i])
			kmm_free_pages(s->k, s->slot[i], s->order[i]);
		s->slot[i] = NULL;
	}
}

static void naive_reset(struct naive_side *s)
{
	for (unsigned i = 0; i < SLOTS; i++) {
		if (s->slot[i] != NB_NONE)
			naive_buddy_free(&s->b, s->slot[i], s->order[i]);
		s->slot[i] = NB_NONE;
	}
}

/* One row: the same ops on libkmm (with the given pcp settings) and on the
 * naive buddy, interleaved run by run. Returns false on a setup failure. */
static bool mix_row(const struct bench_opts *o, struct bench_row *row, const uint32_t *ops,
		    size_t n, uint32_t pcp_high, uint32_t pcp_batch)
{
	struct kmm_side *ks = calloc(1, sizeof(*ks));
	struct naive_side *ns = calloc(1, sizeof(*ns));
	uint64_t kfail = 0, nfail = 0;
	bool ok = false;

	if (!ks || !ns)
		goto out;
	ks->k = bench_kmm_create(BENCH_PAGES, 1, pcp_high, pcp_batch);
	if (!ks->k)
		goto out;
	if (naive_buddy_init(&ns->b, BENCH_PAGES) != 0)
		goto out;
	naive_reset(ns);
	for (unsigned r = 0; r <= o->runs; r++) { /* r == 0: warm-up, not kept */
		double a = kmm_mix(ks, ops, n, &kfail);
		double b = naive_mix(ns, ops, n, &nfail);

		kmm_reset(ks);
		naive_reset(ns);
		if (r == 0)
			continue;
		bench_add(&row->ours, a);
		bench_add(&row->theirs, b);
	}
	if (kfail || nfail)
		snprintf(row->note, sizeof(row->note),
			 "allocation failures over all runs: libkmm %llu, naive %llu",
			 (unsigned long long)kfail, (unsigned long long)nfail);
	bench_kmm_verify(ks->k, "after the buddy section");
	ok = true;
out:
	if (ks && ks->k)
		kmm_destroy(ks->k);
	if (ns)
		naive_buddy_destroy(&ns->b);
	free(ks);
	free(ns);
	return ok;
}

unsigned bench_buddy(const struct bench_opts *o, struct bench_row *rows)
{
	size_t n = (size_t)(2000000 * o->scale);
	uint32_t *ops0 = gen_ops(n, 0, o->seed), *ops3 = gen_ops(n, 3, o->seed);
	static const struct {
		const char *name;
		unsigned max_order;
		bool buddy_path;
	} row_kind[4] = {
		{ "buddy: order-0 random, buddy path", 0, true },
		{ "buddy: order 0-3 random mix, buddy path", 3, true },
		{ "buddy: order-0 random, pcp on", 0, false },
		{ "buddy: order 0-3 random mix, pcp on", 3, false },
	};
	unsigned nr = 0;

	if (!ops0 || !ops3) {
		fprintf(stderr, "bench_pages: buddy: out of memory\n");
		free(ops0);
		free(ops3);
		return 0;
	}
	printf("buddy: random mix over %u slots, %zu ops a run ...\n", SLOTS, n);
	fflush(stdout);
	for (unsigned i = 0; i < 4; i++) {
		struct bench_row *row = &rows[nr];

		row->name = row_kind[i].name;
		row->peer = "naive buddy";
		row->target = row_kind[i].buddy_path ? 1.0 : 0.0;
		if (mix_row(o, row, row_kind[i].max_order ? ops3 : ops0, n,
			    row_kind[i].buddy_path ? BUDDY_PATH_PCP_HIGH : 0,
			    row_kind[i].buddy_path ? BUDDY_PATH_PCP_BATCH : 0))
			nr++;
		else
			fprintf(stderr, "bench_pages: buddy: setup failed for '%s'\n", row->name);
	}
	free(ops0);
	free(ops3);
	return nr;
}
