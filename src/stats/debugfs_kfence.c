/*
 * debugfs_kfence.c - /sys/kernel/debug/kfence/stats and
 * /sys/kernel/debug/kfence/objects, the kernel's KFENCE debugfs files.
 * KFENCE (debug/kfence.c) renders them: the counters and the objects are
 * its own.  Unlike the kernel, which creates the directory only when
 * KFENCE starts enabled, the files always exist: "enabled: 0" says that
 * KFENCE is off, and the objects file is then empty.
 *
 * Locks: KFENCE takes kfence_lock itself, once per object.
 */
#include "debug/debug.h"
#include "stats/stats.h"

int stats_kfence_stats_show(struct seq_buf *s)
{
	kfence_stats_show(s);
	return 0;
}

int stats_kfence_objects_show(struct seq_buf *s)
{
	kfence_objects_show(s);
	return 0;
}
