/*
 * slab.h - SLUB's data: caches, slabs, per-node lists, sheaves and barns.
 * Internal to ukmem: src/slab owns these structures; src/stats reads them
 * for /proc/slabinfo and /sys/kernel/slab.
 *
 * The design is Linux 7.0's: objects live in slabs (compound pages with the
 * free objects chained through a pointer inside each free object); each
 * owner keeps per-cache sheaves (arrays of object pointers: a main and a
 * spare) that serve the fast paths without any lock or atomic; full and
 * empty sheaves are exchanged with a per-node barn; sheaves are refilled
 * from and flushed to the slabs of the node's partial list under its
 * list_lock.  docs/design/slab-percpu.md says why sheaves and not the
 * classic per-CPU slab.
 *
 * The owner of a set of sheaves is a thread (struct slub_owner): user
 * space has no preemption control, but a thread cannot race itself except
 * through a signal handler, which the busy flag turns away.
 *
 * Invariants (checked by ukmem_slab_validate()):
 *   - slab->inuse == objects - (length of slab->freelist); objects of a slab
 *     are either on its freelist, in some sheaf, or with a caller.
 *   - A slab with 0 < inuse < objects is on its node's partial list; a slab
 *     with inuse == objects is on no list; an empty slab is on the partial
 *     list only while nr_partial <= min_partial, else given back.
 *   - n->nr_partial == length of n->partial; n->nr_slabs and
 *     n->total_objects count every slab of the node.
 *   - barn: nr_full/nr_empty == lengths of its lists; a full sheaf has size
 *     == capacity, an empty one size 0.
 *
 * Locks: slab_mutex (cache list), owners_lock, n->list_lock, barn->lock,
 * ranked in that order in src/lib/lockrank.h (only fork holds a list_lock
 * and a barn lock together).  The page allocator is never called with a
 * list_lock or barn lock held.
 */
#ifndef UKMEM_SLAB_SLAB_H
#define UKMEM_SLAB_SLAB_H

#include <ukmem/slab.h>

#include "lib/lib.h"
#include "lib/list.h"
#include "lib/lockrank.h"
#include "page/page.h"
#include "reclaim/reclaim.h"
#include "debug/debug.h"
#include "platform/platform.h"

#define MAX_OBJS_PER_PAGE	32767
_Static_assert(MAX_OBJS_PER_PAGE == UKMEM_OPT_MAX_OBJECTS, "slub_min_objects= bound");
#define MIN_PARTIAL		5
#define MAX_PARTIAL		10
#define SLAB_NAME_MAX		64
#define SLAB_MAX_CACHES		680	/* ids of live caches: an owner's sheaf slots
					 * (3 pointers per cache) fit 16 KiB */
#define CACHE_LINE_SIZE		64

/* Debug flags that disable merging and per-owner sheaves. */
#define SLAB_DEBUG_FLAGS (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | \
			  SLAB_CONSISTENCY_CHECKS)
#define SLAB_NEVER_MERGE (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | \
			  SLAB_TYPESAFE_BY_RCU | SLAB_NOLEAKTRACE | SLAB_FAILSLAB | \
			  SLAB_NO_MERGE | SLAB_KASAN)
#define SLAB_MERGE_SAME (SLAB_RECLAIM_ACCOUNT | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_ACCOUNT)

/* struct track: what SLAB_STORE_USER keeps per object (Linux 6.6 size). */
struct track {
	unsigned long addr;
	unsigned int handle;
	int cpu;
	int pid;
	unsigned long when;
};

/* A slab overlays the struct page of its head page, as in the kernel. */
struct slab {
	unsigned long __page_flags;
	struct kmem_cache *slab_cache;
	struct list_head slab_list;	/* node partial list */
	void *freelist;			/* first free object, NULL if none */
	union {
		unsigned long counters;
		struct {
			unsigned int inuse : 16;
			unsigned int objects : 15;
			unsigned int frozen : 1;
#if __SIZEOF_LONG__ == 8
			unsigned int owner_tag;	/* who refilled from it last */
#endif
		};
	};
	unsigned int __page_type;
	int __page_refcount;
	unsigned long __ukmem_info;
};

_Static_assert(sizeof(struct slab) == sizeof(struct page), "struct slab overlays struct page");
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "slab_objects()/slab_set_inuse() assume the little-endian bitfield layout"
#endif
_Static_assert(__builtin_offsetof(struct slab, slab_cache) ==
	       __builtin_offsetof(struct page, compound_head),
	       "slab_cache must not look like a tail page");
_Static_assert(__builtin_offsetof(struct slab, __page_refcount) ==
	       __builtin_offsetof(struct page, _refcount), "refcount overlay");

static inline struct slab *page_slab(const struct page *page)
{
	return (struct slab *)(void *)compound_head(page);
}

/* slab->counters changes under list_lock; the object count never changes
 * after the slab is made, and lock-free readers (kfree's pointer check)
 * read it through one atomic load of the word. */
static inline unsigned int slab_objects(const struct slab *slab)
{
	unsigned long counters = __atomic_load_n(&slab->counters, __ATOMIC_RELAXED);

	return (unsigned int)(counters >> 16) & 0x7fff;	/* the objects field */
}

/* list_lock held. */
static inline void slab_set_inuse(struct slab *slab, unsigned int inuse)
{
	unsigned long counters = (slab->counters & ~0xffffUL) | (inuse & 0xffff);

	__atomic_store_n(&slab->counters, counters, __ATOMIC_RELAXED);
}

/*
 * The tag of the owner (thread) that last refilled its sheaves from the
 * slab, 0 for none (sheaf.c, "Slab affinity"): refills prefer their own
 * slabs, so two threads rarely hold objects of one slab, nor write one
 * cache line.  list_lock held.
 */
/* Rewrite the slab map's words of slab for its new tag (slabmap.c). */
void slabmap_retag(const struct slab *slab, unsigned int tag);

#if __SIZEOF_LONG__ == 8
static inline unsigned int slab_owner_tag(const struct slab *slab)
{
	return (unsigned int)(slab->counters >> 32);
}

/* The same without list_lock (kfree's fast path): a hint, which a refill
 * may change at any time. */
static inline unsigned int slab_owner_tag_lockless(const struct slab *slab)
{
	return (unsigned int)(__atomic_load_n(&slab->counters, __ATOMIC_RELAXED) >> 32);
}

static inline void slab_set_owner_tag(struct slab *slab, unsigned int tag)
{
	unsigned long counters = (slab->counters & 0xffffffffUL) | ((unsigned long)tag << 32);

	if (counters == slab->counters)
		return;
	__atomic_store_n(&slab->counters, counters, __ATOMIC_RELAXED);
	slabmap_retag(slab, tag);
}
#else
/* 32-bit targets (embedded, mostly one core) have no room in the word:
 * every slab is everybody's. */
static inline unsigned int slab_owner_tag(const struct slab *slab)
{
	(void)slab;
	return 0;
}

static inline unsigned int slab_owner_tag_lockless(const struct slab *slab)
{
	(void)slab;
	return 0;
}

static inline void slab_set_owner_tag(struct slab *slab, unsigned int tag)
{
	(void)slab;
	(void)tag;
}
#endif

/* Does tag belong to a live owner (a thread)?  Lock-free, a hint. */
bool sheaf_owner_tag_live(unsigned int tag);

/*
 * The slab map (slabmap.c): one word per arena page that is in a slab,
 *   bits  0..15  the cache's id + 1 (0: not in a slab)
 *   bits 16..31  the slab's owner tag
 *   bits 32..41  the page's index in its slab
 *   bits 42..56  the slab's object count
 * NULL where there is no arena or no room for the map, and on 32-bit
 * targets (no 64-bit atomics).
 */
extern uint64_t *ukmem_slabmap;
extern struct kmem_cache *ukmem_slab_cache_by_id[SLAB_MAX_CACHES];

void slabmap_init(void);
void slabmap_set(const struct kmem_cache *s, const struct slab *slab, unsigned int order,
		 unsigned int tag);
void slabmap_clear(const struct slab *slab, unsigned int order);
/* Does the map say of every page of slab what its struct page says
 * (ukmem_slab_validate)?  list_lock held. */
bool slabmap_matches(const struct kmem_cache *s, const struct slab *slab);

static inline uint64_t slabmap_word(unsigned int id, unsigned int tag, unsigned int index,
				    unsigned int objects)
{
	return (uint64_t)(id + 1) | (uint64_t)(tag & 0xffff) << 16 | (uint64_t)index << 32 |
	       (uint64_t)objects << 42;
}

/* The fields of a word that is not 0. */
static inline struct kmem_cache *slabmap_cache(uint64_t word)
{
	return ukmem_slab_cache_by_id[(word & 0xffff) - 1];
}

static inline unsigned int slabmap_tag(uint64_t word)
{
	return (unsigned int)(word >> 16) & 0xffff;
}

static inline unsigned int slabmap_index(uint64_t word)
{
	return (unsigned int)(word >> 32) & 0x3ff;
}

static inline unsigned int slabmap_objects(uint64_t word)
{
	return (unsigned int)(word >> 42) & 0x7fff;
}

#if __SIZEOF_LONG__ == 8
/* The word of p's page; p must be in the arena. */
static inline uint64_t slabmap_get(const void *p)
{
	uint64_t *map = ukmem_slabmap;

	if (__builtin_expect(!map, 0))
		return 0;
	return __atomic_load_n(&map[((uintptr_t)p - ukmem_mem_regions[0].start) >> PAGE_SHIFT],
			       __ATOMIC_RELAXED);
}
#else
static inline uint64_t slabmap_get(const void *p)
{
	(void)p;
	return 0;
}
#endif

static inline struct page *slab_page(const struct slab *slab)
{
	return (struct page *)(void *)slab;
}

static inline void *slab_address(const struct slab *slab)
{
	return page_address(slab_page(slab));
}

/* A sheaf: an array of free objects of one cache.  Allocation pops from
 * the top, free pushes; only the owner touches it. */
struct slab_sheaf {
	unsigned int size;
	unsigned int capacity;
	unsigned int refills;		/* refills so far, up to a few (sheaf.c) */
	unsigned int tag;		/* full at a barn: whose objects (sheaf.c) */
	struct kmem_cache *cache;
	union {
		struct list_head barn_list;	/* in a barn */
		int node;			/* handed to a caller: its node */
	};
	void *objects[];
};

/* Per node: full and empty sheaves waiting for an owner. */
struct node_barn {
	ukmem_lock_t lock;
	struct list_head sheaves_full;
	struct list_head sheaves_empty;
	unsigned int nr_full;
	unsigned int nr_empty;
};

struct kmem_cache_node {
	ukmem_lock_t list_lock;
	unsigned long nr_partial;
	struct list_head partial;
	unsigned long nr_slabs;		/* written under list_lock */
	unsigned long total_objects;	/* written under list_lock */
	struct node_barn barn;
	/* Frees that could not take list_lock (signal handler on a thread
	 * that holds it); the next holder finishes them. */
	struct llist_head deferred_free;
};

/* oo: order << 16 | objects, as the kernel packs it. */
struct kmem_cache_order_objects {
	unsigned int x;
};

static inline unsigned int oo_order(struct kmem_cache_order_objects x)
{
	return x.x >> 16;
}

static inline unsigned int oo_objects(struct kmem_cache_order_objects x)
{
	return x.x & 0xffff;
}

struct kmem_cache {
	/* Hot: read on every fast path. */
	unsigned int id;		/* index into each owner's sheaves */
	unsigned int sheaf_capacity;	/* 0: no sheaves (debug, bootstrap) */
	unsigned int size;		/* object + metadata, the stride */
	unsigned int object_size;	/* what the caller asked for */
	unsigned int offset;		/* free pointer offset */
	uint32_t reciprocal_size;	/* for object index without division */
	unsigned int size_mask;		/* size - 1 for power-of-two sizes, else 0 */
	unsigned int slab_shift;	/* PAGE_SHIFT + the preferred slab order */
	unsigned int line_shared;	/* objects may share a cache line: slab affinity */
	unsigned int size_tz;		/* size = odd << size_tz ... */
	uint64_t size_inv;		/* ... and odd * size_inv = 1 mod 2^64 */
	unsigned long random;		/* free pointer secret */
	slab_flags_t flags;
	void (*ctor)(void *);

	unsigned int inuse;		/* offset to metadata */
	unsigned int align;
	unsigned int red_left_pad;
	unsigned int useroffset, usersize;
	struct kmem_cache_order_objects oo;	/* preferred slab */
	struct kmem_cache_order_objects min;	/* smallest slab that fits */
	gfp_t allocflags;		/* added to every slab allocation */
	unsigned long min_partial;
	unsigned int cpu_partial;	/* the kernel's per-CPU budget in objects */
	unsigned int cpu_partial_slabs;
	bool object_poison;		/* P without ctor or RCU: the kernel's __OBJECT_POISON */
	unsigned int *random_seq;	/* slab_freelist_random: a permutation of oo objects */
	int refcount;			/* aliases + 1; < 0: never merge */
	bool destroyed_with_objects;	/* leaked on purpose, as the kernel does */
	const char *name;
	char name_buf[SLAB_NAME_MAX];
	struct list_head list;		/* slab_caches, under slab_mutex */
	struct kmem_cache_node node[MAX_NUMNODES];
};

/* The caches, newest last (merging searches newest first). */
extern struct list_head slab_caches;
extern int slab_nomerge;
extern unsigned int slub_min_order, slub_max_order, slub_min_objects;

/* ---- slub.c: caches and slabs ------------------------------------------- */

/* Object index of the object at byte offset off of its slab: a
 * multiplication by the reciprocal when it is exact (offset * size < 2^32,
 * true up to order-4 slabs), else a division. */
static inline unsigned int off_to_index(const struct kmem_cache *s, uintptr_t off)
{
	if (s->reciprocal_size)
		return (unsigned int)(((uint64_t)off * s->reciprocal_size) >> 32);
	return (unsigned int)(off / s->size);
}

static inline unsigned int obj_to_index(const struct kmem_cache *s, const struct slab *slab,
					const void *p)
{
	return off_to_index(s, (uintptr_t)p - (uintptr_t)slab_address(slab) - s->red_left_pad);
}

/* Object i of a slab (the kernel's fixup_red_left: past the left red zone). */
static inline void *slab_object(const struct kmem_cache *s, const struct slab *slab,
				unsigned int i)
{
	return (char *)slab_address(slab) + (size_t)i * s->size + s->red_left_pad;
}

/*
 * The index of the object at off bytes into its slab (past the left red
 * zone of a debug cache), or a number above any object count when off is
 * not an object start.  Division by multiplication (Granlund and
 * Montgomery): for off a multiple of size, off * size_inv is off / size
 * shifted left by size_tz, and rotating it right gives the index; for any
 * other off the rotation is above 2^64 / size.  One compare with the
 * object count then tests both "a multiple" and "in the slab".
 */
static inline uint64_t slab_off_index(const struct kmem_cache *s, uintptr_t off)
{
	uint64_t q = (uint64_t)(off - s->red_left_pad) * s->size_inv;

	return (q >> s->size_tz) | (q << ((64 - s->size_tz) & 63));
}

/* Is off, a byte offset inside the pages of slab, the start of one of its
 * objects?  Power-of-two objects fill their slab exactly, so a mask test
 * is enough for them. */
static inline bool slab_off_is_object(const struct kmem_cache *s, const struct slab *slab,
				      uintptr_t off)
{
	if (s->size_mask)
		return !(off & s->size_mask);
	return slab_off_index(s, off) < slab_objects(slab);
}

/*
 * Is obj, an address on the page of index index in a slab of objects
 * objects, an object start?  Slabs are naturally aligned (buddy blocks,
 * whose pfns and addresses agree modulo MAX_ORDER: memmap.c) and filled
 * exactly by power-of-two objects, so for those the address alone
 * answers.  index and objects come from the slab map (slab_free_mapped)
 * or from struct page (slab_addr_is_object).
 */
static inline __attribute__((always_inline)) bool slab_ptr_is_object(const struct kmem_cache *s,
								      const void *obj,
								      unsigned int index,
								      unsigned int objects)
{
	if (__builtin_expect(s->size_mask != 0, 1))
		return !((uintptr_t)obj & s->size_mask);
	return slab_off_index(s, ((uintptr_t)index << PAGE_SHIFT) +
				 ((uintptr_t)obj & (PAGE_SIZE - 1))) < objects;
}

/* The same for obj on its page page of slab. */
static inline bool slab_addr_is_object(const struct kmem_cache *s, const struct slab *slab,
				       const struct page *page, const void *obj)
{
	return slab_ptr_is_object(s, obj, (unsigned int)(page - slab_page(slab)),
				  slab_objects(slab));
}

/*
 * A free object on a slab's freelist carries the next free object in its
 * free-pointer word, encoded with the cache's secret and the word's
 * address as SLAB_FREELIST_HARDENED does: a forged or overwritten link is
 * recognised (slub.c) and user data rarely decodes into its own slab.  An
 * object in a sheaf carries nothing: free does not touch it (sheaf.c).
 */

/* swab() of an address, the kernel's hardening mix. */
static inline unsigned long swab_addr(const void *where)
{
	if (sizeof(unsigned long) == 8)
		return (unsigned long)__builtin_bswap64((uint64_t)(uintptr_t)where);
	return (unsigned long)__builtin_bswap32((uint32_t)(uintptr_t)where);
}

static inline unsigned long freeptr_encode(const struct kmem_cache *s, const void *ptr,
					   const void *where)
{
	return (unsigned long)(uintptr_t)ptr ^ s->random ^ swab_addr(where);
}

static inline void *get_freepointer(const struct kmem_cache *s, const void *object)
{
	const unsigned long *where = (const unsigned long *)(const void *)
				     ((const char *)object + s->offset);

	return (void *)(uintptr_t)(*where ^ s->random ^ swab_addr(where));
}

static inline void set_freepointer(const struct kmem_cache *s, void *object, void *fp)
{
	unsigned long *where = (unsigned long *)(void *)((char *)object + s->offset);

	*where = freeptr_encode(s, fp, where);
}

static inline void clear_freepointer(const struct kmem_cache *s, void *object)
{
	*(unsigned long *)(void *)((char *)object + s->offset) = 0;
}

struct kmem_cache *slub_create_cache(const char *name, unsigned int size, unsigned int align,
				     slab_flags_t flags, unsigned int useroffset,
				     unsigned int usersize, void (*ctor)(void *));

/*
 * Take up to count objects for node (NUMA_NO_NODE: the caller's node first)
 * from partial slabs, or new slabs, into p.  Returns how many; fewer only
 * when memory ran out (after min objects, if min > 0, at least that many or
 * none at all).  Takes the node's list_lock; calls the page allocator with
 * no lock held.
 */
unsigned int slub_get_objects(struct kmem_cache *s, gfp_t gfp, int node, void **p,
			      unsigned int count);
/* The same for the owner tagged tag (a sheaf refill): slabs it refilled
 * from before come first, and the slab it takes from becomes its own. */
unsigned int slub_get_objects_tagged(struct kmem_cache *s, gfp_t gfp, int node, void **p,
				     unsigned int count, unsigned int tag);

/* Give objects back to their slabs (any slabs, any nodes).  Checks every
 * object: not a slab object of s, not an object start, already free ->
 * reported and skipped. */
void slub_put_objects(struct kmem_cache *s, void **p, unsigned int count);

/* Release the empty slabs above min_partial (all of them if all is set;
 * those of SLAB_TYPESAFE_BY_RCU caches only when destroying); returns the
 * number of slabs given back. */
unsigned long slub_shrink_nodes(struct kmem_cache *s, bool all, bool destroying);

/* Counts for the stats: objects in use (total minus free on slabs),
 * total objects, slabs, partial slabs. */
struct slub_counts {
	unsigned long active_objs, num_objs, num_slabs, partial_slabs;
	unsigned long per_node_objs[MAX_NUMNODES], per_node_slabs[MAX_NUMNODES];
};
void slub_count(struct kmem_cache *s, struct slub_counts *c);

/* The kernel's slab error report header ("BUG <cache> (Not tainted):"),
 * which then sets TAINT_BAD_PAGE as every SLUB error report does. */
void slab_bug(const struct kmem_cache *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "Slab 0x... objects=N used=N fp=0x... flags=..." of the kernel's reports. */
void print_slab_info(const struct slab *slab);

int ukmem_slab_validate(void);

/* Pages held by slabs (and large kmalloc blocks, which the kernel counts
 * as unreclaimable slab too), on the node of the pages: the kernel's node
 * counters NR_SLAB_RECLAIMABLE_B and NR_SLAB_UNRECLAIMABLE_B, in pages.
 * Atomic; read racily, as the kernel's are. */
#define SLAB_PAGES_RECLAIMABLE 0
#define SLAB_PAGES_UNRECLAIMABLE 1
#define NR_SLAB_PAGES_ITEMS 2
extern unsigned long ukmem_slab_pages[MAX_NUMNODES][NR_SLAB_PAGES_ITEMS];

/* Account pages (negative: give back) of the block at page to its node. */
static inline void slab_pages_mod(const struct page *page, int item, long pages)
{
	__atomic_fetch_add(&ukmem_slab_pages[page_to_nid(page)][item], (unsigned long)pages,
			   __ATOMIC_RELAXED);
}

/* One node's count (node_page_state), or every node's (nid < 0: the
 * kernel's global_node_page_state). */
static inline unsigned long slab_pages_read(int nid, int item)
{
	unsigned long sum = 0;

	if (nid >= 0)
		return __atomic_load_n(&ukmem_slab_pages[nid][item], __ATOMIC_RELAXED);
	for_each_online_node(nid)
		sum += __atomic_load_n(&ukmem_slab_pages[nid][item], __ATOMIC_RELAXED);
	return sum;
}

/* fork(): give the lock table the walkers of the list and barn locks,
 * and of the mempools' locks (mempool.c). */
void slub_register_lock_walkers(void);
void mempool_register_lock_walker(void);

/* The kernel's kmalloc_fix_flags(): strip the zone modifiers a slab cannot
 * honour (GFP_SLAB_BUG_MASK) with its "Unexpected gfp" warning. */
gfp_t slab_fix_flags(gfp_t gfp);

/* Is obj on its slab's freelist (a double free)?  Takes list_lock; false
 * also when the lock cannot be taken (a signal handler). */
bool slub_object_on_freelist(struct kmem_cache *s, struct slab *slab, const void *obj);

/* The freelist pointer that obj's word decodes to is NULL or an object of
 * slab; anything else is a corrupted (or forged) freelist. */
bool slub_valid_pointer(const struct kmem_cache *s, const struct slab *slab, const void *p);

/* ---- slub_debug.c: SLUB's debugging (slub_debug=, the cache flags) ------ */

#define SLUB_RED_INACTIVE	0xbb
#define SLUB_RED_ACTIVE		0xcc
#define POISON_INUSE		0x5a
#define POISON_FREE		0x6b
#define POISON_END		0xa5

/* The options of the slab layer's debugging: slub_debug=, init_on_alloc,
 * init_on_free, slab_freelist_random (at the slab layer's start). */
void slub_debug_apply_options(const struct ukmem_options *opt);
/* The debug flags slub_debug= gives a new cache called name (the kernel's
 * kmem_cache_flags), with *order_check set for the O flag. */
slab_flags_t slub_debug_cache_flags(const char *name, slab_flags_t flags, bool *order_check);
/* New slab of a debug cache: padding poisoned, every object free-state. */
void slub_debug_setup_slab(struct kmem_cache *s, struct slab *slab);
/* obj was just taken from its slab for a caller who asked for orig_size
 * bytes: checks, then the red zones and tracking of an allocated object. */
void slub_debug_alloc(struct kmem_cache *s, void *obj, unsigned long caller, size_t orig_size);
/* The caller of obj (a kmalloc object of a cache with Z and U) now uses
 * size bytes of it (krealloc in place, ksize, malloc_usable_size): its
 * kmalloc red zone moves. */
void slub_debug_set_orig_size(struct kmem_cache *s, void *obj, size_t size);
/* obj is being freed: false (reported) if it must not go back (not an
 * object, already free); else checked and made a free object. */
bool slub_debug_free(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller);
/* A bad free that kfree's own checks found, on a debug cache: the
 * report with the object's tracks. */
void slub_debug_free_bad(struct kmem_cache *s, struct slab *slab, void *obj, bool double_free);
/* Check every slab of s (the validate file); returns the errors found. */
int slub_debug_validate_cache(struct kmem_cache *s);
/* alloc_traces / free_traces of s into m (free: the free tracks). */
int slub_debug_show_traces(struct kmem_cache *s, bool free, struct seq_buf *m);
/* init_on_alloc=, init_on_free= and slab_freelist_random=, as the slab
 * layer's start found them (slub_debug_apply_options). */
extern bool slub_init_on_alloc, slub_init_on_free, slub_freelist_random;

/* Does s keep each object's requested size and red-zone the bytes past it
 * (a kmalloc cache with slub_debug's Z and U: the kernel's kmalloc red
 * zone, slub_debug.c)? */
static inline bool slab_kmalloc_redzone(const struct kmem_cache *s)
{
	return (s->flags & (SLAB_KMALLOC | SLAB_STORE_USER | SLAB_RED_ZONE)) ==
	       (SLAB_KMALLOC | SLAB_STORE_USER | SLAB_RED_ZONE);
}
/* A random freelist order for a new cache (slab_freelist_random), and
 * its pages given back when the cache goes. */
void slub_debug_cache_random_seq(struct kmem_cache *s);
void slub_debug_cache_free_random_seq(struct kmem_cache *s);

/* ---- slab_hooks.c: the slow paths through the debug hooks -------------- */

/* An allocation or free of a debug cache, or of any cache while a debug
 * tool watches them all (debug/debug.h): no sheaves; failslab, KFENCE,
 * slub_debug, init_on_alloc/free and kmemleak, in the kernel's order. */
void *slab_alloc_hooked(struct kmem_cache *s, gfp_t gfp, int node, unsigned long caller,
			size_t orig_size);
/* The hooks for obj, just taken from its slab by a caller of
 * slub_get_objects (hooks: debug_hooks()'s value). */
void slab_post_alloc_hooked(struct kmem_cache *s, void *obj, gfp_t gfp, unsigned long caller,
			    size_t orig_size, unsigned int hooks);
/* At the slab layer's start: the debug tools the options ask for. */
void slab_hooks_start(const struct ukmem_options *opt);
void slab_free_hooked(struct kmem_cache *s, void *obj, unsigned long caller);

/* ---- sheaf.c: per-owner sheaves and barns (fast paths: sheaf.h) --------- */

/* Flush every owner's sheaves of s (all caches if s is NULL) and empty the
 * barns, so that every free object is back in its slab. */
void sheaves_flush_all(struct kmem_cache *s);
/* Every sheaf of every owner and barn flushed and freed (slab_mutex). */
void sheaves_drop_all(void);
/* Only the barns of s: their full sheaves back to the slabs. */
void sheaves_flush_barn(struct kmem_cache *s);
void sheaves_cache_init(struct kmem_cache *s);
void sheaves_cache_destroy(struct kmem_cache *s);
/* Make the cache sheaves come from (at the slab layer's start). */
void sheaves_init(void);
/* fork(): the child drops the owners of threads that no longer exist
 * (declared in the door, slab_api.h). */

/* ---- kmalloc.c ------------------------------------------------------------ */

void kmalloc_init(void);

#endif /* UKMEM_SLAB_SLAB_H */
