/*
 * test_taint.c - print_tainted() as the kernel renders it: "Not tainted"
 * for an empty mask, else "Tainted: " and one character for each of the
 * 19 flags of Linux 6.6 (c_true when set; 'G' for a clear proprietary
 * flag, ' ' for the others), and ukmem_add_taint() only ever adds.
 */
#include "harness.h"
#include "lib/lib.h"

TEST(not_tainted_at_first)
{
	char buf[TAINT_BUF_SIZE];

	EXPECT_UEQ(ukmem_get_taint(), 0);
	EXPECT_STREQ(ukmem_print_tainted(buf), "Not tainted");
}

TEST(bad_page_then_warn)
{
	char buf[TAINT_BUF_SIZE];

	ukmem_add_taint(TAINT_BAD_PAGE);
	EXPECT_UEQ(ukmem_get_taint(), 1UL << 5);
	EXPECT_STREQ(ukmem_print_tainted(buf), "Tainted: G    B             ");
	EXPECT_UEQ(strlen(buf), strlen("Tainted: ") + 19);
	ukmem_add_taint(TAINT_WARN);
	ukmem_add_taint(TAINT_BAD_PAGE);
	EXPECT_UEQ(ukmem_get_taint(), (1UL << 5) | (1UL << 9));
	EXPECT_STREQ(ukmem_print_tainted(buf), "Tainted: G    B   W         ");
}

RUN_TESTS(
	T(not_tainted_at_first),
	T(bad_page_then_warn))
