/* SPDX-License-Identifier: MIT */
/*
 * The executor: runs a program on the system under test and on the
 * reference model side by side, comparing after every op.
 *
 * The system under test is reached only through struct kmm_page_target, so a
 * user can plug in their own page allocator, and tests can plug in a
 * deliberately faulty one (tests/harness_faults.c) to prove each check fires.
 */
#ifndef KMM_EXECUTOR_H
#define KMM_EXECUTOR_H

#include <stdio.h>

#include "program.h"

/*
 * A page allocator as the harness sees it. kmm_page_target_libkmm() returns
 * the one over libkmm; every hook has the meaning of the libkmm call of the
 * same name.
 */
struct kmm_page_target {
	const char *name;
	struct kmm *(*create)(const struct kmm_config *cfg);
	void (*destroy)(struct kmm *k);
	int (*set_cpu)(struct kmm *k, unsigned cpu);
	int (*set_mempolicy)(struct kmm *k, enum kmm_mpol_mode mode, kmm_nodemask_t nodes,
			     const uint8_t weights[KMM_MAX_NODES]);
	struct kmm_page *(*alloc_pages)(struct kmm *k, kmm_gfp_t gfp, unsigned order);
	struct kmm_page *(*alloc_pages_node)(struct kmm *k, int nid, kmm_gfp_t gfp, unsigned order);
	void (*free_pages)(struct kmm *k, struct kmm_page *page, unsigned order);
	void (*free_pages_addr)(struct kmm *k, const void *addr, unsigned order);
	kmm_pfn_t (*page_to_pfn)(const struct kmm *k, const struct kmm_page *page);
	struct kmm_page *(*pfn_to_page)(const struct kmm *k, kmm_pfn_t pfn);
	void *(*page_address)(const struct kmm *k, const struct kmm_page *page);
	void (*drain_local_pages)(struct kmm *k);
	void (*drain_all_pages)(struct kmm *k);
	int (*zone_info)(struct kmm *k, int nid, enum kmm_zone_type zone, struct kmm_zone_info *out);
	long (*page_check)(struct kmm *k);
	bool (*fully_coalesced)(struct kmm *k);
	uint64_t (*report_count)(const struct kmm *k, enum kmm_report_kind kind);
};
const struct kmm_page_target *kmm_page_target_libkmm(void);

struct kmm_slab_target; /* below */

struct kmm_exec_options {
	const struct kmm_page_target *target; /* NULL = libkmm */
	bool abort_on_mismatch;  /* print signature + program to err, then abort() */
	unsigned check_every;    /* kmm_page_check every N ops; 0 = 64 */
	bool quiet_reports;      /* don't echo the system's reports to err */
	FILE *err;               /* where mismatches are printed; NULL = stderr */
	/* Called after the last op, before everything is freed (kmm stats). */
	void (*before_teardown)(struct kmm *k, void *ctx);
	void *ctx;
	/* Slab programs: the object allocator under test (NULL = libkmm). */
	const struct kmm_slab_target *slab_target;
};

struct kmm_exec_result {
	bool mismatch;
	uint32_t step;            /* index of the op that failed a check (nr_ops = teardown) */
	char check[48];           /* name of the failed check: "placement", "overlap", ... */
	char signature[192];      /* stable one-line: "kmm-mismatch check=<c> op=<opname> ..." */
	char detail[1024];        /* expected vs actual */
	uint64_t ops_run;
	uint64_t allocs_ok, allocs_failed, frees, misuses_reported;
};

/*
 * Run with every check. Returns 0 when everything matched, 1 on a mismatch
 * (result filled; with abort_on_mismatch it aborts instead of returning), or
 * -EINVAL when the system could not be created from the header.
 */
int kmm_exec_run(const struct kmm_program *p, const struct kmm_exec_options *opt,
		 struct kmm_exec_result *res);

/* Run on libkmm alone with no model and no checks (benchmarks' baseline).
 * Returns 0 or -EINVAL. */
int kmm_exec_run_raw(const struct kmm_program *p);

/* ==== appended by the executor owner: programs longer than a struct kmm_program ==== */

/*
 * The same two runs over a bare op array (benchmarks build 1M-op programs in
 * memory; KMM_PROGRAM_MAX_OPS only bounds decoded ones). nr_handles is the
 * highest handle number the ops use, 0 = find it by scanning the ops.
 * kmm_exec_run() and kmm_exec_run_raw() are these with p's fields. A
 * mismatch report prints at most the last KMM_PROGRAM_MAX_OPS ops up to the
 * failing step.
 *
 * Full checks (kmm_page_check, live patterns, drain + free-list comparison)
 * run every check_every ops, except that a program of more than 10,000 ops
 * gets one at most every 4096 ops, verifying a rotating eighth of the live
 * patterns each time, so that a 1M-op replay costs a few times the raw run;
 * CHECK ops and the end of the program always run one. Every other check
 * runs after every op whatever the length.
 */
/*
 * Check names (kmm_exec_result.check, "check=" in the signature):
 *   layout, watermarks   zone sizes / watermarks / lowmem_reserve at creation
 *   alloc-failed         NULL where the model proves a block was available
 *   alloc-succeeded      a block from a zone below every watermark the request
 *                        may use (or an invalid request that succeeded)
 *   placement            outside the arena, misaligned, wrong zone or node,
 *                        unmanaged pages, wrong page_address(), or a node
 *                        later in the zonelist walk (interleave target
 *                        included) when an earlier one could serve it
 *   overlap              a page of a live block handed out again
 *   counters             a zone's free + pcp pages differ from the model's
 *   content, zeroing     a pattern changed; __GFP_ZERO memory not zero
 *   nr_free              free blocks per order after a drain differ from the
 *                        model's fully coalesced decomposition
 *   highatomic           more HIGHATOMIC reserve than the kernel rule allows
 *   page_check           kmm_page_check() found violations, or the library
 *                        reported one (KMM_REPORT_CHECK) during an op
 *   misuse               a MISUSE op not reported exactly once
 *   bad-page             a BAD_PAGE report without misuse
 *   api                  set_cpu / set_mempolicy / zone_info / pfn_to_page
 *                        answered differently from the model or failed
 *   coalesced, teardown  after freeing everything: not fully coalesced, or a
 *                        zone's free pages not back to their start value
 * Slab programs (header slab_backend set; exec_slab.c, check_slab.c):
 *   slab-alloc-failed    NULL (or a bulk of 0) where the object model
 *                        requires success (memory plentiful, request valid),
 *                        or success where it requires failure
 *   slab-align           an object off its alignment (the cache's
 *                        calculate_alignment, kmalloc's 8 / power of two /
 *                        page), or a cache whose kmm_cache_info() align
 *                        breaks that rule
 *   slab-overlap         an object overlapping a live object, a page handle,
 *                        or memory the slab layer does not hold
 *   ksize                ksize() below the request, not the class size
 *                        (SLUB/SLAB kmalloc), not PAGE_SIZE << order (large)
 *   slab-owner           an object not in a PG_slab page of its cache
 *                        (kmm_virt_to_cache), or a large kmalloc in one
 *   slab-content         an object's pattern changed
 *   slab-zeroing         kzalloc / kcalloc / __GFP_ZERO memory not zero
 *   ctor                 an object of a ctor cache without the ctor's magic
 *   bulk                 alloc_bulk returned neither 0 nor nr, or NULL or
 *                        duplicate entries
 *   krealloc             krealloc lost the prefix, or misbehaved on 0 / NULL
 *   rcu                  an object freed from a TYPESAFE_BY_RCU cache left its
 *                        cache's slab pages before the next grace period
 *   slab-pages           the slab layer took a block the page model says is
 *                        taken or unusable, gave back a block it does not
 *                        hold or one still holding live objects, or
 *                        kmm_slab_pages() differs from the blocks it holds
 *   slab_check           kmm_slab_check() found violations, or a CHECK report
 *                        came out of a slab op
 *   slab-misuse          a misuse the model says must be reported was not,
 *                        one it says is none was, a busy destroy succeeded,
 *                        or validate after the repair still found errors
 *   slab-bug             a KMM_REPORT_SLAB report (or a validate error) with
 *                        no misuse
 *   slab-api             cache_create refused valid arguments or accepted
 *                        invalid ones; destroy / shrink of an idle cache
 *                        did not return 0; kmalloc(0) not ZERO_SIZE_PTR
 *   slab-teardown        after freeing every object, destroying every cache,
 *                        shrinking and a grace period: slab pages still held
 * kmm_kmalloc_diff_run() (kmalloc_diff.c) adds, between the backends run in
 * lock step:
 *   diff-result          one backend failed where the others and the model
 *                        say it must succeed, or results disagree on a
 *                        request that must fail
 *   diff-content         object contents differ between the backends or
 *                        from the host malloc's copy
 *   diff-ksize           ksize differs between SLUB and SLAB, or SLOB's is
 *                        below the request
 */
int kmm_exec_run_ops(const struct kmm_program_header *hdr, const struct kmm_op *ops, uint32_t nr_ops,
		     uint32_t nr_handles, const struct kmm_exec_options *opt, struct kmm_exec_result *res);
int kmm_exec_run_raw_ops(const struct kmm_program_header *hdr, const struct kmm_op *ops, uint32_t nr_ops,
			 uint32_t nr_handles);


/*
 * The whole body of a program fuzz target (differential/fuzz_run.c): decode
 * the bytes as a program of this kind, run it with every check, and abort()
 * with a signature and the decoded program on any mismatch. target names the
 * fuzzer in messages. Returns 0.
 */
int kmm_fuzz_run_input(const uint8_t *data, size_t size, enum kmm_program_kind kind,
		       const char *target);

/* ==== appended by the slab executor owner: object allocators ==== */

/*
 * An object allocator as the harness sees it. kmm_slab_target_libkmm()
 * returns the one over libkmm (include/kmm/slab.h); every hook has the
 * meaning of the libkmm call of the same name. Tests wrap it to break one
 * property at a time (tests/test_harness_slab_faults.c).
 */
struct kmm_slab_target {
	const char *name;
	struct kmm_cache *(*cache_create)(struct kmm *k, const char *name, unsigned size, unsigned align,
					  unsigned flags, void (*ctor)(void *obj));
	int (*cache_destroy)(struct kmm *k, struct kmm_cache *s);
	void *(*cache_alloc)(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp);
	void *(*cache_alloc_node)(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node);
	void (*cache_free)(struct kmm *k, struct kmm_cache *s, void *obj);
	size_t (*cache_alloc_bulk)(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, size_t nr, void **p);
	void (*cache_free_bulk)(struct kmm *k, struct kmm_cache *s, size_t nr, void **p);
	int (*cache_shrink)(struct kmm *k, struct kmm_cache *s);
	void *(*kmalloc)(struct kmm *k, size_t size, kmm_gfp_t gfp);
	void *(*kzalloc)(struct kmm *k, size_t size, kmm_gfp_t gfp);
	void *(*kmalloc_node)(struct kmm *k, size_t size, kmm_gfp_t gfp, int node);
	void *(*kcalloc)(struct kmm *k, size_t n, size_t size, kmm_gfp_t gfp);
	void *(*krealloc)(struct kmm *k, const void *p, size_t new_size, kmm_gfp_t gfp);
	void (*kfree)(struct kmm *k, const void *p);
	size_t (*ksize)(struct kmm *k, const void *p);
	void (*rcu_barrier)(struct kmm *k);
	void (*cache_reap)(struct kmm *k);
	long (*cache_validate)(struct kmm *k, struct kmm_cache *s);
	long (*slab_check)(struct kmm *k);
	void (*shrink_all)(struct kmm *k);
	struct kmm_cache *(*virt_to_cache)(struct kmm *k, const void *ptr);
	struct kmm_cache *(*kmalloc_cache)(struct kmm *k, size_t size, kmm_gfp_t gfp);
	int (*cache_info)(struct kmm *k, struct kmm_cache *s, struct kmm_cache_info *out);
	uint64_t (*slab_pages)(struct kmm *k);
	void (*set_page_tracepoints)(struct kmm *k, const struct kmm_page_tracepoints *tp);
};
const struct kmm_slab_target *kmm_slab_target_libkmm(void);

/*
 * fuzz_kmalloc_diff's run (kmalloc_diff.c): the program through SLUB, SLAB
 * and SLOB one at a time with every check of kmm_exec_run() (header
 * slab_backend set to each), then through the three systems and the host
 * malloc in lock step: kmalloc / kzalloc / kcalloc / krealloc / kfree,
 * cache create / alloc / free, write and verify (other ops are skipped);
 * after every op the contents of every live object agree across all four,
 * allocations succeed where the object model says memory allows, and ksize
 * agrees between SLUB and SLAB (SLOB's is >= the request). Returns what
 * kmm_exec_run() does. opt->slab_target applies to the lock step only (the
 * per-backend runs use libkmm), so tests can break one backend's lane.
 */
int kmm_kmalloc_diff_run(const struct kmm_program *p, const struct kmm_exec_options *opt,
			 struct kmm_exec_result *res);

#endif
