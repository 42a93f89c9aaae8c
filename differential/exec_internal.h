/* SPDX-License-Identifier: MIT */
/*
 * Private state of one executor run, shared by executor.c (the run loop,
 * set-up, teardown, mismatch reports), check_ops.c (one op on both sides and
 * its checks), check_state.c (counters, full checks, creation and teardown
 * checks) and pattern.c (content patterns).
 */
#ifndef KMM_EXEC_INTERNAL_H
#define KMM_EXEC_INTERNAL_H

#include "../reference/page_model.h"
#include "executor.h"

/*
 * One handle of the program. live == the block is allocated on both sides:
 * the model has it at pfn with this order, the target handed out page.
 */
struct exec_handle {
	struct kmm_page *page;  /* as the target returned it */
	kmm_pfn_t pfn;          /* target's page_to_pfn(page), judged by the model */
	uint32_t gen;           /* pattern generation: bumped by every write op */
	uint8_t order;
	bool live;
	bool listed;            /* in exec.live[] (live, or freed since the last sweep) */
};

/* Programs longer than this get the cheaper cadence (executor.h). */
#define EXEC_BIG_PROGRAM_OPS 10000u

/* Where a mismatch was found: an op, a full check after an op, set-up, or teardown. */
enum exec_phase { PHASE_CREATE, PHASE_OP, PHASE_FULL_CHECK, PHASE_TEARDOWN };

struct exec {
	const struct kmm_page_target *t;
	const struct kmm_exec_options *opt;
	struct kmm_exec_result *res;
	FILE *err;

	const struct kmm_program_header *hdr;
	const struct kmm_op *ops;
	uint32_t nr_ops;
	const struct kmm_program *prog; /* for the program text; NULL: build one */

	struct kmm_config cfg;
	struct kmm_platform platform;   /* storage for exec_platform_reuse() */
	struct kmm *k;
	struct kmm_model *m;
	unsigned char *arena;           /* address of PFN 0 */
	uintptr_t page_stride;          /* bytes between struct pages, 0 if unknown */
	kmm_pfn_t total_pages;

	struct exec_handle *handles;    /* [nr_handles + 1], index 0 unused */
	uint32_t nr_handles;
	/* Ids of every live handle, each once, plus handles freed since the
	 * last sweep (exec_live_sweep): a free only clears h->live, so it
	 * touches no other handle's entry (a cache miss per free on big
	 * programs); full checks sweep the list before they walk it. */
	uint32_t *live;
	uint32_t nr_live;
	uint32_t verify_cursor;         /* big programs: where the next full check's slice starts */

	uint32_t step;                  /* op being run (nr_ops in teardown) */
	enum exec_phase phase;
	uint32_t full_every;            /* ops between full checks */
	uint64_t reports[KMM_NR_REPORT_KINDS]; /* counted by our sink */
	uint64_t bad_pages;             /* target's BAD_PAGE count after the last op */
	uint64_t check_reports;         /* target's CHECK count outside page_check */
	uint64_t start_free[KMM_MAX_NODES][KMM_NR_ZONES]; /* free_pages right after create */
	bool dirty;                     /* the target was called since the last full check */
	bool mismatch;
	struct exec_slab *slab;         /* slab programs: exec_slab.c's state; NULL otherwise */
};

/* exec_platform.c: the hosted platform with the arena and big metadata
 * blocks kept per thread for the next system (fills and returns storage). */
const struct kmm_platform *exec_platform_reuse(struct kmm_platform *storage);
/* The hosted platform with a huge-page backed arena, fresh every system. */
const struct kmm_platform *exec_platform_huge(struct kmm_platform *storage);
/* The per-thread block for the model (NULL when busy: malloc then). */
void *exec_reuse_model_mem(size_t bytes);
bool exec_reuse_model_release(void *p); /* false: p was not that block */
/* calloc() from per-thread blocks kept for the next run (the executor's
 * handle tables); exec_reuse_free() is false when p was not one: free() it. */
void *exec_reuse_calloc(size_t n, size_t size);
bool exec_reuse_free(void *p);

/* executor.c: record a mismatch (check name, expected, actual), print it, and
 * abort() if asked. Always returns 1 so callers can `return exec_fail(...)`. */
int exec_fail(struct exec *x, const char *check, const char *expected, const char *actual);
int exec_failf(struct exec *x, const char *check, const char *expected, const char *actual_fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* check_ops.c: run op on both sides and check it. 0 or 1 (mismatch). */
int exec_op(struct exec *x, const struct kmm_op *op);
/* Big programs: hint the caches about the pattern words ops ahead of op i will read. */
void exec_prefetch(struct exec *x, uint32_t i);
/* Run op on the target alone (raw runs); handles as in exec_op. */
void exec_op_raw(struct kmm *k, struct exec_handle *handles, uint32_t nr_handles,
		 const struct kmm_op *op, kmm_pfn_t total_pages);

/* check_ops.c: drop freed handles from exec.live[] (order kept). */
void exec_live_sweep(struct exec *x);

/* check_state.c */
int exec_check_created(struct exec *x);              /* layout, watermarks, counters */
int exec_check_zone(struct exec *x, unsigned nid, enum kmm_zone_type zone); /* counters */
int exec_check_all_zones(struct exec *x);            /* counters, every zone */
int exec_check_reports(struct exec *x, uint64_t expected_bad_pages, bool misuse);
int exec_full_check(struct exec *x);                 /* page_check, contents, nr_free */
int exec_teardown_checks(struct exec *x);            /* free all, coalesced, counters back */
uint64_t exec_pcp_pages(void *ctx, unsigned nid, enum kmm_zone_type zone);

/* Address of a live handle's first page (checked against page_address() at alloc). */
static inline unsigned char *exec_handle_addr(const struct exec *x, const struct exec_handle *h)
{
	return x->arena + (size_t)h->pfn * KMM_PAGE_SIZE;
}

/* exec_slab.c / check_slab.c: slab programs (header slab_backend set).
 * exec_slab_setup after the system exists (object model, tracepoints);
 * exec_slab_op runs ops 9..21 and misuse kinds >= 5; write / verify of an
 * object handle go to exec_slab_write / exec_slab_verify; the full check
 * and the teardown (before exec_teardown_checks) add the slab checks;
 * exec_slab_page_op brackets the executor's own page calls so their
 * tracepoint events are not taken for the slab layer's. */
struct exec_slab;
int exec_slab_setup(struct exec *x);
void exec_slab_cleanup(struct exec *x);
int exec_slab_op(struct exec *x, const struct kmm_op *op);
bool exec_slab_is_object(const struct exec *x, uint32_t handle);
int exec_slab_write(struct exec *x, uint32_t handle);
int exec_slab_verify(struct exec *x, uint32_t handle, const char *when);
int exec_slab_full_check(struct exec *x);
int exec_slab_teardown(struct exec *x);
void exec_slab_page_op(struct exec *x, bool begin);
/* Raw runs: the same calls, nothing checked (state from exec_slab_raw_new). */
struct exec_slab_raw;
struct exec_slab_raw *exec_slab_raw_new(uint32_t nr_handles);
void exec_slab_raw_op(struct exec_slab_raw *r, struct kmm *k, const struct kmm_op *op);
void exec_slab_raw_free(struct exec_slab_raw *r);

/* pattern.c */
void exec_pattern_write(struct exec *x, uint32_t handle);
int exec_pattern_verify(struct exec *x, uint32_t handle, const char *when);
int exec_check_zeroed(struct exec *x, uint32_t handle);
void exec_pattern_prefetch(const struct exec *x, const struct exec_handle *h); /* a hint */

/* A file whose functions only judge the target against the model (or move
 * memory between runs) sits between EXEC_NO_COVERAGE_BEGIN and
 * EXEC_NO_COVERAGE_END: no sanitizer-coverage instrumentation there under
 * clang's fuzzer builds. A check's branches are a pass, or a fail that ends
 * the run, so they guide nothing, and their edges cost every execution (see
 * KMM_NO_COVERAGE in allocators/page/internal.h). */
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(coverage_sanitizer)
#define EXEC_NO_COVERAGE_BEGIN \
	_Pragma("clang attribute push(__attribute__((no_sanitize(\"coverage\"))), apply_to = function)")
#define EXEC_NO_COVERAGE_END _Pragma("clang attribute pop")
#endif
#endif
#ifndef EXEC_NO_COVERAGE_BEGIN
#define EXEC_NO_COVERAGE_BEGIN
#define EXEC_NO_COVERAGE_END
#endif


#endif
