/*
 * mmzone.h - the page allocator's data: nodes, zones, free areas, per-CPU
 * page lists, watermarks and counters.  src/page owns these structures;
 * the layers above reach them through the door, page/page.h, and only
 * src/stats reads them (to render the /proc files).
 *
 * Invariants (checked by ukmem_page_validate()):
 *   - A free block of order o starts at a pfn that is a multiple of 2^o, lies
 *     inside one zone, and its head page has PageBuddy with private == o;
 *     its other pages are not PageBuddy.
 *   - zone->free_area[o].nr_free == number of blocks on the free_list[*] of
 *     order o, plus, for o == MAX_PAGE_ORDER, zone->nr_pristine.
 *   - NR_FREE_PAGES of a zone == sum over o of nr_free(o) << o.  Pages on
 *     per-CPU lists are not free in this sense (as in the kernel: they count
 *     as allocated from the zone's point of view).
 *   - A pristine block (bit set in zone->pristine) is a free MAX_PAGE_ORDER
 *     block whose struct pages have never been initialised or were given
 *     back to the OS with the memory; its memory reads as zero.
 *   - Every page of a zone is in exactly one of: a listed free block (on a
 *     free list, or pristine), a block isolated for release to the OS (in a
 *     used slot of zone->release, owned by the one thread that isolated
 *     it), a per-CPU list, or in use.  Isolated blocks are not PageBuddy,
 *     not in nr_free and not in NR_FREE_PAGES (the kernel's isolated
 *     pages); zone->nr_isolated == sum over used slots of 2^order.
 *   - pcp->count == sum over lists of (pages on list << list order).
 *
 * Locks: zone->lock protects the free areas, the pristine bitmap, the
 * release slots and the zone's NR_FREE_PAGES; each per_cpu_pages has its own lock, always taken
 * with trylock (the kernel's pcp_spin_trylock): a CPU slot that is busy,
 * because another thread on the same CPU or an interrupted thread under a
 * signal handler holds it, is bypassed in favour of the zone.
 * Lock order: src/lib/lockrank.h (pcp->lock, zone->lock, release_lock).
 * buddy.c takes release_lock with no other ranked lock held (a pcp->lock
 * may be), and nothing is taken under it.
 */
#ifndef UKMEM_PAGE_MMZONE_H
#define UKMEM_PAGE_MMZONE_H

#include <ukmem/gfp.h>
#include <ukmem/mm.h>

#include "lib/list.h"
#include "lib/lockrank.h"
#include "platform/platform.h"

/* Per-CPU lists: orders 0..PAGE_ALLOC_COSTLY_ORDER x the three pcp types. */
#define NR_PCP_LISTS	(MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))
#define PCP_BATCH_SCALE_MAX 5

enum zone_watermarks {
	WMARK_MIN,
	WMARK_LOW,
	WMARK_HIGH,
	WMARK_PROMO,
	NR_WMARK
};

/* Zone counters, in pages.  The list feeds the enum and /proc/zoneinfo. */
#define UKMEM_ZONE_STAT_ITEMS(X) \
	X(NR_FREE_PAGES, "nr_free_pages")

enum zone_stat_item {
#define X(e, name) e,
	UKMEM_ZONE_STAT_ITEMS(X)
#undef X
	NR_VM_ZONE_STAT_ITEMS
};

/* Events counted per zone (summed for /proc/vmstat), in pages.  PGALLOC
 * becomes pgalloc_<zone>. */
#define UKMEM_ZONE_EVENT_ITEMS(X) \
	X(PGALLOC, "pgalloc") \
	X(PGFREE, "pgfree") \
	X(PGRELEASE, "ukmem_pgrelease") \
	X(ALLOCSTALL, "allocstall")

enum zone_event_item {
#define X(e, name) EV_##e,
	UKMEM_ZONE_EVENT_ITEMS(X)
#undef X
	NR_ZONE_EVENT_ITEMS
};

struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free;
};

/* A free block isolated for release to the OS (buddy.c).  Recorded here,
 * not linked through its struct pages: those may be given back too. */
struct release_slot {
	unsigned long pfn;
	unsigned char order;
	unsigned char flags;		/* what to give back: RELEASE_* in buddy.c */
};

#define ZONE_RELEASE_SLOTS 16

/* One CPU's page cache of one zone.  Aligned so two CPUs never share a
 * cache line. */
struct per_cpu_pages {
	plat_lock_t lock;
	int count;			/* pages on the lists */
	int high;			/* above this, give back nr_pcp_free() */
	int batch;			/* pages moved from/to the buddy at once */
	int free_factor;		/* grows on consecutive frees */
	unsigned long events[NR_ZONE_EVENT_ITEMS];	/* under lock */
	struct list_head lists[NR_PCP_LISTS];
} __attribute__((aligned(64)));

struct pglist_data;

struct zone {
	/* Read-mostly: the allocation fast path reads these without the lock. */
	unsigned long _watermark[NR_WMARK];
	unsigned long watermark_boost;
	long lowmem_reserve[MAX_NR_ZONES];
	struct pglist_data *zone_pgdat;
	struct per_cpu_pages *per_cpu_pageset;	/* [nr_cpus] */
	const char *name;
	int zone_idx;
	int node;

	unsigned long zone_start_pfn;
	unsigned long spanned_pages;	/* end - start, holes included */
	unsigned long present_pages;	/* pages in the zone's regions */
	unsigned long managed_pages;	/* present less boot-time reservations */

	/* Written under lock. */
	ukmem_lock_t lock __attribute__((aligned(64)));
	/* Slots isolated during the current hold of the lock, released by
	 * the holder's zone_unlock: zero whenever the lock is free. */
	unsigned int release_pending;
	unsigned int release_used;	/* bitmap of slots holding a block */
	unsigned long nr_isolated;	/* pages in those blocks */
	struct release_slot release[ZONE_RELEASE_SLOTS];
	struct free_area free_area[NR_PAGE_ORDERS];
	unsigned long *pristine;	/* bitmap, one bit per MAX_ORDER block */
	unsigned long pristine_base_pfn;	/* pfn of bit 0 */
	unsigned long nr_pristine_bits;
	unsigned long nr_pristine;
	unsigned long pristine_hint;	/* lowest bit that may be set */
	unsigned char *pageblock_mt;	/* migratetype per pageblock */
	unsigned long vm_stat[NR_VM_ZONE_STAT_ITEMS];	/* relaxed reads OK */
	unsigned long events[NR_ZONE_EVENT_ITEMS];	/* under lock */
	/* Frees that found the lock busy in a signal handler; the next holder
	 * of the lock gives them back (the kernel's free_pages_nolock). */
	struct llist_head deferred_free;
};

typedef struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	int node_id;
	unsigned long node_start_pfn;
	unsigned long node_present_pages;
	unsigned long node_spanned_pages;
} pg_data_t;

/* Everything the page allocator knows, in one place. */
struct ukmem_mm {
	int nr_nodes;
	int nr_cpus;
	pg_data_t node_data[MAX_NUMNODES];
	int min_free_kbytes;
	int user_min_free_kbytes;	/* -1 unless set by option or write */
	int watermark_scale_factor;	/* 10 = 0.1% */
	int lowmem_reserve_ratio[MAX_NR_ZONES];
	unsigned long max_pfn;		/* the memmap covers pfns [0, max_pfn) */
	unsigned long totalram_pages;	/* sum of managed pages */
	unsigned long totalreserve_pages;
	unsigned long alloc_failures;	/* atomic: allocations that returned NULL */
	int free_seq;			/* atomic: bumped when a waiter may retry */
	int free_waiters;		/* atomic: threads waiting in free_seq */
	unsigned long bad_page_reports;	/* atomic: bad frees found */
	unsigned long reserved_pages;	/* taken at boot: memmap, pcp, bitmaps */
	bool release_to_os;		/* hosted: give free 2 MiB+ blocks back */
	bool lazy_memmap;		/* hosted: fresh zero memory, pristine blocks */
	bool highmem_configured;
	uintptr_t arena_base;
	size_t arena_size;
};

extern struct ukmem_mm ukmem_mm;

extern const char *const ukmem_zone_names[MAX_NR_ZONES];
extern const char *const ukmem_migratetype_names[MIGRATE_TYPES];

#define NODE_DATA(nid) (&ukmem_mm.node_data[(nid)])

static inline bool populated_zone(const struct zone *zone)
{
	return zone->present_pages != 0;
}

static inline bool is_highmem_idx(int idx)
{
	return idx == ZONE_HIGHMEM;
}

static inline unsigned long zone_managed_pages(const struct zone *zone)
{
	return zone->managed_pages;
}

/* Watermarks change under zone->lock (min_free_kbytes writes) and are read
 * without it on every allocation: relaxed atomics on both sides. */
static inline unsigned long wmark_pages(const struct zone *z, enum zone_watermarks w)
{
	return __atomic_load_n(&z->_watermark[w], __ATOMIC_RELAXED) +
	       __atomic_load_n(&z->watermark_boost, __ATOMIC_RELAXED);
}

#define min_wmark_pages(z)  wmark_pages((z), WMARK_MIN)
#define low_wmark_pages(z)  wmark_pages((z), WMARK_LOW)
#define high_wmark_pages(z) wmark_pages((z), WMARK_HIGH)

static inline unsigned long zone_page_state(const struct zone *z, enum zone_stat_item item)
{
	return __atomic_load_n(&z->vm_stat[item], __ATOMIC_RELAXED);
}

/* Sum of one event over the zone and all its CPUs (racy, as in the kernel). */
unsigned long ukmem_zone_events(const struct zone *zone, enum zone_event_item item);

#define for_each_online_node(nid) for ((nid) = 0; (nid) < ukmem_mm.nr_nodes; (nid)++)

/* Recompute watermarks, lowmem_reserve and pcp high/batch after
 * min_free_kbytes or the zones changed (the kernel's
 * setup_per_zone_wmarks + setup_per_zone_lowmem_reserve +
 * zone_pcp_update).  Takes every zone lock. */
void ukmem_setup_per_zone_wmarks(void);

/* The kernel's calculate_min_free_kbytes() formula for this memory. */
int ukmem_calculate_min_free_kbytes(void);

/* Walk every structure and check the invariants above; returns the number
 * of violations found (each one logged).  Takes every lock. */
int ukmem_page_validate(void);

#endif /* UKMEM_PAGE_MMZONE_H */
