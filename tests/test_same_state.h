/* SPDX-License-Identifier: MIT */
/*
 * For tests that run one random page program on two or more systems that
 * must behave identically (test_fastpath: fast path against general path;
 * test_buddy_path: the buddy path's copies): the program's random stream
 * and the comparison of everything the systems must agree on. Include
 * after test.h (it CHECKs).
 */
#ifndef KMM_TEST_SAME_STATE_H
#define KMM_TEST_SAME_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kmm/kmm.h>

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Everything both systems must agree on; returns false at the first
 * difference (with a CHECK naming it). */
static bool same_state(struct kmm *a, struct kmm *b)
{
	for (int zt = 0; zt < KMM_NR_ZONES; zt++) {
		struct kmm_zone_info x, y;
		uint64_t f, p;
		kmm_zone_info(a, 0, (enum kmm_zone_type)zt, &x);
		kmm_zone_info(b, 0, (enum kmm_zone_type)zt, &y);
		if (x.free_pages != y.free_pages || x.pcp_pages != y.pcp_pages || x.wmark_boost != y.wmark_boost ||
		    x.nr_reserved_highatomic != y.nr_reserved_highatomic ||
		    memcmp(x.nr_free, y.nr_free, sizeof(x.nr_free))) {
			CHECK(!"zone state differs");
			return false;
		}
		CHECK_EQ(kmm_zone_counts(a, 0, (enum kmm_zone_type)zt, &f, &p), 0);
		if (f != x.free_pages || p != x.pcp_pages) {
			CHECK(!"kmm_zone_counts differs from kmm_zone_info");
			return false;
		}
	}
	for (int i = 0; i < KMM_NR_VM_ITEMS; i++) {
		if (kmm_vm_event(a, (enum kmm_vm_item)i) != kmm_vm_event(b, (enum kmm_vm_item)i)) {
			CHECK(!"vm event differs");
			return false;
		}
	}
	for (int i = 0; i < KMM_NR_NUMA_ITEMS; i++) {
		if (kmm_numa_stat(a, 0, (enum kmm_numa_item)i) != kmm_numa_stat(b, 0, (enum kmm_numa_item)i)) {
			CHECK(!"numa counter differs");
			return false;
		}
	}
	return true;
}

#endif
