/* SPDX-License-Identifier: MIT */
/*
 * The naive buddy allocator (see naive_buddy.h): Knowlton's 1965 scheme as
 * every textbook gives it. Allocation takes the first block of the smallest
 * order >= the request and splits it, pushing the upper halves back; free
 * merges with the buddy while the buddy is a free block of the same order.
 * Kept in its own translation unit so calls cost what libkmm's calls cost.
 */
#include "naive_buddy.h"

#include <stdlib.h>
#include <string.h>

static void nb_add(struct naive_buddy *b, uint32_t pfn, unsigned order)
{
	b->next[pfn] = b->head[order];
	b->prev[pfn] = NB_NONE;
	if (b->head[order] != NB_NONE)
		b->prev[b->head[order]] = pfn;
	b->head[order] = pfn;
	b->tag[pfn] = (uint8_t)(order + 1);
}

static void nb_del(struct naive_buddy *b, uint32_t pfn, unsigned order)
{
	if (b->prev[pfn] != NB_NONE)
		b->next[b->prev[pfn]] = b->next[pfn];
	else
		b->head[order] = b->next[pfn];
	if (b->next[pfn] != NB_NONE)
		b->prev[b->next[pfn]] = b->prev[pfn];
	b->tag[pfn] = 0;
}

uint32_t naive_buddy_alloc(struct naive_buddy *b, unsigned order)
{
	unsigned o = order;
	uint32_t pfn;

	while (o <= NB_MAX_ORDER && b->head[o] == NB_NONE)
		o++;
	if (o > NB_MAX_ORDER)
		return NB_NONE;
	pfn = b->head[o];
	nb_del(b, pfn, o);
	while (o > order) { /* split: keep the lower half, free the upper */
		o--;
		nb_add(b, pfn + (1u << o), o);
	}
	return pfn;
}

void naive_buddy_free(struct naive_buddy *b, uint32_t pfn, unsigned order)
{
	while (order < NB_MAX_ORDER) {
		uint32_t buddy = pfn ^ (1u << order);

		if (buddy >= b->nr_pages || b->tag[buddy] != order + 1)
			break;
		nb_del(b, buddy, order);
		pfn &= ~(1u << order);
		order++;
	}
	nb_add(b, pfn, order);
}

int naive_buddy_init(struct naive_buddy *b, uint32_t nr_pages)
{
	b->nr_pages = nr_pages;
	b->next = calloc(nr_pages, sizeof(*b->next));
	b->prev = calloc(nr_pages, sizeof(*b->prev));
	b->tag = calloc(nr_pages, sizeof(*b->tag));
	for (unsigned o = 0; o <= NB_MAX_ORDER; o++)
		b->head[o] = NB_NONE;
	if (!b->next || !b->prev || !b->tag) {
		naive_buddy_destroy(b);
		return -1;
	}
	/* Write every metadata byte now, so no run pays for faulting it in. */
	memset(b->next, 0xff, nr_pages * sizeof(*b->next));
	memset(b->prev, 0xff, nr_pages * sizeof(*b->prev));
	memset(b->tag, 0, nr_pages * sizeof(*b->tag));
	/* Largest aligned blocks that fit, low to high. */
	for (uint32_t pfn = 0; pfn < nr_pages;) {
		unsigned o = NB_MAX_ORDER;

		while ((pfn & ((1u << o) - 1)) || pfn + (1u << o) > nr_pages)
			o--;
		nb_add(b, pfn, o);
		pfn += 1u << o;
	}
	return 0;
}

void naive_buddy_destroy(struct naive_buddy *b)
{
	free(b->next);
	free(b->prev);
	free(b->tag);
	b->next = b->prev = NULL;
	b->tag = NULL;
}
