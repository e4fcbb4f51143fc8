/*
 * sheaf.c - per-owner sheaves, the per-node barns, and the allocation and
 * free fast paths of every cache (Linux 7.0's design, in user space).
 *
 * Theory
 * ------
 * Each thread that allocates (an "owner", the user-space CPU) has, per
 * cache, a main and a spare sheaf: arrays of free objects.  Allocation pops
 * the main sheaf; free pushes it.  When main is empty (alloc) or full
 * (free) it is swapped with the spare, or exchanged at the node's barn for
 * a full (or empty) sheaf, or refilled from (flushed to) the slabs under
 * the node's list_lock.  The fast paths take no lock and make no atomic
 * read-modify-write: only the owner touches its sheaves.
 *
 * Two things can cut in on an owner, and the owner's `busy` word turns both
 * away:
 *   - a signal handler on the same thread (the kernel's interrupt): it
 *     finds busy set and allocates or frees straight from the slabs;
 *   - a flusher on another thread (kmem_cache_shrink, destroy), which must
 *     empty every owner's sheaves.  It sets the owner's `stop` word, runs
 *     an asymmetric barrier (membarrier), then waits for busy to drop.
 *     The owner sets busy, then reads stop (plain store, plain load: the
 *     barrier orders them against the flusher); seeing stop it leaves its
 *     sheaves alone.  This is Dekker's protocol with the expensive fence
 *     moved to the rare side.  ThreadSanitizer does not know membarrier,
 *     so TSan builds use sequentially consistent operations instead.
 *
 * Double frees.  A freed object that goes into a sheaf gets SHEAF_MARK in
 * its free-pointer word (encoded with the cache's secret, slab.h); freeing
 * an object that carries the mark is reported as "Object already free" and
 * ignored.  Allocation clears the word.  An object on a slab freelist is
 * checked against the freelist itself when it is given back (slub.c).
 *
 * An owner that exits flushes its sheaves and frees them (thread-exit hook
 * of the platform).  Owners are listed on owners_list for flushers.
 *
 * Lock order: owners_lock, then list_lock or barn->lock (one at a time).
 */
#include "slab/slab.h"
#include "page/internal.h"

#define MAX_FULL_SHEAVES 10
#define MAX_EMPTY_SHEAVES 10
#define SHEAF_MAX_CAPACITY 60	/* cpu_partial 120 / 2, the largest */

struct slub_pcs {
	struct slab_sheaf *main;
	struct slab_sheaf *spare;
};

struct slub_owner {
	int busy;		/* in a sheaf operation */
	int stop;		/* a flusher owns the sheaves */
	unsigned int nr;	/* entries in pcs */
	unsigned int order;	/* of the pages holding this struct */
	struct list_head list;	/* owners_list */
	struct slub_pcs pcs[];	/* indexed by cache id */
};

static UKMEM_THREAD_LOCAL struct slub_owner *current_owner;
static struct list_head owners_list = { &owners_list, &owners_list };
static plat_lock_t owners_lock = PLAT_LOCK_INIT;
static struct kmem_cache *sheaf_cache;	/* struct slab_sheaf, no sheaves */

#if defined(__SANITIZE_THREAD__)
#define OWNER_ORDER __ATOMIC_SEQ_CST
#else
#define OWNER_ORDER __ATOMIC_RELAXED
#endif

/* Enter a sheaf operation: false if a signal handler found its own thread
 * already inside one, or a flusher holds the sheaves. */
static inline bool owner_enter(struct slub_owner *o)
{
	if (__atomic_load_n(&o->busy, __ATOMIC_RELAXED))
		return false;
	__atomic_store_n(&o->busy, 1, OWNER_ORDER);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (__builtin_expect(__atomic_load_n(&o->stop, __ATOMIC_ACQUIRE), 0)) {
		__atomic_store_n(&o->busy, 0, __ATOMIC_RELEASE);
		return false;
	}
	return true;
}

static inline void owner_exit(struct slub_owner *o)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&o->busy, 0, __ATOMIC_RELEASE);
}

/* ---- sheaves --------------------------------------------------------------- */

static struct slab_sheaf *sheaf_alloc(struct kmem_cache *s, gfp_t gfp)
{
	void *p;

	if (slub_get_objects(sheaf_cache, gfp & ~__GFP_ZERO, NUMA_NO_NODE, &p, 1) != 1)
		return NULL;
	struct slab_sheaf *sheaf = p;

	sheaf->size = 0;
	sheaf->capacity = s->sheaf_capacity;
	sheaf->cache = s;
	return sheaf;
}

static void sheaf_free(struct slab_sheaf *sheaf)
{
	void *p = sheaf;

	slub_put_objects(sheaf_cache, &p, 1);
}

/* Give a sheaf's objects back to their slabs. */
static void sheaf_flush(struct kmem_cache *s, struct slab_sheaf *sheaf)
{
	if (sheaf && sheaf->size) {
		slub_put_objects(s, sheaf->objects, sheaf->size);
		sheaf->size = 0;
	}
}

static int numa_mem_id(void)
{
	return ukmem_mm.nr_nodes > 1 ? ukmem_plat_cpu() % ukmem_mm.nr_nodes : 0;
}

static struct slab_sheaf *barn_take(struct kmem_cache *s, bool full)
{
	struct node_barn *barn = &s->node[numa_mem_id()].barn;
	struct list_head *list = full ? &barn->sheaves_full : &barn->sheaves_empty;
	struct slab_sheaf *sheaf = NULL;

	if (!__atomic_load_n(full ? &barn->nr_full : &barn->nr_empty, __ATOMIC_RELAXED))
		return NULL;
	ukmem_plat_lock(&barn->lock);
	if (!list_empty(list)) {
		sheaf = list_first_entry(list, struct slab_sheaf, barn_list);
		list_del(&sheaf->barn_list);
		if (full)
			__atomic_store_n(&barn->nr_full, barn->nr_full - 1, __ATOMIC_RELAXED);
		else
			__atomic_store_n(&barn->nr_empty, barn->nr_empty - 1, __ATOMIC_RELAXED);
	}
	ukmem_plat_unlock(&barn->lock);
	return sheaf;
}

/* Park a sheaf at the barn; false if the barn has enough of that kind. */
static bool barn_put(struct kmem_cache *s, struct slab_sheaf *sheaf, bool full)
{
	struct node_barn *barn = &s->node[numa_mem_id()].barn;
	bool ok = false;

	ukmem_plat_lock(&barn->lock);
	if (full && barn->nr_full < MAX_FULL_SHEAVES) {
		list_add(&sheaf->barn_list, &barn->sheaves_full);
		__atomic_store_n(&barn->nr_full, barn->nr_full + 1, __ATOMIC_RELAXED);
		ok = true;
	} else if (!full && barn->nr_empty < MAX_EMPTY_SHEAVES) {
		list_add(&sheaf->barn_list, &barn->sheaves_empty);
		__atomic_store_n(&barn->nr_empty, barn->nr_empty + 1, __ATOMIC_RELAXED);
		ok = true;
	}
	ukmem_plat_unlock(&barn->lock);
	return ok;
}

/* ---- owners ----------------------------------------------------------------- */

static void owner_exit_hook(void *arg);

static unsigned int owner_order_for(unsigned int nr)
{
	return (unsigned int)get_order(sizeof(struct slub_owner) + nr * sizeof(struct slub_pcs));
}

/* An owner struct with room for cache ids below nr. */
static struct slub_owner *owner_alloc(unsigned int nr)
{
	unsigned int order = owner_order_for(nr);
	struct page *page = ukmem_alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, order,
					      NUMA_NO_NODE);
	struct slub_owner *o;

	if (!page)
		return NULL;
	o = page_address(page);
	o->order = order;
	o->nr = (unsigned int)(((PAGE_SIZE << order) - sizeof(*o)) / sizeof(struct slub_pcs));
	if (o->nr > SLAB_MAX_CACHES)
		o->nr = SLAB_MAX_CACHES;
	return o;
}

static void owner_free_memory(struct slub_owner *o)
{
	ukmem_free_pages_addr((unsigned long)o, o->order);
}

/*
 * The calling thread's owner with room for cache id; NULL if none can be
 * made (then the caller goes to the slabs directly).  A grown owner
 * replaces the old one under owners_lock, so no flusher sees the copy
 * half made.
 */
static struct slub_owner *owner_get(unsigned int id)
{
	struct slub_owner *o = current_owner, *grown;

	if (o && id < o->nr)
		return o;
	grown = owner_alloc(id + 1);
	if (!grown)
		return NULL;
	ukmem_plat_lock(&owners_lock);
	if (o) {
		__builtin_memcpy(grown->pcs, o->pcs, o->nr * sizeof(struct slub_pcs));
		list_del(&o->list);
	}
	list_add(&grown->list, &owners_list);
	current_owner = grown;
	ukmem_plat_unlock(&owners_lock);
	ukmem_plat_on_thread_exit(owner_exit_hook, grown);
	if (o)
		owner_free_memory(o);
	return grown;
}

/*
 * Enter the owner section again after working outside it, to attach a
 * sheaf as main.  The owner may have been replaced meanwhile, or a signal
 * handler may have attached a main of its own: then NULL, not entered, and
 * the caller gives its sheaf back.
 */
static struct slub_pcs *owner_enter_cache(struct kmem_cache *s, struct slub_owner **op)
{
	struct slub_owner *o = current_owner;

	*op = o;
	if (!o || s->id >= o->nr || !owner_enter(o))
		return NULL;
	return &o->pcs[s->id];
}

static struct slub_pcs *owner_reenter(struct kmem_cache *s, struct slub_owner **op)
{
	struct slub_pcs *pcs = owner_enter_cache(s, op);

	if (pcs && pcs->main) {
		owner_exit(*op);
		return NULL;
	}
	return pcs;
}

/* A sheaf nobody can hold any more: objects back to the slabs, sheaf freed. */
static void sheaf_discard(struct kmem_cache *s, struct slab_sheaf *sheaf)
{
	sheaf_flush(s, sheaf);
	sheaf_free(sheaf);
}

/* Empty (and, with detach, free) an owner's sheaves of cache s, or of
 * every cache when s is NULL.  The caller keeps the owner off them. */
static void owner_flush(struct slub_owner *o, struct kmem_cache *s, bool detach)
{
	unsigned int lo = s ? s->id : 0, hi = s ? s->id + 1 : o->nr;

	for (unsigned int id = lo; id < hi && id < o->nr; id++) {
		struct slub_pcs *pcs = &o->pcs[id];
		struct slab_sheaf *sheaves[2] = { pcs->main, pcs->spare };

		for (int i = 0; i < 2; i++) {
			if (!sheaves[i])
				continue;
			sheaf_flush(sheaves[i]->cache, sheaves[i]);
			if (detach)
				sheaf_free(sheaves[i]);
		}
		if (detach)
			pcs->main = pcs->spare = NULL;
	}
}

static void owner_exit_hook(void *arg)
{
	struct slub_owner *o = arg;

	if (current_owner == o)
		current_owner = NULL;
	ukmem_plat_lock(&owners_lock);
	list_del(&o->list);
	ukmem_plat_unlock(&owners_lock);
	owner_flush(o, NULL, true);
	owner_free_memory(o);
}

/* ---- allocation -------------------------------------------------------------- */

static inline void *post_alloc(struct kmem_cache *s, void *obj, gfp_t gfp)
{
	clear_freepointer(s, obj);
	if (__builtin_expect(gfp & __GFP_ZERO, 0))
		__builtin_memset(obj, 0, s->object_size);
	return obj;
}

/* Straight from the slabs: signal handlers, node requests, caches without
 * sheaves, owners held by a flusher. */
static void *alloc_direct(struct kmem_cache *s, gfp_t gfp, int node)
{
	void *obj;

	if (slub_get_objects(s, gfp, node, &obj, 1) != 1)
		return NULL;
	if (gfp & __GFP_ZERO)
		__builtin_memset(obj, 0, s->object_size);
	return obj;
}

static void *alloc_slow(struct kmem_cache *s, gfp_t gfp, int node, struct slub_owner *o)
{
	struct slab_sheaf *sheaf, *full;
	struct slub_pcs *pcs;
	void *obj;

	if (node != NUMA_NO_NODE || !s->sheaf_capacity || (o && o->busy))
		return alloc_direct(s, gfp, node);
	o = owner_get(s->id);
	if (!o || !owner_enter(o))
		return alloc_direct(s, gfp, node);
	pcs = &o->pcs[s->id];
	if (pcs->main && pcs->main->size)
		goto pop;
	if (pcs->spare && pcs->spare->size) {
		sheaf = pcs->main;
		pcs->main = pcs->spare;
		pcs->spare = sheaf;
		goto pop;
	}
	full = barn_take(s, true);
	if (full) {
		sheaf = pcs->main;
		pcs->main = full;
		if (sheaf && !pcs->spare)
			pcs->spare = sheaf;
		else if (sheaf && !barn_put(s, sheaf, false))
			goto free_old;
		goto pop;
	}
	/* Refill outside the owner section: it may sleep in the page
	 * allocator, and a flusher must not wait for that. */
	sheaf = pcs->main;
	pcs->main = NULL;
	owner_exit(o);
	if (!sheaf)
		sheaf = barn_take(s, false);
	if (!sheaf)
		sheaf = sheaf_alloc(s, gfp);
	if (!sheaf)
		return alloc_direct(s, gfp, node);
	sheaf->size = slub_get_objects(s, gfp, NUMA_NO_NODE, sheaf->objects, sheaf->capacity);
	if (!sheaf->size) {
		sheaf_free(sheaf);
		return NULL;
	}
	obj = sheaf->objects[--sheaf->size];
	pcs = owner_reenter(s, &o);
	if (!pcs) {
		sheaf_discard(s, sheaf);
		return post_alloc(s, obj, gfp);
	}
	pcs->main = sheaf;
	owner_exit(o);
	return post_alloc(s, obj, gfp);

free_old:
	/* Main went to the barn's place in full; the old empty main has
	 * nowhere to go. */
	owner_exit(o);
	sheaf_free(sheaf);
	pcs = owner_enter_cache(s, &o);
	if (!pcs)
		return alloc_direct(s, gfp, node);
	if (!pcs->main || !pcs->main->size) {
		owner_exit(o);
		return alloc_direct(s, gfp, node);
	}
pop:
	sheaf = pcs->main;
	obj = sheaf->objects[--sheaf->size];
	owner_exit(o);
	return post_alloc(s, obj, gfp);
}

void *slab_alloc(struct kmem_cache *s, gfp_t gfp, int node, size_t orig_size)
{
	struct slub_owner *o = current_owner;

	(void)orig_size;
	if (__builtin_expect(o && node == NUMA_NO_NODE && s->id < o->nr, 1) && owner_enter(o)) {
		struct slab_sheaf *sheaf = o->pcs[s->id].main;

		if (__builtin_expect(sheaf && sheaf->size, 1)) {
			void *obj = sheaf->objects[--sheaf->size];

			owner_exit(o);
			return post_alloc(s, obj, gfp);
		}
		owner_exit(o);
	}
	return alloc_slow(s, gfp, node, o);
}

/* ---- free ---------------------------------------------------------------------- */

static void report_double_free(struct kmem_cache *s, struct slab *slab, const void *obj)
{
	slab_bug(s, "Object already free");
	ukmem_printk("Slab 0x%p objects=%u used=%u fp=0x%p\n", (const void *)slab, slab->objects,
		     slab->inuse, slab->freelist);
	ukmem_printk("Object 0x%p @offset=%lu\n", obj,
		     (unsigned long)((uintptr_t)obj - (uintptr_t)slab_address(slab)));
	ukmem_printk("FIX %s: Object at 0x%p not freed\n", s->name, obj);
}

static void free_slow(struct kmem_cache *s, void *obj, struct slub_owner *o)
{
	struct slab_sheaf *sheaf, *empty;
	struct slub_pcs *pcs;

	if (!s->sheaf_capacity || (o && o->busy))
		goto direct;
	o = owner_get(s->id);
	if (!o || !owner_enter(o))
		goto direct;
	pcs = &o->pcs[s->id];
	if (pcs->main && pcs->main->size < pcs->main->capacity)
		goto push;
	if (pcs->main && pcs->spare && !pcs->spare->size) {
		sheaf = pcs->main;
		pcs->main = pcs->spare;
		pcs->spare = sheaf;
		goto push;
	}
	if (pcs->main) {
		empty = barn_take(s, false);
		if (empty) {
			sheaf = pcs->main;
			pcs->main = empty;
			if (barn_put(s, sheaf, true))
				goto push;
			if (!pcs->spare) {
				pcs->spare = sheaf;
				goto push;
			}
			/* The barn has enough full sheaves: this one goes back
			 * to the slabs. */
			owner_exit(o);
			sheaf_discard(s, sheaf);
			pcs = owner_enter_cache(s, &o);
			if (!pcs)
				goto direct;
			if (pcs->main && pcs->main->size < pcs->main->capacity)
				goto push;
			owner_exit(o);
			goto direct;
		}
	}
	/* No usable main: flush the full one (or make one) outside the owner
	 * section, since that takes list_lock and may call the page
	 * allocator. */
	sheaf = pcs->main;
	pcs->main = NULL;
	owner_exit(o);
	if (sheaf && barn_put(s, sheaf, true))
		sheaf = NULL;
	if (sheaf)
		sheaf_flush(s, sheaf);
	else if (!(sheaf = barn_take(s, false)))
		sheaf = sheaf_alloc(s, GFP_NOWAIT);
	if (!sheaf)
		goto direct;
	pcs = owner_reenter(s, &o);
	if (!pcs) {
		sheaf_free(sheaf);
		goto direct;
	}
	pcs->main = sheaf;
	goto push;

push:
	sheaf = pcs->main;
	set_freepointer(s, obj, SHEAF_MARK);
	sheaf->objects[sheaf->size++] = obj;
	owner_exit(o);
	return;

direct:
	slub_put_objects(s, &obj, 1);
}

void slab_free(struct kmem_cache *s, struct slab *slab, void *obj)
{
	struct slub_owner *o = current_owner;
	unsigned long *where = (unsigned long *)(void *)((char *)obj + s->offset);
	uintptr_t base = (uintptr_t)slab_address(slab);
	uintptr_t off = (uintptr_t)obj - base;

	/* An object start inside this slab. */
	if (__builtin_expect(off >= (uintptr_t)slab->objects * s->size ||
			     off != (uintptr_t)obj_to_index(s, slab, obj) * s->size, 0)) {
		slab_bug(s, "Invalid object pointer 0x%p", obj);
		ukmem_printk("FIX %s: Object at 0x%p not freed\n", s->name, obj);
		return;
	}
	if (__builtin_expect(*where == freeptr_encode(s, SHEAF_MARK, where), 0)) {
		report_double_free(s, slab, obj);
		return;
	}
	if (__builtin_expect(o && s->id < o->nr, 1) && owner_enter(o)) {
		struct slab_sheaf *sheaf = o->pcs[s->id].main;

		if (__builtin_expect(sheaf && sheaf->size < sheaf->capacity, 1)) {
			*where = freeptr_encode(s, SHEAF_MARK, where);
			sheaf->objects[sheaf->size++] = obj;
			owner_exit(o);
			return;
		}
		owner_exit(o);
	}
	free_slow(s, obj, o);
}

/* ---- flushing every owner ---------------------------------------------------------- */

static void flush_barns(struct kmem_cache *s, bool free_empty)
{
	for (int nid = 0; nid < MAX_NUMNODES; nid++) {
		struct node_barn *barn = &s->node[nid].barn;
		struct list_head full, empty;

		if (!barn->nr_full && !barn->nr_empty)
			continue;
		ukmem_plat_lock(&barn->lock);
		full = barn->sheaves_full;
		empty = barn->sheaves_empty;
		if (list_empty(&barn->sheaves_full)) {
			INIT_LIST_HEAD(&full);
		} else {
			full.next->prev = &full;
			full.prev->next = &full;
		}
		INIT_LIST_HEAD(&barn->sheaves_full);
		__atomic_store_n(&barn->nr_full, 0U, __ATOMIC_RELAXED);
		if (free_empty) {
			if (list_empty(&barn->sheaves_empty)) {
				INIT_LIST_HEAD(&empty);
			} else {
				empty.next->prev = &empty;
				empty.prev->next = &empty;
			}
			INIT_LIST_HEAD(&barn->sheaves_empty);
			__atomic_store_n(&barn->nr_empty, 0U, __ATOMIC_RELAXED);
		} else {
			INIT_LIST_HEAD(&empty);
		}
		ukmem_plat_unlock(&barn->lock);
		while (!list_empty(&full)) {
			struct slab_sheaf *sheaf = list_first_entry(&full, struct slab_sheaf, barn_list);

			list_del(&sheaf->barn_list);
			sheaf_flush(s, sheaf);
			if (free_empty || !barn_put(s, sheaf, false))
				sheaf_free(sheaf);
		}
		while (!list_empty(&empty)) {
			struct slab_sheaf *sheaf = list_first_entry(&empty, struct slab_sheaf,
								    barn_list);

			list_del(&sheaf->barn_list);
			sheaf_free(sheaf);
		}
	}
}

static void flush_owners(struct kmem_cache *s, bool detach)
{
	struct list_head *pos;
	struct slub_owner *self = current_owner;
	bool fenced;

	ukmem_plat_lock(&owners_lock);
	list_for_each(pos, &owners_list) {
		struct slub_owner *o = list_entry(pos, struct slub_owner, list);

		__atomic_store_n(&o->stop, 1, __ATOMIC_SEQ_CST);
	}
	fenced = ukmem_plat_membarrier();
	list_for_each(pos, &owners_list) {
		struct slub_owner *o = list_entry(pos, struct slub_owner, list);

		if (o == self) {
			/* This thread is not inside a sheaf operation (it is
			 * here), unless a signal handler interrupted one. */
			if (!__atomic_load_n(&o->busy, __ATOMIC_ACQUIRE))
				owner_flush(o, s, detach);
		} else if (fenced) {
			while (__atomic_load_n(&o->busy, __ATOMIC_ACQUIRE))
				;
			owner_flush(o, s, detach);
		}
		__atomic_store_n(&o->stop, 0, __ATOMIC_RELEASE);
	}
	ukmem_plat_unlock(&owners_lock);
}

void sheaves_flush_all(struct kmem_cache *s)
{
	if (!sheaf_cache)
		return;
	flush_owners(s, false);
	if (s)
		flush_barns(s, false);
}

/* Caches made before the sheaf cache exists (the sheaf cache itself)
 * have no sheaves: they allocate straight from their slabs. */
void sheaves_cache_init(struct kmem_cache *s)
{
	if (s->sheaf_capacity > SHEAF_MAX_CAPACITY)
		s->sheaf_capacity = SHEAF_MAX_CAPACITY;
	if (!sheaf_cache)
		s->sheaf_capacity = 0;
}

void sheaves_cache_destroy(struct kmem_cache *s)
{
	flush_owners(s, true);
	flush_barns(s, true);
}

/* Make the cache that sheaves come from (kmalloc.c calls this at start). */
void sheaves_init(void);
void sheaves_init(void)
{
	sheaf_cache = slub_create_cache("slab_sheaf",
					(unsigned int)(sizeof(struct slab_sheaf) +
						       SHEAF_MAX_CAPACITY * sizeof(void *)),
					0, SLAB_NO_MERGE, 0, 0, NULL);
	if (sheaf_cache)
		sheaf_cache->sheaf_capacity = 0;
}

/* fork(): owners_lock comes after slab_mutex and before the list locks. */
void sheaves_lock_owners(bool lock);
void sheaves_lock_owners(bool lock)
{
	if (lock)
		ukmem_plat_lock(&owners_lock);
	else
		ukmem_plat_unlock(&owners_lock);
}
