/*
 * test_taint.c - the taint state in the page allocator's report headers,
 * as the kernel's print_tainted() renders it: "Not tainted" until
 * something taints; a bad page report shows the state from before it
 * (bad_page() taints after printing) and sets BAD_PAGE, so the next
 * header reads "Tainted: G    B" padded to the 19 flags of Linux 6.6; a
 * WARN adds 'W'.  /proc/sys/kernel/tainted shows the mask in decimal.
 *
 * The tests run in order: each one's taint is the next one's "before".
 */
#include "page_helpers.h"

#define NOT_TAINTED " Not tainted\n"
#define TAINTED_B   " Tainted: G    B             \n"
#define TAINTED_BW  " Tainted: G    B   W         \n"

static void setup(void)
{
	log_setup("taint");
	start_ukmem("mem=64M");
}

static void expect_tainted_file(const char *want)
{
	char buf[32];
	ssize_t n = ukmem_ctl_read("/proc/sys/kernel/tainted", buf, sizeof(buf));

	EXPECT_EQ(n, (long long)strlen(want));
	if (n >= 0)
		EXPECT_STREQ(buf, want);
}

/* Free page twice: one bad page report.  Returns the log since. */
static char *double_free_report(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	size_t mark;

	if (!page)
		return NULL;
	__free_pages(page, 0);
	mark = log_mark();
	__free_pages(page, 0);
	return log_since(mark);
}

/* An allocation failure's report (warn_alloc, with the stack header)
 * before anything went wrong. */
TEST(untainted_report_says_not_tainted)
{
	struct block_list live = { 0 };
	size_t mark = log_mark();
	char *text;

	expect_tainted_file("0\n");
	alloc_until_fail(&live, GFP_KERNEL, MAX_PAGE_ORDER);
	blocks_release(&live);
	text = log_since(mark);
	EXPECT_CONTAINS(text, "page allocation failure");
	EXPECT_CONTAINS(text, NOT_TAINTED);
	EXPECT_EQ(count_substr(text, "Tainted:"), 0);
	free(text);
	expect_tainted_file("0\n");
}

/* The first bad page: its own header still says "Not tainted" (the
 * kernel's bad_page() prints, then add_taint()s), and afterwards the
 * mask has TAINT_BAD_PAGE (bit 5). */
TEST(first_bad_page_taints_after_its_report)
{
	char *text = double_free_report();

	ASSERT_NOT_NULL(text);
	EXPECT_EQ(count_substr(text, BAD_PAGE), 1);
	EXPECT_CONTAINS(text, NOT_TAINTED);
	EXPECT_EQ(count_substr(text, "Tainted:"), 0);
	free(text);
	expect_tainted_file("32\n");
}

TEST(next_report_shows_bad_page)
{
	char *text = double_free_report();

	ASSERT_NOT_NULL(text);
	EXPECT_CONTAINS(text, TAINTED_B);
	EXPECT_EQ(count_substr(text, NOT_TAINTED), 0);
	free(text);
	expect_tainted_file("32\n");
	EXPECT_EQ(ukmem_ctl_write("/proc/sys/kernel/tainted", "0"), -EACCES);
}

/* An order above MAX_PAGE_ORDER is a WARN_ON_ONCE in __alloc_pages:
 * TAINT_WARN (bit 9) joins BAD_PAGE. */
TEST(warn_adds_w)
{
	char *text;
	size_t mark = log_mark();

	EXPECT_TRUE(alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER + 1) == NULL);
	EXPECT_EQ(log_count_since(mark, "WARNING:"), 1);
	expect_tainted_file("544\n");
	text = double_free_report();
	ASSERT_NOT_NULL(text);
	EXPECT_CONTAINS(text, TAINTED_BW);
	free(text);
}

RUN_TESTS_SETUP(setup,
	T(untainted_report_says_not_tainted),
	T(first_bad_page_taints_after_its_report),
	T(next_report_shows_bad_page),
	T(warn_adds_w))
