/*
 * kmemleak_scan.c - the kernel's memory leak detector, scanning half: the
 * mark phase over the roots and the tracked objects, the reports, the
 * control file /sys/kernel/debug/kmemleak and the background scan thread.
 *
 * Theory
 * ------
 * 1. The scan is the kernel's tri-colour walk.  Each object's count of
 *    references found is reset; objects with min_count 0 (grey: not a
 *    leak, but scanned) start on the gray list.  The roots are read
 *    (ukmem_plat_scan_roots: data and bss of every loaded object, and the
 *    registers, stacks and TLS of every thread); every aligned word whose
 *    value lies inside a tracked object (interior pointers count) adds one
 *    to its count, and an object whose count reaches min_count turns gray
 *    and is queued.  Gray objects are then read the same way (all of each,
 *    or only its scan areas; no_scan objects and black ones, min_count -1,
 *    are not read), until the list is empty.  What stays white (count <
 *    min_count) is unreferenced.
 *
 * 2. Stop the world, under the lock.  kmemleak_lock is taken first, then
 *    every other thread is stopped (hosted_kmemleak.c), so no stopped
 *    thread holds the lock and no tracked block is freed or reused while
 *    it is read: a free tells kmemleak first and waits for the lock.
 *    Nothing allocates and nothing prints until the world runs again (a
 *    stopped thread may hold a lock that malloc or a log hook needs).
 *    The kernel scans while everything runs, with RCU and per-object
 *    locks; here a stop costs a few signals, and the registers of the
 *    other threads, which a running thread hides, are read.
 *
 * 3. Not reported yet, as the kernel's: an object younger than the
 *    minimum age (5 s) at the time of the scan, and one whose contents
 *    changed since the last scan (its crc32 is kept: a block being filled
 *    is probably being linked in), which is instead scanned as if
 *    referenced.  A scan reports each new suspect once (OBJECT_REPORTED)
 *    with the kernel's one line; reading the control file shows every
 *    suspect reported so far that is still unreferenced.  The scan at the
 *    process's exit ignores both the age and the checksum and prints each
 *    unreferenced object, as LeakSanitizer does.
 *
 * 4. The scanner's own stack.  Its frames below the entry point hold the
 *    values it is looking at; only the caller's frames count.  The entry
 *    point (scan_entry) spills the callee-saved registers into its frame
 *    (__builtin_unwind_init) and gives the address of a local there as the
 *    floor of the stack range to read; the platform adds the rest of the
 *    registers (getcontext).
 *
 * 5. Reports are rendered one object at a time: under the lock, the object
 *    is copied (its header, the first 32 bytes, its trace handle); with
 *    the lock dropped, it is formatted, because naming the frames of a
 *    trace may allocate (the symbolizer) and allocating under
 *    kmemleak_lock would recurse into it.  The next object is the one at
 *    the lowest address above, so a free in between changes nothing.
 *
 * 6. The scan thread ("scan=on", "scan=<secs>"; default period 600 s) is
 *    a thread of ukmem's own, started from a control-file write, which
 *    holds no ukmem lock.  It is not started by kmemleak=on alone, unlike
 *    the kernel's: a library does not stop a program's threads every ten
 *    minutes unasked, and the report at exit covers the usual case.
 *    A generation number retires a thread that "scan=off" stopped; a fork
 *    child has none (kmemleak_fork_child).
 *
 * Locks: kmemleak_lock (src/lib/lockrank.h), held across the scan.  The
 * control file is written without ctl_lock (a scan may be long).
 */
#include "debug/kmemleak_internal.h"
#include "lib/errno.h"

#define HEX_ROW_SIZE		16
#define HEX_MAX_LINES		2	/* the first 32 bytes */
#define SCAN_PERIOD_SECS	600	/* the kernel's jiffies_scan_wait */

static struct kmemleak_object *gray_list;
static bool stack_scan = true;			/* "stack=on|off" */
static unsigned long jiffies_last_scan;
static unsigned int crc_table[256];

/* The scan thread (theory 6). */
static int scan_thread_gen;			/* atomic: bumped to retire */
static int scan_thread_running;			/* atomic */
static int scan_thread_wake;			/* futex word */
static unsigned long scan_period_secs = SCAN_PERIOD_SECS;

/* ---- colours and checksums --------------------------------------------------- */

static bool color_white(const struct kmemleak_object *o)
{
	return o->min_count != KMEMLEAK_BLACK && o->count < o->min_count;
}

static bool color_gray(const struct kmemleak_object *o)
{
	return o->min_count != KMEMLEAK_BLACK && o->count >= o->min_count;
}

/* The kernel's crc32_le with seed 0 (no inversion), as kmemleak keeps it. */
static void crc_init(void)
{
	for (unsigned int i = 0; i < 256; i++) {
		unsigned int c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
		crc_table[i] = c;
	}
}

__attribute__((no_sanitize("address", "thread")))
static unsigned int crc32_le(const void *p, size_t len)
{
	const unsigned char *b = p;
	unsigned int crc = 0;

	if (!crc_table[1])
		crc_init();
	for (size_t i = 0; i < len; i++)
		crc = crc_table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
	return crc;
}

/* True if the contents changed since the last scan (kernel update_checksum). */
static bool update_checksum(struct kmemleak_object *o)
{
	unsigned int old = o->checksum;

	o->checksum = crc32_le((const void *)o->pointer, o->size);
	return o->checksum != old;
}

static bool unreferenced(const struct kmemleak_object *o, bool ignore_age)
{
	return color_white(o) && (o->flags & OBJECT_ALLOCATED) &&
	       (ignore_age || (long)(jiffies_last_scan - (o->jiffies + kmemleak_min_age_jiffies)) >= 0);
}

/* ---- the mark phase --------------------------------------------------------- */

/*
 * Read every aligned word of [start, end); scanned is the object being
 * read (a pointer to itself is no reference), or NULL for a root.  The
 * words belong to other threads' stacks and to any object: no sanitizer
 * may check these loads.
 */
__attribute__((no_sanitize("address", "thread")))
static void scan_block(uintptr_t start, uintptr_t end, const struct kmemleak_object *scanned)
{
	uintptr_t lo = kmemleak_min_addr_1, hi = kmemleak_max_end;

	start = (start + sizeof(uintptr_t) - 1) & ~(uintptr_t)(sizeof(uintptr_t) - 1);
	for (uintptr_t p = start; p + sizeof(uintptr_t) <= end; p += sizeof(uintptr_t)) {
		uintptr_t v = *(const volatile uintptr_t *)p;
		struct kmemleak_object *o;

		if (v <= lo || v >= hi)
			continue;
		o = kmemleak_lookup_locked(v);
		if (!o || o == scanned || !color_white(o))
			continue;
		if (++o->count >= o->min_count) {	/* white to gray: queue it once */
			o->gray_next = gray_list;
			gray_list = o;
		}
	}
}

static void scan_root(void *arg, uintptr_t start, uintptr_t end)
{
	(void)arg;
	scan_block(start, end, NULL);
}

static void scan_object(const struct kmemleak_object *o)
{
	if (o->flags & OBJECT_NO_SCAN)
		return;
	if (!o->areas || (o->flags & OBJECT_FULL_SCAN)) {
		scan_block(o->pointer, o->pointer + o->size, o);
		return;
	}
	for (const struct kmemleak_area *a = o->areas; a; a = a->next)
		scan_block(a->start, a->start + a->size, o);
}

static void scan_gray_list(void)
{
	while (gray_list) {
		struct kmemleak_object *o = gray_list;

		gray_list = o->gray_next;
		o->gray_next = NULL;
		scan_object(o);
	}
}

/* Reset the counts and queue the grey objects (in-order walk). */
static void reset_counts(struct kmemleak_object *t)
{
	for (; t; t = t->right) {
		reset_counts(t->left);
		t->count = 0;
		t->flags &= ~OBJECT_EXIT_REPORT;
		if (color_gray(t)) {
			t->gray_next = gray_list;
			gray_list = t;
		}
	}
}

/* White objects whose contents changed are scanned as referenced. */
static void requeue_changed(struct kmemleak_object *t)
{
	for (; t; t = t->right) {
		requeue_changed(t->left);
		if (color_white(t) && (t->flags & OBJECT_ALLOCATED) && update_checksum(t)) {
			t->count = t->min_count;
			t->gray_next = gray_list;
			gray_list = t;
		}
	}
}

/* Flag what is reported: new suspects once (scan), every one (exit). */
static int mark_leaks(struct kmemleak_object *t, bool at_exit)
{
	int n = 0;

	for (; t; t = t->right) {
		n += mark_leaks(t->left, at_exit);
		if (!unreferenced(t, at_exit))
			continue;
		if (at_exit) {
			update_checksum(t);	/* the report's crc */
			t->flags |= OBJECT_EXIT_REPORT;
			n++;
		} else if (!(t->flags & OBJECT_REPORTED)) {
			t->flags |= OBJECT_REPORTED;
			n++;
		}
	}
	return n;
}

/* The whole scan, kmemleak_lock held (theory 2). */
static int scan_locked(uintptr_t self_floor, bool at_exit)
{
	int n;

	jiffies_last_scan = kmemleak_jiffies();
	gray_list = NULL;
	reset_counts(kmemleak_root);
	if (ukmem_plat_stop_world(self_floor) < 0)
		return -KMEMLEAK_ENOSYS;
	/* A conservative scan reads whatever the words hold, initialised or
	 * not: under valgrind, that is not the program's error. */
	ukmem_plat_vg_errors(false);
	ukmem_plat_scan_roots(scan_root, NULL, stack_scan);
	scan_gray_list();
	if (!at_exit) {
		requeue_changed(kmemleak_root);
		scan_gray_list();
	}
	ukmem_plat_start_world();
	n = mark_leaks(kmemleak_root, at_exit);	/* checksums: the same reads */
	ukmem_plat_vg_errors(true);
	return n;
}

/* Theory 4: the floor of the caller's stack is a local of this frame,
 * below the callee-saved registers it spilled. */
__attribute__((noinline))
static int scan_entry(bool at_exit)
{
	volatile uintptr_t floor_mark = 0;
	int n;

	__builtin_unwind_init();
	if (!ukmem_lock(&kmemleak_lock))
		return -EAGAIN;
	n = scan_locked((uintptr_t)&floor_mark, at_exit);
	ukmem_unlock(&kmemleak_lock);
	floor_mark = (uintptr_t)n;	/* keeps the frame (and the spill) live */
	return n;
}

int kmemleak_scan(void)
{
	int n;

	if (!kmemleak_on())
		return -KMEMLEAK_EPERM;
	n = scan_entry(false);
	if (n > 0)
		ukmem_printk("kmemleak: %d new suspected memory leaks "
			     "(see /sys/kernel/debug/kmemleak)\n", n);
	return n;
}

/* ---- reports ---------------------------------------------------------------- */

/* An object copied under the lock, rendered without it (theory 5). */
struct leak_snapshot {
	uintptr_t pointer;
	size_t size;
	int pid, min_count, count;
	unsigned int flags, checksum;
	unsigned long jiffies;
	depot_stack_handle_t trace;
	char comm[16];
	unsigned char head[HEX_ROW_SIZE * HEX_MAX_LINES];
	size_t head_len;
};

__attribute__((no_sanitize("address", "thread")))
static void snapshot_locked(const struct kmemleak_object *o, struct leak_snapshot *s)
{
	s->pointer = o->pointer;
	s->size = o->size;
	s->pid = o->pid;
	s->min_count = o->min_count;
	s->count = o->count;
	s->flags = o->flags;
	s->checksum = o->checksum;
	s->jiffies = o->jiffies;
	s->trace = o->trace;
	__builtin_memcpy(s->comm, o->comm, sizeof(s->comm));
	s->head_len = o->size < sizeof(s->head) ? o->size : sizeof(s->head);
	for (size_t i = 0; i < s->head_len; i++)
		s->head[i] = ((const volatile unsigned char *)o->pointer)[i];
}

/* The first object above after (0: the lowest) that has the flag (a
 * reported one only while still unreferenced), copied, the flag cleared
 * if asked; false when there is none. */
static bool next_snapshot(uintptr_t after, unsigned int flags, bool clear,
			  struct leak_snapshot *s)
{
	struct kmemleak_object *o;
	bool found = false;

	ukmem_lock(&kmemleak_lock);
	for (o = kmemleak_next_locked(after); o; o = kmemleak_next_locked(o->pointer)) {
		if (!(o->flags & flags))
			continue;
		if (flags == OBJECT_REPORTED && !unreferenced(o, true))
			continue;
		snapshot_locked(o, s);
		if (clear)
			o->flags &= ~flags;
		found = true;
		break;
	}
	ukmem_unlock(&kmemleak_lock);
	return found;
}

/* Where a report goes: the control file's buffer, or the log with the
 * kernel's "kmemleak: " prefix on each line (warn_or_seq_printf). */
struct report_out {
	struct seq_buf *seq;
};

static void out(const struct report_out *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out(const struct report_out *r, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	ukmem_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (r->seq)
		ukmem_seq_puts(r->seq, line);
	else
		pr_warn("kmemleak: %s", line);
}

static void print_trace(const struct report_out *r, depot_stack_handle_t trace)
{
	const unsigned long *entries;
	unsigned int nr = stack_depot_fetch(trace, &entries);

	for (unsigned int i = 0; i < nr; i++) {
		char sym[256];
		const char *name = ukmem_plat_symbolize((void *)(uintptr_t)entries[i], sym,
							sizeof(sym));

		if (name)
			out(r, "    [<%p>] %s\n", (void *)(uintptr_t)entries[i], name);
		else
			out(r, "    [<%p>] 0x%lx\n", (void *)(uintptr_t)entries[i], entries[i]);
	}
}

/* The kernel's print_unreferenced. */
static void print_unreferenced(const struct report_out *r, const struct leak_snapshot *s)
{
	out(r, "unreferenced object 0x%08lx (size %zu):\n", (unsigned long)s->pointer, s->size);
	out(r, "  comm \"%s\", pid %d, jiffies %lu\n", s->comm, s->pid, s->jiffies);
	out(r, "  hex dump (first %zu bytes):\n", s->head_len);
	for (size_t off = 0; off < s->head_len; off += HEX_ROW_SIZE) {
		char row[96];
		size_t n = s->head_len - off < HEX_ROW_SIZE ? s->head_len - off : HEX_ROW_SIZE;

		ukmem_hex_dump_row(row, sizeof(row), s->head + off, n);
		out(r, "    %s\n", row);
	}
	out(r, "  backtrace (crc %x):\n", s->checksum);
	print_trace(r, s->trace);
}

int kmemleak_show(struct seq_buf *seq)
{
	struct report_out r = { seq };
	struct leak_snapshot s;
	uintptr_t at = 0;

	while (next_snapshot(at, OBJECT_REPORTED, false, &s)) {
		print_unreferenced(&r, &s);
		at = s.pointer;
	}
	return 0;
}

void kmemleak_scan_at_exit(void)
{
	struct report_out r = { NULL };
	struct leak_snapshot s;
	uintptr_t at = 0;
	int n;

	if (!kmemleak_on())
		return;
	n = scan_entry(true);
	if (n <= 0)
		return;
	while (next_snapshot(at, OBJECT_EXIT_REPORT, true, &s)) {
		print_unreferenced(&r, &s);
		at = s.pointer;
	}
	ukmem_printk("kmemleak: %d new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n",
		     n);
}

/* ---- the control file's commands --------------------------------------------- */

/* "clear": the suspects reported so far become grey, never reported again. */
static void kmemleak_clear(struct kmemleak_object *t)
{
	for (; t; t = t->right) {
		kmemleak_clear(t->left);
		if ((t->flags & OBJECT_REPORTED) && unreferenced(t, true))
			t->min_count = KMEMLEAK_GREY;
	}
}

/* "dump=<addr>": the kernel's dump_object_info for the object that starts
 * there. */
static int dump_object(const char *str)
{
	unsigned long long addr;
	struct kmemleak_object *o;
	struct leak_snapshot s;

	if (ukmem_kstrtoull(str, 0, &addr))
		return -EINVAL;
	ukmem_lock(&kmemleak_lock);
	o = kmemleak_lookup_locked((uintptr_t)addr);
	if (o && o->pointer == (uintptr_t)addr)
		snapshot_locked(o, &s);
	ukmem_unlock(&kmemleak_lock);
	if (!o || o->pointer != (uintptr_t)addr) {
		pr_warn("kmemleak: Unknown object at 0x%08lx\n", (unsigned long)addr);
		return -EINVAL;
	}
	pr_warn("kmemleak: Object 0x%08lx (size %zu):\n", (unsigned long)s.pointer, s.size);
	pr_warn("kmemleak:   comm \"%s\", pid %d, jiffies %lu\n", s.comm, s.pid, s.jiffies);
	pr_warn("kmemleak:   min_count = %d\n", s.min_count);
	pr_warn("kmemleak:   count = %d\n", s.count);
	pr_warn("kmemleak:   flags = 0x%x\n", s.flags & ~OBJECT_EXIT_REPORT);
	pr_warn("kmemleak:   checksum = %u\n", s.checksum);
	pr_warn("kmemleak:   backtrace:\n");
	stack_depot_print(s.trace);
	return 0;
}

static void scan_thread_main(void *arg)
{
	int gen = (int)(long)arg;

	for (;;) {
		uint64_t period = (uint64_t)__atomic_load_n(&scan_period_secs, __ATOMIC_RELAXED) *
				  1000000000ULL;
		uint64_t deadline = ukmem_plat_now_ns() + period;

		for (;;) {
			int w = __atomic_load_n(&scan_thread_wake, __ATOMIC_ACQUIRE);
			uint64_t now = ukmem_plat_now_ns();

			if (__atomic_load_n(&scan_thread_gen, __ATOMIC_ACQUIRE) != gen)
				return;
			if (now >= deadline)
				break;
			ukmem_plat_wait(&scan_thread_wake, w, deadline - now);
		}
		if (kmemleak_on())
			kmemleak_scan();
	}
}

static void stop_scan_thread(void)
{
	if (!__atomic_exchange_n(&scan_thread_running, 0, __ATOMIC_ACQ_REL))
		return;
	__atomic_fetch_add(&scan_thread_gen, 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&scan_thread_wake, 1, __ATOMIC_RELEASE);
	ukmem_plat_wake(&scan_thread_wake, -1);
}

static int start_scan_thread(void)
{
	int gen;

	if (__atomic_exchange_n(&scan_thread_running, 1, __ATOMIC_ACQ_REL))
		return 0;
	gen = __atomic_load_n(&scan_thread_gen, __ATOMIC_ACQUIRE);
	if (!ukmem_plat_thread_start(scan_thread_main, (void *)(long)gen)) {
		__atomic_store_n(&scan_thread_running, 0, __ATOMIC_RELEASE);
		ukmem_printk("kmemleak: Failed to create the scan thread\n");
		return -ENOMEM;
	}
	return 0;
}

void kmemleak_fork_child(void)
{
	__atomic_store_n(&scan_thread_running, 0, __ATOMIC_RELAXED);
	__atomic_fetch_add(&scan_thread_gen, 1, __ATOMIC_RELAXED);
}

static bool is_cmd(const char *buf, const char *cmd)
{
	size_t n = ukmem_strlen(cmd);

	return !ukmem_strncmp(buf, cmd, n) && (buf[n] == '\0' || (buf[n] == '\n' && !buf[n + 1]));
}

/* The kernel's kmemleak_write, command by command. */
int kmemleak_write(const char *buf)
{
	if (is_cmd(buf, "clear")) {
		if (kmemleak_on()) {
			ukmem_lock(&kmemleak_lock);
			kmemleak_clear(kmemleak_root);
			ukmem_unlock(&kmemleak_lock);
		} else if (kmemleak_disabled_for_good()) {
			kmemleak_free_all();
		}
		return 0;
	}
	if (!kmemleak_on())
		return -KMEMLEAK_EPERM;
	if (is_cmd(buf, "off")) {
		stop_scan_thread();
		kmemleak_disable();
	} else if (is_cmd(buf, "stack=on")) {
		__atomic_store_n(&stack_scan, true, __ATOMIC_RELAXED);
	} else if (is_cmd(buf, "stack=off")) {
		__atomic_store_n(&stack_scan, false, __ATOMIC_RELAXED);
	} else if (is_cmd(buf, "scan=on")) {
		return start_scan_thread();
	} else if (is_cmd(buf, "scan=off")) {
		stop_scan_thread();
	} else if (!ukmem_strncmp(buf, "scan=", 5)) {
		unsigned long long secs;

		if (ukmem_kstrtoull(buf + 5, 0, &secs) || secs > 365ULL * 24 * 3600) {
			ukmem_printk("kmemleak: bad scan period '%s': seconds expected\n", buf + 5);
			return -EINVAL;
		}
		stop_scan_thread();
		if (secs) {
			__atomic_store_n(&scan_period_secs, (unsigned long)secs, __ATOMIC_RELAXED);
			return start_scan_thread();
		}
	} else if (is_cmd(buf, "scan")) {
		int n = kmemleak_scan();

		return n < 0 ? n : 0;
	} else if (!ukmem_strncmp(buf, "dump=", 5)) {
		return dump_object(buf + 5);
	} else {
		ukmem_printk("kmemleak: unknown command '%s' (scan, clear, off, stack=on|off, "
			     "scan=on|off, scan=<secs>, dump=<addr>)\n", buf);
		return -EINVAL;
	}
	return 0;
}
