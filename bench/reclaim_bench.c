/*
 * reclaim_bench.c - what memory pressure costs an allocation (issue 8's
 * figures): on a full 64 MiB arena, the time for GFP_ATOMIC and GFP_NOWAIT
 * to fail (target: under 5 us, never blocking), and the time for a
 * GFP_KERNEL allocation to succeed when a shrinker can give pages back
 * (direct reclaim from the first priority down to where it finds them).
 * Medians of 7 runs, ns per allocation, wall clock.
 *
 *   bench/reclaim_bench
 */
#include <stdio.h>
#include <stdlib.h>

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

int main(void)
{
	double atomic[RUNS], nowait[RUNS], kernel[RUNS], kernel_pages[RUNS];
	struct shrinker *s;

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
	return 0;
}
