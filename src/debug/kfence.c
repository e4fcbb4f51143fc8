/*
 * kfence.c - KFENCE, the kernel's Electric Fence for production: now and
 * then one slab allocation is served from a page of its own between two
 * inaccessible guard pages, so that an out-of-bounds access or a
 * use-after-free of that object faults at the faulting instruction and is
 * reported with the allocation and free stacks (the kernel's
 * mm/kfence/core.c and report.c, Documentation/dev-tools/kfence.rst).
 *
 * Theory
 * ------
 * 1. The pool.  2 * (num_objects + 1) pages mapped outside ukmem's arena.
 *    Pages 0 and 1 are guards (page 0 only makes the count even, so that
 *    object i lives on page 2i + 2 and its right guard on page 2i + 3:
 *    address to object is one division), and each object's left guard is
 *    its left neighbour's right guard.  Guards are always inaccessible.
 *    An object's page is accessible while the object is allocated (and
 *    before its first use) and inaccessible once freed, until it is
 *    allocated again.  The object sits against the left or the right edge
 *    of its page, chosen at random, so an overflow on that side faults at
 *    the first byte; the rest of the page holds a canary (0xaa ^ the low
 *    three bits of the address) that the free checks, which catches the
 *    overflows on the other side and the small ones the alignment hides.
 *
 * 2. Sampling.  A thread of ours sleeps sample_interval ms, then arms:
 *    it sets DEBUG_HOOK_KFENCE, which makes every thread leave its sheaves
 *    (debug/debug.h), then kfence_armed.  The next slab allocation
 *    anywhere reaches the slow path and kfence_alloc; the first caller to
 *    exchange kfence_armed from 1 to 0 takes the sample, clears the hook
 *    bit and only then bumps sample_seq, for which the thread waits before
 *    it sleeps again.  So the bit is never cleared by a sample of an
 *    earlier round, and between samples no fast path pays anything.
 *    Allocations KFENCE cannot serve (over a page, alignment over a page,
 *    a zone modifier, __GFP_THISNODE with several nodes) do not take the
 *    sample and count as "skipped (incompatible)".  The thread starts with
 *    the first sample taken by a thread that holds no ukmem lock and is
 *    not atomic (starting a thread may allocate through libc, which may
 *    be ukmem); until then the first round stays armed.
 *
 * 3. Objects and the freelist.  Free and never-used objects wait on
 *    kfence_freelist; allocation takes the head, free appends to the
 *    tail, so a freed page stays protected as long as possible before it
 *    is reused (the kernel's LRU).  An empty freelist skips the sample
 *    ("skipped (capacity)").
 *
 * 4. Faults (the platform's SIGSEGV handler calls kfence_fault).  A fault
 *    on a guard page is an out-of-bounds access of the nearer allocated
 *    neighbour (the left one if it is the only one, as in the kernel); a
 *    fault on an object page is a use-after-free; anything else in the
 *    pool is an invalid access.  Each is reported, the page made
 *    accessible and the access retried, so the program goes on as after
 *    the kernel's kfence_handle_page_fault.  A guard page opened by an
 *    out-of-bounds access is cleared and protected again when its object
 *    is freed (only the last one is remembered, as in the kernel).
 *
 * 5. Reports print the kernel's text (see kfence_report) from a copy of
 *    the object's metadata taken under the lock, so symbolizing and
 *    printing run with no lock held, and then set taint B
 *    (TAINT_BAD_PAGE).  Stacks are kept inline in the metadata, not in the
 *    stack depot: a fault report must not depend on memory that a broken
 *    program may have made short, and 255 objects cost 100 KB.
 *
 * What differs from the kernel: no "covered" filter (the kernel skips a
 * sample whose allocation stack already fills much of the pool) and no
 * cache shutdown, so "skipped allocations (covered)" and "zombie
 * allocations" stay 0; a cache's constructor is the caller's to run; the
 * objects keep the cache's name as it was at allocation.
 *
 * Locks: kfence_lock (lib/lockrank.h) guards the freelist and every
 * object's metadata; it is a leaf: under it KFENCE only copies and calls
 * mprotect.  The hook switch and the flush it runs are called without it.
 * Fields read without the lock (state, addr, size, cache: kfence_ksize,
 * kfence_object_cache, the fault's choice of neighbour) are read with
 * atomics and give an answer that was true at some instant, as the
 * kernel's data_race() reads do.
 */
#include <ukmem/types.h>

#include "debug/debug.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "lib/lockrank.h"
#include "lib/task.h"

#define KFENCE_PAGE		UKMEM_PLAT_PAGE
#define KFENCE_DEFAULT_OBJECTS	255
#define KFENCE_STACK_DEPTH	24	/* frames kept per track (the kernel: 64) */
#define KFENCE_NAME_MAX		32	/* cache name kept per object */
#define KFENCE_BANNER \
	"==================================================================\n"

/* The canary byte for an address (the kernel's KFENCE_CANARY_PATTERN_U8). */
#define KFENCE_CANARY(addr) ((uint8_t)(0xaa ^ ((uintptr_t)(addr) & 7)))

enum kfence_state {
	KFENCE_OBJECT_UNUSED,
	KFENCE_OBJECT_ALLOCATED,
	KFENCE_OBJECT_FREED,
};

enum kfence_error {
	KFENCE_ERROR_OOB,
	KFENCE_ERROR_UAF,
	KFENCE_ERROR_CORRUPTION,
	KFENCE_ERROR_INVALID,
	KFENCE_ERROR_INVALID_FREE,
};

/* Who allocated or freed an object, and when. */
struct kfence_track {
	int pid;
	int cpu;
	uint64_t ts_nsec;
	int nr_frames;
	void *frames[KFENCE_STACK_DEPTH];
};

/* One object.  addr & ~(page - 1) is the object's page, always. */
struct kfence_meta {
	struct list_head list;		/* on kfence_freelist while not allocated */
	int state;			/* enum kfence_state */
	uintptr_t addr;
	size_t size;
	const void *cache;
	char cache_name[KFENCE_NAME_MAX];
	uintptr_t unprotected_page;	/* a guard page a fault opened, or 0 */
	struct kfence_track alloc_track;
	struct kfence_track free_track;
};

/* The counters of /sys/kernel/debug/kfence/stats, in the kernel's order. */
#define KFENCE_COUNTERS(X) \
	X(ALLOCATED, "currently allocated") \
	X(ALLOCS, "total allocations") \
	X(FREES, "total frees") \
	X(ZOMBIES, "zombie allocations") \
	X(BUGS, "total bugs") \
	X(SKIP_INCOMPAT, "skipped allocations (incompatible)") \
	X(SKIP_CAPACITY, "skipped allocations (capacity)") \
	X(SKIP_COVERED, "skipped allocations (covered)")

enum kfence_counter {
#define X(item, name) KFENCE_COUNTER_##item,
	KFENCE_COUNTERS(X)
#undef X
	KFENCE_COUNTER_COUNT
};

static const char *const kfence_counter_names[KFENCE_COUNTER_COUNT] = {
#define X(item, name) [KFENCE_COUNTER_##item] = name,
	KFENCE_COUNTERS(X)
#undef X
};

static long kfence_counters[KFENCE_COUNTER_COUNT];	/* atomic */

static void counter_inc(enum kfence_counter c, long n)
{
	__atomic_fetch_add(&kfence_counters[c], n, __ATOMIC_RELAXED);
}

uintptr_t kfence_pool_addr;
size_t kfence_pool_size;

static struct kfence_meta *kfence_meta;	/* num_objects entries, set once */
static int kfence_nr_objects;
static struct list_head kfence_freelist;	/* under kfence_lock */
static uint64_t kfence_rand;			/* under kfence_lock */

static int kfence_enabled;	/* atomic: sampling on */
static int kfence_interval_ms;	/* atomic */
static int kfence_armed;	/* atomic: 1 while a sample is wanted */
static int sample_seq;		/* futex word: bumped when a sample is taken */
static int timer_sleep;		/* futex word the thread sleeps on (never woken) */

enum { TIMER_NONE, TIMER_RUNNING, TIMER_CANNOT };
static int timer_state;		/* atomic */

/* ---- addresses ------------------------------------------------------------ */

static uintptr_t object_page(int index)
{
	return kfence_pool_addr + (uintptr_t)(2 * index + 2) * KFENCE_PAGE;
}

/* The object whose page, or whose right guard page, holds addr; NULL for
 * pages 0 and 1 and outside the pool (the kernel's addr_to_metadata). */
static struct kfence_meta *addr_to_meta(uintptr_t addr)
{
	long index;

	if (!is_kfence_address((const void *)addr))
		return NULL;
	index = (long)((addr - kfence_pool_addr) / (2 * KFENCE_PAGE)) - 1;
	if (index < 0 || index >= kfence_nr_objects)
		return NULL;
	return &kfence_meta[index];
}

static int meta_index(const struct kfence_meta *meta)
{
	return (int)(meta - kfence_meta);
}

static bool kfence_protect(uintptr_t addr, bool access)
{
	return ukmem_plat_protect((void *)(addr & ~(uintptr_t)(KFENCE_PAGE - 1)), KFENCE_PAGE,
				  access);
}

/* A random bit for the placement: xorshift64, seeded at setup. */
static bool random_bit_locked(void)
{
	kfence_rand ^= kfence_rand << 13;
	kfence_rand ^= kfence_rand >> 7;
	kfence_rand ^= kfence_rand << 17;
	return (kfence_rand >> 32) & 1;
}

/* ---- stacks ---------------------------------------------------------------- */

/* Who, where and when, with the stack the caller captured. */
static void track_capture(struct kfence_track *track, void **frames, int nr)
{
	track->pid = ukmem_plat_tid();
	track->cpu = ukmem_plat_cpu();
	track->ts_nsec = ukmem_plat_now_ns();
	track->nr_frames = nr;
	for (int i = 0; i < nr; i++)
		track->frames[i] = frames[i];
}

/* Does a symbolized frame ("name+0x1c") name an allocator entry point? */
static bool is_entry_point(const char *sym)
{
	static const char *const prefixes[] = {
		"ukmem_kmalloc", "ukmem_kfree", "ukmem_krealloc", "ukmem_kmem_cache_alloc",
		"ukmem_kmem_cache_free", "kfree", "kmem_cache_free", "__kmalloc",
		"kmem_cache_alloc",
	};
	static const char *const exact[] = {	/* the malloc front */
		"malloc", "free", "calloc", "realloc", "reallocarray", "posix_memalign",
		"aligned_alloc", "memalign", "valloc", "pvalloc", "cfree",
	};
	size_t len = 0;

	while (sym[len] && sym[len] != '+')
		len++;
	for (unsigned int i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!ukmem_strncmp(sym, prefixes[i], ukmem_strlen(prefixes[i])))
			return true;
	for (unsigned int i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (ukmem_strlen(exact[i]) == len && !ukmem_strncmp(sym, exact[i], len))
			return true;
	return false;
}

/* Frames to skip so a stack starts in the program rather than in the
 * allocator (the kernel's get_stack_skipnr): past the outermost allocator
 * entry point among the frames that can be named; 0 if none is. */
static int stack_skipnr(void *const *frames, int nr)
{
	int skip = 0;

	for (int i = 0; i < nr; i++) {
		char sym[128];
		const char *name = ukmem_plat_symbolize(frames[i], sym, sizeof(sym));

		if (name && is_entry_point(name))
			skip = i + 1;
	}
	return skip < nr ? skip : 0;
}

/* ---- text ------------------------------------------------------------------ */

/* One line into the objects file (s) or the log (s NULL), the kernel's
 * seq_con_printf. */
__attribute__((format(printf, 2, 3)))
static void out(struct seq_buf *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	ukmem_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (s)
		ukmem_seq_puts(s, line);
	else
		pr_err("%s", line);
}

/* The kernel's " %pS" of a code address. */
static void out_frame(struct seq_buf *s, void *addr)
{
	char sym[128];

	out(s, " %s\n", ukmem_sprint_symbol(sym, sizeof(sym), addr));
}

static void print_track(struct seq_buf *s, const struct kfence_track *track, bool alloc)
{
	uint64_t ts = track->ts_nsec;

	/* The timestamp as printk's: seconds and microseconds. */
	out(s, "%s by task %d on cpu %d at %lu.%06lus:\n", alloc ? "allocated" : "freed",
	    track->pid, track->cpu, (unsigned long)(ts / 1000000000u),
	    (unsigned long)(ts % 1000000000u / 1000));
	if (!track->nr_frames) {
		out(s, " no %s stack\n", alloc ? "allocation" : "deallocation");
		return;
	}
	for (int i = stack_skipnr(track->frames, track->nr_frames); i < track->nr_frames; i++)
		out_frame(s, track->frames[i]);
}

/* The kernel's kfence_print_object, of a copy of the metadata. */
static void print_object(struct seq_buf *s, const struct kfence_meta *meta, int index)
{
	if (meta->state == KFENCE_OBJECT_UNUSED) {
		out(s, "kfence-#%d unused\n", index);
		return;
	}
	out(s, "kfence-#%d: 0x%p-0x%p, size=%d, cache=%s\n\n", index, (void *)meta->addr,
	    (void *)(meta->addr + meta->size - 1), (int)meta->size, meta->cache_name);
	print_track(s, &meta->alloc_track, true);
	if (meta->state == KFENCE_OBJECT_FREED) {
		out(s, "\n");
		print_track(s, &meta->free_track, false);
	}
}

/* The canary bytes from addr on, up to 16 and never into the object or
 * the next page: " ." where intact, " !" where not (the kernel's
 * print_diff_canary without no_hash_pointers). */
static void canary_diff(char *buf, size_t size, uintptr_t addr, const struct kfence_meta *meta)
{
	uintptr_t end = addr + 16;
	uintptr_t limit = addr < meta->addr ? meta->addr
					    : (addr + KFENCE_PAGE) & ~(uintptr_t)(KFENCE_PAGE - 1);
	size_t len = 0;

	if (end > limit)
		end = limit;
	len += (size_t)ukmem_snprintf(buf + len, size - len, "[");
	for (uintptr_t p = addr; p < end && len < size; p++)
		len += (size_t)ukmem_snprintf(buf + len, size - len, "%s",
					      *(const uint8_t *)p == KFENCE_CANARY(p) ? " ." : " !");
	if (len < size)
		ukmem_snprintf(buf + len, size - len, " ]");
}

/*
 * The kernel's kfence_report_error: the banner, the title and what was
 * touched, the stack (frames[skip..]), the object, who runs, the banner;
 * then taint B.  meta is a copy (or NULL for an access no object owns),
 * index its number.
 */
static void kfence_report(enum kfence_error type, uintptr_t addr, bool is_write,
			  const struct kfence_meta *meta, int index, void *const *frames, int nr,
			  int skip)
{
	const char *access = is_write ? "write" : "read";
	char sym[128], unnamed[2 + 2 * sizeof(void *) + 1], taint[TAINT_BUF_SIZE];
	const char *where = skip < nr ? ukmem_plat_symbolize(frames[skip], sym, sizeof(sym)) : NULL;

	if (!where) {
		ukmem_snprintf(unnamed, sizeof(unnamed), "0x%p", skip < nr ? frames[skip] : NULL);
		where = unnamed;
	}

	ukmem_printk(KFENCE_BANNER);
	switch (type) {
	case KFENCE_ERROR_OOB: {
		bool left = addr < meta->addr;

		pr_err("BUG: KFENCE: out-of-bounds %s in %s\n\n", access, where);
		/* The distance from the object's start, as the kernel counts it. */
		pr_err("Out-of-bounds %s at 0x%p (%luB %s of kfence-#%d):\n", access,
		       (void *)addr,
		       (unsigned long)(left ? meta->addr - addr : addr - meta->addr),
		       left ? "left" : "right", index);
		break;
	}
	case KFENCE_ERROR_UAF:
		pr_err("BUG: KFENCE: use-after-free %s in %s\n\n", access, where);
		pr_err("Use-after-free %s at 0x%p (in kfence-#%d):\n", access, (void *)addr,
		       index);
		break;
	case KFENCE_ERROR_CORRUPTION: {
		char diff[80];

		canary_diff(diff, sizeof(diff), addr, meta);
		pr_err("BUG: KFENCE: memory corruption in %s\n\n", where);
		pr_err("Corrupted memory at 0x%p %s (in kfence-#%d):\n", (void *)addr, diff,
		       index);
		break;
	}
	case KFENCE_ERROR_INVALID:
		pr_err("BUG: KFENCE: invalid %s in %s\n\n", access, where);
		pr_err("Invalid %s at 0x%p:\n", access, (void *)addr);
		break;
	case KFENCE_ERROR_INVALID_FREE:
		pr_err("BUG: KFENCE: invalid free in %s\n\n", where);
		pr_err("Invalid free of 0x%p (in kfence-#%d):\n", (void *)addr, index);
		break;
	}
	for (int i = skip; i < nr; i++)
		out_frame(NULL, frames[i]);
	if (meta) {
		pr_err("\n");
		print_object(NULL, meta, index);
	}
	pr_err("\n");
	pr_err("CPU: %d PID: %d Comm: %s %s\n", ukmem_plat_cpu(), ukmem_plat_tid(),
	       ukmem_plat_comm(), ukmem_print_tainted(taint));
	ukmem_printk(KFENCE_BANNER);
	ukmem_add_taint(TAINT_BAD_PAGE);
}

/* ---- the canary ------------------------------------------------------------ */

/* Fill the object's page around the object with the canary. */
static void set_canary(const struct kfence_meta *meta)
{
	uintptr_t page = meta->addr & ~(uintptr_t)(KFENCE_PAGE - 1);

	for (uintptr_t p = page; p < meta->addr; p++)
		*(uint8_t *)p = KFENCE_CANARY(p);
	for (uintptr_t p = meta->addr + meta->size; p < page + KFENCE_PAGE; p++)
		*(uint8_t *)p = KFENCE_CANARY(p);
}

/* The first bad canary byte in [from, to), or 0. */
static uintptr_t first_bad_canary(uintptr_t from, uintptr_t to)
{
	for (uintptr_t p = from; p < to; p++)
		if (*(const uint8_t *)p != KFENCE_CANARY(p))
			return p;
	return 0;
}

/* Check both sides of freed object index (meta: a copy taken at the free)
 * and report the first bad byte of each, as the kernel's check_canary
 * does; the stack is the freeing one. */
static void check_canary(const struct kfence_meta *meta, int index, void *const *frames, int nr)
{
	uintptr_t page = meta->addr & ~(uintptr_t)(KFENCE_PAGE - 1);
	uintptr_t bad[2];

	bad[0] = first_bad_canary(page, meta->addr);
	bad[1] = first_bad_canary(meta->addr + meta->size, page + KFENCE_PAGE);
	for (int i = 0; i < 2; i++) {
		if (!bad[i])
			continue;
		counter_inc(KFENCE_COUNTER_BUGS, 1);
		kfence_report(KFENCE_ERROR_CORRUPTION, bad[i], false, meta, index, frames, nr,
			      stack_skipnr(frames, nr));
	}
}

/* ---- the sampling thread ---------------------------------------------------- */

static void timer_sleep_ms(int ms)
{
	uint64_t now = ukmem_plat_now_ns();
	uint64_t deadline = now + (uint64_t)ms * 1000000u;

	while (now < deadline) {
		ukmem_plat_wait(&timer_sleep, 0, deadline - now);
		now = ukmem_plat_now_ns();
	}
}

/* Arm one round (theory 2): the bit first, so whoever wins kfence_armed
 * finds the bit set and clears it after. */
static void kfence_arm(void)
{
	debug_hooks_set(DEBUG_HOOK_KFENCE, true);
	__atomic_store_n(&kfence_armed, 1, __ATOMIC_RELEASE);
}

static void kfence_timer_main(void *arg)
{
	(void)arg;
	for (;;) {
		int interval = __atomic_load_n(&kfence_interval_ms, __ATOMIC_RELAXED);
		int seq;

		timer_sleep_ms(interval > 0 ? interval : 1000);
		if (!__atomic_load_n(&kfence_enabled, __ATOMIC_ACQUIRE))
			continue;
		seq = __atomic_load_n(&sample_seq, __ATOMIC_ACQUIRE);
		kfence_arm();
		while (__atomic_load_n(&sample_seq, __ATOMIC_ACQUIRE) == seq &&
		       __atomic_load_n(&kfence_enabled, __ATOMIC_ACQUIRE))
			ukmem_plat_wait(&sample_seq, seq, 1000000000ULL);
	}
}

/* Is the sampling thread running, or can it start from here?  Only from a
 * thread that holds no ukmem lock and is not atomic (theory 2). */
static bool timer_ready(void)
{
	int none = TIMER_NONE;

	if (__atomic_load_n(&timer_state, __ATOMIC_ACQUIRE) != TIMER_NONE)
		return true;
	if (ukmem_lock_depth() > 0 || ukmem_task_atomic)
		return false;
	if (!__atomic_compare_exchange_n(&timer_state, &none, TIMER_RUNNING, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return true;
	if (!ukmem_plat_thread_start(kfence_timer_main, NULL)) {
		__atomic_store_n(&timer_state, TIMER_CANNOT, __ATOMIC_RELEASE);
		pr_err("kfence: cannot start the sampling thread: one sample only\n");
	}
	return true;
}

/* fork(): the child has no sampling thread.  Arm a round for it, so that
 * its first allocation outside every lock starts one.  The hook bit is set
 * without the flush: this runs in the child's fork handler, with ukmem's
 * locks possibly still held, and the child's one thread will reach the
 * slow path once its sheaves run dry. */
static void kfence_fork_child(void)
{
	if (__atomic_load_n(&timer_state, __ATOMIC_RELAXED) == TIMER_RUNNING)
		__atomic_store_n(&timer_state, TIMER_NONE, __ATOMIC_RELAXED);
	if (__atomic_load_n(&kfence_enabled, __ATOMIC_RELAXED)) {
		__atomic_fetch_or(&ukmem_debug_hooks, DEBUG_HOOK_KFENCE, __ATOMIC_RELAXED);
		__atomic_store_n(&kfence_armed, 1, __ATOMIC_RELEASE);
	}
}

/* ---- allocation and free --------------------------------------------------- */

static void *guarded_alloc(const void *cache, const char *cache_name, size_t size,
			   unsigned int align, gfp_t gfp, void **frames, int nr)
{
	struct kfence_meta *meta;
	uintptr_t page, addr;

	if (!ukmem_lock(&kfence_lock))
		return NULL;
	if (list_empty(&kfence_freelist)) {
		ukmem_unlock(&kfence_lock);
		counter_inc(KFENCE_COUNTER_SKIP_CAPACITY, 1);
		return NULL;
	}
	meta = container_of(kfence_freelist.next, struct kfence_meta, list);
	list_del(&meta->list);
	page = object_page(meta_index(meta));
	if (meta->state == KFENCE_OBJECT_FREED && !kfence_protect(page, true)) {
		list_add(&meta->list, &kfence_freelist);
		ukmem_unlock(&kfence_lock);
		return NULL;
	}
	addr = page;
	if (random_bit_locked())
		addr = (page + KFENCE_PAGE - size) & ~(uintptr_t)(align - 1);
	__atomic_store_n(&meta->addr, addr, __ATOMIC_RELAXED);
	__atomic_store_n(&meta->size, size, __ATOMIC_RELAXED);
	__atomic_store_n(&meta->cache, cache, __ATOMIC_RELAXED);
	ukmem_strlcpy(meta->cache_name, cache_name ? cache_name : "<unknown>",
		      sizeof(meta->cache_name));
	track_capture(&meta->alloc_track, frames, nr);
	__atomic_store_n(&meta->state, KFENCE_OBJECT_ALLOCATED, __ATOMIC_RELEASE);
	ukmem_unlock(&kfence_lock);

	/* The page is the caller's now: no one else touches it. */
	set_canary(meta);
	if (gfp & __GFP_ZERO)
		__builtin_memset((void *)addr, 0, size);
	counter_inc(KFENCE_COUNTER_ALLOCATED, 1);
	counter_inc(KFENCE_COUNTER_ALLOCS, 1);
	return (void *)addr;
}

void *kfence_alloc(const void *cache, const char *cache_name, size_t size, unsigned int align,
		   gfp_t gfp)
{
	void *frames[KFENCE_STACK_DEPTH];
	int nr;

	if (!__atomic_load_n(&kfence_armed, __ATOMIC_ACQUIRE))
		return NULL;
	if (align == 0)
		align = 1;
	/* Checked before the sample is taken, so an allocation KFENCE cannot
	 * serve leaves the round armed for the next one. */
	if (size == 0 || size > KFENCE_PAGE || align > KFENCE_PAGE || (align & (align - 1)) ||
	    (gfp & GFP_ZONEMASK) || ((gfp & __GFP_THISNODE) && ukmem_mm.nr_nodes > 1)) {
		counter_inc(KFENCE_COUNTER_SKIP_INCOMPAT, 1);
		return NULL;
	}
	if (!timer_ready())
		return NULL;
	if (!__atomic_exchange_n(&kfence_armed, 0, __ATOMIC_ACQ_REL))
		return NULL;
	debug_hooks_set(DEBUG_HOOK_KFENCE, false);
	__atomic_fetch_add(&sample_seq, 1, __ATOMIC_RELEASE);
	ukmem_plat_wake(&sample_seq, 1);

	nr = ukmem_plat_backtrace(frames, KFENCE_STACK_DEPTH, 1);
	return guarded_alloc(cache, cache_name, size, align, gfp, frames, nr);
}

void kfence_free(void *p)
{
	void *frames[KFENCE_STACK_DEPTH];
	int nr = ukmem_plat_backtrace(frames, KFENCE_STACK_DEPTH, 1);
	struct kfence_meta *meta = addr_to_meta((uintptr_t)p);
	struct kfence_meta copy;
	bool locked = ukmem_lock(&kfence_lock);

	/* A signal handler that interrupted KFENCE itself cannot free: the
	 * object stays allocated (a leak, never a broken freelist). */
	if (!locked && meta && meta->state == KFENCE_OBJECT_ALLOCATED &&
	    meta->addr == (uintptr_t)p)
		return;
	if (!meta || meta->state != KFENCE_OBJECT_ALLOCATED || meta->addr != (uintptr_t)p) {
		/* Invalid or double free: report and leave the object alone. */
		if (meta)
			copy = *meta;
		if (locked)
			ukmem_unlock(&kfence_lock);
		counter_inc(KFENCE_COUNTER_BUGS, 1);
		kfence_report(KFENCE_ERROR_INVALID_FREE, (uintptr_t)p, false, meta ? &copy : NULL,
			      meta ? meta_index(meta) : -1, frames, nr, stack_skipnr(frames, nr));
		return;
	}
	if (meta->unprotected_page) {
		/* A guard page an out-of-bounds access opened: clean and shut.
		 * Opened again first, as the neighbour's free may have shut it
		 * already. */
		kfence_protect(meta->unprotected_page, true);
		__builtin_memset((void *)(meta->unprotected_page & ~(uintptr_t)(KFENCE_PAGE - 1)), 0,
				 KFENCE_PAGE);
		kfence_protect(meta->unprotected_page, false);
		meta->unprotected_page = 0;
	}
	track_capture(&meta->free_track, frames, nr);
	__atomic_store_n(&meta->state, KFENCE_OBJECT_FREED, __ATOMIC_RELEASE);
	copy = *meta;
	ukmem_unlock(&kfence_lock);

	check_canary(&copy, meta_index(meta), frames, nr);
	kfence_protect(copy.addr, false);

	if (ukmem_lock(&kfence_lock)) {
		list_add_tail(&meta->list, &kfence_freelist);
		ukmem_unlock(&kfence_lock);
	}
	counter_inc(KFENCE_COUNTER_ALLOCATED, -1);
	counter_inc(KFENCE_COUNTER_FREES, 1);
}

/* The live object that starts at p, or NULL (read without the lock). */
static const struct kfence_meta *live_object(const void *p)
{
	const struct kfence_meta *meta = addr_to_meta((uintptr_t)p);

	if (!meta || __atomic_load_n(&meta->state, __ATOMIC_ACQUIRE) != KFENCE_OBJECT_ALLOCATED ||
	    __atomic_load_n(&meta->addr, __ATOMIC_RELAXED) != (uintptr_t)p)
		return NULL;
	return meta;
}

size_t kfence_ksize(const void *p)
{
	const struct kfence_meta *meta = live_object(p);

	return meta ? __atomic_load_n(&meta->size, __ATOMIC_RELAXED) : 0;
}

const void *kfence_object_cache(const void *p)
{
	const struct kfence_meta *meta = live_object(p);

	return meta ? __atomic_load_n(&meta->cache, __ATOMIC_RELAXED) : NULL;
}

/* ---- faults ------------------------------------------------------------------ */

static bool meta_allocated(const struct kfence_meta *meta)
{
	return meta && __atomic_load_n(&meta->state, __ATOMIC_ACQUIRE) == KFENCE_OBJECT_ALLOCATED;
}

/* The platform's SIGSEGV handler, for a fault in the pool (theory 4).  Runs
 * in the handler: the lock may be held by the very thread it interrupted,
 * in which case ukmem_lock only tries and the report reads the metadata
 * as it finds it. */
static bool kfence_fault(const struct plat_fault *f)
{
	uintptr_t addr = f->addr;
	size_t page_index = (addr - kfence_pool_addr) / KFENCE_PAGE;
	struct kfence_meta *to_report = NULL, copy;
	enum kfence_error type = KFENCE_ERROR_INVALID;
	bool locked;

	if (!is_kfence_address((const void *)addr))
		return false;
	counter_inc(KFENCE_COUNTER_BUGS, 1);
	locked = ukmem_lock(&kfence_lock);
	if (page_index % 2) {
		/* A guard page: an overflow of the nearer allocated neighbour. */
		struct kfence_meta *left = addr_to_meta(addr - KFENCE_PAGE);
		struct kfence_meta *right = addr_to_meta(addr + KFENCE_PAGE);
		uintptr_t distance = 0;

		if (meta_allocated(left)) {
			to_report = left;
			distance = addr - (left->addr + left->size);
		}
		if (meta_allocated(right) && (!to_report || distance > right->addr - addr))
			to_report = right;
		if (to_report) {
			to_report->unprotected_page = addr;
			type = KFENCE_ERROR_OOB;
		}
	} else {
		/* An object's page is protected only once the object is freed. */
		to_report = addr_to_meta(addr);
		if (to_report)
			type = KFENCE_ERROR_UAF;
	}
	if (to_report)
		copy = *to_report;
	kfence_protect(addr, true);
	if (locked)
		ukmem_unlock(&kfence_lock);
	kfence_report(type, addr, f->is_write, to_report ? &copy : NULL,
		      to_report ? meta_index(to_report) : -1, f->frames, f->nr_frames, 0);
	return true;
}

/* ---- setup ---------------------------------------------------------------- */

/* Map and lay out the pool (theory 1); under kfence_lock.  0 or -ENOMEM. */
static int pool_create_locked(int nr)
{
	size_t pool_size = (size_t)(2 * (nr + 1)) * KFENCE_PAGE;
	size_t meta_size = ((size_t)nr * sizeof(struct kfence_meta) + KFENCE_PAGE - 1) &
			   ~(size_t)(KFENCE_PAGE - 1);
	uintptr_t pool = (uintptr_t)ukmem_plat_reserve(pool_size, KFENCE_PAGE);
	struct kfence_meta *meta = ukmem_plat_reserve(meta_size, KFENCE_PAGE);
	bool ok = pool && meta;

	/* Pages 0 and 1, then each object's right guard.  Each protection
	 * splits the mapping: a very large pool can exceed the process's
	 * limit of mappings (vm.max_map_count), and fails here. */
	for (int page = 0; ok && page < 2 * (nr + 1); page++)
		if (page < 2 || (page % 2))
			ok = kfence_protect(pool + (uintptr_t)page * KFENCE_PAGE, false);
	if (!ok) {
		if (pool)
			ukmem_plat_unreserve((void *)pool, pool_size);
		if (meta)
			ukmem_plat_unreserve(meta, meta_size);
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&kfence_freelist);
	for (int i = 0; i < nr; i++) {
		meta[i].state = KFENCE_OBJECT_UNUSED;
		meta[i].addr = pool + (uintptr_t)(2 * i + 2) * KFENCE_PAGE;
		list_add_tail(&meta[i].list, &kfence_freelist);
	}
	kfence_meta = meta;
	kfence_nr_objects = nr;
	kfence_rand = ukmem_plat_now_ns() ^ (uint64_t)pool ^ 0x9e3779b97f4a7c15ULL;
	if (!kfence_rand)
		kfence_rand = 1;
	__atomic_store_n(&kfence_pool_addr, pool, __ATOMIC_RELEASE);
	__atomic_store_n(&kfence_pool_size, pool_size, __ATOMIC_RELEASE);
	return 0;
}

int kfence_setup(int sample_interval_ms, int num_objects)
{
	int nr = num_objects < 0 ? KFENCE_DEFAULT_OBJECTS : num_objects;
	bool created = false;
	int ret = 0;

	if (sample_interval_ms < 0)
		return 0;
	if (num_objects == 0 || num_objects > 65535)
		return -EINVAL;
	if (sample_interval_ms == 0) {
		/* Off: drop an armed round (the thread stays, asleep). */
		__atomic_store_n(&kfence_enabled, 0, __ATOMIC_RELEASE);
		if (__atomic_exchange_n(&kfence_armed, 0, __ATOMIC_ACQ_REL))
			debug_hooks_set(DEBUG_HOOK_KFENCE, false);
		ukmem_plat_wake(&sample_seq, 1);
		return 0;
	}
	if (!ukmem_plat_kfence_supported()) {
		pr_err("kfence: not available on this platform\n");
		return -EINVAL;
	}

	ukmem_lock(&kfence_lock);
	if (!kfence_meta) {
		ret = pool_create_locked(nr);
		created = ret == 0;
	} else if (num_objects > 0 && num_objects != kfence_nr_objects) {
		ret = -EINVAL;
	}
	ukmem_unlock(&kfence_lock);
	if (ret == -EINVAL)
		pr_err("kfence: the pool has %d objects; kfence.num_objects=%d needs a new process\n",
		       kfence_nr_objects, num_objects);
	if (ret)
		return ret;
	if (created) {
		if (!ukmem_plat_kfence_install(kfence_pool_addr, kfence_pool_addr + kfence_pool_size,
					       kfence_fault, kfence_fork_child)) {
			pr_err("kfence: cannot install the fault handler\n");
			return -EINVAL;
		}
		ukmem_printk("kfence: initialized - using %lu bytes for %d objects at 0x%p-0x%p\n",
			     (unsigned long)kfence_pool_size, nr, (void *)kfence_pool_addr,
			     (void *)(kfence_pool_addr + kfence_pool_size));
	}
	__atomic_store_n(&kfence_interval_ms, sample_interval_ms, __ATOMIC_RELAXED);
	if (!__atomic_exchange_n(&kfence_enabled, 1, __ATOMIC_ACQ_REL))
		kfence_arm();	/* the first round at once, as the kernel queues its timer at 0 */
	timer_ready();
	return 0;
}

/* ---- /sys/kernel/debug/kfence ------------------------------------------------ */

void kfence_stats_show(struct seq_buf *s)
{
	ukmem_seq_printf(s, "enabled: %d\n", __atomic_load_n(&kfence_enabled, __ATOMIC_RELAXED));
	for (int i = 0; i < KFENCE_COUNTER_COUNT; i++)
		ukmem_seq_printf(s, "%s: %ld\n", kfence_counter_names[i],
				 __atomic_load_n(&kfence_counters[i], __ATOMIC_RELAXED));
}

/* Each object as the kernel's show_object prints it, from a copy taken
 * under the lock (a file read from a signal handler that interrupted
 * KFENCE gets what it can read). */
void kfence_objects_show(struct seq_buf *s)
{
	for (int i = 0; i < kfence_nr_objects; i++) {
		struct kfence_meta copy;
		bool locked = ukmem_lock(&kfence_lock);

		copy = kfence_meta[i];
		if (locked)
			ukmem_unlock(&kfence_lock);
		print_object(s, &copy, i);
		ukmem_seq_puts(s, "---------------------------------\n");
	}
}
