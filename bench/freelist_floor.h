/* SPDX-License-Identifier: MIT */
/*
 * The floor of the order-0 benchmark: a bare singly linked free list of
 * 4 KiB pages in one array. pop takes the head, push puts a page back; the
 * link lives in the free page itself. Nothing is cheaper and still an
 * allocator, so "k times the floor" says how much the real thing costs.
 */
#ifndef KMM_BENCH_FREELIST_FLOOR_H
#define KMM_BENCH_FREELIST_FLOOR_H

#include <stddef.h>

struct freelist_floor {
	void *head;   /* first free page, NULL = empty */
	void *pages;  /* the array: nr_pages * 4096 bytes */
	size_t nr_pages;
};

/* 0, or -1 when the array can't be had. Every page is written once (faulted
 * in) and put on the list, page 0 first. */
int freelist_floor_init(struct freelist_floor *f, size_t nr_pages);
void freelist_floor_destroy(struct freelist_floor *f);
void *freelist_floor_pop(struct freelist_floor *f);
void freelist_floor_push(struct freelist_floor *f, void *page);

#endif
