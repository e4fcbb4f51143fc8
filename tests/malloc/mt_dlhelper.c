/*
 * mt_dlhelper.c - a library that mt_dlopen loads with dlopen: it allocates
 * and frees with whatever malloc the process has, and keeps a block of
 * its own from its constructor to its destructor.
 */
#include <stdlib.h>
#include <string.h>

static char *ctor_block;

__attribute__((constructor)) static void helper_init(void)
{
	ctor_block = malloc(1000);
	if (ctor_block)
		memset(ctor_block, 'c', 1000);
}

__attribute__((destructor)) static void helper_fini(void)
{
	free(ctor_block);
}

char *helper_strdup(const char *s)
{
	return strdup(s);
}

void *helper_alloc(size_t size, int fill)
{
	void *p = malloc(size);

	if (p)
		memset(p, fill, size);
	return p;
}

void *helper_realloc(void *p, size_t size)
{
	return realloc(p, size);
}

void helper_free(void *p)
{
	free(p);
}

int helper_ctor_block_ok(void)
{
	for (int i = 0; i < 1000; i++)
		if (!ctor_block || ctor_block[i] != 'c')
			return 0;
	return 1;
}
