/*
 * test_rss.c - hosted memory goes back to the OS: the resident size
 * rises when allocated memory is touched and falls again when it is freed,
 * for large blocks (released as soon as a free makes a block of pageblock
 * order or more) and for order-0 pages (released once they merge back,
 * which for the pages still parked on a per-CPU list is only after a
 * drain).  Memory that came back from the OS is known to be zero:
 * __GFP_ZERO hands it out without touching it, and it reads as zero.
 *
 * mem=1G.  The test thread is pinned to one CPU so one per-CPU list holds
 * the parked pages.  Under ThreadSanitizer the resident size is mostly
 * its shadow memory, which no madvise of ours gives back: the RSS tests
 * are skipped there (the zeroing test still runs).
 */
#include "page_helpers.h"
#include "platform/platform.h"

#define ALLOC_BYTES (512 * MiB)
/* Slack for the memmap ukmem keeps for a few free MAX_PAGE_ORDER blocks
 * (MEMMAP_KEEP_BLOCKS per zone) and for the test's own pages. */
#define SLACK (4 * MiB)

static void setup(void)
{
	log_setup("rss");
	start_ukmem("mem=1G");
	pin_to_one_cpu();
}

static size_t rss(void)
{
	return ukmem_plat_resident_bytes();
}

static void expect_back_to(size_t start, size_t now, const char *when)
{
	size_t limit = start + start / 20 + SLACK;

	if (now > limit)
		HARNESS_FAIL("%s: resident %zu KiB, started at %zu KiB (limit %zu KiB)", when,
			     now >> 10, start >> 10, limit >> 10);
}

static bool all_zero(const void *p, size_t size)
{
	const unsigned long *w = p;

	for (size_t i = 0; i < size / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

#define SKIP_UNDER_TSAN() do { \
	if (UNDER_TSAN) { \
		printf("skip %s: the resident size under TSan is its shadow\n", __func__); \
		return; \
	} \
} while (0)

/* 512 MiB as order-9 and order-10 blocks, every page touched, freed. */
TEST(large_blocks_go_back_to_the_os)
{
	struct block_list live = { 0 };
	size_t bytes = 0, start, full;

	SKIP_UNDER_TSAN();
	/* The list's own memory is resident before the first measurement. */
	live.cap = 1024;
	live.v = calloc(live.cap, sizeof(*live.v));
	ASSERT_NOT_NULL(live.v);
	start = rss();
	ASSERT_TRUE(start > 0);
	for (int i = 0; bytes < ALLOC_BYTES; i++) {
		unsigned int order = i % 2 ? 9 : 10;
		struct page *page = alloc_pages(GFP_KERNEL, order);

		ASSERT_NOT_NULL(page);
		memset(page_address(page), 0xa5, PAGE_SIZE << order);
		blocks_push(&live, page, order);
		bytes += PAGE_SIZE << order;
	}
	full = rss();
	if (full < start + 450 * MiB)
		HARNESS_FAIL("resident %zu KiB after touching 512 MiB, started at %zu KiB",
			     full >> 10, start >> 10);
	blocks_release(&live);
	expect_back_to(start, rss(), "after freeing the blocks");
	EXPECT_GT(ukmem_zone_events(zone_of(0, ZONE_DMA32), EV_PGRELEASE),
		  (unsigned long)(450 * MiB) >> PAGE_SHIFT);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* 128K order-0 pages (512 MiB), touched and freed: most of the memory is
 * back at once; what the per-CPU list still holds comes back after
 * ukmem_drain_all(). */
TEST(order0_pages_go_back_after_a_drain)
{
	size_t nr = ALLOC_BYTES >> PAGE_SHIFT, start, full, before_drain;
	struct page **pages;

	SKIP_UNDER_TSAN();
	pages = malloc(nr * sizeof(*pages));
	ASSERT_NOT_NULL(pages);
	memset(pages, 0, nr * sizeof(*pages));	/* resident before measuring */
	ukmem_drain_all();
	start = rss();
	for (size_t i = 0; i < nr; i++) {
		pages[i] = alloc_pages(GFP_KERNEL, 0);
		ASSERT_NOT_NULL(pages[i]);
		memset(page_address(pages[i]), 0x3c, PAGE_SIZE);
	}
	full = rss();
	if (full < start + 450 * MiB)
		HARNESS_FAIL("resident %zu KiB after touching 512 MiB, started at %zu KiB",
			     full >> 10, start >> 10);
	for (size_t i = 0; i < nr; i++)
		__free_pages(pages[i], 0);
	before_drain = rss();
	/* Pages on a per-CPU list pin their pageblocks until the drain: at
	 * most a few MiB here, not the 512 MiB. */
	EXPECT_LT(before_drain, start + 64 * MiB);
	EXPECT_GT(total_pcp_pages(), 0);
	ukmem_drain_all();
	EXPECT_UEQ(total_pcp_pages(), 0);
	expect_back_to(start, rss(), "after freeing the pages and draining");
	free(pages);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/*
 * Memory given back to the OS is zero and known to be: __GFP_ZERO takes
 * it without a memset (the resident size does not grow by the allocation)
 * and every byte reads as zero, although it was dirtied before the free.
 */
TEST(gfp_zero_on_memory_back_from_the_os)
{
	size_t nr = UNDER_TSAN ? 8 : 64, start;
	struct page *pages[64];

	/* Dirty 256 MiB, free it (released to the OS). */
	for (size_t i = 0; i < nr; i++) {
		pages[i] = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);
		ASSERT_NOT_NULL(pages[i]);
		memset(page_address(pages[i]), 0xee, PAGE_SIZE << MAX_PAGE_ORDER);
	}
	for (size_t i = 0; i < nr; i++)
		__free_pages(pages[i], MAX_PAGE_ORDER);
	ukmem_drain_all();
	start = rss();
	for (size_t i = 0; i < nr; i++) {
		pages[i] = alloc_pages(GFP_KERNEL | __GFP_ZERO, MAX_PAGE_ORDER);
		ASSERT_NOT_NULL(pages[i]);
	}
	/* Not zeroed by hand: only the memmap of the blocks became resident. */
	if (!UNDER_TSAN)
		EXPECT_LT(rss(), start + 16 * MiB);
	for (size_t i = 0; i < nr; i++)
		if (!all_zero(page_address(pages[i]), PAGE_SIZE << MAX_PAGE_ORDER))
			HARNESS_FAIL("__GFP_ZERO block %zu (pfn %#lx) is not zero", i,
				     page_to_pfn(pages[i]));
	for (size_t i = 0; i < nr; i++)
		__free_pages(pages[i], MAX_PAGE_ORDER);

	/* Smaller orders split from released blocks, too. */
	for (unsigned int order = 0; order < pageblock_order; order += 3) {
		struct page *p[32];

		for (int i = 0; i < 32; i++) {
			p[i] = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
			ASSERT_NOT_NULL(p[i]);
			EXPECT_TRUE(all_zero(page_address(p[i]), PAGE_SIZE << order));
			memset(page_address(p[i]), 0xdd, PAGE_SIZE << order);
		}
		for (int i = 0; i < 32; i++)
			__free_pages(p[i], order);
	}
	EXPECT_EQ(ukmem_page_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(large_blocks_go_back_to_the_os),
	T(order0_pages_go_back_after_a_drain),
	T(gfp_zero_on_memory_back_from_the_os))
