/*
 * vmalloc_bench.c - large vmalloc areas: vmalloc of 5 to 25 MiB, a byte
 * written to every page, vfree, over and over (the shape of the malloc
 * front's huge blocks and of malloc-large); and the same without touching
 * the pages.  Median of 7 runs of 200 rounds, microseconds per round.
 *
 *   bench/vmalloc_bench
 */
#include <stdio.h>
#include <stdlib.h>

#include <ukmem.h>

#include "bench_util.h"

#define RUNS 7
#define ROUNDS 200

static double run(bool touch)
{
	unsigned int seed = 1;
	uint64_t t0 = now_ns();

	for (int i = 0; i < ROUNDS; i++) {
		size_t size = (5 + rand_r(&seed) % 21) << 20;
		char *p = vmalloc(size);

		if (!p) {
			fprintf(stderr, "vmalloc(%zu) failed\n", size);
			exit(1);
		}
		if (touch)
			for (size_t off = 0; off < size; off += 4096)
				p[off] = 1;
		vfree(p);
	}
	return (double)(now_ns() - t0) / ROUNDS / 1000.0;
}

int main(void)
{
	double touched[RUNS], untouched[RUNS];

	if (ukmem_init("mem=1G") != 0)
		return 1;
	for (int r = 0; r < RUNS; r++) {
		untouched[r] = run(false);
		touched[r] = run(true);
	}
	printf("vmalloc 5-25 MiB + vfree, us per round (median of %d runs of %d)\n", RUNS, ROUNDS);
	printf("  untouched  %9.1f\n", median(untouched, RUNS));
	printf("  touched    %9.1f\n", median(touched, RUNS));
	return 0;
}
