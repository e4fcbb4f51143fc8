/*
 * fail_page_alloc.c - the kernel's fail_page_alloc (mm/fail_page_alloc.c):
 * page allocations failed on purpose, by the fault attributes of
 * lib/fault_inject.c plus three of its own.
 *
 * Theory
 * ------
 * An allocation is eligible unless one of these spares it, in the
 * kernel's order: its order is below min-order (default 1: single pages
 * are left alone, as most callers cannot handle their failure); it is
 * __GFP_NOFAIL; it asks for __GFP_HIGHMEM and ignore-gfp-highmem is Y
 * (default); it may sleep (__GFP_DIRECT_RECLAIM) and ignore-gfp-wait is Y
 * (default).  An eligible one asks should_fail with its size in pages
 * (space counts pages here); __GFP_NOWARN fails it without the report.
 *
 * The cost when off is one load of fail_page_alloc_live and a branch the
 * predictor learns at once, at ukmem_alloc_pages' entry (internal.h's
 * fail_page_alloc()).  The flag is true exactly while the attributes can
 * fail something (probability > 0 and times != 0): the boot option and
 * every control-file write recompute it, and the call that uses up the
 * last of times clears it.
 *
 * Invariant: from the return of a write (or the start) that makes
 * failures possible until they are no longer, live is true.  The
 * clearing after the last failure could race with a write that arms
 * failures again, so it clears first and then looks again (update_live).
 *
 * Locks: none (the attributes are atomics, lib/fault_inject.c).
 */
#include "lib/fault_inject.h"
#include "page/internal.h"

bool fail_page_alloc_live;

static struct {
	struct fault_attr attr;
	bool ignore_gfp_highmem;
	bool ignore_gfp_reclaim;
	unsigned int min_order;
} fail_page_alloc_cfg = {
	.attr = FAULT_ATTR_INITIALIZER("fail_page_alloc"),
	.ignore_gfp_highmem = true,
	.ignore_gfp_reclaim = true,
	.min_order = 1,
};

static const struct fault_file fail_page_alloc_files[] = {
	{ "ignore-gfp-wait", FAULT_FILE_BOOL, &fail_page_alloc_cfg.ignore_gfp_reclaim },
	{ "ignore-gfp-highmem", FAULT_FILE_BOOL, &fail_page_alloc_cfg.ignore_gfp_highmem },
	{ "min-order", FAULT_FILE_U32, &fail_page_alloc_cfg.min_order },
};

static void set_live(bool open)
{
	__atomic_store_n(&fail_page_alloc_live, open, __ATOMIC_RELAXED);
}

/* fail_page_alloc_live follows the attributes (fault_attr_update_gate). */
static void update_live(void)
{
	fault_attr_update_gate(&fail_page_alloc_cfg.attr, set_live);
}

static struct fault_dir fail_page_alloc_dir = {
	.attr = &fail_page_alloc_cfg.attr,
	.files = fail_page_alloc_files,
	.nr_files = sizeof(fail_page_alloc_files) / sizeof(fail_page_alloc_files[0]),
	.changed = update_live,
};

void fail_page_alloc_setup(const char *boot_str)
{
	fault_dir_start(&fail_page_alloc_dir, boot_str);
}

bool should_fail_alloc_page(gfp_t gfp, unsigned int order)
{
	int flags = 0;

	if (order < __atomic_load_n(&fail_page_alloc_cfg.min_order, __ATOMIC_RELAXED))
		return false;
	if (gfp & __GFP_NOFAIL)
		return false;
	if (__atomic_load_n(&fail_page_alloc_cfg.ignore_gfp_highmem, __ATOMIC_RELAXED) &&
	    (gfp & __GFP_HIGHMEM))
		return false;
	if (__atomic_load_n(&fail_page_alloc_cfg.ignore_gfp_reclaim, __ATOMIC_RELAXED) &&
	    (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	/* The report prints, and a __GFP_NOWARN caller may hold what printing
	 * needs (the kernel's reason, commit 6b9dbedbe349). */
	if (gfp & __GFP_NOWARN)
		flags |= FAULT_NOWARN;
	if (!should_fail_ex(&fail_page_alloc_cfg.attr, 1L << order, flags))
		return false;
	if (!fault_attr_possible(&fail_page_alloc_cfg.attr))
		update_live();
	return true;
}
