/*
 * huge.c - allocations above KMALLOC_MAX_SIZE (4 MiB), and allocations
 * aligned beyond it: vmalloc areas, with a registry of their sizes.
 *
 * Theory
 * ------
 * kmalloc stops at 4 MiB, the largest buddy block; above it the front
 * takes a vmalloc area.  vmalloc aligns its areas to a page only and tells
 * nobody their size, so the front keeps a registry: one entry per live
 * huge allocation, keyed by the pointer malloc returned, holding the
 * area's start and length.
 *
 * An alignment above a page is met by asking vmalloc for align - PAGE_SIZE
 * more and returning the aligned address inside the area.  That pointer
 * is the registry's key, so free() and malloc_usable_size() take it like
 * any other; the unused head and tail of the area cost address space only
 * (never touched, so never committed).  The usable size runs from the
 * pointer to the end of the area.
 *
 * The registry is an open-addressing hash table (linear probing,
 * backward-shift deletion, so no tombstones) in static storage, committed
 * by the OS only where touched.  Its size bounds the live huge
 * allocations: 32768 slots kept at most 3/4 full, 24576 areas of more
 * than 4 MiB each, 96 GiB: more than the vmalloc range holds, so the
 * bound is vmalloc's, not ours.  A lookup never dereferences the pointer
 * it is given: a bad pointer costs a probe, not a crash.
 *
 * Lock: huge_lock (src/lib/lockrank.h) guards the table only; vmalloc
 * and vfree run with it dropped (vmalloc may reclaim, and a shrinker may
 * free a huge block): an allocation reserves its slot first, a free
 * removes its entry first.  A caller that could only try the lock (out
 * of rank order) gets "not a huge block" / NULL, never an unlocked table.
 */
#include <ukmem/vmalloc.h>

#include "malloc/front.h"

#define HUGE_SLOTS_SHIFT 15
#define HUGE_SLOTS (1U << HUGE_SLOTS_SHIFT)
#define HUGE_MAX_LIVE (HUGE_SLOTS / 4 * 3)
/* Larger requests fail before vmalloc is asked (64 TiB, far beyond any
 * vmalloc range): keeps every page count below 2^32. */
#define HUGE_MAX_BYTES (1UL << 46)

/* A live huge allocation: ptr == 0 marks a free slot. */
struct huge_entry {
	uintptr_t ptr;		/* what malloc returned */
	uint32_t lead;		/* pages from the area's start to ptr */
	uint32_t pages;		/* pages of the area */
};

static struct huge_entry huge_table[HUGE_SLOTS];
static unsigned int huge_live;

static unsigned int huge_hash(uintptr_t ptr)
{
	return (unsigned int)(((ptr >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ULL) >>
			      (64 - HUGE_SLOTS_SHIFT));
}

/* The slot holding ptr, or -1. */
static int huge_find_locked(uintptr_t ptr)
{
	if (!ptr)
		return -1;
	for (unsigned int i = huge_hash(ptr);; i = (i + 1) & (HUGE_SLOTS - 1)) {
		if (huge_table[i].ptr == ptr)
			return (int)i;
		if (!huge_table[i].ptr)
			return -1;
	}
}

static void huge_insert_locked(uintptr_t ptr, uint32_t lead, uint32_t pages)
{
	unsigned int i = huge_hash(ptr);

	while (huge_table[i].ptr)
		i = (i + 1) & (HUGE_SLOTS - 1);
	huge_table[i] = (struct huge_entry){ ptr, lead, pages };
	huge_live++;
}

/* Empty slot i and move back every later entry of its probe run that
 * may no longer be reachable (Knuth's algorithm R). */
static void huge_delete_locked(unsigned int i)
{
	unsigned int j = i;

	huge_table[i].ptr = 0;
	for (;;) {
		unsigned int home;

		j = (j + 1) & (HUGE_SLOTS - 1);
		if (!huge_table[j].ptr)
			break;
		home = huge_hash(huge_table[j].ptr);
		/* Entry j stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		huge_table[i] = huge_table[j];
		huge_table[j].ptr = 0;
		i = j;
	}
	huge_live--;
}

void *huge_alloc(size_t size, size_t align, bool zero)
{
	size_t extra = align > PAGE_SIZE ? align - PAGE_SIZE : 0;
	size_t total;
	uintptr_t area, ptr = 0;
	gfp_t gfp = FRONT_GFP | __GFP_NOWARN | (zero ? __GFP_ZERO : 0);

	if (size > HUGE_MAX_BYTES || align > HUGE_MAX_BYTES)
		return NULL;
	total = PAGE_ALIGN(size) + extra;
	if (total > HUGE_MAX_BYTES)
		return NULL;
	/* A slot first, then the area with the lock dropped: vmalloc takes
	 * arena pages and may run reclaim, whose shrinkers may free huge
	 * blocks themselves. */
	if (!ukmem_lock(&huge_lock))
		return NULL;
	if (huge_live >= HUGE_MAX_LIVE) {
		ukmem_unlock(&huge_lock);
		return NULL;
	}
	huge_live++;		/* the slot, reserved */
	ukmem_unlock(&huge_lock);
	area = (uintptr_t)ukmem_vmalloc(total, gfp, NUMA_NO_NODE);
	ukmem_lock(&huge_lock);
	huge_live--;
	if (area) {
		ptr = (area + align - 1) & ~(uintptr_t)(align - 1);
		huge_insert_locked(ptr, (uint32_t)((ptr - area) >> PAGE_SHIFT),
				   (uint32_t)(total >> PAGE_SHIFT));
	}
	ukmem_unlock(&huge_lock);
	return (void *)ptr;
}

size_t huge_usable(const void *p)
{
	size_t usable = 0;
	int i;

	if (!ukmem_lock(&huge_lock))
		return 0;
	i = huge_find_locked((uintptr_t)p);
	if (i >= 0)
		usable = (size_t)(huge_table[i].pages - huge_table[i].lead) << PAGE_SHIFT;
	ukmem_unlock(&huge_lock);
	return usable;
}

bool huge_free(void *p)
{
	uintptr_t area = 0;
	int i;

	if (!ukmem_lock(&huge_lock))
		return false;
	i = huge_find_locked((uintptr_t)p);
	if (i >= 0) {
		area = (uintptr_t)p - ((uintptr_t)huge_table[i].lead << PAGE_SHIFT);
		huge_delete_locked((unsigned int)i);
	}
	ukmem_unlock(&huge_lock);
	if (area)
		ukmem_vfree((void *)area);
	return area != 0;
}
