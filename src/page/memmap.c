/*
 * memmap.c - boot of the page allocator: memory regions, the memmap, nodes
 * and zones, and the pristine blocks that have never been touched.
 *
 * Theory
 * ------
 * Memory is a set of regions (hosted: one arena reserved from the OS;
 * bare: what the program registered).  Each region gets a range of pfns;
 * pfns of region r start at the next multiple of MAX_ORDER_NR_PAGES plus the
 * region's own misalignment, so pfn and address agree modulo the largest
 * block and every buddy block is naturally aligned in memory.
 *
 * The memmap (one struct page per pfn) and the other boot-time arrays come
 * from the top of the largest low-memory region (the kernel's memblock
 * allocates top-down for the same reason: keep the DMA zones free).  Those
 * pages are "reserved": present but not managed, not in MemTotal.
 *
 * A zone is the pages of one node in one zone type.  Hosted memory is laid
 * out by the zone options (DMA, DMA32, NORMAL, HIGHMEM in pfn order) and
 * cut into numa=fake nodes; bare regions say their zone and node.  The
 * intersection of region, zone range and node range is a "span"; a zone's
 * pages are the sum of its spans.
 *
 * Pristine blocks.  Initialising 24 GiB of struct pages would touch 384 MiB
 * of memmap at start.  Instead, as the kernel's deferred struct page init
 * does, whole MAX_PAGE_ORDER blocks of hosted memory start "pristine": a bit
 * in the zone's bitmap, counted in free_area[MAX_PAGE_ORDER].nr_free, their
 * struct pages untouched and their memory known to be zero.  The first
 * allocation that needs one materialises it.  A MAX_PAGE_ORDER block that
 * becomes free again is given back to the OS with its memmap and becomes
 * pristine again, so untouched memory costs neither memory nor metadata.
 * Bare memory is not known to be zero and is small: it is initialised at
 * boot.
 */
#include "page/internal.h"

struct page *ukmem_mem_map;
struct ukmem_mem_region ukmem_mem_regions[UKMEM_MAX_REGIONS];
int ukmem_nr_mem_regions;
struct ukmem_mm ukmem_mm;

const char *const ukmem_zone_names[MAX_NR_ZONES] = {
	"DMA", "DMA32", "Normal", "HighMem", "Movable",
};

const char *const ukmem_migratetype_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic",
};

#define BITS_PER_ULONG UKMEM_BITS_PER_LONG
#define MAX_SPANS (UKMEM_MAX_REGIONS * MAX_NR_ZONES * MAX_NUMNODES)

struct span {
	unsigned long lo, hi;	/* pfns */
	int nid, zone, region;
};

static struct span spans[MAX_SPANS];
static int nr_spans;

/* memblock: boot allocations, top-down from the end of one span.  The
 * pages it hands out, [reserved_lo, end_pfn), are reserved for good. */
static struct {
	int region;
	unsigned long end_pfn;
	unsigned long floor_pfn;	/* may not go below */
	unsigned long reserved_lo;	/* lowest pfn handed out */
} memblock;

static void *memblock_alloc(size_t size)
{
	unsigned long pages = (unsigned long)(PAGE_ALIGN(size) >> PAGE_SHIFT);
	const struct ukmem_mem_region *r = &ukmem_mem_regions[memblock.region];
	void *p;

	if (memblock.reserved_lo - memblock.floor_pfn < pages)
		return NULL;
	memblock.reserved_lo -= pages;
	p = (void *)(r->virt_delta + (memblock.reserved_lo << PAGE_SHIFT));
	if (!ukmem_mm.lazy_memmap)	/* a fresh hosted arena reads as zero */
		__builtin_memset(p, 0, pages << PAGE_SHIFT);
	return p;
}

bool ukmem_pfn_reserved(unsigned long pfn)
{
	return pfn >= memblock.reserved_lo && pfn < memblock.end_pfn;
}

static int pfn_region(unsigned long pfn)
{
	for (int i = 0; i < ukmem_nr_mem_regions; i++)
		if (pfn >= ukmem_mem_regions[i].pfn_start && pfn < ukmem_mem_regions[i].pfn_end)
			return i;
	return -1;
}

struct zone *pfn_zone(unsigned long pfn)
{
	for (int i = 0; i < nr_spans; i++)
		if (pfn >= spans[i].lo && pfn < spans[i].hi)
			return &NODE_DATA(spans[i].nid)->node_zones[spans[i].zone];
	return NULL;
}

struct page *ukmem_virt_to_page_slow(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;

	for (int i = 0; i < ukmem_nr_mem_regions; i++) {
		const struct ukmem_mem_region *r = &ukmem_mem_regions[i];

		if (a - r->start < r->size)
			return ukmem_mem_map + ((a - r->virt_delta) >> PAGE_SHIFT);
	}
	/* CONFIG_DEBUG_VIRTUAL's WARN */
	ukmem_warn("WARNING: virt_to_page used for non-linear address: 0x%lx\n",
		   (unsigned long)a);
	return NULL;
}

bool ukmem_virt_addr_valid(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;

	for (int i = 0; i < ukmem_nr_mem_regions; i++)
		if (a - ukmem_mem_regions[i].start < ukmem_mem_regions[i].size)
			return true;
	return false;
}

void init_struct_pages(struct zone *zone, unsigned long pfn, unsigned long nr)
{
	unsigned long flags = ((unsigned long)zone->zone_idx << ZONES_PGSHIFT) |
			      ((unsigned long)zone->node << NODES_PGSHIFT);
	int region = pfn_region(pfn);

	flags |= (unsigned long)region << REGIONS_PGSHIFT;
	for (unsigned long i = 0; i < nr; i++) {
		struct page *page = pfn_to_page(pfn + i);

		__builtin_memset(page, 0, sizeof(*page));
		page->flags = flags;
		page->page_type = ~0u;
	}
}

/* ---- pristine blocks ----------------------------------------------------- */

static unsigned long pristine_bit(const struct zone *zone, unsigned long pfn)
{
	return (pfn - zone->pristine_base_pfn) >> MAX_PAGE_ORDER;
}

bool pristine_test(const struct zone *zone, unsigned long pfn)
{
	unsigned long bit;

	if (!zone->pristine || pfn < zone->pristine_base_pfn)
		return false;
	bit = pristine_bit(zone, pfn);
	if (bit >= zone->nr_pristine_bits)
		return false;
	return (zone->pristine[bit / BITS_PER_ULONG] >> (bit % BITS_PER_ULONG)) & 1;
}

void pristine_set_locked(struct zone *zone, unsigned long pfn)
{
	unsigned long bit = pristine_bit(zone, pfn);

	zone->pristine[bit / BITS_PER_ULONG] |= 1UL << (bit % BITS_PER_ULONG);
	zone->nr_pristine++;
	if (bit < zone->pristine_hint)
		zone->pristine_hint = bit;
}

bool pristine_materialize_locked(struct zone *zone)
{
	unsigned long words = (zone->nr_pristine_bits + BITS_PER_ULONG - 1) / BITS_PER_ULONG;

	if (!zone->nr_pristine)
		return false;
	for (unsigned long w = zone->pristine_hint / BITS_PER_ULONG; w < words; w++) {
		unsigned long word = zone->pristine[w];

		if (!word)
			continue;
		unsigned long bit = w * BITS_PER_ULONG + (unsigned long)__builtin_ctzl(word);
		unsigned long pfn = zone->pristine_base_pfn + (bit << MAX_PAGE_ORDER);
		struct page *page = pfn_to_page(pfn);

		zone->pristine[w] &= ~(1UL << (bit % BITS_PER_ULONG));
		zone->nr_pristine--;
		zone->pristine_hint = bit;
		init_struct_pages(zone, pfn, MAX_ORDER_NR_PAGES);
		for (unsigned long pb = 0; pb < MAX_ORDER_NR_PAGES; pb += pageblock_nr_pages)
			set_pageblock_migratetype(zone, pfn + pb, MIGRATE_MOVABLE);
		/* nr_free already counts it: add to the list only. */
		area_nr_free_add_locked(zone, MAX_PAGE_ORDER, -1);
		add_free_block_locked(zone, page, MAX_PAGE_ORDER, MIGRATE_MOVABLE, true);
		zone_stat_add_locked(zone, NR_FREE_PAGES, -(long)MAX_ORDER_NR_PAGES);
		return true;
	}
	return false;
}

/* ---- layout ------------------------------------------------------------ */

static int setup_regions(const struct ukmem_page_options *opt)
{
	struct plat_region regs[UKMEM_MAX_REGIONS];
	int n = ukmem_plat_regions(regs, UKMEM_MAX_REGIONS);
	unsigned long next_pfn = 0;

	if (n == 0) {
		unsigned long long mem = opt->mem ? opt->mem : ukmem_plat_ram_bytes();
		void *arena;

		mem &= ~(unsigned long long)(PAGE_SIZE - 1);
		if (mem < (MAX_ORDER_NR_PAGES << PAGE_SHIFT)) {
			ukmem_printk("ukmem: mem=%llu is too small (at least %lu bytes)\n",
				     mem, MAX_ORDER_NR_PAGES << PAGE_SHIFT);
			return -22;
		}
		arena = ukmem_plat_reserve((size_t)mem, MAX_ORDER_NR_PAGES << PAGE_SHIFT);
		if (!arena) {
			ukmem_printk("ukmem: cannot reserve %llu bytes of address space\n", mem);
			return -12;
		}
		regs[0].base = (uintptr_t)arena;
		regs[0].size = (size_t)mem;
		regs[0].zone = -1;
		regs[0].nid = -1;
		n = 1;
		ukmem_mm.release_to_os = opt->release_to_os;
		ukmem_mm.lazy_memmap = true;
		ukmem_mm.arena_base = (uintptr_t)arena;
		ukmem_mm.arena_size = (size_t)mem;
	}

	for (int i = 0; i < n; i++) {
		struct ukmem_mem_region *r = &ukmem_mem_regions[i];
		uintptr_t start = (regs[i].base + PAGE_SIZE - 1) & PAGE_MASK;
		uintptr_t end = (regs[i].base + regs[i].size) & PAGE_MASK;
		unsigned long misalign = (start >> PAGE_SHIFT) & (MAX_ORDER_NR_PAGES - 1);

		if (end <= start)
			return -22;
		next_pfn = (next_pfn + MAX_ORDER_NR_PAGES - 1) & ~(MAX_ORDER_NR_PAGES - 1);
		r->pfn_start = next_pfn + misalign;
		r->pfn_end = r->pfn_start + ((end - start) >> PAGE_SHIFT);
		r->start = start;
		r->size = end - start;
		r->virt_delta = start - ((uintptr_t)r->pfn_start << PAGE_SHIFT);
		next_pfn = r->pfn_end;
	}
	ukmem_nr_mem_regions = n;
	return n;
}

static void add_span(unsigned long lo, unsigned long hi, int nid, int zone, int region)
{
	if (lo >= hi || nr_spans >= MAX_SPANS)
		return;
	spans[nr_spans++] = (struct span){ lo, hi, nid, zone, region };
}

/*
 * Zone ranges of the hosted arena by the options: DMA, DMA32, NORMAL,
 * HIGHMEM in pfn order; NORMAL takes what is left.
 */
static int hosted_zone_ranges(const struct ukmem_page_options *opt, unsigned long total,
			      unsigned long lo[MAX_NR_ZONES], unsigned long hi[MAX_NR_ZONES])
{
	unsigned long pages[MAX_NR_ZONES] = { 0 };
	unsigned long four_g = (unsigned long)((4ULL << 30) >> PAGE_SHIFT);
	unsigned long used = 0, pfn = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (opt->zone_size_set[z])
			pages[z] = (unsigned long)(opt->zone_size[z] >> PAGE_SHIFT);
	if (!opt->zone_size_set[ZONE_DMA])
		pages[ZONE_DMA] = (16UL << 20) >> PAGE_SHIFT;
	if (!opt->zone_size_set[ZONE_DMA])
		pages[ZONE_DMA] = pages[ZONE_DMA] < total ? pages[ZONE_DMA] : total;
	if (!opt->zone_size_set[ZONE_DMA32]) {
		unsigned long top = total < four_g ? total : four_g;

		pages[ZONE_DMA32] = top > pages[ZONE_DMA] ? top - pages[ZONE_DMA] : 0;
	}
	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (z != ZONE_NORMAL)
			used += pages[z];
	if (used > total) {
		ukmem_printk("ukmem: zone sizes (%lu pages) exceed mem (%lu pages)\n", used, total);
		return -22;
	}
	pages[ZONE_NORMAL] = total - used;
	static const int order[] = { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_HIGHMEM, ZONE_MOVABLE };
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		int z = order[i];

		lo[z] = pfn;
		pfn += pages[z];
		hi[z] = pfn;
	}
	ukmem_mm.highmem_configured = pages[ZONE_HIGHMEM] != 0;
	return 0;
}

static int build_spans(const struct ukmem_page_options *opt)
{
	struct plat_region regs[UKMEM_MAX_REGIONS];
	int nregs = ukmem_plat_regions(regs, UKMEM_MAX_REGIONS);
	int nr_nodes = opt->numa_nodes > 0 ? opt->numa_nodes : 1;

	nr_spans = 0;
	if (nregs == 0) {
		/* Hosted: one region laid out by options. */
		const struct ukmem_mem_region *r = &ukmem_mem_regions[0];
		unsigned long total = r->pfn_end - r->pfn_start;
		unsigned long zlo[MAX_NR_ZONES], zhi[MAX_NR_ZONES];
		unsigned long node_pages = total / (unsigned long)nr_nodes;

		if (hosted_zone_ranges(opt, total, zlo, zhi))
			return -22;
		node_pages &= ~(MAX_ORDER_NR_PAGES - 1);
		if (nr_nodes > 1 && node_pages < MAX_ORDER_NR_PAGES) {
			ukmem_printk("ukmem: numa=fake=%d: nodes would be smaller than %lu pages\n",
				     nr_nodes, MAX_ORDER_NR_PAGES);
			return -22;
		}
		for (int nid = 0; nid < nr_nodes; nid++) {
			unsigned long nlo = (unsigned long)nid * node_pages;
			unsigned long nhi = nid == nr_nodes - 1 ? total : nlo + node_pages;

			for (int z = 0; z < MAX_NR_ZONES; z++) {
				unsigned long lo = zlo[z] > nlo ? zlo[z] : nlo;
				unsigned long hi = zhi[z] < nhi ? zhi[z] : nhi;

				add_span(r->pfn_start + lo, r->pfn_start + hi, nid, z, 0);
			}
		}
		ukmem_mm.nr_nodes = nr_nodes;
		return 0;
	}

	ukmem_mm.nr_nodes = 1;
	for (int i = 0; i < nregs; i++) {
		const struct ukmem_mem_region *r = &ukmem_mem_regions[i];

		if (regs[i].zone < 0 || regs[i].zone >= MAX_NR_ZONES ||
		    regs[i].nid < 0 || regs[i].nid >= MAX_NUMNODES)
			return -22;
		add_span(r->pfn_start, r->pfn_end, regs[i].nid, regs[i].zone, i);
		if (regs[i].nid + 1 > ukmem_mm.nr_nodes)
			ukmem_mm.nr_nodes = regs[i].nid + 1;
		if (regs[i].zone == ZONE_HIGHMEM)
			ukmem_mm.highmem_configured = true;
	}
	return 0;
}

/* memblock lives at the top of the largest span below highmem. */
static int setup_memblock(void)
{
	int best = -1;

	for (int i = 0; i < nr_spans; i++) {
		if (spans[i].zone == ZONE_HIGHMEM || spans[i].zone == ZONE_MOVABLE)
			continue;
		if (best < 0 || spans[i].hi - spans[i].lo >= spans[best].hi - spans[best].lo)
			best = i;
	}
	if (best < 0)
		return -22;
	memblock.region = spans[best].region;
	memblock.end_pfn = spans[best].hi;
	memblock.floor_pfn = spans[best].lo;
	memblock.reserved_lo = spans[best].hi;
	return 0;
}

static int setup_zones(void)
{
	int nr_cpus = ukmem_plat_nr_cpus();

	ukmem_mm.nr_cpus = nr_cpus;
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++) {
		pg_data_t *pgdat = NODE_DATA(nid);
		unsigned long nlo = ~0UL, nhi = 0;

		pgdat->node_id = nid;
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &pgdat->node_zones[z];
			unsigned long lo = ~0UL, hi = 0, present = 0;

			zone->zone_pgdat = pgdat;
			zone->name = ukmem_zone_names[z];
			zone->zone_idx = z;
			zone->node = nid;
			ukmem_lock_init(&zone->lock, LOCK_RANK_ZONE);
			for (int o = 0; o < NR_PAGE_ORDERS; o++)
				for (int t = 0; t < MIGRATE_TYPES; t++)
					INIT_LIST_HEAD(&zone->free_area[o].free_list[t]);
			for (int i = 0; i < nr_spans; i++) {
				if (spans[i].nid != nid || spans[i].zone != z)
					continue;
				lo = spans[i].lo < lo ? spans[i].lo : lo;
				hi = spans[i].hi > hi ? spans[i].hi : hi;
				present += spans[i].hi - spans[i].lo;
			}
			if (!present) {
				zone->zone_start_pfn = 0;
				continue;
			}
			zone->zone_start_pfn = lo;
			zone->spanned_pages = hi - lo;
			zone->present_pages = present;
			nlo = lo < nlo ? lo : nlo;
			nhi = hi > nhi ? hi : nhi;
			pgdat->node_present_pages += present;
		}
		pgdat->node_start_pfn = nhi ? nlo : 0;
		pgdat->node_spanned_pages = nhi ? nhi - nlo : 0;
	}

	/* Boot-time arrays, then the memmap last so it sits lowest. */
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[z];
			unsigned long first_block, last_block, blocks;

			if (!populated_zone(zone))
				continue;
			zone->per_cpu_pageset = memblock_alloc(sizeof(struct per_cpu_pages) *
							       (size_t)nr_cpus);
			blocks = ((zone->zone_start_pfn & (pageblock_nr_pages - 1)) +
				  zone->spanned_pages + pageblock_nr_pages - 1) / pageblock_nr_pages;
			zone->pageblock_mt = memblock_alloc(blocks);
			if (!zone->per_cpu_pageset || !zone->pageblock_mt)
				return -12;
			for (int cpu = 0; cpu < nr_cpus; cpu++)
				for (int l = 0; l < NR_PCP_LISTS; l++)
					INIT_LIST_HEAD(&zone->per_cpu_pageset[cpu].lists[l]);
			if (!ukmem_mm.lazy_memmap)
				continue;
			first_block = (zone->zone_start_pfn + MAX_ORDER_NR_PAGES - 1) &
				      ~(MAX_ORDER_NR_PAGES - 1);
			last_block = (zone->zone_start_pfn + zone->spanned_pages) &
				     ~(MAX_ORDER_NR_PAGES - 1);
			zone->pristine_base_pfn = first_block;
			zone->nr_pristine_bits = last_block > first_block ?
				(last_block - first_block) >> MAX_PAGE_ORDER : 0;
			zone->pristine = memblock_alloc((zone->nr_pristine_bits + BITS_PER_ULONG) /
							BITS_PER_ULONG * sizeof(unsigned long));
			if (!zone->pristine)
				return -12;
		}
	}
	ukmem_mm.max_pfn = ukmem_mem_regions[ukmem_nr_mem_regions - 1].pfn_end;
	ukmem_mem_map = memblock_alloc(ukmem_mm.max_pfn * sizeof(struct page));
	return ukmem_mem_map ? 0 : -12;
}

/* Free [lo, hi) of a zone to the buddy lists in the largest aligned blocks;
 * with a lazy memmap, whole MAX_PAGE_ORDER blocks become pristine. */
static void free_range(struct zone *zone, unsigned long lo, unsigned long hi)
{
	bool lazy = ukmem_mm.lazy_memmap;

	while (lo < hi) {
		unsigned int order = MAX_PAGE_ORDER;

		while (order > 0 && ((lo & ((1UL << order) - 1)) || lo + (1UL << order) > hi))
			order--;
		for (unsigned long pb = lo & ~(pageblock_nr_pages - 1); pb < lo + (1UL << order);
		     pb += pageblock_nr_pages)
			set_pageblock_migratetype(zone, pb, MIGRATE_MOVABLE);
		if (order == MAX_PAGE_ORDER && lazy) {
			pristine_set_locked(zone, lo);
			area_nr_free_add_locked(zone, MAX_PAGE_ORDER, 1);
			zone_stat_add_locked(zone, NR_FREE_PAGES, (long)MAX_ORDER_NR_PAGES);
		} else {
			init_struct_pages(zone, lo, 1UL << order);
			add_free_block_locked(zone, pfn_to_page(lo), order, MIGRATE_MOVABLE, lazy);
		}
		lo += 1UL << order;
	}
}

static void free_boot_memory(void)
{
	for (int i = 0; i < nr_spans; i++) {
		struct zone *zone = &NODE_DATA(spans[i].nid)->node_zones[spans[i].zone];
		unsigned long lo = spans[i].lo, hi = spans[i].hi;
		unsigned long rlo = memblock.reserved_lo > lo ? memblock.reserved_lo : lo;
		unsigned long rhi = memblock.end_pfn < hi ? memblock.end_pfn : hi;
		unsigned long reserved = rhi > rlo ? rhi - rlo : 0;

		zone->managed_pages += hi - lo - reserved;
		ukmem_mm.reserved_pages += reserved;
		if (reserved) {
			free_range(zone, lo, rlo);
			free_range(zone, rhi, hi);
		} else {
			free_range(zone, lo, hi);
		}
		ukmem_mm.totalram_pages += hi - lo - reserved;
	}
}

static int page_init_steps(const struct ukmem_page_options *opt);

/* Undo a start that failed half way: give the arena back and forget the
 * regions, so nothing points at memory ukmem does not manage. */
static void page_init_undo(void)
{
	if (ukmem_mm.arena_base)
		ukmem_plat_unreserve((void *)ukmem_mm.arena_base, ukmem_mm.arena_size);
	__builtin_memset(&ukmem_mm, 0, sizeof(ukmem_mm));
	__builtin_memset(ukmem_mem_regions, 0, sizeof(ukmem_mem_regions));
	__builtin_memset(&memblock, 0, sizeof(memblock));
	ukmem_nr_mem_regions = 0;
	ukmem_mem_map = NULL;
	nr_spans = 0;
}

int ukmem_page_init(const struct ukmem_page_options *opt)
{
	int ret = page_init_steps(opt);

	if (ret < 0)
		page_init_undo();
	else
		page_register_lock_walkers();
	return ret;
}

static int page_init_steps(const struct ukmem_page_options *opt)
{
	int ret;

	ukmem_mm.watermark_scale_factor = 10;
	ukmem_mm.lowmem_reserve_ratio[ZONE_DMA] = 256;
	ukmem_mm.lowmem_reserve_ratio[ZONE_DMA32] = 256;
	ukmem_mm.lowmem_reserve_ratio[ZONE_NORMAL] = 32;
	ukmem_mm.user_min_free_kbytes = opt->min_free_kbytes;

	ret = setup_regions(opt);
	if (ret < 0)
		return ret;
	ret = build_spans(opt);
	if (ret < 0)
		return ret;
	ret = setup_memblock();
	if (ret < 0)
		return ret;
	ret = setup_zones();
	if (ret < 0) {
		ukmem_printk("ukmem: not enough memory for the memmap\n");
		return ret;
	}
	free_boot_memory();
	ukmem_mm.min_free_kbytes = opt->min_free_kbytes >= 0 ? opt->min_free_kbytes :
				   ukmem_calculate_min_free_kbytes();
	ukmem_setup_per_zone_wmarks();
	return 0;
}
