/*
 * slab_geometry.h - an independent reference for SLUB's cache geometry,
 * written from Linux 6.6 mm/slub.c (calculate_alignment, calculate_sizes,
 * calc_slab_order, calculate_order, oo_make) as summarised in
 * reference/linux-mm.md section 3.2, for the tests to compare ukmem's
 * caches against.  It shares no code with src/slab.
 *
 * Linux 6.6 is the version src/slab/slub.c says it follows, but for the
 * align of the kmalloc caches, which follows 6.11 and later
 * (ref_kmalloc_align).  (6.8 rewrote calculate_order: it drops the
 * min_objects countdown and accepts up to 1/2 waste, which differs only
 * when no order up to slub_max_order keeps the waste within 1/4, e.g.
 * slub_max_order=1 and 3000-byte objects.)
 */
#ifndef UKMEM_TEST_SLAB_GEOMETRY_H
#define UKMEM_TEST_SLAB_GEOMETRY_H

#include <stdbool.h>
#include <stdint.h>

#include <ukmem/slab.h>

struct ref_params {
	unsigned int nr_cpus;
	unsigned int min_order;		/* slub_min_order */
	unsigned int max_order;		/* slub_max_order */
	unsigned int min_objects;	/* slub_min_objects, 0: from nr_cpus */
};

struct ref_geometry {
	unsigned int align, size, inuse, offset, red_left_pad;
	unsigned int order, objects;		/* s->oo */
	unsigned int min_order, min_objects;	/* s->min */
	bool ok;
};

#define REF_WORD 8u			/* sizeof(void *) on x86-64 */
#define REF_CACHE_LINE 64u		/* cache_line_size() */
#define REF_MINALIGN 8u			/* ARCH_SLAB_MINALIGN */
#define REF_KMALLOC_MINALIGN 8u		/* ARCH_KMALLOC_MINALIGN */
#define REF_TRACK 32u			/* sizeof(struct track), stack depot on */
#define REF_MAX_OBJS 32767u		/* MAX_OBJS_PER_PAGE */
#define REF_PAGE 4096ul
#define REF_MAX_PAGE_ORDER 10u

static inline unsigned int ref_align_up(unsigned int x, unsigned int a)
{
	return (x + a - 1) / a * a;
}

static inline unsigned int ref_fls(unsigned long x)
{
	unsigned int n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

/* get_order(): smallest order whose block holds size bytes. */
static inline unsigned int ref_get_order(unsigned long size)
{
	unsigned int order = 0;

	while ((REF_PAGE << order) < size)
		order++;
	return order;
}

static inline unsigned int ref_calculate_alignment(slab_flags_t flags, unsigned int align,
						   unsigned int size)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = REF_CACHE_LINE;

		while (size <= ralign / 2)
			ralign /= 2;
		if (ralign > align)
			align = ralign;
	}
	if (align < REF_MINALIGN)
		align = REF_MINALIGN;
	return ref_align_up(align, REF_WORD);
}

static inline unsigned int ref_order_objects(unsigned int order, unsigned int size)
{
	return (unsigned int)((REF_PAGE << order) / size);
}

static inline unsigned int ref_calc_slab_order(const struct ref_params *p, unsigned int size,
					       unsigned int min_objects, unsigned int max_order,
					       unsigned int fract_leftover)
{
	unsigned int order;

	if (ref_order_objects(p->min_order, size) > REF_MAX_OBJS)
		return ref_get_order((unsigned long)size * REF_MAX_OBJS) - 1;
	order = ref_get_order((unsigned long)min_objects * size);
	if (order < p->min_order)
		order = p->min_order;
	for (; order <= max_order; order++) {
		unsigned long slab_size = REF_PAGE << order;

		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

static inline int ref_calculate_order(const struct ref_params *p, unsigned int size)
{
	unsigned int min_objects = p->min_objects, max_objects, order;

	if (!min_objects)
		min_objects = 4 * (ref_fls(p->nr_cpus) + 1);
	max_objects = ref_order_objects(p->max_order, size);
	if (min_objects > max_objects)
		min_objects = max_objects;
	while (min_objects > 1) {
		for (unsigned int fraction = 16; fraction >= 4; fraction /= 2) {
			order = ref_calc_slab_order(p, size, min_objects, p->max_order, fraction);
			if (order <= p->max_order)
				return (int)order;
		}
		min_objects--;
	}
	order = ref_calc_slab_order(p, size, 1, p->max_order, 1);
	if (order <= p->max_order)
		return (int)order;
	order = ref_calc_slab_order(p, size, 1, REF_MAX_PAGE_ORDER, 1);
	if (order <= REF_MAX_PAGE_ORDER)
		return (int)order;
	return -1;
}

/*
 * The align a kernel's create_boot_cache() asks for a kmalloc cache of
 * size bytes.  Since Linux 6.11 (commit ad59baa31695, "slab, rust: extend
 * kmalloc() alignment guarantees to remove Rust padding"): at least the
 * largest power of two that divides the size (96 -> 32, 192 -> 64, a power
 * of two -> itself), and at least ARCH_KMALLOC_MINALIGN.  6.6 aligned only
 * the power-of-two sizes, leaving 96 and 192 at 8.
 */
static inline unsigned int ref_kmalloc_align(unsigned int size)
{
	unsigned int divisor = size & -size;

	return divisor > REF_KMALLOC_MINALIGN ? divisor : REF_KMALLOC_MINALIGN;
}

/* The geometry of kmem_cache_create(name, object_size, align, flags, ctor)
 * (kmalloc caches: flags include SLAB_KMALLOC). */
static inline struct ref_geometry ref_geometry(const struct ref_params *p,
					       unsigned int object_size, unsigned int align,
					       slab_flags_t flags, bool ctor)
{
	struct ref_geometry g = { 0 };
	unsigned int size = ref_align_up(object_size, REF_WORD);
	int order;

	g.align = ref_calculate_alignment(flags, align, object_size);
	if ((flags & SLAB_RED_ZONE) && size == object_size)
		size += REF_WORD;
	g.inuse = size;
	if (((flags & SLAB_STORE_USER) && (flags & SLAB_KMALLOC)) ||
	    (flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) || ctor ||
	    ((flags & SLAB_RED_ZONE) && object_size < REF_WORD)) {
		g.offset = size;
		size += REF_WORD;
	} else {
		g.offset = object_size / 2 / REF_WORD * REF_WORD;
	}
	if (flags & SLAB_STORE_USER) {
		size += 2 * REF_TRACK;
		if (flags & SLAB_KMALLOC)
			size += 4;
	}
	if (flags & SLAB_RED_ZONE) {
		size += REF_WORD;
		g.red_left_pad = ref_align_up(REF_WORD, g.align);
		size += g.red_left_pad;
	}
	size = ref_align_up(size, g.align);
	g.size = size;
	order = ref_calculate_order(p, size);
	if (order < 0)
		return g;
	g.order = (unsigned int)order;
	g.objects = ref_order_objects(g.order, size);
	g.min_order = ref_get_order(size);
	g.min_objects = ref_order_objects(g.min_order, size);
	g.ok = g.objects > 0;
	return g;
}

#endif /* UKMEM_TEST_SLAB_GEOMETRY_H */
