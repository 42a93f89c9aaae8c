/* SPDX-License-Identifier: MIT */
/*
 * A tiny test harness: every CHECK counts, failures print file:line and the
 * expression, and the runner ends with "N passed, M failed" and exits non-zero
 * on any failure. It never depends on assert(), so NDEBUG cannot turn a test
 * green.
 *
 *   TEST(split_and_merge) { CHECK(x == 1); CHECK_EQ(a, b); }
 *   int main(void) { RUN(split_and_merge); return test_summary(); }
 */
#ifndef KMM_TEST_H
#define KMM_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long test_passed_, test_failed_;
static const char *test_current_;

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (cond) {                                                               \
			test_passed_++;                                                   \
		} else {                                                                  \
			test_failed_++;                                                   \
			fprintf(stderr, "%s:%d: %s: CHECK failed: %s\n", __FILE__, __LINE__,      \
				test_current_, #cond);                                    \
		}                                                                         \
	} while (0)

#define CHECK_EQ(a, b)                                                                    \
	do {                                                                              \
		long long va_ = (long long)(a), vb_ = (long long)(b);                     \
		if (va_ == vb_) {                                                         \
			test_passed_++;                                                   \
		} else {                                                                  \
			test_failed_++;                                                   \
			fprintf(stderr, "%s:%d: %s: CHECK_EQ failed: %s == %s (%lld vs %lld)\n", \
				__FILE__, __LINE__, test_current_, #a, #b, va_, vb_);     \
		}                                                                         \
	} while (0)

/* Abort the current test function when a precondition for the rest fails.
 * cond is evaluated once, so REQUIRE(p = alloc()) is safe. */
#define REQUIRE(cond)                                                                     \
	do {                                                                              \
		unsigned long rf0_ = test_failed_;                                        \
		CHECK(cond);                                                              \
		if (test_failed_ != rf0_)                                                 \
			return;                                                           \
	} while (0)

#define TEST(name) static void test_##name(void)
#define RUN(name)                                                                         \
	do {                                                                              \
		unsigned long f0_ = test_failed_;                                         \
		test_current_ = #name;                                                    \
		test_##name();                                                            \
		printf("%-40s %s\n", #name, test_failed_ == f0_ ? "ok" : "FAILED");      \
	} while (0)

static inline int test_summary(void)
{
	printf("%lu passed, %lu failed\n", test_passed_, test_failed_);
	/* A test binary that checked nothing is a defect, not a pass. */
	if (test_passed_ + test_failed_ == 0)
		return 1;
	return test_failed_ ? 1 : 0;
}

#endif
