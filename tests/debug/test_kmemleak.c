/*
 * test_kmemleak.c - kmemleak finds what nothing points to, and only that:
 * a leaked block is reported once, with its size, the kernel's hex dump
 * and a backtrace naming the allocating function; nothing is reported for
 * a block reachable only from another thread's stack (the thread
 * blocked), a global, TLS (the main thread's and another's), or a chain
 * of blocks linked by interior pointers; not_leak, ignore, no_scan and
 * scan_area do what the kernel's do; vmalloc areas are tracked; a scan
 * runs while two threads allocate and free; the control file's commands
 * and errors; and the scan's cost per MiB of live heap is printed.
 *
 * The blocks come from the page allocator and are registered with
 * kmemleak_alloc by hand, so the test holds whether or not the slab
 * layer's hooks track kmalloc objects too.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <ukmem.h>
#include <ukmem/kmemleak.h>
#include <ukmem/vmalloc.h>

#include "harness.h"
#include "debug_helpers.h"
#include "log.h"
#include "ctl.h"
#include "debug/debug.h"

#define CTL "/sys/kernel/debug/kmemleak"

/* A block is one page (or more) of the page allocator, tracked by hand. */
static void *track(size_t size)
{
	void *p = ukmem_alloc_pages_exact(size, GFP_KERNEL, -1);

	if (p)
		kmemleak_alloc(p, size, 1, GFP_KERNEL);
	return p;
}

static void untrack(void *p, size_t size)
{
	kmemleak_free(p);
	ukmem_free_pages_exact(p, size);
}

/* Addresses kept complemented: a test must remember what it leaked
 * without that memory counting as a reference. */
static uintptr_t hide(const void *p)
{
	return ~(uintptr_t)p;
}

static void *unhide(uintptr_t h)
{
	return (void *)~h;
}

/* Wipe the stack below us, where dead frames may still hold addresses. */
__attribute__((noinline)) static void clobber_stack(void)
{
	char junk[16384];

	memset(junk, 0, sizeof(junk));
	__asm__ volatile("" : : "r"(junk) : "memory");	/* the stores stay */
}

/* Two scans: the first only notes the new blocks' checksums (the kernel's
 * rule), the second reports.  Returns what the file shows afterwards. */
static char *scan_and_read(void)
{
	for (int i = 0; i < 2; i++) {
		int ret;

		clobber_stack();
		ret = ukmem_ctl_write(CTL, "scan");
		if (ret != 0)
			HARNESS_FAIL("scan returned %d", ret);
	}
	return read_ctl(CTL);
}

static bool reported(const char *text, const void *p)
{
	char want[64];

	snprintf(want, sizeof(want), "unreferenced object 0x%08lx ", (unsigned long)p);
	return text && strstr(text, want) != NULL;
}

/* The same for a hidden address plus off: the address is made in this
 * frame, which is dead (and wiped) by the next scan, never in the test's
 * own, which stays live across scans and would hold it. */
__attribute__((noinline)) static bool reported_hidden(const char *text, uintptr_t hidden,
						      size_t off)
{
	return reported(text, (char *)unhide(hidden) + off);
}

static void clear_reports(void)
{
	EXPECT_EQ(ukmem_ctl_write(CTL, "clear"), 0);
}

/* ---- a leak --------------------------------------------------------------- */

static const char pattern[] = "ukmem leak test!";	/* 16 bytes */
static uintptr_t leaked;
static int leaker_tid;

__attribute__((noinline)) static void leak_one_block(void)
{
	char *p = track(4096);

	for (int i = 0; i < 4096; i += 16)
		memcpy(p + i, pattern, 16);
	leaked = hide(p);
	leaker_tid = (int)gettid();
}

TEST(leaked_block_is_reported_once_with_dump_and_backtrace)
{
	char want[320], row[96];
	size_t mark = log_mark();
	char *text;
	int len = 0;

	run_in_thread(leak_one_block);
	text = scan_and_read();
	ASSERT_NOT_NULL(text);
	snprintf(want, sizeof(want), "unreferenced object 0x%08lx (size 4096):\n",
		 (unsigned long)unhide(leaked));
	EXPECT_CONTAINS(text, want);
	/* comm as the kernel keeps it: TASK_COMM_LEN, 15 characters. */
	snprintf(want, sizeof(want), "  comm \"%.15s\", pid %d, jiffies ",
		 program_invocation_short_name, leaker_tid);
	EXPECT_CONTAINS(text, want);
	EXPECT_CONTAINS(text, "  hex dump (first 32 bytes):\n");
	for (int i = 0; i < 16; i++)
		len += snprintf(row + len, sizeof(row) - (size_t)len, i ? " %02x" : "%02x",
				(unsigned char)pattern[i]);
	snprintf(want, sizeof(want), "    %s  %s\n    %s  %s\n", row, pattern, row, pattern);
	EXPECT_CONTAINS(text, want);
	EXPECT_CONTAINS(text, "  backtrace (crc ");
	EXPECT_CONTAINS(text, "    [<");
	if (have_libdw())
		EXPECT_CONTAINS(text, "] leak_one_block+0x");
	EXPECT_EQ(log_count_since(mark, "kmemleak: 1 new suspected memory leaks "
				  "(see /sys/kernel/debug/kmemleak)\n"), 1);
	free(text);

	/* Reported once by scans, shown by every read. */
	mark = log_mark();
	text = scan_and_read();
	EXPECT_TRUE(reported_hidden(text, leaked, 0));
	EXPECT_EQ(log_count_since(mark, "new suspected memory leaks"), 0);
	free(text);

	/* clear: never shown again. */
	clear_reports();
	text = scan_and_read();
	EXPECT_FALSE(reported_hidden(text, leaked, 0));
	free(text);
	untrack(unhide(leaked), 4096);
}

/* ---- reachable blocks -------------------------------------------------------- */

static void *global_ref;

TEST(block_reachable_from_a_global_is_not_reported)
{
	void *p = track(128);
	char *text;

	global_ref = p;
	p = NULL;
	text = scan_and_read();
	EXPECT_FALSE(reported(text, global_ref));
	EXPECT_EQ(count_substr(text ? text : "", "unreferenced object"), 0);
	free(text);
	untrack(global_ref, 128);
	global_ref = NULL;
}

static __thread void *tls_ref;

TEST(block_reachable_from_main_thread_tls_is_not_reported)
{
	char *text;

	tls_ref = track(256);
	text = scan_and_read();
	EXPECT_FALSE(reported(text, tls_ref));
	free(text);
	untrack(tls_ref, 256);
	tls_ref = NULL;
}

struct holder {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int state;		/* 0 starting, 1 holding, 2 release */
	uintptr_t block;	/* hidden */
	bool use_tls;
};

static void *holder_main(void *arg)
{
	struct holder *h = arg;
	void *volatile on_stack = track(512);

	if (h->use_tls) {
		tls_ref = on_stack;
		on_stack = NULL;
	}
	pthread_mutex_lock(&h->lock);
	h->block = hide(h->use_tls ? tls_ref : on_stack);
	h->state = 1;
	pthread_cond_broadcast(&h->cond);
	while (h->state != 2)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	untrack(unhide(h->block), 512);
	tls_ref = NULL;
	return NULL;
}

static void held_by_other_thread(bool use_tls)
{
	struct holder h = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, use_tls };
	pthread_t t;
	char *text;

	if (pthread_create(&t, NULL, holder_main, &h) != 0) {
		HARNESS_FAIL("%s", "pthread_create failed");
		return;
	}
	pthread_mutex_lock(&h.lock);
	while (h.state != 1)
		pthread_cond_wait(&h.cond, &h.lock);
	pthread_mutex_unlock(&h.lock);
	text = scan_and_read();
	EXPECT_FALSE(reported(text, unhide(h.block)));
	free(text);
	pthread_mutex_lock(&h.lock);
	h.state = 2;
	pthread_cond_broadcast(&h.cond);
	pthread_mutex_unlock(&h.lock);
	pthread_join(t, NULL);
}

TEST(block_reachable_from_a_blocked_thread_stack_is_not_reported)
{
	held_by_other_thread(false);
}

TEST(block_reachable_from_another_thread_tls_is_not_reported)
{
	held_by_other_thread(true);
}

/* Blocks of a test, remembered hidden; set up in noinline functions whose
 * frames are gone (and wiped) before the scan. */
static uintptr_t blk[8];

#define B(i) ((char *)unhide(blk[i]))

static void untrack_all(int n, size_t size)
{
	for (int i = 0; i < n; i++)
		untrack(B(i), size);
}

__attribute__((noinline)) static void make_chain(void)
{
	char *a = track(4096), *b = track(4096), *c = track(4096);

	memset(a, 0, 4096);
	memset(b, 0, 4096);
	memset(c, 0, 4096);
	*(char **)(a + 64) = b + 100;		/* interior pointers */
	*(char **)(b + 4000) = c + 4000;
	global_ref = a + 8;
	blk[0] = hide(a);
	blk[1] = hide(b);
	blk[2] = hide(c);
}

TEST(chain_with_interior_pointers_is_reachable_and_reported_whole_when_cut)
{
	char *text;
	size_t mark;

	make_chain();
	text = scan_and_read();
	for (int i = 0; i < 3; i++)
		EXPECT_FALSE(reported_hidden(text, blk[i], 0));
	free(text);

	mark = log_mark();
	global_ref = NULL;
	text = scan_and_read();
	for (int i = 0; i < 3; i++)
		EXPECT_TRUE(reported_hidden(text, blk[i], 0));
	EXPECT_EQ(log_count_since(mark, "kmemleak: 3 new suspected memory leaks"), 1);
	free(text);
	clear_reports();
	untrack_all(3, 4096);
}

/* ---- the API's colours and areas -------------------------------------------- */

/* 0 grey -> 2, 1 black -> 3. */
__attribute__((noinline)) static void make_colours(void)
{
	for (int i = 0; i < 4; i++) {
		char *p = track(4096);

		memset(p, 0, 4096);
		blk[i] = hide(p);
	}
	*(char **)B(0) = B(2);
	*(char **)B(1) = B(3);
	kmemleak_not_leak(B(0));
	kmemleak_ignore(B(1));
}

TEST(not_leak_and_ignore_are_never_reported_and_ignore_is_not_scanned)
{
	char *text;

	make_colours();
	text = scan_and_read();
	EXPECT_FALSE(reported_hidden(text, blk[0], 0));
	EXPECT_FALSE(reported_hidden(text, blk[1], 0));
	EXPECT_FALSE(reported_hidden(text, blk[2], 0));	/* a grey object is scanned */
	EXPECT_TRUE(reported_hidden(text, blk[3], 0));	/* a black one is not */
	free(text);
	clear_reports();
	untrack_all(4, 4096);
}

/* 0 no_scan -> 1; 2 with areas [0,64) and [1024,1088) -> 3 at 16, 4 at 2048. */
__attribute__((noinline)) static void make_areas(void)
{
	for (int i = 0; i < 5; i++) {
		char *p = track(4096);

		memset(p, 0, 4096);
		blk[i] = hide(p);
	}
	*(char **)(B(0) + 8) = B(1);
	*(char **)(B(2) + 16) = B(3);
	*(char **)(B(2) + 2048) = B(4);
	kmemleak_no_scan(B(0));
	kmemleak_scan_area(B(2), 64, GFP_KERNEL);
	kmemleak_scan_area(B(2) + 1024, 64, GFP_KERNEL);
	kmemleak_not_leak(B(0));
	kmemleak_not_leak(B(2));
}

TEST(no_scan_and_scan_area_limit_what_is_read)
{
	char *text;

	make_areas();
	text = scan_and_read();
	EXPECT_TRUE(reported_hidden(text, blk[1], 0));
	EXPECT_FALSE(reported_hidden(text, blk[3], 0));
	EXPECT_TRUE(reported_hidden(text, blk[4], 0));
	free(text);
	clear_reports();
	untrack_all(5, 4096);
}

TEST(unknown_pointers_are_warned_about)
{
	static char not_tracked[64];
	size_t mark = log_mark();

	kmemleak_not_leak(not_tracked);
	kmemleak_scan_area(not_tracked, 8, GFP_KERNEL);
	EXPECT_EQ(log_count_since(mark, "kmemleak: Trying to color unknown object at 0x"), 1);
	EXPECT_EQ(log_count_since(mark, "kmemleak: Adding scan area to unknown object at 0x"), 1);
	kmemleak_free(not_tracked);		/* silent, as the kernel without DEBUG */
	EXPECT_EQ(log_count_since(mark, "Freeing"), 0);
}

__attribute__((noinline)) static void make_three_pages_free_middle(void)
{
	char *p = track(3 * 4096);

	memset(p, 0, 3 * 4096);
	kmemleak_free_part(p + 4096, 4096);
	blk[0] = hide(p);
}

TEST(free_part_keeps_the_rest_tracked)
{
	char *text;

	run_in_thread(make_three_pages_free_middle);
	text = scan_and_read();
	EXPECT_TRUE(reported_hidden(text, blk[0], 0));
	EXPECT_TRUE(reported_hidden(text, blk[0], 2 * 4096));
	EXPECT_FALSE(reported_hidden(text, blk[0], 4096));
	EXPECT_EQ(count_substr(text ? text : "", "(size 4096):"), 2);
	free(text);
	clear_reports();
	kmemleak_free(B(0));
	kmemleak_free(B(0) + 2 * 4096);
	ukmem_free_pages_exact(B(0), 3 * 4096);
}

/* ---- vmalloc ---------------------------------------------------------------- */

__attribute__((noinline)) static void leak_vmalloc(void)
{
	char *p = vmalloc(10000);

	if (p)
		memset(p, 0x5a, 10000);
	blk[0] = hide(p);
}

static void *first_vmalloc;

TEST(vmalloc_areas_are_tracked_until_vfree)
{
	char want[96], *text;

	/* The first area starts at the vmalloc range's base, which vmalloc's
	 * own globals hold: a reference, conservatively.  Take it first. */
	first_vmalloc = vmalloc(PAGE_SIZE);
	leak_vmalloc();
	if (!B(0)) {
		HARNESS_FAIL("%s", "vmalloc(10000) failed");
		return;
	}
	text = scan_and_read();
	snprintf(want, sizeof(want), "unreferenced object 0x%08lx (size 10000):\n",
		 (unsigned long)B(0));
	EXPECT_CONTAINS(text ? text : "", want);
	free(text);
	clear_reports();
	vfree(B(0));
	/* Gone from the tree: the same area may be tracked again. */
	global_ref = vmalloc(10000);
	text = scan_and_read();
	EXPECT_FALSE(reported(text, global_ref));
	free(text);
	vfree(global_ref);
	global_ref = NULL;
	vfree(first_vmalloc);
}

/* ---- a scan while others allocate ------------------------------------------- */

#define CHURN_SLOTS 64

static int churn_stop;

static void *churn_main(void *arg)
{
	void *volatile held[CHURN_SLOTS] = { 0 };
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	long ops = 0;

	while (!__atomic_load_n(&churn_stop, __ATOMIC_ACQUIRE)) {
		unsigned int i = (seed = seed * 1103515245u + 12345u) % CHURN_SLOTS;

		if (held[i]) {
			untrack(held[i], 4096);
			held[i] = NULL;
		} else {
			held[i] = track(4096);
		}
		ops++;
	}
	for (int i = 0; i < CHURN_SLOTS; i++)
		if (held[i])
			untrack(held[i], 4096);
	return (void *)ops;
}

TEST(scan_while_two_threads_allocate_and_free)
{
	pthread_t t[2];
	void *ops[2];
	size_t mark = log_mark();
	char *text;

	if (UNDER_TSAN) {
		/* TSan holds a signal back until the thread reaches one of its
		 * own points: a thread kmemleak stops may answer too late, and
		 * what its stack holds is missed. */
		printf("     (skipped under ThreadSanitizer)\n");
		return;
	}

	__atomic_store_n(&churn_stop, 0, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, churn_main, (void *)(uintptr_t)(i + 1)) != 0)
			HARNESS_FAIL("%s", "pthread_create failed");
	for (int i = 0; i < 20; i++)
		EXPECT_EQ(ukmem_ctl_write(CTL, "scan"), 0);
	text = read_ctl(CTL);
	__atomic_store_n(&churn_stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], &ops[i]);
		EXPECT_GT((long)ops[i], 0);
	}
	EXPECT_EQ(count_substr(text ? text : "", "unreferenced object"), 0);
	EXPECT_EQ(log_count_since(mark, "new suspected memory leaks"), 0);
	EXPECT_EQ(log_count_since(mark, "did not stop"), 0);
	free(text);
}

/* ---- the control file --------------------------------------------------------- */

TEST(control_file_commands_and_errors)
{
	size_t mark = log_mark();
	char buf[96];
	char *p;
	char *text;

	if (UNDER_TSAN) {
		/* TSan holds a signal back until the thread reaches one of its
		 * own points: a thread kmemleak stops may answer too late, and
		 * what its stack holds is missed. */
		printf("     (skipped under ThreadSanitizer)\n");
		return;
	}
	p = track(4096);

	EXPECT_EQ(ukmem_ctl_write(CTL, "bogus"), -EINVAL);
	EXPECT_EQ(log_count_since(mark, "kmemleak: unknown command 'bogus'"), 1);
	EXPECT_EQ(ukmem_ctl_write(CTL, "scan=soon"), -EINVAL);
	EXPECT_EQ(ukmem_ctl_write(CTL, "stack=off"), 0);
	EXPECT_EQ(ukmem_ctl_write(CTL, "stack=on\n"), 0);

	snprintf(buf, sizeof(buf), "dump=0x%lx", (unsigned long)p);
	EXPECT_EQ(ukmem_ctl_write(CTL, buf), 0);
	snprintf(buf, sizeof(buf), "kmemleak: Object 0x%08lx (size 4096):", (unsigned long)p);
	EXPECT_EQ(log_count_since(mark, buf), 1);
	EXPECT_EQ(log_count_since(mark, "kmemleak:   min_count = 1\n"), 1);
	snprintf(buf, sizeof(buf), "dump=0x%lx", (unsigned long)p + 8);
	EXPECT_EQ(ukmem_ctl_write(CTL, buf), -EINVAL);
	EXPECT_EQ(log_count_since(mark, "kmemleak: Unknown object at 0x"), 1);

	/* The background thread finds the leak by itself. */
	global_ref = NULL;
	p = NULL;
	mark = log_mark();
	EXPECT_EQ(ukmem_ctl_write(CTL, "scan=1"), 0);
	for (int i = 0; i < 50 && !log_count_since(mark, "new suspected memory leaks"); i++)
		usleep(100000);
	EXPECT_EQ(ukmem_ctl_write(CTL, "scan=off"), 0);
	EXPECT_EQ(log_count_since(mark, "kmemleak: 1 new suspected memory leaks"), 1);
	text = read_ctl(CTL);
	EXPECT_EQ(count_substr(text ? text : "", "unreferenced object"), 1);
	free(text);
	clear_reports();
}

/* ---- the cost of a scan --------------------------------------------------------- */

TEST(scan_cost_per_mib_of_live_heap)
{
	enum { MIB = 64, BLOCK = 4096, N = MIB * (1 << 20) / BLOCK };
	static void *blocks[N];		/* a global: every block reachable */
	struct timespec t0, t1;
	double ns;

	for (int i = 0; i < N; i++) {
		blocks[i] = track(BLOCK);
		ASSERT_NOT_NULL(blocks[i]);
		/* Half the words point at other blocks: the lookups a scan pays. */
		for (int w = 0; w < BLOCK / 8; w += 2)
			((void **)blocks[i])[w] = blocks[(i * 7 + w) % (i + 1)];
	}
	ukmem_ctl_write(CTL, "scan");	/* the checksums */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(ukmem_ctl_write(CTL, "scan"), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	printf("kmemleak scan: %d MiB live in %d objects, %.1f ms, %.2f ms per MiB\n", MIB, N,
	       ns / 1e6, ns / 1e6 / MIB);
	for (int i = 0; i < N; i++)
		untrack(blocks[i], BLOCK);
}

/* Last: off is for good. */
TEST(off_stops_tracking_for_good)
{
	size_t mark = log_mark();

	EXPECT_EQ(ukmem_ctl_write(CTL, "off"), 0);
	EXPECT_EQ(log_count_since(mark, "kmemleak: Kernel memory leak detector disabled\n"), 1);
	EXPECT_EQ(ukmem_ctl_write(CTL, "scan"), -1);	/* -EPERM */
	EXPECT_EQ(kmemleak_setup(1), -1);
	EXPECT_EQ(ukmem_ctl_write(CTL, "clear"), 0);
	EXPECT_UEQ(kmemleak_nr_objects(), 0);
}

/* ---- the report at exit -------------------------------------------------------- */

/* The child: leak one block and exit; the library's destructor scans. */
static void exit_child(void)
{
	start_ukmem("mem=64M");
	if (kmemleak_setup(1) != 0)
		exit(2);
	leak_one_block();
	printf("0x%08lx\n", (unsigned long)unhide(leaked));
	fflush(stdout);
	leaked = 0;
	exit(0);
}

TEST(exit_reports_every_unreferenced_object_whatever_its_age)
{
	char self[256], cmd[512], out[8192], want[160], addr[64] = "";
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t len = 0;
	FILE *f;

	ASSERT_TRUE(n > 0);
	self[n] = '\0';
	snprintf(cmd, sizeof(cmd), "KMEMLEAK_TEST_EXIT_CHILD=1 '%s' 2>&1", self);
	f = popen(cmd, "r");
	ASSERT_NOT_NULL(f);
	if (fgets(addr, sizeof(addr), f))
		addr[strcspn(addr, "\n")] = '\0';
	len = fread(out, 1, sizeof(out) - 1, f);
	out[len] = '\0';
	EXPECT_EQ(pclose(f), 0);
	snprintf(want, sizeof(want), "kmemleak: unreferenced object %s (size 4096):\n", addr);
	EXPECT_CONTAINS(out, want);
	EXPECT_CONTAINS(out, "kmemleak:   hex dump (first 32 bytes):\n");
	EXPECT_CONTAINS(out, "kmemleak:   backtrace (crc ");
	if (have_libdw())
		EXPECT_CONTAINS(out, "] leak_one_block+0x");
	EXPECT_CONTAINS(out, "kmemleak: 1 new suspected memory leaks");
}

static void setup(void)
{
	if (getenv("KMEMLEAK_TEST_EXIT_CHILD"))
		exit_child();
	ukmem_set_log_hook(log_capture);
	start_ukmem("mem=256M");
	if (kmemleak_setup(1) != 0) {
		fprintf(stderr, "kmemleak_setup(1) failed\n");
		exit(1);
	}
	kmemleak_set_min_age_ms(0);
}

RUN_TESTS_SETUP(setup,
	T(leaked_block_is_reported_once_with_dump_and_backtrace),
	T(block_reachable_from_a_global_is_not_reported),
	T(block_reachable_from_main_thread_tls_is_not_reported),
	T(block_reachable_from_a_blocked_thread_stack_is_not_reported),
	T(block_reachable_from_another_thread_tls_is_not_reported),
	T(chain_with_interior_pointers_is_reachable_and_reported_whole_when_cut),
	T(not_leak_and_ignore_are_never_reported_and_ignore_is_not_scanned),
	T(no_scan_and_scan_area_limit_what_is_read),
	T(unknown_pointers_are_warned_about),
	T(free_part_keeps_the_rest_tracked),
	T(vmalloc_areas_are_tracked_until_vfree),
	T(scan_while_two_threads_allocate_and_free),
	T(control_file_commands_and_errors),
	T(scan_cost_per_mib_of_live_heap),
	T(exit_reports_every_unreferenced_object_whatever_its_age),
	T(off_stops_tracking_for_good))
