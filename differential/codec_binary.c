// SPDX-License-Identifier: MIT
/*
 * The binary face of the op program: what fuzzers mutate.
 *
 * Two promises shape everything here.
 *
 * 1. Every byte string is a program. The decoder never rejects: each byte
 *    is folded into the range of the field it feeds (a modulo, or a small
 *    biased table), a missing byte reads as 0, and an operand that cannot be
 *    honoured turns the op into an alloc instead of wasting the byte (a free
 *    with no live handle allocates). A fuzzer's mutation therefore always
 *    lands on a meaningful program, and the decoder is a straight pass over
 *    the input with no backtracking: a 256-byte input decodes in well under
 *    a microsecond per op, and it never touches the part of struct
 *    kmm_program past the ops it writes.
 *
 * 2. Encoding inverts decoding. Each fold is surjective onto its range and
 *    the encoder writes a preimage of the exact value, so decode(encode(p))
 *    is p field for field, for every valid program (program.h). The one
 *    thing the bytes do not carry is the program kind: the decoder's `kind`
 *    argument picks how the node-count byte folds (PAGES: always one node;
 *    NUMA: 2..8), so a program comes back under kmm_program_kind_of(p).
 *
 * Layout (all multi-byte values little endian):
 *
 *   header
 *     [0]     flags: bit0 misuse mode; bit1 debug level 1, bit1+bit2 level
 *             2; bit3+bit6 an explicit min_free_kbytes follows; bit4 an
 *             explicit distance table; bit5 an explicit CPU -> node map;
 *             bit7+bit3 explicit pcp sizes follow, NUMA only (bit3
 *             alone, or with bit6 only, is min_free_kbytes' business)
 *     [1..8]  seed
 *     [9]     nodes: ignored by PAGES (1 node); NUMA: 2 + b % 7
 *     [10]    cpus: b < 128: 1 + b % 4 (PAGES) or 1 + b % 8 (NUMA);
 *             b >= 128: 1 + b % 16 (either kind)
 *     [11]    pageblock order: v = b % 9; 0 = default, else v + 2 (3..10)
 *     u16     min_free_kbytes % 16385            (only with bits 3 and 6)
 *     pcp     (NUMA only; bits 7 and 3) [b]: b 1: pcp_high =
 *             pcp_batch = 1, the buddy path's sizes (libkmm's buddy
 *             path's mode at debug level 0); b other than 0 and 1: the
 *             formulas after all; b 0: u16 v1, u16 v2: pcp_high = 1 +
 *             ((v1 & 0xfff) >> s), s = 0 when t = v1 >> 12 is 0, else
 *             9 + t % 3; pcp_batch the same of v2 (mostly 1..8 from
 *             random words; batch above high allowed). Without both bits,
 *             and always in PAGES, both are 0: the kernel formulas. Why
 *             PAGES carries no record: a program with small pcp lists
 *             runs several times longer under the fuzz build (every
 *             request through refills, trims or the buddy lists), and
 *             however rare the record was made from random bytes,
 *             libFuzzer's compare-guided mutations spelled it, and
 *             fuzz_pages fell to 0.8-0.9x its executions a second. The
 *             sizes' paths are fuzzed by fuzz_numa (seed pcp_buddy_path,
 *             dictionary records) and pinned by the regression traces.
 *     per node:
 *       [mask]  bit z set: zone z (DMA, DMA32, Normal, HighMem, Movable)
 *               is described next, in zone order
 *       per described zone:
 *         [zf]  bit0: a hole follows; bit1: a reservation follows
 *         u16   spanned: v < 0xc000 (3/4 of the words) folds into the
 *               small sizes, v % (min(room, 1024) + 1); v >= 0xc000 into
 *               any, (v - 0xc000) % (room + 1); room is what is left under
 *               the node cap; 0 = absent (and nothing more is read for this
 *               zone). Small systems are quick to build and to check, so
 *               most fuzzed inputs get one; every size stays reachable.
 *               The encoder writes sizes up to 1024 as themselves, larger
 *               ones as 0xc000 + size.
 *         u16   hole_pages = v % spanned, u16 hole_start = v % (spanned -
 *               hole_pages + 1)                  (zf bit0; start 0 if no hole)
 *         u16   reserved = v % (present + 1)     (zf bit1)
 *       A node left with no managed page gets the default (Normal, 1024
 *       pages or the cap).
 *     distance: per pair a < b: 11 + b % 244     (bit4, nodes > 1)
 *     cpu map:  per CPU: b % nodes               (bit5, nodes > 1)
 *
 *   ops, until the input ends or KMM_PROGRAM_MAX_OPS ops
 *     [op]  op_table[b % 32]: alloc 11/32, free 9/32, write, verify,
 *           set_cpu, set_policy, drain 2/32 each, check 1/32, misuse 1/32
 *           (an alloc outside misuse mode)
 *     alloc_pages: [order] [node] [G] [u32 raw gfp if G%16 == 15] [M if G bit6]
 *       order: b < 160: b % 4; b < 224: 4 + (b - 160) % 4; else 8 + (b - 224) % 3
 *       node:  b < 192: -1 (policy / local); else (b - 192) % nodes
 *       gfp:   gfp_base[G % 16] (15: the raw 32-bit mask), | __GFP_MOVABLE
 *              if G bit4, | __GFP_RECLAIMABLE if G bit5, | the modifiers of
 *              M's bits (gfp_mods[]); then made valid (known bits only, one
 *              zone modifier, not both mobility bits)
 *     handle operand: an index into the live handles in handle order, one
 *       byte while at most 256 are live, else u16; taken modulo their count
 *     free_pages / write / verify: handle
 *     set_cpu: [b % cpus]
 *     drain:   [v = b % (cpus + 1)]; v == cpus means every CPU
 *     set_policy: [mode b % 7], then preferred: [node b % nodes]; bind,
 *       interleave, preferred_many, weighted_interleave: [mask b % (2^nodes
 *       - 1) + 1]; weighted_interleave: per node of the mask [w]: w < 192:
 *       1 + w % 8, else 1 + [next] % 255
 *     check: nothing
 *     misuse: [kind b % 5], then double_free: handle; foreign_pfn: u32 arg;
 *       wrong_order: handle, [b]: order = (handle's + 1 + b % 10) % 11;
 *       tail_page: index among live handles of order >= 1, u16: arg = 1 +
 *       v % (2^order - 1); misaligned: handle, u16: arg = 1 + v % 4095.
 *       With no suitable handle the op decodes as an alloc.
 *
 * That layout is the PAGES and NUMA kinds'. The slab kinds (SLUB, SLAB,
 * SLOB, KMALLOC_DIFF) have a layout of their own with the same two promises,
 * in codec_slab.c; kmm_program_decode and kmm_program_encode hand them over.
 */
#include <string.h>

#include "codec_binary.h"

/* ---- the tables (append-only in spirit: changing them changes corpora) ---- */

#define OP_TABLE_SIZE 32
static const uint8_t op_table[OP_TABLE_SIZE] = {
	KMM_OP_ALLOC_PAGES, KMM_OP_ALLOC_PAGES, KMM_OP_ALLOC_PAGES, KMM_OP_ALLOC_PAGES,
	KMM_OP_ALLOC_PAGES, KMM_OP_ALLOC_PAGES, KMM_OP_ALLOC_PAGES, KMM_OP_ALLOC_PAGES,
	KMM_OP_ALLOC_PAGES, KMM_OP_ALLOC_PAGES, KMM_OP_ALLOC_PAGES, /* 0..10 */
	KMM_OP_FREE_PAGES, KMM_OP_FREE_PAGES, KMM_OP_FREE_PAGES, KMM_OP_FREE_PAGES,
	KMM_OP_FREE_PAGES, KMM_OP_FREE_PAGES, KMM_OP_FREE_PAGES, KMM_OP_FREE_PAGES,
	KMM_OP_FREE_PAGES,                                          /* 11..19 */
	KMM_OP_WRITE, KMM_OP_WRITE, KMM_OP_VERIFY, KMM_OP_VERIFY,   /* 20..23 */
	KMM_OP_SET_CPU, KMM_OP_SET_CPU, KMM_OP_SET_POLICY, KMM_OP_SET_POLICY, /* 24..27 */
	KMM_OP_DRAIN, KMM_OP_DRAIN, KMM_OP_CHECK, KMM_OP_MISUSE,    /* 28..31 */
};
/* The byte the encoder writes for each opcode (its first table slot). */
static const uint8_t op_byte[KMM_OP_COUNT] = {
	[KMM_OP_ALLOC_PAGES] = 0, [KMM_OP_FREE_PAGES] = 11, [KMM_OP_WRITE] = 20,
	[KMM_OP_VERIFY] = 22,     [KMM_OP_SET_CPU] = 24,    [KMM_OP_SET_POLICY] = 26,
	[KMM_OP_DRAIN] = 28,      [KMM_OP_CHECK] = 30,      [KMM_OP_MISUSE] = 31,
};

#define GFP_RAW 15
static const kmm_gfp_t gfp_base[GFP_RAW] = {
	KMM_GFP_KERNEL,
	KMM_GFP_ATOMIC,
	KMM_GFP_NOWAIT,
	KMM_GFP_NOIO,
	KMM_GFP_NOFS,
	KMM_GFP_USER,
	KMM_GFP_HIGHUSER,
	KMM_GFP_HIGHUSER_MOVABLE,
	KMM_GFP_DMA,
	KMM_GFP_DMA32,
	KMM_GFP_KERNEL | KMM___GFP_RECLAIMABLE,
	KMM_GFP_KERNEL | KMM_GFP_DMA,
	KMM_GFP_KERNEL | KMM_GFP_DMA32,
	KMM_GFP_ATOMIC | KMM_GFP_DMA32,
	0, /* no reclaim, no kswapd wake-up, no reserves */
};
/* Bit i of the modifier byte M. */
static const kmm_gfp_t gfp_mods[8] = {
	KMM___GFP_ZERO,    KMM___GFP_COMP,          KMM___GFP_NOWARN, KMM___GFP_NORETRY,
	KMM___GFP_RETRY_MAYFAIL, KMM___GFP_NOFAIL,  KMM___GFP_THISNODE, KMM___GFP_HIGH,
};
#define G_MOVABLE 0x10u
#define G_RECLAIMABLE 0x20u
#define G_MODS 0x40u

/* Header flag bits. */
#define H_MISUSE 0x01u
#define H_DEBUG1 0x02u
#define H_DEBUG2 0x04u
#define H_MIN_FREE 0x48u /* both bits: "mostly the formula" */
#define H_DISTANCE 0x10u
#define H_CPU_MAP 0x20u
#define H_PCP 0x88u      /* both bits: a pcp size record follows (codec_decode_pcp) */
#define PCP_SIZES 0x00u  /* pcp record byte: two size words follow */
#define PCP_BUDDY 0x01u  /* pcp record byte: high = batch = 1; any other: the formulas */

/* Misuse kinds of page programs: the fold stays % 5 whatever is appended. */
#define PAGE_MISUSE_KINDS (KMM_MISUSE_MISALIGNED + 1)

#define ZF_HOLE 0x01u
#define ZF_RESERVED 0x02u

#define CPUS_WIDE 128u    /* cpus byte >= this: 1..16 for either kind */
#define NODE_EXPLICIT CODEC_NODE_EXPLICIT /* node byte >= this: an explicit node */
#define WEIGHT_WIDE 192u  /* weight byte >= this: a full-range weight follows */

/* Force a gfp into the valid set (kmm_program_gfp_valid). */
static kmm_gfp_t gfp_fold(kmm_gfp_t gfp)
{
	kmm_gfp_t zones = gfp & (KMM___GFP_DMA | KMM___GFP_DMA32 | KMM___GFP_HIGHMEM);

	gfp &= KMM___GFP_BITS_MASK;
	if (zones & (zones - 1)) /* keep the lowest zone modifier */
		gfp &= ~(zones & (zones - 1));
	if ((gfp & KMM_GFP_MOVABLE_MASK) == KMM_GFP_MOVABLE_MASK)
		gfp &= ~KMM___GFP_RECLAIMABLE;
	return gfp;
}

static unsigned order_fold(uint8_t b)
{
	if (b < 160)
		return b & 3u;
	if (b < 224)
		return 4u + ((b - 160u) & 3u);
	return 8u + (b - 224u) % 3u;
}

static uint8_t order_byte(unsigned order)
{
	if (order < 4)
		return (uint8_t)order;
	if (order < 8)
		return (uint8_t)(160 + order - 4);
	return (uint8_t)(224 + order - 8);
}

/* Zone sizes (see the layout above): words below ZONE_SMALL_SPLIT fold into
 * 0..min(room, ZONE_SMALL_PAGES), the others into 0..room. */
#define ZONE_SMALL_PAGES 1024u
#define ZONE_SMALL_SPLIT 0xc000u
_Static_assert(ZONE_SMALL_SPLIT + KMM_PROGRAM_PAGES_NODE_CAP <= 0xffffu &&
		       ZONE_SMALL_SPLIT + KMM_PROGRAM_NUMA_NODE_CAP <= 0xffffu,
	       "every zone size has a word at or above the split");

static uint32_t zone_small_(uint32_t room)
{
	return room < ZONE_SMALL_PAGES ? room : ZONE_SMALL_PAGES;
}

static uint32_t zone_size_fold(uint16_t v, uint32_t room)
{
	if (v < ZONE_SMALL_SPLIT)
		return v % (zone_small_(room) + 1u);
	return (v - ZONE_SMALL_SPLIT) % (room + 1u);
}

/* The word zone_size_fold() turns into size (size <= room). */
static uint16_t zone_size_word(uint32_t size, uint32_t room)
{
	return (uint16_t)(size <= zone_small_(room) ? size : ZONE_SMALL_SPLIT + size);
}

/* ---- decoding ---------------------------------------------------------------- */

/*
 * Decoder state. Invariants: live[0..nr_live) holds the live handles in
 * increasing order (a new handle is always the largest, so alloc appends);
 * nr_big counts the live ones of order >= 1.
 */
struct dec {
	struct reader r;
	struct kmm_program *p;
	enum kmm_program_kind kind;
	uint32_t nr_live, nr_big;
	uint16_t live[KMM_PROGRAM_MAX_OPS];
	uint8_t order[KMM_PROGRAM_MAX_OPS + 1]; /* by handle */
};

void codec_decode_node(struct reader *r, struct kmm_program_header *h, unsigned nid, uint32_t cap)
{
	uint8_t mask = rd8(r);
	uint32_t room = cap, managed = 0;

	for (unsigned z = 0; z < KMM_NR_ZONES; z++) {
		struct kmm_zone_config *zc = &h->zones[nid][z];
		uint8_t zf;
		uint32_t size;

		if (!(mask >> z & 1))
			continue;
		zf = rd8(r);
		size = zone_size_fold(rd16(r), room);
		if (!size)
			continue;
		zc->spanned_pages = size;
		room -= size;
		if (zf & ZF_HOLE) {
			zc->hole_pages = rd16(r) % size;
			zc->hole_start = rd16(r) % (size - zc->hole_pages + 1);
			if (!zc->hole_pages)
				zc->hole_start = 0;
		}
		if (zf & ZF_RESERVED)
			zc->reserved_pages = rd16(r) % (size - zc->hole_pages + 1);
		managed += size - zc->hole_pages - zc->reserved_pages;
	}
	if (!managed)
		kmm_program_default_node(h, nid);
}

static void decode_header(struct dec *d)
{
	struct kmm_program_header *h = &d->p->hdr;
	uint8_t f, b;
	uint32_t cap;

	memset(h, 0, sizeof(*h));
	f = rd8(&d->r);
	if (f & H_MISUSE)
		h->flags |= KMM_PROG_MISUSE;
	if (f & H_DEBUG1)
		h->debug_level = (f & H_DEBUG2) ? 2 : 1;
	for (unsigned i = 0; i < 8; i++)
		h->seed |= (uint64_t)rd8(&d->r) << (8 * i);
	b = rd8(&d->r);
	h->nr_nodes = d->kind == KMM_PROGRAM_NUMA ? (uint8_t)(2 + b % 7) : 1;
	b = rd8(&d->r);
	if (b >= CPUS_WIDE)
		h->nr_cpus = (uint8_t)(1 + b % 16);
	else
		h->nr_cpus = (uint8_t)(1 + b % (d->kind == KMM_PROGRAM_NUMA ? 8 : 4));
	b = rd8(&d->r) % 9;
	h->pageblock_order = b ? (uint8_t)(b + 2) : 0;
	if ((f & H_MIN_FREE) == H_MIN_FREE)
		h->min_free_kbytes = rd16(&d->r) % (KMM_PROGRAM_MAX_MIN_FREE_KBYTES + 1);
	if ((f & H_PCP) == H_PCP && d->kind == KMM_PROGRAM_NUMA)
		codec_decode_pcp(&d->r, h);

	cap = kmm_program_node_cap(h->nr_nodes);
	for (unsigned n = 0; n < h->nr_nodes; n++)
		codec_decode_node(&d->r, h, n, cap);

	/* A local bound: the table's byte stores may alias h->nr_nodes for
	 * the compiler, which then cannot see the bound above and warns
	 * (-Wstringop-overflow at -O3) of stores past the table. */
	const unsigned nodes = h->nr_nodes < KMM_MAX_NODES ? h->nr_nodes : KMM_MAX_NODES;
	if ((f & H_DISTANCE) && nodes > 1) {
		for (unsigned a = 0; a < nodes; a++) {
			h->distance[a][a] = 10;
			for (unsigned c = a + 1; c < nodes; c++) {
				uint8_t dist = (uint8_t)(11 + rd8(&d->r) % 244);
				h->distance[a][c] = h->distance[c][a] = dist;
			}
		}
	}
	if ((f & H_CPU_MAP) && h->nr_nodes > 1)
		for (unsigned c = 0; c < h->nr_cpus; c++)
			h->cpu_node[c] = rd8(&d->r) % h->nr_nodes;
}

static uint32_t read_index(struct dec *d, uint32_t count)
{
	return codec_read_index(&d->r, count);
}

static void kill_live(struct dec *d, uint32_t idx)
{
	uint16_t h = d->live[idx];

	if (d->order[h])
		d->nr_big--;
	memmove(&d->live[idx], &d->live[idx + 1], (d->nr_live - idx - 1) * sizeof(d->live[0]));
	d->nr_live--;
}

void codec_decode_alloc_fields(struct reader *r, unsigned nodes, struct kmm_op *op)
{
	uint8_t ob, nb, g;
	kmm_gfp_t gfp;

	ob = rd8(r);
	op->order = (uint8_t)order_fold(ob);
	nb = rd8(r);
	op->node = nb < NODE_EXPLICIT ? -1 : (int8_t)((nb - NODE_EXPLICIT) % nodes);
	g = rd8(r);
	gfp = (g & 15) == GFP_RAW ? rd32(r) : gfp_base[g & 15];
	if (g & G_MOVABLE)
		gfp |= KMM___GFP_MOVABLE;
	if (g & G_RECLAIMABLE)
		gfp |= KMM___GFP_RECLAIMABLE;
	if (g & G_MODS) {
		uint8_t m = rd8(r);
		for (unsigned i = 0; i < 8; i++)
			if (m >> i & 1)
				gfp |= gfp_mods[i];
	}
	op->gfp = gfp_fold(gfp);
}

static void decode_alloc(struct dec *d, struct kmm_op *op)
{
	op->code = KMM_OP_ALLOC_PAGES;
	op->handle = ++d->p->nr_handles;
	codec_decode_alloc_fields(&d->r, d->p->hdr.nr_nodes, op);

	d->order[op->handle] = op->order;
	d->live[d->nr_live++] = (uint16_t)op->handle;
	if (op->order)
		d->nr_big++;
}

void codec_decode_policy(struct reader *r, unsigned nodes, struct kmm_op *op)
{
	op->mode = rd8(r) % KMM_MPOL_MAX;
	switch (op->mode) {
	case KMM_MPOL_DEFAULT:
	case KMM_MPOL_LOCAL:
		return;
	case KMM_MPOL_PREFERRED:
		op->nodes = 1u << (rd8(r) % nodes);
		return;
	default:
		op->nodes = (kmm_nodemask_t)(rd8(r) % ((1u << nodes) - 1) + 1);
		break;
	}
	if (op->mode != KMM_MPOL_WEIGHTED_INTERLEAVE)
		return;
	for (unsigned n = 0; n < nodes; n++) {
		uint8_t w;

		if (!(op->nodes >> n & 1))
			continue;
		w = rd8(r);
		op->weights[n] = w < WEIGHT_WIDE ? (uint8_t)(1 + w % 8) : (uint8_t)(1 + rd8(r) % 255);
	}
}

/* Returns false when the misuse has no suitable handle (decode an alloc). */
static bool decode_misuse(struct dec *d, struct kmm_op *op)
{
	uint32_t idx;
	uint16_t h = 0;

	op->mode = rd8(&d->r) % PAGE_MISUSE_KINDS;
	switch (op->mode) {
	case KMM_MISUSE_FOREIGN_PFN:
		op->arg = rd32(&d->r);
		return true;
	case KMM_MISUSE_TAIL_PAGE:
		if (!d->nr_big)
			return false;
		idx = read_index(d, d->nr_big);
		for (uint32_t i = 0; i < d->nr_live && !h; i++)
			if (d->order[d->live[i]] && idx-- == 0)
				h = d->live[i];
		if (!h) /* cannot happen while nr_big counts right */
			return false;
		op->handle = h;
		op->arg = 1u + rd16(&d->r) % ((1u << d->order[h]) - 1u);
		return true;
	default:
		break;
	}
	if (!d->nr_live)
		return false;
	idx = read_index(d, d->nr_live);
	h = d->live[idx];
	op->handle = h;
	if (op->mode == KMM_MISUSE_DOUBLE_FREE) {
		kill_live(d, idx);
	} else if (op->mode == KMM_MISUSE_WRONG_ORDER) {
		op->order = (uint8_t)((d->order[h] + 1u + rd8(&d->r) % 10u) % 11u);
	} else { /* KMM_MISUSE_MISALIGNED */
		op->arg = 1u + rd16(&d->r) % (KMM_PAGE_SIZE - 1u);
	}
	return true;
}

void kmm_program_decode(const uint8_t *data, size_t size, enum kmm_program_kind kind,
			struct kmm_program *out)
{
	struct dec d;
	struct kmm_program *p = out;
	bool misuse;

	if (kind != KMM_PROGRAM_PAGES && kind != KMM_PROGRAM_NUMA) {
		codec_slab_decode(data, size, kind, out);
		return;
	}
	d.r.p = data;
	d.r.n = data ? size : 0;
	d.r.pos = 0;
	d.p = p;
	d.kind = kind;
	d.nr_live = d.nr_big = 0;
	p->nr_ops = 0;
	p->nr_handles = 0;
	decode_header(&d);
	misuse = p->hdr.flags & KMM_PROG_MISUSE;

	while (d.r.pos < d.r.n && p->nr_ops < KMM_PROGRAM_MAX_OPS) {
		struct kmm_op *op = &p->ops[p->nr_ops++];
		uint8_t code = op_table[rd8(&d.r) % OP_TABLE_SIZE];

		memset(op, 0, sizeof(*op));
		if (code == KMM_OP_MISUSE && !misuse)
			code = KMM_OP_ALLOC_PAGES;
		op->code = code;
		switch (code) {
		case KMM_OP_FREE_PAGES:
		case KMM_OP_WRITE:
		case KMM_OP_VERIFY: {
			uint32_t idx;

			if (!d.nr_live)
				break;
			idx = read_index(&d, d.nr_live);
			op->handle = d.live[idx];
			if (code == KMM_OP_FREE_PAGES)
				kill_live(&d, idx);
			continue;
		}
		case KMM_OP_SET_CPU:
			op->cpu = rd8(&d.r) % p->hdr.nr_cpus;
			continue;
		case KMM_OP_DRAIN: {
			unsigned v = rd8(&d.r) % (p->hdr.nr_cpus + 1u);
			op->cpu = v == p->hdr.nr_cpus ? KMM_DRAIN_ALL : (uint8_t)v;
			continue;
		}
		case KMM_OP_SET_POLICY:
			codec_decode_policy(&d.r, p->hdr.nr_nodes, op);
			continue;
		case KMM_OP_CHECK:
			continue;
		case KMM_OP_MISUSE:
			if (decode_misuse(&d, op))
				continue;
			memset(op, 0, sizeof(*op));
			break;
		default:
			break;
		}
		decode_alloc(&d, op); /* an alloc, or an op that had no handle to act on */
	}
}

/* ---- encoding ------------------------------------------------------------------ */

/* Encoder state: the decoder's live set, replayed. */
struct enc {
	struct writer w;
	const struct kmm_program *p;
	uint32_t nr_live;
	uint16_t live[KMM_PROGRAM_MAX_OPS];
	uint8_t order[KMM_PROGRAM_MAX_OPS + 1];
};

static void encode_header(struct enc *e)
{
	const struct kmm_program_header *h = &e->p->hdr;
	unsigned f = 0;
	bool distance = false, cpu_map = false;

	for (unsigned a = 0; a < KMM_MAX_NODES; a++)
		for (unsigned b = 0; b < KMM_MAX_NODES; b++)
			distance |= h->distance[a][b] != 0;
	for (unsigned c = 0; c < KMM_MAX_CPUS; c++)
		cpu_map |= h->cpu_node[c] != 0;
	if (h->flags & KMM_PROG_MISUSE)
		f |= H_MISUSE;
	if (h->debug_level)
		f |= h->debug_level >= 2 ? H_DEBUG1 | H_DEBUG2 : H_DEBUG1;
	if (h->min_free_kbytes)
		f |= H_MIN_FREE;
	if (distance && h->nr_nodes > 1)
		f |= H_DISTANCE;
	if (cpu_map && h->nr_nodes > 1)
		f |= H_CPU_MAP;
	if (h->pcp_high && h->pcp_batch && h->nr_nodes > 1) /* NUMA's bytes only */
		f |= H_PCP;
	put8(&e->w, f);
	for (unsigned i = 0; i < 8; i++)
		put8(&e->w, (unsigned)(h->seed >> (8 * i)) & 0xff);
	put8(&e->w, h->nr_nodes >= 2 ? h->nr_nodes - 2u : 0);
	put8(&e->w, h->nr_cpus <= 4 ? h->nr_cpus - 1u : CPUS_WIDE + h->nr_cpus - 1u);
	put8(&e->w, h->pageblock_order ? h->pageblock_order - 2u : 0);
	if ((f & H_MIN_FREE) == H_MIN_FREE) /* each shares bit3 with the other */
		put16(&e->w, h->min_free_kbytes);
	if ((f & H_PCP) == H_PCP)
		codec_encode_pcp(&e->w, h);

	for (unsigned n = 0; n < h->nr_nodes && n < KMM_MAX_NODES; n++)
		codec_encode_node(&e->w, h, n);
	if (f & H_DISTANCE)
		for (unsigned a = 0; a < h->nr_nodes; a++)
			for (unsigned c = a + 1; c < h->nr_nodes; c++)
				put8(&e->w, h->distance[a][c] - 11u);
	if (f & H_CPU_MAP)
		for (unsigned c = 0; c < h->nr_cpus; c++)
			put8(&e->w, h->cpu_node[c]);
}

/* One size from a word: 1 + its low 12 bits, shifted right by 0 when its
 * top 4 bits t are 0, else by 9 + t % 3. A random word gives 1..8 fifteen
 * times in sixteen, spread over 1..2, 1..4 and 1..8 (the edges of refill
 * and trim, batch above high among them; larger lists only slow a fuzzer
 * down), while t = 0 spells every size 1..4096 exactly (the encoder's
 * form). */
static uint16_t pcp_size_fold(uint16_t v)
{
	unsigned t = v >> 12;
	return (uint16_t)(1u + ((v & 0xfffu) >> (t ? 9 + t % 3 : 0)));
}

void codec_decode_pcp(struct reader *r, struct kmm_program_header *h)
{
	uint8_t b = rd8(r);
	if (b == PCP_BUDDY)
		h->pcp_high = h->pcp_batch = 1;
	if (b != PCP_SIZES)
		return;
	h->pcp_high = pcp_size_fold(rd16(r));
	h->pcp_batch = pcp_size_fold(rd16(r));
}

/* 1/1 takes the one-byte form; anything else the words v - 1. */
void codec_encode_pcp(struct writer *w, const struct kmm_program_header *h)
{
	if (h->pcp_high == 1 && h->pcp_batch == 1) {
		put8(w, PCP_BUDDY);
		return;
	}
	put8(w, 0);
	put16(w, h->pcp_high - 1u);
	put16(w, h->pcp_batch - 1u);
}

/* Sizes go out as the words the decoder folds back into them, under the
 * same room (in a valid header every size fits it). */
void codec_encode_node(struct writer *w, const struct kmm_program_header *h, unsigned n)
{
	uint32_t room = kmm_program_node_cap(h->nr_nodes);
	unsigned mask = 0;

	for (unsigned z = 0; z < KMM_NR_ZONES; z++)
		if (h->zones[n][z].spanned_pages)
			mask |= 1u << z;
	put8(w, mask);
	for (unsigned z = 0; z < KMM_NR_ZONES; z++) {
		const struct kmm_zone_config *zc = &h->zones[n][z];

		if (!zc->spanned_pages)
			continue;
		put8(w, (zc->hole_pages ? ZF_HOLE : 0) | (zc->reserved_pages ? ZF_RESERVED : 0));
		put16(w, zone_size_word(zc->spanned_pages, room));
		room -= zc->spanned_pages;
		if (zc->hole_pages) {
			put16(w, zc->hole_pages);
			put16(w, zc->hole_start);
		}
		if (zc->reserved_pages)
			put16(w, zc->reserved_pages);
	}
}

/* Position of handle h in a sorted live set (0 if absent: invalid program). */
static uint32_t live_index(const uint16_t *live, uint32_t n, uint32_t h)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (live[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && live[lo] == h ? lo : 0;
}

static void put_index(struct writer *w, uint32_t idx, uint32_t count)
{
	codec_put_index(w, idx, count);
}

static void encode_gfp(struct writer *w, kmm_gfp_t gfp)
{
	const kmm_gfp_t extra = KMM___GFP_MOVABLE | KMM___GFP_RECLAIMABLE;
	kmm_gfp_t modmask = 0, rest = gfp;
	unsigned idx = GFP_RAW, g, m = 0;

	for (unsigned i = 0; i < 8; i++)
		modmask |= gfp_mods[i];
	for (unsigned i = 0; i < GFP_RAW; i++) {
		kmm_gfp_t base = gfp_base[i];

		if ((base & ~gfp) == 0 && ((gfp & ~base) & ~(modmask | extra)) == 0) {
			idx = i;
			rest = gfp & ~base;
			break;
		}
	}
	if (idx == GFP_RAW)
		rest &= modmask | extra; /* the raw mask carries the rest */
	for (unsigned i = 0; i < 8; i++)
		if (rest & gfp_mods[i])
			m |= 1u << i;
	g = idx | (rest & KMM___GFP_MOVABLE ? G_MOVABLE : 0) |
	    (rest & KMM___GFP_RECLAIMABLE ? G_RECLAIMABLE : 0) | (m ? G_MODS : 0);
	put8(w, g);
	if (idx == GFP_RAW)
		put32(w, gfp);
	if (m)
		put8(w, m);
}

void codec_encode_alloc_fields(struct writer *w, const struct kmm_op *op)
{
	put8(w, order_byte(op->order));
	put8(w, op->node < 0 ? 0 : NODE_EXPLICIT + (unsigned)op->node);
	encode_gfp(w, op->gfp);
}

void codec_encode_policy(struct writer *w, unsigned nodes, const struct kmm_op *op)
{
	put8(w, op->mode);
	if (op->mode == KMM_MPOL_DEFAULT || op->mode == KMM_MPOL_LOCAL)
		return;
	if (op->mode == KMM_MPOL_PREFERRED) {
		unsigned n = 0;
		while (n < 31 && !(op->nodes >> n & 1))
			n++;
		put8(w, n);
		return;
	}
	put8(w, op->nodes - 1u);
	if (op->mode != KMM_MPOL_WEIGHTED_INTERLEAVE)
		return;
	for (unsigned n = 0; n < nodes && n < KMM_MAX_NODES; n++) {
		unsigned wt = op->weights[n];

		if (!(op->nodes >> n & 1))
			continue;
		if (wt >= 1 && wt <= 8) {
			put8(w, wt - 1);
		} else {
			put8(w, WEIGHT_WIDE);
			put8(w, wt - 1u);
		}
	}
}

void codec_encode_cpu_op(struct writer *w, const struct kmm_program_header *h, unsigned nodes,
			const struct kmm_op *op)
{
	switch (op->code) {
	case KMM_OP_SET_CPU:
		put8(w, op->cpu);
		break;
	case KMM_OP_DRAIN:
		put8(w, op->cpu == KMM_DRAIN_ALL ? h->nr_cpus : op->cpu);
		break;
	case KMM_OP_SET_POLICY:
		codec_encode_policy(w, nodes, op);
		break;
	default:
		break;
	}
}

static void encode_op(struct enc *e, const struct kmm_op *op)
{
	const struct kmm_program_header *h = &e->p->hdr;
	struct writer *w = &e->w;
	uint32_t idx;

	if (op->code >= KMM_OP_COUNT)
		return;
	put8(w, op_byte[op->code]);
	switch (op->code) {
	case KMM_OP_ALLOC_PAGES:
		codec_encode_alloc_fields(w, op);
		if (op->handle <= KMM_PROGRAM_MAX_OPS && e->nr_live < KMM_PROGRAM_MAX_OPS) {
			e->order[op->handle] = op->order;
			e->live[e->nr_live++] = (uint16_t)op->handle;
		}
		break;
	case KMM_OP_FREE_PAGES:
	case KMM_OP_WRITE:
	case KMM_OP_VERIFY:
		idx = live_index(e->live, e->nr_live, op->handle);
		put_index(w, idx, e->nr_live);
		if (op->code == KMM_OP_FREE_PAGES && e->nr_live) {
			memmove(&e->live[idx], &e->live[idx + 1],
				(e->nr_live - idx - 1) * sizeof(e->live[0]));
			e->nr_live--;
		}
		break;
	case KMM_OP_SET_CPU:
	case KMM_OP_DRAIN:
	case KMM_OP_SET_POLICY:
		codec_encode_cpu_op(w, h, h->nr_nodes, op);
		break;
	case KMM_OP_CHECK:
		break;
	case KMM_OP_MISUSE:
		put8(w, op->mode);
		if (op->mode == KMM_MISUSE_FOREIGN_PFN) {
			put32(w, op->arg);
			break;
		}
		if (op->mode == KMM_MISUSE_TAIL_PAGE) {
			uint32_t nth = 0, count = 0;

			for (uint32_t i = 0; i < e->nr_live; i++) {
				if (!e->order[e->live[i]])
					continue;
				if (e->live[i] < op->handle)
					nth++;
				count++;
			}
			put_index(w, nth, count);
			put16(w, op->arg - 1u);
			break;
		}
		idx = live_index(e->live, e->nr_live, op->handle);
		put_index(w, idx, e->nr_live);
		if (op->mode == KMM_MISUSE_WRONG_ORDER && op->handle <= KMM_PROGRAM_MAX_OPS) {
			unsigned own = e->order[op->handle];
			put8(w, (op->order + 22u - own - 1u) % 11u);
		} else if (op->mode == KMM_MISUSE_MISALIGNED) {
			put16(w, op->arg - 1u);
		} else if (op->mode == KMM_MISUSE_DOUBLE_FREE && e->nr_live) {
			memmove(&e->live[idx], &e->live[idx + 1],
				(e->nr_live - idx - 1) * sizeof(e->live[0]));
			e->nr_live--;
		}
		break;
	default:
		break;
	}
}

size_t kmm_program_encode(const struct kmm_program *p, uint8_t *buf, size_t cap)
{
	struct enc e;

	if (p->hdr.slab_backend != KMM_PROGRAM_SLAB_NONE)
		return codec_slab_encode(p, buf, cap);
	e.w.buf = buf;
	e.w.cap = buf ? cap : 0;
	e.w.pos = 0;
	e.p = p;
	e.nr_live = 0;
	encode_header(&e);
	for (uint32_t i = 0; i < p->nr_ops && i < KMM_PROGRAM_MAX_OPS; i++)
		encode_op(&e, &p->ops[i]);
	return e.w.pos;
}
