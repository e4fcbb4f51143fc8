/*
 * ukmem/ukmem.h - ukmem's own API: starting it, options, control files,
 * and the hooks of the freestanding (bare) platform.
 *
 * ukmem starts by itself on the first allocation, reading its options from
 * the UKMEM_OPTIONS environment variable (hosted).  A program that wants to
 * choose calls ukmem_init() first.
 *
 * Options are a kernel-style boot command line, words separated by spaces:
 *   mem=SIZE            size of the "physical memory" arena (default: RAM)
 *   zone_dma=SIZE       size of ZONE_DMA (default 16M)
 *   zone_dma32=SIZE     size of ZONE_DMA32 (default: the rest of the first 4G)
 *   zone_highmem=SIZE   size of ZONE_HIGHMEM (default 0)
 *   numa=fake=N         split memory into N nodes (1..UKMEM_MAX_NUMNODES)
 *   min_free_kbytes=N   override the computed reserve
 *   slub_min_order=N, slub_max_order=N, slub_min_objects=N
 *                       SLUB slab geometry (also spelled slab_*)
 *   slab_nomerge, slab_merge
 *                       forbid or allow cache merging (also slub_*)
 *   help                print this table through the log
 * SIZE takes the kernel's suffixes K, M, G, T (powers of 1024).
 */
#ifndef UKMEM_UKMEM_H
#define UKMEM_UKMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <ukmem/types.h> /* ssize_t */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define UKMEM_API __attribute__((visibility("default")))
#else
#define UKMEM_API
#endif

#define UKMEM_MAX_NUMNODES 8

/*
 * Start ukmem with the given options (NULL or "" for the defaults).
 * Returns 0; -EINVAL if an option does not parse, or parses but cannot be
 * laid out (mem= too small, zones larger than mem=, nodes too small):
 * nothing is applied, the reason is logged, and ukmem can still be
 * started; -EBUSY if ukmem has already started; -ENOMEM if the arena
 * cannot be reserved.  The word "help" logs the option table and changes
 * nothing.  A bad UKMEM_OPTIONS is reported once and ukmem starts with its
 * defaults.
 */
UKMEM_API int ukmem_init(const char *options);

/* True once ukmem has started (explicitly or by the first allocation). */
UKMEM_API bool ukmem_initialized(void);

/*
 * One pass of node nid's background reclaimer (kswapd), if a wakeup is
 * pending: what kswapd's thread does hosted, for the bare platform's
 * program to run where its background work runs (or for a test).
 * Returns 1 if there was a wakeup to handle, 0 if not.
 */
UKMEM_API int ukmem_kswapd_run(int nid);

/*
 * The kernel's control files, by their kernel paths ("/proc/buddyinfo",
 * "/proc/sys/vm/min_free_kbytes", ...).  ukmem_ctl_read renders the whole
 * file into buf (always NUL-terminated when size > 0) and returns its
 * length, or -ENOENT for an unknown path, -EINVAL for a bad buffer,
 * -ENOSPC (with the text truncated) if buf is too small.  ukmem_ctl_write
 * returns 0, -ENOENT, -EACCES for a read-only file or -EINVAL for a value
 * that does not parse.  Both return -EAGAIN from a signal handler that
 * interrupted ukmem (the files need locks its thread may hold).
 * Files: /proc/{buddyinfo,pagetypeinfo,zoneinfo,meminfo,vmstat,slabinfo},
 * /proc/sys/vm/{min_free_kbytes,watermark_scale_factor,lowmem_reserve_ratio},
 * /proc/sys/kernel/tainted (read-only: the taint mask)
 * and /sys/kernel/slab/<cache>/<attribute>.
 */
UKMEM_API ssize_t ukmem_ctl_read(const char *path, char *buf, size_t size);
UKMEM_API int ukmem_ctl_write(const char *path, const char *value);

/* Give every page on every CPU's per-CPU page lists back to the buddy
 * allocator (the kernel's drain_all_pages); free blocks of pageblock order
 * and above that this forms go back to the OS. */
UKMEM_API void ukmem_drain_all(void);

/*
 * fork() support for programs that fork while other threads allocate (the
 * malloc front registers these with pthread_atfork): prepare takes every
 * ukmem lock in lock order, parent and child release them, so the child
 * starts with consistent, unlocked allocator state.
 */
UKMEM_API void ukmem_fork_prepare(void);
UKMEM_API void ukmem_fork_parent(void);
UKMEM_API void ukmem_fork_child(void);

/* ---- bare platform ---------------------------------------------------- */

/*
 * Register a region of memory for ukmem to manage (bare platform, before the
 * first allocation or ukmem_init).  zone is an enum zone_type, nid a node
 * number.  base and size need not be aligned: the unaligned edges are not
 * used.  Returns 0, -EINVAL for a bad region (overlapping, too small, bad
 * zone or node), -ENOSPC when the region table is full, -EBUSY after start,
 * -ENOSYS on the hosted platform.
 */
UKMEM_API int ukmem_add_region(void *base, size_t size, int zone, int nid);

/*
 * Lock hooks for the bare platform (for example: disable interrupts, or an
 * RTOS mutex).  Each lock is a pointer to ukmem-owned storage of one int,
 * zero when unlocked; the hooks may use it as they wish.  Pass NULL to go
 * back to the built-in spinlock.  trylock returns nonzero on success.
 * Returns 0, -EINVAL if only some hooks are given, -EBUSY after start,
 * -ENOSYS on the hosted platform.
 */
struct ukmem_lock_hooks {
	void (*lock)(int *word);
	int (*trylock)(int *word);
	void (*unlock)(int *word);
};
UKMEM_API int ukmem_set_lock_hooks(const struct ukmem_lock_hooks *hooks);

/* Send ukmem's messages (reports, warnings) to log instead of the
 * platform's sink (hosted: stderr or the file named by UKMEM_LOG; bare:
 * nowhere).  NULL restores the sink.  log may be called with ukmem locks
 * held: it must not allocate from ukmem. */
UKMEM_API void ukmem_set_log_hook(void (*log)(const char *msg, size_t len));

/* The same, with each message's kernel log level (0 KERN_EMERG .. 7
 * KERN_DEBUG, as printk's): SLUB's and KFENCE's reports are 3 (KERN_ERR),
 * kmemleak's leaks 4 (KERN_WARNING), fault injection's 5 (KERN_NOTICE),
 * SLUB's traces 6 (KERN_INFO); a message without a level is 4, the
 * kernel's default.  Set, it takes precedence over ukmem_set_log_hook's. */
UKMEM_API void ukmem_set_log_level_hook(void (*log)(int level, const char *msg, size_t len));

#ifdef __cplusplus
}
#endif

#endif /* UKMEM_UKMEM_H */
