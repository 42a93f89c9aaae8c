// SPDX-License-Identifier: MIT
/*
 * SLAB: how a cache is sized and set up, and how its state goes away
 * (the kernel's __kmem_cache_create, calculate_slab_order,
 * enable_cpucache and the array allocations of mm/slab.c). slab.c has the
 * object paths that run on this state; nothing here runs on them.
 *
 * Slab order (calculate_slab_order): orders are tried from 0 up. At each,
 * cache_estimate counts the slots a slab of 2^order pages holds; on-slab,
 * the index array (one entry per slot, rounded up to the alignment) is
 * paid for out of the same pages. The entry is a byte while at most 256
 * slots fit, else 16 bits (and when 16-bit entries would fit fewer than
 * 256 slots, the slab stays at 256 byte-indexed ones). The search stops at
 * the first order that fits anything for SLAB_RECLAIM_ACCOUNT caches (they
 * should be easy to give back), at slab_max_order (0, or 1 on systems of
 * more than 32 MB, unless cfg.slab_max_order says otherwise), or as soon
 * as no more than an eighth of the slab is wasted.
 *
 * On or off slab: objects of PAGE_SIZE / 32 bytes and more are sized with
 * the index array elsewhere (plat->meta_alloc, see slab.c); if the bytes
 * the slab can't use would have held the array anyway, it goes back on
 * the slab, which costs colours and never an object.
 *
 * Colouring: colour_off is the larger of the cache line and the cache's
 * alignment, and the number of colours is how many colour_offs fit in the
 * leftover bytes; each node then cycles through them as it grows slabs.
 *
 * Head arrays (enable_cpucache): the per-CPU limit falls with the object
 * size (120, 54, 24, 8, then 1 above 128 KB), debug caches stop at 32;
 * batchcount is half the limit rounded up; with more than one CPU, objects
 * of at most a page also get a shared array per node of 8 batches; with
 * more than one node, each node keeps an alien array of 12 (or the limit,
 * when that is 1) for every other node. A node's free_limit, the free
 * objects it keeps before giving whole slabs back, is one batch per CPU of
 * the node plus one more, plus a slab's worth.
 *
 * All of a cache's SLAB state is one metadata block: struct slab_cache_,
 * the per-CPU and per-node structures, every array, the alien tables and
 * the random sequence, each piece cache-line aligned so that no two CPUs'
 * arrays share a line. carve_cache_ lays the block out twice from one
 * template: once with no memory to learn its size, once to fill it, so the
 * two can't disagree.
 *
 * Randomness comes from the cache's stream (the system seed and the
 * cache's random_seed): the SLAB_FREELIST_RANDOM permutation of the slots
 * (a Fisher-Yates shuffle, cache_random_seq_create), then one stream per
 * node, from which each new slab draws where it starts reading the
 * permutation. A CPU allocates from its memory node (numa_mem_id: the
 * first node its node's zonelist offers), and its alien-cache reap rotor
 * starts at the node after that.
 *
 * Release undoes open: a cache shut down with objects still out (a system
 * torn down live) may keep slabs on its lists; their off-slab index arrays
 * are freed here, their pages go with the arena.
 */
#include <errno.h>
#include <string.h>

#include "slab_slab.h"

#define SLAB_CACHE_LINE_ 64u       /* cache_line_size(): colour_off at least this */
#define SLAB_OBJ_MAX_NUM_ 65535u   /* a uint16_t index and page->slab.objects */
#define SLAB_ALIEN_LIMIT_ 12u      /* alloc_alien_cache()'s limit */
#define SLAB_BAD_BATCH_ 0xbaadf00du /* shared / alien arrays are never refilled by batch */

/* ---- cache creation ------------------------------------------------------- */

/*
 * cache_estimate(): objects of `size` in a slab of 2^order pages and the
 * bytes left over. On-slab the index array (idx_size bytes an object,
 * aligned to align) comes out of the slab too.
 */
static unsigned cache_estimate_(unsigned order, unsigned size, unsigned align, bool off_slab, unsigned idx_size,
				size_t *left_over)
{
	size_t slab_size = (size_t)KMM_PAGE_SIZE << order;
	size_t num;

	if (off_slab) {
		num = slab_size / size;
		*left_over = slab_size % size;
		return (unsigned)num;
	}
	num = slab_size / (size + idx_size);
	/* The alignment of the index array may cost one object. */
	while (num && num * size + ((num * idx_size + align - 1) & ~((size_t)align - 1)) > slab_size)
		num--;
	*left_over = slab_size - num * size - ((num * idx_size + align - 1) & ~((size_t)align - 1));
	return (unsigned)num;
}

/* The estimate with the index width the object count asks for: bytes
 * when <= 256 objects fit, else 16-bit (capped at 256 byte-indexed
 * objects when 16-bit indices would fit fewer than that). */
static unsigned estimate_idx_(unsigned order, unsigned size, unsigned align, bool off_slab, unsigned *idx_size,
			      size_t *left_over)
{
	unsigned num = cache_estimate_(order, size, align, off_slab, 1, left_over);
	*idx_size = 1;
	if (num <= 256)
		return num;
	if (off_slab) {
		*idx_size = 2;
		return num;
	}
	size_t left2;
	unsigned num2 = cache_estimate_(order, size, align, false, 2, &left2);
	if (num2 > 256) {
		*idx_size = 2;
		*left_over = left2;
		return num2;
	}
	size_t slab_size = (size_t)KMM_PAGE_SIZE << order;
	*left_over = slab_size - 256 * (size_t)size - ((256 + align - 1) & ~((size_t)align - 1));
	return 256;
}

/* SLAB's default slab_max_order: 0, or 1 with more than 32 MB of memory
 * (SLAB_MAX_ORDER_LO / _HI); cfg.slab_max_order overrides. */
static unsigned slab_backend_max_order_(const struct kmm *k)
{
	if (k->cfg.slab_max_order)
		return k->cfg.slab_max_order;
	uint64_t managed = 0;
	for (unsigned n = 0; n < k->nr_nodes; n++)
		for (unsigned zt = 0; zt < KMM_NR_ZONES; zt++)
			managed += k->nodes[n].zones[zt].managed_pages;
	return managed > ((32u << 20) >> KMM_PAGE_SHIFT) ? 1 : 0;
}

struct slab_geometry_ {
	unsigned num, order, idx_size;
	size_t left_over;
	bool off_slab;
};

/* calculate_slab_order() and the off-slab decision of __kmem_cache_create(). */
static int calculate_slab_order_(const struct kmm *k, const struct kmm_cache *s, struct slab_geometry_ *g)
{
	unsigned size = s->l.size, align = s->l.align;
	unsigned max_order = slab_backend_max_order_(k);
	bool off_slab = size >= (KMM_PAGE_SIZE >> 5);
	bool found = false;

	memset(g, 0, sizeof(*g));
	for (unsigned order = 0; order <= KMM_MAX_ORDER; order++) {
		unsigned idx_size;
		size_t rem;
		unsigned num = estimate_idx_(order, size, align, off_slab, &idx_size, &rem);
		if (!num)
			continue;
		if (num > SLAB_OBJ_MAX_NUM_)
			break;
		g->num = num;
		g->order = order;
		g->idx_size = idx_size;
		g->left_over = rem;
		found = true;
		/* Reclaimable caches stay at the lowest order that fits. */
		if (s->flags & KMM_SLAB_RECLAIM_ACCOUNT)
			break;
		if (order >= max_order)
			break;
		/* Acceptable internal fragmentation (an eighth)? */
		if (rem * 8 <= ((size_t)KMM_PAGE_SIZE << order))
			break;
	}
	if (!found)
		return -EINVAL;

	/* Off-slab only when the leftover can't hold the index array anyway;
	 * moving it on-slab costs colours, not objects. */
	size_t fl = ((size_t)g->num * g->idx_size + align - 1) & ~((size_t)align - 1);
	g->off_slab = off_slab;
	if (off_slab && g->left_over >= fl) {
		g->off_slab = false;
		g->left_over -= fl;
	}
	return 0;
}

static size_t ac_bytes_(unsigned limit) { return sizeof(struct array_cache) + (size_t)limit * sizeof(void *); }

/* Cut the next cache-line aligned piece of the per-cache block (base NULL:
 * only count). */
static void *carve_(char *base, size_t *off, size_t bytes)
{
	size_t o = (*off + 63) & ~(size_t)63;
	*off = o + bytes;
	return base ? base + o : NULL;
}

static struct array_cache *carve_ac_(char *base, size_t *off, unsigned limit, unsigned batchcount)
{
	struct array_cache *ac = carve_(base, off, ac_bytes_(limit));
	if (ac) {
		ac->limit = limit;
		ac->batchcount = batchcount;
	}
	return ac;
}

/* The whole per-cache state is one meta_alloc block: this lays it out
 * from the template g (base NULL: only its size). */
static size_t carve_cache_(char *base, const struct slab_cache_ *g, unsigned alien_limit, bool random)
{
	size_t off = 0;
	struct slab_cache_ *c = carve_(base, &off, sizeof(*c));
	struct slab_cpu_ *cpu = carve_(base, &off, sizeof(*cpu) * g->nr_cpus);
	struct slab_node_ *node = carve_(base, &off, sizeof(*node) * g->nr_nodes);

	if (c) {
		*c = *g;
		c->cpu = cpu;
		c->node = node;
	}
	for (unsigned i = 0; i < g->nr_cpus; i++) {
		struct array_cache *ac = carve_ac_(base, &off, g->limit, g->batchcount);
		if (c)
			cpu[i].ac = ac;
	}
	for (unsigned i = 0; i < g->nr_nodes; i++) {
		if (g->shared) {
			struct array_cache *sh = carve_ac_(base, &off, g->shared * g->batchcount, SLAB_BAD_BATCH_);
			if (c)
				node[i].shared = sh;
		}
		if (!g->use_alien)
			continue;
		struct slab_alien_ *alien = carve_(base, &off, sizeof(*alien) * g->nr_nodes);
		if (c)
			node[i].alien = alien;
		for (unsigned t = 0; t < g->nr_nodes; t++) {
			if (t == i)
				continue;
			struct array_cache *ac = carve_ac_(base, &off, alien_limit, SLAB_BAD_BATCH_);
			if (c)
				alien[t].ac = ac;
		}
	}
	if (random) {
		uint16_t *seq = carve_(base, &off, sizeof(uint16_t) * g->num);
		if (c)
			c->random_seq = seq;
	}
	return off;
}

/* numa_mem_id() of a CPU: the first node of its node's zonelist. */
static unsigned cpu_mem_node_(const struct kmm *k, unsigned cpu)
{
	int order[KMM_MAX_NODES];
	unsigned nid = k->cfg.cpu_node[cpu];
	if (kmm_node_fallback_order(k, (int)nid, order))
		return (unsigned)order[0];
	return nid;
}

/* __kmem_cache_create() for SLAB: geometry, colouring, enable_cpucache()'s
 * tunables, the arrays and the node structures. */
int slab_backend_open_(struct kmm *k, struct kmm_cache *s)
{
	struct slab_geometry_ geo;
	struct slab_cache_ g;

	if (calculate_slab_order_(k, s, &geo))
		return -EINVAL;

	memset(&g, 0, sizeof(g));
	g.num = geo.num;
	g.gfporder = geo.order;
	g.size = s->l.size;
	g.idx_size = geo.idx_size;
	g.off_slab = geo.off_slab;
	g.freelist_size = g.off_slab ? geo.num * geo.idx_size
				     : (unsigned)(((size_t)geo.num * geo.idx_size + s->l.align - 1) &
						  ~((size_t)s->l.align - 1));
	g.first_off = g.off_slab ? 0 : g.freelist_size;
	g.colour_off = s->l.align > SLAB_CACHE_LINE_ ? s->l.align : SLAB_CACHE_LINE_;
	g.colour = (unsigned)(geo.left_over / g.colour_off);
	g.nr_cpus = k->nr_cpus;
	g.nr_nodes = k->nr_nodes;
	g.use_alien = k->nr_nodes > 1;

	/* enable_cpucache(): the head arrays by object size. */
	unsigned size = g.size;
	g.limit = size > 131072 ? 1 : size > KMM_PAGE_SIZE ? 8 : size > 1024 ? 24 : size > 256 ? 54 : 120;
	g.shared = size <= KMM_PAGE_SIZE && k->nr_cpus > 1 ? 8 : 0;
	if (slab_debug_on_(s) && g.limit > 32)
		g.limit = 32;
	g.batchcount = (g.limit + 1) / 2;
	unsigned alien_limit = g.limit > 1 ? SLAB_ALIEN_LIMIT_ : g.limit;
	bool random = (k->cfg.slab_features & KMM_SLAB_FREELIST_RANDOM) && g.num > 1;

	size_t bytes = carve_cache_(NULL, &g, alien_limit, random);
	char *base = k->plat->meta_alloc(k->plat->ctx, bytes);
	if (!base)
		return -ENOMEM;
	carve_cache_(base, &g, alien_limit, random);
	struct slab_cache_ *c = (struct slab_cache_ *)(void *)base;
	c->bytes = bytes;

	/* The cache's random stream: the system seed and the cache's index. */
	uint64_t rng = k->cfg.seed ^ ((uint64_t)s->random_seed * 0x9e3779b97f4a7c15ull);
	if (c->random_seq) {
		/* cache_random_seq_create(): a Fisher-Yates permutation. */
		for (unsigned i = 0; i < c->num; i++)
			c->random_seq[i] = (uint16_t)i;
		for (unsigned i = c->num - 1; i > 0; i--) {
			unsigned j = (unsigned)(slab_random_(&rng) % (i + 1));
			uint16_t t = c->random_seq[i];
			c->random_seq[i] = c->random_seq[j];
			c->random_seq[j] = t;
		}
	}

	unsigned cpus_on_node[KMM_MAX_NODES] = { 0 };
	for (unsigned cpu = 0; cpu < c->nr_cpus; cpu++) {
		struct slab_cpu_ *pc = &c->cpu[cpu];
		pc->node = cpu_mem_node_(k, cpu);
		pc->reap_node = (pc->node + 1) % c->nr_nodes; /* init_reap_node(): the next node */
		cpus_on_node[k->cfg.cpu_node[cpu]]++;
		if (k->cfg.threaded)
			k->plat->lock_init(k->plat->ctx, &pc->lock);
	}
	for (unsigned node = 0; node < c->nr_nodes; node++) {
		struct slab_node_ *n = &c->node[node];
		INIT_LIST_HEAD(&n->slabs_partial);
		INIT_LIST_HEAD(&n->slabs_full);
		INIT_LIST_HEAD(&n->slabs_free);
		n->free_limit = (1 + (unsigned long)cpus_on_node[node]) * c->batchcount + c->num;
		n->rng = slab_random_(&rng);
		if (!k->cfg.threaded)
			continue;
		k->plat->lock_init(k->plat->ctx, &n->list_lock);
		for (unsigned t = 0; c->use_alien && t < c->nr_nodes; t++)
			if (n->alien[t].ac)
				k->plat->lock_init(k->plat->ctx, &n->alien[t].lock);
	}
	s->backend = c;
	return 0;
}

/* After a 0 shutdown nothing is left; should slabs remain (a system torn
 * down with live objects), their off-slab index arrays are freed here and
 * their pages go with the arena. */
void slab_backend_release_(struct kmm *k, struct kmm_cache *s)
{
	struct slab_cache_ *c = slab_cache_(s);
	if (!c)
		return;
	for (unsigned node = 0; node < c->nr_nodes; node++) {
		struct slab_node_ *n = &c->node[node];
		struct list_head *lists[3] = { &n->slabs_partial, &n->slabs_full, &n->slabs_free };
		for (unsigned l = 0; c->off_slab && l < 3; l++) {
			struct list_head *pos;
			list_for_each(pos, lists[l]) {
				struct kmm_page *slab = list_entry(pos, struct kmm_page, lru);
				k->plat->meta_free(k->plat->ctx, slab->slab.freelist, c->freelist_size);
				slab->slab.freelist = NULL;
			}
		}
		if (!k->cfg.threaded)
			continue;
		k->plat->lock_destroy(k->plat->ctx, &n->list_lock);
		for (unsigned t = 0; c->use_alien && t < c->nr_nodes; t++)
			if (n->alien[t].ac)
				k->plat->lock_destroy(k->plat->ctx, &n->alien[t].lock);
	}
	for (unsigned cpu = 0; k->cfg.threaded && cpu < c->nr_cpus; cpu++)
		k->plat->lock_destroy(k->plat->ctx, &c->cpu[cpu].lock);
	k->plat->meta_free(k->plat->ctx, c, c->bytes);
	s->backend = NULL;
}
