/*
 * mt_fork.c - fork() while other threads allocate: the fork handlers the
 * malloc front registers take every allocator lock, so the child starts
 * with consistent, unlocked state, allocates freely, and exits cleanly.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static volatile int stop_churn;

static void *churn(void *arg)
{
	uint64_t seed = (uintptr_t)arg;
	void *slot[256] = { 0 };

	while (!stop_churn) {
		for (int i = 0; i < 256; i++) {
			size_t size;

			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			size = seed % 64 == 0 ? seed % 300000 + 1 :
			       seed % 4096 == 1 ? (5 << 20) : seed % 1500 + 1;
			free(slot[i]);
			slot[i] = malloc(size);
			if (slot[i])
				memset(slot[i], 1, size < 64 ? size : 64);
		}
	}
	for (int i = 0; i < 256; i++)
		free(slot[i]);
	return NULL;
}

static void *child_thread(void *arg)
{
	void *p[100];

	(void)arg;
	for (int i = 0; i < 100; i++)
		p[i] = malloc((size_t)i * 97 + 1);
	for (int i = 0; i < 100; i++)
		free(p[i]);
	return NULL;
}

/* What each child does: allocate every kind of block, use a thread, exit. */
static int child_work(void)
{
	pthread_t t;
	char *s, *big, *huge;

	alarm(30);	/* a deadlock kills the child: the parent sees a signal */
	for (int round = 0; round < 50; round++) {
		void *p[64];

		for (int i = 0; i < 64; i++)
			p[i] = malloc((size_t)(i * 61 + round) % 9000 + 1);
		for (int i = 0; i < 64; i++)
			free(p[i]);
	}
	s = strdup("child");
	big = calloc(1, 200000);
	huge = malloc(6 << 20);
	if (!s || !big || !huge)
		return 2;
	memset(huge, 2, 6 << 20);
	if (pthread_create(&t, NULL, child_thread, NULL))
		return 3;
	pthread_join(t, NULL);
	free(s);
	free(big);
	free(huge);
	return 0;
}

TEST(fork_while_threads_allocate)
{
	enum { THREADS = 3, FORKS = 150 };
	pthread_t t[THREADS];
	int failed = 0;

	stop_churn = 0;
	for (long i = 0; i < THREADS; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, churn, (void *)(i * 7919 + 1)), 0);
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < FORKS; i++) {
		int status = 0;
		pid_t pid = fork();

		if (pid == 0)
			exit(child_work());	/* exit, not _exit: atexit and stdio run */
		ASSERT_TRUE(pid > 0);
		ASSERT_EQ(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			if (!failed++)
				HARNESS_FAIL("fork %d: child status %#x (signal %d)", i, status,
					     WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		}
		/* The parent keeps allocating between forks. */
		free(malloc((size_t)i * 10 + 1));
	}
	stop_churn = 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(failed, 0);
}

TEST(fork_in_child)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		pid_t grandchild;
		int gstatus = 0;

		if (child_work())
			_exit(4);
		grandchild = fork();
		if (grandchild == 0)
			exit(child_work());
		if (waitpid(grandchild, &gstatus, 0) != grandchild || !WIFEXITED(gstatus) ||
		    WEXITSTATUS(gstatus))
			_exit(5);
		exit(0);
	}
	ASSERT_TRUE(pid > 0);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
}

RUN_TESTS(T(fork_while_threads_allocate), T(fork_in_child))
