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
 *     moved to the rare side.  Where the OS has no membarrier, owners put
 *     a full fence between the two instead (ukmem_sheaf_fence): their
 *     stop word then always reads OWNER_STOP_FENCED, which turns the
 *     inline fast paths away to the slow paths (owner_enter_slow fences,
 *     then reads the flusher's word, stop_fenced).  So the fast path
 *     tests one word and calls nothing either way.  ThreadSanitizer does
 *     not know membarrier, so TSan builds use sequentially consistent
 *     operations instead.
 *
 * Double frees.  A free neither reads nor writes the object: the sheaf
 * stores the pointer, so a thread that frees another thread's object
 * does not pull its cache line over.  What is checked, and where:
 *   - at every free (sheaf.h): the pointer is an object start of its slab
 *     (from struct slab alone), and not the object on top of this
 *     thread's sheaf, the one it freed last to the cache: the kernel's
 *     naive check, object == freelist head (SLAB_FREELIST_HARDENED);
 *   - when a sheaf goes back to the slabs (slub_put_objects, which writes
 *     each object's free pointer anyway): an object whose word already
 *     decodes to a free object of its slab is looked up on the slab's
 *     freelist, and a double free found there is reported and dropped,
 *     so the freelist never loops;
 *   - with slub_debug=F, at every free: such a cache has no sheaves and
 *     its slow path walks the freelist (slub_debug.c).
 * A double free that none of these sees (the object freed again while
 * its first copy waits in a sheaf, and handed out twice before the sheaf
 * is flushed) gives two owners one object, as in every allocator with
 * per-thread caches and no per-object state; slub_debug=F is the mode
 * that promises to catch it.  Measured (bench/RESULTS.md, "A free that
 * does not touch the object"): the word's load and store were the
 * single largest cost of free in producer/consumer workloads.
 *
 * An owner that exits flushes its sheaves and frees them (thread-exit hook
 * of the platform); the owner itself, every slot NULL again, is kept for
 * the next new thread (a few of them), which so pays neither the page
 * allocator nor the zeroing of 16 KiB.  Owners are listed on owners_list
 * for flushers, and walks over an owner's slots stop at the highest cache
 * id it ever held sheaves of (nr_ids): a thread that used a few caches
 * costs a few slots at exit, not the whole table.
 *
 * Slab affinity.  Objects that two threads use from one slab may share a
 * cache line, which then moves between their CPUs on every write
 * (passive false sharing: alloc_bench's mthread and falseshare).  Each
 * owner has a tag, a small number reused as owners come and go, and a
 * sheaf refill takes from the owner's own partial slabs first, and marks
 * the slab it took from as its own (slub_get_objects_tagged).  A thread
 * that frees its own objects thus keeps to its own slabs, as mimalloc's
 * thread-local pages do, without any per-object ownership test: a
 * remote free still goes into the freeing thread's sheaf (the cheapest
 * route back, docs/design/cross-thread.md).  The tags are a preference:
 * a refill that finds only other live threads' slabs among the first
 * few takes a new slab, unless the partial list is longer than that.
 * Only caches whose objects can share a cache line (a size that is not
 * a multiple of the line) use tags at all; objects that fill whole lines
 * cannot be falsely shared, and their remote frees are best reused at
 * once, while they are in the freeing CPU's cache.
 *
 * Debugging.  Caches with slub_debug flags have no sheaves, and while a
 * debug tool watches every cache (debug/debug.h) none has: the slow paths
 * then send each allocation and free to slab_hooks.c, and
 * sheaves_drop_all() empties every owner when such a tool starts.
 *
 * Locks (ranked in src/lib/lockrank.h): owners_lock, then list_lock or
 * barn->lock, one at a time.
 */
#include "slab/slab_api.h"

#define MAX_FULL_SHEAVES 10
#define MAX_EMPTY_SHEAVES 10
#define SHEAF_MAX_CAPACITY 60	/* cpu_partial 120 / 2, the largest */

struct slub_owner ukmem_dummy_owner = { .busy = 1 };
struct slub_owner ukmem_exited_owner = { .busy = 1 };
int ukmem_sheaf_fence;
UKMEM_THREAD_LOCAL struct slub_owner *ukmem_current_owner = &ukmem_dummy_owner;
#define current_owner ukmem_current_owner

static struct list_head owners_list = { &owners_list, &owners_list };
/* Owners of threads that exited, their sheaves gone and every pcs slot
 * NULL again: the next new thread takes one instead of 16 KiB of fresh,
 * zeroed pages.  At most SPARE_OWNERS_MAX, under owners_lock. */
#define SPARE_OWNERS_MAX 8
static struct list_head spare_owners = { &spare_owners, &spare_owners };
static unsigned int nr_spare_owners;
static struct kmem_cache *sheaf_cache;	/* struct slab_sheaf, no sheaves */

/* Tags of live owners (threads), changed under owners_lock, read without
 * it: tag t is bit t - 1.  A thread's owner takes the lowest free tag
 * and gives it back at exit, so the slabs of a thread that exited pass to
 * the next new one.  Beyond OWNER_TAGS live threads, tag 0: no affinity. */
#define OWNER_TAGS 4096
#define TAG_WORD_BITS (8 * sizeof(unsigned long))
static unsigned long owner_tags_used[OWNER_TAGS / TAG_WORD_BITS];

static unsigned int owner_tag_get(void)
{
	for (unsigned int i = 0; i < OWNER_TAGS / TAG_WORD_BITS; i++) {
		unsigned long free_bits = ~owner_tags_used[i];

		if (free_bits) {
			unsigned int bit = (unsigned int)__builtin_ctzl(free_bits);

			__atomic_fetch_or(&owner_tags_used[i], 1UL << bit, __ATOMIC_RELAXED);
			return i * (unsigned int)TAG_WORD_BITS + bit + 1;
		}
	}
	return 0;
}

static void owner_tag_put(unsigned int tag)
{
	if (tag)
		__atomic_fetch_and(&owner_tags_used[(tag - 1) / TAG_WORD_BITS],
				   ~(1UL << ((tag - 1) % TAG_WORD_BITS)), __ATOMIC_RELAXED);
}

bool sheaf_owner_tag_live(unsigned int tag)
{
	if (!tag || tag > OWNER_TAGS)
		return false;
	return (__atomic_load_n(&owner_tags_used[(tag - 1) / TAG_WORD_BITS], __ATOMIC_RELAXED) >>
		((tag - 1) % TAG_WORD_BITS)) & 1;
}

/* ---- sheaves --------------------------------------------------------------- */

static struct slab_sheaf *sheaf_alloc(struct kmem_cache *s, gfp_t gfp)
{
	struct slab_sheaf *sheaf;
	void *p;

	if (slub_get_objects(sheaf_cache, gfp & ~__GFP_ZERO, NUMA_NO_NODE, &p, 1) != 1)
		return NULL;
	sheaf = p;
	sheaf->size = 0;
	sheaf->capacity = s->sheaf_capacity;
	sheaf->refills = 0;
	sheaf->cache = s;
	return sheaf;
}

/*
 * How many objects a refill of sheaf takes: 8, then 16, 32, then its
 * capacity.  A thread that allocates a few objects of a cache and exits
 * (a server's short-lived worker) then moves a few objects each way, not
 * a sheaf's worth; a thread that keeps allocating reaches whole refills
 * after three.  The kernel's CPUs do not come and go, its sheaves always
 * refill whole.
 */
#define SHEAF_FIRST_REFILL 8
static unsigned int refill_count(struct slab_sheaf *sheaf)
{
	unsigned int n = SHEAF_FIRST_REFILL << sheaf->refills;

	if (n < sheaf->capacity)
		sheaf->refills++;
	return n < sheaf->capacity ? n : sheaf->capacity;
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

/* A sheaf nobody holds any more: objects back to the slabs, sheaf freed. */
static void sheaf_discard(struct kmem_cache *s, struct slab_sheaf *sheaf)
{
	sheaf_flush(s, sheaf);
	sheaf_free(sheaf);
}

/* A full sheaf for the owner tagged tag (0: any) or an empty one (full
 * false) from the node's barn; NULL if there is none.  A full sheaf of
 * another live thread's objects (a remote sheaf, barn_put_full) is left
 * for that thread (slab affinity): the first of the caller's own is
 * taken, else the first of nobody's or of a thread that is gone. */
#define BARN_SCAN MAX_FULL_SHEAVES
static struct slab_sheaf *barn_take_for(struct kmem_cache *s, bool full, unsigned int tag)
{
	struct node_barn *barn = &s->node[numa_mem_id()].barn;
	struct list_head *list = full ? &barn->sheaves_full : &barn->sheaves_empty;
	unsigned int *count = full ? &barn->nr_full : &barn->nr_empty;
	struct slab_sheaf *sheaf = NULL;
	struct list_head *pos;
	int scanned = 0;

	if (!__atomic_load_n(count, __ATOMIC_RELAXED) || !ukmem_lock(&barn->lock))
		return NULL;
	for (pos = list->next; pos != list && scanned < BARN_SCAN; pos = pos->next, scanned++) {
		struct slab_sheaf *cand = list_entry(pos, struct slab_sheaf, barn_list);

		if (!full || !tag || cand->tag == tag) {
			sheaf = cand;	/* the caller's own objects: the best */
			break;
		}
		if (!sheaf && (!cand->tag || !sheaf_owner_tag_live(cand->tag)))
			sheaf = cand;	/* nobody's: taken if none is the caller's */
	}
	if (sheaf) {
		list_del(&sheaf->barn_list);
		__atomic_store_n(count, *count - 1, __ATOMIC_RELAXED);
	}
	ukmem_unlock(&barn->lock);
	return sheaf;
}

static struct slab_sheaf *barn_take(struct kmem_cache *s, bool full)
{
	return barn_take_for(s, full, 0);
}

static bool barn_put(struct kmem_cache *s, struct slab_sheaf *sheaf, bool full);

/* Park a full sheaf at the barn for anybody (tag 0: a main sheaf, whose
 * objects its thread freed itself), or for the owner of its first
 * object's slab (remote: its objects mostly come from that thread). */
static bool barn_put_full(struct kmem_cache *s, struct slab_sheaf *sheaf, bool remote)
{
	sheaf->tag = remote && sheaf->size ?
		slab_owner_tag_lockless(page_slab(virt_to_page(sheaf->objects[0]))) : 0;
	return barn_put(s, sheaf, true);
}

/* Park a sheaf at the barn; false if the barn has enough of that kind. */
static bool barn_put(struct kmem_cache *s, struct slab_sheaf *sheaf, bool full)
{
	struct node_barn *barn = &s->node[numa_mem_id()].barn;
	struct list_head *list = full ? &barn->sheaves_full : &barn->sheaves_empty;
	unsigned int *count = full ? &barn->nr_full : &barn->nr_empty;
	bool ok = false;

	if (!ukmem_lock(&barn->lock))
		return false;
	if (*count < (full ? MAX_FULL_SHEAVES : MAX_EMPTY_SHEAVES)) {
		list_add(&sheaf->barn_list, list);
		__atomic_store_n(count, *count + 1, __ATOMIC_RELAXED);
		ok = true;
	}
	ukmem_unlock(&barn->lock);
	return ok;
}

/* ---- owners ----------------------------------------------------------------- */

/* An owner's stop word when no flusher holds it. */
static int owner_stop_idle(void)
{
	return ukmem_sheaf_fence ? OWNER_STOP_FENCED : 0;
}

/* owner_enter() for the slow paths, fenced owners included: false if a
 * signal handler interrupted this thread inside a sheaf operation or a
 * flusher holds the sheaves. */
static bool owner_enter_slow(struct slub_owner *o)
{
	int stop;

	if (__atomic_load_n(&o->busy, __ATOMIC_RELAXED))
		return false;
	__atomic_store_n(&o->busy, 1, BUSY_STORE_MEMORDER);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	stop = __atomic_load_n(&o->stop, STOP_LOAD_MEMORDER);
	if (!stop)
		return true;
	if (stop == OWNER_STOP_FENCED) {
#if !defined(__SANITIZE_THREAD__)	/* TSan: the busy store was seq_cst */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
		if (!__atomic_load_n(&o->stop_fenced, STOP_LOAD_MEMORDER))
			return true;
	}
	__atomic_store_n(&o->busy, 0, __ATOMIC_RELEASE);
	return false;
}

/* The page order of an owner's allocation (a page order, not a memory
 * order: those are the *_MEMORDER of sheaf.h). */
#define OWNER_ALLOC_ORDER ((unsigned int)get_order(sizeof(struct slub_owner)))

static void owner_exit_hook(void *arg);

/* The calling thread's owner, made on first use with what the caller's
 * gfp allows (a GFP_ATOMIC caller must not reclaim for it); NULL if none
 * can be made (then the caller goes to the slabs directly). */
static struct slub_owner *owner_get(gfp_t gfp)
{
	struct slub_owner *o = current_owner;
	struct page *page;

	if (o == &ukmem_exited_owner)
		return NULL;	/* after thread exit: straight to the slabs */
	if (o != &ukmem_dummy_owner)
		return o;
	if (!ukmem_lock(&owners_lock))
		return NULL;
	if (nr_spare_owners) {
		o = list_first_entry(&spare_owners, struct slub_owner, list);
		list_del(&o->list);
		nr_spare_owners--;
	} else {
		/* The page allocator is called without owners_lock. */
		ukmem_unlock(&owners_lock);
		gfp &= __GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_MEMALLOC |
		       __GFP_NOMEMALLOC;
		page = ukmem_alloc_pages(gfp | __GFP_ZERO | __GFP_NOWARN | __GFP_NORETRY,
					 OWNER_ALLOC_ORDER, NUMA_NO_NODE);
		if (!page)
			return NULL;
		o = page_address(page);
		if (!ukmem_lock(&owners_lock)) {
			ukmem_free_pages(page, OWNER_ALLOC_ORDER);
			return NULL;
		}
	}
	o->tag = owner_tag_get();
	o->stop = owner_stop_idle();
	list_add(&o->list, &owners_list);
	current_owner = o;
	ukmem_unlock(&owners_lock);
	ukmem_plat_on_thread_exit(owner_exit_hook, o);
	return o;
}

/* Enter the owner section again after working outside it, to attach a
 * sheaf as main: NULL (not entered) if a signal handler attached a main of
 * its own meanwhile or a flusher holds the sheaves; the caller then gives
 * its sheaf back. */
static struct slub_pcs *owner_reenter(struct kmem_cache *s, struct slub_owner *o)
{
	if (!owner_enter_slow(o))
		return NULL;
	if (o->pcs[s->id].main) {
		owner_exit(o);
		return NULL;
	}
	return &o->pcs[s->id];
}

/* Empty (and, with detach, free) an owner's sheaves of cache s, or of
 * every cache when s is NULL.  The caller keeps the owner off them. */
static void owner_flush(struct slub_owner *o, struct kmem_cache *s, bool detach)
{
	unsigned int nr = __atomic_load_n(&o->nr_ids, __ATOMIC_RELAXED);
	unsigned int lo = s ? s->id : 0, hi = s ? s->id + 1 : nr;

	if (hi > nr)
		hi = nr;	/* no sheaf of a cache it never used */

	for (unsigned int id = lo; id < hi; id++) {
		struct slub_pcs *pcs = &o->pcs[id];
		struct slab_sheaf *sheaves[3] = { pcs->main, pcs->spare, o->remote[id] };

		for (int i = 0; i < 3; i++) {
			if (!sheaves[i])
				continue;
			sheaf_flush(sheaves[i]->cache, sheaves[i]);
			if (detach)
				sheaf_free(sheaves[i]);
		}
		if (detach) {
			pcs->main = pcs->spare = NULL;
			o->remote[id] = NULL;
		}
	}
}

static void owner_exit_hook(void *arg)
{
	struct slub_owner *o = arg;

	if (current_owner == o)
		current_owner = &ukmem_exited_owner;
	/* Thread exit runs outside any ukmem lock: this does not fail. */
	ukmem_lock(&owners_lock);
	list_del(&o->list);
	ukmem_unlock(&owners_lock);
	owner_flush(o, NULL, true);
	/* Every slot is NULL again: kept for the next thread, or freed. */
	o->nr_ids = 0;
	o->busy = 0;
	o->stop_fenced = 0;
	ukmem_lock(&owners_lock);
	/* The tag is free for the next thread, which inherits the slabs. */
	owner_tag_put(o->tag);
	o->tag = 0;
	if (nr_spare_owners < SPARE_OWNERS_MAX) {
		list_add(&o->list, &spare_owners);
		nr_spare_owners++;
		o = NULL;
	}
	ukmem_unlock(&owners_lock);
	if (o)
		ukmem_free_pages_addr((unsigned long)o, OWNER_ALLOC_ORDER);
}

/* The owner holds sheaves of cache id from now on (its own thread, in
 * the owner section: flushers read nr_ids once it is left). */
static inline void owner_note_cache(struct slub_owner *o, unsigned int id)
{
	if (id >= o->nr_ids)
		__atomic_store_n(&o->nr_ids, id + 1, __ATOMIC_RELAXED);
}

/* ---- allocation -------------------------------------------------------------- */

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

static void *pop_locked_owner(struct kmem_cache *s, struct slub_owner *o, gfp_t gfp)
{
	struct slab_sheaf *sheaf = o->pcs[s->id].main;
	void *obj = sheaf->objects[--sheaf->size];

	owner_exit(o);
	return slab_post_alloc(s, obj, gfp);
}

__attribute__((noinline, cold))
void *slab_alloc_slow(struct kmem_cache *s, gfp_t gfp, int node, unsigned long caller,
		      size_t orig_size)
{
	struct slub_owner *o = current_owner;
	struct slab_sheaf *sheaf, *full;
	struct slub_pcs *pcs;
	void *obj;

	/* A debug cache, or a debug tool that watches every cache: no
	 * sheaves, every object through the hooks (slab_hooks.c). */
	if (__builtin_expect(debug_hooks() || (s->flags & SLAB_DEBUG_FLAGS), 0))
		return slab_alloc_hooked(s, gfp, node, caller, orig_size);

	/* A busy real owner here is this thread inside the fast path: a
	 * signal handler. */
	if (node != NUMA_NO_NODE || !s->sheaf_capacity ||
	    (o != &ukmem_dummy_owner && __atomic_load_n(&o->busy, __ATOMIC_RELAXED)))
		return alloc_direct(s, gfp, node);
	o = owner_get(gfp);
	if (!o || !owner_enter_slow(o))
		return alloc_direct(s, gfp, node);
	owner_note_cache(o, s->id);
	pcs = &o->pcs[s->id];
	if (pcs->main && pcs->main->size)
		return pop_locked_owner(s, o, gfp);
	if (pcs->spare && pcs->spare->size) {
		sheaf = pcs->main;
		pcs->main = pcs->spare;
		pcs->spare = sheaf;
		return pop_locked_owner(s, o, gfp);
	}
	full = barn_take_for(s, true, o->tag);
	if (full) {
		sheaf = pcs->main;
		pcs->main = full;
		if (sheaf && !pcs->spare)
			pcs->spare = sheaf;
		else if (sheaf && !barn_put(s, sheaf, false)) {
			pcs->main = NULL;	/* keep full out of reach while we free */
			owner_exit(o);
			sheaf_free(sheaf);
			pcs = owner_reenter(s, o);
			if (!pcs) {
				sheaf_discard(s, full);
				return alloc_direct(s, gfp, node);
			}
			pcs->main = full;
		}
		return pop_locked_owner(s, o, gfp);
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
	sheaf->size = slub_get_objects_tagged(s, gfp, NUMA_NO_NODE, sheaf->objects,
					      refill_count(sheaf), s->line_shared ? o->tag : 0);
	for (unsigned int i = 0; i < sheaf->size; i++)	/* free until popped */
		kasan_poison_free(s, sheaf->objects[i]);
	if (!sheaf->size) {
		sheaf_free(sheaf);
		return NULL;
	}
	obj = sheaf->objects[--sheaf->size];
	pcs = owner_reenter(s, o);
	if (!pcs) {
		sheaf_discard(s, sheaf);
		return slab_post_alloc(s, obj, gfp);
	}
	pcs->main = sheaf;
	owner_exit(o);
	return slab_post_alloc(s, obj, gfp);
}

/*
 * Bulk allocation: as many objects as the main sheaf has, in one owner
 * section, then the rest straight from the slabs in one batch (one
 * list_lock per slab's node, as SLUB's bulk path takes the per-CPU slab
 * and then the slow path).  Returns how many were stored in p.
 */
unsigned int sheaf_alloc_bulk(struct kmem_cache *s, gfp_t gfp, void **p, unsigned int n)
{
	struct slub_owner *o = current_owner;
	unsigned int got = 0;

	if (debug_hooks() || (s->flags & SLAB_DEBUG_FLAGS)) {
		while (got < n && (p[got] = slab_alloc_hooked(s, gfp, NUMA_NO_NODE,
							      (unsigned long)__builtin_return_address(0),
							      s->object_size)))
			got++;
		return got;
	}
	if (owner_enter_slow(o)) {
		struct slab_sheaf *sheaf = o->pcs[s->id].main;

		while (sheaf && sheaf->size && got < n)
			p[got++] = sheaf->objects[--sheaf->size];
		owner_exit(o);
	}
	if (got < n)
		got += slub_get_objects(s, gfp, NUMA_NO_NODE, p + got, n - got);
	for (unsigned int i = 0; i < got; i++)
		slab_post_alloc(s, p[i], gfp);
	return got;
}

/* ---- free ---------------------------------------------------------------------- */

__attribute__((noinline, cold))
void slab_free_bad(struct kmem_cache *s, struct slab *slab, void *obj, bool double_free)
{
	if (s->flags & SLAB_DEBUG_FLAGS) {
		slub_debug_free_bad(s, slab, obj, double_free);
		return;
	}
	slab_bug(s, double_free ? "Object already free" : "Invalid object pointer 0x%p", obj);
	pr_err("Slab 0x%p objects=%u used=%u fp=0x%p\n", (void *)slab, slab->objects,
	       slab->inuse, slab->freelist);
	if (double_free)
		pr_err("Object 0x%p @offset=%lu\n", obj,
		       (unsigned long)((uintptr_t)obj - (uintptr_t)slab_address(slab)));
	pr_err("FIX %s: Object at 0x%p not freed\n", s->name, obj);
}

/*
 * Remote frees.  An object of a slab another live thread refills from
 * (slab affinity, above) is that thread's: freed here, it goes to the
 * cache's remote sheaf, which this thread never allocates from.  A full
 * remote sheaf is parked at the barn, where a thread that runs out
 * takes it whole (in a producer/consumer pair, the producer), or goes
 * back to its slabs when the barn has enough: either way the object is
 * not reused by this thread next to its own, and no cache line ends up
 * written by two threads (alloc_bench's falseshare), at the cost of no
 * atomic operation per object.  docs/design/cross-thread.md compares
 * this with mimalloc's and snmalloc's routes.
 */
static bool free_is_remote(struct slub_owner *o, const void *obj)
{
	unsigned int tag = slab_owner_tag_lockless(page_slab(virt_to_page(obj)));

	return tag && tag != o->tag;
}

/*
 * A full sheaf (or none) that a free took out of the owner section: parked
 * at the barn (remote: for the owner of its objects) or, when the barn has
 * enough, its objects flushed to their slabs.  Returns the empty sheaf to
 * free into next: the flushed one, one from the barn, or a new one; NULL
 * if there is none.  No lock held; may take the barn lock and list_lock.
 */
static struct slab_sheaf *sheaf_swap_out(struct kmem_cache *s, struct slab_sheaf *sheaf,
					 bool remote)
{
	if (sheaf && barn_put_full(s, sheaf, remote))
		sheaf = NULL;
	if (sheaf)
		sheaf_flush(s, sheaf);
	else if (!(sheaf = barn_take(s, false)))
		sheaf = sheaf_alloc(s, GFP_NOWAIT);
	return sheaf;
}

/* Push obj onto sheaf, which has room, and leave the owner section. */
static void sheaf_push_exit(struct kmem_cache *s, struct slub_owner *o,
			    struct slab_sheaf *sheaf, void *obj)
{
	/* Free before a flusher can see it in the sheaf. */
	kasan_poison_free(s, obj);
	sheaf->objects[sheaf->size++] = obj;
	owner_exit(o);
}

/* Called inside the owner section, which it leaves. */
static void free_remote(struct kmem_cache *s, struct slub_owner *o, void *obj)
{
	struct slab_sheaf *sheaf = o->remote[s->id];

	if (sheaf && sheaf->size < sheaf->capacity) {
		sheaf_push_exit(s, o, sheaf, obj);
		return;
	}
	/* Full, or none yet: park or flush it and take an empty one, outside
	 * the owner section (barn lock, list_lock, page allocator). */
	o->remote[s->id] = NULL;
	owner_exit(o);
	sheaf = sheaf_swap_out(s, sheaf, true);
	if (sheaf && owner_enter_slow(o)) {
		if (!o->remote[s->id]) {
			o->remote[s->id] = sheaf;
			sheaf_push_exit(s, o, sheaf, obj);
			return;
		}
		owner_exit(o);	/* a signal handler made one meanwhile */
	}
	if (sheaf)
		sheaf_free(sheaf);
	slub_put_objects(s, &obj, 1);
}

__attribute__((noinline, cold))
void slab_free_slow(struct kmem_cache *s, void *obj, unsigned long caller)
{
	struct slub_owner *o = current_owner;
	struct slab_sheaf *sheaf, *empty;
	struct slub_pcs *pcs;

	if (__builtin_expect(debug_hooks() || (s->flags & SLAB_DEBUG_FLAGS), 0)) {
		slab_free_hooked(s, obj, caller);
		return;
	}

	if (!s->sheaf_capacity ||
	    (o != &ukmem_dummy_owner && __atomic_load_n(&o->busy, __ATOMIC_RELAXED)))
		goto direct;
	o = owner_get(GFP_NOWAIT);	/* a free never reclaims */
	if (!o || !owner_enter_slow(o))
		goto direct;
	owner_note_cache(o, s->id);
	pcs = &o->pcs[s->id];
	/* The fast path's naive check, on every sheaf: a full main may have
	 * just become the spare. */
	if (sheaf_top_is(pcs->main, obj) || sheaf_top_is(pcs->spare, obj) ||
	    sheaf_top_is(o->remote[s->id], obj)) {
		owner_exit(o);
		slab_free_bad(s, page_slab(virt_to_page(obj)), obj, true);
		return;
	}
	if (free_is_remote(o, obj)) {
		free_remote(s, o, obj);
		return;
	}
	if (pcs->main && pcs->main->size < pcs->main->capacity)
		goto push;
	if (pcs->main && pcs->spare && !pcs->spare->size) {
		sheaf = pcs->main;
		pcs->main = pcs->spare;
		pcs->spare = sheaf;
		goto push;
	}
	if (pcs->main && (empty = barn_take(s, false))) {
		sheaf = pcs->main;
		pcs->main = empty;
		if (barn_put_full(s, sheaf, false))
			goto push;
		if (!pcs->spare) {
			pcs->spare = sheaf;
			goto push;
		}
		/* The barn has enough full sheaves: this one goes back to the
		 * slabs, outside the owner section. */
		owner_exit(o);
		sheaf_discard(s, sheaf);
		if (!owner_enter_slow(o))
			goto direct;
		if (pcs->main && pcs->main->size < pcs->main->capacity)
			goto push;
		owner_exit(o);
		goto direct;
	}
	/* No usable main: park the full one at the barn or flush it, or make
	 * a first sheaf, outside the owner section (list_lock, page
	 * allocator). */
	sheaf = pcs->main;
	pcs->main = NULL;
	owner_exit(o);
	sheaf = sheaf_swap_out(s, sheaf, false);
	if (!sheaf)
		goto direct;
	pcs = owner_reenter(s, o);
	if (!pcs) {
		sheaf_free(sheaf);
		goto direct;
	}
	pcs->main = sheaf;
push:
	sheaf = pcs->main;
	sheaf_push_exit(s, o, sheaf, obj);
	return;
direct:
	slub_put_objects(s, &obj, 1);
}

/* ---- flushing every owner ---------------------------------------------------------- */

static void flush_barns(struct kmem_cache *s, bool free_empty)
{
	for (int nid = 0; nid < MAX_NUMNODES; nid++) {
		struct node_barn *barn = &s->node[nid].barn;
		struct list_head full, empty;

		if (!__atomic_load_n(&barn->nr_full, __ATOMIC_RELAXED) &&
		    !__atomic_load_n(&barn->nr_empty, __ATOMIC_RELAXED))
			continue;
		if (!ukmem_lock(&barn->lock))
			continue;	/* a signal handler: flushed next time */
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
		ukmem_unlock(&barn->lock);
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

	if (!ukmem_lock(&owners_lock))
		return;	/* a signal handler: leave the owners alone */
	list_for_each(pos, &owners_list) {
		struct slub_owner *o = list_entry(pos, struct slub_owner, list);

		__atomic_store_n(ukmem_sheaf_fence ? &o->stop_fenced : &o->stop, OWNER_STOP_FLUSH,
				 __ATOMIC_SEQ_CST);
	}
	/* Without membarrier the owners fence on entry (ukmem_sheaf_fence),
	 * so the handshake holds either way. */
	fenced = ukmem_plat_membarrier() || ukmem_sheaf_fence;
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
		__atomic_store_n(ukmem_sheaf_fence ? &o->stop_fenced : &o->stop, 0,
				 __ATOMIC_RELEASE);
	}
	ukmem_unlock(&owners_lock);
}

void sheaves_flush_barn(struct kmem_cache *s)
{
	if (sheaf_cache)
		flush_barns(s, false);
}

/* Every owner's sheaves of every cache flushed and freed, and every barn
 * emptied: from now on no fast path finds a sheaf (debug_hooks_set). */
void sheaves_drop_all(void)
{
	struct list_head *pos;

	if (!sheaf_cache || !ukmem_lock(&slab_mutex))
		return;
	flush_owners(NULL, true);
	list_for_each(pos, &slab_caches)
		flush_barns(list_entry(pos, struct kmem_cache, list), true);
	ukmem_unlock(&slab_mutex);
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
void sheaves_init(void)
{
	/* Decide once, before any owner exists, who pays for the fence (a
	 * test may have chosen the owners already: test_slab_stress). */
	if (!ukmem_plat_membarrier())
		ukmem_sheaf_fence = 1;
	sheaf_cache = slub_create_cache("slab_sheaf",
					(unsigned int)(sizeof(struct slab_sheaf) +
						       SHEAF_MAX_CAPACITY * sizeof(void *)),
					0, SLAB_NO_MERGE, 0, 0, NULL);
	if (sheaf_cache)
		sheaf_cache->sheaf_capacity = 0;
}

/*
 * fork(), in the child, with every lock held: the other threads are gone,
 * and any of them may have been inside a sheaf operation.  Their owners
 * are dropped (their cached objects are lost to the child, never handed
 * out twice), so no flusher waits for a busy word that nobody will clear.
 */
void sheaves_fork_child(void)
{
	struct slub_owner *self = current_owner;

	INIT_LIST_HEAD(&owners_list);
	if (self != &ukmem_dummy_owner && self != &ukmem_exited_owner)
		list_add(&self->list, &owners_list);
}
