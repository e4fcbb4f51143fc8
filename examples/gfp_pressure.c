/*
 * gfp_pressure.c - what each GFP flag does when memory runs out: the
 * README's "GFP flags under memory pressure" as a program.
 *
 * It starts ukmem over 64 MiB, keeps a cache of pages that a shrinker can
 * give back, takes every other free page, and then asks for one more page
 * with each flag, printing what happened: whether the shrinker was asked,
 * with which mask, and whether the page came.  Each line checks what it
 * shows; the program exits non-zero if one does not hold.
 *
 *   cc -Wall -Wextra gfp_pressure.c $(pkg-config --cflags --libs ukmem) -o gfp_pressure
 */
#include <stdio.h>
#include <stdlib.h>

#include <ukmem.h>

#define ARENA_PAGES (64 << 8)

static struct page *held[ARENA_PAGES];
static int nr_held;

static struct {
	struct page *pages[ARENA_PAGES];
	int nr;
	bool needs_fs;			/* like a file system's inode cache */
	int scans;
	gfp_t mask;
} cache;

static unsigned long cache_count(struct shrinker *s, struct shrink_control *sc)
{
	(void)s;
	(void)sc;
	return cache.nr ? (unsigned long)cache.nr : SHRINK_EMPTY;
}

static unsigned long cache_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long freed = 0;

	(void)s;
	cache.scans++;
	cache.mask = sc->gfp_mask;
	if (cache.needs_fs && !(sc->gfp_mask & __GFP_FS))
		return SHRINK_STOP;	/* cannot write inodes back now */
	while (freed < sc->nr_to_scan && cache.nr > 0) {
		__free_pages(cache.pages[--cache.nr], 0);
		freed++;
	}
	return freed;
}

/* Every free page, the reserves too, without reclaim; then n of them go to
 * the cache. */
static void fill(int n)
{
	struct page *p;

	for (int pass = 0; pass < 2; pass++) {
		while (nr_held < ARENA_PAGES &&
		       (p = alloc_pages(GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOWARN, 0)) != NULL)
			held[nr_held++] = p;
		ukmem_drain_all();
	}
	while (n-- > 0 && nr_held > 0)
		cache.pages[cache.nr++] = held[--nr_held];
	cache.scans = 0;
	cache.mask = 0;
}

static void empty(void)
{
	while (cache.nr > 0)
		__free_pages(cache.pages[--cache.nr], 0);
	while (nr_held > 0)
		__free_pages(held[--nr_held], 0);
}

static int failures;

/* One page with gfp; report and check the outcome. */
static void try_flag(const char *name, gfp_t gfp, bool expect_page, bool expect_scan)
{
	struct page *p = alloc_pages(gfp | __GFP_NOWARN, 0);
	bool ok = (p != NULL) == expect_page && (cache.scans > 0) == expect_scan;

	printf("  %-34s %-5s shrinker %s%s%s\n", name, p ? "page" : "NULL",
	       cache.scans ? "asked" : "not asked",
	       cache.scans ? ((cache.mask & __GFP_FS) ? ", FS allowed" : ", no FS") : "",
	       ok ? "" : "   <-- unexpected");
	if (!ok)
		failures++;
	if (p)
		__free_pages(p, 0);
}

static int oom_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	(void)nb;
	(void)action;
	(void)data;
	printf("  (OOM notifier called: nothing to give back)\n");
	return NOTIFY_DONE;
}

static void quiet(const char *msg, size_t len)
{
	(void)msg;
	(void)len;	/* the kernel's reports would bury the table */
}

int main(void)
{
	static struct notifier_block oom = { .notifier_call = oom_notify };
	struct shrinker *s;
	unsigned int scope;

	/* kswapd=off: each line shows what the allocation itself does, with
	 * no background reclaimer freeing pages in between. */
	if (ukmem_init("mem=64M kswapd=off") != 0)
		return 1;
	kfree(kmalloc(64, GFP_KERNEL));		/* the slab layer up, as at boot */
	ukmem_set_log_hook(quiet);
	s = shrinker_alloc(0, "example-cache");
	if (!s)
		return 1;
	s->count_objects = cache_count;
	s->scan_objects = cache_scan;
	shrinker_register(s);
	register_oom_notifier(&oom);

	printf("Memory full, 16 MiB in a cache the shrinker can give back:\n");
	fill(4096);
	try_flag("GFP_ATOMIC", GFP_ATOMIC, false, false);
	try_flag("GFP_NOWAIT", GFP_NOWAIT, false, false);
	try_flag("GFP_KERNEL", GFP_KERNEL, true, true);
	empty();

	printf("The same cache, but its shrinker needs the file system:\n");
	fill(4096);
	cache.needs_fs = true;
	try_flag("GFP_NOFS", GFP_NOFS, false, true);
	try_flag("GFP_NOIO", GFP_NOIO, false, true);
	scope = memalloc_nofs_save();
	try_flag("GFP_KERNEL in memalloc_nofs", GFP_KERNEL, false, true);
	memalloc_nofs_restore(scope);
	try_flag("GFP_KERNEL", GFP_KERNEL, true, true);
	cache.needs_fs = false;
	empty();

	printf("Nothing left to reclaim:\n");
	fill(0);
	try_flag("GFP_KERNEL | __GFP_NORETRY", GFP_KERNEL | __GFP_NORETRY, false, false);
	try_flag("GFP_KERNEL | __GFP_RETRY_MAYFAIL", GFP_KERNEL | __GFP_RETRY_MAYFAIL, false, false);
	try_flag("GFP_KERNEL (OOM step, then NULL)", GFP_KERNEL, false, false);
	empty();

	unregister_oom_notifier(&oom);
	shrinker_free(s);
	printf(failures ? "%d lines did not show what they should\n" :
	       "every line showed what the flag means\n", failures);
	return failures != 0;
}
