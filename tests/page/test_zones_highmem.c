/*
 * test_zones_highmem.c - a layout with every lowmem zone and ZONE_HIGHMEM:
 * sizes from the options, GFP_HIGHUSER served from HIGHMEM first and then
 * down the zonelist, GFP_KERNEL never in HIGHMEM, and __get_free_pages()
 * stripping __GFP_HIGHMEM (its result must be addressable).
 *
 * mem=128M zone_dma=16M zone_dma32=64M zone_highmem=32M: DMA 4096 pages,
 * DMA32 16384, NORMAL what is left (16M = 4096), HIGHMEM 8192, in pfn
 * order.
 */
#include "page_helpers.h"

#define PAGES(bytes) ((unsigned long)((bytes) >> PAGE_SHIFT))

static void setup(void)
{
	log_setup("highmem");
	start_ukmem("mem=128M zone_dma=16M zone_dma32=64M zone_highmem=32M");
}

TEST(zone_sizes_follow_the_options)
{
	static const unsigned long want[MAX_NR_ZONES] = {
		[ZONE_DMA] = PAGES(16 * MiB), [ZONE_DMA32] = PAGES(64 * MiB),
		[ZONE_NORMAL] = PAGES(16 * MiB), [ZONE_HIGHMEM] = PAGES(32 * MiB),
	};
	unsigned long pfn = ukmem_mem_regions[0].pfn_start;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = zone_of(0, z);

		if (zone->present_pages != want[z])
			HARNESS_FAIL("zone %s: present %lu pages, want %lu", ukmem_zone_names[z],
				     zone->present_pages, want[z]);
		if (!want[z])
			continue;
		EXPECT_UEQ(zone->zone_start_pfn, pfn);	/* DMA, DMA32, NORMAL, HIGHMEM */
		pfn += want[z];
	}
	EXPECT_TRUE(ukmem_mm.highmem_configured);
	/* Boot reservations are not taken from HIGHMEM. */
	EXPECT_UEQ(zone_of(0, ZONE_HIGHMEM)->managed_pages, want[ZONE_HIGHMEM]);
	/* HIGHMEM's min watermark is clamp(managed / 1024, 32, 128), not a
	 * share of min_free_kbytes; its lowmem_reserve ratio is 0. */
	EXPECT_UEQ(zone_of(0, ZONE_HIGHMEM)->_watermark[WMARK_MIN], 32);
	EXPECT_EQ(zone_of(0, ZONE_HIGHMEM)->lowmem_reserve[ZONE_MOVABLE], 0);
	EXPECT_EQ(zone_of(0, ZONE_NORMAL)->lowmem_reserve[ZONE_HIGHMEM],
		  (long)(want[ZONE_HIGHMEM] / 32));
}

/*
 * GFP_HIGHUSER takes HIGHMEM first and then walks down NORMAL, DMA32, DMA;
 * at exhaustion every zone gave exactly what its min watermark and the
 * lowmem reserve against HIGHMEM requests allow.
 */
TEST(gfp_highuser_comes_from_highmem_first)
{
	struct zone *high = zone_of(0, ZONE_HIGHMEM);
	unsigned long start = drained_free_pages();
	unsigned long from[MAX_NR_ZONES] = { 0 };
	/* One refill per CPU the thread may run on. */
	unsigned long batch = (unsigned long)high->per_cpu_pageset[0].batch *
			      (unsigned long)ukmem_mm.nr_cpus;
	struct block_list live = { 0 };
	size_t first_other = (size_t)-1;

	alloc_until_fail(&live, GFP_HIGHUSER | __GFP_NOWARN, 0);
	for (size_t i = 0; i < live.n; i++) {
		int z = page_zonenum(live.v[i].page);

		from[z]++;
		if (z != ZONE_HIGHMEM && first_other == (size_t)-1)
			first_other = i;
	}
	/* HIGHMEM alone until it is below its low watermark. */
	EXPECT_LE(first_other, high->managed_pages - low_wmark_pages(high));
	EXPECT_GE(first_other, high->managed_pages - low_wmark_pages(high) - batch);
	for (int z = ZONE_DMA; z <= ZONE_HIGHMEM; z++) {
		struct zone *zone = zone_of(0, z);
		unsigned long want = zone->managed_pages - min_wmark_pages(zone) -
				     (unsigned long)zone->lowmem_reserve[ZONE_HIGHMEM];

		if (from[z] != want)
			HARNESS_FAIL("GFP_HIGHUSER took %lu pages from %s, want %lu "
				     "(managed %lu - min %lu - lowmem_reserve %ld)", from[z],
				     zone->name, want, zone->managed_pages, min_wmark_pages(zone),
				     zone->lowmem_reserve[ZONE_HIGHMEM]);
	}
	EXPECT_EQ(ukmem_page_validate(), 0);
	blocks_release(&live);
	EXPECT_UEQ(drained_free_pages(), start);
}

/* GFP_KERNEL may use NORMAL and below, never HIGHMEM: exhausting it
 * leaves HIGHMEM untouched. */
TEST(gfp_kernel_never_gets_highmem)
{
	struct zone *high = zone_of(0, ZONE_HIGHMEM);
	unsigned long start = drained_free_pages();
	unsigned long high_free = zone_page_state(high, NR_FREE_PAGES);
	struct block_list live = { 0 };
	size_t in_high = 0, in_normal = 0;

	EXPECT_UEQ(high_free, high->managed_pages);
	alloc_until_fail(&live, GFP_KERNEL | __GFP_NOWARN, 0);
	for (size_t i = 0; i < live.n; i++) {
		in_high += page_zonenum(live.v[i].page) == ZONE_HIGHMEM;
		in_normal += page_zonenum(live.v[i].page) == ZONE_NORMAL;
	}
	EXPECT_UEQ(in_high, 0);
	EXPECT_GT(in_normal, 0);
	ukmem_drain_all();
	EXPECT_UEQ(zone_page_state(high, NR_FREE_PAGES), high_free);
	/* Memory is left, in HIGHMEM: GFP_HIGHUSER still succeeds. */
	struct page *page = alloc_pages(GFP_HIGHUSER, 0);

	ASSERT_NOT_NULL(page);
	EXPECT_EQ(page_zonenum(page), ZONE_HIGHMEM);
	__free_pages(page, 0);
	blocks_release(&live);
	EXPECT_UEQ(drained_free_pages(), start);
}

/* __get_free_pages() returns an address, so it strips __GFP_HIGHMEM, as
 * the kernel does: never a HIGHMEM page, while alloc_pages() with the
 * same flags gets HIGHMEM. */
TEST(get_free_pages_strips_highmem)
{
	unsigned long addrs[64];
	struct page *page = alloc_pages(GFP_HIGHUSER, 0);

	ASSERT_NOT_NULL(page);
	EXPECT_EQ(page_zonenum(page), ZONE_HIGHMEM);
	__free_pages(page, 0);
	for (int i = 0; i < 64; i++) {
		addrs[i] = __get_free_pages(GFP_HIGHUSER, (unsigned int)(i % 4));
		ASSERT_TRUE(addrs[i] != 0);
		if (page_zonenum(virt_to_page((void *)addrs[i])) == ZONE_HIGHMEM)
			HARNESS_FAIL("__get_free_pages(GFP_HIGHUSER) #%d came from HIGHMEM", i);
	}
	unsigned long z = get_zeroed_page(GFP_HIGHUSER);

	ASSERT_TRUE(z != 0);
	EXPECT_NE(page_zonenum(virt_to_page((void *)z)), ZONE_HIGHMEM);
	free_page(z);
	for (int i = 0; i < 64; i++)
		free_pages(addrs[i], (unsigned int)(i % 4));
	EXPECT_EQ(ukmem_page_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(zone_sizes_follow_the_options),
	T(gfp_highuser_comes_from_highmem_first),
	T(gfp_kernel_never_gets_highmem),
	T(get_free_pages_strips_highmem))
