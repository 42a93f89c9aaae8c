// SPDX-License-Identifier: MIT
/*
 * Memory policies through kmm_alloc_pages(): where each policy puts pages,
 * how it falls back when nodes fill up, the exact interleave sequences,
 * __GFP_THISNODE, the numa_* counters, and argument validation.
 *
 * Layout: 4 nodes of one NORMAL zone each, CPU i on node i, the default
 * flat distances, so every node's fallback list is i, i+1, ... around the
 * ring (see test_zonelist.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <kmm/kmm.h>

#include "test.h"

#define NODES 4
#define NODE_PAGES 2048

struct sink {
	unsigned long count[KMM_NR_REPORT_KINDS];
	char last[8192];
};

static void sink_emit(void *ctx, enum kmm_report_kind kind, const char *text)
{
	struct sink *s = ctx;
	s->count[kind]++;
	snprintf(s->last, sizeof(s->last), "%s", text);
}

static struct sink sink;

static struct kmm *make(void)
{
	struct kmm_config c;
	kmm_config_init(&c, NODES, NODE_PAGES);
	for (int n = 0; n < NODES; n++) {
		memset(&c.nodes[n], 0, sizeof(c.nodes[n]));
		c.nodes[n].zones[KMM_ZONE_NORMAL].spanned_pages = NODE_PAGES;
		c.cpu_node[n] = (uint8_t)n;
	}
	c.nr_cpus = NODES;
	memset(&sink, 0, sizeof(sink));
	c.sink.emit = sink_emit;
	c.sink.ctx = &sink;
	return kmm_create(&c);
}

static int nid_of(struct kmm *k, struct kmm_page *p) { return p ? kmm_page_to_nid(k, p) : -1; }

/* Allocate GFP_KERNEL order 0 pages on nid until it has none left for them. */
static unsigned fill_node(struct kmm *k, int nid)
{
	unsigned n = 0;
	while (kmm_alloc_pages_node(k, nid, KMM_GFP_KERNEL | KMM___GFP_THISNODE | KMM___GFP_NOWARN, 0))
		n++;
	return n;
}

struct snap {
	uint64_t v[NODES][KMM_NR_NUMA_ITEMS];
};

static void take(struct kmm *k, struct snap *s)
{
	for (int n = 0; n < NODES; n++)
		for (int i = 0; i < KMM_NR_NUMA_ITEMS; i++)
			s->v[n][i] = kmm_numa_stat(k, n, (enum kmm_numa_item)i);
}

/* Counter change of node n, item i since s. */
static long long delta(struct kmm *k, const struct snap *s, int n, enum kmm_numa_item i)
{
	return (long long)(kmm_numa_stat(k, n, i) - s->v[n][i]);
}

/* Every counter of every node unchanged since s, except those listed as
 * (node, item, value) triples ending with -1. */
static bool only_changed(struct kmm *k, const struct snap *s, ...)
{
	long long want[NODES][KMM_NR_NUMA_ITEMS] = { { 0 } };
	va_list ap;
	va_start(ap, s);
	for (;;) {
		int n = va_arg(ap, int);
		if (n < 0)
			break;
		int i = va_arg(ap, int);
		want[n][i] = va_arg(ap, long long);
	}
	va_end(ap);
	bool ok = true;
	for (int n = 0; n < NODES; n++) {
		for (int i = 0; i < KMM_NR_NUMA_ITEMS; i++) {
			long long d = delta(k, s, n, (enum kmm_numa_item)i);
			if (d != want[n][i]) {
				fprintf(stderr, "  node %d item %d: changed by %lld, want %lld\n", n, i, d,
					want[n][i]);
				ok = false;
			}
		}
	}
	return ok;
}
#define HIT KMM_NUMA_HIT
#define MISS KMM_NUMA_MISS
#define FOREIGN KMM_NUMA_FOREIGN
#define IHIT KMM_NUMA_INTERLEAVE_HIT
#define LOCAL KMM_NUMA_LOCAL
#define OTHER KMM_NUMA_OTHER
#define END (-1)

TEST(default_policy_is_local_then_zonelist)
{
	struct kmm *k = make();
	REQUIRE(k);
	struct snap s;
	kmm_nodemask_t nodes = 99;
	CHECK_EQ(kmm_get_mempolicy(k, &nodes), KMM_MPOL_DEFAULT);
	CHECK_EQ(nodes, 0);

	take(k, &s);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 0);
	CHECK_EQ(kmm_set_cpu(k, 2), 0);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 2)), 2);
	CHECK(only_changed(k, &s, 0, HIT, 1LL, 0, LOCAL, 1LL, 2, HIT, 4LL, 2, LOCAL, 4LL, END));

	/* Node 2 full: the next node of 2's list, 3, serves; a miss on 3,
	 * foreign on 2, and "other" since the CPU sits on 2. */
	fill_node(k, 2);
	take(k, &s);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 3);
	CHECK(only_changed(k, &s, 3, MISS, 1LL, 2, FOREIGN, 1LL, 3, OTHER, 1LL, END));
	fill_node(k, 3);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 0);
	fill_node(k, 0);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 1);

	/* LOCAL behaves the same and reports itself. */
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_LOCAL, 0, NULL), 0);
	CHECK_EQ(kmm_get_mempolicy(k, NULL), KMM_MPOL_LOCAL);
	CHECK_EQ(kmm_set_cpu(k, 1), 0);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 1);
	kmm_destroy(k);
}

TEST(preferred)
{
	struct kmm *k = make();
	REQUIRE(k);
	struct snap s;
	kmm_nodemask_t nodes;

	/* Several bits: the lowest is the preferred node. */
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_PREFERRED, 0x6, NULL), 0);
	CHECK_EQ(kmm_get_mempolicy(k, &nodes), KMM_MPOL_PREFERRED);
	CHECK_EQ(nodes, 0x2);
	take(k, &s);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 1)), 1);
	CHECK(only_changed(k, &s, 1, HIT, 2LL, 1, OTHER, 2LL, END));

	/* Full preferred node: fall back along the preferred node's list
	 * (1 2 3 0), not the local one (0 1 2 3). */
	fill_node(k, 1);
	take(k, &s);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 2);
	CHECK(only_changed(k, &s, 2, MISS, 1LL, 1, FOREIGN, 1LL, 2, OTHER, 1LL, END));
	kmm_destroy(k);
}

TEST(bind_never_leaves_the_mask)
{
	struct kmm *k = make();
	REQUIRE(k);
	struct snap s;

	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_BIND, 0xa, NULL), 0); /* nodes 1, 3 */
	/* CPU 0 is outside the mask: start at the nearest masked node, 1. */
	take(k, &s);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 1);
	CHECK(only_changed(k, &s, 1, HIT, 1LL, 1, OTHER, 1LL, END));
	/* CPU 3 is inside: local first. */
	CHECK_EQ(kmm_set_cpu(k, 3), 0);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 3);
	CHECK_EQ(kmm_set_cpu(k, 2), 0);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 3); /* 2's list: 2 3 0 1 */
	CHECK_EQ(kmm_set_cpu(k, 0), 0);

	/* Fill node 1 through the policy: everything lands on 1 then 3,
	 * never elsewhere, and then allocation fails. */
	unsigned on[NODES] = { 0 }, total = 0;
	struct kmm_page *p;
	while ((p = kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_NOWARN, 0)) != NULL) {
		on[nid_of(k, p)]++;
		total++;
	}
	CHECK(on[1] > 0);
	CHECK(on[3] > 0);
	CHECK_EQ(on[0], 0);
	CHECK_EQ(on[2], 0);
	CHECK(total > NODE_PAGES); /* both nodes were used up */

	/* Nodes 0 and 2 are still empty-handed and the request fails, with a
	 * report that names the mask. */
	unsigned long reports = sink.count[KMM_REPORT_ALLOC_FAILURE];
	CHECK(kmm_alloc_pages(k, KMM_GFP_KERNEL, 0) == NULL);
	CHECK_EQ(sink.count[KMM_REPORT_ALLOC_FAILURE], reports + 1);
	CHECK(strstr(sink.last, "nodemask=1,3") != NULL);
	CHECK(kmm_alloc_pages_node(k, 0, KMM_GFP_KERNEL, 0) != NULL); /* node 0 is fine */
	kmm_destroy(k);
}

TEST(preferred_many)
{
	struct kmm *k = make();
	REQUIRE(k);
	struct snap s;

	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_PREFERRED_MANY, 0xc, NULL), 0); /* nodes 2, 3 */
	take(k, &s);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 2);
	CHECK(only_changed(k, &s, 2, HIT, 1LL, 2, OTHER, 1LL, END));
	fill_node(k, 2);
	take(k, &s);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 3);
	/* Preferred zone of the restricted walk is node 2's. */
	CHECK(only_changed(k, &s, 3, MISS, 1LL, 2, FOREIGN, 1LL, 3, OTHER, 1LL, END));
	fill_node(k, 3);

	/* Mask exhausted: the second pass takes any node, local first, and
	 * the failed first pass stays quiet. */
	unsigned long reports = sink.count[KMM_REPORT_ALLOC_FAILURE];
	take(k, &s);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 0);
	CHECK_EQ(sink.count[KMM_REPORT_ALLOC_FAILURE], reports);
	CHECK(only_changed(k, &s, 0, HIT, 1LL, 0, LOCAL, 1LL, END));
	kmm_destroy(k);
}

TEST(interleave_sequence)
{
	struct kmm *k = make();
	REQUIRE(k);
	struct snap s;

	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_INTERLEAVE, 0xb, NULL), 0); /* 0, 1, 3 */
	take(k, &s);
	static const int want[] = { 0, 1, 3, 0, 1, 3, 0 };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), want[i]);
	CHECK(only_changed(k, &s, 0, HIT, 3LL, 0, IHIT, 3LL, 0, LOCAL, 3LL, 1, HIT, 2LL, 1, IHIT, 2LL,
			   1, OTHER, 2LL, 3, HIT, 2LL, 3, IHIT, 2LL, 3, OTHER, 2LL, END));

	/* alloc_pages_node() and __GFP_THISNODE leave the sequence alone. */
	CHECK_EQ(nid_of(k, kmm_alloc_pages_node(k, 2, KMM_GFP_KERNEL, 0)), 2);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_THISNODE, 0)), 0);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 1);

	/* interleave_hit counts allocations, the other counters pages. */
	take(k, &s);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 3)), 3);
	CHECK(only_changed(k, &s, 3, HIT, 8LL, 3, IHIT, 1LL, 3, OTHER, 8LL, END));

	/* A full target: the page comes from its list (1 2 3 0 -> 2), no
	 * interleave hit, and the round robin moves on regardless. */
	fill_node(k, 1);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 0);
	take(k, &s);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 2);
	CHECK(only_changed(k, &s, 2, MISS, 1LL, 1, FOREIGN, 1LL, 2, OTHER, 1LL, END));
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 3);

	/* Setting the policy again restarts at the lowest node. */
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_INTERLEAVE, 0xc, NULL), 0);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 2);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 3);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 2);
	kmm_destroy(k);
}

TEST(weighted_interleave_sequence)
{
	struct kmm *k = make();
	REQUIRE(k);
	struct snap s;
	const uint8_t w[KMM_MAX_NODES] = { 3, 0, 1, 2 }; /* node 1 unmasked: its 0 is fine */

	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_WEIGHTED_INTERLEAVE, 0xd, w), 0); /* 0, 2, 3 */
	take(k, &s);
	static const int want[] = { 0, 0, 0, 2, 3, 3, 0, 0, 0, 2, 3, 3, 0 };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), want[i]);
	CHECK(only_changed(k, &s, 0, HIT, 7LL, 0, IHIT, 7LL, 0, LOCAL, 7LL, 2, HIT, 2LL, 2, IHIT, 2LL,
			   2, OTHER, 2LL, 3, HIT, 4LL, 3, IHIT, 4LL, 3, OTHER, 4LL, END));

	/* No weights: every node once, as plain interleave. */
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_WEIGHTED_INTERLEAVE, 0x6, NULL), 0);
	static const int want2[] = { 1, 2, 1, 2 };
	for (size_t i = 0; i < 4; i++)
		CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), want2[i]);

	/* Maximum weight. */
	const uint8_t w2[KMM_MAX_NODES] = { 255, 1, 1, 1 };
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_WEIGHTED_INTERLEAVE, 0x3, w2), 0);
	unsigned on0 = 0;
	for (int i = 0; i < 255; i++)
		on0 += nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)) == 0;
	CHECK_EQ(on0, 255);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 1);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 0);
	kmm_destroy(k);
}

TEST(thisnode_has_no_fallback)
{
	struct kmm *k = make();
	REQUIRE(k);
	struct snap s;

	take(k, &s);
	CHECK_EQ(nid_of(k, kmm_alloc_pages_node(k, 1, KMM_GFP_KERNEL | KMM___GFP_THISNODE, 0)), 1);
	CHECK(only_changed(k, &s, 1, HIT, 1LL, 1, OTHER, 1LL, END));
	unsigned n = fill_node(k, 1);
	CHECK(n > NODE_PAGES / 2);
	unsigned long reports = sink.count[KMM_REPORT_ALLOC_FAILURE];
	CHECK(kmm_alloc_pages_node(k, 1, KMM_GFP_KERNEL | KMM___GFP_THISNODE, 0) == NULL);
	CHECK_EQ(sink.count[KMM_REPORT_ALLOC_FAILURE], reports + 1);
	/* Without THISNODE the same request falls back to node 2. */
	CHECK_EQ(nid_of(k, kmm_alloc_pages_node(k, 1, KMM_GFP_KERNEL, 0)), 2);

	/* kmm_alloc_pages() with THISNODE ignores the task policy: the local
	 * node only, even under bind to other nodes. */
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_BIND, 0x8, NULL), 0);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_THISNODE, 0)), 0);
	CHECK_EQ(kmm_set_cpu(k, 1), 0);
	CHECK(kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_THISNODE | KMM___GFP_NOWARN, 0) == NULL);
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 3);
	kmm_destroy(k);
}

TEST(alloc_pages_node_ignores_the_policy)
{
	struct kmm *k = make();
	REQUIRE(k);
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_BIND, 0x8, NULL), 0);
	CHECK_EQ(nid_of(k, kmm_alloc_pages_node(k, 2, KMM_GFP_KERNEL, 0)), 2);
	CHECK_EQ(nid_of(k, kmm_alloc_pages_node(k, -1, KMM_GFP_KERNEL, 0)), 0); /* local */
	CHECK_EQ(nid_of(k, kmm_alloc_pages(k, KMM_GFP_KERNEL, 0)), 3);
	kmm_destroy(k);
}

TEST(set_mempolicy_validates)
{
	struct kmm *k = make();
	REQUIRE(k);
	const uint8_t zero1[KMM_MAX_NODES] = { 1, 0, 1, 1 };
	kmm_nodemask_t nodes;

	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_INTERLEAVE, 0x3, NULL), 0);
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_MAX, 0x1, NULL), -EINVAL);
	CHECK_EQ(kmm_set_mempolicy(k, (enum kmm_mpol_mode)-1, 0x1, NULL), -EINVAL);
	static const enum kmm_mpol_mode need_mask[] = {
		KMM_MPOL_PREFERRED, KMM_MPOL_BIND, KMM_MPOL_INTERLEAVE, KMM_MPOL_PREFERRED_MANY,
		KMM_MPOL_WEIGHTED_INTERLEAVE,
	};
	for (size_t i = 0; i < sizeof(need_mask) / sizeof(need_mask[0]); i++) {
		CHECK_EQ(kmm_set_mempolicy(k, need_mask[i], 0, NULL), -EINVAL);
		CHECK_EQ(kmm_set_mempolicy(k, need_mask[i], 1u << NODES, NULL), -EINVAL);
		CHECK_EQ(kmm_set_mempolicy(k, need_mask[i], 0x1 | 1u << 7, NULL), -EINVAL);
		CHECK_EQ(kmm_set_mempolicy(k, need_mask[i], 0x80000000u, NULL), -EINVAL);
	}
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_WEIGHTED_INTERLEAVE, 0x3, zero1), -EINVAL);
	CHECK_EQ(kmm_set_mempolicy(NULL, KMM_MPOL_DEFAULT, 0, NULL), -EINVAL);
	/* Failures leave the previous policy in place. */
	CHECK_EQ(kmm_get_mempolicy(k, &nodes), KMM_MPOL_INTERLEAVE);
	CHECK_EQ(nodes, 0x3);
	/* DEFAULT and LOCAL take no nodes: whatever is passed is ignored. */
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_DEFAULT, 0xffffffffu, NULL), 0);
	CHECK_EQ(kmm_get_mempolicy(k, &nodes), KMM_MPOL_DEFAULT);
	CHECK_EQ(nodes, 0);
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_LOCAL, 0x5, NULL), 0);
	CHECK_EQ(kmm_get_mempolicy(k, &nodes), KMM_MPOL_LOCAL);
	CHECK_EQ(nodes, 0);
	CHECK_EQ(kmm_set_mempolicy(k, KMM_MPOL_BIND, 0xf, NULL), 0);
	CHECK_EQ(kmm_get_mempolicy(k, &nodes), KMM_MPOL_BIND);
	CHECK_EQ(nodes, 0xf);
	CHECK_EQ(kmm_get_mempolicy(NULL, &nodes), KMM_MPOL_DEFAULT);
	kmm_destroy(k);
}

TEST(policy_names)
{
	CHECK(strcmp(kmm_mpol_name(KMM_MPOL_DEFAULT), "default") == 0);
	CHECK(strcmp(kmm_mpol_name(KMM_MPOL_PREFERRED), "prefer") == 0);
	CHECK(strcmp(kmm_mpol_name(KMM_MPOL_BIND), "bind") == 0);
	CHECK(strcmp(kmm_mpol_name(KMM_MPOL_INTERLEAVE), "interleave") == 0);
	CHECK(strcmp(kmm_mpol_name(KMM_MPOL_LOCAL), "local") == 0);
	CHECK(strcmp(kmm_mpol_name(KMM_MPOL_PREFERRED_MANY), "prefer (many)") == 0);
	CHECK(strcmp(kmm_mpol_name(KMM_MPOL_WEIGHTED_INTERLEAVE), "weighted interleave") == 0);
	CHECK(kmm_mpol_name(KMM_MPOL_MAX) != NULL);
}

TEST(numa_stat_bad_arguments)
{
	struct kmm *k = make();
	REQUIRE(k);
	CHECK(kmm_alloc_pages(k, KMM_GFP_KERNEL, 0) != NULL);
	CHECK_EQ(kmm_numa_stat(k, 0, KMM_NUMA_HIT), 1);
	CHECK_EQ(kmm_numa_stat(k, NODES, KMM_NUMA_HIT), 0);
	CHECK_EQ(kmm_numa_stat(k, -1, KMM_NUMA_HIT), 0);
	CHECK_EQ(kmm_numa_stat(k, 0, KMM_NR_NUMA_ITEMS), 0);
	CHECK_EQ(kmm_numa_stat(NULL, 0, KMM_NUMA_HIT), 0);
	kmm_destroy(k);
}

int main(void)
{
	RUN(default_policy_is_local_then_zonelist);
	RUN(preferred);
	RUN(bind_never_leaves_the_mask);
	RUN(preferred_many);
	RUN(interleave_sequence);
	RUN(weighted_interleave_sequence);
	RUN(thisnode_has_no_fallback);
	RUN(alloc_pages_node_ignores_the_policy);
	RUN(set_mempolicy_validates);
	RUN(policy_names);
	RUN(numa_stat_bad_arguments);
	return test_summary();
}
