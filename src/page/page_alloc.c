/*
 * page_alloc.c - the page allocator's API: alloc_pages and __free_pages
 * with the kernel's zone selection, watermark policy, compound pages,
 * zeroing and checks of every free.
 *
 * Theory
 * ------
 * The path of one allocation (mm/page_alloc.c, Linux 6.6):
 *
 *   gfp -> highest zone (GFP_ZONE_TABLE) and migratetype
 *   fast path: walk the zonelist (preferred node first, then the others
 *     unless __GFP_THISNODE; in each node from the highest allowed zone
 *     down) and take from the first zone above its LOW watermark plus the
 *     lowmem reserve: per-CPU list for order <= 3, buddy lists otherwise
 *   slow path: recompute the allocation flags from gfp (reserves for
 *     __GFP_HIGH and non-blocking callers, no watermarks for
 *     __GFP_MEMALLOC), retry at the MIN watermark, then reclaim through the
 *     registered reclaim hook while it makes progress (the reclaim layer
 *     installs it; without it there is nothing to reclaim but the per-CPU
 *     lists, which are drained), then fail with the kernel's warning
 *   post-alloc: refcount 1, compound head/tails for __GFP_COMP, zeroing for
 *     __GFP_ZERO unless the block is known to be zero.
 *
 * Every free is checked before it touches a list: the page must be the
 * head of a block this allocator handed out (its ukmem_info holds the
 * order), with refcount 1, and the order must match.  A bad free is
 * reported in the kernel's "Bad page state" format and then handled so the
 * allocator stays consistent: a double free or a free of a page that is
 * not a block head is ignored; a wrong order frees the block with the
 * order it was allocated with, so nothing is lost.  (The kernel instead
 * leaks pages it finds in a bad state; it cannot know the real order.)
 *
 * Signal handlers: the fast path takes no lock but the per-CPU trylock, and
 * the zone lock is ranked (src/lib/lockrank.h), so a signal handler on a
 * thread that holds it only tries it: an allocation fails,
 * a free is deferred to the next holder (zone->deferred_free).
 */
#include "lib/task.h"
#include "page/internal.h"

/* ---- zones from gfp ------------------------------------------------------ */

#define BAD_ZONE (-1)

/* GFP_ZONE_TABLE, indexed by gfp & (DMA|HIGHMEM|DMA32|MOVABLE). */
static const signed char gfp_zone_table[16] = {
	[0x0] = ZONE_NORMAL,
	[0x1] = ZONE_DMA,
	[0x2] = ZONE_HIGHMEM,
	[0x3] = BAD_ZONE,
	[0x4] = ZONE_DMA32,
	[0x5] = BAD_ZONE,
	[0x6] = BAD_ZONE,
	[0x7] = BAD_ZONE,
	[0x8] = ZONE_NORMAL,
	[0x9] = ZONE_DMA,
	[0xa] = ZONE_MOVABLE,
	[0xb] = BAD_ZONE,
	[0xc] = ZONE_DMA32,
	[0xd] = BAD_ZONE,
	[0xe] = BAD_ZONE,
	[0xf] = BAD_ZONE,
};

int ukmem_gfp_zone(gfp_t gfp)
{
	return gfp_zone_table[gfp & GFP_ZONEMASK];
}

/* ---- reclaim ------------------------------------------------------------- */

/* Registered from above by src/reclaim (page.h); NULL until something that
 * can give memory back exists. */
static const struct page_reclaim_ops *reclaim_ops;

void page_set_reclaim_ops(const struct page_reclaim_ops *ops)
{
	__atomic_store_n(&reclaim_ops, ops, __ATOMIC_RELEASE);
}

unsigned long page_zone_state_sum(enum zone_stat_item item)
{
	unsigned long sum = 0;
	int nid;

	for_each_online_node(nid)
		for (int z = 0; z < MAX_NR_ZONES; z++)
			sum += zone_page_state(&NODE_DATA(nid)->node_zones[z], item);
	return sum;
}

/* ---- the zonelist ---------------------------------------------------------- */

struct alloc_context {
	int preferred_nid;
	int highest_zoneidx;
	int migratetype;
	bool thisnode;
};

static bool zone_watermark_fast(struct zone *zone, unsigned int order, unsigned long mark,
				int highest_zoneidx, unsigned int alloc_flags)
{
	long free_pages = (long)zone_page_state(zone, NR_FREE_PAGES);

	if (!order && free_pages > (long)mark +
	    __atomic_load_n(&zone->lowmem_reserve[highest_zoneidx], __ATOMIC_RELAXED))
		return true;
	return zone_watermark_ok(zone, order, mark, highest_zoneidx, alloc_flags, free_pages);
}

static struct page *rmqueue(struct zone *zone, unsigned int order, gfp_t gfp, int mt)
{
	struct page *page;

	if (pcp_allowed_order(order)) {
		page = rmqueue_pcplist(zone, order, mt, gfp);
		if (page)
			return page;
	}
	if (!zone_lock(zone))
		return NULL;
	page = rmqueue_locked(zone, order, mt);
	if (page)
		zone_event_add_locked(zone, EV_PGALLOC, 1UL << order);
	zone_unlock(zone);
	return page;
}

static struct page *get_page_from_freelist(gfp_t gfp, unsigned int order,
					   unsigned int alloc_flags,
					   const struct alloc_context *ac)
{
	int nr_nodes = ukmem_mm.nr_nodes;

	for (int i = 0, nid = ac->preferred_nid; i < nr_nodes; i++, nid++) {
		pg_data_t *pgdat;

		if (i > 0 && ac->thisnode)
			break;
		if (nid >= nr_nodes)	/* wrap without a division */
			nid -= nr_nodes;
		pgdat = NODE_DATA(nid);
		for (int z = ac->highest_zoneidx; z >= 0; z--) {
			struct zone *zone = &pgdat->node_zones[z];
			struct page *page;

			if (!populated_zone(zone))
				continue;
			if (!(alloc_flags & ALLOC_NO_WATERMARKS)) {
				unsigned long mark = wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK);

				if (!zone_watermark_fast(zone, order, mark, ac->highest_zoneidx,
							 alloc_flags))
					continue;
			}
			page = rmqueue(zone, order, gfp, ac->migratetype);
			if (page)
				return page;
		}
	}
	return NULL;
}

/* The kernel's gfp_to_alloc_flags() and __gfp_pfmemalloc_flags(). */
static unsigned int gfp_to_alloc_flags(gfp_t gfp)
{
	unsigned int alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;

	alloc_flags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);	/* same bits */
	if (!(gfp & __GFP_DIRECT_RECLAIM)) {
		if (!(gfp & __GFP_NOMEMALLOC))
			alloc_flags |= ALLOC_NON_BLOCK;
		if (alloc_flags & ALLOC_MIN_RESERVE)
			alloc_flags &= ~ALLOC_CPUSET;
	}
	if ((gfp & __GFP_MEMALLOC) && !(gfp & __GFP_NOMEMALLOC))
		alloc_flags |= ALLOC_NO_WATERMARKS;
	return alloc_flags;
}

#define MAX_RECLAIM_RETRIES 16
#define THROTTLE_NS 10000000ULL	/* the kernel throttles no-progress reclaim ~100 ms; 10 */

/* Sleep until pages come back to the buddy lists after free_seq was seq
 * (read before the attempt that failed, so a free in between is not
 * missed) or timeout_ns pass; true if some came back. */
static bool wait_for_frees(int seq, uint64_t timeout_ns)
{
	__atomic_fetch_add(&ukmem_mm.free_waiters, 1, __ATOMIC_SEQ_CST);
	ukmem_plat_wait(&ukmem_mm.free_seq, seq, timeout_ns);
	__atomic_fetch_sub(&ukmem_mm.free_waiters, 1, __ATOMIC_RELAXED);
	return __atomic_load_n(&ukmem_mm.free_seq, __ATOMIC_ACQUIRE) != seq;
}

/* The OOM step is for allocations the kernel does not let fail quietly
 * (__alloc_pages_may_oom's exclusions). */
static bool oom_allowed(gfp_t gfp, unsigned int order, const struct alloc_context *ac)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER && !(gfp & (__GFP_NORETRY | __GFP_RETRY_MAYFAIL)) &&
	       !ac->thisnode && ac->highest_zoneidx >= ZONE_NORMAL;
}

/*
 * The kernel's __alloc_pages_slowpath, less compaction and kswapd: after
 * the per-CPU lists are drained, an allocation that may sleep runs direct
 * reclaim and tries again.  __GFP_NORETRY, and costly orders without
 * __GFP_RETRY_MAYFAIL, stop after one pass.  Reclaim that makes progress
 * (pages came back) is repeated; once it makes none, nothing reclaimable
 * is left (user space has no LRU to age), so the allocation waits once,
 * up to THROTTLE_NS, for pages other threads free (woken when they do),
 * and then the OOM step runs for those oom_allowed() lets through: if its notifiers freed memory the
 * allocation tries again (at most MAX_RECLAIM_RETRIES times), otherwise
 * it fails, or waits on under __GFP_NOFAIL.  A thread that is reclaiming
 * (PF_MEMALLOC) never reclaims again: its allocations may use every
 * reserve instead (unless __GFP_NOMEMALLOC).
 */
static struct page *alloc_pages_slowpath(gfp_t gfp, unsigned int order,
					 const struct alloc_context *ac)
{
	const struct page_reclaim_ops *ops = __atomic_load_n(&reclaim_ops, __ATOMIC_ACQUIRE);
	unsigned int pflags = ukmem_current_flags();
	unsigned int alloc_flags;
	bool can_direct_reclaim;
	int oom_loops = 0;
	bool drained = false, waited = false;
	int costly_loops = 0;
	struct page *page;

	gfp = ukmem_gfp_context(gfp, pflags);
	alloc_flags = gfp_to_alloc_flags(gfp);
	can_direct_reclaim = gfp & __GFP_DIRECT_RECLAIM;
	/* A reclaiming task may use every reserve, but not an interrupt that
	 * cut into it (the kernel's __gfp_pfmemalloc_flags). */
	if ((pflags & PF_MEMALLOC) && !(gfp & __GFP_NOMEMALLOC) &&
	    !(ukmem_preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK)))
		alloc_flags |= ALLOC_NO_WATERMARKS;
	/* The fast path failed at the low watermark: background reclaim. */
	if (ops && (gfp & __GFP_KSWAPD_RECLAIM))
		ops->wake_kswapd(gfp, order, ac->highest_zoneidx, ac->preferred_nid);
	for (;;) {
		unsigned long progress;
		int seq;

		page = get_page_from_freelist(gfp, order, alloc_flags, ac);
		if (page)
			return page;
		/* Pages parked on per-CPU lists are the first to give back. */
		if (!drained && ukmem_lock_depth() == 0) {
			drain_pages(-1);
			drained = true;
			continue;
		}
		/* Reclaim runs shrinkers, which may take any lock: not for a
		 * caller inside a ukmem lock (a cache being made, a control
		 * file written), which fails instead, as under a spinlock. */
		if (!can_direct_reclaim || !ops || (pflags & PF_MEMALLOC) ||
		    ukmem_lock_depth() > 0)
			break;
		zone_event_add_atomic(&NODE_DATA(ac->preferred_nid)->node_zones[ac->highest_zoneidx],
				      EV_ALLOCSTALL, 1);
		progress = ops->direct_reclaim(gfp, order, ac->preferred_nid);
		seq = __atomic_load_n(&ukmem_mm.free_seq, __ATOMIC_ACQUIRE);
		page = get_page_from_freelist(gfp, order, alloc_flags, ac);
		if (page)
			return page;
		if (gfp & __GFP_NORETRY)
			break;
		if (order > PAGE_ALLOC_COSTLY_ORDER && !(gfp & __GFP_RETRY_MAYFAIL))
			break;
		/* Progress is no promise for a costly order (fragmentation):
		 * the kernel's should_reclaim_retry counts such loops anyway. */
		if (order > PAGE_ALLOC_COSTLY_ORDER) {
			if (++costly_loops > MAX_RECLAIM_RETRIES)
				break;
			continue;
		}
		if (progress)
			continue;
		/* Nothing to reclaim: wait once, briefly, for memory other
		 * threads free (the kernel's reclaim_throttle), woken as soon
		 * as pages come back to the free lists. */
		if (!waited && ukmem_lock_depth() == 0) {
			waited = true;
			if (wait_for_frees(seq, THROTTLE_NS))
				continue;
		}
		if (!oom_allowed(gfp, order, ac) || oom_loops++ >= MAX_RECLAIM_RETRIES ||
		    !ops->out_of_memory(gfp, order))
			break;
	}
	if ((gfp & __GFP_NOFAIL) && can_direct_reclaim) {
		/* Never fail: use part of the reserve, as the kernel's last
		 * resort does, reclaim again, and otherwise wait for memory
		 * that other threads free. */
		for (;;) {
			int seq = __atomic_load_n(&ukmem_mm.free_seq, __ATOMIC_ACQUIRE);

			page = get_page_from_freelist(gfp, order,
						      alloc_flags | ALLOC_MIN_RESERVE, ac);
			if (page)
				return page;
			if (ops && !(pflags & PF_MEMALLOC) && ukmem_lock_depth() == 0)
				ops->direct_reclaim(gfp, order, ac->preferred_nid);
			if (ukmem_lock_depth() == 0)
				drain_pages(-1);
			/* Per-CPU lists of other threads do not wake us:
			 * look again every 10 ms. */
			wait_for_frees(seq, 10000000ULL);
		}
	}
	warn_alloc(gfp, "page allocation failure: order:%u", order);
	return NULL;
}

/* ---- after allocation ---------------------------------------------------- */

static void prep_compound_page(struct page *page, unsigned int order)
{
	unsigned long nr = 1UL << order;

	page->flags |= 1UL << PG_head;
	for (unsigned long i = 1; i < nr; i++) {
		page[i].compound_head = (unsigned long)page | 1;
		page[i]._refcount = 0;
	}
	page[1].compound_dtor = 0;
	page[1].compound_order = (unsigned char)order;
}

/* init_on_alloc=1 and init_on_free=1 (the kernel's want_init_on_alloc
 * and want_init_on_free): every page zeroed when handed out, or when
 * given back; set once at the start. */
bool page_init_on_alloc, page_init_on_free;

static void prep_new_page(struct page *page, unsigned int order, gfp_t gfp)
{
	bool zeroed = page_zeroed(page);

	page->ukmem_info = order + 1;
	page->private = 0;
	__atomic_store_n(&page->_refcount, 1, __ATOMIC_RELAXED);
	if (((gfp & __GFP_ZERO) || page_init_on_alloc) && !zeroed)
		__builtin_memset(page_address(page), 0, PAGE_SIZE << order);
	if ((gfp & __GFP_COMP) && order)
		prep_compound_page(page, order);
}

static int warned_order_too_large;	/* WARN_ON_ONCE state */

struct page *ukmem_alloc_pages(gfp_t gfp, unsigned int order, int nid)
{
	struct alloc_context ac;
	struct page *page;

	if (__builtin_expect(order > MAX_PAGE_ORDER, 0)) {
		if (!(gfp & __GFP_NOWARN) &&
		    !__atomic_exchange_n(&warned_order_too_large, 1, __ATOMIC_RELAXED))
			ukmem_warn("WARNING: CPU: %d PID: %d at mm/page_alloc.c __alloc_pages: "
				   "order %u > MAX_PAGE_ORDER %d\n",
				   ukmem_plat_cpu(), ukmem_plat_tid(), order, MAX_PAGE_ORDER);
		return NULL;
	}
	gfp = might_alloc(gfp);
	if (__builtin_expect(!ukmem_ensure_init(), 0))
		return NULL;
	if (fail_page_alloc(gfp, order))
		return NULL;

	ac.highest_zoneidx = ukmem_gfp_zone(gfp);
	if (__builtin_expect(ac.highest_zoneidx == BAD_ZONE, 0)) {
		char buf[160];

		ukmem_printk("WARNING: invalid zone modifiers in mode:%#x(%s): "
			     "no zone satisfies them\n", gfp, format_gfp(gfp, buf, sizeof(buf)));
		return NULL;
	}
	if (nid == NUMA_NO_NODE)
		nid = numa_mem_id();
	if (nid < 0 || nid >= ukmem_mm.nr_nodes) {
		ukmem_printk("WARNING: alloc_pages_node: node %d does not exist (%d nodes)\n",
			     nid, ukmem_mm.nr_nodes);
		return NULL;
	}
	ac.preferred_nid = nid;
	ac.migratetype = gfp_migratetype(gfp);
	if (ac.migratetype >= MIGRATE_PCPTYPES)	/* MOVABLE|RECLAIMABLE: a caller bug */
		ac.migratetype = MIGRATE_MOVABLE;
	ac.thisnode = gfp & __GFP_THISNODE;

	page = get_page_from_freelist(gfp, order, ALLOC_WMARK_LOW, &ac);
	if (__builtin_expect(!page, 0)) {
		page = alloc_pages_slowpath(gfp, order, &ac);
		if (!page) {
			__atomic_fetch_add(&ukmem_mm.alloc_failures, 1, __ATOMIC_RELAXED);
			return NULL;
		}
	}
	prep_new_page(page, order, gfp);
	return page;
}

/* ---- free ---------------------------------------------------------------- */

/* Page flags that must be clear when a page is freed (a subset of the
 * kernel's PAGE_FLAGS_CHECK_AT_FREE). */
#define PAGE_FLAGS_CHECK_AT_FREE ((1UL << PG_locked) | (1UL << PG_lru) | (1UL << PG_active) | \
				  (1UL << PG_slab) | (1UL << PG_reserved) | (1UL << PG_private))
#define PAGE_FLAGS_LOW_MASK ((1UL << __NR_PAGEFLAGS) - 1)

static bool page_in_memmap(const struct page *page)
{
	uintptr_t p = (uintptr_t)page, base = (uintptr_t)ukmem_mem_map;

	return p >= base && p < base + ukmem_mm.max_pfn * sizeof(struct page) &&
	       (p - base) % sizeof(struct page) == 0;
}

static void free_the_page(struct page *page, unsigned int order)
{
	struct zone *zone = page_zone(page);
	unsigned long pfn = page_to_pfn(page);
	int mt = get_pageblock_migratetype(zone, pfn);

	if (pcp_allowed_order(order) && free_unref_page(zone, page, order, mt))
		return;
	if (!zone_lock(zone)) {
		/* Signal handler on a thread that holds the lock: defer. */
		page->private = order;
		llist_add((struct llist_node *)(void *)&page->lru, &zone->deferred_free);
		return;
	}
	free_one_page_locked(zone, page, pfn, order, mt);
	zone_event_add_locked(zone, EV_PGFREE, 1UL << order);
	zone_unlock(zone);
	wake_memory_waiters();
}

void ukmem_free_pages(struct page *page, unsigned int order)
{
	unsigned int alloc_order;
	int ref;

	if (__builtin_expect(!page_in_memmap(page), 0)) {
		__atomic_fetch_add(&ukmem_mm.bad_page_reports, 1, __ATOMIC_RELAXED);
		ukmem_printk("BUG: Bad page state in process %s  page:%p\n"
			     "page dumped because: not a struct page of ukmem's memmap\n",
			     ukmem_plat_comm(), (const void *)page);
		return;
	}
	if (__builtin_expect(PageTail(page), 0)) {
		bad_page(page, "freeing a tail page of a compound page");
		return;
	}
	alloc_order = page_alloc_order(page);
	if (__builtin_expect(alloc_order == 0 || page_ref_count(page) <= 0, 0)) {
		bad_page(page, PageBuddy(page) || alloc_order == 0 ?
			 "freeing a page that is not allocated (double free?)" :
			 "nonzero _refcount");
		return;
	}
	alloc_order--;
	if (__builtin_expect(alloc_order != order, 0)) {
		char reason[96];

		ukmem_snprintf(reason, sizeof(reason),
			       "freed with order %u, allocated with order %u", order, alloc_order);
		bad_page(page, reason);
		order = alloc_order;	/* free what was allocated: nothing lost */
	}
	if (__builtin_expect(page->flags & PAGE_FLAGS_CHECK_AT_FREE, 0)) {
		/* Someone still uses the page (a slab, a reserved page): as the
		 * kernel does, keep it out of the free lists. */
		bad_page(page, "PAGE_FLAGS_CHECK_AT_FREE flag(s) set");
		return;
	}
	ref = __atomic_sub_fetch(&page->_refcount, 1, __ATOMIC_ACQ_REL);
	if (ref != 0) {
		if (ref < 0) {
			__atomic_store_n(&page->_refcount, 0, __ATOMIC_RELAXED);
			bad_page(page, "freeing a page that is not allocated (double free?)");
		}
		return;
	}
	if (PageHead(page)) {
		unsigned long nr = 1UL << order;

		for (unsigned long i = 1; i < nr; i++)
			page[i].compound_head = 0;
		page[1].compound_order = 0;
	}
	page->flags &= ~PAGE_FLAGS_LOW_MASK;
	page->ukmem_info = 0;
	page->mapping = NULL;
	page->private = 0;
	if (__builtin_expect(page_init_on_free, 0))
		__builtin_memset(page_address(page), 0, PAGE_SIZE << order);
	free_the_page(page, order);
}

void ukmem_free_pages_addr(unsigned long addr, unsigned int order)
{
	struct page *page;

	if (!addr)
		return;
	if (addr & (PAGE_SIZE - 1)) {
		__atomic_fetch_add(&ukmem_mm.bad_page_reports, 1, __ATOMIC_RELAXED);
		ukmem_printk("WARNING: free_pages(0x%lx, %u): address is not page aligned; "
			     "ignored\n", addr, order);
		return;
	}
	page = virt_to_page((const void *)addr);
	if (!page) {
		__atomic_fetch_add(&ukmem_mm.bad_page_reports, 1, __ATOMIC_RELAXED);
		ukmem_printk("BUG: Bad page state in process %s  addr:0x%lx\n"
			     "page dumped because: address is not in ukmem's memory\n",
			     ukmem_plat_comm(), addr);
		return;
	}
	ukmem_free_pages(page, order);
}

/* ---- exact-size allocations ---------------------------------------------- */

void *ukmem_alloc_pages_exact(size_t size, gfp_t gfp, int nid)
{
	unsigned int order;
	struct page *page;
	unsigned long used, alloc_end;

	if (!size || size > (PAGE_SIZE << MAX_PAGE_ORDER)) {
		if (size && !(gfp & __GFP_NOWARN))	/* __alloc_pages' WARN */
			ukmem_warn("WARNING: alloc_pages_exact(%zu): larger than the largest "
				   "block\n", size);
		return NULL;
	}
	if (gfp & (__GFP_COMP | __GFP_HIGHMEM)) {	/* a WARN_ON_ONCE in the kernel */
		ukmem_warn("WARNING: alloc_pages_exact: __GFP_COMP and __GFP_HIGHMEM are "
			   "not allowed; cleared\n");
		gfp &= ~(__GFP_COMP | __GFP_HIGHMEM);
	}
	order = (unsigned int)get_order(size);
	page = ukmem_alloc_pages(gfp, order, nid);
	if (!page)
		return NULL;
	/* split_page + free the unused tail, one page at a time as the kernel
	 * does: each page becomes an order-0 allocation of its own. */
	used = PAGE_ALIGN(size) >> PAGE_SHIFT;
	alloc_end = 1UL << order;
	page->ukmem_info = 1;
	for (unsigned long i = 1; i < alloc_end; i++) {
		page[i].ukmem_info = 1;
		__atomic_store_n(&page[i]._refcount, 1, __ATOMIC_RELAXED);
	}
	for (unsigned long i = used; i < alloc_end; i++)
		ukmem_free_pages(&page[i], 0);
	return page_address(page);
}

void ukmem_free_pages_exact(void *virt, size_t size)
{
	unsigned long addr = (unsigned long)virt;
	unsigned long end = addr + PAGE_ALIGN(size);

	if (!virt)
		return;
	while (addr < end) {
		ukmem_free_pages_addr(addr, 0);
		addr += PAGE_SIZE;
	}
}

/* ---- whole-allocator operations ------------------------------------------ */

unsigned long ukmem_zone_events(const struct zone *zone, enum zone_event_item item)
{
	unsigned long sum = __atomic_load_n(&zone->events[item], __ATOMIC_RELAXED);

	if (!zone->per_cpu_pageset)
		return sum;
	for (int cpu = 0; cpu < ukmem_mm.nr_cpus; cpu++)
		sum += __atomic_load_n(&zone->per_cpu_pageset[cpu].events[item], __ATOMIC_RELAXED);
	return sum;
}

void ukmem_drain_all(void)
{
	if (!ukmem_initialized())
		return;
	drain_pages(-1);
}

/* fork(): the walkers of the per-CPU list locks and the zone locks
 * (lockrank.h).  pcp locks are only ever tried, so taking them spins
 * briefly.  Empty zones too: the control files lock every configured zone
 * to print it, populated or not.  A block isolated for release belongs to
 * a thread the child will not have: wait, with the zone lock dropped,
 * until the releases in flight are put back (each is a system call or
 * two, and its owner needs only release_lock and the zone lock, both
 * ranked after the pcp locks that fork already holds). */
static void walk_pcp_locks(bool lock)
{
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++)
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[z];

			for (int cpu = 0; zone->per_cpu_pageset && cpu < ukmem_mm.nr_cpus; cpu++) {
				int *word = &zone->per_cpu_pageset[cpu].lock.word;

				if (!lock)
					__atomic_store_n(word, 0, __ATOMIC_RELEASE);
				else
					while (__atomic_exchange_n(word, 1, __ATOMIC_ACQUIRE))
						;
			}
		}
}

static void walk_zone_locks(bool lock)
{
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++)
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[z];

			if (!lock) {
				ukmem_plat_unlock(&zone->lock.raw);
				continue;
			}
			ukmem_plat_lock(&zone->lock.raw);
			while (zone->release_used) {
				ukmem_plat_unlock(&zone->lock.raw);
				ukmem_plat_relax();
				ukmem_plat_lock(&zone->lock.raw);
			}
		}
}

void page_register_lock_walkers(void)
{
	ukmem_lock_set_walker(LOCK_RANK_PCP, walk_pcp_locks);
	ukmem_lock_set_walker(LOCK_RANK_ZONE, walk_zone_locks);
}
