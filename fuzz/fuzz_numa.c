/* SPDX-License-Identifier: MIT */
/*
 * fuzz_numa: NUMA placement and memory policies against the reference model.
 *
 * The bytes decode (differential/codec_binary.c) into a program for a
 * system of 2..8 nodes: a distance table, zones per node, CPUs spread over
 * the nodes, then ops that mix alloc_pages_node, __GFP_THISNODE, switches of
 * CPU (and so of local node) and every memory policy (preferred,
 * preferred-many, bind, interleave, weighted interleave). The model decides
 * which nodes and zones each allocation may use. Every byte string is a
 * valid program, so nothing is rejected here.
 * kmm_fuzz_run_input (differential/fuzz_run.c) runs it on libkmm and on the
 * model, compares after every op, and on a mismatch prints a one-line
 * signature plus the decoded program and aborts: that abort is what libFuzzer and AFL++ record as a crash.
 *
 * The same file builds as fuzz_numa (libFuzzer or AFL++ via
 * -fsanitize=fuzzer) and replay_numa (fuzz/replay_main.c, any compiler).
 */
#include <stddef.h>
#include <stdint.h>

#include "../differential/executor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return kmm_fuzz_run_input(data, size, KMM_PROGRAM_NUMA, "fuzz_numa");
}
