/*
 * bug_leak - a memory leak: leak_block() allocates 100 bytes, fills them
 * and drops the only pointer; the program exits with the block still
 * allocated.  kmemleak=on scans at exit and reports it as unreferenced,
 * with leak_block in the allocation's backtrace.  A second block stays
 * reachable from a global and must not be reported.
 */
#include <string.h>
#include <stdlib.h>

#include "corpus.h"

#define LEAK_SIZE 100
#define KEPT_SIZE 200

/* Global and volatile: the compiler may not keep it in a register only. */
void *volatile kept;

BUG_FN void leak_block(void)
{
	volatile char *p = opaque(malloc(LEAK_SIZE));

	for (int i = 0; i < LEAK_SIZE; i++)
		p[i] = 'L';
}

/* Overwrite the stack below main's frame, where leak_block and malloc
 * may have left the leaked pointer: a conservative scan would find it
 * there and (rightly) not call the block unreferenced. */
BUG_FN void scrub_stack(void)
{
	volatile char junk[16384];

	for (unsigned int i = 0; i < sizeof(junk); i++)
		junk[i] = 0;
}

int main(void)
{
	kept = opaque(malloc(KEPT_SIZE));
	memset(opaque(kept), 'K', KEPT_SIZE);
	leak_block();
	scrub_stack();
	return 0;
}
