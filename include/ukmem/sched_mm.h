/*
 * ukmem/sched_mm.h - the allocation scopes of the kernel's
 * <linux/sched/mm.h>: a thread marks a section in which every allocation
 * behaves as if it passed GFP_NOFS (memalloc_nofs_save), GFP_NOIO
 * (memalloc_noio_save), or may use all the reserves and never reclaims
 * (memalloc_noreclaim_save, the kernel's PF_MEMALLOC).  The marks are per
 * thread and nest: each save returns the previous state of its flag, which
 * the matching restore puts back.  current_gfp_context() is the mask an
 * allocation really runs with; shrinkers see it in shrink_control.gfp_mask.
 */
#ifndef UKMEM_SCHED_MM_H
#define UKMEM_SCHED_MM_H

#include <ukmem/gfp.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The task flags of Linux 6.6 (include/linux/sched.h) that ukmem keeps
 * per thread. */
#define PF_MEMALLOC		0x00000800u	/* reclaiming: all reserves, no reclaim */
#define PF_MEMALLOC_NOFS	0x00040000u	/* every allocation is GFP_NOFS */
#define PF_MEMALLOC_NOIO	0x00080000u	/* every allocation is GFP_NOIO */

/* This thread's flags (current->flags). */
UKMEM_API unsigned int ukmem_current_flags(void);
/* Enter a scope of flag (one of the three): sets it, returns its previous
 * bit.  End it: puts back the bit save returned.  A restore that would
 * set the flag again after the outermost scope of it ended (scopes ended
 * out of order) is reported, and leaves the flag clear. */
UKMEM_API unsigned int ukmem_memalloc_save(unsigned int flag);
UKMEM_API void ukmem_memalloc_restore(unsigned int flag, unsigned int saved);

static inline unsigned int memalloc_nofs_save(void)
{
	return ukmem_memalloc_save(PF_MEMALLOC_NOFS);
}

static inline void memalloc_nofs_restore(unsigned int flags)
{
	ukmem_memalloc_restore(PF_MEMALLOC_NOFS, flags);
}

static inline unsigned int memalloc_noio_save(void)
{
	return ukmem_memalloc_save(PF_MEMALLOC_NOIO);
}

static inline void memalloc_noio_restore(unsigned int flags)
{
	ukmem_memalloc_restore(PF_MEMALLOC_NOIO, flags);
}

static inline unsigned int memalloc_noreclaim_save(void)
{
	return ukmem_memalloc_save(PF_MEMALLOC);
}

static inline void memalloc_noreclaim_restore(unsigned int flags)
{
	ukmem_memalloc_restore(PF_MEMALLOC, flags);
}

/* gfp as this thread's scopes make it: NOIO clears __GFP_IO and
 * __GFP_FS, NOFS clears __GFP_FS (the kernel's current_gfp_context). */
static inline gfp_t ukmem_gfp_context(gfp_t gfp, unsigned int pflags)
{
	if (pflags & PF_MEMALLOC_NOIO)
		gfp &= ~(__GFP_IO | __GFP_FS);
	else if (pflags & PF_MEMALLOC_NOFS)
		gfp &= ~__GFP_FS;
	return gfp;
}

static inline gfp_t current_gfp_context(gfp_t gfp)
{
	return ukmem_gfp_context(gfp, ukmem_current_flags());
}

#ifdef __cplusplus
}
#endif

#endif /* UKMEM_SCHED_MM_H */
