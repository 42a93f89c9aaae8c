// SPDX-License-Identifier: MIT
/*
 * Read-only queries about who owns a piece of memory, for a harness that
 * checks the object allocators from outside (the kernel's virt_to_cache()).
 *
 * The answer comes from struct page alone: the block holding the address
 * is found through the compound head (order > 0 slabs are compound pages)
 * or, for a block that is not compound, by looking at the aligned
 * ancestors for an allocated head whose order covers the page. A PG_slab
 * head names its cache in page->slab.cache. Nothing is locked: the caller
 * asks between operations, as the harness does.
 */
#include "slab_internal.h"

/* The allocated head page of the block that contains pfn, or NULL. */
static const struct kmm_page *block_head_(const struct kmm *k, kmm_pfn_t pfn)
{
	const struct kmm_page *p = &k->pages[pfn];

	if (p->flags & PG_tail) {
		if (p->compound_head >= k->total_pages)
			return NULL;
		p = &k->pages[p->compound_head];
		return (p->flags & PG_allocated) ? p : NULL;
	}
	if (p->flags & PG_allocated)
		return p;
	for (unsigned o = 1; o <= KMM_MAX_ORDER; o++) {
		kmm_pfn_t q = pfn & ~(((kmm_pfn_t)1 << o) - 1);
		const struct kmm_page *h = &k->pages[q];

		if ((h->flags & PG_allocated) && h->private_ >= o)
			return h;
	}
	return NULL;
}

struct kmm_cache *kmm_virt_to_cache(struct kmm *k, const void *ptr)
{
	const struct kmm_page *page, *head;

	if (!k || !ptr)
		return NULL;
	page = kmm_virt_to_page(k, ptr);
	if (!page)
		return NULL;
	head = block_head_(k, (kmm_pfn_t)(page - k->pages));
	if (!head || !(head->flags & PG_slab))
		return NULL;
	return (struct kmm_cache *)head->slab.cache;
}
