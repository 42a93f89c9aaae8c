// SPDX-License-Identifier: MIT
/* gfp masks: gfp_zone(), gfp_migratetype(), %pGg formatting and parsing. */
#include <errno.h>
#include <string.h>

#include <kmm/kmm.h>

#include "test.h"

#define DMA KMM___GFP_DMA
#define HIGHMEM KMM___GFP_HIGHMEM
#define DMA32 KMM___GFP_DMA32
#define MOVABLE KMM___GFP_MOVABLE

TEST(gfp_zone_every_modifier_combination)
{
	/* Expected per combination of the four zone modifiers, as the
	 * kernel's GFP_ZONE_TABLE / GFP_ZONE_BAD define them. */
	static const struct {
		kmm_gfp_t mods;
		enum kmm_zone_type zone;
	} table[] = {
		{ 0, KMM_ZONE_NORMAL },
		{ DMA, KMM_ZONE_DMA },
		{ HIGHMEM, KMM_ZONE_HIGHMEM },
		{ DMA32, KMM_ZONE_DMA32 },
		{ MOVABLE, KMM_ZONE_NORMAL },
		{ MOVABLE | DMA, KMM_ZONE_DMA },
		{ MOVABLE | HIGHMEM, KMM_ZONE_MOVABLE },
		{ MOVABLE | DMA32, KMM_ZONE_DMA32 },
		{ DMA | HIGHMEM, KMM_NR_ZONES },
		{ DMA | DMA32, KMM_NR_ZONES },
		{ DMA32 | HIGHMEM, KMM_NR_ZONES },
		{ DMA | DMA32 | HIGHMEM, KMM_NR_ZONES },
		{ MOVABLE | DMA | HIGHMEM, KMM_NR_ZONES },
		{ MOVABLE | DMA | DMA32, KMM_NR_ZONES },
		{ MOVABLE | DMA32 | HIGHMEM, KMM_NR_ZONES },
		{ MOVABLE | DMA | DMA32 | HIGHMEM, KMM_NR_ZONES },
	};
	unsigned seen = 0;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		seen |= 1u << table[i].mods;
		CHECK_EQ(kmm_gfp_zone(table[i].mods), table[i].zone);
		/* Non-zone bits never change the answer. */
		CHECK_EQ(kmm_gfp_zone(table[i].mods | KMM_GFP_KERNEL | KMM___GFP_ZERO |
				      KMM___GFP_RECLAIMABLE | KMM___GFP_THISNODE),
			 table[i].zone);
		CHECK_EQ(kmm_gfp_zone(table[i].mods | (KMM___GFP_BITS_MASK & ~KMM_GFP_ZONEMASK)),
			 table[i].zone);
	}
	CHECK_EQ(seen, 0xffff); /* all 16 combinations covered */
}

TEST(gfp_zone_of_composites)
{
	CHECK_EQ(kmm_gfp_zone(KMM_GFP_KERNEL), KMM_ZONE_NORMAL);
	CHECK_EQ(kmm_gfp_zone(KMM_GFP_ATOMIC), KMM_ZONE_NORMAL);
	CHECK_EQ(kmm_gfp_zone(KMM_GFP_USER), KMM_ZONE_NORMAL);
	CHECK_EQ(kmm_gfp_zone(KMM_GFP_DMA), KMM_ZONE_DMA);
	CHECK_EQ(kmm_gfp_zone(KMM_GFP_DMA32), KMM_ZONE_DMA32);
	CHECK_EQ(kmm_gfp_zone(KMM_GFP_HIGHUSER), KMM_ZONE_HIGHMEM);
	CHECK_EQ(kmm_gfp_zone(KMM_GFP_HIGHUSER_MOVABLE), KMM_ZONE_MOVABLE);
	CHECK_EQ(kmm_gfp_zone(KMM_GFP_KERNEL | KMM___GFP_MOVABLE), KMM_ZONE_NORMAL);
}

TEST(gfp_migratetype)
{
	CHECK_EQ(kmm_gfp_migratetype(0), KMM_MIGRATE_UNMOVABLE);
	CHECK_EQ(kmm_gfp_migratetype(KMM_GFP_KERNEL), KMM_MIGRATE_UNMOVABLE);
	CHECK_EQ(kmm_gfp_migratetype(KMM_GFP_ATOMIC | KMM___GFP_HIGHMEM), KMM_MIGRATE_UNMOVABLE);
	CHECK_EQ(kmm_gfp_migratetype(KMM___GFP_MOVABLE), KMM_MIGRATE_MOVABLE);
	CHECK_EQ(kmm_gfp_migratetype(KMM_GFP_HIGHUSER_MOVABLE), KMM_MIGRATE_MOVABLE);
	CHECK_EQ(kmm_gfp_migratetype(KMM_GFP_KERNEL | KMM___GFP_RECLAIMABLE),
		 KMM_MIGRATE_RECLAIMABLE);
	/* Both: the kernel would compute index 3; we settle on MOVABLE. */
	CHECK_EQ(kmm_gfp_migratetype(KMM_GFP_MOVABLE_MASK), KMM_MIGRATE_MOVABLE);
	/* Every mask maps to a type that has a pcp list. */
	for (kmm_gfp_t g = 0; g <= 0xffff; g++)
		if (kmm_gfp_migratetype(g) >= KMM_MIGRATE_PCPTYPES)
			CHECK(!"migratetype out of pcp range");
	CHECK(1);
}

TEST(names)
{
	CHECK(strcmp(kmm_zone_name(KMM_ZONE_DMA), "DMA") == 0);
	CHECK(strcmp(kmm_zone_name(KMM_ZONE_DMA32), "DMA32") == 0);
	CHECK(strcmp(kmm_zone_name(KMM_ZONE_NORMAL), "Normal") == 0);
	CHECK(strcmp(kmm_zone_name(KMM_ZONE_HIGHMEM), "HighMem") == 0);
	CHECK(strcmp(kmm_zone_name(KMM_ZONE_MOVABLE), "Movable") == 0);
	CHECK(kmm_zone_name(KMM_NR_ZONES) != NULL);
	CHECK(kmm_zone_name((enum kmm_zone_type)-1) != NULL);
	CHECK(strcmp(kmm_migratetype_name(KMM_MIGRATE_UNMOVABLE), "Unmovable") == 0);
	CHECK(strcmp(kmm_migratetype_name(KMM_MIGRATE_MOVABLE), "Movable") == 0);
	CHECK(strcmp(kmm_migratetype_name(KMM_MIGRATE_RECLAIMABLE), "Reclaimable") == 0);
	CHECK(strcmp(kmm_migratetype_name(KMM_MIGRATE_HIGHATOMIC), "HighAtomic") == 0);
	CHECK(strcmp(kmm_migratetype_name(KMM_MIGRATE_ISOLATE), "Isolate") == 0);
	CHECK(kmm_migratetype_name(KMM_MIGRATE_TYPES) != NULL);
}

static const char *fmt(kmm_gfp_t gfp)
{
	static char buf[512];
	size_t n = kmm_gfp_format(gfp, buf, sizeof(buf));
	if (n != strlen(buf))
		return "<length mismatch>";
	return buf;
}

#define CHECK_FMT(gfp, text)                                                              \
	do {                                                                              \
		const char *got_ = fmt(gfp);                                              \
		if (strcmp(got_, text) != 0)                                              \
			fprintf(stderr, "  format(0x%x): got \"%s\", want \"%s\"\n",          \
				(unsigned)(gfp), got_, text);                             \
		CHECK(strcmp(got_, text) == 0);                                           \
	} while (0)

TEST(format_composites_as_the_kernel)
{
	CHECK_FMT(KMM_GFP_KERNEL, "GFP_KERNEL");
	CHECK_FMT(KMM_GFP_ATOMIC, "GFP_ATOMIC");
	CHECK_FMT(KMM_GFP_NOWAIT, "GFP_NOWAIT");
	CHECK_FMT(KMM_GFP_NOIO, "GFP_NOIO");
	CHECK_FMT(KMM_GFP_NOFS, "GFP_NOFS");
	CHECK_FMT(KMM_GFP_USER, "GFP_USER");
	CHECK_FMT(KMM_GFP_DMA, "GFP_DMA");
	CHECK_FMT(KMM_GFP_DMA32, "GFP_DMA32");
	CHECK_FMT(KMM_GFP_HIGHUSER, "GFP_HIGHUSER");
	CHECK_FMT(KMM_GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE");
	CHECK_FMT(KMM___GFP_RECLAIM, "GFP_NOIO"); /* NOIO comes first in the table */
}

TEST(format_mixed_masks)
{
	CHECK_FMT(0, "0");
	CHECK_FMT(KMM_GFP_KERNEL | KMM___GFP_ZERO, "GFP_KERNEL|__GFP_ZERO");
	CHECK_FMT(KMM_GFP_KERNEL | KMM___GFP_HARDWALL, "GFP_USER"); /* greedy */
	CHECK_FMT(KMM_GFP_ATOMIC | KMM___GFP_NOWARN, "GFP_ATOMIC|__GFP_NOWARN");
	CHECK_FMT(KMM_GFP_KERNEL | KMM___GFP_DMA, "GFP_KERNEL|GFP_DMA");
	CHECK_FMT(KMM_GFP_KERNEL | KMM___GFP_DMA32, "GFP_KERNEL|GFP_DMA32");
	CHECK_FMT(KMM_GFP_KERNEL | KMM___GFP_COMP | KMM___GFP_ZERO | KMM___GFP_NOWARN,
		  "GFP_KERNEL|__GFP_ZERO|__GFP_NOWARN|__GFP_COMP");
	CHECK_FMT(KMM_GFP_KERNEL | KMM___GFP_NORETRY | KMM___GFP_THISNODE,
		  "GFP_KERNEL|__GFP_NORETRY|__GFP_THISNODE");
	CHECK_FMT(KMM_GFP_KERNEL | KMM___GFP_ACCOUNT, "GFP_KERNEL|__GFP_ACCOUNT");
	CHECK_FMT(KMM_GFP_NOFS | KMM___GFP_NOFAIL, "GFP_NOFS|__GFP_NOFAIL");
	CHECK_FMT(KMM_GFP_HIGHUSER_MOVABLE | KMM___GFP_ZERO, "GFP_HIGHUSER_MOVABLE|__GFP_ZERO");
	CHECK_FMT(KMM___GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM");
	CHECK_FMT(KMM___GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM");
	CHECK_FMT(KMM___GFP_HIGH, "__GFP_HIGH");
	CHECK_FMT(KMM___GFP_MOVABLE | KMM___GFP_HIGHMEM, "__GFP_HIGHMEM|__GFP_MOVABLE");
	CHECK_FMT(KMM___GFP_DMA | KMM___GFP_DMA32, "GFP_DMA|GFP_DMA32");
	CHECK_FMT(KMM___GFP_RECLAIMABLE | KMM___GFP_WRITE, "__GFP_RECLAIMABLE|__GFP_WRITE");
	/* The kernel's GFP_TRANSHUGE_LIGHT bits, which libkmm has no name for. */
	CHECK_FMT((KMM_GFP_HIGHUSER_MOVABLE | KMM___GFP_COMP | KMM___GFP_NOMEMALLOC |
		   KMM___GFP_NOWARN) & ~KMM___GFP_RECLAIM,
		  "__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_IO|__GFP_FS|__GFP_NOWARN|__GFP_COMP|"
		  "__GFP_NOMEMALLOC|__GFP_HARDWALL");
	CHECK_FMT(KMM___GFP_MEMALLOC | KMM___GFP_RETRY_MAYFAIL,
		  "__GFP_RETRY_MAYFAIL|__GFP_MEMALLOC");
	/* Bits without a name stay numeric, lower-case hex with 0x. */
	CHECK_FMT(0x00400000u, "0x400000");
	CHECK_FMT(KMM_GFP_KERNEL | 0x80000000u, "GFP_KERNEL|0x80000000");
	CHECK_FMT(0xffffffffu & ~KMM___GFP_BITS_MASK, "0xffc00000");
	CHECK_FMT(KMM___GFP_BITS_MASK,
		  "GFP_HIGHUSER_MOVABLE|GFP_DMA|GFP_DMA32|__GFP_RECLAIMABLE|__GFP_HIGH|"
		  "__GFP_ZERO|__GFP_WRITE|__GFP_NOWARN|__GFP_RETRY_MAYFAIL|__GFP_NOFAIL|"
		  "__GFP_NORETRY|__GFP_MEMALLOC|__GFP_COMP|__GFP_NOMEMALLOC|__GFP_THISNODE|"
		  "__GFP_ACCOUNT");
}

TEST(format_truncates_like_snprintf)
{
	char buf[8];
	memset(buf, 'X', sizeof(buf));
	size_t n = kmm_gfp_format(KMM_GFP_KERNEL | KMM___GFP_ZERO, buf, sizeof(buf));
	CHECK_EQ(n, strlen("GFP_KERNEL|__GFP_ZERO"));
	CHECK(strcmp(buf, "GFP_KER") == 0);

	char one[1] = { 'X' };
	CHECK_EQ(kmm_gfp_format(KMM_GFP_KERNEL, one, 1), 10);
	CHECK_EQ(one[0], '\0');
	CHECK_EQ(kmm_gfp_format(KMM_GFP_KERNEL, NULL, 0), 10);
	CHECK_EQ(kmm_gfp_format(0x12345678u & ~KMM___GFP_BITS_MASK, NULL, 0),
		 strlen("0x12000000"));

	/* Exactly fitting: n + 1 bytes. */
	char fit[11];
	CHECK_EQ(kmm_gfp_format(KMM_GFP_KERNEL, fit, sizeof(fit)), 10);
	CHECK(strcmp(fit, "GFP_KERNEL") == 0);
}

static int parse(const char *s, kmm_gfp_t *out, size_t *bad)
{
	*out = 0xdeadbeef;
	*bad = 12345;
	return kmm_gfp_parse(s, strlen(s), out, bad);
}

TEST(parse_names_numbers_and_blanks)
{
	kmm_gfp_t g;
	size_t bad;

	CHECK_EQ(parse("GFP_KERNEL", &g, &bad), 0);
	CHECK_EQ(g, KMM_GFP_KERNEL);
	CHECK_EQ(bad, 12345); /* untouched on success */
	CHECK_EQ(parse("GFP_KERNEL|__GFP_ZERO", &g, &bad), 0);
	CHECK_EQ(g, KMM_GFP_KERNEL | KMM___GFP_ZERO);
	CHECK_EQ(parse("  GFP_KERNEL | __GFP_ZERO\t", &g, &bad), 0);
	CHECK_EQ(g, KMM_GFP_KERNEL | KMM___GFP_ZERO);
	/* Aliases the formatter never prints. */
	CHECK_EQ(parse("__GFP_DMA", &g, &bad), 0);
	CHECK_EQ(g, KMM___GFP_DMA);
	CHECK_EQ(parse("__GFP_DMA32|__GFP_RECLAIM", &g, &bad), 0);
	CHECK_EQ(g, KMM___GFP_DMA32 | KMM___GFP_RECLAIM);
	/* Overlapping terms just OR. */
	CHECK_EQ(parse("GFP_KERNEL|GFP_NOIO|__GFP_IO", &g, &bad), 0);
	CHECK_EQ(g, KMM_GFP_KERNEL);
	/* Numbers. */
	CHECK_EQ(parse("0", &g, &bad), 0);
	CHECK_EQ(g, 0);
	CHECK_EQ(parse("0x400000", &g, &bad), 0);
	CHECK_EQ(g, 0x400000);
	CHECK_EQ(parse("0XFFFFFFFF", &g, &bad), 0);
	CHECK_EQ(g, 0xffffffffu);
	CHECK_EQ(parse("3264", &g, &bad), 0);
	CHECK_EQ(g, 3264);
	CHECK_EQ(parse("GFP_ATOMIC|0x80000000", &g, &bad), 0);
	CHECK_EQ(g, KMM_GFP_ATOMIC | 0x80000000u);
	/* len bounds the text: the rest is not looked at. */
	CHECK_EQ(kmm_gfp_parse("GFP_KERNEL|junk", 10, &g, &bad), 0);
	CHECK_EQ(g, KMM_GFP_KERNEL);
	/* NULL out / bad are allowed. */
	CHECK_EQ(kmm_gfp_parse("GFP_DMA", 7, NULL, NULL), 0);
	CHECK_EQ(kmm_gfp_parse("GFP_DMA|x", 9, NULL, NULL), -EINVAL);
}

TEST(parse_errors_with_offsets)
{
	static const struct {
		const char *text;
		size_t bad;
	} cases[] = {
		{ "", 0 },
		{ "   ", 3 },
		{ "GFP_BOGUS", 0 },
		{ "gfp_kernel", 0 },               /* names are case-sensitive */
		{ "GFP_KERNEL|__GFP_ZER", 11 },
		{ "GFP_KERNEL|", 11 },
		{ "GFP_KERNEL||__GFP_ZERO", 11 },
		{ "|GFP_KERNEL", 0 },
		{ "GFP_KERNEL __GFP_ZERO", 11 },   /* missing '|' */
		{ "GFP_KERNEL|__GFP_ZERO,", 21 },  /* stray character */
		{ "GFP_KERNEL | $", 13 },
		{ "0x", 0 },
		{ "0x1g", 0 },
		{ "12abc", 0 },
		{ "0x100000000", 0 },              /* does not fit 32 bits */
		{ "4294967296", 0 },
		{ "GFP_KERNEL|0xfffffffff", 11 },
		{ "KMM_GFP_KERNEL", 0 },           /* the kernel's spelling only */
		{ "GFP_KERNEL_ACCOUNT", 0 },       /* not defined by libkmm */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kmm_gfp_t g;
		size_t bad;
		int rc = parse(cases[i].text, &g, &bad);
		if (rc != -EINVAL || bad != cases[i].bad)
			fprintf(stderr, "  parse(\"%s\"): rc %d bad %zu, want bad %zu\n",
				cases[i].text, rc, bad, cases[i].bad);
		CHECK_EQ(rc, -EINVAL);
		CHECK_EQ(bad, cases[i].bad);
		CHECK_EQ(g, 0xdeadbeef); /* out untouched on error */
	}
	/* An embedded NUL inside len is an error at its offset. */
	kmm_gfp_t g = 0;
	size_t bad = 0;
	CHECK_EQ(kmm_gfp_parse("GFP_DMA\0|", 9, &g, &bad), -EINVAL);
	CHECK_EQ(bad, 7);
	CHECK_EQ(kmm_gfp_parse(NULL, 5, &g, &bad), -EINVAL);
	CHECK_EQ(bad, 0);
}

static bool round_trips(kmm_gfp_t x)
{
	char buf[512];
	kmm_gfp_t back = ~x;
	size_t bad = 0;
	size_t n = kmm_gfp_format(x, buf, sizeof(buf));
	if (n >= sizeof(buf))
		return false;
	if (kmm_gfp_parse(buf, n, &back, &bad) != 0)
		return false;
	return back == x;
}

/* Bits that appear in some composite: they decide which names print. */
#define INTERACTING                                                                       \
	(KMM_GFP_ZONEMASK | KMM___GFP_HARDWALL | KMM___GFP_HIGH | KMM___GFP_IO | KMM___GFP_FS | \
	 KMM___GFP_RECLAIM | KMM___GFP_NOWARN)

/* Spread the low bits of v over the set bits of mask (a software pdep). */
static kmm_gfp_t deposit(uint32_t v, kmm_gfp_t mask)
{
	kmm_gfp_t out = 0;
	for (kmm_gfp_t bit = 1; bit && mask; bit <<= 1) {
		if (!(mask & bit))
			continue;
		if (v & 1)
			out |= bit;
		v >>= 1;
		mask &= ~bit;
	}
	return out;
}

TEST(round_trip)
{
	const kmm_gfp_t independent = KMM___GFP_BITS_MASK & ~INTERACTING;
	unsigned long failures = 0, tried = 0;

	CHECK_EQ(__builtin_popcount(INTERACTING), 11);
	/* Every subset of the interacting bits, each with 16 patterns of the
	 * bits that only ever print as themselves. */
	for (uint32_t a = 0; a < (1u << 11); a++) {
		for (uint32_t b = 0; b < 16; b++) {
			uint32_t spread = b * 0x9e3779b9u >> 21; /* 11 bits, varied */
			kmm_gfp_t x = deposit(a, INTERACTING) | deposit(spread, independent);
			tried++;
			if (!round_trips(x) && failures++ < 5)
				fprintf(stderr, "  round trip failed for 0x%x (%s)\n", (unsigned)x,
					fmt(x));
		}
	}
	/* A deterministic sample over all 22 defined bits, and beyond them. */
	uint64_t s = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 65536; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		tried += 2;
		if (!round_trips((kmm_gfp_t)s & KMM___GFP_BITS_MASK))
			failures++;
		if (!round_trips((kmm_gfp_t)(s >> 32)))
			failures++;
	}
	/* Every single bit, and all of them. */
	for (int bit = 0; bit < 32; bit++, tried++)
		if (!round_trips(1u << bit))
			failures++;
	CHECK(round_trips(0));
	CHECK(round_trips(KMM___GFP_BITS_MASK));
	CHECK(round_trips(0xffffffffu));
	CHECK_EQ(failures, 0);
	CHECK(tried > 160000);

	/* The whole 2^22 space takes seconds; opt in with KMM_TEST_EXHAUSTIVE=1. */
	const char *env = getenv("KMM_TEST_EXHAUSTIVE");
	if (env && *env == '1') {
		failures = 0;
		for (kmm_gfp_t x = 0; x <= KMM___GFP_BITS_MASK; x++)
			if (!round_trips(x))
				failures++;
		CHECK_EQ(failures, 0);
	}
}

TEST(format_output_is_canonical)
{
	/* Formatting what was parsed gives the formatter's own text back,
	 * even when the input used aliases. */
	kmm_gfp_t g;
	size_t bad;
	CHECK_EQ(parse("__GFP_IO|__GFP_FS|__GFP_DIRECT_RECLAIM|__GFP_KSWAPD_RECLAIM", &g, &bad), 0);
	CHECK_FMT(g, "GFP_KERNEL");
	CHECK_EQ(parse("__GFP_RECLAIM|__GFP_IO|__GFP_FS|__GFP_HARDWALL|__GFP_HIGHMEM|__GFP_MOVABLE",
		       &g, &bad), 0);
	CHECK_FMT(g, "GFP_HIGHUSER_MOVABLE");
}

int main(void)
{
	RUN(gfp_zone_every_modifier_combination);
	RUN(gfp_zone_of_composites);
	RUN(gfp_migratetype);
	RUN(names);
	RUN(format_composites_as_the_kernel);
	RUN(format_mixed_masks);
	RUN(format_truncates_like_snprintf);
	RUN(parse_names_numbers_and_blanks);
	RUN(parse_errors_with_offsets);
	RUN(round_trip);
	RUN(format_output_is_canonical);
	return test_summary();
}
