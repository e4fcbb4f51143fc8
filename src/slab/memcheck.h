/*
 * memcheck.h - valgrind's memcheck told about slab objects, while ukmem
 * runs under valgrind (DEBUG_HOOK_VALGRIND, set at the slab layer's start;
 * every allocation and free then takes the hooked slow paths, so the fast
 * paths need nothing here).
 *
 * What memcheck sees:
 *   - a handed-out object is a heap block (VALGRIND_MALLOCLIKE_BLOCK) of
 *     object_size bytes, undefined unless zeroed: a read of a byte never
 *     written is an uninitialised read;
 *   - a free object is no-access, all its slot (red zones and metadata
 *     included) but the free-pointer word, which the freelists, the sheaf
 *     mark and kfree's double-free test read: a use after free is an
 *     invalid read or write, and so is an overflow into a free neighbour
 *     or a red zone;
 *   - the free-pointer word of a live object reads as defined (kfree
 *     compares it), so an uninitialised read of those 8 bytes is missed.
 * slub_debug and the validate walks read free objects' bytes themselves:
 * they run with memcheck's reports off for this thread.
 */
#ifndef UKMEM_SLAB_MEMCHECK_H
#define UKMEM_SLAB_MEMCHECK_H

#include "slab/slab.h"

static inline bool vg_on(void)
{
	return __builtin_expect(debug_hooks() & DEBUG_HOOK_VALGRIND, 0);
}

/* obj is free: nothing of its slot is addressable but its word.  Not in
 * a SLAB_TYPESAFE_BY_RCU cache, whose freed objects readers may still
 * read. */
static inline void vg_object_free(const struct kmem_cache *s, void *obj)
{
	if (s->flags & SLAB_TYPESAFE_BY_RCU)
		return;
	ukmem_plat_vg_mark((char *)obj - s->red_left_pad, s->size, PLAT_VG_NOACCESS);
	ukmem_plat_vg_mark((char *)obj + s->offset, sizeof(void *), PLAT_VG_DEFINED);
}

/* obj leaves its slab: its bytes are addressable (their value unknown). */
static inline void vg_object_taken(const struct kmem_cache *s, void *obj)
{
	ukmem_plat_vg_mark(obj, s->object_size, PLAT_VG_UNDEFINED);
	ukmem_plat_vg_mark((char *)obj + s->offset, sizeof(void *), PLAT_VG_DEFINED);
}

/* obj is handed out: a heap block of object_size bytes for memcheck. */
static inline void vg_object_malloced(const struct kmem_cache *s, void *obj, bool zeroed)
{
	ukmem_plat_vg_block(obj, s->object_size, true, zeroed);
	if (s->offset + sizeof(void *) <= s->object_size)
		ukmem_plat_vg_mark((char *)obj + s->offset, sizeof(void *), PLAT_VG_DEFINED);
}

#endif /* UKMEM_SLAB_MEMCHECK_H */
