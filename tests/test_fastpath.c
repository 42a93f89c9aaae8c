// SPDX-License-Identifier: MIT
/*
 * The allocation and free fast paths give the general path's answers.
 *
 * Two identical systems run the same random program of allocations (orders
 * 0-4, zone modifiers, mobility, __GFP_ZERO / __GFP_COMP now and then),
 * frees, CPU switches, drains and deliberate double frees. System A runs
 * under the default policy, so its pcp-order requests take the fast paths;
 * system B runs under MPOL_PREFERRED naming its only node, which decides
 * exactly what the default policy decides but always through the general
 * path (prepare_alloc_context, the zonelist walk, zone_statistics). After
 * every step both must have returned the same PFN and agree on every
 * counter the API shows: zone free and pcp pages, free blocks per order and
 * type, vm events, numa counters and reports. Also: kmm_zone_counts() is
 * kmm_zone_info()'s free_pages and pcp_pages, in O(1).
 */
#include <errno.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/page/internal.h"
#include "test.h"
#include "test_same_state.h"

static unsigned bad_reports;
static void count_reports(void *ctx, enum kmm_report_kind kind, const char *text)
{
	(void)ctx;
	(void)text;
	bad_reports += kind == KMM_REPORT_BAD_PAGE;
}

/* One node with DMA, DMA32 and NORMAL, three CPUs; small enough that the
 * programs below run every zone down to its watermarks. */
static struct kmm *mk(uint32_t pcp_high, uint32_t pcp_batch)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 4096);
	c.nr_cpus = 3;
	c.pcp_high = pcp_high;
	c.pcp_batch = pcp_batch;
	c.pageblock_order = 6;
	c.debug_level = 2;
	c.sink.emit = count_reports;
	return kmm_create(&c);
}

#define SLOTS 1024

static void run_program(uint32_t pcp_high, uint32_t pcp_batch, uint64_t seed, unsigned steps)
{
	struct kmm *a = mk(pcp_high, pcp_batch), *b = mk(pcp_high, pcp_batch);
	REQUIRE(a && b);
	CHECK_EQ(kmm_set_mempolicy(b, KMM_MPOL_PREFERRED, 1, NULL), 0);
	CHECK(a->fast_ok);
	CHECK(!b->fast_ok);
	static const kmm_gfp_t zones[] = {
		0, KMM___GFP_DMA, KMM___GFP_DMA32, KMM___GFP_HIGHMEM, KMM___GFP_MOVABLE,
		KMM___GFP_MOVABLE | KMM___GFP_HIGHMEM, KMM___GFP_RECLAIMABLE, KMM___GFP_DMA | KMM___GFP_MOVABLE,
	};
	struct kmm_page *pa[SLOTS] = { 0 }, *pb[SLOTS] = { 0 };
	unsigned order[SLOTS] = { 0 };
	uint64_t s = seed;
	unsigned reports_a = 0, reports_b = 0;

	for (unsigned step = 0; step < steps; step++) {
		uint64_t r = rnd(&s);
		unsigned i = (unsigned)(r % SLOTS);
		unsigned what = (unsigned)(r >> 16) % 100;
		if (what < 2) {
			unsigned cpu = (unsigned)(r >> 24) % 3;
			kmm_set_cpu(a, cpu);
			kmm_set_cpu(b, cpu);
		} else if (what < 3) {
			kmm_drain_all_pages(a);
			kmm_drain_all_pages(b);
		} else if (what < 5 && pa[i]) {
			/* A double free after the real one: reported the same way. */
			kmm_free_pages(a, pa[i], order[i]);
			kmm_free_pages(b, pb[i], order[i]);
			unsigned before = bad_reports;
			kmm_free_pages(a, pa[i], order[i]);
			reports_a += bad_reports - before;
			before = bad_reports;
			kmm_free_pages(b, pb[i], order[i]);
			reports_b += bad_reports - before;
			pa[i] = pb[i] = NULL;
		} else if (pa[i]) {
			kmm_free_pages(a, pa[i], order[i]);
			kmm_free_pages(b, pb[i], order[i]);
			pa[i] = pb[i] = NULL;
		} else {
			kmm_gfp_t gfp = KMM_GFP_KERNEL | KMM___GFP_NOWARN | zones[(r >> 32) % 8];
			if ((r >> 40) % 16 == 0)
				gfp |= KMM___GFP_ZERO;
			if ((r >> 44) % 16 == 0)
				gfp |= KMM___GFP_COMP;
			if ((r >> 48) % 8 == 0)
				gfp = (gfp & ~KMM_GFP_KERNEL) | KMM_GFP_ATOMIC;
			order[i] = (unsigned)(r >> 52) % 5;
			pa[i] = kmm_alloc_pages(a, gfp, order[i]);
			pb[i] = kmm_alloc_pages(b, gfp, order[i]);
			if ((pa[i] == NULL) != (pb[i] == NULL) ||
			    (pa[i] && kmm_page_to_pfn(a, pa[i]) != kmm_page_to_pfn(b, pb[i]))) {
				CHECK(!"fast and general path placed a block differently");
				fprintf(stderr, "step %u: gfp 0x%x order %u: pfn 0x%x vs 0x%x\n", step, gfp, order[i],
					pa[i] ? kmm_page_to_pfn(a, pa[i]) : KMM_PFN_NONE,
					pb[i] ? kmm_page_to_pfn(b, pb[i]) : KMM_PFN_NONE);
				break;
			}
			/* Compound or not, the same page states over the block
			 * (head and tails from prep_compound_page). */
			for (uint32_t t = 0; pa[i] && t < (1u << order[i]); t++) {
				const struct kmm_page *x = pa[i] + t, *y = pb[i] + t;
				if (x->flags != y->flags || (t == 0 && x->private_ != y->private_) ||
				    (x->flags & PG_tail && x->compound_head != y->compound_head)) {
					CHECK(!"fast and general path left different page states");
					fprintf(stderr, "step %u: gfp 0x%x order %u page %u: flags 0x%x vs 0x%x\n", step,
						gfp, order[i], t, x->flags, y->flags);
					break;
				}
			}
		}
		if (!same_state(a, b)) {
			fprintf(stderr, "step %u (seed %llu, pcp high %u batch %u)\n", step, (unsigned long long)seed,
				pcp_high, pcp_batch);
			break;
		}
		if (step % 512 == 0) {
			CHECK_EQ(kmm_page_check(a), 0);
			CHECK_EQ(kmm_page_check(b), 0);
		}
	}
	CHECK_EQ(reports_a, reports_b);
	CHECK(reports_a > 0);
	for (unsigned i = 0; i < SLOTS; i++) {
		if (pa[i]) {
			kmm_free_pages(a, pa[i], order[i]);
			kmm_free_pages(b, pb[i], order[i]);
		}
	}
	kmm_drain_all_pages(a);
	kmm_drain_all_pages(b);
	CHECK(same_state(a, b));
	CHECK_EQ(kmm_page_check(a), 0);
	CHECK(kmm_page_fully_coalesced(a));
	kmm_destroy(a);
	kmm_destroy(b);
}

TEST(fast_and_general_paths_agree)
{
	run_program(0, 0, 1, 20000);   /* the kernel's pcp sizes */
	run_program(1, 1, 2, 20000);   /* every free trims, every refill takes one block */
	run_program(8, 2, 3, 20000);
}

/*
 * The fast paths count in per-CPU shares; read back, every counter is the
 * sum of what happened: numa_hit == numa_local (one node) == PGALLOC, and
 * zone pgalloc in vmstat, across CPUs.
 */
TEST(fast_path_counters)
{
	struct kmm *k = mk(0, 0);
	REQUIRE(k);
	struct kmm_page *p[64];
	for (unsigned cpu = 0; cpu < 3; cpu++) {
		kmm_set_cpu(k, cpu);
		for (int i = 0; i < 64; i++)
			REQUIRE((p[i] = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)) != NULL);
		for (int i = 0; i < 32; i++)
			kmm_free_pages(k, p[i], 0);
		kmm_set_cpu(k, (cpu + 1) % 3); /* freed on another CPU */
		for (int i = 32; i < 64; i++)
			kmm_free_pages(k, p[i], 0);
	}
	CHECK_EQ(kmm_vm_event(k, KMM_PGALLOC), 192);
	CHECK_EQ(kmm_vm_event(k, KMM_PGFREE), 192);
	CHECK_EQ(kmm_numa_stat(k, 0, KMM_NUMA_HIT), 192);
	CHECK_EQ(kmm_numa_stat(k, 0, KMM_NUMA_LOCAL), 192);
	CHECK_EQ(kmm_numa_stat(k, 0, KMM_NUMA_MISS), 0);
	CHECK_EQ(kmm_numa_stat(k, 0, KMM_NUMA_OTHER), 0);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

/* Two nodes: a CPU of node 1 allocating from node 1 counts numa_local
 * there; its allocations are numa_other nowhere. */
TEST(fast_path_counters_two_nodes)
{
	struct kmm_config c;
	kmm_config_init(&c, 2, 4096);
	c.debug_level = 2;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	CHECK_EQ(kmm_cpu_to_node(k, 1), 1);
	kmm_set_cpu(k, 1);
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 2);
	REQUIRE(p);
	CHECK_EQ(kmm_page_to_nid(k, p), 1);
	CHECK_EQ(kmm_numa_stat(k, 1, KMM_NUMA_HIT), 4);
	CHECK_EQ(kmm_numa_stat(k, 1, KMM_NUMA_LOCAL), 4);
	CHECK_EQ(kmm_numa_stat(k, 0, KMM_NUMA_HIT), 0);
	kmm_set_cpu(k, 0);
	kmm_free_pages(k, p, 2);
	/* A DMA request from node 1's CPU: node 1 has no DMA zone, so the
	 * preferred zone is node 0's: numa_hit and numa_other there. */
	kmm_set_cpu(k, 1);
	p = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_DMA, 0);
	REQUIRE(p);
	CHECK_EQ(kmm_page_to_nid(k, p), 0);
	CHECK_EQ(kmm_numa_stat(k, 0, KMM_NUMA_HIT), 1);
	CHECK_EQ(kmm_numa_stat(k, 0, KMM_NUMA_OTHER), 1);
	CHECK_EQ(kmm_numa_stat(k, 0, KMM_NUMA_LOCAL), 0);
	kmm_free_pages(k, p, 0);
	CHECK_EQ(kmm_vm_event(k, KMM_PGALLOC), 5);
	CHECK_EQ(kmm_vm_event(k, KMM_PGFREE), 5);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(zone_counts_accessor)
{
	struct kmm *k = mk(0, 4);
	REQUIRE(k);
	uint64_t f = 0, p = 0;
	struct kmm_zone_info zi;
	CHECK_EQ(kmm_zone_counts(k, 0, KMM_ZONE_NORMAL, &f, &p), 0);
	kmm_zone_info(k, 0, KMM_ZONE_NORMAL, &zi);
	CHECK_EQ(f, zi.free_pages);
	CHECK_EQ(p, 0);
	struct kmm_page *pg = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
	REQUIRE(pg);
	CHECK_EQ(kmm_zone_counts(k, 0, KMM_ZONE_NORMAL, &f, &p), 0);
	kmm_zone_info(k, 0, KMM_ZONE_NORMAL, &zi);
	CHECK_EQ(f, zi.free_pages);
	CHECK_EQ(p, zi.pcp_pages);
	CHECK(p > 0); /* the refill left the rest of its batch on the list */
	CHECK_EQ(kmm_zone_counts(k, 0, KMM_ZONE_NORMAL, NULL, &p), 0);
	CHECK_EQ(kmm_zone_counts(k, 0, KMM_ZONE_NORMAL, &f, NULL), 0);
	CHECK_EQ(kmm_zone_counts(k, 0, KMM_ZONE_HIGHMEM, &f, &p), 0); /* absent zone */
	CHECK_EQ(f, 0);
	CHECK_EQ(p, 0);
	CHECK_EQ(kmm_zone_counts(k, 1, KMM_ZONE_NORMAL, &f, &p), -EINVAL);
	CHECK_EQ(kmm_zone_counts(k, -1, KMM_ZONE_NORMAL, &f, &p), -EINVAL);
	CHECK_EQ(kmm_zone_counts(k, 0, KMM_NR_ZONES, &f, &p), -EINVAL);
	CHECK_EQ(kmm_zone_counts(NULL, 0, KMM_ZONE_NORMAL, &f, &p), -EINVAL);
	kmm_free_pages(k, pg, 0);
	kmm_destroy(k);
}

int main(void)
{
	RUN(fast_and_general_paths_agree);
	RUN(fast_path_counters);
	RUN(fast_path_counters_two_nodes);
	RUN(zone_counts_accessor);
	return test_summary();
}
