/*
 * test_autostart.c - ukmem starts by itself on the first allocation, with
 * the options of UKMEM_OPTIONS (here mem=32M), once, even when several
 * threads make that first allocation at the same moment.
 */
#include "page_helpers.h"

#define THREADS 4

static void setup(void)
{
	log_setup("autostart");
	setenv("UKMEM_OPTIONS", "mem=32M", 1);
}

static pthread_barrier_t barrier;
static struct page *first_pages[THREADS];

static void *first_alloc(void *arg)
{
	long i = (long)arg;

	pthread_barrier_wait(&barrier);
	first_pages[i] = alloc_pages(GFP_KERNEL, (unsigned int)i);
	return NULL;
}

TEST(first_allocation_starts_ukmem)
{
	pthread_t threads[THREADS];

	EXPECT_FALSE(ukmem_initialized());
	EXPECT_EQ(ukmem_nr_mem_regions, 0);
	pthread_barrier_init(&barrier, NULL, THREADS);
	for (long i = 0; i < THREADS; i++)
		pthread_create(&threads[i], NULL, first_alloc, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&barrier);
	EXPECT_TRUE(ukmem_initialized());
	for (int i = 0; i < THREADS; i++) {
		if (!first_pages[i]) {
			HARNESS_FAIL("thread %d: the first allocation failed", i);
			continue;
		}
		EXPECT_TRUE(virt_addr_valid(page_address(first_pages[i])));
		__free_pages(first_pages[i], (unsigned int)i);
	}
	EXPECT_EQ(ukmem_init("mem=64M"), -EBUSY);
}

/* The options of UKMEM_OPTIONS were applied: 32M of memory, all of it. */
TEST(options_came_from_the_environment)
{
	EXPECT_EQ(ukmem_nr_mem_regions, 1);
	EXPECT_UEQ(ukmem_mm.arena_size, 32 * MiB);
	EXPECT_UEQ(ukmem_mm.totalram_pages + ukmem_mm.reserved_pages, (32 * MiB) >> PAGE_SHIFT);
	EXPECT_GT(ukmem_mm.totalram_pages, ((32 * MiB) >> PAGE_SHIFT) * 95 / 100);
	EXPECT_UEQ(total_managed_pages(), ukmem_mm.totalram_pages);
	EXPECT_UEQ(drained_free_pages(), ukmem_mm.totalram_pages);
	EXPECT_EQ(log_count_since(0, "rejected"), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(first_allocation_starts_ukmem),
	T(options_came_from_the_environment))
