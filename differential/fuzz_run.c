/* SPDX-License-Identifier: MIT */
/*
 * The body every program-running fuzz target shares: decode, validate, run
 * with every check, abort on anything wrong. The targets in fuzz/ are one
 * call to this, so libFuzzer, AFL++ and the plain replay driver all take the
 * same path.
 */
#include <stdio.h>
#include <stdlib.h>

#include "executor.h"
#include "program.h"

/* Decoded programs are large (KMM_PROGRAM_MAX_OPS ops): one off the stack,
 * rewritten by the decoder for every input. Fuzz drivers are one thread. */
static struct kmm_program fuzz_prog;

int kmm_fuzz_run_input(const uint8_t *data, size_t size, enum kmm_program_kind kind,
		       const char *target)
{
	struct kmm_exec_options opt = {
		.abort_on_mismatch = true, /* signature + program on stderr, then abort() */
		.quiet_reports = true,     /* misuse reports are expected; don't flood */
	};
	struct kmm_exec_result res;
	char why[256];
	int rc;

	kmm_program_decode(data, size, kind, &fuzz_prog);
	if (kmm_program_validate(&fuzz_prog, why, sizeof(why)) != 0) {
		/* "Every byte string is a valid program" is the decoder's contract. */
		fprintf(stderr, "kmm-fuzz: %s: decoder produced an invalid program: %s\n", target, why);
		abort();
	}
	/* Slab kinds decode with their backend in the header; KMALLOC_DIFF runs
	 * every backend and the host malloc (kmalloc_diff.c). */
	if (kind == KMM_PROGRAM_KMALLOC_DIFF)
		rc = kmm_kmalloc_diff_run(&fuzz_prog, &opt, &res);
	else
		rc = kmm_exec_run(&fuzz_prog, &opt, &res);
	if (rc < 0) {
		/* A system that cannot be built from a decoded header is a codec bug. */
		fprintf(stderr, "kmm-fuzz: %s: decoded header rejected (%d)\n", target, rc);
		abort();
	}
	if (rc != 0) {
		/* abort_on_mismatch should already have aborted. */
		fprintf(stderr, "%s\nstep %u: %s\n", res.signature, (unsigned)res.step, res.detail);
		abort();
	}
	return 0;
}
