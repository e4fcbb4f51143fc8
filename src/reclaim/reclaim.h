/*
 * reclaim.h - the reclaim layer's door: what the layers above src/reclaim
 * may use besides the public API (ukmem/shrinker.h, ukmem/oom.h,
 * ukmem/sched_mm.h).
 *
 * The layer owns direct reclaim (vmscan.c: what an allocation that may
 * sleep does when memory is short), the shrinkers (shrinker.c) and the OOM
 * step (oom.c).  It plugs into the page allocator from above through
 * page_set_reclaim_ops, registered downward the first time anything that
 * can give memory back registers: a shrinker, an OOM notifier, or the slab
 * layer at its start (reclaim_set_slab_reclaim).
 */
#ifndef UKMEM_RECLAIM_RECLAIM_H
#define UKMEM_RECLAIM_RECLAIM_H

#include <ukmem/oom.h>
#include <ukmem/sched_mm.h>
#include <ukmem/shrinker.h>

#include "page/page.h"

/*
 * The slab layer's own reclaim, run by direct reclaim after the
 * shrinkers: give back empty slabs and what the per-thread caches hold.
 * Returns the pages it gave back.  Called with no ukmem lock held by
 * reclaim itself, but maybe with the allocating caller's (the slab layer
 * checks ukmem_lock_would_wait before it takes its own).
 */
void reclaim_set_slab_reclaim(unsigned long (*fn)(gfp_t gfp, int priority));

/* Every shrinker until little more is freed: /proc/sys/vm/drop_caches
 * (2 or 3).  Returns the objects freed. */
unsigned long reclaim_drop_slab(void);
/* drop_caches 1: no page cache here, but the kernel counts the event. */
void reclaim_note_drop_pagecache(void);

/* Objects the shrinkers were asked to scan, summed (vmstat slabs_scanned). */
unsigned long reclaim_slabs_scanned(void);

/* Make the page allocator call into reclaim (idempotent). */
void reclaim_plug_in(void);

/* fork(): the child has no kswapd threads; the next wakeup starts them. */
void reclaim_fork_child(void);

/* The value of a /proc/vmstat event that reclaim counts (slabs_scanned,
 * pageoutrun, kswapd_*_wmark_hit_quickly); false for the others. */
bool reclaim_vm_event(const char *name, unsigned long *value);

#endif /* UKMEM_RECLAIM_RECLAIM_H */
