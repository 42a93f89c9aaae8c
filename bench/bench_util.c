/* SPDX-License-Identifier: MIT */
/* Clock, medians, banner and table for the benchmarks (see bench_util.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "bench_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Set by bench/CMakeLists.txt; a hand build may leave them out. */
#ifndef KMM_BENCH_CFLAGS
#define KMM_BENCH_CFLAGS "(not recorded)"
#endif
#ifndef KMM_BENCH_BUILD_TYPE
#define KMM_BENCH_BUILD_TYPE "(not recorded)"
#endif

/* libkmm's compile-time switches travel to us as kmm_lib usage requirements. */
#if defined(KMM_DEBUG_LEVEL)
#define KMM_BENCH_DEBUG_CEILING KMM_DEBUG_LEVEL
#else
#define KMM_BENCH_DEBUG_CEILING 2 /* allocators/page/assert.h's default */
#endif
#if defined(KMM_VALGRIND)
#define KMM_BENCH_VALGRIND KMM_VALGRIND
#else
#define KMM_BENCH_VALGRIND 0
#endif

/* The benchmark's one setting that every timer reads (set once by main). */
static clockid_t bench_clock = CLOCK_MONOTONIC;

void bench_use_cpu_clock(bool cpu)
{
	bench_clock = cpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
}

const char *bench_clock_name(void)
{
	return bench_clock == CLOCK_MONOTONIC ? "CLOCK_MONOTONIC (wall)"
					      : "CLOCK_THREAD_CPUTIME_ID (this thread's CPU time)";
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(bench_clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_add(struct bench_samples *s, double ns_per_op)
{
	if (s->n < BENCH_MAX_RUNS)
		s->v[s->n++] = ns_per_op;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void sorted(const struct bench_samples *s, double *out)
{
	memcpy(out, s->v, s->n * sizeof(*out));
	qsort(out, s->n, sizeof(*out), cmp_double);
}

double bench_median(const struct bench_samples *s)
{
	double v[BENCH_MAX_RUNS];

	if (s->n == 0)
		return 0.0;
	sorted(s, v);
	return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2.0;
}

double bench_spread(const struct bench_samples *s)
{
	double v[BENCH_MAX_RUNS], med = bench_median(s);

	if (s->n == 0 || med <= 0.0)
		return 0.0;
	sorted(s, v);
	return (v[s->n - 1] - v[0]) / med;
}

double bench_ratio(const struct bench_row *r)
{
	double peer = bench_median(&r->theirs);

	return peer > 0.0 ? bench_median(&r->ours) / peer : 0.0;
}

bool bench_row_pass(const struct bench_row *r)
{
	return r->target <= 0.0 || bench_ratio(r) <= r->target;
}

/* First "model name" line of /proc/cpuinfo, or "unknown". */
static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) != 0 || !colon)
			continue;
		colon += 1 + (colon[1] == ' ');
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

void bench_print_machine(FILE *out, const char *argv0)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char model[160];
	double load[1];

	cpu_model(model, sizeof(model));
	fprintf(out, "machine:  %s, nproc %ld (online), nothing pinned\n", model, ncpu);
#if defined(__clang__)
	fprintf(out, "compiler: clang %s\n", __clang_version__);
#elif defined(__GNUC__)
	fprintf(out, "compiler: gcc %s\n", __VERSION__);
#else
	fprintf(out, "compiler: unknown\n");
#endif
	fprintf(out, "build:    %s, flags: %s\n", KMM_BENCH_BUILD_TYPE, KMM_BENCH_CFLAGS);
	fprintf(out, "libkmm:   asserts compiled in up to level %d (runtime debug_level 0 here), "
		     "Valgrind client requests %s\n",
		KMM_BENCH_DEBUG_CEILING, KMM_BENCH_VALGRIND ? "compiled in" : "off");
	fprintf(out, "clock:    %s\n", bench_clock_name());
	if (getloadavg(load, 1) == 1) {
		fprintf(out, "load:     %.2f (1-minute average) on %ld CPUs%s\n", load[0], ncpu,
			load[0] > 0.75 * (double)ncpu && bench_clock == CLOCK_MONOTONIC
				? ": busy. Wall-clock figures include time other processes "
				  "ran; rerun when idle or with --clock cpu"
				: "");
	}
	fprintf(out, "binary:   %s\n", argv0);
#ifndef __OPTIMIZE__
	fprintf(out, "WARNING:  this binary was built without optimisation; the numbers "
		     "below mean nothing. Use bench/run.sh (release preset, -O2).\n");
#endif
}

/* "1.23x" or "-" when there is no peer. */
static void fmt_ratio(char *buf, size_t len, double ratio)
{
	if (ratio > 0.0)
		snprintf(buf, len, "%.2fx", ratio);
	else
		snprintf(buf, len, "-");
}

unsigned bench_print_table(FILE *out, const struct bench_row *rows, unsigned n)
{
	unsigned missed = 0;

	fprintf(out, "\n%-44s %10s %6s  %-22s %10s %6s  %7s  %8s  %s\n", "benchmark", "ns/op",
		"+-", "peer", "peer ns/op", "+-", "ratio", "target", "result");
	for (unsigned i = 0; i < 44 + 10 + 6 + 22 + 10 + 6 + 7 + 8 + 6 + 16; i++)
		fputc('-', out);
	fputc('\n', out);
	for (unsigned i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];
		char ratio[32], target[32];
		const char *verdict = "info";

		fmt_ratio(ratio, sizeof(ratio), bench_ratio(r));
		if (r->target > 0.0) {
			snprintf(target, sizeof(target), "<=%.2fx", r->target);
			verdict = bench_row_pass(r) ? "PASS" : "MISS";
			missed += !bench_row_pass(r);
		} else {
			snprintf(target, sizeof(target), "-");
		}
		fprintf(out, "%-44s %10.2f %5.0f%%  %-22s %10.2f %5.0f%%  %7s  %8s  %s\n", r->name,
			bench_median(&r->ours), 100.0 * bench_spread(&r->ours), r->peer,
			bench_median(&r->theirs), 100.0 * bench_spread(&r->theirs), ratio, target,
			verdict);
		if (r->note[0])
			fprintf(out, "    %s\n", r->note);
	}
	fprintf(out, "\nns/op: median of the runs; +-: (max - min) / median over the runs; "
		     "ratio: ns/op / peer ns/op (lower is better).\n");
	return missed;
}

bool bench_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}
