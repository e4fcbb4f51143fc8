/*
 * fault_inject.c - the kernel's fault-injection framework: should_fail,
 * the boot syntax, the "FAULT_INJECTION: forcing a failure." report, the
 * per-thread make-it-fail mark, and the attribute files by name.
 *
 * Theory
 * ------
 * A capability (failslab, fail_page_alloc) owns a struct fault_attr and
 * asks should_fail_ex() at its allocation site.  The decision follows
 * lib/fault-inject.c step by step, so a kernel developer's settings mean
 * the same here:
 *
 *   1. probability 0: never (the common case once switched off);
 *   2. task-filter: only a thread marked by ukmem_fault_make_it_fail(1),
 *      and not while it runs as an interrupt (ukmem_irq_enter);
 *   3. times 0: no failures left;
 *   4. space: while more than size bytes of space are left, the call
 *      passes and takes size from it;
 *   5. interval > 1: only every interval-th call that got here;
 *   6. probability: a draw below 100;
 *   7. the stack filter: some caller among the first stacktrace-depth
 *      frames lies in [require-start, require-end), none in
 *      [reject-start, reject-end);
 *   then the failure is reported (verbose, rate-limited) and takes one
 *   from times unless times is -1.
 *
 * Concurrency: the attributes change under running calls (control-file
 * writes) and times, space and count are consumed by every thread, so all
 * of them are accessed with relaxed atomics.  A call decides on whatever
 * mix of old and new values it sees; the kernel gives no more.  times is
 * decremented by compare-and-swap so that it never passes 0.
 *
 * Randomness: a xorshift64* generator per thread, seeded from the clock,
 * the thread id and the address of its own state; good enough to fail
 * "about p percent" of calls, and it needs no lock and no libc.
 *
 * The registry: the owners register their directory (struct fault_dir)
 * when their layer starts, so the stats layer finds the attributes by name
 * without calling up into page or slab.  Directories are only added, onto
 * a list whose head is published with a release store.
 *
 * Differences from the kernel: the fail-nth per-task counter is not kept;
 * probability above 100 is refused by the control file (the kernel takes
 * it and fails every call); verbose_ratelimit_interval_ms is in
 * milliseconds (the kernel's file holds jiffies despite its name).
 *
 * Locks: none.  The report's rate limit is lib/printk.c's, whose state a
 * read or write of verbose_ratelimit_* only tries to take (a signal handler
 * could interrupt its holder): a busy state returns -EAGAIN.
 */
#include <ukmem/fault-inject.h>
#include <ukmem/preempt.h>

#include "lib/errno.h"
#include "lib/fault_inject.h"
#include "platform/platform.h"

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#define FAULT_INT_MAX	0x7fffffffLL
#define NS_PER_MS	1000000ULL

/* ---- the thread: make-it-fail and the random draw -------------------------- */

static UKMEM_THREAD_LOCAL bool make_it_fail;
static UKMEM_THREAD_LOCAL uint64_t prng_state;

UKMEM_API int ukmem_fault_make_it_fail(int on)
{
	int old = make_it_fail;

	if (on != 0 && on != 1)
		return -EINVAL;
	make_it_fail = on;
	return old;
}

/* The kernel's fail_task: a marked thread, in task context. */
static bool fail_task(void)
{
	return make_it_fail && in_task();
}

/* A number in [0, n): xorshift64* scaled by multiplication, not modulo,
 * so every value is equally likely to within 2^-32. */
static uint32_t random_below(uint32_t n)
{
	uint64_t x = prng_state;

	if (__builtin_expect(x == 0, 0)) {
		x = ukmem_plat_now_ns() ^ ((uint64_t)(unsigned int)ukmem_plat_tid() << 32) ^
		    (uint64_t)(uintptr_t)&prng_state;
		/* splitmix64's finaliser spreads a seed with few changing bits. */
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
		x = (x ^ (x >> 31)) | 1;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	prng_state = x;
	return (uint32_t)((((x * 0x2545f4914f6cdd1dULL) >> 32) * n) >> 32);
}

/* ---- the boot syntax --------------------------------------------------------- */

/* One number of the boot string, ending at `end`; memparse's grammar, as
 * lib/options.c checks it, with an optional '-' where signed. */
static bool parse_field(const char **p, char end, bool is_signed, unsigned long long max,
			long long *out)
{
	bool neg = is_signed && **p == '-';
	bool overflow = false;
	const char *s = *p + neg, *e;
	unsigned long long v = ukmem_memparse(s, &e, &overflow);

	if (e == s || overflow || *e != end || v > max + neg)
		return false;
	*out = neg ? -(long long)v : (long long)v;
	*p = e + 1;
	return true;
}

int fault_attr_setup(struct fault_attr *attr, const char *str)
{
	long long interval, probability, space, times;
	const char *p = str;

	if (!p || !parse_field(&p, ',', false, ~0UL, &interval) ||
	    !parse_field(&p, ',', false, 100, &probability) ||
	    !parse_field(&p, ',', true, FAULT_INT_MAX, &space) ||
	    !parse_field(&p, '\0', true, FAULT_INT_MAX, &times)) {
		ukmem_printk("FAULT_INJECTION: failed to parse arguments\n");
		return -EINVAL;
	}
	STORE(attr->probability, (unsigned long)probability);
	STORE(attr->interval, (unsigned long)interval);
	STORE(attr->times, (int)times);
	STORE(attr->space, (int)space);
	return 0;
}

/* ---- the decision ------------------------------------------------------------------ */

/* The kernel's fail_dump: the report, then (verbose 2) the stack. */
static void fail_dump(struct fault_attr *attr)
{
	unsigned long verbose = LOAD(attr->verbose);

	if (verbose == 0 || !ukmem_ratelimit(&attr->ratelimit))
		return;
	pr_notice("FAULT_INJECTION: forcing a failure.\n"
		  "name %s, interval %lu, probability %lu, space %d, times %d\n", attr->name,
		  LOAD(attr->interval), LOAD(attr->probability), LOAD(attr->space),
		  LOAD(attr->times));
	if (verbose > 1)
		dump_stack();
}

/* The kernel's fail_stacktrace: the whole address space required and
 * nothing rejected needs no walk. */
static bool fail_stacktrace(struct fault_attr *attr)
{
	unsigned long depth = LOAD(attr->stacktrace_depth);
	unsigned long req_start = LOAD(attr->require_start), req_end = LOAD(attr->require_end);
	unsigned long rej_start = LOAD(attr->reject_start), rej_end = LOAD(attr->reject_end);
	bool found = req_start == 0 && req_end == ~0UL;
	void *entries[FAULT_STACKTRACE_MAX];
	int n;

	if (depth == 0 || (found && !rej_start && !rej_end))
		return found;
	if (depth > FAULT_STACKTRACE_MAX)
		depth = FAULT_STACKTRACE_MAX;
	n = ukmem_plat_backtrace(entries, (int)depth, 1);
	for (int i = 0; i < n; i++) {
		unsigned long addr = (unsigned long)(uintptr_t)entries[i];

		if (rej_start <= addr && addr < rej_end)
			return false;
		if (req_start <= addr && addr < req_end)
			found = true;
	}
	return found;
}

/* One failure used: times goes down unless it is -1, and never below 0. */
static void times_consume(struct fault_attr *attr)
{
	int t = LOAD(attr->times);

	while (t != 0 && t != -1 &&
	       !__atomic_compare_exchange_n(&attr->times, &t, t - 1, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

bool should_fail_ex(struct fault_attr *attr, long size, int flags)
{
	unsigned long interval;

	if (LOAD(attr->probability) == 0)
		return false;
	if (LOAD(attr->task_filter) && !fail_task())
		return false;
	if (LOAD(attr->times) == 0)
		return false;
	if ((long)LOAD(attr->space) > size) {
		__atomic_fetch_sub(&attr->space, (int)size, __ATOMIC_RELAXED);
		return false;
	}
	interval = LOAD(attr->interval);
	if (interval > 1 && __atomic_add_fetch(&attr->count, 1, __ATOMIC_RELAXED) % interval)
		return false;
	if (LOAD(attr->probability) <= random_below(100))
		return false;
	if (!fail_stacktrace(attr))
		return false;
	if (!(flags & FAULT_NOWARN))
		fail_dump(attr);
	times_consume(attr);
	return true;
}

bool fault_attr_possible(const struct fault_attr *attr)
{
	return LOAD(attr->probability) != 0 && LOAD(attr->times) != 0;
}

/* A full barrier.  ThreadSanitizer does not know fences: there, a
 * sequentially consistent read-modify-write of one word stands in for it,
 * which TSan does order (every gate update goes through it). */
#if defined(__SANITIZE_THREAD__)
static int gate_fence_word;
#define gate_fence() __atomic_fetch_add(&gate_fence_word, 0, __ATOMIC_SEQ_CST)
#else
#define gate_fence() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

void fault_attr_update_gate(const struct fault_attr *attr, void (*set)(bool open))
{
	if (!fault_attr_possible(attr)) {
		set(false);
		gate_fence();
		if (!fault_attr_possible(attr))
			return;
	}
	gate_fence();
	set(true);
}

/* ---- the registry ---------------------------------------------------------------- */

static struct fault_dir *fault_dirs;

struct fault_dir *fault_dir_lookup(const char *name)
{
	for (struct fault_dir *d = __atomic_load_n(&fault_dirs, __ATOMIC_ACQUIRE); d; d = d->next)
		if (!ukmem_strcmp(d->attr->name, name))
			return d;
	return NULL;
}

/* Owners register from their layer's start, which runs once; a second
 * registration of the same directory is a no-op. */
void fault_dir_register(struct fault_dir *dir)
{
	struct fault_dir *head = __atomic_load_n(&fault_dirs, __ATOMIC_ACQUIRE);

	for (struct fault_dir *d = head; d; d = d->next)
		if (d == dir)
			return;
	do
		dir->next = head;
	while (!__atomic_compare_exchange_n(&fault_dirs, &head, dir, false, __ATOMIC_RELEASE,
					    __ATOMIC_ACQUIRE));
}

void fault_dir_start(struct fault_dir *dir, const char *boot_str)
{
	if (boot_str && *boot_str)
		fault_attr_setup(dir->attr, boot_str);
	fault_dir_register(dir);
	if (dir->changed)
		dir->changed();
}

/* ---- the files --------------------------------------------------------------------- */

/* The kinds of value a file holds, each printed and parsed as the
 * kernel's debugfs helper of that type does. */
enum value_kind {
	KIND_UL,	/* debugfs_create_ul: %llu */
	KIND_INT,	/* debugfs_create_atomic_t: %lld, signed */
	KIND_U32,	/* debugfs_create_u32: %llu */
	KIND_BOOL,	/* debugfs_create_bool: Y or N */
	KIND_XUL,	/* debugfs_create_xul: 0x and every hex digit of a long */
};

enum attr_file {
	FILE_PROBABILITY, FILE_INTERVAL, FILE_TIMES, FILE_SPACE, FILE_VERBOSE,
	FILE_RATELIMIT_INTERVAL, FILE_RATELIMIT_BURST, FILE_TASK_FILTER,
	FILE_STACKTRACE_DEPTH, FILE_REQUIRE_START, FILE_REQUIRE_END, FILE_REJECT_START,
	FILE_REJECT_END, NR_ATTR_FILES
};

/* The files of fault_create_debugfs_attr, in its order. */
static const struct {
	const char *name;
	enum value_kind kind;
} attr_files[NR_ATTR_FILES] = {
	[FILE_PROBABILITY] = { "probability", KIND_UL },
	[FILE_INTERVAL] = { "interval", KIND_UL },
	[FILE_TIMES] = { "times", KIND_INT },
	[FILE_SPACE] = { "space", KIND_INT },
	[FILE_VERBOSE] = { "verbose", KIND_UL },
	[FILE_RATELIMIT_INTERVAL] = { "verbose_ratelimit_interval_ms", KIND_U32 },
	[FILE_RATELIMIT_BURST] = { "verbose_ratelimit_burst", KIND_U32 },
	[FILE_TASK_FILTER] = { "task-filter", KIND_BOOL },
	[FILE_STACKTRACE_DEPTH] = { "stacktrace-depth", KIND_UL },
	[FILE_REQUIRE_START] = { "require-start", KIND_XUL },
	[FILE_REQUIRE_END] = { "require-end", KIND_XUL },
	[FILE_REJECT_START] = { "reject-start", KIND_XUL },
	[FILE_REJECT_END] = { "reject-end", KIND_XUL },
};

/* A parsed value: u for the unsigned kinds and bool, i for KIND_INT. */
union value {
	unsigned long long u;
	long long i;
};

static void show_value(struct seq_buf *s, enum value_kind kind, union value v)
{
	switch (kind) {
	case KIND_INT:
		ukmem_seq_printf(s, "%lld\n", v.i);
		break;
	case KIND_BOOL:
		ukmem_seq_puts(s, v.u ? "Y\n" : "N\n");
		break;
	case KIND_XUL:
		ukmem_seq_printf(s, "0x%0*llx\n", (int)(2 * sizeof(long)), v.u);
		break;
	default:
		ukmem_seq_printf(s, "%llu\n", v.u);
		break;
	}
}

/* The kernel's kstrtobool: the first character decides; "on"/"off". */
static int parse_bool(const char *s, bool *out)
{
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*out = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*out = false;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N') {
			*out = true;
			return 0;
		}
		if (s[1] == 'f' || s[1] == 'F') {
			*out = false;
			return 0;
		}
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

/* Parse value as kind, no larger than max (unsigned kinds).  0 or
 * -EINVAL reported with the bad value and what was expected. */
static int parse_value(const struct fault_dir *dir, const char *file, enum value_kind kind,
		       unsigned long long max, const char *value, union value *out)
{
	const char *expect = "an integer";
	bool b;
	int i;

	switch (kind) {
	case KIND_BOOL:
		expect = "Y or N";
		if (!parse_bool(value, &b)) {
			out->u = b;
			return 0;
		}
		break;
	case KIND_INT:
		expect = "an integer that fits an int";
		if (!ukmem_kstrtoint(value, 0, &i)) {
			out->i = i;
			return 0;
		}
		break;
	default:
		if (!ukmem_kstrtoull(value, 0, &out->u) && out->u <= max)
			return 0;
		if (max == 100)
			expect = "a percentage, 0..100";
		else if (max == 0xffffffffULL)
			expect = "an unsigned 32-bit integer";
		else
			expect = "an unsigned integer";
		break;
	}
	ukmem_printk("ukmem: bad value '%s' for /sys/kernel/debug/%s/%s (%s)\n", value,
		     dir->attr->name, file, expect);
	return -EINVAL;
}

static union value attr_get(const struct fault_attr *attr, enum attr_file f)
{
	union value v = { 0 };

	switch (f) {
	case FILE_PROBABILITY: v.u = LOAD(attr->probability); break;
	case FILE_INTERVAL: v.u = LOAD(attr->interval); break;
	case FILE_TIMES: v.i = LOAD(attr->times); break;
	case FILE_SPACE: v.i = LOAD(attr->space); break;
	case FILE_VERBOSE: v.u = LOAD(attr->verbose); break;
	case FILE_TASK_FILTER: v.u = LOAD(attr->task_filter); break;
	case FILE_STACKTRACE_DEPTH: v.u = LOAD(attr->stacktrace_depth); break;
	case FILE_REQUIRE_START: v.u = LOAD(attr->require_start); break;
	case FILE_REQUIRE_END: v.u = LOAD(attr->require_end); break;
	case FILE_REJECT_START: v.u = LOAD(attr->reject_start); break;
	case FILE_REJECT_END: v.u = LOAD(attr->reject_end); break;
	default: break;
	}
	return v;
}

/* The rate limit's state is lib/printk.c's, read and changed under its
 * flag (plain accesses: a 64-bit atomic is a library call on 32-bit
 * boards): tried a while, never waited for, as its holder may be this
 * thread.  -EAGAIN if it stays busy. */
static int ratelimit_access(struct ratelimit_state *rs, enum attr_file f, bool set,
			    union value *v)
{
	for (int tries = 0; tries < 1000; tries++) {
		if (!__atomic_exchange_n(&rs->lock, 1, __ATOMIC_ACQUIRE)) {
			if (f == FILE_RATELIMIT_INTERVAL && set)
				rs->interval_ns = v->u * NS_PER_MS;
			else if (f == FILE_RATELIMIT_INTERVAL)
				v->u = rs->interval_ns / NS_PER_MS;
			else if (set)
				rs->burst = (int)v->u;
			else
				v->u = (unsigned int)rs->burst;
			__atomic_store_n(&rs->lock, 0, __ATOMIC_RELEASE);
			return 0;
		}
		ukmem_plat_relax();
	}
	return -EAGAIN;
}

static int attr_set(struct fault_attr *attr, enum attr_file f, union value v)
{
	switch (f) {
	case FILE_PROBABILITY: STORE(attr->probability, (unsigned long)v.u); break;
	case FILE_INTERVAL: STORE(attr->interval, (unsigned long)v.u); break;
	case FILE_TIMES: STORE(attr->times, (int)v.i); break;
	case FILE_SPACE: STORE(attr->space, (int)v.i); break;
	case FILE_VERBOSE: STORE(attr->verbose, (unsigned long)v.u); break;
	case FILE_RATELIMIT_INTERVAL:
	case FILE_RATELIMIT_BURST:
		return ratelimit_access(&attr->ratelimit, f, true, &v);
	case FILE_TASK_FILTER: STORE(attr->task_filter, v.u != 0); break;
	case FILE_STACKTRACE_DEPTH:
		/* The kernel clamps rather than refuses. */
		STORE(attr->stacktrace_depth,
		      (unsigned long)(v.u < FAULT_STACKTRACE_MAX ? v.u : FAULT_STACKTRACE_MAX));
		break;
	case FILE_REQUIRE_START: STORE(attr->require_start, (unsigned long)v.u); break;
	case FILE_REQUIRE_END: STORE(attr->require_end, (unsigned long)v.u); break;
	case FILE_REJECT_START: STORE(attr->reject_start, (unsigned long)v.u); break;
	case FILE_REJECT_END: STORE(attr->reject_end, (unsigned long)v.u); break;
	default: break;
	}
	return 0;
}

static int attr_file_lookup(const char *file)
{
	for (int f = 0; f < NR_ATTR_FILES; f++)
		if (!ukmem_strcmp(attr_files[f].name, file))
			return f;
	return -1;
}

static const struct fault_file *own_file_lookup(const struct fault_dir *dir, const char *file)
{
	for (unsigned int i = 0; i < dir->nr_files; i++)
		if (!ukmem_strcmp(dir->files[i].name, file))
			return &dir->files[i];
	return NULL;
}

int fault_dir_show(struct fault_dir *dir, const char *file, struct seq_buf *s)
{
	int f = attr_file_lookup(file);
	const struct fault_file *own;
	union value v = { 0 };

	if (f == FILE_RATELIMIT_INTERVAL || f == FILE_RATELIMIT_BURST) {
		if (ratelimit_access(&dir->attr->ratelimit, (enum attr_file)f, false, &v))
			return -EAGAIN;
		show_value(s, KIND_U32, v);
		return 0;
	}
	if (f >= 0) {
		show_value(s, attr_files[f].kind, attr_get(dir->attr, (enum attr_file)f));
		return 0;
	}
	own = own_file_lookup(dir, file);
	if (!own)
		return -ENOENT;
	if (own->kind == FAULT_FILE_BOOL)
		v.u = __atomic_load_n((bool *)own->value, __ATOMIC_RELAXED);
	else
		v.u = __atomic_load_n((unsigned int *)own->value, __ATOMIC_RELAXED);
	show_value(s, own->kind == FAULT_FILE_BOOL ? KIND_BOOL : KIND_U32, v);
	return 0;
}

int fault_dir_store(struct fault_dir *dir, const char *file, const char *value)
{
	int f = attr_file_lookup(file);
	const struct fault_file *own = f < 0 ? own_file_lookup(dir, file) : NULL;
	union value v;
	int ret;

	if (f >= 0) {
		enum value_kind kind = attr_files[f].kind;
		unsigned long long max = kind == KIND_U32 ? 0xffffffffULL : ~0UL;

		if (f == FILE_PROBABILITY)
			max = 100;
		else if (f == FILE_RATELIMIT_BURST)
			max = FAULT_INT_MAX;	/* the state's burst is an int */
		if (parse_value(dir, file, kind, max, value, &v))
			return -EINVAL;
		ret = attr_set(dir->attr, (enum attr_file)f, v);
	} else if (own) {
		bool is_bool = own->kind == FAULT_FILE_BOOL;

		if (parse_value(dir, file, is_bool ? KIND_BOOL : KIND_U32, 0xffffffffULL, value, &v))
			return -EINVAL;
		if (is_bool)
			__atomic_store_n((bool *)own->value, v.u != 0, __ATOMIC_RELAXED);
		else
			__atomic_store_n((unsigned int *)own->value, (unsigned int)v.u,
					 __ATOMIC_RELAXED);
		ret = 0;
	} else {
		return -ENOENT;
	}
	if (ret == 0 && dir->changed)
		dir->changed();
	return ret;
}
