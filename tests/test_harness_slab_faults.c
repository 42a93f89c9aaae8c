// SPDX-License-Identifier: MIT
/*
 * Every slab check of the executor can fail: for each one, an object
 * allocator target that wraps libkmm and breaks exactly that property, a
 * small slab program that exercises it, and the proof that kmm_exec_run()
 * returns 1 naming that check, while the same program on libkmm returns 0.
 * The same for the lock-step checks of kmm_kmalloc_diff_run().
 *
 * The faulty target is libkmm's slab table (kmm_slab_target_libkmm()) with
 * hooks replaced; the fault in force is a file-scope variable (this is a
 * test executable, not library code). A few faults live in the page target
 * (report counting), as in tests/test_harness_faults.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../differential/executor.h"
#include "test.h"
#include "test_util.h"

enum fault {
	F_NONE,
	F_FAIL,            /* the third kmalloc returns NULL */
	F_MISALIGN,        /* kmalloc(64) returns an object 8 bytes off */
	F_OVERLAP,         /* the second kmalloc returns the first object again */
	F_OVERLAP_PAGE,    /* kmalloc(4096) returns the address of a live page handle */
	F_KSIZE,           /* ksize() says 8 bytes less */
	F_OWNER,           /* virt_to_cache() names no cache */
	F_CORRUPT,         /* the second kmalloc flips a byte of the first object */
	F_NO_ZERO,         /* kzalloc leaves a byte set */
	F_NO_CTOR,         /* cache_create swaps the ctor for one that constructs nothing */
	F_BULK_PARTIAL,    /* alloc_bulk returns nr - 1 */
	F_BULK_DUP,        /* alloc_bulk hands out one object twice */
	F_KREALLOC,        /* krealloc loses byte 0 of the prefix */
	F_RCU,             /* cache_free of a TYPESAFE_BY_RCU object runs a grace period at once */
	F_PAGE_LEAK,       /* the first kmalloc also takes a page the slab layer never counts */
	F_SLAB_CHECK,      /* kmm_slab_check() finds one violation */
	F_SWALLOW,         /* KMM_REPORT_SLAB reports are not counted */
	F_SPURIOUS,        /* every kfree is followed by a bogus kfree */
	F_SHRINK_RC,       /* cache_shrink returns -1 */
	F_TEARDOWN_LEAK,   /* cache_destroy takes a page and keeps it */
	F_DIFF_CONTENT,    /* SLAB's kmalloc flips a byte after the first write (lock step only) */
	F_DIFF_KSIZE,      /* SLAB's ksize says the request */
	F_DIFF_FAIL,       /* SLOB's kmalloc of 100 bytes fails */
};

static enum fault fault;
static unsigned kmalloc_calls;
static void *first_obj;
static void *last_page_addr; /* the last page block the program allocated */
static void *lock_obj;       /* F_DIFF_CONTENT: SLAB's 100-byte object */
static void *f_lock_kmalloc(struct kmm *k, size_t size, kmm_gfp_t gfp);

/* ---- the faulty hooks --------------------------------------------------------- */

static bool on_backend(struct kmm *k, const char *name)
{
	return strcmp(kmm_slab_backend_name(k), name) == 0;
}

static void *f_kmalloc(struct kmm *k, size_t size, kmm_gfp_t gfp)
{
	void *p;

	kmalloc_calls++;
	switch (fault) {
	case F_FAIL:
		if (kmalloc_calls == 3)
			return NULL;
		break;
	case F_MISALIGN:
		if (size == 64) {
			p = kmm_kmalloc(k, 128, gfp);
			return p ? (char *)p + 8 : NULL;
		}
		break;
	case F_OVERLAP:
		if (kmalloc_calls == 2 && first_obj)
			return first_obj;
		break;
	case F_OVERLAP_PAGE:
		if (size == 3000 && last_page_addr)
			return last_page_addr; /* a live page handle's memory */
		break;
	case F_PAGE_LEAK:
		if (kmalloc_calls == 1)
			(void)kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
		break;
	case F_DIFF_FAIL:
		if (size == 100 && on_backend(k, "slob"))
			return NULL;
		break;
	default:
		break;
	}
	p = kmm_kmalloc(k, size, gfp);
	if (fault == F_CORRUPT && kmalloc_calls == 2 && first_obj)
		((unsigned char *)first_obj)[3] ^= 0x40;
	if (kmalloc_calls == 1)
		first_obj = p;
	return p;
}

static void *f_kzalloc(struct kmm *k, size_t size, kmm_gfp_t gfp)
{
	void *p = kmm_kzalloc(k, size, gfp);

	if (p && fault == F_NO_ZERO && size > 5)
		((unsigned char *)p)[5] = 0x5a;
	return p;
}

static size_t f_ksize(struct kmm *k, const void *p)
{
	size_t ks = kmm_ksize(k, p);

	if (fault == F_KSIZE && ks > 8)
		return ks - 8;
	if (fault == F_DIFF_KSIZE && ks && on_backend(k, "slab"))
		return 100; /* the requests below are 100 bytes: >= the request, not the class */
	return ks;
}

static struct kmm_cache *f_virt_to_cache(struct kmm *k, const void *ptr)
{
	return fault == F_OWNER ? NULL : kmm_virt_to_cache(k, ptr);
}

/* A ctor that writes as many bytes as the harness's does, all zero: the
 * object is defined (Valgrind replays this test too) but not constructed. */
#define ZERO_CTOR_(n)                           \
	static void zero_ctor_##n(void *obj)    \
	{                                       \
		memset(obj, 0, n);              \
	}
ZERO_CTOR_(1) ZERO_CTOR_(2) ZERO_CTOR_(3) ZERO_CTOR_(4) ZERO_CTOR_(5) ZERO_CTOR_(6) ZERO_CTOR_(7) ZERO_CTOR_(8)

static struct kmm_cache *f_cache_create(struct kmm *k, const char *name, unsigned size, unsigned align,
					unsigned flags, void (*ctor)(void *obj))
{
	static void (*const zero[8])(void *) = { zero_ctor_1, zero_ctor_2, zero_ctor_3, zero_ctor_4,
						 zero_ctor_5, zero_ctor_6, zero_ctor_7, zero_ctor_8 };
	if (fault == F_NO_CTOR && ctor)
		ctor = zero[(size >= 8 ? 8 : (size ? size : 1)) - 1];
	return kmm_cache_create(k, name, size, align, flags, ctor);
}

static size_t f_alloc_bulk(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, size_t nr, void **p)
{
	size_t got = kmm_cache_alloc_bulk(k, s, gfp, nr, p);

	if (got == nr && nr >= 2 && fault == F_BULK_PARTIAL) {
		kmm_cache_free(k, s, p[nr - 1]);
		p[nr - 1] = NULL;
		return nr - 1;
	}
	if (got == nr && nr >= 2 && fault == F_BULK_DUP) {
		kmm_cache_free(k, s, p[nr - 1]);
		p[nr - 1] = p[0];
	}
	return got;
}

static void *f_krealloc(struct kmm *k, const void *p, size_t new_size, kmm_gfp_t gfp)
{
	void *n = kmm_krealloc(k, p, new_size, gfp);

	if (n && n != KMM_ZERO_SIZE_PTR && fault == F_KREALLOC)
		((unsigned char *)n)[0] ^= 0xff;
	return n;
}

static void f_cache_free(struct kmm *k, struct kmm_cache *s, void *obj)
{
	kmm_cache_free(k, s, obj);
	if (fault == F_RCU) {
		kmm_cache_shrink(k, s);
		kmm_rcu_barrier(k);
	}
}

static void f_kfree(struct kmm *k, const void *p)
{
	kmm_kfree(k, p);
	if (fault == F_SPURIOUS)
		kmm_kfree(k, (const void *)(uintptr_t)0x1230); /* not this system's */
}

static long f_slab_check(struct kmm *k)
{
	return kmm_slab_check(k) + (fault == F_SLAB_CHECK ? 1 : 0);
}

static int f_cache_shrink(struct kmm *k, struct kmm_cache *s)
{
	int rc = kmm_cache_shrink(k, s);

	return fault == F_SHRINK_RC ? -1 : rc;
}

static int f_cache_destroy(struct kmm *k, struct kmm_cache *s)
{
	if (fault == F_TEARDOWN_LEAK)
		(void)kmm_alloc_pages(k, KMM_GFP_KERNEL, 1);
	return kmm_cache_destroy(k, s);
}

TEST_FAULTY_TARGET(kmm_slab_target, kmm_slab_target_libkmm)

static const struct kmm_slab_target *faulty_target(enum fault f)
{
	faulty_reset();
	faulty.kmalloc = f_kmalloc;
	faulty.kzalloc = f_kzalloc;
	faulty.ksize = f_ksize;
	faulty.virt_to_cache = f_virt_to_cache;
	faulty.cache_create = f_cache_create;
	faulty.cache_alloc_bulk = f_alloc_bulk;
	faulty.krealloc = f_krealloc;
	faulty.cache_free = f_cache_free;
	faulty.kfree = f_kfree;
	faulty.slab_check = f_slab_check;
	faulty.cache_shrink = f_cache_shrink;
	faulty.cache_destroy = f_cache_destroy;
	if (f == F_DIFF_CONTENT)
		faulty.kmalloc = f_lock_kmalloc;
	fault = f;
	kmalloc_calls = 0;
	first_obj = NULL;
	last_page_addr = NULL;
	lock_obj = NULL;
	return &faulty;
}

/* Page target: the report counts (F_SWALLOW). */
static uint64_t f_report_count(const struct kmm *k, enum kmm_report_kind kind)
{
	if (fault == F_SWALLOW && kind == KMM_REPORT_SLAB)
		return 0;
	return kmm_report_count(k, kind);
}

/* Page target: remember the last block (F_OVERLAP_PAGE). */
static struct kmm_page *f_alloc_pages(struct kmm *k, kmm_gfp_t gfp, unsigned order)
{
	struct kmm_page *page = kmm_alloc_pages(k, gfp, order);

	if (page)
		last_page_addr = kmm_page_address(k, page);
	return page;
}

static struct kmm_page_target faulty_pages;

static const struct kmm_page_target *page_target(void)
{
	faulty_pages = *kmm_page_target_libkmm();
	faulty_pages.name = "faulty-pages";
	faulty_pages.report_count = f_report_count;
	faulty_pages.alloc_pages = f_alloc_pages;
	return &faulty_pages;
}

/* F_DIFF_CONTENT: SLAB's object of 100 bytes gets byte 50 flipped by the
 * next kmalloc on SLAB, found only by comparing backends (the per-backend
 * runs use libkmm). */
static void *f_lock_kmalloc(struct kmm *k, size_t size, kmm_gfp_t gfp)
{
	void *p;

	if (lock_obj && on_backend(k, "slab")) {
		((unsigned char *)lock_obj)[50] ^= 0x01;
		lock_obj = NULL;
	}
	p = kmm_kmalloc(k, size, gfp);
	if (p && size == 100 && on_backend(k, "slab"))
		lock_obj = p;
	return p;
}

/* ---- programs ---------------------------------------------------------------------- */

static struct kmm_program prog;
static uint8_t nr_caches;

static void prog_init(unsigned backend, unsigned debug, bool misuse)
{
	memset(&prog, 0, sizeof(prog));
	kmm_program_init(&prog);
	prog.hdr.seed = 11;
	prog.hdr.debug_level = 1;
	prog.hdr.slab_backend = (uint8_t)backend;
	prog.hdr.slab_debug = (uint8_t)debug;
	prog.hdr.slab_features = KMM_SLAB_FREELIST_HARDENED | KMM_SLAB_FREELIST_RANDOM;
	prog.hdr.flags = misuse ? KMM_PROG_MISUSE : 0;
	memset(prog.hdr.zones, 0, sizeof(prog.hdr.zones));
	prog.hdr.zones[0][KMM_ZONE_NORMAL].spanned_pages = 4096;
	nr_caches = 0;
}

static struct kmm_op *op_new(enum kmm_op_code code)
{
	struct kmm_op *op = &prog.ops[prog.nr_ops++];

	memset(op, 0, sizeof(*op));
	op->code = (uint8_t)code;
	return op;
}

static uint32_t op_kmalloc(uint32_t size, unsigned mode, uint32_t n)
{
	struct kmm_op *op = op_new(KMM_OP_KMALLOC);

	op->arg = size;
	op->arg2 = n;
	op->mode = (uint8_t)mode;
	op->gfp = KMM_GFP_KERNEL;
	op->node = -1;
	op->handle = ++prog.nr_handles;
	return op->handle;
}

static uint32_t op_alloc_pages(unsigned order)
{
	struct kmm_op *op = op_new(KMM_OP_ALLOC_PAGES);

	op->order = (uint8_t)order;
	op->gfp = KMM_GFP_KERNEL;
	op->node = -1;
	op->handle = ++prog.nr_handles;
	return op->handle;
}

static uint8_t op_cache_create(uint32_t size, uint32_t align, unsigned flags, bool ctor)
{
	struct kmm_op *op = op_new(KMM_OP_CACHE_CREATE);

	op->arg = size;
	op->arg2 = align;
	op->cflags = (uint16_t)flags;
	op->mode = ctor ? 1 : 0;
	op->cache = ++nr_caches;
	return op->cache;
}

static uint32_t op_cache_alloc(uint8_t cache)
{
	struct kmm_op *op = op_new(KMM_OP_CACHE_ALLOC);

	op->cache = cache;
	op->gfp = KMM_GFP_KERNEL;
	op->node = -1;
	op->handle = ++prog.nr_handles;
	return op->handle;
}

static uint32_t op_bulk(uint8_t cache, uint32_t nr)
{
	struct kmm_op *op = op_new(KMM_OP_CACHE_ALLOC_BULK);

	op->cache = cache;
	op->gfp = KMM_GFP_KERNEL;
	op->arg = nr;
	op->handle = prog.nr_handles + 1;
	prog.nr_handles += nr;
	return op->handle;
}

static void op_free_bulk(uint8_t cache, uint32_t first, uint32_t nr)
{
	struct kmm_op *op = op_new(KMM_OP_CACHE_FREE_BULK);

	op->cache = cache;
	op->handle = first;
	op->arg = nr;
}

static void op_handle(enum kmm_op_code code, uint32_t h)
{
	op_new(code)->handle = h;
}

static void op_cache(enum kmm_op_code code, uint8_t cache)
{
	op_new(code)->cache = cache;
}

static void op_krealloc(uint32_t h, uint32_t size)
{
	struct kmm_op *op = op_new(KMM_OP_KREALLOC);

	op->handle = h;
	op->arg = size;
	op->gfp = KMM_GFP_KERNEL;
}

static void op_misuse(enum kmm_misuse kind, uint32_t h, uint8_t cache, uint32_t arg)
{
	struct kmm_op *op = op_new(KMM_OP_MISUSE);

	op->mode = (uint8_t)kind;
	op->handle = h;
	op->cache = cache;
	op->arg = arg;
}

/* ---- running ------------------------------------------------------------------------- */

static int run_with(const struct kmm_slab_target *st, const struct kmm_page_target *pt, bool diff,
		    struct kmm_exec_result *res)
{
	struct kmm_exec_options opt;
	FILE *sink = tmpfile();
	int rc;

	memset(&opt, 0, sizeof(opt));
	opt.slab_target = st;
	opt.target = pt;
	opt.quiet_reports = true;
	opt.err = sink ? sink : stderr;
	rc = diff ? kmm_kmalloc_diff_run(&prog, &opt, res) : kmm_exec_run(&prog, &opt, res);
	if (sink)
		fclose(sink);
	return rc;
}

/* The program passes on libkmm and fails on the faulty target with `check`. */
static void expect_caught_on(enum fault f, const char *check, bool diff)
{
	struct kmm_exec_result res;
	char prefix[96];
	int rc;

	fault = F_NONE;
	rc = run_with(NULL, NULL, diff, &res);
	CHECK_EQ(rc, 0);
	if (rc)
		fprintf(stderr, "  clean run of fault %d's program: %s\n  %s\n", (int)f, res.signature, res.detail);
	rc = run_with(faulty_target(f), f == F_SWALLOW || f == F_OVERLAP_PAGE ? page_target() : NULL, diff, &res);
	fault = F_NONE;
	CHECK_EQ(rc, 1);
	CHECK(res.mismatch);
	CHECK(strcmp(res.check, check) == 0);
	snprintf(prefix, sizeof(prefix), "kmm-mismatch check=%s op=", check);
	CHECK(strncmp(res.signature, prefix, strlen(prefix)) == 0);
	if (getenv("KMM_TEST_VERBOSE"))
		printf("  %s\n  %s\n", res.signature, res.detail);
	if (strcmp(res.check, check) != 0)
		fprintf(stderr, "  fault %d: wanted check=%s, got rc %d: %s\n  %s\n", (int)f, check, rc,
			res.signature, res.detail);
}

static void expect_caught(enum fault f, const char *check)
{
	expect_caught_on(f, check, false);
}

/* ---- one test per check ---------------------------------------------------------------- */

TEST(alloc_failed)
{
	prog_init(KMM_PROGRAM_SLAB_SLUB, 0, false);
	for (int i = 0; i < 4; i++)
		op_kmalloc(32, 0, 0);
	expect_caught(F_FAIL, "slab-alloc-failed");
}

TEST(misaligned_kmalloc)
{
	prog_init(KMM_PROGRAM_SLAB_SLUB, 0, false);
	op_kmalloc(64, 0, 0);
	expect_caught(F_MISALIGN, "slab-align");
}

TEST(overlapping_objects)
{
	prog_init(KMM_PROGRAM_SLAB_SLAB, 0, false);
	op_kmalloc(48, 0, 0);
	op_kmalloc(48, 0, 0);
	expect_caught(F_OVERLAP, "slab-overlap");
}

TEST(object_over_a_page_handle)
{
	prog_init(KMM_PROGRAM_SLAB_SLUB, 0, false);
	op_alloc_pages(0);
	op_kmalloc(3000, 0, 0); /* the fault returns the page's address */
	expect_caught(F_OVERLAP_PAGE, "slab-overlap");
}

TEST(ksize_short)
{
	prog_init(KMM_PROGRAM_SLAB_SLUB, 0, false);
	op_kmalloc(100, 0, 0);
	expect_caught(F_KSIZE, "ksize");
}

TEST(ksize_short_checked_at_free_with_red_zones)
{
	prog_init(KMM_PROGRAM_SLAB_SLAB, KMM_SLAB_RED_ZONE, false);
	op_handle(KMM_OP_KFREE, op_kmalloc(100, 0, 0));
	expect_caught(F_KSIZE, "ksize");
}

TEST(owner_cache)
{
	prog_init(KMM_PROGRAM_SLAB_SLUB, 0, false);
	op_cache_alloc(op_cache_create(40, 0, 0, false));
	expect_caught(F_OWNER, "slab-owner");
}

TEST(content_corrupted)
{
	uint32_t h;

	prog_init(KMM_PROGRAM_SLAB_SLUB, 0, false);
	h = op_kmalloc(24, 0, 0);
	op_kmalloc(24, 0, 0);
	op_handle(KMM_OP_VERIFY, h);
	expect_caught(F_CORRUPT, "slab-content");
}

TEST(small_object_content_corrupted)
{
	uint32_t h;

	prog_init(KMM_PROGRAM_SLAB_SLOB, 0, false);
	h = op_kmalloc(5, 0, 0); /* 5 bytes: the flip at byte 3 is inside */
	op_handle(KMM_OP_WRITE, h);
	op_kmalloc(5, 0, 0);
	op_handle(KMM_OP_KFREE, h);
	expect_caught(F_CORRUPT, "slab-content");
}

TEST(kzalloc_not_zeroed)
{
	prog_init(KMM_PROGRAM_SLAB_SLAB, 0, false);
	op_handle(KMM_OP_KFREE, op_kmalloc(64, 0, 0));
	op_kmalloc(64, 1, 0);
	expect_caught(F_NO_ZERO, "slab-zeroing");
}

TEST(ctor_dropped)
{
	uint8_t c;

	prog_init(KMM_PROGRAM_SLAB_SLUB, 0, false);
	c = op_cache_create(72, 0, 0, true);
	op_handle(KMM_OP_CACHE_FREE, op_cache_alloc(c));
	op_cache_alloc(c);
	expect_caught(F_NO_CTOR, "ctor");
}

TEST(bulk_partial)
{
	uint8_t c;
	uint32_t first;

	prog_init(KMM_PROGRAM_SLAB_SLUB, 0, false);
	c = op_cache_create(128, 0, KMM_SLAB_HWCACHE_ALIGN, false);
	first = op_bulk(c, 8);
	op_free_bulk(c, first, 8);
	expect_caught(F_BULK_PARTIAL, "bulk");
}

TEST(bulk_duplicate)
{
	uint8_t c;

	prog_init(KMM_PROGRAM_SLAB_SLAB, 0, false);
	c = op_cache_create(200, 0, 0, false);
	op_bulk(c, 5);
	expect_caught(F_BULK_DUP, "bulk");
}

TEST(krealloc_prefix_lost)
{
	uint32_t h;

	prog_init(KMM_PROGRAM_SLAB_SLUB, 0, false);
	h = op_kmalloc(40, 0, 0);
	op_krealloc(h, 300);
	expect_caught(F_KREALLOC, "krealloc");
}

TEST(rcu_pages_freed_early)
{
	uint8_t c;

	prog_init(KMM_PROGRAM_SLAB_SLUB, 0, false);
	c = op_cache_create(256, 0, KMM_SLAB_TYPESAFE_BY_RCU, false);
	op_handle(KMM_OP_CACHE_FREE, op_cache_alloc(c));
	op_new(KMM_OP_RCU_BARRIER);
	expect_caught(F_RCU, "rcu");
}

TEST(slab_pages_miscounted)
{
	prog_init(KMM_PROGRAM_SLAB_SLAB, 0, false);
	op_kmalloc(512, 0, 0);
	op_new(KMM_OP_CHECK);
	expect_caught(F_PAGE_LEAK, "slab-pages");
}

TEST(slab_check_violation)
{
	prog_init(KMM_PROGRAM_SLAB_SLUB, 0, false);
	op_kmalloc(64, 0, 0);
	op_new(KMM_OP_CHECK);
	expect_caught(F_SLAB_CHECK, "slab_check");
}

TEST(misuse_swallowed)
{
	prog_init(KMM_PROGRAM_SLAB_SLUB, KMM_SLAB_DEBUG_FLAGS, true);
	op_misuse(KMM_MISUSE_OBJ_DOUBLE_FREE, op_kmalloc(64, 0, 0), 0, 0);
	expect_caught(F_SWALLOW, "slab-misuse");
}

TEST(spurious_slab_report)
{
	prog_init(KMM_PROGRAM_SLAB_SLOB, 0, false);
	op_handle(KMM_OP_KFREE, op_kmalloc(64, 0, 0));
	expect_caught(F_SPURIOUS, "slab-bug");
}

TEST(shrink_return_value)
{
	prog_init(KMM_PROGRAM_SLAB_SLAB, 0, false);
	op_cache(KMM_OP_CACHE_SHRINK, op_cache_create(64, 0, 0, false));
	expect_caught(F_SHRINK_RC, "slab-api");
}

TEST(slab_page_kept_after_teardown)
{
	prog_init(KMM_PROGRAM_SLAB_SLUB, 0, false);
	op_cache_alloc(op_cache_create(96, 0, 0, false));
	expect_caught(F_TEARDOWN_LEAK, "slab-teardown");
}

/* ---- the lock-step checks ------------------------------------------------------------------- */

TEST(diff_content)
{
	uint32_t h;

	prog_init(KMM_PROGRAM_SLAB_ALL, 0, false);
	h = op_kmalloc(100, 0, 0);
	op_kmalloc(16, 0, 0); /* flips a byte of h on SLAB */
	op_handle(KMM_OP_VERIFY, h);
	expect_caught_on(F_DIFF_CONTENT, "diff-content", true);
}

TEST(diff_ksize)
{
	prog_init(KMM_PROGRAM_SLAB_ALL, 0, false);
	op_kmalloc(100, 0, 0);
	expect_caught_on(F_DIFF_KSIZE, "diff-ksize", true);
}

TEST(diff_result)
{
	prog_init(KMM_PROGRAM_SLAB_ALL, 0, false);
	op_kmalloc(64, 0, 0);
	op_kmalloc(100, 0, 0);
	expect_caught_on(F_DIFF_FAIL, "diff-result", true);
}

/* ---- clean runs: every op and every misuse kind on every backend ------------------------------- */

static void every_op_program(unsigned backend, bool misuse)
{
	uint8_t c1, c2, c3;
	uint32_t a, b, k1, k2, k3, first, p;

	prog_init(backend, misuse ? KMM_SLAB_DEBUG_FLAGS : 0, misuse);
	c1 = op_cache_create(40, 0, KMM_SLAB_HWCACHE_ALIGN, true);
	c2 = op_cache_create(300, 64, KMM_SLAB_TYPESAFE_BY_RCU, false);
	c3 = op_cache_create(3, 0, 0, false);
	a = op_cache_alloc(c1);
	b = op_cache_alloc(c2);
	op_cache_alloc(c3);
	k1 = op_kmalloc(100, 0, 0);
	k2 = op_kmalloc(7, 1, 0);
	k3 = op_kmalloc(30, 2, 12); /* kcalloc(12, 30) */
	op_kmalloc(0, 0, 0);
	op_kmalloc(20000, 0, 0);
	first = op_bulk(c1, 10);
	p = op_alloc_pages(1);
	op_handle(KMM_OP_WRITE, k1);
	op_handle(KMM_OP_VERIFY, k1);
	op_krealloc(k1, 1000);
	op_krealloc(k2, 5);
	op_krealloc(k3, 0);
	op_handle(KMM_OP_CACHE_FREE, a);
	op_handle(KMM_OP_CACHE_FREE, b);
	op_new(KMM_OP_CHECK);
	op_free_bulk(c1, first, 5);
	op_cache(KMM_OP_CACHE_SHRINK, c1);
	op_new(KMM_OP_RCU_BARRIER);
	op_new(KMM_OP_CACHE_REAP);
	op_cache(KMM_OP_CACHE_VALIDATE, 0);
	op_cache(KMM_OP_CACHE_VALIDATE, c2);
	op_handle(KMM_OP_KFREE, k2);
	if (misuse) {
		uint32_t m1 = op_kmalloc(64, 0, 0), m2 = op_kmalloc(90, 0, 0), m3 = op_kmalloc(256, 0, 0);
		uint32_t m4 = op_cache_alloc(c3), m5 = op_kmalloc(48, 0, 0);

		op_misuse(KMM_MISUSE_OBJ_DOUBLE_FREE, m1, 0, 0);
		op_misuse(KMM_MISUSE_KFREE_INTERIOR, m2, 0, 17);
		op_misuse(KMM_MISUSE_KFREE_NON_SLAB, p, 0, 0);
		op_misuse(KMM_MISUSE_WRITE_PAST_END, m2, 0, 3);
		op_misuse(KMM_MISUSE_WRITE_PAST_END, m4, 0, 2);
		op_misuse(KMM_MISUSE_WRITE_AFTER_FREE, m3, 0, 40);
		op_misuse(KMM_MISUSE_WRONG_CACHE, m4, c1, 0);
		op_misuse(KMM_MISUSE_DESTROY_BUSY, 0, c1, 0);
		op_handle(KMM_OP_KFREE, m5);
		op_handle(KMM_OP_VERIFY, m2);
	}
	op_cache(KMM_OP_CACHE_DESTROY, c2);
}

static void clean_run(unsigned backend, bool misuse)
{
	struct kmm_exec_result res;
	int rc;

	every_op_program(backend, misuse);
	fault = F_NONE;
	rc = run_with(NULL, NULL, false, &res);
	CHECK_EQ(rc, 0);
	if (rc)
		fprintf(stderr, "  backend %u misuse %d: %s\n  %s\n", backend, (int)misuse, res.signature, res.detail);
	CHECK(res.allocs_ok >= 20);
	if (misuse)
		CHECK(res.misuses_reported >= 7);
}

TEST(every_op_clean_on_slub)
{
	clean_run(KMM_PROGRAM_SLAB_SLUB, false);
	clean_run(KMM_PROGRAM_SLAB_SLUB, true);
}

TEST(every_op_clean_on_slab)
{
	clean_run(KMM_PROGRAM_SLAB_SLAB, false);
	clean_run(KMM_PROGRAM_SLAB_SLAB, true);
}

TEST(every_op_clean_on_slob)
{
	clean_run(KMM_PROGRAM_SLAB_SLOB, false);
	clean_run(KMM_PROGRAM_SLAB_SLOB, true);
}

TEST(kmalloc_diff_clean)
{
	struct kmm_exec_result res;
	uint32_t h1, h2, h3;
	uint8_t c;
	int rc;

	prog_init(KMM_PROGRAM_SLAB_ALL, 0, false);
	c = op_cache_create(50, 0, 0, false);
	h1 = op_kmalloc(100, 0, 0);
	h2 = op_kmalloc(3000, 1, 0);
	h3 = op_kmalloc(9000, 0, 0);
	op_cache_alloc(c);
	op_handle(KMM_OP_WRITE, h1);
	op_krealloc(h1, 5000);
	op_krealloc(h2, 10);
	op_handle(KMM_OP_VERIFY, h2);
	op_handle(KMM_OP_KFREE, h3);
	op_kmalloc(16, 2, 4);
	rc = run_with(NULL, NULL, true, &res);
	CHECK_EQ(rc, 0);
	if (rc)
		fprintf(stderr, "  %s\n  %s\n", res.signature, res.detail);
}

int main(void)
{
	RUN(every_op_clean_on_slub);
	RUN(every_op_clean_on_slab);
	RUN(every_op_clean_on_slob);
	RUN(kmalloc_diff_clean);
	RUN(alloc_failed);
	RUN(misaligned_kmalloc);
	RUN(overlapping_objects);
	RUN(object_over_a_page_handle);
	RUN(ksize_short);
	RUN(ksize_short_checked_at_free_with_red_zones);
	RUN(owner_cache);
	RUN(content_corrupted);
	RUN(small_object_content_corrupted);
	RUN(kzalloc_not_zeroed);
	RUN(ctor_dropped);
	RUN(bulk_partial);
	RUN(bulk_duplicate);
	RUN(krealloc_prefix_lost);
	RUN(rcu_pages_freed_early);
	RUN(slab_pages_miscounted);
	RUN(slab_check_violation);
	RUN(misuse_swallowed);
	RUN(spurious_slab_report);
	RUN(shrink_return_value);
	RUN(slab_page_kept_after_teardown);
	RUN(diff_content);
	RUN(diff_ksize);
	RUN(diff_result);
	return test_summary();
}
