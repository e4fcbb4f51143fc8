/*
 * test_stackdepot.c - the stack depot and the symbolizer behind its
 * traces: identical traces share a handle and different ones do not
 * (also when threads race to store the same ones); fetch returns the
 * frames; a capture starts at its caller; a trace captured in a static
 * function prints that function's name in the kernel's %pS form
 * "sym+0xoff/0xsize" (with libdw; dladdr's "<program>+0xoff" without);
 * stack_trace_print's lines are the kernel's; the depot stops at its cap
 * and counts what it refused.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ukmem.h>

#include "harness.h"
#include "debug_helpers.h"
#include "log.h"
#include "ctl.h"
#include "debug/debug.h"
#include "lib/lockrank.h"

/* A trace no program could have: n frames from a seed. */
static void fake_trace(unsigned long *entries, unsigned int n, unsigned long seed)
{
	for (unsigned int i = 0; i < n; i++)
		entries[i] = 0x400000ul + seed * 0x1000ul + i * 8;
}

TEST(identical_traces_share_a_handle)
{
	unsigned long a[8], b[8];
	const unsigned long *got;
	depot_stack_handle_t ha, hb, hc;

	fake_trace(a, 8, 1);
	fake_trace(b, 8, 1);
	ha = stack_depot_save(a, 8);
	ASSERT_NE(ha, 0);
	EXPECT_UEQ(stack_depot_save(b, 8), ha);		/* same frames, other array */
	b[7] ^= 0x10;
	hb = stack_depot_save(b, 8);
	EXPECT_NE(hb, 0);
	EXPECT_NE(hb, ha);
	hc = stack_depot_save(a, 7);			/* a prefix is another trace */
	EXPECT_NE(hc, 0);
	EXPECT_NE(hc, ha);
	EXPECT_NE(hc, hb);

	EXPECT_UEQ(stack_depot_fetch(ha, &got), 8);
	ASSERT_NOT_NULL(got);
	EXPECT_TRUE(memcmp(got, a, sizeof(a)) == 0);
	EXPECT_UEQ(stack_depot_fetch(hb, &got), 8);
	EXPECT_UEQ(got[7], b[7]);
	EXPECT_UEQ(stack_depot_fetch(hc, &got), 7);
}

TEST(empty_and_long_traces)
{
	unsigned long big[STACK_DEPOT_MAX_FRAMES + 4], head[STACK_DEPOT_MAX_FRAMES];
	const unsigned long *got = (const unsigned long *)1;
	depot_stack_handle_t h;

	fake_trace(big, STACK_DEPOT_MAX_FRAMES + 4, 2);
	EXPECT_UEQ(stack_depot_save(big, 0), 0);
	EXPECT_UEQ(stack_depot_save(NULL, 3), 0);
	EXPECT_UEQ(stack_depot_fetch(0, &got), 0);
	EXPECT_TRUE(got == NULL);

	/* The innermost STACK_DEPOT_MAX_FRAMES frames are kept. */
	memcpy(head, big, sizeof(head));
	h = stack_depot_save(big, STACK_DEPOT_MAX_FRAMES + 4);
	ASSERT_NE(h, 0);
	EXPECT_UEQ(stack_depot_fetch(h, &got), STACK_DEPOT_MAX_FRAMES);
	EXPECT_TRUE(memcmp(got, head, sizeof(head)) == 0);
	EXPECT_UEQ(stack_depot_save(head, STACK_DEPOT_MAX_FRAMES), h);
}

/* ---- captures and names -------------------------------------------------- */

#define NO_TAIL_CALL() __asm__ __volatile__("" ::: "memory")

static __attribute__((noinline)) depot_stack_handle_t capture_here(int skip)
{
	depot_stack_handle_t h = stack_depot_capture(skip);

	NO_TAIL_CALL();
	return h;
}

static __attribute__((noinline)) depot_stack_handle_t capture_via_caller(int skip)
{
	depot_stack_handle_t h = capture_here(skip);

	NO_TAIL_CALL();
	return h;
}

/* "name+0xOFF/0xSIZE" with OFF < SIZE (libdw), or "name+0xOFF" (dladdr):
 * true if s has that form for the given name. */
static bool is_ps_form(const char *s, const char *name, bool with_size)
{
	size_t len = strlen(name);
	unsigned long off, size;
	int end = 0;

	if (strncmp(s, name, len) != 0)
		return false;
	s += len;
	if (with_size)
		return sscanf(s, "+0x%lx/0x%lx%n", &off, &size, &end) == 2 &&
		       s[end] == '\0' && off < size;
	return sscanf(s, "+0x%lx%n", &off, &end) == 1 && s[end] == '\0';
}

/* What a static function of this program is called without libdw:
 * dladdr knows only the program's file. */
static const char *program_name(void)
{
	static char name[256];
	char path[256];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	const char *base;

	if (n <= 0)
		return "?";
	path[n] = '\0';
	base = strrchr(path, '/');
	snprintf(name, sizeof(name), "%s", base ? base + 1 : path);
	return name;
}

static void expect_frame_in(unsigned long addr, const char *function)
{
	char buf[256];
	const char *s = ukmem_plat_symbolize((void *)addr, buf, sizeof(buf));

	ASSERT_NOT_NULL(s);
	if (have_libdw()) {
		if (!is_ps_form(s, function, true))
			HARNESS_FAIL("expected \"%s+0x../0x..\", got \"%s\"", function, s);
	} else if (!is_ps_form(s, program_name(), false)) {
		HARNESS_FAIL("expected \"%s+0x..\" (dladdr), got \"%s\"", program_name(), s);
	}
}

TEST(capture_starts_at_the_caller_and_symbolizes_static_functions)
{
	depot_stack_handle_t h[2], h1;
	const unsigned long *got;
	unsigned int n;
	volatile int rounds = 2;	/* not unrolled into two call sites */

	printf("     (symbols from %s)\n", have_libdw() ? "libdw: static functions with sizes"
					      : "dladdr: no libdw, the program's name only");
	/* The same call site twice: one trace. */
	for (int i = 0; i < rounds; i++)
		h[i] = capture_via_caller(0);
	ASSERT_NE(h[0], 0);
	EXPECT_UEQ(h[1], h[0]);

	n = stack_depot_fetch(h[0], &got);
	ASSERT_TRUE(n >= 3);
	expect_frame_in(got[0], "capture_here");
	expect_frame_in(got[1], "capture_via_caller");
	expect_frame_in(got[2], "capture_starts_at_the_caller_and_symbolizes_static_functions");

	/* skip 1 leaves out capture_here's own frame. */
	h1 = capture_via_caller(1);
	ASSERT_NE(h1, 0);
	EXPECT_NE(h1, h[0]);
	EXPECT_UEQ(stack_depot_fetch(h1, &got), n - 1);
	expect_frame_in(got[0], "capture_via_caller");
}

TEST(symbol_sizes_agree_with_the_dynamic_symbol_table)
{
	const ElfW(Sym) *sym = NULL;
	char buf[256], want[64];
	Dl_info info;
	void *addr = (char *)(uintptr_t)&getpid + 2;
	const char *s = ukmem_plat_symbolize(addr, buf, sizeof(buf));

	/* An exported function: both sources give the same size. */
	ASSERT_NOT_NULL(s);
	ASSERT_TRUE(dladdr1(addr, &info, (void **)&sym, RTLD_DL_SYMENT) && sym);
	snprintf(want, sizeof(want), "+0x2/0x%lx", (unsigned long)sym->st_size);
	EXPECT_CONTAINS(s, "getpid");
	EXPECT_CONTAINS(s, want);
	/* No symbol covers a stack address. */
	EXPECT_TRUE(ukmem_plat_symbolize(buf, buf, sizeof(buf)) == NULL);
}

TEST(stack_trace_print_lines_are_the_kernels)
{
	char sym[256], want[600];
	unsigned long entries[2];
	depot_stack_handle_t h;
	size_t mark;
	const char *s;

	entries[0] = (unsigned long)(uintptr_t)&capture_here + 4;
	entries[1] = 0x10;	/* no object: the bare address */
	s = ukmem_plat_symbolize((void *)entries[0], sym, sizeof(sym));
	ASSERT_NOT_NULL(s);
	if (have_libdw())
		EXPECT_TRUE(strncmp(s, "capture_here+0x4/0x", 19) == 0);

	/* "%*c%pS\n" with 1 + spaces: three spaces for spaces = 2. */
	mark = log_mark();
	stack_trace_print(entries, 2, 2);
	snprintf(want, sizeof(want), "   %s\n   0x10\n", s);
	EXPECT_STREQ(log_text + mark, want);

	/* stack_depot_print is stack_trace_print(..., 0). */
	h = stack_depot_save(entries, 2);
	ASSERT_NE(h, 0);
	mark = log_mark();
	stack_depot_print(h);
	snprintf(want, sizeof(want), " %s\n 0x10\n", s);
	EXPECT_STREQ(log_text + mark, want);
	mark = log_mark();
	stack_depot_print(0);
	EXPECT_STREQ(log_text + mark, "");
}

TEST(a_fork_child_symbolizes_too)
{
	char buf[256];
	const char *parent = ukmem_plat_symbolize((void *)((uintptr_t)&capture_here + 4), buf,
						  sizeof(buf));
	char want[256];
	int status = -1;
	pid_t pid;

	ASSERT_NOT_NULL(parent);
	snprintf(want, sizeof(want), "%s", parent);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		const char *s = ukmem_plat_symbolize((void *)((uintptr_t)&capture_here + 4), buf,
						     sizeof(buf));

		_exit(s && strcmp(s, want) == 0 ? 0 : 1);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- threads racing to store the same traces ------------------------------ */

#define RACE_THREADS 4
#define RACE_TRACES 3000

struct race {
	pthread_t thread;
	unsigned long seed;
	depot_stack_handle_t handles[RACE_TRACES];
};

static void *race_thread(void *p)
{
	struct race *r = p;

	/* Each thread walks the traces in its own order. */
	for (unsigned int k = 0; k < RACE_TRACES; k++) {
		unsigned int i = (unsigned int)((k * 7919ul + r->seed * 1237ul) % RACE_TRACES);
		unsigned long entries[6];

		fake_trace(entries, 6, 1000 + i);
		r->handles[i] = stack_depot_save(entries, 6);
	}
	return NULL;
}

TEST(racing_threads_get_one_handle_per_trace)
{
	static struct race races[RACE_THREADS];
	struct stack_depot_stats before, after;
	int distinct_bad = 0, same_bad = 0;

	stack_depot_get_stats(&before);
	for (int t = 0; t < RACE_THREADS; t++) {
		races[t].seed = (unsigned long)t;
		ASSERT_EQ(pthread_create(&races[t].thread, NULL, race_thread, &races[t]), 0);
	}
	for (int t = 0; t < RACE_THREADS; t++)
		pthread_join(races[t].thread, NULL);
	stack_depot_get_stats(&after);

	for (int i = 0; i < RACE_TRACES; i++) {
		if (races[0].handles[i] == 0 ||
		    (i > 0 && races[0].handles[i] == races[0].handles[i - 1]))
			distinct_bad++;
		for (int t = 1; t < RACE_THREADS; t++)
			if (races[t].handles[i] != races[0].handles[i])
				same_bad++;
	}
	EXPECT_EQ(distinct_bad, 0);
	EXPECT_EQ(same_bad, 0);
	EXPECT_UEQ(after.stacks - before.stacks, RACE_TRACES);
	EXPECT_UEQ(after.dropped, before.dropped);
	/* depot_lock is the innermost rank: taken in order, also when the
	 * page allocator is entered for a pool with it dropped. */
	EXPECT_UEQ(ukmem_lockdep_violations(), 0);
}

/* ---- the cap ------------------------------------------------------------------ */

/* Last: fills the depot. */
TEST(the_depot_stops_at_its_cap_and_counts_the_refusals)
{
	struct stack_depot_stats st;
	unsigned long entries[STACK_DEPOT_MAX_FRAMES], first[STACK_DEPOT_MAX_FRAMES];
	const unsigned long *got;
	depot_stack_handle_t h, first_h;
	unsigned long saved = 0, seed = 1u << 20, dropped;

	stack_depot_get_stats(&st);
	dropped = st.dropped;
	fake_trace(first, STACK_DEPOT_MAX_FRAMES, seed);
	first_h = stack_depot_save(first, STACK_DEPOT_MAX_FRAMES);
	ASSERT_NE(first_h, 0);
	stack_depot_get_stats(&st);
	ASSERT_TRUE(st.max_pools * 4 * 4096 == 8ul << 20);
	/* 8 MiB of 144-byte records is about 58,000: stop well after. */
	do {
		fake_trace(entries, STACK_DEPOT_MAX_FRAMES, ++seed);
		h = stack_depot_save(entries, STACK_DEPOT_MAX_FRAMES);
		saved += h != 0;
	} while (h && saved < 200000);
	EXPECT_UEQ(h, 0);
	stack_depot_get_stats(&st);
	EXPECT_UEQ(st.pools, st.max_pools);
	EXPECT_UEQ(st.dropped, dropped + 1);
	EXPECT_GT(saved, 50000);

	/* Known traces still resolve; new ones are refused and counted. */
	EXPECT_UEQ(stack_depot_save(first, STACK_DEPOT_MAX_FRAMES), first_h);
	EXPECT_UEQ(stack_depot_fetch(first_h, &got), STACK_DEPOT_MAX_FRAMES);
	fake_trace(entries, STACK_DEPOT_MAX_FRAMES, ++seed);
	EXPECT_UEQ(stack_depot_save(entries, STACK_DEPOT_MAX_FRAMES), 0);
	stack_depot_get_stats(&st);
	EXPECT_UEQ(st.dropped, dropped + 2);
}

static void setup(void)
{
	start_ukmem("mem=64M kswapd=off");
	ukmem_set_log_hook(log_capture);
}

RUN_TESTS_SETUP(setup,
	T(identical_traces_share_a_handle),
	T(empty_and_long_traces),
	T(capture_starts_at_the_caller_and_symbolizes_static_functions),
	T(symbol_sizes_agree_with_the_dynamic_symbol_table),
	T(stack_trace_print_lines_are_the_kernels),
	T(a_fork_child_symbolizes_too),
	T(racing_threads_get_one_handle_per_trace),
	T(the_depot_stops_at_its_cap_and_counts_the_refusals))
