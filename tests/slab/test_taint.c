/*
 * test_taint.c - the taint state in SLUB's report headers ("BUG <cache>
 * (<taint>): <what>"): the first error report reads "Not tainted", and
 * sets TAINT_BAD_PAGE as the kernel's object_err()/slab_err() do after
 * printing, so the next reads "Tainted: G    B" padded to Linux 6.6's 19
 * flags.  /proc/sys/kernel/tainted follows.
 */
#include "slab_helpers.h"

static void setup(void)
{
	log_setup();
	if (ukmem_init("mem=64M") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(2);
	}
}

static long long tainted(void)
{
	char buf[32];

	if (ukmem_ctl_read("/proc/sys/kernel/tainted", buf, sizeof(buf)) < 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* A kfree twice over: one report.  Returns the log since. */
static char *double_kfree_report(void)
{
	volatile size_t size = 64;
	void *p = kmalloc(size, GFP_KERNEL);
	size_t mark;

	if (!p)
		return NULL;
	kfree(p);
	mark = log_mark();
	kfree(p);
	return log_since(mark);
}

TEST(first_report_is_not_tainted)
{
	char *text;

	EXPECT_EQ(tainted(), 0);
	text = double_kfree_report();
	ASSERT_NOT_NULL(text);
	EXPECT_CONTAINS(text, "BUG kmalloc-64 (Not tainted): Object already free\n");
	free(text);
	EXPECT_EQ(tainted(), 32);
}

TEST(next_report_shows_bad_page)
{
	char *text = double_kfree_report();

	ASSERT_NOT_NULL(text);
	EXPECT_CONTAINS(text, "BUG kmalloc-64 (Tainted: G    B             ): "
			      "Object already free\n");
	free(text);
	EXPECT_EQ(tainted(), 32);
}

RUN_TESTS_SETUP(setup,
	T(first_report_is_not_tainted),
	T(next_report_shows_bad_page))
