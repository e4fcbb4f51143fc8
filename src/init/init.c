/*
 * init.c - ukmem's own entry points at the top of the layers: ukmem_init()
 * and the fork() handlers.  Nothing below calls up here: the start on
 * first use is the page allocator's (src/page/start.c), which ukmem_init
 * also goes through, and the fork handlers walk the lock table of
 * src/lib/lockrank.h.
 */
#include "lib/errno.h"
#include "page/page.h"
#include "reclaim/reclaim.h"
#include "slab/slab_api.h"

int ukmem_init(const char *options)
{
	struct ukmem_options opt;
	int ret;

	if (ukmem_initialized())
		return -EBUSY;
	ret = ukmem_options_parse(options, &opt);
	if (ret) {
		ukmem_printk("ukmem: options rejected: \"%s\"\n", options);
		return ret;
	}
	ret = ukmem_start(&opt);
	if (ret == 0)
		slab_apply_options(&opt);
	return ret;
}

/*
 * fork(): the child has one thread; any lock another thread held at the
 * fork would stay locked for ever, and the structure it guarded could be
 * half updated.  So prepare takes every lock of the table in
 * src/lib/lockrank.h, in rank order, and both sides release them.
 */
void ukmem_fork_prepare(void)
{
	ukmem_lock_all();
}

void ukmem_fork_parent(void)
{
	ukmem_unlock_all();
}

/* The child also forgets the other threads' sheaves (sheaf.c). */
void ukmem_fork_child(void)
{
	if (ukmem_initialized()) {
		sheaves_fork_child();
		reclaim_fork_child();
		kmemleak_fork_child();
	}
	ukmem_unlock_all();
}
