/* SPDX-License-Identifier: MIT */
/*
 * The sections of bench_pages: each measures itself and its peer in the same
 * run and appends rows to the table that main() prints.
 */
#ifndef KMM_BENCH_PAGES_H
#define KMM_BENCH_PAGES_H

#include <kmm/kmm.h>

#include "bench_util.h"

#define BENCH_MAX_ROWS 16
/* Simulated memory of every section: 64 MiB, 16384 pages of 4 KiB. */
#define BENCH_PAGES 16384u

struct bench_opts {
	unsigned runs;       /* measured runs per row (a warm-up run comes first) */
	double scale;        /* multiplies the op counts (--quick: 0.1) */
	uint32_t harness_ops;/* length of the harness program */
	uint64_t seed;       /* workload PRNG seed */
};

/*
 * A single-node system of nr_pages pages, one NORMAL zone, nr_cpus CPUs,
 * debug checks off, reports counted only. pcp_high / pcp_batch as in
 * struct kmm_config (0 = kernel formula). Its arena and struct pages are
 * faulted in before it is returned. NULL (and a message) on failure.
 */
struct kmm *bench_kmm_create(uint32_t nr_pages, unsigned nr_cpus, uint32_t pcp_high,
			     uint32_t pcp_batch);
/* Fail loudly if libkmm's own checker disagrees with the state left behind. */
void bench_kmm_verify(struct kmm *k, const char *what);

/* Each returns the number of rows appended to rows[]. */
unsigned bench_pcp(const struct bench_opts *o, struct bench_row *rows);
unsigned bench_buddy(const struct bench_opts *o, struct bench_row *rows);
unsigned bench_harness(const struct bench_opts *o, struct bench_row *rows);

#endif
