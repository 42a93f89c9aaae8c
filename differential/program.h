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
	/* Object allocators (programs whose header names a slab backend). */
	KMM_OP_CACHE_CREATE = 9,      /* cache size=arg align=arg2 flags=cflags ctor=mode */
	KMM_OP_CACHE_DESTROY = 10,    /* cache (all its objects freed first by the program) */
	KMM_OP_CACHE_ALLOC = 11,      /* handle cache gfp node */
	KMM_OP_CACHE_FREE = 12,       /* handle (a cache object) */
	KMM_OP_CACHE_ALLOC_BULK = 13, /* handle = first of arg new handles, cache gfp */
	KMM_OP_CACHE_FREE_BULK = 14,  /* cache, handles [handle, handle + arg): the live ones of that cache */
	KMM_OP_CACHE_SHRINK = 15,     /* cache */
	KMM_OP_KMALLOC = 16,          /* handle size=arg gfp node; mode: 0 kmalloc 1 kzalloc 2 kcalloc(n=arg2) */
	KMM_OP_KREALLOC = 17,         /* handle (a kmalloc object, rebound) size=arg gfp */
	KMM_OP_KFREE = 18,            /* handle (a kmalloc object) */
	KMM_OP_RCU_BARRIER = 19,      /* a simulated grace period */
	KMM_OP_CACHE_REAP = 20,       /* kmm_cache_reap */
	KMM_OP_CACHE_VALIDATE = 21,   /* cache (0: every cache and every kmalloc cache) */
	KMM_OP_COUNT            /* append new opcodes above this line */
};

/* Deliberate misuse of the page allocator (append-only). */
enum kmm_misuse {
	KMM_MISUSE_DOUBLE_FREE = 0,  /* free handle, then free it again */
	KMM_MISUSE_FOREIGN_PFN = 1,  /* free a page pointer outside the system */
	KMM_MISUSE_WRONG_ORDER = 2,  /* free a live handle with another order */
	KMM_MISUSE_TAIL_PAGE = 3,    /* free a tail page of a live order>=1 handle */
	KMM_MISUSE_MISALIGNED = 4,   /* free_pages by an address not on a page boundary */
	/* Object allocators (slab programs; the header's debug flags decide
	 * which the backend must report, see object_model.h). */
	KMM_MISUSE_OBJ_DOUBLE_FREE = 5,  /* free an object handle, then free it again */
	KMM_MISUSE_WRONG_CACHE = 6,      /* kmem_cache_free(cache, obj of another cache) */
	KMM_MISUSE_KFREE_INTERIOR = 7,   /* kfree(kmalloc handle + arg), arg 1..size-1 */
	KMM_MISUSE_KFREE_NON_SLAB = 8,   /* kfree a page handle's address (not from kmalloc) */
	KMM_MISUSE_WRITE_PAST_END = 9,   /* write 1 byte at object + size + arg, then validate */
	KMM_MISUSE_WRITE_AFTER_FREE = 10,/* free the object, write 1 byte at + arg, then validate */
	KMM_MISUSE_DESTROY_BUSY = 11,    /* destroy a cache with live objects (it stays) */
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
	uint32_t arg;       /* misuse: offset or pfn folding seed; slab ops: size / count */
	uint32_t arg2;      /* cache_create: align; kcalloc: n */
	uint16_t cflags;    /* cache_create: KMM_SLAB_* flags (low 16 bits) */
	uint8_t cache;      /* cache id, 1-based in creation order; 0 = none */
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
	/* Per-CPU page list sizes (cfg.pcp_high / pcp_batch): both 0 = the
	 * kernel formulas, or both 1..KMM_PROGRAM_MAX_PCP (batch may exceed
	 * high). 1 and 1 at debug level 0 is libkmm's "buddy path's mode". */
	uint16_t pcp_high, pcp_batch;
	uint8_t slab_backend;             /* enum kmm_program_slab; NONE = no slab ops */
	uint8_t slab_debug;               /* KMM_SLAB_DEBUG_FLAGS bits, system-wide (slab_debug=) */
	uint8_t slab_features;            /* cfg.slab_features */
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

/* The object allocator a program runs on (header slab_backend). */
enum kmm_program_slab {
	KMM_PROGRAM_SLAB_NONE = 0, /* page programs: no slab ops */
	KMM_PROGRAM_SLAB_SLUB = 1,
	KMM_PROGRAM_SLAB_SLAB = 2,
	KMM_PROGRAM_SLAB_SLOB = 3,
	KMM_PROGRAM_SLAB_ALL = 4,  /* kmalloc_diff: every backend and the host malloc */
};
#define KMM_PROGRAM_MAX_CACHES 16 /* cache_create ops in one program */

/* Which family of programs a fuzz target decodes (shapes the header). */
enum kmm_program_kind {
	KMM_PROGRAM_PAGES, /* one node */
	KMM_PROGRAM_NUMA,  /* 2..8 nodes, policies */
	KMM_PROGRAM_SLUB,  /* object allocators, one backend each; page ops mixed in */
	KMM_PROGRAM_SLAB,
	KMM_PROGRAM_SLOB,
	KMM_PROGRAM_KMALLOC_DIFF, /* kmalloc / krealloc / kfree on every backend + host malloc */
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
 *  - handles are shared by pages and objects: every alloc_pages,
 *    cache_alloc and kmalloc takes the next handle (1 + the handles taken
 *    before it), cache_alloc_bulk the next arg; krealloc keeps its handle;
 *    caches likewise: cache_create takes cache id 1 + earlier creates
 *    (see the slab rules appended below by the codec owner);
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
#define KMM_PROGRAM_MAX_PCP 4096u          /* pcp_high / pcp_batch: 0 (formula) or 1..this */
#define KMM_PROGRAM_MIN_PAGEBLOCK_ORDER 3u /* 0 (default) or 3..KMM_MAX_ORDER */

/* Spanned-page cap of each node of an nr_nodes program. */
uint32_t kmm_program_node_cap(unsigned nr_nodes);
/* A fresh program: one node with KMM_PROGRAM_DEFAULT_NODE_PAGES of NORMAL,
 * one CPU, seed 0, everything else default, no ops. */
void kmm_program_init(struct kmm_program *p);
/* Give node nid the default zones (NORMAL only, min(default, cap) pages). */
void kmm_program_default_node(struct kmm_program_header *hdr, unsigned nid);
/* The kind whose decoder reproduces p from kmm_program_encode(p): by the
 * header's slab_backend (SLUB, SLAB, SLOB, ALL: KMALLOC_DIFF), else PAGES
 * for one node, NUMA for 2..8. */
enum kmm_program_kind kmm_program_kind_of(const struct kmm_program *p);
/* NULL when kmm_program_encode(p) carries all of p; else what the bytes of
 * p's kind drop, for a message. Today one thing: pcp sizes in a one-node
 * page program (fuzz_pages never varies them: docs/trace-format.md). */
const char *kmm_program_binary_loss(const struct kmm_program *p);

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
 * formats to the same text; encode -> decode (kind_of(p)) gives p back,
 * but for what kmm_program_binary_loss(p) names, which comes back unset.
 * Returns 0, or -1 with the first difference described in why. Uses a
 * program-sized copy on the stack (~160 KiB) and mallocs the texts; -1 "out
 * of memory" if that fails.
 */
int kmm_program_roundtrip_check(const struct kmm_program *p, char *why, size_t len);

/* ==== appended by the codec owner: slab programs (issue 3) ==== */

/*
 * Slab programs: a header whose slab_backend is not NONE. kind_of() maps
 * the backend to the kind (SLUB, SLAB, SLOB; ALL -> KMALLOC_DIFF), and
 * each kind's decoder produces only its own backend.
 *
 * Header rules:
 *  - slab_backend <= KMM_PROGRAM_SLAB_ALL; with NONE, slab_debug and
 *    slab_features are 0 and no op below (codes 9..21, misuse 5..11) appears;
 *  - slab_debug is a subset of KMM_SLAB_DEBUG_FLAGS (F Z P U, the values of
 *    include/kmm/slab.h), applied to every cache like slab_debug=<letters>;
 *    slab_features a subset of KMM_SLAB_FREELIST_HARDENED | _RANDOM;
 *  - misuse mode in a slab program implies F, Z and P in slab_debug (so the
 *    backend can see what the model predicts; the text parser adds them).
 *
 * Handles: one number space for pages and objects, 1 .. nr_handles <=
 * KMM_PROGRAM_MAX_HANDLES, taken in program order: alloc_pages, cache_alloc
 * and kmalloc take the next one, cache_alloc_bulk takes arg consecutive
 * ones (handle is the first), krealloc keeps its handle (new size). A handle
 * is of one type for its whole life:
 *    page         alloc_pages
 *    cache object cache_alloc / cache_alloc_bulk, of cache `cache`
 *    kmalloc      kmalloc / kzalloc / kcalloc; its size is the request
 *                 (arg, or arg * arg2 for kcalloc), changed by krealloc
 * A "slab object" is a cache object, or a kmalloc of size
 * 1..KMM_KMALLOC_MAX_CACHE_SIZE (slab-backed on SLUB and SLAB; SLOB may
 * still serve the larger ones from pages, see object_model.h).
 * Its "size" is the cache's create size, or the kmalloc request.
 *
 * Caches: cache_create takes id 1 + the creates before it, at most
 * KMM_PROGRAM_MAX_CACHES per program; an id is live from its create until
 * its cache_destroy (ids are never reused). Fields an op does not use are 0
 * (node too: 0, not -1, where an op has no node).
 *
 *  cache_create   cache = next id; arg = size 1..KMM_PROGRAM_CACHE_SIZE_MAX;
 *                 arg2 = align, 0 or a power of two <= KMM_PROGRAM_CACHE_ALIGN_MAX;
 *                 cflags within KMM_SLAB_CREATE_MASK, not both CACHE_DMA and
 *                 CACHE_DMA32; mode 1 = with a ctor, 0 = none
 *  cache_destroy  cache live with no live object (it dies)
 *  cache_alloc    handle = next; cache live; gfp slab-valid without zone
 *                 modifier (kmm_program_slab_gfp_valid(gfp, false)); node -1
 *                 (kmem_cache_alloc) or < nr_nodes (kmem_cache_alloc_node)
 *  cache_free     handle = a live cache object (the executor passes its cache)
 *  cache_alloc_bulk  handle = next, arg = 1..KMM_PROGRAM_BULK_MAX handles;
 *                 cache live; gfp as cache_alloc
 *  cache_free_bulk   cache live; handle = a live object of that cache; arg =
 *                 1..KMM_PROGRAM_BULK_MAX with handle + arg - 1 <= the handles
 *                 taken so far; frees every handle in [handle, handle + arg)
 *                 that is a live object of that cache, in handle order
 *  cache_shrink   cache live
 *  kmalloc        handle = next; mode 0 kmalloc, 1 kzalloc, 2 kcalloc;
 *                 arg = size; kcalloc: arg2 = n and n * size <=
 *                 KMM_PROGRAM_KMALLOC_MAX, else arg2 = 0 and size <=
 *                 KMM_PROGRAM_KMALLOC_MAX; gfp slab-valid (zone modifier
 *                 __GFP_DMA allowed: dma-kmalloc); node -1 or < nr_nodes
 *                 (kmalloc_node)
 *  krealloc       handle = a live kmalloc; arg = new size 0..KMALLOC_MAX;
 *                 gfp as kmalloc. The handle stays live whatever happens
 *                 (size 0 frees and leaves ZERO_SIZE_PTR; a failure keeps
 *                 the old object)
 *  kfree          handle = a live kmalloc (it dies)
 *  rcu_barrier, cache_reap   no operands
 *  cache_validate cache 0 (every cache, kmalloc caches included) or live
 *  write, verify  any live handle (page or object)
 *  free_pages     a live page handle; page misuse kinds 0..4 likewise take
 *                 page handles
 *
 * Slab misuse (mode = enum kmm_misuse 5..11; misuse mode and a slab
 * backend only). Whether the handle dies is part of the rule:
 *  obj_double_free   handle = a live slab object; freed properly, then
 *                    again (kmem_cache_free or kfree by its type). Dies.
 *  wrong_cache       handle = a live cache object, cache = another live
 *                    cache; kmem_cache_free(cache, obj). With checks on the
 *                    kernel frees it to its own cache (cache_from_obj):
 *                    dies. (Where a backend refuses instead, as SLOB's
 *                    shared heap does, the executor keeps the object; the
 *                    program never names it again and teardown frees it.)
 *  kfree_interior    handle = a live kmalloc of size 2..8192, arg =
 *                    1..size-1: kfree(obj + arg) is refused. Stays live.
 *  kfree_non_slab    handle = a live page handle: kfree(page address) is
 *                    refused. Stays live.
 *  write_past_end    handle = a live slab object, arg <
 *                    kmm_program_past_end_room(size): one byte at obj +
 *                    size + arg (inside the right red zone every layout
 *                    has, the kernel's calculate_sizes), then validate. Stays.
 *  write_after_free  handle = a live slab object, arg < size: free it, write
 *                    one byte at obj + arg, then validate. Dies.
 *  destroy_busy      cache = a live cache with live objects: destroy
 *                    refuses ("Objects remaining"); the cache stays live.
 *
 * The binary decoder of a slab kind (codec_binary.c) folds every operand
 * into these ranges and picks handles and caches by index among the live
 * ones of the right type; an op that has nothing to act on decodes as a
 * kmalloc (as a free with no handle decodes as alloc_pages in page
 * programs), and when the handle space is used up, as check.
 * KMALLOC_DIFF programs (backend ALL) carry the same slab ops with a
 * kmalloc-heavy mix and no page ops: alloc_pages, free_pages, drain,
 * set_policy and page misuse kinds 0..4 are invalid there (so
 * kfree_non_slab never appears either); write, verify, set_cpu and check
 * are allowed. The host-malloc oracle models what it can (caches as plain
 * aligned allocations) and skips the rest (misuse, validate).
 */
#define KMM_PROGRAM_MAX_HANDLES 8192u      /* handles of one program */
#define KMM_PROGRAM_KMALLOC_MAX 65536u     /* kmalloc / krealloc / kcalloc bytes */
#define KMM_PROGRAM_BULK_MAX 64u           /* objects of one bulk op */
#define KMM_PROGRAM_CACHE_SIZE_MAX 8192u   /* cache_create size */
#define KMM_PROGRAM_CACHE_ALIGN_MAX 4096u  /* cache_create align */
#define KMM_PROGRAM_NR_KINDS 6             /* enum kmm_program_kind */
#define KMM_PROGRAM_SLAB_FEATURES 0x3u     /* KMM_SLAB_FREELIST_HARDENED | _RANDOM */

/* Bytes past a slab object of this size that are red zone in every layout:
 * [size, ALIGN(size + 1, 8)). write_past_end's arg is below it. */
static inline uint32_t kmm_program_past_end_room(uint32_t size)
{
	return ((size + 8u) & ~7u) - size;
}

/* A gfp a slab op may carry: kmm_program_gfp_valid and none of __GFP_DMA32,
 * __GFP_HIGHMEM, __GFP_MOVABLE, __GFP_WRITE, __GFP_MEMALLOC, __GFP_NOFAIL,
 * __GFP_COMP (the kernel's GFP_SLAB_BUG_MASK and what slab callers never
 * pass); __GFP_DMA only for kmalloc / krealloc (the dma-kmalloc family). */
bool kmm_program_slab_gfp_valid(kmm_gfp_t gfp, bool kmalloc);
#define KMM_PROGRAM_SLAB_GFP_BANNED                                                   \
	(KMM___GFP_DMA32 | KMM___GFP_HIGHMEM | KMM___GFP_MOVABLE | KMM___GFP_WRITE |  \
	 KMM___GFP_MEMALLOC | KMM___GFP_NOFAIL | KMM___GFP_COMP)

/* The zones a slab program's node gets when none are given (the binary
 * header's preset, and text without zone lines): DMA
 * KMM_PROGRAM_SLAB_DMA_PAGES on node 0 (dma-kmalloc, SLAB_CACHE_DMA), then
 * Normal KMM_PROGRAM_SLAB_NODE_PAGES, within the node cap. */
#define KMM_PROGRAM_SLAB_DMA_PAGES 128u
#define KMM_PROGRAM_SLAB_NODE_PAGES 1024u
void kmm_program_slab_default_node(struct kmm_program_header *hdr, unsigned nid);

/* "none", "slub", "slab", "slob", "all"; "?" out of range. */
const char *kmm_program_slab_name(unsigned backend);
/* "pages", "numa", "slub", "slab", "slob", "kmalloc_diff"; "?" out of range. */
const char *kmm_program_kind_name(unsigned kind);
/* The kind named s (a name above, or "fuzz_<name>"); -1 if none. */
int kmm_program_kind_parse(const char *s);
/* The fuzz target of a kind: "fuzz_pages", ..., "fuzz_kmalloc_diff". */
const char *kmm_program_kind_target(unsigned kind);

#endif
