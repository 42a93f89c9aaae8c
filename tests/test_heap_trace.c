/* SPDX-License-Identifier: MIT */
/* The heap trace parser (differential/heap_trace.c): good traces parse to
 * the events they say, and every kind of bad text is an error naming the
 * line, the column and the problem, with nothing half-parsed left behind. */
#include <string.h>

#include "../differential/heap_trace.h"
#include "test.h"

static int parse_(const char *text, struct kmm_heap_trace *t, char *err, size_t len)
{
	return kmm_heap_trace_parse(text, strlen(text), t, err, len);
}

TEST(good_trace)
{
	struct kmm_heap_trace t;
	char err[128];
	const char *text = "# recorded\n"
			   "a 1 48\n"
			   "a 2 208\r\n"
			   "\n"
			   "r 1 3 100\n"
			   "f 2\n"
			   "a 2 7\n";
	REQUIRE(parse_(text, &t, err, sizeof(err)) == 0);
	CHECK_EQ(t.nr, 5);
	CHECK_EQ(t.allocs, 3);
	CHECK_EQ(t.frees, 1);
	CHECK_EQ(t.reallocs, 1);
	CHECK_EQ(t.max_id, 3);
	CHECK_EQ(t.live_at_end, 2); /* 3 and the second 2 */
	CHECK_EQ(t.ev[0].kind, KMM_HEAP_ALLOC);
	CHECK_EQ(t.ev[0].size, 48);
	CHECK_EQ(t.ev[2].kind, KMM_HEAP_REALLOC);
	CHECK_EQ(t.ev[2].old_id, 1);
	CHECK_EQ(t.ev[2].id, 3);
	CHECK_EQ(t.ev[2].size, 100);
	CHECK_EQ(t.ev[3].kind, KMM_HEAP_FREE);
	CHECK_EQ(t.ev[3].id, 2);
	kmm_heap_trace_free(&t);
	CHECK(t.ev == NULL);
}

/* Each bad text, and the exact message it must produce. */
static const struct {
	const char *text, *err;
} bad_[] = {
	{ "a 1 8\nx 2\n", "line 2, column 1: unknown event 'x' (expected a, f or r)" },
	{ "a 1\n", "line 1, column 4: missing size" },
	{ "a 1 8\nf 2\n", "line 2, column 4: free of id 2, which is not live" },
	{ "a 1 8\na 1 9\n", "line 2, column 6: id 1 allocated while still live" },
	{ "a 0 8\n", "line 1, column 6: ids start at 1" },
	{ "a 1 8x\n", "line 1, column 6: size is not a decimal number" },
	{ "a 1 8 9\n", "line 1, column 7: unexpected text after the event" },
	{ "a 99999999 8\n", "line 1, column 3: id out of range (max 16777216)" },
	{ "a 1 2000000000000\n", "line 1, column 5: size out of range (max 1099511627776)" },
	{ "r 5 6 10\n", "line 1, column 9: realloc of id 5, which is not live" },
	{ "a 1 8\nr 1 1 10\nf 1\nf 1\n", "line 4, column 4: free of id 1, which is not live" },
};

TEST(bad_traces_name_line_column_and_problem)
{
	for (size_t i = 0; i < sizeof(bad_) / sizeof(bad_[0]); i++) {
		struct kmm_heap_trace t;
		char err[128];
		int rc = parse_(bad_[i].text, &t, err, sizeof(err));
		CHECK_EQ(rc, -1);
		if (strcmp(err, bad_[i].err) != 0) {
			fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, err, bad_[i].err);
			CHECK(!"error text");
		}
		CHECK(t.ev == NULL && t.nr == 0); /* nothing half-parsed */
	}
}

TEST(empty_and_comment_only)
{
	struct kmm_heap_trace t;
	char err[64];
	CHECK_EQ(parse_("", &t, err, sizeof(err)), 0);
	CHECK_EQ(t.nr, 0);
	kmm_heap_trace_free(&t);
	CHECK_EQ(parse_("# nothing\n\n   \n", &t, err, sizeof(err)), 0);
	CHECK_EQ(t.nr, 0);
	kmm_heap_trace_free(&t);
}

int main(void)
{
	RUN(good_trace);
	RUN(bad_traces_name_line_column_and_problem);
	RUN(empty_and_comment_only);
	return test_summary();
}
