/* SPDX-License-Identifier: MIT */
/*
 * fuzz_trace_parser: robustness of the text codec (differential/codec_text.c).
 *
 * The bytes are taken as trace text, exactly as a person or `kmm decode`
 * would write it. Whatever they hold, the parser must either
 *   - reject them with -EINVAL and an error of the form
 *     "line L, column C: what was wrong", or
 *   - accept them, and then the program must obey every operand rule
 *     (kmm_program_validate) and survive both round trips
 *     (kmm_program_roundtrip_check: format -> parse gives it back and formats
 *     to the same text; encode -> decode gives it back).
 * Anything else prints why and aborts, which the engines record as a crash.
 * Programs are not executed here; fuzz_pages and fuzz_numa do that.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../differential/program.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kmm_program prog;

/* Always-on check: file:line, the message, the input size, then abort. */
#define PARSER_ASSERT(cond, ...)                                                           \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "kmm-fuzz: fuzz_trace_parser: %s:%d: ", __FILE__,  \
				__LINE__);                                                 \
			fprintf(stderr, __VA_ARGS__);                                      \
			fprintf(stderr, " (input %zu bytes)\n", size);                     \
			abort();                                                           \
		}                                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], why[512];
	int rc;

	/* A sentinel past the NUL the parser must write catches unterminated errors. */
	memset(err, 'X', sizeof(err));
	rc = kmm_program_parse((const char *)data, size, &prog, err, sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';

	if (rc != 0) {
		PARSER_ASSERT(rc == -EINVAL, "parse returned %d, expected 0 or -EINVAL", rc);
		PARSER_ASSERT(memchr(err, '\0', sizeof(err) - 1) != NULL,
			      "parse error message not NUL-terminated");
		PARSER_ASSERT(strncmp(err, "line ", 5) == 0,
			      "parse error does not name its line: \"%s\"", err);
		return 0;
	}

	why[0] = '\0';
	PARSER_ASSERT(kmm_program_validate(&prog, why, sizeof(why)) == 0,
		      "accepted program breaks an operand rule: %s", why);
	why[0] = '\0';
	PARSER_ASSERT(kmm_program_roundtrip_check(&prog, why, sizeof(why)) == 0,
		      "round trip failed: %s", why);
	return 0;
}
