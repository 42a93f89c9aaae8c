// SPDX-License-Identifier: MIT
/*
 * Slab debug: the kernel's SLUB debugging (mm/slub.c, Documentation/mm/slub.rst)
 * for every backend that lays its objects out with struct kmm_obj_layout.
 *
 * Four flags, each optional, fixed per cache at creation:
 *   F  consistency checks: a pointer given back must be an object of its slab
 *      on a slot boundary and must not be free already.
 *   Z  red zones: red_left_pad bytes before the object and [object_size,
 *      inuse) after it hold 0xbb while the object is free and 0xcc while it
 *      is allocated. On kmalloc caches the bytes past the request,
 *      [orig_size, object_size), are red zone (0xcc) too.
 *   P  poison: a free object holds 0x6b with 0xa5 in its last byte (only when
 *      the contents are the allocator's: no ctor, not TYPESAFE_BY_RCU);
 *      padding holds 0x5a (POISON_INUSE), inside each slot after the
 *      metadata and at the end of the slab.
 *   U  user tracking: the last alloc and the last free of each object (call
 *      site, platform backtrace, simulated CPU, simulated jiffies).
 *
 * The hooks run around the backend (the common layer calls them): a new
 * slab's objects are initialised inactive, an allocation checks the free
 * object it is handed (poison, red zones) and marks it active, a free checks
 * the pointer and the object and marks it inactive again. Unlike the kernel,
 * which only checks on alloc and free with F, every debug cache checks here:
 * the backends trust their input whenever debug flags are on, so a double
 * free must never reach them. validate (validate_slab_cache) walks every
 * slab: padding, the backend's freelist walk, then each object against its
 * state until the first bad object of a slab.
 *
 * Every finding is reported in the kernel's words and repaired, and the
 * error count validate returns is the one lib/slub_kunit.c observes: each
 * BUG counts 1 and each FIX counts 1, so an overwritten byte range costs 2,
 * a corrupt free pointer 1 (it is zapped without a FIX line).
 *
 * The arena may be poisoned for ASan or Valgrind where the backend marks
 * free objects or metadata unaddressable, as KASAN does in the kernel; the
 * byte helpers below read and write it the way metadata_access_enable()
 * lets the kernel do: uninstrumented, errors off.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "slab_internal.h"
#include "../page/track.h"

/* ---- arena access ----------------------------------------------------------- */

#if defined(KMM_TRACK_ASAN)
#define DBG_NOSAN_ __attribute__((no_sanitize_address, noinline)) KMM_NO_COVERAGE
/* Byte at a time through volatile: no instrumentation, no intercepted
 * memset / memcmp behind the compiler's back. */
DBG_NOSAN_ static size_t find_inv_(const void *p, uint8_t v, size_t n)
{
	const volatile uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return i;
	return n;
}
DBG_NOSAN_ static void fill_(void *p, uint8_t v, size_t n)
{
	volatile uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = v;
}
DBG_NOSAN_ static void copy_(void *dst, const void *src, size_t n)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}
#else
static inline uint64_t load64_(const uint8_t *b)
{
	uint64_t w;
	memcpy(&w, b, sizeof(w));
	return w;
}

/* Index of the first byte of [p, p + n) that is not v, or n. */
static inline size_t find_inv_(const void *p, uint8_t v, size_t n)
{
	const uint8_t *b = p;
	const uint64_t pat = 0x0101010101010101ull * v;
	size_t i = 0;
	/* 32 bytes a step while they all match (the common case: a check
	 * that finds nothing), then words; a short tail is settled by the
	 * last (overlapping) word when it matches; bytes find the spot. */
	for (; i + 32 <= n; i += 32) {
		if (((load64_(b + i) ^ pat) | (load64_(b + i + 8) ^ pat) | (load64_(b + i + 16) ^ pat) |
		     (load64_(b + i + 24) ^ pat)) != 0)
			break;
	}
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, b + i, sizeof(w));
		if (w != pat)
			break;
	}
	if (i < n && n >= 8 && i + 8 > n && load64_(b + n - 8) == pat)
		return n;
	for (; i < n; i++)
		if (b[i] != v)
			return i;
	return n;
}
static void fill_(void *p, uint8_t v, size_t n) { memset(p, v, n); }
static void copy_(void *dst, const void *src, size_t n) { memcpy(dst, src, n); }
#endif

#if defined(KMM_TRACK_VALGRIND)
/* Free objects may be noaccess to memcheck: look at them with errors off. */
static void meta_enable_(struct kmm *k)
{
	if (k->vg_tracking)
		VALGRIND_DISABLE_ERROR_REPORTING;
}
static void meta_disable_(struct kmm *k)
{
	if (k->vg_tracking)
		VALGRIND_ENABLE_ERROR_REPORTING;
}
#else
static void meta_enable_(struct kmm *k) { (void)k; }
static void meta_disable_(struct kmm *k) { (void)k; }
#endif

static uint8_t byte_at_(const void *p)
{
	uint8_t b;
	copy_(&b, p, 1);
	return b;
}

static unsigned long long addr_(const void *p) { return (unsigned long long)(uintptr_t)p; }

/* ---- layout helpers ------------------------------------------------------- */

#define TRACK_ALLOC_ 0
#define TRACK_FREE_ 1

static bool red_zone_(const struct kmm_cache *s) { return (s->flags & KMM_SLAB_RED_ZONE) != 0; }
static bool poison_(const struct kmm_cache *s) { return (s->flags & KMM_SLAB_POISON) != 0; }
static bool store_user_(const struct kmm_cache *s)
{
	return (s->flags & KMM_SLAB_STORE_USER) && s->l.track_offset;
}
/* The kernel's __OBJECT_POISON: poison only contents nobody else owns. */
static bool object_poison_(const struct kmm_cache *s)
{
	return poison_(s) && !s->ctor && !(s->flags & KMM_SLAB_TYPESAFE_BY_RCU);
}
static bool keeps_orig_size_(const struct kmm_cache *s) { return s->l.orig_size_offset != 0; }
static bool freeptr_outside_(const struct kmm_cache *s) { return s->l.offset >= s->l.inuse; }
/* Slot bytes from the object start to the slot end (size_from_object). */
static size_t size_from_object_(const struct kmm_cache *s) { return s->l.size - s->l.red_left_pad; }

static const char *cache_name_(const struct kmm_cache *s) { return s ? s->name : "kmalloc"; }

static char *slab_base_(struct kmm *k, const struct kmm_page *slab)
{
	return (char *)k->arena + (size_t)page_to_pfn_(k, slab) * KMM_PAGE_SIZE;
}
static size_t slab_bytes_(const struct kmm_page *slab)
{
	return (size_t)KMM_PAGE_SIZE << (slab->private_ & 31);
}

static unsigned get_orig_size_(const struct kmm_cache *s, const void *obj)
{
	uint32_t v;
	if (!keeps_orig_size_(s))
		return s->l.object_size;
	copy_(&v, (const char *)obj + s->l.orig_size_offset, sizeof(v));
	/* A clobbered record must not send the checks outside the object. */
	return v <= s->l.object_size ? v : s->l.object_size;
}
static void set_orig_size_(const struct kmm_cache *s, void *obj, size_t orig)
{
	uint32_t v;
	if (!keeps_orig_size_(s))
		return;
	v = (uint32_t)(orig < s->l.object_size ? orig : s->l.object_size);
	copy_((char *)obj + s->l.orig_size_offset, &v, sizeof(v));
}

static uintptr_t read_freeptr_word_(const struct kmm_cache *s, const void *obj)
{
	uintptr_t w;
	copy_(&w, (const char *)obj + s->l.offset, sizeof(w));
	return w;
}

static uint64_t jiffies_(struct kmm *k)
{
	return k->slab ? __atomic_load_n(&k->slab->jiffies, __ATOMIC_RELAXED) : 0;
}

/* ---- reports -------------------------------------------------------------- */

/*
 * One report being built. Text is only made when a sink will read it; the
 * report is counted either way (kmm_report). Long texts (hex dumps of big
 * objects) get a metadata buffer sized from a hint; if that fails the text
 * is cut short rather than lost.
 */
struct dbg_report {
	struct kmm_text t;
	bool on;        /* a sink is installed: build the text */
	size_t heap_cap; /* t.buf came from meta_alloc */
	char stack[1024];
};

#define BANNER_EQ_ "============================================================================="
#define BANNER_DASH_ "-----------------------------------------------------------------------------"

static void rep_init_(struct kmm *k, struct dbg_report *r, size_t hint)
{
	r->on = k->cfg.sink.emit != NULL;
	r->heap_cap = 0;
	r->t.len = 0;
	r->t.truncated = false;
	r->t.buf = NULL;
	r->t.cap = 0;
	if (!r->on)
		return;
	if (hint > sizeof(r->stack)) {
		r->t.buf = k->plat->meta_alloc(k->plat->ctx, hint);
		if (r->t.buf)
			r->heap_cap = r->t.cap = hint;
	}
	if (!r->t.buf) {
		r->t.buf = r->stack;
		r->t.cap = sizeof(r->stack);
	}
	r->t.buf[0] = '\0';
}

static void rep_emit_(struct kmm *k, struct dbg_report *r, const struct kmm_cache *s)
{
	if (r->on)
		kmm_report(k, KMM_REPORT_SLAB, "%s", r->t.buf);
	else
		kmm_report(k, KMM_REPORT_SLAB, "BUG %s", cache_name_(s));
	if (r->heap_cap)
		k->plat->meta_free(k->plat->ctx, r->t.buf, r->heap_cap);
	r->heap_cap = 0;
}

static void rep_banner_(struct dbg_report *r, const struct kmm_cache *s, const char *what)
{
	kmm_text_printf(&r->t, "%s\nBUG %s: %s\n%s\n\n", BANNER_EQ_, cache_name_(s), what, BANNER_DASH_);
}

/* The kernel's print_hex_dump(DUMP_PREFIX_ADDRESS, 16 bytes a row, 1 byte
 * groups, ASCII): "<text><address>: bb bb ...  ........" */
static void print_section_(struct dbg_report *r, const char *text, const void *addr, size_t len)
{
	const uint8_t *p = addr;
	if (!r->on)
		return;
	for (size_t row = 0; row < len; row += 16) {
		char hex[16 * 3 + 2], ascii[17];
		size_t n = len - row < 16 ? len - row : 16, h = 0;
		for (size_t i = 0; i < n; i++) {
			uint8_t b = byte_at_(p + row + i);
			h += (size_t)snprintf(hex + h, sizeof(hex) - h, i ? " %02x" : "%02x", b);
			ascii[i] = b >= 0x20 && b < 0x7f ? (char)b : '.';
		}
		ascii[n] = '\0';
		kmm_text_printf(&r->t, "%s%016llx: %-49s%s\n", text, addr_(p + row), hex, ascii);
	}
}

/* Report text room for a trailer of s: a row of dump is under 100 bytes. */
static size_t trailer_hint_(const struct kmm_cache *s)
{
	size_t rows = 16;
	if (s) {
		size_t obj = s->l.object_size < KMM_PAGE_SIZE ? s->l.object_size : KMM_PAGE_SIZE;
		rows += (s->l.size - s->l.object_size + obj) / 16 + 8;
	}
	return 1024 + rows * 100 + 2 * (SLAB_TRACK_FRAMES + 1) * 48;
}

static void print_track_(struct kmm *k, struct dbg_report *r, const char *what, const struct kmm_cache *s,
			 const void *obj, unsigned which)
{
	struct kmm_slab_track t;
	copy_(&t, (const char *)obj + s->l.track_offset + which * sizeof(t), sizeof(t));
	if (!t.addr)
		return;
	kmm_text_printf(&r->t, "INFO: %s in 0x%llx age=%llu cpu=%u pid=%u\n", what, (unsigned long long)t.addr,
			(unsigned long long)(jiffies_(k) - t.when), t.cpu, t.pid);
	for (unsigned i = 0; i < SLAB_TRACK_FRAMES && t.frames[i]; i++)
		kmm_text_printf(&r->t, "\t0x%llx\n", (unsigned long long)t.frames[i]);
}

static void print_slab_info_(struct kmm *k, struct dbg_report *r, const struct kmm_page *slab)
{
	static const char *const names[] = { "buddy", "head", "tail", "reserved", "hole",
					     "pcp", "allocated", "slab", "large_kmalloc" };
	char fl[128];
	size_t n = 0;
	fl[0] = '\0';
	for (unsigned b = 0; b < sizeof(names) / sizeof(names[0]); b++)
		if (slab->flags & (1u << b))
			n += (size_t)snprintf(fl + n, sizeof(fl) - n, "%s|", names[b]);
	snprintf(fl + n, sizeof(fl) - n, "node=%u|zone=%u", slab->node, slab->zone);
	kmm_text_printf(&r->t, "INFO: Slab 0x%llx objects=%u used=%u fp=0x%llx flags=0x%x(%s)\n",
			addr_(slab_base_(k, slab)), slab->slab.objects, slab->slab.inuse,
			addr_(slab->slab.freelist), slab->flags, fl);
}

/* The kernel's print_trailer(): what is known about obj, then its slot in hex. */
static void print_trailer_(struct kmm *k, struct dbg_report *r, const struct kmm_cache *s,
			   const struct kmm_page *slab, const void *obj)
{
	const char *p = obj;
	const char *addr = slab ? slab_base_(k, slab) : NULL;
	if (!r->on)
		return;
	if (!s) {
		kmm_text_printf(&r->t, "INFO: Object 0x%llx @offset=%llu\n\n", addr_(p),
				addr ? (unsigned long long)(p - addr) : 0ull);
		return;
	}
	if (store_user_(s)) {
		print_track_(k, r, "Allocated", s, obj, TRACK_ALLOC_);
		print_track_(k, r, "Freed", s, obj, TRACK_FREE_);
	}
	if (slab)
		print_slab_info_(k, r, slab);
	kmm_text_printf(&r->t, "INFO: Object 0x%llx @offset=%llu fp=0x%llx\n\n", addr_(p),
			addr ? (unsigned long long)(p - addr) : 0ull, (unsigned long long)read_freeptr_word_(s, obj));
	if (red_zone_(s))
		print_section_(r, "Redzone  ", p - s->l.red_left_pad, s->l.red_left_pad);
	else if (addr && p > addr + 16)
		print_section_(r, "Bytes b4 ", p - 16, 16);
	print_section_(r, "Object   ", p, s->l.object_size < KMM_PAGE_SIZE ? s->l.object_size : KMM_PAGE_SIZE);
	if (red_zone_(s))
		print_section_(r, "Redzone  ", p + s->l.object_size, s->l.inuse - s->l.object_size);
	if (s->l.meta_end < size_from_object_(s))
		print_section_(r, "Padding  ", p + s->l.meta_end, size_from_object_(s) - s->l.meta_end);
}

/* object_err() with an optional FIX line: one report. */
static void object_err_(struct kmm *k, const struct kmm_cache *s, const struct kmm_page *slab, const void *obj,
			const char *reason, const char *fix_fmt, ...) __attribute__((format(printf, 6, 7)));
static void object_err_(struct kmm *k, const struct kmm_cache *s, const struct kmm_page *slab, const void *obj,
			const char *reason, const char *fix_fmt, ...)
{
	struct dbg_report r;
	rep_init_(k, &r, trailer_hint_(s));
	if (r.on) {
		rep_banner_(&r, s, reason);
		print_trailer_(k, &r, s, slab, obj);
		if (fix_fmt) {
			va_list ap;
			char fix[160];
			va_start(ap, fix_fmt);
			vsnprintf(fix, sizeof(fix), fix_fmt, ap);
			va_end(ap);
			kmm_text_printf(&r.t, "FIX %s: %s\n", cache_name_(s), fix);
		}
	}
	rep_emit_(k, &r, s);
}

void slab_object_err_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj,
		      const char *reason, const char *fix)
{
	if (!slab)
		slab = slab_virt_to_head_(k, obj);
	meta_enable_(k);
	if (fix)
		object_err_(k, s, slab, obj, reason, "%s", fix);
	else
		object_err_(k, s, slab, obj, reason, NULL);
	meta_disable_(k);
}

void slab_err_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const char *fix, const char *fmt, ...)
{
	struct dbg_report r;
	rep_init_(k, &r, 1024);
	if (r.on) {
		char what[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		rep_banner_(&r, s, what);
		if (slab)
			print_slab_info_(k, &r, slab);
		if (fix)
			kmm_text_printf(&r.t, "FIX %s: %s\n", cache_name_(s), fix);
	}
	rep_emit_(k, &r, s);
}

void slab_bug_(struct kmm *k, struct kmm_cache *s, const char *fmt, ...)
{
	char small[512], *text = small, *info;
	size_t heap = 0; /* bytes of text when it came from meta_alloc */
	struct dbg_report r;
	va_list ap;
	int n;

	if (!k->cfg.sink.emit) {
		kmm_report(k, KMM_REPORT_SLAB, "BUG %s", cache_name_(s));
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		small[0] = '\0';
		n = 0;
	}
	if ((size_t)n >= sizeof(small)) {
		char *big = k->plat->meta_alloc(k->plat->ctx, (size_t)n + 1);
		if (big) {
			va_start(ap, fmt);
			vsnprintf(big, (size_t)n + 1, fmt, ap);
			va_end(ap);
			text = big;
			heap = (size_t)n + 1;
		}
	}
	/* The first line says what went wrong; the rest are INFO lines. */
	info = strchr(text, '\n');
	if (info)
		*info++ = '\0';
	rep_init_(k, &r, strlen(text) + (info ? strlen(info) : 0) + 256);
	rep_banner_(&r, s, text);
	if (info && *info) {
		size_t len = strlen(info);
		kmm_text_printf(&r.t, "%s%s", info, info[len - 1] == '\n' ? "" : "\n");
	}
	rep_emit_(k, &r, s);
	if (heap)
		k->plat->meta_free(k->plat->ctx, text, heap);
}

void slab_fix_(struct kmm *k, struct kmm_cache *s, const char *fmt, ...)
{
	char fix[256];
	va_list ap;
	if (!k->cfg.sink.emit) {
		kmm_report(k, KMM_REPORT_SLAB, "FIX %s", cache_name_(s));
		return;
	}
	va_start(ap, fmt);
	vsnprintf(fix, sizeof(fix), fmt, ap);
	va_end(ap);
	kmm_report(k, KMM_REPORT_SLAB, "FIX %s: %s\n", cache_name_(s), fix);
}

/*
 * check_bytes_and_report(): [start, start + bytes) should all be value.
 * Reports the span from the first wrong byte to the last, restores it, and
 * returns the errors counted (0, or 2: the BUG and the FIX). The trailer is
 * printed for the first finding of an object only (*trailer then false).
 */
static long check_bytes_found_(struct kmm *k, const struct kmm_cache *s, const struct kmm_page *slab,
			       const void *obj, const char *what, uint8_t *b, size_t i, uint8_t value, size_t bytes,
			       bool *trailer);

/* The scan inline, the report (rare, with its large frame) out of line. */
static inline long check_bytes_(struct kmm *k, const struct kmm_cache *s, const struct kmm_page *slab,
				const void *obj, const char *what, void *start, uint8_t value, size_t bytes,
				bool *trailer)
{
	size_t i = find_inv_(start, value, bytes);
	if (kmm_likely(i == bytes))
		return 0;
	return check_bytes_found_(k, s, slab, obj, what, start, i, value, bytes, trailer);
}

__attribute__((noinline)) static long check_bytes_found_(struct kmm *k, const struct kmm_cache *s,
							 const struct kmm_page *slab, const void *obj,
							 const char *what, uint8_t *b, size_t i, uint8_t value,
							 size_t bytes, bool *trailer)
{
	uint8_t *fault, *end;
	struct dbg_report r;

	fault = b + i;
	end = b + bytes;
	while (end > fault && byte_at_(end - 1) == value)
		end--;

	rep_init_(k, &r, *trailer && obj ? trailer_hint_(s) : 1024);
	if (r.on) {
		const char *addr = slab ? slab_base_(k, slab) : (const char *)fault;
		char what_buf[96];
		snprintf(what_buf, sizeof(what_buf), "%s overwritten", what);
		rep_banner_(&r, s, what_buf);
		kmm_text_printf(&r.t, "INFO: 0x%llx-0x%llx @offset=%llu. First byte 0x%x instead of 0x%x\n",
				addr_(fault), addr_(end - 1), (unsigned long long)((const char *)fault - addr),
				byte_at_(fault), value);
		if (*trailer && obj)
			print_trailer_(k, &r, s, slab, obj);
		kmm_text_printf(&r.t, "FIX %s: Restoring %s 0x%llx-0x%llx=0x%x\n", cache_name_(s), what,
				addr_(fault), addr_(end - 1), value);
	}
	rep_emit_(k, &r, s);
	*trailer = false;
	fill_(fault, value, (size_t)(end - fault));
	return 2;
}

bool slab_check_bytes_(struct kmm *k, struct kmm_cache *s, const char *what, const void *obj, const void *start,
		       uint8_t value, size_t bytes)
{
	bool trailer = true;
	long e;
	meta_enable_(k);
	e = check_bytes_(k, s, slab_virt_to_head_(k, start), obj, what, (void *)(uintptr_t)start, value, bytes,
			 &trailer);
	meta_disable_(k);
	return e == 0;
}

/* ---- object state ----------------------------------------------------------- */

/*
 * The kernel's init_object(): red zones to val; with poison, the object (or,
 * for an active kmalloc object with Z, the request only) to 0x6b..0xa5, the
 * kmalloc tail past the request then red zone too.
 */
static void init_object_(const struct kmm_cache *s, void *obj, uint8_t val)
{
	uint8_t *p = obj;
	size_t poison_size = s->l.object_size;

	if (red_zone_(s)) {
		fill_(p - s->l.red_left_pad, val, s->l.red_left_pad);
		if (keeps_orig_size_(s) && val == KMM_SLUB_RED_ACTIVE)
			poison_size = get_orig_size_(s, obj);
	}
	if (object_poison_(s) && poison_size) {
		fill_(p, KMM_POISON_FREE, poison_size - 1);
		fill_(p + poison_size - 1, KMM_POISON_END, 1);
	}
	if (red_zone_(s))
		fill_(p + poison_size, val, s->l.inuse - poison_size);
}

static void set_track_(struct kmm *k, const struct kmm_cache *s, void *obj, unsigned which, uintptr_t caller)
{
	struct kmm_slab_track t;
	memset(&t, 0, sizeof(t));
	t.addr = caller;
	if (k->plat->backtrace) {
		/* Our own frames sit on top: start the record at the caller's
		 * frame when the backtrace shows it, else past ours. */
		uintptr_t frames[SLAB_TRACK_FRAMES + 8];
		int n = k->plat->backtrace(k->plat->ctx, frames, (int)(sizeof(frames) / sizeof(frames[0])));
		int from = n > 2 ? 2 : n;
		for (int i = 0; i < n; i++)
			if (frames[i] == caller) {
				from = i;
				break;
			}
		for (int i = from, j = 0; i < n && j < SLAB_TRACK_FRAMES; i++, j++)
			t.frames[j] = frames[i];
	}
	t.when = jiffies_(k);
	t.cpu = current_cpu_(k);
	t.pid = 0;
	copy_((char *)obj + s->l.track_offset + which * sizeof(t), &t, sizeof(t));
}

/* Where obj would sit in slab: true when it is a slot's object start. */
static bool valid_object_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj)
{
	const struct kmm_slab_ops *ops = k->slab->ops;
	const char *base, *first;
	size_t bytes, off;

	if (!slab || !(slab->flags & PG_slab))
		return false;
	/* SLOB's pages belong to no one cache: it knows its blocks. */
	if (ops->owns_object)
		return ops->owns_object(k, s, slab, obj);
	if (slab->slab.cache != s)
		return false;
	if (!ops->slab_first)
		return true;
	base = slab_base_(k, slab);
	bytes = slab_bytes_(slab);
	first = ops->slab_first(k, s, slab);
	if ((const char *)obj < first + s->l.red_left_pad || first < base || first > base + bytes)
		return false;
	off = (size_t)((const char *)obj - s->l.red_left_pad - first);
	if (off % s->l.size)
		return false;
	if (slab->slab.objects && off / s->l.size >= slab->slab.objects)
		return false;
	return off + s->l.size <= bytes - (size_t)(first - base);
}

static bool red_zones_all_(const struct kmm_cache *s, const void *obj, uint8_t val)
{
	const uint8_t *p = obj;
	return find_inv_(p - s->l.red_left_pad, val, s->l.red_left_pad) == s->l.red_left_pad &&
	       find_inv_(p + s->l.object_size, val, s->l.inuse - s->l.object_size) ==
		       s->l.inuse - s->l.object_size;
}

/*
 * Is obj (a valid object of slab) free? With red zones an active pair
 * settles it at once; otherwise the backend knows; a backend that can't
 * tell leaves the inactive red zones as the only witness.
 */
static bool object_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, const void *obj)
{
	const struct kmm_slab_ops *ops = k->slab->ops;
	if (red_zone_(s) && red_zones_all_(s, obj, KMM_SLUB_RED_ACTIVE))
		return false;
	if (ops->object_is_free)
		return ops->object_is_free(k, s, slab, obj);
	return red_zone_(s) && red_zones_all_(s, obj, KMM_SLUB_RED_INACTIVE);
}

/*
 * The kernel's check_object() for an object in state val (0xbb free, 0xcc
 * allocated): every region is checked and repaired; returns the errors.
 */
static long check_object_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj, uint8_t val)
{
	const struct kmm_slab_ops *ops = k->slab->ops;
	uint8_t *p = obj;
	bool trailer = true;
	long e = 0;

	if (red_zone_(s)) {
		e += check_bytes_(k, s, slab, obj, "Left Redzone", p - s->l.red_left_pad, val, s->l.red_left_pad,
				  &trailer);
		e += check_bytes_(k, s, slab, obj, "Right Redzone", p + s->l.object_size, val,
				  s->l.inuse - s->l.object_size, &trailer);
		if (keeps_orig_size_(s) && val == KMM_SLUB_RED_ACTIVE) {
			unsigned orig = get_orig_size_(s, obj);
			if (orig < s->l.object_size)
				e += check_bytes_(k, s, slab, obj, "kmalloc Redzone", p + orig, val,
						  s->l.object_size - orig, &trailer);
		}
	} else if (poison_(s) && s->l.object_size < s->l.inuse) {
		e += check_bytes_(k, s, slab, obj, "Alignment padding", p + s->l.object_size, KMM_POISON_INUSE,
				  s->l.inuse - s->l.object_size, &trailer);
	}

	if (poison_(s)) {
		if (val != KMM_SLUB_RED_ACTIVE && object_poison_(s) && s->l.object_size) {
			e += check_bytes_(k, s, slab, obj, "Poison", p, KMM_POISON_FREE, s->l.object_size - 1,
					  &trailer);
			e += check_bytes_(k, s, slab, obj, "End Poison", p + s->l.object_size - 1, KMM_POISON_END, 1,
					  &trailer);
		}
		/* A backend that keeps no free pointer leaves the word it
		 * would take as padding. */
		if (ops->no_freeptr && freeptr_outside_(s))
			e += check_bytes_(k, s, slab, obj, "Object padding", p + s->l.offset, KMM_POISON_INUSE,
					  sizeof(uintptr_t), &trailer);
		if (s->l.meta_end < size_from_object_(s))
			e += check_bytes_(k, s, slab, obj, "Object padding", p + s->l.meta_end, KMM_POISON_INUSE,
					  size_from_object_(s) - s->l.meta_end, &trailer);
	}

	/* The free pointer is the backend's: it says whether it is sane. An
	 * allocated object's word inside the object is user data. */
	if (ops->freeptr_ok && (freeptr_outside_(s) || val != KMM_SLUB_RED_ACTIVE) &&
	    !ops->freeptr_ok(k, s, slab, obj, false)) {
		object_err_(k, s, slab, obj, "Freepointer corrupt", NULL);
		ops->freeptr_ok(k, s, slab, obj, true);
		e += 1;
	}
	return e;
}

long slab_debug_check_object_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj, bool active)
{
	long e;
	if (!slab)
		slab = slab_virt_to_head_(k, obj);
	meta_enable_(k);
	e = check_object_(k, s, slab, obj, active ? KMM_SLUB_RED_ACTIVE : KMM_SLUB_RED_INACTIVE);
	meta_disable_(k);
	return e;
}

/* ---- the hooks ------------------------------------------------------------ */

void slab_debug_init_object_(struct kmm *k, struct kmm_cache *s, void *obj)
{
	if (!(s->flags & (KMM_SLAB_RED_ZONE | KMM_SLAB_POISON | KMM_SLAB_STORE_USER)))
		return;
	meta_enable_(k);
	init_object_(s, obj, KMM_SLUB_RED_INACTIVE);
	if (store_user_(s))
		fill_((char *)obj + s->l.track_offset, 0, 2 * sizeof(struct kmm_slab_track));
	meta_disable_(k);
}

void slab_debug_alloc_(struct kmm *k, struct kmm_cache *s, void *obj, size_t orig_size, uintptr_t caller)
{
	struct kmm_page *slab;

	if (!obj || !slab_debug_on_(s))
		return;
	slab = slab_virt_to_head_(k, obj);
	meta_enable_(k);
	if (!valid_object_(k, s, slab, obj)) {
		/* The backend handed out something that is no object of s:
		 * say so and touch nothing around it. */
		if (slab && (slab->flags & PG_slab))
			object_err_(k, s, slab, obj, "Freelist Pointer check fails", NULL);
		else
			slab_err_(k, s, NULL, NULL, "Freelist Pointer check fails: 0x%llx is in no slab", addr_(obj));
		meta_disable_(k);
		return;
	}
	/* A free object: anything the user wrote after freeing it, or past
	 * a neighbour's end, shows here. Backends with owns_object (SLOB)
	 * keep no free objects: their free space is shared and holds their
	 * own headers. */
	if (!k->slab->ops->owns_object)
		check_object_(k, s, slab, obj, KMM_SLUB_RED_INACTIVE);
	set_orig_size_(s, obj, orig_size);
	init_object_(s, obj, KMM_SLUB_RED_ACTIVE);
	if (store_user_(s))
		set_track_(k, s, obj, TRACK_ALLOC_, caller);
	meta_disable_(k);
}

bool slab_debug_free_(struct kmm *k, struct kmm_cache *s, struct kmm_page *slab, void *obj, uintptr_t caller)
{
	if (!slab_debug_on_(s))
		return true;
	if (!slab)
		slab = slab_virt_to_head_(k, obj);
	meta_enable_(k);
	if (!slab || !(slab->flags & PG_slab)) {
		slab_err_(k, s, slab, NULL, "Attempt to free object(0x%llx) outside of slab", addr_(obj));
		meta_disable_(k);
		return false;
	}
	if (slab->slab.cache != s && !k->slab->ops->owns_object) {
		object_err_(k, s, slab, obj, "page slab pointer corrupt.", "Object at 0x%llx not freed",
			    addr_(obj));
		meta_disable_(k);
		return false;
	}
	if (!valid_object_(k, s, slab, obj)) {
		/* SLOB's owns_object also says no to a free block start. */
		if (k->slab->ops->owns_object && k->slab->ops->object_is_free &&
		    k->slab->ops->object_is_free(k, s, slab, obj))
			object_err_(k, s, slab, obj, "Object already free", "Object at 0x%llx not freed", addr_(obj));
		else {
			char fix[64];
			snprintf(fix, sizeof(fix), "Object at 0x%llx not freed", addr_(obj));
			slab_err_(k, s, slab, fix, "Invalid object pointer 0x%llx", addr_(obj));
		}
		meta_disable_(k);
		return false;
	}
	if (object_free_(k, s, slab, obj)) {
		object_err_(k, s, slab, obj, "Object already free", "Object at 0x%llx not freed", addr_(obj));
		meta_disable_(k);
		return false;
	}
	check_object_(k, s, slab, obj, KMM_SLUB_RED_ACTIVE);
	if (store_user_(s))
		set_track_(k, s, obj, TRACK_FREE_, caller);
	init_object_(s, obj, KMM_SLUB_RED_INACTIVE);
	meta_disable_(k);
	return true;
}

size_t slab_debug_orig_size_(struct kmm *k, struct kmm_cache *s, const void *obj)
{
	size_t v;
	meta_enable_(k);
	v = get_orig_size_(s, obj);
	meta_disable_(k);
	return v;
}

void slab_debug_ksize_(struct kmm *k, struct kmm_cache *s, void *obj)
{
	if (!keeps_orig_size_(s))
		return;
	meta_enable_(k);
	set_orig_size_(s, obj, s->l.object_size);
	meta_disable_(k);
}

void slab_debug_krealloc_(struct kmm *k, struct kmm_cache *s, void *obj, size_t new_size)
{
	if (!keeps_orig_size_(s))
		return;
	if (new_size > s->l.object_size)
		new_size = s->l.object_size;
	meta_enable_(k);
	set_orig_size_(s, obj, new_size);
	if (red_zone_(s))
		fill_((char *)obj + new_size, KMM_SLUB_RED_ACTIVE, s->l.object_size - new_size);
	meta_disable_(k);
}

/* ---- validate --------------------------------------------------------------- */

struct validate_ctx {
	long errors;
};

/* slab_pad_check(): the slab's bytes outside every slot hold POISON_INUSE. */
static long slab_pad_check_(struct kmm *k, struct kmm_cache *s, const struct kmm_slab_walk *w)
{
	size_t len = (size_t)(w->pad_end - w->pad_start), i;
	uint8_t *fault, *end;
	struct dbg_report r;

	if (!poison_(s) || w->pad_end <= w->pad_start)
		return 0;
	i = find_inv_(w->pad_start, KMM_POISON_INUSE, len);
	if (i == len)
		return 0;
	fault = (uint8_t *)w->pad_start + i;
	end = (uint8_t *)w->pad_end;
	while (end > fault && byte_at_(end - 1) == KMM_POISON_INUSE)
		end--;
	rep_init_(k, &r, 1024 + (len / 16 + 2) * 100);
	if (r.on) {
		char what[128];
		snprintf(what, sizeof(what), "Padding overwritten. 0x%llx-0x%llx @offset=%llu", addr_(fault),
			 addr_(end - 1), (unsigned long long)((char *)fault - w->base));
		rep_banner_(&r, s, what);
		print_slab_info_(k, &r, w->slab);
		print_section_(&r, "Padding ", w->pad_start, len);
		kmm_text_printf(&r.t, "FIX %s: Restoring slab padding 0x%llx-0x%llx=0x%x\n", s->name, addr_(fault),
				addr_(end - 1), KMM_POISON_INUSE);
	}
	rep_emit_(k, &r, s);
	fill_(fault, KMM_POISON_INUSE, (size_t)(end - fault));
	return 2;
}

/* validate_slab(): check_slab (the page and its padding), the freelist, then
 * each object against its state until the first bad one. */
static int validate_slab_(struct kmm *k, struct kmm_cache *s, const struct kmm_slab_walk *w, void *arg)
{
	const struct kmm_slab_ops *ops = k->slab->ops;
	struct validate_ctx *v = arg;
	bool cleared = false;

	if (!(w->slab->flags & PG_slab) || w->slab->slab.cache != s) {
		slab_err_(k, s, w->slab, NULL, "Not a valid slab page");
		v->errors++;
		return 0;
	}
	if (w->slab->slab.inuse > w->slab->slab.objects) {
		slab_err_(k, s, w->slab, NULL, "inuse %u > max %u", w->slab->slab.inuse, w->slab->slab.objects);
		v->errors++;
		return 0;
	}
	v->errors += slab_pad_check_(k, s, w);
	if (ops->validate_freelist)
		v->errors += ops->validate_freelist(k, s, w->slab, &cleared);
	if (cleared || !ops->object_is_free)
		return 0;
	for (unsigned i = 0; i < w->nr_objects; i++) {
		void *obj = slab_slot_object_(s, w->first, i);
		bool is_free = ops->object_is_free(k, s, w->slab, obj);
		long e = check_object_(k, s, w->slab, obj, is_free ? KMM_SLUB_RED_INACTIVE : KMM_SLUB_RED_ACTIVE);
		if (e) {
			v->errors += e;
			break;
		}
	}
	return 0;
}

long slab_debug_validate_(struct kmm *k, struct kmm_cache *s)
{
	const struct kmm_slab_ops *ops;
	struct validate_ctx v = { 0 };

	if (!k->slab || !s)
		return 0;
	ops = k->slab->ops;
	if (ops->validate)
		return ops->validate(k, s);
	if (!ops->for_each_slab)
		return 0;
	meta_enable_(k);
	ops->for_each_slab(k, s, validate_slab_, &v);
	meta_disable_(k);
	return v.errors;
}
