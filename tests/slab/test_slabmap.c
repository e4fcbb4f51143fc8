/*
 * test_slabmap.c - the slab map (src/slab/slabmap.c): one word per arena
 * page in a slab, which free reads instead of struct page.  Every page of
 * every slab has the word its struct page implies (cache id, index in the
 * slab, object count, owner tag), a discarded slab's words are 0, a word
 * that disagrees is found by ukmem_slab_validate(), and a free through
 * the map frees exactly what the struct page path would.
 */
#include "slab_helpers.h"

#define SIZE 1000	/* not a power of two; slabs of more than one page */
#define N 100

static void setup(void)
{
	log_setup();
	if (ukmem_init("mem=64M") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(2);
	}
}

static uint64_t word_of(const void *p)
{
	return ukmem_slabmap[((uintptr_t)p - ukmem_mem_regions[0].start) >> PAGE_SHIFT];
}

TEST(every_slab_page_has_its_word)
{
	struct kmem_cache *s = kmem_cache_create("map-1000", SIZE, 0, SLAB_NO_MERGE, NULL);
	void *p[N];
	int tails = 0;

	ASSERT_NOT_NULL(s);
	ASSERT_NOT_NULL(ukmem_slabmap);
	for (int i = 0; i < N; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
	}
	for (int i = 0; i < N; i++) {
		struct slab *slab = slab_of(p[i]);
		struct page *page = virt_to_page(p[i]);
		unsigned int index = (unsigned int)(page - slab_page(slab));

		tails += index != 0;
		EXPECT_UEQ(word_of(p[i]), slabmap_word(s->id, slab_owner_tag(slab), index,
						       slab->objects));
		/* And each field reads back. */
		EXPECT_PTR_EQ(slabmap_cache(word_of(p[i])), s);
		EXPECT_UEQ(slabmap_index(word_of(p[i])), index);
		EXPECT_UEQ(slabmap_objects(word_of(p[i])), slab->objects);
		EXPECT_UEQ(slabmap_tag(word_of(p[i])), slab_owner_tag(slab));
	}
	EXPECT_GT(tails, 0);	/* objects on tail pages were seen too */
	EXPECT_EQ(ukmem_slab_validate(), 0);
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, p[i]);
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	EXPECT_UEQ(cache_slabs(s), 0);
	/* Every slab went back: no page of them keeps a word. */
	for (int i = 0; i < N; i++)
		EXPECT_UEQ(word_of(p[i]), 0);
	kmem_cache_destroy(s);
}

TEST(validate_finds_a_word_that_disagrees)
{
	struct kmem_cache *s = kmem_cache_create("map-bad", SIZE, 0, SLAB_NO_MERGE, NULL);
	void *p, *q;
	uint64_t *slot, saved;
	size_t mark;

	ASSERT_NOT_NULL(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);	/* its slab is partial: validate walks it */
	ASSERT_NOT_NULL(p);
	slot = &ukmem_slabmap[((uintptr_t)p - ukmem_mem_regions[0].start) >> PAGE_SHIFT];
	saved = *slot;
	*slot = saved + (1ULL << 42);	/* one object more than the slab has */
	mark = log_mark();
	EXPECT_GT(ukmem_slab_validate(), 0);
	EXPECT_LOGGED(mark, "slab map differs from struct page");
	*slot = saved;
	EXPECT_EQ(ukmem_slab_validate(), 0);
	/* Freed through the map, handed out again. */
	kmem_cache_free(s, p);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	EXPECT_PTR_EQ(q, p);
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
}

RUN_TESTS_SETUP(setup,
	T(every_slab_page_has_its_word),
	T(validate_finds_a_word_that_disagrees))
