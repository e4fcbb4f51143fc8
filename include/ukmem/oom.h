/*
 * ukmem/oom.h - out of memory: the kernel's OOM notifier chain
 * (<linux/notifier.h>, <linux/oom.h>).
 *
 * When direct reclaim gives up on an allocation that the kernel would not
 * let fail quietly (may sleep, order <= PAGE_ALLOC_COSTLY_ORDER, neither
 * __GFP_NORETRY nor __GFP_RETRY_MAYFAIL nor __GFP_THISNODE), the OOM
 * notifiers run: each may free memory and adds the pages it freed to
 * *(unsigned long *)data.  If any were freed the allocation tries again;
 * otherwise the kernel's "invoked oom-killer" report is printed and, a
 * user-space library killing no process, the allocation fails
 * (__GFP_NOFAIL goes on waiting).
 */
#ifndef UKMEM_OOM_H
#define UKMEM_OOM_H

#include <ukmem/gfp.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NOTIFY_DONE		0x0000	/* don't care */
#define NOTIFY_OK		0x0001	/* suits me */
#define NOTIFY_STOP_MASK	0x8000	/* don't call further */
#define NOTIFY_BAD		(NOTIFY_STOP_MASK | 0x0002)
#define NOTIFY_STOP		(NOTIFY_OK | NOTIFY_STOP_MASK)

struct notifier_block;
typedef int (*notifier_fn_t)(struct notifier_block *nb, unsigned long action, void *data);

struct notifier_block {
	notifier_fn_t notifier_call;
	struct notifier_block *next;	/* the chain, highest priority first */
	int priority;
	int ukmem_active;		/* atomic: calls running now */
	int ukmem_dead;			/* being unregistered: no new call */
};

/* 0, or -EEXIST if nb is registered already, -EINVAL without a callback. */
UKMEM_API int ukmem_register_oom_notifier(struct notifier_block *nb);
/* 0, or -ENOENT if nb is not registered; waits for running calls. */
UKMEM_API int ukmem_unregister_oom_notifier(struct notifier_block *nb);

static inline int register_oom_notifier(struct notifier_block *nb)
{
	return ukmem_register_oom_notifier(nb);
}

static inline int unregister_oom_notifier(struct notifier_block *nb)
{
	return ukmem_unregister_oom_notifier(nb);
}

#ifdef __cplusplus
}
#endif

#endif /* UKMEM_OOM_H */
