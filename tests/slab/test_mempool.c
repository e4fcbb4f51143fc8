/*
 * test_mempool.c - memory pools under an exhausted arena: the reserve
 * serves when the allocator cannot; a sleeping mempool_alloc waits and is
 * woken by a mempool_free on another thread; GFP_NOWAIT returns NULL
 * instead of waiting; free refills the reserve first; resize; the slab,
 * kmalloc and page pools; a foreign element is reported and left alone.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <ukmem.h>

#include "harness.h"
#include "log.h"
#include "ctl.h"
#include "slab/slab_api.h"

#define ARENA_PAGES (64 << 8)

static struct page *held[ARENA_PAGES];
static int nr_held;

static void *held_objs[1 << 16];
static int nr_objs;

/* Every free page, then every free object the caches still hold of the
 * sizes the pools use, so that only a pool's reserve is left. */
static void exhaust(void)
{
	static const size_t sizes[] = { 16, 200, 512, 1024, 4096 };
	struct page *p;
	void *obj;

	for (int pass = 0; pass < 2; pass++) {
		while (nr_held < ARENA_PAGES &&
		       (p = alloc_pages(GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOWARN, 0)) != NULL)
			held[nr_held++] = p;
		ukmem_drain_all();
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		while (nr_objs < (int)(sizeof(held_objs) / sizeof(held_objs[0])) &&
		       (obj = kmalloc(sizes[i], GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOWARN)) != NULL)
			held_objs[nr_objs++] = obj;
	EXPECT_TRUE(kmalloc(4096, GFP_NOWAIT | __GFP_NOWARN) == NULL);
}

static void release(void)
{
	while (nr_objs > 0)
		kfree(held_objs[--nr_objs]);
	while (nr_held > 0)
		__free_pages(held[--nr_held], 0);
}

TEST(the_reserve_serves_when_memory_is_gone)
{
	mempool_t *pool = mempool_create_kmalloc_pool(4, 4096);
	void *e[4];

	ASSERT_NOT_NULL(pool);
	EXPECT_EQ(pool->curr_nr, 4);
	exhaust();
	for (int i = 0; i < 4; i++) {
		e[i] = mempool_alloc(pool, GFP_NOWAIT);
		EXPECT_TRUE(e[i] != NULL);
	}
	EXPECT_EQ(pool->curr_nr, 0);
	/* Empty reserve, no memory, may not sleep: NULL at once. */
	EXPECT_TRUE(mempool_alloc(pool, GFP_NOWAIT) == NULL);
	EXPECT_TRUE(mempool_alloc(pool, GFP_ATOMIC) == NULL);
	/* Frees refill the reserve before anything goes back. */
	for (int i = 0; i < 4; i++)
		mempool_free(e[i], pool);
	EXPECT_EQ(pool->curr_nr, 4);
	release();
	mempool_destroy(pool);
}

static mempool_t *shared_pool;
static void *handed_back;
static int freer_about_to_free;	/* atomic */

static void *free_later(void *arg)
{
	(void)arg;
	usleep(100 * 1000);
	__atomic_store_n(&freer_about_to_free, 1, __ATOMIC_RELEASE);
	mempool_free(handed_back, shared_pool);
	return NULL;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

TEST(a_sleeping_alloc_waits_for_a_free_on_another_thread)
{
	uint64_t t0, waited_ms;
	pthread_t t;
	void *a, *b;

	shared_pool = mempool_create_kmalloc_pool(1, 1024);
	ASSERT_NOT_NULL(shared_pool);
	exhaust();
	a = mempool_alloc(shared_pool, GFP_KERNEL);	/* the reserve's one */
	ASSERT_NOT_NULL(a);
	handed_back = a;
	__atomic_store_n(&freer_about_to_free, 0, __ATOMIC_RELAXED);
	ASSERT_EQ(pthread_create(&t, NULL, free_later, NULL), 0);
	t0 = mono_ms();
	b = mempool_alloc(shared_pool, GFP_KERNEL);	/* waits, never NULL */
	waited_ms = mono_ms() - t0;
	EXPECT_TRUE(b == a);
	EXPECT_EQ(__atomic_load_n(&freer_about_to_free, __ATOMIC_ACQUIRE), 1);
	/* Woken by the free, not by the 5 s timeout. */
	EXPECT_LT(waited_ms, 2000);
	pthread_join(t, NULL);
	mempool_free(b, shared_pool);
	release();
	mempool_destroy(shared_pool);
}

TEST(slab_and_page_pools)
{
	struct kmem_cache *kc = kmem_cache_create("mempool_test", 200, 0, 0, NULL);
	mempool_t *sp, *pp;
	void *obj;
	struct page *page;

	ASSERT_NOT_NULL(kc);
	sp = mempool_create_slab_pool(3, kc);
	pp = mempool_create_page_pool(2, 1);
	ASSERT_NOT_NULL(sp);
	ASSERT_NOT_NULL(pp);
	exhaust();
	obj = mempool_alloc(sp, GFP_NOIO);
	page = mempool_alloc(pp, GFP_NOIO);
	ASSERT_NOT_NULL(obj);
	ASSERT_NOT_NULL(page);
	EXPECT_UEQ(ksize(obj) >= 200, 1);
	memset(page_address(page), 0x5a, 2 * PAGE_SIZE);	/* order 1: two pages */
	mempool_free(obj, sp);
	mempool_free(page, pp);
	EXPECT_EQ(sp->curr_nr, 3);
	EXPECT_EQ(pp->curr_nr, 2);
	release();
	mempool_destroy(sp);
	mempool_destroy(pp);
	kmem_cache_destroy(kc);
}

TEST(resize_and_init_exit)
{
	mempool_t pool;
	void *e;

	ASSERT_EQ(mempool_init(&pool, 2, mempool_kmalloc, mempool_kfree, (void *)64), 0);
	EXPECT_EQ(ukmem_mempool_resize(&pool, 8), 0);
	EXPECT_EQ(pool.min_nr, 8);
	EXPECT_EQ(pool.curr_nr, 8);
	EXPECT_EQ(mempool_resize(&pool, 3), 0);
	EXPECT_EQ(pool.curr_nr, 3);
	EXPECT_EQ(mempool_resize(&pool, 0), -22);
	e = mempool_alloc(&pool, GFP_KERNEL);
	ASSERT_NOT_NULL(e);
	mempool_free(e, &pool);
	mempool_exit(&pool);
	mempool_exit(&pool);		/* twice: harmless */
	mempool_destroy(NULL);
	mempool_free(NULL, NULL);
	EXPECT_EQ(mempool_init(&pool, -1, mempool_kmalloc, mempool_kfree, (void *)64), -22);
	/* A live pool is not initialised again. */
	ASSERT_EQ(mempool_init(&pool, 1, mempool_kmalloc, mempool_kfree, (void *)64), 0);
	EXPECT_EQ(mempool_init(&pool, 1, mempool_kmalloc, mempool_kfree, (void *)64), -16);
	mempool_exit(&pool);
}

TEST(a_foreign_element_is_reported_and_left_alone)
{
	mempool_t *pool = mempool_create_kmalloc_pool(2, 512);
	void *mine, *small = kmalloc(16, GFP_KERNEL);
	static char not_ukmem[64];
	size_t mark = log_mark();

	ASSERT_NOT_NULL(pool);
	ASSERT_NOT_NULL(small);
	mine = mempool_alloc(pool, GFP_KERNEL);	/* from the allocator: reserve full */
	ASSERT_NOT_NULL(mine);
	mempool_free(mine, pool);		/* reserve full: goes back to kfree */
	EXPECT_EQ(pool->curr_nr, 2);
	/* Empty the reserve, then offer it things that are not its own. */
	exhaust();
	mine = mempool_alloc(pool, GFP_NOWAIT);
	ASSERT_NOT_NULL(mine);
	mempool_free(not_ukmem, pool);
	mempool_free(small, pool);		/* 16 bytes: not a 512-byte element */
	EXPECT_EQ(pool->curr_nr, 1);
	EXPECT_EQ(log_count_since(mark, "not an element of this pool"), 2);
	mempool_free(mine, pool);
	EXPECT_EQ(pool->curr_nr, 2);
	release();
	kfree(small);
	mempool_destroy(pool);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

static void setup(void)
{
	start_ukmem("mem=64M kswapd=off");
	ukmem_set_log_hook(log_capture);
}

RUN_TESTS_SETUP(setup,
	T(the_reserve_serves_when_memory_is_gone),
	T(a_sleeping_alloc_waits_for_a_free_on_another_thread),
	T(slab_and_page_pools),
	T(resize_and_init_exit),
	T(a_foreign_element_is_reported_and_left_alone))
