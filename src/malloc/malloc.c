/*
 * malloc.c - the C allocator on the kmalloc family: malloc, free, calloc,
 * realloc, reallocarray, posix_memalign, aligned_alloc, memalign, valloc,
 * pvalloc and malloc_usable_size, for programs that preload or link
 * libukmem-malloc.so.
 *
 * Theory
 * ------
 * Sizes.  malloc(n) is:
 *   1 B .. 64 KiB     an object of the size class of n (sizeclass.c: about
 *                     four classes per power of two, kmalloc caches where
 *                     kmalloc has the size, the front's own elsewhere): the
 *                     class is computed here, once, and the slab fast path
 *                     (sheaf.h, inline) pops the thread's sheaf;
 *   64 KiB .. 4 MiB   kmalloc_large: a compound block of the next
 *                     power-of-two number of pages from the buddy allocator;
 *   above 4 MiB       a vmalloc area (huge.c).
 * malloc(0) is malloc(1), an 8-byte object: unique and freeable, as glibc
 * gives it.  The kernel's ZERO_SIZE_PTR would break programs that compare
 * the results of malloc(0) or hand them to realloc.
 *
 * Alignment.  An object of a size class is aligned to the largest power
 * of two that divides the class size, and every class from 16 bytes on is
 * a multiple of 16 (sizeclass.c); buddy blocks are aligned to their size.
 * Every malloc(n) is therefore aligned for any object of n bytes, which is
 * what C asks (16 bytes, _Alignof(max_align_t), from n = 16 on; 8 below).
 * memalign(A, n) takes the first class of at least max(n, A) bytes whose
 * alignment is A or more (a power of two always qualifies), then a page
 * block up to 4 MiB.  Beyond 4 MiB (size or alignment) huge.c aligns
 * inside a larger vmalloc area and remembers the pointer, so free and
 * malloc_usable_size work on it unchanged.  The result is checked: should
 * a slub_debug layout ever break a class's alignment, the request moves
 * to a page block, which cannot be misaligned.
 *
 * free(p) finds p's struct page inline when p is in the arena (region 0,
 * as virt_to_page): a slab page goes to the slab fast path, which checks
 * that p is an object start and not the object this thread freed last
 * (it never touches the object itself: sheaf.h); any other arena page to
 * kfree (large kmalloc, with its checks).  Outside the arena: boot-area
 * blocks are ignored, KFENCE's sampled objects go back to its pool,
 * vmalloc addresses go to huge.c, anything else is a
 * pointer ukmem never returned: reported (rate-limited) and ignored.
 * NULL fails the arena test and returns first thing on the slow path.
 *
 * Large and huge blocks that are freed are kept for a second before they
 * go back (decay.c), so a loop that frees and allocates a big buffer does
 * not pay a madvise and a page fault per page each round.
 *
 * realloc keeps the block when the new size fits in its usable size and
 * is more than half of it (a shrink to a much smaller size class moves, so
 * memory goes back, as mimalloc does; blocks of 16 bytes or less always
 * stay), otherwise it is malloc, copy, free.  realloc(NULL, n) = malloc(n),
 * realloc(p, 0) frees p and returns NULL (glibc).
 *
 * errno: ENOMEM on every failed allocation, size overflows included
 * (calloc, reallocarray, pvalloc); EINVAL for an alignment that is not a
 * power of two (posix_memalign returns the code and leaves errno alone) or
 * realloc of a pointer ukmem never returned.  Successful calls leave errno
 * as it was: the platform layer preserves it around its system calls.
 *
 * The functions here call each other only through static inline helpers,
 * never through the exported symbols, so there is no PLT hop and a program
 * that interposes one of them does not reroute the others.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <ukmem/vmalloc.h>

#include "malloc/front.h"

#define MALLOC_API __attribute__((visibility("default")))

/* Blocks of at most this many usable bytes never move on a shrink. */
#define REALLOC_KEEP_SMALL 16

/* ---- errors ----------------------------------------------------------------- */

__attribute__((noinline, cold))
static void *fail_errno(int err)
{
	errno = err;
	return NULL;
}

void front_report_bad(const char *fn, const void *p, const char *what)
{
	static struct ratelimit_state rs = { .interval_ns = 5000000000ULL, .burst = 10 };

	if (ukmem_ratelimit(&rs))
		ukmem_printk("BUG: %s(0x%p): %s\n", fn, p, what);
}

/* ---- free ------------------------------------------------------------------------ */

__attribute__((noinline))
static void free_slow(void *p)
{
	size_t size;

	if (!p || boot_owns(p))
		return;
	if (is_kfence_address(p)) {
		kfence_free(p);
		return;
	}
	if (ukmem_virt_addr_valid(p)) {
		/* A large kmalloc block, kept a while if it is big enough;
		 * anything else goes to kfree, which frees a slab object of
		 * another region and reports the rest. */
		size = kmalloc_block_size(virt_to_page(p), p);
		if (size >= (PAGE_SIZE << DECAY_MIN_ORDER) && decay_put(p, size, false))
			return;
		ukmem_kfree(p);
		return;
	}
	if (ukmem_is_vmalloc_addr(p)) {
		size = huge_usable(p);
		if (!size)
			front_report_bad("free", p, "not the start of a huge allocation");
		else if (!decay_put(p, size, true))
			huge_free(p);
		return;
	}
	front_report_bad("free", p, "not a pointer ukmem returned");
}

static inline __attribute__((always_inline)) void front_free(void *p)
{
	/* NULL and everything outside the arena have no arena page. */
	if (likely(ukmem_in_arena(p)) && likely(slab_free_arena(p)))
		return;
	free_slow(p);
}

/* ---- allocation --------------------------------------------------------------- */

/* The main sheaf of s is empty (or the thread has none yet, or a debug
 * tool watches): the slab layer's slow path. */
__attribute__((noinline))
void *front_slab_refill(struct kmem_cache *s, size_t size, unsigned long caller)
{
	void *p = slab_alloc_slow(s, FRONT_GFP, NUMA_NO_NODE, caller, size);

	return likely(p != NULL) ? p : fail_errno(ENOMEM);
}

/* The cache of size class c, NULL until ukmem is up. */
static inline __attribute__((always_inline)) struct kmem_cache *front_cache(unsigned int c)
{
	return __atomic_load_n(&front_caches[c], __ATOMIC_ACQUIRE);
}

/* Start ukmem if it is not up; false when the request cannot be served by
 * ukmem, with *boot telling whether the boot area should serve it. */
static bool ensure_started(bool *boot)
{
	bool recursive;

	*boot = false;
	if (likely(front_classes_up()))
		return true;
	if (front_start(&recursive))
		return true;
	*boot = recursive;
	return false;
}

/*
 * Everything but the small fast path: ukmem not up yet, large and huge
 * sizes, over-aligned requests (align a power of two, 0 or 1 for none),
 * zeroing.  size >= 1.  NULL with errno set on failure.
 */
__attribute__((noinline))
static void *alloc_slow(size_t size, size_t align, bool zero)
{
	bool boot;
	void *p;

	if (!align)
		align = 1;
	if (!ensure_started(&boot)) {
		p = boot ? boot_alloc(size, align) : NULL;
		return p ? p : fail_errno(ENOMEM);
	}
	if (align > 8 && size < align)
		size = align;
	/* The first class from size's own that is aligned enough and has a
	 * cache (NULL: it could not be made).  The power of two at or above
	 * size always is aligned enough, since size >= align. */
	for (unsigned int c = size <= FRONT_CLASS_MAX ? front_class(size) : FRONT_NR_CLASSES;
	     c < FRONT_NR_CLASSES; c++) {
		struct kmem_cache *s = front_cache(c);

		if (front_class_align(c) < align || !s)
			continue;
		p = front_slab_alloc(s, size);
		if (unlikely(!p))
			return fail_errno(ENOMEM);
		if (likely(!((uintptr_t)p & (align - 1)))) {
			if (zero)
				memset(p, 0, size);
			return p;
		}
		/* A debug layout broke the alignment: use a page block. */
		front_free(p);
		break;
	}
	if (size <= KMALLOC_MAX_SIZE && align <= KMALLOC_MAX_SIZE) {
		/* A block of 2^order pages, aligned to its size >= align. */
		if (get_order(size) >= DECAY_MIN_ORDER && (p = decay_get(size, align, false))) {
			if (zero)
				memset(p, 0, size);
			return p;
		}
		p = ukmem_kmalloc_large(size, FRONT_GFP | (zero ? __GFP_ZERO : 0), NUMA_NO_NODE);
		return p ? p : fail_errno(ENOMEM);
	}
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	/* A fresh area reads as zero untouched: calloc takes no kept one. */
	if (!zero && (p = decay_get(size, align, true)))
		return p;
	p = huge_alloc(size, align, zero);
	return p ? p : fail_errno(ENOMEM);
}

/* malloc(size) without the exported symbol. */
static inline __attribute__((always_inline)) void *front_malloc(size_t size)
{
	/* 1 .. 64 KiB, the small sizes tested first: size 0 wraps around and
	 * takes the slow path. */
	size_t n = size - 1;
	unsigned int c;

	if (likely(n < FRONT_SMALL_MAX))
		c = front_class_small[n >> 3];
	else if (n < FRONT_CLASS_MAX)
		c = front_class_large[n >> 7];
	else
		return alloc_slow(size ? size : 1, 0, false);

	struct kmem_cache *s = front_cache(c);

	if (likely(s))
		return front_slab_alloc_errno(s, front_cache_ids[c], size);
	return alloc_slow(size, 0, false);
}

/* memalign(align, size), align a power of two. */
static void *front_memalign(size_t align, size_t size)
{
	/* Every class is 8-aligned, and 16-aligned from 16 bytes on. */
	if (align <= 8 || (align <= 16 && size >= 16))
		return front_malloc(size);
	return alloc_slow(size ? size : 1, align, false);
}

/* ---- finding a block ------------------------------------------------------------ */

/* p (a live block) is used up to size bytes from now on: slub_debug's
 * kmalloc red zone follows (slab_object_resized). */
static void front_block_resized(void *p, size_t size)
{
	struct page *page = ukmem_arena_page(p);

	if (!page && ukmem_virt_addr_valid(p))
		page = virt_to_page(p);
	if (page)
		slab_object_resized(page, p, size);
}

/*
 * The usable size of the block that starts at p (not NULL), or 0 after a
 * report if p is not the start of a live block.  Never dereferences p.
 */
static size_t block_usable(const void *p, const char *fn)
{
	/* The arena inline (as in front_free), then any other region. */
	if (ukmem_arena_page(p) || ukmem_virt_addr_valid(p)) {
		struct page *page = virt_to_page(p);
		size_t size = kmalloc_block_size(page, p);

		if (!size)
			front_report_bad(fn, p, PageSlab(compound_head(page)) ?
					 "not the start of a slab object" : "not a kmalloc object");
		return size;
	}
	if (boot_owns(p))
		return boot_usable(p);
	if (is_kfence_address(p)) {
		size_t usable = kfence_ksize(p);

		if (!usable)
			front_report_bad(fn, p, "not the start of a KFENCE object");
		return usable;
	}
	if (ukmem_is_vmalloc_addr(p)) {
		size_t usable = huge_usable(p);

		if (!usable)
			front_report_bad(fn, p, "not the start of a huge allocation");
		return usable;
	}
	front_report_bad(fn, p, "not a pointer ukmem returned");
	return 0;
}

/* ---- the C interface --------------------------------------------------------------- */

MALLOC_API void *malloc(size_t size)
{
	return front_malloc(size);
}

MALLOC_API void free(void *p)
{
	front_free(p);
}

MALLOC_API void *calloc(size_t n, size_t size)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return fail_errno(ENOMEM);
	if (likely(bytes - 1 < FRONT_CLASS_MAX)) {
		struct kmem_cache *s = front_cache(front_class(bytes));

		if (likely(s)) {
			void *p = front_slab_alloc(s, bytes);

			if (unlikely(!p))
				return fail_errno(ENOMEM);
			return memset(p, 0, bytes);
		}
	}
	/* Page blocks known to be zero are not cleared again. */
	return alloc_slow(bytes ? bytes : 1, 0, true);
}

static void *front_realloc(void *p, size_t size)
{
	size_t old;
	void *q;

	if (!p)
		return front_malloc(size);
	if (!size) {
		front_free(p);
		return NULL;
	}
	old = block_usable(p, "realloc");
	if (unlikely(!old))
		return fail_errno(EINVAL);
	if (size <= old && (size > old / 2 || old <= REALLOC_KEEP_SMALL)) {
		front_block_resized(p, size);
		return p;
	}
	q = front_malloc(size);
	if (unlikely(!q))
		return NULL;
	memcpy(q, p, old < size ? old : size);
	front_free(p);
	return q;
}

MALLOC_API void *realloc(void *p, size_t size)
{
	return front_realloc(p, size);
}

MALLOC_API void *reallocarray(void *p, size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return fail_errno(ENOMEM);
	return front_realloc(p, bytes);
}

MALLOC_API int posix_memalign(void **memptr, size_t align, size_t size)
{
	int saved_errno = errno;
	void *p;

	/* A power of two multiple of sizeof(void *). */
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	p = front_memalign(align, size);
	if (!p) {
		errno = saved_errno;
		return ENOMEM;
	}
	*memptr = p;
	return 0;
}

MALLOC_API void *aligned_alloc(size_t align, size_t size)
{
	if (!align || (align & (align - 1)))
		return fail_errno(EINVAL);
	return front_memalign(align, size);
}

MALLOC_API void *memalign(size_t align, size_t size)
{
	if (!align || (align & (align - 1)))
		return fail_errno(EINVAL);
	return front_memalign(align, size);
}

MALLOC_API void *valloc(size_t size)
{
	return front_memalign(PAGE_SIZE, size);
}

MALLOC_API void *pvalloc(size_t size)
{
	if (size > SIZE_MAX - (PAGE_SIZE - 1))
		return fail_errno(ENOMEM);
	return front_memalign(PAGE_SIZE, size ? PAGE_ALIGN(size) : PAGE_SIZE);
}

MALLOC_API size_t malloc_usable_size(void *p)
{
	size_t usable = p ? block_usable(p, "malloc_usable_size") : 0;

	/* The program may use all of it now. */
	if (usable)
		front_block_resized(p, usable);
	return usable;
}
