/*
 * test_slub_debug.c - SLUB's debugging, cache by cache: red zones (Z),
 * poisoning (P), user tracking (U), tracing (T), consistency checks (F),
 * the validate and alloc_traces files, and the hardened freelist.  Each
 * planted bug must give the kernel's report title, the detail line, the
 * FIX line, and leave a cache that validates clean and goes on working.
 *
 * The caches get their flags from kmem_cache_create; slub_debug=FZPU,<name>
 * (the option) is given to ukmem_init for one named cache, and checked
 * with its own cache too.
 */
#include "slab_helpers.h"

#include <errno.h>

#include "lib/options.h"
#include "slab/slab_api.h"

static void setup(void)
{
	log_setup();
	/* One named cache gets its flags from the option (the others from
	 * their SLAB_* flags), and 'O' leaves big-object caches alone. */
	if (ukmem_init("mem=256M slub_debug=FZPU,opt-cache;O,big-* slab_freelist_random=on") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(2);
	}
}

static void *opaque_ptr(void *p)
{
	void *volatile v = p;

	return v;
}

static int validate_cache(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/validate", name);
	return ukmem_ctl_write(path, "1");
}

/* The report header the kernel prints, whatever the taint, and no other
 * report since mark. */
#define EXPECT_BUG(mark, cache, what) do { \
	EXPECT_LOGGED(mark, "BUG " cache " ("); \
	EXPECT_LOGGED(mark, "): " what "\n"); \
	EXPECT_EQ(log_count_since(mark, "BUG "), 1); \
} while (0)

TEST(option_syntax_errors_are_refused_naming_the_bad_part)
{
	static const struct {
		const char *options, *message;
	} bad[] = {
		{ "slub_debug=FX", "unknown flag 'X'" },
		{ "slab_debug=F,,kmalloc-64", "empty cache name" },
		{ "failslab=1,200,0,1", "probability 200 is above 100" },
		{ "fail_page_alloc=1,10", "bad value '1,10' for fail_page_alloc=" },
		{ "kmemleak=maybe", "bad value 'maybe' for kmemleak=" },
		{ "init_on_free=2", "bad value '2' for init_on_free=" },
		{ "kfence.sample_interval=-5", "bad value '-5' for kfence.sample_interval=" },
		{ "failslab.bogus=1", "unknown option 'failslab.bogus' (no file bogus in failslab)" },
		{ "failslab.min-order=1", "no file min-order in failslab" },
	};
	struct ukmem_options o;
	struct slub_debug_result r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t mark = log_mark();

		EXPECT_EQ(ukmem_options_parse(bad[i].options, &o), -EINVAL);
		EXPECT_LOGGED(mark, bad[i].message);
	}
	/* The grammar: blocks, names, prefixes, '-' and the bare word. */
	EXPECT_EQ(ukmem_options_parse("slub_debug=FZ;U,kmalloc-*;-,dentry failslab=1,10,0,-1",
				      &o), 0);
	EXPECT_EQ(slub_debug_spec_lookup(o.slub_debug, "kmalloc-96", &r), 0);
	EXPECT_UEQ(r.flags, SLAB_STORE_USER);
	EXPECT_EQ(slub_debug_spec_lookup(o.slub_debug, "dentry", &r), 0);
	EXPECT_TRUE(r.matched);
	EXPECT_UEQ(r.flags, 0);
	EXPECT_EQ(slub_debug_spec_lookup(o.slub_debug, "inode", &r), 0);
	EXPECT_UEQ(r.flags, SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE);
	EXPECT_EQ(ukmem_options_parse("slub_debug", &o), 0);
	EXPECT_TRUE(o.slub_debug_set);
	EXPECT_EQ(slub_debug_spec_lookup(o.slub_debug, "anything", &r), 0);
	EXPECT_UEQ(r.flags, SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON |
		   SLAB_STORE_USER);
}

TEST(option_gives_flags_to_the_named_cache_only)
{
	struct kmem_cache *a = kmem_cache_create("opt-cache", 40, 0, 0, NULL);
	struct kmem_cache *b = kmem_cache_create("other-cache", 40, 0, SLAB_NO_MERGE, NULL);

	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	EXPECT_UEQ(a->flags & (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON |
			       SLAB_STORE_USER),
		   SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER);
	EXPECT_UEQ(b->flags & SLAB_RED_ZONE, 0);
	/* Geometry as the kernel's: the object follows an 8-byte left red
	 * zone, the free pointer sits after the object. */
	EXPECT_EQ(a->red_left_pad, 8);
	EXPECT_GE(a->offset, a->inuse);
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
}

TEST(order_check_drops_debugging_that_would_raise_the_order)
{
	/* A page-sized object with red zones and tracks needs two pages: O
	 * (given for "big-*" in setup, global as in the kernel) drops them. */
	struct kmem_cache *s = kmem_cache_create("page-objects", 4096, 0, SLAB_RED_ZONE |
						 SLAB_STORE_USER, NULL);
	struct kmem_cache *small = kmem_cache_create("small-objects", 2048, 0, SLAB_RED_ZONE,
						     NULL);

	ASSERT_NOT_NULL(s);
	ASSERT_NOT_NULL(small);
	EXPECT_UEQ(s->flags & (SLAB_RED_ZONE | SLAB_STORE_USER), 0);
	EXPECT_EQ(s->size, 4096);
	/* 2048 + red zones still fits order 0 per object: kept. */
	EXPECT_UEQ(small->flags & SLAB_RED_ZONE, SLAB_RED_ZONE);
	kmem_cache_destroy(s);
	kmem_cache_destroy(small);
}

TEST(right_and_left_redzone_overwrites_are_reported_and_restored)
{
	struct kmem_cache *s = kmem_cache_create("rz-64", 64, 0, SLAB_RED_ZONE, NULL);
	unsigned char *p;
	size_t mark;

	ASSERT_NOT_NULL(s);
	mark = log_mark();
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	EXPECT_LOG_SILENT(mark);	/* a fresh object passes its checks */
	/* Z: the red zones read 0xcc while the object is allocated. */
	EXPECT_EQ(p[64], SLUB_RED_ACTIVE);
	EXPECT_EQ(p[-1], SLUB_RED_ACTIVE);
	((unsigned char *)opaque_ptr(p))[64] = 0x12;	/* one byte too far */
	mark = log_mark();
	kmem_cache_free(s, p);
	EXPECT_BUG(mark, "rz-64", "Right Redzone overwritten");
	EXPECT_LOGGED(mark, "First byte 0x12 instead of 0xcc");
	EXPECT_LOGGED(mark, "Redzone  ");
	EXPECT_LOGGED(mark, "Object   ");
	EXPECT_LOGGED(mark, "FIX rz-64: Restoring Right Redzone 0x");
	EXPECT_LOGGED(mark, "=0xcc");
	EXPECT_TRUE(ukmem_get_taint() & (1UL << 5));

	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	((unsigned char *)opaque_ptr(p))[-3] = 0x34;	/* an underflow */
	mark = log_mark();
	kmem_cache_free(s, p);
	EXPECT_BUG(mark, "rz-64", "Left Redzone overwritten");
	EXPECT_LOGGED(mark, "First byte 0x34 instead of 0xcc");
	/* Restored: the cache validates clean and reports nothing more. */
	mark = log_mark();
	EXPECT_EQ(validate_cache("rz-64"), 0);
	EXPECT_LOG_SILENT(mark);
	kmem_cache_destroy(s);
}

TEST(write_after_free_is_caught_by_the_poison)
{
	struct kmem_cache *s = kmem_cache_create("poison-96", 96, 0, SLAB_POISON, NULL);
	unsigned char *p, *q;
	size_t mark;

	ASSERT_NOT_NULL(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	memset(p, 0x11, 96);
	kmem_cache_free(s, p);
	/* P: a free object is 0x6b with a last byte of 0xa5. */
	EXPECT_EQ(p[0], POISON_FREE);
	EXPECT_EQ(p[94], POISON_FREE);
	EXPECT_EQ(p[95], POISON_END);
	((unsigned char *)opaque_ptr(p))[50] = 0x77;	/* use after free */
	mark = log_mark();
	q = kmem_cache_alloc(s, GFP_KERNEL);	/* LIFO: the same object */
	EXPECT_PTR_EQ(q, p);
	EXPECT_BUG(mark, "poison-96", "Poison overwritten");
	EXPECT_LOGGED(mark, "@offset=");
	EXPECT_LOGGED(mark, "First byte 0x77 instead of 0x6b");
	EXPECT_LOGGED(mark, "FIX poison-96: Restoring Poison 0x");
	kmem_cache_free(s, q);
	mark = log_mark();
	EXPECT_EQ(validate_cache("poison-96"), 0);
	EXPECT_LOG_SILENT(mark);
	kmem_cache_destroy(s);
}

/* A frame of its own in the allocation stack (no inlining, no tail call). */
static void *noinline_alloc(struct kmem_cache *s) __attribute__((noinline));
static void *noinline_alloc(struct kmem_cache *s)
{
	return opaque_ptr(kmem_cache_alloc(s, GFP_KERNEL));
}

TEST(double_free_report_shows_where_it_was_allocated_and_freed)
{
	struct kmem_cache *s = kmem_cache_create("user-128", 128, 0, SLAB_STORE_USER |
						 SLAB_CONSISTENCY_CHECKS, NULL);
	void *p;
	size_t mark;

	ASSERT_NOT_NULL(s);
	p = noinline_alloc(s);
	ASSERT_NOT_NULL(p);
	kmem_cache_free(s, p);
	mark = log_mark();
	kmem_cache_free(s, opaque_ptr(p));
	EXPECT_BUG(mark, "user-128", "Object already free");
	EXPECT_LOGGED(mark, "Allocated in ");
	EXPECT_LOGGED(mark, " age=");
	EXPECT_LOGGED(mark, " pid=");
	EXPECT_LOGGED(mark, "Freed in ");
	EXPECT_LOGGED(mark, "FIX user-128: Object at 0x");
	EXPECT_LOGGED(mark, " not freed");
	/* The allocation stack names the function that allocated. */
	if (!UNDER_TSAN)	/* TSan builds: dladdr, no static names */
		EXPECT_LOGGED(mark, "noinline_alloc");
	/* Nothing was freed twice: two allocations are two objects. */
	void *a = kmem_cache_alloc(s, GFP_KERNEL), *b = kmem_cache_alloc(s, GFP_KERNEL);

	EXPECT_PTR_NE(a, b);
	kmem_cache_free(s, a);
	kmem_cache_free(s, b);
	kmem_cache_destroy(s);
}

/*
 * Without slub_debug a double free that is not the thread's last free to
 * the cache is found only when its sheaf goes back to the slabs
 * (test_bad_kfree); with F it is found at the free itself, however many
 * frees came between.
 */
#define MANY_FREES 1000
TEST(consistency_checks_find_a_double_free_at_the_free)
{
	struct kmem_cache *s = kmem_cache_create("checked-64", 64, 0, SLAB_CONSISTENCY_CHECKS,
						 NULL);
	void *p, *others[MANY_FREES], *again[MANY_FREES];
	size_t mark;

	ASSERT_NOT_NULL(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	for (int i = 0; i < MANY_FREES; i++) {
		others[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(others[i]);
	}
	kmem_cache_free(s, p);
	for (int i = 0; i < MANY_FREES; i++)
		kmem_cache_free(s, others[i]);
	mark = log_mark();
	kmem_cache_free(s, opaque_ptr(p));
	EXPECT_BUG(mark, "checked-64", "Object already free");
	EXPECT_LOGGED(mark, "FIX checked-64: Object at 0x");
	/* Freed once only: MANY_FREES + 1 allocations are distinct objects. */
	for (int i = 0; i < MANY_FREES; i++) {
		again[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(again[i]);
	}
	p = kmem_cache_alloc(s, GFP_KERNEL);
	for (int i = 0; i < MANY_FREES; i++)
		EXPECT_PTR_NE(again[i], p);
	for (int i = 0; i < MANY_FREES; i++)
		kmem_cache_free(s, again[i]);
	kmem_cache_free(s, p);
	EXPECT_EQ(validate_cache("checked-64"), 0);
	kmem_cache_destroy(s);
}

TEST(invalid_pointer_free_is_reported)
{
	struct kmem_cache *s = kmem_cache_create("inv-64", 64, 0, SLAB_RED_ZONE |
						 SLAB_CONSISTENCY_CHECKS, NULL);
	char *p;
	size_t mark;

	ASSERT_NOT_NULL(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	mark = log_mark();
	kmem_cache_free(s, opaque_ptr(p + 8));
	EXPECT_LOGGED(mark, "BUG inv-64 (");
	EXPECT_LOGGED(mark, "): Invalid object pointer 0x");
	kmem_cache_free(s, p);
	mark = log_mark();
	EXPECT_EQ(validate_cache("inv-64"), 0);
	EXPECT_LOG_SILENT(mark);
	kmem_cache_destroy(s);
}

TEST(validate_finds_a_corrupted_live_object)
{
	struct kmem_cache *s = kmem_cache_create("val-32", 32, 0, SLAB_RED_ZONE | SLAB_POISON,
						 NULL);
	unsigned char *p;
	size_t mark;

	ASSERT_NOT_NULL(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	((unsigned char *)opaque_ptr(p))[32] = 0;
	mark = log_mark();
	EXPECT_EQ(validate_cache("val-32"), 0);
	EXPECT_BUG(mark, "val-32", "Right Redzone overwritten");
	EXPECT_LOGGED(mark, "FIX val-32: Restoring Right Redzone");
	/* Fixed: a second pass is silent, and the free is clean. */
	mark = log_mark();
	EXPECT_EQ(validate_cache("val-32"), 0);
	kmem_cache_free(s, p);
	EXPECT_LOG_SILENT(mark);
	EXPECT_EQ(ukmem_ctl_write("/sys/kernel/slab/val-32/validate", "2"), -EINVAL);
	kmem_cache_destroy(s);
}

TEST(alloc_traces_groups_live_objects_by_call_site)
{
	struct kmem_cache *s = kmem_cache_create("traced-48", 48, 0, SLAB_STORE_USER, NULL);
	void *p[10];
	char buf[8192];

	ASSERT_NOT_NULL(s);
	for (int i = 0; i < 10; i++)
		p[i] = noinline_alloc(s);
	EXPECT_GT(ukmem_ctl_read("/sys/kernel/slab/traced-48/alloc_traces", buf, sizeof(buf)), 0);
	/* "     10 <caller> age=... pid=..." then the stack. */
	EXPECT_CONTAINS(buf, "     10 ");
	EXPECT_CONTAINS(buf, " age=");
	EXPECT_CONTAINS(buf, " pid=");
	if (!UNDER_TSAN)
		EXPECT_CONTAINS(buf, "noinline_alloc");
	EXPECT_GT(ukmem_ctl_read("/sys/kernel/slab/traced-48/free_traces", buf, sizeof(buf)), 0);
	EXPECT_STREQ(buf, "No data\n");
	for (int i = 0; i < 4; i++)
		kmem_cache_free(s, p[i]);
	EXPECT_GT(ukmem_ctl_read("/sys/kernel/slab/traced-48/free_traces", buf, sizeof(buf)), 0);
	EXPECT_CONTAINS(buf, "      4 ");
	EXPECT_GT(ukmem_ctl_read("/sys/kernel/slab/traced-48/alloc_traces", buf, sizeof(buf)), 0);
	EXPECT_CONTAINS(buf, "      6 ");
	for (int i = 4; i < 10; i++)
		kmem_cache_free(s, p[i]);
	/* Only caches that store their users have the files. */
	EXPECT_EQ(ukmem_ctl_read("/sys/kernel/slab/kmalloc-64/alloc_traces", buf, sizeof(buf)),
		  -ENOENT);
	kmem_cache_destroy(s);
}

TEST(trace_prints_every_alloc_and_free)
{
	struct kmem_cache *s = kmem_cache_create("trace-16", 16, 0, SLAB_TRACE, NULL);
	void *p;
	size_t mark;

	ASSERT_NOT_NULL(s);
	mark = log_mark();
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(log_count_since(mark, "BUG "), 0);
	EXPECT_LOGGED(mark, "TRACE trace-16 alloc 0x");
	EXPECT_LOGGED(mark, " inuse=");
	mark = log_mark();
	kmem_cache_free(s, p);
	EXPECT_LOGGED(mark, "TRACE trace-16 free 0x");
	EXPECT_LOGGED(mark, "Object ");
	kmem_cache_destroy(s);
}

/*
 * The classic freelist-poisoning attack on a plain cache (no debug flags):
 * overwrite a freed object's next pointer with an address of the
 * attacker's choosing and allocate until the allocator hands it out.
 * The pointer is checked before it is followed: a report, and the target
 * is never returned.
 */
TEST(freelist_poisoning_is_stopped)
{
	static char target[256] __attribute__((aligned(64)));
	struct kmem_cache *s = kmem_cache_create("victim-64", 64, 0, SLAB_NO_MERGE, NULL);
	void *p[32];
	size_t mark;
	bool handed_out = false;

	ASSERT_NOT_NULL(s);
	for (int i = 0; i < 32; i++)
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
	/* p[0] stays allocated, so the slab stays when the cache shrinks. */
	for (int i = 1; i < 32; i++)
		kmem_cache_free(s, p[i]);
	kmem_cache_shrink(s);	/* the objects are on their slab's freelist now */
	/* Overwrite every free-pointer word of a freed object with the target. */
	for (int i = 1; i < 32; i++)
		*(void **)((char *)opaque_ptr(p[i]) + s->offset) = target;
	mark = log_mark();
	for (int i = 0; i < 64; i++) {
		void *q = kmem_cache_alloc(s, GFP_KERNEL);

		if (q == (void *)target)
			handed_out = true;
	}
	EXPECT_FALSE(handed_out);
	EXPECT_BUG(mark, "victim-64", "Freechain corrupt");
	EXPECT_LOGGED(mark, "FIX victim-64: Isolate corrupted freechain");
	kmem_cache_free(s, p[0]);
}

TEST(kmalloc_caches_take_the_option_flags_by_pattern)
{
	/* setup() named no kmalloc cache: they stay plain, sheaves and all. */
	struct kmem_cache *k = ukmem_kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(64)];

	EXPECT_UEQ(k->flags & (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER), 0);
	EXPECT_GT(k->sheaf_capacity, 0);
}

TEST(padding_overwrites_are_reported)
{
	/* 72-byte objects aligned to 32 with P: 72 bytes, the free pointer,
	 * 16 bytes of POISON_INUSE padding in each 96-byte slot, and 64 at
	 * the end of each page. */
	struct kmem_cache *s = kmem_cache_create("pad-72", 72, 32, SLAB_POISON |
						 SLAB_CONSISTENCY_CHECKS, NULL);
	unsigned char *p;
	size_t mark, tail;
	struct slab *slab;

	ASSERT_NOT_NULL(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	ASSERT_NOT_NULL(p);
	ASSERT_TRUE(s->size > s->offset + sizeof(void *));	/* there is object padding */
	((unsigned char *)opaque_ptr(p))[s->size - 1] = 0x01;
	mark = log_mark();
	kmem_cache_free(s, p);
	EXPECT_BUG(mark, "pad-72", "Object padding overwritten");
	EXPECT_LOGGED(mark, "First byte 0x1 instead of 0x5a");
	/* The slab's tail, checked by F when an object is allocated. */
	slab = (struct slab *)(void *)compound_head(virt_to_page(p));
	tail = (PAGE_SIZE << compound_order(slab_page(slab))) % s->size;
	ASSERT_TRUE(tail > 0);
	((unsigned char *)slab_address(slab))[(PAGE_SIZE << compound_order(slab_page(slab))) - 1] = 7;
	mark = log_mark();
	p = kmem_cache_alloc(s, GFP_KERNEL);
	EXPECT_LOGGED(mark, "BUG pad-72 (");
	EXPECT_LOGGED(mark, "): Padding overwritten. 0x");
	EXPECT_LOGGED(mark, "FIX pad-72: Restoring Padding");
	kmem_cache_free(s, p);
	mark = log_mark();
	EXPECT_EQ(validate_cache("pad-72"), 0);
	EXPECT_LOG_SILENT(mark);
	kmem_cache_destroy(s);
}

TEST(validate_finds_a_forged_free_pointer_and_a_wrong_count)
{
	struct kmem_cache *s = kmem_cache_create("fp-64", 64, 0, SLAB_POISON, NULL);
	void *p[4];
	struct slab *slab;
	size_t mark;

	ASSERT_NOT_NULL(s);
	for (int i = 0; i < 4; i++)
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, p[3]);
	/* The freed object's free pointer (outside the object, under P). */
	*(unsigned long *)((char *)opaque_ptr(p[3]) + s->offset) = 0x1234;
	mark = log_mark();
	EXPECT_EQ(validate_cache("fp-64"), 0);
	EXPECT_LOGGED(mark, "): Freechain corrupt\n");
	/* Cut off: the objects after it are lost, and counted as in use. */
	slab = (struct slab *)(void *)compound_head(virt_to_page(p[0]));
	slab_set_inuse(slab, slab->inuse - 1);	/* a counter that lies */
	mark = log_mark();
	EXPECT_EQ(validate_cache("fp-64"), 0);
	EXPECT_LOGGED(mark, "): Wrong object count. Counter is ");
	EXPECT_LOGGED(mark, "FIX fp-64: Object count adjusted");
	mark = log_mark();
	EXPECT_EQ(validate_cache("fp-64"), 0);
	EXPECT_LOG_SILENT(mark);
	for (int i = 0; i < 3; i++)
		kmem_cache_free(s, p[i]);
}

TEST(freelist_random_shuffles_new_slabs)
{
	struct kmem_cache *s = kmem_cache_create("shuffled-32", 32, 0, SLAB_NO_MERGE, NULL);
	unsigned int n, ascending = 0;
	struct page *seq_page;
	void **p;

	ASSERT_NOT_NULL(s);
	ASSERT_NOT_NULL(s->random_seq);
	seq_page = virt_to_page(s->random_seq);
	EXPECT_EQ(page_ref_count(seq_page), 1);
	n = oo_objects(s->oo);
	p = calloc(n, sizeof(*p));
	for (unsigned int i = 0; i < n; i++)
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
	for (unsigned int i = 1; i < n; i++)
		ascending += p[i] > p[i - 1];
	/* A fresh slab in address order would give n - 1; a shuffled one
	 * about half that (the sheaf pops in reverse, so test both ways). */
	EXPECT_TRUE(ascending > n / 8 && ascending < n - n / 8);
	for (unsigned int i = 0; i < n; i++)
		kmem_cache_free(s, p[i]);
	free(p);
	kmem_cache_destroy(s);
	EXPECT_EQ(page_ref_count(seq_page), 0);	/* the order went back with the cache */
}

/* What the level hook saw: the level of the first message containing
 * each needle. */
static int level_of_bug = -1, level_of_trace = -1, level_of_fix = -1;

static void level_hook(int level, const char *msg, size_t len)
{
	if (level_of_bug < 0 && memmem(msg, len, "BUG level-16", 12))
		level_of_bug = level;
	if (level_of_trace < 0 && memmem(msg, len, "TRACE level-16", 14))
		level_of_trace = level;
	if (level_of_fix < 0 && memmem(msg, len, "FIX level-16", 12))
		level_of_fix = level;
	slab_log_hook(msg, len);	/* and the usual capture */
}

TEST(reports_carry_the_kernels_log_levels)
{
	struct kmem_cache *s = kmem_cache_create("level-16", 16, 0, SLAB_RED_ZONE | SLAB_TRACE,
						 NULL);
	unsigned char *p;

	ASSERT_NOT_NULL(s);
	ukmem_set_log_level_hook(level_hook);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	((unsigned char *)opaque_ptr(p))[16] = 1;
	kmem_cache_free(s, p);
	ukmem_set_log_level_hook(NULL);
	EXPECT_EQ(level_of_trace, 6);	/* pr_info */
	EXPECT_EQ(level_of_bug, 3);	/* pr_err */
	EXPECT_EQ(level_of_fix, 3);
	kmem_cache_destroy(s);
}

/* The kernel's test_kmalloc_redzone_access, and the moves of the red zone
 * that krealloc in place and ksize make. */
TEST(kmalloc_redzone_covers_what_the_caller_did_not_ask_for)
{
	/* SLAB_KMALLOC is the kmalloc caches' own flag: the slab layer's
	 * call, as kmalloc's start makes them. */
	struct kmem_cache *s = slub_create_cache("kmr-32", 32, 0, SLAB_KMALLOC | SLAB_RED_ZONE |
						 SLAB_STORE_USER, 0, 0, NULL);
	unsigned char *p;
	size_t mark;

	ASSERT_NOT_NULL(s);
	p = slab_alloc_size(s, GFP_KERNEL, NUMA_NO_NODE, 18);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(p[18], SLUB_RED_ACTIVE);	/* red from the 18th byte on */
	((unsigned char *)opaque_ptr(p))[18] = 0x11;
	((unsigned char *)opaque_ptr(p))[19] = 0x11;
	mark = log_mark();
	kmem_cache_free(s, p);
	EXPECT_BUG(mark, "kmr-32", "kmalloc Redzone overwritten");
	EXPECT_LOGGED(mark, "First byte 0x11 instead of 0xcc");

	/* krealloc in place: the requested size moves, and the red zone. */
	p = slab_alloc_size(s, GFP_KERNEL, NUMA_NO_NODE, 10);
	ASSERT_NOT_NULL(p);
	EXPECT_PTR_EQ(krealloc(p, 30, GFP_KERNEL), p);
	memset(p, 1, 30);				/* all the caller's now */
	EXPECT_PTR_EQ(krealloc(p, 12, GFP_KERNEL), p);
	EXPECT_EQ(p[12], SLUB_RED_ACTIVE);		/* red again */
	mark = log_mark();
	kmem_cache_free(s, p);
	EXPECT_LOG_SILENT(mark);

	/* __GFP_ZERO zeroes what was asked for, not the red zone. */
	p = slab_alloc_size(s, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE, 20);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(p[19], 0);
	EXPECT_EQ(p[20], SLUB_RED_ACTIVE);
	mark = log_mark();
	kmem_cache_free(s, p);
	EXPECT_LOG_SILENT(mark);

	/* ksize gives the caller the whole object. */
	p = slab_alloc_size(s, GFP_KERNEL, NUMA_NO_NODE, 5);
	ASSERT_NOT_NULL(p);
	memset(p, 2, ksize(p));
	mark = log_mark();
	kmem_cache_free(s, p);
	EXPECT_LOG_SILENT(mark);
	kmem_cache_destroy(s);
}

RUN_TESTS_SETUP(setup,
	T(kmalloc_redzone_covers_what_the_caller_did_not_ask_for),
	T(reports_carry_the_kernels_log_levels),
	T(padding_overwrites_are_reported),
	T(validate_finds_a_forged_free_pointer_and_a_wrong_count),
	T(freelist_random_shuffles_new_slabs),
	T(option_syntax_errors_are_refused_naming_the_bad_part),
	T(option_gives_flags_to_the_named_cache_only),
	T(order_check_drops_debugging_that_would_raise_the_order),
	T(right_and_left_redzone_overwrites_are_reported_and_restored),
	T(write_after_free_is_caught_by_the_poison),
	T(double_free_report_shows_where_it_was_allocated_and_freed),
	T(consistency_checks_find_a_double_free_at_the_free),
	T(invalid_pointer_free_is_reported),
	T(validate_finds_a_corrupted_live_object),
	T(alloc_traces_groups_live_objects_by_call_site),
	T(trace_prints_every_alloc_and_free),
	T(freelist_poisoning_is_stopped),
	T(kmalloc_caches_take_the_option_flags_by_pattern))
