/*
 * node_stats.h - what the per-node counter tests share: the "per-node
 * stats" blocks of /proc/zoneinfo and the node counters of /proc/vmstat,
 * parsed into name/value tables, and the check that ties them together.
 *
 * In the kernel both files read the same node counters (node_page_state
 * for one node in zoneinfo, global_node_page_state in vmstat), so for each
 * name of the per-node block the values of all nodes add up to vmstat's.
 * Not a test program itself: tests/CMakeLists.txt builds only test_*.c.
 */
#ifndef UKMEM_TEST_NODE_STATS_H
#define UKMEM_TEST_NODE_STATS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ukmem/gfp.h>
#include <ukmem/slab.h>
#include <ukmem/ukmem.h>

#include "ctl.h"
#include "harness.h"

#define NODE_STATS_MAX 64
#define NODE_STATS_NODES 8

struct node_stats {
	int nr_names;
	char names[NODE_STATS_MAX][40];
	long long value[NODE_STATS_NODES][NODE_STATS_MAX];
	int nodes_seen;		/* per-node blocks found */
};

static inline int node_stats_index(struct node_stats *ns, const char *name)
{
	for (int i = 0; i < ns->nr_names; i++)
		if (!strcmp(ns->names[i], name))
			return i;
	if (ns->nr_names == NODE_STATS_MAX)
		return -1;
	snprintf(ns->names[ns->nr_names], sizeof(ns->names[0]), "%s", name);
	return ns->nr_names++;
}

/* Every "per-node stats" block of /proc/zoneinfo, by node. */
static inline void zoneinfo_node_stats(struct node_stats *ns)
{
	char *text = read_ctl("/proc/zoneinfo");
	int nid = -1;
	bool in_block = false;

	memset(ns, 0, sizeof(*ns));
	if (!text)
		return;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char name[40];
		long long v;

		if (sscanf(line, "Node %d,", &nid) == 1) {
			in_block = false;
			continue;
		}
		if (!strcmp(line, "  per-node stats")) {
			in_block = nid >= 0 && nid < NODE_STATS_NODES;
			ns->nodes_seen += in_block;
			continue;
		}
		if (strncmp(line, "      ", 6) || !in_block) {
			in_block = false;
			continue;
		}
		if (sscanf(line, " %39s %lld", name, &v) == 2) {
			int i = node_stats_index(ns, name);

			if (i >= 0)
				ns->value[nid][i] = v;
		}
	}
	free(text);
}

/* One counter of /proc/vmstat, or -1 if it is not there. */
static inline long long vmstat_value(const char *text, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, len) && p[len] == ' ')
			return strtoll(p + len + 1, NULL, 10);
	return -1;
}

/* For every name of the per-node blocks: the nodes' values add up to
 * vmstat's.  Returns the zoneinfo tables for further checks. */
static inline void expect_node_stats_sum_to_vmstat(struct node_stats *ns, int nr_nodes)
{
	char *vmstat;

	zoneinfo_node_stats(ns);
	vmstat = read_ctl("/proc/vmstat");
	if (!vmstat)
		return;
	EXPECT_EQ(ns->nodes_seen, nr_nodes);
	EXPECT_GT(ns->nr_names, 0);
	for (int i = 0; i < ns->nr_names; i++) {
		long long sum = 0, global = vmstat_value(vmstat, ns->names[i]);

		for (int nid = 0; nid < nr_nodes; nid++)
			sum += ns->value[nid][i];
		if (sum != global)
			HARNESS_FAIL("%s: zoneinfo's nodes add up to %lld, vmstat says %lld",
				     ns->names[i], sum, global);
	}
	free(vmstat);
}

static inline long long node_stat(struct node_stats *ns, int nid, const char *name)
{
	for (int i = 0; i < ns->nr_names; i++)
		if (!strcmp(ns->names[i], name))
			return ns->value[nid][i];
	return -1;
}

#endif /* UKMEM_TEST_NODE_STATS_H */
