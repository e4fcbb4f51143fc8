/*
 * test_fault_inject.c - fault injection as the kernel's: failslab and
 * fail_page_alloc fail exactly the calls their attributes select (times,
 * interval, space, probability, the task filter, the stack filter), spare
 * what the kernel spares (__GFP_NOFAIL, sleeping allocations by default,
 * orders below min-order, __GFP_HIGHMEM, caches without SLAB_FAILSLAB
 * under cache-filter), report in the kernel's words, and are driven
 * through /sys/kernel/debug/<capability>/<attr>, which refuses bad
 * values by name.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "fault_helpers.h"
#include "log.h"

#include "debug/debug.h"
#include "lib/fault_inject.h"
#include "page/internal.h"
#include "slab/failslab.h"

static const char *const dirs[] = { "failslab", "fail_page_alloc" };

static struct kmem_cache *cache64;	/* a 64-byte cache of its own */

static void setup(void)
{
	if (ukmem_init("mem=256M") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(1);
	}
	ukmem_set_log_hook(log_capture);
	cache64 = kmem_cache_create("fault_test_64", 64, 0, 0, NULL);
	if (!cache64) {
		fprintf(stderr, "kmem_cache_create failed\n");
		exit(1);
	}
}

static void reset_all(void)
{
	fault_reset("failslab");
	fault_reset("fail_page_alloc");
}

/* n calls of should_failslab on cache64. */
static const char *failslab_pattern(int n, struct kmem_cache *s, gfp_t gfp)
{
	static __thread char pattern[PATTERN_MAX + 1];

	for (int i = 0; i < n && i < PATTERN_MAX; i++) {
		pattern[i] = should_failslab(s, gfp) ? 'F' : '.';
		pattern[i + 1] = '\0';
	}
	return pattern;
}

/* ---- the control files ------------------------------------------------------------ */

/* Runs first: every file as the kernel's debugfs shows it at boot. */
TEST(defaults_read_as_the_kernels)
{
	for (int d = 0; d < 2; d++) {
		EXPECT_STREQ(fault_read(dirs[d], "probability"), "0\n");
		EXPECT_STREQ(fault_read(dirs[d], "interval"), "1\n");
		EXPECT_STREQ(fault_read(dirs[d], "times"), "1\n");
		EXPECT_STREQ(fault_read(dirs[d], "space"), "0\n");
		EXPECT_STREQ(fault_read(dirs[d], "verbose"), "2\n");
		EXPECT_STREQ(fault_read(dirs[d], "verbose_ratelimit_interval_ms"), "0\n");
		EXPECT_STREQ(fault_read(dirs[d], "verbose_ratelimit_burst"), "10\n");
		EXPECT_STREQ(fault_read(dirs[d], "task-filter"), "N\n");
		EXPECT_STREQ(fault_read(dirs[d], "stacktrace-depth"), "32\n");
		EXPECT_STREQ(fault_read(dirs[d], "require-start"), "0x0000000000000000\n");
		EXPECT_STREQ(fault_read(dirs[d], "require-end"), "0xffffffffffffffff\n");
		EXPECT_STREQ(fault_read(dirs[d], "reject-start"), "0x0000000000000000\n");
		EXPECT_STREQ(fault_read(dirs[d], "reject-end"), "0x0000000000000000\n");
		EXPECT_STREQ(fault_read(dirs[d], "ignore-gfp-wait"), "Y\n");
	}
	EXPECT_STREQ(fault_read("failslab", "cache-filter"), "N\n");
	EXPECT_STREQ(fault_read("fail_page_alloc", "ignore-gfp-highmem"), "Y\n");
	EXPECT_STREQ(fault_read("fail_page_alloc", "min-order"), "1\n");
	/* Off: neither hook costs anything. */
	EXPECT_FALSE(debug_hooks() & DEBUG_HOOK_FAILSLAB);
	EXPECT_FALSE(__atomic_load_n(&fail_page_alloc_live, __ATOMIC_RELAXED));
}

TEST(control_files_round_trip)
{
	for (int d = 0; d < 2; d++) {
		const char *dir = dirs[d];

		FAULT_SET(dir, "probability", "42");
		EXPECT_STREQ(fault_read(dir, "probability"), "42\n");
		FAULT_SET(dir, "interval", "0x10");
		EXPECT_STREQ(fault_read(dir, "interval"), "16\n");
		FAULT_SET(dir, "times", "-1");
		EXPECT_STREQ(fault_read(dir, "times"), "-1\n");
		FAULT_SET(dir, "space", "4096\n");	/* echo's newline is taken */
		EXPECT_STREQ(fault_read(dir, "space"), "4096\n");
		FAULT_SET(dir, "verbose", "1");
		EXPECT_STREQ(fault_read(dir, "verbose"), "1\n");
		FAULT_SET(dir, "verbose_ratelimit_interval_ms", "5000");
		EXPECT_STREQ(fault_read(dir, "verbose_ratelimit_interval_ms"), "5000\n");
		FAULT_SET(dir, "verbose_ratelimit_burst", "3");
		EXPECT_STREQ(fault_read(dir, "verbose_ratelimit_burst"), "3\n");
		FAULT_SET(dir, "task-filter", "Y");
		EXPECT_STREQ(fault_read(dir, "task-filter"), "Y\n");
		FAULT_SET(dir, "task-filter", "0");
		EXPECT_STREQ(fault_read(dir, "task-filter"), "N\n");
		FAULT_SET(dir, "task-filter", "on");
		EXPECT_STREQ(fault_read(dir, "task-filter"), "Y\n");
		FAULT_SET(dir, "stacktrace-depth", "100");	/* clamped, as the kernel */
		EXPECT_STREQ(fault_read(dir, "stacktrace-depth"), "32\n");
		FAULT_SET(dir, "require-start", "0x1000");
		EXPECT_STREQ(fault_read(dir, "require-start"), "0x0000000000001000\n");
		FAULT_SET(dir, "reject-end", "4096");
		EXPECT_STREQ(fault_read(dir, "reject-end"), "0x0000000000001000\n");
		FAULT_SET(dir, "ignore-gfp-wait", "n");
		EXPECT_STREQ(fault_read(dir, "ignore-gfp-wait"), "N\n");
	}
	FAULT_SET("failslab", "cache-filter", "Y");
	EXPECT_STREQ(fault_read("failslab", "cache-filter"), "Y\n");
	FAULT_SET("fail_page_alloc", "ignore-gfp-highmem", "N");
	EXPECT_STREQ(fault_read("fail_page_alloc", "ignore-gfp-highmem"), "N\n");
	FAULT_SET("fail_page_alloc", "min-order", "4");
	EXPECT_STREQ(fault_read("fail_page_alloc", "min-order"), "4\n");
	reset_all();
}

TEST(bad_values_are_refused_by_name_and_change_nothing)
{
	static const struct {
		const char *dir, *file, *value, *message;
	} bad[] = {
		{ "failslab", "probability", "101",
		  "ukmem: bad value '101' for /sys/kernel/debug/failslab/probability "
		  "(a percentage, 0..100)\n" },
		{ "fail_page_alloc", "interval", "abc",
		  "ukmem: bad value 'abc' for /sys/kernel/debug/fail_page_alloc/interval "
		  "(an unsigned integer)\n" },
		{ "failslab", "times", "99999999999",
		  "ukmem: bad value '99999999999' for /sys/kernel/debug/failslab/times "
		  "(an integer that fits an int)\n" },
		{ "failslab", "task-filter", "maybe",
		  "ukmem: bad value 'maybe' for /sys/kernel/debug/failslab/task-filter "
		  "(Y or N)\n" },
		{ "fail_page_alloc", "min-order", "-3",
		  "ukmem: bad value '-3' for /sys/kernel/debug/fail_page_alloc/min-order "
		  "(an unsigned 32-bit integer)\n" },
		{ "fail_page_alloc", "require-start", "",
		  "ukmem: bad value '' for /sys/kernel/debug/fail_page_alloc/require-start "
		  "(an unsigned integer)\n" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char before[256];
		size_t mark = log_mark();

		snprintf(before, sizeof(before), "%s", fault_read(bad[i].dir, bad[i].file));
		EXPECT_EQ(fault_write(bad[i].dir, bad[i].file, bad[i].value), -EINVAL);
		EXPECT_STREQ(log_text + mark, bad[i].message);
		EXPECT_STREQ(fault_read(bad[i].dir, bad[i].file), before);
	}
	/* No such file; the directory itself is no file. */
	EXPECT_EQ(fault_write("failslab", "min-order", "1"), -ENOENT);
	EXPECT_EQ(fault_write("fail_page_alloc", "cache-filter", "Y"), -ENOENT);
	EXPECT_EQ(fault_write("failslab", "", "1"), -ENOENT);
	{
		char buf[64];

		EXPECT_EQ(ukmem_ctl_read("/sys/kernel/debug/failslab/bogus", buf, sizeof(buf)),
			  -ENOENT);
	}
}

/* ---- the decision ------------------------------------------------------------------ */

TEST(times_fails_exactly_that_many_then_none)
{
	FAULT_SET("fail_page_alloc", "probability", "100");
	FAULT_SET("fail_page_alloc", "times", "3");
	EXPECT_STREQ(page_pattern(8, GFP_ATOMIC, 1), "FFF.....");
	EXPECT_STREQ(fault_read("fail_page_alloc", "times"), "0\n");

	FAULT_SET("failslab", "probability", "100");
	FAULT_SET("failslab", "times", "3");
	EXPECT_STREQ(failslab_pattern(8, cache64, GFP_ATOMIC), "FFF.....");
	EXPECT_STREQ(fault_read("failslab", "times"), "0\n");
	reset_all();
}

TEST(failslab_hook_is_on_exactly_while_failures_are_possible)
{
	EXPECT_FALSE(debug_hooks() & DEBUG_HOOK_FAILSLAB);
	FAULT_SET("failslab", "times", "2");
	EXPECT_FALSE(debug_hooks() & DEBUG_HOOK_FAILSLAB);	/* probability still 0 */
	FAULT_SET("failslab", "probability", "100");
	EXPECT_TRUE(debug_hooks() & DEBUG_HOOK_FAILSLAB);
	EXPECT_STREQ(failslab_pattern(2, cache64, GFP_ATOMIC), "FF");
	EXPECT_FALSE(debug_hooks() & DEBUG_HOOK_FAILSLAB);	/* times used up */
	FAULT_SET("failslab", "times", "-1");
	EXPECT_TRUE(debug_hooks() & DEBUG_HOOK_FAILSLAB);
	FAULT_SET("failslab", "probability", "0");
	EXPECT_FALSE(debug_hooks() & DEBUG_HOOK_FAILSLAB);

	FAULT_SET("fail_page_alloc", "probability", "100");
	FAULT_SET("fail_page_alloc", "times", "1");
	EXPECT_TRUE(__atomic_load_n(&fail_page_alloc_live, __ATOMIC_RELAXED));
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC, 1), "F.");
	EXPECT_FALSE(__atomic_load_n(&fail_page_alloc_live, __ATOMIC_RELAXED));
	reset_all();
}

TEST(interval_fails_every_nth_call)
{
	const char *p;
	int first;

	FAULT_SET("fail_page_alloc", "probability", "100");
	FAULT_SET("fail_page_alloc", "times", "-1");
	FAULT_SET("fail_page_alloc", "interval", "4");
	p = page_pattern(20, GFP_ATOMIC, 1);
	/* The count runs on from earlier calls: where the first failure
	 * falls depends on them, the spacing does not. */
	first = (int)(strchr(p, 'F') ? strchr(p, 'F') - p : -1);
	EXPECT_GE(first, 0);
	EXPECT_LT(first, 4);
	for (int i = 0; i < 20; i++)
		if ((p[i] == 'F') != (i >= first && (i - first) % 4 == 0))
			HARNESS_FAIL("call %d of %s", i, p);

	FAULT_SET("failslab", "probability", "100");
	FAULT_SET("failslab", "times", "-1");
	FAULT_SET("failslab", "interval", "3");
	p = failslab_pattern(12, cache64, GFP_ATOMIC);
	first = (int)(strchr(p, 'F') ? strchr(p, 'F') - p : -1);
	EXPECT_GE(first, 0);
	EXPECT_LT(first, 3);
	for (int i = 0; i < 12; i++)
		if ((p[i] == 'F') != (i >= first && (i - first) % 3 == 0))
			HARNESS_FAIL("call %d of %s", i, p);
	reset_all();
}

TEST(space_lets_that_much_through_first)
{
	/* failslab counts bytes: 200 bytes of space pass three 64-byte
	 * objects (200 -> 136 -> 72 -> 8) and the fourth fails. */
	FAULT_SET("failslab", "probability", "100");
	FAULT_SET("failslab", "times", "-1");
	FAULT_SET("failslab", "space", "200");
	EXPECT_STREQ(failslab_pattern(5, cache64, GFP_ATOMIC), "...FF");
	EXPECT_STREQ(fault_read("failslab", "space"), "8\n");

	/* fail_page_alloc counts pages: 5 pages pass two order-1 blocks. */
	FAULT_SET("fail_page_alloc", "probability", "100");
	FAULT_SET("fail_page_alloc", "times", "-1");
	FAULT_SET("fail_page_alloc", "space", "5");
	EXPECT_STREQ(page_pattern(4, GFP_ATOMIC, 1), "..FF");
	reset_all();
}

TEST(probability_fails_about_that_share)
{
	int fails;

	FAULT_SET("fail_page_alloc", "probability", "30");
	FAULT_SET("fail_page_alloc", "times", "-1");
	fails = count_substr(page_pattern(64, GFP_ATOMIC, 1), "F");
	/* 64 draws at 30%: mean 19.2, sd 3.7; 4..40 is beyond 4 sd. */
	EXPECT_GE(fails, 4);
	EXPECT_LE(fails, 40);
	reset_all();
}

struct thread_run {
	bool marked;
	int previous_mark;
	char pattern[PATTERN_MAX + 1];
	char slab_pattern[PATTERN_MAX + 1];
};

static void *task_filter_thread(void *arg)
{
	struct thread_run *run = arg;

	run->previous_mark = ukmem_fault_make_it_fail(run->marked);	/* new threads: 0 */
	snprintf(run->pattern, sizeof(run->pattern), "%s", page_pattern(6, GFP_ATOMIC, 1));
	snprintf(run->slab_pattern, sizeof(run->slab_pattern), "%s",
		 failslab_pattern(6, cache64, GFP_ATOMIC));
	return NULL;
}

TEST(task_filter_fails_only_the_marked_thread)
{
	struct thread_run runs[2] = { { .marked = true }, { .marked = false } };
	pthread_t threads[2];

	for (int d = 0; d < 2; d++) {
		FAULT_SET(dirs[d], "probability", "100");
		FAULT_SET(dirs[d], "times", "-1");
		FAULT_SET(dirs[d], "task-filter", "Y");
	}
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&threads[i], NULL, task_filter_thread, &runs[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	EXPECT_EQ(runs[0].previous_mark, 0);
	EXPECT_EQ(runs[1].previous_mark, 0);
	EXPECT_STREQ(runs[0].pattern, "FFFFFF");
	EXPECT_STREQ(runs[0].slab_pattern, "FFFFFF");
	EXPECT_STREQ(runs[1].pattern, "......");
	EXPECT_STREQ(runs[1].slab_pattern, "......");

	/* This thread: unmarked, then marked, but not as an interrupt. */
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC, 1), "..");
	EXPECT_EQ(ukmem_fault_make_it_fail(1), 0);
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC, 1), "FF");
	ukmem_irq_enter();
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC, 1), "..");
	ukmem_irq_exit();
	EXPECT_EQ(ukmem_fault_make_it_fail(0), 1);
	EXPECT_EQ(ukmem_fault_make_it_fail(2), -EINVAL);
	EXPECT_EQ(ukmem_fault_make_it_fail(0), 0);
	reset_all();
}

/* ---- what is spared ---------------------------------------------------------------- */

TEST(nofail_never_fails)
{
	for (int d = 0; d < 2; d++) {
		FAULT_SET(dirs[d], "probability", "100");
		FAULT_SET(dirs[d], "times", "-1");
		FAULT_SET(dirs[d], "ignore-gfp-wait", "N");
	}
	EXPECT_STREQ(page_pattern(4, GFP_KERNEL | __GFP_NOFAIL, 1), "....");
	EXPECT_STREQ(page_pattern(4, GFP_ATOMIC | __GFP_NOFAIL, 2), "....");
	EXPECT_STREQ(page_pattern(2, GFP_KERNEL, 1), "FF");
	EXPECT_STREQ(failslab_pattern(4, cache64, GFP_KERNEL | __GFP_NOFAIL), "....");
	EXPECT_STREQ(failslab_pattern(2, cache64, GFP_KERNEL), "FF");
	reset_all();
}

TEST(ignore_gfp_wait_spares_sleeping_allocations)
{
	for (int d = 0; d < 2; d++) {
		FAULT_SET(dirs[d], "probability", "100");
		FAULT_SET(dirs[d], "times", "-1");
	}
	/* Y, the default: only allocations that cannot sleep fail. */
	EXPECT_STREQ(page_pattern(3, GFP_KERNEL, 1), "...");
	EXPECT_STREQ(page_pattern(3, GFP_NOWAIT, 1), "FFF");
	EXPECT_STREQ(failslab_pattern(3, cache64, GFP_KERNEL), "...");
	EXPECT_STREQ(failslab_pattern(3, cache64, GFP_ATOMIC), "FFF");
	for (int d = 0; d < 2; d++)
		FAULT_SET(dirs[d], "ignore-gfp-wait", "N");
	EXPECT_STREQ(page_pattern(3, GFP_KERNEL, 1), "FFF");
	EXPECT_STREQ(failslab_pattern(3, cache64, GFP_KERNEL), "FFF");
	reset_all();
}

TEST(min_order_spares_smaller_blocks)
{
	FAULT_SET("fail_page_alloc", "probability", "100");
	FAULT_SET("fail_page_alloc", "times", "-1");
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC, 0), "..");	/* default min-order 1 */
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC, 1), "FF");
	FAULT_SET("fail_page_alloc", "min-order", "3");
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC, 2), "..");
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC, 3), "FF");
	FAULT_SET("fail_page_alloc", "min-order", "0");
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC, 0), "FF");
	reset_all();
}

TEST(ignore_gfp_highmem_spares_highmem_allocations)
{
	FAULT_SET("fail_page_alloc", "probability", "100");
	FAULT_SET("fail_page_alloc", "times", "-1");
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC | __GFP_HIGHMEM, 1), "..");
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC, 1), "FF");
	FAULT_SET("fail_page_alloc", "ignore-gfp-highmem", "N");
	EXPECT_STREQ(page_pattern(2, GFP_ATOMIC | __GFP_HIGHMEM, 1), "FF");
	reset_all();
}

TEST(cache_filter_fails_only_failslab_caches)
{
	struct kmem_cache *marked = kmem_cache_create("fault_test_marked", 64, 0, SLAB_FAILSLAB,
						      NULL);

	ASSERT_NOT_NULL(marked);
	FAULT_SET("failslab", "probability", "100");
	FAULT_SET("failslab", "times", "-1");
	EXPECT_STREQ(failslab_pattern(2, cache64, GFP_ATOMIC), "FF");
	FAULT_SET("failslab", "cache-filter", "Y");
	EXPECT_STREQ(failslab_pattern(2, cache64, GFP_ATOMIC), "..");
	EXPECT_STREQ(failslab_pattern(2, marked, GFP_ATOMIC), "FF");
	reset_all();
	kmem_cache_destroy(marked);
}

/* ---- the stack filter -------------------------------------------------------------- */

static unsigned long site_a, site_b;

/* Records where it was called from, then allocates: that return address
 * is in the stack the filter walks. */
__attribute__((noinline)) static struct page *alloc_recording(unsigned long *site)
{
	struct page *page;

	*site = (unsigned long)__builtin_return_address(0);
	page = alloc_pages(GFP_ATOMIC, 1);
	__asm__ volatile("" ::: "memory");	/* no tail call: keep this frame */
	return page;
}

__attribute__((noinline)) static bool fails_from_a(void)
{
	struct page *page = alloc_recording(&site_a);

	__asm__ volatile("" ::: "memory");
	if (page)
		__free_pages(page, 1);
	return !page;
}

__attribute__((noinline)) static bool fails_from_b(void)
{
	struct page *page = alloc_recording(&site_b);

	__asm__ volatile("" ::: "memory");
	if (page)
		__free_pages(page, 1);
	return !page;
}

TEST(stack_filter_requires_and_rejects_callers)
{
	char hex[32];

	/* Learn the two call sites while nothing fails. */
	EXPECT_FALSE(fails_from_a());
	EXPECT_FALSE(fails_from_b());
	ASSERT_TRUE(site_a && site_b && site_a != site_b);

	FAULT_SET("fail_page_alloc", "probability", "100");
	FAULT_SET("fail_page_alloc", "times", "-1");
	snprintf(hex, sizeof(hex), "%#lx", site_a);
	FAULT_SET("fail_page_alloc", "require-start", hex);
	snprintf(hex, sizeof(hex), "%#lx", site_a + 1);
	FAULT_SET("fail_page_alloc", "require-end", hex);
	EXPECT_TRUE(fails_from_a());
	EXPECT_FALSE(fails_from_b());

	/* A depth of 0 walks nothing, so no caller is found. */
	FAULT_SET("fail_page_alloc", "stacktrace-depth", "0");
	EXPECT_FALSE(fails_from_a());
	FAULT_SET("fail_page_alloc", "stacktrace-depth", "32");

	/* Required: anywhere; rejected: a's call site. */
	FAULT_SET("fail_page_alloc", "require-start", "0");
	FAULT_SET("fail_page_alloc", "require-end", "0xffffffffffffffff");
	snprintf(hex, sizeof(hex), "%#lx", site_a);
	FAULT_SET("fail_page_alloc", "reject-start", hex);
	snprintf(hex, sizeof(hex), "%#lx", site_a + 1);
	FAULT_SET("fail_page_alloc", "reject-end", hex);
	EXPECT_FALSE(fails_from_a());
	EXPECT_TRUE(fails_from_b());
	reset_all();
}

/* ---- the report -------------------------------------------------------------------- */

TEST(verbose_prints_the_kernels_report)
{
	size_t mark;

	FAULT_SET("fail_page_alloc", "probability", "100");
	FAULT_SET("fail_page_alloc", "times", "2");
	FAULT_SET("fail_page_alloc", "verbose", "1");
	mark = log_mark();
	EXPECT_STREQ(page_pattern(3, GFP_ATOMIC, 1), "FF.");
	EXPECT_STREQ(log_text + mark,
		     "FAULT_INJECTION: forcing a failure.\n"
		     "name fail_page_alloc, interval 1, probability 100, space 0, times 2\n"
		     "FAULT_INJECTION: forcing a failure.\n"
		     "name fail_page_alloc, interval 1, probability 100, space 0, times 1\n");

	/* verbose 2 adds the stack, as dump_stack prints it. */
	FAULT_SET("failslab", "probability", "100");
	FAULT_SET("failslab", "times", "1");
	FAULT_SET("failslab", "interval", "1");
	FAULT_SET("failslab", "verbose", "2");
	mark = log_mark();
	EXPECT_STREQ(failslab_pattern(1, cache64, GFP_ATOMIC), "F");
	EXPECT_EQ(strncmp(log_text + mark,
			  "FAULT_INJECTION: forcing a failure.\n"
			  "name failslab, interval 1, probability 100, space 0, times 1\n"
			  "CPU: ", strlen("FAULT_INJECTION: forcing a failure.\n"
					  "name failslab, interval 1, probability 100, space 0, "
					  "times 1\nCPU: ")), 0);
	EXPECT_EQ(log_count_since(mark, "Call Trace:\n"), 1);

	/* verbose 0 and __GFP_NOWARN: failures without a word. */
	FAULT_SET("fail_page_alloc", "times", "2");
	FAULT_SET("fail_page_alloc", "verbose", "0");
	mark = log_mark();
	EXPECT_STREQ(page_pattern(1, GFP_ATOMIC, 1), "F");
	FAULT_SET("fail_page_alloc", "verbose", "2");
	EXPECT_STREQ(page_pattern(1, GFP_ATOMIC | __GFP_NOWARN, 1), "F");
	EXPECT_STREQ(log_text + mark, "");
	reset_all();
}

TEST(verbose_reports_are_rate_limited)
{
	size_t mark;

	FAULT_SET("fail_page_alloc", "probability", "100");
	FAULT_SET("fail_page_alloc", "times", "-1");
	FAULT_SET("fail_page_alloc", "verbose", "1");
	FAULT_SET("fail_page_alloc", "verbose_ratelimit_interval_ms", "600000");
	FAULT_SET("fail_page_alloc", "verbose_ratelimit_burst", "2");
	mark = log_mark();
	EXPECT_STREQ(page_pattern(5, GFP_ATOMIC, 1), "FFFFF");
	EXPECT_EQ(log_count_since(mark, "FAULT_INJECTION: forcing a failure.\n"), 2);
	reset_all();
}

/* ---- the boot syntax ----------------------------------------------------------------- */

TEST(fault_attr_setup_takes_the_boot_syntax)
{
	struct fault_attr attr = FAULT_ATTR_INITIALIZER("test");
	size_t mark;

	EXPECT_EQ(fault_attr_setup(&attr, "3,50,4096,-1"), 0);
	EXPECT_UEQ(attr.interval, 3);
	EXPECT_UEQ(attr.probability, 50);
	EXPECT_EQ(attr.space, 4096);
	EXPECT_EQ(attr.times, -1);
	EXPECT_EQ(attr.verbose, 2);	/* untouched */

	mark = log_mark();
	EXPECT_EQ(fault_attr_setup(&attr, "1,101,0,1"), -EINVAL);
	EXPECT_EQ(fault_attr_setup(&attr, "1,10,0"), -EINVAL);
	EXPECT_EQ(fault_attr_setup(&attr, "1,10,0,1,5"), -EINVAL);
	EXPECT_EQ(fault_attr_setup(&attr, "x,10,0,1"), -EINVAL);
	EXPECT_EQ(log_count_since(mark, "FAULT_INJECTION: failed to parse arguments\n"), 4);
	EXPECT_UEQ(attr.probability, 50);	/* unchanged */
}

RUN_TESTS_SETUP(setup,
		T(defaults_read_as_the_kernels),
		T(control_files_round_trip),
		T(bad_values_are_refused_by_name_and_change_nothing),
		T(times_fails_exactly_that_many_then_none),
		T(failslab_hook_is_on_exactly_while_failures_are_possible),
		T(interval_fails_every_nth_call),
		T(space_lets_that_much_through_first),
		T(probability_fails_about_that_share),
		T(task_filter_fails_only_the_marked_thread),
		T(nofail_never_fails),
		T(ignore_gfp_wait_spares_sleeping_allocations),
		T(min_order_spares_smaller_blocks),
		T(ignore_gfp_highmem_spares_highmem_allocations),
		T(cache_filter_fails_only_failslab_caches),
		T(stack_filter_requires_and_rejects_callers),
		T(verbose_prints_the_kernels_report),
		T(verbose_reports_are_rate_limited),
		T(fault_attr_setup_takes_the_boot_syntax))
