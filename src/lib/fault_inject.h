/*
 * fault_inject.h - the kernel's fault-injection framework
 * (lib/fault-inject.c, Documentation/fault-injection/fault-injection.rst):
 * a set of attributes that decides, call by call, whether an allocation
 * site fails on purpose.  failslab (src/slab/failslab.c) and
 * fail_page_alloc (src/page/fail_page_alloc.c) each own one; this file
 * gives them the decision, the boot syntax, the report, and the
 * attribute files by name, which the stats layer serves under
 * /sys/kernel/debug/<name>/ (src/stats/debugfs_fault.c).
 */
#ifndef UKMEM_LIB_FAULT_INJECT_H
#define UKMEM_LIB_FAULT_INJECT_H

#include "lib/lib.h"

/* The deepest stack trace the address filter walks (and the largest
 * stacktrace-depth a write keeps), as the kernel's MAX_STACK_TRACE_DEPTH. */
#define FAULT_STACKTRACE_MAX	32

/*
 * One fault-injection capability.  Every field may change under running
 * allocations (a control-file write), so each is read and written with
 * relaxed atomics; a call decides on the values it happens to see, as in
 * the kernel.  times and space count down as calls consume them.
 */
struct fault_attr {
	const char *name;		/* the debugfs directory, printed by the report */
	unsigned long probability;	/* percent of eligible calls that fail, 0..100 */
	unsigned long interval;		/* only every interval-th eligible call may fail */
	int times;			/* failures left; -1: no limit */
	int space;			/* bytes that pass before failures start */
	unsigned long verbose;		/* 0 quiet, 1 the report, 2 the report and a stack */
	bool task_filter;		/* only threads marked with make-it-fail */
	unsigned long stacktrace_depth;	/* frames the address filter walks */
	unsigned long require_start, require_end;	/* a caller must lie in [start, end) */
	unsigned long reject_start, reject_end;		/* no caller may lie in [start, end) */
	unsigned long count;		/* calls that reached the interval test */
	struct ratelimit_state ratelimit;	/* of the reports (interval 0: none) */
};

/* The kernel's FAULT_ATTR_INITIALIZER: off (probability 0), one failure
 * once on, every call eligible, any caller, reports with a stack trace
 * and no rate limit (burst 10 once an interval is set). */
#define FAULT_ATTR_INITIALIZER(dname) {						\
	.name = (dname), .interval = 1, .times = 1, .verbose = 2,		\
	.stacktrace_depth = FAULT_STACKTRACE_MAX, .require_end = ~0UL,		\
	.ratelimit = { .interval_ns = 0, .burst = 10 },				\
}

/* should_fail_ex flags: __GFP_NOWARN callers fail without the report. */
#define FAULT_NOWARN	0x1

/*
 * The boot syntax "<interval>,<probability>,<space>,<times>" (the kernel's
 * setup_fault_attr; numbers as lib/options.c checks them).  Sets the four
 * and nothing else; 0, or -EINVAL reported and attr unchanged.
 */
int fault_attr_setup(struct fault_attr *attr, const char *str);

/*
 * Should this call fail?  size is what the call asks for (bytes for
 * failslab, pages for fail_page_alloc), counted against space.  The
 * kernel's order: probability 0, the task filter, times, space, interval,
 * the random draw, the stack filter; a failure is reported (unless
 * FAULT_NOWARN) and takes one from times.
 */
bool should_fail_ex(struct fault_attr *attr, long size, int flags);

static inline bool should_fail(struct fault_attr *attr, long size)
{
	return should_fail_ex(attr, size, 0);
}

/* Can the attributes fail any call at all (probability > 0, times != 0)?
 * The owners switch their hook on and off by it. */
bool fault_attr_possible(const struct fault_attr *attr);

/*
 * Keep a gate (a flag the allocation path tests before it calls
 * should_fail) open exactly while attr can fail: set(false) only when
 * nothing can fail, then look again, so a write that armed failures
 * between the look and the clear is not lost.  The fences pair the
 * attribute stores with the gate: of a clear and a set that race, either
 * the set is the later store, or the clearer sees the attributes that made
 * the setter set.
 */
void fault_attr_update_gate(const struct fault_attr *attr, void (*set)(bool open));

/* ---- the control files ------------------------------------------------------ */

/* An attribute file that a capability adds to the common ones
 * (failslab's cache-filter, fail_page_alloc's min-order, ...). */
enum fault_file_kind {
	FAULT_FILE_BOOL,	/* bool *: Y or N */
	FAULT_FILE_U32,		/* unsigned int *: decimal */
};

struct fault_file {
	const char *name;
	enum fault_file_kind kind;
	void *value;
};

/*
 * A capability's directory: its attributes, its own files, and what to do
 * after a write (changed: recompute whether the hook must run; may be
 * NULL).  Registered once by the owner when its layer starts; the
 * registration stays for the life of the program.
 */
struct fault_dir {
	struct fault_attr *attr;
	const struct fault_file *files;
	unsigned int nr_files;
	void (*changed)(void);
	struct fault_dir *next;		/* the registry, newest first */
};

void fault_dir_register(struct fault_dir *dir);

/* A capability's start: its boot string (the kernel's fail_page_alloc=
 * and failslab= options; NULL or empty for none) into its attributes,
 * the directory registered, and changed() run once. */
void fault_dir_start(struct fault_dir *dir, const char *boot_str);

/* The registered directory of that name, or NULL. */
struct fault_dir *fault_dir_lookup(const char *name);

/*
 * Read or write one file of a directory by its name ("probability",
 * "task-filter", ...), formatted as the kernel's debugfs files are.  Show:
 * 0 or -ENOENT.  Store: 0; -ENOENT for no such file; -EINVAL, reported
 * with the bad value, for a value that does not parse or is out of range
 * (nothing changes then).  Both: -EAGAIN for verbose_ratelimit_* while
 * the report's rate limit is busy (a signal handler that interrupted it).
 */
int fault_dir_show(struct fault_dir *dir, const char *file, struct seq_buf *s);
int fault_dir_store(struct fault_dir *dir, const char *file, const char *value);

#endif /* UKMEM_LIB_FAULT_INJECT_H */
