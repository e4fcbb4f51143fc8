/*
 * validate.c - the page allocator's invariants as code (mmzone.h lists
 * them).  Tests and debug builds call ukmem_page_validate(); each broken
 * invariant is logged with the zone and pfn and counted.
 *
 * Lock order: one zone lock at a time; per-CPU lists are read under their
 * own lock, taken by spinning (validation is not for signal handlers).
 */
#include "page/internal.h"

static int report(const struct zone *zone, const char *what, unsigned long pfn,
		  unsigned long a, unsigned long b)
{
	ukmem_printk("ukmem: validate: node %d zone %s: %s (pfn %#lx: %lu vs %lu)\n",
		     zone->node, zone->name, what, pfn, a, b);
	return 1;
}

/* The used release slot whose block holds pfn, or -1. */
static int isolated_slot_of(const struct zone *zone, unsigned long pfn)
{
	for (int slot = 0; slot < ZONE_RELEASE_SLOTS; slot++) {
		const struct release_slot *r = &zone->release[slot];

		if ((zone->release_used >> slot & 1) && pfn - r->pfn < (1UL << r->order))
			return slot;
	}
	return -1;
}

/* Blocks isolated for release: each lies in its zone, is large, and
 * overlaps no other; their pages are what nr_isolated says.  Their struct
 * pages are not read: another thread may be giving them back right now. */
static int validate_isolated_locked(const struct zone *zone)
{
	unsigned long zone_end = zone->zone_start_pfn + zone->spanned_pages;
	unsigned long pages = 0;
	int bad = 0;

	if (zone->release_pending)
		bad += report(zone, "release slots pending while the lock is free", 0,
			      zone->release_pending, 0);
	for (int slot = 0; slot < ZONE_RELEASE_SLOTS; slot++) {
		const struct release_slot *r = &zone->release[slot];
		unsigned long size = 1UL << r->order;

		if (!(zone->release_used >> slot & 1))
			continue;
		pages += size;
		if (r->order < pageblock_order || r->order > MAX_PAGE_ORDER || !r->flags)
			bad += report(zone, "isolated block of a bad order or with nothing to release",
				      r->pfn, r->order, r->flags);
		if (r->pfn & (size - 1))
			bad += report(zone, "isolated block is not naturally aligned", r->pfn,
				      r->pfn & (size - 1), 0);
		if (r->pfn < zone->zone_start_pfn || r->pfn + size > zone_end)
			bad += report(zone, "isolated block outside its zone", r->pfn, r->pfn, zone_end);
		if (pristine_test(zone, r->pfn))
			bad += report(zone, "isolated block is also pristine", r->pfn, 1, 0);
		for (int other = 0; other < slot; other++) {
			const struct release_slot *o = &zone->release[other];

			if ((zone->release_used >> other & 1) &&
			    (r->pfn - o->pfn < (1UL << o->order) || o->pfn - r->pfn < size))
				bad += report(zone, "isolated blocks overlap", r->pfn, o->pfn,
					      (unsigned long)other);
		}
	}
	if (pages != zone->nr_isolated)
		bad += report(zone, "nr_isolated differs from the release slots", 0,
			      zone->nr_isolated, pages);
	return bad;
}

static int validate_free_lists_locked(struct zone *zone)
{
	unsigned long zone_end = zone->zone_start_pfn + zone->spanned_pages;
	unsigned long free_pages = 0;
	int bad = 0;

	for (unsigned int o = 0; o <= MAX_PAGE_ORDER; o++) {
		unsigned long blocks = 0;

		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			const struct list_head *head = &zone->free_area[o].free_list[mt];
			const struct list_head *pos;

			list_for_each(pos, head) {
				const struct page *page = list_entry(pos, struct page, lru);
				unsigned long pfn = page_to_pfn(page);

				blocks++;
				if (!PageBuddy(page))
					bad += report(zone, "listed block is not PageBuddy", pfn, 0, 1);
				if (buddy_order(page) != o)
					bad += report(zone, "listed block has the wrong order", pfn,
						      buddy_order(page), o);
				if (pfn & ((1UL << o) - 1))
					bad += report(zone, "block is not naturally aligned", pfn,
						      pfn & ((1UL << o) - 1), 0);
				if (pfn < zone->zone_start_pfn || pfn + (1UL << o) > zone_end)
					bad += report(zone, "block outside its zone", pfn, pfn, zone_end);
				if (page_zone(page) != zone)
					bad += report(zone, "block's page says another zone", pfn,
						      (unsigned long)page_zonenum(page),
						      (unsigned long)zone->zone_idx);
				if (zone->release_used &&
				    (isolated_slot_of(zone, pfn) >= 0 ||
				     isolated_slot_of(zone, pfn + (1UL << o) - 1) >= 0))
					bad += report(zone, "listed block is also isolated for release",
						      pfn, o, 0);
				for (unsigned long i = 1; i < (1UL << o); i++)
					if (PageBuddy(page + i)) {
						bad += report(zone, "buddy page inside a free block",
							      pfn + i, 1, 0);
						break;
					}
			}
		}
		if (o == MAX_PAGE_ORDER)
			blocks += zone->nr_pristine;
		if (blocks != zone->free_area[o].nr_free)
			bad += report(zone, "nr_free differs from the lists", o, zone->free_area[o].nr_free,
				      blocks);
		free_pages += blocks << o;
	}
	/* Isolated blocks are in neither: they are checked on their own. */
	if (free_pages != zone_page_state(zone, NR_FREE_PAGES))
		bad += report(zone, "NR_FREE_PAGES differs from the free areas", 0,
			      zone_page_state(zone, NR_FREE_PAGES), free_pages);
	bad += validate_isolated_locked(zone);
	if (zone->pristine) {
		unsigned long set = 0;

		for (unsigned long b = 0; b < zone->nr_pristine_bits; b++)
			set += pristine_test(zone, zone->pristine_base_pfn + (b << MAX_PAGE_ORDER));
		if (set != zone->nr_pristine)
			bad += report(zone, "pristine bitmap differs from nr_pristine", 0, set,
				      zone->nr_pristine);
	}
	return bad;
}

static int validate_pcp(struct zone *zone, int cpu)
{
	struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];
	unsigned long pages = 0;
	int bad = 0;

	while (__atomic_exchange_n(&pcp->lock.word, 1, __ATOMIC_ACQUIRE))
		;
	for (int l = 0; l < NR_PCP_LISTS; l++) {
		const struct list_head *pos;
		unsigned int order = (unsigned int)(l / MIGRATE_PCPTYPES);

		list_for_each(pos, &pcp->lists[l]) {
			const struct page *page = list_entry(pos, struct page, lru);

			pages += 1UL << order;
			if (PageBuddy(page) || page_ref_count(page) != 0 || page_zone(page) != zone)
				bad += report(zone, "bad page on a per-CPU list", page_to_pfn(page),
					      (unsigned long)page_ref_count(page), 0);
		}
	}
	if (pages != (unsigned long)pcp->count)
		bad += report(zone, "pcp count differs from its lists", (unsigned long)cpu,
			      (unsigned long)pcp->count, pages);
	__atomic_store_n(&pcp->lock.word, 0, __ATOMIC_RELEASE);
	return bad;
}

int ukmem_page_validate(void)
{
	int bad = 0;

	if (!ukmem_initialized())
		return 0;
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[z];

			if (!populated_zone(zone))
				continue;
			/* Raw: the walk runs in thread context with no zone
			 * lock held, also from hooks that hold release_lock. */
			ukmem_plat_lock(&zone->lock.raw);
			bad += validate_free_lists_locked(zone);
			ukmem_plat_unlock(&zone->lock.raw);
			for (int cpu = 0; cpu < ukmem_mm.nr_cpus; cpu++)
				bad += validate_pcp(zone, cpu);
		}
	}
	return bad;
}
