// SPDX-License-Identifier: MIT
/*
 * Per-CPU page lists: high/batch from the kernel formulas and from config,
 * refill by a batch, LIFO reuse, per-CPU and per-(order, type) lists,
 * trimming at high, drain_local / drain_all.
 */
#include <errno.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/page/internal.h"
#include "test.h"
#include "test_system.h"

static struct kmm *normal_only(uint32_t pages, unsigned cpus, uint32_t high, uint32_t batch)
{
	struct kmm_config c;
	normal_only_config(&c, pages);
	c.nr_cpus = cpus;
	c.pcp_high = high;
	c.pcp_batch = batch;
	return kmm_create(&c);
}

static struct kmm_zone_info zi_(struct kmm *k)
{
	return node0_zone_info(k, KMM_ZONE_NORMAL);
}

static uint32_t cpu_count(struct kmm *k, unsigned cpu)
{
	return k->nodes[0].zones[KMM_ZONE_NORMAL].pcp[cpu].count;
}

TEST(high_and_batch_formulas)
{
	/* 65536 managed: batch = 65536 >> 10 = 64, / 4 = 16,
	 * rounddown_pow_of_two(16 + 8) - 1 = 15; high = low 640 / 1 CPU. */
	struct kmm *k = normal_only(65536, 1, 0, 0);
	REQUIRE(k);
	struct kmm_zone_info zi = zi_(k);
	CHECK_EQ(zi.wmark_low, 640);
	CHECK_EQ(zi.pcp_batch, 15);
	CHECK_EQ(zi.pcp_high, 640);
	kmm_destroy(k);

	/* Four CPUs on the node share the low watermark: 640 / 4 = 160. */
	k = normal_only(65536, 4, 0, 0);
	REQUIRE(k);
	zi = zi_(k);
	CHECK_EQ(zi.pcp_high, 160);
	kmm_destroy(k);

	/* 1024 managed: 1 >> 2 = 0 -> 1, rounddown_pow_of_two(1) - 1 = 0 -> 1;
	 * low 80 (min 64 + max(16, 1)); high = max(80, 4 * 1) = 80. */
	k = normal_only(1024, 1, 0, 0);
	REQUIRE(k);
	zi = zi_(k);
	CHECK_EQ(zi.pcp_batch, 1);
	CHECK_EQ(zi.wmark_low, 80);
	CHECK_EQ(zi.pcp_high, 80);
	kmm_destroy(k);

	/* 16 CPUs: 640 / 16 = 40 < 4 * 15 = 60: high is at least 4 * batch. */
	k = normal_only(65536, 16, 0, 0);
	REQUIRE(k);
	CHECK_EQ(zi_(k).pcp_high, 60);
	kmm_destroy(k);

	/* Config overrides. */
	k = normal_only(65536, 1, 50, 7);
	REQUIRE(k);
	zi = zi_(k);
	CHECK_EQ(zi.pcp_high, 50);
	CHECK_EQ(zi.pcp_batch, 7);
	kmm_destroy(k);
}

TEST(refill_by_batch_and_lifo)
{
	struct kmm *k = normal_only(65536, 1, 0, 0);
	REQUIRE(k);
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
	REQUIRE(p);
	struct kmm_zone_info zi = zi_(k);
	CHECK_EQ(zi.pcp_pages, 14); /* a batch of 15, one handed out */
	CHECK_EQ(zi.free_pages, 65536 - 15);
	/* Popped from the pcp list: the buddy lists are not touched. */
	struct kmm_page *q = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
	REQUIRE(q);
	CHECK_EQ(zi_(k).free_pages, 65536 - 15);
	CHECK_EQ(zi_(k).pcp_pages, 13);
	kmm_free_pages(k, q, 0);
	CHECK_EQ(zi_(k).pcp_pages, 14);
	CHECK(kmm_alloc_pages(k, KMM_GFP_KERNEL, 0) == q); /* LIFO: hot page back */

	/* Order 2 refill: max(15 >> 2, 2) = 3 blocks. */
	struct kmm_page *o2 = kmm_alloc_pages(k, KMM_GFP_KERNEL, 2);
	REQUIRE(o2);
	CHECK_EQ(zi_(k).pcp_pages, 13 + 2 * 4);
	/* Another migrate type has its own lists: a fresh refill. */
	struct kmm_page *mv = kmm_alloc_pages(k, KMM_GFP_HIGHUSER_MOVABLE, 0);
	REQUIRE(mv);
	CHECK_EQ(zi_(k).pcp_pages, 13 + 8 + 14);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);

	/* Batch from config: order 0 takes 7; order 3 takes max(7 >> 3, 2) = 2. */
	k = normal_only(65536, 1, 1000, 7);
	REQUIRE(k);
	REQUIRE(kmm_alloc_pages(k, KMM_GFP_KERNEL, 0));
	CHECK_EQ(zi_(k).pcp_pages, 6);
	REQUIRE(kmm_alloc_pages(k, KMM_GFP_KERNEL, 3));
	CHECK_EQ(zi_(k).pcp_pages, 6 + 8);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(trim_at_high)
{
	struct kmm *k = normal_only(65536, 1, 100, 10);
	REQUIRE(k);
	enum { N = 400 };
	static struct kmm_page *pages[N];
	for (int i = 0; i < N; i++)
		REQUIRE((pages[i] = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)));
	bool below_high = true;
	uint32_t peak = 0;
	for (int i = 0; i < N; i++) {
		kmm_free_pages(k, pages[i], 0);
		uint32_t c = cpu_count(k, 0);
		below_high &= c < 100;
		peak = c > peak ? c : peak;
	}
	CHECK(below_high);   /* reaching high gives a batch back at once */
	CHECK_EQ(peak, 99);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	CHECK_EQ(zi_(k).free_pages, 65536);
	kmm_destroy(k);
}

TEST(drain_local_and_all)
{
	struct kmm *k = normal_only(65536, 3, 0, 0);
	REQUIRE(k);
	struct kmm_page *p[3];
	for (unsigned c = 0; c < 3; c++) {
		CHECK_EQ(kmm_set_cpu(k, c), 0);
		CHECK_EQ(kmm_current_cpu(k), c);
		REQUIRE((p[c] = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)));
		CHECK_EQ(cpu_count(k, c), 14);
	}
	CHECK_EQ(kmm_set_cpu(k, 3), -EINVAL);
	/* A page freed on another CPU lands on that CPU's list. */
	kmm_set_cpu(k, 2);
	kmm_free_pages(k, p[0], 0);
	CHECK_EQ(cpu_count(k, 2), 15);
	CHECK_EQ(cpu_count(k, 0), 14);
	CHECK_EQ(k->pages[kmm_page_to_pfn(k, p[0])].pcp_cpu, 2);

	uint64_t drains = kmm_vm_event(k, KMM_PCP_DRAIN);
	kmm_set_cpu(k, 1);
	kmm_drain_local_pages(k);
	CHECK_EQ(cpu_count(k, 1), 0);
	CHECK_EQ(cpu_count(k, 0), 14);
	CHECK_EQ(cpu_count(k, 2), 15);
	CHECK_EQ(kmm_vm_event(k, KMM_PCP_DRAIN), drains + 1);
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK(!kmm_page_fully_coalesced(k));
	kmm_drain_all_pages(k);
	CHECK_EQ(zi_(k).pcp_pages, 0);
	CHECK_EQ(kmm_vm_event(k, KMM_PCP_DRAIN), drains + 3);
	kmm_free_pages(k, p[1], 0);
	kmm_free_pages(k, p[2], 0);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	CHECK_EQ(zi_(k).free_pages, 65536);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

TEST(failure_drains_other_cpus)
{
	/* Pages cached on CPU 1 are found by a CPU 0 allocation that would
	 * otherwise fail: the slow path drains every CPU before giving up. */
	struct kmm *k = normal_only(1024, 2, 200, 100);
	REQUIRE(k);
	kmm_set_cpu(k, 1);
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 0);
	REQUIRE(p);
	CHECK_EQ(cpu_count(k, 1), 99);
	kmm_set_cpu(k, 0);
	/* Buddy: 1024 - 100 = 924. Order 9: 924 - 511 > low 80, leaves 413;
	 * order 8: 412 - 255 > 80, leaves 156. */
	struct kmm_page *b9 = kmm_alloc_pages(k, KMM_GFP_KERNEL, 9);
	struct kmm_page *b8 = kmm_alloc_pages(k, KMM_GFP_KERNEL, 8);
	REQUIRE(b9 && b8);
	CHECK_EQ(zi_(k).free_pages, 156);
	/* Order 7: 156 - 127 <= min 64 even in the slow path; only CPU 1's
	 * 99 cached pages make it possible (255 - 127 > 64). */
	struct kmm_page *b7 = kmm_alloc_pages(k, KMM_GFP_KERNEL, 7);
	CHECK(b7 != NULL);
	CHECK_EQ(cpu_count(k, 1), 0);
	CHECK_EQ(zi_(k).free_pages, 255 - 128);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

int main(void)
{
	RUN(high_and_batch_formulas);
	RUN(refill_by_batch_and_lifo);
	RUN(trim_at_high);
	RUN(drain_local_and_all);
	RUN(failure_drains_other_cpus);
	return test_summary();
}
