/*
 * test_debug_kmalloc.c - kmemleak and failslab through kmalloc itself,
 * with the options given at the start (kmemleak=on): the slab slow path
 * runs the hooks, so a kmalloc'd object that nothing points to is reported
 * with its size and the function that allocated it, objects reachable
 * from a global through a chain of kmalloc'd objects are not, and failslab
 * turned on through its control files makes kmalloc return NULL exactly
 * as many times as asked, for the marked thread only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ukmem/ukmem.h>
#include <ukmem/slab.h>
#include <ukmem/kmemleak.h>
#include <ukmem/fault-inject.h>

#include "harness.h"
#include "debug_helpers.h"
#include "log.h"
#include "debug/debug.h"

static char report[1 << 16];
static void **held_by_global;
static void *volatile lost;

static void *opaque(void *p)
{
	void *volatile v = p;

	return v;
}

/* The leak: a 200-byte object (of kmalloc-256) whose only pointer is
 * dropped. */
static __attribute__((noinline)) void leak_an_object(void)
{
	char *p = kmalloc(200, GFP_KERNEL);

	memset(p, 'L', 200);
	lost = p;
	lost = NULL;
}

static __attribute__((noinline)) void keep_a_chain(void)
{
	/* global -> a -> b (interior pointer into b). */
	void **a = kmalloc(64, GFP_KERNEL);
	char *b = kmalloc(512, GFP_KERNEL);

	memset(b, 'K', 512);
	a[0] = b + 100;
	held_by_global = opaque(a);
}

/* kmemleak scans conservatively, this thread's stack and registers
 * included: wipe the dead stack below the caller, where a copy of a
 * dropped pointer may still sit, before a scan. */
static __attribute__((noinline)) void scrub_stack(void)
{
	volatile char junk[32768];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = 0;
}

static void scan_and_read(void)
{
	scrub_stack();
	/* Two scans: an object that changed since the last one waits. */
	EXPECT_EQ(ukmem_ctl_write("/sys/kernel/debug/kmemleak", "scan"), 0);
	EXPECT_EQ(ukmem_ctl_write("/sys/kernel/debug/kmemleak", "scan"), 0);
	EXPECT_GE(ukmem_ctl_read("/sys/kernel/debug/kmemleak", report, sizeof(report)), 0);
}

TEST(kmalloc_leak_is_reported_and_a_chain_is_not)
{
	keep_a_chain();
	run_in_thread(leak_an_object);
	scan_and_read();
	EXPECT_CONTAINS(report, "unreferenced object 0x");
	EXPECT_CONTAINS(report, "(size 256):");	/* the cache's object size, as the kernel's */
	EXPECT_CONTAINS(report, "4c 4c 4c 4c");	/* the hex dump of 'L' */
	if (!UNDER_TSAN)	/* TSan builds: dladdr, no static names */
		EXPECT_CONTAINS(report, "leak_an_object");
	EXPECT_EQ(count_substr(report, "unreferenced object"), 1);
	/* Cut the chain: both objects become leaks. */
	kfree((char *)held_by_global[0] - 100);
	held_by_global[0] = NULL;
	kfree(held_by_global);
	held_by_global = NULL;
	scan_and_read();
	EXPECT_EQ(count_substr(report, "unreferenced object"), 1);
}

TEST(failslab_fails_kmalloc_for_the_marked_thread)
{
	int nulls = 0;

	char buf[8];

	/* GFP_KERNEL sleeps: failslab spares it by default (ignore-gfp-wait
	 * Y); setup() turned that off with the boot option. */
	EXPECT_GT(ukmem_ctl_read("/sys/kernel/debug/failslab/ignore-gfp-wait", buf, sizeof(buf)), 0);
	EXPECT_STREQ(buf, "N\n");
	EXPECT_EQ(ukmem_ctl_write("/sys/kernel/debug/failslab/task-filter", "Y"), 0);
	EXPECT_EQ(ukmem_ctl_write("/sys/kernel/debug/failslab/times", "3"), 0);
	EXPECT_EQ(ukmem_ctl_write("/sys/kernel/debug/failslab/probability", "100"), 0);
	/* Not marked yet: nothing fails. */
	for (int i = 0; i < 10; i++) {
		void *p = kmalloc(32, GFP_KERNEL);

		nulls += !p;
		kfree(p);
	}
	EXPECT_EQ(nulls, 0);
	ukmem_fault_make_it_fail(1);
	for (int i = 0; i < 10; i++) {
		void *p = kmalloc(32, GFP_KERNEL);

		nulls += !p;
		kfree(p);
	}
	ukmem_fault_make_it_fail(0);
	EXPECT_EQ(nulls, 3);
	EXPECT_EQ(ukmem_ctl_write("/sys/kernel/debug/failslab/probability", "0"), 0);
}

static void setup(void)
{
	ukmem_set_log_hook(log_capture);
	if (ukmem_init("mem=128M kmemleak=on failslab.ignore-gfp-wait=N") != 0)
		exit(2);
	kfree(kmalloc(8, GFP_KERNEL));	/* the slab layer starts kmemleak */
	kmemleak_set_min_age_ms(0);
}

RUN_TESTS_SETUP(setup,
	T(kmalloc_leak_is_reported_and_a_chain_is_not),
	T(failslab_fails_kmalloc_for_the_marked_thread))
