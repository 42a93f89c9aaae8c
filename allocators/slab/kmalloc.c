// SPDX-License-Identifier: MIT
/*
 * kmalloc: general-purpose allocations over size-class caches, as the
 * kernel's mm/slab_common.c and include/linux/slab.h arrange them.
 *
 * Size classes. Requests of 1..8192 bytes go to one of thirteen caches:
 * the powers of two 8 ... 8192 and two odd classes, 96 and 192, that
 * spare 64 → 128 and 128 → 256 rounding the worst waste. Class indexes are
 * the kernel's kmalloc_index(): 1 is 96, 2 is 192, and 3..13 are 2^3..2^13.
 * Sizes up to 192 find their class through size_index[(size - 1) / 8] (the
 * one place the odd classes live: 65..96 → 96, 129..192 → 192), larger
 * ones through fls(size - 1). kmalloc(0) is the kernel's ZERO_SIZE_PTR;
 * anything above 8192 bytes bypasses the caches: a compound page block of
 * get_order(size) marked PG_large_kmalloc, so kfree and ksize know it.
 *
 * Families (kmalloc_type()): __GFP_DMA picks dma-kmalloc-*, whose slabs
 * come from ZONE_DMA (SLAB_CACHE_DMA); otherwise __GFP_RECLAIMABLE picks
 * kmalloc-rcl-*, whose slabs are reclaimable pageblocks
 * (SLAB_RECLAIM_ACCOUNT); everything else kmalloc-*. Names as the kernel's
 * (kmalloc-96, kmalloc-1k, dma-kmalloc-8k, kmalloc-rcl-192). Power-of-two
 * classes are naturally aligned, as create_boot_cache() makes them (for
 * 8192 that is relative to the arena base, which the host maps only
 * page-aligned).
 *
 * When the caches are made: a single-threaded system makes each cache on
 * the first request that needs it (a fuzz input that never kmallocs 2k
 * never pays for kmalloc-2k's backend state); random seeds and slab_debug=
 * depend only on the cache's name and class, so laziness changes no
 * outcome. A threaded system makes all 39 when it is created, so no thread
 * ever sees a cache pointer being written.
 *
 * SLOB has no classes: its ops->kmalloc takes every request up to 8192
 * (it may hand ones that fill a page or more to kmalloc_large_()), and
 * kfree / ksize of a SLOB page go back to it.
 *
 * The fast path (kmm_kmalloc, kmm_kfree) is a table load (kfree: the
 * struct page, once) and the backend's single-threaded fast path -- on
 * SLUB its CPU freelist pop / push inlined (slub_internal.h), as the
 * kernel's kmalloc inlines slab_alloc_node(); on SLAB one indirect call
 * (ss->alloc / ss->free): no lock, no
 * formatting, no zeroing, no tick of the simulated clock (only calls on
 * debug caches tick it: nothing else reads it). Everything else (first
 * use, debug caches, __GFP_ZERO, the DMA and reclaimable families, nodes,
 * bad gfp, large sizes, SLOB, misuse) goes through the general path.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "slub_internal.h" /* the inline SLUB fast paths; includes slab_internal.h */

#define RET_IP_ ((uintptr_t)__builtin_return_address(0))

/* The kernel's size_index[]: class index by (size - 1) / 8 for 1..192. */
static const uint8_t kmalloc_size_index_[24] = {
	3, 4, 5, 5, 6, 6, 6, 6,   /*   8 ..  64 */
	1, 1, 1, 1,               /*  72 ..  96: kmalloc-96 */
	7, 7, 7, 7,               /* 104 .. 128 */
	2, 2, 2, 2, 2, 2, 2, 2,   /* 136 .. 192: kmalloc-192 */
};
/* kmalloc_info[]: size and short name by class index. */
static const unsigned kmalloc_sizes_[NR_KMALLOC_INDEX_] = {
	0, 96, 192, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192,
};
static const char *const kmalloc_short_[NR_KMALLOC_INDEX_] = {
	"0", "96", "192", "8", "16", "32", "64", "128", "256", "512", "1k", "2k", "4k", "8k",
};
static const char *const kmalloc_prefix_[NR_KMALLOC_TYPES_] = {
	[KMALLOC_NORMAL_] = "kmalloc-",
	[KMALLOC_RECLAIM_] = "kmalloc-rcl-",
	[KMALLOC_DMA_] = "dma-kmalloc-",
};

/* fls() of a non-zero value. */
static inline unsigned fls_(size_t x) { return 64u - (unsigned)__builtin_clzll((unsigned long long)x); }

/* kmalloc_index() for 1 <= size <= KMM_KMALLOC_MAX_CACHE_SIZE. */
static inline unsigned kmalloc_index_(const struct kmm_slab_system *ss, size_t size)
{
	if (size <= 192)
		return ss->size_index[(size - 1) / 8];
	return fls_(size - 1);
}

/* kmalloc_type(): DMA first, then reclaimable. */
static inline unsigned kmalloc_type_(kmm_gfp_t gfp)
{
	if (kmm_likely(!(gfp & (KMM___GFP_DMA | KMM___GFP_RECLAIMABLE))))
		return KMALLOC_NORMAL_;
	return (gfp & KMM___GFP_DMA) ? KMALLOC_DMA_ : KMALLOC_RECLAIM_;
}

/* get_order(): the smallest order whose block holds size bytes. */
static inline unsigned get_order_(size_t size)
{
	return size <= KMM_PAGE_SIZE ? 0 : fls_(size - 1) - KMM_PAGE_SHIFT;
}

static void slab_pages_add_(struct kmm *k, int64_t n)
{
	if (kmm_unlikely(k->cfg.threaded))
		__atomic_fetch_add(&k->slab->slab_pages, (uint64_t)n, __ATOMIC_RELAXED);
	else
		k->slab->slab_pages += (uint64_t)n;
}

/* ---- the caches ---------------------------------------------------------------- */

/* Point the fast path's tables at a new KMALLOC_NORMAL_ cache it may use. */
static void kmalloc_fast_update_(struct kmm *k, struct kmm_slab_system *ss, struct kmm_cache *s)
{
	if (s->kmalloc_type != KMALLOC_NORMAL_ || k->cfg.threaded || slab_debug_on_(s) || ss->ops->kmalloc)
		return;
	ss->kmalloc_fast[s->kmalloc_index] = s;
	for (unsigned i = 0; i < 24; i++)
		if (ss->size_index[i] == s->kmalloc_index)
			ss->kmalloc_small[i] = s;
	kmm_slab_cpu_changed_(k);
}

/* k->kmalloc_cur: slot i < 24 for sizes (i * 8, i * 8 + 8], slot 24 + n
 * for fls(size - 1) == n, as kmalloc_small / kmalloc_fast; filled where
 * the cache is SLAB_SLUB_LOCAL_ (single-threaded SLUB without debug). */
#define KMALLOC_CUR_FAST_ 24u
/* and its last slot: the CPU state kmalloc last popped (kfree's hint) */
#define KMALLOC_CUR_LAST_ (KMM_KMALLOC_CUR_SLOTS - 1u)
_Static_assert(KMALLOC_CUR_FAST_ + NR_KMALLOC_INDEX_ < KMALLOC_CUR_LAST_, "k->kmalloc_cur holds both tables and the hint");

static struct kmem_cache_cpu *kmalloc_cur_entry_(const struct kmm_cache *s)
{
	return s ? s->backend_cpu : NULL;
}

/* kmalloc_fast_update_ and kmm_set_cpu: k->kmalloc_cur and every
 * SLAB_SLUB_LOCAL_ cache's backend_cpu name the current CPU's state. */
void kmm_slab_cpu_changed_(struct kmm *k)
{
	struct kmm_slab_system *ss = k->slab;
	struct list_head *pos;
	list_for_each(pos, &ss->caches) {
		struct kmm_cache *s = list_entry(pos, struct kmm_cache, list);
		if (s->flags & SLAB_SLUB_LOCAL_)
			s->backend_cpu = &slub_(s)->cpu[k->cur_cpu];
	}
	for (unsigned i = 0; i < KMALLOC_CUR_FAST_; i++)
		k->kmalloc_cur[i] = kmalloc_cur_entry_(ss->kmalloc_small[i]);
	for (unsigned i = 0; i < NR_KMALLOC_INDEX_; i++)
		k->kmalloc_cur[KMALLOC_CUR_FAST_ + i] = kmalloc_cur_entry_(ss->kmalloc_fast[i]);
	k->kmalloc_cur[KMALLOC_CUR_LAST_] = NULL; /* another CPU's, or a stale one */
}

/* new_kmalloc_cache() + create_kmalloc_cache(). */
static struct kmm_cache *kmalloc_cache_make_(struct kmm *k, struct kmm_slab_system *ss, unsigned type,
					     unsigned idx)
{
	char name[KMM_CACHE_NAME_MAX];
	unsigned size = kmalloc_sizes_[idx];
	unsigned flags = SLAB_KMALLOC_;

	snprintf(name, sizeof(name), "%s%s", kmalloc_prefix_[type], kmalloc_short_[idx]);
	if (type == KMALLOC_RECLAIM_)
		flags |= KMM_SLAB_RECLAIM_ACCOUNT;
	else if (type == KMALLOC_DMA_)
		flags |= KMM_SLAB_CACHE_DMA;
	flags |= slab_debug_flags_for_(k, name);
	/* create_boot_cache(): natural alignment for power-of-two classes. */
	unsigned align = (size & (size - 1)) ? KMM_KMALLOC_MIN_SIZE : size;
	struct kmm_cache *s = slab_cache_create_(k, ss, name, size, align, flags, NULL,
						 1 + type * NR_KMALLOC_INDEX_ + idx);
	if (!s)
		return NULL;
	s->kmalloc_type = type;
	s->kmalloc_index = idx;
	ss->kmalloc_caches[type][idx] = s;
	kmalloc_fast_update_(k, ss, s);
	return s;
}

static inline struct kmm_cache *kmalloc_cache_get_(struct kmm *k, struct kmm_slab_system *ss, unsigned type,
						   unsigned idx)
{
	struct kmm_cache *s = ss->kmalloc_caches[type][idx];
	if (kmm_likely(s != NULL))
		return s;
	return kmalloc_cache_make_(k, ss, type, idx);
}

int kmalloc_caches_init_(struct kmm *k, struct kmm_slab_system *ss)
{
	memcpy(ss->size_index, kmalloc_size_index_, sizeof(ss->size_index));
	if (!k->cfg.threaded || ss->ops->kmalloc)
		return 0;
	/* create_kmalloc_caches(): in the kernel's order, 96 after 64 and
	 * 192 after 128. */
	for (unsigned type = 0; type < NR_KMALLOC_TYPES_; type++) {
		for (unsigned i = KMALLOC_SHIFT_LOW_; i <= KMALLOC_SHIFT_HIGH_; i++) {
			if (!kmalloc_cache_make_(k, ss, type, i))
				return -ENOMEM;
			if ((i == 6 && !kmalloc_cache_make_(k, ss, type, 1)) ||
			    (i == 7 && !kmalloc_cache_make_(k, ss, type, 2)))
				return -ENOMEM;
		}
	}
	return 0;
}

/* ---- large kmallocs --------------------------------------------------------------- */

void *kmalloc_large_(struct kmm *k, size_t size, kmm_gfp_t gfp, int node)
{
	if (size > KMM_KMALLOC_MAX_SIZE) {
		/* The page allocator's WARN_ON_ONCE(order > MAX_ORDER). */
		if (!(gfp & KMM___GFP_NOWARN))
			kmm_report(k, KMM_REPORT_WARNING,
				   "WARNING: kmalloc: %zu bytes is more than KMALLOC_MAX_SIZE (%zu)\n", size,
				   (size_t)KMM_KMALLOC_MAX_SIZE);
		return NULL;
	}
	unsigned order = get_order_(size);
	struct kmm_page *page = kmm_alloc_pages_node(k, node, gfp | KMM___GFP_COMP, order);
	if (!page)
		return NULL;
	page->flags |= PG_large_kmalloc;
	slab_pages_add_(k, (int64_t)1 << order);
	return kmm_page_address(k, page);
}

/* free_large_kmalloc(). */
static void kfree_large_(struct kmm *k, struct kmm_page *head)
{
	unsigned order = head->private_;
	head->flags &= ~(uint32_t)PG_large_kmalloc;
	slab_pages_add_(k, -((int64_t)1 << order));
	kmm_free_pages(k, head, order);
}

/* ---- what a pointer handed to kfree / ksize / krealloc is ----------------------- */

enum kobj_kind_ { KOBJ_BAD_, KOBJ_SLAB_, KOBJ_SLOB_, KOBJ_LARGE_ };

/* Classify p (not NULL, not ZERO_SIZE_PTR); a pointer that is none of
 * ours is reported for fn and KOBJ_BAD_ returned. */
static enum kobj_kind_ kobj_lookup_(struct kmm *k, const void *p, const char *fn, struct kmm_page **headp)
{
	struct kmm_slab_system *ss = k->slab;
	struct kmm_page *head = ss ? slab_virt_to_head_(k, p) : NULL;
	*headp = head;
	if (!head) {
		uintptr_t off = (uintptr_t)p - (uintptr_t)k->arena;
		slab_invalid_pointer_(k, fn, p,
				      off < ((uintptr_t)k->total_pages << KMM_PAGE_SHIFT) ? "not in an allocated page"
											 : "outside this system's memory");
		return KOBJ_BAD_;
	}
	if (head->flags & PG_slab) {
		if (head->slab.cache)
			return KOBJ_SLAB_;
		if (!ss->ops->kmalloc) {
			slab_invalid_pointer_(k, fn, p, "a slab page without a cache");
			return KOBJ_BAD_;
		}
		if (ss->ops->owns_object && !ss->ops->owns_object(k, NULL, head, p)) {
			slab_invalid_pointer_(k, fn, p, "not an allocated kmalloc block");
			return KOBJ_BAD_;
		}
		return KOBJ_SLOB_;
	}
	if (head->flags & PG_large_kmalloc) {
		if (p != kmm_page_address(k, head)) {
			slab_invalid_pointer_(k, fn, p, "inside a large kmalloc, not its start");
			return KOBJ_BAD_;
		}
		return KOBJ_LARGE_;
	}
	slab_invalid_pointer_(k, fn, p, "not a slab page nor a large kmalloc");
	return KOBJ_BAD_;
}

static size_t kobj_ksize_(struct kmm *k, enum kobj_kind_ kind, struct kmm_page *head, const void *p)
{
	switch (kind) {
	case KOBJ_SLAB_:
		return slab_ksize_(k->slab, head->slab.cache);
	case KOBJ_SLOB_:
		return k->slab->ops->ksize(k, head, p);
	case KOBJ_LARGE_:
		return (size_t)KMM_PAGE_SIZE << head->private_;
	case KOBJ_BAD_:
		break;
	}
	return 0;
}

/* ---- kmalloc --------------------------------------------------------------------- */

/* __do_kmalloc_node(): every kmalloc the fast path does not take. */
__attribute__((noinline)) static void *kmalloc_node_(struct kmm *k, size_t size, kmm_gfp_t gfp, int node,
						    uintptr_t caller)
{
	if (kmm_unlikely(size == 0))
		return KMM_ZERO_SIZE_PTR;
	struct kmm_slab_system *ss = kmm_slab_system_(k);
	if (kmm_unlikely(!ss))
		return NULL;
	if (kmm_unlikely((unsigned)(node + 1) > k->nr_nodes)) {
		kmm_report(k, KMM_REPORT_WARNING, "WARNING: kmalloc_node: node %d not in -1..%u\n", node,
			   k->nr_nodes - 1);
		return NULL;
	}
	if (kmm_unlikely(gfp & SLAB_GFP_BUG_MASK))
		gfp = slab_fix_gfp_(k, gfp);
	if (size > KMM_KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_large_(k, size, gfp, node);
	if (ss->ops->kmalloc) {
		void *p = ss->ops->kmalloc(k, size, gfp & ~KMM___GFP_ZERO, node);
		if (p && (gfp & KMM___GFP_ZERO))
			memset(p, 0, size);
		return p;
	}
	struct kmm_cache *s = kmalloc_cache_get_(k, ss, kmalloc_type_(gfp), kmalloc_index_(ss, size));
	if (kmm_unlikely(!s))
		return NULL;
	return slab_alloc_node_(k, s, gfp, node, size, caller);
}

void *kmm_kmalloc(struct kmm *k, size_t size, kmm_gfp_t gfp)
{
	/* (k->kmalloc_cur is empty on threaded systems and other backends
	 * than SLUB; kmalloc_small / kmalloc_fast name the caches for those
	 * but threaded ones) */
	if (kmm_likely(!(gfp & KMALLOC_SLOW_GFP_))) {
		unsigned slot;
		if (kmm_likely(size - 1 < 192))
			slot = (unsigned)(size - 1) >> 3;
		else if (size - 1 < KMM_KMALLOC_MAX_CACHE_SIZE)
			slot = KMALLOC_CUR_FAST_ + fls_(size - 1);
		else
			goto general;
		struct kmem_cache_cpu *c = k->kmalloc_cur[slot];
		if (kmm_likely(c != NULL)) {
			k->kmalloc_cur[KMALLOC_CUR_LAST_] = c;
			return slub_alloc_cpu_(k, c, gfp, -1);
		}
		struct kmm_slab_system *ss = k->slab;
		if (ss != NULL) {
			struct kmm_cache *s = slot < KMALLOC_CUR_FAST_ ? ss->kmalloc_small[slot]
								: ss->kmalloc_fast[slot - KMALLOC_CUR_FAST_];
			if (s != NULL)
				return ss->alloc(k, s, gfp, -1);
			/* a backend with its own kmalloc (SLOB): what kmalloc_node_
			 * would call, for a size of 1..KMALLOC_MAX_CACHE_SIZE and
			 * no gfp bit to fix or zero */
			if (ss->ops->kmalloc)
				return ss->ops->kmalloc(k, size, gfp, -1);
		}
	}
general:
	return kmalloc_node_(k, size, gfp, -1, RET_IP_);
}

void *kmm_kzalloc(struct kmm *k, size_t size, kmm_gfp_t gfp)
{
	return kmalloc_node_(k, size, gfp | KMM___GFP_ZERO, -1, RET_IP_);
}

void *kmm_kmalloc_node(struct kmm *k, size_t size, kmm_gfp_t gfp, int node)
{
	return kmalloc_node_(k, size, gfp, node, RET_IP_);
}

void *kmm_kcalloc(struct kmm *k, size_t n, size_t size, kmm_gfp_t gfp)
{
	if (size && n > SIZE_MAX / size)
		return NULL; /* kmalloc_array(): overflow is NULL, silently */
	return kmalloc_node_(k, n * size, gfp | KMM___GFP_ZERO, -1, RET_IP_);
}

struct kmm_cache *kmm_kmalloc_cache(struct kmm *k, size_t size, kmm_gfp_t gfp)
{
	if (size == 0 || size > KMM_KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	struct kmm_slab_system *ss = kmm_slab_system_(k);
	if (!ss || ss->ops->kmalloc)
		return NULL;
	return kmalloc_cache_get_(k, ss, kmalloc_type_(gfp), kmalloc_index_(ss, size));
}

/* ---- kfree, ksize ------------------------------------------------------------------ */

/* kfree() past its fast path: NULL, debug caches, SLOB, large kmallocs,
 * and every pointer that is none of these (reported, nothing freed). */
__attribute__((noinline)) static void kfree_(struct kmm *k, const void *p, uintptr_t caller)
{
	struct kmm_page *head;
	if (KMM_ZERO_OR_NULL_PTR(p))
		return;
	switch (kobj_lookup_(k, p, "kfree", &head)) {
	case KOBJ_SLAB_:
		slab_free_(k, head->slab.cache, head, (void *)p, caller);
		break;
	case KOBJ_SLOB_:
		k->slab->ops->kfree(k, head, (void *)p);
		break;
	case KOBJ_LARGE_:
		kfree_large_(k, head);
		break;
	case KOBJ_BAD_:
		break;
	}
}

/* The head page of the slab (or compound page) holding arena offset off,
 * and its PFN. SLUB's slabs are found through k->slab->slub_head_off: in
 * random order most frees of an order > 0 slab's objects land on a tail
 * page, and reading the tail's struct page only to learn where the head
 * is costs a cache miss before the head's own (mimalloc keeps such
 * metadata compact for the same reason). The table is 2 bytes a page and
 * stays cached; its entry is subtracted, not branched on: in a random
 * order whether an object lies on a tail page is a coin toss, and the
 * mispredictions cost more than the table load the struct page's waits
 * for. Other compound pages (0 in the table) are found through their
 * tails as before. */
static inline struct kmm_page *kfree_head_(struct kmm *k, uintptr_t off, uintptr_t *head_pfn)
{
	uintptr_t pfn = off >> KMM_PAGE_SHIFT;
	const struct kmm_slab_system *ss = k->slab;
	if (kmm_likely(ss != NULL) && kmm_likely(ss->slub_head_off != NULL))
		pfn -= ss->slub_head_off[pfn];
	struct kmm_page *page = &k->pages[pfn];
	if (page->flags & PG_tail) {
		pfn = page->compound_head;
		page = &k->pages[pfn];
	}
	*head_pfn = pfn;
	return page;
}

/* kmm_kfree past its fast path (below): the head page is resolved once
 * and handed on; a SLUB object of another slab is freed here too
 * (slub_free_remote_inl_), with the slab's address from the PFN already
 * found. A PG_slab page exists only once k->slab does (slab_alloc_pages_
 * sets the flag). Out of line so that the fast path keeps no frame; ip is
 * kfree's caller. */
static __attribute__((noinline)) void kfree_resolved_(struct kmm *k, const void *p, uintptr_t off, uintptr_t ip)
{
	if (kmm_likely(off < ((uintptr_t)k->total_pages << KMM_PAGE_SHIFT))) {
		uintptr_t head_pfn;
		struct kmm_page *page = kfree_head_(k, off, &head_pfn);
		struct kmm_cache *s = page->slab.cache;
		if (kmm_likely((page->flags & PG_slab) && s != NULL)) {
			if (kmm_likely(s->flags & SLAB_SLUB_LOCAL_)) {
				struct kmem_cache_cpu *c = s->backend_cpu;
				if (kmm_likely(slub_free_push_(c, page, (void *)p)))
					return;
				slub_free_remote_inl_(k, s, c, page, (const char *)k->arena + (head_pfn << KMM_PAGE_SHIFT),
						      (void *)p);
				return;
			}
			if (!slab_debug_on_(s)) {
				k->slab->free(k, s, page, (void *)p);
				return;
			}
		}
		/* SLOB's heap page: its kfree checks the pointer itself (one
		 * ownership question, with the kernel's reports). */
		if ((page->flags & PG_slab) && s == NULL && k->slab->ops->kfree) {
			k->slab->ops->kfree(k, page, (void *)p);
			return;
		}
	}
	kfree_(k, p, ip);
}

/*
 * The fast path: an object of the active slab of the CPU state kmalloc
 * last popped (k->kmalloc_cur's hint; single-threaded SLUB) is pushed
 * there at once -- the free of a kmalloc / kfree pair, without a struct
 * page: between that slab's first and last object it is that slab's, and
 * the slab is a live SLUB slab of a cache without debug flags (a CPU
 * without a slab has lo = span = 0, which no arena pointer passes).
 *
 * The object is prefetched for writing first: past the fast path its free
 * pointer is stored only after the chain table -> struct page -> cache ->
 * CPU state resolves, and in a random order the object is a cache and TLB
 * miss that would otherwise start only then.
 */
void kmm_kfree(struct kmm *k, const void *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)k->arena;
	__builtin_prefetch(p, 1);
	if (kmm_likely(off < ((uintptr_t)k->total_pages << KMM_PAGE_SHIFT))) {
		struct kmem_cache_cpu *hint = k->kmalloc_cur[KMALLOC_CUR_LAST_];
		if (hint && (uintptr_t)p - hint->lo <= hint->span && slub_free_push_cpu_(hint, (void *)p))
			return;
	}
	kfree_resolved_(k, p, off, RET_IP_);
}

/* On a debug cache, is p an object start of slab? (The debug layer writes
 * metadata relative to it.) Reported for fn when not. */
static bool kobj_debug_start_ok_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *p,
				 const char *fn)
{
	const struct kmm_slab_ops *ops = k->slab->ops;
	char *base = kmm_page_address(k, slab);
	size_t bytes = (size_t)KMM_PAGE_SIZE << ((slab->flags & PG_head) ? slab->private_ : 0);
	char *first = ops->slab_first ? ops->slab_first(k, s, slab) : base;
	uintptr_t off = (uintptr_t)p - (uintptr_t)first;
	if ((const char *)p < first || (const char *)p >= base + bytes || off % s->l.size != s->l.red_left_pad ||
	    (const char *)p + s->l.object_size > base + bytes) {
		slab_invalid_pointer_(k, fn, p, "not the start of an object");
		return false;
	}
	return true;
}

size_t kmm_ksize(struct kmm *k, const void *p)
{
	struct kmm_page *head;
	if (KMM_ZERO_OR_NULL_PTR(p))
		return 0;
	enum kobj_kind_ kind = kobj_lookup_(k, p, "ksize", &head);
	if (kind == KOBJ_SLAB_ && slab_debug_on_(head->slab.cache)) {
		/* The caller may use the whole class now: no tail red zone. */
		if (!kobj_debug_start_ok_(k, head->slab.cache, head, p, "ksize"))
			return 0;
		slab_debug_ksize_(k, head->slab.cache, (void *)p);
	}
	return kobj_ksize_(k, kind, head, p);
}

/* ---- krealloc ---------------------------------------------------------------------- */

/*
 * The object stays: zero what __GFP_ZERO asks for and, on debug caches
 * that keep the request (kmalloc with Z or U), let the debug layer record
 * the new one and red-zone the tail past it, as the kernel's
 * __do_krealloc() does. s is NULL for SLOB and large kmallocs.
 */
static void krealloc_in_place_(struct kmm *k, struct kmm_cache *s, char *p, size_t ks, size_t new_size,
			       kmm_gfp_t gfp)
{
	bool keeps = s && s->l.orig_size_offset && slab_debug_on_(s);
	size_t orig = keeps ? slab_debug_orig_size_(k, s, p) : 0;
	if (gfp & KMM___GFP_ZERO) {
		if (orig && orig < new_size)
			memset(p + orig, 0, new_size - orig);
		else
			memset(p + new_size, 0, ks - new_size);
	}
	if (keeps)
		slab_debug_krealloc_(k, s, p, new_size);
}

static void *krealloc_(struct kmm *k, const void *p, size_t new_size, kmm_gfp_t gfp, uintptr_t caller)
{
	size_t ks = 0;
	if (kmm_unlikely(new_size == 0)) {
		kfree_(k, p, caller);
		return KMM_ZERO_SIZE_PTR;
	}
	if (!KMM_ZERO_OR_NULL_PTR(p)) {
		struct kmm_page *head;
		enum kobj_kind_ kind = kobj_lookup_(k, p, "krealloc", &head);
		if (kind == KOBJ_BAD_)
			return NULL;
		struct kmm_cache *s = kind == KOBJ_SLAB_ ? head->slab.cache : NULL;
		if (s && slab_debug_on_(s) && !kobj_debug_start_ok_(k, s, head, p, "krealloc"))
			return NULL;
		ks = kobj_ksize_(k, kind, head, p);
		if (ks >= new_size) {
			krealloc_in_place_(k, s, (char *)p, ks, new_size, gfp);
			return (void *)p;
		}
	}
	void *ret = kmalloc_node_(k, new_size, gfp, -1, caller);
	if (!ret)
		return NULL;
	if (ks) {
		memcpy(ret, p, ks);
		kfree_(k, p, caller);
	}
	return ret;
}

void *kmm_krealloc(struct kmm *k, const void *p, size_t new_size, kmm_gfp_t gfp)
{
	return krealloc_(k, p, new_size, gfp, RET_IP_);
}
