/*
 * test_bad_kfree.c - kfree of what it must not free: a pointer ukmem never
 * returned (stack, global, malloc), a pointer into the middle of an
 * object, an object freed twice (right away: found at the free; later,
 * after it went back to its slab's freelist or under other frees: found
 * when its sheaf goes back to the slabs), a page from alloc_pages, a large
 * kmalloc freed twice or by an inner pointer.  Each is reported; nothing is
 * freed; afterwards both layers validate and 10000 allocations of the size
 * are 10000 distinct objects (nothing is handed out twice).
 */
#include "slab_helpers.h"

#define OBJ_SIZE 64
#define MANY 10000

static char a_global[128];

static void setup(void)
{
	log_setup();
	pin_to_cpu0();
	if (ukmem_init("mem=256M") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(2);
	}
}

static size_t opaque(size_t x)
{
	volatile size_t v = x;

	return v;
}

static struct kmem_cache *kmalloc_cache_of_size(size_t size)
{
	return ukmem_kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(size)];
}

/* After a bad free: both layers consistent, and MANY allocations of the
 * size (fewer for large kmalloc, to fit the arena) are distinct pointers. */
static void expect_allocator_sound(size_t size)
{
	int many = size > KMALLOC_MAX_CACHE_SIZE ? 1000 : MANY;
	void **p = calloc(MANY, sizeof(void *)), **sorted = calloc(MANY, sizeof(void *));
	size_t dups;

	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
	for (int i = 0; i < many; i++) {
		p[i] = kmalloc(opaque(size), GFP_KERNEL);
		if (!p[i]) {
			HARNESS_FAIL("kmalloc(%zu) #%d failed", size, i);
			break;
		}
	}
	memcpy(sorted, p, (size_t)many * sizeof(void *));
	dups = count_duplicates(sorted, (size_t)many);
	EXPECT_UEQ(dups, 0);
	for (int i = 0; i < many; i++) {
		/* Free each pointer once, even if it was handed out twice. */
		if (i > 0 && sorted[i] == sorted[i - 1])
			continue;
		kfree(sorted[i]);
	}
	EXPECT_EQ(ukmem_slab_validate(), 0);
	free(p);
	free(sorted);
}

TEST(kfree_of_foreign_pointers)
{
	char on_stack[64];
	char *from_malloc = malloc(100);
	size_t mark;
	unsigned long before = drained_unallocated_pages();

	memset(on_stack, 1, sizeof(on_stack));
	mark = log_mark();
	kfree(on_stack);
	EXPECT_LOGGED(mark, "kfree");
	mark = log_mark();
	kfree(a_global);
	EXPECT_LOGGED(mark, "kfree");
	mark = log_mark();
	kfree(from_malloc);
	EXPECT_LOGGED(mark, "kfree");
	mark = log_mark();
	kfree((void *)(uintptr_t)0x1000);
	EXPECT_LOGGED(mark, "kfree");
	/* Nothing happened to them, nor to ukmem. */
	EXPECT_UEQ((unsigned char)on_stack[63], 1);
	memset(from_malloc, 2, 100);
	free(from_malloc);
	EXPECT_UEQ(drained_unallocated_pages(), before);
	expect_allocator_sound(OBJ_SIZE);
}

TEST(kfree_of_an_inner_pointer)
{
	unsigned char *p = kmalloc(opaque(OBJ_SIZE), GFP_KERNEL);
	size_t mark;

	ASSERT_NOT_NULL(p);
	memset(p, 0x42, OBJ_SIZE);
	mark = log_mark();
	kfree(p + 8);
	EXPECT_LOGGED(mark, "Invalid object pointer");
	EXPECT_LOGGED(mark, "kmalloc-64");
	mark = log_mark();
	kfree(p + OBJ_SIZE - 1);
	EXPECT_LOGGED(mark, "Invalid object pointer");
	/* The object is still allocated and intact: nothing hands it out. */
	for (int i = 0; i < OBJ_SIZE; i++)
		if (p[i] != 0x42) {
			EXPECT_EQ(p[i], 0x42);
			break;
		}
	{
		void *q = kmalloc(opaque(OBJ_SIZE), GFP_KERNEL);

		EXPECT_PTR_NE(q, p);
		kfree(q);
	}
	/* Also through kmem_cache_free. */
	mark = log_mark();
	kmem_cache_free(kmalloc_cache_of_size(OBJ_SIZE), p + 16);
	EXPECT_LOGGED(mark, "Invalid object pointer");
	mark = log_mark();
	kfree(p);
	EXPECT_LOG_SILENT(mark);
	expect_allocator_sound(OBJ_SIZE);
}

/* Freed twice in a row: the second free finds it in this thread's sheaf. */
TEST(double_kfree_right_away)
{
	void *p = kmalloc(opaque(OBJ_SIZE), GFP_KERNEL);
	size_t mark;

	ASSERT_NOT_NULL(p);
	kfree(p);
	mark = log_mark();
	kfree(p);
	EXPECT_LOGGED(mark, "Object already free");
	EXPECT_EQ(log_count_since(mark, "Object already free"), 1);
	expect_allocator_sound(OBJ_SIZE);
}

/*
 * Objects whose size is not a power of two: the object-start test divides
 * by multiplication (slab.h).  Every inner offset of an object, every
 * multiple of the size past the slab's last object (its tail waste), and
 * an address just before the slab are refused; every object start of the
 * slab is accepted (the whole slab allocated, then freed).
 */
static void check_object_starts(struct kmem_cache *s, unsigned int size)
{
	void *objs[512];
	unsigned int n = 0, nobj;
	struct slab *slab;
	char *base;
	size_t mark;

	objs[n] = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(objs[n]);
	slab = slab_of(objs[n++]);
	nobj = slab->objects;
	ASSERT_TRUE(nobj <= 256);
	base = slab_address(slab);
	/* Fill the slab: the objects of other slabs are kept aside. */
	while (slab->inuse < nobj && n < 512) {
		objs[n] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(objs[n]);
		n++;
	}
	ASSERT_EQ(slab->inuse, nobj);
	mark = log_mark();
	for (unsigned int off = 1; off < size; off += (off < 16 ? 1 : 7))
		kfree(base + off);
	for (unsigned int i = 1; i <= 3; i++)
		kfree(base + (size_t)(nobj - 1) * size + i * 8);
	/* Multiples of size past the last object, still inside the slab. */
	for (size_t off = (size_t)nobj * size; off + 1 < (PAGE_SIZE << compound_order(slab_page(slab)));
	     off += size)
		kfree(base + off);
	EXPECT_UEQ(slab->inuse, nobj);	/* nothing freed */
	EXPECT_TRUE(log_count_since(mark, "Invalid object pointer") > 0);
	EXPECT_EQ(log_count_since(mark, "Invalid object pointer"),
		  log_count_since(mark, "BUG "));
	/* Every object start is one. */
	mark = log_mark();
	for (unsigned int i = 0; i < n; i++)
		kmem_cache_free(s, objs[i]);
	EXPECT_LOG_SILENT(mark);
	kmem_cache_shrink(s);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

TEST(inner_pointers_of_odd_sizes_are_refused)
{
	static const unsigned int sizes[] = { 24, 40, 96, 192, 200, 328, 1000, 3000 };

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char name[32];
		struct kmem_cache *s;

		snprintf(name, sizeof(name), "odd-%u", sizes[i]);
		s = kmem_cache_create(name, sizes[i], 8, SLAB_NO_MERGE, NULL);
		ASSERT_NOT_NULL(s);
		check_object_starts(s, s->size);
		kmem_cache_destroy(s);
	}
}

/* Two objects of one slab among p[0..n): *victim and *neighbour; false
 * if there are none. */
static bool two_of_one_slab(void **p, int n, void **victim, void **neighbour)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (slab_of(p[i]) == slab_of(p[j])) {
				*victim = p[i];
				*neighbour = p[j];
				return true;
			}
	return false;
}

/*
 * Freed, then MANY other objects of the cache freed, then freed again:
 * the second free is no longer the object on top of this thread's sheaf,
 * and free does not read the object, so it is found when the sheaves go
 * back to the slabs (here kmem_cache_shrink; in a program, when a sheaf
 * is flushed), where it is reported and not linked twice.  A neighbour
 * on the same slab stays allocated, so the slab itself is not given back
 * in between.  slub_debug=F finds it at the free (test_slub_debug).
 */
static void double_free_after_many(void)
{
	void **p = calloc(MANY, sizeof(void *));
	void *victim = NULL, *neighbour = NULL;
	struct kmem_cache *s;
	struct slab *slab;
	size_t mark;

	for (int i = 0; i < MANY; i++) {
		p[i] = kmalloc(opaque(OBJ_SIZE), GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
	}
	s = kmalloc_cache_of_size(OBJ_SIZE);
	ASSERT_NOT_NULL(s);
	ASSERT_TRUE(two_of_one_slab(p, 64, &victim, &neighbour));
	kfree(victim);
	for (int i = 0; i < MANY; i++)
		if (p[i] != victim && p[i] != neighbour)
			kfree(p[i]);
	mark = log_mark();
	kfree(victim);
	kmem_cache_shrink(s);
	EXPECT_LOGGED(mark, "Object already free");
	EXPECT_EQ(log_count_since(mark, "Object already free"), 1);
	slab = slab_of(neighbour);
	EXPECT_EQ(slab->inuse, 1);
	kfree(neighbour);
	free(p);
	expect_allocator_sound(OBJ_SIZE);
}

TEST(double_kfree_after_many_frees)
{
	run_isolated(double_free_after_many, "double kfree after many frees", 30);
}

/*
 * The same, made certain that the object is on its slab's freelist and in
 * no sheaf when it is freed again: kmem_cache_shrink() empties every
 * sheaf and barn first.  The second free goes into a sheaf, and is found
 * when that sheaf goes back.  Run in a child process: a library that
 * misses this double free corrupts the slab's freelist and may crash on
 * the next allocation.
 */
static void double_free_on_freelist(void)
{
	struct kmem_cache *s;
	void **p = calloc(MANY, sizeof(void *));
	void *victim = NULL, *neighbour = NULL;
	struct slab *slab;
	size_t mark;
	int n = 0;

	for (int i = 0; i < MANY; i++) {
		p[i] = kmalloc(opaque(OBJ_SIZE), GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
	}
	s = kmalloc_cache_of_size(OBJ_SIZE);	/* made by the first kmalloc */
	ASSERT_NOT_NULL(s);
	/* Two objects of one slab: the victim and the neighbour kept. */
	ASSERT_TRUE(two_of_one_slab(p, 64, &victim, &neighbour));
	for (int i = 0; i < MANY; i++)
		if (p[i] != neighbour)
			kfree(p[i]);
	kmem_cache_shrink(s);
	slab = slab_of(neighbour);
	EXPECT_PTR_EQ(slab_of(victim), slab);
	EXPECT_TRUE(PageSlab(slab_page(slab)));
	EXPECT_EQ(slab->inuse, 1);
	/* The victim is on the slab's freelist. */
	for (void *fp = slab->freelist; fp && n <= (int)slab->objects; fp = get_freepointer(s, fp))
		if (fp == victim)
			n++;
	EXPECT_EQ(n, 1);

	mark = log_mark();
	kfree(victim);
	kmem_cache_shrink(s);
	EXPECT_LOGGED(mark, "Object already free");
	/* Still exactly once on the freelist, and in use count unchanged. */
	EXPECT_EQ(slab->inuse, 1);
	kfree(neighbour);
	free(p);
	expect_allocator_sound(OBJ_SIZE);
}

TEST(double_kfree_of_an_object_on_a_slab_freelist)
{
	run_isolated(double_free_on_freelist, "double kfree of an object on a slab freelist", 30);
}

/* A page from alloc_pages is not a kmalloc object: reported, not freed. */
TEST(kfree_of_a_plain_page)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	unsigned long allocated;
	size_t mark;
	void *addr;

	ASSERT_NOT_NULL(page);
	addr = page_address(page);
	memset(addr, 0x24, PAGE_SIZE);
	allocated = drained_unallocated_pages();
	mark = log_mark();
	kfree(addr);
	EXPECT_LOGGED(mark, "kfree");
	EXPECT_LOGGED(mark, "not a kmalloc object");
	EXPECT_EQ(page_ref_count(page), 1);
	EXPECT_UEQ(drained_unallocated_pages(), allocated);
	EXPECT_UEQ(((unsigned char *)addr)[PAGE_SIZE - 1], 0x24);
	/* And an inner pointer of it. */
	mark = log_mark();
	kfree((char *)addr + 100);
	EXPECT_LOGGED(mark, "kfree");
	EXPECT_EQ(page_ref_count(page), 1);
	__free_pages(page, 0);
	EXPECT_UEQ(drained_unallocated_pages(), allocated + 1);
	expect_allocator_sound(OBJ_SIZE);
}

/* Large kmalloc: an inner pointer, then the block freed twice. */
TEST(bad_kfree_of_a_large_kmalloc)
{
	size_t size = 5 * PAGE_SIZE;
	unsigned int order = (unsigned int)get_order(size);
	char *p = kmalloc(opaque(size), GFP_KERNEL);
	unsigned long allocated;
	size_t mark;

	ASSERT_NOT_NULL(p);
	allocated = drained_unallocated_pages();
	mark = log_mark();
	kfree(p + PAGE_SIZE);
	EXPECT_LOGGED(mark, "kfree");
	mark = log_mark();
	kfree(p + 64);
	EXPECT_LOGGED(mark, "kfree");
	EXPECT_UEQ(drained_unallocated_pages(), allocated);
	EXPECT_EQ(page_ref_count(virt_to_page(p)), 1);
	mark = log_mark();
	kfree(p);
	EXPECT_LOG_SILENT(mark);
	EXPECT_UEQ(drained_unallocated_pages(), allocated + (1UL << order));
	mark = log_mark();
	kfree(p);
	EXPECT_LOGGED(mark, "kfree");
	EXPECT_UEQ(drained_unallocated_pages(), allocated + (1UL << order));
	EXPECT_EQ(ukmem_page_validate(), 0);
	expect_allocator_sound(size);
	expect_allocator_sound(OBJ_SIZE);
}

RUN_TESTS_SETUP(setup,
	T(kfree_of_foreign_pointers),
	T(kfree_of_an_inner_pointer),
	T(inner_pointers_of_odd_sizes_are_refused),
	T(double_kfree_right_away),
	T(double_kfree_after_many_frees),
	T(double_kfree_of_an_object_on_a_slab_freelist),
	T(kfree_of_a_plain_page),
	T(bad_kfree_of_a_large_kmalloc))
