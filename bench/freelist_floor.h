/* SPDX-License-Identifier: MIT */
/*
 * The floor of the order-0 benchmark: a bare singly linked free list of the
 * 4 KiB pages of one array. pop takes the head, push puts a page back.
 * Nothing cheaper is still an allocator, so "k times the floor" says what
 * the real thing costs on top.
 *
 * The links live in a side array of page indices, one uint32_t per page (the
 * floor's struct page), not in the free pages: libkmm never touches page
 * contents either, and links stored at page-aligned addresses all fall into
 * one L1 cache set, which would make a batch of 32 pops pay L1 misses that
 * no real allocator with separate metadata pays.
 */
#ifndef KMM_BENCH_FREELIST_FLOOR_H
#define KMM_BENCH_FREELIST_FLOOR_H

#include <stddef.h>
#include <stdint.h>

#define FLOOR_NONE UINT32_MAX

struct freelist_floor {
	uint32_t head;   /* index of the first free page, FLOOR_NONE = empty */
	uint32_t *next;  /* next[i]: the free page after page i */
	char *pages;     /* the array: nr_pages * 4096 bytes */
	size_t nr_pages;
};

/* 0, or -1 when memory can't be had. Every page and link is written once
 * (faulted in) and every page put on the list, page 0 first. */
int freelist_floor_init(struct freelist_floor *f, size_t nr_pages);
void freelist_floor_destroy(struct freelist_floor *f);
/* A free page's address, or NULL. */
void *freelist_floor_pop(struct freelist_floor *f);
void freelist_floor_push(struct freelist_floor *f, void *page);

#endif
