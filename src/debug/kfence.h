/*
 * kfence.h - KFENCE, the kernel's sampling memory-error detector, for
 * ukmem's slab objects (src/debug/kfence.c says how it works).
 *
 * What the slab layer calls:
 *   kfence_setup        once, from its start, with the two options;
 *   kfence_alloc        on the allocation slow path while
 *                       DEBUG_HOOK_KFENCE is set, before anything else
 *                       and with no ukmem lock held (it may start the
 *                       sampling thread);
 *   is_kfence_address   on a free that is not a slab free, and then
 *   kfence_free, kfence_ksize, kfence_object_cache for such pointers.
 * The stats layer renders /sys/kernel/debug/kfence/{stats,objects} with
 * kfence_stats_show and kfence_objects_show.
 */
#ifndef UKMEM_DEBUG_KFENCE_H
#define UKMEM_DEBUG_KFENCE_H

#include <ukmem/gfp.h>

#include "lib/lib.h"

/*
 * Start KFENCE: sample_interval_ms is kfence.sample_interval= (0 off, -1
 * unset: leaves KFENCE as it is), num_objects kfence.num_objects= (-1
 * unset: 255).  Hosted: maps the pool, installs the fault handler and arms
 * the first sample; the sampling thread starts with the first sample taken
 * from a thread that holds no ukmem lock.  Called again once the pool
 * exists, it changes the interval (0 switches sampling off) but not the
 * pool's size.  Bare: an interval > 0 is refused ("kfence: not available
 * on this platform").  0, or -EINVAL / -ENOMEM.
 */
int kfence_setup(int sample_interval_ms, int num_objects);

/* The pool's bounds: 0 and 0 until kfence_setup maps it, then fixed. */
extern uintptr_t kfence_pool_addr UKMEM_HIDDEN;
extern size_t kfence_pool_size UKMEM_HIDDEN;

/* Is p inside the KFENCE pool?  Two loads and a compare (an address below
 * the pool wraps to a large offset). */
static inline bool is_kfence_address(const void *p)
{
	return (uintptr_t)p - __atomic_load_n(&kfence_pool_addr, __ATOMIC_RELAXED) <
	       __atomic_load_n(&kfence_pool_size, __ATOMIC_RELAXED);
}

/*
 * The allocation slow path's hook while DEBUG_HOOK_KFENCE is set.  If this
 * call takes the sample it returns an object of size bytes aligned to
 * align from the pool (zeroed if gfp has __GFP_ZERO; the caller runs a
 * cache's constructor) and clears DEBUG_HOOK_KFENCE; otherwise NULL.
 * Sizes above a page, alignments above a page and zone-modified gfp are
 * never sampled.  cache is remembered for kfence_object_cache, cache_name
 * (copied) for the reports.
 */
void *kfence_alloc(const void *cache, const char *cache_name, size_t size, unsigned int align,
		   gfp_t gfp);

/* Free p (is_kfence_address(p)).  An invalid free (not an object's start,
 * or already free) is reported and ignored; a corrupted canary is
 * reported, and the object freed all the same. */
void kfence_free(void *p);

/* Size of the live object starting at p, 0 if p is not one. */
size_t kfence_ksize(const void *p);

/* The cache given at p's allocation, NULL if p is not a live object. */
const void *kfence_object_cache(const void *p);

/* /sys/kernel/debug/kfence/stats and /sys/kernel/debug/kfence/objects. */
void kfence_stats_show(struct seq_buf *s);
void kfence_objects_show(struct seq_buf *s);

#endif /* UKMEM_DEBUG_KFENCE_H */
