/*
 * test_page_bare.c - the page allocator on the bare platform, over static
 * arrays a program hands it with ukmem_add_region(): no OS memory, no
 * release, struct pages carved from the regions themselves.  Linked
 * against ukmem_bare (the freestanding build of the core).
 */
#include <stdint.h>

#include <ukmem.h>

#include "harness.h"
#include "log.h"
#include "bare_start.h"
#include "page/mmzone.h"

/* Two regions: 2 MiB of "DMA" memory and 12 MiB of normal memory (half on
 * a board, TEST_MIB), neither aligned to a page, as a linker might place
 * them. */
static unsigned char dma_mem[TEST_MIB(2) + 3000];
static unsigned char normal_mem[TEST_MIB(12) + 5000];


static unsigned long total_free(void)
{
	unsigned long sum = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		sum += zone_page_state(&NODE_DATA(0)->node_zones[z], NR_FREE_PAGES);
	return sum;
}

static unsigned long free_at_start;

static void setup(void)
{
	bare_start(dma_mem, sizeof(dma_mem), normal_mem, sizeof(normal_mem));
	free_at_start = total_free();
}

TEST(zones_come_from_the_regions)
{
	const struct zone *dma = &NODE_DATA(0)->node_zones[ZONE_DMA];
	const struct zone *normal = &NODE_DATA(0)->node_zones[ZONE_NORMAL];

	/* Whole pages inside each array, edges trimmed. */
	EXPECT_GE(dma->present_pages, TEST_MIB(2) / PAGE_SIZE - 1);
	EXPECT_LE(dma->present_pages, TEST_MIB(2) / PAGE_SIZE + 1);
	EXPECT_GE(normal->present_pages, TEST_MIB(12) / PAGE_SIZE - 1);
	EXPECT_EQ(NODE_DATA(0)->node_zones[ZONE_DMA32].present_pages, 0);
	/* The memmap and boot arrays are carved from the larger region. */
	EXPECT_GT(ukmem_mm.reserved_pages, 0);
	EXPECT_EQ(normal->managed_pages + ukmem_mm.reserved_pages, normal->present_pages);
	EXPECT_EQ(dma->managed_pages, dma->present_pages);
	EXPECT_FALSE(ukmem_mm.release_to_os);
}

TEST(blocks_are_inside_the_arrays_and_aligned)
{
	for (unsigned int order = 0; order <= 8; order++) {
		struct page *page = alloc_pages(GFP_KERNEL, order);
		uintptr_t addr, lo = (uintptr_t)normal_mem, hi = lo + sizeof(normal_mem);

		ASSERT_NOT_NULL(page);
		addr = (uintptr_t)page_address(page);
		EXPECT_EQ(addr % (PAGE_SIZE << order), 0);
		EXPECT_TRUE(addr >= lo && addr + (PAGE_SIZE << order) <= hi);
		EXPECT_PTR_EQ(virt_to_page((void *)addr), page);
		memset((void *)addr, 0x5a, PAGE_SIZE << order);
		__free_pages(page, order);
	}
	EXPECT_EQ(ukmem_page_validate(), 0);
}

TEST(gfp_dma_uses_the_dma_region)
{
	struct page *page = alloc_pages(GFP_DMA, 1);
	uintptr_t addr;

	ASSERT_NOT_NULL(page);
	addr = (uintptr_t)page_address(page);
	EXPECT_EQ(page_zonenum(page), ZONE_DMA);
	EXPECT_TRUE(addr >= (uintptr_t)dma_mem && addr < (uintptr_t)dma_mem + sizeof(dma_mem));
	__free_pages(page, 1);
}

TEST(gfp_zero_zeroes_memory_that_was_not_zero)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	unsigned char *p;
	int nonzero = 0;

	ASSERT_NOT_NULL(page);
	p = page_address(page);
	memset(p, 0xff, PAGE_SIZE << 2);
	__free_pages(page, 2);
	page = alloc_pages(GFP_KERNEL | __GFP_ZERO, 2);
	ASSERT_NOT_NULL(page);
	p = page_address(page);
	for (unsigned long i = 0; i < (PAGE_SIZE << 2); i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(nonzero, 0);
	__free_pages(page, 2);
}

TEST(everything_can_be_allocated_and_comes_back)
{
	static struct page *pages[4096];
	int n = 0;

	while (n < 4096 && (pages[n] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0)))
		n++;
	/* All normal memory but the memmap and the reserve (and the DMA
	 * zone's lowmem reserve) fits: over four fifths of the region. */
	EXPECT_GT(n, (long long)(TEST_MIB(12) / PAGE_SIZE * 4 / 5));
	EXPECT_LT(n, 4096);
	for (int i = 0; i < n; i++)
		__free_pages(pages[i], 0);
	ukmem_drain_all();
	EXPECT_EQ(total_free(), free_at_start);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

TEST(bad_free_is_reported_on_bare)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);

	ASSERT_NOT_NULL(page);
	__free_pages(page, 0);
	log_clear();
	__free_pages(page, 0);
	EXPECT_CONTAINS(log_text, "BUG: Bad page state in process bare");
	ukmem_drain_all();
	EXPECT_EQ(total_free(), free_at_start);
}

RUN_TESTS_SETUP(setup,
	T(zones_come_from_the_regions),
	T(blocks_are_inside_the_arrays_and_aligned),
	T(gfp_dma_uses_the_dma_region),
	T(gfp_zero_zeroes_memory_that_was_not_zero),
	T(everything_can_be_allocated_and_comes_back),
	T(bad_free_is_reported_on_bare))
