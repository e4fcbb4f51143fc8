/*
 * kernel_names.c - the part of a test program that plays kernel code
 * linked beside ukmem: it defines, as kernel code would, globals and
 * functions named like ukmem's internals (bad_page, dump_page, warn_alloc,
 * zone_lock, slab_caches, slab_mutex, drain_pages) and the kmalloc/kfree
 * of its own.  It includes no ukmem header.  clash_main.c checks that the
 * link succeeds and that each side keeps its own.
 */
#include <stddef.h>
#include <stdlib.h>

struct list_head_like {
	struct list_head_like *next, *prev;
};

int kernel_calls;		/* calls of the functions below */

struct list_head_like slab_caches = { &slab_caches, &slab_caches };
int slab_mutex = 7;
long zone_lock = 42;

void bad_page(void *page, const char *reason);
void dump_page(void *page, const char *reason);
void warn_alloc(unsigned int gfp, void *nodemask, const char *fmt, ...);
void drain_pages(unsigned int cpu);
void *kmalloc(size_t size, unsigned int flags);
void kfree(const void *p);

void bad_page(void *page, const char *reason)
{
	(void)page;
	(void)reason;
	kernel_calls++;
}

void dump_page(void *page, const char *reason)
{
	(void)page;
	(void)reason;
	kernel_calls++;
}

void warn_alloc(unsigned int gfp, void *nodemask, const char *fmt, ...)
{
	(void)gfp;
	(void)nodemask;
	(void)fmt;
	kernel_calls++;
}

void drain_pages(unsigned int cpu)
{
	(void)cpu;
	kernel_calls++;
}

void *kmalloc(size_t size, unsigned int flags)
{
	(void)flags;
	kernel_calls++;
	return malloc(size);
}

void kfree(const void *p)
{
	kernel_calls++;
	free((void *)p);
}

/* The program's own kmalloc and kfree, called from a file that sees
 * ukmem's inline ones under the same names. */
void *kernel_side_kmalloc(size_t size);
void kernel_side_kfree(const void *p);

void *kernel_side_kmalloc(size_t size)
{
	return kmalloc(size, 0);
}

void kernel_side_kfree(const void *p)
{
	kfree(p);
}
