/*
 * front.h - what the files of the malloc front share.  One concept per
 * file:
 *   malloc.c     the C interface: malloc, free, ... (its theory comment
 *                gives the whole picture)
 *   sizeclass.c  the size classes: which cache serves n bytes
 *   start.c      starting ukmem on first use, the boot area, fork handlers
 *   decay.c      freed page blocks and huge areas, kept a while
 *   huge.c       allocations above KMALLOC_MAX_SIZE, over vmalloc
 *
 * The malloc front is hosted only: it may include libc headers, but it
 * never calls libc's allocator, and nothing it calls may (see start.c).
 */
#ifndef UKMEM_MALLOC_FRONT_H
#define UKMEM_MALLOC_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slab/slab_api.h"

#define FRONT_HIDDEN __attribute__((visibility("hidden")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/*
 * The GFP flags of every malloc: it may sleep (reclaim, wait for memory),
 * and a failure in the kmalloc range is a real shortage worth the kernel's
 * warning.  Huge requests (vmalloc) add __GFP_NOWARN: programs probe with
 * absurd sizes and expect a quiet NULL.
 */
#define FRONT_GFP GFP_KERNEL

/* ---- sizeclass.c: the size classes ----------------------------------- */

/* Requests up to FRONT_CLASS_MAX bytes take a slab object of a size class;
 * larger ones a page block (up to KMALLOC_MAX_SIZE) or a huge area. */
#define FRONT_CLASS_MAX		65536U
#define FRONT_SMALL_MAX		1024U	/* front_class_small's range */
#define FRONT_NR_CLASSES	37

/*
 * The cache of each class, filled by front_start() and never changed
 * afterwards.  NULL until ukmem is up: the fast paths read one entry and
 * take the slow path on NULL, so the "started?" test costs nothing extra.
 */
extern struct kmem_cache *front_caches[FRONT_NR_CLASSES] FRONT_HIDDEN;
/* The slab cache id of each class's cache (slab_cache_id()), written
 * before front_caches[] publishes the cache: the fast path indexes the
 * thread's sheaves with it without loading the cache itself. */
extern unsigned int front_cache_ids[FRONT_NR_CLASSES] FRONT_HIDDEN;
/* The object size of each class, ascending. */
extern const unsigned int front_class_size[FRONT_NR_CLASSES] FRONT_HIDDEN;
extern const unsigned char front_class_small[FRONT_SMALL_MAX >> 3] FRONT_HIDDEN;
extern const unsigned char front_class_large[FRONT_CLASS_MAX >> 7] FRONT_HIDDEN;

/* The class of size, 1 <= size <= FRONT_CLASS_MAX: the smallest class
 * that holds size bytes. */
static inline __attribute__((always_inline)) unsigned int front_class(size_t size)
{
	if (size <= FRONT_SMALL_MAX)
		return front_class_small[(size - 1) >> 3];
	return front_class_large[(size - 1) >> 7];
}

/* The alignment of every object of class c: the largest power of two
 * that divides its size (sizeclass.c says why). */
static inline unsigned int front_class_align(unsigned int c)
{
	return front_class_size[c] & -front_class_size[c];
}

/* Make (or find) the cache of every class and publish them, class 0 last.
 * Called under start.c's lock, once the slab layer is up. */
void front_classes_init(void) FRONT_HIDDEN;

static inline bool front_classes_up(void)
{
	return __atomic_load_n(&front_caches[0], __ATOMIC_ACQUIRE) != NULL;
}

/* ---- start.c: starting ukmem under the front -------------------------- */

/*
 * Start ukmem (and register the fork handlers) if it is not up.  Returns
 * true once front_caches is filled.  False if ukmem cannot start, or if
 * the caller is a recursive malloc made by the start itself on this
 * thread: then *recursive is set and the caller serves the request from
 * the boot area.
 */
bool front_start(bool *recursive) FRONT_HIDDEN;

/* A small static area for allocations made while ukmem starts: bump
 * allocated, never freed. */
void *boot_alloc(size_t size, size_t align) FRONT_HIDDEN;
bool boot_owns(const void *p) FRONT_HIDDEN;
size_t boot_usable(const void *p) FRONT_HIDDEN;

/* An object of cache s for a request of size bytes (slub_debug red-zones
 * the rest); NULL if memory ran out (ukmem is up).  Threads
 * before their first allocation and after their exit hook are the slab
 * layer's business (sheaf.h: the dummy and exited owners). */
static inline __attribute__((always_inline)) void *front_slab_alloc(struct kmem_cache *s,
								     size_t size)
{
	return slab_alloc_size(s, FRONT_GFP, NUMA_NO_NODE, size);
}

/* The same with errno set to ENOMEM on failure; the slow path is a tail
 * call, so malloc's fast path keeps no stack frame and tests no NULL.
 * caller (for slub_debug's tracks) is the return address of the exported
 * function this is inlined into. */
void *front_slab_refill(struct kmem_cache *s, size_t size, unsigned long caller) FRONT_HIDDEN;
static inline __attribute__((always_inline)) void *front_slab_alloc_errno(struct kmem_cache *s,
									   unsigned int id,
									   size_t size)
{
	void *p = slab_alloc_fast_id(s, id, FRONT_GFP);

	if (likely(p != NULL))
		return p;
	return front_slab_refill(s, size, (unsigned long)__builtin_return_address(0));
}

/* ---- huge.c: allocations above KMALLOC_MAX_SIZE ----------------------- */

/* size bytes aligned to align (a power of two) from vmalloc; NULL if it
 * cannot be had. */
void *huge_alloc(size_t size, size_t align, bool zero) FRONT_HIDDEN;
/* Usable bytes at p, a huge allocation, or 0 if p is not the start of one. */
size_t huge_usable(const void *p) FRONT_HIDDEN;
/* Free p; false (nothing done) if p is not the start of a huge allocation. */
bool huge_free(void *p) FRONT_HIDDEN;

/* ---- decay.c: freed large blocks, kept a while ------------------------- */

/* Page blocks of this order and above, and huge areas, are kept. */
#define DECAY_MIN_ORDER 4

/* A kept block for size bytes aligned to align: a page block of the
 * order of size (huge false), or a huge area; NULL if none fits. */
void *decay_get(size_t size, size_t align, bool huge) FRONT_HIDDEN;
/* Keep p, a page block or huge area of usable bytes, instead of freeing
 * it; false if it is not kept (the caller frees it). */
bool decay_put(void *p, size_t usable, bool huge) FRONT_HIDDEN;

/* ---- malloc.c ---------------------------------------------------------- */

/* Report a pointer the front cannot free or measure (rate-limited). */
void front_report_bad(const char *fn, const void *p, const char *what) FRONT_HIDDEN;

#endif /* UKMEM_MALLOC_FRONT_H */
