/*
 * test_kmalloc.c - the kmalloc family: size classes and ksize, alignment,
 * large kmalloc, the limits, zeroing, the array and realloc helpers,
 * kfree_sensitive, the string helpers, the compile-time and runtime paths,
 * and the cache types chosen by the GFP flags (DMA, reclaimable, accounted),
 * with the kernel's "Unexpected gfp" fix-up for DMA32 and HIGHMEM.
 */
#include "slab_helpers.h"

static void setup(void)
{
	log_setup();
	if (ukmem_init("mem=256M") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(2);
	}
}

/* The SLUB bucket of a kmalloc size: the kernel's table, written out. */
static size_t bucket_of(size_t size)
{
	static const size_t classes[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048,
					  4096, 8192 };

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (size <= classes[i])
			return classes[i];
	return 0;
}

static bool is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

/* Runtime sizes: the compiler must not see the constant. */
static size_t opaque(size_t x)
{
	volatile size_t v = x;

	return v;
}

TEST(zero_size_and_null)
{
	size_t mark = log_mark();
	void *p = kmalloc(0, GFP_KERNEL);
	void *q = ukmem_kmalloc(opaque(0), GFP_KERNEL, NUMA_NO_NODE);

	EXPECT_PTR_EQ(p, ZERO_SIZE_PTR);
	EXPECT_PTR_EQ(q, ZERO_SIZE_PTR);
	EXPECT_PTR_EQ(kzalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	EXPECT_PTR_EQ(kcalloc(0, 8, GFP_KERNEL), ZERO_SIZE_PTR);
	EXPECT_TRUE(ZERO_OR_NULL_PTR(NULL));
	EXPECT_TRUE(ZERO_OR_NULL_PTR(ZERO_SIZE_PTR));
	EXPECT_FALSE(ZERO_OR_NULL_PTR((void *)17));
	EXPECT_UEQ(ksize(ZERO_SIZE_PTR), 0);
	EXPECT_UEQ(ksize(NULL), 0);
	kfree(NULL);
	kfree(ZERO_SIZE_PTR);
	kfree_sensitive(NULL);
	kfree_sensitive(ZERO_SIZE_PTR);
	EXPECT_LOG_SILENT(mark);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

/* Every size 1..8192: the bucket, ksize, kmalloc_size_roundup, the cache
 * name, and alignment (power-of-two sizes to their size, others to 8). */
TEST(size_classes_every_size)
{
	int bad_ksize = 0, bad_round = 0, bad_align = 0, bad_name = 0;

	for (size_t size = 1; size <= 8192; size++) {
		void *p = kmalloc(opaque(size), GFP_KERNEL);
		size_t want = bucket_of(size);
		char name[32];

		ASSERT_NOT_NULL(p);
		if (ksize(p) != want && bad_ksize++ < 5)
			EXPECT_UEQ(ksize(p), want);
		if (kmalloc_size_roundup(size) != want && bad_round++ < 5)
			EXPECT_UEQ(kmalloc_size_roundup(size), want);
		if (((uintptr_t)p % 8 || (is_pow2(size) && (uintptr_t)p % size)) &&
		    bad_align++ < 5)
			HARNESS_FAIL("kmalloc(%zu) = %p: misaligned", size, p);
		if (want < 1024)
			snprintf(name, sizeof(name), "kmalloc-%zu", want);
		else
			snprintf(name, sizeof(name), "kmalloc-%zuk", want / 1024);
		if (strcmp(cache_name_of(p), name) && bad_name++ < 5)
			EXPECT_STREQ(cache_name_of(p), name);
		memset(p, 0x5a, size);
		kfree(p);
	}
	EXPECT_EQ(bad_ksize, 0);
	EXPECT_EQ(bad_round, 0);
	EXPECT_EQ(bad_align, 0);
	EXPECT_EQ(bad_name, 0);
	/* The edges of the odd classes, spelled out. */
	EXPECT_UEQ(kmalloc_size_roundup(64), 64);
	EXPECT_UEQ(kmalloc_size_roundup(65), 96);
	EXPECT_UEQ(kmalloc_size_roundup(96), 96);
	EXPECT_UEQ(kmalloc_size_roundup(97), 128);
	EXPECT_UEQ(kmalloc_size_roundup(128), 128);
	EXPECT_UEQ(kmalloc_size_roundup(129), 192);
	EXPECT_UEQ(kmalloc_size_roundup(192), 192);
	EXPECT_UEQ(kmalloc_size_roundup(193), 256);
	EXPECT_UEQ(kmalloc_size_roundup(8192), 8192);
	EXPECT_UEQ(kmalloc_size_roundup(8193), 3 * PAGE_SIZE + PAGE_SIZE);
	EXPECT_UEQ(kmalloc_size_roundup(0), 0);
	EXPECT_UEQ(kmalloc_size_roundup(KMALLOC_MAX_SIZE), KMALLOC_MAX_SIZE);
	EXPECT_UEQ(kmalloc_size_roundup(KMALLOC_MAX_SIZE + 1), KMALLOC_MAX_SIZE + 1);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

/* Many live objects of each power-of-two class at once: every one aligned
 * to its size (a single object could be aligned by luck). */
TEST(alignment_many_live)
{
	static void *p[256];

	for (size_t size = 8; size <= 8192; size *= 2) {
		int n = size >= 2048 ? 40 : 256, bad = 0;

		for (int i = 0; i < n; i++) {
			p[i] = kmalloc(opaque(size), GFP_KERNEL);
			ASSERT_NOT_NULL(p[i]);
			if ((uintptr_t)p[i] % size && bad++ < 3)
				HARNESS_FAIL("kmalloc(%zu) #%d = %p not aligned to %zu", size, i, p[i],
					     size);
		}
		for (int i = 0; i < n; i++)
			kfree(p[i]);
	}
	/* The odd classes: to the largest power of two dividing the class
	 * (kmalloc-96 to 32, kmalloc-192 to 64), as 6.11+ kernels promise. */
	for (size_t size = 65; size <= 192; size += 31) {
		size_t bucket = bucket_of(size);

		for (int i = 0; i < 64; i++) {
			p[i] = kmalloc(opaque(size), GFP_KERNEL);
			ASSERT_NOT_NULL(p[i]);
			EXPECT_UEQ((uintptr_t)p[i] % (bucket & -bucket), 0);
		}
		for (int i = 0; i < 64; i++)
			kfree(p[i]);
	}
}

TEST(large_kmalloc_is_a_compound_page)
{
	static const size_t sizes[] = { 8193, 12288, 12289, 16384, 65537, 1 * MiB,
					2 * MiB + 1, 4 * MiB };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t size = sizes[i];
		unsigned long before = drained_unallocated_pages();
		void *p = kmalloc(opaque(size), GFP_KERNEL);
		struct page *page;

		ASSERT_NOT_NULL(p);
		page = virt_to_page(p);
		EXPECT_UEQ((uintptr_t)p % PAGE_SIZE, 0);
		EXPECT_UEQ(ksize(p), PAGE_SIZE << get_order(size));
		EXPECT_UEQ(kmalloc_size_roundup(size), PAGE_SIZE << get_order(size));
		EXPECT_TRUE(PageHead(page));
		EXPECT_FALSE(PageSlab(page));
		EXPECT_UEQ(compound_order(page), get_order(size));
		EXPECT_UEQ(before - unallocated_pages(), 1UL << get_order(size));
		memset(p, 0xa5, size);
		kfree(p);
		EXPECT_UEQ(drained_unallocated_pages(), before);
	}
	EXPECT_EQ(ukmem_page_validate(), 0);
}

TEST(larger_than_kmalloc_max_fails)
{
	size_t mark = log_mark();
	void *p = kmalloc(opaque(KMALLOC_MAX_SIZE + 1), GFP_KERNEL);

	EXPECT_PTR_EQ(p, NULL);
	EXPECT_LOGGED(mark, "WARNING");

	mark = log_mark();
	p = kmalloc(opaque(KMALLOC_MAX_SIZE + 1), GFP_KERNEL | __GFP_NOWARN);
	EXPECT_PTR_EQ(p, NULL);
	p = kmalloc(opaque(SIZE_MAX), GFP_KERNEL | __GFP_NOWARN);
	EXPECT_PTR_EQ(p, NULL);
	EXPECT_LOG_SILENT(mark);

	/* The constant path reaches the same check. */
	mark = log_mark();
	p = kmalloc(8 * MiB, GFP_KERNEL);
	EXPECT_PTR_EQ(p, NULL);
	EXPECT_LOGGED(mark, "WARNING");
}

/* Dirty an object, free it, and get it back zeroed from kzalloc/kcalloc:
 * the same object (the sheaf is LIFO), so the zeroing is what is tested. */
TEST(kzalloc_kcalloc_zero_reused_objects)
{
	static const size_t sizes[] = { 8, 24, 64, 96, 100, 192, 500, 4096, 8192, 20000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t size = sizes[i], ks;
		unsigned char *p = kmalloc(opaque(size), GFP_KERNEL), *q;
		size_t nonzero = 0;

		ASSERT_NOT_NULL(p);
		ks = ksize(p);
		memset(p, 0xee, ks);
		kfree(p);
		q = kzalloc(opaque(size), GFP_KERNEL);
		ASSERT_NOT_NULL(q);
		if (size <= KMALLOC_MAX_CACHE_SIZE)
			EXPECT_PTR_EQ(q, p);
		for (size_t j = 0; j < size; j++)
			nonzero += q[j] != 0;
		EXPECT_UEQ(nonzero, 0);

		memset(q, 0xdd, ksize(q));
		kfree(q);
		p = kcalloc(opaque(size / 4 ? size / 4 : 1), 4, GFP_KERNEL);
		ASSERT_NOT_NULL(p);
		if (size <= KMALLOC_MAX_CACHE_SIZE)
			EXPECT_PTR_EQ(p, q);
		nonzero = 0;
		for (size_t j = 0; j < size / 4 * 4; j++)
			nonzero += p[j] != 0;
		EXPECT_UEQ(nonzero, 0);
		kfree(p);
	}
	/* kzalloc with a constant size (the inline path). */
	{
		unsigned char *p = kmalloc(128, GFP_KERNEL), *q;
		size_t nonzero = 0;

		ASSERT_NOT_NULL(p);
		memset(p, 0x77, 128);
		kfree(p);
		q = kzalloc(128, GFP_KERNEL);
		EXPECT_PTR_EQ(q, p);
		for (int j = 0; j < 128; j++)
			nonzero += q[j] != 0;
		EXPECT_UEQ(nonzero, 0);
		kfree(q);
	}
}

TEST(array_overflow_returns_null)
{
	size_t mark = log_mark();
	void *p;

	EXPECT_PTR_EQ(kmalloc_array(opaque(SIZE_MAX / 2 + 2), 2, GFP_KERNEL), NULL);
	EXPECT_PTR_EQ(kmalloc_array(opaque((size_t)1 << 33), (size_t)1 << 31, GFP_KERNEL), NULL);
	EXPECT_PTR_EQ(kcalloc(opaque(SIZE_MAX), 8, GFP_KERNEL), NULL);
	EXPECT_PTR_EQ(kcalloc(opaque(3), SIZE_MAX / 2, GFP_KERNEL), NULL);
	p = kmalloc(16, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	memset(p, 0x11, 16);
	EXPECT_PTR_EQ(krealloc_array(p, opaque(SIZE_MAX / 4), 8, GFP_KERNEL), NULL);
	/* p is untouched by the failed krealloc_array. */
	EXPECT_UEQ(((unsigned char *)p)[15], 0x11);
	EXPECT_UEQ(ksize(p), 16);
	kfree(p);
	EXPECT_LOG_SILENT(mark);
	/* A product that fits works. */
	p = kmalloc_array(opaque(10), 10, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	EXPECT_UEQ(ksize(p), 128);
	kfree(p);
}

TEST(krealloc_semantics)
{
	unsigned char *p, *q;
	size_t mark;

	/* NULL: like kmalloc. */
	p = krealloc(NULL, opaque(40), GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	EXPECT_UEQ(ksize(p), 64);
	for (int i = 0; i < 40; i++)
		p[i] = (unsigned char)i;

	/* Shrinking, and growing within ksize: the same pointer, same bytes. */
	q = krealloc(p, opaque(10), GFP_KERNEL);
	EXPECT_PTR_EQ(q, p);
	q = krealloc(p, opaque(64), GFP_KERNEL);
	EXPECT_PTR_EQ(q, p);
	for (int i = 0; i < 40; i++)
		if (q[i] != i) {
			EXPECT_EQ(q[i], i);
			break;
		}
	for (int i = 40; i < 64; i++)
		q[i] = (unsigned char)i;

	/* Growing beyond ksize: a new object with the old contents; the old
	 * one is freed (it comes back on the next allocation of its class). */
	q = krealloc(p, opaque(1000), GFP_KERNEL);
	ASSERT_NOT_NULL(q);
	EXPECT_PTR_NE(q, p);
	EXPECT_UEQ(ksize(q), 1024);
	for (int i = 0; i < 64; i++)
		if (q[i] != i) {
			EXPECT_EQ(q[i], i);
			break;
		}
	{
		void *again = kmalloc(opaque(64), GFP_KERNEL);

		EXPECT_PTR_EQ(again, p);
		kfree(again);
	}

	/* Into a large kmalloc and back out of one. */
	p = krealloc(q, opaque(100000), GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	EXPECT_UEQ(ksize(p), PAGE_SIZE << get_order(100000));
	for (int i = 0; i < 64; i++)
		if (p[i] != i) {
			EXPECT_EQ(p[i], i);
			break;
		}
	q = krealloc(p, opaque(50000), GFP_KERNEL);
	EXPECT_PTR_EQ(q, p);

	/* new_size 0: freed, ZERO_SIZE_PTR. */
	mark = log_mark();
	{
		unsigned long before = drained_unallocated_pages();

		p = krealloc(q, 0, GFP_KERNEL);
		EXPECT_PTR_EQ(p, ZERO_SIZE_PTR);
		EXPECT_UEQ(drained_unallocated_pages() - before, 1UL << get_order(100000));
	}
	/* ZERO_SIZE_PTR in: like kmalloc. */
	p = krealloc(ZERO_SIZE_PTR, opaque(8), GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	EXPECT_FALSE(ZERO_OR_NULL_PTR(p));
	EXPECT_UEQ(ksize(p), 8);
	kfree(p);
	EXPECT_LOG_SILENT(mark);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

/* kfree_sensitive zeroes the whole bucket before the object goes back. */
TEST(kfree_sensitive_zeroes)
{
	static const size_t sizes[] = { 8, 64, 96, 1000, 8192, 3 * PAGE_SIZE };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t size = sizes[i];
		unsigned char *p = kmalloc(opaque(size), GFP_KERNEL);
		size_t ks, off = 0, nonzero = 0;
		bool slab;

		ASSERT_NOT_NULL(p);
		ks = ksize(p);
		slab = PageSlab(compound_head(virt_to_page(p)));
		if (slab)
			off = cache_of(p)->offset;
		memset(p, 0xc3, ks);
		if (i % 2)
			kzfree(p);
		else
			kfree_sensitive(p);
#if !defined(__SANITIZE_ADDRESS__)
		/* The object sits in a sheaf now, where only its free-pointer
		 * word is written (large ones: free pages, still mapped, whose
		 * bookkeeping lives in struct page). */
		for (size_t j = 0; j < ks; j++) {
			if (slab && j >= off && j < off + sizeof(void *))
				continue;
			nonzero += p[j] != 0;
		}
		EXPECT_UEQ(nonzero, 0);
#else
		(void)off;
		(void)nonzero;
#endif
		if (slab) {
			void *again = kmalloc(opaque(size), GFP_KERNEL);

			EXPECT_PTR_EQ(again, p);
			kfree(again);
		}
	}
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

TEST(kmemdup_kstrdup_kstrndup)
{
	static const char text[] = "the quick brown fox";
	char *s;
	unsigned char *m;
	unsigned char src[300];

	for (int i = 0; i < 300; i++)
		src[i] = (unsigned char)(i * 7);
	m = kmemdup(src, sizeof(src), GFP_KERNEL);
	ASSERT_NOT_NULL(m);
	EXPECT_PTR_NE(m, src);
	EXPECT_EQ(memcmp(m, src, sizeof(src)), 0);
	EXPECT_UEQ(ksize(m), 512);
	kfree(m);

	s = kstrdup(text, GFP_KERNEL);
	ASSERT_NOT_NULL(s);
	EXPECT_STREQ(s, text);
	EXPECT_UEQ(ksize(s), 32);
	kfree(s);

	s = kstrndup(text, 9, GFP_KERNEL);
	ASSERT_NOT_NULL(s);
	EXPECT_STREQ(s, "the quick");
	EXPECT_UEQ(ksize(s), 16);
	kfree(s);

	s = kstrndup(text, 1000, GFP_KERNEL);
	ASSERT_NOT_NULL(s);
	EXPECT_STREQ(s, text);
	kfree(s);

	s = kstrdup("", GFP_KERNEL);
	ASSERT_NOT_NULL(s);
	EXPECT_STREQ(s, "");
	EXPECT_UEQ(ksize(s), 8);
	kfree(s);

	EXPECT_PTR_EQ(kstrdup(NULL, GFP_KERNEL), NULL);
	EXPECT_PTR_EQ(kstrndup(NULL, 5, GFP_KERNEL), NULL);
}

/* kmalloc(64) with a constant size takes the inline path into
 * ukmem_kmem_cache_alloc; a runtime 64 goes through ukmem_kmalloc.  Both
 * land in kmalloc-64, and the object freed by one comes back to the
 * other. */
TEST(constant_and_runtime_paths)
{
	void *c = kmalloc(64, GFP_KERNEL);
	void *r;

	EXPECT_TRUE(__builtin_constant_p(64));
	ASSERT_NOT_NULL(c);
	EXPECT_UEQ(ksize(c), 64);
	EXPECT_STREQ(cache_name_of(c), "kmalloc-64");
	EXPECT_PTR_EQ(cache_of(c), ukmem_kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(64)]);
	kfree(c);
	r = ukmem_kmalloc(opaque(64), GFP_KERNEL, NUMA_NO_NODE);
	ASSERT_NOT_NULL(r);
	EXPECT_PTR_EQ(r, c);
	EXPECT_UEQ(ksize(r), 64);
	EXPECT_STREQ(cache_name_of(r), "kmalloc-64");
	kfree(r);

	/* The odd classes through the constant path. */
	c = kmalloc(72, GFP_KERNEL);
	ASSERT_NOT_NULL(c);
	EXPECT_UEQ(ksize(c), 96);
	EXPECT_STREQ(cache_name_of(c), "kmalloc-96");
	kfree(c);
	c = kmalloc(130, GFP_KERNEL);
	ASSERT_NOT_NULL(c);
	EXPECT_UEQ(ksize(c), 192);
	EXPECT_STREQ(cache_name_of(c), "kmalloc-192");
	kfree(c);
	c = kmalloc(8192, GFP_KERNEL);
	ASSERT_NOT_NULL(c);
	EXPECT_UEQ(ksize(c), 8192);
	EXPECT_STREQ(cache_name_of(c), "kmalloc-8k");
	kfree(c);
	c = kmalloc(8193, GFP_KERNEL);
	ASSERT_NOT_NULL(c);
	EXPECT_UEQ(ksize(c), 3 * PAGE_SIZE + PAGE_SIZE);
	kfree(c);
	EXPECT_UEQ(kmalloc_index(1), 3);
	EXPECT_UEQ(kmalloc_index(96), 1);
	EXPECT_UEQ(kmalloc_index(192), 2);
	EXPECT_UEQ(kmalloc_index(8192), 13);
}

static void expect_type(gfp_t gfp, const char *prefix, size_t size, bool dma_zone)
{
	void *p = ukmem_kmalloc(opaque(size), GFP_KERNEL | gfp, NUMA_NO_NODE);
	char name[48];
	size_t b = bucket_of(size);

	if (!p) {
		HARNESS_FAIL("kmalloc(%zu, %#x) failed", size, gfp);
		return;
	}
	if (b < 1024)
		snprintf(name, sizeof(name), "%s%zu", prefix, b);
	else
		snprintf(name, sizeof(name), "%s%zuk", prefix, b / 1024);
	EXPECT_STREQ(cache_name_of(p), name);
	EXPECT_UEQ(ksize(p), b);
	if (dma_zone)
		EXPECT_EQ(page_zonenum(virt_to_page(p)), ZONE_DMA);
	else
		EXPECT_NE(page_zonenum(virt_to_page(p)), ZONE_DMA);
	kfree(p);
}

TEST(gfp_picks_the_cache_type)
{
	static const size_t sizes[] = { 8, 64, 96, 192, 200, 2048, 8192 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		expect_type(GFP_DMA, "dma-kmalloc-", sizes[i], true);
		expect_type(__GFP_RECLAIMABLE, "kmalloc-rcl-", sizes[i], false);
		expect_type(__GFP_ACCOUNT, "kmalloc-cg-", sizes[i], false);
		expect_type(0, "kmalloc-", sizes[i], false);
		/* DMA wins over the others, reclaimable over accounting. */
		expect_type(GFP_DMA | __GFP_RECLAIMABLE | __GFP_ACCOUNT, "dma-kmalloc-", sizes[i],
			    true);
		expect_type(__GFP_RECLAIMABLE | __GFP_ACCOUNT, "kmalloc-rcl-", sizes[i], false);
	}
	/* The constant path picks the same caches. */
	{
		void *p = kmalloc(64, GFP_KERNEL | GFP_DMA);

		ASSERT_NOT_NULL(p);
		EXPECT_STREQ(cache_name_of(p), "dma-kmalloc-64");
		EXPECT_EQ(page_zonenum(virt_to_page(p)), ZONE_DMA);
		kfree(p);
		p = kmalloc(64, GFP_KERNEL_ACCOUNT);
		ASSERT_NOT_NULL(p);
		EXPECT_STREQ(cache_name_of(p), "kmalloc-cg-64");
		kfree(p);
		p = kmalloc(64, GFP_KERNEL | __GFP_RECLAIMABLE);
		ASSERT_NOT_NULL(p);
		EXPECT_STREQ(cache_name_of(p), "kmalloc-rcl-64");
		kfree(p);
	}
	/* Many DMA objects at once: every slab of the cache is in ZONE_DMA. */
	{
		static void *p[600];
		int bad = 0;

		for (int i = 0; i < 600; i++) {
			p[i] = kmalloc(opaque(512), GFP_KERNEL | GFP_DMA);
			ASSERT_NOT_NULL(p[i]);
			if (page_zonenum(virt_to_page(p[i])) != ZONE_DMA && bad++ < 3)
				EXPECT_EQ(page_zonenum(virt_to_page(p[i])), ZONE_DMA);
		}
		for (int i = 0; i < 600; i++)
			kfree(p[i]);
	}
}

/*
 * GFP_DMA32 and __GFP_HIGHMEM cannot be honoured by a slab: the kernel
 * fixes them up with "Unexpected gfp: ... Fix your code!" when it makes a
 * slab.  Allocate enough to need new slabs.
 */
static void expect_fixup(gfp_t bad, const char *flagname, size_t size, int count)
{
	void **p = calloc((size_t)count, sizeof(void *));
	size_t mark = log_mark();
	char want[96];

	for (int i = 0; i < count; i++) {
		p[i] = ukmem_kmalloc(opaque(size), GFP_KERNEL | bad, NUMA_NO_NODE);
		if (!p[i]) {
			HARNESS_FAIL("kmalloc(%zu, GFP_KERNEL|%s) #%d failed", size, flagname, i);
			break;
		}
	}
	snprintf(want, sizeof(want), "Unexpected gfp: %#x (%s). Fixing up to gfp: ", bad, flagname);
	EXPECT_LOGGED(mark, want);
	EXPECT_LOGGED(mark, "Fix your code!");
	for (int i = 0; i < count; i++)
		kfree(p[i]);
	free(p);
}

TEST(dma32_and_highmem_are_fixed_up)
{
	/* %pGg names: GFP_DMA32 is one of the composite names the kernel
	 * prints before the single bits (mmflags.h). */
	expect_fixup(__GFP_DMA32, "GFP_DMA32", 1024, 500);
	expect_fixup(__GFP_HIGHMEM, "__GFP_HIGHMEM", 2048, 500);
	expect_fixup(__GFP_DMA32 | __GFP_HIGHMEM, "__GFP_HIGHMEM|GFP_DMA32", 256, 2000);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

/* The kernel's __kmalloc_large_node (kmalloc_order before 6.1) fixes up
 * the same flags with the same warning before going to the page
 * allocator: "if (unlikely(flags & GFP_SLAB_BUG_MASK)) flags =
 * kmalloc_fix_flags(flags);". */
TEST(large_kmalloc_fixes_up_highmem_and_dma32)
{
	size_t mark = log_mark();
	void *p = kmalloc(opaque(5 * PAGE_SIZE), GFP_KERNEL | __GFP_HIGHMEM);

	ASSERT_NOT_NULL(p);
	EXPECT_LOGGED(mark, "Unexpected gfp: 0x2 (__GFP_HIGHMEM). Fixing up to gfp: ");
	EXPECT_TRUE(PageHead(virt_to_page(p)));
	kfree(p);
	mark = log_mark();
	p = kmalloc(opaque(5 * PAGE_SIZE), GFP_KERNEL | __GFP_DMA32);
	ASSERT_NOT_NULL(p);
	EXPECT_LOGGED(mark, "Unexpected gfp: 0x4 (GFP_DMA32). Fixing up to gfp: ");
	kfree(p);
}

/*
 * kmalloc_node: node 0 is where everything is; a node id that is possible
 * but has no memory (1 on this one-node arena) is ignored by the kernel's
 * ___slab_alloc ("if the node is not online or has no normal memory, just
 * ignore the node constraint"), so a slab object still comes back.
 */
TEST(kmalloc_node_without_memory_falls_back)
{
	void *p = kmalloc_node(opaque(64), GFP_KERNEL, 0);
	void *q;

	ASSERT_NOT_NULL(p);
	EXPECT_EQ(page_to_nid(virt_to_page(p)), 0);
	EXPECT_UEQ(ksize(p), 64);
	kfree(p);
	p = kzalloc_node(opaque(100), GFP_KERNEL, NUMA_NO_NODE);
	ASSERT_NOT_NULL(p);
	EXPECT_UEQ(ksize(p), 128);
	kfree(p);

	EXPECT_EQ(ukmem_mm.nr_nodes, 1);
	q = kmalloc_node(opaque(64), GFP_KERNEL | __GFP_NOWARN, 1);
	EXPECT_PTR_NE(q, NULL);
	kfree(q);
	q = kmem_cache_alloc_node(ukmem_kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(192)],
				  GFP_KERNEL | __GFP_NOWARN, 1);
	EXPECT_PTR_NE(q, NULL);
	kfree(q);
}

TEST(final_consistency)
{
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(zero_size_and_null),
	T(size_classes_every_size),
	T(alignment_many_live),
	T(large_kmalloc_is_a_compound_page),
	T(larger_than_kmalloc_max_fails),
	T(kzalloc_kcalloc_zero_reused_objects),
	T(array_overflow_returns_null),
	T(krealloc_semantics),
	T(kfree_sensitive_zeroes),
	T(kmemdup_kstrdup_kstrndup),
	T(constant_and_runtime_paths),
	T(gfp_picks_the_cache_type),
	T(dma32_and_highmem_are_fixed_up),
	T(large_kmalloc_fixes_up_highmem_and_dma32),
	T(kmalloc_node_without_memory_falls_back),
	T(final_consistency))
