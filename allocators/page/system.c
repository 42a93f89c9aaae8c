// SPDX-License-Identifier: MIT
/*
 * A simulated system: configuration, physical layout, struct page array,
 * zones, per-CPU state, and the conversions between pages, PFNs and
 * addresses.
 *
 * Boot follows the kernel's order (mm/mm_init.c, mm/page_alloc.c):
 *   1. lay out PFNs: node by node, zones in kernel order, each zone start
 *      rounded up to a MAX_ORDER block (1024 pages) so the buddy allocator
 *      never has to look across a zone edge (include/kmm/config.h);
 *   2. memmap_init: every struct page gets its node and zone; holes and the
 *      inter-zone padding are PG_hole, the first reserved_pages present pages
 *      of a zone are PG_reserved (memblock reservations); all pageblocks start
 *      MIGRATE_MOVABLE;
 *   3. memblock_free_all: the managed pages are freed into the buddy lists in
 *      the largest aligned blocks that fit;
 *   4. init_per_zone_wmark_min: min_free_kbytes, watermarks, lowmem_reserve,
 *      then pcp high/batch (which depend on the low watermark);
 *   5. zonelists and the task's default memory policy (numa.c).
 *
 * Sizes: spanned = zone end - zone start, present = spanned - hole, managed =
 * present - reserved. Only managed pages ever enter the allocator.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "internal.h"
#include "track.h"

_Static_assert(sizeof(struct kmm_page) <= 64, "struct kmm_page must stay within 64 bytes");

#define ZONE_ALIGN_PAGES (1u << KMM_MAX_ORDER)

static const uint32_t default_lowmem_reserve_ratio[KMM_NR_ZONES] = {
	[KMM_ZONE_DMA] = 256, [KMM_ZONE_DMA32] = 256, [KMM_ZONE_NORMAL] = 32,
	[KMM_ZONE_HIGHMEM] = 0, [KMM_ZONE_MOVABLE] = 0,
};

/* ---- configuration ----------------------------------------------------- */

/* Configuration and boot run once per system, their branches following
 * the config alone (which the fuzz decoders' own edges already report):
 * no sanitizer-coverage instrumentation, so libFuzzer does not pay
 * bookkeeping for them on every input (see KMM_NO_COVERAGE in internal.h). */
KMM_NO_COVERAGE_BEGIN

void kmm_config_init(struct kmm_config *cfg, unsigned nr_nodes, uint32_t pages_per_node)
{
	memset(cfg, 0, sizeof(*cfg));
	if (nr_nodes == 0)
		nr_nodes = 1;
	if (nr_nodes > KMM_MAX_NODES)
		nr_nodes = KMM_MAX_NODES;
	cfg->nr_nodes = nr_nodes;
	for (unsigned n = 0; n < nr_nodes; n++) {
		struct kmm_zone_config *zc = cfg->nodes[n].zones;
		if (n == 0) {
			uint32_t dma = pages_per_node / 16;
			if (dma > 4096)
				dma = 4096;
			uint32_t dma32 = pages_per_node / 4;
			zc[KMM_ZONE_DMA].spanned_pages = dma;
			zc[KMM_ZONE_DMA32].spanned_pages = dma32;
			zc[KMM_ZONE_NORMAL].spanned_pages = pages_per_node - dma - dma32;
		} else {
			zc[KMM_ZONE_NORMAL].spanned_pages = pages_per_node;
		}
	}
	cfg->nr_cpus = nr_nodes;
	cfg->seed = 1;
	cfg->slab_features = KMM_SLAB_FREELIST_HARDENED | KMM_SLAB_FREELIST_RANDOM;
	cfg->debug_level = 1;
}

/* The PFN layout, in 64 bits so validation can see overflow. Returns the
 * total PFN range; fills zone starts when starts != NULL. */
static uint64_t layout_pfns_(const struct kmm_config *cfg, uint64_t starts[KMM_MAX_NODES][KMM_NR_ZONES])
{
	uint64_t pfn = 0;
	for (unsigned n = 0; n < cfg->nr_nodes && n < KMM_MAX_NODES; n++) {
		for (unsigned z = 0; z < KMM_NR_ZONES; z++) {
			uint32_t span = cfg->nodes[n].zones[z].spanned_pages;
			if (span) {
				pfn = (pfn + ZONE_ALIGN_PAGES - 1) & ~(uint64_t)(ZONE_ALIGN_PAGES - 1);
			}
			if (starts)
				starts[n][z] = pfn;
			pfn += span;
		}
	}
	return pfn;
}

__attribute__((format(printf, 3, 4))) static int config_error_(char *msg, size_t len, const char *fmt, ...)
{
	if (msg && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int kmm_config_validate(const struct kmm_config *cfg, char *msg, size_t len)
{
	if (msg && len)
		msg[0] = '\0';
	if (!cfg)
		return config_error_(msg, len, "config is NULL");
	if (cfg->nr_nodes < 1 || cfg->nr_nodes > KMM_MAX_NODES)
		return config_error_(msg, len, "nr_nodes %u not in 1..%d", cfg->nr_nodes, KMM_MAX_NODES);
	if (cfg->nr_cpus < 1 || cfg->nr_cpus > KMM_MAX_CPUS)
		return config_error_(msg, len, "nr_cpus %u not in 1..%d", cfg->nr_cpus, KMM_MAX_CPUS);
	if ((unsigned)cfg->slab_backend >= KMM_NR_SLAB_BACKENDS)
		return config_error_(msg, len, "slab_backend %u not in 0..%d", (unsigned)cfg->slab_backend,
				     KMM_NR_SLAB_BACKENDS - 1);
	if (cfg->slab_features & ~(uint32_t)(KMM_SLAB_FREELIST_HARDENED | KMM_SLAB_FREELIST_RANDOM))
		return config_error_(msg, len, "slab_features 0x%x has unknown bits", cfg->slab_features);
	if (cfg->slab_max_order > KMM_MAX_ORDER)
		return config_error_(msg, len, "slab_max_order %u > %d", cfg->slab_max_order, KMM_MAX_ORDER);
	if (cfg->slab_min_objects > 32767)
		return config_error_(msg, len, "slab_min_objects %u > 32767", cfg->slab_min_objects);
	if (!memchr(cfg->slab_debug, '\0', sizeof(cfg->slab_debug)))
		return config_error_(msg, len, "slab_debug is not NUL-terminated within %zu bytes",
				     sizeof(cfg->slab_debug));
	{
		char why[128];
		if (kmm_slab_debug_syntax_(cfg->slab_debug, why, sizeof(why)) < 0)
			return config_error_(msg, len, "slab_debug \"%s\": %s", cfg->slab_debug, why);
		if (cfg->slab_ops && kmm_slab_ops_usable_(cfg->slab_ops, why, sizeof(why)) < 0)
			return config_error_(msg, len, "slab_ops: %s", why);
	}

	bool cpu_node_given = false;
	for (unsigned c = 0; c < KMM_MAX_CPUS; c++)
		cpu_node_given |= cfg->cpu_node[c] != 0;
	if (cpu_node_given) {
		for (unsigned c = 0; c < cfg->nr_cpus; c++)
			if (cfg->cpu_node[c] >= cfg->nr_nodes)
				return config_error_(msg, len, "cpu_node[%u] %u >= nr_nodes %u", c,
						     cfg->cpu_node[c], cfg->nr_nodes);
	}

	bool distance_given = false;
	for (unsigned a = 0; a < KMM_MAX_NODES; a++)
		for (unsigned b = 0; b < KMM_MAX_NODES; b++)
			distance_given |= cfg->distance[a][b] != 0;
	if (distance_given) {
		for (unsigned a = 0; a < cfg->nr_nodes; a++) {
			for (unsigned b = 0; b < cfg->nr_nodes; b++) {
				unsigned d = cfg->distance[a][b];
				if (a == b && d != 10)
					return config_error_(msg, len, "distance[%u][%u] %u != 10", a, b, d);
				if (a != b && d <= 10)
					return config_error_(msg, len, "distance[%u][%u] %u <= 10", a, b, d);
				if (d != cfg->distance[b][a])
					return config_error_(msg, len, "distance[%u][%u] %u != distance[%u][%u] %u",
							     a, b, d, b, a, cfg->distance[b][a]);
			}
		}
	}

	if (cfg->pageblock_order > KMM_MAX_ORDER)
		return config_error_(msg, len, "pageblock_order %u > MAX_ORDER %d", cfg->pageblock_order,
				     KMM_MAX_ORDER);
	if (cfg->watermark_scale_factor > 3000)
		return config_error_(msg, len, "watermark_scale_factor %u > 3000",
				     cfg->watermark_scale_factor);
	if (cfg->debug_level > 2)
		return config_error_(msg, len, "debug_level %u > 2", cfg->debug_level);

	uint64_t managed = 0;
	for (unsigned n = 0; n < cfg->nr_nodes; n++) {
		for (unsigned z = 0; z < KMM_NR_ZONES; z++) {
			const struct kmm_zone_config *zc = &cfg->nodes[n].zones[z];
			const char *zn = kmm_zone_name((enum kmm_zone_type)z);
			if (zc->hole_pages > zc->spanned_pages)
				return config_error_(msg, len, "nodes[%u].zones[%s].hole_pages %u > spanned_pages %u",
						     n, zn, zc->hole_pages, zc->spanned_pages);
			if (zc->hole_pages && (uint64_t)zc->hole_start + zc->hole_pages > zc->spanned_pages)
				return config_error_(msg, len,
						     "nodes[%u].zones[%s].hole_start %u + hole_pages %u > spanned_pages %u",
						     n, zn, zc->hole_start, zc->hole_pages, zc->spanned_pages);
			uint32_t present = zc->spanned_pages - zc->hole_pages;
			if (zc->reserved_pages > present)
				return config_error_(msg, len, "nodes[%u].zones[%s].reserved_pages %u > present_pages %u",
						     n, zn, zc->reserved_pages, present);
			managed += present - zc->reserved_pages;
		}
	}
	if (managed == 0)
		return config_error_(msg, len, "no managed pages: every zone is empty, a hole or reserved");
	uint64_t total = layout_pfns_(cfg, NULL);
	if (total >= KMM_PFN_NONE)
		return config_error_(msg, len, "%llu PFNs (with inter-zone padding) do not fit in kmm_pfn_t",
				     (unsigned long long)total);
	if (total > (SIZE_MAX >> KMM_PAGE_SHIFT))
		return config_error_(msg, len, "arena of %llu pages does not fit the address space",
				     (unsigned long long)total);

	const struct kmm_platform *p = cfg->platform;
	if (p) {
		if (!p->arena_map || !p->arena_unmap || !p->meta_alloc || !p->meta_free)
			return config_error_(msg, len, "platform lacks arena_map/arena_unmap/meta_alloc/meta_free");
		if (cfg->threaded && (!p->lock_init || !p->lock_destroy || !p->lock || !p->unlock ||
				      !p->current_cpu))
			return config_error_(msg, len, "threaded config needs platform locks and current_cpu");
	}
	return 0;
}

/* The validated config with every "0 = default" resolved. */
static void config_fill_defaults_(struct kmm_config *c)
{
	bool any = false;
	for (unsigned c2 = 0; c2 < KMM_MAX_CPUS; c2++)
		any |= c->cpu_node[c2] != 0;
	if (!any)
		for (unsigned cpu = 0; cpu < KMM_MAX_CPUS; cpu++)
			c->cpu_node[cpu] = (uint8_t)(cpu % c->nr_nodes);

	any = false;
	for (unsigned a = 0; a < KMM_MAX_NODES; a++)
		for (unsigned b = 0; b < KMM_MAX_NODES; b++)
			any |= c->distance[a][b] != 0;
	if (!any)
		for (unsigned a = 0; a < KMM_MAX_NODES; a++)
			for (unsigned b = 0; b < KMM_MAX_NODES; b++)
				c->distance[a][b] = a == b ? 10 : 20;

	if (c->pageblock_order == 0)
		c->pageblock_order = KMM_DEFAULT_PAGEBLOCK_ORDER;
	if (c->watermark_scale_factor == 0)
		c->watermark_scale_factor = 10;
	if (c->watermark_boost_factor == 0)
		c->watermark_boost_factor = 15000;

	any = false;
	for (unsigned z = 0; z < KMM_NR_ZONES; z++)
		any |= c->lowmem_reserve_ratio[z] != 0;
	if (!any)
		memcpy(c->lowmem_reserve_ratio, default_lowmem_reserve_ratio, sizeof(c->lowmem_reserve_ratio));
	if (!c->platform)
		c->platform = kmm_platform_hosted();
}

KMM_NO_COVERAGE_END

/* ---- locks and CPUs ---------------------------------------------------- */

unsigned kmm_current_cpu_slow_(const struct kmm *k)
{
	unsigned cpu = k->plat->current_cpu(k->plat->ctx);
	return cpu < k->nr_cpus ? cpu : cpu % k->nr_cpus;
}

/* k->cur_cpu and the fast paths' view of it. */
static void set_cpu_fast_(struct kmm *k, unsigned cpu)
{
	k->cur_cpu = cpu;
	k->fast_cur = k->fast[cpu];
	k->pcp_cur = cpu * sizeof(struct per_cpu_pages);
	for (unsigned mt = 0; mt < KMM_MIGRATE_PCPTYPES; mt++) {
		k->pcp_tag[mt][0] = (uint8_t)mt;
		k->pcp_tag[mt][1] = (uint8_t)cpu;
	}
	if (k->slab)
		kmm_slab_cpu_changed_(k);
}

int kmm_set_cpu(struct kmm *k, unsigned cpu)
{
	if (!k || cpu >= k->nr_cpus)
		return -EINVAL;
	if (k->cfg.threaded) {
		if (k->plat->set_current_cpu)
			k->plat->set_current_cpu(k->plat->ctx, cpu);
	} else {
		set_cpu_fast_(k, cpu);
	}
	return 0;
}

unsigned kmm_current_cpu(const struct kmm *k)
{
	return current_cpu_(k);
}

int kmm_numa_node_id(const struct kmm *k)
{
	return k->cfg.cpu_node[current_cpu_(k)];
}

/* ---- boot --------------------------------------------------------------- */

/* Boot and teardown: set-up code, as the configuration above. */
KMM_NO_COVERAGE_BEGIN

/* The boot loops that fill the system's own arrays at indices bounded by
 * the layout are KMM_NO_SANITIZE (internal.h). */

static void *meta_(struct kmm *k, size_t bytes)
{
	return k->plat->meta_alloc(k->plat->ctx, bytes);
}

/* Entries of k->pageblock_mt: every pageblock of the PFN range. */
static size_t nr_pageblocks_(const struct kmm *k)
{
	return ((size_t)k->total_pages + (1u << k->pageblock_order) - 1) >> k->pageblock_order;
}

/* One zone's sizes, free lists and pcp arrays (its struct pages are
 * memmap_init_()'s); false on allocation failure. */
KMM_NO_COVERAGE KMM_NO_SANITIZE static bool zone_init_(struct kmm *k, struct kmm_zone *z, unsigned nid,
						   unsigned zt, kmm_pfn_t start)
{
	const struct kmm_zone_config *zc = &k->cfg.nodes[nid].zones[zt];

	z->sys = k;
	z->node = (uint8_t)nid;
	z->idx = (uint8_t)zt;
	z->start_pfn = start;
	z->spanned_pages = zc->spanned_pages;
	z->present_pages = zc->spanned_pages - zc->hole_pages;
	z->managed_pages = z->present_pages - zc->reserved_pages;
	z->populated = z->managed_pages > 0;
	for (unsigned o = 0; o < KMM_NR_ORDERS; o++)
		for (unsigned t = 0; t < KMM_MIGRATE_TYPES; t++)
			INIT_LIST_HEAD(&z->free_area[o].free_list[t]);
	if (k->cfg.threaded)
		k->plat->lock_init(k->plat->ctx, &z->lock);
	if (!z->spanned_pages)
		return true;

	/* Zones start on MAX_ORDER boundaries, so the zone's pageblocks are a
	 * run of the system-wide table of their own. */
	z->pageblock_mt = k->pageblock_mt + (start >> k->pageblock_order);
	if (z->populated) {
		z->pcp = meta_(k, sizeof(*z->pcp) * k->nr_cpus);
		if (!z->pcp)
			return false;
		for (unsigned c = 0; c < k->nr_cpus; c++) {
			z->pcp[c].zone = z;
			for (unsigned i = 0; i < NR_PCP_LISTS; i++)
				INIT_LIST_HEAD(&z->pcp[c].lists[i]);
		}
	}

	return true;
}

/*
 * The runs of one zone, in PFN order: [0] present pages before the hole,
 * [1] the hole, [2] present pages after it (a zone without a hole has only
 * run 0). The first reserved_pages present pages are reserved: they come off
 * the front of run 0, then of run 2. Managed pages are what is left of runs
 * 0 and 2.
 */
struct zone_runs {
	kmm_pfn_t start[3], end[3];  /* [start, end) of each run */
	kmm_pfn_t managed_from[3];   /* runs 0 and 2: first managed page */
};

static void zone_runs_(const struct kmm *k, const struct kmm_zone *z, struct zone_runs *r)
{
	const struct kmm_zone_config *zc = &k->cfg.nodes[z->node].zones[z->idx];
	kmm_pfn_t start = z->start_pfn, end = start + z->spanned_pages;
	kmm_pfn_t hs = zc->hole_pages ? start + zc->hole_start : end;
	kmm_pfn_t he = zc->hole_pages ? hs + zc->hole_pages : end;
	uint32_t reserved = zc->reserved_pages;

	r->start[0] = start, r->end[0] = hs;
	r->start[1] = hs, r->end[1] = he;
	r->start[2] = he, r->end[2] = end;
	for (unsigned i = 0; i < 3; i += 2) {
		uint32_t len = r->end[i] - r->start[i], take = reserved < len ? reserved : len;
		r->managed_from[i] = r->start[i] + take;
		reserved -= take;
	}
}

/* migratetype, pcp_cpu, zone, node and refcount: one 8-byte word. */
_Static_assert(offsetof(struct kmm_page, zone) == offsetof(struct kmm_page, migratetype) + 2 &&
		       offsetof(struct kmm_page, node) == offsetof(struct kmm_page, migratetype) + 3 &&
		       offsetof(struct kmm_page, refcount) == offsetof(struct kmm_page, migratetype) + 4,
	       "struct kmm_page: migratetype, pcp_cpu, zone, node, refcount side by side");

/* Give [from, to) of the zeroed array the same node, zone, flags and
 * reference count: one store a page (two with flags). */
KMM_NO_COVERAGE KMM_NO_SANITIZE static void pages_fill_(struct kmm *k, kmm_pfn_t from, kmm_pfn_t to, uint8_t nid,
						    uint8_t zt, uint32_t flags, int32_t refcount)
{
	struct kmm_page tmpl;
	uint64_t word;

	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.zone = zt;
	tmpl.node = nid;
	tmpl.refcount = refcount;
	memcpy(&word, &tmpl.migratetype, sizeof(word));
	for (kmm_pfn_t pfn = from; pfn < to; pfn++) {
		struct kmm_page *p = &k->pages[pfn];
		memcpy(&p->migratetype, &word, sizeof(word));
		if (flags)
			p->flags = flags;
	}
}

/*
 * memmap_init: every struct page in one pass over the array, which comes
 * zeroed from meta_alloc (list links, order and the rest start at zero;
 * nothing reads the links of a page that is on no list). Each page gets its
 * node and zone; inter-zone padding takes those of the zone it precedes and
 * is PG_hole like a zone's hole; the first reserved_pages present pages of a
 * zone are PG_reserved with a reference; managed pages stay blank until
 * zone_free_managed_() hands them to the buddy lists.
 */
KMM_NO_COVERAGE static void memmap_init_(struct kmm *k)
{
	kmm_pfn_t cursor = 0;
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++) {
			struct kmm_zone *z = &k->nodes[n].zones[zt];
			struct zone_runs r;
			if (!z->spanned_pages)
				continue;
			zone_runs_(k, z, &r);
			pages_fill_(k, cursor, z->start_pfn, (uint8_t)n, (uint8_t)zt, PG_hole, 0);
			pages_fill_(k, r.start[0], r.managed_from[0], (uint8_t)n, (uint8_t)zt, PG_reserved, 1);
			pages_fill_(k, r.managed_from[0], r.end[0], (uint8_t)n, (uint8_t)zt, 0, 0);
			pages_fill_(k, r.start[1], r.end[1], (uint8_t)n, (uint8_t)zt, PG_hole, 0);
			pages_fill_(k, r.start[2], r.managed_from[2], (uint8_t)n, (uint8_t)zt, PG_reserved, 1);
			pages_fill_(k, r.managed_from[2], r.end[2], (uint8_t)n, (uint8_t)zt, 0, 0);
			cursor = r.end[2];
		}
	}
	/* Nodes without memory past the last zone: padding of no zone. */
	pages_fill_(k, cursor, k->total_pages, 0, 0, PG_hole, 0);
}

/* Every pageblock starts MOVABLE (pageblock_mt); now that the zones have
 * their pcp arrays, the fast free's copy can say whose they are. */
KMM_NO_COVERAGE KMM_NO_SANITIZE static void pageblocks_init_(struct kmm *k)
{
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++) {
			struct kmm_zone *z = &k->nodes[n].zones[zt];
			for (kmm_pfn_t pfn = z->start_pfn; pfn < z->start_pfn + z->spanned_pages;
			     pfn += 1u << k->pageblock_order)
				set_pageblock_migratetype_(z, pfn, KMM_MIGRATE_MOVABLE);
		}
	}
}

/* memblock_free_all for one zone: each run of managed pages goes to the
 * buddy lists as the largest naturally aligned blocks that fit. */
KMM_NO_COVERAGE static void zone_free_managed_(struct kmm *k, struct kmm_zone *z)
{
	struct zone_runs r;
	zone_runs_(k, z, &r);
	for (unsigned i = 0; i < 3; i += 2) {
		kmm_pfn_t pfn = r.managed_from[i], run_end = r.end[i];
		while (pfn < run_end) {
			unsigned order = pfn ? (unsigned)__builtin_ctz(pfn) : KMM_MAX_ORDER;
			if (order > KMM_MAX_ORDER)
				order = KMM_MAX_ORDER;
			while (pfn + (1u << order) > run_end)
				order--;
			__free_one_page_(z, pfn, order, get_pageblock_migratetype_(z, pfn));
			pfn += 1u << order;
		}
	}
}


static void report_config_error_(const struct kmm_config *cfg, const char *msg)
{
	if (cfg && cfg->sink.emit) {
		char line[320];
		snprintf(line, sizeof(line), "kmm_create: invalid config: %s\n", msg);
		cfg->sink.emit(cfg->sink.ctx, KMM_REPORT_WARNING, line);
	}
}

struct kmm *kmm_create(const struct kmm_config *cfg)
{
	char msg[256];
	uint64_t starts[KMM_MAX_NODES][KMM_NR_ZONES];

	if (kmm_config_validate(cfg, msg, sizeof(msg)) != 0) {
		report_config_error_(cfg, msg);
		return NULL;
	}
	const struct kmm_platform *plat = cfg->platform ? cfg->platform : kmm_platform_hosted();
	struct kmm *k = plat->meta_alloc(plat->ctx, sizeof(*k));
	if (!k) {
		report_config_error_(cfg, "out of memory for struct kmm");
		return NULL;
	}
	k->cfg = *cfg;
	config_fill_defaults_(&k->cfg);
	k->plat = plat;
	k->nr_nodes = cfg->nr_nodes;
	k->nr_cpus = cfg->nr_cpus;
	k->pageblock_order = k->cfg.pageblock_order;
	k->rng = cfg->seed;
	k->total_pages = (kmm_pfn_t)layout_pfns_(&k->cfg, starts);

	k->pages = meta_(k, sizeof(struct kmm_page) * (size_t)k->total_pages);
	k->pageblock_mt = meta_(k, nr_pageblocks_(k));
	k->pageblock_pcp = meta_(k, nr_pageblocks_(k) * sizeof(uintptr_t));
	k->arena = plat->arena_map(plat->ctx, (size_t)k->total_pages << KMM_PAGE_SHIFT);
	if (!k->pages || !k->pageblock_mt || !k->pageblock_pcp || !k->arena) {
		report_config_error_(cfg, "out of memory for the arena or the struct page array");
		kmm_destroy(k);
		return NULL;
	}
	kmm_track_arena_created(k, (size_t)k->total_pages << KMM_PAGE_SHIFT);
	memset(k->pageblock_mt, KMM_MIGRATE_MOVABLE, nr_pageblocks_(k));
	set_cpu_fast_(k, 0);

	for (unsigned n = 0; n < k->nr_nodes; n++) {
		struct kmm_node *node = &k->nodes[n];
		node->id = (uint8_t)n;
		node->start_pfn = node->end_pfn = (kmm_pfn_t)starts[n][0];
		bool first = true;
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++) {
			struct kmm_zone *z = &node->zones[zt];
			if (!zone_init_(k, z, n, zt, (kmm_pfn_t)starts[n][zt])) {
				report_config_error_(cfg, "out of memory for zone metadata");
				kmm_destroy(k);
				return NULL;
			}
			if (z->spanned_pages) {
				if (first)
					node->start_pfn = z->start_pfn;
				first = false;
				node->end_pfn = z->start_pfn + z->spanned_pages;
			}
		}
	}
	memmap_init_(k);
	pageblocks_init_(k);
	for (unsigned n = 0; n < k->nr_nodes; n++)
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++)
			if (k->nodes[n].zones[zt].populated)
				zone_free_managed_(k, &k->nodes[n].zones[zt]);

	setup_per_zone_wmarks_(k);
	setup_per_zone_lowmem_reserve_(k);
	for (unsigned n = 0; n < k->nr_nodes; n++)
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++)
			if (k->nodes[n].zones[zt].populated)
				pcp_update_(&k->nodes[n].zones[zt]);

	build_zonelists_(k);
	mempolicy_init_(k);
	build_fast_alloc_(k);
	/* Threaded systems make the object allocators now, before any thread
	 * could race to make them (single-threaded ones on first use). */
	if (k->cfg.threaded && !kmm_slab_system_(k)) {
		report_config_error_(cfg, "cannot set up the object allocators");
		kmm_destroy(k);
		return NULL;
	}
	return k;
}

void kmm_destroy(struct kmm *k)
{
	if (!k)
		return;
	const struct kmm_platform *plat = k->plat;
	if (k->slab)
		kmm_slab_system_destroy_(k);
	/* The arena first: giving it back may read the counters and the page
	 * array (kmm_track_repoison_allocated_). */
	if (k->arena) {
		size_t bytes = (size_t)k->total_pages << KMM_PAGE_SHIFT;
		kmm_track_arena_destroyed(k, bytes);
		plat->arena_unmap(plat->ctx, k->arena, bytes);
	}
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++) {
			struct kmm_zone *z = &k->nodes[n].zones[zt];
			if (z->sys && k->cfg.threaded)
				plat->lock_destroy(plat->ctx, &z->lock);
			if (z->pcp)
				plat->meta_free(plat->ctx, z->pcp, sizeof(*z->pcp) * k->nr_cpus);
		}
	}
	if (k->pages)
		plat->meta_free(plat->ctx, k->pages, sizeof(struct kmm_page) * (size_t)k->total_pages);
	if (k->pageblock_pcp)
		plat->meta_free(plat->ctx, k->pageblock_pcp, nr_pageblocks_(k) * sizeof(uintptr_t));
	if (k->pageblock_mt)
		plat->meta_free(plat->ctx, k->pageblock_mt, nr_pageblocks_(k));
	plat->meta_free(plat->ctx, k, sizeof(*k));
}

KMM_NO_COVERAGE_END

/* ---- tracepoints --------------------------------------------------------- */

static void tp_none_(void *ctx, kmm_pfn_t pfn, unsigned order)
{
	(void)ctx, (void)pfn, (void)order;
}

void kmm_set_page_tracepoints(struct kmm *k, const struct kmm_page_tracepoints *tp)
{
	memset(&k->tp, 0, sizeof(k->tp));
	if (tp && (tp->mm_page_alloc || tp->mm_page_free)) {
		/* kmm_tp_fire_() tests the alloc hook alone: both are set. */
		k->tp.mm_page_alloc = tp->mm_page_alloc ? tp->mm_page_alloc : tp_none_;
		k->tp.mm_page_free = tp->mm_page_free ? tp->mm_page_free : tp_none_;
		k->tp.ctx = tp->ctx;
	}
	k->tracking = k->vg_tracking || k->tp.mm_page_alloc;
	/* Tracked frees must leave the fast free for its out-of-line end. */
	for (unsigned n = 0; n < k->nr_nodes; n++)
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++)
			if (k->nodes[n].zones[zt].pcp)
				pcp_update_(&k->nodes[n].zones[zt]);
	update_fast_bounds_(k);
}

void kmm_tp_fire_slow_(struct kmm *k, const void *addr, size_t bytes, bool alloc)
{
	kmm_pfn_t pfn = (kmm_pfn_t)(((uintptr_t)addr - (uintptr_t)k->arena) >> KMM_PAGE_SHIFT);
	unsigned order = 0;
	while (((size_t)KMM_PAGE_SIZE << order) < bytes)
		order++;
	if (alloc)
		k->tp.mm_page_alloc(k->tp.ctx, pfn, order);
	else
		k->tp.mm_page_free(k->tp.ctx, pfn, order);
}

/* ---- ASan: the arena back to its platform ------------------------------- */

/*
 * An arena_poisoned platform takes its arena back poisoned from end to
 * end: free pages are (buddy and pcp blocks stay poisoned), holes and
 * reserved pages never stopped being, so only the blocks still handed out
 * need it, and when every page allocated has been freed there are none.
 */
void kmm_track_repoison_allocated_(struct kmm *k)
{
#if defined(KMM_TRACK_ASAN)
	if (!k->pages || vm_event_total_(k, KMM_PGALLOC) == vm_event_total_(k, KMM_PGFREE))
		return;
	for (kmm_pfn_t pfn = 0; pfn < k->total_pages;) {
		const struct kmm_page *p = &k->pages[pfn];
		if (p->flags & PG_allocated) {
			size_t bytes = (size_t)KMM_PAGE_SIZE << p->private_;
			kmm_asan_poison_((char *)k->arena + ((size_t)pfn << KMM_PAGE_SHIFT), bytes);
			pfn += 1u << p->private_;
		} else {
			pfn++;
		}
	}
#else
	(void)k;
#endif
}

/* ---- conversions and accessors ----------------------------------------- */

kmm_pfn_t kmm_page_to_pfn(const struct kmm *k, const struct kmm_page *page)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)k->pages;
	if (!page || (uintptr_t)page < (uintptr_t)k->pages || off % sizeof(struct kmm_page))
		return KMM_PFN_NONE;
	uintptr_t pfn = off / sizeof(struct kmm_page);
	return pfn < k->total_pages ? (kmm_pfn_t)pfn : KMM_PFN_NONE;
}

struct kmm_page *kmm_pfn_to_page(const struct kmm *k, kmm_pfn_t pfn)
{
	return pfn < k->total_pages ? &k->pages[pfn] : NULL;
}

void *kmm_page_address(const struct kmm *k, const struct kmm_page *page)
{
	kmm_pfn_t pfn = kmm_page_to_pfn(k, page);
	if (pfn == KMM_PFN_NONE)
		return NULL;
	return (char *)k->arena + ((size_t)pfn << KMM_PAGE_SHIFT);
}

struct kmm_page *kmm_virt_to_page(const struct kmm *k, const void *addr)
{
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)k->arena;
	if (a < base || (a - base) >> KMM_PAGE_SHIFT >= k->total_pages)
		return NULL;
	return &k->pages[(a - base) >> KMM_PAGE_SHIFT];
}

int kmm_page_to_nid(const struct kmm *k, const struct kmm_page *page)
{
	kmm_pfn_t pfn = kmm_page_to_pfn(k, page);
	return pfn == KMM_PFN_NONE ? -1 : k->pages[pfn].node;
}

enum kmm_zone_type kmm_page_zonenum(const struct kmm *k, const struct kmm_page *page)
{
	kmm_pfn_t pfn = kmm_page_to_pfn(k, page);
	return pfn == KMM_PFN_NONE ? KMM_NR_ZONES : (enum kmm_zone_type)k->pages[pfn].zone;
}

unsigned kmm_compound_order(const struct kmm *k, const struct kmm_page *page)
{
	kmm_pfn_t pfn = kmm_page_to_pfn(k, page);
	if (pfn == KMM_PFN_NONE || !(k->pages[pfn].flags & PG_head))
		return 0;
	return k->pages[pfn].private_;
}

int kmm_page_count(const struct kmm *k, const struct kmm_page *page)
{
	kmm_pfn_t pfn = kmm_page_to_pfn(k, page);
	return pfn == KMM_PFN_NONE ? 0 : k->pages[pfn].refcount;
}

void *kmm_arena_base(const struct kmm *k)
{
	return k->arena;
}

kmm_pfn_t kmm_total_pages(const struct kmm *k)
{
	return k->total_pages;
}
