/*
 * test_hosted.c - the Linux platform: memory that reads as zero and goes
 * back to the OS, a mutex that excludes, CPU and thread identity, options,
 * the log sink, backtraces, and errno left alone.
 *
 * UKMEM_LOG is read once, at the first message: setup() points it at a
 * temporary file before any test runs, and the stderr test runs in a child
 * that removes it before its first message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ukmem/ukmem.h>

#include "harness.h"
#include "platform/platform.h"

#define MiB (1024UL * 1024)

static char log_path[] = "/tmp/ukmem-test-hosted-log-XXXXXX";

static void setup(void)
{
	int fd = mkstemp(log_path);

	if (fd >= 0)
		close(fd);
	setenv("UKMEM_LOG", log_path, 1);
}

static bool all_zero(const unsigned char *p, size_t size, size_t step)
{
	for (size_t i = 0; i < size; i += step)
		if (p[i] != 0)
			return false;
	return true;
}

/* ---- memory ------------------------------------------------------------- */

TEST(reserve_is_aligned_and_reads_zero)
{
	static const size_t aligns[] = { 4096, 64 * 1024, 2 * MiB, 4 * MiB };

	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		size_t size = 8 * MiB;
		unsigned char *p = ukmem_plat_reserve(size, aligns[i]);

		ASSERT_NOT_NULL(p);
		EXPECT_UEQ((uintptr_t)p % aligns[i], 0);
		EXPECT_TRUE(all_zero(p, size, 4096));
		p[0] = 1;
		p[size - 1] = 2;	/* the whole range is writable */
		EXPECT_EQ(p[size - 1], 2);
		munmap(p, size);
	}
}

TEST(reserve_rejects_bad_arguments)
{
	EXPECT_TRUE(ukmem_plat_reserve(0, 4096) == NULL);
	EXPECT_TRUE(ukmem_plat_reserve(4096, 3 * 4096) == NULL);	/* not a power of two */
	EXPECT_TRUE(ukmem_plat_reserve(SIZE_MAX - 4095, 2 * MiB) == NULL);
}

TEST(release_reads_zero_and_gives_memory_back)
{
	size_t size = 64 * MiB;
	unsigned char *p = ukmem_plat_reserve(size, 2 * MiB);
	size_t before, after;

	ASSERT_NOT_NULL(p);
	memset(p, 0xa5, size);
	before = ukmem_plat_resident_bytes();
	EXPECT_TRUE(ukmem_plat_release(p, size));
	after = ukmem_plat_resident_bytes();
	EXPECT_GT(before, 0);
	EXPECT_GE((long long)before - (long long)after, (long long)(48 * MiB));
	EXPECT_TRUE(all_zero(p, size, 512));

	/* A released range is still reserved: it commits again on touch. */
	p[4096] = 7;
	EXPECT_EQ(p[4096], 7);
	munmap(p, size);
}

TEST(ram_and_regions)
{
	struct plat_region r[4];

	EXPECT_GE(ukmem_plat_ram_bytes(), 16 * MiB);
	EXPECT_EQ(ukmem_plat_regions(r, 4), 0);
	EXPECT_EQ(ukmem_add_region(r, 1 << 20, 0, 0), -ENOSYS);
	EXPECT_EQ(ukmem_set_lock_hooks(NULL), -ENOSYS);
}

/* ---- locks -------------------------------------------------------------- */

#define LOCK_THREADS 4
#define LOCK_ITERATIONS 200000

static plat_lock_t counter_lock = PLAT_LOCK_INIT;
static unsigned long counter;	/* plain: only the lock protects it */

static void *increment_counter(void *arg)
{
	(void)arg;
	for (int i = 0; i < LOCK_ITERATIONS; i++) {
		ukmem_plat_lock(&counter_lock);
		counter++;
		ukmem_plat_unlock(&counter_lock);
	}
	return NULL;
}

TEST(lock_excludes_threads)
{
	pthread_t threads[LOCK_THREADS];

	counter = 0;
	for (int i = 0; i < LOCK_THREADS; i++)
		ASSERT_EQ(pthread_create(&threads[i], NULL, increment_counter, NULL), 0);
	for (int i = 0; i < LOCK_THREADS; i++)
		pthread_join(threads[i], NULL);
	EXPECT_UEQ(counter, (unsigned long)LOCK_THREADS * LOCK_ITERATIONS);
	EXPECT_EQ(counter_lock.word, 0);
}

static plat_lock_t held_lock = PLAT_LOCK_INIT;

static void *try_held_lock(void *arg)
{
	*(bool *)arg = ukmem_plat_trylock(&held_lock);
	return NULL;
}

TEST(trylock_fails_while_held)
{
	plat_lock_t lock = PLAT_LOCK_INIT;
	pthread_t thread;
	bool got = true;

	EXPECT_TRUE(ukmem_plat_trylock(&lock));
	EXPECT_FALSE(ukmem_plat_trylock(&lock));	/* not recursive */
	ukmem_plat_unlock(&lock);
	EXPECT_TRUE(ukmem_plat_trylock(&lock));
	ukmem_plat_unlock(&lock);

	ukmem_plat_lock(&held_lock);
	ASSERT_EQ(pthread_create(&thread, NULL, try_held_lock, &got), 0);
	pthread_join(thread, NULL);
	EXPECT_FALSE(got);
	ukmem_plat_unlock(&held_lock);
	ASSERT_EQ(pthread_create(&thread, NULL, try_held_lock, &got), 0);
	pthread_join(thread, NULL);
	EXPECT_TRUE(got);
	ukmem_plat_unlock(&held_lock);
}

/* A waiter that sleeps in the futex must be woken by the unlock. */
static plat_lock_t sleep_lock = PLAT_LOCK_INIT;
static int woke;

static void *wait_for_sleep_lock(void *arg)
{
	(void)arg;
	ukmem_plat_lock(&sleep_lock);
	__atomic_store_n(&woke, 1, __ATOMIC_RELAXED);
	ukmem_plat_unlock(&sleep_lock);
	return NULL;
}

TEST(unlock_wakes_a_sleeping_waiter)
{
	pthread_t thread;

	ukmem_plat_lock(&sleep_lock);
	ASSERT_EQ(pthread_create(&thread, NULL, wait_for_sleep_lock, NULL), 0);
	/* Long past the spin: the waiter has marked the lock contended. */
	for (int i = 0; i < 1000 && __atomic_load_n(&sleep_lock.word, __ATOMIC_RELAXED) != 2; i++)
		usleep(1000);
	EXPECT_EQ(__atomic_load_n(&sleep_lock.word, __ATOMIC_RELAXED), 2);
	EXPECT_EQ(__atomic_load_n(&woke, __ATOMIC_RELAXED), 0);
	ukmem_plat_unlock(&sleep_lock);
	pthread_join(thread, NULL);
	EXPECT_EQ(woke, 1);
	EXPECT_EQ(sleep_lock.word, 0);
}

/* ---- CPUs and threads --------------------------------------------------- */

struct identity {
	int cpus_out_of_range;
	int tid;
};

static void *record_identity(void *arg)
{
	struct identity *id = arg;
	int n = ukmem_plat_nr_cpus();

	for (int i = 0; i < 10000; i++) {
		int cpu = ukmem_plat_cpu();

		if (cpu < 0 || cpu >= n)
			id->cpus_out_of_range++;
		if (i % 1000 == 0)
			sched_yield();
	}
	id->tid = ukmem_plat_tid();
	return NULL;
}

TEST(cpu_is_in_range_on_every_thread)
{
	struct identity ids[4] = { 0 };
	pthread_t threads[4];
	int n = ukmem_plat_nr_cpus();

	EXPECT_GE(n, 1);
	EXPECT_GE(n, (int)sysconf(_SC_NPROCESSORS_ONLN));
	EXPECT_EQ(ukmem_plat_nr_cpus(), n);	/* cached, stable */
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(pthread_create(&threads[i], NULL, record_identity, &ids[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(threads[i], NULL);
		EXPECT_EQ(ids[i].cpus_out_of_range, 0);
	}
	/* The rseq value and the kernel's answer agree (barring a migration
	 * in between, so allow a few tries). */
	for (int tries = 0; tries < 100; tries++)
		if (ukmem_plat_cpu() == sched_getcpu())
			return;
	HARNESS_FAIL("ukmem_plat_cpu() %d never matched sched_getcpu() %d",
		     ukmem_plat_cpu(), sched_getcpu());
}

TEST(tid_is_per_thread)
{
	struct identity a = { 0 }, b = { 0 };
	pthread_t ta, tb;

	ASSERT_EQ(pthread_create(&ta, NULL, record_identity, &a), 0);
	ASSERT_EQ(pthread_create(&tb, NULL, record_identity, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	EXPECT_EQ(ukmem_plat_tid(), (int)gettid());
	EXPECT_EQ(ukmem_plat_tid(), getpid());	/* the main thread */
	EXPECT_NE(a.tid, b.tid);
	EXPECT_NE(a.tid, ukmem_plat_tid());
}

/* The lock-rank check tells a signal handler from its thread by this. */
static volatile uint64_t mask_in_handler;

static void record_mask(int sig)
{
	(void)sig;
	mask_in_handler = ukmem_plat_blocked_signals();
}

TEST(blocked_signals_follow_the_mask)
{
	sigset_t set, old;
	uint64_t base = ukmem_plat_blocked_signals();
	uint64_t usr2 = 1ULL << (SIGUSR2 - 1);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &set, &old), 0);
	EXPECT_TRUE(ukmem_plat_blocked_signals() == (base | usr2));
	ASSERT_EQ(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	EXPECT_TRUE(ukmem_plat_blocked_signals() == base);

	/* In a handler its own signal is blocked on top of the thread's mask
	 * (TSan, which runs handlers itself, blocks more): what the lock-rank
	 * check needs is a mask that differs from the thread's. */
	signal(SIGUSR2, record_mask);
	raise(SIGUSR2);
	signal(SIGUSR2, SIG_DFL);
	EXPECT_TRUE((mask_in_handler & (base | usr2)) == (base | usr2));
	EXPECT_TRUE(mask_in_handler != base);
}

TEST(tid_is_fresh_in_a_fork_child)
{
	int status;
	pid_t child;

	ukmem_plat_tid();	/* cached in the parent */
	child = fork();
	ASSERT_TRUE(child >= 0);
	if (child == 0)
		_exit(ukmem_plat_tid() == getpid() ? 0 : 1);
	ASSERT_EQ(waitpid(child, &status, 0), child);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(comm_names_the_program)
{
	char want[32] = "";
	int fd = open("/proc/self/comm", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, want, sizeof(want) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n > 0 && want[n - 1] == '\n')
		want[n - 1] = '\0';
	EXPECT_STREQ(ukmem_plat_comm(), want);
	EXPECT_TRUE(ukmem_plat_comm() == ukmem_plat_comm());	/* read once */
}

/* ---- options, time, log, backtraces ------------------------------------- */

TEST(boot_options_come_from_the_environment)
{
	unsetenv("UKMEM_OPTIONS");
	EXPECT_TRUE(ukmem_plat_boot_options() == NULL);
	setenv("UKMEM_OPTIONS_NOT", "x", 1);	/* a longer name must not match */
	EXPECT_TRUE(ukmem_plat_boot_options() == NULL);
	setenv("UKMEM_OPTIONS", "mem=64M numa=fake=2", 1);
	EXPECT_STREQ(ukmem_plat_boot_options(), "mem=64M numa=fake=2");
	setenv("UKMEM_OPTIONS", "", 1);
	EXPECT_STREQ(ukmem_plat_boot_options(), "");
	unsetenv("UKMEM_OPTIONS");
	unsetenv("UKMEM_OPTIONS_NOT");
}

TEST(now_is_monotonic)
{
	uint64_t a = ukmem_plat_now_ns();
	uint64_t b;

	usleep(2000);
	b = ukmem_plat_now_ns();
	EXPECT_GT(a, 0);
	EXPECT_GE(b - a, 1000000);
}

static char *read_whole_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

TEST(log_goes_to_stderr_without_ukmem_log)
{
	int pipefd[2], status;
	char buf[256];
	ssize_t n;
	pid_t child;

	ASSERT_EQ(pipe(pipefd), 0);
	child = fork();
	ASSERT_TRUE(child >= 0);
	if (child == 0) {
		/* The parent has logged nothing yet, so the child decides. */
		unsetenv("UKMEM_LOG");
		dup2(pipefd[1], STDERR_FILENO);
		ukmem_plat_log("to stderr\n", 10);
		_exit(0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(child, &status, 0);
	EXPECT_STREQ(buf, "to stderr\n");
}

TEST(log_goes_to_the_ukmem_log_file)
{
	char buf[256];
	char big[3000];
	int fd;

	ukmem_plat_log("first line\n", 11);
	ukmem_plat_log("second\nignored", 7);
	EXPECT_STREQ(read_whole_file(log_path, buf, sizeof(buf)), "first line\nsecond\n");

	memset(big, 'b', sizeof(big));
	ukmem_plat_log(big, sizeof(big));
	fd = open(log_path, O_RDONLY);
	EXPECT_EQ(lseek(fd, 0, SEEK_END), 18 + (off_t)sizeof(big));
	close(fd);
	unlink(log_path);
}

static __attribute__((noinline)) int backtrace_from_here(void **out, int max, int skip)
{
	int n = ukmem_plat_backtrace(out, max, skip);

	__asm__ __volatile__("" ::: "memory");	/* keep this frame: no tail call */
	return n;
}

TEST(backtrace_and_symbolize)
{
	void *frames[16], *frames_skipped[16];
	char buf[128];
	int n, m;

	n = backtrace_from_here(frames, 16, 0);
	EXPECT_GE(n, 3);
	m = backtrace_from_here(frames_skipped, 16, 1);
	EXPECT_EQ(m, n - 1);
	/* Entry 0 is the return address into backtrace_from_here, the same
	 * for both calls; entry 1 is in this test, at two different call
	 * sites; entry 2 is in the harness, the same again. */
	ASSERT_TRUE(m >= 2);
	EXPECT_TRUE(frames_skipped[1] == frames[2]);
	EXPECT_EQ(backtrace_from_here(frames, 2, 0), 2);
	EXPECT_EQ(backtrace_from_here(frames, 0, 0), 0);

	/* A libc function has a dynamic symbol. */
	const char *s = ukmem_plat_symbolize((char *)(uintptr_t)&getpid + 4, buf, sizeof(buf));
	ASSERT_NOT_NULL(s);
	EXPECT_TRUE(s == buf);
	EXPECT_CONTAINS(s, "getpid+0x4");
	/* A stack address belongs to no object. */
	EXPECT_TRUE(ukmem_plat_symbolize(buf, buf, sizeof(buf)) == NULL);
	EXPECT_TRUE(ukmem_plat_symbolize((void *)(uintptr_t)&getpid, buf, 0) == NULL);
}

TEST(errno_is_preserved)
{
	plat_lock_t lock = PLAT_LOCK_INIT;
	void *p;
	char buf[64];

	errno = 4242;
	p = ukmem_plat_reserve(SIZE_MAX - 4 * MiB, 2 * MiB);	/* mmap fails */
	EXPECT_TRUE(p == NULL);
	p = ukmem_plat_reserve(1 * MiB, 4096);
	EXPECT_TRUE(ukmem_plat_release(p, 1 * MiB));
	EXPECT_FALSE(ukmem_plat_release((void *)1, 4096));	/* madvise fails */
	ukmem_plat_resident_bytes();
	ukmem_plat_ram_bytes();
	ukmem_plat_nr_cpus();
	ukmem_plat_cpu();
	ukmem_plat_tid();
	ukmem_plat_comm();
	ukmem_plat_now_ns();
	ukmem_plat_lock(&lock);
	ukmem_plat_unlock(&lock);
	ukmem_plat_symbolize(buf, buf, sizeof(buf));
	ukmem_plat_backtrace((void **)buf, 4, 0);
	EXPECT_EQ(errno, 4242);
	munmap(p, 1 * MiB);
}

static int wait_word;

static void *waker(void *arg)
{
	(void)arg;
	usleep(20000);
	__atomic_store_n(&wait_word, 1, __ATOMIC_RELEASE);
	ukmem_plat_wake(&wait_word, -1);
	return NULL;
}

TEST(wait_times_out_and_wake_ends_a_wait)
{
	pthread_t t;
	uint64_t t0 = ukmem_plat_now_ns(), waited;

	/* Nobody wakes: the wait ends by its timeout (and not much later). */
	ukmem_plat_wait(&wait_word, 0, 30000000);
	waited = ukmem_plat_now_ns() - t0;
	EXPECT_GE(waited, 25000000);
	EXPECT_LT(waited, 2000000000);
	/* A value that already differs: no wait at all. */
	t0 = ukmem_plat_now_ns();
	ukmem_plat_wait(&wait_word, 12345, 5000000000ULL);
	EXPECT_LT(ukmem_plat_now_ns() - t0, 1000000000);
	/* A wake ends a long wait early. */
	ASSERT_EQ(pthread_create(&t, NULL, waker, NULL), 0);
	t0 = ukmem_plat_now_ns();
	while (!__atomic_load_n(&wait_word, __ATOMIC_ACQUIRE))
		ukmem_plat_wait(&wait_word, 0, 10000000000ULL);
	EXPECT_LT(ukmem_plat_now_ns() - t0, 5000000000ULL);
	pthread_join(t, NULL);
}

RUN_TESTS_SETUP(setup,
	T(wait_times_out_and_wake_ends_a_wait),
	T(log_goes_to_stderr_without_ukmem_log), T(log_goes_to_the_ukmem_log_file),
	T(reserve_is_aligned_and_reads_zero), T(reserve_rejects_bad_arguments),
	T(release_reads_zero_and_gives_memory_back), T(ram_and_regions),
	T(lock_excludes_threads), T(trylock_fails_while_held),
	T(unlock_wakes_a_sleeping_waiter), T(cpu_is_in_range_on_every_thread),
	T(tid_is_per_thread), T(blocked_signals_follow_the_mask), T(tid_is_fresh_in_a_fork_child),
	T(comm_names_the_program), T(boot_options_come_from_the_environment),
	T(now_is_monotonic), T(backtrace_and_symbolize), T(errno_is_preserved))
