/*
 * vmstat.c - /proc/vmstat: every counter of the kernel's vmstat_text, one
 * "name value" line each.
 *
 * Follows vmstat_start/vmstat_show of Linux 6.6 mm/vmstat.c: the zone
 * counters summed over all zones, the NUMA events, the node counters, the
 * two dirty thresholds, the VM events, then the deprecated "nr_unstable 0"
 * that 6.6 still appends for old tools.  The names and their order are the
 * 6.6 vmstat_text (read from an android15-6.6 tree, repository
 * Abreuzzs/not-6.6-OpenSource, without Android's additions: its
 * "_nosplit"/"_nomerge" zone suffixes and thp_shatter_* events) for the
 * configuration stats.h states; stats.h lists them.
 *
 * What ukmem counts:
 *   nr_free_pages   sum of NR_FREE_PAGES (per-CPU lists excluded)
 *   pgalloc_<zone>  pages handed to callers from zones of that type, counted
 *                   when a page leaves the buddy or per-CPU lists for a
 *                   caller, as the kernel's rmqueue counts them: a per-CPU
 *                   refill moves pages but allocates nothing
 *   pgfree          pages freed by callers, to a per-CPU list or the buddy
 *                   lists (the kernel counts in free_unref_page and
 *                   __free_pages_ok alike)
 *   nr_slab_reclaimable, nr_slab_unreclaimable
 *                   the node counters summed over the nodes
 *                   (stats_node_state), the same that zoneinfo's
 *                   per-node blocks show node by node
 * Everything else reads 0.  The page layer's own ukmem_pgrelease event is
 * not a 6.6 name and is not printed here.
 *
 * Locks: none; counters are read racily, as the kernel's are.
 */
#include "reclaim/reclaim.h"
#include "stats/stats.h"

static const struct stats_item zone_stat_rows[] = {
	STATS_ZONE_STAT_ITEMS(STATS_ZONE_T, STATS_U)
};

static const struct stats_item event_rows[] = {
	STATS_VM_EVENT_ITEMS(STATS_EVENT_T, STATS_EVENT_TZ, STATS_U, STATS_UZ)
};

#define NAME(name) name,
static const char *const numa_event_names[] = { STATS_NUMA_EVENT_ITEMS(NAME) };
static const char *const node_stat_names[] = { STATS_NODE_STAT_ITEMS(NAME) };
static const char *const writeback_names[] = { STATS_WRITEBACK_ITEMS(NAME) };
#undef NAME

/* TEXTS_FOR_ZONES: the suffix of each zone type in per-zone event names. */
static const char *const zone_suffix[MAX_NR_ZONES] = {
	[ZONE_DMA] = "dma",
	[ZONE_DMA32] = "dma32",
	[ZONE_NORMAL] = "normal",
	[ZONE_HIGHMEM] = "high",
	[ZONE_MOVABLE] = "movable",
};

/* An event summed over the zones of one type on every node. */
static unsigned long zone_type_events(int zone_idx, enum zone_event_item item)
{
	unsigned long sum = 0;
	int nid;

	for_each_online_node(nid)
		sum += ukmem_zone_events(&NODE_DATA(nid)->node_zones[zone_idx], item);
	return sum;
}

static unsigned long all_zone_events(enum zone_event_item item)
{
	unsigned long sum = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		sum += zone_type_events(z, item);
	return sum;
}

static void print_event(struct seq_buf *s, const struct stats_item *row)
{
	if (!row->per_zone) {
		unsigned long v = 0;

		if (row->item >= 0)
			v = all_zone_events((enum zone_event_item)row->item);
		else
			reclaim_vm_event(row->name, &v);	/* else no such event here: 0 */
		ukmem_seq_printf(s, "%s %lu\n", row->item >= 0 ?
				 stats_zone_event_names[row->item] : row->name, v);
		return;
	}
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		if (!stats_zone_configured(z))
			continue;
		if (row->item < 0)
			ukmem_seq_printf(s, "%s_%s %lu\n", row->name, zone_suffix[z], 0UL);
		else
			ukmem_seq_printf(s, "%s_%s %lu\n", stats_zone_event_names[row->item],
					 zone_suffix[z],
					 zone_type_events(z, (enum zone_event_item)row->item));
	}
}

int stats_vmstat_show(struct seq_buf *s)
{
	for (size_t i = 0; i < ARRAY_LEN(zone_stat_rows); i++) {
		const struct stats_item *row = &zone_stat_rows[i];

		if (row->item < 0)
			ukmem_seq_printf(s, "%s %lu\n", row->name, 0UL);
		else
			ukmem_seq_printf(s, "%s %lu\n", stats_zone_stat_names[row->item],
					 stats_global_zone_state((enum zone_stat_item)row->item));
	}
	for (size_t i = 0; i < ARRAY_LEN(numa_event_names); i++)
		ukmem_seq_printf(s, "%s %lu\n", numa_event_names[i], 0UL);
	for (size_t i = 0; i < ARRAY_LEN(node_stat_names); i++)
		ukmem_seq_printf(s, "%s %lu\n", node_stat_names[i],
				 stats_node_state(-1, node_stat_names[i]));
	for (size_t i = 0; i < ARRAY_LEN(writeback_names); i++)
		ukmem_seq_printf(s, "%s %lu\n", writeback_names[i], 0UL);
	for (size_t i = 0; i < ARRAY_LEN(event_rows); i++)
		print_event(s, &event_rows[i]);
	ukmem_seq_puts(s, "nr_unstable 0\n");
	return 0;
}
