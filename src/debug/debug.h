/*
 * debug.h - the debug layer's door: what the slab layer (and the layers
 * above) may use of src/debug.  The debug layer sits between reclaim and
 * slab: it owns the tools that watch allocations from outside SLUB itself
 * (the stack depot, KFENCE, kmemleak) and the switch that routes every
 * slab allocation and free through their hooks.
 *
 * The switch.  SLUB's fast paths (slab/sheaf.h) pop and push per-thread
 * sheaves and never look at any hook.  A tool that must see every
 * allocation or free sets its bit in ukmem_debug_hooks; the slab layer
 * then keeps no sheaves (the flush hook it registers empties every
 * thread's), so each fast path misses and the slow path, which tests the
 * word, runs the hooks.  Off, the hooks cost nothing on the fast paths:
 * the word is read only where a slow path already is.  This is the
 * kernel's static key, done with the sheaves instead of code patching.
 *
 * Locks: none here; the flush hook takes the slab layer's own.
 */
#ifndef UKMEM_DEBUG_DEBUG_H
#define UKMEM_DEBUG_DEBUG_H

#include "lib/lib.h"
#include "page/page.h"

#include "debug/stackdepot.h"
#include "debug/kfence.h"
#include "debug/kmemleak.h"

/* The bits of ukmem_debug_hooks. */
#define DEBUG_HOOK_FAILSLAB	0x01u	/* failslab may fail an allocation */
#define DEBUG_HOOK_KMEMLEAK	0x02u	/* kmemleak tracks every object */
#define DEBUG_HOOK_KFENCE	0x04u	/* KFENCE is armed: sample the next allocation */
#define DEBUG_HOOK_INIT_ALLOC	0x08u	/* init_on_alloc=1 */
#define DEBUG_HOOK_INIT_FREE	0x10u	/* init_on_free=1 */
#define DEBUG_HOOK_VALGRIND	0x20u	/* running under valgrind: tell memcheck */

extern unsigned int ukmem_debug_hooks;

static inline unsigned int debug_hooks(void)
{
	return __atomic_load_n(&ukmem_debug_hooks, __ATOMIC_RELAXED);
}

/* Set or clear bits.  Setting a bit that was clear runs the flush hook,
 * so that no thread keeps serving from a sheaf past this call. */
void debug_hooks_set(unsigned int bits, bool on);

/* The slab layer's "empty every sheaf" (set once at its start). */
void debug_hooks_set_flush(void (*flush)(void));

#endif /* UKMEM_DEBUG_DEBUG_H */
