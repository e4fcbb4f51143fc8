/*
 * sizeclass.c - malloc's size classes: which slab cache serves a request
 * of n bytes, for 1 <= n <= FRONT_CLASS_MAX (64 KiB).
 *
 * Theory
 * ------
 * kmalloc's classes are the powers of two plus 96 and 192.  For malloc
 * that wastes up to half of every object (a 4104-byte buffer takes 8 KiB),
 * strides every object of a class by a power of two (so their first lines
 * crowd into a few cache sets: `alloc_bench --cachesets` finds 17% of the
 * live lines beyond the ways of their set, 1.7% with the classes below;
 * and buffers alias at 4 KiB), and sends everything above 8 KiB to the
 * page allocator.  The front therefore has
 * classes of its own, about four per power of two:
 *
 *   8 .. 128          16 apart (8 and 16 below), as glibc and jemalloc;
 *   128 .. 2 KiB      geometric: 5/4, 6/4, 7/4 and 8/4 of a power of two;
 *   2 KiB .. 16 KiB   the largest multiple of 128 that still gets n objects
 *                     into an order-3 slab (32 KiB), for n = 12 .. 2: SLUB
 *                     cuts a slab into equal objects, so a class between
 *                     two of these only wastes the rest of the slab (7168
 *                     bytes, 4 to a slab, costs what 8192 does);
 *   16 KiB .. 64 KiB  32 KiB and 64 KiB, one object per slab: slub_max_order
 *                     is 3, and SLUB's geometry gives any object above
 *                     16 KiB a slab of its own (an order-4 one above
 *                     32 KiB), so intermediate classes would cost the same
 *                     memory as the power of two.  They are classes anyway,
 *                     not page blocks, for the sheaves: a free and the next
 *                     malloc of the size meet there without the page
 *                     allocator's zone lock, split and merge.
 *
 * A class whose size kmalloc also has (the powers of two from 8 to 8 KiB)
 * uses the kmalloc cache: same geometry, fewer caches.  Every other class
 * has a cache of the front's own, "malloc-<size>", made at start with
 * SLAB_NO_MERGE so no other cache aliases it.
 *
 * Alignment.  A slab starts on a boundary of its own size, and its objects
 * lie end to end, so an object of class size c is aligned to the largest
 * power of two dividing c (for the powers of two, to c).  Every class of
 * 16 bytes or more is a multiple of 16: malloc's 16-byte guarantee holds
 * for every n >= 16.  The front's caches also ask for that alignment
 * (at most a page), so a debug layout (red zones, tracking) keeps it; the
 * kmalloc caches it uses are powers of two, which kmalloc aligns to their
 * size in every layout.  kmalloc-96 and kmalloc-192 are made with
 * alignment 8, which a debug layout would leave them, so malloc has its
 * own 96 and 192.  memalign() skips the classes not aligned enough.
 *
 * Lookup: two byte tables, by 8-byte steps up to 1 KiB and by 128-byte
 * steps above (every class boundary above 1 KiB is a multiple of 128), to
 * the class number; front_caches[] by class number to the cache.  One
 * compare, two loads: what the kmalloc lookup cost before.
 */
#include "malloc/front.h"

/*
 * The classes in order: X(size, kmalloc index), with kmalloc index 0 for
 * a cache of the front's own.  The lookup tables below (S and L) must list
 * the same sizes.
 */
#define FRONT_CLASSES(X) \
	X(8, 3) X(16, 4) X(32, 5) X(48, 0) X(64, 6) X(80, 0) X(96, 0) X(112, 0) X(128, 7) \
	X(160, 0) X(192, 0) X(224, 0) X(256, 8) X(320, 0) X(384, 0) X(448, 0) X(512, 9) \
	X(640, 0) X(768, 0) X(896, 0) X(1024, 10) \
	X(1280, 0) X(1536, 0) X(1792, 0) X(2048, 11) \
	X(2688, 0) X(3200, 0) X(3584, 0) X(4096, 12) \
	X(4608, 0) X(5376, 0) X(6528, 0) X(8192, 13) \
	X(10880, 0) X(16384, 0) X(32768, 0) X(65536, 0)

#define CLASS_ENUM(size, kidx) FRONT_C##size,
enum { FRONT_CLASSES(CLASS_ENUM) NR_CLASSES };
_Static_assert(NR_CLASSES == FRONT_NR_CLASSES, "FRONT_NR_CLASSES in front.h");

#define CLASS_SIZE(size, kidx) [FRONT_C##size] = size,
const unsigned int front_class_size[FRONT_NR_CLASSES] = { FRONT_CLASSES(CLASS_SIZE) };

#define CLASS_KIDX(size, kidx) [FRONT_C##size] = kidx,
static const unsigned char class_kidx[FRONT_NR_CLASSES] = { FRONT_CLASSES(CLASS_KIDX) };

#define CLASS_NAME(size, kidx) [FRONT_C##size] = "malloc-" #size,
static const char *const class_name[FRONT_NR_CLASSES] = { FRONT_CLASSES(CLASS_NAME) };

/*
 * Sizes (prev, size] to class size.  An overlap is a -Woverride-init
 * warning; a gap would send its sizes to class 8, which the test of every
 * size (tests/malloc/mt_api.c) catches.
 */
#define S(prev, size) [(prev) >> 3 ... ((size) - 1) >> 3] = FRONT_C##size
const unsigned char front_class_small[FRONT_SMALL_MAX >> 3] = {
	S(0, 8), S(8, 16), S(16, 32), S(32, 48), S(48, 64), S(64, 80), S(80, 96), S(96, 112),
	S(112, 128), S(128, 160), S(160, 192), S(192, 224), S(224, 256), S(256, 320),
	S(320, 384), S(384, 448), S(448, 512), S(512, 640), S(640, 768), S(768, 896),
	S(896, 1024),
};

#define L(prev, size) [(prev) >> 7 ... ((size) - 1) >> 7] = FRONT_C##size
const unsigned char front_class_large[FRONT_CLASS_MAX >> 7] = {
	L(1024, 1280), L(1280, 1536), L(1536, 1792), L(1792, 2048), L(2048, 2688),
	L(2688, 3200), L(3200, 3584), L(3584, 4096), L(4096, 4608), L(4608, 5376),
	L(5376, 6528), L(6528, 8192), L(8192, 10880), L(10880, 16384), L(16384, 32768),
	L(32768, 65536),
};

struct kmem_cache *front_caches[FRONT_NR_CLASSES];
unsigned int front_cache_ids[FRONT_NR_CLASSES];

/* The cache of class c: the kmalloc cache of its size, or a new one. */
static struct kmem_cache *class_cache(unsigned int c)
{
	unsigned int size = front_class_size[c];
	unsigned int align = size & -size;

	if (class_kidx[c])
		return ukmem_kmalloc_caches[KMALLOC_NORMAL][class_kidx[c]];
	return kmem_cache_create(class_name[c], size, align < PAGE_SIZE ? align : PAGE_SIZE,
				 SLAB_NO_MERGE, NULL);
}

void front_classes_init(void)
{
	struct kmem_cache *class0 = NULL;

	/* Class 0 last: front_classes_up() tests it, and the slow path then
	 * trusts every other entry (NULL there: that cache could not be
	 * made, and its sizes take the next class). */
	for (unsigned int c = 0; c < FRONT_NR_CLASSES; c++) {
		struct kmem_cache *s = front_caches[c] ? front_caches[c] : class_cache(c);

		/* The id first: a reader that sees the cache sees its id. */
		if (s)
			front_cache_ids[c] = slab_cache_id(s);
		if (c)
			__atomic_store_n(&front_caches[c], s, __ATOMIC_RELEASE);
		else
			class0 = s;
	}
	__atomic_store_n(&front_caches[0], class0, __ATOMIC_RELEASE);
}
