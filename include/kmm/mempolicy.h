/* SPDX-License-Identifier: MIT */
/*
 * NUMA memory policy of the simulated current task (set_mempolicy()).
 *
 * One task per system. kmm_alloc_pages() consults it; kmm_alloc_pages_node()
 * does not. Interleave state (next node, weighted credits) is part of the
 * task and advances only on interleaved allocations, so runs are
 * deterministic.
 */
#ifndef KMM_MEMPOLICY_H
#define KMM_MEMPOLICY_H

#include <kmm/types.h>

enum kmm_mpol_mode {
	KMM_MPOL_DEFAULT,
	KMM_MPOL_PREFERRED,
	KMM_MPOL_BIND,
	KMM_MPOL_INTERLEAVE,
	KMM_MPOL_LOCAL,
	KMM_MPOL_PREFERRED_MANY,
	KMM_MPOL_WEIGHTED_INTERLEAVE,
	KMM_MPOL_MAX
};

/*
 * nodes: the policy's nodemask (ignored for DEFAULT and LOCAL; exactly the
 * preferred node for PREFERRED, lowest bit wins if several). weights: per
 * node 1..255 for WEIGHTED_INTERLEAVE (NULL = all 1), ignored otherwise.
 * Nodes without memory are dropped from the mask, as the kernel does.
 * Returns 0 or -EINVAL (unknown mode, empty or out-of-range mask, a zero
 * weight for a masked node); on error the old policy stays.
 */
int kmm_set_mempolicy(struct kmm *k, enum kmm_mpol_mode mode, kmm_nodemask_t nodes,
		      const uint8_t weights[KMM_MAX_NODES]);
enum kmm_mpol_mode kmm_get_mempolicy(const struct kmm *k, kmm_nodemask_t *nodes);
const char *kmm_mpol_name(enum kmm_mpol_mode mode); /* "default", "prefer", "bind", ... */

/* node_distance(); -EINVAL for a node id out of range. */
int kmm_node_distance(const struct kmm *k, int a, int b);
/* Nodes of nid's zonelist in fallback order (local first, then by distance,
 * ties broken as the kernel's find_next_best_node(): see numa.c); only
 * nodes with memory; returns how many (0 for a bad nid). */
unsigned kmm_node_fallback_order(const struct kmm *k, int nid, int order_out[KMM_MAX_NODES]);
unsigned kmm_nr_nodes(const struct kmm *k);
unsigned kmm_nr_cpus(const struct kmm *k);
int kmm_cpu_to_node(const struct kmm *k, unsigned cpu); /* -EINVAL for a bad cpu */

#endif
