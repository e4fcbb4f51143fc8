/*
 * kmemleak.c - the kernel's memory leak detector, tracking half: every
 * block ukmem hands out (and any the program registers) has a record
 * here, found from any address inside it.  kmemleak_scan.c scans.
 *
 * Theory
 * ------
 * 1. What it owns.  One struct kmemleak_object per tracked block: its
 *    address and size, min_count and the flags of the kernel's API, when
 *    (jiffies), by whom (pid, comm) and from where (a stack depot handle)
 *    it was allocated.  The records live in a treap keyed by address.
 *
 * 2. Why a treap.  A scan looks up every word it reads that falls between
 *    the lowest and the highest tracked address, and a pointer into the
 *    middle of a block counts as a reference to it (the kernel's alias
 *    lookup), so the lookup is "the block with the greatest start <= v",
 *    then one compare with its end.  A hash by address would need either
 *    every granule of every block entered (a 64 MiB vmalloc area: 16,384
 *    entries of 4 KiB, and 512 tiny objects sharing a page's bucket) or a
 *    walk back over preceding buckets; an ordered tree answers in one
 *    descent whatever the sizes.  A treap (priorities from a hash of the
 *    address, so no random state) is balanced in expectation (depth about
 *    1.4 log2 n: 28 levels for a million objects) and needs a tenth of a
 *    red-black tree's code; the records carry no parent pointers.  The
 *    same order lets the reports walk the objects by address, one at a
 *    time, with the lock dropped in between.
 *
 * 3. Metadata.  Records and scan areas come from a private pool of
 *    pages of the page allocator (never from kmalloc: this layer is below
 *    slab, and a record allocated through slab would recurse), taken with
 *    __GFP_HIGH without reclaim, as the kernel's gfp_kmemleak_mask keeps
 *    kmemleak's allocations from sleeping; freed records go back to the
 *    pool's free list, the pages are kept.  The pool's pages are in
 *    ukmem's arena, which is no root, so the records (which hold every
 *    object's address) are never mistaken for references.  Out of memory,
 *    kmemleak switches itself off, as the kernel's does: a block it could
 *    not record would be a hole in the graph, and everything reachable
 *    only through it would be reported.
 *
 * 4. Off costs one branch.  kmemleak_enabled is read first by every entry
 *    point; it is set once, at the slab layer's start (kmemleak_setup),
 *    before any object exists, and cleared for good by "off" or an error.
 *
 * 5. Signal handlers.  A handler that interrupted its thread while that
 *    thread held kmemleak_lock can only try the lock (lib/lockrank.h);
 *    failing, the record cannot be made or removed, and kmemleak switches
 *    itself off with a message rather than keep a wrong graph.
 *
 * Differences from the kernel: no RCU (lookups are under the lock; the
 *    scan stops the other threads instead of racing with them, see
 *    kmemleak_scan.c), no early log (the option is read before the first
 *    object exists), records of a partial free keep the original's trace.
 *
 * Locks: kmemleak_lock (src/lib/lockrank.h: below the slab and reclaim
 * locks, above the page allocator's, which the pool takes under it).
 * Nothing else is taken under it; the stack depot is called before it.
 */
#include "debug/kmemleak_internal.h"

#define KMEMLEAK_HZ		250
#define KMEMLEAK_INITIAL_JIFFIES ((unsigned long)(unsigned int)(-300 * KMEMLEAK_HZ))
#define KMEMLEAK_MIN_AGE_MS	5000	/* MSECS_MIN_AGE */
#define KMEMLEAK_META_GFP	(__GFP_HIGH | __GFP_NOWARN)

int kmemleak_enabled;
static bool kmemleak_off_for_good;

struct kmemleak_object *kmemleak_root;
uintptr_t kmemleak_min_addr_1 = UINTPTR_MAX, kmemleak_max_end;
unsigned long kmemleak_min_age_jiffies = KMEMLEAK_MIN_AGE_MS * KMEMLEAK_HZ / 1000;
static unsigned long nr_objects;	/* atomic for readers */

/* ---- time -------------------------------------------------------------------- */

unsigned long kmemleak_jiffies(void)
{
	return KMEMLEAK_INITIAL_JIFFIES +
	       (unsigned long)(ukmem_plat_now_ns() / (1000000000ULL / KMEMLEAK_HZ));
}

void kmemleak_set_min_age_ms(unsigned long ms)
{
	__atomic_store_n(&kmemleak_min_age_jiffies, ms * KMEMLEAK_HZ / 1000, __ATOMIC_RELAXED);
}

unsigned long kmemleak_nr_objects(void)
{
	return __atomic_load_n(&nr_objects, __ATOMIC_RELAXED);
}

/* ---- the metadata pool ------------------------------------------------------- */

union kmemleak_slot {
	union kmemleak_slot *next_free;
	struct kmemleak_object object;
	struct kmemleak_area area;
};

static union kmemleak_slot *pool_free;

static void *pool_alloc_locked(void)
{
	union kmemleak_slot *slot = pool_free;

	if (!slot) {
		struct page *page = ukmem_alloc_pages(KMEMLEAK_META_GFP, 0, NUMA_NO_NODE);
		union kmemleak_slot *first;
		size_t n = PAGE_SIZE / sizeof(*slot);

		if (!page)
			return NULL;
		first = page_address(page);
		for (size_t i = 1; i + 1 < n; i++)
			first[i].next_free = &first[i + 1];
		first[n - 1].next_free = NULL;
		pool_free = &first[1];
		slot = first;
	} else {
		pool_free = slot->next_free;
	}
	__builtin_memset(slot, 0, sizeof(*slot));
	return slot;
}

static void pool_free_locked(void *p)
{
	union kmemleak_slot *slot = p;

	slot->next_free = pool_free;
	pool_free = slot;
}

/* ---- the treap ------------------------------------------------------------------- */

/* A priority from the address alone (murmur3's finaliser mixes the
 * aligned low bits in). */
static inline uint64_t prio(const struct kmemleak_object *o)
{
	uint64_t x = o->pointer;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static struct kmemleak_object *tree_insert(struct kmemleak_object *t, struct kmemleak_object *o)
{
	struct kmemleak_object *c;

	if (!t)
		return o;
	if (o->pointer < t->pointer) {
		t->left = tree_insert(t->left, o);
		if (prio(t->left) > prio(t)) {
			c = t->left;
			t->left = c->right;
			c->right = t;
			return c;
		}
	} else {
		t->right = tree_insert(t->right, o);
		if (prio(t->right) > prio(t)) {
			c = t->right;
			t->right = c->left;
			c->left = t;
			return c;
		}
	}
	return t;
}

/* Join two treaps, every key of a below every key of b. */
static struct kmemleak_object *tree_merge(struct kmemleak_object *a, struct kmemleak_object *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (prio(a) > prio(b)) {
		a->right = tree_merge(a->right, b);
		return a;
	}
	b->left = tree_merge(a, b->left);
	return b;
}

static void tree_remove(struct kmemleak_object *o)
{
	struct kmemleak_object **link = &kmemleak_root;

	while (*link != o)
		link = o->pointer < (*link)->pointer ? &(*link)->left : &(*link)->right;
	*link = tree_merge(o->left, o->right);
	o->left = o->right = NULL;
}

/* The object with the greatest start <= addr. */
static struct kmemleak_object *tree_floor(uintptr_t addr)
{
	struct kmemleak_object *t = kmemleak_root, *best = NULL;

	while (t) {
		if (addr < t->pointer) {
			t = t->left;
		} else {
			best = t;
			t = t->right;
		}
	}
	return best;
}

struct kmemleak_object *kmemleak_lookup_locked(uintptr_t addr)
{
	struct kmemleak_object *o = tree_floor(addr);

	return o && addr < kmemleak_object_end(o) ? o : NULL;
}

struct kmemleak_object *kmemleak_next_locked(uintptr_t addr)
{
	struct kmemleak_object *t = kmemleak_root, *best = NULL;

	while (t) {
		if (t->pointer > addr) {
			best = t;
			t = t->left;
		} else {
			t = t->right;
		}
	}
	return best;
}

/* ---- the lock ----------------------------------------------------------------- */

/* False only in a signal handler that interrupted the holder: then
 * kmemleak cannot keep its graph right and switches off (theory 5). */
static bool kl_lock(const char *what, const void *ptr)
{
	if (ukmem_lock(&kmemleak_lock))
		return true;
	ukmem_printk("kmemleak: cannot %s 0x%08lx in a signal handler that interrupted kmemleak\n",
		     what, (unsigned long)(uintptr_t)ptr);
	kmemleak_disable();
	return false;
}

static void kl_unlock(void)
{
	ukmem_unlock(&kmemleak_lock);
}

/* ---- records ------------------------------------------------------------------ */

static void object_free_locked(struct kmemleak_object *o)
{
	struct kmemleak_area *a = o->areas;

	tree_remove(o);
	while (a) {
		struct kmemleak_area *next = a->next;

		pool_free_locked(a);
		a = next;
	}
	pool_free_locked(o);
	__atomic_store_n(&nr_objects, nr_objects - 1, __ATOMIC_RELAXED);
}

/* Record [ptr, ptr + size); the caller fills in who and when.  NULL (and
 * kmemleak off) when out of memory or overlapping a tracked block. */
static struct kmemleak_object *object_create_locked(uintptr_t ptr, size_t size, int min_count)
{
	struct kmemleak_object *o, *old;

	old = tree_floor(ptr + (size ? size : 1) - 1);
	if (old && kmemleak_object_end(old) > ptr) {
		ukmem_printk("kmemleak: Cannot insert 0x%lx into the object search tree "
			     "(overlaps existing)\n", (unsigned long)ptr);
		ukmem_printk("kmemleak: Object 0x%08lx (size %zu):\n",
			     (unsigned long)old->pointer, old->size);
		stack_depot_print(old->trace);
		return NULL;
	}
	o = pool_alloc_locked();
	if (!o) {
		ukmem_printk("kmemleak: Cannot allocate a kmemleak_object structure\n");
		return NULL;
	}
	o->pointer = ptr;
	o->size = size;
	o->min_count = min_count;
	o->flags = OBJECT_ALLOCATED;
	kmemleak_root = tree_insert(kmemleak_root, o);
	if (ptr - 1 < kmemleak_min_addr_1)
		kmemleak_min_addr_1 = ptr - 1;
	if (kmemleak_object_end(o) > kmemleak_max_end)
		kmemleak_max_end = kmemleak_object_end(o);
	__atomic_store_n(&nr_objects, nr_objects + 1, __ATOMIC_RELAXED);
	return o;
}

/* ---- the API ------------------------------------------------------------------ */

UKMEM_API void ukmem_kmemleak_alloc(const void *ptr, size_t size, int min_count, gfp_t gfp)
{
	struct kmemleak_object *o;
	depot_stack_handle_t trace;
	unsigned long now;

	(void)gfp;	/* the records never reclaim (theory 3) */
	if (__builtin_expect(!kmemleak_on(), 1) || !ptr)
		return;
	trace = stack_depot_capture(1);
	now = kmemleak_jiffies();
	if (!kl_lock("track", ptr))
		return;
	o = kmemleak_on() ? object_create_locked((uintptr_t)ptr, size, min_count) : NULL;
	if (o) {
		o->trace = trace;
		o->jiffies = now;
		o->pid = ukmem_plat_tid();
		ukmem_strlcpy(o->comm, ukmem_plat_comm(), sizeof(o->comm));
	}
	kl_unlock();
	if (!o && kmemleak_on())
		kmemleak_disable();
}

UKMEM_API void ukmem_kmemleak_free(const void *ptr)
{
	struct kmemleak_object *o;

	if (__builtin_expect(!kmemleak_on(), 1) || !ptr)
		return;
	if (!kl_lock("free", ptr))
		return;
	o = tree_floor((uintptr_t)ptr);
	/* Unknown: the kernel stays quiet too (it warns only with DEBUG). */
	if (o && o->pointer == (uintptr_t)ptr)
		object_free_locked(o);
	kl_unlock();
}

UKMEM_API void ukmem_kmemleak_free_part(const void *ptr, size_t size)
{
	struct kmemleak_object *o, saved, *part;
	uintptr_t p = (uintptr_t)ptr, start, end;
	bool failed = false;

	if (__builtin_expect(!kmemleak_on(), 1) || !ptr)
		return;
	if (!kl_lock("free part of", ptr))
		return;
	o = kmemleak_lookup_locked(p);
	if (o) {
		saved = *o;
		start = o->pointer;
		end = start + o->size;
		object_free_locked(o);
		/* What is left on either side keeps the original's record. */
		if (p > start) {
			part = object_create_locked(start, p - start, saved.min_count);
			if (part) {
				part->flags = saved.flags & ~OBJECT_EXIT_REPORT;
				part->trace = saved.trace;
				part->jiffies = saved.jiffies;
				part->pid = saved.pid;
				__builtin_memcpy(part->comm, saved.comm, sizeof(part->comm));
			}
			failed |= !part;
		}
		if (p + size < end) {
			part = object_create_locked(p + size, end - p - size, saved.min_count);
			if (part) {
				part->flags = saved.flags & ~OBJECT_EXIT_REPORT;
				part->trace = saved.trace;
				part->jiffies = saved.jiffies;
				part->pid = saved.pid;
				__builtin_memcpy(part->comm, saved.comm, sizeof(part->comm));
			}
			failed |= !part;
		}
	}
	kl_unlock();
	if (failed)
		kmemleak_disable();
}

/* The kernel's kmemleak_warn: a message and the caller's stack. */
static void kmemleak_warn_unknown(const char *fmt, const void *ptr)
{
	ukmem_printk(fmt, (unsigned long)(uintptr_t)ptr);
	dump_stack();
}

static void paint(const void *ptr, int min_count)
{
	struct kmemleak_object *o;

	if (__builtin_expect(!kmemleak_on(), 1) || !ptr)
		return;
	if (!kl_lock("colour", ptr))
		return;
	o = tree_floor((uintptr_t)ptr);
	if (o && o->pointer == (uintptr_t)ptr) {
		o->min_count = min_count;
		kl_unlock();
		return;
	}
	kl_unlock();
	if (min_count == KMEMLEAK_GREY)
		kmemleak_warn_unknown("kmemleak: Trying to color unknown object at 0x%08lx as Grey\n",
				      ptr);
	else
		kmemleak_warn_unknown("kmemleak: Trying to color unknown object at 0x%08lx as Black\n",
				      ptr);
}

UKMEM_API void ukmem_kmemleak_not_leak(const void *ptr)
{
	paint(ptr, KMEMLEAK_GREY);
}

UKMEM_API void ukmem_kmemleak_ignore(const void *ptr)
{
	paint(ptr, KMEMLEAK_BLACK);
}

UKMEM_API void ukmem_kmemleak_scan_area(const void *ptr, size_t size, gfp_t gfp)
{
	struct kmemleak_object *o;
	struct kmemleak_area *a = NULL;
	uintptr_t p = (uintptr_t)ptr;
	bool too_large = false;

	(void)gfp;
	if (__builtin_expect(!kmemleak_on(), 1) || !ptr || !size)
		return;
	if (!kl_lock("add a scan area to", ptr))
		return;
	o = kmemleak_lookup_locked(p);
	if (o && size == SIZE_MAX) {
		o->flags |= OBJECT_FULL_SCAN;
	} else if (o && (size > o->size || p - o->pointer > o->size - size)) {
		too_large = true;
	} else if (o) {
		a = pool_alloc_locked();
		if (a) {
			a->start = p;
			a->size = size;
			a->next = o->areas;
			o->areas = a;
		} else {
			/* Without the area the object is scanned whole: a
			 * missed leak at worst, never a false one. */
			o->flags |= OBJECT_FULL_SCAN;
		}
	}
	kl_unlock();
	if (!o)
		kmemleak_warn_unknown("kmemleak: Adding scan area to unknown object at 0x%08lx\n",
				      ptr);
	else if (too_large)
		kmemleak_warn_unknown("kmemleak: Scan area larger than object 0x%08lx\n", ptr);
}

UKMEM_API void ukmem_kmemleak_no_scan(const void *ptr)
{
	struct kmemleak_object *o;

	if (__builtin_expect(!kmemleak_on(), 1) || !ptr)
		return;
	if (!kl_lock("stop scanning", ptr))
		return;
	o = kmemleak_lookup_locked((uintptr_t)ptr);
	if (o)
		o->flags |= OBJECT_NO_SCAN;
	kl_unlock();
	if (!o)
		kmemleak_warn_unknown("kmemleak: Not scanning unknown object at 0x%08lx\n", ptr);
}

/* ---- on and off ----------------------------------------------------------------- */

#ifdef UKMEM_BARE
#define KMEMLEAK_HOSTED false
#else
#define KMEMLEAK_HOSTED true
#endif

static void kmemleak_exit_hook(void)
{
	kmemleak_scan_at_exit();
}

int kmemleak_setup(int on)
{
	if (on <= 0)
		return 0;
	if (!KMEMLEAK_HOSTED) {
		ukmem_printk("kmemleak: kmemleak=on refused: a bare board has no threads or "
			     "loaded objects to scan\n");
		return -KMEMLEAK_ENOSYS;
	}
	if (__atomic_load_n(&kmemleak_off_for_good, __ATOMIC_ACQUIRE))
		return -KMEMLEAK_EPERM;
	if (kmemleak_on())
		return 0;
	ukmem_plat_at_exit(kmemleak_exit_hook);
	__atomic_store_n(&kmemleak_enabled, 1, __ATOMIC_RELEASE);
	debug_hooks_set(DEBUG_HOOK_KMEMLEAK, true);
	return 0;
}

/*
 * Off for good, as the kernel's kmemleak_disable: the hooks stop, the
 * records stay until "clear" frees them (kmemleak_scan.c), so a report
 * already made can still be read.
 */
void kmemleak_disable(void)
{
	if (__atomic_exchange_n(&kmemleak_off_for_good, true, __ATOMIC_ACQ_REL))
		return;
	__atomic_store_n(&kmemleak_enabled, 0, __ATOMIC_RELEASE);
	debug_hooks_set(DEBUG_HOOK_KMEMLEAK, false);
	ukmem_printk("kmemleak: Kernel memory leak detector disabled\n");
}

bool kmemleak_disabled_for_good(void)
{
	return __atomic_load_n(&kmemleak_off_for_good, __ATOMIC_ACQUIRE);
}

/* "clear" after "off": every record goes (the kernel's
 * __kmemleak_do_cleanup); the pool's pages stay for nothing else. */
void kmemleak_free_all(void)
{
	ukmem_lock(&kmemleak_lock);
	while (kmemleak_root)
		object_free_locked(kmemleak_root);
	kmemleak_min_addr_1 = UINTPTR_MAX;
	kmemleak_max_end = 0;
	ukmem_unlock(&kmemleak_lock);
}
