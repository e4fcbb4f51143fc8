/*
 * test_kmem_cache.c - the kmem_cache API: geometry against an independent
 * reference of the kernel's formula and against known kernel values,
 * alignment, constructors, zeroing, bulk operations (all or nothing),
 * merging, shrink, destroy (with and without objects left), KMEM_CACHE,
 * bad arguments, SLAB_TYPESAFE_BY_RCU layout, and freeing to the wrong
 * cache.
 *
 * Runs in a 64 MiB arena so that "more than fits" is cheap to ask for; the
 * test thread stays on CPU 0 so that ukmem_drain_all() reaches every page
 * the test freed.
 */
#include "slab_helpers.h"
#include "slab_geometry.h"

static struct ref_params params;

static void setup(void)
{
	log_setup();
	pin_to_cpu0();
	if (ukmem_init("mem=64M") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(2);
	}
	params.nr_cpus = (unsigned int)ukmem_plat_nr_cpus();
	params.min_order = 0;
	params.max_order = 3;
	params.min_objects = 0;
}

/* Pages held by the library's own bookkeeping for sheaves (the cache of
 * struct slab_sheaf), which a test that counts pages must allow for. */
static unsigned long sheaf_pages(void)
{
	return cache_pages(find_cache("slab_sheaf"));
}

/* Pages nobody holds, counting the sheaf bookkeeping as free: what a cache
 * that gave everything back leaves behind. */
static unsigned long free_pages_but_sheaves(void)
{
	return drained_unallocated_pages() + sheaf_pages();
}

static void expect_geometry(struct kmem_cache *s, const struct ref_geometry *g, const char *what)
{
	int before = harness_failed_checks;

	EXPECT_TRUE(g->ok);
	EXPECT_UEQ(s->align, g->align);
	EXPECT_UEQ(s->size, g->size);
	EXPECT_UEQ(s->inuse, g->inuse);
	EXPECT_UEQ(s->offset, g->offset);
	EXPECT_UEQ(s->red_left_pad, g->red_left_pad);
	EXPECT_UEQ(oo_order(s->oo), g->order);
	EXPECT_UEQ(oo_objects(s->oo), g->objects);
	EXPECT_UEQ(oo_order(s->min), g->min_order);
	EXPECT_UEQ(oo_objects(s->min), g->min_objects);
	if (harness_failed_checks != before)
		fprintf(stderr, "  ... for %s\n", what);
}

static void nop_ctor(void *p)
{
	(void)p;
}

/* ---- geometry ------------------------------------------------------------- */

TEST(geometry_matches_reference)
{
	static const unsigned int sizes[] = { 8, 24, 40, 96, 100, 192, 200, 256, 500, 1000, 3000,
					      5000 };
	static const struct {
		slab_flags_t flags;
		unsigned int align;
		bool ctor;
		const char *name;
	} kinds[] = {
		{ 0, 0, false, "plain" },
		{ SLAB_HWCACHE_ALIGN, 0, false, "hwcache" },
		{ 0, 64, false, "align64" },
		{ 0, 256, false, "align256" },
		{ 0, 0, true, "ctor" },
		{ SLAB_TYPESAFE_BY_RCU, 0, false, "rcu" },
		{ SLAB_RED_ZONE, 0, false, "redzone" },
		{ SLAB_POISON, 0, false, "poison" },
		{ SLAB_STORE_USER, 0, false, "store_user" },
		{ SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER, 0, false, "debug" },
		{ SLAB_RED_ZONE | SLAB_HWCACHE_ALIGN, 0, false, "redzone+hwcache" },
	};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			char name[64];
			struct kmem_cache *s;
			struct ref_geometry g = ref_geometry(&params, sizes[i], kinds[k].align,
							     kinds[k].flags, kinds[k].ctor);

			snprintf(name, sizeof(name), "geo-%s-%u", kinds[k].name, sizes[i]);
			s = kmem_cache_create(name, sizes[i], kinds[k].align,
					      kinds[k].flags | SLAB_NO_MERGE,
					      kinds[k].ctor ? nop_ctor : NULL);
			if (!s) {
				HARNESS_FAIL("kmem_cache_create(%s) failed", name);
				continue;
			}
			EXPECT_STREQ(s->name, name);
			EXPECT_UEQ(s->object_size, sizes[i]);
			expect_geometry(s, &g, name);
			kmem_cache_destroy(s);
		}
	}
}

/* The kmalloc caches follow the same formula (SLAB_KMALLOC, aligned as
 * create_boot_cache() aligns them: ref_kmalloc_align). */
TEST(kmalloc_geometry_matches_reference)
{
	for (int type = 0; type < NR_KMALLOC_TYPES; type++) {
		for (unsigned int idx = 1; idx <= KMALLOC_SHIFT_HIGH; idx++) {
			struct kmem_cache *s = ukmem_kmalloc_caches[type][idx];
			unsigned int size = idx == 1 ? 96 : idx == 2 ? 192 : 1u << idx;
			struct ref_geometry g;

			if (idx < KMALLOC_SHIFT_LOW && idx > 2)
				continue;
			if (!s) {
				HARNESS_FAIL("kmalloc cache [%d][%u] missing", type, idx);
				continue;
			}
			g = ref_geometry(&params, size, ref_kmalloc_align(size), SLAB_KMALLOC,
					 false);
			EXPECT_UEQ(s->object_size, size);
			expect_geometry(s, &g, s->name);
		}
	}
}

/*
 * What a Linux 6.11+ kernel on a 2-CPU x86-64 machine shows in
 * /sys/kernel/slab/<cache>/ (objs_per_slab, order, align, slab_size), for
 * each kmalloc cache and its dma-, rcl- and cg- twins: min_objects =
 * 4 * (fls(2) + 1) = 12; kmalloc-96 and kmalloc-192 are aligned to 32 and
 * 64, the largest powers of two that divide their sizes.
 */
TEST(geometry_known_kernel_values_2cpus)
{
	static const struct known_geometry known[] = {
		{ "kmalloc-8", 512, 0, 8, 8 },		{ "kmalloc-16", 256, 0, 16, 16 },
		{ "kmalloc-32", 128, 0, 32, 32 },	{ "kmalloc-64", 64, 0, 64, 64 },
		{ "kmalloc-96", 42, 0, 32, 96 },	{ "kmalloc-128", 32, 0, 128, 128 },
		{ "kmalloc-192", 21, 0, 64, 192 },	{ "kmalloc-256", 16, 0, 256, 256 },
		{ "kmalloc-512", 16, 1, 512, 512 },	{ "kmalloc-1k", 16, 2, 1024, 1024 },
		{ "kmalloc-2k", 16, 3, 2048, 2048 },	{ "kmalloc-4k", 8, 3, 4096, 4096 },
		{ "kmalloc-8k", 4, 3, 8192, 8192 },
	};

	if (ukmem_plat_nr_cpus() != 2) {
		printf("  (skipped: %d CPUs, the table is for 2)\n", ukmem_plat_nr_cpus());
		return;
	}
	expect_known_geometry(known, sizeof(known) / sizeof(known[0]));
}

TEST(hwcache_align)
{
	static const struct {
		unsigned int size, align, stride;
	} cases[] = {
		{ 8, 8, 8 }, { 16, 16, 16 }, { 20, 32, 32 }, { 33, 64, 64 }, { 100, 64, 128 },
		{ 200, 64, 256 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32];
		struct kmem_cache *s;
		void *p[40];

		snprintf(name, sizeof(name), "hwc-%u", cases[i].size);
		s = kmem_cache_create(name, cases[i].size, 0, SLAB_HWCACHE_ALIGN | SLAB_NO_MERGE,
				      NULL);
		ASSERT_NOT_NULL(s);
		EXPECT_UEQ(s->align, cases[i].align);
		EXPECT_UEQ(s->size, cases[i].stride);
		for (int j = 0; j < 40; j++) {
			p[j] = kmem_cache_alloc(s, GFP_KERNEL);
			ASSERT_NOT_NULL(p[j]);
			EXPECT_UEQ((uintptr_t)p[j] % cases[i].align, 0);
		}
		for (int j = 0; j < 40; j++)
			kmem_cache_free(s, p[j]);
		kmem_cache_destroy(s);
	}
}

TEST(explicit_align_256)
{
	struct kmem_cache *s = kmem_cache_create("align256", 100, 256, 0, NULL);
	void *p[64];

	ASSERT_NOT_NULL(s);
	EXPECT_UEQ(s->align, 256);
	EXPECT_UEQ(s->size, 256);
	for (int i = 0; i < 64; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
		EXPECT_UEQ((uintptr_t)p[i] % 256, 0);
	}
	for (int i = 0; i < 64; i++)
		kmem_cache_free(s, p[i]);
	kmem_cache_destroy(s);
}

/* ---- constructor, zeroing, size --------------------------------------------- */

#define CTOR_SIZE 200
static unsigned long ctor_calls;

static void pattern_ctor(void *p)
{
	unsigned char *b = p;

	__atomic_fetch_add(&ctor_calls, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < CTOR_SIZE; i++)
		b[i] = (unsigned char)(0x40 + i % 61);
}

static size_t ctor_pattern_mismatches(const unsigned char *b)
{
	size_t bad = 0;

	for (int i = 0; i < CTOR_SIZE; i++)
		bad += b[i] != (unsigned char)(0x40 + i % 61);
	return bad;
}

TEST(ctor_runs_once_per_object_when_the_slab_is_made)
{
	enum { N = 300 };
	static unsigned char *p[N];
	struct kmem_cache *s = kmem_cache_create("ctor-cache", CTOR_SIZE, 0, 0, pattern_ctor);
	unsigned long calls;
	size_t bad = 0;

	ASSERT_NOT_NULL(s);
	EXPECT_UEQ(ctor_calls, 0);
	for (int i = 0; i < N; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
		bad += ctor_pattern_mismatches(p[i]);
	}
	EXPECT_UEQ(bad, 0);
	calls = ctor_calls;
	/* Every object of every slab made, and no more. */
	EXPECT_UEQ(calls, cache_total_objects(s));
	EXPECT_UEQ(calls, cache_slabs(s) * oo_objects(s->oo));
	EXPECT_GE(calls, N);

	/* Reuse: no constructor call, contents as the ctor left them. */
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, p[i]);
	bad = 0;
	for (int i = 0; i < N; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
		bad += ctor_pattern_mismatches(p[i]);
	}
	EXPECT_UEQ(bad, 0);
	EXPECT_UEQ(ctor_calls, calls);

	/* A changed object comes back changed: the ctor does not run again. */
	memset(p[0], 0x99, CTOR_SIZE);
	kmem_cache_free(s, p[0]);
	{
		unsigned char *q = kmem_cache_alloc(s, GFP_KERNEL);

		EXPECT_PTR_EQ(q, p[0]);
		EXPECT_UEQ(q[0], 0x99);
		EXPECT_UEQ(q[CTOR_SIZE - 1], 0x99);
		p[0] = q;
	}
	EXPECT_UEQ(ctor_calls, calls);
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, p[i]);
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	kmem_cache_destroy(s);
}

TEST(zalloc_zeroes_and_size)
{
	struct kmem_cache *s = kmem_cache_create("zalloc-cache", 300, 0, SLAB_NO_MERGE, NULL);
	unsigned char *p, *q;
	size_t nonzero = 0;

	ASSERT_NOT_NULL(s);
	EXPECT_UEQ(kmem_cache_size(s), 300);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	memset(p, 0xff, 300);
	kmem_cache_free(s, p);
	q = kmem_cache_zalloc(s, GFP_KERNEL);
	EXPECT_PTR_EQ(q, p);
	for (int i = 0; i < 300; i++)
		nonzero += q[i] != 0;
	EXPECT_UEQ(nonzero, 0);
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
	EXPECT_UEQ(kmem_cache_size(NULL), 0);
}

/* ---- bulk ----------------------------------------------------------------------- */

TEST(bulk_alloc_and_free)
{
	enum { N = 500 };
	static void *p[N], *again[N];
	struct kmem_cache *s = kmem_cache_create("bulk-cache", 72, 0, SLAB_NO_MERGE, NULL);
	int bad = 0;

	ASSERT_NOT_NULL(s);
	EXPECT_EQ(kmem_cache_alloc_bulk(s, GFP_KERNEL, N, p), N);
	for (int i = 0; i < N; i++) {
		if (!p[i] || cache_of(p[i]) != s) {
			bad++;
			continue;
		}
		memset(p[i], i & 0xff, 72);
	}
	EXPECT_EQ(bad, 0);
	memcpy(again, p, sizeof(p));
	EXPECT_UEQ(count_duplicates(again, N), 0);
	kmem_cache_free_bulk(s, N, p);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	/* Everything went back: the cache shrinks to nothing. */
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	EXPECT_UEQ(cache_slabs(s), 0);
	EXPECT_EQ(kmem_cache_alloc_bulk(s, GFP_KERNEL, 0, p), 0);
	kmem_cache_destroy(s);
}

TEST(kfree_bulk_mixed_sizes)
{
	enum { N = 64 };
	void *p[N];
	struct page *large[N / 8];
	size_t mark = log_mark();

	for (int i = 0; i < N; i++) {
		p[i] = kmalloc((size_t)(i % 8 == 7 ? 20000 : 8 + i * 37), GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
		if (i % 8 == 7) {
			large[i / 8] = virt_to_page(p[i]);
			EXPECT_EQ(page_ref_count(large[i / 8]), 1);
		}
	}
	kfree_bulk(N, p);
	EXPECT_LOG_SILENT(mark);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	/* The large ones went back to the page allocator. */
	for (int i = 0; i < N / 8; i++)
		EXPECT_EQ(page_ref_count(large[i]), 0);
	/* A freed small one is handed out again. */
	{
		void *q = kmalloc(8 + 6 * 37, GFP_KERNEL);
		bool found = false;

		for (int i = 0; i < N; i++)
			found |= p[i] == q;
		EXPECT_TRUE(found);
		kfree(q);
	}
}

/* 1 MiB objects in a 64 MiB arena: one per order-8 slab.  Asking for more
 * than fits gets nothing at all, and every page comes back. */
TEST(bulk_alloc_all_or_nothing)
{
	enum { N = 100 };
	static void *p[N];
	struct kmem_cache *s = kmem_cache_create("bulk-1M", 1 << 20, 0, SLAB_NO_MERGE, NULL);
	unsigned long before;
	int got;

	ASSERT_NOT_NULL(s);
	EXPECT_UEQ(oo_objects(s->oo), 1);
	EXPECT_UEQ(oo_order(s->oo), 8);
	/* Warm up the sheaves' bookkeeping, then count. */
	p[0] = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(p[0]);
	kmem_cache_free(s, p[0]);
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	before = free_pages_but_sheaves();

	/* Some that fit: distinct, each its own slab. */
	EXPECT_EQ(kmem_cache_alloc_bulk(s, GFP_KERNEL, 8, p), 8);
	{
		void *copy[8];

		memcpy(copy, p, sizeof(copy));
		EXPECT_UEQ(count_duplicates(copy, 8), 0);
	}
	for (int i = 0; i < 8; i++)
		memset(p[i], 0x3c, 1 << 20);
	kmem_cache_free_bulk(s, 8, p);

	memset(p, 0, sizeof(p));
	got = kmem_cache_alloc_bulk(s, GFP_KERNEL | __GFP_NOWARN, N, p);
	EXPECT_EQ(got, 0);
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	EXPECT_UEQ(cache_slabs(s), 0);
	EXPECT_UEQ(free_pages_but_sheaves(), before);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
	kmem_cache_destroy(s);
}

/* ---- merging -------------------------------------------------------------------- */

TEST(merging_compatible_caches)
{
	struct kmem_cache *a = kmem_cache_create("merge-a41", 41, 0, 0, NULL);
	struct kmem_cache *b = kmem_cache_create("merge-b44", 44, 0, 0, NULL);
	struct kmem_cache *c;
	void *x, *y;

	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	EXPECT_PTR_EQ(b, a);
	EXPECT_EQ(a->refcount, 2);
	EXPECT_UEQ(a->object_size, 44);
	EXPECT_UEQ(a->size, 48);
	EXPECT_UEQ(kmem_cache_size(b), 44);

	/* 40 rounds to 40, one word less than 48: no merge (the kernel's
	 * "s->size - size >= sizeof(void *)"). */
	c = kmem_cache_create("merge-c40", 40, 0, 0, NULL);
	ASSERT_NOT_NULL(c);
	EXPECT_PTR_NE(c, a);
	EXPECT_EQ(c->refcount, 1);

	/* Destroying one alias keeps the other. */
	kmem_cache_destroy(b);
	EXPECT_EQ(a->refcount, 1);
	EXPECT_PTR_EQ(find_cache("merge-a41"), a);
	x = kmem_cache_alloc(a, GFP_KERNEL);
	ASSERT_NOT_NULL(x);
	memset(x, 0x12, 44);
	y = kmem_cache_alloc(a, GFP_KERNEL);
	ASSERT_NOT_NULL(y);
	kmem_cache_free(a, x);
	kmem_cache_free(a, y);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	kmem_cache_destroy(a);
	EXPECT_PTR_EQ(find_cache("merge-a41"), NULL);
	kmem_cache_destroy(c);
}

TEST(merging_prevented)
{
	static const struct {
		slab_flags_t flags;
		bool ctor;
		const char *why;
	} blockers[] = {
		{ SLAB_NO_MERGE, false, "SLAB_NO_MERGE" },
		{ 0, true, "ctor" },
		{ SLAB_RED_ZONE, false, "SLAB_RED_ZONE" },
		{ SLAB_POISON, false, "SLAB_POISON" },
		{ SLAB_STORE_USER, false, "SLAB_STORE_USER" },
		{ SLAB_TYPESAFE_BY_RCU, false, "SLAB_TYPESAFE_BY_RCU" },
		{ SLAB_RECLAIM_ACCOUNT, false, "SLAB_RECLAIM_ACCOUNT" },
		{ SLAB_ACCOUNT, false, "SLAB_ACCOUNT" },
	};
	struct kmem_cache *base = kmem_cache_create("nomerge-base", 56, 0, 0, NULL);

	ASSERT_NOT_NULL(base);
	for (size_t i = 0; i < sizeof(blockers) / sizeof(blockers[0]); i++) {
		char name[48];
		struct kmem_cache *s, *t;

		/* New cache with the flag: not merged into base. */
		snprintf(name, sizeof(name), "nomerge-%zu", i);
		s = kmem_cache_create(name, 56, 0, blockers[i].flags,
				      blockers[i].ctor ? nop_ctor : NULL);
		ASSERT_NOT_NULL(s);
		if (s == base)
			HARNESS_FAIL("a cache with %s was merged into a plain one", blockers[i].why);
		EXPECT_EQ(base->refcount, 1);
		/* And a plain cache is not merged into the flagged one. */
		snprintf(name, sizeof(name), "nomerge-plain-%zu", i);
		t = kmem_cache_create(name, 56, 0, 0, NULL);
		ASSERT_NOT_NULL(t);
		if (t == s)
			HARNESS_FAIL("a plain cache was merged into one with %s", blockers[i].why);
		if (t != base) {
			HARNESS_FAIL("plain caches of equal size did not merge (%s)",
				     blockers[i].why);
			kmem_cache_destroy(t);
		} else {
			kmem_cache_destroy(t);	/* drops the alias */
		}
		kmem_cache_destroy(s);
	}
	EXPECT_EQ(base->refcount, 1);

	/* Equal SLAB_RECLAIM_ACCOUNT on both sides merges. */
	{
		struct kmem_cache *r1 = kmem_cache_create("rcl-52", 52, 0, SLAB_RECLAIM_ACCOUNT,
							  NULL);
		struct kmem_cache *r2 = kmem_cache_create("rcl-56", 56, 0, SLAB_RECLAIM_ACCOUNT,
							  NULL);

		ASSERT_NOT_NULL(r1);
		EXPECT_PTR_EQ(r2, r1);
		EXPECT_PTR_NE(r1, base);
		kmem_cache_destroy(r2);
		kmem_cache_destroy(r1);
	}
	kmem_cache_destroy(base);
}

/* ---- shrink and destroy ------------------------------------------------------------ */

static void fill_and_empty(struct kmem_cache *s, int n)
{
	void **p = calloc((size_t)n, sizeof(void *));

	for (int i = 0; i < n; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		if (!p[i]) {
			HARNESS_FAIL("allocation %d of %s failed", i, s->name);
			break;
		}
		memset(p[i], 0x6d, s->object_size);
	}
	for (int i = 0; i < n; i++)
		kmem_cache_free(s, p[i]);
	free(p);
}

TEST(shrink_gives_back_every_empty_slab)
{
	struct kmem_cache *s = kmem_cache_create("shrink-cache", 264, 0, SLAB_NO_MERGE, NULL);
	unsigned long before, filled;

	ASSERT_NOT_NULL(s);
	/* One round first, so the sheaves' bookkeeping exists already. */
	fill_and_empty(s, 5000);
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	before = free_pages_but_sheaves();

	fill_and_empty(s, 5000);
	filled = drained_unallocated_pages();
	/* Free objects sit in sheaves and min_partial empty slabs. */
	EXPECT_GT(cache_slabs(s), 0);
	EXPECT_LT(filled, before);
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	EXPECT_UEQ(cache_slabs(s), 0);
	EXPECT_UEQ(free_pages_but_sheaves(), before);

	/* With an object still out, shrink says so and keeps its slab only. */
	{
		void *p = kmem_cache_alloc(s, GFP_KERNEL);

		ASSERT_NOT_NULL(p);
		fill_and_empty(s, 2000);
		EXPECT_EQ(kmem_cache_shrink(s), 1);
		EXPECT_UEQ(cache_slabs(s), 1);
		kmem_cache_free(s, p);
		EXPECT_EQ(kmem_cache_shrink(s), 0);
		EXPECT_UEQ(cache_slabs(s), 0);
	}
	EXPECT_EQ(ukmem_slab_validate(), 0);
	kmem_cache_destroy(s);
}

TEST(destroy_with_objects_left_reports_and_keeps_them)
{
	struct kmem_cache *s = kmem_cache_create("leaky-cache", 96, 0, SLAB_NO_MERGE, NULL);
	unsigned char *p[3];
	size_t mark;

	ASSERT_NOT_NULL(s);
	for (int i = 0; i < 3; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
		memset(p[i], 0x30 + i, 96);
	}
	mark = log_mark();
	kmem_cache_destroy(s);
	EXPECT_LOGGED(mark, "Objects remaining in leaky-cache on __kmem_cache_shutdown()");
	EXPECT_LOGGED(mark, "Slab cache still has objects");
	EXPECT_LOGGED(mark, "kmem_cache_destroy leaky-cache");
	/* The objects are still there and still usable. */
	for (int i = 0; i < 3; i++) {
		size_t bad = 0;

		for (int j = 0; j < 96; j++)
			bad += p[i][j] != 0x30 + i;
		EXPECT_UEQ(bad, 0);
		memset(p[i], 0x77, 96);
	}
	EXPECT_EQ(ukmem_slab_validate(), 0);
	mark = log_mark();
	for (int i = 0; i < 3; i++)
		kmem_cache_free(s, p[i]);
	EXPECT_LOG_SILENT(mark);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

TEST(destroy_empty_cache_gives_memory_back)
{
	struct kmem_cache *s;
	unsigned long before;

	/* A first cache of the kind, so that the bookkeeping (the cache of
	 * struct kmem_cache, the owner's table, sheaves) exists already. */
	s = kmem_cache_create("destroy-warm", 700, 0, SLAB_NO_MERGE, NULL);
	ASSERT_NOT_NULL(s);
	fill_and_empty(s, 3000);
	kmem_cache_destroy(s);
	before = free_pages_but_sheaves();

	s = kmem_cache_create("destroy-me", 700, 0, SLAB_NO_MERGE, NULL);
	ASSERT_NOT_NULL(s);
	fill_and_empty(s, 3000);
	EXPECT_LT(drained_unallocated_pages(), before);
	kmem_cache_destroy(s);
	EXPECT_PTR_EQ(find_cache("destroy-me"), NULL);
	EXPECT_UEQ(free_pages_but_sheaves(), before);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
	kmem_cache_destroy(NULL);
}

struct test_widget {
	long id;
	char name[20];
	short flags;
};

TEST(kmem_cache_macro)
{
	struct kmem_cache *s = KMEM_CACHE(test_widget, SLAB_NO_MERGE);
	struct test_widget *w;

	ASSERT_NOT_NULL(s);
	EXPECT_STREQ(s->name, "test_widget");
	EXPECT_UEQ(kmem_cache_size(s), sizeof(struct test_widget));
	EXPECT_UEQ(s->align, ref_calculate_alignment(0, __alignof__(struct test_widget),
						     sizeof(struct test_widget)));
	w = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(w);
	EXPECT_UEQ((uintptr_t)w % __alignof__(struct test_widget), 0);
	w->id = 42;
	strcpy(w->name, "sprocket");
	kmem_cache_free(s, w);
	kmem_cache_destroy(s);
}

TEST(bad_arguments)
{
	size_t mark;

	mark = log_mark();
	EXPECT_PTR_EQ(kmem_cache_create(NULL, 64, 0, 0, NULL), NULL);
	EXPECT_LOGGED(mark, "kmem_cache_create");

	mark = log_mark();
	EXPECT_PTR_EQ(kmem_cache_create("size-zero", 0, 0, 0, NULL), NULL);
	EXPECT_LOGGED(mark, "kmem_cache_create(size-zero)");

	mark = log_mark();
	EXPECT_PTR_EQ(kmem_cache_create("too-big", (unsigned int)KMALLOC_MAX_SIZE + 1, 0, 0,
					NULL), NULL);
	EXPECT_LOGGED(mark, "kmem_cache_create(too-big)");

	mark = log_mark();
	EXPECT_PTR_EQ(kmem_cache_create("align-3", 64, 3, 0, NULL), NULL);
	EXPECT_LOGGED(mark, "kmem_cache_create(align-3)");

	mark = log_mark();
	EXPECT_PTR_EQ(kmem_cache_create("bad-flags", 64, 0, 0x80000000u, NULL), NULL);
	EXPECT_LOGGED(mark, "kmem_cache_create(bad-flags)");

	/* None of them left a cache behind. */
	EXPECT_PTR_EQ(find_cache("size-zero"), NULL);
	EXPECT_PTR_EQ(find_cache("too-big"), NULL);
	EXPECT_PTR_EQ(find_cache("align-3"), NULL);
	EXPECT_PTR_EQ(find_cache("bad-flags"), NULL);
	/* The largest allowed size works. */
	{
		struct kmem_cache *s = kmem_cache_create("biggest", (unsigned int)KMALLOC_MAX_SIZE,
							 0, 0, NULL);

		ASSERT_NOT_NULL(s);
		EXPECT_UEQ(oo_objects(s->oo), 1);
		EXPECT_UEQ(oo_order(s->oo), MAX_PAGE_ORDER);
		kmem_cache_destroy(s);
	}
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

TEST(typesafe_by_rcu_keeps_free_pointer_outside)
{
	static const unsigned int sizes[] = { 8, 24, 64, 100, 512 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char name[32];
		struct kmem_cache *s;
		unsigned char *p;
		size_t bad = 0;

		snprintf(name, sizeof(name), "rcu-%u", sizes[i]);
		s = kmem_cache_create(name, sizes[i], 0, SLAB_TYPESAFE_BY_RCU, NULL);
		ASSERT_NOT_NULL(s);
		EXPECT_GE(s->offset, s->inuse);
		EXPECT_GE(s->offset, s->object_size);
		/* slab_ksize(): inuse for SLAB_TYPESAFE_BY_RCU. */
		/* A freed object keeps its contents (readers may still look). */
		p = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(p);
		EXPECT_UEQ(ksize(p), s->inuse);
		memset(p, 0x5e, sizes[i]);
		kmem_cache_free(s, p);
		for (unsigned int j = 0; j < sizes[i]; j++)
			bad += p[j] != 0x5e;
		EXPECT_UEQ(bad, 0);
		kmem_cache_destroy(s);
	}
}

TEST(free_to_the_wrong_cache)
{
	struct kmem_cache *a = kmem_cache_create("right-cache", 64, 0, SLAB_NO_MERGE, NULL);
	struct kmem_cache *b = kmem_cache_create("wrong-cache", 128, 0, SLAB_NO_MERGE, NULL);
	void *p, *q;
	size_t mark;

	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	p = kmem_cache_alloc(a, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	mark = log_mark();
	kmem_cache_free(b, p);
	EXPECT_LOGGED(mark, "Wrong slab cache. wrong-cache but object is from right-cache");
	/* It went back to the cache it belongs to. */
	q = kmem_cache_alloc(a, GFP_KERNEL);
	EXPECT_PTR_EQ(q, p);
	q = kmem_cache_alloc(b, GFP_KERNEL);
	EXPECT_PTR_NE(q, p);
	kmem_cache_free(b, q);
	kmem_cache_free(a, p);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_EQ(kmem_cache_shrink(a), 0);
	EXPECT_EQ(kmem_cache_shrink(b), 0);
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
}

TEST(final_consistency)
{
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(geometry_matches_reference),
	T(kmalloc_geometry_matches_reference),
	T(geometry_known_kernel_values_2cpus),
	T(hwcache_align),
	T(explicit_align_256),
	T(ctor_runs_once_per_object_when_the_slab_is_made),
	T(zalloc_zeroes_and_size),
	T(bulk_alloc_and_free),
	T(kfree_bulk_mixed_sizes),
	T(bulk_alloc_all_or_nothing),
	T(merging_compatible_caches),
	T(merging_prevented),
	T(shrink_gives_back_every_empty_slab),
	T(destroy_with_objects_left_reports_and_keeps_them),
	T(destroy_empty_cache_gives_memory_back),
	T(kmem_cache_macro),
	T(bad_arguments),
	T(typesafe_by_rcu_keeps_free_pointer_outside),
	T(free_to_the_wrong_cache),
	T(final_consistency))
