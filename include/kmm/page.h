/* SPDX-License-Identifier: MIT */
/*
 * The page allocator: create a system, allocate and free page blocks.
 *
 * Kernel semantics: orders 0..KMM_MAX_ORDER, gfp-selected zones through the
 * node's zonelist, per-CPU lists for orders <= KMM_PCP_MAX_ORDER, watermarks
 * and lowmem protection, migrate-type fallback with pageblock stealing.
 * Failure returns NULL (and, without __GFP_NOWARN, a "page allocation
 * failure" report). Misuse (double free, wrong order, tail page, foreign or
 * misaligned pointers) is reported as "BUG: Bad page state" and survived.
 */
#ifndef KMM_PAGE_H
#define KMM_PAGE_H

#include <kmm/config.h>
#include <kmm/gfp.h>

/* Create a system; NULL if the config is invalid (the reason goes to the
 * config's sink as a KMM_REPORT_WARNING) or memory can't be had. */
struct kmm *kmm_create(const struct kmm_config *cfg);
/* Tear down; pages still allocated are simply dropped with the arena. */
void kmm_destroy(struct kmm *k);

/* The simulated CPU the next calls run on (single-threaded mode). Returns 0
 * or -EINVAL for cpu >= nr_cpus. */
int kmm_set_cpu(struct kmm *k, unsigned cpu);
unsigned kmm_current_cpu(const struct kmm *k);
/* Node of the current CPU (numa_node_id()). */
int kmm_numa_node_id(const struct kmm *k);

/* alloc_pages(): current task's memory policy, current CPU's node. */
struct kmm_page *kmm_alloc_pages(struct kmm *k, kmm_gfp_t gfp, unsigned order);
/* alloc_pages_node(): nid < 0 means the local node. Ignores the policy. */
struct kmm_page *kmm_alloc_pages_node(struct kmm *k, int nid, kmm_gfp_t gfp, unsigned order);
/* __free_pages(). */
void kmm_free_pages(struct kmm *k, struct kmm_page *page, unsigned order);

/* __get_free_pages() / free_pages(): by address inside the arena. */
void *kmm_get_free_pages(struct kmm *k, kmm_gfp_t gfp, unsigned order);
void kmm_free_pages_addr(struct kmm *k, const void *addr, unsigned order);

/* Conversions. NULL / KMM_PFN_NONE for anything outside the system. */
kmm_pfn_t kmm_page_to_pfn(const struct kmm *k, const struct kmm_page *page);
struct kmm_page *kmm_pfn_to_page(const struct kmm *k, kmm_pfn_t pfn);
void *kmm_page_address(const struct kmm *k, const struct kmm_page *page);
struct kmm_page *kmm_virt_to_page(const struct kmm *k, const void *addr);

int kmm_page_to_nid(const struct kmm *k, const struct kmm_page *page);
enum kmm_zone_type kmm_page_zonenum(const struct kmm *k, const struct kmm_page *page);
/* Order recorded in a compound head, 0 otherwise. */
unsigned kmm_compound_order(const struct kmm *k, const struct kmm_page *page);
int kmm_page_count(const struct kmm *k, const struct kmm_page *page);

/* Arena bounds: [base, base + total_pages * KMM_PAGE_SIZE). */
void *kmm_arena_base(const struct kmm *k);
kmm_pfn_t kmm_total_pages(const struct kmm *k); /* spanned PFN range incl. holes */

/* Per-CPU page lists. */
void kmm_drain_local_pages(struct kmm *k); /* current CPU */
void kmm_drain_all_pages(struct kmm *k);

/*
 * Walk every free list, pcp list and counter of every zone and recompute
 * them. Returns the number of violations; each is reported (KMM_REPORT_CHECK).
 */
long kmm_page_check(struct kmm *k);
long kmm_zone_check(struct kmm *k, int nid, enum kmm_zone_type zone);

/* True when every managed free page sits in the buddy lists (no pcp pages)
 * and no two free buddies could still merge: the state after freeing
 * everything and draining. */
bool kmm_page_fully_coalesced(struct kmm *k);

/*
 * Tracepoints (the kernel's mm_page_alloc / mm_page_free): called for every
 * block handed out and every block given back, whoever asked (the slab layer
 * included), after the allocator's own state is consistent. Bad frees are
 * not events. A harness uses them to see the pages the object allocators
 * take. Setting them costs every allocation an out-of-line call; NULL (or a
 * table whose hooks are NULL) turns them off.
 */
struct kmm_page_tracepoints {
	void (*mm_page_alloc)(void *ctx, kmm_pfn_t pfn, unsigned order);
	void (*mm_page_free)(void *ctx, kmm_pfn_t pfn, unsigned order);
	void *ctx;
};
void kmm_set_page_tracepoints(struct kmm *k, const struct kmm_page_tracepoints *tp);

#endif
