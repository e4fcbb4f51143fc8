/*
 * bug_free_interior - free() of a pointer 8 bytes into malloc(64): ukmem
 * refuses it (the block stays allocated) and says why.
 */
#include <stdlib.h>

#include "corpus.h"

#define SIZE 64

BUG_FN void free_interior(char *p)
{
	free(opaque(p + 8));
}

int main(void)
{
	char *p = opaque(malloc(SIZE));

	free_interior(p);
	free(opaque(p));
	return 0;
}
