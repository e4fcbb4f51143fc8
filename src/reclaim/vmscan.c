/*
 * vmscan.c - direct reclaim: what an allocation that may sleep does when
 * the page allocator finds memory short (the kernel's try_to_free_pages,
 * less the LRU of file and anonymous pages that user space does not have).
 *
 * Theory
 * ------
 * The reclaiming thread marks itself PF_MEMALLOC for the duration, as the
 * kernel's __perform_reclaim does: an allocation made by a shrinker then
 * never reclaims again (no recursion) and may use the reserves.  Reclaim
 * walks the priorities from DEF_PRIORITY (gentle) down to 0 (everything)
 * and stops as soon as SWAP_CLUSTER_MAX pages, or the allocation's own
 * size, have come back to the free lists.  At each priority the shrinkers
 * run first; from DEF_PRIORITY - 2 on, the slab layer also gives back its
 * empty slabs and what the per-thread caches hold, since freed objects
 * become free pages only when whole slabs empty.
 *
 * Progress, what the page allocator's retry policy reads, is the pages
 * that came back while this thread reclaimed (the free count's rise,
 * which other threads' frees may add to, as the kernel's watermark check
 * after reclaim also sees them), plus the slab pages the slab layer gave
 * back.  Objects freed without pages coming back are no progress.
 *
 * The layer plugs into the page allocator the first time anything that
 * can give memory back registers (reclaim_plug_in).
 */
#include "reclaim/internal.h"

static unsigned long (*slab_reclaim)(gfp_t gfp, int priority);

void reclaim_set_slab_reclaim(unsigned long (*fn)(gfp_t gfp, int priority))
{
	__atomic_store_n(&slab_reclaim, fn, __ATOMIC_RELEASE);
	reclaim_plug_in();
}

unsigned long (*reclaim_slab_fn(void))(gfp_t gfp, int priority)
{
	return __atomic_load_n(&slab_reclaim, __ATOMIC_ACQUIRE);
}

static unsigned long direct_reclaim(gfp_t gfp, unsigned int order, int nid)
{
	unsigned long (*slab_fn)(gfp_t, int) = reclaim_slab_fn();
	unsigned long want = (1UL << order) > SWAP_CLUSTER_MAX ? 1UL << order : SWAP_CLUSTER_MAX;
	unsigned long before = page_free_pages(), slab_pages = 0, now = before;
	unsigned int pflags = memalloc_noreclaim_save();

	for (int priority = DEF_PRIORITY; priority >= 0; priority--) {
		int n;

		for_each_online_node(n)
			shrink_slab(gfp, n == nid ? nid : n, priority);
		if (slab_fn && priority <= DEF_PRIORITY - 2)
			slab_pages += slab_fn(gfp, priority);
		now = page_free_pages();
		if (now >= before + want)
			break;
	}
	memalloc_noreclaim_restore(pflags);
	if (now > before || slab_pages)
		reclaim_kswapd_progress();
	return (now > before ? now - before : 0) + slab_pages;
}

static const struct page_reclaim_ops ops = {
	.direct_reclaim = direct_reclaim,
	.out_of_memory = reclaim_out_of_memory,
	.wake_kswapd = reclaim_wake_kswapd,
};

void reclaim_plug_in(void)
{
	page_set_reclaim_ops(&ops);
}
