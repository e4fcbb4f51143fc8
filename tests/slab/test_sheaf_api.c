/*
 * test_sheaf_api.c - caller-owned sheaves (Linux 6.18): prefill, allocate
 * from, refill (in place and by replacement), return, and their size.
 */
#include "slab_helpers.h"

static struct kmem_cache *cache;

static void setup(void)
{
	log_setup();
	pin_to_cpu0();
	if (ukmem_init("mem=64M") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(2);
	}
	cache = kmem_cache_create("sheaf-test", 120, 0, SLAB_NO_MERGE, NULL);
	if (!cache) {
		fprintf(stderr, "kmem_cache_create failed\n");
		exit(2);
	}
}

TEST(prefill_and_allocate)
{
	struct slab_sheaf *sheaf = kmem_cache_prefill_sheaf(cache, GFP_KERNEL, 20);
	void *p[21];
	size_t mark;

	ASSERT_NOT_NULL(sheaf);
	EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), 20);
	for (int i = 0; i < 20; i++) {
		p[i] = kmem_cache_alloc_from_sheaf(cache, GFP_KERNEL, sheaf);
		ASSERT_NOT_NULL(p[i]);
		EXPECT_PTR_EQ(cache_of(p[i]), cache);
		EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), 19 - i);
		memset(p[i], i, 120);
	}
	{
		void *copy[20];

		memcpy(copy, p, sizeof(copy));
		EXPECT_UEQ(count_duplicates(copy, 20), 0);
	}
	/* Empty: NULL, and nothing else happens. */
	mark = log_mark();
	EXPECT_PTR_EQ(kmem_cache_alloc_from_sheaf(cache, GFP_KERNEL, sheaf), NULL);
	EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), 0);
	EXPECT_LOG_SILENT(mark);
	/* The objects are ordinary objects of the cache. */
	for (int i = 0; i < 20; i++)
		kmem_cache_free(cache, p[i]);
	kmem_cache_return_sheaf(cache, GFP_KERNEL, sheaf);
	EXPECT_EQ(kmem_cache_shrink(cache), 0);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

/* Objects in a sheaf are the caller's: no one else gets them. */
TEST(sheaf_objects_are_not_handed_out_elsewhere)
{
	enum { N = 2000 };
	struct slab_sheaf *sheaf = kmem_cache_prefill_sheaf(cache, GFP_KERNEL, 40);
	static void *p[N + 40];
	int n = 0;

	ASSERT_NOT_NULL(sheaf);
	for (int i = 0; i < N; i++) {
		p[n] = kmem_cache_alloc(cache, GFP_KERNEL);
		ASSERT_NOT_NULL(p[n]);
		n++;
	}
	while (kmem_cache_sheaf_size(sheaf))
		p[n++] = kmem_cache_alloc_from_sheaf(cache, GFP_KERNEL, sheaf);
	EXPECT_EQ(n, N + 40);
	for (int i = 0; i < n; i++)
		kmem_cache_free(cache, p[i]);
	{
		void *copy[N + 40];

		memcpy(copy, p, sizeof(copy));
		EXPECT_UEQ(count_duplicates(copy, (size_t)n), 0);
	}
	kmem_cache_return_sheaf(cache, GFP_KERNEL, sheaf);
	EXPECT_EQ(kmem_cache_shrink(cache), 0);
}

TEST(refill_in_place_and_by_replacement)
{
	struct slab_sheaf *sheaf = kmem_cache_prefill_sheaf(cache, GFP_KERNEL, 10), *old;
	unsigned int cap;
	void *held[10];
	int n = 0;

	ASSERT_NOT_NULL(sheaf);
	cap = sheaf->capacity;
	EXPECT_GE(cap, 10);
	/* Take 4, refill back to 10: same sheaf. */
	for (int i = 0; i < 4; i++)
		held[n++] = kmem_cache_alloc_from_sheaf(cache, GFP_KERNEL, sheaf);
	EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), 6);
	old = sheaf;
	EXPECT_EQ(kmem_cache_refill_sheaf(cache, GFP_KERNEL, &sheaf, 10), 0);
	EXPECT_PTR_EQ(sheaf, old);
	EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), 10);
	/* Asking for no more than it has: nothing to do. */
	EXPECT_EQ(kmem_cache_refill_sheaf(cache, GFP_KERNEL, &sheaf, 5), 0);
	EXPECT_PTR_EQ(sheaf, old);
	EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), 10);
	/* Up to the capacity: still in place. */
	EXPECT_EQ(kmem_cache_refill_sheaf(cache, GFP_KERNEL, &sheaf, cap), 0);
	EXPECT_PTR_EQ(sheaf, old);
	EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), cap);
	/* Beyond the capacity: a bigger sheaf replaces it, objects kept. */
	EXPECT_EQ(kmem_cache_refill_sheaf(cache, GFP_KERNEL, &sheaf, cap + 50), 0);
	EXPECT_PTR_NE(sheaf, old);
	EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), cap + 50);
	EXPECT_GE(sheaf->capacity, cap + 50);
	{
		unsigned int size = kmem_cache_sheaf_size(sheaf);
		void **all = calloc(size + 10, sizeof(void *));
		int got = 0;

		while (kmem_cache_sheaf_size(sheaf))
			all[got++] = kmem_cache_alloc_from_sheaf(cache, GFP_KERNEL, sheaf);
		EXPECT_EQ(got, (int)size);
		for (int i = 0; i < n; i++)
			all[got + i] = held[i];
		EXPECT_UEQ(count_duplicates(all, (size_t)(got + n)), 0);
		for (int i = 0; i < got + n; i++)
			kmem_cache_free(cache, all[i]);
		free(all);
	}
	kmem_cache_return_sheaf(cache, GFP_KERNEL, sheaf);
	EXPECT_EQ(kmem_cache_shrink(cache), 0);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

/* Returning a sheaf with objects in it gives them back: the cache can
 * shrink to nothing. */
TEST(return_gives_the_rest_back)
{
	struct slab_sheaf *sheaf = kmem_cache_prefill_sheaf(cache, GFP_KERNEL, 100);
	void *p;

	ASSERT_NOT_NULL(sheaf);
	EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), 100);
	EXPECT_GT(cache_slabs(cache), 0);
	/* While the sheaf holds objects the slabs stay. */
	EXPECT_EQ(kmem_cache_shrink(cache), 1);
	p = kmem_cache_alloc_from_sheaf(cache, GFP_KERNEL, sheaf);
	ASSERT_NOT_NULL(p);
	kmem_cache_return_sheaf(cache, GFP_KERNEL, sheaf);
	EXPECT_EQ(kmem_cache_shrink(cache), 1);
	kmem_cache_free(cache, p);
	EXPECT_EQ(kmem_cache_shrink(cache), 0);
	EXPECT_UEQ(cache_slabs(cache), 0);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

TEST(zeroing_and_sizes)
{
	struct slab_sheaf *sheaf = kmem_cache_prefill_sheaf(cache, GFP_KERNEL, 3);
	unsigned char *p;
	size_t nonzero = 0;

	ASSERT_NOT_NULL(sheaf);
	p = kmem_cache_alloc_from_sheaf(cache, GFP_KERNEL, sheaf);
	ASSERT_NOT_NULL(p);
	memset(p, 0xab, 120);
	kmem_cache_free(cache, p);
	p = kmem_cache_alloc_from_sheaf(cache, GFP_KERNEL | __GFP_ZERO, sheaf);
	ASSERT_NOT_NULL(p);
	for (int i = 0; i < 120; i++)
		nonzero += p[i] != 0;
	EXPECT_UEQ(nonzero, 0);
	kmem_cache_free(cache, p);
	EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), 1);
	EXPECT_UEQ(kmem_cache_sheaf_size(NULL), 0);
	kmem_cache_return_sheaf(cache, GFP_KERNEL, sheaf);
	kmem_cache_return_sheaf(cache, GFP_KERNEL, NULL);
	/* A zero-size sheaf is fine too. */
	sheaf = kmem_cache_prefill_sheaf(cache, GFP_KERNEL, 0);
	ASSERT_NOT_NULL(sheaf);
	EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), 0);
	EXPECT_PTR_EQ(kmem_cache_alloc_from_sheaf(cache, GFP_KERNEL, sheaf), NULL);
	kmem_cache_return_sheaf(cache, GFP_KERNEL, sheaf);
	EXPECT_EQ(kmem_cache_shrink(cache), 0);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

/* A prefill that cannot be met gets nothing, and keeps nothing: 1 MiB
 * objects (one per order-8 slab) in a 64 MiB arena. */
TEST(prefill_that_does_not_fit_is_all_or_nothing)
{
	struct kmem_cache *big = kmem_cache_create("sheaf-big", 1 << 20, 0, SLAB_NO_MERGE, NULL);
	struct slab_sheaf *sheaf;
	unsigned long before;

	ASSERT_NOT_NULL(big);
	sheaf = kmem_cache_prefill_sheaf(big, GFP_KERNEL, 4);
	ASSERT_NOT_NULL(sheaf);
	EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), 4);
	kmem_cache_return_sheaf(big, GFP_KERNEL, sheaf);
	EXPECT_EQ(kmem_cache_shrink(big), 0);
	shrink_kmalloc_caches();	/* where the sheaf structs come from */
	before = drained_unallocated_pages();

	sheaf = kmem_cache_prefill_sheaf(big, GFP_KERNEL | __GFP_NOWARN, 200);
	EXPECT_PTR_EQ(sheaf, NULL);
	if (sheaf)
		kmem_cache_return_sheaf(big, GFP_KERNEL, sheaf);
	EXPECT_EQ(kmem_cache_shrink(big), 0);
	shrink_kmalloc_caches();
	EXPECT_UEQ(drained_unallocated_pages(), before);

	/* Refill beyond what fits: an error, and the sheaf as it was. */
	sheaf = kmem_cache_prefill_sheaf(big, GFP_KERNEL, 2);
	ASSERT_NOT_NULL(sheaf);
	EXPECT_NE(kmem_cache_refill_sheaf(big, GFP_KERNEL | __GFP_NOWARN, &sheaf, 200), 0);
	ASSERT_NOT_NULL(sheaf);
	EXPECT_UEQ(kmem_cache_sheaf_size(sheaf), 2);
	kmem_cache_return_sheaf(big, GFP_KERNEL, sheaf);
	EXPECT_EQ(kmem_cache_shrink(big), 0);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
	kmem_cache_destroy(big);
}

RUN_TESTS_SETUP(setup,
	T(prefill_and_allocate),
	T(sheaf_objects_are_not_handed_out_elsewhere),
	T(refill_in_place_and_by_replacement),
	T(return_gives_the_rest_back),
	T(zeroing_and_sizes),
	T(prefill_that_does_not_fit_is_all_or_nothing))
