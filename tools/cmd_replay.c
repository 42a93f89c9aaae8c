/* SPDX-License-Identifier: MIT */
/*
 * kmm replay: run inputs and traces through the differential executor and
 * say, for each, "ok" or which check failed, where, and why.
 *
 * Paths may be files or directories (walked recursively, sorted, dot files
 * skipped); each file is text when it ends in .trace or its bytes are text
 * that parses, binary otherwise. Each program runs in a child process (unless
 * --no-fork), so an input that crashes or hangs the allocator is reported
 * as CRASH or TIMEOUT and the replay goes on with the next file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmm.h"

static void replay_help(void)
{
	printf("usage: kmm replay [--kind KIND] [--verbose] [--timeout S] [--no-fork] PATH...\n"
	       "\n"
	       "Replay binary inputs or .trace files (files or directories, recursively)\n"
	       "through the differential executor: libkmm and the reference model side by\n"
	       "side, compared after every op. Prints per file 'ok' or 'MISMATCH <signature>'\n"
	       "with the failing check, the step, the op and expected vs actual; then\n"
	       "'replayed N: A ok, M mismatched'.\n"
	       "\n"
	       "  --kind K     how binary files are decoded (pages, numa, slub, slab, slob or\n"
	       "               kmalloc_diff); default: guessed from each path (fuzz_<kind>\n"
	       "               in it), else pages\n"
	       "  --verbose    show on stderr the system's reports (BUG: Bad page state ...)\n"
	       "               and, on a mismatch, the executor's report with the program\n"
	       "               up to the failing step\n"
	       "  --timeout S  give up on a file after S seconds (default 120, 0 = never)\n"
	       "  --no-fork    replay in this process (for debuggers; a crash ends kmm)\n"
	       "\n"
	       "Exit status: 0 all ok, 1 a mismatch, crash or timeout, 2 usage error or an\n"
	       "unreadable or unparsable file.\n");
}

/* Print text with every line indented, the first after `lead`. */
static void print_indented(const char *lead, const char *text)
{
	const char *s = text;
	bool first = true;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		printf("    %-9s %.*s\n", first ? lead : "", (int)n, s);
		first = false;
		s += n + (nl ? 1 : 0);
	}
}

/* The executor's signature names the op, "create", "check" or "teardown". */
static bool sig_op_is(const struct kmm_exec_result *res, const char *op)
{
	const char *s = strstr(res->signature, " op=");
	size_t n = strlen(op);

	return s && !strncmp(s + 4, op, n) && (s[4 + n] == ' ' || s[4 + n] == '\0');
}

static void explain_mismatch(const struct kmm_program *p, const struct kmm_exec_result *res,
			     bool verbose)
{
	char op[256], step[96];

	print_indented("check:", res->check[0] ? res->check : "(unnamed)");
	if (sig_op_is(res, "create")) {
		print_indented("step:", "system creation, before the first op");
	} else if (res->step >= p->nr_ops || sig_op_is(res, "teardown")) {
		snprintf(step, sizeof(step), "teardown, after the last of %u ops", p->nr_ops);
		print_indented("step:", step);
	} else {
		size_t n;

		snprintf(step, sizeof(step), "%u of %u (counting from 0)", res->step, p->nr_ops);
		print_indented("step:", step);
		n = sig_op_is(res, "check") && p->ops[res->step].code != KMM_OP_CHECK
			    ? (size_t)snprintf(op, sizeof(op), "full check after ") : 0;
		kmm_op_format(&p->ops[res->step], op + n, sizeof(op) - n);
		print_indented("op:", op);
	}
	if (res->detail[0])
		print_indented("detail:", res->detail);
	/* With --verbose the executor itself printed the program up to the step
	 * on stderr, beside the system's reports. */
	(void)verbose;
}

int cmd_replay(int argc, char **argv)
{
	const char *cmd = "replay", *kind_opt = NULL;
	enum kmm_program_kind kind = KMM_PROGRAM_PAGES;
	struct strlist paths = { 0 }, files = { 0 };
	struct kmm_program *p;
	unsigned long timeout = 120;
	bool verbose = false, isolate = true;
	unsigned n = 0, ok = 0, bad = 0, broken = 0, errors = 0;
	int r;

	for (int i = 1; i < argc; i++) {
		const char *v;

		if (is_help(argv[i])) {
			replay_help();
			return KMM_EXIT_OK;
		}
		if ((r = opt_value(cmd, argc, argv, &i, "--kind", &v)) != 0) {
			if (r < 0 || parse_kind(cmd, v, &kind))
				goto usage;
			kind_opt = v;
		} else if ((r = opt_value(cmd, argc, argv, &i, "--timeout", &v)) != 0) {
			if (r < 0 || opt_uint(cmd, "--timeout", v, 0, 86400, &timeout))
				goto usage;
		} else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--no-fork")) {
			isolate = false;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			kmm_usage_err(cmd, "unknown option '%s'", argv[i]);
			goto usage;
		} else {
			strlist_add(&paths, argv[i]);
		}
	}
	if (!paths.n) {
		kmm_usage_err(cmd, "no PATH given");
		goto usage;
	}
	for (size_t i = 0; i < paths.n; i++)
		if (collect_files(cmd, paths.v[i], &files))
			errors++;

	p = program_new();
	for (size_t f = 0; f < files.n; f++) {
		const char *path = files.v[f];
		enum kmm_program_kind k = kind_opt ? kind : guess_kind(path);
		struct replay_request rq = { 0 };
		struct replay_outcome o;
		char line[512];
		bool text;

		if (program_load(cmd, path, k, p, &text)) {
			errors++;
			continue;
		}
		n++;
		rq.prog = p;
		rq.verbose = verbose;
		rq.isolate = isolate;
		rq.timeout = (unsigned)timeout;
		replay_program(&rq, &o);
		replay_outcome_line(&o, line, sizeof(line));
		if (replay_ok(&o)) {
			ok++;
			printf("%s: ok (%u ops, %llu allocs, %llu failed, %llu frees", path, p->nr_ops,
			       (unsigned long long)o.res.allocs_ok, (unsigned long long)o.res.allocs_failed,
			       (unsigned long long)o.res.frees);
			if (o.res.misuses_reported)
				printf(", %llu misuses reported",
				       (unsigned long long)o.res.misuses_reported);
			printf(")\n");
		} else if (o.completed && o.rc == 1) {
			bad++;
			printf("%s: %s\n", path, line);
			explain_mismatch(p, &o.res, verbose);
		} else {
			broken++;
			printf("%s: %s\n", path, line);
			if (!o.completed)
				printf("    (debug it with 'kmm replay --no-fork%s%s %s')\n",
				       text ? "" : " --kind ", text ? "" : kind_name(k), path);
		}
		fflush(stdout);
	}
	free(p);

	printf("replayed %u: %u ok, %u mismatched", n, ok, bad);
	if (broken)
		printf(", %u crashed", broken);
	if (errors)
		printf(", %u unreadable", errors);
	printf("\n");
	strlist_free(&paths);
	strlist_free(&files);
	if (bad || broken)
		return KMM_EXIT_FOUND;
	return errors ? KMM_EXIT_USAGE : KMM_EXIT_OK;
usage:
	strlist_free(&paths);
	return KMM_EXIT_USAGE;
}
