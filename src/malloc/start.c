/*
 * start.c - starting ukmem under the malloc front: on first use, without
 * ukmem_init(), from whichever thread allocates first, possibly before
 * libc has finished starting.
 *
 * Theory
 * ------
 * The first malloc of a process that preloads the front comes from ld.so
 * or libc's own start, before any constructor runs.  front_start() starts
 * ukmem there (slab_ensure_init: UKMEM_OPTIONS, the page allocator, the
 * kmalloc caches), makes the caches of malloc's size classes and fills
 * front_caches (sizeclass.c), and registers the fork handlers.  Publishing
 * front_caches (release stores, after everything else) is what makes the
 * fast paths see ukmem as up.
 *
 * Recursion.  Nothing on the start path allocates: the platform reads
 * files with open/read and the environment through environ, the first
 * pthread keys and atfork handlers of a process live in static storage.
 * But should a libc call on that path ever call malloc (a pthread_atfork
 * whose handler table outgrew its static part, say), it would come back
 * here on the same thread while front_lock is held.  front_starting, per
 * thread, catches that: the recursive call is served from the boot area,
 * a static bump area whose blocks are never freed (free() recognises and
 * ignores them).  Other threads wait for front_lock.
 *
 * Fork.  ukmem_fork_prepare takes every lock of src/lib/lockrank.h in
 * rank order, the front's three included, so the front registers ukmem's
 * own handlers.  They are registered at the first malloc, so the prepare
 * handler runs after every handler registered later (which may still
 * allocate) and the child handler before them.
 *
 * Locks: front_lock, decay_lock and huge_lock rank first in
 * src/lib/lockrank.h: front_lock is held across ukmem's start, huge_lock
 * across vmalloc calls.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "malloc/front.h"

static __thread int front_starting __attribute__((tls_model("initial-exec")));

bool front_start(bool *recursive)
{
	*recursive = front_starting != 0;
	if (*recursive)
		return false;
	if (front_classes_up())
		return true;
	front_starting = 1;
	ukmem_lock(&front_lock);
	if (!front_classes_up() && slab_ensure_init()) {
		pthread_atfork(ukmem_fork_prepare, ukmem_fork_parent, ukmem_fork_child);
		front_classes_init();
	}
	ukmem_unlock(&front_lock);
	front_starting = 0;
	return front_classes_up();
}

/* ---- the boot area -------------------------------------------------------- */

#define BOOT_AREA_SIZE (64 * 1024)
#define BOOT_HEADER 16	/* the block's usable size, just below it */

static unsigned char boot_area[BOOT_AREA_SIZE] __attribute__((aligned(4096)));
static size_t boot_used;

void *boot_alloc(size_t size, size_t align)
{
	size_t used = __atomic_load_n(&boot_used, __ATOMIC_RELAXED), start, end;

	if (align < BOOT_HEADER)
		align = BOOT_HEADER;
	size = (size + BOOT_HEADER - 1) & ~(size_t)(BOOT_HEADER - 1);
	do {
		start = (used + BOOT_HEADER + align - 1) & ~(align - 1);
		end = start + size;
		if (size > BOOT_AREA_SIZE || align > BOOT_AREA_SIZE || end > BOOT_AREA_SIZE)
			return NULL;
	} while (!__atomic_compare_exchange_n(&boot_used, &used, end, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	*(size_t *)(void *)(boot_area + start - BOOT_HEADER) = size;
	return boot_area + start;
}

bool boot_owns(const void *p)
{
	return (uintptr_t)p - (uintptr_t)boot_area < BOOT_AREA_SIZE;
}

/* p is a block start unless the program passed a bad pointer: the bound
 * keeps a garbage header from sending realloc past the area. */
size_t boot_usable(const void *p)
{
	size_t off = (size_t)((const unsigned char *)p - boot_area);
	size_t size;

	if (off < BOOT_HEADER)
		return 0;
	size = *(const size_t *)(const void *)(boot_area + ((off - BOOT_HEADER) & ~(size_t)7));
	return size < BOOT_AREA_SIZE - off ? size : BOOT_AREA_SIZE - off;
}
