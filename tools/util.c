/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the kmm tool: messages, option values, buffers, files and
 * directory walks, and loading op programs from binary or text files.
 *
 * Every function that can fail prints one line saying what and where
 * ("kmm replay: cannot read x.bin: No such file or directory") and returns
 * an error; callers only decide the exit status.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kmm.h"

/* ---- messages ---- */

static void vmsg(const char *cmd, const char *what, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void vmsg(const char *cmd, const char *what, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	fflush(stdout);
	if (cmd)
		fprintf(stderr, "kmm %s: %s%s\n", cmd, what, line);
	else
		fprintf(stderr, "kmm: %s%s\n", what, line);
}

void kmm_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(cmd, "", fmt, ap);
	va_end(ap);
}

void kmm_warn(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(cmd, "warning: ", fmt, ap);
	va_end(ap);
}

int kmm_usage_err(const char *cmd, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (cmd)
		kmm_err(cmd, "%s (see 'kmm %s --help')", line, cmd);
	else
		kmm_err(NULL, "%s (see 'kmm help')", line);
	return KMM_EXIT_USAGE;
}

/* ---- options ---- */

int opt_value(const char *cmd, int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		kmm_usage_err(cmd, "option %s needs a value", name);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h") || !strcmp(arg, "-?");
}

int opt_uint(const char *cmd, const char *name, const char *val, unsigned long min,
	     unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (!*val || *val == '-' || *val == '+') {
		kmm_usage_err(cmd, "%s wants a number, not '%s'", name, val);
		return -1;
	}
	v = strtoul(val, &end, 10);
	if (errno || *end) {
		kmm_usage_err(cmd, "%s wants a number, not '%s'", name, val);
		return -1;
	}
	if (v < min || v > max) {
		kmm_usage_err(cmd, "%s %lu is out of range [%lu, %lu]", name, v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* ---- memory ---- */

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "kmm: out of memory (%zu bytes)\n", n);
		exit(KMM_EXIT_USAGE);
	}
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		fprintf(stderr, "kmm: out of memory\n");
		exit(KMM_EXIT_USAGE);
	}
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

/* ---- buffers ---- */

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static int buf_reserve(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap = b->cap ? b->cap : 256;
	char *p;

	if (need <= b->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len))
		return -1;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n))
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* ---- string lists ---- */

int strlist_add(struct strlist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = xstrdup(s);
	return 0;
}

bool strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strlist_sort(struct strlist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* ---- files ---- */

int read_file(const char *cmd, const char *path, struct buf *b)
{
	struct stat st;
	int fd;

	b->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		kmm_err(cmd, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		kmm_err(cmd, "cannot read %s: it is a directory", path);
		close(fd);
		return -1;
	}
	if (buf_reserve(b, 0) < 0)
		goto oom;
	b->data[0] = '\0';
	for (;;) {
		ssize_t n;

		if (buf_reserve(b, 65536) < 0)
			goto oom;
		n = read(fd, b->data + b->len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kmm_err(cmd, "cannot read %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	b->data[b->len] = '\0';
	close(fd);
	return 0;
oom:
	kmm_err(cmd, "cannot read %s: out of memory", path);
	close(fd);
	return -1;
}

int write_file(const char *cmd, const char *path, const void *data, size_t len)
{
	size_t n = strlen(path) + 32;
	char *tmp = xmalloc(n);
	const char *p = data;
	int fd;

	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		kmm_err(cmd, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			kmm_err(cmd, "cannot write %s: %s", path, strerror(errno));
			close(fd);
			unlink(tmp);
			free(tmp);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		kmm_err(cmd, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int write_file_if_changed(const char *cmd, const char *path, const void *data, size_t len,
			  bool *changed)
{
	struct buf old = { 0 };
	FILE *f = fopen(path, "rb");

	*changed = true;
	if (f) {
		char chunk[65536];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			if (buf_append(&old, chunk, n))
				break;
		fclose(f);
		if (old.len == len && (len == 0 || !memcmp(old.data, data, len)))
			*changed = false;
		buf_free(&old);
	}
	if (!*changed)
		return 0;
	return write_file(cmd, path, data, len);
}

int mkdir_p(const char *cmd, const char *path)
{
	char *p = xstrdup(path);

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				kmm_err(cmd, "cannot create directory %s: %s", p, strerror(errno));
				free(p);
				return -1;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (!is_dir(p)) {
		kmm_err(cmd, "cannot create directory %s: a file is in the way", p);
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool is_executable(const char *path)
{
	return is_file(path) && access(path, X_OK) == 0;
}

char *path_join(const char *a, const char *b)
{
	size_t la, n;
	char *p;

	if (b[0] == '/' || !a[0])
		return xstrdup(b);
	la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	n = la + strlen(b) + 2;
	p = xmalloc(n);
	snprintf(p, n, "%.*s/%s", (int)la, a, b);
	return p;
}

char *path_dirname(const char *p)
{
	const char *slash = strrchr(p, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == p)
		return xstrdup("/");
	{
		size_t n = (size_t)(slash - p);
		char *d = xmalloc(n + 1);

		memcpy(d, p, n);
		d[n] = '\0';
		return d;
	}
}

const char *path_basename(const char *p)
{
	const char *slash = strrchr(p, '/');

	return slash ? slash + 1 : p;
}

bool has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

static int walk(const char *cmd, const char *dir, struct strlist *out, int depth)
{
	DIR *d;
	struct dirent *e;

	if (depth > 32) {
		kmm_err(cmd, "%s: directories nested too deeply", dir);
		return -1;
	}
	d = opendir(dir);
	if (!d) {
		kmm_err(cmd, "cannot read directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char *p;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		p = path_join(dir, e->d_name);
		if (stat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				if (walk(cmd, p, out, depth + 1)) {
					free(p);
					closedir(d);
					return -1;
				}
			} else if (S_ISREG(st.st_mode)) {
				strlist_add(out, p);
			}
		}
		free(p);
	}
	closedir(d);
	return 0;
}

int collect_files(const char *cmd, const char *path, struct strlist *out)
{
	struct stat st;
	struct strlist found = { 0 };

	if (stat(path, &st) < 0) {
		kmm_err(cmd, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return strlist_add(out, path);
	if (walk(cmd, path, &found, 0)) {
		strlist_free(&found);
		return -1;
	}
	strlist_sort(&found);
	for (size_t i = 0; i < found.n; i++)
		strlist_add(out, found.v[i]);
	strlist_free(&found);
	return 0;
}

static bool looks_like_source(const char *dir)
{
	char *p = path_join(dir, "differential/program.h");
	bool ok = is_file(p);

	free(p);
	return ok;
}

char *find_source_dir(const char *cmd, const char *opt)
{
	char cwd[PATH_MAX];

	if (opt) {
		char *c = path_join(opt, "corpus"), *t = path_join(opt, "tests");
		bool ok = is_dir(opt) && (is_dir(c) || is_dir(t) || looks_like_source(opt));

		free(c);
		free(t);
		if (!ok) {
			kmm_err(cmd, "--source %s is not a kmm source tree (no corpus/ or tests/ in it)", opt);
			return NULL;
		}
		return xstrdup(opt);
	}
	if (getcwd(cwd, sizeof(cwd))) {
		char *d = xstrdup(cwd);

		for (;;) {
			char *up;

			if (looks_like_source(d))
				return d;
			if (!strcmp(d, "/"))
				break;
			up = path_dirname(d);
			free(d);
			d = up;
		}
		free(d);
	}
	{
		const char *env = getenv("KMM_SOURCE_DIR"); /* set by ctest */

		if (env && looks_like_source(env))
			return xstrdup(env);
	}
#ifdef KMM_SOURCE_DIR
	if (looks_like_source(KMM_SOURCE_DIR))
		return xstrdup(KMM_SOURCE_DIR);
#endif
	kmm_err(cmd, "cannot find the kmm source tree (run inside it or pass --source DIR)");
	return NULL;
}

char *self_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	return path_dirname(exe);
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t fnv1a64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* ---- kinds ---- */

int parse_kind(const char *cmd, const char *s, enum kmm_program_kind *out)
{
	int k = kmm_program_kind_parse(s); /* "slub" or "fuzz_slub" */

	if (k >= 0) {
		*out = (enum kmm_program_kind)k;
		return 0;
	}
	kmm_usage_err(cmd, "unknown --kind '%s' (expected pages, numa, slub, slab, slob or kmalloc_diff)", s);
	return -1;
}

const char *kind_name(enum kmm_program_kind kind)
{
	return kmm_program_kind_name(kind);
}

const char *guess_target(const char *path)
{
	/* The last mention wins: build/fuzz-out/fuzz_numa/crashes/... */
	static const char *const targets[] = { "fuzz_pages", "fuzz_numa",  "fuzz_slub",
					       "fuzz_slab",  "fuzz_slob",  "fuzz_kmalloc_diff",
					       "fuzz_trace_parser" };
	const char *best = NULL;
	const char *best_at = NULL;

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		const char *at = NULL, *s = path;

		while ((s = strstr(s, targets[i]))) {
			at = s;
			s++;
		}
		if (at && (!best_at || at > best_at)) {
			best = targets[i];
			best_at = at;
		}
	}
	return best;
}

bool sidecar_value(const char *crash, const char *key, char *out, size_t cap)
{
	const char *dot = strrchr(path_basename(crash), '.');
	size_t stem = dot ? (size_t)(dot - crash) : strlen(crash);
	char *txt = xmalloc(stem + 5);
	FILE *f;
	bool found = false;

	snprintf(txt, stem + 5, "%.*s.txt", (int)stem, crash);
	f = !strcmp(txt, crash) ? NULL : fopen(txt, "r");
	if (f) {
		char line[1024];
		size_t kl = strlen(key);

		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, key, kl) && line[kl] == ':') {
				const char *v = line + kl + 1;

				while (*v == ' ')
					v++;
				snprintf(out, cap, "%s", v);
				out[strcspn(out, "\n")] = '\0';
				found = true;
				break;
			}
		}
		fclose(f);
	}
	free(txt);
	return found;
}

enum kmm_program_kind guess_kind(const char *path)
{
	const char *t = guess_target(path);
	char kind[32];

	static const enum kmm_program_kind by_name[] = { KMM_PROGRAM_KMALLOC_DIFF, KMM_PROGRAM_SLUB,
							 KMM_PROGRAM_SLAB, KMM_PROGRAM_SLOB,
							 KMM_PROGRAM_NUMA };

	/* fuzz_trace_parser is no program kind: its binaries decode as pages */
	if (t)
		return kmm_program_kind_parse(t) >= 0 ? (enum kmm_program_kind)kmm_program_kind_parse(t)
						      : KMM_PROGRAM_PAGES;
	/* A crash saved by kmm fuzz, moved away from its directory. */
	if (sidecar_value(path, "kind", kind, sizeof(kind)) && kmm_program_kind_parse(kind) >= 0)
		return (enum kmm_program_kind)kmm_program_kind_parse(kind);
	for (size_t i = 0; i < sizeof(by_name) / sizeof(by_name[0]); i++)
		if (strstr(path_basename(path), kmm_program_kind_name(by_name[i])))
			return by_name[i];
	return KMM_PROGRAM_PAGES;
}

/* ---- programs ---- */

struct kmm_program *program_new(void)
{
	return xcalloc(1, sizeof(struct kmm_program));
}

int program_parse_text(const char *cmd, const char *path, const char *text, size_t len,
		       struct kmm_program *p)
{
	char err[512] = "";
	unsigned line, col;
	int off = 0;

	if (kmm_program_parse(text, len, p, err, sizeof(err)) == 0)
		return 0;
	/* The codec says "line L, column C: what"; tools say "FILE:L:C: what". */
	if (sscanf(err, "line %u, column %u: %n", &line, &col, &off) == 2 && off > 0)
		kmm_err(cmd, "%s:%u:%u: %s", path, line, col, err + off);
	else
		kmm_err(cmd, "%s: %s", path, err[0] ? err : "cannot parse");
	return -1;
}

/* Text if there is no NUL and control bytes are only whitespace. */
static bool looks_like_text(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
			return false;
		if (c == 0x7f)
			return false;
	}
	return true;
}

int program_load(const char *cmd, const char *path, enum kmm_program_kind kind,
		 struct kmm_program *p, bool *is_text)
{
	struct buf b = { 0 };
	bool text = has_suffix(path, ".trace");
	int rc = 0;

	if (read_file(cmd, path, &b)) {
		buf_free(&b);
		return -1;
	}
	if (text) {
		rc = program_parse_text(cmd, path, b.data, b.len, p);
	} else if (b.len && looks_like_text(b.data, b.len)) {
		char err[256];

		if (kmm_program_parse(b.data, b.len, p, err, sizeof(err)) == 0)
			text = true;
	}
	if (!text)
		kmm_program_decode((const uint8_t *)b.data, b.len, kind, p);
	if (is_text)
		*is_text = text;
	buf_free(&b);
	return rc;
}

int program_to_text(const struct kmm_program *p, uint32_t upto, struct buf *b)
{
	size_t need = kmm_program_format(p, upto, NULL, 0);

	b->len = 0;
	if (buf_reserve(b, need + 1))
		return -1;
	kmm_program_format(p, upto, b->data, need + 1);
	b->len = strlen(b->data);
	return 0;
}

int program_to_binary(const struct kmm_program *p, enum kmm_program_kind kind, struct buf *b)
{
	size_t cap = 1u << 16, need;
	struct kmm_program *back;
	struct buf t1 = { 0 }, t2 = { 0 };
	int rc = 0;

	/* snprintf rules: ask with a generous buffer, grow once if needed. */
	for (;;) {
		b->len = 0;
		if (buf_reserve(b, cap))
			return -2;
		need = kmm_program_encode(p, (uint8_t *)b->data, cap);
		if (need <= cap)
			break;
		cap = need;
	}
	b->len = need;
	b->data[need] = '\0';
	back = program_new();
	kmm_program_decode((const uint8_t *)b->data, b->len, kind, back);
	if (program_to_text(p, UINT32_MAX, &t1) || program_to_text(back, UINT32_MAX, &t2))
		rc = -2;
	else if (t1.len != t2.len || memcmp(t1.data, t2.data, t1.len))
		rc = -1;
	buf_free(&t1);
	buf_free(&t2);
	free(back);
	return rc;
}
