/* SPDX-License-Identifier: MIT */
/*
 * fuzz_slub: the SLUB object allocator against the object reference model.
 *
 * The bytes decode (differential/codec_slab.c) into a slab program for a
 * small system (one node, two for a share of the inputs so kmalloc_node and
 * remote frees get exercised) built with SLUB, slab_debug letters and the
 * freelist hardenings taken from the header: kmem_cache create / destroy /
 * alloc / free / bulk / shrink, kmalloc / kzalloc / kcalloc / krealloc /
 * kfree, rcu_barrier, cache_reap, validate, page ops mixed in, and in misuse
 * mode every slab misuse kind. Every byte string is a valid program.
 * kmm_fuzz_run_input (differential/fuzz_run.c) runs it with every check and
 * on a mismatch prints a one-line signature plus the decoded program and
 * aborts: that abort is what libFuzzer and AFL++ record as a crash.
 *
 * The same file builds as fuzz_slub (libFuzzer or AFL++ via
 * -fsanitize=fuzzer) and replay_slub (fuzz/replay_main.c, any compiler).
 */
#include <stddef.h>
#include <stdint.h>

#include "../differential/executor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return kmm_fuzz_run_input(data, size, KMM_PROGRAM_SLUB, "fuzz_slub");
}
