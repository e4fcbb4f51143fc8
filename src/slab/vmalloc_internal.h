/*
 * vmalloc_internal.h - what vmalloc.c tells the rest of ukmem: its counters
 * for /proc/meminfo and its validate walk.  Callers outside src/slab see
 * include/ukmem/vmalloc.h.
 */
#ifndef UKMEM_SLAB_VMALLOC_INTERNAL_H
#define UKMEM_SLAB_VMALLOC_INTERNAL_H

#include <stddef.h>

/* Pages handed out by vmalloc and not yet freed, guard pages excluded (the
 * kernel's vmalloc_nr_pages(), /proc/meminfo VmallocUsed).  On the bare
 * platform these pages come from the page allocator, as in a NOMMU kernel;
 * hosted they do not. */
unsigned long ukmem_vmalloc_used_pages(void);

/* Bytes of the vmalloc range (VmallocTotal): reserves it if nothing has
 * yet; 0 on the bare platform, which has none. */
size_t ukmem_vmalloc_total_bytes(void);

/* Walk every area and free range of the vmalloc range and check the
 * invariants of vmalloc.c; returns the number of violations (each one
 * logged).  Takes the vmalloc lock. */
int ukmem_vmalloc_validate(void);

#endif /* UKMEM_SLAB_VMALLOC_INTERNAL_H */
