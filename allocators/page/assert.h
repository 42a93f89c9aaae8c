/* SPDX-License-Identifier: MIT */
/*
 * Tiered asserts of the page allocator (the kernel's VM_BUG_ON family, minus
 * the BUG): a failed assert is reported as a KMM_REPORT_CHECK and execution
 * goes on, because libkmm never aborts on its own.
 *
 *   KMM_ASSERT(k, cond)            level 1: O(1) checks, cheap enough for dev builds
 *   KMM_ASSERT_EXPENSIVE(k, cond)  level 2: walks (e.g. a whole free list)
 *
 * Two gates: the compile-time ceiling KMM_DEBUG (or KMM_DEBUG_LEVEL, as the
 * build passes it; default 2 = everything compiled in) and the runtime
 * k->cfg.debug_level. An assert compiled out still type-checks its condition
 * (inside sizeof, never evaluated), so it cannot rot.
 */
#ifndef KMM_PAGE_ASSERT_H
#define KMM_PAGE_ASSERT_H

#include "internal.h"

#if !defined(KMM_DEBUG)
#if defined(KMM_DEBUG_LEVEL)
#define KMM_DEBUG KMM_DEBUG_LEVEL
#else
#define KMM_DEBUG 2
#endif
#endif

/* Type-check cond without evaluating it. */
#define KMM_ASSERT_NOP_(k, cond) ((void)sizeof((k)->cfg.debug_level + !(cond)))

#define KMM_ASSERT_AT_(k, level, cond)                                                  \
	do {                                                                            \
		if (kmm_unlikely((k)->cfg.debug_level >= (level)) && kmm_unlikely(!(cond))) \
			kmm_assert_fail_((k), #cond, __FILE__, __LINE__);               \
	} while (0)

#if KMM_DEBUG >= 1
#define KMM_ASSERT(k, cond) KMM_ASSERT_AT_(k, 1u, cond)
#else
#define KMM_ASSERT(k, cond) KMM_ASSERT_NOP_(k, cond)
#endif

#if KMM_DEBUG >= 2
#define KMM_ASSERT_EXPENSIVE(k, cond) KMM_ASSERT_AT_(k, 2u, cond)
#else
#define KMM_ASSERT_EXPENSIVE(k, cond) KMM_ASSERT_NOP_(k, cond)
#endif

#endif
