/*
 * vmalloc.c - vmalloc and kvmalloc: memory that is contiguous only in
 * address space, for sizes beyond what the page allocator can give in one
 * piece, and the kmalloc-first helpers built on it.
 *
 * Theory
 * ------
 * What it owns.  The vmalloc range: one stretch of address space reserved
 * once, lazily, on the first vmalloc (64 GiB on 64-bit hosts, halved until
 * the OS grants it), separate from the page allocator's arena, so that
 * virt_addr_valid() is false and is_vmalloc_addr() true exactly for it.
 * The range is cut into areas, page-granular, each followed by one guard
 * page as the kernel leaves one after each vm_struct; the rest is free
 * ranges.  Behind the range, in the same reservation, lies an array of
 * struct vm_slot, one per page of the range: the kernel's page tables and
 * vmap_area tree in one, and like them committed only where touched.
 *
 *   slot of the first page of an area:        { len (guard included), BUSY }
 *   slot of the first page of a free range:   { len, FREE, bin links }
 *   slot of the last page of a free range:    { len, FREE_TAIL } (len > 1)
 *   every other slot:                         zero
 *
 * So vfree finds its area in O(1) and sees a pointer into the middle of an
 * area, or a second vfree, as a zero slot; freeing merges with both
 * neighbours in O(1) through the boundary tags (the tail slot of the range
 * before, the head slot of the range after).  Free ranges sit in bins by
 * floor(log2(len)); allocation walks a few entries of the bin of its own
 * size, then takes the first range of the first non-empty larger bin
 * (whose ranges all fit), found with one bit scan: O(1), and an exact fit
 * is found again, so vfree then vmalloc of the same size reuses the area.
 *
 * Invariants (checked by ukmem_vmalloc_validate()):
 *   - Head slots tile the range: from slot 0, head + len reaches the next
 *     head, and the last reaches nr_pages exactly.
 *   - No two free ranges are adjacent (frees merge).
 *   - Every FREE range is on the list of bin floor(log2(len)), and
 *     bin_mask has bit b set exactly when bin b is not empty.
 *   - Every byte of a free range reads as zero (fresh reservation, or
 *     released by vfree before the range goes back to a bin), which is
 *     why vzalloc needs no memset.
 *   - used_pages == sum over BUSY areas of (len - 1).
 *
 * Lock order.  vmalloc_lock is a leaf, last in src/lib/lockrank.h:
 * nothing else is taken under it, and
 * the page allocator is never called with it held (the bare fallback calls
 * alloc_pages_exact and free_pages_exact outside it).  Of the calls to the
 * OS, only the reservation happens under it, once; vfree marks the area
 * FREEING under the lock, releases its pages unlocked, and takes the lock
 * again to merge the area into the free ranges.  A signal handler that
 * interrupts a holder only tries it: vmalloc then fails, vfree parks the
 * address in a small array that the next vmalloc or vfree outside a
 * handler frees (the kernel's vfree_atomic defers to a work item).
 *
 * kvmalloc follows 6.6's kvmalloc_node (mm/util.c) step by step: the
 * kmalloc attempt of a size above a page gets __GFP_NOWARN, __GFP_NORETRY
 * unless __GFP_RETRY_MAYFAIL, and loses __GFP_NOFAIL; a size up to a page
 * never falls back; a caller that cannot sleep (no __GFP_DIRECT_RECLAIM)
 * gets NULL rather than vmalloc (6.6 tests gfpflags_allow_blocking, not
 * GFP_KERNEL compatibility: GFP_NOFS and GFP_NOIO do fall back, since
 * 5.18); a size above INT_MAX warns once and fails.  kvfree tells the two
 * kinds apart by is_vmalloc_addr, plus the bare tag below.
 *
 * Departures from the kernel, and why:
 *   - No page tables.  The kernel maps pages from the buddy allocator into
 *     the vmalloc range; here the OS commits the range's pages on first
 *     touch and vfree hands them back (ukmem_plat_release).  User space
 *     cannot map arena pages at a second address cheaply, and the point of
 *     vmalloc, memory beyond what the page allocator can give contiguously,
 *     holds.  Hence vmalloc memory is not counted in MemTotal/MemFree, only
 *     in VmallocUsed, has no struct page (no vmalloc_to_page), and
 *     fail_page_alloc and watermarks do not apply to it.
 *   - Hosted vmalloc memory always reads as zero (fresh or released
 *     pages), where the kernel's does only with __GFP_ZERO.
 *   - No totalram limit.  6.6 refuses an area larger than totalram_pages;
 *     here the memory is not the arena's, so the bound is the range.
 *   - Guard pages are not inaccessible: the platform reserves read-write
 *     and offers no protection call, so an overrun by less than a page
 *     lands in the guard (and is wiped at vfree) instead of faulting.
 *   - The node of vmalloc_node is a hint the OS does not take (hosted).
 *   - The bare platform has no address space to reserve: vmalloc returns
 *     alloc_pages_exact blocks, like a NOMMU kernel returns kmalloc memory,
 *     marked in the struct page of their first page (mapping = a tag of
 *     this file, private = pages) so vfree and kvfree know them.
 */
#include <ukmem/slab.h>
#include <ukmem/vmalloc.h>

#include "debug/debug.h"
#include "lib/lib.h"
#include "lib/task.h"
#include "page/page.h"
#include "platform/platform.h"
#include "slab/vmalloc_internal.h"

#if UINTPTR_MAX > 0xffffffffUL
#define VM_RESERVE_MAX	((size_t)64 << 30)
#else
#define VM_RESERVE_MAX	((size_t)512 << 20)
#endif
#define VM_RESERVE_MIN	((size_t)64 << 20)
#define VM_ALIGN	((size_t)2 << 20)	/* PMD: lets the OS use huge pages */

#define VM_NR_BINS	32
#define VM_FIT_WALK	32	/* entries of the own-size bin tried for a fit */
#define VM_NR_DEFERRED	64	/* vfrees parked by signal handlers */
#define VM_NONE		(~0U)

#define INT_MAX_SIZE	((size_t)__INT_MAX__)

enum vm_mode {
	VM_UNSET,	/* nothing reserved yet */
	VM_MMU,		/* the vmalloc range is reserved */
	VM_NOMMU,	/* no range (bare): alloc_pages_exact blocks */
};

enum vm_slot_state {
	VM_SLOT_NONE,		/* interior of a range: must stay zero */
	VM_SLOT_FREE,		/* head of a free range */
	VM_SLOT_FREE_TAIL,	/* last page of a free range of len > 1 */
	VM_SLOT_BUSY,		/* head of a live area */
	VM_SLOT_FREEING,	/* head of an area being released by vfree */
};

/* Links hold index + 1, so a zeroed slot (and a zeroed bin) is empty.
 * charge: in a BUSY area, at the first page of each block taken from the
 * page allocator for it, that block's pfn + 1 and order (the charge). */
struct vm_slot {
	unsigned int len;
	unsigned int state;
	unsigned int next, prev;
	uint64_t charge_pfn;		/* pfn + 1; 0: no block starts here */
	unsigned int charge_order;
};

/* tests/slab/test_vmalloc.c finds slot 1 at this size behind the range. */
_Static_assert(sizeof(struct vm_slot) == 32, "a vm_slot is 32 bytes");

static struct {
	int mode;			/* enum vm_mode; set once, under vmalloc_lock */
	uintptr_t base;			/* published (release) after the rest */
	size_t size;
	unsigned int nr_pages;
	struct vm_slot *slots;		/* [nr_pages], behind the range */
	unsigned int bin_head[VM_NR_BINS];	/* index + 1 of the first range */
	unsigned int bin_mask;		/* bit b: bin_head[b] != 0 */
	unsigned long used_pages;	/* areas, hosted; under lock */
	unsigned long nommu_pages;	/* alloc_pages_exact blocks; atomic */
	uintptr_t deferred[VM_NR_DEFERRED];	/* 0 or an address; atomic */
	int nr_deferred;		/* atomic hint */
} vm;

/* The tag that marks the first page of a bare vmalloc block. */
static const char vm_nommu_tag;

static struct ratelimit_state vfree_rs = { .interval_ns = 5ULL * 1000000000ULL, .burst = 10 };

/* ---- lock ---------------------------------------------------------------- */

/* Take vmalloc_lock; false (not taken) only in a signal handler that
 * interrupted a holder of it or of a lock ranked below it (lockrank.h). */
static bool vm_lock(void)
{
	return ukmem_lock(&vmalloc_lock);
}

static void vm_unlock(void)
{
	ukmem_unlock(&vmalloc_lock);
}

/* ---- free ranges: bins and boundary tags ----------------------------------- */

static unsigned int bin_of(unsigned int len)
{
	return (unsigned int)ukmem_fls_long(len) - 1;
}

static void bin_insert_locked(unsigned int idx)
{
	struct vm_slot *s = &vm.slots[idx];
	unsigned int b = bin_of(s->len);
	unsigned int first = vm.bin_head[b];

	s->prev = 0;
	s->next = first;
	if (first)
		vm.slots[first - 1].prev = idx + 1;
	vm.bin_head[b] = idx + 1;
	vm.bin_mask |= 1U << b;
}

static void bin_remove_locked(unsigned int idx)
{
	struct vm_slot *s = &vm.slots[idx];
	unsigned int b = bin_of(s->len);

	if (s->prev)
		vm.slots[s->prev - 1].next = s->next;
	else
		vm.bin_head[b] = s->next;
	if (s->next)
		vm.slots[s->next - 1].prev = s->prev;
	if (!vm.bin_head[b])
		vm.bin_mask &= ~(1U << b);
	s->next = s->prev = 0;
}

static void slot_clear(unsigned int idx)
{
	vm.slots[idx] = (struct vm_slot){ 0 };
}

/* Make [start, start + len) one free range: head, tail, bin. */
static void set_free_range_locked(unsigned int start, unsigned int len)
{
	vm.slots[start] = (struct vm_slot){ .len = len, .state = VM_SLOT_FREE };
	if (len > 1)
		vm.slots[start + len - 1] = (struct vm_slot){ .len = len,
							      .state = VM_SLOT_FREE_TAIL };
	bin_insert_locked(start);
}

/* A free range of at least n pages, or VM_NONE. */
static unsigned int find_free_locked(unsigned int n)
{
	unsigned int b = bin_of(n);
	unsigned int i = vm.bin_head[b], larger;

	for (int tries = 0; i && tries < VM_FIT_WALK; tries++) {
		if (vm.slots[i - 1].len >= n)
			return i - 1;
		i = vm.slots[i - 1].next;
	}
	/* Every range of a larger bin holds at least 2^(b+1) > n pages. */
	larger = b + 1 < VM_NR_BINS ? vm.bin_mask & ~((2U << b) - 1) : 0;
	if (!larger)
		return VM_NONE;
	return vm.bin_head[__builtin_ctz(larger)] - 1;
}

/* Carve an area of n pages (guard included) from the low end of a free
 * range; returns its first page, or VM_NONE. */
static unsigned int area_alloc_locked(unsigned int n)
{
	unsigned int idx = find_free_locked(n), len;

	if (idx == VM_NONE)
		return VM_NONE;
	len = vm.slots[idx].len;
	bin_remove_locked(idx);
	if (len > 1)
		slot_clear(idx + len - 1);
	vm.slots[idx] = (struct vm_slot){ .len = n, .state = VM_SLOT_BUSY };
	if (len > n)
		set_free_range_locked(idx + n, len - n);
	return idx;
}

/* Turn the area at idx (BUSY or FREEING, its pages reading as zero) into
 * free space, merged with the free ranges on either side. */
static void area_free_locked(unsigned int idx)
{
	unsigned int start = idx, len = vm.slots[idx].len, next = idx + len;

	slot_clear(idx);
	if (next < vm.nr_pages && vm.slots[next].state == VM_SLOT_FREE) {
		unsigned int next_len = vm.slots[next].len;

		bin_remove_locked(next);
		slot_clear(next);
		len += next_len;	/* its tail slot becomes the merged tail */
	}
	if (start > 0) {
		const struct vm_slot *before = &vm.slots[start - 1];

		if (before->state == VM_SLOT_FREE_TAIL ||
		    (before->state == VM_SLOT_FREE && before->len == 1)) {
			unsigned int prev_len = before->len, prev = start - prev_len;

			bin_remove_locked(prev);
			if (prev_len > 1)
				slot_clear(start - 1);
			start = prev;
			len += prev_len;
		}
	}
	set_free_range_locked(start, len);
}

/* ---- the range ----------------------------------------------------------------- */

static void vm_setup_locked(void)
{
	size_t size, slot_bytes = 0;
	uintptr_t r = 0;

	for (size = VM_RESERVE_MAX; size >= VM_RESERVE_MIN; size >>= 1) {
		slot_bytes = PAGE_ALIGN((size >> PAGE_SHIFT) * sizeof(struct vm_slot));
		r = (uintptr_t)ukmem_plat_reserve(size + slot_bytes, VM_ALIGN);
		if (r)
			break;
	}
	if (!r) {
		__atomic_store_n(&vm.mode, VM_NOMMU, __ATOMIC_RELEASE);
		return;
	}
	vm.size = size;
	vm.nr_pages = (unsigned int)(size >> PAGE_SHIFT);
	vm.slots = (struct vm_slot *)(r + size);
	set_free_range_locked(0, vm.nr_pages);
	__atomic_store_n(&vm.base, r, __ATOMIC_RELEASE);
	__atomic_store_n(&vm.mode, VM_MMU, __ATOMIC_RELEASE);
}

/* The mode, reserving the range first if nobody has; VM_UNSET only if a
 * signal handler found the lock busy. */
static int vm_ensure_setup(void)
{
	int mode = __atomic_load_n(&vm.mode, __ATOMIC_ACQUIRE);

	if (__builtin_expect(mode != VM_UNSET, 1))
		return mode;
	if (!vm_lock())
		return VM_UNSET;
	if (vm.mode == VM_UNSET)
		vm_setup_locked();
	mode = vm.mode;
	vm_unlock();
	return mode;
}

/* ---- the charge: every vmalloc page is a page of the page allocator ---------------- */

/*
 * Hosted, an area's memory is the vmalloc range's own pages, but each of
 * them is paid for with a page of the page allocator, taken under the
 * caller's gfp (reclaim, watermarks, __GFP_NOFAIL and the warnings all
 * apply) in blocks as large as the area allows (up to pageblock order),
 * and given back at vfree: so mem= bounds kmalloc, alloc_pages, vmalloc
 * and the malloc front together, and MemFree counts vmalloc memory as
 * used, as the kernel's __vmalloc_area_node does by allocating the pages
 * it maps.  The charged pages are never touched: they cost resident memory
 * only if they were resident before, as any free page of the arena does.
 * The blocks are recorded in the area's slots (charge_pfn at the first
 * page of each block), which belong to the area's owner: no lock needed.
 */
static void uncharge_area(unsigned int idx, unsigned int nr)
{
	for (unsigned int k = 0; k < nr; ) {
		struct vm_slot *s = &vm.slots[idx + k];
		unsigned int order = s->charge_order;

		if (!s->charge_pfn) {
			k++;
			continue;
		}
		ukmem_free_pages(pfn_to_page((unsigned long)(s->charge_pfn - 1)), order);
		s->charge_pfn = 0;
		s->charge_order = 0;
		k += 1u << order;
	}
}

static bool charge_area(unsigned int idx, unsigned int nr, gfp_t gfp, int node)
{
	unsigned int order = pageblock_order;

	gfp = (gfp & ~(__GFP_ZERO | __GFP_COMP | __GFP_DMA | __GFP_DMA32)) | __GFP_NOWARN;
	for (unsigned int k = 0; k < nr; ) {
		struct page *page;

		while ((1u << order) > nr - k)
			order--;
		/* Large blocks are a convenience: try them lightly. */
		page = ukmem_alloc_pages(order ? (gfp | __GFP_NORETRY) & ~__GFP_NOFAIL : gfp, order,
					 node);
		if (!page) {
			if (order) {
				order--;
				continue;
			}
			uncharge_area(idx, k);
			return false;
		}
		vm.slots[idx + k].charge_pfn = page_to_pfn(page) + 1;
		vm.slots[idx + k].charge_order = order;
		k += 1u << order;
	}
	return true;
}

static void *area_addr(unsigned int idx)
{
	return (void *)(vm.base + ((uintptr_t)idx << PAGE_SHIFT));
}

/* ---- reports -------------------------------------------------------------------- */

static void warn_once(int *done, const char *where)
{
	if (!__atomic_exchange_n(done, 1, __ATOMIC_RELAXED))
		ukmem_warn("WARNING: CPU: %d PID: %d at %s\n", ukmem_plat_cpu(), ukmem_plat_tid(),
			   where);
}

/* The kernel's WARN taints each time; only the message is rate-limited. */
static void report_bad_vfree(const void *addr)
{
	ukmem_add_taint(TAINT_WARN);
	if (!ukmem_ratelimit(&vfree_rs))
		return;
	ukmem_printk("------------[ cut here ]------------\n"
		     "Trying to vfree() nonexistent vm area (%p)\n"
		     "WARNING: CPU: %d PID: %d at mm/vmalloc.c vfree\n",
		     addr, ukmem_plat_cpu(), ukmem_plat_tid());
}

/* ---- vmalloc --------------------------------------------------------------------- */

static void *vmalloc_nommu(unsigned long size, gfp_t gfp, int node)
{
	gfp_t exact_gfp = (gfp & ~(__GFP_COMP | __GFP_HIGHMEM)) | __GFP_NOWARN;
	unsigned long nr = PAGE_ALIGN(size) >> PAGE_SHIFT;
	struct page *page;
	void *p = NULL;

	if (size <= PAGE_SIZE << MAX_PAGE_ORDER)
		p = ukmem_alloc_pages_exact(size, exact_gfp, node);
	if (!p) {
		warn_alloc(gfp, "vmalloc error: size %lu, failed to allocate pages", size);
		return NULL;
	}
	page = virt_to_page(p);
	page->private = nr;
	page->mapping = (void *)&vm_nommu_tag;
	__atomic_fetch_add(&vm.nommu_pages, nr, __ATOMIC_RELAXED);
	return p;
}

static void vfree_now(const void *addr);

/* Free what signal handlers parked, unless this is one. */
static void vm_drain_deferred(void)
{
	if (__builtin_expect(!__atomic_load_n(&vm.nr_deferred, __ATOMIC_RELAXED), 1) ||
	    ukmem_lock_depth() > 0)
		return;
	for (int i = 0; i < VM_NR_DEFERRED; i++) {
		uintptr_t a = __atomic_exchange_n(&vm.deferred[i], 0, __ATOMIC_ACQUIRE);

		if (a) {
			__atomic_fetch_sub(&vm.nr_deferred, 1, __ATOMIC_RELAXED);
			vfree_now((const void *)a);
		}
	}
}

static void vm_defer(const void *addr)
{
	for (int i = 0; i < VM_NR_DEFERRED; i++) {
		uintptr_t empty = 0;

		if (__atomic_compare_exchange_n(&vm.deferred[i], &empty, (uintptr_t)addr, false,
						__ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
			__atomic_fetch_add(&vm.nr_deferred, 1, __ATOMIC_RELAXED);
			return;
		}
	}
	ukmem_printk("vfree: %d frees from signal handlers pending; area %p leaked\n",
		     VM_NR_DEFERRED, addr);
}

void *ukmem_vmalloc(unsigned long size, gfp_t gfp, int node)
{
	static int warned_zero;
	unsigned int idx, nr;
	int mode;

	if (__builtin_expect(!size, 0)) {
		warn_once(&warned_zero, "mm/vmalloc.c __vmalloc_node_range: size 0");
		return NULL;
	}
	gfp = might_alloc(gfp);
	if (__builtin_expect(!ukmem_ensure_init(), 0))
		return NULL;
	vm_drain_deferred();
	mode = vm_ensure_setup();
	if (mode == VM_NOMMU) {
		void *p = vmalloc_nommu(size, gfp, node);

		kmemleak_alloc(p, size, 1, gfp);	/* the kernel's kmemleak_vmalloc */
		return p;
	}
	/* An area and its guard page must fit in the range, ever. */
	if (mode == VM_UNSET || size > vm.size - PAGE_SIZE) {
		warn_alloc(gfp, "vmalloc error: size %lu, vm_struct allocation failed", size);
		return NULL;
	}
	nr = (unsigned int)(PAGE_ALIGN(size) >> PAGE_SHIFT);
	for (;;) {
		bool locked = vm_lock(), nofail = (gfp & __GFP_NOFAIL) != 0;

		idx = VM_NONE;
		if (locked) {
			idx = area_alloc_locked(nr + 1);
			if (idx != VM_NONE)
				__atomic_store_n(&vm.used_pages, vm.used_pages + nr,
						 __ATOMIC_RELAXED);
			vm_unlock();
		}
		if (idx != VM_NONE) {
			if (charge_area(idx, nr, gfp, node)) {
				kmemleak_alloc(area_addr(idx), size, 1, gfp);
				return area_addr(idx);
			}
			vm_lock();
			__atomic_store_n(&vm.used_pages, vm.used_pages - nr, __ATOMIC_RELAXED);
			area_free_locked(idx);
			vm_unlock();
			warn_alloc(gfp, "vmalloc error: size %lu, failed to allocate pages", size);
			return NULL;
		}
		/* __GFP_NOFAIL waits for other threads to free, as the
		 * kernel does; a signal handler that found the lock busy
		 * cannot wait. */
		nofail = nofail && locked;
		warn_alloc(gfp, "vmalloc error: size %lu, vm_struct allocation failed%s", size,
			   nofail ? ". Retrying." : "");
		if (!nofail)
			return NULL;
		vm_drain_deferred();
		ukmem_plat_relax();	/* let the threads that will free run */
	}
}

/* ---- vfree ------------------------------------------------------------------------ */

static void vfree_area(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	struct vm_slot *s;
	unsigned int idx, len;

	if (a - vm.base >= vm.size || (a & (PAGE_SIZE - 1))) {
		report_bad_vfree(addr);
		return;
	}
	idx = (unsigned int)((a - vm.base) >> PAGE_SHIFT);
	if (!vm_lock()) {
		vm_defer(addr);
		return;
	}
	s = &vm.slots[idx];
	if (s->state != VM_SLOT_BUSY) {
		vm_unlock();
		report_bad_vfree(addr);
		return;
	}
	len = s->len;
	s->state = VM_SLOT_FREEING;
	__atomic_store_n(&vm.used_pages, vm.used_pages - (len - 1), __ATOMIC_RELAXED);
	vm_unlock();

	/* The guard page too: an overrun may have touched it. */
	if (!ukmem_plat_release((void *)a, (size_t)len << PAGE_SHIFT))
		__builtin_memset((void *)a, 0, (size_t)len << PAGE_SHIFT);
	uncharge_area(idx, len - 1);

	/* This call took vmalloc_lock above, so its thread's interrupted code
	 * (if this is a handler) does not hold it, and nothing ranks above
	 * it: this waits and cannot fail. */
	vm_lock();
	area_free_locked(idx);
	vm_unlock();
}

/* The first page of a bare vmalloc block, or NULL.  Reads the struct page
 * without the lock: the caller checks again under it. */
static struct page *nommu_block_page(const void *addr)
{
	struct page *page;

	if (((uintptr_t)addr & (PAGE_SIZE - 1)) || !ukmem_virt_addr_valid(addr))
		return NULL;
	page = virt_to_page(addr);
	if (!page || page->mapping != (const void *)&vm_nommu_tag)
		return NULL;
	return page;
}

static void vfree_nommu(const void *addr)
{
	struct page *page = nommu_block_page(addr);
	unsigned long nr = 0;

	if (page) {
		if (!vm_lock()) {
			vm_defer(addr);
			return;
		}
		/* Check and untag under the lock: one of two racing vfrees
		 * wins. */
		if (page->mapping == (const void *)&vm_nommu_tag && page_ref_count(page) == 1) {
			nr = page->private;
			page->mapping = NULL;
			page->private = 0;
		}
		vm_unlock();
	}
	if (!nr) {
		report_bad_vfree(addr);
		return;
	}
	__atomic_fetch_sub(&vm.nommu_pages, nr, __ATOMIC_RELAXED);
	ukmem_free_pages_exact((void *)addr, nr << PAGE_SHIFT);
}

static void vfree_now(const void *addr)
{
	switch (__atomic_load_n(&vm.mode, __ATOMIC_ACQUIRE)) {
	case VM_MMU:
		vfree_area(addr);
		break;
	case VM_NOMMU:
		vfree_nommu(addr);
		break;
	default:	/* nothing was ever vmalloc'ed */
		report_bad_vfree(addr);
		break;
	}
}

void ukmem_vfree(const void *addr)
{
	if (!addr)
		return;
	kmemleak_free(addr);	/* before the area can be reused */
	vm_drain_deferred();
	vfree_now(addr);
}

bool ukmem_is_vmalloc_addr(const void *addr)
{
	uintptr_t base = __atomic_load_n(&vm.base, __ATOMIC_ACQUIRE);

	return base && (uintptr_t)addr - base < vm.size;
}

/* ---- kvmalloc --------------------------------------------------------------------- */

void *ukmem_kvmalloc(size_t size, gfp_t flags, int node)
{
	static int warned_int_max;
	gfp_t kmalloc_flags = flags;
	void *ret;

	/* A large physically contiguous block first: it fragments less in
	 * the long run than the vmalloc fallback.  But no warning and no
	 * hard retrying for it, as there is a fallback. */
	if (size > PAGE_SIZE) {
		kmalloc_flags |= __GFP_NOWARN;
		if (!(kmalloc_flags & __GFP_RETRY_MAYFAIL))
			kmalloc_flags |= __GFP_NORETRY;
		/* nofail semantic is implemented by the vmalloc fallback */
		kmalloc_flags &= ~__GFP_NOFAIL;
	}
	ret = ukmem_kmalloc(size, kmalloc_flags, node);
	if (ret || size <= PAGE_SIZE)
		return ret;
	/* non-sleeping allocations are not supported by vmalloc (6.6) */
	if (!gfpflags_allow_blocking(flags))
		return NULL;
	if (__builtin_expect(size > INT_MAX_SIZE, 0)) {
		if (!(flags & __GFP_NOWARN))
			warn_once(&warned_int_max, "mm/util.c kvmalloc_node: size > INT_MAX");
		return NULL;
	}
	return ukmem_vmalloc(size, flags, node);
}

void ukmem_kvfree(const void *addr)
{
	if (ukmem_is_vmalloc_addr(addr) ||
	    (__atomic_load_n(&vm.mode, __ATOMIC_RELAXED) == VM_NOMMU && nommu_block_page(addr)))
		ukmem_vfree(addr);
	else
		ukmem_kfree(addr);
}

void ukmem_kvfree_sensitive(const void *addr, size_t len)
{
	if (ZERO_OR_NULL_PTR(addr))
		return;
	/* memzero_explicit: the barrier keeps the compiler from dropping
	 * the stores to memory about to be freed. */
	__builtin_memset((void *)(uintptr_t)addr, 0, len);
	__asm__ __volatile__("" : : "r"(addr) : "memory");
	ukmem_kvfree(addr);
}

void *ukmem_kvrealloc(const void *p, size_t oldsize, size_t newsize, gfp_t gfp)
{
	void *newp;

	if (oldsize >= newsize)
		return (void *)(uintptr_t)p;
	newp = ukmem_kvmalloc(newsize, gfp, NUMA_NO_NODE);
	if (!newp)
		return NULL;
	if (oldsize)
		__builtin_memcpy(newp, p, oldsize);
	ukmem_kvfree(p);
	return newp;
}

/* ---- counters and validate ------------------------------------------------------- */

unsigned long ukmem_vmalloc_used_pages(void)
{
	return __atomic_load_n(&vm.used_pages, __ATOMIC_RELAXED) +
	       __atomic_load_n(&vm.nommu_pages, __ATOMIC_RELAXED);
}

size_t ukmem_vmalloc_total_bytes(void)
{
	return vm_ensure_setup() == VM_MMU ? vm.size : 0;
}

#define VALIDATE_INTERIOR 16	/* interior slots checked per range */

static int validate_ranges_locked(unsigned long *nr_free)
{
	unsigned long busy_pages = 0;
	bool prev_free = false;
	int errors = 0;
	unsigned int idx = 0;

	*nr_free = 0;
	while (idx < vm.nr_pages) {
		const struct vm_slot *s = &vm.slots[idx];
		unsigned int len = s->len, interior_end;

		if (!len || len > vm.nr_pages - idx) {
			ukmem_printk("vmalloc: slot %u: bad length %u (state %u)\n", idx, len,
				     s->state);
			return errors + 1;	/* cannot find the next head */
		}
		switch (s->state) {
		case VM_SLOT_FREE:
			if (prev_free) {
				ukmem_printk("vmalloc: free range at slot %u not merged with the "
					     "one before\n", idx);
				errors++;
			}
			if (len > 1 && (vm.slots[idx + len - 1].state != VM_SLOT_FREE_TAIL ||
					vm.slots[idx + len - 1].len != len)) {
				ukmem_printk("vmalloc: free range at %u (%u pages): bad tail\n",
					     idx, len);
				errors++;
			}
			(*nr_free)++;
			break;
		case VM_SLOT_BUSY:
			busy_pages += len - 1;
			break;
		case VM_SLOT_FREEING:
			break;
		default:
			ukmem_printk("vmalloc: slot %u: state %u where a range starts\n", idx,
				     s->state);
			return errors + 1;
		}
		prev_free = s->state == VM_SLOT_FREE;
		/* Interior slots are zero (a free range's last one is its tail). */
		interior_end = prev_free && len > 1 ? len - 1 : len;
		for (unsigned int i = 1; i < interior_end && i <= VALIDATE_INTERIOR; i++) {
			const struct vm_slot *in = &vm.slots[idx + i];

			if (in->len || in->state || in->next || in->prev) {
				ukmem_printk("vmalloc: slot %u inside the range at %u is not "
					     "zero\n", idx + i, idx);
				errors++;
				break;
			}
		}
		idx += len;
	}
	if (busy_pages != vm.used_pages) {
		ukmem_printk("vmalloc: areas hold %lu pages, used_pages says %lu\n", busy_pages,
			     vm.used_pages);
		errors++;
	}
	return errors;
}

static int validate_bins_locked(unsigned long nr_free)
{
	unsigned long listed = 0;
	int errors = 0;

	for (unsigned int b = 0; b < VM_NR_BINS; b++) {
		unsigned int prev = 0;

		if (!vm.bin_head[b] != !(vm.bin_mask & (1U << b))) {
			ukmem_printk("vmalloc: bin %u: mask bit disagrees with the list\n", b);
			errors++;
		}
		for (unsigned int i = vm.bin_head[b]; i; prev = i, i = vm.slots[i - 1].next) {
			const struct vm_slot *s = &vm.slots[i - 1];

			if (++listed > nr_free) {
				ukmem_printk("vmalloc: bins list more ranges than the %lu free "
					     "ones (a cycle?)\n", nr_free);
				return errors + 1;
			}
			if (s->state != VM_SLOT_FREE || bin_of(s->len) != b || s->prev != prev) {
				ukmem_printk("vmalloc: bin %u: bad entry at slot %u (state %u, "
					     "%u pages)\n", b, i - 1, s->state, s->len);
				errors++;
			}
		}
	}
	if (listed != nr_free) {
		ukmem_printk("vmalloc: %lu free ranges, %lu in the bins\n", nr_free, listed);
		errors++;
	}
	return errors;
}

int ukmem_vmalloc_validate(void)
{
	unsigned long nr_free;
	int errors;

	if (__atomic_load_n(&vm.mode, __ATOMIC_ACQUIRE) != VM_MMU)
		return 0;	/* bare blocks are the page allocator's to check */
	if (!vm_lock())
		return 0;	/* a signal handler that interrupted a holder */
	errors = validate_ranges_locked(&nr_free);
	if (!errors)
		errors = validate_bins_locked(nr_free);
	vm_unlock();
	return errors;
}

