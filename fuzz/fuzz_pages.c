/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pages: the page allocator of one node against the reference model.
 *
 * The bytes decode (differential/codec_binary.c) into a program for a
 * single-node system: zone sizes, CPUs, pageblock order, seed, then up to
 * KMM_PROGRAM_MAX_OPS alloc / free / write / verify / set_cpu / drain / check
 * ops. Every byte string is a valid program, so nothing is rejected here.
 * kmm_fuzz_run_input (differential/fuzz_run.c) runs it on libkmm and on the
 * model, compares after every op, and on a mismatch prints a one-line
 * signature plus the decoded program and aborts: that abort is what libFuzzer and AFL++ record as a crash.
 *
 * The same file builds as fuzz_pages (libFuzzer or AFL++ via
 * -fsanitize=fuzzer) and replay_pages (fuzz/replay_main.c, any compiler).
 */
#include <stddef.h>
#include <stdint.h>

#include "../differential/executor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return kmm_fuzz_run_input(data, size, KMM_PROGRAM_PAGES, "fuzz_pages");
}
