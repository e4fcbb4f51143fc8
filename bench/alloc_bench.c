/*
 * alloc_bench.c - one workload through the malloc API, timed, with the
 * process's peak resident size: the same program runs on glibc and, under
 * LD_PRELOAD, on jemalloc, tcmalloc, mimalloc and ukmem's malloc library.
 *
 * A benchmark, not a test.  bench/run-alloc-bench.sh runs every workload
 * under every allocator and prints the table; bench/RESULTS.md holds the
 * figures of record.
 *
 * usage: alloc_bench WORKLOAD [SCALE]
 *        alloc_bench --callgrind [PAIRS]
 *        alloc_bench --cachesets
 *        alloc_bench --list
 * prints one line: "WORKLOAD SECONDS PEAK_RSS_KIB CPU_SECONDS" (SCALE
 * multiplies the work; default 1).  Seconds are wall time (CLOCK_MONOTONIC)
 * around the workload, thread start and join included; the peak is VmHWM
 * of /proc/self/status read at the end (the same as getrusage's ru_maxrss),
 * so it includes the program and the allocator's own start-up; CPU seconds
 * are the process's user + system time over the workload (on a shared
 * machine, wall time also counts waiting for a CPU).
 *
 * The workloads were written for this project after the behaviours that
 * the standard allocator benchmarks (mimalloc-bench) model:
 *
 *   malloc64    malloc(64)/free pairs: the fast path alone (glibc-simple).
 *   sizeclass   sizes 8..8192 swept in steps of 8 through a ring of live
 *               objects: every size class, each freed long after its
 *               allocation (alloc-test, sh6bench's size mix).
 *   churn1/2    1 or 2 threads, each its own set of live objects, random
 *               sizes 8..1024 and random lifetimes (cfrac, espresso: small
 *               short-lived objects; churn2 checks the threads scale).
 *   threads     20,000 threads one after another, each allocating and
 *               freeing 16 objects of 16 sizes: what a thread's start and
 *               exit cost (larson's new thread per round, servers).
 *   prodcons    2 threads: one allocates, hands every object through a
 *               lock-free ring, the other frees it: every free is remote
 *               (xmalloc-test).
 *   server      4 threads with live sets of random sizes 8 B..1 KiB and
 *               random lifetimes that also swap objects through a shared
 *               table, so about one free in eight is of another thread's
 *               object (larson, mstress).
 *   random64k   random sizes up to 64 KiB, a few hundred live (rptest's
 *               medium sizes: past every small-object cache).
 *   large       4 live blocks of 5-25 MiB at random, a sixteenth of each
 *               written, freed and allocated again (malloc-large).
 *   realloc     8 live buffers grown by random steps of up to 16 KiB to
 *               1 MiB, then freed and started again (string and vector
 *               growth).
 *   falseshare  cache-scratch: the main thread allocates one small object
 *               per thread and hands it over; each thread frees it, then
 *               allocates, writes and frees an object of the same size in
 *               a loop.  An allocator that gives a thread the object just
 *               freed there keeps the two threads writing one cache line
 *               (passive false sharing): the time shows it.
 *
 * Every workload is deterministic: fixed seeds, xorshift64* per thread, the
 * same requests from each thread on every allocator (only which thread
 * frees an object that went through a shared table or ring depends on the
 * scheduler).  Objects are written on allocation and read before free (the
 * size in the first 4 bytes, a check byte in the last), so no allocator
 * gets away with handing out memory nobody touches and the compiler cannot
 * drop a malloc/free pair.  Sizes were chosen so each workload takes about
 * 0.3 to 2 s on glibc on the 2-core machine of bench/RESULTS.md.
 *
 * --callgrind runs warm-up pairs, then bench_malloc_pairs(): PAIRS
 * malloc(64)/free pairs with one other 64-byte object live, for valgrind
 * --tool=callgrind
 * --toggle-collect=bench_malloc_pairs (bench/callgrind-fastpath.sh).
 * --cachesets reports how the live objects of churn1's pattern spread over
 * the sets of a 1 MiB 16-way cache (see cachesets_mode()).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#define CACHE_LINE 64

static double scale = 1.0;

static long scaled(long n)
{
	long v = (long)((double)n * scale);

	return v > 0 ? v : 1;
}

static void die(const char *what)
{
	fprintf(stderr, "alloc_bench: %s\n", what);
	exit(1);
}

/* xorshift64* (Vigna): small, fast and good enough for sizes and slots. */
static inline uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* A value in [lo, hi]. */
static inline size_t rnd_range(uint64_t *s, size_t lo, size_t hi)
{
	return lo + (size_t)((rnd(s) >> 11) % (hi - lo + 1));
}

/* Keep the compiler from dropping or merging an access to p. */
static inline void escape(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/*
 * Objects carry their size in their first 4 bytes and a check byte in
 * their last: written at allocation, read at free.  Every object is >= 8
 * bytes, so the two never overlap.
 */
static inline void *obj_alloc(size_t size)
{
	unsigned char *p = malloc(size);

	if (!p)
		die("malloc failed");
	*(uint32_t *)(void *)p = (uint32_t)size;
	p[size - 1] = (unsigned char)size;
	return p;
}

static uint64_t bad_objects;

static inline void obj_free(void *q)
{
	unsigned char *p = q;
	size_t size;

	if (!p)
		return;
	size = *(uint32_t *)(void *)p;
	if (p[size - 1] != (unsigned char)size)
		__atomic_fetch_add(&bad_objects, 1, __ATOMIC_RELAXED);
	free(p);
}

static void start_threads(pthread_t *t, int n, void *(*fn)(void *), void *args, size_t argsz)
{
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fn, (char *)args + (size_t)i * argsz))
			die("pthread_create failed");
}

static void join_threads(pthread_t *t, int n)
{
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/* ---- malloc64 ------------------------------------------------------------ */

static void wl_malloc64(void)
{
	long n = scaled(40000000);

	for (long i = 0; i < n; i++) {
		uint64_t *p = malloc(64);

		if (!p)
			die("malloc failed");
		p[0] = (uint64_t)i;
		escape(p);
		free(p);
	}
}

/* ---- sizeclass ----------------------------------------------------------- */

#define SIZECLASS_RING 1000	/* not a divisor of the 1024 sizes: slots see every size */

static void wl_sizeclass(void)
{
	static void *ring[SIZECLASS_RING];
	long n = scaled(15000000);

	for (long i = 0; i < n; i++) {
		size_t slot = (size_t)(i % SIZECLASS_RING);
		size_t size = 8 * (size_t)(i % 1024 + 1);

		obj_free(ring[slot]);
		ring[slot] = obj_alloc(size);
	}
	for (int i = 0; i < SIZECLASS_RING; i++)
		obj_free(ring[i]);
}

/* ---- churn1 / churn2 ----------------------------------------------------- */

#define CHURN_LIVE 4096

struct churn_arg {
	uint64_t seed;
	long ops;
} __attribute__((aligned(CACHE_LINE)));

/* Random slot: free what is there, and (3 times in 4) allocate a random
 * size in its place, so the live set hovers around 3/4 of the slots and a
 * lifetime is geometric with a mean of CHURN_LIVE operations. */
static void *churn_thread(void *argp)
{
	struct churn_arg *a = argp;
	void **live = calloc(CHURN_LIVE, sizeof(void *));
	uint64_t s = a->seed;

	if (!live)
		die("calloc failed");
	for (long i = 0; i < a->ops; i++) {
		uint64_t r = rnd(&s);
		size_t slot = (size_t)(r % CHURN_LIVE);

		obj_free(live[slot]);
		live[slot] = NULL;
		if ((r >> 20) & 3)
			live[slot] = obj_alloc(8 + (size_t)((r >> 32) % 1017));
	}
	for (int i = 0; i < CHURN_LIVE; i++)
		obj_free(live[i]);
	free(live);
	return NULL;
}

static void churn(int threads)
{
	struct churn_arg args[2];
	pthread_t t[2];

	for (int i = 0; i < threads; i++) {
		args[i].seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1);
		args[i].ops = scaled(20000000);
	}
	start_threads(t, threads, churn_thread, args, sizeof(args[0]));
	join_threads(t, threads);
}

static void wl_churn1(void) { churn(1); }
static void wl_churn2(void) { churn(2); }

/* ---- threads --------------------------------------------------------------- */

/*
 * Thread churn, as a server that hands each request to a new thread: one
 * thread after another allocates a few objects of 16 sizes, frees them and
 * exits.  What a thread's start and exit cost the allocator (per-thread
 * caches made, filled, flushed and freed) is most of what is measured.
 */
#define THREAD_CHURN_OBJECTS 16

static void *short_thread(void *argp)
{
	void *p[THREAD_CHURN_OBJECTS];

	for (int i = 0; i < THREAD_CHURN_OBJECTS; i++)
		p[i] = obj_alloc(16 + (size_t)i * 24);
	for (int i = 0; i < THREAD_CHURN_OBJECTS; i++)
		obj_free(p[i]);
	return argp;
}

static void wl_threads(void)
{
	long n = scaled(20000);

	for (long i = 0; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, short_thread, NULL) != 0)
			die("pthread_create failed");
		pthread_join(t, NULL);
	}
}

/* ---- prodcons ------------------------------------------------------------ */

/*
 * A single-producer single-consumer ring of pointers.  Each side publishes
 * its index every PC_BATCH objects (and at the end), so the two cache
 * lines of the indices move once per batch, not once per object: the cost
 * left is the allocator's, in particular its remote free.
 */
#define PC_RING  4096
#define PC_BATCH 64

static struct {
	void *slot[PC_RING];
	_Alignas(CACHE_LINE) unsigned long head;	/* written by the producer */
	_Alignas(CACHE_LINE) unsigned long tail;	/* written by the consumer */
	_Alignas(CACHE_LINE) long n;
} pc;

static void spin_pause(unsigned int *spins)
{
	if (++*spins < 64)
		__builtin_ia32_pause();
	else
		sched_yield();	/* the machine has 2 CPUs and other work */
}

static void *pc_producer(void *unused)
{
	(void)unused;
	uint64_t s = 0x243F6A8885A308D3ULL;
	unsigned long head = 0, limit = 0;

	for (long i = 0; i < pc.n; i++) {
		if (head == limit) {
			unsigned int spins = 0;

			__atomic_store_n(&pc.head, head, __ATOMIC_RELEASE);
			while ((limit = __atomic_load_n(&pc.tail, __ATOMIC_ACQUIRE) + PC_RING) == head)
				spin_pause(&spins);
		}
		pc.slot[head % PC_RING] = obj_alloc(rnd_range(&s, 8, 512));
		head++;
		if (head % PC_BATCH == 0)
			__atomic_store_n(&pc.head, head, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&pc.head, head, __ATOMIC_RELEASE);
	return NULL;
}

static void *pc_consumer(void *unused)
{
	(void)unused;
	unsigned long tail = 0, avail = 0;

	while (tail < (unsigned long)pc.n) {
		if (tail == avail) {
			unsigned int spins = 0;

			__atomic_store_n(&pc.tail, tail, __ATOMIC_RELEASE);
			while ((avail = __atomic_load_n(&pc.head, __ATOMIC_ACQUIRE)) == tail)
				spin_pause(&spins);
		}
		obj_free(pc.slot[tail % PC_RING]);
		tail++;
		if (tail % PC_BATCH == 0)
			__atomic_store_n(&pc.tail, tail, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void wl_prodcons(void)
{
	pthread_t p, c;

	pc.n = scaled(5000000);
	if (pthread_create(&p, NULL, pc_producer, NULL) ||
	    pthread_create(&c, NULL, pc_consumer, NULL))
		die("pthread_create failed");
	pthread_join(p, NULL);
	pthread_join(c, NULL);
}

/* ---- server -------------------------------------------------------------- */

#define SERVER_THREADS 4
#define SERVER_LIVE    1024
#define SERVER_SHARED  4096

static void *server_shared[SERVER_SHARED];

struct server_arg {
	uint64_t seed;
	long ops;
} __attribute__((aligned(CACHE_LINE)));

/* Replace a random live object by a new one of random size; one time in
 * eight, first swap it with a random slot of the shared table, so the
 * object this thread frees next in that slot may be another thread's. */
static void *server_thread(void *argp)
{
	struct server_arg *a = argp;
	void **live = calloc(SERVER_LIVE, sizeof(void *));
	uint64_t s = a->seed;

	if (!live)
		die("calloc failed");
	for (long i = 0; i < a->ops; i++) {
		uint64_t r = rnd(&s);
		size_t slot = (size_t)(r % SERVER_LIVE);

		if (((r >> 16) & 7) == 0)
			live[slot] = __atomic_exchange_n(&server_shared[(r >> 24) % SERVER_SHARED],
							 live[slot], __ATOMIC_ACQ_REL);
		obj_free(live[slot]);
		live[slot] = obj_alloc(8 + (size_t)((r >> 40) % 1017));
	}
	for (int i = 0; i < SERVER_LIVE; i++)
		obj_free(live[i]);
	free(live);
	return NULL;
}

static void wl_server(void)
{
	struct server_arg args[SERVER_THREADS];
	pthread_t t[SERVER_THREADS];

	for (int i = 0; i < SERVER_THREADS; i++) {
		args[i].seed = 0xD1B54A32D192ED03ULL * (uint64_t)(i + 1);
		args[i].ops = scaled(5000000);
	}
	start_threads(t, SERVER_THREADS, server_thread, args, sizeof(args[0]));
	join_threads(t, SERVER_THREADS);
	for (int i = 0; i < SERVER_SHARED; i++) {
		obj_free(server_shared[i]);
		server_shared[i] = NULL;
	}
}

/* ---- random64k ----------------------------------------------------------- */

#define R64K_LIVE 256

static void wl_random64k(void)
{
	static void *live[R64K_LIVE];
	uint64_t s = 0x452821E638D01377ULL;
	long n = scaled(5000000);

	for (long i = 0; i < n; i++) {
		uint64_t r = rnd(&s);
		size_t slot = (size_t)(r % R64K_LIVE);

		obj_free(live[slot]);
		live[slot] = obj_alloc(8 + (size_t)((r >> 32) % (65536 - 8 + 1)));
	}
	for (int i = 0; i < R64K_LIVE; i++)
		obj_free(live[i]);
}

/* ---- large ----------------------------------------------------------------- */

/*
 * Big buffers, allocated, partly written and freed over and over: 4 live
 * blocks of 5-25 MiB at random, a sixteenth of each written (mimalloc-
 * bench's malloc-large).  What the allocator does with a freed big block
 * (give it back at once, or keep it for the next one) is what is measured.
 */
#define LARGE_LIVE 4

static void wl_large(void)
{
	static void *live[LARGE_LIVE];
	uint64_t s = 0x13198A2E03707344ULL;
	long n = scaled(2000);

	for (long i = 0; i < n; i++) {
		uint64_t r = rnd(&s);
		size_t slot = (size_t)(i % LARGE_LIVE);
		size_t size = (5UL << 20) + (size_t)((r >> 16) % (20UL << 20));

		obj_free(live[slot]);
		live[slot] = obj_alloc(size);
		memset((char *)live[slot] + 4, 1, size / 16);
	}
	for (int i = 0; i < LARGE_LIVE; i++)
		obj_free(live[i]);
}

/* ---- realloc ------------------------------------------------------------- */

#define RA_BUFS 8
#define RA_MAX  (1u << 20)
#define RA_STEP (16u << 10)

/* Grow one of the buffers by a random step; a buffer past 1 MiB is freed
 * and starts again at a random small size.  The new bytes' first and last
 * are written, and the first byte checked: realloc must keep the data. */
static void wl_realloc(void)
{
	struct {
		unsigned char *p;
		size_t len;
	} b[RA_BUFS] = { { 0 } };
	uint64_t s = 0x13198A2E03707344ULL;
	long n = scaled(60000);

	for (long i = 0; i < n; i++) {
		uint64_t r = rnd(&s);
		int k = (int)(r % RA_BUFS);
		size_t len = b[k].len + 1 + (size_t)((r >> 16) % RA_STEP);

		if (len > RA_MAX) {
			free(b[k].p);
			b[k].p = NULL;
			b[k].len = 0;
			len = 1 + (size_t)((r >> 40) % 256);
		}
		unsigned char *p = realloc(b[k].p, len);

		if (!p)
			die("realloc failed");
		if (b[k].len && p[0] != (unsigned char)k)
			bad_objects++;
		p[b[k].len] = 1;
		p[len - 1] = 2;
		p[0] = (unsigned char)k;
		b[k].p = p;
		b[k].len = len;
	}
	for (int k = 0; k < RA_BUFS; k++)
		free(b[k].p);
}

/* ---- falseshare ---------------------------------------------------------- */

/*
 * cache-scratch with 2 threads and 4 objects each.  The main thread
 * allocates the 8 objects back to back and deals them out alternately,
 * so whatever the allocator's spacing (up to 32 bytes), some object of
 * one thread shares a cache line with one of the other's: the test does
 * not depend on where a line boundary happens to fall.
 */
#define FS_THREADS 2
#define FS_OBJECTS 4	/* per thread */
#define FS_OBJSIZE 8

struct fs_arg {
	void *given[FS_OBJECTS];	/* allocated by the main thread */
	long iterations, repetitions;
} __attribute__((aligned(CACHE_LINE)));

static void *fs_thread(void *argp)
{
	struct fs_arg *a = argp;
	volatile char *p[FS_OBJECTS];

	for (int k = 0; k < FS_OBJECTS; k++)
		free(a->given[k]);
	for (long i = 0; i < a->iterations; i++) {
		for (int k = 0; k < FS_OBJECTS; k++)
			if (!(p[k] = malloc(FS_OBJSIZE)))
				die("malloc failed");
		for (long j = 0; j < a->repetitions; j++)
			for (int k = 0; k < FS_OBJECTS; k++)
				for (int b = 0; b < FS_OBJSIZE; b++)
					p[k][b] = (char)(p[k][b] + 1);
		for (int k = 0; k < FS_OBJECTS; k++)
			free((void *)p[k]);
	}
	return NULL;
}

static void wl_falseshare(void)
{
	struct fs_arg args[FS_THREADS];
	pthread_t t[FS_THREADS];

	for (int k = 0; k < FS_OBJECTS; k++)
		for (int i = 0; i < FS_THREADS; i++)
			if (!(args[i].given[k] = malloc(FS_OBJSIZE)))
				die("malloc failed");
	for (int i = 0; i < FS_THREADS; i++) {
		args[i].iterations = 1000;
		args[i].repetitions = scaled(5000);
	}
	start_threads(t, FS_THREADS, fs_thread, args, sizeof(args[0]));
	join_threads(t, FS_THREADS);
}

/* ---- callgrind mode ------------------------------------------------------ */

static inline __attribute__((always_inline)) void malloc_loop(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = malloc(64);

		escape(p);
		free(p);
	}
}

/* The loop callgrind counts: keep the name, it is the --toggle-collect. */
__attribute__((noinline)) void bench_malloc_pairs(long n);
__attribute__((noinline)) void bench_malloc_pairs(long n)
{
	malloc_loop(n);
}

static int callgrind_mode(long pairs)
{
	void *keep = malloc(64);

	escape(keep);	/* or the compiler drops the pair */
	malloc_loop(1000);	/* warm-up, not counted: caches made, fast path primed */
	bench_malloc_pairs(pairs);
	printf("callgrind %ld\n", pairs);
	free(keep);
	return 0;
}

/* ---- cache-set mode ------------------------------------------------------- */

/*
 * --cachesets: where the live objects of churn1's pattern fall in a cache
 * of 1 MiB, 16 ways, 64-byte lines (1024 sets).  The workload touches two
 * lines of each object (its first and last byte); an allocator whose
 * objects crowd into some sets loses those lines to conflict misses even
 * though the lines would fit in the cache.  Prints how many lines are
 * beyond the 16 ways of their set.
 */
static int cachesets_mode(void)
{
	enum { SETS = 1024, WAYS = 16 };
	static void *live[CHURN_LIVE];
	static size_t size[CHURN_LIVE];
	static int per_set[SETS];
	uint64_t s = 0x9E3779B97F4A7C15ULL;
	int lines = 0, used = 0, crowded = 0, most = 0, beyond = 0;

	for (long i = 0; i < 2000000; i++) {
		uint64_t r = rnd(&s);
		size_t slot = (size_t)(r % CHURN_LIVE);

		free(live[slot]);
		live[slot] = NULL;
		if ((r >> 20) & 3) {
			size[slot] = 8 + (size_t)((r >> 32) % 1017);
			if (!(live[slot] = malloc(size[slot])))
				die("malloc failed");
		}
	}
	for (int k = 0; k < CHURN_LIVE; k++) {
		uintptr_t first, last;

		if (!live[k])
			continue;
		first = (uintptr_t)live[k] / CACHE_LINE;
		last = ((uintptr_t)live[k] + size[k] - 1) / CACHE_LINE;
		per_set[first % SETS]++;
		lines++;
		if (last != first) {
			per_set[last % SETS]++;
			lines++;
		}
		free(live[k]);
	}
	for (int i = 0; i < SETS; i++) {
		used += per_set[i] > 0;
		crowded += per_set[i] > WAYS;
		beyond += per_set[i] > WAYS ? per_set[i] - WAYS : 0;
		most = per_set[i] > most ? per_set[i] : most;
	}
	printf("cachesets lines %d sets_used %d/%d sets_over_%d_ways %d lines_beyond %d (%.1f%%) "
	       "most_in_one_set %d\n", lines, used, SETS, WAYS, crowded, beyond,
	       100.0 * beyond / (lines ? lines : 1), most);
	return 0;
}

/* ---- main ------------------------------------------------------------------ */

static const struct workload {
	const char *name;
	void (*run)(void);
} workloads[] = {
	{ "malloc64", wl_malloc64 },
	{ "sizeclass", wl_sizeclass },
	{ "churn1", wl_churn1 },
	{ "churn2", wl_churn2 },
	{ "threads", wl_threads },
	{ "prodcons", wl_prodcons },
	{ "server", wl_server },
	{ "random64k", wl_random64k },
	{ "large", wl_large },
	{ "realloc", wl_realloc },
	{ "falseshare", wl_falseshare },
};

#define NR_WORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

/* VmHWM of this process in KiB (peak resident set), or -1. */
static long peak_rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void usage(void)
{
	fprintf(stderr, "usage: alloc_bench WORKLOAD [SCALE] | --callgrind [PAIRS] | --cachesets | --list\n"
			"workloads:");
	for (size_t i = 0; i < NR_WORKLOADS; i++)
		fprintf(stderr, " %s", workloads[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const struct workload *w = NULL;
	uint64_t t0, t1, c0, c1;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < NR_WORKLOADS; i++)
			printf("%s\n", workloads[i].name);
		return 0;
	}
	if (!strcmp(argv[1], "--callgrind"))
		return callgrind_mode(argc > 2 ? atol(argv[2]) : 1000000);
	if (!strcmp(argv[1], "--cachesets"))
		return cachesets_mode();
	for (size_t i = 0; i < NR_WORKLOADS; i++)
		if (!strcmp(argv[1], workloads[i].name))
			w = &workloads[i];
	if (!w)
		usage();
	if (argc > 2 && (scale = atof(argv[2])) <= 0)
		usage();

	c0 = cpu_ns();
	t0 = now_ns();
	w->run();
	t1 = now_ns();
	c1 = cpu_ns();
	if (bad_objects)
		fprintf(stderr, "alloc_bench: %s: %lu objects lost their contents\n", w->name,
			(unsigned long)bad_objects);
	printf("%s %.3f %ld %.3f\n", w->name, (double)(t1 - t0) / 1e9, peak_rss_kib(),
	       (double)(c1 - c0) / 1e9);
	return bad_objects ? 1 : 0;
}
