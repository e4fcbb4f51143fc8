/*
 * stackdepot.h - the stack depot: call stacks stored once, named by a
 * 32-bit handle (the kernel's lib/stackdepot.c; src/debug/stackdepot.c
 * says how).  The debug tools keep a handle per object (allocation and
 * free tracks, kmemleak, KFENCE) instead of a copy of its stack.
 */
#ifndef UKMEM_DEBUG_STACKDEPOT_H
#define UKMEM_DEBUG_STACKDEPOT_H

#include "lib/lib.h"

typedef unsigned int depot_stack_handle_t;	/* 0: no trace */

/* The frames kept of a trace; a longer one is cut to its innermost ones. */
#define STACK_DEPOT_MAX_FRAMES 16

/*
 * Store a trace (deduplicated by hash: identical traces share a handle).
 * 0 if nr is 0 or memory ran out (the depot's cap, or the page allocator
 * had nothing without reclaim).  Lookups are lock-free; safe from any
 * context except a signal handler that interrupted the depot itself
 * (then 0).  Never reclaims, never allocates from the slab layer.
 */
depot_stack_handle_t stack_depot_save(const unsigned long *entries, unsigned int nr);

/* The caller's stack, skipping skip frames of the caller's own, saved
 * (skip 0: the first frame is the caller's own return address).  0 where
 * the platform has no backtraces (bare). */
depot_stack_handle_t stack_depot_capture(int skip);

/* The frames of a handle: returns nr and sets *entries, which stay valid
 * for the life of the process (0 and NULL for handle 0). */
unsigned int stack_depot_fetch(depot_stack_handle_t handle, const unsigned long **entries);

/* Print the frames as the kernel's stack_trace_print does: one line per
 * frame, 1 + spaces spaces, then "sym+0xoff/0xsize" (the kernel's
 * "%*c%pS"; "0x<addr>" for an address no symbol covers), through
 * ukmem_printk. */
void stack_trace_print(const unsigned long *entries, unsigned int nr, int spaces);

/* stack_trace_print(entries, nr, 0) of a handle; nothing for handle 0. */
void stack_depot_print(depot_stack_handle_t handle);

/* What the depot holds, for the stats and the tests (a racy snapshot). */
struct stack_depot_stats {
	unsigned long pools;		/* pools taken from the page allocator */
	unsigned long max_pools;	/* the cap: no more pools after this many */
	unsigned long stacks;		/* distinct traces stored */
	unsigned long dropped;		/* saves refused: cap reached or no pages */
};

void stack_depot_get_stats(struct stack_depot_stats *stats);

#endif /* UKMEM_DEBUG_STACKDEPOT_H */
