// SPDX-License-Identifier: MIT
/*
 * The text face of slab programs: the `slab` header line and the object
 * allocator ops (docs/trace-format.md has the reference).
 *
 *   slab backend=slub debug=FZPU features=hardened|random
 *   cache_create c1 size=192 align=64 flags=SLAB_HWCACHE_ALIGN|SLAB_RED_ZONE ctor
 *   cache_alloc h3 c1 gfp=GFP_KERNEL node=0
 *   cache_alloc_bulk h4..h11 c1 gfp=GFP_KERNEL
 *   cache_free_bulk c1 h4..h11
 *   kmalloc h12 size=100 gfp=GFP_KERNEL|__GFP_ZERO
 *   kzalloc h13 size=24
 *   kcalloc h14 n=4 size=24
 *   krealloc h12 size=300
 *   misuse write_past_end h3 offset=1
 *
 * Caches are named like handles (formatted cN, N the 1-based id) and live
 * from cache_create to cache_destroy; a destroyed cache's name may be
 * created again (a new id). A bulk allocation binds a range of names
 * prefixN..prefixM to consecutive handles; a bulk free names the range by
 * its ends' handle numbers (the names' latest binding, live or not) and
 * frees the live objects of its cache in it. Everything the binary form can
 * carry parses, and nothing else does (program.h's slab rules), each error
 * with its line and column.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_text.h"

#define MISUSE_DEBUG (KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_RED_ZONE | KMM_SLAB_POISON)

/* A flag and its name in the text. */
struct flag_name {
	unsigned flag;
	const char *name;
};

static const struct flag_name cflag_names[] = {
	{ KMM_SLAB_CONSISTENCY_CHECKS, "SLAB_CONSISTENCY_CHECKS" },
	{ KMM_SLAB_RED_ZONE, "SLAB_RED_ZONE" },
	{ KMM_SLAB_POISON, "SLAB_POISON" },
	{ KMM_SLAB_STORE_USER, "SLAB_STORE_USER" },
	{ KMM_SLAB_HWCACHE_ALIGN, "SLAB_HWCACHE_ALIGN" },
	{ KMM_SLAB_CACHE_DMA, "SLAB_CACHE_DMA" },
	{ KMM_SLAB_CACHE_DMA32, "SLAB_CACHE_DMA32" },
	{ KMM_SLAB_RECLAIM_ACCOUNT, "SLAB_RECLAIM_ACCOUNT" },
	{ KMM_SLAB_TYPESAFE_BY_RCU, "SLAB_TYPESAFE_BY_RCU" },
	{ KMM_SLAB_NO_MERGE, "SLAB_NO_MERGE" },
};
#define NR_CFLAGS (sizeof(cflag_names) / sizeof(cflag_names[0]))

/* slab_debug= letters, the kernel's. */
static const char debug_letters[4] = { 'F', 'Z', 'P', 'U' };
static const unsigned debug_flags[4] = { KMM_SLAB_CONSISTENCY_CHECKS, KMM_SLAB_RED_ZONE,
					 KMM_SLAB_POISON, KMM_SLAB_STORE_USER };

static const struct flag_name feature_names[] = {
	{ KMM_SLAB_FREELIST_HARDENED, "hardened" },
	{ KMM_SLAB_FREELIST_RANDOM, "random" },
};
#define NR_FEATURES (sizeof(feature_names) / sizeof(feature_names[0]))

/* ---- formatting ------------------------------------------------------------ */

void txt_out_slab_header(struct out *o, const struct kmm_program_header *h)
{
	if (h->slab_backend == KMM_PROGRAM_SLAB_NONE)
		return;
	txt_out_fmt(o, "slab backend=%s", kmm_program_slab_name(h->slab_backend));
	if (h->slab_debug) {
		txt_out_str(o, " debug=");
		for (unsigned i = 0; i < 4; i++)
			if (h->slab_debug & debug_flags[i])
				txt_out_bytes(o, &debug_letters[i], 1);
	}
	if (h->slab_features) {
		const char *sep = " features=";

		for (unsigned i = 0; i < 2; i++) {
			if (!(h->slab_features & feature_names[i].flag))
				continue;
			txt_out_fmt(o, "%s%s", sep, feature_names[i].name);
			sep = "|";
		}
	}
	txt_out_str(o, "\n");
}

static void out_range(struct out *o, uint32_t first, uint32_t count)
{
	if (count <= 1)
		txt_out_fmt(o, " h%u", (unsigned)first);
	else
		txt_out_fmt(o, " h%u..h%u", (unsigned)first, (unsigned)(first + count - 1));
}

static void out_opt_gfp(struct out *o, kmm_gfp_t gfp)
{
	if (gfp == KMM_GFP_KERNEL)
		return;
	txt_out_str(o, " gfp=");
	txt_out_gfp(o, gfp);
}

static void out_slab_misuse(struct out *o, const struct kmm_op *op)
{
	txt_out_fmt(o, "misuse %s", kmm_misuse_name(op->mode));
	switch (op->mode) {
	case KMM_MISUSE_WRONG_CACHE:
		txt_out_fmt(o, " h%u c%u", (unsigned)op->handle, op->cache);
		break;
	case KMM_MISUSE_KFREE_INTERIOR:
	case KMM_MISUSE_WRITE_PAST_END:
	case KMM_MISUSE_WRITE_AFTER_FREE:
		txt_out_fmt(o, " h%u offset=%u", (unsigned)op->handle, (unsigned)op->arg);
		break;
	case KMM_MISUSE_DESTROY_BUSY:
		txt_out_fmt(o, " c%u", op->cache);
		break;
	default: /* obj_double_free, kfree_non_slab */
		txt_out_fmt(o, " h%u", (unsigned)op->handle);
		break;
	}
}

void txt_out_slab_op(struct out *o, const struct kmm_op *op)
{
	static const char *const kmalloc_names[3] = { "kmalloc", "kzalloc", "kcalloc" };

	if (op->code == KMM_OP_MISUSE) {
		out_slab_misuse(o, op);
		return;
	}
	if (op->code == KMM_OP_KMALLOC)
		txt_out_str(o, kmalloc_names[op->mode < 3 ? op->mode : 0]);
	else
		txt_out_str(o, kmm_op_name(op->code));
	switch (op->code) {
	case KMM_OP_CACHE_CREATE: {
		const char *sep = " flags=";

		txt_out_fmt(o, " c%u size=%u", op->cache, (unsigned)op->arg);
		if (op->arg2)
			txt_out_fmt(o, " align=%u", (unsigned)op->arg2);
		for (unsigned i = 0; i < NR_CFLAGS; i++) {
			if (!(op->cflags & cflag_names[i].flag))
				continue;
			txt_out_fmt(o, "%s%s", sep, cflag_names[i].name);
			sep = "|";
		}
		if (op->mode)
			txt_out_str(o, " ctor");
		break;
	}
	case KMM_OP_CACHE_DESTROY:
	case KMM_OP_CACHE_SHRINK:
		txt_out_fmt(o, " c%u", op->cache);
		break;
	case KMM_OP_CACHE_VALIDATE:
		if (op->cache)
			txt_out_fmt(o, " c%u", op->cache);
		else
			txt_out_str(o, " all");
		break;
	case KMM_OP_CACHE_ALLOC:
		txt_out_fmt(o, " h%u c%u gfp=", (unsigned)op->handle, op->cache);
		txt_out_gfp(o, op->gfp);
		if (op->node >= 0)
			txt_out_fmt(o, " node=%d", op->node);
		break;
	case KMM_OP_CACHE_ALLOC_BULK:
		out_range(o, op->handle, op->arg);
		txt_out_fmt(o, " c%u gfp=", op->cache);
		txt_out_gfp(o, op->gfp);
		break;
	case KMM_OP_CACHE_FREE:
	case KMM_OP_KFREE:
		txt_out_fmt(o, " h%u", (unsigned)op->handle);
		break;
	case KMM_OP_CACHE_FREE_BULK:
		txt_out_fmt(o, " c%u", op->cache);
		out_range(o, op->handle, op->arg);
		break;
	case KMM_OP_KMALLOC:
		txt_out_fmt(o, " h%u", (unsigned)op->handle);
		if (op->mode == 2)
			txt_out_fmt(o, " n=%u", (unsigned)op->arg2);
		txt_out_fmt(o, " size=%u", (unsigned)op->arg);
		out_opt_gfp(o, op->gfp);
		if (op->node >= 0)
			txt_out_fmt(o, " node=%d", op->node);
		break;
	case KMM_OP_KREALLOC:
		txt_out_fmt(o, " h%u size=%u", (unsigned)op->handle, (unsigned)op->arg);
		out_opt_gfp(o, op->gfp);
		break;
	case KMM_OP_RCU_BARRIER:
	case KMM_OP_CACHE_REAP:
		break;
	default:
		txt_out_fmt(o, " code=%u", op->code);
		break;
	}
}

/* ---- the slab header line --------------------------------------------------- */

/* NAME|NAME|... out of names, or-ed into *out; an unknown NAME is an error
 * at its column: "unknown <what> 'NAME'<hint>". */
static int parse_flag_list(struct parser *ps, struct tok list, const struct flag_name *names, size_t nr,
			   const char *what, const char *hint, unsigned *out)
{
	char q[QBUF];

	for (size_t i = 0; i <= list.len;) {
		struct tok f = { list.off + i, 0 };
		size_t k;

		while (i + f.len < list.len && ps->text[f.off + f.len] != '|')
			f.len++;
		for (k = 0; k < nr && !txt_tok_is(ps, f, names[k].name); k++)
			;
		if (k == nr)
			return txt_perr(ps, f.off, "unknown %s '%s'%s", what, Q(ps, f, q), hint);
		*out |= names[k].flag;
		i += f.len + 1;
	}
	return 0;
}

int txt_parse_slab_line(struct parser *ps, const struct tok *toks, unsigned n)
{
	struct kv kvs[] = { { "backend", 0, { 0, 0 }, { 0, 0 } },
			    { "debug", 0, { 0, 0 }, { 0, 0 } },
			    { "features", 0, { 0, 0 }, { 0, 0 } } };
	struct kmm_program_header *h = &ps->p->hdr;
	struct tok pos[1];
	unsigned npos, b;
	char q[QBUF];

	if (ps->slab_seen)
		return txt_perr(ps, toks[0].off, "a second 'slab' line");
	if (txt_split_operands(ps, toks, 1, n, kvs, 3, pos, 0, &npos, "slab"))
		return -EINVAL;
	if (!kvs[0].seen)
		return txt_perr(ps, toks[0].off, "slab needs backend= (slub, slab, slob or all)");
	for (b = KMM_PROGRAM_SLAB_SLUB; b <= KMM_PROGRAM_SLAB_ALL; b++)
		if (txt_tok_is(ps, kvs[0].v, kmm_program_slab_name(b)))
			break;
	if (b > KMM_PROGRAM_SLAB_ALL)
		return txt_perr(ps, kvs[0].v.off, "unknown backend '%s' (slub, slab, slob or all)",
				Q(ps, kvs[0].v, q));
	h->slab_backend = (uint8_t)b;
	if (kvs[1].seen && !txt_tok_is(ps, kvs[1].v, "-")) {
		for (size_t i = 0; i < kvs[1].v.len; i++) {
			char c = ps->text[kvs[1].v.off + i];
			unsigned l;

			if (c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A'); /* the kernel takes either case */
			for (l = 0; l < 4 && debug_letters[l] != c; l++)
				;
			if (l == 4)
				return txt_perr(ps, kvs[1].v.off + i,
						"unknown slab debug letter '%s' (F, Z, P, U, or - for none)",
						txt_quote(ps->text + kvs[1].v.off + i, 1, q));
			h->slab_debug |= (uint8_t)debug_flags[l];
		}
	}
	if (kvs[2].seen && !txt_tok_is(ps, kvs[2].v, "none")) {
		unsigned features = 0;

		if (parse_flag_list(ps, kvs[2].v, feature_names, NR_FEATURES, "slab feature",
				    " (hardened, random or none)", &features))
			return -EINVAL;
		h->slab_features |= (uint8_t)features;
	}
	ps->slab_seen = true;
	return 0;
}

void txt_finish_slab_header(struct parser *ps)
{
	struct kmm_program_header *h = &ps->p->hdr;

	/* Misuse mode needs the backend to see what the model predicts. */
	if (h->slab_backend && (h->flags & KMM_PROG_MISUSE))
		h->slab_debug |= MISUSE_DEBUG;
}

/* ---- operands ------------------------------------------------------------------ */

static const char *type_name(unsigned type)
{
	return type == TXT_PAGE ? "page" : type == TXT_COBJ ? "cache object" : "kmalloc";
}

int txt_need_page(struct parser *ps, struct tok t, uint32_t h)
{
	char q[QBUF];

	if (ps->handles[h].type == TXT_PAGE)
		return 0;
	return txt_perr(ps, t.off, "handle '%s' is a %s, not a page (allocated on line %u)",
			Q(ps, t, q), type_name(ps->handles[h].type), ps->handles[h].alloc_line);
}

/* A live handle of one type (0: any slab object). */
static int need_type(struct parser *ps, struct tok t, uint32_t *h, unsigned type)
{
	char q[QBUF];
	const struct handle_info *hi;

	if (txt_use_handle(ps, t, h))
		return -EINVAL;
	hi = &ps->handles[*h];
	if (type && hi->type != type)
		return txt_perr(ps, t.off, "handle '%s' is a %s, not a %s (allocated on line %u)",
				Q(ps, t, q), type_name(hi->type), type_name(type), hi->alloc_line);
	if (!type && hi->type != TXT_COBJ &&
	    !(hi->type == TXT_KMALLOC && hi->size >= 1 && hi->size <= KMM_KMALLOC_MAX_CACHE_SIZE))
		return txt_perr(ps, t.off,
				"handle '%s' is a %s of %u bytes, not a slab object (a cache object or a "
				"kmalloc of 1..%u bytes)",
				Q(ps, t, q), type_name(hi->type), (unsigned)hi->size,
				KMM_KMALLOC_MAX_CACHE_SIZE);
	return 0;
}

/* The cache a name refers to now (its latest create), live or not. */
static unsigned find_cache(struct parser *ps, struct tok t)
{
	for (unsigned c = ps->nr_caches; c >= 1; c--) {
		const struct cache_info *ci = &ps->caches[c];

		if (ci->len == t.len && memcmp(ps->text + ci->off, ps->text + t.off, t.len) == 0)
			return c;
	}
	return 0;
}

static int use_cache(struct parser *ps, struct tok t, uint8_t *out)
{
	char q[QBUF];
	unsigned c;

	if (txt_check_name(ps, t))
		return -EINVAL;
	c = find_cache(ps, t);
	if (!c)
		return txt_perr(ps, t.off, "cache '%s' does not exist", Q(ps, t, q));
	if (!ps->caches[c].live)
		return txt_perr(ps, t.off, "cache '%s' was destroyed on line %u", Q(ps, t, q),
				ps->caches[c].destroy_line);
	*out = (uint8_t)c;
	return 0;
}

/* Give the next handle to the name name[0..len) (a text token or an arena string). */
static int bind_handle(struct parser *ps, size_t at, const char *name, size_t len, size_t off,
		       unsigned type, uint32_t size, unsigned cache, uint32_t *out)
{
	struct name_slot *s = txt_name_slot_str(ps, name, len);
	struct handle_info *hi;
	char q[QBUF];

	if (s->len && ps->handles[s->handle].live)
		return txt_perr(ps, at, "handle '%s' is already live (allocated on line %u)",
				txt_quote(name, len, q), ps->handles[s->handle].alloc_line);
	if (ps->p->nr_handles >= ps->max_handles)
		return txt_perr(ps, at, "more than %u handles", KMM_PROGRAM_MAX_HANDLES);
	*out = ++ps->p->nr_handles;
	s->off = off;
	s->len = len;
	s->handle = *out;
	hi = &ps->handles[*out];
	hi->alloc_line = ps->line;
	hi->free_line = 0;
	hi->size = size;
	hi->order = 0;
	hi->type = (uint8_t)type;
	hi->cache = (uint8_t)cache;
	hi->live = true;
	if (type == TXT_COBJ)
		ps->caches[cache].objs++;
	return 0;
}

static int bind_token(struct parser *ps, struct tok t, unsigned type, uint32_t size, unsigned cache,
		      uint32_t *out)
{
	if (txt_check_name(ps, t))
		return -EINVAL;
	return bind_handle(ps, t.off, ps->text + t.off, t.len, t.off, type, size, cache, out);
}

/* Split "a..b" (or a lone "a") into its ends. */
static int split_range(struct parser *ps, struct tok t, struct tok *a, struct tok *b)
{
	const char *s = ps->text + t.off;
	size_t i;

	for (i = 0; i + 1 < t.len && !(s[i] == '.' && s[i + 1] == '.'); i++)
		;
	*a = t;
	*b = t;
	if (i + 1 >= t.len)
		return txt_check_name(ps, t);
	a->len = i;
	b->off = t.off + i + 2;
	b->len = t.len - i - 2;
	if (!a->len || !b->len)
		return txt_perr(ps, t.off, "a handle range is first..last, like h4..h11");
	return txt_check_name(ps, *a) || txt_check_name(ps, *b) ? -EINVAL : 0;
}

/* A name's trailing decimal number: prefix length and value; -1 if none. */
static int name_number(struct parser *ps, struct tok t, size_t *prefix, uint64_t *num)
{
	const char *s = ps->text + t.off;
	size_t i = t.len;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == t.len || i == 0 || t.len - i > 9 || (s[i] == '0' && t.len - i > 1))
		return -1;
	*prefix = i;
	*num = 0;
	for (size_t j = i; j < t.len; j++)
		*num = *num * 10 + (uint64_t)(s[j] - '0');
	return 0;
}

static int arena_name(struct parser *ps, const char *prefix, size_t plen, uint64_t num, size_t *off,
		      size_t *len)
{
	char digits[24];
	int d = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)num);
	size_t need = plen + (size_t)d;

	if (ps->arena_len + need > ps->arena_cap) {
		size_t cap = ps->arena_cap ? ps->arena_cap * 2 : 4096;
		char *a;

		while (cap < ps->arena_len + need)
			cap *= 2;
		a = realloc(ps->arena, cap);
		if (!a)
			return -ENOMEM;
		ps->arena = a;
		ps->arena_cap = cap;
	}
	memcpy(ps->arena + ps->arena_len, prefix, plen);
	memcpy(ps->arena + ps->arena_len + plen, digits, (size_t)d);
	*off = ps->len + ps->arena_len;
	*len = need;
	ps->arena_len += need;
	return 0;
}

static int get_slab_gfp(struct parser *ps, struct tok v, bool kmalloc, kmm_gfp_t *out)
{
	static const struct {
		kmm_gfp_t bit;
		const char *name;
	} banned_names[] = {
		{ KMM___GFP_DMA32, "__GFP_DMA32" },   { KMM___GFP_HIGHMEM, "__GFP_HIGHMEM" },
		{ KMM___GFP_MOVABLE, "__GFP_MOVABLE" }, { KMM___GFP_WRITE, "__GFP_WRITE" },
		{ KMM___GFP_MEMALLOC, "__GFP_MEMALLOC" }, { KMM___GFP_NOFAIL, "__GFP_NOFAIL" },
		{ KMM___GFP_COMP, "__GFP_COMP" },
	};
	char q[QBUF];

	if (txt_get_gfp(ps, v, out))
		return -EINVAL;
	for (unsigned i = 0; i < sizeof(banned_names) / sizeof(banned_names[0]); i++)
		if (*out & banned_names[i].bit)
			return txt_perr(ps, v.off, "gfp '%s' has %s, which slab callers never pass",
					Q(ps, v, q), banned_names[i].name);
	if (!kmalloc && (*out & KMM___GFP_DMA))
		return txt_perr(ps, v.off, "gfp '%s': __GFP_DMA goes with kmalloc only (a cache's zone "
				"comes from SLAB_CACHE_DMA)", Q(ps, v, q));
	return 0;
}

static int get_node(struct parser *ps, struct kv *kv, int8_t *node)
{
	char q[QBUF];
	uint64_t v;

	*node = -1;
	if (!kv->seen || txt_tok_is(ps, kv->v, "-1"))
		return 0;
	if (txt_get_num(ps, kv->v, "node", 0, ps->p->hdr.nr_nodes - 1u, &v))
		return txt_perr(ps, kv->v.off, "node %s out of range 0..%u (or -1)", Q(ps, kv->v, q),
				ps->p->hdr.nr_nodes - 1u);
	*node = (int8_t)v;
	return 0;
}

/* ---- ops ---------------------------------------------------------------------------- */

static int parse_cache_create(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	struct kv kvs[] = { { "size", 0, { 0, 0 }, { 0, 0 } },
			    { "align", 0, { 0, 0 }, { 0, 0 } },
			    { "flags", 0, { 0, 0 }, { 0, 0 } } };
	struct tok pos[2];
	unsigned npos, c;
	uint64_t v;
	char q[QBUF];

	if (txt_split_operands(ps, toks, 1, n, kvs, 3, pos, 2, &npos, "cache_create"))
		return -EINVAL;
	if (!npos)
		return txt_perr(ps, toks[0].off, "cache_create needs a cache name");
	if (npos > 1 && !txt_tok_is(ps, pos[1], "ctor"))
		return txt_perr(ps, pos[1].off, "unexpected '%s' in cache_create (only 'ctor')",
				Q(ps, pos[1], q));
	op->mode = npos > 1;
	if (txt_check_name(ps, pos[0]))
		return -EINVAL;
	c = find_cache(ps, pos[0]);
	if (c && ps->caches[c].live)
		return txt_perr(ps, pos[0].off, "cache '%s' already exists (created on line %u)",
				Q(ps, pos[0], q), ps->caches[c].create_line);
	if (ps->nr_caches >= KMM_PROGRAM_MAX_CACHES)
		return txt_perr(ps, pos[0].off, "more than %u caches", KMM_PROGRAM_MAX_CACHES);
	if (!kvs[0].seen)
		return txt_perr(ps, toks[0].off, "cache_create needs size=");
	if (txt_get_num(ps, kvs[0].v, "size", 1, KMM_PROGRAM_CACHE_SIZE_MAX, &v))
		return -EINVAL;
	op->arg = (uint32_t)v;
	if (kvs[1].seen) {
		if (txt_get_num(ps, kvs[1].v, "align", 0, KMM_PROGRAM_CACHE_ALIGN_MAX, &v))
			return -EINVAL;
		if (v & (v - 1))
			return txt_perr(ps, kvs[1].v.off, "align %u is not a power of two",
					(unsigned)v);
		op->arg2 = (uint32_t)v;
	}
	if (kvs[2].seen && !txt_tok_is(ps, kvs[2].v, "0")) {
		unsigned cflags = 0;

		if (parse_flag_list(ps, kvs[2].v, cflag_names, NR_CFLAGS, "cache flag", "", &cflags))
			return -EINVAL;
		op->cflags |= (uint16_t)cflags;
		if ((op->cflags & KMM_SLAB_CACHE_DMA) && (op->cflags & KMM_SLAB_CACHE_DMA32))
			return txt_perr(ps, kvs[2].v.off,
					"SLAB_CACHE_DMA and SLAB_CACHE_DMA32 together name no zone");
	}
	c = ++ps->nr_caches;
	op->cache = (uint8_t)c;
	ps->caches[c].off = pos[0].off;
	ps->caches[c].len = pos[0].len;
	ps->caches[c].create_line = ps->line;
	ps->caches[c].destroy_line = 0;
	ps->caches[c].size = op->arg;
	ps->caches[c].objs = 0;
	ps->caches[c].live = true;
	return 0;
}

/* cache_destroy / cache_shrink / cache_validate: one cache (validate: or all). */
static int parse_cache_op(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	const char *what = kmm_op_name(op->code);
	char q[QBUF];

	if (n > 2)
		return txt_perr(ps, toks[2].off, "unexpected '%s' after %s <cache>", Q(ps, toks[2], q),
				what);
	if (op->code == KMM_OP_CACHE_VALIDATE && (n < 2 || txt_tok_is(ps, toks[1], "all")))
		return 0;
	if (n < 2)
		return txt_perr(ps, toks[0].off, "%s needs a cache name", what);
	if (use_cache(ps, toks[1], &op->cache))
		return -EINVAL;
	if (op->code == KMM_OP_CACHE_DESTROY) {
		struct cache_info *ci = &ps->caches[op->cache];

		if (ci->objs)
			return txt_perr(ps, toks[1].off,
					"cache '%s' still has %u live objects (free them first, or "
					"'misuse destroy_busy')",
					Q(ps, toks[1], q), (unsigned)ci->objs);
		ci->live = false;
		ci->destroy_line = ps->line;
	}
	return 0;
}

static int parse_cache_alloc(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	struct kv kvs[] = { { "gfp", 0, { 0, 0 }, { 0, 0 } }, { "node", 0, { 0, 0 }, { 0, 0 } } };
	const char *what = kmm_op_name(op->code);
	bool bulk = op->code == KMM_OP_CACHE_ALLOC_BULK;
	struct tok pos[2], a, b;
	unsigned npos;
	char q[QBUF];

	if (txt_split_operands(ps, toks, 1, n, kvs, bulk ? 1 : 2, pos, 2, &npos, what))
		return -EINVAL;
	if (npos < 2)
		return txt_perr(ps, toks[0].off, "%s needs %s and a cache name", what,
				bulk ? "a handle range" : "a handle name");
	if (use_cache(ps, pos[1], &op->cache))
		return -EINVAL;
	op->gfp = KMM_GFP_KERNEL;
	if (kvs[0].seen && get_slab_gfp(ps, kvs[0].v, false, &op->gfp))
		return -EINVAL;
	if (!bulk)
		return get_node(ps, &kvs[1], &op->node) ||
		       bind_token(ps, pos[0], TXT_COBJ, ps->caches[op->cache].size, op->cache, &op->handle);
	if (split_range(ps, pos[0], &a, &b))
		return -EINVAL;
	op->arg = 1;
	if (a.len != pos[0].len) {
		size_t pa, pb;
		uint64_t na, nb;

		if (name_number(ps, a, &pa, &na) || name_number(ps, b, &pb, &nb) || pa != pb ||
		    memcmp(ps->text + a.off, ps->text + b.off, pa) != 0)
			return txt_perr(ps, pos[0].off,
					"'%s' is not a range of numbered names like h4..h11 (same "
					"prefix, no leading zeros)",
					Q(ps, pos[0], q));
		if (nb < na || nb - na >= KMM_PROGRAM_BULK_MAX)
			return txt_perr(ps, pos[0].off, "range '%s' holds %lld names, not 1..%u",
					Q(ps, pos[0], q), (long long)nb - (long long)na + 1,
					KMM_PROGRAM_BULK_MAX);
		op->arg = (uint32_t)(nb - na + 1);
		for (uint64_t k = na; k <= nb; k++) {
			size_t off, len;
			uint32_t h;

			if (arena_name(ps, ps->text + a.off, pa, k, &off, &len))
				return txt_perr(ps, pos[0].off, "out of memory");
			if (bind_handle(ps, pos[0].off, ps->arena + (off - ps->len), len, off, TXT_COBJ,
					ps->caches[op->cache].size, op->cache, &h))
				return -EINVAL;
			if (k == na)
				op->handle = h;
		}
		return 0;
	}
	return bind_token(ps, a, TXT_COBJ, ps->caches[op->cache].size, op->cache, &op->handle);
}

/* A name's handle number now, live or not (bulk free ends). */
static int named_number(struct parser *ps, struct tok t, uint32_t *h)
{
	char q[QBUF];
	struct name_slot *s = txt_name_slot(ps, t);

	if (!s->len)
		return txt_perr(ps, t.off, "handle '%s' does not exist", Q(ps, t, q));
	*h = s->handle;
	return 0;
}

static int parse_cache_free_bulk(struct parser *ps, const struct tok *toks, unsigned n,
				 struct kmm_op *op)
{
	struct tok a, b;
	uint32_t first = 0, last = 0;
	char q[QBUF];

	if (n != 3)
		return txt_perr(ps, toks[n < 3 ? 0 : 3].off,
				"cache_free_bulk takes a cache name and a handle range");
	if (use_cache(ps, toks[1], &op->cache) || split_range(ps, toks[2], &a, &b) ||
	    need_type(ps, a, &first, TXT_COBJ) || named_number(ps, b, &last))
		return -EINVAL;
	if (ps->handles[first].cache != op->cache) {
		char q2[QBUF];

		return txt_perr(ps, a.off, "handle '%s' is an object of cache c%u, not of '%s'",
				Q(ps, a, q), ps->handles[first].cache, Q(ps, toks[1], q2));
	}
	if (last < first || last - first >= KMM_PROGRAM_BULK_MAX)
		return txt_perr(ps, toks[2].off, "range '%s' spans %lld handles, not 1..%u",
				Q(ps, toks[2], q), (long long)last - (long long)first + 1,
				KMM_PROGRAM_BULK_MAX);
	op->handle = first;
	op->arg = last - first + 1;
	for (uint32_t h = first; h <= last; h++)
		if (ps->handles[h].live && ps->handles[h].type == TXT_COBJ &&
		    ps->handles[h].cache == op->cache)
			txt_kill_handle(ps, h);
	return 0;
}

static int parse_kmalloc(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	struct kv kvs[] = { { "size", 0, { 0, 0 }, { 0, 0 } },
			    { "gfp", 0, { 0, 0 }, { 0, 0 } },
			    { "node", 0, { 0, 0 }, { 0, 0 } },
			    { "n", 0, { 0, 0 }, { 0, 0 } } };
	static const char *const names[3] = { "kmalloc", "kzalloc", "kcalloc" };
	const char *what = names[op->mode];
	struct tok pos[1];
	unsigned npos;
	uint64_t v;

	if (txt_split_operands(ps, toks, 1, n, kvs, op->mode == 2 ? 4 : 3, pos, 1, &npos, what) ||
	    txt_need_name(ps, toks, npos, what))
		return -EINVAL;
	if (!kvs[0].seen)
		return txt_perr(ps, toks[0].off, "%s needs size=", what);
	if (op->mode == 2 && !kvs[3].seen)
		return txt_perr(ps, toks[0].off, "kcalloc needs n=");
	if (op->mode == 2) {
		if (txt_get_num(ps, kvs[3].v, "n", 0, KMM_PROGRAM_KMALLOC_MAX, &v))
			return -EINVAL;
		op->arg2 = (uint32_t)v;
	}
	if (txt_get_num(ps, kvs[0].v, "size", 0, KMM_PROGRAM_KMALLOC_MAX, &v))
		return -EINVAL;
	op->arg = (uint32_t)v;
	if (op->mode == 2 && (uint64_t)op->arg * op->arg2 > KMM_PROGRAM_KMALLOC_MAX)
		return txt_perr(ps, kvs[0].v.off, "kcalloc of %u x %u bytes is more than %u",
				(unsigned)op->arg2, (unsigned)op->arg, KMM_PROGRAM_KMALLOC_MAX);
	op->gfp = KMM_GFP_KERNEL;
	if (kvs[1].seen && get_slab_gfp(ps, kvs[1].v, true, &op->gfp))
		return -EINVAL;
	if (get_node(ps, &kvs[2], &op->node))
		return -EINVAL;
	return bind_token(ps, pos[0], TXT_KMALLOC, op->mode == 2 ? op->arg * op->arg2 : op->arg, 0,
			  &op->handle);
}

static int parse_krealloc(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	struct kv kvs[] = { { "size", 0, { 0, 0 }, { 0, 0 } }, { "gfp", 0, { 0, 0 }, { 0, 0 } } };
	struct tok pos[1];
	unsigned npos;
	uint64_t v;

	if (txt_split_operands(ps, toks, 1, n, kvs, 2, pos, 1, &npos, "krealloc") ||
	    txt_need_name(ps, toks, npos, "krealloc") || need_type(ps, pos[0], &op->handle, TXT_KMALLOC))
		return -EINVAL;
	if (!kvs[0].seen)
		return txt_perr(ps, toks[0].off, "krealloc needs size=");
	if (txt_get_num(ps, kvs[0].v, "size", 0, KMM_PROGRAM_KMALLOC_MAX, &v))
		return -EINVAL;
	op->arg = (uint32_t)v;
	op->gfp = KMM_GFP_KERNEL;
	if (kvs[1].seen && get_slab_gfp(ps, kvs[1].v, true, &op->gfp))
		return -EINVAL;
	ps->handles[op->handle].size = op->arg;
	return 0;
}

/* cache_free / kfree: one live handle of the op's type; it dies. */
static int parse_free(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	const char *what = kmm_op_name(op->code);
	char q[QBUF];

	if (n < 2)
		return txt_perr(ps, toks[0].off, "%s needs a handle name", what);
	if (n > 2)
		return txt_perr(ps, toks[2].off, "unexpected '%s' after %s <handle>", Q(ps, toks[2], q),
				what);
	if (need_type(ps, toks[1], &op->handle, op->code == KMM_OP_KFREE ? TXT_KMALLOC : TXT_COBJ))
		return -EINVAL;
	txt_kill_handle(ps, op->handle);
	return 0;
}

int txt_parse_slab_op(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	char q[QBUF];

	switch (op->code) {
	case KMM_OP_CACHE_CREATE:
		return parse_cache_create(ps, toks, n, op);
	case KMM_OP_CACHE_DESTROY:
	case KMM_OP_CACHE_SHRINK:
	case KMM_OP_CACHE_VALIDATE:
		return parse_cache_op(ps, toks, n, op);
	case KMM_OP_CACHE_ALLOC:
	case KMM_OP_CACHE_ALLOC_BULK:
		return parse_cache_alloc(ps, toks, n, op);
	case KMM_OP_CACHE_FREE:
	case KMM_OP_KFREE:
		return parse_free(ps, toks, n, op);
	case KMM_OP_CACHE_FREE_BULK:
		return parse_cache_free_bulk(ps, toks, n, op);
	case KMM_OP_KMALLOC:
		return parse_kmalloc(ps, toks, n, op);
	case KMM_OP_KREALLOC:
		return parse_krealloc(ps, toks, n, op);
	default: /* rcu_barrier, cache_reap */
		if (n > 1)
			return txt_perr(ps, toks[1].off, "%s takes no operands, not '%s'",
					kmm_op_name(op->code), Q(ps, toks[1], q));
		return 0;
	}
}

/* ---- misuse 5..11 ------------------------------------------------------------------- */

int txt_parse_slab_misuse(struct parser *ps, const struct tok *toks, unsigned n, struct kmm_op *op)
{
	struct kv kvs[] = { { "offset", 0, { 0, 0 }, { 0, 0 } } };
	const char *kind = kmm_misuse_name(op->mode);
	bool wants_offset = op->mode == KMM_MISUSE_KFREE_INTERIOR ||
			    op->mode == KMM_MISUSE_WRITE_PAST_END || op->mode == KMM_MISUSE_WRITE_AFTER_FREE;
	bool two = op->mode == KMM_MISUSE_WRONG_CACHE;
	struct tok pos[2];
	unsigned npos;
	uint64_t v = 0;
	uint32_t size;
	char q[QBUF];

	if (ps->p->hdr.slab_backend == KMM_PROGRAM_SLAB_NONE)
		return txt_perr(ps, toks[1].off,
				"misuse %s needs a slab program (a 'slab backend=...' header line)", kind);
	if (txt_split_operands(ps, toks, 2, n, kvs, 1, pos, two ? 2 : 1, &npos, "misuse"))
		return -EINVAL;
	if (kvs[0].seen && !wants_offset)
		return txt_perr(ps, kvs[0].k.off, "offset= does not go with %s", kind);
	if (op->mode == KMM_MISUSE_DESTROY_BUSY) {
		if (!npos)
			return txt_perr(ps, toks[1].off, "misuse destroy_busy needs a cache name");
		if (use_cache(ps, pos[0], &op->cache))
			return -EINVAL;
		if (!ps->caches[op->cache].objs)
			return txt_perr(ps, pos[0].off,
					"cache '%s' has no live objects; destroy_busy needs some",
					Q(ps, pos[0], q));
		return 0;
	}
	if (!npos)
		return txt_perr(ps, toks[1].off, "misuse %s needs a handle name", kind);
	switch (op->mode) {
	case KMM_MISUSE_WRONG_CACHE:
		if (need_type(ps, pos[0], &op->handle, TXT_COBJ))
			return -EINVAL;
		if (npos < 2)
			return txt_perr(ps, pos[0].off, "misuse wrong_cache needs a cache after the handle");
		if (use_cache(ps, pos[1], &op->cache))
			return -EINVAL;
		if (op->cache == ps->handles[op->handle].cache)
			return txt_perr(ps, pos[1].off, "'%s' is the object's own cache; wrong_cache "
					"needs another", Q(ps, pos[1], q));
		break;
	case KMM_MISUSE_KFREE_INTERIOR:
		if (need_type(ps, pos[0], &op->handle, TXT_KMALLOC))
			return -EINVAL;
		size = ps->handles[op->handle].size;
		if (size < 2 || size > KMM_KMALLOC_MAX_CACHE_SIZE)
			return txt_perr(ps, pos[0].off, "kfree_interior needs a kmalloc of 2..%u bytes; "
					"'%s' has %u", KMM_KMALLOC_MAX_CACHE_SIZE, Q(ps, pos[0], q),
					(unsigned)size);
		if (!kvs[0].seen)
			return txt_perr(ps, pos[0].off, "misuse kfree_interior needs offset= (1..%u)",
					(unsigned)size - 1u);
		if (txt_get_num(ps, kvs[0].v, "offset", 1, size - 1u, &v))
			return -EINVAL;
		break;
	case KMM_MISUSE_KFREE_NON_SLAB:
		if (need_type(ps, pos[0], &op->handle, TXT_PAGE))
			return -EINVAL;
		break;
	default: /* obj_double_free, write_past_end, write_after_free */
		if (need_type(ps, pos[0], &op->handle, 0))
			return -EINVAL;
		size = ps->handles[op->handle].size;
		if (op->mode == KMM_MISUSE_WRITE_PAST_END && kvs[0].seen &&
		    txt_get_num(ps, kvs[0].v, "offset", 0, kmm_program_past_end_room(size) - 1u, &v))
			return -EINVAL;
		if (op->mode == KMM_MISUSE_WRITE_AFTER_FREE && kvs[0].seen &&
		    txt_get_num(ps, kvs[0].v, "offset", 0, size - 1u, &v))
			return -EINVAL;
		break;
	}
	if (npos > 1 && !two)
		return txt_perr(ps, pos[1].off, "unexpected '%s' in misuse %s", Q(ps, pos[1], q), kind);
	op->arg = (uint32_t)v;
	if (op->mode == KMM_MISUSE_OBJ_DOUBLE_FREE || op->mode == KMM_MISUSE_WRONG_CACHE ||
	    op->mode == KMM_MISUSE_WRITE_AFTER_FREE)
		txt_kill_handle(ps, op->handle);
	return 0;
}
