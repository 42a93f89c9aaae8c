// SPDX-License-Identifier: MIT
/*
 * Real threads on a threaded system: four pthreads, each bound to its own
 * simulated CPU (kmm_set_cpu on a threaded system binds the calling
 * thread), allocate, fill, verify and free concurrently, with drains from
 * the side. Every block carries a pattern of its owner, so two threads ever
 * sharing a page shows up as a corrupted pattern. Afterwards the checker
 * passes and everything coalesces.
 */
#include <pthread.h>
#include <string.h>

#include <kmm/kmm.h>

#include "test.h"

enum { THREADS = 4, STEPS = 20000, LIVE = 48 };

struct worker {
	struct kmm *k;
	unsigned cpu;
	uint64_t allocs, corrupt, wrong_cpu;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(struct kmm *k, struct kmm_page *p, unsigned order, uint64_t tag)
{
	uint64_t *w = kmm_page_address(k, p);
	size_t n = ((size_t)KMM_PAGE_SIZE << order) / sizeof(uint64_t);
	for (size_t i = 0; i < n; i += 64)
		w[i] = tag ^ i;
	w[n - 1] = ~tag;
}

static bool intact(struct kmm *k, struct kmm_page *p, unsigned order, uint64_t tag)
{
	const uint64_t *w = kmm_page_address(k, p);
	size_t n = ((size_t)KMM_PAGE_SIZE << order) / sizeof(uint64_t);
	for (size_t i = 0; i < n; i += 64)
		if (w[i] != (tag ^ i))
			return false;
	return w[n - 1] == ~tag;
}

static void *work(void *arg)
{
	struct worker *wk = arg;
	struct kmm *k = wk->k;
	struct { struct kmm_page *p; unsigned order; uint64_t tag; } live[LIVE];
	unsigned n = 0;
	uint64_t s = 0x9e3779b97f4a7c15ull * (wk->cpu + 1);

	kmm_set_cpu(k, wk->cpu);
	for (int step = 0; step < STEPS; step++) {
		if (kmm_current_cpu(k) != wk->cpu)
			wk->wrong_cpu++;
		if (n < LIVE && (n == 0 || rnd(&s) % 2)) {
			unsigned order = (unsigned)(rnd(&s) % 16 == 0 ? 4 + rnd(&s) % 3 : rnd(&s) % 4);
			kmm_gfp_t gfp = (rnd(&s) % 2 ? KMM_GFP_KERNEL : KMM_GFP_HIGHUSER_MOVABLE) | KMM___GFP_NOWARN;
			struct kmm_page *p = kmm_alloc_pages(k, gfp, order);
			if (p) {
				uint64_t tag = rnd(&s);
				fill(k, p, order, tag);
				live[n].p = p;
				live[n].order = order;
				live[n++].tag = tag;
				wk->allocs++;
			}
		} else {
			unsigned i = (unsigned)(rnd(&s) % n);
			if (!intact(k, live[i].p, live[i].order, live[i].tag))
				wk->corrupt++;
			kmm_free_pages(k, live[i].p, live[i].order);
			live[i] = live[--n];
		}
		if (step % 2500 == 0)
			kmm_drain_local_pages(k);
		if (wk->cpu == 0 && step % 5000 == 0)
			kmm_drain_all_pages(k);
	}
	while (n) {
		n--;
		if (!intact(k, live[n].p, live[n].order, live[n].tag))
			wk->corrupt++;
		kmm_free_pages(k, live[n].p, live[n].order);
	}
	return NULL;
}

TEST(concurrent_alloc_free)
{
	struct kmm_config c;
	kmm_config_init(&c, 2, 32768);
	c.nr_cpus = THREADS;
	c.threaded = true;
	c.debug_level = 1;
	c.sink.emit = kmm_report_to_stderr;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	pthread_t t[THREADS];
	struct worker w[THREADS];
	for (unsigned i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .k = k, .cpu = i };
		CHECK_EQ(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	uint64_t allocs = 0;
	for (unsigned i = 0; i < THREADS; i++) {
		CHECK_EQ(w[i].corrupt, 0);
		CHECK_EQ(w[i].wrong_cpu, 0);
		allocs += w[i].allocs;
	}
	CHECK(allocs > THREADS * STEPS / 3);
	CHECK_EQ(kmm_vm_event(k, KMM_PGALLOC), kmm_vm_event(k, KMM_PGFREE));
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_BAD_PAGE), 0);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_drain_all_pages(k);
	CHECK(kmm_page_fully_coalesced(k));
	CHECK_EQ(kmm_page_check(k), 0);
	struct kmm_zone_info zi;
	uint64_t free = 0, managed = 0;
	for (int n = 0; n < 2; n++)
		for (int z = 0; z < KMM_NR_ZONES; z++)
			if (kmm_zone_info(k, n, (enum kmm_zone_type)z, &zi) == 0) {
				free += zi.free_pages;
				managed += zi.managed_pages;
			}
	CHECK_EQ(free, managed);
	CHECK_EQ(managed, 2 * 32768);
	kmm_destroy(k);
}

TEST(threaded_misuse_is_still_reported)
{
	struct kmm_config c;
	kmm_config_init(&c, 1, 8192);
	c.threaded = true;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	struct kmm_page *p = kmm_alloc_pages(k, KMM_GFP_KERNEL, 1);
	REQUIRE(p);
	kmm_free_pages(k, p, 1);
	kmm_free_pages(k, p, 1);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_BAD_PAGE), 1);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

int main(void)
{
	RUN(concurrent_alloc_free);
	RUN(threaded_misuse_is_still_reported);
	return test_summary();
}
