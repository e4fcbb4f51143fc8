/*
 * init.c - starting ukmem: the boot options, ukmem_init(), and the
 * start on first use.
 *
 * Theory
 * ------
 * ukmem is started exactly once, by ukmem_init(options) or by the first
 * allocation, which reads the UKMEM_OPTIONS boot string from the platform.
 * Options (the page allocator's and SLUB's geometry and merging options)
 * are parsed completely into a staging struct before anything is
 * applied, so a bad option never leaves a half-configured allocator.
 *
 * Two kinds of bad options, one error code: a word that does not parse
 * ("mem=zzz", "bogus"), and values that parse but describe memory ukmem
 * cannot lay out ("mem=1M", zones larger than mem=, nodes too small),
 * which only the start finds.  ukmem_init() returns -EINVAL for both:
 * the caller's string is wrong either way, and a failed start leaves
 * nothing applied, so ukmem can still be started.  -ENOMEM stays for what
 * the options cannot help, the OS refusing to reserve the arena.
 *
 * A bad UKMEM_OPTIONS, of either kind, is reported once and ukmem starts
 * with its defaults (the kernel, too, reports a bad boot parameter and
 * boots on).  The string is tried only by the first start attempt
 * (boot_options_tried): had a failed start left it to be read again, every
 * allocation would retry it and print the same error, and a program under
 * the malloc front would get no memory at all.  Should the defaults fail
 * as well (the bare platform before any region is added), later
 * allocations try the defaults again.
 *
 * "help" is a word of its own: it prints the option table (help_table,
 * the README's "Options") through the log and changes nothing, so
 * UKMEM_OPTIONS=help starts with the defaults.
 *
 * State: NONE -> UP, staying NONE if the start failed.  The transition
 * holds init_lock; the fast check is one acquire load.
 */
#include "lib/lib.h"
#include "page/mmzone.h"
#include "slab/slab.h"
#include "slab/vmalloc_internal.h"
#include "stats/stats.h"

#define EINVAL 22
#define EBUSY 16
#define ENOMEM 12

enum { STATE_NONE, STATE_UP };

static int state;
static bool boot_options_tried;	/* under init_lock */

bool ukmem_initialized(void)
{
	return __atomic_load_n(&state, __ATOMIC_ACQUIRE) == STATE_UP;
}

static int parse_size(const char *key, const char *val, unsigned long long *out, bool allow_zero)
{
	const char *end;
	bool overflow = false;
	unsigned long long v = ukmem_memparse(val, &end, &overflow);

	if (end == val || *end || overflow || (!allow_zero && v == 0)) {
		ukmem_printk("ukmem: bad value '%s' for %s= (a size such as 64M)\n", val, key);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_int(const char *key, const char *val, int lo, int hi, int *out)
{
	int v;

	if (ukmem_kstrtoint(val, 0, &v) || v < lo || v > hi) {
		ukmem_printk("ukmem: bad value '%s' for %s= (an integer in %d..%d)\n", val, key, lo,
			     hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Everything the options set, staged until the whole string parsed. */
struct boot_options {
	struct ukmem_page_options page;
	int slub_min_order, slub_max_order, slub_min_objects;	/* -1: unset */
	int slab_nomerge;					/* -1: unset */
};

/* The options with their meaning and default, as the README lists them. */
static const char *const help_table[][3] = {
	{ "mem=SIZE", "size of the \"physical memory\" arena (reserved, not committed)",
	  "the machine's RAM" },
	{ "zone_dma=SIZE", "size of ZONE_DMA", "16M" },
	{ "zone_dma32=SIZE", "size of ZONE_DMA32", "the rest of the first 4 GiB" },
	{ "zone_highmem=SIZE", "size of ZONE_HIGHMEM", "0" },
	{ "numa=fake=N", "split memory into N nodes", "1 node" },
	{ "min_free_kbytes=N", "the reserve behind the watermarks", "the kernel's formula" },
	{ "slub_min_order=N", "SLUB slab geometry (also slab_min_order)", "0" },
	{ "slub_max_order=N", "SLUB slab geometry (also slab_max_order)", "3" },
	{ "slub_min_objects=N", "SLUB slab geometry (also slab_min_objects)",
	  "4*(fls(CPUs)+1)" },
	{ "slab_nomerge, slab_merge", "cache merging off / on", "on" },
	{ "help", "print this table", "-" },
};

static void print_help(void)
{
	ukmem_printk("ukmem: options (UKMEM_OPTIONS or ukmem_init()), sizes with K, M, G, T:\n");
	ukmem_printk("  %-26s %-66s %s\n", "option", "meaning", "default");
	for (unsigned i = 0; i < sizeof(help_table) / sizeof(help_table[0]); i++)
		ukmem_printk("  %-26s %-66s %s\n", help_table[i][0], help_table[i][1],
			     help_table[i][2]);
}

/* Flag words without a value. */
static bool parse_flag(const char *word, struct boot_options *bo)
{
	if (!ukmem_strcmp(word, "help")) {
		print_help();
		return true;
	}
	if (!ukmem_strcmp(word, "slab_nomerge") || !ukmem_strcmp(word, "slub_nomerge")) {
		bo->slab_nomerge = 1;
		return true;
	}
	if (!ukmem_strcmp(word, "slab_merge") || !ukmem_strcmp(word, "slub_merge")) {
		bo->slab_nomerge = 0;
		return true;
	}
	return false;
}

/* slub_* and the newer slab_* spellings of the geometry options. */
static int *slab_int_option(const char *key, struct boot_options *bo)
{
	if (!ukmem_strncmp(key, "slub_", 5) || !ukmem_strncmp(key, "slab_", 5)) {
		if (!ukmem_strcmp(key + 5, "min_order"))
			return &bo->slub_min_order;
		if (!ukmem_strcmp(key + 5, "max_order"))
			return &bo->slub_max_order;
		if (!ukmem_strcmp(key + 5, "min_objects"))
			return &bo->slub_min_objects;
	}
	return NULL;
}

static int parse_option(char *word, struct boot_options *bo)
{
	struct ukmem_page_options *opt = &bo->page;
	int *slab_int;
	static const struct {
		const char *key;
		int zone;
	} zones[] = {
		{ "zone_dma", ZONE_DMA },
		{ "zone_dma32", ZONE_DMA32 },
		{ "zone_highmem", ZONE_HIGHMEM },
	};
	char *val = ukmem_strchr(word, '=');

	if (!val) {
		if (parse_flag(word, bo))
			return 0;
		ukmem_printk("ukmem: unknown option '%s'\n", word);
		return -EINVAL;
	}
	*val++ = '\0';
	slab_int = slab_int_option(word, bo);
	if (slab_int)
		return parse_int(word, val, 0, !ukmem_strcmp(word + 5, "min_objects") ?
				 MAX_OBJS_PER_PAGE : MAX_PAGE_ORDER, slab_int);
	if (!ukmem_strcmp(word, "mem"))
		return parse_size(word, val, &opt->mem, false);
	for (unsigned i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		if (ukmem_strcmp(word, zones[i].key))
			continue;
		opt->zone_size_set[zones[i].zone] = true;
		return parse_size(word, val, &opt->zone_size[zones[i].zone], true);
	}
	if (!ukmem_strcmp(word, "numa")) {
		if (ukmem_strncmp(val, "fake=", 5)) {
			ukmem_printk("ukmem: numa=%s: only numa=fake=N is supported\n", val);
			return -EINVAL;
		}
		return parse_int("numa=fake", val + 5, 1, MAX_NUMNODES, &opt->numa_nodes);
	}
	if (!ukmem_strcmp(word, "min_free_kbytes"))
		return parse_int(word, val, 0, 0x7fffffff, &opt->min_free_kbytes);
	ukmem_printk("ukmem: unknown option '%s'\n", word);
	return -EINVAL;
}

static void default_options(struct boot_options *bo)
{
	__builtin_memset(bo, 0, sizeof(*bo));
	bo->page.min_free_kbytes = -1;
	bo->page.release_to_os = true;
	bo->slub_min_order = bo->slub_max_order = bo->slub_min_objects = -1;
	bo->slab_nomerge = -1;
}

/* Parse the whole string into bo; 0 or -EINVAL. */
static int parse_options(const char *options, struct boot_options *opt)
{
	char buf[512];
	char *p = buf;
	int ret = 0;

	default_options(opt);
	if (!options)
		return 0;
	if (ukmem_strlcpy(buf, options, sizeof(buf)) >= sizeof(buf)) {
		ukmem_printk("ukmem: options longer than %zu bytes\n", sizeof(buf) - 1);
		return -EINVAL;
	}
	for (;;) {
		char *word;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		word = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
		if (parse_option(word, opt))
			ret = -EINVAL;	/* go on: report every bad word */
	}
	return ret;
}

/* Apply the slab options, then start the page allocator; a start that
 * fails leaves every option as it was. */
static int start_locked(const struct boot_options *bo)
{
	unsigned int old_min_order = slub_min_order, old_max_order = slub_max_order;
	unsigned int old_min_objects = slub_min_objects;
	int old_nomerge = slab_nomerge;
	int ret;

	if (bo->slub_min_order >= 0)
		slub_min_order = (unsigned int)bo->slub_min_order;
	if (bo->slub_max_order >= 0)
		slub_max_order = (unsigned int)bo->slub_max_order;
	if (slub_min_order > slub_max_order)
		slub_max_order = slub_min_order;
	if (bo->slub_min_objects >= 0)
		slub_min_objects = (unsigned int)bo->slub_min_objects;
	if (bo->slab_nomerge >= 0)
		slab_nomerge = bo->slab_nomerge;
	ret = ukmem_page_init(&bo->page);
	if (ret == 0) {
		__atomic_store_n(&state, STATE_UP, __ATOMIC_RELEASE);
	} else {
		slub_min_order = old_min_order;
		slub_max_order = old_max_order;
		slub_min_objects = old_min_objects;
		slab_nomerge = old_nomerge;
	}
	return ret;
}

/*
 * init_lock is held across the whole start, which prints and may be slow;
 * it is ranked (src/lib/lockrank.h), so a signal handler that interrupts
 * the start does not wait for its own thread: it only tries the lock, and
 * its allocation fails.
 */
static bool init_lock_take(void)
{
	return ukmem_lock(&init_lock);
}

static void init_lock_release(void)
{
	ukmem_unlock(&init_lock);
}

int ukmem_init(const char *options)
{
	struct boot_options opt;
	int ret;

	if (ukmem_initialized())
		return -EBUSY;
	ret = parse_options(options, &opt);
	if (ret) {
		ukmem_printk("ukmem: options rejected: \"%s\"\n", options);
		return ret;
	}
	if (!init_lock_take())
		return -EBUSY;
	ret = ukmem_initialized() ? -EBUSY : start_locked(&opt);
	init_lock_release();
	return ret;
}

/* The first start on first use: UKMEM_OPTIONS, which either kind of bad
 * option turns into one report (the defaults follow in the caller). */
static void start_boot_options_locked(const char *options)
{
	struct boot_options opt;

	if (parse_options(options, &opt))
		ukmem_printk("ukmem: UKMEM_OPTIONS rejected, starting with the defaults\n");
	else if (start_locked(&opt) != 0)
		ukmem_printk("ukmem: UKMEM_OPTIONS \"%s\" cannot start, starting with the "
			     "defaults\n", options);
}

bool ukmem_ensure_init(void)
{
	struct boot_options opt;
	const char *options;

	if (__builtin_expect(ukmem_initialized(), 1))
		return true;
	if (!init_lock_take())
		return false;
	if (!ukmem_initialized() && !boot_options_tried) {
		boot_options_tried = true;
		options = ukmem_plat_boot_options();
		if (options && *options)
			start_boot_options_locked(options);
	}
	if (!ukmem_initialized()) {
		default_options(&opt);
		start_locked(&opt);
	}
	init_lock_release();
	return ukmem_initialized();
}

/*
 * fork(): the child has one thread; any lock another thread held at the
 * fork would stay locked for ever, and the structure it guarded could be
 * half updated.  So prepare takes every lock of the table in
 * src/lib/lockrank.h, in rank order, and both sides release them.
 */
void ukmem_fork_prepare(void)
{
	ukmem_lock_all();
}

void ukmem_fork_parent(void)
{
	ukmem_unlock_all();
}

/* The child also forgets the other threads' sheaves (sheaf.c). */
void ukmem_fork_child(void)
{
	if (ukmem_initialized())
		sheaves_fork_child();
	ukmem_unlock_all();
}
