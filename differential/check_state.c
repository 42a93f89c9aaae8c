// SPDX-License-Identifier: MIT
/*
 * Whole-system checks: what the target reports about its zones against the
 * model, at creation, after ops, at full checks and at teardown.
 *
 * Counters: the model counts pcp pages as free, so a zone's
 * kmm_zone_info().free_pages + pcp_pages must equal the model's free pages
 * at every point. Free lists: only after a drain-all are the buddy lists
 * fully coalesced, and then every zone's free blocks per order (summed over
 * migrate types) must be the model's canonical decomposition exactly.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "exec_internal.h"

/* Every function here compares the target with the model: no sanitizer-coverage instrumentation under clang's fuzzer builds
 * (a check's branches are a pass, or a fail that ends the run, so they guide
 * nothing, and their edges cost every execution; see KMM_NO_COVERAGE in
 * allocators/page/internal.h). */
EXEC_NO_COVERAGE_BEGIN

static int zone_info_(struct exec *x, unsigned nid, enum kmm_zone_type zone, struct kmm_zone_info *zi)
{
	if (x->t->zone_info(x->k, (int)nid, zone, zi) != 0)
		return exec_failf(x, "api", "kmm_zone_info() == 0 for an existing zone",
				  "it failed for node %u zone %s", nid, kmm_zone_name(zone));
	return 0;
}

/*
 * A zone's free and pcp pages, the two numbers the per-op checks compare.
 * When the target's zone_info is libkmm's own, its O(1) twin
 * kmm_zone_counts() gives the same two numbers without filling the whole
 * view (every order x type count, watermarks, protection); any other
 * target's zone_info answers, so a test's faulty hook is always the one
 * asked. Full checks and teardown read the whole view either way.
 */
static int zone_counts_(struct exec *x, unsigned nid, enum kmm_zone_type zone, uint64_t *free_pages,
			uint64_t *pcp_pages)
{
	struct kmm_zone_info zi;

	if (x->t->zone_info == kmm_zone_info)
		return kmm_zone_counts(x->k, (int)nid, zone, free_pages, pcp_pages);
	if (x->t->zone_info(x->k, (int)nid, zone, &zi) != 0)
		return -1;
	*free_pages = zi.free_pages;
	*pcp_pages = zi.pcp_pages;
	return 0;
}

uint64_t exec_pcp_pages(void *ctx, unsigned nid, enum kmm_zone_type zone)
{
	struct exec *x = ctx;
	uint64_t free_pages, pcp_pages;

	/* Only the walk-order judgement asks; an error there reads as "no pcp". */
	if (zone_counts_(x, nid, zone, &free_pages, &pcp_pages) != 0)
		return 0;
	return pcp_pages;
}

static int counts_match_(struct exec *x, unsigned nid, enum kmm_zone_type zone, uint64_t free_pages,
			 uint64_t pcp_pages)
{
	const struct kmm_model_zone *mz = kmm_model_zone(x->m, nid, zone);
	char exp[160];

	if (free_pages + pcp_pages == mz->free_pages)
		return 0;
	snprintf(exp, sizeof(exp), "node %u zone %s: free + pcp pages = %" PRIu64 " (the model's free pages)",
		 nid, kmm_zone_name(zone), mz->free_pages);
	return exec_failf(x, "counters", exp, "free %" PRIu64 " + pcp %" PRIu64 " = %" PRIu64, free_pages,
			  pcp_pages, free_pages + pcp_pages);
}

static int counters_(struct exec *x, unsigned nid, enum kmm_zone_type zone, const struct kmm_zone_info *zi)
{
	return counts_match_(x, nid, zone, zi->free_pages, zi->pcp_pages);
}

int exec_check_zone(struct exec *x, unsigned nid, enum kmm_zone_type zone)
{
	uint64_t free_pages, pcp_pages;

	if (zone_counts_(x, nid, zone, &free_pages, &pcp_pages) != 0)
		return exec_failf(x, "api", "kmm_zone_info() == 0 for an existing zone",
				  "it failed for node %u zone %s", nid, kmm_zone_name(zone));
	return counts_match_(x, nid, zone, free_pages, pcp_pages);
}

int exec_check_all_zones(struct exec *x)
{
	for (unsigned n = 0; n < kmm_model_nr_nodes(x->m); n++)
		for (unsigned t = 0; t < KMM_NR_ZONES; t++)
			if (kmm_model_zone(x->m, n, (enum kmm_zone_type)t)->spanned &&
			    exec_check_zone(x, n, (enum kmm_zone_type)t))
				return 1;
	return 0;
}

int exec_check_reports(struct exec *x, uint64_t expected_bad_pages, bool misuse)
{
	uint64_t bad = x->t->report_count(x->k, KMM_REPORT_BAD_PAGE);
	uint64_t chk = x->t->report_count(x->k, KMM_REPORT_CHECK);
	uint64_t delta = bad - x->bad_pages;

	x->bad_pages = bad;
	if (chk != x->check_reports) {
		uint64_t n = chk - x->check_reports;

		x->check_reports = chk;
		return exec_failf(x, "page_check", "no invariant violation reported by the library",
				  "%" PRIu64 " KMM_REPORT_CHECK report(s) during the op", n);
	}
	if (delta == expected_bad_pages)
		return 0;
	if (misuse) {
		char exp[80];

		snprintf(exp, sizeof(exp), "%" PRIu64 " BAD_PAGE report(s) for this misuse", expected_bad_pages);
		return exec_failf(x, "misuse", exp, "%" PRIu64 " report(s)", delta);
	}
	return exec_failf(x, "bad-page", "no BAD_PAGE report (no misuse happened)",
			  "%" PRIu64 " BAD_PAGE report(s)", delta);
}

/* ---- creation ------------------------------------------------------------------ */

static int layout_(struct exec *x, unsigned n, enum kmm_zone_type t, const struct kmm_zone_info *zi,
		   const struct kmm_model_zone *mz)
{
	char exp[200];

	if (zi->spanned_pages == mz->spanned_pages && zi->present_pages == mz->present_pages &&
	    zi->managed_pages == mz->managed_pages && zi->populated == (mz->managed_pages > 0) &&
	    (!mz->spanned || zi->start_pfn == mz->start_pfn))
		return 0;
	snprintf(exp, sizeof(exp),
		 "node %u zone %s: start %" PRIu32 " spanned %" PRIu32 " present %" PRIu32 " managed %" PRIu32,
		 n, kmm_zone_name(t), mz->start_pfn, mz->spanned_pages, mz->present_pages,
		 mz->managed_pages);
	return exec_failf(x, "layout", exp,
			  "start %" PRIu32 " spanned %" PRIu32 " present %" PRIu32 " managed %" PRIu32
			  " populated %d",
			  zi->start_pfn, zi->spanned_pages, zi->present_pages, zi->managed_pages,
			  (int)zi->populated);
}

static int watermarks_(struct exec *x, unsigned n, enum kmm_zone_type t, const struct kmm_zone_info *zi,
		       const struct kmm_model_zone *mz)
{
	char exp[320], act[320];
	bool same = zi->wmark_min == mz->wmark_min && zi->wmark_low == mz->wmark_low &&
		    zi->wmark_high == mz->wmark_high;

	for (unsigned j = 0; j < KMM_NR_ZONES; j++)
		same &= zi->lowmem_reserve[j] == mz->lowmem_reserve[j];
	if (same)
		return 0;
	snprintf(exp, sizeof(exp),
		 "node %u zone %s: min %" PRIu64 " low %" PRIu64 " high %" PRIu64 " protection (%" PRIu64
		 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ") [min_free_kbytes %" PRIu64 "]",
		 n, kmm_zone_name(t), mz->wmark_min, mz->wmark_low, mz->wmark_high, mz->lowmem_reserve[0],
		 mz->lowmem_reserve[1], mz->lowmem_reserve[2], mz->lowmem_reserve[3], mz->lowmem_reserve[4],
		 kmm_model_min_free_kbytes(x->m));
	snprintf(act, sizeof(act),
		 "min %" PRIu64 " low %" PRIu64 " high %" PRIu64 " protection (%" PRIu64 ", %" PRIu64
		 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ")",
		 zi->wmark_min, zi->wmark_low, zi->wmark_high, zi->lowmem_reserve[0], zi->lowmem_reserve[1],
		 zi->lowmem_reserve[2], zi->lowmem_reserve[3], zi->lowmem_reserve[4]);
	return exec_fail(x, "watermarks", exp, act);
}

int exec_check_created(struct exec *x)
{
	for (unsigned n = 0; n < kmm_model_nr_nodes(x->m); n++) {
		for (unsigned t = 0; t < KMM_NR_ZONES; t++) {
			const struct kmm_model_zone *mz = kmm_model_zone(x->m, n, (enum kmm_zone_type)t);
			struct kmm_zone_info zi;

			if (zone_info_(x, n, (enum kmm_zone_type)t, &zi) ||
			    layout_(x, n, (enum kmm_zone_type)t, &zi, mz))
				return 1;
			if (mz->managed_pages && watermarks_(x, n, (enum kmm_zone_type)t, &zi, mz))
				return 1;
			if (mz->spanned && counters_(x, n, (enum kmm_zone_type)t, &zi))
				return 1;
			x->start_free[n][t] = zi.free_pages + zi.pcp_pages;
		}
	}
	return exec_check_reports(x, 0, false);
}

/* ---- full check ------------------------------------------------------------------- */

/*
 * Free blocks per order (all migrate types) against the model. exact[o] must
 * match; flex blocks (see kmm_model_free_blocks) may appear split into any
 * orders between pageblock_order and their own: what the lists hold beyond
 * exact[] must add up to their pages and fit into them order by order.
 */
static bool free_lists_match_(const uint64_t have[KMM_NR_ORDERS], const uint64_t exact[KMM_NR_ORDERS],
			      const uint64_t flex[KMM_NR_ORDERS])
{
	uint64_t extra_pages = 0, flex_pages = 0;

	for (int o = KMM_MAX_ORDER; o >= 0; o--) {
		if (have[o] < exact[o])
			return false;
		extra_pages += (have[o] - exact[o]) << o;
		flex_pages += flex[o] << o;
		/* blocks of order >= o beyond exact[] must lie in flex blocks of order >= o */
		if (extra_pages > flex_pages)
			return false;
	}
	return extra_pages == flex_pages;
}

static void orders_text_(char *buf, size_t len, const uint64_t v[KMM_NR_ORDERS])
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned o = 0; o < KMM_NR_ORDERS && used < len; o++)
		used += (size_t)snprintf(buf + used, len - used, " %" PRIu64, v[o]);
}

/* After a drain: no pcp pages, and the free lists are the canonical decomposition. */
static int free_lists_(struct exec *x, unsigned n, enum kmm_zone_type t, const struct kmm_zone_info *zi)
{
	uint64_t exact[KMM_NR_ORDERS], flex[KMM_NR_ORDERS], have[KMM_NR_ORDERS], any_flex = 0;
	char e1[200], e2[200], act[200], exp[640];

	if (zi->pcp_pages)
		return exec_failf(x, "counters", "no pcp pages right after drain_all_pages()",
				  "node %u zone %s still has %" PRIu64 " pcp pages", n, kmm_zone_name(t),
				  zi->pcp_pages);
	kmm_model_free_blocks(x->m, n, t, exact, flex);
	for (unsigned o = 0; o < KMM_NR_ORDERS; o++) {
		have[o] = 0;
		for (unsigned mt = 0; mt < KMM_MIGRATE_TYPES; mt++)
			have[o] += zi->nr_free[o][mt];
		any_flex |= flex[o];
	}
	if (free_lists_match_(have, exact, flex))
		return 0;
	orders_text_(e1, sizeof(e1), exact);
	orders_text_(e2, sizeof(e2), flex);
	orders_text_(act, sizeof(act), have);
	if (any_flex)
		snprintf(exp, sizeof(exp),
			 "node %u zone %s free blocks per order 0..10 (fully coalesced):%s, plus blocks "
			 "that may be split at HIGHATOMIC pageblock edges:%s", n, kmm_zone_name(t), e1, e2);
	else
		snprintf(exp, sizeof(exp), "node %u zone %s free blocks per order 0..10 (fully coalesced):%s",
			 n, kmm_zone_name(t), e1);
	return exec_failf(x, "nr_free", exp, "%s", act);
}

static int highatomic_(struct exec *x, unsigned n, enum kmm_zone_type t, const struct kmm_zone_info *zi)
{
	uint64_t bound = kmm_model_highatomic_bound(x->m, n, t);
	char exp[160];

	if (zi->nr_reserved_highatomic <= bound)
		return 0;
	snprintf(exp, sizeof(exp),
		 "node %u zone %s: at most %" PRIu64 " pages of HIGHATOMIC reserve (pageblocks that "
		 "took non-blocking high-order allocations, capped at ~1%%)",
		 n, kmm_zone_name(t), bound);
	return exec_failf(x, "highatomic", exp, "nr_reserved_highatomic %" PRIu64,
			  zi->nr_reserved_highatomic);
}

static int page_check_(struct exec *x, const char *when)
{
	long v = x->t->page_check(x->k);
	char exp[96];

	x->check_reports = x->t->report_count(x->k, KMM_REPORT_CHECK);
	if (v == 0)
		return 0;
	snprintf(exp, sizeof(exp), "kmm_page_check() == 0 %s", when);
	return exec_failf(x, "page_check", exp, "%ld violation(s) (reported through the sink)", v);
}

/*
 * Live patterns at a full check. Small programs verify every live block.
 * Big ones (see full_every) verify a rotating eighth of the live list per
 * full check: every block is still verified before it is freed, and one
 * that lives across eight full checks has been read back in between; the
 * cold-cache reads of all live memory would otherwise cost more than
 * everything else the checked run does.
 */
static int verify_live_(struct exec *x)
{
	uint32_t n, start = 0;

	exec_live_sweep(x);
	n = x->nr_live;
	if (x->nr_ops > EXEC_BIG_PROGRAM_OPS && n > 64) {
		n = (x->nr_live + 7) / 8;
		start = x->verify_cursor % x->nr_live;
		x->verify_cursor = start + n;
	}
	for (uint32_t i = 0; i < n; i++)
		if (exec_pattern_verify(x, x->live[(start + i) % x->nr_live], "at a full check"))
			return 1;
	return 0;
}

/* Every spanned zone: its info, its counters against the model's, then
 * one more check (extra). 1 at the first failure. */
static int zones_check_(struct exec *x, int (*extra)(struct exec *, unsigned, enum kmm_zone_type,
						      const struct kmm_zone_info *))
{
	unsigned nr_nodes = kmm_model_nr_nodes(x->m);

	for (unsigned n = 0; n < nr_nodes; n++) {
		for (unsigned t = 0; t < KMM_NR_ZONES; t++) {
			struct kmm_zone_info zi;

			if (!kmm_model_zone(x->m, n, (enum kmm_zone_type)t)->spanned)
				continue;
			if (zone_info_(x, n, (enum kmm_zone_type)t, &zi) ||
			    counters_(x, n, (enum kmm_zone_type)t, &zi) || extra(x, n, (enum kmm_zone_type)t, &zi))
				return 1;
		}
	}
	return 0;
}

int exec_full_check(struct exec *x)
{
	/* Nothing called the target since the last full check: same state. */
	if (!x->dirty)
		return 0;
	x->dirty = false;
	if (page_check_(x, "at a full check"))
		return 1;
	if (verify_live_(x))
		return 1;
	if (zones_check_(x, highatomic_))
		return 1;
	x->t->drain_all_pages(x->k);
	if (zones_check_(x, free_lists_))
		return 1;
	return exec_check_reports(x, 0, false);
}

/* ---- teardown ------------------------------------------------------------------------ */

int exec_teardown_checks(struct exec *x)
{
	unsigned nr_nodes = kmm_model_nr_nodes(x->m);

	/* In handle order, so the run is the same whatever the live list's order. */
	for (uint32_t id = 1; id <= x->nr_handles; id++) {
		struct exec_handle *h = &x->handles[id];

		if (!h->live)
			continue;
		if (exec_pattern_verify(x, id, "before the teardown free"))
			return 1;
		x->t->free_pages(x->k, h->page, h->order);
		kmm_model_free(x->m, h->pfn, h->order);
		h->live = false;
		x->res->frees++;
	}
	x->nr_live = 0;
	if (exec_check_reports(x, 0, false))
		return 1;
	x->t->drain_all_pages(x->k);
	if (!x->t->fully_coalesced(x->k))
		return exec_fail(x, "coalesced", "kmm_page_fully_coalesced() after freeing everything",
				 "false: pcp pages left or free buddies not merged");
	for (unsigned n = 0; n < nr_nodes; n++) {
		for (unsigned t = 0; t < KMM_NR_ZONES; t++) {
			struct kmm_zone_info zi;
			char exp[128];

			if (!kmm_model_zone(x->m, n, (enum kmm_zone_type)t)->spanned)
				continue;
			if (zone_info_(x, n, (enum kmm_zone_type)t, &zi))
				return 1;
			if (zi.free_pages != x->start_free[n][t] || zi.pcp_pages) {
				snprintf(exp, sizeof(exp), "node %u zone %s: free pages back to %" PRIu64
					 ", no pcp pages", n, kmm_zone_name((enum kmm_zone_type)t),
					 x->start_free[n][t]);
				return exec_failf(x, "teardown", exp, "free %" PRIu64 ", pcp %" PRIu64,
						  zi.free_pages, zi.pcp_pages);
			}
			if (free_lists_(x, n, (enum kmm_zone_type)t, &zi))
				return 1;
		}
	}
	if (page_check_(x, "after freeing everything"))
		return 1;
	return exec_check_reports(x, 0, false);
}

EXEC_NO_COVERAGE_END
