/*
 * test_mem_limit.c - mem= bounds every byte ukmem hands out: under mem=64M,
 * kmalloc, alloc_pages, vmalloc and kvmalloc together never get more than
 * the arena's pages, a vmalloc larger than the arena fails as the
 * kernel's does ("vmalloc error: ... failed to allocate pages"), and
 * /proc/meminfo's MemFree counts vmalloc memory as used.
 */
#include <ukmem.h>

#include "harness.h"
#include "log.h"
#include "ctl.h"
#include "page/page.h"
#include "slab/slab_api.h"

#define MAX_HELD 100000

static struct { void *p; int kind; unsigned int order; } held[MAX_HELD];
static int nr_held;

static unsigned long meminfo_kb(const char *key)
{
	char *text = read_ctl("/proc/meminfo"), *line;
	unsigned long v = 0;

	line = text ? strstr(text, key) : NULL;
	if (line)
		v = strtoul(line + strlen(key) + 1, NULL, 10);
	free(text);
	return v;
}

TEST(larger_than_the_arena_fails)
{
	size_t mark = log_mark();

	EXPECT_TRUE(vmalloc(1UL << 30) == NULL);
	EXPECT_CONTAINS(log_text + mark, "vmalloc error: size 1073741824, failed to allocate pages");
	EXPECT_TRUE(kvmalloc(1UL << 30, GFP_KERNEL) == NULL);
	EXPECT_TRUE(vmalloc(100UL << 20) == NULL);
	EXPECT_UEQ(ukmem_vmalloc_used_pages(), 0);
}

TEST(everything_together_stays_under_mem)
{
	unsigned long total_pages = 0, vm_pages = 0, free_kb = meminfo_kb("MemFree:");
	unsigned long managed = meminfo_kb("MemTotal:") / 4;
	int round = 0, fails = 0;

	/* Take memory every way until every way fails, round after round. */
	while (nr_held < MAX_HELD && fails < 3) {
		void *p = NULL;
		int kind = round++ % 3;
		unsigned int order = 0;

		if (kind == 0) {
			p = kmalloc(4096, GFP_KERNEL | __GFP_NOWARN);
		} else if (kind == 1) {
			struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 2);

			order = 2;
			p = page ? page_address(page) : NULL;
		} else {
			p = __vmalloc(256 * 1024, GFP_KERNEL | __GFP_NOWARN);
			if (p)
				vm_pages += 64;
		}
		if (!p) {
			if (kind == 2)
				fails++;
			continue;
		}
		fails = 0;
		held[nr_held].p = p;
		held[nr_held].kind = kind;
		held[nr_held++].order = order;
		total_pages += kind == 0 ? 1 : kind == 1 ? 4 : 64;
	}
	EXPECT_GT(vm_pages, 0);
	EXPECT_LE(total_pages, managed);
	/* MemFree fell by at least what vmalloc holds. */
	EXPECT_LE(meminfo_kb("MemFree:") + vm_pages * 4, free_kb);
	while (nr_held > 0) {
		nr_held--;
		if (held[nr_held].kind == 0)
			kfree(held[nr_held].p);
		else if (held[nr_held].kind == 1)
			free_pages((unsigned long)held[nr_held].p, held[nr_held].order);
		else
			vfree(held[nr_held].p);
	}
	EXPECT_UEQ(ukmem_vmalloc_used_pages(), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
	EXPECT_EQ(ukmem_vmalloc_validate(), 0);
}

static void setup(void)
{
	start_ukmem("mem=64M kswapd=off");
	ukmem_set_log_hook(log_capture);
}

RUN_TESTS_SETUP(setup,
	T(larger_than_the_arena_fails),
	T(everything_together_stays_under_mem))
