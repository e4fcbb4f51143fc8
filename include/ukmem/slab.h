/*
 * ukmem/slab.h - the slab allocator (SLUB) and the kmalloc family, with the
 * names and signatures of Linux 6.6 <linux/slab.h> (plus the sheaf API of
 * 6.18).
 *
 * The Linux names are inline functions over ukmem_-prefixed symbols, so
 * linking ukmem never clashes with another library's kmalloc.
 */
#ifndef UKMEM_SLAB_H
#define UKMEM_SLAB_H

#include <stddef.h>
#include <stdint.h>
#include <ukmem/gfp.h>
#include <ukmem/mm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned int slab_flags_t;

/* Cache flags (Linux 6.6 values). */
#define SLAB_CONSISTENCY_CHECKS	((slab_flags_t)0x00000100U)	/* slub_debug F */
#define SLAB_RED_ZONE		((slab_flags_t)0x00000400U)	/* slub_debug Z */
#define SLAB_POISON		((slab_flags_t)0x00000800U)	/* slub_debug P */
#define SLAB_KMALLOC		((slab_flags_t)0x00001000U)	/* a kmalloc cache */
#define SLAB_HWCACHE_ALIGN	((slab_flags_t)0x00002000U)	/* align objects to cache lines */
#define SLAB_CACHE_DMA		((slab_flags_t)0x00004000U)	/* slabs from ZONE_DMA */
#define SLAB_CACHE_DMA32	((slab_flags_t)0x00008000U)	/* slabs from ZONE_DMA32 */
#define SLAB_STORE_USER		((slab_flags_t)0x00010000U)	/* slub_debug U */
#define SLAB_RECLAIM_ACCOUNT	((slab_flags_t)0x00020000U)	/* reclaimable slabs */
#define SLAB_TEMPORARY		SLAB_RECLAIM_ACCOUNT
#define SLAB_PANIC		((slab_flags_t)0x00040000U)	/* creation never fails */
#define SLAB_TYPESAFE_BY_RCU	((slab_flags_t)0x00080000U)	/* slab stays of this type */
#define SLAB_MEM_SPREAD		((slab_flags_t)0x00100000U)
#define SLAB_TRACE		((slab_flags_t)0x00200000U)	/* slub_debug T */
#define SLAB_DEBUG_OBJECTS	((slab_flags_t)0x00400000U)
#define SLAB_NOLEAKTRACE	((slab_flags_t)0x00800000U)
#define SLAB_NO_MERGE		((slab_flags_t)0x01000000U)	/* never alias this cache */
#define SLAB_FAILSLAB		((slab_flags_t)0x02000000U)	/* slub_debug A */
#define SLAB_ACCOUNT		((slab_flags_t)0x04000000U)	/* memcg accounting */
#define SLAB_KASAN		((slab_flags_t)0x08000000U)
#define SLAB_NO_USER_FLAGS	((slab_flags_t)0x10000000U)
#define SLAB_SKIP_KFENCE	((slab_flags_t)0x20000000U)

/* kmalloc(0) returns ZERO_SIZE_PTR: a unique, non-NULL, unusable pointer. */
#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

/* Size classes (SLUB with 4 KiB pages). */
#define ARCH_KMALLOC_MINALIGN	8
#define KMALLOC_MIN_SIZE	8
#define KMALLOC_SHIFT_LOW	3
#define KMALLOC_SHIFT_HIGH	(PAGE_SHIFT + 1)
#define KMALLOC_SHIFT_MAX	(MAX_PAGE_ORDER + PAGE_SHIFT)
#define KMALLOC_MAX_SIZE	(1UL << KMALLOC_SHIFT_MAX)	/* 4 MiB */
#define KMALLOC_MAX_CACHE_SIZE	(1UL << KMALLOC_SHIFT_HIGH)	/* 8 KiB */
#define KMALLOC_MAX_ORDER	(KMALLOC_SHIFT_MAX - PAGE_SHIFT)

enum kmalloc_cache_type {
	KMALLOC_NORMAL = 0,
	KMALLOC_RECLAIM,
	KMALLOC_DMA,
	KMALLOC_CGROUP,
	NR_KMALLOC_TYPES
};

struct kmem_cache;
struct slab_sheaf;

/* ---- the exported functions ------------------------------------------- */

UKMEM_API struct kmem_cache *ukmem_kmem_cache_create(const char *name, unsigned int size,
						     unsigned int align, slab_flags_t flags,
						     unsigned int useroffset,
						     unsigned int usersize,
						     void (*ctor)(void *));
UKMEM_API void ukmem_kmem_cache_destroy(struct kmem_cache *s);
UKMEM_API int ukmem_kmem_cache_shrink(struct kmem_cache *s);
UKMEM_API void *ukmem_kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp, int node);
UKMEM_API void ukmem_kmem_cache_free(struct kmem_cache *s, void *obj);
UKMEM_API int ukmem_kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t size, void **p);
UKMEM_API void ukmem_kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p);
UKMEM_API unsigned int ukmem_kmem_cache_size(struct kmem_cache *s);

UKMEM_API struct slab_sheaf *ukmem_kmem_cache_prefill_sheaf(struct kmem_cache *s, gfp_t gfp,
							    unsigned int size);
UKMEM_API int ukmem_kmem_cache_refill_sheaf(struct kmem_cache *s, gfp_t gfp,
					    struct slab_sheaf **sheafp, unsigned int size);
UKMEM_API void ukmem_kmem_cache_return_sheaf(struct kmem_cache *s, gfp_t gfp,
					     struct slab_sheaf *sheaf);
UKMEM_API void *ukmem_kmem_cache_alloc_from_sheaf(struct kmem_cache *s, gfp_t gfp,
						  struct slab_sheaf *sheaf);
UKMEM_API unsigned int ukmem_kmem_cache_sheaf_size(struct slab_sheaf *sheaf);

UKMEM_API void *ukmem_kmalloc(size_t size, gfp_t gfp, int node);
UKMEM_API void *ukmem_kmalloc_large(size_t size, gfp_t gfp, int node);
UKMEM_API void ukmem_kfree(const void *p);
UKMEM_API size_t ukmem_ksize(const void *p);
UKMEM_API void *ukmem_krealloc(const void *p, size_t new_size, gfp_t gfp);
UKMEM_API void ukmem_kfree_sensitive(const void *p);
UKMEM_API size_t ukmem_kmalloc_size_roundup(size_t size);

/* The kmalloc caches, [type][index], for the compile-time path. */
UKMEM_API extern struct kmem_cache *ukmem_kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1];

/* ---- kmem_cache --------------------------------------------------------- */

/* Create a cache of objects of size bytes, aligned to align (0: the
 * default), with an optional constructor run once per object when its slab
 * is made.  Returns an existing compatible cache (merging) unless flags or
 * a ctor forbid it.  NULL on failure, unless SLAB_PANIC. */
static inline struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
						   unsigned int align, slab_flags_t flags,
						   void (*ctor)(void *))
{
	return ukmem_kmem_cache_create(name, size, align, flags, 0, 0, ctor);
}

static inline struct kmem_cache *kmem_cache_create_usercopy(const char *name, unsigned int size,
							    unsigned int align, slab_flags_t flags,
							    unsigned int useroffset,
							    unsigned int usersize,
							    void (*ctor)(void *))
{
	return ukmem_kmem_cache_create(name, size, align, flags, useroffset, usersize, ctor);
}

#define KMEM_CACHE(__struct, __flags) \
	kmem_cache_create(#__struct, sizeof(struct __struct), __alignof__(struct __struct), \
			  (__flags), NULL)

#define KMEM_CACHE_USERCOPY(__struct, __flags, __field) \
	kmem_cache_create_usercopy(#__struct, sizeof(struct __struct), \
				   __alignof__(struct __struct), (__flags), \
				   offsetof(struct __struct, __field), \
				   sizeof(((struct __struct *)0)->__field), NULL)

/* Destroy a cache; objects still allocated are reported and the cache is
 * left in place, as the kernel does. */
static inline void kmem_cache_destroy(struct kmem_cache *s) { ukmem_kmem_cache_destroy(s); }
/* Give every empty slab back; 0 if nothing is left in the cache. */
static inline int kmem_cache_shrink(struct kmem_cache *s) { return ukmem_kmem_cache_shrink(s); }

static inline void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	return ukmem_kmem_cache_alloc(s, gfp, NUMA_NO_NODE);
}

static inline void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp)
{
	return ukmem_kmem_cache_alloc(s, gfp | __GFP_ZERO, NUMA_NO_NODE);
}

static inline void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t gfp, int node)
{
	return ukmem_kmem_cache_alloc(s, gfp, node);
}

#define kmem_cache_alloc_lru(s, lru, gfp) kmem_cache_alloc((s), (gfp))

static inline void kmem_cache_free(struct kmem_cache *s, void *obj)
{
	ukmem_kmem_cache_free(s, obj);
}

/* All or nothing: returns size, or 0 with nothing allocated. */
static inline int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t size, void **p)
{
	return ukmem_kmem_cache_alloc_bulk(s, gfp, size, p);
}

/* s may be NULL: then every object is a kmalloc object. */
static inline void kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p)
{
	ukmem_kmem_cache_free_bulk(s, size, p);
}

static inline void kfree_bulk(size_t size, void **p)
{
	ukmem_kmem_cache_free_bulk(NULL, size, p);
}

static inline unsigned int kmem_cache_size(struct kmem_cache *s)
{
	return ukmem_kmem_cache_size(s);
}

/* Sheaves (Linux 6.18): a caller-owned array of objects, filled in advance
 * for a section that must not fail. */
static inline struct slab_sheaf *kmem_cache_prefill_sheaf(struct kmem_cache *s, gfp_t gfp,
							  unsigned int size)
{
	return ukmem_kmem_cache_prefill_sheaf(s, gfp, size);
}

static inline int kmem_cache_refill_sheaf(struct kmem_cache *s, gfp_t gfp,
					  struct slab_sheaf **sheafp, unsigned int size)
{
	return ukmem_kmem_cache_refill_sheaf(s, gfp, sheafp, size);
}

static inline void kmem_cache_return_sheaf(struct kmem_cache *s, gfp_t gfp,
					   struct slab_sheaf *sheaf)
{
	ukmem_kmem_cache_return_sheaf(s, gfp, sheaf);
}

static inline void *kmem_cache_alloc_from_sheaf(struct kmem_cache *s, gfp_t gfp,
						struct slab_sheaf *sheaf)
{
	return ukmem_kmem_cache_alloc_from_sheaf(s, gfp, sheaf);
}

static inline unsigned int kmem_cache_sheaf_size(struct slab_sheaf *sheaf)
{
	return ukmem_kmem_cache_sheaf_size(sheaf);
}

/* ---- kmalloc ------------------------------------------------------------ */

/* The kmalloc index of a size (0 for 0; 1 and 2 are the 96 and 192 byte
 * caches), as the kernel's __kmalloc_index(). */
static inline __attribute__((always_inline)) unsigned int kmalloc_index(size_t size)
{
	if (!size)
		return 0;
	if (size <= KMALLOC_MIN_SIZE)
		return KMALLOC_SHIFT_LOW;
	if (KMALLOC_MIN_SIZE <= 32 && size > 64 && size <= 96)
		return 1;
	if (KMALLOC_MIN_SIZE <= 64 && size > 128 && size <= 192)
		return 2;
	if (size <= 8) return 3;
	if (size <= 16) return 4;
	if (size <= 32) return 5;
	if (size <= 64) return 6;
	if (size <= 128) return 7;
	if (size <= 256) return 8;
	if (size <= 512) return 9;
	if (size <= 1024) return 10;
	if (size <= 2 * 1024) return 11;
	if (size <= 4 * 1024) return 12;
	if (size <= 8 * 1024) return 13;
	return (unsigned int)-1;
}

static inline __attribute__((always_inline)) enum kmalloc_cache_type kmalloc_type(gfp_t flags)
{
	if (!(flags & (__GFP_DMA | __GFP_RECLAIMABLE | __GFP_ACCOUNT)))
		return KMALLOC_NORMAL;
	if (flags & __GFP_DMA)
		return KMALLOC_DMA;
	if (flags & __GFP_RECLAIMABLE)
		return KMALLOC_RECLAIM;
	return KMALLOC_CGROUP;
}

/*
 * kmalloc: size bytes, aligned to ARCH_KMALLOC_MINALIGN and, for a power of
 * two size, to the size.  kmalloc(0) is ZERO_SIZE_PTR.  Above
 * KMALLOC_MAX_CACHE_SIZE the pages come straight from the page allocator;
 * above KMALLOC_MAX_SIZE it fails with a warning unless __GFP_NOWARN.  When
 * size is a compile-time constant the cache is chosen at compile time, as
 * the kernel's inline kmalloc does.
 */
static inline __attribute__((always_inline)) void *kmalloc(size_t size, gfp_t flags)
{
	if (__builtin_constant_p(size) && size && size <= KMALLOC_MAX_CACHE_SIZE) {
		struct kmem_cache *s = ukmem_kmalloc_caches[kmalloc_type(flags)][kmalloc_index(size)];

		if (s)
			return ukmem_kmem_cache_alloc(s, flags, NUMA_NO_NODE);
	}
	return ukmem_kmalloc(size, flags, NUMA_NO_NODE);
}

static inline __attribute__((always_inline)) void *kmalloc_node(size_t size, gfp_t flags, int node)
{
	return ukmem_kmalloc(size, flags, node);
}

static inline __attribute__((always_inline)) void *kzalloc(size_t size, gfp_t flags)
{
	return kmalloc(size, flags | __GFP_ZERO);
}

static inline void *kzalloc_node(size_t size, gfp_t flags, int node)
{
	return ukmem_kmalloc(size, flags | __GFP_ZERO, node);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return ukmem_kmalloc(bytes, flags, NUMA_NO_NODE);
}

static inline void *kmalloc_array_node(size_t n, size_t size, gfp_t flags, int node)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return ukmem_kmalloc(bytes, flags, node);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}

static inline void *kcalloc_node(size_t n, size_t size, gfp_t flags, int node)
{
	return kmalloc_array_node(n, size, flags | __GFP_ZERO, node);
}

/* krealloc: p NULL -> kmalloc; new_size 0 -> kfree(p) and ZERO_SIZE_PTR;
 * in place when ksize(p) is enough. */
static inline void *krealloc(const void *p, size_t new_size, gfp_t flags)
{
	return ukmem_krealloc(p, new_size, flags);
}

static inline void *krealloc_array(void *p, size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return ukmem_krealloc(p, bytes, flags);
}

/* kfree(NULL) and kfree(ZERO_SIZE_PTR) do nothing. */
static inline void kfree(const void *p) { ukmem_kfree(p); }
/* Zero the object before freeing it (old name kzfree). */
static inline void kfree_sensitive(const void *p) { ukmem_kfree_sensitive(p); }
#define kzfree(p) kfree_sensitive(p)
/* The usable size of an object: the size of its bucket. */
static inline size_t ksize(const void *p) { return ukmem_ksize(p); }
static inline size_t kmalloc_size_roundup(size_t size) { return ukmem_kmalloc_size_roundup(size); }

#define kmalloc_track_caller(size, flags) kmalloc((size), (flags))
#define kmalloc_node_track_caller(size, flags, node) kmalloc_node((size), (flags), (node))

static inline void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = ukmem_kmalloc(len, gfp, NUMA_NO_NODE);

	if (p && len)
		__builtin_memcpy(p, src, len);
	return p;
}

static inline char *kstrndup(const char *s, size_t max, gfp_t gfp)
{
	size_t len = 0;
	char *buf;

	if (!s)
		return NULL;
	while (len < max && s[len])
		len++;
	buf = (char *)ukmem_kmalloc(len + 1, gfp, NUMA_NO_NODE);
	if (buf) {
		__builtin_memcpy(buf, s, len);
		buf[len] = '\0';
	}
	return buf;
}

static inline char *kstrdup(const char *s, gfp_t gfp)
{
	return kstrndup(s, (size_t)-1, gfp);
}

#ifdef __cplusplus
}
#endif

#endif /* UKMEM_SLAB_H */
