/*
 * test_zones.c - zones and the GFP zone modifiers: sizes from the options,
 * GFP_DMA confined to ZONE_DMA, GFP_KERNEL preferring the highest zone and
 * falling back downward, the lowmem reserve that keeps part of ZONE_DMA
 * from GFP_KERNEL, invalid modifier combinations, and the GFP_ZONE_TABLE.
 *
 * mem=256M zone_dma=16M: ZONE_DMA is pfns [0, 4096), ZONE_DMA32 the rest;
 * ZONE_NORMAL is empty, because all of the memory is below 4G.
 */
#include "page_helpers.h"

#define DMA_PAGES ((16 * MiB) >> PAGE_SHIFT)
#define ALL_PAGES ((256 * MiB) >> PAGE_SHIFT)

static void setup(void)
{
	log_setup("zones");
	start_ukmem("mem=256M zone_dma=16M");
}

TEST(zone_sizes_follow_the_options)
{
	struct zone *dma = zone_of(0, ZONE_DMA), *dma32 = zone_of(0, ZONE_DMA32);

	EXPECT_UEQ(dma->present_pages, DMA_PAGES);
	EXPECT_UEQ(dma->zone_start_pfn, ukmem_mem_regions[0].pfn_start);
	EXPECT_UEQ(dma32->present_pages, ALL_PAGES - DMA_PAGES);
	EXPECT_UEQ(dma32->zone_start_pfn, dma->zone_start_pfn + DMA_PAGES);
	EXPECT_UEQ(dma32->spanned_pages, ALL_PAGES - DMA_PAGES);
	EXPECT_FALSE(populated_zone(zone_of(0, ZONE_NORMAL)));
	EXPECT_FALSE(populated_zone(zone_of(0, ZONE_HIGHMEM)));
	EXPECT_FALSE(populated_zone(zone_of(0, ZONE_MOVABLE)));
	/* The memmap and friends come from the top of DMA32, not from DMA. */
	EXPECT_UEQ(dma->managed_pages, DMA_PAGES);
	EXPECT_LT(dma32->managed_pages, dma32->present_pages);
	EXPECT_UEQ(dma->managed_pages + dma32->managed_pages + ukmem_mm.reserved_pages,
		   ALL_PAGES);
	EXPECT_UEQ(ukmem_mm.totalram_pages, dma->managed_pages + dma32->managed_pages);
	EXPECT_EQ(ukmem_mm.nr_nodes, 1);
	EXPECT_FALSE(ukmem_mm.highmem_configured);
}

/*
 * GFP_DMA pages all come from ZONE_DMA; once it is down to its min
 * watermark, GFP_DMA fails (it never falls back upward) while GFP_KERNEL
 * still gets pages from DMA32.
 */
TEST(gfp_dma_comes_from_zone_dma_only)
{
	struct zone *dma = zone_of(0, ZONE_DMA);
	unsigned long start = drained_free_pages();
	struct block_list live = { 0 };
	size_t n, wrong = 0;
	struct page *page;

	n = alloc_until_fail(&live, GFP_KERNEL | GFP_DMA | __GFP_NOWARN, 0);
	for (size_t i = 0; i < live.n; i++)
		if (page_zonenum(live.v[i].page) != ZONE_DMA)
			wrong++;
	EXPECT_UEQ(wrong, 0);
	/* Every DMA page but its min watermark (the DMA zone's own reserve
	 * against DMA allocations, lowmem_reserve[ZONE_DMA], is 0). */
	EXPECT_EQ(dma->lowmem_reserve[ZONE_DMA], 0);
	EXPECT_UEQ(n, dma->managed_pages - min_wmark_pages(dma));
	ukmem_drain_all();
	EXPECT_UEQ(zone_page_state(dma, NR_FREE_PAGES), min_wmark_pages(dma));

	/* DMA is exhausted: GFP_DMA fails, with or without a sleeping caller,
	 * and higher-order GFP_DMA too. */
	EXPECT_TRUE(alloc_pages(GFP_KERNEL | GFP_DMA | __GFP_NOWARN, 0) == NULL);
	EXPECT_TRUE(alloc_pages(GFP_DMA | __GFP_NOWARN, 0) == NULL);
	EXPECT_TRUE(alloc_pages(GFP_KERNEL | GFP_DMA | __GFP_NOWARN, 3) == NULL);
	EXPECT_EQ(__get_dma_pages(GFP_KERNEL | __GFP_NOWARN, 0), 0);
	/* ... while GFP_KERNEL and GFP_DMA32 still succeed, from DMA32. */
	page = alloc_pages(GFP_KERNEL, 0);
	ASSERT_NOT_NULL(page);
	EXPECT_EQ(page_zonenum(page), ZONE_DMA32);
	__free_pages(page, 0);
	page = alloc_pages(GFP_KERNEL | GFP_DMA32, 2);
	ASSERT_NOT_NULL(page);
	EXPECT_EQ(page_zonenum(page), ZONE_DMA32);
	__free_pages(page, 2);

	EXPECT_EQ(ukmem_page_validate(), 0);
	blocks_release(&live);
	EXPECT_UEQ(drained_free_pages(), start);
}

/*
 * GFP_KERNEL (highest zone NORMAL, empty here) takes DMA32 first and
 * falls back to DMA only when DMA32 is below its low watermark (the fast
 * path), then takes both down to their min watermark (the slow path), as
 * the kernel's zonelist walk does.  Even then it leaves DMA its min plus
 * lowmem_reserve[gfp_zone(GFP_KERNEL)] (the DMA32 pages / 256), which
 * GFP_DMA may still take.
 */
TEST(gfp_kernel_prefers_dma32_and_spares_dma)
{
	struct zone *dma = zone_of(0, ZONE_DMA), *dma32 = zone_of(0, ZONE_DMA32);
	int highest = gfp_zone(GFP_KERNEL);
	long reserve = dma->lowmem_reserve[highest];
	unsigned long start = drained_free_pages();
	struct block_list live = { 0 };
	size_t first_dma = (size_t)-1, dma32_after_dma = 0, from_dma = 0, n;

	EXPECT_EQ(highest, ZONE_NORMAL);
	EXPECT_EQ(reserve, (long)(dma32->managed_pages / 256));
	EXPECT_GT(reserve, 0);

	n = alloc_until_fail(&live, GFP_KERNEL | __GFP_NOWARN, 0);
	for (size_t i = 0; i < live.n; i++) {
		if (page_zonenum(live.v[i].page) == ZONE_DMA) {
			if (first_dma == (size_t)-1)
				first_dma = i;
			from_dma++;
		} else if (first_dma != (size_t)-1) {
			dma32_after_dma++;
		}
	}
	/* DMA32 first, down to its low watermark (less what the per-CPU
	 * lists took in their last refills, one batch per CPU the thread ran
	 * on: the check counts only the buddy lists); then DMA; then, below
	 * the low watermarks, DMA32 down to min. */
	unsigned long batch = (unsigned long)dma32->per_cpu_pageset[0].batch *
			      (unsigned long)ukmem_mm.nr_cpus;

	EXPECT_LE(first_dma, dma32->managed_pages - low_wmark_pages(dma32));
	EXPECT_GE(first_dma, dma32->managed_pages - low_wmark_pages(dma32) - batch);
	EXPECT_GT(dma32_after_dma, 0);
	EXPECT_UEQ(n - from_dma, dma32->managed_pages - min_wmark_pages(dma32));
	EXPECT_UEQ(from_dma, dma->managed_pages - min_wmark_pages(dma) - (unsigned long)reserve);
	ukmem_drain_all();
	EXPECT_UEQ(zone_page_state(dma, NR_FREE_PAGES), min_wmark_pages(dma) + (unsigned long)reserve);
	EXPECT_UEQ(zone_page_state(dma32, NR_FREE_PAGES), min_wmark_pages(dma32));

	/* The reserve is kept for allocations that can only use DMA. */
	size_t dma_only = alloc_until_fail(&live, GFP_KERNEL | GFP_DMA | __GFP_NOWARN, 0);

	EXPECT_UEQ(dma_only, (unsigned long)reserve);
	for (size_t i = n; i < live.n; i++)
		EXPECT_EQ(page_zonenum(live.v[i].page), ZONE_DMA);
	EXPECT_EQ(ukmem_page_validate(), 0);
	blocks_release(&live);
	EXPECT_UEQ(drained_free_pages(), start);
}

/* __GFP_DMA | __GFP_HIGHMEM (and the other BAD entries of the table) is a
 * caller bug: NULL and a warning, nothing taken. */
TEST(invalid_zone_modifiers_return_null)
{
	static const gfp_t bad[] = {
		__GFP_DMA | __GFP_HIGHMEM,
		__GFP_DMA | __GFP_DMA32,
		__GFP_HIGHMEM | __GFP_DMA32,
		__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32,
		__GFP_DMA | __GFP_HIGHMEM | __GFP_MOVABLE,
		__GFP_DMA32 | __GFP_DMA | __GFP_MOVABLE,
		__GFP_DMA32 | __GFP_HIGHMEM | __GFP_MOVABLE,
	};
	unsigned long before = total_unallocated_pages();
	size_t mark = log_mark();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (alloc_pages(GFP_KERNEL | bad[i], 0) != NULL)
			HARNESS_FAIL("alloc_pages(GFP_KERNEL|%#x) returned a page", bad[i]);
	}
	EXPECT_EQ(log_count_since(mark, "invalid zone modifiers"),
		  (long long)(sizeof(bad) / sizeof(bad[0])));
	EXPECT_EQ(log_count_since(mark, "mode:0xcc3(GFP_KERNEL|GFP_DMA|__GFP_HIGHMEM)"), 1);
	EXPECT_UEQ(total_unallocated_pages(), before);
}

TEST(gfp_zone_table)
{
	static const int want[16] = {
		[0x0] = ZONE_NORMAL, [0x1] = ZONE_DMA, [0x2] = ZONE_HIGHMEM, [0x3] = -1,
		[0x4] = ZONE_DMA32, [0x5] = -1, [0x6] = -1, [0x7] = -1,
		[0x8] = ZONE_NORMAL, [0x9] = ZONE_DMA, [0xa] = ZONE_MOVABLE, [0xb] = -1,
		[0xc] = ZONE_DMA32, [0xd] = -1, [0xe] = -1, [0xf] = -1,
	};

	for (gfp_t m = 0; m < 16; m++) {
		if (gfp_zone(m) != want[m])
			HARNESS_FAIL("gfp_zone(%#x) = %d, want %d", m, gfp_zone(m), want[m]);
		/* Other flags do not change the zone. */
		if (gfp_zone(m | GFP_KERNEL | __GFP_ZERO | __GFP_COMP) != want[m])
			HARNESS_FAIL("gfp_zone(%#x|GFP_KERNEL|...) = %d, want %d", m,
				     gfp_zone(m | GFP_KERNEL | __GFP_ZERO | __GFP_COMP), want[m]);
	}
	EXPECT_EQ(gfp_zone(GFP_KERNEL), ZONE_NORMAL);
	EXPECT_EQ(gfp_zone(GFP_HIGHUSER_MOVABLE), ZONE_MOVABLE);
	EXPECT_EQ(gfp_zone(GFP_USER | __GFP_MOVABLE), ZONE_NORMAL);
}

/* A movable GFP_HIGHUSER_MOVABLE request with no HIGHMEM or MOVABLE zone
 * falls back through NORMAL to DMA32. */
TEST(movable_request_falls_back_to_dma32)
{
	struct page *page = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);

	ASSERT_NOT_NULL(page);
	EXPECT_EQ(page_zonenum(page), ZONE_DMA32);
	__free_pages(page, 0);
}

RUN_TESTS_SETUP(setup,
	T(zone_sizes_follow_the_options),
	T(gfp_dma_comes_from_zone_dma_only),
	T(gfp_kernel_prefers_dma32_and_spares_dma),
	T(invalid_zone_modifiers_return_null),
	T(gfp_zone_table),
	T(movable_request_falls_back_to_dma32))
