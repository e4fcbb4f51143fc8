/*
 * task.c - the part of the kernel's `current` that allocation reads, one
 * set per thread: the memalloc flags (PF_MEMALLOC, PF_MEMALLOC_NOFS,
 * PF_MEMALLOC_NOIO, ukmem/sched_mm.h) and the atomic-context counts
 * (preempt_count, interrupts disabled: ukmem/preempt.h), with the kernel's
 * reports for a sleeping call in atomic context and for unbalanced enables.
 *
 * Only the thread changes its own values, and its signal handlers give
 * back what they set before they return, so plain loads and stores do.
 * ukmem_task_atomic mirrors "preempt_count() != 0 || irqs_disabled()" so
 * that the allocation paths test one word.
 */
#include "lib/lib.h"
#include "lib/task.h"

#define X86_EFLAGS_IF	0x200UL
#define SITES_REMEMBERED 64

static UKMEM_THREAD_LOCAL unsigned int current_flags;
static UKMEM_THREAD_LOCAL unsigned int preempt_count_value;
static UKMEM_THREAD_LOCAL bool irqs_off;
static UKMEM_THREAD_LOCAL bool in_oom_notifier;
UKMEM_THREAD_LOCAL unsigned int ukmem_task_atomic;

#define ATOMIC_IRQS_OFF		(1u << 31)
#define ATOMIC_OOM_NOTIFIER	(1u << 30)	/* not atomic: only to be seen */

static void update_atomic(void)
{
	ukmem_task_atomic = preempt_count_value | (irqs_off ? ATOMIC_IRQS_OFF : 0) |
			    (in_oom_notifier ? ATOMIC_OOM_NOTIFIER : 0);
}

void task_oom_notifier_enter(void)
{
	in_oom_notifier = true;
	update_atomic();
}

void task_oom_notifier_exit(void)
{
	in_oom_notifier = false;
	update_atomic();
}

/* ---- memalloc flags ------------------------------------------------------------ */

unsigned int ukmem_current_flags(void)
{
	return current_flags;
}

/* Open scopes of each flag, to tell a restore out of order. */
static UKMEM_THREAD_LOCAL unsigned short scope_depth[3];

static int scope_slot(unsigned int flag)
{
	return flag == PF_MEMALLOC ? 0 : flag == PF_MEMALLOC_NOFS ? 1 :
	       flag == PF_MEMALLOC_NOIO ? 2 : -1;
}

static const char *scope_name(unsigned int flag)
{
	return flag == PF_MEMALLOC ? "memalloc_noreclaim" :
	       flag == PF_MEMALLOC_NOFS ? "memalloc_nofs" : "memalloc_noio";
}

unsigned int ukmem_memalloc_save(unsigned int flag)
{
	int slot = scope_slot(flag);
	unsigned int old = current_flags & flag;

	if (slot < 0) {
		ukmem_warn("WARNING: memalloc save of flags %#x: not a memalloc scope\n", flag);
		return 0;
	}
	scope_depth[slot]++;
	current_flags |= flag;
	return old;
}

void ukmem_memalloc_restore(unsigned int flag, unsigned int saved)
{
	int slot = scope_slot(flag);

	if (slot < 0)
		return;
	if (scope_depth[slot] == 0) {
		ukmem_warn("WARNING: %s_restore() without a %s_save()\n", scope_name(flag),
			   scope_name(flag));
		dump_stack();
		return;
	}
	if ((saved & flag) && scope_depth[slot] == 1) {
		/* An inner scope ended after the outer one: setting the flag
		 * back would leave it set for ever. */
		ukmem_warn("WARNING: %s_restore() out of order: the scope it ends was not the "
			   "innermost\n", scope_name(flag));
		dump_stack();
		saved = 0;
	}
	/* The flag before the depth: a signal handler that cuts in between
	 * sees the flag already as the scope leaves it. */
	current_flags = (current_flags & ~flag) | (saved & flag);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	scope_depth[slot]--;
}

/* ---- preempt_count ------------------------------------------------------------- */

static void count_add(unsigned int offset)
{
	preempt_count_value += offset;
	update_atomic();
}

/* The kernel's preempt_count_sub with CONFIG_DEBUG_PREEMPT: an enable
 * without its disable warns and changes nothing. */
static void count_sub(unsigned int offset, unsigned int mask, const char *fn)
{
	if ((preempt_count_value & mask) < offset) {
		ukmem_warn("WARNING: CPU: %d PID: %d at kernel/sched/core.c %s\n"
			   "DEBUG_LOCKS_WARN_ON(val > preempt_count())\n",
			   ukmem_plat_cpu(), ukmem_plat_tid(), fn);
		dump_stack();
		return;
	}
	preempt_count_value -= offset;
	update_atomic();
}

void ukmem_preempt_disable(void)
{
	count_add(PREEMPT_OFFSET);
}

void ukmem_preempt_enable(void)
{
	count_sub(PREEMPT_OFFSET, PREEMPT_MASK, "preempt_count_sub");
}

unsigned int ukmem_preempt_count(void)
{
	return preempt_count_value;
}

void ukmem_irq_enter(void)
{
	count_add(HARDIRQ_OFFSET);
}

void ukmem_irq_exit(void)
{
	count_sub(HARDIRQ_OFFSET, HARDIRQ_MASK, "irq_exit");
}

/* ---- interrupts ------------------------------------------------------------------ */

unsigned long ukmem_local_irq_save(void)
{
	unsigned long flags = irqs_off ? 0 : X86_EFLAGS_IF;

	irqs_off = true;
	update_atomic();
	return flags;
}

void ukmem_local_irq_restore(unsigned long flags)
{
	irqs_off = !(flags & X86_EFLAGS_IF);
	update_atomic();
}

bool ukmem_irqs_disabled(void)
{
	return irqs_off;
}

/* ---- might_sleep ------------------------------------------------------------------- */

/* The call sites already reported (the kernel limits to one report a
 * second; a site once is kinder to a test log).  Past the table, every
 * report is printed. */
static struct {
	const char *file;
	int line;
} sites[SITES_REMEMBERED];
static int nr_sites;	/* atomic */

static bool site_reported_before(const char *file, int line)
{
	int n = __atomic_load_n(&nr_sites, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n && i < SITES_REMEMBERED; i++)
		if (__atomic_load_n(&sites[i].file, __ATOMIC_RELAXED) == file &&
		    sites[i].line == line)
			return true;
	n = __atomic_fetch_add(&nr_sites, 1, __ATOMIC_ACQ_REL);
	if (n < SITES_REMEMBERED) {
		sites[n].line = line;
		__atomic_store_n(&sites[n].file, file, __ATOMIC_RELEASE);
	}
	return false;
}

/* The kernel's __might_resched report. */
static void sleep_in_atomic(const char *file, int line)
{
	if (site_reported_before(file, line))
		return;
	ukmem_printk("BUG: sleeping function called from invalid context at %s:%d\n", file, line);
	ukmem_printk("in_atomic(): %d, irqs_disabled(): %d, non_block: 0, pid: %d, name: %s\n",
		     preempt_count_value != 0, irqs_off, ukmem_plat_tid(), ukmem_plat_comm());
	ukmem_printk("preempt_count: %x, expected: 0\n", preempt_count_value);
	ukmem_printk("RCU nest depth: 0, expected: 0\n");
	dump_stack();
	ukmem_add_taint(TAINT_WARN);
}

void ukmem_might_sleep(const char *file, int line)
{
	if (__builtin_expect((ukmem_task_atomic & ~ATOMIC_OOM_NOTIFIER) != 0, 0))
		sleep_in_atomic(file ? file : "(unknown)", line);
}

gfp_t task_atomic_alloc(gfp_t gfp, const char *file, int line)
{
	if (!(ukmem_task_atomic & ~ATOMIC_OOM_NOTIFIER)) {
		/* Only inside an OOM notifier: memory is at its shortest. */
		if (!site_reported_before(file, line)) {
			ukmem_warn("WARNING: an OOM notifier allocates (gfp %#x) at %s:%d: it runs "
				   "when memory is gone; it gets the reserves, no reclaim\n", gfp,
				   file, line);
			dump_stack();
		}
		return gfp;
	}
	sleep_in_atomic(file, line);
	return (gfp & ~(__GFP_DIRECT_RECLAIM | __GFP_NOFAIL)) | __GFP_HIGH;
}
