/*
 * buddyinfo.c - the free-area views: /proc/buddyinfo and
 * /proc/pagetypeinfo.
 *
 * Both follow Linux 6.6 mm/vmstat.c: buddyinfo is frag_show_print (free
 * blocks per order of each populated zone); pagetypeinfo is
 * pagetypeinfo_show with pagetypeinfo_showfree_print (free blocks per
 * order and migrate type) and pagetypeinfo_showblockcount_print
 * (pageblocks per migrate type).  Read from an android15-6.6 tree's
 * mm/vmstat.c (repository Abreuzzs/not-6.6-OpenSource, its vendor hook
 * left out); the same functions are unchanged in a 6.16-era tree
 * (AMDESE/linux-mm) and match linux-mm.md section 4.7.
 *
 * What the numbers are here: nr_free counts a pristine (never touched)
 * MAX_PAGE_ORDER block as a free block of that order, as it is one; and
 * count_free_blocks_locked counts it on the Movable list of that order,
 * where the first allocation that needs it puts it.  Pages on per-CPU
 * lists are not free blocks, in the kernel or here.
 *
 * pagetypeinfo_showmixedcount prints only with page_owner, which ukmem
 * does not have, so the "Number of mixed blocks" table never appears.
 *
 * Locks: each zone is read under its lock (stats_walk_zones).
 */
#include "stats/stats.h"

/* The kernel stops counting a free list here: the walk runs under the
 * zone lock and the file is a debugging aid. */
#define PAGETYPEINFO_MAX_COUNT 100000UL

/* frag_show_print */
static void buddyinfo_print(struct seq_buf *s, pg_data_t *pgdat, struct zone *zone)
{
	ukmem_seq_printf(s, "Node %d, zone %8s ", pgdat->node_id, zone->name);
	for (int order = 0; order < NR_PAGE_ORDERS; order++)
		ukmem_seq_printf(s, "%6lu ",
				 __atomic_load_n(&zone->free_area[order].nr_free, __ATOMIC_RELAXED));
	ukmem_seq_puts(s, "\n");
}

int stats_buddyinfo_show(struct seq_buf *s)
{
	int nid, ret;

	for_each_online_node(nid) {
		ret = stats_walk_zones(s, NODE_DATA(nid), true, buddyinfo_print);
		if (ret)
			return ret;
	}
	return 0;
}

/* pagetypeinfo_showfree_print */
static void pagetypeinfo_free_print(struct seq_buf *s, pg_data_t *pgdat, struct zone *zone)
{
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		ukmem_seq_printf(s, "Node %4d, zone %8s, type %12s ", pgdat->node_id, zone->name,
				 ukmem_migratetype_names[mt]);
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
			unsigned long count = count_free_blocks_locked(zone, order, mt);
			bool overflow = count >= PAGETYPEINFO_MAX_COUNT;

			ukmem_seq_printf(s, "%s%6lu ", overflow ? ">" : "",
					 overflow ? PAGETYPEINFO_MAX_COUNT : count);
		}
		ukmem_seq_puts(s, "\n");
	}
}

/* pagetypeinfo_showblockcount_print: every pageblock start from the
 * zone's first pfn, holes and other zones' pfns skipped. */
static void pagetypeinfo_blocks_print(struct seq_buf *s, pg_data_t *pgdat, struct zone *zone)
{
	unsigned long count[MIGRATE_TYPES] = { 0 };
	unsigned long end_pfn = zone->zone_start_pfn + zone->spanned_pages;

	for (unsigned long pfn = zone->zone_start_pfn; pfn < end_pfn; pfn += pageblock_nr_pages) {
		int mt;

		if (pfn_zone(pfn) != zone)
			continue;
		mt = get_pageblock_migratetype(zone, pfn);
		if (mt < MIGRATE_TYPES)
			count[mt]++;
	}
	ukmem_seq_printf(s, "Node %d, zone %8s ", pgdat->node_id, zone->name);
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		ukmem_seq_printf(s, "%12lu ", count[mt]);
	ukmem_seq_puts(s, "\n");
}

/* pagetypeinfo_show: the whole report once per node with memory. */
static int pagetypeinfo_node(struct seq_buf *s, pg_data_t *pgdat)
{
	int ret;

	if (!pgdat->node_present_pages)
		return 0;
	ukmem_seq_printf(s, "Page block order: %d\n", pageblock_order);
	ukmem_seq_printf(s, "Pages per block:  %lu\n", pageblock_nr_pages);
	ukmem_seq_puts(s, "\n");

	ukmem_seq_printf(s, "%-43s ", "Free pages count per migrate type at order");
	for (int order = 0; order < NR_PAGE_ORDERS; order++)
		ukmem_seq_printf(s, "%6d ", order);
	ukmem_seq_puts(s, "\n");
	ret = stats_walk_zones(s, pgdat, true, pagetypeinfo_free_print);
	if (ret)
		return ret;

	ukmem_seq_printf(s, "\n%-23s", "Number of blocks type ");
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		ukmem_seq_printf(s, "%12s ", ukmem_migratetype_names[mt]);
	ukmem_seq_puts(s, "\n");
	return stats_walk_zones(s, pgdat, true, pagetypeinfo_blocks_print);
}

int stats_pagetypeinfo_show(struct seq_buf *s)
{
	int nid, ret;

	for_each_online_node(nid) {
		ret = pagetypeinfo_node(s, NODE_DATA(nid));
		if (ret)
			return ret;
	}
	return 0;
}
