/*
 * test_fork_locks.c - fork() while other threads sit inside every entry
 * point that takes a ukmem lock: a control-file write (ctl_lock, then the
 * zone locks), control-file reads (slab_mutex, zone locks), cache create
 * and destroy (slab_mutex, list_lock), vmalloc (its area lock), kmalloc of
 * every size and alloc_pages (the slow paths: list_lock, barn and zone
 * locks).  The program registers ukmem's fork handlers as the malloc front
 * does.  Each child runs every one of those entry points itself and exits;
 * a child that finds a lock left held by a thread that does not exist in
 * it hangs, and its alarm turns the hang into a failure.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ukmem.h>

#include "harness.h"

#define CHILD_ALARM_S 20

static int stop;	/* atomic: the workers poll it */

static void *ctl_writer(void *arg)
{
	static const char *const values[] = { "2048", "4096", "3072" };
	int i = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		ukmem_ctl_write("/proc/sys/vm/min_free_kbytes", values[i++ % 3]);
	return arg;
}

static void *ctl_reader(void *arg)
{
	static char text[1 << 16];
	static const char *const files[] = { "/proc/zoneinfo", "/proc/slabinfo", "/proc/buddyinfo",
					     "/proc/meminfo", "/sys/kernel/slab/kmalloc-64/objects" };
	int i = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		ukmem_ctl_read(files[i++ % 5], text, sizeof(text));
	return arg;
}

static void *cache_churn(void *arg)
{
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		struct kmem_cache *s = kmem_cache_create("fork_churn", 136, 0, 0, NULL);
		void *obj[32];

		if (!s)
			continue;
		for (int i = 0; i < 32; i++)
			obj[i] = kmem_cache_alloc(s, GFP_KERNEL);
		for (int i = 0; i < 32; i++)
			kmem_cache_free(s, obj[i]);
		kmem_cache_destroy(s);
	}
	return arg;
}

static void *vmalloc_churn(void *arg)
{
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		void *p = vmalloc(200 << 10);

		if (p)
			((char *)p)[4096] = 1;
		vfree(p);
	}
	return arg;
}

static void *kmalloc_churn(void *arg)
{
	void *slot[64] = { 0 };
	unsigned int seed = 12345;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (int i = 0; i < 64; i++) {
			seed = seed * 1103515245u + 12345u;
			kfree(slot[i]);
			slot[i] = kmalloc(8 + (seed >> 8) % 20000, GFP_KERNEL);
		}
		struct page *page = alloc_pages(GFP_KERNEL, seed % 6);

		if (page)
			__free_pages(page, seed % 6);
	}
	for (int i = 0; i < 64; i++)
		kfree(slot[i]);
	return arg;
}

/* The child: every entry point once more, then exit. */
static int child_body(void)
{
	static char text[1 << 16];
	struct kmem_cache *s;
	void *p, *v;
	struct page *page;

	alarm(CHILD_ALARM_S);
	if (ukmem_ctl_write("/proc/sys/vm/min_free_kbytes", "4096"))
		return 2;
	if (ukmem_ctl_read("/proc/zoneinfo", text, sizeof(text)) <= 0 ||
	    ukmem_ctl_read("/proc/slabinfo", text, sizeof(text)) <= 0)
		return 3;
	s = kmem_cache_create("fork_child", 72, 0, 0, NULL);
	p = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;
	if (!p)
		return 4;
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
	v = vmalloc(1 << 20);
	if (!v)
		return 5;
	vfree(v);
	for (size_t size = 8; size <= 65536; size *= 2) {
		p = kmalloc(size, GFP_KERNEL);
		if (!p)
			return 6;
		kfree(p);
	}
	page = alloc_pages(GFP_KERNEL, 9);
	if (!page)
		return 7;
	__free_pages(page, 9);
	return 0;
}

static void setup(void)
{
	if (ukmem_init("mem=512M")) {
		fprintf(stderr, "ukmem_init failed\n");
		exit(1);
	}
	pthread_atfork(ukmem_fork_prepare, ukmem_fork_parent, ukmem_fork_child);
}

TEST(fork_while_threads_hold_every_kind_of_lock)
{
	void *(*const workers[])(void *) = { ctl_writer, ctl_reader, cache_churn, vmalloc_churn,
					     kmalloc_churn };
	enum { NR_WORKERS = sizeof(workers) / sizeof(workers[0]) };
	pthread_t tid[NR_WORKERS];
	int forks = UNDER_TSAN ? 50 : UNDER_ASAN ? 200 : 1000;
	int ok = 0, hung = 0, failed = 0;

	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	for (int i = 0; i < NR_WORKERS; i++)
		ASSERT_EQ(pthread_create(&tid[i], NULL, workers[i], NULL), 0);
	for (int i = 0; i < forks; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0)
			_exit(child_body());
		ASSERT_TRUE(pid > 0);
		ASSERT_EQ(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			ok++;
		} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
			if (!hung++)
				fprintf(stderr, "fork %d: the child hung (a lock held at the fork)\n", i);
		} else {
			if (!failed++)
				fprintf(stderr, "fork %d: the child failed, status 0x%x\n", i, status);
		}
		if (hung + failed >= 3)
			break;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < NR_WORKERS; i++)
		pthread_join(tid[i], NULL);
	EXPECT_EQ(hung, 0);
	EXPECT_EQ(failed, 0);
	EXPECT_EQ(ok, forks);
}

RUN_TESTS_SETUP(setup, T(fork_while_threads_hold_every_kind_of_lock))
