/*
 * test_slabinfo.c - the slab layer's control files on one node of 128 MiB:
 * /proc/slabinfo's exact format and order, that its numbers follow
 * allocations and agree with the caches' structs, and the files of
 * /sys/kernel/slab/<cache>/ with their errors.
 *
 * Every cache a test creates is destroyed before it returns, so the caches
 * listed are the kmalloc caches plus the one under test.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ukmem/gfp.h>
#include <ukmem/slab.h>
#include <ukmem/ukmem.h>

#include "ctl.h"
#include "harness.h"
#include "slab/slab.h"

#define SYS "/sys/kernel/slab/"

static void setup(void)
{
	start_ukmem("mem=128M");
}

/* One row of /proc/slabinfo, parsed. */
struct row {
	char name[64];
	unsigned long active_objs, num_objs;
	unsigned int objsize, objperslab;
	int pagesperslab;
	unsigned int limit, batchcount, sharedfactor;
	unsigned long active_slabs, num_slabs, sharedavail;
};

/* Parse a row and check that printing it back with the kernel's format
 * gives the same text (the widths, not just the values). */
static bool parse_row(const char *line, size_t len, struct row *r)
{
	char again[512], copy[512];

	if (len >= sizeof(copy))
		return false;
	memcpy(copy, line, len);
	copy[len] = '\0';
	if (sscanf(copy, "%63s %lu %lu %u %u %d : tunables %u %u %u : slabdata %lu %lu %lu",
		   r->name, &r->active_objs, &r->num_objs, &r->objsize, &r->objperslab,
		   &r->pagesperslab, &r->limit, &r->batchcount, &r->sharedfactor, &r->active_slabs,
		   &r->num_slabs, &r->sharedavail) != 12)
		return false;
	snprintf(again, sizeof(again), "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u"
		 " : slabdata %6lu %6lu %6lu", r->name, r->active_objs, r->num_objs, r->objsize,
		 r->objperslab, r->pagesperslab, r->limit, r->batchcount, r->sharedfactor,
		 r->active_slabs, r->num_slabs, r->sharedavail);
	if (strcmp(again, copy) != 0) {
		HARNESS_FAIL("row not in the kernel's format:\n  \"%s\"\nvs\n  \"%s\"", copy, again);
		return false;
	}
	return true;
}

/* The row of cache name (true), or false if there is none.  The rows
 * after the two header lines; *index is the row's position among them. */
static bool find_row(const char *text, const char *name, struct row *r, int *index)
{
	const char *p = strchr(text, '\n');
	int i = 0;

	p = p ? strchr(p + 1, '\n') : NULL;
	for (p = p ? p + 1 : NULL; p && *p; i++) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		size_t nlen = strlen(name);

		if (!strncmp(p, name, nlen) && p[nlen] == ' ') {
			if (index)
				*index = i;
			return parse_row(p, len, r);
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}

static bool slabinfo_row(const char *name, struct row *r)
{
	char *text = read_ctl("/proc/slabinfo");
	bool found = text && find_row(text, name, r, NULL);

	free(text);
	return found;
}

/* A sysfs file of a cache: its text into buf, the length or -errno. */
static long sysfs_read(const char *cache, const char *attr, char *buf, size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), SYS "%s/%s", cache, attr);
	return (long)ukmem_ctl_read(path, buf, size);
}

static int sysfs_write(const char *cache, const char *attr, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), SYS "%s/%s", cache, attr);
	return ukmem_ctl_write(path, value);
}

#define EXPECT_SYSFS(cache, attr, expect) do { \
	char _buf[256]; \
	long _n = sysfs_read((cache), (attr), _buf, sizeof(_buf)); \
	EXPECT_EQ(_n, (long)strlen(expect)); \
	if (_n >= 0) \
		EXPECT_STREQ(_buf, (expect)); \
} while (0)

/* A show_slab_objects file's sum (the number before any " N0=..."). */
static long long sysfs_count(const char *cache, const char *attr)
{
	char buf[256];

	if (sysfs_read(cache, attr, buf, sizeof(buf)) < 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

static char *fmt(char *buf, size_t size, const char *f, unsigned long v)
{
	snprintf(buf, size, f, v);
	return buf;
}

/* ---- /proc/slabinfo ----------------------------------------------------- */

TEST(slabinfo_read_starts_the_slab_layer)
{
	char *text;

	EXPECT_PTR_EQ(ukmem_kmalloc_caches[KMALLOC_NORMAL][6], NULL);
	text = read_ctl("/proc/slabinfo");
	ASSERT_NOT_NULL(text);
	EXPECT_PTR_NE(ukmem_kmalloc_caches[KMALLOC_NORMAL][6], NULL);
	EXPECT_CONTAINS(text, "\nkmalloc-64 ");
	free(text);
}

TEST(slabinfo_header_is_version_2_1)
{
	static const char header[] =
		"slabinfo - version: 2.1\n"
		"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
		" : tunables <limit> <batchcount> <sharedfactor>"
		" : slabdata <active_slabs> <num_slabs> <sharedavail>\n";
	char *text = read_ctl("/proc/slabinfo");

	ASSERT_NOT_NULL(text);
	EXPECT_TRUE(!strncmp(text, header, strlen(header)));
	if (strncmp(text, header, strlen(header)))
		fprintf(stderr, "file starts:\n%.400s\n", text);
	free(text);
}

TEST(slabinfo_lists_every_cache_once_newest_first)
{
	char *text = read_ctl("/proc/slabinfo");
	struct list_head *pos;
	const char *p;
	int rows = 0, caches = 0;

	ASSERT_NOT_NULL(text);
	/* Every line after the header is a row in the kernel's format, in
	 * the reverse of slab_caches (oldest first): the boot cache last. */
	p = strchr(strchr(text, '\n') + 1, '\n') + 1;
	pos = slab_caches.prev;
	for (; *p; rows++) {
		const char *end = strchr(p, '\n');
		struct row r;

		ASSERT_TRUE(end != NULL);
		ASSERT_TRUE(parse_row(p, (size_t)(end - p), &r));
		if (pos != &slab_caches) {
			EXPECT_STREQ(r.name, list_entry(pos, struct kmem_cache, list)->name);
			pos = pos->prev;
		}
		p = end + 1;
	}
	list_for_each(pos, &slab_caches)
		caches++;
	EXPECT_EQ(rows, caches);
	EXPECT_CONTAINS(text, "\nkmem_cache ");
	EXPECT_CONTAINS(text, "\ndma-kmalloc-8k ");
	EXPECT_CONTAINS(text, "\nkmalloc-rcl-96 ");
	EXPECT_CONTAINS(text, "\nkmalloc-cg-192 ");
	/* The last row is the boot cache. */
	p = strstr(text, "\nkmem_cache ");
	EXPECT_TRUE(p && !strchr(p + 1, '\n')[1]);
	free(text);
}

TEST(slabinfo_kmalloc_64_geometry)
{
	struct row r;

	ASSERT_TRUE(slabinfo_row("kmalloc-64", &r));
	EXPECT_EQ(r.objsize, 64);
	EXPECT_EQ(r.objperslab, 64);
	EXPECT_EQ(r.pagesperslab, 1);
	EXPECT_EQ(r.limit, 0);
	EXPECT_EQ(r.batchcount, 0);
	EXPECT_EQ(r.sharedfactor, 0);
	EXPECT_EQ(r.sharedavail, 0);
	EXPECT_EQ(r.active_slabs, r.num_slabs);
	EXPECT_EQ(r.num_objs, r.num_slabs * 64);
	EXPECT_LE(r.active_objs, r.num_objs);
}

TEST(slabinfo_follows_kmalloc)
{
	enum { N = 1000 };
	static void *p[N];
	struct row before, after;

	ASSERT_TRUE(slabinfo_row("kmalloc-64", &before));
	for (int i = 0; i < N; i++) {
		p[i] = kmalloc(64, GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
	}
	ASSERT_TRUE(slabinfo_row("kmalloc-64", &after));
	EXPECT_GE(after.active_objs, before.active_objs + N);
	EXPECT_EQ(after.num_objs, after.num_slabs * 64);
	EXPECT_GE(after.num_slabs * 64, after.active_objs);
	EXPECT_GE(after.num_slabs, before.num_slabs + (N - (before.num_objs - before.active_objs) +
						       63) / 64);
	/* The same numbers through /sys/kernel/slab. */
	EXPECT_EQ(sysfs_count("kmalloc-64", "objects"), after.active_objs);
	EXPECT_EQ(sysfs_count("kmalloc-64", "total_objects"), after.num_objs);
	EXPECT_EQ(sysfs_count("kmalloc-64", "slabs"), after.num_slabs);
	for (int i = 0; i < N; i++)
		kfree(p[i]);
}

TEST(slabinfo_shows_a_created_cache_until_destroyed)
{
	struct kmem_cache *s = kmem_cache_create("test_cache", 200, 0, 0, NULL);
	void *obj;
	struct row r;
	int index = -1;
	char *text, buf[64];

	ASSERT_NOT_NULL(s);
	EXPECT_STREQ(s->name, "test_cache");	/* not merged into another */
	obj = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(obj);
	text = read_ctl("/proc/slabinfo");
	ASSERT_NOT_NULL(text);
	EXPECT_TRUE(find_row(text, "test_cache", &r, &index));
	EXPECT_EQ(index, 0);			/* the newest cache comes first */
	EXPECT_EQ(r.objsize, s->size);
	EXPECT_EQ(r.objperslab, oo_objects(s->oo));
	EXPECT_EQ(r.pagesperslab, 1 << oo_order(s->oo));
	EXPECT_GE(r.active_objs, 1);
	EXPECT_GE(r.num_slabs, 1);
	EXPECT_EQ(r.active_slabs, r.num_slabs);
	EXPECT_EQ(r.num_objs, r.num_slabs * oo_objects(s->oo));
	free(text);

	kmem_cache_free(s, obj);
	kmem_cache_destroy(s);
	text = read_ctl("/proc/slabinfo");
	ASSERT_NOT_NULL(text);
	EXPECT_FALSE(find_row(text, "test_cache", &r, NULL));
	EXPECT_TRUE(strstr(text, "test_cache") == NULL);
	free(text);
	EXPECT_EQ(sysfs_read("test_cache", "object_size", buf, sizeof(buf)), -ENOENT);
}

TEST(slabinfo_is_read_only)
{
	EXPECT_EQ(ukmem_ctl_write("/proc/slabinfo", "1"), -EACCES);
}

/* ---- /sys/kernel/slab ---------------------------------------------------- */

TEST(sysfs_kmalloc_8k_geometry)
{
	EXPECT_SYSFS("kmalloc-8k", "object_size", "8192\n");
	EXPECT_SYSFS("kmalloc-8k", "slab_size", "8192\n");
	EXPECT_SYSFS("kmalloc-8k", "objs_per_slab", "4\n");
	EXPECT_SYSFS("kmalloc-8k", "order", "3\n");
	EXPECT_SYSFS("kmalloc-8k", "align", "8192\n");
	EXPECT_SYSFS("kmalloc-8k", "ctor", "");
	EXPECT_SYSFS("kmalloc-8k", "cpu_slabs", "0\n");
	EXPECT_SYSFS("kmalloc-8k", "usersize", "8192\n");
	EXPECT_SYSFS("kmalloc-8k", "hwcache_align", "0\n");
	EXPECT_SYSFS("kmalloc-8k", "cache_dma", "0\n");
	EXPECT_SYSFS("dma-kmalloc-8k", "cache_dma", "1\n");
	EXPECT_SYSFS("kmalloc-rcl-8k", "reclaim_account", "1\n");
	EXPECT_SYSFS("kmalloc-8k", "reclaim_account", "0\n");
	EXPECT_SYSFS("kmem_cache", "aliases", "0\n");	/* refcount -1 */
	EXPECT_SYSFS("kmem_cache", "hwcache_align", "1\n");
}

/* The odd sizes: a 6.11+ kernel aligns kmalloc-96 and kmalloc-192, and
 * their twins, to the largest power of two dividing the size. */
TEST(sysfs_kmalloc_odd_sizes_align)
{
	static const char *const prefixes[] = { "kmalloc-", "dma-kmalloc-", "kmalloc-rcl-",
						"kmalloc-cg-" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s96", prefixes[i]);
		EXPECT_SYSFS(name, "align", "32\n");
		EXPECT_SYSFS(name, "slab_size", "96\n");
		snprintf(name, sizeof(name), "%s192", prefixes[i]);
		EXPECT_SYSFS(name, "align", "64\n");
		EXPECT_SYSFS(name, "slab_size", "192\n");
	}
}

static void test_ctor(void *p)
{
	memset(p, 0x5a, 48);
}

TEST(sysfs_created_cache_matches_its_struct)
{
	struct kmem_cache *s = kmem_cache_create("test_cache", 200, 0, 0, NULL);
	struct kmem_cache *d = kmem_cache_create("test_debug", 100, 0,
						 SLAB_HWCACHE_ALIGN | SLAB_RED_ZONE | SLAB_POISON |
						 SLAB_STORE_USER | SLAB_TRACE |
						 SLAB_CONSISTENCY_CHECKS | SLAB_TYPESAFE_BY_RCU,
						 NULL);
	struct kmem_cache *c = kmem_cache_create("test_ctor", 48, 0, 0, test_ctor);
	char buf[64], text[256];

	ASSERT_NOT_NULL(s);
	ASSERT_NOT_NULL(d);
	ASSERT_NOT_NULL(c);
	EXPECT_SYSFS("test_cache", "object_size", "200\n");
	EXPECT_SYSFS("test_cache", "slab_size", fmt(buf, sizeof(buf), "%lu\n", s->size));
	EXPECT_SYSFS("test_cache", "objs_per_slab",
		     fmt(buf, sizeof(buf), "%lu\n", oo_objects(s->oo)));
	EXPECT_SYSFS("test_cache", "order", fmt(buf, sizeof(buf), "%lu\n", oo_order(s->oo)));
	EXPECT_SYSFS("test_cache", "align", fmt(buf, sizeof(buf), "%lu\n", s->align));
	EXPECT_SYSFS("test_cache", "min_partial", fmt(buf, sizeof(buf), "%lu\n", s->min_partial));
	EXPECT_SYSFS("test_cache", "cpu_partial", fmt(buf, sizeof(buf), "%lu\n", s->cpu_partial));
	EXPECT_SYSFS("test_cache", "sheaf_capacity",
		     fmt(buf, sizeof(buf), "%lu\n", s->sheaf_capacity));
	EXPECT_SYSFS("test_cache", "aliases", "0\n");
	EXPECT_SYSFS("test_cache", "ctor", "");
	EXPECT_SYSFS("test_cache", "shrink", "");
	EXPECT_SYSFS("test_cache", "usersize", "0\n");
	EXPECT_SYSFS("test_cache", "objects", "0\n");
	EXPECT_SYSFS("test_cache", "slabs", "0\n");
	EXPECT_SYSFS("test_cache", "total_objects", "0\n");
	EXPECT_SYSFS("test_cache", "partial", "0\n");
	static const char *const flag_files[] = {
		"hwcache_align", "reclaim_account", "destroy_by_rcu", "sanity_checks", "trace",
		"red_zone", "poison", "store_user", "cache_dma",
	};
	for (size_t i = 0; i < sizeof(flag_files) / sizeof(flag_files[0]); i++) {
		EXPECT_SYSFS("test_cache", flag_files[i], "0\n");
		EXPECT_SYSFS("test_debug", flag_files[i],
			     strcmp(flag_files[i], "reclaim_account") &&
			     strcmp(flag_files[i], "cache_dma") ? "1\n" : "0\n");
	}
	EXPECT_SYSFS("test_debug", "slab_size", fmt(buf, sizeof(buf), "%lu\n", d->size));
	/* A constructor prints as a symbol (or an address): one line. */
	EXPECT_GT(sysfs_read("test_ctor", "ctor", text, sizeof(text)), 1);
	EXPECT_TRUE(strchr(text, '\n') == text + strlen(text) - 1);
	kmem_cache_destroy(c);
	kmem_cache_destroy(d);
	kmem_cache_destroy(s);
}

TEST(sysfs_counts_carry_the_node_suffix)
{
	struct kmem_cache *s = kmem_cache_create("test_cache", 200, 0, 0, NULL);
	void *obj;
	char expect[64];

	ASSERT_NOT_NULL(s);
	ASSERT_EQ(ukmem_mm.nr_nodes, 1);
	EXPECT_SYSFS("test_cache", "slabs", "0\n");
	obj = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(obj);
	/* The refill of this thread's sheaf took whole slabs; shrinking puts
	 * the sheaf's objects back and frees the empty slabs, leaving one
	 * partial slab that holds obj. */
	EXPECT_EQ(sysfs_write("test_cache", "shrink", "1"), 0);
	/* show_slab_objects on a CONFIG_NUMA kernel: " N0=" even with one
	 * node, for every node with a non-zero count. */
	EXPECT_SYSFS("test_cache", "objects", "1 N0=1\n");
	EXPECT_SYSFS("test_cache", "slabs", "1 N0=1\n");
	EXPECT_SYSFS("test_cache", "partial", "1 N0=1\n");
	snprintf(expect, sizeof(expect), "%u N0=%u\n", oo_objects(s->oo), oo_objects(s->oo));
	EXPECT_SYSFS("test_cache", "total_objects", expect);
	EXPECT_SYSFS("test_cache", "cpu_slabs", "0\n");
	kmem_cache_free(s, obj);
	kmem_cache_destroy(s);
}

TEST(sysfs_aliases_counts_merged_caches)
{
	struct kmem_cache *s = kmem_cache_create("test_cache", 200, 0, 0, NULL);
	struct kmem_cache *alias = kmem_cache_create("test_alias", 200, 0, 0, NULL);
	char buf[64];

	ASSERT_NOT_NULL(s);
	ASSERT_NOT_NULL(alias);
	EXPECT_PTR_EQ(alias, s);
	EXPECT_SYSFS("test_cache", "aliases", "1\n");
	/* ukmem keeps a cache's first name only: an alias's name does not
	 * resolve (the kernel has a symbolic link for it). */
	EXPECT_EQ(sysfs_read("test_alias", "aliases", buf, sizeof(buf)), -ENOENT);
	kmem_cache_destroy(alias);
	EXPECT_SYSFS("test_cache", "aliases", "0\n");
	kmem_cache_destroy(s);
}

TEST(sysfs_shrink_gives_back_empty_slabs)
{
	enum { N = 500 };
	static void *p[N];
	struct kmem_cache *s = kmem_cache_create("test_cache", 200, 0, 0, NULL);
	struct row r;

	ASSERT_NOT_NULL(s);
	for (int i = 0; i < N; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
	}
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, p[i]);
	/* Empty slabs up to min_partial stay, and the freed objects in this
	 * thread's sheaves keep theirs. */
	EXPECT_GT(sysfs_count("test_cache", "slabs"), 0);
	EXPECT_EQ(sysfs_write("test_cache", "shrink", "0"), -EINVAL);
	EXPECT_GT(sysfs_count("test_cache", "slabs"), 0);
	EXPECT_EQ(sysfs_write("test_cache", "shrink", "1"), 0);
	EXPECT_SYSFS("test_cache", "slabs", "0\n");
	EXPECT_SYSFS("test_cache", "objects", "0\n");
	EXPECT_SYSFS("test_cache", "partial", "0\n");
	ASSERT_TRUE(slabinfo_row("test_cache", &r));
	EXPECT_EQ(r.active_objs, 0);
	EXPECT_EQ(r.num_objs, 0);
	EXPECT_EQ(r.num_slabs, 0);
	kmem_cache_destroy(s);
}

TEST(sysfs_min_partial_is_writable)
{
	struct kmem_cache *s = ukmem_kmalloc_caches[KMALLOC_NORMAL][6];
	unsigned long old;
	char buf[64];

	ASSERT_NOT_NULL(s);
	old = s->min_partial;
	EXPECT_EQ(sysfs_write("kmalloc-64", "min_partial", "7"), 0);
	EXPECT_SYSFS("kmalloc-64", "min_partial", "7\n");
	EXPECT_EQ(s->min_partial, 7);
	/* Not clamped to [MIN_PARTIAL, MAX_PARTIAL] since Linux 5.18. */
	EXPECT_EQ(sysfs_write("kmalloc-64", "min_partial", "100\n"), 0);
	EXPECT_SYSFS("kmalloc-64", "min_partial", "100\n");
	EXPECT_EQ(sysfs_write("kmalloc-64", "min_partial", "0"), 0);
	EXPECT_SYSFS("kmalloc-64", "min_partial", "0\n");
	/* A value that does not parse changes nothing. */
	EXPECT_EQ(sysfs_write("kmalloc-64", "min_partial", "seven"), -EINVAL);
	EXPECT_EQ(sysfs_write("kmalloc-64", "min_partial", "-1"), -EINVAL);
	EXPECT_EQ(sysfs_write("kmalloc-64", "min_partial", "0x10"), -EINVAL);
	EXPECT_EQ(sysfs_write("kmalloc-64", "min_partial", "99999999999999999999"), -ERANGE);
	EXPECT_SYSFS("kmalloc-64", "min_partial", "0\n");
	EXPECT_EQ(sysfs_write("kmalloc-64", "min_partial", fmt(buf, sizeof(buf), "%lu", old)), 0);
	EXPECT_EQ(s->min_partial, old);
}

TEST(sysfs_errors)
{
	char buf[64];

	EXPECT_EQ(sysfs_read("no_such_cache", "object_size", buf, sizeof(buf)), -ENOENT);
	EXPECT_EQ(sysfs_read("kmalloc-64", "no_such_attr", buf, sizeof(buf)), -ENOENT);
	EXPECT_EQ(sysfs_read("kmalloc-64", "", buf, sizeof(buf)), -ENOENT);
	EXPECT_EQ(sysfs_read("kmalloc-64", "object_size/x", buf, sizeof(buf)), -ENOENT);
	EXPECT_EQ(sysfs_read("kmalloc-6", "object_size", buf, sizeof(buf)), -ENOENT);
	EXPECT_EQ(sysfs_read("kmalloc-640", "object_size", buf, sizeof(buf)), -ENOENT);
	EXPECT_EQ(ukmem_ctl_read(SYS "kmalloc-64", buf, sizeof(buf)), -ENOENT);
	EXPECT_EQ(ukmem_ctl_read(SYS, buf, sizeof(buf)), -ENOENT);
	EXPECT_EQ(ukmem_ctl_read("/sys/kernel/slab", buf, sizeof(buf)), -ENOENT);
	EXPECT_EQ(ukmem_ctl_read(SYS "/object_size", buf, sizeof(buf)), -ENOENT);
	EXPECT_EQ(sysfs_write("no_such_cache", "min_partial", "5"), -ENOENT);
	EXPECT_EQ(sysfs_write("kmalloc-64", "no_such_attr", "5"), -ENOENT);
	EXPECT_EQ(sysfs_write("kmalloc-64", "object_size", "5"), -EACCES);
	EXPECT_EQ(sysfs_write("kmalloc-64", "cpu_partial", "5"), -EACCES);
	EXPECT_EQ(sysfs_write("kmalloc-64", "poison", "1"), -EACCES);
	/* A short buffer gets the truncated text and -ENOSPC. */
	EXPECT_EQ(sysfs_read("kmalloc-8k", "object_size", buf, 3), -ENOSPC);
	EXPECT_STREQ(buf, "81");
}

/* Reads and shrinks while another thread allocates, creates and destroys
 * caches: no deadlock (slab_mutex, then owners_lock and list_lock, as the
 * slab layer takes them), and every read is a whole file. */
static int churn_stop;

static void *churn(void *arg)
{
	void *p[64];

	for (int round = 0; !__atomic_load_n(&churn_stop, __ATOMIC_RELAXED); round++) {
		struct kmem_cache *s = kmem_cache_create("test_churn", 40 + round % 200, 0,
							 SLAB_NO_MERGE, NULL);

		if (!s)
			return NULL;
		for (int i = 0; i < 64; i++)
			p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		for (int i = 0; i < 64; i++)
			kmem_cache_free(s, p[i]);
		for (int i = 0; i < 64; i++)
			p[i] = kmalloc(8 + (size_t)(i * 100), GFP_KERNEL);
		for (int i = 0; i < 64; i++)
			kfree(p[i]);
		kmem_cache_destroy(s);
	}
	return NULL;
}

TEST(reads_race_with_cache_churn)
{
	pthread_t thread;
	char buf[64];

	__atomic_store_n(&churn_stop, 0, __ATOMIC_RELAXED);
	ASSERT_EQ(pthread_create(&thread, NULL, churn, NULL), 0);
	for (int i = 0; i < 300; i++) {
		char *text = read_ctl("/proc/slabinfo");
		long n;

		EXPECT_TRUE(text != NULL);
		if (!text)
			break;
		EXPECT_TRUE(!strncmp(text, "slabinfo - version: 2.1\n", 24));
		EXPECT_TRUE(text[strlen(text) - 1] == '\n');
		free(text);
		n = sysfs_read("test_churn", "objects", buf, sizeof(buf));
		EXPECT_TRUE(n == -ENOENT || (n > 0 && buf[n - 1] == '\n'));
		/* A cache the other thread does not use: this checks the
		 * store's locks, not concurrent shrinking of one cache. */
		EXPECT_EQ(sysfs_write("kmalloc-rcl-64", "shrink", "1"), 0);
	}
	__atomic_store_n(&churn_stop, 1, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
}

RUN_TESTS_SETUP(setup,
		T(slabinfo_read_starts_the_slab_layer),
		T(slabinfo_header_is_version_2_1),
		T(slabinfo_lists_every_cache_once_newest_first),
		T(slabinfo_kmalloc_64_geometry),
		T(slabinfo_follows_kmalloc),
		T(slabinfo_shows_a_created_cache_until_destroyed),
		T(slabinfo_is_read_only),
		T(sysfs_kmalloc_8k_geometry),
	T(sysfs_kmalloc_odd_sizes_align),
		T(sysfs_created_cache_matches_its_struct),
		T(sysfs_counts_carry_the_node_suffix),
		T(sysfs_aliases_counts_merged_caches),
		T(sysfs_shrink_gives_back_empty_slabs),
		T(sysfs_min_partial_is_writable),
		T(sysfs_errors),
		T(reads_race_with_cache_churn))
