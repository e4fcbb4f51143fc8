/*
 * bug_kfence - an out-of-bounds read that KFENCE catches: malloc(32) in a
 * loop until an allocation comes from the KFENCE pool, then one byte read
 * just past it (or just before it), into its guard page.  The fault
 * handler reports "BUG: KFENCE: out-of-bounds read in read_past" and the
 * program goes on to exit 0.
 *
 * A KFENCE object sits against the guard page on its right or its left,
 * at random.  A block is taken for one when the page after its end (end
 * on a page boundary) or the page before its start (start on one) cannot
 * be read; the test is write() from that address into a pipe, which fails
 * with EFAULT instead of faulting.  No ordinary block borders an
 * unreadable page: the arena is mapped read-write.
 *
 * argv[1]: how long to look for a sample, in ms (default 5000).  Exit
 * status 3 if none came (as without kfence.sample_interval).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"

#define SIZE 32

static int probe_pipe[2];

/* Can the byte at p be read?  Without touching it. */
static int readable(const char *p)
{
	char c;

	if (write(probe_pipe[1], p, 1) != 1)
		return errno != EFAULT;
	return read(probe_pipe[0], &c, 1) == 1;
}

static long page_size;

/* The address just outside p (a block of SIZE bytes) that lies in a
 * guard page, or NULL. */
static const char *guard_next_to(const char *p)
{
	uintptr_t start = (uintptr_t)p, end = start + SIZE;

	if (end % (uintptr_t)page_size == 0 && !readable(p + SIZE))
		return p + SIZE;
	if (start % (uintptr_t)page_size == 0 && !readable(p - 1))
		return p - 1;
	return NULL;
}

BUG_FN int read_past(const char *where)
{
	return *(const volatile char *)where;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	double budget = argc > 1 ? atof(argv[1]) : 5000, start = now_ms();
	struct timespec pause = { 0, 100000 };

	page_size = sysconf(_SC_PAGESIZE);
	if (pipe(probe_pipe) != 0) {
		perror("bug_kfence: pipe");
		return 1;
	}
	while (now_ms() - start < budget) {
		char *p = opaque(malloc(SIZE));
		const char *where = guard_next_to(p);

		if (where) {
			read_past(where);
			free(opaque(p));
			return 0;
		}
		free(opaque(p));
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "bug_kfence: no KFENCE sample in %.0f ms\n", budget);
	return 3;
}
