/*
 * test_vmalloc.c - vmalloc and kvmalloc on the hosted platform, with a
 * 64 MiB arena: areas beyond the page allocator, zeroing, the vmalloc
 * range (is_vmalloc_addr, guard pages, reuse), memory going back to the
 * OS at vfree, kvmalloc's choice between kmalloc and vmalloc by size and
 * GFP flags (Linux 6.6 rules), the kv* helpers, bad vfrees (reported and
 * harmless), and vfree from signal handlers and from several threads.
 *
 * Every test ends with ukmem_vmalloc_validate() == 0 and with the vmalloc
 * counter back where it started.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <ukmem/vmalloc.h>

#include "slab_helpers.h"
#include "slab/vmalloc_internal.h"

static void setup(void)
{
	log_setup();
	if (ukmem_init("mem=256M") != 0) {
		fprintf(stderr, "ukmem_init(\"mem=256M\") failed\n");
		exit(2);
	}
}

/* Runtime sizes: the compiler must not see the constant. */
static size_t opaque(size_t x)
{
	volatile size_t v = x;

	return v;
}

static bool all_zero(const unsigned char *p, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (p[i])
			return false;
	return true;
}

#define EXPECT_VM_CLEAN(used_before) do { \
	EXPECT_EQ(ukmem_vmalloc_validate(), 0); \
	EXPECT_UEQ(ukmem_vmalloc_used_pages(), (used_before)); \
} while (0)

TEST(one_page)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	size_t mark = log_mark();
	unsigned char *p = vmalloc(opaque(1));

	ASSERT_NOT_NULL(p);
	EXPECT_EQ((uintptr_t)p % PAGE_SIZE, 0);
	EXPECT_TRUE(is_vmalloc_addr(p));
	EXPECT_FALSE(virt_addr_valid(p));
	EXPECT_UEQ(ukmem_vmalloc_used_pages(), used + 1);
	memset(p, 0x5a, PAGE_SIZE);	/* the whole rounded-up page is usable */
	EXPECT_EQ(ukmem_vmalloc_validate(), 0);
	vfree(p);
	EXPECT_LOG_SILENT(mark);
	EXPECT_VM_CLEAN(used);
}

/* 100 MiB: every page of it is paid for with a page of the arena, as in
 * the kernel, where vmalloc maps pages of the page allocator. */
TEST(a_large_area_is_paid_from_the_arena)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	unsigned long free_before = drained_unallocated_pages();
	size_t size = 100 * MiB;
	unsigned char *p = vmalloc(opaque(size));
	size_t bad = 0;

	ASSERT_NOT_NULL(p);
	EXPECT_TRUE(is_vmalloc_addr(p) && is_vmalloc_addr(p + size - 1));
	EXPECT_UEQ(ukmem_vmalloc_used_pages(), used + size / PAGE_SIZE);
	for (size_t off = 0; off < size; off += PAGE_SIZE)
		p[off] = (unsigned char)(off / PAGE_SIZE);
	p[size - 1] = 0xee;
	for (size_t off = 0; off < size; off += PAGE_SIZE)
		bad += p[off] != (unsigned char)(off / PAGE_SIZE);
	EXPECT_UEQ(bad, 0);
	EXPECT_EQ(p[size - 1], 0xee);
	/* Its pages are the arena's, taken while it lives. */
	EXPECT_LE(drained_unallocated_pages() + size / PAGE_SIZE, free_before);
	vfree(p);
	EXPECT_UEQ(drained_unallocated_pages(), free_before);
	EXPECT_VM_CLEAN(used);
}

/* vzalloc reads as zero, also over an area that was written and freed. */
TEST(vzalloc_reads_zero)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	size_t size = 3 * PAGE_SIZE + 100;
	unsigned char *guard_before = vmalloc(PAGE_SIZE);
	unsigned char *p = vmalloc(opaque(size)), *q;
	unsigned char *guard_after = vmalloc(PAGE_SIZE);

	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(guard_before);
	ASSERT_NOT_NULL(guard_after);
	memset(p, 0xff, PAGE_ALIGN(size));
	vfree(p);
	q = vzalloc(opaque(size));
	ASSERT_NOT_NULL(q);
	EXPECT_PTR_EQ(q, p);	/* the exact fit between two live areas */
	EXPECT_TRUE(all_zero(q, PAGE_ALIGN(size)));
	vfree(q);
	q = vzalloc_node(opaque(size), 0);
	ASSERT_NOT_NULL(q);
	EXPECT_TRUE(all_zero(q, PAGE_ALIGN(size)));
	vfree(q);
	q = __vmalloc(opaque(size), GFP_KERNEL | __GFP_ZERO);
	ASSERT_NOT_NULL(q);
	EXPECT_TRUE(all_zero(q, PAGE_ALIGN(size)));
	vfree(q);
	q = vcalloc(opaque(1000), 1000);
	ASSERT_NOT_NULL(q);
	EXPECT_TRUE(all_zero(q, 1000 * 1000));
	vfree(q);
	vfree(guard_before);
	vfree(guard_after);
	EXPECT_VM_CLEAN(used);
}

TEST(is_vmalloc_addr_only_for_the_range)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	size_t size = 5 * PAGE_SIZE;
	unsigned char *p = vmalloc(size);
	void *k = kmalloc(100, GFP_KERNEL);
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	int on_stack = 0;

	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(k);
	ASSERT_NOT_NULL(page);
	EXPECT_TRUE(is_vmalloc_addr(p));
	EXPECT_TRUE(is_vmalloc_addr(p + size - 1));
	EXPECT_FALSE(is_vmalloc_addr(k));
	EXPECT_FALSE(is_vmalloc_addr(page_address(page)));
	EXPECT_FALSE(is_vmalloc_addr(&on_stack));
	EXPECT_FALSE(is_vmalloc_addr(NULL));
	EXPECT_FALSE(is_vmalloc_addr(ZERO_SIZE_PTR));
	EXPECT_FALSE(virt_addr_valid(p));
	EXPECT_TRUE(virt_addr_valid(k));
	kfree(k);
	__free_pages(page, 0);
	vfree(p);
	EXPECT_VM_CLEAN(used);
}

/* Consecutive areas are separated by at least one guard page. */
TEST(guard_page_between_areas)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	size_t sizes[] = { 1, PAGE_SIZE, 5 * PAGE_SIZE, 5 * PAGE_SIZE + 1, 1 * MiB };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t size = sizes[i], span = PAGE_ALIGN(size) + PAGE_SIZE;
		unsigned char *a = vmalloc(opaque(size));
		unsigned char *b = vmalloc(opaque(size));
		uintptr_t lo, hi;

		ASSERT_NOT_NULL(a);
		ASSERT_NOT_NULL(b);
		lo = (uintptr_t)(a < b ? a : b);
		hi = (uintptr_t)(a < b ? b : a);
		EXPECT_GE(hi - lo, span);
		/* Each area is whole: writing all of both leaves the other intact. */
		memset(a, 0xaa, PAGE_ALIGN(size));
		memset(b, 0xbb, PAGE_ALIGN(size));
		EXPECT_EQ(a[PAGE_ALIGN(size) - 1], 0xaa);
		EXPECT_EQ(b[0], 0xbb);
		vfree(a);
		vfree(b);
	}
	EXPECT_VM_CLEAN(used);
}

/* Two areas larger than half the arena do not both fit (each page of an
 * area is a page of the arena); after vfree the same area is handed out
 * again.  An area larger than the whole range fails even with
 * __GFP_NOFAIL. */
TEST(reuse_after_vfree)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	size_t total = ukmem_vmalloc_total_bytes(), big = 150 * MiB;
	size_t mark;
	void *a, *b, *c;

	ASSERT_TRUE(total >= 64 * MiB);
	a = vmalloc(opaque(big));
	ASSERT_NOT_NULL(a);
	mark = log_mark();
	b = vmalloc(opaque(big));
	EXPECT_PTR_EQ(b, NULL);
	EXPECT_LOGGED(mark, "vmalloc error: size 157286400, failed to allocate pages");
	EXPECT_PTR_EQ(__vmalloc(opaque(total), GFP_KERNEL | __GFP_NOWARN), NULL);
	vfree(a);
	c = __vmalloc(opaque(big), GFP_KERNEL | __GFP_NOWARN);
	EXPECT_PTR_EQ(c, a);
	vfree(c);
	/* Larger than the range can ever hold: NULL even with __GFP_NOFAIL. */
	EXPECT_PTR_EQ(__vmalloc(opaque(total), GFP_KERNEL | __GFP_NOWARN | __GFP_NOFAIL),
		      NULL);
	EXPECT_VM_CLEAN(used);
}

TEST(resident_memory_falls_after_vfree)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	size_t size = 64 * MiB, before, after;
	unsigned char *p = vmalloc(opaque(size));

	ASSERT_NOT_NULL(p);
	memset(p, 0xa5, size);
	before = ukmem_plat_resident_bytes();
	vfree(p);
	after = ukmem_plat_resident_bytes();
	EXPECT_GT(before, 0);
	EXPECT_GE((long long)before - (long long)after, (long long)(60 * MiB));
	EXPECT_VM_CLEAN(used);
}

TEST(vmalloc_zero_and_vfree_null)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	size_t mark = log_mark();

	vfree(NULL);
	vfree_atomic(NULL);
	EXPECT_LOG_SILENT(mark);
	EXPECT_PTR_EQ(vmalloc(opaque(0)), NULL);	/* 6.6: WARN_ON_ONCE(!size) */
	EXPECT_LOGGED(mark, "WARNING: CPU:");
	mark = log_mark();
	EXPECT_PTR_EQ(vzalloc(opaque(0)), NULL);	/* once */
	EXPECT_LOG_SILENT(mark);
	EXPECT_PTR_EQ(vmalloc_array(SIZE_MAX / 2, 4), NULL);
	EXPECT_PTR_EQ(vcalloc(SIZE_MAX / 2, 4), NULL);
	EXPECT_VM_CLEAN(used);
}

/* Bad vfrees are reported in the kernel's words and change nothing. */
TEST(bad_vfree_reported_and_harmless)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	const char *msg = "Trying to vfree() nonexistent vm area";
	unsigned char *p = vmalloc(4 * PAGE_SIZE), *q;
	void *k = kmalloc(64, GFP_KERNEL);
	int on_stack;
	size_t mark;

	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(k);
	memset(p, 0x11, 4 * PAGE_SIZE);
	mark = log_mark();
	vfree(p + PAGE_SIZE);		/* the middle of an area */
	vfree(p + 1);			/* not page aligned */
	vfree(p + 5 * PAGE_SIZE);	/* in the range, never allocated */
	vfree(k);			/* a kmalloc object */
	vfree(&on_stack);		/* not ukmem's at all */
	EXPECT_EQ(log_count_since(mark, msg), 5);
	EXPECT_EQ(ukmem_vmalloc_validate(), 0);
	EXPECT_EQ(p[4 * PAGE_SIZE - 1], 0x11);	/* untouched */
	EXPECT_UEQ(ukmem_vmalloc_used_pages(), used + 4);
	kfree(k);

	vfree(p);
	mark = log_mark();
	vfree(p);			/* double free */
	EXPECT_EQ(log_count_since(mark, msg), 1);
	EXPECT_LOGGED(mark, "WARNING: CPU:");
	EXPECT_VM_CLEAN(used);

	/* Later allocations still work, in the same place. */
	q = vmalloc(4 * PAGE_SIZE);
	EXPECT_PTR_EQ(q, p);
	ASSERT_NOT_NULL(q);
	EXPECT_EQ(q[0], 0);
	vfree(q);
	EXPECT_VM_CLEAN(used);
}

/*
 * The validate walk sees a stale slot: the slot array lies right behind
 * the range (struct vm_slot: 32 bytes, len and state first), and
 * with every area freed the first vmalloc starts the range.
 */
TEST(validate_finds_a_stale_slot)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	size_t total = ukmem_vmalloc_total_bytes(), mark;
	unsigned char *p = vmalloc(4 * PAGE_SIZE);
	unsigned int *slot1;

	ASSERT_NOT_NULL(p);
	if (used || is_vmalloc_addr(p - 1)) {
		HARNESS_FAIL("expected the first area at the start of the range: %p", (void *)p);
		vfree(p);
		return;
	}
	slot1 = (unsigned int *)(void *)(p + total + 32);
	EXPECT_EQ(ukmem_vmalloc_validate(), 0);
	slot1[0] = 1;	/* looks like the head of a one-page area */
	slot1[1] = 3;
	mark = log_mark();
	EXPECT_EQ(ukmem_vmalloc_validate(), 1);
	EXPECT_LOGGED(mark, "vmalloc: slot 1 inside the range at 0 is not zero");
	slot1[0] = slot1[1] = 0;
	EXPECT_EQ(ukmem_vmalloc_validate(), 0);
	vfree(p);
	EXPECT_VM_CLEAN(used);
}

/* ---- kvmalloc ---------------------------------------------------------------- */

TEST(kvmalloc_small_is_kmalloc)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	size_t mark = log_mark();
	void *p = kvmalloc(opaque(100), GFP_KERNEL);
	void *z = kvzalloc(opaque(PAGE_SIZE), GFP_KERNEL);

	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(z);
	EXPECT_FALSE(is_vmalloc_addr(p));
	EXPECT_TRUE(virt_addr_valid(p));
	EXPECT_UEQ(ksize(p), 128);
	EXPECT_FALSE(is_vmalloc_addr(z));
	EXPECT_TRUE(all_zero(z, PAGE_SIZE));
	EXPECT_PTR_EQ(kvmalloc(opaque(0), GFP_KERNEL), ZERO_SIZE_PTR);
	kvfree(p);
	kvfree(z);
	kvfree(NULL);
	kvfree(ZERO_SIZE_PTR);
	EXPECT_LOG_SILENT(mark);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_VM_CLEAN(used);
}

/* 1 MiB is a large kmalloc; 64 MiB cannot come from a 64 MiB arena (nor
 * from kmalloc at all: above KMALLOC_MAX_SIZE), so it is vmalloc'ed,
 * quietly. */
TEST(kvmalloc_large_falls_back_to_vmalloc)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	size_t mark = log_mark();
	unsigned char *k = kvmalloc(opaque(1 * MiB), GFP_KERNEL);
	unsigned char *v = kvmalloc(opaque(64 * MiB), GFP_KERNEL);

	ASSERT_NOT_NULL(k);
	ASSERT_NOT_NULL(v);
	EXPECT_FALSE(is_vmalloc_addr(k));
	EXPECT_TRUE(virt_addr_valid(k));
	EXPECT_TRUE(is_vmalloc_addr(v));
	EXPECT_UEQ(ukmem_vmalloc_used_pages(), used + 64 * MiB / PAGE_SIZE);
	memset(k, 1, 1 * MiB);
	v[0] = 1;
	v[64 * MiB - 1] = 2;
	kvfree(k);
	kvfree(v);
	EXPECT_LOG_SILENT(mark);
	/* kvmalloc_node, kvzalloc_node: the same path. */
	v = kvzalloc_node(opaque(8 * MiB), GFP_KERNEL, 0);
	ASSERT_NOT_NULL(v);
	EXPECT_TRUE(is_vmalloc_addr(v));
	EXPECT_TRUE(all_zero(v, 8 * MiB));
	kvfree(v);
	v = kvmalloc_node(opaque(8 * MiB), GFP_KERNEL, NUMA_NO_NODE);
	ASSERT_NOT_NULL(v);
	kvfree(v);
	EXPECT_VM_CLEAN(used);
}

/* 6.6: no vmalloc fallback for callers that cannot sleep; GFP_NOFS and
 * GFP_NOIO may (since 5.18 vmalloc honours them). */
TEST(kvmalloc_gfp_rules)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	size_t big = 8 * MiB;	/* above KMALLOC_MAX_SIZE: kmalloc cannot */
	size_t mark = log_mark();
	void *p;

	EXPECT_PTR_EQ(kvmalloc(opaque(big), GFP_NOWAIT), NULL);
	EXPECT_PTR_EQ(kvmalloc(opaque(big), GFP_ATOMIC | __GFP_NOWARN), NULL);
	EXPECT_LOG_SILENT(mark);
	p = kvmalloc(opaque(big), GFP_NOFS);
	EXPECT_TRUE(p && is_vmalloc_addr(p));
	kvfree(p);
	p = kvmalloc(opaque(big), GFP_NOIO);
	EXPECT_TRUE(p && is_vmalloc_addr(p));
	kvfree(p);
	/* __GFP_NOFAIL: the kmalloc attempt drops it, vmalloc succeeds. */
	p = kvmalloc(opaque(big), GFP_KERNEL | __GFP_NOFAIL);
	EXPECT_TRUE(p && is_vmalloc_addr(p));
	kvfree(p);
	/* Small sizes never fall back, whatever the flags. */
	p = kvmalloc(opaque(PAGE_SIZE), GFP_NOWAIT);
	EXPECT_TRUE(p && !is_vmalloc_addr(p));
	kvfree(p);

	/* Above INT_MAX: NULL, with a warning unless __GFP_NOWARN. */
	mark = log_mark();
	EXPECT_PTR_EQ(kvmalloc(opaque((size_t)INT_MAX + 1), GFP_KERNEL | __GFP_NOWARN), NULL);
	EXPECT_LOG_SILENT(mark);
	EXPECT_PTR_EQ(kvmalloc(opaque((size_t)INT_MAX + 1), GFP_KERNEL), NULL);
	EXPECT_LOGGED(mark, "kvmalloc_node");
	EXPECT_VM_CLEAN(used);
}

TEST(kv_array_helpers)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	unsigned char *p;

	EXPECT_PTR_EQ(kvcalloc(SIZE_MAX / 2, 4, GFP_KERNEL), NULL);
	EXPECT_PTR_EQ(kvmalloc_array(SIZE_MAX / 8 + 1, 8, GFP_KERNEL), NULL);
	p = kvcalloc(opaque(1000), 100, GFP_KERNEL);	/* kmalloc, zeroed */
	ASSERT_NOT_NULL(p);
	EXPECT_FALSE(is_vmalloc_addr(p));
	EXPECT_TRUE(all_zero(p, 100000));
	kvfree(p);
	p = kvcalloc(opaque(10), 1 * MiB, GFP_KERNEL);	/* vmalloc, zeroed */
	ASSERT_NOT_NULL(p);
	EXPECT_TRUE(is_vmalloc_addr(p));
	EXPECT_TRUE(all_zero(p, 10 * MiB));
	kvfree(p);
	p = kvmalloc_array(opaque(3), 100, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	kvfree(p);
	EXPECT_VM_CLEAN(used);
}

/* kvrealloc (6.6): p itself when not growing; else a copy, from kmalloc
 * or vmalloc, and p freed. */
TEST(kvrealloc_grows_and_keeps_contents)
{
	unsigned long used = ukmem_vmalloc_used_pages(), free_before;
	unsigned char *p, *q;
	size_t bad = 0;

	/* A slab for each kmalloc size used below, so that the page count
	 * compares like with like. */
	kfree(kmalloc(opaque(100), GFP_KERNEL));
	kfree(kmalloc(opaque(200), GFP_KERNEL));
	free_before = drained_unallocated_pages();
	p = kvmalloc(opaque(100), GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	for (int i = 0; i < 100; i++)
		p[i] = (unsigned char)i;
	EXPECT_PTR_EQ(kvrealloc(p, 100, 50, GFP_KERNEL), p);
	EXPECT_PTR_EQ(kvrealloc(p, 100, 100, GFP_KERNEL), p);
	q = kvrealloc(p, 100, 1 * MiB, GFP_KERNEL);
	ASSERT_NOT_NULL(q);
	EXPECT_FALSE(is_vmalloc_addr(q));
	for (int i = 0; i < 100; i++)
		bad += q[i] != (unsigned char)i;
	memset(q + 100, 0x77, 1 * MiB - 100);
	p = kvrealloc(q, 1 * MiB, 16 * MiB, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	EXPECT_TRUE(is_vmalloc_addr(p));
	for (int i = 0; i < 100; i++)
		bad += p[i] != (unsigned char)i;
	for (size_t i = 100; i < 1 * MiB; i++)
		bad += p[i] != 0x77;
	EXPECT_UEQ(bad, 0);
	q = kvrealloc(p, 16 * MiB, 32 * MiB, GFP_KERNEL);	/* vmalloc to vmalloc */
	ASSERT_NOT_NULL(q);
	EXPECT_EQ(q[0], 0);
	EXPECT_EQ(q[1 * MiB - 1], 0x77);
	/* On failure NULL, and the old block stays valid. */
	EXPECT_PTR_EQ(kvrealloc(q, 32 * MiB, 64 * MiB, GFP_NOWAIT), NULL);
	EXPECT_EQ(q[1 * MiB - 1], 0x77);
	p = kvrealloc(NULL, 0, 200, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	kvfree(p);
	kvfree(q);
	EXPECT_UEQ(drained_unallocated_pages(), free_before);
	EXPECT_VM_CLEAN(used);
}

TEST(kvfree_sensitive_both_kinds)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	unsigned long free_before = drained_unallocated_pages();
	size_t mark = log_mark();
	unsigned char *k = kvmalloc(opaque(300), GFP_KERNEL);
	unsigned char *v = vmalloc(opaque(2 * PAGE_SIZE));

	ASSERT_NOT_NULL(k);
	ASSERT_NOT_NULL(v);
	memset(k, 0x33, 300);
	memset(v, 0x33, 2 * PAGE_SIZE);
	kvfree_sensitive(k, 300);
	kvfree_sensitive(v, 2 * PAGE_SIZE);
	kvfree_sensitive(NULL, 100);
	kvfree_sensitive(ZERO_SIZE_PTR, 100);
	EXPECT_LOG_SILENT(mark);
	EXPECT_UEQ(drained_unallocated_pages(), free_before);
	EXPECT_VM_CLEAN(used);
}

/* ---- concurrency -------------------------------------------------------------- */

/* vfree from a signal handler: the handler may interrupt the main thread
 * while it holds the vmalloc lock, then the free is parked and done by the
 * next vmalloc or vfree.  Whatever the timing, every area comes back. */
#define SIG_AREAS 256
static void *sig_areas[SIG_AREAS];
static int sig_next;

static void sig_vfree(int sig)
{
	int i = __atomic_fetch_add(&sig_next, 1, __ATOMIC_RELAXED);

	(void)sig;
	if (i < SIG_AREAS)
		vfree_atomic(sig_areas[i]);
}

TEST(vfree_from_signal_handler)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	struct itimerval tick = { { 0, 50 }, { 0, 50 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa, old;
	size_t mark = log_mark();
	long rounds = 0;

	for (int i = 0; i < SIG_AREAS; i++) {
		sig_areas[i] = vmalloc((size_t)(i % 7 + 1) * PAGE_SIZE);
		ASSERT_NOT_NULL(sig_areas[i]);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_vfree;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &tick, NULL);
	while (__atomic_load_n(&sig_next, __ATOMIC_RELAXED) < SIG_AREAS && rounds < 50000000) {
		void *p = vmalloc((size_t)(rounds % 5 + 1) * PAGE_SIZE);

		if (p)
			*(volatile char *)p = 1;
		vfree(p);
		rounds++;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	EXPECT_GE(__atomic_load_n(&sig_next, __ATOMIC_RELAXED), SIG_AREAS);
	/* Whatever was parked is freed by the next call. */
	vfree(vmalloc(PAGE_SIZE));
	EXPECT_LOG_SILENT(mark);
	EXPECT_VM_CLEAN(used);
}

/* Threads allocate areas of many sizes, fill each with their own pattern
 * and check it before vfree: overlapping areas would show. */
#define THREADS 4
#define THREAD_ROUNDS 400

static void *vm_thread(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg * 2654435761u;
	unsigned char tag = (unsigned char)(uintptr_t)arg + 1;
	void *held[8] = { 0 };
	size_t held_size[8] = { 0 };
	long bad = 0;

	for (int r = 0; r < THREAD_ROUNDS; r++) {
		int slot = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 8;
		size_t size = ((seed >> 8) % 64 + 1) * PAGE_SIZE - (seed % 100);

		if (held[slot]) {
			unsigned char *p = held[slot];

			for (size_t off = 0; off < held_size[slot]; off += 512)
				bad += p[off] != tag;
			if (r & 1)
				kvfree(p);
			else
				vfree(p);
		}
		held[slot] = r & 2 ? kvmalloc(size, GFP_KERNEL) : vmalloc(size);
		held_size[slot] = size;
		if (held[slot])
			memset(held[slot], tag, size);
		else
			bad++;
	}
	for (int i = 0; i < 8; i++)
		kvfree(held[i]);
	return (void *)bad;
}

TEST(threads)
{
	unsigned long used = ukmem_vmalloc_used_pages();
	pthread_t t[THREADS];
	long bad = 0;

	for (long i = 0; i < THREADS; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, vm_thread, (void *)i), 0);
	for (int i = 0; i < THREADS; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		bad += (long)ret;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_VM_CLEAN(used);
}

RUN_TESTS_SETUP(setup,
		T(one_page),
		T(a_large_area_is_paid_from_the_arena),
		T(vzalloc_reads_zero),
		T(is_vmalloc_addr_only_for_the_range),
		T(guard_page_between_areas),
		T(reuse_after_vfree),
		T(resident_memory_falls_after_vfree),
		T(vmalloc_zero_and_vfree_null),
		T(bad_vfree_reported_and_harmless),
		T(validate_finds_a_stale_slot),
		T(kvmalloc_small_is_kmalloc),
		T(kvmalloc_large_falls_back_to_vmalloc),
		T(kvmalloc_gfp_rules),
		T(kv_array_helpers),
		T(kvrealloc_grows_and_keeps_contents),
		T(kvfree_sensitive_both_kinds),
		T(vfree_from_signal_handler),
		T(threads))
