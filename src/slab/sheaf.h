/*
 * sheaf.h - the allocation and free fast paths, inline, for every caller
 * inside ukmem (kmalloc.c, the malloc front).  The slow paths and the
 * theory of owners, sheaves and barns are in sheaf.c.
 *
 * The fast paths take no lock and make no atomic read-modify-write: an
 * owner's sheaves are touched only by the owner, guarded against its own
 * signal handlers and against flushers by the busy and stop words.
 */
#ifndef UKMEM_SLAB_SHEAF_H
#define UKMEM_SLAB_SHEAF_H

#include "slab/slab.h"
#include "slab/kasan.h"

struct slub_pcs {
	struct slab_sheaf *main;
	struct slab_sheaf *spare;
};

/* One owner (thread).  pcs has a slot for every possible cache id, so the
 * fast path needs no bounds check. */
struct slub_owner {
	int busy;		/* in a sheaf operation */
	int stop;		/* OWNER_STOP_FLUSH: a flusher owns the sheaves;
				 * OWNER_STOP_FENCED for good where the OS has
				 * no membarrier (then stop_fenced says it) */
	int stop_fenced;	/* a flusher owns the sheaves, no membarrier */
	unsigned int nr_ids;	/* one past the highest cache id it held sheaves of:
				 * the walks over pcs stop there */
	unsigned int tag;	/* marks the slabs it refills from (slab affinity) */
	struct list_head list;	/* owners_list, or spare_owners once its thread left */
	struct slub_pcs pcs[SLAB_MAX_CACHES];
	/* Per cache, the objects of other threads' slabs this thread freed
	 * (sheaf.c, "Remote frees"): never allocated from here. */
	struct slab_sheaf *remote[SLAB_MAX_CACHES];
};

/* An owner is one order-2 block: a thread's start zeroes 16 KiB. */
_Static_assert(sizeof(struct slub_owner) <= 16384, "an owner fits 16 KiB");

/* Until a thread allocates for the first time its owner is
 * ukmem_dummy_owner, which is always busy: the fast paths fail on it
 * without a NULL test, and the slow path makes a real owner.  After the
 * thread-exit hook gave the owner back it is ukmem_exited_owner, as busy,
 * which the slow path never replaces: libc frees after the last thread
 * destructors (strerror's buffer, resolver state), and a new owner then
 * would never be given back.  Hidden: one lea, no GOT load, in a shared
 * library. */
#define SHEAF_HIDDEN __attribute__((visibility("hidden")))
extern struct slub_owner ukmem_dummy_owner SHEAF_HIDDEN;
extern struct slub_owner ukmem_exited_owner SHEAF_HIDDEN;
extern UKMEM_THREAD_LOCAL struct slub_owner *ukmem_current_owner SHEAF_HIDDEN;

/* Set when the OS has no membarrier: owners then fence themselves. */
extern int ukmem_sheaf_fence SHEAF_HIDDEN;

#define OWNER_STOP_FLUSH 1
#define OWNER_STOP_FENCED 2

#if defined(__SANITIZE_THREAD__)
/* TSan does not know membarrier (nor fences): sequentially consistent
 * busy store and stop load make the handshake visible to it. */
#define BUSY_STORE_MEMORDER __ATOMIC_SEQ_CST
#define STOP_LOAD_MEMORDER __ATOMIC_SEQ_CST
#else
#define BUSY_STORE_MEMORDER __ATOMIC_RELAXED
#define STOP_LOAD_MEMORDER __ATOMIC_ACQUIRE
#endif

/*
 * Enter a sheaf operation on the fast path: false if a signal handler
 * found its own thread already inside one, or the stop word is set (a
 * flusher holds the sheaves, or the owner must fence itself first: no
 * membarrier, OWNER_STOP_FENCED).  The caller then takes its slow path,
 * which enters with owner_enter_slow(); so the fast paths call nothing
 * and keep no stack frame, and owners without membarrier only lose the
 * inline fast path, never correctness.
 */
static inline __attribute__((always_inline)) bool owner_enter(struct slub_owner *o)
{
	if (__atomic_load_n(&o->busy, __ATOMIC_RELAXED))
		return false;
	__atomic_store_n(&o->busy, 1, BUSY_STORE_MEMORDER);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (__builtin_expect(__atomic_load_n(&o->stop, STOP_LOAD_MEMORDER), 0)) {
		__atomic_store_n(&o->busy, 0, __ATOMIC_RELEASE);
		return false;
	}
	return true;
}

static inline __attribute__((always_inline)) void owner_exit(struct slub_owner *o)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&o->busy, 0, __ATOMIC_RELEASE);
}

/* The slow paths.  caller is the return address of the entry point
 * (kmalloc's caller), for slub_debug's user tracking; orig_size the size
 * the caller asked for, for its kmalloc red zone. */
void *slab_alloc_slow(struct kmem_cache *s, gfp_t gfp, int node, unsigned long caller,
		      size_t orig_size);
unsigned int sheaf_alloc_bulk(struct kmem_cache *s, gfp_t gfp, void **p, unsigned int n);
void slab_free_slow(struct kmem_cache *s, void *obj, unsigned long caller);
void slab_free_bad(struct kmem_cache *s, struct slab *slab, void *obj, bool double_free);

static inline __attribute__((always_inline)) void *slab_post_alloc(struct kmem_cache *s,
								    void *obj, gfp_t gfp)
{
	kasan_unpoison_object(s, obj, s->object_size);
	if (__builtin_expect(gfp & __GFP_ZERO, 0))
		__builtin_memset(obj, 0, s->object_size);
	return obj;
}

/* The fast path alone: an object of s (whose id is id: a caller that
 * keeps the id saves loading s) from this thread's main sheaf, or NULL
 * when it has none (the caller then takes slab_alloc_slow). */
static inline __attribute__((always_inline)) void *slab_alloc_fast_id(struct kmem_cache *s,
								       unsigned int id, gfp_t gfp)
{
	struct slub_owner *o = ukmem_current_owner;

	if (owner_enter(o)) {
		struct slab_sheaf *sheaf = o->pcs[id].main;

		if (__builtin_expect(sheaf && sheaf->size, 1)) {
			void *obj = sheaf->objects[--sheaf->size];

			owner_exit(o);
			if (!obj)
				__builtin_unreachable();	/* sheaves hold objects */
			return slab_post_alloc(s, obj, gfp);
		}
		owner_exit(o);
	}
	return NULL;
}

static inline __attribute__((always_inline)) void *slab_alloc_fast(struct kmem_cache *s,
								    gfp_t gfp)
{
	return slab_alloc_fast_id(s, s->id, gfp);
}

/* Allocate an object of s for a caller that asked for orig_size bytes
 * (kmalloc, malloc: slub_debug red-zones the rest of the object). */
static inline __attribute__((always_inline)) void *slab_alloc_size(struct kmem_cache *s,
								    gfp_t gfp, int node,
								    size_t orig_size)
{
	if (__builtin_expect(node == NUMA_NO_NODE, 1)) {
		void *obj = slab_alloc_fast(s, gfp);

		if (__builtin_expect(obj != NULL, 1))
			return obj;
	}
	return slab_alloc_slow(s, gfp, node, (unsigned long)__builtin_return_address(0),
			       orig_size);
}

static inline __attribute__((always_inline)) void *slab_alloc(struct kmem_cache *s, gfp_t gfp,
							       int node)
{
	return slab_alloc_size(s, gfp, node, s->object_size);
}

/* Is obj the object on top of sheaf (which may be NULL)? */
static inline __attribute__((always_inline)) bool sheaf_top_is(const struct slab_sheaf *sheaf,
								const void *obj)
{
	return sheaf && sheaf->size && sheaf->objects[sheaf->size - 1] == obj;
}

/*
 * Free obj, an address inside slab (the head page of its slab): it must
 * be an object start, and not the object this thread freed last to the
 * cache (the top of its sheaf: the kernel's naive double-free check,
 * object == freelist head).  page is obj's own page, which gives obj's
 * offset in the slab without computing the slab's address.
 *
 * An object of another thread's slab (slab_owner_tag) goes to the
 * remote sheaf of the cache instead, apart from this thread's own
 * objects (sheaf.c, "Remote frees").
 *
 * The object itself is neither read nor written: the sheaf stores the
 * pointer.  A line that a free does not touch is a line that a thread
 * freeing another thread's object does not steal from that thread's
 * cache.  Other double frees are found when the object's sheaf goes back
 * to the slabs (slub_put_objects), and all of them at the free with
 * slub_debug=F (sheaf.c, "Double frees").
 */
static inline __attribute__((always_inline)) void sheaf_free_object(struct kmem_cache *s,
							     struct slab *slab, void *obj,
							     unsigned int tag)
{
	struct slub_owner *o = ukmem_current_owner;

	if (owner_enter(o)) {
		/* This thread's own objects to its main sheaf, other
		 * threads' to its remote sheaf of the cache. */
		struct slab_sheaf *sheaf = tag == o->tag || !tag ? o->pcs[s->id].main
								 : o->remote[s->id];

		if (__builtin_expect(sheaf && sheaf->size < sheaf->capacity, 1)) {
			if (__builtin_expect(sheaf_top_is(sheaf, obj), 0)) {
				owner_exit(o);
				slab_free_bad(s, slab ? slab : page_slab(virt_to_page(obj)), obj, true);
				return;
			}
			/* Free before a flusher can see it in the sheaf. */
			kasan_poison_free(s, obj);
			sheaf->objects[sheaf->size++] = obj;
			owner_exit(o);
			return;
		}
		owner_exit(o);
	}
	slab_free_slow(s, obj, (unsigned long)__builtin_return_address(0));
}

static inline __attribute__((always_inline)) void slab_free(struct kmem_cache *s,
							    struct slab *slab,
							    const struct page *page, void *obj)
{
	if (__builtin_expect(!slab_addr_is_object(s, slab, page, obj), 0)) {
		slab_free_bad(s, slab, obj, false);
		return;
	}
	sheaf_free_object(s, slab, obj, slab_owner_tag_lockless(slab));
}

/*
 * The same for obj in the arena whose slab map word is word (not 0): the
 * cache, the object-start test and the owner tag all come from the one
 * dense word (slabmap.c), and struct page is read only for a report.
 */
static inline __attribute__((always_inline)) void slab_free_mapped(uint64_t word, void *obj)
{
	struct kmem_cache *s = slabmap_cache(word);

	if (__builtin_expect(!slab_ptr_is_object(s, obj, slabmap_index(word),
						 slabmap_objects(word)), 0)) {
		slab_free_bad(s, page_slab(virt_to_page(obj)), obj, false);
		return;
	}
	sheaf_free_object(s, NULL, obj, slabmap_tag(word));
}

#endif /* UKMEM_SLAB_SHEAF_H */
