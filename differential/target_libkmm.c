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
