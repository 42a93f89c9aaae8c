// SPDX-License-Identifier: MIT
/*
 * Every executor check can fail: for each one, a page target that wraps
 * libkmm and breaks exactly that property, a small program that exercises
 * it, and the proof that kmm_exec_run() returns 1 naming that check. The
 * same program on the real target returns 0, so the failure is the fault's.
 *
 * The faulty target is libkmm's table with one hook replaced; the fault in
 * force is a file-scope variable (this is a test executable, not library
 * code).
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
	F_SAME_BLOCK_TWICE,  /* the second order-0 alloc returns the first block again */
	F_OVERLAP,           /* an order-0 alloc returns a page inside a live order-2 block */
	F_MISALIGNED,        /* order-1 allocs return an odd PFN */
	F_WRONG_ZONE,        /* GFP_DMA requests get a DMA32 page */
	F_WRONG_NODE,        /* policy allocs land on node 0 (breaks BIND {1}) */
	F_WRONG_INTERLEAVE,  /* policy allocs land on node 0 (breaks interleave) */
	F_FAIL,              /* the third alloc fails */
	F_ILLEGAL_SUCCESS,   /* a failed alloc is retried with __GFP_MEMALLOC */
	F_MISCOUNT,          /* zone_info free_pages one too high after the first alloc */
	F_NR_FREE,           /* zone_info reports one order-0 block too many */
	F_CORRUPT,           /* the second alloc flips a byte of the first block */
	F_NO_ZERO,           /* __GFP_ZERO blocks come back dirty */
	F_MISUSE_UNREPORTED, /* BAD_PAGE reports are not counted */
	F_SPURIOUS_REPORT,   /* every free is followed by a bogus bad free */
	F_PAGE_CHECK,        /* page_check finds one violation */
	F_NOT_COALESCED,     /* fully_coalesced says no */
	F_WATERMARK,         /* zone_info min watermark off by one */
	F_LAYOUT,            /* zone_info start_pfn off by a block */
	F_HIGHATOMIC,        /* zone_info claims a huge HIGHATOMIC reserve */
	F_POLICY_RC,         /* set_mempolicy accepts an invalid mask */
	F_TEARDOWN,          /* after the last op a page hides on "pcp" */
	F_LIB_CHECK_REPORT,  /* a CHECK-kind report from inside an op */
	F_OUTSIDE,           /* page_to_pfn says the block is past the arena */
	F_RESERVED_PAGE,     /* an order-0 alloc returns a reserved (unmanaged) page */
	F_CORRUPT_TAIL,      /* the second alloc flips a byte of the first block's last word */
};

static enum fault fault;
static unsigned alloc_calls;
static bool armed;
static struct kmm_page *last_page;
static unsigned last_order;

/* ---- the faulty hooks ------------------------------------------------------ */

static struct kmm_page *f_alloc_common(struct kmm *k, int nid, kmm_gfp_t gfp, unsigned order)
{
	struct kmm_page *page;

	alloc_calls++;
	switch (fault) {
	case F_SAME_BLOCK_TWICE:
		if (alloc_calls == 2 && last_page && order == 0)
			return last_page;
		break;
	case F_OVERLAP:
		if (alloc_calls == 2 && last_page && last_order >= 1)
			return kmm_pfn_to_page(k, kmm_page_to_pfn(k, last_page) + 1);
		break;
	case F_MISALIGNED:
		if (order == 1) {
			page = kmm_alloc_pages(k, gfp, 2);
			return page ? kmm_pfn_to_page(k, kmm_page_to_pfn(k, page) + 1) : NULL;
		}
		break;
	case F_WRONG_ZONE:
		if (gfp & KMM___GFP_DMA)
			gfp = (gfp & ~KMM___GFP_DMA) | KMM___GFP_DMA32;
		break;
	case F_WRONG_NODE:
	case F_WRONG_INTERLEAVE:
		if (nid < 0)
			return kmm_alloc_pages_node(k, 0, gfp | KMM___GFP_THISNODE, order);
		break;
	case F_FAIL:
		if (alloc_calls == 3)
			return NULL;
		break;
	case F_NO_ZERO:
		if (gfp & KMM___GFP_ZERO) {
			page = kmm_alloc_pages(k, gfp, order);
			if (page)
				((unsigned char *)kmm_page_address(k, page))[100] = 0x5a;
			return page;
		}
		break;
	case F_LIB_CHECK_REPORT:
		if (alloc_calls == 2)
			armed = true; /* from now on one more CHECK report is counted */
		break;
	case F_RESERVED_PAGE:
		if (order == 0)
			return kmm_pfn_to_page(k, 0); /* the test reserves DMA's first pages */
		break;
	default:
		break;
	}
	page = nid < 0 ? kmm_alloc_pages(k, gfp, order) : kmm_alloc_pages_node(k, nid, gfp, order);
	if (!page && fault == F_ILLEGAL_SUCCESS)
		page = nid < 0 ? kmm_alloc_pages(k, gfp | KMM___GFP_MEMALLOC, order)
			       : kmm_alloc_pages_node(k, nid, gfp | KMM___GFP_MEMALLOC, order);
	if (page && fault == F_CORRUPT && alloc_calls == 2 && last_page)
		((unsigned char *)kmm_page_address(k, last_page))[3] ^= 0x40;
	if (page && fault == F_CORRUPT_TAIL && alloc_calls == 2 && last_page)
		((unsigned char *)kmm_page_address(k, last_page))[((size_t)KMM_PAGE_SIZE << last_order) - 3] ^= 0x40;
	if (page) {
		last_page = page;
		last_order = order;
	}
	if (fault == F_MISCOUNT)
		armed = true;
	return page;
}

static struct kmm_page *f_alloc_pages(struct kmm *k, kmm_gfp_t gfp, unsigned order)
{
	return f_alloc_common(k, -1, gfp, order);
}

static struct kmm_page *f_alloc_pages_node(struct kmm *k, int nid, kmm_gfp_t gfp, unsigned order)
{
	return f_alloc_common(k, nid, gfp, order);
}

static void f_free_pages(struct kmm *k, struct kmm_page *page, unsigned order)
{
	kmm_free_pages(k, page, order);
	if (fault == F_SPURIOUS_REPORT)
		kmm_free_pages_addr(k, (const void *)(uintptr_t)4096, 0); /* not this system's */
}

static int f_zone_info(struct kmm *k, int nid, enum kmm_zone_type zone, struct kmm_zone_info *out)
{
	int rc = kmm_zone_info(k, nid, zone, out);

	if (rc || !out->populated)
		return rc;
	switch (fault) {
	case F_MISCOUNT:
		if (armed)
			out->free_pages++;
		break;
	case F_NR_FREE:
		out->nr_free[0][KMM_MIGRATE_MOVABLE]++;
		break;
	case F_WATERMARK:
		out->wmark_min++;
		break;
	case F_LAYOUT:
		out->start_pfn += 1024;
		break;
	case F_HIGHATOMIC:
		out->nr_reserved_highatomic = 5000;
		break;
	case F_TEARDOWN:
		if (armed && out->free_pages) {
			out->free_pages--;
			out->pcp_pages++;
		}
		break;
	default:
		break;
	}
	return rc;
}

static unsigned page_check_after; /* F_PAGE_CHECK bites once this many allocs ran */

static long f_page_check(struct kmm *k)
{
	long v = kmm_page_check(k);

	return fault == F_PAGE_CHECK && alloc_calls >= page_check_after ? v + 1 : v;
}

static bool f_fully_coalesced(struct kmm *k)
{
	return fault == F_NOT_COALESCED ? false : kmm_page_fully_coalesced(k);
}

static uint64_t f_report_count(const struct kmm *k, enum kmm_report_kind kind)
{
	if (fault == F_MISUSE_UNREPORTED && kind == KMM_REPORT_BAD_PAGE)
		return 0;
	if (fault == F_LIB_CHECK_REPORT && kind == KMM_REPORT_CHECK && armed)
		return kmm_report_count(k, kind) + 1;
	return kmm_report_count(k, kind);
}

static kmm_pfn_t f_page_to_pfn(const struct kmm *k, const struct kmm_page *page)
{
	kmm_pfn_t pfn = kmm_page_to_pfn(k, page);

	return fault == F_OUTSIDE ? (kmm_pfn_t)(kmm_total_pages(k) + 3) : pfn;
}

static int f_set_mempolicy(struct kmm *k, enum kmm_mpol_mode mode, kmm_nodemask_t nodes,
			   const uint8_t weights[KMM_MAX_NODES])
{
	int rc = kmm_set_mempolicy(k, mode, nodes, weights);

	return fault == F_POLICY_RC ? 0 : rc;
}

TEST_FAULTY_TARGET(kmm_page_target, kmm_page_target_libkmm)

static const struct kmm_page_target *faulty_target(enum fault f)
{
	faulty_reset();
	faulty.alloc_pages = f_alloc_pages;
	faulty.alloc_pages_node = f_alloc_pages_node;
	faulty.free_pages = f_free_pages;
	faulty.zone_info = f_zone_info;
	faulty.page_check = f_page_check;
	faulty.fully_coalesced = f_fully_coalesced;
	faulty.report_count = f_report_count;
	faulty.set_mempolicy = f_set_mempolicy;
	faulty.page_to_pfn = f_page_to_pfn;
	fault = f;
	alloc_calls = 0;
	armed = false;
	last_page = NULL;
	last_order = 0;
	return &faulty;
}

/* ---- programs ------------------------------------------------------------------ */

static struct kmm_program prog;

/* nodes nodes of pages_per_node pages laid out as kmm_config_init() does. */
static void prog_init(unsigned nodes, uint32_t pages_per_node, bool misuse)
{
	struct kmm_config cfg;

	memset(&prog, 0, sizeof(prog));
	kmm_config_init(&cfg, nodes, pages_per_node);
	prog.hdr.nr_nodes = (uint8_t)nodes;
	prog.hdr.nr_cpus = (uint8_t)nodes;
	prog.hdr.seed = 7;
	prog.hdr.debug_level = 1;
	prog.hdr.flags = misuse ? KMM_PROG_MISUSE : 0;
	for (unsigned n = 0; n < nodes; n++)
		memcpy(prog.hdr.zones[n], cfg.nodes[n].zones, sizeof(prog.hdr.zones[n]));
}

static struct kmm_op *op_new(enum kmm_op_code code)
{
	struct kmm_op *op = &prog.ops[prog.nr_ops++];

	memset(op, 0, sizeof(*op));
	op->code = (uint8_t)code;
	op->node = -1;
	return op;
}

static uint32_t op_alloc(unsigned order, kmm_gfp_t gfp, int node)
{
	struct kmm_op *op = op_new(KMM_OP_ALLOC_PAGES);

	op->order = (uint8_t)order;
	op->gfp = gfp;
	op->node = (int8_t)node;
	op->handle = ++prog.nr_handles;
	return op->handle;
}

static void op_handle(enum kmm_op_code code, uint32_t h)
{
	op_new(code)->handle = h;
}

static void op_policy(enum kmm_mpol_mode mode, kmm_nodemask_t nodes)
{
	struct kmm_op *op = op_new(KMM_OP_SET_POLICY);

	op->mode = (uint8_t)mode;
	op->nodes = nodes;
}

static void op_misuse(enum kmm_misuse kind, uint32_t h, uint32_t arg, unsigned order)
{
	struct kmm_op *op = op_new(KMM_OP_MISUSE);

	op->mode = (uint8_t)kind;
	op->handle = h;
	op->arg = arg;
	op->order = (uint8_t)order;
}

/* ---- running ---------------------------------------------------------------------- */

static void before_teardown_arm(struct kmm *k, void *ctx)
{
	(void)k;
	(void)ctx;
	armed = true;
}

static int run_on(const struct kmm_page_target *t, struct kmm_exec_result *res)
{
	struct kmm_exec_options opt;
	FILE *sink = tmpfile();
	int rc;

	memset(&opt, 0, sizeof(opt));
	opt.target = t;
	opt.quiet_reports = true;
	opt.err = sink ? sink : stderr;
	opt.before_teardown = before_teardown_arm;
	rc = kmm_exec_run(&prog, &opt, res);
	if (sink)
		fclose(sink);
	return rc;
}

/* The program passes on libkmm and fails on the faulty target with `check`. */
static void expect_caught(enum fault f, const char *check)
{
	struct kmm_exec_result res;
	char prefix[96];
	int rc;

	fault = F_NONE;
	rc = run_on(kmm_page_target_libkmm(), &res);
	CHECK_EQ(rc, 0);
	if (rc)
		fprintf(stderr, "  clean run of fault %d's program: %s\n  %s\n", (int)f, res.signature,
			res.detail);
	rc = run_on(faulty_target(f), &res);
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

/* ---- one test per check ------------------------------------------------------------ */

TEST(overlap_same_block_twice)
{
	prog_init(1, 4096, false);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	expect_caught(F_SAME_BLOCK_TWICE, "overlap");
}

TEST(overlap_inside_live_block)
{
	prog_init(1, 4096, false);
	op_alloc(2, KMM_GFP_KERNEL, -1);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	expect_caught(F_OVERLAP, "overlap");
}

TEST(placement_misaligned)
{
	prog_init(1, 4096, false);
	op_alloc(1, KMM_GFP_KERNEL, -1);
	expect_caught(F_MISALIGNED, "placement");
}

TEST(placement_outside_arena)
{
	prog_init(1, 4096, false);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	expect_caught(F_OUTSIDE, "placement");
}

TEST(placement_unmanaged_page)
{
	prog_init(1, 4096, false);
	prog.hdr.zones[0][KMM_ZONE_DMA].reserved_pages = 16;
	op_alloc(0, KMM_GFP_KERNEL, -1);
	expect_caught(F_RESERVED_PAGE, "placement");
}

TEST(placement_wrong_zone)
{
	prog_init(1, 16384, false); /* DMA 1024, DMA32 4096, NORMAL */
	op_alloc(0, KMM_GFP_KERNEL | KMM___GFP_DMA, -1);
	expect_caught(F_WRONG_ZONE, "placement");
}

TEST(placement_wrong_node_under_bind)
{
	prog_init(2, 4096, false);
	op_policy(KMM_MPOL_BIND, 0x2);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	expect_caught(F_WRONG_NODE, "placement");
}

TEST(placement_wrong_interleave_node)
{
	prog_init(2, 4096, false);
	op_policy(KMM_MPOL_INTERLEAVE, 0x3);
	op_alloc(0, KMM_GFP_KERNEL, -1); /* node 0 */
	op_alloc(0, KMM_GFP_KERNEL, -1); /* node 1, plenty free there */
	expect_caught(F_WRONG_INTERLEAVE, "placement");
}

TEST(alloc_failed_when_it_must_succeed)
{
	prog_init(1, 4096, false);
	for (int i = 0; i < 4; i++)
		op_alloc(0, KMM_GFP_KERNEL, -1);
	expect_caught(F_FAIL, "alloc-failed");
}

TEST(alloc_succeeded_when_it_must_fail)
{
	/* One 1024-page NORMAL zone; order-0 GFP_KERNEL until the min watermark
	 * stops them, then a few more: libkmm fails them, the faulty target digs
	 * into the reserve. */
	prog_init(1, 1024, false);
	memset(prog.hdr.zones[0], 0, sizeof(prog.hdr.zones[0]));
	prog.hdr.zones[0][KMM_ZONE_NORMAL].spanned_pages = 1024;
	for (int i = 0; i < 1040; i++)
		op_alloc(0, KMM_GFP_KERNEL | KMM___GFP_NOWARN, -1);
	expect_caught(F_ILLEGAL_SUCCESS, "alloc-succeeded");
}

TEST(counters_miscounted)
{
	prog_init(1, 4096, false);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	expect_caught(F_MISCOUNT, "counters");
}

TEST(nr_free_wrong)
{
	prog_init(1, 4096, false);
	op_handle(KMM_OP_FREE_PAGES, op_alloc(3, KMM_GFP_KERNEL, -1));
	expect_caught(F_NR_FREE, "nr_free");
}

TEST(content_corrupted)
{
	uint32_t h1;

	prog_init(1, 4096, false);
	h1 = op_alloc(0, KMM_GFP_KERNEL, -1);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	op_handle(KMM_OP_VERIFY, h1);
	expect_caught(F_CORRUPT, "content");
}

/* Only the tail sample (the last word of the block's last page, where an
 * underrun from the block above lands) covers the flipped byte. */
TEST(content_tail_corrupted)
{
	uint32_t h1;

	prog_init(1, 4096, false);
	h1 = op_alloc(2, KMM_GFP_KERNEL, -1);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	op_handle(KMM_OP_VERIFY, h1);
	expect_caught(F_CORRUPT_TAIL, "content");
}

TEST(zeroing_not_done)
{
	prog_init(1, 4096, false);
	op_handle(KMM_OP_FREE_PAGES, op_alloc(0, KMM_GFP_KERNEL, -1));
	op_alloc(0, KMM_GFP_KERNEL | KMM___GFP_ZERO, -1);
	expect_caught(F_NO_ZERO, "zeroing");
}

TEST(misuse_unreported)
{
	prog_init(1, 4096, true);
	op_misuse(KMM_MISUSE_DOUBLE_FREE, op_alloc(1, KMM_GFP_KERNEL, -1), 0, 0);
	expect_caught(F_MISUSE_UNREPORTED, "misuse");
}

TEST(spurious_bad_page_report)
{
	prog_init(1, 4096, false);
	op_handle(KMM_OP_FREE_PAGES, op_alloc(0, KMM_GFP_KERNEL, -1));
	expect_caught(F_SPURIOUS_REPORT, "bad-page");
}

TEST(page_check_violation)
{
	prog_init(1, 4096, false);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	op_new(KMM_OP_CHECK);
	expect_caught(F_PAGE_CHECK, "page_check");
}

TEST(library_check_report_during_op)
{
	prog_init(1, 4096, false);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	expect_caught(F_LIB_CHECK_REPORT, "page_check");
}

TEST(not_coalesced_at_teardown)
{
	prog_init(1, 4096, false);
	op_alloc(2, KMM_GFP_KERNEL, -1);
	expect_caught(F_NOT_COALESCED, "coalesced");
}

TEST(free_pages_not_back_at_teardown)
{
	prog_init(1, 4096, false);
	op_alloc(2, KMM_GFP_KERNEL, -1);
	expect_caught(F_TEARDOWN, "teardown");
}

TEST(watermark_wrong)
{
	prog_init(1, 4096, false);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	expect_caught(F_WATERMARK, "watermarks");
}

TEST(layout_wrong)
{
	prog_init(1, 4096, false);
	expect_caught(F_LAYOUT, "layout");
}

TEST(highatomic_over_bound)
{
	prog_init(1, 4096, false);
	op_alloc(0, KMM_GFP_KERNEL, -1);
	expect_caught(F_HIGHATOMIC, "highatomic");
}

TEST(policy_return_value)
{
	prog_init(2, 4096, false);
	op_policy(KMM_MPOL_BIND, 0x4); /* node 2 of a 2-node system */
	expect_caught(F_POLICY_RC, "api");
}

/* Misuse of every kind is reported once and survived by libkmm. */
TEST(misuse_kinds_clean_on_libkmm)
{
	struct kmm_exec_result res;
	uint32_t h;

	prog_init(1, 4096, true);
	h = op_alloc(2, KMM_GFP_KERNEL | KMM___GFP_COMP, -1);
	op_misuse(KMM_MISUSE_WRONG_ORDER, h, 0, 1);
	op_misuse(KMM_MISUSE_TAIL_PAGE, h, 3, 0);
	op_misuse(KMM_MISUSE_MISALIGNED, h, 100, 0);
	op_misuse(KMM_MISUSE_FOREIGN_PFN, 0, 6, 0);
	op_misuse(KMM_MISUSE_FOREIGN_PFN, 0, 7, 0);
	op_handle(KMM_OP_VERIFY, h);
	op_misuse(KMM_MISUSE_DOUBLE_FREE, h, 0, 0);
	fault = F_NONE;
	CHECK_EQ(run_on(kmm_page_target_libkmm(), &res), 0);
	if (res.mismatch)
		fprintf(stderr, "  %s\n  %s\n", res.signature, res.detail);
	CHECK_EQ(res.misuses_reported, 6);
	CHECK_EQ(res.allocs_ok, 1);
	CHECK_EQ(res.frees, 1);
}

/* Programs longer than a struct kmm_program go through kmm_exec_run_ops():
 * clean on libkmm, caught on a faulty target, and the report shows the
 * last KMM_PROGRAM_MAX_OPS ops. */
TEST(big_program_through_ops)
{
	static struct kmm_op ops[20000];
	struct kmm_exec_options opt;
	struct kmm_exec_result res;
	uint32_t nr = 0, handles = 0;
	char *text = NULL;
	size_t len = 0;
	FILE *err;

	prog_init(1, 4096, false);
	for (uint32_t i = 0; i < 10000; i++) {
		ops[nr].code = KMM_OP_ALLOC_PAGES;
		ops[nr].node = -1;
		ops[nr].order = (uint8_t)(i % 4);
		ops[nr].gfp = KMM_GFP_KERNEL;
		ops[nr++].handle = ++handles;
		ops[nr].code = KMM_OP_FREE_PAGES;
		ops[nr].node = -1;
		ops[nr++].handle = handles;
	}
	memset(&opt, 0, sizeof(opt));
	opt.quiet_reports = true;
	CHECK_EQ(kmm_exec_run_ops(&prog.hdr, ops, nr, 0, &opt, &res), 0);
	CHECK_EQ(res.allocs_ok, 10000);
	CHECK_EQ(res.frees, 10000);
	CHECK_EQ(kmm_exec_run_raw_ops(&prog.hdr, ops, nr, handles), 0);

	err = open_memstream(&text, &len);
	REQUIRE(err);
	opt.err = err;
	opt.target = faulty_target(F_PAGE_CHECK);
	page_check_after = 9000;
	CHECK_EQ(kmm_exec_run_ops(&prog.hdr, ops, nr, handles, &opt, &res), 1);
	page_check_after = 0;
	fault = F_NONE;
	CHECK(res.step >= 18000);
	fclose(err);
	CHECK(strcmp(res.check, "page_check") == 0);
	CHECK(text && strstr(text, "are left out") != NULL);
	free(text);
}

/* The executor refuses a header that builds no system. */
TEST(bad_header_is_einval)
{
	struct kmm_exec_result res;

	prog_init(1, 4096, false);
	prog.hdr.nr_nodes = 0;
	CHECK_EQ(run_on(kmm_page_target_libkmm(), &res), -EINVAL);
	CHECK(!res.mismatch);
}

int main(void)
{
	RUN(overlap_same_block_twice);
	RUN(overlap_inside_live_block);
	RUN(placement_misaligned);
	RUN(placement_outside_arena);
	RUN(placement_unmanaged_page);
	RUN(placement_wrong_zone);
	RUN(placement_wrong_node_under_bind);
	RUN(placement_wrong_interleave_node);
	RUN(alloc_failed_when_it_must_succeed);
	RUN(alloc_succeeded_when_it_must_fail);
	RUN(counters_miscounted);
	RUN(nr_free_wrong);
	RUN(content_corrupted);
	RUN(content_tail_corrupted);
	RUN(zeroing_not_done);
	RUN(misuse_unreported);
	RUN(spurious_bad_page_report);
	RUN(page_check_violation);
	RUN(library_check_report_during_op);
	RUN(not_coalesced_at_teardown);
	RUN(free_pages_not_back_at_teardown);
	RUN(watermark_wrong);
	RUN(layout_wrong);
	RUN(highatomic_over_bound);
	RUN(policy_return_value);
	RUN(misuse_kinds_clean_on_libkmm);
	RUN(big_program_through_ops);
	RUN(bad_header_is_einval);
	return test_summary();
}
