/*
 * mt_memlimit.c - the malloc front under mem=64M (UKMEM_OPTIONS, set by
 * CTest): huge blocks are vmalloc memory, and vmalloc memory is paid for
 * with arena pages, so no mix of malloc sizes gets more than the arena:
 * a 1 GiB malloc fails with ENOMEM, blocks of 8 MiB stop coming before
 * 64 MiB, and small blocks after them stop at the same limit.  After
 * everything is freed, the large blocks come again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MiB (1024UL * 1024)

static void *held[1 << 20];
static size_t held_size[1 << 20];
static int nr_held;

TEST(no_mix_of_sizes_exceeds_mem)
{
	size_t total = 0;
	void *p;
	int big = 0;

	errno = 0;
	EXPECT_TRUE(malloc(1UL << 30) == NULL);
	EXPECT_EQ(errno, ENOMEM);
	while ((p = malloc(8 * MiB)) != NULL && nr_held < 64) {
		memset(p, 1, 8 * MiB);
		held_size[nr_held] = 8 * MiB;
		held[nr_held++] = p;
		total += 8 * MiB;
		big++;
	}
	free(p);
	EXPECT_GT(big, 0);
	EXPECT_LT(big, 8);
	while (nr_held < (1 << 20) && (p = malloc(4000)) != NULL) {
		held_size[nr_held] = 4000;
		held[nr_held++] = p;
		total += 4000;
	}
	EXPECT_LE(total, 64 * MiB);
	fprintf(stderr, "held %zu MiB in %d blocks (%d of 8 MiB) under mem=64M\n", total / MiB,
		nr_held, big);
	while (nr_held > 0)
		free(held[--nr_held]);
	p = malloc(8 * MiB);
	EXPECT_TRUE(p != NULL);
	free(p);
}

RUN_TESTS(T(no_mix_of_sizes_exceeds_mem))
