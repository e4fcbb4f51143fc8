/*
 * test_vmalloc_bare.c - vmalloc on the bare platform, which has no address
 * space to reserve: areas are contiguous pages from the page allocator
 * (alloc_pages_exact, as a NOMMU kernel hands out physically contiguous
 * memory), is_vmalloc_addr() is false, and vfree and kvfree give the pages
 * back.  Linked against ukmem_bare (the freestanding build of the core).
 */
#include <stdint.h>

#include <ukmem.h>

#include "harness.h"
#include "log.h"
#include "page/mmzone.h"
#include "slab/vmalloc_internal.h"

/* 16 MiB (half on a board, TEST_MIB), not aligned to a page. */
static unsigned char normal_mem[TEST_MIB(16) + 5000];


/* Free pages of every zone after this CPU's lists went back. */
static unsigned long drained_free_pages(void)
{
	unsigned long sum = 0;

	ukmem_drain_all();
	for (int z = 0; z < MAX_NR_ZONES; z++)
		sum += zone_page_state(&NODE_DATA(0)->node_zones[z], NR_FREE_PAGES);
	return sum;
}

static bool in_region(const void *p, size_t size)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)normal_mem;

	return a >= lo && a + size <= lo + sizeof(normal_mem);
}

static size_t opaque(size_t x)
{
	volatile size_t v = x;

	return v;
}

static void setup(void)
{
	ukmem_set_log_hook(log_capture);
	if (ukmem_add_region(normal_mem + 7, sizeof(normal_mem) - 7, ZONE_NORMAL, 0) ||
	    ukmem_init(NULL)) {
		fprintf(stderr, "bare setup failed:\n%s\n", log_text);
		exit(1);
	}
}

TEST(vmalloc_is_contiguous_pages)
{
	unsigned long free_before = drained_free_pages();
	size_t size = 5 * PAGE_SIZE + 1;
	unsigned char *p = vmalloc(opaque(size));

	ASSERT_NOT_NULL(p);
	EXPECT_EQ((uintptr_t)p % PAGE_SIZE, 0);
	EXPECT_TRUE(in_region(p, PAGE_ALIGN(size)));
	EXPECT_FALSE(is_vmalloc_addr(p));
	EXPECT_TRUE(virt_addr_valid(p));
	EXPECT_UEQ(ukmem_vmalloc_total_bytes(), 0);
	EXPECT_UEQ(ukmem_vmalloc_used_pages(), 6);
	/* Exactly the pages needed: the tail of the order-3 block is back. */
	EXPECT_UEQ(free_before - drained_free_pages(), 6);
	memset(p, 0x5a, PAGE_ALIGN(size));
	vfree(p);
	EXPECT_UEQ(ukmem_vmalloc_used_pages(), 0);
	EXPECT_UEQ(drained_free_pages(), free_before);
	EXPECT_EQ(ukmem_vmalloc_validate(), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

TEST(vzalloc_zeroes)
{
	unsigned long free_before = drained_free_pages();
	unsigned char *p = vmalloc(opaque(8 * PAGE_SIZE));
	int nonzero = 0;

	ASSERT_NOT_NULL(p);
	memset(p, 0xff, 8 * PAGE_SIZE);
	vfree(p);
	p = vzalloc(opaque(8 * PAGE_SIZE));
	ASSERT_NOT_NULL(p);
	for (size_t i = 0; i < 8 * PAGE_SIZE; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(nonzero, 0);
	vfree(p);
	EXPECT_UEQ(drained_free_pages(), free_before);
}

TEST(kvfree_of_both_kinds)
{
	unsigned long free_before = drained_free_pages();
	void *k = kvmalloc(opaque(64 * 1024), GFP_KERNEL);	/* a large kmalloc */
	void *v = vmalloc(opaque(64 * 1024));
	size_t mark = log_mark();

	ASSERT_NOT_NULL(k);
	ASSERT_NOT_NULL(v);
	EXPECT_FALSE(is_vmalloc_addr(k));
	EXPECT_FALSE(is_vmalloc_addr(v));
	kvfree(k);
	kvfree(v);
	kvfree_sensitive(vmalloc(opaque(3 * PAGE_SIZE)), 3 * PAGE_SIZE);
	EXPECT_EQ(log_count_since(mark, "BUG"), 0);
	EXPECT_EQ(log_count_since(mark, "WARNING"), 0);
	EXPECT_UEQ(ukmem_vmalloc_used_pages(), 0);
	EXPECT_UEQ(drained_free_pages(), free_before);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

TEST(bad_vfree_reported)
{
	unsigned long free_before = drained_free_pages();
	const char *msg = "Trying to vfree() nonexistent vm area";
	unsigned char *p = vmalloc(opaque(4 * PAGE_SIZE));
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	size_t mark;

	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(page);
	mark = log_mark();
	vfree(p + PAGE_SIZE);		/* the middle of a block */
	vfree(page_address(page));	/* pages, but not vmalloc's */
	vfree(&mark);			/* not ukmem's */
	EXPECT_EQ(log_count_since(mark, msg), 3);
	__free_pages(page, 0);
	vfree(p);
	mark = log_mark();
	vfree(p);			/* double free */
	EXPECT_EQ(log_count_since(mark, msg), 1);
	EXPECT_UEQ(drained_free_pages(), free_before);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* Without address space, a vmalloc is limited to the largest block. */
TEST(larger_than_a_block_fails)
{
	size_t mark = log_mark();

	EXPECT_PTR_EQ(vmalloc(opaque((PAGE_SIZE << MAX_PAGE_ORDER) + 1)), NULL);
	EXPECT_EQ(log_count_since(mark, "vmalloc error: size"), 1);
	EXPECT_PTR_EQ(kvmalloc(opaque(8 << 20), GFP_KERNEL), NULL);
	EXPECT_UEQ(ukmem_vmalloc_used_pages(), 0);
}

RUN_TESTS_SETUP(setup,
		T(vmalloc_is_contiguous_pages),
		T(vzalloc_zeroes),
		T(kvfree_of_both_kinds),
		T(bad_vfree_reported),
		T(larger_than_a_block_fails))
