/*
 * test_watermarks.c - the reserves: min_free_kbytes, the min/low/high
 * watermarks and lowmem_reserve recomputed with the kernel's formulas
 * (reference/linux-mm.md section 4.5), the ladder of who may go how far
 * below min (GFP_KERNEL and GFP_NOWAIT stop at min, __GFP_HIGH goes to
 * half of it, GFP_ATOMIC a quarter further, __GFP_MEMALLOC to the last
 * page), the "page allocation failure" warning and its __GFP_NOWARN
 * silence, and watermarks that follow a new min_free_kbytes (set directly
 * or written to /proc/sys/vm/min_free_kbytes through ukmem_ctl_write()),
 * and __GFP_NOFAIL waiting for memory instead of failing.
 *
 * mem=64M: ZONE_DMA 4096 pages and ZONE_DMA32 the rest.  The tests run in
 * order: the warning test needs the ladder's silence to come first, since
 * warn_alloc() is rate-limited to one report per 10 seconds.
 */
#include "page_helpers.h"

#include <time.h>

static void setup(void)
{
	log_setup("watermarks");
	start_ukmem("mem=64M");
}

static unsigned long lowmem_managed(void)
{
	struct zone *zone;
	unsigned long sum = 0;

	for_each_populated_zone(zone)
		if (zone->zone_idx != ZONE_HIGHMEM && zone->zone_idx != ZONE_MOVABLE)
			sum += zone->managed_pages;
	return sum;
}

/* Every zone's watermarks are the kernel's __setup_per_zone_wmarks() of
 * min_free_kbytes. */
static void check_watermarks(int min_free_kbytes)
{
	unsigned long pages_min = (unsigned long)min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem = lowmem_managed();
	struct zone *zone;

	for_each_populated_zone(zone) {
		unsigned long managed = zone->managed_pages;
		unsigned long tmp = pages_min * managed / lowmem;
		unsigned long wmin = tmp, delta;

		if (zone->zone_idx == ZONE_HIGHMEM || zone->zone_idx == ZONE_MOVABLE) {
			wmin = managed / 1024;
			wmin = wmin < 32 ? 32 : wmin > 128 ? 128 : wmin;
		}
		delta = tmp / 4;
		if (delta < managed * 10 / 10000)
			delta = managed * 10 / 10000;
		if (zone->_watermark[WMARK_MIN] != wmin ||
		    zone->_watermark[WMARK_LOW] != wmin + delta ||
		    zone->_watermark[WMARK_HIGH] != wmin + 2 * delta ||
		    zone->_watermark[WMARK_PROMO] != wmin + 3 * delta)
			HARNESS_FAIL("zone %s (min_free_kbytes %d): min/low/high/promo %lu/%lu/%lu/%lu, "
				     "want %lu/%lu/%lu/%lu", zone->name, min_free_kbytes,
				     zone->_watermark[WMARK_MIN], zone->_watermark[WMARK_LOW],
				     zone->_watermark[WMARK_HIGH], zone->_watermark[WMARK_PROMO],
				     wmin, wmin + delta, wmin + 2 * delta, wmin + 3 * delta);
		EXPECT_UEQ(zone->watermark_boost, 0);
	}
}

TEST(min_free_kbytes_default)
{
	/* At boot the watermarks are 0, so nr_free_buffer_pages() is every
	 * managed page of DMA..NORMAL. */
	unsigned long lowmem_kbytes = lowmem_managed() * (PAGE_SIZE >> 10);
	unsigned long want = ref_int_sqrt(lowmem_kbytes * 16);

	want = want < 128 ? 128 : want > 262144 ? 262144 : want;
	EXPECT_EQ(ukmem_mm.min_free_kbytes, (long long)want);
	EXPECT_GT(ukmem_mm.min_free_kbytes, 128);	/* 64M is above the floor */
}

TEST(watermarks_follow_the_formula)
{
	check_watermarks(ukmem_mm.min_free_kbytes);
	EXPECT_EQ(ukmem_mm.watermark_scale_factor, 10);
}

/* lowmem_reserve[j] of zone i: managed pages of zones i+1..j divided by
 * the ratio of zone i (256, 256, 32, 0, 0); and totalreserve_pages. */
TEST(lowmem_reserve_follows_the_ratios)
{
	static const int ratio[MAX_NR_ZONES] = { 256, 256, 32, 0, 0 };
	unsigned long reserve = 0;

	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *zone = zone_of(0, i);
		unsigned long upper = 0;

		EXPECT_EQ(ukmem_mm.lowmem_reserve_ratio[i], ratio[i]);
		for (int j = 0; j < MAX_NR_ZONES; j++) {
			long want = 0;

			if (j > i) {
				upper += zone_of(0, j)->managed_pages;
				if (ratio[i] && zone->managed_pages)
					want = (long)(upper / (unsigned long)ratio[i]);
			}
			if (zone->lowmem_reserve[j] != want)
				HARNESS_FAIL("zone %s lowmem_reserve[%d] = %ld, want %ld",
					     ukmem_zone_names[i], j, zone->lowmem_reserve[j], want);
		}
	}
	EXPECT_GT(zone_of(0, ZONE_DMA)->lowmem_reserve[ZONE_NORMAL], 0);

	struct zone *zone;

	for_each_populated_zone(zone) {
		long max = 0;

		for (int j = zone->zone_idx; j < MAX_NR_ZONES; j++)
			if (zone->lowmem_reserve[j] > max)
				max = zone->lowmem_reserve[j];
		max += (long)high_wmark_pages(zone);
		reserve += (unsigned long)max < zone->managed_pages ? (unsigned long)max :
			   zone->managed_pages;
	}
	EXPECT_UEQ(ukmem_mm.totalreserve_pages, reserve);
}

/* Pages a request whose highest zone is NORMAL may take from a zone until
 * its free count is down to mark. */
static unsigned long sum_above(unsigned long (*mark)(const struct zone *))
{
	struct zone *zone;
	unsigned long sum = 0;

	for_each_populated_zone(zone)
		sum += zone->managed_pages - mark(zone) -
		       (unsigned long)zone->lowmem_reserve[ZONE_NORMAL];
	return sum;
}

static unsigned long mark_min(const struct zone *z)
{
	return min_wmark_pages(z);
}

/* __GFP_HIGH: min - min/2. */
static unsigned long mark_high(const struct zone *z)
{
	unsigned long m = min_wmark_pages(z);

	return m - m / 2;
}

/* GFP_ATOMIC (__GFP_HIGH, cannot block): a further quarter off. */
static unsigned long mark_atomic(const struct zone *z)
{
	unsigned long m = mark_high(z);

	return m - m / 4;
}

static unsigned long mark_zero(const struct zone *z)
{
	(void)z;
	return 0;
}

/*
 * Exhaust memory step by step: each kind of caller gets exactly the pages
 * between its own limit and the previous caller's; none of these
 * __GFP_NOWARN failures prints anything.
 */
TEST(reserve_ladder)
{
	struct block_list live = { 0 };
	unsigned long start = drained_free_pages();
	size_t mark = log_mark();
	unsigned long failures = ukmem_mm.alloc_failures;
	size_t n;

	EXPECT_UEQ(start, ukmem_mm.totalram_pages);

	n = alloc_until_fail(&live, GFP_KERNEL | __GFP_NOWARN, 0);
	EXPECT_UEQ(n, sum_above(mark_min));
	/* GFP_NOWAIT may not sleep, but has no access to the reserves. */
	EXPECT_UEQ(alloc_until_fail(&live, GFP_NOWAIT, 0), 0);
	EXPECT_UEQ(alloc_until_fail(&live, GFP_NOIO | __GFP_NOWARN, 0), 0);
	n = alloc_until_fail(&live, GFP_KERNEL | __GFP_HIGH | __GFP_NOWARN, 0);
	EXPECT_UEQ(n, sum_above(mark_high) - sum_above(mark_min));
	EXPECT_GT(n, 0);
	/* __GFP_NOMEMALLOC takes away GFP_ATOMIC's extra quarter. */
	EXPECT_UEQ(alloc_until_fail(&live, GFP_ATOMIC | __GFP_NOMEMALLOC | __GFP_NOWARN, 0), 0);
	n = alloc_until_fail(&live, GFP_ATOMIC | __GFP_NOWARN, 0);
	EXPECT_UEQ(n, sum_above(mark_atomic) - sum_above(mark_high));
	EXPECT_GT(n, 0);
	/* __GFP_NOMEMALLOC wins over __GFP_MEMALLOC. */
	EXPECT_UEQ(alloc_until_fail(&live, GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOMEMALLOC |
				    __GFP_NOWARN, 0), 0);
	/* __GFP_MEMALLOC ignores the watermarks and the lowmem reserve. */
	n = alloc_until_fail(&live, GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, 0);
	EXPECT_UEQ(n, sum_above(mark_zero) - sum_above(mark_atomic) +
		   (unsigned long)zone_of(0, ZONE_DMA)->lowmem_reserve[ZONE_NORMAL]);
	EXPECT_UEQ(live.n, ukmem_mm.totalram_pages);
	EXPECT_UEQ(total_unallocated_pages(), 0);

	EXPECT_EQ(log_count_since(mark, "page allocation failure"), 0);
	EXPECT_GE(ukmem_mm.alloc_failures - failures, 8);
	EXPECT_EQ(ukmem_page_validate(), 0);
	blocks_release(&live);
	EXPECT_UEQ(drained_free_pages(), start);
}

/* A failure without __GFP_NOWARN prints the kernel's warning with the
 * flag names and the zone state; the next ones within 10 s are
 * rate-limited. */
TEST(failure_warning)
{
	struct block_list live = { 0 };
	char head[160];
	size_t mark;
	char *text;

	alloc_until_fail(&live, GFP_KERNEL | __GFP_NOWARN, 0);
	mark = log_mark();
	EXPECT_TRUE(alloc_pages(GFP_KERNEL, 0) == NULL);
	text = log_since(mark);
	snprintf(head, sizeof(head), "%s: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), "
		 "nodemask=(null)", ukmem_plat_comm());
	EXPECT_CONTAINS(text, head);
	EXPECT_CONTAINS(text, "Mem-Info:");
	EXPECT_CONTAINS(text, "Node 0 DMA32 free:");
	EXPECT_CONTAINS(text, "lowmem_reserve[]:");
	EXPECT_EQ(count_substr(text, "page allocation failure"), 1);
	free(text);

	/* Rate-limited: another failure right away prints nothing. */
	mark = log_mark();
	EXPECT_TRUE(alloc_pages(GFP_KERNEL | __GFP_ZERO, 0) == NULL);
	EXPECT_EQ(log_count_since(mark, "page allocation failure"), 0);
	blocks_release(&live);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* A new min_free_kbytes moves every watermark (and the per-CPU high
 * marks, which follow the low watermark); GFP_KERNEL then stops earlier. */
TEST(min_free_kbytes_moves_the_watermarks)
{
	int old = ukmem_mm.min_free_kbytes;
	int high_before = zone_of(0, ZONE_DMA32)->per_cpu_pageset[0].high;
	struct block_list live = { 0 };
	unsigned long start = drained_free_pages();
	size_t n;

	ukmem_mm.min_free_kbytes = old * 4;
	ukmem_setup_per_zone_wmarks();
	check_watermarks(old * 4);
	EXPECT_GT(zone_of(0, ZONE_DMA32)->per_cpu_pageset[0].high, high_before);
	n = alloc_until_fail(&live, GFP_KERNEL | __GFP_NOWARN, 0);
	EXPECT_UEQ(n, sum_above(mark_min));
	blocks_free_all(&live);

	/* The same through the control file. */
	char buf[32];

	EXPECT_EQ(ukmem_ctl_write("/proc/sys/vm/min_free_kbytes", "128\n"), 0);
	check_watermarks(128);
	EXPECT_EQ(ukmem_mm.min_free_kbytes, 128);
	EXPECT_EQ(ukmem_ctl_read("/proc/sys/vm/min_free_kbytes", buf, sizeof(buf)), 4);
	EXPECT_STREQ(buf, "128\n");
	EXPECT_EQ(ukmem_ctl_write("/proc/sys/vm/min_free_kbytes", "-1"), -EINVAL);
	EXPECT_EQ(ukmem_mm.min_free_kbytes, 128);
	n = alloc_until_fail(&live, GFP_KERNEL | __GFP_NOWARN, 0);
	EXPECT_UEQ(n, sum_above(mark_min));
	blocks_free_all(&live);

	ukmem_mm.min_free_kbytes = old;
	ukmem_setup_per_zone_wmarks();
	check_watermarks(old);
	EXPECT_EQ(zone_of(0, ZONE_DMA32)->per_cpu_pageset[0].high, high_before);
	blocks_release(&live);
	EXPECT_UEQ(drained_free_pages(), start);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/*
 * __GFP_NOFAIL "never fails; retries forever" (gfp.h): with every page
 * taken, a GFP_KERNEL | __GFP_NOFAIL caller must wait until memory is
 * freed, then get a page, never NULL.
 */
static struct page *nofail_page;
static volatile int nofail_returned;

static void *nofail_alloc(void *arg)
{
	(void)arg;
	nofail_page = alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0);
	__atomic_store_n(&nofail_returned, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST(nofail_waits_for_memory)
{
	struct block_list live = { 0 };
	unsigned long start = drained_free_pages();
	struct timespec deadline;
	pthread_t t;

	alloc_until_fail(&live, GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, 0);
	EXPECT_UEQ(total_unallocated_pages(), 0);
	ASSERT_EQ(pthread_create(&t, NULL, nofail_alloc, NULL), 0);
	usleep(200 * 1000);
	bool early = __atomic_load_n(&nofail_returned, __ATOMIC_ACQUIRE);
	struct page *early_page = nofail_page;

	blocks_release(&live);	/* now there is memory again */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	ASSERT_EQ(pthread_timedjoin_np(t, NULL, &deadline), 0);
	if (early && !early_page)
		HARNESS_FAIL("alloc_pages(GFP_KERNEL | __GFP_NOFAIL) returned NULL while memory "
			     "was exhausted, %d ms before any was freed", 200);
	EXPECT_TRUE(nofail_page != NULL);
	if (nofail_page)
		__free_pages(nofail_page, 0);
	EXPECT_UEQ(drained_free_pages(), start);
}

RUN_TESTS_SETUP(setup,
	T(min_free_kbytes_default),
	T(watermarks_follow_the_formula),
	T(lowmem_reserve_follows_the_ratios),
	T(reserve_ladder),
	T(failure_warning),
	T(min_free_kbytes_moves_the_watermarks),
	T(nofail_waits_for_memory))
