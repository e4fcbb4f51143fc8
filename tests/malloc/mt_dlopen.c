/*
 * mt_dlopen.c - malloc across dlopen: a library loaded at run time (and
 * libm) allocates with the process's malloc, which is ukmem's; blocks
 * cross between the library and the program both ways; dlopen and
 * dlclose themselves allocate inside ld.so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ukmem/mm.h>

#include "harness.h"

struct helper {
	void *handle;
	char *(*strdup_fn)(const char *);
	void *(*alloc)(size_t, int);
	void *(*realloc_fn)(void *, size_t);
	void (*free_fn)(void *);
	int (*ctor_block_ok)(void);
};

static int helper_open(struct helper *h)
{
	h->handle = dlopen(MT_DLHELPER, RTLD_NOW | RTLD_LOCAL);
	if (!h->handle) {
		fprintf(stderr, "dlopen(%s): %s\n", MT_DLHELPER, dlerror());
		return -1;
	}
	*(void **)&h->strdup_fn = dlsym(h->handle, "helper_strdup");
	*(void **)&h->alloc = dlsym(h->handle, "helper_alloc");
	*(void **)&h->realloc_fn = dlsym(h->handle, "helper_realloc");
	*(void **)&h->free_fn = dlsym(h->handle, "helper_free");
	*(void **)&h->ctor_block_ok = dlsym(h->handle, "helper_ctor_block_ok");
	return h->strdup_fn && h->alloc && h->realloc_fn && h->free_fn && h->ctor_block_ok ? 0 : -1;
}

TEST(blocks_cross_both_ways)
{
	struct helper h;
	char *s, *big;
	void *mine;

	ASSERT_EQ(helper_open(&h), 0);
	EXPECT_TRUE(h.ctor_block_ok());

	/* Library allocates, program frees. */
	s = h.strdup_fn("allocated in the library");
	ASSERT_NOT_NULL(s);
	EXPECT_TRUE(ukmem_virt_addr_valid(s));
	EXPECT_STREQ(s, "allocated in the library");
	free(s);
	big = h.alloc(6 << 20, 'x');		/* a vmalloc block */
	ASSERT_NOT_NULL(big);
	EXPECT_GE(malloc_usable_size(big), 6 << 20);
	EXPECT_EQ(big[(6 << 20) - 1], 'x');
	free(big);

	/* Program allocates, library grows and frees. */
	mine = malloc(100);
	ASSERT_NOT_NULL(mine);
	memset(mine, 'm', 100);
	mine = h.realloc_fn(mine, 100000);
	ASSERT_NOT_NULL(mine);
	EXPECT_EQ(((char *)mine)[99], 'm');
	h.free_fn(mine);
	EXPECT_EQ(dlclose(h.handle), 0);
}

TEST(dlopen_dlclose_cycles)
{
	/* dlopen, dlerror and dlclose allocate in ld.so and libc. */
	for (int i = 0; i < 200; i++) {
		struct helper h;
		char *s;

		ASSERT_EQ(helper_open(&h), 0);
		s = h.strdup_fn("cycle");
		ASSERT_NOT_NULL(s);
		h.free_fn(s);
		EXPECT_PTR_EQ(dlopen("/nonexistent/libnothing.so", RTLD_NOW), NULL);
		EXPECT_TRUE(dlerror() != NULL);
		ASSERT_EQ(dlclose(h.handle), 0);
	}
}

TEST(libm)
{
	void *m = dlopen("libm.so.6", RTLD_NOW);
	double (*cos_fn)(double);

	ASSERT_NOT_NULL(m);
	*(void **)&cos_fn = dlsym(m, "cos");
	ASSERT_NOT_NULL(cos_fn);
	EXPECT_TRUE(cos_fn(0.0) == 1.0);
	EXPECT_EQ(dlclose(m), 0);
}

static void *thread_dlopen(void *arg)
{
	struct helper h;

	(void)arg;
	for (int i = 0; i < 50; i++) {
		void *p;

		if (helper_open(&h))
			return (void *)1;
		p = h.alloc(300, 1);
		free(p);
		dlclose(h.handle);
	}
	return NULL;
}

TEST(dlopen_from_threads)
{
	pthread_t t[4];
	void *ret;

	for (int i = 0; i < 4; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, thread_dlopen, NULL), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		EXPECT_PTR_EQ(ret, NULL);
	}
}

RUN_TESTS(T(blocks_cross_both_ways), T(dlopen_dlclose_cycles), T(libm), T(dlopen_from_threads))
