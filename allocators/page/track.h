/* SPDX-License-Identifier: MIT */
/*
 * Memory tracking: the one place where page allocator events meet the
 * memory checkers, so that touching a free page in the arena is an error
 * reported by the tool in use.
 *
 *   kmm_track_arena_created(base, bytes)   the whole arena starts unaddressable
 *   kmm_track_arena_destroyed(base, bytes) forget it (before unmapping)
 *   kmm_track_alloc(base, addr, bytes)     a block was handed to a user
 *   kmm_track_free(base, addr, bytes)      a block came back from its user
 *
 * Only the user's view matters: pages on pcp lists and in the buddy lists
 * are both "free" here; splitting and merging never touch the arena (all
 * metadata lives in struct page), so they need no events.
 *
 * ASan (clang __has_feature(address_sanitizer), gcc __SANITIZE_ADDRESS__):
 * manual poisoning; a touch reads "use-after-poison". Valgrind (built with
 * KMM_VALGRIND, headers from <valgrind/memcheck.h>): the arena is a mempool
 * anchored at its base; blocks are MEMPOOL_ALLOC'd / MEMPOOL_FREE'd and a
 * touch reads "Invalid write". Without either, every macro is empty.
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
#define kmm_vg_create_(base, bytes)                                 \
	do {                                                        \
		VALGRIND_CREATE_MEMPOOL((base), 0, 0);              \
		VALGRIND_MAKE_MEM_NOACCESS((base), (bytes));        \
	} while (0)
#define kmm_vg_destroy_(base, bytes)                                \
	do {                                                        \
		VALGRIND_DESTROY_MEMPOOL((base));                   \
		VALGRIND_MAKE_MEM_UNDEFINED((base), (bytes));       \
	} while (0)
#define kmm_vg_alloc_(base, addr, bytes) VALGRIND_MEMPOOL_ALLOC((base), (addr), (bytes))
#define kmm_vg_free_(base, addr) VALGRIND_MEMPOOL_FREE((base), (addr))
#else
#define kmm_vg_create_(base, bytes) ((void)(base), (void)(bytes))
#define kmm_vg_destroy_(base, bytes) ((void)(base), (void)(bytes))
#define kmm_vg_alloc_(base, addr, bytes) ((void)(base), (void)(addr), (void)(bytes))
#define kmm_vg_free_(base, addr) ((void)(base), (void)(addr))
#endif

#define kmm_track_arena_created(base, bytes)               \
	do {                                               \
		kmm_vg_create_((base), (bytes));           \
		kmm_asan_poison_((base), (bytes));         \
	} while (0)
#define kmm_track_arena_destroyed(base, bytes)             \
	do {                                               \
		kmm_asan_unpoison_((base), (bytes));       \
		kmm_vg_destroy_((base), (bytes));          \
	} while (0)
#define kmm_track_alloc(base, addr, bytes)                 \
	do {                                               \
		kmm_vg_alloc_((base), (addr), (bytes));    \
		kmm_asan_unpoison_((addr), (bytes));       \
	} while (0)
#define kmm_track_free(base, addr, bytes)                  \
	do {                                               \
		kmm_asan_poison_((addr), (bytes));         \
		kmm_vg_free_((base), (addr));              \
		(void)(bytes);                             \
	} while (0)

#endif
