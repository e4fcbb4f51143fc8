/*
 * internal.h - what the files of the page allocator share with each other
 * (the kernel's mm/internal.h for this layer).  Not for other layers: they
 * use include/ukmem/gfp.h, include/ukmem/mm.h and the door, page/page.h
 * (scripts/check-layers.sh checks).
 */
#ifndef UKMEM_PAGE_INTERNAL_H
#define UKMEM_PAGE_INTERNAL_H

#include "lib/lib.h"
#include "lib/list.h"
#include "page/page.h"

/* The kernel's internal allocation flags (mm/internal.h, Linux 6.6). */
#define ALLOC_WMARK_MIN		WMARK_MIN
#define ALLOC_WMARK_LOW		WMARK_LOW
#define ALLOC_WMARK_HIGH	WMARK_HIGH
#define ALLOC_NO_WATERMARKS	0x04
#define ALLOC_WMARK_MASK	(ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM		0x08
#define ALLOC_NON_BLOCK		0x10	/* the caller cannot block */
#define ALLOC_MIN_RESERVE	0x20	/* __GFP_HIGH: half the min reserve */
#define ALLOC_CPUSET		0x40
#define ALLOC_NOFRAGMENT	0x100
#define ALLOC_KSWAPD		0x800
#define ALLOC_RESERVES	(ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_OOM)

static inline bool page_zeroed(const struct page *page)
{
	return (page->ukmem_info & UKMEM_INFO_ZEROED) != 0;
}

static inline struct zone *page_zone(const struct page *page)
{
	return &NODE_DATA(page_to_nid(page))->node_zones[page_zonenum(page)];
}

static inline void __SetPageBuddy(struct page *page)
{
	page->page_type &= ~PG_buddy;
}

static inline void __ClearPageBuddy(struct page *page)
{
	page->page_type |= PG_buddy;
}

static inline unsigned int buddy_order(const struct page *page)
{
	return (unsigned int)page->private;
}

/* Counters changed under zone->lock; read racily elsewhere. */
static inline void zone_stat_add_locked(struct zone *zone, enum zone_stat_item item, long delta)
{
	__atomic_store_n(&zone->vm_stat[item], zone->vm_stat[item] + (unsigned long)delta,
			 __ATOMIC_RELAXED);
}

/* free_area.nr_free changes under zone->lock; the watermark check reads it
 * without. */
static inline void area_nr_free_add_locked(struct zone *zone, unsigned int order, long delta)
{
	__atomic_store_n(&zone->free_area[order].nr_free,
			 zone->free_area[order].nr_free + (unsigned long)delta, __ATOMIC_RELAXED);
}

/* When the blocks isolated in this hold fill every release slot, release
 * them now: drops zone->lock and takes it again.  For loops that free many
 * pages in one hold and keep no zone state across the call. */
void zone_release_if_full_locked(struct zone *zone);

/* ---- buddy.c: free areas, split, merge, fallback, release -------------- */

void set_pageblock_migratetype(struct zone *zone, unsigned long pfn, int mt);

/* Take a block of the given order and migratetype (falling back to other
 * types as the kernel does).  zone->lock held. */
struct page *rmqueue_locked(struct zone *zone, unsigned int order, int mt);

/* Move up to count blocks of the order onto list (at its tail, in the
 * order found); returns how many.  zone->lock held. */
int rmqueue_bulk_locked(struct zone *zone, unsigned int order, int count,
			struct list_head *list, int mt);

/* Give one block back to the buddy allocator, merging with free buddies;
 * a merged block of pageblock order or more may be isolated for release
 * instead of listed (done by zone_unlock).  zone->lock held. */
void free_one_page_locked(struct zone *zone, struct page *page, unsigned long pfn,
			  unsigned int order, int mt);

/* Add a block to a free list without merging (boot, and the edges of
 * regions). zone->lock held. */
void add_free_block_locked(struct zone *zone, struct page *page, unsigned int order,
			   int mt, bool zeroed);

/* ---- memmap.c: regions, memmap, zones ---------------------------------- */

/* Initialise the struct pages of [pfn, pfn + nr) for their zone. */
void init_struct_pages(struct zone *zone, unsigned long pfn, unsigned long nr);

/* Boot-time reservations (memmap and friends): present, never free. */
bool ukmem_pfn_reserved(unsigned long pfn);

/* Pristine (never touched) MAX_PAGE_ORDER blocks of a zone. */
bool pristine_test(const struct zone *zone, unsigned long pfn);
void pristine_set_locked(struct zone *zone, unsigned long pfn);
/* Turn the lowest pristine block into an ordinary free block on the
 * MOVABLE list of MAX_PAGE_ORDER; false if there is none. */
bool pristine_materialize_locked(struct zone *zone);

/* ---- pcp.c: per-CPU page lists ----------------------------------------- */

static inline int order_to_pindex(int mt, unsigned int order)
{
	return (int)order * MIGRATE_PCPTYPES + mt;
}

static inline bool pcp_allowed_order(unsigned int order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER;
}

/* Take a page from this CPU's list (refilling it from the zone); NULL if
 * the zone has none or the CPU slot is busy. */
struct page *rmqueue_pcplist(struct zone *zone, unsigned int order, int mt, gfp_t gfp);
/* Put a page on this CPU's list; false if the slot was busy (the caller
 * then frees to the zone). */
bool free_unref_page(struct zone *zone, struct page *page, unsigned int order, int mt);
/* Give every page on one CPU's lists back (-1: every CPU). */
void drain_pages(int cpu);
void pcp_update_zone(struct zone *zone);

/* ---- page_alloc.c ---------------------------------------------------- */

/* Events counted without the lock (allocstall): atomic, the only kind of
 * writer of their item. */
static inline void zone_event_add_atomic(struct zone *zone, enum zone_event_item item,
					 unsigned long n)
{
	__atomic_fetch_add(&zone->events[item], n, __ATOMIC_RELAXED);
}

/* Events counted under zone->lock. */
static inline void zone_event_add_locked(struct zone *zone, enum zone_event_item item,
					 unsigned long n)
{
	counter_add(&zone->events[item], n);
}

/* Pages went back to a zone: wake allocations waiting for memory
 * (__GFP_NOFAIL).  One load when nobody waits. */
static inline void wake_memory_waiters(void)
{
	if (__builtin_expect(__atomic_load_n(&ukmem_mm.free_waiters, __ATOMIC_RELAXED), 0)) {
		__atomic_fetch_add(&ukmem_mm.free_seq, 1, __ATOMIC_RELEASE);
		ukmem_plat_wake(&ukmem_mm.free_seq, -1);
	}
}

/* The watermark check (the kernel's __zone_watermark_ok). */
bool zone_watermark_ok(struct zone *zone, unsigned int order, unsigned long mark,
		       int highest_zoneidx, unsigned int alloc_flags, long free_pages);

/* ---- report.c: the kernel's reports ----------------------------------- */

void bad_page(const struct page *page, const char *reason);
void dump_page(const struct page *page, const char *reason);

/* ---- fail_page_alloc.c: fault injection --------------------------------- */

/* True while the fail_page_alloc attributes can fail an allocation. */
/* init_on_alloc=1, init_on_free=1 for pages (page_alloc.c). */
extern bool page_init_on_alloc, page_init_on_free;

extern bool fail_page_alloc_live;

/* Apply the boot option (fail_page_alloc=, "" for none) and offer the
 * control files; at the start, before the state goes up. */
void fail_page_alloc_setup(const char *boot_str);

/* Should this allocation fail on purpose?  Only when live. */
bool should_fail_alloc_page(gfp_t gfp, unsigned int order);

/* The check at ukmem_alloc_pages' entry: when off, one load and one
 * predictable branch. */
static inline bool fail_page_alloc(gfp_t gfp, unsigned int order)
{
	return __builtin_expect(__atomic_load_n(&fail_page_alloc_live, __ATOMIC_RELAXED), 0) &&
	       should_fail_alloc_page(gfp, order);
}

#endif /* UKMEM_PAGE_INTERNAL_H */
