/*
 * kswapd.c - the background reclaimer, one per node: woken when an
 * allocation that may wake it (__GFP_KSWAPD_RECLAIM, in every GFP_*
 * composite but GFP_NOWAIT's relatives without it) finds a zone below its
 * low watermark, it reclaims until every zone of its node is back above
 * the high watermark, then sleeps again (the kernel's kswapd and
 * balance_pgdat, less the LRU).
 *
 * Theory
 * ------
 * Hosted, each node's kswapd is a thread of ukmem's own, started when the
 * first shrinker or OOM notifier registers, or else by the first wakeup
 * from a caller that may sleep, holds no ukmem lock, is not atomic (a
 * signal handler, preempt_disable) and is not itself reclaiming: starting
 * a thread may allocate through libc and take its locks.  On the bare platform there
 * are no such threads: wakeups are recorded and the program runs
 * ukmem_kswapd_run() where its background work runs.  The option
 * kswapd=off leaves every wakeup unrecorded.
 *
 * A wakeup sets the node's pending flag and bumps its futex word; kswapd
 * clears the flag before it balances, so a wakeup during a pass makes one
 * more pass.  A pass runs as PF_MEMALLOC, from DEF_PRIORITY down to 0, the
 * shrinkers and from DEF_PRIORITY - 2 on the slab layer's free memory,
 * stopping as soon as the node is balanced.  After 16 passes in a row that
 * gave nothing back, the node is left alone until direct reclaim makes
 * progress again (the kernel's kswapd_failures).  Counted in /proc/vmstat:
 * pageoutrun (passes), kswapd_high_wmark_hit_quickly (woken with the node
 * already balanced), kswapd_low_wmark_hit_quickly (already above low, not
 * yet high).  pgscan_kswapd and pgsteal_kswapd count LRU pages, which user
 * space does not have, and stay 0.
 *
 * fork: the child has no kswapd threads; reclaim_fork_child lets the next
 * wakeup start them again.
 */
#include "lib/task.h"
#include "reclaim/internal.h"

struct kswapd_node {
	int wake_seq;		/* futex word: bumped by every wakeup */
	int pending;		/* atomic: a wakeup not yet handled */
	int started;		/* atomic: 0 none, 1 running, 2 cannot (bare) */
	int failures;		/* atomic: passes in a row that freed nothing */
};

#define KSWAPD_MAX_FAILURES 16	/* the kernel's MAX_RECLAIM_RETRIES */

static struct kswapd_node nodes[MAX_NUMNODES];
static unsigned long pageoutrun, low_quick, high_quick;	/* atomic */

static bool kswapd_enabled(void)
{
	const struct ukmem_options *opt = ukmem_started_options();

	return opt && opt->kswapd != 0;
}

/* Every populated zone of the node at or above the watermark. */
static bool node_balanced(int nid, enum zone_watermarks mark)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &NODE_DATA(nid)->node_zones[z];

		if (populated_zone(zone) &&
		    zone_page_state(zone, NR_FREE_PAGES) < wmark_pages(zone, mark))
			return false;
	}
	return true;
}

int ukmem_kswapd_run(int nid)
{
	unsigned long (*slab_fn)(gfp_t, int) = reclaim_slab_fn();
	unsigned long before, freed_pages = 0;
	unsigned int pflags;

	if (nid < 0 || nid >= ukmem_mm.nr_nodes ||
	    !__atomic_exchange_n(&nodes[nid].pending, 0, __ATOMIC_ACQ_REL))
		return 0;
	if (node_balanced(nid, WMARK_HIGH)) {
		__atomic_fetch_add(&high_quick, 1, __ATOMIC_RELAXED);
		return 1;
	}
	if (node_balanced(nid, WMARK_LOW))
		__atomic_fetch_add(&low_quick, 1, __ATOMIC_RELAXED);
	/* A node that many passes could not help is left to direct reclaim
	 * until that makes progress (the kernel's kswapd_failures). */
	if (__atomic_load_n(&nodes[nid].failures, __ATOMIC_RELAXED) >= KSWAPD_MAX_FAILURES)
		return 1;
	__atomic_fetch_add(&pageoutrun, 1, __ATOMIC_RELAXED);
	before = page_free_pages();
	pflags = memalloc_noreclaim_save();
	for (int priority = DEF_PRIORITY; priority >= 0 && !node_balanced(nid, WMARK_HIGH);
	     priority--) {
		shrink_slab(GFP_KERNEL, nid, priority);
		if (slab_fn && priority <= DEF_PRIORITY - 2)
			freed_pages += slab_fn(GFP_KERNEL, priority);
	}
	memalloc_noreclaim_restore(pflags);
	if (page_free_pages() > before || freed_pages)
		__atomic_store_n(&nodes[nid].failures, 0, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&nodes[nid].failures, 1, __ATOMIC_RELAXED);
	return 1;
}

static void kswapd_main(void *arg)
{
	int nid = (int)(long)arg;
	struct kswapd_node *k = &nodes[nid];

	for (;;) {
		int seq = __atomic_load_n(&k->wake_seq, __ATOMIC_ACQUIRE);

		if (!ukmem_kswapd_run(nid))
			ukmem_plat_wait(&k->wake_seq, seq, 1000000000ULL);
	}
}

/* Start node nid's thread if it is not running.  Starting a thread may
 * allocate through libc and take its locks: only from a caller that may
 * sleep (may_sleep), holds no ukmem lock and is no signal handler, atomic
 * section or reclaimer. */
static void start_kswapd(int nid, bool may_sleep)
{
	struct kswapd_node *k = &nodes[nid];
	int none = 0;

	if (__atomic_load_n(&k->started, __ATOMIC_ACQUIRE) || !may_sleep ||
	    ukmem_lock_depth() > 0 || ukmem_task_atomic ||
	    (ukmem_current_flags() & PF_MEMALLOC) ||
	    !__atomic_compare_exchange_n(&k->started, &none, 1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return;
	if (!ukmem_plat_thread_start(kswapd_main, (void *)(long)nid))
		__atomic_store_n(&k->started, 2, __ATOMIC_RELEASE);
}

void reclaim_kswapd_progress(void)
{
	for (int nid = 0; nid < MAX_NUMNODES; nid++)
		if (__atomic_load_n(&nodes[nid].failures, __ATOMIC_RELAXED))
			__atomic_store_n(&nodes[nid].failures, 0, __ATOMIC_RELAXED);
}

void reclaim_start_kswapd(void)
{
	if (!kswapd_enabled())
		return;
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++)
		start_kswapd(nid, true);
}

void reclaim_wake_kswapd(gfp_t gfp, unsigned int order, int highest_zoneidx, int nid)
{
	struct kswapd_node *k;

	(void)order;
	(void)highest_zoneidx;
	if (nid < 0 || nid >= ukmem_mm.nr_nodes || !kswapd_enabled())
		return;
	k = &nodes[nid];
	if (!__atomic_exchange_n(&k->pending, 1, __ATOMIC_ACQ_REL)) {
		__atomic_fetch_add(&k->wake_seq, 1, __ATOMIC_RELEASE);
		ukmem_plat_wake(&k->wake_seq, 1);
	}
	start_kswapd(nid, gfp & __GFP_DIRECT_RECLAIM);
}

void reclaim_fork_child(void)
{
	for (int nid = 0; nid < MAX_NUMNODES; nid++)
		if (__atomic_load_n(&nodes[nid].started, __ATOMIC_RELAXED) == 1)
			__atomic_store_n(&nodes[nid].started, 0, __ATOMIC_RELAXED);
	/* Pins held by threads the child does not have would make an
	 * unregister wait for ever. */
	reclaim_unpin_all();
}

bool reclaim_vm_event(const char *name, unsigned long *value)
{
	static const struct {
		const char *name;
		unsigned long *counter;
	} events[] = {
		{ "pageoutrun", &pageoutrun },
		{ "drop_slab", &reclaim_drop_slab_count },
		{ "drop_pagecache", &reclaim_drop_pagecache_count },
		{ "kswapd_low_wmark_hit_quickly", &low_quick },
		{ "kswapd_high_wmark_hit_quickly", &high_quick },
	};

	if (!ukmem_strcmp(name, "slabs_scanned")) {
		*value = reclaim_slabs_scanned();
		return true;
	}
	for (unsigned int i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (!ukmem_strcmp(name, events[i].name)) {
			*value = __atomic_load_n(events[i].counter, __ATOMIC_RELAXED);
			return true;
		}
	return false;
}
