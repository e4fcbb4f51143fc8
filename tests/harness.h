/*
 * harness.h - the test harness: typed expectations that print both values.
 *
 * A test program is a list of TEST(name) functions run by RUN_TESTS(...).
 * An expectation that fails prints file:line, the expression and both
 * values, marks the test failed and carries on; ASSERT_* variants stop the
 * test.  The program prints "N passed, N failed" and exits non-zero if any
 * test failed, so CTest and CI read the result.
 *
 * The same tests run on a board without a C library (the bare tests under
 * QEMU, scripts/run-bare-arm.sh): a freestanding compile takes the few
 * functions used here from the board's runtime (tests/bare/arm).
 */
#ifndef UKMEM_TEST_HARNESS_H
#define UKMEM_TEST_HARNESS_H

#if __STDC_HOSTED__
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#else
#include <stdint.h>
#include "board_libc.h"
#endif

/* Memory a bare test hands to ukmem: TEST_MIB(n) is n MiB on the host and
 * less on a board with little RAM, which builds with TEST_MEM_SHIFT=1
 * (half).  Tests size their regions, and their expectations, with it. */
#ifndef TEST_MEM_SHIFT
#define TEST_MEM_SHIFT 0
#endif
#define TEST_MIB(n) ((size_t)(n) << (20 - TEST_MEM_SHIFT))

/* Which sanitizer the test runs under (tests scale their work down). */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static int harness_failed_checks;

#define HARNESS_FAIL(fmt, ...) do { \
	fprintf(stderr, "%s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__); \
	harness_failed_checks++; \
} while (0)

#define EXPECT_TRUE(x) do { if (!(x)) HARNESS_FAIL("expected true: %s", #x); } while (0)
#define EXPECT_FALSE(x) do { if (x) HARNESS_FAIL("expected false: %s", #x); } while (0)

#define HARNESS_CMP(type, fmt, a, op, b, stop) do { \
	type _a = (type)(a); \
	type _b = (type)(b); \
	if (!(_a op _b)) { \
		HARNESS_FAIL("expected %s %s %s: " fmt " vs " fmt, #a, #op, #b, _a, _b); \
		if (stop) return; \
	} \
} while (0)

#define EXPECT_EQ(a, b)  HARNESS_CMP(long long, "%lld", a, ==, b, 0)
#define EXPECT_NE(a, b)  HARNESS_CMP(long long, "%lld", a, !=, b, 0)
#define EXPECT_LT(a, b)  HARNESS_CMP(long long, "%lld", a, <, b, 0)
#define EXPECT_LE(a, b)  HARNESS_CMP(long long, "%lld", a, <=, b, 0)
#define EXPECT_GT(a, b)  HARNESS_CMP(long long, "%lld", a, >, b, 0)
#define EXPECT_GE(a, b)  HARNESS_CMP(long long, "%lld", a, >=, b, 0)
#define EXPECT_UEQ(a, b) HARNESS_CMP(unsigned long long, "%llu", a, ==, b, 0)
#define EXPECT_PTR_EQ(a, b) HARNESS_CMP(const void *, "%p", a, ==, b, 0)
#define EXPECT_PTR_NE(a, b) HARNESS_CMP(const void *, "%p", a, !=, b, 0)
#define ASSERT_EQ(a, b)  HARNESS_CMP(long long, "%lld", a, ==, b, 1)
#define ASSERT_NE(a, b)  HARNESS_CMP(long long, "%lld", a, !=, b, 1)
#define ASSERT_TRUE(x) do { if (!(x)) { HARNESS_FAIL("expected true: %s", #x); return; } } while (0)
#define ASSERT_NOT_NULL(p) do { if ((p) == NULL) { HARNESS_FAIL("expected non-NULL: %s", #p); return; } } while (0)

#define EXPECT_STREQ(a, b) do { \
	const char *_a = (a), *_b = (b); \
	if (!_a || !_b || strcmp(_a, _b) != 0) \
		HARNESS_FAIL("expected %s == %s:\n  \"%s\"\nvs\n  \"%s\"", #a, #b, \
			     _a ? _a : "(null)", _b ? _b : "(null)"); \
} while (0)

/* Text `hay` contains `needle`. */
#define EXPECT_CONTAINS(hay, needle) do { \
	const char *_h = (hay), *_n = (needle); \
	if (!_h || !_n || !strstr(_h, _n)) \
		HARNESS_FAIL("expected %s to contain \"%s\"; it is:\n%s", #hay, \
			     _n ? _n : "(null)", _h ? _h : "(null)"); \
} while (0)

/* Occurrences of needle in hay (not overlapping). */
static inline int count_substr(const char *hay, const char *needle)
{
	size_t len = strlen(needle);
	int n = 0;

	if (!len)
		return 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += len)
		n++;
	return n;
}

typedef void (*harness_test_fn)(void);
struct harness_test {
	const char *name;
	harness_test_fn fn;
};

#define TEST(name) static void name(void)

static inline int harness_run(const struct harness_test *tests, int n)
{
	int passed = 0, failed = 0;
	const char *only = getenv("TEST_ONLY");

	for (int i = 0; i < n; i++) {
		if (only && strcmp(only, tests[i].name) != 0)
			continue;
		int before = harness_failed_checks;
		tests[i].fn();
		if (harness_failed_checks == before) {
			passed++;
			printf("ok   %s\n", tests[i].name);
		} else {
			failed++;
			printf("FAIL %s\n", tests[i].name);
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define T(name) { #name, name }

/* RUN_TESTS_SETUP(setup, T(a), T(b)): setup() runs once before the tests,
 * e.g. to start ukmem with the options the program needs. */
#define RUN_TESTS_SETUP(setup, ...) \
	int main(void) { \
		static const struct harness_test tests[] = { __VA_ARGS__ }; \
		setup(); \
		return harness_run(tests, (int)(sizeof(tests) / sizeof(tests[0]))); \
	}
#define RUN_TESTS(...) \
	int main(void) { \
		static const struct harness_test tests[] = { __VA_ARGS__ }; \
		return harness_run(tests, (int)(sizeof(tests) / sizeof(tests[0]))); \
	}

#endif /* UKMEM_TEST_HARNESS_H */
