/*
 * test_typesafe_rcu.c - SLAB_TYPESAFE_BY_RCU: a slab of such a cache stays
 * a slab of that cache (its memory holds objects of that type) until the
 * cache is destroyed, so a lockless reader that still holds a pointer to
 * a freed object reads an object of the right type.  An ordinary cache
 * gives empty slabs back on shrink; this one does not, until destroy.
 */
#include <ukmem.h>

#include "harness.h"
#include "slab/slab.h"

static void setup(void)
{
	if (ukmem_init("mem=64M")) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(1);
	}
}

static unsigned long slabs_of(struct kmem_cache *s)
{
	struct slub_counts c;

	slub_count(s, &c);
	return c.num_slabs;
}

static unsigned long free_pages_now(void)
{
	unsigned long sum = 0;

	ukmem_drain_all();
	for (int z = 0; z < MAX_NR_ZONES; z++)
		sum += zone_page_state(&NODE_DATA(0)->node_zones[z], NR_FREE_PAGES);
	return sum;
}

TEST(rcu_slabs_stay_until_destroy)
{
	enum { N = 2000 };
	static void *p[N];
	unsigned long before_destroy;
	struct kmem_cache *rcu = kmem_cache_create("rcu_objs", 128, 0, SLAB_TYPESAFE_BY_RCU, NULL);
	unsigned long slabs;

	ASSERT_NOT_NULL(rcu);
	for (int i = 0; i < N; i++) {
		p[i] = kmem_cache_alloc(rcu, GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
	}
	slabs = slabs_of(rcu);
	EXPECT_GT(slabs, 10);
	for (int i = 0; i < N; i++)
		kmem_cache_free(rcu, p[i]);
	/* Shrink flushes the sheaves but keeps every slab of the cache. */
	EXPECT_EQ(kmem_cache_shrink(rcu), 1);
	EXPECT_EQ(slabs_of(rcu), slabs);
	/* The memory of a freed object still belongs to the cache. */
	struct page *page = compound_head(virt_to_page(p[0]));

	EXPECT_TRUE(PageSlab(page));
	EXPECT_PTR_EQ(((struct slab *)(void *)page)->slab_cache, rcu);
	/* Destroy gives them all back. */
	unsigned long slab_pages = slabs << oo_order(rcu->oo);

	before_destroy = free_pages_now();
	kmem_cache_destroy(rcu);
	EXPECT_GE(free_pages_now(), before_destroy + slab_pages);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

TEST(ordinary_slabs_go_back_on_shrink)
{
	enum { N = 2000 };
	static void *p[N];
	struct kmem_cache *c = kmem_cache_create("plain_objs", 128, 0, SLAB_NO_MERGE, NULL);

	ASSERT_NOT_NULL(c);
	for (int i = 0; i < N; i++)
		p[i] = kmem_cache_alloc(c, GFP_KERNEL);
	for (int i = 0; i < N; i++)
		kmem_cache_free(c, p[i]);
	EXPECT_EQ(kmem_cache_shrink(c), 0);
	EXPECT_EQ(slabs_of(c), 0);
	kmem_cache_destroy(c);
}

RUN_TESTS_SETUP(setup, T(rcu_slabs_stay_until_destroy), T(ordinary_slabs_go_back_on_shrink))
