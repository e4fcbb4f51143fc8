/*
 * test_cross_thread.c - objects and threads (sheaf.c, "Slab affinity" and
 * "Remote frees"; docs/design/cross-thread.md):
 *   - two threads that allocate at once refill from slabs of their own,
 *     so no slab (and no cache line) holds live objects of both;
 *   - a thread that frees another thread's objects does not get them
 *     back from its next allocations (which stay on its own slabs), and
 *     the owner does, once a full remote sheaf reaches the barn;
 *   - a thread that exits with other threads' objects in its remote
 *     sheaf gives them back: nothing is lost, the cache shrinks to
 *     nothing.
 *   - objects that fill whole cache lines cannot be falsely shared: no
 *     affinity for them, and a remote free is reused where it was freed.
 * Each test uses a cache of its own, so other allocations do not mix in.
 */
#include "slab_helpers.h"

#include <pthread.h>

#include "slab/sheaf.h"

#define OBJ_SIZE 40	/* objects that share cache lines */
#define LINE_SIZE 128	/* objects that fill whole lines */
#define N 300	/* several refills and more than a sheaf's capacity */

static void setup(void)
{
	log_setup();
	if (ukmem_init("mem=128M") != 0) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(2);
	}
}

static bool in_list(void **list, int n, const void *p)
{
	for (int i = 0; i < n; i++)
		if (list[i] == p)
			return true;
	return false;
}

/* n objects of s into p. */
static void alloc_n(struct kmem_cache *s, void **p, int n)
{
	for (int i = 0; i < n; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(p[i]);
	}
}

/* ---- two threads at once ---------------------------------------------------------- */

struct batch {
	struct kmem_cache *s;
	pthread_barrier_t *go;
	void *p[N];
	unsigned int tag;
};

/* Allocate N objects, in steps that interleave with the other thread's. */
static void *alloc_batch(void *arg)
{
	struct batch *b = arg;

	for (int i = 0; i < N; i++) {
		if (i % 10 == 0)
			pthread_barrier_wait(b->go);
		b->p[i] = kmem_cache_alloc(b->s, GFP_KERNEL);
	}
	b->tag = ukmem_current_owner->tag;
	/* Both still live: the slabs of a thread that exited would be
	 * anybody's. */
	pthread_barrier_wait(b->go);
	return b;
}

TEST(threads_that_allocate_at_once_keep_to_their_own_slabs)
{
	struct kmem_cache *s = kmem_cache_create("xt-affinity", OBJ_SIZE, 0, SLAB_NO_MERGE, NULL);
	static struct batch a, b;
	pthread_barrier_t go;
	pthread_t ta, tb;
	void *ra, *rb;
	int shared = 0;

	ASSERT_NOT_NULL(s);
	ASSERT_EQ(pthread_barrier_init(&go, NULL, 2), 0);
	a.s = b.s = s;
	a.go = b.go = &go;
	ASSERT_EQ(pthread_create(&ta, NULL, alloc_batch, &a), 0);
	ASSERT_EQ(pthread_create(&tb, NULL, alloc_batch, &b), 0);
	pthread_join(ta, &ra);
	pthread_join(tb, &rb);
	for (int i = 0; i < N; i++) {
		ASSERT_NOT_NULL(a.p[i]);
		ASSERT_NOT_NULL(b.p[i]);
	}
	EXPECT_NE(a.tag, 0);
	EXPECT_NE(b.tag, a.tag);
	/* No slab holds objects of both. */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			if (slab_of(a.p[i]) == slab_of(b.p[j]))
				shared++;
	EXPECT_EQ(shared, 0);
	for (int i = 0; i < N; i++) {
		kmem_cache_free(s, a.p[i]);
		kmem_cache_free(s, b.p[i]);
	}
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	EXPECT_UEQ(cache_slabs(s), 0);
	kmem_cache_destroy(s);
	pthread_barrier_destroy(&go);
}

/* ---- remote frees --------------------------------------------------------------- */

struct remote {
	struct kmem_cache *s;
	void **theirs;		/* the owner's objects, freed here */
	void *mine[N];		/* allocated here afterwards */
	int reused;		/* how many of mine are theirs */
};

/* Free the owner's objects, then allocate N and keep them (the owner
 * frees them later). */
static void *free_theirs_then_alloc(void *arg)
{
	struct remote *r = arg;

	for (int i = 0; i < N; i++)
		kmem_cache_free(r->s, r->theirs[i]);
	for (int i = 0; i < N; i++) {
		r->mine[i] = kmem_cache_alloc(r->s, GFP_KERNEL);
		if (!r->mine[i])
			return NULL;
		if (in_list(r->theirs, N, r->mine[i]))
			r->reused++;
	}
	return r;
}

TEST(remote_frees_go_back_to_their_owner_not_to_the_freeing_thread)
{
	struct kmem_cache *s = kmem_cache_create("xt-remote", OBJ_SIZE, 0, SLAB_NO_MERGE, NULL);
	static void *theirs[N], *again[N];
	static struct remote r;
	pthread_t t;
	void *ret;
	int back = 0;

	ASSERT_NOT_NULL(s);
	for (int i = 0; i < N; i++) {
		theirs[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(theirs[i]);
		memset(theirs[i], 0x5c, OBJ_SIZE);
	}
	r.s = s;
	r.theirs = theirs;
	ASSERT_EQ(pthread_create(&t, NULL, free_theirs_then_alloc, &r), 0);
	pthread_join(t, &ret);
	ASSERT_NOT_NULL(ret);
	/* The other thread got none of this thread's objects back. */
	EXPECT_EQ(r.reused, 0);
	/* This thread does, from the full remote sheaves at the barn. */
	for (int i = 0; i < N; i++) {
		again[i] = kmem_cache_alloc(s, GFP_KERNEL);
		ASSERT_NOT_NULL(again[i]);
		if (in_list(theirs, N, again[i]))
			back++;
	}
	EXPECT_GT(back, N / 2);
	for (int i = 0; i < N; i++) {
		kmem_cache_free(s, again[i]);
		kmem_cache_free(s, r.mine[i]);
	}
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	EXPECT_UEQ(cache_slabs(s), 0);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	kmem_cache_destroy(s);
}

TEST(objects_that_fill_cache_lines_are_reused_where_freed)
{
	struct kmem_cache *s = kmem_cache_create("xt-lines", LINE_SIZE, 0, SLAB_NO_MERGE, NULL);
	static void *theirs[N];
	static struct remote r;
	pthread_t t;
	void *ret;

	ASSERT_NOT_NULL(s);
	EXPECT_EQ(s->line_shared, 0);
	alloc_n(s, theirs, N);
	r = (struct remote){ .s = s, .theirs = theirs };
	ASSERT_EQ(pthread_create(&t, NULL, free_theirs_then_alloc, &r), 0);
	pthread_join(t, &ret);
	ASSERT_NOT_NULL(ret);
	EXPECT_GT(r.reused, N / 2);
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, r.mine[i]);
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	EXPECT_UEQ(cache_slabs(s), 0);
	kmem_cache_destroy(s);
}

#define FEW (N / 10)	/* fewer than a sheaf holds */

struct few {
	struct kmem_cache *s;
	void **theirs;
	bool held;		/* they were in the remote sheaf at exit */
};

static void *free_few(void *arg)
{
	struct few *f = arg;
	struct slab_sheaf *remote;

	for (int i = 0; i < FEW; i++)
		kmem_cache_free(f->s, f->theirs[i]);
	remote = ukmem_current_owner->remote[f->s->id];
	f->held = remote && remote->size == FEW;
	return f;
}

TEST(a_thread_that_exits_gives_back_the_remote_objects_it_holds)
{
	struct kmem_cache *s = kmem_cache_create("xt-exit", OBJ_SIZE, 0, SLAB_NO_MERGE, NULL);
	static void *theirs[FEW];
	static struct few f;
	pthread_t t;
	void *ret;
	size_t mark;

	ASSERT_NOT_NULL(s);
	alloc_n(s, theirs, FEW);
	f.s = s;
	f.theirs = theirs;
	mark = log_mark();
	ASSERT_EQ(pthread_create(&t, NULL, free_few, &f), 0);
	pthread_join(t, &ret);
	ASSERT_NOT_NULL(ret);
	EXPECT_TRUE(f.held);
	EXPECT_LOG_SILENT(mark);
	/* Back on their slabs: with this thread's sheaves flushed too, the
	 * cache holds no object and gives every slab back. */
	EXPECT_EQ(kmem_cache_shrink(s), 0);
	EXPECT_UEQ(cache_slabs(s), 0);
	EXPECT_EQ(ukmem_slab_validate(), 0);
	kmem_cache_destroy(s);
}

RUN_TESTS_SETUP(setup,
	T(threads_that_allocate_at_once_keep_to_their_own_slabs),
	T(remote_frees_go_back_to_their_owner_not_to_the_freeing_thread),
	T(a_thread_that_exits_gives_back_the_remote_objects_it_holds),
	T(objects_that_fill_cache_lines_are_reused_where_freed))
