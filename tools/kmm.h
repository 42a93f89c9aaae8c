/* SPDX-License-Identifier: MIT */
/*
 * The kmm command-line tool: shared declarations.
 *
 * kmm.c dispatches to one cmd_*() per subcommand; util.c holds file, path,
 * option and program-loading helpers; proc.c runs child processes (engines,
 * fuzz binaries) and isolated in-process replays. Every helper that can fail
 * prints one clear line naming what was wrong and returns an error; only
 * main() turns that into an exit status.
 *
 * Exit statuses (docs/cli.md):
 *   0  success;
 *   1  the inputs show a bug: a mismatch, a crash, a fuzzer finding;
 *   2  usage error, setup error, or an input that cannot be read or parsed.
 */
#ifndef KMM_TOOL_H
#define KMM_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../differential/executor.h"
#include "../differential/program.h"

enum { KMM_EXIT_OK = 0, KMM_EXIT_FOUND = 1, KMM_EXIT_USAGE = 2 };

/* ---- subcommands (argv[0] is the subcommand name) ---- */
int cmd_decode(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_corpus(int argc, char **argv);
int cmd_regress(int argc, char **argv);
int cmd_fuzz(int argc, char **argv);

/* ---- messages (util.c) ---- */
/* "kmm <cmd>: <message>" on stderr; cmd may be NULL. */
void kmm_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kmm_warn(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bad usage: the message plus "(see 'kmm <cmd> --help')"; returns KMM_EXIT_USAGE. */
int kmm_usage_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- option parsing (util.c) ---- */
/*
 * Match argv[*i] against option `name` that takes a value ("--kind numa" or
 * "--kind=numa"). Returns 1 and sets *val (advancing *i past a separate
 * value), 0 if argv[*i] is not this option, -1 (message printed) when the
 * value is missing.
 */
int opt_value(const char *cmd, int argc, char **argv, int *i, const char *name, const char **val);
bool is_help(const char *arg);
/* Parse a non-negative integer option value in [min, max]; -1 + message on error. */
int opt_uint(const char *cmd, const char *name, const char *val, unsigned long min,
	     unsigned long max, unsigned long *out);

/* ---- corpus (cmd_corpus.c) ---- */
struct corpus_counts {
	unsigned seeds, written, unchanged, errors;
};
/*
 * Encode every seeds/NAME.trace into out/NAME.bin for `target`'s kind
 * (fuzz_trace_parser: copy every file as is), writing only what changed
 * (nothing with check). quiet: no line per written file. 0, or -1 when a
 * seed failed (messages printed, counted in c->errors).
 */
int corpus_build_dir(const char *cmd, const char *seeds, const char *out, const char *target,
		     bool check, bool quiet, struct corpus_counts *c);

/* ---- growable buffers and string lists (util.c) ---- */
struct buf {
	char *data;   /* always NUL-terminated when non-NULL (data[len] == 0) */
	size_t len;
	size_t cap;
};
void buf_free(struct buf *b);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct strlist {
	char **v;
	size_t n, cap;
};
int strlist_add(struct strlist *l, const char *s);
bool strlist_has(const struct strlist *l, const char *s);
void strlist_sort(struct strlist *l);
void strlist_free(struct strlist *l);

/* ---- files and paths (util.c) ---- */
/* Whole file into b (NUL-terminated). 0, or -1 with "cannot read PATH: why". */
int read_file(const char *cmd, const char *path, struct buf *b);
/* Write atomically (temp file + rename). 0, or -1 with a message. */
int write_file(const char *cmd, const char *path, const void *data, size_t len);
/* Write only if the content differs; *changed tells which. */
int write_file_if_changed(const char *cmd, const char *path, const void *data, size_t len,
			  bool *changed);
int mkdir_p(const char *cmd, const char *path);
bool is_dir(const char *path);
bool is_file(const char *path);
bool is_executable(const char *path);
/* malloc'd "a/b" (b absolute: copy of b). Never NULL (aborts on OOM). */
char *path_join(const char *a, const char *b);
/* malloc'd copies of the directory part / last component. */
char *path_dirname(const char *p);
const char *path_basename(const char *p);
bool has_suffix(const char *s, const char *suffix);
/*
 * A file: itself. A directory: every regular file below it, recursively,
 * sorted, skipping names starting with '.'. -1 with a message when PATH
 * does not exist or a directory cannot be read.
 */
int collect_files(const char *cmd, const char *path, struct strlist *out);
/* The project's source tree: `opt` if given (must hold corpus/ or tests/),
 * else the nearest ancestor of the cwd holding differential/program.h, else
 * $KMM_SOURCE_DIR, else the tree this tool was built from. NULL + message
 * when none is found. */
char *find_source_dir(const char *cmd, const char *opt);
/* Directory of this executable (malloc'd), or NULL. */
char *self_dir(void);
double now_seconds(void);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);

/* ---- hashing ---- */
uint64_t fnv1a64(const void *data, size_t len);

/* ---- program kinds and loading (util.c) ---- */
int parse_kind(const char *cmd, const char *s, enum kmm_program_kind *out);
const char *kind_name(enum kmm_program_kind kind);
/* From a path: ".../fuzz_<kind>/...", the kind in a kmm fuzz .txt beside it,
 * or a file name containing a kind's name (kmalloc_diff, slub, slab, slob,
 * numa); else pages. */
enum kmm_program_kind guess_kind(const char *path);
/* Read "key: value" from the NAME.txt that kmm fuzz saves beside NAME.bin. */
bool sidecar_value(const char *crash, const char *key, char *out, size_t cap);
/* Fuzz target of a path ("fuzz_pages", ...) or NULL. */
const char *guess_target(const char *path);

struct kmm_program *program_new(void);
/*
 * Parse text, printing "PATH:line:col: message" on failure. Returns 0 or -1.
 */
int program_parse_text(const char *cmd, const char *path, const char *text, size_t len,
		       struct kmm_program *p);
/*
 * Load a program from a file, binary or text. Text when the name ends in
 * .trace, or when the bytes are text and parse; otherwise binary, decoded as
 * `kind`. *is_text tells which (may be NULL). 0, or -1 with a message.
 */
int program_load(const char *cmd, const char *path, enum kmm_program_kind kind,
		 struct kmm_program *p, bool *is_text);
/* Format a whole program into b. */
int program_to_text(const struct kmm_program *p, uint32_t upto, struct buf *b);
/*
 * Encode p as binary into b and check that decoding it as `kind` gives back
 * the same program (compared as text). Returns 0, -1 on a round-trip
 * difference (nothing printed), -2 out of memory.
 */
int program_to_binary(const struct kmm_program *p, enum kmm_program_kind kind, struct buf *b);

/* ---- isolated replay (proc.c) ---- */
/*
 * What a replay in a child process gives back. The child runs
 * kmm_exec_run; a crash or a hang in it is reported here instead of taking
 * the tool down.
 */
struct replay_outcome {
	int rc;                       /* kmm_exec_run's return; meaningless if !completed */
	bool completed;               /* the child returned normally */
	int term_signal;              /* signal that ended the child, 0 if none */
	bool timed_out;               /* killed by the timeout */
	int hook_result;              /* *replay_request.hook_result after the run */
	int exit_status;              /* child's exit status when it completed: non-zero
					 means a checker (valgrind --error-exitcode) objected */
	struct kmm_exec_result res;
};
struct replay_request {
	const struct kmm_program *prog;
	bool verbose;                 /* show the system's reports on stderr */
	bool isolate;                 /* run in a child process (default) */
	bool silence_child;           /* child's stderr to /dev/null (sanitizer noise) */
	unsigned timeout;             /* seconds, 0 = none */
	/* kmm stats: called before teardown, in the child */
	void (*before_teardown)(struct kmm *k, void *ctx);
	void *ctx;
	int *hook_result;             /* the hook's verdict, copied back from the child */
};
void replay_program(const struct replay_request *rq, struct replay_outcome *out);
/* True when the replay ran to its end with no mismatch and no checker error. */
bool replay_ok(const struct replay_outcome *o);
/* One line: "ok", "MISMATCH <sig>", "CRASH SIGSEGV (Segmentation fault)", "TIMEOUT", ... */
void replay_outcome_line(const struct replay_outcome *o, char *buf, size_t cap);

/* ---- child processes (proc.c) ---- */
struct proc_spec {
	const char *const *argv;      /* argv[0] is the program (PATH searched if no '/') */
	const char *const *env_add;   /* "NAME=value" entries added to the environment */
	const char *cwd;              /* NULL = inherit */
	const char *stdin_path;       /* NULL = /dev/null */
	bool own_pgrp;                /* own process group (signals go to the group) */
};
/* Spawn with stdout+stderr on one pipe; *out_fd is its read end (non-blocking). */
int proc_spawn(const char *cmd, const struct proc_spec *spec, pid_t *pid, int *out_fd);
/*
 * Run to completion, capturing up to `limit` bytes of output in out (may be
 * NULL), killing the process group after `timeout` seconds (0 = none).
 * Returns the wait status, or -1 if it could not start. *timed_out may be NULL.
 */
int proc_run(const char *cmd, const struct proc_spec *spec, unsigned timeout, struct buf *out,
	     size_t limit, bool *timed_out);
/* Kill a process group: SIGINT, then SIGKILL after grace seconds. */
void proc_stop_group(pid_t pgid, double grace);
const char *signal_name(int sig);

#endif
