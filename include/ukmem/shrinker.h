/*
 * ukmem/shrinker.h - shrinkers, as the kernel's <linux/shrinker.h>
 * (Linux 6.7+ with the older register_shrinker API over the same core).
 *
 * A shrinker lets reclaim take objects back from a cache that its owner
 * keeps: when an allocation that may sleep finds memory short, direct
 * reclaim asks every shrinker how many objects it could free
 * (count_objects) and then has it free a share of them (scan_objects), a
 * share that grows as reclaim gets more desperate (priority 12 down to 0)
 * and shrinks with the cost of recreating an object (seeks).  Work a
 * shrinker could not do (SHRINK_STOP: it cannot, in this gfp context) is
 * carried over to its next call (nr_deferred).  Writing 2 or 3 to
 * /proc/sys/vm/drop_caches runs every shrinker until little more is freed.
 *
 * The callbacks run with no ukmem lock held, in the allocating thread,
 * with PF_MEMALLOC set (an allocation inside them never reclaims again
 * and may use the reserves).  sc->gfp_mask is the allocation's mask as
 * its scopes make it (ukmem/sched_mm.h): a shrinker that needs the file
 * system or I/O checks __GFP_FS / __GFP_IO and returns SHRINK_STOP.
 */
#ifndef UKMEM_SHRINKER_H
#define UKMEM_SHRINKER_H

#include <ukmem/gfp.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mem_cgroup;

struct shrink_control {
	gfp_t gfp_mask;
	int nid;			/* the node to shrink (SHRINKER_NUMA_AWARE) */
	unsigned long nr_to_scan;	/* scan_objects: how many to look at */
	unsigned long nr_scanned;	/* scan_objects may say it looked at more or fewer */
	struct mem_cgroup *memcg;	/* always NULL: no memory cgroups */
};

#define SHRINK_STOP	(~0UL)		/* scan_objects: cannot make progress now */
#define SHRINK_EMPTY	(~0UL - 1)	/* count_objects: nothing at all to free */
#define DEFAULT_SEEKS	2		/* a typical object: 2 seeks to recreate */
#define SHRINK_BATCH	128		/* scan_objects asked for this many at a time */

/* shrinker->flags */
#define SHRINKER_REGISTERED	(1u << 0)
#define SHRINKER_ALLOCATED	(1u << 1)	/* from shrinker_alloc */
#define SHRINKER_NUMA_AWARE	(1u << 2)	/* called once per node, with sc->nid */
#define SHRINKER_MEMCG_AWARE	(1u << 3)	/* accepted; there are no cgroups */
#define SHRINKER_NONSLAB	(1u << 4)

struct shrinker {
	unsigned long (*count_objects)(struct shrinker *, struct shrink_control *sc);
	unsigned long (*scan_objects)(struct shrinker *, struct shrink_control *sc);
	long batch;			/* 0: SHRINK_BATCH */
	int seeks;			/* 0: scan half of what count says at every priority */
	unsigned int flags;
	void *private_data;

	/* ukmem's: */
	struct shrinker *ukmem_next;	/* the registry, under its lock */
	long nr_deferred[UKMEM_MAX_NUMNODES];	/* atomic */
	int ukmem_active;		/* atomic: scans running now */
	int ukmem_dead;			/* unregistered: no new scans */
	char name[32];
};

/* The 6.7+ API: allocate (zeroed, flags kept), fill in the callbacks,
 * register; shrinker_free unregisters (waiting for running scans) and
 * frees.  NULL (memory short) or a shrinker. */
UKMEM_API struct shrinker *ukmem_shrinker_alloc(unsigned int flags, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
UKMEM_API void ukmem_shrinker_register(struct shrinker *shrinker);
UKMEM_API void ukmem_shrinker_free(struct shrinker *shrinker);

/* The older API, on a shrinker the caller owns: 0 or -EINVAL (no
 * callbacks, registered twice).  unregister_shrinker waits for running
 * scans. */
UKMEM_API int ukmem_register_shrinker(struct shrinker *shrinker, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
UKMEM_API void ukmem_unregister_shrinker(struct shrinker *shrinker);

#define shrinker_alloc(flags, ...)	ukmem_shrinker_alloc(flags, __VA_ARGS__)
#define register_shrinker(s, ...)	ukmem_register_shrinker(s, __VA_ARGS__)

static inline void shrinker_register(struct shrinker *s) { ukmem_shrinker_register(s); }
static inline void shrinker_free(struct shrinker *s) { ukmem_shrinker_free(s); }
static inline void unregister_shrinker(struct shrinker *s) { ukmem_unregister_shrinker(s); }

#ifdef __cplusplus
}
#endif

#endif /* UKMEM_SHRINKER_H */
