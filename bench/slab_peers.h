/* SPDX-License-Identifier: MIT */
/*
 * The peer allocators bench_slab measures kmalloc against, all in one
 * process: glibc malloc, jemalloc, mimalloc and tcmalloc-minimal from
 * Debian's packages.
 *
 * They can't all be "malloc" at once. jemalloc's TLS model refuses dlopen
 * ("cannot allocate memory in static TLS block"), so when CMake found it the
 * bench links it and it becomes the process malloc; glibc's own allocator
 * stays reachable through its exported __libc_malloc / __libc_free /
 * __libc_realloc. mimalloc (mi_malloc ...) and tcmalloc (tc_malloc ...) are
 * dlopen'ed with RTLD_LOCAL and called by their prefixed names, so neither
 * takes over the process. A peer whose library is missing is skipped with a
 * note (apt-get install libjemalloc-dev libmimalloc-dev libtcmalloc-minimal4).
 */
#ifndef KMM_BENCH_SLAB_PEERS_H
#define KMM_BENCH_SLAB_PEERS_H

#include <stdbool.h>
#include <stddef.h>

enum bench_peer_id {
	PEER_GLIBC,
	PEER_JEMALLOC,
	PEER_MIMALLOC,
	PEER_TCMALLOC,
	NR_PEERS
};

struct bench_peer {
	const char *name;   /* "glibc", "jemalloc", ... */
	const char *source; /* how it was reached, for the banner */
	bool available;
	char why[160];      /* why not, when unavailable */
	void *(*malloc_fn)(size_t);
	void (*free_fn)(void *);
	void *(*realloc_fn)(void *, size_t);
};

/* Resolve every peer once; returns the table (NR_PEERS entries). */
const struct bench_peer *bench_peers_load(void);

#endif
