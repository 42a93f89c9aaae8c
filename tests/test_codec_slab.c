// SPDX-License-Identifier: MIT
/*
 * The op program's slab side: the object allocator ops (codes 9..21), the
 * slab misuse kinds (5..11), the slab header fields, and the four slab
 * kinds of the binary codec (SLUB, SLAB, SLOB, KMALLOC_DIFF).
 *
 *   - any bytes decode, for every slab kind, to a valid program of that
 *     kind, and both round trips give it back;
 *   - the decoder's folds (hand-built bytes), fallbacks and limits;
 *   - every new opcode and misuse kind is reachable from bytes;
 *   - text with every new op round-trips; each bad operand is an error
 *     naming its line and column;
 *   - the validator refuses each broken rule; the config follows the header;
 *   - the seed traces of the slab targets parse, round-trip and cover every
 *     new op and misuse kind their target can carry.
 *
 * Usage: test_codec_slab [SOURCE_DIR]   (default: $KMM_SOURCE_DIR, else ".")
 */
#ifndef _POSIX_C_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../differential/program.h"
#include "test.h"
#include "test_util.h"

#define TEST_CODEC_RNG_SEED 0x736c61622d636f64ull
#include "test_codec_util.h"

static const enum kmm_program_kind slab_kinds[4] = { KMM_PROGRAM_SLUB, KMM_PROGRAM_SLAB, KMM_PROGRAM_SLOB,
						     KMM_PROGRAM_KMALLOC_DIFF };
static const unsigned kind_backend[4] = { KMM_PROGRAM_SLAB_SLUB, KMM_PROGRAM_SLAB_SLAB, KMM_PROGRAM_SLAB_SLOB,
					  KMM_PROGRAM_SLAB_ALL };

static bool is_page_op(const struct kmm_op *op)
{
	return op->code == KMM_OP_ALLOC_PAGES || op->code == KMM_OP_FREE_PAGES ||
	       op->code == KMM_OP_DRAIN || op->code == KMM_OP_SET_POLICY ||
	       (op->code == KMM_OP_MISUSE && op->mode < KMM_MISUSE_OBJ_DOUBLE_FREE);
}

/* ---- binary: headers -------------------------------------------------------------------- */

TEST(decode_empty_input_per_kind)
{
	uint8_t one = 0x01;

	for (unsigned k = 0; k < 4; k++) {
		kmm_program_decode(NULL, 0, slab_kinds[k], prog_a);
		CHECK_EQ(prog_a->hdr.slab_backend, kind_backend[k]);
		CHECK_EQ(prog_a->hdr.nr_nodes, 1);
		CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_DMA].spanned_pages, KMM_PROGRAM_SLAB_DMA_PAGES);
		CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_NORMAL].spanned_pages, KMM_PROGRAM_SLAB_NODE_PAGES);
		CHECK_EQ(prog_a->hdr.slab_debug, 0);
		CHECK_EQ(prog_a->nr_ops, 0);
		CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);
		CHECK_EQ(kmm_program_kind_of(prog_a), slab_kinds[k]);
		/* misuse mode turns on F, Z and P */
		kmm_program_decode(&one, 1, slab_kinds[k], prog_a);
		CHECK_EQ(prog_a->hdr.flags, KMM_PROG_MISUSE);
		CHECK_EQ(prog_a->hdr.slab_debug,
			 KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_RED_ZONE | KMM_SLAB_POISON);
	}
}

/* flags, seed 1..8, nodes, cpus, slab byte. */
static size_t slab_header(uint8_t *b, uint8_t flags, uint8_t nodes, uint8_t cpus, uint8_t slab)
{
	size_t n = 0;

	b[n++] = flags;
	for (unsigned i = 0; i < 8; i++)
		b[n++] = (uint8_t)(i + 1);
	b[n++] = nodes;
	b[n++] = cpus;
	b[n++] = slab;
	return n;
}

TEST(decode_header_fields)
{
	uint8_t b[64];
	size_t n;

	/* nodes byte 160: two nodes for SLUB and SLAB, one for SLOB and kmalloc_diff */
	n = slab_header(b, 0, 160, 130, 0x2b);
	kmm_program_decode(b, n, KMM_PROGRAM_SLAB, prog_a);
	CHECK_EQ(prog_a->hdr.nr_nodes, 2);
	CHECK_EQ(prog_a->hdr.nr_cpus, 1 + 130 % 16);
	CHECK_EQ(prog_a->hdr.slab_debug, KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_RED_ZONE | KMM_SLAB_STORE_USER);
	CHECK_EQ(prog_a->hdr.slab_features, KMM_SLAB_FREELIST_RANDOM);
	CHECK_EQ(prog_a->hdr.seed, 0x0807060504030201ull);
	CHECK_EQ(prog_a->hdr.zones[1][KMM_ZONE_NORMAL].spanned_pages, KMM_PROGRAM_SLAB_NODE_PAGES);
	CHECK_EQ(prog_a->hdr.zones[1][KMM_ZONE_DMA].spanned_pages, 0);
	kmm_program_decode(b, n, KMM_PROGRAM_SLOB, prog_a);
	CHECK_EQ(prog_a->hdr.nr_nodes, 1);
	/* b >= 240: 1 + (b - 240) % 8 nodes, for any kind */
	n = slab_header(b, 0, 243, 2, 0);
	kmm_program_decode(b, n, KMM_PROGRAM_KMALLOC_DIFF, prog_a);
	CHECK_EQ(prog_a->hdr.nr_nodes, 4);
	CHECK_EQ(prog_a->hdr.nr_cpus, 3);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);

	/* extension byte: pageblock 3 % 9 + 2 = 5, min_free 0x0102, explicit Normal zone of 300 pages */
	n = slab_header(b, 0x08 | 0x02, 0, 0, 0);
	b[n++] = 0x01 | 0x08 | 0x10;
	b[n++] = 3;
	b[n++] = 0x02;
	b[n++] = 0x01;
	b[n++] = 0x04; /* zone mask: Normal */
	b[n++] = 0;    /* zone flags */
	b[n++] = 300 & 0xff;
	b[n++] = 300 >> 8;
	kmm_program_decode(b, n, KMM_PROGRAM_SLUB, prog_a);
	CHECK_EQ(prog_a->hdr.debug_level, 1);
	CHECK_EQ(prog_a->hdr.pageblock_order, 5);
	CHECK_EQ(prog_a->hdr.min_free_kbytes, 0x0102);
	CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_NORMAL].spanned_pages, 300);
	CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_DMA].spanned_pages, 0);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);
	CHECK_EQ(kmm_program_roundtrip_check(prog_a, NULL, 0), 0);
}

/* ---- binary: op folds --------------------------------------------------------------------- */

/* Slots of the SLUB/SLAB/SLOB op table (codec_slab.c): pinned, corpora depend on them. */
enum {
	S_CREATE = 0, S_DESTROY = 4, S_ALLOC = 6, S_FREE = 15, S_BULK = 21, S_FREE_BULK = 23,
	S_SHRINK = 25, S_KMALLOC = 26, S_KREALLOC = 35, S_KFREE = 38, S_RCU = 45, S_REAP = 46,
	S_VALIDATE = 47, S_PAGES = 48, S_FREE_PAGES = 51, S_WRITE = 53, S_VERIFY = 56,
	S_SET_CPU = 58, S_DRAIN = 60, S_POLICY = 61, S_CHECK = 62, S_MISUSE = 63,
};

TEST(decode_folds_slab_ops)
{
	uint8_t b[256];
	size_t n = slab_header(b, 0, 0, 1, 0);
	const struct kmm_op *op = prog_a->ops;

	b[n++] = S_ALLOC;            /* no cache yet: a kmalloc; mode byte 3 -> kmalloc */
	b[n++] = 3; b[n++] = 100; b[n++] = 0; b[n++] = 0;
	b[n++] = S_CREATE;           /* size 1 + 191, align 1 << (25 - 19), flags */
	b[n++] = 191; b[n++] = 25; b[n++] = 0x01 | 0x02 | 0x08 | 0xc0; b[n++] = 0xf2;
	b[n++] = S_ALLOC + 64;       /* c1, GFP_KERNEL|__GFP_ZERO with a dropped DMA, node 0 */
	b[n++] = 0; b[n++] = 0x80 | 0x10 | 0x40; b[n++] = 0x80; b[n++] = 192;
	b[n++] = S_BULK;             /* c1, 1 + 7 handles, GFP_ATOMIC */
	b[n++] = 0; b[n++] = 7; b[n++] = 2;
	b[n++] = S_DESTROY;          /* c1 is busy: a bulk free of its objects instead */
	b[n++] = 0;
	b[n++] = S_KMALLOC;          /* kcalloc n=4 size 30000 % (65536 / 4 + 1), dma-kmalloc */
	b[n++] = 2; b[n++] = 4; b[n++] = 248; b[n++] = 30000 & 0xff; b[n++] = 30000 >> 8;
	b[n++] = 0; b[n++] = 0; b[n++] = 8; b[n++] = 0;
	b[n++] = S_KREALLOC;         /* kmallocs h1 and h11 live: index 1; size from the table */
	b[n++] = 1; b[n++] = 128 + 7; b[n++] = 0;
	b[n++] = S_MISUSE;           /* not misuse mode: a kmalloc */
	b[n++] = 1; b[n++] = 0; b[n++] = 0; b[n++] = 0;
	b[n++] = S_VALIDATE;         /* index 1 of (1 cache + all) -> c1 */
	b[n++] = 1;
	b[n++] = S_DESTROY;          /* now empty: destroyed */
	b[n++] = 0;
	b[n++] = S_SHRINK;           /* no live cache: a kmalloc of size 5 */
	b[n++] = 0; b[n++] = 5; b[n++] = 0; b[n++] = 0;
	kmm_program_decode(b, n, KMM_PROGRAM_SLUB, prog_a);
	REQUIRE(prog_a->nr_ops == 11);
	CHECK_EQ(op[0].code, KMM_OP_KMALLOC);
	CHECK_EQ(op[0].mode, 0);
	CHECK_EQ(op[0].arg, 100);
	CHECK_EQ(op[0].handle, 1);
	CHECK_EQ(op[0].gfp, KMM_GFP_KERNEL);
	CHECK_EQ(op[0].node, -1);
	CHECK_EQ(op[1].code, KMM_OP_CACHE_CREATE);
	CHECK_EQ(op[1].cache, 1);
	CHECK_EQ(op[1].arg, 192);
	CHECK_EQ(op[1].arg2, 64);
	CHECK_EQ(op[1].cflags, KMM_SLAB_RED_ZONE | KMM_SLAB_HWCACHE_ALIGN | KMM_SLAB_CACHE_DMA);
	CHECK_EQ(op[1].mode, 1);
	CHECK_EQ(op[2].code, KMM_OP_CACHE_ALLOC);
	CHECK_EQ(op[2].handle, 2);
	CHECK_EQ(op[2].cache, 1);
	CHECK_EQ(op[2].gfp, KMM_GFP_KERNEL | KMM___GFP_ZERO);
	CHECK_EQ(op[2].node, 0);
	CHECK_EQ(op[3].code, KMM_OP_CACHE_ALLOC_BULK);
	CHECK_EQ(op[3].handle, 3);
	CHECK_EQ(op[3].arg, 8);
	CHECK_EQ(op[3].gfp, KMM_GFP_ATOMIC);
	CHECK_EQ(op[4].code, KMM_OP_CACHE_FREE_BULK);
	CHECK_EQ(op[4].cache, 1);
	CHECK_EQ(op[4].handle, 2);
	CHECK_EQ(op[4].arg, 9);
	CHECK_EQ(op[5].code, KMM_OP_KMALLOC);
	CHECK_EQ(op[5].mode, 2);
	CHECK_EQ(op[5].arg2, 4);
	CHECK_EQ(op[5].arg, 30000 % (65536 / 4 + 1));
	CHECK_EQ(op[5].gfp, KMM_GFP_KERNEL | KMM___GFP_DMA);
	CHECK_EQ(op[5].handle, 11);
	CHECK_EQ(op[6].code, KMM_OP_KREALLOC);
	CHECK_EQ(op[6].handle, 11);
	CHECK_EQ(op[6].arg, 256);
	CHECK_EQ(op[7].code, KMM_OP_KMALLOC);
	CHECK_EQ(op[7].mode, 1);
	CHECK_EQ(op[8].code, KMM_OP_CACHE_VALIDATE);
	CHECK_EQ(op[8].cache, 1);
	CHECK_EQ(op[9].code, KMM_OP_CACHE_DESTROY);
	CHECK_EQ(op[9].cache, 1);
	CHECK_EQ(op[10].code, KMM_OP_KMALLOC);
	CHECK_EQ(op[10].arg, 5);
	CHECK_EQ(prog_a->nr_handles, 13);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);
	CHECK_EQ(kmm_program_roundtrip_check(prog_a, NULL, 0), 0);
}

TEST(decode_folds_slab_misuse)
{
	uint8_t b[256];
	size_t n = slab_header(b, 0x01, 0, 0, 0);
	const struct kmm_op *op = prog_a->ops;

	b[n++] = S_CREATE; b[n++] = 39; b[n++] = 0; b[n++] = 0;  /* c1: 40 bytes */
	b[n++] = S_CREATE; b[n++] = 63; b[n++] = 0; b[n++] = 0;  /* c2: 64 bytes */
	b[n++] = S_ALLOC; b[n++] = 0; b[n++] = 0; b[n++] = 0;     /* h1 in c1 */
	b[n++] = S_KMALLOC; b[n++] = 0; b[n++] = 10; b[n++] = 0; b[n++] = 0; /* h2: 10 bytes */
	b[n++] = S_PAGES; b[n++] = 0; b[n++] = 0; b[n++] = 0;     /* h3: a page */
	b[n++] = S_MISUSE; b[n++] = 9; b[n++] = 0; b[n++] = 21;   /* write_past_end h1: 21 % 8 */
	b[n++] = S_MISUSE; b[n++] = 7; b[n++] = 0; b[n++] = 20; b[n++] = 0; /* kfree_interior h2: 1 + 20 % 9 */
	b[n++] = S_MISUSE; b[n++] = 8; b[n++] = 0;                /* kfree_non_slab h3 */
	b[n++] = S_MISUSE; b[n++] = 11; b[n++] = 0;               /* destroy_busy: c1 has h1 */
	b[n++] = S_MISUSE; b[n++] = 6; b[n++] = 0; b[n++] = 0;    /* wrong_cache h1 -> c2 (the only other) */
	b[n++] = S_MISUSE; b[n++] = 6;                            /* no cache object left: a kmalloc */
	b[n++] = 0; b[n++] = 1; b[n++] = 0; b[n++] = 0;
	b[n++] = S_MISUSE; b[n++] = 10 + 12; b[n++] = 1; b[n++] = 0xff; b[n++] = 0; /* write_after_free h4: 255 % 1 */
	b[n++] = S_MISUSE; b[n++] = 5; b[n++] = 0;                /* obj_double_free h2 */
	kmm_program_decode(b, n, KMM_PROGRAM_SLUB, prog_a);
	REQUIRE(prog_a->nr_ops == 13);
	CHECK_EQ(op[5].mode, KMM_MISUSE_WRITE_PAST_END);
	CHECK_EQ(op[5].handle, 1);
	CHECK_EQ(op[5].arg, 21 % 8);
	CHECK_EQ(op[6].mode, KMM_MISUSE_KFREE_INTERIOR);
	CHECK_EQ(op[6].handle, 2);
	CHECK_EQ(op[6].arg, 1 + 20 % 9);
	CHECK_EQ(op[7].mode, KMM_MISUSE_KFREE_NON_SLAB);
	CHECK_EQ(op[7].handle, 3);
	CHECK_EQ(op[8].mode, KMM_MISUSE_DESTROY_BUSY);
	CHECK_EQ(op[8].cache, 1);
	CHECK_EQ(op[8].handle, 0);
	CHECK_EQ(op[9].mode, KMM_MISUSE_WRONG_CACHE);
	CHECK_EQ(op[9].handle, 1);
	CHECK_EQ(op[9].cache, 2);
	CHECK_EQ(op[10].code, KMM_OP_KMALLOC);
	CHECK_EQ(op[10].handle, 4);
	CHECK_EQ(op[10].arg, 1);
	CHECK_EQ(op[11].code, KMM_OP_MISUSE);
	CHECK_EQ(op[11].mode, KMM_MISUSE_WRITE_AFTER_FREE);
	CHECK_EQ(op[11].handle, 4);
	CHECK_EQ(op[11].arg, 0);
	CHECK_EQ(op[12].mode, KMM_MISUSE_OBJ_DOUBLE_FREE);
	CHECK_EQ(op[12].handle, 2);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);
	CHECK_EQ(kmm_program_roundtrip_check(prog_a, NULL, 0), 0);

	/* kmalloc_diff: 5 + b % 7, and kfree_non_slab finds no page: a kmalloc */
	n = slab_header(b, 0x01, 0, 0, 0);
	b[n++] = 0; b[n++] = 0; b[n++] = 10; b[n++] = 0; b[n++] = 0; /* kmalloc h1 */
	b[n++] = 63; b[n++] = 3;      /* kind 5 + 3 = kfree_non_slab -> kmalloc */
	b[n++] = 0; b[n++] = 7; b[n++] = 0; b[n++] = 0;
	b[n++] = 63; b[n++] = 4; b[n++] = 1; b[n++] = 3; /* write_past_end h2 (7 bytes): 3 % 1 */
	kmm_program_decode(b, n, KMM_PROGRAM_KMALLOC_DIFF, prog_a);
	REQUIRE(prog_a->nr_ops == 3);
	CHECK_EQ(op[1].code, KMM_OP_KMALLOC);
	CHECK_EQ(op[1].arg, 7);
	CHECK_EQ(op[2].mode, KMM_MISUSE_WRITE_PAST_END);
	CHECK_EQ(op[2].handle, 2);
	CHECK_EQ(op[2].arg, 0);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);
}

TEST(decode_handle_space_is_bounded)
{
	/* Every op a bulk alloc of 64 into one cache: the handles run out at
	 * KMM_PROGRAM_MAX_HANDLES and later allocs decode as check (their
	 * operand bytes then read as ops: cache_create, until 16 exist). */
	static uint8_t b[2 * KMM_PROGRAM_MAX_OPS * 4];
	size_t n = slab_header(b, 0, 0, 0, 0);
	unsigned checks = 0, bulks = 0, creates = 0;

	b[n++] = S_CREATE; b[n++] = 7; b[n++] = 0; b[n++] = 0;
	while (n + 4 <= sizeof(b)) {
		b[n++] = S_BULK; b[n++] = 0; b[n++] = 63; b[n++] = 0;
	}
	kmm_program_decode(b, n, KMM_PROGRAM_SLUB, prog_a);
	CHECK_EQ(prog_a->nr_ops, KMM_PROGRAM_MAX_OPS);
	CHECK_EQ(prog_a->nr_handles, KMM_PROGRAM_MAX_HANDLES);
	for (uint32_t i = 0; i < prog_a->nr_ops; i++) {
		checks += prog_a->ops[i].code == KMM_OP_CHECK;
		bulks += prog_a->ops[i].code == KMM_OP_CACHE_ALLOC_BULK;
		creates += prog_a->ops[i].code == KMM_OP_CACHE_CREATE;
	}
	CHECK_EQ(bulks, KMM_PROGRAM_MAX_HANDLES / 64);
	CHECK_EQ(creates, KMM_PROGRAM_MAX_CACHES);
	CHECK_EQ(checks + bulks + creates, KMM_PROGRAM_MAX_OPS);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);
	CHECK_EQ(kmm_program_roundtrip_check(prog_a, NULL, 0), 0);
}

/* ---- binary: random inputs ------------------------------------------------------------------ */

struct reach {
	unsigned long code[KMM_OP_COUNT];
	unsigned long misuse[KMM_MISUSE_COUNT];
	unsigned long kmalloc_mode[3];
	unsigned long ops, misuse_ops;
};

static struct reach reached[4];

TEST(random_bytes_decode_to_valid_programs_that_round_trip)
{
	static uint8_t in[1024];
	char why[256];
	unsigned bad_valid = 0, bad_kind = 0, bad_rt = 0, bad_rules = 0;

	for (unsigned k = 0; k < 4; k++) {
		for (unsigned it = 0; it < iters(2000); it++) {
			size_t len = (size_t)(rng() % sizeof(in));

			for (size_t i = 0; i < len; i++)
				in[i] = (uint8_t)rng();
			kmm_program_decode(in, len, slab_kinds[k], prog_a);
			if (kmm_program_validate(prog_a, why, sizeof(why))) {
				if (bad_valid++ < 3)
					fprintf(stderr, "%s input %u: %s\n", kmm_program_kind_name(slab_kinds[k]),
						it, why);
				continue;
			}
			if (kmm_program_kind_of(prog_a) != slab_kinds[k] ||
			    prog_a->hdr.slab_backend != kind_backend[k])
				bad_kind++;
			if (kmm_program_roundtrip_check(prog_a, why, sizeof(why))) {
				if (bad_rt++ < 3)
					fprintf(stderr, "%s input %u: %s\n", kmm_program_kind_name(slab_kinds[k]),
						it, why);
			}
			/* the header's implied rules hold by construction */
			if ((prog_a->hdr.flags & KMM_PROG_MISUSE) && (prog_a->hdr.slab_debug & 7) != 7)
				bad_rules++;
			if (prog_a->nr_handles > KMM_PROGRAM_MAX_HANDLES)
				bad_rules++;
			for (uint32_t i = 0; i < prog_a->nr_ops; i++)
				if (slab_kinds[k] == KMM_PROGRAM_KMALLOC_DIFF && is_page_op(&prog_a->ops[i]))
					bad_rules++;
		}
	}
	CHECK_EQ(bad_valid, 0);
	CHECK_EQ(bad_kind, 0);
	CHECK_EQ(bad_rt, 0);
	CHECK_EQ(bad_rules, 0);
}

TEST(every_new_op_and_misuse_is_reachable_from_bytes)
{
	/* Decode only (cheap even under memcheck, so not scaled down): per kind,
	 * SLUB, SLAB and SLOB reach every opcode and misuse kind; kmalloc_diff
	 * every slab op and slab misuse but kfree_non_slab (it has no pages).
	 * Misuse stays rare: at most 1/64 of the ops, 1/128 over all inputs. */
	static uint8_t in[1024];

	memset(reached, 0, sizeof(reached));
	for (unsigned k = 0; k < 4; k++) {
		for (unsigned it = 0; it < 2000; it++) {
			size_t len = (size_t)(rng() % sizeof(in));
			struct reach *r = &reached[k];

			for (size_t i = 0; i < len; i++)
				in[i] = (uint8_t)rng();
			kmm_program_decode(in, len, slab_kinds[k], prog_a);
			for (uint32_t i = 0; i < prog_a->nr_ops; i++) {
				const struct kmm_op *op = &prog_a->ops[i];

				r->ops++;
				r->code[op->code]++;
				if (op->code == KMM_OP_MISUSE) {
					r->misuse[op->mode]++;
					r->misuse_ops++;
				}
				if (op->code == KMM_OP_KMALLOC)
					r->kmalloc_mode[op->mode]++;
			}
		}
		CHECK(reached[k].ops > 1000);
		CHECK(reached[k].misuse_ops * 40 < reached[k].ops);
	}
	for (unsigned k = 0; k < 4; k++) {
		const struct reach *r = &reached[k];
		bool kdiff = slab_kinds[k] == KMM_PROGRAM_KMALLOC_DIFF;

		for (unsigned c = 0; c < KMM_OP_COUNT; c++) {
			struct kmm_op probe = { .code = (uint8_t)c, .mode = KMM_MISUSE_OBJ_DOUBLE_FREE };
			bool want = !(kdiff && is_page_op(&probe));

			if (want && !r->code[c])
				fprintf(stderr, "%s: op %s never decoded\n", kmm_program_kind_name(slab_kinds[k]),
					kmm_op_name(c));
			CHECK(!want || r->code[c]);
			if (!want)
				CHECK_EQ(r->code[c], 0);
		}
		for (unsigned m = 0; m < KMM_MISUSE_COUNT; m++) {
			bool want = !kdiff || (m >= KMM_MISUSE_OBJ_DOUBLE_FREE && m != KMM_MISUSE_KFREE_NON_SLAB);

			if (want && !r->misuse[m])
				fprintf(stderr, "%s: misuse %s never decoded\n",
					kmm_program_kind_name(slab_kinds[k]), kmm_misuse_name(m));
			CHECK(!want || r->misuse[m]);
			if (!want)
				CHECK_EQ(r->misuse[m], 0);
		}
		for (unsigned m = 0; m < 3; m++)
			CHECK(r->kmalloc_mode[m] > 0);
	}
}

TEST(decode_of_page_kinds_never_yields_slab_ops)
{
	static uint8_t in[512];
	unsigned slab = 0;

	for (unsigned it = 0; it < iters(2000); it++) {
		size_t len = (size_t)(rng() % sizeof(in));

		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)rng();
		kmm_program_decode(in, len, it & 1 ? KMM_PROGRAM_NUMA : KMM_PROGRAM_PAGES, prog_a);
		slab += prog_a->hdr.slab_backend != 0;
		for (uint32_t i = 0; i < prog_a->nr_ops; i++)
			slab += prog_a->ops[i].code >= KMM_OP_CACHE_CREATE ||
				(prog_a->ops[i].code == KMM_OP_MISUSE &&
				 prog_a->ops[i].mode >= KMM_MISUSE_OBJ_DOUBLE_FREE);
	}
	CHECK_EQ(slab, 0);
}

/* ---- text ------------------------------------------------------------------------------------- */

static const char every_op[] =
	"# every slab op and misuse kind\n"
	"system cpus=2 seed=0x5 misuse=1\n"
	"slab backend=%s debug=U features=hardened|random\n"
	"cache_create c1 size=192 align=64 flags=SLAB_HWCACHE_ALIGN|SLAB_RED_ZONE ctor\n"
	"cache_create foo size=24\n"
	"cache_alloc h3 c1 gfp=GFP_KERNEL node=0\n"
	"cache_alloc_bulk h4..h11 c1 gfp=GFP_KERNEL\n"
	"cache_free_bulk c1 h4..h11\n"
	"cache_alloc x foo\n"
	"kmalloc h12 size=100 gfp=GFP_KERNEL|__GFP_ZERO\n"
	"kzalloc h13 size=24\n"
	"kcalloc h14 n=4 size=24\n"
	"krealloc h12 size=300\n"
	"kfree h12\n"
	"rcu_barrier\n"
	"cache_reap\n"
	"cache_validate c1\n"
	"cache_validate\n"
	"write h3\n"
	"verify h13\n"
	"misuse write_past_end h3 offset=1\n"
	"misuse wrong_cache h3 foo\n"
	"misuse kfree_interior h13 offset=5\n"
	"%s"
	"misuse write_after_free h14 offset=95\n"
	"misuse obj_double_free h13\n"
	"misuse destroy_busy foo\n"
	"cache_shrink c1\n"
	"cache_free x\n"
	"cache_destroy foo\n"
	"cache_destroy c1\n";

TEST(text_with_every_new_op_round_trips)
{
	static const char *const backends[4] = { "slub", "slab", "slob", "all" };
	static char text[4096], out[8192];
	char why[256];

	for (unsigned k = 0; k < 4; k++) {
		bool kdiff = k == 3;

		snprintf(text, sizeof(text), every_op, backends[k],
			 kdiff ? "" : "alloc_pages pg order=1\nmisuse kfree_non_slab pg\n");
		REQUIRE(parse_ok(text, prog_a) == 0);
		CHECK_EQ(prog_a->hdr.slab_backend, kind_backend[k]);
		CHECK_EQ(kmm_program_kind_of(prog_a), slab_kinds[k]);
		CHECK_EQ(prog_a->hdr.slab_debug, KMM_SLAB_DEBUG_FLAGS); /* U + misuse's F Z P */
		CHECK_EQ(prog_a->hdr.slab_features, KMM_SLAB_FREELIST_HARDENED | KMM_SLAB_FREELIST_RANDOM);
		CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_DMA].spanned_pages, KMM_PROGRAM_SLAB_DMA_PAGES);
		CHECK_EQ(prog_a->nr_handles, kdiff ? 13 : 14);
		CHECK_EQ(kmm_program_validate(prog_a, why, sizeof(why)), 0);
		CHECK_EQ(kmm_program_roundtrip_check(prog_a, why, sizeof(why)), 0);
		kmm_program_format(prog_a, UINT32_MAX, out, sizeof(out));
		CHECK(strstr(out, "\ncache_create c1 size=192 align=64 flags=SLAB_RED_ZONE|SLAB_HWCACHE_ALIGN ctor\n"));
		CHECK(strstr(out, "\ncache_alloc_bulk h2..h9 c1 gfp=GFP_KERNEL\ncache_free_bulk c1 h2..h9\n"));
		CHECK(strstr(out, "\ncache_alloc h10 c2 gfp=GFP_KERNEL\n"));
		CHECK(strstr(out, "\nkzalloc h12 size=24\nkcalloc h13 n=4 size=24\nkrealloc h11 size=300\n"));
		CHECK(strstr(out, "\ncache_validate all\n"));
		CHECK(strstr(out, "\nmisuse wrong_cache h1 c2\n"));
	}
	/* the one-line form and the text format agree */
	REQUIRE(parse_ok("slab backend=slob\nkcalloc a n=3 size=5 gfp=GFP_ATOMIC node=0\n", prog_a) == 0);
	kmm_op_format(&prog_a->ops[0], out, sizeof(out));
	CHECK(strcmp(out, "kcalloc h1 n=3 size=5 gfp=GFP_ATOMIC node=0") == 0);
	REQUIRE(parse_ok("slab backend=slub\ncache_create c size=8\ncache_alloc_bulk o1 c\n", prog_a) == 0);
	kmm_op_format(&prog_a->ops[1], out, sizeof(out));
	CHECK(strcmp(out, "cache_alloc_bulk h1 c1 gfp=GFP_KERNEL") == 0);
	REQUIRE(parse_ok("slab backend=slab debug=-\n", prog_a) == 0);
	kmm_program_format(prog_a, UINT32_MAX, out, sizeof(out));
	CHECK(strcmp(out, "system nodes=1 cpus=1 seed=0x0\nslab backend=slab\n"
			  "zone node=0 DMA pages=128\nzone node=0 Normal pages=1024\n") == 0);
}

TEST(text_names_rebind_and_bulk_ranges_resolve)
{
	/* A destroyed cache's name may be created again (a new id); a bulk free
	 * names its ends by their latest binding and frees only the live
	 * objects of its cache between them. */
	REQUIRE(parse_ok("slab backend=slub\n"
			 "cache_create c size=32\ncache_create d size=32\n"
			 "cache_alloc_bulk o1..o3 c\ncache_alloc p d\ncache_alloc_bulk o4..o5 c\n"
			 "cache_free o2\n"
			 "cache_free_bulk c o1..o5\n"
			 "cache_free p\ncache_destroy c\ncache_create c size=64\ncache_alloc o1 c\n"
			 "cache_free_bulk c o1\n",
			 prog_a) == 0);
	CHECK_EQ(prog_a->ops[6].code, KMM_OP_CACHE_FREE_BULK);
	CHECK_EQ(prog_a->ops[6].handle, 1);
	CHECK_EQ(prog_a->ops[6].arg, 6); /* handles 1..6, of which 1, 3, 5, 6 are c's live ones */
	CHECK_EQ(prog_a->ops[9].cache, 3);
	CHECK_EQ(prog_a->ops[10].handle, 7);
	CHECK_EQ(prog_a->ops[11].handle, 7);
	CHECK_EQ(prog_a->ops[11].arg, 1);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);
	CHECK_EQ(kmm_program_roundtrip_check(prog_a, NULL, 0), 0);
}

TEST(text_errors_name_line_and_column)
{
	/* header */
	CHECK(parse_err_is("slab backend=slub\nslab backend=slab\n", "line 2, column 1: a second 'slab' line"));
	CHECK(parse_err_is("slab debug=F\n", "line 1, column 1: slab needs backend= (slub, slab, slob or all)"));
	CHECK(parse_err_is("slab backend=slib\n",
			   "line 1, column 14: unknown backend 'slib' (slub, slab, slob or all)"));
	CHECK(parse_err_is("slab backend=slub debug=FX\n",
			   "line 1, column 26: unknown slab debug letter 'X' (F, Z, P, U, or - for none)"));
	CHECK(parse_err_is("slab backend=slub features=hardened|fast\n",
			   "line 1, column 37: unknown slab feature 'fast' (hardened, random or none)"));
	CHECK(parse_err_is("slab backend=slub mode=1\n", "line 1, column 19: unknown operand 'mode' for slab"));
	CHECK(parse_err_is("kmalloc a size=8\n",
			   "line 1, column 1: kmalloc needs a slab program (a 'slab backend=...' header line)"));
	CHECK(parse_err_is("kmalloc a size=8\nslab backend=slub\n",
			   "line 1, column 1: kmalloc needs a slab program (a 'slab backend=...' header line)"));

	/* cache_create */
	CHECK(parse_err_is("slab backend=slub\ncache_create\n", "line 2, column 1: cache_create needs a cache name"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c\n", "line 2, column 1: cache_create needs size="));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=0\n",
			   "line 2, column 21: size 0 out of range 1..8192"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8193\n",
			   "line 2, column 21: size 8193 out of range 1..8192"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8 align=24\n",
			   "line 2, column 29: align 24 is not a power of two"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8 align=8192\n",
			   "line 2, column 29: align 8192 out of range 0..4096"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8 flags=SLAB_POISON|SLAB_PANIC\n",
			   "line 2, column 41: unknown cache flag 'SLAB_PANIC'"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8 flags=SLAB_CACHE_DMA|SLAB_CACHE_DMA32\n",
			   "line 2, column 29: SLAB_CACHE_DMA and SLAB_CACHE_DMA32 together name no zone"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8 dtor\n",
			   "line 2, column 23: unexpected 'dtor' in cache_create (only 'ctor')"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_create c size=8\n",
			   "line 3, column 14: cache 'c' already exists (created on line 2)"));
	CHECK(parse_err_is("slab backend=slub\ncache_create 1c size=8\n",
			   "line 2, column 14: bad handle name '1c' (letters, digits and '_', not starting with a digit)"));

	/* cache ops */
	CHECK(parse_err_is("slab backend=slub\ncache_destroy c\n", "line 2, column 15: cache 'c' does not exist"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_destroy c\ncache_shrink c\n",
			   "line 4, column 14: cache 'c' was destroyed on line 3"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc o c\ncache_destroy c\n",
			   "line 4, column 15: cache 'c' still has 1 live objects (free them first, or 'misuse destroy_busy')"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_validate c x\n",
			   "line 3, column 18: unexpected 'x' after cache_validate <cache>"));
	CHECK(parse_err_is("slab backend=slub\ncache_shrink\n", "line 2, column 1: cache_shrink needs a cache name"));

	/* cache_alloc and bulk */
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc o\n",
			   "line 3, column 1: cache_alloc needs a handle name and a cache name"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc o c gfp=GFP_KERNEL|__GFP_DMA\n",
			   "line 3, column 21: gfp 'GFP_KERNEL|__GFP_DMA': __GFP_DMA goes with kmalloc only (a cache's zone comes from SLAB_CACHE_DMA)"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc o c gfp=GFP_KERNEL|__GFP_COMP\n",
			   "line 3, column 21: gfp 'GFP_KERNEL|__GFP_COMP' has __GFP_COMP, which slab callers never pass"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc o c node=1\n",
			   "line 3, column 22: node 1 out of range 0..0 (or -1)"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc o c\ncache_alloc o c\n",
			   "line 4, column 13: handle 'o' is already live (allocated on line 3)"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc_bulk o1..p3 c\n",
			   "line 3, column 18: 'o1..p3' is not a range of numbered names like h4..h11 (same prefix, no leading zeros)"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc_bulk o1..o65 c\n",
			   "line 3, column 18: range 'o1..o65' holds 65 names, not 1..64"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc_bulk o3..o1 c\n",
			   "line 3, column 18: range 'o3..o1' holds -1 names, not 1..64"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc o2 c\ncache_alloc_bulk o1..o3 c\n",
			   "line 4, column 18: handle 'o2' is already live (allocated on line 3)"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc_bulk o1.. c\n",
			   "line 3, column 18: a handle range is first..last, like h4..h11"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc_bulk o1..o2 c node=0\n",
			   "line 3, column 27: unknown operand 'node' for cache_alloc_bulk"));

	/* frees */
	CHECK(parse_err_is("slab backend=slub\nkmalloc k size=8\ncache_free k\n",
			   "line 3, column 12: handle 'k' is a kmalloc, not a cache object (allocated on line 2)"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc o c\nkfree o\n",
			   "line 4, column 7: handle 'o' is a cache object, not a kmalloc (allocated on line 3)"));
	CHECK(parse_err_is("slab backend=slub\nkmalloc k size=8\nfree_pages k\n",
			   "line 3, column 12: handle 'k' is a kmalloc, not a page (allocated on line 2)"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_create d size=8\ncache_alloc o d\n"
			   "cache_free_bulk c o\n",
			   "line 5, column 19: handle 'o' is an object of cache c2, not of 'c'"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc o c\ncache_free_bulk c o..zz\n",
			   "line 4, column 22: handle 'zz' does not exist"));
	CHECK(parse_err_is("slab backend=slub\ncache_create c size=8\ncache_alloc o c\ncache_free_bulk c\n",
			   "line 4, column 1: cache_free_bulk takes a cache name and a handle range"));
	CHECK(parse_err_is("slab backend=slub\nkmalloc k size=8\nkfree k\nkfree k\n",
			   "line 4, column 7: handle 'k' is not live (freed on line 3)"));

	/* kmalloc family */
	CHECK(parse_err_is("slab backend=slub\nkmalloc k\n", "line 2, column 1: kmalloc needs size="));
	CHECK(parse_err_is("slab backend=slub\nkmalloc size=8\n", "line 2, column 1: kmalloc needs a handle name"));
	CHECK(parse_err_is("slab backend=slub\nkzalloc k size=65537\n",
			   "line 2, column 16: size 65537 out of range 0..65536"));
	CHECK(parse_err_is("slab backend=slub\nkcalloc k size=8\n", "line 2, column 1: kcalloc needs n="));
	CHECK(parse_err_is("slab backend=slub\nkcalloc k n=3 size=30000\n",
			   "line 2, column 20: kcalloc of 3 x 30000 bytes is more than 65536"));
	CHECK(parse_err_is("slab backend=slub\nkmalloc k n=3 size=8\n",
			   "line 2, column 11: unknown operand 'n' for kmalloc"));
	CHECK(parse_err_is("slab backend=slub\nkmalloc k size=8 gfp=GFP_DMA32\n",
			   "line 2, column 22: gfp 'GFP_DMA32' has __GFP_DMA32, which slab callers never pass"));
	CHECK(parse_err_is("slab backend=slub\nkmalloc k size=8 gfp=GFP_KERNEL|__GFP_NOFAIL\n",
			   "line 2, column 22: gfp 'GFP_KERNEL|__GFP_NOFAIL' has __GFP_NOFAIL, which slab callers never pass"));
	CHECK(parse_err_is("slab backend=slub\nalloc_pages p\nkrealloc p size=8\n",
			   "line 3, column 10: handle 'p' is a page, not a kmalloc (allocated on line 2)"));
	CHECK(parse_err_is("slab backend=slub\nkmalloc k size=8\nkrealloc k\n", "line 3, column 1: krealloc needs size="));
	CHECK(parse_err_is("slab backend=slub\nrcu_barrier now\n", "line 2, column 13: rcu_barrier takes no operands, not 'now'"));

	/* kmalloc_diff has no page ops */
	CHECK(parse_err_is("slab backend=all\nalloc_pages p\n",
			   "line 2, column 1: alloc_pages is a page op; a kmalloc_diff program (slab backend=all) has none"));
	CHECK(parse_err_is("system misuse=1\nslab backend=all\nmisuse foreign_pfn\n",
			   "line 3, column 8: misuse foreign_pfn is a page misuse; a kmalloc_diff program (slab backend=all) has no pages"));

	/* misuse */
	CHECK(parse_err_is("slab backend=slub\nkmalloc k size=8\nmisuse obj_double_free k\n",
			   "line 3, column 1: misuse ops need misuse=1 on the system line"));
	CHECK(parse_err_is("system misuse=1\nalloc_pages p\nmisuse kfree_non_slab p\n",
			   "line 3, column 8: misuse kfree_non_slab needs a slab program (a 'slab backend=...' header line)"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\nmisuse triple_free a\n",
			   "line 3, column 8: unknown misuse 'triple_free' (double_free, foreign_pfn, wrong_order, "
			   "tail_page, misaligned, obj_double_free, wrong_cache, kfree_interior, kfree_non_slab, "
			   "write_past_end, write_after_free, destroy_busy)"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\nkmalloc k size=9000\nmisuse obj_double_free k\n",
			   "line 4, column 24: handle 'k' is a kmalloc of 9000 bytes, not a slab object (a cache object or a kmalloc of 1..8192 bytes)"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\nkmalloc k size=8\nmisuse obj_double_free k offset=1\n",
			   "line 4, column 26: offset= does not go with obj_double_free"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\ncache_create c size=8\ncache_alloc o c\n"
			   "misuse wrong_cache o c\n",
			   "line 5, column 22: 'c' is the object's own cache; wrong_cache needs another"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\ncache_create c size=8\ncache_alloc o c\n"
			   "misuse wrong_cache o\n",
			   "line 5, column 20: misuse wrong_cache needs a cache after the handle"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\nkmalloc k size=1\nmisuse kfree_interior k offset=1\n",
			   "line 4, column 23: kfree_interior needs a kmalloc of 2..8192 bytes; 'k' has 1"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\nkmalloc k size=10\nmisuse kfree_interior k\n",
			   "line 4, column 23: misuse kfree_interior needs offset= (1..9)"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\nkmalloc k size=10\nmisuse kfree_interior k offset=10\n",
			   "line 4, column 32: offset 10 out of range 1..9"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\nkmalloc k size=8\nmisuse kfree_non_slab k\n",
			   "line 4, column 23: handle 'k' is a kmalloc, not a page (allocated on line 3)"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\nkmalloc k size=13\nmisuse write_past_end k offset=3\n",
			   "line 4, column 32: offset 3 out of range 0..2"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\nkmalloc k size=16\nmisuse write_after_free k offset=16\n",
			   "line 4, column 34: offset 16 out of range 0..15"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\ncache_create c size=8\nmisuse destroy_busy c\n",
			   "line 4, column 21: cache 'c' has no live objects; destroy_busy needs some"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\nmisuse destroy_busy\n",
			   "line 3, column 8: misuse destroy_busy needs a cache name"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\nkmalloc k size=8\nalloc_pages p\nmisuse double_free k\n",
			   "line 5, column 20: handle 'k' is a kmalloc, not a page (allocated on line 3)"));
	CHECK(parse_err_is("system misuse=1\nslab backend=slub\nkmalloc k size=8\nmisuse write_after_free k\n"
			   "verify k\n",
			   "line 5, column 8: handle 'k' is not live (freed on line 4)"));
}

TEST(text_limits)
{
	/* 17 caches, and 8193 handles from bulk ranges */
	static char text[64 * 1024];
	size_t n = (size_t)snprintf(text, sizeof(text), "slab backend=slub\n");

	for (unsigned c = 0; c < 17; c++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "cache_create c%u size=8\n", c);
	CHECK(parse_err_is(text, "line 18, column 14: more than 16 caches"));

	n = (size_t)snprintf(text, sizeof(text), "slab backend=slub\ncache_create c size=8\n");
	for (unsigned r = 0; r < 128; r++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "cache_alloc_bulk o%u..o%u c\n", r * 64,
				      r * 64 + 63);
	REQUIRE(parse_ok(text, prog_a) == 0);
	CHECK_EQ(prog_a->nr_handles, KMM_PROGRAM_MAX_HANDLES);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);
	CHECK_EQ(kmm_program_roundtrip_check(prog_a, NULL, 0), 0);
	snprintf(text + n, sizeof(text) - n, "kmalloc extra size=1\n");
	CHECK(parse_err_is(text, "line 131, column 9: more than 8192 handles"));
}

/* ---- validation, equality, config ---------------------------------------------------------------- */

TEST(validate_refuses_each_broken_slab_rule)
{
	char why[256];
	const char *text = "system misuse=1\nslab backend=slub\n"
			   "cache_create c size=40\ncache_create d size=8\n"
			   "cache_alloc o c\ncache_alloc_bulk b1..b3 d\nkmalloc k size=20\nalloc_pages p\n"
			   "misuse write_past_end o offset=7\nmisuse kfree_interior k offset=3\n"
			   "cache_free_bulk d b1..b3\ncache_destroy d\n";
	struct kmm_op *op;

	REQUIRE(parse_ok(text, prog_a) == 0);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);
#define BREAKS(stmt, needle)                                                                  \
	do {                                                                                  \
		memcpy(prog_b, prog_a, sizeof(*prog_a));                                      \
		op = prog_b->ops;                                                             \
		stmt;                                                                         \
		CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), -1);                 \
		if (!strstr(why, needle))                                                     \
			fprintf(stderr, "validate said '%s', wanted '%s'\n", why, needle);    \
		CHECK(strstr(why, needle) != NULL);                                           \
	} while (0)
	(void)op;
	BREAKS(prog_b->hdr.slab_backend = 5, "slab_backend 5");
	BREAKS(prog_b->hdr.slab_debug = 0x10 | 7, "outside F Z P U");
	BREAKS(prog_b->hdr.slab_debug = KMM_SLAB_STORE_USER, "needs slab_debug F, Z and P");
	BREAKS(prog_b->hdr.slab_features = 4, "slab_features 0x4");
	BREAKS((prog_b->hdr.slab_backend = 0, prog_b->hdr.slab_debug = 0), "without a slab backend");
	BREAKS(prog_b->hdr.slab_debug = 0 /* then backend none */; prog_b->hdr.slab_backend = 0;
	       prog_b->hdr.flags = 0, "without a slab backend");
	BREAKS(op[0].cache = 2, "cache 2, expected 1");
	BREAKS(op[0].arg = 8193, "size 8193");
	BREAKS(op[0].arg2 = 48, "align 48");
	BREAKS(op[0].cflags = 0x8000, "unknown cache flags");
	BREAKS(op[0].cflags = KMM_SLAB_CACHE_DMA | KMM_SLAB_CACHE_DMA32, "both SLAB_CACHE_DMA");
	BREAKS(op[0].mode = 2, "ctor mode 2");
	BREAKS(op[2].cache = 3, "cache 3 is not live");
	BREAKS(op[2].gfp = KMM_GFP_KERNEL | KMM___GFP_DMA, "not a cache allocation's");
	BREAKS(op[2].node = 1, "node 1");
	BREAKS(op[2].handle = 2, "handle 2, expected 1");
	BREAKS(op[3].arg = 65, "count 65");
	BREAKS(op[4].arg2 = 5, "unused field arg2");
	BREAKS((op[4].mode = 2, op[4].arg2 = 4000), "more than 65536");
	BREAKS(op[4].gfp = KMM_GFP_KERNEL | KMM___GFP_HIGHMEM, "not a kmalloc's");
	BREAKS(op[6].arg = 8, "offset 8 past a 40-byte object");
	BREAKS(op[6].handle = 6, "not live as a slab object");
	BREAKS(op[7].arg = 20, "offset 20 of a 20-byte object");
	BREAKS(op[7].handle = 1, "not live as a kmalloc of 2..8192 bytes");
	BREAKS(op[8].handle = 1, "not live as an object of cache 2");
	BREAKS(op[8].arg = 65, "range of 65 handles");
	BREAKS(op[8].arg = 6, "range of 6 handles from 2");
	BREAKS(op[9].cache = 1, "cache 1 still has 1 objects");
	BREAKS(op[9].handle = 1, "unused field handle");
	BREAKS(prog_b->nr_handles = 7, "nr_handles 7 but 6 handles taken");
	/* the misuse kinds' operands */
	BREAKS((op[6].mode = KMM_MISUSE_WRONG_CACHE, op[6].arg = 0, op[6].cache = 1), "not another live cache");
	BREAKS((op[6].mode = KMM_MISUSE_KFREE_NON_SLAB, op[6].arg = 0), "not live as a page");
	BREAKS((op[6].mode = KMM_MISUSE_DESTROY_BUSY, op[6].arg = 0, op[6].cache = 2),
	       "unused field handle" /* destroy_busy names a cache, no handle */);
	BREAKS((op[6].mode = KMM_MISUSE_DESTROY_BUSY, op[6].arg = 0, op[6].handle = 0, op[6].cache = 3),
	       "cache 3 is not live with objects");
	BREAKS(prog_b->hdr.flags = 0, "misuse outside misuse mode");
	/* kmalloc_diff: no page ops */
	BREAKS(prog_b->hdr.slab_backend = KMM_PROGRAM_SLAB_ALL, "a page op in a kmalloc_diff program");
#undef BREAKS
}

TEST(equality_and_config_cover_the_slab_fields)
{
	char why[256];
	struct kmm_config cfg;

	REQUIRE(parse_ok("slab backend=slab debug=ZU features=random\ncache_create c size=8 align=16\n", prog_a) == 0);
	memcpy(prog_b, prog_a, sizeof(*prog_a));
	prog_b->ops[0].arg2 = 32;
	CHECK(!kmm_program_equal(prog_a, prog_b, why, sizeof(why)));
	CHECK(strcmp(why, "op 0 (cache_create): arg2 16 vs 32") == 0);
	prog_b->ops[0].arg2 = 16;
	prog_b->ops[0].cflags = 1;
	CHECK(!kmm_program_equal(prog_a, prog_b, why, sizeof(why)));
	CHECK(strcmp(why, "op 0 (cache_create): cflags 0 vs 1") == 0);
	prog_b->ops[0].cflags = 0;
	prog_b->ops[0].cache = 2;
	CHECK(!kmm_program_equal(prog_a, prog_b, why, sizeof(why)));
	CHECK(strcmp(why, "op 0 (cache_create): cache 1 vs 2") == 0);
	prog_b->ops[0].cache = 1;
	prog_b->hdr.slab_features = 3;
	CHECK(!kmm_program_equal(prog_a, prog_b, why, sizeof(why)));
	CHECK(strcmp(why, "header slab_features: 2 vs 3") == 0);
	prog_b->hdr.slab_features = 2;
	prog_b->hdr.slab_debug = 2;
	CHECK(!kmm_program_equal(prog_a, prog_b, why, sizeof(why)));
	CHECK(strcmp(why, "header slab_debug: 10 vs 2") == 0);
	prog_b->hdr.slab_debug = 10;
	prog_b->hdr.slab_backend = 1;
	CHECK(!kmm_program_equal(prog_a, prog_b, why, sizeof(why)));
	CHECK(strcmp(why, "header slab_backend: 2 vs 1") == 0);
	prog_b->hdr.slab_backend = 2;
	CHECK(kmm_program_equal(prog_a, prog_b, why, sizeof(why)));

	kmm_program_config(&prog_a->hdr, &cfg);
	CHECK_EQ(cfg.slab_backend, KMM_SLAB_BACKEND_SLAB);
	CHECK(strcmp(cfg.slab_debug, "ZU") == 0);
	CHECK_EQ(cfg.slab_features, KMM_SLAB_FREELIST_RANDOM);
	CHECK_EQ(cfg.nodes[0].zones[KMM_ZONE_DMA].spanned_pages, KMM_PROGRAM_SLAB_DMA_PAGES);
	prog_a->hdr.slab_backend = KMM_PROGRAM_SLAB_SLOB;
	prog_a->hdr.slab_debug = KMM_SLAB_DEBUG_FLAGS;
	kmm_program_config(&prog_a->hdr, &cfg);
	CHECK_EQ(cfg.slab_backend, KMM_SLAB_BACKEND_SLOB);
	CHECK(strcmp(cfg.slab_debug, "FZPU") == 0);
	prog_a->hdr.slab_backend = KMM_PROGRAM_SLAB_NONE;
	prog_a->hdr.slab_debug = 0;
	prog_a->hdr.slab_features = 0;
	kmm_program_config(&prog_a->hdr, &cfg);
	CHECK_EQ(cfg.slab_debug[0], '\0');
	CHECK_EQ(cfg.slab_features, 0);

	/* names */
	CHECK(strcmp(kmm_op_name(KMM_OP_CACHE_FREE_BULK), "cache_free_bulk") == 0);
	CHECK(strcmp(kmm_misuse_name(KMM_MISUSE_DESTROY_BUSY), "destroy_busy") == 0);
	CHECK(strcmp(kmm_op_name(KMM_OP_COUNT), "?") == 0);
	for (unsigned k = 0; k < KMM_PROGRAM_NR_KINDS; k++) {
		char fuzz[64];

		CHECK_EQ(kmm_program_kind_parse(kmm_program_kind_name(k)), (int)k);
		snprintf(fuzz, sizeof(fuzz), "fuzz_%s", kmm_program_kind_name(k));
		CHECK(strcmp(kmm_program_kind_target(k), fuzz) == 0);
		CHECK_EQ(kmm_program_kind_parse(fuzz), (int)k);
	}
	CHECK_EQ(kmm_program_kind_parse("slub2"), -1);
	CHECK_EQ(kmm_program_past_end_room(8), 8);
	CHECK_EQ(kmm_program_past_end_room(13), 3);
	CHECK_EQ(kmm_program_past_end_room(15), 1);
}

/* ---- seeds ---------------------------------------------------------------------------------------- */

/* What the seeds of one slab target show, seed by seed. */
struct slab_seed_walk {
	enum kmm_program_kind kind;
	unsigned bad;
	bool code[KMM_OP_COUNT], misuse[KMM_MISUSE_COUNT];
};

static void slab_seed_(const char *path, char *text, size_t len, void *ctx)
{
	struct slab_seed_walk *w = ctx;
	char err[256];

	if (!text || kmm_program_parse(text, len, prog_a, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", path, text ? err : "cannot read");
		w->bad++;
	} else if (kmm_program_roundtrip_check(prog_a, err, sizeof(err)) || kmm_program_kind_of(prog_a) != w->kind ||
		   text[0] != '#' || prog_a->nr_ops == 0 || prog_a->nr_ops > 60) {
		fprintf(stderr, "%s: round trip (%s), kind %s, %u ops, or no comment on top\n", path, err,
			kmm_program_kind_name(kmm_program_kind_of(prog_a)), prog_a->nr_ops);
		w->bad++;
	} else {
		for (uint32_t i = 0; i < prog_a->nr_ops; i++) {
			w->code[prog_a->ops[i].code] = true;
			if (prog_a->ops[i].code == KMM_OP_MISUSE)
				w->misuse[prog_a->ops[i].mode] = true;
		}
	}
	free(text);
}

TEST(slab_seeds_parse_round_trip_and_cover_their_target)
{
	for (unsigned k = 0; k < 4; k++) {
		const char *target = kmm_program_kind_target(slab_kinds[k]);
		bool kdiff = slab_kinds[k] == KMM_PROGRAM_KMALLOC_DIFF;
		struct slab_seed_walk w;
		bool *code = w.code, *misuse = w.misuse;
		int files;

		memset(&w, 0, sizeof(w));
		w.kind = slab_kinds[k];
		files = test_each_seed(source_dir, target, slab_seed_, &w);
		CHECK(files >= 3 && files <= 12);
		CHECK_EQ(w.bad, 0);
		for (unsigned c = KMM_OP_CACHE_CREATE; c < KMM_OP_COUNT; c++) {
			if (!code[c])
				fprintf(stderr, "%s: no seed has op %s\n", target, kmm_op_name(c));
			CHECK(code[c]);
		}
		for (unsigned m = KMM_MISUSE_OBJ_DOUBLE_FREE; m < KMM_MISUSE_COUNT; m++) {
			bool want = !kdiff || m != KMM_MISUSE_KFREE_NON_SLAB;

			if (want && !misuse[m])
				fprintf(stderr, "%s: no seed has misuse %s\n", target, kmm_misuse_name(m));
			CHECK(!want || misuse[m]);
		}
	}
}

int main(int argc, char **argv)
{
	const char *env = getenv("KMM_SOURCE_DIR");

	if (argc > 1)
		source_dir = argv[1];
	else if (env && *env)
		source_dir = env;
	prog_a = malloc(sizeof(*prog_a));
	prog_b = malloc(sizeof(*prog_b));
	if (!prog_a || !prog_b)
		return 1;

	RUN(decode_empty_input_per_kind);
	RUN(decode_header_fields);
	RUN(decode_folds_slab_ops);
	RUN(decode_folds_slab_misuse);
	RUN(decode_handle_space_is_bounded);
	RUN(random_bytes_decode_to_valid_programs_that_round_trip);
	RUN(every_new_op_and_misuse_is_reachable_from_bytes);
	RUN(decode_of_page_kinds_never_yields_slab_ops);
	RUN(text_with_every_new_op_round_trips);
	RUN(text_names_rebind_and_bulk_ranges_resolve);
	RUN(text_errors_name_line_and_column);
	RUN(text_limits);
	RUN(validate_refuses_each_broken_slab_rule);
	RUN(equality_and_config_cover_the_slab_fields);
	RUN(slab_seeds_parse_round_trip_and_cover_their_target);

	free(prog_a);
	free(prog_b);
	return test_summary();
}
