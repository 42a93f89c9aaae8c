/* SPDX-License-Identifier: MIT */
/*
 * kmm fuzz: the engines themselves.
 *
 * libFuzzer. One process per target:
 *   fuzz_<t> -max_total_time=T -timeout=25 -artifact_prefix=<work>/artifacts/
 *            [-dict=fuzz/dict/<t>.dict] [-fork=N -ignore_crashes=1 ...]
 *            <work>/corpus corpus/<t>
 * The first corpus directory is the only one libFuzzer writes, so the shipped
 * corpus/<t>/ stays read-only. Progress comes from its stderr status lines:
 *   "#4096 pulse  cov: 310 ft: 1208 corp: 52/3127b lim: 64 exec/s: 2048 ..."
 *   "#82969: cov: 18 ft: 18 corp: 6 exec/s 0 oom/timeout/crash: 0/0/10 ..." (-fork)
 * Without -fork libFuzzer stops at its first crash; the run is restarted on
 * the same working corpus for the rest of the time. When the crash came
 * while loading the corpus (an input there crashes), a plain restart would
 * only crash again, so the rest of the time runs with -fork=1
 * -ignore_crashes=1, which survives crashing inputs.
 *
 * AFL++. One afl-fuzz per job (-M main, -S s1 ...), sharing <work>/afl:
 *   AFL_NO_UI=1 ... afl-fuzz -i corpus/<t> -o <work>/afl -V T -m none -t 10000
 *            [-x dict] -M main -- fuzz_<t>
 * Progress comes from each instance's fuzzer_stats file.
 *
 * Every engine runs in its own process group: a stop (SIGINT, then SIGKILL)
 * reaches it and whatever it forked.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

const char *engine_name(enum fuzz_engine e)
{
	return e == ENGINE_AFL ? "afl" : "libfuzzer";
}

void format_count(uint64_t v, char *buf, size_t cap)
{
	if (v < 10000)
		snprintf(buf, cap, "%llu", (unsigned long long)v);
	else if (v < 1000000)
		snprintf(buf, cap, "%.1fk", (double)v / 1e3);
	else if (v < 1000000000)
		snprintf(buf, cap, "%.2fM", (double)v / 1e6);
	else
		snprintf(buf, cap, "%.2fG", (double)v / 1e9);
}

/* ---- argv ---- */

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	struct buf b = { 0 };
	va_list ap;
	char tmp[1024];

	va_start(ap, f);
	vsnprintf(tmp, sizeof(tmp), f, ap);
	va_end(ap);
	buf_append(&b, tmp, strlen(tmp));
	return b.data;
}

void argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

char **engine_argv(const struct fuzz_session *s, const struct fuzz_run *r, unsigned inst,
		   double seconds)
{
	char **v = xcalloc(32, sizeof(*v));
	unsigned n = 0, secs = seconds < 1 ? 1 : (unsigned)(seconds + 0.5);

	(void)s;
	if (r->engine == ENGINE_LIBFUZZER) {
		v[n++] = xstrdup(r->binary);
		v[n++] = fmt("-max_total_time=%u", secs);
		v[n++] = xstrdup("-print_final_stats=1");
		v[n++] = xstrdup("-timeout=25");
		v[n++] = xstrdup("-rss_limit_mb=4096");
		v[n++] = fmt("-artifact_prefix=%s/", r->artifacts);
		if (r->dict)
			v[n++] = fmt("-dict=%s", r->dict);
		if (r->fork_mode) {
			v[n++] = fmt("-fork=%u", r->jobs);
			v[n++] = xstrdup("-ignore_crashes=1");
			v[n++] = xstrdup("-ignore_timeouts=1");
			v[n++] = xstrdup("-ignore_ooms=1");
		}
		v[n++] = xstrdup(r->corpus);
		if (is_dir(r->seeds))
			v[n++] = xstrdup(r->seeds);
	} else {
		v[n++] = xstrdup("afl-fuzz");
		v[n++] = xstrdup("-i");
		v[n++] = xstrdup(r->seeds);
		v[n++] = xstrdup("-o");
		v[n++] = xstrdup(r->afl_out);
		v[n++] = xstrdup("-V");
		v[n++] = fmt("%u", secs);
		v[n++] = xstrdup("-m");
		v[n++] = xstrdup("none");
		v[n++] = xstrdup("-t");
		v[n++] = xstrdup("10000");
		if (r->dict) {
			v[n++] = xstrdup("-x");
			v[n++] = xstrdup(r->dict);
		}
		v[n++] = xstrdup(inst == 0 ? "-M" : "-S");
		v[n++] = xstrdup(r->procs[inst].name);
		v[n++] = xstrdup("--");
		v[n++] = xstrdup(r->binary);
	}
	v[n] = NULL;
	return v;
}

/* Environment for afl-fuzz: no UI, no CPU binding on a shared machine, no
 * fuss about core_pattern, resume an existing output directory. */
static const char *const afl_env[] = {
	"AFL_NO_UI=1",
	"AFL_SKIP_CPUFREQ=1",
	"AFL_NO_AFFINITY=1",
	"AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1",
	"AFL_AUTORESUME=1",
	"AFL_SKIP_CRASHES=1",
	"AFL_FAST_CAL=1",
	NULL,
};

static int spawn_proc(struct fuzz_session *s, struct fuzz_run *r, unsigned inst, double seconds)
{
	struct engine_proc *p = &r->procs[inst];
	char **argv = engine_argv(s, r, inst, seconds);
	struct proc_spec spec = { 0 };
	int rc;

	if (r->log) {
		fprintf(r->log, "$");
		for (char **a = argv; *a; a++)
			fprintf(r->log, " %s", *a);
		fprintf(r->log, "\n");
		fflush(r->log);
	}
	spec.argv = (const char *const *)argv;
	spec.env_add = r->engine == ENGINE_AFL ? afl_env : NULL;
	spec.own_pgrp = true;
	rc = proc_spawn("fuzz", &spec, &p->pid, &p->fd);
	argv_free(argv);
	if (rc) {
		p->pid = 0;
		p->fd = -1;
		snprintf(r->error, sizeof(r->error), "could not start %s", engine_name(r->engine));
		return -1;
	}
	p->exited = false;
	p->inited = false;
	p->saw_finding = false;
	p->last_n = 0;
	p->line.len = 0;
	return 0;
}

int engine_start(struct fuzz_session *s, struct fuzz_run *r)
{
	r->queued = false;
	r->start = now_seconds();
	r->rate_t = r->start;
	r->stop_at = r->start + r->time_budget;
	r->wall_start = time(NULL);
	r->log = fopen(r->log_path, "w");
	r->nr_procs = r->engine == ENGINE_AFL ? r->jobs : 1;
	r->fork_mode = r->engine == ENGINE_LIBFUZZER && r->jobs > 1;
	for (unsigned i = 0; i < r->nr_procs; i++) {
		r->procs[i].fd = -1;
		if (i == 0)
			snprintf(r->procs[i].name, sizeof(r->procs[i].name), "main");
		else
			snprintf(r->procs[i].name, sizeof(r->procs[i].name), "s%u", i);
	}
	for (unsigned i = 0; i < r->nr_procs; i++) {
		if (spawn_proc(s, r, i, r->time_budget)) {
			r->failed = true;
			engine_stop(r, true);
			return -1;
		}
	}
	r->running = true;
	return 0;
}

void engine_stop(struct fuzz_run *r, bool force)
{
	for (unsigned i = 0; i < r->nr_procs; i++)
		if (r->procs[i].pid > 0 && !r->procs[i].exited)
			kill(-r->procs[i].pid, force ? SIGKILL : SIGINT);
}

void engine_fds(const struct fuzz_run *r, int *fds, unsigned *n, unsigned max)
{
	for (unsigned i = 0; i < r->nr_procs && *n < max; i++)
		if (r->procs[i].fd >= 0)
			fds[(*n)++] = r->procs[i].fd;
}

/* ---- libFuzzer output ---- */

static uint64_t field_u64(const char *line, const char *key, bool *found)
{
	const char *q = strstr(line, key);

	if (!q)
		return 0;
	q += strlen(key);
	while (*q == ' ')
		q++;
	if (!isdigit((unsigned char)*q))
		return 0;
	if (found)
		*found = true;
	return strtoull(q, NULL, 10);
}

static void note_finding(struct fuzz_run *r, const char *line)
{
	const char *e = strstr(line, "ERROR: ");
	const char *u = strstr(line, "runtime error: ");

	if (e)
		snprintf(r->last_finding, sizeof(r->last_finding), "%s", e + 7);
	else if (u)
		snprintf(r->last_finding, sizeof(r->last_finding), "%s", u);
	else
		snprintf(r->last_finding, sizeof(r->last_finding), "%s", line);
	r->last_finding[strcspn(r->last_finding, "\r\n")] = '\0';
}

static void libfuzzer_line(struct fuzz_run *r, struct engine_proc *p, const char *line)
{
	if (line[0] == '#' && isdigit((unsigned char)line[1])) {
		char *end;
		uint64_t n = strtoull(line + 1, &end, 10);
		bool have = false;
		uint64_t v;

		if (n > p->last_n)
			p->last_n = n;
		if (r->execs_base + n > r->st.execs)
			r->st.execs = r->execs_base + n;
		r->rate_t = now_seconds();
		v = field_u64(end, "cov:", &have);
		if (have)
			r->st.cov = v;
		have = false;
		v = field_u64(end, "ft:", &have);
		if (have)
			r->st.ft = v;
		have = false;
		v = field_u64(end, "corp:", &have);
		if (have)
			r->st.corpus = v;
		if (strstr(end, "INITED") || *end == ':')
			p->inited = true;
		/* -fork: "oom/timeout/crash: a/b/c" counts every finding so far */
		{
			const char *q = strstr(end, "oom/timeout/crash:");
			unsigned long a, b, c;

			if (q && sscanf(q, "oom/timeout/crash: %lu/%lu/%lu", &a, &b, &c) == 3)
				r->st.crashes = r->crashes_base + a + b + c;
		}
		return;
	}
	if (!strncmp(line, "INFO: -fork=", 12)) {
		p->inited = true;
		return;
	}
	if (strstr(line, "Test unit written to ")) {
		p->saw_finding = true;
		if (!r->fork_mode)
			r->st.crashes++;
		return;
	}
	if (!strncmp(line, "stat::number_of_executed_units:", 31)) {
		uint64_t n = strtoull(line + 31, NULL, 10);

		if (n > p->last_n)
			p->last_n = n;
		if (r->execs_base + n > r->st.execs)
			r->st.execs = r->execs_base + n;
		r->rate_t = now_seconds();
		return;
	}
	if (strstr(line, "ERROR: AddressSanitizer") || strstr(line, "ERROR: LeakSanitizer") ||
	    strstr(line, "ERROR: libFuzzer") || strstr(line, "runtime error: ") ||
	    strstr(line, "kmm-mismatch "))
		note_finding(r, line);
}

static void afl_line(struct fuzz_run *r, struct engine_proc *p, const char *line)
{
	const char *q = strstr(line, "Fuzzing test case #");
	unsigned long cur, total, crashes;

	if (strstr(line, "PROGRAM ABORT"))
		snprintf(r->error, sizeof(r->error), "%s", line);
	/* Between stats files: "Fuzzing test case #7 (163 total, 1 crashes saved, ..." */
	if (q && sscanf(q, "Fuzzing test case #%lu (%lu total, %lu crashes saved", &cur, &total,
			&crashes) == 3) {
		if (total > p->corpus)
			p->corpus = total;
		if (crashes > p->crashes)
			p->crashes = crashes;
	}
}

/*
 * afl-fuzz without a UI writes its stats file once a minute (plot_data every
 * few seconds, but only after the first minute), so between them the live
 * numbers come from the output directory: queue/ and crashes/ + hangs/
 * entries are counted as they appear, and their names carry the exec count
 * at which they were found ("id:000012,src:000003,time:4071,execs:90113,...").
 */
static void afl_scan_dir(const char *inst, const char *sub, uint64_t *count, uint64_t *max_execs)
{
	char *path = path_join(inst, sub);
	DIR *d = opendir(path);
	struct dirent *e;

	free(path);
	*count = 0;
	if (!d)
		return;
	while ((e = readdir(d))) {
		const char *x;

		if (strncmp(e->d_name, "id:", 3))
			continue;
		(*count)++;
		x = strstr(e->d_name, ",execs:");
		if (x) {
			uint64_t v = strtoull(x + 7, NULL, 10);

			if (v > *max_execs)
				*max_execs = v;
		}
	}
	closedir(d);
}

static void afl_scan(struct engine_proc *p, const char *inst)
{
	uint64_t queue = 0, crashes = 0, hangs = 0, execs = 0;

	afl_scan_dir(inst, "queue", &queue, &execs);
	afl_scan_dir(inst, "crashes", &crashes, &execs);
	afl_scan_dir(inst, "hangs", &hangs, &execs);
	if (queue > p->corpus)
		p->corpus = queue;
	if (crashes > p->crashes)
		p->crashes = crashes;
	if (hangs > p->hangs)
		p->hangs = hangs;
	if (execs > p->execs)
		p->execs = execs;
}

/*
 * The last line of an instance's plot_data (written every few seconds, the
 * stats file only every minute): relative_time, cycles_done, cur_item,
 * corpus_count, pending_total, pending_favs, map_size%, saved_crashes,
 * saved_hangs, max_depth, execs_per_sec, total_execs, edges_found.
 */
static void afl_plot_data(struct engine_proc *p, const char *dir)
{
	char *path = path_join(dir, "plot_data");
	FILE *f = fopen(path, "r");
	char tail[4096], *last = NULL, *s;
	size_t n;

	free(path);
	if (!f)
		return;
	if (fseek(f, -(long)(sizeof(tail) - 1), SEEK_END) < 0)
		rewind(f);
	n = fread(tail, 1, sizeof(tail) - 1, f);
	fclose(f);
	tail[n] = '\0';
	for (s = strtok(tail, "\n"); s; s = strtok(NULL, "\n"))
		if (s[0] != '#')
			last = s;
	if (last) {
		unsigned long long t, cyc, cur, corpus, pend, favs, crashes, hangs, depth, execs, edges;
		double map, eps;

		if (sscanf(last, "%llu, %llu, %llu, %llu, %llu, %llu, %lf%%, %llu, %llu, %llu, %lf, %llu, %llu",
			   &t, &cyc, &cur, &corpus, &pend, &favs, &map, &crashes, &hangs, &depth, &eps,
			   &execs, &edges) == 13 && execs >= p->execs) {
			p->execs = execs;
			p->corpus = corpus;
			p->crashes = crashes;
			p->hangs = hangs;
			p->bitmap_pct = map;
			p->edges = edges;
		}
	}
}

/* Strip ANSI colour sequences in place (AFL prints them even without a tty). */
static void strip_ansi(char *s)
{
	char *w = s;

	for (char *q = s; *q; q++) {
		if (*q == '\033') {
			if (q[1] == '[') {
				q += 2;
				while (*q && !isalpha((unsigned char)*q))
					q++;
				if (!*q)
					break;
			}
			continue;
		}
		*w++ = *q;
	}
	*w = '\0';
}

static void handle_line(struct fuzz_run *r, struct engine_proc *p, char *line)
{
	strip_ansi(line);
	if (!line[0])
		return;
	snprintf(p->last[p->nr_last % 4], sizeof(p->last[0]), "%s", line);
	p->nr_last++;
	if (r->engine == ENGINE_LIBFUZZER)
		libfuzzer_line(r, p, line);
	else
		afl_line(r, p, line);
}

/* Read what is there; false on EOF or error. */
static bool drain(struct fuzz_run *r, struct engine_proc *p)
{
	char chunk[16384];

	for (;;) {
		ssize_t n = read(p->fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return false;
		if (r->log)
			fwrite(chunk, 1, (size_t)n, r->log);
		for (ssize_t i = 0; i < n; i++) {
			char c = chunk[i];

			if (c == '\n' || c == '\r') {
				if (p->line.len) {
					handle_line(r, p, p->line.data);
					p->line.len = 0;
					p->line.data[0] = '\0';
				}
			} else if (p->line.len < 4096) {
				buf_append(&p->line, &c, 1);
			}
		}
	}
}

/* ---- AFL stats ---- */

void engine_read_afl_stats(struct fuzz_run *r)
{
	uint64_t execs = 0, crashes = 0, corpus = 0, edges = 0, total = 0;
	double pct = 0;

	for (unsigned i = 0; i < r->nr_procs; i++) {
		struct engine_proc *p = &r->procs[i];
		char *dir = path_join(r->afl_out, p->name);
		char *path = path_join(dir, "fuzzer_stats");
		FILE *f = fopen(path, "r");
		char line[512];

		free(path);
		if (f) {
			struct engine_proc st = *p; /* fuzzer_stats may be older than what we have */

			while (fgets(line, sizeof(line), f)) {
				char key[64];
				char val[256];

				if (sscanf(line, "%63s : %255[^\n]", key, val) != 2)
					continue;
				if (!strcmp(key, "execs_done"))
					st.execs = strtoull(val, NULL, 10);
				else if (!strcmp(key, "saved_crashes") || !strcmp(key, "unique_crashes"))
					st.crashes = strtoull(val, NULL, 10);
				else if (!strcmp(key, "saved_hangs") || !strcmp(key, "unique_hangs"))
					st.hangs = strtoull(val, NULL, 10);
				else if (!strcmp(key, "corpus_count") || !strcmp(key, "paths_total"))
					st.corpus = strtoull(val, NULL, 10);
				else if (!strcmp(key, "edges_found"))
					st.edges = strtoull(val, NULL, 10);
				else if (!strcmp(key, "total_edges"))
					st.total_edges = strtoull(val, NULL, 10);
				else if (!strcmp(key, "bitmap_cvg"))
					st.bitmap_pct = strtod(val, NULL);
			}
			fclose(f);
			if (st.execs >= p->execs) {
				p->execs = st.execs;
				p->crashes = st.crashes;
				p->hangs = st.hangs;
				p->corpus = st.corpus;
				p->edges = st.edges;
				p->bitmap_pct = st.bitmap_pct;
			}
			p->total_edges = st.total_edges;
		}
		afl_plot_data(p, dir);
		afl_scan(p, dir);
		free(dir);
		execs += p->execs;
		crashes += p->crashes + p->hangs;
		if (p->corpus > corpus)
			corpus = p->corpus;
		if (p->edges > edges)
			edges = p->edges;
		if (p->total_edges > total)
			total = p->total_edges;
		if (p->bitmap_pct > pct)
			pct = p->bitmap_pct;
	}
	if (execs != r->st.execs)
		r->rate_t = now_seconds();
	r->st.execs = execs;
	r->st.crashes = crashes;
	r->st.corpus = corpus;
	r->st.edges = edges;
	r->st.total_edges = total;
	r->st.bitmap_pct = pct;
}

/* ---- lifecycle ---- */

static void proc_exited(struct fuzz_session *s, struct fuzz_run *r, struct engine_proc *p)
{
	double left = r->stop_at - now_seconds();

	if (p->fd >= 0) {
		drain(r, p);
		close(p->fd);
		p->fd = -1;
	}
	if (r->engine == ENGINE_LIBFUZZER && !r->fork_mode && p->saw_finding &&
	    !*s->interrupted && !r->stopping && left > 3 && r->restarts < 200) {
		/*
		 * Plain libFuzzer stops at a crash: go on for the rest of the time.
		 * A crash while loading the corpus would only repeat, so go on in
		 * -fork=1 mode, which survives crashing inputs.
		 */
		r->execs_base += p->last_n;
		r->restarts++;
		if (!p->inited) {
			r->fork_mode = true;
			r->crashes_base = r->st.crashes;
		}
		if (r->log)
			fprintf(r->log, "\n# kmm: restarting after a finding (%u)%s, %.0f s left\n",
				r->restarts, r->fork_mode ? " in -fork=1 mode" : "", left);
		if (spawn_proc(s, r, 0, left) == 0)
			return;
	}
	p->pid = 0;
	if (*s->interrupted || r->stopping)
		return;
	/* Exits that are not the engine's normal end and left no finding. */
	if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0)
		return;
	if (p->saw_finding || (r->engine == ENGINE_AFL && r->st.crashes))
		return;
	if (r->engine == ENGINE_LIBFUZZER && WIFEXITED(p->status) && r->st.crashes)
		return;
	r->failed = true;
	if (!r->error[0]) {
		const char *why = p->nr_last ? p->last[(p->nr_last - 1) % 4] : "no output";

		/* The most telling of the last lines: an ERROR or ABORT line if any. */
		for (unsigned k = 0; k < 4 && k < p->nr_last; k++) {
			const char *l = p->last[(p->nr_last - 1 - k) % 4];

			if (strstr(l, "ERROR") || strstr(l, "ABORT") || strstr(l, "rror")) {
				why = l;
				break;
			}
		}
		if (WIFSIGNALED(p->status))
			snprintf(r->error, sizeof(r->error), "%s died (%s): %s", engine_name(r->engine),
				 signal_name(WTERMSIG(p->status)), why);
		else
			snprintf(r->error, sizeof(r->error), "%s exited with status %d: %s",
				 engine_name(r->engine), WEXITSTATUS(p->status), why);
	}
}

bool engine_poll(struct fuzz_session *s, struct fuzz_run *r)
{
	bool any = false;

	for (unsigned i = 0; i < r->nr_procs; i++) {
		struct engine_proc *p = &r->procs[i];
		pid_t w;

		if (p->fd >= 0 && !drain(r, p)) {
			close(p->fd);
			p->fd = -1;
		}
		if (p->pid <= 0)
			continue;
		w = waitpid(p->pid, &p->status, WNOHANG);
		if (w == p->pid) {
			p->exited = true;
			kill(-p->pid, SIGKILL); /* whatever it left behind in its group */
			proc_exited(s, r, p);
		}
		if (p->pid > 0)
			any = true;
	}
	if (r->engine == ENGINE_AFL && now_seconds() - r->afl_read_t >= 1.0) {
		engine_read_afl_stats(r);
		r->afl_read_t = now_seconds();
	}
	r->elapsed = now_seconds() - r->start;
	if (!any && r->running) {
		r->running = false;
		if (r->log) {
			fflush(r->log);
		}
	}
	return any;
}

/* ---- status lines ---- */

static void clock_text(double secs, char *buf, size_t cap)
{
	unsigned s = secs < 0 ? 0 : (unsigned)secs;

	if (s >= 3600)
		snprintf(buf, cap, "%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, cap, "%u:%02u", s / 60, s % 60);
}

static void run_line(const struct fuzz_run *r, char *buf, size_t cap)
{
	char el[16], tot[16], ex[16], rate[16], a[16], b[16], corpus[16];
	double t = r->rate_t - r->start;
	double rps = t > 0.5 ? (double)r->st.execs / t : 0;
	const char *state = r->failed	? "failed"
			    : r->queued ? "queued"
			    : r->running ? (r->stopping ? "stopping" : "")
					 : "done";

	clock_text(r->running ? now_seconds() - r->start : r->elapsed, el, sizeof(el));
	clock_text(r->time_budget, tot, sizeof(tot));
	format_count(r->st.execs, ex, sizeof(ex));
	format_count((uint64_t)rps, rate, sizeof(rate));
	format_count(r->st.corpus, corpus, sizeof(corpus));
	if (r->engine == ENGINE_LIBFUZZER) {
		format_count(r->st.cov, a, sizeof(a));
		format_count(r->st.ft, b, sizeof(b));
		snprintf(buf, cap, "%-17s %-9s %5s/%-5s execs %7s %7s/s  cov %5s ft %6s  corpus %5s  crashes %llu %s",
			 r->t->name, "libfuzzer", el, tot, ex, rate, a, b, corpus,
			 (unsigned long long)r->st.crashes, state);
	} else {
		format_count(r->st.edges, a, sizeof(a));
		snprintf(buf, cap, "%-17s %-9s %5s/%-5s execs %7s %7s/s  edges %5s (%.1f%%)  corpus %5s  crashes %llu %s",
			 r->t->name, "afl", el, tot, ex, rate, a, r->st.bitmap_pct, corpus,
			 (unsigned long long)r->st.crashes, state);
	}
}

void status_draw(struct fuzz_session *s, bool final)
{
	double now = now_seconds();
	unsigned cols = 200;
	struct winsize ws;

	if (!final && now - s->last_status < (s->tty ? 0.5 : 5.0))
		return;
	s->last_status = now;
	if (s->tty && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		cols = ws.ws_col;
	if (s->tty && s->status_lines)
		fprintf(stderr, "\033[%uA", s->status_lines);
	for (unsigned i = 0; i < s->nr_runs; i++) {
		struct fuzz_run *r = &s->runs[i];
		char line[512];

		/* Without a tty (a log, CI): the runs going, and each run's end
		 * once; the queue and the finished stay quiet until the last. */
		if (!s->tty && !final) {
			if (r->queued || r->done_shown)
				continue;
			if (!r->running)
				r->done_shown = true;
		}
		run_line(r, line, sizeof(line));
		if (s->tty) {
			if (strlen(line) >= cols)
				line[cols - 1] = '\0';
			fprintf(stderr, "\r\033[K%s\n", line);
		} else {
			fprintf(stderr, "%s\n", line);
		}
	}
	s->status_lines = s->nr_runs;
	fflush(stderr);
}
