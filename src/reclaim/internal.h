/*
 * internal.h - what the files of the reclaim layer share.  Not for other
 * layers: they use the door, reclaim/reclaim.h.
 */
#ifndef UKMEM_RECLAIM_INTERNAL_H
#define UKMEM_RECLAIM_INTERNAL_H

#include "lib/errno.h"
#include "lib/lib.h"
#include "reclaim/reclaim.h"

#define DEF_PRIORITY		12	/* reclaim starts gently: freeable >> 12, times 4 / seeks */
#define SWAP_CLUSTER_MAX	32UL	/* pages one direct reclaim aims for */

/* /proc/vmstat drop_slab and drop_pagecache (shrinker.c). */
extern unsigned long reclaim_drop_slab_count, reclaim_drop_pagecache_count;

/* One pass over the shrinkers at priority (DEF_PRIORITY gentle .. 0 all)
 * for node nid; returns the objects freed (shrinker.c). */
unsigned long shrink_slab(gfp_t gfp, int nid, int priority);

/* The OOM step (oom.c): true if a notifier freed memory. */
bool reclaim_out_of_memory(gfp_t gfp, unsigned int order);

/* The slab layer's part of reclaim, or NULL before it started (vmscan.c). */
unsigned long (*reclaim_slab_fn(void))(gfp_t gfp, int priority);

/* Direct reclaim made progress: kswapd may try hopeless nodes again. */
void reclaim_kswapd_progress(void);

/* Start every node's kswapd thread now, from a registering caller in
 * thread context (kswapd.c). */
void reclaim_start_kswapd(void);

/* Wake the node's kswapd (kswapd.c): the page allocator's slow path. */
void reclaim_wake_kswapd(gfp_t gfp, unsigned int order, int highest_zoneidx, int nid);

/* fork child: no callback runs in the child; forget every pin (shrinker.c,
 * oom.c). */
void reclaim_unpin_all(void);
void oom_unpin_all(void);

/* Wait until *active, a count of running calls, is 0 (the unregister
 * paths); the caller made sure no new call starts. */
void reclaim_wait_idle(int *active);
/* Drop one running call; wakes reclaim_wait_idle at 0. */
void reclaim_put_active(int *active);

#endif /* UKMEM_RECLAIM_INTERNAL_H */
