/*
 * clash_main.c - kernel code and ukmem in one statically linked program.
 * Linked against libukmem.a (the installed archive, not the internal
 * one) together with kernel_names.c, which defines bad_page, dump_page,
 * warn_alloc, drain_pages, zone_lock, slab_caches, slab_mutex, kmalloc
 * and kfree as kernel code would.  The link must succeed (no duplicate
 * symbols), ukmem must use its own internals (its bad page report comes
 * from ukmem, the program's bad_page is never called), and the program's
 * globals and functions stay its own.
 */
#include <ukmem.h>

#include "harness.h"
#include "log.h"

struct list_head_like {
	struct list_head_like *next, *prev;
};

extern int kernel_calls;
extern struct list_head_like slab_caches;
extern int slab_mutex;
extern long zone_lock;
void *kernel_side_kmalloc(size_t size);
void kernel_side_kfree(const void *p);

static void setup(void)
{
	ukmem_set_log_hook(log_capture);
	if (ukmem_init("mem=64M")) {
		fprintf(stderr, "ukmem_init failed:\n%s\n", log_text);
		exit(1);
	}
}

TEST(ukmem_allocates_with_its_own_internals)
{
	struct kmem_cache *cache = kmem_cache_create("clash_cache", 72, 0, 0, NULL);
	ASSERT_NOT_NULL(cache);
	void *obj = kmem_cache_alloc(cache, GFP_KERNEL);
	char *s = kmalloc(100, GFP_KERNEL);
	struct page *page = alloc_pages(GFP_KERNEL, 2);

	EXPECT_TRUE(obj != NULL);
	EXPECT_TRUE(s != NULL);
	EXPECT_TRUE(page != NULL);
	kmem_cache_free(cache, obj);
	kfree(s);
	__free_pages(page, 2);
	kmem_cache_destroy(cache);
	ukmem_drain_all();

	/* None of it reached the program's functions or globals. */
	EXPECT_EQ(kernel_calls, 0);
	EXPECT_PTR_EQ(slab_caches.next, &slab_caches);
	EXPECT_PTR_EQ(slab_caches.prev, &slab_caches);
	EXPECT_EQ(slab_mutex, 7);
	EXPECT_EQ(zone_lock, 42);
}

TEST(ukmem_reports_a_bad_free_itself)
{
	struct page *page = alloc_pages(GFP_KERNEL, 3);
	ASSERT_NOT_NULL(page);
	size_t mark = log_mark();

	__free_pages(page, 2);	/* the wrong order: ukmem's bad_page */
	EXPECT_EQ(log_count_since(mark, "BUG: Bad page state"), 1);
	EXPECT_EQ(kernel_calls, 0);
}

TEST(the_programs_kmalloc_stays_its_own)
{
	char *p = kernel_side_kmalloc(32);
	ASSERT_NOT_NULL(p);
	kernel_side_kfree(p);
	EXPECT_EQ(kernel_calls, 2);
}

RUN_TESTS_SETUP(setup,
	T(ukmem_allocates_with_its_own_internals),
	T(ukmem_reports_a_bad_free_itself),
	T(the_programs_kmalloc_stays_its_own))
