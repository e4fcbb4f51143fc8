/*
 * start.c - the start of ukmem, which is the page allocator's: by
 * ukmem_init(options) (src/init) or on first use, from whichever layer a
 * caller enters first.  The layers above start themselves afterwards (the
 * slab layer in slab_ensure_init), each calling down to this one, so the
 * start never calls up.
 *
 * Theory
 * ------
 * ukmem is started exactly once.  Options are parsed whole before
 * anything is applied (src/lib/options.c); this file applies the page
 * allocator's part and keeps the whole set, which the slab layer reads
 * when it starts (ukmem_started_options).  A start that fails applies
 * nothing, so ukmem can still be started.
 *
 * Two kinds of bad options, one error code: a word that does not parse
 * ("mem=zzz", "bogus"), and values that parse but describe memory ukmem
 * cannot lay out ("mem=1M", zones larger than mem=, nodes too small),
 * which only the start finds.  ukmem_init() returns -EINVAL for both; a
 * failed start leaves nothing applied.  -ENOMEM stays for what the options
 * cannot help, the OS refusing to reserve the arena.
 *
 * A bad UKMEM_OPTIONS, of either kind, is reported once and ukmem starts
 * with its defaults (the kernel, too, reports a bad boot parameter and
 * boots on).  The string is tried only by the first start attempt
 * (boot_options_tried): had a failed start left it to be read again, every
 * allocation would retry it and print the same error, and a program under
 * the malloc front would get no memory at all.  Should the defaults fail
 * as well (the bare platform before any region is added), later
 * allocations try the defaults again.  UKMEM_OPTIONS=help prints the
 * table and starts with the defaults.
 *
 * State: NONE -> UP, staying NONE if the start failed.  The transition
 * holds init_lock (src/lib/lockrank.h), across the whole start, which
 * prints and may be slow; a signal handler that interrupts the start only
 * tries the lock, and its allocation fails.  The fast check is one
 * acquire load.
 */
#include "lib/errno.h"
#include "page/internal.h"

enum { STATE_NONE, STATE_UP };

static int state;
static bool boot_options_tried;		/* under init_lock */
static struct ukmem_options started;	/* written before state goes UP */

bool ukmem_initialized(void)
{
	return __atomic_load_n(&state, __ATOMIC_ACQUIRE) == STATE_UP;
}

const struct ukmem_options *ukmem_started_options(void)
{
	return ukmem_initialized() ? &started : NULL;
}

static int start_locked(const struct ukmem_options *opt)
{
	int ret = ukmem_page_init(&opt->page);

	if (ret == 0) {
		fail_page_alloc_setup(opt->fail_page_alloc);
		page_init_on_alloc = opt->init_on_alloc == 1;
		page_init_on_free = opt->init_on_free == 1;
		ukmem_set_panic_on_taint(opt->panic_on_taint);
		started = *opt;
		__atomic_store_n(&state, STATE_UP, __ATOMIC_RELEASE);
	}
	return ret;
}

int ukmem_start(const struct ukmem_options *opt)
{
	int ret;

	if (ukmem_initialized())
		return -EBUSY;
	if (!ukmem_lock(&init_lock))
		return -EBUSY;
	ret = ukmem_initialized() ? -EBUSY : start_locked(opt);
	ukmem_unlock(&init_lock);
	return ret;
}

/* The first start on first use: UKMEM_OPTIONS, which either kind of bad
 * option turns into one report (the defaults follow in the caller). */
static void start_boot_options_locked(const char *options)
{
	struct ukmem_options opt;

	if (ukmem_options_parse(options, &opt))
		ukmem_printk("ukmem: UKMEM_OPTIONS rejected, starting with the defaults\n");
	else if (start_locked(&opt) != 0)
		ukmem_printk("ukmem: UKMEM_OPTIONS \"%s\" cannot start, starting with the "
			     "defaults\n", options);
}

bool ukmem_ensure_init(void)
{
	struct ukmem_options opt;
	const char *options;

	if (__builtin_expect(ukmem_initialized(), 1))
		return true;
	if (!ukmem_lock(&init_lock))
		return false;
	if (!ukmem_initialized() && !boot_options_tried) {
		boot_options_tried = true;
		options = ukmem_plat_boot_options();
		if (options && *options)
			start_boot_options_locked(options);
	}
	if (!ukmem_initialized()) {
		/* The defaults, and UKMEM_DEBUG_OPTIONS if it parses. */
		if (ukmem_options_parse(NULL, &opt))
			ukmem_options_default(&opt);
		start_locked(&opt);
	}
	ukmem_unlock(&init_lock);
	return ukmem_initialized();
}
