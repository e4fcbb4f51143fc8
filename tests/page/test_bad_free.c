/*
 * test_bad_free.c - frees the allocator must refuse: double frees (from a
 * per-CPU list and from the buddy lists), a wrong order, a tail page, an
 * unaligned or foreign address, a pointer that is not a struct page, a
 * page still flagged in use.  Each is caused here, then the report is read
 * back from the log, the invariants are validated, and at the end the
 * allocator must have lost nothing: every page comes back and a full
 * allocation gets exactly as many pages as before.
 *
 * mem=64M.  Reports go to the UKMEM_LOG file (the hosted platform ignores
 * ukmem_set_log_hook()).
 */
#include "page_helpers.h"

static unsigned long start_free;
static size_t full_count;

static void setup(void)
{
	log_setup("bad-free");
	start_ukmem("mem=64M");
}

/* How many pages GFP_KERNEL can take from an idle allocator. */
static size_t full_allocation(void)
{
	struct block_list live = { 0 };
	size_t n = alloc_until_fail(&live, GFP_KERNEL | __GFP_NOWARN, 0);

	blocks_release(&live);
	return n;
}

TEST(baseline)
{
	start_free = drained_free_pages();
	full_count = full_allocation();
	EXPECT_GT(full_count, start_free / 2);
	EXPECT_UEQ(drained_free_pages(), start_free);
	EXPECT_EQ(ukmem_mm.bad_page_reports, 0);
}

/* One "Bad page state" report with this reason since mark. */
static void expect_bad_page_report(size_t mark, const char *reason)
{
	char *text = log_since(mark);
	char head[96], because[160];

	snprintf(head, sizeof(head), "%s %s", BAD_PAGE, ukmem_plat_comm());
	snprintf(because, sizeof(because), "page dumped because: %s", reason);
	EXPECT_EQ(count_substr(text, BAD_PAGE), 1);
	EXPECT_CONTAINS(text, head);
	EXPECT_CONTAINS(text, because);
	free(text);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* An order-0 page freed twice: the first free put it on this CPU's list. */
TEST(double_free_order0_on_pcp_list)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0), *a, *b;
	unsigned long reports = ukmem_mm.bad_page_reports;
	char pfn[32];
	size_t mark;

	ASSERT_NOT_NULL(page);
	__free_pages(page, 0);
	unsigned long unallocated = total_unallocated_pages();

	mark = log_mark();
	__free_pages(page, 0);
	expect_bad_page_report(mark, "freeing a page that is not allocated (double free?)");
	snprintf(pfn, sizeof(pfn), "pfn:%05lx", page_to_pfn(page));
	EXPECT_EQ(log_count_since(mark, pfn), 1);
	EXPECT_EQ(ukmem_mm.bad_page_reports - reports, 1);
	EXPECT_UEQ(total_unallocated_pages(), unallocated);
	/* The page is on the list once: two allocations get two pages. */
	a = alloc_pages(GFP_KERNEL, 0);
	b = alloc_pages(GFP_KERNEL, 0);
	ASSERT_TRUE(a && b);
	EXPECT_PTR_NE(a, b);
	__free_pages(a, 0);
	__free_pages(b, 0);
}

/* An order-5 block freed twice: the first free put it in the buddy lists,
 * where it may have merged. */
TEST(double_free_order5_in_buddy)
{
	struct page *page = alloc_pages(GFP_KERNEL, 5), *a, *b;
	size_t mark;

	ASSERT_NOT_NULL(page);
	__free_pages(page, 5);
	unsigned long free_pages = total_free_pages();

	mark = log_mark();
	__free_pages(page, 5);
	expect_bad_page_report(mark, "freeing a page that is not allocated (double free?)");
	EXPECT_UEQ(total_free_pages(), free_pages);
	a = alloc_pages(GFP_KERNEL, 5);
	b = alloc_pages(GFP_KERNEL, 5);
	ASSERT_TRUE(a && b);
	EXPECT_PTR_NE(a, b);
	__free_pages(a, 5);
	__free_pages(b, 5);
}

/* Allocated with order 3, freed with order 2: reported, and the whole
 * order-3 block comes back (nothing leaks, nothing is freed twice). */
TEST(free_with_wrong_order)
{
	unsigned long before = total_unallocated_pages();
	struct page *page = alloc_pages(GFP_KERNEL, 3);
	size_t mark;

	ASSERT_NOT_NULL(page);
	EXPECT_UEQ(before - total_unallocated_pages(), 8);
	mark = log_mark();
	__free_pages(page, 2);
	expect_bad_page_report(mark, "freed with order 2, allocated with order 3");
	EXPECT_UEQ(total_unallocated_pages(), before);

	/* A larger order than allocated frees what was allocated, too. */
	page = alloc_pages(GFP_KERNEL, 0);
	ASSERT_NOT_NULL(page);
	mark = log_mark();
	__free_pages(page, 4);
	expect_bad_page_report(mark, "freed with order 4, allocated with order 0");
	EXPECT_UEQ(total_unallocated_pages(), before);
}

/* page + 1 of an order-2 block is not a block of its own. */
TEST(free_of_a_tail_page)
{
	unsigned long before = total_unallocated_pages();
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	size_t mark;

	ASSERT_NOT_NULL(page);
	mark = log_mark();
	__free_pages(page + 1, 0);
	expect_bad_page_report(mark, "freeing a page that is not allocated (double free?)");
	EXPECT_UEQ(before - total_unallocated_pages(), 4);	/* still allocated */
	__free_pages(page, 2);
	EXPECT_UEQ(total_unallocated_pages(), before);

	/* The same with a compound page: the tail knows its head. */
	page = alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
	ASSERT_NOT_NULL(page);
	mark = log_mark();
	__free_pages(page + 2, 2);
	expect_bad_page_report(mark, "freeing a tail page of a compound page");
	EXPECT_UEQ(before - total_unallocated_pages(), 4);
	EXPECT_PTR_EQ(compound_head(page + 2), page);	/* left intact */
	__free_pages(page, 2);
	EXPECT_UEQ(total_unallocated_pages(), before);
}

/* free_pages() of an address inside a page: reported and ignored. */
TEST(free_pages_unaligned_address)
{
	unsigned long addr = __get_free_pages(GFP_KERNEL, 1);
	unsigned long before = total_unallocated_pages();
	size_t mark;
	char *text;

	ASSERT_TRUE(addr != 0);
	mark = log_mark();
	free_pages(addr + 100, 1);
	free_pages(addr + PAGE_SIZE + 1, 0);
	text = log_since(mark);
	EXPECT_EQ(count_substr(text, "address is not page aligned; ignored"), 2);
	EXPECT_EQ(count_substr(text, BAD_PAGE), 0);
	free(text);
	EXPECT_UEQ(total_unallocated_pages(), before);
	EXPECT_EQ(page_ref_count(virt_to_page((void *)addr)), 1);
	free_pages(addr, 1);
	EXPECT_UEQ(total_unallocated_pages(), before + 2);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* free_pages() of memory ukmem never had: a stack and a malloc address. */
TEST(free_pages_foreign_address)
{
	static char static_page[2 * 4096];
	char stack_page[2 * 4096];
	char *heap = aligned_alloc(4096, 4096);
	unsigned long foreign[3] = {
		((unsigned long)stack_page + 4095) & ~4095UL,
		(unsigned long)heap,
		((unsigned long)static_page + 4095) & ~4095UL,
	};
	unsigned long before = total_unallocated_pages();

	ASSERT_NOT_NULL(heap);
	for (int i = 0; i < 3; i++) {
		size_t mark = log_mark();
		char *text;

		free_pages(foreign[i], 0);
		text = log_since(mark);
		EXPECT_EQ(count_substr(text, BAD_PAGE), 1);
		EXPECT_CONTAINS(text, "page dumped because: address is not in ukmem's memory");
		free(text);
	}
	EXPECT_UEQ(total_unallocated_pages(), before);
	EXPECT_EQ(ukmem_page_validate(), 0);
	free(heap);
}

/* virt_to_page() of an address outside ukmem: NULL and a warning;
 * virt_addr_valid() tells the two apart without a report. */
TEST(virt_to_page_and_virt_addr_valid)
{
	int local;
	char *heap = malloc(64);
	uintptr_t base = ukmem_mm.arena_base, end = base + ukmem_mm.arena_size;
	void *page_addr = (void *)__get_free_page(GFP_KERNEL);
	size_t mark = log_mark();

	ASSERT_NOT_NULL(heap);
	ASSERT_NOT_NULL(page_addr);
	EXPECT_TRUE(virt_addr_valid(page_addr));
	EXPECT_TRUE(virt_addr_valid((char *)page_addr + PAGE_SIZE - 1));
	EXPECT_TRUE(virt_addr_valid((void *)base));
	EXPECT_TRUE(virt_addr_valid((void *)(end - 1)));
	EXPECT_FALSE(virt_addr_valid((void *)(base - 1)));
	EXPECT_FALSE(virt_addr_valid((void *)end));
	EXPECT_FALSE(virt_addr_valid(&local));
	EXPECT_FALSE(virt_addr_valid(heap));
	EXPECT_FALSE(virt_addr_valid(NULL));
	EXPECT_EQ((unsigned long long)log_mark(), (unsigned long long)mark);	/* silent */

	EXPECT_TRUE(virt_to_page(&local) == NULL);
	EXPECT_TRUE(virt_to_page(heap) == NULL);
	EXPECT_TRUE(virt_to_page((void *)end) == NULL);
	EXPECT_EQ(log_count_since(mark, "virt_to_page used for non-linear address"), 3);
	EXPECT_PTR_EQ(virt_to_page(page_addr), virt_to_page((char *)page_addr + 123));
	free_page((unsigned long)page_addr);
	free(heap);
}

TEST(free_pages_zero_is_a_silent_noop)
{
	unsigned long before = total_unallocated_pages();
	size_t mark = log_mark();

	free_pages(0, 0);
	free_pages(0, 5);
	free_page(0);
	EXPECT_UEQ((unsigned long long)log_mark(), (unsigned long long)mark);
	EXPECT_UEQ(total_unallocated_pages(), before);
}

/* __free_pages() of pointers that are not struct pages of the memmap: a
 * stack object, NULL, a pointer into the middle of a struct page. */
TEST(free_of_a_pointer_outside_the_memmap)
{
	struct page fake;
	struct page *real = alloc_pages(GFP_KERNEL, 0);
	struct page *bad[3] = { &fake, NULL, (struct page *)((char *)real + 8) };
	unsigned long before;

	ASSERT_NOT_NULL(real);
	memset(&fake, 0, sizeof(fake));
	before = total_unallocated_pages();
	for (int i = 0; i < 3; i++) {
		size_t mark = log_mark();
		char *text;

		__free_pages(bad[i], 0);
		text = log_since(mark);
		EXPECT_EQ(count_substr(text, BAD_PAGE), 1);
		EXPECT_CONTAINS(text, "not a struct page of ukmem's memmap");
		free(text);
	}
	EXPECT_UEQ(total_unallocated_pages(), before);
	EXPECT_EQ(page_ref_count(real), 1);
	__free_pages(real, 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* A page of the memmap itself (reserved at boot, never allocated). */
TEST(free_of_a_reserved_page)
{
	struct page *page = virt_to_page(ukmem_mem_map);
	unsigned long before = total_unallocated_pages();
	size_t mark = log_mark();

	ASSERT_NOT_NULL(page);
	EXPECT_TRUE(ukmem_pfn_reserved(page_to_pfn(page)));
	__free_pages(page, 0);
	expect_bad_page_report(mark, "freeing a page that is not allocated (double free?)");
	EXPECT_UEQ(total_unallocated_pages(), before);
}

/* A page still flagged as a slab page is kept out of the free lists, as
 * the kernel does; once the owner clears the flag it frees normally. */
TEST(free_of_a_page_still_in_use)
{
	unsigned long before = total_unallocated_pages();
	struct page *page = alloc_pages(GFP_KERNEL, 1);
	size_t mark;

	ASSERT_NOT_NULL(page);
	page->flags |= 1UL << PG_slab;
	mark = log_mark();
	__free_pages(page, 1);
	expect_bad_page_report(mark, "PAGE_FLAGS_CHECK_AT_FREE flag(s) set");
	EXPECT_EQ(log_count_since(mark, "slab"), 1);
	EXPECT_UEQ(before - total_unallocated_pages(), 2);
	page->flags &= ~(1UL << PG_slab);
	__free_pages(page, 1);
	EXPECT_UEQ(total_unallocated_pages(), before);
}

/* After all of the above: every page is back and a full allocation gets
 * as many pages as before the first bad free. */
TEST(nothing_was_lost)
{
	EXPECT_EQ(ukmem_page_validate(), 0);
	EXPECT_UEQ(drained_free_pages(), start_free);
	EXPECT_UEQ(full_allocation(), full_count);
	EXPECT_UEQ(drained_free_pages(), start_free);
	/* And every single page, reserves included. */
	struct block_list live = { 0 };

	EXPECT_UEQ(alloc_until_fail(&live, GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, 0),
		   ukmem_mm.totalram_pages);
	blocks_release(&live);
	EXPECT_UEQ(drained_free_pages(), start_free);
	EXPECT_EQ(ukmem_page_validate(), 0);
	EXPECT_GE(ukmem_mm.bad_page_reports, 8);
}

RUN_TESTS_SETUP(setup,
	T(baseline),
	T(double_free_order0_on_pcp_list),
	T(double_free_order5_in_buddy),
	T(free_with_wrong_order),
	T(free_of_a_tail_page),
	T(free_pages_unaligned_address),
	T(free_pages_foreign_address),
	T(virt_to_page_and_virt_addr_valid),
	T(free_pages_zero_is_a_silent_noop),
	T(free_of_a_pointer_outside_the_memmap),
	T(free_of_a_reserved_page),
	T(free_of_a_page_still_in_use),
	T(nothing_was_lost))
