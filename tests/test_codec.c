// SPDX-License-Identifier: MIT
/*
 * The op program codecs: binary decode/encode, text parse/format, and the
 * contracts between them.
 *
 *   - any bytes decode to a valid program, and encode inverts decode;
 *   - every text seed under corpus/seeds parses and round-trips exactly;
 *   - every class of text error names the right line and column;
 *   - programs at KMM_PROGRAM_MAX_OPS survive both codecs.
 *
 * Usage: test_codec [SOURCE_DIR]   (default: $KMM_SOURCE_DIR, else ".")
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* opendir, stat */
#endif
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../differential/program.h"
#include "test.h"
#include "test_util.h"

#define TEST_CODEC_RNG_SEED 0x6b6d6d2d636f6465ull
#include "test_codec_util.h"

/* ---- binary: decode of random bytes ---------------------------------------------------- */

TEST(decode_random_bytes_is_valid_and_encode_inverts)
{
	static uint8_t in[512];
	static uint8_t out[64 * 1024];
	char why[256];
	unsigned bad_valid = 0, bad_kind = 0, bad_rt = 0, bad_text = 0, bad_cfg = 0, created = 0;

	for (unsigned iter = 0; iter < iters(100000); iter++) {
		size_t size = (size_t)(rng() % 513);
		enum kmm_program_kind kind = (iter & 1) ? KMM_PROGRAM_NUMA : KMM_PROGRAM_PAGES;
		size_t n;

		for (size_t i = 0; i < size; i++)
			in[i] = (uint8_t)rng();
		/* Bias a third of the inputs toward the ops that need live handles. */
		if (iter % 3 == 0)
			for (size_t i = 20; i < size; i += 4)
				in[i] = (uint8_t)(rng() % 32);
		kmm_program_decode(in, size, kind, prog_a);

		if (kmm_program_validate(prog_a, why, sizeof(why))) {
			if (bad_valid++ < 3)
				fprintf(stderr, "iter %u: invalid decode: %s\n", iter, why);
			continue;
		}
		/* The header builds a config libkmm accepts; now and then build the system. */
		{
			struct kmm_config cfg;
			char msg[256];

			kmm_program_config(&prog_a->hdr, &cfg);
			if (kmm_config_validate(&cfg, msg, sizeof(msg))) {
				if (bad_cfg++ < 3)
					fprintf(stderr, "iter %u: config rejected: %s\n", iter, msg);
			} else if (iter % 256 == 0) {
				struct kmm *k = kmm_create(&cfg);

				if (!k) {
					if (bad_cfg++ < 3)
						fprintf(stderr, "iter %u: kmm_create failed\n", iter);
				} else {
					created++;
					kmm_destroy(k);
				}
			}
		}
		if ((kind == KMM_PROGRAM_PAGES) != (prog_a->hdr.nr_nodes == 1) ||
		    (kind == KMM_PROGRAM_PAGES && prog_a->hdr.nr_cpus > 4 && in[10] < 128) ||
		    prog_a->nr_ops > size)
			bad_kind++;

		n = kmm_program_encode(prog_a, out, sizeof(out));
		if (n > sizeof(out)) {
			bad_rt++;
			continue;
		}
		kmm_program_decode(out, n, kind, prog_b);
		if (!kmm_program_equal(prog_a, prog_b, why, sizeof(why))) {
			if (bad_rt++ < 3)
				fprintf(stderr, "iter %u: decode(encode(p)) != p: %s\n", iter, why);
		}
		if (iter % 16 == 0 && kmm_program_roundtrip_check(prog_a, why, sizeof(why))) {
			if (bad_text++ < 3)
				fprintf(stderr, "iter %u: round trip: %s\n", iter, why);
		}
	}
	CHECK_EQ(bad_valid, 0);
	CHECK_EQ(bad_cfg, 0);
	CHECK(created > 0);
	CHECK_EQ(bad_kind, 0);
	CHECK_EQ(bad_rt, 0);
	CHECK_EQ(bad_text, 0);
}

TEST(decode_empty_and_short_inputs)
{
	uint8_t one = 0xff;

	kmm_program_decode(NULL, 0, KMM_PROGRAM_PAGES, prog_a);
	CHECK_EQ(prog_a->hdr.nr_nodes, 1);
	CHECK_EQ(prog_a->hdr.nr_cpus, 1);
	CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_NORMAL].spanned_pages, KMM_PROGRAM_DEFAULT_NODE_PAGES);
	CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_DMA].spanned_pages, 0);
	CHECK_EQ(prog_a->nr_ops, 0);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);

	kmm_program_decode(NULL, 0, KMM_PROGRAM_NUMA, prog_a);
	CHECK_EQ(prog_a->hdr.nr_nodes, 2);
	CHECK_EQ(prog_a->hdr.zones[1][KMM_ZONE_NORMAL].spanned_pages, KMM_PROGRAM_DEFAULT_NODE_PAGES);
	CHECK_EQ(prog_a->hdr.distance[0][1], 0);

	/* One byte: the flags; misuse + debug 2, still no ops. */
	one = 0x07;
	kmm_program_decode(&one, 1, KMM_PROGRAM_PAGES, prog_a);
	CHECK_EQ(prog_a->hdr.flags, KMM_PROG_MISUSE);
	CHECK_EQ(prog_a->hdr.debug_level, 2);
	CHECK_EQ(prog_a->nr_ops, 0);
}

/* Build a header prefix by hand: flags, seed, nodes, cpus, pageblock, node masks. */
static size_t plain_header(uint8_t *b, uint8_t flags, uint8_t nodes, uint8_t cpus)
{
	size_t n = 0;

	b[n++] = flags;
	for (unsigned i = 0; i < 8; i++)
		b[n++] = (uint8_t)(i + 1);
	b[n++] = nodes;
	b[n++] = cpus;
	b[n++] = 0;   /* default pageblock order */
	b[n++] = 0x04; /* node 0: Normal */
	b[n++] = 0;    /* zone flags */
	b[n++] = 0x00; /* 2048 pages: above 1024, so the word is 0xc000 + 2048 */
	b[n++] = 0xc8;
	return n;
}

TEST(decode_folds_ops)
{
	uint8_t b[128];
	size_t n = plain_header(b, 0, 0, 3);

	/* free with nothing live -> alloc; misuse outside misuse mode -> alloc */
	b[n++] = 11;                  /* free -> alloc: order, node, G */
	b[n++] = 3; b[n++] = 0; b[n++] = 0;
	b[n++] = 31;                  /* misuse slot -> alloc */
	b[n++] = 230; b[n++] = 200; b[n++] = 0x40 | 1; b[n++] = 0x01; /* order 8+6%3, node 0, ATOMIC|ZERO */
	b[n++] = 11 + 32; b[n++] = 1; /* free index 1 -> h2 */
	b[n++] = 28; b[n++] = 4;      /* drain 4 % 5 = 4 = nr_cpus -> all */
	b[n++] = 24; b[n++] = 7;      /* set_cpu 7 % 4 = 3 */
	b[n++] = 30;                  /* check */
	kmm_program_decode(b, n, KMM_PROGRAM_PAGES, prog_a);
	CHECK_EQ(prog_a->hdr.nr_cpus, 4);
	CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_NORMAL].spanned_pages, 2048);
	CHECK_EQ(prog_a->hdr.seed, 0x0807060504030201ull);
	REQUIRE(prog_a->nr_ops == 6);
	CHECK_EQ(prog_a->ops[0].code, KMM_OP_ALLOC_PAGES);
	CHECK_EQ(prog_a->ops[0].handle, 1);
	CHECK_EQ(prog_a->ops[0].order, 3);
	CHECK_EQ(prog_a->ops[0].node, -1);
	CHECK_EQ(prog_a->ops[0].gfp, KMM_GFP_KERNEL);
	CHECK_EQ(prog_a->ops[1].code, KMM_OP_ALLOC_PAGES);
	CHECK_EQ(prog_a->ops[1].order, 8);
	CHECK_EQ(prog_a->ops[1].node, 0);
	CHECK_EQ(prog_a->ops[1].gfp, KMM_GFP_ATOMIC | KMM___GFP_ZERO);
	CHECK_EQ(prog_a->ops[2].code, KMM_OP_FREE_PAGES);
	CHECK_EQ(prog_a->ops[2].handle, 2);
	CHECK_EQ(prog_a->ops[3].code, KMM_OP_DRAIN);
	CHECK_EQ(prog_a->ops[3].cpu, KMM_DRAIN_ALL);
	CHECK_EQ(prog_a->ops[4].cpu, 3);
	CHECK_EQ(prog_a->ops[5].code, KMM_OP_CHECK);
	CHECK_EQ(prog_a->nr_handles, 2);
}

TEST(decode_folds_misuse)
{
	uint8_t b[128];
	size_t n = plain_header(b, 0x01, 0, 0);

	b[n++] = 31; b[n++] = 3;          /* tail_page with no order>=1 handle -> alloc */
	b[n++] = 1; b[n++] = 0; b[n++] = 0; /* ... order 1 */
	b[n++] = 31; b[n++] = 3; b[n++] = 0; b[n++] = 5; b[n++] = 0; /* tail_page h1 arg 1 + 5 % 1 */
	b[n++] = 31; b[n++] = 2; b[n++] = 0; b[n++] = 9; /* wrong_order h1: (1 + 1 + 9) % 11 = 0 */
	b[n++] = 31; b[n++] = 4; b[n++] = 0; b[n++] = 0xff; b[n++] = 0xff; /* misaligned 1 + 65535 % 4095 */
	b[n++] = 31; b[n++] = 1; b[n++] = 0x78; b[n++] = 0x56; b[n++] = 0x34; b[n++] = 0x12;
	b[n++] = 31; b[n++] = 0; b[n++] = 0; /* double_free h1: kills it */
	b[n++] = 20; b[n++] = 0;          /* write with nothing live -> alloc */
	kmm_program_decode(b, n, KMM_PROGRAM_PAGES, prog_a);
	REQUIRE(prog_a->nr_ops == 7);
	CHECK_EQ(prog_a->ops[0].code, KMM_OP_ALLOC_PAGES);
	CHECK_EQ(prog_a->ops[0].order, 1);
	CHECK_EQ(prog_a->ops[1].code, KMM_OP_MISUSE);
	CHECK_EQ(prog_a->ops[1].mode, KMM_MISUSE_TAIL_PAGE);
	CHECK_EQ(prog_a->ops[1].arg, 1);
	CHECK_EQ(prog_a->ops[2].mode, KMM_MISUSE_WRONG_ORDER);
	CHECK_EQ(prog_a->ops[2].order, 0);
	CHECK_EQ(prog_a->ops[3].mode, KMM_MISUSE_MISALIGNED);
	CHECK_EQ(prog_a->ops[3].arg, 1 + 65535 % 4095);
	CHECK_EQ(prog_a->ops[4].mode, KMM_MISUSE_FOREIGN_PFN);
	CHECK_EQ(prog_a->ops[4].arg, 0x12345678);
	CHECK_EQ(prog_a->ops[4].handle, 0);
	CHECK_EQ(prog_a->ops[5].mode, KMM_MISUSE_DOUBLE_FREE);
	CHECK_EQ(prog_a->ops[5].handle, 1);
	CHECK_EQ(prog_a->ops[6].code, KMM_OP_ALLOC_PAGES);
	CHECK_EQ(prog_a->ops[6].handle, 2);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);
}

TEST(decode_is_fast_enough_to_not_matter)
{
	/* Not a benchmark: a 256-byte decode must not touch the whole op array,
	 * so 200k of them finish in well under a second even under ASan. */
	static uint8_t in[256];
	uint64_t sum = 0;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)rng();
	for (unsigned i = 0; i < iters(200000); i++) {
		in[i % sizeof(in)] ^= (uint8_t)i;
		kmm_program_decode(in, sizeof(in), (i & 1) ? KMM_PROGRAM_NUMA : KMM_PROGRAM_PAGES,
				   prog_a);
		sum += prog_a->nr_ops;
	}
	CHECK(sum > 0);
}

/* ---- binary: exact encoding of edge values ------------------------------------------------ */

static void add_op(struct kmm_program *p, struct kmm_op op)
{
	if (op.code == KMM_OP_ALLOC_PAGES)
		op.handle = ++p->nr_handles;
	p->ops[p->nr_ops++] = op;
}

static struct kmm_op mk(uint8_t code)
{
	struct kmm_op op;

	memset(&op, 0, sizeof(op));
	op.code = code;
	return op;
}

static struct kmm_op mk_alloc(unsigned order, kmm_gfp_t gfp, int node)
{
	struct kmm_op op = mk(KMM_OP_ALLOC_PAGES);

	op.order = (uint8_t)order;
	op.gfp = gfp;
	op.node = (int8_t)node;
	return op;
}

static struct kmm_op mk_h(uint8_t code, uint32_t h)
{
	struct kmm_op op = mk(code);

	op.handle = h;
	return op;
}

TEST(encode_edge_values_round_trip)
{
	struct kmm_program *p = prog_a;
	struct kmm_op op;
	char why[256];
	static const kmm_gfp_t gfps[] = {
		0,
		KMM___GFP_IO | KMM___GFP_ZERO,
		KMM___GFP_MEMALLOC | KMM___GFP_NOMEMALLOC | KMM___GFP_WRITE,
		KMM_GFP_HIGHUSER_MOVABLE | KMM___GFP_ZERO | KMM___GFP_COMP | KMM___GFP_THISNODE,
		KMM_GFP_KERNEL | KMM___GFP_RECLAIMABLE | KMM___GFP_NOFAIL,
		KMM_GFP_DMA | KMM___GFP_MOVABLE,
		KMM___GFP_BITS_MASK & ~(KMM___GFP_DMA | KMM___GFP_DMA32 | KMM___GFP_RECLAIMABLE),
		KMM_GFP_USER | KMM___GFP_ACCOUNT,
	};

	kmm_program_init(p);
	p->hdr.nr_nodes = 8;
	p->hdr.nr_cpus = 16;
	p->hdr.pageblock_order = 10;
	p->hdr.debug_level = 2;
	p->hdr.flags = KMM_PROG_MISUSE;
	p->hdr.min_free_kbytes = KMM_PROGRAM_MAX_MIN_FREE_KBYTES;
	p->hdr.seed = UINT64_MAX;
	for (unsigned n = 0; n < 8; n++) {
		p->hdr.zones[n][KMM_ZONE_NORMAL].spanned_pages = 0;
		p->hdr.zones[n][KMM_ZONE_MOVABLE].spanned_pages = 1;
		p->hdr.zones[n][KMM_ZONE_DMA].spanned_pages = 2047;
		p->hdr.zones[n][KMM_ZONE_DMA].hole_start = 2046 - n;
		p->hdr.zones[n][KMM_ZONE_DMA].hole_pages = 1 + n;
		p->hdr.zones[n][KMM_ZONE_DMA].reserved_pages = 2046 - n;
		for (unsigned m = 0; m < 8; m++)
			p->hdr.distance[n][m] = n == m ? 10 : (n + m == 7 ? 254 : 11);
	}
	for (unsigned c = 0; c < 16; c++)
		p->hdr.cpu_node[c] = (uint8_t)(7 - c % 8);
	for (unsigned i = 0; i < sizeof(gfps) / sizeof(gfps[0]); i++)
		add_op(p, mk_alloc(i % 11, gfps[i], (int)i % 9 - 1));
	for (unsigned i = 0; i < 300; i++)
		add_op(p, mk_alloc(i % 11, KMM_GFP_KERNEL, -1));
	/* > 256 live: two-byte indices */
	add_op(p, mk_h(KMM_OP_FREE_PAGES, 300));
	add_op(p, mk_h(KMM_OP_WRITE, 299));
	op = mk(KMM_OP_SET_POLICY);
	op.mode = KMM_MPOL_WEIGHTED_INTERLEAVE;
	op.nodes = 0xa5;
	op.weights[0] = 255;
	op.weights[2] = 8;
	op.weights[5] = 9;
	op.weights[7] = 1;
	add_op(p, op);
	op = mk(KMM_OP_SET_POLICY);
	op.mode = KMM_MPOL_PREFERRED;
	op.nodes = 0x80;
	add_op(p, op);
	op = mk(KMM_OP_SET_POLICY);
	op.mode = KMM_MPOL_BIND;
	op.nodes = 0xff;
	add_op(p, op);
	op = mk(KMM_OP_DRAIN);
	op.cpu = 15;
	add_op(p, op);
	op = mk(KMM_OP_SET_CPU);
	op.cpu = 15;
	add_op(p, op);
	op = mk_h(KMM_OP_MISUSE, 2); /* order 1 */
	op.mode = KMM_MISUSE_TAIL_PAGE;
	op.arg = 1;
	add_op(p, op);
	op = mk_h(KMM_OP_MISUSE, 19); /* order 10 */
	op.mode = KMM_MISUSE_TAIL_PAGE;
	op.arg = 1023;
	add_op(p, op);
	op = mk_h(KMM_OP_MISUSE, 19);
	op.mode = KMM_MISUSE_WRONG_ORDER;
	op.order = 9;
	add_op(p, op);
	op = mk_h(KMM_OP_MISUSE, 1);
	op.mode = KMM_MISUSE_WRONG_ORDER;
	op.order = 10;
	add_op(p, op);
	op = mk_h(KMM_OP_MISUSE, 5);
	op.mode = KMM_MISUSE_MISALIGNED;
	op.arg = 4095;
	add_op(p, op);
	op = mk(KMM_OP_MISUSE);
	op.mode = KMM_MISUSE_FOREIGN_PFN;
	op.arg = UINT32_MAX;
	add_op(p, op);
	op = mk_h(KMM_OP_MISUSE, 1);
	op.mode = KMM_MISUSE_DOUBLE_FREE;
	add_op(p, op);

	REQUIRE(kmm_program_validate(p, why, sizeof(why)) == 0 || (fprintf(stderr, "%s\n", why), 0));
	CHECK(kmm_program_roundtrip_check(p, why, sizeof(why)) == 0 ||
	      (fprintf(stderr, "%s\n", why), 0));
}

TEST(validate_rejects_broken_programs)
{
	char why[256];

	CHECK_EQ(parse_ok("system nodes=2 misuse=1\nalloc_pages a order=2\nfree_pages a\n", prog_a), 0);
	memcpy(prog_b, prog_a, sizeof(*prog_a));
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), 0);

	prog_b->ops[1].handle = 2; /* not a handle */
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), -1);
	CHECK(strstr(why, "not live") != NULL);
	prog_b->ops[1].handle = 1;
	prog_b->ops[1].cpu = 1; /* an unused field */
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), -1);
	CHECK(strstr(why, "unused field cpu") != NULL);
	prog_b->ops[1].cpu = 0;
	prog_b->ops[0].gfp = KMM___GFP_DMA | KMM___GFP_DMA32;
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), -1);
	prog_b->ops[0].gfp = KMM_GFP_KERNEL;
	prog_b->hdr.zones[1][KMM_ZONE_NORMAL].spanned_pages = KMM_PROGRAM_NUMA_NODE_CAP + 1;
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), -1);
	prog_b->hdr.zones[1][KMM_ZONE_NORMAL].spanned_pages = 1024;
	prog_b->hdr.zones[1][KMM_ZONE_NORMAL].reserved_pages = 1024;
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), -1);
	CHECK(strstr(why, "no managed pages") != NULL);
	prog_b->hdr.zones[1][KMM_ZONE_NORMAL].reserved_pages = 0;
	prog_b->hdr.distance[0][1] = 30;
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), -1);
	prog_b->hdr.distance[0][1] = 0;
	prog_b->nr_handles = 2;
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), -1);
	prog_b->nr_handles = 1;
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), 0);

	/* equality names the field */
	prog_b->ops[0].order = 3;
	CHECK(!kmm_program_equal(prog_a, prog_b, why, sizeof(why)));
	CHECK(strcmp(why, "op 0 (alloc_pages): order 2 vs 3") == 0);
	prog_b->ops[0].order = 2;
	prog_b->hdr.seed = 5;
	CHECK(!kmm_program_equal(prog_a, prog_b, why, sizeof(why)));
	CHECK(strcmp(why, "header seed: 0 vs 5") == 0);
	/* roundtrip_check refuses an invalid program */
	prog_b->hdr.seed = 0;
	prog_b->hdr.nr_cpus = 0;
	CHECK_EQ(kmm_program_roundtrip_check(prog_b, why, sizeof(why)), -1);
	CHECK(strstr(why, "invalid program: nr_cpus 0") != NULL);
}

/* ---- text ---------------------------------------------------------------------------------- */

TEST(text_example_from_the_reference)
{
	const char *text =
		"# every line kind\n"
		"system nodes=2 cpus=4 pageblock_order=9 seed=0x1234 debug=1 misuse=1 min_free_kbytes=0\n"
		"zone node=0 DMA pages=1024 hole=100+20 reserved=16\n"
		"zone node=0 Normal pages=2048\n"
		"zone node=1 normal pages=1000\t# case-insensitive zone names\r\n"
		"distance 0 1 20\n"
		"cpu_node 1 1\n"
		"\n"
		"alloc_pages big_block order=3 gfp=GFP_KERNEL|__GFP_ZERO node=1\n"
		"alloc_pages buf\n"
		"write buf\n"
		"verify buf\n"
		"free_pages big_block\n"
		"alloc_pages big_block order=10 gfp=GFP_ATOMIC|__GFP_NOWARN\n"
		"set_cpu 2\n"
		"set_policy interleave nodes=0-1\n"
		"set_policy weighted_interleave nodes=0,1 weights=1,3\n"
		"set_policy preferred nodes=1\n"
		"set_policy local\n"
		"drain all\n"
		"drain cpu=1\n"
		"check\n"
		"misuse wrong_order buf order=2\n"
		"misuse tail_page big_block arg=5\n"
		"misuse foreign_pfn arg=0x12345\n"
		"misuse misaligned buf arg=100\n"
		"misuse double_free buf\n";
	const char *expect =
		"system nodes=2 cpus=4 seed=0x1234 pageblock_order=9 debug=1 misuse=1\n"
		"zone node=0 DMA pages=1024 hole=100+20 reserved=16\n"
		"zone node=0 Normal pages=2048\n"
		"zone node=1 Normal pages=1000\n"
		"distance 0 1 20\n"
		"cpu_node 1 1\n"
		"\n"
		"alloc_pages h1 order=3 gfp=GFP_KERNEL|__GFP_ZERO node=1\n"
		"alloc_pages h2 order=0 gfp=GFP_KERNEL\n"
		"write h2\n"
		"verify h2\n"
		"free_pages h1\n"
		"alloc_pages h3 order=10 gfp=GFP_ATOMIC|__GFP_NOWARN\n"
		"set_cpu 2\n"
		"set_policy interleave nodes=0-1\n"
		"set_policy weighted_interleave nodes=0-1 weights=1,3\n"
		"set_policy preferred nodes=1\n"
		"set_policy local\n"
		"drain all\n"
		"drain cpu=1\n"
		"check\n"
		"misuse wrong_order h2 order=2\n"
		"misuse tail_page h3 arg=5\n"
		"misuse foreign_pfn arg=0x12345\n"
		"misuse misaligned h2 arg=100\n"
		"misuse double_free h2\n";
	static char buf[8192];
	char why[256];
	size_t n;

	REQUIRE(parse_ok(text, prog_a) == 0);
	CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_DMA].hole_start, 100);
	CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_DMA].hole_pages, 20);
	CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_DMA].reserved_pages, 16);
	CHECK_EQ(prog_a->hdr.distance[1][0], 20);
	CHECK_EQ(prog_a->hdr.distance[1][1], 10);
	CHECK_EQ(prog_a->ops[5].handle, 3); /* a freed name allocated again gets a new number */
	CHECK_EQ(prog_a->ops[8].weights[1], 3);
	CHECK_EQ(prog_a->nr_handles, 3);
	n = kmm_program_format(prog_a, UINT32_MAX, buf, sizeof(buf));
	CHECK_EQ(n, strlen(expect));
	CHECK(strcmp(buf, expect) == 0 || (fprintf(stderr, "%s", buf), 0));
	CHECK(kmm_program_roundtrip_check(prog_a, why, sizeof(why)) == 0 ||
	      (fprintf(stderr, "%s\n", why), 0));

	/* upto: the header plus the first ops, still parseable */
	n = kmm_program_format(prog_a, 2, buf, sizeof(buf));
	CHECK(strstr(buf, "alloc_pages h2") != NULL);
	CHECK(strstr(buf, "write") == NULL);
	CHECK_EQ(kmm_program_parse(buf, n, prog_b, why, sizeof(why)), 0);
	CHECK_EQ(prog_b->nr_ops, 2);
	/* truncation follows snprintf: length needed, NUL-terminated prefix */
	CHECK_EQ(kmm_program_format(prog_a, UINT32_MAX, buf, 10), strlen(expect));
	CHECK(strcmp(buf, "system no") == 0);
	CHECK_EQ(kmm_program_format(prog_a, UINT32_MAX, NULL, 0), strlen(expect));
}

TEST(op_format_one_line)
{
	char buf[256];
	struct kmm_op op = mk_alloc(2, KMM_GFP_KERNEL | KMM___GFP_ZERO, -1);

	op.handle = 3;
	CHECK_EQ(kmm_op_format(&op, buf, sizeof(buf)), strlen("alloc_pages h3 order=2 gfp=GFP_KERNEL|__GFP_ZERO"));
	CHECK(strcmp(buf, "alloc_pages h3 order=2 gfp=GFP_KERNEL|__GFP_ZERO") == 0);
	op = mk(KMM_OP_SET_POLICY);
	op.mode = KMM_MPOL_BIND;
	op.nodes = 0x2d;
	kmm_op_format(&op, buf, sizeof(buf));
	CHECK(strcmp(buf, "set_policy bind nodes=0,2-3,5") == 0);
	op = mk(KMM_OP_MISUSE);
	op.mode = KMM_MISUSE_TAIL_PAGE;
	op.handle = 4;
	op.arg = 1;
	kmm_op_format(&op, buf, sizeof(buf));
	CHECK(strcmp(buf, "misuse tail_page h4") == 0);
	op = mk(KMM_OP_CHECK);
	kmm_op_format(&op, buf, sizeof(buf));
	CHECK(strcmp(buf, "check") == 0);
	op = mk(200);
	kmm_op_format(&op, buf, sizeof(buf));
	CHECK(strcmp(buf, "? code=200") == 0);
	CHECK(strcmp(kmm_op_name(KMM_OP_DRAIN), "drain") == 0);
	CHECK(strcmp(kmm_misuse_name(KMM_MISUSE_MISALIGNED), "misaligned") == 0);
	CHECK(strcmp(kmm_program_mpol_name(KMM_MPOL_PREFERRED_MANY), "preferred_many") == 0);
}

TEST(text_errors_name_line_and_column)
{
	/* Each class of error, with its exact message. */
	CHECK(parse_err_is("alloc_pages a\nfree_pages a\nalloc_page b\n",
			   "line 3, column 1: unknown op 'alloc_page'"));
	CHECK(parse_err_is("\n\n\n\n\n\nalloc_pages h1 gfp=GFP_KERNEL|__GFP_ZEROO\n",
			   "line 7, column 31: unknown gfp flag '__GFP_ZEROO'"));
	CHECK(parse_err_is("alloc_pages h1 gfp=GFP_KERNEL|\n",
			   "line 1, column 30: missing gfp flag at the end of 'GFP_KERNEL|'"));
	CHECK(parse_err_is("alloc_pages h1 gfp=0x12g\n", "line 1, column 20: bad number '0x12g' in gfp"));
	CHECK(parse_err_is("alloc_pages h1 gfp=GFP_DMA|__GFP_DMA32\n",
			   "line 1, column 20: gfp 'GFP_DMA|__GFP_DMA32' names more than one of "
			   "__GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM"));
	CHECK(parse_err_is("alloc_pages h1 gfp=__GFP_MOVABLE|__GFP_RECLAIMABLE\n",
			   "line 1, column 20: gfp '__GFP_MOVABLE|__GFP_RECLAIMABLE' sets both "
			   "__GFP_MOVABLE and __GFP_RECLAIMABLE"));
	CHECK(parse_err_is("alloc_pages h1 gfp=0x800000\n",
			   "line 1, column 20: gfp '0x800000' has unknown bits 0x800000"));
	CHECK(parse_err_is("alloc_pages h1\nalloc_pages h2\nfree_pages h1\nwrite h2\nverify h2\n"
			   "free_pages h2\ncheck\n\nfree_pages h4\n",
			   "line 9, column 12: handle 'h4' is not live"));
	CHECK(parse_err_is("alloc_pages h1\nfree_pages h1\nverify h1\n",
			   "line 3, column 8: handle 'h1' is not live (freed on line 2)"));
	CHECK(parse_err_is("alloc_pages h1\nalloc_pages h1\n",
			   "line 2, column 13: handle 'h1' is already live (allocated on line 1)"));
	CHECK(parse_err_is("# c\nalloc_pages h1 order=11\n", "line 2, column 22: order 11 out of range 0..10"));
	CHECK(parse_err_is("alloc_pages h1 order=99999999999999999999999\n",
			   "line 1, column 22: order 99999999999999999999999 out of range 0..10"));
	CHECK(parse_err_is("alloc_pages h1 order=3x\n", "line 1, column 22: order '3x' is not a number"));
	CHECK(parse_err_is("alloc_pages h1 order=\n", "line 1, column 16: missing value for 'order'"));
	CHECK(parse_err_is("alloc_pages h1 ordr=1\n", "line 1, column 16: unknown operand 'ordr' for alloc_pages"));
	CHECK(parse_err_is("alloc_pages h1 order=1 order=2\n", "line 1, column 24: operand 'order' given twice"));
	CHECK(parse_err_is("alloc_pages order=1\n", "line 1, column 1: alloc_pages needs a handle name"));
	CHECK(parse_err_is("alloc_pages 9lives\n",
			   "line 1, column 13: bad handle name '9lives' (letters, digits and '_', not starting with a digit)"));
	CHECK(parse_err_is("alloc_pages a b\n", "line 1, column 15: unexpected 'b' in alloc_pages"));
	CHECK(parse_err_is("alloc_pages a node=1\n", "line 1, column 20: node 1 out of range 0..0 (or -1)"));
	CHECK(parse_err_is("free_pages\n", "line 1, column 1: free_pages needs a handle name"));
	CHECK(parse_err_is("alloc_pages a\nwrite a a\n", "line 2, column 9: unexpected 'a' after write <handle>"));
	CHECK(parse_err_is("system cpus=4\nset_cpu 4\n", "line 2, column 9: cpu 4 out of range 0..3"));
	CHECK(parse_err_is("set_cpu\n", "line 1, column 1: set_cpu takes one number: the cpu"));
	CHECK(parse_err_is("drain\n", "line 1, column 1: drain needs 'all' or cpu=N"));
	CHECK(parse_err_is("drain some\n", "line 1, column 7: drain takes 'all' or cpu=N, not 'some'"));
	CHECK(parse_err_is("drain cpu=1\n", "line 1, column 11: cpu 1 out of range 0..0"));
	CHECK(parse_err_is("check now\n", "line 1, column 7: check takes no operands"));
	CHECK(parse_err_is("set_policy sometimes\n",
			   "line 1, column 12: unknown policy 'sometimes' (default, preferred, bind, "
			   "interleave, local, preferred_many, weighted_interleave)"));
	CHECK(parse_err_is("set_policy bind\n", "line 1, column 12: set_policy bind needs nodes="));
	CHECK(parse_err_is("set_policy default nodes=0\n",
			   "line 1, column 20: set_policy default takes no nodes or weights"));
	CHECK(parse_err_is("system nodes=2\nset_policy preferred nodes=0-1\n",
			   "line 2, column 28: set_policy preferred takes exactly one node"));
	CHECK(parse_err_is("system nodes=2\nset_policy bind nodes=0,2\n",
			   "line 2, column 25: node 2 out of range 0..1"));
	CHECK(parse_err_is("system nodes=2\nset_policy bind nodes=0,\n",
			   "line 2, column 25: empty item in the node list"));
	CHECK(parse_err_is("system nodes=4\nset_policy bind nodes=3-1\n",
			   "line 2, column 23: node range 3-1 runs backwards"));
	CHECK(parse_err_is("system nodes=2\nset_policy weighted_interleave nodes=0-1 weights=1\n",
			   "line 2, column 50: 1 weights for 2 nodes"));
	CHECK(parse_err_is("system nodes=2\nset_policy weighted_interleave nodes=0-1 weights=1,256\n",
			   "line 2, column 52: weight 256 out of range 1..255"));
	CHECK(parse_err_is("system nodes=2\nset_policy interleave nodes=0-1 weights=1,2\n",
			   "line 2, column 33: weights= only goes with weighted_interleave"));
	CHECK(parse_err_is("alloc_pages a\nmisuse double_free a\n",
			   "line 2, column 1: misuse ops need misuse=1 on the system line"));
	CHECK(parse_err_is("system misuse=1\nmisuse triple_free a\n",
			   "line 2, column 8: unknown misuse 'triple_free' (double_free, foreign_pfn, "
			   "wrong_order, tail_page, misaligned)"));
	CHECK(parse_err_is("system misuse=1\nalloc_pages a order=2\nmisuse wrong_order a order=2\n",
			   "line 3, column 28: order 2 is the handle's own order; wrong_order needs another"));
	CHECK(parse_err_is("system misuse=1\nalloc_pages a order=2\nmisuse wrong_order a\n",
			   "line 3, column 20: misuse wrong_order needs order="));
	CHECK(parse_err_is("system misuse=1\nalloc_pages a\nmisuse tail_page a\n",
			   "line 3, column 18: tail_page needs a handle of order >= 1; 'a' has order 0"));
	CHECK(parse_err_is("system misuse=1\nalloc_pages a order=2\nmisuse tail_page a arg=4\n",
			   "line 3, column 24: arg 4 out of range 1..3"));
	CHECK(parse_err_is("system misuse=1\nalloc_pages a\nmisuse misaligned a arg=4096\n",
			   "line 3, column 25: arg 4096 out of range 1..4095"));
	CHECK(parse_err_is("system misuse=1\nalloc_pages a\nmisuse foreign_pfn a\n",
			   "line 3, column 20: misuse foreign_pfn takes no handle"));
	CHECK(parse_err_is("system misuse=1\nmisuse double_free a\n",
			   "line 2, column 20: handle 'a' is not live"));

	/* header lines */
	CHECK(parse_err_is("system nodes=9\n", "line 1, column 14: nodes 9 out of range 1..8"));
	CHECK(parse_err_is("system pageblock_order=2\n",
			   "line 1, column 24: pageblock_order 2 out of range 3..10 (or 0 for the default)"));
	CHECK(parse_err_is("system\nsystem\n", "line 2, column 1: a second 'system' line"));
	CHECK(parse_err_is("zone Normal pages=10\nsystem nodes=2\n",
			   "line 2, column 1: 'system' must come before zone, distance and cpu_node lines"));
	CHECK(parse_err_is("check\nzone Normal pages=10\n",
			   "line 2, column 1: 'zone' after the first op; header lines come first"));
	CHECK(parse_err_is("zone Lowmem pages=10\n",
			   "line 1, column 6: unknown zone 'Lowmem' (DMA, DMA32, Normal, HighMem, Movable)"));
	CHECK(parse_err_is("zone node=0 Normal pages=10\nzone NORMAL pages=20\n",
			   "line 2, column 6: zone Normal of node 0 given twice"));
	CHECK(parse_err_is("zone DMA\n", "line 1, column 1: zone needs pages="));
	CHECK(parse_err_is("zone DMA pages=4096\nzone Normal pages=4097\n",
			   "line 2, column 19: node 0 would span 8193 pages, more than 8192 (the limit for "
			   "a one-node program)"));
	CHECK(parse_err_is("system nodes=8\nzone node=7 Normal pages=2049\n",
			   "line 2, column 26: pages 2049 out of range 1..2048"));
	CHECK(parse_err_is("zone Normal pages=100 hole=90+20\n",
			   "line 1, column 28: hole start 90 out of range 0..80"));
	CHECK(parse_err_is("zone Normal pages=100 hole=0+100\n",
			   "line 1, column 30: hole length 100 out of range 1..99"));
	CHECK(parse_err_is("zone Normal pages=100 hole=5\n",
			   "line 1, column 28: hole needs start+length (e.g. hole=100+20), not '5'"));
	CHECK(parse_err_is("zone Normal pages=100 hole=10+10 reserved=91\n",
			   "line 1, column 43: reserved 91 out of range 0..90"));
	CHECK(parse_err_is("zone Normal pages=100 hole=10+10 reserved=90\nzone DMA pages=5 reserved=5\ncheck\n",
			   "line 2, column 1: node 0 has no managed pages (every present page is reserved)"));
	CHECK(parse_err_is("system nodes=2\ndistance 1 1 10\n",
			   "line 2, column 12: the distance from node 1 to itself is always 10"));
	CHECK(parse_err_is("system nodes=2\ndistance 0 1 255\n",
			   "line 2, column 14: distance 255 out of range 11..254"));
	CHECK(parse_err_is("system nodes=2\ndistance 0 1 20\ndistance 1 0 30\n",
			   "line 3, column 10: distance 1 0 given twice"));
	CHECK(parse_err_is("system nodes=2\ndistance 0 1\n",
			   "line 2, column 1: distance takes three numbers: node node distance"));
	CHECK(parse_err_is("system nodes=2 cpus=2\ncpu_node 1 1\ncpu_node 1 0\n",
			   "line 3, column 10: cpu_node for cpu 1 given twice"));
	CHECK(parse_err_is("system nodes=2 cpus=2\ncpu_node 2 1\n",
			   "line 2, column 10: cpu 2 out of range 0..1"));

	/* bytes no text editor would write */
	CHECK(parse_err_is("alloc\0pages a\n", "line 1, column 1: unknown op 'alloc'"));
	{
		const char t[] = "check\nalloc\x01pages\xff a\n";
		char err[256];
		CHECK_EQ(kmm_program_parse(t, sizeof(t) - 1, prog_a, err, sizeof(err)), -EINVAL);
		CHECK(strcmp(err, "line 2, column 1: unknown op 'alloc\\x01pages\\xff'") == 0);
		/* embedded NUL: the length, not the terminator, bounds the text */
		const char u[] = "check\nfree_pages a\0b\n";
		CHECK_EQ(kmm_program_parse(u, sizeof(u) - 1, prog_a, err, sizeof(err)), -EINVAL);
		CHECK(strcmp(err, "line 2, column 12: bad handle name 'a\\x00b' (letters, digits and '_', "
				  "not starting with a digit)") == 0);
	}
	CHECK(parse_err_is("check 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25\n",
			   "line 1, column 67: too many words on one line (at most 24)"));
}

TEST(text_error_messages_stay_bounded)
{
	/* A huge token is quoted truncated; the message fits a small buffer. */
	size_t n = 100000;
	char *t = malloc(n + 16);
	char err[64];

	REQUIRE(t != NULL);
	memset(t, 'x', n);
	memcpy(t + n, " a\n", 3);
	CHECK_EQ(kmm_program_parse(t, n + 3, prog_a, err, sizeof(err)), -EINVAL);
	CHECK(strncmp(err, "line 1, column 1: unknown op 'xxxxxxx", 37) == 0);
	CHECK_EQ(strlen(err), sizeof(err) - 1);
	/* no newline at the end, no terminator at all */
	memcpy(t, "alloc_pages h1 order=10", 23);
	CHECK_EQ(kmm_program_parse(t, 23, prog_a, err, sizeof(err)), 0);
	CHECK_EQ(prog_a->ops[0].order, 10);
	CHECK_EQ(kmm_program_parse(t, 22, prog_a, err, sizeof(err)), 0);
	CHECK_EQ(prog_a->ops[0].order, 1);
	/* no error buffer at all */
	CHECK_EQ(kmm_program_parse("bogus", 5, prog_a, NULL, 0), -EINVAL);
	CHECK_EQ(kmm_program_parse(NULL, 0, prog_a, NULL, 0), 0);
	free(t);
}

TEST(text_mutations_parse_or_fail_cleanly)
{
	/* Random edits of a valid text: whatever parses must round-trip. */
	const char *base =
		"system nodes=2 cpus=3 seed=0x99 misuse=1 min_free_kbytes=128\n"
		"zone node=0 DMA32 pages=900 hole=10+5 reserved=3\n"
		"zone node=1 Movable pages=700\n"
		"distance 0 1 31\ncpu_node 2 1\n"
		"alloc_pages a order=3 gfp=GFP_HIGHUSER_MOVABLE|__GFP_COMP node=1\n"
		"alloc_pages b order=0 gfp=GFP_NOWAIT\nwrite a\nverify b\nset_cpu 2\n"
		"set_policy weighted_interleave nodes=0-1 weights=2,7\ndrain cpu=2\n"
		"misuse tail_page a arg=3\nmisuse wrong_order b order=4\nfree_pages a\ncheck\n";
	const char alphabet[] = "0123456789=|-,+ \n#_abxhGFP\0\t";
	const char *lines[32];
	size_t line_len[32], nlines = 0, blen = strlen(base);
	char *t = malloc(4 * blen + 64);
	char err[256], why[256];
	unsigned parsed = 0, bad = 0;

	REQUIRE(t != NULL);
	for (const char *s = base; *s; nlines++) {
		const char *e = strchr(s, '\n');
		lines[nlines] = s;
		line_len[nlines] = (size_t)(e - s) + 1;
		s = e + 1;
	}
	for (unsigned iter = 0; iter < iters(20000); iter++) {
		size_t len = 0, pick[64], npick = 0;

		/* line edits: drop, repeat or swap lines */
		for (size_t i = 0; i < nlines; i++) {
			unsigned r = (unsigned)(rng() % 16);
			if (r == 0)
				continue;
			pick[npick++] = i;
			if (r == 1)
				pick[npick++] = i;
			if (r == 2 && npick >= 2) {
				size_t x = pick[npick - 1];
				pick[npick - 1] = pick[npick - 2];
				pick[npick - 2] = x;
			}
		}
		for (size_t i = 0; i < npick; i++) {
			memcpy(t + len, lines[pick[i]], line_len[pick[i]]);
			len += line_len[pick[i]];
		}
		/* byte edits: mostly digits, so numbers move in and out of range */
		for (unsigned k = rng() % 3; k && len; k--) {
			size_t at = (size_t)(rng() % len);
			unsigned what = (unsigned)(rng() % 3);
			char c = (rng() % 4 == 0) ? (char)rng() : (rng() & 1) ? (char)('0' + rng() % 10)
							  : alphabet[rng() % (sizeof(alphabet) - 1)];

			if (what == 0) {
				t[at] = c;
			} else if (what == 1 && len > 1) {
				memmove(t + at, t + at + 1, len - at - 1);
				len--;
			} else {
				memmove(t + at + 1, t + at, len - at);
				t[at] = c;
				len++;
			}
		}
		if (kmm_program_parse(t, len, prog_a, err, sizeof(err)) == 0) {
			parsed++;
			if (kmm_program_roundtrip_check(prog_a, why, sizeof(why)) && bad++ < 3)
				fprintf(stderr, "mutant failed the round trip: %s\n%.*s\n", why, (int)len, t);
		} else if (strncmp(err, "line ", 5) != 0 && bad++ < 3) {
			fprintf(stderr, "error without a line: %s\n", err);
		}
	}
	printf("  %u of %u mutants parsed\n", parsed, iters(20000));
	CHECK(parsed > iters(20000) / 20);
	CHECK_EQ(bad, 0);
	free(t);
}

/* ---- the op limit ------------------------------------------------------------------------------ */

TEST(programs_at_the_op_limit)
{
	static uint8_t big[64 * 1024];
	char why[256], err[256];
	size_t n, cap = 64 * KMM_PROGRAM_MAX_OPS + 4096;
	char *text = malloc(cap + 64);
	struct kmm_program *p = prog_a;

	REQUIRE(text != NULL);
	/* decode stops at the limit */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	kmm_program_decode(big, sizeof(big), KMM_PROGRAM_PAGES, p);
	CHECK_EQ(p->nr_ops, KMM_PROGRAM_MAX_OPS);
	CHECK_EQ(kmm_program_validate(p, why, sizeof(why)), 0);
	CHECK(kmm_program_roundtrip_check(p, why, sizeof(why)) == 0 || (fprintf(stderr, "%s\n", why), 0));

	/* 4096 allocs: every handle live at the end, then text at the limit */
	kmm_program_init(p);
	for (unsigned i = 0; i < KMM_PROGRAM_MAX_OPS; i++)
		add_op(p, mk_alloc(0, KMM_GFP_KERNEL, -1));
	CHECK(kmm_program_roundtrip_check(p, why, sizeof(why)) == 0 || (fprintf(stderr, "%s\n", why), 0));
	n = kmm_program_format(p, UINT32_MAX, text, cap);
	REQUIRE(n < cap);
	CHECK_EQ(kmm_program_parse(text, n, prog_b, err, sizeof(err)), 0);
	CHECK_EQ(prog_b->nr_ops, KMM_PROGRAM_MAX_OPS);
	/* one more op is an error on its own line (header 2 lines + blank + 4096 ops) */
	memcpy(text + n, "check\n", 6);
	CHECK_EQ(kmm_program_parse(text, n + 6, prog_b, err, sizeof(err)), -EINVAL);
	CHECK(strcmp(err, "line 4100, column 1: more than 4096 ops") == 0 ||
	      (fprintf(stderr, "%s\n", err), 0));

	/* alternating alloc / free of 2048 handles, then a misuse-heavy tail */
	kmm_program_init(p);
	p->hdr.flags = KMM_PROG_MISUSE;
	for (unsigned i = 0; i < 2048; i++)
		add_op(p, mk_alloc(1 + i % 10, KMM_GFP_USER, -1));
	for (unsigned i = 0; i < 2048; i++) {
		struct kmm_op op = mk_h(KMM_OP_MISUSE, 2048 - i);

		op.mode = (i & 1) ? KMM_MISUSE_DOUBLE_FREE : KMM_MISUSE_TAIL_PAGE;
		op.arg = (i & 1) ? 0 : 1;
		if (!(i & 1))
			op.handle = 1 + (uint32_t)(rng() % 2048);
		add_op(p, op);
	}
	/* TAIL_PAGE may have picked a handle already double-freed: rebuild those as FOREIGN */
	{
		static bool dead[2049];
		memset(dead, 0, sizeof(dead));
		for (uint32_t i = 2048; i < p->nr_ops; i++) {
			struct kmm_op *op = &p->ops[i];
			if (op->mode == KMM_MISUSE_DOUBLE_FREE) {
				dead[op->handle] = true;
			} else if (dead[op->handle]) {
				op->mode = KMM_MISUSE_FOREIGN_PFN;
				op->handle = 0;
				op->arg = i;
			}
		}
	}
	CHECK_EQ(kmm_program_validate(p, why, sizeof(why)), 0);
	CHECK(kmm_program_roundtrip_check(p, why, sizeof(why)) == 0 || (fprintf(stderr, "%s\n", why), 0));
	free(text);
}

/* ---- seeds ---------------------------------------------------------------------------------------- */

struct seed_stats {
	unsigned files, failed;
	unsigned per_target[3];
};

static void check_seed(const char *path, const char *target, struct seed_stats *st)
{
	size_t len = 0;
	char *text = test_read_whole(path, &len);
	char err[256], why[256];
	bool ok = true;

	st->files++;
	if (!text) {
		fprintf(stderr, "%s: cannot read\n", path);
		st->failed++;
		return;
	}
	if (kmm_program_parse(text, len, prog_a, err, sizeof(err))) {
		fprintf(stderr, "%s:%s\n", path, err);
		ok = false;
	} else if (kmm_program_roundtrip_check(prog_a, why, sizeof(why))) {
		fprintf(stderr, "%s: %s\n", path, why);
		ok = false;
	} else if (text[0] != '#') {
		fprintf(stderr, "%s: no comment line on top\n", path);
		ok = false;
	} else if (prog_a->nr_ops > 60 || prog_a->nr_ops == 0) {
		fprintf(stderr, "%s: %u ops (want 1..60)\n", path, prog_a->nr_ops);
		ok = false;
	} else if (strcmp(target, "fuzz_pages") == 0 && prog_a->hdr.nr_nodes != 1) {
		fprintf(stderr, "%s: fuzz_pages seeds have one node\n", path);
		ok = false;
	} else if (strcmp(target, "fuzz_numa") == 0 && prog_a->hdr.nr_nodes < 2) {
		fprintf(stderr, "%s: fuzz_numa seeds have 2..8 nodes\n", path);
		ok = false;
	}
	if (!ok)
		st->failed++;
	free(text);
}

static void walk_seeds(const char *dir, const char *target, struct seed_stats *st)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat sb;
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			walk_seeds(path, target ? target : e->d_name, st);
		} else if (n > 6 && strcmp(e->d_name + n - 6, ".trace") == 0) {
			check_seed(path, target ? target : "", st);
			if (target && strcmp(target, "fuzz_pages") == 0)
				st->per_target[0]++;
			else if (target && strcmp(target, "fuzz_numa") == 0)
				st->per_target[1]++;
			else if (target && strcmp(target, "fuzz_trace_parser") == 0)
				st->per_target[2]++;
		}
	}
	closedir(d);
}

TEST(every_seed_round_trips)
{
	char dir[4096];
	struct seed_stats st = { 0, 0, { 0, 0, 0 } };

	snprintf(dir, sizeof(dir), "%s/corpus/seeds", source_dir);
	walk_seeds(dir, NULL, &st);
	CHECK_EQ(st.failed, 0);
	CHECK(st.per_target[0] >= 6 && st.per_target[0] <= 12);
	CHECK(st.per_target[1] >= 6 && st.per_target[1] <= 12);
	CHECK(st.per_target[2] >= 1);
	if (st.per_target[0] < 6)
		fprintf(stderr, "found %u fuzz_pages seeds under %s\n", st.per_target[0], dir);
}

TEST(seeds_cover_every_op_and_misuse)
{
	/* Across the fuzz_pages seeds: every opcode, misuse kind, order and gfp composite. */
	static const char *const names[] = {
		"basic", "gfp_composites", "zero_comp", "pcp_cpus", "exhaustion", "misuse",
		"holes_stealing", "watermarks",
	};
	static const kmm_gfp_t composites[] = {
		KMM_GFP_KERNEL, KMM_GFP_ATOMIC, KMM_GFP_NOWAIT, KMM_GFP_NOIO, KMM_GFP_NOFS, KMM_GFP_USER,
		KMM_GFP_HIGHUSER, KMM_GFP_HIGHUSER_MOVABLE, KMM_GFP_DMA, KMM_GFP_DMA32,
	};
	bool code[KMM_OP_COUNT] = { false }, misuse[KMM_MISUSE_COUNT] = { false };
	bool order[KMM_NR_ORDERS] = { false }, comp[10] = { false };
	const kmm_gfp_t mods = KMM___GFP_ZERO | KMM___GFP_COMP | KMM___GFP_NOWARN | KMM___GFP_NORETRY |
			       KMM___GFP_RETRY_MAYFAIL | KMM___GFP_NOFAIL | KMM___GFP_THISNODE;
	unsigned found = 0;

	for (unsigned f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
		char path[4096], err[256];
		size_t len;
		char *text;

		snprintf(path, sizeof(path), "%s/corpus/seeds/fuzz_pages/%s.trace", source_dir, names[f]);
		text = test_read_whole(path, &len);
		if (!text) {
			fprintf(stderr, "missing seed %s\n", path);
			continue;
		}
		if (kmm_program_parse(text, len, prog_a, err, sizeof(err)) == 0) {
			found++;
			for (uint32_t i = 0; i < prog_a->nr_ops; i++) {
				const struct kmm_op *op = &prog_a->ops[i];

				code[op->code] = true;
				if (op->code == KMM_OP_MISUSE)
					misuse[op->mode] = true;
				if (op->code != KMM_OP_ALLOC_PAGES)
					continue;
				order[op->order] = true;
				for (unsigned c = 0; c < 10; c++)
					if ((op->gfp & ~mods) == (composites[c] & ~mods))
						comp[c] = true;
			}
		}
		free(text);
	}
	CHECK_EQ(found, sizeof(names) / sizeof(names[0]));
	/* Page ops only: the slab ops are the slab targets' (test_codec_slab). */
	for (unsigned c = 0; c < KMM_OP_CACHE_CREATE; c++)
		CHECK(code[c] || (fprintf(stderr, "no seed has op %s\n", kmm_op_name(c)), 0));
	for (unsigned m = 0; m < KMM_MISUSE_OBJ_DOUBLE_FREE; m++)
		CHECK(misuse[m] || (fprintf(stderr, "no seed has misuse %s\n", kmm_misuse_name(m)), 0));
	for (unsigned o = 0; o < KMM_NR_ORDERS; o++)
		CHECK(order[o] || (fprintf(stderr, "no seed allocates order %u\n", o), 0));
	for (unsigned c = 0; c < 10; c++)
		CHECK(comp[c] || (fprintf(stderr, "no seed uses gfp composite #%u\n", c), 0));
}

/* ---- pcp sizes --------------------------------------------------------------------------- */

/* Header flag bits 7 and 3 (H_PCP) bring a NUMA program a pcp record: a
 * byte 1 is 1/1, a 0 two words folded into 1..KMM_PROGRAM_MAX_PCP, anything
 * else the formulas. A PAGES program reads no record. */
TEST(decode_folds_pcp_sizes)
{
	uint8_t b[64];
	uint32_t normal;
	size_t n;

	/* PAGES: the bits mean nothing, byte 12 is node 0's zone mask. */
	n = plain_header(b, 0x88, 0, 0);
	kmm_program_decode(b, n, KMM_PROGRAM_PAGES, prog_a);
	CHECK_EQ(prog_a->hdr.pcp_high, 0);
	CHECK_EQ(prog_a->hdr.pcp_batch, 0);
	CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_NORMAL].spanned_pages, 2048);
	/* NUMA: node 0's Normal as a header without the bits gives it */
	n = plain_header(b, 0x00, 0, 0);
	kmm_program_decode(b, n, KMM_PROGRAM_NUMA, prog_a);
	normal = prog_a->hdr.zones[0][KMM_ZONE_NORMAL].spanned_pages;
	CHECK(normal > 0);

	n = plain_header(b, 0x88, 0, 0);
	/* the record sits right after the pageblock byte, before the zones */
	memmove(b + 13, b + 12, n - 12);
	b[12] = 0x01; /* 1: the buddy path's sizes, nothing more read */
	kmm_program_decode(b, n + 1, KMM_PROGRAM_NUMA, prog_a);
	CHECK_EQ(prog_a->hdr.pcp_high, 1);
	CHECK_EQ(prog_a->hdr.pcp_batch, 1);
	CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_NORMAL].spanned_pages, normal);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);
	b[12] = 0x02; /* above 1: the formulas after all, nothing more read */
	kmm_program_decode(b, n + 1, KMM_PROGRAM_NUMA, prog_a);
	CHECK_EQ(prog_a->hdr.pcp_high, 0);
	CHECK_EQ(prog_a->hdr.pcp_batch, 0);
	CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_NORMAL].spanned_pages, normal);

	n = plain_header(b, 0x88, 0, 0);
	memmove(b + 17, b + 12, n - 12);
	b[12] = 0x00; /* 0: two words */
	b[13] = 36;   /* high 1 + 36 */
	b[14] = 0;
	b[15] = 0xff; /* batch 1 + 0xfff >> 0: 4096 */
	b[16] = 0x0f;
	kmm_program_decode(b, n + 5, KMM_PROGRAM_NUMA, prog_a);
	CHECK_EQ(prog_a->hdr.pcp_high, 37);
	CHECK_EQ(prog_a->hdr.pcp_batch, KMM_PROGRAM_MAX_PCP);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);
	/* top four bits t > 0 shift the low twelve by 9 + t % 3: 0x6fff is
	 * 1 + (0xfff >> 9), 0x4fff 1 + (0xfff >> 10), 0xbfff 1 + (0xfff >> 11) */
	b[13] = 0xff;
	b[14] = 0x6f;
	b[15] = 0xff;
	b[16] = 0x4f;
	kmm_program_decode(b, n + 5, KMM_PROGRAM_NUMA, prog_a);
	CHECK_EQ(prog_a->hdr.pcp_high, 8);
	CHECK_EQ(prog_a->hdr.pcp_batch, 4);
	b[16] = 0xbf;
	kmm_program_decode(b, n + 5, KMM_PROGRAM_NUMA, prog_a);
	CHECK_EQ(prog_a->hdr.pcp_batch, 2);
	CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_NORMAL].spanned_pages, normal);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);

	/* A record cut short still decodes: missing bytes read as 0 (1 and 1). */
	b[0] = 0x88;
	b[12] = 0x00;
	kmm_program_decode(b, 13, KMM_PROGRAM_NUMA, prog_a);
	CHECK_EQ(prog_a->hdr.pcp_high, 1);
	CHECK_EQ(prog_a->hdr.pcp_batch, 1);
	CHECK_EQ(kmm_program_validate(prog_a, NULL, 0), 0);

	/* Without the bits, or with bit7 or bit3 alone: the formulas (and the
	 * byte after the pageblock byte is node 0's zone mask). */
	static const uint8_t no_pcp[] = { 0x00, 0x80, 0x08 };
	for (unsigned i = 0; i < sizeof(no_pcp); i++) {
		n = plain_header(b, no_pcp[i], 0, 0);
		kmm_program_decode(b, n, KMM_PROGRAM_NUMA, prog_a);
		CHECK_EQ(prog_a->hdr.pcp_high, 0);
		CHECK_EQ(prog_a->hdr.pcp_batch, 0);
		CHECK_EQ(prog_a->hdr.zones[0][KMM_ZONE_NORMAL].spanned_pages, normal);
	}

	/* Random bytes with bits 7 and 3 set: sizes are rare (record bytes 0
	 * and 1 are two in 256); random words after a record byte 0 give
	 * mostly small sizes (15 in 16 at most 8), and not all 1/1. */
	{
		unsigned ones = 0, small = 0, sized_ones = 0, total = 2000;

		for (unsigned i = 0; i < total; i++) {
			for (unsigned j = 0; j < sizeof(b); j++)
				b[j] = (uint8_t)rng();
			b[0] |= 0x88;
			kmm_program_decode(b, sizeof(b), KMM_PROGRAM_NUMA, prog_a);
			ones += prog_a->hdr.pcp_high != 0;
			b[0] = 0x88; /* no min_free_kbytes: the record at byte 12 */
			b[12] = 0x00;
			kmm_program_decode(b, sizeof(b), KMM_PROGRAM_NUMA, prog_a);
			small += prog_a->hdr.pcp_high <= 8 && prog_a->hdr.pcp_batch <= 8;
			sized_ones += prog_a->hdr.pcp_high == 1 && prog_a->hdr.pcp_batch == 1;
		}
		CHECK(ones < total * 3 / 100);
		CHECK(small > total * 80 / 100);
		CHECK(sized_ones < total * 20 / 100);
	}
}

/* Encode writes the record only when both sizes are set, and decode gives
 * them back, in NUMA and slab programs; a one-node page program's bytes
 * drop them (kmm_program_binary_loss names it), the rest comes back. */
TEST(pcp_sizes_round_trip)
{
	static uint8_t out[16 * 1024];
	static const uint16_t sizes[][2] = { { 1, 1 }, { 37, 5 }, { 3, 7 }, { 1, 4096 }, { 4096, 1 },
					     { 4096, 4096 }, { 2, 1 }, { 1, 2 } };
	static const char *const systems[] = {
		"system nodes=1 cpus=2 seed=0x11\n",
		"system nodes=3 cpus=5 seed=0x12 debug=1 min_free_kbytes=77\ndistance 0 2 40\ncpu_node 4 2\n",
		"system nodes=1 cpus=1 seed=0x13\nslab backend=slub debug=FZ\n",
		"system nodes=2 cpus=2 seed=0x14\nslab backend=slab\nzone node=0 Normal pages=900\n",
	};
	char why[256], txt[512];
	size_t n;

	for (unsigned s = 0; s < sizeof(systems) / sizeof(systems[0]); s++) {
		for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			REQUIRE(parse_ok(systems[s], prog_a) == 0);
			prog_a->hdr.pcp_high = sizes[i][0];
			prog_a->hdr.pcp_batch = sizes[i][1];
			add_op(prog_a, mk_alloc(i % 4, KMM_GFP_KERNEL, -1));
			add_op(prog_a, mk_h(KMM_OP_FREE_PAGES, 1));
			CHECK(kmm_program_validate(prog_a, why, sizeof(why)) == 0 ||
			      (fprintf(stderr, "%s\n", why), 0));
			n = kmm_program_encode(prog_a, out, sizeof(out));
			REQUIRE(n <= sizeof(out));
			kmm_program_decode(out, n, kmm_program_kind_of(prog_a), prog_b);
			CHECK_EQ(kmm_program_binary_loss(prog_a) != NULL, s == 0);
			if (s == 0) { /* pages: the sizes come back unset */
				CHECK_EQ(out[0] & 0x88, 0);
				CHECK_EQ(prog_b->hdr.pcp_high, 0);
				CHECK_EQ(prog_b->hdr.pcp_batch, 0);
				prog_b->hdr.pcp_high = sizes[i][0];
				prog_b->hdr.pcp_batch = sizes[i][1];
			}
			CHECK(kmm_program_equal(prog_a, prog_b, why, sizeof(why)) ||
			      (fprintf(stderr, "system %u sizes %u/%u: %s\n", s, sizes[i][0], sizes[i][1], why), 0));
			CHECK(kmm_program_roundtrip_check(prog_a, why, sizeof(why)) == 0 ||
			      (fprintf(stderr, "system %u sizes %u/%u: %s\n", s, sizes[i][0], sizes[i][1], why), 0));
			kmm_program_format(prog_a, 0, txt, sizeof(txt));
			snprintf(why, sizeof(why), " pcp_high=%u pcp_batch=%u\n", sizes[i][0], sizes[i][1]);
			CHECK(strstr(txt, why) != NULL);
		}
	}

	/* The NUMA programs' exact bytes: flag bits 7 and 3, then the record after the
	 * pageblock byte: 0x01 for 1/1; 0x00, high - 1, batch - 1 otherwise. */
	REQUIRE(parse_ok("system nodes=2 pcp_high=1 pcp_batch=1\n", prog_a) == 0);
	n = kmm_program_encode(prog_a, out, sizeof(out));
	CHECK_EQ(out[0], 0x88);
	CHECK_EQ(out[12], 0x01);
	CHECK_EQ(out[13], 0x04); /* node 0's zone mask follows */
	REQUIRE(parse_ok("system nodes=2 pcp_high=37 pcp_batch=5\n", prog_a) == 0);
	n = kmm_program_encode(prog_a, out, sizeof(out));
	CHECK_EQ(out[0], 0x88);
	CHECK_EQ(out[12], 0x00);
	CHECK_EQ(out[13] | out[14] << 8, 36);
	CHECK_EQ(out[15] | out[16] << 8, 4);
	CHECK_EQ(out[17], 0x04);
	/* ... and none of it without sizes, nor in a one-node program. */
	REQUIRE(parse_ok("system nodes=2 seed=1\n", prog_a) == 0);
	n = kmm_program_encode(prog_a, out, sizeof(out));
	CHECK_EQ(out[0] & 0x88, 0);
	CHECK_EQ(out[12], 0x04);
	REQUIRE(parse_ok("system pcp_high=37 pcp_batch=5\n", prog_a) == 0);
	n = kmm_program_encode(prog_a, out, sizeof(out));
	CHECK_EQ(out[0] & 0x88, 0);
	CHECK_EQ(out[12], 0x04);
	(void)n;
}

TEST(pcp_sizes_in_text)
{
	const char *want = "system nodes=1 cpus=2 seed=0x0 pcp_high=37 pcp_batch=5\n";
	char txt[512];

	REQUIRE(parse_ok("system nodes=1 cpus=2 debug=0 pcp_batch=5 pcp_high=37\nalloc_pages a\n", prog_a) == 0);
	CHECK_EQ(prog_a->hdr.pcp_high, 37);
	CHECK_EQ(prog_a->hdr.pcp_batch, 5);
	kmm_program_format(prog_a, UINT32_MAX, txt, sizeof(txt));
	CHECK(strncmp(txt, want, strlen(want)) == 0 ||
	      (fprintf(stderr, "%s", txt), 0));
	REQUIRE(parse_ok("system pcp_high=4096 pcp_batch=1 min_free_kbytes=9\n", prog_a) == 0);
	CHECK_EQ(prog_a->hdr.pcp_high, 4096);
	CHECK_EQ(prog_a->hdr.pcp_batch, 1);
	CHECK_EQ(prog_a->hdr.min_free_kbytes, 9);
	kmm_program_format(prog_a, UINT32_MAX, txt, sizeof(txt));
	CHECK(strstr(txt, " min_free_kbytes=9 pcp_high=4096 pcp_batch=1\n") != NULL);
	/* Not given: 0 (the formulas), and not printed. */
	REQUIRE(parse_ok("system nodes=2 min_free_kbytes=100\n", prog_a) == 0);
	CHECK_EQ(prog_a->hdr.pcp_high, 0);
	CHECK_EQ(prog_a->hdr.pcp_batch, 0);
	CHECK_EQ(prog_a->hdr.min_free_kbytes, 100);
	kmm_program_format(prog_a, UINT32_MAX, txt, sizeof(txt));
	CHECK(strstr(txt, "pcp_") == NULL);

	/* Errors, with line and column. */
	CHECK(parse_err_is("system pcp_high=5\n",
			   "line 1, column 8: pcp_high without pcp_batch (give both pcp sizes, or neither)"));
	CHECK(parse_err_is("# c\nsystem nodes=2 pcp_batch=3\n",
			   "line 2, column 16: pcp_batch without pcp_high (give both pcp sizes, or neither)"));
	CHECK(parse_err_is("system pcp_high=4097 pcp_batch=1\n",
			   "line 1, column 17: pcp_high 4097 out of range 1..4096"));
	CHECK(parse_err_is("system pcp_high=1 pcp_batch=0\n",
			   "line 1, column 29: pcp_batch 0 out of range 1..4096"));
	CHECK(parse_err_is("system pcp_high=0 pcp_batch=0\n",
			   "line 1, column 17: pcp_high 0 out of range 1..4096"));
	CHECK(parse_err_is("system pcp_high=x pcp_batch=1\n",
			   "line 1, column 17: pcp_high 'x' is not a number"));
	CHECK(parse_err_is("system pcp_high=2 pcp_batch=1 pcp_high=2\n",
			   "line 1, column 31: operand 'pcp_high' given twice"));
	/* The keys before them still work (the operand table grew past 7). */
	CHECK(parse_err_is("system min_free_kbytes=16385\n",
			   "line 1, column 24: min_free_kbytes 16385 out of range 0..16384"));
}

TEST(validate_wants_both_pcp_sizes)
{
	char why[256];

	REQUIRE(parse_ok("system pcp_high=2 pcp_batch=3\nalloc_pages a\n", prog_a) == 0);
	memcpy(prog_b, prog_a, sizeof(*prog_a));
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), 0);
	prog_b->hdr.pcp_batch = 0;
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), -1);
	CHECK(strcmp(why, "pcp_high 2 without pcp_batch (give both pcp sizes, or neither)") == 0 ||
	      (fprintf(stderr, "%s\n", why), 0));
	prog_b->hdr.pcp_high = 0;
	prog_b->hdr.pcp_batch = 9;
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), -1);
	CHECK(strcmp(why, "pcp_batch 9 without pcp_high (give both pcp sizes, or neither)") == 0 ||
	      (fprintf(stderr, "%s\n", why), 0));
	prog_b->hdr.pcp_high = KMM_PROGRAM_MAX_PCP + 1;
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), -1);
	CHECK(strcmp(why, "pcp_high 4097 out of range 0..4096") == 0 || (fprintf(stderr, "%s\n", why), 0));
	prog_b->hdr.pcp_high = 1;
	prog_b->hdr.pcp_batch = KMM_PROGRAM_MAX_PCP + 1;
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), -1);
	CHECK(strcmp(why, "pcp_batch 4097 out of range 0..4096") == 0 || (fprintf(stderr, "%s\n", why), 0));
	prog_b->hdr.pcp_high = 0;
	prog_b->hdr.pcp_batch = 0;
	CHECK_EQ(kmm_program_validate(prog_b, why, sizeof(why)), 0);
	/* roundtrip_check refuses the half-set header too */
	prog_b->hdr.pcp_high = 4;
	CHECK_EQ(kmm_program_roundtrip_check(prog_b, why, sizeof(why)), -1);
	CHECK(strstr(why, "pcp_high 4 without pcp_batch") != NULL);

	/* equality names both fields */
	memcpy(prog_b, prog_a, sizeof(*prog_a));
	prog_b->hdr.pcp_high = 5;
	CHECK(!kmm_program_equal(prog_a, prog_b, why, sizeof(why)));
	CHECK(strcmp(why, "header pcp_high: 2 vs 5") == 0);
	prog_b->hdr.pcp_high = 2;
	prog_b->hdr.pcp_batch = 1;
	CHECK(!kmm_program_equal(prog_a, prog_b, why, sizeof(why)));
	CHECK(strcmp(why, "header pcp_batch: 3 vs 1") == 0);
}

/* ---- header -> config ------------------------------------------------------------------------------ */

TEST(config_from_header)
{
	struct kmm_config cfg;

	REQUIRE(parse_ok("system nodes=2 cpus=3 seed=77 pageblock_order=5 debug=2 min_free_kbytes=300\n"
			 "zone node=1 Movable pages=512 hole=1+2 reserved=4\ndistance 0 1 40\ncpu_node 2 1\n",
			 prog_a) == 0);
	memset(&cfg, 0xab, sizeof(cfg));
	kmm_program_config(&prog_a->hdr, &cfg);
	CHECK_EQ(cfg.nr_nodes, 2);
	CHECK_EQ(cfg.nr_cpus, 3);
	CHECK_EQ(cfg.seed, 77);
	CHECK_EQ(cfg.pageblock_order, 5);
	CHECK_EQ(cfg.debug_level, 2);
	CHECK_EQ(cfg.min_free_kbytes, 300);
	CHECK_EQ(cfg.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages, KMM_PROGRAM_DEFAULT_NODE_PAGES);
	CHECK_EQ(cfg.nodes[1].zones[KMM_ZONE_NORMAL].spanned_pages, 0);
	CHECK_EQ(cfg.nodes[1].zones[KMM_ZONE_MOVABLE].spanned_pages, 512);
	CHECK_EQ(cfg.nodes[1].zones[KMM_ZONE_MOVABLE].hole_start, 1);
	CHECK_EQ(cfg.nodes[1].zones[KMM_ZONE_MOVABLE].hole_pages, 2);
	CHECK_EQ(cfg.nodes[1].zones[KMM_ZONE_MOVABLE].reserved_pages, 4);
	CHECK_EQ(cfg.distance[0][1], 40);
	CHECK_EQ(cfg.distance[1][0], 40);
	CHECK_EQ(cfg.distance[0][0], 10);
	CHECK_EQ(cfg.cpu_node[2], 1);
	CHECK_EQ(cfg.cpu_node[1], 0);
	CHECK(cfg.sink.emit == NULL);
	CHECK(cfg.platform == NULL);
	CHECK_EQ(cfg.pcp_high, 0);
	CHECK_EQ(cfg.pcp_batch, 0);
	CHECK_EQ(cfg.threaded, 0);
	CHECK_EQ(kmm_program_node_cap(1), 8192);
	CHECK_EQ(kmm_program_node_cap(2), 4096);
	CHECK_EQ(kmm_program_node_cap(8), 2048);

	/* The pcp sizes go to cfg.pcp_high / pcp_batch as given. */
	REQUIRE(parse_ok("system cpus=2 pcp_high=37 pcp_batch=5\n", prog_a) == 0);
	kmm_program_config(&prog_a->hdr, &cfg);
	CHECK_EQ(cfg.pcp_high, 37);
	CHECK_EQ(cfg.pcp_batch, 5);
	CHECK_EQ(kmm_config_validate(&cfg, NULL, 0), 0);
	REQUIRE(parse_ok("system pcp_high=1 pcp_batch=4096\n", prog_a) == 0);
	kmm_program_config(&prog_a->hdr, &cfg);
	CHECK_EQ(cfg.pcp_high, 1);
	CHECK_EQ(cfg.pcp_batch, 4096);
	CHECK_EQ(kmm_config_validate(&cfg, NULL, 0), 0);
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

	RUN(decode_empty_and_short_inputs);
	RUN(decode_folds_ops);
	RUN(decode_folds_misuse);
	RUN(decode_random_bytes_is_valid_and_encode_inverts);
	RUN(decode_is_fast_enough_to_not_matter);
	RUN(encode_edge_values_round_trip);
	RUN(validate_rejects_broken_programs);
	RUN(text_example_from_the_reference);
	RUN(op_format_one_line);
	RUN(text_errors_name_line_and_column);
	RUN(text_error_messages_stay_bounded);
	RUN(text_mutations_parse_or_fail_cleanly);
	RUN(programs_at_the_op_limit);
	RUN(every_seed_round_trips);
	RUN(seeds_cover_every_op_and_misuse);
	RUN(decode_folds_pcp_sizes);
	RUN(pcp_sizes_round_trip);
	RUN(pcp_sizes_in_text);
	RUN(validate_wants_both_pcp_sizes);
	RUN(config_from_header);

	free(prog_a);
	free(prog_b);
	return test_summary();
}
