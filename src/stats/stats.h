/*
 * stats.h - what the files of the stats layer share: the kernel
 * configuration they render, the Linux 6.6 counter lists, and the
 * renderers that ctl.c dispatches to.
 *
 * The kernel ukmem imitates
 * -------------------------
 * A /proc file's field list depends on the kernel's configuration.  ukmem
 * renders the files of an x86-64 Linux 6.6 kernel built with SMP, NUMA,
 * ZONE_DMA, ZONE_DMA32, MMU, SWAP, ZSWAP, ZSMALLOC, TRANSPARENT_HUGEPAGE
 * (with PUD support), HUGETLB_PAGE, MIGRATION, COMPACTION, NUMA_BALANCING,
 * MEMORY_FAILURE, MEMORY_BALLOON with BALLOON_COMPACTION, KSM and
 * VM_EVENT_COUNTERS; and without ZONE_DEVICE, CMA, MEMORY_ISOLATION (so the
 * four migrate types ukmem has), UNACCEPTED_MEMORY, SHADOW_CALL_STACK,
 * DEBUG_TLBFLUSH, PER_VMA_LOCK_STATS, PAGE_OWNER and MEMTEST.  HIGHMEM is
 * the one variable: ukmem is a CONFIG_HIGHMEM kernel exactly when a HighMem
 * zone is configured (ukmem_mm.highmem_configured), and otherwise has no
 * HighMem zone at all, so the zone lists, zoneinfo's protection array and
 * lowmem_reserve_ratio have four entries, as on such a kernel.
 *
 * Counters are listed once, here, in the kernel's order.  T(item) is a
 * counter ukmem keeps (its name comes from the page layer's X-macro in
 * page/mmzone.h); U("name") is one it does not keep, printed as 0.  A later
 * layer that starts counting something turns its U into a T.
 *
 * Locks: the renderers take each zone's lock (zone_lock) while they read
 * that zone, as the kernel's walk_zones_in_node does; the sysctl stores
 * run under ctl.c's lock.  Lock order: ctl lock, then zone->lock.  The
 * slab files (slabinfo.c, sysfs_slab.c) take neither: slab_mutex, then
 * the slab layer's locks in its order (slab/slab.h).
 */
#ifndef UKMEM_STATS_STATS_H
#define UKMEM_STATS_STATS_H

#include "lib/lib.h"
#include "lib/errno.h"
#include "page/page.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Linux 6.6 enum zone_stat_item (include/linux/mmzone.h). */
#define STATS_ZONE_STAT_ITEMS(T, U) \
	T(NR_FREE_PAGES) \
	U("nr_zone_inactive_anon") \
	U("nr_zone_active_anon") \
	U("nr_zone_inactive_file") \
	U("nr_zone_active_file") \
	U("nr_zone_unevictable") \
	U("nr_zone_write_pending") \
	U("nr_mlock") \
	U("nr_bounce") \
	U("nr_zspages") \
	U("nr_free_cma")

/* Linux 6.6 enum numa_stat_item. */
#define STATS_NUMA_EVENT_ITEMS(U) \
	U("numa_hit") \
	U("numa_miss") \
	U("numa_foreign") \
	U("numa_interleave") \
	U("numa_local") \
	U("numa_other")

/* Linux 6.6 enum node_stat_item. */
#define STATS_NODE_STAT_ITEMS(U) \
	U("nr_inactive_anon") \
	U("nr_active_anon") \
	U("nr_inactive_file") \
	U("nr_active_file") \
	U("nr_unevictable") \
	U("nr_slab_reclaimable") \
	U("nr_slab_unreclaimable") \
	U("nr_isolated_anon") \
	U("nr_isolated_file") \
	U("workingset_nodes") \
	U("workingset_refault_anon") \
	U("workingset_refault_file") \
	U("workingset_activate_anon") \
	U("workingset_activate_file") \
	U("workingset_restore_anon") \
	U("workingset_restore_file") \
	U("workingset_nodereclaim") \
	U("nr_anon_pages") \
	U("nr_mapped") \
	U("nr_file_pages") \
	U("nr_dirty") \
	U("nr_writeback") \
	U("nr_writeback_temp") \
	U("nr_shmem") \
	U("nr_shmem_hugepages") \
	U("nr_shmem_pmdmapped") \
	U("nr_file_hugepages") \
	U("nr_file_pmdmapped") \
	U("nr_anon_transparent_hugepages") \
	U("nr_vmscan_write") \
	U("nr_vmscan_immediate_reclaim") \
	U("nr_dirtied") \
	U("nr_written") \
	U("nr_throttled_written") \
	U("nr_kernel_misc_reclaimable") \
	U("nr_foll_pin_acquired") \
	U("nr_foll_pin_released") \
	U("nr_kernel_stack") \
	U("nr_page_table_pages") \
	U("nr_sec_page_table_pages") \
	U("nr_swapcached") \
	U("pgpromote_success") \
	U("pgpromote_candidate")

/* Linux 6.6 enum writeback_stat_item (mm/vmstat.c).  ukmem has no
 * writeback, so no dirty limits. */
#define STATS_WRITEBACK_ITEMS(U) \
	U("nr_dirty_threshold") \
	U("nr_dirty_background_threshold")

/*
 * Linux 6.6 enum vm_event_item (include/linux/vm_event_item.h).  TZ and UZ
 * are the per-zone events, printed once per configured zone type as
 * "<name>_<zone>" (pgalloc_dma, pgalloc_dma32, ...).
 */
#define STATS_VM_EVENT_ITEMS(T, TZ, U, UZ) \
	U("pgpgin") \
	U("pgpgout") \
	U("pswpin") \
	U("pswpout") \
	TZ(PGALLOC) \
	TZ(ALLOCSTALL) \
	UZ("pgskip") \
	T(PGFREE) \
	U("pgactivate") \
	U("pgdeactivate") \
	U("pglazyfree") \
	U("pgfault") \
	U("pgmajfault") \
	U("pglazyfreed") \
	U("pgrefill") \
	U("pgreuse") \
	U("pgsteal_kswapd") \
	U("pgsteal_direct") \
	U("pgsteal_khugepaged") \
	U("pgdemote_kswapd") \
	U("pgdemote_direct") \
	U("pgdemote_khugepaged") \
	U("pgscan_kswapd") \
	U("pgscan_direct") \
	U("pgscan_khugepaged") \
	U("pgscan_direct_throttle") \
	U("pgscan_anon") \
	U("pgscan_file") \
	U("pgsteal_anon") \
	U("pgsteal_file") \
	U("zone_reclaim_failed") \
	U("pginodesteal") \
	U("slabs_scanned") \
	U("kswapd_inodesteal") \
	U("kswapd_low_wmark_hit_quickly") \
	U("kswapd_high_wmark_hit_quickly") \
	U("pageoutrun") \
	U("pgrotated") \
	U("drop_pagecache") \
	U("drop_slab") \
	U("oom_kill") \
	U("numa_pte_updates") \
	U("numa_huge_pte_updates") \
	U("numa_hint_faults") \
	U("numa_hint_faults_local") \
	U("numa_pages_migrated") \
	U("pgmigrate_success") \
	U("pgmigrate_fail") \
	U("thp_migration_success") \
	U("thp_migration_fail") \
	U("thp_migration_split") \
	U("compact_migrate_scanned") \
	U("compact_free_scanned") \
	U("compact_isolated") \
	U("compact_stall") \
	U("compact_fail") \
	U("compact_success") \
	U("compact_daemon_wake") \
	U("compact_daemon_migrate_scanned") \
	U("compact_daemon_free_scanned") \
	U("htlb_buddy_alloc_success") \
	U("htlb_buddy_alloc_fail") \
	U("unevictable_pgs_culled") \
	U("unevictable_pgs_scanned") \
	U("unevictable_pgs_rescued") \
	U("unevictable_pgs_mlocked") \
	U("unevictable_pgs_munlocked") \
	U("unevictable_pgs_cleared") \
	U("unevictable_pgs_stranded") \
	U("thp_fault_alloc") \
	U("thp_fault_fallback") \
	U("thp_fault_fallback_charge") \
	U("thp_collapse_alloc") \
	U("thp_collapse_alloc_failed") \
	U("thp_file_alloc") \
	U("thp_file_fallback") \
	U("thp_file_fallback_charge") \
	U("thp_file_mapped") \
	U("thp_split_page") \
	U("thp_split_page_failed") \
	U("thp_deferred_split_page") \
	U("thp_split_pmd") \
	U("thp_scan_exceed_none_pte") \
	U("thp_scan_exceed_swap_pte") \
	U("thp_scan_exceed_share_pte") \
	U("thp_split_pud") \
	U("thp_zero_page_alloc") \
	U("thp_zero_page_alloc_failed") \
	U("thp_swpout") \
	U("thp_swpout_fallback") \
	U("balloon_inflate") \
	U("balloon_deflate") \
	U("balloon_migrate") \
	U("swap_ra") \
	U("swap_ra_hit") \
	U("ksm_swpin_copy") \
	U("cow_ksm") \
	U("zswpin") \
	U("zswpout") \
	U("direct_map_level2_splits") \
	U("direct_map_level3_splits")

/*
 * One entry of a list above, as a table row (each renderer builds its
 * tables from the lists with these macros).  item is the page layer's
 * counter (enum zone_stat_item or zone_event_item) and name NULL: the name
 * is the page layer's; or item is -1 and the counter reads 0.  per_zone
 * marks the events printed once per zone type.
 */
struct stats_item {
	const char *name;
	int item;
	bool per_zone;
};

#define STATS_ZONE_T(item)	{ NULL, (item), false },
#define STATS_EVENT_T(item)	{ NULL, EV_##item, false },
#define STATS_EVENT_TZ(item)	{ NULL, EV_##item, true },
#define STATS_U(name)		{ (name), -1, false },
#define STATS_UZ(name)		{ (name), -1, true },

/* The names of the page layer's counters (page/mmzone.h), by item. */
extern const char *const stats_zone_stat_names[NR_VM_ZONE_STAT_ITEMS];
extern const char *const stats_zone_event_names[NR_ZONE_EVENT_ITEMS];

/* Does this kernel have the zone type at all (see the configuration above)?
 * Every zone but HighMem always exists, populated or not. */
static inline bool stats_zone_configured(int zone_idx)
{
	return zone_idx != ZONE_HIGHMEM || ukmem_mm.highmem_configured;
}

/* The kernel's walk_zones_in_node (ctl.c): print each configured zone of
 * the node, only the populated ones if populated_only, under its lock;
 * 0 or -EAGAIN. */
int stats_walk_zones(struct seq_buf *s, pg_data_t *pgdat, bool populated_only,
		     void (*print)(struct seq_buf *s, pg_data_t *pgdat, struct zone *zone));

/* Sum of a zone counter over every zone (the kernel's
 * global_zone_page_state). */
unsigned long stats_global_zone_state(enum zone_stat_item item);

/* A node counter of STATS_NODE_STAT_ITEMS by name: node nid's
 * (node_page_state, for zoneinfo), or with nid < 0 the sum over the nodes
 * (global_node_page_state, for vmstat).  0 for the counters ukmem does not
 * keep. */
unsigned long stats_node_state(int nid, const char *name);

/*
 * The renderers: each writes a whole file into s and returns 0, or
 * -EAGAIN when called from a signal handler that interrupted ukmem while a
 * zone lock it needs was held (zone_lock only tries in that context).
 */
int stats_buddyinfo_show(struct seq_buf *s);
int stats_pagetypeinfo_show(struct seq_buf *s);
int stats_zoneinfo_show(struct seq_buf *s);
int stats_meminfo_show(struct seq_buf *s);
int stats_vmstat_show(struct seq_buf *s);
int stats_tainted_show(struct seq_buf *s);	/* /proc/sys/kernel/tainted */

/* /proc/sys/vm files: show as above; store returns 0 or -EINVAL and runs
 * under ctl.c's lock. */
int stats_min_free_kbytes_show(struct seq_buf *s);
int stats_min_free_kbytes_store(const char *value);
int stats_drop_caches_show(struct seq_buf *s);
int stats_drop_caches_store(const char *value);
int stats_watermark_scale_factor_show(struct seq_buf *s);
int stats_watermark_scale_factor_store(const char *value);
int stats_lowmem_reserve_ratio_show(struct seq_buf *s);
int stats_lowmem_reserve_ratio_store(const char *value);

/*
 * The slab layer's files.  /proc/slabinfo renders as the others.  The
 * /sys/kernel/slab directory is one show and one store for every
 * "<cache>/<attr>" name below it (ctl.c's ctl_dirs): -ENOENT for an
 * unknown cache or attribute, -EACCES for a write to a read-only one,
 * -EINVAL for a value that does not parse, -EAGAIN from a signal handler
 * that interrupted ukmem.
 */
int stats_slabinfo_show(struct seq_buf *s);
int stats_sysfs_slab_show(const char *name, struct seq_buf *s);
int stats_sysfs_slab_store(const char *name, const char *value);

/* slabinfo.c: take slab_mutex to read the caches, with the thread marked
 * as inside ukmem (so a signal handler that interrupts the read only tries
 * the slab locks the read holds).  false, and nothing held, when the
 * caller is such a handler itself: return -EAGAIN. */
bool stats_slab_lock(void);
void stats_slab_unlock(void);

/* debugfs_fault.c: /sys/kernel/debug/failslab/<attr> and
 * /sys/kernel/debug/fail_page_alloc/<attr> (ctl.c's ctl_dirs): -ENOENT for
 * an unknown attribute, -EINVAL (reported) for a bad value. */
int stats_failslab_show(const char *name, struct seq_buf *s);
int stats_failslab_store(const char *name, const char *value);
int stats_fail_page_alloc_show(const char *name, struct seq_buf *s);
int stats_fail_page_alloc_store(const char *name, const char *value);

/* /sys/kernel/debug/kfence/{stats,objects} (debugfs_kfence.c). */
int stats_kfence_stats_show(struct seq_buf *s);
int stats_kfence_objects_show(struct seq_buf *s);

/* debugfs_kmemleak.c: /sys/kernel/debug/kmemleak (kmemleak's report and
 * commands; -EINVAL for an unknown command, -EPERM once kmemleak is off). */
int stats_kmemleak_show(struct seq_buf *s);
int stats_kmemleak_store(const char *value);

/* fork(): take and release ctl_lock (before the slab and page locks). */

#endif /* UKMEM_STATS_STATS_H */
