/* SPDX-License-Identifier: MIT */
/*
 * Private to SLOB (slob.c, the allocator; slob_kmalloc.c, its kmalloc;
 * slob_check.c, its walks; slob_fit.c, the fit index): the kernel's
 * slob_t encoding, the block map kept beside every heap page, and the
 * per-system and per-cache state.
 * Nothing else in libkmm includes this header (tests/test_slob.c does, to
 * compare with the kernel's walk and to break the index on purpose); the
 * rest of libkmm sees SLOB only through kmm_slob_ops. slob.c's essay
 * says how it all works.
 */
#ifndef KMM_SLOB_INTERNAL_H
#define KMM_SLOB_INTERNAL_H

#include <string.h>

#include "slab_internal.h"

/* ---- units and the in-band encoding --------------------------------------- */

typedef int16_t slobidx_t; /* the kernel's, for PAGE_SIZE <= 64K */
#define SLOB_UNIT ((unsigned)sizeof(slobidx_t))
#define SLOB_UNITS(bytes) ((unsigned)(((bytes) + SLOB_UNIT - 1) / SLOB_UNIT))
#define SLOB_PAGE_UNITS (KMM_PAGE_SIZE / SLOB_UNIT)
#define SLOB_MAP_WORDS (SLOB_PAGE_UNITS / 64)
_Static_assert(SLOB_PAGE_UNITS <= 32767, "unit offsets fit a slobidx_t");
_Static_assert(SLOB_PAGE_UNITS % 64 == 0, "the block map is whole words");

#define SLOB_BREAK1 256
#define SLOB_BREAK2 1024
#define SLOB_MINALIGN 8u           /* max(ARCH_KMALLOC_MINALIGN, ARCH_SLAB_MINALIGN) */
#define SLOB_HDR SLOB_MINALIGN     /* kmalloc size header / debug owner tag */
#define SLOB_TAG_KMALLOC 0x6b4d6c53u /* second header word of a kmalloc block */
#define SLOB_TAG_CACHE 0x634d6c53u   /* second word of a debug cache's owner tag */
#define SLOB_KMALLOC_RZ 8u         /* kmalloc's right red zone with Z (a word) */
#define SLOB_NONE 0xffffu          /* "no block" in unit offsets */

/* page->slab.list */
enum slob_list_ { SLOB_LIST_NONE_, SLOB_LIST_SMALL_, SLOB_LIST_MEDIUM_, SLOB_LIST_LARGE_, NR_SLOB_LISTS_ };

/* In-band access through memcpy: the arena is plain bytes the user also
 * writes, so no type punning. */
static inline int slob_get_(const char *base, unsigned u)
{
	slobidx_t v;
	memcpy(&v, base + (size_t)u * SLOB_UNIT, sizeof(v));
	return v;
}
static inline void slob_put_(char *base, unsigned u, int v)
{
	slobidx_t x = (slobidx_t)v;
	memcpy(base + (size_t)u * SLOB_UNIT, &x, sizeof(x));
}
/* set_slob(): encode a free block of size units at u whose successor is next. */
static inline void set_slob_(char *base, unsigned u, unsigned size, unsigned next)
{
	if (size > 1) {
		slob_put_(base, u, (int)size);
		slob_put_(base, u + 1, (int)next);
	} else {
		slob_put_(base, u, -(int)next);
	}
}
/* Units of a free block's header (what poisoning leaves alone). */
static inline unsigned slob_hdr_units_(unsigned size) { return size > 1 ? 2 : 1; }

/*
 * slob_units() and slob_next() of the block at u, refusing what no sound
 * free list holds: a block past the page end, a successor at or before the
 * block's end (out of order, or two free blocks left unmerged).
 */
static inline bool slob_decode_(const char *base, unsigned u, unsigned *size, unsigned *next)
{
	int v, n;
	if (u >= SLOB_PAGE_UNITS)
		return false;
	v = slob_get_(base, u);
	if (v < 0) {
		*size = 1;
		*next = (unsigned)-v;
	} else if (v > 0 && u + 1 < SLOB_PAGE_UNITS) {
		n = slob_get_(base, u + 1);
		if (n <= 0)
			return false;
		*size = (unsigned)v;
		*next = (unsigned)n;
	} else {
		return false;
	}
	if (u + *size > SLOB_PAGE_UNITS || *next > SLOB_PAGE_UNITS)
		return false;
	return *next == SLOB_PAGE_UNITS || *next > u + *size;
}

/* ---- the block map ------------------------------------------------------------ */

/* The map's four bit sets (see struct slob_map). */
enum slob_map_set_ { SLOB_MAP_START, SLOB_MAP_ALLOC, SLOB_MAP_KMALLOC, SLOB_MAP_RCU, SLOB_MAP_NONE };

/* 64 units' worth of every set, side by side: one cache line (32 bytes)
 * answers "is this unit a block start, allocated, kmalloc, waiting" (a
 * free or kfree touches one group, not four arrays 256 bytes apart). */
struct slob_map_group {
	uint64_t set[4]; /* [enum slob_map_set_]: bit u & 63 for unit u */
};

/*
 * One SLOB page's map, host metadata (the arena is all the user's). Four
 * sets of units: start, the first unit of every block; alloc, of every
 * allocated block; kmalloc, of every kmalloc block; rcu, of every block
 * freed by a TYPESAFE_BY_RCU cache and waiting for a grace period.
 * Invariants: start holds unit 0; the blocks, from each start to the next
 * (or the page end), tile the page; alloc ⊆ start; kmalloc ⊆ alloc; rcu ⊆
 * alloc and kmalloc ∩ rcu = ∅; the free blocks (start \ alloc) are exactly
 * the page's in-band free list, never two adjacent; their units sum to
 * page->slab.extra, the allocated ones' to page->slab.inuse; pending ==
 * |rcu|; a group holding any bit has its bit in dirty (so a map is
 * cleared group by group, not whole); bit w of words is set iff word w
 * of start is not empty, bit 32 + w iff word w of start less alloc is
 * not (the summaries that make every scan for the next or
 * previous block start, or free block start, a few word operations
 * instead of a walk over up to 32 groups).
 *
 * node is the page's entry in sb->node (below), which holds its place in
 * the fit index.
 */
struct slob_map {
	struct list_head link;            /* sb->pages, in the order pages joined */
	struct kmm_page *page;
	struct slob_node *node;           /* sb->node[pfn] of page */
	uint32_t pending;                 /* blocks waiting for a grace period */
	uint32_t dirty;                   /* groups that may hold a bit */
	uint64_t words;                   /* summaries: words of start (low half), of start \ alloc, not empty */
	struct slob_map_group g[SLOB_MAP_WORDS];
};
_Static_assert(SLOB_MAP_WORDS <= 32, "dirty and the summaries have a bit per group");

static inline bool map_test_(const struct slob_map *m, unsigned set, unsigned i)
{
	return (m->g[i >> 6].set[set] >> (i & 63)) & 1;
}
/* Word w's bits of the summaries, after a change to its start or alloc. */
static inline void map_summarise_(struct slob_map *m, unsigned w)
{
	/* One word read and written (two halves written apart would
	 * stall the next update's read). */
	uint64_t start = m->g[w].set[SLOB_MAP_START], alloc = m->g[w].set[SLOB_MAP_ALLOC];
	uint64_t bits = (uint64_t)(start != 0) << w | (uint64_t)((start & ~alloc) != 0) << (32 + w);
	m->words = (m->words & ~(0x100000001ull << w)) | bits;
}
static inline void map_set_(struct slob_map *m, unsigned set, unsigned i)
{
	m->g[i >> 6].set[set] |= 1ull << (i & 63);
	m->dirty |= 1u << (i >> 6);
	if (set == SLOB_MAP_START || set == SLOB_MAP_ALLOC)
		map_summarise_(m, i >> 6);
}
static inline void map_clear_(struct slob_map *m, unsigned set, unsigned i)
{
	m->g[i >> 6].set[set] &= ~(1ull << (i & 63));
	if (set == SLOB_MAP_START || set == SLOB_MAP_ALLOC)
		map_summarise_(m, i >> 6);
}
/* Word w of set a less set b (SLOB_MAP_NONE: nothing taken away). */
static inline uint64_t map_word_(const struct slob_map *m, unsigned a, unsigned b, unsigned w)
{
	return m->g[w].set[a] & (b < SLOB_MAP_NONE ? ~m->g[w].set[b] : ~0ull);
}

/* The words of set a less set b that may hold a unit: a summary for the
 * two scans the heap makes, every word for the others. */
static inline uint64_t map_words_(const struct slob_map *m, unsigned a, unsigned b)
{
	if (a == SLOB_MAP_START && b == SLOB_MAP_NONE)
		return (uint32_t)m->words;
	if (a == SLOB_MAP_START && b == SLOB_MAP_ALLOC)
		return m->words >> 32;
	return (SLOB_MAP_WORDS < 64 ? 1ull << SLOB_MAP_WORDS : 0) - 1;
}

/* First unit at or after i in set a and not in set b, or SLOB_PAGE_UNITS. */
static inline unsigned map_next_(const struct slob_map *m, unsigned a, unsigned b, unsigned i)
{
	if (i >= SLOB_PAGE_UNITS)
		return SLOB_PAGE_UNITS;
	unsigned w = i >> 6;
	uint64_t x = map_word_(m, a, b, w) & (~0ull << (i & 63));
	if (x)
		return (w << 6) + (unsigned)__builtin_ctzll(x);
	/* The next word that holds one (words past the page are never set). */
	uint64_t words = map_words_(m, a, b) & (~1ull << w);
	while (words) {
		w = (unsigned)__builtin_ctzll(words);
		x = map_word_(m, a, b, w);
		if (x)
			return (w << 6) + (unsigned)__builtin_ctzll(x);
		words &= words - 1;
	}
	return SLOB_PAGE_UNITS;
}
/* Last unit at or before i in set a and not in set b, or -1. */
static inline int map_prev_(const struct slob_map *m, unsigned a, unsigned b, unsigned i)
{
	unsigned w = i >> 6;
	uint64_t x = map_word_(m, a, b, w) & (~0ull >> (63 - (i & 63)));
	if (x)
		return (int)(w * 64 + 63 - (unsigned)__builtin_clzll(x));
	uint64_t words = map_words_(m, a, b) & ((1ull << w) - 1);
	while (words) {
		w = 63 - (unsigned)__builtin_clzll(words);
		x = map_word_(m, a, b, w);
		if (x)
			return (int)(w * 64 + 63 - (unsigned)__builtin_clzll(x));
		words &= ~(1ull << w);
	}
	return -1;
}
/* Units of the block starting at u. */
static inline unsigned map_extent_(const struct slob_map *m, unsigned u)
{
	return map_next_(m, SLOB_MAP_START, SLOB_MAP_NONE, u + 1) - u;
}

/* ---- per-system and per-cache state ----------------------------------------------- */

/*
 * One per page frame (sb->node[pfn], 40 bytes): map is the page's block
 * map when it is a SLOB page, else NULL; the fit_* fields are its node in
 * the fit index of the list it is on (slob_fit.c; unused while the page
 * is on no list). fit_room bounds the page's largest free block from
 * above (largest <= fit_room), so a page with fit_room < n
 * cannot serve n units; fit_max is the largest fit_room in the node's
 * subtree. Kept apart from the maps (1 KiB each) in one array, so the
 * tree's walks read compact memory and kfree's lookup of the map brings
 * the page's fit fields with it.
 */
struct slob_node {
	struct slob_map *map;
	struct slob_node *fit_parent, *fit_left, *fit_right;
	uint32_t fit_prio;                /* treap priority: a hash of the pfn */
	uint16_t fit_room, fit_max;
};

/* How kmalloc(size)'s fast path carves the spare (slob_kmalloc.c): the
 * block at unit b, units long, the head [0, b) and the tail [rest, end)
 * free; the map words it sets; room, the largest free block (0: the
 * block fills the page); first, the first free block (SLOB_NONE: none).
 * size SIZE_MAX: nothing worked out yet. */
struct slob_shape {
	size_t size;
	uint64_t bbit, rbit, words;
	uint16_t units, b, rest, tail, room, first;
	uint8_t id, wb, wr;
};

/*
 * The heap (ss->backend). Invariants: a page is on lists[i] iff its
 * slab.list == i != 0 iff its slab.extra > 0 iff its node is in fit[i],
 * except spare: a heap page (map in pages) on no list whose one free
 * block, at unit 0, is the whole page (extra == SLOB_PAGE_UNITS, inuse 0,
 * map start == {0}, alloc empty, nothing pending);
 * the in-order of fit[i] is the cyclic order of lists[i] starting at some
 * page; every SLOB page has a map in pages and node[pfn].map; nr_pages counts
 * them; nr_pending and kmalloc_live are the sums of the maps' rcu and
 * kmalloc bits; every map on spares belongs to no page and holds bits
 * only in its dirty groups, cleared when it is taken for a new page
 * (there are never more maps than SLOB pages held at the peak).
 */
struct slob_system {
	struct list_head lists[NR_SLOB_LISTS_]; /* free_slob_small/medium/large ([0] unused) */
	struct slob_node *fit[NR_SLOB_LISTS_];  /* each list's fit index: the root (slob_fit.c) */
	struct list_head spares; /* maps of pages given back, kept for new pages (by link) */
	struct kmm_page *spare;  /* a wholly free heap page kept back, or NULL (slob.c, (9)) */
	/* The block kmalloc's fast path last carved from the spare, while
	 * nothing else has touched the heap since (else NULL): its page's
	 * only allocated block, a kmalloc block of solo_units units, the
	 * page alone on its list and in its fit index (slob_kmalloc.c); no
	 * spare, no debug checks, no poison meanwhile. Any other change to
	 * the heap, or debug joining it, clears it, under the lock. */
	char *solo;
	struct slob_map *solo_map;
	unsigned solo_units;
	struct slob_shape shape; /* that path's carve for the last size (slob_kmalloc.c) */
	struct list_head pages;  /* every SLOB page's map */
	struct slob_node *node;  /* [total_pages] */
	kmm_pfn_t total_pages;
	uint64_t nr_pages;       /* SLOB pages held */
	uint64_t nr_pending;     /* blocks waiting for RCU */
	uint64_t kmalloc_live;   /* kmalloc blocks allocated */
	uint32_t next_id;        /* last cache id given */
	bool poison;             /* free space holds POISON_FREE (sticky) */
	bool checks;             /* walks compare free block headers with the map (sticky) */
	bool kmalloc_known;      /* kmalloc_flags computed (slab_debug= is parsed after init) */
	unsigned kmalloc_flags;  /* debug flags of kmalloc blocks */
	struct kmm_lock lock;    /* slob_lock (threaded) */
};

/*
 * One cache's SLOB state (s->backend). live counts the objects its users
 * hold (blocks waiting for RCU are no longer live); nr_big of them are
 * one-object slabs on big_pages (linked by page->lru).
 */
struct slob_cache {
	uint32_t id;        /* owner tag of debug blocks, != 0 */
	unsigned prefix;    /* 0, or SLOB_HDR: debug caches tag their blocks */
	unsigned bytes;     /* prefix + l.size: one heap block */
	unsigned units;     /* SLOB_UNITS(bytes) */
	bool big;           /* a block does not fit a page: pages of its own */
	unsigned order;     /* big: their order */
	uint64_t live, nr_big;
	struct list_head big_pages;
	/* kmm_cache_info statistics */
	uint64_t alloc_fast;  /* served by a page already in the heap */
	uint64_t alloc_slow;  /* needed a new page */
	uint64_t free_fast;   /* returned into a partial page */
	uint64_t free_slow;   /* made a full page partial, or a page free */
	uint64_t pages_new, pages_freed;
};

static inline struct slob_system *slob_sys_(struct kmm *k) { return k->slab->backend; }

static inline void slob_lock_(struct kmm *k, struct slob_system *sb)
{
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->lock(k->plat->ctx, &sb->lock);
}
static inline void slob_unlock_(struct kmm *k, struct slob_system *sb)
{
	if (kmm_unlikely(k->cfg.threaded))
		k->plat->unlock(k->plat->ctx, &sb->lock);
}

static inline char *slob_base_(struct kmm *k, const struct kmm_page *page)
{
	return (char *)k->arena + ((size_t)page_to_pfn_(k, page) << KMM_PAGE_SHIFT);
}
/* The map of a SLOB page, or NULL for any other page. */
static inline struct slob_map *slob_map_of_(struct kmm *k, struct slob_system *sb, const struct kmm_page *page)
{
	kmm_pfn_t pfn = page_to_pfn_(k, page);
	return pfn < sb->total_pages ? sb->node[pfn].map : NULL;
}
static inline unsigned slob_list_id_(size_t bytes)
{
	return bytes < SLOB_BREAK1 ? SLOB_LIST_SMALL_ : bytes < SLOB_BREAK2 ? SLOB_LIST_MEDIUM_ : SLOB_LIST_LARGE_;
}
static inline unsigned slob_freelist_unit_(struct kmm *k, const struct kmm_page *page)
{
	if (!page->slab.freelist)
		return SLOB_NONE;
	return (unsigned)(((const char *)page->slab.freelist - slob_base_(k, page)) / SLOB_UNIT);
}
static inline void slob_set_freelist_(struct kmm *k, struct kmm_page *page, unsigned u)
{
	page->slab.freelist = u < SLOB_PAGE_UNITS ? slob_base_(k, page) + (size_t)u * SLOB_UNIT : NULL;
}

/* ---- the fit index (slob_fit.c) -------------------------------------------------------- */

/* A page's treap priority (fit_prio, set when its map is attached):
 * murmur3's finaliser of the pfn, a bijection on 32 bits, so distinct. */
static inline uint32_t slob_fit_prio_(kmm_pfn_t pfn)
{
	uint32_t x = (uint32_t)pfn;
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}
/* m (room: its fit_room) joins fit[id] just before first (NULL: the tree is
 * empty), i.e. at the head of the cyclic order, as list_add() puts it. */
void slob_fit_insert_(struct slob_system *sb, unsigned id, struct slob_node *m, struct slob_node *first,
		      unsigned room);
void slob_fit_remove_(struct slob_system *sb, unsigned id, struct slob_node *m);
/* A new bound for m's largest free block. */
void slob_fit_set_room_(struct slob_node *m, unsigned room);
/* The first node at (inclusive) or after m in order whose fit_room >= units. */
struct slob_node *slob_fit_next_(struct slob_node *m, unsigned units, bool inclusive);
/* The first node of fit[id] in order whose fit_room >= units. */
struct slob_node *slob_fit_first_(struct slob_system *sb, unsigned id, unsigned units);
/* Check fit[id] against lists[id] (slob_check.c's heap walk). Lock held. */
long slob_fit_check_(struct kmm *k, struct slob_system *sb, unsigned id, struct kmm_cache *s);

/* set_slob_page_free() / clear_slob_page_free(), the fit index kept in
 * step: the page's map joins before the list's first page's. */
static inline void slob_list_add_(struct kmm *k, struct slob_system *sb, struct kmm_page *page, struct slob_map *m,
				  unsigned id, unsigned room)
{
	struct list_head *head = &sb->lists[id];
	struct slob_node *n = m->node;
	if (list_empty(head)) { /* slob_fit_insert_ into an empty tree, inline */
		n->fit_parent = n->fit_left = n->fit_right = NULL;
		n->fit_room = n->fit_max = (uint16_t)room;
		sb->fit[id] = n;
	} else {
		slob_fit_insert_(sb, id, n, &sb->node[page_to_pfn_(k, list_entry(head->next, struct kmm_page, lru))],
				 room);
	}
	list_add(&page->lru, head);
	page->slab.list = (uint8_t)id;
}
static inline void slob_list_del_(struct slob_system *sb, struct kmm_page *page, struct slob_map *m)
{
	struct slob_node *n = m->node;
	if (!n->fit_parent && !n->fit_left && !n->fit_right) /* the tree's only node, inline */
		sb->fit[page->slab.list] = NULL;
	else
		slob_fit_remove_(sb, page->slab.list, n);
	list_del(&page->lru);
	page->slab.list = SLOB_LIST_NONE_;
}

/* Clear a map taken for a new page: the groups its last page dirtied
 * (few), one whole word at a time. */
static inline void slob_map_reset_(struct slob_map *m)
{
	for (uint32_t d = m->dirty; d; d &= d - 1) {
		struct slob_map_group *g = &m->g[__builtin_ctz(d)];
		g->set[SLOB_MAP_START] = 0;
		g->set[SLOB_MAP_ALLOC] = 0;
		g->set[SLOB_MAP_KMALLOC] = 0;
		g->set[SLOB_MAP_RCU] = 0;
	}
	m->dirty = 0;
	m->words = 0;
}

void slob_spare_poison_(struct kmm *k, struct kmm_page *page, struct slob_map *m, unsigned b, unsigned units);

/* page (off every list, base its address) becomes the spare: one free
 * block of the whole page, map and struct page to match, nothing pending. */
static inline void slob_spare_set_(struct slob_system *sb, struct kmm_page *page, struct slob_map *m, char *base)
{
	slob_map_reset_(m);
	m->g[0].set[SLOB_MAP_START] = 1;
	m->dirty = 1;
	m->words = 1 | 1ull << 32;
	m->pending = 0;
	set_slob_(base, 0, SLOB_PAGE_UNITS, SLOB_PAGE_UNITS);
	page->slab.freelist = base;
	page->slab.extra = SLOB_PAGE_UNITS;
	page->slab.inuse = 0;
	sb->spare = page;
}

/*
 * Page became wholly free as its last block b (units long, still
 * allocated per the map) went back: it becomes the spare (lock held, no
 * spare yet). Its state is a fresh page's after set_slob() of the whole
 * page: one free block at unit 0, off every list, the map clear but for
 * unit 0's start. With poison, see slob_spare_poison_.
 */
static inline void slob_make_spare_(struct kmm *k, struct slob_system *sb, struct kmm_page *page,
				    struct slob_map *m, unsigned b, unsigned units)
{
	char *base = slob_base_(k, page);

	if (page->slab.list)
		slob_list_del_(sb, page, m);
	if (kmm_unlikely(sb->poison))
		slob_spare_poison_(k, page, m, b, units);
	slob_spare_set_(sb, page, m, base);
}

/* Does a block of bytes, aligned at align_offset, fit a fresh page? */
static inline bool slob_fits_page_(size_t bytes, unsigned align, unsigned align_offset)
{
	size_t aligned = ((size_t)align_offset + align - 1) & ~((size_t)align - 1);
	return bytes <= KMM_PAGE_SIZE && (aligned - align_offset) / SLOB_UNIT + SLOB_UNITS(bytes) <= SLOB_PAGE_UNITS;
}

static inline unsigned slob_get_order_(size_t size)
{
	unsigned order = 0;
	while (((size_t)KMM_PAGE_SIZE << order) < size)
		order++;
	return order;
}

static inline size_t slob_kmalloc_rz_(unsigned flags) { return (flags & KMM_SLAB_RED_ZONE) ? SLOB_KMALLOC_RZ : 0; }
static inline size_t slob_kmalloc_size_(const char *block, unsigned units, size_t rz)
{
	uint32_t hdr[2];
	memcpy(hdr, block, SLOB_HDR);
	if (hdr[1] != SLOB_TAG_KMALLOC || hdr[0] == 0 || SLOB_UNITS(SLOB_HDR + (size_t)hdr[0] + rz) != units)
		return 0;
	return hdr[0];
}

/* What one heap allocation asks for, and what to write into the block. */
struct slob_req {
	size_t bytes;            /* block bytes before rounding to units */
	unsigned align;          /* 0, or a power of two */
	unsigned align_offset;   /* block + align_offset is what must be aligned */
	kmm_gfp_t gfp;
	int node;                /* < 0: any */
	struct kmm_cache *s;     /* reports (NULL: kmalloc) */
	struct slob_cache *sc;   /* statistics and the live count (NULL: kmalloc) */
	uint32_t hdr[2];         /* written into the first SLOB_HDR bytes when hdr[1] != 0 */
	size_t rz_from;          /* != 0: [rz_from, block end) becomes RED_ACTIVE */
};

/* Where a pointer falls in the heap (slob_where_). */
enum slob_where_ {
	SLOB_AT_BLOCK_,  /* the start of an allocated block */
	SLOB_IN_FREE_,   /* inside free space, or a block waiting for RCU: freed already */
	SLOB_INTERIOR_,  /* inside an allocated block, not at its start */
	SLOB_NOT_HEAP_,  /* not in a SLOB page of this heap */
};

/* ---- slob.c, for slob_kmalloc.c and slob_check.c --------------------------------------- */

/* slob_alloc(): a block for rq from the heap, growing it when nothing fits. */
char *slob_alloc_(struct kmm *k, struct slob_system *sb, const struct slob_req *rq);
/* slob_free(): block b (units long, allocated per the map) goes back; size
 * picks the list. A page that became wholly free is kept as the spare
 * when may_keep and there is none; else it is returned (detached: release
 * it with slob_page_release_() once unlocked). Lock held. */
struct kmm_page *slob_free_block_(struct kmm *k, struct slob_system *sb, struct kmm_cache *s,
				  struct kmm_page *page, struct slob_map *m, unsigned b, unsigned units, size_t size,
				  bool may_keep);
void slob_page_release_(struct kmm *k, struct kmm_page *page);
/* Give the spare page back to the page allocator (shrink, destroy, memory
 * wanted elsewhere). Takes the lock. */
void slob_spare_drop_(struct kmm *k, struct slob_system *sb);
/* Where block start p (of object obj) of page falls (lock held); *unit:
 * the block's unit when SLOB_AT_BLOCK_. */
enum slob_where_ slob_where_(struct kmm *k, struct slob_system *sb, const struct kmm_page *page, const char *p,
			     const char *obj, unsigned *unit);
/* The kernel's report for a pointer that is no allocated block. */
void slob_bad_pointer_(struct kmm *k, struct kmm_cache *s, struct kmm_page *page, const void *obj,
		       enum slob_where_ where, const char *fn);

/* A cache (or kmalloc) with these debug flags joins the heap: checks on
 * every free from now on, poison of the free space with P (slob.c, for
 * slob_cache.c). */
void slob_debug_joins_(struct kmm *k, struct slob_system *sb, unsigned flags);

/* ---- slob_kmalloc.c: kmalloc, kfree, ksize (ops) ---------------------------------------- */

void *slob_kmalloc_(struct kmm *k, size_t size, kmm_gfp_t gfp, int node);
void slob_kfree_(struct kmm *k, struct kmm_page *page, void *obj);
size_t slob_ksize_(struct kmm *k, struct kmm_page *page, const void *obj);

/* ---- slob.c and slob_check.c, for each other --------------------------------------------- */

/* kmalloc's debug flags (slab_debug= for "kmalloc"), known after the first ask. */
unsigned slob_kmalloc_flags_slow_(struct kmm *k, struct slob_system *sb);
static inline unsigned slob_kmalloc_flags_(struct kmm *k, struct slob_system *sb)
{
	if (kmm_likely(__atomic_load_n(&sb->kmalloc_known, __ATOMIC_ACQUIRE)))
		return sb->kmalloc_flags;
	return slob_kmalloc_flags_slow_(k, sb);
}
/* Is page's in-band free list what its map says (full: header by header)? */
bool slob_list_sound_(struct kmm *k, const struct kmm_page *page, const struct slob_map *m, bool full);
/* Report a corrupt free list and rebuild it from the map: validate's 2 errors. */
long slob_repair_(struct kmm *k, struct slob_system *sb, struct kmm_cache *s, struct kmm_page *page,
		  struct slob_map *m);
/* The kmalloc block at unit u (units long, per the map): its header and
 * (Z) red zone checked and repaired: the errors; *size gets its request.
 * Lock held. */
long slob_kmalloc_check_(struct kmm *k, struct slob_system *sb, struct kmm_page *page, unsigned u, unsigned units,
			 size_t *size);

/* ---- slob_check.c: the walks ----------------------------------------------------------- */

char *slob_slab_first_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab);
int slob_for_each_slab_(struct kmm *k, struct kmm_cache *s, slab_walk_fn fn, void *ctx);
void slob_info_(struct kmm *k, struct kmm_cache *s, struct kmm_cache_info *out);
long slob_validate_(struct kmm *k, struct kmm_cache *s);
long slob_check_(struct kmm *k, struct kmm_cache *s);
long slob_check_shared_(struct kmm *k);

#endif
