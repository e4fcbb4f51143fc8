/*
 * test_numa.c - the control files with two nodes (numa=fake=2 over
 * 64 MiB: node 0 holds DMA and part of DMA32, node 1 the rest of DMA32):
 * every per-node file shows both nodes, the per-node blocks repeat as in
 * the kernel, and vmstat sums over nodes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ukmem/gfp.h>
#include <ukmem/ukmem.h>

#include "ctl.h"
#include "harness.h"
#include "page/mmzone.h"


static void setup(void)
{
	start_ukmem("mem=64M numa=fake=2");
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static long long vmstat(const char *label)
{
	char *text = read_ctl("/proc/vmstat");
	const char *p = text ? strstr(text, label) : NULL;
	long long v = p ? strtoll(p + strlen(label), NULL, 10) : -1;

	free(text);
	return v;
}

TEST(two_nodes_are_configured)
{
	EXPECT_EQ(ukmem_mm.nr_nodes, 2);
	EXPECT_TRUE(NODE_DATA(1)->node_zones[ZONE_DMA32].present_pages > 0);
}

TEST(buddyinfo_shows_node_0_and_node_1)
{
	char *text = read_ctl("/proc/buddyinfo");

	ASSERT_NOT_NULL(text);
	EXPECT_CONTAINS(text, "Node 0, zone      DMA ");
	EXPECT_CONTAINS(text, "Node 0, zone    DMA32 ");
	EXPECT_CONTAINS(text, "Node 1, zone    DMA32 ");
	EXPECT_TRUE(strstr(text, "Node 1, zone      DMA ") == NULL);	/* empty */
	EXPECT_TRUE(strstr(text, "Node 0, zone    DMA32 ") < strstr(text, "Node 1, zone    DMA32 "));
	free(text);
}

TEST(zoneinfo_prints_every_zone_of_both_nodes)
{
	char *text = read_ctl("/proc/zoneinfo");

	ASSERT_NOT_NULL(text);
	EXPECT_EQ(count(text, "\nNode ") + 1, 2 * 4);	/* DMA, DMA32, Normal, Movable */
	EXPECT_CONTAINS(text, "Node 1, zone      DMA\n  pages free     0\n");
	/* Node 1's first populated zone carries its per-node stats. */
	EXPECT_CONTAINS(text, "Node 1, zone    DMA32\n  per-node stats\n");
	EXPECT_EQ(count(text, "per-node stats"), 2);
	free(text);
}

TEST(pagetypeinfo_repeats_its_report_per_node)
{
	char *text = read_ctl("/proc/pagetypeinfo");

	ASSERT_NOT_NULL(text);
	EXPECT_EQ(count(text, "Page block order: 9\n"), 2);
	EXPECT_EQ(count(text, "Number of blocks type "), 2);
	EXPECT_CONTAINS(text, "Node    1, zone    DMA32, type    Unmovable ");
	EXPECT_CONTAINS(text, "Node 1, zone    DMA32 ");
	free(text);
}

TEST(vmstat_sums_both_nodes)
{
	long long before = vmstat("\npgalloc_dma32 ");
	struct page *a = alloc_pages_node(0, GFP_DMA32 | __GFP_THISNODE, 0);
	struct page *b = alloc_pages_node(1, GFP_DMA32 | __GFP_THISNODE, 0);

	ASSERT_TRUE(a && b);
	EXPECT_EQ(page_to_nid(a), 0);
	EXPECT_EQ(page_to_nid(b), 1);
	EXPECT_EQ(page_zonenum(a), ZONE_DMA32);
	EXPECT_EQ(vmstat("\npgalloc_dma32 ") - before, 2);
	__free_pages(a, 0);
	__free_pages(b, 0);
}

RUN_TESTS_SETUP(setup,
		T(two_nodes_are_configured),
		T(buddyinfo_shows_node_0_and_node_1),
		T(zoneinfo_prints_every_zone_of_both_nodes),
		T(pagetypeinfo_repeats_its_report_per_node),
		T(vmstat_sums_both_nodes))
