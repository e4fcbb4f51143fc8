/*
 * mt_api.c - the C allocator interface of libukmem-malloc.so, which this
 * program links (so malloc here is ukmem's): alignment, errno, realloc,
 * calloc, usable sizes, and bad pointers, which are reported and ignored.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ukmem/mm.h>
#include <ukmem/slab.h>
#include <ukmem/ukmem.h>
#include <ukmem/vmalloc.h>

#include "harness.h"

/* ---- the log, captured (the hook must not allocate) ------------------------ */

static char log_buf[16384];
static size_t log_len;

static void log_hook(const char *msg, size_t len)
{
	if (len > sizeof(log_buf) - 1 - log_len)
		len = sizeof(log_buf) - 1 - log_len;
	memcpy(log_buf + log_len, msg, len);
	log_len += len;
	log_buf[log_len] = '\0';
}

static void log_start(void)
{
	log_len = 0;
	log_buf[0] = '\0';
	ukmem_set_log_hook(log_hook);
}

static void log_stop(void)
{
	ukmem_set_log_hook(NULL);
}

/* Opaque to the compiler, so it cannot reason about our frees and
 * allocations (GCC knows what free of a stack address means). */
static void *volatile launder_slot;
__attribute__((noinline)) static void *launder(void *p)
{
	launder_slot = p;
	return launder_slot;
}

/* A size the compiler cannot see, so it does not warn about the
 * impossible ones these tests ask for on purpose. */
static volatile size_t size_slot;
static size_t opaque(size_t size)
{
	size_slot = size;
	return size_slot;
}

/* A pointer the program already freed, as a number. */
__attribute__((noinline)) static void *freed(uintptr_t addr)
{
	return launder((void *)addr);
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

static size_t check_fill(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 31 + seed))
			return i + 1;
	return 0;
}

/* ---- tests ------------------------------------------------------------------- */

TEST(malloc_is_ukmem)
{
	void *small = malloc(24), *large = malloc(100000), *huge = malloc(5 << 20);

	ASSERT_NOT_NULL(small);
	ASSERT_NOT_NULL(large);
	ASSERT_NOT_NULL(huge);
	EXPECT_TRUE(ukmem_initialized());
	EXPECT_TRUE(ukmem_virt_addr_valid(small));
	EXPECT_TRUE(ukmem_virt_addr_valid(large));
	EXPECT_TRUE(ukmem_is_vmalloc_addr(huge));
	free(small);
	free(large);
	free(huge);
}

static const size_t align_sizes[] = { 1, 7, 100, 4096, 5000 };

static void check_block(void *p, size_t align, size_t size, const char *fn)
{
	if (!p) {
		HARNESS_FAIL("%s(%zu, %zu) returned NULL", fn, align, size);
		return;
	}
	if ((uintptr_t)p & (align - 1))
		HARNESS_FAIL("%s(%zu, %zu) = %p: misaligned", fn, align, size, p);
	if (malloc_usable_size(p) < size)
		HARNESS_FAIL("%s(%zu, %zu): usable %zu", fn, align, size, malloc_usable_size(p));
	memset(p, 0x5a, size);
}

TEST(alignment_every_power_of_two)
{
	for (size_t align = 1; align <= (16UL << 20); align <<= 1) {
		for (size_t i = 0; i < sizeof(align_sizes) / sizeof(align_sizes[0]); i++) {
			size_t size = align_sizes[i];
			void *p = NULL, *q, *r;
			int ret = posix_memalign(&p, align, size);

			if (align < sizeof(void *)) {
				EXPECT_EQ(ret, EINVAL);
			} else {
				EXPECT_EQ(ret, 0);
				check_block(p, align, size, "posix_memalign");
				free(p);
			}
			q = aligned_alloc(align, size);
			check_block(q, align, size, "aligned_alloc");
			r = memalign(align, size);
			check_block(r, align, size, "memalign");
			free(q);
			free(r);
		}
	}
}

TEST(alignment_keeps_working_when_mixed)
{
	/* Many live blocks of mixed alignment: none may overlap another. */
	enum { N = 600 };
	static unsigned char *blocks[N];
	static size_t sizes[N];

	for (int i = 0; i < N; i++) {
		size_t align = 1UL << (i % 14);

		sizes[i] = (size_t)(i * 37 % 9000) + 1;
		blocks[i] = memalign(align, sizes[i]);
		ASSERT_NOT_NULL(blocks[i]);
		EXPECT_EQ((uintptr_t)blocks[i] & (align - 1), 0);
		fill(blocks[i], sizes[i], (unsigned)i);
	}
	for (int i = 0; i < N; i++) {
		EXPECT_EQ(check_fill(blocks[i], sizes[i], (unsigned)i), 0);
		free(blocks[i]);
	}
}

TEST(malloc_natural_alignment)
{
	for (size_t size = 1; size <= 20000; size += (size < 300 ? 1 : 97)) {
		void *p = malloc(size);
		size_t want = size >= 16 ? 16 : 8;

		ASSERT_NOT_NULL(p);
		if ((uintptr_t)p & (want - 1))
			HARNESS_FAIL("malloc(%zu) = %p, not %zu-aligned", size, p, want);
		free(p);
	}
}

TEST(valloc_and_pvalloc)
{
	void *v = valloc(10), *pv = pvalloc(5000), *pz = pvalloc(0);

	ASSERT_NOT_NULL(v);
	ASSERT_NOT_NULL(pv);
	ASSERT_NOT_NULL(pz);
	EXPECT_EQ((uintptr_t)v & 4095, 0);
	EXPECT_EQ((uintptr_t)pv & 4095, 0);
	EXPECT_GE(malloc_usable_size(pv), 8192);
	EXPECT_GE(malloc_usable_size(pz), 4096);
	memset(pv, 1, 8192);
	free(v);
	free(pv);
	free(pz);
}

TEST(malloc_zero)
{
	void *a = malloc(0), *b = malloc(0);

	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	EXPECT_PTR_NE(a, b);
	EXPECT_PTR_NE(a, ZERO_SIZE_PTR);
	EXPECT_GE(malloc_usable_size(a), 1);
	free(a);
	free(b);
	a = calloc(0, 5);
	ASSERT_NOT_NULL(a);
	free(a);
	a = aligned_alloc(64, 0);
	ASSERT_NOT_NULL(a);
	EXPECT_EQ((uintptr_t)a & 63, 0);
	free(a);
}

TEST(null_arguments)
{
	void *p;

	free(NULL);
	EXPECT_UEQ(malloc_usable_size(NULL), 0);
	p = realloc(NULL, 100);	/* = malloc(100) */
	ASSERT_NOT_NULL(p);
	EXPECT_GE(malloc_usable_size(p), 100);
	errno = 0;
	EXPECT_PTR_EQ(realloc(p, 0), NULL);	/* frees, as glibc */
	EXPECT_EQ(errno, 0);
}

TEST(errno_on_failure)
{
	void *p = malloc(64), *q;
	int ret;

	ASSERT_NOT_NULL(p);
	errno = 0;
	EXPECT_PTR_EQ(malloc(opaque(SIZE_MAX)), NULL);
	EXPECT_EQ(errno, ENOMEM);
	errno = 0;
	EXPECT_PTR_EQ(malloc(opaque(SIZE_MAX / 2)), NULL);
	EXPECT_EQ(errno, ENOMEM);
	errno = 0;
	EXPECT_PTR_EQ(malloc(opaque(1UL << 44)), NULL);	/* beyond the vmalloc range */
	EXPECT_EQ(errno, ENOMEM);
	errno = 0;
	EXPECT_PTR_EQ(calloc(opaque(SIZE_MAX / 2), 3), NULL);	/* overflow */
	EXPECT_EQ(errno, ENOMEM);
	errno = 0;
	EXPECT_PTR_EQ(calloc(opaque(1UL << 40), 1UL << 4), NULL);
	EXPECT_EQ(errno, ENOMEM);
	errno = 0;
	EXPECT_PTR_EQ(realloc(launder(p), opaque(SIZE_MAX - 10)), NULL);
	EXPECT_EQ(errno, ENOMEM);
	errno = 0;
	EXPECT_PTR_EQ(reallocarray(launder(p), opaque(SIZE_MAX / 2), 3), NULL);
	EXPECT_EQ(errno, ENOMEM);
	errno = 0;
	EXPECT_PTR_EQ(pvalloc(opaque(SIZE_MAX - 100)), NULL);
	EXPECT_EQ(errno, ENOMEM);
	errno = 0;
	EXPECT_PTR_EQ(aligned_alloc(3, 10), NULL);
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT_PTR_EQ(aligned_alloc(0, 10), NULL);
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT_PTR_EQ(memalign(48, 10), NULL);
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT_PTR_EQ(aligned_alloc(opaque(1UL << 62), 10), NULL);
	EXPECT_EQ(errno, ENOMEM);

	/* posix_memalign returns the code and leaves errno alone. */
	errno = 1234;
	q = (void *)1;
	EXPECT_EQ(posix_memalign(&q, 3, 10), EINVAL);
	EXPECT_EQ(posix_memalign(&q, 4, 10), EINVAL);
	EXPECT_EQ(posix_memalign(&q, 24, 10), EINVAL);
	EXPECT_EQ(posix_memalign(&q, 0, 10), EINVAL);
	ret = posix_memalign(&q, 64, opaque(SIZE_MAX - 4096));
	EXPECT_EQ(ret, ENOMEM);
	EXPECT_PTR_EQ(q, (void *)1);
	EXPECT_EQ(errno, 1234);

	/* p survived every failed realloc. */
	memset(p, 7, 64);
	free(p);
}

TEST(errno_untouched_on_success)
{
	static const size_t sizes[] = { 1, 100, 8192, 9000, 1 << 20, 4 << 20, 6 << 20 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p, *q;

		errno = 4321;
		p = malloc(sizes[i]);
		q = calloc(1, sizes[i]);
		ASSERT_NOT_NULL(p);
		ASSERT_NOT_NULL(q);
		p = realloc(p, sizes[i] * 2);
		ASSERT_NOT_NULL(p);
		free(p);
		free(q);
		EXPECT_EQ(errno, 4321);
	}
}

TEST(realloc_growth_keeps_contents)
{
	unsigned char *p = NULL;
	size_t size = 0;

	/* 1 byte to 12 MiB: slab caches, page blocks, vmalloc areas. */
	while (size < (12UL << 20)) {
		size_t next = size + size / 3 + 1;
		unsigned char *q = realloc(p, next);

		ASSERT_NOT_NULL(q);
		if (size)
			EXPECT_EQ(check_fill(q, size, 3), 0);
		fill(q, next, 3);
		p = q;
		size = next;
	}
	/* And back down: the prefix survives. */
	while (size > 1) {
		size_t next = size / 3 + 1;
		unsigned char *q = realloc(p, next);

		ASSERT_NOT_NULL(q);
		EXPECT_EQ(check_fill(q, next, 3), 0);
		p = q;
		size = next;
	}
	free(p);
}

TEST(realloc_in_place)
{
	void *p = malloc(100), *q;
	uintptr_t at = (uintptr_t)p;

	ASSERT_NOT_NULL(p);
	EXPECT_UEQ(malloc_usable_size(p), 112);
	p = realloc(p, 112);			/* grows within the object */
	EXPECT_UEQ((uintptr_t)p, at);
	p = realloc(p, 70);			/* shrinks by less than half */
	EXPECT_UEQ((uintptr_t)p, at);
	q = realloc(p, 10);			/* much smaller: moves */
	ASSERT_NOT_NULL(q);
	EXPECT_UEQ(malloc_usable_size(q), 16);
	free(q);

	p = malloc(5000);			/* class 5376, six to a 32 KiB slab */
	at = (uintptr_t)p;
	ASSERT_NOT_NULL(p);
	EXPECT_UEQ(malloc_usable_size(p), 5376);
	p = realloc(p, 5376);
	EXPECT_UEQ((uintptr_t)p, at);
	p = realloc(p, 2689);
	EXPECT_UEQ((uintptr_t)p, at);
	free(p);

	p = malloc(6 << 20);			/* vmalloc: page granular */
	at = (uintptr_t)p;
	ASSERT_NOT_NULL(p);
	EXPECT_UEQ(malloc_usable_size(p), 6 << 20);
	p = realloc(p, (6 << 20) - 100);
	EXPECT_UEQ((uintptr_t)p, at);
	p = realloc(p, 4 << 20);
	EXPECT_UEQ((uintptr_t)p, at);
	q = realloc(p, 1 << 20);		/* to a page block */
	ASSERT_NOT_NULL(q);
	EXPECT_TRUE(ukmem_virt_addr_valid(q));
	free(q);
}

TEST(usable_size_at_least_requested)
{
	for (size_t size = 1; size < (9UL << 20); size = size * 5 / 4 + 1) {
		unsigned char *p = malloc(size);

		ASSERT_NOT_NULL(p);
		EXPECT_GE(malloc_usable_size(p), size);
		/* The whole usable size is the program's. */
		memset(p, 0xee, malloc_usable_size(p));
		free(p);
	}
}

/* ---- size classes (src/malloc/sizeclass.c) -------------------------------- */

/* malloc's classes as sizeclass.c states them: n bytes, 1 <= n <= 64 KiB,
 * get the first class that holds n; larger requests a page block. */
static const size_t classes[] = {
	8, 16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512,
	640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2688, 3200, 3584, 4096,
	4608, 5376, 6528, 8192, 10880, 16384, 32768, 65536,
};
#define NR_CLASSES (sizeof(classes) / sizeof(classes[0]))

static size_t lowbit(size_t x)
{
	return x & -x;
}

/* The page block for n bytes: the next power of two, at least a page. */
static size_t page_block(size_t n)
{
	size_t b = 4096;

	while (b < n)
		b <<= 1;
	return b;
}

/* What memalign(align, n) should take: the first class of at least
 * max(n, align) bytes whose objects are aligned to align, else a page
 * block. */
static size_t class_for(size_t n, size_t align)
{
	size_t need = n > align ? n : align;

	for (size_t i = 0; i < NR_CLASSES; i++)
		if (classes[i] >= need && lowbit(classes[i]) >= align)
			return classes[i];
	return page_block(need);
}

static bool is_slab_object(const void *p)
{
	return PageSlab(compound_head(virt_to_page(p)));
}

TEST(size_classes_every_size)
{
	for (size_t n = 1; n <= 65536 + 4096; n++) {
		unsigned char *p = malloc(n);
		size_t want = class_for(n, 1), usable;

		ASSERT_NOT_NULL(p);
		usable = malloc_usable_size(p);
		if (usable != want)
			HARNESS_FAIL("malloc(%zu): usable %zu, class %zu", n, usable, want);
		/* An object of class c is aligned to c's lowest set bit. */
		if ((uintptr_t)p & ((lowbit(want) < 4096 ? lowbit(want) : 4096) - 1))
			HARNESS_FAIL("malloc(%zu) = %p: not aligned as class %zu", n, (void *)p,
				     want);
		if (is_slab_object(p) != (n <= 65536))
			HARNESS_FAIL("malloc(%zu) = %p: %s", n, (void *)p,
				     n <= 65536 ? "not a slab object" : "a slab object");
		p[0] = 1;
		p[usable - 1] = 2;
		free(p);
	}
}

/* A /sys/kernel/slab/<cache>/<attr> number, or -1. */
static long slab_attr(const char *cache, const char *attr)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", cache, attr);
	if (ukmem_ctl_read(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

TEST(size_class_caches_fill_their_slabs)
{
	/* The front's own caches (kmalloc has the powers of two up to
	 * 8 KiB): no metadata, and below 16 KiB at most 1/16 of a slab
	 * left over, the bound sizeclass.c picked the sizes for. */
	for (size_t i = 0; i < NR_CLASSES; i++) {
		size_t size = classes[i];
		char name[32];
		long slab_size, objs, order, waste;

		if (size <= 8192 && lowbit(size) == size)
			continue;
		snprintf(name, sizeof(name), "malloc-%zu", size);
		free(malloc(size));	/* the cache exists from the start anyway */
		slab_size = slab_attr(name, "slab_size");
		objs = slab_attr(name, "objs_per_slab");
		order = slab_attr(name, "order");
		if (slab_size < 0 || objs <= 0 || order < 0) {
			HARNESS_FAIL("%s: no such cache (%ld, %ld, %ld)", name, slab_size, objs,
				     order);
			continue;
		}
		EXPECT_EQ(slab_size, (long)size);
		EXPECT_EQ(slab_attr(name, "object_size"), (long)size);
		EXPECT_EQ(slab_attr(name, "align"), (long)(lowbit(size) < 4096 ? lowbit(size) : 4096));
		waste = (4096L << order) - objs * slab_size;
		if (size <= 16384 && waste > (4096L << order) / 16)
			HARNESS_FAIL("%s: %ld objects in an order-%ld slab leave %ld bytes", name,
				     objs, order, waste);
		if (size > 16384)
			EXPECT_EQ(objs, 1);
	}
}

TEST(memalign_every_class)
{
	for (size_t i = 0; i < NR_CLASSES; i++) {
		for (size_t align = 8; align <= (128UL << 10); align <<= 1) {
			size_t size = classes[i], want = class_for(size, align), usable;
			unsigned char *p = memalign(align, size);

			ASSERT_NOT_NULL(p);
			usable = malloc_usable_size(p);
			if ((uintptr_t)p & (align - 1))
				HARNESS_FAIL("memalign(%zu, %zu) = %p: misaligned", align, size,
					     (void *)p);
			if (usable != want)
				HARNESS_FAIL("memalign(%zu, %zu): usable %zu, expected %zu", align,
					     size, usable, want);
			memset(p, 0x77, usable);
			free(p);
		}
	}
}

TEST(realloc_across_classes)
{
	unsigned char *p = malloc(1), *q;
	size_t size = 1;

	ASSERT_NOT_NULL(p);
	fill(p, 1, 9);
	/* Up: fill each class (in place), then one byte more (the next
	 * class, a move); the contents follow every step. */
	for (size_t i = 0; i < NR_CLASSES; i++) {
		size_t c = classes[i], next = i + 1 < NR_CLASSES ? classes[i + 1] : page_block(c + 1);

		q = realloc(p, c);
		ASSERT_NOT_NULL(q);
		EXPECT_PTR_EQ(q, p);
		EXPECT_UEQ(malloc_usable_size(q), c);
		EXPECT_EQ(check_fill(q, size, 9), 0);
		fill(q, c, 9);
		p = realloc(q, c + 1);
		ASSERT_NOT_NULL(p);
		EXPECT_PTR_NE(p, q);
		EXPECT_UEQ(malloc_usable_size(p), next);
		EXPECT_EQ(check_fill(p, c, 9), 0);
		fill(p, c + 1, 9);
		size = c + 1;
	}
	/* Down to each class: kept while the new size is more than half the
	 * block, else moved to the class. */
	for (size_t i = NR_CLASSES; i-- > 0;) {
		size_t c = classes[i], had = malloc_usable_size(p);

		q = realloc(p, c);
		ASSERT_NOT_NULL(q);
		if (c > had / 2 || had <= 16) {
			EXPECT_PTR_EQ(q, p);
			EXPECT_UEQ(malloc_usable_size(q), had);
		} else {
			EXPECT_UEQ(malloc_usable_size(q), c);
		}
		EXPECT_EQ(check_fill(q, c, 9), 0);
		p = q;
	}
	free(p);
}

TEST(calloc_zeroes_dirty_memory)
{
	static const size_t sizes[] = { 1, 8, 24, 100, 500, 4000, 8192, 9000, 70000,
					1 << 20, 5 << 20 };
	enum { ROUNDS = 8 };
	unsigned char *p[ROUNDS];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t size = sizes[i];

		/* Dirty blocks of this size, free them, then calloc the
		 * same size: the same memory comes back. */
		for (int r = 0; r < ROUNDS; r++) {
			p[r] = malloc(size);
			ASSERT_NOT_NULL(p[r]);
			memset(p[r], 0xa5, malloc_usable_size(p[r]));
		}
		for (int r = 0; r < ROUNDS; r++)
			free(p[r]);
		for (int r = 0; r < ROUNDS; r++) {
			size_t nonzero = 0;

			p[r] = calloc(1, size);
			ASSERT_NOT_NULL(p[r]);
			for (size_t b = 0; b < size; b++)
				nonzero += p[r][b] != 0;
			if (nonzero)
				HARNESS_FAIL("calloc(1, %zu): %zu bytes not zero", size, nonzero);
		}
		for (int r = 0; r < ROUNDS; r++)
			free(p[r]);
	}
}

TEST(huge_alignment_beyond_kmalloc)
{
	/* Alignments above 4 MiB come from vmalloc with the area aligned
	 * inside; free and malloc_usable_size take the aligned pointer. */
	for (size_t align = 8UL << 20; align <= (64UL << 20); align <<= 1) {
		void *p = aligned_alloc(align, 100);

		ASSERT_NOT_NULL(p);
		EXPECT_EQ((uintptr_t)p & (align - 1), 0);
		EXPECT_TRUE(ukmem_is_vmalloc_addr(p));
		EXPECT_GE(malloc_usable_size(p), 100);
		memset(p, 1, 100);
		p = realloc(p, 200);		/* keeps it: fits */
		ASSERT_NOT_NULL(p);
		free(p);
	}
}

TEST(many_huge_blocks)
{
	enum { N = 40 };
	static unsigned char *blocks[N];

	for (int i = 0; i < N; i++) {
		size_t size = (4UL << 20) + 1 + (size_t)i * 12345;

		blocks[i] = malloc(size);
		ASSERT_NOT_NULL(blocks[i]);
		blocks[i][0] = (unsigned char)i;
		blocks[i][size - 1] = (unsigned char)i;
	}
	for (int i = 0; i < N; i += 2)
		free(blocks[i]);
	for (int i = 1; i < N; i += 2) {
		EXPECT_EQ(blocks[i][0], i);
		free(blocks[i]);
	}
}

/* ukmem's MemFree (/proc/meminfo in the kernel's format), in KiB. */
static long ukmem_free_kb(void)
{
	char buf[8192];
	const char *line;

	if (ukmem_ctl_read("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	line = strstr(buf, "MemFree:");
	return line ? strtol(line + 8, NULL, 10) : -1;
}

TEST(freed_large_blocks_are_kept_then_released)
{
	enum { N = 24 };
	static unsigned char *blocks[N];
	uintptr_t at;
	void *p;
	long free0, free1, free2;

	/* A freed big block serves the next request of its shape. */
	p = malloc(2 << 20);
	ASSERT_NOT_NULL(p);
	at = (uintptr_t)p;
	free(p);
	p = malloc((2 << 20) - 100);
	EXPECT_UEQ((uintptr_t)p, at);
	free(p);
	p = malloc(10 << 20);
	ASSERT_NOT_NULL(p);
	at = (uintptr_t)p;
	free(p);
	p = calloc(1, 10 << 20);	/* calloc takes a fresh area */
	ASSERT_NOT_NULL(p);
	EXPECT_TRUE((uintptr_t)p != at);
	at = (uintptr_t)p;
	free(p);
	p = malloc(7 << 20);		/* within half again: the latest kept area */
	EXPECT_UEQ((uintptr_t)p, at);
	free(p);
	p = malloc(6 << 20);		/* the area is more than half again: a new one */
	EXPECT_TRUE((uintptr_t)p != at);
	free(p);

	/* Kept blocks go back to the page allocator after a second, at
	 * the next large call. */
	usleep(1100 * 1000);
	free(malloc(100000));
	free0 = ukmem_free_kb();
	for (int i = 0; i < N; i++) {
		blocks[i] = malloc(1 << 20);
		ASSERT_NOT_NULL(blocks[i]);
		memset(blocks[i], i, 1 << 20);
	}
	for (int i = 0; i < N; i++)
		free(blocks[i]);
	free1 = ukmem_free_kb();
	usleep(1100 * 1000);
	free(malloc(100000));
	free2 = ukmem_free_kb();
	printf("  MemFree %ld kB, %ld kB with 1 MiB blocks kept, %ld kB a second later\n", free0,
	       free1, free2);
	EXPECT_LT(free1, free0 - 8 * 1024);	/* up to 16 blocks kept */
	EXPECT_GE(free1, free0 - 17 * 1024);
	EXPECT_GE(free2, free0 - 512);		/* all back (one 128 KiB block kept) */

	/* Once released, a second free of the block is the page
	 * allocator's to report. */
	log_start();
	free(freed((uintptr_t)blocks[0]));
	EXPECT_CONTAINS(log_buf, "BUG: kfree");
	log_stop();
}

TEST(bad_frees_are_reported_and_ignored)
{
	int on_stack = 0;
	static int in_data;
	unsigned char *obj = malloc(64), *large = malloc(100000), *huge = malloc(5 << 20);
	const struct ukmem_mem_region *r = &ukmem_mem_regions[0];
	void *arena_end = (void *)(r->start + r->size - 4096);

	ASSERT_NOT_NULL(obj);
	ASSERT_NOT_NULL(large);
	ASSERT_NOT_NULL(huge);

	log_start();
	free(launder(&on_stack));
	EXPECT_CONTAINS(log_buf, "not a pointer ukmem returned");
	log_start();
	free(launder(&in_data));
	EXPECT_CONTAINS(log_buf, "BUG: free(0x");
	log_start();
	free(launder((void *)(uintptr_t)-4096));
	EXPECT_CONTAINS(log_buf, "not a pointer ukmem returned");
	log_start();
	free(launder(obj + 8));			/* the middle of an object */
	EXPECT_CONTAINS(log_buf, "Invalid object pointer");
	log_start();
	free(launder(large + 4096));		/* the middle of a page block */
	EXPECT_CONTAINS(log_buf, "not a kmalloc object");
	log_start();
	free(launder(huge + 4096));		/* the middle of a huge block */
	EXPECT_CONTAINS(log_buf, "not the start of a huge allocation");
	log_start();
	free(launder(arena_end));		/* a page nobody allocated */
	EXPECT_CONTAINS(log_buf, "BUG: kfree");
	log_start();
	errno = 0;
	EXPECT_PTR_EQ(realloc(launder(&on_stack), 100), NULL);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_CONTAINS(log_buf, "BUG: realloc(0x");
	log_start();
	EXPECT_UEQ(malloc_usable_size(launder(obj + 8)), 0);
	EXPECT_CONTAINS(log_buf, "BUG: malloc_usable_size(0x");
	log_stop();

	/* Everything still works, and the real blocks are intact. */
	memset(obj, 1, 64);
	memset(large, 2, 100000);
	free(obj);
	free(large);
	free(huge);
	obj = malloc(64);
	ASSERT_NOT_NULL(obj);
	free(obj);
}

TEST(double_free_is_reported)
{
	void *p = malloc(200), *large = malloc(100000), *huge = malloc(6 << 20);
	uintptr_t pa = (uintptr_t)p, la = (uintptr_t)large, ha = (uintptr_t)huge;

	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(large);
	ASSERT_NOT_NULL(huge);
	free(p);
	free(large);
	free(huge);
	log_start();
	free(freed(pa));
	EXPECT_CONTAINS(log_buf, "Object already free");
	log_start();
	free(freed(la));	/* kept by the front (decay.c) */
	EXPECT_CONTAINS(log_buf, "block already free");
	log_start();
	free(freed(ha));
	EXPECT_CONTAINS(log_buf, "block already free");
	log_stop();
}

RUN_TESTS(T(malloc_is_ukmem), T(alignment_every_power_of_two),
	  T(alignment_keeps_working_when_mixed), T(malloc_natural_alignment),
	  T(valloc_and_pvalloc), T(malloc_zero), T(null_arguments), T(errno_on_failure),
	  T(errno_untouched_on_success), T(realloc_growth_keeps_contents), T(realloc_in_place),
	  T(usable_size_at_least_requested), T(size_classes_every_size),
	  T(size_class_caches_fill_their_slabs), T(memalign_every_class),
	  T(realloc_across_classes), T(calloc_zeroes_dirty_memory),
	  T(huge_alignment_beyond_kmalloc), T(many_huge_blocks),
	  T(freed_large_blocks_are_kept_then_released),
	  T(bad_frees_are_reported_and_ignored), T(double_free_is_reported))
