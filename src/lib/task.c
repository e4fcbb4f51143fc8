/*
 * task.c - the part of the kernel's current->flags that allocation reads:
 * PF_MEMALLOC, PF_MEMALLOC_NOFS, PF_MEMALLOC_NOIO (ukmem/sched_mm.h), one
 * word per thread.  Only the thread changes its word, and its signal
 * handlers give back what they set before they return, so plain loads and
 * stores do.
 */
#include <ukmem/sched_mm.h>

#include "platform/platform.h"

static UKMEM_THREAD_LOCAL unsigned int current_flags;

unsigned int ukmem_current_flags(void)
{
	return current_flags;
}

unsigned int ukmem_current_flags_set(unsigned int mask, unsigned int value)
{
	unsigned int old = current_flags;

	current_flags = (old & ~mask) | (value & mask);
	return old & mask;
}
