// SPDX-License-Identifier: MIT
/*
 * Watermarks and lowmem protection (mm/page_alloc.c: calculate_min_free_kbytes,
 * __setup_per_zone_wmarks, setup_per_zone_lowmem_reserve, __zone_watermark_ok,
 * boost_watermark).
 *
 * min_free_kbytes = int_sqrt(lowmem_kbytes * 16), clamped to [128, 262144],
 * where lowmem_kbytes is the managed memory of the zones up to NORMAL (at
 * boot the kernel's nr_free_buffer_pages() is exactly that). A config value
 * overrides it. pages_min = min_free_kbytes / 4 (4 KiB pages) is spread over
 * the lowmem zones (all but HIGHMEM and MOVABLE) in proportion to their
 * managed pages; HIGHMEM and MOVABLE get a small fixed min instead,
 * managed/1024 clamped to [32, 128]. The gaps min->low and low->high are
 * max(share/4, managed * watermark_scale_factor / 10000), where share is the
 * zone's proportional slice of pages_min even for HIGHMEM/MOVABLE.
 *
 * lowmem_reserve[j] of zone i (j > i) = managed pages of zones i+1..j of the
 * same node / lowmem_reserve_ratio[i]: an allocation that could have used a
 * higher zone j must leave that much of zone i alone. Ratio 0, or a zone
 * with no managed pages, means no protection.
 *
 * A zone passes __zone_watermark_ok for (order, mark) when its free pages,
 * less the 2^order - 1 that an order-sized block leaves unusable and less
 * the highatomic reserve (unless the caller may use reserves), exceed mark
 * (halved for __GFP_HIGH, then another quarter off for non-blocking) plus
 * the protection for the caller's highest zone; for order > 0 a free block
 * of at least that order must also exist on a list the caller may use.
 *
 * The fast path's order-0 test against the low watermark folds every term
 * but the free count into one number per zone and highest zone
 * (zone->fast_mark[]), refreshed here whenever a term changes.
 */
#include "assert.h"
#include "internal.h"

static uint64_t int_sqrt_(uint64_t x)
{
	uint64_t r = 0, bit = (uint64_t)1 << 62;
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* x * n / d without the intermediate overflow (the kernel's mult_frac()). */
static uint64_t mult_frac_(uint64_t x, uint64_t n, uint64_t d)
{
	return (x / d) * n + ((x % d) * n) / d;
}

static bool is_lowmem_(unsigned zt) { return zt != KMM_ZONE_HIGHMEM && zt != KMM_ZONE_MOVABLE; }

#define for_each_zone_(k, z)                                                             \
	for (unsigned n_ = 0; n_ < (k)->nr_nodes; n_++)                                  \
		for (struct kmm_zone *z = (k)->nodes[n_].zones;                          \
		     z < (k)->nodes[n_].zones + KMM_NR_ZONES; z++)

static uint64_t calculate_min_free_kbytes_(struct kmm *k)
{
	uint64_t lowmem_pages = 0;
	for_each_zone_(k, z)
		if (z->idx <= KMM_ZONE_NORMAL)
			lowmem_pages += z->managed_pages;
	uint64_t kbytes = lowmem_pages * (KMM_PAGE_SIZE >> 10);
	uint64_t v = int_sqrt_(kbytes * 16);
	if (v < 128)
		v = 128;
	if (v > 262144)
		v = 262144;
	return v;
}

void setup_per_zone_wmarks_(struct kmm *k)
{
	k->min_free_kbytes = k->cfg.min_free_kbytes ? k->cfg.min_free_kbytes : calculate_min_free_kbytes_(k);
	uint64_t pages_min = k->min_free_kbytes >> (KMM_PAGE_SHIFT - 10);
	uint64_t lowmem_pages = 0;
	for_each_zone_(k, z)
		if (is_lowmem_(z->idx))
			lowmem_pages += z->managed_pages;

	for_each_zone_(k, z) {
		zone_lock_(z);
		uint64_t tmp = lowmem_pages ? pages_min * z->managed_pages / lowmem_pages : 0;
		if (!is_lowmem_(z->idx)) {
			uint64_t m = z->managed_pages / 1024;
			z->wmark[WMARK_MIN] = m < 32 ? 32 : m > 128 ? 128 : m;
		} else {
			z->wmark[WMARK_MIN] = tmp;
		}
		uint64_t gap = mult_frac_(z->managed_pages, k->cfg.watermark_scale_factor, 10000);
		if ((tmp >> 2) > gap)
			gap = tmp >> 2;
		z->wmark_boost = 0;
		z->wmark[WMARK_LOW] = z->wmark[WMARK_MIN] + gap;
		z->wmark[WMARK_HIGH] = z->wmark[WMARK_LOW] + gap;
		zone_update_fast_marks_(z);
		zone_unlock_(z);
	}
}

void setup_per_zone_lowmem_reserve_(struct kmm *k)
{
	for (unsigned n = 0; n < k->nr_nodes; n++) {
		struct kmm_zone *zones = k->nodes[n].zones;
		for (unsigned i = 0; i < KMM_NR_ZONES; i++) {
			uint32_t ratio = k->cfg.lowmem_reserve_ratio[i];
			bool clear = ratio == 0 || zones[i].managed_pages == 0;
			uint64_t managed = 0;
			zones[i].lowmem_reserve[i] = 0;
			for (unsigned j = 0; j < i; j++)
				zones[i].lowmem_reserve[j] = 0;
			for (unsigned j = i + 1; j < KMM_NR_ZONES; j++) {
				managed += zones[j].managed_pages;
				zones[i].lowmem_reserve[j] = clear ? 0 : managed / ratio;
			}
			zone_lock_(&zones[i]);
			zone_update_fast_marks_(&zones[i]);
			zone_unlock_(&zones[i]);
		}
	}
}

bool __zone_watermark_ok_(const struct kmm_zone *z, unsigned order, uint64_t mark, int highest_zoneidx,
			  unsigned alloc_flags, int64_t free_pages)
{
	int64_t min = (int64_t)mark;

	free_pages -= (int64_t)(1u << order) - 1;
	if (!(alloc_flags & ALLOC_RESERVES))
		free_pages -= (int64_t)z->nr_reserved_highatomic;
	if (alloc_flags & ALLOC_RESERVES) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + (int64_t)z->lowmem_reserve[highest_zoneidx])
		return false;
	if (order == 0)
		return true;
	return zone_has_free_block_(z, order, alloc_flags);
}

void zone_update_fast_marks_(struct kmm_zone *z)
{
	uint64_t base = z->wmark[WMARK_LOW] + z->wmark_boost + z->nr_reserved_highatomic;
	for (unsigned i = 0; i < KMM_NR_ZONES; i++)
		z->fast_mark[i] = base + z->lowmem_reserve[i];
}

bool zone_watermark_ok_(const struct kmm_zone *z, unsigned order, uint64_t mark, int highest_zoneidx,
			unsigned alloc_flags)
{
	if (__zone_watermark_ok_(z, order, mark, highest_zoneidx, alloc_flags, (int64_t)z->free_pages))
		return true;
	/* __GFP_HIGH order-0 requests against min ignore the boost. */
	if (order == 0 && (alloc_flags & ALLOC_MIN_RESERVE) && z->wmark_boost &&
	    (alloc_flags & ALLOC_WMARK_MASK) == WMARK_MIN)
		return __zone_watermark_ok_(z, order, z->wmark[WMARK_MIN], highest_zoneidx, alloc_flags,
					    (int64_t)z->free_pages);
	return false;
}

/*
 * boost_watermark(): after a fallback below pageblock order, raise the
 * watermarks by a pageblock, up to high * watermark_boost_factor / 10000.
 * Off when the factor is UINT32_MAX, or for zones under four pageblocks.
 */
bool boost_watermark_(struct kmm_zone *z)
{
	struct kmm *k = z->sys;
	uint64_t nr = 1u << k->pageblock_order;
	uint32_t factor = k->cfg.watermark_boost_factor;

	if (factor == UINT32_MAX || factor == 0)
		return false;
	if (nr * 4 > z->managed_pages)
		return false;
	uint64_t max_boost = mult_frac_(z->wmark[WMARK_HIGH], factor, 10000);
	if (!max_boost)
		return false;
	if (max_boost < nr)
		max_boost = nr;
	z->wmark_boost = z->wmark_boost + nr < max_boost ? z->wmark_boost + nr : max_boost;
	zone_update_fast_marks_(z);
	return true;
}
