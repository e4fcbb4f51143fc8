/*
 * test_slub_order.c - the geometry options: with "slub_max_order=1
 * slub_min_objects=4" every cache's slabs follow the kernel's formula for
 * those values (an independent reference, slab_geometry.h), and the
 * values a kernel booted with the same options shows.
 */
#include "slab_helpers.h"
#include "slab_geometry.h"

static struct ref_params params = { .min_order = 0, .max_order = 1, .min_objects = 4 };

static void setup(void)
{
	log_setup();
	if (ukmem_init("mem=64M slub_max_order=1 slub_min_objects=4") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(2);
	}
	params.nr_cpus = (unsigned int)ukmem_plat_nr_cpus();
}

static void expect_cache(struct kmem_cache *s, const struct ref_geometry *g)
{
	int before = harness_failed_checks;

	EXPECT_TRUE(g->ok);
	EXPECT_UEQ(s->size, g->size);
	EXPECT_UEQ(s->align, g->align);
	EXPECT_UEQ(oo_order(s->oo), g->order);
	EXPECT_UEQ(oo_objects(s->oo), g->objects);
	EXPECT_UEQ(oo_order(s->min), g->min_order);
	if (harness_failed_checks != before)
		fprintf(stderr, "  ... for %s\n", s->name);
}

TEST(options_took_effect)
{
	EXPECT_UEQ(slub_max_order, 1);
	EXPECT_UEQ(slub_min_objects, 4);
	EXPECT_UEQ(slub_min_order, 0);
}

TEST(created_caches_follow_the_options)
{
	static const unsigned int sizes[] = { 8, 24, 40, 96, 100, 192, 200, 256, 500, 1000, 2100,
					      3000, 5000, 9000, 70000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char name[32];
		struct kmem_cache *s;
		struct ref_geometry g = ref_geometry(&params, sizes[i], 0, 0, false);
		void *p;

		snprintf(name, sizeof(name), "order-%u", sizes[i]);
		s = kmem_cache_create(name, sizes[i], 0, SLAB_NO_MERGE, NULL);
		ASSERT_NOT_NULL(s);
		expect_cache(s, &g);
		/* No slab above slub_max_order unless one object needs it. */
		if (g.size <= (PAGE_SIZE << 1))
			EXPECT_LE(oo_order(s->oo), 1);
		p = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(p);
		EXPECT_UEQ(compound_order(compound_head(virt_to_page(p))), oo_order(s->oo));
		kmem_cache_free(s, p);
		kmem_cache_destroy(s);
	}
}

/* Worked by hand: min_objects 4 (capped by what an order-1 slab holds),
 * waste at most 1/16, 1/8, 1/4, then fewer objects. */
TEST(known_values)
{
	static const struct known_geometry known[] = {
		{ "kmalloc-8", 512, 0, 8, 8 },		{ "kmalloc-64", 64, 0, 64, 64 },
		{ "kmalloc-96", 42, 0, 32, 96 },	{ "kmalloc-192", 21, 0, 64, 192 },
		{ "kmalloc-512", 8, 0, 512, 512 },	{ "kmalloc-1k", 4, 0, 1024, 1024 },
		{ "kmalloc-2k", 4, 1, 2048, 2048 },	{ "kmalloc-4k", 2, 1, 4096, 4096 },
		{ "kmalloc-8k", 1, 1, 8192, 8192 },
	};

	expect_known_geometry(known, sizeof(known) / sizeof(known[0]));
	/* 3000 bytes: an order-1 slab wastes 2192 > 8192/4, so the kernel
	 * falls back to one object per order-0 slab. */
	{
		struct kmem_cache *s = kmem_cache_create("order-3000b", 3000, 0, SLAB_NO_MERGE,
							 NULL);

		ASSERT_NOT_NULL(s);
		EXPECT_UEQ(oo_order(s->oo), 0);
		EXPECT_UEQ(oo_objects(s->oo), 1);
		kmem_cache_destroy(s);
	}
}

TEST(kmalloc_caches_follow_the_options)
{
	for (int type = 0; type < NR_KMALLOC_TYPES; type++) {
		for (unsigned int idx = 1; idx <= KMALLOC_SHIFT_HIGH; idx++) {
			struct kmem_cache *s = ukmem_kmalloc_caches[type][idx];
			unsigned int size = idx == 1 ? 96 : idx == 2 ? 192 : 1u << idx;
			struct ref_geometry g;

			if (idx > 2 && idx < KMALLOC_SHIFT_LOW)
				continue;
			ASSERT_NOT_NULL(s);
			g = ref_geometry(&params, size, ref_kmalloc_align(size), SLAB_KMALLOC,
					 false);
			expect_cache(s, &g);
		}
	}
	/* And they work: a full slab's worth of 8k objects and more. */
	{
		void *p[16];

		for (int i = 0; i < 16; i++) {
			p[i] = kmalloc(8192, GFP_KERNEL);
			ASSERT_NOT_NULL(p[i]);
			memset(p[i], i, 8192);
		}
		for (int i = 0; i < 16; i++)
			kfree(p[i]);
	}
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(options_took_effect),
	T(created_caches_follow_the_options),
	T(known_values),
	T(kmalloc_caches_follow_the_options))
