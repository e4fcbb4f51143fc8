/*
 * bug_use_after_free - a write after free: malloc(64), free, then a byte
 * of the freed block written (p[10]), then blocks of the same size
 * allocated.  slub_debug=P poisons a freed object (0x6b) and checks the
 * poison when the object is handed out again.
 *
 * Without poisoning the byte lands in the freed object's data, away from
 * its free pointer (kept in the middle of the object), and the program
 * goes on.
 */
#include <stdlib.h>

#include "corpus.h"

#define SIZE 64
#define NR_AGAIN 8

BUG_FN void write_after_free(char *p)
{
	free(opaque(p));
	((char *)opaque(p))[10] = 'x';
}

int main(void)
{
	void *again[NR_AGAIN];

	write_after_free(opaque(malloc(SIZE)));
	for (int i = 0; i < NR_AGAIN; i++)
		again[i] = opaque(malloc(SIZE));
	for (int i = 0; i < NR_AGAIN; i++)
		free(opaque(again[i]));
	return 0;
}
