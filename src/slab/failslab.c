/*
 * failslab.c - the kernel's failslab (mm/failslab.c): slab allocations
 * failed on purpose, by the fault attributes of lib/fault_inject.c plus
 * ignore-gfp-wait and cache-filter.
 *
 * Theory
 * ------
 * An allocation is eligible unless, in the kernel's order: it is
 * __GFP_NOFAIL; it may sleep (__GFP_DIRECT_RECLAIM) and ignore-gfp-wait is
 * Y (default); cache-filter is Y and its cache lacks SLAB_FAILSLAB (the
 * cache flag, slub_debug's A).  An eligible one asks should_fail with the
 * cache's object size (space counts bytes); __GFP_NOWARN fails it without
 * the report.
 *
 * The cost when off is nothing on the fast paths: the slab layer asks
 * should_failslab from its slow path only while DEBUG_HOOK_FAILSLAB is
 * set in ukmem_debug_hooks (debug/debug.h), and setting the bit empties
 * every thread's sheaves so that each allocation reaches the slow path.
 * The bit is set exactly while the attributes can fail something
 * (probability > 0 and times != 0): the boot option and every control-file
 * write recompute it, and the call that uses up the last of times clears
 * it, so the sheaves come back.
 *
 * Invariant: from the return of a write (or the start) that makes
 * failures possible until they are no longer, the bit is set.  The
 * clear after the last failure could race with a write that arms failures
 * again, so it clears first and then looks again (update_hook).
 *
 * Locks: none of its own; debug_hooks_set's flush takes the slab layer's
 * (it is never called with one held: from the start, a control-file write,
 * or should_failslab on the slow path before it takes any).
 */
#include "debug/debug.h"
#include "lib/fault_inject.h"
#include "slab/failslab.h"
#include "slab/slab.h"

static struct {
	struct fault_attr attr;
	bool ignore_gfp_reclaim;
	bool cache_filter;
} failslab = {
	.attr = FAULT_ATTR_INITIALIZER("failslab"),
	.ignore_gfp_reclaim = true,
	.cache_filter = false,
};

static const struct fault_file failslab_files[] = {
	{ "ignore-gfp-wait", FAULT_FILE_BOOL, &failslab.ignore_gfp_reclaim },
	{ "cache-filter", FAULT_FILE_BOOL, &failslab.cache_filter },
};

static void set_hook(bool open)
{
	if (open || (debug_hooks() & DEBUG_HOOK_FAILSLAB))
		debug_hooks_set(DEBUG_HOOK_FAILSLAB, open);
}

/* The hook bit follows the attributes (fault_attr_update_gate). */
static void update_hook(void)
{
	fault_attr_update_gate(&failslab.attr, set_hook);
}

static struct fault_dir failslab_dir = {
	.attr = &failslab.attr,
	.files = failslab_files,
	.nr_files = sizeof(failslab_files) / sizeof(failslab_files[0]),
	.changed = update_hook,
};

void failslab_setup(const char *boot_str)
{
	fault_dir_start(&failslab_dir, boot_str);
}

bool should_failslab(struct kmem_cache *s, gfp_t gfp)
{
	int flags = 0;

	if (gfp & __GFP_NOFAIL)
		return false;
	if (__atomic_load_n(&failslab.ignore_gfp_reclaim, __ATOMIC_RELAXED) &&
	    (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	if (__atomic_load_n(&failslab.cache_filter, __ATOMIC_RELAXED) &&
	    !(s->flags & SLAB_FAILSLAB))
		return false;
	/* The report prints, and a __GFP_NOWARN caller may hold what printing
	 * needs (the kernel's reason, commit 6b9dbedbe349). */
	if (gfp & __GFP_NOWARN)
		flags |= FAULT_NOWARN;
	if (!should_fail_ex(&failslab.attr, (long)s->object_size, flags))
		return false;
	if (!fault_attr_possible(&failslab.attr))
		update_hook();
	return true;
}
