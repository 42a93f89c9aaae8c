/* SPDX-License-Identifier: MIT */
/*
 * Configuration of one simulated system: topology, sizes, tunables, seed.
 *
 * PFN layout: node 0's zones in kernel order (DMA, DMA32, NORMAL, HIGHMEM,
 * MOVABLE), then node 1's, and so on, back to back from PFN 0. A zone of
 * spanned_pages == 0 is absent. Every zone start is aligned to a MAX_ORDER
 * block (1024 pages) by inserting holes between zones, so buddies never need
 * to cross zones. Within a zone, [hole_start, hole_start + hole_pages) are not
 * present (spanned - present = hole_pages), and the first reserved_pages
 * present pages are present but not managed (memblock-style reservations).
 */
#ifndef KMM_CONFIG_H
#define KMM_CONFIG_H

#include <kmm/report.h>
#include <kmm/types.h>

struct kmm_platform;
struct kmm_slab_ops;

/* The object allocator a system is built with (a kernel's CONFIG_SLUB /
 * CONFIG_SLAB / CONFIG_SLOB). */
enum kmm_slab_backend {
	KMM_SLAB_BACKEND_SLUB, /* default */
	KMM_SLAB_BACKEND_SLAB,
	KMM_SLAB_BACKEND_SLOB,
	KMM_NR_SLAB_BACKENDS
};

/* Hardening of the object allocators (cfg.slab_features). */
enum {
	KMM_SLAB_FREELIST_HARDENED = 1u << 0, /* CONFIG_SLAB_FREELIST_HARDENED: encoded free pointers */
	KMM_SLAB_FREELIST_RANDOM = 1u << 1,   /* CONFIG_SLAB_FREELIST_RANDOM: shuffled new slabs */
};

struct kmm_zone_config {
	uint32_t spanned_pages;  /* 0 = zone absent on this node */
	uint32_t hole_start;     /* offset within the zone, pages */
	uint32_t hole_pages;     /* pages of the hole (not present) */
	uint32_t reserved_pages; /* present, never managed */
};

struct kmm_node_config {
	struct kmm_zone_config zones[KMM_NR_ZONES];
};

struct kmm_config {
	unsigned nr_nodes;                          /* 1..KMM_MAX_NODES */
	struct kmm_node_config nodes[KMM_MAX_NODES];
	/* node_distance(); all zero = 10 local, 20 remote. Must be symmetric,
	 * 10 on the diagonal, > 10 elsewhere when given. */
	uint8_t distance[KMM_MAX_NODES][KMM_MAX_NODES];

	unsigned nr_cpus;               /* simulated CPUs, 1..KMM_MAX_CPUS */
	uint8_t cpu_node[KMM_MAX_CPUS]; /* node of each CPU; all zero = cpu % nr_nodes */

	unsigned pageblock_order;       /* 0 = KMM_DEFAULT_PAGEBLOCK_ORDER; <= KMM_MAX_ORDER */
	uint32_t min_free_kbytes;       /* 0 = kernel formula: sqrt(lowmem_kbytes * 16), clamped */
	uint32_t watermark_scale_factor; /* 0 = 10 (kernel default, 0.1%) */
	uint32_t watermark_boost_factor; /* 0 = 15000 (kernel default); UINT32_MAX = off */
	/* sysctl lowmem_reserve_ratio; all zero = kernel defaults 256 256 32 0 0 */
	uint32_t lowmem_reserve_ratio[KMM_NR_ZONES];
	uint32_t pcp_high;   /* 0 = kernel formula from the zone's low watermark */
	uint32_t pcp_batch;  /* 0 = kernel formula (zone_batchsize) */

	uint64_t seed;          /* every random decision derives from it */
	unsigned debug_level;   /* 0 off, 1 cheap asserts, 2 expensive walks */
	bool threaded;          /* real locks; current CPU from the platform */

	/* Object allocators (include/kmm/slab.h). */
	enum kmm_slab_backend slab_backend;
	const struct kmm_slab_ops *slab_ops; /* non-NULL: a user's own backend; overrides slab_backend */
	uint32_t slab_features;              /* KMM_SLAB_FREELIST_*; kmm_config_init sets both */
	/* The kernel's slab_debug= boot option, same syntax: "" off, "FZPU"
	 * every cache, "FZ,kmalloc-64;P,foo*" per cache, "-" none. */
	char slab_debug[64];
	unsigned slab_min_objects;  /* 0 = kernel formula (4 * (fls(nr_cpus) + 1)) */
	unsigned slab_max_order;    /* 0 = kernel default (PAGE_ALLOC_COSTLY_ORDER = 3) */
	unsigned slab_min_partial;  /* 0 = kernel default (5; ilog2(size)/2 clamped 5..10) */

	const struct kmm_platform *platform; /* NULL = kmm_platform_hosted() */
	struct kmm_report_sink sink;         /* emit NULL = count only */
};

/*
 * Fill a config with a simple layout: nr_nodes nodes of pages_per_node pages
 * each; node 0 gets DMA (1/16, at most 4096 pages) and DMA32 (1/4), NORMAL the
 * rest; other nodes are all NORMAL. One CPU per node. Seed 1. SLUB with
 * both freelist hardenings, no slab debug.
 */
void kmm_config_init(struct kmm_config *cfg, unsigned nr_nodes, uint32_t pages_per_node);

/*
 * Validate a config. Returns 0, or -EINVAL and writes a message naming the
 * offending field ("nodes[1].zones[DMA32].hole_pages 40 > spanned_pages 32")
 * into msg.
 */
int kmm_config_validate(const struct kmm_config *cfg, char *msg, size_t len);

#endif
