/*
 * demo.c - the main job of the quick start: ukmem's page allocator at work.
 *
 * Starts ukmem on a 256 MiB arena with a DMA zone and two fake NUMA nodes,
 * then shows, in the kernel's own /proc formats: the free areas at start,
 * allocations across orders and zones (and what they did to the free
 * areas), the watermarks that guard each zone, a zeroed page, a compound
 * page, a bad free caught and reported, and the memory given back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ukmem.h>

static void show(const char *path)
{
	static char buf[1 << 16];
	ssize_t n = ukmem_ctl_read(path, buf, sizeof(buf));

	if (n < 0) {
		printf("%s: error %zd\n", path, n);
		return;
	}
	printf("$ cat %s\n%s\n", path, buf);
}

/* Print the lines of a control file that start with one of the prefixes. */
static void show_lines(const char *path, const char *const *prefixes, int n)
{
	static char buf[1 << 16];
	char *line, *save = NULL;

	if (ukmem_ctl_read(path, buf, sizeof(buf)) < 0)
		return;
	printf("$ grep %s (excerpt)\n", path);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		for (int i = 0; i < n; i++)
			if (!strncmp(line, prefixes[i], strlen(prefixes[i]))) {
				printf("%s\n", line);
				break;
			}
	printf("\n");
}

int main(void)
{
	static const char *const meminfo[] = { "MemTotal", "MemFree", "MemAvailable" };
	static const char *const vmstat[] = { "nr_free_pages", "pgalloc_", "pgfree" };
	static const char *const zoneinfo[] = { "Node", "  pages free", "        min",
						"        low", "        high", "        managed" };
	struct page *blocks[NR_PAGE_ORDERS];
	const char *options = "mem=256M zone_dma=16M numa=fake=2";
	int ret = ukmem_init(options);

	if (ret) {
		fprintf(stderr, "ukmem_init(\"%s\") failed: %d\n", options, ret);
		return 1;
	}
	printf("ukmem demo: the Linux page allocator in user space (options: %s)\n\n", options);
	show("/proc/buddyinfo");
	show_lines("/proc/meminfo", meminfo, 3);

	printf("== one block of every order, GFP_KERNEL, from node 0 ==\n");
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		blocks[order] = alloc_pages_node(0, GFP_KERNEL, order);
		if (!blocks[order]) {
			printf("order %2u: failed\n", order);
			continue;
		}
		printf("order %2u: %5lu KiB at %p  pfn %#7lx  node %d zone %s\n", order,
		       (PAGE_SIZE << order) >> 10, page_address(blocks[order]),
		       page_to_pfn(blocks[order]), page_to_nid(blocks[order]),
		       page_zonenum(blocks[order]) == ZONE_DMA ? "DMA" :
		       page_zonenum(blocks[order]) == ZONE_DMA32 ? "DMA32" : "Normal");
	}
	printf("\n");
	show("/proc/buddyinfo");

	printf("== zones: GFP_DMA, GFP_DMA32 and node 1 ==\n");
	struct page *dma = alloc_pages(GFP_DMA, 2);
	struct page *dma32 = alloc_pages(GFP_DMA32, 0);
	struct page *remote = alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE, 4);

	printf("GFP_DMA order 2           -> zone %d (ZONE_DMA = %d)\n",
	       dma ? page_zonenum(dma) : -1, ZONE_DMA);
	printf("GFP_DMA32 order 0         -> zone %d (ZONE_DMA32 = %d)\n",
	       dma32 ? page_zonenum(dma32) : -1, ZONE_DMA32);
	printf("node 1, __GFP_THISNODE    -> node %d\n\n", remote ? page_to_nid(remote) : -1);

	printf("== __GFP_ZERO and compound pages ==\n");
	unsigned long zeroed = get_zeroed_page(GFP_KERNEL);
	const unsigned char *z = (const unsigned char *)zeroed;
	int nonzero = 0;

	for (unsigned long i = 0; i < PAGE_SIZE; i++)
		nonzero += z[i] != 0;
	printf("get_zeroed_page: %d nonzero bytes\n", nonzero);
	struct page *comp = alloc_pages(GFP_KERNEL | __GFP_COMP, 3);

	printf("__GFP_COMP order 3: PageHead=%d compound_order=%u head of page 5 is head: %s\n\n",
	       PageHead(comp), compound_order(comp), compound_head(comp + 5) == comp ? "yes" : "no");

	printf("== the reserves that guard each zone ==\n");
	show_lines("/proc/zoneinfo", zoneinfo, 6);

	printf("== a bad free: the order-3 block freed as order 2 (reported, then freed whole) ==\n");
	fflush(stdout);
	__free_pages(comp, 2);
	fflush(stderr);
	printf("\n");

	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++)
		if (blocks[order])
			__free_pages(blocks[order], order);
	__free_pages(dma, 2);
	__free_pages(dma32, 0);
	if (remote)
		__free_pages(remote, 4);
	free_page(zeroed);
	ukmem_drain_all();

	printf("== after freeing everything ==\n");
	show("/proc/buddyinfo");
	show_lines("/proc/meminfo", meminfo, 3);
	show_lines("/proc/vmstat", vmstat, 3);
	return 0;
}
