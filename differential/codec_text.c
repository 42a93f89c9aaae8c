// SPDX-License-Identifier: MIT
/*
 * The text face of the op program: what people read and write.
 *
 *   # a comment
 *   system nodes=2 cpus=4 seed=0x1234 misuse=1
 *   zone node=0 DMA pages=1024 hole=100+20 reserved=16
 *   zone node=1 Normal pages=2048
 *   distance 0 1 20
 *   cpu_node 1 1
 *   alloc_pages buf order=3 gfp=GFP_KERNEL|__GFP_ZERO node=1
 *   free_pages buf
 *
 * docs/trace-format.md is the reference for every line kind and operand.
 * The parser is itself a fuzz target, so it treats the input as untrusted
 * bytes: it never reads past `len`, never needs a terminating NUL, copies
 * nothing into fixed-size line buffers (tokens are offsets into the text),
 * checks every number for overflow, and quotes offending bytes escaped and
 * truncated in its messages. Every error names the line and the column of
 * the token that was wrong, and what was wrong with it.
 *
 * The parser accepts exactly the programs the binary form can carry (size
 * limits, gfp validity, canonical operands; see program.h), so that text,
 * binary and memory are three views of the same set. The formatter prints
 * every header field that is not the default and one op a line, and its
 * output parses back to the same program and formats to the same text.
 *
 * Handles are names in the text and numbers in memory: each alloc_pages
 * gets the next number (1, 2, ...), and its name refers to that number
 * until it is freed; a freed name may be allocated again (new number). The
 * formatter prints handle N as hN, which parses back to the same numbers.
 *
 * Slab programs (a `slab backend=...` header line) add the object allocator
 * ops, their caches (named like handles, cN when formatted) and bulk ranges
 * (h4..h11); codec_text_slab.c parses and prints those, with the helpers
 * codec_text.h shares.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_text.h"

/* ---- output: snprintf-style sink ------------------------------------------- */

void txt_out_bytes(struct out *o, const char *s, size_t n)
{
	if (o->pos + 1 < o->cap) {
		size_t room = o->cap - 1 - o->pos;
		memcpy(o->buf + o->pos, s, n < room ? n : room);
	}
	o->pos += n;
}

void txt_out_str(struct out *o, const char *s)
{
	txt_out_bytes(o, s, strlen(s));
}

void txt_out_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		txt_out_bytes(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static size_t out_end(struct out *o)
{
	if (o->cap)
		o->buf[o->pos < o->cap ? o->pos : o->cap - 1] = '\0';
	return o->pos;
}

/* ---- formatting ----------------------------------------------------------------- */

/* "0-2,5": runs of two or more nodes as ranges. */
static void out_nodes(struct out *o, kmm_nodemask_t nodes)
{
	bool first = true;

	for (unsigned n = 0; n < 32; n++) {
		unsigned end = n;

		if (!(nodes >> n & 1))
			continue;
		while (end + 1 < 32 && (nodes >> (end + 1) & 1))
			end++;
		txt_out_fmt(o, end > n ? "%s%u-%u" : "%s%u", first ? "" : ",", n, end);
		first = false;
		n = end;
	}
}

void txt_out_gfp(struct out *o, kmm_gfp_t gfp)
{
	char tmp[1024];
	size_t n = kmm_gfp_format(gfp, tmp, sizeof(tmp));

	txt_out_bytes(o, tmp, n < sizeof(tmp) ? n : sizeof(tmp) - 1);
}

static void out_op(struct out *o, const struct kmm_op *op)
{
	if (op->code >= KMM_OP_CACHE_CREATE ||
	    (op->code == KMM_OP_MISUSE && op->mode >= KMM_MISUSE_OBJ_DOUBLE_FREE)) {
		txt_out_slab_op(o, op);
		return;
	}
	txt_out_str(o, kmm_op_name(op->code));
	switch (op->code) {
	case KMM_OP_ALLOC_PAGES:
		txt_out_fmt(o, " h%u order=%u gfp=", (unsigned)op->handle, op->order);
		txt_out_gfp(o, op->gfp);
		if (op->node >= 0)
			txt_out_fmt(o, " node=%d", op->node);
		break;
	case KMM_OP_FREE_PAGES:
	case KMM_OP_WRITE:
	case KMM_OP_VERIFY:
		txt_out_fmt(o, " h%u", (unsigned)op->handle);
		break;
	case KMM_OP_SET_CPU:
		txt_out_fmt(o, " %u", op->cpu);
		break;
	case KMM_OP_DRAIN:
		if (op->cpu == KMM_DRAIN_ALL)
			txt_out_str(o, " all");
		else
			txt_out_fmt(o, " cpu=%u", op->cpu);
		break;
	case KMM_OP_SET_POLICY:
		txt_out_fmt(o, " %s", kmm_program_mpol_name(op->mode));
		if (op->mode == KMM_MPOL_DEFAULT || op->mode == KMM_MPOL_LOCAL)
			break;
		txt_out_str(o, " nodes=");
		out_nodes(o, op->nodes);
		if (op->mode == KMM_MPOL_WEIGHTED_INTERLEAVE) {
			const char *sep = " weights=";
			for (unsigned n = 0; n < KMM_MAX_NODES; n++) {
				if (!(op->nodes >> n & 1))
					continue;
				txt_out_fmt(o, "%s%u", sep, op->weights[n]);
				sep = ",";
			}
		}
		break;
	case KMM_OP_CHECK:
		break;
	case KMM_OP_MISUSE:
		txt_out_fmt(o, " %s", kmm_misuse_name(op->mode));
		switch (op->mode) {
		case KMM_MISUSE_FOREIGN_PFN:
			txt_out_fmt(o, " arg=0x%x", (unsigned)op->arg);
			break;
		case KMM_MISUSE_WRONG_ORDER:
			txt_out_fmt(o, " h%u order=%u", (unsigned)op->handle, op->order);
			break;
		case KMM_MISUSE_TAIL_PAGE:
			txt_out_fmt(o, " h%u", (unsigned)op->handle);
			if (op->arg != 1)
				txt_out_fmt(o, " arg=%u", (unsigned)op->arg);
			break;
		case KMM_MISUSE_MISALIGNED:
			txt_out_fmt(o, " h%u arg=%u", (unsigned)op->handle, (unsigned)op->arg);
			break;
		default:
			txt_out_fmt(o, " h%u", (unsigned)op->handle);
			break;
		}
		break;
	default:
		txt_out_fmt(o, " code=%u", op->code);
		break;
	}
}

size_t kmm_op_format(const struct kmm_op *op, char *buf, size_t cap)
{
	struct out o = { buf, buf ? cap : 0, 0 };

	out_op(&o, op);
	return out_end(&o);
}

static void out_header(struct out *o, const struct kmm_program_header *h)
{
	bool distance = false;

	txt_out_fmt(o, "system nodes=%u cpus=%u seed=0x%llx", h->nr_nodes, h->nr_cpus,
		(unsigned long long)h->seed);
	if (h->pageblock_order)
		txt_out_fmt(o, " pageblock_order=%u", h->pageblock_order);
	if (h->debug_level)
		txt_out_fmt(o, " debug=%u", h->debug_level);
	if (h->flags & KMM_PROG_MISUSE)
		txt_out_str(o, " misuse=1");
	if (h->min_free_kbytes)
		txt_out_fmt(o, " min_free_kbytes=%u", (unsigned)h->min_free_kbytes);
	if (h->pcp_high || h->pcp_batch)
		txt_out_fmt(o, " pcp_high=%u pcp_batch=%u", (unsigned)h->pcp_high, (unsigned)h->pcp_batch);
	txt_out_str(o, "\n");
	txt_out_slab_header(o, h);

	for (unsigned n = 0; n < h->nr_nodes && n < KMM_MAX_NODES; n++) {
		for (unsigned z = 0; z < KMM_NR_ZONES; z++) {
			const struct kmm_zone_config *zc = &h->zones[n][z];

			if (!zc->spanned_pages)
				continue;
			txt_out_fmt(o, "zone node=%u %s pages=%u", n, kmm_zone_name((enum kmm_zone_type)z),
				(unsigned)zc->spanned_pages);
			if (zc->hole_pages)
				txt_out_fmt(o, " hole=%u+%u", (unsigned)zc->hole_start,
					(unsigned)zc->hole_pages);
			if (zc->reserved_pages)
				txt_out_fmt(o, " reserved=%u", (unsigned)zc->reserved_pages);
			txt_out_str(o, "\n");
		}
	}
	for (unsigned a = 0; a < KMM_MAX_NODES; a++)
		for (unsigned b = 0; b < KMM_MAX_NODES; b++)
			distance |= h->distance[a][b] != 0;
	if (distance)
		for (unsigned a = 0; a < h->nr_nodes && a < KMM_MAX_NODES; a++)
			for (unsigned b = a + 1; b < h->nr_nodes && b < KMM_MAX_NODES; b++)
				txt_out_fmt(o, "distance %u %u %u\n", a, b, h->distance[a][b]);
	for (unsigned c = 0; c < h->nr_cpus && c < KMM_MAX_CPUS; c++)
		if (h->cpu_node[c])
			txt_out_fmt(o, "cpu_node %u %u\n", c, h->cpu_node[c]);
}

size_t kmm_program_format(const struct kmm_program *p, uint32_t upto, char *buf, size_t cap)
{
	struct out o = { buf, buf ? cap : 0, 0 };
	uint32_t n = p->nr_ops < upto ? p->nr_ops : upto;

	if (n > KMM_PROGRAM_MAX_OPS)
		n = KMM_PROGRAM_MAX_OPS;
	out_header(&o, &p->hdr);
	if (n)
		txt_out_str(&o, "\n");
	for (uint32_t i = 0; i < n; i++) {
		out_op(&o, &p->ops[i]);
		txt_out_str(&o, "\n");
	}
	return out_end(&o);
}

/* ---- parsing: tokens and messages ------------------------------------------------ */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident(char c, bool first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && is_digit(c));
}

/* Print bytes for a message: printable ASCII as is, others as \xNN, cut at
 * QUOTE_MAX with "...". buf must hold QUOTE_MAX * 4 + 4 bytes. */
const char *txt_quote(const char *s, size_t n, char *buf)
{
	size_t j = 0;

	for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[j++] = (char)c;
		} else {
			buf[j++] = '\\';
			buf[j++] = 'x';
			buf[j++] = "0123456789abcdef"[c >> 4];
			buf[j++] = "0123456789abcdef"[c & 15];
		}
	}
	if (n > QUOTE_MAX) {
		memcpy(buf + j, "...", 3);
		j += 3;
	}
	buf[j] = '\0';
	return buf;
}

bool txt_tok_is(const struct parser *ps, struct tok t, const char *word)
{
	size_t n = strlen(word);
	return t.len == n && memcmp(ps->text + t.off, word, n) == 0;
}

static size_t col_of(const struct parser *ps, size_t off)
{
	return off - ps->line_start + 1;
}

/* "line L, column C: <message>" for the byte at off; returns -EINVAL. */
int txt_perr(struct parser *ps, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->err && ps->errlen) {
		n = snprintf(ps->err, ps->errlen, "line %u, column %zu: ", ps->line, col_of(ps, off));
		if (n >= 0 && (size_t)n < ps->errlen) {
			va_start(ap, fmt);
			vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

/* ---- numbers ------------------------------------------------------------------------ */

enum { NUM_OK, NUM_BAD, NUM_BIG };

/* Decimal or 0x hex, no sign, at most 64 bits. */
static int num_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return NUM_BAD;
	for (; i < n; i++) {
		unsigned d;
		char c = s[i];

		if (is_digit(c))
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return NUM_BAD;
		if (v > (UINT64_MAX - d) / base) {
			/* keep scanning: "12x" is bad rather than big */
			for (i++; i < n; i++)
				if (!(is_digit(s[i]) || (base == 16 && ((s[i] >= 'a' && s[i] <= 'f') ||
									(s[i] >= 'A' && s[i] <= 'F')))))
					return NUM_BAD;
			return NUM_BIG;
		}
		v = v * base + d;
	}
	*out = v;
	return NUM_OK;
}

/* A number in [lo, hi] from a token; `what` names it in messages. */
int txt_get_num(struct parser *ps, struct tok t, const char *what, uint64_t lo, uint64_t hi,
		   uint64_t *out)
{
	char q[QBUF];
	uint64_t v = 0;
	int rc = num_u64(ps->text + t.off, t.len, &v);

	if (rc == NUM_BAD)
		return txt_perr(ps, t.off, "%s '%s' is not a number", what, Q(ps, t, q));
	if (rc == NUM_BIG || v < lo || v > hi)
		return txt_perr(ps, t.off, "%s %s out of range %llu..%llu", what, Q(ps, t, q),
			    (unsigned long long)lo, (unsigned long long)hi);
	*out = v;
	return 0;
}

/* ---- key=value operands ----------------------------------------------------------------- */

/* Callers only ask for keys of their own table. */
static struct kv *kv_find(struct kv *kvs, unsigned n, const char *key) __attribute__((returns_nonnull));
static struct kv *kv_find(struct kv *kvs, unsigned n, const char *key)
{
	for (unsigned i = 1; i < n; i++)
		if (strcmp(kvs[i].key, key) == 0)
			return &kvs[i];
	return &kvs[0];
}

/*
 * Sort tokens toks[from..n) into the kvs table; tokens without '=' are
 * positional and go to pos[] (at most max_pos of them). `what` names the
 * line kind in messages.
 */
int txt_split_operands(struct parser *ps, const struct tok *toks, unsigned from, unsigned n,
			  struct kv *kvs, unsigned nkv, struct tok *pos, unsigned max_pos,
			  unsigned *npos, const char *what)
{
	char q[QBUF];

	*npos = 0;
	for (unsigned i = from; i < n; i++) {
		const char *s = ps->text + toks[i].off;
		const char *eq = memchr(s, '=', toks[i].len);
		struct tok k, v;
		unsigned j;

		if (!eq) {
			if (*npos >= max_pos)
				return txt_perr(ps, toks[i].off, "unexpected '%s' in %s", Q(ps, toks[i], q),
					    what);
			pos[(*npos)++] = toks[i];
			continue;
		}
		k.off = toks[i].off;
		k.len = (size_t)(eq - s);
		v.off = k.off + k.len + 1;
		v.len = toks[i].len - k.len - 1;
		for (j = 0; j < nkv; j++)
			if (txt_tok_is(ps, k, kvs[j].key))
				break;
		if (j == nkv)
			return txt_perr(ps, k.off, "unknown operand '%s' for %s", Q(ps, k, q), what);
		if (kvs[j].seen)
			return txt_perr(ps, k.off, "operand '%s' given twice", kvs[j].key);
		if (!v.len)
			return txt_perr(ps, k.off, "missing value for '%s'", kvs[j].key);
		kvs[j].seen = true;
		kvs[j].k = k;
		kvs[j].v = v;
	}
	return 0;
}

/* ---- handles ---------------------------------------------------------------------------- */

/* The bytes of a slot's name: in the text, or (bulk names) in the arena. */
static const char *slot_name(const struct parser *ps, const struct name_slot *s)
{
	return s->off < ps->len ? ps->text + s->off : ps->arena + (s->off - ps->len);
}

struct name_slot *txt_name_slot_str(struct parser *ps, const char *name, size_t len)
{
	uint64_t hash = 1469598103934665603ull;
	size_t i;

	for (size_t j = 0; j < len; j++)
		hash = (hash ^ (unsigned char)name[j]) * 1099511628211ull;
	for (i = (size_t)hash & (ps->nr_slots - 1);; i = (i + 1) & (ps->nr_slots - 1)) {
		struct name_slot *s = &ps->slots[i];

		if (!s->len || (s->len == len && memcmp(slot_name(ps, s), name, len) == 0))
			return s;
	}
}

struct name_slot *txt_name_slot(struct parser *ps, struct tok t)
{
	return txt_name_slot_str(ps, ps->text + t.off, t.len);
}

int txt_check_name(struct parser *ps, struct tok t)
{
	char q[QBUF];

	for (size_t i = 0; i < t.len; i++)
		if (!is_ident(ps->text[t.off + i], i == 0))
			return txt_perr(ps, t.off,
				    "bad handle name '%s' (letters, digits and '_', not starting with a digit)",
				    Q(ps, t, q));
	return 0;
}

/* The live handle a name refers to, or an error. */
int txt_use_handle(struct parser *ps, struct tok t, uint32_t *out)
{
	char q[QBUF];
	struct name_slot *s;

	if (txt_check_name(ps, t))
		return -EINVAL;
	s = txt_name_slot(ps, t);
	if (!s->len)
		return txt_perr(ps, t.off, "handle '%s' is not live", Q(ps, t, q));
	if (!ps->handles[s->handle].live)
		return txt_perr(ps, t.off, "handle '%s' is not live (freed on line %u)", Q(ps, t, q),
			    ps->handles[s->handle].free_line);
	*out = s->handle;
	return 0;
}

void txt_kill_handle(struct parser *ps, uint32_t h)
{
	if (ps->handles[h].type == TXT_COBJ && ps->caches[ps->handles[h].cache].objs)
		ps->caches[ps->handles[h].cache].objs--;
	ps->handles[h].live = false;
	ps->handles[h].free_line = ps->line;
}

/* ---- header lines ------------------------------------------------------------------------- */

static int parse_system(struct parser *ps, const struct tok *toks, unsigned n)
{
	struct kv kvs[] = { { "nodes", 0, { 0, 0 }, { 0, 0 } },
			    { "cpus", 0, { 0, 0 }, { 0, 0 } },
			    { "pageblock_order", 0, { 0, 0 }, { 0, 0 } },
			    { "seed", 0, { 0, 0 }, { 0, 0 } },
			    { "debug", 0, { 0, 0 }, { 0, 0 } },
			    { "misuse", 0, { 0, 0 }, { 0, 0 } },
			    { "min_free_kbytes", 0, { 0, 0 }, { 0, 0 } },
			    { "pcp_high", 0, { 0, 0 }, { 0, 0 } },
			    { "pcp_batch", 0, { 0, 0 }, { 0, 0 } } };
	/* kv_find falls back to kvs[0]: every lookup must use the full count. */
	const unsigned nkv = (unsigned)(sizeof(kvs) / sizeof(kvs[0]));
	struct kmm_program_header *h = &ps->p->hdr;
	struct tok pos[1];
	unsigned npos;
	uint64_t v;
	struct kv *kv;

	if (ps->system_seen)
		return txt_perr(ps, toks[0].off, "a second 'system' line");
	if (ps->header_lines)
		return txt_perr(ps, toks[0].off, "'system' must come before zone, distance and cpu_node lines");
	if (txt_split_operands(ps, toks, 1, n, kvs, nkv, pos, 0, &npos, "system"))
		return -EINVAL;
	ps->system_seen = true;
	if ((kv = kv_find(kvs, nkv, "nodes"))->seen) {
		if (txt_get_num(ps, kv->v, "nodes", 1, KMM_MAX_NODES, &v))
			return -EINVAL;
		h->nr_nodes = (uint8_t)v;
	}
	if ((kv = kv_find(kvs, nkv, "cpus"))->seen) {
		if (txt_get_num(ps, kv->v, "cpus", 1, KMM_MAX_CPUS, &v))
			return -EINVAL;
		h->nr_cpus = (uint8_t)v;
	}
	if ((kv = kv_find(kvs, nkv, "pageblock_order"))->seen) {
		if (txt_get_num(ps, kv->v, "pageblock_order", 0, KMM_MAX_ORDER, &v))
			return -EINVAL;
		if (v && v < KMM_PROGRAM_MIN_PAGEBLOCK_ORDER)
			return txt_perr(ps, kv->v.off,
				    "pageblock_order %u out of range %u..%u (or 0 for the default)",
				    (unsigned)v, KMM_PROGRAM_MIN_PAGEBLOCK_ORDER, KMM_MAX_ORDER);
		h->pageblock_order = (uint8_t)v;
	}
	if ((kv = kv_find(kvs, nkv, "seed"))->seen) {
		if (txt_get_num(ps, kv->v, "seed", 0, UINT64_MAX, &v))
			return -EINVAL;
		h->seed = v;
	}
	if ((kv = kv_find(kvs, nkv, "debug"))->seen) {
		if (txt_get_num(ps, kv->v, "debug", 0, 2, &v))
			return -EINVAL;
		h->debug_level = (uint8_t)v;
	}
	if ((kv = kv_find(kvs, nkv, "misuse"))->seen) {
		if (txt_get_num(ps, kv->v, "misuse", 0, 1, &v))
			return -EINVAL;
		h->flags = v ? KMM_PROG_MISUSE : 0;
	}
	if ((kv = kv_find(kvs, nkv, "min_free_kbytes"))->seen) {
		if (txt_get_num(ps, kv->v, "min_free_kbytes", 0, KMM_PROGRAM_MAX_MIN_FREE_KBYTES, &v))
			return -EINVAL;
		h->min_free_kbytes = (uint32_t)v;
	}
	/* The pcp sizes come as a pair (a given high with the formula's batch
	 * is no system the binary form carries); each 1..KMM_PROGRAM_MAX_PCP. */
	{
		struct kv *hi = kv_find(kvs, nkv, "pcp_high"), *ba = kv_find(kvs, nkv, "pcp_batch");

		if (hi->seen) {
			if (txt_get_num(ps, hi->v, "pcp_high", 1, KMM_PROGRAM_MAX_PCP, &v))
				return -EINVAL;
			h->pcp_high = (uint16_t)v;
		}
		if (ba->seen) {
			if (txt_get_num(ps, ba->v, "pcp_batch", 1, KMM_PROGRAM_MAX_PCP, &v))
				return -EINVAL;
			h->pcp_batch = (uint16_t)v;
		}
		if (hi->seen != ba->seen)
			return txt_perr(ps, (hi->seen ? hi : ba)->k.off,
				    "%s without %s (give both pcp sizes, or neither)",
				    hi->seen ? "pcp_high" : "pcp_batch", hi->seen ? "pcp_batch" : "pcp_high");
	}
	return 0;
}

static int zone_by_name(const struct parser *ps, struct tok t)
{
	for (unsigned z = 0; z < KMM_NR_ZONES; z++) {
		const char *name = kmm_zone_name((enum kmm_zone_type)z);
		size_t n = strlen(name), i;

		if (t.len != n)
			continue;
		for (i = 0; i < n; i++) {
			char a = ps->text[t.off + i], b = name[i];
			if (a >= 'a' && a <= 'z')
				a = (char)(a - 'a' + 'A');
			if (b >= 'a' && b <= 'z')
				b = (char)(b - 'a' + 'A');
			if (a != b)
				break;
		}
		if (i == n)
			return (int)z;
	}
	return -1;
}

static int parse_zone(struct parser *ps, const struct tok *toks, unsigned n)
{
	struct kv kvs[] = { { "node", 0, { 0, 0 }, { 0, 0 } },
			    { "pages", 0, { 0, 0 }, { 0, 0 } },
			    { "hole", 0, { 0, 0 }, { 0, 0 } },
			    { "reserved", 0, { 0, 0 }, { 0, 0 } } };
	struct kmm_program_header *h = &ps->p->hdr;
	struct kmm_zone_config zc = { 0, 0, 0, 0 };
	uint32_t cap = kmm_program_node_cap(h->nr_nodes);
	uint64_t v, spanned = 0, node = 0;
	struct tok pos[1];
	unsigned npos;
	char q[QBUF];
	struct kv *kv;
	int z;

	if (txt_split_operands(ps, toks, 1, n, kvs, 4, pos, 1, &npos, "zone"))
		return -EINVAL;
	if (!npos)
		return txt_perr(ps, toks[0].off, "zone needs a zone name (DMA, DMA32, Normal, HighMem, Movable)");
	z = zone_by_name(ps, pos[0]);
	if (z < 0)
		return txt_perr(ps, pos[0].off, "unknown zone '%s' (DMA, DMA32, Normal, HighMem, Movable)",
			    Q(ps, pos[0], q));
	if ((kv = kv_find(kvs, 4, "node"))->seen &&
	    txt_get_num(ps, kv->v, "node", 0, h->nr_nodes - 1u, &node))
		return -EINVAL;
	if (ps->zone_seen[node][z])
		return txt_perr(ps, pos[0].off, "zone %s of node %u given twice",
			    kmm_zone_name((enum kmm_zone_type)z), (unsigned)node);
	kv = kv_find(kvs, 4, "pages");
	if (!kv->seen)
		return txt_perr(ps, toks[0].off, "zone needs pages=");
	if (txt_get_num(ps, kv->v, "pages", 1, cap, &v))
		return -EINVAL;
	zc.spanned_pages = (uint32_t)v;
	for (unsigned zz = 0; zz < KMM_NR_ZONES; zz++)
		spanned += h->zones[node][zz].spanned_pages;
	if (spanned + v > cap)
		return txt_perr(ps, kv->v.off, "node %u would span %llu pages, more than %u (the limit %s)",
			    (unsigned)node, (unsigned long long)(spanned + v), (unsigned)cap,
			    h->nr_nodes == 1 ? "for a one-node program" : "for each node of this program");

	if ((kv = kv_find(kvs, 4, "hole"))->seen) {
		const char *s = ps->text + kv->v.off;
		const char *plus = memchr(s, '+', kv->v.len);
		struct tok st, ln;
		uint64_t start, len;

		if (!plus)
			return txt_perr(ps, kv->v.off, "hole needs start+length (e.g. hole=100+20), not '%s'",
				    Q(ps, kv->v, q));
		st.off = kv->v.off;
		st.len = (size_t)(plus - s);
		ln.off = st.off + st.len + 1;
		ln.len = kv->v.len - st.len - 1;
		if (zc.spanned_pages < 2)
			return txt_perr(ps, kv->v.off, "a %u-page zone has no room for a hole",
				    (unsigned)zc.spanned_pages);
		if (txt_get_num(ps, ln, "hole length", 1, zc.spanned_pages - 1u, &len) ||
		    txt_get_num(ps, st, "hole start", 0, zc.spanned_pages - len, &start))
			return -EINVAL;
		zc.hole_start = (uint32_t)start;
		zc.hole_pages = (uint32_t)len;
	}
	if ((kv = kv_find(kvs, 4, "reserved"))->seen) {
		if (txt_get_num(ps, kv->v, "reserved", 0, zc.spanned_pages - zc.hole_pages, &v))
			return -EINVAL;
		zc.reserved_pages = (uint32_t)v;
	}
	h->zones[node][z] = zc;
	ps->zone_seen[node][z] = true;
	ps->node_last_line[node] = ps->line;
	return 0;
}

static int parse_distance(struct parser *ps, const struct tok *toks, unsigned n)
{
	struct kmm_program_header *h = &ps->p->hdr;
	uint64_t a, b, d;

	if (n != 4)
		return txt_perr(ps, toks[n < 4 ? 0 : 4].off, "distance takes three numbers: node node distance");
	if (txt_get_num(ps, toks[1], "node", 0, h->nr_nodes - 1u, &a) ||
	    txt_get_num(ps, toks[2], "node", 0, h->nr_nodes - 1u, &b))
		return -EINVAL;
	if (a == b)
		return txt_perr(ps, toks[2].off, "the distance from node %u to itself is always 10",
			    (unsigned)a);
	if (ps->pair_seen[a][b])
		return txt_perr(ps, toks[1].off, "distance %u %u given twice", (unsigned)a, (unsigned)b);
	if (txt_get_num(ps, toks[3], "distance", 11, 254, &d))
		return -EINVAL;
	if (!ps->pair_seen[0][0]) { /* first line: the rest of the table defaults */
		for (unsigned x = 0; x < h->nr_nodes; x++)
			for (unsigned y = 0; y < h->nr_nodes; y++)
				h->distance[x][y] = x == y ? 10 : 20;
		ps->pair_seen[0][0] = true; /* the diagonal never appears as a pair */
	}
	h->distance[a][b] = h->distance[b][a] = (uint8_t)d;
	ps->pair_seen[a][b] = ps->pair_seen[b][a] = true;
	return 0;
}

static int parse_cpu_node(struct parser *ps, const struct tok *toks, unsigned n)
{
	struct kmm_program_header *h = &ps->p->hdr;
	uint64_t c, nid;

	if (n != 3)
		return txt_perr(ps, toks[n < 3 ? 0 : 3].off, "cpu_node takes two numbers: cpu node");
	if (txt_get_num(ps, toks[1], "cpu", 0, h->nr_cpus - 1u, &c) ||
	    txt_get_num(ps, toks[2], "node", 0, h->nr_nodes - 1u, &nid))
		return -EINVAL;
	if (ps->cpu_seen[c])
		return txt_perr(ps, toks[1].off, "cpu_node for cpu %u given twice", (unsigned)c);
	ps->cpu_seen[c] = true;
	h->cpu_node[c] = (uint8_t)nid;
	return 0;
}

/* The header is complete (first op or end of text): defaults and node checks. */
static int finish_header(struct parser *ps)
{
	struct kmm_program_header *h = &ps->p->hdr;

	ps->header_done = true;
	txt_finish_slab_header(ps);
	for (unsigned n = 0; n < h->nr_nodes; n++) {
		uint64_t managed = 0;

		if (!ps->node_last_line[n]) {
			if (h->slab_backend)
				kmm_program_slab_default_node(h, n);
			else
				kmm_program_default_node(h, n);
			continue;
		}
		for (unsigned z = 0; z < KMM_NR_ZONES; z++)
			managed += h->zones[n][z].spanned_pages - h->zones[n][z].hole_pages -
				   h->zones[n][z].reserved_pages;
		if (!managed) {
			unsigned saved = ps->line;
			size_t saved_start = ps->line_start;
			int rc;

			/* Point at the node's last zone line; its start is unknown here. */
			ps->line = ps->node_last_line[n];
			ps->line_start = 0;
			rc = txt_perr(ps, 0, "node %u has no managed pages (every present page is reserved)", n);
			ps->line = saved;
			ps->line_start = saved_start;
			return rc;
		}
	}
	return 0;
}

/* ---- ops -------------------------------------------------------------------------------------- */

static int gfp_error(struct parser *ps, struct tok v, size_t bad)
{
	char q[QBUF];
	struct tok t = { v.off + bad, 0 };

	if (bad >= v.len)
		return txt_perr(ps, v.off + v.len - 1, "missing gfp flag at the end of '%s'", Q(ps, v, q));
	while (bad + t.len < v.len && is_ident(ps->text[t.off + t.len], false))
		t.len++;
	if (!t.len)
		return txt_perr(ps, t.off, "unexpected '%s' in gfp", txt_quote(ps->text + t.off, 1, q));
	if (is_digit(ps->text[t.off]))
		return txt_perr(ps, t.off, "bad number '%s' in gfp", Q(ps, t, q));
	return txt_perr(ps, t.off, "unknown gfp flag '%s'", Q(ps, t, q));
}

int txt_get_gfp(struct parser *ps, struct tok v, kmm_gfp_t *out)
{
	char q[QBUF];
	kmm_gfp_t gfp = 0, zones;
	size_t bad = 0;

	if (kmm_gfp_parse(ps->text + v.off, v.len, &gfp, &bad))
		return gfp_error(ps, v, bad);
	if (gfp & ~KMM___GFP_BITS_MASK)
		return txt_perr(ps, v.off, "gfp '%s' has unknown bits 0x%x", Q(ps, v, q),
			    (unsigned)(gfp & ~KMM___GFP_BITS_MASK));
	zones = gfp & (KMM___GFP_DMA | KMM___GFP_DMA32 | KMM___GFP_HIGHMEM);
	if (zones & (zones - 1))
		return txt_perr(ps, v.off, "gfp '%s' names more than one of __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM",
			    Q(ps, v, q));
	if ((gfp & KMM_GFP_MOVABLE_MASK) == KMM_GFP_MOVABLE_MASK)
		return txt_perr(ps, v.off, "gfp '%s' sets both __GFP_MOVABLE and __GFP_RECLAIMABLE",
			    Q(ps, v, q));
	*out = gfp;
	return 0;
}

int txt_need_name(struct parser *ps, const struct tok *toks, unsigned npos, const char *what)
{
	if (npos)
		return 0;
	return txt_perr(ps, toks[0].off, "%s needs a handle name", what);
}

static int parse_alloc(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	struct kv kvs[] = { { "order", 0, { 0, 0 }, { 0, 0 } },
			    { "gfp", 0, { 0, 0 }, { 0, 0 } },
			    { "node", 0, { 0, 0 }, { 0, 0 } } };
	struct kmm_program *p = ps->p;
	struct tok pos[1];
	unsigned npos;
	uint64_t v;
	char q[QBUF];
	struct name_slot *s;

	if (txt_split_operands(ps, toks, 1, n, kvs, 3, pos, 1, &npos, "alloc_pages") ||
	    txt_need_name(ps, toks, npos, "alloc_pages") || txt_check_name(ps, pos[0]))
		return -EINVAL;
	op->gfp = KMM_GFP_KERNEL;
	op->node = -1;
	if (kvs[0].seen) {
		if (txt_get_num(ps, kvs[0].v, "order", 0, KMM_MAX_ORDER, &v))
			return -EINVAL;
		op->order = (uint8_t)v;
	}
	if (kvs[1].seen && txt_get_gfp(ps, kvs[1].v, &op->gfp))
		return -EINVAL;
	if (kvs[2].seen && !txt_tok_is(ps, kvs[2].v, "-1")) {
		if (num_u64(ps->text + kvs[2].v.off, kvs[2].v.len, &v) != NUM_OK ||
		    v >= p->hdr.nr_nodes)
			return txt_perr(ps, kvs[2].v.off, "node %s out of range 0..%u (or -1)",
				    Q(ps, kvs[2].v, q), p->hdr.nr_nodes - 1u);
		op->node = (int8_t)v;
	}
	s = txt_name_slot(ps, pos[0]);
	if (s->len && ps->handles[s->handle].live)
		return txt_perr(ps, pos[0].off, "handle '%s' is already live (allocated on line %u)",
			    Q(ps, pos[0], q), ps->handles[s->handle].alloc_line);
	if (p->nr_handles >= ps->max_handles)
		return txt_perr(ps, pos[0].off, "more than %u handles", KMM_PROGRAM_MAX_HANDLES);
	op->handle = ++p->nr_handles;
	s->off = pos[0].off;
	s->len = pos[0].len;
	s->handle = op->handle;
	ps->handles[op->handle].alloc_line = ps->line;
	ps->handles[op->handle].free_line = 0;
	ps->handles[op->handle].order = op->order;
	ps->handles[op->handle].type = TXT_PAGE;
	ps->handles[op->handle].size = 0;
	ps->handles[op->handle].cache = 0;
	ps->handles[op->handle].live = true;
	return 0;
}

/* free_pages / write / verify: exactly one live handle. */
static int parse_handle_op(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	char q[QBUF];
	const char *what = kmm_op_name(op->code);

	if (n < 2)
		return txt_perr(ps, toks[0].off, "%s needs a handle name", what);
	if (n > 2)
		return txt_perr(ps, toks[2].off, "unexpected '%s' after %s %s", Q(ps, toks[2], q), what,
			    "<handle>");
	if (txt_use_handle(ps, toks[1], &op->handle))
		return -EINVAL;
	if (op->code == KMM_OP_FREE_PAGES) {
		if (txt_need_page(ps, toks[1], op->handle))
			return -EINVAL;
		txt_kill_handle(ps, op->handle);
	}
	return 0;
}

static int parse_nodes(struct parser *ps, struct tok v, kmm_nodemask_t *out)
{
	unsigned nodes = ps->p->hdr.nr_nodes;
	kmm_nodemask_t mask = 0;
	size_t i = 0;

	while (i <= v.len) {
		struct tok item = { v.off + i, 0 }, a, b;
		const char *dash;
		uint64_t lo, hi;

		while (i + item.len < v.len && ps->text[item.off + item.len] != ',')
			item.len++;
		if (!item.len)
			return txt_perr(ps, item.off, "empty item in the node list");
		dash = memchr(ps->text + item.off, '-', item.len);
		a = item;
		b = item;
		if (dash) {
			a.len = (size_t)(dash - (ps->text + item.off));
			b.off = a.off + a.len + 1;
			b.len = item.len - a.len - 1;
		}
		if (txt_get_num(ps, a, "node", 0, nodes - 1u, &lo) ||
		    txt_get_num(ps, b, "node", 0, nodes - 1u, &hi))
			return -EINVAL;
		if (lo > hi)
			return txt_perr(ps, item.off, "node range %u-%u runs backwards", (unsigned)lo,
				    (unsigned)hi);
		for (uint64_t x = lo; x <= hi; x++)
			mask |= 1u << x;
		i += item.len + 1;
	}
	*out = mask;
	return 0;
}

static int parse_policy(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	struct kv kvs[] = { { "nodes", 0, { 0, 0 }, { 0, 0 } },
			    { "weights", 0, { 0, 0 }, { 0, 0 } } };
	struct tok pos[1];
	unsigned npos, mode, count = 0;
	char q[QBUF];

	if (txt_split_operands(ps, toks, 1, n, kvs, 2, pos, 1, &npos, "set_policy"))
		return -EINVAL;
	if (!npos)
		return txt_perr(ps, toks[0].off, "set_policy needs a mode (default, preferred, bind, "
					     "interleave, local, preferred_many, weighted_interleave)");
	for (mode = 0; mode < KMM_MPOL_MAX; mode++)
		if (txt_tok_is(ps, pos[0], kmm_program_mpol_name(mode)))
			break;
	if (mode == KMM_MPOL_MAX)
		return txt_perr(ps, pos[0].off, "unknown policy '%s' (default, preferred, bind, interleave, "
					    "local, preferred_many, weighted_interleave)",
			    Q(ps, pos[0], q));
	op->mode = (uint8_t)mode;
	if (mode == KMM_MPOL_DEFAULT || mode == KMM_MPOL_LOCAL) {
		if (kvs[0].seen || kvs[1].seen)
			return txt_perr(ps, kvs[0].seen ? kvs[0].k.off : kvs[1].k.off,
				    "set_policy %s takes no nodes or weights", kmm_program_mpol_name(mode));
		return 0;
	}
	if (!kvs[0].seen)
		return txt_perr(ps, pos[0].off, "set_policy %s needs nodes=", kmm_program_mpol_name(mode));
	if (parse_nodes(ps, kvs[0].v, &op->nodes))
		return -EINVAL;
	if (mode == KMM_MPOL_PREFERRED && (op->nodes & (op->nodes - 1)))
		return txt_perr(ps, kvs[0].v.off, "set_policy preferred takes exactly one node");
	if (kvs[1].seen && mode != KMM_MPOL_WEIGHTED_INTERLEAVE)
		return txt_perr(ps, kvs[1].k.off, "weights= only goes with weighted_interleave");
	if (mode != KMM_MPOL_WEIGHTED_INTERLEAVE)
		return 0;
	for (unsigned nid = 0; nid < KMM_MAX_NODES; nid++)
		if (op->nodes >> nid & 1)
			op->weights[nid] = 1; /* the kernel's default weight */
	if (!kvs[1].seen)
		return 0;
	for (size_t i = 0, nid = 0; i <= kvs[1].v.len; count++) {
		struct tok w = { kvs[1].v.off + i, 0 };
		uint64_t val;

		while (i + w.len < kvs[1].v.len && ps->text[w.off + w.len] != ',')
			w.len++;
		if (txt_get_num(ps, w, "weight", 1, 255, &val))
			return -EINVAL;
		while (nid < KMM_MAX_NODES && !(op->nodes >> nid & 1))
			nid++;
		if (nid >= KMM_MAX_NODES)
			return txt_perr(ps, w.off, "more weights than nodes in nodes=");
		op->weights[nid++] = (uint8_t)val;
		i += w.len + 1;
	}
	{
		unsigned want = 0;
		for (unsigned nid = 0; nid < KMM_MAX_NODES; nid++)
			want += op->nodes >> nid & 1;
		if (count != want)
			return txt_perr(ps, kvs[1].v.off, "%u weights for %u nodes", count, want);
	}
	return 0;
}

static int parse_drain(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	struct kv kvs[] = { { "cpu", 0, { 0, 0 }, { 0, 0 } } };
	struct tok pos[1];
	unsigned npos;
	uint64_t v;
	char q[QBUF];

	if (txt_split_operands(ps, toks, 1, n, kvs, 1, pos, 1, &npos, "drain"))
		return -EINVAL;
	if (npos && !txt_tok_is(ps, pos[0], "all"))
		return txt_perr(ps, pos[0].off, "drain takes 'all' or cpu=N, not '%s'", Q(ps, pos[0], q));
	if (npos && kvs[0].seen)
		return txt_perr(ps, kvs[0].k.off, "drain takes 'all' or cpu=N, not both");
	if (!npos && !kvs[0].seen)
		return txt_perr(ps, toks[0].off, "drain needs 'all' or cpu=N");
	if (npos) {
		op->cpu = KMM_DRAIN_ALL;
		return 0;
	}
	if (txt_get_num(ps, kvs[0].v, "cpu", 0, ps->p->hdr.nr_cpus - 1u, &v))
		return -EINVAL;
	op->cpu = (uint8_t)v;
	return 0;
}

#define SLAB_MISUSE_NAMES                                                                    \
	", obj_double_free, wrong_cache, kfree_interior, kfree_non_slab, write_past_end, " \
	"write_after_free, destroy_busy"

static int parse_misuse(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	struct kv kvs[] = { { "order", 0, { 0, 0 }, { 0, 0 } },
			    { "arg", 0, { 0, 0 }, { 0, 0 } } };
	struct tok pos[2];
	unsigned npos, kind;
	uint64_t v;
	char q[QBUF];
	struct handle_info *hi = NULL;

	if (!(ps->p->hdr.flags & KMM_PROG_MISUSE))
		return txt_perr(ps, toks[0].off, "misuse ops need misuse=1 on the system line");
	for (kind = KMM_MISUSE_OBJ_DOUBLE_FREE; n >= 2 && kind < KMM_MISUSE_COUNT; kind++) {
		if (!txt_tok_is(ps, toks[1], kmm_misuse_name(kind)))
			continue;
		op->mode = (uint8_t)kind;
		return txt_parse_slab_misuse(ps, toks, n, op);
	}
	if (txt_split_operands(ps, toks, 1, n, kvs, 2, pos, 2, &npos, "misuse"))
		return -EINVAL;
	if (!npos)
		return txt_perr(ps, toks[0].off, "misuse needs a kind (double_free, foreign_pfn, "
					     "wrong_order, tail_page, misaligned%s)",
				ps->p->hdr.slab_backend ? SLAB_MISUSE_NAMES : "");
	for (kind = 0; kind < KMM_MISUSE_OBJ_DOUBLE_FREE; kind++)
		if (txt_tok_is(ps, pos[0], kmm_misuse_name(kind)))
			break;
	if (kind == KMM_MISUSE_OBJ_DOUBLE_FREE)
		return txt_perr(ps, pos[0].off, "unknown misuse '%s' (double_free, foreign_pfn, "
					    "wrong_order, tail_page, misaligned%s)",
			    Q(ps, pos[0], q), ps->p->hdr.slab_backend ? SLAB_MISUSE_NAMES : "");
	if (ps->p->hdr.slab_backend == KMM_PROGRAM_SLAB_ALL)
		return txt_perr(ps, pos[0].off, "misuse %s is a page misuse; a kmalloc_diff program "
					    "(slab backend=all) has no pages", kmm_misuse_name(kind));
	op->mode = (uint8_t)kind;

	if (kind == KMM_MISUSE_FOREIGN_PFN) {
		if (npos > 1)
			return txt_perr(ps, pos[1].off, "misuse foreign_pfn takes no handle");
		if (kvs[0].seen)
			return txt_perr(ps, kvs[0].k.off, "order= only goes with wrong_order");
		if (kvs[1].seen && txt_get_num(ps, kvs[1].v, "arg", 0, UINT32_MAX, &v))
			return -EINVAL;
		op->arg = kvs[1].seen ? (uint32_t)v : 0;
		return 0;
	}
	if (npos < 2)
		return txt_perr(ps, pos[0].off, "misuse %s needs a handle name", kmm_misuse_name(kind));
	if (txt_use_handle(ps, pos[1], &op->handle) || txt_need_page(ps, pos[1], op->handle))
		return -EINVAL;
	hi = &ps->handles[op->handle];
	if (kvs[0].seen && kind != KMM_MISUSE_WRONG_ORDER)
		return txt_perr(ps, kvs[0].k.off, "order= only goes with wrong_order");
	if (kvs[1].seen && kind != KMM_MISUSE_TAIL_PAGE && kind != KMM_MISUSE_MISALIGNED)
		return txt_perr(ps, kvs[1].k.off, "arg= does not go with %s", kmm_misuse_name(kind));

	switch (kind) {
	case KMM_MISUSE_DOUBLE_FREE:
		txt_kill_handle(ps, op->handle);
		break;
	case KMM_MISUSE_WRONG_ORDER:
		if (!kvs[0].seen)
			return txt_perr(ps, pos[1].off, "misuse wrong_order needs order=");
		if (txt_get_num(ps, kvs[0].v, "order", 0, KMM_MAX_ORDER, &v))
			return -EINVAL;
		if (v == hi->order)
			return txt_perr(ps, kvs[0].v.off,
				    "order %u is the handle's own order; wrong_order needs another",
				    (unsigned)v);
		op->order = (uint8_t)v;
		break;
	case KMM_MISUSE_TAIL_PAGE:
		if (!hi->order)
			return txt_perr(ps, pos[1].off,
				    "tail_page needs a handle of order >= 1; '%s' has order 0",
				    Q(ps, pos[1], q));
		v = 1;
		if (kvs[1].seen && txt_get_num(ps, kvs[1].v, "arg", 1, (1u << hi->order) - 1u, &v))
			return -EINVAL;
		op->arg = (uint32_t)v;
		break;
	case KMM_MISUSE_MISALIGNED:
		if (!kvs[1].seen)
			return txt_perr(ps, pos[1].off, "misuse misaligned needs arg= (a byte offset 1..%u)",
				    KMM_PAGE_SIZE - 1u);
		if (txt_get_num(ps, kvs[1].v, "arg", 1, KMM_PAGE_SIZE - 1u, &v))
			return -EINVAL;
		op->arg = (uint32_t)v;
		break;
	default:
		break;
	}
	return 0;
}

/* ---- lines -------------------------------------------------------------------------------------- */

static int parse_op(struct parser *ps, const struct tok *toks, unsigned n)
{
	struct kmm_program *p = ps->p;
	struct kmm_op *op;
	unsigned code, mode = 0;
	char q[QBUF];

	for (code = 0; code < KMM_OP_COUNT; code++)
		if (txt_tok_is(ps, toks[0], kmm_op_name(code)))
			break;
	if (code == KMM_OP_COUNT && (txt_tok_is(ps, toks[0], "kzalloc") || txt_tok_is(ps, toks[0], "kcalloc"))) {
		code = KMM_OP_KMALLOC; /* kmalloc's modes 1 and 2 */
		mode = txt_tok_is(ps, toks[0], "kzalloc") ? 1 : 2;
	}
	if (code == KMM_OP_COUNT)
		return txt_perr(ps, toks[0].off, "unknown op '%s'", Q(ps, toks[0], q));
	if (!ps->header_done && finish_header(ps))
		return -EINVAL;
	if (p->nr_ops >= KMM_PROGRAM_MAX_OPS)
		return txt_perr(ps, toks[0].off, "more than %u ops", KMM_PROGRAM_MAX_OPS);
	if (code >= KMM_OP_CACHE_CREATE && p->hdr.slab_backend == KMM_PROGRAM_SLAB_NONE)
		return txt_perr(ps, toks[0].off, "%s needs a slab program (a 'slab backend=...' header line)",
				Q(ps, toks[0], q));
	if (p->hdr.slab_backend == KMM_PROGRAM_SLAB_ALL &&
	    (code == KMM_OP_ALLOC_PAGES || code == KMM_OP_FREE_PAGES || code == KMM_OP_DRAIN ||
	     code == KMM_OP_SET_POLICY))
		return txt_perr(ps, toks[0].off, "%s is a page op; a kmalloc_diff program (slab backend=all) "
				"has none", kmm_op_name(code));
	op = &p->ops[p->nr_ops];
	memset(op, 0, sizeof(*op));
	op->code = (uint8_t)code;
	op->mode = (uint8_t)mode;

	switch (code) {
	case KMM_OP_ALLOC_PAGES:
		if (parse_alloc(ps, toks, n, op))
			return -EINVAL;
		break;
	case KMM_OP_FREE_PAGES:
	case KMM_OP_WRITE:
	case KMM_OP_VERIFY:
		if (parse_handle_op(ps, toks, n, op))
			return -EINVAL;
		break;
	case KMM_OP_SET_CPU: {
		uint64_t v;

		if (n != 2)
			return txt_perr(ps, toks[n < 2 ? 0 : 2].off, "set_cpu takes one number: the cpu");
		if (txt_get_num(ps, toks[1], "cpu", 0, p->hdr.nr_cpus - 1u, &v))
			return -EINVAL;
		op->cpu = (uint8_t)v;
		break;
	}
	case KMM_OP_SET_POLICY:
		if (parse_policy(ps, toks, n, op))
			return -EINVAL;
		break;
	case KMM_OP_DRAIN:
		if (parse_drain(ps, toks, n, op))
			return -EINVAL;
		break;
	case KMM_OP_CHECK:
		if (n > 1)
			return txt_perr(ps, toks[1].off, "check takes no operands");
		break;
	case KMM_OP_MISUSE:
		if (parse_misuse(ps, toks, n, op))
			return -EINVAL;
		break;
	default:
		if (txt_parse_slab_op(ps, toks, n, op))
			return -EINVAL;
		break;
	}
	p->nr_ops++;
	return 0;
}

static int parse_line(struct parser *ps, size_t start, size_t end)
{
	struct tok toks[MAX_TOKENS];
	unsigned n = 0;
	size_t i = start;
	static const char *const header_kw[] = { "system", "zone", "distance", "cpu_node", "slab" };

	for (;;) {
		size_t s;

		while (i < end && is_blank(ps->text[i]))
			i++;
		if (i >= end || ps->text[i] == '#')
			break;
		s = i;
		while (i < end && !is_blank(ps->text[i]) && ps->text[i] != '#')
			i++;
		if (n == MAX_TOKENS)
			return txt_perr(ps, s, "too many words on one line (at most %u)", MAX_TOKENS);
		toks[n].off = s;
		toks[n].len = i - s;
		n++;
	}
	if (!n)
		return 0;

	for (unsigned k = 0; k < 5; k++) {
		if (!txt_tok_is(ps, toks[0], header_kw[k]))
			continue;
		if (ps->header_done)
			return txt_perr(ps, toks[0].off, "'%s' after the first op; header lines come first",
				    header_kw[k]);
		switch (k) {
		case 0:
			return parse_system(ps, toks, n);
		case 1:
			ps->header_lines = true;
			return parse_zone(ps, toks, n);
		case 2:
			ps->header_lines = true;
			return parse_distance(ps, toks, n);
		case 4:
			return txt_parse_slab_line(ps, toks, n);
		default:
			ps->header_lines = true;
			return parse_cpu_node(ps, toks, n);
		}
	}
	return parse_op(ps, toks, n);
}

int kmm_program_parse(const char *text, size_t len, struct kmm_program *out, char *err, size_t errlen)
{
	struct parser *ps;
	size_t pos = 0, lines = 1, ranges = 0, max_handles, nr_slots = 16;
	int rc = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!text)
		len = 0;
	for (const char *s = text; s && (s = memchr(s, '\n', len - (size_t)(s - text))) != NULL; s++)
		lines++;
	/* Each bulk range "a..b" may name up to KMM_PROGRAM_BULK_MAX handles. */
	for (const char *s = text; s && (s = memchr(s, '.', len - (size_t)(s - text))) != NULL; s++)
		if ((size_t)(s - text) + 1 < len && s[1] == '.')
			ranges++;
	max_handles = lines < KMM_PROGRAM_MAX_OPS ? lines : KMM_PROGRAM_MAX_OPS;
	max_handles += ranges * KMM_PROGRAM_BULK_MAX;
	if (max_handles > KMM_PROGRAM_MAX_HANDLES)
		max_handles = KMM_PROGRAM_MAX_HANDLES;
	while (nr_slots < 2 * max_handles + 2)
		nr_slots *= 2;
	/* One allocation: the parser, its name table, its handle table. */
	ps = calloc(1, sizeof(*ps) + nr_slots * sizeof(struct name_slot) +
			       (max_handles + 1) * sizeof(struct handle_info));
	if (!ps) {
		if (err && errlen)
			snprintf(err, errlen, "line 1, column 1: out of memory");
		return -ENOMEM;
	}
	ps->nr_slots = nr_slots;
	ps->max_handles = max_handles;
	ps->slots = (struct name_slot *)(ps + 1);
	ps->handles = (struct handle_info *)(ps->slots + nr_slots);
	ps->text = text;
	ps->len = len;
	ps->p = out;
	ps->err = err;
	ps->errlen = errlen;
	ps->line = 1;
	memset(&out->hdr, 0, sizeof(out->hdr));
	out->hdr.nr_nodes = 1;
	out->hdr.nr_cpus = 1;
	out->nr_ops = 0;
	out->nr_handles = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		ps->line_start = pos;
		rc = parse_line(ps, pos, end);
		if (rc)
			break;
		pos = end + 1;
		ps->line++;
	}
	if (!rc && !ps->header_done) {
		ps->line_start = pos;
		rc = finish_header(ps);
	}
	free(ps->arena);
	free(ps);
	return rc ? -EINVAL : 0;
}
