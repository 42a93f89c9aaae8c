// SPDX-License-Identifier: MIT
/*
 * The same program gives the same run: identical results, identical report
 * text, identical /proc views after the last op. Checked for hand-built and
 * decoded programs, each under two different header seeds, and across a
 * text round trip (format -> parse gives a program that runs the same).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../differential/executor.h"
#include "test.h"

struct capture {
	char *text;   /* reports and mismatch output (opt.err) */
	size_t len;
	char *views;  /* every kmm_show() view before teardown */
	size_t vlen;
	int rc;
	struct kmm_exec_result res;
};

static void append_view(void *ctx, const char *text, size_t len)
{
	FILE *f = ctx;

	fwrite(text, 1, len, f);
}

static void show_all(struct kmm *k, void *ctx)
{
	FILE *f = ctx;

	for (unsigned v = 0; v < KMM_NR_VIEWS; v++) {
		fprintf(f, "== %s\n", kmm_view_name((enum kmm_view)v));
		kmm_show(k, (enum kmm_view)v, append_view, f);
	}
}

static void run_capture(const struct kmm_program *p, struct capture *c)
{
	struct kmm_exec_options opt;
	FILE *err, *views;

	memset(c, 0, sizeof(*c));
	err = open_memstream(&c->text, &c->len);
	views = open_memstream(&c->views, &c->vlen);
	if (!err || !views) {
		CHECK(err && views);
		return;
	}
	memset(&opt, 0, sizeof(opt));
	opt.err = err;               /* reports are echoed here */
	opt.before_teardown = show_all;
	opt.ctx = views;
	c->rc = kmm_exec_run(p, &opt, &c->res);
	fclose(err);
	fclose(views);
}

static void capture_free(struct capture *c)
{
	free(c->text);
	free(c->views);
}

/* clean: the run must also pass (hand-built programs); decoded ones only
 * have to repeat themselves, mismatch report included. */
static void expect_same(const struct kmm_program *p, bool clean)
{
	struct capture a, b;

	run_capture(p, &a);
	run_capture(p, &b);
	CHECK(a.rc == 0 || (!clean && a.rc == 1));
	if (a.rc)
		fprintf(stderr, "  %s\n  %s\n", a.res.signature, a.res.detail);
	CHECK_EQ(a.rc, b.rc);
	CHECK(strcmp(a.res.signature, b.res.signature) == 0);
	CHECK(strcmp(a.res.detail, b.res.detail) == 0);
	CHECK_EQ(a.res.ops_run, b.res.ops_run);
	CHECK_EQ(a.res.allocs_ok, b.res.allocs_ok);
	CHECK_EQ(a.res.allocs_failed, b.res.allocs_failed);
	CHECK_EQ(a.res.frees, b.res.frees);
	CHECK_EQ(a.res.misuses_reported, b.res.misuses_reported);
	CHECK(a.len == b.len && (a.len == 0 || memcmp(a.text, b.text, a.len) == 0));
	CHECK(a.rc != 0 || a.vlen > 0); /* views are taken only when the run gets to teardown */
	CHECK(a.vlen == b.vlen && (a.vlen == 0 || memcmp(a.views, b.views, a.vlen) == 0));
	capture_free(&a);
	capture_free(&b);
}

/* ---- programs -------------------------------------------------------------- */

static struct kmm_program prog, prog2;

static struct kmm_op *op_new(struct kmm_program *p, enum kmm_op_code code)
{
	struct kmm_op *op = &p->ops[p->nr_ops++];

	memset(op, 0, sizeof(*op));
	op->code = (uint8_t)code;
	op->node = -1;
	return op;
}

static uint32_t op_alloc(struct kmm_program *p, unsigned order, kmm_gfp_t gfp, int node)
{
	struct kmm_op *op = op_new(p, KMM_OP_ALLOC_PAGES);

	op->order = (uint8_t)order;
	op->gfp = gfp;
	op->node = (int8_t)node;
	op->handle = ++p->nr_handles;
	return op->handle;
}

/* Two nodes, two CPUs each; policies, drains, failures (with their Mem-Info
 * reports) and misuse (with BUG reports). */
static void build(struct kmm_program *p, uint64_t seed)
{
	struct kmm_config cfg;
	uint64_t x = 0x1234567;
	uint32_t live[256], nr_live = 0;
	struct kmm_op *op;

	memset(p, 0, sizeof(*p));
	kmm_config_init(&cfg, 2, 2048);
	p->hdr.nr_nodes = 2;
	p->hdr.nr_cpus = 4;
	p->hdr.seed = seed;
	p->hdr.debug_level = 1;
	p->hdr.flags = KMM_PROG_MISUSE;
	for (unsigned n = 0; n < 2; n++)
		memcpy(p->hdr.zones[n], cfg.nodes[n].zones, sizeof(p->hdr.zones[n]));
	op = op_new(p, KMM_OP_SET_POLICY);
	op->mode = KMM_MPOL_INTERLEAVE;
	op->nodes = 0x3;
	for (int i = 0; i < 600; i++) {
		unsigned r;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		r = (unsigned)(x >> 33);
		if (nr_live < 256 && (r % 10 < 5 || nr_live == 0)) {
			static const kmm_gfp_t gfps[] = { KMM_GFP_KERNEL, KMM_GFP_ATOMIC | KMM___GFP_NOWARN,
							  KMM_GFP_HIGHUSER_MOVABLE, KMM_GFP_KERNEL | KMM___GFP_ZERO,
							  KMM_GFP_KERNEL | KMM___GFP_DMA32 };
			live[nr_live++] = op_alloc(p, (r >> 4) % 6, gfps[(r >> 8) % 5], (r >> 12) % 7 == 0 ? 1 : -1);
		} else if (r % 10 < 8) {
			uint32_t j = (r >> 4) % nr_live;

			op_new(p, KMM_OP_FREE_PAGES)->handle = live[j];
			live[j] = live[--nr_live];
		} else if (r % 10 == 8) {
			op = op_new(p, KMM_OP_SET_CPU);
			op->cpu = (uint8_t)((r >> 4) % 4);
		} else {
			op = op_new(p, (r >> 4) % 3 ? KMM_OP_DRAIN : KMM_OP_CHECK);
			op->cpu = (r >> 6) % 2 ? KMM_DRAIN_ALL : (uint8_t)((r >> 7) % 4);
		}
	}
	/* Big requests that fail with a report, and one misuse of each kind that
	 * needs no live handle state beyond the last one. */
	op_alloc(p, 10, KMM_GFP_KERNEL | KMM___GFP_THISNODE, 0);
	op_alloc(p, 10, KMM_GFP_KERNEL | KMM___GFP_THISNODE, 0);
	op = op_new(p, KMM_OP_MISUSE);
	op->mode = KMM_MISUSE_FOREIGN_PFN;
	op->arg = 42;
	if (nr_live) {
		op = op_new(p, KMM_OP_MISUSE);
		op->mode = KMM_MISUSE_MISALIGNED;
		op->handle = live[0];
		op->arg = 8;
	}
}

TEST(hand_built_two_seeds)
{
	build(&prog, 1);
	expect_same(&prog, true);
	build(&prog2, 0xfeedfacecafef00dull);
	CHECK(prog.hdr.seed != prog2.hdr.seed);
	expect_same(&prog2, true);
}

TEST(decoded_programs_two_seeds)
{
	uint8_t bytes[2048];
	uint64_t x = 99;

	for (int round = 0; round < 6; round++) {
		for (size_t i = 0; i < sizeof(bytes); i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			bytes[i] = (uint8_t)(x >> 56);
		}
		kmm_program_decode(bytes, sizeof(bytes), round % 2 ? KMM_PROGRAM_NUMA : KMM_PROGRAM_PAGES, &prog);
		expect_same(&prog, false);
		prog2 = prog;
		prog2.hdr.seed = prog.hdr.seed ^ 0x9e3779b97f4a7c15ull;
		expect_same(&prog2, false);
	}
}

/* A program printed as text and parsed back runs identically. */
TEST(text_round_trip_runs_the_same)
{
	struct capture a, b;
	size_t n;
	char *text, err[200];

	build(&prog, 3);
	n = kmm_program_format(&prog, UINT32_MAX, NULL, 0);
	text = malloc(n + 1);
	REQUIRE(text);
	kmm_program_format(&prog, UINT32_MAX, text, n + 1);
	CHECK_EQ(kmm_program_parse(text, n, &prog2, err, sizeof(err)), 0);
	free(text);
	run_capture(&prog, &a);
	run_capture(&prog2, &b);
	CHECK_EQ(a.rc, 0);
	CHECK_EQ(b.rc, 0);
	CHECK(a.len == b.len && (a.len == 0 || memcmp(a.text, b.text, a.len) == 0));
	CHECK(a.vlen == b.vlen && memcmp(a.views, b.views, a.vlen) == 0);
	capture_free(&a);
	capture_free(&b);
}

int main(void)
{
	RUN(hand_built_two_seeds);
	RUN(decoded_programs_two_seeds);
	RUN(text_round_trip_runs_the_same);
	return test_summary();
}
