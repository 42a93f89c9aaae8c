/* SPDX-License-Identifier: MIT */
/*
 * mem_probe: what a random touch of memory costs on this machine, to read
 * the `random` rows of bench_slab and the buddy rows of bench_pages by.
 *
 * For each working-set size, in small pages (MADV_NOHUGEPAGE) and then in
 * transparent huge pages (MADV_HUGEPAGE), one byte of a random 4 KiB page
 * at a time:
 *   - dependent load: each address depends on the byte loaded before (a
 *     chain, as kfree's table -> struct page -> cache lookups are): the
 *     latency of a cache and TLB miss, page walk included;
 *   - independent store: the addresses known up front (as a free's store
 *     of its link into the object is): how well misses overlap.
 * Every run uses the same addresses (fixed seed); medians of the runs, ns
 * per touch. "THP" says how much of the huge-page region the kernel really
 * backed with huge pages (AnonHugePages growth); a guest whose host maps
 * its memory in small pages gains nothing from them (docs/benchmarks.md,
 * session 8).
 *
 * usage: mem_probe [--runs N] [--touches N] [MIB...]   default 4 64 256
 */
#include "bench_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_ALIGN ((size_t)2 << 20)
#define PROBE_PAGE_SHIFT 12

/* AnonHugePages of this process, in KiB (0 when unreadable). */
static unsigned long anon_huge_kib_(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	unsigned long kib = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %lu kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* A 2 MiB-aligned anonymous region of bytes, advised, written once. */
static char *region_(size_t bytes, int advice, char **map, size_t *map_len)
{
	*map_len = bytes + HUGE_ALIGN;
	*map = mmap(NULL, *map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*map == MAP_FAILED)
		return NULL;
	char *p = (char *)(((uintptr_t)*map + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1));
	(void)madvise(p, bytes, advice); /* refused: small pages, reported below */
	memset(p, 1, bytes);
	return p;
}

static double dependent_loads_(const char *p, const uint32_t *page, size_t n)
{
	uint64_t t0 = bench_now_ns();
	unsigned acc = 0;
	for (size_t i = 0; i < n; i++) /* acc & 64 is 0 or 64: same page, later line */
		acc += (unsigned char)p[((size_t)page[i] << PROBE_PAGE_SHIFT) + (acc & 64u)];
	BENCH_KEEP(acc);
	return (double)(bench_now_ns() - t0) / (double)n;
}

static double independent_stores_(char *p, const uint32_t *page, size_t n)
{
	uint64_t t0 = bench_now_ns();
	for (size_t i = 0; i < n; i++)
		p[((size_t)page[i] << PROBE_PAGE_SHIFT) + 128] = (char)i;
	BENCH_KEEP(p);
	return (double)(bench_now_ns() - t0) / (double)n;
}

static int probe_(size_t mib, int huge, unsigned runs, size_t touches)
{
	size_t bytes = mib << 20, map_len;
	char *map;
	unsigned long thp_before = anon_huge_kib_();
	char *p = region_(bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE, &map, &map_len);
	if (!p) {
		fprintf(stderr, "mem_probe: mmap of %zu MiB failed: %s\n", mib, strerror(errno));
		return -1;
	}
	unsigned long thp = anon_huge_kib_() - thp_before;
	uint32_t *page = malloc(touches * sizeof(*page));
	if (!page) {
		munmap(map, map_len);
		fprintf(stderr, "mem_probe: out of memory for %zu addresses\n", touches);
		return -1;
	}
	struct bench_rng rng = { 0x6d656d70726f6265ull };
	for (size_t i = 0; i < touches; i++)
		page[i] = bench_rng_below(&rng, (uint32_t)(bytes >> PROBE_PAGE_SHIFT));
	struct bench_samples load = { 0 }, store = { 0 };
	for (unsigned r = 0; r <= runs; r++) { /* r == 0 warms up */
		double l = dependent_loads_(p, page, touches);
		double s = independent_stores_(p, page, touches);
		if (r) {
			bench_add(&load, l);
			bench_add(&store, s);
		}
	}
	printf("%6zu MiB  %-5s  %5.0f%%  %10.1f  %5.0f%%  %10.1f  %5.0f%%\n", mib, huge ? "huge" : "small",
	       100.0 * (double)thp * 1024.0 / (double)bytes, bench_median(&load), 100.0 * bench_spread(&load),
	       bench_median(&store), 100.0 * bench_spread(&store));
	free(page);
	munmap(map, map_len);
	return 0;
}

static int usage_(const char *why)
{
	fprintf(stderr, "mem_probe: %s\nusage: mem_probe [--runs N] [--touches N] [MIB...]\n", why);
	return 2;
}

/* A positive whole number no larger than max, or 0. */
static unsigned long number_(const char *s, unsigned long max)
{
	unsigned long v;
	return bench_parse_uint(s, 1, max, &v) ? v : 0;
}

int main(int argc, char **argv)
{
	unsigned runs = 5;
	size_t touches = 2000000, sizes[16], nr = 0;
	for (int i = 1; i < argc; i++) {
		unsigned long v;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: mem_probe [--runs N] [--touches N] [MIB...]   (default sizes 4 64 256)\n");
			return 0;
		}
		if (!strcmp(argv[i], "--runs") || !strcmp(argv[i], "--touches")) {
			bool is_runs = argv[i][2] == 'r';
			if (i + 1 >= argc)
				return usage_(is_runs ? "--runs needs a value" : "--touches needs a value");
			v = number_(argv[++i], is_runs ? BENCH_MAX_RUNS : 100000000ul);
			if (!v)
				return usage_(is_runs ? "--runs wants 1..64" : "--touches wants 1..100000000");
			if (is_runs)
				runs = (unsigned)v;
			else
				touches = v;
		} else if ((v = number_(argv[i], 65536)) != 0) {
			if (nr == sizeof(sizes) / sizeof(sizes[0]))
				return usage_("at most 16 sizes");
			sizes[nr++] = v;
		} else {
			char why[160];
			snprintf(why, sizeof(why), "'%s' is neither an option nor a size in MiB (1..65536)", argv[i]);
			return usage_(why);
		}
	}
	if (!nr) {
		sizes[nr++] = 4;
		sizes[nr++] = 64;
		sizes[nr++] = 256;
	}
	bench_print_machine(stdout, argv[0]);
	printf("clock: %s, runs: %u (median), %zu touches a run, one byte of a random 4 KiB page each\n\n",
	       bench_clock_name(), runs, touches);
	printf("working set pages  THP     dep. load ns  +-     ind. store ns +-\n");
	for (size_t i = 0; i < nr; i++)
		for (int huge = 0; huge < 2; huge++)
			if (probe_(sizes[i], huge, runs, touches))
				return 1;
	return 0;
}
