/* SPDX-License-Identifier: MIT */
/*
 * Heap traces recorded from real programs (the .mtrace files in ../shared/traces): the
 * text format and its parser, for replaying real allocation behaviour
 * through kmalloc / kfree and through peer allocators (bench/bench_slab).
 *
 * One event a line; ids are dense object ids, never addresses:
 *     a ID SIZE        an allocation of SIZE bytes
 *     f ID             a free
 *     r OLD NEW SIZE   a realloc: OLD freed, NEW allocated with SIZE bytes
 * Empty lines and lines starting with '#' are skipped.
 *
 * The parser checks what a replay relies on: ids in 1..KMM_HEAP_TRACE_MAX_ID,
 * an id allocated only while not live, freed or realloc'ed only while live,
 * sizes below 2^40. Any violation is an error naming the line, the column
 * and what was wrong; nothing is half-parsed (the output is left empty).
 */
#ifndef KMM_HEAP_TRACE_H
#define KMM_HEAP_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define KMM_HEAP_TRACE_MAX_ID (1u << 24)
#define KMM_HEAP_TRACE_MAX_SIZE ((uint64_t)1 << 40)

enum kmm_heap_event_kind {
	KMM_HEAP_ALLOC,
	KMM_HEAP_FREE,
	KMM_HEAP_REALLOC,
};

struct kmm_heap_event {
	uint8_t kind;    /* enum kmm_heap_event_kind */
	uint32_t id;     /* the object allocated (realloc: NEW) or freed */
	uint32_t old_id; /* realloc: OLD; 0 otherwise */
	uint64_t size;   /* alloc / realloc */
};

struct kmm_heap_trace {
	struct kmm_heap_event *ev; /* malloc'ed, nr entries */
	size_t nr;
	uint32_t max_id;           /* largest id used: replays size their tables by it */
	size_t allocs, frees, reallocs;
	size_t live_at_end;        /* objects the program never freed */
};

/* Parse text[0..len). 0, or -1 with "line L, column C: ..." in err (and
 * *out zeroed); -2 when memory ran out. */
int kmm_heap_trace_parse(const char *text, size_t len, struct kmm_heap_trace *out, char *err,
			 size_t errlen);
void kmm_heap_trace_free(struct kmm_heap_trace *t);

#endif
