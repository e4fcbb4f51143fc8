/*
 * ctl.c - the control files: ukmem_ctl_read() and ukmem_ctl_write() and
 * the one table that maps a kernel path to its renderer and its store.
 *
 * Theory
 * ------
 * The kernel's /proc and /proc/sys files are, for a library, a pair of
 * calls on a path.  Each row of ctl_files names a path, a show function
 * that renders the whole file into a seq_buf, and a store function that
 * parses and applies a written value (NULL: the file is read-only).  A
 * layer that adds a file (slab adds /proc/slabinfo) adds a row.
 *
 * Read renders into the caller's buffer directly: the seq_buf counts the
 * full length even when the text does not fit, so a short buffer gets the
 * truncated, NUL-terminated text and -ENOSPC.  A file is rendered in one
 * pass, zone by zone under each zone's lock, so a read is consistent per
 * zone, as in the kernel, not across zones.
 *
 * Write parses completely before it applies (a value that does not parse
 * changes nothing), and stores are serialised by ctl_lock: the kernel's
 * sysctl handlers for these files likewise recompute the watermarks under
 * one lock.  A write from a thread that is already inside ukmem (a signal
 * handler that interrupted it) returns -EAGAIN: the store takes every zone
 * lock, and its own thread may hold one.
 *
 * Reads take each zone's lock with zone_lock, which only tries when the
 * thread is already inside ukmem (a signal handler that interrupted an
 * allocation): such a read that finds a zone lock busy returns -EAGAIN
 * rather than wait for its own thread.
 *
 * A directory whose files are named by data (/sys/kernel/slab/<cache>/
 * <attr>) is a row of ctl_dirs instead: a path prefix and a show and store
 * that take the rest of the path.  They report -ENOENT for a name that
 * does not exist and -EACCES for a write to a read-only file themselves,
 * and take their own locks (not ctl_lock: the slab files hold slab_mutex).
 *
 * Differences from the kernel: there is no file position (a read returns
 * the whole file), and the errors a file system adds (EFAULT, EPERM for
 * the root-only pagetypeinfo) have no meaning here.
 *
 * This file also holds what the renderers share: the zone walk, the page
 * layer's counter names by item, the global sum of a zone counter, and the
 * node counters by name.
 *
 * Locks (ranked in src/lib/lockrank.h): ctl_lock, then each zone->lock
 * (taken by the stores through ukmem_setup_per_zone_wmarks).
 */
#include "slab/slab_api.h"
#include "stats/stats.h"

struct ctl_file {
	const char *path;
	int (*show)(struct seq_buf *s);
	int (*store)(const char *value);	/* NULL: read-only */
	bool unlocked;				/* store without ctl_lock */
};

static const struct ctl_file ctl_files[] = {
	{ "/proc/buddyinfo", stats_buddyinfo_show, NULL, false },
	{ "/proc/pagetypeinfo", stats_pagetypeinfo_show, NULL, false },
	{ "/proc/zoneinfo", stats_zoneinfo_show, NULL, false },
	{ "/proc/meminfo", stats_meminfo_show, NULL, false },
	{ "/proc/vmstat", stats_vmstat_show, NULL, false },
	{ "/proc/sys/vm/min_free_kbytes", stats_min_free_kbytes_show,
	  stats_min_free_kbytes_store, false },
	{ "/proc/sys/vm/watermark_scale_factor", stats_watermark_scale_factor_show,
	  stats_watermark_scale_factor_store, false },
	{ "/proc/sys/vm/lowmem_reserve_ratio", stats_lowmem_reserve_ratio_show,
	  stats_lowmem_reserve_ratio_store, false },
	{ "/proc/sys/vm/drop_caches", stats_drop_caches_show, stats_drop_caches_store, true },
	{ "/proc/slabinfo", stats_slabinfo_show, NULL, false },
	{ "/proc/sys/kernel/tainted", stats_tainted_show, NULL, false },
	{ "/sys/kernel/debug/kmemleak", stats_kmemleak_show, stats_kmemleak_store, true },
	{ "/sys/kernel/debug/kfence/stats", stats_kfence_stats_show, NULL, false },
	{ "/sys/kernel/debug/kfence/objects", stats_kfence_objects_show, NULL, false },
};

struct ctl_dir {
	const char *prefix;			/* ends with '/' */
	int (*show)(const char *name, struct seq_buf *s);
	int (*store)(const char *name, const char *value);
};

static const struct ctl_dir ctl_dirs[] = {
	{ "/sys/kernel/slab/", stats_sysfs_slab_show, stats_sysfs_slab_store },
	{ "/sys/kernel/debug/failslab/", stats_failslab_show, stats_failslab_store },
	{ "/sys/kernel/debug/fail_page_alloc/", stats_fail_page_alloc_show,
	  stats_fail_page_alloc_store },
};

static const struct ctl_file *ctl_lookup(const char *path)
{
	for (size_t i = 0; i < ARRAY_LEN(ctl_files); i++)
		if (!ukmem_strcmp(ctl_files[i].path, path))
			return &ctl_files[i];
	return NULL;
}

/* The directory row whose prefix path starts with; *name is the rest. */
static const struct ctl_dir *ctl_dir_lookup(const char *path, const char **name)
{
	for (size_t i = 0; i < ARRAY_LEN(ctl_dirs); i++) {
		size_t len = ukmem_strlen(ctl_dirs[i].prefix);

		if (!ukmem_strncmp(ctl_dirs[i].prefix, path, len)) {
			*name = path + len;
			return &ctl_dirs[i];
		}
	}
	return NULL;
}


/* Take ctl_lock, marking the thread as inside ukmem as zone_lock does.  A
 * thread that already was inside (a signal handler that interrupted ukmem)
 * gets false: a store waits for every zone lock, one of which its own
 * thread may hold. */
static bool ctl_lock_acquire(void)
{
	if (ukmem_lock_depth() > 0)
		return false;
	return ukmem_lock(&ctl_lock);
}

static void ctl_lock_release(void)
{
	ukmem_unlock(&ctl_lock);
}

/* ---- shared by the renderers ------------------------------------------- */

const char *const stats_zone_stat_names[NR_VM_ZONE_STAT_ITEMS] = {
#define X(item, name) [item] = name,
	UKMEM_ZONE_STAT_ITEMS(X)
#undef X
};

const char *const stats_zone_event_names[NR_ZONE_EVENT_ITEMS] = {
#define X(item, name) [EV_##item] = name,
	UKMEM_ZONE_EVENT_ITEMS(X)
#undef X
};

/*
 * The kernel's walk_zones_in_node: call print for each zone of the node
 * (only the populated ones if populated_only) with the zone's lock held.
 * Zones this kernel does not have (stats_zone_configured) are skipped.
 */
int stats_walk_zones(struct seq_buf *s, pg_data_t *pgdat, bool populated_only,
		     void (*print)(struct seq_buf *s, pg_data_t *pgdat, struct zone *zone))
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		if (!stats_zone_configured(z) || (populated_only && !populated_zone(zone)))
			continue;
		if (!zone_lock(zone))
			return -EAGAIN;
		print(s, pgdat, zone);
		zone_unlock(zone);
	}
	return 0;
}

unsigned long stats_global_zone_state(enum zone_stat_item item)
{
	return page_zone_state_sum(item);
}

/* The taint mask in decimal.  Read-only: the kernel lets root add taint
 * bits, which ukmem has no use for. */
int stats_tainted_show(struct seq_buf *s)
{
	ukmem_seq_printf(s, "%lu\n", ukmem_get_taint());
	return 0;
}

/* The node counters ukmem keeps: the slab pages (slab.h).  The kernel
 * keeps these two in bytes and prints them in pages. */
unsigned long stats_node_state(int nid, const char *name)
{
	if (!ukmem_strcmp(name, "nr_slab_reclaimable"))
		return slab_pages_read(nid, SLAB_PAGES_RECLAIMABLE);
	if (!ukmem_strcmp(name, "nr_slab_unreclaimable"))
		return slab_pages_read(nid, SLAB_PAGES_UNRECLAIMABLE);
	return 0;
}

/* ---- the API -------------------------------------------------------------- */

ssize_t ukmem_ctl_read(const char *path, char *buf, size_t size)
{
	const struct ctl_file *file;
	const struct ctl_dir *dir = NULL;
	const char *name = NULL;
	struct seq_buf s;
	int ret;

	if (!path || !buf || size == 0)
		return -EINVAL;
	file = ctl_lookup(path);
	if (!file)
		dir = ctl_dir_lookup(path, &name);
	if (!file && !dir)
		return -ENOENT;
	if (!ukmem_ensure_init())
		return -ENOMEM;
	ukmem_seq_init(&s, buf, size);
	ret = file ? file->show(&s) : dir->show(name, &s);
	if (ret < 0) {
		buf[0] = '\0';
		return ret;
	}
	if (s.len >= size)
		return -ENOSPC;
	return (ssize_t)s.len;
}

int ukmem_ctl_write(const char *path, const char *value)
{
	const struct ctl_file *file;
	const struct ctl_dir *dir;
	const char *name;
	int ret;

	if (!path || !value)
		return -EINVAL;
	file = ctl_lookup(path);
	if (!file) {
		dir = ctl_dir_lookup(path, &name);
		if (!dir)
			return -ENOENT;
		if (!ukmem_ensure_init())
			return -ENOMEM;
		return dir->store(name, value);
	}
	if (!file->store)
		return -EACCES;
	if (!ukmem_ensure_init())
		return -ENOMEM;
	/* drop_caches runs the shrinkers, which may take any lock: with no
	 * ukmem lock held, not under ctl_lock (it needs no serialising). */
	if (file->unlocked)
		return ukmem_lock_depth() > 0 ? -EAGAIN : file->store(value);
	if (!ctl_lock_acquire())
		return -EAGAIN;
	ret = file->store(value);
	ctl_lock_release();
	return ret;
}
