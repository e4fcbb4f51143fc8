/*
 * ukmem/gfp.h - GFP flags ("get free pages") and the page allocator API.
 *
 * The bit layout is Linux 6.6's include/linux/gfp_types.h on x86-64 without
 * KASAN hardware tags or lockdep, so a flag value printed by a kernel means
 * the same here.  Each flag carries one sentence stating its contract.
 */
#ifndef UKMEM_GFP_H
#define UKMEM_GFP_H

#include <ukmem/mm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned int gfp_t;

/* The raw bit values; use the __GFP_* names below. */
#define ___GFP_DMA		0x01u
#define ___GFP_HIGHMEM		0x02u
#define ___GFP_DMA32		0x04u
#define ___GFP_MOVABLE		0x08u
#define ___GFP_RECLAIMABLE	0x10u
#define ___GFP_HIGH		0x20u
#define ___GFP_IO		0x40u
#define ___GFP_FS		0x80u
#define ___GFP_ZERO		0x100u
#define ___GFP_COLD		0x200u	/* ukmem: the bit 6.6 leaves unused */
#define ___GFP_DIRECT_RECLAIM	0x400u
#define ___GFP_KSWAPD_RECLAIM	0x800u
#define ___GFP_WRITE		0x1000u
#define ___GFP_NOWARN		0x2000u
#define ___GFP_RETRY_MAYFAIL	0x4000u
#define ___GFP_NOFAIL		0x8000u
#define ___GFP_NORETRY		0x10000u
#define ___GFP_MEMALLOC		0x20000u
#define ___GFP_COMP		0x40000u
#define ___GFP_NOMEMALLOC	0x80000u
#define ___GFP_HARDWALL		0x100000u
#define ___GFP_THISNODE		0x200000u
#define ___GFP_ACCOUNT		0x400000u
#define ___GFP_ZEROTAGS		0x800000u
#define ___GFP_SKIP_ZERO	0u	/* only with KASAN hardware tags */
#define ___GFP_SKIP_KASAN	0u	/* only with KASAN hardware tags */
#define ___GFP_NOLOCKDEP	0u	/* only with lockdep */

/*
 * Physical address zone modifiers.  They pick the highest zone the
 * allocation may come from; lower zones are the fallback.
 *
 * __GFP_DMA: only ZONE_DMA.
 * __GFP_DMA32: ZONE_DMA32, falling back to ZONE_DMA.
 * __GFP_HIGHMEM: ZONE_HIGHMEM first, then NORMAL, DMA32, DMA.
 * __GFP_MOVABLE: the pages can be migrated; with __GFP_HIGHMEM they may
 *   come from ZONE_MOVABLE.  It is also a mobility hint (below).
 */
#define __GFP_DMA		((gfp_t)___GFP_DMA)
#define __GFP_HIGHMEM		((gfp_t)___GFP_HIGHMEM)
#define __GFP_DMA32		((gfp_t)___GFP_DMA32)
#define __GFP_MOVABLE		((gfp_t)___GFP_MOVABLE)
#define GFP_ZONEMASK	(__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE)

/*
 * Page mobility and placement hints.
 *
 * __GFP_RECLAIMABLE: the pages can be freed by a shrinker (slab caches with
 *   SLAB_RECLAIM_ACCOUNT); they are grouped in reclaimable pageblocks.
 * __GFP_WRITE: the caller will dirty the page (accepted, no effect here).
 * __GFP_HARDWALL: enforce the cpuset memory policy (accepted; ukmem has no
 *   cpusets).
 * __GFP_THISNODE: the allocation comes from the requested node or fails;
 *   no fallback to other nodes.
 * __GFP_ACCOUNT: charge the allocation to the memory cgroup (accepted;
 *   ukmem has no cgroups: kmalloc serves it from the kmalloc-cg caches, as
 *   a kernel with CONFIG_MEMCG_KMEM does).
 */
#define __GFP_RECLAIMABLE	((gfp_t)___GFP_RECLAIMABLE)
#define __GFP_WRITE		((gfp_t)___GFP_WRITE)
#define __GFP_HARDWALL		((gfp_t)___GFP_HARDWALL)
#define __GFP_THISNODE		((gfp_t)___GFP_THISNODE)
#define __GFP_ACCOUNT		((gfp_t)___GFP_ACCOUNT)

/*
 * Watermark modifiers: access to the emergency reserves.
 *
 * __GFP_HIGH: high priority; the caller may use half of the reserve below
 *   the min watermark (GFP_ATOMIC, which also cannot sleep, goes further to
 *   62.5% of it).
 * __GFP_MEMALLOC: ignore the watermarks entirely; only for callers that
 *   free more memory than they take.
 * __GFP_NOMEMALLOC: never touch the reserves; wins over __GFP_MEMALLOC.
 */
#define __GFP_HIGH		((gfp_t)___GFP_HIGH)
#define __GFP_MEMALLOC		((gfp_t)___GFP_MEMALLOC)
#define __GFP_NOMEMALLOC	((gfp_t)___GFP_NOMEMALLOC)

/*
 * Reclaim modifiers.
 *
 * __GFP_IO: reclaim may start physical I/O.
 * __GFP_FS: reclaim may call into file systems.
 * __GFP_DIRECT_RECLAIM: the caller may sleep and reclaim memory itself.
 * __GFP_KSWAPD_RECLAIM: wake the background reclaimer when below the low
 *   watermark.
 * __GFP_RECLAIM: both of the above.
 * __GFP_NORETRY: give up after one light attempt at reclaim.
 * __GFP_RETRY_MAYFAIL: retry as long as reclaim makes progress, then fail.
 * __GFP_NOFAIL: never fail; retry forever (discouraged).
 */
#define __GFP_IO		((gfp_t)___GFP_IO)
#define __GFP_FS		((gfp_t)___GFP_FS)
#define __GFP_DIRECT_RECLAIM	((gfp_t)___GFP_DIRECT_RECLAIM)
#define __GFP_KSWAPD_RECLAIM	((gfp_t)___GFP_KSWAPD_RECLAIM)
#define __GFP_RECLAIM		((gfp_t)(___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM))
#define __GFP_RETRY_MAYFAIL	((gfp_t)___GFP_RETRY_MAYFAIL)
#define __GFP_NOFAIL		((gfp_t)___GFP_NOFAIL)
#define __GFP_NORETRY		((gfp_t)___GFP_NORETRY)

/*
 * Action modifiers.
 *
 * __GFP_NOWARN: a failure prints no warning.
 * __GFP_COMP: an allocation of order > 0 is a compound page (head and tail
 *   pages; freeing the head frees the whole block).
 * __GFP_ZERO: the memory reads as zero on return.
 * __GFP_ZEROTAGS: zero memory tags when zeroing (no effect: no MTE here).
 * __GFP_COLD: a cache-cold page is wanted (for DMA reads): taken from the
 *   cold end of the per-CPU list.  Linux removed it in 4.15; ukmem keeps it.
 */
#define __GFP_NOWARN		((gfp_t)___GFP_NOWARN)
#define __GFP_COMP		((gfp_t)___GFP_COMP)
#define __GFP_ZERO		((gfp_t)___GFP_ZERO)
#define __GFP_ZEROTAGS		((gfp_t)___GFP_ZEROTAGS)
#define __GFP_SKIP_ZERO		((gfp_t)___GFP_SKIP_ZERO)
#define __GFP_SKIP_KASAN	((gfp_t)___GFP_SKIP_KASAN)
#define __GFP_NOLOCKDEP		((gfp_t)___GFP_NOLOCKDEP)
#define __GFP_COLD		((gfp_t)___GFP_COLD)

/* The names of the seed's era. */
#define __GFP_WAIT		__GFP_RECLAIM
#define __GFP_REPEAT		__GFP_RETRY_MAYFAIL

#define __GFP_BITS_SHIFT	26
#define __GFP_BITS_MASK		((gfp_t)((1u << __GFP_BITS_SHIFT) - 1))

/*
 * Useful combinations.
 *
 * GFP_ATOMIC: cannot sleep, must succeed if at all possible: may use part
 *   of the reserve.  Interrupt handlers, signal handlers, under spinlocks.
 * GFP_KERNEL: the normal allocation; may sleep and reclaim.
 * GFP_KERNEL_ACCOUNT: GFP_KERNEL charged to the memory cgroup.
 * GFP_NOWAIT: cannot sleep, no reserve access, fails quietly.
 * GFP_NOIO: may reclaim but start no I/O.
 * GFP_NOFS: may reclaim but not call into file systems.
 * GFP_USER: for memory that user space will map; may sleep.
 * GFP_DMA, GFP_DMA32: from the DMA zones.
 * GFP_HIGHUSER, GFP_HIGHUSER_MOVABLE: user pages that may be in high memory
 *   (and movable).
 * GFP_TRANSHUGE_LIGHT, GFP_TRANSHUGE: huge pages, without/with direct
 *   reclaim.
 */
#define GFP_ATOMIC	(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL	(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT (GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT	(__GFP_KSWAPD_RECLAIM | __GFP_NOWARN)
#define GFP_NOIO	(__GFP_RECLAIM)
#define GFP_NOFS	(__GFP_RECLAIM | __GFP_IO)
#define GFP_USER	(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA		__GFP_DMA
#define GFP_DMA32	__GFP_DMA32
#define GFP_HIGHUSER	(GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE (GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN)
#define GFP_TRANSHUGE_LIGHT ((GFP_HIGHUSER_MOVABLE | __GFP_COMP | \
			      __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE	(GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

/* Migrate types (include/linux/mmzone.h). */
enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_TYPES
};

#define GFP_MOVABLE_MASK (__GFP_RECLAIMABLE | __GFP_MOVABLE)
#define GFP_MOVABLE_SHIFT 3

static inline int gfp_migratetype(gfp_t gfp)
{
	return (int)((gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT);
}

static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return (gfp & __GFP_DIRECT_RECLAIM) != 0;
}

/*
 * gfp_zone(): the highest zone an allocation may use, from the kernel's
 * GFP_ZONE_TABLE.  Returns -1 for a combination of zone modifiers that the
 * kernel calls a bug (e.g. __GFP_DMA | __GFP_HIGHMEM).
 */
UKMEM_API int ukmem_gfp_zone(gfp_t gfp);
static inline int gfp_zone(gfp_t gfp) { return ukmem_gfp_zone(gfp); }

/* ---- the page allocator ---------------------------------------------- */

UKMEM_API struct page *ukmem_alloc_pages(gfp_t gfp, unsigned int order, int nid);
UKMEM_API void ukmem_free_pages(struct page *page, unsigned int order);
UKMEM_API void *ukmem_alloc_pages_exact(size_t size, gfp_t gfp, int nid);
UKMEM_API void ukmem_free_pages_exact(void *virt, size_t size);
UKMEM_API void ukmem_free_pages_addr(unsigned long addr, unsigned int order);

/* alloc_pages: 2^order contiguous pages, naturally aligned; NULL on failure.
 * An order above MAX_PAGE_ORDER fails with a warning unless __GFP_NOWARN. */
static inline struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	return ukmem_alloc_pages(gfp, order, NUMA_NO_NODE);
}

/* alloc_pages_node: prefer node nid (NUMA_NO_NODE: the caller's node);
 * with __GFP_THISNODE only nid. */
static inline struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	return ukmem_alloc_pages(gfp, order, nid);
}

static inline struct page *__alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	return ukmem_alloc_pages(gfp, order, nid);
}

#define alloc_page(gfp) alloc_pages(gfp, 0)

static inline void __free_pages(struct page *page, unsigned int order)
{
	ukmem_free_pages(page, order);
}

#define __free_page(page) __free_pages((page), 0)

/* __get_free_pages: like alloc_pages, returning the address (0 on
 * failure); __GFP_HIGHMEM is stripped as in the kernel. */
static inline unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = ukmem_alloc_pages(gfp & ~__GFP_HIGHMEM, order, NUMA_NO_NODE);

	return page ? (unsigned long)page_address(page) : 0;
}

#define __get_free_page(gfp) __get_free_pages((gfp), 0)
#define __get_dma_pages(gfp, order) __get_free_pages((gfp) | GFP_DMA, (order))

static inline unsigned long get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}

/* free_pages: addr 0 does nothing; an address that is not page aligned or
 * not ukmem's is reported and ignored. */
static inline void free_pages(unsigned long addr, unsigned int order)
{
	ukmem_free_pages_addr(addr, order);
}

#define free_page(addr) free_pages((addr), 0)

/* alloc_pages_exact: exactly PAGE_ALIGN(size) bytes of contiguous pages;
 * the unused tail of the power-of-two block goes back at once. */
static inline void *alloc_pages_exact(size_t size, gfp_t gfp)
{
	return ukmem_alloc_pages_exact(size, gfp, NUMA_NO_NODE);
}

static inline void *alloc_pages_exact_nid(int nid, size_t size, gfp_t gfp)
{
	return ukmem_alloc_pages_exact(size, gfp, nid);
}

static inline void free_pages_exact(void *virt, size_t size)
{
	ukmem_free_pages_exact(virt, size);
}

#ifdef __cplusplus
}
#endif

#endif /* UKMEM_GFP_H */
