/*
 * ukmem/preempt.h - atomic context, as the kernel's <linux/preempt.h>,
 * <linux/irqflags.h> and might_sleep() (<linux/kernel.h>).
 *
 * In user space nothing preempts a thread and no interrupt cuts in but a
 * signal handler, so these are per-thread counts that mark a section as
 * atomic, for code that must behave as it would in the kernel: inside
 * preempt_disable() / local_irq_save() or between ukmem_irq_enter() and
 * ukmem_irq_exit() (a signal handler marking itself as interrupt context),
 * an allocation that may sleep (GFP_KERNEL, ...) prints the kernel's
 * "BUG: sleeping function called from invalid context" report, once per
 * call site, and then proceeds as GFP_ATOMIC would: no reclaim, no wait,
 * part of the reserve.  local_irq_save() does not block signals.
 *
 * preempt_count() has the kernel's layout: bits 0-7 preemption depth,
 * 8-15 softirq, 16-19 hardirq (ukmem_irq_enter), 20-23 NMI.  Unbalanced
 * enables warn as the kernel's CONFIG_DEBUG_PREEMPT does and change
 * nothing.
 */
#ifndef UKMEM_PREEMPT_H
#define UKMEM_PREEMPT_H

#include <ukmem/ukmem.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PREEMPT_MASK	0x000000ffu
#define SOFTIRQ_MASK	0x0000ff00u
#define HARDIRQ_MASK	0x000f0000u
#define NMI_MASK	0x00f00000u
#define PREEMPT_OFFSET	0x00000001u
#define SOFTIRQ_OFFSET	0x00000100u
#define HARDIRQ_OFFSET	0x00010000u

UKMEM_API void ukmem_preempt_disable(void);
UKMEM_API void ukmem_preempt_enable(void);
UKMEM_API unsigned int ukmem_preempt_count(void);
UKMEM_API void ukmem_irq_enter(void);
UKMEM_API void ukmem_irq_exit(void);
/* Returns the previous state as x86's flags (0x200: interrupts were on). */
UKMEM_API unsigned long ukmem_local_irq_save(void);
UKMEM_API void ukmem_local_irq_restore(unsigned long flags);
UKMEM_API bool ukmem_irqs_disabled(void);
UKMEM_API void ukmem_might_sleep(const char *file, int line);

#define preempt_disable()	ukmem_preempt_disable()
#define preempt_enable()	ukmem_preempt_enable()
#define preempt_count()		ukmem_preempt_count()
#define in_atomic()		(preempt_count() != 0)
#define in_interrupt()		(preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK))
#define in_hardirq()		(preempt_count() & HARDIRQ_MASK)
#define in_irq()		in_hardirq()
#define in_nmi()		(preempt_count() & NMI_MASK)
#define in_task()		(!(preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)))

#define local_irq_save(flags)	do { (flags) = ukmem_local_irq_save(); } while (0)
#define local_irq_restore(flags) ukmem_local_irq_restore(flags)
#define local_irq_disable()	((void)ukmem_local_irq_save())
#define local_irq_enable()	ukmem_local_irq_restore(0x200UL)
#define irqs_disabled()		ukmem_irqs_disabled()

#define might_sleep()		ukmem_might_sleep(__FILE__, __LINE__)
#define might_sleep_if(cond)	do { if (cond) might_sleep(); } while (0)

#ifdef __cplusplus
}
#endif

#endif /* UKMEM_PREEMPT_H */
