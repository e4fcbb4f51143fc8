/*
 * kmalloc.c - the kmalloc family and the kmem_cache API entry points: size
 * classes, the kmalloc caches of each type, large kmalloc from the page
 * allocator, kfree of either, ksize, krealloc, bulk operations and the
 * caller-owned sheaves.
 *
 * Theory
 * ------
 * kmalloc(size) picks a cache by size class, as SLUB does: sizes up to 192
 * through a table (so 65..96 goes to kmalloc-96 and 129..192 to
 * kmalloc-192), larger ones by the next power of two, up to 8 KiB
 * (KMALLOC_MAX_CACHE_SIZE).  Above that, kmalloc_large takes a compound
 * page of the right order; above 4 MiB (KMALLOC_MAX_SIZE) the page
 * allocator refuses with its warning.  The GFP flags pick the cache type:
 * __GFP_DMA the dma-kmalloc-* caches, __GFP_RECLAIMABLE kmalloc-rcl-*,
 * __GFP_ACCOUNT kmalloc-cg-* (the caches are made as a kernel with
 * CONFIG_MEMCG_KMEM makes them: the normal ones never merge).
 *
 * Alignment.  A kmalloc cache is aligned to at least the largest power of
 * two that divides its size: a power of two to itself, kmalloc-96 to 32,
 * kmalloc-192 to 64.  That is the rule of create_boot_cache() since Linux
 * 6.11 (commit ad59baa31695, which Rust's allocator relies on) and still
 * in 6.18; 6.6, which the rest of the slab geometry follows, aligned only
 * the power-of-two sizes and left 96 and 192 at 8.  The newer rule costs
 * nothing (96 and 192 are multiples of their alignment, so no size grows)
 * and makes /sys/kernel/slab/kmalloc-96/align read what current kernels
 * show.
 *
 * kfree() finds the page of the pointer: a slab page names its cache; a
 * compound page is a large kmalloc; anything else is reported and left
 * alone.  Every check is a report, never an abort, and never a corruption.
 *
 * The slab layer starts on first use (slab_ensure_init): the page
 * allocator, then the cache of sheaves, then the kmalloc caches.
 */
#include "lib/errno.h"
#include "lib/task.h"
#include "slab/slab_api.h"

struct kmem_cache *ukmem_kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1];

/* kmalloc_size_index[(size - 1) / 8] for sizes up to 192. */
static const unsigned char size_index[24] = {
	3, 4, 5, 5, 6, 6, 6, 6,
	1, 1, 1, 1, 7, 7, 7, 7,
	2, 2, 2, 2, 2, 2, 2, 2,
};

static const char *const size_names[KMALLOC_SHIFT_HIGH + 1] = {
	[1] = "96", [2] = "192", [3] = "8", [4] = "16", [5] = "32", [6] = "64", [7] = "128",
	[8] = "256", [9] = "512", [10] = "1k", [11] = "2k", [12] = "4k", [13] = "8k",
};

static const char *const type_prefix[NR_KMALLOC_TYPES] = {
	[KMALLOC_NORMAL] = "kmalloc-",
	[KMALLOC_RECLAIM] = "kmalloc-rcl-",
	[KMALLOC_DMA] = "dma-kmalloc-",
	[KMALLOC_CGROUP] = "kmalloc-cg-",
};

static unsigned int kmalloc_sizes(unsigned int idx)
{
	return idx == 1 ? 96 : idx == 2 ? 192 : 1U << idx;
}

static int slab_state;	/* 0 down, 1 up */
static int slab_init_tid;	/* the thread starting the slab layer, or 0 */

void kmalloc_init(void)
{
	static const slab_flags_t type_flags[NR_KMALLOC_TYPES] = {
		[KMALLOC_NORMAL] = SLAB_NO_MERGE,
		[KMALLOC_RECLAIM] = SLAB_RECLAIM_ACCOUNT,
		[KMALLOC_DMA] = SLAB_CACHE_DMA,
		[KMALLOC_CGROUP] = SLAB_ACCOUNT,
	};

	for (int type = 0; type < NR_KMALLOC_TYPES; type++) {
		for (unsigned int idx = 1; idx <= KMALLOC_SHIFT_HIGH; idx++) {
			char name[SLAB_NAME_MAX];
			unsigned int size = kmalloc_sizes(idx);
			unsigned int align = ARCH_KMALLOC_MINALIGN;

			if (idx == 1 || idx == 2 || idx >= KMALLOC_SHIFT_LOW) {
				ukmem_snprintf(name, sizeof(name), "%s%s", type_prefix[type],
					       size_names[idx]);
				/* At least the largest power of two dividing the
				 * size (see the theory: 6.11's rule). */
				if ((size & -size) > align)
					align = size & -size;
				/* usersize = size: kmalloc caches are usercopy
				 * caches, which never merge. */
				ukmem_kmalloc_caches[type][idx] =
					slub_create_cache(name, size, align,
							  SLAB_KMALLOC | type_flags[type], 0, size,
							  NULL);
			}
		}
	}
}

static void apply_options_locked(const struct ukmem_options *opt)
{
	if (opt->slub_min_order >= 0)
		slub_min_order = (unsigned int)opt->slub_min_order;
	if (opt->slub_max_order >= 0)
		slub_max_order = (unsigned int)opt->slub_max_order;
	if (slub_min_order > slub_max_order)
		slub_max_order = slub_min_order;
	if (opt->slub_min_objects >= 0)
		slub_min_objects = (unsigned int)opt->slub_min_objects;
	if (opt->slab_nomerge >= 0)
		slab_nomerge = opt->slab_nomerge;
	slub_debug_apply_options(opt);
}

/* Under slab_init_lock: a start on first use on another thread applies
 * the same options at the same time. */
void slab_apply_options(const struct ukmem_options *opt)
{
	ukmem_lock(&slab_init_lock);
	if (!slab_state)
		apply_options_locked(opt);
	ukmem_unlock(&slab_init_lock);
}

/* Direct reclaim's share of the slab layer (a local function: its address
 * is taken without a GOT entry in the freestanding core). */
static unsigned long slab_reclaim(gfp_t gfp, int priority)
{
	return slab_reclaim_all(gfp, priority);
}

bool slab_ensure_init(void)
{
	if (__builtin_expect(__atomic_load_n(&slab_state, __ATOMIC_ACQUIRE), 1))
		return true;
	if (!ukmem_ensure_init())
		return false;
	/* The start creates caches and slabs, taking slab_mutex, list_lock
	 * and zone locks as any allocation does: all ranked after
	 * slab_init_lock, so they wait as usual.  A signal handler that
	 * interrupts the start must not use half-made caches: it is
	 * recognised by the thread id, and fails its allocation. */
	if (__atomic_load_n(&slab_init_tid, __ATOMIC_RELAXED) == ukmem_plat_tid())
		return false;
	ukmem_lock(&slab_init_lock);
	if (!slab_state) {
		__atomic_store_n(&slab_init_tid, ukmem_plat_tid(), __ATOMIC_RELAXED);
		apply_options_locked(ukmem_started_options());
		slub_register_lock_walkers();
		mempool_register_lock_walker();
		reclaim_set_slab_reclaim(slab_reclaim);
		sheaves_init();
		kmalloc_init();
		slab_hooks_start(ukmem_started_options());
		__atomic_store_n(&slab_init_tid, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&slab_state, 1, __ATOMIC_RELEASE);
	}
	ukmem_unlock(&slab_init_lock);
	return true;
}

/* ---- kmalloc ----------------------------------------------------------------- */

static struct kmem_cache *kmalloc_slab(size_t size, gfp_t gfp)
{
	unsigned int idx = size <= 192 ? size_index[(size - 1) / 8] :
			   (unsigned int)ukmem_fls_long(size - 1);

	return ukmem_kmalloc_caches[kmalloc_type(gfp)][idx];
}

void *ukmem_kmalloc_large(size_t size, gfp_t gfp, int node)
{
	struct page *page;
	unsigned int order;

	if (size > KMALLOC_MAX_SIZE) {
		if (!(gfp & __GFP_NOWARN))	/* __alloc_pages' WARN */
			ukmem_warn("WARNING: kmalloc(%zu): larger than KMALLOC_MAX_SIZE (%lu)\n",
				   size, KMALLOC_MAX_SIZE);
		return NULL;
	}
	order = (unsigned int)get_order(size);
	if (gfp & (__GFP_DMA32 | __GFP_HIGHMEM))
		gfp = slab_fix_flags(gfp);
	page = ukmem_alloc_pages(gfp | __GFP_COMP, order, node);
	if (!page)
		return NULL;
	slab_pages_mod(page, SLAB_PAGES_UNRECLAIMABLE, 1L << order);
	kmemleak_alloc(page_address(page), size, 1, gfp);
	if (debug_hooks() & DEBUG_HOOK_VALGRIND)
		ukmem_plat_vg_block(page_address(page), size, true, gfp & __GFP_ZERO);
	return page_address(page);
}

/* kmalloc and kmem_cache_alloc of a sleeping gfp in atomic context:
 * reported, then as GFP_ATOMIC (lib/task.h).  Cold, and reached by a tail
 * call, so the fast paths keep their frameless shape. */
__attribute__((noinline, cold))
static void *kmalloc_in_atomic(size_t size, gfp_t gfp, int node)
{
	return ukmem_kmalloc(size, might_alloc(gfp), node);
}

__attribute__((noinline, cold))
static void *cache_alloc_in_atomic(struct kmem_cache *s, gfp_t gfp, int node)
{
	return slab_alloc(s, might_alloc(gfp), node);
}

void *ukmem_kmalloc(size_t size, gfp_t gfp, int node)
{
	struct kmem_cache *s;

	if (task_sleeps_in_atomic(gfp))
		return kmalloc_in_atomic(size, gfp, node);
	if (__builtin_expect(!size, 0))
		return ZERO_SIZE_PTR;
	if (__builtin_expect(size > KMALLOC_MAX_CACHE_SIZE, 0))
		return ukmem_kmalloc_large(size, gfp, node);
	if (__builtin_expect(!slab_ensure_init(), 0))
		return NULL;
	s = kmalloc_slab(size, gfp);
	return s ? slab_alloc_size(s, gfp, node, size) : NULL;
}

size_t ukmem_kmalloc_size_roundup(size_t size)
{
	if (size && size <= KMALLOC_MAX_CACHE_SIZE) {
		unsigned int idx = size <= 192 ? size_index[(size - 1) / 8] :
				   (unsigned int)ukmem_fls_long(size - 1);

		return kmalloc_sizes(idx);
	}
	if (size && size <= KMALLOC_MAX_SIZE)
		return PAGE_SIZE << get_order(size);
	return size;
}

/* ---- kfree and ksize ----------------------------------------------------------- */

static void free_large_kmalloc(struct page *head, const void *p)
{
	if (!PageHead(head) || page_ref_count(head) != 1 || p != page_address(head)) {
		ukmem_printk("BUG: kfree(0x%p): not a kmalloc object (page pfn %#lx is %s)\n", p,
			     page_to_pfn(head),
			     page_ref_count(head) <= 0 ? "free" :
			     !PageHead(head) ? "not a large kmalloc block" :
			     "a large kmalloc block, but p is not its start");
		return;
	}
	kmemleak_free(p);
	if (debug_hooks() & DEBUG_HOOK_VALGRIND) {
		/* The pages go back to the page allocator, which may write
		 * them (zeroing, its own checks): addressable again. */
		ukmem_plat_vg_block(p, 0, false, false);
		ukmem_plat_vg_mark(p, PAGE_SIZE << compound_order(head), PLAT_VG_UNDEFINED);
	}
	slab_pages_mod(head, SLAB_PAGES_UNRECLAIMABLE, -(1L << compound_order(head)));
	ukmem_free_pages(head, compound_order(head));
}

/* The page of an object pointer, or NULL (reported) for a foreign one. */
static struct page *object_page(const void *p, const char *caller)
{
	struct page *page = virt_to_page(p);

	if (!page)
		ukmem_printk("BUG: %s(0x%p): not a pointer ukmem returned\n", caller, p);
	return page ? compound_head(page) : NULL;
}

/* kfree of p outside the arena's slabs: a KFENCE sample, a slab object
 * or large block of another memory region, or a pointer ukmem never
 * returned (reported). */
__attribute__((noinline, cold))
static void kfree_not_slab(const void *p, struct page *page)
{
	if (!page && is_kfence_address(p)) {
		kfence_free((void *)(uintptr_t)p);
		return;
	}
	if (!page) {
		page = ukmem_virt_addr_valid(p) ? virt_to_page(p) : NULL;
		if (page && slab_free_object(page, (void *)(uintptr_t)p))
			return;
	}
	if (!page) {
		ukmem_printk("BUG: kfree(0x%p): not a pointer ukmem returned\n", p);
		return;
	}
	free_large_kmalloc(compound_head(page), p);
}


void ukmem_kfree(const void *p)
{
	struct page *page = NULL;

	/* NULL and ZERO_SIZE_PTR are below the arena: tested off the fast path. */
	if (__builtin_expect(ukmem_in_arena(p), 1)) {
		if (__builtin_expect(slab_free_arena((void *)p), 1))
			return;
		page = ukmem_arena_page_of(p);
	} else if (ZERO_OR_NULL_PTR(p)) {
		return;
	}
	kfree_not_slab(p, page);
}

size_t ukmem_ksize(const void *p)
{
	struct page *head;

	if (ZERO_OR_NULL_PTR(p))
		return 0;
	if (is_kfence_address(p))
		return kfence_ksize(p);
	head = object_page(p, "ksize");
	if (!head)
		return 0;
	if (PageSlab(head)) {
		struct kmem_cache *s = ((struct slab *)(void *)head)->slab_cache;

		/* The caller may use all of it now (KASAN opens the slack,
		 * slub_debug moves its kmalloc red zone). */
		kasan_unpoison_object(s, (void *)(uintptr_t)p, slab_ksize(s));
		slab_object_resized(head, (void *)(uintptr_t)p, slab_ksize(s));
		return slab_ksize(s);
	}
	if (!PageHead(head) || p != page_address(head)) {
		/* __ksize's WARN_ON */
		ukmem_warn("WARNING: ksize(0x%p): not a kmalloc object\n", p);
		return 0;
	}
	return PAGE_SIZE << compound_order(head);
}

void *ukmem_krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	size_t ks = ZERO_OR_NULL_PTR(p) ? 0 : ukmem_ksize(p);
	void *ret;

	if (!new_size) {
		ukmem_kfree(p);
		return ZERO_SIZE_PTR;
	}
	if (ks >= new_size) {
		/* In place: the object's requested size is new_size now. */
		slab_object_resized(virt_to_page(p), (void *)(uintptr_t)p, new_size);
		return (void *)p;
	}
	ret = ukmem_kmalloc(new_size, gfp, NUMA_NO_NODE);
	if (ret && ks)
		__builtin_memcpy(ret, p, ks);
	if (ret && p)
		ukmem_kfree(p);
	return ret;
}

void ukmem_kfree_sensitive(const void *p)
{
	size_t ks = ukmem_ksize(p);

	if (ks) {
		volatile unsigned char *v = (volatile unsigned char *)(uintptr_t)p;

		/* memzero_explicit: the compiler may not drop it. */
		for (size_t i = 0; i < ks; i++)
			v[i] = 0;
	}
	ukmem_kfree(p);
}

/* ---- kmem_cache ----------------------------------------------------------------- */

#define SLAB_FLAGS_PERMITTED (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | \
			      SLAB_KMALLOC | SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | \
			      SLAB_CACHE_DMA32 | SLAB_STORE_USER | SLAB_RECLAIM_ACCOUNT | \
			      SLAB_PANIC | SLAB_TYPESAFE_BY_RCU | SLAB_MEM_SPREAD | SLAB_TRACE | \
			      SLAB_DEBUG_OBJECTS | SLAB_NOLEAKTRACE | SLAB_NO_MERGE | \
			      SLAB_FAILSLAB | SLAB_ACCOUNT | SLAB_KASAN | SLAB_NO_USER_FLAGS | \
			      SLAB_SKIP_KFENCE)

struct kmem_cache *ukmem_kmem_cache_create(const char *name, unsigned int size,
					   unsigned int align, slab_flags_t flags,
					   unsigned int useroffset, unsigned int usersize,
					   void (*ctor)(void *))
{
	struct kmem_cache *s = NULL;
	int err = 0;

	if (!slab_ensure_init()) {
		err = -ENOMEM;
	} else if (!name || size < sizeof(void *) || size > KMALLOC_MAX_SIZE) {
		ukmem_printk("kmem_cache_create(%s) integrity check failed\n", name ? name : "(null)");
		err = -EINVAL;
	} else if (flags & ~SLAB_FLAGS_PERMITTED) {
		err = -EINVAL;
	} else if (align & (align - 1)) {
		ukmem_printk("kmem_cache_create(%s): align %u is not a power of two\n", name, align);
		err = -EINVAL;
	}
	if (!err) {
		if ((!usersize && useroffset) || size < usersize || size - usersize < useroffset) {
			ukmem_warn("WARNING: kmem_cache_create(%s): bad usercopy region %u+%u\n",
				   name, useroffset, usersize);
			usersize = useroffset = 0;
		}
		s = slub_create_cache(name, size, align, flags & ~SLAB_KMALLOC, useroffset, usersize,
				      ctor);
		if (!s)
			err = -ENOMEM;
	}
	if (err) {
		if (flags & SLAB_PANIC)
			ukmem_printk("Kernel panic - not syncing: kmem_cache_create: Failed to create "
				     "slab '%s'. Error %d\n", name ? name : "(null)", err);
		else
			ukmem_printk("kmem_cache_create(%s) failed with error %d\n",
				     name ? name : "(null)", err);
		return NULL;
	}
	return s;
}

void *ukmem_kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp, int node)
{
	if (__builtin_expect(!s, 0))
		return NULL;
	if (task_sleeps_in_atomic(gfp))
		return cache_alloc_in_atomic(s, gfp, node);
	return slab_alloc(s, gfp, node);
}

/* kmem_cache_free of an object outside the arena: a KFENCE sample, or an
 * object of another memory region (then its page as usual). */
__attribute__((noinline, cold))
static struct page *cache_free_outside_arena(struct kmem_cache *s, void *obj)
{
	if (is_kfence_address(obj)) {
		if (s && kfence_object_cache(obj) && kfence_object_cache(obj) != s)
			ukmem_warn("WARNING: %s: Wrong slab cache. %s but object is from %s\n",
				   "cache_from_obj", s->name,
				   ((const struct kmem_cache *)kfence_object_cache(obj))->name);
		kfence_free(obj);
		return NULL;
	}
	return object_page(obj, "kmem_cache_free");
}

/* cache_from_obj's WARN_ONCE: obj was freed to s, but is owner's. */
__attribute__((noinline, cold))
static void warn_wrong_cache(const struct kmem_cache *s, const struct kmem_cache *owner)
{
	ukmem_warn("WARNING: %s: Wrong slab cache. %s but object is from %s\n", "cache_from_obj",
		   s->name, owner->name);
}

void ukmem_kmem_cache_free(struct kmem_cache *s, void *obj)
{
	struct page *page, *head;
	struct slab *slab;

	if (__builtin_expect(ukmem_in_arena(obj), 1)) {
		uint64_t word = slabmap_get(obj);

		if (__builtin_expect(word != 0, 1)) {
			struct kmem_cache *owner = slabmap_cache(word);

			if (__builtin_expect(s && owner != s, 0))
				warn_wrong_cache(s, owner);
			slab_free_mapped(word, obj);
			return;
		}
		page = ukmem_arena_page_of(obj);
		head = compound_head(page);
	} else {
		if (!obj)
			return;
		head = cache_free_outside_arena(s, obj);
		if (!head)
			return;
		page = virt_to_page(obj);
	}
	if (!PageSlab(head)) {
		ukmem_printk("BUG: kmem_cache_free(%s, 0x%p): not a slab object\n",
			     s ? s->name : "(null)", obj);
		return;
	}
	slab = (struct slab *)(void *)head;
	if (__builtin_expect(s && slab->slab_cache != s, 0))
		warn_wrong_cache(s, slab->slab_cache);
	slab_free(slab->slab_cache, slab, page, obj);
}

int ukmem_kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t size, void **p)
{
	unsigned int got;

	if (!s || !size || size > 0x7fffffff)
		return 0;
	got = sheaf_alloc_bulk(s, gfp, p, (unsigned int)size);
	if (got < size) {
		/* All or nothing, as the kernel. */
		ukmem_kmem_cache_free_bulk(s, got, p);
		return 0;
	}
	return (int)size;
}

void ukmem_kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p)
{
	for (size_t i = 0; i < size; i++) {
		if (s)
			ukmem_kmem_cache_free(s, p[i]);
		else
			ukmem_kfree(p[i]);
	}
}

/* ---- caller-owned sheaves ---------------------------------------------------------- */

static struct slab_sheaf *sheaf_new(struct kmem_cache *s, gfp_t gfp, unsigned int capacity)
{
	struct slab_sheaf *sheaf = ukmem_kmalloc(sizeof(*sheaf) + capacity * sizeof(void *),
						 gfp & ~__GFP_ZERO, NUMA_NO_NODE);

	if (!sheaf)
		return NULL;
	sheaf->size = 0;
	sheaf->refills = 0;
	sheaf->capacity = capacity;
	sheaf->cache = s;
	return sheaf;
}

/* Fill sheaf up to size objects; false (nothing taken) if memory ran out. */
static bool sheaf_fill(struct kmem_cache *s, gfp_t gfp, struct slab_sheaf *sheaf,
		       unsigned int size)
{
	unsigned int want = size - sheaf->size;
	unsigned int got = slub_get_objects(s, gfp, NUMA_NO_NODE, sheaf->objects + sheaf->size,
					    want);

	if (got < want) {
		slub_put_objects(s, sheaf->objects + sheaf->size, got);
		return false;
	}
	sheaf->size = size;
	return true;
}

struct slab_sheaf *ukmem_kmem_cache_prefill_sheaf(struct kmem_cache *s, gfp_t gfp,
						  unsigned int size)
{
	struct slab_sheaf *sheaf;
	unsigned int cap;

	if (!s || !slab_ensure_init())
		return NULL;
	cap = s->sheaf_capacity > size ? s->sheaf_capacity : size;
	sheaf = sheaf_new(s, gfp, cap ? cap : 1);
	if (!sheaf)
		return NULL;
	if (!sheaf_fill(s, gfp, sheaf, size)) {
		ukmem_kfree(sheaf);
		return NULL;
	}
	return sheaf;
}

int ukmem_kmem_cache_refill_sheaf(struct kmem_cache *s, gfp_t gfp, struct slab_sheaf **sheafp,
				  unsigned int size)
{
	struct slab_sheaf *sheaf = *sheafp, *bigger;

	if (!sheaf)
		return -EINVAL;
	if (sheaf->size >= size)
		return 0;
	if (size <= sheaf->capacity)
		return sheaf_fill(s, gfp, sheaf, size) ? 0 : -ENOMEM;
	bigger = sheaf_new(s, gfp, size);
	if (!bigger)
		return -ENOMEM;
	__builtin_memcpy(bigger->objects, sheaf->objects, sheaf->size * sizeof(void *));
	bigger->size = sheaf->size;
	if (!sheaf_fill(s, gfp, bigger, size)) {
		ukmem_kfree(bigger);
		return -ENOMEM;
	}
	ukmem_kfree(sheaf);
	*sheafp = bigger;
	return 0;
}

void *ukmem_kmem_cache_alloc_from_sheaf(struct kmem_cache *s, gfp_t gfp,
					struct slab_sheaf *sheaf)
{
	void *obj;

	if (!sheaf || !sheaf->size)
		return NULL;
	obj = sheaf->objects[--sheaf->size];
	if (debug_hooks() || (s->flags & SLAB_DEBUG_FLAGS)) {
		unsigned int hooks = debug_hooks();

		/* The objects waited in the sheaf as free ones: now the
		 * caller's, through the same hooks as any allocation. */
		slab_post_alloc_hooked(s, obj, gfp, (unsigned long)__builtin_return_address(0),
				       s->object_size, hooks);
		if ((hooks & DEBUG_HOOK_KMEMLEAK) && !(s->flags & SLAB_NOLEAKTRACE))
			kmemleak_alloc(obj, s->object_size, 1, gfp);
		return obj;
	}
	if (gfp & __GFP_ZERO)
		__builtin_memset(obj, 0, s->object_size);
	return obj;
}

void ukmem_kmem_cache_return_sheaf(struct kmem_cache *s, gfp_t gfp, struct slab_sheaf *sheaf)
{
	(void)gfp;
	if (!sheaf)
		return;
	if (sheaf->size)
		slub_put_objects(s, sheaf->objects, sheaf->size);
	ukmem_kfree(sheaf);
}

unsigned int ukmem_kmem_cache_sheaf_size(struct slab_sheaf *sheaf)
{
	return sheaf ? sheaf->size : 0;
}
