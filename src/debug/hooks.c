/*
 * hooks.c - the switch that routes slab allocations through the debug
 * hooks (debug.h says how it works).
 *
 * A bit is set before the flush hook runs, so a sheaf made after the
 * flush was made by a thread that read the word clear just before it was
 * set: there is such a window.  The tools that need every object
 * (kmemleak, valgrind) are therefore switched on at the start, before any
 * thread has a sheaf; those switched on later (failslab, KFENCE's arming)
 * need only "from about now on".
 *
 * Locks: none; the flush hook takes the slab layer's.
 */
#include "debug/debug.h"

unsigned int ukmem_debug_hooks;
static void (*hooks_flush)(void);

void debug_hooks_set_flush(void (*flush)(void))
{
	__atomic_store_n(&hooks_flush, flush, __ATOMIC_RELEASE);
}

void debug_hooks_set(unsigned int bits, bool on)
{
	unsigned int old;
	void (*flush)(void);

	if (!on) {
		__atomic_fetch_and(&ukmem_debug_hooks, ~bits, __ATOMIC_RELAXED);
		return;
	}
	old = __atomic_fetch_or(&ukmem_debug_hooks, bits, __ATOMIC_SEQ_CST);
	flush = __atomic_load_n(&hooks_flush, __ATOMIC_ACQUIRE);
	if ((old & bits) != bits && flush)
		flush();
}
