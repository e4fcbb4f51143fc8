/*
 * test_init_on.c - init_on_alloc=1 and init_on_free=1, as the kernel's
 * test_meminit checks them: a freed object or page reads zero (but the
 * free-pointer word, which the freelist needs), a new one reads zero
 * whatever was there, and the exceptions hold: a constructed object keeps
 * what its constructor wrote, an RCU-typesafe object is not wiped on free
 * (a reader may still look at it).
 */
#include <string.h>

#include <ukmem/ukmem.h>
#include <ukmem/slab.h>
#include <ukmem/mm.h>

#include "harness.h"
#include "log.h"

/* Freed memory is read on purpose: not as ASan's program would. */
__attribute__((no_sanitize_address, noinline))
static size_t nonzero_bytes(const void *p, size_t n, size_t skip_from, size_t skip_len)
{
	const volatile unsigned char *b = p;
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		if (b[i] && (i < skip_from || i >= skip_from + skip_len))
			count++;
	return count;
}

static void *opaque(void *p)
{
	void *volatile v = p;

	return v;
}

TEST(objects_are_zeroed_on_free_and_on_alloc)
{
	struct kmem_cache *s = kmem_cache_create("meminit-200", 200, 0, SLAB_NO_MERGE, NULL);
	unsigned char *p = kmem_cache_alloc(s, GFP_KERNEL), *q;
	unsigned int off = ((unsigned int)200 / 2) & ~7u;	/* mid-object word */

	ASSERT_NOT_NULL(p);
	EXPECT_EQ(nonzero_bytes(p, 200, 0, 0), 0);	/* init_on_alloc */
	memset(p, 0xaa, 200);
	kmem_cache_free(s, p);
	EXPECT_EQ(nonzero_bytes(opaque(p), 200, off, 8), 0);	/* init_on_free */
	q = kmem_cache_alloc(s, GFP_KERNEL);
	EXPECT_EQ(nonzero_bytes(q, 200, 0, 0), 0);
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
}

TEST(kmalloc_objects_too)
{
	for (size_t size = 8; size <= 8192; size *= 2) {
		unsigned char *p = kmalloc(size, GFP_KERNEL);

		ASSERT_NOT_NULL(p);
		EXPECT_EQ(nonzero_bytes(p, size, 0, 0), 0);
		memset(p, 0x5c, size);
		kfree(p);
	}
}

TEST(pages_are_zeroed_on_free_and_on_alloc)
{
	for (unsigned int order = 0; order <= 9; order++) {
		struct page *page = alloc_pages(GFP_KERNEL, order);
		unsigned char *p;

		ASSERT_NOT_NULL(page);
		p = page_address(page);
		EXPECT_EQ(nonzero_bytes(p, PAGE_SIZE << order, 0, 0), 0);
		memset(p, 0x9e, PAGE_SIZE << order);
		__free_pages(page, order);
		EXPECT_EQ(nonzero_bytes(opaque(p), PAGE_SIZE << order, 0, 0), 0);
	}
}

static void ctor_41(void *obj)
{
	memset(obj, 0x41, 4);
}

TEST(constructed_and_rcu_objects_keep_their_bytes)
{
	struct kmem_cache *c = kmem_cache_create("meminit-ctor", 64, 0, 0, ctor_41);
	struct kmem_cache *r = kmem_cache_create("meminit-rcu", 64, 0, SLAB_TYPESAFE_BY_RCU, NULL);
	unsigned char *p = kmem_cache_alloc(c, GFP_KERNEL), *q;

	ASSERT_NOT_NULL(p);
	EXPECT_EQ(p[0], 0x41);		/* not wiped on allocation */
	kmem_cache_free(c, p);
	q = kmem_cache_alloc(c, GFP_KERNEL);
	EXPECT_EQ(q[3], 0x41);
	kmem_cache_free(c, q);

	p = kmem_cache_alloc(r, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	memset(p, 0x77, 64);
	kmem_cache_free(r, p);
	EXPECT_EQ(((volatile unsigned char *)opaque(p))[0], 0x77);	/* not wiped on free */
	kmem_cache_destroy(c);
	kmem_cache_destroy(r);
}

static void setup(void)
{
	size_t mark;

	ukmem_set_log_hook(log_capture);
	mark = log_mark();
	if (ukmem_init("mem=128M init_on_alloc=1 init_on_free=1") != 0)
		exit(2);
	kfree(kmalloc(8, GFP_KERNEL));
	if (log_count_since(mark, "mem auto-init: stack:off, heap alloc:on, heap free:on") != 1)
		HARNESS_FAIL("%s", "no mem auto-init line");
}

RUN_TESTS_SETUP(setup,
	T(objects_are_zeroed_on_free_and_on_alloc),
	T(kmalloc_objects_too),
	T(pages_are_zeroed_on_free_and_on_alloc),
	T(constructed_and_rcu_objects_keep_their_bytes))
