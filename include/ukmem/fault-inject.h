/*
 * ukmem/fault-inject.h - failures on purpose, as the kernel's fault
 * injection (Documentation/fault-injection/fault-injection.rst): failslab
 * fails slab allocations (kmalloc, kmem_cache_alloc), fail_page_alloc
 * fails page allocations (alloc_pages), so that a program's error paths
 * run under test.
 *
 * Switched on by a boot option, "<interval>,<probability>,<space>,<times>":
 *   UKMEM_OPTIONS="failslab=1,100,0,3"   the next 3 eligible kmallocs fail
 * or at run time through the control files, one directory each, with the
 * kernel's files and formats:
 *   ukmem_ctl_write("/sys/kernel/debug/failslab/probability", "10");
 *   /sys/kernel/debug/{failslab,fail_page_alloc}/
 *     probability (percent), interval, times (-1: no limit), space,
 *     verbose (0, 1: report, 2: report and stack), verbose_ratelimit_interval_ms,
 *     verbose_ratelimit_burst, task-filter (Y/N), stacktrace-depth,
 *     require-start, require-end, reject-start, reject-end (hex addresses),
 *     ignore-gfp-wait (Y by default: allocations that may sleep never fail),
 *   failslab/cache-filter (Y: only caches with SLAB_FAILSLAB fail),
 *   fail_page_alloc/ignore-gfp-highmem, fail_page_alloc/min-order (1).
 * __GFP_NOFAIL allocations never fail; __GFP_NOWARN ones fail silently.
 */
#ifndef UKMEM_FAULT_INJECT_H
#define UKMEM_FAULT_INJECT_H

#include <ukmem/ukmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Mark the calling thread (on 1) or unmark it (on 0) as one whose
 * allocations may fail while a capability's task-filter is Y: the
 * kernel's /proc/<pid>/make-it-fail.  Returns the thread's previous mark
 * (0 or 1), or -EINVAL for any other value of on.  New threads start
 * unmarked.
 */
UKMEM_API int ukmem_fault_make_it_fail(int on);

#ifdef __cplusplus
}
#endif

#endif /* UKMEM_FAULT_INJECT_H */
