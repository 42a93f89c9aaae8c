/* SPDX-License-Identifier: MIT */
/* The bare-freelist floor (see freelist_floor.h). Its own translation unit,
 * so a pop or push costs a real call, as a libkmm call does. */
#include "freelist_floor.h"

#include <stdlib.h>
#include <string.h>

#define FLOOR_PAGE_SHIFT 12

void *freelist_floor_pop(struct freelist_floor *f)
{
	uint32_t i = f->head;

	if (i == FLOOR_NONE)
		return NULL;
	f->head = f->next[i];
	return f->pages + ((size_t)i << FLOOR_PAGE_SHIFT);
}

void freelist_floor_push(struct freelist_floor *f, void *page)
{
	uint32_t i = (uint32_t)(((char *)page - f->pages) >> FLOOR_PAGE_SHIFT);

	f->next[i] = f->head;
	f->head = i;
}

int freelist_floor_init(struct freelist_floor *f, size_t nr_pages)
{
	f->head = FLOOR_NONE;
	f->nr_pages = nr_pages;
	f->pages = aligned_alloc((size_t)1 << FLOOR_PAGE_SHIFT, nr_pages << FLOOR_PAGE_SHIFT);
	f->next = malloc(nr_pages * sizeof(*f->next));
	if (!f->pages || !f->next || nr_pages >= FLOOR_NONE) {
		freelist_floor_destroy(f);
		return -1;
	}
	memset(f->pages, 0x5a, nr_pages << FLOOR_PAGE_SHIFT);
	for (size_t i = nr_pages; i-- > 0;)
		freelist_floor_push(f, f->pages + (i << FLOOR_PAGE_SHIFT));
	return 0;
}

void freelist_floor_destroy(struct freelist_floor *f)
{
	free(f->pages);
	free(f->next);
	f->pages = NULL;
	f->next = NULL;
	f->head = FLOOR_NONE;
}
