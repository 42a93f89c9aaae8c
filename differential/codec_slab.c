// SPDX-License-Identifier: MIT
/*
 * The binary face of slab programs: kinds SLUB, SLAB, SLOB and KMALLOC_DIFF.
 *
 * The same two promises as the page programs' codec (codec_binary.c): any
 * bytes decode to a valid program (program.h, "slab programs"), and
 * kmm_program_encode writes bytes that decode back to the same program
 * under kmm_program_kind_of(p). The kind fixes the backend, so the header
 * does not spend a byte on it.
 *
 * Both directions run the same bookkeeping (struct sstate, sstate_apply):
 * the live handles in handle order with their type, size and cache, and the
 * live caches with their object counts. An operand that names a handle or a
 * cache is an index among the live ones of the right type (one byte while
 * at most 256 qualify, else u16), taken modulo their count, so the encoder
 * only has to find a value's rank in that same list. When nothing
 * qualifies, the op decodes as a kmalloc (reading a kmalloc's bytes from
 * there on); when the handle space is used up (KMM_PROGRAM_MAX_HANDLES), as
 * check. A cache_destroy that picks a cache with live objects becomes a
 * cache_free_bulk of them instead, so destroys are not starved.
 *
 * Layout (multi-byte values little endian):
 *
 *   header
 *     [0]     bit0 misuse mode; bit1 debug level 1, bit1+bit2 level 2;
 *             bit3 an extension byte X follows [11]; bits 4-7 unused
 *     [1..8]  seed
 *     [9]     nodes: b < 160: 1; b < 240: 2 for SLUB and SLAB, else 1;
 *             b >= 240: 1 + (b - 240) % 8
 *     [10]    cpus: b < 128: 1 + b % 4; else 1 + b % 16
 *     [11]    slab: bits 0-3 slab_debug (F Z P U; misuse mode adds F Z P),
 *             bits 4-5 slab_features (HARDENED, RANDOM)
 *     [X]     (bit3) bit0 explicit zones; bit1 distance table; bit2 CPU map;
 *             bit3 min_free_kbytes; bit4 pageblock order; bit5 pcp sizes
 *     [pb]    (X bit4) v = b % 9: 0 default, else v + 2
 *     u16     (X bit3) min_free_kbytes % 16385
 *     pcp     (X bit5) the page programs' pcp record (codec_decode_pcp):
 *             [b] odd: high = batch = 1; even: u16 v1, u16 v2, 1 + v % 4096
 *     zones   X bit0: per node as in page programs (codec_decode_node);
 *             else the preset kmm_program_slab_default_node(): node 0 DMA
 *             128 + Normal 1024 pages, every other node Normal 1024 (a
 *             small roomy system: fast to build)
 *     distance, CPU map: as page programs (X bit1 / bit2, nodes > 1)
 *
 *   ops, until the input ends or KMM_PROGRAM_MAX_OPS
 *     [op]  slab_table[b % 64] (SLUB, SLAB, SLOB: every op, page ops mixed
 *           in) or kdiff_table[b % 64] (KMALLOC_DIFF: kmalloc-heavy, no page
 *           ops); misuse is 1/64 and outside misuse mode a kmalloc
 *     alloc_pages, set_cpu, drain, set_policy, check: as page programs
 *     free_pages: page handle; write / verify: any handle
 *     cache_create  [s] size: s < 192: 1 + s; s < 224: cache_sizes[s - 192];
 *                   else u16: 1 + v % 8192
 *                   [a] align: v = a % 32: v < 19: 0; else 1 << (v - 19)
 *                   [f] flags: bit0 a debug byte follows (its low 4 bits:
 *                   F Z P U); bit1 HWCACHE_ALIGN; bit2 RECLAIM_ACCOUNT;
 *                   bit3 ctor; bit4 NO_MERGE; bit5 TYPESAFE_BY_RCU; bits
 *                   6-7: 2 CACHE_DMA32, 3 CACHE_DMA
 *     cache_destroy [cache] among live caches
 *     cache_alloc   [cache] [gfp] [node: b < 192: -1, else (b - 192) % nodes]
 *     cache_free    cache object
 *     cache_alloc_bulk  [cache] [n: 1 + b % 64, at most the handles left] [gfp]
 *     cache_free_bulk   [cache] among caches with objects, [object] among
 *                   that cache's, [n: 1 + b % 64, at most to the last handle]
 *     cache_shrink  [cache]; cache_validate [v % (live caches + 1)]: 0 all
 *     kmalloc       [m]: mode m % 4 (3 is 0: kmalloc twice as likely);
 *                   kcalloc: [n]: b < 240: b % 17, else u32 % 65537;
 *                   size; [gfp]; [node]. With n > 0 the size is taken
 *                   modulo KMM_PROGRAM_KMALLOC_MAX / n + 1.
 *                   size: [s] s < 128: s; s < 192: kmalloc_sizes[s - 128];
 *                   s < 248: u16 % 8193; else u32 % 65537
 *     krealloc      kmalloc handle, size, [gfp]
 *     kfree         kmalloc handle
 *     rcu_barrier, cache_reap: nothing
 *     misuse        [kind]: b % 12 (KMALLOC_DIFF: 5 + b % 7), then page kinds
 *                   as page programs (over page handles); obj_double_free:
 *                   slab object; wrong_cache: cache object, [cache] among
 *                   the other live caches; kfree_interior: kmalloc of
 *                   2..8192 bytes, u16: arg = 1 + v % (size - 1);
 *                   kfree_non_slab: page handle; write_past_end: slab
 *                   object, [b]: arg = b % past_end_room(size);
 *                   write_after_free: slab object, u16: arg = v % size;
 *                   destroy_busy: [cache] among caches with objects
 *     gfp of slab ops: [g] base = slab_gfp[g & 15] (15: a raw u32 follows);
 *       g < 128: nothing more (half the gfps are a plain composite); else
 *       bit4 __GFP_ZERO, bit5 __GFP_NOWARN, bit6 a modifier byte follows
 *       (slab_mods[]); then the banned bits (KMM_PROGRAM_SLAB_GFP_BANNED,
 *       and __GFP_DMA for cache ops) cleared.
 */
#include <string.h>

#include "codec_binary.h"

/* ---- tables (changing them changes what corpora mean) ------------------- */

#define OPS 64
static const uint8_t slab_table[OPS] = {
	KMM_OP_CACHE_CREATE, KMM_OP_CACHE_CREATE, KMM_OP_CACHE_CREATE, KMM_OP_CACHE_CREATE,
	KMM_OP_CACHE_DESTROY, KMM_OP_CACHE_DESTROY,
	KMM_OP_CACHE_ALLOC, KMM_OP_CACHE_ALLOC, KMM_OP_CACHE_ALLOC, KMM_OP_CACHE_ALLOC,
	KMM_OP_CACHE_ALLOC, KMM_OP_CACHE_ALLOC, KMM_OP_CACHE_ALLOC, KMM_OP_CACHE_ALLOC,
	KMM_OP_CACHE_ALLOC, /* 6..14 */
	KMM_OP_CACHE_FREE, KMM_OP_CACHE_FREE, KMM_OP_CACHE_FREE, KMM_OP_CACHE_FREE,
	KMM_OP_CACHE_FREE, KMM_OP_CACHE_FREE, /* 15..20 */
	KMM_OP_CACHE_ALLOC_BULK, KMM_OP_CACHE_ALLOC_BULK, KMM_OP_CACHE_FREE_BULK,
	KMM_OP_CACHE_FREE_BULK, KMM_OP_CACHE_SHRINK, /* 21..25 */
	KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC,
	KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC, /* 26..34 */
	KMM_OP_KREALLOC, KMM_OP_KREALLOC, KMM_OP_KREALLOC, /* 35..37 */
	KMM_OP_KFREE, KMM_OP_KFREE, KMM_OP_KFREE, KMM_OP_KFREE, KMM_OP_KFREE, KMM_OP_KFREE,
	KMM_OP_KFREE, /* 38..44 */
	KMM_OP_RCU_BARRIER, KMM_OP_CACHE_REAP, KMM_OP_CACHE_VALIDATE, /* 45..47 */
	KMM_OP_ALLOC_PAGES, KMM_OP_ALLOC_PAGES, KMM_OP_ALLOC_PAGES, KMM_OP_FREE_PAGES,
	KMM_OP_FREE_PAGES, /* 48..52 */
	KMM_OP_WRITE, KMM_OP_WRITE, KMM_OP_WRITE, KMM_OP_VERIFY, KMM_OP_VERIFY, /* 53..57 */
	KMM_OP_SET_CPU, KMM_OP_SET_CPU, KMM_OP_DRAIN, KMM_OP_SET_POLICY, KMM_OP_CHECK,
	KMM_OP_MISUSE, /* 58..63 */
};
static const uint8_t kdiff_table[OPS] = {
	KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC,
	KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC,
	KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC, KMM_OP_KMALLOC,
	KMM_OP_KMALLOC, /* 0..15 */
	KMM_OP_KREALLOC, KMM_OP_KREALLOC, KMM_OP_KREALLOC, KMM_OP_KREALLOC, KMM_OP_KREALLOC,
	KMM_OP_KREALLOC, KMM_OP_KREALLOC, KMM_OP_KREALLOC, /* 16..23 */
	KMM_OP_KFREE, KMM_OP_KFREE, KMM_OP_KFREE, KMM_OP_KFREE, KMM_OP_KFREE, KMM_OP_KFREE,
	KMM_OP_KFREE, KMM_OP_KFREE, KMM_OP_KFREE, KMM_OP_KFREE, KMM_OP_KFREE, KMM_OP_KFREE,
	/* 24..35 */
	KMM_OP_WRITE, KMM_OP_WRITE, KMM_OP_WRITE, KMM_OP_WRITE, KMM_OP_WRITE, KMM_OP_WRITE,
	KMM_OP_VERIFY, KMM_OP_VERIFY, KMM_OP_VERIFY, KMM_OP_VERIFY, KMM_OP_VERIFY, /* 36..46 */
	KMM_OP_CACHE_CREATE, KMM_OP_CACHE_CREATE, KMM_OP_CACHE_DESTROY, KMM_OP_CACHE_ALLOC,
	KMM_OP_CACHE_ALLOC, KMM_OP_CACHE_ALLOC, KMM_OP_CACHE_FREE, KMM_OP_CACHE_FREE,
	KMM_OP_CACHE_ALLOC_BULK, KMM_OP_CACHE_FREE_BULK, KMM_OP_CACHE_SHRINK, /* 47..57 */
	KMM_OP_RCU_BARRIER, KMM_OP_CACHE_REAP, KMM_OP_CACHE_VALIDATE, KMM_OP_SET_CPU,
	KMM_OP_CHECK, KMM_OP_MISUSE, /* 58..63 */
};

/* cache_create sizes past the dense 1..192: slab boundaries and odd sizes. */
static const uint16_t cache_sizes[32] = {
	200, 224, 256, 264, 320, 384, 448, 500, 512, 520, 640, 768, 1000, 1024, 1032, 1536,
	2000, 2048, 2056, 3000, 3072, 4000, 4096, 4104, 5000, 6000, 6144, 7000, 8000, 8184, 8191, 8192,
};

/* kmalloc sizes past the dense 0..127: each size class, its neighbours, the
 * SLOB page boundary and the large (page allocator) sizes. */
static const uint32_t kmalloc_sizes[64] = {
	128,   129,   160,   191,   192,   193,   255,   256,   257,   300,   384,   511,   512,
	513,   700,   1000,  1023,  1024,  1025,  1500,  2047,  2048,  2049,  3000,  4080,  4087,
	4088,  4095,  4096,  4097,  6000,  8191,  8192,  8193,  9000,  12288, 16383, 16384, 16385,
	20000, 24576, 32767, 32768, 32769, 40000, 49152, 65535, 65536, 8,     16,    24,    32,
	40,    48,    56,    64,    72,    80,    88,    96,    104,   112,   120,   127,
};

#define SLAB_GFP_RAW 15
static const kmm_gfp_t slab_gfp[SLAB_GFP_RAW] = {
	KMM_GFP_KERNEL,
	KMM_GFP_KERNEL,
	KMM_GFP_ATOMIC,
	KMM_GFP_NOWAIT,
	KMM_GFP_NOIO,
	KMM_GFP_NOFS,
	KMM_GFP_USER,
	KMM_GFP_KERNEL | KMM___GFP_ACCOUNT,
	KMM_GFP_KERNEL | KMM___GFP_DMA, /* dma-kmalloc; a cache op drops the DMA */
	KMM_GFP_ATOMIC | KMM___GFP_DMA,
	KMM_GFP_KERNEL | KMM___GFP_NORETRY,
	KMM_GFP_KERNEL | KMM___GFP_RETRY_MAYFAIL,
	KMM_GFP_KERNEL | KMM___GFP_THISNODE,
	KMM_GFP_ATOMIC | KMM___GFP_NOWARN,
	0, /* no reclaim, no kswapd */
};
#define SG_EXTRA 0x80u /* the bits below count only with this one */
#define SG_ZERO 0x10u
#define SG_NOWARN 0x20u
#define SG_MODS 0x40u
static const kmm_gfp_t slab_mods[8] = {
	KMM___GFP_RECLAIMABLE, KMM___GFP_NORETRY, KMM___GFP_RETRY_MAYFAIL, KMM___GFP_THISNODE,
	KMM___GFP_HIGH,        KMM___GFP_ACCOUNT, KMM___GFP_NOMEMALLOC,    KMM___GFP_DMA,
};

/* Header bits. */
#define SH_MISUSE 0x01u
#define SH_DEBUG1 0x02u
#define SH_DEBUG2 0x04u
#define SH_EXT 0x08u
#define SX_ZONES 0x01u
#define SX_DISTANCE 0x02u
#define SX_CPU_MAP 0x04u
#define SX_MIN_FREE 0x08u
#define SX_PAGEBLOCK 0x10u
#define SX_PCP 0x20u

#define NODES_TWO 160u   /* nodes byte >= this: two nodes (SLUB, SLAB) */
#define NODES_WIDE 240u  /* nodes byte >= this: 1..8 nodes */
#define CPUS_WIDE 128u
#define MISUSE_DEBUG (KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_RED_ZONE | KMM_SLAB_POISON)
#define PAGE_MISUSES (KMM_MISUSE_MISALIGNED + 1)
#define SLAB_MISUSES (KMM_MISUSE_COUNT - KMM_MISUSE_OBJ_DOUBLE_FREE)

/* cache_create flags byte. */
#define CF_DEBUG 0x01u
#define CF_HWCACHE 0x02u
#define CF_RECLAIM 0x04u
#define CF_CTOR 0x08u
#define CF_NO_MERGE 0x10u
#define CF_RCU 0x20u
#define CF_ZONE_SHIFT 6 /* 2: CACHE_DMA32, 3: CACHE_DMA */

#define CACHE_SIZE_TABLE 192u
#define CACHE_SIZE_RAW 224u
#define ALIGN_FIRST 19u
#define KM_SIZE_TABLE 128u
#define KM_SIZE_MID 192u
#define KM_SIZE_RAW 248u
#define KCALLOC_N_RAW 240u
#define KCALLOC_N_DENSE 17u

/* ---- bookkeeping shared by both directions -------------------------------- */

enum htype { HT_PAGE = 1, HT_COBJ, HT_KMALLOC };

struct hfact {
	uint32_t size; /* cache object: its cache's size; kmalloc: the request */
	uint8_t type;  /* enum htype */
	uint8_t order; /* page */
	uint8_t cache; /* cache object */
};

/* Which live handles an operand picks among. */
enum filt { F_ANY, F_PAGE, F_PAGE_BIG, F_COBJ, F_COBJ_OF, F_KMALLOC, F_KM_INTERIOR, F_SLABOBJ, NR_FILT };

/*
 * Invariants: live[0..nr_live) are the live handles in increasing order
 * (new handles are the largest, so allocs append); f[h] describes handle h
 * for h <= nr_handles; count[f] is the number of live handles filter f
 * (except F_COBJ_OF) matches, cache_objs[c] that of cache c's objects;
 * caches 1..nr_caches were created, cache_live[c] until destroyed.
 */
struct sstate {
	unsigned nodes;
	bool kdiff;
	uint32_t nr_handles, nr_live;
	uint32_t count[NR_FILT];
	unsigned nr_caches;
	bool cache_live[KMM_PROGRAM_MAX_CACHES + 1];
	uint32_t cache_objs[KMM_PROGRAM_MAX_CACHES + 1];
	uint32_t cache_size[KMM_PROGRAM_MAX_CACHES + 1];
	uint16_t live[KMM_PROGRAM_MAX_HANDLES];
	struct hfact f[KMM_PROGRAM_MAX_HANDLES + 1];
};

static bool hmatch(const struct sstate *s, uint32_t h, enum filt f, unsigned cache)
{
	const struct hfact *x = &s->f[h];

	switch (f) {
	case F_ANY:
		return true;
	case F_PAGE:
		return x->type == HT_PAGE;
	case F_PAGE_BIG:
		return x->type == HT_PAGE && x->order;
	case F_COBJ:
		return x->type == HT_COBJ;
	case F_COBJ_OF:
		return x->type == HT_COBJ && x->cache == cache;
	case F_KMALLOC:
		return x->type == HT_KMALLOC;
	case F_KM_INTERIOR:
		return x->type == HT_KMALLOC && x->size >= 2 && x->size <= KMM_KMALLOC_MAX_CACHE_SIZE;
	case F_SLABOBJ:
		return x->type == HT_COBJ ||
		       (x->type == HT_KMALLOC && x->size >= 1 && x->size <= KMM_KMALLOC_MAX_CACHE_SIZE);
	default:
		return false;
	}
}

/* Add (+1) or take away (-1) live handle h from the counts it is in. */
static void count_handle(struct sstate *s, uint32_t h, int delta)
{
	for (unsigned f = 0; f < NR_FILT; f++)
		if (f != F_COBJ_OF && hmatch(s, h, (enum filt)f, 0))
			s->count[f] += (uint32_t)delta;
	if (s->f[h].type == HT_COBJ)
		s->cache_objs[s->f[h].cache] += (uint32_t)delta;
}

static uint32_t hcount(const struct sstate *s, enum filt f, unsigned cache)
{
	return f == F_COBJ_OF ? s->cache_objs[cache] : s->count[f];
}

static uint32_t hnth(const struct sstate *s, enum filt f, unsigned cache, uint32_t idx)
{
	for (uint32_t i = 0; i < s->nr_live; i++)
		if (hmatch(s, s->live[i], f, cache) && idx-- == 0)
			return s->live[i];
	return 0;
}

static uint32_t hrank(const struct sstate *s, enum filt f, unsigned cache, uint32_t h)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->nr_live && s->live[i] < h; i++)
		n += hmatch(s, s->live[i], f, cache);
	return n;
}

/* Which live caches: all, those with objects, those other than `other`. */
enum cfilt { C_LIVE, C_BUSY, C_OTHER };

static bool cmatch(const struct sstate *s, unsigned c, enum cfilt f, unsigned other)
{
	if (!s->cache_live[c])
		return false;
	return f == C_LIVE || (f == C_BUSY && s->cache_objs[c]) || (f == C_OTHER && c != other);
}

static unsigned ccount(const struct sstate *s, enum cfilt f, unsigned other)
{
	unsigned n = 0;

	for (unsigned c = 1; c <= s->nr_caches; c++)
		n += cmatch(s, c, f, other);
	return n;
}

static unsigned cnth(const struct sstate *s, enum cfilt f, unsigned other, unsigned idx)
{
	for (unsigned c = 1; c <= s->nr_caches; c++)
		if (cmatch(s, c, f, other) && idx-- == 0)
			return c;
	return 0;
}

static unsigned crank(const struct sstate *s, enum cfilt f, unsigned other, unsigned cache)
{
	unsigned n = 0;

	for (unsigned c = 1; c < cache && c <= s->nr_caches; c++)
		n += cmatch(s, c, f, other);
	return n;
}

static void add_handle(struct sstate *s, uint32_t h, unsigned type, uint32_t size, unsigned order,
		       unsigned cache)
{
	if (h == 0 || h > KMM_PROGRAM_MAX_HANDLES || s->nr_live >= KMM_PROGRAM_MAX_HANDLES)
		return; /* an invalid program being encoded: keep the state sane */
	s->f[h].type = (uint8_t)type;
	s->f[h].size = size;
	s->f[h].order = (uint8_t)order;
	s->f[h].cache = (uint8_t)cache;
	s->live[s->nr_live++] = (uint16_t)h;
	if (h > s->nr_handles)
		s->nr_handles = h;
	count_handle(s, h, +1);
}

static void kill_handle(struct sstate *s, uint32_t h)
{
	uint32_t lo = 0, hi = s->nr_live;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->live[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= s->nr_live || s->live[lo] != h)
		return;
	count_handle(s, h, -1);
	memmove(&s->live[lo], &s->live[lo + 1], (s->nr_live - lo - 1) * sizeof(s->live[0]));
	s->nr_live--;
}

/* What an op does to the bookkeeping; the decoder and the encoder both call
 * it after each op, so they see the same lists. */
static void sstate_apply(struct sstate *s, const struct kmm_op *op)
{
	unsigned c = op->cache <= KMM_PROGRAM_MAX_CACHES ? op->cache : 0;

	switch (op->code) {
	case KMM_OP_ALLOC_PAGES:
		add_handle(s, op->handle, HT_PAGE, 0, op->order, 0);
		break;
	case KMM_OP_FREE_PAGES:
	case KMM_OP_CACHE_FREE:
	case KMM_OP_KFREE:
		kill_handle(s, op->handle);
		break;
	case KMM_OP_MISUSE:
		if (op->mode == KMM_MISUSE_DOUBLE_FREE || op->mode == KMM_MISUSE_OBJ_DOUBLE_FREE ||
		    op->mode == KMM_MISUSE_WRONG_CACHE || op->mode == KMM_MISUSE_WRITE_AFTER_FREE)
			kill_handle(s, op->handle);
		break;
	case KMM_OP_CACHE_CREATE:
		if (c && c > s->nr_caches)
			s->nr_caches = c;
		s->cache_live[c] = true;
		s->cache_objs[c] = 0;
		s->cache_size[c] = op->arg;
		break;
	case KMM_OP_CACHE_DESTROY:
		s->cache_live[c] = false;
		break;
	case KMM_OP_CACHE_ALLOC:
		add_handle(s, op->handle, HT_COBJ, s->cache_size[c], 0, c);
		break;
	case KMM_OP_CACHE_ALLOC_BULK:
		for (uint32_t n = 0; n < op->arg && n < KMM_PROGRAM_BULK_MAX; n++)
			add_handle(s, op->handle + n, HT_COBJ, s->cache_size[c], 0, c);
		break;
	case KMM_OP_CACHE_FREE_BULK:
		for (uint32_t h = op->handle; h < op->handle + op->arg && h <= s->nr_handles; h++)
			if (s->f[h].type == HT_COBJ && s->f[h].cache == c)
				kill_handle(s, h);
		break;
	case KMM_OP_KMALLOC:
		add_handle(s, op->handle, HT_KMALLOC, op->mode == 2 ? op->arg * op->arg2 : op->arg, 0, 0);
		break;
	case KMM_OP_KREALLOC: /* the size decides kfree_interior / slab object */
		if (op->handle && op->handle <= s->nr_handles && s->f[op->handle].type == HT_KMALLOC) {
			count_handle(s, op->handle, -1);
			s->f[op->handle].size = op->arg;
			count_handle(s, op->handle, +1);
		}
		break;
	default:
		break;
	}
}

static void sstate_init(struct sstate *s, const struct kmm_program_header *h)
{
	s->nodes = h->nr_nodes;
	s->kdiff = h->slab_backend == KMM_PROGRAM_SLAB_ALL;
	s->nr_handles = s->nr_live = 0;
	s->nr_caches = 0;
	memset(s->count, 0, sizeof(s->count));
	memset(s->cache_live, 0, sizeof(s->cache_live));
	memset(s->cache_objs, 0, sizeof(s->cache_objs));
	memset(s->cache_size, 0, sizeof(s->cache_size));
}

static void preset_zones(struct kmm_program_header *h)
{
	memset(h->zones, 0, sizeof(h->zones));
	for (unsigned n = 0; n < h->nr_nodes; n++)
		kmm_program_slab_default_node(h, n);
}

static bool is_preset(const struct kmm_program_header *h)
{
	struct kmm_program_header t = *h;

	preset_zones(&t);
	return memcmp(t.zones, h->zones, sizeof(t.zones)) == 0;
}

/* ---- decoding ---------------------------------------------------------------------- */

static kmm_gfp_t slab_gfp_fold(kmm_gfp_t gfp, bool kmalloc)
{
	gfp &= KMM___GFP_BITS_MASK & ~KMM_PROGRAM_SLAB_GFP_BANNED;
	if (!kmalloc)
		gfp &= ~KMM___GFP_DMA;
	return gfp;
}

static kmm_gfp_t read_gfp(struct reader *r, bool kmalloc)
{
	uint8_t g = rd8(r);
	kmm_gfp_t gfp = (g & 15) == SLAB_GFP_RAW ? rd32(r) : slab_gfp[g & 15];

	if (!(g & SG_EXTRA))
		return slab_gfp_fold(gfp, kmalloc);
	if (g & SG_ZERO)
		gfp |= KMM___GFP_ZERO;
	if (g & SG_NOWARN)
		gfp |= KMM___GFP_NOWARN;
	if (g & SG_MODS) {
		uint8_t m = rd8(r);

		for (unsigned i = 0; i < 8; i++)
			if (m >> i & 1)
				gfp |= slab_mods[i];
	}
	return slab_gfp_fold(gfp, kmalloc);
}

static int8_t read_node(struct reader *r, unsigned nodes)
{
	uint8_t b = rd8(r);

	return b < CODEC_NODE_EXPLICIT ? -1 : (int8_t)((b - CODEC_NODE_EXPLICIT) % nodes);
}

static uint32_t read_km_size(struct reader *r)
{
	uint8_t s = rd8(r);

	if (s < KM_SIZE_TABLE)
		return s;
	if (s < KM_SIZE_MID)
		return kmalloc_sizes[s - KM_SIZE_TABLE];
	if (s < KM_SIZE_RAW)
		return rd16(r) % (KMM_KMALLOC_MAX_CACHE_SIZE + 1u);
	return rd32(r) % (KMM_PROGRAM_KMALLOC_MAX + 1u);
}

static void decode_header(struct reader *r, enum kmm_program_kind kind, struct kmm_program_header *h)
{
	uint8_t f, b, x = 0;

	memset(h, 0, sizeof(*h));
	f = rd8(r);
	if (f & SH_MISUSE)
		h->flags |= KMM_PROG_MISUSE;
	if (f & SH_DEBUG1)
		h->debug_level = (f & SH_DEBUG2) ? 2 : 1;
	for (unsigned i = 0; i < 8; i++)
		h->seed |= (uint64_t)rd8(r) << (8 * i);
	b = rd8(r);
	if (b >= NODES_WIDE)
		h->nr_nodes = (uint8_t)(1 + (b - NODES_WIDE) % 8);
	else if (b >= NODES_TWO && (kind == KMM_PROGRAM_SLUB || kind == KMM_PROGRAM_SLAB))
		h->nr_nodes = 2;
	else
		h->nr_nodes = 1;
	b = rd8(r);
	h->nr_cpus = (uint8_t)(b >= CPUS_WIDE ? 1 + b % 16 : 1 + b % 4);
	b = rd8(r);
	h->slab_debug = (uint8_t)(b & KMM_SLAB_DEBUG_FLAGS);
	if (h->flags & KMM_PROG_MISUSE)
		h->slab_debug |= MISUSE_DEBUG;
	h->slab_features = (uint8_t)(b >> 4 & KMM_PROGRAM_SLAB_FEATURES);
	switch (kind) {
	case KMM_PROGRAM_SLAB:
		h->slab_backend = KMM_PROGRAM_SLAB_SLAB;
		break;
	case KMM_PROGRAM_SLOB:
		h->slab_backend = KMM_PROGRAM_SLAB_SLOB;
		break;
	case KMM_PROGRAM_KMALLOC_DIFF:
		h->slab_backend = KMM_PROGRAM_SLAB_ALL;
		break;
	default:
		h->slab_backend = KMM_PROGRAM_SLAB_SLUB;
		break;
	}
	if (f & SH_EXT)
		x = rd8(r);
	if (x & SX_PAGEBLOCK) {
		b = rd8(r) % 9;
		h->pageblock_order = b ? (uint8_t)(b + 2) : 0;
	}
	if (x & SX_MIN_FREE)
		h->min_free_kbytes = rd16(r) % (KMM_PROGRAM_MAX_MIN_FREE_KBYTES + 1);
	if (x & SX_PCP)
		codec_decode_pcp(r, h);
	if (x & SX_ZONES) {
		uint32_t cap = kmm_program_node_cap(h->nr_nodes);

		for (unsigned n = 0; n < h->nr_nodes; n++)
			codec_decode_node(r, h, n, cap);
	} else {
		preset_zones(h);
	}
	if ((x & SX_DISTANCE) && h->nr_nodes > 1) {
		unsigned nodes = h->nr_nodes < KMM_MAX_NODES ? h->nr_nodes : KMM_MAX_NODES;

		for (unsigned a = 0; a < nodes; a++) {
			h->distance[a][a] = 10;
			for (unsigned c = a + 1; c < nodes; c++) {
				uint8_t dist = (uint8_t)(11 + rd8(r) % 244);
				h->distance[a][c] = h->distance[c][a] = dist;
			}
		}
	}
	if ((x & SX_CPU_MAP) && h->nr_nodes > 1)
		for (unsigned c = 0; c < h->nr_cpus; c++)
			h->cpu_node[c] = rd8(r) % h->nr_nodes;
}

/* A handle among the live ones of a type; false when there is none. */
static bool pick(struct reader *r, const struct sstate *s, enum filt f, unsigned cache, uint32_t *h)
{
	uint32_t n = hcount(s, f, cache);

	if (!n)
		return false;
	*h = hnth(s, f, cache, codec_read_index(r, n));
	return *h != 0;
}

static bool pick_cache(struct reader *r, const struct sstate *s, enum cfilt f, unsigned other,
		       uint8_t *cache)
{
	unsigned n = ccount(s, f, other);

	if (!n)
		return false;
	*cache = (uint8_t)cnth(s, f, other, codec_read_index(r, n));
	return *cache != 0;
}

static bool decode_cache_create(struct reader *r, const struct sstate *s, struct kmm_op *op)
{
	uint8_t b, fl;
	unsigned v;

	if (s->nr_caches >= KMM_PROGRAM_MAX_CACHES)
		return false;
	op->cache = (uint8_t)(s->nr_caches + 1);
	b = rd8(r);
	if (b < CACHE_SIZE_TABLE)
		op->arg = 1u + b;
	else if (b < CACHE_SIZE_RAW)
		op->arg = cache_sizes[b - CACHE_SIZE_TABLE];
	else
		op->arg = 1u + rd16(r) % KMM_PROGRAM_CACHE_SIZE_MAX;
	v = rd8(r) % 32u;
	op->arg2 = v < ALIGN_FIRST ? 0 : 1u << (v - ALIGN_FIRST);
	fl = rd8(r);
	if (fl & CF_DEBUG)
		op->cflags |= (uint16_t)(rd8(r) & KMM_SLAB_DEBUG_FLAGS);
	if (fl & CF_HWCACHE)
		op->cflags |= KMM_SLAB_HWCACHE_ALIGN;
	if (fl & CF_RECLAIM)
		op->cflags |= KMM_SLAB_RECLAIM_ACCOUNT;
	if (fl & CF_NO_MERGE)
		op->cflags |= KMM_SLAB_NO_MERGE;
	if (fl & CF_RCU)
		op->cflags |= KMM_SLAB_TYPESAFE_BY_RCU;
	if (fl >> CF_ZONE_SHIFT == 2)
		op->cflags |= KMM_SLAB_CACHE_DMA32;
	else if (fl >> CF_ZONE_SHIFT == 3)
		op->cflags |= KMM_SLAB_CACHE_DMA;
	op->mode = (fl & CF_CTOR) ? 1 : 0;
	return true;
}

static void decode_kmalloc(struct reader *r, const struct sstate *s, struct kmm_op *op)
{
	uint8_t m = rd8(r);

	op->code = KMM_OP_KMALLOC;
	op->handle = s->nr_handles + 1;
	op->mode = (m & 3) == 3 ? 0 : (uint8_t)(m & 3);
	if (op->mode == 2) {
		uint8_t b = rd8(r);

		op->arg2 = b < KCALLOC_N_RAW ? b % KCALLOC_N_DENSE : rd32(r) % (KMM_PROGRAM_KMALLOC_MAX + 1u);
	}
	op->arg = read_km_size(r);
	if (op->arg2)
		op->arg %= KMM_PROGRAM_KMALLOC_MAX / op->arg2 + 1u;
	op->gfp = read_gfp(r, true);
	op->node = read_node(r, s->nodes);
}

static bool decode_misuse(struct reader *r, const struct sstate *s, struct kmm_op *op)
{
	uint32_t h = 0;
	uint8_t b = rd8(r);

	op->mode = s->kdiff ? (uint8_t)(KMM_MISUSE_OBJ_DOUBLE_FREE + b % SLAB_MISUSES)
			    : (uint8_t)(b % KMM_MISUSE_COUNT);
	switch (op->mode) {
	case KMM_MISUSE_FOREIGN_PFN:
		op->arg = rd32(r);
		return true;
	case KMM_MISUSE_DOUBLE_FREE:
	case KMM_MISUSE_KFREE_NON_SLAB:
		return pick(r, s, F_PAGE, 0, &op->handle);
	case KMM_MISUSE_WRONG_ORDER:
		if (!pick(r, s, F_PAGE, 0, &h))
			return false;
		op->handle = h;
		op->order = (uint8_t)((s->f[h].order + 1u + rd8(r) % 10u) % 11u);
		return true;
	case KMM_MISUSE_TAIL_PAGE:
		if (!pick(r, s, F_PAGE_BIG, 0, &h))
			return false;
		op->handle = h;
		op->arg = 1u + rd16(r) % ((1u << s->f[h].order) - 1u);
		return true;
	case KMM_MISUSE_MISALIGNED:
		if (!pick(r, s, F_PAGE, 0, &op->handle))
			return false;
		op->arg = 1u + rd16(r) % (KMM_PAGE_SIZE - 1u);
		return true;
	case KMM_MISUSE_OBJ_DOUBLE_FREE:
		return pick(r, s, F_SLABOBJ, 0, &op->handle);
	case KMM_MISUSE_WRONG_CACHE:
		if (!pick(r, s, F_COBJ, 0, &h))
			return false;
		op->handle = h;
		return pick_cache(r, s, C_OTHER, s->f[h].cache, &op->cache);
	case KMM_MISUSE_KFREE_INTERIOR:
		if (!pick(r, s, F_KM_INTERIOR, 0, &h))
			return false;
		op->handle = h;
		op->arg = 1u + rd16(r) % (s->f[h].size - 1u);
		return true;
	case KMM_MISUSE_WRITE_PAST_END:
		if (!pick(r, s, F_SLABOBJ, 0, &h))
			return false;
		op->handle = h;
		op->arg = rd8(r) % kmm_program_past_end_room(s->f[h].size);
		return true;
	case KMM_MISUSE_WRITE_AFTER_FREE:
		if (!pick(r, s, F_SLABOBJ, 0, &h))
			return false;
		op->handle = h;
		op->arg = rd16(r) % s->f[h].size;
		return true;
	default: /* KMM_MISUSE_DESTROY_BUSY */
		return pick_cache(r, s, C_BUSY, 0, &op->cache);
	}
}

/* One op's operands; false when it has nothing to act on (fallback). */
static bool decode_op(struct reader *r, struct sstate *s, const struct kmm_program_header *h,
		      struct kmm_op *op)
{
	bool room = s->nr_handles < KMM_PROGRAM_MAX_HANDLES;
	uint32_t n;

	switch (op->code) {
	case KMM_OP_ALLOC_PAGES:
		if (!room)
			return false;
		op->handle = s->nr_handles + 1;
		codec_decode_alloc_fields(r, s->nodes, op);
		return true;
	case KMM_OP_FREE_PAGES:
		return pick(r, s, F_PAGE, 0, &op->handle);
	case KMM_OP_WRITE:
	case KMM_OP_VERIFY:
		return pick(r, s, F_ANY, 0, &op->handle);
	case KMM_OP_SET_CPU:
		op->cpu = rd8(r) % h->nr_cpus;
		return true;
	case KMM_OP_DRAIN: {
		unsigned v = rd8(r) % (h->nr_cpus + 1u);

		op->cpu = v == h->nr_cpus ? KMM_DRAIN_ALL : (uint8_t)v;
		return true;
	}
	case KMM_OP_SET_POLICY:
		codec_decode_policy(r, s->nodes, op);
		return true;
	case KMM_OP_CHECK:
	case KMM_OP_RCU_BARRIER:
	case KMM_OP_CACHE_REAP:
		return true;
	case KMM_OP_MISUSE:
		return (h->flags & KMM_PROG_MISUSE) && decode_misuse(r, s, op);
	case KMM_OP_CACHE_CREATE:
		return decode_cache_create(r, s, op);
	case KMM_OP_CACHE_DESTROY:
		if (!pick_cache(r, s, C_LIVE, 0, &op->cache))
			return false;
		if (!s->cache_objs[op->cache])
			return true;
		/* Busy: free its objects instead, from the first live one on. */
		op->code = KMM_OP_CACHE_FREE_BULK;
		op->handle = hnth(s, F_COBJ_OF, op->cache, 0);
		n = s->nr_handles - op->handle + 1;
		op->arg = n < KMM_PROGRAM_BULK_MAX ? n : KMM_PROGRAM_BULK_MAX;
		return true;
	case KMM_OP_CACHE_ALLOC:
		if (!room || !pick_cache(r, s, C_LIVE, 0, &op->cache))
			return false;
		op->handle = s->nr_handles + 1;
		op->gfp = read_gfp(r, false);
		op->node = read_node(r, s->nodes);
		return true;
	case KMM_OP_CACHE_ALLOC_BULK:
		if (!room || !pick_cache(r, s, C_LIVE, 0, &op->cache))
			return false;
		op->handle = s->nr_handles + 1;
		n = 1u + rd8(r) % KMM_PROGRAM_BULK_MAX;
		op->arg = n < KMM_PROGRAM_MAX_HANDLES - s->nr_handles ? n : KMM_PROGRAM_MAX_HANDLES - s->nr_handles;
		op->gfp = read_gfp(r, false);
		return true;
	case KMM_OP_CACHE_FREE:
		return pick(r, s, F_COBJ, 0, &op->handle);
	case KMM_OP_CACHE_FREE_BULK:
		if (!pick_cache(r, s, C_BUSY, 0, &op->cache) ||
		    !pick(r, s, F_COBJ_OF, op->cache, &op->handle))
			return false;
		n = 1u + rd8(r) % KMM_PROGRAM_BULK_MAX;
		op->arg = n < s->nr_handles - op->handle + 1 ? n : s->nr_handles - op->handle + 1;
		return true;
	case KMM_OP_CACHE_SHRINK:
		return pick_cache(r, s, C_LIVE, 0, &op->cache);
	case KMM_OP_CACHE_VALIDATE:
		n = codec_read_index(r, ccount(s, C_LIVE, 0) + 1u);
		op->cache = n ? (uint8_t)cnth(s, C_LIVE, 0, n - 1) : 0;
		return true;
	case KMM_OP_KMALLOC:
		if (!room)
			return false;
		decode_kmalloc(r, s, op);
		return true;
	case KMM_OP_KREALLOC:
		if (!pick(r, s, F_KMALLOC, 0, &op->handle))
			return false;
		op->arg = read_km_size(r);
		op->gfp = read_gfp(r, true);
		return true;
	case KMM_OP_KFREE:
		return pick(r, s, F_KMALLOC, 0, &op->handle);
	default:
		return false;
	}
}

void codec_slab_decode(const uint8_t *data, size_t size, enum kmm_program_kind kind,
		       struct kmm_program *out)
{
	struct reader r = { data, data ? size : 0, 0 };
	struct sstate s; /* ~80 KiB; only the caches are cleared */
	const uint8_t *table;

	decode_header(&r, kind, &out->hdr);
	sstate_init(&s, &out->hdr);
	table = s.kdiff ? kdiff_table : slab_table;
	out->nr_ops = 0;
	out->nr_handles = 0;
	while (r.pos < r.n && out->nr_ops < KMM_PROGRAM_MAX_OPS) {
		struct kmm_op *op = &out->ops[out->nr_ops++];

		memset(op, 0, sizeof(*op));
		op->code = table[rd8(&r) % OPS];
		if (!decode_op(&r, &s, &out->hdr, op)) {
			memset(op, 0, sizeof(*op));
			if (s.nr_handles < KMM_PROGRAM_MAX_HANDLES)
				decode_kmalloc(&r, &s, op);
			else
				op->code = KMM_OP_CHECK;
		}
		sstate_apply(&s, op);
	}
	out->nr_handles = s.nr_handles;
}

/* ---- encoding ---------------------------------------------------------------------- */

static void encode_header(struct writer *w, const struct kmm_program_header *h)
{
	unsigned f = 0, x = 0;
	bool distance = false, cpu_map = false;

	for (unsigned a = 0; a < KMM_MAX_NODES; a++)
		for (unsigned b = 0; b < KMM_MAX_NODES; b++)
			distance |= h->distance[a][b] != 0;
	for (unsigned c = 0; c < KMM_MAX_CPUS; c++)
		cpu_map |= h->cpu_node[c] != 0;
	if (!is_preset(h))
		x |= SX_ZONES;
	if (distance && h->nr_nodes > 1)
		x |= SX_DISTANCE;
	if (cpu_map && h->nr_nodes > 1)
		x |= SX_CPU_MAP;
	if (h->min_free_kbytes)
		x |= SX_MIN_FREE;
	if (h->pageblock_order)
		x |= SX_PAGEBLOCK;
	if (h->pcp_high && h->pcp_batch)
		x |= SX_PCP;
	if (h->flags & KMM_PROG_MISUSE)
		f |= SH_MISUSE;
	if (h->debug_level)
		f |= h->debug_level >= 2 ? SH_DEBUG1 | SH_DEBUG2 : SH_DEBUG1;
	if (x)
		f |= SH_EXT;
	put8(w, f);
	for (unsigned i = 0; i < 8; i++)
		put8(w, (unsigned)(h->seed >> (8 * i)) & 0xff);
	if (h->nr_nodes <= 1)
		put8(w, 0);
	else if (h->nr_nodes == 2 && (h->slab_backend == KMM_PROGRAM_SLAB_SLUB ||
				      h->slab_backend == KMM_PROGRAM_SLAB_SLAB))
		put8(w, NODES_TWO);
	else
		put8(w, NODES_WIDE + h->nr_nodes - 1u);
	put8(w, h->nr_cpus <= 4 ? h->nr_cpus - 1u : CPUS_WIDE + h->nr_cpus - 1u);
	put8(w, (h->slab_debug & KMM_SLAB_DEBUG_FLAGS) | (unsigned)(h->slab_features & 3u) << 4);
	if (x)
		put8(w, x);
	if (x & SX_PAGEBLOCK)
		put8(w, h->pageblock_order - 2u);
	if (x & SX_MIN_FREE)
		put16(w, h->min_free_kbytes);
	if (x & SX_PCP)
		codec_encode_pcp(w, h);
	if (x & SX_ZONES)
		for (unsigned n = 0; n < h->nr_nodes && n < KMM_MAX_NODES; n++)
			codec_encode_node(w, h, n);
	if (x & SX_DISTANCE)
		for (unsigned a = 0; a < h->nr_nodes; a++)
			for (unsigned c = a + 1; c < h->nr_nodes; c++)
				put8(w, h->distance[a][c] - 11u);
	if (x & SX_CPU_MAP)
		for (unsigned c = 0; c < h->nr_cpus; c++)
			put8(w, h->cpu_node[c]);
}

static void put_gfp(struct writer *w, kmm_gfp_t gfp, bool kmalloc)
{
	const kmm_gfp_t flagbits = KMM___GFP_ZERO | KMM___GFP_NOWARN;
	kmm_gfp_t mods = 0;

	for (unsigned i = 0; i < 8; i++)
		mods |= slab_mods[i];
	for (unsigned i = 0; i < SLAB_GFP_RAW; i++) {
		kmm_gfp_t base = slab_gfp_fold(slab_gfp[i], kmalloc), rest;
		unsigned g = i, m = 0;

		if (base & ~gfp)
			continue;
		rest = gfp & ~base;
		if (rest & ~(flagbits | mods))
			continue;
		g |= (rest & KMM___GFP_ZERO ? SG_ZERO : 0) | (rest & KMM___GFP_NOWARN ? SG_NOWARN : 0);
		for (unsigned b = 0; b < 8; b++)
			if (rest & slab_mods[b])
				m |= 1u << b;
		if (m)
			g |= SG_MODS;
		if (rest)
			g |= SG_EXTRA;
		put8(w, g);
		if (m)
			put8(w, m);
		return;
	}
	put8(w, SLAB_GFP_RAW);
	put32(w, gfp);
}

static void put_node(struct writer *w, int node)
{
	put8(w, node < 0 ? 0 : CODEC_NODE_EXPLICIT + (unsigned)node);
}

static void put_km_size(struct writer *w, uint32_t size)
{
	if (size < KM_SIZE_TABLE) {
		put8(w, size);
		return;
	}
	for (unsigned i = 0; i < sizeof(kmalloc_sizes) / sizeof(kmalloc_sizes[0]); i++) {
		if (kmalloc_sizes[i] == size) {
			put8(w, KM_SIZE_TABLE + i);
			return;
		}
	}
	if (size <= KMM_KMALLOC_MAX_CACHE_SIZE) {
		put8(w, KM_SIZE_MID);
		put16(w, size);
	} else {
		put8(w, KM_SIZE_RAW);
		put32(w, size);
	}
}

static void put_handle(struct writer *w, const struct sstate *s, enum filt f, unsigned cache,
		       uint32_t h)
{
	codec_put_index(w, hrank(s, f, cache, h), hcount(s, f, cache));
}

static void put_cache(struct writer *w, const struct sstate *s, enum cfilt f, unsigned other,
		      unsigned cache)
{
	codec_put_index(w, crank(s, f, other, cache), ccount(s, f, other));
}

static void encode_cache_create(struct writer *w, const struct kmm_op *op)
{
	unsigned fl = 0, align_v = 0, i;

	if (op->arg >= 1 && op->arg <= CACHE_SIZE_TABLE) {
		put8(w, op->arg - 1u);
	} else {
		for (i = 0; i < 32 && cache_sizes[i] != op->arg; i++)
			;
		if (i < 32) {
			put8(w, CACHE_SIZE_TABLE + i);
		} else {
			put8(w, CACHE_SIZE_RAW);
			put16(w, op->arg - 1u);
		}
	}
	if (op->arg2)
		for (align_v = ALIGN_FIRST; align_v < 31 && (1u << (align_v - ALIGN_FIRST)) != op->arg2;
		     align_v++)
			;
	put8(w, align_v);
	if (op->cflags & KMM_SLAB_DEBUG_FLAGS)
		fl |= CF_DEBUG;
	if (op->cflags & KMM_SLAB_HWCACHE_ALIGN)
		fl |= CF_HWCACHE;
	if (op->cflags & KMM_SLAB_RECLAIM_ACCOUNT)
		fl |= CF_RECLAIM;
	if (op->mode)
		fl |= CF_CTOR;
	if (op->cflags & KMM_SLAB_NO_MERGE)
		fl |= CF_NO_MERGE;
	if (op->cflags & KMM_SLAB_TYPESAFE_BY_RCU)
		fl |= CF_RCU;
	if (op->cflags & KMM_SLAB_CACHE_DMA)
		fl |= 3u << CF_ZONE_SHIFT;
	else if (op->cflags & KMM_SLAB_CACHE_DMA32)
		fl |= 2u << CF_ZONE_SHIFT;
	put8(w, fl);
	if (fl & CF_DEBUG)
		put8(w, op->cflags & KMM_SLAB_DEBUG_FLAGS);
}

static void encode_misuse(struct writer *w, const struct sstate *s, const struct kmm_op *op)
{
	uint32_t h = op->handle <= KMM_PROGRAM_MAX_HANDLES ? op->handle : 0;

	put8(w, s->kdiff ? op->mode - (unsigned)KMM_MISUSE_OBJ_DOUBLE_FREE : op->mode);
	switch (op->mode) {
	case KMM_MISUSE_FOREIGN_PFN:
		put32(w, op->arg);
		break;
	case KMM_MISUSE_DOUBLE_FREE:
	case KMM_MISUSE_KFREE_NON_SLAB:
		put_handle(w, s, F_PAGE, 0, h);
		break;
	case KMM_MISUSE_WRONG_ORDER:
		put_handle(w, s, F_PAGE, 0, h);
		put8(w, (op->order + 22u - s->f[h].order - 1u) % 11u);
		break;
	case KMM_MISUSE_TAIL_PAGE:
		put_handle(w, s, F_PAGE_BIG, 0, h);
		put16(w, op->arg - 1u);
		break;
	case KMM_MISUSE_MISALIGNED:
		put_handle(w, s, F_PAGE, 0, h);
		put16(w, op->arg - 1u);
		break;
	case KMM_MISUSE_OBJ_DOUBLE_FREE:
		put_handle(w, s, F_SLABOBJ, 0, h);
		break;
	case KMM_MISUSE_WRONG_CACHE:
		put_handle(w, s, F_COBJ, 0, h);
		put_cache(w, s, C_OTHER, s->f[h].cache, op->cache);
		break;
	case KMM_MISUSE_KFREE_INTERIOR:
		put_handle(w, s, F_KM_INTERIOR, 0, h);
		put16(w, op->arg - 1u);
		break;
	case KMM_MISUSE_WRITE_PAST_END:
		put_handle(w, s, F_SLABOBJ, 0, h);
		put8(w, op->arg);
		break;
	case KMM_MISUSE_WRITE_AFTER_FREE:
		put_handle(w, s, F_SLABOBJ, 0, h);
		put16(w, op->arg);
		break;
	default:
		put_cache(w, s, C_BUSY, 0, op->cache);
		break;
	}
}

static void encode_op(struct writer *w, const struct sstate *s, const struct kmm_program_header *h,
		      const struct kmm_op *op)
{
	const uint8_t *table = s->kdiff ? kdiff_table : slab_table;
	unsigned slot = 0;

	while (slot < OPS && table[slot] != op->code)
		slot++;
	put8(w, slot < OPS ? slot : 0); /* absent: not a valid program of this kind */
	switch (op->code) {
	case KMM_OP_ALLOC_PAGES:
		codec_encode_alloc_fields(w, op);
		break;
	case KMM_OP_FREE_PAGES:
		put_handle(w, s, F_PAGE, 0, op->handle);
		break;
	case KMM_OP_WRITE:
	case KMM_OP_VERIFY:
		put_handle(w, s, F_ANY, 0, op->handle);
		break;
	case KMM_OP_SET_CPU:
	case KMM_OP_DRAIN:
	case KMM_OP_SET_POLICY:
		codec_encode_cpu_op(w, h, s->nodes, op);
		break;
	case KMM_OP_MISUSE:
		encode_misuse(w, s, op);
		break;
	case KMM_OP_CACHE_CREATE:
		encode_cache_create(w, op);
		break;
	case KMM_OP_CACHE_DESTROY:
	case KMM_OP_CACHE_SHRINK:
		put_cache(w, s, C_LIVE, 0, op->cache);
		break;
	case KMM_OP_CACHE_ALLOC:
		put_cache(w, s, C_LIVE, 0, op->cache);
		put_gfp(w, op->gfp, false);
		put_node(w, op->node);
		break;
	case KMM_OP_CACHE_ALLOC_BULK:
		put_cache(w, s, C_LIVE, 0, op->cache);
		put8(w, op->arg - 1u);
		put_gfp(w, op->gfp, false);
		break;
	case KMM_OP_CACHE_FREE:
		put_handle(w, s, F_COBJ, 0, op->handle);
		break;
	case KMM_OP_CACHE_FREE_BULK:
		put_cache(w, s, C_BUSY, 0, op->cache);
		put_handle(w, s, F_COBJ_OF, op->cache, op->handle);
		put8(w, op->arg - 1u);
		break;
	case KMM_OP_CACHE_VALIDATE:
		codec_put_index(w, op->cache ? crank(s, C_LIVE, 0, op->cache) + 1u : 0,
				ccount(s, C_LIVE, 0) + 1u);
		break;
	case KMM_OP_KMALLOC:
		put8(w, op->mode);
		if (op->mode == 2) {
			if (op->arg2 < KCALLOC_N_DENSE) {
				put8(w, op->arg2);
			} else {
				put8(w, KCALLOC_N_RAW);
				put32(w, op->arg2);
			}
		}
		put_km_size(w, op->arg);
		put_gfp(w, op->gfp, true);
		put_node(w, op->node);
		break;
	case KMM_OP_KREALLOC:
		put_handle(w, s, F_KMALLOC, 0, op->handle);
		put_km_size(w, op->arg);
		put_gfp(w, op->gfp, true);
		break;
	case KMM_OP_KFREE:
		put_handle(w, s, F_KMALLOC, 0, op->handle);
		break;
	default: /* check, rcu_barrier, cache_reap */
		break;
	}
}

size_t codec_slab_encode(const struct kmm_program *p, uint8_t *buf, size_t cap)
{
	struct writer w = { buf, buf ? cap : 0, 0 };
	struct sstate s;

	encode_header(&w, &p->hdr);
	sstate_init(&s, &p->hdr);
	for (uint32_t i = 0; i < p->nr_ops && i < KMM_PROGRAM_MAX_OPS; i++) {
		encode_op(&w, &s, &p->hdr, &p->ops[i]);
		sstate_apply(&s, &p->ops[i]);
	}
	return w.pos;
}
