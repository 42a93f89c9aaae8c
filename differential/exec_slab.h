/* SPDX-License-Identifier: MIT */
/*
 * Private state of the slab side of one executor run, shared by exec_slab.c
 * (the slab ops, misuse, tracepoints, raw runs) and check_slab.c (object
 * patterns, the checks on a new object, full checks, teardown).
 *
 * Handles are one number space with the page handles (program.h): a handle
 * is an object here (objs[h].live) or a page in struct exec (handles[h].live),
 * never both. What the object is lives in the object model
 * (kmm_omodel_obj); objs[] keeps what the target returned and the pattern
 * generation.
 */
#ifndef KMM_EXEC_SLAB_H
#define KMM_EXEC_SLAB_H

#include "../reference/object_model.h"
#include "exec_internal.h"

#define EXEC_SLAB_MAX_CACHES 256u

struct exec_obj {
	void *ptr;               /* as the target returned it (ZERO_SIZE_PTR for kmalloc(0)) */
	struct kmm_cache *owner; /* the cache it came from (kmalloc: its kmalloc cache; NULL: pages) */
	uint32_t gen;            /* pattern generation: bumped by write ops and krealloc */
	size_t ksize_alt;        /* another ksize accepted (krealloc in place keeps the old one) */
	bool ksize_later;        /* ksize checked at free (see exec_slab_take_object) */
	bool live;
};

struct exec_cache {
	struct kmm_cache *s; /* as cache_create returned it (merged caches share one) */
	bool live;           /* created, not destroyed (a busy destroy leaves it live) */
};

/*
 * Accounting: held_pages == the sum of 2^(block[pfn] - 1) over block[] ==
 * the pages of the page model's blocks owned by KMM_OMODEL_SLAB_OWNER ==
 * kmm_slab_pages() of a correct system.
 */
struct exec_slab {
	const struct kmm_slab_target *st;
	struct kmm_omodel *om;
	enum kmm_omodel_backend backend;
	struct exec_obj *objs;          /* [nr_handles + 1] */
	void **scratch;                 /* [nr_handles + 1]: bulk pointer arrays */
	struct exec_cache caches[EXEC_SLAB_MAX_CACHES];
	uint8_t *block;                 /* [total_pages]: order + 1 of a slab-layer block starting here */
	uint64_t held_pages, held_blocks;
	uint64_t base_pages;            /* kmm_slab_pages() before the first op */
	uint64_t slab_reports;          /* target's KMM_REPORT_SLAB count after the last op */
	bool mute;                      /* the executor's own page call: its events are not the slab layer's */
	bool done;                      /* teardown finished: events are no longer followed */
	bool reuse;                     /* a fuzzer-sized run: memory parked for the next run */
};

static inline struct exec_slab *exec_slab_of(const struct exec *x)
{
	return x->slab;
}

/* check_slab.c */
/* The harness ctor for objects of `size` bytes: writes min(size, 8) bytes
 * of the magic at the object's start. */
void (*exec_slab_ctor_for(unsigned size))(void *obj);
/* Put the ctor's magic back (the kernel's contract before freeing an
 * object of a ctor cache). */
void exec_slab_restore_ctor(struct exec *x, uint32_t handle);
/* Does the object at ptr show the magic (min(size, 8) bytes)? */
bool exec_slab_has_magic(const void *ptr, size_t size);
/* Write / verify the pattern of handle (generation objs[h].gen) over the
 * first `size` bytes at ptr; verify only offsets < limit. */
void exec_slab_pattern_put(void *ptr, size_t size, uint32_t handle, uint32_t gen);
int exec_slab_pattern_check(struct exec *x, const char *check, uint32_t handle, const void *ptr,
			    size_t size, uint32_t gen, size_t limit, const char *when);
/* First non-zero byte of [ptr, ptr + size), or size when all zero. */
size_t exec_slab_first_nonzero(const void *ptr, size_t size);
/*
 * A new object for handle from the target: judge it against want (model
 * verdict, owner, zeroing, ctor), then record it (model and objs[], whose
 * gen the caller set) and write its pattern. s: the cache it must come
 * from (NULL: kmalloc, whose cache is kmalloc_cache(size, gfp)). alt_ksize:
 * a ksize also accepted (krealloc in place keeps the old one), 0 = none;
 * when set, s is exactly the old object's cache (NULL: pages).
 * Returns 0 or 1 (mismatch).
 */
int exec_slab_take_object(struct exec *x, uint32_t handle, const struct kmm_omodel_obj *want, void *ptr,
			  struct kmm_cache *s, kmm_gfp_t gfp, size_t alt_ksize);
/* The deferred ksize check of an object on a red-zoned cache (before its
 * free): 0 or 1. */
int exec_slab_check_ksize(struct exec *x, uint32_t handle);
/* The correct free of a live object by its kind (pattern verified first,
 * ctor magic restored, the model told before the target is called). */
int exec_slab_free_object(struct exec *x, uint32_t handle, const char *when);

/* What an op may report (KMM_REPORT_SLAB). */
enum exec_slab_expect {
	EXPECT_NO_MISUSE,   /* no report allowed ("slab-bug") */
	EXPECT_SILENT,      /* a misuse op that is none here: no report ("slab-misuse") */
	EXPECT_REPORT,      /* at least one report required ("slab-misuse") */
};
/* After every slab op: CHECK reports ("slab_check"), SLAB reports as
 * expected (why: the model's rule, for the message), BAD_PAGE reports
 * (none), and every zone's counters against the page model. */
int exec_slab_after_op(struct exec *x, enum exec_slab_expect expect, const char *why);

#endif
