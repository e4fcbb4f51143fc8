/*
 * ukmem/mm.h - pages, zones and the conversions between pages, page frame
 * numbers and addresses (the parts of <linux/mm.h>, <linux/mmzone.h> and
 * <asm/page.h> that allocator callers use).
 *
 * Memory is one or more regions of "physical" memory.  Every page of every
 * region has a struct page in one array, the memmap, indexed by page frame
 * number (pfn).  Region r covers the pfns [pfn_start, pfn_end) and its
 * address is addr = virt_delta + (pfn << PAGE_SHIFT); pfns are congruent to
 * addresses modulo MAX_ORDER_NR_PAGES, so a buddy block aligned in pfns is
 * aligned in memory too.  Hosted ukmem has one region, the arena.
 */
#ifndef UKMEM_MM_H
#define UKMEM_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ukmem/types.h>
#include <ukmem/ukmem.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x)	(((x) + PAGE_SIZE - 1) & PAGE_MASK)
#define PAGE_ALIGNED(x)	((((unsigned long)(x)) & (PAGE_SIZE - 1)) == 0)

/*
 * Orders 0..10.  MAX_ORDER is the seed's exclusive bound (Linux <= 6.3),
 * MAX_PAGE_ORDER the inclusive one (Linux >= 6.8).
 */
#define MAX_PAGE_ORDER		10
#define MAX_ORDER		(MAX_PAGE_ORDER + 1)
#define NR_PAGE_ORDERS		(MAX_PAGE_ORDER + 1)
#define MAX_ORDER_NR_PAGES	(1UL << MAX_PAGE_ORDER)
#define PAGE_ALLOC_COSTLY_ORDER	3
#define pageblock_order		9
#define pageblock_nr_pages	(1UL << pageblock_order)

#define NUMA_NO_NODE	(-1)
#define MAX_NUMNODES	UKMEM_MAX_NUMNODES

enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	ZONE_HIGHMEM,
	ZONE_MOVABLE,
	MAX_NR_ZONES
};

/*
 * struct page: 64 bytes on 64-bit machines, laid out as the kernel's.
 * The union is owned by whoever owns the page: the page allocator while it
 * is free, the slab layer for slab pages (struct slab overlays it), the
 * caller otherwise (page->private and page->lru are the caller's, as in the
 * kernel).  Tail pages of a compound page hold compound_head = head | 1 in
 * the first word; the first tail also holds the compound order.
 *
 * C++ reserves the word "private": there the field is page->private_, the
 * same word; page_private() and set_page_private() work in both.
 */
#ifdef __cplusplus
#define UKMEM_PAGE_PRIVATE private_
#else
#define UKMEM_PAGE_PRIVATE private
#endif
struct page {
	unsigned long flags;		/* PG_* bits low, node/zone/region high */
	union {
		struct {
			struct list_head lru;
			void *mapping;
			unsigned long index;
			unsigned long UKMEM_PAGE_PRIVATE;
		};
		struct {
			unsigned long compound_head;	/* head | 1 in tail pages */
			unsigned char compound_dtor;
			unsigned char compound_order;	/* first tail page */
		};
		unsigned long __words[5];
	};
	unsigned int page_type;		/* PAGE_TYPE_BASE with type bits cleared */
	int _refcount;
	unsigned long ukmem_info;	/* page allocator bookkeeping, see below */
};

/* Page flag bits (Linux 6.6 enum pageflags). */
enum pageflags {
	PG_locked = 0,
	PG_referenced = 2,
	PG_uptodate = 3,
	PG_dirty = 4,
	PG_lru = 5,
	PG_head = 6,
	PG_active = 8,
	PG_workingset = 9,
	PG_slab = 11,
	PG_reserved = 14,
	PG_private = 15,
	__NR_PAGEFLAGS = 22
};

/* page_type values: the kernel stores page types inverted. */
#define PAGE_TYPE_BASE	0xf0000000u
#define PG_buddy	0x00000080u

/* High bits of page->flags: zone, node and region of the page. */
#define UKMEM_BITS_PER_LONG	((int)(sizeof(unsigned long) * 8))
#define ZONES_WIDTH	3
#define NODES_WIDTH	3
#define REGIONS_WIDTH	4
#define ZONES_PGSHIFT	(UKMEM_BITS_PER_LONG - ZONES_WIDTH)
#define NODES_PGSHIFT	(ZONES_PGSHIFT - NODES_WIDTH)
#define REGIONS_PGSHIFT	(NODES_PGSHIFT - REGIONS_WIDTH)
#define UKMEM_MAX_REGIONS (1 << REGIONS_WIDTH)

/* ukmem_info bits: order + 1 of a block the page allocator handed out
 * (head page only, 0 when not allocated), and what is known of a free
 * block's contents. */
#define UKMEM_INFO_ORDER_MASK	0xffUL
#define UKMEM_INFO_ZEROED	0x100UL	/* every byte of the free block is 0 */

struct ukmem_mem_region {
	uintptr_t start;	/* first byte of the usable, aligned range */
	uintptr_t size;		/* bytes in it */
	uintptr_t virt_delta;	/* address of pfn 0 as seen from this region */
	unsigned long pfn_start, pfn_end;
};

UKMEM_API extern struct page *ukmem_mem_map;
UKMEM_API extern struct ukmem_mem_region ukmem_mem_regions[UKMEM_MAX_REGIONS];
UKMEM_API extern int ukmem_nr_mem_regions;

UKMEM_API struct page *ukmem_virt_to_page_slow(const void *addr);
UKMEM_API bool ukmem_virt_addr_valid(const void *addr);

static inline unsigned long page_to_pfn(const struct page *page)
{
	return (unsigned long)(page - ukmem_mem_map);
}

static inline struct page *pfn_to_page(unsigned long pfn)
{
	return ukmem_mem_map + pfn;
}

static inline int page_zonenum(const struct page *page)
{
	return (int)((page->flags >> ZONES_PGSHIFT) & ((1UL << ZONES_WIDTH) - 1));
}

static inline int page_to_nid(const struct page *page)
{
	return (int)((page->flags >> NODES_PGSHIFT) & ((1UL << NODES_WIDTH) - 1));
}

static inline int ukmem_page_region(const struct page *page)
{
	return (int)((page->flags >> REGIONS_PGSHIFT) & ((1UL << REGIONS_WIDTH) - 1));
}

static inline void *page_address(const struct page *page)
{
	const struct ukmem_mem_region *r = &ukmem_mem_regions[ukmem_page_region(page)];

	return (void *)(r->virt_delta + ((uintptr_t)page_to_pfn(page) << PAGE_SHIFT));
}

#define lowmem_page_address(page) page_address(page)

/*
 * virt_to_page: the struct page of an address in ukmem's memory.  Region 0
 * (the hosted arena) is checked inline (ukmem_arena_page: NULL outside
 * it); anything else takes the slow path, which reports an address ukmem
 * does not own and returns NULL.
 */
static inline bool ukmem_in_arena(const void *addr)
{
	return (uintptr_t)addr - ukmem_mem_regions[0].start < ukmem_mem_regions[0].size;
}

/* The struct page of addr, which must be in the arena. */
static inline struct page *ukmem_arena_page_of(const void *addr)
{
	return ukmem_mem_map + (((uintptr_t)addr - ukmem_mem_regions[0].virt_delta) >> PAGE_SHIFT);
}

static inline struct page *ukmem_arena_page(const void *addr)
{
	return ukmem_in_arena(addr) ? ukmem_arena_page_of(addr) : NULL;
}

static inline struct page *virt_to_page(const void *addr)
{
	struct page *page = ukmem_arena_page(addr);

	return page ? page : ukmem_virt_to_page_slow(addr);
}

static inline bool virt_addr_valid(const void *addr)
{
	return ukmem_virt_addr_valid(addr);
}

static inline bool PageTail(const struct page *page)
{
	return (page->compound_head & 1) != 0;
}

static inline bool PageHead(const struct page *page)
{
	return (page->flags & (1UL << PG_head)) != 0;
}

static inline bool PageCompound(const struct page *page)
{
	return PageHead(page) || PageTail(page);
}

static inline struct page *compound_head(const struct page *page)
{
	unsigned long head = page->compound_head;

	if (head & 1)
		return (struct page *)(head - 1);
	return (struct page *)page;
}

static inline unsigned int compound_order(const struct page *page)
{
	if (!PageHead(page))
		return 0;
	return page[1].compound_order;
}

#define virt_to_head_page(addr) compound_head(virt_to_page(addr))

static inline bool PageBuddy(const struct page *page)
{
	return (page->page_type & (PAGE_TYPE_BASE | PG_buddy)) == PAGE_TYPE_BASE;
}

static inline bool PageSlab(const struct page *page)
{
	return (page->flags & (1UL << PG_slab)) != 0;
}

static inline bool PageReserved(const struct page *page)
{
	return (page->flags & (1UL << PG_reserved)) != 0;
}

static inline int page_ref_count(const struct page *page)
{
	return __atomic_load_n(&page->_refcount, __ATOMIC_RELAXED);
}

static inline int page_count(const struct page *page)
{
	return page_ref_count(compound_head(page));
}

static inline unsigned long page_private(const struct page *page)
{
	return page->UKMEM_PAGE_PRIVATE;
}

static inline void set_page_private(struct page *page, unsigned long value)
{
	page->UKMEM_PAGE_PRIVATE = value;
}

static inline int ukmem_fls_long(unsigned long x)
{
	return x ? UKMEM_BITS_PER_LONG - __builtin_clzl(x) : 0;
}

/* get_order: the order whose block holds size bytes (the kernel's result
 * for 0, BITS_PER_LONG - PAGE_SHIFT, included). */
static inline int get_order(unsigned long size)
{
	size--;
	size >>= PAGE_SHIFT;
	return ukmem_fls_long(size);
}

#ifdef __cplusplus
}
#endif

#endif /* UKMEM_MM_H */
