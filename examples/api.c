/*
 * api.c - the README's "API by example", as a program that prints what
 * each step shows.  Build it against an installed ukmem:
 *
 *   cc -Wall -Wextra api.c $(pkg-config --cflags --libs ukmem) -o api
 *
 * Each step checks what it shows; the program exits non-zero if one fails.
 */
#include <stdio.h>
#include <string.h>

#include <ukmem.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("  %s %s\n", ok ? "ok:    " : "FAILED:", what);
	if (!ok)
		failures++;
}

/* The lines of a control file that start with prefix. */
static void show_lines(const char *path, const char *prefix)
{
	static char text[65536];
	ssize_t n = ukmem_ctl_read(path, text, sizeof(text));

	printf("$ grep '^%s' %s\n", prefix, path);
	if (n < 0) {
		printf("  error %zd\n", n);
		failures++;
		return;
	}
	for (char *line = text; *line; ) {
		char *end = strchr(line, '\n');

		if (end)
			*end = '\0';
		if (!strncmp(line, prefix, strlen(prefix)))
			printf("%s\n", line);
		if (!end)
			break;
		line = end + 1;
	}
}

int main(void)
{
	/* Optional: without it the first allocation starts ukmem with the
	 * options in the UKMEM_OPTIONS environment variable. */
	int err = ukmem_init("mem=512M zone_dma=16M");
	printf("ukmem_init(\"mem=512M zone_dma=16M\") = %d\n", err);
	if (err)
		return 1;

	printf("\nPages: 2^order contiguous pages, naturally aligned\n");
	struct page *page = alloc_pages(GFP_KERNEL, 3);
	void *addr = page ? page_address(page) : NULL;
	printf("  alloc_pages(GFP_KERNEL, 3) = page %p at %p\n", (void *)page, addr);
	check(page && ((unsigned long)addr & ((PAGE_SIZE << 3) - 1)) == 0,
	      "the block is aligned to its size (32 KiB)");
	if (page)
		__free_pages(page, 3);

	unsigned long buf = get_zeroed_page(GFP_KERNEL);
	check(buf && ((unsigned char *)buf)[PAGE_SIZE - 1] == 0, "get_zeroed_page is zeroed");
	free_page(buf);

	struct page *dma = alloc_pages(GFP_DMA, 0);	/* from ZONE_DMA only */
	check(dma && page_zonenum(dma) == ZONE_DMA, "alloc_pages(GFP_DMA, 0) comes from ZONE_DMA");
	if (dma)
		__free_page(dma);

	printf("\nObjects\n");
	char *s = kmalloc(100, GFP_KERNEL);		/* kmalloc-128 */
	printf("  kmalloc(100) = %p, ksize = %zu\n", (void *)s, s ? ksize(s) : 0);
	check(s && ksize(s) == 128, "kmalloc(100) is served by kmalloc-128");
	kfree(s);

	int *v = kcalloc(64, sizeof(int), GFP_KERNEL);	/* zeroed, overflow-checked */
	check(v && v[0] == 0 && v[63] == 0, "kcalloc(64, sizeof(int)) is zeroed");
	check(kcalloc((size_t)-1 / 2, 4, GFP_KERNEL | __GFP_NOWARN) == NULL,
	      "kcalloc refuses a size that overflows");
	if (v)
		v[63] = 63;
	int *w = krealloc(v, 128 * sizeof(int), GFP_KERNEL);
	check(w && w[63] == 63, "krealloc to 512 bytes keeps the contents");
	kfree(w ? w : v);

	struct kmem_cache *cache = kmem_cache_create("my_objects", 200, 0,
						     SLAB_HWCACHE_ALIGN, NULL);
	void *obj = cache ? kmem_cache_zalloc(cache, GFP_KERNEL) : NULL;
	check(obj && ((unsigned char *)obj)[199] == 0, "kmem_cache_zalloc from my_objects");
	show_lines("/proc/slabinfo", "my_objects");
	if (obj)
		kmem_cache_free(cache, obj);
	kmem_cache_destroy(cache);

	printf("\nThe kernel's control files\n");
	show_lines("/proc/buddyinfo", "Node");
	check(ukmem_ctl_write("/proc/sys/vm/min_free_kbytes", "4096") == 0,
	      "write 4096 to /proc/sys/vm/min_free_kbytes");
	show_lines("/proc/sys/vm/min_free_kbytes", "");

	printf("\n%s\n", failures ? "some steps FAILED" : "every step did what it shows");
	return failures ? 1 : 0;
}
