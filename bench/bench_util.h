/* SPDX-License-Identifier: MIT */
/*
 * Shared machinery of the benchmarks: a monotonic clock, medians, a seeded
 * PRNG, an optimisation barrier, the machine banner and the result table.
 *
 * Every benchmark row compares two things measured in the same process, run
 * after run, interleaved (ours, peer, ours, peer, ...) so that frequency
 * drift and noisy neighbours hit both alike. The figure kept is the median
 * of the runs; the ratio is median(ours) / median(peer) in ns per op, so
 * lower is better and a target is always "ratio <= target".
 */
#ifndef KMM_BENCH_UTIL_H
#define KMM_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_MAX_RUNS 64

/* Keep a value alive: the compiler must assume it is read, and that memory
 * may have changed, so the work producing it cannot be dropped or hoisted. */
#define BENCH_KEEP(x) __asm__ __volatile__("" : : "g"(x) : "memory")

/* Nanoseconds of CLOCK_MONOTONIC, or with bench_use_cpu_clock(true) of
 * CLOCK_THREAD_CPUTIME_ID: time this thread actually ran, which keeps a
 * busy machine's preemptions out of the figures. */
uint64_t bench_now_ns(void);
void bench_use_cpu_clock(bool cpu);
const char *bench_clock_name(void);

/* splitmix64: tiny, fast, and the same sequence on every machine. */
struct bench_rng {
	uint64_t s;
};
static inline uint64_t bench_rng_next(struct bench_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
/* Uniform in [0, n) by multiply-shift (bias < 2^-32, irrelevant here). */
static inline uint32_t bench_rng_below(struct bench_rng *r, uint32_t n)
{
	return (uint32_t)(((bench_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Samples of one measured thing across runs, in ns per op. */
struct bench_samples {
	unsigned n;
	double v[BENCH_MAX_RUNS];
};
/* A command-line number: decimal digits only, lo..hi. True and *out set,
 * or false (a sign, junk, overflow, out of range). */
bool bench_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);

void bench_add(struct bench_samples *s, double ns_per_op);
double bench_median(const struct bench_samples *s);
/* (max - min) / median, as a fraction: how much the runs disagreed. */
double bench_spread(const struct bench_samples *s);

/* One line of the result table. */
struct bench_row {
	const char *name;   /* what was measured */
	const char *peer;   /* what it was compared with */
	struct bench_samples ours, theirs;
	double target;      /* PASS when ratio <= target; 0 = informational */
	char note[192];      /* printed under the row when non-empty */
};
double bench_ratio(const struct bench_row *r);
bool bench_row_pass(const struct bench_row *r);

/* Machine banner: CPU model, nproc, compiler, flags, build type. */
void bench_print_machine(FILE *out, const char *argv0);
/* The table, with a header, one row each, PASS / MISS / info. Returns the
 * number of rows that missed their target. */
unsigned bench_print_table(FILE *out, const struct bench_row *rows, unsigned n);

#endif
