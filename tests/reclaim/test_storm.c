/*
 * test_storm.c - the signal storm under memory pressure: the user-space
 * interrupt cutting into every path that takes a lock while memory is
 * short, for at least STORM_OPS operations.
 *
 *   - a worker allocates and frees in a tight loop (kmalloc of many sizes,
 *     kmem_cache_alloc, alloc_pages of orders 0-2, GFP_KERNEL), writing a
 *     pattern into every object and checking it before the free;
 *   - a signal thread sends it SIGUSR1 every ~20 us; the handler marks
 *     itself as interrupt context (ukmem_irq_enter) and does the same with
 *     GFP_ATOMIC, which may fail but must not block or corrupt;
 *   - two filler threads keep the 32 MiB arena full: they put pages into
 *     a cache that a shrinker gives back, so the worker's allocations run
 *     direct reclaim, the shrinker, kswapd and the OOM step all the time.
 * A watchdog fails the run if the worker stops making progress (a handler
 * waiting for a lock its thread holds); the run is a child process so a
 * deadlock fails the test instead of hanging the suite.  Afterwards every
 * pattern was intact, the page and slab validate walks find nothing, and
 * nothing reports a BUG.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ukmem.h>

#include "harness.h"
#include "log.h"
#include "page/page.h"
#include "slab/slab_api.h"

#define STORM_OPS	10000000UL	/* worker and handler operations together */
#define WATCHDOG_S	10
#define CACHE_MAX	(64 << 8)

static struct kmem_cache *storm_cache;
static unsigned long ops, handler_ops, handler_fails, bad;	/* atomic */
static unsigned long worker_fails;				/* atomic */
static int stop;						/* atomic */
static pthread_t worker_thread;

/* ---- the pressure: a cache of pages the shrinker gives back ---------------- */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct page *cache[CACHE_MAX];
static int cache_nr;

static unsigned long cache_count(struct shrinker *s, struct shrink_control *sc)
{
	int n;

	(void)s;
	(void)sc;
	pthread_mutex_lock(&cache_lock);
	n = cache_nr;
	pthread_mutex_unlock(&cache_lock);
	return n ? (unsigned long)n : SHRINK_EMPTY;
}

static unsigned long cache_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long freed = 0;

	(void)s;
	pthread_mutex_lock(&cache_lock);
	while (freed < sc->nr_to_scan && cache_nr > 0) {
		__free_pages(cache[--cache_nr], 0);
		freed++;
	}
	pthread_mutex_unlock(&cache_lock);
	return freed;
}

static void *filler(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		struct page *p = alloc_pages(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY, 0);

		if (!p) {
			usleep(100);
			continue;
		}
		pthread_mutex_lock(&cache_lock);
		if (cache_nr < CACHE_MAX) {
			cache[cache_nr++] = p;
			p = NULL;
		}
		pthread_mutex_unlock(&cache_lock);
		if (p)
			__free_pages(p, 0);
	}
	return NULL;
}

/* ---- allocate, fill, check, free -------------------------------------------- */

static unsigned char pattern(const void *p, unsigned int salt)
{
	return (unsigned char)(((uintptr_t)p >> 4) ^ salt);
}

/* 0: the object held its pattern; 1: it did not; 2: no memory. */
static int fill_check_free(gfp_t gfp, unsigned int round, unsigned int salt)
{
	static const size_t sizes[] = { 8, 24, 96, 200, 512, 1500, 4096, 8192 };
	size_t size = sizes[round % 8];
	void *p;
	bool ok = true;

	switch (round % 3) {
	case 0:
		p = kmalloc(size, gfp | __GFP_NOWARN);
		break;
	case 1:
		size = 136;
		p = kmem_cache_alloc(storm_cache, gfp | __GFP_NOWARN);
		break;
	default: {
		unsigned int order = round % 3 == 2 ? (round >> 2) % 3 : 0;
		struct page *page = alloc_pages(gfp | __GFP_NOWARN, order);

		size = PAGE_SIZE << order;
		p = page ? page_address(page) : NULL;
		if (p) {
			/* A byte a cache line: every line is touched and checked. */
			for (size_t i = 0; i < size; i += 64)
				((unsigned char *)p)[i] = pattern(p, salt);
			for (size_t i = 0; i < size; i += 64)
				ok &= ((unsigned char *)p)[i] == pattern(p, salt);
			__free_pages(page, order);
			return ok ? 0 : 1;
		}
		return 2;
	}
	}
	if (!p)
		return 2;
	memset(p, pattern(p, salt), size);
	for (size_t i = 0; i < size; i += 7)
		ok &= ((unsigned char *)p)[i] == pattern(p, salt);
	if (round % 3 == 1)
		kmem_cache_free(storm_cache, p);
	else
		kfree(p);
	return ok ? 0 : 1;
}

static void count(int result, unsigned long *fails)
{
	if (result == 1)
		__atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED);
	else if (result == 2)
		__atomic_fetch_add(fails, 1, __ATOMIC_RELAXED);
}

static void handler(int sig)
{
	static unsigned int round;

	(void)sig;
	ukmem_irq_enter();
	for (int i = 0; i < 4; i++)
		count(fill_check_free(GFP_ATOMIC, round++, 0xa5), &handler_fails);
	__atomic_fetch_add(&handler_ops, 4, __ATOMIC_RELAXED);
	ukmem_irq_exit();
}

static void *worker(void *arg)
{
	unsigned int round = 0;

	(void)arg;
	while (__atomic_load_n(&ops, __ATOMIC_RELAXED) +
	       __atomic_load_n(&handler_ops, __ATOMIC_RELAXED) < STORM_OPS) {
		count(fill_check_free(GFP_KERNEL, round++, 0x3c), &worker_fails);
		__atomic_fetch_add(&ops, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *signaller(void *arg)
{
	struct timespec ts = { 0, 20000 };

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		pthread_kill(worker_thread, SIGUSR1);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* The storm itself, in a child: 0 if everything held. */
static int storm(void)
{
	struct sigaction sa;
	pthread_t sig, fill[2];
	struct shrinker *s;
	unsigned long last = 0;
	int still = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	storm_cache = kmem_cache_create("storm", 136, 0, 0, NULL);
	s = shrinker_alloc(0, "storm-cache");
	if (!storm_cache || !s)
		return 10;
	s->count_objects = cache_count;
	s->scan_objects = cache_scan;
	shrinker_register(s);
	pthread_create(&worker_thread, NULL, worker, NULL);
	pthread_create(&fill[0], NULL, filler, NULL);
	pthread_create(&fill[1], NULL, filler, NULL);
	pthread_create(&sig, NULL, signaller, NULL);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		unsigned long now = __atomic_load_n(&ops, __ATOMIC_RELAXED);

		sleep(1);
		if (now == last && ++still >= WATCHDOG_S) {
			fprintf(stderr, "storm: the worker made no progress for %d s\n", WATCHDOG_S);
			return 11;
		}
		if (now != last)
			still = 0;
		last = now;
	}
	pthread_join(worker_thread, NULL);
	pthread_join(sig, NULL);
	pthread_join(fill[0], NULL);
	pthread_join(fill[1], NULL);
	shrinker_free(s);
	pthread_mutex_lock(&cache_lock);
	while (cache_nr > 0)
		__free_pages(cache[--cache_nr], 0);
	pthread_mutex_unlock(&cache_lock);
	fprintf(stderr, "storm: %lu worker ops (%lu found no memory), %lu handler ops (%lu found "
		"none), %lu bad\n", ops, worker_fails, handler_ops, handler_fails, bad);
	if (bad)
		return 12;
	if (ukmem_page_validate() || ukmem_slab_validate())
		return 13;
	if (count_substr(log_text, "BUG") || count_substr(log_text, "lock rank violation"))
		return 14;
	return 0;
}

TEST(ten_million_operations_under_signals_and_pressure)
{
	pid_t child = fork();
	int status = 0;

	ASSERT_TRUE(child >= 0);
	if (child == 0)
		_exit(storm());
	waitpid(child, &status, 0);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
}

static void setup(void)
{
	if (ukmem_init("mem=32M") != 0)
		exit(2);
	ukmem_set_log_hook(log_capture);
	kfree(kmalloc(64, GFP_KERNEL));
}

RUN_TESTS_SETUP(setup, T(ten_million_operations_under_signals_and_pressure))
