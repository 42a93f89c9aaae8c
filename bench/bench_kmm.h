/* SPDX-License-Identifier: MIT */
/*
 * What every benchmark does to a libkmm system before timing it.
 */
#ifndef KMM_BENCH_KMM_H
#define KMM_BENCH_KMM_H

#include <kmm/kmm.h>

/*
 * Fault the arena and the struct pages in: take every block the system
 * will give (largest first), write it, give it all back and drain the
 * per-CPU lists. The simulated physical memory is then resident, so no
 * timed run pays host page faults a peer with a warmed heap does not pay
 * (the buddy lists hand out different blocks run after run, and a 1 GiB
 * arena is otherwise touched a piece a run). Call it before any slab
 * cache holds pages. 0, or -1 with a message on stderr (out of host
 * memory, or kmm_page_check disagrees with the state left behind).
 */
int bench_kmm_prefault(struct kmm *k, uint32_t nr_pages, const char *who);

#endif
