/*
 * test_parse.c - memparse and kstrto*: the numbers of boot options and
 * control files, good and bad.
 */
#include <limits.h>
#include <stdbool.h>

#include "harness.h"
#include "lib/lib.h"

/* memparse(s) must give want and stop after `used` characters. */
static void check_memparse(int line, const char *s, unsigned long long want, size_t used,
			   bool want_overflow)
{
	const char *end = NULL;
	bool overflow = !want_overflow;
	unsigned long long got = ukmem_memparse(s, &end, &overflow);

	if (got != want || end != s + used || overflow != want_overflow)
		HARNESS_FAIL("line %d: memparse(\"%s\") = %llu, used %td, overflow %d; "
			     "expected %llu, used %zu, overflow %d", line, s, got,
			     end - s, overflow, want, used, want_overflow);
}

#define MEMPARSE(s, want, used) check_memparse(__LINE__, s, want, used, false)
#define MEMPARSE_OVERFLOW(s, used) check_memparse(__LINE__, s, ULLONG_MAX, used, true)

TEST(memparse_plain_numbers)
{
	MEMPARSE("0", 0, 1);
	MEMPARSE("4096", 4096, 4);
	MEMPARSE("18446744073709551615", ULLONG_MAX, 20);
	MEMPARSE("0x1000", 4096, 6);
	MEMPARSE("0X1f", 31, 4);
	MEMPARSE("010", 8, 3);			/* C rules: octal */
	MEMPARSE("09", 0, 1);			/* 9 is not octal */
	MEMPARSE("0x", 0, 1);			/* no hex digit: the number 0 */
	MEMPARSE("0xg", 0, 1);
	MEMPARSE("12 34", 12, 2);
	MEMPARSE("64M,rest", 64ULL << 20, 3);
}

TEST(memparse_suffixes)
{
	MEMPARSE("1k", 1024, 2);
	MEMPARSE("1K", 1024, 2);
	MEMPARSE("16M", 16ULL << 20, 3);
	MEMPARSE("16m", 16ULL << 20, 3);
	MEMPARSE("3G", 3ULL << 30, 2);
	MEMPARSE("2T", 2ULL << 40, 2);
	MEMPARSE("5P", 5ULL << 50, 2);
	MEMPARSE("7E", 7ULL << 60, 2);
	MEMPARSE("0x10M", 16ULL << 20, 5);
	MEMPARSE("0x1E", 0x1e, 4);		/* E is a hex digit here */
	MEMPARSE("1KB", 1024, 2);		/* only one suffix letter */
	MEMPARSE("1X", 1, 1);
}

TEST(memparse_without_digits_consumes_nothing)
{
	MEMPARSE("", 0, 0);
	MEMPARSE("K", 0, 0);
	MEMPARSE("-1", 0, 0);
	MEMPARSE(" 1", 0, 0);
	MEMPARSE("x10", 0, 0);
}

TEST(memparse_overflow_saturates)
{
	MEMPARSE_OVERFLOW("18446744073709551616", 20);
	MEMPARSE_OVERFLOW("99999999999999999999999K", 24);	/* digits run on */
	MEMPARSE_OVERFLOW("0x10000000000000000", 19);
	MEMPARSE_OVERFLOW("16E", 3);
	MEMPARSE_OVERFLOW("16777216T", 9);
	MEMPARSE("15E", 15ULL << 60, 3);
	MEMPARSE("16777215T", 16777215ULL << 40, 9);

	/* end and overflow may be NULL. */
	EXPECT_UEQ(ukmem_memparse("2K", NULL, NULL), 2048);
	EXPECT_UEQ(ukmem_memparse("99999999999999999999", NULL, NULL), ULLONG_MAX);
}

TEST(kstrtoull_accepts_whole_numbers)
{
	unsigned long long v = 0;

	EXPECT_EQ(ukmem_kstrtoull("0", 10, &v), 0);
	EXPECT_UEQ(v, 0);
	EXPECT_EQ(ukmem_kstrtoull("12345", 10, &v), 0);
	EXPECT_UEQ(v, 12345);
	EXPECT_EQ(ukmem_kstrtoull("12345\n", 10, &v), 0);	/* as written by echo */
	EXPECT_UEQ(v, 12345);
	EXPECT_EQ(ukmem_kstrtoull("+7", 10, &v), 0);
	EXPECT_UEQ(v, 7);
	EXPECT_EQ(ukmem_kstrtoull("0x1F", 0, &v), 0);
	EXPECT_UEQ(v, 31);
	EXPECT_EQ(ukmem_kstrtoull("0x1F", 16, &v), 0);
	EXPECT_UEQ(v, 31);
	EXPECT_EQ(ukmem_kstrtoull("ff", 16, &v), 0);
	EXPECT_UEQ(v, 255);
	EXPECT_EQ(ukmem_kstrtoull("0755", 0, &v), 0);
	EXPECT_UEQ(v, 0755);
	EXPECT_EQ(ukmem_kstrtoull("0755", 10, &v), 0);
	EXPECT_UEQ(v, 755);
	EXPECT_EQ(ukmem_kstrtoull("101", 2, &v), 0);
	EXPECT_UEQ(v, 5);
	EXPECT_EQ(ukmem_kstrtoull("18446744073709551615", 10, &v), 0);
	EXPECT_UEQ(v, ULLONG_MAX);
}

TEST(kstrtoull_rejects_bad_input)
{
	unsigned long long v = 99;

	EXPECT_EQ(ukmem_kstrtoull("", 10, &v), -22);
	EXPECT_EQ(ukmem_kstrtoull("\n", 10, &v), -22);
	EXPECT_EQ(ukmem_kstrtoull("12a", 10, &v), -22);
	EXPECT_EQ(ukmem_kstrtoull("12\n\n", 10, &v), -22);	/* one newline only */
	EXPECT_EQ(ukmem_kstrtoull("12 ", 10, &v), -22);
	EXPECT_EQ(ukmem_kstrtoull(" 12", 10, &v), -22);
	EXPECT_EQ(ukmem_kstrtoull("-1", 10, &v), -22);
	EXPECT_EQ(ukmem_kstrtoull("0x", 16, &v), -22);
	EXPECT_EQ(ukmem_kstrtoull("0x", 0, &v), -22);		/* "0" then "x" */
	EXPECT_EQ(ukmem_kstrtoull("08", 0, &v), -22);
	EXPECT_EQ(ukmem_kstrtoull("2", 2, &v), -22);
	EXPECT_EQ(ukmem_kstrtoull("1", 1, &v), -22);		/* no such base */
	EXPECT_EQ(ukmem_kstrtoull("1", 17, &v), -22);
	EXPECT_EQ(ukmem_kstrtoull("18446744073709551616", 10, &v), -34);
	EXPECT_EQ(ukmem_kstrtoull("0x10000000000000000", 0, &v), -34);
	EXPECT_UEQ(v, 99);					/* untouched on error */
}

TEST(kstrtoint_range_and_sign)
{
	int v = 0;

	EXPECT_EQ(ukmem_kstrtoint("-42", 10, &v), 0);
	EXPECT_EQ(v, -42);
	EXPECT_EQ(ukmem_kstrtoint("+42\n", 10, &v), 0);
	EXPECT_EQ(v, 42);
	EXPECT_EQ(ukmem_kstrtoint("2147483647", 10, &v), 0);
	EXPECT_EQ(v, INT_MAX);
	EXPECT_EQ(ukmem_kstrtoint("-2147483648", 10, &v), 0);
	EXPECT_EQ(v, INT_MIN);
	EXPECT_EQ(ukmem_kstrtoint("-0x10", 0, &v), 0);
	EXPECT_EQ(v, -16);

	v = 5;
	EXPECT_EQ(ukmem_kstrtoint("2147483648", 10, &v), -34);
	EXPECT_EQ(ukmem_kstrtoint("-2147483649", 10, &v), -34);
	EXPECT_EQ(ukmem_kstrtoint("99999999999999999999", 10, &v), -34);
	EXPECT_EQ(ukmem_kstrtoint("", 10, &v), -22);
	EXPECT_EQ(ukmem_kstrtoint("-", 10, &v), -22);
	EXPECT_EQ(ukmem_kstrtoint("--1", 10, &v), -22);
	EXPECT_EQ(ukmem_kstrtoint("1.5", 10, &v), -22);
	EXPECT_EQ(ukmem_kstrtoint("7 ", 10, &v), -22);
	EXPECT_EQ(v, 5);
}

RUN_TESTS(T(memparse_plain_numbers), T(memparse_suffixes),
	  T(memparse_without_digits_consumes_nothing), T(memparse_overflow_saturates),
	  T(kstrtoull_accepts_whole_numbers), T(kstrtoull_rejects_bad_input),
	  T(kstrtoint_range_and_sign))
