/* SPDX-License-Identifier: MIT */
/*
 * The heap trace parser (heap_trace.h): one pass over the text, a live bit
 * per id to check that every free and realloc names a live object and every
 * allocation a dead one, so a replay never has to defend itself.
 */
#include "heap_trace.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
	const char *p, *end;
	const char *line_start;
	unsigned long line;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail_(struct cursor *c, const char *fmt, ...)
{
	int n = 0;
	va_list ap;

	if (!c->err || !c->errlen)
		return -1;
	n = snprintf(c->err, c->errlen, "line %lu, column %lu: ", c->line,
		     (unsigned long)(c->p - c->line_start) + 1);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void skip_blanks_(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* One unsigned decimal field; what names it in errors. */
static int number_(struct cursor *c, const char *what, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *start;

	skip_blanks_(c);
	start = c->p;
	if (c->p >= c->end || *c->p == '\n')
		return fail_(c, "missing %s", what);
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		v = v * 10 + (uint64_t)(*c->p - '0');
		if (v > max) {
			c->p = start;
			return fail_(c, "%s out of range (max %llu)", what, (unsigned long long)max);
		}
		c->p++;
	}
	if (c->p == start || (c->p < c->end && *c->p != ' ' && *c->p != '\t' && *c->p != '\n' &&
			      *c->p != '\r'))
		return fail_(c, "%s is not a decimal number", what);
	*out = v;
	return 0;
}

static int end_of_line_(struct cursor *c)
{
	skip_blanks_(c);
	if (c->p < c->end && *c->p == '\r')
		c->p++;
	if (c->p < c->end && *c->p != '\n')
		return fail_(c, "unexpected text after the event");
	return 0;
}

static bool live_get_(const uint8_t *live, uint32_t id) { return live[id >> 3] & (1u << (id & 7)); }
static void live_set_(uint8_t *live, uint32_t id, bool on)
{
	if (on)
		live[id >> 3] |= (uint8_t)(1u << (id & 7));
	else
		live[id >> 3] &= (uint8_t)~(1u << (id & 7));
}

static int one_event_(struct cursor *c, uint8_t *live, struct kmm_heap_event *ev)
{
	uint64_t a = 0, b = 0, size = 0;
	char kind = *c->p;

	c->p++;
	memset(ev, 0, sizeof(*ev));
	switch (kind) {
	case 'a':
		if (number_(c, "id", KMM_HEAP_TRACE_MAX_ID, &a) || number_(c, "size", KMM_HEAP_TRACE_MAX_SIZE, &size))
			return -1;
		break;
	case 'f':
		if (number_(c, "id", KMM_HEAP_TRACE_MAX_ID, &a))
			return -1;
		break;
	case 'r':
		if (number_(c, "old id", KMM_HEAP_TRACE_MAX_ID, &b) || number_(c, "new id", KMM_HEAP_TRACE_MAX_ID, &a) ||
		    number_(c, "size", KMM_HEAP_TRACE_MAX_SIZE, &size))
			return -1;
		break;
	default:
		c->p--;
		return fail_(c, "unknown event '%c' (expected a, f or r)", kind);
	}
	if (end_of_line_(c))
		return -1;
	if (a == 0 || (kind == 'r' && b == 0))
		return fail_(c, "ids start at 1");
	if (kind == 'r' && !live_get_(live, (uint32_t)b))
		return fail_(c, "realloc of id %llu, which is not live", (unsigned long long)b);
	if (kind == 'r')
		live_set_(live, (uint32_t)b, false);
	if (kind != 'f' && live_get_(live, (uint32_t)a))
		return fail_(c, "id %llu allocated while still live", (unsigned long long)a);
	if (kind == 'f' && !live_get_(live, (uint32_t)a))
		return fail_(c, "free of id %llu, which is not live", (unsigned long long)a);
	live_set_(live, (uint32_t)a, kind != 'f');
	ev->kind = kind == 'a' ? KMM_HEAP_ALLOC : kind == 'f' ? KMM_HEAP_FREE : KMM_HEAP_REALLOC;
	ev->id = (uint32_t)a;
	ev->old_id = (uint32_t)b;
	ev->size = size;
	return 0;
}

int kmm_heap_trace_parse(const char *text, size_t len, struct kmm_heap_trace *out, char *err,
			 size_t errlen)
{
	struct cursor c = { text, text + len, text, 1, err, errlen };
	size_t cap = 0, lines = 1;
	uint8_t *live;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	cap = lines;
	live = calloc((KMM_HEAP_TRACE_MAX_ID >> 3) + 1, 1);
	out->ev = malloc(cap * sizeof(*out->ev));
	if (!live || !out->ev) {
		free(live);
		free(out->ev);
		out->ev = NULL;
		if (err && errlen)
			snprintf(err, errlen, "out of memory for %zu events", cap);
		return -2;
	}
	while (c.p < c.end) {
		c.line_start = c.p;
		skip_blanks_(&c);
		if (c.p < c.end && *c.p != '\n' && *c.p != '\r' && *c.p != '#') {
			struct kmm_heap_event *ev = &out->ev[out->nr];
			if (one_event_(&c, live, ev)) {
				rc = -1;
				break;
			}
			out->nr++;
			out->allocs += ev->kind == KMM_HEAP_ALLOC;
			out->frees += ev->kind == KMM_HEAP_FREE;
			out->reallocs += ev->kind == KMM_HEAP_REALLOC;
			if (ev->id > out->max_id)
				out->max_id = ev->id;
			if (ev->old_id > out->max_id)
				out->max_id = ev->old_id;
		}
		while (c.p < c.end && *c.p != '\n')
			c.p++;
		if (c.p < c.end)
			c.p++;
		c.line++;
	}
	if (rc == 0) {
		for (uint32_t id = 1; id <= out->max_id; id++)
			out->live_at_end += live_get_(live, id);
	} else {
		kmm_heap_trace_free(out);
	}
	free(live);
	return rc;
}

void kmm_heap_trace_free(struct kmm_heap_trace *t)
{
	free(t->ev);
	memset(t, 0, sizeof(*t));
}
