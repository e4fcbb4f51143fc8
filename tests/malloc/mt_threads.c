/*
 * mt_threads.c - malloc from many threads: concurrent allocation, blocks
 * freed by another thread than the one that allocated them, and many
 * short-lived threads, whose sheaves the slab layer must give back when
 * they exit (memory stays bounded).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ukmem/ukmem.h>

#include "harness.h"

/* ukmem's MemFree (/proc/meminfo in the kernel's format), in KiB. */
static long ukmem_free_kb(void)
{
	char buf[8192];
	const char *line;

	if (ukmem_ctl_read("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	line = strstr(buf, "MemFree:");
	return line ? strtol(line + 8, NULL, 10) : -1;
}

static long rss_kb(void)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- concurrent churn ------------------------------------------------------ */

enum { CHURN_SLOTS = 512, CHURN_OPS = 200000 };

static void *churn(void *arg)
{
	uint64_t seed = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;
	unsigned char *slot[CHURN_SLOTS] = { 0 };
	size_t size[CHURN_SLOTS] = { 0 };
	long bad = 0;

	for (int op = 0; op < CHURN_OPS; op++) {
		unsigned i = (unsigned)(xorshift(&seed) % CHURN_SLOTS);
		uint64_t r = xorshift(&seed);

		if (slot[i]) {
			if (slot[i][0] != (unsigned char)i || slot[i][size[i] - 1] != (unsigned char)i)
				bad++;
			if (r & 1) {
				free(slot[i]);
				slot[i] = NULL;
				continue;
			}
			size[i] = (r >> 8) % 3000 + 1;
			slot[i] = realloc(slot[i], size[i]);
		} else {
			/* Mostly small, some page blocks, rarely huge. */
			size[i] = (r >> 8) % 100 == 0 ? (r >> 16) % 200000 + 1 :
				  (r >> 8) % 5000 == 1 ? (5 << 20) : (r >> 16) % 700 + 1;
			slot[i] = (r >> 4) & 1 ? malloc(size[i]) : calloc(1, size[i]);
		}
		if (!slot[i])
			return (void *)-1;
		slot[i][0] = slot[i][size[i] - 1] = (unsigned char)i;
	}
	for (int i = 0; i < CHURN_SLOTS; i++)
		free(slot[i]);
	return (void *)bad;
}

TEST(concurrent_churn)
{
	enum { N = 8 };
	pthread_t t[N];

	for (long i = 0; i < N; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, churn, (void *)(i + 1)), 0);
	for (int i = 0; i < N; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		EXPECT_EQ((long)ret, 0);
	}
}

/* ---- blocks freed by other threads ----------------------------------------- */

enum { QUEUE = 1024, PASSED = 300000 };

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void *items[QUEUE];
	unsigned head, tail;
	int producers_left;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, 0, 0 };

static void *producer(void *arg)
{
	uint64_t seed = (uintptr_t)arg;

	for (int i = 0; i < PASSED; i++) {
		size_t size = xorshift(&seed) % 2000 + 2 * sizeof(size_t);
		size_t *p = malloc(size);

		if (!p)
			abort();
		p[0] = size;
		memset(p + 1, 0x3c, size - sizeof(size_t));
		pthread_mutex_lock(&q.lock);
		while (q.tail - q.head == QUEUE)
			pthread_cond_wait(&q.cond, &q.lock);
		q.items[q.tail++ % QUEUE] = p;
		pthread_cond_broadcast(&q.cond);
		pthread_mutex_unlock(&q.lock);
	}
	pthread_mutex_lock(&q.lock);
	q.producers_left--;
	pthread_cond_broadcast(&q.cond);
	pthread_mutex_unlock(&q.lock);
	return NULL;
}

static void *consumer(void *arg)
{
	long bad = 0;

	(void)arg;
	for (;;) {
		size_t *p;

		pthread_mutex_lock(&q.lock);
		while (q.tail == q.head && q.producers_left)
			pthread_cond_wait(&q.cond, &q.lock);
		if (q.tail == q.head) {
			pthread_mutex_unlock(&q.lock);
			return (void *)bad;
		}
		p = q.items[q.head++ % QUEUE];
		pthread_cond_broadcast(&q.cond);
		pthread_mutex_unlock(&q.lock);
		if (malloc_usable_size(p) < p[0] || ((unsigned char *)p)[p[0] - 1] != 0x3c)
			bad++;
		free(p);
	}
}

TEST(free_on_another_thread)
{
	pthread_t prod[2], cons[2];

	q.producers_left = 2;
	for (long i = 0; i < 2; i++) {
		ASSERT_EQ(pthread_create(&prod[i], NULL, producer, (void *)(i + 7)), 0);
		ASSERT_EQ(pthread_create(&cons[i], NULL, consumer, NULL), 0);
	}
	for (int i = 0; i < 2; i++) {
		void *ret;

		pthread_join(prod[i], NULL);
		pthread_join(cons[i], &ret);
		EXPECT_EQ((long)ret, 0);
	}
}

/* ---- short-lived threads ---------------------------------------------------- */

/* Touch many size classes, so the thread holds sheaves of each, and
 * leave some blocks for the main thread to free after the exit. */
static void *short_lived(void *arg)
{
	void **keep = arg;
	void *p[64];

	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 64; i++)
			p[i] = malloc((size_t)(i * 131 % 8192) + 1);
		for (int i = 0; i < 64; i++)
			free(p[i]);
	}
	*keep = malloc(777);
	return NULL;
}

static void run_short_lived(int nr)
{
	enum { BATCH = 8 };

	for (int i = 0; i < nr; i += BATCH) {
		pthread_t t[BATCH];
		void *keep[BATCH];

		for (int j = 0; j < BATCH; j++)
			if (pthread_create(&t[j], NULL, short_lived, &keep[j]))
				abort();
		for (int j = 0; j < BATCH; j++) {
			pthread_join(t[j], NULL);
			free(keep[j]);
		}
	}
}

TEST(short_lived_threads_stay_bounded)
{
	long free0, free1, rss0, rss1;

	run_short_lived(400);		/* warm up: caches and barns fill */
	free0 = ukmem_free_kb();
	rss0 = rss_kb();
	run_short_lived(4000);
	free1 = ukmem_free_kb();
	rss1 = rss_kb();
	printf("  4000 threads: ukmem MemFree %ld -> %ld kB, RSS %ld -> %ld kB\n", free0, free1,
	       rss0, rss1);
	ASSERT_TRUE(free0 > 0 && free1 > 0);
	/* A leak of one owner (16 KiB) per thread would be 64 MiB. */
	EXPECT_LT(free0 - free1, 4096);
	EXPECT_LT(rss1 - rss0, 8192);
}

/* A thread-specific value whose destructor frees: it runs after ukmem's
 * own thread-exit hook when its key was made later than ukmem's. */
static pthread_key_t late_key;

static void late_destructor(void *p)
{
	free(p);
	/* And allocates again, as a destructor that logs might. */
	free(malloc(100));
}

static void *late_thread(void *arg)
{
	(void)arg;
	pthread_setspecific(late_key, malloc(200));
	free(malloc(50));
	return NULL;
}

TEST(free_in_late_tls_destructor)
{
	long free0, free1;

	ASSERT_EQ(pthread_key_create(&late_key, late_destructor), 0);
	for (int i = 0; i < 200; i++) {
		pthread_t t;

		ASSERT_EQ(pthread_create(&t, NULL, late_thread, NULL), 0);
		pthread_join(t, NULL);
	}
	free0 = ukmem_free_kb();
	for (int i = 0; i < 2000; i++) {
		pthread_t t;

		ASSERT_EQ(pthread_create(&t, NULL, late_thread, NULL), 0);
		pthread_join(t, NULL);
	}
	free1 = ukmem_free_kb();
	printf("  2000 threads freeing in a TLS destructor: ukmem MemFree %ld -> %ld kB\n",
	       free0, free1);
	EXPECT_LT(free0 - free1, 4096);
}

/* libc frees after every key destructor (__libc_thread_freeres): the
 * buffer strerror made for an unknown errno, dlerror's message. */
static void *libc_buffers_thread(void *arg)
{
	volatile size_t len = strlen(strerror(100000 + (int)(uintptr_t)arg));

	(void)len;
	if (!dlopen("/nonexistent/mt_threads.so", RTLD_NOW))
		len = strlen(dlerror());
	free(malloc(64));
	return NULL;
}

TEST(libc_frees_after_thread_exit)
{
	long free0, free1;

	for (int i = 0; i < 200; i++) {
		pthread_t t;

		ASSERT_EQ(pthread_create(&t, NULL, libc_buffers_thread, (void *)(uintptr_t)i), 0);
		pthread_join(t, NULL);
	}
	free0 = ukmem_free_kb();
	for (int i = 0; i < 2000; i++) {
		pthread_t t;

		ASSERT_EQ(pthread_create(&t, NULL, libc_buffers_thread, (void *)(uintptr_t)i), 0);
		pthread_join(t, NULL);
	}
	free1 = ukmem_free_kb();
	printf("  2000 threads with strerror and dlerror buffers: ukmem MemFree %ld -> %ld kB\n",
	       free0, free1);
	/* One owner (16 KiB) kept per thread would be 32 MiB. */
	EXPECT_LT(free0 - free1, 4096);
}

RUN_TESTS(T(concurrent_churn), T(free_on_another_thread), T(short_lived_threads_stay_bounded),
	  T(free_in_late_tls_destructor), T(libc_frees_after_thread_exit))
