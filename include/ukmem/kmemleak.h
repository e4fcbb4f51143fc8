/*
 * ukmem/kmemleak.h - the kernel memory leak detector's API, with the names
 * and signatures of Linux 6.6 <linux/kmemleak.h>.
 *
 * With the option kmemleak=on every slab object, large kmalloc block and
 * vmalloc area is tracked already; these calls are for memory ukmem does
 * not hand out (or hands out in a way the program wants to describe):
 * register a block, tell kmemleak that a block is no leak, or narrow what
 * of it is scanned.  The control file /sys/kernel/debug/kmemleak
 * (ukmem_ctl_read/ukmem_ctl_write) runs scans and shows the report.  When
 * kmemleak is off every call returns at once.
 *
 * The Linux names are inline functions over ukmem_-prefixed symbols, so
 * linking ukmem never clashes with another library's kmemleak_alloc.
 */
#ifndef UKMEM_KMEMLEAK_H
#define UKMEM_KMEMLEAK_H

#include <stddef.h>
#include <ukmem/gfp.h>
#include <ukmem/ukmem.h>

#ifdef __cplusplus
extern "C" {
#endif

UKMEM_API void ukmem_kmemleak_alloc(const void *ptr, size_t size, int min_count, gfp_t gfp);
UKMEM_API void ukmem_kmemleak_free(const void *ptr);
UKMEM_API void ukmem_kmemleak_free_part(const void *ptr, size_t size);
UKMEM_API void ukmem_kmemleak_not_leak(const void *ptr);
UKMEM_API void ukmem_kmemleak_ignore(const void *ptr);
UKMEM_API void ukmem_kmemleak_scan_area(const void *ptr, size_t size, gfp_t gfp);
UKMEM_API void ukmem_kmemleak_no_scan(const void *ptr);

/*
 * Track the block [ptr, ptr + size): it is reported when a scan finds
 * fewer than min_count references to it (0: never reported, but scanned;
 * -1: never reported and never scanned).  gfp is the allocation's own:
 * kmemleak's metadata never reclaims.
 */
static inline void kmemleak_alloc(const void *ptr, size_t size, int min_count, gfp_t gfp)
{
	ukmem_kmemleak_alloc(ptr, size, min_count, gfp);
}

/* Stop tracking the block that starts at ptr (before it is freed). */
static inline void kmemleak_free(const void *ptr)
{
	ukmem_kmemleak_free(ptr);
}

/* The block was partly freed: [ptr, ptr + size) is gone, what is left on
 * either side stays tracked as its own block. */
static inline void kmemleak_free_part(const void *ptr, size_t size)
{
	ukmem_kmemleak_free_part(ptr, size);
}

/* Never report the block, but keep scanning it for references. */
static inline void kmemleak_not_leak(const void *ptr)
{
	ukmem_kmemleak_not_leak(ptr);
}

/* Never report the block and never scan it. */
static inline void kmemleak_ignore(const void *ptr)
{
	ukmem_kmemleak_ignore(ptr);
}

/* Scan only the given areas of the block (any number of calls), e.g. to
 * keep a large buffer of data out of the scan but not its header. */
static inline void kmemleak_scan_area(const void *ptr, size_t size, gfp_t gfp)
{
	ukmem_kmemleak_scan_area(ptr, size, gfp);
}

/* Do not scan the block (it holds no pointers); it may still be reported. */
static inline void kmemleak_no_scan(const void *ptr)
{
	ukmem_kmemleak_no_scan(ptr);
}

#ifdef __cplusplus
}
#endif

#endif /* UKMEM_KMEMLEAK_H */
