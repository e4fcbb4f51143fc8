/*
 * test_kfence_kmalloc.c - KFENCE end to end: with kfence.sample_interval=1
 * some kmalloc() objects come from the KFENCE pool (the slab slow path
 * takes the sample); an out-of-bounds read of one is reported with the
 * kernel's title and the program goes on; ksize and kfree work on it; a
 * read after kfree is a use-after-free report; a plain kmalloc cache keeps
 * its sheaves between samples.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <ukmem/ukmem.h>
#include <ukmem/slab.h>

#include "harness.h"
#include "log.h"
#include "debug/debug.h"

static volatile unsigned char sink;

/* Read p[i] now.  The fault handler writes the log behind the compiler's
 * back: barriers on both sides keep the test's reads of the log (the mark
 * before, the count after) on their side of the access. */
static void touch(const unsigned char *p, long i)
{
	__asm__ volatile("" ::: "memory");
	sink = *(const volatile unsigned char *)(p + i);
	__asm__ volatile("" ::: "memory");
}

/* kmalloc(size) until one is a KFENCE sample (at most about 2 s). */
static unsigned char *kmalloc_sample(size_t size, int want_right)
{
	void *held[4096];
	int n = 0;
	unsigned char *found = NULL;
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		unsigned char *p = kmalloc(size, GFP_KERNEL);

		if (!p)
			break;
		if (is_kfence_address(p) &&
		    (want_right < 0 || (((uintptr_t)(p + size) % 4096 == 0) == want_right))) {
			found = p;
			break;
		}
		if (n < 4096)
			held[n++] = p;
		else
			kfree(p);
		if (n == 4096) {
			while (n)
				kfree(held[--n]);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 <
		 2000);
	while (n)
		kfree(held[--n]);
	return found;
}

TEST(kmalloc_samples_and_out_of_bounds_read_is_reported)
{
	unsigned char *p = kmalloc_sample(32, 1);
	size_t mark;

	ASSERT_NOT_NULL(p);
	EXPECT_EQ(ksize(p), 32);
	memset(p, 0x5a, 32);
	mark = log_mark();
	touch(p, 32);			/* one past the end: the right guard page */
	EXPECT_TRUE(log_count_since(mark, "BUG: KFENCE: out-of-bounds read in ") == 1);
	EXPECT_TRUE(log_count_since(mark, "kfence-#") >= 1);
	EXPECT_TRUE(log_count_since(mark, "cache=kmalloc-32") == 1);
	kfree(p);
	mark = log_mark();
	touch(p, 0);			/* after kfree: a use-after-free */
	EXPECT_TRUE(log_count_since(mark, "BUG: KFENCE: use-after-free read in ") == 1);
}

TEST(krealloc_and_kfree_of_a_sample)
{
	unsigned char *p = kmalloc_sample(64, -1), *q;
	size_t mark = log_mark();

	ASSERT_NOT_NULL(p);
	memset(p, 7, 64);
	q = krealloc(p, 200, GFP_KERNEL);
	ASSERT_NOT_NULL(q);
	EXPECT_EQ(q[63], 7);
	kfree(q);
	EXPECT_EQ(log_count_since(mark, "BUG"), 0);
}

static void setup(void)
{
	ukmem_set_log_hook(log_capture);
	if (ukmem_init("mem=128M kfence.sample_interval=1") != 0)
		exit(2);
}

RUN_TESTS_SETUP(setup,
	T(kmalloc_samples_and_out_of_bounds_read_is_reported),
	T(krealloc_and_kfree_of_a_sample))
