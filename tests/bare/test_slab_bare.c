/*
 * test_slab_bare.c - the slab layer and the kmalloc family on the bare
 * platform, over two static arrays handed over with ukmem_add_region(): a
 * DMA region and a normal one.  Every kmalloc size class, both kmalloc
 * types a board uses (normal and DMA), large kmalloc, kzalloc and kcalloc,
 * ksize, a cache with a constructor, bulk allocation, krealloc, shrink,
 * destroy and /proc/slabinfo.  Linked against ukmem_bare_internal.
 *
 * Written to fail on a 32-bit, no-MMU, strict-alignment core (it runs on a
 * Cortex-M under QEMU with unaligned accesses trapping, see tests/bare/arm):
 *   - every object is aligned to its cache's alignment (power-of-two
 *     kmalloc sizes to their size), every page block of order N to
 *     PAGE_SIZE << N in both its pfn and its address;
 *   - objects are filled through 64-bit stores, which fault on such a
 *     core if the object is misaligned;
 *   - many objects are live at once, each filled with its own pattern, and
 *     all are checked before any is freed, so two that overlap show;
 *   - everything freed comes back: after the caches are shrunk and the
 *     per-CPU lists drained, the free page count is what it was after the
 *     warm-up in setup().
 */
#include <stdint.h>

#include <ukmem.h>

#include "harness.h"
#include "log.h"
#include "bare_start.h"
#include "page/mmzone.h"
#include "slab/slab.h"

/* Neither array aligned to a page, as a linker might place them. */
static unsigned char dma_mem[TEST_MIB(2) + 3000];
static unsigned char normal_mem[TEST_MIB(16) + 5000];

/* The kmalloc size classes (SLUB with 4 KiB pages) and, for each, the
 * smallest size that maps to it. */
static const size_t classes[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096,
				  8192 };
#define NR_CLASSES (sizeof(classes) / sizeof(classes[0]))

static size_t class_floor(size_t i)
{
	return i ? classes[i - 1] + 1 : 1;
}

static size_t bucket_of(size_t size)
{
	for (size_t i = 0; i < NR_CLASSES; i++)
		if (size <= classes[i])
			return classes[i];
	return 0;
}

/* Runtime sizes: the compiler must not see the constant. */
static size_t opaque(size_t x)
{
	volatile size_t v = x;

	return v;
}

static bool inside(const void *p, size_t size, const unsigned char *mem, size_t mem_size)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)mem;

	return a >= lo && a + size >= a && a + size <= lo + mem_size;
}

static bool in_normal(const void *p, size_t size)
{
	return inside(p, size, normal_mem, sizeof(normal_mem));
}

static bool in_dma(const void *p, size_t size)
{
	return inside(p, size, dma_mem, sizeof(dma_mem));
}

static struct kmem_cache *cache_of(const void *p)
{
	return ((struct slab *)(void *)compound_head(virt_to_page(p)))->slab_cache;
}

/* ---- patterns ------------------------------------------------------------------ */

/* Word i of the object with tag t.  Stored as 64-bit words: on a core
 * that does not forgive it a misaligned object faults here. */
static uint64_t pattern_word(uint32_t tag, size_t i)
{
	return ((uint64_t)tag << 32 | (uint32_t)i) ^ 0x5a5aa5a5c3c33c3cULL;
}

static void fill(void *p, size_t size, uint32_t tag)
{
	uint64_t *w = p;

	for (size_t i = 0; i < size / 8; i++)
		w[i] = pattern_word(tag, i);
}

/* Words of p that do not hold tag's pattern. */
static size_t mismatches(const void *p, size_t size, uint32_t tag)
{
	const uint64_t *w = p;
	size_t bad = 0;

	for (size_t i = 0; i < size / 8; i++)
		bad += w[i] != pattern_word(tag, i);
	return bad;
}

/* Objects of a test, live at the same time. */
#define MAX_LIVE 1024
static void *live[MAX_LIVE];

/* Fill live[0..n) with their patterns first, then check them all: an
 * object that overlaps another loses its pattern to it. */
static size_t fill_and_check_all(void **p, size_t n, size_t size)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++)
		fill(p[i], size, (uint32_t)i);
	for (size_t i = 0; i < n; i++)
		bad += mismatches(p[i], size, (uint32_t)i) != 0;
	return bad;
}

/* Slabs of a cache, on every node. */
static unsigned long cache_slabs(const struct kmem_cache *s)
{
	unsigned long n = 0;

	for (int nid = 0; nid < MAX_NUMNODES; nid++)
		n += s->node[nid].nr_slabs;
	return n;
}

/* ---- pages ---------------------------------------------------------------------- */

/*
 * Pages nobody holds, once every cache gave back its empty slabs and this
 * CPU's page lists went back to the buddy allocator.  The slabs of
 * slab_sheaf, the cache of the sheaves themselves, count as free: each
 * cache parks up to MAX_EMPTY_SHEAVES empty sheaves at its barn for the
 * next burst of frees, and gives them back only when it is destroyed, so
 * how many pages they take depends on the history, not on a leak.
 */
static unsigned long settled_free_pages(void)
{
	struct kmem_cache *caches[256], *sheaves = NULL;
	unsigned long sum = 0;
	struct list_head *pos;
	int n = 0;

	/* Shrink outside slab_mutex: shrinking takes the nodes' locks and
	 * the page allocator's, which come after it. */
	ukmem_lock(&slab_mutex);
	list_for_each(pos, &slab_caches)
		if (n < (int)(sizeof(caches) / sizeof(caches[0])))
			caches[n++] = list_entry(pos, struct kmem_cache, list);
	ukmem_unlock(&slab_mutex);
	for (int i = 0; i < n; i++) {
		kmem_cache_shrink(caches[i]);
		if (!strcmp(caches[i]->name, "slab_sheaf"))
			sheaves = caches[i];
	}
	if (sheaves)
		sum += cache_slabs(sheaves) << oo_order(sheaves->oo);
	ukmem_drain_all();
	for (int z = 0; z < MAX_NR_ZONES; z++)
		sum += zone_page_state(&NODE_DATA(0)->node_zones[z], NR_FREE_PAGES);
	return sum;
}

static unsigned long free_at_start;
static size_t log_at_start;

/* Start ukmem on the two regions, then use every kmalloc cache and make
 * and destroy a cache once, so that the slab layer's own bookkeeping
 * (sheaves, the caches' structs) exists before the baseline is taken. */
static void setup(void)
{
	struct kmem_cache *s;

	bare_start(dma_mem, sizeof(dma_mem), normal_mem, sizeof(normal_mem));
	for (size_t i = 0; i < NR_CLASSES; i++) {
		kfree(kmalloc(opaque(classes[i]), GFP_KERNEL));
		kfree(kmalloc(opaque(classes[i]), GFP_DMA));
	}
	s = kmem_cache_create("bare_warmup", 100, 0, 0, NULL);
	if (!s) {
		fprintf(stderr, "bare setup: no cache:\n%s\n", log_text);
		exit(1);
	}
	kmem_cache_free(s, kmem_cache_alloc(s, GFP_KERNEL));
	kmem_cache_destroy(s);
	free_at_start = settled_free_pages();
	log_at_start = log_mark();
}

/* ---- kmalloc -------------------------------------------------------------------------- */

/* How many objects of a class a test keeps live: at least a few slabs'
 * worth, at most MAX_LIVE and about half a MiB (a quarter on a board). */
static size_t live_count(size_t size)
{
	size_t n = TEST_MIB(1) / 2 / size;

	return n < 16 ? 16 : n > MAX_LIVE ? MAX_LIVE : n;
}

/* Every size class through the runtime path, with the smallest and the
 * largest size that maps to it: the right cache, ksize the class, the
 * cache's alignment, inside the normal region, and no two live objects
 * overlapping. */
TEST(every_size_class_aligned_and_apart)
{
	unsigned long before = settled_free_pages();

	for (size_t c = 0; c < NR_CLASSES; c++) {
		size_t size = classes[c], n = live_count(size);
		struct kmem_cache *want = ukmem_kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(size)];
		size_t wrong_cache = 0, wrong_size = 0, misaligned = 0, outside = 0;
		int before_checks = harness_failed_checks;

		ASSERT_NOT_NULL(want);
		EXPECT_UEQ(want->object_size, size);
		if (!(size & (size - 1)))
			EXPECT_UEQ(want->align, size);
		else
			EXPECT_UEQ(want->align % ARCH_KMALLOC_MINALIGN, 0);
		for (size_t i = 0; i < n; i++) {
			uintptr_t a;

			live[i] = kmalloc(opaque(i & 1 ? size : class_floor(c)), GFP_KERNEL);
			ASSERT_NOT_NULL(live[i]);
			a = (uintptr_t)live[i];
			wrong_cache += cache_of(live[i]) != want;
			wrong_size += ksize(live[i]) != size;
			misaligned += a % want->align != 0 || a % ARCH_KMALLOC_MINALIGN != 0 ||
				      (!(size & (size - 1)) && a % size != 0);
			outside += !in_normal(live[i], size);
		}
		EXPECT_UEQ(wrong_cache, 0);
		EXPECT_UEQ(wrong_size, 0);
		EXPECT_UEQ(misaligned, 0);
		EXPECT_UEQ(outside, 0);
		EXPECT_UEQ(fill_and_check_all(live, n, size), 0);
		for (size_t i = 0; i < n; i++)
			kfree(live[i]);
		if (harness_failed_checks != before_checks)
			fprintf(stderr, "  ... for kmalloc-%zu (%zu objects)\n", size, n);
	}
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_UEQ(settled_free_pages(), before);
}

/* The compile-time path picks the same caches. */
TEST(constant_sizes_use_the_same_caches)
{
	void *p[] = { kmalloc(8, GFP_KERNEL), kmalloc(96, GFP_KERNEL),
		      kmalloc(192, GFP_KERNEL), kmalloc(4096, GFP_KERNEL),
		      kmalloc(8192, GFP_KERNEL) };
	const size_t sizes[] = { 8, 96, 192, 4096, 8192 };

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		ASSERT_NOT_NULL(p[i]);
		EXPECT_PTR_EQ(cache_of(p[i]),
			      ukmem_kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(sizes[i])]);
		EXPECT_UEQ((uintptr_t)p[i] % cache_of(p[i])->align, 0);
	}
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		kfree(p[i]);
}

/* ksize and kmalloc_size_roundup for every size up to the largest class. */
TEST(ksize_is_the_bucket)
{
	size_t bad_ksize = 0, bad_round = 0;

	for (size_t size = 1; size <= 8192; size++) {
		void *p = kmalloc(opaque(size), GFP_KERNEL);

		ASSERT_NOT_NULL(p);
		if (ksize(p) != bucket_of(size) && bad_ksize++ < 3)
			EXPECT_UEQ(ksize(p), bucket_of(size));
		if (kmalloc_size_roundup(size) != bucket_of(size) && bad_round++ < 3)
			EXPECT_UEQ(kmalloc_size_roundup(size), bucket_of(size));
		kfree(p);
	}
	EXPECT_UEQ(bad_ksize, 0);
	EXPECT_UEQ(bad_round, 0);
	EXPECT_PTR_EQ(kmalloc(opaque(0), GFP_KERNEL), ZERO_SIZE_PTR);
	EXPECT_UEQ(ksize(ZERO_SIZE_PTR), 0);
	EXPECT_UEQ(ksize(NULL), 0);
}

/* Above 8 KiB: a compound page of the size's order straight from the page
 * allocator, aligned to its order, ksize the whole block. */
TEST(large_kmalloc_is_naturally_aligned_pages)
{
	const size_t sizes[] = { 8193, 12 << 10, (16 << 10) + 1, 64 << 10, 100 << 10,
				 TEST_MIB(1) / 2, TEST_MIB(1) };
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	unsigned long before = settled_free_pages();
	void *p[N];

	for (int i = 0; i < N; i++) {
		unsigned int order = (unsigned int)get_order(sizes[i]);
		struct page *page;

		p[i] = kmalloc(opaque(sizes[i]), GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
		page = virt_to_page(p[i]);
		ASSERT_NOT_NULL(page);
		EXPECT_PTR_EQ(page_address(page), p[i]);
		EXPECT_FALSE(PageSlab(page));
		EXPECT_TRUE(PageHead(page));
		EXPECT_UEQ(compound_order(page), order);
		EXPECT_UEQ(page_to_pfn(page) % (1UL << order), 0);
		EXPECT_UEQ((uintptr_t)p[i] % (PAGE_SIZE << order), 0);
		EXPECT_UEQ(ksize(p[i]), PAGE_SIZE << order);
		EXPECT_TRUE(in_normal(p[i], PAGE_SIZE << order));
	}
	{
		size_t bad = 0;

		for (int i = 0; i < N; i++)
			fill(p[i], ksize(p[i]), (uint32_t)i);
		for (int i = 0; i < N; i++)
			bad += mismatches(p[i], ksize(p[i]), (uint32_t)i);
		EXPECT_UEQ(bad, 0);
	}
	for (int i = 0; i < N; i++)
		kfree(p[i]);
	EXPECT_EQ(ukmem_page_validate(), 0);
	EXPECT_UEQ(settled_free_pages(), before);
}

/* GFP_DMA: the dma-kmalloc-* caches, whose slabs come from ZONE_DMA, that
 * is the DMA region; large ones are ZONE_DMA pages. */
TEST(gfp_dma_uses_the_dma_caches_and_region)
{
	unsigned long before = settled_free_pages();
	void *big;

	for (size_t c = 0; c < NR_CLASSES; c++) {
		size_t size = classes[c], n = live_count(size) / 4;
		struct kmem_cache *want = ukmem_kmalloc_caches[KMALLOC_DMA][kmalloc_index(size)];
		size_t wrong = 0, misaligned = 0, outside = 0;

		ASSERT_NOT_NULL(want);
		EXPECT_TRUE(strstr(want->name, "dma-kmalloc-") == want->name);
		for (size_t i = 0; i < n; i++) {
			live[i] = kmalloc(opaque(size), GFP_KERNEL | GFP_DMA);
			ASSERT_NOT_NULL(live[i]);
			wrong += cache_of(live[i]) != want;
			misaligned += (uintptr_t)live[i] % want->align != 0;
			outside += !in_dma(live[i], size) ||
				   page_zonenum(virt_to_page(live[i])) != ZONE_DMA;
		}
		EXPECT_UEQ(wrong, 0);
		EXPECT_UEQ(misaligned, 0);
		EXPECT_UEQ(outside, 0);
		EXPECT_UEQ(fill_and_check_all(live, n, size), 0);
		for (size_t i = 0; i < n; i++)
			kfree(live[i]);
	}
	big = kmalloc(opaque(40 << 10), GFP_DMA);
	ASSERT_NOT_NULL(big);
	EXPECT_TRUE(in_dma(big, 64 << 10));
	EXPECT_EQ(page_zonenum(virt_to_page(big)), ZONE_DMA);
	EXPECT_UEQ((uintptr_t)big % (64 << 10), 0);
	kfree(big);
	EXPECT_UEQ(settled_free_pages(), before);
}

/* kzalloc and kcalloc zero memory that was not zero (the same object
 * comes back first), and kcalloc refuses a product that overflows. */
TEST(kzalloc_kcalloc_zero_reused_objects)
{
	for (size_t c = 0; c < NR_CLASSES; c++) {
		size_t size = classes[c], nonzero = 0;
		unsigned char *p = kmalloc(opaque(size), GFP_KERNEL), *q, *r;

		ASSERT_NOT_NULL(p);
		memset(p, 0xff, size);
		kfree(p);
		q = kzalloc(opaque(size), GFP_KERNEL);
		ASSERT_NOT_NULL(q);
		for (size_t i = 0; i < size; i++)
			nonzero += q[i] != 0;
		memset(q, 0xee, size);
		kfree(q);
		r = kcalloc(opaque(size / 8), 8, GFP_KERNEL);
		ASSERT_NOT_NULL(r);
		for (size_t i = 0; i < size; i++)
			nonzero += r[i] != 0;
		kfree(r);
		EXPECT_UEQ(nonzero, 0);
	}
	EXPECT_PTR_EQ(kcalloc(opaque(SIZE_MAX / 4), 8, GFP_KERNEL), NULL);
	EXPECT_PTR_EQ(kcalloc(opaque(0), 8, GFP_KERNEL), ZERO_SIZE_PTR);
}

/* krealloc: growing through the classes and into pages and shrinking back
 * keeps the contents; NULL and 0 are kmalloc and kfree. */
TEST(krealloc_keeps_contents)
{
	const size_t steps[] = { 24, 100, 1000, 5000, 20000, 100000, 3000, 50, 8 };
	unsigned long before = settled_free_pages();
	size_t kept = 24;
	unsigned char *p = krealloc(NULL, opaque(24), GFP_KERNEL);

	ASSERT_NOT_NULL(p);
	for (size_t i = 0; i < kept; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	for (size_t s = 1; s < sizeof(steps) / sizeof(steps[0]); s++) {
		size_t size = steps[s], bad = 0;
		unsigned char *q = krealloc(p, opaque(size), GFP_KERNEL);

		ASSERT_NOT_NULL(q);
		EXPECT_GE(ksize(q), size);
		EXPECT_UEQ((uintptr_t)q % ARCH_KMALLOC_MINALIGN, 0);
		if (size < kept)
			kept = size;
		for (size_t i = 0; i < kept; i++)
			bad += q[i] != (unsigned char)(i * 7 + 1);
		if (bad)
			HARNESS_FAIL("krealloc to %zu lost %zu of %zu bytes", size, bad, kept);
		/* The new bytes are the caller's to write. */
		for (size_t i = kept; i < size; i++)
			q[i] = (unsigned char)(i * 7 + 1);
		kept = size;
		p = q;
	}
	EXPECT_PTR_EQ(krealloc(p, opaque(0), GFP_KERNEL), ZERO_SIZE_PTR);
	EXPECT_UEQ(settled_free_pages(), before);
}

/* ---- kmem_cache ------------------------------------------------------------------------ */

struct ctor_obj {
	uint64_t magic;
	void *self;
	uint32_t words[9];
};

#define CTOR_MAGIC 0xc0ffee0ddba11ULL
static unsigned long ctor_calls;

static void ctor_obj_init(void *p)
{
	struct ctor_obj *o = p;

	ctor_calls++;
	o->magic = CTOR_MAGIC;
	o->self = o;
	for (int i = 0; i < 9; i++)
		o->words[i] = (uint32_t)i * 3;
}

static bool constructed(const struct ctor_obj *o)
{
	if (o->magic != CTOR_MAGIC || o->self != o)
		return false;
	for (int i = 0; i < 9; i++)
		if (o->words[i] != (uint32_t)i * 3)
			return false;
	return true;
}

static unsigned long cache_objects(const struct kmem_cache *s)
{
	unsigned long n = 0;

	for (int nid = 0; nid < MAX_NUMNODES; nid++)
		n += s->node[nid].total_objects;
	return n;
}

/* The constructor runs once for each object of each slab made, before
 * any object is handed out, and not again when an object is reused. */
TEST(cache_with_a_constructor)
{
	enum { N = 300 };
	unsigned long before = settled_free_pages(), calls;
	struct kmem_cache *s = kmem_cache_create("bare_ctor", sizeof(struct ctor_obj),
						 __alignof__(struct ctor_obj), 0, ctor_obj_init);
	size_t unconstructed = 0, misaligned = 0, wrong_cache = 0;

	ASSERT_NOT_NULL(s);
	EXPECT_EQ(ctor_calls, 0);
	EXPECT_UEQ(s->align % __alignof__(struct ctor_obj), 0);
	for (int i = 0; i < N; i++) {
		struct ctor_obj *o = kmem_cache_alloc(s, GFP_KERNEL);

		ASSERT_NOT_NULL(o);
		live[i] = o;
		unconstructed += !constructed(o);
		misaligned += (uintptr_t)o % s->align != 0;
		wrong_cache += cache_of(o) != s;
	}
	EXPECT_UEQ(unconstructed, 0);
	EXPECT_UEQ(misaligned, 0);
	EXPECT_UEQ(wrong_cache, 0);
	calls = ctor_calls;
	EXPECT_GE(calls, N);
	EXPECT_UEQ(calls, cache_objects(s));
	EXPECT_UEQ(calls, cache_slabs(s) * oo_objects(s->oo));

	/* Freed as constructed, they come back constructed, without a call. */
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, live[i]);
	unconstructed = 0;
	for (int i = 0; i < N; i++) {
		live[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(live[i]);
		unconstructed += !constructed(live[i]);
	}
	EXPECT_UEQ(unconstructed, 0);
	EXPECT_UEQ(ctor_calls, calls);
	/* Distinct objects: each holds its own pattern. */
	EXPECT_UEQ(fill_and_check_all(live, N, sizeof(struct ctor_obj) / 8 * 8), 0);
	for (int i = 0; i < N; i++) {
		ctor_obj_init(live[i]);	/* the cache's contract: free constructed */
		kmem_cache_free(s, live[i]);
	}
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	EXPECT_UEQ(cache_slabs(s), 0);
	kmem_cache_destroy(s);
	EXPECT_UEQ(settled_free_pages(), before);
}

/* Bulk: all the objects at once, distinct and aligned, and back at once;
 * kfree_bulk of kmalloc objects of mixed sizes. */
TEST(bulk_alloc_and_free)
{
	enum { N = 500 };
	unsigned long before = settled_free_pages();
	struct kmem_cache *s = kmem_cache_create("bare_bulk", 72, 0, SLAB_NO_MERGE, NULL);
	size_t wrong = 0;

	ASSERT_NOT_NULL(s);
	EXPECT_EQ(kmem_cache_alloc_bulk(s, GFP_KERNEL, N, live), N);
	for (int i = 0; i < N; i++)
		wrong += !live[i] || cache_of(live[i]) != s || (uintptr_t)live[i] % s->align ||
			 !in_normal(live[i], 72);
	EXPECT_UEQ(wrong, 0);
	if (!wrong)
		EXPECT_UEQ(fill_and_check_all(live, N, 72), 0);
	kmem_cache_free_bulk(s, N, live);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	EXPECT_UEQ(cache_slabs(s), 0);
	kmem_cache_destroy(s);

	for (int i = 0; i < 64; i++) {
		live[i] = kmalloc(opaque(classes[i % NR_CLASSES]), GFP_KERNEL);
		ASSERT_NOT_NULL(live[i]);
		fill(live[i], classes[i % NR_CLASSES], (uint32_t)i);
	}
	wrong = 0;
	for (int i = 0; i < 64; i++)
		wrong += mismatches(live[i], classes[i % NR_CLASSES], (uint32_t)i) != 0;
	EXPECT_UEQ(wrong, 0);
	kfree_bulk(64, live);
	EXPECT_UEQ(settled_free_pages(), before);
}

/* Shrink gives every empty slab back (and says whether objects are left);
 * destroy gives the rest; the page count is as before the cache. */
TEST(shrink_and_destroy_give_the_pages_back)
{
	enum { N = 1000 };
	unsigned long before = settled_free_pages();
	struct kmem_cache *s = kmem_cache_create("bare_shrink", 200, 0, SLAB_NO_MERGE, NULL);
	void *keep;

	ASSERT_NOT_NULL(s);
	for (int i = 0; i < N; i++) {
		live[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(live[i]);
	}
	EXPECT_UEQ(fill_and_check_all(live, N, 200), 0);
	EXPECT_LT(settled_free_pages(), before - N * 200 / PAGE_SIZE + 1);
	keep = live[N / 2];
	for (int i = 0; i < N; i++)
		if (live[i] != keep)
			kmem_cache_free(s, live[i]);
	EXPECT_EQ(kmem_cache_shrink(s), 1);
	EXPECT_UEQ(cache_slabs(s), 1);
	kmem_cache_free(s, keep);
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	EXPECT_UEQ(cache_slabs(s), 0);
	EXPECT_UEQ(settled_free_pages(), before);

	/* Destroy with slabs still cached gives them back too. */
	for (int i = 0; i < N; i++) {
		live[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(live[i]);
	}
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, live[i]);
	kmem_cache_destroy(s);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_UEQ(settled_free_pages(), before);
}

/* ---- /proc/slabinfo ------------------------------------------------------------------------ */

struct slabinfo_row {
	unsigned long active_objs, num_objs, objsize, objperslab, pagesperslab;
	unsigned long active_slabs, num_slabs;
};

static char slabinfo[32 << 10];

/* The row of cache name in /proc/slabinfo: true and its numbers, or false. */
static bool slabinfo_row(const char *name, struct slabinfo_row *r)
{
	ssize_t len = ukmem_ctl_read("/proc/slabinfo", slabinfo, sizeof(slabinfo));
	size_t nlen = strlen(name);
	char *p, *end;

	if (len < 0) {
		HARNESS_FAIL("reading /proc/slabinfo: %d", (int)len);
		return false;
	}
	for (p = slabinfo; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, nlen) != 0 || p[nlen] != ' ')
			continue;
		p += nlen;
		r->active_objs = strtoul(p, &p, 10);
		r->num_objs = strtoul(p, &p, 10);
		r->objsize = strtoul(p, &p, 10);
		r->objperslab = strtoul(p, &p, 10);
		r->pagesperslab = strtoul(p, &end, 10);
		p = strstr(end, ": slabdata");
		if (!p || p > strchr(end, '\n'))
			return false;
		r->active_slabs = strtoul(p + 10, &p, 10);
		r->num_slabs = strtoul(p, &p, 10);
		return true;
	}
	return false;
}

TEST(slabinfo_shows_the_cache_until_destroyed)
{
	enum { N = 100 };
	struct kmem_cache *s = kmem_cache_create("bare_info", 300, 0, SLAB_NO_MERGE, NULL);
	struct slabinfo_row r;

	ASSERT_NOT_NULL(s);
	for (int i = 0; i < N; i++) {
		live[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(live[i]);
	}
	ASSERT_TRUE(slabinfo_row("bare_info", &r));
	EXPECT_UEQ(r.objsize, s->size);
	EXPECT_GE(r.objsize, 300);
	EXPECT_UEQ(r.objperslab, oo_objects(s->oo));
	EXPECT_UEQ(r.pagesperslab, 1UL << oo_order(s->oo));
	EXPECT_GE(r.active_objs, N);
	EXPECT_LE(r.active_objs, r.num_objs);
	EXPECT_UEQ(r.num_objs, r.num_slabs * r.objperslab);
	EXPECT_UEQ(r.active_slabs, r.num_slabs);
	EXPECT_GE(r.num_slabs * r.pagesperslab * PAGE_SIZE, (unsigned long)N * 300);
	EXPECT_UEQ(r.num_slabs, cache_slabs(s));
	/* A kmalloc cache is listed too, with the numbers of its struct. */
	ASSERT_TRUE(slabinfo_row("kmalloc-64", &r));
	EXPECT_UEQ(r.objsize, 64);
	EXPECT_UEQ(r.objperslab, oo_objects(ukmem_kmalloc_caches[KMALLOC_NORMAL][6]->oo));

	for (int i = 0; i < N; i++)
		kmem_cache_free(s, live[i]);
	kmem_cache_destroy(s);
	EXPECT_FALSE(slabinfo_row("bare_info", &r));
	EXPECT_TRUE(strstr(slabinfo, "bare_info") == NULL);
	EXPECT_CONTAINS(slabinfo, "slabinfo - version: 2.1");
}

/* ---- pages, once more -------------------------------------------------------------------------- */

/* Every order: the block's pfn and address are multiples of its size.
 * An order may fail only where the normal region cannot be counted on to
 * hold a free block of it (three blocks' worth: one aligned block inside,
 * one more that the memmap at the top may take). */
TEST(page_blocks_are_naturally_aligned)
{
	unsigned long before = settled_free_pages();
	static struct page *blocks[64];
	unsigned int orders[64];
	int n = 0;
	size_t bad = 0;

	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
		uintptr_t a;

		if (!page) {
			EXPECT_GT((PAGE_SIZE << order) * 3, sizeof(normal_mem));
			continue;
		}
		a = (uintptr_t)page_address(page);
		EXPECT_UEQ(page_to_pfn(page) % (1UL << order), 0);
		EXPECT_UEQ(a % (PAGE_SIZE << order), 0);
		EXPECT_TRUE(in_normal((void *)a, PAGE_SIZE << order));
		__free_pages(page, order);
	}
	/* Many small blocks live at once: aligned and apart. */
	for (unsigned int order = 0; order <= 4; order++) {
		for (int i = 0; i < 8 && n < 64; i++, n++) {
			blocks[n] = alloc_pages(GFP_KERNEL, order);
			orders[n] = order;
			ASSERT_NOT_NULL(blocks[n]);
			bad += (uintptr_t)page_address(blocks[n]) % (PAGE_SIZE << order) != 0;
		}
	}
	EXPECT_UEQ(bad, 0);
	for (int i = 0; i < n; i++)
		fill(page_address(blocks[i]), PAGE_SIZE << orders[i], (uint32_t)i);
	for (int i = 0; i < n; i++)
		bad += mismatches(page_address(blocks[i]), PAGE_SIZE << orders[i], (uint32_t)i) != 0;
	EXPECT_UEQ(bad, 0);
	for (int i = 0; i < n; i++)
		__free_pages(blocks[i], orders[i]);
	EXPECT_EQ(ukmem_page_validate(), 0);
	EXPECT_UEQ(settled_free_pages(), before);
}

/* Last: every page the tests took is free again, the layers' invariants
 * hold, and nothing was reported. */
TEST(everything_came_back)
{
	EXPECT_UEQ(settled_free_pages(), free_at_start);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
	EXPECT_EQ(log_count_since(log_at_start, "BUG"), 0);
	EXPECT_EQ(log_count_since(log_at_start, "WARNING"), 0);
	if (log_mark() != log_at_start)
		fprintf(stderr, "logged:\n%s\n", log_text + log_at_start);
}

RUN_TESTS_SETUP(setup,
	T(every_size_class_aligned_and_apart),
	T(constant_sizes_use_the_same_caches),
	T(ksize_is_the_bucket),
	T(large_kmalloc_is_naturally_aligned_pages),
	T(gfp_dma_uses_the_dma_caches_and_region),
	T(kzalloc_kcalloc_zero_reused_objects),
	T(krealloc_keeps_contents),
	T(cache_with_a_constructor),
	T(bulk_alloc_and_free),
	T(shrink_and_destroy_give_the_pages_back),
	T(slabinfo_shows_the_cache_until_destroyed),
	T(page_blocks_are_naturally_aligned),
	T(everything_came_back))
