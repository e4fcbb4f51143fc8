/*
 * test_bare_regions_bare.c - the bare platform (linked against ukmem_bare):
 * region registration and its validation, lock and log hooks, and the
 * fixed answers of a platform without an OS.
 *
 * The region table cannot be emptied, and the first ukmem_plat_regions()
 * call starts ukmem for good, so the tests run in this order: hooks and
 * validation first, the listing and the -EBUSY checks last.
 */
#include <stdint.h>

#include <ukmem/mm.h>
#include <ukmem/ukmem.h>

#include "harness.h"
#include "lib/lib.h"
#include "platform/platform.h"

#define PG 4096UL
#define EINVAL_ 22
#define ENOSPC_ 28
#define EBUSY_ 16

/* Memory handed to the table: every test takes fresh slots. */
#define POOL_SLOTS 40
static unsigned char pool[POOL_SLOTS][4 * PG] __attribute__((aligned(4096)));
static int pool_next;

static unsigned char *slot(void)
{
	return pool_next < POOL_SLOTS ? pool[pool_next++] : NULL;
}

/* ---- hooks -------------------------------------------------------------- */

static int hook_locks, hook_trylocks, hook_unlocks;

static void count_lock(int *word)
{
	hook_locks++;
	*word = 7;
}

static int count_trylock(int *word)
{
	hook_trylocks++;
	*word = 7;
	return 1;
}

static void count_unlock(int *word)
{
	hook_unlocks++;
	*word = 0;
}

TEST(lock_hooks_are_called_and_null_restores_the_spinlock)
{
	struct ukmem_lock_hooks hooks = { count_lock, count_trylock, count_unlock };
	struct ukmem_lock_hooks partial = { count_lock, NULL, count_unlock };
	plat_lock_t lock = PLAT_LOCK_INIT;

	EXPECT_EQ(ukmem_set_lock_hooks(&partial), -EINVAL_);
	ASSERT_EQ(ukmem_set_lock_hooks(&hooks), 0);
	hooks.lock = NULL;	/* the platform keeps its own copy */
	ukmem_plat_lock(&lock);
	EXPECT_EQ(lock.word, 7);
	ukmem_plat_unlock(&lock);
	EXPECT_TRUE(ukmem_plat_trylock(&lock));
	ukmem_plat_unlock(&lock);
	EXPECT_EQ(hook_locks, 1);
	EXPECT_EQ(hook_trylocks, 1);
	EXPECT_EQ(hook_unlocks, 2);

	ASSERT_EQ(ukmem_set_lock_hooks(NULL), 0);
	ukmem_plat_lock(&lock);
	EXPECT_EQ(lock.word, 1);
	EXPECT_FALSE(ukmem_plat_trylock(&lock));
	ukmem_plat_unlock(&lock);
	EXPECT_EQ(lock.word, 0);
	EXPECT_TRUE(ukmem_plat_trylock(&lock));
	ukmem_plat_unlock(&lock);
	EXPECT_EQ(hook_locks, 1);
	EXPECT_EQ(hook_trylocks, 1);
	EXPECT_EQ(hook_unlocks, 2);
}

static char logged[256];
static size_t logged_len;

static void capture_log(const char *msg, size_t len)
{
	if (logged_len + len < sizeof(logged)) {
		memcpy(logged + logged_len, msg, len);
		logged_len += len;
		logged[logged_len] = '\0';
	}
}

TEST(log_hook_receives_printk)
{
	ukmem_plat_log("dropped\n", 8);		/* no hook: nowhere to go */
	ukmem_set_log_hook(capture_log);
	ukmem_printk("zone %s: %d pages\n", "DMA", 42);
	EXPECT_STREQ(logged, "zone DMA: 42 pages\n");
	ukmem_set_log_hook(NULL);
	ukmem_printk("also dropped\n");
	EXPECT_STREQ(logged, "zone DMA: 42 pages\n");
}

TEST(no_os_answers)
{
	char buf[16];
	void *frames[4];

	EXPECT_TRUE(ukmem_plat_reserve(1 << 20, PG) == NULL);
	EXPECT_FALSE(ukmem_plat_release(pool[0], PG));
	EXPECT_UEQ(ukmem_plat_resident_bytes(), 0);
	EXPECT_UEQ(ukmem_plat_ram_bytes(), 0);
	EXPECT_EQ(ukmem_plat_nr_cpus(), 1);
	EXPECT_EQ(ukmem_plat_cpu(), 0);
	EXPECT_TRUE(ukmem_plat_blocked_signals() == 0);	/* no signals */
	/* Positive, as every thread id: 0 means "no thread" above (platform.h). */
	EXPECT_EQ(ukmem_plat_tid(), 1);
	EXPECT_STREQ(ukmem_plat_comm(), "bare");
	EXPECT_TRUE(ukmem_plat_boot_options() == NULL);
	EXPECT_UEQ(ukmem_plat_now_ns(), 0);
	EXPECT_EQ(ukmem_plat_backtrace(frames, 4, 0), 0);
	EXPECT_TRUE(ukmem_plat_symbolize(frames, buf, sizeof(buf)) == NULL);
}

/* ---- regions ------------------------------------------------------------ */

TEST(add_region_rejects_bad_arguments)
{
	unsigned char *p = slot();

	ASSERT_NOT_NULL(p);
	EXPECT_EQ(ukmem_add_region(p, 2 * PG, -1, 0), -EINVAL_);
	EXPECT_EQ(ukmem_add_region(p, 2 * PG, MAX_NR_ZONES, 0), -EINVAL_);
	EXPECT_EQ(ukmem_add_region(p, 2 * PG, ZONE_NORMAL, -1), -EINVAL_);
	EXPECT_EQ(ukmem_add_region(p, 2 * PG, ZONE_NORMAL, UKMEM_MAX_NUMNODES), -EINVAL_);
	EXPECT_EQ(ukmem_add_region(p, 0, ZONE_NORMAL, 0), -EINVAL_);
	EXPECT_EQ(ukmem_add_region(NULL, 0, ZONE_NORMAL, 0), -EINVAL_);
	/* Under a page, and a page's worth that straddles two pages. */
	EXPECT_EQ(ukmem_add_region(p, PG - 1, ZONE_NORMAL, 0), -EINVAL_);
	EXPECT_EQ(ukmem_add_region(p + 1, PG, ZONE_NORMAL, 0), -EINVAL_);
	EXPECT_EQ(ukmem_add_region(p + 100, 2 * PG - 200, ZONE_NORMAL, 0), -EINVAL_);
	/* Wraps around the end of the address space. */
	EXPECT_EQ(ukmem_add_region((void *)(UINTPTR_MAX - PG), 4 * PG, ZONE_NORMAL, 0), -EINVAL_);
	/* Every zone and node at the edges of the valid range is fine. */
	EXPECT_EQ(ukmem_add_region(p, PG, ZONE_DMA, 0), 0);
	p = slot();
	EXPECT_EQ(ukmem_add_region(p, PG, ZONE_MOVABLE, UKMEM_MAX_NUMNODES - 1), 0);
}

TEST(add_region_rejects_overlap)
{
	unsigned char *p = slot();

	ASSERT_NOT_NULL(p);
	ASSERT_EQ(ukmem_add_region(p + PG, 2 * PG, ZONE_NORMAL, 0), 0);
	EXPECT_EQ(ukmem_add_region(p + PG, 2 * PG, ZONE_NORMAL, 0), -EINVAL_);	/* same */
	EXPECT_EQ(ukmem_add_region(p, 2 * PG, ZONE_NORMAL, 0), -EINVAL_);	/* head */
	EXPECT_EQ(ukmem_add_region(p + 2 * PG, 2 * PG, ZONE_NORMAL, 0), -EINVAL_); /* tail */
	EXPECT_EQ(ukmem_add_region(p + 2 * PG, PG, ZONE_NORMAL, 0), -EINVAL_);	/* inside */
	EXPECT_EQ(ukmem_add_region(p, 4 * PG, ZONE_NORMAL, 0), -EINVAL_);	/* around */
	/* Touching is not overlapping, and neither is sharing a page that
	 * the alignment cuts off. */
	EXPECT_EQ(ukmem_add_region(p, PG, ZONE_NORMAL, 0), 0);
	EXPECT_EQ(ukmem_add_region(p + 3 * PG - 10, PG + 10, ZONE_NORMAL, 0), 0);
}

/* The region that the listing test looks for. */
static uintptr_t trimmed_base;
static size_t trimmed_size;

static int add_trimmed_region(void)
{
	unsigned char *p = slot();
	int err;

	if (!p)
		return -1;
	/* [p + 100, p + 3 pages + 50) holds the whole pages [p + 1, p + 3). */
	err = ukmem_add_region(p + 100, 3 * PG - 50, ZONE_DMA32, 1);
	if (err == 0) {
		trimmed_base = (uintptr_t)p + PG;
		trimmed_size = 2 * PG;
	}
	return err;
}

TEST(add_region_trims_unaligned_edges)
{
	EXPECT_EQ(add_trimmed_region(), 0);
}

TEST(full_table_gives_enospc)
{
	int added = 0, err = 0;
	unsigned char *p;

	while ((p = slot()) != NULL) {
		err = ukmem_add_region(p, 4 * PG, ZONE_NORMAL, 0);
		if (err)
			break;
		added++;
	}
	EXPECT_EQ(err, -ENOSPC_);
	EXPECT_LE(added, UKMEM_MAX_REGIONS);
	/* A bad region is still reported as bad, not as no room. */
	EXPECT_EQ(ukmem_add_region(pool[POOL_SLOTS - 1], 4 * PG, 99, 0), -EINVAL_);
}

TEST(regions_are_listed_aligned_and_start_ukmem)
{
	struct plat_region r[UKMEM_MAX_REGIONS + 1];
	struct plat_region few[2];
	bool found = false;
	int n;

	if (!trimmed_base)	/* run alone with TEST_ONLY */
		ASSERT_EQ(add_trimmed_region(), 0);
	n = ukmem_plat_regions(r, UKMEM_MAX_REGIONS + 1);

	EXPECT_GE(n, 1);
	EXPECT_LE(n, UKMEM_MAX_REGIONS);
	for (int i = 0; i < n; i++) {
		EXPECT_UEQ(r[i].base % PG, 0);
		EXPECT_UEQ(r[i].size % PG, 0);
		EXPECT_GE(r[i].size, PG);
		if (r[i].base == trimmed_base) {
			found = true;
			EXPECT_UEQ(r[i].size, trimmed_size);
			EXPECT_EQ(r[i].zone, ZONE_DMA32);
			EXPECT_EQ(r[i].nid, 1);
		}
	}
	EXPECT_TRUE(found);
	if (n >= 2)
		EXPECT_EQ(ukmem_plat_regions(few, 2), 2);
	EXPECT_EQ(ukmem_plat_regions(few, 0), 0);
}

TEST(after_start_changes_are_refused)
{
	struct ukmem_lock_hooks hooks = { count_lock, count_trylock, count_unlock };
	struct plat_region r[1];

	ukmem_plat_regions(r, 1);
	EXPECT_EQ(ukmem_add_region(pool[POOL_SLOTS - 1], 4 * PG, ZONE_NORMAL, 0), -EBUSY_);
	EXPECT_EQ(ukmem_set_lock_hooks(&hooks), -EBUSY_);
	EXPECT_EQ(ukmem_set_lock_hooks(NULL), -EBUSY_);
}

RUN_TESTS(T(lock_hooks_are_called_and_null_restores_the_spinlock),
	  T(log_hook_receives_printk), T(no_os_answers),
	  T(add_region_rejects_bad_arguments), T(add_region_rejects_overlap),
	  T(add_region_trims_unaligned_edges), T(full_table_gives_enospc),
	  T(regions_are_listed_aligned_and_start_ukmem),
	  T(after_start_changes_are_refused))
