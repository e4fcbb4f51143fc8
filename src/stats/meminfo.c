/*
 * meminfo.c - /proc/meminfo: the memory summary in kB.
 *
 * Follows meminfo_proc_show of Linux 6.6 fs/proc/meminfo.c, line for line,
 * for the configuration stats.h states, then hugetlb_report_meminfo
 * (mm/hugetlb.c) and x86's arch_report_meminfo (arch/x86/mm/pat/
 * set_memory.c).  Most lines are show_val_kb: the label, padded by the
 * kernel to 16 columns, and the value in kB right-aligned in 8; the few the
 * kernel prints with seq_printf keep their own format here.  The 6.6 field
 * list was read from an OpenVZ-derived 6.x fs/proc/meminfo.c (its container
 * branch left out) and the upstream patches that added "Zswap:" and
 * "Unaccepted:" (the latter is not configured); memtest_report_meminfo
 * prints only after a boot-time memtest, which ukmem never runs.
 *
 * What has a meaning here:
 *   MemTotal        totalram_pages: the managed pages of every zone
 *   MemFree         NR_FREE_PAGES summed (per-CPU lists excluded, as in
 *                   the kernel)
 *   MemAvailable    si_mem_available: free less totalreserve_pages, at
 *                   least 0 (its page cache and reclaimable slab terms are
 *                   0 here)
 *   HighTotal/HighFree/LowTotal/LowFree  only when a HighMem zone is
 *                   configured (a CONFIG_HIGHMEM kernel)
 *   CommitLimit     vm_commit_limit with the default overcommit_ratio of
 *                   50, no hugetlb pages and no swap: half of MemTotal
 *   Hugepagesize    2048 kB, the PMD size of x86-64 (ukmem's pageblock
 *                   order is derived from it)
 * Everything else is 0: ukmem has no page cache, swap, slab (yet), page
 * tables, vmalloc or huge pages, and no direct map to describe.
 *
 * Locks: none; counters are read racily, as the kernel's are.
 */
#include "slab/slab_api.h"
#include "stats/stats.h"

/* vm_overcommit_ratio's default (mm/util.c). */
#define OVERCOMMIT_RATIO 50

/* show_val_kb: num is in pages. */
static void show_val_kb(struct seq_buf *s, const char *label, unsigned long num)
{
	ukmem_seq_printf(s, "%s%8lu kB\n", label, num << (PAGE_SHIFT - 10));
}

/* nr_free_highpages and totalhigh_pages. */
static void highmem_pages(unsigned long *total, unsigned long *free)
{
	int nid;

	*total = 0;
	*free = 0;
	for_each_online_node(nid) {
		const struct zone *zone = &NODE_DATA(nid)->node_zones[ZONE_HIGHMEM];

		*total += zone_managed_pages(zone);
		*free += zone_page_state(zone, NR_FREE_PAGES);
	}
}

int stats_meminfo_show(struct seq_buf *s)
{
	unsigned long totalram = ukmem_mm.totalram_pages;
	unsigned long freeram = stats_global_zone_state(NR_FREE_PAGES);
	unsigned long reserve = __atomic_load_n(&ukmem_mm.totalreserve_pages, __ATOMIC_RELAXED);
	unsigned long available = freeram > reserve ? freeram - reserve : 0;
	unsigned long hugepage_kb = (PAGE_SIZE << pageblock_order) >> 10;
	unsigned long sreclaimable = slab_pages_read(-1, SLAB_PAGES_RECLAIMABLE);
	unsigned long sunreclaim = slab_pages_read(-1, SLAB_PAGES_UNRECLAIMABLE);

	show_val_kb(s, "MemTotal:       ", totalram);
	show_val_kb(s, "MemFree:        ", freeram);
	show_val_kb(s, "MemAvailable:   ", available);
	show_val_kb(s, "Buffers:        ", 0);
	show_val_kb(s, "Cached:         ", 0);
	show_val_kb(s, "SwapCached:     ", 0);
	show_val_kb(s, "Active:         ", 0);
	show_val_kb(s, "Inactive:       ", 0);
	show_val_kb(s, "Active(anon):   ", 0);
	show_val_kb(s, "Inactive(anon): ", 0);
	show_val_kb(s, "Active(file):   ", 0);
	show_val_kb(s, "Inactive(file): ", 0);
	show_val_kb(s, "Unevictable:    ", 0);
	show_val_kb(s, "Mlocked:        ", 0);

	if (ukmem_mm.highmem_configured) {
		unsigned long totalhigh, freehigh;

		highmem_pages(&totalhigh, &freehigh);
		show_val_kb(s, "HighTotal:      ", totalhigh);
		show_val_kb(s, "HighFree:       ", freehigh);
		show_val_kb(s, "LowTotal:       ", totalram - totalhigh);
		show_val_kb(s, "LowFree:        ", freeram - freehigh);
	}

	show_val_kb(s, "SwapTotal:      ", 0);
	show_val_kb(s, "SwapFree:       ", 0);
	ukmem_seq_printf(s, "Zswap:          %8lu kB\n", 0UL);
	ukmem_seq_printf(s, "Zswapped:       %8lu kB\n", 0UL);
	show_val_kb(s, "Dirty:          ", 0);
	show_val_kb(s, "Writeback:      ", 0);
	show_val_kb(s, "AnonPages:      ", 0);
	show_val_kb(s, "Mapped:         ", 0);
	show_val_kb(s, "Shmem:          ", 0);
	show_val_kb(s, "KReclaimable:   ", sreclaimable);
	show_val_kb(s, "Slab:           ", sreclaimable + sunreclaim);
	show_val_kb(s, "SReclaimable:   ", sreclaimable);
	show_val_kb(s, "SUnreclaim:     ", sunreclaim);
	ukmem_seq_printf(s, "KernelStack:    %8lu kB\n", 0UL);
	show_val_kb(s, "PageTables:     ", 0);
	show_val_kb(s, "SecPageTables:  ", 0);

	show_val_kb(s, "NFS_Unstable:   ", 0);
	show_val_kb(s, "Bounce:         ", 0);
	show_val_kb(s, "WritebackTmp:   ", 0);
	show_val_kb(s, "CommitLimit:    ", totalram * OVERCOMMIT_RATIO / 100);
	show_val_kb(s, "Committed_AS:   ", 0);
	ukmem_seq_printf(s, "VmallocTotal:   %8lu kB\n",
			 (unsigned long)(ukmem_vmalloc_total_bytes() >> 10));
	show_val_kb(s, "VmallocUsed:    ", ukmem_vmalloc_used_pages());
	show_val_kb(s, "VmallocChunk:   ", 0);
	show_val_kb(s, "Percpu:         ", 0);

	ukmem_seq_printf(s, "HardwareCorrupted: %5lu kB\n", 0UL);

	show_val_kb(s, "AnonHugePages:  ", 0);
	show_val_kb(s, "ShmemHugePages: ", 0);
	show_val_kb(s, "ShmemPmdMapped: ", 0);
	show_val_kb(s, "FileHugePages:  ", 0);
	show_val_kb(s, "FilePmdMapped:  ", 0);

	/* hugetlb_report_meminfo */
	ukmem_seq_printf(s,
			 "HugePages_Total:   %5lu\n"
			 "HugePages_Free:    %5lu\n"
			 "HugePages_Rsvd:    %5lu\n"
			 "HugePages_Surp:    %5lu\n"
			 "Hugepagesize:   %8lu kB\n",
			 0UL, 0UL, 0UL, 0UL, hugepage_kb);
	ukmem_seq_printf(s, "Hugetlb:        %8lu kB\n", 0UL);

	/* arch_report_meminfo (x86-64, without gbpages in the direct map) */
	ukmem_seq_printf(s, "DirectMap4k:    %8lu kB\n", 0UL);
	ukmem_seq_printf(s, "DirectMap2M:    %8lu kB\n", 0UL);
	return 0;
}
