/*
 * bug_double_free - malloc(64) freed twice, from two different functions
 * so that slub_debug=U's report can name both: "Allocated in
 * make_block", "Freed in first_free", and the second free's stack in
 * second_free.  The second free is of the block the thread freed last, so
 * ukmem catches it even with no option.
 */
#include <stdlib.h>

#include "corpus.h"

#define SIZE 64

BUG_FN void *make_block(void)
{
	return opaque(malloc(SIZE));
}

BUG_FN void first_free(void *p)
{
	free(opaque(p));
}

BUG_FN void second_free(void *p)
{
	free(opaque(p));
}

int main(void)
{
	void *p = make_block();

	first_free(p);
	second_free(p);
	/* The allocator goes on working. */
	free(opaque(malloc(SIZE)));
	return 0;
}
