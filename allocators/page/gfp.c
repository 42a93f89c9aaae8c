// SPDX-License-Identifier: MIT
/*
 * GFP masks: what a mask means (highest zone, migrate type) and how it reads.
 *
 * gfp -> zone. The kernel packs a 16-entry table into one integer
 * (GFP_ZONE_TABLE) indexed by the four zone-modifier bits, plus a bitmap of
 * the combinations that make no sense (GFP_ZONE_BAD). libkmm keeps the zone
 * modifiers on the kernel's bit positions (DMA 1, HIGHMEM 2, DMA32 4,
 * MOVABLE 8), so the same four bits index a plain 16-entry array here. The
 * rules it encodes: a single zone modifier names its zone; MOVABLE alone
 * means NORMAL (movable pages may still come from the normal zone); MOVABLE
 * with HIGHMEM is the only way to reach ZONE_MOVABLE; MOVABLE with DMA or
 * DMA32 keeps the low zone; any two of DMA / DMA32 / HIGHMEM is invalid. The
 * kernel BUGs on an invalid combination; we return KMM_NR_ZONES and leave
 * the decision (report and fail) to the caller.
 *
 * gfp -> migrate type. The kernel shifts the two mobility bits down so that
 * MOVABLE reads 1 and RECLAIMABLE reads 2, which are the migrate type
 * numbers. Both bits together would read 3 (MIGRATE_HIGHATOMIC), a type that
 * has no per-CPU list; the kernel only VM_WARNs about it. We return
 * MIGRATE_MOVABLE for that case instead, which keeps every caller in range.
 *
 * Text. kmm_gfp_format() prints a mask the way the kernel's "%pGg" does with
 * __def_gfpflag_names (include/trace/events/mmflags.h): walk a table of
 * names, composites with the most bits first, print each entry whose bits
 * are all still set and clear them, join with '|', print whatever is left as
 * 0x... hex. The greedy walk is why GFP_KERNEL|__GFP_HARDWALL reads as
 * GFP_USER. Only the composites libkmm defines are in the table (no
 * GFP_TRANSHUGE*, no GFP_KERNEL_ACCOUNT). The kernel prints nothing for an
 * empty mask; kmm_gfp_format() prints "0" so the text always parses back.
 * kmm_gfp_parse() accepts every name in the table plus numbers, so
 * parse(format(x)) == x for every 32-bit x.
 */
#include <errno.h>
#include <string.h>

#include <kmm/gfp.h>

/* ---- gfp_zone() / gfp_migratetype() ---------------------------------- */

#define ZONE_BAD KMM_NR_ZONES

/* Index: the four zone-modifier bits (DMA | HIGHMEM << 1 | DMA32 << 2 | MOVABLE << 3). */
static const uint8_t gfp_zone_table[16] = {
	[0x0] = KMM_ZONE_NORMAL,  /* none */
	[0x1] = KMM_ZONE_DMA,     /* DMA */
	[0x2] = KMM_ZONE_HIGHMEM, /* HIGHMEM */
	[0x3] = ZONE_BAD,         /* DMA | HIGHMEM */
	[0x4] = KMM_ZONE_DMA32,   /* DMA32 */
	[0x5] = ZONE_BAD,         /* DMA | DMA32 */
	[0x6] = ZONE_BAD,         /* DMA32 | HIGHMEM */
	[0x7] = ZONE_BAD,         /* DMA | DMA32 | HIGHMEM */
	[0x8] = KMM_ZONE_NORMAL,  /* MOVABLE */
	[0x9] = KMM_ZONE_DMA,     /* MOVABLE | DMA */
	[0xa] = KMM_ZONE_MOVABLE, /* MOVABLE | HIGHMEM */
	[0xb] = ZONE_BAD,         /* MOVABLE | DMA | HIGHMEM */
	[0xc] = KMM_ZONE_DMA32,   /* MOVABLE | DMA32 */
	[0xd] = ZONE_BAD,         /* MOVABLE | DMA | DMA32 */
	[0xe] = ZONE_BAD,         /* MOVABLE | DMA32 | HIGHMEM */
	[0xf] = ZONE_BAD,         /* all four */
};

/* The table index relies on the kernel's bit positions. */
_Static_assert(KMM_GFP_ZONEMASK == 0xf, "zone modifiers must be the low four bits");

enum kmm_zone_type kmm_gfp_zone(kmm_gfp_t gfp)
{
	return (enum kmm_zone_type)gfp_zone_table[gfp & KMM_GFP_ZONEMASK];
}

enum kmm_migratetype kmm_gfp_migratetype(kmm_gfp_t gfp)
{
	/* One test per outcome; the both-bits case is the kernel's VM_WARN. */
	if (gfp & KMM___GFP_MOVABLE)
		return KMM_MIGRATE_MOVABLE;
	if (gfp & KMM___GFP_RECLAIMABLE)
		return KMM_MIGRATE_RECLAIMABLE;
	return KMM_MIGRATE_UNMOVABLE;
}

/* ---- names ------------------------------------------------------------ */

const char *kmm_zone_name(enum kmm_zone_type zone)
{
	static const char *const names[KMM_NR_ZONES] = {
		[KMM_ZONE_DMA] = "DMA",
		[KMM_ZONE_DMA32] = "DMA32",
		[KMM_ZONE_NORMAL] = "Normal",
		[KMM_ZONE_HIGHMEM] = "HighMem",
		[KMM_ZONE_MOVABLE] = "Movable",
	};
	if ((unsigned)zone >= KMM_NR_ZONES)
		return "Invalid";
	return names[zone];
}

const char *kmm_migratetype_name(enum kmm_migratetype t)
{
	static const char *const names[KMM_MIGRATE_TYPES] = {
		[KMM_MIGRATE_UNMOVABLE] = "Unmovable",
		[KMM_MIGRATE_MOVABLE] = "Movable",
		[KMM_MIGRATE_RECLAIMABLE] = "Reclaimable",
		[KMM_MIGRATE_HIGHATOMIC] = "HighAtomic",
		[KMM_MIGRATE_ISOLATE] = "Isolate",
	};
	if ((unsigned)t >= KMM_MIGRATE_TYPES)
		return "Invalid";
	return names[t];
}

/* ---- format ----------------------------------------------------------- */

struct gfp_name {
	kmm_gfp_t mask;
	uint8_t len;      /* strlen(name), so neither walk calls strlen */
	const char *name;
};
#define GFP_NAME(mask, str) { (mask), sizeof(str) - 1, str }

/*
 * The kernel's __def_gfpflag_names order: composites with most bits first,
 * then __GFP_RECLAIM, then the single bits in TRACE_GFP_FLAGS order.
 * Entries whose bits a previous entry always consumes (__GFP_DMA after
 * GFP_DMA, __GFP_RECLAIM after GFP_NOIO) never print but still parse.
 */
static const struct gfp_name gfp_names[] = {
	GFP_NAME(KMM_GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE"),
	GFP_NAME(KMM_GFP_HIGHUSER, "GFP_HIGHUSER"),
	GFP_NAME(KMM_GFP_USER, "GFP_USER"),
	GFP_NAME(KMM_GFP_KERNEL, "GFP_KERNEL"),
	GFP_NAME(KMM_GFP_NOFS, "GFP_NOFS"),
	GFP_NAME(KMM_GFP_ATOMIC, "GFP_ATOMIC"),
	GFP_NAME(KMM_GFP_NOIO, "GFP_NOIO"),
	GFP_NAME(KMM_GFP_NOWAIT, "GFP_NOWAIT"),
	GFP_NAME(KMM_GFP_DMA, "GFP_DMA"),
	GFP_NAME(KMM_GFP_DMA32, "GFP_DMA32"),
	GFP_NAME(KMM___GFP_RECLAIM, "__GFP_RECLAIM"),
	GFP_NAME(KMM___GFP_DMA, "__GFP_DMA"),
	GFP_NAME(KMM___GFP_HIGHMEM, "__GFP_HIGHMEM"),
	GFP_NAME(KMM___GFP_DMA32, "__GFP_DMA32"),
	GFP_NAME(KMM___GFP_MOVABLE, "__GFP_MOVABLE"),
	GFP_NAME(KMM___GFP_RECLAIMABLE, "__GFP_RECLAIMABLE"),
	GFP_NAME(KMM___GFP_HIGH, "__GFP_HIGH"),
	GFP_NAME(KMM___GFP_IO, "__GFP_IO"),
	GFP_NAME(KMM___GFP_FS, "__GFP_FS"),
	GFP_NAME(KMM___GFP_ZERO, "__GFP_ZERO"),
	GFP_NAME(KMM___GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM"),
	GFP_NAME(KMM___GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM"),
	GFP_NAME(KMM___GFP_WRITE, "__GFP_WRITE"),
	GFP_NAME(KMM___GFP_NOWARN, "__GFP_NOWARN"),
	GFP_NAME(KMM___GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL"),
	GFP_NAME(KMM___GFP_NOFAIL, "__GFP_NOFAIL"),
	GFP_NAME(KMM___GFP_NORETRY, "__GFP_NORETRY"),
	GFP_NAME(KMM___GFP_MEMALLOC, "__GFP_MEMALLOC"),
	GFP_NAME(KMM___GFP_COMP, "__GFP_COMP"),
	GFP_NAME(KMM___GFP_NOMEMALLOC, "__GFP_NOMEMALLOC"),
	GFP_NAME(KMM___GFP_HARDWALL, "__GFP_HARDWALL"),
	GFP_NAME(KMM___GFP_THISNODE, "__GFP_THISNODE"),
	GFP_NAME(KMM___GFP_ACCOUNT, "__GFP_ACCOUNT"),
};
#define NR_GFP_NAMES (sizeof(gfp_names) / sizeof(gfp_names[0]))

/* snprintf-style sink: counts every byte, stores what fits (NUL kept). */
struct out {
	char *buf;
	size_t len, pos;
};

static void out_bytes(struct out *o, const char *s, size_t n)
{
	if (o->pos < o->len) {
		size_t room = o->len - 1 - o->pos; /* keep one byte for NUL */
		memcpy(o->buf + o->pos, s, n < room ? n : room);
	}
	o->pos += n;
}

static void out_hex(struct out *o, uint32_t v)
{
	char tmp[2 + 8];
	size_t n = sizeof(tmp);
	do {
		tmp[--n] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	tmp[--n] = 'x';
	tmp[--n] = '0';
	out_bytes(o, tmp + n, sizeof(tmp) - n);
}

static void out_end(struct out *o)
{
	if (o->len)
		o->buf[o->pos < o->len ? o->pos : o->len - 1] = '\0';
}

/* The kernel's format_flags() over gfp_names: greedy, '|' joined, hex rest. */
static void gfp_names_out(struct out *o, kmm_gfp_t gfp)
{
	for (size_t i = 0; gfp && i < NR_GFP_NAMES; i++) {
		kmm_gfp_t m = gfp_names[i].mask;
		if ((gfp & m) != m)
			continue;
		out_bytes(o, gfp_names[i].name, gfp_names[i].len);
		gfp &= ~m;
		if (gfp)
			out_bytes(o, "|", 1);
	}
	if (gfp)
		out_hex(o, gfp);
}

size_t kmm_gfp_format(kmm_gfp_t gfp, char *buf, size_t len)
{
	struct out o = { buf, buf ? len : 0, 0 };

	if (!gfp)
		out_bytes(&o, "0", 1);
	else
		gfp_names_out(&o, gfp);
	out_end(&o);
	return o.pos;
}

/* ---- parse ------------------------------------------------------------ */

static bool is_space(char c) { return c == ' ' || c == '\t'; }
static bool is_name_char(char c)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9');
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A number token: 0x<hex> or <decimal>, at most 32 bits. */
static bool parse_number(const char *s, size_t n, kmm_gfp_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return false;
	for (; i < n; i++) {
		int d = hex_digit(s[i]);
		if (d < 0 || (unsigned)d >= base)
			return false;
		v = v * base + (unsigned)d;
		if (v > UINT32_MAX)
			return false;
	}
	*out = (kmm_gfp_t)v;
	return true;
}

static bool parse_name(const char *s, size_t n, kmm_gfp_t *out)
{
	for (size_t i = 0; i < NR_GFP_NAMES; i++) {
		if (gfp_names[i].len == n && memcmp(gfp_names[i].name, s, n) == 0) {
			*out = gfp_names[i].mask;
			return true;
		}
	}
	return false;
}

/*
 * Grammar: term ('|' term)*, term = name | number, blanks allowed around
 * terms. The error offset is where the offending term (or the missing one)
 * starts, so a tool can point a caret at it.
 */
int kmm_gfp_parse(const char *text, size_t len, kmm_gfp_t *out, size_t *bad)
{
	kmm_gfp_t gfp = 0;
	size_t i = 0;

	if (!text) {
		len = 0;
		text = "";
	}
	for (;;) {
		size_t start, end;
		kmm_gfp_t v;

		while (i < len && is_space(text[i]))
			i++;
		start = i;
		while (i < len && is_name_char(text[i]))
			i++;
		end = i;
		if (end == start)
			goto fail;
		if (text[start] >= '0' && text[start] <= '9') {
			if (!parse_number(text + start, end - start, &v))
				goto fail;
		} else if (!parse_name(text + start, end - start, &v)) {
			goto fail;
		}
		gfp |= v;

		while (i < len && is_space(text[i]))
			i++;
		if (i == len)
			break;
		if (text[i] != '|') {
			/* "GFP_KERNEL __GFP_ZERO" or a stray character. */
			start = i;
			goto fail;
		}
		i++;
		continue;
fail:
		if (bad)
			*bad = start;
		return -EINVAL;
	}
	if (out)
		*out = gfp;
	return 0;
}
