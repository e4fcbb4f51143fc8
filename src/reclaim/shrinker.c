/*
 * shrinker.c - the shrinkers: the registry, one pass at a priority
 * (do_shrink_slab's arithmetic, Linux 6.6 mm/shrinker.c), drop_caches.
 *
 * Theory
 * ------
 * The registry is a list under reclaim_lock (src/lib/lockrank.h), which is
 * never held while a callback runs: a pass pins the shrinker it calls
 * (ukmem_active) and drops the lock; unregistering marks the shrinker dead,
 * so no new pass pins it, waits until it is not pinned, and only then
 * unlinks it.  A pinned shrinker stays linked, so its successor can be
 * read under the lock when the call returns.
 *
 * A pass at priority p asks count_objects how many objects could go
 * (freeable), then scans delta = (freeable >> p) * 4 / seeks of them (half
 * of freeable with seeks 0), plus the work deferred from earlier passes
 * (nr_deferred >> p), at most 2 * freeable, in batches of batch (default
 * SHRINK_BATCH), stopping at SHRINK_STOP.  What was asked and not scanned
 * is deferred to the next pass, up to 2 * freeable.  These are the
 * kernel's numbers; DEF_PRIORITY 12 scans 1/2048 of a DEFAULT_SEEKS cache.
 *
 * Bad shrinkers are survived: a count past any real cache (> ULONG_MAX / 8
 * objects, but not SHRINK_EMPTY: a counter gone negative) is reported and the shrinker skipped for
 * the pass; a scan that says it freed more than it was asked to look at is
 * reported and counted as what was asked.  Reports are rate-limited.
 *
 * Invariants: a dead shrinker is never pinned anew; a linked shrinker is
 * registered (SHRINKER_REGISTERED); ukmem_active counts the passes inside
 * its callbacks.
 */
#include <stdarg.h>

#include "reclaim/internal.h"

/* Past this a count is a bug (a counter gone negative, say), not a cache:
 * the arithmetic below multiplies it by 4. */
#define NONSENSE_COUNT (~0UL / 8)

static struct shrinker *shrinkers;	/* newest first, under reclaim_lock */
static unsigned long slabs_scanned;	/* atomic */
unsigned long reclaim_drop_slab_count, reclaim_drop_pagecache_count;	/* atomic */
static struct ratelimit_state bad_rs = { .interval_ns = 5000000000ULL, .burst = 10 };

unsigned long reclaim_slabs_scanned(void)
{
	return __atomic_load_n(&slabs_scanned, __ATOMIC_RELAXED);
}

/* ---- pinning ---------------------------------------------------------------- */

void reclaim_put_active(int *active)
{
	if (__atomic_sub_fetch(active, 1, __ATOMIC_RELEASE) == 0)
		ukmem_plat_wake(active, -1);
}

void reclaim_wait_idle(int *active)
{
	int n;

	while ((n = __atomic_load_n(active, __ATOMIC_ACQUIRE)) != 0)
		ukmem_plat_wait(active, n, 10000000);
}

void reclaim_unpin_all(void)
{
	for (struct shrinker *s = shrinkers; s; s = s->ukmem_next)
		__atomic_store_n(&s->ukmem_active, 0, __ATOMIC_RELAXED);
	oom_unpin_all();
}

/* The first live shrinker from s on, pinned; NULL at the end.  Lock held. */
static struct shrinker *pin_from_locked(struct shrinker *s)
{
	while (s && __atomic_load_n(&s->ukmem_dead, __ATOMIC_RELAXED))
		s = s->ukmem_next;
	if (s)
		__atomic_fetch_add(&s->ukmem_active, 1, __ATOMIC_RELAXED);
	return s;
}

/* ---- one shrinker ------------------------------------------------------------- */

static void report_bad(const struct shrinker *s, const char *what, unsigned long got,
		       unsigned long asked)
{
	if (ukmem_ratelimit(&bad_rs))
		ukmem_warn("WARNING: shrinker %s: %s %lu (asked %lu); ignored\n", s->name, what,
			   got, asked);
}

static unsigned long do_shrink_slab(struct shrink_control *sc, struct shrinker *s, int priority)
{
	long batch_size = s->batch > 0 ? s->batch : SHRINK_BATCH;
	int slot = (s->flags & SHRINKER_NUMA_AWARE) ? sc->nid : 0;
	unsigned long freeable, delta, total_scan, scanned = 0, freed = 0;
	long nr, next_deferred;

	freeable = s->count_objects(s, sc);
	if (freeable == 0 || freeable == SHRINK_EMPTY)
		return freeable == SHRINK_EMPTY ? 0 : freeable;
	if (freeable > NONSENSE_COUNT) {
		report_bad(s, "count_objects returned", freeable, NONSENSE_COUNT);
		return 0;
	}
	nr = __atomic_exchange_n(&s->nr_deferred[slot], 0, __ATOMIC_RELAXED);
	if (nr < 0)
		nr = 0;
	if (s->seeks) {
		delta = (freeable >> priority) * 4;
		delta /= (unsigned long)s->seeks;
	} else {
		delta = freeable / 2;
	}
	total_scan = ((unsigned long)nr >> priority) + delta;
	if (total_scan > 2 * freeable)
		total_scan = 2 * freeable;

	while (total_scan >= (unsigned long)batch_size || total_scan >= freeable) {
		unsigned long nr_to_scan = total_scan < (unsigned long)batch_size ?
					   total_scan : (unsigned long)batch_size;
		unsigned long ret;

		sc->nr_to_scan = nr_to_scan;
		sc->nr_scanned = nr_to_scan;
		ret = s->scan_objects(s, sc);
		if (ret == SHRINK_STOP)
			break;
		if (ret > nr_to_scan) {
			report_bad(s, "scan_objects freed", ret, nr_to_scan);
			ret = nr_to_scan;
		}
		freed += ret;
		if (sc->nr_scanned == 0 || sc->nr_scanned > total_scan)
			sc->nr_scanned = nr_to_scan < total_scan ? nr_to_scan : total_scan;
		__atomic_fetch_add(&slabs_scanned, sc->nr_scanned, __ATOMIC_RELAXED);
		total_scan -= sc->nr_scanned;
		scanned += sc->nr_scanned;
		if (total_scan == 0)
			break;
	}
	next_deferred = (long)((unsigned long)nr + delta) - (long)scanned;
	if (next_deferred < 0)
		next_deferred = 0;
	if ((unsigned long)next_deferred > 2 * freeable)
		next_deferred = (long)(2 * freeable);
	__atomic_fetch_add(&s->nr_deferred[slot], next_deferred, __ATOMIC_RELAXED);
	return freed;
}

/* ---- a pass ------------------------------------------------------------------ */

unsigned long shrink_slab(gfp_t gfp, int nid, int priority)
{
	struct shrink_control sc = { .gfp_mask = gfp, .nid = nid };
	unsigned long freed = 0;
	struct shrinker *s;

	if (!ukmem_lock(&reclaim_lock))
		return 0;
	s = pin_from_locked(shrinkers);
	ukmem_unlock(&reclaim_lock);
	while (s) {
		struct shrinker *next;

		/* A shrinker that is not NUMA aware sees node 0 only once. */
		if (nid == 0 || (s->flags & SHRINKER_NUMA_AWARE)) {
			sc.nid = (s->flags & SHRINKER_NUMA_AWARE) ? nid : 0;
			freed += do_shrink_slab(&sc, s, priority);
		}
		ukmem_lock(&reclaim_lock);
		next = pin_from_locked(s->ukmem_next);
		ukmem_unlock(&reclaim_lock);
		reclaim_put_active(&s->ukmem_active);
		s = next;
	}
	return freed;
}

unsigned long reclaim_drop_slab(void)
{
	unsigned long total = 0, freed;
	unsigned int pflags = memalloc_noreclaim_save();
	int shift = 0;

	__atomic_fetch_add(&reclaim_drop_slab_count, 1, __ATOMIC_RELAXED);
	/* As the kernel's drop_slab: until a round frees next to nothing. */
	do {
		int nid;

		freed = 0;
		for_each_online_node(nid)
			freed += shrink_slab(GFP_KERNEL, nid, 0);
		total += freed;
	} while ((freed >> shift++) > 1 && shift < 64);
	memalloc_noreclaim_restore(pflags);
	return total;
}

void reclaim_note_drop_pagecache(void)
{
	__atomic_fetch_add(&reclaim_drop_pagecache_count, 1, __ATOMIC_RELAXED);
}

/* ---- the registry -------------------------------------------------------------- */

static void set_name(struct shrinker *s, const char *fmt, va_list ap)
{
	if (fmt)
		ukmem_vsnprintf(s->name, sizeof(s->name), fmt, ap);
	else
		ukmem_strlcpy(s->name, "(unnamed)", sizeof(s->name));
}

static int link_shrinker(struct shrinker *s)
{
	if (!s->count_objects || !s->scan_objects) {
		ukmem_printk("ukmem: shrinker %s without count_objects or scan_objects: not "
			     "registered\n", s->name);
		return -EINVAL;
	}
	if (!ukmem_lock(&reclaim_lock))
		return -EAGAIN;
	if (s->flags & SHRINKER_REGISTERED) {
		ukmem_unlock(&reclaim_lock);
		ukmem_warn("WARNING: shrinker %s registered twice\n", s->name);
		return -EINVAL;
	}
	s->flags |= SHRINKER_REGISTERED;
	__atomic_store_n(&s->ukmem_dead, 0, __ATOMIC_RELAXED);
	s->ukmem_next = shrinkers;
	shrinkers = s;
	ukmem_unlock(&reclaim_lock);
	reclaim_plug_in();
	reclaim_start_kswapd();
	return 0;
}

static void unlink_shrinker(struct shrinker *s)
{
	struct shrinker **pp;

	ukmem_lock(&reclaim_lock);
	if (!(s->flags & SHRINKER_REGISTERED)) {
		ukmem_unlock(&reclaim_lock);
		return;
	}
	__atomic_store_n(&s->ukmem_dead, 1, __ATOMIC_RELAXED);
	ukmem_unlock(&reclaim_lock);
	/* Scans already inside the callbacks finish first. */
	reclaim_wait_idle(&s->ukmem_active);
	ukmem_lock(&reclaim_lock);
	for (pp = &shrinkers; *pp; pp = &(*pp)->ukmem_next)
		if (*pp == s) {
			*pp = s->ukmem_next;
			break;
		}
	s->flags &= ~SHRINKER_REGISTERED;
	ukmem_unlock(&reclaim_lock);
}

struct shrinker *ukmem_shrinker_alloc(unsigned int flags, const char *fmt, ...)
{
	struct page *page;
	struct shrinker *s;
	va_list ap;

	_Static_assert(sizeof(struct shrinker) <= PAGE_SIZE, "a shrinker fits a page");
	if (!ukmem_ensure_init())
		return NULL;
	/* The layer sits below the slab allocator: a page of its own. */
	page = ukmem_alloc_pages(GFP_KERNEL | __GFP_ZERO, 0, NUMA_NO_NODE);
	if (!page)
		return NULL;
	s = page_address(page);
	s->flags = (flags & (SHRINKER_NUMA_AWARE | SHRINKER_MEMCG_AWARE | SHRINKER_NONSLAB)) |
		   SHRINKER_ALLOCATED;
	s->seeks = DEFAULT_SEEKS;
	va_start(ap, fmt);
	set_name(s, fmt, ap);
	va_end(ap);
	return s;
}

void ukmem_shrinker_register(struct shrinker *s)
{
	if (!s)
		return;
	if (!(s->flags & SHRINKER_ALLOCATED)) {
		ukmem_warn("WARNING: shrinker_register(%s): not from shrinker_alloc\n", s->name);
		return;
	}
	link_shrinker(s);
}

void ukmem_shrinker_free(struct shrinker *s)
{
	if (!s)
		return;
	if (!(s->flags & SHRINKER_ALLOCATED)) {
		ukmem_warn("WARNING: shrinker_free(%s): not from shrinker_alloc\n", s->name);
		return;
	}
	unlink_shrinker(s);
	ukmem_free_pages(virt_to_page(s), 0);
}

int ukmem_register_shrinker(struct shrinker *s, const char *fmt, ...)
{
	va_list ap;

	if (!s)
		return -EINVAL;
	if (!ukmem_ensure_init())
		return -ENOMEM;
	if (!(s->flags & SHRINKER_REGISTERED)) {
		/* A shrinker the caller owns may come from the stack or
		 * malloc: the kernel zeroes what it keeps in it. */
		s->flags &= SHRINKER_NUMA_AWARE | SHRINKER_MEMCG_AWARE | SHRINKER_NONSLAB;
		s->ukmem_active = 0;
		s->ukmem_next = NULL;
		__builtin_memset(s->nr_deferred, 0, sizeof(s->nr_deferred));
	}
	va_start(ap, fmt);
	set_name(s, fmt, ap);
	va_end(ap);
	return link_shrinker(s);
}

void ukmem_unregister_shrinker(struct shrinker *s)
{
	if (s)
		unlink_shrinker(s);
}
