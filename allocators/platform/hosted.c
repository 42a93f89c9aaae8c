// SPDX-License-Identifier: MIT
/*
 * The hosted (POSIX) platform: what a libkmm system needs from a Linux or
 * BSD user-space host.
 *
 *  - arena: one anonymous mmap with MAP_NORESERVE, so a system can stand for
 *    gigabytes of "physical" memory while only the pages it touches are
 *    backed;
 *  - metadata: calloc (the struct page array, per-CPU state, report buffers);
 *  - locks: pthread mutexes stored inside struct kmm_lock;
 *  - current CPU: a thread-local slot that kmm_set_cpu() fills on a threaded
 *    system. sched_getcpu() % nr_cpus would tie per-CPU lists to the host
 *    scheduler and make runs irreproducible, so it is deliberately not used;
 *    a thread that never called kmm_set_cpu() runs on CPU 0. The slot is per
 *    thread, not per system: a thread is the same simulated CPU in every
 *    threaded system it uses;
 *  - backtraces: glibc's backtrace() (execinfo.h);
 *  - kmm_report_to_stderr(), the stdio report sink for tools and tests.
 *
 * kmm_platform_hosted_huge() is the same platform with the arena and the
 * large metadata blocks (the struct page array) advised MADV_HUGEPAGE:
 * what the kernel's direct map of physical memory and its vmemmap are,
 * 2 MiB mappings, so that walking a big working set of objects and their
 * struct pages does not miss the TLB on every 4 KiB page. It is an
 * explicit choice (cfg.platform), never the default: with transparent
 * huge pages the first touch of a page can fault in and zero 2 MiB, which
 * many small short-lived systems (the fuzzers') must not pay. A refused
 * advice (a kernel without THP, THP "never") leaves small pages and
 * changes nothing else. Its ctx points to the advice given (an int), so a
 * test can hand the same hooks an advice the host refuses.
 *
 * This is the only file of allocators/ that talks to the host directly; a
 * kernel or firmware port replaces it with its own struct kmm_platform.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <execinfo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <kmm/platform.h>
#include <kmm/report.h>

_Static_assert(sizeof(pthread_mutex_t) <= sizeof(struct kmm_lock), "struct kmm_lock too small");
_Static_assert(_Alignof(pthread_mutex_t) <= _Alignof(struct kmm_lock), "struct kmm_lock underaligned");

/* The calling thread's simulated CPU (see above). */
static _Thread_local unsigned hosted_cpu_slot;

/* The arena is aligned to a MAX_ORDER block (4 MiB), as physical memory
 * is: then a block of order n is 2^n pages aligned in host addresses too,
 * and so is everything carved from it (kmalloc-8k objects are 8 KiB
 * aligned, as the kernel promises for power-of-two sizes). Map the size
 * plus one alignment and trim both ends. */
#define ARENA_ALIGN ((size_t)KMM_PAGE_SIZE << KMM_MAX_ORDER)

static void *hosted_arena_map(void *ctx, size_t bytes)
{
	(void)ctx;
	if (bytes > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	char *p = mmap(NULL, bytes + ARENA_ALIGN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	char *base = (char *)(((uintptr_t)p + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1));
	if (base > p)
		munmap(p, (size_t)(base - p));
	size_t tail = (size_t)(p + bytes + ARENA_ALIGN - (base + bytes));
	if (tail)
		munmap(base + bytes, tail);
	return base;
}

static void hosted_arena_unmap(void *ctx, void *base, size_t bytes)
{
	(void)ctx;
	munmap(base, bytes);
}

/* Cache-line aligned: a 64-byte struct page then sits in one line (glibc's
 * calloc gives 16-byte alignment, and every struct page straddled two lines,
 * two misses a lookup), and per-CPU state does not share lines. */
#define META_ALIGN 64u

static void *hosted_meta_alloc(void *ctx, size_t bytes)
{
	void *p = NULL;
	(void)ctx;
	if (!bytes)
		bytes = 1;
	if (posix_memalign(&p, META_ALIGN, bytes) != 0)
		return NULL;
	memset(p, 0, bytes);
	return p;
}

static void hosted_meta_free(void *ctx, void *p, size_t bytes)
{
	(void)ctx;
	(void)bytes;
	free(p);
}

static pthread_mutex_t *mutex_of(struct kmm_lock *l)
{
	return (pthread_mutex_t *)(void *)l->opaque;
}

static void hosted_lock_init(void *ctx, struct kmm_lock *l)
{
	(void)ctx;
	pthread_mutex_init(mutex_of(l), NULL);
}

static void hosted_lock_destroy(void *ctx, struct kmm_lock *l)
{
	(void)ctx;
	pthread_mutex_destroy(mutex_of(l));
}

static void hosted_lock(void *ctx, struct kmm_lock *l)
{
	(void)ctx;
	pthread_mutex_lock(mutex_of(l));
}

static void hosted_unlock(void *ctx, struct kmm_lock *l)
{
	(void)ctx;
	pthread_mutex_unlock(mutex_of(l));
}

static unsigned hosted_current_cpu(void *ctx)
{
	(void)ctx;
	return hosted_cpu_slot;
}

static void hosted_set_current_cpu(void *ctx, unsigned cpu)
{
	(void)ctx;
	hosted_cpu_slot = cpu;
}

static int hosted_backtrace(void *ctx, uintptr_t *frames, int max)
{
	void *buf[64];
	int n;

	(void)ctx;
	if (max <= 0)
		return 0;
	n = backtrace(buf, max < 64 ? max : 64);
	for (int i = 0; i < n; i++)
		frames[i] = (uintptr_t)buf[i];
	return n;
}

/* ---- kmm_platform_hosted_huge(): the same, in huge pages ------------------ */

/* Metadata blocks at least this big (the struct page array of any system
 * worth huge pages: 2 MiB of it describes 128 MiB) come from their own
 * 2 MiB-aligned mapping; smaller ones from calloc as above. */
#define HUGE_SIZE ((size_t)2 << 20)

static void advise_(void *ctx, void *p, size_t bytes)
{
	if (ctx)
		(void)madvise(p, bytes, *(const int *)ctx); /* refused: small pages */
}

static void *hosted_arena_map_huge(void *ctx, size_t bytes)
{
	void *base = hosted_arena_map(NULL, bytes);
	if (base)
		advise_(ctx, base, bytes);
	return base;
}

static size_t huge_round_(size_t bytes)
{
	return (bytes + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
}

static void *hosted_meta_alloc_huge(void *ctx, size_t bytes)
{
	if (bytes < HUGE_SIZE || bytes > SIZE_MAX - 2 * HUGE_SIZE)
		return hosted_meta_alloc(NULL, bytes);
	size_t len = huge_round_(bytes);
	char *p = mmap(NULL, len + HUGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	char *base = (char *)(((uintptr_t)p + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1));
	if (base > p)
		munmap(p, (size_t)(base - p));
	if (p + HUGE_SIZE > base)
		munmap(base + len, (size_t)(p + HUGE_SIZE - base));
	advise_(ctx, base, len);
	return base; /* anonymous memory: zeroed, as meta_alloc promises */
}

static void hosted_meta_free_huge(void *ctx, void *p, size_t bytes)
{
	if (bytes < HUGE_SIZE || bytes > SIZE_MAX - 2 * HUGE_SIZE) {
		hosted_meta_free(NULL, p, bytes);
		return;
	}
	(void)ctx;
	if (p)
		munmap(p, huge_round_(bytes));
}

static const int hosted_huge_advice = MADV_HUGEPAGE;

/* What the two hosted platforms share: locks, the current CPU, backtraces. */
#define HOSTED_SHARED_OPS_                              \
	.lock_init = hosted_lock_init,                  \
	.lock_destroy = hosted_lock_destroy,            \
	.lock = hosted_lock,                            \
	.unlock = hosted_unlock,                        \
	.current_cpu = hosted_current_cpu,              \
	.backtrace = hosted_backtrace,                  \
	.set_current_cpu = hosted_set_current_cpu,

static const struct kmm_platform hosted_platform = {
	.ctx = NULL,
	.arena_map = hosted_arena_map,
	.arena_unmap = hosted_arena_unmap,
	.meta_alloc = hosted_meta_alloc,
	.meta_free = hosted_meta_free,
	HOSTED_SHARED_OPS_
};

const struct kmm_platform *kmm_platform_hosted(void)
{
	return &hosted_platform;
}

static const struct kmm_platform hosted_huge_platform = {
	.ctx = (void *)&hosted_huge_advice,
	.arena_map = hosted_arena_map_huge,
	.arena_unmap = hosted_arena_unmap,
	.meta_alloc = hosted_meta_alloc_huge,
	.meta_free = hosted_meta_free_huge,
	HOSTED_SHARED_OPS_
};

const struct kmm_platform *kmm_platform_hosted_huge(void)
{
	return &hosted_huge_platform;
}

void kmm_report_to_stderr(void *ctx, enum kmm_report_kind kind, const char *text)
{
	(void)ctx;
	(void)kind;
	fputs(text, stderr);
}
