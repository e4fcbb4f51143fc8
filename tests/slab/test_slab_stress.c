/*
 * test_slab_stress.c - many threads allocating and freeing at once.
 *
 * What it models:
 *   - random sizes 8..2048 (kmalloc) and a dedicated cache, with random
 *     lifetimes: each thread keeps a table of live objects and frees a
 *     random one or fills a random empty slot;
 *   - producer/consumer frees: a share of the objects goes to a shared ring
 *     (mutex-protected) and is freed by whichever thread takes it;
 *   - a flusher: one more thread shrinks the dedicated cache over and over
 *     while the others run (kmem_cache_shrink empties every owner's
 *     sheaves from another thread);
 *   - thread churn: many short-lived threads that exit with objects in
 *     their sheaves.
 * Every object is filled with a pattern derived from (thread, serial) and
 * checked byte by byte before it is freed, so an object handed out twice,
 * or written by the allocator while live, is caught at the next check.
 * Afterwards ukmem_slab_validate() must find nothing and the dedicated
 * cache must shrink to nothing.
 */
#include "slab_helpers.h"

#include <pthread.h>

#include "slab/sheaf.h"

/* Sized for a few seconds in a Debug build; sanitizers run fewer. */
#if UNDER_TSAN
#define OPS_PER_THREAD 10000
#define CHURN_THREADS 64
#elif UNDER_ASAN
#define OPS_PER_THREAD 25000
#define CHURN_THREADS 200
#else
#define OPS_PER_THREAD 60000
#define CHURN_THREADS 400
#endif
#define SLOTS 512
#define RING 1024
#define DEDICATED_SIZE 200

struct obj {
	unsigned char *p;
	uint32_t size;
	uint32_t dedicated;
	uint64_t tag;		/* thread << 40 | serial */
};

static struct kmem_cache *dedicated;

static struct {
	pthread_mutex_t lock;
	struct obj items[RING];
	unsigned int head, count;
} ring = { .lock = PTHREAD_MUTEX_INITIALIZER };

static unsigned long corrupt_objects;	/* atomic */
static unsigned long failed_allocs;	/* atomic */
static int stop_flusher;		/* atomic */

/* UKMEM_TEST_SHEAF_FENCE=1 (ctest's slab/test_slab_stress_fenced): every
 * owner fences itself, as where the OS has no membarrier. */
static bool fenced_mode(void)
{
	const char *v = getenv("UKMEM_TEST_SHEAF_FENCE");

	return v && !strcmp(v, "1");
}

static void setup(void)
{
	log_setup();
	if (fenced_mode())
		ukmem_sheaf_fence = 1;	/* before any owner exists */
	if (ukmem_init("mem=256M") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(2);
	}
	dedicated = kmem_cache_create("stress-dedicated", DEDICATED_SIZE, 0, SLAB_NO_MERGE, NULL);
	if (!dedicated) {
		fprintf(stderr, "kmem_cache_create failed\n");
		exit(2);
	}
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static unsigned char pattern_byte(uint64_t tag, uint32_t i)
{
	return (unsigned char)((tag * 0x9e3779b97f4a7c15ULL >> 56) + i * 131 + (i >> 8));
}

static void fill(const struct obj *o)
{
	for (uint32_t i = 0; i < o->size; i++)
		o->p[i] = pattern_byte(o->tag, i);
}

static void check_and_free(const struct obj *o)
{
	uint32_t bad = 0;

	for (uint32_t i = 0; i < o->size; i++)
		bad += o->p[i] != pattern_byte(o->tag, i);
	if (bad && __atomic_fetch_add(&corrupt_objects, 1, __ATOMIC_RELAXED) < 5)
		fprintf(stderr, "object %p (size %u, thread %llu serial %llu): %u bytes changed\n",
			(void *)o->p, o->size, (unsigned long long)(o->tag >> 40),
			(unsigned long long)(o->tag & ((1ULL << 40) - 1)), bad);
	if (o->dedicated)
		kmem_cache_free(dedicated, o->p);
	else
		kfree(o->p);
}

static bool alloc_obj(struct obj *o, uint64_t *rng, unsigned int thread, uint64_t serial)
{
	uint64_t r = xorshift(rng);

	o->dedicated = (r & 7) == 0;
	o->size = o->dedicated ? DEDICATED_SIZE : 8 + (uint32_t)((r >> 8) % (2048 - 8 + 1));
	o->p = o->dedicated ? kmem_cache_alloc(dedicated, GFP_KERNEL) :
			      kmalloc(o->size, GFP_KERNEL);
	if (!o->p) {
		__atomic_fetch_add(&failed_allocs, 1, __ATOMIC_RELAXED);
		return false;
	}
	o->tag = (uint64_t)thread << 40 | serial;
	fill(o);
	return true;
}

static bool ring_push(const struct obj *o)
{
	bool ok = false;

	pthread_mutex_lock(&ring.lock);
	if (ring.count < RING) {
		ring.items[(ring.head + ring.count++) % RING] = *o;
		ok = true;
	}
	pthread_mutex_unlock(&ring.lock);
	return ok;
}

static bool ring_pop(struct obj *o)
{
	bool ok = false;

	pthread_mutex_lock(&ring.lock);
	if (ring.count) {
		*o = ring.items[ring.head];
		ring.head = (ring.head + 1) % RING;
		ring.count--;
		ok = true;
	}
	pthread_mutex_unlock(&ring.lock);
	return ok;
}

struct worker_arg {
	unsigned int id;
	unsigned long ops;
};

static void *worker(void *argp)
{
	struct worker_arg *arg = argp;
	struct obj *slots = calloc(SLOTS, sizeof(*slots));
	uint64_t rng = 0x1234567ULL * (arg->id + 1) | 1, serial = 0;

	for (unsigned long op = 0; op < arg->ops; op++) {
		uint64_t r = xorshift(&rng);
		struct obj *o = &slots[r % SLOTS];

		if (!o->p) {
			alloc_obj(o, &rng, arg->id, serial++);
		} else if ((r >> 20) % 4 == 0 && ring_push(o)) {
			o->p = NULL;	/* someone else frees it */
		} else {
			check_and_free(o);
			o->p = NULL;
		}
		if ((r >> 32) % 8 == 0) {
			struct obj taken;

			if (ring_pop(&taken))
				check_and_free(&taken);
		}
	}
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].p)
			check_and_free(&slots[i]);
	free(slots);
	return NULL;
}

static void *flusher(void *unused)
{
	(void)unused;
	while (!__atomic_load_n(&stop_flusher, __ATOMIC_RELAXED)) {
		kmem_cache_shrink(dedicated);
		usleep(200);
	}
	return NULL;
}

static void drain_ring(void)
{
	struct obj o;

	while (ring_pop(&o))
		check_and_free(&o);
}

/* Objects the dedicated cache counts as in use that sit in its barns'
 * sheaves (no thread holds them). */
static unsigned long objects_in_barns(struct kmem_cache *s)
{
	unsigned long n = 0;

	for (int nid = 0; nid < MAX_NUMNODES; nid++) {
		struct node_barn *barn = &s->node[nid].barn;
		struct list_head *pos;

		ukmem_lock(&barn->lock);
		list_for_each(pos, &barn->sheaves_full)
			n += list_entry(pos, struct slab_sheaf, barn_list)->size;
		list_for_each(pos, &barn->sheaves_empty)
			n += list_entry(pos, struct slab_sheaf, barn_list)->size;
		ukmem_unlock(&barn->lock);
	}
	return n;
}

static void run_stress(unsigned int nthreads, bool with_flusher)
{
	pthread_t tid[8], flush_tid;
	struct worker_arg args[8];

	corrupt_objects = failed_allocs = 0;
	stop_flusher = 0;
	if (with_flusher)
		ASSERT_EQ(pthread_create(&flush_tid, NULL, flusher, NULL), 0);
	for (unsigned int i = 0; i < nthreads; i++) {
		args[i].id = i + 1;
		args[i].ops = OPS_PER_THREAD;
		ASSERT_EQ(pthread_create(&tid[i], NULL, worker, &args[i]), 0);
	}
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	if (with_flusher) {
		__atomic_store_n(&stop_flusher, 1, __ATOMIC_RELAXED);
		pthread_join(flush_tid, NULL);
	}
	drain_ring();
	EXPECT_UEQ(corrupt_objects, 0);
	EXPECT_UEQ(failed_allocs, 0);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
	/* Every worker exited: nothing of the dedicated cache is held. */
	EXPECT_EQ(kmem_cache_shrink(dedicated), 0);
	EXPECT_UEQ(cache_slabs(dedicated), 0);
}

TEST(stress_2_threads)
{
	run_stress(2, false);
}

TEST(stress_4_threads)
{
	run_stress(4, false);
}

TEST(stress_4_threads_with_a_flusher)
{
	run_stress(4, true);
}

/* ---- thread churn ----------------------------------------------------------- */

#define CHURN_OBJS 150

struct churn_arg {
	unsigned int id;
	void *handed[CHURN_OBJS / 3];	/* left for the main thread to free */
};

static void *churn_worker(void *argp)
{
	struct churn_arg *arg = argp;
	struct obj o[CHURN_OBJS];
	uint64_t rng = 0xabcdefULL * (arg->id + 7) | 1;
	int n = 0;

	for (int i = 0; i < CHURN_OBJS; i++) {
		o[n].dedicated = 1;
		o[n].size = DEDICATED_SIZE;
		o[n].p = kmem_cache_alloc(dedicated, GFP_KERNEL);
		if (!o[n].p) {
			__atomic_fetch_add(&failed_allocs, 1, __ATOMIC_RELAXED);
			continue;
		}
		o[n].tag = (uint64_t)(1000 + arg->id) << 40 | (uint64_t)i;
		fill(&o[n]);
		n++;
		/* Some kmalloc traffic too, so the thread owns sheaves of
		 * several caches when it exits. */
		{
			struct obj k;

			if (alloc_obj(&k, &rng, 1000 + arg->id, (uint64_t)i | 1ULL << 30))
				check_and_free(&k);
		}
	}
	/* A third goes to the main thread; the rest are freed here, into this
	 * thread's sheaves, just before it exits. */
	for (int i = 0; i < n; i++) {
		if (i % 3 == 0 && i / 3 < CHURN_OBJS / 3)
			arg->handed[i / 3] = o[i].p;
		else
			check_and_free(&o[i]);
	}
	return NULL;
}

TEST(exiting_threads_do_not_leak)
{
	static struct churn_arg args[8];
	unsigned long total_objs, held;
	struct slub_counts c;

	failed_allocs = 0;
	for (int round = 0; round < CHURN_THREADS / 8; round++) {
		pthread_t tid[8];

		for (int i = 0; i < 8; i++) {
			memset(&args[i], 0, sizeof(args[i]));
			args[i].id = (unsigned int)(round * 8 + i);
			ASSERT_EQ(pthread_create(&tid[i], NULL, churn_worker, &args[i]), 0);
		}
		for (int i = 0; i < 8; i++)
			pthread_join(tid[i], NULL);
		for (int i = 0; i < 8; i++)
			for (int j = 0; j < CHURN_OBJS / 3; j++)
				if (args[i].handed[j])
					kmem_cache_free(dedicated, args[i].handed[j]);
	}
	EXPECT_UEQ(failed_allocs, 0);
	/* Before any flush: the objects in use are exactly those parked in
	 * the barns' sheaves plus what this thread's own sheaves hold (it
	 * freed the handed-over objects); an exited thread's sheaves must
	 * have gone back to the slabs. */
	slub_count(dedicated, &c);
	held = objects_in_barns(dedicated);
	total_objs = c.active_objs;
	EXPECT_LE(total_objs, held + 2 * dedicated->sheaf_capacity);
	EXPECT_EQ(kmem_cache_shrink(dedicated), 0);
	EXPECT_UEQ(cache_slabs(dedicated), 0);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

/* Threads that allocate and exit without freeing anything: their objects
 * stay valid after they are gone and can be freed by another thread. */
static void *leave_objects(void *argp)
{
	struct churn_arg *arg = argp;

	for (int i = 0; i < CHURN_OBJS / 3; i++) {
		arg->handed[i] = kmem_cache_alloc(dedicated, GFP_KERNEL);
		if (arg->handed[i])
			memset(arg->handed[i], 0x5c, DEDICATED_SIZE);
	}
	return NULL;
}

TEST(objects_outlive_their_thread)
{
	static struct churn_arg args[8];
	pthread_t tid[8];
	size_t bad = 0;

	for (int i = 0; i < 8; i++)
		ASSERT_EQ(pthread_create(&tid[i], NULL, leave_objects, &args[i]), 0);
	for (int i = 0; i < 8; i++)
		pthread_join(tid[i], NULL);
	for (int i = 0; i < 8; i++) {
		for (int j = 0; j < CHURN_OBJS / 3; j++) {
			unsigned char *p = args[i].handed[j];

			if (!p) {
				bad++;
				continue;
			}
			for (int k = 0; k < DEDICATED_SIZE; k++)
				bad += p[k] != 0x5c;
			kmem_cache_free(dedicated, p);
		}
	}
	EXPECT_UEQ(bad, 0);
	EXPECT_EQ(kmem_cache_shrink(dedicated), 0);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

/* ---- flushing another live thread's sheaves ------------------------------------ */

static pthread_barrier_t holder_barrier;
static struct kmem_cache *held_cache;

/* Allocate and free objects of held_cache, so they sit in this thread's
 * sheaves (main and spare), and tell the main thread. */
static void hold_some_in_sheaves(void)
{
	void *p[100];

	for (int i = 0; i < 100; i++)
		p[i] = kmem_cache_alloc(held_cache, GFP_KERNEL);
	for (int i = 0; i < 100; i++)
		if (p[i])
			kmem_cache_free(held_cache, p[i]);
	pthread_barrier_wait(&holder_barrier);
}

/* Stays alive, its sheaves full of held_cache's free objects, while the
 * main thread shrinks and then destroys the cache. */
static void *sheaf_holder(void *unused)
{
	void *p;

	(void)unused;
	hold_some_in_sheaves();
	pthread_barrier_wait(&holder_barrier);	/* main shrank */
	hold_some_in_sheaves();
	pthread_barrier_wait(&holder_barrier);	/* main destroyed */
	p = kmem_cache_alloc(dedicated, GFP_KERNEL);
	if (p)
		kmem_cache_free(dedicated, p);
	return NULL;
}

TEST(shrink_and_destroy_flush_other_live_threads)
{
	pthread_t tid;
	size_t mark;

	held_cache = kmem_cache_create("held-by-other", 136, 0, SLAB_NO_MERGE, NULL);
	ASSERT_NOT_NULL(held_cache);
	ASSERT_EQ(pthread_barrier_init(&holder_barrier, NULL, 2), 0);
	ASSERT_EQ(pthread_create(&tid, NULL, sheaf_holder, NULL), 0);

	/* Every object is free, though held in the other thread's sheaves:
	 * shrink empties them and gives every slab back. */
	pthread_barrier_wait(&holder_barrier);
	EXPECT_GT(cache_slabs(held_cache), 0);
	EXPECT_EQ(kmem_cache_shrink(held_cache), 0);
	EXPECT_UEQ(cache_slabs(held_cache), 0);
	pthread_barrier_wait(&holder_barrier);

	/* Again objects in its sheaves: destroy finds nothing allocated,
	 * says nothing, and the cache is gone. */
	pthread_barrier_wait(&holder_barrier);
	EXPECT_GT(cache_slabs(held_cache), 0);
	mark = log_mark();
	kmem_cache_destroy(held_cache);
	EXPECT_LOG_SILENT(mark);
	EXPECT_PTR_EQ(find_cache("held-by-other"), NULL);
	pthread_barrier_wait(&holder_barrier);

	pthread_join(tid, NULL);
	pthread_barrier_destroy(&holder_barrier);
	EXPECT_EQ(ukmem_slab_validate(), 0);
}

/* The owners are in the mode the run asked for: a fenced owner's stop
 * word turns every inline fast path to the slow path, which fences.  (A
 * debug mode takes the sheaves away, for good or while a KFENCE sample is
 * due: the thread may then need no owner at all, and there is nothing to
 * check.) */
TEST(owners_fence_themselves_in_fenced_mode)
{
	for (int i = 0; i < 1000 && ukmem_current_owner == &ukmem_dummy_owner; i++) {
		void *p = kmem_cache_alloc(dedicated, GFP_KERNEL);

		ASSERT_NOT_NULL(p);
		kmem_cache_free(dedicated, p);
	}
	if (ukmem_current_owner == &ukmem_dummy_owner) {
		EXPECT_TRUE(debug_hooks() || (dedicated->flags & SLAB_DEBUG_FLAGS) ||
			    getenv("UKMEM_DEBUG_OPTIONS"));
		return;
	}
	if (fenced_mode()) {
		EXPECT_EQ(ukmem_sheaf_fence, 1);
		EXPECT_EQ(ukmem_current_owner->stop, OWNER_STOP_FENCED);
	} else if (ukmem_plat_membarrier()) {
		EXPECT_EQ(ukmem_sheaf_fence, 0);
		EXPECT_EQ(ukmem_current_owner->stop, 0);
	}
}

RUN_TESTS_SETUP(setup,
	T(owners_fence_themselves_in_fenced_mode),
	T(stress_2_threads),
	T(stress_4_threads),
	T(stress_4_threads_with_a_flusher),
	T(exiting_threads_do_not_leak),
	T(objects_outlive_their_thread),
	T(shrink_and_destroy_flush_other_live_threads))
