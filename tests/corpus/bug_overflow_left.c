/*
 * bug_overflow_left - a heap underflow: the byte before malloc(64)
 * written (p[-1]), then the block freed.  slub_debug=Z finds it in the
 * object's left red zone when the block is freed.
 *
 * Without red zones the byte lands in the previous object of the slab:
 * the victim is a block whose left neighbour is another block of ours.
 */
#include <stdlib.h>

#include "corpus.h"

#define NR_BLOCKS 32
#define SIZE 64

BUG_FN void overflow_left(char **blocks)
{
	char *victim = blocks[0];

	for (int i = 0; i < NR_BLOCKS; i++)
		for (int j = 0; j < NR_BLOCKS; j++)
			if (blocks[j] + SIZE == blocks[i])
				victim = blocks[i];
	((char *)opaque(victim))[-1] = 'x';
}

int main(void)
{
	char *blocks[NR_BLOCKS];

	for (int i = 0; i < NR_BLOCKS; i++)
		blocks[i] = opaque(malloc(SIZE));
	overflow_left(blocks);
	for (int i = 0; i < NR_BLOCKS; i++)
		free(opaque(blocks[i]));
	return 0;
}
