/*
 * kmemleak_internal.h - what kmemleak.c (the tracking: objects, the tree,
 * the metadata pool, the API) and kmemleak_scan.c (the scan, the reports,
 * the control file) share.  Private to src/debug.
 */
#ifndef UKMEM_DEBUG_KMEMLEAK_INTERNAL_H
#define UKMEM_DEBUG_KMEMLEAK_INTERNAL_H

#include "debug/debug.h"
#include "lib/lockrank.h"

/* errno values (Linux numbering) that lib/errno.h does not list. */
#define KMEMLEAK_EPERM	1
#define KMEMLEAK_ENOSYS	38

/* object->flags, the kernel's values. */
#define OBJECT_ALLOCATED	(1u << 0)	/* tracked, not yet freed */
#define OBJECT_REPORTED		(1u << 1)	/* reported by a scan: not again */
#define OBJECT_NO_SCAN		(1u << 2)	/* holds no pointers */
#define OBJECT_FULL_SCAN	(1u << 3)	/* scan it whole despite its areas */
#define OBJECT_EXIT_REPORT	(1u << 8)	/* ours: to print in the exit report */

/* min_count values with a meaning (the kernel's colours). */
#define KMEMLEAK_GREY	0	/* never reported, scanned */
#define KMEMLEAK_BLACK	-1	/* never reported, never scanned */

struct kmemleak_area {
	struct kmemleak_area *next;
	uintptr_t start;
	size_t size;
};

/*
 * One tracked block.  Invariants, under kmemleak_lock: the blocks in the
 * tree do not overlap ([pointer, pointer + max(size, 1)) each); an
 * object is on the gray list at most once per scan (it is pushed when
 * count reaches min_count, or at the start when min_count is 0).
 */
struct kmemleak_object {
	struct kmemleak_object *left, *right;	/* the treap, by pointer */
	struct kmemleak_object *gray_next;	/* the scan's gray list */
	struct kmemleak_area *areas;		/* kmemleak_scan_area, or NULL */
	uintptr_t pointer;
	size_t size;
	int min_count;		/* references needed not to be reported */
	int count;		/* references found by the current scan */
	unsigned int flags;
	unsigned int checksum;	/* crc32 of the contents at the last scan */
	unsigned long jiffies;	/* when allocated */
	depot_stack_handle_t trace;
	int pid;
	char comm[16];		/* TASK_COMM_LEN */
};

/* The tracked objects (kmemleak.c); all under kmemleak_lock. */
extern struct kmemleak_object *kmemleak_root UKMEM_HIDDEN;
/* One below the lowest object and the end of the highest: the scan's
 * first filter.  Kept one off the lowest start, because these words are
 * themselves scanned (this file's bss is a root) and must not count as a
 * reference to that object. */
extern uintptr_t kmemleak_min_addr_1 UKMEM_HIDDEN, kmemleak_max_end UKMEM_HIDDEN;
extern unsigned long kmemleak_min_age_jiffies UKMEM_HIDDEN;

static inline uintptr_t kmemleak_object_end(const struct kmemleak_object *o)
{
	return o->pointer + (o->size ? o->size : 1);
}

/* The object holding addr (interior pointers too), or NULL. */
struct kmemleak_object *kmemleak_lookup_locked(uintptr_t addr);
/* The object with the lowest start above addr, or NULL. */
struct kmemleak_object *kmemleak_next_locked(uintptr_t addr);

/* The kernel's jiffies at HZ 250, from INITIAL_JIFFIES. */
unsigned long kmemleak_jiffies(void);

/* Switch tracking off for good, with the kernel's message; true once
 * that happened ("off" or an internal error). */
void kmemleak_disable(void);
bool kmemleak_disabled_for_good(void);

/* Forget every record ("clear" once kmemleak is off). */
void kmemleak_free_all(void);

/* The scan at the process's exit: every unreferenced object, whatever its
 * age, printed to the log (kmemleak_scan.c). */
void kmemleak_scan_at_exit(void);

#endif /* UKMEM_DEBUG_KMEMLEAK_INTERNAL_H */
