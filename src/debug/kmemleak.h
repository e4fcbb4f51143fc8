/*
 * kmemleak.h - what the layers above may use of kmemleak (through
 * debug/debug.h): the switch, the scan and the control file.  The tracking
 * calls are the public API (<ukmem/kmemleak.h>: kmemleak_alloc,
 * kmemleak_free, ...), which the slab layer calls on its slow paths while
 * DEBUG_HOOK_KMEMLEAK is set.  src/debug/kmemleak.c says how it works.
 */
#ifndef UKMEM_DEBUG_KMEMLEAK_H
#define UKMEM_DEBUG_KMEMLEAK_H

#include <ukmem/kmemleak.h>

#include "lib/lib.h"

/* 1 while kmemleak tracks objects (the one branch of every entry point). */
extern int kmemleak_enabled UKMEM_HIDDEN;

static inline bool kmemleak_on(void)
{
	return __atomic_load_n(&kmemleak_enabled, __ATOMIC_RELAXED) != 0;
}

/*
 * The option kmemleak=on|off (-1 unset: off), from the slab layer's start,
 * before any object exists.  On: sets DEBUG_HOOK_KMEMLEAK and arranges the
 * scan at exit.  0, or -ENOSYS on a bare board (refused with a message),
 * or -EPERM once switched off for good ("off", or an internal error).
 */
int kmemleak_setup(int on);

/*
 * One scan now (the control file's "scan"): the number of new suspected
 * leaks (each reported once, by the kernel's one-line message), or
 * -EPERM when kmemleak is off.  Objects younger than the minimum age
 * (5 s, MSECS_MIN_AGE) or changed since the last scan wait for a later one.
 */
int kmemleak_scan(void);

/* /sys/kernel/debug/kmemleak: the report of every current suspect, and
 * the commands (scan, clear, off, stack=on|off, scan=on|off, scan=<secs>,
 * dump=<addr>); -EINVAL (with a message) for anything else. */
int kmemleak_show(struct seq_buf *s);
int kmemleak_write(const char *cmd);

/* fork(): the child has no scan thread; "scan=on" starts one again. */
void kmemleak_fork_child(void);

/* Tests: the minimum age in milliseconds (default 5000). */
void kmemleak_set_min_age_ms(unsigned long ms);

/* Objects tracked now (tests, the bench). */
unsigned long kmemleak_nr_objects(void);

#endif /* UKMEM_DEBUG_KMEMLEAK_H */
