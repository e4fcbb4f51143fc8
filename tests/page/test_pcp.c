/*
 * test_pcp.c - the per-CPU page lists: a freed page is the next one handed
 * out (hot), __GFP_COLD takes the other end, refills move one batch, the
 * lists never hold more than `high` pages, a drain empties them, and pages
 * on them are not free for the zone's counters.
 *
 * mem=256M (ZONE_DMA32 has a batch of 15 and a high mark of a few hundred
 * pages; ZONE_DMA is 16M).  The test thread is pinned to one CPU so that
 * every call uses the same per-CPU list.
 */
#include "page_helpers.h"

static int cpu;

static void setup(void)
{
	log_setup("pcp");
	start_ukmem("mem=256M");
	cpu = pin_to_one_cpu();
}

static struct per_cpu_pages *pcp_of(struct zone *zone)
{
	return &zone->per_cpu_pageset[cpu];
}

static struct list_head *pcp_list(struct zone *zone, int mt, unsigned int order)
{
	return &pcp_of(zone)->lists[order_to_pindex(mt, order)];
}

/* The kernel's zone_batchsize() with zone_set_pageset_high_and_batch()'s
 * max(1, ...), and zone_highsize() (one node: every CPU shares the low
 * watermark). */
static int ref_batch(const struct zone *zone)
{
	unsigned long batch = zone->managed_pages >> 10;

	if (batch > (1UL << 20) / PAGE_SIZE)
		batch = (1UL << 20) / PAGE_SIZE;
	batch /= 4;
	if (batch < 1)
		batch = 1;
	batch = (1UL << (ukmem_fls_long(batch + batch / 2) - 1)) - 1;
	return batch < 1 ? 1 : (int)batch;
}

static int ref_high(const struct zone *zone, int batch)
{
	long high = (long)(low_wmark_pages(zone) / (unsigned long)ukmem_mm.nr_cpus);

	return high < 4L * batch ? 4 * batch : (int)high;
}

TEST(batch_and_high_follow_the_kernel)
{
	struct zone *zone;

	for_each_populated_zone(zone) {
		int batch = ref_batch(zone);

		for (int c = 0; c < ukmem_mm.nr_cpus; c++) {
			const struct per_cpu_pages *pcp = &zone->per_cpu_pageset[c];

			if (pcp->batch != batch || pcp->high != ref_high(zone, batch))
				HARNESS_FAIL("zone %s cpu %d: batch %d high %d, want batch %d high %d "
					     "(managed %lu, low %lu)", zone->name, c, pcp->batch,
					     pcp->high, batch, ref_high(zone, batch),
					     zone->managed_pages, low_wmark_pages(zone));
		}
	}
	EXPECT_EQ(zone_of(0, ZONE_DMA32)->per_cpu_pageset[0].batch, 15);
}

/* A page freed and allocated again is the same page, for every order the
 * lists keep (0..3). */
TEST(freed_page_comes_back_hot)
{
	for (unsigned int order = 0; order <= PAGE_ALLOC_COSTLY_ORDER; order++) {
		ukmem_drain_all();
		struct page *keep = alloc_pages(GFP_KERNEL, order);	/* fills the list */
		struct page *a = alloc_pages(GFP_KERNEL, order), *b;

		ASSERT_NOT_NULL(keep);
		ASSERT_NOT_NULL(a);
		__free_pages(a, order);
		b = alloc_pages(GFP_KERNEL, order);
		ASSERT_NOT_NULL(b);
		if (b != a)
			HARNESS_FAIL("order %u: freed pfn %#lx, next allocation got pfn %#lx",
				     order, page_to_pfn(a), page_to_pfn(b));
		__free_pages(b, order);
		__free_pages(keep, order);
	}
}

/* __GFP_COLD takes the tail of the list: not the page just freed, but the
 * one that has been on the list longest; the head is still there for the
 * next hot allocation. */
TEST(gfp_cold_takes_the_tail)
{
	int mt = gfp_migratetype(GFP_KERNEL);
	struct page *p[4], *cold, *hot;
	struct list_head *list;
	struct zone *zone;

	ukmem_drain_all();
	for (int i = 0; i < 4; i++) {
		p[i] = alloc_pages(GFP_KERNEL, 0);
		ASSERT_NOT_NULL(p[i]);
	}
	zone = page_zone(p[0]);
	list = pcp_list(zone, mt, 0);
	for (int i = 0; i < 4; i++)
		__free_pages(p[i], 0);
	/* Freed pages went to the head, in the order freed. */
	ASSERT_TRUE(!list_empty(list));
	EXPECT_PTR_EQ(list_first_entry(list, struct page, lru), p[3]);
	struct page *tail = list_last_entry(list, struct page, lru);

	cold = alloc_pages(GFP_KERNEL | __GFP_COLD, 0);
	ASSERT_NOT_NULL(cold);
	EXPECT_PTR_EQ(cold, tail);
	EXPECT_PTR_NE(cold, p[3]);
	hot = alloc_pages(GFP_KERNEL, 0);
	EXPECT_PTR_EQ(hot, p[3]);
	__free_pages(cold, 0);
	__free_pages(hot, 0);
}

/* An empty list is refilled with one batch (batch >> order blocks, at
 * least 2) taken from the buddy lists in one go. */
TEST(refill_moves_one_batch)
{
	struct zone *zone = zone_of(0, ZONE_DMA32);
	int batch = pcp_of(zone)->batch;

	for (unsigned int order = 0; order <= PAGE_ALLOC_COSTLY_ORDER; order++) {
		int blocks = (batch >> order) > 2 ? batch >> order : 2;
		unsigned long free_before, pcp_before;
		struct page *page;

		ukmem_drain_all();
		free_before = zone_page_state(zone, NR_FREE_PAGES);
		pcp_before = (unsigned long)pcp_of(zone)->count;
		EXPECT_UEQ(pcp_before, 0);
		page = alloc_pages(GFP_KERNEL, order);
		ASSERT_NOT_NULL(page);
		EXPECT_EQ(page_zonenum(page), ZONE_DMA32);
		EXPECT_UEQ(free_before - zone_page_state(zone, NR_FREE_PAGES),
			   (unsigned long)blocks << order);
		EXPECT_EQ(pcp_of(zone)->count, (blocks - 1) << order);
		__free_pages(page, order);
	}
	ukmem_drain_all();
}

/* Free many pages one by one: after every free, this CPU's list holds at
 * most `high` pages (plus the pages of that one free). */
static void check_high_after_frees(gfp_t gfp, int zone_idx, int nr, bool mixed_orders)
{
	struct zone *zone = zone_of(0, zone_idx);
	struct per_cpu_pages *pcp = pcp_of(zone);
	struct block_list live = { 0 };
	int worst = 0, violations = 0;

	ukmem_drain_all();
	for (int i = 0; i < nr; i++) {
		unsigned int order = (unsigned int)(mixed_orders && i % 7 == 0 ? i % 4 : 0);
		struct page *page = alloc_pages(gfp | __GFP_NOWARN, order);

		if (!page)
			break;
		blocks_push(&live, page, order);
	}
	EXPECT_GT(live.n, (size_t)nr / 2);
	for (size_t i = 0; i < live.n; i++) {
		EXPECT_EQ(page_zonenum(live.v[i].page), zone_idx);
		__free_pages(live.v[i].page, live.v[i].order);
		if (pcp->count > worst)
			worst = pcp->count;
		if (pcp->count >= pcp->high + (1 << live.v[i].order))
			violations++;
	}
	if (violations)
		HARNESS_FAIL("zone %s: the per-CPU list went above high %d after %d of %zu frees "
			     "(at most %d pages; batch %d)", zone->name, pcp->high, violations,
			     live.n, worst, pcp->batch);
	live.n = 0;
	blocks_release(&live);
	ukmem_drain_all();
	EXPECT_EQ(ukmem_page_validate(), 0);
}

TEST(pcp_count_stays_below_high)
{
	check_high_after_frees(GFP_KERNEL, ZONE_DMA32, 6000, false);
	/* Order 1..3 frees in between (a burst of them empties the list). */
	check_high_after_frees(GFP_KERNEL, ZONE_DMA32, 6000, true);
}

/*
 * The same in ZONE_DMA: 16M is below the size (32M) for which
 * zone_batchsize() rounds down to 0.  The kernel uses max(1, batch); with a
 * batch of 0 nr_pcp_free() returns 0 and the list is never trimmed.
 */
TEST(pcp_count_stays_below_high_in_a_small_zone)
{
	check_high_after_frees(GFP_KERNEL | GFP_DMA, ZONE_DMA, 2000, false);
}

/* Pages on the per-CPU lists are not in NR_FREE_PAGES; a drain moves them
 * there and leaves every list of every CPU empty. */
TEST(pcp_pages_are_not_free_until_drained)
{
	struct zone *zone = zone_of(0, ZONE_DMA32);
	struct block_list live = { 0 };
	unsigned long free_before, pcp_before, free_pcp_total;
	struct page *page;
	struct zone *z;

	ukmem_drain_all();
	page = alloc_pages(GFP_KERNEL, 0);
	ASSERT_NOT_NULL(page);
	free_before = zone_page_state(zone, NR_FREE_PAGES);
	pcp_before = (unsigned long)pcp_of(zone)->count;
	__free_page(page);
	EXPECT_UEQ(zone_page_state(zone, NR_FREE_PAGES), free_before);
	EXPECT_UEQ((unsigned long)pcp_of(zone)->count, pcp_before + 1);

	/* Fill the lists with every order, ending with order 0 (a burst of
	 * higher-order frees empties the list). */
	for (int i = 0; i < 300; i++) {
		unsigned int order = (unsigned int)(i < 200 ? 0 : i % 4);

		page = alloc_pages(GFP_KERNEL, order);
		ASSERT_NOT_NULL(page);
		blocks_push(&live, page, order);
	}
	for (size_t i = live.n; i-- > 0;)
		__free_pages(live.v[i].page, live.v[i].order);
	live.n = 0;
	blocks_release(&live);
	free_before = total_free_pages();
	pcp_before = total_pcp_pages();
	EXPECT_GT(pcp_before, 0);
	ukmem_drain_all();
	free_pcp_total = total_free_pages();
	EXPECT_UEQ(free_pcp_total, free_before + pcp_before);
	for_each_populated_zone(z)
		for (int c = 0; c < ukmem_mm.nr_cpus; c++) {
			const struct per_cpu_pages *pcp = &z->per_cpu_pageset[c];

			if (pcp->count != 0)
				HARNESS_FAIL("zone %s cpu %d: %d pages left after the drain",
					     z->name, c, pcp->count);
			for (int l = 0; l < NR_PCP_LISTS; l++)
				if (!list_empty(&pcp->lists[l]))
					HARNESS_FAIL("zone %s cpu %d list %d not empty", z->name, c, l);
		}
	EXPECT_UEQ(free_pcp_total, ukmem_mm.totalram_pages);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(batch_and_high_follow_the_kernel),
	T(freed_page_comes_back_hot),
	T(gfp_cold_takes_the_tail),
	T(refill_moves_one_batch),
	T(pcp_count_stays_below_high),
	T(pcp_count_stays_below_high_in_a_small_zone),
	T(pcp_pages_are_not_free_until_drained))
