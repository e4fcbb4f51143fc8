/*
 * bug_init_on_free - stale data in freed memory: a block of 64 bytes
 * filled with 0xaa (a "secret") and freed, then allocated again.  With
 * init_on_free=1 the free wipes it: the freed block reads zero except for
 * the free-pointer word the allocator keeps in it (one 8-byte word), and
 * the block malloc hands out again, the same one, reads all zero.  With
 * init_on_alloc=1 (argument "alloc": only the second malloc is checked)
 * that malloc zeroes it.
 *
 * Reading a freed block is the planted bug (use after free, for a read).
 * Prints what survived and exits 1 if anything did; exits 2 if malloc did
 * not give the same block back (then the test proves nothing).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

#define SIZE 64
#define WORDS (SIZE / sizeof(uint64_t))

/* Words of p that are not zero. */
BUG_FN unsigned int nonzero_words(const void *p)
{
	const volatile uint64_t *w = (const volatile uint64_t *)p;
	unsigned int n = 0;

	for (unsigned int i = 0; i < WORDS; i++)
		n += w[i] != 0;
	return n;
}

int main(int argc, char **argv)
{
	int alloc_only = argc > 1 && strcmp(argv[1], "alloc") == 0;
	char *p = opaque(malloc(SIZE)), *q;
	unsigned int after_free, after_alloc;

	memset(p, 0xaa, SIZE);
	free(opaque(p));
	after_free = nonzero_words(p);
	q = opaque(malloc(SIZE));
	if (q != p) {
		fprintf(stderr, "bug_init_on_free: malloc did not give the freed block back\n");
		return 2;
	}
	after_alloc = nonzero_words(q);
	free(opaque(q));
	if ((!alloc_only && after_free > 1) || after_alloc > 0) {
		fprintf(stderr, "bug_init_on_free: %u of %u words nonzero after free, "
			"%u after malloc\n", after_free, (unsigned int)WORDS, after_alloc);
		return 1;
	}
	return 0;
}
