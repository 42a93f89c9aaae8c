// SPDX-License-Identifier: MIT
/*
 * Per-CPU page lists (the kernel's per_cpu_pages, mm/page_alloc.c).
 *
 * Each populated zone has, for every simulated CPU, one list per (order,
 * migrate type) for orders 0..PAGE_ALLOC_COSTLY_ORDER (3). Allocation pops
 * the head of the matching list and only when it is empty goes to the buddy
 * lists, taking a batch of blocks at once (rmqueue_bulk); freeing pushes on
 * the head (hot) and, once the CPU holds `high` pages or more, gives `batch`
 * pages back to the buddy lists, taking the coldest (tail) blocks round-robin
 * across the lists, starting with the list just freed to (free_pcppages_bulk).
 * Drains empty a list set entirely.
 *
 * Sizes follow the kernel:
 *   batch = zone_batchsize(): managed/1024 capped at 256 (1 MiB) pages, /4,
 *           at least 1, then rounddown_pow_of_two(b + b/2) - 1, and at least
 *           1 when applied;
 *   high  = zone_highsize(): the zone's low watermark split across the CPUs
 *           of the zone's node (all CPUs if the node has none), at least
 *           4 * batch.
 * Non-zero cfg.pcp_batch / cfg.pcp_high replace the formulas. The refill
 * size for order > 0 is max(batch >> order, 2) blocks (kernels before the
 * adaptive pcp scaling of v6.7), one block when batch is 1; the adaptive
 * high/free_factor tuning of newer kernels is left out so that pcp
 * behaviour is a pure function of the operations.
 *
 * The single-threaded fast paths (page_alloc.c, page_free.c) pop and push
 * these lists themselves and count their events in each pcp's fast_alloc
 * / fast_free (internal.h); a free that would reach high goes through the
 * same trim as here, and when the CPU held nothing of the zone before, the
 * block it would trim is the one being freed, which then goes straight to
 * the buddy lists (the same result without the list round trip).
 *
 * Pages on a pcp list are PG_pcp with private_ = order, pcp_cpu = the CPU and
 * migratetype = the list's type; they are not in zone->free_pages. A block
 * from a HIGHATOMIC pageblock is kept on the MOVABLE list (as the kernel
 * does) and returns to its pageblock's list when drained.
 */
#include "assert.h"
#include "freelist.h"
#include "internal.h"
#include "track.h"

static unsigned zone_batchsize_(const struct kmm_zone *z)
{
	uint64_t batch = z->managed_pages >> 10;
	if (batch > (1u << 20) / KMM_PAGE_SIZE)
		batch = (1u << 20) / KMM_PAGE_SIZE;
	batch /= 4;
	if (batch < 1)
		batch = 1;
	/* rounddown_pow_of_two(batch + batch / 2) - 1 */
	uint64_t v = batch + batch / 2, p = 1;
	while (p * 2 <= v)
		p *= 2;
	return (unsigned)(p - 1);
}

static unsigned zone_highsize_(const struct kmm_zone *z, unsigned batch)
{
	const struct kmm *k = z->sys;
	unsigned cpus = 0;
	for (unsigned c = 0; c < k->nr_cpus; c++)
		cpus += k->cfg.cpu_node[c] == z->node;
	if (!cpus)
		cpus = k->nr_cpus;
	uint64_t high = z->wmark[WMARK_LOW] / cpus;
	if (high < (uint64_t)batch << 2)
		high = (uint64_t)batch << 2;
	return high > UINT32_MAX ? UINT32_MAX : (unsigned)high;
}

void pcp_update_(struct kmm_zone *z)
{
	const struct kmm *k = z->sys;
	unsigned batch = k->cfg.pcp_batch;
	if (!batch) {
		batch = zone_batchsize_(z);
		if (batch < 1)
			batch = 1;
	}
	unsigned high = k->cfg.pcp_high ? k->cfg.pcp_high : zone_highsize_(z, batch);
	for (unsigned c = 0; c < k->nr_cpus; c++) {
		z->pcp[c].batch = batch;
		z->pcp[c].high = high;
		/* Tracked frees always take the fast free's out-of-line end. */
		z->pcp[c].fast_high = kmm_tracking(k) ? 0 : high;
	}
}

/*
 * The buddy path's mode: when no pcp list of the system can hold a block
 * (high <= 1 and batch <= 1 everywhere: every refill takes one block and
 * hands it out, every free trims the block it added), the pcp layer only
 * passes blocks through, and kmm_alloc_pages() / kmm_free_pages() go
 * straight to the buddy lists (alloc_pages_direct_, free_pages_direct_),
 * with the fast path's checks, counting and tracking events (Valgrind,
 * ASan, tracepoints: so the checkers and the fuzzers see this code too).
 * Only where the fast path runs (fast_ok) and at debug level 0 (the direct
 * merge skips __free_one_page's asserts).
 */
void update_fast_bounds_(struct kmm *k)
{
	bool direct = k->fast_ok && k->cfg.debug_level == 0;
	for (unsigned n = 0; direct && n < k->nr_nodes; n++) {
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++) {
			const struct per_cpu_pages *pcp = k->nodes[n].zones[zt].pcp;
			for (unsigned c = 0; pcp && c < k->nr_cpus; c++)
				direct &= pcp[c].high <= 1 && pcp[c].batch <= 1;
		}
	}
	k->fast_free_pfns = k->fast_ok && !direct ? k->total_pages : 0;
	k->direct_pfns = direct ? k->total_pages : 0;
}

struct kmm_page *rmqueue_pcp_refill_(struct kmm_zone *z, struct per_cpu_pages *pcp, unsigned cpu,
				     unsigned order, int mt, unsigned alloc_flags)
{
	return rmqueue_bulk_inl_(z, pcp, cpu, order, mt, alloc_flags);
}

void free_pcppages_bulk_(struct kmm_zone *z, struct per_cpu_pages *pcp, uint32_t count, unsigned pindex)
{
	struct kmm *k = z->sys;

	if (count > pcp->count)
		count = pcp->count;
	/* The list at pindex goes first (the kernel's "pindex - 1" start). */
	pindex = pindex ? pindex - 1 : NR_PCP_LISTS - 1;
	while (count > 0 && pcp->count > 0) {
		struct list_head *list;
		do {
			if (++pindex >= NR_PCP_LISTS)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (list_empty(list));

		unsigned order = pindex / KMM_MIGRATE_PCPTYPES;
		uint32_t nr = 1u << order;
		do {
			struct kmm_page *p = list_entry(list->prev, struct kmm_page, lru);
			kmm_pfn_t pfn = page_to_pfn_(k, p);
			__list_del_entry(&p->lru);
			p->flags = 0;
			pcp->count -= nr;
			count = count > nr ? count - nr : 0;
			/* The pageblock decides the list (it may have changed type). */
			free_one_page_inl_(z, pfn, order, get_pageblock_migratetype_(z, pfn));
		} while (count > 0 && !list_empty(list));
	}
}

void drain_zone_pages_(struct kmm_zone *z, unsigned cpu)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	if (pcp->count) {
		free_pcppages_bulk_(z, pcp, pcp->count, 0);
		count_vm_(z->sys, KMM_PCP_DRAIN, 1);
	}
}

void kmm_drain_local_pages(struct kmm *k)
{
	unsigned cpu = current_cpu_(k);
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++) {
			struct kmm_zone *z = &k->nodes[n].zones[zt];
			if (!z->populated)
				continue;
			zone_lock_(z);
			drain_zone_pages_(z, cpu);
			zone_unlock_(z);
		}
	}
}

void kmm_drain_all_pages(struct kmm *k)
{
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++) {
			struct kmm_zone *z = &k->nodes[n].zones[zt];
			if (!z->populated)
				continue;
			zone_lock_(z);
			for (unsigned c = 0; c < k->nr_cpus; c++)
				drain_zone_pages_(z, c);
			zone_unlock_(z);
		}
	}
}

KMM_NO_COVERAGE uint64_t zone_pcp_pages_(const struct kmm_zone *z)
{
	uint64_t n = 0;
	if (!z->pcp)
		return 0;
	for (unsigned c = 0; c < z->sys->nr_cpus; c++)
		n += z->pcp[c].count;
	return n;
}
