/* SPDX-License-Identifier: MIT */
/*
 * fuzz_kmalloc_diff: one program through SLUB, SLAB and SLOB and through the
 * host malloc as a fourth oracle for kmalloc semantics.
 *
 * The bytes decode (differential/codec_slab.c) into a kmalloc-heavy program
 * (kmalloc / kzalloc / kcalloc / krealloc / kfree, write and verify, some
 * kmem_cache ops, no page ops) whose header says backend "all". The
 * executor runs it on each backend and on the host malloc and compares
 * contents, success where memory allows, and ksize classes where they must
 * agree. Every byte string is a valid program.
 * kmm_fuzz_run_input (differential/fuzz_run.c) runs it with every check and
 * on a mismatch prints a one-line signature plus the decoded program and
 * aborts: that abort is what libFuzzer and AFL++ record as a crash.
 *
 * The same file builds as fuzz_kmalloc_diff (libFuzzer or AFL++ via
 * -fsanitize=fuzzer) and replay_kmalloc_diff (fuzz/replay_main.c, any compiler).
 */
#include <stddef.h>
#include <stdint.h>

#include "../differential/executor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return kmm_fuzz_run_input(data, size, KMM_PROGRAM_KMALLOC_DIFF, "fuzz_kmalloc_diff");
}
