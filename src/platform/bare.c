/*
 * bare.c - the platform without an operating system.
 *
 * Theory
 * ------
 * Memory is what the program hands over with ukmem_add_region() before
 * ukmem starts; it is never given back (there is no one to give it to), so
 * ukmem_plat_release() reports that nothing happened.  There is one CPU and
 * one thread of ukmem calls unless the program's lock hooks serialise more;
 * time, backtraces and symbols are unknown.  No libc: this file includes
 * only the compiler's freestanding headers and calls nothing outside
 * ukmem.
 *
 * The region table:
 *   - holds at most UKMEM_MAX_REGIONS entries, each page-aligned (the
 *     program's unaligned edges are cut off), at least one page long, and
 *     disjoint from the others;
 *   - is written only before start and read-only after.  "Start" is the
 *     first call of ukmem_plat_regions(): ukmem reads the table exactly
 *     when it builds its memmap, and a region added after that would never
 *     be seen, so later additions fail with -EBUSY.
 * Registration is meant to run single-threaded, before start (as the
 * kernel's memblock_add runs during early boot).
 *
 * Locks: a test-and-set spinlock on the lock's word, or the program's
 * hooks.  A spinlock cannot tell an interrupt handler from the code it
 * interrupted: programs that allocate from interrupts install hooks that
 * mask them.  The hooks are swapped only when no lock is held, so they
 * cannot be changed after start either.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ukmem/mm.h>
#include <ukmem/ukmem.h>

#include "platform/platform.h"

/* errno values (Linux numbering), without <errno.h>. */
#define UKMEM_EBUSY	16
#define UKMEM_EINVAL	22
#define UKMEM_ENOSPC	28

static struct plat_region regions[UKMEM_MAX_REGIONS];
static int nr_regions;
static bool started;

static struct ukmem_lock_hooks lock_hooks;	/* all NULL: the spinlock */

/* ---- memory ------------------------------------------------------------- */

UKMEM_API int ukmem_add_region(void *base, size_t size, int zone, int nid)
{
	uintptr_t raw_start = (uintptr_t)base;
	uintptr_t start, end;

	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		return -UKMEM_EBUSY;
	if (zone < ZONE_DMA || zone >= MAX_NR_ZONES || nid < 0 || nid >= UKMEM_MAX_NUMNODES)
		return -UKMEM_EINVAL;
	/* Wraps past the end of the address space, or not one whole page
	 * once both edges are aligned inward. */
	if (size == 0 || raw_start + size < raw_start)
		return -UKMEM_EINVAL;
	if (raw_start > UINTPTR_MAX - (UKMEM_PLAT_PAGE - 1))
		return -UKMEM_EINVAL;
	start = (raw_start + UKMEM_PLAT_PAGE - 1) & ~(uintptr_t)(UKMEM_PLAT_PAGE - 1);
	end = (raw_start + size) & ~(uintptr_t)(UKMEM_PLAT_PAGE - 1);
	if (end <= start)
		return -UKMEM_EINVAL;
	for (int i = 0; i < nr_regions; i++)
		if (start < regions[i].base + regions[i].size && regions[i].base < end)
			return -UKMEM_EINVAL;
	if (nr_regions == UKMEM_MAX_REGIONS)
		return -UKMEM_ENOSPC;
	regions[nr_regions].base = start;
	regions[nr_regions].size = end - start;
	regions[nr_regions].zone = zone;
	regions[nr_regions].nid = nid;
	nr_regions++;
	return 0;
}

int ukmem_plat_regions(struct plat_region *out, int max)
{
	int n = nr_regions < max ? nr_regions : max;

	__atomic_store_n(&started, true, __ATOMIC_RELEASE);
	for (int i = 0; i < n; i++)
		out[i] = regions[i];
	return n;
}

void *ukmem_plat_reserve(size_t size, size_t align)
{
	(void)size;
	(void)align;
	return NULL;
}

void ukmem_plat_unreserve(void *addr, size_t size)
{
	(void)addr;
	(void)size;
}

/* No scheduler: a waiter's loop is its wait. */
void ukmem_plat_wait(int *word, int val, uint64_t timeout_ns)
{
	(void)word;
	(void)val;
	(void)timeout_ns;
}

void ukmem_plat_wake(int *word, int n)
{
	(void)word;
	(void)n;
}

/* No scheduler to yield to: the caller simply tries again. */
void ukmem_plat_relax(void)
{
}

bool ukmem_plat_release(void *addr, size_t size)
{
	(void)addr;
	(void)size;
	return false;
}

size_t ukmem_plat_resident_bytes(void)
{
	return 0;
}

uint64_t ukmem_plat_ram_bytes(void)
{
	return 0;
}

/* ---- CPUs and threads --------------------------------------------------- */

int ukmem_plat_nr_cpus(void)
{
	return 1;
}

int ukmem_plat_cpu(void)
{
	return 0;
}

uint64_t ukmem_plat_blocked_signals(void)
{
	return 0;
}

/* Positive like every thread id (platform.h): 0 means "no thread" to the
 * layers above, and the slab start records its thread to recognise an
 * interrupt that cuts into it. */
int ukmem_plat_tid(void)
{
	return 1;
}

const char *ukmem_plat_comm(void)
{
	return "bare";
}

/* ---- locks -------------------------------------------------------------- */

UKMEM_API int ukmem_set_lock_hooks(const struct ukmem_lock_hooks *hooks)
{
	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		return -UKMEM_EBUSY;
	if (!hooks) {
		lock_hooks = (struct ukmem_lock_hooks){ NULL, NULL, NULL };
		return 0;
	}
	if (!hooks->lock || !hooks->trylock || !hooks->unlock)
		return -UKMEM_EINVAL;
	lock_hooks = *hooks;
	return 0;
}

void ukmem_plat_lock(plat_lock_t *lock)
{
	if (lock_hooks.lock) {
		lock_hooks.lock(&lock->word);
		return;
	}
	/* Test-and-test-and-set: wait with plain loads so the waiting core
	 * does not keep claiming the line (ldrex/strex on Cortex-M). */
	while (__atomic_exchange_n(&lock->word, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock->word, __ATOMIC_RELAXED))
			;
}

bool ukmem_plat_trylock(plat_lock_t *lock)
{
	if (lock_hooks.trylock)
		return lock_hooks.trylock(&lock->word) != 0;
	return __atomic_exchange_n(&lock->word, 1, __ATOMIC_ACQUIRE) == 0;
}

void ukmem_plat_unlock(plat_lock_t *lock)
{
	if (lock_hooks.unlock) {
		lock_hooks.unlock(&lock->word);
		return;
	}
	__atomic_store_n(&lock->word, 0, __ATOMIC_RELEASE);
}

const char *ukmem_plat_boot_options(void)
{
	return NULL;
}

const char *ukmem_plat_debug_options(void)
{
	return NULL;
}

void ukmem_plat_panic(void)
{
	__builtin_trap();
}

/* ---- threads -------------------------------------------------------------- */

/* One thread of ukmem calls, which never exits as far as ukmem knows. */
bool ukmem_plat_on_thread_exit(void (*fn)(void *), void *arg)
{
	(void)fn;
	(void)arg;
	return false;
}

/* With one thread there is no other thread to order against. */
bool ukmem_plat_membarrier(void)
{
	return true;
}

/* ---- time, logging, backtraces ------------------------------------------ */

uint64_t ukmem_plat_now_ns(void)
{
	return 0;
}

/* Without an OS there is nowhere to write: messages reach the program
 * only through ukmem_set_log_hook() (lib/printk.c). */
void ukmem_plat_log(const char *msg, size_t len)
{
	(void)msg;
	(void)len;
}

int ukmem_plat_backtrace(void **out, int max, int skip)
{
	(void)out;
	(void)max;
	(void)skip;
	return 0;
}

const char *ukmem_plat_symbolize(void *addr, char *buf, size_t size)
{
	(void)addr;
	(void)buf;
	(void)size;
	return NULL;
}

/* No threads of ukmem's own on a board: the program runs such work
 * (ukmem_kswapd_run). */
bool ukmem_plat_thread_start(void (*fn)(void *), void *arg)
{
	(void)fn;
	(void)arg;
	return false;
}

/* ---- valgrind (none on a bare board) ------------------------------------------ */

bool ukmem_plat_on_valgrind(void)
{
	return false;
}

void ukmem_plat_vg_mark(const void *addr, size_t size, int state)
{
	(void)addr;
	(void)size;
	(void)state;
}

void ukmem_plat_vg_block(const void *addr, size_t size, bool alloc, bool zeroed)
{
	(void)addr;
	(void)size;
	(void)alloc;
	(void)zeroed;
}

void ukmem_plat_vg_errors(bool on)
{
	(void)on;
}

/* ---- KFENCE (no guard pages on a bare board) ------------------------------- */

/* No MMU the library may program, and no signals: KFENCE stays off. */
bool ukmem_plat_kfence_supported(void)
{
	return false;
}

bool ukmem_plat_protect(void *addr, size_t size, bool access)
{
	(void)addr;
	(void)size;
	(void)access;
	return false;
}

bool ukmem_plat_kfence_install(uintptr_t start, uintptr_t end,
			       bool (*fault)(const struct plat_fault *f),
			       void (*fork_child)(void))
{
	(void)start;
	(void)end;
	(void)fault;
	(void)fork_child;
	return false;
}

/* ---- kmemleak (no threads or loaded objects on a bare board) -------------- */

int ukmem_plat_stop_world(uintptr_t self_floor)
{
	(void)self_floor;
	return -38;	/* ENOSYS: nothing to stop, nothing to scan */
}

void ukmem_plat_scan_roots(void (*fn)(void *arg, uintptr_t start, uintptr_t end), void *arg,
			   bool stacks)
{
	(void)fn;
	(void)arg;
	(void)stacks;
}

void ukmem_plat_start_world(void)
{
}

bool ukmem_plat_at_exit(void (*fn)(void))
{
	(void)fn;
	return false;
}
