/* SPDX-License-Identifier: MIT */
/*
 * kmm fuzz: state shared by its three files.
 *
 *   cmd_fuzz.c     options, finding binaries, seeds and dictionaries, the
 *                  main loop, the summary table;
 *   fuzz_engine.c  starting, watching and stopping libFuzzer and afl-fuzz,
 *                  parsing their progress, the live status lines;
 *   fuzz_triage.c  what happens to each crash: signature, dedupe,
 *                  minimisation with the engine's own minimiser, decoding,
 *                  saving under <out>/<target>/crashes/.
 *
 * One struct fuzz_run per (target, engine) pair, each for the whole time
 * budget. Runs wait in a queue and start while the engine processes running
 * stay within --parallel (default: the online CPUs): fuzzers sharing a core
 * lose more than their share (libFuzzer beside afl-fuzz pairs ran at a
 * tenth of its single-core rate), so each gets a core of its own.
 */
#ifndef KMM_TOOL_FUZZ_H
#define KMM_TOOL_FUZZ_H

#include <stdio.h>
#include <time.h>

#include "kmm.h"

#define FUZZ_MAX_JOBS 32

enum fuzz_engine { ENGINE_LIBFUZZER, ENGINE_AFL };

struct fuzz_target {
	const char *name;            /* "fuzz_pages" */
	bool text;                   /* inputs are .trace text (fuzz_trace_parser) */
	enum kmm_program_kind kind;  /* how binary inputs decode */
};

/* One engine process: libFuzzer, or one afl-fuzz instance. */
struct engine_proc {
	pid_t pid;                   /* 0 = not running */
	int fd;                      /* merged stdout+stderr, -1 when closed */
	char name[16];               /* AFL instance: "main", "s1", ... */
	struct buf line;             /* partial output line */
	int status;                  /* wait status once it exited */
	bool exited;
	bool inited;                 /* libFuzzer: the corpus is loaded, fuzzing began */
	bool saw_finding;            /* libFuzzer: wrote a crash/timeout/oom file */
	uint64_t last_n;             /* libFuzzer: last "#N" of this process */
	char last[4][256];           /* the last lines printed (for error messages) */
	unsigned nr_last;
	/* AFL: last fuzzer_stats values of this instance */
	uint64_t execs, crashes, hangs, corpus, edges, total_edges;
	double bitmap_pct;
};

/*
 * Progress of a run. Invariant: execs only grows; for libFuzzer it is
 * execs_base (units of earlier, restarted processes) + the last "#N" seen.
 */
struct fuzz_stats {
	uint64_t execs;
	double exec_per_sec;
	uint64_t cov, ft;            /* libFuzzer */
	uint64_t edges, total_edges; /* AFL */
	double bitmap_pct;           /* AFL */
	uint64_t corpus;
	uint64_t crashes;            /* crash / timeout / oom reports of the engine */
};

struct fuzz_run {
	const struct fuzz_target *t;
	enum fuzz_engine engine;
	char *binary;                /* engine binary of this target */
	char *replay_bin;            /* binary that shows sanitizer reports for an input:
					the libFuzzer build if found, else binary */
	char *seeds;                 /* corpus/<target>/: read only */
	char *dict;                  /* fuzz/dict/<target>.dict or NULL */
	char *work;                  /* <out>/<target> */
	char *corpus;                /* libFuzzer working corpus: <work>/corpus */
	char *artifacts;             /* libFuzzer: <work>/artifacts/ */
	char *afl_out;               /* AFL: <work>/afl */
	char *log_path;              /* <work>/<engine>.log: everything the engine printed */
	FILE *log;
	unsigned jobs;
	unsigned time_budget;        /* seconds */

	struct engine_proc procs[FUZZ_MAX_JOBS];
	unsigned nr_procs;
	double start, stop_at;       /* monotonic seconds */
	time_t wall_start;           /* findings newer than this belong to this run */
	bool queued;                 /* set up, waiting for a free core (not started) */
	bool done_shown;             /* its "done" line went out (status without a tty) */
	bool running;
	bool stopping;               /* SIGINT sent; SIGKILL at kill_at */
	double kill_at;
	bool failed;                 /* the engine could not run: error says why */
	char error[512];
	unsigned restarts;           /* libFuzzer restarted after a crash */
	bool fork_mode;              /* libFuzzer -fork (jobs > 1, or after a crash while
					loading the corpus: -fork survives crashing inputs) */
	uint64_t execs_base;         /* libFuzzer: units run by earlier processes */
	uint64_t crashes_base;       /* libFuzzer: findings of earlier processes */
	double rate_t;               /* when execs was last updated */
	double afl_read_t;           /* when AFL's files were last read */
	char last_finding[160];      /* first line of the last crash report */
	struct fuzz_stats st;
	double elapsed;

	/* triage */
	unsigned findings;           /* crash files of this run */
	unsigned unique;             /* distinct signatures among them */
	unsigned new_unique;         /* ... not saved by an earlier run */
};

struct fuzz_session {
	struct fuzz_run *runs;
	unsigned nr_runs;
	const char *source;          /* source tree */
	const char *out;             /* output root */
	unsigned minimize_time;      /* seconds per crash */
	bool tty;                    /* status lines redrawn in place */
	unsigned status_lines;       /* lines drawn last time (tty) */
	double last_status;
	volatile int *interrupted;
	unsigned parallel;           /* engine processes at once (>= 1) */
	char *symbolizer;            /* llvm-symbolizer for sanitizer reports, or NULL */
	/* signatures triaged this session: "target\tsignature" */
	struct strlist seen;
};

/* fuzz_engine.c */
int engine_start(struct fuzz_session *s, struct fuzz_run *r);
/* Read output, reap exits, restart or finish; returns true while running. */
bool engine_poll(struct fuzz_session *s, struct fuzz_run *r);
/* SIGINT to every engine process group (SIGKILL with force). */
void engine_stop(struct fuzz_run *r, bool force);
void engine_read_afl_stats(struct fuzz_run *r);
void engine_fds(const struct fuzz_run *r, int *fds, unsigned *n, unsigned max);
void status_draw(struct fuzz_session *s, bool final);
void format_count(uint64_t v, char *buf, size_t cap);
const char *engine_name(enum fuzz_engine e);
/* The argv of a run (for --dry-run and the log); freed with argv_free. */
char **engine_argv(const struct fuzz_session *s, const struct fuzz_run *r, unsigned inst,
		   double seconds);
void argv_free(char **argv);

/* fuzz_triage.c */
/* Triage every finding of a run; returns the number of distinct signatures. */
unsigned triage_run(struct fuzz_session *s, struct fuzz_run *r);

#endif
