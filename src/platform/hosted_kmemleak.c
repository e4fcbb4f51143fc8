/*
 * hosted_kmemleak.c - kmemleak's roots on Linux: the writable segments of
 * every loaded object, and the registers, stacks and thread-local storage
 * of every thread, read while the other threads wait in a signal handler.
 *
 * Theory
 * ------
 * The kernel's kmemleak scans task stacks while the tasks run; user space
 * can do better and worse: a thread's registers are invisible unless it
 * stops, so every other thread is stopped for the scan.  The caller (the
 * debug layer) holds kmemleak's lock before it calls stop, so no stopped
 * thread can hold it, and allocates nothing until start: ukmem may be the
 * process's malloc, and a stopped thread may hold any other lock.
 *
 * Stopping.  /proc/self/task is listed with raw system calls (no opendir:
 * it mallocs).  A thread whose status shows the signal blocked (ukmem's own
 * threads block every signal) or that is a zombie is left out: waiting
 * would only time out.  Every other thread is sent KL_SIG with tgkill; its
 * handler records the interrupted stack pointer, the ucontext (all the
 * registers), a local's address (the handler's frame, below the saved
 * context on the same stack) and the thread pointer, acknowledges on a
 * futex and waits on another until start_world.  The list is read again
 * until a pass finds no new thread: only a running thread can create one.
 * A thread that does not answer within KL_STOP_TIMEOUT_NS is given up
 * (its slot turns LATE by compare-and-swap, so a handler that arrives
 * later sees it is not wanted and returns at once) and named in a message
 * once the world runs again.  Nothing is printed while threads are
 * stopped: one of them may hold what a log hook needs.
 *
 * What is read.  dl_iterate_phdr runs before any thread stops (a stopped
 * thread may hold the loader's lock): it gives the PT_LOAD segments with
 * PF_W (data and bss, RELRO included) and each PT_TLS block's offset from
 * the thread pointer, the same in every thread for the initial TLS.  A
 * stopped thread's stack is read from its stack pointer, less the x86-64
 * red zone a leaf function may keep live words in, to the end of the
 * mapping holding it (from /proc/self/maps, read after the stop, streamed
 * through a small buffer): that covers a pthread's TLS and struct pthread,
 * which glibc puts at the top of the stack mapping.  The main thread's TLS
 * lives elsewhere (the loader's allocation), so the range around the
 * thread pointer that the TLS blocks span, plus KL_TCB_SLACK for the TCB
 * and struct pthread (pthread_setspecific keeps its first 32 values
 * there), is read when it lies outside the stack.  The scanner itself is
 * slot 0: its registers come from getcontext into a static ucontext (in
 * this file's bss, so read with the segments, cleared after), its stack
 * from the caller's self_floor up.
 *
 * Differences: the kernel has no registers to read and no need to stop
 * anyone; a program that installs its own handler for KL_SIG (SIGRTMAX - 5)
 * loses it to kmemleak while kmemleak is on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "platform/platform.h"

#define KL_SIG			(SIGRTMAX - 5)
#define KL_MAX_SEGMENTS		512
#define KL_MAX_THREADS		1024
#define KL_STOP_TIMEOUT_NS	1000000000ULL	/* for all threads together */
#define KL_BLOCKED_GRACE_NS	20000000ULL	/* for those that block KL_SIG */
#define KL_RED_ZONE		128		/* x86-64 ABI; harmless elsewhere */
#define KL_TCB_SLACK		4096		/* struct pthread beside the TLS */
#define KL_MAX_LATE		8		/* late threads named in the message */

struct kl_range {
	uintptr_t start, end;
};

enum kl_state {
	SLOT_FREE,
	SLOT_SIGNALLED,		/* sent KL_SIG, not yet in the handler */
	SLOT_STOPPED,		/* waiting in the handler (or slot 0: the scanner) */
	SLOT_RESUMED,		/* left the handler */
	SLOT_SKIPPED,		/* blocks KL_SIG, a zombie, or gone */
	SLOT_LATE,		/* did not answer in time */
};

struct kl_thread {
	int tid;
	int state;			/* enum kl_state, atomic */
	bool blocked;			/* KL_SIG was blocked when it was sent */
	uintptr_t sp;			/* the interrupted stack pointer */
	uintptr_t frame;		/* a local of the handler */
	uintptr_t tp;			/* the thread pointer */
	const ucontext_t *uc;
	struct kl_range stack, tls;
};

static struct kl_thread threads[KL_MAX_THREADS];
static int nr_threads;
static int acks;		/* futex: handlers that reached SLOT_STOPPED */
static int resume_gen;		/* futex: bumped by start_world */
static ucontext_t self_uc;

static struct kl_range segments[KL_MAX_SEGMENTS];
static int nr_segments;
static bool segments_truncated;
static intptr_t tls_lo, tls_hi;	/* TLS blocks, as offsets from the thread pointer */
static bool have_tls;

static int late_tids[KL_MAX_LATE];
static int nr_late, nr_skipped_blocked;
static bool blocked_noted, handler_installed;

static void (*exit_fn)(void);

/* ---- small helpers ------------------------------------------------------- */

static void kl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void kl_log(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		ukmem_plat_log(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void kl_futex_wait(int *word, int val, uint64_t timeout_ns)
{
	struct timespec ts = { (time_t)(timeout_ns / 1000000000ULL),
			       (long)(timeout_ns % 1000000000ULL) };

	syscall(SYS_futex, word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, val, &ts, NULL, 0);
}

static void kl_futex_wake(int *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 0x7fffffff, NULL, NULL, 0);
}

static uintptr_t uc_stack_pointer(const ucontext_t *uc)
{
#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__i386__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_ESP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.sp;
#else
#error "kmemleak: the stack pointer of a ucontext on this architecture"
#endif
}

static bool in_range(const struct kl_range *r, uintptr_t a)
{
	return a >= r->start && a < r->end;
}

/* ---- the handler ----------------------------------------------------------- */

static void stop_handler(int sig, siginfo_t *si, void *ucv)
{
	int saved_errno = errno;
	int tid = (int)syscall(SYS_gettid);
	int gen = __atomic_load_n(&resume_gen, __ATOMIC_ACQUIRE);
	int n = __atomic_load_n(&nr_threads, __ATOMIC_ACQUIRE);
	volatile uintptr_t here = 0;
	struct kl_thread *t = NULL;

	(void)sig;
	(void)si;
	for (int i = 1; i < n; i++)
		if (__atomic_load_n(&threads[i].tid, __ATOMIC_RELAXED) == tid) {
			t = &threads[i];
			break;
		}
	if (t) {
		t->uc = ucv;
		t->sp = uc_stack_pointer(ucv);
		t->frame = (uintptr_t)&here;
		t->tp = (uintptr_t)__builtin_thread_pointer();
	}
	if (t && __atomic_compare_exchange_n(&t->state, &(int){ SLOT_SIGNALLED }, SLOT_STOPPED,
					     false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&acks, 1, __ATOMIC_RELEASE);
		kl_futex_wake(&acks);
		while (__atomic_load_n(&resume_gen, __ATOMIC_ACQUIRE) == gen)
			kl_futex_wait(&resume_gen, gen, KL_STOP_TIMEOUT_NS);
		__atomic_store_n(&t->state, SLOT_RESUMED, __ATOMIC_RELEASE);
		kl_futex_wake(&acks);
	}
	errno = saved_errno;
}

static void install_handler(void)
{
	struct sigaction sa;

	if (handler_installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = stop_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	handler_installed = sigaction(KL_SIG, &sa, NULL) == 0;
}

/* ---- segments and TLS --------------------------------------------------- */

static int phdr_callback(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t tp = (uintptr_t)__builtin_thread_pointer();

	(void)size;
	(void)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W) && ph->p_memsz) {
			if (nr_segments == KL_MAX_SEGMENTS) {
				segments_truncated = true;
				continue;
			}
			segments[nr_segments].start = info->dlpi_addr + ph->p_vaddr;
			segments[nr_segments].end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
			nr_segments++;
		} else if (ph->p_type == PT_TLS && info->dlpi_tls_data && ph->p_memsz) {
			intptr_t lo = (intptr_t)((uintptr_t)info->dlpi_tls_data - tp);
			intptr_t hi = lo + (intptr_t)ph->p_memsz;

			if (!have_tls || lo < tls_lo)
				tls_lo = lo;
			if (!have_tls || hi > tls_hi)
				tls_hi = hi;
			have_tls = true;
		}
	}
	return 0;
}

/* ---- stopping ------------------------------------------------------------ */

/* A thread to leave alone (a zombie, or gone); *blocked if it blocks
 * KL_SIG now. */
static bool thread_unreachable(int tid, bool *blocked)
{
	char path[64], buf[4096];
	const char *p;
	ssize_t n;
	int fd;

	*blocked = false;
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	p = strstr(buf, "\nState:");
	if (p && (strchr(p + 7, 'Z') == p + 8 || strchr(p + 7, 'X') == p + 8))
		return true;
	p = strstr(buf, "\nSigBlk:");
	if (p) {
		unsigned long long mask = strtoull(p + 8, NULL, 16);

		*blocked = (mask & (1ULL << (KL_SIG - 1))) != 0;
	}
	return false;
}

static bool thread_known(int tid)
{
	for (int i = 0; i < nr_threads; i++)
		if (__atomic_load_n(&threads[i].tid, __ATOMIC_RELAXED) == tid)
			return true;
	return false;
}

struct kl_dirent64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* Signal every thread of /proc/self/task not seen yet; the number sent. */
static int signal_new_threads(void)
{
	char buf[4096];
	int fd, sent = 0;
	long n;

	fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct kl_dirent64 *d = (struct kl_dirent64 *)(buf + off);
			int tid = atoi(d->name);
			bool blocked;
			struct kl_thread *t;

			off += d->reclen;
			if (tid <= 0 || thread_known(tid) || nr_threads == KL_MAX_THREADS)
				continue;
			t = &threads[nr_threads];
			/* A handler signalled in an earlier scan may still run on
			 * a slot being reused: tid and state are atomic. */
			__atomic_store_n(&t->tid, 0, __ATOMIC_RELAXED);
			/* sp, frame, tp and uc are the handler's: it writes them
			 * before it publishes SLOT_STOPPED. */
			t->blocked = false;
			memset(&t->stack, 0, sizeof(t->stack));
			memset(&t->tls, 0, sizeof(t->tls));
			__atomic_store_n(&t->tid, tid, __ATOMIC_RELAXED);
			__atomic_store_n(&t->state, thread_unreachable(tid, &blocked) ? SLOT_SKIPPED :
					 SLOT_SIGNALLED, __ATOMIC_RELAXED);
			t->blocked = blocked;
			__atomic_store_n(&nr_threads, nr_threads + 1, __ATOMIC_RELEASE);
			if (__atomic_load_n(&t->state, __ATOMIC_RELAXED) == SLOT_SIGNALLED) {
				if (syscall(SYS_tgkill, getpid(), tid, KL_SIG) == 0)
					sent++;
				else	/* exited meanwhile */
					__atomic_store_n(&t->state, SLOT_SKIPPED, __ATOMIC_RELAXED);
			}
		}
	}
	close(fd);
	return sent;
}

/* Every signalled thread that did not block KL_SIG has answered. */
static bool unblocked_all_stopped(void)
{
	for (int i = 1; i < nr_threads; i++)
		if (!threads[i].blocked &&
		    __atomic_load_n(&threads[i].state, __ATOMIC_ACQUIRE) == SLOT_SIGNALLED)
			return false;
	return true;
}

/*
 * Wait until want handlers acknowledged or the deadline passed.  A thread
 * that blocked KL_SIG when it was sent (one being created, which glibc
 * starts with every signal blocked, or one of ukmem's own, which block
 * them for good) is waited for only KL_BLOCKED_GRACE_NS once all others
 * answered: the first kind answers within microseconds.
 */
static void wait_acks(int want, uint64_t grace_end, uint64_t deadline)
{
	for (;;) {
		int got = __atomic_load_n(&acks, __ATOMIC_ACQUIRE);
		uint64_t now = ukmem_plat_now_ns();
		uint64_t until = deadline;

		if (got >= want || now >= deadline)
			return;
		if (unblocked_all_stopped()) {
			if (now >= grace_end)
				return;
			until = grace_end;
		}
		kl_futex_wait(&acks, got, until - now < 1000000 ? until - now : 1000000);
	}
}

/* Give up the threads that did not answer: a handler that comes later
 * finds its slot LATE and returns. */
static void give_up_late(void)
{
	for (int i = 1; i < nr_threads; i++) {
		if (!__atomic_compare_exchange_n(&threads[i].state, &(int){ SLOT_SIGNALLED },
						 SLOT_LATE, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			continue;
		if (threads[i].blocked)
			nr_skipped_blocked++;
		else if (nr_late < KL_MAX_LATE)
			late_tids[nr_late++] = __atomic_load_n(&threads[i].tid, __ATOMIC_RELAXED);
	}
}

/* The stack and TLS ranges of every stopped thread, from /proc/self/maps. */
static void find_thread_ranges(void)
{
	char buf[4096];
	size_t len = 0;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		char *line = buf, *nl;

		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = strchr(line, '\n'))) {
			struct kl_range m;
			char *p;

			*nl = '\0';
			m.start = (uintptr_t)strtoull(line, &p, 16);
			m.end = *p == '-' ? (uintptr_t)strtoull(p + 1, &p, 16) : 0;
			if (p[0] == ' ' && p[1] == 'r') {
				for (int i = 0; i < nr_threads; i++) {
					struct kl_thread *t = &threads[i];
					uintptr_t lo;

					if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != SLOT_STOPPED)
						continue;
					if (in_range(&m, t->sp)) {
						lo = t->sp - KL_RED_ZONE;
						if (i && in_range(&m, t->frame) && t->frame < lo)
							lo = t->frame;
						t->stack.start = lo < m.start ? m.start : lo;
						t->stack.end = m.end;
					}
					if (have_tls && in_range(&m, t->tp)) {
						uintptr_t a = t->tp + (uintptr_t)tls_lo - KL_TCB_SLACK;
						uintptr_t b = t->tp + (uintptr_t)tls_hi + KL_TCB_SLACK;

						t->tls.start = a < m.start || a > t->tp ? m.start : a;
						t->tls.end = b > m.end || b < t->tp ? m.end : b;
					}
				}
			}
			line = nl + 1;
		}
		len = (size_t)(buf + len - line);
		memmove(buf, line, len);
		if (len == sizeof(buf) - 1)	/* a line longer than the buffer */
			len = 0;
	}
	close(fd);
}

/* The scanner's registers (getcontext returns twice: kept out of the
 * caller's frame). */
__attribute__((noinline))
static void save_self_context(void)
{
	getcontext(&self_uc);
}

int ukmem_plat_stop_world(uintptr_t self_floor)
{
	int saved_errno = errno;
	uint64_t deadline;
	int sent, want = 0;

	install_handler();
	nr_segments = 0;
	segments_truncated = false;
	have_tls = false;
	dl_iterate_phdr(phdr_callback, NULL);

	memset(&threads[0], 0, sizeof(threads[0]));
	save_self_context();
	__atomic_store_n(&threads[0].tid, (int)syscall(SYS_gettid), __ATOMIC_RELAXED);
	__atomic_store_n(&threads[0].state, SLOT_STOPPED, __ATOMIC_RELAXED);
	threads[0].sp = self_floor;
	threads[0].uc = &self_uc;
	threads[0].tp = (uintptr_t)__builtin_thread_pointer();
	__atomic_store_n(&acks, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&nr_threads, 1, __ATOMIC_RELEASE);
	nr_late = nr_skipped_blocked = 0;

	deadline = ukmem_plat_now_ns() + KL_STOP_TIMEOUT_NS;
	if (handler_installed) {
		while ((sent = signal_new_threads()) > 0) {
			want += sent;
			wait_acks(want, ukmem_plat_now_ns() + KL_BLOCKED_GRACE_NS, deadline);
		}
		give_up_late();
	}
	find_thread_ranges();
	errno = saved_errno;
	return 0;
}

void ukmem_plat_scan_roots(void (*fn)(void *arg, uintptr_t start, uintptr_t end), void *arg,
			   bool stacks)
{
	for (int i = 0; i < nr_segments; i++)
		fn(arg, segments[i].start, segments[i].end);
	if (!stacks)
		return;
	for (int i = 0; i < nr_threads; i++) {
		const struct kl_thread *t = &threads[i];
		uintptr_t uc = (uintptr_t)t->uc;

		if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != SLOT_STOPPED)
			continue;
		if (t->stack.end)
			fn(arg, t->stack.start, t->stack.end);
		if (t->tls.end && !(in_range(&t->stack, t->tls.start) &&
				    t->tls.end <= t->stack.end))
			fn(arg, t->tls.start, t->tls.end);
		if (i && !in_range(&t->stack, uc))	/* handler on an alternate stack */
			fn(arg, uc, uc + sizeof(ucontext_t));
	}
}

void ukmem_plat_start_world(void)
{
	int saved_errno = errno;
	uint64_t deadline = ukmem_plat_now_ns() + KL_STOP_TIMEOUT_NS;

	__atomic_fetch_add(&resume_gen, 1, __ATOMIC_RELEASE);
	kl_futex_wake(&resume_gen);
	/* The slots are reused by the next scan: every handler must be out. */
	for (int i = 1; i < nr_threads; i++)
		while (__atomic_load_n(&threads[i].state, __ATOMIC_ACQUIRE) == SLOT_STOPPED) {
			uint64_t now = ukmem_plat_now_ns();
			int seen = __atomic_load_n(&acks, __ATOMIC_ACQUIRE);

			if (now >= deadline)
				break;
			if (__atomic_load_n(&threads[i].state, __ATOMIC_ACQUIRE) == SLOT_STOPPED)
				kl_futex_wait(&acks, seen, 1000000);
		}
	memset(&self_uc, 0, sizeof(self_uc));
	__atomic_store_n(&threads[0].state, SLOT_RESUMED, __ATOMIC_RELAXED);

	for (int i = 0; i < nr_late; i++)
		kl_log("kmemleak: thread %d did not stop within %llu ms; its stack and "
		       "registers were not scanned\n",
		       late_tids[i], (unsigned long long)(KL_STOP_TIMEOUT_NS / 1000000));
	if (nr_skipped_blocked && !blocked_noted) {
		blocked_noted = true;
		kl_log("kmemleak: %d thread(s) block signal %d (as ukmem's own threads do); "
		       "their stacks are not scanned\n", nr_skipped_blocked, KL_SIG);
	}
	if (segments_truncated)
		kl_log("kmemleak: more than %d writable segments; the rest were not scanned\n",
		       KL_MAX_SEGMENTS);
	errno = saved_errno;
}

/* ---- the process's exit --------------------------------------------------- */

bool ukmem_plat_at_exit(void (*fn)(void))
{
	__atomic_store_n(&exit_fn, fn, __ATOMIC_RELEASE);
	return true;
}

__attribute__((destructor))
static void kmemleak_exit(void)
{
	void (*fn)(void) = __atomic_exchange_n(&exit_fn, NULL, __ATOMIC_ACQ_REL);

	if (fn)
		fn();
}
