/*
 * mt_api.c - the C allocator interface of libukmem-malloc.so, which this
 * program links (so malloc here is ukmem's): alignment, errno, realloc,
 * calloc, usable sizes, and bad pointers, which are reported and ignored.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
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
	EXPECT_UEQ(malloc_usable_size(p), 128);
	p = realloc(p, 128);			/* grows within the object */
	EXPECT_UEQ((uintptr_t)p, at);
	p = realloc(p, 70);			/* shrinks by less than half */
	EXPECT_UEQ((uintptr_t)p, at);
	q = realloc(p, 10);			/* much smaller: moves */
	ASSERT_NOT_NULL(q);
	EXPECT_UEQ(malloc_usable_size(q), 16);
	free(q);

	p = malloc(5000);
	at = (uintptr_t)p;
	ASSERT_NOT_NULL(p);
	EXPECT_UEQ(malloc_usable_size(p), 8192);
	p = realloc(p, 8192);
	EXPECT_UEQ((uintptr_t)p, at);
	p = realloc(p, 4097);
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
	p = malloc(9 << 20);		/* within a quarter: the latest kept area */
	EXPECT_UEQ((uintptr_t)p, at);
	free(p);
	p = malloc(7 << 20);		/* more than a quarter smaller: a new one */
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
	unsigned char *obj = malloc(64), *large = malloc(20000), *huge = malloc(5 << 20);
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
	memset(large, 2, 20000);
	free(obj);
	free(large);
	free(huge);
	obj = malloc(64);
	ASSERT_NOT_NULL(obj);
	free(obj);
}

TEST(double_free_is_reported)
{
	void *p = malloc(200), *large = malloc(50000), *huge = malloc(6 << 20);
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
	  T(usable_size_at_least_requested), T(calloc_zeroes_dirty_memory),
	  T(huge_alignment_beyond_kmalloc), T(many_huge_blocks),
	  T(freed_large_blocks_are_kept_then_released),
	  T(bad_frees_are_reported_and_ignored), T(double_free_is_reported))
