/*
 * stackdepot.c - the stack depot: every distinct call stack stored once,
 * named by a 32-bit handle (the idea of the kernel's lib/stackdepot.c).
 *
 * Theory
 * ------
 * The debug tools record a stack for every allocation and free they
 * watch; most of those stacks repeat.  The depot keeps one copy of each
 * and hands out a handle, so a track costs four bytes.
 *
 * 1. Storage.  Records are packed into pools of 2^DEPOT_POOL_ORDER pages
 *    taken from the page allocator (the debug layer is below slab, so no
 *    kmalloc).  A record is { next, hash, nr, entries[nr] }, 8-byte
 *    aligned.  A handle is (pool number, counted from 1) << DEPOT_OFFSET_BITS
 *    | offset / DEPOT_ALIGN, so 0 is never a record.  Records are never
 *    freed or changed once published: a handle stays valid, and its frames
 *    readable, for the life of the process.
 *
 * 2. Lookup.  A hash table of handles (zeroed pages, as large as the page
 *    allocator gives up to DEPOT_TABLE_ORDER) heads one chain per bucket,
 *    linked through the records' next fields.  A new record is written
 *    whole, linked in front of its bucket's chain, then published by a
 *    release store of the bucket head; readers walk the chains with an
 *    acquire load of the head and no lock.  The pool array is published
 *    the same way before any handle into the pool exists.
 *
 * 3. Insertion.  depot_lock (src/lib/lockrank.h, the innermost rank, so a
 *    holder of any other ukmem lock may wait for it) serialises writers:
 *    the chain is searched again under it, then the record is carved from
 *    the current pool.  Nothing is allocated with the lock held: when the
 *    pool is full, the writer drops the lock, takes a pool from the page
 *    allocator, and retakes the lock to leave it as the spare that the
 *    next carve starts.  So the depot never waits for the zone locks, and
 *    the page allocator's own hooks may save stacks.
 *
 * 4. Memory.  Pages come with __GFP_NOWARN | __GFP_NOMEMALLOC and no
 *    reclaim flag: saves run inside allocation hooks, often with ukmem
 *    locks held, where reclaim or waking kswapd must not start; a save
 *    that finds no pages returns 0.  The depot stops growing at
 *    DEPOT_MAX_BYTES (8 MiB): after that, new stacks are refused (0) and
 *    counted in dropped, while known stacks still resolve.
 *
 * 5. Re-entry.  A thread-local flag marks a thread inside the depot.  A
 *    nested save (a hook on the depot's own page allocation, or a signal
 *    handler that interrupted the depot) returns 0 instead of waiting for
 *    a lock its own thread holds or touching a half-made record.
 *
 * Differences from the kernel: no eviction (stack_depot_put) and no
 * boot-time sizing of the table; the table is sized by what the page
 * allocator gives, so a small board gets a small one.  The hash is our
 * own (a 32-bit multiply-xorshift mix), not jhash2.
 */
#include <ukmem/gfp.h>
#include <ukmem/mm.h>

#include "debug/stackdepot.h"
#include "lib/lockrank.h"
#include "platform/platform.h"

#define DEPOT_POOL_ORDER	2
#define DEPOT_POOL_SIZE		(PAGE_SIZE << DEPOT_POOL_ORDER)
#define DEPOT_MAX_BYTES		(8UL << 20)
#define DEPOT_MAX_POOLS		(DEPOT_MAX_BYTES / DEPOT_POOL_SIZE)
#define DEPOT_ALIGN		8u
#define DEPOT_OFFSET_BITS	11
#define DEPOT_OFFSET_MASK	((1u << DEPOT_OFFSET_BITS) - 1)
#define DEPOT_TABLE_ORDER	4	/* 64 KiB: 16384 buckets */
#define DEPOT_GFP		(__GFP_NOWARN | __GFP_NOMEMALLOC)

_Static_assert(DEPOT_POOL_SIZE / DEPOT_ALIGN == 1u << DEPOT_OFFSET_BITS,
	       "an offset in the pool fits DEPOT_OFFSET_BITS");
_Static_assert(DEPOT_MAX_POOLS < (1u << (32 - DEPOT_OFFSET_BITS)),
	       "a pool number fits the rest of the handle");

struct depot_record {
	depot_stack_handle_t next;	/* the next record of the bucket; 0 ends */
	uint32_t hash;
	uint32_t nr;
	unsigned long entries[];
};

/* Published with release stores; read without the lock. */
static char *depot_pools[DEPOT_MAX_POOLS];
static depot_stack_handle_t *depot_table;
static unsigned int depot_table_mask;	/* written before depot_table */

/* Under depot_lock. */
static unsigned int depot_nr_pools;
static size_t depot_pool_used;		/* bytes carved from the last pool */
static struct page *depot_spare;	/* a pool for the next carve */
static unsigned long depot_stacks;

/* Atomic: also counted where the lock is not held. */
static unsigned long depot_dropped;

static UKMEM_THREAD_LOCAL bool depot_busy;

static uint32_t depot_mix(uint32_t h, uint32_t word)
{
	h ^= word;
	h *= 0x9e3779b1u;
	return h ^ (h >> 15);
}

static uint32_t depot_hash(const unsigned long *entries, unsigned int nr)
{
	uint32_t h = 0x5bd1e995u ^ nr;

	for (unsigned int i = 0; i < nr; i++) {
		unsigned long e = entries[i];

		h = depot_mix(h, (uint32_t)e);
		if (sizeof(e) > 4)
			h = depot_mix(h, (uint32_t)((unsigned long long)e >> 32));
	}
	return h;
}

/* The record of a handle, or NULL if the handle names none. */
static const struct depot_record *depot_record(depot_stack_handle_t handle)
{
	unsigned int pool = handle >> DEPOT_OFFSET_BITS;
	size_t offset = (size_t)(handle & DEPOT_OFFSET_MASK) * DEPOT_ALIGN;
	const char *base;

	if (pool == 0 || pool > DEPOT_MAX_POOLS ||
	    offset + sizeof(struct depot_record) > DEPOT_POOL_SIZE)
		return NULL;
	base = __atomic_load_n(&depot_pools[pool - 1], __ATOMIC_ACQUIRE);
	return base ? (const struct depot_record *)(base + offset) : NULL;
}

static depot_stack_handle_t depot_find(depot_stack_handle_t handle, uint32_t hash,
				       const unsigned long *entries, unsigned int nr)
{
	while (handle) {
		const struct depot_record *rec = depot_record(handle);

		if (!rec)
			return 0;
		if (rec->hash == hash && rec->nr == nr &&
		    __builtin_memcmp(rec->entries, entries, nr * sizeof(*entries)) == 0)
			return handle;
		handle = rec->next;
	}
	return 0;
}

/* The hash table, made on first use, as large as the page allocator
 * gives without reclaim, from DEPOT_TABLE_ORDER down to one page. */
static depot_stack_handle_t *depot_table_get(void)
{
	depot_stack_handle_t *table = __atomic_load_n(&depot_table, __ATOMIC_ACQUIRE);
	struct page *page = NULL;
	int order;

	if (table)
		return table;
	for (order = DEPOT_TABLE_ORDER; order >= 0 && !page; order--)
		page = ukmem_alloc_pages(DEPOT_GFP | __GFP_ZERO, (unsigned int)order,
					 NUMA_NO_NODE);
	if (!page)
		return NULL;
	order++;
	ukmem_lock(&depot_lock);
	if (!depot_table) {
		depot_table_mask = (unsigned int)((PAGE_SIZE << order) / sizeof(*table)) - 1;
		__atomic_store_n(&depot_table, (depot_stack_handle_t *)page_address(page),
				 __ATOMIC_RELEASE);
		page = NULL;
	}
	table = depot_table;
	ukmem_unlock(&depot_lock);
	if (page)	/* another thread made it first */
		ukmem_free_pages(page, (unsigned int)order);
	return table;
}

/* Carve size bytes for a record; NULL if the pool is full and no spare
 * is there to start the next one. */
static struct depot_record *depot_carve_locked(size_t size, depot_stack_handle_t *handle)
{
	struct depot_record *rec;

	size = (size + DEPOT_ALIGN - 1) & ~(size_t)(DEPOT_ALIGN - 1);
	if (depot_nr_pools == 0 || depot_pool_used + size > DEPOT_POOL_SIZE) {
		if (!depot_spare)
			return NULL;
		__atomic_store_n(&depot_pools[depot_nr_pools], (char *)page_address(depot_spare),
				 __ATOMIC_RELEASE);
		__atomic_store_n(&depot_nr_pools, depot_nr_pools + 1, __ATOMIC_RELAXED);
		depot_pool_used = 0;
		depot_spare = NULL;
	}
	rec = (struct depot_record *)(depot_pools[depot_nr_pools - 1] + depot_pool_used);
	*handle = (depot_nr_pools << DEPOT_OFFSET_BITS) |
		  (depot_stack_handle_t)(depot_pool_used / DEPOT_ALIGN);
	depot_pool_used += size;
	return rec;
}

static void depot_drop(void)
{
	__atomic_fetch_add(&depot_dropped, 1, __ATOMIC_RELAXED);
}

static depot_stack_handle_t depot_save(const unsigned long *entries, unsigned int nr)
{
	size_t size = sizeof(struct depot_record) + nr * sizeof(*entries);
	uint32_t hash = depot_hash(entries, nr);
	depot_stack_handle_t *table = depot_table_get(), *bucket, handle;

	if (!table) {
		depot_drop();
		return 0;
	}
	bucket = &table[hash & __atomic_load_n(&depot_table_mask, __ATOMIC_RELAXED)];
	handle = depot_find(__atomic_load_n(bucket, __ATOMIC_ACQUIRE), hash, entries, nr);
	if (handle)
		return handle;

	for (;;) {
		struct page *fresh;
		bool more;

		if (!ukmem_lock(&depot_lock))
			return 0;
		handle = depot_find(*bucket, hash, entries, nr);
		if (!handle) {
			struct depot_record *rec = depot_carve_locked(size, &handle);

			if (rec) {
				rec->next = *bucket;
				rec->hash = hash;
				rec->nr = nr;
				__builtin_memcpy(rec->entries, entries, nr * sizeof(*entries));
				__atomic_store_n(bucket, handle, __ATOMIC_RELEASE);
				counter_add(&depot_stacks, 1);
			}
		}
		/* No room: a new pool, unless the cap is reached (the spare,
		 * if there was one, was just used up). */
		more = !handle && depot_nr_pools < DEPOT_MAX_POOLS;
		ukmem_unlock(&depot_lock);
		if (handle)
			return handle;
		if (!more) {
			depot_drop();
			return 0;
		}
		fresh = ukmem_alloc_pages(DEPOT_GFP, DEPOT_POOL_ORDER, NUMA_NO_NODE);
		if (!fresh) {
			depot_drop();
			return 0;
		}
		ukmem_lock(&depot_lock);
		if (!depot_spare && depot_nr_pools < DEPOT_MAX_POOLS) {
			depot_spare = fresh;
			fresh = NULL;
		}
		ukmem_unlock(&depot_lock);
		if (fresh)	/* another thread brought one first */
			ukmem_free_pages(fresh, DEPOT_POOL_ORDER);
	}
}

depot_stack_handle_t stack_depot_save(const unsigned long *entries, unsigned int nr)
{
	depot_stack_handle_t handle;

	if (!entries || nr == 0 || depot_busy)
		return 0;
	if (nr > STACK_DEPOT_MAX_FRAMES)
		nr = STACK_DEPOT_MAX_FRAMES;
	depot_busy = true;
	/* A signal handler on this thread must see the flag before we touch
	 * anything, and until we are done. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	handle = depot_save(entries, nr);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	depot_busy = false;
	return handle;
}

/* noinline: the frame that skip counts from is this function's own. */
__attribute__((noinline))
depot_stack_handle_t stack_depot_capture(int skip)
{
	void *frames[STACK_DEPOT_MAX_FRAMES];
	unsigned long entries[STACK_DEPOT_MAX_FRAMES];
	int n;

	if (depot_busy)
		return 0;
	/* Frame 0 of the backtrace is our return address into this
	 * function; one more makes skip 0 start at our caller. */
	n = ukmem_plat_backtrace(frames, STACK_DEPOT_MAX_FRAMES, (skip > 0 ? skip : 0) + 1);
	for (int i = 0; i < n; i++)
		entries[i] = (unsigned long)(uintptr_t)frames[i];
	return stack_depot_save(entries, n > 0 ? (unsigned int)n : 0);
}

unsigned int stack_depot_fetch(depot_stack_handle_t handle, const unsigned long **entries)
{
	static int warned;
	const struct depot_record *rec;

	*entries = NULL;
	if (!handle)
		return 0;
	rec = depot_record(handle);
	if (!rec || rec->nr == 0 || rec->nr > STACK_DEPOT_MAX_FRAMES) {
		if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
			ukmem_warn("WARNING: stack depot: invalid handle 0x%x (pool %u, offset %u)\n",
				   handle, handle >> DEPOT_OFFSET_BITS,
				   (handle & DEPOT_OFFSET_MASK) * DEPOT_ALIGN);
		return 0;
	}
	*entries = rec->entries;
	return rec->nr;
}

void stack_trace_print(const unsigned long *entries, unsigned int nr, int spaces)
{
	if (!entries)
		return;
	if (spaces < 0)
		spaces = 0;
	for (unsigned int i = 0; i < nr; i++) {
		char sym[256];
		const char *name = ukmem_plat_symbolize((void *)(uintptr_t)entries[i], sym,
							sizeof(sym));

		if (name)
			ukmem_printk("%*c%s\n", 1 + spaces, ' ', name);
		else
			ukmem_printk("%*c0x%lx\n", 1 + spaces, ' ', entries[i]);
	}
}

void stack_depot_print(depot_stack_handle_t handle)
{
	const unsigned long *entries;
	unsigned int nr = stack_depot_fetch(handle, &entries);

	if (nr)
		stack_trace_print(entries, nr, 0);
}

void stack_depot_get_stats(struct stack_depot_stats *stats)
{
	stats->pools = __atomic_load_n(&depot_nr_pools, __ATOMIC_RELAXED);
	stats->max_pools = DEPOT_MAX_POOLS;
	stats->stacks = __atomic_load_n(&depot_stacks, __ATOMIC_RELAXED);
	stats->dropped = __atomic_load_n(&depot_dropped, __ATOMIC_RELAXED);
}
