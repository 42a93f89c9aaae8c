/* SPDX-License-Identifier: MIT */
/*
 * Private to the text codec: the parser state, tokens, messages and output
 * helpers that codec_text.c (header, page ops, the line loop) shares with
 * codec_text_slab.c (the slab line and the object allocator ops).
 */
#ifndef KMM_CODEC_TEXT_H
#define KMM_CODEC_TEXT_H

#include "program.h"

/* ---- output: snprintf-style sink ---- */

struct out {
	char *buf;
	size_t cap, pos; /* pos counts every byte, stored or not */
};

void txt_out_bytes(struct out *o, const char *s, size_t n);
void txt_out_str(struct out *o, const char *s);
void txt_out_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void txt_out_gfp(struct out *o, kmm_gfp_t gfp);

/* ---- the parser ---- */

#define MAX_TOKENS 24
#define QUOTE_MAX 40 /* bytes of a token shown in a message */
#define QBUF (QUOTE_MAX * 4 + 4)

struct tok {
	size_t off, len; /* into the text */
};

/* A handle name's current number; len 0 = empty slot. off < the text's
 * length: the name is in the text; else at arena + (off - length) (names
 * a bulk range made, like h5 of h4..h11). */
struct name_slot {
	size_t off, len;
	uint32_t handle;
};

/* What a handle number is (program.h, "slab programs"). */
enum txt_handle_type { TXT_PAGE = 1, TXT_COBJ, TXT_KMALLOC };

struct handle_info {
	unsigned alloc_line, free_line; /* free_line 0 while live */
	uint32_t size;                  /* cache object / kmalloc: object size */
	uint8_t order;                  /* page */
	uint8_t type;                   /* enum txt_handle_type */
	uint8_t cache;                  /* cache object: its cache id */
	bool live;
};

/* A cache id's name and state; ids are 1-based in creation order. */
struct cache_info {
	size_t off, len;                  /* its name in the text */
	unsigned create_line, destroy_line; /* destroy_line 0 while live */
	uint32_t size;                    /* create size */
	uint32_t objs;                    /* live objects */
	bool live;
};

struct parser {
	const char *text;
	size_t len;
	unsigned line;         /* current line, 1-based */
	size_t line_start;     /* offset of its first byte */
	struct kmm_program *p;
	char *err;
	size_t errlen;

	bool header_lines;     /* a system/zone/distance/cpu_node/slab line was seen */
	bool system_seen, header_done, slab_seen;
	bool zone_seen[KMM_MAX_NODES][KMM_NR_ZONES];
	unsigned node_last_line[KMM_MAX_NODES]; /* last zone line of the node, 0 = none */
	bool pair_seen[KMM_MAX_NODES][KMM_MAX_NODES];
	bool cpu_seen[KMM_MAX_CPUS];

	/* Sized from the text: at most one alloc per line, or a bulk range of
	 * KMM_PROGRAM_BULK_MAX per "..". The name table is at least twice the
	 * handle count, so probes end. */
	size_t nr_slots;             /* power of two */
	size_t max_handles;          /* handles[] holds max_handles + 1 */
	struct name_slot *slots;     /* [nr_slots] */
	struct handle_info *handles; /* [max_handles + 1], by handle number */
	char *arena;                 /* bulk range names, malloc'd, grows */
	size_t arena_len, arena_cap;
	unsigned nr_caches;          /* created so far */
	struct cache_info caches[KMM_PROGRAM_MAX_CACHES + 1]; /* by id */
};

struct kv {
	const char *key;
	bool seen;
	struct tok k, v;
};

const char *txt_quote(const char *s, size_t n, char *buf);
/* Quote a token for a message (uses the caller's buffer). */
#define Q(ps, t, buf) txt_quote((ps)->text + (t).off, (t).len, (buf))

bool txt_tok_is(const struct parser *ps, struct tok t, const char *word);
/* "line L, column C: <message>" for the byte at off; returns -EINVAL. */
int txt_perr(struct parser *ps, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A number in [lo, hi] from a token; `what` names it in messages. */
int txt_get_num(struct parser *ps, struct tok t, const char *what, uint64_t lo, uint64_t hi,
		uint64_t *out);
/* Sort toks[from..n) into kvs (key=value) and pos[] (at most max_pos). */
int txt_split_operands(struct parser *ps, const struct tok *toks, unsigned from, unsigned n,
		       struct kv *kvs, unsigned nkv, struct tok *pos, unsigned max_pos,
		       unsigned *npos, const char *what);
struct name_slot *txt_name_slot(struct parser *ps, struct tok t);
struct name_slot *txt_name_slot_str(struct parser *ps, const char *name, size_t len);
int txt_check_name(struct parser *ps, struct tok t);
/* The live handle a name refers to, or an error. */
int txt_use_handle(struct parser *ps, struct tok t, uint32_t *out);
void txt_kill_handle(struct parser *ps, uint32_t h);
int txt_get_gfp(struct parser *ps, struct tok v, kmm_gfp_t *out);
int txt_need_name(struct parser *ps, const struct tok *toks, unsigned npos, const char *what);

/* ---- codec_text_slab.c ---- */

/* "slab backend=slub debug=FZPU features=hardened|random" when the program
 * has a backend. */
void txt_out_slab_header(struct out *o, const struct kmm_program_header *h);
/* Ops 9..21 and misuse kinds 5..11 (after the op name). */
void txt_out_slab_op(struct out *o, const struct kmm_op *op);
/* The "slab" header line. */
int txt_parse_slab_line(struct parser *ps, const struct tok *toks, unsigned n);
/* The header is complete: misuse mode turns on F Z P. */
void txt_finish_slab_header(struct parser *ps);
/* An op of code >= KMM_OP_CACHE_CREATE (code set in op); kzalloc and
 * kcalloc arrive as KMM_OP_KMALLOC with mode 1 / 2. */
int txt_parse_slab_op(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op);
/* misuse of kinds 5..11: toks[1] is the kind (already in op->mode). */
int txt_parse_slab_misuse(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op);
/* A page op's handle must be a page (slab programs mix both). */
int txt_need_page(struct parser *ps, struct tok t, uint32_t h);

#endif
