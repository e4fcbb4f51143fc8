/*
 * test_buddy.c - the buddy allocator seen through its API: natural
 * alignment of every order, the page <-> pfn <-> address conversions,
 * blocks that never overlap, free areas that merge back, exhaustion at the
 * watermark with nothing lost, order limits, get_order(), zeroing, and
 * alloc_pages_exact().
 *
 * mem=64M: 16384 pages in ZONE_DMA (16M) and ZONE_DMA32 (the rest); small
 * enough to exhaust in a few milliseconds.
 */
#include "page_helpers.h"

static void setup(void)
{
	log_setup("buddy");
	start_ukmem("mem=64M");
	srand(12345);
}

/* Every order: address aligned to the block size, pfn aligned to 2^order,
 * and the conversions agree with each other over the whole block. */
TEST(every_order_is_naturally_aligned)
{
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct page *pages[3];
		unsigned long nr = 1UL << order;

		for (int i = 0; i < 3; i++) {
			struct page *page = alloc_pages(GFP_KERNEL, order);
			uintptr_t addr;
			unsigned long pfn;

			pages[i] = page;
			ASSERT_NOT_NULL(page);
			addr = (uintptr_t)page_address(page);
			pfn = page_to_pfn(page);
			EXPECT_UEQ(addr % (PAGE_SIZE << order), 0);
			EXPECT_UEQ(pfn % nr, 0);
			EXPECT_PTR_EQ(pfn_to_page(pfn), page);
			EXPECT_PTR_EQ(virt_to_page((void *)addr), page);
			EXPECT_TRUE(virt_addr_valid((void *)addr));
			/* Last byte of the block: the last page of the block. */
			EXPECT_PTR_EQ(virt_to_page((void *)(addr + (PAGE_SIZE << order) - 1)),
				      page + nr - 1);
			/* Each page of the block: address = base + i pages. */
			for (unsigned long j = 0; j < nr; j += nr > 16 ? nr / 16 : 1)
				EXPECT_UEQ((uintptr_t)page_address(page + j), addr + j * PAGE_SIZE);
			/* The block lies inside the zone its page names. */
			struct zone *zone = page_zone(page);

			EXPECT_TRUE(populated_zone(zone));
			EXPECT_GE(pfn, zone->zone_start_pfn);
			EXPECT_LE(pfn + nr, zone->zone_start_pfn + zone->spanned_pages);
			EXPECT_EQ(page_ref_count(page), 1);
		}
		for (int i = 0; i < 3; i++)
			__free_pages(pages[i], order);
	}
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* Random orders, random frees: no two live blocks share a page, in the
 * memmap (a bitmap of pfns) or in memory (each block carries its own
 * stamp at both ends and in the middle). */
TEST(live_blocks_never_overlap)
{
	unsigned long max_pfn = ukmem_mm.max_pfn;
	unsigned char *owner = calloc(max_pfn, 1);
	struct block_list live = { 0 };
	unsigned long start = drained_free_pages();
	int overlaps = 0, bad_stamps = 0;

	ASSERT_NOT_NULL(owner);
	for (int round = 0; round < 20; round++) {
		/* Grow to about a third of memory. */
		for (int i = 0; i < 400; i++) {
			unsigned int order = (unsigned int)(rand() % 100 < 80 ? rand() % 4 :
							    rand() % (MAX_PAGE_ORDER + 1));
			struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
			unsigned long pfn;

			if (!page)
				continue;
			pfn = page_to_pfn(page);
			for (unsigned long p = pfn; p < pfn + (1UL << order); p++) {
				if (owner[p])
					overlaps++;
				owner[p] = 1;
			}
			unsigned long *mem = page_address(page);
			size_t words = (PAGE_SIZE << order) / sizeof(unsigned long);

			mem[0] = mem[words / 2] = mem[words - 1] = pfn ^ 0x5a5a5a5aUL;
			blocks_push(&live, page, order);
			if ((unsigned long)(start - total_free_pages()) > start / 3)
				break;
		}
		/* Free a random half. */
		for (size_t i = 0; i < live.n;) {
			if (rand() & 1) {
				i++;
				continue;
			}
			struct block b = live.v[i];
			unsigned long pfn = page_to_pfn(b.page);
			unsigned long *mem = page_address(b.page);
			size_t words = (PAGE_SIZE << b.order) / sizeof(unsigned long);

			if (mem[0] != (pfn ^ 0x5a5a5a5aUL) || mem[words / 2] != mem[0] ||
			    mem[words - 1] != mem[0])
				bad_stamps++;
			memset(owner + pfn, 0, 1UL << b.order);
			__free_pages(b.page, b.order);
			live.v[i] = live.v[--live.n];
		}
	}
	EXPECT_EQ(overlaps, 0);
	EXPECT_EQ(bad_stamps, 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
	blocks_release(&live);
	EXPECT_UEQ(drained_free_pages(), start);
	free(owner);
}

/* After everything is freed and the per-CPU lists drained, every zone has
 * the free pages and the free blocks per order it started with: the
 * buddies merged back. */
TEST(free_areas_merge_back)
{
	unsigned long nr_free[MAX_NR_ZONES][NR_PAGE_ORDERS], free_pages[MAX_NR_ZONES];
	struct block_list live = { 0 };
	struct zone *zone;

	ukmem_drain_all();
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		free_pages[z] = zone_page_state(zone_of(0, z), NR_FREE_PAGES);
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			nr_free[z][o] = zone_of(0, z)->free_area[o].nr_free;
	}
	EXPECT_GT(nr_free[ZONE_DMA32][MAX_PAGE_ORDER], 0);

	/* Fragment memory with every order, in a shuffled free order. */
	for (int i = 0; i < 3000; i++) {
		unsigned int order = (unsigned int)(rand() % 100 < 90 ? rand() % 4 : rand() % 8);
		struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);

		if (page)
			blocks_push(&live, page, order);
	}
	EXPECT_LT(total_free_pages(), free_pages[ZONE_DMA] + free_pages[ZONE_DMA32]);
	EXPECT_LT(zone_of(0, ZONE_DMA32)->free_area[MAX_PAGE_ORDER].nr_free,
		  nr_free[ZONE_DMA32][MAX_PAGE_ORDER]);
	for (size_t i = live.n; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		struct block t = live.v[i - 1];

		live.v[i - 1] = live.v[j];
		live.v[j] = t;
	}
	blocks_release(&live);
	ukmem_drain_all();

	for_each_populated_zone(zone) {
		int z = zone->zone_idx;

		EXPECT_UEQ(zone_page_state(zone, NR_FREE_PAGES), free_pages[z]);
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			if (zone->free_area[o].nr_free != nr_free[z][o])
				HARNESS_FAIL("zone %s order %d: nr_free %lu, at the start %lu",
					     zone->name, o, zone->free_area[o].nr_free, nr_free[z][o]);
	}
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/*
 * GFP_KERNEL takes order-0 pages until every zone it may use is at its min
 * watermark plus the lowmem reserve kept against it; freeing them all
 * makes exactly as many available again.
 */
TEST(exhaustion_stops_at_the_reserve_and_loses_nothing)
{
	struct block_list live = { 0 };
	unsigned long start = drained_free_pages();
	int highest = gfp_zone(GFP_KERNEL);
	unsigned long expected = 0, slack = 0;
	struct zone *zone;
	size_t first, second;

	for_each_populated_zone(zone) {
		if (zone->zone_idx > highest)
			continue;
		expected += zone->managed_pages - min_wmark_pages(zone) -
			    (unsigned long)zone->lowmem_reserve[highest];
		slack += (unsigned long)zone->per_cpu_pageset[0].batch + 1;
	}
	first = alloc_until_fail(&live, GFP_KERNEL | __GFP_NOWARN, 0);
	if ((long)first < (long)(expected - slack) || first > expected + slack)
		HARNESS_FAIL("GFP_KERNEL took %zu pages; managed - reserve = %lu (slack %lu)",
			     first, expected, slack);
	EXPECT_EQ(ukmem_page_validate(), 0);
	blocks_free_all(&live);
	EXPECT_UEQ(drained_free_pages(), start);

	second = alloc_until_fail(&live, GFP_KERNEL | __GFP_NOWARN, 0);
	EXPECT_UEQ(second, first);
	blocks_release(&live);
	EXPECT_UEQ(drained_free_pages(), start);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* Orders above MAX_PAGE_ORDER fail, warning once (WARN_ON_ONCE) unless
 * __GFP_NOWARN. */
TEST(orders_above_max_fail)
{
	size_t mark = log_mark();
	unsigned long before = total_unallocated_pages();

	EXPECT_TRUE(alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_PAGE_ORDER + 1) == NULL);
	EXPECT_TRUE(alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_PAGE_ORDER + 2) == NULL);
	EXPECT_EQ(log_count_since(mark, "MAX_PAGE_ORDER"), 0);
	EXPECT_TRUE(alloc_pages(GFP_KERNEL, 11) == NULL);
	EXPECT_TRUE(alloc_pages(GFP_KERNEL, 12) == NULL);
	EXPECT_TRUE(alloc_pages(GFP_KERNEL, 63) == NULL);
	EXPECT_EQ(log_count_since(mark, "order 11 > MAX_PAGE_ORDER 10"), 1);
	EXPECT_EQ(log_count_since(mark, "MAX_PAGE_ORDER"), 1);	/* once */
	EXPECT_EQ(__get_free_pages(GFP_KERNEL | __GFP_NOWARN, 11), 0);
	EXPECT_TRUE(alloc_pages_exact((PAGE_SIZE << MAX_PAGE_ORDER) + 1,
				      GFP_KERNEL | __GFP_NOWARN) == NULL);
	EXPECT_TRUE(alloc_pages_exact(0, GFP_KERNEL) == NULL);
	EXPECT_UEQ(total_unallocated_pages(), before);
	/* The largest order itself works. */
	struct page *page = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);

	ASSERT_NOT_NULL(page);
	__free_pages(page, MAX_PAGE_ORDER);
}

TEST(get_order_values)
{
	EXPECT_EQ(get_order(0), UKMEM_BITS_PER_LONG - PAGE_SHIFT);	/* 52, as the kernel */
	EXPECT_EQ(get_order(1), 0);
	EXPECT_EQ(get_order(4095), 0);
	EXPECT_EQ(get_order(4096), 0);
	EXPECT_EQ(get_order(4097), 1);
	EXPECT_EQ(get_order(8192), 1);
	EXPECT_EQ(get_order(8193), 2);
	EXPECT_EQ(get_order(3 * 4096), 2);
	EXPECT_EQ(get_order(5 * 4096 + 1), 3);
	EXPECT_EQ(get_order(4 * MiB), 10);
	EXPECT_EQ(get_order(4 * MiB + 1), 11);
	EXPECT_EQ(get_order(1UL << 40), 28);
	EXPECT_EQ(get_order(~0UL), UKMEM_BITS_PER_LONG - PAGE_SHIFT);
}

TEST(get_free_pages_and_free_pages)
{
	unsigned long before = total_unallocated_pages();
	unsigned long addr = __get_free_pages(GFP_KERNEL, 2);
	unsigned long one = __get_free_page(GFP_KERNEL);

	ASSERT_TRUE(addr != 0 && one != 0);
	EXPECT_UEQ(addr % (4 * PAGE_SIZE), 0);
	EXPECT_UEQ(one % PAGE_SIZE, 0);
	EXPECT_TRUE(virt_addr_valid((void *)addr));
	EXPECT_PTR_EQ(page_address(virt_to_page((void *)addr)), (void *)addr);
	EXPECT_UEQ(before - total_unallocated_pages(), 5);
	memset((void *)addr, 0x11, 4 * PAGE_SIZE);
	memset((void *)one, 0x22, PAGE_SIZE);
	free_pages(addr, 2);
	free_page(one);
	EXPECT_UEQ(total_unallocated_pages(), before);
	/* free_pages(0, ...) is a silent no-op, as in the kernel. */
	size_t mark = log_mark();

	free_pages(0, 0);
	free_pages(0, 3);
	EXPECT_UEQ((unsigned long long)log_mark(), (unsigned long long)mark);
	EXPECT_UEQ(total_unallocated_pages(), before);
}

static bool all_zero(const void *p, size_t size)
{
	const unsigned long *w = p;

	for (size_t i = 0; i < size / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/* The page just freed is the hot one the next allocation gets: dirty it
 * first, and get_zeroed_page must still hand out zeros. */
TEST(get_zeroed_page_after_dirtying)
{
	unsigned long dirty = __get_free_page(GFP_KERNEL);
	unsigned long got[64];
	bool reused = false;

	ASSERT_TRUE(dirty != 0);
	memset((void *)dirty, 0xff, PAGE_SIZE);
	free_page(dirty);
	for (int i = 0; i < 64; i++) {
		got[i] = get_zeroed_page(GFP_KERNEL);
		ASSERT_TRUE(got[i] != 0);
		if (got[i] == dirty)
			reused = true;
		if (!all_zero((void *)got[i], PAGE_SIZE))
			HARNESS_FAIL("get_zeroed_page() #%d = %#lx is not zero (first word %#lx)",
				     i, got[i], *(unsigned long *)got[i]);
		memset((void *)got[i], 0xee, PAGE_SIZE);
	}
	EXPECT_TRUE(reused);	/* the test did reach the dirty page */
	for (int i = 0; i < 64; i++)
		free_page(got[i]);
	/* Again, with every one of those 64 pages dirty and freed. */
	for (int i = 0; i < 64; i++) {
		got[i] = get_zeroed_page(GFP_KERNEL);
		ASSERT_TRUE(got[i] != 0);
		EXPECT_TRUE(all_zero((void *)got[i], PAGE_SIZE));
	}
	for (int i = 0; i < 64; i++)
		free_page(got[i]);
}

/* __GFP_ZERO for every order, after the memory it will come from was
 * dirtied and freed: per-CPU list orders, buddy orders, and blocks that
 * merged (and, being large, went back to the OS) in between. */
TEST(gfp_zero_every_order_after_dirtying)
{
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		size_t size = PAGE_SIZE << order;
		int n = order <= 3 ? 64 : order <= 6 ? 8 : 2;
		struct page *pages[64];
		int bad = 0;

		for (int i = 0; i < n; i++) {
			pages[i] = alloc_pages(GFP_KERNEL, order);
			ASSERT_NOT_NULL(pages[i]);
			memset(page_address(pages[i]), 0x5a, size);
		}
		for (int i = 0; i < n; i++)
			__free_pages(pages[i], order);
		for (int i = 0; i < n; i++) {
			pages[i] = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
			ASSERT_NOT_NULL(pages[i]);
			if (!all_zero(page_address(pages[i]), size))
				bad++;
			memset(page_address(pages[i]), 0x5a, size);
		}
		if (bad)
			HARNESS_FAIL("order %u: %d of %d __GFP_ZERO blocks were not zero",
				     order, bad, n);
		for (int i = 0; i < n; i++)
			__free_pages(pages[i], order);
	}
	/* Smaller orders from memory that was one dirty large block. */
	struct page *big = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);

	ASSERT_NOT_NULL(big);
	memset(page_address(big), 0x77, PAGE_SIZE << MAX_PAGE_ORDER);
	__free_pages(big, MAX_PAGE_ORDER);
	for (unsigned int order = 0; order <= 4; order++) {
		struct page *pages[32];

		for (int i = 0; i < 32; i++) {
			pages[i] = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
			ASSERT_NOT_NULL(pages[i]);
			EXPECT_TRUE(all_zero(page_address(pages[i]), PAGE_SIZE << order));
		}
		for (int i = 0; i < 32; i++)
			__free_pages(pages[i], order);
	}
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* alloc_pages_exact(5 pages + 1 byte): an order-3 block cut to 6 pages,
 * the 2 tail pages given back at once; free_pages_exact gives back the 6. */
TEST(alloc_pages_exact_gives_back_the_tail)
{
	size_t size = 5 * PAGE_SIZE + 1;
	unsigned long before = total_unallocated_pages();
	char *p = alloc_pages_exact(size, GFP_KERNEL);

	ASSERT_NOT_NULL(p);
	EXPECT_UEQ((uintptr_t)p % PAGE_SIZE, 0);
	EXPECT_UEQ(before - total_unallocated_pages(), 6);
	memset(p, 0x3c, 6 * PAGE_SIZE);	/* all 6 pages are usable */
	for (int i = 0; i < 6; i++)
		EXPECT_EQ(page_ref_count(virt_to_page(p + i * PAGE_SIZE)), 1);
	/* The 2 tail pages of the order-3 block are free again: an order-0
	 * allocation may get them, and nothing else holds them. */
	for (int i = 6; i < 8; i++)
		EXPECT_EQ(page_ref_count(virt_to_page(p + i * PAGE_SIZE)), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
	free_pages_exact(p, size);
	EXPECT_UEQ(total_unallocated_pages(), before);

	/* Exact page multiples keep no tail; a zeroed one reads as zero. */
	char *q = alloc_pages_exact(3 * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO);

	ASSERT_NOT_NULL(q);
	EXPECT_UEQ(before - total_unallocated_pages(), 3);
	EXPECT_TRUE(all_zero(q, 3 * PAGE_SIZE));
	free_pages_exact(q, 3 * PAGE_SIZE);
	EXPECT_UEQ(total_unallocated_pages(), before);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(every_order_is_naturally_aligned),
	T(live_blocks_never_overlap),
	T(free_areas_merge_back),
	T(exhaustion_stops_at_the_reserve_and_loses_nothing),
	T(orders_above_max_fail),
	T(get_order_values),
	T(get_free_pages_and_free_pages),
	T(get_zeroed_page_after_dirtying),
	T(gfp_zero_every_order_after_dirtying),
	T(alloc_pages_exact_gives_back_the_tail))
