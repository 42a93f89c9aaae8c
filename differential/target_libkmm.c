// SPDX-License-Identifier: MIT
/*
 * The harness's view of libkmm: every hook is the libkmm call of the same
 * name. A user's allocator plugs in by filling the same table; tests wrap
 * this one to break one property at a time.
 */
#include "executor.h"

static const struct kmm_page_target libkmm_target = {
	.name = "libkmm",
	.create = kmm_create,
	.destroy = kmm_destroy,
	.set_cpu = kmm_set_cpu,
	.set_mempolicy = kmm_set_mempolicy,
	.alloc_pages = kmm_alloc_pages,
	.alloc_pages_node = kmm_alloc_pages_node,
	.free_pages = kmm_free_pages,
	.free_pages_addr = kmm_free_pages_addr,
	.page_to_pfn = kmm_page_to_pfn,
	.pfn_to_page = kmm_pfn_to_page,
	.page_address = kmm_page_address,
	.drain_local_pages = kmm_drain_local_pages,
	.drain_all_pages = kmm_drain_all_pages,
	.zone_info = kmm_zone_info,
	.page_check = kmm_page_check,
	.fully_coalesced = kmm_page_fully_coalesced,
	.report_count = kmm_report_count,
};

const struct kmm_page_target *kmm_page_target_libkmm(void)
{
	return &libkmm_target;
}

/* ---- the object allocators ------------------------------------------------ */

static const struct kmm_slab_target libkmm_slab_target = {
	.name = "libkmm",
	.cache_create = kmm_cache_create,
	.cache_destroy = kmm_cache_destroy,
	.cache_alloc = kmm_cache_alloc,
	.cache_alloc_node = kmm_cache_alloc_node,
	.cache_free = kmm_cache_free,
	.cache_alloc_bulk = kmm_cache_alloc_bulk,
	.cache_free_bulk = kmm_cache_free_bulk,
	.cache_shrink = kmm_cache_shrink,
	.kmalloc = kmm_kmalloc,
	.kzalloc = kmm_kzalloc,
	.kmalloc_node = kmm_kmalloc_node,
	.kcalloc = kmm_kcalloc,
	.krealloc = kmm_krealloc,
	.kfree = kmm_kfree,
	.ksize = kmm_ksize,
	.rcu_barrier = kmm_rcu_barrier,
	.cache_reap = kmm_cache_reap,
	.cache_validate = kmm_cache_validate,
	.slab_check = kmm_slab_check,
	.shrink_all = kmm_slab_shrink_all,
	.virt_to_cache = kmm_virt_to_cache,
	.kmalloc_cache = kmm_kmalloc_cache,
	.cache_info = kmm_cache_info,
	.slab_pages = kmm_slab_pages,
	.set_page_tracepoints = kmm_set_page_tracepoints,
};

const struct kmm_slab_target *kmm_slab_target_libkmm(void)
{
	return &libkmm_slab_target;
}
