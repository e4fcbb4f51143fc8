/*
 * debugfs_kmemleak.c - /sys/kernel/debug/kmemleak: reading renders every
 * suspected leak reported so far (the kernel's seq file), writing runs a
 * command (scan, clear, off, stack=on|off, scan=on|off, scan=<secs>,
 * dump=<addr>).  Both are kmemleak's own (debug/kmemleak.h); this file
 * only puts them in ctl.c's table.
 *
 * Locks: none here.  The row is marked unlocked: a scan stops every other
 * thread and may take long, and must not hold ctl_lock meanwhile.
 */
#include "debug/debug.h"
#include "stats/stats.h"

int stats_kmemleak_show(struct seq_buf *s)
{
	return kmemleak_show(s);
}

int stats_kmemleak_store(const char *value)
{
	return kmemleak_write(value);
}
