/*
 * slub.c - SLUB's caches and slabs: cache geometry, creation and merging,
 * slabs made from and given back to the page allocator, the per-node
 * partial lists, shrink and destroy.
 *
 * Theory
 * ------
 * A cache hands out objects of one size from slabs: compound pages of the
 * cache's order cut into objects laid end to end from the slab's start.
 * A free object holds the (encoded) pointer to the next free object at
 * s->offset, inside the object: no per-object header.  The geometry is
 * computed exactly as Linux 6.6's calculate_sizes()/calculate_order() does
 * for this machine's CPU count, so /proc/slabinfo and /sys/kernel/slab read
 * as on a kernel of the same machine (the align the kmalloc caches ask for
 * is Linux 6.11's, kmalloc.c says why):
 *
 *   size   = ALIGN(object_size, word) (+ debug metadata), ALIGN(size, align)
 *   offset = mid-object, or after the object with a ctor, RCU or poison
 *   order  = smallest order holding min_objects = 4 * (fls(nr_cpus) + 1)
 *            objects with at most 1/16 (then 1/8, 1/4) of the slab wasted,
 *            up to slub_max_order (3)
 *
 * Slabs with free objects (and fewer than min_partial empty ones) sit on
 * their node's partial list; full slabs sit on no list.  Objects move
 * between slabs and the sheaves (sheaf.c) in batches under list_lock:
 * slub_get_objects() fills, slub_put_objects() empties, so the lock is
 * taken once per batch, never per object on the fast path.
 *
 * With slub_debug's red zones an object starts red_left_pad bytes into its
 * slot (slab_object()); slub_debug.c says what the rest of a debug slot
 * holds.  Every link of a freelist is checked when the slab hands the
 * next object out (take_from_slab_locked): a link that does not point to
 * an object of the slab (a write after free, a forged pointer) is
 * reported and the rest of the chain cut off, never followed.  With
 * slab_freelist_random a new slab chains its objects in the cache's
 * random order from a random start.
 *
 * A refill for a thread's sheaf prefers the slabs that thread refilled
 * from before (the owner tag in slab->counters: sheaf.c, "Slab
 * affinity"), and every slab of the arena is mirrored in the slab map,
 * which frees read instead of struct page (slabmap.c): new_slab writes
 * it, discard_slab clears it, ukmem_slab_validate compares the two.
 *
 * Merging (aliasing): a new cache whose objects fit an existing cache's
 * (same SLAB_MERGE_SAME flags, compatible alignment, less than a word of
 * difference, no ctor, no debug flags) becomes that cache, as SLUB does.
 *
 * Locks (ranked in src/lib/lockrank.h): slab_mutex, then one list_lock;
 * the page allocator is called with neither held.
 */
#include "slab/slab_api.h"
#include "slab/kasan.h"
#include "slab/memcheck.h"

struct list_head slab_caches = { &slab_caches, &slab_caches };
int slab_nomerge;
unsigned long ukmem_slab_pages[MAX_NUMNODES][NR_SLAB_PAGES_ITEMS];
unsigned int slub_min_order;
unsigned int slub_max_order = PAGE_ALLOC_COSTLY_ORDER;
unsigned int slub_min_objects;

#define ALIGN(x, a) (((x) + (a) - 1) & ~((a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((a) - 1))

static unsigned int fls_u(unsigned int x)
{
	return x ? 32 - (unsigned int)__builtin_clz(x) : 0;
}

static unsigned int ilog2_u(unsigned int x)
{
	return fls_u(x) - 1;
}

/* ---- reports ------------------------------------------------------------- */

void slab_bug(const struct kmem_cache *s, const char *fmt, ...)
{
	char msg[256], taint[TAINT_BUF_SIZE];
	va_list ap;

	va_start(ap, fmt);
	ukmem_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("=============================================================================\n"
	       "BUG %s (%s): %s\n"
	       "-----------------------------------------------------------------------------\n\n",
	       s->name, ukmem_print_tainted(taint), msg);
	/* The kernel's object_err() and slab_err() taint at the end of the
	 * report; only this header shows the taint, so tainting right after
	 * it reads the same. */
	ukmem_add_taint(TAINT_BAD_PAGE);
}

void print_slab_info(const struct slab *slab)
{
	pr_err("Slab 0x%p objects=%u used=%u fp=0x%p flags=%#lx(slab%s|node=%d|zone=%d)\n",
	       (const void *)slab, slab->objects, slab->inuse, slab->freelist,
	       slab->__page_flags, PageHead(slab_page(slab)) ? "|head" : "",
	       page_to_nid(slab_page(slab)), page_zonenum(slab_page(slab)));
}

/* ---- geometry ------------------------------------------------------------ */

/* The inverse of odd m modulo 2^64, by Newton's iteration: m * m = 1
 * modulo 8, and each step doubles the bits that are right (3, 6, ... 96). */
static uint64_t inverse_mod_2_64(uint64_t m)
{
	uint64_t inv = m;

	for (int i = 0; i < 5; i++)
		inv *= 2 - m * inv;
	return inv;
}

static unsigned int calculate_alignment(slab_flags_t flags, unsigned int align, unsigned int size)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = CACHE_LINE_SIZE;

		while (size <= ralign / 2)
			ralign /= 2;
		align = align > ralign ? align : ralign;
	}
	if (align < 8)		/* ARCH_SLAB_MINALIGN: alignof(unsigned long long) */
		align = 8;
	return ALIGN(align, (unsigned int)sizeof(void *));
}

static unsigned int order_objects(unsigned int order, unsigned int size)
{
	return (unsigned int)((PAGE_SIZE << order) / size);
}

static unsigned int calc_slab_order(unsigned int size, unsigned int min_objects,
				    unsigned int max_order, unsigned int fract_leftover)
{
	unsigned int min_order = slub_min_order;
	unsigned int order;

	if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE)
		return (unsigned int)get_order((unsigned long)size * MAX_OBJS_PER_PAGE) - 1;
	order = (unsigned int)get_order((unsigned long)min_objects * size);
	if (order < min_order)
		order = min_order;
	for (; order <= max_order; order++) {
		unsigned long slab_size = PAGE_SIZE << order;

		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

static int calculate_order(unsigned int size)
{
	unsigned int min_objects = slub_min_objects;
	unsigned int max_objects, order;

	if (!min_objects)
		min_objects = 4 * (fls_u((unsigned int)ukmem_plat_nr_cpus()) + 1);
	max_objects = order_objects(slub_max_order, size);
	if (min_objects > max_objects)
		min_objects = max_objects;
	while (min_objects > 1) {
		for (unsigned int fraction = 16; fraction >= 4; fraction /= 2) {
			order = calc_slab_order(size, min_objects, slub_max_order, fraction);
			if (order <= slub_max_order)
				return (int)order;
		}
		min_objects--;
	}
	order = calc_slab_order(size, 1, slub_max_order, 1);
	if (order <= slub_max_order)
		return (int)order;
	order = calc_slab_order(size, 1, MAX_PAGE_ORDER, 1);
	if (order <= MAX_PAGE_ORDER)
		return (int)order;
	return -1;
}

static struct kmem_cache_order_objects oo_make(unsigned int order, unsigned int size)
{
	return (struct kmem_cache_order_objects){ (order << 16) + order_objects(order, size) };
}

/* Linux 6.6 calculate_sizes(), debug metadata included so the geometry of
 * debug caches matches too (their checks come with the debug layer). */
static bool calculate_sizes(struct kmem_cache *s)
{
	slab_flags_t flags = s->flags;
	unsigned int size = ALIGN(s->object_size, (unsigned int)sizeof(void *));
	bool orig_size = (flags & SLAB_STORE_USER) && (flags & SLAB_KMALLOC);
	int order;

	s->object_poison = (flags & SLAB_POISON) && !(flags & SLAB_TYPESAFE_BY_RCU) && !s->ctor;
	s->red_left_pad = 0;
	if ((flags & SLAB_RED_ZONE) && size == s->object_size)
		size += sizeof(void *);
	s->inuse = size;
	if (orig_size || (flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) || s->ctor ||
	    ((flags & SLAB_RED_ZONE) && s->object_size < sizeof(void *))) {
		s->offset = size;
		size += sizeof(void *);
	} else {
		s->offset = ALIGN_DOWN(s->object_size / 2, (unsigned int)sizeof(void *));
	}
	if (flags & SLAB_STORE_USER) {
		size += 2 * sizeof(struct track);
		if (flags & SLAB_KMALLOC)
			size += sizeof(unsigned int);
	}
	if (flags & SLAB_RED_ZONE) {
		size += sizeof(void *);
		s->red_left_pad = ALIGN((unsigned int)sizeof(void *), s->align);
		size += s->red_left_pad;
	}
	size = ALIGN(size, s->align);
	s->size = size;
	s->size_mask = !(size & (size - 1)) && !(flags & SLAB_RED_ZONE) ? size - 1 : 0;
	/* Objects that fill whole cache lines never share one (slabs start
	 * on a page): only the others need slab affinity (sheaf.c). */
	s->line_shared = size % CACHE_LINE_SIZE != 0;
	s->size_tz = (unsigned int)__builtin_ctz(size);
	s->size_inv = inverse_mod_2_64(size >> s->size_tz);
	order = calculate_order(size);
	if (order < 0)
		return false;
	/* The reciprocal is exact while offset * size < 2^32. */
	s->reciprocal_size = (PAGE_SIZE << order) * (uint64_t)size < (1ULL << 32) ?
			     (uint32_t)((1ULL << 32) / size + 1) : 0;
	s->allocflags = 0;
	if (order)
		s->allocflags |= __GFP_COMP;
	if (flags & SLAB_CACHE_DMA)
		s->allocflags |= GFP_DMA;
	if (flags & SLAB_CACHE_DMA32)
		s->allocflags |= GFP_DMA32;
	if (flags & SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= __GFP_RECLAIMABLE;
	s->oo = oo_make((unsigned int)order, size);
	s->slab_shift = PAGE_SHIFT + (unsigned int)order;
	s->min = oo_make((unsigned int)get_order(size), size);
	return oo_objects(s->oo) != 0;
}

static void set_min_partial(struct kmem_cache *s)
{
	unsigned long min = ilog2_u(s->size) / 2;

	s->min_partial = min < MIN_PARTIAL ? MIN_PARTIAL : min > MAX_PARTIAL ? MAX_PARTIAL : min;
}

/* The kernel's set_cpu_partial(): the per-CPU budget in objects.  ukmem
 * splits it between an owner's main and spare sheaves. */
static void set_cpu_partial(struct kmem_cache *s)
{
	unsigned int nr;

	if (s->flags & SLAB_DEBUG_FLAGS)
		nr = 0;
	else if (s->size >= PAGE_SIZE)
		nr = 6;
	else if (s->size >= 1024)
		nr = 24;
	else if (s->size >= 256)
		nr = 52;
	else
		nr = 120;
	s->cpu_partial = nr;
	s->cpu_partial_slabs = (nr * 2 + oo_objects(s->oo) - 1) / oo_objects(s->oo);
	s->sheaf_capacity = nr / 2;
}

static unsigned long make_random(const void *salt)
{
	uint64_t x = ukmem_plat_now_ns() ^ (uint64_t)(uintptr_t)salt ^ 0x9e3779b97f4a7c15ULL;

	/* splitmix64: a fixed mix of time and address (not a secret against
	 * an attacker who can read memory, as the kernel's is not either). */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (unsigned long)(x ^ (x >> 31));
}

/* ---- cache creation and merging ------------------------------------------ */

/* The cache of struct kmem_cache, made by hand (the kernel's bootstrap). */
static struct kmem_cache kmem_cache_boot;
static unsigned int next_cache_id;
#define ID_BITS (8 * sizeof(unsigned long))
static unsigned long cache_ids[(SLAB_MAX_CACHES + ID_BITS - 1) / ID_BITS];

static int alloc_cache_id(void)
{
	for (unsigned int i = 0; i < SLAB_MAX_CACHES; i++) {
		unsigned int id = (next_cache_id + i) % SLAB_MAX_CACHES;
		unsigned long bit = 1UL << (id % (8 * sizeof(unsigned long)));

		if (!(cache_ids[id / (8 * sizeof(unsigned long))] & bit)) {
			cache_ids[id / (8 * sizeof(unsigned long))] |= bit;
			next_cache_id = id + 1;
			return (int)id;
		}
	}
	return -1;
}

static void free_cache_id(unsigned int id)
{
	cache_ids[id / (8 * sizeof(unsigned long))] &= ~(1UL << (id % (8 * sizeof(unsigned long))));
}

static bool slab_unmergeable(const struct kmem_cache *s)
{
	return slab_nomerge || (s->flags & SLAB_NEVER_MERGE) || s->ctor || s->usersize ||
	       s->refcount < 0;
}

static struct kmem_cache *find_mergeable_locked(unsigned int size, unsigned int align,
						slab_flags_t flags, void (*ctor)(void *))
{
	struct list_head *pos;

	if (slab_nomerge || ctor || (flags & SLAB_NEVER_MERGE))
		return NULL;
	size = ALIGN(size, (unsigned int)sizeof(void *));
	align = calculate_alignment(flags, align, size);
	size = ALIGN(size, align);
	for (pos = slab_caches.prev; pos != &slab_caches; pos = pos->prev) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		if (slab_unmergeable(s) || s->destroyed_with_objects)
			continue;
		if (size > s->size)
			continue;
		if ((flags & SLAB_MERGE_SAME) != (s->flags & SLAB_MERGE_SAME))
			continue;
		if ((s->size & ~(align - 1)) != s->size)
			continue;
		if (s->size - size >= sizeof(void *))
			continue;
		return s;
	}
	return NULL;
}

static void init_cache_nodes(struct kmem_cache *s)
{
	for (int nid = 0; nid < MAX_NUMNODES; nid++) {
		struct kmem_cache_node *n = &s->node[nid];

		ukmem_lock_init(&n->list_lock, LOCK_RANK_LIST);
		ukmem_lock_init(&n->barn.lock, LOCK_RANK_BARN);
		INIT_LIST_HEAD(&n->partial);
		INIT_LIST_HEAD(&n->barn.sheaves_full);
		INIT_LIST_HEAD(&n->barn.sheaves_empty);
	}
}

/* Fill in a cache; false if no slab order can hold the objects. */
static bool kmem_cache_open(struct kmem_cache *s, const char *name, unsigned int size,
			    unsigned int align, slab_flags_t flags, bool order_check,
			    unsigned int useroffset, unsigned int usersize, void (*ctor)(void *))
{
	ukmem_strlcpy(s->name_buf, name, sizeof(s->name_buf));
	s->name = s->name_buf;
	s->object_size = size;
	s->flags = flags;
	s->ctor = ctor;
	s->useroffset = useroffset;
	s->usersize = usersize;
	s->align = calculate_alignment(flags, align, size);
	s->refcount = 1;
	s->random = make_random(s);
	init_cache_nodes(s);
	if (!calculate_sizes(s))
		return false;
	if (order_check && (flags & (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)) &&
	    get_order(s->size) > get_order(s->object_size)) {
		/* slub_debug=O: no debug metadata where it pushes an object
		 * past a page order (the kernel's disable_higher_order_debug
		 * and DEBUG_METADATA_FLAGS). */
		s->flags = flags & ~(SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER);
		if (!calculate_sizes(s))
			return false;
	}
	set_min_partial(s);
	set_cpu_partial(s);
	return true;
}

static bool slab_layer_up;

/* The boot cache of struct kmem_cache: no sheaves (it is used before
 * there is anything to keep sheaves in). */
static void kmem_cache_boot_init(void)
{
	slabmap_init();
	kmem_cache_open(&kmem_cache_boot, "kmem_cache", sizeof(struct kmem_cache),
			CACHE_LINE_SIZE, SLAB_HWCACHE_ALIGN | SLAB_PANIC, false, 0, 0, NULL);
	kmem_cache_boot.refcount = -1;
	kmem_cache_boot.sheaf_capacity = 0;
	kmem_cache_boot.id = (unsigned int)alloc_cache_id();
	ukmem_slab_cache_by_id[kmem_cache_boot.id] = &kmem_cache_boot;
	list_add_tail(&kmem_cache_boot.list, &slab_caches);
	slab_layer_up = true;
}

struct kmem_cache *slub_create_cache(const char *name, unsigned int size, unsigned int align,
				     slab_flags_t flags, unsigned int useroffset,
				     unsigned int usersize, void (*ctor)(void *))
{
	struct kmem_cache *s;
	bool order_check;
	void *obj;
	int id;

	/* The boot cache of struct kmem_cache is never debugged: its objects
	 * are taken straight from its slabs. */
	flags = slub_debug_cache_flags(name, flags, &order_check);
	if (!ukmem_lock(&slab_mutex))
		return NULL;
	if (!slab_layer_up)
		kmem_cache_boot_init();
	s = find_mergeable_locked(size, align, flags, ctor);
	if (s && !usersize) {
		s->refcount++;
		if (size > s->object_size)
			s->object_size = size;
		if (ALIGN(size, (unsigned int)sizeof(void *)) > s->inuse)
			s->inuse = ALIGN(size, (unsigned int)sizeof(void *));
		ukmem_unlock(&slab_mutex);
		return s;
	}
	ukmem_unlock(&slab_mutex);

	if (slub_get_objects(&kmem_cache_boot, GFP_KERNEL, NUMA_NO_NODE, &obj, 1) != 1)
		return NULL;
	s = obj;
	__builtin_memset(s, 0, sizeof(*s));
	if (!kmem_cache_open(s, name, size, align, flags, order_check, useroffset, usersize,
			     ctor)) {
		slub_put_objects(&kmem_cache_boot, &obj, 1);
		return NULL;
	}
	if (!ukmem_lock(&slab_mutex)) {
		slub_put_objects(&kmem_cache_boot, &obj, 1);
		return NULL;
	}
	id = alloc_cache_id();
	if (id < 0) {
		ukmem_unlock(&slab_mutex);
		pr_warn("kmem_cache_create(%s): more than %d caches\n", name, SLAB_MAX_CACHES);
		slub_put_objects(&kmem_cache_boot, &obj, 1);
		return NULL;
	}
	s->id = (unsigned int)id;
	__atomic_store_n(&ukmem_slab_cache_by_id[id], s, __ATOMIC_RELEASE);
	sheaves_cache_init(s);
	slub_debug_cache_random_seq(s);
	list_add_tail(&s->list, &slab_caches);
	ukmem_unlock(&slab_mutex);
	return s;
}

/* ---- slabs ---------------------------------------------------------------- */

/* GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK: what new_slab() passes on. */
#define GFP_SLAB_PASS (__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN | \
		       __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC | \
		       __GFP_NOMEMALLOC | __GFP_HARDWALL | __GFP_THISNODE)

/* Zone modifiers a slab cannot honour (GFP_SLAB_BUG_MASK). */
#define GFP_SLAB_BUG_MASK (__GFP_DMA32 | __GFP_HIGHMEM | ~__GFP_BITS_MASK)

gfp_t slab_fix_flags(gfp_t gfp)
{
	char a[160], b[160];
	gfp_t fixed = gfp & ~GFP_SLAB_BUG_MASK;

	pr_warn("Unexpected gfp: %#x (%s). Fixing up to gfp: %#x (%s). Fix your code!\n",
		gfp & GFP_SLAB_BUG_MASK, format_gfp(gfp & GFP_SLAB_BUG_MASK, a, sizeof(a)),
		fixed, format_gfp(fixed, b, sizeof(b)));
	return fixed;
}

/* Allocate and lay out a slab; no lock held. */
static struct slab *new_slab(struct kmem_cache *s, gfp_t gfp, int node)
{
	struct kmem_cache_order_objects oo = s->oo;
	gfp_t flags;
	struct page *page;
	struct slab *slab;
	char *p, *prev;
	const unsigned int *seq;
	unsigned int nr, pos = 0;

	if (gfp & GFP_SLAB_BUG_MASK)
		gfp = slab_fix_flags(gfp);
	flags = (gfp & GFP_SLAB_PASS) | s->allocflags;
	/* First the preferred order without effort, then the smallest. */
	page = ukmem_alloc_pages((flags | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL,
				 oo_order(oo), node);
	if (!page && oo_order(oo) != oo_order(s->min)) {
		oo = s->min;
		flags = (gfp & GFP_SLAB_PASS) | s->allocflags;
		if (!oo_order(oo))
			flags &= ~__GFP_COMP;
		page = ukmem_alloc_pages(flags, oo_order(oo), node);
	}
	if (!page) {
		if (!(gfp & __GFP_NOWARN)) {
			char buf[160];

			pr_warn("SLUB: Unable to allocate memory on node %d, gfp=%#x(%s)\n",
				node, gfp, format_gfp(gfp, buf, sizeof(buf)));
			pr_warn("  cache: %s, object size: %u, buffer size: %u, default order: "
				"%u, min order: %u\n", s->name, s->object_size, s->size,
				oo_order(s->oo), oo_order(s->min));
		}
		return NULL;
	}
	slab = (struct slab *)(void *)page;
	nr = oo_objects(oo);
	slab_pages_mod(page, (s->flags & SLAB_RECLAIM_ACCOUNT) ? SLAB_PAGES_RECLAIMABLE :
		       SLAB_PAGES_UNRECLAIMABLE, 1L << oo_order(oo));
	page->flags |= 1UL << PG_slab;
	slab->slab_cache = s;
	slab->inuse = 0;
	slab->objects = nr;
	slab->frozen = 0;
	if (s->flags & SLAB_DEBUG_FLAGS)
		slub_debug_setup_slab(s, slab);
	/* Objects chained in address order, or in the cache's random order
	 * from a random start (slab_freelist_random); the constructor runs
	 * once per object, here, never on reuse. */
	prev = NULL;
	seq = nr == oo_objects(s->oo) ? s->random_seq : NULL;	/* not for a min-order slab */
	if (seq)
		pos = (unsigned int)(ukmem_plat_now_ns() ^ (uintptr_t)slab) % nr;
	for (unsigned int i = 0; i < nr; i++) {
		unsigned int idx = seq ? seq[(pos + i) % nr] : i;

		p = slab_object(s, slab, idx);
		if (s->ctor)
			s->ctor(p);
		if (prev)
			set_freepointer(s, prev, p);
		else
			slab->freelist = p;
		prev = p;
	}
	set_freepointer(s, prev, NULL);
	for (unsigned int i = 0; i < nr; i++)
		kasan_poison_free(s, slab_object(s, slab, i));
	if (vg_on())
		for (unsigned int i = 0; i < nr; i++)
			vg_object_free(s, slab_object(s, slab, i));
	slabmap_set(s, slab, oo_order(oo), 0);
	return slab;
}

static void discard_slab(struct kmem_cache *s, struct slab *slab)
{
	struct page *page = slab_page(slab);
	unsigned int order = page_alloc_order(page) - 1;

	slab_pages_mod(page, (s->flags & SLAB_RECLAIM_ACCOUNT) ? SLAB_PAGES_RECLAIMABLE :
		       SLAB_PAGES_UNRECLAIMABLE, -(1L << order));
	kasan_unpoison_range(page_address(page), PAGE_SIZE << order);
	if (vg_on())
		ukmem_plat_vg_mark(page_address(page), PAGE_SIZE << order, PLAT_VG_UNDEFINED);
	slabmap_clear(slab, order);
	page->flags &= ~(1UL << PG_slab);
	slab->slab_cache = NULL;
	slab->freelist = NULL;
	slab->counters = 0;
	INIT_LIST_HEAD(&slab->slab_list);
	slab->slab_list.next = NULL;
	slab->slab_list.prev = NULL;
	ukmem_free_pages(page, order);
}

static struct kmem_cache_node *slab_node(struct kmem_cache *s, struct slab *slab)
{
	return &s->node[page_to_nid(slab_page(slab))];
}

static bool list_lock(struct kmem_cache_node *n)
{
	return ukmem_lock(&n->list_lock);
}

static void list_unlock(struct kmem_cache_node *n)
{
	ukmem_unlock(&n->list_lock);
}

static void add_partial_locked(struct kmem_cache_node *n, struct slab *slab, bool tail)
{
	if (tail)
		list_add_tail(&slab->slab_list, &n->partial);
	else
		list_add(&slab->slab_list, &n->partial);
	n->nr_partial++;
}

static void remove_partial_locked(struct kmem_cache_node *n, struct slab *slab)
{
	list_del(&slab->slab_list);
	n->nr_partial--;
}

bool slub_valid_pointer(const struct kmem_cache *s, const struct slab *slab, const void *p)
{
	uintptr_t base = (uintptr_t)slab_address(slab), off = (uintptr_t)p - base;

	return !p || ((uintptr_t)p >= base && off < (uintptr_t)slab->objects * s->size &&
		      slab_off_is_object(s, slab, off));
}

/*
 * A free object's word decoded to something that is not an object of its
 * slab: the freelist was overwritten (a use after free, or an attack that
 * aims a later allocation at an address of its choosing).  The rest of the
 * chain cannot be trusted: it is cut off, and every object of the slab
 * not handed out yet stays counted as in use (leaked), as the kernel
 * isolates a corrupted freechain.  list_lock held.
 */
__attribute__((noinline, cold))
static void freechain_corrupt_locked(struct kmem_cache *s, struct slab *slab, void *obj,
				     void *next)
{
	slab_bug(s, "Freechain corrupt");
	print_slab_info(slab);
	pr_err("Object 0x%p @offset=%lu fp=0x%p\n", obj,
	       (unsigned long)((uintptr_t)obj - (uintptr_t)slab_address(slab)), next);
	pr_err("FIX %s: Isolate corrupted freechain\n", s->name);
	slab->freelist = NULL;
	slab_set_inuse(slab, slab->objects);
}

/* Take up to count objects off one slab's freelist, checking each link.
 * list_lock held. */
static unsigned int take_from_slab_locked(struct kmem_cache *s, struct slab *slab, void **p,
					  unsigned int count)
{
	unsigned int i = 0;

	while (i < count && slab->freelist) {
		void *obj = slab->freelist;
		void *next = get_freepointer(s, obj);

		if (__builtin_expect(!slub_valid_pointer(s, slab, next), 0)) {
			/* obj itself is sound (its link was checked before). */
			p[i++] = obj;
			freechain_corrupt_locked(s, slab, obj, next);
			return i;
		}
		slab->freelist = next;
		p[i++] = obj;
	}
	slab_set_inuse(slab, slab->inuse + i);
	return i;
}

/*
 * The partial slab a refill for tag takes from: the first of the first
 * PARTIAL_SCAN that is tag's, nobody's, or a thread's that is gone.  If
 * they all belong to live threads, NULL (a new slab: no cache line is
 * shared with them), unless the list is longer than that, when the first
 * is taken over: memory stays bounded by what is free, whoever freed it.
 * tag 0 takes the first.  list_lock held, the list not empty.
 */
#define PARTIAL_SCAN 16
static struct slab *pick_partial_locked(struct kmem_cache_node *n, unsigned int tag)
{
	struct slab *first = list_first_entry(&n->partial, struct slab, slab_list);
	struct list_head *pos = &first->slab_list;

	if (!tag)
		return first;
	for (int i = 0; i < PARTIAL_SCAN && pos != &n->partial; i++, pos = pos->next) {
		struct slab *slab = list_entry(pos, struct slab, slab_list);
		unsigned int t = slab_owner_tag(slab);

		if (t == tag || !t || !sheaf_owner_tag_live(t))
			return slab;
	}
	return n->nr_partial > PARTIAL_SCAN ? first : NULL;
}

unsigned int slub_get_objects(struct kmem_cache *s, gfp_t gfp, int node, void **p,
			      unsigned int count)
{
	return slub_get_objects_tagged(s, gfp, node, p, count, 0);
}

unsigned int slub_get_objects_tagged(struct kmem_cache *s, gfp_t gfp, int node, void **p,
				     unsigned int count, unsigned int tag)
{
	unsigned int got = 0;
	int nid;

	if (node < NUMA_NO_NODE || node >= MAX_NUMNODES) {
		pr_err("WARNING: %s: node %d is not a node\n", s->name, node);
		return 0;
	}
	/* A node with no memory: ignore the constraint, as ___slab_alloc. */
	if (node >= ukmem_mm.nr_nodes)
		node = NUMA_NO_NODE;
	nid = node == NUMA_NO_NODE ? numa_mem_id() : node;
	while (got < count) {
		struct kmem_cache_node *n = &s->node[nid];
		struct slab *slab;

		if (!list_lock(n))
			break;
		while (got < count && !list_empty(&n->partial) &&
		       (slab = pick_partial_locked(n, tag))) {
			got += take_from_slab_locked(s, slab, p + got, count - got);
			if (tag)
				slab_set_owner_tag(slab, tag);
			if (!slab->freelist)
				remove_partial_locked(n, slab);
		}
		list_unlock(n);
		if (got == count)
			break;

		slab = new_slab(s, gfp, node);
		if (!slab)
			break;
		n = slab_node(s, slab);
		if (!list_lock(n)) {
			discard_slab(s, slab);
			break;
		}
		counter_add(&n->nr_slabs, 1);
		counter_add(&n->total_objects, slab->objects);
		slab_set_owner_tag(slab, tag);
		got += take_from_slab_locked(s, slab, p + got, count - got);
		if (slab->freelist)
			add_partial_locked(n, slab, false);
		list_unlock(n);
		/* A slab from another node (fallback) serves this call only. */
		if (page_to_nid(slab_page(slab)) != nid && node == NUMA_NO_NODE)
			nid = page_to_nid(slab_page(slab));
	}
	for (unsigned int i = 0; i < got; i++) {
		kasan_unpoison_object(s, p[i], s->object_size);
		clear_freepointer(s, p[i]);
	}
	if (vg_on())
		for (unsigned int i = 0; i < got; i++)
			vg_object_taken(s, p[i]);
	return got;
}

/* Is obj on the slab's freelist?  list_lock held; O(objects). */
static bool on_freelist_locked(struct kmem_cache *s, struct slab *slab, const void *obj)
{
	unsigned int steps = 0;

	for (void *fp = slab->freelist; fp && steps <= slab->objects; fp = get_freepointer(s, fp),
	     steps++)
		if (fp == obj)
			return true;
	return false;
}

/*
 * Is obj, about to be linked onto its slab's freelist, on it already (a
 * double free that went through a sheaf)?  Its free-pointer word is read
 * here, where it is written next anyway: only a word that decodes to NULL
 * or to an address in obj's slab (a free object's link; user data only by
 * chance, the word being encoded with the cache's secret and its address)
 * costs the walk that confirms it.  list_lock held.
 */
static bool looks_free_locked(struct kmem_cache *s, struct slab *slab, const void *obj)
{
	uintptr_t next = (uintptr_t)get_freepointer(s, obj);

	if (__builtin_expect(next && ((next ^ (uintptr_t)obj) >> s->slab_shift), 1))
		return false;
	return on_freelist_locked(s, slab, obj);
}

bool slub_object_on_freelist(struct kmem_cache *s, struct slab *slab, const void *obj)
{
	struct kmem_cache_node *n = slab_node(s, slab);
	bool found;

	if (!list_lock(n))
		return false;
	found = on_freelist_locked(s, slab, obj);
	list_unlock(n);
	return found;
}

/*
 * Check that obj is an object of s: reported and false if not.  slab is
 * the slab the page says it belongs to (or NULL when the page is not a
 * slab page).
 */
static bool check_object_pointer(struct kmem_cache *s, struct slab *slab, const void *obj)
{
	uintptr_t base, off;

	if (!slab) {
		slab_bug(s, "Freeing object 0x%p that is not a slab object", obj);
		return false;
	}
	if (slab->slab_cache != s) {
		pr_err("%s: Wrong slab cache. %s but object is from %s\n", "cache_from_obj",
		       s->name, slab->slab_cache ? slab->slab_cache->name : "(none)");
		return false;
	}
	base = (uintptr_t)slab_address(slab);
	off = (uintptr_t)obj - base;
	if ((uintptr_t)obj < base || !slab_off_is_object(s, slab, off)) {
		slab_bug(s, "Invalid object pointer 0x%p", obj);
		print_slab_info(slab);
		pr_err("FIX %s: Object at 0x%p not freed\n", s->name, obj);
		return false;
	}
	return true;
}

static void report_double_free(struct kmem_cache *s, struct slab *slab, const void *obj)
{
	slab_bug(s, "Object already free");
	print_slab_info(slab);
	pr_err("Object 0x%p @offset=%lu\n", obj,
	       (unsigned long)((uintptr_t)obj - (uintptr_t)slab_address(slab)));
	pr_err("FIX %s: Object at 0x%p not freed\n", s->name, obj);
}

void slub_put_objects(struct kmem_cache *s, void **p, unsigned int count)
{
	struct slab *to_discard = NULL;
	struct kmem_cache_node *locked = NULL;
	bool vg = vg_on();

	/* Objects come from sheaves in batches, mostly of one node: the
	 * lock is kept across consecutive objects of the same node.  Every
	 * object was checked by kfree (an object start, not the one freed
	 * last); what is checked here is that it is this cache's, that its
	 * slab has objects in use, and that it is not on the freelist already
	 * (a double free that went through a sheaf). */
	for (unsigned int i = 0; i < count; i++) {
		void *obj = p[i];
		struct page *page = virt_to_page(obj);
		struct slab *slab = page && PageSlab(compound_head(page)) ? page_slab(page) : NULL;
		struct kmem_cache_node *n;

		if (!check_object_pointer(s, slab, obj))
			continue;
		n = slab_node(s, slab);
		if (n != locked) {
			if (locked)
				list_unlock(locked);
			locked = list_lock(n) ? n : NULL;
			if (!locked) {
				/* A signal handler interrupted this thread inside
				 * list_lock: leave the object for the next holder. */
				llist_add((struct llist_node *)obj, &n->deferred_free);
				continue;
			}
		}
		if (slab->inuse == 0 || looks_free_locked(s, slab, obj)) {
			report_double_free(s, slab, obj);
			continue;
		}
		kasan_poison_free(s, obj);
		set_freepointer(s, obj, slab->freelist);
		slab->freelist = obj;
		if (vg)
			vg_object_free(s, obj);
		if (slab->inuse == slab->objects)
			add_partial_locked(n, slab, true);	/* was full */
		slab_set_inuse(slab, slab->inuse - 1);
		if (slab->inuse == 0 && n->nr_partial > s->min_partial &&
		    !(s->flags & SLAB_TYPESAFE_BY_RCU)) {
			remove_partial_locked(n, slab);
			counter_add(&n->nr_slabs, -1UL);
			counter_add(&n->total_objects, -(unsigned long)slab->objects);
			/* Chain through slab_list.next; freed after unlock. */
			slab->slab_list.next = (struct list_head *)(void *)to_discard;
			to_discard = slab;
		}
	}
	if (locked)
		list_unlock(locked);
	while (to_discard) {
		struct slab *next = (struct slab *)(void *)to_discard->slab_list.next;

		discard_slab(s, to_discard);
		to_discard = next;
	}
}

/* Objects a signal handler could not free (list_lock busy) are finished
 * here, by whoever shrinks the cache next. */
static void free_deferred(struct kmem_cache *s)
{
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++) {
		struct llist_node *node = llist_del_all(&s->node[nid].deferred_free);

		while (node) {
			struct llist_node *next = node->next;
			void *obj = node;

			slub_put_objects(s, &obj, 1);
			node = next;
		}
	}
}

unsigned long slub_shrink_nodes(struct kmem_cache *s, bool all, bool destroying)
{
	unsigned long freed = 0;

	free_deferred(s);
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++) {
		struct kmem_cache_node *n = &s->node[nid];
		struct slab *to_discard = NULL;
		struct list_head *pos, *next;

		if (!list_lock(n))
			continue;	/* a signal handler: shrink later */
		for (pos = n->partial.next; pos != &n->partial; pos = next) {
			struct slab *slab = list_entry(pos, struct slab, slab_list);

			next = pos->next;
			if (slab->inuse || (!all && n->nr_partial <= s->min_partial))
				continue;
			/* SLAB_TYPESAFE_BY_RCU: a reader may still look at a
			 * freed object, so its memory stays an object of this
			 * cache until the cache itself goes. */
			if ((s->flags & SLAB_TYPESAFE_BY_RCU) && !destroying)
				continue;
			remove_partial_locked(n, slab);
			counter_add(&n->nr_slabs, -1UL);
			counter_add(&n->total_objects, -(unsigned long)slab->objects);
			slab->slab_list.next = (struct list_head *)(void *)to_discard;
			to_discard = slab;
		}
		list_unlock(n);
		while (to_discard) {
			struct slab *nx = (struct slab *)(void *)to_discard->slab_list.next;

			discard_slab(s, to_discard);
			to_discard = nx;
			freed++;
		}
	}
	return freed;
}

void slub_count(struct kmem_cache *s, struct slub_counts *c)
{
	__builtin_memset(c, 0, sizeof(*c));
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++) {
		struct kmem_cache_node *n = &s->node[nid];
		unsigned long free = 0;
		struct list_head *pos;

		if (!list_lock(n))
			continue;	/* a signal handler: no counts for this node */
		list_for_each(pos, &n->partial) {
			struct slab *slab = list_entry(pos, struct slab, slab_list);

			free += slab->objects - slab->inuse;
		}
		c->num_objs += n->total_objects;
		c->active_objs += n->total_objects - free;
		c->num_slabs += n->nr_slabs;
		c->partial_slabs += n->nr_partial;
		c->per_node_objs[nid] = n->total_objects - free;
		c->per_node_slabs[nid] = n->nr_slabs;
		list_unlock(n);
	}
}

/* ---- shrink and destroy ----------------------------------------------------- */

int ukmem_kmem_cache_shrink(struct kmem_cache *s)
{
	int left = 0;

	if (!s)
		return 0;
	sheaves_flush_all(s);
	slub_shrink_nodes(s, true, false);
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++)
		if (__atomic_load_n(&s->node[nid].nr_slabs, __ATOMIC_RELAXED))
			left = 1;
	return left;
}

/*
 * The slab layer's part of reclaim (registered with src/reclaim at the
 * start, and run by drop_caches): every owner's sheaves back to the slabs,
 * then each cache's barns and empty slabs, as kmem_cache_shrink does for
 * one cache.  A caller that holds slab_mutex or a lock ranked after it (a
 * cache being made allocates under slab_mutex) would only try it, and
 * gets 0 instead.  Returns the pages given back.
 */
unsigned long slab_reclaim_all(gfp_t gfp, int priority)
{
	unsigned long pages = 0;
	struct list_head *pos;

	if (!ukmem_lock_would_wait(&slab_mutex))
		return 0;
	ukmem_lock(&slab_mutex);
	sheaves_flush_all(NULL);
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		sheaves_flush_barn(s);
		pages += slub_shrink_nodes(s, false, false) << oo_order(s->oo);
	}
	ukmem_unlock(&slab_mutex);
	return pages;
}

/* List the objects still allocated in a slab (the kernel's
 * list_slab_objects()).  list_lock held. */
static void list_slab_objects_locked(struct kmem_cache *s, struct slab *slab)
{
	char *addr = slab_address(slab);
	unsigned int shown = 0;

	slab_bug(s, "Objects remaining in %s on __kmem_cache_shutdown()", s->name);
	print_slab_info(slab);
	for (unsigned int i = 0; i < slab->objects && shown < 16; i++) {
		char *p = slab_object(s, slab, i);

		if (!on_freelist_locked(s, slab, p)) {
			pr_err("Object 0x%p @offset=%lu\n", (void *)p,
			       (unsigned long)(p - addr));
			shown++;
		}
	}
}

void ukmem_kmem_cache_destroy(struct kmem_cache *s)
{
	bool busy = false;

	if (!s || s == &kmem_cache_boot)
		return;
	if (!ukmem_lock(&slab_mutex))
		return;
	if (s->refcount > 1 || s->destroyed_with_objects) {
		if (!s->destroyed_with_objects)
			s->refcount--;
		ukmem_unlock(&slab_mutex);
		return;
	}
	ukmem_unlock(&slab_mutex);

	sheaves_flush_all(s);
	slub_shrink_nodes(s, true, true);
	/* Slabs left hold objects that were never freed: report them.  Full
	 * slabs are on no list, so walk the partial lists and count the rest. */
	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++) {
		struct kmem_cache_node *n = &s->node[nid];
		struct list_head *pos;

		if (!list_lock(n)) {
			busy = true;
			continue;
		}
		if (n->nr_slabs)
			busy = true;
		list_for_each(pos, &n->partial)
			list_slab_objects_locked(s, list_entry(pos, struct slab, slab_list));
		if (n->nr_slabs > n->nr_partial)
			pr_err("%s: %lu full slabs remain on node %d\n", s->name,
			       n->nr_slabs - n->nr_partial, nid);
		list_unlock(n);
	}
	if (!ukmem_lock(&slab_mutex))
		return;
	if (busy) {
		/* As the kernel: warn and leave the cache in place. */
		s->destroyed_with_objects = true;
		ukmem_unlock(&slab_mutex);
		ukmem_warn("WARNING: kmem_cache_destroy %s: Slab cache still has objects when "
			   "called from %p\n", s->name, __builtin_return_address(0));
		return;
	}
	list_del(&s->list);
	ukmem_slab_cache_by_id[s->id] = NULL;
	free_cache_id(s->id);
	ukmem_unlock(&slab_mutex);
	sheaves_cache_destroy(s);
	slub_debug_cache_free_random_seq(s);
	void *obj = s;

	slub_put_objects(&kmem_cache_boot, &obj, 1);
}

unsigned int ukmem_kmem_cache_size(struct kmem_cache *s)
{
	return s ? s->object_size : 0;
}

/* ---- validation --------------------------------------------------------------- */

static int validate_report(const struct kmem_cache *s, const char *what, unsigned long a,
			   unsigned long b)
{
	pr_err("ukmem: slab validate: %s: %s (%lu vs %lu)\n", s->name, what, a, b);
	return 1;
}

/* Walk one cache's partial lists and check the invariants of slab.h. */
static int validate_cache(struct kmem_cache *s)
{
	int bad = 0;

	for (int nid = 0; nid < MAX_NUMNODES; nid++) {
		struct kmem_cache_node *n = &s->node[nid];
		unsigned long nr_partial = 0;
		struct list_head *pos;

		if (!list_lock(n))
			continue;
		list_for_each(pos, &n->partial) {
			struct slab *slab = list_entry(pos, struct slab, slab_list);
			unsigned int free = 0;

			nr_partial++;
			if (slab->slab_cache != s || !PageSlab(slab_page(slab)))
				bad += validate_report(s, "foreign slab on the partial list", 0, 0);
			if (!slabmap_matches(s, slab))
				bad += validate_report(s, "slab map differs from struct page", 0, 0);
			for (void *fp = slab->freelist; fp && free <= slab->objects;
			     fp = get_freepointer(s, fp)) {
				uintptr_t off = (uintptr_t)fp - (uintptr_t)slab_address(slab) -
						s->red_left_pad;

				if (off >= (uintptr_t)slab->objects * s->size || off % s->size) {
					bad += validate_report(s, "freelist points outside the slab",
							       off, (unsigned long)slab->objects *
							       s->size);
					break;
				}
				free++;
			}
			if (free + slab->inuse != slab->objects)
				bad += validate_report(s, "free + inuse != objects", free + slab->inuse,
						       slab->objects);
			if (!free)
				bad += validate_report(s, "full slab on the partial list", 0, 1);
		}
		if (nr_partial != n->nr_partial)
			bad += validate_report(s, "nr_partial differs from the list", n->nr_partial,
					       nr_partial);
		if (n->nr_partial > n->nr_slabs)
			bad += validate_report(s, "more partial slabs than slabs", n->nr_partial,
					       n->nr_slabs);
		list_unlock(n);
	}
	return bad;
}

int ukmem_slab_validate(void)
{
	struct list_head *pos;
	int bad = 0;

	if (!ukmem_lock(&slab_mutex))
		return 0;
	list_for_each(pos, &slab_caches)
		bad += validate_cache(list_entry(pos, struct kmem_cache, list));
	ukmem_unlock(&slab_mutex);
	return bad;
}

/* ---- fork ----------------------------------------------------------------------- */

/* The walkers of the two per-node lock classes (lockrank.h).  fork takes
 * slab_mutex first, so the list of caches holds still. */
static void walk_node_locks(bool lock, bool barn)
{
	struct list_head *pos;

	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		for (int nid = 0; nid < MAX_NUMNODES; nid++) {
			ukmem_lock_t *l = barn ? &s->node[nid].barn.lock : &s->node[nid].list_lock;

			if (lock)
				ukmem_plat_lock(&l->raw);
			else
				ukmem_plat_unlock(&l->raw);
		}
	}
}

static void walk_list_locks(bool lock)
{
	walk_node_locks(lock, false);
}

static void walk_barn_locks(bool lock)
{
	walk_node_locks(lock, true);
}

void slub_register_lock_walkers(void)
{
	ukmem_lock_set_walker(LOCK_RANK_LIST, walk_list_locks);
	ukmem_lock_set_walker(LOCK_RANK_BARN, walk_barn_locks);
}
