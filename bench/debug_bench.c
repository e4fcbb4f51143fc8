/*
 * debug_bench.c - what each debug mode costs (issue 10): ns per
 * kmalloc(64)/kfree pair, alone and with a window of live objects, and
 * the peak resident memory of 100,000 live kmalloc(64) objects, for each
 * boot option of the debug layer against the plain fast path; and the
 * time of one kmemleak scan per MiB of live heap.
 *
 * A benchmark, not a test: it prints figures and never fails on a slow
 * result.  bench/RESULTS.md holds the figures of record and the commands.
 *
 * Why one process per mode
 * ------------------------
 * The debug options are boot options: ukmem_init() takes them once, and
 * some of them cannot be switched off afterwards (kmemleak's records,
 * the stack depot's stacks, a cache's object layout).  So the driver
 * (no --run, --scan or --callgrind) runs itself once per mode and round,
 * each child with its own ukmem_init("mem=1G OPTIONS"), and reads back
 * one line of figures.  Rounds interleave the modes and start each round
 * one mode further on, so that a burst of load from other programs on a
 * shared machine is spread over the modes instead of landing on one.
 *
 * What a child measures (--run="OPTIONS")
 * --------------------------------------
 * 1. Resident memory first, because VmHWM only grows: VmRSS after
 *    ukmem_init, then 100,000 kmalloc(64) objects held, each written
 *    whole (as a program would), then VmHWM.  The difference is what the
 *    objects cost with their slabs and every tool's metadata.
 * 2. pair:   kmalloc(64)/kfree, one object at a time: the fast path
 *            when the mode keeps the sheaves, the slow path when it
 *            needs to see every object.
 *    window: 1000 live objects in a ring; each step frees the oldest and
 *            allocates one in its place, so objects come back in another
 *            order than they went and slabs take part.
 *    Each figure: warm-up, calibration to about --target ms, then 3 runs
 *    of min(10,000,000, that many) operations; the child prints the
 *    median of its 3, the driver the median over rounds and the spread
 *    (lowest and highest of the children's medians).  Wall clock
 *    (CLOCK_MONOTONIC) and the thread's CPU time, which leaves out time
 *    spent waiting for a CPU.
 * 3. A check that the mode is on: kmalloc-64's slab_size (the layout
 *    grows with Z, P and U) and KFENCE's "total allocations".
 *
 * --scan=MiB[,SIZE]: with kmemleak=on, MiB of live kzalloc(SIZE) objects
 * (default 64 bytes) in one list hanging from a global, so everything is
 * reachable and nothing is reported; one scan first (the kernel's
 * checksums start there), then 3 timed scans through
 * ukmem_ctl_write("/sys/kernel/debug/kmemleak", "scan"); prints the
 * median.  The driver's --scans runs 0, 1, 16 and 128 MiB of 64-byte and
 * 4096-byte objects, each in its own process.
 *
 * --callgrind="OPTIONS" [N]: 1000 warm-up pairs, then N (default 100000)
 * kmalloc(64)/kfree pairs in bench_debug_pairs(), for
 * valgrind --tool=callgrind --toggle-collect=bench_debug_pairs.  Under
 * any valgrind tool ukmem takes its memcheck path (no sheaves), so the
 * count is that path's unless the library was built without the
 * valgrind detection (bench/RESULTS.md says how the figures were made).
 *
 * Only <ukmem/ukmem.h>, <ukmem/slab.h> and <ukmem/gfp.h> are used, so the
 * plain mode builds and runs on trees from before the debug layer too.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ukmem/gfp.h>
#include <ukmem/slab.h>
#include <ukmem/ukmem.h>

#include "bench_util.h"

#define RUNS		3
#define MAX_OPS		10000000L
#define RSS_OBJECTS	100000
#define WINDOW		1000
#define MAX_ROUNDS	15

static struct {
	const char *mem;
	int rounds;
	uint64_t target_ns;	/* one timed run */
	const char *only;	/* driver: only these modes ("NAME;NAME;...") */
} cfg = {
	.mem = "1G",
	.rounds = 5,
	.target_ns = 300000000,
};

/* The modes, in the order of the table.  failslab: an interval so large
 * that nothing fails, so that only the hook is paid (1,0,0,-1 is off). */
static const struct mode {
	const char *name, *options;
} modes[] = {
	{ "plain", "" },
	{ "slub_debug=F", "slub_debug=F" },
	{ "slub_debug=Z", "slub_debug=Z" },
	{ "slub_debug=P", "slub_debug=P" },
	{ "slub_debug=U", "slub_debug=U" },
	{ "slub_debug=FZPU", "slub_debug=FZPU" },
	{ "init_on_alloc=1", "init_on_alloc=1" },
	{ "init_on_free=1", "init_on_free=1" },
	{ "failslab (never fails)", "failslab=1000000000,1,0,-1" },
	{ "kfence.sample_interval=100", "kfence.sample_interval=100" },
	{ "kfence.sample_interval=1", "kfence.sample_interval=1" },
	{ "kmemleak=on", "kmemleak=on" },
};
#define NR_MODES ((int)(sizeof(modes) / sizeof(modes[0])))

static void die(const char *what)
{
	fprintf(stderr, "debug_bench: %s\n", what);
	exit(1);
}

static void escape(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static void start(const char *options)
{
	char line[256];
	int ret;

	snprintf(line, sizeof(line), "mem=%s %s", cfg.mem, options);
	ret = ukmem_init(line);
	if (ret) {
		/* The driver shows this line as the mode's result. */
		printf("REFUSED ukmem_init(\"%s\") = %d\n", line, ret);
		exit(2);
	}
}

/* ---- the measured loops ------------------------------------------------------ */

static inline __attribute__((always_inline)) void pair_loop(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = kmalloc(64, GFP_KERNEL);

		escape(p);
		kfree(p);
	}
}

/* The loop callgrind counts: keep the name, it is the --toggle-collect. */
__attribute__((noinline, noclone)) void bench_debug_pairs(long n);
__attribute__((noinline, noclone)) void bench_debug_pairs(long n)
{
	pair_loop(n);
}

static void *ring[WINDOW];
static unsigned int ring_next;

static void window_fill(void)
{
	for (int i = 0; i < WINDOW; i++) {
		ring[i] = kmalloc(64, GFP_KERNEL);
		if (!ring[i])
			die("kmalloc failed");
	}
}

static void window_loop(long n)
{
	unsigned int k = ring_next;

	for (long i = 0; i < n; i++) {
		kfree(ring[k]);
		ring[k] = kmalloc(64, GFP_KERNEL);
		escape(ring[k]);
		if (++k == WINDOW)
			k = 0;
	}
	ring_next = k;
}

struct ns_op {
	double wall, cpu;
	long n;
};

/* Median ns per operation of fn(n) over RUNS runs, n calibrated first
 * (the calibration is the warm-up). */
static struct ns_op time_ops(void (*fn)(long))
{
	double wall[RUNS], cpu[RUNS];
	long n = 1000;
	uint64_t t;

	for (;;) {
		uint64_t t0 = now_ns();

		fn(n);
		t = now_ns() - t0;
		if (t >= cfg.target_ns / 8 || n >= MAX_OPS)
			break;
		n *= 2;
	}
	n = (long)((double)n * (double)cfg.target_ns / (double)(t ? t : 1));
	if (n > MAX_OPS)
		n = MAX_OPS;
	if (n < 1000)
		n = 1000;
	for (int r = 0; r < RUNS; r++) {
		uint64_t c0 = thread_cpu_ns(), t0 = now_ns();

		fn(n);
		wall[r] = (double)(now_ns() - t0) / (double)n;
		cpu[r] = (double)(thread_cpu_ns() - c0) / (double)n;
	}
	return (struct ns_op){ median(wall, RUNS), median(cpu, RUNS), n };
}

/* ---- one mode in this process ------------------------------------------------------ */

/* A line "Name:   N kB" of /proc/self/status, in KiB; -1 if absent. */
static long status_kib(const char *name)
{
	char line[256];
	size_t len = strlen(name);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* The number after "key" in a control file, or -1. */
static long ctl_number(const char *path, const char *key)
{
	static char buf[8192];
	const char *p;

	if (ukmem_ctl_read(path, buf, sizeof(buf)) < 0)
		return -1;
	p = key ? strstr(buf, key) : buf;
	if (!p)
		return -1;
	p += key ? strlen(key) : 0;
	while (*p == ' ' || *p == ':' || *p == '\t')
		p++;
	return strtol(p, NULL, 10);
}

static void *held[RSS_OBJECTS];

static int run_mode(const char *options)
{
	long base_kib, hwm_kib;
	struct ns_op pair, win;

	memset(held, 0, sizeof(held));	/* its pages in the baseline */
	start(options);
	base_kib = status_kib("VmRSS");
	for (int i = 0; i < RSS_OBJECTS; i++) {
		held[i] = kmalloc(64, GFP_KERNEL);
		if (!held[i])
			die("kmalloc failed");
		memset(held[i], i & 0xff, 64);
	}
	hwm_kib = status_kib("VmHWM");
	for (int i = 0; i < RSS_OBJECTS; i++)
		kfree(held[i]);

	pair = time_ops(bench_debug_pairs);
	window_fill();
	win = time_ops(window_loop);

	printf("RESULT %.2f %.2f %.2f %.2f %ld %ld %ld %ld %ld %ld\n", pair.wall, pair.cpu,
	       win.wall, win.cpu, pair.n, win.n, base_kib, hwm_kib,
	       ctl_number("/sys/kernel/slab/kmalloc-64/slab_size", NULL),
	       ctl_number("/sys/kernel/debug/kfence/stats", "total allocations"));
	return 0;
}

/* ---- kmemleak scan ------------------------------------------------------------------ */

/* The list's head: a global, so kmemleak finds every object from the bss. */
void **scan_root;

static const char *const KMEMLEAK = "/sys/kernel/debug/kmemleak";

static int run_scan(const char *arg)
{
	char *end;
	long mib = strtol(arg, &end, 10), size = 64, objs;
	double ms[RUNS];
	int ret;

	if (*end == ',')
		size = strtol(end + 1, NULL, 10);
	if (mib < 0 || size < (long)sizeof(void *))
		die("--scan=MiB[,SIZE]: MiB >= 0, SIZE >= 8");
	start("kmemleak=on");
	/* The slab layer, and kmemleak with it, starts at the first
	 * allocation: before it, a scan is refused (the 0 MiB case). */
	kfree(kmalloc(64, GFP_KERNEL));
	objs = mib * (1L << 20) / size;
	for (long i = 0; i < objs; i++) {
		void **p = kzalloc((size_t)size, GFP_KERNEL);

		if (!p)
			die("kzalloc failed: is --mem too small?");
		p[0] = scan_root;
		scan_root = p;
	}
	ret = ukmem_ctl_write(KMEMLEAK, "scan");
	if (ret) {
		fprintf(stderr, "debug_bench: the first scan: %d (is kmemleak on?)\n", ret);
		exit(1);
	}
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = now_ns();

		if (ukmem_ctl_write(KMEMLEAK, "scan"))
			die("scan failed");
		ms[r] = (double)(now_ns() - t0) / 1e6;
	}
	printf("SCAN %ld %ld %ld %.3f\n", mib, size, objs, median(ms, RUNS));
	return 0;
}

static int run_callgrind(const char *options, long pairs)
{
	start(options);
	pair_loop(1000);
	bench_debug_pairs(pairs);
	printf("callgrind: %ld pairs (%s)\n", pairs, options);
	return 0;
}

/* ---- the driver ------------------------------------------------------------------------- */

/* Run this program with args, return its first stdout line starting with
 * one of the prefixes in line (empty if none). */
static void child(char *const args[], char *line, size_t size)
{
	int fd[2], status;
	pid_t pid;
	FILE *f;
	char buf[512];

	line[0] = 0;
	if (pipe(fd))
		die("pipe failed");
	pid = fork();
	if (pid < 0)
		die("fork failed");
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execv("/proc/self/exe", args);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (!line[0] && (!strncmp(buf, "RESULT ", 7) || !strncmp(buf, "SCAN ", 5) ||
				 !strncmp(buf, "REFUSED ", 8))) {
			buf[strcspn(buf, "\n")] = 0;
			snprintf(line, size, "%s", buf);
		}
	if (f)
		fclose(f);
	waitpid(pid, &status, 0);
	if (!line[0])
		snprintf(line, size, "FAILED status 0x%x", status);
}

struct figures {
	int n;				/* rounds that gave figures */
	double pw[MAX_ROUNDS], pc[MAX_ROUNDS], ww[MAX_ROUNDS], wc[MAX_ROUNDS];
	double rss[MAX_ROUNDS], hwm[MAX_ROUNDS];
	long pairs, win_ops, slab_size, kfence;
	char error[512];
};

static double lo(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double hi(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static double med(const double *v, int n)
{
	double c[MAX_ROUNDS];

	memcpy(c, v, sizeof(double) * (size_t)n);
	return median(c, n);
}

static char self_mem[64], self_target[64];

/* Whether mode m is one of --only's names (all modes without --only). */
static bool selected(int m)
{
	size_t len = strlen(modes[m].name);

	if (!cfg.only)
		return true;
	for (const char *p = cfg.only; p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL)
		if (!strncmp(p, modes[m].name, len) && (p[len] == ';' || !p[len]))
			return true;
	return false;
}

static int drive_modes(void)
{
	static struct figures fig[NR_MODES];
	char line[512];

	printf("debug_bench: %d rounds, each mode in its own process (mem=%s, ~%.0f ms per run)\n",
	       cfg.rounds, cfg.mem, (double)cfg.target_ns / 1e6);
	for (int r = 0; r < cfg.rounds; r++) {
		for (int k = 0; k < NR_MODES; k++) {
			int m = (k + r) % NR_MODES;
			struct figures *f = &fig[m];
			char run[160];
			char *args[] = { "debug_bench", run, self_mem, self_target, NULL };
			double pw, pc, ww, wc;
			long pn, wn, base, hwm, ss, kf;

			if (!selected(m))
				continue;
			snprintf(run, sizeof(run), "--run=%s", modes[m].options);
			child(args, line, sizeof(line));
			if (sscanf(line, "RESULT %lf %lf %lf %lf %ld %ld %ld %ld %ld %ld", &pw, &pc, &ww,
				   &wc, &pn, &wn, &base, &hwm, &ss, &kf) != 10) {
				snprintf(f->error, sizeof(f->error), "%s", line);
				fprintf(stderr, "  round %d %-28s %s\n", r + 1, modes[m].name, line);
				continue;
			}
			f->pw[f->n] = pw;
			f->pc[f->n] = pc;
			f->ww[f->n] = ww;
			f->wc[f->n] = wc;
			f->rss[f->n] = (double)(hwm - base) / 1024.0;
			f->hwm[f->n] = (double)hwm / 1024.0;
			f->n++;
			f->pairs = pn;
			f->win_ops = wn;
			f->slab_size = ss;
			f->kfence = kf;
			fprintf(stderr, "  round %d %-28s pair %7.1f window %7.1f ns, HWM %.1f MiB\n",
				r + 1, modes[m].name, pw, ww, (double)hwm / 1024.0);
		}
	}

	double plain_p = fig[0].n ? med(fig[0].pw, fig[0].n) : 0;
	double plain_w = fig[0].n ? med(fig[0].ww, fig[0].n) : 0;
	double plain_r = fig[0].n ? med(fig[0].rss, fig[0].n) : 0;

	printf("\nns per operation, wall (cpu): median over rounds [lowest - highest]; x plain\n");
	printf("RSS: VmHWM with %d kmalloc(64) live, and its growth over VmRSS after ukmem_init\n\n",
	       RSS_OBJECTS);
	printf("| mode | pair ns | spread | x plain | cpu | window ns | spread | x plain | cpu "
	       "| peak RSS MiB | growth MiB | x plain | slab_size | kfence allocs |\n");
	printf("|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int m = 0; m < NR_MODES; m++) {
		struct figures *f = &fig[m];

		if (!selected(m))
			continue;
		if (!f->n) {
			printf("| %s | %s |\n", modes[m].name, f->error[0] ? f->error : "no figures");
			continue;
		}
		double p = med(f->pw, f->n), w = med(f->ww, f->n), g = med(f->rss, f->n);

		printf("| %s | %.1f | %.1f-%.1f | %.2f | %.1f | %.1f | %.1f-%.1f | %.2f | %.1f "
		       "| %.1f | %.1f | %.2f | %ld | %ld |\n",
		       modes[m].name, p, lo(f->pw, f->n), hi(f->pw, f->n), plain_p ? p / plain_p : 0,
		       med(f->pc, f->n), w, lo(f->ww, f->n), hi(f->ww, f->n),
		       plain_w ? w / plain_w : 0, med(f->wc, f->n), med(f->hwm, f->n), g,
		       plain_r ? g / plain_r : 0, f->slab_size, f->kfence);
	}
	printf("\nops per timed run: ");
	for (int m = 0; m < NR_MODES; m++)
		if (fig[m].n)
			printf("%s %ld/%ld; ", modes[m].name, fig[m].pairs, fig[m].win_ops);
	printf("(pair/window)\n");
	return 0;
}

static int drive_scans(void)
{
	static const long mibs[] = { 0, 1, 16, 128 }, sizes[] = { 64, 4096 };
	double ms[2][4][MAX_ROUNDS];
	long objs[2][4] = { { 0 } };
	int n[2][4] = { { 0 } };
	char line[512], scan[64], mem[64];
	char *args[] = { "debug_bench", scan, mem, NULL };

	/* 128 MiB of 64-byte objects: 2 M records of kmemleak beside them. */
	snprintf(mem, sizeof(mem), "--mem=%s", strcmp(cfg.mem, "1G") ? cfg.mem : "2G");
	printf("kmemleak scan (ms, median of 3 scans per process; median over %d processes "
	       "[lowest - highest])\n\n", cfg.rounds);
	for (int r = 0; r < cfg.rounds; r++)
		for (int s = 0; s < 2; s++)
			for (int i = 0; i < 4; i++) {
				long mib, size, o;
				double t;

				snprintf(scan, sizeof(scan), "--scan=%ld,%ld", mibs[i], sizes[s]);
				child(args, line, sizeof(line));
				if (sscanf(line, "SCAN %ld %ld %ld %lf", &mib, &size, &o, &t) != 4) {
					fprintf(stderr, "  %s: %s\n", scan, line);
					continue;
				}
				fprintf(stderr, "  round %d %s: %.2f ms\n", r + 1, scan, t);
				ms[s][i][n[s][i]++] = t;
				objs[s][i] = o;
			}
	printf("| live heap | object size | objects | scan ms | spread | ms per MiB "
	       "(over the 0 MiB scan) |\n|---:|---:|---:|---:|---|---:|\n");
	for (int s = 0; s < 2; s++) {
		double base = n[s][0] ? med(ms[s][0], n[s][0]) : 0;

		for (int i = 0; i < 4; i++) {
			if (!n[s][i])
				continue;
			double t = med(ms[s][i], n[s][i]);

			printf("| %ld MiB | %ld | %ld | %.2f | %.2f-%.2f |", mibs[i], sizes[s],
			       objs[s][i], t, lo(ms[s][i], n[s][i]), hi(ms[s][i], n[s][i]));
			if (mibs[i])
				printf(" %.3f |\n", (t - base) / (double)mibs[i]);
			else
				printf(" - |\n");
		}
	}
	return 0;
}

/* ---- main ---------------------------------------------------------------------------------- */

static void usage(void)
{
	printf("usage: debug_bench [--mem=SIZE] [--rounds=N] [--target=MS] [--only=NAMES]\n"
	       "       debug_bench --scans [--rounds=N] [--mem=SIZE]\n"
	       "       debug_bench --run=OPTIONS | --scan=MiB[,SIZE] | --callgrind=OPTIONS [N]\n"
	       "  (no mode)            every debug mode, each in its own process, --rounds\n"
	       "                       rounds (default 5) interleaved; prints the table\n"
	       "  --only=NAME;NAME...  only these modes, by their names in the table\n"
	       "  --target=MS          length of one timed run (default 300 ms; at most\n"
	       "                       10,000,000 operations)\n"
	       "  --scans              kmemleak scans of 0, 1, 16, 128 MiB of live objects\n"
	       "  --run=OPTIONS        one mode here: prints a RESULT line\n"
	       "  --scan=MiB[,SIZE]    one kmemleak scan figure here: prints a SCAN line\n"
	       "  --callgrind=OPTS [N] N pairs in bench_debug_pairs(), for valgrind\n"
	       "                       --tool=callgrind --toggle-collect=bench_debug_pairs\n"
	       "  --mem=SIZE           ukmem's mem= (default 1G; --scans 2G)\n");
}

int main(int argc, char **argv)
{
	const char *run = NULL, *scan = NULL, *callgrind = NULL;
	long pairs = 100000;
	int scans = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--mem=", 6)) {
			cfg.mem = a + 6;
		} else if (!strncmp(a, "--rounds=", 9)) {
			cfg.rounds = atoi(a + 9);
			if (cfg.rounds < 1 || cfg.rounds > MAX_ROUNDS)
				die("--rounds=N: 1 <= N <= 15");
		} else if (!strncmp(a, "--target=", 9)) {
			cfg.target_ns = (uint64_t)atol(a + 9) * 1000000u;
			if (!cfg.target_ns)
				die("--target=MS: MS >= 1");
		} else if (!strncmp(a, "--only=", 7)) {
			cfg.only = a + 7;
		} else if (!strcmp(a, "--scans")) {
			scans = 1;
		} else if (!strncmp(a, "--run=", 6)) {
			run = a + 6;
		} else if (!strncmp(a, "--scan=", 7)) {
			scan = a + 7;
		} else if (!strncmp(a, "--callgrind=", 12)) {
			callgrind = a + 12;
			if (i + 1 < argc && argv[i + 1][0] != '-')
				pairs = atol(argv[++i]);
			if (pairs < 1)
				die("--callgrind=OPTIONS N: N >= 1");
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage();
			return 0;
		} else {
			usage();
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (run)
		return run_mode(run);
	if (scan)
		return run_scan(scan);
	if (callgrind)
		return run_callgrind(callgrind, pairs);
	snprintf(self_mem, sizeof(self_mem), "--mem=%s", cfg.mem);
	snprintf(self_target, sizeof(self_target), "--target=%llu",
		 (unsigned long long)(cfg.target_ns / 1000000u));
	return scans ? drive_scans() : drive_modes();
}
