/*
 * ukmem/mempool.h - memory pools, as the kernel's <linux/mempool.h>: a
 * reserve of min_nr elements kept so that an allocation that may sleep
 * never fails, because it can wait for an element another thread frees.
 *
 * mempool_alloc first asks the underlying allocator without reclaim, then
 * takes an element from the reserve, and then, if gfp may sleep, waits for
 * mempool_free to put one back (up to 5 s at a time, then tries the
 * allocator again with the full mask); without __GFP_DIRECT_RECLAIM it
 * returns NULL instead of waiting.  mempool_free refills the reserve first
 * and gives the rest to the underlying allocator.  The built-in pools
 * (slab, kmalloc, page) check that a freed element is theirs: a foreign
 * one is reported and left alone.
 */
#ifndef UKMEM_MEMPOOL_H
#define UKMEM_MEMPOOL_H

#include <ukmem/gfp.h>
#include <ukmem/slab.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void *(mempool_alloc_t)(gfp_t gfp_mask, void *pool_data);
typedef void (mempool_free_t)(void *element, void *pool_data);

typedef struct mempool_s {
	struct { int word; int rank; } ukmem_lock;	/* ukmem's ranked lock */
	int min_nr;			/* the reserve's size */
	int curr_nr;			/* elements in it now */
	void **elements;
	void *pool_data;
	mempool_alloc_t *alloc;
	mempool_free_t *free;
	int ukmem_wait_seq;		/* bumped when an element comes back */
	int ukmem_waiters;
	struct mempool_s *ukmem_next;	/* every pool, for fork */
} mempool_t;

UKMEM_API int ukmem_mempool_init(mempool_t *pool, int min_nr, mempool_alloc_t *alloc_fn,
				 mempool_free_t *free_fn, void *pool_data, gfp_t gfp, int node);
UKMEM_API void ukmem_mempool_exit(mempool_t *pool);
UKMEM_API mempool_t *ukmem_mempool_create(int min_nr, mempool_alloc_t *alloc_fn,
					  mempool_free_t *free_fn, void *pool_data, gfp_t gfp,
					  int node);
UKMEM_API void ukmem_mempool_destroy(mempool_t *pool);
UKMEM_API int ukmem_mempool_resize(mempool_t *pool, int new_min_nr);
UKMEM_API void *ukmem_mempool_alloc(mempool_t *pool, gfp_t gfp);
UKMEM_API void ukmem_mempool_free(void *element, mempool_t *pool);

/* The helper allocators: pool_data is a kmem_cache, a size, an order. */
UKMEM_API void *ukmem_mempool_alloc_slab(gfp_t gfp_mask, void *pool_data);
UKMEM_API void ukmem_mempool_free_slab(void *element, void *pool_data);
UKMEM_API void *ukmem_mempool_kmalloc(gfp_t gfp_mask, void *pool_data);
UKMEM_API void ukmem_mempool_kfree(void *element, void *pool_data);
UKMEM_API void *ukmem_mempool_alloc_pages(gfp_t gfp_mask, void *pool_data);
UKMEM_API void ukmem_mempool_free_pages(void *element, void *pool_data);

#define mempool_alloc_slab	ukmem_mempool_alloc_slab
#define mempool_free_slab	ukmem_mempool_free_slab
#define mempool_kmalloc		ukmem_mempool_kmalloc
#define mempool_kfree		ukmem_mempool_kfree
#define mempool_alloc_pages	ukmem_mempool_alloc_pages
#define mempool_free_pages	ukmem_mempool_free_pages

static inline int mempool_init(mempool_t *pool, int min_nr, mempool_alloc_t *alloc_fn,
			       mempool_free_t *free_fn, void *pool_data)
{
	return ukmem_mempool_init(pool, min_nr, alloc_fn, free_fn, pool_data, GFP_KERNEL,
				  NUMA_NO_NODE);
}

static inline void mempool_exit(mempool_t *pool) { ukmem_mempool_exit(pool); }

static inline mempool_t *mempool_create(int min_nr, mempool_alloc_t *alloc_fn,
					mempool_free_t *free_fn, void *pool_data)
{
	return ukmem_mempool_create(min_nr, alloc_fn, free_fn, pool_data, GFP_KERNEL,
				    NUMA_NO_NODE);
}

static inline mempool_t *mempool_create_node(int min_nr, mempool_alloc_t *alloc_fn,
					     mempool_free_t *free_fn, void *pool_data,
					     gfp_t gfp_mask, int node_id)
{
	return ukmem_mempool_create(min_nr, alloc_fn, free_fn, pool_data, gfp_mask, node_id);
}

static inline void mempool_destroy(mempool_t *pool) { ukmem_mempool_destroy(pool); }
static inline int mempool_resize(mempool_t *pool, int new_min_nr)
{
	return ukmem_mempool_resize(pool, new_min_nr);
}
static inline void *mempool_alloc(mempool_t *pool, gfp_t gfp) { return ukmem_mempool_alloc(pool, gfp); }
static inline void mempool_free(void *element, mempool_t *pool) { ukmem_mempool_free(element, pool); }

static inline mempool_t *mempool_create_slab_pool(int min_nr, struct kmem_cache *kc)
{
	return mempool_create(min_nr, mempool_alloc_slab, mempool_free_slab, kc);
}

static inline mempool_t *mempool_create_kmalloc_pool(int min_nr, size_t size)
{
	return mempool_create(min_nr, mempool_kmalloc, mempool_kfree, (void *)size);
}

static inline mempool_t *mempool_create_page_pool(int min_nr, int order)
{
	return mempool_create(min_nr, mempool_alloc_pages, mempool_free_pages,
			      (void *)(long)order);
}

#ifdef __cplusplus
}
#endif

#endif /* UKMEM_MEMPOOL_H */
