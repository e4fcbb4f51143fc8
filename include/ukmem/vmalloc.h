/*
 * ukmem/vmalloc.h - virtually contiguous memory (vmalloc, vfree) and the
 * kmalloc-or-vmalloc helpers (kvmalloc, kvfree), with the names and
 * signatures of Linux 6.6 <linux/vmalloc.h> and the kv* part of
 * <linux/slab.h>.
 *
 * The Linux names are inline functions over ukmem_-prefixed symbols, so
 * linking ukmem never clashes with another library's vmalloc.
 *
 * Hosted, vmalloc memory comes from a range of address space of its own,
 * not from the page allocator's arena: an area may be larger than all of
 * "physical" memory (mem=), virt_addr_valid() is false for it, and there
 * is no struct page behind it (no vmalloc_to_page).  On the bare platform,
 * which has no address space to spare, vmalloc returns contiguous pages
 * from the page allocator, as a NOMMU kernel does, and is_vmalloc_addr()
 * is false.
 */
#ifndef UKMEM_VMALLOC_H
#define UKMEM_VMALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <ukmem/gfp.h>
#include <ukmem/mm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the exported functions ------------------------------------------- */

/* The kernel's __vmalloc_node(size, 1, gfp, node, caller). */
UKMEM_API void *ukmem_vmalloc(unsigned long size, gfp_t gfp, int node);
UKMEM_API void ukmem_vfree(const void *addr);
UKMEM_API bool ukmem_is_vmalloc_addr(const void *addr);
/* The kernel's kvmalloc_node(size, gfp, node). */
UKMEM_API void *ukmem_kvmalloc(size_t size, gfp_t gfp, int node);
UKMEM_API void *ukmem_kvrealloc(const void *p, size_t oldsize, size_t newsize, gfp_t gfp);
UKMEM_API void ukmem_kvfree(const void *addr);
UKMEM_API void ukmem_kvfree_sensitive(const void *addr, size_t len);

/* ---- vmalloc ------------------------------------------------------------ */

/*
 * vmalloc: size bytes (rounded up to whole pages), page aligned, virtually
 * contiguous, followed by an unused guard page.  The memory may sleep to
 * get (GFP_KERNEL).  vmalloc(0) warns once and returns NULL, as 6.6 does.
 * The largest area is the vmalloc range (64 GiB hosted) less its guard.
 */
static inline void *vmalloc(unsigned long size)
{
	return ukmem_vmalloc(size, GFP_KERNEL, NUMA_NO_NODE);
}

/* vzalloc: vmalloc, and the memory reads as zero. */
static inline void *vzalloc(unsigned long size)
{
	return ukmem_vmalloc(size, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE);
}

/* vmalloc_node, vzalloc_node: prefer node (hosted: the OS places the
 * pages; the node matters on the bare platform only). */
static inline void *vmalloc_node(unsigned long size, int node)
{
	return ukmem_vmalloc(size, GFP_KERNEL, node);
}

static inline void *vzalloc_node(unsigned long size, int node)
{
	return ukmem_vmalloc(size, GFP_KERNEL | __GFP_ZERO, node);
}

/*
 * __vmalloc: vmalloc with the caller's flags.  __GFP_ZERO zeroes,
 * __GFP_NOWARN silences the failure warning, __GFP_NOFAIL retries while
 * the request could ever fit.  Zone modifiers only matter on the bare
 * platform.
 */
static inline void *__vmalloc(unsigned long size, gfp_t gfp)
{
	return ukmem_vmalloc(size, gfp, NUMA_NO_NODE);
}

/* vmalloc_huge: 6.6 may map it with huge pages; here, a plain __vmalloc. */
static inline void *vmalloc_huge(unsigned long size, gfp_t gfp)
{
	return ukmem_vmalloc(size, gfp, NUMA_NO_NODE);
}

/* vmalloc_array, vcalloc: n elements of size bytes; NULL if n * size
 * overflows. */
static inline void *vmalloc_array(size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return ukmem_vmalloc(bytes, GFP_KERNEL, NUMA_NO_NODE);
}

static inline void *vcalloc(size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return ukmem_vmalloc(bytes, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE);
}

/*
 * vfree: give an area back.  NULL does nothing.  An address that is not
 * the start of a live area (the middle of one, a second vfree, a pointer
 * vmalloc never returned) is reported as the kernel does ("Trying to
 * vfree() nonexistent vm area") and ignored.  From a signal handler that
 * interrupted ukmem, the free is deferred to the next vmalloc or vfree.
 */
static inline void vfree(const void *addr) { ukmem_vfree(addr); }
/* vfree_atomic: vfree from a context that cannot sleep (the same here). */
static inline void vfree_atomic(const void *addr) { ukmem_vfree(addr); }

/* is_vmalloc_addr: addr lies in the vmalloc range (always false on the
 * bare platform, which has none). */
static inline bool is_vmalloc_addr(const void *addr) { return ukmem_is_vmalloc_addr(addr); }

/* ---- kvmalloc ----------------------------------------------------------- */

/*
 * kvmalloc_node: kmalloc, and for size > PAGE_SIZE vmalloc if kmalloc
 * fails, as Linux 6.6 does: the kmalloc attempt of a large size gets
 * __GFP_NOWARN, __GFP_NORETRY unless __GFP_RETRY_MAYFAIL, and loses
 * __GFP_NOFAIL (the vmalloc fallback provides it); the fallback needs a
 * caller that may sleep (__GFP_DIRECT_RECLAIM: GFP_KERNEL, GFP_NOFS,
 * GFP_NOIO), else NULL; sizes above INT_MAX fail with a warning unless
 * __GFP_NOWARN.  Free with kvfree.
 */
static inline void *kvmalloc_node(size_t size, gfp_t flags, int node)
{
	return ukmem_kvmalloc(size, flags, node);
}

static inline void *kvmalloc(size_t size, gfp_t flags)
{
	return ukmem_kvmalloc(size, flags, NUMA_NO_NODE);
}

static inline void *kvzalloc_node(size_t size, gfp_t flags, int node)
{
	return ukmem_kvmalloc(size, flags | __GFP_ZERO, node);
}

static inline void *kvzalloc(size_t size, gfp_t flags)
{
	return ukmem_kvmalloc(size, flags | __GFP_ZERO, NUMA_NO_NODE);
}

/* kvmalloc_array, kvcalloc: NULL if n * size overflows. */
static inline void *kvmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return ukmem_kvmalloc(bytes, flags, NUMA_NO_NODE);
}

static inline void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	return kvmalloc_array(n, size, flags | __GFP_ZERO);
}

/*
 * kvrealloc (the 6.6 signature; 6.12 dropped oldsize): p itself if oldsize
 * >= newsize, else a new kvmalloc(newsize) holding the first oldsize bytes
 * of p, which is freed.  On failure NULL, and p is left alone.
 */
static inline void *kvrealloc(const void *p, size_t oldsize, size_t newsize, gfp_t flags)
{
	return ukmem_kvrealloc(p, oldsize, newsize, flags);
}

/* kvfree: free memory from kmalloc, vmalloc or kvmalloc. */
static inline void kvfree(const void *addr) { ukmem_kvfree(addr); }

/* kvfree_sensitive: zero the first len bytes, then kvfree. */
static inline void kvfree_sensitive(const void *addr, size_t len)
{
	ukmem_kvfree_sensitive(addr, len);
}

#ifdef __cplusplus
}
#endif

#endif /* UKMEM_VMALLOC_H */
