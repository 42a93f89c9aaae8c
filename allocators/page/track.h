/* SPDX-License-Identifier: MIT */
/*
 * Memory tracking: the one place where page allocator events meet the
 * memory checkers, so that touching a free page in the arena is an error
 * reported by the tool in use.
 *
 *   kmm_track_arena_created(k, bytes)   the whole arena starts unaddressable
 *   kmm_track_arena_destroyed(k, bytes) forget it (before unmapping)
 *   kmm_track_alloc(k, addr, bytes)     a block was handed to a user
 *   kmm_track_free(k, addr, bytes)      a block came back from its user
 *
 * Only the user's view matters: pages on pcp lists and in the buddy lists
 * are both "free" here; splitting and merging never touch the arena (all
 * metadata lives in struct page), so they need no events.
 *
 * ASan (clang __has_feature(address_sanitizer), gcc __SANITIZE_ADDRESS__):
 * manual poisoning; a touch reads "use-after-poison". A platform whose
 * arenas come already poisoned (kmm_platform.arena_poisoned, a platform
 * that keeps one arena for system after system) is spared the two
 * arena-sized shadow memsets: create poisons nothing, and destroy poisons
 * back only the blocks still handed out (kmm_track_repoison_allocated_,
 * system.c) so the arena goes back whole. Valgrind (built with
 * KMM_VALGRIND, headers from <valgrind/memcheck.h>): the arena is a mempool
 * anchored at its base; blocks are MEMPOOL_ALLOC'd / MEMPOOL_FREE'd and a
 * touch reads "Invalid write". A client request costs a dozen instructions
 * even natively, so they are issued only when the process runs under
 * Valgrind (k->vg_tracking, RUNNING_ON_VALGRIND asked once at create).
 * Without either, every macro is empty.
 */
#ifndef KMM_PAGE_TRACK_H
#define KMM_PAGE_TRACK_H

#if defined(__SANITIZE_ADDRESS__)
#define KMM_TRACK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KMM_TRACK_ASAN 1
#endif
#endif

#if defined(KMM_TRACK_ASAN)
#include <sanitizer/asan_interface.h>
#define kmm_asan_poison_(addr, bytes) __asan_poison_memory_region((addr), (bytes))
#define kmm_asan_unpoison_(addr, bytes) __asan_unpoison_memory_region((addr), (bytes))
#else
#define kmm_asan_poison_(addr, bytes) ((void)(addr), (void)(bytes))
#define kmm_asan_unpoison_(addr, bytes) ((void)(addr), (void)(bytes))
#endif

#if defined(KMM_VALGRIND)
#if KMM_VALGRIND
#define KMM_TRACK_VALGRIND 1
#endif
#endif

#if defined(KMM_TRACK_VALGRIND)
#include <valgrind/memcheck.h>
#define kmm_vg_running_() (RUNNING_ON_VALGRIND != 0)
#define kmm_vg_create_(k, bytes)                                            \
	do {                                                                \
		if ((k)->vg_tracking) {                                     \
			VALGRIND_CREATE_MEMPOOL((k)->arena, 0, 0);          \
			VALGRIND_MAKE_MEM_NOACCESS((k)->arena, (bytes));    \
		}                                                           \
	} while (0)
#define kmm_vg_destroy_(k, bytes)                                           \
	do {                                                                \
		if ((k)->vg_tracking) {                                     \
			VALGRIND_DESTROY_MEMPOOL((k)->arena);               \
			VALGRIND_MAKE_MEM_UNDEFINED((k)->arena, (bytes));   \
		}                                                           \
	} while (0)
#define kmm_vg_alloc_(k, addr, bytes)                                       \
	do {                                                                \
		if (__builtin_expect((k)->vg_tracking, 0))                  \
			VALGRIND_MEMPOOL_ALLOC((k)->arena, (addr), (bytes)); \
	} while (0)
#define kmm_vg_free_(k, addr)                                               \
	do {                                                                \
		if (__builtin_expect((k)->vg_tracking, 0))                  \
			VALGRIND_MEMPOOL_FREE((k)->arena, (addr));          \
	} while (0)
#else
#define kmm_vg_running_() false
#define kmm_vg_create_(k, bytes) ((void)(k), (void)(bytes))
#define kmm_vg_destroy_(k, bytes) ((void)(k), (void)(bytes))
#define kmm_vg_alloc_(k, addr, bytes) ((void)(k), (void)(addr), (void)(bytes))
#define kmm_vg_free_(k, addr) ((void)(k), (void)(addr))
#endif

/* Does a block handed out or taken back need a tracking event at all? The
 * fast paths test this once and keep the events out of line. */
#if defined(KMM_TRACK_ASAN)
#define kmm_tracking(k) ((void)(k), true)
#else
#define kmm_tracking(k) ((k)->tracking)
#endif

#define kmm_track_arena_created(k, bytes)                          \
	do {                                                       \
		(k)->vg_tracking = kmm_vg_running_();              \
		(k)->tracking = (k)->vg_tracking;                  \
		kmm_vg_create_((k), (bytes));                      \
		if (!(k)->plat->arena_poisoned)                    \
			kmm_asan_poison_((k)->arena, (bytes));     \
	} while (0)
#define kmm_track_arena_destroyed(k, bytes)                        \
	do {                                                       \
		if ((k)->plat->arena_poisoned)                     \
			kmm_track_repoison_allocated_(k);          \
		else                                               \
			kmm_asan_unpoison_((k)->arena, (bytes));   \
		kmm_vg_destroy_((k), (bytes));                     \
	} while (0)
#define kmm_track_alloc(k, addr, bytes)                    \
	do {                                               \
		kmm_vg_alloc_((k), (addr), (bytes));       \
		kmm_asan_unpoison_((addr), (bytes));       \
		kmm_tp_fire_((k), (addr), (bytes), true);  \
	} while (0)
#define kmm_track_free(k, addr, bytes)                     \
	do {                                               \
		kmm_tp_fire_((k), (addr), (bytes), false); \
		kmm_asan_poison_((addr), (bytes));         \
		kmm_vg_free_((k), (addr));                 \
	} while (0)

/* ASan with an arena_poisoned platform: poison every block still handed out
 * (system.c; nothing without ASan). */
void kmm_track_repoison_allocated_(struct kmm *k);

/* The tracepoints (kmm_set_page_tracepoints), out of line in system.c. */
void kmm_tp_fire_slow_(struct kmm *k, const void *addr, size_t bytes, bool alloc);
#define kmm_tp_fire_(k, addr, bytes, alloc)                                  \
	do {                                                                 \
		if (__builtin_expect((k)->tp.mm_page_alloc != NULL, 0))      \
			kmm_tp_fire_slow_((k), (addr), (bytes), (alloc));    \
	} while (0)

#endif
