// SPDX-License-Identifier: MIT
/*
 * The /proc-style views and the allocation failure report: exact lines for
 * a known layout, values cross-checked with kmm_zone_info(), argument
 * errors, and no report under __GFP_NOWARN.
 *
 * Layout: kmm_config_init(1 node, 16384 pages): DMA 1024 pages at PFN 0,
 * DMA32 4096 at 1024, Normal 11264 at 5120, all MAX_ORDER aligned, so a
 * fresh system holds 1, 4 and 11 order-10 blocks.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <kmm/kmm.h>

#include "test.h"

/* test.h's REQUIRE evaluates its condition twice: calls with side effects
 * go through this once-only form. */
#define REQUIRE_ONCE(expr)                                                                \
	do {                                                                              \
		bool once_ = (expr);                                                      \
		if (!once_)                                                               \
			fprintf(stderr, "  %s:%d: %s\n", __FILE__, __LINE__, #expr);           \
		REQUIRE(once_);                                                           \
	} while (0)

/* ---- capture ---------------------------------------------------------- */

struct out {
	char *buf;
	size_t len, cap;
	unsigned writes;
};

static void out_write(void *ctx, const char *text, size_t len)
{
	struct out *o = ctx;
	if (o->len + len + 1 > o->cap) {
		o->cap = (o->len + len + 1) * 2;
		o->buf = realloc(o->buf, o->cap);
		if (!o->buf)
			abort();
	}
	memcpy(o->buf + o->len, text, len);
	o->len += len;
	o->buf[o->len] = '\0';
	o->writes++;
}

static char *show(struct kmm *k, enum kmm_view v)
{
	struct out o = { NULL, 0, 0, 0 };
	out_write(&o, "", 0);
	if (kmm_show(k, v, out_write, &o) != 0) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}

struct sink {
	unsigned long count[KMM_NR_REPORT_KINDS];
	char last[16384];
};

static void sink_emit(void *ctx, enum kmm_report_kind kind, const char *text)
{
	struct sink *s = ctx;
	s->count[kind]++;
	snprintf(s->last, sizeof(s->last), "%s", text);
}

static struct sink sink;

static struct kmm *make(unsigned nodes, uint32_t pages, bool with_sink)
{
	struct kmm_config c;
	kmm_config_init(&c, nodes, pages);
	memset(&sink, 0, sizeof(sink));
	if (with_sink) {
		c.sink.emit = sink_emit;
		c.sink.ctx = &sink;
	}
	return kmm_create(&c);
}

/* The line of text that starts with prefix (NULL if none), copied out. */
static const char *line_with(const char *text, const char *prefix)
{
	static char line[1024];
	size_t plen = strlen(prefix);
	for (const char *p = text; p && *p;) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n >= plen && memcmp(p, prefix, plen) == 0 && n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			return line;
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

static bool has_line(const char *text, const char *want)
{
	const char *l = line_with(text, want);
	if (!l || strcmp(l, want) != 0) {
		fprintf(stderr, "  missing line \"%s\"%s%s%s\n", want, l ? " (found \"" : "", l ? l : "",
			l ? "\")" : "");
		return false;
	}
	return true;
}

static unsigned count_lines_with(const char *text, const char *needle)
{
	unsigned n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d)
		abort();
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static bool starts_with(const char *text, const char *prefix)
{
	bool ok = strncmp(text, prefix, strlen(prefix)) == 0;
	if (!ok)
		fprintf(stderr, "  text does not start with \"%s\":\n%.*s\n", prefix, (int)strlen(prefix) + 40, text);
	return ok;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	static char buf[4][512];
	static int i;
	va_list ap;
	i = (i + 1) % 4;
	va_start(ap, f);
	vsnprintf(buf[i], sizeof(buf[i]), f, ap);
	va_end(ap);
	return buf[i];
}

/* ---- tests ------------------------------------------------------------ */

TEST(buddyinfo)
{
	struct kmm *k = make(1, 16384, false);
	REQUIRE(k);
	/* Order 4 bypasses the pcp lists: one order-10 block of Normal splits
	 * into one free block of each order 4..9. */
	REQUIRE_ONCE(kmm_alloc_pages(k, KMM_GFP_KERNEL, 4) != NULL);
	char *t = show(k, KMM_VIEW_BUDDYINFO);
	REQUIRE(t);
	CHECK(strcmp(t,
		     "Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      1 \n"
		     "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0      4 \n"
		     "Node 0, zone   Normal      0      0      0      0      1      1      1      1      1      1     10 \n") == 0);
	free(t);
	kmm_destroy(k);
}

TEST(pagetypeinfo)
{
	struct kmm *k = make(1, 16384, false);
	REQUIRE(k);
	char *t = show(k, KMM_VIEW_PAGETYPEINFO);
	REQUIRE(t);
	CHECK(starts_with(t, "Page block order: 9\nPages per block:  512\n\n"));
	CHECK(has_line(t, "Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 "));
	CHECK(has_line(t, "Node    0, zone      DMA, type    Unmovable      0      0      0      0      0      0      0      0      0      0      0 "));
	CHECK(has_line(t, "Node    0, zone      DMA, type      Movable      0      0      0      0      0      0      0      0      0      0      1 "));
	CHECK(has_line(t, "Node    0, zone   Normal, type      Movable      0      0      0      0      0      0      0      0      0      0     11 "));
	CHECK(has_line(t, "Node    0, zone   Normal, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 "));
	CHECK(has_line(t, "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate "));
	CHECK(has_line(t, "Node 0, zone      DMA            0            2            0            0            0 "));
	CHECK(has_line(t, "Node 0, zone    DMA32            0            8            0            0            0 "));
	CHECK(has_line(t, "Node 0, zone   Normal            0           22            0            0            0 "));
	CHECK(strstr(t, "\n\nNumber of blocks type ") != NULL); /* blank line before the table */
	CHECK_EQ(count_lines_with(t, ", type "), 3 * KMM_MIGRATE_TYPES);
	CHECK(strstr(t, "HighMem") == NULL); /* unpopulated zones are skipped */
	free(t);

	/* Counts per type follow the lists: an unmovable allocation steals. */
	REQUIRE_ONCE(kmm_alloc_pages(k, KMM_GFP_KERNEL, 4) != NULL);
	t = show(k, KMM_VIEW_PAGETYPEINFO);
	REQUIRE(t);
	struct kmm_zone_info zi;
	REQUIRE(kmm_zone_info(k, 0, KMM_ZONE_NORMAL, &zi) == 0);
	char want[256];
	int n = snprintf(want, sizeof(want), "Node    0, zone   Normal, type    Unmovable ");
	for (int o = 0; o < KMM_NR_ORDERS; o++)
		n += snprintf(want + n, sizeof(want) - (size_t)n, "%6llu ",
			      (unsigned long long)zi.nr_free[o][KMM_MIGRATE_UNMOVABLE]);
	CHECK(has_line(t, want));
	CHECK(zi.nr_free[4][KMM_MIGRATE_UNMOVABLE] == 1);
	free(t);
	kmm_destroy(k);
}

TEST(zoneinfo)
{
	struct kmm *k = make(1, 16384, false);
	REQUIRE(k);
	REQUIRE_ONCE(kmm_alloc_pages(k, KMM_GFP_KERNEL, 0) != NULL); /* fills the pcp list */
	char *t = show(k, KMM_VIEW_ZONEINFO);
	REQUIRE(t);
	/* Every zone, populated or not. */
	CHECK_EQ(count_lines_with(t, "Node 0, zone "), KMM_NR_ZONES);
	CHECK(starts_with(t, "Node 0, zone      DMA\n  pages free     1024\n        boost    0\n"));

	static const struct {
		enum kmm_zone_type z;
		const char *name;
		unsigned long start, pages;
	} zones[] = {
		{ KMM_ZONE_DMA, "     DMA", 0, 1024 },
		{ KMM_ZONE_DMA32, "   DMA32", 1024, 4096 },
		{ KMM_ZONE_NORMAL, "  Normal", 5120, 11264 },
	};
	for (size_t i = 0; i < 3; i++) {
		struct kmm_zone_info zi;
		REQUIRE(kmm_zone_info(k, 0, zones[i].z, &zi) == 0);
		const char *sec = strstr(t, fmt("Node 0, zone %s\n", zones[i].name));
		REQUIRE(sec);
		const char *next = strstr(sec + 1, "Node 0, zone ");
		size_t len = next ? (size_t)(next - sec) : strlen(sec);
		char *s = dup_n(sec, len);
		CHECK(has_line(s, fmt("  pages free     %llu", (unsigned long long)zi.free_pages)));
		CHECK(has_line(s, fmt("        min      %llu", (unsigned long long)(zi.wmark_min + zi.wmark_boost))));
		CHECK(has_line(s, fmt("        low      %llu", (unsigned long long)(zi.wmark_low + zi.wmark_boost))));
		CHECK(has_line(s, fmt("        high     %llu", (unsigned long long)(zi.wmark_high + zi.wmark_boost))));
		CHECK(has_line(s, fmt("        spanned  %lu", zones[i].pages)));
		CHECK(has_line(s, fmt("        present  %lu", zones[i].pages)));
		CHECK(has_line(s, fmt("        managed  %lu", zones[i].pages)));
		CHECK(has_line(s, "        cma      0"));
		CHECK(has_line(s, fmt("        protection: (%llu, %llu, %llu, %llu, %llu)",
				      (unsigned long long)zi.lowmem_reserve[0],
				      (unsigned long long)zi.lowmem_reserve[1],
				      (unsigned long long)zi.lowmem_reserve[2],
				      (unsigned long long)zi.lowmem_reserve[3],
				      (unsigned long long)zi.lowmem_reserve[4])));
		CHECK(has_line(s, "  pagesets"));
		CHECK(has_line(s, "    cpu: 0"));
		CHECK(has_line(s, fmt("              high:     %u", zi.pcp_high)));
		CHECK(has_line(s, fmt("              batch:    %u", zi.pcp_batch)));
		CHECK(has_line(s, fmt("              count:    %llu", (unsigned long long)zi.pcp_pages)));
		CHECK(has_line(s, fmt("  start_pfn:           %lu", zones[i].start)));
		free(s);
	}
	/* DMA protects itself against higher-zone requests. */
	CHECK(strstr(t, "        protection: (0, ") != NULL);

	/* An absent zone: sizes 0, protection, then nothing else. */
	const char *hm = strstr(t, "Node 0, zone  HighMem\n");
	REQUIRE(hm);
	const char *mv = strstr(hm, "Node 0, zone  Movable\n");
	REQUIRE(mv);
	char *s = dup_n(hm, (size_t)(mv - hm));
	CHECK(has_line(s, "  pages free     0"));
	CHECK(has_line(s, "        spanned  0"));
	CHECK(has_line(s, "        managed  0"));
	CHECK(strstr(s, "pagesets") == NULL);
	CHECK(strstr(s, "start_pfn") == NULL);
	CHECK(s[strlen(s) - 2] == ')' && s[strlen(s) - 1] == '\n');
	free(s);
	free(t);
	kmm_destroy(k);
}

TEST(zoneinfo_many_cpus_and_nodes_in_chunks)
{
	struct kmm_config c;
	kmm_config_init(&c, 8, 4096);
	c.nr_cpus = 16;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	struct out o = { NULL, 0, 0, 0 };
	out_write(&o, "", 0);
	REQUIRE_ONCE(kmm_show(k, KMM_VIEW_ZONEINFO, out_write, &o) == 0);
	CHECK(o.writes > 2); /* longer than one buffer: several writes, joined seamlessly */
	/* Populated zones: node 0 has DMA, DMA32, Normal; nodes 1-7 Normal. */
	CHECK_EQ(count_lines_with(o.buf, "    cpu: "), 10 * 16);
	CHECK_EQ(count_lines_with(o.buf, "  pagesets\n"), 10);
	CHECK_EQ(count_lines_with(o.buf, "Node "), 8 * KMM_NR_ZONES);
	CHECK(has_line(o.buf, "Node 7, zone  Movable"));
	CHECK(has_line(o.buf, "    cpu: 15"));
	CHECK(o.buf[o.len - 1] == '\n');
	free(o.buf);
	kmm_destroy(k);
}

TEST(vmstat_and_numastat)
{
	struct kmm *k = make(2, 8192, false);
	REQUIRE(k);
	/* Two order-2 pages on node 0, one order-3 on node 1 from CPU 0. */
	REQUIRE_ONCE(kmm_alloc_pages(k, KMM_GFP_KERNEL, 2) != NULL);
	REQUIRE_ONCE(kmm_alloc_pages(k, KMM_GFP_KERNEL, 2) != NULL);
	struct kmm_page *p = kmm_alloc_pages_node(k, 1, KMM_GFP_KERNEL, 3);
	REQUIRE(p != NULL);
	kmm_free_pages(k, p, 3);

	char *t = show(k, KMM_VIEW_VMSTAT);
	REQUIRE(t);
	uint64_t nr_free = 0;
	for (int n = 0; n < 2; n++)
		for (int z = 0; z < KMM_NR_ZONES; z++) {
			struct kmm_zone_info zi;
			REQUIRE(kmm_zone_info(k, n, (enum kmm_zone_type)z, &zi) == 0);
			nr_free += zi.free_pages;
		}
	CHECK(starts_with(t, "nr_free_pages "));
	CHECK(has_line(t, fmt("nr_free_pages %llu", (unsigned long long)nr_free)));
	CHECK(has_line(t, "numa_hit 16"));
	CHECK(has_line(t, "numa_miss 0"));
	CHECK(has_line(t, "numa_foreign 0"));
	CHECK(has_line(t, "numa_interleave 0"));
	CHECK(has_line(t, "numa_local 8"));
	CHECK(has_line(t, "numa_other 8"));
	CHECK(has_line(t, "pgalloc_dma 0"));
	CHECK(has_line(t, "pgalloc_dma32 0"));
	CHECK(has_line(t, "pgalloc_normal 16"));
	CHECK(has_line(t, "pgalloc_high 0"));
	CHECK(has_line(t, "pgalloc_movable 0"));
	CHECK(has_line(t, fmt("pgfree %llu", (unsigned long long)kmm_vm_event(k, KMM_PGFREE))));
	CHECK(has_line(t, "pgalloc_fail 0"));
	CHECK(has_line(t, "bad_page 0"));
	CHECK(line_with(t, "allocstall ") != NULL);
	CHECK(line_with(t, "pcp_drain ") != NULL);
	CHECK(line_with(t, "pgsteal_fallback ") != NULL);
	CHECK(line_with(t, "pageblock_steal ") != NULL);
	CHECK_EQ(count_lines_with(t, "\n"), 19);
	CHECK_EQ(kmm_vm_event(k, KMM_PGALLOC), 16);
	CHECK(kmm_vm_event(k, KMM_PGFREE) >= 8);
	CHECK_EQ(kmm_vm_event(k, KMM_NR_VM_ITEMS), 0);
	CHECK_EQ(kmm_vm_event(NULL, KMM_PGFREE), 0);
	free(t);

	t = show(k, KMM_VIEW_NUMASTAT);
	REQUIRE(t);
	CHECK(strcmp(t, "Node 0:\n"
			"numa_hit 8\n"
			"numa_miss 0\n"
			"numa_foreign 0\n"
			"interleave_hit 0\n"
			"local_node 8\n"
			"other_node 0\n"
			"Node 1:\n"
			"numa_hit 8\n"
			"numa_miss 0\n"
			"numa_foreign 0\n"
			"interleave_hit 0\n"
			"local_node 0\n"
			"other_node 8\n") == 0);
	free(t);
	kmm_destroy(k);
}

TEST(zone_info_struct)
{
	struct kmm_config c;
	kmm_config_init(&c, 2, 8192);
	/* Normal of node 1: a hole and a reservation. */
	c.nodes[1].zones[KMM_ZONE_NORMAL].hole_start = 1000;
	c.nodes[1].zones[KMM_ZONE_NORMAL].hole_pages = 100;
	c.nodes[1].zones[KMM_ZONE_NORMAL].reserved_pages = 50;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);
	struct kmm_zone_info zi;

	REQUIRE(kmm_zone_info(k, 1, KMM_ZONE_NORMAL, &zi) == 0);
	CHECK(zi.populated);
	CHECK_EQ(zi.spanned_pages, 8192);
	CHECK_EQ(zi.present_pages, 8092);
	CHECK_EQ(zi.managed_pages, 8042);
	CHECK_EQ(zi.free_pages, 8042);
	CHECK(zi.wmark_min < zi.wmark_low && zi.wmark_low < zi.wmark_high);
	uint64_t sum = 0;
	for (int o = 0; o < KMM_NR_ORDERS; o++)
		for (int t = 0; t < KMM_MIGRATE_TYPES; t++)
			sum += zi.nr_free[o][t] << o;
	CHECK_EQ(sum, zi.free_pages);

	/* The struct follows allocations: pcp pages are counted apart. */
	REQUIRE_ONCE(kmm_alloc_pages_node(k, 1, KMM_GFP_KERNEL, 0) != NULL);
	REQUIRE(kmm_zone_info(k, 1, KMM_ZONE_NORMAL, &zi) == 0);
	CHECK_EQ(zi.free_pages + zi.pcp_pages + 1, 8042);
	CHECK(zi.pcp_high > 0 && zi.pcp_batch > 0);

	/* Absent zone: populated false, sizes 0, still 0. */
	memset(&zi, 0xa5, sizeof(zi));
	CHECK_EQ(kmm_zone_info(k, 1, KMM_ZONE_DMA, &zi), 0);
	CHECK(!zi.populated);
	CHECK_EQ(zi.spanned_pages, 0);
	CHECK_EQ(zi.managed_pages, 0);
	CHECK_EQ(zi.free_pages, 0);
	CHECK_EQ(zi.nr_free[0][0], 0);

	CHECK_EQ(kmm_zone_info(k, 2, KMM_ZONE_NORMAL, &zi), -EINVAL);
	CHECK_EQ(kmm_zone_info(k, -1, KMM_ZONE_NORMAL, &zi), -EINVAL);
	CHECK_EQ(kmm_zone_info(k, 0, KMM_NR_ZONES, &zi), -EINVAL);
	CHECK_EQ(kmm_zone_info(k, 0, KMM_ZONE_NORMAL, NULL), -EINVAL);
	CHECK_EQ(kmm_zone_info(NULL, 0, KMM_ZONE_NORMAL, &zi), -EINVAL);
	kmm_destroy(k);
}

static void null_write(void *ctx, const char *t, size_t n)
{
	(void)t;
	*(size_t *)ctx += n;
}

TEST(show_arguments_and_names)
{
	struct kmm *k = make(1, 4096, false);
	REQUIRE(k);
	size_t n = 0;
	CHECK_EQ(kmm_show(k, KMM_NR_VIEWS, null_write, &n), -EINVAL);
	CHECK_EQ(kmm_show(k, (enum kmm_view)-1, null_write, &n), -EINVAL);
	CHECK_EQ(kmm_show(k, KMM_VIEW_BUDDYINFO, NULL, &n), -EINVAL);
	CHECK_EQ(kmm_show(NULL, KMM_VIEW_BUDDYINFO, null_write, &n), -EINVAL);
	CHECK_EQ(n, 0);
	for (int v = 0; v < KMM_NR_VIEWS; v++) {
		n = 0;
		CHECK_EQ(kmm_show(k, (enum kmm_view)v, null_write, &n), 0);
		CHECK(n > 0);
	}
	CHECK(strcmp(kmm_view_name(KMM_VIEW_BUDDYINFO), "buddyinfo") == 0);
	CHECK(strcmp(kmm_view_name(KMM_VIEW_PAGETYPEINFO), "pagetypeinfo") == 0);
	CHECK(strcmp(kmm_view_name(KMM_VIEW_ZONEINFO), "zoneinfo") == 0);
	CHECK(strcmp(kmm_view_name(KMM_VIEW_VMSTAT), "vmstat") == 0);
	CHECK(strcmp(kmm_view_name(KMM_VIEW_NUMASTAT), "numastat") == 0);
	CHECK(kmm_view_name(KMM_NR_VIEWS) != NULL);
	kmm_destroy(k);
}

/* Use up Normal, DMA32 and DMA with order-10 GFP_KERNEL requests. */
static void exhaust(struct kmm *k, kmm_gfp_t gfp)
{
	while (kmm_alloc_pages(k, gfp | KMM___GFP_NOWARN, 10))
		;
}

TEST(failure_report)
{
	struct kmm *k = make(1, 16384, true);
	REQUIRE(k);
	exhaust(k, KMM_GFP_KERNEL);
	CHECK_EQ(sink.count[KMM_REPORT_ALLOC_FAILURE], 0); /* NOWARN: silent */
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_ALLOC_FAILURE), 0);

	CHECK(kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_ZERO, 10) == NULL);
	CHECK_EQ(sink.count[KMM_REPORT_ALLOC_FAILURE], 1);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_ALLOC_FAILURE), 1);
	const char *r = sink.last;
	CHECK(starts_with(r, "kmm: page allocation failure: order:10, mode:0x20f000(GFP_KERNEL|__GFP_ZERO), "
			     "nodemask=(null)\nMem-Info:\n"));
	CHECK(has_line(r, "active_anon:0 inactive_anon:0 isolated_anon:0"));
	CHECK(line_with(r, " free:") != NULL);
	CHECK(line_with(r, "Node 0 active_anon:0kB") != NULL);

	struct kmm_zone_info zi;
	REQUIRE(kmm_zone_info(k, 0, KMM_ZONE_NORMAL, &zi) == 0);
	const char *l = line_with(r, "Node 0 Normal free:");
	REQUIRE(l);
	CHECK(starts_with(l, fmt("Node 0 Normal free:%llukB boost:%llukB min:%llukB low:%llukB high:%llukB "
			     "reserved_highatomic:%lluKB ",
			     (unsigned long long)zi.free_pages * 4, (unsigned long long)zi.wmark_boost * 4,
			     (unsigned long long)(zi.wmark_min + zi.wmark_boost) * 4,
			     (unsigned long long)(zi.wmark_low + zi.wmark_boost) * 4,
			     (unsigned long long)(zi.wmark_high + zi.wmark_boost) * 4,
			     (unsigned long long)zi.nr_reserved_highatomic * 4)));
	CHECK(strstr(l, " present:45056kB managed:45056kB ") != NULL);
	CHECK(line_with(r, "Node 0 DMA free:") != NULL);
	CHECK(line_with(r, "Node 0 DMA32 free:") != NULL);
	CHECK_EQ(count_lines_with(r, "lowmem_reserve[]: "), 3);
	CHECK(has_line(r, "lowmem_reserve[]: 0 0 0 0 0")); /* Normal protects nothing above it */

	/* Buddy lines: N*SIZE for every order, types for non-empty ones, total. */
	l = line_with(r, "Node 0 Normal: ");
	REQUIRE(l);
	char want[512];
	int n = snprintf(want, sizeof(want), "Node 0 Normal: ");
	uint64_t total = 0;
	for (int o = 0; o < KMM_NR_ORDERS; o++) {
		uint64_t blocks = 0;
		char types[8] = "";
		size_t nt = 0;
		for (int t = 0; t < KMM_MIGRATE_TYPES; t++) {
			blocks += zi.nr_free[o][t];
			if (zi.nr_free[o][t])
				types[nt++] = "UMEHI"[t];
		}
		total += blocks << o;
		n += snprintf(want + n, sizeof(want) - (size_t)n, "%llu*%lukB ", (unsigned long long)blocks,
			      4ul << o);
		if (blocks)
			n += snprintf(want + n, sizeof(want) - (size_t)n, "(%s) ", types);
	}
	snprintf(want + n, sizeof(want) - (size_t)n, "= %llukB", (unsigned long long)total * 4);
	CHECK(has_line(r, want));
	CHECK(has_line(r, "16384 pages RAM"));
	CHECK(has_line(r, "0 pages HighMem/MovableOnly"));
	CHECK(has_line(r, "0 pages reserved"));
	CHECK(r[strlen(r) - 1] == '\n');

	/* A DMA request only shows the DMA zone. */
	CHECK(kmm_alloc_pages(k, KMM_GFP_DMA, 10) == NULL);
	CHECK_EQ(sink.count[KMM_REPORT_ALLOC_FAILURE], 2);
	CHECK(starts_with(sink.last, "kmm: page allocation failure: order:10, mode:0x1(GFP_DMA), nodemask=(null)\n"));
	CHECK(line_with(sink.last, "Node 0 DMA free:") != NULL);
	CHECK(line_with(sink.last, "Node 0 DMA32 free:") == NULL);
	CHECK(line_with(sink.last, "Node 0 Normal: ") == NULL);
	CHECK_EQ(count_lines_with(sink.last, "lowmem_reserve[]: "), 1);

	/* __GFP_NOWARN: the failure is silent. */
	CHECK(kmm_alloc_pages(k, KMM_GFP_KERNEL | KMM___GFP_NOWARN, 10) == NULL);
	CHECK_EQ(sink.count[KMM_REPORT_ALLOC_FAILURE], 2);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_ALLOC_FAILURE), 2);
	kmm_destroy(k);
}

TEST(failure_report_nodemask_and_no_sink)
{
	/* Bind to node 1 of 3 and fail there: the mask prints as a list and
	 * only node 1 appears in the dump (the request could reclaim). */
	struct kmm *k = make(3, 4096, true);
	REQUIRE(k);
	REQUIRE_ONCE(kmm_set_mempolicy(k, KMM_MPOL_BIND, 0x6, NULL) == 0);
	exhaust(k, KMM_GFP_KERNEL);
	CHECK(kmm_alloc_pages(k, KMM_GFP_KERNEL, 10) == NULL);
	CHECK_EQ(sink.count[KMM_REPORT_ALLOC_FAILURE], 1);
	CHECK(strstr(sink.last, "nodemask=1-2\n") != NULL);
	CHECK(line_with(sink.last, "Node 1 Normal free:") != NULL);
	CHECK(line_with(sink.last, "Node 2 Normal free:") != NULL);
	CHECK(line_with(sink.last, "Node 0 ") == NULL);
	/* GFP_NOWAIT cannot reclaim: every node is shown. */
	CHECK(kmm_alloc_pages(k, KMM_GFP_NOWAIT & ~KMM___GFP_NOWARN, 10) == NULL);
	CHECK_EQ(sink.count[KMM_REPORT_ALLOC_FAILURE], 2);
	CHECK(strstr(sink.last, "mode:0x8000(__GFP_KSWAPD_RECLAIM), nodemask=1-2\n") != NULL);
	CHECK(line_with(sink.last, "Node 0 Normal free:") != NULL);
	kmm_destroy(k);

	/* Without a sink the failure is still counted. */
	k = make(1, 4096, false);
	REQUIRE(k);
	exhaust(k, KMM_GFP_KERNEL);
	CHECK(kmm_alloc_pages(k, KMM_GFP_KERNEL, 10) == NULL);
	CHECK_EQ(kmm_report_count(k, KMM_REPORT_ALLOC_FAILURE), 1);
	kmm_destroy(k);
}

TEST(reserved_zone_is_shown_like_the_kernel)
{
	/* DMA present but all reserved: no managed pages, so the allocator
	 * leaves it out, but /proc shows it (populated_zone() is present pages). */
	struct kmm_config c;
	kmm_config_init(&c, 1, 16384);
	c.nodes[0].zones[KMM_ZONE_DMA].reserved_pages = 1024;
	memset(&sink, 0, sizeof(sink));
	c.sink.emit = sink_emit;
	c.sink.ctx = &sink;
	struct kmm *k = kmm_create(&c);
	REQUIRE(k);

	struct kmm_zone_info zi;
	CHECK_EQ(kmm_zone_info(k, 0, KMM_ZONE_DMA, &zi), 0);
	CHECK(!zi.populated);
	CHECK_EQ(zi.present_pages, 1024);
	CHECK_EQ(zi.managed_pages, 0);
	CHECK_EQ(zi.free_pages, 0);
	CHECK_EQ(zi.pcp_pages, 0);

	char *t = show(k, KMM_VIEW_BUDDYINFO);
	REQUIRE(t);
	CHECK(starts_with(t, "Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      0 \n"));
	free(t);
	t = show(k, KMM_VIEW_ZONEINFO);
	REQUIRE(t);
	const char *dma32 = strstr(t, "Node 0, zone    DMA32");
	REQUIRE(dma32);
	char *d = dup_n(t, (size_t)(dma32 - t));
	CHECK(has_line(d, "        managed  0"));
	CHECK(has_line(d, "  pagesets"));
	CHECK(has_line(d, "              count:    0"));
	CHECK(has_line(d, "  start_pfn:           0"));
	free(d);
	free(t);

	CHECK(kmm_alloc_pages(k, KMM_GFP_DMA, 0) == NULL);
	CHECK_EQ(sink.count[KMM_REPORT_ALLOC_FAILURE], 1);
	CHECK(has_line(sink.last, "16384 pages RAM"));
	CHECK(has_line(sink.last, "1024 pages reserved"));
	CHECK(line_with(sink.last, "Node 0 DMA free:0kB ") != NULL);
	CHECK(has_line(sink.last, "Node 0 DMA: 0*4kB 0*8kB 0*16kB 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB "
				  "0*1024kB 0*2048kB 0*4096kB = 0kB"));
	/* No managed zone at or below DMA: no per-node line. */
	CHECK(line_with(sink.last, "Node 0 active_anon") == NULL);
	kmm_destroy(k);
}

int main(void)
{
	RUN(buddyinfo);
	RUN(pagetypeinfo);
	RUN(zoneinfo);
	RUN(zoneinfo_many_cpus_and_nodes_in_chunks);
	RUN(vmstat_and_numastat);
	RUN(zone_info_struct);
	RUN(show_arguments_and_names);
	RUN(failure_report);
	RUN(failure_report_nodemask_and_no_sink);
	RUN(reserved_zone_is_shown_like_the_kernel);
	return test_summary();
}
