/*
 * pcp.c - per-CPU page lists: the fast path of order 0..3 allocations.
 *
 * Theory
 * ------
 * Each zone has, per CPU, lists of free pages per (order <= 3, pcp
 * migratetype), the kernel's struct per_cpu_pages.  An allocation pops from
 * this CPU's list and refills it with `batch` blocks from the buddy
 * allocator under one zone lock; a free pushes and, once the lists hold
 * `high` pages, returns a batch (more on consecutive frees: free_factor).
 * Pages on these lists are not free for the zone's counters, as in the
 * kernel.
 *
 * Hot and cold: a freed page goes to the head, where the next allocation
 * finds it while it is still in the cache; refills go to the tail in
 * address order; __GFP_COLD takes from the tail; bulk frees give back the
 * tail.
 *
 * The "CPU" is the one the thread runs on (rseq), and the lists are
 * guarded by a per-list lock that is only ever tried, never waited for:
 * when it is busy (another thread on the same CPU after a migration, or
 * this thread interrupted by a signal handler that allocates) the caller
 * goes to the zone's buddy lists instead, which is what the kernel does
 * with pcp_spin_trylock.  Release is a plain store: there are no waiters.
 *
 * A bulk free ends with zone_unlock, which gives merged 2 MiB+ blocks back
 * to the OS with the zone lock dropped but this CPU's list lock still held:
 * nobody waits for that lock (it is only tried), and other threads on this
 * CPU use the zone meanwhile.
 *
 * Lock order (src/lib/lockrank.h): pcp lock, then zone->lock (refill and
 * bulk free).
 */
#include "page/internal.h"

/* pcp->count changes only under the pcp lock, but /proc/zoneinfo reads it
 * without one: the owner's stores are atomic, its own loads plain. */
static inline void pcp_count_add(struct per_cpu_pages *pcp, int delta)
{
	__atomic_store_n(&pcp->count, pcp->count + delta, __ATOMIC_RELAXED);
}

static inline bool pcp_trylock(struct per_cpu_pages *pcp)
{
	return __atomic_exchange_n(&pcp->lock.word, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void pcp_unlock(struct per_cpu_pages *pcp)
{
	__atomic_store_n(&pcp->lock.word, 0, __ATOMIC_RELEASE);
}

static inline struct per_cpu_pages *this_cpu_pcp(struct zone *zone)
{
	return &zone->per_cpu_pageset[ukmem_plat_cpu()];
}

static inline unsigned int pindex_to_order(int pindex)
{
	return (unsigned int)(pindex / MIGRATE_PCPTYPES);
}

/* Give count pages from the cold ends of the lists back to the buddy
 * allocator, round-robin over the lists.  pcp lock held. */
static void free_pcppages_bulk(struct zone *zone, int count, struct per_cpu_pages *pcp)
{
	int pindex = NR_PCP_LISTS - 1;

	if (count > pcp->count)
		count = pcp->count;
	if (count <= 0 || !zone_lock(zone))
		return;
	while (count > 0) {
		struct list_head *list;

		do {
			if (++pindex > NR_PCP_LISTS - 1)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (list_empty(list));

		unsigned int order = pindex_to_order(pindex);
		int nr_pages = 1 << order;

		do {
			struct page *page = list_last_entry(list, struct page, lru);
			unsigned long pfn = page_to_pfn(page);

			list_del(&page->lru);
			count -= nr_pages;
			pcp_count_add(pcp, -nr_pages);
			free_one_page_locked(zone, page, pfn, order,
					     get_pageblock_migratetype(zone, pfn));
			/* A drain can merge many 2 MiB blocks in one hold: when
			 * they fill the release slots, give them back now (the
			 * zone lock drops; this loop keeps only pcp state). */
			zone_release_if_full_locked(zone);
		} while (count > 0 && !list_empty(list));
	}
	zone_unlock(zone);
	wake_memory_waiters();
}

struct page *rmqueue_pcplist(struct zone *zone, unsigned int order, int mt, gfp_t gfp)
{
	struct per_cpu_pages *pcp = this_cpu_pcp(zone);
	struct list_head *list = &pcp->lists[order_to_pindex(mt, order)];
	struct page *page;

	if (!pcp_trylock(pcp))
		return NULL;
	pcp->free_factor >>= 1;
	if (__builtin_expect(list_empty(list), 0)) {
		int batch = __atomic_load_n(&pcp->batch, __ATOMIC_RELAXED);
		int n = 0;

		/* Scale the batch to the order, but keep at least two. */
		if (batch > 1)
			batch = (batch >> order) > 2 ? batch >> order : 2;
		if (zone_lock(zone)) {
			n = rmqueue_bulk_locked(zone, order, batch, list, mt);
			zone_unlock(zone);
		}
		pcp_count_add(pcp, n << order);
		if (!n) {
			pcp_unlock(pcp);
			return NULL;
		}
	}
	if (gfp & __GFP_COLD)
		page = list_last_entry(list, struct page, lru);
	else
		page = list_first_entry(list, struct page, lru);
	list_del(&page->lru);
	pcp_count_add(pcp, -(1 << order));
	counter_add(&pcp->events[EV_PGALLOC], 1UL << order);
	pcp_unlock(pcp);
	return page;
}

/* How many pages to give back once count >= high (the kernel's
 * nr_pcp_free): a batch, doubled on each free without an allocation in
 * between, leaving at least a batch on the list. */
static int nr_pcp_free(struct per_cpu_pages *pcp, int high, bool free_high)
{
	int batch = __atomic_load_n(&pcp->batch, __ATOMIC_RELAXED);
	int min_nr_free, max_nr_free;

	if (free_high)
		return pcp->count;
	if (high < batch)
		return 1;
	min_nr_free = batch;
	max_nr_free = high - batch;
	batch <<= pcp->free_factor;
	if (batch < max_nr_free && pcp->free_factor < PCP_BATCH_SCALE_MAX)
		pcp->free_factor++;
	return batch < min_nr_free ? min_nr_free : batch > max_nr_free ? max_nr_free : batch;
}

bool free_unref_page(struct zone *zone, struct page *page, unsigned int order, int mt)
{
	struct per_cpu_pages *pcp = this_cpu_pcp(zone);
	bool free_high;
	int high;

	if (!pcp_trylock(pcp))
		return false;
	list_add(&page->lru, &pcp->lists[order_to_pindex(mt, order)]);
	pcp_count_add(pcp, 1 << order);
	counter_add(&pcp->events[EV_PGFREE], 1UL << order);
	/* A burst of high-order frees empties the lists: such pages are
	 * more useful merged in the buddy allocator. */
	free_high = order && pcp->free_factor;
	high = free_high ? 0 : __atomic_load_n(&pcp->high, __ATOMIC_RELAXED);
	if (pcp->count >= high)
		free_pcppages_bulk(zone, nr_pcp_free(pcp, high, free_high), pcp);
	pcp_unlock(pcp);
	return true;
}

static void drain_zone_cpu(struct zone *zone, int cpu)
{
	struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];
	int tries = 0;

	/* Holders never block, so the wait is short; but the holder may be
	 * the thread this signal handler interrupted, so do not wait for
	 * ever: a list left alone is drained next time. */
	while (!pcp_trylock(pcp))
		if (++tries > 10000)
			return;
	free_pcppages_bulk(zone, pcp->count, pcp);
	pcp_unlock(pcp);
}

void drain_pages(int cpu)
{
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[z];

			if (!populated_zone(zone))
				continue;
			if (cpu >= 0) {
				drain_zone_cpu(zone, cpu);
			} else {
				for (int c = 0; c < ukmem_mm.nr_cpus; c++)
					drain_zone_cpu(zone, c);
			}
			/* Frees a signal handler deferred are finished by the
			 * next holder of the zone lock: be that holder. */
			if (__atomic_load_n(&zone->deferred_free.first, __ATOMIC_RELAXED) &&
			    zone_lock(zone))
				zone_unlock(zone);
		}
	}
}
