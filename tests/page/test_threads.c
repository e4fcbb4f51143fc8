/*
 * test_threads.c - the page allocator under concurrent use: 2 and then 4
 * threads, each making random-order (0..5) allocations with lifetimes
 * (up to 64 live blocks), stamping every page with its owner and checking
 * the stamp before the free, and handing some blocks to other threads to
 * free (a mutex-protected exchange).  Afterwards the invariants hold and,
 * once drained, every page is free again.
 *
 * It models: a worker pool with per-thread working sets; producer and
 * consumer threads (blocks freed on another CPU than the one they came
 * from); bursts that refill and trim the per-CPU lists.
 *
 * mem=256M.  Under TSan the iterations are cut by 10.
 */
#include "page_helpers.h"

#if UNDER_TSAN
#define ITERATIONS 20000
#elif UNDER_ASAN
#define ITERATIONS 100000
#else
#define ITERATIONS 200000
#endif

#define LIVE_MAX 64
#define MAX_TEST_ORDER 5
#define HANDOFF_SLOTS 256

struct owned {
	struct page *page;
	unsigned int order;
	unsigned int owner;
};

static struct {
	pthread_mutex_t lock;
	struct owned slot[HANDOFF_SLOTS];
	int n;
} handoff = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct worker {
	pthread_t thread;
	unsigned int id;
	unsigned int seed;
	pthread_barrier_t *start;
	long allocs, frees, foreign_frees, alloc_failures, bad_stamps, overlaps;
};

static void setup(void)
{
	log_setup("threads");
	start_ukmem("mem=256M");
}

static unsigned long stamp_of(unsigned int owner, unsigned long pfn)
{
	return ((unsigned long)owner << 48) ^ (pfn * 0x9e3779b97f4a7c15UL);
}

/* First and last word of every page of the block. */
static void stamp(const struct owned *b)
{
	unsigned long pfn = page_to_pfn(b->page);

	for (unsigned long i = 0; i < (1UL << b->order); i++) {
		unsigned long *w = page_address(b->page + i);

		w[0] = stamp_of(b->owner, pfn + i);
		w[PAGE_SIZE / sizeof(*w) - 1] = ~w[0];
	}
}

static bool stamp_ok(const struct owned *b)
{
	unsigned long pfn = page_to_pfn(b->page);

	for (unsigned long i = 0; i < (1UL << b->order); i++) {
		unsigned long *w = page_address(b->page + i);

		if (w[0] != stamp_of(b->owner, pfn + i) || w[PAGE_SIZE / sizeof(*w) - 1] != ~w[0])
			return false;
	}
	return true;
}

static bool handoff_put(const struct owned *b)
{
	bool ok = false;

	pthread_mutex_lock(&handoff.lock);
	if (handoff.n < HANDOFF_SLOTS) {
		handoff.slot[handoff.n++] = *b;
		ok = true;
	}
	pthread_mutex_unlock(&handoff.lock);
	return ok;
}

static bool handoff_take(struct owned *b, unsigned int not_owner)
{
	bool ok = false;

	pthread_mutex_lock(&handoff.lock);
	for (int i = handoff.n - 1; i >= 0; i--) {
		if (handoff.slot[i].owner == not_owner)
			continue;
		*b = handoff.slot[i];
		handoff.slot[i] = handoff.slot[--handoff.n];
		ok = true;
		break;
	}
	pthread_mutex_unlock(&handoff.lock);
	return ok;
}

static void free_checked(struct worker *w, struct owned *b)
{
	if (!stamp_ok(b))
		w->bad_stamps++;
	__free_pages(b->page, b->order);
	w->frees++;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct owned live[LIVE_MAX];
	int nlive = 0;

	pthread_barrier_wait(w->start);
	for (long it = 0; it < ITERATIONS; it++) {
		unsigned int r = (unsigned int)rand_r(&w->seed);

		if (nlive < LIVE_MAX && (nlive == 0 || r % 100 < 52)) {
			struct owned b = { .order = (r >> 8) % (MAX_TEST_ORDER + 1), .owner = w->id };

			b.page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, b.order);
			if (!b.page) {
				w->alloc_failures++;
				continue;
			}
			if (page_ref_count(b.page) != 1 || page_to_pfn(b.page) % (1UL << b.order))
				w->overlaps++;
			stamp(&b);
			live[nlive++] = b;
			w->allocs++;
		} else if (r % 100 < 60) {
			/* Hand one of ours over, or free one of someone else's. */
			struct owned b;

			if ((r >> 8) & 1) {
				int i = (int)((r >> 9) % (unsigned int)nlive);

				if (handoff_put(&live[i]))
					live[i] = live[--nlive];
			} else if (handoff_take(&b, w->id)) {
				free_checked(w, &b);
				w->foreign_frees++;
			}
		} else {
			int i = (int)((r >> 8) % (unsigned int)nlive);

			free_checked(w, &live[i]);
			live[i] = live[--nlive];
		}
	}
	while (nlive > 0)
		free_checked(w, &live[--nlive]);
	return NULL;
}

static void run_threads(int nthreads)
{
	struct worker workers[8];
	pthread_barrier_t start;
	unsigned long free_before = drained_free_pages();
	long frees = 0, foreign = 0, allocs = 0;
	struct owned b;

	memset(workers, 0, sizeof(workers));
	pthread_barrier_init(&start, NULL, (unsigned int)nthreads);
	for (int i = 0; i < nthreads; i++) {
		workers[i].id = (unsigned int)i + 1;
		workers[i].seed = 1000u + (unsigned int)i * 77u + (unsigned int)nthreads;
		workers[i].start = &start;
		ASSERT_EQ(pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]), 0);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(workers[i].thread, NULL);
	pthread_barrier_destroy(&start);

	/* What is left in the exchange is freed here, by yet another thread. */
	struct worker main_worker = { 0 };

	while (handoff_take(&b, 0))
		free_checked(&main_worker, &b);
	EXPECT_EQ(main_worker.bad_stamps, 0);
	for (int i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		if (w->bad_stamps || w->overlaps || w->alloc_failures)
			HARNESS_FAIL("thread %u of %d: %ld blocks with a foreign stamp, %ld bad blocks, "
				     "%ld failed allocations", w->id, nthreads, w->bad_stamps,
				     w->overlaps, w->alloc_failures);
		allocs += w->allocs;
		frees += w->frees;
		foreign += w->foreign_frees;
	}
	EXPECT_EQ(frees + main_worker.frees, allocs);	/* every block freed once */
	EXPECT_GT(allocs, (long)ITERATIONS * nthreads / 3);
	EXPECT_GT(foreign, 100);	/* the exchange did run */
	EXPECT_EQ(ukmem_page_validate(), 0);
	EXPECT_UEQ(drained_free_pages(), free_before);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

TEST(two_threads)
{
	run_threads(2);
}

TEST(four_threads)
{
	run_threads(4);
}

/* Many short-lived threads, each leaving pages on a per-CPU list: the
 * pages are not lost when the thread is gone. */
static void *short_lived(void *arg)
{
	struct page *pages[32];

	(void)arg;
	for (int i = 0; i < 32; i++)
		pages[i] = alloc_pages(GFP_KERNEL, (unsigned int)(i % 4));
	for (int i = 0; i < 32; i++)
		if (pages[i])
			__free_pages(pages[i], (unsigned int)(i % 4));
	return NULL;
}

TEST(short_lived_threads)
{
	unsigned long free_before = drained_free_pages();

	for (int round = 0; round < 20; round++) {
		pthread_t t[4];

		for (int i = 0; i < 4; i++)
			ASSERT_EQ(pthread_create(&t[i], NULL, short_lived, NULL), 0);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
	}
	EXPECT_UEQ(drained_free_pages(), free_before);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(two_threads),
	T(four_threads),
	T(short_lived_threads))
