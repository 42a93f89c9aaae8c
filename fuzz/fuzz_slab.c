/* SPDX-License-Identifier: MIT */
/*
 * fuzz_slab: the SLAB object allocator against the object reference model.
 *
 * The bytes decode (differential/codec_slab.c) into a slab program for a
 * small system built with SLAB (per-CPU array caches, shared and alien
 * caches on the two-node share of inputs, colouring, cache_reap), slab_debug
 * letters from the header: the same ops as fuzz_slub. Every byte string is a
 * valid program.
 * kmm_fuzz_run_input (differential/fuzz_run.c) runs it with every check and
 * on a mismatch prints a one-line signature plus the decoded program and
 * aborts: that abort is what libFuzzer and AFL++ record as a crash.
 *
 * The same file builds as fuzz_slab (libFuzzer or AFL++ via
 * -fsanitize=fuzzer) and replay_slab (fuzz/replay_main.c, any compiler).
 */
#include <stddef.h>
#include <stdint.h>

#include "../differential/executor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return kmm_fuzz_run_input(data, size, KMM_PROGRAM_SLAB, "fuzz_slab");
}
