// SPDX-License-Identifier: MIT
/*
 * Reports: every kernel-style message a system emits ("BUG: Bad page state",
 * "page allocation failure", check violations, WARN-style notes) goes
 * through kmm_report(), which counts it per kind and hands the whole text to
 * the config's sink. Counting happens with or without a sink, so a harness
 * can require that a misuse was detected without parsing text.
 *
 * Formatting uses a stack buffer; a longer text (a Mem-Info dump) is
 * formatted a second time into metadata memory from the platform. If that
 * fails the text is truncated rather than lost. Without a sink nothing is
 * formatted at all: the report is only counted (kmm_report_count_), and the
 * callers that build long texts (the Mem-Info dump, check violations, bad
 * page dumps) ask kmm_report_wanted_() first, so a harness that only counts
 * pays for no printf.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define REPORT_STACK_BUF 512

static void emit_(struct kmm *k, enum kmm_report_kind kind, char *text, size_t len, size_t cap)
{
	/* Every report is whole lines. */
	if (len == 0 || text[len - 1] != '\n') {
		if (len + 1 < cap) {
			text[len] = '\n';
			text[len + 1] = '\0';
		} else if (cap >= 2) {
			text[cap - 2] = '\n';
			text[cap - 1] = '\0';
		}
	}
	if (k->cfg.sink.emit)
		k->cfg.sink.emit(k->cfg.sink.ctx, kind, text);
}

void kmm_report_count_(struct kmm *k, enum kmm_report_kind kind)
{
	if ((unsigned)kind >= KMM_NR_REPORT_KINDS)
		kind = KMM_REPORT_WARNING;
	if (k->cfg.threaded)
		__atomic_fetch_add(&k->reports[kind], 1, __ATOMIC_RELAXED);
	else
		k->reports[kind]++;
}

void kmm_report(struct kmm *k, enum kmm_report_kind kind, const char *fmt, ...)
{
	char stack[REPORT_STACK_BUF];
	va_list ap;
	int n;

	kmm_report_count_(k, kind);
	if (!kmm_report_wanted_(k))
		return; /* counted; nobody would read the text */
	if ((unsigned)kind >= KMM_NR_REPORT_KINDS)
		kind = KMM_REPORT_WARNING;

	va_start(ap, fmt);
	n = vsnprintf(stack, sizeof(stack) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(stack) - 1) {
		emit_(k, kind, stack, (size_t)n, sizeof(stack));
		return;
	}

	/* Too long for the stack: once more into a buffer of the right size. */
	size_t cap = (size_t)n + 2;
	char *big = k->plat->meta_alloc(k->plat->ctx, cap);
	if (!big) {
		emit_(k, kind, stack, sizeof(stack) - 2, sizeof(stack));
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, cap - 1, fmt, ap);
	va_end(ap);
	emit_(k, kind, big, (size_t)n, cap);
	k->plat->meta_free(k->plat->ctx, big, cap);
}

void kmm_text_printf(struct kmm_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!t->buf || t->cap == 0) {
		t->truncated = true;
		return;
	}
	if (t->len >= t->cap)
		t->len = t->cap - 1;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->buf[t->len] = '\0';
		t->truncated = true;
		return;
	}
	if ((size_t)n >= t->cap - t->len) {
		t->len = t->cap - 1;
		t->truncated = true;
	} else {
		t->len += (size_t)n;
	}
}

uint64_t kmm_report_count(const struct kmm *k, enum kmm_report_kind kind)
{
	if (!k || (unsigned)kind >= KMM_NR_REPORT_KINDS)
		return 0;
	if (k->cfg.threaded)
		return __atomic_load_n(&k->reports[kind], __ATOMIC_RELAXED);
	return k->reports[kind];
}

void kmm_assert_fail_(struct kmm *k, const char *expr, const char *file, int line)
{
	kmm_report(k, KMM_REPORT_CHECK, "kmm: assertion failed: %s (%s:%d)\n", expr, file, line);
}
