/*
 * test_slab_signal.c - a signal handler is the user-space interrupt: it may
 * allocate and free with GFP_ATOMIC in the middle of any slab operation of
 * its own thread.
 *
 * A worker thread runs slab operations in a loop while another thread
 * sends it SIGUSR1 every ~50 us; the handler does an atomic allocation and
 * frees it.  The main thread watches the worker's progress: if it stops
 * for WATCHDOG_S seconds, the worker is deadlocked (the handler waiting
 * for a lock its own thread holds) and the test fails, saying whether the
 * worker is stuck inside the handler.  Each scenario runs in a child
 * process, so a deadlock fails its test instead of hanging the suite.
 *
 *   - kmalloc/kfree: batches that run every path (sheaf pops and pushes,
 *     sheaf exchanges at the barn, refills and flushes through the slabs,
 *     new slabs from the page allocator), the handler using the same size
 *     classes, for about a second;
 *   - kmem_cache_shrink: the worker shrinks a fragmented cache over and
 *     over (flushing sheaves and barns, walking the partial list) while
 *     the handler allocates from that cache.
 * Afterwards: no corruption, ukmem_slab_validate() == 0, and nothing is
 * handed out twice.
 */
#include "slab_helpers.h"

#include <pthread.h>
#include <time.h>

#define RUN_NS 1000000000ULL
#define WATCHDOG_S 3
#define BATCH 300

static const size_t sizes[] = { 64, 192, 1024, 4096 };
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/* What the handler allocates from: a size class of kmalloc, or a cache. */
static struct kmem_cache *handler_cache;

static pthread_t worker_tid;
static int stop;			/* atomic */
static int in_handler;			/* atomic: the worker is in the handler */
static unsigned long handler_runs;	/* atomic */
static unsigned long handler_allocs;	/* atomic */
static unsigned long handler_bad;	/* atomic */
static unsigned long worker_bad;	/* atomic */
static unsigned long worker_loops;	/* atomic */
static unsigned long signals_sent;	/* atomic */
static int worker_done;			/* atomic */

static void setup(void)
{
	log_setup();
	if (ukmem_init("mem=256M") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(2);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void on_sigusr1(int sig)
{
	unsigned long n = __atomic_fetch_add(&handler_runs, 1, __ATOMIC_RELAXED);
	size_t size = handler_cache ? kmem_cache_size(handler_cache) : sizes[n % NR_SIZES];
	unsigned char *p;

	(void)sig;
	__atomic_store_n(&in_handler, 1, __ATOMIC_RELAXED);
	p = handler_cache ? kmem_cache_alloc(handler_cache, GFP_ATOMIC | __GFP_NOWARN) :
			    kmalloc(size, GFP_ATOMIC | __GFP_NOWARN);
	if (p) {
		__atomic_fetch_add(&handler_allocs, 1, __ATOMIC_RELAXED);
		for (size_t i = 0; i < size; i += 32)
			p[i] = 0xee;
		for (size_t i = 0; i < size; i += 32)
			if (p[i] != 0xee)
				__atomic_fetch_add(&handler_bad, 1, __ATOMIC_RELAXED);
		if (handler_cache)
			kmem_cache_free(handler_cache, p);
		else
			kfree(p);
	}
	__atomic_store_n(&in_handler, 0, __ATOMIC_RELAXED);
}

/* Spin between signals: a 50 us nanosleep sleeps several times longer. */
static void *killer(void *unused)
{
	(void)unused;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		uint64_t t = now_ns();

		if (pthread_kill(worker_tid, SIGUSR1) == 0)
			__atomic_fetch_add(&signals_sent, 1, __ATOMIC_RELAXED);
		while (now_ns() - t < 50000)
			;
	}
	return NULL;
}

/* Allocate a batch of size, check and free it. */
static void batch(size_t size, unsigned long loop)
{
	static unsigned char *p[BATCH];
	unsigned char tag = (unsigned char)loop;

	for (int i = 0; i < BATCH; i++) {
		p[i] = kmalloc(size, GFP_KERNEL);
		if (p[i]) {
			p[i][0] = tag;
			p[i][size - 1] = (unsigned char)i;
		}
	}
	for (int i = 0; i < BATCH; i++) {
		if (!p[i]) {
			__atomic_fetch_add(&worker_bad, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (p[i][0] != tag || p[i][size - 1] != (unsigned char)i)
			__atomic_fetch_add(&worker_bad, 1, __ATOMIC_RELAXED);
		kfree(p[i]);
	}
}

static void *kmalloc_worker(void *unused)
{
	unsigned long loop = 0;

	(void)unused;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		batch(sizes[loop % NR_SIZES], loop);
		__atomic_store_n(&worker_loops, ++loop, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&worker_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *shrink_worker(void *unused)
{
	unsigned long loop = 0;
	void *p[64];

	(void)unused;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		kmem_cache_shrink(handler_cache);
		for (int i = 0; i < 64; i++)
			p[i] = kmem_cache_alloc(handler_cache, GFP_KERNEL);
		for (int i = 0; i < 64; i++) {
			if (!p[i])
				__atomic_fetch_add(&worker_bad, 1, __ATOMIC_RELAXED);
			else
				kmem_cache_free(handler_cache, p[i]);
		}
		__atomic_store_n(&worker_loops, ++loop, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&worker_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Run worker under the signal storm for about a second (longer on a loaded
 * machine, until enough signals were handled), then let it finish; fail
 * and leave at once if the worker stops making progress meanwhile.
 * most_succeed: expect more than half of the handler's allocations to
 * succeed (not when the worker holds the cache's locks most of the time:
 * an atomic allocation that finds them taken by its own thread fails). */
static void storm(void *(*worker)(void *), bool most_succeed)
{
	struct sigaction sa;
	pthread_t killer_tid;
	uint64_t start, last_change;
	unsigned long last_loops = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);

	ASSERT_EQ(pthread_create(&worker_tid, NULL, worker, NULL), 0);
	ASSERT_EQ(pthread_create(&killer_tid, NULL, killer, NULL), 0);
	start = last_change = now_ns();
	for (;;) {
		uint64_t t = now_ns();
		unsigned long loops = __atomic_load_n(&worker_loops, __ATOMIC_RELAXED);

		if (loops != last_loops) {
			last_loops = loops;
			last_change = t;
		} else if (t - last_change > WATCHDOG_S * 1000000000ULL) {
			HARNESS_FAIL("deadlock: the worker made no progress for %d s after %lu loops "
				     "(%s the signal handler; %lu signals handled)", WATCHDOG_S, loops,
				     __atomic_load_n(&in_handler, __ATOMIC_RELAXED) ?
				     "stuck inside" : "not in",
				     __atomic_load_n(&handler_runs, __ATOMIC_RELAXED));
			if (getenv("UKMEM_TEST_WAIT_ON_DEADLOCK")) {
				/* Leave the threads as they are for a debugger. */
				fprintf(stderr, "pid %d waits: attach a debugger\n", getpid());
				for (;;)
					pause();
			}
			fflush(stderr);
			_exit(1);
		}
		if (__atomic_load_n(&worker_done, __ATOMIC_ACQUIRE))
			break;
		if (t - start >= RUN_NS &&
		    (__atomic_load_n(&handler_runs, __ATOMIC_RELAXED) >= 2000 ||
		     t - start >= 3 * RUN_NS))
			__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
		usleep(10000);
	}
	pthread_join(killer_tid, NULL);
	pthread_join(worker_tid, NULL);
	printf("  %lu signals sent, %lu handled, %lu handler allocations, %lu worker loops\n",
	       __atomic_load_n(&signals_sent, __ATOMIC_RELAXED),
	       __atomic_load_n(&handler_runs, __ATOMIC_RELAXED),
	       __atomic_load_n(&handler_allocs, __ATOMIC_RELAXED),
	       __atomic_load_n(&worker_loops, __ATOMIC_RELAXED));
	EXPECT_GE(handler_runs, 100);
	if (most_succeed)
		EXPECT_GT(handler_allocs, handler_runs / 2);
	else
		EXPECT_GT(handler_allocs, 0);
	EXPECT_GT(worker_loops, 10);
	EXPECT_UEQ(handler_bad, 0);
	EXPECT_UEQ(worker_bad, 0);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* Frees a handler had to defer are finished by the next shrink; then the
 * cache is consistent and hands nothing out twice. */
static void expect_sound(struct kmem_cache *s, size_t size, bool from_cache)
{
	enum { N = 3000 };
	static void *p[N];

	kmem_cache_shrink(s);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	for (int j = 0; j < N; j++) {
		p[j] = from_cache ? kmem_cache_alloc(s, GFP_KERNEL) : kmalloc(size, GFP_KERNEL);
		ASSERT_NOT_NULL(p[j]);
	}
	EXPECT_UEQ(count_duplicates(p, N), 0);
	for (int j = 0; j < N; j++)
		kfree(p[j]);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

static void kmalloc_storm(void)
{
	kfree(kmalloc(64, GFP_KERNEL));	/* start the slab layer here */
	storm(kmalloc_worker, true);
	for (size_t i = 0; i < NR_SIZES; i++)
		expect_sound(ukmem_kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(sizes[i])],
			     sizes[i], false);
}

TEST(handler_allocates_during_kmalloc_kfree)
{
	run_isolated(kmalloc_storm, "kmalloc/kfree under signals", 30);
}

/* A fragmented cache: every other object of 40000 kept, so the partial
 * list is long and a shrink spends its time walking it. */
static void shrink_storm(void)
{
	enum { N = 40000 };
	void **p = calloc(N, sizeof(void *));

	handler_cache = kmem_cache_create("signal-shrink", 64, 0, SLAB_NO_MERGE, NULL);
	ASSERT_NOT_NULL(handler_cache);
	for (int i = 0; i < N; i++) {
		p[i] = kmem_cache_alloc(handler_cache, GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
	}
	for (int i = 0; i < N; i += 2)
		kmem_cache_free(handler_cache, p[i]);
	storm(shrink_worker, false);
	for (int i = 1; i < N; i += 2)
		kmem_cache_free(handler_cache, p[i]);
	free(p);
	EXPECT_EQ(kmem_cache_shrink(handler_cache), 0);
	expect_sound(handler_cache, 64, true);
}

TEST(handler_allocates_during_kmem_cache_shrink)
{
	run_isolated(shrink_storm, "kmem_cache_shrink under signals", 30);
}

RUN_TESTS_SETUP(setup,
	T(handler_allocates_during_kmalloc_kfree),
	T(handler_allocates_during_kmem_cache_shrink))
