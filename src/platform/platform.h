/*
 * platform.h - the only door between ukmem and the operating system.
 *
 * Theory
 * ------
 * Everything above this layer (page allocator, stats, slab, ...) is
 * freestanding C: it includes no OS or libc header and calls no libc
 * function except the four the compiler itself may emit (memcpy, memmove,
 * memset, memcmp).  What it needs from the world it asks for here.  Two
 * implementations exist and exactly one is linked:
 *
 *   hosted.c  Linux: the "physical memory" arena is one virtual range
 *             reserved with mmap(PROT_READ|PROT_WRITE, MAP_NORESERVE); it is
 *             committed by first touch and released with madvise.  Locks are
 *             futex-based, thread identity is TLS, the CPU number comes from
 *             glibc's registered rseq area (sched_getcpu as a fallback).
 *   bare.c    no OS: the program registers memory regions with
 *             ukmem_add_region() and may install lock hooks; memory is never
 *             released, there is one "CPU" and one thread unless the hooks
 *             say otherwise.
 *
 * Preconditions, stated once for every function below:
 *   - Sizes and addresses passed to the memory calls are multiples of
 *     UKMEM_PLAT_PAGE (4096).
 *   - None of these functions allocates memory from ukmem, so any of them
 *     may be called with ukmem locks held.
 *   - None of them changes errno as seen by the caller (hosted saves and
 *     restores it around system calls).
 *
 * Lock order: platform locks are raw; every ukmem lock is one of them with
 * a rank, and the ranks are in one table, src/lib/lockrank.h.
 */
#ifndef UKMEM_PLATFORM_H
#define UKMEM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UKMEM_PLAT_PAGE 4096UL

/* ---- memory ----------------------------------------------------------- */

/* A region of "physical" memory for the page allocator, registered by a
 * bare program: zone is an enum zone_type value, nid its node. */
struct plat_region {
	uintptr_t base;
	size_t size;
	int zone;
	int nid;
};

/*
 * Reserve address space of at least size bytes aligned to align (a power of
 * two, >= UKMEM_PLAT_PAGE) without committing memory.  Hosted returns a
 * fresh anonymous range whose contents read as zero; bare returns NULL (bare
 * memory comes from registered regions only).
 */
void *ukmem_plat_reserve(size_t size, size_t align);

/* Give back a whole reservation made by ukmem_plat_reserve (start-up that
 * failed half way).  Bare: nothing to do. */
void ukmem_plat_unreserve(void *addr, size_t size);

/*
 * Wait until *word may differ from val, at most timeout_ns (hosted: a
 * futex wait; it may return early, spuriously or on a signal: callers
 * re-check), and wake up to n waiters on word (n < 0: all).  Bare: wait
 * returns at once (the caller's loop is the wait) and wake does nothing.
 */
void ukmem_plat_wait(int *word, int val, uint64_t timeout_ns);
void ukmem_plat_wake(int *word, int n);

/* Let other threads run before trying again (hosted: a short sleep, so a
 * thread waiting for memory does not spin; bare: nothing). */
void ukmem_plat_relax(void);

/*
 * Hand [addr, addr+size) back to the OS.  Afterwards the range stays
 * reserved and reads as zero; touching it commits it again.  Returns true
 * if the memory is now known to read as zero (hosted), false if nothing was
 * done (bare, or madvise failed).
 */
bool ukmem_plat_release(void *addr, size_t size);

/* Bytes of the calling process currently resident (hosted: /proc/self/statm);
 * 0 where unknown. */
size_t ukmem_plat_resident_bytes(void);

/* Total RAM of the machine in bytes (hosted: sysinfo); 0 on bare. */
uint64_t ukmem_plat_ram_bytes(void);

/*
 * Regions registered by the program (bare) or none (hosted, which reserves
 * its own arena).  Returns the number of regions copied into out (at most
 * max).
 */
int ukmem_plat_regions(struct plat_region *out, int max);

/* ---- CPUs and threads -------------------------------------------------- */

/* Number of possible CPUs: per-CPU arrays are sized by this.  >= 1. */
int ukmem_plat_nr_cpus(void);

/* The CPU the caller runs on now, in [0, ukmem_plat_nr_cpus()).  Only a
 * hint: the caller may migrate right after. */
int ukmem_plat_cpu(void);

/*
 * The signals the calling thread blocks now (the first 64; hosted:
 * pthread_sigmask), for the lock-rank check to tell a signal handler from
 * its thread.  Bare: 0.
 */
uint64_t ukmem_plat_blocked_signals(void);

/*
 * Thread-local storage for the core's per-owner pointers: real TLS when
 * hosted (initial-exec: one instruction to reach), a plain global on bare,
 * where there is one thread of ukmem calls.
 */
#ifdef UKMEM_BARE
#define UKMEM_THREAD_LOCAL
#else
#define UKMEM_THREAD_LOCAL __thread __attribute__((tls_model("initial-exec")))
#endif

/*
 * Start a thread of ukmem's own that runs fn(arg) and never returns to the
 * caller (hosted: a detached pthread with every signal blocked, so that no
 * program's handler runs on it; bare: false, the program runs such work
 * itself).  False if it cannot be started.  May allocate through libc, so
 * callers hold no ukmem lock.
 */
bool ukmem_plat_thread_start(void (*fn)(void *), void *arg);

/* Run fn(arg) when the calling thread exits (hosted: a pthread key
 * destructor; bare: never).  One registration per thread; registering
 * again replaces arg.  Returns false if it cannot be arranged. */
bool ukmem_plat_on_thread_exit(void (*fn)(void *), void *arg);

/*
 * An asymmetric memory barrier: on return, every other thread of the
 * process has passed a full barrier (hosted: membarrier(2)
 * PRIVATE_EXPEDITED).  Lets a rare remote operation pair with plain
 * stores and loads on the owners' fast paths.  Returns false where it is
 * not available (then nothing may rely on it); bare returns true (one
 * thread).
 */
bool ukmem_plat_membarrier(void);

/* Thread id (hosted: gettid; bare: 1, its one thread) and command name
 * (hosted: /proc/self/comm, cached) for reports in the kernel's "in
 * process %s" style.  A thread id is always positive: callers keep 0 to
 * mean "no thread". */
int ukmem_plat_tid(void);
const char *ukmem_plat_comm(void);

/* ---- locks ------------------------------------------------------------- */

/*
 * A mutual-exclusion lock.  Zero-initialised storage is an unlocked lock.
 * Hosted: three-state futex mutex with a short spin.  Bare: a test-and-set
 * spinlock, or the hooks given to ukmem_set_lock_hooks().
 */
typedef struct plat_lock {
	int word;
} plat_lock_t;

#define PLAT_LOCK_INIT { 0 }

void ukmem_plat_lock(plat_lock_t *lock);
bool ukmem_plat_trylock(plat_lock_t *lock);
void ukmem_plat_unlock(plat_lock_t *lock);

/* The boot options given from outside the program: hosted returns the
 * UKMEM_OPTIONS environment variable (read without malloc), bare NULL. */
const char *ukmem_plat_boot_options(void);

/* Options added to every start, after the program's own (ukmem_init's or
 * UKMEM_OPTIONS): hosted, the UKMEM_DEBUG_OPTIONS environment variable,
 * which runs a test suite or a program that calls ukmem_init with
 * debugging on; bare NULL. */
const char *ukmem_plat_debug_options(void);

/* Stop the program now (the kernel's panic): hosted abort(), bare a
 * trap. */
__attribute__((noreturn)) void ukmem_plat_panic(void);

/* ---- time, logging, backtraces ----------------------------------------- */

/* Monotonic nanoseconds; 0 on bare without a clock hook. */
uint64_t ukmem_plat_now_ns(void);

/* Write one already-formatted message (no trailing NUL needed) to the log
 * sink: hosted stderr (fd 2, or the UKMEM_LOG file), bare nothing.  A log
 * hook set by the program (lib/printk.c) takes precedence on both. */
void ukmem_plat_log(const char *msg, size_t len);

/* Fill at most max return addresses of the caller's stack, skipping skip
 * frames; returns how many were stored (0 where unsupported). */
int ukmem_plat_backtrace(void **out, int max, int skip);

/* The symbol name of a code address for reports, as the kernel's %pS
 * ("func+0x1c/0x40"), written into buf; returns buf, or NULL if unknown.
 * Hosted (hosted_symbolize.c): static functions too when built with libdw,
 * else exported symbols only.  The one exception to "allocates nothing":
 * libdw mallocs, which may be ukmem's malloc, and copes with its failure;
 * a nested call (from that malloc, or a signal handler) falls back to
 * dladdr, which does not allocate. */
const char *ukmem_plat_symbolize(void *addr, char *buf, size_t size);

/* ---- valgrind's memcheck (hosted_valgrind.c) ---------------------------- */

/* Is the program running under valgrind (and was ukmem built with its
 * headers)?  Bare: never.  The other calls do nothing when it is not. */
bool ukmem_plat_on_valgrind(void);
/* Tell memcheck what addr..addr+size is now. */
#define PLAT_VG_NOACCESS	0
#define PLAT_VG_UNDEFINED	1
#define PLAT_VG_DEFINED		2
void ukmem_plat_vg_mark(const void *addr, size_t size, int state);
/* A heap block begins (alloc: VALGRIND_MALLOCLIKE_BLOCK, zeroed or not) or
 * ends (VALGRIND_FREELIKE_BLOCK) at addr. */
void ukmem_plat_vg_block(const void *addr, size_t size, bool alloc, bool zeroed);
/* Stop (false) or resume (true) memcheck's reports on this thread, around
 * ukmem's own accesses to free objects' metadata. */
void ukmem_plat_vg_errors(bool on);

/* ---- KFENCE's guard pages and fault handler (hosted_kfence.c) ---------- */

/* Can this platform guard pages and catch the faults (hosted: yes)? */
bool ukmem_plat_kfence_supported(void);

/* Make [addr, addr+size) inaccessible (access false: mprotect PROT_NONE)
 * or readable and writable again.  False if it failed (or bare). */
bool ukmem_plat_protect(void *addr, size_t size, bool access);

/* A fault in KFENCE's pool as the handler saw it: the address, whether
 * the access wrote (x86-64: bit 1 of the page-fault error code; false
 * where the platform cannot tell), and the faulting stack, the faulting
 * instruction first. */
#define PLAT_FAULT_FRAMES 32
struct plat_fault {
	uintptr_t addr;
	bool is_write;
	int nr_frames;
	void *frames[PLAT_FAULT_FRAMES];
};

/*
 * Install KFENCE's SIGSEGV handler, once per process.  A fault at an
 * address in [start, end) goes to fault(), which runs in the signal
 * handler, makes the page accessible and returns true: the access is then
 * retried and proceeds.  Any other fault, or one fault() declines, goes to
 * the handler installed before this one, or takes the default action.
 * fork_child runs in the child of every fork() (pthread_atfork); it may
 * only store to memory.  False where there is no such handler (bare).
 */
bool ukmem_plat_kfence_install(uintptr_t start, uintptr_t end,
			       bool (*fault)(const struct plat_fault *f),
			       void (*fork_child)(void));

/* ---- kmemleak's roots: loaded objects and threads (hosted_kmemleak.c) --- */

/*
 * What a leak scan reads as roots (hosted; bare has neither threads nor
 * loaded objects and refuses with -ENOSYS).  The caller holds its own
 * lock across the three calls and allocates nothing in between.
 *
 * ukmem_plat_stop_world records the writable segments of every loaded
 * object, then stops every other thread of the process: each waits in a
 * signal handler (a real-time signal reserved for this) until
 * ukmem_plat_start_world.  self_floor is the lowest address of the
 * caller's own stack the scan reads: the frame of the scan's entry point,
 * below which the scanner's own frames (holding the values it scans) lie.
 * Returns 0, or -ENOSYS.
 *
 * ukmem_plat_scan_roots calls fn(arg, start, end) for each root range: the
 * segments and, if stacks, each stopped thread's saved registers, its
 * stack from its stack pointer to the top of the mapping holding it, and
 * its thread-local storage.
 *
 * ukmem_plat_start_world lets the threads go, waits until each has left
 * the handler, then logs the threads that did not stop in time.
 */
int ukmem_plat_stop_world(uintptr_t self_floor);
void ukmem_plat_scan_roots(void (*fn)(void *arg, uintptr_t start, uintptr_t end), void *arg,
			   bool stacks);
void ukmem_plat_start_world(void);

/* Run fn once when the process exits (hosted: a destructor of the
 * library, so exit() and a return from main both run it); false on bare.
 * fn runs with other threads possibly still alive. */
bool ukmem_plat_at_exit(void (*fn)(void));

#endif /* UKMEM_PLATFORM_H */
