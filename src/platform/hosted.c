/*
 * hosted.c - the platform on Linux with glibc.
 *
 * Theory
 * ------
 * This file owns every system call ukmem makes.  It implements
 * platform.h with the cheapest Linux primitive for each job:
 *
 *   memory     one anonymous MAP_NORESERVE mapping per reservation, so the
 *              arena costs address space only; pages commit on first touch
 *              and madvise(MADV_DONTNEED) gives them back (a private
 *              anonymous page reads as zero afterwards).
 *   locks      a three-state futex mutex (Drepper, "Futexes Are Tricky",
 *              mutex 3): 0 unlocked, 1 locked, 2 locked and maybe waited
 *              for.  Only an unlock that finds 2 makes a system call.
 *   CPU        the cpu_id field of the rseq area glibc registers for every
 *              thread (glibc >= 2.35): one load, no system call.
 *   identity   TLS with the initial-exec model: a global- or local-dynamic
 *              access may call __tls_get_addr, which may call malloc,
 *              which may be ukmem.
 *
 * Rules every function here follows:
 *   - No malloc, directly or through libc: ukmem may be the process's
 *     malloc, and these functions run under ukmem locks.  Files are read
 *     with open/read/close into stack buffers (never stdio), the environment
 *     is scanned through environ (never getenv, whose safety before libc is
 *     fully up is not promised), and the CPU count is read from sysfs by
 *     hand because get_nprocs_conf() uses opendir(), which mallocs.  The one
 *     libc function that may malloc on first use, backtrace() (it loads
 *     libgcc_s), is called once from a constructor, where no ukmem lock can
 *     be held, so that later calls never allocate.
 *   - errno as seen by the caller never changes: each function that makes a
 *     system call saves errno first and restores it before returning.
 *   - State computed once (CPU count, command name, log file) is published
 *     with atomics, so the first calls may race from several threads; a
 *     loser of a race either uses the winner's result or reads the same
 *     value itself.
 *
 * Locks: the locks implemented here are leaves; this file takes none of
 * them itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>	/* glibc 2.35+: the rseq area glibc registers */
#define HAVE_GLIBC_RSEQ 1
#else
#define HAVE_GLIBC_RSEQ 0
#endif
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include <ukmem/ukmem.h>

#include "platform/platform.h"

/* ---- small helpers ------------------------------------------------------ */

/*
 * Read at most size - 1 bytes of a small file (a /proc or /sys file that
 * fits in one read) into buf and terminate it.  Returns the length, or -1.
 * The caller preserves errno.
 */
static ssize_t read_small_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Parse a decimal number at *p and advance *p past it; false if none. */
static bool parse_decimal(const char **p, unsigned long *out)
{
	const char *s = *p;
	unsigned long v = 0;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned long)(*s++ - '0');
	*p = s;
	*out = v;
	return true;
}

/* The value of environment variable name, or NULL; no malloc, no locks. */
static const char *env_lookup(const char *name)
{
	size_t len = strlen(name);
	char **env = environ;

	if (!env)
		return NULL;
	for (; *env; env++)
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}

/* ---- memory ------------------------------------------------------------- */

void *ukmem_plat_reserve(size_t size, size_t align)
{
	int saved_errno = errno;
	uintptr_t start, aligned;
	size_t span;
	void *p;

	if (align < UKMEM_PLAT_PAGE)
		align = UKMEM_PLAT_PAGE;
	/* mmap aligns to a page only: over-reserve by align less a page,
	 * then cut off the unaligned head and the excess tail. */
	span = size + (align - UKMEM_PLAT_PAGE);
	if (size == 0 || (align & (align - 1)) != 0 || span < size)
		return NULL;
	p = mmap(NULL, span, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		errno = saved_errno;
		return NULL;
	}
	start = (uintptr_t)p;
	aligned = (start + align - 1) & ~(uintptr_t)(align - 1);
	if (aligned > start)
		munmap(p, aligned - start);
	if (start + span > aligned + size)
		munmap((void *)(aligned + size), start + span - (aligned + size));
	errno = saved_errno;
	return (void *)aligned;
}

void ukmem_plat_unreserve(void *addr, size_t size)
{
	int saved_errno = errno;

	munmap(addr, size);
	errno = saved_errno;
}

void ukmem_plat_wait(int *word, int val, uint64_t timeout_ns)
{
	int saved_errno = errno;
	struct timespec ts = { (time_t)(timeout_ns / 1000000000u),
			       (long)(timeout_ns % 1000000000u) };

	syscall(SYS_futex, word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, val, &ts, NULL, 0);
	errno = saved_errno;
}

void ukmem_plat_wake(int *word, int n)
{
	int saved_errno = errno;

	syscall(SYS_futex, word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, n < 0 ? 0x7fffffff : n, NULL,
		NULL, 0);
	errno = saved_errno;
}

void ukmem_plat_relax(void)
{
	int saved_errno = errno;
	struct timespec ts = { 0, 1000000 };	/* 1 ms */

	nanosleep(&ts, NULL);
	errno = saved_errno;
}

bool ukmem_plat_release(void *addr, size_t size)
{
	int saved_errno = errno;
	bool ok = madvise(addr, size, MADV_DONTNEED) == 0;

	errno = saved_errno;
	return ok;
}

size_t ukmem_plat_resident_bytes(void)
{
	int saved_errno = errno;
	char buf[128];
	const char *p = buf;
	unsigned long pages = 0;
	bool ok;

	/* statm: "size resident shared text lib data dt", in pages. */
	ok = read_small_file("/proc/self/statm", buf, sizeof(buf)) > 0 &&
	     parse_decimal(&p, &pages) && *p++ == ' ' &&
	     parse_decimal(&p, &pages);
	errno = saved_errno;
	return ok ? pages * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

uint64_t ukmem_plat_ram_bytes(void)
{
	int saved_errno = errno;
	struct sysinfo si;
	uint64_t bytes = 0;

	if (sysinfo(&si) == 0)
		bytes = (uint64_t)si.totalram * si.mem_unit;
	errno = saved_errno;
	return bytes;
}

int ukmem_plat_regions(struct plat_region *out, int max)
{
	(void)out;
	(void)max;
	return 0;
}

/* ---- CPUs and threads --------------------------------------------------- */

static int nr_cpus_cached;	/* 0 until computed */

/*
 * The kernel's nr_cpu_ids: highest possible CPU number + 1, from
 * /sys/devices/system/cpu/possible ("0-3,8-11").  Every cpu_id the kernel
 * reports is below it.  Falls back to get_nprocs(), which reads sysfs
 * without malloc, when sysfs is not mounted.
 */
static int compute_nr_cpus(void)
{
	char buf[256];
	const char *p = buf;
	unsigned long v, highest = 0;
	bool any = false;

	if (read_small_file("/sys/devices/system/cpu/possible", buf, sizeof(buf)) > 0) {
		while (parse_decimal(&p, &v)) {
			if (*p == '-') {
				p++;
				if (!parse_decimal(&p, &v))
					break;
			}
			if (v >= highest)
				highest = v;
			any = true;
			if (*p != ',')
				break;
			p++;
		}
	}
	if (any && highest < 65536)	/* sanity bound against a garbled file */
		return (int)highest + 1;
	v = (unsigned long)get_nprocs();
	return v >= 1 ? (int)v : 1;
}

int ukmem_plat_nr_cpus(void)
{
	int n = __atomic_load_n(&nr_cpus_cached, __ATOMIC_RELAXED);

	if (n == 0) {
		int saved_errno = errno;

		/* Racing threads compute the same value; any store wins. */
		n = compute_nr_cpus();
		__atomic_store_n(&nr_cpus_cached, n, __ATOMIC_RELAXED);
		errno = saved_errno;
	}
	return n;
}

int ukmem_plat_cpu(void)
{
	int n = ukmem_plat_nr_cpus();
	int cpu = -1;

#if HAVE_GLIBC_RSEQ
	if (__rseq_size != 0) {
		struct rseq *rs = (struct rseq *)
			((char *)__builtin_thread_pointer() + __rseq_offset);

		/* The kernel rewrites cpu_id on every migration: read it
		 * afresh each time, never from a register. */
		cpu = (int)__atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED);
	}
#endif
	if (cpu < 0) {
		int saved_errno = errno;

		cpu = sched_getcpu();
		errno = saved_errno;
		if (cpu < 0)
			cpu = 0;
	}
	/* Only a count from the get_nprocs() fallback (online CPUs, which
	 * may be numbered sparsely) can be exceeded: wrap rather than pile
	 * every such CPU onto the last slot. */
	return cpu < n ? cpu : cpu % n;
}

uint64_t ukmem_plat_blocked_signals(void)
{
	sigset_t set;
	uint64_t first = 0;

	if (pthread_sigmask(SIG_BLOCK, NULL, &set) == 0)
		memcpy(&first, &set, sizeof(first) < sizeof(set) ? sizeof(first) : sizeof(set));
	return first;
}

/* 0 until the thread's first call; reset in a fork child, whose only
 * thread has a new id. */
static __thread int cached_tid __attribute__((tls_model("initial-exec")));

int ukmem_plat_tid(void)
{
	if (cached_tid == 0) {
		int saved_errno = errno;

		cached_tid = (int)syscall(SYS_gettid);
		errno = saved_errno;
	}
	return cached_tid;
}

static void reset_tid_after_fork(void)
{
	cached_tid = 0;
}

/* Command name: COMM_UNREAD -> COMM_READING (one thread reads the file)
 * -> COMM_READY.  Callers that arrive while it is being read get
 * "unknown" rather than wait: this runs inside error reports, possibly in
 * a signal handler that interrupted the reader. */
enum { COMM_UNREAD, COMM_READING, COMM_READY };
static int comm_state;
static char comm_buf[32];	/* the kernel's TASK_COMM_LEN is 16 */

const char *ukmem_plat_comm(void)
{
	int state = __atomic_load_n(&comm_state, __ATOMIC_ACQUIRE);

	if (state == COMM_UNREAD &&
	    __atomic_compare_exchange_n(&comm_state, &state, COMM_READING, false,
					__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
		int saved_errno = errno;
		ssize_t n = read_small_file("/proc/self/comm", comm_buf, sizeof(comm_buf));

		if (n > 0 && comm_buf[n - 1] == '\n')
			comm_buf[--n] = '\0';
		if (n <= 0)
			strcpy(comm_buf, "unknown");
		errno = saved_errno;
		state = COMM_READY;
		__atomic_store_n(&comm_state, COMM_READY, __ATOMIC_RELEASE);
	}
	return state == COMM_READY ? comm_buf : "unknown";
}

/* ---- locks -------------------------------------------------------------- */

enum { LOCK_FREE = 0, LOCK_HELD = 1, LOCK_CONTENDED = 2 };

/* Spins before sleeping: long enough to cover a short critical section on
 * another CPU, short against a futex round trip. */
#define LOCK_SPINS 100

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() ((void)0)
#endif

static void futex_wait(int *word, int val)
{
	syscall(SYS_futex, word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static void futex_wake_one(int *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
}

static void lock_slow(plat_lock_t *lock)
{
	int saved_errno, c;

	for (int i = 0; i < LOCK_SPINS; i++) {
		cpu_relax();
		c = __atomic_load_n(&lock->word, __ATOMIC_RELAXED);
		if (c == LOCK_FREE &&
		    __atomic_compare_exchange_n(&lock->word, &c, LOCK_HELD, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
	}
	/*
	 * Sleep.  Whoever takes the lock from here on marks it contended,
	 * even if it was the last waiter: it cannot know, and an extra wake
	 * costs one system call where a lost one would hang a thread.
	 */
	saved_errno = errno;
	while (__atomic_exchange_n(&lock->word, LOCK_CONTENDED, __ATOMIC_ACQUIRE) != LOCK_FREE)
		futex_wait(&lock->word, LOCK_CONTENDED);
	errno = saved_errno;
}

void ukmem_plat_lock(plat_lock_t *lock)
{
	int c = LOCK_FREE;

	if (!__atomic_compare_exchange_n(&lock->word, &c, LOCK_HELD, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		lock_slow(lock);
}

bool ukmem_plat_trylock(plat_lock_t *lock)
{
	int c = LOCK_FREE;

	return __atomic_compare_exchange_n(&lock->word, &c, LOCK_HELD, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void ukmem_plat_unlock(plat_lock_t *lock)
{
	if (__atomic_exchange_n(&lock->word, LOCK_FREE, __ATOMIC_RELEASE) == LOCK_CONTENDED) {
		int saved_errno = errno;

		futex_wake_one(&lock->word);
		errno = saved_errno;
	}
}

const char *ukmem_plat_boot_options(void)
{
	return env_lookup("UKMEM_OPTIONS");
}

const char *ukmem_plat_debug_options(void)
{
	return env_lookup("UKMEM_DEBUG_OPTIONS");
}

void ukmem_plat_panic(void)
{
	abort();
}

/* ---- time, logging, backtraces ------------------------------------------ */

uint64_t ukmem_plat_now_ns(void)
{
	int saved_errno = errno;
	struct timespec ts;
	uint64_t ns = 0;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	errno = saved_errno;
	return ns;
}

/* The log file descriptor: LOG_FD_UNSET until the first message decides
 * between the UKMEM_LOG file and stderr. */
#define LOG_FD_UNSET (-1)
static int log_fd = LOG_FD_UNSET;

static int log_fd_get(void)
{
	int fd = __atomic_load_n(&log_fd, __ATOMIC_ACQUIRE);
	int expected = LOG_FD_UNSET;
	const char *path;

	if (fd != LOG_FD_UNSET)
		return fd;
	path = env_lookup("UKMEM_LOG");
	fd = path && *path ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
	if (fd < 0)
		fd = STDERR_FILENO;
	/* Two first messages may race: the loser closes its own file. */
	if (!__atomic_compare_exchange_n(&log_fd, &expected, fd, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (fd != STDERR_FILENO)
			close(fd);
		fd = expected;
	}
	return fd;
}

void ukmem_plat_log(const char *msg, size_t len)
{
	int saved_errno = errno;
	int fd = log_fd_get();

	while (len > 0) {
		ssize_t n = write(fd, msg, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		msg += n;
		len -= (size_t)n;
	}
	errno = saved_errno;
}

/* Frames fetched per backtrace, ours included; reports print far fewer. */
#define BACKTRACE_MAX_FRAMES 64
/* Frames between backtrace() and our caller: this function's own, plus
 * one for a sanitizer's backtrace interceptor, plus slack. */
#define BACKTRACE_OWN_FRAMES 4

/* Inside backtrace() on this thread: its first call loads libgcc_s, which
 * mallocs, and a malloc that records its stack (slub_debug=U, kmemleak)
 * would call back in here and load it again, forever.  The inner call
 * gets no frames. */
static __thread int in_backtrace __attribute__((tls_model("initial-exec")));

__attribute__((noinline))
int ukmem_plat_backtrace(void **out, int max, int skip)
{
	void *frames[BACKTRACE_MAX_FRAMES];
	void *caller = __builtin_return_address(0);
	int saved_errno = errno;
	int want, n, first = 1;

	if (max <= 0 || skip < 0 || skip >= BACKTRACE_MAX_FRAMES - BACKTRACE_OWN_FRAMES ||
	    in_backtrace)
		return 0;
	want = BACKTRACE_OWN_FRAMES + skip + max;
	if (want > BACKTRACE_MAX_FRAMES)
		want = BACKTRACE_MAX_FRAMES;
	in_backtrace = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	n = backtrace(frames, want);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	in_backtrace = 0;
	errno = saved_errno;
	/* Start at our caller, found by its return address rather than by a
	 * fixed count: interceptors add frames of their own. */
	for (int i = 0; i < n && i < BACKTRACE_OWN_FRAMES; i++)
		if (frames[i] == caller) {
			first = i;
			break;
		}
	n -= first + skip;
	if (n <= 0)
		return 0;
	if (n > max)
		n = max;
	memcpy(out, frames + first + skip, (size_t)n * sizeof(void *));
	return n;
}

/*
 * Runs when the library is loaded, before any ukmem lock can be held:
 * - backtrace() loads libgcc_s (and mallocs) on its first call only, so
 *   make that call here rather than in the middle of a report;
 * - a fork child must not keep its parent's cached thread id.
 */
__attribute__((constructor))
static void hosted_init(void)
{
	int saved_errno = errno;
	void *frame;

	backtrace(&frame, 1);
	pthread_atfork(NULL, NULL, reset_tid_after_fork);
	errno = saved_errno;
}

/* ---- thread exit and membarrier ----------------------------------------- */

/* One key for ukmem; its destructor runs the registered function with the
 * thread's argument.  The key is made once, lazily (pthread_key_create
 * does not allocate for the first keys of a process). */
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static bool exit_key_ok;
static void (*exit_fn)(void *);

static void exit_key_destructor(void *arg)
{
	void (*fn)(void *) = __atomic_load_n(&exit_fn, __ATOMIC_ACQUIRE);

	if (fn && arg)
		fn(arg);
}

static void exit_key_create(void)
{
	exit_key_ok = pthread_key_create(&exit_key, exit_key_destructor) == 0;
}

bool ukmem_plat_on_thread_exit(void (*fn)(void *), void *arg)
{
	int saved_errno = errno;
	bool ok;

	pthread_once(&exit_key_once, exit_key_create);
	__atomic_store_n(&exit_fn, fn, __ATOMIC_RELEASE);
	ok = exit_key_ok && pthread_setspecific(exit_key, arg) == 0;
	errno = saved_errno;
	return ok;
}

#ifndef MEMBARRIER_CMD_PRIVATE_EXPEDITED
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED (1 << 3)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)
#endif

/* 0 unknown, 1 registered, -1 unavailable. */
static int membarrier_state;

bool ukmem_plat_membarrier(void)
{
	int state = __atomic_load_n(&membarrier_state, __ATOMIC_ACQUIRE);
	int saved_errno = errno;

	if (state == 0) {
		state = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0
			? 1 : -1;
		__atomic_store_n(&membarrier_state, state, __ATOMIC_RELEASE);
	}
	if (state == 1 && syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
		state = -1;
	errno = saved_errno;
	return state == 1;
}

/* ---- the bare platform's public API, absent here ------------------------ */

UKMEM_API int ukmem_add_region(void *base, size_t size, int zone, int nid)
{
	(void)base;
	(void)size;
	(void)zone;
	(void)nid;
	return -ENOSYS;
}

UKMEM_API int ukmem_set_lock_hooks(const struct ukmem_lock_hooks *hooks)
{
	(void)hooks;
	return -ENOSYS;
}


/* ---- ukmem's own threads --------------------------------------------------- */

struct thread_start {
	void (*fn)(void *);
	void *arg;
};

static void *thread_main(void *p)
{
	struct thread_start start = *(struct thread_start *)p;

	munmap(p, UKMEM_PLAT_PAGE);
	start.fn(start.arg);
	return NULL;
}

bool ukmem_plat_thread_start(void (*fn)(void *), void *arg)
{
	int saved_errno = errno;
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t thread;
	struct thread_start *start;
	bool ok = false;

	/* The start block comes from the OS, not from malloc, which may be
	 * ukmem's own front. */
	start = mmap(NULL, UKMEM_PLAT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	if (start == MAP_FAILED) {
		errno = saved_errno;
		return false;
	}
	start->fn = fn;
	start->arg = arg;
	sigfillset(&all);
	/* Except kmemleak's stop signal (KL_SIG in hosted_kmemleak.c): a
	 * scan stops ukmem's own threads too, and scans their stacks. */
	sigdelset(&all, SIGRTMAX - 5);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_attr_init(&attr) == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		ok = pthread_create(&thread, &attr, thread_main, start) == 0;
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ok)
		munmap(start, UKMEM_PLAT_PAGE);
	errno = saved_errno;
	return ok;
}
