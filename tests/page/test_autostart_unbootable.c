/*
 * test_autostart_unbootable.c - a UKMEM_OPTIONS that parses but cannot
 * start (mem= below the minimum, zones larger than mem=, nodes too small),
 * and UKMEM_OPTIONS=help.  In each case the first allocation reports the
 * problem once, ukmem starts with its defaults, and every later
 * allocation just works: no second report, no retry of the bad options.
 *
 * UKMEM_OPTIONS is read by the first allocation of a process, so each case
 * is a child process: this program runs itself (/proc/self/exe) with the
 * case's UKMEM_OPTIONS and UKMEM_TEST_CHILD set; the child allocates and
 * exits 0 if every allocation succeeded on the default layout, and the
 * parent reads what the child logged.
 */
#include "page_helpers.h"

#include <sys/wait.h>

#include <ukmem/slab.h>

#define ALLOCATIONS 2000

/* The child: many allocations on whatever the first one started. */
static int child_main(void)
{
	int failed = 0;

	if (ukmem_initialized())
		return 10;
	for (int i = 0; i < ALLOCATIONS; i++) {
		struct page *page = alloc_pages(GFP_KERNEL, (unsigned int)(i % 4));
		void *p = kmalloc((size_t)(i % 3000) + 1, GFP_KERNEL);

		failed += !page + !p;
		if (page)
			__free_pages(page, (unsigned int)(i % 4));
		kfree(p);
	}
	if (failed)
		return 11;
	if (!ukmem_initialized())
		return 12;
	/* The defaults: the machine's RAM, one node. */
	if (ukmem_mm.arena_size != (ukmem_plat_ram_bytes() & ~(unsigned long long)(PAGE_SIZE - 1)) ||
	    ukmem_mm.nr_nodes != 1)
		return 13;
	return ukmem_page_validate() == 0 ? 0 : 14;
}

static void setup(void)
{
	if (getenv("UKMEM_TEST_CHILD"))
		exit(child_main());
	log_setup("autostart-unbootable");
}

/* Run the child with UKMEM_OPTIONS=options; its log in a fresh buffer. */
static char *run_child(const char *options, int *status)
{
	size_t mark = log_mark();
	pid_t pid = fork();

	if (pid == 0) {
		setenv("UKMEM_OPTIONS", options, 1);
		setenv("UKMEM_TEST_CHILD", "1", 1);
		execl("/proc/self/exe", "test_autostart_unbootable", (char *)NULL);
		_exit(127);
	}
	*status = -1;
	if (pid > 0 && waitpid(pid, status, 0) != pid)
		*status = -1;
	return log_since(mark);
}

static void expect_once_then_defaults(const char *options, const char *reason)
{
	int status;
	char *text = run_child(options, &status);
	int before = harness_failed_checks;

	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
	EXPECT_EQ(count_substr(text, reason), 1);
	EXPECT_EQ(count_substr(text, "cannot start, starting with the defaults"), 1);
	EXPECT_EQ(count_substr(text, "ukmem:"), 2);	/* the reason and the fallback */
	if (harness_failed_checks != before)
		fprintf(stderr, "  ... for UKMEM_OPTIONS=\"%s\"; the child logged:\n%s\n", options,
			text);
	free(text);
}

TEST(mem_too_small)
{
	expect_once_then_defaults("mem=1M", "mem=1048576 is too small");
}

TEST(zones_larger_than_mem)
{
	expect_once_then_defaults("zone_dma=1G mem=64M", "exceed mem");
}

TEST(nodes_too_small)
{
	expect_once_then_defaults("mem=16M numa=fake=8", "nodes would be smaller");
}

/* help: the README's option table, with a default for each option, and a
 * normal start with the defaults (no rejection). */
TEST(help_prints_the_table)
{
	static const char *const options[] = {
		"mem=SIZE", "zone_dma=SIZE", "zone_dma32=SIZE", "zone_highmem=SIZE", "numa=fake=N",
		"min_free_kbytes=N", "slub_min_order=N", "slub_max_order=N", "slub_min_objects=N",
		"slab_nomerge,",
	};
	int status;
	char *text = run_child("help", &status);

	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
	EXPECT_CONTAINS(text, "option");
	EXPECT_CONTAINS(text, "meaning");
	EXPECT_CONTAINS(text, "default");
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		char row[64];	/* a row starts with the option ("mem=" is in "zone_highmem=") */

		snprintf(row, sizeof(row), "\n  %s ", options[i]);
		EXPECT_EQ(count_substr(text, row), 1);
	}
	EXPECT_CONTAINS(text, "the machine's RAM");
	EXPECT_EQ(count_substr(text, "rejected"), 0);
	EXPECT_EQ(count_substr(text, "unknown option"), 0);
	free(text);
}

RUN_TESTS_SETUP(setup,
	T(mem_too_small),
	T(zones_larger_than_mem),
	T(nodes_too_small),
	T(help_prints_the_table))
