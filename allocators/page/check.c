// SPDX-License-Identifier: MIT
/*
 * kmm_page_check(): recompute every page allocator invariant from scratch
 * and report each violation (KMM_REPORT_CHECK). It trusts no counter: the
 * lists are walked (with a step bound, so a corrupted list ends the walk
 * instead of looping), and the struct page array is walked block by block.
 *
 * Per zone:
 *   free lists  every entry is a PG_buddy head of its list's order and type,
 *               aligned to its order, inside the zone, on the list of its
 *               pageblock's type (every pageblock it covers); no free buddy
 *               of the same order that could have merged; nr_free per order
 *               and free_pages equal the walk;
 *   pcp lists   every entry is a PG_pcp head of its list's order and type,
 *               owned by that CPU, aligned, inside the zone; count equals
 *               the walk;
 *   page walk   from the zone start the pages tile into holes, reserved
 *               pages, free blocks, pcp blocks and allocated blocks (inner
 *               pages blank, tails pointing at their head): free, pcp and
 *               allocated are disjoint, and managed == free + pcp + allocated;
 *   watermarks  min <= low <= high; the highatomic reserve matches the
 *               HIGHATOMIC pageblocks; the fast path's marks equal their
 *               terms;
 *   counters    nr_free and nr_free_mt per order equal the list walks.
 * System: pages allocated by the walk == PGALLOC - PGFREE; the fast path's
 * per-CPU table names the zones the general path would pick first; the
 * fast free's pageblock table agrees with the pageblock types and zones.
 *
 * Speed: a check runs at every full check of every fuzz input, so the page
 * walk takes whole runs at once (a block's inner pages in one branch-free
 * pass, a run of hole or reserved pages in one scan) and the index loops
 * run without sanitizer tests (KMM_NO_SANITIZE below); every page is still
 * looked at, and tests/test_check_walk.c corrupts pages inside each kind
 * of run to show it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "assert.h"
#include "internal.h"
#include "track.h"

/* Every function here only verifies: see KMM_NO_COVERAGE (internal.h). */
KMM_NO_COVERAGE_BEGIN

/* KMM_NO_SANITIZE (internal.h) marks the walks that only index the zone's
 * own tables, every index bounded first (a block's order is checked
 * before its pages are). The list walk, which follows pointers read from
 * memory that may be corrupted, keeps the sanitizers. */

struct check_ctx {
	struct kmm *k;
	struct kmm_zone *z;
	long violations;
};

__attribute__((format(printf, 2, 3))) static void violation_(struct check_ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	c->violations++;
	if (!kmm_report_wanted_(c->k)) {
		kmm_report_count_(c->k, KMM_REPORT_CHECK);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->z)
		kmm_report(c->k, KMM_REPORT_CHECK, "kmm_page_check: node %u zone %s: %s\n", c->z->node,
			   kmm_zone_name((enum kmm_zone_type)c->z->idx), msg);
	else
		kmm_report(c->k, KMM_REPORT_CHECK, "kmm_page_check: %s\n", msg);
}

/* A list entry that points into the struct page array of this zone. */
static struct kmm_page *entry_page_(struct check_ctx *c, struct list_head *pos, kmm_pfn_t *pfn_out)
{
	struct kmm *k = c->k;
	struct kmm_page *p = list_entry(pos, struct kmm_page, lru);
	uintptr_t off = (uintptr_t)p - (uintptr_t)k->pages;
	if ((uintptr_t)p < (uintptr_t)k->pages || off % sizeof(struct kmm_page) ||
	    off / sizeof(struct kmm_page) >= k->total_pages)
		return NULL;
	*pfn_out = (kmm_pfn_t)(off / sizeof(struct kmm_page));
	return zone_spans_pfn_(c->z, *pfn_out) ? p : NULL;
}

/* Could the free block (pfn, order, type mt) still merge with its buddy? */
static bool mergeable_buddy_(struct kmm_zone *z, kmm_pfn_t pfn, unsigned order, int mt)
{
	if (order >= KMM_MAX_ORDER)
		return false;
	kmm_pfn_t b = pfn ^ (1u << order);
	if (!zone_spans_pfn_(z, b))
		return false;
	const struct kmm_page *bp = &z->sys->pages[b];
	if (bp->flags != PG_buddy || bp->private_ != order)
		return false;
	if (order < z->sys->pageblock_order)
		return true;
	int bmt = get_pageblock_migratetype_(z, b);
	return mt == bmt || (migratetype_is_mergeable_(mt) && migratetype_is_mergeable_(bmt));
}

/* Walk one non-empty list; returns the pages on it. */
static __attribute__((noinline)) uint64_t check_list_walk_(struct check_ctx *c, struct list_head *head,
							   unsigned order, int mt, bool pcp, unsigned cpu,
							   uint64_t *blocks_out)
{
	struct kmm_zone *z = c->z;
	uint64_t pages = 0, blocks = 0, limit = (uint64_t)z->spanned_pages + 1;
	struct list_head *pos = head->next;
	const char *what = pcp ? "pcp" : "free";

	for (; pos != head; pos = pos->next) {
		kmm_pfn_t pfn = 0;
		if (pos->next->prev != pos) {
			violation_(c, "%s list order %u type %d: broken link (next->prev != entry)", what, order, mt);
			break;
		}
		if (++blocks > limit) {
			violation_(c, "%s list order %u type %d: longer than the zone (cycle?)", what, order, mt);
			break;
		}
		struct kmm_page *p = entry_page_(c, pos, &pfn);
		if (!p) {
			violation_(c, "%s list order %u type %d: entry is not a page of this zone", what, order, mt);
			break;
		}
		uint32_t want = pcp ? PG_pcp : PG_buddy;
		if (p->flags != want)
			violation_(c, "pfn 0x%x on %s list order %u has flags 0x%x", pfn, what, order, p->flags);
		if (p->private_ != order)
			violation_(c, "pfn 0x%x on %s list order %u records order %u", pfn, what, order, p->private_);
		if (p->migratetype != mt)
			violation_(c, "pfn 0x%x on %s list of type %d records type %u", pfn, what, mt, p->migratetype);
		if (pfn & ((1u << order) - 1))
			violation_(c, "%s block pfn 0x%x not aligned to order %u", what, pfn, order);
		if (!zone_spans_pfn_(z, pfn + (1u << order) - 1))
			violation_(c, "%s block pfn 0x%x order %u runs past the zone end", what, pfn, order);
		if (p->refcount != 0)
			violation_(c, "%s block pfn 0x%x has refcount %d", what, pfn, p->refcount);
		if (pcp) {
			if (p->pcp_cpu != cpu)
				violation_(c, "pfn 0x%x on cpu %u's pcp list records cpu %u", pfn, cpu, p->pcp_cpu);
		} else {
			uint32_t nr = 1u << c->k->pageblock_order;
			kmm_pfn_t end = pfn + (1u << order);
			for (kmm_pfn_t pb = pfn & ~(nr - 1); pb < end && zone_spans_pfn_(z, pb); pb += nr) {
				int pmt = get_pageblock_migratetype_(z, pb);
				if (pmt != mt) {
					violation_(c, "free block pfn 0x%x order %u on type %d list, pageblock 0x%x is type %d",
						   pfn, order, mt, pb, pmt);
					break;
				}
			}
			if (mergeable_buddy_(z, pfn, order, mt))
				violation_(c, "free block pfn 0x%x order %u and its buddy 0x%x are both free and mergeable",
					   pfn, order, pfn ^ (1u << order));
		}
		pages += 1u << order;
	}
	*blocks_out = blocks;
	return pages;
}

/* Walk one list; returns the pages on it. Most lists are empty: those
 * cost a load here instead of a call that sets up the walk's frame. */
static inline uint64_t check_list_(struct check_ctx *c, struct list_head *head, unsigned order, int mt, bool pcp,
				   unsigned cpu, uint64_t *blocks_out)
{
	if (head->next == head) {
		*blocks_out = 0;
		return 0;
	}
	return check_list_walk_(c, head, order, mt, pcp, cpu, blocks_out);
}

/*
 * The inner pages of a block, [1, n) from its first page: blank (flags 0)
 * for a plain block, PG_tail naming head for a compound one. Returns the
 * index of the first page that is not, or n.
 *
 * This loop visits every page of every free and allocated block, so it is
 * most of a check's time. The first pass ORs the differences of every page
 * with no branch; only a block that has a bad page is walked again to name
 * it.
 */
KMM_NO_SANITIZE static uint32_t inner_pages_bad_(const struct kmm_page *first, uint32_t n, bool compound,
					      kmm_pfn_t head)
{
	uint32_t diff = 0;

	if (compound) {
		for (uint32_t i = 1; i < n; i++)
			diff |= (first[i].flags ^ PG_tail) | (first[i].compound_head ^ head);
	} else {
		for (uint32_t i = 1; i < n; i++)
			diff |= first[i].flags;
	}
	if (!diff)
		return n;
	for (uint32_t i = 1; i < n; i++)
		if (compound ? first[i].flags != PG_tail || first[i].compound_head != head : first[i].flags != 0)
			return i;
	return n;
}

/* How many pages from first on (at most n, at least 1) have its flags, node and zone. */
KMM_NO_SANITIZE static uint32_t same_pages_(const struct kmm_page *first, uint32_t n)
{
	uint32_t i = 1;

	while (i < n && first[i].flags == first->flags && first[i].node == first->node &&
	       first[i].zone == first->zone)
		i++;
	return i;
}

/* Tile the zone's PFNs into blocks; counts what each kind holds. */
KMM_NO_SANITIZE static void check_page_walk_(struct check_ctx *c, uint64_t *free_out, uint64_t *pcp_out,
					  uint64_t *alloc_out)
{
	struct kmm *k = c->k;
	struct kmm_zone *z = c->z;
	const struct kmm_zone_config *zc = &k->cfg.nodes[z->node].zones[z->idx];
	uint64_t nfree = 0, npcp = 0, nalloc = 0, nhole = 0, nres = 0;
	kmm_pfn_t end = z->start_pfn + z->spanned_pages;

	for (kmm_pfn_t pfn = z->start_pfn; pfn < end;) {
		const struct kmm_page *p = &k->pages[pfn];
		uint32_t off = pfn - z->start_pfn;
		bool in_hole = zc->hole_pages && off >= zc->hole_start && off - zc->hole_start < zc->hole_pages;
		if (p->node != z->node || p->zone != z->idx)
			violation_(c, "pfn 0x%x records node %u zone %u", pfn, p->node, p->zone);
		if (in_hole != !!(p->flags & PG_hole))
			violation_(c, "pfn 0x%x: hole flag %s but the layout says %s", pfn,
				   (p->flags & PG_hole) ? "set" : "clear", in_hole ? "hole" : "present");
		if (p->flags == PG_hole || p->flags == PG_reserved) {
			/* Every following page with the same flags, node and zone
			 * on the same side of the hole's edges passes the same
			 * tests: count the run at once. */
			uint32_t run = 1;
			if (p->node == z->node && p->zone == z->idx && in_hole == !!(p->flags & PG_hole)) {
				kmm_pfn_t lim = end;
				if (in_hole)
					lim = z->start_pfn + zc->hole_start + zc->hole_pages;
				else if (zc->hole_pages && off < zc->hole_start)
					lim = z->start_pfn + zc->hole_start;
				run = same_pages_(p, lim - pfn);
			}
			*(p->flags == PG_hole ? &nhole : &nres) += run;
			pfn += run;
			continue;
		}
		unsigned order = p->private_;
		const char *kind;
		uint64_t *counter;
		if (p->flags == PG_buddy) {
			kind = "free";
			counter = &nfree;
		} else if (p->flags == PG_pcp) {
			kind = "pcp";
			counter = &npcp;
		} else if ((p->flags & ~(uint32_t)(PG_head | PG_slab | PG_large_kmalloc)) == PG_allocated) {
			kind = "allocated";
			counter = &nalloc;
			if (p->refcount < 1)
				violation_(c, "allocated block pfn 0x%x has refcount %d", pfn, p->refcount);
		} else {
			violation_(c, "pfn 0x%x (flags 0x%x) is not the first page of any block", pfn, p->flags);
			pfn++;
			continue;
		}
		if (order > KMM_MAX_ORDER || (pfn & ((1u << order) - 1)) || pfn + (1u << order) > end) {
			violation_(c, "%s block pfn 0x%x has bad order %u", kind, pfn, order);
			pfn++;
			continue;
		}
		uint32_t bad = inner_pages_bad_(p, 1u << order, p->flags & PG_head, pfn);
		if (bad < (1u << order))
			violation_(c, "%s block pfn 0x%x order %u: page 0x%x has flags 0x%x (overlap?)", kind, pfn,
				   order, pfn + bad, k->pages[pfn + bad].flags);
		*counter += 1u << order;
		pfn += 1u << order;
	}
	if (nhole != zc->hole_pages)
		violation_(c, "%llu hole pages, layout says %u", (unsigned long long)nhole, zc->hole_pages);
	if (nres != zc->reserved_pages)
		violation_(c, "%llu reserved pages, layout says %u", (unsigned long long)nres, zc->reserved_pages);
	*free_out = nfree;
	*pcp_out = npcp;
	*alloc_out = nalloc;
}

KMM_NO_SANITIZE static uint64_t zone_check_(struct check_ctx *c)
{
	struct kmm *k = c->k;
	struct kmm_zone *z = c->z;
	uint64_t list_free = 0, list_pcp = 0, walk_free = 0, walk_pcp = 0, walk_alloc = 0;

	if (!z->spanned_pages)
		return 0;
	for (unsigned o = 0; o < KMM_NR_ORDERS; o++) {
		uint64_t blocks_o = 0;
		for (int mt = 0; mt < KMM_MIGRATE_TYPES; mt++) {
			uint64_t blocks;
			list_free += check_list_(c, &z->free_area[o].free_list[mt], o, mt, false, 0, &blocks);
			blocks_o += blocks;
			if (blocks != z->free_area[o].nr_free_mt[mt])
				violation_(c, "free_area[%u].nr_free_mt[%d] %u != %llu blocks on its list", o, mt,
					   z->free_area[o].nr_free_mt[mt], (unsigned long long)blocks);
		}
		if (blocks_o != z->free_area[o].nr_free)
			violation_(c, "free_area[%u].nr_free %llu != %llu blocks on its lists", o,
				   (unsigned long long)z->free_area[o].nr_free, (unsigned long long)blocks_o);
	}
	if (list_free != z->free_pages)
		violation_(c, "free_pages %llu != %llu pages on the free lists", (unsigned long long)z->free_pages,
			   (unsigned long long)list_free);
	if (z->pcp) {
		for (unsigned cpu = 0; cpu < k->nr_cpus; cpu++) {
			struct per_cpu_pages *pcp = &z->pcp[cpu];
			uint64_t pages = 0, blocks;
			for (unsigned i = 0; i < NR_PCP_LISTS; i++)
				pages += check_list_(c, &pcp->lists[i], i / KMM_MIGRATE_PCPTYPES,
						     (int)(i % KMM_MIGRATE_PCPTYPES), true, cpu, &blocks);
			if (pages != pcp->count)
				violation_(c, "cpu %u pcp count %u != %llu pages on its lists", cpu, pcp->count,
					   (unsigned long long)pages);
			if (pcp->batch == 0)
				violation_(c, "cpu %u pcp batch is 0", cpu);
			if (pcp->fast_high != (kmm_tracking(k) ? 0 : pcp->high))
				violation_(c, "cpu %u pcp fast_high %u with high %u", cpu, pcp->fast_high, pcp->high);
			list_pcp += pages;
		}
	}
	check_page_walk_(c, &walk_free, &walk_pcp, &walk_alloc);
	if (walk_free != list_free)
		violation_(c, "%llu pages in free blocks by the page walk, %llu on the free lists",
			   (unsigned long long)walk_free, (unsigned long long)list_free);
	if (walk_pcp != list_pcp)
		violation_(c, "%llu pages in pcp blocks by the page walk, %llu on the pcp lists",
			   (unsigned long long)walk_pcp, (unsigned long long)list_pcp);
	if (walk_free + walk_pcp + walk_alloc != z->managed_pages)
		violation_(c, "managed %u != free %llu + pcp %llu + allocated %llu", z->managed_pages,
			   (unsigned long long)walk_free, (unsigned long long)walk_pcp,
			   (unsigned long long)walk_alloc);
	if (z->present_pages + 0ull != (uint64_t)z->spanned_pages - k->cfg.nodes[z->node].zones[z->idx].hole_pages)
		violation_(c, "present_pages %u inconsistent with spanned %u", z->present_pages, z->spanned_pages);
	if (!(z->wmark[WMARK_MIN] <= z->wmark[WMARK_LOW] && z->wmark[WMARK_LOW] <= z->wmark[WMARK_HIGH]))
		violation_(c, "watermarks out of order: min %llu low %llu high %llu",
			   (unsigned long long)z->wmark[WMARK_MIN], (unsigned long long)z->wmark[WMARK_LOW],
			   (unsigned long long)z->wmark[WMARK_HIGH]);

	uint32_t nr = 1u << k->pageblock_order, nblocks = (z->spanned_pages + nr - 1) / nr, highatomic = 0;
	for (uint32_t i = 0; i < nblocks; i++) {
		uint8_t mt = z->pageblock_mt[i];
		if (mt >= KMM_MIGRATE_TYPES)
			violation_(c, "pageblock %u has migrate type %u", i, mt);
		highatomic += mt == KMM_MIGRATE_HIGHATOMIC;
	}
	if ((uint64_t)highatomic * nr != z->nr_reserved_highatomic)
		violation_(c, "nr_reserved_highatomic %llu != %u HIGHATOMIC pageblocks",
			   (unsigned long long)z->nr_reserved_highatomic, highatomic);
	for (unsigned i = 0; i < KMM_NR_ZONES; i++) {
		uint64_t want = z->wmark[WMARK_LOW] + z->wmark_boost + z->lowmem_reserve[i] + z->nr_reserved_highatomic;
		if (z->fast_mark[i] != want)
			violation_(c, "fast_mark[%u] %llu != low + boost + lowmem_reserve + highatomic %llu", i,
				   (unsigned long long)z->fast_mark[i], (unsigned long long)want);
	}
	return walk_alloc;
}

/*
 * The fast path's table against what the general path would decide: for
 * every CPU and gfp zone/mobility bits, the first zone of the CPU's node's
 * zonelist that gfp_zone() allows, its pcp, its mark, and gfp_migratetype();
 * and fast_ok against the policy and threading mode.
 */
/* The first gfp value from bits on whose entry in cpu's row of the fast
 * table is not the preferred zone's (pref: the CPU's node's preferred zone
 * per highest zone; NULL: none, the entry must be fast_none), or
 * FAST_GFP_MASK + 1. */
KMM_NO_SANITIZE static kmm_gfp_t fast_row_bad_(const struct kmm *k, unsigned cpu, struct kmm_zone *const *pref,
					    const enum kmm_zone_type *hzs, const int *mts, kmm_gfp_t bits)
{
	for (; bits <= FAST_GFP_MASK; bits++) {
		const struct fast_alloc *fa = &k->fast[cpu][bits];
		enum kmm_zone_type hz = hzs[bits];
		int mt = mts[bits];
		struct kmm_zone *z = hz < KMM_NR_ZONES && pref ? pref[hz] : NULL;
		bool good = z ? fa->zone == z && fa->pcp == &z->pcp[cpu] && fa->lists == &z->pcp[cpu].lists[mt] &&
				fa->highest_zoneidx == hz && fa->migratetype == mt
			      : fa->zone == &k->fast_none;
		if (!good)
			return bits;
	}
	return bits;
}

static void check_fast_table_(struct check_ctx *c)
{
	struct kmm *k = c->k;
	enum kmm_mpol_mode mode = k->policy.mode;
	bool ok = !k->cfg.threaded && (mode == KMM_MPOL_DEFAULT || mode == KMM_MPOL_LOCAL);

	if (k->fast_ok != ok)
		violation_(c, "fast path %s under policy %s%s", k->fast_ok ? "on" : "off", kmm_mpol_name(mode),
			   k->cfg.threaded ? " with threads" : "");
	/* The buddy path's mode: the fast path, pcp lists that hold nothing,
	 * debug level 0 (see update_fast_bounds_()). */
	bool direct = ok && k->cfg.debug_level == 0;
	for (unsigned n = 0; n < k->nr_nodes; n++)
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++)
			for (unsigned cpu = 0; k->nodes[n].zones[zt].pcp && cpu < k->nr_cpus; cpu++)
				direct = direct && k->nodes[n].zones[zt].pcp[cpu].high <= 1 &&
					 k->nodes[n].zones[zt].pcp[cpu].batch <= 1;
	if (k->fast_free_pfns != (ok && !direct ? k->total_pages : 0) ||
	    k->direct_pfns != (direct ? k->total_pages : 0))
		violation_(c, "fast free bounds %u / buddy path %u, expected %u / %u", k->fast_free_pfns,
			   k->direct_pfns, ok && !direct ? k->total_pages : 0, direct ? k->total_pages : 0);
	if (!k->cfg.threaded && k->fast_cur != k->fast[k->cur_cpu])
		violation_(c, "fast path table is not the current cpu %u's", k->cur_cpu);
	if (!k->cfg.threaded && k->pcp_cur != k->cur_cpu * sizeof(struct per_cpu_pages))
		violation_(c, "fast path pcp offset is not the current cpu %u's", k->cur_cpu);
	for (unsigned mt = 0; !k->cfg.threaded && mt < KMM_MIGRATE_PCPTYPES; mt++)
		if (k->pcp_tag[mt][0] != mt || k->pcp_tag[mt][1] != k->cur_cpu)
			violation_(c, "fast path pcp tag %u is not (%u, cpu %u)", mt, mt, k->cur_cpu);
	if (k->fast_none.free_pages != 0)
		violation_(c, "fast_none has %llu free pages", (unsigned long long)k->fast_none.free_pages);
	/* What the entries depend on, worked out once rather than per CPU:
	 * gfp_zone() and gfp_migratetype() of each value, and each node's
	 * preferred zone for each highest zone (the first zone of its
	 * zonelist that is allowed). */
	enum kmm_zone_type hzs[FAST_GFP_MASK + 1];
	int mts[FAST_GFP_MASK + 1];
	struct kmm_zone *pref[KMM_MAX_NODES][KMM_NR_ZONES];
	for (kmm_gfp_t bits = 0; bits <= FAST_GFP_MASK; bits++) {
		hzs[bits] = kmm_gfp_zone(bits);
		mts[bits] = kmm_gfp_migratetype(bits);
	}
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (unsigned hz = 0; hz < KMM_NR_ZONES; hz++) {
			pref[n][hz] = NULL;
			for (const struct zoneref *zr = k->nodes[n].zonelist_fallback; ok && zr->zone; zr++) {
				if (zr->zone_idx <= hz) {
					pref[n][hz] = zr->zone;
					break;
				}
			}
		}
	}
	for (unsigned cpu = 0; cpu < k->nr_cpus; cpu++) {
		unsigned nid = k->cfg.cpu_node[cpu];
		struct kmm_zone *const *row = nid < k->nr_nodes ? pref[nid] : NULL;
		for (kmm_gfp_t bits = fast_row_bad_(k, cpu, row, hzs, mts, 0); bits <= FAST_GFP_MASK;
		     bits = fast_row_bad_(k, cpu, row, hzs, mts, bits + 1))
			violation_(c, "fast path table of cpu %u, gfp bits 0x%x: not the preferred zone's entry", cpu,
				   bits);
	}
}

static void lock_all_(struct kmm *k, bool lock)
{
	for (unsigned n = 0; n < k->nr_nodes; n++)
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++)
			(lock ? zone_lock_ : zone_unlock_)(&k->nodes[n].zones[zt]);
}

long kmm_zone_check(struct kmm *k, int nid, enum kmm_zone_type zone)
{
	if (!k || nid < 0 || (unsigned)nid >= k->nr_nodes || (unsigned)zone >= KMM_NR_ZONES)
		return -EINVAL;
	struct check_ctx c = { .k = k, .z = &k->nodes[nid].zones[zone] };
	zone_lock_(c.z);
	zone_check_(&c);
	zone_unlock_(c.z);
	return c.violations;
}

/* The first pageblock from pfn on (stepping by pageblocks, below end) whose
 * fast free entry does not name the zone's pcp lists and the pageblock's
 * type; end if none. */
KMM_NO_SANITIZE static kmm_pfn_t pageblock_pcp_bad_(const struct kmm *k, const struct kmm_zone *zone, kmm_pfn_t pfn,
						 kmm_pfn_t end)
{
	for (; pfn < end; pfn += 1u << k->pageblock_order) {
		uintptr_t e = k->pageblock_pcp[pfn >> k->pageblock_order];
		if ((e & ~PAGEBLOCK_PCP_TYPE_MASK) != (uintptr_t)zone->pcp ||
		    (e & PAGEBLOCK_PCP_TYPE_MASK) != k->pageblock_mt[pfn >> k->pageblock_order])
			return pfn;
	}
	return end;
}

long kmm_page_check(struct kmm *k)
{
	struct check_ctx c = { .k = k };
	uint64_t allocated = 0;

	/* Zone locks in node/zone order: the only place more than one is held. */
	lock_all_(k, true);
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++) {
			c.z = &k->nodes[n].zones[zt];
			allocated += zone_check_(&c);
		}
	}
	c.z = NULL;
	check_fast_table_(&c);
	/* Every pageblock of every zone (zones start on pageblock boundaries
	 * and never overlap; padding between them belongs to no zone). */
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++) {
			const struct kmm_zone *zone = &k->nodes[n].zones[zt];
			kmm_pfn_t end = zone->start_pfn + zone->spanned_pages;
			for (kmm_pfn_t pfn = pageblock_pcp_bad_(k, zone, zone->start_pfn, end); pfn < end;
			     pfn = pageblock_pcp_bad_(k, zone, pfn + (1u << k->pageblock_order), end)) {
				uintptr_t e = k->pageblock_pcp[pfn >> k->pageblock_order];
				if ((e & ~PAGEBLOCK_PCP_TYPE_MASK) != (uintptr_t)zone->pcp)
					violation_(&c, "pageblock at pfn 0x%x: fast free table names another zone's pcp lists",
						   pfn);
				if ((e & PAGEBLOCK_PCP_TYPE_MASK) != k->pageblock_mt[pfn >> k->pageblock_order])
					violation_(&c, "pageblock at pfn 0x%x: fast free table says type %u, the pageblock %u",
						   pfn, (unsigned)(e & PAGEBLOCK_PCP_TYPE_MASK),
						   k->pageblock_mt[pfn >> k->pageblock_order]);
			}
		}
	}
	uint64_t pgalloc = vm_event_total_(k, KMM_PGALLOC);
	uint64_t pgfree = vm_event_total_(k, KMM_PGFREE);
	if (pgalloc - pgfree != allocated)
		violation_(&c, "%llu pages allocated by the page walk, PGALLOC %llu - PGFREE %llu = %llu",
			   (unsigned long long)allocated, (unsigned long long)pgalloc, (unsigned long long)pgfree,
			   (unsigned long long)(pgalloc - pgfree));
	lock_all_(k, false);
	return c.violations;
}

bool kmm_page_fully_coalesced(struct kmm *k)
{
	bool ok = true;
	for (unsigned n = 0; n < k->nr_nodes && ok; n++) {
		for (unsigned zt = 0; zt < KMM_NR_ZONES && ok; zt++) {
			struct kmm_zone *z = &k->nodes[n].zones[zt];
			if (!z->populated)
				continue;
			zone_lock_(z);
			if (zone_pcp_pages_(z))
				ok = false;
			for (unsigned o = 0; o < KMM_NR_ORDERS && ok; o++) {
				for (int mt = 0; mt < KMM_MIGRATE_TYPES && ok; mt++) {
					struct list_head *head = &z->free_area[o].free_list[mt], *pos;
					list_for_each(pos, head) {
						struct kmm_page *p = list_entry(pos, struct kmm_page, lru);
						if (mergeable_buddy_(z, page_to_pfn_(k, p), o, mt)) {
							ok = false;
							break;
						}
					}
				}
			}
			zone_unlock_(z);
		}
	}
	return ok;
}

KMM_NO_COVERAGE_END
