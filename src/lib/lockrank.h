/*
 * lockrank.h - every ukmem lock, with its rank, declared once; the ranked
 * lock operations; the fork() walk over all of them.
 *
 * Theory
 * ------
 * 1. The table.  UKMEM_LOCK_RANKS below lists every lock of every layer,
 *    outermost first: a thread that holds a lock may wait only for locks
 *    listed below it.  Theory comments elsewhere point here instead of
 *    repeating the order.  A lock of which there is one (ONE) is defined
 *    here, by the table; a class with an instance per zone, per CPU or per
 *    cache node (MANY) is defined in its owner's structures, which give
 *    each instance its rank (ukmem_lock_init) and register a walker that
 *    takes or releases every instance (ukmem_lock_set_walker).
 *
 * 2. Waiting or trying.  A thread's held ranks are a bitmask in TLS.
 *    ukmem_lock() waits when every rank the thread holds is below the new
 *    one: two threads that both take locks upward cannot wait for each
 *    other.  Otherwise it only tries.  In correct code that happens only
 *    in a signal handler that interrupted its thread inside ukmem (the
 *    kernel's interrupt, which could not cut in there because the kernel
 *    takes these locks with interrupts off): the interrupted code may hold
 *    the very lock, so the handler must not wait, and every caller that
 *    can run in a handler copes with false.  A handler that needs a lock
 *    ranked above all its thread holds may wait as well: whoever holds it
 *    waits only for locks ranked higher still.
 *
 * 3. Checked order.  With UKMEM_LOCKDEP (a CMake option, on in the
 *    sanitizer builds of CI) an acquisition that is not above every held
 *    rank, made outside a signal handler, is reported once per pair with
 *    both lock names, in the spirit of lockdep.  A handler is told apart
 *    by its signal mask: the mask at the thread's outermost acquisition
 *    is recorded, and a handler runs with its signal blocked on top of it
 *    (a handler installed with SA_NODEFER looks like its thread).
 *
 * 4. fork().  ukmem_lock_all() takes every lock of the table in rank
 *    order, each ONE lock directly and each MANY class through its
 *    walker, and ukmem_unlock_all() releases them in reverse; so the fork
 *    handlers cannot forget a lock.  A MANY class whose owner has not
 *    started has no instance yet and no walker.
 *
 * The per-CPU page-list locks are only ever tried (pcp.c, the kernel's
 * pcp_spin_trylock) and stay out of the held mask; they are in the table
 * for fork.
 */
#ifndef UKMEM_LIB_LOCKRANK_H
#define UKMEM_LIB_LOCKRANK_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/lib.h"
#include "platform/platform.h"

/* ONE(rank name, lock variable, what it guards) or MANY(rank name, what
 * the instances are, what they guard); outermost first. */
#define UKMEM_LOCK_RANKS(ONE, MANY) \
	ONE(FRONT, front_lock, "malloc/start.c: starting ukmem under the malloc front") \
	ONE(DECAY, decay_lock, "malloc/decay.c: the freed large blocks kept for reuse") \
	ONE(HUGE, huge_lock, "malloc/huge.c: the registry of huge allocations") \
	ONE(INIT, init_lock, "page/start.c: ukmem_init and the start on first use") \
	ONE(CTL, ctl_lock, "stats/ctl.c: control-file writes (waits for zone locks)") \
	ONE(SLAB_INIT, slab_init_lock, "slab/kmalloc.c: the slab layer's start") \
	ONE(SLAB_MUTEX, slab_mutex, "slab/slub.c: the list of caches, cache create/destroy") \
	ONE(OWNERS, owners_lock, "slab/sheaf.c: the list of sheaf owners (threads)") \
	MANY(LIST, "kmem_cache_node->list_lock", "a node's partial slabs and counters") \
	MANY(BARN, "node_barn->lock", "a node's full and empty sheaves") \
	ONE(MEMPOOLS, mempool_list_lock, "slab/mempool.c: the list of every mempool (fork)") \
	MANY(MEMPOOL, "mempool->lock", "one mempool's reserve") \
	ONE(RECLAIM, reclaim_lock, "reclaim: the shrinker list and the OOM notifier chain") \
	ONE(KMEMLEAK, kmemleak_lock, "debug/kmemleak.c: the tracked objects, their tree, the scan") \
	MANY(PCP, "per_cpu_pages->lock", "one CPU's page lists of a zone (only tried)") \
	MANY(ZONE, "zone->lock", "a zone's free areas, release slots, NR_FREE_PAGES") \
	ONE(RELEASE, release_lock, "page/buddy.c: one thread at a time gives memory back") \
	ONE(VMALLOC, vmalloc_lock, "slab/vmalloc.c: the vmalloc range's free ranges") \
	ONE(KFENCE, kfence_lock, "debug/kfence.c: KFENCE's free objects and their metadata") \
	ONE(STACKDEPOT, depot_lock, "debug/stackdepot.c: adding a trace (innermost: allocates with it dropped)")

enum lock_rank {
	LOCK_RANK_NONE,		/* an uninitialised lock: a bug, reported */
#define UKMEM_RANK_ENUM_ONE(rank, var, what) LOCK_RANK_##rank,
#define UKMEM_RANK_ENUM_MANY(rank, name, what) LOCK_RANK_##rank,
	UKMEM_LOCK_RANKS(UKMEM_RANK_ENUM_ONE, UKMEM_RANK_ENUM_MANY)
#undef UKMEM_RANK_ENUM_ONE
#undef UKMEM_RANK_ENUM_MANY
	NR_LOCK_RANKS
};

_Static_assert(NR_LOCK_RANKS <= 32, "held ranks are a 32-bit mask");

/* A lock with its rank.  Zeroed storage is unlocked but has no rank. */
typedef struct ukmem_lock {
	plat_lock_t raw;
	int rank;
} ukmem_lock_t;

#define UKMEM_LOCK_INIT(rank) { PLAT_LOCK_INIT, LOCK_RANK_##rank }

static inline void ukmem_lock_init(ukmem_lock_t *lock, enum lock_rank rank)
{
	lock->raw = (plat_lock_t)PLAT_LOCK_INIT;
	lock->rank = rank;
}

/* The ONE locks, defined by lockrank.c. */
#define UKMEM_RANK_EXTERN_ONE(rank, var, what) extern ukmem_lock_t var UKMEM_HIDDEN;
#define UKMEM_RANK_EXTERN_MANY(rank, name, what)
UKMEM_LOCK_RANKS(UKMEM_RANK_EXTERN_ONE, UKMEM_RANK_EXTERN_MANY)
#undef UKMEM_RANK_EXTERN_ONE
#undef UKMEM_RANK_EXTERN_MANY

/*
 * Take lock: wait if every rank this thread holds is below its rank, else
 * only try (a signal handler: theory 2).  Returns false if it was not
 * taken.  Callers that never run with a higher or equal rank held (nor in
 * a handler that interrupted such code) may ignore the result: it is true.
 */
bool ukmem_lock(ukmem_lock_t *lock);
void ukmem_unlock(ukmem_lock_t *lock);

/* Would ukmem_lock(lock) wait rather than try? */
bool ukmem_lock_would_wait(const ukmem_lock_t *lock);

/* Number of ukmem locks this thread holds (or is waiting for): 0 means it
 * is outside every lock, so it may drain, wait for memory or flush. */
int ukmem_lock_depth(void);

/* The name of a rank, as the table spells it. */
const char *ukmem_lock_rank_name(int rank);

/* ---- fork ------------------------------------------------------------------- */

/* A MANY class's owner: take (lock true) or release every instance, in
 * one pass, with raw platform locks (fork runs in thread context). */
void ukmem_lock_set_walker(enum lock_rank rank, void (*walk)(bool lock));

/* Take every lock of the table in rank order / release in reverse. */
void ukmem_lock_all(void);
void ukmem_unlock_all(void);

/* MANY classes without a walker: 0 once every layer has started (a test
 * checks it, so a new class cannot be left out of fork). */
int ukmem_lock_missing_walkers(void);

/* ---- UKMEM_LOCKDEP ---------------------------------------------------------- */

/* Is the rank check compiled in? */
bool ukmem_lockdep_enabled(void);
/* Rank violations reported so far (each pair once). */
unsigned long ukmem_lockdep_violations(void);

#endif /* UKMEM_LIB_LOCKRANK_H */
