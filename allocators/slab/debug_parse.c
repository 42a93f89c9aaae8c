// SPDX-License-Identifier: MIT
/*
 * The slab_debug= option (kmm_config.slab_debug), in the kernel's syntax
 * (Documentation/mm/slub.rst, mm/slub.c setup_slub_debug and
 * kmem_cache_flags):
 *
 *   option := block { ';' block }
 *   block  := [ flags ] [ ',' name { ',' name } ]
 *   flags  := { 'F' | 'Z' | 'P' | 'U' | '-' }     (any case; '-' clears)
 *   name   := a cache name, or a prefix ending in '*'
 *
 * A block without names sets the flags of every cache (the last such block
 * wins); a block with names sets them for those caches only, and a name
 * block with no letters (",dentry") means all of FZPU. A cache takes the
 * flags of the first block naming it, else the global ones; with names
 * given and no global block, other caches get none. "-" or "-,name" turns
 * debugging off. The empty string is "option not given" (off): the
 * kernel's bare "slab_debug" (everything on) is "FZPU" here.
 *
 * Where the kernel skips letters it does not know with a message, a kmm
 * config is rejected with the reason instead: a typo should not silently
 * run without the checks a test relies on. The kernel's other letters are
 * named in the reason: T (trace) and A (failslab) are outside libkmm's debug
 * layer (config validation refuses them by name), and
 * O (keep caches whose order debugging would raise undebugged) has no
 * meaning where slab orders are not tuned for the debug layout. Names must
 * be non-empty, fit a cache name, and carry '*' only at their end (the
 * kernel ignores anything after it).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "slab_internal.h"

/* One rule: the flags a matching cache gets. The global rule (all) is kept
 * last, so the first match in order is the kernel's answer. */
struct slab_debug_rule_ {
	unsigned flags;                /* KMM_SLAB_DEBUG_FLAGS bits */
	bool all;                      /* a block without names: every other cache */
	bool prefix;                   /* the name ended in '*': match its start */
	char name[KMM_CACHE_NAME_MAX]; /* without the '*' */
};

#define ALL_DEBUG_ KMM_SLAB_DEBUG_FLAGS

static int syntax_error_(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int syntax_error_(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;
	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * Walk opt once. With out == NULL only count the rules (*nr) and check the
 * syntax; else fill out[0 .. *nr). Returns 0, or -1 with the reason in why.
 */
static int parse_(const char *opt, struct slab_debug_rule_ *out, unsigned *nr, char *why, size_t len)
{
	const char *p = opt ? opt : "";
	unsigned n = 0, block = 0, global_flags = 0;
	bool global = false;

	for (;;) {
		unsigned flags = 0;

		while (*p == ';')
			p++;
		if (!*p)
			break;
		block++;
		if (*p == ',') {
			flags = ALL_DEBUG_; /* names without letters: full debugging */
		} else {
			for (; *p && *p != ',' && *p != ';'; p++) {
				switch (*p) {
				case '-':
					flags = 0;
					break;
				case 'f': case 'F':
					flags |= KMM_SLAB_CONSISTENCY_CHECKS;
					break;
				case 'z': case 'Z':
					flags |= KMM_SLAB_RED_ZONE;
					break;
				case 'p': case 'P':
					flags |= KMM_SLAB_POISON;
					break;
				case 'u': case 'U':
					flags |= KMM_SLAB_STORE_USER;
					break;
				case 't': case 'T':
					return syntax_error_(why, len, "block %u: option 'T' (trace) is not supported",
							     block);
				case 'a': case 'A':
					return syntax_error_(why, len,
							     "block %u: option 'A' (failslab) is not supported", block);
				case 'o': case 'O':
					return syntax_error_(why, len,
							     "block %u: option 'O' (no debug for higher orders) is not supported",
							     block);
				default:
					if ((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f)
						return syntax_error_(why, len,
								     "block %u: unknown option '%c' (flags are F, Z, P, U or -)",
								     block, *p);
					return syntax_error_(why, len,
							     "block %u: unknown option byte 0x%02x (flags are F, Z, P, U or -)",
							     block, (unsigned char)*p);
				}
			}
		}
		if (*p != ',') {
			/* No names: every cache (the last such block wins). */
			global = true;
			global_flags = flags;
			continue;
		}
		p++;
		for (;;) {
			const char *name = p, *star;
			size_t nlen;
			while (*p && *p != ',' && *p != ';')
				p++;
			nlen = (size_t)(p - name);
			if (nlen == 0)
				return syntax_error_(why, len, "block %u: empty cache name", block);
			star = memchr(name, '*', nlen);
			if (star && star != name + nlen - 1)
				return syntax_error_(why, len, "block %u: '*' must end the name \"%.*s\"", block,
						     (int)nlen, name);
			if ((star ? nlen - 1 : nlen) >= KMM_CACHE_NAME_MAX)
				return syntax_error_(why, len, "block %u: cache name \"%.*s\" longer than %d bytes",
						     block, (int)nlen, name, KMM_CACHE_NAME_MAX - 1);
			if (out) {
				struct slab_debug_rule_ *r = &out[n];
				memset(r, 0, sizeof(*r));
				r->flags = flags;
				r->prefix = star != NULL;
				memcpy(r->name, name, star ? nlen - 1 : nlen);
			}
			n++;
			if (*p != ',')
				break;
			p++;
		}
	}
	if (global) {
		if (out) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].flags = global_flags;
			out[n].all = true;
		}
		n++;
	}
	*nr = n;
	return 0;
}

int kmm_slab_debug_syntax_(const char *opt, char *why, size_t len)
{
	unsigned nr;
	if (why && len)
		why[0] = '\0';
	return parse_(opt, NULL, &nr, why, len);
}

int slab_debug_parse_(struct kmm *k, struct kmm_slab_system *ss, const char *opt)
{
	struct slab_debug_rule_ *rules;
	unsigned nr;

	ss->debug_rules = NULL;
	ss->nr_debug_rules = 0;
	if (parse_(opt, NULL, &nr, NULL, 0) < 0)
		return -EINVAL;
	if (!nr)
		return 0;
	rules = k->plat->meta_alloc(k->plat->ctx, nr * sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	parse_(opt, rules, &nr, NULL, 0);
	ss->debug_rules = rules;
	ss->nr_debug_rules = nr;
	return 0;
}

void slab_debug_rules_free_(struct kmm *k, struct kmm_slab_system *ss)
{
	if (ss->debug_rules)
		k->plat->meta_free(k->plat->ctx, ss->debug_rules, ss->nr_debug_rules * sizeof(*ss->debug_rules));
	ss->debug_rules = NULL;
	ss->nr_debug_rules = 0;
}

unsigned slab_debug_flags_for_(struct kmm *k, const char *name)
{
	const struct kmm_slab_system *ss = k->slab;
	if (!ss || !name)
		return 0;
	for (unsigned i = 0; i < ss->nr_debug_rules; i++) {
		const struct slab_debug_rule_ *r = &ss->debug_rules[i];
		if (r->all)
			return r->flags;
		if (r->prefix ? strncmp(name, r->name, strlen(r->name)) == 0 : strcmp(name, r->name) == 0)
			return r->flags;
	}
	return 0;
}
