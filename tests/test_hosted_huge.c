/* SPDX-License-Identifier: MIT */
/*
 * kmm_platform_hosted_huge(): the hosted platform with the arena and the
 * struct page array advised MADV_HUGEPAGE (the kernel's huge-page direct
 * map and vmemmap). A system on it works as on the default platform; the
 * advice reaches the host when the host takes it (the VMA carries the
 * "hg" flag in /proc/self/smaps); a refused advice degrades to small
 * pages with nothing else changed; the default platform gives no advice.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <kmm/kmm.h>

#include "test.h"

#define PAGES 32768u /* 128 MiB arena (reserved, touched sparsely); 2 MiB of struct pages */

/* Does the host take MADV_HUGEPAGE at all (a kernel with THP)? */
static bool host_takes_thp_(void)
{
	size_t len = (size_t)4 << 20;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	bool ok = madvise(p, len, MADV_HUGEPAGE) == 0;
	munmap(p, len);
	return ok;
}

/* 1: the mapping holding addr has VM_HUGEPAGE ("hg" in VmFlags), 0: not,
 * -1: no smaps to read or no mapping found. */
static int vma_hugepage_(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;
	int res = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char c;
		if (sscanf(line, "%lx-%lx %c", &lo, &hi, &c) == 3 && strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			res = strstr(line, " hg") != NULL;
			break;
		}
	}
	fclose(f);
	return res;
}

/* Every report of every system here (none expected). */
static unsigned reports_;
static void count_report_(void *ctx, enum kmm_report_kind kind, const char *text)
{
	(void)ctx;
	(void)kind;
	fputs(text, stderr);
	reports_++;
}

static struct kmm *make_(const struct kmm_platform *plat)
{
	struct kmm_config cfg;
	char msg[256];
	kmm_config_init(&cfg, 1, PAGES);
	memset(cfg.nodes[0].zones, 0, sizeof(cfg.nodes[0].zones));
	cfg.nodes[0].zones[KMM_ZONE_NORMAL].spanned_pages = PAGES;
	cfg.platform = plat;
	cfg.debug_level = 2;
	cfg.sink.emit = count_report_;
	if (kmm_config_validate(&cfg, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "config: %s\n", msg);
		return NULL;
	}
	return kmm_create(&cfg);
}

/* Pages and kmallocs of every class, written and read back, checked,
 * freed; the system's own checks find nothing wrong. */
static void exercise_(struct kmm *k)
{
	enum { N = 600 };
	void *obj[N];
	struct kmm_page *pg[4];
	for (unsigned i = 0; i < N; i++) {
		size_t size = 8u + (i * 37u) % 4096u;
		obj[i] = kmm_kmalloc(k, size, KMM_GFP_KERNEL);
		CHECK(obj[i] != NULL);
		if (obj[i])
			memset(obj[i], (int)(i & 0xff), size);
	}
	for (unsigned o = 0; o < 4; o++) {
		pg[o] = kmm_alloc_pages(k, KMM_GFP_KERNEL, o * 3);
		CHECK(pg[o] != NULL);
		if (pg[o])
			memset(kmm_page_address(k, pg[o]), 0x5a, (size_t)KMM_PAGE_SIZE << (o * 3));
	}
	unsigned bad = 0;
	for (unsigned i = 0; i < N; i++)
		if (obj[i] && ((unsigned char *)obj[i])[0] != (i & 0xff))
			bad++;
	CHECK_EQ(bad, 0);
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK_EQ(kmm_slab_check(k), 0);
	for (unsigned i = 0; i < N; i++)
		kmm_kfree(k, obj[i]);
	for (unsigned o = 0; o < 4; o++)
		if (pg[o])
			kmm_free_pages(k, pg[o], o * 3);
	CHECK_EQ(kmm_page_check(k), 0);
	CHECK_EQ(kmm_slab_check(k), 0);
}

TEST(huge_platform_works)
{
	struct kmm *k = make_(kmm_platform_hosted_huge());
	REQUIRE(k != NULL);
	char *arena = kmm_page_address(k, kmm_pfn_to_page(k, 0));
	const void *pages = kmm_pfn_to_page(k, 0);
	/* both 2 MiB aligned: whole huge pages from their first byte */
	CHECK_EQ((uintptr_t)arena % ((uintptr_t)2 << 20), 0);
	CHECK_EQ((uintptr_t)pages % ((uintptr_t)2 << 20), 0);
	reports_ = 0;
	exercise_(k);
	CHECK_EQ(reports_, 0);
	if (host_takes_thp_()) {
		CHECK_EQ(vma_hugepage_(arena), 1);
		CHECK_EQ(vma_hugepage_(pages), 1);
	} else {
		fprintf(stderr, "  (host refuses MADV_HUGEPAGE: the advice is not checked, the rest is)\n");
	}
	kmm_destroy(k);
}

/* The same hooks with an advice the host refuses (EINVAL): small pages,
 * a working system, nothing reported. */

TEST(refused_advice_degrades)
{
	static const int bogus_advice = 0x7fff;
	struct kmm_platform plat = *kmm_platform_hosted_huge();
	plat.ctx = (void *)&bogus_advice;
	void *probe = mmap(NULL, (size_t)2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(probe != MAP_FAILED);
	CHECK(madvise(probe, (size_t)2 << 20, bogus_advice) != 0); /* the host does refuse it */
	munmap(probe, (size_t)2 << 20);

	struct kmm *k = make_(&plat);
	REQUIRE(k != NULL);
	reports_ = 0;
	char *arena = kmm_page_address(k, kmm_pfn_to_page(k, 0));
	exercise_(k);
	CHECK_EQ(reports_, 0);
	CHECK(vma_hugepage_(arena) != 1);
	CHECK(vma_hugepage_(kmm_pfn_to_page(k, 0)) != 1);
	kmm_destroy(k);

	/* and no ctx: no advice at all */
	plat.ctx = NULL;
	k = make_(&plat);
	REQUIRE(k != NULL);
	exercise_(k);
	CHECK(vma_hugepage_(kmm_page_address(k, kmm_pfn_to_page(k, 0))) != 1);
	kmm_destroy(k);
}

/* The default platform stays on small pages (the fuzzers' many small
 * systems must not fault in 2 MiB a touch). */
TEST(default_platform_not_huge)
{
	struct kmm *k = make_(NULL);
	REQUIRE(k != NULL);
	exercise_(k);
	CHECK(vma_hugepage_(kmm_page_address(k, kmm_pfn_to_page(k, 0))) != 1);
	CHECK(vma_hugepage_(kmm_pfn_to_page(k, 0)) != 1);
	kmm_destroy(k);
}

/* Destroying a system gives its huge metadata mapping back: right after
 * kmm_destroy the struct page array's range is no longer mapped (madvise
 * on an unmapped range fails with ENOMEM), system after system. */
TEST(huge_platform_unmaps)
{
	for (unsigned i = 0; i < 8; i++) {
		struct kmm *k = make_(kmm_platform_hosted_huge());
		REQUIRE(k != NULL);
		CHECK(kmm_kmalloc(k, 100, KMM_GFP_KERNEL) != NULL);
		void *pages = kmm_pfn_to_page(k, 0);
		REQUIRE((uintptr_t)pages % ((uintptr_t)2 << 20) == 0); /* from its own mapping */
		CHECK_EQ(madvise(pages, (size_t)2 << 20, MADV_NORMAL), 0);
		kmm_destroy(k);
		errno = 0;
		CHECK(madvise(pages, (size_t)2 << 20, MADV_NORMAL) != 0 && errno == ENOMEM);
	}
}

int main(void)
{
	RUN(huge_platform_works);
	RUN(refused_advice_degrades);
	RUN(default_platform_not_huge);
	RUN(huge_platform_unmaps);
	return test_summary();
}
