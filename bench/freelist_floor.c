/* SPDX-License-Identifier: MIT */
/* The bare-freelist floor (see freelist_floor.h). Its own translation unit,
 * so a pop or push costs a real call, as a libkmm call does. */
#include "freelist_floor.h"

#include <stdlib.h>

#define FLOOR_PAGE_SIZE 4096u

void *freelist_floor_pop(struct freelist_floor *f)
{
	void *p = f->head;

	if (p)
		f->head = *(void **)p;
	return p;
}

void freelist_floor_push(struct freelist_floor *f, void *page)
{
	*(void **)page = f->head;
	f->head = page;
}

int freelist_floor_init(struct freelist_floor *f, size_t nr_pages)
{
	f->head = NULL;
	f->nr_pages = nr_pages;
	f->pages = aligned_alloc(FLOOR_PAGE_SIZE, nr_pages * FLOOR_PAGE_SIZE);
	if (!f->pages)
		return -1;
	for (size_t i = nr_pages; i-- > 0;)
		freelist_floor_push(f, (char *)f->pages + i * FLOOR_PAGE_SIZE);
	return 0;
}

void freelist_floor_destroy(struct freelist_floor *f)
{
	free(f->pages);
	f->pages = f->head = NULL;
}
