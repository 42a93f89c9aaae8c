/* SPDX-License-Identifier: MIT */
/* Pre-faulting a libkmm system's memory (see bench_kmm.h). */
#include "bench_kmm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bench_kmm_prefault(struct kmm *k, uint32_t nr_pages, const char *who)
{
	struct kmm_page **blocks = calloc(nr_pages, sizeof(*blocks));
	unsigned *orders = calloc(nr_pages, sizeof(*orders));
	size_t nr = 0;
	long bad;

	if (!blocks || !orders) {
		fprintf(stderr, "%s: out of memory\n", who);
		free(blocks);
		free(orders);
		return -1;
	}
	for (int order = KMM_MAX_ORDER; order >= 0; order--) {
		struct kmm_page *p;

		while (nr < nr_pages &&
		       (p = kmm_alloc_pages(k, KMM_GFP_ATOMIC | KMM___GFP_NOWARN, (unsigned)order))) {
			memset(kmm_page_address(k, p), 0x5a, (size_t)KMM_PAGE_SIZE << order);
			blocks[nr] = p;
			orders[nr++] = (unsigned)order;
		}
	}
	while (nr > 0) {
		nr--;
		kmm_free_pages(k, blocks[nr], orders[nr]);
	}
	kmm_drain_all_pages(k);
	free(blocks);
	free(orders);
	bad = kmm_page_check(k);
	if (bad != 0) {
		fprintf(stderr, "%s: kmm_page_check found %ld violations after pre-fault\n", who, bad);
		return -1;
	}
	return 0;
}
