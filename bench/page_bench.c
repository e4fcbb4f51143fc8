/*
 * page_bench.c - figures for the page allocator: time per alloc_pages +
 * __free_pages pair, with one and with several threads, the resident size
 * around a large allocate/touch/free cycle, and the cost of high orders.
 *
 * A benchmark, not a test: it prints figures and never fails on a slow
 * result.  bench/run-page-bench.sh builds and runs it; bench/RESULTS.md
 * holds the figures of record.
 *
 * How it measures
 * ---------------
 * Every timed figure is the median of RUNS runs (5; 3 with --quick).  A run
 * is a fixed number of operations, calibrated once per case so a run lasts
 * about 75 ms (10 ms with --quick); the calibration doubles as warm-up.
 * Clock: CLOCK_MONOTONIC.  Nothing is pinned, so on a shared machine the
 * figures move between invocations: compare medians, and run twice.  Pair
 * loops also report the thread's CPU time (CLOCK_THREAD_CPUTIME_ID): wall
 * time well above it means the thread waited for a CPU, not for ukmem.
 *
 * The sections follow the targets of the page allocator issue:
 *   1. pairs and batches, orders 0..10, one thread;
 *   2. pairs, orders 0..3 and 9, --threads threads at once, each its own
 *      loop;
 *   3. resident memory around 1 GiB of order-9 blocks and 256 MiB of
 *      order-0 pages (target: after freeing, within 5% of before);
 *   4. orders 4..8 only (no per-CPU lists), three ways: a lone block, one
 *      pinned below pageblock order, and an exact fit (claim: the cost of a
 *      pair does not grow with the size of the block);
 *   5. two threads on one zone: order-9 pairs (a release to the OS on every
 *      free) beside order-4 pairs that never release (pinned as in 4): what
 *      the releases cost the other thread's zone-lock work.
 *   --sections=LIST runs only some of them (e.g. --sections=2,5).
 *
 * What the allocator does that shapes the figures (src/page/buddy.c):
 * a free that yields a block of order >= 9 (pageblock order) gives its
 * memory to the OS with madvise(MADV_DONTNEED), after dropping the zone
 * lock.  So every order-9
 * and order-10 free is a system call, and so is the free of a *lone* block
 * of any order >= 4 in an otherwise idle allocator: it merges with its free
 * buddies back up to order 10.  Section 4 separates the two costs.  Free
 * order-10 blocks beyond the first four also give back their 64 KiB of
 * memmap, which the next allocation of that block faults in again: that
 * is the cost of the order-9 and order-10 batches.
 *
 * --callgrind runs warm-up pairs and then bench_order0_pairs() alone, for
 * valgrind --tool=callgrind --toggle-collect=bench_order0_pairs: its
 * inclusive instruction count divided by the pairs is the cost of one
 * order-0 pair from the per-CPU lists, without the start-up.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <ukmem/gfp.h>
#include <ukmem/ukmem.h>

#include "bench_util.h"

#define MAX_RUNS	5
#define MAX_THREADS	64
#define MIB		(1024.0 * 1024.0)

static struct {
	const char *mem;		/* ukmem's mem= */
	int threads;			/* section 2 */
	int runs;			/* runs per figure, <= MAX_RUNS */
	uint64_t target_ns;		/* length of one run */
	long callgrind_pairs;		/* > 0: --callgrind mode */
	unsigned int sections;		/* bit n: run section n */
} cfg = {
	.mem = "2G",
	.threads = 2,
	.runs = MAX_RUNS,
	.target_ns = 75000000,
	.sections = ~0u,
};

static void die(const char *what)
{
	fprintf(stderr, "page_bench: %s\n", what);
	exit(1);
}

/* Median, min and max of v[0..n) (v is reordered). */
struct spread {
	double med, min, max;
};

static struct spread spread_of(double *v, int n)
{
	struct spread s;

	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	s.min = v[0];
	s.max = v[n - 1];
	s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

/* "[min-max]" of a spread, for a table column; one printf may take up to
 * four of them. */
static const char *range(struct spread s)
{
	static char buf[4][48];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "[%.1f-%.1f]", s.min, s.max);
	return b;
}

/* ---- the measured loops -------------------------------------------------- */

static void alloc_failed(unsigned int order)
{
	fprintf(stderr, "page_bench: alloc_pages(GFP_KERNEL, %u) failed: is --mem too small?\n",
		order);
	exit(1);
}

static __attribute__((noinline)) void pairs(unsigned int order, long n)
{
	for (long i = 0; i < n; i++) {
		struct page *page = alloc_pages(GFP_KERNEL, order);

		if (!page)
			alloc_failed(order);
		__free_pages(page, order);
	}
}

/* The loop callgrind counts: keep the name, it is the --toggle-collect. */
__attribute__((noinline, noclone)) void bench_order0_pairs(long n);
__attribute__((noinline, noclone)) void bench_order0_pairs(long n)
{
	pairs(0, n);
}

static uint64_t time_pairs(unsigned int order, long n)
{
	uint64_t t0 = now_ns();

	pairs(order, n);
	return now_ns() - t0;
}

/* Pairs that write one byte per page before the free, so the release to
 * the OS has pages to take away (section 5). */
static uint64_t time_touched_pairs(unsigned int order, long n)
{
	uint64_t t0 = now_ns();

	for (long i = 0; i < n; i++) {
		struct page *page = alloc_pages(GFP_KERNEL, order);
		volatile char *p;

		if (!page)
			alloc_failed(order);
		p = page_address(page);
		for (unsigned long j = 0; j < (1UL << order); j++)
			p[j * PAGE_SIZE] = 1;
		__free_pages(page, order);
	}
	return now_ns() - t0;
}

/* Pairs per run so that a run lasts about cfg.target_ns. */
static long calibrate_pairs(unsigned int order)
{
	long n = 64;
	uint64_t t;

	while ((t = time_pairs(order, n)) < cfg.target_ns / 8 && n < (1L << 40))
		n *= 2;
	n = (long)((double)n * (double)cfg.target_ns / (double)(t ? t : 1));
	return n > 1 ? n : 1;
}

/* ns per pair over the runs; *cpu (if not NULL): the median in CPU time. */
static struct spread pair_ns(unsigned int order, long n, double *cpu)
{
	double v[MAX_RUNS], c[MAX_RUNS];

	for (int r = 0; r < cfg.runs; r++) {
		uint64_t cpu0 = thread_cpu_ns();

		v[r] = (double)time_pairs(order, n) / (double)n;
		c[r] = (double)(thread_cpu_ns() - cpu0) / (double)n;
	}
	if (cpu)
		*cpu = spread_of(c, cfg.runs).med;
	return spread_of(v, cfg.runs);
}

/* reps rounds of: allocate nr blocks, then free them all, in the order
 * they were allocated.  Adds the time of each phase. */
static void batch_rounds(unsigned int order, int nr, long reps, struct page **pages,
			 uint64_t *alloc_ns, uint64_t *free_ns)
{
	uint64_t ta = 0, tf = 0;

	for (long r = 0; r < reps; r++) {
		uint64_t t0 = now_ns(), t1, t2;

		for (int i = 0; i < nr; i++) {
			pages[i] = alloc_pages(GFP_KERNEL, order);
			if (!pages[i])
				alloc_failed(order);
		}
		t1 = now_ns();
		for (int i = 0; i < nr; i++)
			__free_pages(pages[i], order);
		t2 = now_ns();
		ta += t1 - t0;
		tf += t2 - t1;
	}
	*alloc_ns = ta;
	*free_ns = tf;
}

static void batch_ns(unsigned int order, int nr, struct spread *alloc, struct spread *free_)
{
	struct page *pages[64];
	double va[MAX_RUNS], vf[MAX_RUNS];
	uint64_t ta, tf;
	long reps = 1;

	do {	/* calibrate */
		reps *= 2;
		batch_rounds(order, nr, reps, pages, &ta, &tf);
	} while (ta + tf < cfg.target_ns / 8);
	reps = (long)((double)reps * (double)cfg.target_ns / (double)(ta + tf));
	if (reps < 1)
		reps = 1;
	for (int r = 0; r < cfg.runs; r++) {
		batch_rounds(order, nr, reps, pages, &ta, &tf);
		va[r] = (double)ta / (double)(reps * nr);
		vf[r] = (double)tf / (double)(reps * nr);
	}
	*alloc = spread_of(va, cfg.runs);
	*free_ = spread_of(vf, cfg.runs);
}

/* ---- the machine ----------------------------------------------------------- */

static void read_field(const char *file, const char *key, char *out, size_t size)
{
	char line[512];
	FILE *f = fopen(file, "r");

	snprintf(out, size, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon;

		if (strncmp(line, key, strlen(key)) || !(colon = strchr(line, ':')))
			continue;
		colon++;
		colon += strspn(colon, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, size, "%s", colon);
		break;
	}
	fclose(f);
}

static size_t rss_bytes(void)
{
	unsigned long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "%lu %lu", &size, &resident);
	fclose(f);
	return n == 2 ? resident * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

static void print_machine(void)
{
	char cpu[256], memtotal[64], date[64];
	struct utsname u;
	time_t t = time(NULL);

	read_field("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
	read_field("/proc/meminfo", "MemTotal", memtotal, sizeof(memtotal));
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
	uname(&u);
	printf("ukmem page allocator benchmark\n");
	printf("date:     %s\n", date);
	printf("machine:  %ld CPUs online (nproc), %s; MemTotal %s; %s %s\n",
	       sysconf(_SC_NPROCESSORS_ONLN), cpu, memtotal, u.sysname, u.release);
	printf("compiler: gcc %s\n", __VERSION__);
	printf("options:  mem=%s threads=%d runs=%d run~%.0f ms; figures are median [min-max]"
	       " of the runs\n", cfg.mem, cfg.threads, cfg.runs, (double)cfg.target_ns / 1e6);
}

/* ---- 1. one thread, orders 0..10 --------------------------------------------- */

static long pairs_per_run[NR_PAGE_ORDERS];
static double single_pair_ns[NR_PAGE_ORDERS];

/* The one-thread figures of an order, measured here if section 1 did not
 * run. */
static void need_single(unsigned int order)
{
	if (pairs_per_run[order])
		return;
	ukmem_drain_all();
	pairs_per_run[order] = calibrate_pairs(order);
	single_pair_ns[order] = pair_ns(order, pairs_per_run[order], NULL).med;
}

static void section_single(void)
{
	printf("\n1. alloc_pages(GFP_KERNEL, order) + __free_pages, one thread\n");
	printf("   pair: alloc then free, repeated; batch: allocate N blocks, then free them\n");
	printf("   (N = 64 for orders 0..3, 16 above).  ns per operation, wall clock; cpu: the\n"
	       "   pair's median in CPU time, which leaves out time the thread waited for a CPU.\n\n");
	printf("   order  block     pair ns [min-max]      cpu     N   batch alloc ns [min-max]   batch free ns [min-max]\n");
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		int nr = order <= PAGE_ALLOC_COSTLY_ORDER ? 64 : 16;
		struct spread p, a, f;
		double cpu;

		ukmem_drain_all();	/* each order starts from merged memory */
		pairs_per_run[order] = calibrate_pairs(order);
		p = pair_ns(order, pairs_per_run[order], &cpu);
		single_pair_ns[order] = p.med;
		batch_ns(order, nr, &a, &f);
		printf("   %5u  %5lu KiB %8.1f %-15s %7.1f   %3d %9.1f %-17s %9.1f %s\n",
		       order, (PAGE_SIZE << order) >> 10, p.med, range(p), cpu, nr,
		       a.med, range(a), f.med, range(f));
	}
	printf("\n   Orders 0..3 come from the per-CPU lists; 4..10 from the buddy lists under the\n"
	       "   zone lock.  A free that leaves a block of order >= 9 gives it back to the OS at\n"
	       "   once (madvise): that system call dominates orders 9 and 10, and also the pairs\n"
	       "   of orders 4..8 here, whose lone block merges back to order 10 on every free\n"
	       "   (see section 4).  The order-9/10 batches also fault in again the memmap\n"
	       "   (64 KiB of struct pages per 4 MiB) that freed order-10 blocks gave back.\n");
}

/* ---- 2. several threads, orders 0..3 ------------------------------------------ */

struct worker {
	pthread_t tid;
	pthread_barrier_t *barrier;
	unsigned int order;
	int pin_order;		/* >= 0: hold a block of this order meanwhile */
	bool touch;		/* time_touched_pairs, not time_pairs */
	long n;
	double ns[MAX_RUNS];	/* ns per pair of each run, wall clock */
	double cpu_ns[MAX_RUNS];	/* the same in this thread's CPU time */
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct page *pin = NULL;

	if (w->pin_order >= 0 && !(pin = alloc_pages(GFP_KERNEL, (unsigned int)w->pin_order)))
		alloc_failed((unsigned int)w->pin_order);
	pairs(w->order, w->n / 16 + 1);	/* warm-up: this thread's lists */
	for (int r = 0; r < cfg.runs; r++) {
		uint64_t cpu0;

		pthread_barrier_wait(w->barrier);
		cpu0 = thread_cpu_ns();
		w->ns[r] = (double)(w->touch ? time_touched_pairs : time_pairs)(w->order, w->n) /
			   (double)w->n;
		w->cpu_ns[r] = (double)(thread_cpu_ns() - cpu0) / (double)w->n;
	}
	if (pin)
		__free_pages(pin, (unsigned int)w->pin_order);
	return NULL;
}

/* Run nt workers (already filled in but for the barrier) to the end. */
static void run_workers(struct worker *workers, int nt)
{
	pthread_barrier_t barrier;

	ukmem_drain_all();
	if (pthread_barrier_init(&barrier, NULL, (unsigned int)nt))
		die("pthread_barrier_init");
	for (int t = 0; t < nt; t++) {
		workers[t].barrier = &barrier;
		if (pthread_create(&workers[t].tid, NULL, worker_main, &workers[t]))
			die("pthread_create");
	}
	for (int t = 0; t < nt; t++)
		pthread_join(workers[t].tid, NULL);
	pthread_barrier_destroy(&barrier);
}

static void section_threads(void)
{
	static const unsigned int orders[] = { 0, 1, 2, 3, pageblock_order };
	static struct worker workers[MAX_THREADS];
	int nt = cfg.threads, shown = nt < 4 ? nt : 4;

	printf("\n2. alloc_pages + __free_pages pairs, %d threads at once, each its own loop\n", nt);
	printf("   ns per pair in each thread, wall clock (median [min-max] of the runs), and in\n"
	       "   the thread's CPU time (median), which leaves out the time it waited for a CPU;\n"
	       "   1 thread: section 1\n\n");
	printf("   order  1 thread");
	for (int t = 0; t < shown; t++)
		printf("   thread %d [min-max]        cpu", t);
	if (nt > shown)
		printf("   all threads: median of medians, slowest");
	printf("\n");
	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		unsigned int order = orders[i];
		double med[MAX_THREADS], worst = 0;

		need_single(order);
		for (int t = 0; t < nt; t++) {
			workers[t].order = order;
			workers[t].pin_order = -1;
			workers[t].n = pairs_per_run[order];
		}
		run_workers(workers, nt);
		printf("   %5u  %8.1f", order, single_pair_ns[order]);
		for (int t = 0; t < nt; t++) {
			struct spread s = spread_of(workers[t].ns, cfg.runs);

			med[t] = s.med;
			if (s.med > worst)
				worst = s.med;
			if (t < shown)
				printf("   %8.1f %-15s %5.1f", s.med, range(s),
				       spread_of(workers[t].cpu_ns, cfg.runs).med);
		}
		if (nt > shown) {
			double mm = spread_of(med, nt).med;

			printf("   %8.1f, %.1f", mm, worst);
		}
		printf("\n");
	}
	printf("\n   Each thread uses the lists of the CPU it runs on; with more threads than free\n"
	       "   CPUs, a thread that finds its CPU's list busy goes to the zone lock instead.\n"
	       "   Order 9 takes the zone lock on every operation and gives each freed block\n"
	       "   back to the OS (madvise 2 or 4 MiB) with the lock dropped.\n"
	       "   Wall well above CPU time: the threads shared a CPU (with each other or with\n"
	       "   other programs), not a slower allocator.\n");
}

/* ---- 3. resident memory -------------------------------------------------------- */

static void touch(struct page *page, unsigned int order)
{
	volatile char *p = page_address(page);

	for (unsigned long i = 0; i < (1UL << order); i++)
		p[i * PAGE_SIZE] = 1;
}

static void print_rss(const char *what, size_t bytes, size_t before)
{
	printf("   %-46s %9.1f MiB", what, (double)bytes / MIB);
	if (before)
		printf("   after/before %.3f", (double)bytes / (double)before);
	printf("\n");
}

/* Allocate total bytes as blocks of order, touch them, free them; print
 * the resident size along the way. */
static void rss_cycle(unsigned int order, size_t total, struct page **pages)
{
	long nr = (long)(total / (PAGE_SIZE << order)), got = 0;
	uint64_t t0, t1, t2, t3;
	size_t before, peak, after;

	ukmem_drain_all();
	before = rss_bytes();
	t0 = now_ns();
	for (; got < nr; got++) {
		pages[got] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
		if (!pages[got])
			break;
	}
	t1 = now_ns();
	if (got < nr)
		printf("   (only %ld of %ld order-%u blocks: --mem is too small)\n", got, nr, order);
	for (long i = 0; i < got; i++)
		touch(pages[i], order);
	t2 = now_ns();
	peak = rss_bytes();
	for (long i = 0; i < got; i++)
		__free_pages(pages[i], order);
	t3 = now_ns();
	after = rss_bytes();
	printf("\n   %.0f MiB as %ld order-%u blocks: alloc %.1f ms, touch %.1f ms, free %.1f ms\n",
	       (double)got * (double)(PAGE_SIZE << order) / MIB, got, order,
	       (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6, (double)(t3 - t2) / 1e6);
	print_rss("RSS before", before, 0);
	print_rss("RSS peak (all allocated and touched)", peak, before);
	print_rss("RSS after freeing all", after, before);
	if (order <= PAGE_ALLOC_COSTLY_ORDER) {
		ukmem_drain_all();
		print_rss("RSS after ukmem_drain_all()", rss_bytes(), before);
	}
}

static void section_rss(void)
{
	size_t big = 1UL << 30, small = 256UL << 20;
	long slots = (long)(small / PAGE_SIZE);
	struct page **pages = calloc((size_t)slots, sizeof(*pages));

	/* The pointer array is resident before the first "before". */
	if (!pages)
		die("out of memory for the block array");
	memset(pages, 0xff, (size_t)slots * sizeof(*pages));
	printf("\n3. resident memory (RSS, /proc/self/statm) around a large cycle; target: after\n"
	       "   freeing everything, within 5%% of before\n");
	rss_cycle(pageblock_order, big, pages);
	rss_cycle(0, small, pages);
	printf("\n   Free blocks of order >= 9 go back to the OS at once; order-0 pages on the\n"
	       "   per-CPU lists, and the partly free 2 MiB blocks they keep from merging, stay\n"
	       "   resident until drained.\n");
	free(pages);
}

/* ---- 4. orders 4..8: does a pair cost more for a larger block? ------------------ */

/*
 * Pairs of order while a block of pin_order (>= order) is held.  After a
 * drain every free block is of order 10, so the pin is the lower end of a
 * split and its buddy of pin_order is free: each pair splits that buddy
 * down to order and merges it back up, pin_order - order levels, and stops
 * at the pin, below pageblock order, so no free goes to the OS.
 */
static struct spread pinned_pair_ns(unsigned int order, unsigned int pin_order)
{
	struct page *pin = alloc_pages(GFP_KERNEL, pin_order);
	struct spread s;

	if (!pin)
		alloc_failed(pin_order);
	s = pair_ns(order, calibrate_pairs(order), NULL);
	__free_pages(pin, pin_order);
	return s;
}

static void section_orders(void)
{
	printf("\n4. orders 4..8 (buddy lists, no per-CPU lists): ns per pair vs block size\n");
	printf("   lone:   nothing else allocated; the block is split from order 10 and merges\n"
	       "           back to 10 on free, which then goes to the OS (madvise 4 MiB)\n");
	printf("   pinned: an order-8 block is held, so the pair splits from order 8 and merges\n"
	       "           back to 8: 8-order splits and merges, no system call\n");
	printf("   exact:  a free block of the order is waiting: no split, no merge\n\n");
	printf("   order  block     lone ns [min-max]           pinned ns [min-max]  levels  exact ns [min-max]\n");
	for (unsigned int order = 4; order <= pageblock_order - 1; order++) {
		struct spread lone, pinned, exact;

		ukmem_drain_all();
		lone = pair_ns(order, calibrate_pairs(order), NULL);
		ukmem_drain_all();
		pinned = pinned_pair_ns(order, pageblock_order - 1);
		ukmem_drain_all();
		exact = pinned_pair_ns(order, order);
		printf("   %5u  %5lu KiB %8.1f %-17s %8.1f %-15s %2u   %8.1f %s\n",
		       order, (PAGE_SIZE << order) >> 10, lone.med, range(lone),
		       pinned.med, range(pinned), pageblock_order - 1 - order,
		       exact.med, range(exact));
	}
	printf("\n   The block grows 16x from order 4 to 8; the buddy work is one split and one\n"
	       "   merge per level (at most MAX_ORDER), and no step touches each page.\n");
}

/* ---- 5. a releasing thread beside a zone-lock thread --------------------------------- */

static void section_mixed(void)
{
	struct worker workers[2] = {
		{ .order = pageblock_order, .pin_order = -1 },
		{ .order = 4, .pin_order = (int)pageblock_order - 1 },
	};

	struct page *pin;
	double alone[2], touched_alone;
	long touched_n = 1;
	uint64_t t;

	need_single(pageblock_order);
	alone[0] = single_pair_ns[pageblock_order];
	ukmem_drain_all();
	while ((t = time_touched_pairs(pageblock_order, touched_n)) < cfg.target_ns / 8)
		touched_n *= 2;
	touched_n = (long)((double)touched_n * (double)cfg.target_ns / (double)t) + 1;
	touched_alone = (double)time_touched_pairs(pageblock_order, touched_n) / (double)touched_n;
	ukmem_drain_all();
	pin = alloc_pages(GFP_KERNEL, pageblock_order - 1);
	if (!pin)
		alloc_failed(pageblock_order - 1);
	workers[1].n = calibrate_pairs(4);
	alone[1] = pair_ns(4, workers[1].n, NULL).med;
	__free_pages(pin, pageblock_order - 1);
	printf("\n5. two threads on one zone: order-9 pairs (each free gives 2-4 MiB to the OS)\n"
	       "   beside order-4 pairs with an order-8 block held (buddy lists, zone lock, no\n"
	       "   system call); the order-9 blocks untouched, then touched (a byte per page,\n"
	       "   so madvise has 512 pages to take away).  ns per pair, wall clock median\n"
	       "   [min-max], and CPU time\n\n");
	printf("   thread                  alone      beside the other [min-max]      cpu\n");
	for (int touch = 0; touch < 2; touch++) {
		/* Runs of about the same length, so the two loops overlap. */
		workers[0].touch = touch;
		workers[0].n = touch ? touched_n : pairs_per_run[pageblock_order];
		alone[0] = touch ? touched_alone : single_pair_ns[pageblock_order];
		run_workers(workers, 2);
		for (int w = 0; w < 2; w++) {
			struct spread s = spread_of(workers[w].ns, cfg.runs);

			printf("   order %u%s %10.1f   %10.1f %-19s %10.1f\n", workers[w].order,
			       w ? " pinned        " : touch ? " touched       " : " untouched     ",
			       alone[w], s.med, range(s), spread_of(workers[w].cpu_ns, cfg.runs).med);
		}
	}
	printf("\n   alone: the same loop with the other thread idle (order 9 untouched: section\n"
	       "   1's pair).  With the release under the zone lock, the order-4 thread waits\n"
	       "   for the other's madvise on most operations.\n");
}

/* ---- main -------------------------------------------------------------------------- */

static void usage(void)
{
	printf("usage: page_bench [--mem=SIZE] [--threads=N] [--quick] [--sections=LIST]\n"
	       "                  [--callgrind[=PAIRS]]\n"
	       "  --mem=SIZE        ukmem's mem= (default 2G; section 3 wants more than 1G)\n"
	       "  --threads=N       threads of section 2 (default 2)\n"
	       "  --quick           3 runs of ~10 ms instead of 5 of ~75 ms\n"
	       "  --sections=LIST   only these sections, e.g. 2,5 (default all)\n"
	       "  --callgrind[=N]   only N order-0 pairs (default 100000) in bench_order0_pairs(),\n"
	       "                    for valgrind --tool=callgrind --toggle-collect=bench_order0_pairs\n");
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--mem=", 6)) {
			cfg.mem = a + 6;
		} else if (!strncmp(a, "--threads=", 10)) {
			cfg.threads = atoi(a + 10);
			if (cfg.threads < 1 || cfg.threads > MAX_THREADS)
				die("--threads: 1..64");
		} else if (!strncmp(a, "--sections=", 11)) {
			char *end = (char *)a + 11;

			cfg.sections = 0;
			do {
				long n = strtol(end + (*end == ','), &end, 10);

				if (n < 1 || n > 5)
					die("--sections: numbers 1..5, separated by commas");
				cfg.sections |= 1u << n;
			} while (*end == ',');
			if (*end)
				die("--sections: numbers 1..5, separated by commas");
		} else if (!strcmp(a, "--quick")) {
			cfg.runs = 3;
			cfg.target_ns = 10000000;
		} else if (!strcmp(a, "--callgrind")) {
			cfg.callgrind_pairs = 100000;
		} else if (!strncmp(a, "--callgrind=", 12)) {
			cfg.callgrind_pairs = atol(a + 12);
			if (cfg.callgrind_pairs < 1)
				die("--callgrind=N: N >= 1");
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage();
			exit(0);
		} else {
			usage();
			exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	char options[96];
	int ret;

	parse_args(argc, argv);
	snprintf(options, sizeof(options), "mem=%s", cfg.mem);
	ret = ukmem_init(options);
	if (ret) {
		fprintf(stderr, "page_bench: ukmem_init(\"%s\") = %d\n", options, ret);
		return 1;
	}
	if (cfg.callgrind_pairs) {
		pairs(0, 10000);	/* fill this CPU's lists */
		bench_order0_pairs(cfg.callgrind_pairs);
		printf("callgrind: %ld order-0 pairs in bench_order0_pairs\n", cfg.callgrind_pairs);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	print_machine();
	if (cfg.sections & 1u << 1)
		section_single();
	if (cfg.sections & 1u << 2)
		section_threads();
	if (cfg.sections & 1u << 3)
		section_rss();
	if (cfg.sections & 1u << 4)
		section_orders();
	if (cfg.sections & 1u << 5)
		section_mixed();
	return 0;
}
