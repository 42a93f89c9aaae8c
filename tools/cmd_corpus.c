/* SPDX-License-Identifier: MIT */
/*
 * kmm corpus build / kmm regress add: the two ways inputs enter the tree.
 *
 * corpus build: people write seeds as text (corpus/seeds/<target>/NAME.trace);
 * fuzzers want bytes. Each seed is encoded for its target's kind into
 * corpus/<target>/<name>.bin, checked to decode back to the same program;
 * fuzz_trace_parser, which reads text, gets the seed files copied as they
 * are. Files are written only when their content changes, so a second run
 * changes nothing (and --check turns "would change" into a failure for CI).
 * Nothing is ever deleted from corpus/<target>/: it also holds inputs that
 * were added by hand.
 *
 * regress add: one step from a crash file to a regression test. The input
 * is decoded to text with a comment header (signature, date, origin) and
 * written to tests/regressions/<name>.trace, which ctest replays; it fails
 * until the bug is fixed and guards it afterwards. A fuzz_trace_parser
 * crash is a text-parsing bug, so its input goes to corpus/fuzz_trace_parser/
 * instead, where the parser target's replay driver runs it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kmm.h"

/* ---- corpus build ---- */

static void corpus_help(void)
{
	printf("usage: kmm corpus build [--source DIR] [--check]\n"
	       "\n"
	       "Encode every seed corpus/seeds/<target>/*.trace into corpus/<target>/<name>.bin\n"
	       "as a program of its target's kind (fuzz_pages: pages, fuzz_numa: numa,\n"
	       "fuzz_slub: slub, ... fuzz_kmalloc_diff: kmalloc_diff); seeds of\n"
	       "fuzz_trace_parser are copied as text. Only changed files are written, so\n"
	       "running it twice changes nothing; files already in corpus/<target>/ are kept.\n"
	       "\n"
	       "  --source DIR  the kmm source tree (default: the one around the current\n"
	       "                directory, else the one kmm was built from)\n"
	       "  --check       write nothing; exit 1 if any file is missing or out of date\n"
	       "\n"
	       "Exit status: 0, 1 with --check when out of date, 2 usage error or a seed\n"
	       "that does not parse or encode.\n");
}

static int put(const char *cmd, const char *dst, const void *data, size_t len, bool check,
	       bool quiet, struct corpus_counts *c)
{
	bool changed;

	if (check) {
		struct buf old = { 0 };
		FILE *f = fopen(dst, "rb");

		changed = true;
		if (f) {
			char chunk[65536];
			size_t n;

			while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
				buf_append(&old, chunk, n);
			fclose(f);
			changed = old.len != len || (len && memcmp(old.data, data, len));
			buf_free(&old);
		}
		if (changed && !quiet)
			printf("  out of date: %s\n", dst);
	} else if (write_file_if_changed(cmd, dst, data, len, &changed)) {
		c->errors++;
		return -1;
	} else if (changed && !quiet) {
		printf("  wrote %s (%zu bytes)\n", dst, len);
	}
	if (changed)
		c->written++;
	else
		c->unchanged++;
	return 0;
}

int corpus_build_dir(const char *cmd, const char *seeds, const char *out, const char *target,
		     bool check, bool quiet, struct corpus_counts *c)
{
	bool raw = !strcmp(target, "fuzz_trace_parser");
	int k = kmm_program_kind_parse(target); /* -1 for fuzz_trace_parser (raw) */
	enum kmm_program_kind kind = k >= 0 ? (enum kmm_program_kind)k : KMM_PROGRAM_PAGES;
	struct strlist files = { 0 };
	struct kmm_program *p = program_new();
	struct buf in = { 0 }, bin = { 0 };
	unsigned errors = c->errors;

	if (collect_files(cmd, seeds, &files)) {
		c->errors++;
		goto out;
	}
	if (!check && mkdir_p(cmd, out)) {
		c->errors++;
		goto out;
	}
	for (size_t i = 0; i < files.n; i++) {
		const char *path = files.v[i], *base = path_basename(path);
		char *dst;

		if (!raw && !has_suffix(base, ".trace"))
			continue;
		c->seeds++;
		if (read_file(cmd, path, &in)) {
			c->errors++;
			continue;
		}
		if (raw) {
			dst = path_join(out, base);
			put(cmd, dst, in.data, in.len, check, quiet, c);
			free(dst);
			continue;
		}
		if (program_parse_text(cmd, path, in.data, in.len, p)) {
			c->errors++;
			continue;
		}
		if (program_to_binary(p, kind, &bin)) {
			kmm_err(cmd, "%s: cannot be expressed as a %s input (it would decode differently); "
				"fix its header or move it to the right target", path, kind_name(kind));
			c->errors++;
			continue;
		}
		{
			size_t n = strlen(base) - strlen(".trace");
			char *name = xmalloc(n + 5);

			snprintf(name, n + 5, "%.*s.bin", (int)n, base);
			dst = path_join(out, name);
			free(name);
		}
		put(cmd, dst, bin.data, bin.len, check, quiet, c);
		free(dst);
	}
out:
	strlist_free(&files);
	buf_free(&in);
	buf_free(&bin);
	free(p);
	return c->errors == errors ? 0 : -1;
}

static void build_target(const char *cmd, const char *root, const char *target, bool check,
			 struct corpus_counts *c)
{
	char *seeds_rel = path_join("corpus/seeds", target);
	char *seeds = path_join(root, seeds_rel);
	char *out_rel = path_join("corpus", target);
	char *out = path_join(root, out_rel);
	unsigned before = c->written + c->unchanged;
	unsigned n;

	corpus_build_dir(cmd, seeds, out, target, check, false, c);
	n = c->written + c->unchanged - before;
	printf("%s: %u seed%s -> %s/\n", target, n, n == 1 ? "" : "s", out_rel);
	free(seeds_rel);
	free(seeds);
	free(out_rel);
	free(out);
}

static int corpus_build(int argc, char **argv)
{
	static const char *const known[] = { "fuzz_pages", "fuzz_numa", "fuzz_slub",        "fuzz_slab",
					     "fuzz_slob",  "fuzz_kmalloc_diff", "fuzz_trace_parser" };
	const char *cmd = "corpus", *source = NULL;
	struct corpus_counts c = { 0 };
	struct strlist entries = { 0 };
	bool check = false;
	char *root, *seeds;
	int r;

	for (int i = 2; i < argc; i++) {
		const char *v;

		if (is_help(argv[i])) {
			corpus_help();
			return KMM_EXIT_OK;
		}
		if ((r = opt_value(cmd, argc, argv, &i, "--source", &v)) != 0) {
			if (r < 0)
				return KMM_EXIT_USAGE;
			source = v;
		} else if (!strcmp(argv[i], "--check")) {
			check = true;
		} else if (argv[i][0] == '-') {
			return kmm_usage_err(cmd, "unknown option '%s'", argv[i]);
		} else {
			return kmm_usage_err(cmd, "unexpected argument '%s'", argv[i]);
		}
	}
	root = find_source_dir(cmd, source);
	if (!root)
		return KMM_EXIT_USAGE;
	seeds = path_join(root, "corpus/seeds");
	if (!is_dir(seeds)) {
		kmm_err(cmd, "no seed directory %s", seeds);
		free(seeds);
		free(root);
		return KMM_EXIT_USAGE;
	}
	/* Every directory under corpus/seeds must be a target we know. */
	{
		struct strlist all = { 0 };

		if (collect_files(cmd, seeds, &all) == 0) {
			for (size_t i = 0; i < all.n; i++) {
				const char *rel = all.v[i] + strlen(seeds) + 1;
				const char *slash = strchr(rel, '/');
				char t[128];
				bool ok = false;

				if (!slash) {
					kmm_warn(cmd, "%s is not in a target directory; ignored", all.v[i]);
					continue;
				}
				snprintf(t, sizeof(t), "%.*s", (int)(slash - rel), rel);
				for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
					ok |= !strcmp(t, known[k]);
				if (!ok && !strlist_has(&entries, t)) {
					kmm_err(cmd, "corpus/seeds/%s: unknown target '%s' (expected fuzz_pages, "
						"fuzz_numa, fuzz_slub, fuzz_slab, fuzz_slob, fuzz_kmalloc_diff "
						"or fuzz_trace_parser)", t, t);
					c.errors++;
				}
				strlist_add(&entries, t);
			}
		}
		strlist_free(&all);
	}
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (strlist_has(&entries, known[k]))
			build_target(cmd, root, known[k], check, &c);
	printf("corpus %s: %u seeds, %u %s, %u unchanged, %u errors\n", check ? "check" : "build",
	       c.seeds, c.written, check ? "out of date" : "written", c.unchanged, c.errors);
	strlist_free(&entries);
	free(seeds);
	free(root);
	if (c.errors)
		return KMM_EXIT_USAGE;
	return check && c.written ? KMM_EXIT_FOUND : KMM_EXIT_OK;
}

int cmd_corpus(int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1])) {
		corpus_help();
		return argc < 2 ? KMM_EXIT_USAGE : KMM_EXIT_OK;
	}
	if (strcmp(argv[1], "build"))
		return kmm_usage_err("corpus", "unknown action '%s' (expected build)", argv[1]);
	return corpus_build(argc, argv);
}

/* ---- regress add ---- */

static void regress_help(void)
{
	printf("usage: kmm regress add CRASH [--kind KIND] [--name NAME] [--source DIR] [--force]\n"
	       "\n"
	       "Turn a crash input (binary or text; e.g. build/fuzz-out/<target>/crashes/<hash>.bin)\n"
	       "into tests/regressions/<NAME>.trace with a header naming its signature and\n"
	       "the date. ctest replays every tests/regressions/*.trace: the test fails until\n"
	       "the bug is fixed and guards against its return afterwards. A fuzz_trace_parser\n"
	       "crash is copied to corpus/fuzz_trace_parser/regress-<NAME> instead.\n"
	       "\n"
	       "  --kind K     how a binary CRASH is decoded: pages, numa, slub, slab, slob or\n"
	       "               kmalloc_diff (default: from its path, else pages)\n"
	       "  --name NAME  file name without .trace (default: from the signature)\n"
	       "  --source DIR the kmm source tree (default: found from the current directory)\n"
	       "  --force      overwrite an existing regression of that name\n");
}

/* "kmm-mismatch check=overlap op=alloc_pages ..." -> "overlap-alloc_pages-1a2b3c4d" */
static void name_from_signature(const char *sig, char *out, size_t cap)
{
	const char *check = strstr(sig, "check="), *op = strstr(sig, "op=");
	uint32_t h = (uint32_t)fnv1a64(sig, strlen(sig));
	char slug[64];
	size_t n = 0;

	if (check && op) {
		snprintf(slug, sizeof(slug), "%.*s-%.*s", (int)strcspn(check + 6, " "), check + 6,
			 (int)strcspn(op + 3, " "), op + 3);
	} else {
		bool dash = false;

		if (!strncmp(sig, "kmm-mismatch ", 13))
			sig += 13;
		for (const char *s = sig; *s && n < 40; s++) {
			if (isalnum((unsigned char)*s) || *s == '_') {
				slug[n++] = (char)tolower((unsigned char)*s);
				dash = false;
			} else if (!dash && n) {
				slug[n++] = '-';
				dash = true;
			}
		}
		while (n && slug[n - 1] == '-')
			n--;
		slug[n] = '\0';
	}
	/* Only [A-Za-z0-9_.-] in file names. */
	for (char *s = slug; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			*s = '_';
	snprintf(out, cap, "%s%s%08x", slug, slug[0] ? "-" : "", h);
}

static bool valid_name(const char *name)
{
	if (!name[0] || name[0] == '.')
		return false;
	for (const char *s = name; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

static int regress_parser_crash(const char *cmd, const char *root, const char *crash,
				const char *name, bool force)
{
	char *dir = path_join(root, "corpus/fuzz_trace_parser");
	char file[300], *dst;
	struct buf in = { 0 };
	int rc = KMM_EXIT_OK;

	snprintf(file, sizeof(file), "regress-%s", name);
	dst = path_join(dir, file);
	if (read_file(cmd, crash, &in) || mkdir_p(cmd, dir)) {
		rc = KMM_EXIT_USAGE;
	} else if (is_file(dst) && !force) {
		kmm_err(cmd, "%s exists (use --force or --name)", dst);
		rc = KMM_EXIT_USAGE;
	} else if (write_file(cmd, dst, in.data, in.len)) {
		rc = KMM_EXIT_USAGE;
	} else {
		printf("added %s (a fuzz_trace_parser input: the parser target's replay runs it)\n", dst);
	}
	buf_free(&in);
	free(dir);
	free(dst);
	return rc;
}

static int regress_add(int argc, char **argv)
{
	const char *cmd = "regress", *crash = NULL, *kind_opt = NULL, *name_opt = NULL, *source = NULL;
	enum kmm_program_kind kind = KMM_PROGRAM_PAGES;
	struct kmm_program *p = NULL, *back = NULL;
	struct replay_request rq = { 0 };
	struct replay_outcome o;
	struct buf text = { 0 }, file = { 0 }, check = { 0 };
	char sig[600] = "", name[160], date[32], line[512];
	char *root = NULL, *dir = NULL, *dst = NULL;
	const char *target;
	bool force = false, is_text = false;
	time_t now = time(NULL);
	int rc = KMM_EXIT_OK, r;

	for (int i = 2; i < argc; i++) {
		const char *v;

		if (is_help(argv[i])) {
			regress_help();
			return KMM_EXIT_OK;
		}
		if ((r = opt_value(cmd, argc, argv, &i, "--kind", &v)) != 0) {
			if (r < 0 || parse_kind(cmd, v, &kind))
				return KMM_EXIT_USAGE;
			kind_opt = v;
		} else if ((r = opt_value(cmd, argc, argv, &i, "--name", &v)) != 0) {
			if (r < 0)
				return KMM_EXIT_USAGE;
			name_opt = v;
		} else if ((r = opt_value(cmd, argc, argv, &i, "--source", &v)) != 0) {
			if (r < 0)
				return KMM_EXIT_USAGE;
			source = v;
		} else if (!strcmp(argv[i], "--force")) {
			force = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return kmm_usage_err(cmd, "unknown option '%s'", argv[i]);
		} else if (crash) {
			return kmm_usage_err(cmd, "one CRASH at a time ('%s' and '%s' given)", crash, argv[i]);
		} else {
			crash = argv[i];
		}
	}
	if (!crash)
		return kmm_usage_err(cmd, "no CRASH file given");
	if (name_opt && (has_suffix(name_opt, ".trace") || !valid_name(name_opt)))
		return kmm_usage_err(cmd, "--name '%s': use letters, digits, '_', '-' and '.', "
				     "without .trace", name_opt);
	root = find_source_dir(cmd, source);
	if (!root)
		return KMM_EXIT_USAGE;

	target = guess_target(crash);
	{
		char t[64];

		if (!target && sidecar_value(crash, "target", t, sizeof(t)))
			target = guess_target(t);
	}
	if (target && !strcmp(target, "fuzz_trace_parser") && !kind_opt) {
		if (!is_file(crash)) {
			kmm_err(cmd, "cannot read %s: not a file", crash);
			rc = KMM_EXIT_USAGE;
		} else {
			struct buf in = { 0 };

			if (read_file(cmd, crash, &in) == 0) {
				snprintf(name, sizeof(name), "%s", name_opt ? name_opt : "");
				if (!name_opt) {
					if (!sidecar_value(crash, "signature", sig, sizeof(sig)))
						snprintf(sig, sizeof(sig), "parser %016llx",
							 (unsigned long long)fnv1a64(in.data, in.len));
					name_from_signature(sig, name, sizeof(name));
				}
				rc = regress_parser_crash(cmd, root, crash, name, force);
			} else {
				rc = KMM_EXIT_USAGE;
			}
			buf_free(&in);
		}
		goto out;
	}
	if (!kind_opt)
		kind = guess_kind(crash);

	p = program_new();
	if (program_load(cmd, crash, kind, p, &is_text)) {
		rc = KMM_EXIT_USAGE;
		goto out;
	}
	rq.prog = p;
	rq.isolate = true;
	rq.silence_child = true;
	rq.timeout = 120;
	replay_program(&rq, &o);
	replay_outcome_line(&o, line, sizeof(line));
	if (o.completed && o.rc == 1) {
		snprintf(sig, sizeof(sig), "%s", o.res.signature);
	} else if (!sidecar_value(crash, "signature", sig, sizeof(sig))) {
		if (o.completed && o.rc == 0)
			kmm_warn(cmd, "%s replays without a mismatch; adding it anyway", crash);
		snprintf(sig, sizeof(sig), "%s", o.completed && o.rc == 0 ? "none (replays ok)" : line);
	}
	if (name_opt)
		snprintf(name, sizeof(name), "%s", name_opt);
	else
		name_from_signature(sig, name, sizeof(name));

	dir = path_join(root, "tests/regressions");
	if (mkdir_p(cmd, dir)) {
		rc = KMM_EXIT_USAGE;
		goto out;
	}
	{
		char fname[200];

		snprintf(fname, sizeof(fname), "%s.trace", name);
		dst = path_join(dir, fname);
	}
	if (is_file(dst) && !force) {
		kmm_err(cmd, "%s exists (use --force to replace it, or --name)", dst);
		rc = KMM_EXIT_USAGE;
		goto out;
	}
	strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&now));
	if (program_to_text(p, UINT32_MAX, &text)) {
		kmm_err(cmd, "out of memory");
		rc = KMM_EXIT_USAGE;
		goto out;
	}
	buf_printf(&file, "# regression: %s\n", sig);
	buf_printf(&file, "# added %s by 'kmm regress add' from %s (%s, kind %s)\n", date,
		   path_basename(crash), is_text ? "text" : "binary", kind_name(kind));
	buf_printf(&file, "# replay: kmm replay tests/regressions/%s.trace\n", name);
	buf_printf(&file, "# on the day it was added it replayed as: %s\n", line);
	buf_append(&file, text.data, text.len);

	/* What ctest will read must parse back to the same program. */
	back = program_new();
	if (program_parse_text(cmd, dst, file.data, file.len, back) ||
	    program_to_text(back, UINT32_MAX, &check) || check.len != text.len ||
	    memcmp(check.data, text.data, text.len)) {
		kmm_err(cmd, "internal error: the decoded trace of %s does not parse back to the same "
			"program (a text codec bug); nothing written", crash);
		rc = KMM_EXIT_USAGE;
		goto out;
	}
	if (write_file(cmd, dst, file.data, file.len)) {
		rc = KMM_EXIT_USAGE;
		goto out;
	}
	printf("added %s\n  signature: %s\n  replays now as: %s\n", dst, sig, line);
	printf("ctest replays it with the regression suite; it passes once the bug is fixed.\n");
out:
	free(p);
	free(back);
	buf_free(&text);
	buf_free(&file);
	buf_free(&check);
	free(root);
	free(dir);
	free(dst);
	return rc;
}

int cmd_regress(int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1])) {
		regress_help();
		return argc < 2 ? KMM_EXIT_USAGE : KMM_EXIT_OK;
	}
	if (strcmp(argv[1], "add"))
		return kmm_usage_err("regress", "unknown action '%s' (expected add)", argv[1]);
	return regress_add(argc, argv);
}
