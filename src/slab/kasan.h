/*
 * kasan.h - AddressSanitizer's view of slab objects, in builds with
 * -fsanitize=address (CI's ASan job; nothing at all otherwise).
 *
 * A free object is poisoned, all its slot but the free-pointer word, from
 * the moment it is freed (into a sheaf or onto its slab's freelist) until
 * it is handed out again; a handed-out object is addressable for its
 * object_size bytes, so the slack up to the slot's end stays poisoned and
 * an overflow into it or into a free neighbour is reported.  ksize()
 * opens the slack, as the kernel's KASAN does.  The free-pointer word is
 * never poisoned: the freelists, the sheaf mark and kfree's double-free
 * test read it on every path.
 *
 * Not watched: debug caches (slub_debug reads and writes their free
 * objects' bytes itself) and SLAB_TYPESAFE_BY_RCU caches (a reader may
 * read a freed object by design).
 */
#ifndef UKMEM_SLAB_KASAN_H
#define UKMEM_SLAB_KASAN_H

#include "slab/slab.h"

#if defined(__SANITIZE_ADDRESS__)
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);

static inline bool kasan_watches(const struct kmem_cache *s)
{
	return !(s->flags & (SLAB_DEBUG_FLAGS | SLAB_TYPESAFE_BY_RCU));
}

/* obj is free from now on. */
static inline void kasan_poison_free(const struct kmem_cache *s, void *obj)
{
	if (!kasan_watches(s))
		return;
	__asan_poison_memory_region(obj, s->size);
	__asan_unpoison_memory_region((char *)obj + s->offset, sizeof(void *));
}

/* obj goes to a caller: object_size bytes (or size, for ksize) open. */
static inline void kasan_unpoison_object(const struct kmem_cache *s, void *obj, size_t size)
{
	if (kasan_watches(s))
		__asan_unpoison_memory_region(obj, size);
}

/* A slab's memory goes back to the page allocator. */
static inline void kasan_unpoison_range(void *addr, size_t size)
{
	__asan_unpoison_memory_region(addr, size);
}
#else
static inline void kasan_poison_free(const struct kmem_cache *s, void *obj)
{
}

static inline void kasan_unpoison_object(const struct kmem_cache *s, void *obj, size_t size)
{
}

static inline void kasan_unpoison_range(void *addr, size_t size)
{
}
#endif

#endif /* UKMEM_SLAB_KASAN_H */
