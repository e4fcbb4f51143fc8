/*
 * test_reclaim.c - the GFP flags under real memory pressure: an arena of
 * 64 MiB filled to the last page (every reserve included), with a cache of
 * pages that a shrinker can give back.  Each test checks what a kernel
 * programmer expects of one flag: GFP_KERNEL reclaims through the
 * shrinkers, GFP_ATOMIC and GFP_NOWAIT never do, GFP_NOFS / GFP_NOIO and
 * the memalloc scopes reach the shrinkers as a mask without __GFP_FS /
 * __GFP_IO, __GFP_NORETRY reclaims once, __GFP_RETRY_MAYFAIL retries while
 * reclaim makes progress and never runs the OOM step, and when nothing
 * can be reclaimed the OOM notifiers run and the kernel's report is
 * printed.  Also drop_caches, the vmstat counters and bad shrinkers.
 * kswapd=off: what one allocation does, with no background reclaimer
 * freeing pages in between (test_kswapd.c tests that one).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>

#include <ukmem.h>

#include "harness.h"
#include "log.h"
#include "ctl.h"
#include "reclaim/internal.h"

/* ---- the arena, full ---------------------------------------------------------- */

#define MAX_PINNED (64 << 8)	/* pages of 64 MiB */

static struct page *pinned[MAX_PINNED];
static int nr_pinned;

/* Take every free page, reserves included, without reclaim. */
static void fill_arena(void)
{
	struct page *p;

	while (nr_pinned < MAX_PINNED &&
	       (p = alloc_pages(GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOWARN, 0)) != NULL)
		pinned[nr_pinned++] = p;
	ukmem_drain_all();
	while (nr_pinned < MAX_PINNED &&
	       (p = alloc_pages(GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOWARN, 0)) != NULL)
		pinned[nr_pinned++] = p;
}

static void unpin(int n)
{
	while (n-- > 0 && nr_pinned > 0)
		__free_pages(pinned[--nr_pinned], 0);
}

/* ---- a cache that a shrinker empties --------------------------------------------- */

static struct {
	struct page *pages[MAX_PINNED];
	int nr;
	bool needs_fs;			/* refuse without __GFP_FS */
	bool needs_io;
	int count_calls, scan_calls, stops;
	gfp_t last_mask;
	unsigned long last_nr_to_scan;
} cache;

static unsigned long cache_count(struct shrinker *s, struct shrink_control *sc)
{
	(void)s;
	cache.count_calls++;
	cache.last_mask = sc->gfp_mask;
	return cache.nr ? (unsigned long)cache.nr : SHRINK_EMPTY;
}

static unsigned long cache_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long freed = 0;

	(void)s;
	cache.scan_calls++;
	cache.last_mask = sc->gfp_mask;
	cache.last_nr_to_scan = sc->nr_to_scan;
	if ((cache.needs_fs && !(sc->gfp_mask & __GFP_FS)) ||
	    (cache.needs_io && !(sc->gfp_mask & __GFP_IO))) {
		cache.stops++;
		return SHRINK_STOP;
	}
	while (freed < sc->nr_to_scan && cache.nr > 0) {
		__free_pages(cache.pages[--cache.nr], 0);
		freed++;
	}
	return freed;
}

static struct shrinker *cache_shrinker;

/* Move n pinned pages into the cache (the arena stays full). */
static void cache_take(int n)
{
	while (n-- > 0 && nr_pinned > 0)
		cache.pages[cache.nr++] = pinned[--nr_pinned];
}

static void cache_reset_counts(void)
{
	cache.count_calls = cache.scan_calls = cache.stops = 0;
	cache.last_mask = 0;
	cache.needs_fs = cache.needs_io = false;
}

/* allocstall of every zone type. */
static unsigned long allocstalls(void)
{
	return read_vmstat("allocstall_dma") + read_vmstat("allocstall_dma32") + read_vmstat("allocstall_normal") +
	       read_vmstat("allocstall_movable");
}

/* A full arena with a cache of n pages; returns after the checks of the
 * state every test starts from. */
static void pressure(int n)
{
	cache_reset_counts();
	fill_arena();
	cache_take(n);
	EXPECT_TRUE(alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 0) == NULL);
}

static void release_all(void)
{
	while (cache.nr > 0)
		__free_pages(cache.pages[--cache.nr], 0);
	unpin(nr_pinned);
}

/* ---- the flags ---------------------------------------------------------------- */

TEST(gfp_kernel_reclaims_through_the_shrinker)
{
	unsigned long stalls = allocstalls(), scanned = read_vmstat("slabs_scanned");
	size_t mark = log_mark();
	struct page *p;

	pressure(4096);
	p = alloc_pages(GFP_KERNEL, 0);
	ASSERT_NOT_NULL(p);
	EXPECT_GT(cache.scan_calls, 0);
	EXPECT_LT(cache.nr, 4096);
	EXPECT_TRUE((cache.last_mask & GFP_KERNEL) == GFP_KERNEL);
	EXPECT_GT(allocstalls(), stalls);
	EXPECT_GT(read_vmstat("slabs_scanned"), scanned);
	EXPECT_EQ(log_count_since(mark, "page allocation failure"), 0);
	EXPECT_EQ(log_count_since(mark, "invoked oom-killer"), 0);
	__free_pages(p, 0);
	release_all();
}

TEST(gfp_atomic_and_nowait_never_reclaim)
{
	unsigned long stalls = allocstalls();

	pressure(4096);
	EXPECT_TRUE(alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0) == NULL);
	EXPECT_TRUE(alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 0) == NULL);
	EXPECT_TRUE(kmalloc(8192, GFP_ATOMIC | __GFP_NOWARN) == NULL);
	EXPECT_EQ(cache.count_calls, 0);
	EXPECT_EQ(cache.scan_calls, 0);
	EXPECT_EQ(cache.nr, 4096);
	EXPECT_UEQ(allocstalls(), stalls);
	release_all();
}

TEST(gfp_nofs_reaches_the_shrinker_without_fs)
{
	size_t mark = log_mark();
	struct page *p;

	pressure(4096);
	cache.needs_fs = true;
	p = alloc_pages(GFP_NOFS | __GFP_NOWARN, 0);
	EXPECT_TRUE(p == NULL);		/* the only reclaimable memory needs FS */
	EXPECT_GT(cache.stops, 0);
	EXPECT_TRUE(cache.last_mask & __GFP_IO);
	EXPECT_FALSE(cache.last_mask & __GFP_FS);
	EXPECT_EQ(cache.nr, 4096);
	/* No OOM step without __GFP_FS, as in the kernel. */
	EXPECT_EQ(log_count_since(mark, "invoked oom-killer"), 0);
	/* GFP_KERNEL may enter the file system: the same shrinker frees. */
	p = alloc_pages(GFP_KERNEL, 0);
	ASSERT_NOT_NULL(p);
	EXPECT_TRUE(cache.last_mask & __GFP_FS);
	EXPECT_LT(cache.nr, 4096);
	__free_pages(p, 0);
	release_all();
}

TEST(gfp_noio_clears_io_and_fs)
{
	pressure(4096);
	cache.needs_io = true;
	EXPECT_TRUE(alloc_pages(GFP_NOIO | __GFP_NOWARN, 0) == NULL);
	EXPECT_GT(cache.stops, 0);
	EXPECT_FALSE(cache.last_mask & (__GFP_IO | __GFP_FS));
	EXPECT_TRUE(cache.last_mask & __GFP_DIRECT_RECLAIM);
	EXPECT_EQ(cache.nr, 4096);
	release_all();
}

TEST(scopes_make_gfp_kernel_nofs_and_noio)
{
	unsigned int nofs, noio;

	pressure(4096);
	cache.needs_fs = true;
	nofs = memalloc_nofs_save();
	EXPECT_TRUE(alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0) == NULL);
	EXPECT_FALSE(cache.last_mask & __GFP_FS);
	EXPECT_TRUE(cache.last_mask & __GFP_IO);
	noio = memalloc_noio_save();
	EXPECT_TRUE(current_gfp_context(GFP_KERNEL) == (GFP_KERNEL & ~(__GFP_IO | __GFP_FS)));
	EXPECT_TRUE(alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0) == NULL);
	EXPECT_FALSE(cache.last_mask & (__GFP_IO | __GFP_FS));
	memalloc_noio_restore(noio);
	EXPECT_TRUE(current_gfp_context(GFP_KERNEL) == (GFP_KERNEL & ~__GFP_FS));
	memalloc_nofs_restore(nofs);
	EXPECT_TRUE(current_gfp_context(GFP_KERNEL) == GFP_KERNEL);
	EXPECT_EQ(cache.nr, 4096);
	release_all();
}

TEST(scopes_restored_out_of_order_are_reported)
{
	size_t mark = log_mark();
	unsigned int outer, inner;

	outer = memalloc_nofs_save();
	inner = memalloc_nofs_save();
	memalloc_nofs_restore(outer);	/* the outer scope ends first */
	memalloc_nofs_restore(inner);	/* would set NOFS again for good */
	EXPECT_FALSE(ukmem_current_flags() & PF_MEMALLOC_NOFS);
	EXPECT_EQ(log_count_since(mark, "memalloc_nofs_restore() out of order"), 1);
	mark = log_mark();
	memalloc_noio_restore(0);	/* no scope open */
	EXPECT_EQ(log_count_since(mark, "memalloc_noio_restore() without a memalloc_noio_save()"),
		  1);
	EXPECT_FALSE(ukmem_current_flags() & PF_MEMALLOC_NOIO);
}

static void *other_thread_context(void *arg)
{
	*(gfp_t *)arg = current_gfp_context(GFP_KERNEL);
	return NULL;
}

TEST(scopes_nest_and_are_per_thread)
{
	unsigned int a = memalloc_nofs_save();
	unsigned int b = memalloc_nofs_save();	/* nested: already set */
	gfp_t other = 0;
	pthread_t t;

	EXPECT_UEQ(a, 0);
	EXPECT_UEQ(b, PF_MEMALLOC_NOFS);
	ASSERT_EQ(pthread_create(&t, NULL, other_thread_context, &other), 0);
	pthread_join(t, NULL);
	EXPECT_UEQ(other, GFP_KERNEL);
	memalloc_nofs_restore(b);
	EXPECT_TRUE(ukmem_current_flags() & PF_MEMALLOC_NOFS);	/* the outer scope holds */
	memalloc_nofs_restore(a);
	EXPECT_FALSE(ukmem_current_flags() & PF_MEMALLOC_NOFS);
}

/* A shrinker that gives back one page a call: slow progress. */
static int trickle_left;

static unsigned long trickle_count(struct shrinker *s, struct shrink_control *sc)
{
	(void)s;
	(void)sc;
	return trickle_left ? 1000 : SHRINK_EMPTY;
}

static unsigned long trickle_scan(struct shrinker *s, struct shrink_control *sc)
{
	(void)s;
	(void)sc;
	if (!trickle_left || !nr_pinned)
		return SHRINK_STOP;
	trickle_left--;
	unpin(1);
	return 1;
}

TEST(noretry_reclaims_once_retry_mayfail_while_progress)
{
	struct shrinker *t = shrinker_alloc(0, "trickle");
	unsigned long stalls;
	size_t mark;

	ASSERT_NOT_NULL(t);
	t->count_objects = trickle_count;
	t->scan_objects = trickle_scan;
	t->batch = 1;
	shrinker_register(t);
	pressure(0);

	/* __GFP_NORETRY: one reclaim pass, then NULL without the OOM step. */
	trickle_left = 1;
	stalls = allocstalls();
	mark = log_mark();
	EXPECT_TRUE(alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0) == NULL);
	EXPECT_UEQ(allocstalls(), stalls + 1);
	EXPECT_EQ(log_count_since(mark, "invoked oom-killer"), 0);

	/* __GFP_RETRY_MAYFAIL: slow progress, a page a scan, until above
	 * the watermark; then it succeeds, with no OOM step (how many passes
	 * that takes depends on when the per-CPU lists spill). */
	trickle_left = 100000;
	stalls = allocstalls();
	mark = log_mark();
	{
		struct page *p = alloc_pages(GFP_KERNEL | __GFP_RETRY_MAYFAIL, 0);

		ASSERT_NOT_NULL(p);
		EXPECT_GE(allocstalls(), stalls + 1);
		EXPECT_LT(trickle_left, 100000);
		EXPECT_EQ(log_count_since(mark, "invoked oom-killer"), 0);
		__free_pages(p, 0);
	}
	/* Once reclaim makes no progress it fails, still without OOM. */
	fill_arena();
	trickle_left = 0;
	mark = log_mark();
	EXPECT_TRUE(alloc_pages(GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN, 0) == NULL);
	EXPECT_EQ(log_count_since(mark, "invoked oom-killer"), 0);
	shrinker_free(t);
	release_all();
}

/* ---- waiting for memory others free --------------------------------------------------- */

static struct page *big_block;
static int oom_waits_seen;	/* atomic */

static void *free_block_later(void *arg)
{
	(void)arg;
	usleep(2000);
	__free_pages(big_block, 9);	/* 2 MiB, above the min watermark: straight to the buddy lists */
	return NULL;
}

static int oom_count_only(struct notifier_block *nb, unsigned long action, void *data)
{
	(void)nb;
	(void)action;
	(void)data;
	__atomic_fetch_add(&oom_waits_seen, 1, __ATOMIC_RELAXED);
	return NOTIFY_DONE;
}

TEST(gfp_kernel_waits_for_memory_another_thread_frees)
{
	struct notifier_block nb = { .notifier_call = oom_count_only };
	size_t mark = log_mark();
	struct page *p;
	pthread_t t;

	big_block = alloc_pages(GFP_KERNEL, 9);
	ASSERT_NOT_NULL(big_block);
	ASSERT_EQ(register_oom_notifier(&nb), 0);
	pressure(0);			/* nothing reclaimable */
	oom_waits_seen = 0;
	ASSERT_EQ(pthread_create(&t, NULL, free_block_later, NULL), 0);
	p = alloc_pages(GFP_KERNEL, 0);	/* reclaim finds nothing, waits, is woken */
	pthread_join(t, NULL);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(__atomic_load_n(&oom_waits_seen, __ATOMIC_RELAXED), 0);
	EXPECT_EQ(log_count_since(mark, "invoked oom-killer"), 0);
	__free_pages(p, 0);
	EXPECT_EQ(unregister_oom_notifier(&nb), 0);
	release_all();
}

/* ---- out of memory ----------------------------------------------------------------- */

static int oom_calls;
static int oom_give;		/* pages to give back */

static int oom_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	(void)nb;
	(void)action;
	oom_calls++;
	if (oom_give > 0) {
		unpin(oom_give);
		*(unsigned long *)data += (unsigned long)oom_give;
		oom_give = 0;
		return NOTIFY_OK;
	}
	return NOTIFY_DONE;
}

static struct notifier_block oom_nb = { .notifier_call = oom_notify };

TEST(oom_notifier_frees_and_the_allocation_succeeds)
{
	size_t mark = log_mark();
	struct page *p;

	ASSERT_EQ(register_oom_notifier(&oom_nb), 0);
	EXPECT_EQ(register_oom_notifier(&oom_nb), -17);	/* -EEXIST */
	pressure(0);
	oom_calls = 0;
	oom_give = 1024;
	p = alloc_pages(GFP_KERNEL, 0);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(oom_calls, 1);
	EXPECT_EQ(log_count_since(mark, "invoked oom-killer"), 0);
	__free_pages(p, 0);
	EXPECT_EQ(unregister_oom_notifier(&oom_nb), 0);
	EXPECT_EQ(unregister_oom_notifier(&oom_nb), -2);	/* -ENOENT */
	release_all();
}

TEST(out_of_memory_reports_and_fails)
{
	size_t mark;
	struct page *p;

	ASSERT_EQ(register_oom_notifier(&oom_nb), 0);
	pressure(0);
	oom_calls = 0;
	oom_give = 0;
	mark = log_mark();
	p = alloc_pages(GFP_KERNEL, 0);
	EXPECT_TRUE(p == NULL);
	EXPECT_EQ(oom_calls, 1);
	EXPECT_CONTAINS(log_text + mark, "invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, "
					 "oom_score_adj=0");
	EXPECT_CONTAINS(log_text + mark, "Out of memory and no killable processes...");
	EXPECT_CONTAINS(log_text + mark, "page allocation failure: order:0");
	/* Costly orders and __GFP_THISNODE skip the OOM step. */
	oom_calls = 0;
	EXPECT_TRUE(alloc_pages(GFP_KERNEL | __GFP_NOWARN, 4) == NULL);
	EXPECT_TRUE(alloc_pages(GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, 0) == NULL);
	EXPECT_EQ(oom_calls, 0);
	EXPECT_EQ(unregister_oom_notifier(&oom_nb), 0);
	release_all();
}

/* An OOM notifier that allocates: PF_MEMALLOC keeps it out of reclaim. */
static int alloc_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct page *p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);

	(void)nb;
	(void)action;
	(void)data;
	oom_calls++;
	EXPECT_TRUE(ukmem_current_flags() & PF_MEMALLOC);
	if (p)
		__free_pages(p, 0);
	return NOTIFY_DONE;
}

TEST(oom_notifier_that_allocates_is_reported_and_survived)
{
	struct notifier_block nb = { .notifier_call = alloc_notify };
	size_t mark = log_mark();

	ASSERT_EQ(register_oom_notifier(&nb), 0);
	pressure(0);
	oom_calls = 0;
	EXPECT_TRUE(alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0) == NULL);
	EXPECT_EQ(oom_calls, 1);
	EXPECT_EQ(log_count_since(mark, "WARNING: an OOM notifier allocates"), 1);
	EXPECT_EQ(log_count_since(mark, "BUG: sleeping function"), 0);
	EXPECT_EQ(unregister_oom_notifier(&nb), 0);
	release_all();
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* ---- drop_caches -------------------------------------------------------------------- */

TEST(drop_caches_runs_every_shrinker)
{
	char buf[64];
	size_t mark = log_mark();

	cache_reset_counts();
	fill_arena();
	cache_take(3000);
	unpin(nr_pinned);		/* no pressure: drop_caches alone */
	EXPECT_EQ(ukmem_ctl_write("/proc/sys/vm/drop_caches", "1"), 0);
	EXPECT_EQ(cache.nr, 3000);	/* the page cache: nothing here */
	EXPECT_EQ(ukmem_ctl_write("/proc/sys/vm/drop_caches", "2"), 0);
	EXPECT_EQ(cache.nr, 0);
	EXPECT_EQ(log_count_since(mark, "drop_caches: 2"), 1);
	EXPECT_UEQ(read_vmstat("drop_slab"), 1);
	EXPECT_UEQ(read_vmstat("drop_pagecache"), 1);
	mark = log_mark();
	EXPECT_EQ(ukmem_ctl_write("/proc/sys/vm/drop_caches", "4"), 0);
	EXPECT_EQ(log_count_since(mark, "drop_caches: 4"), 1);	/* said, then quiet */
	mark = log_mark();
	EXPECT_EQ(ukmem_ctl_write("/proc/sys/vm/drop_caches", "3"), 0);
	EXPECT_EQ(log_count_since(mark, "drop_caches"), 0);	/* 4 silenced it */
	EXPECT_EQ(ukmem_ctl_write("/proc/sys/vm/drop_caches", "5"), -22);
	EXPECT_EQ(ukmem_ctl_write("/proc/sys/vm/drop_caches", "0"), -22);
	EXPECT_EQ(ukmem_ctl_write("/proc/sys/vm/drop_caches", "x"), -22);
	EXPECT_EQ((int)ukmem_ctl_read("/proc/sys/vm/drop_caches", buf, sizeof(buf)), -13);
}

/* ---- the arithmetic, bad shrinkers, unregistering -------------------------------------- */

static unsigned long big_count = 1UL << 20;
static unsigned long big_asked[64];
static int big_calls;
static bool big_stop, big_liar;

static unsigned long big_count_fn(struct shrinker *s, struct shrink_control *sc)
{
	(void)s;
	(void)sc;
	return big_count;
}

static unsigned long big_scan_fn(struct shrinker *s, struct shrink_control *sc)
{
	(void)s;
	if (big_calls < 64)
		big_asked[big_calls] = sc->nr_to_scan;
	big_calls++;
	if (big_stop)
		return SHRINK_STOP;
	return big_liar ? sc->nr_to_scan * 10 : sc->nr_to_scan;
}

TEST(scan_share_follows_priority_seeks_and_deferral)
{
	struct shrinker *s = shrinker_alloc(0, "big");

	ASSERT_NOT_NULL(s);
	s->count_objects = big_count_fn;
	s->scan_objects = big_scan_fn;
	shrinker_register(s);
	/* Priority 12, DEFAULT_SEEKS: (2^20 >> 12) * 4 / 2 = 512 objects, in
	 * batches of SHRINK_BATCH. */
	big_calls = 0;
	EXPECT_UEQ(shrink_slab(GFP_KERNEL, 0, 12), 512);
	EXPECT_EQ(big_calls, 4);
	EXPECT_UEQ(big_asked[0], SHRINK_BATCH);
	EXPECT_EQ(s->nr_deferred[0], 0);
	/* SHRINK_STOP: the whole share is carried to the next pass. */
	big_stop = true;
	big_calls = 0;
	EXPECT_UEQ(shrink_slab(GFP_KERNEL, 0, 12), 0);
	EXPECT_EQ(big_calls, 1);
	EXPECT_EQ(s->nr_deferred[0], 512);
	big_stop = false;
	/* Priority 0: the deferred 512 plus delta 1000 * 4 / 2 = 2000, at
	 * most 2 * freeable = 2000, scanned in whole batches while at least a
	 * batch (or freeable) is left: 15 * 128 = 1920.  Deferred again:
	 * 512 + 2000 - 1920 = 592 (the kernel's arithmetic, to the object). */
	big_calls = 0;
	big_count = 1000;
	EXPECT_UEQ(shrink_slab(GFP_KERNEL, 0, 0), 1920);
	EXPECT_EQ(big_calls, 15);
	EXPECT_EQ(s->nr_deferred[0], 592);
	big_count = 1UL << 20;
	shrinker_free(s);
}

TEST(bad_shrinkers_are_reported_and_survived)
{
	struct shrinker *s = shrinker_alloc(0, "liar");
	struct shrinker nocb = { 0 };
	size_t mark = log_mark();

	ASSERT_NOT_NULL(s);
	s->count_objects = big_count_fn;
	s->scan_objects = big_scan_fn;
	shrinker_register(s);
	big_liar = true;
	EXPECT_UEQ(shrink_slab(GFP_KERNEL, 0, 12), 512);	/* counted as asked */
	EXPECT_GE(log_count_since(mark, "shrinker liar: scan_objects freed 1280 (asked 128)"), 1);
	big_liar = false;
	big_count = (unsigned long)-3;	/* a counter gone negative */
	mark = log_mark();
	big_calls = 0;
	EXPECT_UEQ(shrink_slab(GFP_KERNEL, 0, 12), 0);
	EXPECT_EQ(big_calls, 0);
	EXPECT_GE(log_count_since(mark, "shrinker liar: count_objects returned"), 1);
	big_count = 1UL << 20;
	shrinker_free(s);
	/* No callbacks, or twice: refused with a message. */
	EXPECT_EQ(register_shrinker(&nocb, "nocb"), -22);
	nocb.count_objects = big_count_fn;
	nocb.scan_objects = big_scan_fn;
	EXPECT_EQ(register_shrinker(&nocb, "twice"), 0);
	mark = log_mark();
	EXPECT_EQ(register_shrinker(&nocb, "twice"), -22);
	EXPECT_EQ(log_count_since(mark, "registered twice"), 1);
	unregister_shrinker(&nocb);
	unregister_shrinker(&nocb);	/* harmless */
}

static int slow_in_scan, slow_release, slow_scan_done;	/* atomic */

static unsigned long slow_count(struct shrinker *s, struct shrink_control *sc)
{
	(void)s;
	(void)sc;
	return 1000;
}

static unsigned long slow_scan(struct shrinker *s, struct shrink_control *sc)
{
	(void)s;
	(void)sc;
	__atomic_store_n(&slow_in_scan, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&slow_release, __ATOMIC_ACQUIRE))
		usleep(1000);
	__atomic_store_n(&slow_scan_done, 1, __ATOMIC_RELEASE);
	return SHRINK_STOP;
}

static void *run_drop(void *arg)
{
	(void)arg;
	reclaim_drop_slab();
	return NULL;
}

static void *let_go_later(void *arg)
{
	(void)arg;
	usleep(50 * 1000);
	__atomic_store_n(&slow_release, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST(unregister_waits_for_a_running_scan)
{
	struct shrinker *s = shrinker_alloc(0, "slow");
	pthread_t dropper, releaser;

	ASSERT_NOT_NULL(s);
	s->count_objects = slow_count;
	s->scan_objects = slow_scan;
	shrinker_register(s);
	ASSERT_EQ(pthread_create(&dropper, NULL, run_drop, NULL), 0);
	while (!__atomic_load_n(&slow_in_scan, __ATOMIC_ACQUIRE))
		usleep(100);
	ASSERT_EQ(pthread_create(&releaser, NULL, let_go_later, NULL), 0);
	shrinker_free(s);	/* returns only after the scan did */
	EXPECT_EQ(__atomic_load_n(&slow_scan_done, __ATOMIC_ACQUIRE), 1);
	pthread_join(dropper, NULL);
	pthread_join(releaser, NULL);
}

static void setup(void)
{
	start_ukmem("mem=64M kswapd=off");
	/* The slab layer is up before the pressure, as in a booted kernel
	 * (its start on first use allocates as GFP_KERNEL). */
	kfree(kmalloc(64, GFP_KERNEL));
	ukmem_set_log_hook(log_capture);
	cache_shrinker = shrinker_alloc(0, "test-cache");
	if (!cache_shrinker)
		exit(2);
	cache_shrinker->count_objects = cache_count;
	cache_shrinker->scan_objects = cache_scan;
	shrinker_register(cache_shrinker);
}

RUN_TESTS_SETUP(setup,
	T(gfp_kernel_reclaims_through_the_shrinker),
	T(gfp_atomic_and_nowait_never_reclaim),
	T(gfp_nofs_reaches_the_shrinker_without_fs),
	T(gfp_noio_clears_io_and_fs),
	T(scopes_make_gfp_kernel_nofs_and_noio),
	T(scopes_nest_and_are_per_thread),
	T(scopes_restored_out_of_order_are_reported),
	T(noretry_reclaims_once_retry_mayfail_while_progress),
	T(gfp_kernel_waits_for_memory_another_thread_frees),
	T(oom_notifier_frees_and_the_allocation_succeeds),
	T(out_of_memory_reports_and_fails),
	T(oom_notifier_that_allocates_is_reported_and_survived),
	T(drop_caches_runs_every_shrinker),
	T(scan_share_follows_priority_seeks_and_deferral),
	T(bad_shrinkers_are_reported_and_survived),
	T(unregister_waits_for_a_running_scan))
