/*
 * options.c - the boot options (UKMEM_OPTIONS, ukmem_init()): the option
 * table, and parsing a whole string into a staging struct before anything
 * is applied, so a bad option never leaves a half-configured allocator.
 * Every bad word is reported, not only the first.  The page allocator's
 * start (src/page/start.c) applies the page options; the slab layer reads
 * its own from the options the start used (ukmem_started_options).
 *
 * "help" is a word of its own: it prints the option table (help_table,
 * the README's "Options") through the log and changes nothing.
 */
#include "lib/errno.h"
#include "lib/lib.h"
#include "lib/options.h"

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
	{ "kswapd=on|off", "the background reclaimer thread per node (hosted)", "on" },
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
static bool parse_flag(const char *word, struct ukmem_options *bo)
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
static int *slab_int_option(const char *key, struct ukmem_options *bo)
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

static int parse_option(char *word, struct ukmem_options *bo)
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
				 UKMEM_OPT_MAX_OBJECTS : MAX_PAGE_ORDER, slab_int);
	if (!ukmem_strcmp(word, "mem"))
		return parse_size(word, val, &opt->mem, false);
	for (unsigned i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		if (ukmem_strcmp(word, zones[i].key))
			continue;
		opt->zone_size_set[zones[i].zone] = true;
		return parse_size(word, val, &opt->zone_size[zones[i].zone], true);
	}
	if (!ukmem_strcmp(word, "kswapd")) {
		if (!ukmem_strcmp(val, "on") || !ukmem_strcmp(val, "1")) {
			bo->kswapd = 1;
			return 0;
		}
		if (!ukmem_strcmp(val, "off") || !ukmem_strcmp(val, "0")) {
			bo->kswapd = 0;
			return 0;
		}
		ukmem_printk("ukmem: bad value '%s' for kswapd= (on or off)\n", val);
		return -EINVAL;
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

void ukmem_options_default(struct ukmem_options *bo)
{
	__builtin_memset(bo, 0, sizeof(*bo));
	bo->page.min_free_kbytes = -1;
	bo->page.release_to_os = true;
	bo->slub_min_order = bo->slub_max_order = bo->slub_min_objects = -1;
	bo->slab_nomerge = -1;
	bo->kswapd = -1;
}

/* Parse the whole string into bo; 0 or -EINVAL. */
int ukmem_options_parse(const char *options, struct ukmem_options *opt)
{
	char buf[512];
	char *p = buf;
	int ret = 0;

	ukmem_options_default(opt);
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

