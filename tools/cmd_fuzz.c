/* SPDX-License-Identifier: MIT */
/*
 * kmm fuzz: run the real engines on the fuzz targets for a time budget,
 * show live progress, then triage what they found.
 *
 * Nothing here imitates an engine: libFuzzer binaries come from the `fuzz`
 * preset (build/fuzz/bin/fuzz_<t>), AFL++ binaries from the `afl` preset
 * (build/afl/bin/fuzz_<t>) and afl-fuzz from PATH. Every (target, engine)
 * pair runs for the whole budget, as many at once as --parallel allows (a
 * core each by default), each in its own working directory <out>/<target>/
 * (libFuzzer's corpus/ and artifacts/, AFL's afl/, the engines' logs),
 * seeded read-only from corpus/<target>/.
 *
 * Exit status: 0 no crash, 1 crashes found, 2 usage or setup error (or an
 * engine that could not run).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static const struct fuzz_target targets[] = {
	{ "fuzz_pages", false, KMM_PROGRAM_PAGES },
	{ "fuzz_numa", false, KMM_PROGRAM_NUMA },
	{ "fuzz_slub", false, KMM_PROGRAM_SLUB },
	{ "fuzz_slab", false, KMM_PROGRAM_SLAB },
	{ "fuzz_slob", false, KMM_PROGRAM_SLOB },
	{ "fuzz_kmalloc_diff", false, KMM_PROGRAM_KMALLOC_DIFF },
	{ "fuzz_trace_parser", true, KMM_PROGRAM_PAGES },
};
#define NR_TARGETS (sizeof(targets) / sizeof(targets[0]))

/* Set by the SIGINT/SIGTERM handler; the count lets a third ^C end kmm. */
static volatile sig_atomic_t interrupts;
static volatile int interrupted_flag;

static void on_signal(int sig)
{
	(void)sig;
	interrupts++;
	interrupted_flag = 1;
	if (interrupts >= 3) {
		static const char msg[] = "\nkmm fuzz: interrupted three times, exiting now\n";

		if (write(2, msg, sizeof(msg) - 1) < 0) {
			/* nothing more to do */
		}
		_exit(130);
	}
}

static void fuzz_help(void)
{
	printf("usage: kmm fuzz [options] TARGET... | all\n"
	       "\n"
	       "Fuzz the targets (fuzz_pages, fuzz_numa, fuzz_slub, fuzz_slab, fuzz_slob,\n"
	       "fuzz_kmalloc_diff, fuzz_trace_parser) with the real\n"
	       "engines for a time budget each, with live progress; then triage every\n"
	       "crash: signature, dedupe, minimise, decode, save, and print a summary table.\n"
	       "Runs (a target with an engine) wait in a queue for a free core: at most\n"
	       "--parallel engine processes run at once, so the whole takes about\n"
	       "ceil(runs / parallel) x S seconds.\n"
	       "\n"
	       "  --time S          seconds per target and engine (default 60)\n"
	       "  --parallel N      engine processes at once (default: online CPUs); a run\n"
	       "                    with --jobs J counts J\n"
	       "  --jobs N          parallel workers per target and engine (default 1):\n"
	       "                    libFuzzer -fork=N, AFL++ one -M and N-1 -S instances\n"
	       "  --engine E        libfuzzer (default), afl, or both\n"
	       "  --build-dir DIR   build tree with the libFuzzer binaries (the 'fuzz' preset,\n"
	       "                    DIR/bin/fuzz_<t>); default: next to this kmm, else\n"
	       "                    build/fuzz in the source tree\n"
	       "  --afl-build-dir DIR  the same for AFL++ binaries (the 'afl' preset,\n"
	       "                    default build/afl)\n"
	       "  --out DIR         working and output root (default build/fuzz-out); each\n"
	       "                    target uses DIR/<target>/: corpus/, artifacts/, afl/,\n"
	       "                    crashes/, <engine>.log\n"
	       "  --source DIR      kmm source tree (seeds corpus/<t>/, fuzz/dict/<t>.dict)\n"
	       "  --minimize-time S seconds to minimise each new crash (default 30, 0 = off)\n"
	       "  --dry-run         print the engine commands and exit\n"
	       "\n"
	       "Crashes are saved as DIR/<target>/crashes/<sig-hash>.{bin,trace,txt}; each\n"
	       "comes with the 'kmm regress add' command that makes it a regression test.\n"
	       "^C stops the engines and still triages (without minimising) and summarises.\n"
	       "\n"
	       "Exit status: 0 no crash, 1 crashes found, 2 usage or setup error.\n");
}

/* ---- finding things ---- */

/* Does the file contain marker? (engine runtimes leave their flag names) */
static bool file_contains(const char *path, const char *marker)
{
	FILE *f = fopen(path, "rb");
	size_t ml = strlen(marker), keep = 0;
	char chunk[65536 + 64];
	bool found = false;

	if (!f)
		return false;
	for (;;) {
		size_t n = fread(chunk + keep, 1, sizeof(chunk) - 64 - 0, f);

		if (n == 0)
			break;
		n += keep;
		if (memmem(chunk, n, marker, ml)) {
			found = true;
			break;
		}
		keep = ml - 1 < n ? ml - 1 : n;
		memmove(chunk, chunk + n - keep, keep);
	}
	fclose(f);
	return found;
}

static bool is_engine_binary(const char *path, enum fuzz_engine e)
{
	if (!is_executable(path))
		return false;
	return e == ENGINE_AFL ? file_contains(path, "__AFL_SHM_ID")
			       : file_contains(path, "max_total_time");
}

static char *in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	copy = xstrdup(path);
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = path_join(d, prog);

		if (is_executable(p)) {
			free(copy);
			return p;
		}
		free(p);
	}
	free(copy);
	return NULL;
}

/*
 * Candidates for fuzz_<t> of an engine, first match wins: an explicit build
 * dir (DIR/bin, DIR/fuzz, DIR), else this kmm's own build tree and its
 * sibling preset tree (build/<preset>/bin/kmm -> build/fuzz/bin/fuzz_<t>),
 * else build/<preset> in the source tree.
 */
static void binary_candidates(const char *dir_opt, const char *preset, const char *source,
			      const char *name, struct strlist *out)
{
	const char *subs[] = { "bin", "fuzz", "." };
	char *self = self_dir();
	struct strlist roots = { 0 };

	if (dir_opt) {
		strlist_add(&roots, dir_opt);
	} else {
		if (self) {
			char *tree = path_dirname(self);        /* build/<preset> */
			char *builds = path_dirname(tree);      /* build */
			char *sib = path_join(builds, preset);

			strlist_add(&roots, tree);
			strlist_add(&roots, sib);
			free(tree);
			free(builds);
			free(sib);
		}
		{
			char *b = path_join(source, "build");
			char *t = path_join(b, preset);

			strlist_add(&roots, t);
			free(b);
			free(t);
		}
	}
	for (size_t i = 0; i < roots.n; i++)
		for (size_t k = 0; k < sizeof(subs) / sizeof(subs[0]); k++) {
			char *d = strcmp(subs[k], ".") ? path_join(roots.v[i], subs[k]) : xstrdup(roots.v[i]);
			char *p = path_join(d, name);

			if (!strlist_has(out, p))
				strlist_add(out, p);
			free(d);
			free(p);
		}
	strlist_free(&roots);
	free(self);
}

static char *find_binary(const char *dir_opt, const char *preset, const char *source,
			 const char *name, enum fuzz_engine e, struct buf *looked)
{
	struct strlist c = { 0 };
	char *found = NULL;

	binary_candidates(dir_opt, preset, source, name, &c);
	for (size_t i = 0; i < c.n && !found; i++) {
		if (is_engine_binary(c.v[i], e))
			found = xstrdup(c.v[i]);
		else if (looked && (i < 3 || dir_opt))
			buf_printf(looked, "%s%s%s", looked->len ? ", " : "", c.v[i],
				   is_file(c.v[i]) ? " (not a matching build)" : "");
	}
	strlist_free(&c);
	return found;
}

static char *find_symbolizer(void)
{
	const char *env = getenv("ASAN_SYMBOLIZER_PATH");
	static const char *const known[] = {
		"/usr/lib/llvm-14/bin/llvm-symbolizer", "/usr/lib/llvm-15/bin/llvm-symbolizer",
		"/usr/lib/llvm-16/bin/llvm-symbolizer", NULL,
	};

	if (env && is_executable(env))
		return xstrdup(env);
	{
		char *p = in_path("llvm-symbolizer");

		if (p)
			return p;
	}
	for (const char *const *k = known; *k; k++)
		if (is_executable(*k))
			return xstrdup(*k);
	return NULL;
}

static bool dir_has_files(const char *dir)
{
	struct strlist l = { 0 };
	bool any;

	if (!is_dir(dir))
		return false;
	if (collect_files(NULL, dir, &l))
		return false;
	any = l.n > 0;
	strlist_free(&l);
	return any;
}

/* ---- setup ---- */

struct fuzz_opts {
	unsigned long time, jobs, minimize, parallel;
	bool want[2];                  /* by enum fuzz_engine */
	bool engine_explicit_afl;      /* --engine afl: missing AFL is an error */
	const char *build_dir, *afl_build_dir, *out, *source;
	bool dry_run;
	bool selected[NR_TARGETS];
};

static int setup_run(struct fuzz_session *s, const struct fuzz_opts *o, struct fuzz_run *r,
		     const struct fuzz_target *t, enum fuzz_engine e, const char *afl_fuzz)
{
	struct buf looked = { 0 };
	const char *dir_opt = e == ENGINE_AFL ? (o->afl_build_dir ? o->afl_build_dir
					  : !o->want[ENGINE_LIBFUZZER] ? o->build_dir : NULL)
				      : o->build_dir;
	char *seeds_rel = path_join("corpus", t->name);
	int rc = 0;

	r->t = t;
	r->engine = e;
	r->jobs = (unsigned)o->jobs;
	r->time_budget = (unsigned)o->time;
	r->binary = find_binary(dir_opt, e == ENGINE_AFL ? "afl" : "fuzz", s->source, t->name, e,
				&looked);
	if (!r->binary) {
		kmm_err("fuzz", "no %s build of %s (looked at %s); build it with 'cmake --workflow "
			"--preset %s'%s", e == ENGINE_AFL ? "AFL++" : "libFuzzer", t->name, looked.data,
			e == ENGINE_AFL ? "afl" : "fuzz", dir_opt ? "" : " or pass --build-dir");
		rc = -1;
		goto out;
	}
	if (e == ENGINE_AFL && !afl_fuzz) {
		kmm_err("fuzz", "afl-fuzz is not installed (Debian: apt-get install afl++)");
		rc = -1;
		goto out;
	}
	r->replay_bin = e == ENGINE_LIBFUZZER ? xstrdup(r->binary)
			: find_binary(o->build_dir, "fuzz", s->source, t->name, ENGINE_LIBFUZZER, NULL);
	if (!r->replay_bin)
		r->replay_bin = xstrdup(r->binary);
	r->seeds = path_join(s->source, seeds_rel);
	{
		char *d1 = path_join(s->source, "fuzz/dict");
		char name[128];
		char *p1;

		snprintf(name, sizeof(name), "%s.dict", t->name);
		p1 = path_join(d1, name);
		if (is_file(p1)) {
			r->dict = p1;
		} else {
			char *d2 = path_join(s->source, "fuzz");
			char *p2 = path_join(d2, name);

			free(p1);
			r->dict = is_file(p2) ? p2 : NULL;
			if (!r->dict)
				free(p2);
			free(d2);
		}
		free(d1);
	}
	r->work = path_join(s->out, t->name);
	r->corpus = path_join(r->work, "corpus");
	r->artifacts = path_join(r->work, "artifacts");
	r->afl_out = path_join(r->work, "afl");
	{
		char name[64];

		snprintf(name, sizeof(name), "%s.log", engine_name(e));
		r->log_path = path_join(r->work, name);
	}
	if (!dir_has_files(r->seeds)) {
		/* No built corpus yet: encode the readable seeds for this run. */
		char *b = path_join(s->source, "corpus/seeds");
		char *text_seeds = path_join(b, t->name);
		char *dst = path_join(r->work, "seeds");

		free(b);
		if (dir_has_files(text_seeds)) {
			struct corpus_counts c = { 0 };

			if (o->dry_run || corpus_build_dir("fuzz", text_seeds, dst, t->name, false, true, &c) == 0) {
				if (e == ENGINE_LIBFUZZER || !o->want[ENGINE_LIBFUZZER])
					printf("note: %s is empty; seeding %s from corpus/seeds/%s (run 'kmm corpus "
					       "build' to ship them)\n", seeds_rel, t->name, t->name);
				free(r->seeds);
				r->seeds = dst;
				dst = NULL;
			}
		}
		free(text_seeds);
		free(dst);
	}
	if (!dir_has_files(r->seeds) && !(o->dry_run && has_suffix(r->seeds, "/seeds"))) {
		kmm_warn("fuzz", "%s has no seeds (run 'kmm corpus build'); starting from scratch",
			 r->seeds);
		if (e == ENGINE_AFL) {
			/* afl-fuzz needs at least one input. */
			char *dir = path_join(r->work, "afl-seeds");
			char *f = path_join(dir, "empty");

			free(r->seeds);
			r->seeds = dir;
			if (!o->dry_run && (mkdir_p("fuzz", dir) || write_file("fuzz", f, "\n", 1)))
				rc = -1;
			free(f);
		}
	}
	if (!o->dry_run && (mkdir_p("fuzz", r->work) || mkdir_p("fuzz", r->corpus) ||
			    mkdir_p("fuzz", r->artifacts)))
		rc = -1;
out:
	buf_free(&looked);
	free(seeds_rel);
	return rc;
}

static void free_run(struct fuzz_run *r)
{
	free(r->binary);
	free(r->replay_bin);
	free(r->seeds);
	free(r->dict);
	free(r->work);
	free(r->corpus);
	free(r->artifacts);
	free(r->afl_out);
	free(r->log_path);
	if (r->log)
		fclose(r->log);
	for (unsigned i = 0; i < FUZZ_MAX_JOBS; i++)
		buf_free(&r->procs[i].line);
}

/* The default of --parallel: one engine process a core. */
static unsigned long online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned long)n : 1;
}

static int parse_fuzz_args(int argc, char **argv, struct fuzz_opts *o)
{
	const char *cmd = "fuzz";
	bool any = false;
	int r;

	o->time = 60;
	o->jobs = 1;
	o->minimize = 30;
	o->parallel = online_cpus();
	o->want[ENGINE_LIBFUZZER] = true;
	for (int i = 1; i < argc; i++) {
		const char *v;

		if (is_help(argv[i])) {
			fuzz_help();
			return 1;
		}
		if ((r = opt_value(cmd, argc, argv, &i, "--time", &v)) != 0) {
			if (r < 0 || opt_uint(cmd, "--time", v, 1, 30 * 86400, &o->time))
				return -1;
		} else if ((r = opt_value(cmd, argc, argv, &i, "--parallel", &v)) != 0) {
			if (r < 0 || opt_uint(cmd, "--parallel", v, 1, 1024, &o->parallel))
				return -1;
		} else if ((r = opt_value(cmd, argc, argv, &i, "--jobs", &v)) != 0) {
			if (r < 0 || opt_uint(cmd, "--jobs", v, 1, FUZZ_MAX_JOBS, &o->jobs))
				return -1;
		} else if ((r = opt_value(cmd, argc, argv, &i, "--minimize-time", &v)) != 0) {
			if (r < 0 || opt_uint(cmd, "--minimize-time", v, 0, 3600, &o->minimize))
				return -1;
		} else if ((r = opt_value(cmd, argc, argv, &i, "--engine", &v)) != 0) {
			if (r < 0)
				return -1;
			if (!strcmp(v, "libfuzzer")) {
				o->want[ENGINE_LIBFUZZER] = true;
				o->want[ENGINE_AFL] = false;
			} else if (!strcmp(v, "afl") || !strcmp(v, "afl++")) {
				o->want[ENGINE_LIBFUZZER] = false;
				o->want[ENGINE_AFL] = true;
				o->engine_explicit_afl = true;
			} else if (!strcmp(v, "both")) {
				o->want[ENGINE_LIBFUZZER] = o->want[ENGINE_AFL] = true;
			} else {
				kmm_usage_err(cmd, "unknown engine '%s' (expected libfuzzer, afl or both)", v);
				return -1;
			}
		} else if ((r = opt_value(cmd, argc, argv, &i, "--build-dir", &v)) != 0) {
			if (r < 0)
				return -1;
			o->build_dir = v;
		} else if ((r = opt_value(cmd, argc, argv, &i, "--afl-build-dir", &v)) != 0) {
			if (r < 0)
				return -1;
			o->afl_build_dir = v;
		} else if ((r = opt_value(cmd, argc, argv, &i, "--out", &v)) != 0) {
			if (r < 0)
				return -1;
			o->out = v;
		} else if ((r = opt_value(cmd, argc, argv, &i, "--source", &v)) != 0) {
			if (r < 0)
				return -1;
			o->source = v;
		} else if (!strcmp(argv[i], "--dry-run")) {
			o->dry_run = true;
		} else if (argv[i][0] == '-') {
			kmm_usage_err(cmd, "unknown option '%s'", argv[i]);
			return -1;
		} else if (!strcmp(argv[i], "all")) {
			for (size_t k = 0; k < NR_TARGETS; k++)
				o->selected[k] = true;
			any = true;
		} else {
			bool ok = false;

			for (size_t k = 0; k < NR_TARGETS; k++) {
				/* "pages" is accepted for "fuzz_pages" */
				if (!strcmp(argv[i], targets[k].name) ||
				    !strcmp(argv[i], targets[k].name + 5)) {
					o->selected[k] = ok = true;
				}
			}
			if (!ok) {
				kmm_usage_err(cmd, "unknown target '%s' (expected fuzz_pages, fuzz_numa, "
					      "fuzz_slub, fuzz_slab, fuzz_slob, fuzz_kmalloc_diff, "
					      "fuzz_trace_parser or all)", argv[i]);
				return -1;
			}
			any = true;
		}
	}
	if (!any) {
		kmm_usage_err(cmd, "no TARGET given (fuzz_pages, fuzz_numa, fuzz_slub, fuzz_slab, fuzz_slob, "
			      "fuzz_kmalloc_diff, fuzz_trace_parser or all)");
		return -1;
	}
	if (o->build_dir && !is_dir(o->build_dir)) {
		kmm_usage_err(cmd, "--build-dir %s is not a directory", o->build_dir);
		return -1;
	}
	if (o->afl_build_dir && !is_dir(o->afl_build_dir)) {
		kmm_usage_err(cmd, "--afl-build-dir %s is not a directory", o->afl_build_dir);
		return -1;
	}
	return 0;
}

/* ---- the summary ---- */

static void summary(const struct fuzz_session *s, bool interrupted)
{
	printf("\nsummary%s: out %s\n", interrupted ? " (interrupted)" : "", s->out);
	printf("%-17s %-9s %7s %9s %8s  %-22s %7s %8s %7s\n", "target", "engine", "time", "execs",
	       "exec/s", "coverage", "corpus", "crashes", "unique");
	for (unsigned i = 0; i < s->nr_runs; i++) {
		const struct fuzz_run *r = &s->runs[i];
		char ex[16], rate[16], cov[64], corpus[16], t[16];
		double secs = r->elapsed > 0 ? r->elapsed : 0;

		format_count(r->st.execs, ex, sizeof(ex));
		format_count(secs > 0 ? (uint64_t)((double)r->st.execs / secs) : 0, rate, sizeof(rate));
		format_count(r->st.corpus, corpus, sizeof(corpus));
		snprintf(t, sizeof(t), "%.0fs", secs);
		if (r->engine == ENGINE_LIBFUZZER)
			snprintf(cov, sizeof(cov), "cov %llu ft %llu", (unsigned long long)r->st.cov,
				 (unsigned long long)r->st.ft);
		else
			snprintf(cov, sizeof(cov), "edges %llu (%.1f%%)", (unsigned long long)r->st.edges,
				 r->st.bitmap_pct);
		printf("%-17s %-9s %7s %9s %8s  %-22s %7s %8u %7u%s\n", r->t->name,
		       engine_name(r->engine), t, ex, rate, cov, corpus, r->findings, r->unique,
		       r->failed ? "  FAILED" : r->queued ? "  not run (interrupted)" : "");
		if (r->failed)
			printf("    %s (log: %s)\n", r->error, r->log_path);
	}
}

/* ---- the main loop ---- */

/* Engine processes a run keeps busy: AFL++ one per job, libFuzzer -fork=N
 * N workers. */
static unsigned run_cost(const struct fuzz_run *r)
{
	return r->jobs ? r->jobs : 1;
}

/* Start queued runs, in order, while their processes fit in s->parallel
 * beside the *busy ones (one run at least, whatever its size). Returns
 * whether one started. */
static bool start_queued(struct fuzz_session *s, unsigned *next, unsigned *busy)
{
	bool started = false;

	while (*next < s->nr_runs) {
		struct fuzz_run *r = &s->runs[*next];

		if (*busy && *busy + run_cost(r) > s->parallel)
			break;
		(*next)++;
		if (engine_start(s, r) == 0) {
			*busy += run_cost(r);
			started = true;
		}
	}
	return started;
}

static void run_all(struct fuzz_session *s)
{
	struct sigaction sa = { 0 }, old_int, old_term;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	unsigned next = 0, busy = 0;

	start_queued(s, &next, &busy);
	status_draw(s, true);
	for (;;) {
		struct pollfd pfds[FUZZ_MAX_JOBS * 8];
		int fds[FUZZ_MAX_JOBS * 8];
		unsigned n = 0;
		bool any = false;
		double now;

		for (unsigned i = 0; i < s->nr_runs; i++)
			engine_fds(&s->runs[i], fds, &n, FUZZ_MAX_JOBS * 8);
		for (unsigned i = 0; i < n; i++) {
			pfds[i].fd = fds[i];
			pfds[i].events = POLLIN;
			pfds[i].revents = 0;
		}
		if (poll(pfds, n, 250) < 0 && errno != EINTR)
			break;
		now = now_seconds();
		for (unsigned i = 0; i < s->nr_runs; i++) {
			struct fuzz_run *r = &s->runs[i];

			if (!r->running)
				continue;
			/* A stop: ^C, or an engine that overruns its budget by a minute. */
			if (!r->stopping && (interrupted_flag || now > r->stop_at + 60)) {
				r->stopping = true;
				r->kill_at = now + 10;
				engine_stop(r, false);
			} else if (r->stopping && now > r->kill_at) {
				engine_stop(r, true);
			}
			if (engine_poll(s, r))
				any = true;
			else
				busy -= run_cost(r); /* it ended: its cores are free */
		}
		if (!interrupted_flag && start_queued(s, &next, &busy))
			any = true;
		status_draw(s, false);
		if (!any)
			break;
	}
	status_draw(s, true);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	/* Keep ^C meaning "skip the rest" during triage. */
	sigaction(SIGINT, &sa, NULL);
}

int cmd_fuzz(int argc, char **argv)
{
	struct fuzz_opts o = { 0 };
	struct fuzz_session s = { 0 };
	char *source = NULL, *out = NULL, *afl_fuzz = NULL;
	unsigned crashes = 0, failed = 0;
	int rc = KMM_EXIT_OK, pr;

	pr = parse_fuzz_args(argc, argv, &o);
	if (pr)
		return pr > 0 ? KMM_EXIT_OK : KMM_EXIT_USAGE;
	source = find_source_dir("fuzz", o.source);
	if (!source)
		return KMM_EXIT_USAGE;
	out = o.out ? xstrdup(o.out) : path_join(source, "build/fuzz-out");
	afl_fuzz = in_path("afl-fuzz");
	if (o.want[ENGINE_AFL] && !afl_fuzz) {
		if (o.engine_explicit_afl) {
			kmm_err("fuzz", "--engine afl: afl-fuzz is not installed (Debian: apt-get install afl++)");
			free(source);
			free(out);
			return KMM_EXIT_USAGE;
		}
		kmm_warn("fuzz", "afl-fuzz is not installed; running libFuzzer only");
		o.want[ENGINE_AFL] = false;
	}

	s.source = source;
	s.out = out;
	s.minimize_time = (unsigned)o.minimize;
	s.tty = isatty(STDERR_FILENO);
	s.interrupted = &interrupted_flag;
	s.parallel = (unsigned)o.parallel;
	s.runs = xcalloc(NR_TARGETS * 2, sizeof(*s.runs));
	for (size_t k = 0; k < NR_TARGETS; k++) {
		for (int e = ENGINE_LIBFUZZER; e <= ENGINE_AFL; e++) {
			struct fuzz_run *r;

			if (!o.selected[k] || !o.want[e])
				continue;
			r = &s.runs[s.nr_runs];
			memset(r, 0, sizeof(*r));
			if (setup_run(&s, &o, r, &targets[k], (enum fuzz_engine)e, afl_fuzz)) {
				/* With --engine both, a missing AFL build only drops AFL. */
				if (e == ENGINE_AFL && o.want[ENGINE_LIBFUZZER]) {
					kmm_warn("fuzz", "skipping AFL++ for %s", targets[k].name);
					free_run(r);
					continue;
				}
				free_run(r);
				rc = KMM_EXIT_USAGE;
				goto out;
			}
			r->queued = true;
			s.nr_runs++;
		}
	}
	if (!s.nr_runs) {
		kmm_err("fuzz", "nothing to run");
		rc = KMM_EXIT_USAGE;
		goto out;
	}
	if (o.dry_run) {
		for (unsigned i = 0; i < s.nr_runs; i++) {
			struct fuzz_run *r = &s.runs[i];
			unsigned n = r->engine == ENGINE_AFL ? r->jobs : 1;

			r->fork_mode = r->engine == ENGINE_LIBFUZZER && r->jobs > 1;
			for (unsigned k = 0; k < n; k++) {
				char **a;

				if (k)
					snprintf(r->procs[k].name, sizeof(r->procs[k].name), "s%u", k);
				else
					snprintf(r->procs[k].name, sizeof(r->procs[k].name), "main");
				a = engine_argv(&s, r, k, r->time_budget);
				printf("%s", r->engine == ENGINE_AFL ? "AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 "
				       "AFL_NO_AFFINITY=1 AFL_AUTORESUME=1 ... " : "");
				for (char **p = a; *p; p++)
					printf("%s%s", *p, p[1] ? " " : "\n");
				argv_free(a);
			}
		}
		goto out;
	}
	s.symbolizer = find_symbolizer();
	{
		unsigned per_run = (unsigned)o.jobs, at_once = s.parallel / per_run ? s.parallel / per_run : 1;
		unsigned waves = (s.nr_runs + at_once - 1) / at_once;

		printf("fuzzing %u run%s for %lu s each (%lu job%s each), %u at a time (--parallel %u): "
		       "about %lu s; engine logs in %s/<target>/\n",
		       s.nr_runs, s.nr_runs == 1 ? "" : "s", o.time, o.jobs, o.jobs == 1 ? "" : "s", at_once,
		       s.parallel, (unsigned long)waves * o.time, out);
	}
	for (unsigned i = 0; i < s.nr_runs; i++)
		printf("  %-17s %-9s %s%s%s\n", s.runs[i].t->name, engine_name(s.runs[i].engine),
		       s.runs[i].binary, s.runs[i].dict ? "  dict " : "",
		       s.runs[i].dict ? s.runs[i].dict : "");
	fflush(stdout);

	run_all(&s);

	for (unsigned i = 0; i < s.nr_runs; i++) {
		struct fuzz_run *r = &s.runs[i];

		if (r->queued) /* ^C before its turn: nothing of its own to read */
			continue;
		if (r->engine == ENGINE_AFL)
			engine_read_afl_stats(r);
		crashes += triage_run(&s, r);
		failed += r->failed;
	}
	summary(&s, interrupted_flag);
	if (crashes) {
		printf("\n%u distinct crash signature%s: see the 'kmm regress add' lines above.\n",
		       crashes, crashes == 1 ? "" : "s");
		rc = KMM_EXIT_FOUND;
	} else if (failed) {
		rc = KMM_EXIT_USAGE;
	} else {
		printf("\nno crashes.\n");
	}
out:
	for (unsigned i = 0; i < s.nr_runs; i++)
		free_run(&s.runs[i]);
	free(s.runs);
	strlist_free(&s.seen);
	free(s.symbolizer);
	free(source);
	free(out);
	free(afl_fuzz);
	return rc;
}
