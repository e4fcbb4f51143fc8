/*
 * test_kswapd.c - the background reclaimer: an allocation that crosses a
 * zone's low watermark wakes the node's kswapd, which runs the shrinkers
 * on its own thread until the node is above the high watermark again and
 * counts the pass in /proc/vmstat (pageoutrun); GFP_NOWAIT without
 * __GFP_KSWAPD_RECLAIM wakes nothing; ukmem_kswapd_run() runs a pending
 * pass in the caller (the bare platform's way) and reports an idle node.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>

#include <ukmem.h>

#include "harness.h"
#include "log.h"
#include "ctl.h"
#include "page/page.h"

#define ARENA_PAGES (64 << 8)

static struct page *held[ARENA_PAGES];
static int nr_held;

/* The cache kswapd shrinks from its own thread: its lock is the
 * program's, as any shrinker's must be. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct page *cache[ARENA_PAGES];
static int cache_nr;
static pthread_t scanned_by[8];
static int nr_scanned_by;

static unsigned long count(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long n;

	(void)s;
	(void)sc;
	pthread_mutex_lock(&cache_lock);
	n = (unsigned long)cache_nr;
	pthread_mutex_unlock(&cache_lock);
	return n ? n : SHRINK_EMPTY;
}

static unsigned long scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long freed = 0;

	(void)s;
	pthread_mutex_lock(&cache_lock);
	if (nr_scanned_by < 8)
		scanned_by[nr_scanned_by++] = pthread_self();
	while (freed < sc->nr_to_scan && cache_nr > 0) {
		__free_pages(cache[--cache_nr], 0);
		freed++;
	}
	pthread_mutex_unlock(&cache_lock);
	return freed;
}

/* Every zone of node 0 at or above its high watermark. */
static bool balanced(void)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &NODE_DATA(0)->node_zones[z];

		if (populated_zone(zone) &&
		    zone_page_state(zone, NR_FREE_PAGES) < high_wmark_pages(zone))
			return false;
	}
	return true;
}

/* Every populated zone of node 0 below its low watermark as a plain
 * allocation sees it (plus the lowmem reserve kept from ZONE_NORMAL
 * allocations): only then does an allocation fail the fast path, which
 * takes any zone still above, and wake kswapd. */
static bool all_below_low(void)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &NODE_DATA(0)->node_zones[z];

		if (populated_zone(zone) &&
		    (long)zone_page_state(zone, NR_FREE_PAGES) >=
		    (long)low_wmark_pages(zone) + zone->lowmem_reserve[ZONE_NORMAL])
			return false;
	}
	return true;
}

/* Take pages without waking kswapd until every zone is below its low
 * watermark, then one with gfp: if gfp has __GFP_KSWAPD_RECLAIM, that one
 * fails the fast path and wakes kswapd.  Nothing is taken after it, which
 * would eat what kswapd frees. */
static unsigned long runs_before_wake;

static void drain_to_low(gfp_t gfp)
{
	struct page *p;

	while (nr_held < ARENA_PAGES && !all_below_low() &&
	       (p = alloc_pages((GFP_NOWAIT & ~__GFP_KSWAPD_RECLAIM) | __GFP_NOWARN, 0)) != NULL)
		held[nr_held++] = p;
	runs_before_wake = read_vmstat("pageoutrun");
	p = alloc_pages(gfp | __GFP_NOWARN, 0);
	if (p)
		held[nr_held++] = p;
}

TEST(low_watermark_wakes_kswapd_which_reclaims_to_high)
{
	unsigned long runs = read_vmstat("pageoutrun");
	struct shrinker *s = shrinker_alloc(0, "kswapd-test");
	int waited_ms = 0;

	ASSERT_NOT_NULL(s);
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
	/* Half of memory goes to the cache, the rest is taken with
	 * GFP_NOWAIT (no direct reclaim, but __GFP_KSWAPD_RECLAIM) until a
	 * zone is below its low watermark, which wakes kswapd. */
	for (int i = 0; i < ARENA_PAGES / 2; i++) {
		struct page *p = alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 0);

		if (!p)
			break;
		cache[cache_nr++] = p;
	}
	drain_to_low(GFP_NOWAIT);
	while (!balanced() && waited_ms < 5000) {
		usleep(10 * 1000);
		waited_ms += 10;
	}
	if (!balanced()) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &NODE_DATA(0)->node_zones[z];

			if (populated_zone(zone))
				fprintf(stderr, "zone %s free %lu low %lu high %lu\n", zone->name,
					zone_page_state(zone, NR_FREE_PAGES), low_wmark_pages(zone),
					high_wmark_pages(zone));
		}
		fprintf(stderr, "cache %d held %d pageoutrun %lu (was %lu)\n", cache_nr, nr_held,
			read_vmstat("pageoutrun"), runs);
	}
	EXPECT_TRUE(balanced());
	EXPECT_UEQ(runs_before_wake, runs);	/* nothing woke it before */
	EXPECT_GT(read_vmstat("pageoutrun"), runs);
	EXPECT_GT(read_vmstat("slabs_scanned"), 0);
	pthread_mutex_lock(&cache_lock);
	EXPECT_GT(nr_scanned_by, 0);
	/* The shrinker ran on kswapd's thread, not on this one. */
	for (int i = 0; i < nr_scanned_by; i++)
		EXPECT_FALSE(pthread_equal(scanned_by[i], pthread_self()));
	pthread_mutex_unlock(&cache_lock);
	shrinker_free(s);
	while (nr_held > 0)
		__free_pages(held[--nr_held], 0);
	pthread_mutex_lock(&cache_lock);
	while (cache_nr > 0)
		__free_pages(cache[--cache_nr], 0);
	pthread_mutex_unlock(&cache_lock);
}

TEST(a_pass_in_the_caller_and_an_idle_node)
{
	unsigned long before = read_vmstat("kswapd_high_wmark_hit_quickly") + read_vmstat("pageoutrun");

	EXPECT_EQ(ukmem_kswapd_run(0), 0);	/* nothing pending */
	EXPECT_EQ(ukmem_kswapd_run(-1), 0);
	EXPECT_EQ(ukmem_kswapd_run(99), 0);
	/* A wakeup with memory plentiful: the pass finds the node balanced. */
	ukmem_drain_all();
	EXPECT_TRUE(balanced());
	drain_to_low(GFP_NOWAIT);		/* GFP_NOWAIT has __GFP_KSWAPD_RECLAIM */
	while (nr_held > 0)
		__free_pages(held[--nr_held], 0);
	ukmem_drain_all();
	usleep(100 * 1000);	/* kswapd's thread may handle it first */
	ukmem_kswapd_run(0);
	EXPECT_GT(read_vmstat("kswapd_high_wmark_hit_quickly") + read_vmstat("pageoutrun"), before);
}

/* A node kswapd cannot help (nothing reclaimable) is left alone after 16
 * futile passes, however often it is woken. */
TEST(a_hopeless_node_is_left_alone)
{
	unsigned long runs;
	struct page *p;

	while (nr_held < ARENA_PAGES &&
	       (p = alloc_pages(GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOWARN, 0)) != NULL)
		held[nr_held++] = p;
	runs = read_vmstat("pageoutrun");
	for (int i = 0; i < 60; i++) {
		EXPECT_TRUE(alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 0) == NULL);	/* wakes */
		usleep(2000);
	}
	EXPECT_LE(read_vmstat("pageoutrun") - runs, 16);	/* not 60 */
	while (nr_held > 0)
		__free_pages(held[--nr_held], 0);
}

static void setup(void)
{
	start_ukmem("mem=64M");
	ukmem_set_log_hook(log_capture);
	kfree(kmalloc(64, GFP_KERNEL));
}

RUN_TESTS_SETUP(setup,
	T(low_watermark_wakes_kswapd_which_reclaims_to_high),
	T(a_pass_in_the_caller_and_an_idle_node),
	T(a_hopeless_node_is_left_alone))
