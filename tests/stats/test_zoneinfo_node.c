/*
 * test_zoneinfo_node.c - /proc/zoneinfo's "per-node stats" block shows the
 * node counters /proc/vmstat shows: with one node, each value equals
 * vmstat's, and both move when slab pages come and go.
 */
#include "node_stats.h"

#define NR_OBJS 2000

static void setup(void)
{
	start_ukmem("mem=64M");
}

TEST(one_node_equals_vmstat)
{
	static void *unrecl[NR_OBJS], *recl[NR_OBJS];
	struct node_stats before, during, after;

	expect_node_stats_sum_to_vmstat(&before, 1);
	for (int i = 0; i < NR_OBJS; i++) {
		unrecl[i] = kmalloc(512, GFP_KERNEL);
		recl[i] = kmalloc(512, GFP_KERNEL | __GFP_RECLAIMABLE);
		ASSERT_NOT_NULL(unrecl[i]);
		ASSERT_NOT_NULL(recl[i]);
	}
	expect_node_stats_sum_to_vmstat(&during, 1);
	/* 2000 objects of 512 bytes: at least 250 pages each way. */
	EXPECT_GE(node_stat(&during, 0, "nr_slab_unreclaimable") -
		  node_stat(&before, 0, "nr_slab_unreclaimable"), 250);
	EXPECT_GE(node_stat(&during, 0, "nr_slab_reclaimable") -
		  node_stat(&before, 0, "nr_slab_reclaimable"), 250);
	for (int i = 0; i < NR_OBJS; i++) {
		kfree(unrecl[i]);
		kfree(recl[i]);
	}
	expect_node_stats_sum_to_vmstat(&after, 1);
}

/* A large kmalloc (pages straight from the page allocator) counts as
 * unreclaimable slab in the kernel, on the node of its pages. */
TEST(large_kmalloc_counts_on_its_node)
{
	struct node_stats before, during;
	void *p;

	expect_node_stats_sum_to_vmstat(&before, 1);
	p = kmalloc(64 * 1024, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	expect_node_stats_sum_to_vmstat(&during, 1);
	EXPECT_EQ(node_stat(&during, 0, "nr_slab_unreclaimable") -
		  node_stat(&before, 0, "nr_slab_unreclaimable"), 16);
	kfree(p);
}

RUN_TESTS_SETUP(setup,
	T(one_node_equals_vmstat),
	T(large_kmalloc_counts_on_its_node))
