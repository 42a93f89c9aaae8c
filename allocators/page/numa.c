// SPDX-License-Identifier: MIT
/*
 * NUMA: node distances, zonelists, the task's memory policy, numa counters.
 *
 * Zonelists (the kernel's build_zonelists(), node ordering). Every node owns
 * a fallback zonelist: the nodes that have memory, best first, and for each
 * node its populated zones from the highest to the lowest. An allocation
 * walks it from the front and skips zones above its gfp_zone(). So a NORMAL
 * request tries the local NORMAL, then the local DMA32 and DMA, and only
 * then the next node, which keeps allocations local for as long as any
 * local zone can serve them (the old "zone order" lists are gone from the
 * kernel and are not modelled).
 *
 * Node order is find_next_best_node(), exactly:
 *   - the local node comes first if it has memory;
 *   - every other node n that has memory and is not placed yet scores
 *       (distance(local, n) + (n < local) + (n has CPUs)) * MAX_NODES + load[n]
 *     and the lowest score wins, the lowest node id on a tie;
 *   - when the chosen node opens a new distance group (its distance from
 *     local differs from the previously placed node's), load[node] += 1.
 * load[] starts at zero and is shared by the builds of all nodes, which run
 * in node id order, as the kernel's static node_load[] is. The "n < local"
 * term makes equidistant nodes follow local in ring order (node 2's list
 * goes 2 3 0 1 on a flat 4-node machine), and load[] rotates the first
 * remote choice so that not every node spills onto the same neighbour. The
 * kernel multiplies by MAX_NUMNODES; any factor above the largest load
 * (nr_nodes - 1) gives the same order, so KMM_MAX_NODES serves.
 * "Has memory" means at least one populated zone; "populated" here is the
 * allocator's z->populated (managed pages > 0) where the kernel looks at
 * present pages: a zone whose present pages are all reserved can serve
 * nothing, so leaving it out changes no placement (only, in that corner,
 * which node numa_* counts as preferred). A node without memory gets no
 * place in anyone's list, and its own list starts at its best neighbour.
 *
 * Memory policy (mm/mempolicy.c). One simulated task. alloc_pages() without
 * a node asks the policy for a preferred node and an allowed mask:
 *   default, local     local node, all nodes (the local zonelist)
 *   preferred          the policy node, all nodes (its zonelist)
 *   preferred-many     local node's zonelist restricted to the mask, then a
 *                      second pass over all nodes
 *   bind               local node's zonelist restricted to the mask
 *   interleave         next node of the mask, round robin, all nodes
 *   weighted inter.    as interleave, node i taking weights[i] turns in a row
 * As in the kernel, alloc_pages() with __GFP_THISNODE ignores the task policy
 * (it uses the local node) and alloc_pages_node() always does. Deliberate
 * differences: bind applies to every zone (the kernel exempts allocations
 * whose highest zone is below policy_zone), and there is no cpuset or
 * home_node. Interleave starts at the lowest node of the mask after every
 * set_mempolicy(), as the kernel's il_prev = MAX_NUMNODES - 1 makes it.
 *
 * Threads: interleave state moves with relaxed atomics, so threads sharing
 * the task interleave without a data race (in an order that is theirs);
 * kmm_set_mempolicy() itself must not race with allocations.
 *
 * Counters (zone_statistics()). The preferred zone is the first zone of the
 * walk: the first entry of ac->zonelist allowed by highest_zoneidx and
 * ac->nodemask. Landing on its node counts numa_hit there, elsewhere
 * numa_miss on the landing node and numa_foreign on the preferred node;
 * numa_local / numa_other compare the landing node with the current CPU's.
 * Those four are in pages. interleave_hit counts allocations (the kernel
 * bumps it by one per interleaved allocation that landed on its target).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define LOCAL_DISTANCE 10
#define REMOTE_DISTANCE 20

static inline kmm_nodemask_t node_bit(int nid) { return (kmm_nodemask_t)1 << nid; }
static inline kmm_nodemask_t all_nodes(const struct kmm *k)
{
	return (kmm_nodemask_t)((1ull << k->nr_nodes) - 1);
}

static inline int local_nid(const struct kmm *k) { return k->cfg.cpu_node[current_cpu_(k)]; }

static int distance(const struct kmm *k, int a, int b)
{
	int d = k->cfg.distance[a][b];
	/* system.c fills the default table; a zero entry would mean it did not. */
	if (kmm_unlikely(!d))
		d = a == b ? LOCAL_DISTANCE : REMOTE_DISTANCE;
	return d;
}

static bool node_has_memory(const struct kmm *k, int nid)
{
	for (int z = 0; z < KMM_NR_ZONES; z++)
		if (k->nodes[nid].zones[z].populated)
			return true;
	return false;
}

static kmm_nodemask_t memory_nodes(const struct kmm *k)
{
	kmm_nodemask_t m = 0;
	for (unsigned n = 0; n < k->nr_nodes; n++)
		if (node_has_memory(k, (int)n))
			m |= node_bit((int)n);
	return m;
}

/* ---- zonelists -------------------------------------------------------- */

static kmm_nodemask_t cpu_nodes(const struct kmm *k)
{
	kmm_nodemask_t m = 0;
	for (unsigned c = 0; c < k->nr_cpus; c++)
		m |= node_bit(k->cfg.cpu_node[c]);
	return m;
}

/* find_next_best_node(); see the top of the file. -1 when all are placed. */
static int next_best_node(const struct kmm *k, int local, kmm_nodemask_t *used,
			  kmm_nodemask_t with_mem, kmm_nodemask_t with_cpu, const uint8_t *load)
{
	int best = -1;
	int min_val = 0;

	if (!(*used & node_bit(local)) && (with_mem & node_bit(local))) {
		*used |= node_bit(local);
		return local;
	}
	for (int n = 0; n < (int)k->nr_nodes; n++) {
		if (!(with_mem & node_bit(n)) || (*used & node_bit(n)))
			continue;
		int val = distance(k, local, n);
		val += n < local;                      /* prefer the nodes after us */
		val += (with_cpu & node_bit(n)) != 0;  /* prefer headless nodes */
		val = val * KMM_MAX_NODES + load[n];   /* then the less loaded */
		if (best < 0 || val < min_val) {
			min_val = val;
			best = n;
		}
	}
	if (best >= 0)
		*used |= node_bit(best);
	return best;
}

/* build_zonerefs_node(): populated zones of one node, highest first. */
static unsigned add_node_zones(struct kmm *k, int nid, struct zoneref *zr)
{
	unsigned nr = 0;
	for (int z = KMM_NR_ZONES - 1; z >= 0; z--) {
		struct kmm_zone *zone = &k->nodes[nid].zones[z];
		if (!zone->populated)
			continue;
		zr[nr].zone = zone;
		zr[nr].zone_idx = (uint8_t)z;
		nr++;
	}
	return nr;
}

void build_zonelists_(struct kmm *k)
{
	uint8_t load[KMM_MAX_NODES] = { 0 };
	kmm_nodemask_t with_mem, with_cpu;

	with_mem = memory_nodes(k);
	with_cpu = cpu_nodes(k);

	for (int local = 0; local < (int)k->nr_nodes; local++) {
		struct kmm_node *node = &k->nodes[local];
		kmm_nodemask_t used = 0;
		int prev = local, nid;
		unsigned nr = 0;

		while ((nid = next_best_node(k, local, &used, with_mem, with_cpu, load)) >= 0) {
			/* First node of a new distance group: rotate the next pick. */
			if (distance(k, local, nid) != distance(k, local, prev))
				load[nid]++;
			prev = nid;
			nr += add_node_zones(k, nid, &node->zonelist_fallback[nr]);
		}
		node->zonelist_fallback[nr].zone = NULL;
		node->zonelist_fallback[nr].zone_idx = 0;

		nr = add_node_zones(k, local, node->zonelist_nofallback);
		node->zonelist_nofallback[nr].zone = NULL;
		node->zonelist_nofallback[nr].zone_idx = 0;
	}
}

/* ---- topology queries ------------------------------------------------- */

int kmm_node_distance(const struct kmm *k, int a, int b)
{
	if (!k || a < 0 || b < 0 || a >= (int)k->nr_nodes || b >= (int)k->nr_nodes)
		return -EINVAL;
	return distance(k, a, b);
}

unsigned kmm_node_fallback_order(const struct kmm *k, int nid, int order_out[KMM_MAX_NODES])
{
	unsigned nr = 0;

	if (!k || nid < 0 || nid >= (int)k->nr_nodes)
		return 0;
	/* The zonelist holds each node's zones back to back: collapse runs. */
	for (const struct zoneref *zr = k->nodes[nid].zonelist_fallback; zr->zone; zr++) {
		int n = zr->zone->node;
		if (nr && order_out[nr - 1] == n)
			continue;
		if (nr == KMM_MAX_NODES)
			break;
		order_out[nr++] = n;
	}
	return nr;
}

unsigned kmm_nr_nodes(const struct kmm *k) { return k ? k->nr_nodes : 0; }
unsigned kmm_nr_cpus(const struct kmm *k) { return k ? k->nr_cpus : 0; }

int kmm_cpu_to_node(const struct kmm *k, unsigned cpu)
{
	if (!k || cpu >= k->nr_cpus)
		return -EINVAL;
	return k->cfg.cpu_node[cpu];
}

/* ---- memory policy ---------------------------------------------------- */

const char *kmm_mpol_name(enum kmm_mpol_mode mode)
{
	/* The kernel's policy_modes[] (as /proc/<pid>/numa_maps prints them). */
	static const char *const names[KMM_MPOL_MAX] = {
		[KMM_MPOL_DEFAULT] = "default",
		[KMM_MPOL_PREFERRED] = "prefer",
		[KMM_MPOL_BIND] = "bind",
		[KMM_MPOL_INTERLEAVE] = "interleave",
		[KMM_MPOL_LOCAL] = "local",
		[KMM_MPOL_PREFERRED_MANY] = "prefer (many)",
		[KMM_MPOL_WEIGHTED_INTERLEAVE] = "weighted interleave",
	};
	if ((unsigned)mode >= KMM_MPOL_MAX)
		return "invalid";
	return names[mode];
}

static int first_node(kmm_nodemask_t m) { return __builtin_ctz(m); }

/* next_node_in(): the next set bit after nid, wrapping around. m != 0. */
static int next_node_in(int nid, kmm_nodemask_t m)
{
	kmm_nodemask_t after = m & ~(node_bit(nid + 1) - 1);
	return first_node(after ? after : m);
}

/* Interleave state is read and written with relaxed atomics so that threads
 * sharing the task never race in the C sense (the order is then theirs). */
static inline int il_get_next(const struct kmm_mempolicy *p)
{
	return __atomic_load_n(&p->il_next, __ATOMIC_RELAXED);
}

void mempolicy_init_(struct kmm *k)
{
	struct kmm_mempolicy *p = &k->policy;
	memset(p, 0, sizeof(*p));
	p->mode = KMM_MPOL_DEFAULT;
	memset(p->weights, 1, sizeof(p->weights));
}

int kmm_set_mempolicy(struct kmm *k, enum kmm_mpol_mode mode, kmm_nodemask_t nodes,
		      const uint8_t weights[KMM_MAX_NODES])
{
	struct kmm_mempolicy np;

	if (!k || (unsigned)mode >= KMM_MPOL_MAX)
		return -EINVAL;
	memset(&np, 0, sizeof(np));
	np.mode = mode;
	memset(np.weights, 1, sizeof(np.weights));

	if (mode != KMM_MPOL_DEFAULT && mode != KMM_MPOL_LOCAL) {
		if (!nodes || (nodes & ~all_nodes(k)))
			return -EINVAL;
		/* Like the kernel, keep only nodes that have memory; a mask
		 * left empty is invalid. */
		nodes &= memory_nodes(k);
		if (!nodes)
			return -EINVAL;
		if (mode == KMM_MPOL_PREFERRED)
			nodes = node_bit(first_node(nodes));
		if (mode == KMM_MPOL_WEIGHTED_INTERLEAVE && weights) {
			for (int n = 0; n < KMM_MAX_NODES; n++) {
				if ((nodes & node_bit(n)) && !weights[n])
					return -EINVAL;
				np.weights[n] = weights[n] ? weights[n] : 1;
			}
		}
		np.nodes = nodes;
		np.il_next = first_node(nodes);
		np.il_credit = np.weights[np.il_next];
	}
	k->policy = np;
	build_fast_alloc_(k);
	return 0;
}

enum kmm_mpol_mode kmm_get_mempolicy(const struct kmm *k, kmm_nodemask_t *nodes)
{
	if (!k) {
		if (nodes)
			*nodes = 0;
		return KMM_MPOL_DEFAULT;
	}
	if (nodes)
		*nodes = k->policy.nodes;
	return k->policy.mode;
}

/* interleave_nodes(): this allocation's node, and advance. */
static int interleave_next(struct kmm_mempolicy *p)
{
	int nid = il_get_next(p);
	__atomic_store_n(&p->il_next, next_node_in(nid, p->nodes), __ATOMIC_RELAXED);
	return nid;
}

/* weighted_interleave_nodes(): il_credit turns left on il_next. */
static int weighted_interleave_next(struct kmm_mempolicy *p)
{
	int nid = il_get_next(p);
	uint8_t credit = __atomic_load_n(&p->il_credit, __ATOMIC_RELAXED);

	if (credit > 1) {
		__atomic_store_n(&p->il_credit, (uint8_t)(credit - 1), __ATOMIC_RELAXED);
	} else {
		int next = next_node_in(nid, p->nodes);
		__atomic_store_n(&p->il_next, next, __ATOMIC_RELAXED);
		__atomic_store_n(&p->il_credit, p->weights[next], __ATOMIC_RELAXED);
	}
	return nid;
}

/* The policy's part of alloc_pages(): preferred node and allowed nodes. */
static int policy_node(struct kmm *k, int local, struct alloc_context *ac)
{
	struct kmm_mempolicy *p = &k->policy;

	switch (p->mode) {
	case KMM_MPOL_PREFERRED:
		return first_node(p->nodes);
	case KMM_MPOL_PREFERRED_MANY:
		ac->nodemask = p->nodes;
		ac->second_pass_nodemask = all_nodes(k);
		return local;
	case KMM_MPOL_BIND:
		ac->nodemask = p->nodes;
		return local;
	case KMM_MPOL_INTERLEAVE:
		ac->interleave = true;
		return interleave_next(p);
	case KMM_MPOL_WEIGHTED_INTERLEAVE:
		ac->interleave = true;
		return weighted_interleave_next(p);
	case KMM_MPOL_DEFAULT:
	case KMM_MPOL_LOCAL:
	case KMM_MPOL_MAX:
		break;
	}
	return local;
}

void prepare_alloc_context_(struct kmm *k, int nid, kmm_gfp_t gfp, struct alloc_context *ac)
{
	int local = local_nid(k);

	ac->highest_zoneidx = kmm_gfp_zone(gfp);
	ac->migratetype = (int)kmm_gfp_migratetype(gfp);
	ac->nodemask = all_nodes(k);
	ac->second_pass_nodemask = 0;
	ac->interleave = false;
	ac->thisnode = (gfp & KMM___GFP_THISNODE) != 0;

	if (nid >= 0) {
		/* alloc_pages_node(): the caller validated nid; if it did not,
		 * allow nothing rather than index past the nodes. */
		if (nid >= (int)k->nr_nodes) {
			ac->nodemask = 0;
			nid = local;
		}
	} else if (__builtin_expect(k->policy.mode == KMM_MPOL_DEFAULT, 1) || ac->thisnode) {
		nid = local;
	} else {
		nid = policy_node(k, local, ac);
	}
	ac->preferred_nid = nid;
	ac->zonelist = ac->thisnode ? k->nodes[nid].zonelist_nofallback
				    : k->nodes[nid].zonelist_fallback;
}

/* ---- the fast path's table ------------------------------------------- */

/*
 * k->fast[cpu][bits]: what alloc_pages() with gfp & FAST_GFP_MASK == bits,
 * run on cpu under the default or local policy, would find first: the
 * context is the CPU's node's zonelist with every node allowed, so the
 * preferred zone is the first entry the gfp's highest zone allows, and a
 * block served there counts numa_hit (it is the preferred zone) and
 * numa_local or numa_other by the CPU's node. Only the policy can change
 * which allocations may use the table (k->fast_ok): zonelists and CPU nodes
 * are fixed at create. The counting is in the pcp's fast_alloc (internal.h).
 */
/* A cache of the general path's first choice, rebuilt at create and on a
 * policy change: its loops teach a fuzzer nothing (KMM_NO_COVERAGE). */
KMM_NO_COVERAGE void build_fast_alloc_(struct kmm *k)
{
	enum kmm_mpol_mode mode = k->policy.mode;

	k->fast_ok = !k->cfg.threaded && (mode == KMM_MPOL_DEFAULT || mode == KMM_MPOL_LOCAL);
	update_fast_bounds_(k);
	/* Empty entries (all of them without fast_ok) name fast_none, whose
	 * watermark test always fails: every lookup says "general". Only the
	 * rows of the system's CPUs are ever read (cur_cpu < nr_cpus). */
	for (unsigned cpu = 0; cpu < k->nr_cpus; cpu++) {
		for (kmm_gfp_t bits = 0; bits <= FAST_GFP_MASK; bits++) {
			memset(&k->fast[cpu][bits], 0, sizeof(k->fast[cpu][bits]));
			k->fast[cpu][bits].zone = &k->fast_none;
		}
	}
	for (unsigned cpu = 0; k->fast_ok && cpu < k->nr_cpus; cpu++) {
		int local = k->cfg.cpu_node[cpu];

		for (kmm_gfp_t bits = 0; bits <= FAST_GFP_MASK; bits++) {
			struct fast_alloc *fa = &k->fast[cpu][bits];
			enum kmm_zone_type hz = kmm_gfp_zone(bits);
			struct kmm_zone *z = NULL;

			if (hz >= KMM_NR_ZONES)
				continue;
			for (const struct zoneref *zr = k->nodes[local].zonelist_fallback; zr->zone; zr++) {
				if (zr->zone_idx <= hz) {
					z = zr->zone;
					break;
				}
			}
			if (!z || !z->pcp)
				continue;
			fa->zone = z;
			fa->pcp = &z->pcp[cpu];
			fa->migratetype = (uint8_t)kmm_gfp_migratetype(bits);
			fa->lists = &fa->pcp->lists[fa->migratetype];
			fa->highest_zoneidx = (uint8_t)hz;
		}
	}
}

/* ---- counters --------------------------------------------------------- */

static inline void numa_add(struct kmm *k, int nid, enum kmm_numa_item item, uint64_t n)
{
	uint64_t *c = &k->nodes[nid].numa[item];
	if (k->cfg.threaded)
		__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
	else
		*c += n;
}

/* Node of the preferred zone: the first zone the walk was allowed to try. */
static int preferred_zone_nid(const struct alloc_context *ac, int fallback)
{
	for (const struct zoneref *zr = ac->zonelist; zr->zone; zr++)
		if (zr->zone_idx <= ac->highest_zoneidx && (ac->nodemask & node_bit(zr->zone->node)))
			return zr->zone->node;
	return fallback;
}

void numa_account_(struct kmm *k, const struct alloc_context *ac, const struct kmm_zone *z,
		   unsigned order)
{
	uint64_t nr = (uint64_t)1 << order;
	int nid = z->node;
	int pref = preferred_zone_nid(ac, nid);

	if (nid == pref) {
		numa_add(k, nid, KMM_NUMA_HIT, nr);
	} else {
		numa_add(k, nid, KMM_NUMA_MISS, nr);
		numa_add(k, pref, KMM_NUMA_FOREIGN, nr);
	}
	numa_add(k, nid, nid == local_nid(k) ? KMM_NUMA_LOCAL : KMM_NUMA_OTHER, nr);
	if (ac->interleave && nid == ac->preferred_nid)
		numa_add(k, nid, KMM_NUMA_INTERLEAVE_HIT, 1);
}

uint64_t kmm_numa_stat(const struct kmm *k, int nid, enum kmm_numa_item item)
{
	if (!k || nid < 0 || nid >= (int)k->nr_nodes || (unsigned)item >= KMM_NR_NUMA_ITEMS)
		return 0;
	return numa_stat_total_(k, nid, item);
}
