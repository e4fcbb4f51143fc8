/*
 * test_fault_boot.c - the boot options failslab= and fail_page_alloc=
 * ("<interval>,<probability>,<space>,<times>"): a bad one is refused by
 * name and leaves ukmem startable; a good one sets the attributes, which
 * the control files show, and the next eligible allocations fail with the
 * kernel's report, exactly times of them.
 */
#include "fault_helpers.h"
#include "log.h"

/* Runs first: it starts ukmem for the rest. */
TEST(boot_options_refused_then_taken)
{
	size_t mark;

	ukmem_set_log_hook(log_capture);
	mark = log_mark();
	EXPECT_EQ(ukmem_init("failslab=1,200,0,1"), -EINVAL);
	EXPECT_CONTAINS(log_text + mark,
			"ukmem: bad value '1,200,0,1' for failslab=: probability 200 is above 100\n");
	EXPECT_EQ(ukmem_init("fail_page_alloc=1,10,0"), -EINVAL);
	EXPECT_CONTAINS(log_text + mark, "ukmem: bad value '1,10,0' for fail_page_alloc=");
	EXPECT_FALSE(ukmem_initialized());

	ASSERT_EQ(ukmem_init("mem=256M failslab=1,100,0,2 fail_page_alloc=1,100,0,3"), 0);
	EXPECT_STREQ(fault_read("fail_page_alloc", "interval"), "1\n");
	EXPECT_STREQ(fault_read("fail_page_alloc", "probability"), "100\n");
	EXPECT_STREQ(fault_read("fail_page_alloc", "space"), "0\n");
	EXPECT_STREQ(fault_read("fail_page_alloc", "times"), "3\n");
	EXPECT_STREQ(fault_read("failslab", "interval"), "1\n");
	EXPECT_STREQ(fault_read("failslab", "probability"), "100\n");
	EXPECT_STREQ(fault_read("failslab", "times"), "2\n");
}

TEST(boot_fail_page_alloc_fails_times_allocations)
{
	size_t mark = log_mark();

	/* Sleeping allocations and single pages are spared by default. */
	EXPECT_STREQ(page_pattern(2, GFP_KERNEL, 1), "..");
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC, 0), "..");
	EXPECT_STREQ(page_pattern(6, GFP_ATOMIC, 1), "FFF...");
	EXPECT_STREQ(fault_read("fail_page_alloc", "times"), "0\n");
	/* verbose 2, the default: each report with its stack. */
	EXPECT_EQ(log_count_since(mark, "FAULT_INJECTION: forcing a failure.\n"
				  "name fail_page_alloc, interval 1, probability 100, space 0, "
				  "times 3\nCPU: "), 1);
	EXPECT_EQ(log_count_since(mark, "FAULT_INJECTION: forcing a failure.\n"
				  "name fail_page_alloc, interval 1, probability 100, space 0, "
				  "times 2\nCPU: "), 1);
	EXPECT_EQ(log_count_since(mark, "FAULT_INJECTION: forcing a failure.\n"
				  "name fail_page_alloc, interval 1, probability 100, space 0, "
				  "times 1\nCPU: "), 1);
	EXPECT_EQ(log_count_since(mark, "Call Trace:\n"), 3);
}

TEST(boot_failslab_fails_times_kmallocs)
{
	size_t mark = log_mark();

	EXPECT_STREQ(kmalloc_pattern(2, 64, GFP_KERNEL), "..");
	EXPECT_STREQ(kmalloc_pattern(5, 64, GFP_ATOMIC), "FF...");
	EXPECT_STREQ(fault_read("failslab", "times"), "0\n");
	EXPECT_EQ(log_count_since(mark, "FAULT_INJECTION: forcing a failure.\n"
				  "name failslab, interval 1, probability 100, space 0, times 2\n"), 1);
	EXPECT_EQ(log_count_since(mark, "FAULT_INJECTION: forcing a failure.\n"
				  "name failslab, interval 1, probability 100, space 0, times 1\n"), 1);
}

TEST(kmalloc_fails_again_when_rearmed_at_run_time)
{
	FAULT_SET("failslab", "verbose", "0");
	FAULT_SET("failslab", "times", "1");
	EXPECT_STREQ(kmalloc_pattern(3, 200, GFP_ATOMIC), "F..");
	FAULT_SET("failslab", "times", "-1");
	FAULT_SET("failslab", "interval", "2");
	EXPECT_EQ(count_substr(kmalloc_pattern(10, 200, GFP_NOWAIT), "F"), 5);
	FAULT_SET("failslab", "probability", "0");
	EXPECT_STREQ(kmalloc_pattern(4, 200, GFP_ATOMIC), "....");
}

RUN_TESTS(T(boot_options_refused_then_taken),
	  T(boot_fail_page_alloc_fails_times_allocations),
	  T(boot_failslab_fails_times_kmallocs),
	  T(kmalloc_fails_again_when_rearmed_at_run_time))
