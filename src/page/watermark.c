/*
 * watermark.c - the reserves: min_free_kbytes, the min/low/high watermarks
 * of each zone, lowmem_reserve, and the watermark check every allocation
 * makes.
 *
 * Theory
 * ------
 * Each zone keeps a reserve of free pages that ordinary allocations may
 * not take: below the low watermark an allocation leaves the fast path,
 * below min only callers with access to the reserves (GFP_ATOMIC,
 * __GFP_HIGH, __GFP_MEMALLOC) may go on.  The numbers are the kernel's
 * (mm/page_alloc.c, Linux 6.6):
 *
 *   min_free_kbytes = clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144)
 *   min(zone)  = pages_min * managed(zone) / managed(all lowmem zones)
 *                (highmem: clamp(managed / 1024, 32, 128))
 *   delta      = max(min / 4, managed * watermark_scale_factor / 10000)
 *   low = min + delta, high = low + delta, promo = high + delta
 *   lowmem_reserve[j] of zone i = managed pages of zones i+1..j / ratio[i]
 *
 * The check (__zone_watermark_ok): free - (2^order - 1) must stay above
 * the mark, lowered by half for ALLOC_MIN_RESERVE and by a further quarter
 * for ALLOC_NON_BLOCK, plus the lowmem reserve of the highest zone the
 * request could have used; a high-order request also needs a free block of
 * at least its order.
 *
 * The per-CPU lists are sized here too (zone_batchsize, zone_highsize),
 * because their high mark follows the low watermark.
 *
 * Lock order: takes each zone's lock, one at a time, while updating it.
 */
#include "page/internal.h"

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0, bit = 1UL << (UKMEM_BITS_PER_LONG - 2);

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

#define for_each_zone(zone) \
	for (int _nid = 0; _nid < ukmem_mm.nr_nodes; _nid++) \
		for (int _z = 0; _z < MAX_NR_ZONES && ((zone) = &NODE_DATA(_nid)->node_zones[_z]); _z++)

/* nr_free_buffer_pages(): free pages above the high watermark in the zones
 * GFP_USER may use. */
static unsigned long nr_free_buffer_pages(void)
{
	struct zone *zone;
	unsigned long sum = 0;

	for_each_zone(zone) {
		unsigned long managed = zone_managed_pages(zone);
		unsigned long high = high_wmark_pages(zone);

		if (zone->zone_idx > ZONE_NORMAL)
			continue;
		if (managed > high)
			sum += managed - high;
	}
	return sum;
}

int ukmem_calculate_min_free_kbytes(void)
{
	unsigned long lowmem_kbytes = nr_free_buffer_pages() * (PAGE_SIZE >> 10);
	unsigned long v = int_sqrt(lowmem_kbytes * 16);

	if (v < 128)
		v = 128;
	if (v > 262144)
		v = 262144;
	return (int)v;
}

static int zone_batchsize(const struct zone *zone)
{
	unsigned long batch = zone_managed_pages(zone) >> 10;
	unsigned long b;

	if (batch > (1UL << 20) / PAGE_SIZE)
		batch = (1UL << 20) / PAGE_SIZE;
	batch /= 4;
	if (batch < 1)
		batch = 1;
	/* Round to 2^n - 1: a power of two aliases badly in caches. */
	b = batch + batch / 2;
	return (int)((1UL << (ukmem_fls_long(b) - 1)) - 1);
}

static int nr_cpus_on_node(int nid)
{
	int n = 0;

	for (int cpu = 0; cpu < ukmem_mm.nr_cpus; cpu++)
		if (cpu % ukmem_mm.nr_nodes == nid)
			n++;
	return n;
}

static int zone_highsize(const struct zone *zone, int batch)
{
	unsigned long total = low_wmark_pages(zone);
	int split = nr_cpus_on_node(zone->node);
	long high;

	if (!split)
		split = ukmem_mm.nr_cpus;
	high = (long)(total / (unsigned long)split);
	if (high < (long)batch << 2)
		high = (long)batch << 2;
	return (int)high;
}

void pcp_update_zone(struct zone *zone)
{
	int batch = zone_batchsize(zone) > 1 ? zone_batchsize(zone) : 1;	/* 6.6: max(1, ...) */
	int high = zone_highsize(zone, batch);

	for (int cpu = 0; cpu < ukmem_mm.nr_cpus; cpu++) {
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

		__atomic_store_n(&pcp->batch, batch, __ATOMIC_RELAXED);
		__atomic_store_n(&pcp->high, high, __ATOMIC_RELAXED);
	}
}

static void setup_per_zone_lowmem_reserve(void)
{
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++) {
		pg_data_t *pgdat = NODE_DATA(nid);

		for (int i = 0; i < MAX_NR_ZONES - 1; i++) {
			struct zone *zone = &pgdat->node_zones[i];
			int ratio = ukmem_mm.lowmem_reserve_ratio[i];
			bool clear = !ratio || !zone_managed_pages(zone);
			unsigned long managed = 0;

			for (int j = i + 1; j < MAX_NR_ZONES; j++) {
				managed += zone_managed_pages(&pgdat->node_zones[j]);
				__atomic_store_n(&zone->lowmem_reserve[j],
						 clear ? 0L : (long)(managed / (unsigned long)ratio),
						 __ATOMIC_RELAXED);
			}
		}
	}

	/* totalreserve_pages: what the kernel treats as unavailable. */
	unsigned long reserve = 0;
	struct zone *zone;

	for_each_zone(zone) {
		long max = 0;

		for (int j = zone->zone_idx; j < MAX_NR_ZONES; j++)
			if (zone->lowmem_reserve[j] > max)
				max = zone->lowmem_reserve[j];
		max += (long)high_wmark_pages(zone);
		if (max > (long)zone_managed_pages(zone))
			max = (long)zone_managed_pages(zone);
		reserve += (unsigned long)max;
	}
	/* Read without a lock by /proc/meminfo (MemAvailable). */
	__atomic_store_n(&ukmem_mm.totalreserve_pages, reserve, __ATOMIC_RELAXED);
}

void ukmem_setup_per_zone_wmarks(void)
{
	unsigned long pages_min = (unsigned long)ukmem_mm.min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem_pages = 0;
	struct zone *zone;

	for_each_zone(zone)
		if (!is_highmem_idx(zone->zone_idx) && zone->zone_idx != ZONE_MOVABLE)
			lowmem_pages += zone_managed_pages(zone);

	for_each_zone(zone) {
		unsigned long managed = zone_managed_pages(zone);
		unsigned long tmp, wmin;

		if (!populated_zone(zone))
			continue;
		tmp = lowmem_pages ? pages_min * managed / lowmem_pages : 0;
		if (is_highmem_idx(zone->zone_idx) || zone->zone_idx == ZONE_MOVABLE) {
			wmin = managed / 1024;
			wmin = wmin < 32 ? 32 : wmin > 128 ? 128 : wmin;
		} else {
			wmin = tmp;
		}
		tmp = tmp >> 2;
		if (tmp < managed * (unsigned long)ukmem_mm.watermark_scale_factor / 10000)
			tmp = managed * (unsigned long)ukmem_mm.watermark_scale_factor / 10000;

		ukmem_lock(&zone->lock);
		__atomic_store_n(&zone->watermark_boost, 0UL, __ATOMIC_RELAXED);
		__atomic_store_n(&zone->_watermark[WMARK_MIN], wmin, __ATOMIC_RELAXED);
		__atomic_store_n(&zone->_watermark[WMARK_LOW], wmin + tmp, __ATOMIC_RELAXED);
		__atomic_store_n(&zone->_watermark[WMARK_HIGH], wmin + 2 * tmp, __ATOMIC_RELAXED);
		__atomic_store_n(&zone->_watermark[WMARK_PROMO], wmin + 3 * tmp, __ATOMIC_RELAXED);
		ukmem_unlock(&zone->lock);
	}
	setup_per_zone_lowmem_reserve();
	for_each_zone(zone)
		if (populated_zone(zone))
			pcp_update_zone(zone);
}

bool zone_watermark_ok(struct zone *zone, unsigned int order, unsigned long mark,
		       int highest_zoneidx, unsigned int alloc_flags, long free_pages)
{
	long min = (long)mark;

	free_pages -= (1L << order) - 1;
	if (alloc_flags & ALLOC_RESERVES) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + __atomic_load_n(&zone->lowmem_reserve[highest_zoneidx],
						 __ATOMIC_RELAXED))
		return false;
	if (!order)
		return true;
	/* A high-order request also needs a block of at least its order. */
	for (unsigned int o = order; o <= MAX_PAGE_ORDER; o++)
		if (__atomic_load_n(&zone->free_area[o].nr_free, __ATOMIC_RELAXED))
			return true;
	return false;
}
