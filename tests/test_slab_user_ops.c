// SPDX-License-Identifier: MIT
/*
 * A user's own object allocator through cfg.slab_ops (docs/slab.md): the
 * extension point the three built-in backends use, reached from outside.
 *
 *  - user_backend_passes_the_seeds: a table of the user's (a copy of a
 *    built-in table whose alloc / free / cache_open are the user's
 *    counting wrappers) runs every seed program of its backend's fuzz
 *    target through the executor, model and all, with no mismatch; the
 *    system names the user's backend and the user's hooks did the work.
 *    This is how a user plugs an allocator into the harness: a page target
 *    whose create() sets cfg.slab_ops.
 *  - missing_required_hook_refused: a table without free (or without a
 *    name, cache_release, or with kmalloc but no kfree) is a config
 *    error naming what is missing: kmm_config_validate says so, and
 *    kmm_create reports it and makes no system.
 *  - optional_hooks_may_be_null: SLAB's table with every hook the contract
 *    marks optional (and the walks) left NULL; every public entry point
 *    that would call one (bulk, shrink, reap, validate under debug flags,
 *    the checks, slabinfo, cache_info, destroy with live objects) answers
 *    without a crash, and the objects stay intact.
 */
#include <errno.h>
#include <string.h>

#include <kmm/kmm.h>

#include "../allocators/slab/slab_internal.h"
#include "../differential/executor.h"
#include "test.h"
#include "test_system.h"
#include "test_util.h"

static const char *source_dir = ".";

/* ---- a user's backend: a built-in table behind counting wrappers ------------------- */

static const struct kmm_slab_ops *inner; /* the table the wrappers call */
static struct kmm_slab_ops user_ops;
static unsigned long user_allocs, user_frees, user_opens;

static void *user_alloc(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node)
{
	user_allocs++;
	return inner->alloc(k, s, gfp, node);
}
static void *user_alloc_fast(struct kmm *k, struct kmm_cache *s, kmm_gfp_t gfp, int node)
{
	user_allocs++;
	return inner->alloc_fast(k, s, gfp, node);
}
static void user_free(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj)
{
	user_frees++;
	inner->free(k, s, slab, obj);
}
static void user_free_fast(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj)
{
	user_frees++;
	inner->free_fast(k, s, slab, obj);
}
static int user_cache_open(struct kmm *k, struct kmm_cache *s)
{
	user_opens++;
	return inner->cache_open(k, s);
}

/* user_ops := base with the wrappers in; counters cleared. */
static void user_ops_over(const struct kmm_slab_ops *base, const char *name)
{
	inner = base;
	user_ops = *base;
	user_ops.name = name;
	user_ops.alloc = user_alloc;
	user_ops.alloc_fast = base->alloc_fast ? user_alloc_fast : NULL;
	user_ops.free = user_free;
	user_ops.free_fast = base->free_fast ? user_free_fast : NULL;
	user_ops.cache_open = user_cache_open;
	user_allocs = user_frees = user_opens = 0;
}

/* The page target the harness runs: libkmm's, with the user's table in
 * every system it makes. */
static struct kmm_page_target user_target;
static struct kmm *user_create(const struct kmm_config *cfg)
{
	struct kmm_config c = *cfg;
	c.slab_ops = &user_ops;
	return kmm_page_target_libkmm()->create(&c);
}

static char seen_backend[32];
static void note_backend(struct kmm *k, void *ctx)
{
	(void)ctx;
	snprintf(seen_backend, sizeof(seen_backend), "%s", kmm_slab_backend_name(k));
}

/* One seed through the executor on the user's target. */
static void run_seed_(const char *path, char *text, size_t len, void *ctx)
{
	static struct kmm_program prog;
	unsigned *mismatches = ctx;
	struct kmm_exec_options opt;
	struct kmm_exec_result res;
	char err[256];

	if (!text || kmm_program_parse(text, len, &prog, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", path, text ? err : "cannot read");
		free(text);
		(*mismatches)++;
		return;
	}
	free(text);
	memset(&opt, 0, sizeof(opt));
	opt.target = &user_target;
	opt.quiet_reports = true;
	opt.before_teardown = note_backend;
	seen_backend[0] = '\0';
	if (kmm_exec_run(&prog, &opt, &res) != 0) {
		fprintf(stderr, "%s on %s: %s\n%s\n", path, user_ops.name, res.signature, res.detail);
		(*mismatches)++;
	} else if (strcmp(seen_backend, user_ops.name) != 0) {
		fprintf(stderr, "%s: the system ran backend '%s', not the user's '%s'\n", path, seen_backend,
			user_ops.name);
		(*mismatches)++;
	}
}

TEST(user_backend_passes_the_seeds)
{
	static const struct {
		const struct kmm_slab_ops *base;
		const char *name, *target;
	} cases[] = {
		{ &kmm_slub_ops, "user-slub", "fuzz_slub" },
		{ &kmm_slab_ops, "user-slab", "fuzz_slab" },
		{ &kmm_slob_ops, "user-slob", "fuzz_slob" },
	};

	user_target = *kmm_page_target_libkmm();
	user_target.name = "user";
	user_target.create = user_create;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned mismatches = 0;
		int files;

		user_ops_over(cases[i].base, cases[i].name);
		files = test_each_seed(source_dir, cases[i].target, run_seed_, &mismatches);
		CHECK(files >= 3);
		CHECK_EQ(mismatches, 0);
		/* the user's hooks did the work */
		CHECK(user_opens > 0);
		CHECK(user_allocs > 0);
		CHECK(user_frees > 0);
	}
}

/* ---- a table the contract refuses --------------------------------------------------- */

static char reports[2048]; /* every report's text, in order (truncated) */
static unsigned nr_reports;
static void keep_report(void *ctx, enum kmm_report_kind kind, const char *text)
{
	size_t used = strlen(reports);
	(void)ctx;
	(void)kind;
	nr_reports++;
	snprintf(reports + used, sizeof(reports) - used, "%s", text);
}

static struct kmm *user_system(const struct kmm_slab_ops *ops, const char *debug)
{
	struct kmm_config c;

	normal_only_config(&c, 4096);
	c.slab_ops = ops;
	c.sink.emit = keep_report;
	snprintf(c.slab_debug, sizeof(c.slab_debug), "%s", debug);
	nr_reports = 0;
	reports[0] = '\0';
	return kmm_create(&c);
}

TEST(missing_required_hook_refused)
{
	static const struct {
		const char *what;     /* in the error */
		int hole;             /* which hook the table lacks */
	} cases[] = {
		{ "slab_ops: backend holey has no alloc / free", 0 },
		{ "slab_ops: backend (unnamed) has no name", 1 },
		{ "slab_ops: backend holey has no cache_open / cache_shutdown / cache_release", 2 },
		{ "slab_ops: backend holey has no kfree / ksize (it has kmalloc)", 3 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kmm_slab_ops bad = cases[i].hole == 3 ? kmm_slob_ops : kmm_slab_ops;
		struct kmm_config c;
		char msg[256];

		bad.name = "holey";
		switch (cases[i].hole) {
		case 0: bad.free = NULL; break;
		case 1: bad.name = NULL; break;
		case 2: bad.cache_release = NULL; break;
		case 3: bad.kfree = NULL; break;
		}
		/* a config error, named, before any system exists */
		normal_only_config(&c, 4096);
		c.slab_ops = &bad;
		CHECK_EQ(kmm_config_validate(&c, msg, sizeof(msg)), -EINVAL);
		if (!strstr(msg, cases[i].what))
			fprintf(stderr, "case %u: validate said: %s\n", i, msg);
		CHECK(strstr(msg, cases[i].what) != NULL);
		CHECK(user_system(&bad, "") == NULL);
		CHECK_EQ(nr_reports, 1);
		CHECK(strstr(reports, "kmm_create: invalid config: ") == reports);
		CHECK(strstr(reports, cases[i].what) != NULL);
	}
	/* the same table, whole, is taken */
	struct kmm *k = user_system(&kmm_slab_ops, "");
	REQUIRE(k != NULL);
	void *p = kmm_kmalloc(k, 64, KMM_GFP_KERNEL);
	CHECK(p != NULL);
	kmm_kfree(k, p);
	CHECK_EQ(nr_reports, 0);
	kmm_destroy(k);

	/* a table emptied after kmm_create, before the object allocators are
	 * made (on first use): a warning, and no object allocator */
	static struct kmm_slab_ops later;
	later = kmm_slab_ops;
	later.name = "later";
	k = user_system(&later, "");
	REQUIRE(k != NULL);
	later.free = NULL;
	CHECK(kmm_kmalloc(k, 64, KMM_GFP_KERNEL) == NULL);
	CHECK(strstr(reports, "WARNING: slab backend later has no alloc / free: no object allocator") != NULL);
	CHECK_EQ(kmm_page_check(k), 0);
	kmm_destroy(k);
}

/* ---- a table with only what the contract requires ----------------------------------- */

/* SLAB's table with every optional hook and every walk left NULL. */
static struct kmm_slab_ops bare_slab_ops(void)
{
	struct kmm_slab_ops o = kmm_slab_ops;

	o.name = "bare";
	o.alloc_fast = NULL;
	o.free_fast = NULL;
	o.alloc_bulk = NULL;
	o.free_bulk = NULL;
	o.shrink = NULL;
	o.shrink_shared = NULL;
	o.reap = NULL;
	o.check = NULL;
	o.for_each_slab = NULL;
	o.object_is_free = NULL;
	o.slab_first = NULL;
	o.info = NULL;
	o.tunables = NULL;
	o.shared_avail = NULL;
	o.validate_freelist = NULL;
	o.freeptr_ok = NULL;
	return o;
}

static void count_bytes(void *ctx, const char *text, size_t len)
{
	(void)text;
	*(size_t *)ctx += len;
}

TEST(optional_hooks_may_be_null)
{
	static struct kmm_slab_ops bare;
	const char *debugs[] = { "", "FZP" };

	bare = bare_slab_ops();
	for (unsigned d = 0; d < 2; d++) {
		struct kmm *k = user_system(&bare, debugs[d]);
		void *objs[8], *bulk[4];
		struct kmm_cache_info info;
		size_t slabinfo_len = 0;

		REQUIRE(k != NULL);
		CHECK(strcmp(kmm_slab_backend_name(k), "bare") == 0);
		struct kmm_cache *s = kmm_cache_create(k, "user-objs", 48, 0, KMM_SLAB_NO_MERGE, NULL);
		REQUIRE(s != NULL);
		for (unsigned i = 0; i < 8; i++) {
			objs[i] = i % 2 ? kmm_kmalloc(k, 100, KMM_GFP_KERNEL) : kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
			REQUIRE(objs[i] != NULL);
			memset(objs[i], (int)(0x10 + i), 48);
		}
		/* bulk without the backend's: the common layer loops */
		CHECK_EQ(kmm_cache_alloc_bulk(k, s, KMM_GFP_KERNEL, 4, bulk), 4);
		kmm_cache_free_bulk(k, s, 4, bulk);
		/* shrink, reap, validate, checks, views: no hook, no crash */
		CHECK_EQ(kmm_cache_shrink(k, s), 0);
		kmm_cache_reap(k);
		kmm_slab_shrink_all(k);
		CHECK_EQ(kmm_cache_validate(k, s), 0);
		CHECK_EQ(kmm_cache_check(k, s), 0);
		CHECK_EQ(kmm_slab_check(k), 0);
		CHECK_EQ(kmm_cache_info(k, s, &info), 0);
		CHECK(strcmp(info.name, "user-objs") == 0);
		CHECK_EQ(info.object_size, 48);
		CHECK_EQ(kmm_show(k, KMM_VIEW_SLABINFO, count_bytes, &slabinfo_len), 0);
		CHECK(slabinfo_len > 0);
		/* the objects kept their bytes through all of it */
		for (unsigned i = 0; i < 8; i++) {
			unsigned char want = (unsigned char)(0x10 + i), *b = objs[i];
			bool same = true;
			for (unsigned j = 0; j < 48; j++)
				same = same && b[j] == want;
			CHECK(same);
		}
		/* destroy with a live object: reported (the objects are not
		 * listed without a walk), the cache stays */
		unsigned before = nr_reports;
		CHECK(kmm_cache_destroy(k, s) != 0);
		CHECK(nr_reports > before);
		for (unsigned i = 0; i < 8; i++) {
			if (i % 2)
				kmm_kfree(k, objs[i]);
			else
				kmm_cache_free(k, s, objs[i]);
		}
		CHECK_EQ(kmm_cache_destroy(k, s), 0);
		kmm_slab_shrink_all(k);
		CHECK_EQ(kmm_slab_check(k), 0);
		CHECK_EQ(kmm_page_check(k), 0);
		kmm_destroy(k);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		source_dir = argv[1];
	else if (getenv("KMM_SOURCE_DIR"))
		source_dir = getenv("KMM_SOURCE_DIR");
	RUN(user_backend_passes_the_seeds);
	RUN(missing_required_hook_refused);
	RUN(optional_hooks_may_be_null);
	return test_summary();
}
