// SPDX-License-Identifier: MIT
/*
 * The reference model of the page allocator.
 *
 * What it is for. The executor runs every op on libkmm and here, and asks
 * the model whether what libkmm did was legal. The model must therefore be
 * right by construction: it shares no code with allocators/, re-derives every
 * number from the config's documented rules and the kernel's formulas, and
 * keeps only the state needed to answer (which blocks are live, how many
 * pages of each zone are free). It does not simulate the buddy allocator's
 * choices; it bounds them.
 *
 * Layout. Nodes back to back from PFN 0, each node's zones in kernel order,
 * every present zone starting on a 1024-page (MAX_ORDER) boundary; the pages
 * skipped to get there are padding. Inside a zone the hole is not present and
 * the first reserved_pages present pages are present but not managed. Only
 * managed pages can ever be free or allocated.
 *
 * Watermarks (__setup_per_zone_wmarks, setup_per_zone_lowmem_reserve):
 * min_free_kbytes = int_sqrt(lowmem_kbytes * 16) clamped to [128, 262144]
 * unless the config gives one, lowmem = managed pages of zones <= NORMAL on
 * all nodes; pages_min = min_free_kbytes >> 2; per zone
 * tmp = pages_min * managed / lowmem; min = tmp, except HIGHMEM and MOVABLE
 * zones get clamp(managed / 1024, 32, 128); then tmp = max(tmp >> 2,
 * managed * scale / 10000), low = min + tmp, high = low + tmp. Zone i's
 * lowmem_reserve[j] (j > i) = managed pages of zones i+1..j of its node /
 * ratio[i], zero when the ratio is zero or zone i manages nothing.
 *
 * Legality of an allocation (the questions the executor asks).
 * The kernel allocates from a zone only if the zone passes its watermark
 * check for the request: free - (2^order - 1) > min' + lowmem_reserve[gfp
 * zone], with min' the min watermark lowered for the request's rights
 * (__GFP_HIGH: min - min/2; __GFP_HIGH without __GFP_DIRECT_RECLAIM: a
 * further quarter; __GFP_NOFAIL's last resort: min - min/2; __GFP_MEMALLOC:
 * no watermark at all), and only if a free block of the order exists. We
 * count pages on per-CPU lists as free, as the system is after a drain: the
 * allocator must drain and retry before it fails. Hence:
 *
 *  - must succeed: some zone the request must consider has an aligned run of
 *    2^order free pages AND free - (2^order - 1) - H > strict min' +
 *    protection, strict min' being what the kernel always grants (no
 *    NOFAIL or MEMALLOC extras), H the HIGHATOMIC bound below. Failing then
 *    is "alloc-failed".
 *  - a returned block is illegal when its zone fails the most permissive
 *    check: free - (2^order - 1) <= permissive min' + protection ("alloc-
 *    succeeded"). This is stronger than "every zone fails" and still sound:
 *    the kernel never takes a page from a zone that failed its check, and its
 *    own free count (buddy pages only) is never above ours.
 *  - between the two, either outcome is legal.
 *
 * HIGHATOMIC. A high-order non-blocking allocation may make its pageblock a
 * HIGHATOMIC reserve (at most about 1% of the zone), whose free pages normal
 * requests cannot use and whose size the watermark check subtracts. The
 * model does not know which pageblocks the allocator reserved, so it keeps a
 * superset: every pageblock that ever received an order > 0 allocation
 * without __GFP_DIRECT_RECLAIM (or through the non-blocking first pass of
 * preferred-many). It never shrinks. The must-succeed side ignores free space
 * in those pageblocks and subtracts H = min(kernel ceiling, |set| pageblocks);
 * the illegal-success side ignores reserves altogether (most permissive).
 *
 * Placement. The block must be inside the arena, aligned to its order,
 * inside one zone no higher than gfp_zone(), on a node the request may use,
 * made of managed pages none of which belongs to a live block. Beyond that,
 * node order: the kernel walks the zonelist and its fast path takes the first
 * zone passing the LOW watermark; before leaving the first node it retries
 * without ALLOC_NOFRAGMENT. So a block on the i-th node of the walk is wrong
 * when an earlier node had a zone that passed low for sure. "For sure" must
 * not count pcp pages (the fast path does not drain): the zone's buddy free
 * count is taken as model free - pcp pages, and a free run must survive
 * every pcp page spoiling one run (runs > pcp pages). This covers the
 * interleave node exactly (walk[0]) and the distance order after it. Zone
 * order inside a node is not checked: ALLOC_NOFRAGMENT legitimately skips a
 * fragmented NORMAL zone for DMA32 on the same node.
 *
 * Data. Per PFN: the order of a live block starting there and its owner
 * handle. Per order j and aligned 2^j block: the occupancy count described
 * in model_internal.h, updated in O(MAX_ORDER) per alloc and free. Queries
 * over free space walk that tree from the top and only descend into blocks
 * that are partly used, so the canonical decomposition and "is there a free
 * aligned run" cost a few hundred steps on a fuzzing-sized zone; the
 * executor asks them only on failures, rare placements and full checks.
 *
 * Canonical decomposition. With every pcp page returned and buddies fully
 * merged, the free blocks of a zone are exactly the maximal aligned all-free
 * blocks: split each 1024-page block recursively until a part is entirely
 * free. That is the walk in kmm_model_free_blocks(). One kernel rule breaks
 * it: at orders >= pageblock_order a HIGHATOMIC pageblock never merges with
 * an ordinary one (__free_one_page), so a canonical block bigger than a
 * pageblock that contains a HIGHATOMIC candidate may legitimately sit in the
 * free lists as several blocks of orders pageblock_order..its own. Those
 * blocks are reported apart ("flex") and the executor checks them by pages
 * and by the orders they could split into.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

static void fallback_orders_(struct kmm_model *m);

/* ---- small arithmetic ------------------------------------------------------ */

static uint64_t int_sqrt_(uint64_t x)
{
	uint64_t r = 0, bit = 1ull << 62;

	/* Digit-by-digit square root: floor(sqrt(x)), as the kernel's int_sqrt(). */
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

static uint64_t align_up_(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

/* ---- layout -------------------------------------------------------------- */

/* Offset within the zone -> managed? (hole, then the first reserved present pages). */
static bool zone_offset_managed_(const struct kmm_model_zone *z, uint32_t off)
{
	uint32_t rank;

	if (off >= z->spanned_pages)
		return false;
	if (off >= z->hole_start && off - z->hole_start < z->hole_pages)
		return false;
	rank = off < z->hole_start ? off : off - z->hole_pages;
	return rank >= z->reserved_pages;
}

/*
 * n copies of v from p on: a plain loop the compiler turns into wide
 * stores. It fills the model's occupancy tables at every set-up, inside
 * the block kmm_model_init() sized for them, so the sanitizers' tests are
 * left out (as memcpy doubling, each copy went through ASan's range checks,
 * which cost more than the copying).
 */
#if defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define MODEL_NOSAN_ __attribute__((no_sanitize("address", "undefined")))
#endif
#endif
#ifndef MODEL_NOSAN_
#define MODEL_NOSAN_
#endif
MODEL_NOSAN_ static void fill16_(uint16_t *p, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		p[i] = v;
}

/*
 * Count [a, b) as unmanaged at every level. The unmanaged ranges never
 * overlap, so a block lying wholly inside one was zero and becomes full;
 * only the two end blocks of each level need arithmetic.
 */
static void occ_add_range_(struct kmm_model *m, kmm_pfn_t a, kmm_pfn_t b)
{
	if (a >= b)
		return;
	for (unsigned j = 0; j < KMM_NR_ORDERS; j++) {
		uint32_t first = a >> j, last = (b - 1) >> j;
		uint16_t *occ = m->occ[j];

		if (first == last) {
			occ[first] = (uint16_t)(occ[first] + (b - a));
			continue;
		}
		occ[first] = (uint16_t)(occ[first] + (((first + 1) << j) - a));
		occ[last] = (uint16_t)(occ[last] + (b - (last << j)));
		fill16_(occ + first + 1, last - first - 1, (uint16_t)(1u << j));
	}
}

/* Mark every unmanaged page of the arena (rounded up to whole MAX_ORDER blocks). */
static void occ_init_(struct kmm_model *m)
{
	kmm_pfn_t end_all = m->nr_blocks * MODEL_BLOCK_PAGES, cursor = 0;

	for (unsigned n = 0; n < m->nr_nodes; n++) {
		for (unsigned t = 0; t < KMM_NR_ZONES; t++) {
			const struct kmm_model_zone *z = &m->zones[n][t];
			kmm_pfn_t s = z->start_pfn;
			uint32_t hs = z->hole_start, he = z->hole_start + z->hole_pages;
			uint32_t r = z->reserved_pages;

			if (!z->spanned)
				continue;
			occ_add_range_(m, cursor, s); /* padding before the zone */
			if (z->hole_pages)
				occ_add_range_(m, s + hs, s + he);
			/* The first r present pages: before the hole, then after it. */
			if (r) {
				uint32_t before = hs < r ? hs : r;

				occ_add_range_(m, s, s + before);
				if (r > before)
					occ_add_range_(m, s + (z->hole_pages ? he : before),
						       s + (z->hole_pages ? he : before) + (r - before));
			}
			cursor = s + z->spanned_pages;
		}
	}
	occ_add_range_(m, cursor, end_all);
}

static void layout_(struct kmm_model *m, const struct kmm_config *cfg)
{
	kmm_pfn_t cursor = 0;

	for (unsigned n = 0; n < m->nr_nodes; n++) {
		for (unsigned t = 0; t < KMM_NR_ZONES; t++) {
			const struct kmm_zone_config *zc = &cfg->nodes[n].zones[t];
			struct kmm_model_zone *z = &m->zones[n][t];
			uint32_t hole, present;

			z->node = (uint8_t)n;
			z->idx = (uint8_t)t;
			if (zc->spanned_pages == 0)
				continue;
			/* Clamp what a valid config never has, so nothing below overflows. */
			z->spanned = true;
			z->spanned_pages = zc->spanned_pages;
			z->hole_start = zc->hole_start < zc->spanned_pages ? zc->hole_start : zc->spanned_pages;
			hole = zc->hole_pages;
			if (hole > z->spanned_pages - z->hole_start)
				hole = z->spanned_pages - z->hole_start;
			z->hole_pages = hole;
			present = z->spanned_pages - hole;
			z->reserved_pages = zc->reserved_pages < present ? zc->reserved_pages : present;
			z->present_pages = present;
			z->managed_pages = present - z->reserved_pages;
			z->free_pages = z->managed_pages;
			z->start_pfn = (kmm_pfn_t)align_up_(cursor, MODEL_BLOCK_PAGES);
			cursor = z->start_pfn + z->spanned_pages;
		}
	}
	m->total_pages = cursor;
	m->nr_blocks = (uint32_t)align_up_(cursor, MODEL_BLOCK_PAGES) / MODEL_BLOCK_PAGES;
}

/* ---- watermarks ------------------------------------------------------------ */

static void watermarks_(struct kmm_model *m, const struct kmm_config *cfg)
{
	static const uint32_t default_ratio[KMM_NR_ZONES] = { 256, 256, 32, 0, 0 };
	const uint32_t *ratio = default_ratio;
	uint64_t lowmem = 0, pages_min, scale;
	bool ratio_given = false;

	for (unsigned n = 0; n < m->nr_nodes; n++)
		for (unsigned t = 0; t <= KMM_ZONE_NORMAL; t++)
			lowmem += m->zones[n][t].managed_pages;
	if (cfg->min_free_kbytes) {
		m->min_free_kbytes = cfg->min_free_kbytes;
	} else {
		m->min_free_kbytes = int_sqrt_(lowmem * (KMM_PAGE_SIZE >> 10) * 16);
		if (m->min_free_kbytes < 128)
			m->min_free_kbytes = 128;
		if (m->min_free_kbytes > 262144)
			m->min_free_kbytes = 262144;
	}
	pages_min = m->min_free_kbytes >> (KMM_PAGE_SHIFT - 10);
	scale = cfg->watermark_scale_factor ? cfg->watermark_scale_factor : 10;

	for (unsigned t = 0; t < KMM_NR_ZONES; t++)
		ratio_given |= cfg->lowmem_reserve_ratio[t] != 0;
	if (ratio_given)
		ratio = cfg->lowmem_reserve_ratio;

	for (unsigned n = 0; n < m->nr_nodes; n++) {
		for (unsigned t = 0; t < KMM_NR_ZONES; t++) {
			struct kmm_model_zone *z = &m->zones[n][t];
			uint64_t managed = z->managed_pages, tmp, by_scale;

			tmp = lowmem ? pages_min * managed / lowmem : 0;
			if (t == KMM_ZONE_HIGHMEM || t == KMM_ZONE_MOVABLE) {
				uint64_t mp = managed / 1024;

				z->wmark_min = mp < 32 ? 32 : mp > 128 ? 128 : mp;
			} else {
				z->wmark_min = tmp;
			}
			by_scale = managed / 10000 * scale + managed % 10000 * scale / 10000;
			tmp = (tmp >> 2) > by_scale ? tmp >> 2 : by_scale;
			z->wmark_low = z->wmark_min + tmp;
			z->wmark_high = z->wmark_low + tmp;

			/* lowmem_reserve[j]: managed pages of zones t+1..j / ratio[t]. */
			uint64_t upper = 0;

			for (unsigned j = t + 1; j < KMM_NR_ZONES; j++) {
				upper += m->zones[n][j].managed_pages;
				if (ratio[t] && managed)
					z->lowmem_reserve[j] = upper / ratio[t];
			}
		}
	}
}

/* Kernel ceiling on a zone's HIGHATOMIC reserve (reserve_highatomic_pageblock):
 * nothing when 1% of the zone is under a pageblock; otherwise it stops adding
 * once it reached ALIGN(managed / 100, pageblock), and the last addition may
 * cross that by at most one MAX_ORDER block. */
static void highatomic_caps_(struct kmm_model *m)
{
	uint64_t pb = 1ull << m->pageblock_order;

	for (unsigned n = 0; n < m->nr_nodes; n++) {
		for (unsigned t = 0; t < KMM_NR_ZONES; t++) {
			struct kmm_model_zone *z = &m->zones[n][t];
			uint64_t one_pct = z->managed_pages / 100;

			z->ha_cap = one_pct < pb ? 0 : align_up_(one_pct, pb) + MODEL_BLOCK_PAGES;
		}
	}
}

/* ---- create / destroy ------------------------------------------------------ */

/* The arrays behind struct kmm_model, carved from one block in this order. */
struct model_sizes {
	size_t nr_pfns, occ_entries, nr_pageblocks;
	size_t off_occ, off_owner, off_head, off_block_zone, off_ha, total;
};

static bool config_usable_(const struct kmm_config *cfg)
{
	return cfg && cfg->nr_nodes >= 1 && cfg->nr_nodes <= KMM_MAX_NODES && cfg->nr_cpus >= 1 &&
	       cfg->nr_cpus <= KMM_MAX_CPUS && cfg->pageblock_order <= KMM_MAX_ORDER;
}

static void model_sizes_(const struct kmm_config *cfg, struct model_sizes *sz)
{
	unsigned pb = cfg->pageblock_order ? cfg->pageblock_order : KMM_DEFAULT_PAGEBLOCK_ORDER;
	uint64_t cursor = 0;

	/* The same walk as layout_(), for the end of the last zone only. */
	for (unsigned n = 0; n < cfg->nr_nodes; n++)
		for (unsigned t = 0; t < KMM_NR_ZONES; t++)
			if (cfg->nodes[n].zones[t].spanned_pages)
				cursor = align_up_(cursor, MODEL_BLOCK_PAGES) + cfg->nodes[n].zones[t].spanned_pages;
	sz->nr_pfns = (size_t)align_up_(cursor, MODEL_BLOCK_PAGES);
	sz->occ_entries = 0;
	for (unsigned j = 0; j < KMM_NR_ORDERS; j++)
		sz->occ_entries += sz->nr_pfns >> j;
	sz->nr_pageblocks = (sz->nr_pfns >> pb) + 1;
	sz->off_occ = align_up_(sizeof(struct kmm_model), 8);
	sz->off_owner = align_up_(sz->off_occ + sz->occ_entries * sizeof(uint16_t), 8);
	sz->off_head = sz->off_owner + sz->nr_pfns * sizeof(uint32_t);
	sz->off_block_zone = sz->off_head + sz->nr_pfns;
	sz->off_ha = sz->off_block_zone + sz->nr_pfns / MODEL_BLOCK_PAGES + 1;
	sz->total = align_up_(sz->off_ha + sz->nr_pageblocks, 8);
}

size_t kmm_model_size(const struct kmm_config *cfg)
{
	struct model_sizes sz;

	if (!config_usable_(cfg))
		return 0;
	model_sizes_(cfg, &sz);
	return sz.total;
}

struct kmm_model *kmm_model_init(void *mem, size_t len, const struct kmm_config *cfg)
{
	struct kmm_model *m = mem;
	bool cpu_node_given = false, distance_given = false;
	struct model_sizes sz;
	unsigned char *base = mem;

	if (!mem || !config_usable_(cfg))
		return NULL;
	model_sizes_(cfg, &sz);
	if (len < sz.total)
		return NULL;
	memset(mem, 0, sz.total);
	m->nr_nodes = cfg->nr_nodes;
	m->nr_cpus = cfg->nr_cpus;
	m->pageblock_order = cfg->pageblock_order ? cfg->pageblock_order : KMM_DEFAULT_PAGEBLOCK_ORDER;

	for (unsigned c = 0; c < KMM_MAX_CPUS; c++)
		cpu_node_given |= cfg->cpu_node[c] != 0;
	for (unsigned c = 0; c < m->nr_cpus; c++)
		m->cpu_node[c] = cpu_node_given ? cfg->cpu_node[c] : (uint8_t)(c % m->nr_nodes);
	for (unsigned c = 0; c < m->nr_cpus; c++)
		if (m->cpu_node[c] >= m->nr_nodes)
			return NULL;
	for (unsigned a = 0; a < KMM_MAX_NODES; a++)
		for (unsigned b = 0; b < KMM_MAX_NODES; b++)
			distance_given |= cfg->distance[a][b] != 0;
	for (unsigned a = 0; a < m->nr_nodes; a++)
		for (unsigned b = 0; b < m->nr_nodes; b++)
			m->distance[a][b] = distance_given ? cfg->distance[a][b] : a == b ? 10 : 20;

	layout_(m, cfg);
	watermarks_(m, cfg);
	highatomic_caps_(m);
	for (unsigned n = 0; n < m->nr_nodes; n++)
		for (unsigned t = 0; t < KMM_NR_ZONES; t++)
			if (m->zones[n][t].managed_pages)
				m->memory_nodes |= 1u << n;
	fallback_orders_(m);

	m->occ[0] = (uint16_t *)(void *)(base + sz.off_occ);
	for (unsigned j = 1; j < KMM_NR_ORDERS; j++)
		m->occ[j] = m->occ[j - 1] + (sz.nr_pfns >> (j - 1));
	m->owner = (uint32_t *)(void *)(base + sz.off_owner);
	m->head = base + sz.off_head;
	m->block_zone = base + sz.off_block_zone;
	m->ha = base + sz.off_ha;

	memset(m->block_zone, MODEL_NO_ZONE, m->nr_blocks);
	for (unsigned n = 0; n < m->nr_nodes; n++) {
		for (unsigned t = 0; t < KMM_NR_ZONES; t++) {
			const struct kmm_model_zone *z = &m->zones[n][t];
			uint32_t b0 = z->start_pfn / MODEL_BLOCK_PAGES;
			uint32_t b1 = (uint32_t)align_up_((uint64_t)z->start_pfn + z->spanned_pages,
							   MODEL_BLOCK_PAGES) / MODEL_BLOCK_PAGES;

			if (!z->spanned)
				continue;
			for (uint32_t b = b0; b < b1; b++)
				m->block_zone[b] = (uint8_t)(n * KMM_NR_ZONES + t);
		}
	}
	occ_init_(m);
	m->pol.mode = KMM_MPOL_DEFAULT;
	m->pol.il_prev = -1;
	return m;
}

struct kmm_model *kmm_model_create(const struct kmm_config *cfg)
{
	size_t len = kmm_model_size(cfg);
	void *mem = len ? malloc(len) : NULL;
	struct kmm_model *m = kmm_model_init(mem, len, cfg);

	if (!m) {
		free(mem);
		return NULL;
	}
	m->owns_memory = true;
	return m;
}

void kmm_model_destroy(struct kmm_model *m)
{
	if (m && m->owns_memory)
		free(m);
}

/* ---- layout queries ---------------------------------------------------------- */

unsigned kmm_model_nr_nodes(const struct kmm_model *m) { return m->nr_nodes; }
unsigned kmm_model_nr_cpus(const struct kmm_model *m) { return m->nr_cpus; }
unsigned kmm_model_pageblock_order(const struct kmm_model *m) { return m->pageblock_order; }
kmm_pfn_t kmm_model_total_pages(const struct kmm_model *m) { return m->total_pages; }
uint64_t kmm_model_min_free_kbytes(const struct kmm_model *m) { return m->min_free_kbytes; }

const struct kmm_model_zone *kmm_model_zone(const struct kmm_model *m, unsigned nid,
					    enum kmm_zone_type zone)
{
	if (nid >= m->nr_nodes || (unsigned)zone >= KMM_NR_ZONES)
		return NULL;
	return &m->zones[nid][zone];
}

const struct kmm_model_zone *kmm_model_pfn_zone(const struct kmm_model *m, kmm_pfn_t pfn)
{
	const struct kmm_model_zone *z;
	uint8_t id;

	if (pfn >= m->total_pages)
		return NULL;
	id = m->block_zone[pfn / MODEL_BLOCK_PAGES];
	if (id == MODEL_NO_ZONE)
		return NULL;
	z = &m->zones[id / KMM_NR_ZONES][id % KMM_NR_ZONES];
	return pfn - z->start_pfn < z->spanned_pages ? z : NULL;
}

bool kmm_model_pfn_managed(const struct kmm_model *m, kmm_pfn_t pfn)
{
	const struct kmm_model_zone *z = kmm_model_pfn_zone(m, pfn);

	return z && zone_offset_managed_(z, pfn - z->start_pfn);
}

int kmm_model_cpu_node(const struct kmm_model *m, unsigned cpu)
{
	return cpu < m->nr_cpus ? m->cpu_node[cpu] : -1;
}

int kmm_model_distance(const struct kmm_model *m, unsigned a, unsigned b)
{
	return a < m->nr_nodes && b < m->nr_nodes ? m->distance[a][b] : -1;
}

unsigned kmm_model_fallback_order(const struct kmm_model *m, unsigned nid,
				  uint8_t order_out[KMM_MAX_NODES])
{
	if (nid >= m->nr_nodes)
		return 0;
	memcpy(order_out, m->fallback[nid], m->fallback_len[nid]);
	return m->fallback_len[nid];
}

/*
 * Zonelist node order, the kernel's build_zonelists() / find_next_best_node():
 * the local node first (it contributes nothing if it has no memory), then
 * repeatedly the unplaced node with memory of lowest score
 *   (distance + [id below local] + [has a CPU]) * MAX_NODES + load,
 * lowest id on a tie. A pick whose distance differs from the previous pick's
 * bumps its load, and loads carry over from one node's build to the next
 * (builds run in node id order), spreading first spills over neighbours.
 * Loads stay below nr_nodes <= MAX_NODES, so the multiplier keeps distance
 * dominant.
 */
static void fallback_orders_(struct kmm_model *m)
{
	kmm_nodemask_t cpus = 0;
	unsigned load[KMM_MAX_NODES] = { 0 };

	for (unsigned c = 0; c < m->nr_cpus; c++)
		cpus |= 1u << m->cpu_node[c];
	for (unsigned local = 0; local < m->nr_nodes; local++) {
		kmm_nodemask_t placed = 1u << local;
		unsigned prev = local, len = 0;

		if (m->memory_nodes & (1u << local))
			m->fallback[local][len++] = (uint8_t)local;
		for (;;) {
			unsigned best = KMM_MAX_NODES, best_score = 0;

			for (unsigned n = 0; n < m->nr_nodes; n++) {
				unsigned score;

				if ((placed & (1u << n)) || !(m->memory_nodes & (1u << n)))
					continue;
				score = m->distance[local][n] + (n < local) + ((cpus >> n) & 1u);
				score = score * KMM_MAX_NODES + load[n];
				if (best == KMM_MAX_NODES || score < best_score) {
					best = n;
					best_score = score;
				}
			}
			if (best == KMM_MAX_NODES)
				break;
			placed |= 1u << best;
			if (m->distance[local][best] != m->distance[local][prev])
				load[best]++;
			prev = best;
			m->fallback[local][len++] = (uint8_t)best;
		}
		m->fallback_len[local] = (uint8_t)len;
	}
}

/* ---- live blocks --------------------------------------------------------------- */

void kmm_model_alloc(struct kmm_model *m, const struct kmm_model_request *rq, kmm_pfn_t pfn,
		     uint32_t handle)
{
	unsigned order = rq->order;
	uint8_t id = pfn < m->total_pages ? m->block_zone[pfn / MODEL_BLOCK_PAGES] : MODEL_NO_ZONE;
	struct kmm_model_zone *z;
	bool nonblocking = !(rq->gfp & KMM___GFP_DIRECT_RECLAIM);

	if (id == MODEL_NO_ZONE || order > KMM_MAX_ORDER)
		return; /* only judged-OK blocks come here */
	z = model_zone_of_id_(m, id);
	for (unsigned j = order; j < KMM_NR_ORDERS; j++)
		m->occ[j][pfn >> j] = (uint16_t)(m->occ[j][pfn >> j] + (1u << order));
	m->head[pfn] = (uint8_t)(order + 1);
	m->owner[pfn] = handle;
	z->free_pages -= 1u << order;

	/* Preferred-many's first pass drops __GFP_DIRECT_RECLAIM. */
	if (rq->nonblocking_pass)
		nonblocking = true;
	/* A zone whose 1% is below a pageblock never reserves (kernel rule). */
	if (order > 0 && nonblocking && z->ha_cap) {
		kmm_pfn_t first = pfn >> m->pageblock_order;
		kmm_pfn_t last = (pfn + (1u << order) - 1) >> m->pageblock_order;

		for (kmm_pfn_t b = first; b <= last; b++) {
			if (!m->ha[b]) {
				m->ha[b] = 1;
				z->ha_pageblocks++;
			}
		}
	}
}

void kmm_model_free(struct kmm_model *m, kmm_pfn_t pfn, unsigned order)
{
	uint8_t id = pfn < m->total_pages ? m->block_zone[pfn / MODEL_BLOCK_PAGES] : MODEL_NO_ZONE;
	struct kmm_model_zone *z;

	if (id == MODEL_NO_ZONE || order > KMM_MAX_ORDER || m->head[pfn] != order + 1)
		return; /* not a live block: nothing to forget */
	z = model_zone_of_id_(m, id);
	for (unsigned j = order; j < KMM_NR_ORDERS; j++)
		m->occ[j][pfn >> j] = (uint16_t)(m->occ[j][pfn >> j] - (1u << order));
	m->head[pfn] = 0;
	m->owner[pfn] = 0;
	z->free_pages += 1u << order;
}

uint32_t kmm_model_owner(const struct kmm_model *m, kmm_pfn_t pfn)
{
	return pfn < m->total_pages && m->head[pfn] ? m->owner[pfn] : 0;
}

uint32_t kmm_model_find_overlap(const struct kmm_model *m, kmm_pfn_t pfn, unsigned order)
{
	kmm_pfn_t end;

	if (order > KMM_MAX_ORDER || pfn >= m->total_pages)
		return 0;
	end = pfn + (1u << order) < m->total_pages ? pfn + (1u << order) : m->total_pages;
	/* A live block that contains the range starts at an aligned ancestor... */
	for (unsigned h = 0; h < KMM_NR_ORDERS; h++) {
		kmm_pfn_t q = pfn & ~((1u << h) - 1);

		if (m->head[q] == h + 1 && q + (1u << h) > pfn)
			return m->owner[q];
	}
	/* ... or one starts inside it (error path only: a plain scan). */
	for (kmm_pfn_t p = pfn; p < end; p++)
		if (m->head[p])
			return m->owner[p];
	return 0;
}

/* ---- free-space queries ------------------------------------------------------------ */

bool model_block_touches_ha_(const struct kmm_model *m, kmm_pfn_t pfn, unsigned order)
{
	kmm_pfn_t first = pfn >> m->pageblock_order;
	kmm_pfn_t last = (pfn + (1u << order) - 1) >> m->pageblock_order;

	for (kmm_pfn_t b = first; b <= last; b++)
		if (m->ha[b])
			return true;
	return false;
}

static uint32_t occ_(const struct kmm_model *m, kmm_pfn_t pfn, unsigned j)
{
	return m->occ[j][pfn >> j];
}

bool model_block_free_(const struct kmm_model *m, kmm_pfn_t pfn, unsigned order)
{
	if (occ_(m, pfn, order) != 0)
		return false;
	/* Not counted at this level: a bigger live block starting at an ancestor. */
	for (unsigned h = order + 1; h < KMM_NR_ORDERS; h++)
		if (m->head[pfn & ~((1u << h) - 1)] == h + 1)
			return false;
	return true;
}

/* First and one-past-last MAX_ORDER block index of a zone. */
static void zone_blocks_(const struct kmm_model_zone *z, uint32_t *b0, uint32_t *b1)
{
	*b0 = z->start_pfn / MODEL_BLOCK_PAGES;
	*b1 = (uint32_t)align_up_((uint64_t)z->start_pfn + z->spanned_pages, MODEL_BLOCK_PAGES) /
	      MODEL_BLOCK_PAGES;
}

static void free_blocks_rec_(const struct kmm_model *m, kmm_pfn_t q, unsigned j,
			     uint64_t exact[KMM_NR_ORDERS], uint64_t flex[KMM_NR_ORDERS])
{
	uint32_t n = occ_(m, q, j);

	if (n == 0) {
		if (flex && j > m->pageblock_order && model_block_touches_ha_(m, q, j))
			flex[j]++;
		else
			exact[j]++;
		return;
	}
	if (n == (1u << j))
		return;
	free_blocks_rec_(m, q, j - 1, exact, flex);
	free_blocks_rec_(m, q + (1u << (j - 1)), j - 1, exact, flex);
}

void kmm_model_free_blocks(const struct kmm_model *m, unsigned nid, enum kmm_zone_type zone,
			   uint64_t exact[KMM_NR_ORDERS], uint64_t flex[KMM_NR_ORDERS])
{
	const struct kmm_model_zone *z = kmm_model_zone(m, nid, zone);
	uint32_t b0, b1;

	memset(exact, 0, sizeof(uint64_t) * KMM_NR_ORDERS);
	if (flex)
		memset(flex, 0, sizeof(uint64_t) * KMM_NR_ORDERS);
	if (!z || !z->spanned)
		return;
	zone_blocks_(z, &b0, &b1);
	for (uint32_t b = b0; b < b1; b++)
		free_blocks_rec_(m, (kmm_pfn_t)b * MODEL_BLOCK_PAGES, KMM_MAX_ORDER, exact, flex);
}

static bool has_block_rec_(const struct kmm_model *m, kmm_pfn_t q, unsigned j, unsigned order,
			   bool excl)
{
	uint32_t n = occ_(m, q, j);

	if (n == 0) {
		if (!excl || !model_block_touches_ha_(m, q, j))
			return true;
	} else if (j == order || (1u << j) - n < (1u << order)) {
		return false;
	}
	if (j == order)
		return false;
	return has_block_rec_(m, q, j - 1, order, excl) ||
	       has_block_rec_(m, q + (1u << (j - 1)), j - 1, order, excl);
}

bool kmm_model_has_block(const struct kmm_model *m, unsigned nid, enum kmm_zone_type zone,
			 unsigned order, bool exclude_highatomic)
{
	const struct kmm_model_zone *z = kmm_model_zone(m, nid, zone);
	uint32_t b0, b1;

	if (!z || !z->spanned || order > KMM_MAX_ORDER || z->free_pages < (1u << order))
		return false;
	zone_blocks_(z, &b0, &b1);
	for (uint32_t b = b0; b < b1; b++)
		if (has_block_rec_(m, (kmm_pfn_t)b * MODEL_BLOCK_PAGES, KMM_MAX_ORDER, order,
				   exclude_highatomic))
			return true;
	return false;
}

static uint64_t free_runs_rec_(const struct kmm_model *m, kmm_pfn_t q, unsigned j, unsigned order)
{
	uint32_t n = occ_(m, q, j);

	if (n == 0) /* a canonical free block; one that touches a HIGHATOMIC
		     * candidate may sit on that list as a whole: skip it */
		return model_block_touches_ha_(m, q, j) ? 0 : 1ull << (j - order);
	if (j == order || (1u << j) - n < (1u << order))
		return 0;
	return free_runs_rec_(m, q, j - 1, order) + free_runs_rec_(m, q + (1u << (j - 1)), j - 1, order);
}

uint64_t model_free_runs_(const struct kmm_model *m, const struct kmm_model_zone *z, unsigned order)
{
	uint64_t runs = 0;
	uint32_t b0, b1;

	if (!z->spanned || order > KMM_MAX_ORDER || z->free_pages < (1u << order))
		return 0;
	zone_blocks_(z, &b0, &b1);
	for (uint32_t b = b0; b < b1; b++)
		runs += free_runs_rec_(m, (kmm_pfn_t)b * MODEL_BLOCK_PAGES, KMM_MAX_ORDER, order);
	return runs;
}

uint64_t kmm_model_highatomic_bound(const struct kmm_model *m, unsigned nid,
				    enum kmm_zone_type zone)
{
	const struct kmm_model_zone *z = kmm_model_zone(m, nid, zone);
	uint64_t set;

	if (!z)
		return 0;
	set = (uint64_t)z->ha_pageblocks << m->pageblock_order;
	return set < z->ha_cap ? set : z->ha_cap;
}
