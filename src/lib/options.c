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
#include "platform/platform.h"

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
	{ "slub_debug[=SPEC]", "SLUB debugging: F Z P U T A O -, per cache (also slab_debug)",
	  "off" },
	{ "failslab=I,P,S,T", "fail slab allocations: interval,probability,space,times", "off" },
	{ "fail_page_alloc=I,P,S,T", "fail page allocations: interval,probability,space,times",
	  "off" },
	{ "failslab.FILE=V", "set a debugfs attribute at the start (also fail_page_alloc.FILE=V)",
	  "-" },
	{ "kmemleak=on|off", "track every object and report unreferenced ones", "off" },
	{ "kfence.sample_interval=MS", "KFENCE: guard-paged sample every MS ms (hosted)", "0 (off)" },
	{ "kfence.num_objects=N", "KFENCE: objects in the pool", "255" },
	{ "init_on_alloc=0|1", "zero every object and page when allocated", "0" },
	{ "init_on_free=0|1", "zero every object and page when freed", "0" },
	{ "slab_freelist_random=on|off", "shuffle the freelist of every new slab", "off" },
	{ "panic_on_taint=MASK", "stop the program at a taint in MASK (hex; 0x20: any report)",
	  "0" },
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
	if (!ukmem_strcmp(word, "slub_debug") || !ukmem_strcmp(word, "slab_debug")) {
		bo->slub_debug_set = true;
		bo->slub_debug[0] = '\0';
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

/* on/off, 1/0 (and y/n, as the kernel's kstrtobool). */
static int parse_bool(const char *key, const char *val, int *out)
{
	if (!ukmem_strcmp(val, "on") || !ukmem_strcmp(val, "1") || !ukmem_strcmp(val, "y")) {
		*out = 1;
		return 0;
	}
	if (!ukmem_strcmp(val, "off") || !ukmem_strcmp(val, "0") || !ukmem_strcmp(val, "n")) {
		*out = 0;
		return 0;
	}
	ukmem_printk("ukmem: bad value '%s' for %s= (on or off)\n", val, key);
	return -EINVAL;
}

/* A string option, kept for the layer that applies it. */
static int keep_string(const char *key, const char *val, char *out)
{
	if (ukmem_strlcpy(out, val, UKMEM_OPT_STR_MAX) >= UKMEM_OPT_STR_MAX) {
		ukmem_printk("ukmem: value of %s= longer than %d bytes\n", key,
			     UKMEM_OPT_STR_MAX - 1);
		return -EINVAL;
	}
	return 0;
}

/* The fault-injection boot syntax <interval>,<probability>,<space>,<times>
 * (the kernel's setup_fault_attr): checked here, applied by the layer
 * that owns the attribute. */
static int parse_fault_attr(const char *key, const char *val, char *out)
{
	const char *p = val;
	long long v[4];

	for (int i = 0; i < 4; i++) {
		const char *end;
		bool neg = *p == '-';
		bool overflow = false;

		v[i] = (long long)ukmem_memparse(p + neg, &end, &overflow);
		if (end == p + neg || overflow || (neg && i != 3) || (i < 3 && *end != ',') ||
		    (i == 3 && *end)) {
			ukmem_printk("ukmem: bad value '%s' for %s= (<interval>,<probability>,"
				     "<space>,<times>, e.g. 1,10,0,-1)\n", val, key);
			return -EINVAL;
		}
		if (neg)
			v[i] = -v[i];
		p = end + 1;
	}
	if (v[1] > 100) {
		ukmem_printk("ukmem: bad value '%s' for %s=: probability %lld is above 100\n", val,
			     key, v[1]);
		return -EINVAL;
	}
	return keep_string(key, val, out);
}

/* failslab.<file>=<value>: kept for the start, which writes it to the
 * attribute (and reports a value the attribute refuses).  The file must be
 * one of the directory's. */
static int parse_fault_file(const char *word, const char *val, struct ukmem_options *bo)
{
	static const char *const files[] = {
		"probability", "interval", "times", "space", "verbose",
		"verbose_ratelimit_interval_ms", "verbose_ratelimit_burst", "task-filter",
		"stacktrace-depth", "require-start", "require-end", "reject-start", "reject-end",
		"ignore-gfp-wait", "cache-filter", "ignore-gfp-highmem", "min-order",
	};
	const char *dot = ukmem_strchr(word, '.');
	size_t dir_len = (size_t)(dot - word);
	bool slab = dir_len == 8 && !ukmem_strncmp(word, "failslab", 8);
	bool known = false;

	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!ukmem_strcmp(dot + 1, files[i]))
			known = true;
	if (known && slab && (!ukmem_strcmp(dot + 1, "ignore-gfp-highmem") ||
			      !ukmem_strcmp(dot + 1, "min-order")))
		known = false;
	if (known && !slab && !ukmem_strcmp(dot + 1, "cache-filter"))
		known = false;
	if (!known) {
		ukmem_printk("ukmem: unknown option '%s' (no file %s in %.*s)\n", word, dot + 1,
			     (int)dir_len, word);
		return -EINVAL;
	}
	if (bo->nr_fault_files == UKMEM_OPT_FAULT_FILES ||
	    ukmem_snprintf(bo->fault_files[bo->nr_fault_files], UKMEM_OPT_FAULT_FILE_MAX,
			   "%.*s/%s=%s", (int)dir_len, word, dot + 1, val) >=
	    UKMEM_OPT_FAULT_FILE_MAX) {
		ukmem_printk("ukmem: %s=%s: too many or too long fault-injection settings\n", word,
			     val);
		return -EINVAL;
	}
	bo->nr_fault_files++;
	return 0;
}

/* The debugging options; 1 if word is none of them. */
static int parse_debug_option(const char *word, const char *val, struct ukmem_options *bo)
{
	if (!ukmem_strcmp(word, "slub_debug") || !ukmem_strcmp(word, "slab_debug")) {
		struct slub_debug_result r;

		if (slub_debug_spec_lookup(val, NULL, &r))
			return -EINVAL;
		bo->slub_debug_set = true;
		return keep_string(word, val, bo->slub_debug);
	}
	if (!ukmem_strcmp(word, "failslab"))
		return parse_fault_attr(word, val, bo->failslab);
	if (!ukmem_strcmp(word, "fail_page_alloc"))
		return parse_fault_attr(word, val, bo->fail_page_alloc);
	if (!ukmem_strncmp(word, "failslab.", 9) || !ukmem_strncmp(word, "fail_page_alloc.", 16))
		return parse_fault_file(word, val, bo);
	if (!ukmem_strcmp(word, "kmemleak"))
		return parse_bool(word, val, &bo->kmemleak);
	if (!ukmem_strcmp(word, "init_on_alloc"))
		return parse_bool(word, val, &bo->init_on_alloc);
	if (!ukmem_strcmp(word, "init_on_free"))
		return parse_bool(word, val, &bo->init_on_free);
	if (!ukmem_strcmp(word, "slab_freelist_random"))
		return parse_bool(word, val, &bo->slab_freelist_random);
	if (!ukmem_strcmp(word, "kfence.sample_interval"))
		return parse_int(word, val, 0, 0x7fffffff, &bo->kfence_sample_interval);
	if (!ukmem_strcmp(word, "kfence.num_objects"))
		return parse_int(word, val, 1, 65535, &bo->kfence_num_objects);
	if (!ukmem_strcmp(word, "panic_on_taint")) {
		unsigned long long mask;

		/* The kernel's: a hexadecimal mask of taint flags. */
		if (ukmem_kstrtoull(val, 16, &mask) || mask >> TAINT_FLAGS_COUNT) {
			ukmem_printk("ukmem: bad value '%s' for panic_on_taint= (a hexadecimal mask "
				     "of taint flags, e.g. 0x20 for B)\n", val);
			return -EINVAL;
		}
		bo->panic_on_taint = (unsigned long)mask;
		return 0;
	}
	return 1;
}

static int parse_option(char *word, struct ukmem_options *bo)
{
	struct ukmem_page_options *opt = &bo->page;
	int *slab_int, debug;
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
	debug = parse_debug_option(word, val, bo);
	if (debug <= 0)
		return debug;
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
	bo->kmemleak = bo->kfence_sample_interval = bo->kfence_num_objects = -1;
	bo->init_on_alloc = bo->init_on_free = bo->slab_freelist_random = -1;
}

/* Parse one string's words into opt, on top of what is there. */
static int parse_words(const char *options, struct ukmem_options *opt)
{
	char buf[512];
	char *p = buf;
	int ret = 0;

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

/* Parse the whole string into opt, then the platform's debug options
 * (UKMEM_DEBUG_OPTIONS) on top; 0 or -EINVAL. */
int ukmem_options_parse(const char *options, struct ukmem_options *opt)
{
	const char *debug = ukmem_plat_debug_options();
	int ret = 0;

	ukmem_options_default(opt);
	if (options)
		ret = parse_words(options, opt);
	if (debug && *debug && parse_words(debug, opt)) {
		ukmem_printk("ukmem: UKMEM_DEBUG_OPTIONS \"%s\" rejected\n", debug);
		ret = -EINVAL;
	}
	return ret;
}
