// SPDX-License-Identifier: MIT
/*
 * The slab_debug= option (allocators/slab/debug_parse.c): which strings the
 * config accepts, the reason it gives for the rest, and which flags each
 * cache ends up with, by the kernel's rules (Documentation/mm/slub.rst):
 * blocks separated by ';', flags then an optional cache list, the first
 * block naming a cache wins, a block without names sets every other cache,
 * a name block without letters means everything, '*' ends a prefix.
 */
#include <errno.h>
#include <string.h>

#include "test.h"
#include "test_system.h"

#include "../allocators/slab/slab_internal.h"

#define F_ KMM_SLAB_CONSISTENCY_CHECKS
#define Z_ KMM_SLAB_RED_ZONE
#define P_ KMM_SLAB_POISON
#define U_ KMM_SLAB_STORE_USER
#define ALL_ KMM_SLAB_DEBUG_FLAGS

static bool syntax_ok_(const char *opt)
{
	char why[128];
	return kmm_slab_debug_syntax_(opt, why, sizeof(why)) == 0 && why[0] == '\0';
}

/* The reason for a bad string contains `expect`. */
static bool syntax_bad_(const char *opt, const char *expect)
{
	char why[128];
	memset(why, 0, sizeof(why));
	if (kmm_slab_debug_syntax_(opt, why, sizeof(why)) != -1)
		return false;
	if (!strstr(why, expect)) {
		fprintf(stderr, "  \"%s\": reason \"%s\" lacks \"%s\"\n", opt, why, expect);
		return false;
	}
	return true;
}

TEST(good_strings)
{
	static const char *const good[] = {
		"",                        /* not given: off */
		"FZPU", "fzpu", "F", "Z", "P", "U", "-", "F-Z",
		"FZ,kmalloc-64",
		"FZ,kmalloc-64,foo",
		"FZ,kmalloc-64;P,foo*",
		"FZ,kmalloc-64;P,foo*;U",  /* and every other cache U */
		",dentry",                 /* full debugging for dentry */
		",kmalloc-*",
		";;FZ;;",
		"-,kmalloc-64",
		"P;-,kmalloc-64",
		"Z,*",
		"U,0123456789012345678901234567890", /* 31 bytes: the longest name */
		"U,0123456789012345678901234567890*",
	};
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		bool ok = syntax_ok_(good[i]);
		if (!ok)
			fprintf(stderr, "  rejected \"%s\"\n", good[i]);
		CHECK(ok);
	}
	CHECK_EQ(kmm_slab_debug_syntax_(NULL, NULL, 0), 0);
}

TEST(bad_strings)
{
	CHECK(syntax_bad_("X", "unknown option 'X'"));
	CHECK(syntax_bad_("FZQ", "unknown option 'Q'"));
	CHECK(syntax_bad_("F;FZx,foo", "block 2: unknown option 'x'"));
	CHECK(syntax_bad_("F Z", "unknown option ' '"));
	CHECK(syntax_bad_("F\x01", "unknown option byte 0x01"));
	CHECK(syntax_bad_("T", "'T' (trace) is not supported"));
	CHECK(syntax_bad_("FA", "'A' (failslab) is not supported"));
	CHECK(syntax_bad_("O", "'O'"));
	CHECK(syntax_bad_("FZ,", "block 1: empty cache name"));
	CHECK(syntax_bad_("FZ,,foo", "empty cache name"));
	CHECK(syntax_bad_("FZ,foo,;P", "empty cache name"));
	CHECK(syntax_bad_("FZ,foo*bar", "'*' must end the name \"foo*bar\""));
	CHECK(syntax_bad_("FZ,**", "'*' must end"));
	CHECK(syntax_bad_("U,01234567890123456789012345678901", "longer than 31 bytes"));
	/* A reason is always written, even cut short. */
	{
		char tiny[8];
		CHECK_EQ(kmm_slab_debug_syntax_("X", tiny, sizeof(tiny)), -1);
		CHECK_EQ(strlen(tiny), sizeof(tiny) - 1);
	}
}

/* kmm_config_validate names the field, the string and the reason; kmm_create refuses. */
TEST(config_validation)
{
	struct kmm_config c;
	char msg[256];
	normal_only_config(&c, 2048);
	strcpy(c.slab_debug, "FZ,kmalloc-64;Q");
	CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), -EINVAL);
	CHECK(strstr(msg, "slab_debug \"FZ,kmalloc-64;Q\"") != NULL);
	CHECK(strstr(msg, "block 2: unknown option 'Q'") != NULL);
	CHECK(kmm_create(&c) == NULL);

	strcpy(c.slab_debug, "FZ,kmalloc-64;P,foo*");
	CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), 0);
}

static struct kmm *make_(const char *opt)
{
	struct kmm_config c;
	normal_only_config(&c, 2048);
	snprintf(c.slab_debug, sizeof(c.slab_debug), "%s", opt);
	struct kmm *k = kmm_create(&c);
	if (k && !kmm_slab_system_(k)) {
		kmm_destroy(k);
		return NULL;
	}
	return k;
}

struct expect_ {
	const char *name;
	unsigned flags;
};

static void flags_case_(const char *opt, unsigned nr_rules, const struct expect_ *e, unsigned n)
{
	struct kmm *k = make_(opt);
	REQUIRE(k != NULL);
	CHECK_EQ(k->slab->nr_debug_rules, nr_rules);
	for (unsigned i = 0; i < n; i++) {
		unsigned got = slab_debug_flags_for_(k, e[i].name);
		if (got != e[i].flags)
			fprintf(stderr, "  \"%s\": %s got 0x%x, want 0x%x\n", opt, e[i].name, got, e[i].flags);
		CHECK_EQ(got, e[i].flags);
	}
	kmm_destroy(k);
}

TEST(flags_per_cache)
{
	{
		static const struct expect_ e[] = { { "kmalloc-64", 0 }, { "foo", 0 } };
		flags_case_("", 0, e, 2);
	}
	{
		static const struct expect_ e[] = { { "kmalloc-64", ALL_ }, { "anything", ALL_ } };
		flags_case_("FZPU", 1, e, 2);
	}
	{
		static const struct expect_ e[] = { { "kmalloc-64", Z_ }, { "x", Z_ } };
		flags_case_("F-Z", 1, e, 2); /* '-' clears what came before */
	}
	{
		static const struct expect_ e[] = { { "kmalloc-64", F_ | Z_ }, { "foo", F_ | Z_ },
						    { "kmalloc-640", 0 }, { "kmalloc-6", 0 }, { "fo", 0 } };
		flags_case_("fz,kmalloc-64,foo", 2, e, 5);
	}
	{
		/* First block naming a cache wins; the global block (wherever it
		 * stands) sets the others. */
		static const struct expect_ e[] = { { "kmalloc-64", F_ | Z_ }, { "foo", P_ }, { "foobar", P_ },
						    { "fo", U_ }, { "kmalloc-32", U_ } };
		flags_case_("FZ,kmalloc-64;P,foo*;U", 3, e, 5);
		flags_case_("U;FZ,kmalloc-64;P,foo*", 3, e, 5);
	}
	{
		static const struct expect_ e[] = { { "kmalloc-64", F_ }, { "kmalloc-rcl-64", Z_ } };
		flags_case_("F,kmalloc-64;Z,kmalloc-*", 2, e, 2);
		flags_case_("Z,kmalloc-*;F,kmalloc-64", 2, e + 1, 1);
	}
	{
		static const struct expect_ e[] = { { "dentry", ALL_ }, { "inode", 0 } };
		flags_case_(",dentry", 1, e, 2);
	}
	{
		/* The last global block wins. */
		static const struct expect_ e[] = { { "a", P_ } };
		flags_case_("FZ;P", 1, e, 1);
	}
	{
		static const struct expect_ e[] = { { "kmalloc-64", 0 }, { "kmalloc-32", P_ } };
		flags_case_("P;-,kmalloc-64", 2, e, 2);
	}
	{
		static const struct expect_ e[] = { { "kmalloc-8", Z_ }, { "x", Z_ } };
		flags_case_("Z,*", 1, e, 2);
	}
}

/* The rules reach the caches: kmm_cache_create applies them (and the
 * creator's own debug flags stay). */
TEST(caches_get_flags)
{
	struct kmm *k = make_("FZ,dbg-*;U,plain-u");
	struct kmm_cache *a, *b, *c;
	struct kmm_cache_info ia, ib, ic;
	REQUIRE(k != NULL);
	REQUIRE((a = kmm_cache_create(k, "dbg-one", 64, 0, 0, NULL)) != NULL);
	REQUIRE((b = kmm_cache_create(k, "plain-u", 64, 0, KMM_SLAB_POISON, NULL)) != NULL);
	REQUIRE((c = kmm_cache_create(k, "other", 64, 0, 0, NULL)) != NULL);
	REQUIRE(kmm_cache_info(k, a, &ia) == 0);
	REQUIRE(kmm_cache_info(k, b, &ib) == 0);
	REQUIRE(kmm_cache_info(k, c, &ic) == 0);
	CHECK_EQ(ia.flags & ALL_, F_ | Z_);
	CHECK_EQ(ib.flags & ALL_, U_ | P_);
	CHECK_EQ(ic.flags & ALL_, 0);
	/* Red zones and tracks take room in the slot. */
	CHECK(ia.size > 64);
	CHECK(ib.size > 64);
	CHECK_EQ(ic.size, 64);
	CHECK_EQ(kmm_cache_destroy(k, a), 0);
	CHECK_EQ(kmm_cache_destroy(k, b), 0);
	CHECK_EQ(kmm_cache_destroy(k, c), 0);
	kmm_destroy(k);
}

int main(void)
{
	RUN(good_strings);
	RUN(bad_strings);
	RUN(config_validation);
	RUN(flags_per_cache);
	RUN(caches_get_flags);
	return test_summary();
}
