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

#endif
