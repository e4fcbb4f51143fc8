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
 *   larson      2 slots of 1000 live objects of 10..500 bytes; a thread
 *               replaces 10,000 of its slot's at random, starts the slot's
 *               next thread and exits, so objects allocated by threads
 *               that have exited are freed by new ones (larson).
 *   xmalloc     1 thread allocates batches of 256 objects, mostly of 8..64
 *               bytes, that a mutex-protected stack of at most 64 batches
 *               carries to 1 thread that frees them (xmalloc-test).
 *   rings       2 threads, each with 512 live objects of 16 B..4 KiB
 *               replaced at random, post batches of 16..64 new objects to
 *               each other through single-producer single-consumer
 *               mailboxes: half of the frees are remote and come in
 *               bursts (rptest).
 *   mthread     2 threads, each replacing random slots of a set of 1024
 *               with objects of glibc's inverse-square size distribution
 *               over 4 B..32 KiB, every byte written (glibc-thread).
 *   thrash1     one 8-byte object allocated, each byte written 5000 times,
 *               freed, over and over: falseshare's baseline without the
 *               other thread (cache-thrash with 1 thread).
 *   simple      runs of 25, 100, 400 and 1600 blocks of 16, 32 and 64
 *               bytes allocated, written, then freed in the same order
 *               (glibc-simple, bench-malloc-simple).
 *
 * Every workload is deterministic: fixed seeds, xorshift64* per thread, the
 * same requests from each thread on every allocator (only which thread
 * frees an object that went through a shared table or ring, and when,
 * depends on the scheduler).  Objects are written on allocation and read
 * before free (the size in the first 4 bytes, a check byte in the last),
 * so no allocator gets away with handing out memory nobody touches and the
 * compiler cannot drop a malloc/free pair.  Sizes were chosen so each
 * workload takes about 0.3 to 2 s on glibc on the 2-core machine of
 * bench/RESULTS.md.
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

static __attribute__((noreturn)) void die(const char *what)
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

/* obj_alloc, with the bytes between the size and the check byte written
 * too, up to the object's first 'most' bytes. */
static inline void *obj_alloc_fill(size_t size, size_t most, int c)
{
	unsigned char *p = obj_alloc(size);
	size_t end = size - 1 < most ? size - 1 : most;

	if (end > 4)
		memset(p + 4, c, end - 4);
	return p;
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

/* ---- larson ---------------------------------------------------------------- */

/*
 * larson's server: each slot owns LARSON_BLOCKS objects of random sizes
 * 10..500 bytes (the main thread allocates them first, as larson's warm-up
 * does).  A thread replaces LARSON_ROUND random objects of its slot by new
 * ones of random sizes, then creates the slot's next thread (detached, as
 * larson's exiting thread spawns its successor) and exits; the successor
 * carries on with the same array.  So a thread frees the objects that
 * threads before it allocated, threads that have exited since: what the
 * allocator does with an exited thread's objects and caches is measured
 * with the replacements.  The two slots' chains run at the same time.
 */
#define LARSON_SLOTS  2
#define LARSON_BLOCKS 1000
#define LARSON_ROUND  10000	/* replacements per thread */

struct larson_slot {
	void *blk[LARSON_BLOCKS];
	uint64_t seed;
	long rounds;	/* threads left to run in this slot, the running one included */
} __attribute__((aligned(CACHE_LINE)));

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;	/* slots whose last thread has finished its round */
	pthread_attr_t detached;
} larson = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void *larson_thread(void *argp)
{
	struct larson_slot *sl = argp;
	uint64_t s = sl->seed;
	pthread_t next;

	for (long i = 0; i < LARSON_ROUND; i++) {
		uint64_t r = rnd(&s);
		size_t k = (size_t)(r % LARSON_BLOCKS);

		obj_free(sl->blk[k]);
		sl->blk[k] = obj_alloc(10 + (size_t)((r >> 32) % 491));
	}
	sl->seed = s;
	if (--sl->rounds > 0) {
		if (pthread_create(&next, &larson.detached, larson_thread, sl))
			die("pthread_create failed");
	} else {
		pthread_mutex_lock(&larson.lock);
		larson.done++;
		pthread_cond_signal(&larson.cond);
		pthread_mutex_unlock(&larson.lock);
	}
	return NULL;
}

static void wl_larson(void)
{
	static struct larson_slot slot[LARSON_SLOTS];
	pthread_t t;

	if (pthread_attr_init(&larson.detached) ||
	    pthread_attr_setdetachstate(&larson.detached, PTHREAD_CREATE_DETACHED))
		die("pthread_attr failed");
	for (int i = 0; i < LARSON_SLOTS; i++) {
		uint64_t s = 0xA4093822299F31D0ULL * (uint64_t)(i + 1);

		for (int k = 0; k < LARSON_BLOCKS; k++)
			slot[i].blk[k] = obj_alloc(rnd_range(&s, 10, 500));
		slot[i].seed = s;
		slot[i].rounds = scaled(3500);
	}
	for (int i = 0; i < LARSON_SLOTS; i++)
		if (pthread_create(&t, &larson.detached, larson_thread, &slot[i]))
			die("pthread_create failed");
	pthread_mutex_lock(&larson.lock);
	while (larson.done < LARSON_SLOTS)
		pthread_cond_wait(&larson.cond, &larson.lock);
	pthread_mutex_unlock(&larson.lock);
	for (int i = 0; i < LARSON_SLOTS; i++)
		for (int k = 0; k < LARSON_BLOCKS; k++)
			obj_free(slot[i].blk[k]);
	pthread_attr_destroy(&larson.detached);
}

/* ---- xmalloc --------------------------------------------------------------- */

/*
 * xmalloc-test with one allocating and one freeing thread: the allocator
 * fills a batch (itself malloc'ed) with XM_BATCH objects, writes up to 128
 * bytes of each, and pushes it on a stack under a mutex; the releaser pops
 * batches and frees them and their objects.  At most XM_DEPTH batches are
 * in flight (the allocator waits on a condition variable).  Sizes are
 * mostly small: 7 in 10 of 8..64 bytes, the rest 65..512.
 */
#define XM_BATCH 256
#define XM_DEPTH 64

struct xm_batch {
	struct xm_batch *next;
	void *obj[XM_BATCH];
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t nonempty, nonfull;
	struct xm_batch *top;
	int count;
	long batches;	/* to pass in all */
} xm = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.nonempty = PTHREAD_COND_INITIALIZER,
	.nonfull = PTHREAD_COND_INITIALIZER,
};

static void *xm_allocator(void *unused)
{
	(void)unused;
	uint64_t s = 0x082EFA98EC4E6C89ULL;

	for (long n = 0; n < xm.batches; n++) {
		struct xm_batch *b = malloc(sizeof(*b));

		if (!b)
			die("malloc failed");
		for (int i = 0; i < XM_BATCH; i++) {
			uint64_t r = rnd(&s);
			size_t size = r % 10 < 7 ? 8 + (size_t)((r >> 8) % 57)
						 : 65 + (size_t)((r >> 8) % 448);

			b->obj[i] = obj_alloc_fill(size, 128, i);
		}
		pthread_mutex_lock(&xm.lock);
		while (xm.count >= XM_DEPTH)
			pthread_cond_wait(&xm.nonfull, &xm.lock);
		b->next = xm.top;
		xm.top = b;
		xm.count++;
		pthread_cond_signal(&xm.nonempty);
		pthread_mutex_unlock(&xm.lock);
	}
	return NULL;
}

static void *xm_releaser(void *unused)
{
	(void)unused;

	for (long n = 0; n < xm.batches; n++) {
		struct xm_batch *b;

		pthread_mutex_lock(&xm.lock);
		while (!xm.top)
			pthread_cond_wait(&xm.nonempty, &xm.lock);
		b = xm.top;
		xm.top = b->next;
		xm.count--;
		pthread_cond_signal(&xm.nonfull);
		pthread_mutex_unlock(&xm.lock);
		for (int i = 0; i < XM_BATCH; i++)
			obj_free(b->obj[i]);
		free(b);
	}
	return NULL;
}

static void wl_xmalloc(void)
{
	pthread_t a, r;

	xm.batches = scaled(25000);
	if (pthread_create(&a, NULL, xm_allocator, NULL) ||
	    pthread_create(&r, NULL, xm_releaser, NULL))
		die("pthread_create failed");
	pthread_join(a, NULL);
	pthread_join(r, NULL);
}

/* ---- rings ----------------------------------------------------------------- */

/*
 * rptest's pattern with 2 threads.  Each thread keeps a working set of
 * RINGS_LOCAL objects; a pass replaces n random ones of them (n random,
 * 16..64), then allocates a batch of n objects, writes them and posts the
 * batch to the other thread's mailbox (a single-producer single-consumer
 * ring of RINGS_DEPTH batches), and frees the batches in its own mailbox.
 * So half of a thread's frees are of the other thread's objects, returned
 * in bursts.  A thread whose peer's mailbox is full empties its own while
 * it waits, so at most 2 * RINGS_DEPTH batches are in flight.  Sizes
 * 16..4096, mostly small: half 16..128, 3 in 8 129..1024, 1 in 8 1025..4096.
 */
#define RINGS_LOCAL 512
#define RINGS_DEPTH 8
#define RINGS_MAX   64	/* objects in a batch */

struct rings_box {
	struct {
		int n;
		void *obj[RINGS_MAX];
	} slot[RINGS_DEPTH];
	_Alignas(CACHE_LINE) unsigned long head;	/* written by the sender */
	_Alignas(CACHE_LINE) unsigned long tail;	/* written by the receiver */
};

struct rings_arg {
	struct rings_box *in, *out;
	uint64_t seed;
	long passes;
	long received;
} __attribute__((aligned(CACHE_LINE)));

static size_t rings_size(uint64_t r)
{
	switch (r & 7) {
	case 0: case 1: case 2: case 3:
		return 16 + (size_t)((r >> 8) % 113);
	case 4: case 5: case 6:
		return 129 + (size_t)((r >> 8) % 896);
	default:
		return 1025 + (size_t)((r >> 8) % 3072);
	}
}

/* Free every batch waiting in a's mailbox. */
static void rings_receive(struct rings_arg *a)
{
	struct rings_box *in = a->in;
	unsigned long head = __atomic_load_n(&in->head, __ATOMIC_ACQUIRE);
	unsigned long tail = in->tail;

	for (; tail != head; tail++) {
		int k = (int)(tail % RINGS_DEPTH);

		for (int i = 0; i < in->slot[k].n; i++)
			obj_free(in->slot[k].obj[i]);
		a->received++;
	}
	__atomic_store_n(&in->tail, tail, __ATOMIC_RELEASE);
}

static void *rings_thread(void *argp)
{
	struct rings_arg *a = argp;
	struct rings_box *out = a->out;
	void **local = calloc(RINGS_LOCAL, sizeof(void *));
	uint64_t s = a->seed;
	unsigned long head = 0;

	if (!local)
		die("calloc failed");
	for (int i = 0; i < RINGS_LOCAL; i++)
		local[i] = obj_alloc(rings_size(rnd(&s)));
	for (long p = 0; p < a->passes; p++) {
		int n = (int)rnd_range(&s, 16, RINGS_MAX), k = (int)(head % RINGS_DEPTH);
		unsigned int spins = 0;

		for (int i = 0; i < n; i++) {
			uint64_t r = rnd(&s);
			size_t slot = (size_t)((r >> 40) % RINGS_LOCAL);

			obj_free(local[slot]);
			local[slot] = obj_alloc(rings_size(r));
		}
		while (head - __atomic_load_n(&out->tail, __ATOMIC_ACQUIRE) == RINGS_DEPTH) {
			rings_receive(a);
			spin_pause(&spins);
		}
		for (int i = 0; i < n; i++)
			out->slot[k].obj[i] = obj_alloc(rings_size(rnd(&s)));
		out->slot[k].n = n;
		__atomic_store_n(&out->head, ++head, __ATOMIC_RELEASE);
		rings_receive(a);
	}
	for (unsigned int spins = 0; a->received < a->passes; spin_pause(&spins))
		rings_receive(a);
	for (int i = 0; i < RINGS_LOCAL; i++)
		obj_free(local[i]);
	free(local);
	return NULL;
}

static void wl_rings(void)
{
	static struct rings_box box[2];
	struct rings_arg args[2];
	pthread_t t[2];

	for (int i = 0; i < 2; i++) {
		args[i].in = &box[i];
		args[i].out = &box[1 - i];
		args[i].seed = 0xBE5466CF34E90C6CULL * (uint64_t)(i + 1);
		args[i].passes = scaled(80000);
		args[i].received = 0;
	}
	start_threads(t, 2, rings_thread, args, sizeof(args[0]));
	join_threads(t, 2);
}

/* ---- mthread --------------------------------------------------------------- */

/*
 * glibc's bench-malloc-thread with 2 threads: each thread has a working set
 * of MT_SET slots; an iteration frees a random slot's object and puts a
 * new one there, every byte of it written.  Sizes follow that benchmark's
 * inverse-square distribution over 4..32768 bytes (half are under 8, 97%
 * at most 128, a few up to 32 KiB); the ones under 8 are asked for as 8,
 * which every allocator here serves from the same class anyway.
 */
#define MT_SET 1024

struct mthread_arg {
	uint64_t seed;
	long ops;
} __attribute__((aligned(CACHE_LINE)));

/* P(size <= x) = (1/4 - 1/x) / (1/4 - 1/32768): the inverse square. */
static size_t mthread_size(uint64_t r)
{
	double u = (double)(r >> 11) * 0x1.0p-53;
	size_t size = (size_t)(1.0 / (0.25 - u * (0.25 - 1.0 / 32768)));

	return size < 8 ? 8 : size > 32768 ? 32768 : size;
}

static void *mthread_thread(void *argp)
{
	struct mthread_arg *a = argp;
	void **set = calloc(MT_SET, sizeof(void *));
	uint64_t s = a->seed;

	if (!set)
		die("calloc failed");
	for (long i = 0; i < a->ops; i++) {
		size_t slot = (size_t)(rnd(&s) % MT_SET);

		obj_free(set[slot]);
		set[slot] = obj_alloc_fill(mthread_size(rnd(&s)), SIZE_MAX, (int)i);
	}
	for (int i = 0; i < MT_SET; i++)
		obj_free(set[i]);
	free(set);
	return NULL;
}

static void wl_mthread(void)
{
	struct mthread_arg args[2];
	pthread_t t[2];

	for (int i = 0; i < 2; i++) {
		args[i].seed = 0x3F84D5B5B5470917ULL * (uint64_t)(i + 1);
		args[i].ops = scaled(30000000);
	}
	start_threads(t, 2, mthread_thread, args, sizeof(args[0]));
	join_threads(t, 2);
}

/* ---- thrash1 --------------------------------------------------------------- */

/*
 * cache-thrash with 1 thread: allocate an 8-byte object, write each of its
 * bytes TH_REPS times, free it; again.  Nearly all the time is the writes:
 * it is falseshare's baseline (the same object size and repetitions with
 * no other thread), and a figure off the others' says where the allocator
 * put the object (a line that keeps moving, a fresh page each time), not
 * how fast malloc is.  The bytes are checked before the free.
 */
#define TH_OBJSIZE 8
#define TH_REPS    5000

static void wl_thrash1(void)
{
	long n = scaled(60000);

	for (long i = 0; i < n; i++) {
		volatile char *p = malloc(TH_OBJSIZE);

		if (!p)
			die("malloc failed");
		for (int b = 0; b < TH_OBJSIZE; b++)
			p[b] = (char)b;
		for (int j = 0; j < TH_REPS; j++)
			for (int b = 0; b < TH_OBJSIZE; b++)
				p[b] = (char)(p[b] + 1);
		for (int b = 0; b < TH_OBJSIZE; b++)
			if (p[b] != (char)(b + TH_REPS))
				bad_objects++;
		free((void *)p);
	}
}

/* ---- simple ---------------------------------------------------------------- */

/*
 * glibc's bench-malloc-simple, single-threaded: for each size of 16, 32 and
 * 64 bytes and each count of 25, 100, 400 and 1600 blocks, allocate that
 * many blocks, write every byte of each, free them in the order they were
 * allocated; repeat, the same number of blocks for each size and count.
 * What the per-thread caches and fast bins do with a run of frees longer
 * than they hold is measured.
 */
#define SIMPLE_MAX 1600

static void wl_simple(void)
{
	static const size_t sizes[] = { 16, 32, 64 };
	static const int counts[] = { 25, 100, 400, SIMPLE_MAX };
	static void *arr[SIMPLE_MAX];
	long blocks = scaled(5000000);	/* per size and count */

	for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++)
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
			for (long j = 0; j < blocks / counts[c]; j++) {
				for (int i = 0; i < counts[c]; i++)
					arr[i] = obj_alloc_fill(sizes[z], SIZE_MAX, i);
				for (int i = 0; i < counts[c]; i++)
					obj_free(arr[i]);
			}
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
	{ "larson", wl_larson },
	{ "xmalloc", wl_xmalloc },
	{ "rings", wl_rings },
	{ "mthread", wl_mthread },
	{ "thrash1", wl_thrash1 },
	{ "simple", wl_simple },
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
