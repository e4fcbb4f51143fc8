/*
 * bug_free_foreign - free() of addresses malloc never returned: a global
 * and a local variable.  ukmem reports each and ignores it.
 */
#include <stdlib.h>

#include "corpus.h"

static long global_word;

BUG_FN void free_global(void)
{
	free(opaque(&global_word));
}

BUG_FN void free_local(void)
{
	long local_word = 0;

	free(opaque(&local_word));
}

int main(void)
{
	free_global();
	free_local();
	return 0;
}
