/*
 * test_signal.c - signal handlers are ukmem's interrupts: a handler may
 * allocate with GFP_ATOMIC and free pages while the thread it interrupted
 * is in the middle of the allocator, holding a per-CPU list or a zone lock.
 * It must never deadlock, never corrupt the lists, and frees it could not
 * finish (the lock was its own thread's) must not be lost.
 *
 * mem=256M.
 */
#include "page_helpers.h"

#include <signal.h>
#include <time.h>

static void setup(void)
{
	log_setup("signal");
	start_ukmem("mem=256M");
}

/* ---- a signal storm ------------------------------------------------------- */

#define STASH 16
#define RUN_NS 1000000000L	/* 1 s */

static struct page *stash[STASH];	/* pages a handler kept; any context frees them */
static unsigned int stash_order[STASH];
static volatile sig_atomic_t handler_calls, handler_allocs, handler_frees, handler_bad;
static pthread_t worker_thread;
static volatile int stop_storm;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Stash a page, or free it if the stash is full. */
static void stash_or_free(struct page *page, unsigned int order, unsigned int seed)
{
	int i = (int)(seed % STASH);
	struct page *expected = NULL;

	stash_order[i] = order;	/* read only after the pointer is published */
	if (__atomic_compare_exchange_n(&stash[i], &expected, page, false, __ATOMIC_RELEASE,
					__ATOMIC_RELAXED))
		return;
	__free_pages(page, order);
}

/* Take a stashed page and free it. */
static bool free_one_stashed(unsigned int seed)
{
	int i = (int)(seed % STASH);
	struct page *page = __atomic_exchange_n(&stash[i], NULL, __ATOMIC_ACQUIRE);

	if (!page)
		return false;
	__free_pages(page, stash_order[i]);
	return true;
}

static void storm_handler(int sig)
{
	static unsigned int seed = 1;
	unsigned int r = seed = seed * 1103515245u + 12345u;
	/* Orders 0..3 go through the per-CPU lists, 4 and 5 straight to the
	 * zone lock. */
	unsigned int order = (r >> 16) % 6;
	struct page *page;
	int saved_errno = errno;

	(void)sig;
	handler_calls++;
	page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
	if (page) {
		unsigned long *w = page_address(page);

		handler_allocs++;
		if (page_ref_count(page) != 1)
			handler_bad++;
		w[0] = 0xabcdef;	/* the memory is usable here */
		if (r & (1u << 20))
			stash_or_free(page, order, r >> 21);
		else
			__free_pages(page, order);
		handler_frees++;
	}
	if (r & (1u << 22))
		free_one_stashed(r >> 23);
	errno = saved_errno;
}

static void *storm_sender(void *arg)
{
	struct timespec gap = { 0, 100000 };	/* 100 us */

	(void)arg;
	while (!__atomic_load_n(&stop_storm, __ATOMIC_RELAXED)) {
		pthread_kill(worker_thread, SIGUSR1);
		nanosleep(&gap, NULL);
	}
	return NULL;
}

struct worker_result {
	long iterations, allocs, bad;
};

static void *storm_worker(void *arg)
{
	struct worker_result *res = arg;
	struct page *live[32] = { 0 };
	unsigned int order[32];
	unsigned int seed = 99;
	uint64_t end = now_ns() + RUN_NS;

	while (now_ns() < end) {
		for (int k = 0; k < 64; k++) {
			unsigned int r = (unsigned int)rand_r(&seed);
			int i = (int)(r % 32);

			if (live[i]) {
				if (*(unsigned long *)page_address(live[i]) != (unsigned long)i)
					res->bad++;
				__free_pages(live[i], order[i]);
				live[i] = NULL;
			} else {
				order[i] = (r >> 8) % 6;
				live[i] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order[i]);
				if (live[i]) {
					*(unsigned long *)page_address(live[i]) = (unsigned long)i;
					res->allocs++;
				}
			}
			if ((r & 0xff) == 0)
				free_one_stashed(r >> 8);
			res->iterations++;
		}
	}
	for (int i = 0; i < 32; i++)
		if (live[i])
			__free_pages(live[i], order[i]);
	return NULL;
}

TEST(signal_storm)
{
	struct sigaction sa;
	struct worker_result res = { 0 };
	pthread_t sender;
	unsigned long start = drained_free_pages();
	struct timespec deadline;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = storm_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);

	ASSERT_EQ(pthread_create(&worker_thread, NULL, storm_worker, &res), 0);
	ASSERT_EQ(pthread_create(&sender, NULL, storm_sender, NULL), 0);
	/* A deadlock shows as a worker that does not finish. */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 30;
	int joined = pthread_timedjoin_np(worker_thread, NULL, &deadline);

	__atomic_store_n(&stop_storm, 1, __ATOMIC_RELAXED);
	if (joined != 0) {
		fprintf(stderr, "signal_storm: the worker did not finish in 30 s (deadlock?)\n");
		fflush(stderr);
		abort();
	}
	pthread_join(sender, NULL);
	signal(SIGUSR1, SIG_IGN);
	for (int i = 0; i < STASH; i++)
		free_one_stashed((unsigned int)i);

	EXPECT_EQ(res.bad, 0);
	EXPECT_EQ(handler_bad, 0);
	EXPECT_GT(handler_calls, 500);
	EXPECT_GT(handler_allocs, handler_calls / 2);
	EXPECT_GT(res.allocs, 1000);
	EXPECT_EQ(handler_frees, handler_allocs);
	EXPECT_EQ(ukmem_page_validate(), 0);
	EXPECT_UEQ(drained_free_pages(), start);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* ---- a free that has to be deferred --------------------------------------- */

static struct page *deferred_page, *handler_page;

static void free_in_handler(int sig)
{
	(void)sig;
	/* Order 4: not a per-CPU list order, so the free needs the zone lock,
	 * which the interrupted thread holds. */
	__free_pages(deferred_page, 4);
	/* An allocation in the same spot does not wait for the lock: it
	 * fails or comes from another zone. */
	handler_page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 5);
}

/*
 * The signal arrives while its thread holds the zone lock (simulated by
 * taking it around raise()): the handler's free is deferred to the next
 * holder of the lock.  ukmem_drain_all() is the call that gives every free
 * page back to the buddy allocator; after it the page must be free.
 */
TEST(free_deferred_by_a_signal_handler_is_not_lost)
{
	struct sigaction sa;
	unsigned long start = drained_free_pages();
	struct zone *zone;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = free_in_handler;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(sigaction(SIGUSR2, &sa, NULL), 0);

	deferred_page = alloc_pages(GFP_KERNEL, 4);
	ASSERT_NOT_NULL(deferred_page);
	zone = page_zone(deferred_page);
	ukmem_drain_all();	/* every per-CPU list empty */
	EXPECT_UEQ(total_free_pages(), start - 16);

	ASSERT_TRUE(zone_lock(zone));
	raise(SIGUSR2);
	zone_unlock(zone);
	if (handler_page) {
		EXPECT_PTR_NE(page_zone(handler_page), zone);
		__free_pages(handler_page, 5);
		ukmem_drain_all();
	}
	EXPECT_EQ(ukmem_page_validate(), 0);

	ukmem_drain_all();
	if (total_free_pages() != start)
		HARNESS_FAIL("after ukmem_drain_all() %lu pages are free, want %lu: the order-4 "
			     "free deferred by the signal handler is still pending",
			     total_free_pages(), start);
	/* The next holder of the zone lock does finish it. */
	struct page *p = alloc_pages(GFP_KERNEL, 5);

	ASSERT_NOT_NULL(p);
	__free_pages(p, 5);
	EXPECT_UEQ(drained_free_pages(), start);
	EXPECT_EQ(ukmem_page_validate(), 0);
	signal(SIGUSR2, SIG_DFL);
}

RUN_TESTS_SETUP(setup,
	T(signal_storm),
	T(free_deferred_by_a_signal_handler_is_not_lost))
