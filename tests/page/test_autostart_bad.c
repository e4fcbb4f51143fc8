/*
 * test_autostart_bad.c - a UKMEM_OPTIONS that does not parse: the first
 * allocation still starts ukmem, with the defaults (mem = the machine's
 * RAM, reserved without committing it), and the rejection is logged.
 */
#include "page_helpers.h"
#include "platform/platform.h"

static void setup(void)
{
	log_setup("autostart-bad");
	setenv("UKMEM_OPTIONS", "mem=zzz", 1);
}

TEST(bad_options_start_with_the_defaults)
{
	struct page *page;
	char *text;

	EXPECT_FALSE(ukmem_initialized());
	page = alloc_pages(GFP_KERNEL, 0);
	ASSERT_NOT_NULL(page);
	EXPECT_TRUE(ukmem_initialized());
	memset(page_address(page), 0x42, PAGE_SIZE);
	__free_pages(page, 0);

	text = log_since(0);
	EXPECT_CONTAINS(text, "bad value 'zzz' for mem=");
	EXPECT_CONTAINS(text, "UKMEM_OPTIONS rejected, starting with the defaults");
	free(text);

	/* The default mem: all of the machine's RAM. */
	EXPECT_UEQ(ukmem_mm.arena_size, ukmem_plat_ram_bytes() & ~(unsigned long long)(PAGE_SIZE - 1));
	EXPECT_GT(ukmem_mm.totalram_pages, (unsigned long)((32 * MiB) >> PAGE_SHIFT));
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* The defaults work like any other configuration. */
TEST(allocations_work)
{
	struct page *pages[MAX_PAGE_ORDER + 1];

	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		pages[order] = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
		ASSERT_NOT_NULL(pages[order]);
		EXPECT_UEQ(page_to_pfn(pages[order]) % (1UL << order), 0);
		EXPECT_EQ(*(volatile char *)page_address(pages[order]), 0);
	}
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++)
		__free_pages(pages[order], order);
	EXPECT_UEQ(drained_free_pages(), ukmem_mm.totalram_pages);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(bad_options_start_with_the_defaults),
	T(allocations_work))
