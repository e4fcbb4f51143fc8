/*
 * test_init.c - ukmem_init(): options that do not parse are rejected as a
 * whole with -EINVAL and nothing starts; options that parse but cannot be
 * laid out (zones larger than mem, mem too small, nodes too small) fail
 * when starting, also with -EINVAL, leave nothing behind (no arena, no published region, no
 * option half-applied), and a later good ukmem_init()
 * starts cleanly; a second ukmem_init() returns -EBUSY.
 *
 * No test here may allocate before the good ukmem_init(): the first
 * allocation would start ukmem with its defaults.
 */
#include "page_helpers.h"
#include "slab/slab.h"

static void setup(void)
{
	log_setup("init");
}

/* Address space of the process (VmSize), in bytes. */
static unsigned long long vm_size(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static void expect_rejected(int line, const char *options, const char *message)
{
	size_t mark = log_mark();
	int ret = ukmem_init(options);
	char *text;

	if (ret != -EINVAL)
		HARNESS_FAIL("line %d: ukmem_init(\"%s\") = %d, want %d", line, options, ret,
			     -EINVAL);
	if (ukmem_initialized())
		HARNESS_FAIL("line %d: ukmem_init(\"%s\") started ukmem", line, options);
	text = log_since(mark);
	if (!strstr(text, message))
		HARNESS_FAIL("line %d: ukmem_init(\"%s\") did not log \"%s\"; the log says:\n%s",
			     line, options, message, text);
	free(text);
}

#define REJECTED(options, message) expect_rejected(__LINE__, options, message)

TEST(options_that_do_not_parse)
{
	REJECTED("mem=abc", "bad value 'abc' for mem=");
	REJECTED("mem=abc", "options rejected: \"mem=abc\"");
	REJECTED("bogus=1", "unknown option 'bogus'");
	REJECTED("bogus", "unknown option 'bogus'");
	REJECTED("numa=fake=0", "bad value '0' for numa=fake=");
	REJECTED("numa=fake=99", "bad value '99' for numa=fake=");
	REJECTED("numa=2", "only numa=fake=N is supported");
	REJECTED("min_free_kbytes=-5", "bad value '-5' for min_free_kbytes=");
	REJECTED("min_free_kbytes=12x", "bad value '12x' for min_free_kbytes=");
	REJECTED("mem=0", "bad value '0' for mem=");
	REJECTED("mem=", "bad value '' for mem=");
	REJECTED("mem=64X", "bad value '64X' for mem=");
	REJECTED("mem=99999999999999999999", "for mem=");
	REJECTED("zone_dma=big", "bad value 'big' for zone_dma=");
	/* Every bad word is reported, and a good word beside them is not
	 * applied. */
	REJECTED("mem=64M bogus=1 zone_dma32=x", "unknown option 'bogus'");
	REJECTED("mem=64M bogus=1 zone_dma32=x", "bad value 'x' for zone_dma32=");
	char long_options[700];

	memset(long_options, ' ', sizeof(long_options));
	memcpy(long_options, "mem=64M", 7);
	long_options[sizeof(long_options) - 1] = '\0';
	REJECTED(long_options, "options longer than");
	EXPECT_EQ(ukmem_nr_mem_regions, 0);
}

/*
 * Options that parse but describe an impossible layout fail when ukmem
 * starts: an error, not started, and nothing kept (no regions published,
 * no address space left reserved).
 */
TEST(layouts_that_cannot_start)
{
	static const struct {
		const char *options, *message;
	} cases[] = {
		{ "mem=2M", "is too small" },
		{ "mem=1M", "is too small" },
		{ "zone_dma=1G mem=64M", "exceed mem" },
		{ "zone_dma32=60M zone_highmem=8M mem=64M", "exceed mem" },
		{ "mem=16M numa=fake=8", "nodes would be smaller" },
		/* The slab geometry options beside a bad layout must not stick. */
		{ "slub_min_order=2 slub_max_order=2 slab_nomerge zone_dma=1G mem=64M",
		  "exceed mem" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long long vm_before = vm_size();
		size_t mark = log_mark();
		int ret = ukmem_init(cases[i].options);
		char *text = log_since(mark);

		/* -EINVAL, as for options that do not parse (init.c). */
		if (ret != -EINVAL)
			HARNESS_FAIL("ukmem_init(\"%s\") = %d, want %d", cases[i].options, ret,
				     -EINVAL);
		EXPECT_FALSE(ukmem_initialized());
		if (!strstr(text, cases[i].message))
			HARNESS_FAIL("ukmem_init(\"%s\") did not log \"%s\"; the log says:\n%s",
				     cases[i].options, cases[i].message, text);
		free(text);
		/* Nothing of the failed start is left to be seen: no region
		 * that virt_addr_valid() accepts (virt_to_page() would then
		 * compute a struct page from the NULL memmap). */
		if (ukmem_nr_mem_regions != 0) {
			void *arena = (void *)ukmem_mem_regions[0].start;

			HARNESS_FAIL("ukmem_init(\"%s\") failed but left %d memory region(s) "
				     "published: virt_addr_valid(%p) = %d, virt_to_page() = %p",
				     cases[i].options, ukmem_nr_mem_regions, arena,
				     virt_addr_valid(arena), (void *)virt_to_page(arena));
		}
		if (vm_size() > vm_before + MiB)
			HARNESS_FAIL("ukmem_init(\"%s\") failed but kept %llu KiB of address space "
				     "reserved", cases[i].options, (vm_size() - vm_before) / 1024);
		EXPECT_EQ(ukmem_page_validate(), 0);	/* nothing to walk */
	}
	/* SLUB's defaults are still in force for the start that follows. */
	if (slub_min_order != 0 || slub_max_order != PAGE_ALLOC_COSTLY_ORDER || slab_nomerge != 0)
		HARNESS_FAIL("after the failed starts slub_min_order = %u, slub_max_order = %u, "
			     "slab_nomerge = %d; want the defaults 0, %d, 0", slub_min_order,
			     slub_max_order, slab_nomerge, PAGE_ALLOC_COSTLY_ORDER);
}

TEST(good_init_then_ebusy)
{
	struct page *page;

	EXPECT_FALSE(ukmem_initialized());
	EXPECT_EQ(ukmem_init("mem=64M"), 0);
	EXPECT_TRUE(ukmem_initialized());
	EXPECT_EQ(ukmem_init("mem=64M"), -EBUSY);
	EXPECT_EQ(ukmem_init("bogus=1"), -EBUSY);	/* started: options not even read */
	EXPECT_EQ(ukmem_init(NULL), -EBUSY);
	EXPECT_TRUE(ukmem_initialized());

	/* The failed starts left nothing behind: this is a clean 64M. */
	EXPECT_EQ(ukmem_nr_mem_regions, 1);
	EXPECT_UEQ(ukmem_mm.arena_size, 64 * MiB);
	EXPECT_EQ(ukmem_mm.nr_nodes, 1);
	EXPECT_UEQ(NODE_DATA(0)->node_present_pages, (64 * MiB) >> PAGE_SHIFT);
	EXPECT_UEQ(zone_of(0, ZONE_DMA)->present_pages, (16 * MiB) >> PAGE_SHIFT);
	EXPECT_UEQ(zone_of(0, ZONE_DMA32)->present_pages, (48 * MiB) >> PAGE_SHIFT);
	EXPECT_FALSE(populated_zone(zone_of(0, ZONE_HIGHMEM)));
	EXPECT_UEQ(ukmem_mm.totalram_pages + ukmem_mm.reserved_pages, (64 * MiB) >> PAGE_SHIFT);
	EXPECT_UEQ(total_free_pages(), ukmem_mm.totalram_pages);

	page = alloc_pages(GFP_KERNEL, 0);
	ASSERT_NOT_NULL(page);
	EXPECT_TRUE(virt_addr_valid(page_address(page)));
	__free_pages(page, 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(options_that_do_not_parse),
	T(layouts_that_cannot_start),
	T(good_init_then_ebusy))
