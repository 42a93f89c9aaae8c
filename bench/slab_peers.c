/* SPDX-License-Identifier: MIT */
/* Finding the peer allocators (slab_peers.h explains the arrangement). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "slab_peers.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* glibc's allocator under its own names: there whatever malloc is. */
extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);
extern void *__libc_realloc(void *p, size_t size);

static struct bench_peer peers_[NR_PEERS];

static void dl_peer_(struct bench_peer *p, const char *lib, const char *m, const char *f, const char *r)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(p->why, sizeof(p->why), "dlopen %s: %s", lib, dlerror());
		return;
	}
	/* POSIX lets dlsym's object pointer hold a function; ISO C needs the
	 * detour through memcpy. */
	void *sm = dlsym(h, m), *sf = dlsym(h, f), *sr = dlsym(h, r);
	memcpy(&p->malloc_fn, &sm, sizeof(sm));
	memcpy(&p->free_fn, &sf, sizeof(sf));
	memcpy(&p->realloc_fn, &sr, sizeof(sr));
	if (!p->malloc_fn || !p->free_fn || !p->realloc_fn) {
		snprintf(p->why, sizeof(p->why), "%s lacks %s/%s/%s", lib, m, f, r);
		return;
	}
	p->source = lib;
	p->available = true;
}

const struct bench_peer *bench_peers_load(void)
{
	static bool loaded;
	if (loaded)
		return peers_;
	loaded = true;

	peers_[PEER_GLIBC] = (struct bench_peer){ .name = "glibc", .source = "__libc_malloc", .available = true,
						  .malloc_fn = __libc_malloc, .free_fn = __libc_free,
						  .realloc_fn = __libc_realloc };

	peers_[PEER_JEMALLOC].name = "jemalloc";
#if defined(KMM_BENCH_JEMALLOC_LINKED)
	{
		/* Linked: jemalloc is the process malloc; make sure it really is
		 * (mallocx is jemalloc's own API). */
		if (dlsym(RTLD_DEFAULT, "mallocx")) {
			peers_[PEER_JEMALLOC].malloc_fn = malloc;
			peers_[PEER_JEMALLOC].free_fn = free;
			peers_[PEER_JEMALLOC].realloc_fn = realloc;
			peers_[PEER_JEMALLOC].source = "linked (process malloc)";
			peers_[PEER_JEMALLOC].available = true;
		} else {
			snprintf(peers_[PEER_JEMALLOC].why, sizeof(peers_[PEER_JEMALLOC].why),
				 "linked, but mallocx is missing: malloc is not jemalloc's");
		}
	}
#else
	snprintf(peers_[PEER_JEMALLOC].why, sizeof(peers_[PEER_JEMALLOC].why),
		 "not found at build time (apt-get install libjemalloc-dev, then reconfigure)");
#endif

	peers_[PEER_MIMALLOC].name = "mimalloc";
	dl_peer_(&peers_[PEER_MIMALLOC], "libmimalloc.so.2", "mi_malloc", "mi_free", "mi_realloc");
	peers_[PEER_TCMALLOC].name = "tcmalloc";
	dl_peer_(&peers_[PEER_TCMALLOC], "libtcmalloc_minimal.so.4", "tc_malloc", "tc_free", "tc_realloc");
	return peers_;
}
