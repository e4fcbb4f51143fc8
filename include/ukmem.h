/*
 * ukmem.h - everything: the Linux kernel's memory allocator for user space.
 */
#ifndef UKMEM_H
#define UKMEM_H

#include <ukmem/ukmem.h>
#include <ukmem/types.h>
#include <ukmem/mm.h>
#include <ukmem/gfp.h>
#include <ukmem/slab.h>
#include <ukmem/vmalloc.h>
#include <ukmem/sched_mm.h>
#include <ukmem/shrinker.h>
#include <ukmem/oom.h>
#include <ukmem/preempt.h>
#include <ukmem/mempool.h>
#include <ukmem/fault-inject.h>
#include <ukmem/kmemleak.h>

#endif /* UKMEM_H */
