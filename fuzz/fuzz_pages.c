/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pages: the page allocator of one node against the reference model.
 *
 * The bytes decode (differential/codec_binary.c) into a program for a
 * single-node system: zone sizes, CPUs, pageblock order, seed, then up to
 * KMM_PROGRAM_MAX_OPS alloc / free / write / verify / set_cpu / drain / check
 * ops. Every byte string is a valid program, so nothing is rejected here.
 * The executor runs it on libkmm and on the model, compares after every op,
 * and on a mismatch prints a one-line signature plus the decoded program and
 * aborts: that abort is what libFuzzer and AFL++ record as a crash.
 *
 * The same file builds as fuzz_pages (libFuzzer or AFL++ via
 * -fsanitize=fuzzer) and replay_pages (fuzz/replay_main.c, any compiler).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../differential/executor.h"
#include "../differential/program.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decoded programs are large (KMM_PROGRAM_MAX_OPS ops): keep one off the
 * stack and reuse it; the decoder rewrites it for every input. */
static struct kmm_program prog;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmm_exec_options opt = {
		.abort_on_mismatch = true, /* signature + program on stderr, then abort() */
		.quiet_reports = true,     /* misuse reports are expected; don't flood */
	};
	struct kmm_exec_result res;
	char why[256];
	int rc;

	kmm_program_decode(data, size, KMM_PROGRAM_PAGES, &prog);
	if (kmm_program_validate(&prog, why, sizeof(why)) != 0) {
		/* "Every byte string is a valid program" is the decoder's contract. */
		fprintf(stderr, "kmm-fuzz: fuzz_pages: decoder produced an invalid program: %s\n", why);
		abort();
	}
	rc = kmm_exec_run(&prog, &opt, &res);
	if (rc < 0) {
		/* The decoder promises a valid header for every input: a system
		 * that cannot be built from one is a codec bug worth a crash. */
		fprintf(stderr, "kmm-fuzz: fuzz_pages: decoded header rejected (%d)\n", rc);
		abort();
	}
	if (rc != 0) {
		/* abort_on_mismatch should already have aborted. */
		fprintf(stderr, "%s\nstep %u: %s\n", res.signature, (unsigned)res.step, res.detail);
		abort();
	}
	return 0;
}
