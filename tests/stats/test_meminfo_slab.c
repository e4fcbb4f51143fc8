/*
 * test_meminfo_slab.c - /proc/meminfo and /proc/vmstat count slab and
 * vmalloc memory: Slab/SUnreclaim/SReclaimable, nr_slab_*, VmallocUsed.
 */
#include <ukmem.h>

#include "harness.h"

static unsigned long field(const char *path, const char *name)
{
	static char buf[1 << 16];
	const char *p;

	if (ukmem_ctl_read(path, buf, sizeof(buf)) < 0)
		return (unsigned long)-1;
	p = strstr(buf, name);
	if (!p)
		return (unsigned long)-1;
	p += strlen(name);
	while (*p == ' ' || *p == ':')
		p++;
	return strtoul(p, NULL, 10);
}

static void setup(void)
{
	if (ukmem_init("mem=128M")) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(1);
	}
}

TEST(large_kmalloc_is_unreclaimable_slab)
{
	unsigned long before = field("/proc/meminfo", "SUnreclaim:");
	void *p = kmalloc(1 << 20, GFP_KERNEL);

	ASSERT_NOT_NULL(p);
	EXPECT_EQ(field("/proc/meminfo", "SUnreclaim:"), before + 1024);
	EXPECT_EQ(field("/proc/meminfo", "Slab:"), field("/proc/meminfo", "SUnreclaim:") +
		  field("/proc/meminfo", "SReclaimable:"));
	kfree(p);
	EXPECT_EQ(field("/proc/meminfo", "SUnreclaim:"), before);
}

TEST(reclaimable_cache_counts_as_sreclaimable)
{
	struct kmem_cache *c = kmem_cache_create("rcl_test", 512, 0, SLAB_RECLAIM_ACCOUNT, NULL);
	unsigned long before = field("/proc/meminfo", "SReclaimable:");
	unsigned long vm_before = field("/proc/vmstat", "nr_slab_reclaimable");
	void *objs[256];

	ASSERT_NOT_NULL(c);
	for (int i = 0; i < 256; i++)
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
	/* 256 objects of 512 bytes: at least 128 KiB of slabs. */
	EXPECT_GE(field("/proc/meminfo", "SReclaimable:"), before + 128);
	EXPECT_GE(field("/proc/vmstat", "nr_slab_reclaimable"), vm_before + 32);
	for (int i = 0; i < 256; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_destroy(c);
	EXPECT_EQ(field("/proc/meminfo", "SReclaimable:"), before);
}

TEST(vmalloc_is_vmalloc_used)
{
	unsigned long before = field("/proc/meminfo", "VmallocUsed:");
	void *p = vmalloc(8 << 20);

	ASSERT_NOT_NULL(p);
	EXPECT_EQ(field("/proc/meminfo", "VmallocUsed:"), before + 8192);
	EXPECT_GT(field("/proc/meminfo", "VmallocTotal:"), 8192);
	vfree(p);
	EXPECT_EQ(field("/proc/meminfo", "VmallocUsed:"), before);
}

RUN_TESTS_SETUP(setup,
	T(large_kmalloc_is_unreclaimable_slab),
	T(reclaimable_cache_counts_as_sreclaimable),
	T(vmalloc_is_vmalloc_used))
