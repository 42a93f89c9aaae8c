// SPDX-License-Identifier: MIT
/*
 * Slab debug (allocators/slab/debug.c) on every backend that lays objects
 * out in slots: the kernel's lib/slub_kunit.c cases with its error counts
 * (each report of an overwritten range counts its BUG and its FIX), then
 * what the free and alloc hooks must catch (double free, interior
 * pointers, use after free, the kmalloc tail), the U tracks, the slab
 * padding, and the report format.
 *
 * Every case runs on SLUB and on SLAB (cfg.slab_backend). Where the two
 * differ it is because of the free pointer: SLUB keeps it in the object's
 * metadata word and validates its freelist (the kernel's on_freelist), SLAB
 * keeps no pointer there, so that word is padding.
 */
#include <string.h>

#include "test.h"
#include "test_system.h"

#include "../allocators/slab/slab_internal.h"

/* ---- a sink that keeps the text of the slab reports ------------------------ */

static char log_[1 << 20];
static size_t log_len_;
static unsigned long slab_reports_;

static void sink_(void *ctx, enum kmm_report_kind kind, const char *text)
{
	(void)ctx;
	if (kind != KMM_REPORT_SLAB && kind != KMM_REPORT_CHECK)
		return;
	if (kind == KMM_REPORT_SLAB)
		slab_reports_++;
	size_t n = strlen(text);
	if (log_len_ + n + 1 < sizeof(log_)) {
		memcpy(log_ + log_len_, text, n + 1);
		log_len_ += n;
	}
}
static void log_clear_(void)
{
	log_len_ = 0;
	log_[0] = '\0';
	slab_reports_ = 0;
}
static bool logged_(const char *needle) { return strstr(log_, needle) != NULL; }

static enum kmm_slab_backend backend_ = KMM_SLAB_BACKEND_SLUB;

static struct kmm *make_(const char *slab_debug)
{
	struct kmm_config c;
	normal_only_config(&c, 4096);
	c.nr_cpus = 2;
	c.slab_backend = backend_;
	snprintf(c.slab_debug, sizeof(c.slab_debug), "%s", slab_debug ? slab_debug : "");
	c.sink.emit = sink_;
	log_clear_();
	return kmm_create(&c);
}

/* Objects of every cache allocated from are all freed; nothing structural is off. */
static void finish_(struct kmm *k, struct kmm_cache *s)
{
	CHECK_EQ(kmm_cache_check(k, s), 0);
	CHECK_EQ(kmm_cache_destroy(k, s), 0);
	kmm_destroy(k);
}

/* ---- lib/slub_kunit.c ------------------------------------------------------- */

TEST(clobber_zone)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_(NULL)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "TestSlub_RZ_alloc", 64, 0, KMM_SLAB_RED_ZONE, NULL)) != NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);

	p[64] = 0x12;
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK(logged_("BUG TestSlub_RZ_alloc: Right Redzone overwritten"));
	CHECK(logged_("First byte 0x12 instead of 0xcc"));
	CHECK(logged_("FIX TestSlub_RZ_alloc: Restoring Right Redzone"));
	CHECK_EQ(p[64], KMM_SLUB_RED_ACTIVE);
	CHECK_EQ(kmm_cache_validate(k, s), 0);

	kmm_cache_free(k, s, p);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	finish_(k, s);
}

TEST(next_pointer)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	uintptr_t tmp, *ptr_addr;
	REQUIRE((k = make_(NULL)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "TestSlub_next_ptr_free", 64, 0, KMM_SLAB_POISON, NULL)) != NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	kmm_cache_free(k, s, p);

	/* P moves the free pointer out of the object, to its own word. */
	REQUIRE(s->l.offset >= s->l.object_size);
	ptr_addr = (uintptr_t *)(void *)(p + s->l.offset);
	tmp = *ptr_addr;
	p[s->l.offset] = (uint8_t)~p[s->l.offset];

	if (backend_ == KMM_SLAB_BACKEND_SLUB) {
		/* The corrupt chain ("Freechain corrupt", cut there), then the
		 * in-use count the cut made wrong (BUG + FIX). */
		CHECK_EQ(kmm_cache_validate(k, s), 3);
		CHECK(logged_("Freechain corrupt"));
		CHECK(logged_("Wrong object count"));
		/* Restored, the chain is whole again and the count wrong the
		 * other way. */
		*ptr_addr = tmp;
		CHECK_EQ(kmm_cache_validate(k, s), 2);
		CHECK_EQ(kmm_cache_validate(k, s), 0);
	} else {
		/* No free pointer lives there: the word is padding, restored. */
		CHECK_EQ(kmm_cache_validate(k, s), 2);
		CHECK(logged_("Object padding overwritten"));
		CHECK_EQ(*ptr_addr, tmp);
		*ptr_addr = tmp;
		CHECK_EQ(kmm_cache_validate(k, s), 0);
	}
	finish_(k, s);
}

TEST(first_word)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_(NULL)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "TestSlub_1th_word_free", 64, 0, KMM_SLAB_POISON, NULL)) != NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	kmm_cache_free(k, s, p);

	*p = 0x78;
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK(logged_("BUG TestSlub_1th_word_free: Poison overwritten"));
	CHECK(logged_("First byte 0x78 instead of 0x6b"));
	CHECK_EQ(*p, KMM_POISON_FREE);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	finish_(k, s);
}

TEST(clobber_50th_byte)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_(NULL)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "TestSlub_50th_word_free", 64, 0, KMM_SLAB_POISON, NULL)) != NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	kmm_cache_free(k, s, p);

	p[50] = 0x9a;
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK(logged_("First byte 0x9a instead of 0x6b"));
	CHECK(logged_("@offset="));
	CHECK_EQ(p[50], KMM_POISON_FREE);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	finish_(k, s);
}

TEST(clobber_redzone_free)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_(NULL)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "TestSlub_RZ_free", 64, 0, KMM_SLAB_RED_ZONE, NULL)) != NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	kmm_cache_free(k, s, p);

	p[64] = 0xab;
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK(logged_("Right Redzone overwritten"));
	CHECK(logged_("First byte 0xab instead of 0xbb"));
	CHECK_EQ(p[64], KMM_SLUB_RED_INACTIVE);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	finish_(k, s);
}

TEST(kmalloc_redzone_access)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_("ZU,kmalloc-32")) != NULL);
	REQUIRE((p = kmm_kmalloc(k, 18, KMM_GFP_KERNEL)) != NULL);
	REQUIRE((s = kmm_find_cache(k, "kmalloc-32")) != NULL);
	CHECK((s->flags & KMM_SLAB_DEBUG_FLAGS) == (KMM_SLAB_RED_ZONE | KMM_SLAB_STORE_USER));
	/* The tail past the request is red zone already. */
	for (unsigned i = 18; i < 32; i++)
		CHECK_EQ(p[i], KMM_SLUB_RED_ACTIVE);

	p[18] = 0xab;
	p[19] = 0xab;
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK(logged_("BUG kmalloc-32: kmalloc Redzone overwritten"));
	CHECK(logged_("First byte 0xab instead of 0xcc"));
	CHECK_EQ(kmm_cache_validate(k, s), 0);

	kmm_kfree(k, p);
	CHECK_EQ(slab_reports_, 1u); /* one finding, one report (its BUG and FIX count 2 errors) */
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	kmm_destroy(k);
}

/* ---- what the free and alloc hooks catch ------------------------------------ */

static void double_free_case_(unsigned flags)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p, *q;
	REQUIRE((k = make_(NULL)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "df", 100, 0, flags, NULL)) != NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	REQUIRE((q = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	kmm_cache_free(k, s, p);
	CHECK_EQ(slab_reports_, 0u);

	kmm_cache_free(k, s, p);
	CHECK_EQ(slab_reports_, 1u);
	CHECK(logged_("BUG df: Object already free"));
	CHECK(logged_("FIX df: Object at 0x"));
	CHECK(logged_("not freed"));
	CHECK_EQ(kmm_cache_check(k, s), 0);
	CHECK_EQ(kmm_cache_validate(k, s), 0);

	/* p comes back exactly once. */
	uint8_t *a = kmm_cache_alloc(k, s, KMM_GFP_KERNEL), *b = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
	CHECK(a && b && a != b);
	CHECK(a == p || b == p);
	kmm_cache_free(k, s, a);
	kmm_cache_free(k, s, b);
	kmm_cache_free(k, s, q);
	CHECK_EQ(slab_reports_, 1u);
	finish_(k, s);
}

TEST(double_free_f) { double_free_case_(KMM_SLAB_CONSISTENCY_CHECKS); }
TEST(double_free_fz) { double_free_case_(KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_RED_ZONE); }
TEST(double_free_fzpu) { double_free_case_(KMM_SLAB_DEBUG_FLAGS); }

TEST(invalid_pointer)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_(NULL)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "inval", 64, 0, KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_POISON, NULL)) !=
		NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);

	kmm_cache_free(k, s, p + 8);
	CHECK_EQ(slab_reports_, 1u);
	CHECK(logged_("BUG inval: Invalid object pointer 0x"));
	CHECK(logged_("INFO: Slab 0x"));
	CHECK(logged_("FIX inval: Object at 0x"));
	CHECK_EQ(kmm_cache_check(k, s), 0);
	/* Nothing was freed: p is still the user's, and its free is clean. */
	log_clear_();
	kmm_cache_free(k, s, p);
	CHECK_EQ(slab_reports_, 0u);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	finish_(k, s);
}

TEST(use_after_free_at_alloc)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p, *q;
	REQUIRE((k = make_("P,uaf")) != NULL);
	REQUIRE((s = kmm_cache_create(k, "uaf", 64, 0, 0, NULL)) != NULL);
	CHECK((s->flags & KMM_SLAB_DEBUG_FLAGS) == KMM_SLAB_POISON);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	kmm_cache_free(k, s, p);
	p[10] = 0x42;
	/* Both backends hand the last freed object out first. */
	REQUIRE((q = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) == p);
	CHECK_EQ(slab_reports_, 1u);
	CHECK(logged_("BUG uaf: Poison overwritten"));
	CHECK(logged_("First byte 0x42 instead of 0x6b"));
	/* Handed out repaired, poisoned as the kernel leaves a new object. */
	CHECK_EQ(q[10], KMM_POISON_FREE);
	CHECK_EQ(q[63], KMM_POISON_END);
	kmm_cache_free(k, s, q);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	finish_(k, s);
}

TEST(kmalloc_tail_at_kfree)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_("FZ,kmalloc-*")) != NULL);
	REQUIRE((p = kmm_kmalloc(k, 40, KMM_GFP_KERNEL)) != NULL);
	REQUIRE((s = kmm_find_cache(k, "kmalloc-64")) != NULL);
	memset(p, 0x11, 40);
	p[40] = 0;
	kmm_kfree(k, p);
	CHECK_EQ(slab_reports_, 1u);
	CHECK(logged_("BUG kmalloc-64: kmalloc Redzone overwritten"));
	CHECK(logged_("First byte 0x0 instead of 0xcc"));
	/* Repaired and freed: nothing left to find, nothing left allocated. */
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	CHECK_EQ(kmm_cache_check(k, s), 0);
	kmm_destroy(k);
}

TEST(left_redzone_underrun)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_(NULL)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "under", 48, 0, KMM_SLAB_RED_ZONE | KMM_SLAB_POISON, NULL)) != NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	REQUIRE(s->l.red_left_pad >= 8);
	p[-3] = 0x00;
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK(logged_("Left Redzone overwritten"));
	CHECK(logged_("First byte 0x0 instead of 0xcc"));
	CHECK_EQ(p[-3], KMM_SLUB_RED_ACTIVE);
	kmm_cache_free(k, s, p);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	finish_(k, s);
}

/* Two bad objects in one slab: the kernel stops at the first bad object of a
 * slab, so one validate finds one, the next the other. */
TEST(validate_stops_at_first_bad_object)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p, *q;
	REQUIRE((k = make_(NULL)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "two", 64, 0, KMM_SLAB_RED_ZONE, NULL)) != NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	REQUIRE((q = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	REQUIRE(slab_virt_to_head_(k, p) == slab_virt_to_head_(k, q));
	p[64] = 1;
	q[64] = 1;
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	kmm_cache_free(k, s, p);
	kmm_cache_free(k, s, q);
	finish_(k, s);
}

/* Several regions of one object: each is its own finding (2 errors), one
 * pass repairs them all, the trailer is printed once. */
TEST(several_regions_one_object)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_(NULL)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "multi", 64, 0, KMM_SLAB_RED_ZONE | KMM_SLAB_POISON, NULL)) != NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	kmm_cache_free(k, s, p);
	p[-1] = 0;  /* left red zone */
	p[64] = 0;  /* right red zone */
	p[5] = 0;   /* poison */
	p[63] = 0;  /* end poison */
	CHECK_EQ(kmm_cache_validate(k, s), 8);
	CHECK_EQ(slab_reports_, 4u);
	CHECK(logged_("Left Redzone overwritten"));
	CHECK(logged_("Right Redzone overwritten"));
	CHECK(logged_("BUG multi: Poison overwritten"));
	CHECK(logged_("End Poison overwritten"));
	{
		/* "INFO: Object" belongs to the trailer: once for the object. */
		const char *a = strstr(log_, "INFO: Object 0x");
		CHECK(a && !strstr(a + 1, "INFO: Object 0x"));
	}
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	finish_(k, s);
}

/* The bytes of the slab that belong to no slot: POISON_INUSE under P. */
static int first_walk_(struct kmm *k, struct kmm_cache *s, const struct kmm_slab_walk *w, void *ctx)
{
	(void)k;
	(void)s;
	*(struct kmm_slab_walk *)ctx = *w;
	return 1;
}

TEST(slab_padding)
{
	struct kmm *k;
	struct kmm_cache *s;
	struct kmm_slab_walk w;
	uint8_t *p;
	REQUIRE((k = make_(NULL)) != NULL);
	/* 72-byte slots leave a remainder in any slab size. */
	REQUIRE((s = kmm_cache_create(k, "pad", 64, 0, KMM_SLAB_POISON, NULL)) != NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	memset(&w, 0, sizeof(w));
	REQUIRE(k->slab->ops->for_each_slab(k, s, first_walk_, &w) == 1);
	REQUIRE(w.pad_end > w.pad_start);
	for (char *c = w.pad_start; c < w.pad_end; c++)
		CHECK_EQ((uint8_t)*c, KMM_POISON_INUSE);
	w.pad_end[-1] = 0x33;
	w.pad_end[-2] = 0x33;
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK(logged_("BUG pad: Padding overwritten. 0x"));
	CHECK(logged_("FIX pad: Restoring slab padding"));
	CHECK_EQ((uint8_t)w.pad_end[-1], KMM_POISON_INUSE);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	kmm_cache_free(k, s, p);
	finish_(k, s);
}

/* Poison is the allocator's only while nobody else owns the contents. */
static void ctor_(void *obj) { memset(obj, 0x5c, 64); }

TEST(no_poison_with_ctor)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_(NULL)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "ctor", 64, 0, KMM_SLAB_POISON | KMM_SLAB_RED_ZONE, ctor_)) != NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	CHECK_EQ(p[0], 0x5c);
	CHECK_EQ(p[63], 0x5c);
	CHECK_EQ(p[64], KMM_SLUB_RED_ACTIVE);
	p[0] = 0x77;
	kmm_cache_free(k, s, p);
	CHECK_EQ(p[0], 0x77); /* kept while free */
	CHECK_EQ(p[64], KMM_SLUB_RED_INACTIVE);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	CHECK_EQ(slab_reports_, 0u);
	finish_(k, s);
}

/* ---- U: tracks and the full report ----------------------------------------- */

TEST(store_user_report)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_("FZPU,track")) != NULL);
	REQUIRE((s = kmm_cache_create(k, "track", 64, 0, 0, NULL)) != NULL);
	REQUIRE(kmm_set_cpu(k, 1) == 0);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	REQUIRE(kmm_set_cpu(k, 0) == 0);
	for (int i = 0; i < 3; i++) {
		void *x = kmm_cache_alloc(k, s, KMM_GFP_KERNEL);
		CHECK(x != NULL);
		kmm_cache_free(k, s, x);
	}
	p[70] = 0x01; /* past the right red zone's first bytes: still red zone */
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK(logged_("=============================================================================\n"
		      "BUG track: Right Redzone overwritten\n"
		      "-----------------------------------------------------------------------------\n\n"
		      "INFO: 0x"));
	CHECK(logged_("INFO: Allocated in 0x"));
	CHECK(logged_("cpu=1 pid=0"));
	/* Three allocs and three frees since, each a jiffy. */
	CHECK(logged_("age=6 cpu=1"));
	CHECK(!logged_("INFO: Freed in"));
	CHECK(logged_("INFO: Slab 0x"));
	CHECK(logged_("INFO: Object 0x"));
	CHECK(logged_("Redzone  "));
	CHECK(logged_("Object   "));
	CHECK(logged_("Padding  "));
	CHECK(logged_(": cc cc cc cc cc cc 01 cc"));
	CHECK(logged_("FIX track: Restoring Right Redzone 0x"));
	CHECK(logged_("=0xcc\n"));

	kmm_cache_free(k, s, p);
	log_clear_();
	p[3] = 0x41; /* use after free, found by validate with both tracks */
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK(logged_("INFO: Allocated in 0x"));
	CHECK(logged_("INFO: Freed in 0x"));
	CHECK(logged_("age=0 cpu=0"));
	CHECK(logged_("Object   "));
	CHECK(logged_("6b 6b 6b 41 6b 6b"));
	CHECK(logged_("kkkAkk"));
	finish_(k, s);
}

/* The helpers SLOB reports through: one range, one report, repaired. */
TEST(check_bytes_helper)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_(NULL)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "helper", 64, 0, KMM_SLAB_RED_ZONE, NULL)) != NULL);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	memset(p, 0x20, 64);
	CHECK(slab_check_bytes_(k, s, "Object", p, p, 0x20, 64));
	CHECK_EQ(slab_reports_, 0u);
	p[9] = 0x21;
	p[12] = 0x22;
	CHECK(!slab_check_bytes_(k, s, "Object", p, p, 0x20, 64));
	CHECK_EQ(slab_reports_, 1u);
	CHECK(logged_("BUG helper: Object overwritten"));
	CHECK(logged_("First byte 0x21 instead of 0x20"));
	CHECK(logged_("FIX helper: Restoring Object 0x"));
	CHECK_EQ(p[9], 0x20);
	CHECK_EQ(p[12], 0x20);
	CHECK(slab_check_bytes_(k, s, "Object", p, p, 0x20, 64));

	log_clear_();
	slab_bug_(k, s, "double free detected\nINFO: first line\nINFO: second line");
	slab_fix_(k, s, "Isolate corrupted freechain");
	CHECK_EQ(slab_reports_, 2u);
	CHECK(logged_("BUG helper: double free detected\n----"));
	CHECK(logged_("-\n\nINFO: first line\nINFO: second line\n"));
	CHECK(logged_("FIX helper: Isolate corrupted freechain\n"));
	kmm_cache_free(k, s, p);
	finish_(k, s);
}

/* Without debug flags nothing is written around objects or checked. */
TEST(no_debug_no_hooks)
{
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p;
	REQUIRE((k = make_("FZPU,other")) != NULL);
	REQUIRE((s = kmm_cache_create(k, "plain", 64, 0, 0, NULL)) != NULL);
	CHECK_EQ(s->flags & KMM_SLAB_DEBUG_FLAGS, 0u);
	CHECK_EQ(s->l.size, 64u);
	REQUIRE((p = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	memset(p, 0, 64);
	kmm_cache_free(k, s, p);
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	CHECK_EQ(slab_reports_, 0u);
	finish_(k, s);
}

/* Threaded systems take the backends' locks around the same walks. */
TEST(threaded_system)
{
	struct kmm_config c;
	struct kmm *k;
	struct kmm_cache *s;
	uint8_t *p[8];
	normal_only_config(&c, 4096);
	c.threaded = true;
	c.slab_backend = backend_;
	c.sink.emit = sink_;
	log_clear_();
	REQUIRE((k = kmm_create(&c)) != NULL);
	REQUIRE((s = kmm_cache_create(k, "thr", 96, 0, KMM_SLAB_DEBUG_FLAGS, NULL)) != NULL);
	for (int i = 0; i < 8; i++)
		REQUIRE((p[i] = kmm_cache_alloc(k, s, KMM_GFP_KERNEL)) != NULL);
	for (int i = 0; i < 8; i += 2)
		kmm_cache_free(k, s, p[i]);
	p[3][96] = 0; /* allocated: right red zone */
	CHECK_EQ(kmm_cache_validate(k, s), 2);
	CHECK(logged_("BUG thr: Right Redzone overwritten"));
	CHECK_EQ(kmm_cache_validate(k, s), 0);
	if (backend_ != KMM_SLAB_BACKEND_SLOB) {
		p[2][7] = 0; /* freed: poison */
		CHECK_EQ(kmm_cache_validate(k, s), 2);
		CHECK(logged_("BUG thr: Poison overwritten"));
		CHECK_EQ(kmm_cache_validate(k, s), 0);
	}
	unsigned long before = slab_reports_;
	kmm_cache_free(k, s, p[2]); /* double free: reported, ignored */
	CHECK_EQ(slab_reports_, before + 1);
	if (backend_ != KMM_SLAB_BACKEND_SLOB)
		CHECK(logged_("BUG thr: Object already free"));
	for (int i = 1; i < 8; i += 2)
		kmm_cache_free(k, s, p[i]);
	CHECK_EQ(slab_reports_, before + 1);
	finish_(k, s);
}

static void run_all_(void)
{
	RUN(clobber_zone);
	RUN(next_pointer);
	RUN(first_word);
	RUN(clobber_50th_byte);
	RUN(clobber_redzone_free);
	RUN(kmalloc_redzone_access);
	RUN(double_free_f);
	RUN(double_free_fz);
	RUN(double_free_fzpu);
	RUN(invalid_pointer);
	RUN(use_after_free_at_alloc);
	RUN(kmalloc_tail_at_kfree);
	RUN(left_redzone_underrun);
	RUN(validate_stops_at_first_bad_object);
	RUN(several_regions_one_object);
	RUN(slab_padding);
	RUN(no_poison_with_ctor);
	RUN(store_user_report);
	RUN(check_bytes_helper);
	RUN(no_debug_no_hooks);
	RUN(threaded_system);
}

/* SLOB keeps no free objects (its free space is shared and holds its own
 * headers, and a page with nothing allocated goes back at once): what
 * debug.c does there is the allocated side, the helpers slob.c reports
 * through, and nothing at all without flags. */
static void run_slob_(void)
{
	RUN(clobber_zone);
	RUN(left_redzone_underrun);
	RUN(check_bytes_helper);
	RUN(no_debug_no_hooks);
	RUN(threaded_system);
}

int main(void)
{
	static const enum kmm_slab_backend backends[] = { KMM_SLAB_BACKEND_SLUB, KMM_SLAB_BACKEND_SLAB };
	for (unsigned i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		backend_ = backends[i];
		printf("-- %s\n", backend_ == KMM_SLAB_BACKEND_SLUB ? "slub" : "slab");
		run_all_();
	}
	backend_ = KMM_SLAB_BACKEND_SLOB;
	printf("-- slob\n");
	run_slob_();
	return test_summary();
}
