/*
 * slabmap.c - the slab map: for every page of the arena (memory region 0)
 * that belongs to a slab, one 64-bit word with what a free needs to know
 * about it: the cache, the page's index in its slab, the slab's object
 * count and its owner tag (slab.h has the layout).
 *
 * Theory
 * ------
 * free() of a small object used to read the object's struct page and, for
 * a slab of more than one page, the head page too: 64 bytes of metadata
 * per 4 KiB page, one or two cache lines per free that a program with a
 * working set of a few MiB misses (bench/RESULTS.md: cachegrind counted
 * almost one L1 miss per free on churn1, where mimalloc, whose page
 * descriptors are packed in its segment headers, has 0.08).  The map
 * holds the same facts in 8 bytes per page, and the same word for a head
 * page and a tail page, so a free reads one dense word and takes no
 * branch on head or tail (bench/RESULTS.md, "The cache pointer in tail
 * pages", says why that branch cost more than it saved).
 *
 * struct page stays the truth: the map is a copy for the fast path,
 * written when a slab is made (before any of its objects is handed out),
 * when its owner tag changes (list_lock held) and when it is discarded
 * (before its pages go back).  A word is 0 for every page that is not in a
 * slab, and a free that finds 0 takes the struct page path, which also
 * serves slabs outside the arena (bare-metal regions) and the case where
 * the map could not be reserved.
 *
 * The map is reserved address space (hosted: mmap, MAP_NORESERVE), 1/512
 * of the arena, and only the parts under slabs are ever touched.
 */
#include "slab/slab_api.h"

uint64_t *ukmem_slabmap;
struct kmem_cache *ukmem_slab_cache_by_id[SLAB_MAX_CACHES];

void slabmap_init(void)
{
	size_t pages = ukmem_mem_regions[0].size >> PAGE_SHIFT;

	if (__SIZEOF_LONG__ != 8 || ukmem_slabmap || !pages)
		return;
	ukmem_slabmap = ukmem_plat_reserve(pages * sizeof(uint64_t), PAGE_SIZE);
}

#if __SIZEOF_LONG__ == 8
static uint64_t *slabmap_slot(const struct slab *slab)
{
	const void *addr = slab_address(slab);

	if (!ukmem_slabmap || !ukmem_in_arena(addr))
		return NULL;
	return &ukmem_slabmap[((uintptr_t)addr - ukmem_mem_regions[0].start) >> PAGE_SHIFT];
}

void slabmap_set(const struct kmem_cache *s, const struct slab *slab, unsigned int order,
		 unsigned int tag)
{
	uint64_t *slot = slabmap_slot(slab);

	if (!slot)
		return;
	for (unsigned int i = 0; i < (1U << order); i++)
		__atomic_store_n(&slot[i], slabmap_word(s->id, tag, i, slab_objects(slab)),
				 __ATOMIC_RELAXED);
}

void slabmap_clear(const struct slab *slab, unsigned int order)
{
	uint64_t *slot = slabmap_slot(slab);

	if (!slot)
		return;
	for (unsigned int i = 0; i < (1U << order); i++)
		__atomic_store_n(&slot[i], 0, __ATOMIC_RELAXED);
}

void slabmap_retag(const struct slab *slab, unsigned int tag)
{
	slabmap_set(slab->slab_cache, slab, compound_order(slab_page(slab)), tag);
}

bool slabmap_matches(const struct kmem_cache *s, const struct slab *slab)
{
	const uint64_t *slot = slabmap_slot(slab);

	if (!slot)
		return true;
	for (unsigned int i = 0; i < (1U << compound_order(slab_page(slab))); i++)
		if (__atomic_load_n(&slot[i], __ATOMIC_RELAXED) !=
		    slabmap_word(s->id, slab_owner_tag(slab), i, slab_objects(slab)))
			return false;
	return true;
}

#else	/* 32-bit targets: no map (no 64-bit atomics there) */
void slabmap_set(const struct kmem_cache *s, const struct slab *slab, unsigned int order,
		 unsigned int tag)
{
	(void)s;
	(void)slab;
	(void)order;
	(void)tag;
}

void slabmap_clear(const struct slab *slab, unsigned int order)
{
	(void)slab;
	(void)order;
}

void slabmap_retag(const struct slab *slab, unsigned int tag)
{
	(void)slab;
	(void)tag;
}

bool slabmap_matches(const struct kmem_cache *s, const struct slab *slab)
{
	(void)s;
	(void)slab;
	return true;
}
#endif
