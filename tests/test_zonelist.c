// SPDX-License-Identifier: MIT
/*
 * Zonelists: node order per node for known distance tables (the kernel's
 * find_next_best_node(), penalties included), zones high to low within each
 * node, the no-fallback list, memoryless nodes, and the topology queries.
 */
#include <errno.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/page/internal.h"
#include "test.h"

/* n nodes of one NORMAL zone each (node 0 gets DMA and DMA32 as well). */
static void config(struct kmm_config *c, unsigned n)
{
	kmm_config_init(c, n, 8192);
}

static void set_distances(struct kmm_config *c, unsigned n, const uint8_t *table)
{
	for (unsigned a = 0; a < n; a++)
		for (unsigned b = 0; b < n; b++)
			c->distance[a][b] = table[a * n + b];
}

/* Compare kmm_node_fallback_order(nid) with want[0..n). */
static bool order_is(struct kmm *k, int nid, const int *want, unsigned n)
{
	int got[KMM_MAX_NODES];
	unsigned nr = kmm_node_fallback_order(k, nid, got);
	bool same = nr == n && memcmp(got, want, n * sizeof(int)) == 0;
	if (!same) {
		fprintf(stderr, "  node %d: got", nid);
		for (unsigned i = 0; i < nr; i++)
			fprintf(stderr, " %d", got[i]);
		fprintf(stderr, ", want");
		for (unsigned i = 0; i < n; i++)
			fprintf(stderr, " %d", want[i]);
		fprintf(stderr, "\n");
	}
	return same;
}

TEST(flat_four_nodes_ring_order)
{
	/* All remote nodes at 20, one CPU per node. "n < local" pushes lower
	 * nodes back and node_load rotates the first remote pick, so each
	 * node's list runs on around the ring. */
	struct kmm_config c;
	config(&c, 4);
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	static const int want[4][4] = { { 0, 1, 2, 3 }, { 1, 2, 3, 0 }, { 2, 3, 0, 1 }, { 3, 0, 1, 2 } };
	for (int n = 0; n < 4; n++)
		CHECK(order_is(k, n, want[n], 4));
	CHECK_EQ(kmm_node_distance(k, 0, 0), 10);
	CHECK_EQ(kmm_node_distance(k, 0, 3), 20);
	CHECK_EQ(kmm_node_distance(k, 3, 1), 20);
	kmm_destroy(k);
}

TEST(ring_of_four_with_diagonals_at_30)
{
	/* 0-1-2-3-0 at 20, the diagonals 0-2 and 1-3 at 30. Worked by hand
	 * from find_next_best_node(): score = (distance + (n < local) + has
	 * CPUs) * 8 + load[n], load[] carried from one node's build to the next. */
	static const uint8_t d[16] = {
		10, 20, 30, 20,
		20, 10, 20, 30,
		30, 20, 10, 20,
		20, 30, 20, 10,
	};
	struct kmm_config c;
	config(&c, 4);
	set_distances(&c, 4, d);
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	static const int want[4][4] = { { 0, 1, 3, 2 }, { 1, 2, 0, 3 }, { 2, 3, 1, 0 }, { 3, 0, 2, 1 } };
	for (int n = 0; n < 4; n++)
		CHECK(order_is(k, n, want[n], 4));
	CHECK_EQ(kmm_node_distance(k, 0, 2), 30);
	CHECK_EQ(kmm_node_distance(k, 1, 3), 30);
	CHECK_EQ(kmm_node_distance(k, 2, 1), 20);
	kmm_destroy(k);
}

TEST(two_sockets_of_two_nodes)
{
	/* Nodes {0,1} and {2,3} at 11 inside a socket, 21 across. The sibling
	 * comes first, then the other socket in ring order. */
	static const uint8_t d[16] = {
		10, 11, 21, 21,
		11, 10, 21, 21,
		21, 21, 10, 11,
		21, 21, 11, 10,
	};
	struct kmm_config c;
	config(&c, 4);
	set_distances(&c, 4, d);
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	static const int want[4][4] = { { 0, 1, 2, 3 }, { 1, 0, 3, 2 }, { 2, 3, 0, 1 }, { 3, 2, 1, 0 } };
	for (int n = 0; n < 4; n++)
		CHECK(order_is(k, n, want[n], 4));
	kmm_destroy(k);
}

TEST(headless_nodes_are_preferred_at_equal_distance)
{
	/* Two CPUs, on nodes 0 and 1: nodes 2 and 3 have no CPU and win ties. */
	struct kmm_config c;
	config(&c, 4);
	c.nr_cpus = 2;
	c.cpu_node[0] = 0;
	c.cpu_node[1] = 1;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	static const int want[4][4] = { { 0, 2, 3, 1 }, { 1, 3, 2, 0 }, { 2, 3, 0, 1 }, { 3, 2, 0, 1 } };
	for (int n = 0; n < 4; n++)
		CHECK(order_is(k, n, want[n], 4));
	CHECK_EQ(kmm_cpu_to_node(k, 0), 0);
	CHECK_EQ(kmm_cpu_to_node(k, 1), 1);
	kmm_destroy(k);
}

TEST(zones_high_to_low_within_each_node)
{
	/* Node 0: DMA, DMA32, NORMAL and a MOVABLE zone; node 1: NORMAL only. */
	struct kmm_config c;
	config(&c, 2);
	c.nodes[0].zones[KMM_ZONE_MOVABLE].spanned_pages = 2048;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);

	static const struct {
		int node, zone;
	} want0[] = {
		{ 0, KMM_ZONE_MOVABLE }, { 0, KMM_ZONE_NORMAL }, { 0, KMM_ZONE_DMA32 },
		{ 0, KMM_ZONE_DMA }, { 1, KMM_ZONE_NORMAL },
	}, want1[] = {
		{ 1, KMM_ZONE_NORMAL }, { 0, KMM_ZONE_MOVABLE }, { 0, KMM_ZONE_NORMAL },
		{ 0, KMM_ZONE_DMA32 }, { 0, KMM_ZONE_DMA },
	};
	const struct zoneref *zr = k->nodes[0].zonelist_fallback;
	for (size_t i = 0; i < sizeof(want0) / sizeof(want0[0]); i++, zr++) {
		REQUIRE(zr->zone != NULL);
		CHECK_EQ(zr->zone->node, want0[i].node);
		CHECK_EQ(zr->zone->idx, want0[i].zone);
		CHECK_EQ(zr->zone_idx, want0[i].zone);
		CHECK(zr->zone == &k->nodes[want0[i].node].zones[want0[i].zone]);
	}
	CHECK(zr->zone == NULL);
	zr = k->nodes[1].zonelist_fallback;
	for (size_t i = 0; i < sizeof(want1) / sizeof(want1[0]); i++, zr++) {
		REQUIRE(zr->zone != NULL);
		CHECK_EQ(zr->zone->node, want1[i].node);
		CHECK_EQ(zr->zone_idx, want1[i].zone);
	}
	CHECK(zr->zone == NULL);

	/* No-fallback lists: the node's own zones only, high to low. */
	zr = k->nodes[0].zonelist_nofallback;
	CHECK(zr[0].zone == &k->nodes[0].zones[KMM_ZONE_MOVABLE]);
	CHECK(zr[1].zone == &k->nodes[0].zones[KMM_ZONE_NORMAL]);
	CHECK(zr[2].zone == &k->nodes[0].zones[KMM_ZONE_DMA32]);
	CHECK(zr[3].zone == &k->nodes[0].zones[KMM_ZONE_DMA]);
	CHECK(zr[4].zone == NULL);
	zr = k->nodes[1].zonelist_nofallback;
	CHECK(zr[0].zone == &k->nodes[1].zones[KMM_ZONE_NORMAL]);
	CHECK(zr[1].zone == NULL);
	kmm_destroy(k);
}

TEST(unmanaged_zones_stay_out)
{
	/* A zone whose present pages are all reserved can serve nothing. */
	struct kmm_config c;
	config(&c, 1);
	c.nodes[0].zones[KMM_ZONE_DMA].reserved_pages = c.nodes[0].zones[KMM_ZONE_DMA].spanned_pages;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	const struct zoneref *zr = k->nodes[0].zonelist_fallback;
	CHECK_EQ(zr[0].zone_idx, KMM_ZONE_NORMAL);
	CHECK_EQ(zr[1].zone_idx, KMM_ZONE_DMA32);
	CHECK(zr[2].zone == NULL);
	kmm_destroy(k);
}

TEST(memoryless_node)
{
	/* Node 1 has no memory (but a CPU): nobody falls back to it, and its
	 * own list starts at its best neighbour. */
	struct kmm_config c;
	config(&c, 3);
	memset(&c.nodes[1], 0, sizeof(c.nodes[1]));
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	static const int want0[] = { 0, 2 }, want1[] = { 2, 0 }, want2[] = { 2, 0 };
	CHECK(order_is(k, 0, want0, 2));
	CHECK(order_is(k, 1, want1, 2));
	CHECK(order_is(k, 2, want2, 2));
	CHECK(k->nodes[1].zonelist_nofallback[0].zone == NULL);
	/* A policy mask of only memoryless nodes is invalid; mixed masks keep
	 * the nodes with memory. */
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_BIND, 1u << 1, NULL), -EINVAL);
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_BIND, 0x3, NULL), 0);
	kmm_nodemask_t nodes = 0;
	CHECK_EQ(kmm_get_mempolicy(k, &nodes), KMM_MPOL_BIND);
	CHECK_EQ(nodes, 0x1);
	kmm_destroy(k);
}

TEST(eight_nodes_every_list_is_a_permutation)
{
	/* A line of 8 nodes: distance 10 + 10 * |a - b|. */
	struct kmm_config c;
	config(&c, 8);
	for (int a = 0; a < 8; a++)
		for (int b = 0; b < 8; b++)
			c.distance[a][b] = (uint8_t)(10 + 10 * (a > b ? a - b : b - a));
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	for (int n = 0; n < 8; n++) {
		int got[KMM_MAX_NODES];
		unsigned nr = kmm_node_fallback_order(k, n, got);
		CHECK_EQ(nr, 8);
		CHECK_EQ(got[0], n);
		unsigned seen = 0;
		for (unsigned i = 0; i < nr; i++)
			seen |= 1u << got[i];
		CHECK_EQ(seen, 0xff);
		/* Distances never decrease along the list. */
		for (unsigned i = 1; i < nr; i++)
			CHECK(kmm_node_distance(k, n, got[i - 1]) <= kmm_node_distance(k, n, got[i]));
	}
	/* On a line the nearer side wins, and ties (node 3: 2 and 4) go to the
	 * higher node ("prefer the next node"). */
	static const int want3[] = { 3, 4, 2, 5, 1, 6, 0, 7 };
	CHECK(order_is(k, 3, want3, 8));
	kmm_destroy(k);
}

TEST(topology_queries_reject_bad_ids)
{
	struct kmm_config c;
	config(&c, 2);
	c.nr_cpus = 4;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	int out[KMM_MAX_NODES];
	CHECK_EQ(kmm_nr_nodes(k), 2);
	CHECK_EQ(kmm_nr_cpus(k), 4);
	/* Default CPU placement: cpu % nr_nodes. */
	CHECK_EQ(kmm_cpu_to_node(k, 0), 0);
	CHECK_EQ(kmm_cpu_to_node(k, 1), 1);
	CHECK_EQ(kmm_cpu_to_node(k, 2), 0);
	CHECK_EQ(kmm_cpu_to_node(k, 3), 1);
	CHECK_EQ(kmm_cpu_to_node(k, 4), -EINVAL);
	/* numa_node_id(): the current CPU's node, following kmm_set_cpu() */
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		CHECK_EQ(kmm_set_cpu(k, cpu), 0);
		CHECK_EQ(kmm_numa_node_id(k), (int)(cpu % 2));
	}
	CHECK_EQ(kmm_node_distance(k, 0, 2), -EINVAL);
	CHECK_EQ(kmm_node_distance(k, -1, 0), -EINVAL);
	CHECK_EQ(kmm_node_fallback_order(k, 2, out), 0);
	CHECK_EQ(kmm_node_fallback_order(k, -1, out), 0);
	CHECK_EQ(kmm_nr_nodes(NULL), 0);
	CHECK_EQ(kmm_nr_cpus(NULL), 0);
	kmm_destroy(k);

	/* an explicit placement, not cpu % nr_nodes */
	static const uint8_t place[4] = { 1, 1, 0, 0 };
	memcpy(c.cpu_node, place, sizeof(place));
	k = kmm_create(&c);
	REQUIRE(k);
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		CHECK_EQ(kmm_set_cpu(k, cpu), 0);
		CHECK_EQ(kmm_cpu_to_node(k, cpu), place[cpu]);
		CHECK_EQ(kmm_numa_node_id(k), place[cpu]);
	}
	kmm_destroy(k);
}

int main(void)
{
	RUN(flat_four_nodes_ring_order);
	RUN(ring_of_four_with_diagonals_at_30);
	RUN(two_sockets_of_two_nodes);
	RUN(headless_nodes_are_preferred_at_equal_distance);
	RUN(zones_high_to_low_within_each_node);
	RUN(unmanaged_zones_stay_out);
	RUN(memoryless_node);
	RUN(eight_nodes_every_list_is_a_permutation);
	RUN(topology_queries_reject_bad_ids);
	return test_summary();
}
