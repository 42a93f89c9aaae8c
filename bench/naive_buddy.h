/* SPDX-License-Identifier: MIT */
/*
 * A naive binary buddy allocator: the peer of the order 0-3 mix benchmark.
 *
 * The textbook algorithm and nothing more: one free list per order, split on
 * allocation, merge on free with the buddy found by pfn ^ (1 << order). No
 * zones, no migrate types, no watermarks, no per-CPU lists, no checks. It
 * works on page frame numbers of an arena of nr_pages pages; metadata lives
 * in side arrays (like struct page), the arena itself is never touched.
 */
#ifndef KMM_BENCH_NAIVE_BUDDY_H
#define KMM_BENCH_NAIVE_BUDDY_H

#include <stdint.h>

#define NB_MAX_ORDER 10
#define NB_NONE UINT32_MAX

/* Invariant: a page is on free list o iff tag[pfn] == o + 1, and then it is
 * the first page of a free block of 2^o pages aligned to 2^o. */
struct naive_buddy {
	uint32_t nr_pages;
	uint32_t head[NB_MAX_ORDER + 1]; /* first free block per order, NB_NONE = empty */
	uint32_t *next, *prev;           /* doubly linked free lists, by pfn */
	uint8_t *tag;                    /* order + 1 on a free block's first page, else 0 */
};

/* 0, or -1 when the metadata can't be allocated. All pages start free. */
int naive_buddy_init(struct naive_buddy *b, uint32_t nr_pages);
void naive_buddy_destroy(struct naive_buddy *b);
/* First pfn of a 2^order block, or NB_NONE. */
uint32_t naive_buddy_alloc(struct naive_buddy *b, unsigned order);
void naive_buddy_free(struct naive_buddy *b, uint32_t pfn, unsigned order);

#endif
