/*
 * test_kfence.c - KFENCE: each case runs in a forked child that starts
 * KFENCE (1 ms interval), takes samples with kfence_alloc, plants a bug
 * and goes on; the parent reads the child's log from a pipe and checks the
 * kernel's report text, and that the child got past the faulting access.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ukmem/ukmem.h>

#include "harness.h"
#include "debug/debug.h"

#define PAGE 4096UL

/* What a child tells its parent besides its log. */
struct shared {
	uintptr_t pool;		/* kfence_pool_addr */
	uintptr_t obj;		/* the object the case planted its bug in */
	int pid;
	int continued;		/* the child ran past the faulting access */
	int ok;			/* a case-specific check inside the child held */
	char file[8192];	/* a control file the child read */
};

static struct shared *sh;
static int log_fd = -1;
static int cache_token;		/* the "cache" pointer handed to kfence_alloc */

static void pipe_log(const char *msg, size_t len)
{
	while (len > 0) {
		ssize_t n = write(log_fd, msg, len);

		if (n <= 0)
			return;
		msg += n;
		len -= (size_t)n;
	}
}

static int obj_index(uintptr_t addr)
{
	return (int)((addr - sh->pool) / (2 * PAGE)) - 1;
}

/* A sample of size bytes, placed against the right edge of its page
 * (want_right 1), the left one (0) or either (-1). */
static char *sample(size_t size, unsigned int align, int want_right, gfp_t gfp)
{
	for (int tries = 0; tries < 20000; tries++) {
		char *p = kfence_alloc(&cache_token, "test-cache", size, align, gfp);

		if (!p) {
			usleep(100);
			continue;
		}
		int right = ((uintptr_t)p & (PAGE - 1)) != 0;

		if (want_right < 0 || right == want_right)
			return p;
		kfence_free(p);
	}
	return NULL;
}

static char log_buf[1 << 17];

/* Run fn in a child with KFENCE started (interval 1 ms, nr objects);
 * returns the child's wait status and leaves its log in log_buf. */
static int run_child(void (*fn)(void), int nr, bool setup)
{
	int fds[2], status = 0;
	size_t len = 0;
	pid_t pid;

	memset(sh, 0, sizeof(*sh));
	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		close(fds[0]);
		log_fd = fds[1];
		ukmem_set_log_hook(pipe_log);
		sh->pid = getpid();
		if (setup && kfence_setup(1, nr) != 0)
			_exit(3);
		sh->pool = kfence_pool_addr;
		fn();
		_exit(0);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], log_buf + len, sizeof(log_buf) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	log_buf[len] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return status;
}

#define BANNER "==================================================================\n"

static bool exited_ok(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The lines every fault report has: banners, the title with its blank
 * line, the object, the allocation stack's header, the CPU line. */
static void expect_report_frame(const char *title_prefix, uintptr_t obj, size_t size)
{
	char line[256];

	EXPECT_EQ(count_substr(log_buf, BANNER), 2);
	EXPECT_CONTAINS(log_buf, title_prefix);
	snprintf(line, sizeof(line), "kfence-#%d: 0x%016lx-0x%016lx, size=%zu, cache=test-cache\n\n"
		 "allocated by task %d on cpu ", obj_index(obj), (unsigned long)obj,
		 (unsigned long)(obj + size - 1), size, sh->pid);
	EXPECT_CONTAINS(log_buf, line);
	snprintf(line, sizeof(line), "\n\nCPU: ");
	EXPECT_CONTAINS(log_buf, line);
	snprintf(line, sizeof(line), " PID: %d Comm: ", sh->pid);
	EXPECT_CONTAINS(log_buf, line);
	/* The report prints the taint before it adds B, as the kernel. */
	EXPECT_CONTAINS(log_buf, "Not tainted\n" BANNER);
}

/* ---- out of bounds --------------------------------------------------------- */

static void child_oob_right(void)
{
	char *p = sample(32, 8, 1, 0);

	if (!p)
		return;
	sh->obj = (uintptr_t)p;
	(void)*(volatile char *)(p + 32);
	sh->continued = 1;
	/* The program goes on: the taint is B now, and the object is fine. */
	sh->ok = (ukmem_get_taint() & (1UL << 5)) && kfence_ksize(p) == 32;
	kfence_free(p);
}

TEST(oob_right_read_is_reported_and_the_program_goes_on)
{
	char line[256];
	int status = run_child(child_oob_right, 8, true);

	EXPECT_TRUE(exited_ok(status));
	ASSERT_TRUE(sh->obj != 0);
	EXPECT_EQ(sh->continued, 1);
	EXPECT_EQ(sh->ok, 1);
	expect_report_frame("BUG: KFENCE: out-of-bounds read in ", sh->obj, 32);
	/* The kernel counts the distance from the object's start. */
	snprintf(line, sizeof(line), "\n\nOut-of-bounds read at 0x%016lx (32B right of kfence-#%d):\n ",
		 (unsigned long)(sh->obj + 32), obj_index(sh->obj));
	EXPECT_CONTAINS(log_buf, line);
	EXPECT_EQ(count_substr(log_buf, "freed by task"), 0);
}

static void child_oob_left(void)
{
	char *p = sample(32, 8, 0, 0);

	if (!p)
		return;
	sh->obj = (uintptr_t)p;
	(void)*(volatile char *)(p - 1);
	sh->continued = 1;
}

TEST(oob_left_read_is_reported)
{
	char line[256];
	int status = run_child(child_oob_left, 8, true);

	EXPECT_TRUE(exited_ok(status));
	ASSERT_TRUE(sh->obj != 0);
	EXPECT_EQ(sh->continued, 1);
	expect_report_frame("BUG: KFENCE: out-of-bounds read in ", sh->obj, 32);
	snprintf(line, sizeof(line), "Out-of-bounds read at 0x%016lx (1B left of kfence-#%d):\n",
		 (unsigned long)(sh->obj - 1), obj_index(sh->obj));
	EXPECT_CONTAINS(log_buf, line);
}

/* ---- use after free ------------------------------------------------------- */

static void child_uaf_read(void)
{
	char *p = sample(64, 8, -1, 0);

	if (!p)
		return;
	sh->obj = (uintptr_t)p;
	kfence_free(p);
	(void)*(volatile char *)(p + 3);
	sh->continued = 1;
}

TEST(use_after_free_read_is_reported_with_both_stacks)
{
	char line[256];
	int status = run_child(child_uaf_read, 8, true);

	EXPECT_TRUE(exited_ok(status));
	ASSERT_TRUE(sh->obj != 0);
	EXPECT_EQ(sh->continued, 1);
	expect_report_frame("BUG: KFENCE: use-after-free read in ", sh->obj, 64);
	snprintf(line, sizeof(line), "\n\nUse-after-free read at 0x%016lx (in kfence-#%d):\n ",
		 (unsigned long)(sh->obj + 3), obj_index(sh->obj));
	EXPECT_CONTAINS(log_buf, line);
	snprintf(line, sizeof(line), "\n\nfreed by task %d on cpu ", sh->pid);
	EXPECT_CONTAINS(log_buf, line);
}

static void child_uaf_write(void)
{
	char *p = sample(64, 8, -1, 0);

	if (!p)
		return;
	sh->obj = (uintptr_t)p;
	kfence_free(p);
	*(volatile char *)p = 7;
	sh->continued = 1;
	sh->ok = *(volatile char *)p == 7;
}

TEST(use_after_free_write_is_reported_as_a_write)
{
	char line[256];
	int status = run_child(child_uaf_write, 8, true);
	const char *access = "read";	/* where the fault cannot tell */

#if defined(__x86_64__) || defined(__i386__)
	access = "write";
#endif
	EXPECT_TRUE(exited_ok(status));
	ASSERT_TRUE(sh->obj != 0);
	EXPECT_EQ(sh->continued, 1);
	EXPECT_EQ(sh->ok, 1);
	snprintf(line, sizeof(line), "BUG: KFENCE: use-after-free %s in ", access);
	expect_report_frame(line, sh->obj, 64);
	snprintf(line, sizeof(line), "Use-after-free %s at 0x%016lx (in kfence-#%d):\n", access,
		 (unsigned long)sh->obj, obj_index(sh->obj));
	EXPECT_CONTAINS(log_buf, line);
}

/* ---- frees ------------------------------------------------------------------ */

static void child_invalid_free(void)
{
	char *p = sample(32, 8, -1, 0);

	if (!p)
		return;
	sh->obj = (uintptr_t)p;
	kfence_free(p + 1);		/* not the object's start: ignored */
	sh->ok = kfence_ksize(p) == 32 && kfence_object_cache(p) == &cache_token;
	kfence_free(p);
	sh->ok &= kfence_ksize(p) == 0 && kfence_object_cache(p) == NULL;
	kfence_free(p);			/* double free */
	sh->continued = 1;
}

TEST(invalid_and_double_free_are_reported_and_ignored)
{
	char line[256];
	int status = run_child(child_invalid_free, 8, true);

	EXPECT_TRUE(exited_ok(status));
	ASSERT_TRUE(sh->obj != 0);
	EXPECT_EQ(sh->ok, 1);
	EXPECT_EQ(sh->continued, 1);
	EXPECT_EQ(count_substr(log_buf, "BUG: KFENCE: invalid free in "), 2);
	EXPECT_EQ(count_substr(log_buf, BANNER), 4);
	snprintf(line, sizeof(line), "\n\nInvalid free of 0x%016lx (in kfence-#%d):\n",
		 (unsigned long)(sh->obj + 1), obj_index(sh->obj));
	EXPECT_CONTAINS(log_buf, line);
	snprintf(line, sizeof(line), "\n\nInvalid free of 0x%016lx (in kfence-#%d):\n",
		 (unsigned long)sh->obj, obj_index(sh->obj));
	EXPECT_CONTAINS(log_buf, line);
	/* The second report shows the first free, and the taint of the first. */
	EXPECT_EQ(count_substr(log_buf, "\nfreed by task"), 1);
	EXPECT_CONTAINS(log_buf, "Tainted: G    B");
}

static void child_canary(void)
{
	char *p = sample(30, 2, 0, 0);

	if (!p)
		return;
	sh->obj = (uintptr_t)p;
	p[30] = 0x42;			/* one byte past the end, inside the page */
	kfence_free(p);
	sh->continued = 1;
}

TEST(canary_corruption_is_reported_at_free)
{
	char line[256];
	int status = run_child(child_canary, 8, true);

	EXPECT_TRUE(exited_ok(status));
	ASSERT_TRUE(sh->obj != 0);
	EXPECT_EQ(sh->continued, 1);
	EXPECT_EQ(count_substr(log_buf, BANNER), 2);
	EXPECT_CONTAINS(log_buf, "BUG: KFENCE: memory corruption in ");
	snprintf(line, sizeof(line),
		 "\n\nCorrupted memory at 0x%016lx [ ! . . . . . . . . . . . . . . . ] (in kfence-#%d):\n",
		 (unsigned long)(sh->obj + 30), obj_index(sh->obj));
	EXPECT_CONTAINS(log_buf, line);
	EXPECT_CONTAINS(log_buf, "\nfreed by task");
}

/* ---- what is sampled -------------------------------------------------------- */

static void child_placement(void)
{
	char *p = sample(100, 64, 1, __GFP_ZERO);
	char *q = sample(100, 64, 0, 0);
	char probe;
	bool zero = true;

	if (!p || !q)
		return;
	for (int i = 0; i < 100; i++)
		zero &= p[i] == 0;
	sh->ok = zero && ((uintptr_t)p & 63) == 0 && ((uintptr_t)p & (PAGE - 1)) + 100 <= PAGE &&
		 ((uintptr_t)p & (PAGE - 1)) + 100 + 64 > PAGE && ((uintptr_t)q & (PAGE - 1)) == 0 &&
		 is_kfence_address(p) && is_kfence_address(q) && !is_kfence_address(&probe) &&
		 kfence_alloc(&cache_token, "big", PAGE + 1, 8, 0) == NULL &&
		 kfence_alloc(&cache_token, "dma", 8, 8, __GFP_DMA) == NULL;
	sh->continued = 1;
}

TEST(objects_are_placed_aligned_against_an_edge_and_zeroed_on_request)
{
	int status = run_child(child_placement, 8, true);

	EXPECT_TRUE(exited_ok(status));
	EXPECT_EQ(sh->continued, 1);
	EXPECT_EQ(sh->ok, 1);
	EXPECT_EQ(count_substr(log_buf, "BUG: KFENCE"), 0);
}

/* ---- the debugfs files -------------------------------------------------------- */

static void child_stats(void)
{
	char *p, *q;

	/* The first round is armed at setup: an allocation KFENCE cannot
	 * serve leaves it armed for the next. */
	if (kfence_alloc(&cache_token, "big", 2 * PAGE, 8, 0) != NULL)
		return;
	/* Either placement (sample() would count the ones it throws away):
	 * one byte past whichever edge touches a guard page. */
	p = sample(16, 8, -1, 0);
	q = sample(16, 8, -1, 0);
	if (!p || !q)
		return;
	(void)*(volatile char *)(((uintptr_t)p & (PAGE - 1)) ? p + 16 : p - 1);
	kfence_free(q);
	/* Both objects taken: with capacity 2 the next sample is skipped. */
	if (!sample(16, 8, -1, 0))
		return;
	for (int i = 0; i < 5000 && !sh->ok; i++) {
		if (kfence_alloc(&cache_token, "test-cache", 16, 8, 0) != NULL)
			return;
		ukmem_ctl_read("/sys/kernel/debug/kfence/stats", sh->file, sizeof(sh->file));
		sh->ok = strstr(sh->file, "skipped allocations (capacity): 1\n") != NULL;
		usleep(200);
	}
	kfence_setup(0, -1);	/* no more samples while the file is read */
	ukmem_ctl_read("/sys/kernel/debug/kfence/stats", sh->file, sizeof(sh->file));
	sh->continued = 1;
}

TEST(stats_count_allocations_frees_bugs_and_skips)
{
	int status = run_child(child_stats, 2, true);

	EXPECT_TRUE(exited_ok(status));
	EXPECT_EQ(sh->continued, 1);
	EXPECT_EQ(sh->ok, 1);
	EXPECT_STREQ(sh->file,
		     "enabled: 0\n"
		     "currently allocated: 2\n"
		     "total allocations: 3\n"
		     "total frees: 1\n"
		     "zombie allocations: 0\n"
		     "total bugs: 1\n"
		     "skipped allocations (incompatible): 1\n"
		     "skipped allocations (capacity): 1\n"
		     "skipped allocations (covered): 0\n");
}

static void child_objects(void)
{
	char *p = sample(24, 8, -1, 0);

	if (!p)
		return;
	sh->obj = (uintptr_t)p;
	kfence_free(p);
	sh->ok = ukmem_ctl_read("/sys/kernel/debug/kfence/objects", sh->file, sizeof(sh->file)) > 0;
	sh->continued = 1;
}

TEST(objects_file_shows_every_object)
{
	char line[256];
	int status = run_child(child_objects, 3, true);

	EXPECT_TRUE(exited_ok(status));
	ASSERT_TRUE(sh->obj != 0);
	EXPECT_EQ(sh->ok, 1);
	EXPECT_EQ(count_substr(sh->file, "---------------------------------\n"), 3);
	EXPECT_EQ(count_substr(sh->file, " unused\n"), 2);
	snprintf(line, sizeof(line), "kfence-#%d: 0x%016lx-0x%016lx, size=24, cache=test-cache\n\n"
		 "allocated by task %d on cpu ", obj_index(sh->obj), (unsigned long)sh->obj,
		 (unsigned long)(sh->obj + 23), sh->pid);
	EXPECT_CONTAINS(sh->file, line);
	snprintf(line, sizeof(line), "\n\nfreed by task %d on cpu ", sh->pid);
	EXPECT_CONTAINS(sh->file, line);
	EXPECT_EQ(strncmp(sh->file, "kfence-#0", 9), 0);
}

/* ---- faults that are not KFENCE's ---------------------------------------------- */

static void own_handler(int sig)
{
	(void)sig;
	_exit(42);
}

static void child_foreign_fault(void)
{
	char *page = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	/* ASan's own report of the crash is not this test's output. */
	dup2(open("/dev/null", O_WRONLY), 2);

	(void)*(volatile char *)page;
	sh->continued = 1;
}

static void child_foreign_fault_with_handler(void)
{
	signal(SIGSEGV, own_handler);
	if (kfence_setup(1, 4) != 0)
		_exit(3);
	child_foreign_fault();
}

TEST(a_fault_outside_the_pool_goes_to_the_handler_before)
{
	int status = run_child(child_foreign_fault_with_handler, 4, false);

	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 42);
	EXPECT_EQ(sh->continued, 0);
	EXPECT_EQ(count_substr(log_buf, "KFENCE"), 0);
}

TEST(a_fault_outside_the_pool_still_crashes)
{
	int status = run_child(child_foreign_fault, 4, true);

	EXPECT_EQ(sh->continued, 0);
	EXPECT_EQ(count_substr(log_buf, "KFENCE"), 0);
	if (UNDER_ASAN || UNDER_TSAN) {	/* the sanitizer's handler was first: its report, exit */
		EXPECT_FALSE(exited_ok(status));
	} else {
		EXPECT_TRUE(WIFSIGNALED(status));
		EXPECT_EQ(WTERMSIG(status), SIGSEGV);
	}
}

/* ---- fork ---------------------------------------------------------------------- */

static void child_fork(void)
{
	int status = 0;
	pid_t pid;

	if (!sample(16, 8, -1, 0))
		return;
	pid = fork();
	if (pid == 0) {
		/* The grandchild samples again and again: its own thread arms. */
		for (int i = 0; i < 3; i++)
			if (!sample(16, 8, -1, 0))
				_exit(1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	sh->ok = exited_ok(status);
	sh->continued = 1;
}

TEST(a_fork_child_keeps_sampling)
{
	int status;

	if (UNDER_TSAN) {
		/* TSan does not run threads started after a multi-threaded
		 * process forked: the grandchild's timer cannot arm. */
		printf("     (skipped under ThreadSanitizer)\n");
		return;
	}
	status = run_child(child_fork, 8, true);

	EXPECT_TRUE(exited_ok(status));
	EXPECT_EQ(sh->continued, 1);
	EXPECT_EQ(sh->ok, 1);
}

static void setup(void)
{
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		abort();
}

RUN_TESTS_SETUP(setup,
	T(oob_right_read_is_reported_and_the_program_goes_on),
	T(oob_left_read_is_reported),
	T(use_after_free_read_is_reported_with_both_stacks),
	T(use_after_free_write_is_reported_as_a_write),
	T(invalid_and_double_free_are_reported_and_ignored),
	T(canary_corruption_is_reported_at_free),
	T(objects_are_placed_aligned_against_an_edge_and_zeroed_on_request),
	T(stats_count_allocations_frees_bugs_and_skips),
	T(objects_file_shows_every_object),
	T(a_fault_outside_the_pool_goes_to_the_handler_before),
	T(a_fault_outside_the_pool_still_crashes),
	T(a_fork_child_keeps_sampling))
