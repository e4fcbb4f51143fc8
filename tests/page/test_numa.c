/*
 * test_numa.c - numa=fake=2: two nodes, alloc_pages_node() honouring the
 * node, __GFP_THISNODE failing instead of falling back, the fallback to the
 * other node without it, and a node that does not exist.
 *
 * mem=128M numa=fake=2: node 0 holds ZONE_DMA (16M) and the first 48M of
 * ZONE_DMA32, node 1 the other 64M of ZONE_DMA32 (and the memmap).
 */
#include "page_helpers.h"

#define NODE_PAGES ((64 * MiB) >> PAGE_SHIFT)

static void setup(void)
{
	log_setup("numa");
	start_ukmem("mem=128M numa=fake=2");
}

TEST(two_nodes)
{
	EXPECT_EQ(ukmem_mm.nr_nodes, 2);
	EXPECT_UEQ(NODE_DATA(0)->node_present_pages, NODE_PAGES);
	EXPECT_UEQ(NODE_DATA(1)->node_present_pages, NODE_PAGES);
	EXPECT_UEQ(NODE_DATA(1)->node_start_pfn,
		   NODE_DATA(0)->node_start_pfn + NODE_DATA(0)->node_spanned_pages);
	EXPECT_TRUE(populated_zone(zone_of(0, ZONE_DMA)));
	EXPECT_TRUE(populated_zone(zone_of(0, ZONE_DMA32)));
	EXPECT_FALSE(populated_zone(zone_of(1, ZONE_DMA)));
	EXPECT_TRUE(populated_zone(zone_of(1, ZONE_DMA32)));
	EXPECT_UEQ(zone_of(0, ZONE_DMA)->present_pages, (16 * MiB) >> PAGE_SHIFT);
	EXPECT_UEQ(zone_of(1, ZONE_DMA32)->present_pages, NODE_PAGES);
	EXPECT_EQ(zone_of(1, ZONE_DMA32)->node, 1);
}

/* Pages from alloc_pages_node(nid) carry that node, for every order. */
TEST(alloc_pages_node_honours_the_node)
{
	for (int nid = 0; nid < 2; nid++)
		for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
			struct page *page = alloc_pages_node(nid, GFP_KERNEL, order);

			ASSERT_NOT_NULL(page);
			if (page_to_nid(page) != nid || page_zone(page)->node != nid)
				HARNESS_FAIL("alloc_pages_node(%d, order %u) got node %d", nid, order,
					     page_to_nid(page));
			__free_pages(page, order);
		}
	/* NUMA_NO_NODE: some node, always a real one. */
	struct page *page = alloc_pages_node(NUMA_NO_NODE, GFP_KERNEL, 0);

	ASSERT_NOT_NULL(page);
	EXPECT_TRUE(page_to_nid(page) == 0 || page_to_nid(page) == 1);
	__free_pages(page, 0);
	void *p = alloc_pages_exact_nid(1, 3 * PAGE_SIZE, GFP_KERNEL);

	ASSERT_NOT_NULL(p);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(page_to_nid(virt_to_page((char *)p + i * PAGE_SIZE)), 1);
	free_pages_exact(p, 3 * PAGE_SIZE);
}

/*
 * __GFP_THISNODE on node 1 takes node 1 down to its reserve and then
 * fails; without it the next allocation for node 1 comes from node 0.
 */
TEST(thisnode_fails_instead_of_falling_back)
{
	struct zone *z1 = zone_of(1, ZONE_DMA32);
	unsigned long start = drained_free_pages();
	unsigned long node0_free = zone_page_state(zone_of(0, ZONE_DMA32), NR_FREE_PAGES) +
				   zone_page_state(zone_of(0, ZONE_DMA), NR_FREE_PAGES);
	struct block_list live = { 0 };
	size_t n, wrong = 0;
	struct page *page;

	n = 0;
	while ((page = alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, 0))) {
		blocks_push(&live, page, 0);
		wrong += page_to_nid(page) != 1;
		n++;
	}
	EXPECT_UEQ(wrong, 0);
	EXPECT_UEQ(n, z1->managed_pages - min_wmark_pages(z1));
	/* Node 0 was not touched. */
	ukmem_drain_all();
	EXPECT_UEQ(zone_page_state(zone_of(0, ZONE_DMA32), NR_FREE_PAGES) +
		   zone_page_state(zone_of(0, ZONE_DMA), NR_FREE_PAGES), node0_free);
	/* Higher orders fail the same way. */
	EXPECT_TRUE(alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, 3) == NULL);

	/* Without __GFP_THISNODE: node 0. */
	page = alloc_pages_node(1, GFP_KERNEL | __GFP_NOWARN, 0);
	ASSERT_NOT_NULL(page);
	EXPECT_EQ(page_to_nid(page), 0);
	blocks_push(&live, page, 0);
	page = alloc_pages_node(1, GFP_KERNEL | __GFP_NOWARN, 4);
	ASSERT_NOT_NULL(page);
	EXPECT_EQ(page_to_nid(page), 0);
	blocks_push(&live, page, 4);

	EXPECT_EQ(ukmem_page_validate(), 0);
	blocks_release(&live);
	EXPECT_UEQ(drained_free_pages(), start);
}

/* Node 1 has no ZONE_DMA: GFP_DMA for node 1 falls back to node 0's DMA
 * zone, or fails with __GFP_THISNODE. */
TEST(zone_missing_on_the_node)
{
	struct page *page = alloc_pages_node(1, GFP_KERNEL | GFP_DMA, 0);

	ASSERT_NOT_NULL(page);
	EXPECT_EQ(page_to_nid(page), 0);
	EXPECT_EQ(page_zonenum(page), ZONE_DMA);
	__free_pages(page, 0);
	EXPECT_TRUE(alloc_pages_node(1, GFP_KERNEL | GFP_DMA | __GFP_THISNODE | __GFP_NOWARN, 0) ==
		    NULL);
}

/* A node that does not exist: NULL and a warning, nothing taken. */
TEST(nonexistent_node)
{
	unsigned long before = total_unallocated_pages();
	size_t mark = log_mark();

	EXPECT_TRUE(alloc_pages_node(5, GFP_KERNEL, 0) == NULL);
	EXPECT_TRUE(alloc_pages_node(2, GFP_KERNEL, 0) == NULL);
	EXPECT_TRUE(alloc_pages_node(-7, GFP_KERNEL, 0) == NULL);
	EXPECT_TRUE(alloc_pages_node(MAX_NUMNODES, GFP_KERNEL | __GFP_THISNODE, 2) == NULL);
	EXPECT_EQ(log_count_since(mark, "node 5 does not exist"), 1);
	EXPECT_EQ(log_count_since(mark, "does not exist (2 nodes)"), 4);
	EXPECT_UEQ(total_unallocated_pages(), before);
}

RUN_TESTS_SETUP(setup,
	T(two_nodes),
	T(alloc_pages_node_honours_the_node),
	T(thisnode_fails_instead_of_falling_back),
	T(zone_missing_on_the_node),
	T(nonexistent_node))
