/* SPDX-License-Identifier: MIT */
/*
 * The platform interface: everything allocators/ needs from its host.
 *
 * allocators/ uses nothing else from the host but string functions and
 * snprintf-style formatting, so a kernel or firmware can lift it by
 * providing one of these tables. kmm_platform_hosted() is the POSIX one
 * (mmap NORESERVE arena, pthread mutexes, calloc for metadata).
 */
#ifndef KMM_PLATFORM_H
#define KMM_PLATFORM_H

#include <kmm/types.h>

/* Storage for a host lock; big enough for a pthread_mutex_t. */
struct kmm_lock {
	_Alignas(8) unsigned char opaque[64];
};

struct kmm_platform {
	void *ctx; /* passed back to every hook */

	/* Simulated physical memory: bytes reserved (untouched pages may stay
	 * unbacked). NULL on failure. */
	void *(*arena_map)(void *ctx, size_t bytes);
	void (*arena_unmap)(void *ctx, void *base, size_t bytes);

	/* Zeroed metadata (struct page array, per-CPU state). NULL on failure.
	 * Cache-line alignment is not required, but a 64-byte struct page
	 * array that is not aligned costs two cache lines a lookup. */
	void *(*meta_alloc)(void *ctx, size_t bytes);
	void (*meta_free)(void *ctx, void *p, size_t bytes);

	/* Locks; only used when the config asks for real threads. */
	void (*lock_init)(void *ctx, struct kmm_lock *l);
	void (*lock_destroy)(void *ctx, struct kmm_lock *l);
	void (*lock)(void *ctx, struct kmm_lock *l);
	void (*unlock)(void *ctx, struct kmm_lock *l);

	/* CPU slot of the calling thread (threaded mode), < nr_cpus. */
	unsigned (*current_cpu)(void *ctx);

	/* Return addresses of the caller's stack, up to max; 0 if unsupported. */
	int (*backtrace)(void *ctx, uintptr_t *frames, int max);

	/* Bind the calling thread to CPU slot cpu (threaded mode: what
	 * kmm_set_cpu() does there). May be NULL: current_cpu decides alone. */
	void (*set_current_cpu)(void *ctx, unsigned cpu);

	/* AddressSanitizer builds only (ignored elsewhere). false: libkmm
	 * poisons the whole arena at kmm_create and unpoisons it at
	 * kmm_destroy, before arena_unmap. true: every arena arena_map returns
	 * is already poisoned from end to end, and arena_unmap takes it back
	 * poisoned (libkmm re-poisons whatever it handed out); a platform that
	 * keeps arenas from one system for the next saves two shadow memsets
	 * of the arena's size per system, and must unpoison an arena itself
	 * before giving its memory to anything but another system. */
	bool arena_poisoned;
};

/* The POSIX platform (mmap, pthreads, calloc). Its current_cpu is a
 * thread-local slot, 0 until the thread calls kmm_set_cpu() on a threaded
 * system (deterministic, unlike sched_getcpu()). */
const struct kmm_platform *kmm_platform_hosted(void);

/* The same with the arena and the large metadata blocks (the struct page
 * array) advised MADV_HUGEPAGE: the kernel's huge-page direct map and
 * vmemmap, for big long-lived systems (benchmarks). Opt-in through
 * cfg.platform, never the default: a first touch may fault in and zero
 * 2 MiB. A refused advice leaves small pages, nothing else changes. Its
 * ctx points to the madvise advice (an int) its hooks give. */
const struct kmm_platform *kmm_platform_hosted_huge(void);

#endif
