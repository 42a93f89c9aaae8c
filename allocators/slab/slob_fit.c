// SPDX-License-Identifier: MIT
/*
 * SLOB's fit index: a search aid beside each of the three partial-page
 * lists, changing no decision the kernel's first-fit walk would make.
 *
 * Why. slob_alloc() walks its list from the head and tries every page with
 * enough free units; on a heap of thousands of partial pages whose free
 * units pass that pre-check but are split into blocks too small (or whose
 * units are simply too few), almost every page is visited for nothing, so
 * one allocation costs O(pages). The index finds, in O(log pages), the
 * next page in list order that might serve the request, skipping only
 * pages that certainly cannot.
 *
 * What. Each list's pages, through their nodes (struct slob_node, one per
 * page frame in one array, apart from the 1 KiB block maps), form a
 * treap: a binary tree whose in-order is the list's cyclic order read from
 * some page on (which page is free to drift: list rotation, the next-fit
 * trick, moves only the list head and leaves the cyclic order, and so the
 * tree, alone), and which is a max-heap on fit_prio, a hash of the pfn
 * (deterministic, distinct per page: the tree's shape depends on nothing
 * but the pfns and the order of operations, so it is expected O(log n)
 * deep). list_add() puts a page at the head of the list, i.e. just before
 * the current first page in cyclic order, and that is where the tree takes
 * it too; list_del() anywhere is a removal. Each node carries fit_room, an
 * upper bound of its page's largest free block, and fit_max, the largest
 * fit_room of its subtree, so "the first page at or after this one in
 * order with fit_room >= n" is one walk up and one walk down.
 *
 * The bound. fit_room is exact when a page joins a list (its only block,
 * or the rebuilt list's largest), can only grow at a free (a merged block
 * larger than it raises it), is left alone by an allocation (blocks only
 * shrink then: lowering it would walk up the tree on every allocation),
 * is lowered to slab.extra when a search skips the page for too few free
 * units, and is made exact by every walk of the page that fails (which
 * visits every free block). So largest <= fit_room holds throughout, and
 * a page is offered to a search in vain at most once before its bound is
 * tight again; the check walk verifies the bound against the
 * block map, and the tree's links, heap order, subtree maxima and its
 * in-order against the list.
 *
 * slob_alloc() then tries, in list order from the head, exactly the pages
 * whose fit_room >= n (every page that could serve is among them): the
 * first that serves is the one the kernel's walk would have found, and
 * inside it the block is still the lowest-address fit. Lock held
 * throughout (slob_lock).
 */
#include "slob_internal.h"

static inline uint16_t fit_max_of_(const struct slob_node *n) { return n ? n->fit_max : 0; }

/* fit_max from the node's own room and its children's maxima. */
static inline void fit_pull_(struct slob_node *n)
{
	uint16_t a = fit_max_of_(n->fit_left), b = fit_max_of_(n->fit_right), m = n->fit_room;
	if (a > m)
		m = a;
	if (b > m)
		m = b;
	n->fit_max = m;
}

/* Recompute fit_max from n up, stopping where it no longer changes. */
static void fit_pull_up_(struct slob_node *n)
{
	for (; n; n = n->fit_parent) {
		uint16_t old = n->fit_max;
		fit_pull_(n);
		if (n->fit_max == old)
			break;
	}
}

/* Rotate x above its parent, keeping the in-order. */
static void fit_rotate_up_(struct slob_node **root, struct slob_node *x)
{
	struct slob_node *p = x->fit_parent, *g = p->fit_parent;
	if (p->fit_left == x) {
		p->fit_left = x->fit_right;
		if (x->fit_right)
			x->fit_right->fit_parent = p;
		x->fit_right = p;
	} else {
		p->fit_right = x->fit_left;
		if (x->fit_left)
			x->fit_left->fit_parent = p;
		x->fit_left = p;
	}
	p->fit_parent = x;
	x->fit_parent = g;
	if (!g)
		*root = x;
	else if (g->fit_left == p)
		g->fit_left = x;
	else
		g->fit_right = x;
	fit_pull_(p);
	fit_pull_(x);
}

void slob_fit_insert_(struct slob_system *sb, unsigned id, struct slob_node *m, struct slob_node *first,
		      unsigned room)
{
	struct slob_node **root = &sb->fit[id];

	m->fit_left = m->fit_right = NULL;
	m->fit_room = m->fit_max = (uint16_t)room;
	if (!first) {
		m->fit_parent = NULL;
		*root = m;
		return;
	}
	/* Just before first in order: its left child, or the rightmost node
	 * of its left subtree. */
	struct slob_node *n = first->fit_left;
	if (!n) {
		first->fit_left = m;
		m->fit_parent = first;
	} else {
		while (n->fit_right)
			n = n->fit_right;
		n->fit_right = m;
		m->fit_parent = n;
	}
	for (n = m->fit_parent; n && n->fit_max < room; n = n->fit_parent)
		n->fit_max = (uint16_t)room;
	while (m->fit_parent && m->fit_parent->fit_prio < m->fit_prio)
		fit_rotate_up_(root, m);
}

void slob_fit_remove_(struct slob_system *sb, unsigned id, struct slob_node *m)
{
	struct slob_node **root = &sb->fit[id];

	/* Down to a leaf, the child of higher priority rising each time. */
	while (m->fit_left || m->fit_right) {
		struct slob_node *c = !m->fit_left		    ? m->fit_right
				     : !m->fit_right		    ? m->fit_left
				     : m->fit_left->fit_prio > m->fit_right->fit_prio ? m->fit_left
										      : m->fit_right;
		fit_rotate_up_(root, c);
	}
	struct slob_node *p = m->fit_parent;
	if (!p)
		*root = NULL;
	else if (p->fit_left == m)
		p->fit_left = NULL;
	else
		p->fit_right = NULL;
	m->fit_parent = NULL;
	fit_pull_up_(p);
}

void slob_fit_set_room_(struct slob_node *m, unsigned room)
{
	if (m->fit_room == room)
		return;
	if (room > m->fit_room) {
		/* Growing: only ancestors below room change, and reading
		 * them alone (not their other children) is enough. */
		m->fit_room = (uint16_t)room;
		for (; m && m->fit_max < room; m = m->fit_parent)
			m->fit_max = (uint16_t)room;
		return;
	}
	m->fit_room = (uint16_t)room;
	fit_pull_up_(m);
}

/* The leftmost node of n's subtree with fit_room >= units; n->fit_max >= units. */
static struct slob_node *fit_leftmost_(struct slob_node *n, unsigned units)
{
	for (;;) {
		if (n->fit_left && n->fit_left->fit_max >= units)
			n = n->fit_left;
		else if (n->fit_room >= units)
			return n;
		else
			n = n->fit_right;
	}
}

struct slob_node *slob_fit_next_(struct slob_node *m, unsigned units, bool inclusive)
{
	if (inclusive && m->fit_room >= units)
		return m;
	if (m->fit_right && m->fit_right->fit_max >= units)
		return fit_leftmost_(m->fit_right, units);
	for (struct slob_node *p = m->fit_parent; p; m = p, p = p->fit_parent) {
		if (p->fit_left != m)
			continue;
		if (p->fit_room >= units)
			return p;
		if (p->fit_right && p->fit_right->fit_max >= units)
			return fit_leftmost_(p->fit_right, units);
	}
	return NULL;
}

struct slob_node *slob_fit_first_(struct slob_system *sb, unsigned id, unsigned units)
{
	struct slob_node *root = sb->fit[id];
	return root && root->fit_max >= units ? fit_leftmost_(root, units) : NULL;
}

/* ---- the check ------------------------------------------------------------------------ */

#define FIT_VIOLATION(k, s, bad, ...)                         \
	do {                                                  \
		slab_check_violation_((k), (s), __VA_ARGS__); \
		(bad)++;                                      \
	} while (0)

/* The in-order successor of n, or NULL. */
static struct slob_node *fit_succ_(struct slob_node *n)
{
	if (n->fit_right) {
		n = n->fit_right;
		while (n->fit_left)
			n = n->fit_left;
		return n;
	}
	while (n->fit_parent && n->fit_parent->fit_right == n)
		n = n->fit_parent;
	return n->fit_parent;
}

/*
 * fit[id] against lists[id]: every node's links, heap order and maximum,
 * and the in-order, read from the list's first page and wrapping around,
 * is the list. Bounded by the list's length, so a corrupt tree is
 * reported, never followed in circles.
 */
long slob_fit_check_(struct kmm *k, struct slob_system *sb, unsigned id, struct kmm_cache *s)
{
	struct list_head *head = &sb->lists[id], *pos;
	struct slob_node *root = sb->fit[id];
	uint64_t len = 0, nodes = 0;
	long bad = 0;

	list_for_each(pos, head) {
		if (++len > sb->nr_pages)
			return bad; /* the heap walk reports a list that long */
	}
	if (!len || !root) {
		if (len || root)
			FIT_VIOLATION(k, s, bad, "slob: list %u has %llu pages but its fit index %s", id,
				      (unsigned long long)len, root ? "is not empty" : "is empty");
		return bad;
	}
	if (root->fit_parent)
		FIT_VIOLATION(k, s, bad, "slob: list %u: the fit index root has a parent", id);
	/* Each node, in order from the leftmost. */
	struct slob_node *n = root, *start = NULL;
	while (n->fit_left && nodes++ <= len)
		n = n->fit_left;
	struct slob_node *first = &sb->node[page_to_pfn_(k, list_entry(head->next, struct kmm_page, lru))];
	for (nodes = 0; n && nodes <= len; n = fit_succ_(n), nodes++) {
		uint16_t want = n->fit_room;
		if (!n->map) { /* a page frame that is no SLOB page */
			FIT_VIOLATION(k, s, bad, "slob: list %u: fit index node %llu has no map", id,
				      (unsigned long long)(n - sb->node));
			return bad;
		}
		if (n->fit_left && (n->fit_left->fit_parent != n || n->fit_left->fit_prio > n->fit_prio))
			FIT_VIOLATION(k, s, bad, "slob: list %u: fit index node pfn:0x%x: bad left link", id,
				      (unsigned)page_to_pfn_(k, n->map->page));
		if (n->fit_right && (n->fit_right->fit_parent != n || n->fit_right->fit_prio > n->fit_prio))
			FIT_VIOLATION(k, s, bad, "slob: list %u: fit index node pfn:0x%x: bad right link", id,
				      (unsigned)page_to_pfn_(k, n->map->page));
		if (fit_max_of_(n->fit_left) > want)
			want = n->fit_left->fit_max;
		if (fit_max_of_(n->fit_right) > want)
			want = n->fit_right->fit_max;
		if (n->fit_max != want)
			FIT_VIOLATION(k, s, bad, "slob: list %u: fit index node pfn:0x%x: subtree max %u, not %u", id,
				      (unsigned)page_to_pfn_(k, n->map->page), n->fit_max, want);
		if (n->map->page->slab.list != id || n->fit_room > SLOB_PAGE_UNITS)
			FIT_VIOLATION(k, s, bad, "slob: list %u: fit index node pfn:0x%x: on list %u, room %u",
				      id, (unsigned)page_to_pfn_(k, n->map->page), n->map->page->slab.list, n->fit_room);
		if (n == first)
			start = n;
	}
	if (nodes != len || !start) {
		FIT_VIOLATION(k, s, bad, "slob: list %u: %llu pages, fit index %llu nodes%s", id, (unsigned long long)len,
			      (unsigned long long)nodes, start ? "" : " without the list's first page");
		return bad;
	}
	/* The cyclic order: from the list's first page, wrapping at the end. */
	n = start;
	list_for_each(pos, head) {
		struct kmm_page *page = list_entry(pos, struct kmm_page, lru);
		if (n->map->page != page) {
			FIT_VIOLATION(k, s, bad, "slob: list %u: pfn:0x%x is next on the list, pfn:0x%x in the fit index",
				      id, (unsigned)page_to_pfn_(k, page), (unsigned)page_to_pfn_(k, n->map->page));
			break;
		}
		if (!(n = fit_succ_(n)))
			for (n = root; n->fit_left;)
				n = n->fit_left;
	}
	return bad;
}
