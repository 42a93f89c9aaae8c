// SPDX-License-Identifier: MIT
/*
 * Counters and /proc-style views of a system (mm/vmstat.c's seq_files).
 *
 * kmm_zone_info() is the structured view a harness compares with its model;
 * kmm_show() prints the same state in the kernel's text formats so that
 * people and scripts that read /proc/buddyinfo, /proc/pagetypeinfo,
 * /proc/zoneinfo, /proc/vmstat and /sys/devices/system/node/node<N>/numastat
 * can read libkmm's output the same way:
 *
 *   buddyinfo     one line per populated zone: free blocks per order;
 *   pagetypeinfo  per node with memory: free blocks per order and migrate
 *                 type, then pageblocks per migrate type;
 *   zoneinfo      every zone of every node, populated or not: free pages,
 *                 watermarks (boost included, as min_wmark_pages() and
 *                 friends report them), sizes, protection (lowmem_reserve),
 *                 and for populated zones the pcp lists of every CPU;
 *
 * "Populated" in the views is the kernel's populated_zone(): present pages,
 * managed or not (the allocator's own z->populated means managed pages).
 *   vmstat        "name value" lines: the kernel's names where the kernel
 *                 has the counter, libkmm's own after them;
 *   numastat      the sysfs numastat block, once per node under a "Node N:"
 *                 line (sysfs has one file per node; this is one stream).
 *
 * Lines the kernel prints for subsystems libkmm does not have yet (per-node
 * LRU stats, vm stats threshold) are left out rather than filled with
 * invented numbers; fields inside a line that the kernel always prints
 * (cma, promo, high_min/high_max) carry the value they have here (0, the
 * watermark formula, the fixed pcp high).
 *
 * Zone state is read under the zone lock (threaded mode) and the writer is
 * only called with no lock held. Counts per migrate type come from the free
 * areas' per-type counters (pagetypeinfo still shows the kernel's cap of its
 * list walks); kmm_zone_info() and kmm_zone_counts() walk nothing. The
 * pageblock table counts every block the zone spans, holes included (the
 * kernel skips only blocks without a memmap).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The kernel caps its pagetypeinfo list walks (under the zone lock). */
#define PAGETYPEINFO_WALK_CAP 100000

/* ---- shared walks ----------------------------------------------------- */

static bool valid_zone(const struct kmm *k, int nid, int zone)
{
	return k && nid >= 0 && nid < (int)k->nr_nodes && zone >= 0 && zone < KMM_NR_ZONES;
}

/* ---- counters with the per-CPU shares added in --------------------------- */

/*
 * The fast paths count in their pcp's fast_alloc / fast_free (internal.h);
 * these fold those shares into the shared counters when read. The shares
 * are written only single-threaded, so plain reads are enough; the shared
 * counters may move under threads and are read atomically.
 */
KMM_NO_COVERAGE static uint64_t pcp_share_(const struct kmm_zone *z, bool alloc, int cpu_node)
{
	uint64_t n = 0;
	if (!z->pcp)
		return 0;
	for (unsigned c = 0; c < z->sys->nr_cpus; c++) {
		if (cpu_node >= 0 && z->sys->cfg.cpu_node[c] != cpu_node)
			continue;
		n += alloc ? z->pcp[c].fast_alloc : z->pcp[c].fast_free;
	}
	return n;
}

uint64_t vm_event_total_(const struct kmm *k, enum kmm_vm_item item)
{
	uint64_t n = __atomic_load_n(&k->vm[item], __ATOMIC_RELAXED);
	if (item != KMM_PGALLOC && item != KMM_PGFREE)
		return n;
	for (unsigned nid = 0; nid < k->nr_nodes; nid++)
		for (int zi = 0; zi < KMM_NR_ZONES; zi++)
			n += pcp_share_(&k->nodes[nid].zones[zi], item == KMM_PGALLOC, -1);
	return n;
}

uint64_t zone_pgalloc_total_(const struct kmm_zone *z)
{
	return __atomic_load_n(&z->vm_pgalloc, __ATOMIC_RELAXED) + pcp_share_(z, true, -1);
}

uint64_t numa_stat_total_(const struct kmm *k, int nid, enum kmm_numa_item item)
{
	uint64_t n = __atomic_load_n(&k->nodes[nid].numa[item], __ATOMIC_RELAXED);
	const struct kmm_zone *zones = k->nodes[nid].zones;

	/* Fast-path pages are numa_hit on the zone's node, and numa_local
	 * when the allocating CPU sits on that node, numa_other when not. */
	for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
		switch (item) {
		case KMM_NUMA_HIT:
			n += pcp_share_(&zones[zi], true, -1);
			break;
		case KMM_NUMA_LOCAL:
			n += pcp_share_(&zones[zi], true, nid);
			break;
		case KMM_NUMA_OTHER:
			n += pcp_share_(&zones[zi], true, -1) - pcp_share_(&zones[zi], true, nid);
			break;
		default:
			break;
		}
	}
	return n;
}

/* ---- structured view -------------------------------------------------- */

/* The harness reads these after every op: copies and sums, nothing for a
 * fuzzer to learn from (KMM_NO_COVERAGE, internal.h). */
KMM_NO_COVERAGE int kmm_zone_info(struct kmm *k, int nid, enum kmm_zone_type zone, struct kmm_zone_info *out)
{
	if (!valid_zone(k, nid, (int)zone) || !out)
		return -EINVAL;

	struct kmm_zone *z = &k->nodes[nid].zones[zone];
	memset(out, 0, sizeof(*out));
	out->populated = z->populated;
	out->start_pfn = z->start_pfn;
	out->spanned_pages = z->spanned_pages;
	out->present_pages = z->present_pages;
	out->managed_pages = z->managed_pages;

	/* Every zone has its lists and watermarks set up (empty ones too);
	 * only populated zones have pcp lists. */
	zone_lock_(z);
	out->free_pages = z->free_pages;
	out->wmark_min = z->wmark[WMARK_MIN]; /* without the boost, which is apart */
	out->wmark_low = z->wmark[WMARK_LOW];
	out->wmark_high = z->wmark[WMARK_HIGH];
	out->wmark_boost = z->wmark_boost;
	memcpy(out->lowmem_reserve, z->lowmem_reserve, sizeof(out->lowmem_reserve));
	out->nr_reserved_highatomic = z->nr_reserved_highatomic;
	for (int o = 0; o < KMM_NR_ORDERS; o++)
		for (int t = 0; t < KMM_MIGRATE_TYPES; t++)
			out->nr_free[o][t] = z->free_area[o].nr_free_mt[t];
	if (z->pcp) {
		out->pcp_pages = zone_pcp_pages_(z);
		/* high and batch are zone-wide values copied to every CPU. */
		out->pcp_high = z->pcp[0].high;
		out->pcp_batch = z->pcp[0].batch;
	}
	zone_unlock_(z);
	return 0;
}

KMM_NO_COVERAGE int kmm_zone_counts(struct kmm *k, int nid, enum kmm_zone_type zone, uint64_t *free_pages,
				    uint64_t *pcp_pages)
{
	if (!valid_zone(k, nid, (int)zone))
		return -EINVAL;
	struct kmm_zone *z = &k->nodes[nid].zones[zone];
	zone_lock_(z);
	if (free_pages)
		*free_pages = z->free_pages;
	if (pcp_pages)
		*pcp_pages = zone_pcp_pages_(z);
	zone_unlock_(z);
	return 0;
}

uint64_t kmm_vm_event(const struct kmm *k, enum kmm_vm_item item)
{
	if (!k || (unsigned)item >= KMM_NR_VM_ITEMS)
		return 0;
	/* KMM_PGALLOC is also kept per zone (pgalloc_<zone> in vmstat). */
	return vm_event_total_(k, item);
}

/* ---- text output ------------------------------------------------------ */

/* Buffers output and hands it to the caller's writer a chunk at a time. */
struct printer {
	kmm_write_fn write;
	void *ctx;
	size_t len;
	char buf[1024];
};

static void pr_flush(struct printer *p)
{
	if (p->len)
		p->write(p->ctx, p->buf, p->len);
	p->len = 0;
}

static void pr(struct printer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pr(struct printer *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p->buf + p->len, sizeof(p->buf) - p->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(p->buf) - p->len) {
		/* Did not fit: flush and format again into the empty buffer.
		 * Every piece printed here is far shorter than the buffer. */
		pr_flush(p);
		va_start(ap, fmt);
		n = vsnprintf(p->buf, sizeof(p->buf), fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n >= sizeof(p->buf))
			n = (int)sizeof(p->buf) - 1;
	}
	p->len += (size_t)n;
}

/* The kernel's populated_zone(): present pages, managed or not. */
static bool zone_present(const struct kmm_zone *z) { return z->present_pages != 0; }

/* N_MEMORY: a node with a present page. */
static bool node_has_memory(const struct kmm *k, unsigned nid)
{
	for (int z = 0; z < KMM_NR_ZONES; z++)
		if (zone_present(&k->nodes[nid].zones[z]))
			return true;
	return false;
}

/* /proc/buddyinfo: frag_show_print(). */
static void show_buddyinfo(struct kmm *k, struct printer *p)
{
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			struct kmm_zone *z = &k->nodes[n].zones[zi];
			uint64_t nr[KMM_NR_ORDERS];

			if (!zone_present(z))
				continue;
			zone_lock_(z);
			for (int o = 0; o < KMM_NR_ORDERS; o++)
				nr[o] = z->free_area[o].nr_free;
			zone_unlock_(z);
			pr(p, "Node %u, zone %8s ", n, kmm_zone_name((enum kmm_zone_type)zi));
			for (int o = 0; o < KMM_NR_ORDERS; o++)
				pr(p, "%6llu ", (unsigned long long)nr[o]);
			pr(p, "\n");
		}
	}
}

/* pageblock count of a zone; pageblock_mt has one entry per block spanned. */
static uint64_t zone_pageblocks(const struct kmm *k, const struct kmm_zone *z)
{
	uint64_t per = (uint64_t)1 << k->pageblock_order;
	return (z->spanned_pages + per - 1) / per;
}

/* /proc/pagetypeinfo: pagetypeinfo_show() for every node with memory. */
static void show_pagetypeinfo(struct kmm *k, struct printer *p)
{
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		if (!node_has_memory(k, n))
			continue;
		pr(p, "Page block order: %u\n", k->pageblock_order);
		pr(p, "Pages per block:  %lu\n", 1ul << k->pageblock_order);
		pr(p, "\n");

		pr(p, "%-43s ", "Free pages count per migrate type at order");
		for (int o = 0; o < KMM_NR_ORDERS; o++)
			pr(p, "%6d ", o);
		pr(p, "\n");
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			struct kmm_zone *z = &k->nodes[n].zones[zi];
			if (!zone_present(z))
				continue;
			for (int t = 0; t < KMM_MIGRATE_TYPES; t++) {
				pr(p, "Node %4u, zone %8s, type %12s ", n,
				   kmm_zone_name((enum kmm_zone_type)zi),
				   kmm_migratetype_name((enum kmm_migratetype)t));
				for (int o = 0; o < KMM_NR_ORDERS; o++) {
					zone_lock_(z);
					uint64_t c = z->free_area[o].nr_free_mt[t];
					zone_unlock_(z);
					if (c > PAGETYPEINFO_WALK_CAP)
						c = PAGETYPEINFO_WALK_CAP;
					pr(p, "%s%6llu ", c >= PAGETYPEINFO_WALK_CAP ? ">" : "",
					   (unsigned long long)c);
				}
				pr(p, "\n");
			}
		}

		pr(p, "\n%-23s", "Number of blocks type ");
		for (int t = 0; t < KMM_MIGRATE_TYPES; t++)
			pr(p, "%12s ", kmm_migratetype_name((enum kmm_migratetype)t));
		pr(p, "\n");
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			struct kmm_zone *z = &k->nodes[n].zones[zi];
			uint64_t count[KMM_MIGRATE_TYPES] = { 0 };
			if (!zone_present(z))
				continue;
			zone_lock_(z);
			for (uint64_t b = 0; z->pageblock_mt && b < zone_pageblocks(k, z); b++)
				if (z->pageblock_mt[b] < KMM_MIGRATE_TYPES)
					count[z->pageblock_mt[b]]++;
			zone_unlock_(z);
			pr(p, "Node %u, zone %8s ", n, kmm_zone_name((enum kmm_zone_type)zi));
			for (int t = 0; t < KMM_MIGRATE_TYPES; t++)
				pr(p, "%12llu ", (unsigned long long)count[t]);
			pr(p, "\n");
		}
	}
}

/* What zoneinfo prints of one zone, copied under its lock so that the
 * caller's writer never runs with a zone lock held. */
struct zoneinfo_snap {
	uint64_t free, boost, wmark[NR_WMARK], lowmem_reserve[KMM_NR_ZONES];
	uint32_t count[KMM_MAX_CPUS], high[KMM_MAX_CPUS], batch[KMM_MAX_CPUS];
};

static void zoneinfo_snap(struct kmm *k, struct kmm_zone *z, struct zoneinfo_snap *s)
{
	zone_lock_(z);
	s->free = z->free_pages;
	s->boost = z->wmark_boost;
	memcpy(s->wmark, z->wmark, sizeof(s->wmark));
	memcpy(s->lowmem_reserve, z->lowmem_reserve, sizeof(s->lowmem_reserve));
	/* A zone with present but no managed pages has no pcp lists: zeros. */
	memset(s->count, 0, sizeof(s->count));
	memset(s->high, 0, sizeof(s->high));
	memset(s->batch, 0, sizeof(s->batch));
	for (unsigned c = 0; z->pcp && c < k->nr_cpus; c++) {
		s->count[c] = z->pcp[c].count;
		s->high[c] = z->pcp[c].high;
		s->batch[c] = z->pcp[c].batch;
	}
	zone_unlock_(z);
}

/* /proc/zoneinfo: zoneinfo_show_print() for every zone, populated or not. */
static void show_zoneinfo(struct kmm *k, struct printer *p)
{
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			struct kmm_zone *z = &k->nodes[n].zones[zi];
			struct zoneinfo_snap s;
			zoneinfo_snap(k, z, &s);
			uint64_t min = s.wmark[WMARK_MIN], low = s.wmark[WMARK_LOW];
			uint64_t high = s.wmark[WMARK_HIGH];
			/* WMARK_PROMO sits one watermark step above high. */
			uint64_t promo = high + (high - low);

			pr(p, "Node %u, zone %8s", n, kmm_zone_name((enum kmm_zone_type)zi));
			pr(p, "\n  pages free     %llu", (unsigned long long)s.free);
			pr(p, "\n        boost    %llu", (unsigned long long)s.boost);
			pr(p, "\n        min      %llu", (unsigned long long)(min + s.boost));
			pr(p, "\n        low      %llu", (unsigned long long)(low + s.boost));
			pr(p, "\n        high     %llu", (unsigned long long)(high + s.boost));
			pr(p, "\n        promo    %llu", (unsigned long long)(promo + s.boost));
			pr(p, "\n        spanned  %lu", (unsigned long)z->spanned_pages);
			pr(p, "\n        present  %lu", (unsigned long)z->present_pages);
			pr(p, "\n        managed  %lu", (unsigned long)z->managed_pages);
			pr(p, "\n        cma      %lu", 0ul);
			pr(p, "\n        protection: (%lld", (long long)s.lowmem_reserve[0]);
			for (int i = 1; i < KMM_NR_ZONES; i++)
				pr(p, ", %lld", (long long)s.lowmem_reserve[i]);
			pr(p, ")");
			if (!zone_present(z)) {
				pr(p, "\n");
				continue;
			}
			pr(p, "\n      %-12s %llu", "nr_free_pages", (unsigned long long)s.free);
			pr(p, "\n  pagesets");
			for (unsigned c = 0; c < k->nr_cpus; c++) {
				pr(p, "\n    cpu: %u", c);
				pr(p, "\n              count:    %u", s.count[c]);
				pr(p, "\n              high:     %u", s.high[c]);
				pr(p, "\n              batch:    %u", s.batch[c]);
				/* libkmm's high is fixed, so the kernel's range is one value. */
				pr(p, "\n              high_min: %u", s.high[c]);
				pr(p, "\n              high_max: %u", s.high[c]);
			}
			pr(p, "\n  node_unreclaimable:  %u", 0u);
			pr(p, "\n  start_pfn:           %lu", (unsigned long)z->start_pfn);
			pr(p, "\n");
		}
	}
}

/* Suffixes of the kernel's TEXTS_FOR_ZONES(). */
static const char *const zone_suffix[KMM_NR_ZONES] = {
	"dma", "dma32", "normal", "high", "movable",
};

static uint64_t node_numa_sum(const struct kmm *k, enum kmm_numa_item item)
{
	uint64_t sum = 0;
	for (unsigned n = 0; n < k->nr_nodes; n++)
		sum += kmm_numa_stat(k, (int)n, item);
	return sum;
}

/* /proc/vmstat: zone items, numa events, then events, in the kernel's order;
 * libkmm's own counters last. */
static void show_vmstat(struct kmm *k, struct printer *p)
{
	uint64_t free = 0, pgalloc[KMM_NR_ZONES] = { 0 };
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			struct kmm_zone *z = &k->nodes[n].zones[zi];
			zone_lock_(z);
			free += z->free_pages;
			pgalloc[zi] += zone_pgalloc_total_(z);
			zone_unlock_(z);
		}
	}
	pr(p, "nr_free_pages %llu\n", (unsigned long long)free);

	static const char *const numa_names[KMM_NR_NUMA_ITEMS] = {
		"numa_hit", "numa_miss", "numa_foreign",
		"numa_interleave", "numa_local", "numa_other",
	};
	for (int i = 0; i < KMM_NR_NUMA_ITEMS; i++)
		pr(p, "%s %llu\n", numa_names[i],
		   (unsigned long long)node_numa_sum(k, (enum kmm_numa_item)i));

	for (int z = 0; z < KMM_NR_ZONES; z++)
		pr(p, "pgalloc_%s %llu\n", zone_suffix[z], (unsigned long long)pgalloc[z]);
	pr(p, "allocstall %llu\n", (unsigned long long)kmm_vm_event(k, KMM_ALLOCSTALL));
	pr(p, "pgfree %llu\n", (unsigned long long)kmm_vm_event(k, KMM_PGFREE));

	pr(p, "pgalloc_fail %llu\n", (unsigned long long)kmm_vm_event(k, KMM_PGALLOC_FAIL));
	pr(p, "pcp_drain %llu\n", (unsigned long long)kmm_vm_event(k, KMM_PCP_DRAIN));
	pr(p, "pgsteal_fallback %llu\n",
	   (unsigned long long)kmm_vm_event(k, KMM_PGSTEAL_FALLBACK));
	pr(p, "pageblock_steal %llu\n", (unsigned long long)kmm_vm_event(k, KMM_PAGEBLOCK_STEAL));
	pr(p, "bad_page %llu\n", (unsigned long long)kmm_vm_event(k, KMM_BAD_PAGE));
}

/* node<N>/numastat: node_read_numastat(), one block per node. */
static void show_numastat(struct kmm *k, struct printer *p)
{
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		pr(p, "Node %u:\n", n);
		pr(p, "numa_hit %llu\n", (unsigned long long)kmm_numa_stat(k, (int)n, KMM_NUMA_HIT));
		pr(p, "numa_miss %llu\n", (unsigned long long)kmm_numa_stat(k, (int)n, KMM_NUMA_MISS));
		pr(p, "numa_foreign %llu\n",
		   (unsigned long long)kmm_numa_stat(k, (int)n, KMM_NUMA_FOREIGN));
		pr(p, "interleave_hit %llu\n",
		   (unsigned long long)kmm_numa_stat(k, (int)n, KMM_NUMA_INTERLEAVE_HIT));
		pr(p, "local_node %llu\n",
		   (unsigned long long)kmm_numa_stat(k, (int)n, KMM_NUMA_LOCAL));
		pr(p, "other_node %llu\n",
		   (unsigned long long)kmm_numa_stat(k, (int)n, KMM_NUMA_OTHER));
	}
}

const char *kmm_view_name(enum kmm_view view)
{
	static const char *const names[KMM_NR_VIEWS] = {
		[KMM_VIEW_BUDDYINFO] = "buddyinfo",
		[KMM_VIEW_PAGETYPEINFO] = "pagetypeinfo",
		[KMM_VIEW_ZONEINFO] = "zoneinfo",
		[KMM_VIEW_VMSTAT] = "vmstat",
		[KMM_VIEW_NUMASTAT] = "numastat",
		[KMM_VIEW_SLABINFO] = "slabinfo",
	};
	if ((unsigned)view >= KMM_NR_VIEWS)
		return "invalid";
	return names[view];
}

int kmm_show(struct kmm *k, enum kmm_view view, kmm_write_fn write, void *ctx)
{
	struct printer p;

	if (!k || !write || (unsigned)view >= KMM_NR_VIEWS)
		return -EINVAL;
	if (view == KMM_VIEW_SLABINFO)
		return kmm_slab_show_slabinfo_(k, write, ctx);
	p.write = write;
	p.ctx = ctx;
	p.len = 0;
	switch (view) {
	case KMM_VIEW_BUDDYINFO:
		show_buddyinfo(k, &p);
		break;
	case KMM_VIEW_PAGETYPEINFO:
		show_pagetypeinfo(k, &p);
		break;
	case KMM_VIEW_ZONEINFO:
		show_zoneinfo(k, &p);
		break;
	case KMM_VIEW_VMSTAT:
		show_vmstat(k, &p);
		break;
	case KMM_VIEW_NUMASTAT:
		show_numastat(k, &p);
		break;
	case KMM_VIEW_SLABINFO:
	case KMM_NR_VIEWS:
		break;
	}
	pr_flush(&p);
	return 0;
}
