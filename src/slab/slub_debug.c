/*
 * slub_debug.c - SLUB's debugging: red zones, poisoning, user tracking,
 * tracing and consistency checks of the caches slub_debug= or the cache
 * flags select, with the kernel's object layout, byte values and reports.
 *
 * Theory
 * ------
 * A debug cache's slot (calculate_sizes in slub.c lays it out as Linux
 * 6.6 does) is
 *
 *   [left red zone][object][right red zone][free pointer][track alloc]
 *   [track free][padding]
 *
 * with the left red zone only under Z (objects start red_left_pad bytes
 * into their slot), the free pointer outside the object under P (a free
 * object's body is all poison), and the two struct track under U.  The
 * bytes say what state the object is in:
 *
 *   red zones   0xbb (SLUB_RED_INACTIVE) while free, 0xcc (SLUB_RED_ACTIVE)
 *               while allocated;
 *   object      0x6b (POISON_FREE) with a last byte of 0xa5 (POISON_END),
 *               written at free and at slab creation (P);
 *   padding     0x5a (POISON_INUSE), in each slot and at the slab's tail (P).
 *
 * Every allocation checks that a free object still reads as free (a write
 * after free shows as "Poison overwritten"), every free that the red zones
 * still read as allocated ("Right Redzone overwritten" is an overflow) and
 * that the object is not already on its slab's freelist.  A report is the
 * kernel's (slab_bug, the detail line, the trailer with the tracks and the
 * hex dumps), then the bytes are restored ("FIX <cache>: Restoring ...")
 * and the program goes on with a consistent slab.
 *
 * Debug caches have no sheaves (set_cpu_partial gives them none), so every
 * allocation and free of theirs reaches the slow paths, where sheaf.c calls
 * in here: the fast paths never test a debug flag.  The checks run with no
 * lock held: an object being allocated or freed belongs to its caller, and
 * only the double-free test reads the freelist, under list_lock.
 *
 * Locks: the freelist walk takes the slab's list_lock (slub.c); nothing
 * else here takes a lock.
 */
#include "slab/slab_api.h"
#include "lib/errno.h"

bool slub_init_on_alloc, slub_init_on_free, slub_freelist_random;
static char slub_debug_spec[UKMEM_OPT_STR_MAX];
static bool slub_debug_on;

enum track_item { TRACK_ALLOC, TRACK_FREE };

/* ---- options ------------------------------------------------------------ */

void slub_debug_apply_options(const struct ukmem_options *opt)
{
	slub_debug_on = opt->slub_debug_set;
	ukmem_strlcpy(slub_debug_spec, opt->slub_debug, sizeof(slub_debug_spec));
	if (opt->init_on_alloc >= 0)
		slub_init_on_alloc = opt->init_on_alloc;
	if (opt->init_on_free >= 0)
		slub_init_on_free = opt->init_on_free;
	if (opt->slab_freelist_random >= 0)
		slub_freelist_random = opt->slab_freelist_random;
	if (slub_debug_on && (slub_init_on_alloc || slub_init_on_free)) {
		struct slub_debug_result r;

		/* The kernel's mem_auto_init message, when P is on for all. */
		if (!slub_debug_spec_lookup(slub_debug_spec, "", &r) && (r.flags & SLAB_POISON))
			pr_info("mem auto-init: SLAB_POISON will take precedence over "
				"init_on_alloc/init_on_free\n");
	}
}

slab_flags_t slub_debug_cache_flags(const char *name, slab_flags_t flags, bool *order_check)
{
	struct slub_debug_result r;

	*order_check = false;
	if (!slub_debug_on || slub_debug_spec_lookup(slub_debug_spec, name, &r))
		return flags;
	*order_check = r.order_check;
	return r.matched ? flags | r.flags : flags;
}

/* ---- layout ------------------------------------------------------------- */

static bool freeptr_outside_object(const struct kmem_cache *s)
{
	return s->offset >= s->inuse;
}

/* Where the metadata after the free pointer starts. */
static unsigned int get_info_end(const struct kmem_cache *s)
{
	return freeptr_outside_object(s) ? s->inuse + (unsigned int)sizeof(void *) : s->inuse;
}

static struct track *get_track(const struct kmem_cache *s, void *obj, enum track_item item)
{
	return (struct track *)(void *)((char *)obj + get_info_end(s)) + item;
}

/* The slot's bytes from the object's start on. */
static unsigned int size_from_object(const struct kmem_cache *s)
{
	return (s->flags & SLAB_RED_ZONE) ? s->size - s->red_left_pad : s->size;
}

/* Where the padding after the tracks starts. */
/* A kmalloc cache that stores its users also stores each object's
 * requested size after the tracks (the kernel's slub_debug_orig_size);
 * with red zones, the bytes between it and object_size are a red zone
 * too, "kmalloc Redzone". */
static bool orig_size_on(const struct kmem_cache *s)
{
	return (s->flags & SLAB_STORE_USER) && (s->flags & SLAB_KMALLOC);
}

static unsigned int *orig_size_word(const struct kmem_cache *s, void *obj)
{
	return (unsigned int *)(void *)((char *)obj + get_info_end(s) +
					2 * sizeof(struct track));
}

static unsigned int get_orig_size(const struct kmem_cache *s, void *obj)
{
	unsigned int size;

	if (!orig_size_on(s))
		return s->object_size;
	__builtin_memcpy(&size, orig_size_word(s, obj), sizeof(size));
	return size && size <= s->object_size ? size : s->object_size;
}

static void set_orig_size(const struct kmem_cache *s, void *obj, size_t size)
{
	unsigned int v = size < s->object_size ? (unsigned int)size : s->object_size;

	if (orig_size_on(s))
		__builtin_memcpy(orig_size_word(s, obj), &v, sizeof(v));
}

static unsigned int pad_start(const struct kmem_cache *s)
{
	unsigned int off = get_info_end(s);

	if (s->flags & SLAB_STORE_USER)
		off += 2 * (unsigned int)sizeof(struct track);
	if (orig_size_on(s))
		off += (unsigned int)sizeof(unsigned int);
	return off;
}

static struct slab *obj_slab(const void *obj)
{
	return page_slab(virt_to_page(obj));
}

/* HZ = 1000: the kernel's jiffies, in milliseconds since ukmem started. */
static unsigned long jiffies_now(void)
{
	return (unsigned long)(ukmem_plat_now_ns() / 1000000);
}

/* ---- tracking (U) and tracing (T) --------------------------------------- */

static void set_track(struct kmem_cache *s, void *obj, enum track_item item,
		      unsigned long caller)
{
	struct track *t = get_track(s, obj, item);

	t->addr = caller;
	t->handle = stack_depot_capture(2);
	t->cpu = ukmem_plat_cpu();
	t->pid = ukmem_plat_tid();
	t->when = jiffies_now();
}

static void print_track(const char *what, const struct track *t, unsigned long now)
{
	char sym[128];

	if (!t->addr)
		return;
	pr_err("%s in %s age=%lu cpu=%u pid=%d\n", what,
	       ukmem_sprint_symbol(sym, sizeof(sym), (void *)t->addr), now - t->when,
	       (unsigned int)t->cpu, t->pid);
	if (t->handle)
		stack_depot_print(t->handle);
	else
		pr_err("object allocation/free stack trace missing\n");
}

static void print_tracking(const struct kmem_cache *s, const struct track tracks[2])
{
	unsigned long now = jiffies_now();

	if (!(s->flags & SLAB_STORE_USER))
		return;
	print_track("Allocated", &tracks[TRACK_ALLOC], now);
	print_track("Freed", &tracks[TRACK_FREE], now);
}

static void trace(struct kmem_cache *s, struct slab *slab, void *obj, bool alloc)
{
	pr_info("TRACE %s %s 0x%p inuse=%u fp=0x%p\n", s->name, alloc ? "alloc" : "free", obj,
		slab->inuse, slab->freelist);
	if (!alloc)
		ukmem_print_hex_dump(KERN_INFO "Object ", true, obj, s->object_size);
	dump_stack();
}

/* ---- reports ------------------------------------------------------------ */

/* The bytes of a slot a report shows, copied before anything is printed. */
#define TRAILER_SNAP 1024

/* Print the part [at, at + n) of the slot from the snapshot of the slot
 * taken at from (len bytes); what the snapshot lacks is left out. */
static void print_section(const char *text, const char *at, size_t n, const char *from,
			  const unsigned char *snap, size_t len)
{
	size_t skip = (size_t)(at - from);
	char prefix[16];

	if (skip >= len)
		return;
	if (n > len - skip)
		n = len - skip;
	ukmem_snprintf(prefix, sizeof(prefix), KERN_ERR "%s", text);
	ukmem_print_hex_dump_copy(prefix, at, snap + skip, n);
}

/*
 * The kernel's print_trailer: tracks, slab, object and the slot's bytes.
 * Printing symbolizes, and a symbolizer may allocate: when the object is
 * free (a double free, validate) the allocator may hand it out in the
 * middle of the report.  So the tracks and the first TRAILER_SNAP bytes
 * of the slot are copied first, and the report shows the copy.
 */
static void print_trailer(struct kmem_cache *s, struct slab *slab, void *obj)
{
	unsigned char snap[TRAILER_SNAP];
	struct track tracks[2];
	char *p = obj, *addr = slab_address(slab);
	char *from = (s->flags & SLAB_RED_ZONE) ? p - s->red_left_pad : p > addr + 16 ? p - 16 : p;
	char *end = p + size_from_object(s);
	size_t len = (size_t)(end - from) < sizeof(snap) ? (size_t)(end - from) : sizeof(snap);
	unsigned int off = pad_start(s);
	void *fp = get_freepointer(s, obj);

	__builtin_memcpy(snap, from, len);
	if (s->flags & SLAB_STORE_USER)
		__builtin_memcpy(tracks, get_track(s, obj, TRACK_ALLOC), sizeof(tracks));
	print_tracking(s, tracks);
	print_slab_info(slab);
	pr_err("Object 0x%p @offset=%lu fp=0x%p\n\n", obj, (unsigned long)(p - addr), fp);
	if (s->flags & SLAB_RED_ZONE)
		print_section("Redzone  ", p - s->red_left_pad, s->red_left_pad, from, snap, len);
	else if (p > addr + 16)
		print_section("Bytes b4 ", p - 16, 16, from, snap, len);
	print_section("Object   ", p, s->object_size, from, snap, len);
	if (s->flags & SLAB_RED_ZONE)
		print_section("Redzone  ", p + s->object_size, s->inuse - s->object_size, from,
			      snap, len);
	if (off != size_from_object(s))
		print_section("Padding  ", p + off, size_from_object(s) - off, from, snap, len);
	dump_stack();
}

static void slab_fix(struct kmem_cache *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void slab_fix(struct kmem_cache *s, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	ukmem_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("FIX %s: %s\n", s->name, msg);
}

/* The kernel's object_err: a titled report about one object. */
static void object_err(struct kmem_cache *s, struct slab *slab, void *obj, const char *reason)
{
	slab_bug(s, "%s", reason);
	print_trailer(s, slab, obj);
}

static const unsigned char *first_not(const unsigned char *p, unsigned char value, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != value)
			return p + i;
	return NULL;
}

/* Check that bytes [start, start + n) of obj's slot all read value;
 * report and restore them if not (the kernel's check_bytes_and_report).
 * True if they were intact. */
static bool check_bytes_and_report(struct kmem_cache *s, struct slab *slab, void *obj,
				   const char *what, unsigned char *start, unsigned char value,
				   size_t n)
{
	const unsigned char *fault = first_not(start, value, n);
	unsigned char *end = start + n;
	char *addr = slab_address(slab);

	if (!fault)
		return true;
	while (end > fault && end[-1] == value)
		end--;
	slab_bug(s, "%s overwritten", what);
	pr_err("0x%p-0x%p @offset=%lu. First byte 0x%x instead of 0x%x\n", (const void *)fault,
	       (void *)(end - 1), (unsigned long)((const char *)fault - addr), fault[0], value);
	print_trailer(s, slab, obj);
	slab_fix(s, "Restoring %s 0x%p-0x%p=0x%x", what, (const void *)fault, (void *)(end - 1),
		 value);
	__builtin_memset((void *)(uintptr_t)fault, value, (size_t)(end - fault));
	return false;
}

/* ---- object state -------------------------------------------------------- */

/* Write the bytes of a free (val = SLUB_RED_INACTIVE) or allocated
 * (SLUB_RED_ACTIVE) object: red zones, and the poison of its body. */
static void init_object(struct kmem_cache *s, void *obj, unsigned char val)
{
	unsigned char *p = obj;
	unsigned int poison_size = s->object_size;

	if (s->flags & SLAB_RED_ZONE) {
		__builtin_memset(p - s->red_left_pad, val, s->red_left_pad);
		/* An allocated kmalloc object: red from the requested size on. */
		if (orig_size_on(s) && val == SLUB_RED_ACTIVE)
			poison_size = get_orig_size(s, obj);
	}
	if (s->object_poison && poison_size) {
		__builtin_memset(p, POISON_FREE, poison_size - 1);
		p[poison_size - 1] = POISON_END;
	}
	if (s->flags & SLAB_RED_ZONE)
		__builtin_memset(p + poison_size, val, s->inuse - poison_size);
}

static bool check_pad_bytes(struct kmem_cache *s, struct slab *slab, unsigned char *p)
{
	unsigned int off = pad_start(s);

	if (size_from_object(s) == off)
		return true;
	return check_bytes_and_report(s, slab, p, "Object padding", p + off, POISON_INUSE,
				      size_from_object(s) - off);
}

/* The kernel's check_object: do obj's bytes read as val says (free or
 * allocated)?  Reports and restores what does not. */
static bool check_object(struct kmem_cache *s, struct slab *slab, void *obj, unsigned char val,
			 bool check_fp)
{
	unsigned char *p = obj, *endobject = p + s->object_size;
	bool ok = true;

	if (s->flags & SLAB_RED_ZONE) {
		unsigned int orig = get_orig_size(s, obj);

		if (!check_bytes_and_report(s, slab, obj, "Left Redzone", p - s->red_left_pad, val,
					    s->red_left_pad))
			ok = false;
		if (!check_bytes_and_report(s, slab, obj, "Right Redzone", endobject, val,
					    s->inuse - s->object_size))
			ok = false;
		if (orig_size_on(s) && val == SLUB_RED_ACTIVE && orig < s->object_size &&
		    !check_bytes_and_report(s, slab, obj, "kmalloc Redzone", p + orig, val,
					    s->object_size - orig))
			ok = false;
	} else if ((s->flags & SLAB_POISON) && s->object_size < s->inuse) {
		if (!check_bytes_and_report(s, slab, obj, "Alignment padding", endobject,
					    POISON_INUSE, s->inuse - s->object_size))
			ok = false;
	}
	if (s->flags & SLAB_POISON) {
		if (val != SLUB_RED_ACTIVE && s->object_poison &&
		    (!check_bytes_and_report(s, slab, obj, "Poison", p, POISON_FREE,
					     s->object_size - 1) ||
		     !check_bytes_and_report(s, slab, obj, "End Poison", endobject - 1, POISON_END,
					     1)))
			ok = false;
		if (!check_pad_bytes(s, slab, p))
			ok = false;
	}
	/* An allocated object's free-pointer word is the caller's, unless
	 * it lies outside the object. */
	if (!freeptr_outside_object(s) && val == SLUB_RED_ACTIVE)
		return ok;
	if (check_fp && val == SLUB_RED_INACTIVE &&
	    !slub_valid_pointer(s, slab, get_freepointer(s, obj))) {
		object_err(s, slab, obj, "Freepointer corrupt");
		set_freepointer(s, obj, NULL);
		ok = false;
	}
	return ok;
}

/* The slab's tail after the last slot: POISON_INUSE under P. */
static bool slab_pad_check(struct kmem_cache *s, struct slab *slab)
{
	unsigned char *start = slab_address(slab);
	size_t length = PAGE_SIZE << compound_order(slab_page(slab));
	size_t remainder = length % s->size;
	unsigned char *pad = start + length - remainder;
	const unsigned char *fault;
	unsigned char *end = start + length;

	if (!(s->flags & SLAB_POISON) || !remainder)
		return true;
	fault = first_not(pad, POISON_INUSE, remainder);
	if (!fault)
		return true;
	while (end > fault && end[-1] == POISON_INUSE)
		end--;
	slab_bug(s, "Padding overwritten. 0x%p-0x%p @offset=%lu", (const void *)fault,
		 (void *)(end - 1), (unsigned long)((const char *)fault - (const char *)start));
	ukmem_print_hex_dump(KERN_ERR "Padding ", true, pad, remainder);
	slab_fix(s, "Restoring Padding 0x%p-0x%p=0x%x", (const void *)fault, (void *)(end - 1),
		 POISON_INUSE);
	__builtin_memset(pad, POISON_INUSE, remainder);
	return false;
}

/* ---- the hooks ----------------------------------------------------------- */

void slub_debug_setup_slab(struct kmem_cache *s, struct slab *slab)
{
	if (s->flags & SLAB_POISON)
		__builtin_memset(slab_address(slab), POISON_INUSE,
				 PAGE_SIZE << compound_order(slab_page(slab)));
	for (unsigned int i = 0; i < slab->objects; i++) {
		void *obj = slab_object(s, slab, i);

		init_object(s, obj, SLUB_RED_INACTIVE);
		if (s->flags & SLAB_STORE_USER)
			__builtin_memset(get_track(s, obj, TRACK_ALLOC), 0,
					 2 * sizeof(struct track));
	}
}

void slub_debug_alloc(struct kmem_cache *s, void *obj, unsigned long caller, size_t orig_size)
{
	struct slab *slab = obj_slab(obj);

	if (s->flags & SLAB_CONSISTENCY_CHECKS) {
		slab_pad_check(s, slab);
		/* The free-pointer word was checked when the object left the
		 * freelist (take_from_slab_locked) and cleared since. */
		check_object(s, slab, obj, SLUB_RED_INACTIVE, false);
	} else if (s->flags & (SLAB_POISON | SLAB_RED_ZONE)) {
		check_object(s, slab, obj, SLUB_RED_INACTIVE, false);
	}
	if (s->flags & SLAB_STORE_USER)
		set_track(s, obj, TRACK_ALLOC, caller);
	if (s->flags & SLAB_TRACE)
		trace(s, slab, obj, true);
	set_orig_size(s, obj, orig_size);
	init_object(s, obj, SLUB_RED_ACTIVE);
}

void slub_debug_set_orig_size(struct kmem_cache *s, void *obj, size_t size)
{
	unsigned char *p = obj;
	unsigned int old = get_orig_size(s, obj), now;

	if (!slab_kmalloc_redzone(s))
		return;
	set_orig_size(s, obj, size);
	now = get_orig_size(s, obj);
	/* Shrunk: the freed tail is red zone again; grown: the caller's
	 * (what it reads there is unspecified, as after krealloc). */
	if (now < old)
		__builtin_memset(p + now, SLUB_RED_ACTIVE, old - now);
}

bool slub_debug_free(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller)
{
	if (slub_object_on_freelist(s, slab, obj)) {
		object_err(s, slab, obj, "Object already free");
		slab_fix(s, "Object at 0x%p not freed", obj);
		return false;
	}
	if (s->flags & (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON))
		check_object(s, slab, obj, SLUB_RED_ACTIVE, false);
	if (s->flags & SLAB_STORE_USER)
		set_track(s, obj, TRACK_FREE, caller);
	if (s->flags & SLAB_TRACE)
		trace(s, slab, obj, false);
	init_object(s, obj, SLUB_RED_INACTIVE);
	return true;
}

void slub_debug_free_bad(struct kmem_cache *s, struct slab *slab, void *obj, bool double_free)
{
	if (double_free) {
		object_err(s, slab, obj, "Object already free");
	} else {
		slab_bug(s, "Invalid object pointer 0x%p", obj);
		print_slab_info(slab);
	}
	slab_fix(s, "Object at 0x%p not freed", obj);
}

/* ---- validate ------------------------------------------------------------- */

/* Is obj, an object of slab, on its freelist?  list_lock held by the
 * caller (validate_slab). */
static bool on_list(const struct kmem_cache *s, const struct slab *slab, const void *obj)
{
	unsigned int n = 0;

	for (void *fp = slab->freelist; fp && n <= slab->objects; fp = get_freepointer(s, fp), n++)
		if (fp == obj)
			return true;
	return false;
}

/* Check one slab: its freelist, its count, and each object's bytes. */
static int validate_slab(struct kmem_cache *s, struct slab *slab)
{
	unsigned int nr = 0;
	int errors = 0;
	void *fp, *prev = NULL;

	for (fp = slab->freelist; fp && nr <= slab->objects; fp = get_freepointer(s, fp)) {
		if (!slub_valid_pointer(s, slab, fp)) {
			if (prev) {
				object_err(s, slab, prev, "Freechain corrupt");
				set_freepointer(s, prev, NULL);
			} else {
				slab_bug(s, "Freepointer corrupt");
				print_slab_info(slab);
				slab->freelist = NULL;
				slab_set_inuse(slab, slab->objects);
				slab_fix(s, "Freelist cleared");
				return errors + 1;
			}
			errors++;
			break;
		}
		prev = fp;
		nr++;
	}
	if (slab->inuse != slab->objects - nr) {
		slab_bug(s, "Wrong object count. Counter is %u but counted were %u", slab->inuse,
			 slab->objects - nr);
		print_slab_info(slab);
		slab_set_inuse(slab, slab->objects - nr);
		slab_fix(s, "Object count adjusted");
		errors++;
	}
	if (!(s->flags & (SLAB_RED_ZONE | SLAB_POISON | SLAB_CONSISTENCY_CHECKS)))
		return errors;
	if (!slab_pad_check(s, slab))
		errors++;
	for (unsigned int i = 0; i < slab->objects; i++) {
		void *obj = slab_object(s, slab, i);
		bool free = on_list(s, slab, obj);

		if (!check_object(s, slab, obj, free ? SLUB_RED_INACTIVE : SLUB_RED_ACTIVE, true))
			errors++;
	}
	return errors;
}

/*
 * Call fn on every slab of s under its node's list_lock, found by walking
 * the page map (full slabs are on no list); sheaves are flushed first, so
 * every free object is on a freelist.  Returns the sum of fn's results.
 */
static int for_each_slab(struct kmem_cache *s, int (*fn)(struct kmem_cache *s, struct slab *slab,
							   void *arg), void *arg)
{
	int sum = 0;

	sheaves_flush_all(s);
	for (unsigned long pfn = 0; pfn < ukmem_mm.max_pfn; pfn++) {
		struct page *page = pfn_to_page(pfn);
		struct slab *slab = (struct slab *)(void *)page;
		ukmem_lock_t *lock;

		/* PG_slab is set on a slab's head page only. */
		if (!PageSlab(page) || __atomic_load_n(&slab->slab_cache, __ATOMIC_ACQUIRE) != s)
			continue;
		lock = &s->node[page_to_nid(page)].list_lock;
		if (!ukmem_lock(lock))
			continue;
		if (slab->slab_cache == s && PageSlab(page)) {
			ukmem_plat_vg_errors(false);	/* free objects' bytes are read */
			sum += fn(s, slab, arg);
			ukmem_plat_vg_errors(true);
		}
		ukmem_unlock(lock);
	}
	return sum;
}

static int validate_one(struct kmem_cache *s, struct slab *slab, void *arg)
{
	return validate_slab(s, slab);
}

int slub_debug_validate_cache(struct kmem_cache *s)
{
	return for_each_slab(s, validate_one, NULL);
}

/* ---- alloc_traces and free_traces ---------------------------------------- */

struct location {
	unsigned long count, addr, sum_time, min_time, max_time;
	long min_pid, max_pid;
	unsigned int handle;
	unsigned long cpus, nodes;	/* bitmaps of the first BITS_PER_LONG */
};

#define MAX_LOCATIONS 512

static void add_location(struct location *loc, unsigned int *nr, const struct track *t,
			 unsigned long age, int nid)
{
	struct location *l = NULL;

	for (unsigned int i = 0; i < *nr; i++)
		if (loc[i].addr == t->addr && loc[i].handle == t->handle) {
			l = &loc[i];
			break;
		}
	if (!l) {
		if (*nr == MAX_LOCATIONS)
			return;
		l = &loc[(*nr)++];
		__builtin_memset(l, 0, sizeof(*l));
		l->addr = t->addr;
		l->handle = t->handle;
		l->min_time = l->max_time = age;
		l->min_pid = l->max_pid = t->pid;
	}
	l->count++;
	l->sum_time += age;
	if (age < l->min_time)
		l->min_time = age;
	if (age > l->max_time)
		l->max_time = age;
	if (t->pid < l->min_pid)
		l->min_pid = t->pid;
	if (t->pid > l->max_pid)
		l->max_pid = t->pid;
	if (t->cpu >= 0 && t->cpu < (int)(8 * sizeof(long)))
		l->cpus |= 1UL << t->cpu;
	l->nodes |= 1UL << nid;
}

/* A bitmap as the kernel's %*pbl: "0-1,4". */
static void show_bitmap(struct seq_buf *m, unsigned long bits)
{
	bool first = true;

	for (int i = 0; i < (int)(8 * sizeof(long)); i++) {
		int j = i;

		if (!(bits >> i & 1))
			continue;
		while (j + 1 < (int)(8 * sizeof(long)) && (bits >> (j + 1) & 1))
			j++;
		ukmem_seq_printf(m, j > i ? "%s%d-%d" : "%s%d", first ? "" : ",", i, j);
		first = false;
		i = j;
	}
}

struct trace_walk {
	struct location *loc;
	unsigned int nr;
	unsigned long now;
	bool free;
};

static int collect_locations(struct kmem_cache *s, struct slab *slab, void *arg)
{
	struct trace_walk *w = arg;

	for (unsigned int i = 0; i < slab->objects; i++) {
		void *obj = slab_object(s, slab, i);
		const struct track *t = get_track(s, obj, w->free ? TRACK_FREE : TRACK_ALLOC);

		if (on_list(s, slab, obj) == w->free && t->addr)
			add_location(w->loc, &w->nr, t, w->now - t->when,
				     page_to_nid(slab_page(slab)));
	}
	return 0;
}

int slub_debug_show_traces(struct kmem_cache *s, bool free, struct seq_buf *m)
{
	static struct location loc[MAX_LOCATIONS];	/* under slab_mutex (the caller) */
	struct trace_walk walk;
	unsigned int nr;

	if (!(s->flags & SLAB_STORE_USER))
		return -EOPNOTSUPP;
	walk.loc = loc;
	walk.nr = 0;
	walk.now = jiffies_now();
	walk.free = free;
	for_each_slab(s, collect_locations, &walk);
	nr = walk.nr;
	for (unsigned int i = 0; i < nr; i++) {
		const struct location *l = &loc[i];
		const unsigned long *entries;
		unsigned int n;
		char sym[128];

		ukmem_seq_printf(m, "%7lu %s", l->count,
				 ukmem_sprint_symbol(sym, sizeof(sym), (void *)l->addr));
		if (l->sum_time != l->min_time)
			ukmem_seq_printf(m, " age=%lu/%lu/%lu", l->min_time, l->sum_time / l->count,
					 l->max_time);
		else
			ukmem_seq_printf(m, " age=%lu", l->min_time);
		if (l->min_pid != l->max_pid)
			ukmem_seq_printf(m, " pid=%ld-%ld", l->min_pid, l->max_pid);
		else
			ukmem_seq_printf(m, " pid=%ld", l->min_pid);
		if (ukmem_plat_nr_cpus() > 1 && l->cpus) {
			ukmem_seq_puts(m, " cpus=");
			show_bitmap(m, l->cpus);
		}
		if (ukmem_mm.nr_nodes > 1 && l->nodes) {
			ukmem_seq_puts(m, " nodes=");
			show_bitmap(m, l->nodes);
		}
		n = stack_depot_fetch(l->handle, &entries);
		if (n) {
			ukmem_seq_puts(m, "\n");
			for (unsigned int j = 0; j < n; j++)
				ukmem_seq_printf(m, "        %s\n",
						 ukmem_sprint_symbol(sym, sizeof(sym),
								     (void *)entries[j]));
		}
		ukmem_seq_puts(m, "\n");
	}
	if (!nr)
		ukmem_seq_puts(m, "No data\n");
	return 0;
}

/* ---- slab_freelist_random ---------------------------------------------------- */

/* The pages of a permutation of count objects. */
static unsigned int random_seq_order(unsigned int count)
{
	return (unsigned int)get_order(count * sizeof(unsigned int));
}

/* A random permutation of the objects of the cache's preferred slab (the
 * kernel's cache_random_seq): a new slab chains its objects in this order
 * from a random start.  Pages from the page allocator, made when the cache
 * is and given back when it is destroyed. */
void slub_debug_cache_random_seq(struct kmem_cache *s)
{
	unsigned int count = oo_objects(s->oo);
	unsigned int order = random_seq_order(count);
	struct page *page;
	uint64_t x = ukmem_plat_now_ns() ^ (uintptr_t)s;

	if (!slub_freelist_random || count < 2)
		return;
	page = ukmem_alloc_pages(GFP_KERNEL | __GFP_NOWARN, order, NUMA_NO_NODE);
	if (!page)
		return;
	s->random_seq = page_address(page);
	for (unsigned int i = 0; i < count; i++)
		s->random_seq[i] = i;
	for (unsigned int i = count - 1; i > 0; i--) {
		unsigned int j, t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (unsigned int)(x % (i + 1));
		t = s->random_seq[i];
		s->random_seq[i] = s->random_seq[j];
		s->random_seq[j] = t;
	}
}

void slub_debug_cache_free_random_seq(struct kmem_cache *s)
{
	if (!s->random_seq)
		return;
	ukmem_free_pages_addr((unsigned long)s->random_seq, random_seq_order(oo_objects(s->oo)));
	s->random_seq = NULL;
}
