/*
 * test_compound.c - __GFP_COMP: head and tail pages for every order, the
 * lookups from any page or address of the block back to its head, and
 * tails that are clean again once the block is freed and its pages are
 * handed out without __GFP_COMP.
 *
 * mem=64M.
 */
#include "page_helpers.h"

static void setup(void)
{
	log_setup("compound");
	start_ukmem("mem=64M");
	srand(4242);
}

/* Returns the number of pages of the block that are not as a compound
 * page of that order must be. */
static int check_compound(struct page *head, unsigned int order)
{
	unsigned long nr = 1UL << order;
	char *addr = page_address(head);
	int bad = 0;

	if (!PageHead(head) || PageTail(head) || compound_order(head) != order ||
	    compound_head(head) != head || !PageCompound(head)) {
		HARNESS_FAIL("order %u head pfn %#lx: PageHead %d PageTail %d compound_order %u",
			     order, page_to_pfn(head), PageHead(head), PageTail(head),
			     compound_order(head));
		bad++;
	}
	for (unsigned long i = 1; i < nr; i++) {
		struct page *tail = head + i;

		if (!PageTail(tail) || PageHead(tail) || compound_head(tail) != head ||
		    !PageCompound(tail) || page_count(tail) != 1) {
			if (!bad)
				HARNESS_FAIL("order %u tail %lu: PageTail %d PageHead %d head %p "
					     "(want %p) page_count %d", order, i, PageTail(tail),
					     PageHead(tail), (void *)compound_head(tail),
					     (void *)head, page_count(tail));
			bad++;
		}
	}
	/* Any address inside the block leads back to the head. */
	for (int k = 0; k < 8; k++) {
		size_t off = (size_t)rand() % (PAGE_SIZE << order);

		if (virt_to_head_page(addr + off) != head) {
			HARNESS_FAIL("order %u: virt_to_head_page(head + %#zx) = %p, want %p", order,
				     off, (void *)virt_to_head_page(addr + off), (void *)head);
			bad++;
		}
	}
	if (virt_to_head_page(addr + (PAGE_SIZE << order) - 1) != head)
		bad++;
	return bad;
}

/* A page that is not part of a compound page. */
static bool clean_page(const struct page *page)
{
	return !PageTail(page) && !PageHead(page) && compound_head(page) == page &&
	       compound_order(page) == 0;
}

TEST(compound_pages_every_order)
{
	for (unsigned int order = 1; order <= MAX_PAGE_ORDER; order++) {
		struct page *head = alloc_pages(GFP_KERNEL | __GFP_COMP, order);

		ASSERT_NOT_NULL(head);
		EXPECT_EQ(check_compound(head, order), 0);
		EXPECT_EQ(page_ref_count(head), 1);
		/* Stamp the memory: a compound page is ordinary memory. */
		memset(page_address(head), (int)order, PAGE_SIZE << order);
		__free_pages(head, order);
		/* Freed: no page of the block claims to be a tail any more. */
		for (unsigned long i = 0; i < (1UL << order); i++)
			if (PageTail(head + i) || PageHead(head + i)) {
				HARNESS_FAIL("order %u: page %lu still compound after the free",
					     order, i);
				break;
			}
	}
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* Order 0 with __GFP_COMP is an ordinary page (the kernel only builds
 * compound pages for order > 0). */
TEST(order_zero_is_never_compound)
{
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_COMP, 0);

	ASSERT_NOT_NULL(page);
	EXPECT_TRUE(clean_page(page));
	__free_pages(page, 0);
}

/* The same block, freed as a compound page and allocated again without
 * __GFP_COMP: head and tails are plain pages. */
TEST(reallocated_without_comp_is_clean)
{
	for (unsigned int order = 1; order <= MAX_PAGE_ORDER; order++) {
		ukmem_drain_all();
		struct page *head = alloc_pages(GFP_KERNEL | __GFP_COMP, order), *again;
		int dirty = 0;

		ASSERT_NOT_NULL(head);
		__free_pages(head, order);
		again = alloc_pages(GFP_KERNEL, order);
		ASSERT_NOT_NULL(again);
		for (unsigned long i = 0; i < (1UL << order); i++)
			dirty += !clean_page(again + i);
		if (dirty)
			HARNESS_FAIL("order %u: %d pages of the block still look compound%s", order,
				     dirty, again == head ? " (the same block)" : "");
		__free_pages(again, order);
	}
}

/* All of memory as compound pages of random orders, freed, then all of it
 * as plain order-0 pages: not one of them is a head or a tail. */
TEST(all_memory_clean_after_compound_use)
{
	struct block_list live = { 0 };
	unsigned long start = drained_free_pages();
	size_t dirty = 0, bad_compound = 0;

	for (int tries = 0; tries < 100000; tries++) {
		unsigned int order = 1 + (unsigned int)rand() % MAX_PAGE_ORDER;
		struct page *page = alloc_pages(GFP_KERNEL | __GFP_COMP | __GFP_NOWARN, order);

		if (!page) {
			if (alloc_until_fail(&live, GFP_KERNEL | __GFP_COMP | __GFP_NOWARN, 1) == 0)
				break;
			continue;
		}
		blocks_push(&live, page, order);
	}
	EXPECT_GT(live.n, 100);
	for (size_t i = 0; i < live.n; i++)
		bad_compound += check_compound(live.v[i].page, live.v[i].order) != 0;
	EXPECT_UEQ(bad_compound, 0);
	blocks_free_all(&live);
	ukmem_drain_all();

	alloc_until_fail(&live, GFP_KERNEL | __GFP_NOWARN, 0);
	EXPECT_GT(live.n, start / 2);
	for (size_t i = 0; i < live.n; i++)
		dirty += !clean_page(live.v[i].page);
	EXPECT_UEQ(dirty, 0);
	blocks_release(&live);
	EXPECT_UEQ(drained_free_pages(), start);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(compound_pages_every_order),
	T(order_zero_is_never_compound),
	T(reallocated_without_comp_is_clean),
	T(all_memory_clean_after_compound_use))
