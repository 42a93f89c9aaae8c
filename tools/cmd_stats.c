/* SPDX-License-Identifier: MIT */
/*
 * kmm stats: run a program through the executor and print the /proc views
 * of the system as it stands after the last op, before teardown frees
 * everything (the executor's before_teardown hook). What a user sees is what
 * `cat /proc/buddyinfo` would have shown on a kernel that ran the same ops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmm.h"

static void stats_help(void)
{
	printf("usage: kmm stats [--view VIEW[,VIEW...]] [--kind KIND] PROGRAM\n"
	       "\n"
	       "Run PROGRAM (a .trace or a binary input) and print the /proc-style views\n"
	       "of the system after its last op, before teardown.\n"
	       "\n"
	       "  --view V   buddyinfo, pagetypeinfo, zoneinfo, vmstat, numastat, slabinfo\n"
	       "             or all (default all; repeat or separate with commas for\n"
	       "             several). slabinfo is /proc/slabinfo 2.1 of the program's\n"
	       "             object allocator.\n"
	       "             With several views each starts with '==> /proc/VIEW <=='.\n"
	       "  --kind K   how a binary PROGRAM is decoded (default: guessed from the path)\n"
	       "\n"
	       "Exit status: 0, 1 if the program showed a mismatch (the views are not\n"
	       "printed then), 2 usage error or unreadable program.\n");
}

struct stats_ctx {
	bool views[KMM_NR_VIEWS];
	unsigned nr_views;
	int result;   /* 1 = views shown, 2 = a view failed; set where the hook ran */
};

static void write_stdout(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	fwrite(text, 1, len, stdout);
}

static void show_views(struct kmm *k, void *ctx)
{
	struct stats_ctx *s = ctx;
	bool first = true;

	for (int v = 0; v < KMM_NR_VIEWS; v++) {
		if (!s->views[v])
			continue;
		if (s->nr_views > 1)
			printf("%s==> /proc/%s <==\n", first ? "" : "\n", kmm_view_name((enum kmm_view)v));
		first = false;
		if (kmm_show(k, (enum kmm_view)v, write_stdout, NULL) < 0) {
			fprintf(stderr, "kmm stats: the %s view failed\n", kmm_view_name((enum kmm_view)v));
			s->result |= 2;
		}
	}
	fflush(stdout);
	s->result |= 1;
}

static int add_views(const char *cmd, const char *list, struct stats_ctx *s)
{
	char *copy = xstrdup(list), *save = NULL;
	int rc = 0;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		if (!strcmp(tok, "all")) {
			for (int v = 0; v < KMM_NR_VIEWS; v++)
				s->views[v] = true;
			continue;
		}
		for (int v = 0; v < KMM_NR_VIEWS; v++) {
			const char *name = kmm_view_name((enum kmm_view)v);

			if (name && !strcmp(tok, name)) {
				s->views[v] = found = true;
				break;
			}
		}
		if (!found) {
			kmm_usage_err(cmd, "unknown view '%s' (expected buddyinfo, pagetypeinfo, "
				      "zoneinfo, vmstat, numastat, slabinfo or all)", tok);
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

int cmd_stats(int argc, char **argv)
{
	const char *cmd = "stats", *path = NULL, *kind_opt = NULL;
	enum kmm_program_kind kind = KMM_PROGRAM_PAGES;
	struct stats_ctx s = { 0 };
	struct kmm_program *p;
	struct replay_request rq = { 0 };
	struct replay_outcome o;
	bool any = false;
	int rc = KMM_EXIT_OK, r;

	for (int i = 1; i < argc; i++) {
		const char *v;

		if (is_help(argv[i])) {
			stats_help();
			return KMM_EXIT_OK;
		}
		if ((r = opt_value(cmd, argc, argv, &i, "--view", &v)) != 0) {
			if (r < 0 || add_views(cmd, v, &s))
				return KMM_EXIT_USAGE;
			any = true;
		} else if ((r = opt_value(cmd, argc, argv, &i, "--kind", &v)) != 0) {
			if (r < 0 || parse_kind(cmd, v, &kind))
				return KMM_EXIT_USAGE;
			kind_opt = v;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return kmm_usage_err(cmd, "unknown option '%s'", argv[i]);
		} else if (path) {
			return kmm_usage_err(cmd, "one PROGRAM at a time ('%s' and '%s' given)", path,
					     argv[i]);
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return kmm_usage_err(cmd, "no PROGRAM given");
	if (!any)
		for (int v = 0; v < KMM_NR_VIEWS; v++)
			s.views[v] = true;
	for (int v = 0; v < KMM_NR_VIEWS; v++)
		s.nr_views += s.views[v];

	p = program_new();
	if (program_load(cmd, path, kind_opt ? kind : guess_kind(path), p, NULL)) {
		free(p);
		return KMM_EXIT_USAGE;
	}
	/* The hook prints from the replay child; its verdict comes back in
	 * o.hook_result. */
	rq.prog = p;
	rq.isolate = true;
	rq.timeout = 300;
	rq.before_teardown = show_views;
	rq.ctx = &s;
	rq.hook_result = &s.result;
	replay_program(&rq, &o);
	if (!replay_ok(&o)) {
		char line[512];

		replay_outcome_line(&o, line, sizeof(line));
		kmm_err(cmd, "%s: %s", path, line);
		if (o.completed && o.rc == 1)
			fprintf(stderr, "    check %s at step %u: %s\n", o.res.check, o.res.step,
				o.res.detail);
		rc = o.completed && o.rc < 0 ? KMM_EXIT_USAGE : KMM_EXIT_FOUND;
	} else if (!(o.hook_result & 1)) {
		kmm_err(cmd, "%s: the executor never reached teardown; no views to show", path);
		rc = KMM_EXIT_USAGE;
	} else if (o.hook_result & 2) {
		rc = KMM_EXIT_USAGE;
	}
	free(p);
	return rc;
}
