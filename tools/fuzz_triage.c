/* SPDX-License-Identifier: MIT */
/*
 * kmm fuzz: crash triage.
 *
 * For every finding an engine left (libFuzzer crash-/timeout-/oom-/leak-
 * files, AFL++ crashes/ and hangs/ entries) newer than the run's start:
 *
 *  1. signature: replay it in-process (in a child) with kmm_exec_run; a
 *     mismatch gives the executor's stable one-line signature. Otherwise the
 *     fuzz binary runs it and the sanitizer's report is reduced to a stable
 *     line ("AddressSanitizer: heap-buffer-overflow in kmm_free_pages":
 *     addresses, pids and numbers dropped, first frame outside the
 *     sanitizer and libc named);
 *  2. dedupe by (target, signature): only the first finding of a signature
 *     is minimised and saved;
 *  3. minimise with the engine's own minimiser (libFuzzer -minimize_crash=1,
 *     afl-tmin), keeping the result only if it still has the same signature;
 *  4. save <work>/crashes/<sig-hash>.bin (input), .trace (decoded program),
 *     .txt (signature, origin, replay explanation, sanitizer excerpt), and
 *     print the `kmm regress add` command that makes it a regression test.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#define TRIAGE_MAX_FINDINGS 200
#define REPLAY_TIMEOUT 30

static bool is_hang_file(const char *path)
{
	return !strncmp(path_basename(path), "timeout-", 8) || strstr(path, "/hangs/");
}

static void collect_dir(const char *dir, const char *const *prefixes, time_t since,
			struct strlist *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct strlist found = { 0 };

	if (!d)
		return;
	while ((e = readdir(d))) {
		bool match = false;
		char *p;
		struct stat st;

		for (const char *const *pre = prefixes; *pre; pre++)
			match |= !strncmp(e->d_name, *pre, strlen(*pre));
		if (!match)
			continue;
		p = path_join(dir, e->d_name);
		/* Findings of earlier sessions were triaged then. */
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime >= since - 1)
			strlist_add(&found, p);
		free(p);
	}
	closedir(d);
	strlist_sort(&found);
	for (size_t i = 0; i < found.n; i++)
		strlist_add(out, found.v[i]);
	strlist_free(&found);
}

static void collect_findings(const struct fuzz_run *r, struct strlist *out)
{
	if (r->engine == ENGINE_LIBFUZZER) {
		static const char *const pre[] = { "crash-", "leak-", "oom-", "timeout-", NULL };

		collect_dir(r->artifacts, pre, r->wall_start, out);
	} else {
		static const char *const pre[] = { "id:", NULL };

		for (unsigned i = 0; i < r->nr_procs; i++) {
			char *inst = path_join(r->afl_out, r->procs[i].name);
			char *c = path_join(inst, "crashes"), *h = path_join(inst, "hangs");

			collect_dir(c, pre, r->wall_start, out);
			collect_dir(h, pre, r->wall_start, out);
			free(inst);
			free(c);
			free(h);
		}
	}
}

/* ---- sanitizer reports to signatures ---- */

static bool skip_frame(const char *fn)
{
	static const char *const skip[] = {
		"__asan", "__sanitizer", "__ubsan", "__lsan", "__interceptor", "__interception",
		"fuzzer::", "__GI_", "__libc", "__pthread", "pthread_", "raise", "abort", "malloc",
		"calloc", "realloc", "free", "operator", "__assert", "__fortify", "__memcpy", "__memset",
		"memcpy", "memset", "memmove", "strlen", "_start", "__afl", "LLVMFuzzerRunDriver",
		"ExecuteFilesOnyByOne", "main", "__cxa", NULL,
	};

	for (const char *const *s = skip; *s; s++)
		if (!strncmp(fn, *s, strlen(*s)))
			return true;
	return false;
}

/* First own frame at or after `from`: "    #3 0x55d0 in kmm_foo /src/x.c:12:3". */
static bool first_frame(const char *from, char *fn, size_t cap)
{
	const char *s = from;

	while ((s = strstr(s, "\n"))) {
		const char *l = s + 1, *in;
		char name[160];

		s++;
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l != '#')
			continue;
		in = strstr(l, " in ");
		if (!in || in > strchr(l, '\n'))
			continue;
		if (sscanf(in + 4, "%159s", name) != 1)
			continue;
		if (skip_frame(name))
			continue;
		snprintf(fn, cap, "%.*s", (int)cap - 1, name);
		return true;
	}
	return false;
}

/* Digits and hex numbers to "N", so values do not split one bug in two. */
static void squash_numbers(char *s)
{
	char *w = s;

	for (const char *q = s; *q;) {
		if (isdigit((unsigned char)*q)) {
			if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
				q += 2;
			while (isxdigit((unsigned char)*q))
				q++;
			*w++ = 'N';
		} else {
			*w++ = *q++;
		}
	}
	*w = '\0';
}

static bool line_after(const char *out, const char *key, char *dst, size_t cap, const char **at)
{
	const char *p = strstr(out, key);

	if (!p)
		return false;
	p += strlen(key);
	snprintf(dst, cap, "%.*s", (int)strcspn(p, "\r\n"), p);
	if (at)
		*at = p;
	return true;
}

static bool sanitizer_signature(const char *out, char *sig, size_t cap)
{
	char what[200], fn[100] = "";
	const char *at;

	if (line_after(out, "kmm-mismatch ", what, sizeof(what), NULL)) {
		snprintf(sig, cap, "kmm-mismatch %.200s", what);
		return true;
	}
	if (line_after(out, "kmm-fuzz: ", what, sizeof(what), NULL)) {
		squash_numbers(what);
		snprintf(sig, cap, "kmm-fuzz: %.200s", what);
		return true;
	}
	if (line_after(out, "ERROR: AddressSanitizer: ", what, sizeof(what), &at) ||
	    line_after(out, "ERROR: LeakSanitizer: ", what, sizeof(what), &at) ||
	    line_after(out, "ERROR: ThreadSanitizer: ", what, sizeof(what), &at)) {
		const char *tool = strstr(out, "ERROR: AddressSanitizer: ") ? "AddressSanitizer"
				 : strstr(out, "ERROR: LeakSanitizer: ") ? "LeakSanitizer"
				 : "ThreadSanitizer";
		size_t n = strlen(what);
		const char *cut[] = { " on ", " at ", " (", ": ", " for " };

		for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
			const char *c = strstr(what, cut[i]);

			if (c && (size_t)(c - what) < n)
				n = (size_t)(c - what);
		}
		what[n] = '\0';
		squash_numbers(what);
		first_frame(at, fn, sizeof(fn));
		snprintf(sig, cap, "%s: %.100s%s%.100s", tool, what, fn[0] ? " in " : "", fn);
		return true;
	}
	if (line_after(out, "runtime error: ", what, sizeof(what), &at)) {
		/* "/src/x.c:12:3: runtime error: shift exponent 40 is too large ..." */
		const char *ls = at - strlen("runtime error: ");
		char loc[160] = "";

		while (ls > out && ls[-1] != '\n')
			ls--;
		snprintf(loc, sizeof(loc), "%.*s", (int)strcspn(ls, ":"), ls);
		what[strcspn(what, ";")] = '\0';
		squash_numbers(what);
		first_frame(at, fn, sizeof(fn));
		snprintf(sig, cap, "UndefinedBehaviorSanitizer: %.90s at %.50s%s%.50s", what,
			 path_basename(loc), fn[0] ? " in " : "", fn);
		return true;
	}
	if (line_after(out, "ERROR: libFuzzer: ", what, sizeof(what), &at)) {
		what[strcspn(what, "(")] = '\0';
		while (strlen(what) && what[strlen(what) - 1] == ' ')
			what[strlen(what) - 1] = '\0';
		squash_numbers(what);
		first_frame(at, fn, sizeof(fn));
		snprintf(sig, cap, "libFuzzer: %.100s%s%.100s", what, fn[0] ? " in " : "", fn);
		return true;
	}
	return false;
}

/* ---- signatures ---- */

struct finding {
	char sig[256];
	char how[64];          /* "in-process replay", "sanitizer report", ... */
	struct buf report;     /* the explanation that goes into the .txt */
};

static bool load_program_bytes(const struct fuzz_run *r, const struct buf *in, struct kmm_program *p)
{
	if (r->t->text) {
		char err[256];

		return kmm_program_parse(in->data, in->len, p, err, sizeof(err)) == 0;
	}
	kmm_program_decode((const uint8_t *)in->data, in->len, r->t->kind, p);
	return true;
}

static void explain(struct buf *rep, const struct kmm_program *p, const struct kmm_exec_result *res)
{
	char op[256] = "(teardown: after the last op)";

	if (res->step < p->nr_ops)
		kmm_op_format(&p->ops[res->step], op, sizeof(op));
	buf_printf(rep, "check: %s\nstep: %u of %u\nop: %s\ndetail:\n%s\n", res->check, res->step,
		   p->nr_ops, op, res->detail);
}

static void signature_of(struct fuzz_session *s, struct fuzz_run *r, const char *path,
			 const char *label, struct finding *f)
{
	struct buf in = { 0 }, out = { 0 };
	struct kmm_program *p = program_new();
	struct replay_outcome o = { 0 };
	bool have_prog, hang = is_hang_file(path);
	char line[512] = "";

	f->sig[0] = '\0';
	f->report.len = 0;
	if (read_file("fuzz", path, &in)) {
		snprintf(f->sig, sizeof(f->sig), "unreadable finding");
		goto done;
	}
	have_prog = load_program_bytes(r, &in, p);
	if (have_prog) {
		struct replay_request rq = { 0 };

		rq.prog = p;
		rq.isolate = true;
		rq.silence_child = true;
		rq.timeout = REPLAY_TIMEOUT;
		replay_program(&rq, &o);
		replay_outcome_line(&o, line, sizeof(line));
		buf_printf(&f->report, "in-process replay: %s\n", line);
		if (o.completed && o.rc == 1) {
			snprintf(f->sig, sizeof(f->sig), "%s", o.res.signature);
			snprintf(f->how, sizeof(f->how), "in-process replay");
			explain(&f->report, p, &o.res);
			goto done;
		}
	} else {
		buf_printf(&f->report, "in-process replay: the input does not parse as a trace\n");
	}
	if (hang) {
		snprintf(f->sig, sizeof(f->sig), "%s", o.timed_out ? "timeout: the program does not finish"
			 : "timeout (not reproducible in-process)");
		snprintf(f->how, sizeof(f->how), "hang");
		goto done;
	}
	if (r->replay_bin) {
		const char *argv[4] = { r->replay_bin, path, NULL, NULL };
		const char *env[3] = { NULL, NULL, NULL };
		char symb[600];
		struct proc_spec spec = { 0 };
		bool to = false;
		int st;

		if (s->symbolizer) {
			snprintf(symb, sizeof(symb), "ASAN_SYMBOLIZER_PATH=%s", s->symbolizer);
			env[0] = symb;
		}
		spec.argv = argv;
		spec.env_add = env;
		st = proc_run("fuzz", &spec, REPLAY_TIMEOUT, &out, 1 << 18, &to);
		buf_printf(&f->report, "fuzz binary: %s %s -> %s\n", r->replay_bin, label,
			   to ? "timed out" : st == 0 ? "exit 0" : "failed");
		if (out.len && sanitizer_signature(out.data, f->sig, sizeof(f->sig))) {
			snprintf(f->how, sizeof(f->how), "sanitizer report");
			/* The report's head is the useful part. */
			{
				const char *e = out.data;
				unsigned lines = 0;

				while (*e && lines < 60)
					if (*e++ == '\n')
						lines++;
				buf_printf(&f->report, "--- output of the fuzz binary (first lines) ---\n%.*s\n",
					   (int)(e - out.data), out.data);
			}
			goto done;
		}
	}
	if (o.timed_out)
		snprintf(f->sig, sizeof(f->sig), "timeout: the program does not finish");
	else if (!o.completed && o.term_signal)
		snprintf(f->sig, sizeof(f->sig), "crash: %s in replay", signal_name(o.term_signal));
	else
		snprintf(f->sig, sizeof(f->sig), "not reproducible (%s finding)", engine_name(r->engine));
	snprintf(f->how, sizeof(f->how), "replay outcome");
done:
	buf_free(&in);
	buf_free(&out);
	free(p);
}

/* ---- minimisation ---- */

static bool minimise(struct fuzz_session *s, struct fuzz_run *r, const char *path, const char *dst)
{
	struct proc_spec spec = { 0 };
	struct buf out = { 0 };
	const char *argv[16];
	char a1[64], a2[1300];
	unsigned n = 0, t = s->minimize_time;
	static const char *const afl_env[] = { "AFL_NO_AFFINITY=1", "AFL_SKIP_CPUFREQ=1", NULL };
	bool to = false;

	unlink(dst);
	if (r->engine == ENGINE_LIBFUZZER) {
		snprintf(a1, sizeof(a1), "-max_total_time=%u", t > 4 ? t / 2 : 2);
		snprintf(a2, sizeof(a2), "-exact_artifact_path=%s", dst);
		argv[n++] = r->binary;
		argv[n++] = "-minimize_crash=1";
		argv[n++] = a1;
		argv[n++] = "-timeout=25";
		argv[n++] = "-rss_limit_mb=4096";
		argv[n++] = a2;
		argv[n++] = path;
	} else {
		argv[n++] = "afl-tmin";
		argv[n++] = "-i";
		argv[n++] = path;
		argv[n++] = "-o";
		argv[n++] = dst;
		argv[n++] = "-m";
		argv[n++] = "none";
		argv[n++] = "-t";
		argv[n++] = "10000";
		argv[n++] = "--";
		argv[n++] = r->binary;
		spec.env_add = afl_env;
	}
	argv[n] = NULL;
	spec.argv = argv;
	proc_run("fuzz", &spec, t + 10, &out, 1 << 16, &to);
	if (r->log) {
		fprintf(r->log, "\n# kmm: minimising %s\n", path);
		fwrite(out.data ? out.data : "", 1, out.len, r->log);
	}
	buf_free(&out);
	return is_file(dst);
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* ---- saving ---- */

static void save(struct fuzz_session *s, struct fuzz_run *r, const char *base, const char *input,
		 const char *origin, const struct finding *f, const char *min_note)
{
	struct buf in = { 0 }, txt = { 0 }, trace = { 0 }, prog_text = { 0 };
	struct kmm_program *p = program_new();
	char date[64], *bin_path, *txt_path, *trace_path;
	time_t now = time(NULL);
	size_t bl = strlen(base) + 8;

	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	bin_path = xmalloc(bl);
	txt_path = xmalloc(bl);
	trace_path = xmalloc(bl);
	snprintf(bin_path, bl, "%s.bin", base);
	snprintf(txt_path, bl, "%s.txt", base);
	snprintf(trace_path, bl, "%s.trace", base);
	if (read_file("fuzz", input, &in))
		goto out;
	write_file("fuzz", bin_path, in.data, in.len);
	if (!r->t->text) {
		kmm_program_decode((const uint8_t *)in.data, in.len, r->t->kind, p);
		if (program_to_text(p, UINT32_MAX, &prog_text) == 0) {
			buf_printf(&trace, "# crash: %s\n# target %s (kind %s), found by %s, %s\n"
				   "# input: %s (%zu bytes)\n", f->sig, r->t->name, kind_name(r->t->kind),
				   engine_name(r->engine), date, path_basename(bin_path), in.len);
			buf_append(&trace, prog_text.data, prog_text.len);
			write_file("fuzz", trace_path, trace.data, trace.len);
		}
	}
	buf_printf(&txt, "signature: %s\ntarget: %s\nkind: %s\nengine: %s\nfound: %s\n"
		   "origin: %s\ninput: %s (%zu bytes; %s)\nsignature from: %s\n", f->sig, r->t->name,
		   r->t->text ? "text" : kind_name(r->t->kind), engine_name(r->engine), date, origin,
		   path_basename(bin_path), in.len, min_note, f->how);
	if (!r->t->text)
		buf_printf(&txt, "trace: %s\n", path_basename(trace_path));
	buf_printf(&txt, "replay: kmm replay %s\nregress: kmm regress add %s\n\n", bin_path, bin_path);
	if (f->report.len)
		buf_append(&txt, f->report.data, f->report.len);
	write_file("fuzz", txt_path, txt.data, txt.len);
	(void)s;
out:
	buf_free(&in);
	buf_free(&txt);
	buf_free(&trace);
	buf_free(&prog_text);
	free(p);
	free(bin_path);
	free(txt_path);
	free(trace_path);
}

unsigned triage_run(struct fuzz_session *s, struct fuzz_run *r)
{
	struct strlist files = { 0 };
	char *dir = path_join(r->work, "crashes");
	unsigned dups = 0;

	collect_findings(r, &files);
	r->findings = (unsigned)files.n;
	if (!files.n) {
		strlist_free(&files);
		free(dir);
		return 0;
	}
	if (mkdir_p("fuzz", dir)) {
		strlist_free(&files);
		free(dir);
		return 0;
	}
	printf("\n%s [%s]: %zu finding%s to triage%s\n", r->t->name, engine_name(r->engine), files.n,
	       files.n == 1 ? "" : "s",
	       files.n > TRIAGE_MAX_FINDINGS ? " (the first 200 are looked at)" : "");
	fflush(stdout);
	for (size_t i = 0; i < files.n && i < TRIAGE_MAX_FINDINGS; i++) {
		struct finding f = { 0 };
		char key[400], hash[20], *base, min_path[1200], note[160];
		const char *input = files.v[i];
		size_t bl;

		signature_of(s, r, files.v[i], files.v[i], &f);
		snprintf(key, sizeof(key), "%s\t%s", r->t->name, f.sig);
		if (strlist_has(&s->seen, key)) {
			dups++;
			buf_free(&f.report);
			continue;
		}
		strlist_add(&s->seen, key);
		r->unique++;
		snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)fnv1a64(f.sig, strlen(f.sig)));
		base = path_join(dir, hash);
		bl = strlen(base) + 8;
		{
			char *bin = xmalloc(bl);

			snprintf(bin, bl, "%s.bin", base);
			if (is_file(bin)) {
				printf("  %s\n    known: saved by an earlier run as %s\n    kmm regress add %s\n",
				       f.sig, bin, bin);
				free(bin);
				free(base);
				buf_free(&f.report);
				continue;
			}
			free(bin);
		}
		r->new_unique++;
		snprintf(note, sizeof(note), "not minimised");
		snprintf(min_path, sizeof(min_path), "%s.min", base);
		if (!*s->interrupted && s->minimize_time && !is_hang_file(input) &&
		    minimise(s, r, input, min_path)) {
			struct finding m = { 0 };
			off_t before = file_size(input), after = file_size(min_path);

			signature_of(s, r, min_path, "<the minimised input>", &m);
			if (!strcmp(m.sig, f.sig) && after >= 0 && after <= before) {
				snprintf(note, sizeof(note), "minimised by %s from %lld bytes",
					 r->engine == ENGINE_AFL ? "afl-tmin" : "libFuzzer -minimize_crash",
					 (long long)before);
				input = min_path;
				buf_free(&f.report);
				f.report = m.report;
				m.report.data = NULL;
			} else {
				snprintf(note, sizeof(note), "the minimised input %s; kept the original",
					 strcmp(m.sig, f.sig) ? "had another signature" : "was not smaller");
			}
			buf_free(&m.report);
		}
		save(s, r, base, input, files.v[i], &f, note);
		unlink(min_path);
		printf("  %s\n    saved %s.{bin,%stxt} (%s)\n    kmm regress add %s.bin\n", f.sig, base,
		       r->t->text ? "" : "trace,", note, base);
		fflush(stdout);
		free(base);
		buf_free(&f.report);
	}
	if (dups)
		printf("  (%u more finding%s with a signature already seen)\n", dups, dups == 1 ? "" : "s");
	strlist_free(&files);
	free(dir);
	return r->unique;
}
