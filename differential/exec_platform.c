// SPDX-License-Identifier: MIT
/*
 * The platform the executor builds fuzzer-sized systems on: the hosted one,
 * except that the arena mapping and the big metadata blocks (the struct
 * page array) outlive the system and serve the next one.
 *
 * Why: a fuzz input builds and tears down a whole system. With a fresh
 * mmap per run, every arena page the run touches (patterns, __GFP_ZERO,
 * the struct page array) is a page fault, and on a virtual machine a fault
 * costs microseconds: faults, not allocator work, were most of an
 * execution. Reused memory is already resident. Contents left over from the
 * last run do not matter: libkmm zeroes what __GFP_ZERO asks for, the
 * executor writes every pattern before it reads it, and metadata is zeroed
 * here as the platform contract requires. ASan state is libkmm's business:
 * it poisons the arena at create and unpoisons it at destroy.
 *
 * The cache is per thread (no locks, nothing shared between parallel
 * runners) and holds one arena of at most REUSE_ARENA_MAX bytes, the
 * metadata blocks of one system and the reference model's block; a second
 * live system on the same thread, or a bigger one, simply gets the hosted
 * platform's fresh memory. It lives until the
 * thread ends. The executor's per-run tables (handles, the live list)
 * come from a few per-thread scratch blocks the same way
 * (exec_reuse_calloc). kmm_exec_run() and kmm_exec_run_raw() use it;
 * kmm_exec_run_ops() and kmm_exec_run_raw_ops() (benchmarks, 1M-op
 * programs) get exec_platform_huge(): the same kept arena, fresh
 * metadata. Both back the arena with transparent huge pages when the host
 * offers them (see huge_arena_map).
 *
 * Why the benchmarks keep the arena too: a checked run writes a pattern
 * into every block it is handed, a raw run touches only what __GFP_ZERO
 * clears, so with a fresh mapping per run the checked run paid the
 * first-touch faults of the whole arena (a tenth of its time on a VM) and
 * the raw run did not. With the arena of the previous run both start from
 * resident memory, as the fuzz targets do, and what is compared is the
 * harness's work, not the kernel's page faults.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define EXEC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EXEC_ASAN 1
#endif
#endif
#ifdef EXEC_ASAN
#include <sanitizer/asan_interface.h>
#define exec_poison_(p, n) __asan_poison_memory_region((p), (n))
#define exec_unpoison_(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define exec_poison_(p, n) ((void)(p), (void)(n))
#define exec_unpoison_(p, n) ((void)(p), (void)(n))
#endif

#include "exec_internal.h"

/* Memory plumbing whose branches depend on what earlier runs left behind,
 * not on the program: no sanitizer-coverage instrumentation under clang's
 * fuzzer builds, so a fuzzer never sees coverage that changes from one run
 * of the same input to the next (see KMM_NO_COVERAGE in
 * allocators/page/internal.h). */
EXEC_NO_COVERAGE_BEGIN

#define REUSE_ARENA_MAX ((size_t)256 << 20) /* bytes of arena kept mapped */
#define REUSE_ARENA_MIN ((size_t)64 << 20)  /* map at least this (virtual, NORESERVE) */
#define REUSE_META_MIN ((size_t)1)          /* every metadata block is kept */
/* Enough for every metadata block of the biggest system a program can
 * describe: struct kmm, the struct page array, two pageblock tables and
 * one pcp array per populated zone (8 nodes x 5 zones). Under ASan every
 * calloc is fresh memory (freed blocks sit in quarantine), so a block not
 * kept here costs page faults on every run. */
#define REUSE_META_SLOTS 128

struct reuse_block {
	void *p;
	size_t cap;
	bool busy;
};

#define REUSE_SCRATCH_SLOTS 4
#define REUSE_SCRATCH_MAX ((size_t)1 << 20) /* bigger tables: plain calloc */

static _Thread_local struct reuse_block reuse_arena;
static _Thread_local struct reuse_block reuse_model;
static _Thread_local struct reuse_block reuse_meta[REUSE_META_SLOTS];
/* Slots at and past reuse_meta_used have never held a block (a new block
 * takes the first such slot unless an emptied one comes first), so
 * searches stop there instead of scanning all REUSE_META_SLOTS. */
static _Thread_local unsigned reuse_meta_used;
static _Thread_local struct reuse_block reuse_scratch[REUSE_SCRATCH_SLOTS];

/*
 * A fresh arena, backed by transparent huge pages where the host allows it
 * (MADV_HUGEPAGE is a hint; NORESERVE still leaves untouched memory
 * unbacked). The executor touches every allocated page for its patterns;
 * with 4 KiB pages each of those touches is a TLB miss and, the first time,
 * a page fault, which then dominates both runs. Raw and checked runs get
 * the same arena, so their comparison stays fair.
 */
static void *huge_arena_map(void *ctx, size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	(void)ctx;
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

/*
 * Arenas here are arena_poisoned (include/kmm/platform.h): under ASan each
 * one is handed out poisoned from end to end and comes back the same way,
 * so the kept arena is poisoned once when it is mapped and never again,
 * instead of twice per system (poison at create, unpoison at destroy) over
 * its whole size, which was a fifth of a small fuzz input's run. An arena
 * leaving for good is unpoisoned first. Without ASan these are no-ops.
 */
static void *reuse_arena_map(void *ctx, size_t bytes)
{
	struct reuse_block *a = &reuse_arena;
	void *p;

	if (a->busy || bytes > REUSE_ARENA_MAX) {
		p = kmm_platform_hosted()->arena_map(ctx, bytes);
		if (p)
			exec_poison_(p, bytes);
		return p;
	}
	if (a->p && a->cap >= bytes) {
		a->busy = true;
		return a->p;
	}
	if (a->p) {
		exec_unpoison_(a->p, a->cap);
		munmap(a->p, a->cap);
	}
	a->p = NULL;
	/* Room for the next, bigger system too: fuzzers vary the size. */
	a->cap = bytes > REUSE_ARENA_MIN ? bytes : REUSE_ARENA_MIN;
	p = huge_arena_map(ctx, a->cap);
	if (!p)
		return NULL;
	exec_poison_(p, a->cap);
	a->p = p;
	a->busy = true;
	return p;
}

static void reuse_arena_unmap(void *ctx, void *base, size_t bytes)
{
	if (base && base == reuse_arena.p && reuse_arena.busy) {
		reuse_arena.busy = false; /* kept for the next system, poisoned */
		return;
	}
	exec_unpoison_(base, bytes);
	kmm_platform_hosted()->arena_unmap(ctx, base, bytes);
}

static void *reuse_meta_alloc(void *ctx, size_t bytes)
{
	struct reuse_block *best = NULL, *empty = NULL;

	if (bytes < REUSE_META_MIN)
		return kmm_platform_hosted()->meta_alloc(ctx, bytes);
	for (unsigned i = 0; i < reuse_meta_used; i++) {
		struct reuse_block *b = &reuse_meta[i];

		if (!b->p && !empty)
			empty = b;
		if (b->p && !b->busy && b->cap >= bytes && (!best || b->cap < best->cap))
			best = b;
	}
	if (!empty && reuse_meta_used < REUSE_META_SLOTS)
		empty = &reuse_meta[reuse_meta_used];
	/* A block far bigger than asked is left for the request it was made
	 * for (the struct page array, struct kmm) while a slot is free. */
	if (best && best->cap / 4 > bytes + 4096 && empty)
		best = NULL;
	if (best) {
		memset(best->p, 0, bytes);
		best->busy = true;
		return best->p;
	}
	if (!empty) /* every slot holds a block: drop the smallest idle one */
		for (unsigned i = 0; i < REUSE_META_SLOTS; i++)
			if (!reuse_meta[i].busy && (!empty || reuse_meta[i].cap < empty->cap))
				empty = &reuse_meta[i];
	if (!empty)
		return kmm_platform_hosted()->meta_alloc(ctx, bytes);
	if (empty == &reuse_meta[reuse_meta_used])
		reuse_meta_used++;
	free(empty->p);
	empty->p = calloc(1, bytes);
	empty->cap = empty->p ? bytes : 0;
	empty->busy = empty->p != NULL;
	return empty->p;
}

static void reuse_meta_free(void *ctx, void *p, size_t bytes)
{
	for (unsigned i = 0; p && i < reuse_meta_used; i++) {
		if (reuse_meta[i].p == p && reuse_meta[i].busy) {
			reuse_meta[i].busy = false;
			return;
		}
	}
	kmm_platform_hosted()->meta_free(ctx, p, bytes);
}

void *exec_reuse_model_mem(size_t bytes)
{
	struct reuse_block *b = &reuse_model;

	if (b->busy || !bytes)
		return NULL;
	if (b->cap < bytes) {
		free(b->p);
		b->p = malloc(bytes);
		b->cap = b->p ? bytes : 0;
		if (!b->p)
			return NULL;
	}
	b->busy = true;
	return b->p;
}

bool exec_reuse_model_release(void *p)
{
	if (!p || p != reuse_model.p || !reuse_model.busy)
		return false;
	reuse_model.busy = false;
	return true;
}

void *exec_reuse_calloc(size_t n, size_t size)
{
	size_t bytes = n * size;
	struct reuse_block *pick = NULL;

	if (size && bytes / size != n)
		return NULL;
	if (bytes && bytes <= REUSE_SCRATCH_MAX) {
		for (unsigned i = 0; i < REUSE_SCRATCH_SLOTS; i++) {
			struct reuse_block *b = &reuse_scratch[i];

			if (b->busy)
				continue;
			if (b->cap >= bytes) {
				pick = b;
				break;
			}
			if (!pick || b->cap > pick->cap)
				pick = b; /* grow the biggest idle one */
		}
	}
	if (!pick)
		return calloc(n ? n : 1, size ? size : 1);
	if (pick->cap < bytes) {
		void *p = realloc(pick->p, bytes);

		if (!p)
			return NULL;
		pick->p = p;
		pick->cap = bytes;
	}
	memset(pick->p, 0, bytes);
	pick->busy = true;
	return pick->p;
}

bool exec_reuse_free(void *p)
{
	for (unsigned i = 0; p && i < REUSE_SCRATCH_SLOTS; i++) {
		if (reuse_scratch[i].p == p && reuse_scratch[i].busy) {
			reuse_scratch[i].busy = false;
			return true;
		}
	}
	return false;
}

const struct kmm_platform *exec_platform_huge(struct kmm_platform *storage)
{
	*storage = *kmm_platform_hosted();
	storage->arena_map = reuse_arena_map;
	storage->arena_unmap = reuse_arena_unmap;
	storage->arena_poisoned = true;
	return storage;
}

const struct kmm_platform *exec_platform_reuse(struct kmm_platform *storage)
{
	*storage = *kmm_platform_hosted();
	storage->arena_map = reuse_arena_map;
	storage->arena_unmap = reuse_arena_unmap;
	storage->arena_poisoned = true;
	storage->meta_alloc = reuse_meta_alloc;
	storage->meta_free = reuse_meta_free;
	return storage;
}

EXEC_NO_COVERAGE_END
