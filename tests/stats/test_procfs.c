/*
 * test_procfs.c - the control files on one node of 64 MiB (DMA 16 MiB,
 * DMA32 48 MiB, no Normal): their exact format, that their numbers follow
 * allocations, and the errors of ukmem_ctl_read and ukmem_ctl_write.
 *
 * Every test that compares numbers first calls ukmem_drain_all(): blocks
 * of order <= 3 freed by a test sit on a per-CPU list, where they count as
 * allocated, until drained.  Tests that change a sysctl put it back.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ukmem/gfp.h>
#include <ukmem/ukmem.h>

#include "ctl.h"
#include "harness.h"
#include "page/mmzone.h"


static void setup(void)
{
	start_ukmem("mem=64M");
}

/* The number after a line's label ("MemFree:", "pgalloc_dma32 "), or -1. */
static long long line_value(const char *text, const char *label)
{
	size_t len = strlen(label);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, label, len))
			return strtoll(p + len, NULL, 10);
	return -1;
}

static long long meminfo_kb(const char *label)
{
	char *text = read_ctl("/proc/meminfo");
	long long v = text ? line_value(text, label) : -1;

	free(text);
	return v;
}

static long long vmstat(const char *name)
{
	char label[64];
	char *text = read_ctl("/proc/vmstat");
	long long v;

	snprintf(label, sizeof(label), "%s ", name);
	v = text ? line_value(text, label) : -1;
	free(text);
	return v;
}

/* A value of a zone's block of /proc/zoneinfo ("        min      "). */
static long long zoneinfo_value(int nid, const char *zone, const char *label)
{
	char header[64];
	char *text = read_ctl("/proc/zoneinfo");
	long long v = -1;

	snprintf(header, sizeof(header), "Node %d, zone %8s\n", nid, zone);
	if (text) {
		char *start = strstr(text, header);
		char *end = start ? strstr(start + 1, "\nNode ") : NULL;

		if (end)
			*end = '\0';
		if (start)
			v = line_value(start, label);
	}
	free(text);
	return v;
}

static long long sysctl_value(const char *path)
{
	char *text = read_ctl(path);
	long long v = text ? strtoll(text, NULL, 10) : -1;

	free(text);
	return v;
}

static struct zone *zone_of(int nid, int z)
{
	return &NODE_DATA(nid)->node_zones[z];
}

/* ---- format ------------------------------------------------------------ */

TEST(buddyinfo_lists_populated_zones_in_kernel_format)
{
	char *text, expect[512];
	size_t len = 0;

	ukmem_drain_all();
	text = read_ctl("/proc/buddyinfo");
	ASSERT_NOT_NULL(text);
	/* Rebuild the file from the zones: frag_show_print of each populated
	 * zone, nothing for the empty Normal and Movable zones. */
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = zone_of(0, z);

		if (!zone->present_pages)
			continue;
		len += (size_t)snprintf(expect + len, sizeof(expect) - len, "Node 0, zone %8s ",
					ukmem_zone_names[z]);
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			len += (size_t)snprintf(expect + len, sizeof(expect) - len, "%6lu ",
						zone->free_area[o].nr_free);
		len += (size_t)snprintf(expect + len, sizeof(expect) - len, "\n");
	}
	EXPECT_STREQ(text, expect);
	EXPECT_CONTAINS(text, "Node 0, zone      DMA ");
	EXPECT_CONTAINS(text, "Node 0, zone    DMA32 ");
	EXPECT_TRUE(strstr(text, "Normal") == NULL);
	/* Eleven columns of "%6lu ": orders 0..10. */
	EXPECT_EQ(strlen(text), 2 * (strlen("Node 0, zone      DMA ") + 11 * 7 + 1));
	free(text);
}

TEST(pagetypeinfo_agrees_with_buddyinfo_and_counts_every_pageblock)
{
	char *text = read_ctl("/proc/pagetypeinfo");
	static const char header[] =
		"Page block order: 9\n"
		"Pages per block:  512\n"
		"\n"
		"Free pages count per migrate type at order       0      1      2      3      4"
		"      5      6      7      8      9     10 \n";
	struct zone *dma32 = zone_of(0, ZONE_DMA32);
	unsigned long free_pages = 0, blocks = 0;
	const char *p;

	ASSERT_NOT_NULL(text);
	EXPECT_TRUE(!strncmp(text, header, strlen(header)));
	EXPECT_CONTAINS(text, "\nNumber of blocks type     Unmovable      Movable  Reclaimable"
			"   HighAtomic \n");
	/* Sum the DMA32 rows of the free table: they must give the zone's
	 * free pages (nothing else moves: the pcp lists are drained). */
	ukmem_drain_all();
	free(text);
	text = read_ctl("/proc/pagetypeinfo");
	ASSERT_NOT_NULL(text);
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		char label[96];

		snprintf(label, sizeof(label), "Node    0, zone    DMA32, type %12s ",
			 ukmem_migratetype_names[mt]);
		p = strstr(text, label);
		ASSERT_NOT_NULL(p);
		p += strlen(label);
		for (int o = 0; o < NR_PAGE_ORDERS; o++) {
			char *end;

			free_pages += strtoul(p, &end, 10) << o;
			p = end;
		}
	}
	EXPECT_UEQ(free_pages, zone_page_state(dma32, NR_FREE_PAGES));
	p = strstr(text, "Node 0, zone    DMA32 ");
	ASSERT_NOT_NULL(p);
	p += strlen("Node 0, zone    DMA32 ");
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		char *end;

		blocks += strtoul(p, &end, 10);
		p = end;
	}
	EXPECT_UEQ(blocks, (dma32->spanned_pages + 511) / 512);
	free(text);
}

TEST(zoneinfo_has_every_zone_and_the_kernel_fields)
{
	char *text = read_ctl("/proc/zoneinfo");
	static const char first_lines[] =
		"Node 0, zone      DMA\n"
		"  per-node stats\n"
		"      nr_inactive_anon 0\n"
		"      nr_active_anon 0\n";
	struct zone *dma32 = zone_of(0, ZONE_DMA32);
	char expect[256];

	ASSERT_NOT_NULL(text);
	EXPECT_TRUE(!strncmp(text, first_lines, strlen(first_lines)));
	EXPECT_CONTAINS(text, "Node 0, zone    DMA32\n  pages free     ");
	EXPECT_CONTAINS(text, "Node 0, zone   Normal\n  pages free     0\n");
	EXPECT_CONTAINS(text, "Node 0, zone  Movable\n  pages free     0\n");
	EXPECT_TRUE(strstr(text, "HighMem") == NULL);	/* not a CONFIG_HIGHMEM kernel */
	EXPECT_CONTAINS(text, "\n        boost    0\n        min      ");
	EXPECT_CONTAINS(text, "\n        cma      0\n        protection: (0, ");
	EXPECT_CONTAINS(text, "\n      nr_free_pages ");
	EXPECT_CONTAINS(text, "\n      numa_hit     0\n");
	EXPECT_CONTAINS(text, "\n  pagesets\n    cpu: 0\n              count: ");
	EXPECT_CONTAINS(text, "\n              high:  ");
	EXPECT_CONTAINS(text, "\n  vm stats threshold: 0\n");
	EXPECT_CONTAINS(text, "\n  node_unreclaimable:  0\n  start_pfn:           ");
	snprintf(expect, sizeof(expect),
		 "\n        spanned  %lu\n        present  %lu\n        managed  %lu\n",
		 dma32->spanned_pages, dma32->present_pages, dma32->managed_pages);
	EXPECT_CONTAINS(text, expect);
	snprintf(expect, sizeof(expect), "        protection: (%ld, %ld, %ld, %ld)\n",
		 dma32->lowmem_reserve[ZONE_DMA], dma32->lowmem_reserve[ZONE_DMA32],
		 dma32->lowmem_reserve[ZONE_NORMAL], dma32->lowmem_reserve[ZONE_MOVABLE]);
	EXPECT_CONTAINS(text, expect);
	EXPECT_EQ(zoneinfo_value(0, "DMA32", "        min      "), min_wmark_pages(dma32));
	EXPECT_EQ(zoneinfo_value(0, "DMA32", "        high     "), high_wmark_pages(dma32));
	free(text);
}

TEST(vmstat_has_the_kernel_order_and_names)
{
	char *text = read_ctl("/proc/vmstat");
	const char *nr_free, *numa, *node, *dirty, *pgpgin, *pgalloc, *pgfree, *last;

	ASSERT_NOT_NULL(text);
	EXPECT_TRUE(!strncmp(text, "nr_free_pages ", 14));
	nr_free = strstr(text, "\nnr_free_cma 0\n");
	numa = strstr(text, "\nnuma_hit 0\n");
	node = strstr(text, "\nnr_inactive_anon 0\n");
	dirty = strstr(text, "\nnr_dirty_threshold 0\nnr_dirty_background_threshold 0\n");
	pgpgin = strstr(text, "\npgpgin 0\npgpgout 0\npswpin 0\npswpout 0\n");
	pgalloc = strstr(text, "\npgalloc_dma ");
	pgfree = strstr(text, "\npgfree ");
	EXPECT_TRUE(nr_free && numa && node && dirty && pgpgin && pgalloc && pgfree);
	EXPECT_TRUE(nr_free < numa && numa < node && node < dirty && dirty < pgpgin &&
		    pgpgin < pgalloc && pgalloc < pgfree);
	EXPECT_CONTAINS(text, "\npgalloc_dma32 ");
	EXPECT_CONTAINS(text, "\npgalloc_normal ");
	EXPECT_CONTAINS(text, "\npgalloc_movable ");
	EXPECT_CONTAINS(text, "\nallocstall_dma 0\n");
	EXPECT_CONTAINS(text, "\npgskip_movable 0\npgfree ");
	EXPECT_TRUE(strstr(text, "pgalloc_high") == NULL);
	EXPECT_TRUE(strstr(text, "ukmem_") == NULL);
	last = text + strlen(text) - strlen("direct_map_level3_splits 0\nnr_unstable 0\n");
	EXPECT_STREQ(last, "direct_map_level3_splits 0\nnr_unstable 0\n");
	free(text);
}

TEST(meminfo_totals_and_format)
{
	char *text = read_ctl("/proc/meminfo");
	char expect[64];

	ASSERT_NOT_NULL(text);
	snprintf(expect, sizeof(expect), "MemTotal:       %8lu kB\nMemFree:        ",
		 ukmem_mm.totalram_pages * 4);
	EXPECT_TRUE(!strncmp(text, expect, strlen(expect)));
	EXPECT_EQ(line_value(text, "MemTotal:"), (long long)ukmem_mm.totalram_pages * 4);
	EXPECT_EQ(line_value(text, "CommitLimit:"), (long long)ukmem_mm.totalram_pages * 2);
	EXPECT_LE(line_value(text, "MemAvailable:"), line_value(text, "MemFree:"));
	EXPECT_CONTAINS(text, "\nSwapFree:              0 kB\nZswap:                 0 kB\n");
	EXPECT_CONTAINS(text, "\nHardwareCorrupted:     0 kB\n");
	EXPECT_CONTAINS(text, "\nHugePages_Total:       0\n");
	EXPECT_CONTAINS(text, "\nHugepagesize:       2048 kB\n");
	EXPECT_TRUE(strstr(text, "HighTotal") == NULL);
	EXPECT_TRUE(!strcmp(text + strlen(text) - strlen("DirectMap2M:           0 kB\n"),
			    "DirectMap2M:           0 kB\n"));
	free(text);
}

/* ---- numbers that follow allocations --------------------------------- */

TEST(buddyinfo_changes_on_alloc_and_returns_after_free_and_drain)
{
	char *before, *during, *after;
	struct page *page;

	ukmem_drain_all();
	before = read_ctl("/proc/buddyinfo");
	page = alloc_pages(GFP_KERNEL, 3);
	ASSERT_NOT_NULL(page);
	during = read_ctl("/proc/buddyinfo");
	__free_pages(page, 3);
	ukmem_drain_all();
	after = read_ctl("/proc/buddyinfo");
	ASSERT_TRUE(before && during && after);
	EXPECT_TRUE(strcmp(before, during) != 0);
	EXPECT_STREQ(after, before);
	free(before);
	free(during);
	free(after);
}

TEST(meminfo_memfree_follows_an_order_10_block)
{
	long long before, during, after;
	struct page *page;

	ukmem_drain_all();
	before = meminfo_kb("MemFree:");
	page = alloc_pages(GFP_KERNEL, 10);
	ASSERT_NOT_NULL(page);
	during = meminfo_kb("MemFree:");
	__free_pages(page, 10);
	after = meminfo_kb("MemFree:");
	EXPECT_EQ(before - during, 4096);
	EXPECT_EQ(after, before);
	EXPECT_EQ(vmstat("nr_free_pages") * 4, after);
}

TEST(vmstat_pgalloc_dma32_counts_pages_given_to_callers)
{
	/* Order 2 comes from the per-CPU list (refilled from the zone: the
	 * refill is not an allocation), order 5 from the buddy lists. */
	for (unsigned int order = 2; order <= 5; order += 3) {
		long long alloc0 = vmstat("pgalloc_dma32"), dma0 = vmstat("pgalloc_dma");
		long long free0 = vmstat("pgfree");
		struct page *page = alloc_pages(GFP_DMA32, order);

		ASSERT_NOT_NULL(page);
		EXPECT_EQ(page_zonenum(page), ZONE_DMA32);
		EXPECT_EQ(vmstat("pgalloc_dma32") - alloc0, 1LL << order);
		EXPECT_EQ(vmstat("pgalloc_dma"), dma0);
		__free_pages(page, order);
		EXPECT_EQ(vmstat("pgfree") - free0, 1LL << order);
	}
	ukmem_drain_all();
}

/* ---- sysctls ------------------------------------------------------------- */

TEST(min_free_kbytes_round_trip_moves_the_min_watermark)
{
	const char *path = "/proc/sys/vm/min_free_kbytes";
	long long kb = sysctl_value(path), min0 = zoneinfo_value(0, "DMA32", "        min      ");
	long long min1;
	char value[32];

	ASSERT_TRUE(kb > 0 && min0 > 0);
	snprintf(value, sizeof(value), "%lld\n", kb * 2);
	ASSERT_EQ(ukmem_ctl_write(path, value), 0);
	EXPECT_EQ(sysctl_value(path), kb * 2);
	EXPECT_EQ(ukmem_mm.user_min_free_kbytes, kb * 2);
	min1 = zoneinfo_value(0, "DMA32", "        min      ");
	EXPECT_EQ(min1, min_wmark_pages(zone_of(0, ZONE_DMA32)));
	EXPECT_GE(min1, 2 * min0);
	EXPECT_LE(min1, 2 * min0 + 2);	/* rounding of the per-zone share */
	snprintf(value, sizeof(value), "%lld", kb);
	EXPECT_EQ(ukmem_ctl_write(path, value), 0);
	EXPECT_EQ(zoneinfo_value(0, "DMA32", "        min      "), min0);
}

TEST(writes_that_do_not_parse_change_nothing)
{
	static const char *const bad[] = { "abc", "-1", "", "\n", "12abc", "1 2", "99999999999" };
	const char *path = "/proc/sys/vm/min_free_kbytes";
	long long kb = sysctl_value(path), min0 = zoneinfo_value(0, "DMA32", "        min      ");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = ukmem_ctl_write(path, bad[i]);

		if (ret != -22)
			HARNESS_FAIL("write \"%s\" = %d, expected -EINVAL", bad[i], ret);
	}
	EXPECT_EQ(sysctl_value(path), kb);
	EXPECT_EQ(zoneinfo_value(0, "DMA32", "        min      "), min0);
	EXPECT_EQ(ukmem_ctl_write(path, NULL), -22);
}

TEST(watermark_scale_factor_takes_1_to_3000)
{
	const char *path = "/proc/sys/vm/watermark_scale_factor";
	struct zone *dma32 = zone_of(0, ZONE_DMA32);
	unsigned long low0 = low_wmark_pages(dma32);

	EXPECT_EQ(sysctl_value(path), 10);
	EXPECT_EQ(ukmem_ctl_write(path, "0"), -22);
	EXPECT_EQ(ukmem_ctl_write(path, "3001"), -22);
	EXPECT_EQ(sysctl_value(path), 10);
	EXPECT_EQ(ukmem_ctl_write(path, " 3000\n"), 0);
	EXPECT_EQ(sysctl_value(path), 3000);
	EXPECT_GT(low_wmark_pages(dma32), low0);
	EXPECT_EQ(ukmem_ctl_write(path, "10"), 0);
	EXPECT_EQ(low_wmark_pages(dma32), low0);
}

TEST(lowmem_reserve_ratio_is_one_tab_separated_value_per_zone)
{
	const char *path = "/proc/sys/vm/lowmem_reserve_ratio";
	struct zone *dma = zone_of(0, ZONE_DMA);
	long reserve0 = dma->lowmem_reserve[ZONE_DMA32];
	char *text = read_ctl(path);

	ASSERT_NOT_NULL(text);
	EXPECT_STREQ(text, "256\t256\t32\t0\n");
	free(text);
	ASSERT_TRUE(reserve0 > 0);
	/* Fewer values than zones change the first ones only. */
	EXPECT_EQ(ukmem_ctl_write(path, "128\t-5"), 0);
	text = read_ctl(path);
	EXPECT_STREQ(text, "128\t0\t32\t0\n");
	free(text);
	EXPECT_EQ(dma->lowmem_reserve[ZONE_DMA32],
		  (long)(zone_of(0, ZONE_DMA32)->managed_pages / 128));
	EXPECT_EQ(zone_of(0, ZONE_DMA32)->lowmem_reserve[ZONE_MOVABLE], 0);
	EXPECT_EQ(ukmem_ctl_write(path, "1 2 3 4 5"), -22);
	EXPECT_EQ(ukmem_ctl_write(path, "x"), -22);
	EXPECT_EQ(ukmem_ctl_write(path, "256 256 32 0\n"), 0);
	EXPECT_EQ(dma->lowmem_reserve[ZONE_DMA32], reserve0);
}

/* ---- errors ---------------------------------------------------------------- */

TEST(unknown_paths_and_read_only_files)
{
	char buf[64];

	EXPECT_EQ(ukmem_ctl_read("/proc/nonexistent", buf, sizeof(buf)), -2);
	EXPECT_EQ(ukmem_ctl_read("/proc/buddyinfo/", buf, sizeof(buf)), -2);
	EXPECT_EQ(ukmem_ctl_write("/proc/sys/vm/nonexistent", "1"), -2);
	EXPECT_EQ(ukmem_ctl_write("/proc/buddyinfo", "1"), -13);
	EXPECT_EQ(ukmem_ctl_write("/proc/meminfo", "1"), -13);
	EXPECT_EQ(ukmem_ctl_write("/proc/zoneinfo", "1"), -13);
}

TEST(small_buffer_gets_truncated_text_and_enospc)
{
	char *full = read_ctl("/proc/meminfo");
	char small[16];
	size_t len;
	char *exact;

	ASSERT_NOT_NULL(full);
	memset(small, 'x', sizeof(small));
	EXPECT_EQ(ukmem_ctl_read("/proc/meminfo", small, sizeof(small)), -28);
	EXPECT_EQ(small[15], '\0');
	EXPECT_TRUE(!strncmp(small, full, 15));
	/* The file and its NUL fit exactly; one byte less does not. */
	len = strlen(full);
	exact = malloc(len + 1);
	ASSERT_NOT_NULL(exact);
	EXPECT_EQ(ukmem_ctl_read("/proc/meminfo", exact, len + 1), (long long)len);
	EXPECT_STREQ(exact, full);
	EXPECT_EQ(ukmem_ctl_read("/proc/meminfo", exact, len), -28);
	EXPECT_EQ(exact[len - 1], '\0');
	free(exact);
	free(full);
}

TEST(bad_buffers_are_einval)
{
	char buf[8];

	EXPECT_EQ(ukmem_ctl_read("/proc/meminfo", NULL, 100), -22);
	EXPECT_EQ(ukmem_ctl_read("/proc/meminfo", buf, 0), -22);
	EXPECT_EQ(ukmem_ctl_read(NULL, buf, sizeof(buf)), -22);
}

RUN_TESTS_SETUP(setup,
		T(buddyinfo_lists_populated_zones_in_kernel_format),
		T(pagetypeinfo_agrees_with_buddyinfo_and_counts_every_pageblock),
		T(zoneinfo_has_every_zone_and_the_kernel_fields),
		T(vmstat_has_the_kernel_order_and_names),
		T(meminfo_totals_and_format),
		T(buddyinfo_changes_on_alloc_and_returns_after_free_and_drain),
		T(meminfo_memfree_follows_an_order_10_block),
		T(vmstat_pgalloc_dma32_counts_pages_given_to_callers),
		T(min_free_kbytes_round_trip_moves_the_min_watermark),
		T(writes_that_do_not_parse_change_nothing),
		T(watermark_scale_factor_takes_1_to_3000),
		T(lowmem_reserve_ratio_is_one_tab_separated_value_per_zone),
		T(unknown_paths_and_read_only_files),
		T(small_buffer_gets_truncated_text_and_enospc),
		T(bad_buffers_are_einval))
