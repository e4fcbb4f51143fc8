/*
 * bug_freelist_corrupt - the freelist-poisoning attack: a freed block of
 * 64 bytes is overwritten with the address of a global buffer, in the
 * hope that the allocator follows it as the free list's next pointer and
 * hands the buffer out.  ukmem stores that pointer obfuscated and checks
 * it before use, so the forged word decodes to no object of the slab: it
 * reports the corrupt chain and never returns the forged address.
 *
 * The victim must be on its slab's free list, where the pointer lives,
 * not in a sheaf (an array, which needs no pointer).  Every other block
 * of many is freed first, which fills the thread's sheaves and the barn's
 * (10 full sheaves); then the victim, then more, so that the sheaf holding
 * the victim finds the barn full and is flushed to the slabs.  The blocks
 * still allocated keep those slabs from going back to the page allocator.
 * Allocating more blocks than were freed then takes every free object of
 * those slabs, the victim's successor included.  Exit status 2 if an
 * allocation returned the target.
 */
#include <stdint.h>
#include <stdlib.h>

#include "corpus.h"

#define SIZE 64
#define NR_BLOCKS 2048
#define NR_AFTER 400	/* blocks freed after the victim: 200 */

/* Where the attacker wants the allocator to write. */
static char target[4096] __attribute__((aligned(64)));
static void *blocks[NR_BLOCKS], *again[NR_BLOCKS];

BUG_FN void poison_freelist(void *victim)
{
	uintptr_t *words = opaque(victim);

	for (unsigned int i = 0; i < SIZE / sizeof(uintptr_t); i++)
		words[i] = (uintptr_t)(target + 1024);
}

static int is_target(const void *p)
{
	return (const char *)p >= target && (const char *)p < target + sizeof(target);
}

int main(void)
{
	int hit = 0;

	for (int i = 0; i < NR_BLOCKS; i++)
		blocks[i] = opaque(malloc(SIZE));
	for (int i = 2; i < NR_BLOCKS; i += 2)
		free(opaque(blocks[i]));
	free(opaque(blocks[0]));
	for (int i = NR_BLOCKS - 1; i > NR_BLOCKS - 1 - NR_AFTER; i -= 2)
		free(opaque(blocks[i]));
	poison_freelist(blocks[0]);
	for (int i = 0; i < NR_BLOCKS; i++) {
		again[i] = opaque(malloc(SIZE));
		hit |= is_target(again[i]);
	}
	for (int i = 0; i < NR_BLOCKS; i++)
		if (!is_target(again[i]))
			free(opaque(again[i]));
	for (int i = 1; i <= NR_BLOCKS - 1 - NR_AFTER; i += 2)
		free(opaque(blocks[i]));
	return hit ? 2 : 0;
}
