// SPDX-License-Identifier: MIT
/*
 * The page allocation failure report: warn_alloc() and the Mem-Info dump
 * (mm/page_alloc.c warn_alloc(), mm/show_mem.c __show_mem() and
 * show_free_areas()).
 *
 * A failed allocation without __GFP_NOWARN produces one report:
 *
 *   kmm: page allocation failure: order:3, mode:0x20f000(GFP_KERNEL|__GFP_ZERO), nodemask=(null)
 *   Mem-Info:
 *   active_anon:0 inactive_anon:0 isolated_anon:0
 *   ...
 *    free:123 free_pcp:4 free_cma:0
 *   Node 0 active_anon:0kB ... all_unreclaimable? no
 *   Node 0 Normal free:492kB boost:0kB min:128kB ... present:4096kB managed:4096kB ...
 *   lowmem_reserve[]: 0 0 0 0 0
 *   Node 0 Normal: 3*4kB (UM) 0*8kB 1*16kB (M) ... = 492kB
 *   0 total pagecache pages
 *   4096 pages RAM
 *   0 pages HighMem/MovableOnly
 *   0 pages reserved
 *
 * "kmm" stands where the kernel prints the task's comm. The nodemask is
 * "(null)" unless the walk was restricted to fewer than all nodes (bind,
 * preferred-many), then the kernel's %*pbl list ("0-1,3"). The kernel's
 * filters are kept: the dump skips zones above the request's highest zone,
 * and, for requests that may reclaim directly, nodes outside the allowed
 * mask. The LRU counters are printed as 0 until reclaim exists, so the
 * layout does not change when it arrives. No rate limit: a deterministic
 * run reports every failure. The kernel's "Call Trace" is left out.
 */
#include <string.h>

#include "internal.h"

#define K(pages) ((unsigned long long)(pages) << (KMM_PAGE_SHIFT - 10))

static kmm_nodemask_t all_nodes(const struct kmm *k)
{
	return (kmm_nodemask_t)((1ull << k->nr_nodes) - 1);
}

/* %*pbl: "0-1,3". */
static void nodelist_text(struct kmm_text *t, kmm_nodemask_t mask)
{
	bool first = true;
	for (int n = 0; n < KMM_MAX_NODES; n++) {
		if (!(mask & (1u << n)))
			continue;
		int end = n;
		while (end + 1 < KMM_MAX_NODES && (mask & (1u << (end + 1))))
			end++;
		if (end > n)
			kmm_text_printf(t, "%s%d-%d", first ? "" : ",", n, end);
		else
			kmm_text_printf(t, "%s%d", first ? "" : ",", n);
		first = false;
		n = end;
	}
}

/*
 * What the dump prints of one zone, copied under the zone lock: the dump is
 * built from these, so no zone lock is held while text is formatted or the
 * report is emitted.
 */
struct zone_snap {
	uint64_t free, boost, wmark[NR_WMARK], highatomic, lowmem_reserve[KMM_NR_ZONES];
	uint64_t free_pcp, local_pcp;
	uint64_t nr[KMM_NR_ORDERS];     /* free blocks per order */
	unsigned types[KMM_NR_ORDERS];  /* bit t: the type-t list of that order is non-empty */
};

static void zone_snap(struct kmm *k, struct kmm_zone *z, struct zone_snap *s)
{
	unsigned cpu = current_cpu_(k);

	zone_lock_(z);
	s->free = z->free_pages;
	s->boost = z->wmark_boost;
	memcpy(s->wmark, z->wmark, sizeof(s->wmark));
	s->highatomic = z->nr_reserved_highatomic;
	memcpy(s->lowmem_reserve, z->lowmem_reserve, sizeof(s->lowmem_reserve));
	s->free_pcp = z->pcp ? zone_pcp_pages_(z) : 0;
	s->local_pcp = z->pcp ? z->pcp[cpu].count : 0;
	for (int o = 0; o < KMM_NR_ORDERS; o++) {
		s->nr[o] = z->free_area[o].nr_free;
		s->types[o] = 0;
		for (int mt = 0; mt < KMM_MIGRATE_TYPES; mt++)
			if (!list_empty(&z->free_area[o].free_list[mt]))
				s->types[o] |= 1u << mt;
	}
	zone_unlock_(z);
}

/* show_migration_types(): which lists of one order are non-empty. */
static void migration_types_text(struct kmm_text *t, unsigned types)
{
	static const char letters[KMM_MIGRATE_TYPES] = {
		[KMM_MIGRATE_UNMOVABLE] = 'U',
		[KMM_MIGRATE_MOVABLE] = 'M',
		[KMM_MIGRATE_RECLAIMABLE] = 'E',
		[KMM_MIGRATE_HIGHATOMIC] = 'H',
		[KMM_MIGRATE_ISOLATE] = 'I',
	};
	char tmp[KMM_MIGRATE_TYPES + 1];
	size_t n = 0;
	for (int i = 0; i < KMM_MIGRATE_TYPES; i++)
		if (types & (1u << i))
			tmp[n++] = letters[i];
	tmp[n] = '\0';
	kmm_text_printf(t, "(%s) ", tmp);
}

/* Zones and nodes the dump shows. */
struct show_filter {
	kmm_nodemask_t nodes;
	int max_zone;
};

static bool zone_shown(const struct kmm_zone *z, const struct show_filter *f)
{
	/* populated_zone(): present pages, managed or not. */
	return z->present_pages && z->idx <= f->max_zone && (f->nodes & (1u << z->node));
}

static void show_free_areas(struct kmm *k, struct kmm_text *t, const struct show_filter *f)
{
	struct zone_snap snap[KMM_MAX_NODES][KMM_NR_ZONES];
	uint64_t free = 0, free_pcp = 0;

	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			struct kmm_zone *z = &k->nodes[n].zones[zi];
			zone_snap(k, z, &snap[n][zi]);
			free += snap[n][zi].free;
			if (zone_shown(z, f))
				free_pcp += snap[n][zi].free_pcp;
		}
	}
	kmm_text_printf(t, "active_anon:0 inactive_anon:0 isolated_anon:0\n"
			   " active_file:0 inactive_file:0 isolated_file:0\n"
			   " unevictable:0 dirty:0 writeback:0\n"
			   " slab_reclaimable:0 slab_unreclaimable:0\n"
			   " mapped:0 shmem:0 pagetables:0\n"
			   " sec_pagetables:0 bounce:0\n"
			   " kernel_misc_reclaimable:0\n"
			   " free:%llu free_pcp:%llu free_cma:0\n",
			(unsigned long long)free, (unsigned long long)free_pcp);

	for (unsigned n = 0; n < k->nr_nodes; n++) {
		bool managed = false;
		if (!(f->nodes & (1u << n)))
			continue;
		for (int zi = 0; zi <= f->max_zone; zi++)
			managed |= k->nodes[n].zones[zi].managed_pages != 0;
		if (!managed)
			continue;
		kmm_text_printf(t, "Node %u active_anon:0kB inactive_anon:0kB active_file:0kB"
				   " inactive_file:0kB unevictable:0kB isolated(anon):0kB"
				   " isolated(file):0kB mapped:0kB dirty:0kB writeback:0kB"
				   " shmem:0kB writeback_tmp:0kB kernel_stack:0kB pagetables:0kB"
				   " sec_pagetables:0kB all_unreclaimable? no\n",
				n);
	}

	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			const struct kmm_zone *z = &k->nodes[n].zones[zi];
			const struct zone_snap *s = &snap[n][zi];
			if (!zone_shown(z, f))
				continue;
			kmm_text_printf(t, "Node %u %s free:%llukB boost:%llukB min:%llukB low:%llukB"
					   " high:%llukB reserved_highatomic:%lluKB active_anon:0kB"
					   " inactive_anon:0kB active_file:0kB inactive_file:0kB"
					   " unevictable:0kB writepending:0kB present:%llukB"
					   " managed:%llukB mlocked:0kB bounce:0kB free_pcp:%llukB"
					   " local_pcp:%llukB free_cma:0kB\n",
					n, kmm_zone_name((enum kmm_zone_type)zi), K(s->free), K(s->boost),
					K(s->wmark[WMARK_MIN] + s->boost), K(s->wmark[WMARK_LOW] + s->boost),
					K(s->wmark[WMARK_HIGH] + s->boost), K(s->highatomic),
					K(z->present_pages), K(z->managed_pages), K(s->free_pcp),
					K(s->local_pcp));
			kmm_text_printf(t, "lowmem_reserve[]:");
			for (int i = 0; i < KMM_NR_ZONES; i++)
				kmm_text_printf(t, " %lld", (long long)s->lowmem_reserve[i]);
			kmm_text_printf(t, "\n");
		}
	}

	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			const struct zone_snap *s = &snap[n][zi];
			uint64_t total = 0;
			if (!zone_shown(&k->nodes[n].zones[zi], f))
				continue;
			kmm_text_printf(t, "Node %u %s: ", n, kmm_zone_name((enum kmm_zone_type)zi));
			for (int o = 0; o < KMM_NR_ORDERS; o++) {
				total += s->nr[o] << o;
				kmm_text_printf(t, "%llu*%llukB ", (unsigned long long)s->nr[o], K(1) << o);
				if (s->nr[o])
					migration_types_text(t, s->types[o]);
			}
			kmm_text_printf(t, "= %llukB\n", K(total));
		}
	}
	kmm_text_printf(t, "0 total pagecache pages\n");
}

/* __show_mem(): Mem-Info, the free areas, then the page totals. */
static void show_mem(struct kmm *k, struct kmm_text *t, const struct show_filter *f)
{
	uint64_t total = 0, reserved = 0, highmem = 0;

	kmm_text_printf(t, "Mem-Info:\n");
	show_free_areas(k, t, f);
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		for (int zi = 0; zi < KMM_NR_ZONES; zi++) {
			const struct kmm_zone *z = &k->nodes[n].zones[zi];
			total += z->present_pages;
			reserved += z->present_pages - z->managed_pages;
			if (zi == KMM_ZONE_HIGHMEM)
				highmem += z->present_pages;
		}
	}
	kmm_text_printf(t, "%llu pages RAM\n", (unsigned long long)total);
	kmm_text_printf(t, "%llu pages HighMem/MovableOnly\n", (unsigned long long)highmem);
	kmm_text_printf(t, "%llu pages reserved\n", (unsigned long long)reserved);
}

void show_mem_info_(struct kmm *k, struct kmm_text *t)
{
	struct show_filter f = { all_nodes(k), KMM_NR_ZONES - 1 };
	show_mem(k, t, &f);
}

/* Room for the whole report: a few lines per node, two long lines per zone. */
static size_t report_size(const struct kmm *k)
{
	return 2048 + (size_t)k->nr_nodes * (512 + KMM_NR_ZONES * 1024);
}

void warn_alloc_(struct kmm *k, kmm_gfp_t gfp, unsigned order, const struct alloc_context *ac)
{
	char first[256], names[256];
	struct kmm_text t = { first, 0, sizeof(first), false };
	kmm_nodemask_t mask = ac ? ac->nodemask : all_nodes(k);

	if (gfp & KMM___GFP_NOWARN)
		return;
	if (!kmm_report_wanted_(k)) { /* nobody reads it: count, build nothing */
		kmm_report_count_(k, KMM_REPORT_ALLOC_FAILURE);
		return;
	}

	/* The kernel prints nothing for an empty mask inside the parentheses. */
	if (gfp)
		kmm_gfp_format(gfp, names, sizeof(names));
	else
		names[0] = '\0';
	kmm_text_printf(&t, "kmm: page allocation failure: order:%u, mode:0x%x(%s), nodemask=", order,
			(unsigned)gfp, names);
	if ((mask & all_nodes(k)) == all_nodes(k))
		kmm_text_printf(&t, "(null)");
	else
		nodelist_text(&t, mask);
	kmm_text_printf(&t, "\n");

	/* Without metadata memory for the dump, the first line has to do. */
	size_t size = report_size(k);
	char *big = k->plat->meta_alloc(k->plat->ctx, size);
	if (!big) {
		kmm_report(k, KMM_REPORT_ALLOC_FAILURE, "%s", first);
		return;
	}

	struct kmm_text dump = { big, 0, size, false };
	kmm_text_printf(&dump, "%s", first);
	enum kmm_zone_type hz = kmm_gfp_zone(gfp);
	struct show_filter f = { all_nodes(k), hz >= KMM_NR_ZONES ? KMM_NR_ZONES - 1 : (int)hz };
	/* Only requests that could have reclaimed are held to their nodemask. */
	if (gfp & KMM___GFP_DIRECT_RECLAIM)
		f.nodes = mask & all_nodes(k);
	show_mem(k, &dump, &f);

	kmm_report(k, KMM_REPORT_ALLOC_FAILURE, "%s", dump.buf);
	k->plat->meta_free(k->plat->ctx, big, size);
}
