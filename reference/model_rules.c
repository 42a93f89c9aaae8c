// SPDX-License-Identifier: MIT
/*
 * The page model's rules: gfp -> zone and watermark rights, the task's memory
 * policy and interleave cursor, and the legality of one allocation (what it
 * may use, when it must succeed, whether a returned block is acceptable).
 * page_model.c's opening comment explains why these rules are sound.
 *
 * Policy resolution follows the kernel's alloc_pages() / alloc_pages_node():
 *  - alloc_pages_node(nid): nid's zonelist, all nodes, no policy;
 *  - alloc_pages() with __GFP_THISNODE: the task policy is ignored (the
 *    kernel uses the default policy), so the local node only, and the
 *    interleave cursor does not move;
 *  - default / local: the local node's zonelist;
 *  - preferred: the preferred node's zonelist (lowest bit of the mask);
 *  - bind: the local node's zonelist filtered by the mask;
 *  - preferred-many: first the mask (local zonelist order), then everything;
 *  - interleave: next_node_in(last, mask) -> that node's zonelist;
 *  - weighted interleave: stay on the last node while its weight lasts, then
 *    next_node_in() with a fresh weight (weight 0 counts as 1).
 * set_mempolicy() resets the cursor, so the first interleaved allocation goes
 * to the lowest node of the mask.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "model_internal.h"

/* ---- gfp ----------------------------------------------------------------- */

enum kmm_zone_type kmm_model_gfp_zone(kmm_gfp_t gfp)
{
	bool dma = gfp & KMM___GFP_DMA, dma32 = gfp & KMM___GFP_DMA32;
	bool high = gfp & KMM___GFP_HIGHMEM, movable = gfp & KMM___GFP_MOVABLE;

	/* At most one of DMA, DMA32, HIGHMEM; MOVABLE only reaches ZONE_MOVABLE
	 * together with HIGHMEM and leaves every other choice alone. */
	if (dma + dma32 + high > 1)
		return KMM_NR_ZONES;
	if (dma)
		return KMM_ZONE_DMA;
	if (dma32)
		return KMM_ZONE_DMA32;
	if (high)
		return movable ? KMM_ZONE_MOVABLE : KMM_ZONE_HIGHMEM;
	return KMM_ZONE_NORMAL;
}

int64_t kmm_model_min_for(uint64_t wmark_min, kmm_gfp_t gfp, bool strict)
{
	int64_t min = (int64_t)wmark_min;
	bool high = gfp & KMM___GFP_HIGH;
	bool blocking = gfp & KMM___GFP_DIRECT_RECLAIM;
	bool nomemalloc = gfp & KMM___GFP_NOMEMALLOC;

	if (strict) {
		/* ALLOC_MIN_RESERVE, and ALLOC_NON_BLOCK on top of it. */
		if (high) {
			min -= min / 2;
			if (!blocking && !nomemalloc)
				min -= min / 4;
		}
		return min;
	}
	if ((gfp & KMM___GFP_MEMALLOC) && !nomemalloc)
		return -1; /* ALLOC_NO_WATERMARKS */
	if (high || (gfp & KMM___GFP_NOFAIL)) {
		min -= min / 2;
		if (!blocking)
			min -= min / 4;
	}
	return min;
}

/* ---- the task ------------------------------------------------------------- */

int kmm_model_set_cpu(struct kmm_model *m, unsigned cpu)
{
	if (cpu >= m->nr_cpus)
		return -EINVAL;
	m->cur_cpu = cpu;
	return 0;
}

unsigned kmm_model_current_cpu(const struct kmm_model *m)
{
	return m->cur_cpu;
}

int kmm_model_set_policy(struct kmm_model *m, enum kmm_mpol_mode mode, kmm_nodemask_t nodes,
			 const uint8_t weights[KMM_MAX_NODES])
{
	kmm_nodemask_t all = (kmm_nodemask_t)((1u << m->nr_nodes) - 1);
	bool weighted = mode == KMM_MPOL_WEIGHTED_INTERLEAVE && weights;

	if ((unsigned)mode >= KMM_MPOL_MAX)
		return -EINVAL;
	if (mode == KMM_MPOL_DEFAULT || mode == KMM_MPOL_LOCAL) {
		nodes = 0; /* ignored */
	} else {
		if (nodes == 0 || (nodes & ~all))
			return -EINVAL;
		/* As set_mempolicy(): only nodes with memory count. */
		nodes &= m->memory_nodes;
		if (nodes == 0)
			return -EINVAL;
		if (mode == KMM_MPOL_PREFERRED)
			nodes &= -nodes; /* lowest bit wins */
		for (unsigned n = 0; weighted && n < KMM_MAX_NODES; n++)
			if ((nodes & (1u << n)) && weights[n] == 0)
				return -EINVAL; /* weights are 1..255 */
	}
	memset(&m->pol, 0, sizeof(m->pol));
	m->pol.mode = mode;
	m->pol.nodes = nodes;
	for (unsigned n = 0; n < KMM_MAX_NODES; n++)
		m->pol.weights[n] = weighted && weights[n] ? weights[n] : 1;
	m->pol.il_prev = -1;
	m->pol.il_weight = 0;
	return 0;
}

const struct kmm_model_policy *kmm_model_policy(const struct kmm_model *m)
{
	return &m->pol;
}

/* next_node_in(): the lowest node of mask above prev, wrapping around. */
static int next_node_in_(int prev, kmm_nodemask_t mask)
{
	for (int n = prev + 1; n < KMM_MAX_NODES; n++)
		if (mask & (1u << n))
			return n;
	for (int n = 0; n < KMM_MAX_NODES; n++)
		if (mask & (1u << n))
			return n;
	return -1;
}

static int interleave_next_(struct kmm_model *m)
{
	struct kmm_model_policy *p = &m->pol;

	if (p->mode == KMM_MPOL_INTERLEAVE) {
		p->il_prev = next_node_in_(p->il_prev, p->nodes);
		return p->il_prev;
	}
	if (p->il_weight == 0 || p->il_prev < 0 || !(p->nodes & (1u << p->il_prev))) {
		p->il_prev = next_node_in_(p->il_prev, p->nodes);
		p->il_weight = p->weights[p->il_prev];
	}
	p->il_weight--;
	return p->il_prev;
}

/* ---- resolving one request ---------------------------------------------------- */

static void walk_from_(struct kmm_model_request *rq, const struct kmm_model *m, unsigned nid,
		       kmm_nodemask_t first, kmm_nodemask_t then)
{
	uint8_t order[KMM_MAX_NODES];
	unsigned n = kmm_model_fallback_order(m, nid, order);

	rq->walk_len = 0;
	for (unsigned i = 0; i < n; i++)
		if (first & (1u << order[i]))
			rq->walk[rq->walk_len++] = order[i];
	for (unsigned i = 0; i < n; i++)
		if ((then & ~first) & (1u << order[i]))
			rq->walk[rq->walk_len++] = order[i];
}

void kmm_model_prepare(struct kmm_model *m, struct kmm_model_request *rq)
{
	kmm_nodemask_t all = (kmm_nodemask_t)((1u << m->nr_nodes) - 1);
	unsigned local = m->cpu_node[m->cur_cpu];
	bool thisnode = rq->gfp & KMM___GFP_THISNODE;
	unsigned pref;

	rq->highest_zone = kmm_model_gfp_zone(rq->gfp);
	rq->interleave_nid = -1;
	rq->nonblocking_pass = false;
	rq->walk_len = 0;
	rq->invalid = rq->highest_zone >= KMM_NR_ZONES || rq->order > KMM_MAX_ORDER ||
		      rq->nid >= (int)m->nr_nodes;

	if (rq->nid >= 0 || thisnode) {
		/* alloc_pages_node(), or alloc_pages() ignoring the policy. */
		pref = rq->nid >= 0 ? (unsigned)rq->nid : local;
		if (pref >= m->nr_nodes) {
			rq->may_nodes = rq->must_nodes = 0;
			return;
		}
		if (thisnode) {
			rq->may_nodes = rq->must_nodes = 1u << pref;
			rq->walk[0] = (uint8_t)pref;
			rq->walk_len = 1;
		} else {
			rq->may_nodes = rq->must_nodes = all;
			walk_from_(rq, m, pref, all, 0);
		}
		return;
	}

	switch (m->pol.mode) {
	case KMM_MPOL_PREFERRED:
		pref = (unsigned)next_node_in_(-1, m->pol.nodes);
		rq->may_nodes = rq->must_nodes = all;
		walk_from_(rq, m, pref, all, 0);
		break;
	case KMM_MPOL_BIND:
		rq->may_nodes = rq->must_nodes = m->pol.nodes;
		walk_from_(rq, m, local, m->pol.nodes, 0);
		break;
	case KMM_MPOL_PREFERRED_MANY:
		rq->may_nodes = rq->must_nodes = all;
		rq->nonblocking_pass = true;
		walk_from_(rq, m, local, m->pol.nodes, all);
		break;
	case KMM_MPOL_INTERLEAVE:
	case KMM_MPOL_WEIGHTED_INTERLEAVE:
		rq->interleave_nid = interleave_next_(m);
		rq->may_nodes = rq->must_nodes = all;
		walk_from_(rq, m, (unsigned)rq->interleave_nid, all, 0);
		break;
	case KMM_MPOL_DEFAULT:
	case KMM_MPOL_LOCAL:
	default:
		rq->may_nodes = rq->must_nodes = all;
		walk_from_(rq, m, local, all, 0);
		break;
	}
}

/* ---- must succeed ----------------------------------------------------------------- */

bool kmm_model_must_succeed(const struct kmm_model *m, const struct kmm_model_request *rq,
			    char *why, size_t len)
{
	unsigned order = rq->order;

	if (rq->invalid)
		return false;
	for (unsigned n = 0; n < m->nr_nodes; n++) {
		if (!(rq->must_nodes & (1u << n)))
			continue;
		for (unsigned t = 0; t <= (unsigned)rq->highest_zone; t++) {
			const struct kmm_model_zone *z = &m->zones[n][t];
			int64_t min, avail, need;
			uint64_t bound;

			if (!z->spanned || z->managed_pages == 0)
				continue;
			bound = kmm_model_highatomic_bound(m, n, (enum kmm_zone_type)t);
			min = kmm_model_min_for(z->wmark_min, rq->gfp, true);
			avail = (int64_t)z->free_pages - (int64_t)((1u << order) - 1) - (int64_t)bound;
			need = min + (int64_t)z->lowmem_reserve[rq->highest_zone];
			if (avail <= need)
				continue;
			if (!kmm_model_has_block(m, n, (enum kmm_zone_type)t, order, true))
				continue;
			if (why)
				snprintf(why, len,
					 "node %u zone %s: free %" PRIu64 " pages (incl. pcp) - %u - "
					 "highatomic bound %" PRIu64 " > min %" PRId64
					 " + protection %" PRIu64 ", and a free aligned order-%u block exists",
					 n, kmm_zone_name((enum kmm_zone_type)t), z->free_pages,
					 (1u << order) - 1, bound, min,
					 z->lowmem_reserve[rq->highest_zone], order);
			return true;
		}
	}
	return false;
}

/* ---- judging a returned block ---------------------------------------------------------- */

/* Could node nid serve the request in the kernel's fast path (low watermark,
 * buddy pages only, nothing taken from HIGHATOMIC candidates)? */
static bool node_feasible_low_(const struct kmm_model *m, const struct kmm_model_request *rq,
			       unsigned nid, kmm_model_pcp_fn pcp_pages, void *ctx, char *why,
			       size_t len)
{
	for (unsigned t = 0; t <= (unsigned)rq->highest_zone; t++) {
		const struct kmm_model_zone *z = &m->zones[nid][t];
		uint64_t pcp, bound, runs;
		int64_t buddy, avail, need;

		if (!z->spanned || z->managed_pages == 0 || z->free_pages < (1u << rq->order))
			continue;
		pcp = pcp_pages ? pcp_pages(ctx, nid, (enum kmm_zone_type)t) : 0;
		bound = kmm_model_highatomic_bound(m, nid, (enum kmm_zone_type)t);
		buddy = (int64_t)z->free_pages - (int64_t)pcp;
		avail = buddy - (int64_t)((1u << rq->order) - 1) - (int64_t)bound;
		need = (int64_t)z->wmark_low + (int64_t)z->lowmem_reserve[rq->highest_zone];
		if (avail <= need)
			continue;
		runs = model_free_runs_(m, z, rq->order);
		if (runs <= pcp)
			continue;
		if (why)
			snprintf(why, len,
				 "node %u zone %s could serve it first: buddy free %" PRId64
				 " - %u - highatomic bound %" PRIu64 " > low %" PRIu64
				 " + protection %" PRIu64 ", %" PRIu64
				 " free aligned order-%u runs > %" PRIu64 " pcp pages",
				 nid, kmm_zone_name((enum kmm_zone_type)t), buddy,
				 (1u << rq->order) - 1, bound, z->wmark_low,
				 z->lowmem_reserve[rq->highest_zone], runs, rq->order, pcp);
		return true;
	}
	return false;
}

enum kmm_model_block kmm_model_judge_block(const struct kmm_model *m,
					   const struct kmm_model_request *rq, kmm_pfn_t pfn,
					   kmm_model_pcp_fn pcp_pages, void *ctx, char *why,
					   size_t len)
{
	unsigned order = rq->order;
	uint64_t npages = order <= KMM_MAX_ORDER ? 1ull << order : 0;
	const struct kmm_model_zone *z;
	int64_t min, avail;
	unsigned pos;

	if (why && len)
		why[0] = 0;
	if (rq->invalid || npages == 0) {
		if (why)
			snprintf(why, len, "the request is invalid (order %u, gfp zone %d, node %d): "
				 "it must fail", order, (int)rq->highest_zone, rq->nid);
		return KMM_MODEL_BLOCK_WATERMARK;
	}
	if (pfn == KMM_PFN_NONE || pfn >= m->total_pages || pfn + npages > m->total_pages) {
		if (why)
			snprintf(why, len, "%" PRIu64 " pages from there are not all inside the arena "
				 "[0, %" PRIu32 ")", npages, m->total_pages);
		return KMM_MODEL_BLOCK_OUTSIDE;
	}
	if (pfn & (npages - 1)) {
		if (why)
			snprintf(why, len, "not aligned to its order");
		return KMM_MODEL_BLOCK_MISALIGNED;
	}
	z = kmm_model_pfn_zone(m, pfn);
	if (!z || kmm_model_pfn_zone(m, (kmm_pfn_t)(pfn + npages - 1)) != z) {
		if (why)
			snprintf(why, len, "the block is not inside one zone");
		return KMM_MODEL_BLOCK_ZONE;
	}
	if (z->idx > rq->highest_zone) {
		if (why)
			snprintf(why, len, "zone %s of node %u is above the request's highest zone %s",
				 kmm_zone_name((enum kmm_zone_type)z->idx), z->node,
				 kmm_zone_name(rq->highest_zone));
		return KMM_MODEL_BLOCK_ZONE;
	}
	if (!(rq->may_nodes & (1u << z->node))) {
		if (why)
			snprintf(why, len, "node %u is not allowed (allowed nodes 0x%" PRIx32 ")",
				 z->node, rq->may_nodes);
		return KMM_MODEL_BLOCK_NODE;
	}
	if (!model_block_free_(m, pfn, order)) {
		uint32_t h = kmm_model_find_overlap(m, pfn, order);

		if (h) {
			if (why)
				snprintf(why, len, "overlaps live handle h%" PRIu32, h);
			return KMM_MODEL_BLOCK_OVERLAP;
		}
		for (kmm_pfn_t p = pfn; p < pfn + npages; p++) {
			if (!kmm_model_pfn_managed(m, p)) {
				if (why)
					snprintf(why, len, "pfn %" PRIu32
						 " is not a managed page (hole, padding or reserved)", p);
				break;
			}
		}
		return KMM_MODEL_BLOCK_UNMANAGED;
	}

	min = kmm_model_min_for(z->wmark_min, rq->gfp, false);
	if (rq->nonblocking_pass) {
		/* preferred-many's first pass asks with fewer rights but may go lower */
		kmm_gfp_t first = (rq->gfp | KMM___GFP_NOWARN) & ~(KMM___GFP_DIRECT_RECLAIM | KMM___GFP_NOFAIL);
		int64_t m1 = kmm_model_min_for(z->wmark_min, first, false);

		if (min >= 0 && (m1 < 0 || m1 < min))
			min = m1;
	}
	avail = (int64_t)z->free_pages - (int64_t)(npages - 1);
	if (min >= 0 && avail <= min + (int64_t)z->lowmem_reserve[rq->highest_zone]) {
		if (why)
			snprintf(why, len,
				 "node %u zone %s was below every watermark the request may use: free %"
				 PRIu64 " (incl. pcp) - %" PRIu64 " <= min %" PRId64 " + protection %" PRIu64,
				 z->node, kmm_zone_name((enum kmm_zone_type)z->idx), z->free_pages,
				 npages - 1, min, z->lowmem_reserve[rq->highest_zone]);
		return KMM_MODEL_BLOCK_WATERMARK;
	}

	/* Node order: no earlier node of the walk could have served it at low. */
	for (pos = 0; pos < rq->walk_len && rq->walk[pos] != z->node; pos++)
		;
	if (pos < rq->walk_len) {
		for (unsigned i = 0; i < pos; i++) {
			char sub[320];

			if (node_feasible_low_(m, rq, rq->walk[i], pcp_pages, ctx, sub, sizeof(sub))) {
				if (why)
					snprintf(why, len, "block on node %u, %s%s", z->node,
						 rq->interleave_nid == rq->walk[i] ? "interleave target: " : "",
						 sub);
				return KMM_MODEL_BLOCK_ORDER;
			}
		}
	}
	return KMM_MODEL_BLOCK_OK;
}
