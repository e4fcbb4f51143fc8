/*
 * test_signal_init.c - a signal handler that allocates while its own
 * thread is starting ukmem (the first allocation, reading UKMEM_OPTIONS).
 *
 * The start holds the init lock; a GFP_ATOMIC allocation in a handler on
 * that thread must not wait for it (the thread cannot release it until
 * the handler returns): it may fail, but it must return.
 *
 * To hold the thread inside the start for as long as the test needs,
 * UKMEM_LOG names a FIFO and UKMEM_OPTIONS is bad: the start logs the
 * rejection, and the first log message opens the FIFO, which blocks until
 * the test opens the reading end.  The signal is delivered while the
 * thread waits there.
 */
#include "page_helpers.h"

#include <signal.h>
#include <sys/stat.h>
#include <time.h>

static char fifo_path[128];
static pthread_t starter;
static int handler_entered, handler_returned;	/* atomics: read by another thread */
static struct page *handler_page;
static struct page *starter_page;

static void setup(void)
{
	snprintf(fifo_path, sizeof(fifo_path), "/tmp/ukmem-test-signal-init-%d", (int)getpid());
	unlink(fifo_path);
	if (mkfifo(fifo_path, 0600) != 0) {
		perror("mkfifo");
		exit(2);
	}
	setenv("UKMEM_LOG", fifo_path, 1);
	setenv("UKMEM_OPTIONS", "mem=zzz", 1);
}

static void alloc_in_handler(int sig)
{
	(void)sig;
	__atomic_store_n(&handler_entered, 1, __ATOMIC_RELEASE);
	handler_page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0);
	__atomic_store_n(&handler_returned, 1, __ATOMIC_RELEASE);
}

static void *first_allocation(void *arg)
{
	(void)arg;
	starter_page = alloc_pages(GFP_KERNEL, 0);
	return NULL;
}

/* Everything written to the FIFO, read until the writer closes it (the
 * process exits) - keeps later log messages from blocking. */
static void *drain_fifo(void *arg)
{
	char buf[4096];
	int fd = open(fifo_path, O_RDONLY);

	(void)arg;
	if (fd < 0)
		return NULL;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return NULL;
}

TEST(handler_allocating_during_the_start_returns)
{
	struct sigaction sa;
	struct timespec deadline;
	pthread_t reader;
	int joined;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = alloc_in_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);

	ASSERT_EQ(pthread_create(&starter, NULL, first_allocation, NULL), 0);
	/* The starter is now inside the start, blocked opening the log. */
	usleep(100 * 1000);
	EXPECT_FALSE(ukmem_initialized());
	pthread_kill(starter, SIGUSR1);
	/* (Under TSan the handler runs only when open() returns, still
	 * inside the start: the same situation, a little later.) */
	for (int i = 0; i < 20 && !__atomic_load_n(&handler_entered, __ATOMIC_ACQUIRE); i++)
		usleep(10 * 1000);
	/* Let the log open: the start can finish once the handler returns. */
	ASSERT_EQ(pthread_create(&reader, NULL, drain_fifo, NULL), 0);
	pthread_detach(reader);

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 2;
	joined = pthread_timedjoin_np(starter, NULL, &deadline);
	unlink(fifo_path);
	if (joined != 0) {
		/* The thread cannot be freed from its own lock: report and let
		 * the process exit take it down. */
		HARNESS_FAIL("deadlock: a GFP_ATOMIC allocation in a signal handler waits for the "
			     "init lock its own thread holds while starting ukmem "
			     "(handler entered %d, returned %d)",
			     __atomic_load_n(&handler_entered, __ATOMIC_ACQUIRE),
			     __atomic_load_n(&handler_returned, __ATOMIC_ACQUIRE));
		return;
	}
	EXPECT_TRUE(__atomic_load_n(&handler_returned, __ATOMIC_ACQUIRE));
	EXPECT_TRUE(ukmem_initialized());
	ASSERT_NOT_NULL(starter_page);
	__free_pages(starter_page, 0);
	if (handler_page)
		__free_pages(handler_page, 0);
	EXPECT_EQ(ukmem_page_validate(), 0);
}

RUN_TESTS_SETUP(setup,
	T(handler_allocating_during_the_start_returns))
