/*
 * kmalloc_bench.c - figures for the slab layer through its kernel API:
 * ns per kmalloc/kfree pair, per kmem_cache_alloc/free pair, per object of
 * a bulk alloc/free, per kzalloc(256) pair; and SLAB_HWCACHE_ALIGN against
 * false sharing (object addresses, and the time of a cache-scratch loop on
 * caches with and without the flag).
 *
 * A benchmark, not a test: it prints figures and never fails on a slow
 * result.  bench/run-alloc-bench.sh runs it; bench/RESULTS.md holds the
 * figures of record.
 *
 * How it measures
 * ---------------
 * Every figure is the median of 5 runs (3 with --quick).  A run is a fixed
 * number of operations, calibrated once per case so that it lasts about
 * 50 ms (10 ms with --quick); the calibration is also the warm-up, so the
 * sheaves are primed.  Clock: CLOCK_MONOTONIC; the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID) is printed beside it, because on a shared
 * machine wall time also counts the time the thread waited for a CPU.
 *
 * The cases:
 *   kmalloc(64)      size known at compile time: the inline kmalloc picks
 *                    the cache, so this is kmem_cache_alloc on kmalloc-64;
 *   kmalloc(n)       the same size through a variable: ukmem_kmalloc's
 *                    size-class lookup (the path a malloc front takes);
 *   kmem_cache       kmem_cache_alloc/kmem_cache_free on a 64-byte cache
 *                    of its own (SLAB_NO_MERGE, so it is not kmalloc-64);
 *   bulk 16, 64      kmem_cache_alloc_bulk then kmem_cache_free_bulk of
 *                    16 or 64 objects of that cache, ns per object;
 *   kzalloc(256)     kzalloc(256, GFP_KERNEL)/kfree.
 *
 * False sharing (SLAB_HWCACHE_ALIGN): a cache of 48-byte objects, with and
 * without the flag.  The main thread allocates 8 objects back to back and
 * deals them out alternately to 2 threads; each thread frees its 4, then
 * loops: allocate 4 (the sheaf gives back the ones it just freed), write
 * each one's first 8 bytes `reps` times, free them (mimalloc-bench's
 * cache-scratch).  Printed: how many 64-byte lines hold objects of both
 * threads (with the flag it must be 0: objects of more than half a line
 * are aligned to a whole one), and the time.  As in Linux, the flag aligns
 * objects of at most 32 bytes to a fraction of the line only; a 24-byte
 * cache shows that.
 *
 * --callgrind=MODE [N] runs warm-up pairs, then N (default 100000) pairs
 * in one noinline function, for valgrind --tool=callgrind
 * --toggle-collect=FUNCTION (bench/callgrind-fastpath.sh):
 *   kmalloc     bench_kmalloc_pairs       kmalloc(64)/kfree, constant size
 *   kmalloc-var bench_kmalloc_var_pairs   kmalloc(n)/kfree, n = 64 at run time
 *   cache       bench_cache_pairs         kmem_cache_alloc/kmem_cache_free
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ukmem/gfp.h>
#include <ukmem/slab.h>
#include <ukmem/ukmem.h>

#include "bench_util.h"

#define MAX_RUNS	5
#define CACHE_LINE	64
#define FS_THREADS	2
#define FS_OBJECTS	4	/* per thread */

static struct {
	const char *mem;
	int runs;
	uint64_t target_ns;
	const char *callgrind;	/* mode, or NULL */
	long callgrind_pairs;
} cfg = {
	.mem = "1G",
	.runs = MAX_RUNS,
	.target_ns = 50000000,
	.callgrind_pairs = 100000,
};

static struct kmem_cache *cache64;
/* The size for kmalloc(n): volatile, so the compiler cannot see it is 64. */
static volatile size_t var_size = 64;

static void die(const char *what)
{
	fprintf(stderr, "kmalloc_bench: %s\n", what);
	exit(1);
}

static void escape(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* ---- the measured loops ---------------------------------------------------- */

/* The loop bodies, inlined both into the functions callgrind counts and
 * into the warm-up, so the warm-up is not counted. */
static inline __attribute__((always_inline)) void kmalloc_loop(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = kmalloc(64, GFP_KERNEL);

		escape(p);
		kfree(p);
	}
}

static inline __attribute__((always_inline)) void kmalloc_var_loop(long n)
{
	size_t size = var_size;

	for (long i = 0; i < n; i++) {
		void *p = kmalloc(size, GFP_KERNEL);

		escape(p);
		kfree(p);
	}
}

static inline __attribute__((always_inline)) void cache_loop(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = kmem_cache_alloc(cache64, GFP_KERNEL);

		escape(p);
		kmem_cache_free(cache64, p);
	}
}

/* The loops callgrind counts: keep the names, they are the --toggle-collect. */
__attribute__((noinline, noclone)) void bench_kmalloc_pairs(long n);
__attribute__((noinline, noclone)) void bench_kmalloc_pairs(long n)
{
	kmalloc_loop(n);
}

__attribute__((noinline, noclone)) void bench_kmalloc_var_pairs(long n);
__attribute__((noinline, noclone)) void bench_kmalloc_var_pairs(long n)
{
	kmalloc_var_loop(n);
}

__attribute__((noinline, noclone)) void bench_cache_pairs(long n);
__attribute__((noinline, noclone)) void bench_cache_pairs(long n)
{
	cache_loop(n);
}

static void bulk(long n, size_t nr)
{
	void *objs[64];

	for (long i = 0; i < n; i++) {
		if (kmem_cache_alloc_bulk(cache64, GFP_KERNEL, nr, objs) != (int)nr)
			die("kmem_cache_alloc_bulk failed");
		escape(objs);
		kmem_cache_free_bulk(cache64, nr, objs);
	}
}

static void bulk16(long n) { bulk(n, 16); }
static void bulk64(long n) { bulk(n, 64); }

static void kzalloc_pairs(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = kzalloc(256, GFP_KERNEL);

		escape(p);
		kfree(p);
	}
}

static void check_alloc(void *p, const char *what)
{
	if (!p) {
		fprintf(stderr, "kmalloc_bench: %s failed: is --mem too small?\n", what);
		exit(1);
	}
}

/* ---- timing ---------------------------------------------------------------- */

struct ns_op {
	double wall, cpu;
};

/* Median ns per object of fn(n) over the runs, n calibrated first. */
static struct ns_op time_case(void (*fn)(long), long objs_per_call)
{
	double wall[MAX_RUNS], cpu[MAX_RUNS];
	long n = 16;
	uint64_t t;

	for (;;) {
		uint64_t t0 = now_ns();

		fn(n);
		t = now_ns() - t0;
		if (t >= cfg.target_ns / 8 || n >= (1L << 40))
			break;
		n *= 2;
	}
	n = (long)((double)n * (double)cfg.target_ns / (double)(t ? t : 1));
	if (n < 1)
		n = 1;
	for (int r = 0; r < cfg.runs; r++) {
		uint64_t c0 = thread_cpu_ns(), t0 = now_ns();

		fn(n);
		wall[r] = (double)(now_ns() - t0) / (double)(n * objs_per_call);
		cpu[r] = (double)(thread_cpu_ns() - c0) / (double)(n * objs_per_call);
	}
	return (struct ns_op){ median(wall, cfg.runs), median(cpu, cfg.runs) };
}

static void section_pairs(void)
{
	static const struct {
		const char *name, *unit;
		void (*fn)(long);
		long objs;
	} cases[] = {
		{ "kmalloc(64) + kfree", "pair", bench_kmalloc_pairs, 1 },
		{ "kmalloc(n = 64) + kfree", "pair", bench_kmalloc_var_pairs, 1 },
		{ "kmem_cache_alloc + kmem_cache_free (64 B)", "pair", bench_cache_pairs, 1 },
		{ "kmem_cache_alloc_bulk + free_bulk, 16", "object", bulk16, 16 },
		{ "kmem_cache_alloc_bulk + free_bulk, 64", "object", bulk64, 64 },
		{ "kzalloc(256) + kfree", "pair", kzalloc_pairs, 1 },
	};

	printf("1. Fast paths, one thread (ns, median of %d runs of ~%.0f ms)\n\n", cfg.runs,
	       (double)cfg.target_ns / 1e6);
	printf("   %-44s %8s %8s  per\n", "case", "wall", "cpu");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ns_op r = time_case(cases[i].fn, cases[i].objs);

		printf("   %-44s %8.1f %8.1f  %s\n", cases[i].name, r.wall, r.cpu, cases[i].unit);
	}
	printf("\n");
}

/* ---- false sharing ----------------------------------------------------------- */

struct fs_arg {
	struct kmem_cache *s;
	void *given[FS_OBJECTS];	/* from the main thread */
	uintptr_t got[FS_OBJECTS];	/* the first objects the loop allocated */
	long iterations, reps;
	pthread_barrier_t *barrier;
} __attribute__((aligned(CACHE_LINE)));

static void *fs_thread(void *argp)
{
	struct fs_arg *a = argp;
	volatile uint64_t *p[FS_OBJECTS];

	pthread_barrier_wait(a->barrier);
	for (int k = 0; k < FS_OBJECTS; k++)
		kmem_cache_free(a->s, a->given[k]);
	for (long i = 0; i < a->iterations; i++) {
		for (int k = 0; k < FS_OBJECTS; k++) {
			p[k] = kmem_cache_alloc(a->s, GFP_KERNEL);
			check_alloc((void *)p[k], "kmem_cache_alloc");
			if (i == 0)
				a->got[k] = (uintptr_t)p[k];
		}
		for (long j = 0; j < a->reps; j++)
			for (int k = 0; k < FS_OBJECTS; k++)
				*p[k] += 1;
		for (int k = 0; k < FS_OBJECTS; k++)
			kmem_cache_free(a->s, (void *)p[k]);
	}
	return NULL;
}

/* Cache lines that hold objects of both threads (each object is taken as
 * its object_size bytes from its address). */
static int shared_lines(uintptr_t obj[FS_THREADS][FS_OBJECTS], size_t size)
{
	int n = 0;

	for (int i = 0; i < FS_OBJECTS; i++)
		for (int j = 0; j < FS_OBJECTS; j++) {
			uintptr_t a0 = obj[0][i] / CACHE_LINE, a1 = (obj[0][i] + size - 1) / CACHE_LINE;
			uintptr_t b0 = obj[1][j] / CACHE_LINE, b1 = (obj[1][j] + size - 1) / CACHE_LINE;

			if (a0 <= b1 && b0 <= a1)
				n++;
		}
	return n;
}

struct fs_result {
	double wall_ms, cpu_ms;	/* cpu: the process's, both threads */
	int shared_given, shared_got;
	uintptr_t stride;
};

static uint64_t process_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct fs_result fs_run(struct kmem_cache *s, size_t size, long reps)
{
	struct fs_arg args[FS_THREADS];
	uintptr_t given[FS_THREADS][FS_OBJECTS], got[FS_THREADS][FS_OBJECTS];
	pthread_t t[FS_THREADS];
	pthread_barrier_t barrier;
	struct fs_result res;
	uint64_t t0, c0;

	pthread_barrier_init(&barrier, NULL, FS_THREADS + 1);
	memset(args, 0, sizeof(args));
	for (int k = 0; k < FS_OBJECTS; k++)
		for (int i = 0; i < FS_THREADS; i++) {
			args[i].given[k] = kmem_cache_alloc(s, GFP_KERNEL);
			check_alloc(args[i].given[k], "kmem_cache_alloc");
			given[i][k] = (uintptr_t)args[i].given[k];
		}
	res.stride = given[1][0] > given[0][0] ? given[1][0] - given[0][0] :
						 given[0][0] - given[1][0];
	for (int i = 0; i < FS_THREADS; i++) {
		args[i].s = s;
		args[i].iterations = 1000;
		args[i].reps = reps;
		args[i].barrier = &barrier;
		if (pthread_create(&t[i], NULL, fs_thread, &args[i]))
			die("pthread_create failed");
	}
	c0 = process_cpu_ns();
	t0 = now_ns();
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < FS_THREADS; i++)
		pthread_join(t[i], NULL);
	res.wall_ms = (double)(now_ns() - t0) / 1e6;
	res.cpu_ms = (double)(process_cpu_ns() - c0) / 1e6;
	pthread_barrier_destroy(&barrier);
	for (int i = 0; i < FS_THREADS; i++)
		memcpy(got[i], args[i].got, sizeof(got[i]));
	res.shared_given = shared_lines(given, size);
	res.shared_got = shared_lines(got, size);
	return res;
}

static void section_false_sharing(void)
{
	static const struct {
		const char *name;
		unsigned int size;
		slab_flags_t flags;
	} caches[] = {
		{ "fs48_hwalign", 48, SLAB_HWCACHE_ALIGN },
		{ "fs48_packed", 48, 0 },
		{ "fs24_hwalign", 24, SLAB_HWCACHE_ALIGN },
	};
	long reps = cfg.runs == MAX_RUNS ? 20000 : 5000;

	printf("2. SLAB_HWCACHE_ALIGN and false sharing (cache-scratch, %d threads x %d objects,\n"
	       "   1000 x %ld writes of each; ms, median of %d runs)\n\n",
	       FS_THREADS, FS_OBJECTS, reps, cfg.runs);
	printf("   %-14s %4s %6s %7s  %-22s %9s %9s %5s\n", "cache", "size", "align", "stride",
	       "lines shared given/got", "wall ms", "cpu ms", "par");
	for (size_t i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		struct kmem_cache *s = kmem_cache_create(caches[i].name, caches[i].size, 0,
							 caches[i].flags | SLAB_NO_MERGE, NULL);
		double wall[MAX_RUNS], cpu[MAX_RUNS];
		int given_max = 0, got_max = 0;
		struct fs_result r = { 0 };

		if (!s)
			die("kmem_cache_create failed");
		for (int run = 0; run < cfg.runs; run++) {
			r = fs_run(s, caches[i].size, reps);
			wall[run] = r.wall_ms;
			cpu[run] = r.cpu_ms;
			given_max = r.shared_given > given_max ? r.shared_given : given_max;
			got_max = r.shared_got > got_max ? r.shared_got : got_max;
		}
		double w = median(wall, cfg.runs), c = median(cpu, cfg.runs);

		printf("   %-14s %4u %6s %7lu  %10d / %-9d %9.1f %9.1f %5.2f\n", caches[i].name,
		       caches[i].size, caches[i].flags ? "hw" : "-", (unsigned long)r.stride,
		       given_max, got_max, w, c, c / w);
		kmem_cache_destroy(s);
	}
	printf("\n   lines shared: the most, over the runs, of the 64-byte lines holding objects\n"
	       "   of both threads (given: dealt by the main thread; got: the first the\n"
	       "   threads' own loops allocated).  With the flag, 48-byte objects take a\n"
	       "   whole line (0 expected); 24-byte ones are aligned to 32 bytes, as in Linux.\n"
	       "   par: cpu / wall, 2.00 when both threads ran all the time.  False sharing\n"
	       "   shows only when they run at once: read the times where par is near 2.\n");
}

/* ---- main --------------------------------------------------------------------- */

static void usage(void)
{
	printf("usage: kmalloc_bench [--mem=SIZE] [--quick] [--callgrind=MODE [PAIRS]]\n"
	       "  --mem=SIZE             ukmem's mem= (default 1G)\n"
	       "  --quick                3 runs of ~10 ms instead of 5 of ~50 ms\n"
	       "  --callgrind=MODE [N]   only N pairs (default 100000) in one function, for\n"
	       "                         valgrind --tool=callgrind --toggle-collect=FUNCTION:\n"
	       "                         kmalloc (bench_kmalloc_pairs), kmalloc-var\n"
	       "                         (bench_kmalloc_var_pairs), cache (bench_cache_pairs)\n");
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--mem=", 6)) {
			cfg.mem = a + 6;
		} else if (!strcmp(a, "--quick")) {
			cfg.runs = 3;
			cfg.target_ns = 10000000;
		} else if (!strncmp(a, "--callgrind=", 12)) {
			cfg.callgrind = a + 12;
			if (i + 1 < argc && argv[i + 1][0] != '-')
				cfg.callgrind_pairs = atol(argv[++i]);
			if (cfg.callgrind_pairs < 1)
				die("--callgrind=MODE N: N >= 1");
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage();
			exit(0);
		} else {
			usage();
			exit(2);
		}
	}
}

static int callgrind_mode(void)
{
	/* Warm-up (caches made, sheaves primed) outside the counted function. */
	if (!strcmp(cfg.callgrind, "kmalloc")) {
		kmalloc_loop(1000);
		bench_kmalloc_pairs(cfg.callgrind_pairs);
	} else if (!strcmp(cfg.callgrind, "kmalloc-var")) {
		kmalloc_var_loop(1000);
		bench_kmalloc_var_pairs(cfg.callgrind_pairs);
	} else if (!strcmp(cfg.callgrind, "cache")) {
		cache_loop(1000);
		bench_cache_pairs(cfg.callgrind_pairs);
	} else {
		die("--callgrind=MODE: kmalloc, kmalloc-var or cache");
	}
	printf("callgrind: %ld pairs (%s)\n", cfg.callgrind_pairs, cfg.callgrind);
	return 0;
}

int main(int argc, char **argv)
{
	char options[96];
	int ret;

	parse_args(argc, argv);
	snprintf(options, sizeof(options), "mem=%s", cfg.mem);
	ret = ukmem_init(options);
	if (ret) {
		fprintf(stderr, "kmalloc_bench: ukmem_init(\"%s\") = %d\n", options, ret);
		return 1;
	}
	cache64 = kmem_cache_create("bench64", 64, 0, SLAB_NO_MERGE, NULL);
	if (!cache64)
		die("kmem_cache_create(bench64) failed");
	if (cfg.callgrind)
		return callgrind_mode();
	setvbuf(stdout, NULL, _IOLBF, 0);
	section_pairs();
	section_false_sharing();
	return 0;
}
