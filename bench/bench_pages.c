/* SPDX-License-Identifier: MIT */
/*
 * bench_pages: how fast libkmm's page allocator and its harness are, each
 * against a peer measured in the same process and the same runs.
 *
 *   pcp      alloc_pages(order 0) + free, LIFO through the per-CPU lists,
 *            against a bare freelist (the floor);
 *   buddy    a random order-0 and order 0-3 mix on the buddy path, against
 *            a naive textbook buddy allocator over the same arena;
 *   harness  a 1M-op program replayed with every check (kmm_exec_run_ops)
 *            against the same program run raw (kmm_exec_run_raw_ops).
 *
 * usage: bench_pages [--runs N] [--quick] [--ops N] [--seed S]
 *                    [--clock wall|cpu] [--strict] [pcp] [buddy] [harness]
 * With no section named, all run. --strict exits 1 if a row misses its
 * target. See docs/benchmarks.md for how to read the table.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "bench_pages.h"
#include "bench_kmm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kmm *bench_kmm_create(uint32_t nr_pages, unsigned nr_cpus, uint32_t pcp_high,
			     uint32_t pcp_batch)
{
	struct kmm_config cfg;
	struct kmm *k;
	char msg[256];

	kmm_config_init(&cfg, 1, nr_pages);
	memset(cfg.nodes[0].zones, 0, sizeof(cfg.nodes[0].zones));
	cfg.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = nr_pages;
	cfg.nr_cpus = nr_cpus;
	cfg.pcp_high = pcp_high;
	cfg.pcp_batch = pcp_batch;
	cfg.debug_level = 0;
	cfg.seed = 1;
	cfg.sink.emit = NULL;
	if (kmm_config_validate(&cfg, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "bench_pages: bad config: %s\n", msg);
		return NULL;
	}
	k = kmm_create(&cfg);
	if (!k) {
		fprintf(stderr, "bench_pages: kmm_create failed\n");
		return NULL;
	}

	if (bench_kmm_prefault(k, nr_pages, "bench_pages") != 0) {
		kmm_destroy(k);
		return NULL;
	}
	return k;
}

void bench_kmm_verify(struct kmm *k, const char *what)
{
	long bad = kmm_page_check(k);

	if (bad != 0) {
		fprintf(stderr, "bench_pages: kmm_page_check found %ld violations %s\n", bad, what);
		exit(2);
	}
}

static void usage(FILE *out)
{
	fprintf(out, "usage: bench_pages [--runs N] [--quick] [--ops N] [--seed S] "
		     "[--clock wall|cpu] [--strict] [pcp] [buddy] [harness]\n"
		     "  --runs N   measured runs per row, median kept (default 7, max %d)\n"
		     "  --quick    a tenth of the work, 3 runs: a smoke test, not a measurement\n"
		     "  --ops N    harness program length (default 1000000)\n"
		     "  --seed S   workload seed (default 1)\n"
		     "  --clock wall|cpu  CLOCK_MONOTONIC (default) or this thread's CPU time\n"
		     "             (CLOCK_THREAD_CPUTIME_ID: use it on a busy machine)\n"
		     "  --strict   exit 1 when a row misses its target\n",
		     BENCH_MAX_RUNS);
}

static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || !*s)
		return -1;
	*out = strtoull(s, &end, 0);
	return *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .runs = 7, .scale = 1.0, .harness_ops = 1000000, .seed = 1 };
	bool want_pcp = false, want_buddy = false, want_harness = false, strict = false;
	bool runs_given = false;
	struct bench_row rows[BENCH_MAX_ROWS];
	unsigned nr_rows = 0, missed, targeted = 0;

	for (int i = 1; i < argc; i++) {
		unsigned long long v;

		if (!strcmp(argv[i], "--runs") && i + 1 < argc && !parse_u64(argv[i + 1], &v) &&
		    v >= 1 && v <= BENCH_MAX_RUNS) {
			o.runs = (unsigned)v;
			runs_given = true;
			i++;
		} else if (!strcmp(argv[i], "--ops") && i + 1 < argc && !parse_u64(argv[i + 1], &v) &&
			   v >= 1 && v <= 100000000ull) {
			o.harness_ops = (uint32_t)v;
			i++;
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc && !parse_u64(argv[i + 1], &v)) {
			o.seed = v;
			i++;
		} else if (!strcmp(argv[i], "--quick")) {
			o.scale = 0.1;
			if (!runs_given)
				o.runs = 3;
		} else if (!strcmp(argv[i], "--clock") && i + 1 < argc &&
			   (!strcmp(argv[i + 1], "wall") || !strcmp(argv[i + 1], "cpu"))) {
			bench_use_cpu_clock(!strcmp(argv[++i], "cpu"));
		} else if (!strcmp(argv[i], "--strict")) {
			strict = true;
		} else if (!strcmp(argv[i], "pcp")) {
			want_pcp = true;
		} else if (!strcmp(argv[i], "buddy")) {
			want_buddy = true;
		} else if (!strcmp(argv[i], "harness")) {
			want_harness = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "bench_pages: bad argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!want_pcp && !want_buddy && !want_harness)
		want_pcp = want_buddy = want_harness = true;

	memset(rows, 0, sizeof(rows));
	printf("bench_pages: libkmm page allocator and harness vs peers, same process, "
	       "%u runs + 1 warm-up, median\n", o.runs);
	bench_print_machine(stdout, argv[0]);
	fflush(stdout);

	if (want_pcp)
		nr_rows += bench_pcp(&o, rows + nr_rows);
	if (want_buddy)
		nr_rows += bench_buddy(&o, rows + nr_rows);
	if (want_harness)
		nr_rows += bench_harness(&o, rows + nr_rows);

	missed = bench_print_table(stdout, rows, nr_rows);
	for (unsigned i = 0; i < nr_rows; i++)
		targeted += rows[i].target > 0.0;
	printf("%u of %u rows with a target missed it\n", missed, targeted);
	return strict && missed ? 1 : 0;
}
