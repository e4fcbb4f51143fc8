/*
 * slab_hooks.c - the allocation and free paths that run the debug hooks:
 * the kernel's slab_pre_alloc_hook, slab_post_alloc_hook and
 * slab_free_hook, for the caches and times that need them.
 *
 * Theory
 * ------
 * The sheaf fast paths (sheaf.h) know nothing of debugging.  A cache with
 * a slub_debug flag has no sheaves, and while a tool that watches every
 * cache is on (a bit of ukmem_debug_hooks: failslab, KFENCE's armed
 * sample, kmemleak, init_on_alloc/free) no cache has any (debug/debug.h),
 * so both kinds of allocation and free reach the slow paths, which send
 * them here.  Each object then goes straight to or from its slab under
 * list_lock, one at a time: the price of debugging, paid only by those
 * who ask for it.
 *
 * Order, as the kernel's: failslab may fail the allocation first; KFENCE
 * may serve it from its pool; then the slab, slub_debug's checks and
 * tracking, the zeroing that __GFP_ZERO or init_on_alloc asks for, and
 * kmemleak's record.  A free tells kmemleak first (before the memory can
 * be reused), then slub_debug checks it (a bad free goes no further), then
 * init_on_free wipes it.
 *
 * Locks: none held on entry or exit; slub_get_objects/slub_put_objects
 * take list_lock, slub_debug the same for its freelist test.
 */
#include "slab/slab_api.h"
#include "slab/failslab.h"
#include "slab/memcheck.h"
#include "lib/fault_inject.h"

/* The kernel's slab_want_init_on_alloc: a constructor's work is kept, and
 * RCU and poisoned caches are only zeroed on request. */
static bool want_init_on_alloc(const struct kmem_cache *s, gfp_t gfp, unsigned int hooks)
{
	if (hooks & DEBUG_HOOK_INIT_ALLOC) {
		if (s->ctor)
			return false;
		if (s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON))
			return gfp & __GFP_ZERO;
		return true;
	}
	return gfp & __GFP_ZERO;
}

static bool want_init_on_free(const struct kmem_cache *s, unsigned int hooks)
{
	return (hooks & DEBUG_HOOK_INIT_FREE) && !s->ctor &&
	       !(s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON));
}

/* The hooks after an object left its slab for a caller (here, or from a
 * caller-owned sheaf): slub_debug's checks and tracking, the zeroing, and
 * memcheck's block.  kmemleak's record is the caller's, last. */
void slab_post_alloc_hooked(struct kmem_cache *s, void *obj, gfp_t gfp, unsigned long caller,
			    size_t orig_size, unsigned int hooks)
{
	if (hooks & DEBUG_HOOK_VALGRIND)
		ukmem_plat_vg_errors(false);	/* slub_debug reads the red zones */
	size_t zero_size = s->object_size;

	if (s->flags & SLAB_DEBUG_FLAGS)
		slub_debug_alloc(s, obj, caller, orig_size);
	/* A kmalloc object with a kmalloc red zone: the red zone past the
	 * requested size stays (the kernel's zero_size = orig_size). */
	if (slab_kmalloc_redzone(s) && orig_size < zero_size)
		zero_size = orig_size;
	if (want_init_on_alloc(s, gfp, hooks))
		__builtin_memset(obj, 0, zero_size);
	if (hooks & DEBUG_HOOK_VALGRIND) {
		ukmem_plat_vg_errors(true);
		/* A constructed object's bytes are the constructor's: defined. */
		vg_object_malloced(s, obj, want_init_on_alloc(s, gfp, hooks) || s->ctor);
	}
}

void *slab_alloc_hooked(struct kmem_cache *s, gfp_t gfp, int node, unsigned long caller,
			size_t orig_size)
{
	unsigned int hooks = debug_hooks();
	void *obj;

	if ((hooks & DEBUG_HOOK_FAILSLAB) && should_failslab(s, gfp))
		return NULL;
	/* KFENCE's sample (no lock held: its timer starts from here).  Not
	 * for caches whose freed objects RCU readers may still read: the
	 * page is protected at once on free. */
	if ((hooks & DEBUG_HOOK_KFENCE) && node == NUMA_NO_NODE &&
	    !(s->flags & (SLAB_SKIP_KFENCE | SLAB_TYPESAFE_BY_RCU))) {
		obj = kfence_alloc(s, s->name, s->object_size, s->align, gfp);
		if (obj) {
			if (s->ctor)
				s->ctor(obj);
			goto done;
		}
	}
	if (slub_get_objects(s, gfp, node, &obj, 1) != 1)
		return NULL;
	slab_post_alloc_hooked(s, obj, gfp, caller, orig_size, hooks);
done:
	if ((hooks & DEBUG_HOOK_KMEMLEAK) && !(s->flags & SLAB_NOLEAKTRACE))
		kmemleak_alloc(obj, s->object_size, 1, gfp);
	return obj;
}

void slab_free_hooked(struct kmem_cache *s, void *obj, unsigned long caller)
{
	unsigned int hooks = debug_hooks();
	struct slab *slab = page_slab(virt_to_page(obj));

	if ((hooks & DEBUG_HOOK_KMEMLEAK) && !(s->flags & SLAB_NOLEAKTRACE))
		kmemleak_free(obj);
	if (hooks & DEBUG_HOOK_VALGRIND) {
		/* The block ends first: nobody may get obj back before.  An
		 * RCU-typesafe object stays readable after its free. */
		ukmem_plat_vg_block(obj, s->object_size, false, false);
		if (s->flags & SLAB_TYPESAFE_BY_RCU)
			ukmem_plat_vg_mark(obj, s->object_size, PLAT_VG_DEFINED);
		ukmem_plat_vg_errors(false);
	}
	if ((s->flags & SLAB_DEBUG_FLAGS) && !slub_debug_free(s, slab, obj, caller))
		goto out;
	if (want_init_on_free(s, hooks))
		__builtin_memset(obj, 0, s->object_size);
	slub_put_objects(s, &obj, 1);
out:
	if (hooks & DEBUG_HOOK_VALGRIND)
		ukmem_plat_vg_errors(true);
}

/* "<dir>/<file>=<value>" (failslab.<file>=<value> at boot) to the
 * attribute, which reports a value it refuses. */
static void fault_file_store(const char *setting)
{
	char dir[UKMEM_OPT_FAULT_FILE_MAX];
	char *file, *value;
	struct fault_dir *d;

	ukmem_strlcpy(dir, setting, sizeof(dir));
	file = ukmem_strchr(dir, '/');
	value = file ? ukmem_strchr(file, '=') : NULL;
	if (!value)
		return;
	*file++ = '\0';
	*value++ = '\0';
	d = fault_dir_lookup(dir);
	if (d)
		fault_dir_store(d, file, value);
}

/* The debug layer's switch empties every sheaf through this (a local
 * function: no GOT entry in the freestanding core). */
static void drop_sheaves(void)
{
	sheaves_drop_all();
}

void slab_hooks_start(const struct ukmem_options *opt)
{
	debug_hooks_set_flush(drop_sheaves);
	kmemleak_setup(opt->kmemleak);
	failslab_setup(opt->failslab);
	for (int i = 0; i < opt->nr_fault_files; i++)
		fault_file_store(opt->fault_files[i]);
	kfence_setup(opt->kfence_sample_interval, opt->kfence_num_objects);
	if (ukmem_plat_on_valgrind())
		debug_hooks_set(DEBUG_HOOK_VALGRIND, true);
	if (slub_init_on_alloc)
		debug_hooks_set(DEBUG_HOOK_INIT_ALLOC, true);
	if (slub_init_on_free)
		debug_hooks_set(DEBUG_HOOK_INIT_FREE, true);
	if (slub_init_on_alloc || slub_init_on_free)
		pr_info("mem auto-init: stack:off, heap alloc:%s, heap free:%s\n",
			slub_init_on_alloc ? "on" : "off", slub_init_on_free ? "on" : "off");
}
