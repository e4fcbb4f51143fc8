/*
 * failslab.h - the kernel's failslab (failslab.c): slab allocations
 * failed on purpose.  For src/slab alone; the control files reach the
 * attributes through lib/fault_inject.h's registry, not through here.
 */
#ifndef UKMEM_SLAB_FAILSLAB_H
#define UKMEM_SLAB_FAILSLAB_H

#include <ukmem/gfp.h>

#include "lib/lib.h"

struct kmem_cache;

/*
 * Apply the boot option (failslab=, "" for none), offer the control files
 * and set DEBUG_HOOK_FAILSLAB if failures are possible.  Called from the
 * slab layer's start; a second call changes only what boot_str gives.
 */
void failslab_setup(const char *boot_str);

/*
 * Should this allocation from s fail on purpose?  Called from the slab
 * slow path while DEBUG_HOOK_FAILSLAB is set.  Never for __GFP_NOFAIL,
 * nor, with ignore-gfp-wait (the default), for an allocation that may
 * sleep; with cache-filter, only for caches with SLAB_FAILSLAB.  The
 * kernel also spares its bootstrap cache (kmem_cache): the caller, which
 * can see it, does not ask for it.
 */
bool should_failslab(struct kmem_cache *s, gfp_t gfp);

#endif /* UKMEM_SLAB_FAILSLAB_H */
