/* SPDX-License-Identifier: MIT */
/*
 * Private to the binary codec: the byte reader and writer, and the pieces
 * the page programs' codec (codec_binary.c) shares with the slab programs'
 * (codec_slab.c). Each fold is surjective onto its range and each encoder
 * writes a preimage of the exact value (see codec_binary.c).
 */
#ifndef KMM_CODEC_BINARY_H
#define KMM_CODEC_BINARY_H

#include "program.h"

/* A missing byte reads as 0: every input is long enough. */
struct reader {
	const uint8_t *p;
	size_t n, pos;
};

static inline uint8_t rd8(struct reader *r)
{
	return r->pos < r->n ? r->p[r->pos++] : 0;
}

static inline uint16_t rd16(struct reader *r)
{
	uint16_t lo = rd8(r);
	return (uint16_t)(lo | (uint16_t)rd8(r) << 8);
}

static inline uint32_t rd32(struct reader *r)
{
	uint32_t lo = rd16(r);
	return lo | (uint32_t)rd16(r) << 16;
}

/* snprintf-style: counts every byte, stores those that fit. */
struct writer {
	uint8_t *buf;
	size_t cap, pos;
};

static inline void put8(struct writer *w, unsigned v)
{
	if (w->pos < w->cap)
		w->buf[w->pos] = (uint8_t)v;
	w->pos++;
}

static inline void put16(struct writer *w, unsigned v)
{
	put8(w, v & 0xff);
	put8(w, v >> 8 & 0xff);
}

static inline void put32(struct writer *w, uint32_t v)
{
	put16(w, v & 0xffff);
	put16(w, v >> 16);
}

/* An index below count (count >= 1): one byte while count fits in it, else u16. */
static inline uint32_t codec_read_index(struct reader *r, uint32_t count)
{
	if (count <= 256)
		return rd8(r) % count;
	return rd16(r) % count;
}

static inline void codec_put_index(struct writer *w, uint32_t idx, uint32_t count)
{
	if (count <= 256)
		put8(w, idx);
	else
		put16(w, idx);
}

/* Node byte of an allocation: below this, -1 (policy / local). */
#define CODEC_NODE_EXPLICIT 192u

/* Zones of node nid as page programs carry them: a mask byte, then per zone
 * flags, spanned, hole and reservation; cap bounds the node's span. */
void codec_decode_node(struct reader *r, struct kmm_program_header *h, unsigned nid, uint32_t cap);
void codec_encode_node(struct writer *w, const struct kmm_program_header *h, unsigned nid);
/* The pcp size record (NUMA header flag H_PCP / slab X bit5): one byte b;
 * 1: high = batch = 1 (the buddy path's sizes); 0: two u16 words, each
 * folded to a size (pcp_size_fold: small from random words, exact when the
 * top four bits are 0); anything else: the formulas. The encoder writes it
 * only for a header with both sizes set. */
void codec_decode_pcp(struct reader *r, struct kmm_program_header *h);
void codec_encode_pcp(struct writer *w, const struct kmm_program_header *h);
/* set_policy operands (mode, nodes, weights) for a system of `nodes` nodes. */
void codec_decode_policy(struct reader *r, unsigned nodes, struct kmm_op *op);
void codec_encode_policy(struct writer *w, unsigned nodes, const struct kmm_op *op);
/* Operands of set_cpu, drain (KMM_DRAIN_ALL as h->nr_cpus) and set_policy
 * (for `nodes` nodes), shared by the page and slab codecs; other ops: none. */
void codec_encode_cpu_op(struct writer *w, const struct kmm_program_header *h, unsigned nodes,
			 const struct kmm_op *op);
/* alloc_pages operands (order, node, gfp); handle left to the caller. */
void codec_decode_alloc_fields(struct reader *r, unsigned nodes, struct kmm_op *op);
void codec_encode_alloc_fields(struct writer *w, const struct kmm_op *op);

/* The slab programs' codec (codec_slab.c). */
void codec_slab_decode(const uint8_t *data, size_t size, enum kmm_program_kind kind,
		       struct kmm_program *out);
size_t codec_slab_encode(const struct kmm_program *p, uint8_t *buf, size_t cap);

#endif
