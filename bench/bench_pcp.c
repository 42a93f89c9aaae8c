/* SPDX-License-Identifier: MIT */
/*
 * Section "pcp": order-0 alloc_pages + __free_pages, LIFO, through the
 * per-CPU page lists, against a bare freelist floor.
 *
 * Two shapes, each timed for libkmm and the floor in the same run:
 *   single  alloc one page, free it at once (the pcp list head bounces);
 *   batch   alloc 32 pages, then free them newest first (LIFO), so the pcp
 *           list grows and shrinks by 32 and may cross its high/batch marks.
 * A figure is ns per alloc+free pair. libkmm runs with GFP_KERNEL on the one
 * NORMAL zone of a 64 MiB system with the kernel's pcp high/batch formula,
 * debug checks off; the floor pops and pushes 4 KiB pages of an array. Both
 * allocators are called through real (non-inlined) calls, and every page
 * returned is passed through BENCH_KEEP so no work can be optimised away.
 */
#include "bench_pages.h"
#include "freelist_floor.h"

#include <stdio.h>

#define BATCH 32

static double kmm_single(struct kmm *k, uint64_t n, uint64_t *fails)
{
	uint64_t t0 = bench_now_ns(), bad = 0;

	for (uint64_t i = 0; i < n; i++) {
		struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);

		BENCH_KEEP(p);
		if (!p) {
			bad++;
			continue;
		}
		kmm_free_pages(k, p, 0);
	}
	*fails += bad;
	return (double)(bench_now_ns() - t0) / (double)n;
}

static double floor_single(struct freelist_floor *f, uint64_t n, uint64_t *fails)
{
	uint64_t t0 = bench_now_ns(), bad = 0;

	for (uint64_t i = 0; i < n; i++) {
		void *p = freelist_floor_pop(f);

		BENCH_KEEP(p);
		if (!p) {
			bad++;
			continue;
		}
		freelist_floor_push(f, p);
	}
	*fails += bad;
	return (double)(bench_now_ns() - t0) / (double)n;
}

static double kmm_batch(struct kmm *k, uint64_t nbatches, uint64_t *fails)
{
	struct kmm_page *p[BATCH];
	uint64_t t0 = bench_now_ns(), bad = 0;

	for (uint64_t b = 0; b < nbatches; b++) {
		for (unsigned j = 0; j < BATCH; j++) {
			p[j] = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
			BENCH_KEEP(p[j]);
		}
		for (unsigned j = BATCH; j-- > 0;) {
			if (p[j])
				kmm_free_pages(k, p[j], 0);
			else
				bad++;
		}
	}
	*fails += bad;
	return (double)(bench_now_ns() - t0) / (double)(nbatches * BATCH);
}

static double floor_batch(struct freelist_floor *f, uint64_t nbatches, uint64_t *fails)
{
	void *p[BATCH];
	uint64_t t0 = bench_now_ns(), bad = 0;

	for (uint64_t b = 0; b < nbatches; b++) {
		for (unsigned j = 0; j < BATCH; j++) {
			p[j] = freelist_floor_pop(f);
			BENCH_KEEP(p[j]);
		}
		for (unsigned j = BATCH; j-- > 0;) {
			if (p[j])
				freelist_floor_push(f, p[j]);
			else
				bad++;
		}
	}
	*fails += bad;
	return (double)(bench_now_ns() - t0) / (double)(nbatches * BATCH);
}

unsigned bench_pcp(const struct bench_opts *o, struct bench_row *rows)
{
	uint64_t n = (uint64_t)(4000000 * o->scale);
	uint64_t nb = n / BATCH;
	uint64_t kfail = 0, ffail = 0;
	struct freelist_floor f;
	struct kmm *k;
	struct bench_row *single = &rows[0], *batch = &rows[1];

	printf("pcp: order-0 alloc+free LIFO, %llu pairs a run ...\n",
		(unsigned long long)n);
	fflush(stdout);
	k = bench_kmm_create(BENCH_PAGES, 1, 0, 0);
	if (!k || freelist_floor_init(&f, BENCH_PAGES) != 0) {
		fprintf(stderr, "bench_pages: pcp: setup failed\n");
		if (k)
			kmm_destroy(k);
		return 0;
	}

	single->name = "pcp: alloc_pages(0)+free, single";
	single->peer = "bare freelist";
	single->target = 2.0;
	batch->name = "pcp: alloc_pages(0) x32 + free x32 LIFO";
	batch->peer = "bare freelist";
	batch->target = 2.0;

	for (unsigned r = 0; r <= o->runs; r++) { /* r == 0: warm-up, not kept */
		double a = kmm_single(k, n, &kfail);
		double b = floor_single(&f, n, &ffail);
		double c = kmm_batch(k, nb, &kfail);
		double d = floor_batch(&f, nb, &ffail);

		if (r == 0)
			continue;
		bench_add(&single->ours, a);
		bench_add(&single->theirs, b);
		bench_add(&batch->ours, c);
		bench_add(&batch->theirs, d);
	}
	if (kfail || ffail)
		snprintf(single->note, sizeof(single->note),
			 "WARNING: %llu libkmm and %llu floor allocations failed",
			 (unsigned long long)kfail, (unsigned long long)ffail);
	bench_kmm_verify(k, "after the pcp section");
	kmm_destroy(k);
	freelist_floor_destroy(&f);
	return 2;
}
