// SPDX-License-Identifier: MIT
/*
 * The op program's pcp sizes reach the system the executor builds, and a
 * program with pcp_high=1 pcp_batch=1 at debug level 0 runs libkmm in the
 * buddy path's mode (k->direct_pfns, set by update_fast_bounds_() in
 * allocators/page/pcp.c), where kmm_alloc_pages / kmm_free_pages take
 * alloc_pages_direct_ and free_pages_direct_.
 *
 * The executor is run through a page target that wraps libkmm's: its
 * alloc_pages and free_pages hooks note, before calling libkmm, whether the
 * system is in the mode at that moment, and before_teardown reads each
 * zone's pcp sizes back (kmm_zone_info) and the mode itself (internal.h, as
 * test_buddy_path.c does). Block tracking (always on under the asan
 * preset, on under valgrind while it runs) does not rule the mode out: the
 * direct paths deliver the tracking events, so the mode is required there
 * too, and the fuzzers reach it under ASan.
 *
 * A program of a few hundred alloc_pages / free_pages of orders 0-3 with
 * GFP_KERNEL and GFP_HIGHUSER_MOVABLE (the pcp orders and both pcp
 * migrate types), writes, verifies, drains and checks, given as text, must
 * pass every executor check:
 *   - with 1/1 in text: every alloc and free ran in the mode;
 *   - the same program on two nodes through the binary form (encode,
 *     decode as fuzz_numa does; fuzz_pages's bytes carry no pcp sizes):
 *     the same;
 *   - with the pcp keys taken out: the formula sizes, never the mode (so
 *     the check above cannot pass by accident);
 *   - with 37/5: those sizes per zone, not the mode;
 *   - 1/1 at debug level 1: the sizes, not the mode (the mode is debug 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/page/internal.h"
#include "../allocators/page/track.h"
#include "../differential/executor.h"
#include "test.h"

/* ---- the observing target ------------------------------------------------------------ */

static struct kmm_page_target observer;
static unsigned long calls_in_mode, calls_out_of_mode;

static void note_mode(const struct kmm *k)
{
	if (k->direct_pfns != 0 && k->direct_pfns == k->total_pages)
		calls_in_mode++;
	else
		calls_out_of_mode++;
}

static struct kmm_page *obs_alloc_pages(struct kmm *k, kmm_gfp_t gfp, unsigned order)
{
	note_mode(k);
	return kmm_page_target_libkmm()->alloc_pages(k, gfp, order);
}

static struct kmm_page *obs_alloc_pages_node(struct kmm *k, int nid, kmm_gfp_t gfp, unsigned order)
{
	note_mode(k);
	return kmm_page_target_libkmm()->alloc_pages_node(k, nid, gfp, order);
}

static void obs_free_pages(struct kmm *k, struct kmm_page *page, unsigned order)
{
	note_mode(k);
	kmm_page_target_libkmm()->free_pages(k, page, order);
}

/* What before_teardown saw. */
struct seen {
	bool called, tracking;
	kmm_pfn_t direct_pfns, total_pages;
	unsigned zones;                /* populated zones */
	unsigned zones_high_batch_ok;  /* ... whose pcp sizes were the wanted ones */
	uint32_t high, batch;          /* the last populated zone's */
	uint32_t want_high, want_batch;
};

static void before_teardown(struct kmm *k, void *ctx)
{
	struct seen *s = ctx;

	s->called = true;
	s->tracking = kmm_tracking(k);
	s->direct_pfns = k->direct_pfns;
	s->total_pages = k->total_pages;
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (unsigned z = 0; z < KMM_NR_ZONES; z++) {
			struct kmm_zone_info zi;

			if (kmm_zone_info(k, (int)n, (enum kmm_zone_type)z, &zi) || !zi.populated)
				continue;
			s->zones++;
			s->high = zi.pcp_high;
			s->batch = zi.pcp_batch;
			s->zones_high_batch_ok += zi.pcp_high == s->want_high && zi.pcp_batch == s->want_batch;
		}
	}
}

/* ---- the program --------------------------------------------------------------------- */

static struct kmm_program *prog, *prog2;
static char text[64 * 1024];

/* A fixed pseudo-random program: 360 ops after the header line `system`. */
static void build_text(const char *system)
{
	static const char *const gfps[] = { "GFP_KERNEL", "GFP_HIGHUSER_MOVABLE",
					    "GFP_KERNEL|__GFP_ZERO", "GFP_HIGHUSER_MOVABLE|__GFP_ZERO" };
	uint32_t live[512], nr_live = 0, next = 0;
	uint64_t x = 0x70637062756464ull; /* the stream's seed */
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "%s\nzone node=0 DMA32 pages=512\nzone node=0 Normal pages=1024\n\n", system);
	for (unsigned i = 0; i < 360; i++) {
		unsigned r;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		r = (unsigned)(x >> 33);
		if (nr_live == 0 || (r % 100 < 55 && nr_live < 512)) {
			live[nr_live++] = ++next;
			n += (size_t)snprintf(text + n, sizeof(text) - n, "alloc_pages h%u order=%u gfp=%s\n",
					      next, r / 100 % 4, gfps[r / 400 % 4]);
		} else if (r % 100 < 90) {
			uint32_t idx = r / 100 % nr_live;

			n += (size_t)snprintf(text + n, sizeof(text) - n, "free_pages h%u\n", live[idx]);
			live[idx] = live[--nr_live];
		} else if (r % 100 < 94) {
			uint32_t h = live[r / 100 % nr_live];

			n += (size_t)snprintf(text + n, sizeof(text) - n, "write h%u\nverify h%u\n", h, h);
		} else if (r % 100 < 96) {
			n += (size_t)snprintf(text + n, sizeof(text) - n, "set_cpu %u\n", r / 100 % 2);
		} else if (r % 100 < 98) {
			n += (size_t)snprintf(text + n, sizeof(text) - n, "drain all\n");
		} else {
			n += (size_t)snprintf(text + n, sizeof(text) - n, "check\n");
		}
	}
	snprintf(text + n, sizeof(text) - n, "check\n");
}

static int parse(struct kmm_program *p)
{
	char err[256];
	int rc = kmm_program_parse(text, strlen(text), p, err, sizeof(err));

	if (rc)
		fprintf(stderr, "parse: %s\n", err);
	return rc;
}

/* Run p through the executor on the observing target; 0 when it passed. */
static int run(const struct kmm_program *p, struct seen *s, struct kmm_exec_result *res)
{
	struct kmm_exec_options opt;
	int rc;

	observer = *kmm_page_target_libkmm();
	observer.name = "libkmm-observed";
	observer.alloc_pages = obs_alloc_pages;
	observer.alloc_pages_node = obs_alloc_pages_node;
	observer.free_pages = obs_free_pages;
	calls_in_mode = calls_out_of_mode = 0;
	memset(&opt, 0, sizeof(opt));
	opt.target = &observer;
	opt.quiet_reports = true;
	opt.before_teardown = before_teardown;
	opt.ctx = s;
	rc = kmm_exec_run(p, &opt, res);
	if (rc)
		fprintf(stderr, "  executor: rc %d %s\n  %s\n", rc, res->signature, res->detail);
	return rc;
}

/* The run saw the wanted pcp sizes in every zone, and the mode exactly when
 * `mode`. */
static void check_run(const struct kmm_program *p, uint32_t high, uint32_t batch, bool mode)
{
	struct kmm_exec_result res;
	struct seen s;
	unsigned zones = 0;

	for (unsigned n = 0; n < p->hdr.nr_nodes; n++)
		for (unsigned z = 0; z < KMM_NR_ZONES; z++)
			zones += p->hdr.zones[n][z].spanned_pages != 0;
	memset(&s, 0, sizeof(s));
	s.want_high = high;
	s.want_batch = batch;
	CHECK_EQ(run(p, &s, &res), 0);
	CHECK(s.called);
	CHECK(zones >= 2);
	CHECK_EQ(s.zones, zones);
	CHECK_EQ(s.zones_high_batch_ok, s.zones);
	if (s.zones_high_batch_ok != s.zones)
		fprintf(stderr, "  pcp high %u batch %u, wanted %u / %u\n", (unsigned)s.high,
			(unsigned)s.batch, (unsigned)high, (unsigned)batch);
	CHECK(res.allocs_ok > 100);
	CHECK(res.frees > 100);
	CHECK_EQ(calls_in_mode + calls_out_of_mode, res.allocs_ok + res.allocs_failed + res.frees);
	if (mode) {
		CHECK_EQ(s.direct_pfns, s.total_pages);
		CHECK_EQ(calls_out_of_mode, 0);
		CHECK(calls_in_mode > 200);
	} else {
		CHECK_EQ(s.direct_pfns, 0);
		CHECK_EQ(calls_in_mode, 0);
	}
}

TEST(text_one_one_runs_in_the_buddy_path_mode)
{
	build_text("system nodes=1 cpus=2 seed=0x1 debug=0 pcp_high=1 pcp_batch=1");
	REQUIRE(parse(prog) == 0);
	CHECK_EQ(prog->hdr.pcp_high, 1);
	CHECK_EQ(prog->hdr.pcp_batch, 1);
	CHECK(prog->nr_ops >= 360);
	check_run(prog, 1, 1, true);
}

TEST(binary_one_one_runs_in_the_buddy_path_mode)
{
	static uint8_t bytes[64 * 1024];
	char why[256];
	size_t n;

	build_text("system nodes=2 cpus=2 seed=0x2 pcp_high=1 pcp_batch=1");
	REQUIRE(parse(prog) == 0);
	n = kmm_program_encode(prog, bytes, sizeof(bytes));
	REQUIRE(n <= sizeof(bytes));
	CHECK((bytes[0] & 0x88) == 0x88); /* H_PCP */
	kmm_program_decode(bytes, n, KMM_PROGRAM_NUMA, prog2);
	CHECK(kmm_program_equal(prog, prog2, why, sizeof(why)) || (fprintf(stderr, "%s\n", why), 0));
	check_run(prog2, 1, 1, true);
}

TEST(formula_sizes_never_the_mode)
{
	struct kmm_exec_result res;
	struct seen s;

	build_text("system nodes=1 cpus=2 seed=0x1 debug=0");
	REQUIRE(parse(prog) == 0);
	CHECK_EQ(prog->hdr.pcp_high, 0);
	memset(&s, 0, sizeof(s));
	CHECK_EQ(run(prog, &s, &res), 0);
	CHECK_EQ(s.zones, 2);
	CHECK(s.high > 1 && s.batch >= 1); /* the formulas: high >= 4 * batch */
	CHECK_EQ(s.direct_pfns, 0);
	CHECK_EQ(calls_in_mode, 0);
	CHECK(calls_out_of_mode > 200);
}

TEST(odd_sizes_reach_every_zone)
{
	build_text("system nodes=1 cpus=2 seed=0x3 pcp_high=37 pcp_batch=5");
	REQUIRE(parse(prog) == 0);
	check_run(prog, 37, 5, false);
	build_text("system nodes=1 cpus=2 seed=0x4 pcp_high=3 pcp_batch=7");
	REQUIRE(parse(prog) == 0);
	check_run(prog, 3, 7, false);
}

TEST(one_one_at_debug_level_one_is_not_the_mode)
{
	build_text("system nodes=1 cpus=2 seed=0x5 debug=1 pcp_high=1 pcp_batch=1");
	REQUIRE(parse(prog) == 0);
	check_run(prog, 1, 1, false);
}

int main(void)
{
	prog = malloc(sizeof(*prog));
	prog2 = malloc(sizeof(*prog2));
	if (!prog || !prog2)
		return 1;
	RUN(text_one_one_runs_in_the_buddy_path_mode);
	RUN(binary_one_one_runs_in_the_buddy_path_mode);
	RUN(formula_sizes_never_the_mode);
	RUN(odd_sizes_reach_every_zone);
	RUN(one_one_at_debug_level_one_is_not_the_mode);
	free(prog);
	free(prog2);
	return test_summary();
}
