/*
 * page.h - the page allocator's door: what the layers above src/page may
 * use besides the public API (include/ukmem/gfp.h and mm.h).  Every other
 * header of src/page is private to it; scripts/check-layers.sh fails the
 * build of CI on an include that goes round this door.
 *
 * Offered: the start (ukmem_ensure_init, which every layer's entry points
 * pass on first use, and ukmem_start for ukmem_init), the node and zone
 * structures that the stats render (mmzone.h), the zone walks of
 * /proc/pagetypeinfo and the control files, the kernel's allocation
 * warning for vmalloc, and the allocation order of a block.
 */
#ifndef UKMEM_PAGE_PAGE_H
#define UKMEM_PAGE_PAGE_H

#include <ukmem/sched_mm.h>

#include "lib/options.h"
#include "page/mmzone.h"

/* ---- start.c: the start ------------------------------------------------- */

/* Start ukmem with UKMEM_OPTIONS (or the defaults) if nothing has started
 * it yet.  Returns false if it could not start.  One load once started. */
bool ukmem_ensure_init(void);

/* Start ukmem with opt (ukmem_init): 0, -EBUSY if it is up, or the page
 * allocator's error (-EINVAL for memory the options cannot lay out). */
int ukmem_start(const struct ukmem_options *opt);

/* The options ukmem started with, for the layers that start later (the
 * slab layer's geometry); NULL before the start. */
const struct ukmem_options *ukmem_started_options(void);

/* memmap.c: the page allocator from the page options (start.c). */
int ukmem_page_init(const struct ukmem_page_options *opt);

/* fork(): give the lock table the walkers of the pcp and zone locks
 * (ukmem_page_init does, once the zones exist). */
void page_register_lock_walkers(void);

/* ---- reclaim: the one way up from here ------------------------------------ */

/*
 * What the page allocator's slow path calls when an allocation that may
 * sleep finds memory short, registered from above by src/reclaim.
 * direct_reclaim frees memory for it and returns the progress made
 * (pages or objects given back; 0: none); out_of_memory is the OOM step
 * after reclaim gave up, true if memory was freed and the allocation
 * should try again; wake_kswapd starts background reclaim.  All run with
 * no lock of this layer held.
 */
struct page_reclaim_ops {
	unsigned long (*direct_reclaim)(gfp_t gfp, unsigned int order, int nid);
	bool (*out_of_memory)(gfp_t gfp, unsigned int order);
	/* An allocation with __GFP_KSWAPD_RECLAIM found the node low. */
	void (*wake_kswapd)(gfp_t gfp, unsigned int order, int highest_zoneidx, int nid);
};

void page_set_reclaim_ops(const struct page_reclaim_ops *ops);

/* A zone counter summed over every zone of every node (racy, as the
 * kernel's global_zone_page_state). */
unsigned long page_zone_state_sum(enum zone_stat_item item);

/* Free pages of every zone. */
static inline unsigned long page_free_pages(void)
{
	return page_zone_state_sum(NR_FREE_PAGES);
}

/* ---- nodes ------------------------------------------------------------------ */

/* The node this CPU allocates from (the kernel's numa_mem_id): with fake
 * NUMA, CPUs are spread over the nodes. */
static inline int numa_mem_id(void)
{
	return ukmem_mm.nr_nodes > 1 ? ukmem_plat_cpu() % ukmem_mm.nr_nodes : 0;
}

/* The order a block was allocated with (page->ukmem_info, mm.h). */
static inline unsigned int page_alloc_order(const struct page *page)
{
	return (unsigned int)(page->ukmem_info & UKMEM_INFO_ORDER_MASK);
}

/* ---- zones (buddy.c, memmap.c) ---------------------------------------------- */

/* The zone lock (ranked, src/lib/lockrank.h): false only in a signal
 * handler that interrupted a holder.  zone_unlock first gives the blocks
 * that this hold isolated back to the OS, with the lock dropped, and puts
 * them back under it (buddy.c). */
bool zone_lock(struct zone *zone);
void zone_unlock(struct zone *zone);

/* The zone that holds a pfn, or NULL. */
struct zone *pfn_zone(unsigned long pfn);

int get_pageblock_migratetype(const struct zone *zone, unsigned long pfn);

/* Number of free blocks of an order and type (pagetypeinfo, validate).
 * zone->lock held. */
unsigned long count_free_blocks_locked(const struct zone *zone, unsigned int order, int mt);

/* ---- report.c --------------------------------------------------------------- */

/* show_mem()'s zone state, as warn_alloc and the OOM report print it. */
void show_free_areas(void);

/* The kernel's "page allocation failure" warning (also vmalloc's). */
void warn_alloc(gfp_t gfp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The flags as the kernel's %pGg prints them, into buf. */
const char *format_gfp(gfp_t gfp, char *buf, size_t size);

#endif /* UKMEM_PAGE_PAGE_H */
