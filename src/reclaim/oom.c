/*
 * oom.c - the OOM step: the notifier chain (register_oom_notifier) and the
 * kernel's "invoked oom-killer" report, without the killing.
 *
 * Theory
 * ------
 * The page allocator calls reclaim_out_of_memory when direct reclaim made
 * no progress for an allocation the kernel would not let fail quietly.
 * Without __GFP_FS nothing happens here: the kernel skips the OOM killer
 * for such allocations and has them retry for ever, ukmem has them fail
 * (a library cannot wait for a killed process to give memory back).
 * The notifiers run in priority order, each pinned (ukmem_active) with
 * reclaim_lock dropped, as the shrinkers are (shrinker.c), and with
 * PF_MEMALLOC set: a notifier that allocates gets the reserves and never
 * reenters reclaim or this step.  Pages they report freed send the
 * allocation back to try again.  If none were, the kernel's dump_header
 * is printed (the allocation's gfp and order, the stack, the zones) and
 * the kernel's line for an OOM with no process to kill: a library in user
 * space kills nothing, and the allocation fails.  Reports are rate-limited
 * as the kernel's oom_rs (10 per 5 s).
 */
#include "lib/task.h"
#include "reclaim/internal.h"

static struct notifier_block *oom_chain;	/* by priority, under reclaim_lock */
static struct ratelimit_state oom_rs = { .interval_ns = 5000000000ULL, .burst = 10 };

int ukmem_register_oom_notifier(struct notifier_block *nb)
{
	struct notifier_block **pp;

	if (!nb || !nb->notifier_call)
		return -EINVAL;
	if (!ukmem_ensure_init())
		return -ENOMEM;
	if (!ukmem_lock(&reclaim_lock))
		return -EAGAIN;
	for (pp = &oom_chain; *pp; pp = &(*pp)->next)
		if (*pp == nb) {
			ukmem_unlock(&reclaim_lock);
			return -EEXIST;
		}
	for (pp = &oom_chain; *pp && (*pp)->priority >= nb->priority; pp = &(*pp)->next)
		;
	__atomic_store_n(&nb->ukmem_dead, 0, __ATOMIC_RELAXED);
	nb->next = *pp;
	*pp = nb;
	ukmem_unlock(&reclaim_lock);
	reclaim_plug_in();
	reclaim_start_kswapd();
	return 0;
}

int ukmem_unregister_oom_notifier(struct notifier_block *nb)
{
	struct notifier_block **pp;

	if (!nb)
		return -ENOENT;
	ukmem_lock(&reclaim_lock);
	for (pp = &oom_chain; *pp && *pp != nb; pp = &(*pp)->next)
		;
	if (!*pp) {
		ukmem_unlock(&reclaim_lock);
		return -ENOENT;
	}
	/* Dead: no new call.  It stays linked until the calls under way
	 * finish, so they can read its successor. */
	__atomic_store_n(&nb->ukmem_dead, 1, __ATOMIC_RELAXED);
	ukmem_unlock(&reclaim_lock);
	reclaim_wait_idle(&nb->ukmem_active);
	ukmem_lock(&reclaim_lock);
	for (pp = &oom_chain; *pp && *pp != nb; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = nb->next;
	ukmem_unlock(&reclaim_lock);
	return 0;
}

/* The first live notifier from nb on, pinned; NULL at the end.  Lock held. */
static struct notifier_block *pin_from_locked(struct notifier_block *nb)
{
	while (nb && __atomic_load_n(&nb->ukmem_dead, __ATOMIC_RELAXED))
		nb = nb->next;
	if (nb)
		__atomic_fetch_add(&nb->ukmem_active, 1, __ATOMIC_RELAXED);
	return nb;
}

void oom_unpin_all(void)
{
	for (struct notifier_block *nb = oom_chain; nb; nb = nb->next)
		__atomic_store_n(&nb->ukmem_active, 0, __ATOMIC_RELAXED);
}

/* Run the chain; the pages the notifiers freed. */
static unsigned long call_oom_notifiers(void)
{
	unsigned long freed = 0;
	struct notifier_block *nb;

	if (!ukmem_lock(&reclaim_lock))
		return 0;
	nb = pin_from_locked(oom_chain);
	ukmem_unlock(&reclaim_lock);
	while (nb) {
		struct notifier_block *next;
		int ret = nb->notifier_call(nb, 0, &freed);

		ukmem_lock(&reclaim_lock);
		next = (ret & NOTIFY_STOP_MASK) ? NULL : pin_from_locked(nb->next);
		ukmem_unlock(&reclaim_lock);
		reclaim_put_active(&nb->ukmem_active);
		nb = next;
	}
	return freed;
}

static void oom_report(gfp_t gfp, unsigned int order)
{
	char flags[256];

	if (!ukmem_ratelimit(&oom_rs))
		return;
	ukmem_printk("%s invoked oom-killer: gfp_mask=%#x(%s), order=%u, oom_score_adj=0\n",
		     ukmem_plat_comm(), gfp, format_gfp(gfp, flags, sizeof(flags)), order);
	dump_stack();
	show_free_areas();
	ukmem_printk("Out of memory and no killable processes...\n");
}

bool reclaim_out_of_memory(gfp_t gfp, unsigned int order)
{
	unsigned int pflags;
	unsigned long freed;

	/* The kernel's out_of_memory leaves allocations without __GFP_FS
	 * alone (reclaim could not use the file system; the OOM killer
	 * would be premature) and lets them retry; ukmem lets them fail. */
	if (!(gfp & __GFP_FS))
		return false;
	pflags = memalloc_noreclaim_save();
	task_oom_notifier_enter();
	freed = call_oom_notifiers();
	task_oom_notifier_exit();

	memalloc_noreclaim_restore(pflags);
	if (freed)
		return true;
	oom_report(gfp, order);
	return false;
}
