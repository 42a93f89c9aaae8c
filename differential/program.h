/* SPDX-License-Identifier: MIT */
/*
 * The op program: what fuzzers mutate, people read, and the executor runs.
 *
 * Three faces of one thing:
 *   binary  (codec_binary.c): any byte string decodes to a valid program;
 *   text    (codec_text.c):   one op a line, named handles, comments;
 *   memory  (this struct):    what executor.c runs on libkmm and the model.
 *
 * Opcodes and misuse kinds are append-only: never renumber, never reuse a
 * value, so corpora stay valid forever.
 *
 * Handles: an alloc op creates handle `handle` (1-based, unique within the
 * program); later ops name a handle that is live at that point (the decoders
 * guarantee it). If the allocation failed at run time, ops on the handle are
 * no-ops on both sides.
 */
#ifndef KMM_PROGRAM_H
#define KMM_PROGRAM_H

#include <kmm/kmm.h>

#define KMM_PROGRAM_MAX_OPS 4096

enum kmm_op_code {
	KMM_OP_ALLOC_PAGES = 0, /* handle order gfp node (-1: policy / local) */
	KMM_OP_FREE_PAGES = 1,  /* handle */
	KMM_OP_WRITE = 2,       /* handle: rewrite its pattern with a new generation */
	KMM_OP_VERIFY = 3,      /* handle: verify its pattern now */
	KMM_OP_SET_CPU = 4,     /* cpu */
	KMM_OP_SET_POLICY = 5,  /* mode nodes weights */
	KMM_OP_DRAIN = 6,       /* cpu (KMM_DRAIN_ALL = every CPU) */
	KMM_OP_CHECK = 7,       /* full check now: kmm_page_check + every counter */
	KMM_OP_MISUSE = 8,      /* misuse kind (+ handle); decoded only in misuse mode */
	KMM_OP_COUNT            /* append new opcodes above this line */
};

/* Deliberate misuse of the page allocator (append-only). */
enum kmm_misuse {
	KMM_MISUSE_DOUBLE_FREE = 0,  /* free handle, then free it again */
	KMM_MISUSE_FOREIGN_PFN = 1,  /* free a page pointer outside the system */
	KMM_MISUSE_WRONG_ORDER = 2,  /* free a live handle with another order */
	KMM_MISUSE_TAIL_PAGE = 3,    /* free a tail page of a live order>=1 handle */
	KMM_MISUSE_MISALIGNED = 4,   /* free_pages by an address not on a page boundary */
	KMM_MISUSE_COUNT
};

#define KMM_DRAIN_ALL 0xffu

struct kmm_op {
	uint8_t code;       /* enum kmm_op_code */
	uint8_t order;      /* alloc order; misuse WRONG_ORDER: the wrong order */
	int8_t node;        /* alloc node, -1 = none */
	uint8_t cpu;        /* set_cpu / drain */
	uint8_t mode;       /* set_policy: enum kmm_mpol_mode; misuse: enum kmm_misuse */
	uint8_t weights[KMM_MAX_NODES]; /* weighted interleave */
	uint32_t handle;    /* 1-based handle, 0 = none */
	kmm_gfp_t gfp;
	kmm_nodemask_t nodes; /* set_policy */
	uint32_t arg;       /* misuse: offset or pfn folding seed */
};

/* Program-wide settings: they build the system under test. */
enum {
	KMM_PROG_MISUSE = 1u << 0, /* misuse ops allowed and expected to be reported */
};

struct kmm_program_header {
	uint8_t nr_nodes;                 /* 1..KMM_MAX_NODES */
	uint8_t nr_cpus;                  /* 1..KMM_MAX_CPUS */
	uint8_t pageblock_order;          /* 0 = default */
	uint8_t debug_level;              /* 0..2 */
	uint32_t flags;                   /* KMM_PROG_* */
	uint32_t min_free_kbytes;         /* 0 = kernel formula */
	uint64_t seed;
	struct kmm_zone_config zones[KMM_MAX_NODES][KMM_NR_ZONES];
	uint8_t distance[KMM_MAX_NODES][KMM_MAX_NODES]; /* 0 = default */
	uint8_t cpu_node[KMM_MAX_CPUS];
};

struct kmm_program {
	struct kmm_program_header hdr;
	uint32_t nr_ops;
	uint32_t nr_handles;              /* highest handle number used */
	struct kmm_op ops[KMM_PROGRAM_MAX_OPS];
};

/* Which family of programs a fuzz target decodes (shapes the header). */
enum kmm_program_kind {
	KMM_PROGRAM_PAGES, /* one node */
	KMM_PROGRAM_NUMA,  /* 2..8 nodes, policies */
};

/* Build a kmm_config from a header (sink left empty for the caller). */
void kmm_program_config(const struct kmm_program_header *hdr, struct kmm_config *cfg);

/* ---- binary codec (codec_binary.c) ---- */
/* Decode any bytes into a valid program; never fails. */
void kmm_program_decode(const uint8_t *data, size_t size, enum kmm_program_kind kind,
			struct kmm_program *out);
/* Encode a program so that decoding gives back the same program. Returns the
 * bytes needed (may exceed cap: call again with a bigger buffer). */
size_t kmm_program_encode(const struct kmm_program *p, uint8_t *buf, size_t cap);

/* ---- text codec (codec_text.c) ---- */
/* Print a program as text (header lines, then one op a line), upto ops
 * (UINT32_MAX = all). Returns the length needed (snprintf rules). */
size_t kmm_program_format(const struct kmm_program *p, uint32_t upto, char *buf, size_t cap);
/* Parse text. Returns 0, or -EINVAL with "line L, column C: what was wrong"
 * in err. */
int kmm_program_parse(const char *text, size_t len, struct kmm_program *out, char *err, size_t errlen);
/* One op as text ("alloc_pages h3 order=2 gfp=GFP_KERNEL|__GFP_ZERO"). */
size_t kmm_op_format(const struct kmm_op *op, char *buf, size_t cap);

/* ==== appended by the codec owner: operand rules and shared helpers ==== */

/*
 * Operand rules every program obeys (both decoders guarantee them and
 * kmm_program_validate() checks them; fields an op does not use are 0):
 *  - alloc_pages: handle == 1 + the number of earlier alloc ops (handles are
 *    numbered in alloc order), order 0..10, node -1 or < nr_nodes, gfp valid
 *    (kmm_program_gfp_valid);
 *  - free_pages / write / verify: a live handle (free kills it);
 *  - set_cpu: cpu < nr_cpus; drain: cpu < nr_cpus or KMM_DRAIN_ALL;
 *  - set_policy: mode < KMM_MPOL_MAX; nodes 0 for default/local, one node for
 *    preferred, a non-empty mask within nr_nodes otherwise; weights 1..255
 *    on the mask's nodes for weighted_interleave, 0 everywhere else;
 *  - misuse (only with KMM_PROG_MISUSE), mode = enum kmm_misuse:
 *      double_free  handle (live; the op kills it);
 *      foreign_pfn  arg = any 32-bit seed the executor folds to a PFN
 *                   outside the system;
 *      wrong_order  handle, order = an order other than the handle's;
 *      tail_page    handle of order >= 1, arg = tail page index
 *                   1..2^order-1 (the page freed is head + arg);
 *      misaligned   handle, arg = byte offset 1..4095 added to its address.
 */

/* Size limits shared by both codecs: every text program has an exact binary
 * form, and every binary program builds a system that runs fast. */
#define KMM_PROGRAM_PAGES_NODE_CAP 8192u   /* spanned pages of the only node */
#define KMM_PROGRAM_NUMA_NODE_CAP 4096u    /* spanned pages of one of 2..8 nodes */
#define KMM_PROGRAM_NUMA_TOTAL_CAP 16384u  /* ... and of all of them */
#define KMM_PROGRAM_DEFAULT_NODE_PAGES 1024u /* NORMAL zone of a node given no zones */
#define KMM_PROGRAM_MAX_MIN_FREE_KBYTES 16384u
#define KMM_PROGRAM_MIN_PAGEBLOCK_ORDER 3u /* 0 (default) or 3..KMM_MAX_ORDER */

/* Spanned-page cap of each node of an nr_nodes program. */
uint32_t kmm_program_node_cap(unsigned nr_nodes);
/* A fresh program: one node with KMM_PROGRAM_DEFAULT_NODE_PAGES of NORMAL,
 * one CPU, seed 0, everything else default, no ops. */
void kmm_program_init(struct kmm_program *p);
/* Give node nid the default zones (NORMAL only, min(default, cap) pages). */
void kmm_program_default_node(struct kmm_program_header *hdr, unsigned nid);
/* The kind whose decoder reproduces p from kmm_program_encode(p):
 * PAGES for one node, NUMA for 2..8. */
enum kmm_program_kind kmm_program_kind_of(const struct kmm_program *p);

/* Names as the text format spells them; "?" when out of range. */
const char *kmm_op_name(unsigned code);          /* "alloc_pages", "free_pages", ... */
const char *kmm_misuse_name(unsigned kind);      /* "double_free", "foreign_pfn", ... */
const char *kmm_program_mpol_name(unsigned mode); /* "default", "preferred", ... */

/* A gfp a program may carry: only known bits, at most one of
 * __GFP_DMA / __GFP_DMA32 / __GFP_HIGHMEM, not both __GFP_MOVABLE and
 * __GFP_RECLAIMABLE (the kernel treats both as bugs). */
bool kmm_program_gfp_valid(kmm_gfp_t gfp);

/* Check every rule above and every header range. Returns 0, or -1 with the
 * first violation described in why. */
int kmm_program_validate(const struct kmm_program *p, char *why, size_t len);
/* Field-by-field comparison (header, nr_ops, nr_handles, every op). True
 * when equal; otherwise why names the first difference. */
bool kmm_program_equal(const struct kmm_program *a, const struct kmm_program *b, char *why,
		       size_t len);
/*
 * The codecs' contract on one program: format -> parse gives p back and
 * formats to the same text; encode -> decode (kind_of(p)) gives p back.
 * Returns 0, or -1 with the first difference described in why. Uses a
 * program-sized copy on the stack (~130 KiB) and mallocs the texts; -1 "out
 * of memory" if that fails.
 */
int kmm_program_roundtrip_check(const struct kmm_program *p, char *why, size_t len);

#endif
