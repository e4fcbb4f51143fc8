/*
 * slabinfo.c - /proc/slabinfo, format version 2.1.
 *
 * The kernel's text, from Linux 6.6 mm/slab_common.c (print_slabinfo_header,
 * slab_show, cache_show) and SLUB's get_slabinfo in mm/slub.c, as
 * summarised in linux-mm.md section 3.9: a two-line header, then one row
 * per cache.  SLUB has no tunables and no shared arrays, so those columns
 * are always 0, and active_slabs repeats num_slabs.
 *
 * Order.  The kernel's file walks slab_caches from its head, and the kernel
 * adds each new cache at the head (list_add in create_cache): the newest
 * cache comes first and the boot cache kmem_cache last.  ukmem keeps
 * slab_caches oldest first (list_add_tail: merging searches newest first
 * by walking backwards), so the rows are printed walking backwards.
 *
 * The numbers come from slub_count: active_objs is every object of the
 * cache's slabs minus the free ones on the node partial lists.  An object
 * in some owner's sheaf or in a barn is therefore active, exactly as SLUB
 * counts the objects of per-CPU slabs.  An alias (a cache that
 * kmem_cache_create merged into an older one) has no row of its own: it is
 * counted under the first cache's name, as in the kernel.
 *
 * Locks: slab_mutex across the walk (the kernel's slab_start/slab_stop),
 * then each node's list_lock inside slub_count.  The thread counts as
 * inside ukmem meanwhile (stats_slab_lock), so a signal handler that
 * interrupts the read only tries those locks and cannot wait for its own
 * thread.
 */
#include "stats/stats.h"
#include "slab/slab_api.h"

bool stats_slab_lock(void)
{
	if (ukmem_lock_depth() > 0)
		return false;
	return ukmem_lock(&slab_mutex);
}

void stats_slab_unlock(void)
{
	ukmem_unlock(&slab_mutex);
}

/* print_slabinfo_header (no CONFIG_DEBUG_SLAB statistics columns). */
static void slabinfo_header(struct seq_buf *m)
{
	ukmem_seq_puts(m, "slabinfo - version: 2.1\n");
	ukmem_seq_puts(m, "# name            <active_objs> <num_objs> <objsize> <objperslab> "
			  "<pagesperslab>");
	ukmem_seq_puts(m, " : tunables <limit> <batchcount> <sharedfactor>");
	ukmem_seq_puts(m, " : slabdata <active_slabs> <num_slabs> <sharedavail>");
	ukmem_seq_puts(m, "\n");
}

/* cache_show with SLUB's get_slabinfo. */
static void slabinfo_cache(struct seq_buf *m, struct kmem_cache *s)
{
	struct slub_counts c;

	slub_count(s, &c);
	ukmem_seq_printf(m, "%-17s %6lu %6lu %6u %4u %4d", s->name, c.active_objs, c.num_objs,
			 s->size, oo_objects(s->oo), 1 << oo_order(s->oo));
	ukmem_seq_printf(m, " : tunables %4u %4u %4u", 0U, 0U, 0U);
	ukmem_seq_printf(m, " : slabdata %6lu %6lu %6lu", c.num_slabs, c.num_slabs, 0UL);
	ukmem_seq_puts(m, "\n");
}

int stats_slabinfo_show(struct seq_buf *m)
{
	struct list_head *pos;

	if (!slab_ensure_init())
		return -ENOMEM;
	if (!stats_slab_lock())
		return -EAGAIN;
	/* The kernel prints the header with the first row (slab_show), so an
	 * empty list would print nothing; the boot cache is always there. */
	if (!list_empty(&slab_caches))
		slabinfo_header(m);
	for (pos = slab_caches.prev; pos != &slab_caches; pos = pos->prev)
		slabinfo_cache(m, list_entry(pos, struct kmem_cache, list));
	stats_slab_unlock();
	return 0;
}
