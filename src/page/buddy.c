/*
 * buddy.c - the binary buddy allocator of one zone: free areas per order
 * and migratetype, splitting on allocation, merging on free, stealing from
 * other migratetypes, and giving large free blocks back to the OS.
 *
 * Theory
 * ------
 * A free block of order o is 2^o pages starting at a pfn that is a multiple
 * of 2^o.  Its buddy is the block at pfn ^ 2^o.  Allocation takes the
 * smallest free block of at least the wanted order and splits it, giving
 * the upper halves back (the kernel's expand(): the caller keeps the lowest
 * pages).  Free merges the block with its buddy for as long as the buddy is
 * a free block of the same order in the same zone.
 *
 * Free lists are kept per migratetype and pageblocks (order 9) have a type,
 * so unmovable allocations cluster instead of pinning every large block:
 * when a type runs dry it steals from another as mm/page_alloc.c does
 * (__rmqueue_fallback: largest block first, whole pageblocks when the
 * request is unmovable/reclaimable or large).  ukmem has no page migration,
 * so "movable" pages are never counted as alike: a movable request claims a
 * pageblock only when half of it is free.
 *
 * Known-zero memory.  A free block's head carries UKMEM_INFO_ZEROED when
 * every byte of it is zero: fresh from the OS or given back to it.  Splits
 * pass the bit on, merges keep it only if both halves had it, and
 * __GFP_ZERO skips the memset for such pages.
 *
 * Giving memory back (hosted).  A free that produces a block of pageblock
 * order or larger gives its memory to the OS (madvise), so a program's
 * resident size falls when it frees; a MAX_PAGE_ORDER block also releases
 * its 64 KiB of memmap and becomes pristine (memmap.c), except the first
 * few (MEMMAP_KEEP_BLOCKS per zone), kept listed so that a loop of 4 MiB
 * allocations does not rebuild their struct pages every time.  This is the
 * kernel's free page reporting (mm/page_reporting.c) without its delay,
 * and like it the system call runs without the zone lock: the merge
 * isolates the block (off the free lists, not PageBuddy, out of nr_free
 * and NR_FREE_PAGES) into one of the zone's release slots, the holder's
 * zone_unlock drops the lock, makes the calls, takes the lock again and
 * puts the block back, merging it with buddies freed meanwhile, as known
 * zero (or as pristine, its struct pages gone).  The slots live in the
 * zone, not in the block's struct pages, because those may be released.
 *
 * The system calls of all zones are made one thread at a time, under
 * release_lock (ranked after zone->lock in src/lib/lockrank.h; taken with
 * no other ukmem lock held, and nothing is taken under it).  Linux makes concurrent madvise(MADV_DONTNEED) calls
 * in one process flush every TLB of the process (mm_tlb_flush_nested), an
 * IPI to each CPU it runs on: two threads releasing at once cost each other
 * several times the call itself.  The kernel's free page reporting has one
 * worker for the same reason of economy.  Allocations do not wait for it.
 *
 * So a block is either listed free, or isolated for release by exactly one
 * thread (the one that isolated it: nobody else allocates, merges or
 * touches it, and a used slot is written only by its owner), or in use.
 *
 * Only the outermost lock holder isolates (ukmem_lock_depth() 1 with
 * zone->lock held): its zone_unlock then leaves the thread holding no
 * ukmem lock, where taking release_lock and then the zone lock again waits
 * and cannot fail (lockrank.h), so no block is ever stranded.  Holding
 * release_lock ranks above the zone lock, so a signal handler that
 * interrupts the system call only tries the zone lock and isolates
 * nothing.  A nested holder - a signal handler that interrupted a thread
 * inside ukmem, or code under another ukmem lock - lists the block
 * unreleased instead, as it does when all slots are taken; the memory
 * goes back when the block next merges and is freed by a thread.  A
 * release that fails (madvise error) leaves the block listed unreleased.
 *
 * All functions here run under zone->lock (suffix _locked) except the
 * lock helpers themselves and release_block, the system calls.
 */
#include "page/internal.h"

/* page_group_by_mobility_disabled: tiny memories do not group by type. */
static bool mobility_disabled(void)
{
	return ukmem_mm.totalram_pages < pageblock_nr_pages * MIGRATE_TYPES;
}

static unsigned long pageblock_index(const struct zone *zone, unsigned long pfn)
{
	return (pfn >> pageblock_order) - (zone->zone_start_pfn >> pageblock_order);
}

int get_pageblock_migratetype(const struct zone *zone, unsigned long pfn)
{
	return zone->pageblock_mt[pageblock_index(zone, pfn)];
}

void set_pageblock_migratetype(struct zone *zone, unsigned long pfn, int mt)
{
	zone->pageblock_mt[pageblock_index(zone, pfn)] = (unsigned char)mt;
}

/* ---- the lock ------------------------------------------------------------ */

static void free_deferred_locked(struct zone *zone);

/*
 * A ranked lock (src/lib/lockrank.h): a signal handler that interrupts a
 * holder only tries it instead of deadlocking on its own thread.  Rule for
 * every layer: call the page allocator only with locks ranked before
 * the per-CPU and zone locks held.
 */
bool zone_lock(struct zone *zone)
{
	if (!ukmem_lock(&zone->lock))
		return false;
	free_deferred_locked(zone);
	return true;
}

static void release_isolated_locked(struct zone *zone);

void zone_unlock(struct zone *zone)
{
	if (zone->release_pending)
		release_isolated_locked(zone);
	ukmem_unlock(&zone->lock);
}

/* ---- free lists ---------------------------------------------------------- */

void add_free_block_locked(struct zone *zone, struct page *page, unsigned int order,
			   int mt, bool zeroed)
{
	page->private = order;
	page->ukmem_info = zeroed ? UKMEM_INFO_ZEROED : 0;
	__SetPageBuddy(page);
	list_add(&page->lru, &zone->free_area[order].free_list[mt]);
	area_nr_free_add_locked(zone, order, 1);
	zone_stat_add_locked(zone, NR_FREE_PAGES, 1L << order);
}

static void del_free_block_locked(struct zone *zone, struct page *page, unsigned int order)
{
	list_del(&page->lru);
	__ClearPageBuddy(page);
	page->private = 0;
	area_nr_free_add_locked(zone, order, -1);
	zone_stat_add_locked(zone, NR_FREE_PAGES, -(1L << order));
}

/* The first free block of (order, mt); materialises a pristine block for
 * MOVABLE at MAX_PAGE_ORDER when the list is empty. */
static struct page *first_free_block_locked(struct zone *zone, unsigned int order, int mt)
{
	struct list_head *list = &zone->free_area[order].free_list[mt];

	if (list_empty(list)) {
		if (order != MAX_PAGE_ORDER || mt != MIGRATE_MOVABLE ||
		    !pristine_materialize_locked(zone))
			return NULL;
	}
	return list_first_entry(list, struct page, lru);
}

static bool free_area_has_type(const struct zone *zone, unsigned int order, int mt)
{
	if (!list_empty(&zone->free_area[order].free_list[mt]))
		return true;
	return order == MAX_PAGE_ORDER && mt == MIGRATE_MOVABLE && zone->nr_pristine;
}

unsigned long count_free_blocks_locked(const struct zone *zone, unsigned int order, int mt)
{
	const struct list_head *head = &zone->free_area[order].free_list[mt];
	const struct list_head *pos;
	unsigned long n = 0;

	list_for_each(pos, head)
		n++;
	if (order == MAX_PAGE_ORDER && mt == MIGRATE_MOVABLE)
		n += zone->nr_pristine;
	return n;
}

/* Split a block of order high down to low: the upper halves go back. */
static void expand_locked(struct zone *zone, struct page *page, unsigned int low,
			  unsigned int high, int mt, bool zeroed)
{
	unsigned long size = 1UL << high;

	while (high > low) {
		high--;
		size >>= 1;
		add_free_block_locked(zone, &page[size], high, mt, zeroed);
	}
}

static struct page *take_block_locked(struct zone *zone, struct page *page,
				      unsigned int order, unsigned int current_order, int mt)
{
	bool zeroed = page_zeroed(page);

	del_free_block_locked(zone, page, current_order);
	expand_locked(zone, page, order, current_order, mt, zeroed);
	page->ukmem_info = zeroed ? UKMEM_INFO_ZEROED : 0;
	return page;
}

static struct page *rmqueue_smallest_locked(struct zone *zone, unsigned int order, int mt)
{
	for (unsigned int o = order; o <= MAX_PAGE_ORDER; o++) {
		struct page *page = first_free_block_locked(zone, o, mt);

		if (page)
			return take_block_locked(zone, page, order, o, mt);
	}
	return NULL;
}

/* ---- stealing from other migratetypes ------------------------------------ */

static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

static bool can_steal_fallback(unsigned int order, int start_mt)
{
	if (order >= pageblock_order / 2 || start_mt == MIGRATE_RECLAIMABLE ||
	    start_mt == MIGRATE_UNMOVABLE || mobility_disabled())
		return true;
	return false;
}

static int find_suitable_fallback(const struct zone *zone, unsigned int order, int start_mt,
				  bool *can_steal)
{
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int mt = fallbacks[start_mt][i];

		if (!free_area_has_type(zone, order, mt))
			continue;
		*can_steal = can_steal_fallback(order, start_mt);
		return mt;
	}
	return -1;
}

/* Move every free block of the pageblock holding page to list mt; returns
 * the number of free pages moved. */
static unsigned long move_freepages_block_locked(struct zone *zone, struct page *page, int mt)
{
	unsigned long start = page_to_pfn(page) & ~(pageblock_nr_pages - 1);
	unsigned long end = start + pageblock_nr_pages;
	unsigned long moved = 0;

	if (start < zone->zone_start_pfn || end > zone->zone_start_pfn + zone->spanned_pages)
		return 0;
	for (unsigned long pfn = start; pfn < end;) {
		struct page *p = pfn_to_page(pfn);

		if (!PageBuddy(p) || page_zone(p) != zone) {
			pfn++;
			continue;
		}
		list_move(&p->lru, &zone->free_area[buddy_order(p)].free_list[mt]);
		moved += 1UL << buddy_order(p);
		pfn += 1UL << buddy_order(p);
	}
	return moved;
}

static void steal_suitable_fallback_locked(struct zone *zone, struct page *page, int start_mt,
					   bool whole_block)
{
	unsigned int current_order = buddy_order(page);
	unsigned long pfn = page_to_pfn(page);
	int old_mt = get_pageblock_migratetype(zone, pfn);
	unsigned long free_pages, alike_pages;

	if (current_order >= pageblock_order) {
		for (unsigned long pb = 0; pb < (1UL << current_order); pb += pageblock_nr_pages)
			set_pageblock_migratetype(zone, pfn + pb, start_mt);
		goto single_page;
	}
	if (!whole_block)
		goto single_page;
	free_pages = move_freepages_block_locked(zone, page, start_mt);
	if (!free_pages)
		goto single_page;
	/* No page is known to be movable here (no migration), so only
	 * non-movable requests count the block's used pages as alike. */
	if (start_mt != MIGRATE_MOVABLE && old_mt == MIGRATE_MOVABLE)
		alike_pages = pageblock_nr_pages - free_pages;
	else
		alike_pages = 0;
	if (free_pages + alike_pages >= (1UL << (pageblock_order - 1)) || mobility_disabled())
		set_pageblock_migratetype(zone, pfn, start_mt);
	return;

single_page:
	list_move(&page->lru, &zone->free_area[current_order].free_list[start_mt]);
}

static bool rmqueue_fallback_locked(struct zone *zone, unsigned int order, int start_mt)
{
	int current_order, fallback_mt = -1;
	bool can_steal = false;

	for (current_order = MAX_PAGE_ORDER; current_order >= (int)order; current_order--) {
		fallback_mt = find_suitable_fallback(zone, (unsigned int)current_order, start_mt,
						     &can_steal);
		if (fallback_mt == -1)
			continue;
		/* A movable request that cannot take the whole pageblock splits
		 * the smallest block instead, to fragment less. */
		if (!can_steal && start_mt == MIGRATE_MOVABLE && current_order > (int)order)
			goto find_smallest;
		goto do_steal;
	}
	return false;

find_smallest:
	for (current_order = (int)order; current_order <= MAX_PAGE_ORDER; current_order++) {
		fallback_mt = find_suitable_fallback(zone, (unsigned int)current_order, start_mt,
						     &can_steal);
		if (fallback_mt != -1)
			break;
	}
	if (fallback_mt == -1)
		return false;

do_steal:
	{
		struct page *page = first_free_block_locked(zone, (unsigned int)current_order,
							    fallback_mt);

		if (!page)
			return false;
		steal_suitable_fallback_locked(zone, page, start_mt, can_steal);
	}
	return true;
}

struct page *rmqueue_locked(struct zone *zone, unsigned int order, int mt)
{
	struct page *page;

	if (mobility_disabled())
		mt = MIGRATE_UNMOVABLE;
	for (;;) {
		page = rmqueue_smallest_locked(zone, order, mt);
		if (page || !rmqueue_fallback_locked(zone, order, mt))
			return page;
	}
}

int rmqueue_bulk_locked(struct zone *zone, unsigned int order, int count,
			struct list_head *list, int mt)
{
	int i;

	for (i = 0; i < count; i++) {
		struct page *page = rmqueue_locked(zone, order, mt);

		if (!page)
			break;
		list_add_tail(&page->lru, list);
	}
	return i;
}

/* ---- free and merge ------------------------------------------------------ */

static bool is_free_buddy(const struct zone *zone, const struct page *buddy, unsigned int order)
{
	/* The memmap ends at max_pfn: a buddy past it does not exist. */
	if (page_to_pfn(buddy) >= ukmem_mm.max_pfn)
		return false;
	return PageBuddy(buddy) && buddy_order(buddy) == order && page_zone(buddy) == zone;
}

#define MEMMAP_KEEP_BLOCKS 4
#define RELEASE_MEMORY	0x1	/* madvise the block's memory */
#define RELEASE_MEMMAP	0x2	/* and its struct pages: it becomes pristine */
#define RELEASE_ALL_SLOTS ((1u << ZONE_RELEASE_SLOTS) - 1)

/* What of a free block of pageblock order or more should go to the OS. */
static unsigned int release_wanted_locked(const struct zone *zone, unsigned int order,
					  bool zeroed)
{
	unsigned int flags = zeroed ? 0 : RELEASE_MEMORY;

	/* Keep a few largest blocks with their memmap, so a program that
	 * allocates and frees 4 MiB blocks in a loop does not initialise and
	 * fault in 64 KiB of struct pages each time. */
	if (order == MAX_PAGE_ORDER && ukmem_mm.lazy_memmap &&
	    zone->free_area[MAX_PAGE_ORDER].nr_free - zone->nr_pristine >= MEMMAP_KEEP_BLOCKS)
		flags |= RELEASE_MEMMAP;
	return flags;
}

/* Take a merged free block out of the free areas into a release slot, for
 * zone_unlock to give back.  False: list it as it is. */
static bool release_isolate_locked(struct zone *zone, unsigned long pfn, unsigned int order,
				   bool zeroed)
{
	unsigned int flags = release_wanted_locked(zone, order, zeroed);
	unsigned int free_slots = ~zone->release_used & RELEASE_ALL_SLOTS;
	unsigned int slot;

	if (!flags || !free_slots || ukmem_lock_depth() != 1)
		return false;
	slot = (unsigned int)__builtin_ctz(free_slots);
	zone->release[slot] = (struct release_slot){ pfn, (unsigned char)order,
						     (unsigned char)flags };
	zone->release_used |= 1u << slot;
	zone->release_pending |= 1u << slot;
	zone->nr_isolated += 1UL << order;
	return true;
}

/* The system calls for one isolated block, zone->lock not held; returns the
 * RELEASE_* that were done.  Memory first: its address comes from the head
 * struct page, which the memmap release may take away. */
static unsigned int release_block(const struct release_slot *r)
{
	struct page *page = pfn_to_page(r->pfn);
	unsigned int done = 0;

	if (r->flags & RELEASE_MEMORY) {
		if (!ukmem_plat_release(page_address(page), PAGE_SIZE << r->order))
			return 0;
		done |= RELEASE_MEMORY;
	}
	if ((r->flags & RELEASE_MEMMAP) &&
	    ukmem_plat_release(page, MAX_ORDER_NR_PAGES * sizeof(struct page)))
		done |= RELEASE_MEMMAP;
	return done;
}

static void free_block_locked(struct zone *zone, struct page *page, unsigned long pfn,
			      unsigned int order, int mt, bool zeroed, bool may_release);

/* Put a block back after release_block: pristine if its memmap went,
 * otherwise merged and listed, known to be zero if its memory went (or
 * already was).  A release that failed is not tried again. */
static void release_putback_locked(struct zone *zone, unsigned int slot, unsigned int done)
{
	const struct release_slot *r = &zone->release[slot];
	unsigned long pfn = r->pfn;
	unsigned int order = r->order;
	bool zeroed = (done & RELEASE_MEMORY) || !(r->flags & RELEASE_MEMORY);
	bool complete = done == r->flags;

	zone->release_used &= ~(1u << slot);
	zone->nr_isolated -= 1UL << order;
	if (done & RELEASE_MEMORY)
		zone_event_add_locked(zone, EV_PGRELEASE, 1UL << order);
	if (done & RELEASE_MEMMAP) {
		pristine_set_locked(zone, pfn);
		area_nr_free_add_locked(zone, MAX_PAGE_ORDER, 1);
		zone_stat_add_locked(zone, NR_FREE_PAGES, (long)MAX_ORDER_NR_PAGES);
		return;
	}
	free_block_locked(zone, pfn_to_page(pfn), pfn, order,
			  get_pageblock_migratetype(zone, pfn), zeroed, complete);
}

/*
 * Give back the blocks isolated in this hold of the lock: drop the lock,
 * make the system calls, take the lock again, put them back.  Putting back
 * may merge a block into one that wants releasing again (a buddy that was
 * listed unreleased, or a MAX_PAGE_ORDER block now known zero whose memmap
 * can go): the loop takes those too.  Returns with zone->lock held.
 */
static void release_isolated_locked(struct zone *zone)
{
	unsigned int mine;

	while ((mine = zone->release_pending) != 0) {
		unsigned int done[ZONE_RELEASE_SLOTS];

		zone->release_pending = 0;
		ukmem_unlock(&zone->lock);
		/* Isolating needs depth 1, so the thread holds no ukmem lock
		 * now: both acquisitions below wait and cannot fail. */
		ukmem_lock(&release_lock);
		for (unsigned int m = mine; m; m &= m - 1) {
			unsigned int slot = (unsigned int)__builtin_ctz(m);

			done[slot] = release_block(&zone->release[slot]);
		}
		ukmem_unlock(&release_lock);
		ukmem_lock(&zone->lock);
		free_deferred_locked(zone);
		for (unsigned int m = mine; m; m &= m - 1) {
			unsigned int slot = (unsigned int)__builtin_ctz(m);

			release_putback_locked(zone, slot, done[slot]);
		}
	}
}

void zone_release_if_full_locked(struct zone *zone)
{
	if (zone->release_pending && zone->release_used == RELEASE_ALL_SLOTS)
		release_isolated_locked(zone);
}

/* Merge a block with its free buddies and list it, or isolate it for
 * release when it is large (may_release) and the OS should have it. */
static void free_block_locked(struct zone *zone, struct page *page, unsigned long pfn,
			      unsigned int order, int mt, bool zeroed, bool may_release)
{
	bool to_tail = false;

	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy = page + ((long)buddy_pfn - (long)pfn);

		if (!is_free_buddy(zone, buddy, order))
			break;
		zeroed = zeroed && page_zeroed(buddy);
		del_free_block_locked(zone, buddy, order);
		buddy->ukmem_info = 0;
		page->ukmem_info = 0;
		pfn &= buddy_pfn;
		page = pfn_to_page(pfn);
		order++;
	}
	if (may_release && ukmem_mm.release_to_os && order >= pageblock_order &&
	    release_isolate_locked(zone, pfn, order, zeroed))
		return;
	if (order < MAX_PAGE_ORDER - 1) {
		/* If the next-order buddy is free, this block is likely to merge
		 * soon: put it at the tail so it is not split again first. */
		unsigned long higher_pfn = pfn & ~(1UL << order);
		unsigned long higher_buddy_pfn = higher_pfn ^ (2UL << order);
		struct page *higher_buddy = page + ((long)higher_buddy_pfn - (long)pfn);

		to_tail = is_free_buddy(zone, higher_buddy, order + 1);
	}
	add_free_block_locked(zone, page, order, mt, zeroed);
	if (to_tail)
		list_move_tail(&page->lru, &zone->free_area[order].free_list[mt]);
}

void free_one_page_locked(struct zone *zone, struct page *page, unsigned long pfn,
			  unsigned int order, int mt)
{
	free_block_locked(zone, page, pfn, order, mt, page_zeroed(page), true);
}

/*
 * Frees made from a signal handler while the lock was busy wait on
 * zone->deferred_free; page->private holds the order.  The first thread to
 * take the lock afterwards finishes them.  They are few (one per handler
 * that found the lock busy), so this loop does not release early when the
 * slots fill up: blocks beyond them stay listed unreleased.
 */
static void free_deferred_locked(struct zone *zone)
{
	struct llist_node *node = llist_del_all(&zone->deferred_free);

	while (node) {
		struct page *page = container_of((struct list_head *)(void *)node, struct page, lru);
		unsigned int order = (unsigned int)page->private;
		unsigned long pfn = page_to_pfn(page);

		node = node->next;
		free_one_page_locked(zone, page, pfn, order, get_pageblock_migratetype(zone, pfn));
	}
}
