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
	cfg->seed = hdr->seed;
	cfg->debug_level = hdr->debug_level;
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
	return p->hdr.nr_nodes > 1 ? KMM_PROGRAM_NUMA : KMM_PROGRAM_PAGES;
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
		    op->mode == KMM_MISUSE_MISALIGNED)
			c->arg = op->arg;
		break;
	default:
		break;
	}
}

/* ---- validation ---------------------------------------------------------------- */

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

/* Per-handle facts while walking the ops (handles are <= nr_ops). Entries
 * are written when their alloc is seen and read only for handles below
 * next_handle, so the arrays need no clearing. */
struct handle_state {
	bool live[KMM_PROGRAM_MAX_OPS + 1];
	uint8_t order[KMM_PROGRAM_MAX_OPS + 1];
};

static int validate_op(const struct kmm_program *p, uint32_t i, struct handle_state *hs,
		       uint32_t *next_handle, char *why, size_t len)
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

	switch (op->code) {
	case KMM_OP_ALLOC_PAGES:
		if (h != *next_handle)
			return say(why, len, "op %u (%s): handle %u, expected %u", i, name, h,
				   *next_handle);
		if (op->order > KMM_MAX_ORDER)
			return say(why, len, "op %u (%s): order %u", i, name, op->order);
		if (op->node < -1 || op->node >= (int)p->hdr.nr_nodes)
			return say(why, len, "op %u (%s): node %d", i, name, op->node);
		if (!kmm_program_gfp_valid(op->gfp))
			return say(why, len, "op %u (%s): invalid gfp 0x%x", i, name,
				   (unsigned)op->gfp);
		hs->live[h] = true;
		hs->order[h] = op->order;
		(*next_handle)++;
		return 0;
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
		switch (op->mode) {
		case KMM_MISUSE_FOREIGN_PFN:
			return 0;
		case KMM_MISUSE_DOUBLE_FREE:
			needs_handle = true;
			break;
		case KMM_MISUSE_WRONG_ORDER:
			if (h <= *next_handle - 1 && hs->live[h] &&
			    (op->order > KMM_MAX_ORDER || op->order == hs->order[h]))
				return say(why, len, "op %u (%s): wrong_order %u vs handle order %u", i,
					   name, op->order, hs->order[h]);
			needs_handle = true;
			break;
		case KMM_MISUSE_TAIL_PAGE:
			if (h <= *next_handle - 1 && hs->live[h] &&
			    (hs->order[h] == 0 || op->arg < 1 || op->arg >= (1u << hs->order[h])))
				return say(why, len, "op %u (%s): tail_page %u of an order-%u handle", i,
					   name, (unsigned)op->arg, hs->order[h]);
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
		if (h == 0 || h >= *next_handle || !hs->live[h])
			return say(why, len, "op %u (%s): handle %u is not live", i, name, h);
		if (op->code == KMM_OP_FREE_PAGES ||
		    (op->code == KMM_OP_MISUSE && op->mode == KMM_MISUSE_DOUBLE_FREE))
			hs->live[h] = false;
	}
	return 0;
}

int kmm_program_validate(const struct kmm_program *p, char *why, size_t len)
{
	struct handle_state hs; /* 8 KiB of stack, never cleared (see above) */
	uint32_t next_handle = 1;
	int rc = 0;

	if (validate_header(&p->hdr, why, len))
		return -1;
	if (p->nr_ops > KMM_PROGRAM_MAX_OPS)
		return say(why, len, "nr_ops %u > %u", p->nr_ops, KMM_PROGRAM_MAX_OPS);
	for (uint32_t i = 0; i < p->nr_ops && rc == 0; i++)
		rc = validate_op(p, i, &hs, &next_handle, why, len);
	if (rc == 0 && p->nr_handles != next_handle - 1)
		rc = say(why, len, "nr_handles %u but %u allocs", p->nr_handles, next_handle - 1);
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
