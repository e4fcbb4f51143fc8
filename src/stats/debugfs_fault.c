/*
 * debugfs_fault.c - the fault-injection control files: one directory per
 * capability under /sys/kernel/debug (failslab, fail_page_alloc), with
 * the kernel's file names and formats.
 *
 * The attributes and the parsing are lib/fault_inject.c's; the owners
 * (src/slab/failslab.c, src/page/fail_page_alloc.c) register their
 * directories when their layers start.  So this file only splits a path
 * and makes sure both layers have started, which registers both.
 *
 * Locks: none here (the attributes are atomics); a write that switches the
 * failslab hook flushes the sheaves under the slab layer's locks.
 */
#include "lib/fault_inject.h"
#include "slab/slab_api.h"
#include "stats/stats.h"

static struct fault_dir *fault_dir(const char *dir)
{
	return slab_ensure_init() ? fault_dir_lookup(dir) : NULL;
}

static int fault_show(const char *dir_name, const char *file, struct seq_buf *s)
{
	struct fault_dir *dir = fault_dir(dir_name);

	return dir ? fault_dir_show(dir, file, s) : -ENOENT;
}

static int fault_store(const char *dir_name, const char *file, const char *value)
{
	struct fault_dir *dir = fault_dir(dir_name);

	return dir ? fault_dir_store(dir, file, value) : -ENOENT;
}

int stats_failslab_show(const char *name, struct seq_buf *s)
{
	return fault_show("failslab", name, s);
}

int stats_failslab_store(const char *name, const char *value)
{
	return fault_store("failslab", name, value);
}

int stats_fail_page_alloc_show(const char *name, struct seq_buf *s)
{
	return fault_show("fail_page_alloc", name, s);
}

int stats_fail_page_alloc_store(const char *name, const char *value)
{
	return fault_store("fail_page_alloc", name, value);
}
