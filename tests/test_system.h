/* SPDX-License-Identifier: MIT */
/* Small systems the page allocator's unit tests build again and again. */
#ifndef KMM_TEST_SYSTEM_H
#define KMM_TEST_SYSTEM_H

#include <string.h>

#include <kmm/kmm.h>

/* One node whose only zone is NORMAL, `pages` long; expensive checks on. */
static inline void normal_only_config(struct kmm_config *c, uint32_t pages)
{
	kmm_config_init(c, 1, 1024);
	memset(c->nodes, 0, sizeof(c->nodes));
	c->nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = pages;
	c->debug_level = 2;
}

/* kmm_zone_info() of node 0's zone, zeroed first so a failed call reads as empty. */
static inline struct kmm_zone_info node0_zone_info(struct kmm *k, enum kmm_zone_type zt)
{
	struct kmm_zone_info zi;
	memset(&zi, 0, sizeof(zi));
	kmm_zone_info(k, 0, zt, &zi);
	return zi;
}

#endif
