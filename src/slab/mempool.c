/*
 * mempool.c - memory pools (include/ukmem/mempool.h), Linux 6.6's
 * mm/mempool.c step by step.
 *
 * Theory
 * ------
 * A pool keeps a reserve of min_nr elements taken from its allocator at
 * creation.  mempool_alloc tries the allocator first, with a mask that
 * neither reclaims nor starts I/O nor warns (the reserve is the fallback),
 * then the reserve; a caller that may sleep then tries the allocator with
 * its full mask (reclaim), and after that waits for mempool_free to bring
 * an element back (5 s at most, as the kernel's io_schedule_timeout(5 *
 * HZ)) and tries again.  So a sleeping mempool_alloc never returns NULL.
 * A pool must be exited before it is initialised again (else -EBUSY).
 * mempool_free refills the reserve before it gives anything back.
 *
 * Invariants: 0 <= curr_nr <= min_nr; elements[0 .. curr_nr) are free
 * elements of the pool.
 *
 * Locks (src/lib/lockrank.h): each pool's lock guards curr_nr and
 * elements, held only around those (never across the allocator, the
 * waiting or the element checks); mempool_list_lock guards the list of
 * every pool, which fork walks to take each pool's lock.
 *
 * Bad input: mempool_free of an element the built-in pools (slab,
 * kmalloc, page) did not hand out is reported and left alone rather than
 * put in the reserve, where the next mempool_alloc would hand it out; a
 * generic pool cannot tell.  NULL is ignored, as in the kernel.
 */
#include <ukmem/mempool.h>

#include "lib/errno.h"
#include "lib/task.h"
#include "slab/slab_api.h"

#define MEMPOOL_WAIT_NS (5ULL * 1000000000ULL)

_Static_assert(sizeof(((mempool_t *)0)->ukmem_lock) == sizeof(ukmem_lock_t) &&
	       __builtin_offsetof(ukmem_lock_t, rank) == sizeof(int),
	       "mempool_t's lock is a ukmem_lock_t");

static mempool_t *pools;	/* every pool, under mempool_list_lock */
static struct ratelimit_state foreign_rs = { .interval_ns = 5000000000ULL, .burst = 10 };

static ukmem_lock_t *pool_lock(mempool_t *pool)
{
	return (ukmem_lock_t *)(void *)&pool->ukmem_lock;
}

/* fork: every pool's lock, the list held still by mempool_list_lock. */
static void walk_pool_locks(bool lock)
{
	for (mempool_t *p = pools; p; p = p->ukmem_next) {
		if (lock)
			ukmem_plat_lock(&pool_lock(p)->raw);
		else
			ukmem_plat_unlock(&pool_lock(p)->raw);
	}
}

void mempool_register_lock_walker(void)
{
	ukmem_lock_set_walker(LOCK_RANK_MEMPOOL, walk_pool_locks);
}

static void pools_link(mempool_t *pool)
{
	ukmem_lock(&mempool_list_lock);
	pool->ukmem_next = pools;
	pools = pool;
	ukmem_unlock(&mempool_list_lock);
}

static bool pool_is_linked(mempool_t *pool)
{
	bool found = false;

	ukmem_lock(&mempool_list_lock);
	for (mempool_t *p = pools; p && !found; p = p->ukmem_next)
		found = p == pool;
	ukmem_unlock(&mempool_list_lock);
	return found;
}

static void pools_unlink(mempool_t *pool)
{
	ukmem_lock(&mempool_list_lock);
	for (mempool_t **pp = &pools; *pp; pp = &(*pp)->ukmem_next)
		if (*pp == pool) {
			*pp = pool->ukmem_next;
			break;
		}
	ukmem_unlock(&mempool_list_lock);
}

/* ---- create, resize, destroy -------------------------------------------------- */

void ukmem_mempool_exit(mempool_t *pool)
{
	if (!pool || !pool->alloc)
		return;
	pools_unlink(pool);
	while (pool->curr_nr > 0)
		pool->free(pool->elements[--pool->curr_nr], pool->pool_data);
	ukmem_kfree(pool->elements);
	pool->elements = NULL;
	pool->alloc = NULL;
}

int ukmem_mempool_init(mempool_t *pool, int min_nr, mempool_alloc_t *alloc_fn,
		       mempool_free_t *free_fn, void *pool_data, gfp_t gfp, int node)
{
	if (!pool || min_nr < 0 || !alloc_fn || !free_fn) {
		ukmem_printk("ukmem: mempool_init: %s\n", !pool ? "no pool" :
			     min_nr < 0 ? "min_nr < 0" : "no alloc or free function");
		return -EINVAL;
	}
	if (pool_is_linked(pool)) {
		ukmem_warn("WARNING: mempool_init(0x%p): the pool is live (mempool_exit first)\n",
			   (void *)pool);
		return -EBUSY;
	}
	__builtin_memset(pool, 0, sizeof(*pool));
	ukmem_lock_init(pool_lock(pool), LOCK_RANK_MEMPOOL);
	pool->min_nr = min_nr;
	pool->pool_data = pool_data;
	pool->alloc = alloc_fn;
	pool->free = free_fn;
	pool->elements = ukmem_kmalloc((size_t)(min_nr ? min_nr : 1) * sizeof(void *), gfp, node);
	if (!pool->elements)
		return -ENOMEM;
	pools_link(pool);
	while (pool->curr_nr < pool->min_nr) {
		void *element = pool->alloc(gfp, pool->pool_data);

		if (!element) {
			ukmem_mempool_exit(pool);
			return -ENOMEM;
		}
		pool->elements[pool->curr_nr++] = element;
	}
	return 0;
}

mempool_t *ukmem_mempool_create(int min_nr, mempool_alloc_t *alloc_fn, mempool_free_t *free_fn,
				void *pool_data, gfp_t gfp, int node)
{
	mempool_t *pool = ukmem_kmalloc(sizeof(*pool), gfp | __GFP_ZERO, node);

	if (!pool)
		return NULL;
	if (ukmem_mempool_init(pool, min_nr, alloc_fn, free_fn, pool_data, gfp, node)) {
		ukmem_kfree(pool);
		return NULL;
	}
	return pool;
}

void ukmem_mempool_destroy(mempool_t *pool)
{
	if (!pool)
		return;
	ukmem_mempool_exit(pool);
	ukmem_kfree(pool);
}

/* The kernel's mempool_resize: shrinking frees the reserve's surplus,
 * growing allocates the new elements with GFP_KERNEL.  0 or -ENOMEM. */
int ukmem_mempool_resize(mempool_t *pool, int new_min_nr)
{
	void **new_elements;

	if (!pool || new_min_nr <= 0)
		return -EINVAL;
	might_sleep();
	ukmem_lock(pool_lock(pool));
	if (new_min_nr <= pool->min_nr) {
		while (pool->curr_nr > new_min_nr) {
			void *element = pool->elements[--pool->curr_nr];

			ukmem_unlock(pool_lock(pool));
			pool->free(element, pool->pool_data);
			ukmem_lock(pool_lock(pool));
		}
		pool->min_nr = new_min_nr;
		ukmem_unlock(pool_lock(pool));
		return 0;
	}
	ukmem_unlock(pool_lock(pool));
	new_elements = ukmem_kmalloc((size_t)new_min_nr * sizeof(void *), GFP_KERNEL, NUMA_NO_NODE);
	if (!new_elements)
		return -ENOMEM;
	ukmem_lock(pool_lock(pool));
	if (new_min_nr <= pool->min_nr) {	/* another resize won */
		ukmem_unlock(pool_lock(pool));
		ukmem_kfree(new_elements);
		return ukmem_mempool_resize(pool, new_min_nr);
	}
	__builtin_memcpy(new_elements, pool->elements, (size_t)pool->curr_nr * sizeof(void *));
	{
		void **old = pool->elements;

		pool->elements = new_elements;
		pool->min_nr = new_min_nr;
		/* kfree takes slab locks, ranked before this pool's. */
		ukmem_unlock(pool_lock(pool));
		ukmem_kfree(old);
		ukmem_lock(pool_lock(pool));
	}
	while (pool->curr_nr < pool->min_nr) {
		void *element;

		ukmem_unlock(pool_lock(pool));
		element = pool->alloc(GFP_KERNEL, pool->pool_data);
		if (!element)
			return -ENOMEM;
		ukmem_lock(pool_lock(pool));
		if (pool->curr_nr < pool->min_nr) {
			pool->elements[pool->curr_nr++] = element;
		} else {
			ukmem_unlock(pool_lock(pool));
			pool->free(element, pool->pool_data);
			ukmem_lock(pool_lock(pool));
		}
	}
	ukmem_unlock(pool_lock(pool));
	return 0;
}

/* ---- alloc and free --------------------------------------------------------------- */

void *ukmem_mempool_alloc(mempool_t *pool, gfp_t gfp)
{
	gfp_t gfp_temp;

	if (!pool || !pool->alloc)
		return NULL;
	if (gfp & __GFP_ZERO)
		ukmem_warn("WARNING: mempool_alloc: __GFP_ZERO (elements from the reserve are not "
			   "zeroed)\n");
	gfp = might_alloc(gfp) | __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN;
	gfp_temp = gfp & ~(__GFP_DIRECT_RECLAIM | __GFP_IO);
	for (;;) {
		void *element = pool->alloc(gfp_temp, pool->pool_data);
		int seq;

		if (element)
			return element;
		if (!ukmem_lock(pool_lock(pool)))
			return NULL;	/* a signal handler that cut into this pool */
		if (pool->curr_nr) {
			element = pool->elements[--pool->curr_nr];
			ukmem_unlock(pool_lock(pool));
			return element;
		}
		seq = __atomic_load_n(&pool->ukmem_wait_seq, __ATOMIC_ACQUIRE);
		ukmem_unlock(pool_lock(pool));
		if (!(gfp & __GFP_DIRECT_RECLAIM))
			return NULL;
		/* The reserve is empty: the kernel first tries the allocator
		 * with the caller's full mask (reclaim), then waits. */
		if (gfp_temp != gfp) {
			gfp_temp = gfp;
			continue;
		}
		/* Wait for an element to come back, then try the allocator
		 * again with the full mask. */
		__atomic_fetch_add(&pool->ukmem_waiters, 1, __ATOMIC_SEQ_CST);
		ukmem_plat_wait(&pool->ukmem_wait_seq, seq, MEMPOOL_WAIT_NS);
		__atomic_fetch_sub(&pool->ukmem_waiters, 1, __ATOMIC_RELAXED);
		gfp_temp = gfp;
	}
}

/* Did the built-in allocator of pool hand out element?  True for pools
 * with other allocators, which cannot be asked. */
static bool element_is_the_pools(const mempool_t *pool, void *element)
{
	struct page *page;

	if (pool->alloc != ukmem_mempool_alloc_slab && pool->alloc != ukmem_mempool_kmalloc &&
	    pool->alloc != ukmem_mempool_alloc_pages)
		return true;
	if (pool->alloc == ukmem_mempool_alloc_pages) {
		page = element;
		return (uintptr_t)(page - ukmem_mem_map) < ukmem_mm.max_pfn &&
		       page == pfn_to_page(page_to_pfn(page)) && !PageTail(page) &&
		       page_ref_count(page) == 1 &&
		       page_alloc_order(page) == (unsigned int)(long)pool->pool_data + 1;
	}
	if (!ukmem_virt_addr_valid(element))
		return false;
	page = virt_to_page(element);
	if (pool->alloc == ukmem_mempool_alloc_slab) {
		const struct page *head = compound_head(page);

		return PageSlab(head) &&
		       ((const struct slab *)(const void *)head)->slab_cache == pool->pool_data &&
		       kmalloc_block_size(page, element) != 0;
	}
	return kmalloc_block_size(page, element) >= (size_t)pool->pool_data;
}

void ukmem_mempool_free(void *element, mempool_t *pool)
{
	if (!element || !pool || !pool->free)
		return;
	if (__atomic_load_n(&pool->curr_nr, __ATOMIC_RELAXED) < pool->min_nr) {
		if (!element_is_the_pools(pool, element)) {
			if (ukmem_ratelimit(&foreign_rs))
				ukmem_warn("WARNING: mempool_free(0x%p): not an element of this pool "
					   "(pool 0x%p); left alone\n", element, (void *)pool);
			return;
		}
		if (ukmem_lock(pool_lock(pool))) {
			if (pool->curr_nr < pool->min_nr) {
				pool->elements[pool->curr_nr++] = element;
				__atomic_fetch_add(&pool->ukmem_wait_seq, 1, __ATOMIC_RELEASE);
				ukmem_unlock(pool_lock(pool));
				if (__atomic_load_n(&pool->ukmem_waiters, __ATOMIC_SEQ_CST))
					ukmem_plat_wake(&pool->ukmem_wait_seq, -1);
				return;
			}
			ukmem_unlock(pool_lock(pool));
		}
	}
	pool->free(element, pool->pool_data);
}

/* ---- the built-in allocators ------------------------------------------------------- */

void *ukmem_mempool_alloc_slab(gfp_t gfp, void *pool_data)
{
	return ukmem_kmem_cache_alloc(pool_data, gfp, NUMA_NO_NODE);
}

void ukmem_mempool_free_slab(void *element, void *pool_data)
{
	ukmem_kmem_cache_free(pool_data, element);
}

void *ukmem_mempool_kmalloc(gfp_t gfp, void *pool_data)
{
	return ukmem_kmalloc((size_t)pool_data, gfp, NUMA_NO_NODE);
}

void ukmem_mempool_kfree(void *element, void *pool_data)
{
	(void)pool_data;
	ukmem_kfree(element);
}

/* Page pools' elements are struct page pointers, as in the kernel. */
void *ukmem_mempool_alloc_pages(gfp_t gfp, void *pool_data)
{
	return ukmem_alloc_pages(gfp, (unsigned int)(long)pool_data, NUMA_NO_NODE);
}

void ukmem_mempool_free_pages(void *element, void *pool_data)
{
	ukmem_free_pages(element, (unsigned int)(long)pool_data);
}
