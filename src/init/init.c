/*
 * init.c - starting ukmem: the boot options, ukmem_init(), and the
 * start on first use.
 *
 * Theory
 * ------
 * ukmem is started exactly once, by ukmem_init(options) or by the first
 * allocation, which reads the UKMEM_OPTIONS boot string from the platform.
 * Options are parsed completely into a staging struct before anything is
 * applied, so a bad option never leaves a half-configured allocator:
 * ukmem_init() rejects the whole string with -EINVAL; a bad UKMEM_OPTIONS
 * is reported and ukmem starts with its defaults (the kernel, too,
 * reports a bad boot parameter and boots on).
 *
 * State: NONE -> STARTING -> UP, or back to NONE if the start failed.  The
 * transition holds init_lock; the fast check is one acquire load.
 */
#include "lib/lib.h"
#include "page/mmzone.h"

#define EINVAL 22
#define EBUSY 16
#define ENOMEM 12

enum { STATE_NONE, STATE_UP };

static int state;
static plat_lock_t init_lock = PLAT_LOCK_INIT;

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

static int parse_option(char *word, struct ukmem_page_options *opt)
{
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
		ukmem_printk("ukmem: unknown option '%s'\n", word);
		return -EINVAL;
	}
	*val++ = '\0';
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

static void default_options(struct ukmem_page_options *opt)
{
	__builtin_memset(opt, 0, sizeof(*opt));
	opt->min_free_kbytes = -1;
	opt->release_to_os = true;
}

/* Parse the whole string into opt; 0 or -EINVAL. */
static int parse_options(const char *options, struct ukmem_page_options *opt)
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

static int start_locked(const struct ukmem_page_options *opt)
{
	int ret = ukmem_page_init(opt);

	if (ret == 0)
		__atomic_store_n(&state, STATE_UP, __ATOMIC_RELEASE);
	return ret;
}

int ukmem_init(const char *options)
{
	struct ukmem_page_options opt;
	int ret;

	if (ukmem_initialized())
		return -EBUSY;
	ret = parse_options(options, &opt);
	if (ret) {
		ukmem_printk("ukmem: options rejected: \"%s\"\n", options);
		return ret;
	}
	ukmem_plat_lock(&init_lock);
	ret = ukmem_initialized() ? -EBUSY : start_locked(&opt);
	ukmem_plat_unlock(&init_lock);
	return ret;
}

bool ukmem_ensure_init(void)
{
	struct ukmem_page_options opt;
	const char *options;

	if (__builtin_expect(ukmem_initialized(), 1))
		return true;
	ukmem_plat_lock(&init_lock);
	if (!ukmem_initialized()) {
		options = ukmem_plat_boot_options();
		if (parse_options(options, &opt)) {
			ukmem_printk("ukmem: UKMEM_OPTIONS rejected, starting with the defaults\n");
			default_options(&opt);
		}
		start_locked(&opt);
	}
	ukmem_plat_unlock(&init_lock);
	return ukmem_initialized();
}
