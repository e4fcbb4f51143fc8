/*
 * test_kmem_cache_nomerge.c - with "slab_nomerge" on the command line no
 * two caches share a struct kmem_cache, however compatible they are.
 */
#include "slab_helpers.h"

static void setup(void)
{
	log_setup();
	if (ukmem_init("mem=64M slab_nomerge") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(2);
	}
}

TEST(identical_caches_stay_apart)
{
	static const unsigned int sizes[] = { 8, 44, 48, 64, 200, 1024 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char n1[32], n2[32];
		struct kmem_cache *a, *b;
		void *p, *q;

		snprintf(n1, sizeof(n1), "twin-a-%u", sizes[i]);
		snprintf(n2, sizeof(n2), "twin-b-%u", sizes[i]);
		a = kmem_cache_create(n1, sizes[i], 0, 0, NULL);
		b = kmem_cache_create(n2, sizes[i], 0, 0, NULL);
		ASSERT_NOT_NULL(a);
		ASSERT_NOT_NULL(b);
		EXPECT_PTR_NE(a, b);
		EXPECT_EQ(a->refcount, 1);
		EXPECT_EQ(b->refcount, 1);
		EXPECT_STREQ(a->name, n1);
		EXPECT_STREQ(b->name, n2);
		/* Objects come from each cache's own slabs. */
		p = kmem_cache_alloc(a, GFP_KERNEL);
		q = kmem_cache_alloc(b, GFP_KERNEL);
		ASSERT_NOT_NULL(p);
		ASSERT_NOT_NULL(q);
		EXPECT_PTR_EQ(cache_of(p), a);
		EXPECT_PTR_EQ(cache_of(q), b);
		kmem_cache_free(a, p);
		kmem_cache_free(b, q);
		/* Destroying one leaves the other whole. */
		kmem_cache_destroy(a);
		EXPECT_PTR_EQ(find_cache(n1), NULL);
		EXPECT_PTR_EQ(find_cache(n2), b);
		q = kmem_cache_alloc(b, GFP_KERNEL);
		ASSERT_NOT_NULL(q);
		kmem_cache_free(b, q);
		kmem_cache_destroy(b);
	}
}

/* The pair that merges by default (41 and 44 both round to 48). */
TEST(the_default_merge_pair_stays_apart)
{
	struct kmem_cache *a = kmem_cache_create("pair-41", 41, 0, 0, NULL);
	struct kmem_cache *b = kmem_cache_create("pair-44", 44, 0, 0, NULL);

	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	EXPECT_PTR_NE(a, b);
	EXPECT_UEQ(a->object_size, 41);
	EXPECT_UEQ(b->object_size, 44);
	EXPECT_EQ(a->refcount, 1);
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(identical_caches_stay_apart),
	T(the_default_merge_pair_stays_apart))
