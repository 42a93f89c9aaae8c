/* SPDX-License-Identifier: MIT */
/*
 * bench_slab: kmalloc on SLUB, SLAB and SLOB against the peers in one
 * process (glibc malloc, jemalloc, mimalloc, tcmalloc; slab_peers.h).
 *
 *   lifo     kmalloc(64) + kfree, LIFO, debug off;
 *   random   100k live objects of random size 8..1024, freed in random order;
 *            both also on SLUB with the hardening features off
 *            (FREELIST_HARDENED, FREELIST_RANDOM; on by default, as in
 *            distribution kernels), as information: what they cost;
 *   cache    kmem_cache_alloc/free of a 64-byte cache vs kmalloc(64) (SLUB);
 *   memory   pages held at the peak of `random` against the bytes requested,
 *            next to each peer's peak RSS growth on the same workload (each
 *            measured in a fresh child process);
 *   debug    slab_debug=FZPU against debug off, lifo and random, per backend
 *            (selecting it selects lifo and random, its baselines);
 *   traces   the recorded heap traces (the .mtrace.xz files in ../shared/traces,
 *            via xz -dc) replayed through kmalloc / krealloc / kfree and through
 *            every peer's malloc / realloc / free.
 *
 * Every run measures every allocator once, interleaved, and the table shows
 * medians and ratios (ours / peer, lower is better) with the targets.
 *
 * usage: bench_slab [--runs N] [--quick] [--clock wall|cpu] [--traces DIR]
 *                   [--strict] [--huge] [--cpus N]
 *                   [lifo] [random] [cache] [memory] [debug] [traces]
 *
 * The systems model this host: nr_cpus = its online CPUs (the kernel's
 * slab sizes follow the CPU count); --cpus N models a kernel on an N-CPU
 * machine instead (its slab orders; the banner says so, and the targets
 * are the host's); --huge puts their arena and struct pages in
 * transparent huge pages (kmm_platform_hosted_huge).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kmm/kmm.h>

#include "../differential/heap_trace.h"
#include "bench_kmm.h"
#include "bench_util.h"
#include "slab_peers.h"

#define NR_BACKENDS KMM_NR_SLAB_BACKENDS
#define RANDOM_LIVE 100000u
#define SYSTEM_PAGES (1u << 16) /* 256 MiB of simulated memory */

static const char *const backend_names_[NR_BACKENDS] = { "SLUB", "SLAB", "SLOB" };

struct options {
	unsigned runs;
	bool quick, strict;
	const char *traces_dir;
	bool want[6];
};
enum { SEC_LIFO, SEC_RANDOM, SEC_CACHE, SEC_MEMORY, SEC_DEBUG, SEC_TRACES };
static const char *const section_names_[6] = { "lifo", "random", "cache", "memory", "debug", "traces" };

/*
 * The simulated machine is this one: one node, and as many CPUs as the
 * host has online (the kernel's nr_cpu_ids here). SLUB's calculate_order
 * sizes slabs by the CPU count (min_objects = 4 * (fls(nr_cpus) + 1)), so
 * a 1-CPU system would use smaller slabs than a kernel on this host does
 * (kmalloc-512: 8 objects a slab instead of 16). Every timed run stays on
 * CPU 0, as a single-threaded caller on one CPU of such a kernel.
 */
static unsigned cpus_override_; /* --cpus N, 0 without */

static unsigned host_cpus_(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > KMM_MAX_CPUS ? KMM_MAX_CPUS : (unsigned)n;
}

static unsigned bench_nr_cpus_(void)
{
	return cpus_override_ ? cpus_override_ : host_cpus_();
}

static bool use_huge_;

/* The host's transparent huge page mode ("always [madvise] never"), for
 * the header: the advice above takes effect only with madvise or always. */
static void thp_mode_(char *buf, size_t len)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	snprintf(buf, len, "unknown");
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

/* plain: the hardening features off (the default config has them on). */
static struct kmm *make_system_(enum kmm_slab_backend b, const char *debug, bool plain)
{
	struct kmm_config cfg;
	char msg[256];

	kmm_config_init(&cfg, 1, SYSTEM_PAGES);
	memset(cfg.nodes[0].zones, 0, sizeof(cfg.nodes[0].zones));
	cfg.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = SYSTEM_PAGES;
	cfg.nr_cpus = bench_nr_cpus_();
	/* --huge: the kernel's memory in its huge-page direct map (and struct
	 * pages in a huge-page vmemmap): the arena and the struct page array
	 * in transparent huge pages, where the host takes the advice. Off by
	 * default: see docs/benchmarks-slab.md (it slowed SLAB's LIFO loop
	 * and the peers here). */
	if (use_huge_)
		cfg.platform = kmm_platform_hosted_huge();
	cfg.slab_backend = b;
	/* libkmm's own asserts off, as the banner says (kmm_config_init turns
	 * level 1 on); slab debugging is `debug`'s, through slab_debug. */
	cfg.debug_level = 0;
	if (plain)
		cfg.slab_features = 0;
	snprintf(cfg.slab_debug, sizeof(cfg.slab_debug), "%s", debug);
	if (kmm_config_validate(&cfg, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "bench_slab: bad config: %s\n", msg);
		exit(2);
	}
	struct kmm *k = kmm_create(&cfg);
	if (!k) {
		fprintf(stderr, "bench_slab: kmm_create failed\n");
		exit(2);
	}
	return k;
}

/* ---- the workloads, once per allocator kind ------------------------------ */

/* Sizes and free order of `random`, the same for everyone. */
struct random_plan {
	uint32_t *size;
	uint32_t *order;
	void **ptr;
	uint64_t requested;
	unsigned n;      /* entries in size and order */
};

static void plan_init_(struct random_plan *p, unsigned n)
{
	struct bench_rng r = { 42 };
	p->size = malloc(n * sizeof(*p->size));
	p->order = malloc(n * sizeof(*p->order));
	p->ptr = malloc(n * sizeof(*p->ptr));
	if (!p->size || !p->order || !p->ptr) {
		fprintf(stderr, "bench_slab: out of memory\n");
		exit(2);
	}
	p->requested = 0;
	p->n = n;
	for (unsigned i = 0; i < n; i++) {
		p->size[i] = 8 + bench_rng_below(&r, 1024 - 8 + 1);
		p->requested += p->size[i];
		p->order[i] = i;
	}
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = bench_rng_below(&r, i + 1);
		uint32_t t = p->order[i];
		p->order[i] = p->order[j];
		p->order[j] = t;
	}
}

static double lifo_kmm_(struct kmm *k, unsigned iters)
{
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < iters; i++) {
		void *p = kmm_kmalloc(k, 64, KMM_GFP_KERNEL);
		BENCH_KEEP(p);
		kmm_kfree(k, p);
	}
	return (double)(bench_now_ns() - t0) / iters;
}

static double lifo_peer_(const struct bench_peer *pe, unsigned iters)
{
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < iters; i++) {
		void *p = pe->malloc_fn(64);
		BENCH_KEEP(p);
		pe->free_fn(p);
	}
	return (double)(bench_now_ns() - t0) / iters;
}

static double lifo_cache_(struct kmm *k, struct kmm_cache *s, unsigned iters)
{
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < iters; i++) {
		void *p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
		BENCH_KEEP(p);
		kmm_cache_free(k, s, p);
	}
	return (double)(bench_now_ns() - t0) / iters;
}

/* ns per alloc+free pair; *peak_pages: slab pages held with all live
 * (read outside the clock). */
static double random_kmm_(struct kmm *k, struct random_plan *p, unsigned n, uint64_t *peak_pages)
{
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < n; i++) {
		p->ptr[i] = kmm_kmalloc(k, p->size[i], KMM_GFP_KERNEL);
		if (p->ptr[i])
			*(volatile char *)p->ptr[i] = 1;
	}
	uint64_t t1 = bench_now_ns();
	if (peak_pages)
		*peak_pages = kmm_slab_pages(k);
	uint64_t t2 = bench_now_ns();
	/* A run of n < p->n objects frees its own in the plan's order. */
	for (unsigned i = 0; i < p->n; i++)
		if (p->order[i] < n)
			kmm_kfree(k, p->ptr[p->order[i]]);
	return (double)((t1 - t0) + (bench_now_ns() - t2)) / n;
}

static double random_peer_(const struct bench_peer *pe, struct random_plan *p, unsigned n)
{
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < n; i++) {
		p->ptr[i] = pe->malloc_fn(p->size[i]);
		if (p->ptr[i])
			*(volatile char *)p->ptr[i] = 1;
	}
	for (unsigned i = 0; i < p->n; i++)
		if (p->order[i] < n)
			pe->free_fn(p->ptr[p->order[i]]);
	return (double)(bench_now_ns() - t0) / n;
}

/* ---- memory: peak RSS growth in a fresh child ----------------------------- */

static uint64_t rss_bytes_(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

struct mem_result {
	uint64_t held;   /* kmm: slab pages * PAGE_SIZE; peers: RSS growth */
	uint64_t rss;    /* RSS growth at the peak (kmm too) */
	bool ok;
};

/* who < NR_BACKENDS: a kmm backend; else peer who - NR_BACKENDS. */
static struct mem_result memory_child_(unsigned who, struct random_plan *p, unsigned n)
{
	struct mem_result res = { 0, 0, false };
	int fds[2];
	if (pipe(fds) != 0)
		return res;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return res;
	}
	if (pid == 0) {
		struct mem_result r = { 0, 0, true };
		close(fds[0]);
		if (who < NR_BACKENDS) {
			struct kmm *k = make_system_((enum kmm_slab_backend)who, "", false);
			uint64_t before = rss_bytes_();
			for (unsigned i = 0; i < n; i++) {
				p->ptr[i] = kmm_kmalloc(k, p->size[i], KMM_GFP_KERNEL);
				if (p->ptr[i])
					memset(p->ptr[i], 1, p->size[i]);
			}
			r.rss = rss_bytes_() - before;
			r.held = kmm_slab_pages(k) * KMM_PAGE_SIZE;
		} else {
			const struct bench_peer *pe = &bench_peers_load()[who - NR_BACKENDS];
			uint64_t before = rss_bytes_();
			for (unsigned i = 0; i < n; i++) {
				p->ptr[i] = pe->malloc_fn(p->size[i]);
				if (p->ptr[i])
					memset(p->ptr[i], 1, p->size[i]);
			}
			r.rss = rss_bytes_() - before;
			r.held = r.rss;
		}
		if (write(fds[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &res, sizeof(res)) != (ssize_t)sizeof(res))
		res.ok = false;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return res;
}

/* ---- traces --------------------------------------------------------------- */

struct loaded_trace {
	char name[64];
	struct kmm_heap_trace t;
};

/* Read an .mtrace or .mtrace.xz file whole (xz through a pipe). */
static char *read_trace_text_(const char *path, size_t *len)
{
	char cmd[1300];
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	FILE *f;
	bool xz = strlen(path) > 3 && strcmp(path + strlen(path) - 3, ".xz") == 0;

	if (!buf)
		return NULL;
	if (xz) {
		snprintf(cmd, sizeof(cmd), "xz -dc -- '%s'", path);
		f = popen(cmd, "r");
	} else {
		f = fopen(path, "r");
	}
	if (!f) {
		fprintf(stderr, "bench_slab: %s: %s\n", path, strerror(errno));
		free(buf);
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	int rc = xz ? pclose(f) : fclose(f);
	if (buf && rc != 0) {
		fprintf(stderr, "bench_slab: %s: %s failed (is xz-utils installed?)\n", path, xz ? "xz -dc" : "read");
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static unsigned load_traces_(const char *dir, struct loaded_trace *out, unsigned max)
{
	static const char *const files[] = { "sqlite.mtrace.xz", "gcc-cc1.mtrace.xz" };
	unsigned n = 0;
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]) && n < max; i++) {
		char path[1200], err[256];
		size_t len = 0;
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (access(path, R_OK) != 0) {
			fprintf(stderr, "bench_slab: no trace %s (skipped)\n", path);
			continue;
		}
		char *text = read_trace_text_(path, &len);
		if (!text)
			continue;
		int rc = kmm_heap_trace_parse(text, len, &out[n].t, err, sizeof(err));
		free(text);
		if (rc != 0) {
			fprintf(stderr, "bench_slab: %s: %s (skipped)\n", path, err);
			continue;
		}
		snprintf(out[n].name, sizeof(out[n].name), "%.*s", (int)strcspn(files[i], "."), files[i]);
		n++;
	}
	return n;
}

/* ns per event; objects still live at the end are freed outside the clock. */
static double replay_kmm_(struct kmm *k, const struct kmm_heap_trace *t, void **live, uint64_t *failed)
{
	uint64_t t0 = bench_now_ns();
	for (size_t i = 0; i < t->nr; i++) {
		const struct kmm_heap_event *e = &t->ev[i];
		switch (e->kind) {
		case KMM_HEAP_ALLOC:
			live[e->id] = kmm_kmalloc(k, (size_t)e->size, KMM_GFP_KERNEL);
			*failed += live[e->id] == NULL && e->size;
			break;
		case KMM_HEAP_FREE:
			kmm_kfree(k, live[e->id]);
			live[e->id] = NULL;
			break;
		case KMM_HEAP_REALLOC: {
			void *np = kmm_krealloc(k, live[e->old_id], (size_t)e->size, KMM_GFP_KERNEL);
			if (!np && e->size) {
				(*failed)++;
				kmm_kfree(k, live[e->old_id]);
			}
			live[e->old_id] = NULL;
			live[e->id] = np;
			break;
		}
		}
	}
	double ns = (double)(bench_now_ns() - t0) / (double)t->nr;
	for (uint32_t id = 0; id <= t->max_id; id++) {
		kmm_kfree(k, live[id]);
		live[id] = NULL;
	}
	return ns;
}

static double replay_peer_(const struct bench_peer *pe, const struct kmm_heap_trace *t, void **live)
{
	uint64_t t0 = bench_now_ns();
	for (size_t i = 0; i < t->nr; i++) {
		const struct kmm_heap_event *e = &t->ev[i];
		switch (e->kind) {
		case KMM_HEAP_ALLOC:
			live[e->id] = pe->malloc_fn((size_t)e->size);
			break;
		case KMM_HEAP_FREE:
			pe->free_fn(live[e->id]);
			live[e->id] = NULL;
			break;
		case KMM_HEAP_REALLOC:
			live[e->id] = pe->realloc_fn(live[e->old_id], (size_t)e->size);
			if (e->id != e->old_id)
				live[e->old_id] = NULL;
			break;
		}
	}
	double ns = (double)(bench_now_ns() - t0) / (double)t->nr;
	for (uint32_t id = 0; id <= t->max_id; id++) {
		pe->free_fn(live[id]);
		live[id] = NULL;
	}
	return ns;
}

/* ---- the table ------------------------------------------------------------ */

#define MAX_ROWS 64
static struct bench_row rows_[MAX_ROWS];
static unsigned nr_rows_;

static struct bench_row *row_(const char *name, const char *peer, double target)
{
	if (nr_rows_ == MAX_ROWS) {
		fprintf(stderr, "bench_slab: too many rows\n");
		exit(2);
	}
	struct bench_row *r = &rows_[nr_rows_++];
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->peer = peer;
	r->target = target;
	return r;
}

__attribute__((format(printf, 1, 2))) static char *fmt_(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "bench_slab: out of memory\n");
		exit(2);
	}
	return s;
}

static void usage_(void)
{
	fprintf(stderr, "usage: bench_slab [--runs N] [--quick] [--clock wall|cpu] [--traces DIR] [--strict] [--huge]\n"
			"                  [--cpus N] [lifo] [random] [cache] [memory] [debug] [traces]\n");
	exit(2);
}

/* The value of option name: a decimal in lo..hi, else usage error. */
static unsigned opt_uint_(const char *name, const char *text, unsigned lo, unsigned hi)
{
	unsigned long v;
	if (!bench_parse_uint(text, lo, hi, &v)) {
		fprintf(stderr, "bench_slab: %s must be %u..%u\n", name, lo, hi);
		exit(2);
	}
	return (unsigned)v;
}

static void parse_args_(int argc, char **argv, struct options *o)
{
	bool any = false;
	o->runs = 7;
	o->traces_dir = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--runs") && i + 1 < argc) {
			o->runs = opt_uint_("--runs", argv[++i], 1, BENCH_MAX_RUNS);
		} else if (!strcmp(a, "--quick")) {
			o->quick = true;
		} else if (!strcmp(a, "--strict")) {
			o->strict = true;
		} else if (!strcmp(a, "--huge")) {
			use_huge_ = true;
		} else if (!strcmp(a, "--cpus") && i + 1 < argc) {
			cpus_override_ = opt_uint_("--cpus", argv[++i], 1, KMM_MAX_CPUS);
		} else if (!strcmp(a, "--clock") && i + 1 < argc) {
			const char *c = argv[++i];
			if (strcmp(c, "cpu") && strcmp(c, "wall")) {
				fprintf(stderr, "bench_slab: --clock must be wall or cpu\n");
				exit(2);
			}
			bench_use_cpu_clock(!strcmp(c, "cpu"));
		} else if (!strcmp(a, "--traces") && i + 1 < argc) {
			o->traces_dir = argv[++i];
		} else {
			bool found = false;
			for (unsigned s = 0; s < 6; s++) {
				if (!strcmp(a, section_names_[s])) {
					o->want[s] = found = any = true;
				}
			}
			if (!found) {
				fprintf(stderr, "bench_slab: unknown argument '%s'\n", a);
				usage_();
			}
		}
	}
	if (!any)
		for (unsigned s = 0; s < 6; s++)
			o->want[s] = true;
	/* debug's rows are ratios to debug off: it needs lifo and random. */
	if (o->want[SEC_DEBUG])
		o->want[SEC_LIFO] = o->want[SEC_RANDOM] = true;
	if (o->quick && o->runs > 3)
		o->runs = 3;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	const struct bench_peer *peers = bench_peers_load();
	struct kmm *sys[NR_BACKENDS], *dbg[NR_BACKENDS];
	struct random_plan plan;
	unsigned lifo_iters, nlive;

	parse_args_(argc, argv, &o);
	lifo_iters = o.quick ? 1000000 : 10000000;
	nlive = o.quick ? RANDOM_LIVE / 10 : RANDOM_LIVE;
	bench_print_machine(stdout, argv[0]);
	printf("clock: %s, runs: %u (median), lifo: %u pairs, random: %u live objects 8..1024 B\n",
	       bench_clock_name(), o.runs, lifo_iters, nlive);
	char thp[96];
	thp_mode_(thp, sizeof(thp));
	printf("systems: 1 node, %u pages (%u MiB), nr_cpus %u (%s; runs on CPU 0),\n"
	       "         arena and struct pages %s; host THP: %s\n",
	       SYSTEM_PAGES, SYSTEM_PAGES >> 8, bench_nr_cpus_(),
	       cpus_override_ ? "--cpus: a kernel on a machine of that size, not this host" : "the host's online CPUs",
	       use_huge_ ? "advised MADV_HUGEPAGE (--huge: kmm_platform_hosted_huge, the kernel's huge-page direct map)"
			 : "in 4 KiB pages (--huge: advised MADV_HUGEPAGE)",
	       thp);
	for (unsigned i = 0; i < NR_PEERS; i++)
		printf("peer %-9s %s\n", peers[i].name, peers[i].available ? peers[i].source : peers[i].why);
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		sys[b] = make_system_((enum kmm_slab_backend)b, "", false);
		dbg[b] = make_system_((enum kmm_slab_backend)b, "FZPU", false);
	}
	struct kmm *plain = make_system_(KMM_SLAB_BACKEND_SLUB, "", true);
	plan_init_(&plan, RANDOM_LIVE);

	/* lifo and random: every allocator every run, interleaved. */
	struct bench_samples lifo[NR_BACKENDS], lifo_p[NR_PEERS], rnd[NR_BACKENDS], rnd_p[NR_PEERS];
	struct bench_samples lifo_dbg[NR_BACKENDS], rnd_dbg[NR_BACKENDS], cache64, kmalloc64;
	struct bench_samples lifo_plain, rnd_plain;
	memset(lifo, 0, sizeof(lifo));
	memset(lifo_p, 0, sizeof(lifo_p));
	memset(rnd, 0, sizeof(rnd));
	memset(rnd_p, 0, sizeof(rnd_p));
	memset(lifo_dbg, 0, sizeof(lifo_dbg));
	memset(rnd_dbg, 0, sizeof(rnd_dbg));
	memset(&cache64, 0, sizeof(cache64));
	memset(&kmalloc64, 0, sizeof(kmalloc64));
	memset(&lifo_plain, 0, sizeof(lifo_plain));
	memset(&rnd_plain, 0, sizeof(rnd_plain));
	struct kmm_cache *c64 = kmm_cache_create(sys[KMM_SLAB_BACKEND_SLUB], "bench-64", 64, 0, 0, NULL);
	if (!c64) {
		fprintf(stderr, "bench_slab: kmm_cache_create failed\n");
		return 2;
	}
	/* Memory first, before any workload has grown this process's heaps:
	 * each child forks from a process whose peers are still untouched. */
	if (o.want[SEC_MEMORY]) {
		uint64_t req = 0;
		for (unsigned i = 0; i < nlive; i++)
			req += plan.size[i];
		printf("\nmemory at the peak of `random` (%u live objects, %.1f MiB requested), fresh process each:\n",
		       nlive, (double)req / 1048576.0);
		printf("%-10s %14s %10s %14s\n", "allocator", "held MiB", "held/req", "RSS growth MiB");
		for (unsigned w = 0; w < NR_BACKENDS + NR_PEERS; w++) {
			const char *name = w < NR_BACKENDS ? backend_names_[w] : peers[w - NR_BACKENDS].name;
			if (w >= NR_BACKENDS && !peers[w - NR_BACKENDS].available)
				continue;
			struct mem_result m = memory_child_(w, &plan, nlive);
			if (!m.ok) {
				printf("%-10s (child failed)\n", name);
				continue;
			}
			printf("%-10s %14.1f %9.3fx %14.1f%s\n", name, (double)m.held / 1048576.0,
			       (double)m.held / (double)req, (double)m.rss / 1048576.0,
			       w < NR_BACKENDS ? "   (held = slab pages x 4 KiB)" : "   (held = RSS growth)");
		}
	}

	/* Warm-up: fault the arenas and the peers' heaps in before timing. */
	for (unsigned b = 0; b < NR_BACKENDS; b++)
		if (bench_kmm_prefault(sys[b], SYSTEM_PAGES, "bench_slab") != 0 ||
		    bench_kmm_prefault(dbg[b], SYSTEM_PAGES, "bench_slab") != 0)
			return 2;
	if (bench_kmm_prefault(plain, SYSTEM_PAGES, "bench_slab") != 0)
		return 2;
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		random_kmm_(sys[b], &plan, nlive, NULL);
		lifo_kmm_(sys[b], lifo_iters / 10);
	}
	random_kmm_(plain, &plan, nlive, NULL);
	for (unsigned i = 0; i < NR_PEERS; i++)
		if (peers[i].available)
			random_peer_(&peers[i], &plan, nlive);

	for (unsigned run = 0; run < o.runs; run++) {
		for (unsigned b = 0; b < NR_BACKENDS; b++) {
			if (o.want[SEC_LIFO])
				bench_add(&lifo[b], lifo_kmm_(sys[b], lifo_iters));
			if (o.want[SEC_RANDOM])
				bench_add(&rnd[b], random_kmm_(sys[b], &plan, nlive, NULL));
			if (o.want[SEC_DEBUG]) {
				bench_add(&lifo_dbg[b], lifo_kmm_(dbg[b], lifo_iters / 10));
				bench_add(&rnd_dbg[b], random_kmm_(dbg[b], &plan, nlive / 10, NULL));
			}
		}
		if (o.want[SEC_LIFO])
			bench_add(&lifo_plain, lifo_kmm_(plain, lifo_iters));
		if (o.want[SEC_RANDOM])
			bench_add(&rnd_plain, random_kmm_(plain, &plan, nlive, NULL));
		for (unsigned i = 0; i < NR_PEERS; i++) {
			if (!peers[i].available)
				continue;
			if (o.want[SEC_LIFO])
				bench_add(&lifo_p[i], lifo_peer_(&peers[i], lifo_iters));
			if (o.want[SEC_RANDOM])
				bench_add(&rnd_p[i], random_peer_(&peers[i], &plan, nlive));
		}
		if (o.want[SEC_CACHE]) {
			/* Each timed loop starts warm: the loop that comes first
			 * after a change of loop measured ~8 % slower, whichever
			 * of the two it was. */
			lifo_cache_(sys[KMM_SLAB_BACKEND_SLUB], c64, lifo_iters / 10);
			bench_add(&cache64, lifo_cache_(sys[KMM_SLAB_BACKEND_SLUB], c64, lifo_iters));
			lifo_kmm_(sys[KMM_SLAB_BACKEND_SLUB], lifo_iters / 10);
			bench_add(&kmalloc64, lifo_kmm_(sys[KMM_SLAB_BACKEND_SLUB], lifo_iters));
		}
	}

	/* The targets: SLUB against the fastest peer, SLAB 1.5x and
	 * SLOB 3x glibc. Every other pairing is information. */
	static const double lifo_target[NR_BACKENDS] = { 1.0, 1.5, 3.0 };
	static const unsigned lifo_peer[NR_BACKENDS] = { PEER_TCMALLOC, PEER_GLIBC, PEER_GLIBC };
	static const unsigned rnd_peer[NR_BACKENDS] = { PEER_MIMALLOC, PEER_GLIBC, PEER_GLIBC };
	for (unsigned b = 0; b < NR_BACKENDS && o.want[SEC_LIFO]; b++) {
		for (unsigned i = 0; i < NR_PEERS; i++) {
			if (!peers[i].available)
				continue;
			struct bench_row *r = row_(fmt_("kmalloc(64)+kfree LIFO %s", backend_names_[b]),
						   peers[i].name, i == lifo_peer[b] ? lifo_target[b] : 0.0);
			r->ours = lifo[b];
			r->theirs = lifo_p[i];
		}
	}
	for (unsigned b = 0; b < NR_BACKENDS && o.want[SEC_RANDOM]; b++) {
		for (unsigned i = 0; i < NR_PEERS; i++) {
			if (!peers[i].available)
				continue;
			struct bench_row *r = row_(fmt_("random 8..1024, 100k live %s", backend_names_[b]),
						   peers[i].name, i == rnd_peer[b] ? lifo_target[b] : 0.0);
			r->ours = rnd[b];
			r->theirs = rnd_p[i];
		}
	}
	/* The hardening's cost, against the peer of the SLUB target. */
	if (o.want[SEC_LIFO] && peers[PEER_TCMALLOC].available) {
		struct bench_row *r = row_("LIFO SLUB, hardening off", peers[PEER_TCMALLOC].name, 0.0);
		r->ours = lifo_plain;
		r->theirs = lifo_p[PEER_TCMALLOC];
	}
	if (o.want[SEC_RANDOM] && peers[PEER_MIMALLOC].available) {
		struct bench_row *r = row_("random SLUB, hardening off", peers[PEER_MIMALLOC].name, 0.0);
		r->ours = rnd_plain;
		r->theirs = rnd_p[PEER_MIMALLOC];
	}
	if (o.want[SEC_CACHE]) {
		struct bench_row *r = row_("kmem_cache_alloc+free 64 B SLUB", "kmalloc(64) SLUB", 1.0);
		r->ours = cache64;
		r->theirs = kmalloc64;
	}
	for (unsigned b = 0; b < NR_BACKENDS && o.want[SEC_DEBUG]; b++) {
		struct bench_row *r = row_(fmt_("FZPU lifo %s", backend_names_[b]), "debug off", 0.0);
		r->ours = lifo_dbg[b];
		r->theirs = lifo[b];
		r = row_(fmt_("FZPU random (10k live) %s", backend_names_[b]), "debug off (100k live)", 0.0);
		r->ours = rnd_dbg[b];
		r->theirs = rnd[b];
	}

	/* Traces. */
	if (o.want[SEC_TRACES]) {
		char dir[1024];
		struct loaded_trace traces[2];
		if (o.traces_dir) {
			snprintf(dir, sizeof(dir), "%s", o.traces_dir);
		} else {
			/* bench/../../shared/traces from the source tree. */
			snprintf(dir, sizeof(dir), "%s/../../shared/traces", KMM_BENCH_SOURCE_DIR);
		}
		unsigned nt = load_traces_(dir, traces, 2);
		for (unsigned ti = 0; ti < nt; ti++) {
			const struct kmm_heap_trace *t = &traces[ti].t;
			void **live = calloc((size_t)t->max_id + 1, sizeof(void *));
			struct bench_samples ours[NR_BACKENDS], theirs[NR_PEERS];
			uint64_t failed[NR_BACKENDS] = { 0 };
			memset(ours, 0, sizeof(ours));
			memset(theirs, 0, sizeof(theirs));
			if (!live)
				break;
			unsigned truns = o.quick ? 1 : (o.runs < 5 ? o.runs : 5);
			for (unsigned run = 0; run < truns; run++) {
				for (unsigned b = 0; b < NR_BACKENDS; b++)
					bench_add(&ours[b], replay_kmm_(sys[b], t, live, &failed[b]));
				for (unsigned i = 0; i < NR_PEERS; i++)
					if (peers[i].available)
						bench_add(&theirs[i], replay_peer_(&peers[i], t, live));
			}
			for (unsigned b = 0; b < NR_BACKENDS; b++) {
				for (unsigned i = 0; i < NR_PEERS; i++) {
					if (!peers[i].available)
						continue;
					struct bench_row *r =
						row_(fmt_("trace %s %s", traces[ti].name, backend_names_[b]), peers[i].name, 0.0);
					r->ours = ours[b];
					r->theirs = theirs[i];
					if (failed[b])
						snprintf(r->note, sizeof(r->note),
							 "%llu of %zu allocations failed on %s (per run total)",
							 (unsigned long long)failed[b], t->allocs + t->reallocs, backend_names_[b]);
				}
			}
			printf("trace %s: %zu events (%zu allocs, %zu frees, %zu reallocs, %zu never freed)\n",
			       traces[ti].name, t->nr, t->allocs, t->frees, t->reallocs, t->live_at_end);
			free(live);
			kmm_heap_trace_free(&traces[ti].t);
		}
	}

	unsigned missed = bench_print_table(stdout, rows_, nr_rows_);

	kmm_destroy(plain);
	for (unsigned b = 0; b < NR_BACKENDS; b++) {
		kmm_destroy(sys[b]);
		kmm_destroy(dbg[b]);
	}
	free(plan.size);
	free(plan.order);
	free(plan.ptr);
	return o.strict && missed ? 1 : 0;
}
