/*
 * decay.c - freed page blocks and huge areas, kept for a while before they
 * go back: the decay delay of jemalloc and mimalloc.
 *
 * Theory
 * ------
 * The page allocator hands a free block of pageblock order (2 MiB) or
 * more back to the OS at once, and vfree releases a huge area at once
 * (src/page/buddy.c says why, and leaves the delay to the front).  A
 * program that frees and allocates a big buffer in a loop (SQLite's 2 MiB
 * page-cache bulk per pager, a codec's frame buffer) would pay a madvise
 * and then a page fault per page, every round.  So the front keeps the
 * blocks it frees above a threshold for DECAY_NS, and serves allocations
 * of the same shape from them:
 *   - page blocks (kmalloc_large) of order >= DECAY_MIN_ORDER: an exact
 *     order match (a block is aligned to its size, so any alignment up to
 *     it is met);
 *   - huge areas (huge.c): at least the size asked for, at most half
 *     again as large, aligned as asked.  Programs that churn big buffers
 *     rarely ask twice for the same size (mimalloc-bench's malloc-large:
 *     5-25 MiB at random); half again lets most requests find a kept area,
 *     and costs at most a third of an area's pages, if the program touches
 *     them all.
 * The most recently freed match wins (its memory is likely still in the
 * cache).  Smaller sizes need none of this: up to FRONT_CLASS_MAX (64 KiB)
 * they are objects of a size class, which the slab layer's sheaves and
 * partial slabs keep.  So every page block malloc makes (order 5 and up)
 * is kept.  Smaller page blocks come only from alloc_slow's fallbacks (a
 * class whose cache could not be made, a debug layout that broke an
 * alignment), and are kept from DECAY_MIN_ORDER on.
 *
 * This is a slow path by design: one global lock and a clock read per
 * call, a linear search of DECAY_SLOTS; a malloc/free pair of 100 KiB
 * costs about 80 ns this way (against 10-15 for a pair of a 64 KiB class),
 * which is small next to what a program does with 128 KiB.
 *
 * Bounds: DECAY_SLOTS blocks and DECAY_MAX_BYTES (128 MiB of address
 * space; resident only what the program touched) in all; a block above
 * DECAY_MAX_BLOCK (32 MiB) is never kept.  Inserting beyond the bounds evicts the
 * oldest.  Time runs only when the front is called: every get and put
 * first releases what has waited longer than DECAY_NS.  A program that
 * stops allocating large blocks keeps at most DECAY_MAX_BYTES resident,
 * as jemalloc without its background thread does.
 *
 * A kept block is free to the program: freeing it again is reported as a
 * double free (the slots are searched before an insert), as the page
 * allocator would report it once the block is released.
 *
 * Lock: decay_lock, a leaf.  Blocks are released (kfree, huge_free) with
 * it dropped.
 */
#include "malloc/front.h"

#define DECAY_NS		(1000ULL * 1000 * 1000)	/* 1 s */
#define DECAY_SLOTS		16
#define DECAY_MAX_BYTES		(128UL << 20)
#define DECAY_MAX_BLOCK		(32UL << 20)

struct decay_entry {
	void *p;
	size_t usable;
	uint64_t freed_ns;
	bool huge;
};

static struct decay_entry decay_slots[DECAY_SLOTS];
/* Slots in use: [0, decay_nr).  Written under decay_lock; read without
 * it only as a hint that there is nothing to look for. */
static unsigned int decay_nr;
static size_t decay_bytes;

/* Move slot i into *out and fill the hole with the last slot. */
static void take_locked(unsigned int i, struct decay_entry *out)
{
	unsigned int last = decay_nr - 1;

	*out = decay_slots[i];
	decay_bytes -= out->usable;
	decay_slots[i] = decay_slots[last];
	__atomic_store_n(&decay_nr, last, __ATOMIC_RELAXED);
}

/* Take every block older than DECAY_NS into out; returns how many. */
static unsigned int expire_locked(uint64_t now, struct decay_entry *out)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < decay_nr;) {
		if (now - decay_slots[i].freed_ns > DECAY_NS)
			take_locked(i, &out[n++]);
		else
			i++;
	}
	return n;
}

static void release(const struct decay_entry *e, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (e[i].huge)
			huge_free(e[i].p);
		else
			ukmem_kfree(e[i].p);
	}
}

static bool fits(const struct decay_entry *e, size_t size, size_t align, bool huge)
{
	if (e->huge != huge)
		return false;
	if (!huge)
		return e->usable == size;	/* the block size of the order */
	return e->usable >= size && e->usable - size <= size / 2 &&
	       !((uintptr_t)e->p & (align - 1));
}

void *decay_get(size_t size, size_t align, bool huge)
{
	struct decay_entry gone[DECAY_SLOTS], hit = { 0 };
	unsigned int n;
	int best = -1;

	if (!__atomic_load_n(&decay_nr, __ATOMIC_RELAXED))
		return NULL;
	if (!huge)
		size = PAGE_SIZE << get_order(size);
	if (!ukmem_lock(&decay_lock))
		return NULL;	/* out of order (a shrinker's free, say): no reuse */
	n = expire_locked(ukmem_plat_now_ns(), gone);
	for (unsigned int i = 0; i < decay_nr; i++)
		if (fits(&decay_slots[i], size, align, huge) &&
		    (best < 0 || decay_slots[i].freed_ns > decay_slots[best].freed_ns))
			best = (int)i;
	if (best >= 0)
		take_locked((unsigned int)best, &hit);
	ukmem_unlock(&decay_lock);
	release(gone, n);
	return hit.p;
}

bool decay_put(void *p, size_t usable, bool huge)
{
	struct decay_entry gone[DECAY_SLOTS + 1];
	unsigned int n;
	uint64_t now;

	if (usable > DECAY_MAX_BLOCK)
		return false;
	now = ukmem_plat_now_ns();
	if (!ukmem_lock(&decay_lock))
		return false;	/* not kept: the caller frees it */
	for (unsigned int i = 0; i < decay_nr; i++) {
		if (decay_slots[i].p == p) {
			ukmem_unlock(&decay_lock);
			front_report_bad("free", p, "block already free");
			return true;
		}
	}
	n = expire_locked(now, gone);
	while (decay_nr == DECAY_SLOTS || decay_bytes + usable > DECAY_MAX_BYTES) {
		unsigned int oldest = 0;

		for (unsigned int i = 1; i < decay_nr; i++)
			if (decay_slots[i].freed_ns < decay_slots[oldest].freed_ns)
				oldest = i;
		take_locked(oldest, &gone[n++]);
	}
	decay_slots[decay_nr] = (struct decay_entry){ p, usable, now, huge };
	decay_bytes += usable;
	__atomic_store_n(&decay_nr, decay_nr + 1, __ATOMIC_RELAXED);
	ukmem_unlock(&decay_lock);
	release(gone, n);
	return true;
}
