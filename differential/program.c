// SPDX-License-Identifier: MIT
/*
 * The op program: what every face of it shares.
 *
 * The binary codec (codec_binary.c) and the text codec (codec_text.c) both
 * produce struct kmm_program, and the harness trusts that whatever they
 * produce obeys the rules listed in program.h: handles numbered in alloc
 * order and only used while live, every operand in range, every field an op
 * does not use left at zero. Because of that last rule two programs are
 * equal exactly when their fields are, so "decode(encode(p)) == p" and
 * "parse(format(p)) == p" are plain field comparisons.
 *
 * This file holds what both codecs and their users need: the header ->
 * kmm_config translation, the name tables, the size limits, a validator that
 * checks every rule (tests and the parser fuzz target lean on it), an
 * equality that names the first difference, and the round-trip check the
 * fuzz_trace_parser target runs on every input that parses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"

/* ---- messages ------------------------------------------------------------ */

static int say(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Write a message into why (if there is room for one) and return -1. */
static int say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- header -> config ------------------------------------------------------ */

void kmm_program_config(const struct kmm_program_header *hdr, struct kmm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_nodes = hdr->nr_nodes;
	for (unsigned n = 0; n < KMM_MAX_NODES; n++)
		for (unsigned z = 0; z < KMM_NR_ZONES; z++)
			cfg->nodes[n].zones[z] = hdr->zones[n][z];
	memcpy(cfg->distance, hdr->distance, sizeof(cfg->distance));
	cfg->nr_cpus = hdr->nr_cpus;
	memcpy(cfg->cpu_node, hdr->cpu_node, sizeof(cfg->cpu_node));
	cfg->pageblock_order = hdr->pageblock_order;
	cfg->min_free_kbytes = hdr->min_free_kbytes;
	cfg->pcp_high = hdr->pcp_high;
	cfg->pcp_batch = hdr->pcp_batch;
	cfg->seed = hdr->seed;
	cfg->debug_level = hdr->debug_level;
	/* Slab programs: the backend (ALL is the executor's to split; SLUB here),
	 * its hardening, and slab_debug= in the kernel's letters. */
	switch (hdr->slab_backend) {
	case KMM_PROGRAM_SLAB_SLAB:
		cfg->slab_backend = KMM_SLAB_BACKEND_SLAB;
		break;
	case KMM_PROGRAM_SLAB_SLOB:
		cfg->slab_backend = KMM_SLAB_BACKEND_SLOB;
		break;
	default:
		cfg->slab_backend = KMM_SLAB_BACKEND_SLUB;
		break;
	}
	cfg->slab_features = hdr->slab_features & KMM_PROGRAM_SLAB_FEATURES;
	{
		static const struct {
			unsigned flag;
			char letter;
		} letters[] = { { KMM_SLAB_CONSISTENCY_CHECKS, 'F' },
				{ KMM_SLAB_RED_ZONE, 'Z' },
				{ KMM_SLAB_POISON, 'P' },
				{ KMM_SLAB_STORE_USER, 'U' } };
		size_t n = 0;

		for (unsigned i = 0; i < 4; i++)
			if (hdr->slab_debug & letters[i].flag)
				cfg->slab_debug[n++] = letters[i].letter;
		cfg->slab_debug[n] = '\0';
	}
	/* Everything else keeps its kernel default (0); the caller sets the sink. */
}

/* ---- limits and defaults --------------------------------------------------- */

uint32_t kmm_program_node_cap(unsigned nr_nodes)
{
	uint32_t share;

	if (nr_nodes <= 1)
		return KMM_PROGRAM_PAGES_NODE_CAP;
	share = KMM_PROGRAM_NUMA_TOTAL_CAP / nr_nodes;
	return share < KMM_PROGRAM_NUMA_NODE_CAP ? share : KMM_PROGRAM_NUMA_NODE_CAP;
}

void kmm_program_default_node(struct kmm_program_header *hdr, unsigned nid)
{
	uint32_t cap = kmm_program_node_cap(hdr->nr_nodes);

	memset(hdr->zones[nid], 0, sizeof(hdr->zones[nid]));
	hdr->zones[nid][KMM_ZONE_NORMAL].spanned_pages =
		cap < KMM_PROGRAM_DEFAULT_NODE_PAGES ? cap : KMM_PROGRAM_DEFAULT_NODE_PAGES;
}

void kmm_program_slab_default_node(struct kmm_program_header *hdr, unsigned nid)
{
	uint32_t cap = kmm_program_node_cap(hdr->nr_nodes);
	uint32_t dma = nid == 0 ? KMM_PROGRAM_SLAB_DMA_PAGES : 0;

	memset(hdr->zones[nid], 0, sizeof(hdr->zones[nid]));
	hdr->zones[nid][KMM_ZONE_DMA].spanned_pages = dma;
	hdr->zones[nid][KMM_ZONE_NORMAL].spanned_pages =
		cap - dma < KMM_PROGRAM_SLAB_NODE_PAGES ? cap - dma : KMM_PROGRAM_SLAB_NODE_PAGES;
}

void kmm_program_init(struct kmm_program *p)
{
	memset(&p->hdr, 0, sizeof(p->hdr));
	p->hdr.nr_nodes = 1;
	p->hdr.nr_cpus = 1;
	kmm_program_default_node(&p->hdr, 0);
	p->nr_ops = 0;
	p->nr_handles = 0;
}

enum kmm_program_kind kmm_program_kind_of(const struct kmm_program *p)
{
	switch (p->hdr.slab_backend) {
	case KMM_PROGRAM_SLAB_SLUB:
		return KMM_PROGRAM_SLUB;
	case KMM_PROGRAM_SLAB_SLAB:
		return KMM_PROGRAM_SLAB;
	case KMM_PROGRAM_SLAB_SLOB:
		return KMM_PROGRAM_SLOB;
	case KMM_PROGRAM_SLAB_ALL:
		return KMM_PROGRAM_KMALLOC_DIFF;
	default:
		return p->hdr.nr_nodes > 1 ? KMM_PROGRAM_NUMA : KMM_PROGRAM_PAGES;
	}
}

const char *kmm_program_binary_loss(const struct kmm_program *p)
{
	if (kmm_program_kind_of(p) == KMM_PROGRAM_PAGES && p->hdr.pcp_high && p->hdr.pcp_batch)
		return "pcp sizes (a one-node page program's bytes carry none; give it "
		       "nodes=2 or more, or a slab backend)";
	return NULL;
}

/* ---- names ----------------------------------------------------------------- */

const char *kmm_op_name(unsigned code)
{
	static const char *const names[KMM_OP_COUNT] = {
		[KMM_OP_ALLOC_PAGES] = "alloc_pages",
		[KMM_OP_FREE_PAGES] = "free_pages",
		[KMM_OP_WRITE] = "write",
		[KMM_OP_VERIFY] = "verify",
		[KMM_OP_SET_CPU] = "set_cpu",
		[KMM_OP_SET_POLICY] = "set_policy",
		[KMM_OP_DRAIN] = "drain",
		[KMM_OP_CHECK] = "check",
		[KMM_OP_MISUSE] = "misuse",
		[KMM_OP_CACHE_CREATE] = "cache_create",
		[KMM_OP_CACHE_DESTROY] = "cache_destroy",
		[KMM_OP_CACHE_ALLOC] = "cache_alloc",
		[KMM_OP_CACHE_FREE] = "cache_free",
		[KMM_OP_CACHE_ALLOC_BULK] = "cache_alloc_bulk",
		[KMM_OP_CACHE_FREE_BULK] = "cache_free_bulk",
		[KMM_OP_CACHE_SHRINK] = "cache_shrink",
		[KMM_OP_KMALLOC] = "kmalloc",
		[KMM_OP_KREALLOC] = "krealloc",
		[KMM_OP_KFREE] = "kfree",
		[KMM_OP_RCU_BARRIER] = "rcu_barrier",
		[KMM_OP_CACHE_REAP] = "cache_reap",
		[KMM_OP_CACHE_VALIDATE] = "cache_validate",
	};
	return code < KMM_OP_COUNT ? names[code] : "?";
}

const char *kmm_misuse_name(unsigned kind)
{
	static const char *const names[KMM_MISUSE_COUNT] = {
		[KMM_MISUSE_DOUBLE_FREE] = "double_free",
		[KMM_MISUSE_FOREIGN_PFN] = "foreign_pfn",
		[KMM_MISUSE_WRONG_ORDER] = "wrong_order",
		[KMM_MISUSE_TAIL_PAGE] = "tail_page",
		[KMM_MISUSE_MISALIGNED] = "misaligned",
		[KMM_MISUSE_OBJ_DOUBLE_FREE] = "obj_double_free",
		[KMM_MISUSE_WRONG_CACHE] = "wrong_cache",
		[KMM_MISUSE_KFREE_INTERIOR] = "kfree_interior",
		[KMM_MISUSE_KFREE_NON_SLAB] = "kfree_non_slab",
		[KMM_MISUSE_WRITE_PAST_END] = "write_past_end",
		[KMM_MISUSE_WRITE_AFTER_FREE] = "write_after_free",
		[KMM_MISUSE_DESTROY_BUSY] = "destroy_busy",
	};
	return kind < KMM_MISUSE_COUNT ? names[kind] : "?";
}

const char *kmm_program_mpol_name(unsigned mode)
{
	static const char *const names[KMM_MPOL_MAX] = {
		[KMM_MPOL_DEFAULT] = "default",
		[KMM_MPOL_PREFERRED] = "preferred",
		[KMM_MPOL_BIND] = "bind",
		[KMM_MPOL_INTERLEAVE] = "interleave",
		[KMM_MPOL_LOCAL] = "local",
		[KMM_MPOL_PREFERRED_MANY] = "preferred_many",
		[KMM_MPOL_WEIGHTED_INTERLEAVE] = "weighted_interleave",
	};
	return mode < KMM_MPOL_MAX ? names[mode] : "?";
}

const char *kmm_program_slab_name(unsigned backend)
{
	static const char *const names[] = {
		[KMM_PROGRAM_SLAB_NONE] = "none", [KMM_PROGRAM_SLAB_SLUB] = "slub",
		[KMM_PROGRAM_SLAB_SLAB] = "slab", [KMM_PROGRAM_SLAB_SLOB] = "slob",
		[KMM_PROGRAM_SLAB_ALL] = "all",
	};
	return backend <= KMM_PROGRAM_SLAB_ALL ? names[backend] : "?";
}

static const char *const kind_names[KMM_PROGRAM_NR_KINDS] = {
	[KMM_PROGRAM_PAGES] = "pages", [KMM_PROGRAM_NUMA] = "numa",
	[KMM_PROGRAM_SLUB] = "slub",   [KMM_PROGRAM_SLAB] = "slab",
	[KMM_PROGRAM_SLOB] = "slob",   [KMM_PROGRAM_KMALLOC_DIFF] = "kmalloc_diff",
};

const char *kmm_program_kind_name(unsigned kind)
{
	return kind < KMM_PROGRAM_NR_KINDS ? kind_names[kind] : "?";
}

const char *kmm_program_kind_target(unsigned kind)
{
	static const char *const targets[KMM_PROGRAM_NR_KINDS] = {
		[KMM_PROGRAM_PAGES] = "fuzz_pages", [KMM_PROGRAM_NUMA] = "fuzz_numa",
		[KMM_PROGRAM_SLUB] = "fuzz_slub",   [KMM_PROGRAM_SLAB] = "fuzz_slab",
		[KMM_PROGRAM_SLOB] = "fuzz_slob",   [KMM_PROGRAM_KMALLOC_DIFF] = "fuzz_kmalloc_diff",
	};
	return kind < KMM_PROGRAM_NR_KINDS ? targets[kind] : "?";
}

int kmm_program_kind_parse(const char *s)
{
	if (!s)
		return -1;
	if (!strncmp(s, "fuzz_", 5))
		s += 5;
	for (unsigned k = 0; k < KMM_PROGRAM_NR_KINDS; k++)
		if (!strcmp(s, kind_names[k]))
			return (int)k;
	return -1;
}

/* ---- gfp ------------------------------------------------------------------- */

bool kmm_program_gfp_valid(kmm_gfp_t gfp)
{
	kmm_gfp_t zones = gfp & (KMM___GFP_DMA | KMM___GFP_DMA32 | KMM___GFP_HIGHMEM);

	if (gfp & ~KMM___GFP_BITS_MASK)
		return false;
	if (zones & (zones - 1)) /* two zone modifiers: gfp_zone() has no answer */
		return false;
	return (gfp & KMM_GFP_MOVABLE_MASK) != KMM_GFP_MOVABLE_MASK;
}

bool kmm_program_slab_gfp_valid(kmm_gfp_t gfp, bool kmalloc)
{
	if (!kmm_program_gfp_valid(gfp) || (gfp & KMM_PROGRAM_SLAB_GFP_BANNED))
		return false;
	return kmalloc || !(gfp & KMM___GFP_DMA);
}

/* ---- op comparison ----------------------------------------------------------- */

/* Name of the first field where two ops differ, or NULL when equal. */
static const char *op_diff(const struct kmm_op *a, const struct kmm_op *b, long long *va,
			   long long *vb)
{
#define FIELD(f)                                            \
	do {                                                \
		if (a->f != b->f) {                         \
			*va = (long long)a->f;              \
			*vb = (long long)b->f;              \
			return #f;                          \
		}                                           \
	} while (0)
	FIELD(code);
	FIELD(handle);
	FIELD(order);
	FIELD(gfp);
	FIELD(node);
	FIELD(cpu);
	FIELD(mode);
	FIELD(nodes);
	FIELD(arg);
	FIELD(arg2);
	FIELD(cflags);
	FIELD(cache);
	for (unsigned i = 0; i < KMM_MAX_NODES; i++)
		FIELD(weights[i]);
#undef FIELD
	return NULL;
}

/* The op reduced to the fields its code uses (see program.h). */
static void op_canonical(const struct kmm_op *op, struct kmm_op *c)
{
	memset(c, 0, sizeof(*c));
	c->code = op->code;
	switch (op->code) {
	case KMM_OP_ALLOC_PAGES:
		c->handle = op->handle;
		c->order = op->order;
		c->gfp = op->gfp;
		c->node = op->node;
		break;
	case KMM_OP_FREE_PAGES:
	case KMM_OP_WRITE:
	case KMM_OP_VERIFY:
		c->handle = op->handle;
		break;
	case KMM_OP_SET_CPU:
	case KMM_OP_DRAIN:
		c->cpu = op->cpu;
		break;
	case KMM_OP_SET_POLICY:
		c->mode = op->mode;
		c->nodes = op->nodes;
		if (op->mode == KMM_MPOL_WEIGHTED_INTERLEAVE)
			memcpy(c->weights, op->weights, sizeof(c->weights));
		break;
	case KMM_OP_MISUSE:
		c->mode = op->mode;
		if (op->mode != KMM_MISUSE_FOREIGN_PFN)
			c->handle = op->handle;
		if (op->mode == KMM_MISUSE_WRONG_ORDER)
			c->order = op->order;
		if (op->mode == KMM_MISUSE_FOREIGN_PFN || op->mode == KMM_MISUSE_TAIL_PAGE ||
		    op->mode == KMM_MISUSE_MISALIGNED || op->mode == KMM_MISUSE_KFREE_INTERIOR ||
		    op->mode == KMM_MISUSE_WRITE_PAST_END || op->mode == KMM_MISUSE_WRITE_AFTER_FREE)
			c->arg = op->arg;
		if (op->mode == KMM_MISUSE_WRONG_CACHE || op->mode == KMM_MISUSE_DESTROY_BUSY)
			c->cache = op->cache;
		if (op->mode == KMM_MISUSE_DESTROY_BUSY)
			c->handle = 0;
		break;
	case KMM_OP_CACHE_CREATE:
		c->cache = op->cache;
		c->arg = op->arg;
		c->arg2 = op->arg2;
		c->cflags = op->cflags;
		c->mode = op->mode;
		break;
	case KMM_OP_CACHE_DESTROY:
	case KMM_OP_CACHE_SHRINK:
	case KMM_OP_CACHE_VALIDATE:
		c->cache = op->cache;
		break;
	case KMM_OP_CACHE_ALLOC:
		c->handle = op->handle;
		c->cache = op->cache;
		c->gfp = op->gfp;
		c->node = op->node;
		break;
	case KMM_OP_CACHE_FREE:
	case KMM_OP_KFREE:
		c->handle = op->handle;
		break;
	case KMM_OP_CACHE_ALLOC_BULK:
		c->handle = op->handle;
		c->cache = op->cache;
		c->arg = op->arg;
		c->gfp = op->gfp;
		break;
	case KMM_OP_CACHE_FREE_BULK:
		c->handle = op->handle;
		c->cache = op->cache;
		c->arg = op->arg;
		break;
	case KMM_OP_KMALLOC:
		c->handle = op->handle;
		c->mode = op->mode;
		c->arg = op->arg;
		if (op->mode == 2)
			c->arg2 = op->arg2;
		c->gfp = op->gfp;
		c->node = op->node;
		break;
	case KMM_OP_KREALLOC:
		c->handle = op->handle;
		c->arg = op->arg;
		c->gfp = op->gfp;
		break;
	default: /* check, rcu_barrier, cache_reap: nothing */
		break;
	}
}

/* ---- validation ---------------------------------------------------------------- */

/* What misuse mode turns on in a slab program (program.h). */
#define MISUSE_DEBUG (KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_RED_ZONE | KMM_SLAB_POISON)

static int validate_header(const struct kmm_program_header *h, char *why, size_t len)
{
	uint32_t cap;
	bool any_distance = false;

	if (h->nr_nodes < 1 || h->nr_nodes > KMM_MAX_NODES)
		return say(why, len, "nr_nodes %u out of range 1..%u", h->nr_nodes, KMM_MAX_NODES);
	if (h->nr_cpus < 1 || h->nr_cpus > KMM_MAX_CPUS)
		return say(why, len, "nr_cpus %u out of range 1..%u", h->nr_cpus, KMM_MAX_CPUS);
	if (h->pageblock_order != 0 && (h->pageblock_order < KMM_PROGRAM_MIN_PAGEBLOCK_ORDER ||
					h->pageblock_order > KMM_MAX_ORDER))
		return say(why, len, "pageblock_order %u is neither 0 nor in %u..%u",
			   h->pageblock_order, KMM_PROGRAM_MIN_PAGEBLOCK_ORDER, KMM_MAX_ORDER);
	if (h->debug_level > 2)
		return say(why, len, "debug_level %u out of range 0..2", h->debug_level);
	if (h->flags & ~(uint32_t)KMM_PROG_MISUSE)
		return say(why, len, "unknown header flags 0x%x", (unsigned)h->flags);
	if (h->min_free_kbytes > KMM_PROGRAM_MAX_MIN_FREE_KBYTES)
		return say(why, len, "min_free_kbytes %u out of range 0..%u",
			   (unsigned)h->min_free_kbytes, KMM_PROGRAM_MAX_MIN_FREE_KBYTES);
	if (h->pcp_high > KMM_PROGRAM_MAX_PCP)
		return say(why, len, "pcp_high %u out of range 0..%u", (unsigned)h->pcp_high,
			   KMM_PROGRAM_MAX_PCP);
	if (h->pcp_batch > KMM_PROGRAM_MAX_PCP)
		return say(why, len, "pcp_batch %u out of range 0..%u", (unsigned)h->pcp_batch,
			   KMM_PROGRAM_MAX_PCP);
	/* One size from the formula and one given is a system no codec prints. */
	if (!h->pcp_high != !h->pcp_batch)
		return say(why, len, "%s %u without %s (give both pcp sizes, or neither)",
			   h->pcp_high ? "pcp_high" : "pcp_batch",
			   (unsigned)(h->pcp_high ? h->pcp_high : h->pcp_batch),
			   h->pcp_high ? "pcp_batch" : "pcp_high");
	if (h->slab_backend > KMM_PROGRAM_SLAB_ALL)
		return say(why, len, "slab_backend %u out of range 0..%u", h->slab_backend,
			   KMM_PROGRAM_SLAB_ALL);
	if (h->slab_backend == KMM_PROGRAM_SLAB_NONE && (h->slab_debug || h->slab_features))
		return say(why, len, "slab_debug / slab_features without a slab backend");
	if (h->slab_debug & ~KMM_SLAB_DEBUG_FLAGS)
		return say(why, len, "slab_debug 0x%x has bits outside F Z P U", h->slab_debug);
	if (h->slab_features & ~KMM_PROGRAM_SLAB_FEATURES)
		return say(why, len, "slab_features 0x%x has unknown bits", h->slab_features);
	if (h->slab_backend && (h->flags & KMM_PROG_MISUSE) &&
	    (h->slab_debug & MISUSE_DEBUG) != MISUSE_DEBUG)
		return say(why, len, "a slab program in misuse mode needs slab_debug F, Z and P");

	cap = kmm_program_node_cap(h->nr_nodes);
	for (unsigned n = 0; n < KMM_MAX_NODES; n++) {
		uint64_t spanned = 0, managed = 0;

		for (unsigned z = 0; z < KMM_NR_ZONES; z++) {
			const struct kmm_zone_config *zc = &h->zones[n][z];
			const char *zn = kmm_zone_name((enum kmm_zone_type)z);

			if (zc->spanned_pages == 0 || n >= h->nr_nodes) {
				if (zc->spanned_pages || zc->hole_start || zc->hole_pages ||
				    zc->reserved_pages)
					return say(why, len, "zones[%u][%s] is absent but not all zero",
						   n, zn);
				continue;
			}
			if (zc->hole_pages >= zc->spanned_pages)
				return say(why, len, "zones[%u][%s] hole of %u pages leaves no page of %u",
					   n, zn, (unsigned)zc->hole_pages,
					   (unsigned)zc->spanned_pages);
			if (zc->hole_pages == 0 && zc->hole_start)
				return say(why, len, "zones[%u][%s] has hole_start without a hole", n, zn);
			if (zc->hole_start > zc->spanned_pages - zc->hole_pages)
				return say(why, len, "zones[%u][%s] hole %u+%u ends past %u pages", n, zn,
					   (unsigned)zc->hole_start, (unsigned)zc->hole_pages,
					   (unsigned)zc->spanned_pages);
			if (zc->reserved_pages > zc->spanned_pages - zc->hole_pages)
				return say(why, len, "zones[%u][%s] reserves %u of %u present pages", n,
					   zn, (unsigned)zc->reserved_pages,
					   (unsigned)(zc->spanned_pages - zc->hole_pages));
			spanned += zc->spanned_pages;
			managed += zc->spanned_pages - zc->hole_pages - zc->reserved_pages;
		}
		if (n >= h->nr_nodes)
			continue;
		if (spanned > cap)
			return say(why, len, "node %u spans %llu pages, more than %u", n,
				   (unsigned long long)spanned, (unsigned)cap);
		if (managed == 0)
			return say(why, len, "node %u has no managed pages", n);
	}

	for (unsigned a = 0; a < KMM_MAX_NODES; a++)
		for (unsigned b = 0; b < KMM_MAX_NODES; b++)
			any_distance |= h->distance[a][b] != 0;
	if (any_distance) {
		if (h->nr_nodes < 2)
			return say(why, len, "a distance table on a one-node program");
		for (unsigned a = 0; a < KMM_MAX_NODES; a++) {
			for (unsigned b = 0; b < KMM_MAX_NODES; b++) {
				unsigned d = h->distance[a][b];

				if (a >= h->nr_nodes || b >= h->nr_nodes) {
					if (d)
						return say(why, len, "distance[%u][%u] set beyond nr_nodes", a, b);
				} else if (a == b ? d != 10 : (d < 11 || d > 254)) {
					return say(why, len, "distance[%u][%u] = %u out of range", a, b, d);
				} else if (d != h->distance[b][a]) {
					return say(why, len, "distance[%u][%u] = %u but distance[%u][%u] = %u",
						   a, b, d, b, a, h->distance[b][a]);
				}
			}
		}
	}
	for (unsigned c = 0; c < KMM_MAX_CPUS; c++) {
		if (c >= h->nr_cpus ? h->cpu_node[c] != 0 : h->cpu_node[c] >= h->nr_nodes)
			return say(why, len, "cpu_node[%u] = %u out of range", c, h->cpu_node[c]);
	}
	return 0;
}

/*
 * Per-handle and per-cache facts while walking the ops. Handle entries are
 * written when their alloc is seen and read only for handles below
 * next_handle, so the arrays need no clearing (64 KiB of stack).
 */
enum handle_type { HT_PAGE = 1, HT_COBJ, HT_KMALLOC };

struct handle_fact {
	uint32_t size;  /* cache object: its cache's size; kmalloc: the request */
	uint8_t type;   /* enum handle_type */
	uint8_t order;  /* page: its order */
	uint8_t cache;  /* cache object: its cache id */
	bool live;
};

struct cache_fact {
	uint32_t size;      /* create size */
	uint32_t live_objs; /* live cache objects */
	bool live;
};

struct handle_state {
	struct handle_fact h[KMM_PROGRAM_MAX_HANDLES + 1];
	struct cache_fact c[KMM_PROGRAM_MAX_CACHES + 1];
	uint32_t next_handle; /* 1 + handles taken */
	unsigned next_cache;  /* 1 + caches created */
};

#define OPFAIL(...) say(why, len, __VA_ARGS__)

static bool is_live(const struct handle_state *hs, uint32_t h, unsigned type)
{
	return h >= 1 && h < hs->next_handle && hs->h[h].live && (!type || hs->h[h].type == type);
}

static bool cache_live(const struct handle_state *hs, unsigned c)
{
	return c >= 1 && c < hs->next_cache && hs->c[c].live;
}

/* A slab object (program.h): a cache object or a kmalloc of 1..8192 bytes. */
static bool is_slab_object(const struct handle_state *hs, uint32_t h)
{
	if (!is_live(hs, h, 0))
		return false;
	if (hs->h[h].type == HT_COBJ)
		return true;
	return hs->h[h].type == HT_KMALLOC && hs->h[h].size >= 1 &&
	       hs->h[h].size <= KMM_KMALLOC_MAX_CACHE_SIZE;
}

/* Take the next handle for a new page / object. */
static int take_handle(struct handle_state *hs, const struct kmm_op *op, uint32_t i, unsigned type,
		       uint32_t size, char *why, size_t len)
{
	const char *name = kmm_op_name(op->code);
	struct handle_fact *f;

	if (op->handle != hs->next_handle)
		return OPFAIL("op %u (%s): handle %u, expected %u", i, name, op->handle,
			      hs->next_handle);
	if (op->handle > KMM_PROGRAM_MAX_HANDLES)
		return OPFAIL("op %u (%s): more than %u handles", i, name, KMM_PROGRAM_MAX_HANDLES);
	f = &hs->h[op->handle];
	f->type = (uint8_t)type;
	f->size = size;
	f->order = type == HT_PAGE ? op->order : 0;
	f->cache = type == HT_COBJ ? op->cache : 0;
	f->live = true;
	if (type == HT_COBJ)
		hs->c[op->cache].live_objs++;
	hs->next_handle++;
	return 0;
}

static void kill(struct handle_state *hs, uint32_t h)
{
	if (hs->h[h].type == HT_COBJ)
		hs->c[hs->h[h].cache].live_objs--;
	hs->h[h].live = false;
}

static int validate_node(const struct kmm_program *p, const struct kmm_op *op, uint32_t i,
			 char *why, size_t len)
{
	if (op->node < -1 || op->node >= (int)p->hdr.nr_nodes)
		return OPFAIL("op %u (%s): node %d", i, kmm_op_name(op->code), op->node);
	return 0;
}

/* Ops 9..21: the object allocators. */
static int validate_slab_op(const struct kmm_program *p, uint32_t i, struct handle_state *hs,
			    char *why, size_t len)
{
	const struct kmm_op *op = &p->ops[i];
	const char *name = kmm_op_name(op->code);
	uint32_t h = op->handle;

	if (p->hdr.slab_backend == KMM_PROGRAM_SLAB_NONE)
		return OPFAIL("op %u (%s): a slab op in a program without a slab backend", i, name);
	switch (op->code) {
	case KMM_OP_CACHE_CREATE:
		if (op->cache != hs->next_cache)
			return OPFAIL("op %u (%s): cache %u, expected %u", i, name, op->cache,
				      hs->next_cache);
		if (op->cache > KMM_PROGRAM_MAX_CACHES)
			return OPFAIL("op %u (%s): more than %u caches", i, name, KMM_PROGRAM_MAX_CACHES);
		if (op->arg < 1 || op->arg > KMM_PROGRAM_CACHE_SIZE_MAX)
			return OPFAIL("op %u (%s): size %u", i, name, (unsigned)op->arg);
		if (op->arg2 > KMM_PROGRAM_CACHE_ALIGN_MAX || (op->arg2 & (op->arg2 - 1)))
			return OPFAIL("op %u (%s): align %u", i, name, (unsigned)op->arg2);
		if (op->cflags & ~(KMM_SLAB_CREATE_MASK & 0xffffu))
			return OPFAIL("op %u (%s): unknown cache flags 0x%x", i, name, op->cflags);
		if ((op->cflags & KMM_SLAB_CACHE_DMA) && (op->cflags & KMM_SLAB_CACHE_DMA32))
			return OPFAIL("op %u (%s): both SLAB_CACHE_DMA and SLAB_CACHE_DMA32", i, name);
		if (op->mode > 1)
			return OPFAIL("op %u (%s): ctor mode %u", i, name, op->mode);
		hs->c[op->cache].live = true;
		hs->c[op->cache].live_objs = 0;
		hs->c[op->cache].size = op->arg;
		hs->next_cache++;
		return 0;
	case KMM_OP_CACHE_DESTROY:
		if (!cache_live(hs, op->cache))
			return OPFAIL("op %u (%s): cache %u is not live", i, name, op->cache);
		if (hs->c[op->cache].live_objs)
			return OPFAIL("op %u (%s): cache %u still has %u objects", i, name, op->cache,
				      (unsigned)hs->c[op->cache].live_objs);
		hs->c[op->cache].live = false;
		return 0;
	case KMM_OP_CACHE_ALLOC:
	case KMM_OP_CACHE_ALLOC_BULK:
		if (!cache_live(hs, op->cache))
			return OPFAIL("op %u (%s): cache %u is not live", i, name, op->cache);
		if (!kmm_program_slab_gfp_valid(op->gfp, false))
			return OPFAIL("op %u (%s): gfp 0x%x is not a cache allocation's", i, name,
				      (unsigned)op->gfp);
		if (op->code == KMM_OP_CACHE_ALLOC) {
			if (validate_node(p, op, i, why, len))
				return -1;
			return take_handle(hs, op, i, HT_COBJ, hs->c[op->cache].size, why, len);
		}
		if (op->arg < 1 || op->arg > KMM_PROGRAM_BULK_MAX)
			return OPFAIL("op %u (%s): count %u", i, name, (unsigned)op->arg);
		for (uint32_t n = 0; n < op->arg; n++) {
			struct kmm_op one = *op;

			one.handle = op->handle + n;
			if (take_handle(hs, &one, i, HT_COBJ, hs->c[op->cache].size, why, len))
				return -1;
		}
		return 0;
	case KMM_OP_CACHE_FREE:
		if (!is_live(hs, h, HT_COBJ))
			return OPFAIL("op %u (%s): handle %u is not live as a cache object", i, name, h);
		kill(hs, h);
		return 0;
	case KMM_OP_CACHE_FREE_BULK:
		if (!cache_live(hs, op->cache))
			return OPFAIL("op %u (%s): cache %u is not live", i, name, op->cache);
		if (!is_live(hs, h, HT_COBJ) || hs->h[h].cache != op->cache)
			return OPFAIL("op %u (%s): handle %u is not live as an object of cache %u", i, name,
				      h, op->cache);
		if (op->arg < 1 || op->arg > KMM_PROGRAM_BULK_MAX || h + op->arg > hs->next_handle)
			return OPFAIL("op %u (%s): range of %u handles from %u", i, name,
				      (unsigned)op->arg, h);
		for (uint32_t x = h; x < h + op->arg; x++)
			if (is_live(hs, x, HT_COBJ) && hs->h[x].cache == op->cache)
				kill(hs, x);
		return 0;
	case KMM_OP_CACHE_SHRINK:
		if (!cache_live(hs, op->cache))
			return OPFAIL("op %u (%s): cache %u is not live", i, name, op->cache);
		return 0;
	case KMM_OP_CACHE_VALIDATE:
		if (op->cache && !cache_live(hs, op->cache))
			return OPFAIL("op %u (%s): cache %u is not live", i, name, op->cache);
		return 0;
	case KMM_OP_KMALLOC: {
		uint64_t bytes = op->arg;

		if (op->mode > 2)
			return OPFAIL("op %u (%s): mode %u", i, name, op->mode);
		if (op->mode == 2)
			bytes *= op->arg2;
		if (op->arg > KMM_PROGRAM_KMALLOC_MAX || bytes > KMM_PROGRAM_KMALLOC_MAX)
			return OPFAIL("op %u (%s): %llu bytes, more than %u", i, name,
				      (unsigned long long)bytes, KMM_PROGRAM_KMALLOC_MAX);
		if (!kmm_program_slab_gfp_valid(op->gfp, true))
			return OPFAIL("op %u (%s): gfp 0x%x is not a kmalloc's", i, name,
				      (unsigned)op->gfp);
		if (validate_node(p, op, i, why, len))
			return -1;
		return take_handle(hs, op, i, HT_KMALLOC, (uint32_t)bytes, why, len);
	}
	case KMM_OP_KREALLOC:
		if (!is_live(hs, h, HT_KMALLOC))
			return OPFAIL("op %u (%s): handle %u is not live as a kmalloc", i, name, h);
		if (op->arg > KMM_PROGRAM_KMALLOC_MAX)
			return OPFAIL("op %u (%s): size %u, more than %u", i, name, (unsigned)op->arg,
				      KMM_PROGRAM_KMALLOC_MAX);
		if (!kmm_program_slab_gfp_valid(op->gfp, true))
			return OPFAIL("op %u (%s): gfp 0x%x is not a kmalloc's", i, name,
				      (unsigned)op->gfp);
		hs->h[h].size = op->arg;
		return 0;
	case KMM_OP_KFREE:
		if (!is_live(hs, h, HT_KMALLOC))
			return OPFAIL("op %u (%s): handle %u is not live as a kmalloc", i, name, h);
		kill(hs, h);
		return 0;
	default: /* rcu_barrier, cache_reap */
		return 0;
	}
}

/* Misuse kinds 5..11 (program.h). */
static int validate_slab_misuse(const struct kmm_program *p, uint32_t i, struct handle_state *hs,
				char *why, size_t len)
{
	const struct kmm_op *op = &p->ops[i];
	const char *kind = kmm_misuse_name(op->mode);
	uint32_t h = op->handle;

	if (p->hdr.slab_backend == KMM_PROGRAM_SLAB_NONE)
		return OPFAIL("op %u (misuse %s): needs a slab backend", i, kind);
	if (op->mode == KMM_MISUSE_DESTROY_BUSY) {
		if (!cache_live(hs, op->cache) || !hs->c[op->cache].live_objs)
			return OPFAIL("op %u (misuse %s): cache %u is not live with objects", i, kind,
				      op->cache);
		return 0;
	}
	switch (op->mode) {
	case KMM_MISUSE_OBJ_DOUBLE_FREE:
	case KMM_MISUSE_WRITE_PAST_END:
	case KMM_MISUSE_WRITE_AFTER_FREE:
		if (!is_slab_object(hs, h))
			return OPFAIL("op %u (misuse %s): handle %u is not live as a slab object", i, kind, h);
		break;
	case KMM_MISUSE_WRONG_CACHE:
		if (!is_live(hs, h, HT_COBJ))
			return OPFAIL("op %u (misuse %s): handle %u is not live as a cache object", i, kind, h);
		if (!cache_live(hs, op->cache) || op->cache == hs->h[h].cache)
			return OPFAIL("op %u (misuse %s): cache %u is not another live cache", i, kind,
				      op->cache);
		break;
	case KMM_MISUSE_KFREE_INTERIOR:
		if (!is_live(hs, h, HT_KMALLOC) || hs->h[h].size < 2 ||
		    hs->h[h].size > KMM_KMALLOC_MAX_CACHE_SIZE)
			return OPFAIL("op %u (misuse %s): handle %u is not live as a kmalloc of 2..%u bytes",
				      i, kind, h, KMM_KMALLOC_MAX_CACHE_SIZE);
		break;
	case KMM_MISUSE_KFREE_NON_SLAB:
		if (!is_live(hs, h, HT_PAGE))
			return OPFAIL("op %u (misuse %s): handle %u is not live as a page", i, kind, h);
		break;
	default:
		return OPFAIL("op %u (misuse): unknown misuse %u", i, op->mode);
	}
	switch (op->mode) {
	case KMM_MISUSE_KFREE_INTERIOR:
		if (op->arg < 1 || op->arg >= hs->h[h].size)
			return OPFAIL("op %u (misuse %s): offset %u of a %u-byte object", i, kind,
				      (unsigned)op->arg, (unsigned)hs->h[h].size);
		break;
	case KMM_MISUSE_WRITE_PAST_END:
		if (op->arg >= kmm_program_past_end_room(hs->h[h].size))
			return OPFAIL("op %u (misuse %s): offset %u past a %u-byte object (below %u)", i,
				      kind, (unsigned)op->arg, (unsigned)hs->h[h].size,
				      (unsigned)kmm_program_past_end_room(hs->h[h].size));
		break;
	case KMM_MISUSE_WRITE_AFTER_FREE:
		if (op->arg >= hs->h[h].size)
			return OPFAIL("op %u (misuse %s): offset %u of a %u-byte object", i, kind,
				      (unsigned)op->arg, (unsigned)hs->h[h].size);
		kill(hs, h);
		break;
	case KMM_MISUSE_OBJ_DOUBLE_FREE:
	case KMM_MISUSE_WRONG_CACHE:
		kill(hs, h);
		break;
	default:
		break;
	}
	return 0;
}

static int validate_op(const struct kmm_program *p, uint32_t i, struct handle_state *hs,
		       char *why, size_t len)
{
	const struct kmm_op *op = &p->ops[i];
	const char *name = kmm_op_name(op->code);
	struct kmm_op c;
	long long va, vb;
	const char *f;
	uint32_t h = op->handle;
	bool needs_handle = false;

	if (op->code >= KMM_OP_COUNT)
		return say(why, len, "op %u: unknown code %u", i, op->code);
	op_canonical(op, &c);
	f = op_diff(op, &c, &va, &vb);
	if (f)
		return say(why, len, "op %u (%s): unused field %s is %lld, not 0", i, name, f, va);
	if (op->code >= KMM_OP_CACHE_CREATE)
		return validate_slab_op(p, i, hs, why, len);
	if (p->hdr.slab_backend == KMM_PROGRAM_SLAB_ALL &&
	    (op->code == KMM_OP_ALLOC_PAGES || op->code == KMM_OP_FREE_PAGES ||
	     op->code == KMM_OP_DRAIN || op->code == KMM_OP_SET_POLICY ||
	     (op->code == KMM_OP_MISUSE && op->mode < KMM_MISUSE_OBJ_DOUBLE_FREE)))
		return say(why, len, "op %u (%s): a page op in a kmalloc_diff program", i, name);

	switch (op->code) {
	case KMM_OP_ALLOC_PAGES:
		if (h != hs->next_handle)
			return say(why, len, "op %u (%s): handle %u, expected %u", i, name, h,
				   hs->next_handle);
		if (op->order > KMM_MAX_ORDER)
			return say(why, len, "op %u (%s): order %u", i, name, op->order);
		if (validate_node(p, op, i, why, len))
			return -1;
		if (!kmm_program_gfp_valid(op->gfp))
			return say(why, len, "op %u (%s): invalid gfp 0x%x", i, name,
				   (unsigned)op->gfp);
		return take_handle(hs, op, i, HT_PAGE, 0, why, len);
	case KMM_OP_FREE_PAGES:
	case KMM_OP_WRITE:
	case KMM_OP_VERIFY:
		needs_handle = true;
		break;
	case KMM_OP_SET_CPU:
		if (op->cpu >= p->hdr.nr_cpus)
			return say(why, len, "op %u (%s): cpu %u", i, name, op->cpu);
		return 0;
	case KMM_OP_DRAIN:
		if (op->cpu >= p->hdr.nr_cpus && op->cpu != KMM_DRAIN_ALL)
			return say(why, len, "op %u (%s): cpu %u", i, name, op->cpu);
		return 0;
	case KMM_OP_SET_POLICY: {
		kmm_nodemask_t all = (kmm_nodemask_t)((1u << p->hdr.nr_nodes) - 1);

		if (op->mode >= KMM_MPOL_MAX)
			return say(why, len, "op %u (%s): mode %u", i, name, op->mode);
		if (op->mode == KMM_MPOL_DEFAULT || op->mode == KMM_MPOL_LOCAL) {
			if (op->nodes)
				return say(why, len, "op %u (%s): nodes with mode %s", i, name,
					   kmm_program_mpol_name(op->mode));
			return 0;
		}
		if (!op->nodes || (op->nodes & ~all))
			return say(why, len, "op %u (%s): nodes 0x%x", i, name, (unsigned)op->nodes);
		if (op->mode == KMM_MPOL_PREFERRED && (op->nodes & (op->nodes - 1)))
			return say(why, len, "op %u (%s): preferred with several nodes", i, name);
		for (unsigned n = 0; n < KMM_MAX_NODES; n++) {
			bool in = op->mode == KMM_MPOL_WEIGHTED_INTERLEAVE && (op->nodes >> n & 1);

			if (in != (op->weights[n] != 0))
				return say(why, len, "op %u (%s): weight %u of node %u", i, name,
					   op->weights[n], n);
		}
		return 0;
	}
	case KMM_OP_CHECK:
		return 0;
	case KMM_OP_MISUSE:
		if (!(p->hdr.flags & KMM_PROG_MISUSE))
			return say(why, len, "op %u (%s): misuse outside misuse mode", i, name);
		if (op->mode >= KMM_MISUSE_OBJ_DOUBLE_FREE)
			return validate_slab_misuse(p, i, hs, why, len);
		switch (op->mode) {
		case KMM_MISUSE_FOREIGN_PFN:
			return 0;
		case KMM_MISUSE_DOUBLE_FREE:
			needs_handle = true;
			break;
		case KMM_MISUSE_WRONG_ORDER:
			if (is_live(hs, h, HT_PAGE) &&
			    (op->order > KMM_MAX_ORDER || op->order == hs->h[h].order))
				return say(why, len, "op %u (%s): wrong_order %u vs handle order %u", i,
					   name, op->order, hs->h[h].order);
			needs_handle = true;
			break;
		case KMM_MISUSE_TAIL_PAGE:
			if (is_live(hs, h, HT_PAGE) &&
			    (hs->h[h].order == 0 || op->arg < 1 || op->arg >= (1u << hs->h[h].order)))
				return say(why, len, "op %u (%s): tail_page %u of an order-%u handle", i,
					   name, (unsigned)op->arg, hs->h[h].order);
			needs_handle = true;
			break;
		case KMM_MISUSE_MISALIGNED:
			if (op->arg < 1 || op->arg >= KMM_PAGE_SIZE)
				return say(why, len, "op %u (%s): misaligned offset %u", i, name,
					   (unsigned)op->arg);
			needs_handle = true;
			break;
		default:
			return say(why, len, "op %u (%s): unknown misuse %u", i, name, op->mode);
		}
		break;
	default:
		break;
	}
	if (needs_handle) {
		/* write / verify take any live handle; the rest are page ops */
		bool any = op->code == KMM_OP_WRITE || op->code == KMM_OP_VERIFY;

		if (!is_live(hs, h, any ? 0 : HT_PAGE))
			return say(why, len, "op %u (%s): handle %u is not live%s", i, name, h,
				   any ? "" : " as a page");
		if (op->code == KMM_OP_FREE_PAGES ||
		    (op->code == KMM_OP_MISUSE && op->mode == KMM_MISUSE_DOUBLE_FREE))
			kill(hs, h);
	}
	return 0;
}

int kmm_program_validate(const struct kmm_program *p, char *why, size_t len)
{
	struct handle_state hs; /* ~64 KiB of stack, never cleared (see above) */
	int rc = 0;

	if (validate_header(&p->hdr, why, len))
		return -1;
	if (p->nr_ops > KMM_PROGRAM_MAX_OPS)
		return say(why, len, "nr_ops %u > %u", p->nr_ops, KMM_PROGRAM_MAX_OPS);
	hs.next_handle = 1;
	hs.next_cache = 1;
	for (uint32_t i = 0; i < p->nr_ops && rc == 0; i++)
		rc = validate_op(p, i, &hs, why, len);
	if (rc == 0 && p->nr_handles != hs.next_handle - 1)
		rc = say(why, len, "nr_handles %u but %u handles taken", p->nr_handles,
			 hs.next_handle - 1);
	return rc;
}

/* ---- equality -------------------------------------------------------------------- */

static bool header_equal(const struct kmm_program_header *a, const struct kmm_program_header *b,
			 char *why, size_t len)
{
#define HFIELD(f, name, ...)                                                                \
	do {                                                                                \
		if (a->f != b->f) {                                                         \
			say(why, len, "header " name ": %llu vs %llu", __VA_ARGS__,         \
			    (unsigned long long)a->f, (unsigned long long)b->f);            \
			return false;                                                       \
		}                                                                           \
	} while (0)
	HFIELD(nr_nodes, "%s", "nr_nodes");
	HFIELD(nr_cpus, "%s", "nr_cpus");
	HFIELD(pageblock_order, "%s", "pageblock_order");
	HFIELD(debug_level, "%s", "debug_level");
	HFIELD(flags, "%s", "flags");
	HFIELD(min_free_kbytes, "%s", "min_free_kbytes");
	HFIELD(pcp_high, "%s", "pcp_high");
	HFIELD(pcp_batch, "%s", "pcp_batch");
	HFIELD(slab_backend, "%s", "slab_backend");
	HFIELD(slab_debug, "%s", "slab_debug");
	HFIELD(slab_features, "%s", "slab_features");
	HFIELD(seed, "%s", "seed");
	for (unsigned n = 0; n < KMM_MAX_NODES; n++) {
		for (unsigned z = 0; z < KMM_NR_ZONES; z++) {
			const char *zn = kmm_zone_name((enum kmm_zone_type)z);

			HFIELD(zones[n][z].spanned_pages, "zones[%u][%s].spanned_pages", n, zn);
			HFIELD(zones[n][z].hole_start, "zones[%u][%s].hole_start", n, zn);
			HFIELD(zones[n][z].hole_pages, "zones[%u][%s].hole_pages", n, zn);
			HFIELD(zones[n][z].reserved_pages, "zones[%u][%s].reserved_pages", n, zn);
		}
	}
	for (unsigned x = 0; x < KMM_MAX_NODES; x++)
		for (unsigned y = 0; y < KMM_MAX_NODES; y++)
			HFIELD(distance[x][y], "distance[%u][%u]", x, y);
	for (unsigned c = 0; c < KMM_MAX_CPUS; c++)
		HFIELD(cpu_node[c], "cpu_node[%u]", c);
#undef HFIELD
	return true;
}

bool kmm_program_equal(const struct kmm_program *a, const struct kmm_program *b, char *why,
		       size_t len)
{
	if (!header_equal(&a->hdr, &b->hdr, why, len))
		return false;
	if (a->nr_ops != b->nr_ops) {
		say(why, len, "nr_ops: %u vs %u", a->nr_ops, b->nr_ops);
		return false;
	}
	for (uint32_t i = 0; i < a->nr_ops && i < KMM_PROGRAM_MAX_OPS; i++) {
		long long va, vb;
		const char *f = op_diff(&a->ops[i], &b->ops[i], &va, &vb);

		if (f) {
			say(why, len, "op %u (%s): %s %lld vs %lld", i, kmm_op_name(a->ops[i].code),
			    f, va, vb);
			return false;
		}
	}
	if (a->nr_handles != b->nr_handles) {
		say(why, len, "nr_handles: %u vs %u", a->nr_handles, b->nr_handles);
		return false;
	}
	return true;
}

/* ---- the round trip ---------------------------------------------------------------- */

/* Line number (1-based) of the first byte where two texts differ. */
static unsigned first_diff_line(const char *a, const char *b)
{
	unsigned line = 1;

	for (; *a && *a == *b; a++, b++)
		line += *a == '\n';
	return line;
}

int kmm_program_roundtrip_check(const struct kmm_program *p, char *why, size_t len)
{
	/* The copy lives on the stack: under ASan a heap block this size is an
	 * mmap + munmap per call, which would dominate the parser fuzz target. */
	struct kmm_program q;
	char *text = NULL, *text2 = NULL;
	uint8_t *bin = NULL;
	char msg[256];
	size_t n, n2, m;
	int rc = -1;

	if (kmm_program_validate(p, msg, sizeof(msg)))
		return say(why, len, "invalid program: %s", msg);

	n = kmm_program_format(p, UINT32_MAX, NULL, 0);
	text = malloc(n + 1);
	if (!text) {
		say(why, len, "out of memory");
		goto out;
	}
	kmm_program_format(p, UINT32_MAX, text, n + 1);
	if (kmm_program_parse(text, n, &q, msg, sizeof(msg))) {
		say(why, len, "formatted text does not parse: %s", msg);
		goto out;
	}
	if (!kmm_program_equal(p, &q, msg, sizeof(msg))) {
		say(why, len, "format -> parse changed the program: %s", msg);
		goto out;
	}
	n2 = kmm_program_format(&q, UINT32_MAX, NULL, 0);
	text2 = malloc(n2 + 1);
	if (!text2) {
		say(why, len, "out of memory");
		goto out;
	}
	kmm_program_format(&q, UINT32_MAX, text2, n2 + 1);
	if (n != n2 || memcmp(text, text2, n) != 0) {
		say(why, len, "format -> parse -> format differs at line %u",
		    first_diff_line(text, text2));
		goto out;
	}

	m = kmm_program_encode(p, NULL, 0);
	bin = malloc(m ? m : 1);
	if (!bin) {
		say(why, len, "out of memory");
		goto out;
	}
	if (kmm_program_encode(p, bin, m) != m) {
		say(why, len, "encode is not deterministic");
		goto out;
	}
	kmm_program_decode(bin, m, kmm_program_kind_of(p), &q);
	if (kmm_program_binary_loss(p)) { /* what the bytes drop must come back as 0 */
		if (q.hdr.pcp_high || q.hdr.pcp_batch) {
			say(why, len, "encode -> decode gave a one-node program pcp sizes");
			goto out;
		}
		q.hdr.pcp_high = p->hdr.pcp_high;
		q.hdr.pcp_batch = p->hdr.pcp_batch;
	}
	if (!kmm_program_equal(p, &q, msg, sizeof(msg))) {
		say(why, len, "encode -> decode changed the program: %s", msg);
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(text2);
	free(bin);
	return rc;
}
