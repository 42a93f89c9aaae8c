/* SPDX-License-Identifier: MIT */
/*
 * A plain main() for any fuzz target: runs inputs through the target's
 * LLVMFuzzerTestOneInput exactly once each, with no fuzzing engine. It is
 * what ctest uses to replay corpora and regressions with any compiler, and
 * what runs under Valgrind (libFuzzer binaries do not).
 *
 *   replay_<t> [-v] [--random N [--seed S] [--max-len L] [--save DIR]] [PATH...]
 *
 * A PATH that is a file is one input; a directory contributes every regular
 * file below it (recursively, sorted by name, names starting with '.'
 * skipped). --random N adds N inputs generated from a fixed seed: every byte
 * string is a valid program for the binary targets, so this is a real test
 * even before any corpus exists; --save DIR writes each generated input to
 * DIR/random-<seed>-<i>.bin before running it, so the one that fails can be
 * replayed and triaged with kmm. Each input gets a buffer of exactly its
 * size, so a sanitizer sees any read past its end.
 *
 * Ends with "replayed N inputs" and exit 0. A target that finds a bug aborts
 * (the process dies with the target's message); a path that cannot be read
 * is an error (exit 2), as is being given nothing to replay.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool verbose;
static unsigned long replayed;
static const char *save_dir; /* --save: where generated inputs are written */

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-v] [--random N [--seed S] [--max-len L] [--save DIR]] [PATH...]\n"
		"  Runs each file (directories: every file below, sorted) through the fuzz\n"
		"  target once; --random adds N generated inputs (--save DIR keeps them as\n"
		"  DIR/random-<seed>-<i>.bin). Prints \"replayed N inputs\".\n",
		argv0);
}

static int run_one(const char *label, const uint8_t *data, size_t size)
{
	if (verbose)
		fprintf(stderr, "replay: %s (%zu bytes)\n", label, size);
	/* Engines ignore the return value; so do we (0 is the only defined one). */
	(void)LLVMFuzzerTestOneInput(data, size);
	replayed++;
	return 0;
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t size = 0, cap = 0;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (size == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			uint8_t *n = realloc(buf, ncap);
			if (!n) {
				fprintf(stderr, "replay: %s: out of memory\n", path);
				rc = -1;
				goto out;
			}
			buf = n;
			cap = ncap;
		}
		size_t got = fread(buf + size, 1, cap - size, f);
		size += got;
		if (got == 0) {
			if (ferror(f)) {
				fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
				rc = -1;
				goto out;
			}
			break;
		}
	}
	/* Exactly-sized copy: an over-read is then a sanitizer finding. */
	{
		uint8_t *exact = malloc(size ? size : 1);
		if (!exact) {
			fprintf(stderr, "replay: %s: out of memory\n", path);
			rc = -1;
			goto out;
		}
		if (size)
			memcpy(exact, buf, size);
		run_one(path, exact, size);
		free(exact);
	}
out:
	free(buf);
	fclose(f);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path);

static int replay_dir(const char *path)
{
	DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "replay: cannot open directory %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **nn = realloc(names, ncap * sizeof(*names));
			if (!nn) {
				fprintf(stderr, "replay: %s: out of memory\n", path);
				rc = -1;
				break;
			}
			names = nn;
			cap = ncap;
		}
		size_t len = strlen(path) + 1 + strlen(e->d_name) + 1;
		names[n] = malloc(len);
		if (!names[n]) {
			fprintf(stderr, "replay: %s: out of memory\n", path);
			rc = -1;
			break;
		}
		snprintf(names[n], len, "%s/%s", path, e->d_name);
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (replay_path(names[i]) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

static int replay_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: cannot access %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path);
	if (S_ISREG(st.st_mode))
		return replay_file(path);
	return 0; /* sockets, fifos: not inputs */
}

/* splitmix64: the generated inputs depend on the seed only. */
static uint64_t next_random(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Write one generated input before it runs: if it aborts, the file is there. */
static int save_input(uint64_t seed, unsigned long i, const uint8_t *buf, size_t len)
{
	char path[4096];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/random-%" PRIu64 "-%lu.bin", save_dir, seed, i);
	f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "replay: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	ok = len == 0 || fwrite(buf, 1, len, f) == len;
	if (fclose(f) != 0)
		ok = false;
	if (!ok) {
		fprintf(stderr, "replay: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

static int replay_random(unsigned long count, uint64_t seed, size_t max_len)
{
	uint8_t *buf;
	uint64_t s = seed;

	for (unsigned long i = 0; i < count; i++) {
		/* Mostly short inputs (fuzzers' sweet spot), some up to max_len. */
		uint64_t r = next_random(&s);
		size_t len = (r & 3) ? (size_t)(r >> 8) % (max_len / 8 + 1) : (size_t)(r >> 8) % (max_len + 1);
		char label[64];

		buf = malloc(len ? len : 1);
		if (!buf) {
			fprintf(stderr, "replay: out of memory\n");
			return -1;
		}
		for (size_t j = 0; j < len; j += 8) {
			uint64_t w = next_random(&s);
			size_t k = len - j < 8 ? len - j : 8;
			memcpy(buf + j, &w, k);
		}
		snprintf(label, sizeof(label), "random #%lu (seed %" PRIu64 ")", i, seed);
		if (save_dir && save_input(seed, i, buf, len) != 0) {
			free(buf);
			return -1;
		}
		run_one(label, buf, len);
		free(buf);
	}
	return 0;
}

static bool parse_ulong(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno == 0 && *end == '\0';
}

int main(int argc, char **argv)
{
	unsigned long long random_count = 0, seed = 1, max_len = 4096, v;
	int nr_paths = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-v")) {
			verbose = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(argv[0]);
			return 0;
		} else if (!strcmp(a, "--save")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "replay: --save needs a directory\n");
				return 2;
			}
			save_dir = argv[++i];
		} else if (!strcmp(a, "--random") || !strcmp(a, "--seed") || !strcmp(a, "--max-len")) {
			if (i + 1 >= argc || !parse_ulong(argv[i + 1], &v)) {
				fprintf(stderr, "replay: %s needs a non-negative number\n", a);
				return 2;
			}
			i++;
			if (!strcmp(a, "--random"))
				random_count = v;
			else if (!strcmp(a, "--seed"))
				seed = v;
			else
				max_len = v ? v : 1;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "replay: unknown option %s\n", a);
			usage(argv[0]);
			return 2;
		} else {
			nr_paths++;
		}
	}
	if (nr_paths == 0 && random_count == 0) {
		usage(argv[0]);
		return 2;
	}

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--random") || !strcmp(a, "--seed") || !strcmp(a, "--max-len") ||
		    !strcmp(a, "--save")) {
			i++;
			continue;
		}
		if (a[0] == '-' && a[1] != '\0')
			continue;
		if (replay_path(a) != 0)
			failed++;
	}
	if (random_count && replay_random((unsigned long)random_count, (uint64_t)seed,
					  (size_t)max_len) != 0)
		failed++;

	printf("replayed %lu inputs\n", replayed);
	if (failed) {
		fprintf(stderr, "replay: %d path(s) could not be replayed\n", failed);
		return 2;
	}
	return 0;
}
