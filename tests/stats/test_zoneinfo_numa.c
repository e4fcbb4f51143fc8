/*
 * test_zoneinfo_numa.c - with numa=fake=2 each node's "per-node stats"
 * block in /proc/zoneinfo shows that node's counters: slab pages taken on
 * node 1 show on node 1, not node 0, and the two nodes add up to
 * /proc/vmstat's values.
 */
#include "node_stats.h"

#define NR_OBJS 2000

static void setup(void)
{
	start_ukmem("mem=128M numa=fake=2");
}

TEST(nodes_add_up_to_vmstat)
{
	static void *objs[NR_OBJS];
	struct node_stats before, during, after;

	kfree(kmalloc(8, GFP_KERNEL));	/* the slab layer's own start, on node 0 */
	expect_node_stats_sum_to_vmstat(&before, 2);
	for (int i = 0; i < NR_OBJS; i++) {
		objs[i] = kmalloc_node(512, GFP_KERNEL | __GFP_THISNODE, 1);
		ASSERT_NOT_NULL(objs[i]);
	}
	expect_node_stats_sum_to_vmstat(&during, 2);
	EXPECT_GE(node_stat(&during, 1, "nr_slab_unreclaimable") -
		  node_stat(&before, 1, "nr_slab_unreclaimable"), 250);
	/* Node 0 took none of them (a slab or two of its own at most). */
	EXPECT_LE(node_stat(&during, 0, "nr_slab_unreclaimable") -
		  node_stat(&before, 0, "nr_slab_unreclaimable"), 8);
	for (int i = 0; i < NR_OBJS; i++)
		kfree(objs[i]);
	expect_node_stats_sum_to_vmstat(&after, 2);
}

RUN_TESTS_SETUP(setup, T(nodes_add_up_to_vmstat))
