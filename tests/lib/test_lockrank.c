/*
 * test_lockrank.c - the ranked locks of src/lib/lockrank.h: nested locks
 * taken upward wait (they used to be only tried), a lock ranked at or
 * below one held is only tried, in a signal handler too, and with
 * UKMEM_LOCKDEP an out-of-order acquisition outside a handler is reported
 * once with both lock names; without it nothing is reported.  fork's walk
 * covers every class of the table.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <ukmem.h>

#include "harness.h"
#include "log.h"
#include "lib/lib.h"
#include "lib/lockrank.h"
#include "page/mmzone.h"

static ukmem_lock_t outer = UKMEM_LOCK_INIT(CTL);	/* rank below inner */
static ukmem_lock_t inner = UKMEM_LOCK_INIT(ZONE);

/* Another thread holds inner for a while, then lets go. */
static int holder_has_it;	/* atomic */

static void *hold_inner(void *arg)
{
	(void)arg;
	ukmem_lock(&inner);
	__atomic_store_n(&holder_has_it, 1, __ATOMIC_RELEASE);
	usleep(50 * 1000);
	ukmem_unlock(&inner);
	return NULL;
}

TEST(nested_lock_taken_upward_waits)
{
	pthread_t t;

	__atomic_store_n(&holder_has_it, 0, __ATOMIC_RELAXED);
	ASSERT_EQ(pthread_create(&t, NULL, hold_inner, NULL), 0);
	while (!__atomic_load_n(&holder_has_it, __ATOMIC_ACQUIRE))
		sched_yield();
	EXPECT_TRUE(ukmem_lock(&outer));
	EXPECT_EQ(ukmem_lock_depth(), 1);
	/* inner ranks above outer: this waits for the holder instead of
	 * failing, as the old nested try did. */
	EXPECT_TRUE(ukmem_lock_would_wait(&inner));
	EXPECT_TRUE(ukmem_lock(&inner));
	EXPECT_EQ(ukmem_lock_depth(), 2);
	ukmem_unlock(&inner);
	ukmem_unlock(&outer);
	EXPECT_EQ(ukmem_lock_depth(), 0);
	pthread_join(t, NULL);
}

TEST(out_of_order_is_tried_and_reported_with_lockdep)
{
	static ukmem_lock_t busy_outer = UKMEM_LOCK_INIT(CTL);
	unsigned long before = ukmem_lockdep_violations();
	size_t mark = log_mark();
	bool got;

	ukmem_lock(&inner);
	EXPECT_FALSE(ukmem_lock_would_wait(&outer));
	/* Out of order: only tried.  Free, so the try succeeds. */
	got = ukmem_lock(&outer);
	EXPECT_TRUE(got);
	if (got)
		ukmem_unlock(&outer);
	/* Held elsewhere (raw, as another thread would): the try fails
	 * instead of waiting in the wrong order. */
	ukmem_plat_lock(&busy_outer.raw);
	EXPECT_FALSE(ukmem_lock(&busy_outer));
	ukmem_plat_unlock(&busy_outer.raw);
	EXPECT_EQ(ukmem_lock_depth(), 1);
	ukmem_unlock(&inner);

	if (ukmem_lockdep_enabled()) {
		/* One report for the pair, however often it happens. */
		EXPECT_UEQ(ukmem_lockdep_violations(), before + 1);
		EXPECT_EQ(log_count_since(mark, "WARNING: lock rank violation"), 1);
		EXPECT_CONTAINS(log_text + mark, "is trying to acquire lock:\n  ctl_lock (rank");
		EXPECT_CONTAINS(log_text + mark, "but already holds lock:\n  zone->lock (rank");
		EXPECT_TRUE((ukmem_get_taint() & (1UL << TAINT_WARN)) != 0);
	} else {
		EXPECT_UEQ(ukmem_lockdep_violations(), 0);
		EXPECT_EQ(log_count_since(mark, "lock rank violation"), 0);
	}
}

/* A signal handler that interrupts a holder of inner. */
static volatile int handler_got_inner = -1, handler_got_outer = -1;

static void handler(int sig)
{
	(void)sig;
	/* The interrupted code holds inner: waiting would be for ever. */
	handler_got_inner = ukmem_lock(&inner);
	if (handler_got_inner)
		ukmem_unlock(&inner);
	handler_got_outer = ukmem_lock(&outer);
	if (handler_got_outer)
		ukmem_unlock(&outer);
}

TEST(signal_handler_only_tries_and_is_not_reported)
{
	unsigned long before = ukmem_lockdep_violations();
	size_t mark = log_mark();

	signal(SIGUSR1, handler);
	ukmem_lock(&inner);
	raise(SIGUSR1);
	EXPECT_EQ(ukmem_lock_depth(), 1);
	ukmem_unlock(&inner);
	signal(SIGUSR1, SIG_DFL);
	EXPECT_EQ(handler_got_inner, 0);	/* held by its own thread */
	EXPECT_EQ(handler_got_outer, 1);	/* free: the try succeeds */
	EXPECT_UEQ(ukmem_lockdep_violations(), before);
	EXPECT_EQ(log_count_since(mark, "lock rank violation"), 0);
}

/* Every class of the table has its fork walker once the layers started,
 * and ukmem_lock_all leaves no lock of the table free. */
static volatile int tried_init, tried_zone;

static void *try_locks(void *arg)
{
	struct zone *zone = arg;

	tried_init = ukmem_plat_trylock(&init_lock.raw);
	tried_zone = ukmem_plat_trylock(&zone->lock.raw);
	return NULL;
}

TEST(fork_walk_covers_every_class)
{
	void *p = kmalloc(64, GFP_KERNEL);
	struct page *page;
	pthread_t t;

	ASSERT_NOT_NULL(p);
	page = alloc_pages(GFP_KERNEL, 0);
	ASSERT_NOT_NULL(page);
	EXPECT_EQ(ukmem_lock_missing_walkers(), 0);
	ukmem_lock_all();
	ASSERT_EQ(pthread_create(&t, NULL, try_locks,
				 &NODE_DATA(page_to_nid(page))->node_zones[page_zonenum(page)]), 0);
	pthread_join(t, NULL);
	ukmem_unlock_all();
	EXPECT_EQ(tried_init, 0);
	EXPECT_EQ(tried_zone, 0);
	__free_pages(page, 0);
	kfree(p);
}

static void setup(void)
{
	ukmem_set_log_hook(log_capture);
}

RUN_TESTS_SETUP(setup,
	T(nested_lock_taken_upward_waits),
	T(out_of_order_is_tried_and_reported_with_lockdep),
	T(signal_handler_only_tries_and_is_not_reported),
	T(fork_walk_covers_every_class))
