/*
 * lockrank.c - the ranked locks of lockrank.h: the ONE locks of the
 * table, the per-thread held ranks, the lockdep-style rank check and the
 * fork() walk.  The theory is in lockrank.h.
 */
#include "lib/lib.h"
#include "lib/lockrank.h"

#ifndef UKMEM_LOCKDEP
#define UKMEM_LOCKDEP 0
#endif
static const bool cfg_lockdep = UKMEM_LOCKDEP;

#define DEFINE_ONE(rank, var, what) ukmem_lock_t var = UKMEM_LOCK_INIT(rank);
#define DEFINE_MANY(rank, name, what)
UKMEM_LOCK_RANKS(DEFINE_ONE, DEFINE_MANY)
#undef DEFINE_ONE
#undef DEFINE_MANY

#define ONE_PTR(rank, var, what) [LOCK_RANK_##rank] = &var,
#define MANY_PTR(rank, name, what)
static ukmem_lock_t *const one_locks[NR_LOCK_RANKS] = {
	UKMEM_LOCK_RANKS(ONE_PTR, MANY_PTR)
};
#undef ONE_PTR
#undef MANY_PTR

#define ONE_NAME(rank, var, what) [LOCK_RANK_##rank] = #var,
#define MANY_NAME(rank, name, what) [LOCK_RANK_##rank] = name,
static const char *const rank_names[NR_LOCK_RANKS] = {
	[LOCK_RANK_NONE] = "(a lock without a rank)",
	UKMEM_LOCK_RANKS(ONE_NAME, MANY_NAME)
};
#undef ONE_NAME
#undef MANY_NAME

/* Set by the owners of the MANY classes as they start. */
static void (*walkers[NR_LOCK_RANKS])(bool lock);

/*
 * What this thread holds.  Changed only by the thread itself, and by its
 * signal handlers, which give back all they take before they return: a
 * read-modify-write that a handler cuts into finds the value it read.
 * The compiler barriers keep the marks before the lock is taken and after
 * it is released, where a handler must see them.
 */
struct lock_thread {
	int depth;			/* locks held or being taken */
	uint32_t held_mask;		/* bit r: some lock of rank r */
	unsigned char held[NR_LOCK_RANKS];	/* how many of each rank */
	/* lockdep: the signal mask at the outermost lock, valid from just
	 * after it is recorded until depth falls below base_depth, the depth
	 * it was recorded at.  A handler that cuts in before the record makes
	 * and drops its own (by depth: the held mask may not be back to 0 when
	 * the handler returns, since its thread may have counted a lock it
	 * has not marked yet); one that cuts in between the mark and the
	 * record finds none and cannot tell, so says nothing. */
	bool base_valid;
	int base_depth;
	uint64_t base_sigmask;
};

static UKMEM_THREAD_LOCAL struct lock_thread lock_thread;

const char *ukmem_lock_rank_name(int rank)
{
	return rank >= 0 && rank < NR_LOCK_RANKS ? rank_names[rank] : "(bad rank)";
}

static int top_rank(uint32_t mask)
{
	return 31 - __builtin_clz(mask);
}

/* ---- UKMEM_LOCKDEP ------------------------------------------------------ */

static uint32_t reported_pairs[NR_LOCK_RANKS];	/* [held] bit new: said once */
static unsigned long nr_violations;

static void lockdep_report(int held, int rank)
{
	uint32_t bit = 1u << rank;

	if (__atomic_fetch_or(&reported_pairs[held], bit, __ATOMIC_RELAXED) & bit)
		return;
	__atomic_fetch_add(&nr_violations, 1, __ATOMIC_RELAXED);
	ukmem_warn("\n======================================================\n"
		   "WARNING: lock rank violation (the order is src/lib/lockrank.h)\n"
		   "------------------------------------------------------\n"
		   "%s/%d is trying to acquire lock:\n"
		   "  %s (rank %d)\n"
		   "but already holds lock:\n"
		   "  %s (rank %d)\n"
		   "which must be taken after it, never before.\n",
		   ukmem_plat_comm(), ukmem_plat_tid(), ukmem_lock_rank_name(rank), rank,
		   ukmem_lock_rank_name(held), held);
}

/* Before taking a lock of rank with held already held (wait: in order). */
static void lockdep_acquire(const struct lock_thread *t, int rank, uint32_t held, bool wait)
{
	if (rank == LOCK_RANK_NONE) {
		lockdep_report(LOCK_RANK_NONE, LOCK_RANK_NONE);
		return;
	}
	if (!held || wait)
		return;
	/* Out of order: fine in a signal handler (it runs with its signal
	 * blocked on top of its thread's mask), a bug anywhere else. */
	if (!t->base_valid || ukmem_plat_blocked_signals() != t->base_sigmask)
		return;
	lockdep_report(top_rank(held), rank);
}

/* After the outermost lock is marked held. */
static void lockdep_record_base(struct lock_thread *t)
{
	t->base_sigmask = ukmem_plat_blocked_signals();
	t->base_depth = t->depth;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->base_valid = true;
}

bool ukmem_lockdep_enabled(void)
{
	return cfg_lockdep;
}

unsigned long ukmem_lockdep_violations(void)
{
	return __atomic_load_n(&nr_violations, __ATOMIC_RELAXED);
}

/* ---- lock and unlock -------------------------------------------------------- */

static void held_put(struct lock_thread *t, int rank)
{
	if (--t->held[rank] == 0)
		t->held_mask &= ~(1u << rank);
	t->depth--;
	if (cfg_lockdep && t->depth < t->base_depth)
		t->base_valid = false;
}

bool ukmem_lock(ukmem_lock_t *lock)
{
	struct lock_thread *t = &lock_thread;
	int rank = lock->rank;
	uint32_t held = t->held_mask;
	bool wait = (held >> rank) == 0;

	if (cfg_lockdep)
		lockdep_acquire(t, rank, held, wait);
	t->depth++;
	t->held[rank]++;
	t->held_mask = held | (1u << rank);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (cfg_lockdep && !held)
		lockdep_record_base(t);
	if (wait) {
		ukmem_plat_lock(&lock->raw);
		return true;
	}
	if (ukmem_plat_trylock(&lock->raw))
		return true;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	held_put(t, rank);
	return false;
}

void ukmem_unlock(ukmem_lock_t *lock)
{
	ukmem_plat_unlock(&lock->raw);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	held_put(&lock_thread, lock->rank);
}

bool ukmem_lock_would_wait(const ukmem_lock_t *lock)
{
	return (lock_thread.held_mask >> lock->rank) == 0;
}

int ukmem_lock_depth(void)
{
	return lock_thread.depth;
}

/* ---- fork ------------------------------------------------------------------- */

void ukmem_lock_set_walker(enum lock_rank rank, void (*walk)(bool lock))
{
	__atomic_store_n(&walkers[rank], walk, __ATOMIC_RELEASE);
}

static void walk_rank(int rank, bool lock)
{
	void (*walk)(bool) = __atomic_load_n(&walkers[rank], __ATOMIC_ACQUIRE);

	if (one_locks[rank]) {
		if (lock)
			ukmem_plat_lock(&one_locks[rank]->raw);
		else
			ukmem_plat_unlock(&one_locks[rank]->raw);
	} else if (walk) {
		walk(lock);
	}
}

/* fork: while the forking thread holds every lock, a signal handler on
 * it must only try them: every rank counts as held, from before the first
 * is taken until after the last is released. */
static uint32_t fork_saved_mask;

void ukmem_lock_all(void)
{
	struct lock_thread *t = &lock_thread;

	fork_saved_mask = t->held_mask;
	t->depth++;
	t->held_mask = ~0u;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	for (int rank = 1; rank < NR_LOCK_RANKS; rank++)
		walk_rank(rank, true);
}

void ukmem_unlock_all(void)
{
	struct lock_thread *t = &lock_thread;

	for (int rank = NR_LOCK_RANKS - 1; rank >= 1; rank--)
		walk_rank(rank, false);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->held_mask = fork_saved_mask;
	t->depth--;
}

int ukmem_lock_missing_walkers(void)
{
	int missing = 0;

	for (int rank = 1; rank < NR_LOCK_RANKS; rank++)
		if (!one_locks[rank] && !__atomic_load_n(&walkers[rank], __ATOMIC_ACQUIRE))
			missing++;
	return missing;
}
