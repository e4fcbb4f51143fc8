/*
 * slab_api.h - the slab layer's door: what the layers above src/slab may
 * use besides the public API (include/ukmem/slab.h, vmalloc.h).  Every
 * other header of src/slab is private to it; scripts/check-layers.sh fails
 * CI on an include that goes round this door.
 *
 * It brings SLUB's structures (slab.h), which the stats render, and the
 * allocation and free fast paths (sheaf.h), which the malloc front inlines
 * as kmalloc does; the slow paths and the cache internals declared there
 * are for src/slab alone.  Offered on top: the slab layer's start, the
 * kfree fast path and the usable size of an object, which kfree, ksize
 * and the malloc front share, and vmalloc's counters.
 */
#ifndef UKMEM_SLAB_SLAB_API_H
#define UKMEM_SLAB_SLAB_API_H

#include "slab/sheaf.h"
#include "slab/vmalloc_internal.h"

/* Start the slab layer (and the page allocator) if not yet started. */
bool slab_ensure_init(void);

/* SLUB's geometry and merging options (slub_min_order, ...), as ukmem
 * started with them: ukmem_init applies them at once, as the kernel does
 * at boot, and the slab layer's start does for a start on first use. */
void slab_apply_options(const struct ukmem_options *opt);

/* The id of cache s, which indexes a thread's sheaves: a caller that
 * keeps it (the malloc front) passes it to slab_alloc_fast_id(). */
static inline unsigned int slab_cache_id(const struct kmem_cache *s)
{
	return s->id;
}

/*
 * kfree's fast path for p in page (its own struct page): free p if it is
 * in a slab (a bad object pointer or a double free is reported, and
 * nothing is corrupted) and return true; false if page is not a slab's,
 * and the caller decides (a large kmalloc block, something else).
 */
static inline __attribute__((always_inline)) bool slab_free_object(struct page *page, void *p)
{
	struct page *head = compound_head(page);

	if (__builtin_expect(PageSlab(head), 1)) {
		struct slab *slab = (struct slab *)(void *)head;

		slab_free(slab->slab_cache, slab, page, p);
		return true;
	}
	return false;
}

/* The same for p in the arena, through the slab map when p's page has a
 * word there (slabmap.c), else through its struct page. */
static inline __attribute__((always_inline)) bool slab_free_arena(void *p)
{
	uint64_t word = slabmap_get(p);

	if (__builtin_expect(word != 0, 1)) {
		slab_free_mapped(word, p);
		return true;
	}
	return slab_free_object(ukmem_arena_page_of(p), p);
}

/* The usable size of an object of s (the kernel's slab_ksize). */
static inline size_t slab_ksize(const struct kmem_cache *s)
{
	if (s->flags & (SLAB_RED_ZONE | SLAB_POISON))
		return s->object_size;
	if (s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_STORE_USER))
		return s->inuse;
	return s->size;
}

/*
 * The usable size of p if it starts a live kmalloc block: an object of a
 * slab (page is p's struct page), or a large kmalloc block (a compound
 * page with refcount 1 that p starts); 0 if it is neither.
 */
static inline size_t kmalloc_block_size(const struct page *page, const void *p)
{
	const struct page *head = compound_head(page);

	if (PageSlab(head)) {
		const struct slab *slab = (const struct slab *)(const void *)head;
		uintptr_t off = ((uintptr_t)(page - head) << PAGE_SHIFT) +
				((uintptr_t)p & (PAGE_SIZE - 1));

		return slab_off_is_object(slab->slab_cache, slab, off) ?
		       slab_ksize(slab->slab_cache) : 0;
	}
	if (PageHead(head) && page_ref_count(head) == 1 && p == page_address(head))
		return PAGE_SIZE << compound_order(head);
	return 0;
}

/* The caller of p, in page (its own struct page), now uses size bytes of
 * it: krealloc or realloc in place, ksize, malloc_usable_size.  A kmalloc
 * cache with slub_debug's Z and U moves its kmalloc red zone there;
 * nothing else changes. */
static inline void slab_object_resized(const struct page *page, void *p, size_t size)
{
	const struct page *head = compound_head(page);

	if (PageSlab(head)) {
		struct kmem_cache *s = ((const struct slab *)(const void *)head)->slab_cache;

		if (__builtin_expect(slab_kmalloc_redzone(s), 0))
			slub_debug_set_orig_size(s, p, size);
	}
}

/* Give back what the slab layer holds free: sheaves, barns, empty slabs
 * of every cache (direct reclaim, drop_caches).  The pages given back. */
unsigned long slab_reclaim_all(gfp_t gfp, int priority);

/* fork(): the child drops the sheaf owners of threads that no longer
 * exist (sheaf.c). */
void sheaves_fork_child(void);

#endif /* UKMEM_SLAB_SLAB_API_H */
