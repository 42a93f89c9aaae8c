/* SPDX-License-Identifier: MIT */
/*
 * kmm decode / kmm encode: the two directions between the binary form that
 * fuzzers mutate and the .trace text people read and write.
 *
 * Any byte string decodes to a valid program, so decode never fails on
 * content; what it needs is the kind (pages, numa, slub, slab, slob or
 * kmalloc_diff), which shapes how the
 * header bytes are read: given by --kind, else guessed from the path
 * (corpus/fuzz_numa/..., build/fuzz-out/fuzz_slub/crashes/...), else pages.
 *
 * encode checks its own work: the bytes it writes must decode, as the given
 * kind, back to the same program. A program that the kind cannot express
 * (three nodes in a pages program) is refused rather than silently changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmm.h"

static void decode_help(void)
{
	printf("usage: kmm decode [--kind KIND] [-o OUT] FILE...\n"
	       "\n"
	       "Decode binary fuzz inputs (corpus files, crash files) into .trace text on\n"
	       "stdout (or OUT, for one FILE). With several files each is preceded by a\n"
	       "'# ==> FILE <==' comment line.\n"
	       "\n"
	       "  --kind K   pages, numa, slub, slab, slob or kmalloc_diff: how the bytes\n"
	       "             are read. Default: guessed from the path (fuzz_<kind> in it),\n"
	       "             else pages.\n"
	       "  -o OUT     write the text to OUT instead of stdout (one FILE only)\n");
}

static void encode_help(void)
{
	printf("usage: kmm encode [--kind KIND] FILE.trace [-o OUT]\n"
	       "\n"
	       "Encode a .trace into the binary form the fuzz targets read. Parse errors are\n"
	       "printed as FILE:line:column: message. The result is checked to decode back\n"
	       "to the same program.\n"
	       "\n"
	       "  --kind K   pages, numa, slub, slab, slob or kmalloc_diff (the fuzz target\n"
	       "             that will read it). Default: from the program: its slab\n"
	       "             backend (slub, slab, slob; all: kmalloc_diff), else one node\n"
	       "             is pages, more is numa.\n"
	       "  -o OUT     output file; '-' or none: stdout (refused when it is a terminal)\n");
}

static int emit(const char *cmd, const char *out, const void *data, size_t len)
{
	if (!out || !strcmp(out, "-")) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout)) {
			kmm_err(cmd, "cannot write to stdout");
			return -1;
		}
		return 0;
	}
	return write_file(cmd, out, data, len);
}

/*
 * The options decode and encode share (--kind K, -o OUT). Returns 1 when
 * argv[*i] was one of them (consumed), 0 when it was not, -1 on a usage error
 * (already reported).
 */
static int codec_option(const char *cmd, int argc, char **argv, int *i, enum kmm_program_kind *kind,
			const char **kind_opt, const char **out)
{
	const char *v;
	int r;

	if ((r = opt_value(cmd, argc, argv, i, "--kind", &v)) != 0) {
		if (r < 0 || parse_kind(cmd, v, kind))
			return -1;
		*kind_opt = v;
		return 1;
	}
	if ((r = opt_value(cmd, argc, argv, i, "-o", &v)) != 0) {
		if (r < 0)
			return -1;
		*out = v;
		return 1;
	}
	return 0;
}

int cmd_decode(int argc, char **argv)
{
	const char *cmd = "decode", *kind_opt = NULL, *out = NULL;
	enum kmm_program_kind kind = KMM_PROGRAM_PAGES;
	struct strlist files = { 0 };
	struct kmm_program *p;
	struct buf in = { 0 }, text = { 0 }, all = { 0 };
	int rc = KMM_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		int r;

		if (is_help(argv[i])) {
			decode_help();
			return KMM_EXIT_OK;
		}
		if ((r = codec_option(cmd, argc, argv, &i, &kind, &kind_opt, &out)) != 0) {
			if (r < 0) {
				strlist_free(&files);
				return KMM_EXIT_USAGE;
			}
		} else if (argv[i][0] == '-' && argv[i][1]) {
			strlist_free(&files);
			return kmm_usage_err(cmd, "unknown option '%s'", argv[i]);
		} else {
			strlist_add(&files, argv[i]);
		}
	}
	if (!files.n)
		return kmm_usage_err(cmd, "no FILE given");
	if (out && files.n > 1) {
		strlist_free(&files);
		return kmm_usage_err(cmd, "-o takes one FILE, %zu given", files.n);
	}

	p = program_new();
	for (size_t f = 0; f < files.n; f++) {
		const char *path = files.v[f];
		enum kmm_program_kind k = kind_opt ? kind : guess_kind(path);

		if (has_suffix(path, ".trace")) {
			kmm_err(cmd, "%s is already text (a .trace); 'kmm encode' goes the other way", path);
			rc = KMM_EXIT_USAGE;
			continue;
		}
		if (read_file(cmd, path, &in)) {
			rc = KMM_EXIT_USAGE;
			continue;
		}
		kmm_program_decode((const uint8_t *)in.data, in.len, k, p);
		if (program_to_text(p, UINT32_MAX, &text)) {
			kmm_err(cmd, "%s: out of memory", path);
			rc = KMM_EXIT_USAGE;
			continue;
		}
		if (files.n > 1)
			buf_printf(&all, "# ==> %s <== (%zu bytes, kind %s)\n", path, in.len, kind_name(k));
		buf_append(&all, text.data, text.len);
		if (files.n > 1 && f + 1 < files.n)
			buf_append(&all, "\n", 1);
	}
	if (all.len && emit(cmd, out, all.data, all.len))
		rc = KMM_EXIT_USAGE;
	free(p);
	buf_free(&in);
	buf_free(&text);
	buf_free(&all);
	strlist_free(&files);
	return rc;
}

int cmd_encode(int argc, char **argv)
{
	const char *cmd = "encode", *kind_opt = NULL, *out = NULL, *path = NULL;
	enum kmm_program_kind kind = KMM_PROGRAM_PAGES;
	struct kmm_program *p;
	struct buf in = { 0 }, bin = { 0 };
	int rc = KMM_EXIT_OK, r;

	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			encode_help();
			return KMM_EXIT_OK;
		}
		if ((r = codec_option(cmd, argc, argv, &i, &kind, &kind_opt, &out)) != 0) {
			if (r < 0)
				return KMM_EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return kmm_usage_err(cmd, "unknown option '%s'", argv[i]);
		} else if (path) {
			return kmm_usage_err(cmd, "one FILE at a time ('%s' and '%s' given)", path, argv[i]);
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return kmm_usage_err(cmd, "no FILE given");
	if ((!out || !strcmp(out, "-")) && isatty(STDOUT_FILENO)) {
		kmm_err(cmd, "refusing to write binary to a terminal; use -o OUT or a pipe");
		return KMM_EXIT_USAGE;
	}
	if (read_file(cmd, path, &in))
		return KMM_EXIT_USAGE;
	p = program_new();
	if (program_parse_text(cmd, path, in.data, in.len, p)) {
		rc = KMM_EXIT_USAGE;
		goto out;
	}
	/* The program says which decoder reproduces it (kmm_program_kind_of). */
	if (!kind_opt)
		kind = kmm_program_kind_of(p);
	r = program_to_binary(p, kind, &bin);
	if (r == -1 && kmm_program_binary_loss(p) && kind == kmm_program_kind_of(p)) {
		kmm_err(cmd, "%s: the binary form cannot carry this program's %s", path,
			kmm_program_binary_loss(p));
		rc = KMM_EXIT_USAGE;
	} else if (r == -1) {
		kmm_err(cmd, "%s: this program cannot be expressed as a %s input (it would decode "
			"differently); check the header against the kind", path, kind_name(kind));
		rc = KMM_EXIT_USAGE;
	} else if (r < 0) {
		kmm_err(cmd, "%s: out of memory", path);
		rc = KMM_EXIT_USAGE;
	} else if (emit(cmd, out, bin.data, bin.len)) {
		rc = KMM_EXIT_USAGE;
	}
out:
	free(p);
	buf_free(&in);
	buf_free(&bin);
	return rc;
}
