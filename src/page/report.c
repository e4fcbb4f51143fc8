/*
 * report.c - the page allocator's reports, in the kernel's words:
 * "BUG: Bad page state" with dump_page(), the "page allocation failure"
 * warning with show_mem(), and the %pGg / %pGp flag renderings they use.
 *
 * Theory
 * ------
 * Reports are rate-limited as in the kernel (bad_page: a burst of 60 per
 * minute; warn_alloc: one per 10 seconds).  The stack header shows the
 * taint state (lib/taint.c); bad_page() sets TAINT_BAD_PAGE after its
 * report, as the kernel's does.  Reports never change allocator
 * state: unlike the kernel's bad_page(), which resets the page's type, a
 * report here only reads, so a bad free cannot corrupt the free lists.
 * Everything is formatted on the stack: reports may run with zone locks
 * held and must not allocate.
 */
#include "page/internal.h"

struct flag_name {
	unsigned long mask;
	const char *name;
};

/* Composites first, as include/trace/events/mmflags.h lists them. */
static const struct flag_name gfp_names[] = {
	{ GFP_TRANSHUGE, "GFP_TRANSHUGE" },
	{ GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT" },
	{ GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE" },
	{ GFP_HIGHUSER, "GFP_HIGHUSER" },
	{ GFP_USER, "GFP_USER" },
	{ GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT" },
	{ GFP_KERNEL, "GFP_KERNEL" },
	{ GFP_NOFS, "GFP_NOFS" },
	{ GFP_ATOMIC, "GFP_ATOMIC" },
	{ GFP_NOIO, "GFP_NOIO" },
	{ GFP_NOWAIT, "GFP_NOWAIT" },
	{ GFP_DMA, "GFP_DMA" },
	{ __GFP_HIGHMEM, "__GFP_HIGHMEM" },
	{ GFP_DMA32, "GFP_DMA32" },
	{ __GFP_HIGH, "__GFP_HIGH" },
	{ __GFP_IO, "__GFP_IO" },
	{ __GFP_FS, "__GFP_FS" },
	{ __GFP_NOWARN, "__GFP_NOWARN" },
	{ __GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" },
	{ __GFP_NOFAIL, "__GFP_NOFAIL" },
	{ __GFP_NORETRY, "__GFP_NORETRY" },
	{ __GFP_COMP, "__GFP_COMP" },
	{ __GFP_ZERO, "__GFP_ZERO" },
	{ __GFP_NOMEMALLOC, "__GFP_NOMEMALLOC" },
	{ __GFP_MEMALLOC, "__GFP_MEMALLOC" },
	{ __GFP_HARDWALL, "__GFP_HARDWALL" },
	{ __GFP_THISNODE, "__GFP_THISNODE" },
	{ __GFP_RECLAIMABLE, "__GFP_RECLAIMABLE" },
	{ __GFP_MOVABLE, "__GFP_MOVABLE" },
	{ __GFP_ACCOUNT, "__GFP_ACCOUNT" },
	{ __GFP_WRITE, "__GFP_WRITE" },
	{ __GFP_RECLAIM, "__GFP_RECLAIM" },
	{ __GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM" },
	{ __GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM" },
	{ __GFP_ZEROTAGS, "__GFP_ZEROTAGS" },
	{ __GFP_COLD, "__GFP_COLD" },
};

static const struct flag_name page_flag_names[] = {
	{ 1UL << PG_locked, "locked" },
	{ 1UL << PG_referenced, "referenced" },
	{ 1UL << PG_uptodate, "uptodate" },
	{ 1UL << PG_dirty, "dirty" },
	{ 1UL << PG_lru, "lru" },
	{ 1UL << PG_head, "head" },
	{ 1UL << PG_active, "active" },
	{ 1UL << PG_workingset, "workingset" },
	{ 1UL << PG_slab, "slab" },
	{ 1UL << PG_reserved, "reserved" },
	{ 1UL << PG_private, "private" },
};

/* The kernel's format_flags(): names joined by '|', what is left in hex. */
static void format_flags(struct seq_buf *s, unsigned long flags, const struct flag_name *names,
			 int n)
{
	for (int i = 0; i < n && flags; i++) {
		if (!names[i].mask || (flags & names[i].mask) != names[i].mask)
			continue;
		ukmem_seq_puts(s, names[i].name);
		flags &= ~names[i].mask;
		if (flags)
			ukmem_seq_puts(s, "|");
	}
	if (flags)
		ukmem_seq_printf(s, "%#lx", flags);
}

const char *format_gfp(gfp_t gfp, char *buf, size_t size)
{
	struct seq_buf s;

	ukmem_seq_init(&s, buf, size);
	format_flags(&s, gfp, gfp_names, (int)(sizeof(gfp_names) / sizeof(gfp_names[0])));
	return buf;
}

/* %pGp: "0x...(flag|flag|node=N|zone=Z)". */
static void format_page_flags(struct seq_buf *s, unsigned long flags)
{
	unsigned long low = flags & ((1UL << __NR_PAGEFLAGS) - 1);

	ukmem_seq_printf(s, "%#lx(", flags);
	format_flags(s, low, page_flag_names,
		     (int)(sizeof(page_flag_names) / sizeof(page_flag_names[0])));
	ukmem_seq_printf(s, "%snode=%lu|zone=%lu)", low ? "|" : "",
			 (flags >> NODES_PGSHIFT) & ((1UL << NODES_WIDTH) - 1),
			 (flags >> ZONES_PGSHIFT) & ((1UL << ZONES_WIDTH) - 1));
}


void dump_page(const struct page *page, const char *reason)
{
	const struct page *head = compound_head(page);
	char buf[256];
	struct seq_buf s;
	const unsigned long *raw = (const unsigned long *)(const void *)page;

	ukmem_printk("page:%p refcount:%d mapcount:0 mapping:%p index:%#lx pfn:%#lx\n",
		     (const void *)page, page_ref_count(head), head->mapping, page->index,
		     page_to_pfn(page));
	if (head != page || PageHead(page))
		ukmem_printk("head:%p order:%u entire_mapcount:0 nr_pages_mapped:0 pincount:0\n",
			     (const void *)head, compound_order(head));
	ukmem_seq_init(&s, buf, sizeof(buf));
	format_page_flags(&s, head->flags);
	ukmem_printk("flags: %s\n", buf);
	ukmem_printk("page_type: %#x(%s)\n", page->page_type, PageBuddy(page) ? "buddy" : "");
	for (size_t i = 0; i < sizeof(struct page) / sizeof(unsigned long); i += 4) {
		ukmem_seq_init(&s, buf, sizeof(buf));
		for (size_t j = i; j < i + 4 && j < sizeof(struct page) / sizeof(unsigned long); j++)
			ukmem_seq_printf(&s, "%s%0*lx", j == i ? "" : " ",
					 (int)(2 * sizeof(unsigned long)), raw[j]);
		ukmem_printk("raw: %s\n", buf);
	}
	if (reason)
		ukmem_printk("page dumped because: %s\n", reason);
}

/* bad_page()'s limit: a burst of 60 reports, then quiet for the rest of
 * that minute. */
static struct ratelimit_state bad_page_rs = { .interval_ns = 60ULL * 1000000000ULL,
					      .burst = 60 };

/* As the kernel's: the taint comes after the report, and also when the
 * report is rate-limited away. */
void bad_page(const struct page *page, const char *reason)
{
	__atomic_fetch_add(&ukmem_mm.bad_page_reports, 1, __ATOMIC_RELAXED);
	if (ukmem_ratelimit(&bad_page_rs)) {
		ukmem_printk("BUG: Bad page state in process %s  pfn:%05lx\n", ukmem_plat_comm(),
			     page_to_pfn(page));
		dump_page(page, reason);
		ukmem_printk("Modules linked in:\n");
		dump_stack();
	}
	ukmem_add_taint(TAINT_BAD_PAGE);
}

static unsigned long k(unsigned long pages)
{
	return pages << (PAGE_SHIFT - 10);
}

/* show_free_areas(): the zone summary the kernel prints with an
 * allocation failure.  Reads counters without locks, as the kernel does. */
void show_free_areas(void)
{
	unsigned long free = 0, free_pcp = 0;

	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++)
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &NODE_DATA(nid)->node_zones[z];

			if (!populated_zone(zone))
				continue;
			free += zone_page_state(zone, NR_FREE_PAGES);
			for (int cpu = 0; cpu < ukmem_mm.nr_cpus; cpu++)
				free_pcp += (unsigned long)__atomic_load_n(
					&zone->per_cpu_pageset[cpu].count, __ATOMIC_RELAXED);
		}
	ukmem_printk("Mem-Info:\n");
	ukmem_printk("active_anon:0 inactive_anon:0 isolated_anon:0\n"
		     " active_file:0 inactive_file:0 isolated_file:0\n"
		     " unevictable:0 dirty:0 writeback:0\n"
		     " slab_reclaimable:0 slab_unreclaimable:0\n"
		     " mapped:0 shmem:0 pagetables:0\n"
		     " sec_pagetables:0 bounce:0\n"
		     " kernel_misc_reclaimable:0\n"
		     " free:%lu free_pcp:%lu free_cma:0\n", free, free_pcp);
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &NODE_DATA(nid)->node_zones[z];
			unsigned long zone_pcp = 0;
			char buf[512];
			struct seq_buf s;

			if (!populated_zone(zone))
				continue;
			for (int cpu = 0; cpu < ukmem_mm.nr_cpus; cpu++)
				zone_pcp += (unsigned long)__atomic_load_n(
					&zone->per_cpu_pageset[cpu].count, __ATOMIC_RELAXED);
			ukmem_printk("Node %d %s free:%lukB boost:0kB min:%lukB low:%lukB high:%lukB "
				     "reserved_highatomic:0KB active_anon:0kB inactive_anon:0kB "
				     "active_file:0kB inactive_file:0kB unevictable:0kB "
				     "writepending:0kB present:%lukB managed:%lukB mlocked:0kB "
				     "bounce:0kB free_pcp:%lukB local_pcp:0kB free_cma:0kB\n",
				     nid, zone->name, k(zone_page_state(zone, NR_FREE_PAGES)),
				     k(min_wmark_pages(zone)), k(low_wmark_pages(zone)),
				     k(high_wmark_pages(zone)), k(zone->present_pages),
				     k(zone->managed_pages), k(zone_pcp));
			ukmem_seq_init(&s, buf, sizeof(buf));
			for (int j = 0; j < MAX_NR_ZONES; j++)
				ukmem_seq_printf(&s, " %ld", zone->lowmem_reserve[j]);
			ukmem_printk("lowmem_reserve[]:%s\n", buf);
		}
	}
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &NODE_DATA(nid)->node_zones[z];
			unsigned long total = 0;
			char buf[512];
			struct seq_buf s;

			if (!populated_zone(zone))
				continue;
			ukmem_seq_init(&s, buf, sizeof(buf));
			for (int o = 0; o < NR_PAGE_ORDERS; o++) {
				unsigned long nr = __atomic_load_n(&zone->free_area[o].nr_free,
								   __ATOMIC_RELAXED);

				ukmem_seq_printf(&s, "%lu*%lukB ", nr, k(1UL << o));
				total += nr << o;
			}
			ukmem_printk("Node %d %s: %s= %lukB\n", nid, zone->name, buf, k(total));
		}
	}
	ukmem_printk("%lu pages RAM\n%lu pages reserved\n",
		     ukmem_mm.totalram_pages + ukmem_mm.reserved_pages, ukmem_mm.reserved_pages);
}

static struct ratelimit_state nopage_rs = { .interval_ns = 10ULL * 1000000000ULL, .burst = 1 };

void warn_alloc(gfp_t gfp, const char *fmt, ...)
{
	char msg[128], flags[256], mems[32];
	va_list ap;

	if ((gfp & __GFP_NOWARN) || !ukmem_ratelimit(&nopage_rs))
		return;
	va_start(ap, fmt);
	ukmem_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ukmem_mm.nr_nodes > 1)
		ukmem_snprintf(mems, sizeof(mems), "0-%d", ukmem_mm.nr_nodes - 1);
	else
		ukmem_snprintf(mems, sizeof(mems), "0");
	ukmem_printk("%s: %s, mode:%#x(%s), nodemask=(null),cpuset=/,mems_allowed=%s\n",
		     ukmem_plat_comm(), msg, gfp, format_gfp(gfp, flags, sizeof(flags)), mems);
	dump_stack();
	show_free_areas();
}
