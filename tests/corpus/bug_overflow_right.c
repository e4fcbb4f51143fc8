/*
 * bug_overflow_right - a heap overflow: one byte written just past the end
 * of malloc(n) (n = argv[1], 64 by default), then the block freed.
 * slub_debug=Z finds the byte in the object's right red zone when the
 * block is freed.
 *
 * Without red zones the byte lands in the next object of the slab.  So
 * that it lands in one of ours and not in the C library's data, the
 * victim is a block whose right neighbour is another block of ours.
 */
#include <stdlib.h>

#include "corpus.h"

#define NR_BLOCKS 32

BUG_FN void overflow_right(char **blocks, size_t n)
{
	char *victim = blocks[0];

	for (int i = 0; i < NR_BLOCKS; i++)
		for (int j = 0; j < NR_BLOCKS; j++)
			if (blocks[j] == blocks[i] + n)
				victim = blocks[i];
	((char *)opaque(victim))[n] = 'x';
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	char *blocks[NR_BLOCKS];

	for (int i = 0; i < NR_BLOCKS; i++)
		blocks[i] = opaque(malloc(n));
	overflow_right(blocks, n);
	for (int i = 0; i < NR_BLOCKS; i++)
		free(opaque(blocks[i]));
	return 0;
}
