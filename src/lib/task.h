/*
 * task.h - the calling thread as the kernel's `current` sees it (task.c):
 * the memalloc flags and the atomic-context counts of ukmem/sched_mm.h and
 * ukmem/preempt.h, and the check every allocation entry point makes.
 */
#ifndef UKMEM_LIB_TASK_H
#define UKMEM_LIB_TASK_H

#include <ukmem/gfp.h>
#include <ukmem/preempt.h>
#include <ukmem/sched_mm.h>

#include "platform/platform.h"

/* Non-zero while the thread is in atomic context (preempt_count() != 0
 * or interrupts "disabled"): one TLS load for the allocation fast paths. */
extern UKMEM_THREAD_LOCAL unsigned int ukmem_task_atomic __attribute__((visibility("hidden")));

/* A sleeping allocation in atomic context: report (once per site) and
 * return the mask it proceeds with, as GFP_ATOMIC would.  Inside an OOM
 * notifier (marked by reclaim, below) the report is that one, and the
 * allocation proceeds as it is (PF_MEMALLOC keeps it out of reclaim). */
gfp_t task_atomic_alloc(gfp_t gfp, const char *file, int line);

/* Reclaim runs the OOM notifiers between these two. */
void task_oom_notifier_enter(void);
void task_oom_notifier_exit(void);

/* Would an allocation with gfp sleep in atomic context?  For fast paths,
 * which then tail-call a cold function that calls task_atomic_alloc, so
 * the test adds no stack frame. */
static inline __attribute__((always_inline)) bool task_sleeps_in_atomic(gfp_t gfp)
{
	/* The thread's word first: one load and a branch taken almost never. */
	return __builtin_expect(ukmem_task_atomic != 0, 0) && (gfp & __GFP_DIRECT_RECLAIM);
}

/* What an allocation entry point calls first (the kernel's might_alloc). */
static inline __attribute__((always_inline)) gfp_t task_might_alloc(gfp_t gfp, const char *file,
								    int line)
{
	if (task_sleeps_in_atomic(gfp))
		return task_atomic_alloc(gfp, file, line);
	return gfp;
}

#define might_alloc(gfp) task_might_alloc((gfp), __FILE__, __LINE__)

#endif /* UKMEM_LIB_TASK_H */
