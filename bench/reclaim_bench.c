/*
 * reclaim_bench.c - what memory pressure costs an allocation (issue 8's
 * figures): on a full 64 MiB arena, the time for GFP_ATOMIC and GFP_NOWAIT
 * to fail (target: under 5 us, never blocking), and the time for a
 * GFP_KERNEL allocation to succeed when a shrinker can give pages back
 * (direct reclaim from the first priority down to where it finds them).
 * Medians of 7 runs, ns per allocation, wall clock.  Then a workload at
 * 1.5 times the arena: two threads keep objects of 64 B to 8 KiB in a
 * shrinker-backed cache (oldest first out), allocating with GFP_KERNEL,
 * which must never fail; kswapd on.  Throughput and failures.
 *
 *   bench/reclaim_bench              the failure and reclaim costs
 *   bench/reclaim_bench --workload   the 1.5x workload
 *   bench/reclaim_bench --baseline   the same in 1 GiB: no pressure
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ukmem.h>

#include "bench_util.h"

#define ARENA_PAGES (64 << 8)
#define RUNS 7

static struct page *held[ARENA_PAGES], *cached[ARENA_PAGES];
static int nr_held, nr_cached;

static unsigned long count(struct shrinker *s, struct shrink_control *sc)
{
	(void)s;
	(void)sc;
	return nr_cached ? (unsigned long)nr_cached : SHRINK_EMPTY;
}

static unsigned long scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long freed = 0;

	(void)s;
	while (freed < sc->nr_to_scan && nr_cached > 0) {
		__free_pages(cached[--nr_cached], 0);
		freed++;
	}
	return freed;
}

static void fill(void)
{
	struct page *p;

	for (int pass = 0; pass < 2; pass++) {
		while (nr_held < ARENA_PAGES &&
		       (p = alloc_pages(GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOWARN, 0)) != NULL)
			held[nr_held++] = p;
		ukmem_drain_all();
	}
}

static void quiet(const char *msg, size_t len)
{
	(void)msg;
	(void)len;
}

/* ns per failed allocation of gfp, n tries. */
static double time_failures(gfp_t gfp, int n)
{
	uint64_t t0 = now_ns();

	for (int i = 0; i < n; i++)
		if (alloc_pages(gfp | __GFP_NOWARN, 0)) {
			fprintf(stderr, "an allocation succeeded on a full arena\n");
			exit(1);
		}
	return (double)(now_ns() - t0) / n;
}

/* ---- 1.5x the arena: a cache of objects that the shrinker trims --------------- */

#define WORKLOAD_BYTES (96UL << 20)	/* 1.5 * 64 MiB */
#define RING (1 << 18)

struct object_cache {
	pthread_mutex_t lock;
	void *ring[RING];
	size_t size[RING];
	unsigned long head, tail;	/* head: next in; tail: oldest */
	unsigned long bytes, evicted, failures, allocs;
};

static struct object_cache oc = { .lock = PTHREAD_MUTEX_INITIALIZER };

static unsigned long oc_count(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long n;

	(void)s;
	(void)sc;
	pthread_mutex_lock(&oc.lock);
	n = oc.head - oc.tail;
	pthread_mutex_unlock(&oc.lock);
	return n ? n : SHRINK_EMPTY;
}

static void *oc_pop_locked(size_t *size)
{
	void *p = oc.ring[oc.tail % RING];

	*size = oc.size[oc.tail % RING];
	oc.tail++;
	oc.bytes -= *size;
	return p;
}

static unsigned long oc_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long freed = 0;

	(void)s;
	pthread_mutex_lock(&oc.lock);
	while (freed < sc->nr_to_scan && oc.head != oc.tail) {
		size_t size;

		kfree(oc_pop_locked(&size));
		freed++;
	}
	oc.evicted += freed;
	pthread_mutex_unlock(&oc.lock);
	return freed;
}

static void *oc_worker(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	unsigned long n = (unsigned long)(uintptr_t)arg >> 8;

	for (unsigned long i = 0; i < n; i++) {
		size_t size = 64UL << (rand_r(&seed) % 8);	/* 64 B .. 8 KiB */
		void *p = kmalloc(size, GFP_KERNEL);
		void *old = NULL;
		size_t old_size = 0;

		if (!p) {
			__atomic_fetch_add(&oc.failures, 1, __ATOMIC_RELAXED);
			continue;
		}
		((char *)p)[0] = 1;
		((char *)p)[size - 1] = 1;
		pthread_mutex_lock(&oc.lock);
		oc.allocs++;
		/* The program's own limit: 1.5x the arena, oldest out. */
		if (oc.head - oc.tail == RING || oc.bytes + size > WORKLOAD_BYTES)
			old = oc_pop_locked(&old_size);
		oc.ring[oc.head % RING] = p;
		oc.size[oc.head % RING] = size;
		oc.head++;
		oc.bytes += size;
		pthread_mutex_unlock(&oc.lock);
		kfree(old);
	}
	return NULL;
}

static void workload_at_one_and_a_half(void)
{
	struct shrinker *s = shrinker_alloc(0, "bench-objects");
	const unsigned long per_thread = 2000000;
	pthread_t t[2];
	uint64_t t0, t1;
	size_t size;

	if (!s)
		return;
	s->count_objects = oc_count;
	s->scan_objects = oc_scan;
	shrinker_register(s);
	t0 = now_ns();
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, oc_worker, (void *)(uintptr_t)((per_thread << 8) | (i + 1)));
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	t1 = now_ns();
	printf("2 threads, objects of 64 B-8 KiB kept up to 1.5x the arena, GFP_KERNEL:\n");
	printf("  %lu allocations in %.2f s: %.0f ns each (per thread %.0f), %lu failed, "
	       "%lu given back by the shrinker\n", oc.allocs, (double)(t1 - t0) / 1e9,
	       (double)(t1 - t0) / (double)(oc.allocs ? oc.allocs : 1),
	       2.0 * (double)(t1 - t0) / (double)(oc.allocs ? oc.allocs : 1), oc.failures,
	       oc.evicted);
	shrinker_free(s);
	while (oc.head != oc.tail)
		kfree(oc_pop_locked(&size));
}

int main(int argc, char **argv)
{
	double atomic[RUNS], nowait[RUNS], kernel[RUNS], kernel_pages[RUNS];
	struct shrinker *s;

	if (argc > 1 && (!strcmp(argv[1], "--workload") || !strcmp(argv[1], "--baseline"))) {
		/* kswapd on, as a program would run; --baseline: the same in
		 * 1 GiB, where nothing needs reclaiming. */
		if (ukmem_init(!strcmp(argv[1], "--workload") ? "mem=64M" : "mem=1G") != 0)
			return 1;
		ukmem_set_log_hook(quiet);
		workload_at_one_and_a_half();
		return 0;
	}

	/* Direct reclaim alone: no background reclaimer in between. */
	if (ukmem_init("mem=64M kswapd=off") != 0)
		return 1;
	kfree(kmalloc(64, GFP_KERNEL));
	ukmem_set_log_hook(quiet);
	s = shrinker_alloc(0, "bench-cache");
	if (!s)
		return 1;
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
	fill();
	for (int r = 0; r < RUNS; r++) {
		atomic[r] = time_failures(GFP_ATOMIC, 100000);
		nowait[r] = time_failures(GFP_NOWAIT, 100000);
	}
	/* GFP_KERNEL: move 4096 held pages into the cache, then allocate
	 * until the cache is empty; each allocation that reclaims pays for
	 * the pass, the ones after it take the pages that pass freed. */
	for (int r = 0; r < RUNS; r++) {
		struct page *got[4096];
		int n = 0;
		uint64_t t0;

		while (nr_cached < 4096 && nr_held > 0)
			cached[nr_cached++] = held[--nr_held];
		t0 = now_ns();
		while (n < 4096 && (got[n] = alloc_pages(GFP_KERNEL | __GFP_NORETRY, 0)) != NULL)
			n++;
		kernel[r] = (double)(now_ns() - t0) / (n ? n : 1);
		kernel_pages[r] = n;
		for (int i = 0; i < n; i++)
			held[nr_held++] = got[i];
	}
	printf("full 64 MiB arena, ns per allocation (median of %d runs)\n", RUNS);
	printf("  GFP_ATOMIC fails                     %8.1f\n", median(atomic, RUNS));
	printf("  GFP_NOWAIT fails                     %8.1f\n", median(nowait, RUNS));
	printf("  GFP_KERNEL succeeds by reclaim       %8.1f  (%.0f pages per run)\n",
	       median(kernel, RUNS), median(kernel_pages, RUNS));
	shrinker_free(s);
	while (nr_held > 0)
		__free_pages(held[--nr_held], 0);
	return 0;
}
