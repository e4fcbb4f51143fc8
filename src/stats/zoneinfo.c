/*
 * zoneinfo.c - /proc/zoneinfo: per zone, the free pages, watermarks, sizes,
 * lowmem protection, counters and per-CPU page lists.
 *
 * Follows zoneinfo_show_print of Linux 6.6 mm/vmstat.c (read from an
 * android15-6.6 tree, repository Abreuzzs/not-6.6-OpenSource, with its
 * vendor "order" line left out).  Points of that version that later
 * kernels changed: no "promo" watermark line (printed since 6.9), and the
 * pagesets show count/high/batch only (6.7 added high_min and high_max).
 * All zones of every node are printed, populated or not, because
 * lowmem_reserve_ratio acts on all of them; an unpopulated zone stops
 * after its protection line.  The "per-node stats" block goes with the
 * node's first populated zone and shows that node's counters
 * (stats_node_state), the ones /proc/vmstat sums over the nodes.
 *
 * What the numbers are here:
 *   pages free   NR_FREE_PAGES: buddy free pages, per-CPU lists excluded
 *   boost        watermark_boost (ukmem never boosts: 0)
 *   min/low/high the watermarks with the boost, as the kernel prints them
 *   cma          0: no CMA
 *   protection   lowmem_reserve[] of each zone this kernel has
 *   pagesets     each CPU's per_cpu_pages count, high and batch
 *   vm stats threshold  0: ukmem's counters are exact (no per-CPU drift
 *                to fold), so there is no threshold to report
 *   node_unreclaimable  0: there is no kswapd to fail
 * Counters ukmem does not keep print 0 (stats.h lists them).
 *
 * Locks: each zone is printed under its lock (stats_walk_zones); the pcp
 * counts are read without the pcp locks, as racy snapshots.
 */
#include "stats/stats.h"

static const struct stats_item zone_stat_rows[] = {
	STATS_ZONE_STAT_ITEMS(STATS_ZONE_T, STATS_U)
};

#define NAME(name) name,
static const char *const numa_event_names[] = { STATS_NUMA_EVENT_ITEMS(NAME) };
static const char *const node_stat_names[] = { STATS_NODE_STAT_ITEMS(NAME) };
#undef NAME

static bool is_zone_first_populated(const pg_data_t *pgdat, const struct zone *zone)
{
	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (populated_zone(&pgdat->node_zones[z]))
			return zone == &pgdat->node_zones[z];
	return false;
}

static void zoneinfo_print(struct seq_buf *s, pg_data_t *pgdat, struct zone *zone)
{
	bool first = true;

	ukmem_seq_printf(s, "Node %d, zone %8s", pgdat->node_id, zone->name);
	if (is_zone_first_populated(pgdat, zone)) {
		ukmem_seq_puts(s, "\n  per-node stats");
		for (size_t i = 0; i < ARRAY_LEN(node_stat_names); i++)
			ukmem_seq_printf(s, "\n      %-12s %lu", node_stat_names[i],
					 stats_node_state(pgdat->node_id, node_stat_names[i]));
	}
	ukmem_seq_printf(s,
			 "\n  pages free     %lu"
			 "\n        boost    %lu"
			 "\n        min      %lu"
			 "\n        low      %lu"
			 "\n        high     %lu"
			 "\n        spanned  %lu"
			 "\n        present  %lu"
			 "\n        managed  %lu"
			 "\n        cma      %lu",
			 zone_page_state(zone, NR_FREE_PAGES),
			 __atomic_load_n(&zone->watermark_boost, __ATOMIC_RELAXED),
			 min_wmark_pages(zone),
			 low_wmark_pages(zone),
			 high_wmark_pages(zone),
			 zone->spanned_pages,
			 zone->present_pages,
			 zone_managed_pages(zone),
			 0UL);

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		if (!stats_zone_configured(z))
			continue;
		ukmem_seq_printf(s, first ? "\n        protection: (%ld" : ", %ld",
				 __atomic_load_n(&zone->lowmem_reserve[z], __ATOMIC_RELAXED));
		first = false;
	}
	ukmem_seq_puts(s, ")");

	/* If unpopulated, no other information is useful (the kernel's words). */
	if (!populated_zone(zone)) {
		ukmem_seq_puts(s, "\n");
		return;
	}

	for (size_t i = 0; i < ARRAY_LEN(zone_stat_rows); i++) {
		const struct stats_item *row = &zone_stat_rows[i];

		if (row->item < 0)
			ukmem_seq_printf(s, "\n      %-12s %lu", row->name, 0UL);
		else
			ukmem_seq_printf(s, "\n      %-12s %lu", stats_zone_stat_names[row->item],
					 zone_page_state(zone, (enum zone_stat_item)row->item));
	}
	for (size_t i = 0; i < ARRAY_LEN(numa_event_names); i++)
		ukmem_seq_printf(s, "\n      %-12s %lu", numa_event_names[i], 0UL);

	ukmem_seq_puts(s, "\n  pagesets");
	for (int cpu = 0; cpu < ukmem_mm.nr_cpus; cpu++) {
		const struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

		ukmem_seq_printf(s,
				 "\n    cpu: %i"
				 "\n              count: %i"
				 "\n              high:  %i"
				 "\n              batch: %i",
				 cpu,
				 __atomic_load_n(&pcp->count, __ATOMIC_RELAXED),
				 __atomic_load_n(&pcp->high, __ATOMIC_RELAXED),
				 __atomic_load_n(&pcp->batch, __ATOMIC_RELAXED));
		ukmem_seq_printf(s, "\n  vm stats threshold: %d", 0);
	}
	ukmem_seq_printf(s,
			 "\n  node_unreclaimable:  %u"
			 "\n  start_pfn:           %lu",
			 0U, zone->zone_start_pfn);
	ukmem_seq_puts(s, "\n");
}

int stats_zoneinfo_show(struct seq_buf *s)
{
	int nid, ret;

	for_each_online_node(nid) {
		ret = stats_walk_zones(s, NODE_DATA(nid), false, zoneinfo_print);
		if (ret)
			return ret;
	}
	return 0;
}
