/* SPDX-License-Identifier: MIT */
/*
 * The report sink: where a system writes its kernel-style reports
 * ("BUG: Bad page state", "page allocation failure", check violations).
 *
 * Every report is counted per kind whether or not a sink is installed, so a
 * harness can require that a misuse was detected.
 */
#ifndef KMM_REPORT_H
#define KMM_REPORT_H

#include <kmm/types.h>

enum kmm_report_kind {
	KMM_REPORT_BAD_PAGE,      /* misuse of the page allocator: BUG: Bad page state / bad free */
	KMM_REPORT_ALLOC_FAILURE, /* page allocation failure: order:N, mode:... + Mem-Info */
	KMM_REPORT_CHECK,         /* a *_check() walk found a violated invariant */
	KMM_REPORT_WARNING,       /* WARN-style: something odd but legal (e.g. NOFAIL gave up) */
	KMM_REPORT_INFO,          /* informational (views requested through the report path) */
	KMM_REPORT_SLAB,          /* slab misuse or corruption: "BUG <cache>: ..." (+ INFO/FIX lines) */
	KMM_NR_REPORT_KINDS
};

/*
 * Called once per report with the whole text (one or more '\n'-terminated
 * lines). May be NULL: reports are then only counted.
 */
typedef void (*kmm_report_fn)(void *ctx, enum kmm_report_kind kind, const char *text);

struct kmm_report_sink {
	kmm_report_fn emit;
	void *ctx;
};

/* Reports of a kind emitted so far by this system. */
uint64_t kmm_report_count(const struct kmm *k, enum kmm_report_kind kind);

/* Write to stderr (for tools and tests that want to see reports). */
void kmm_report_to_stderr(void *ctx, enum kmm_report_kind kind, const char *text);

#endif
