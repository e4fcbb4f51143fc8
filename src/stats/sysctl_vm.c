/*
 * sysctl_vm.c - the writable /proc/sys/vm files of the page allocator:
 * min_free_kbytes, watermark_scale_factor and lowmem_reserve_ratio.
 *
 * Each follows its Linux 6.6 handler in mm/page_alloc.c and the
 * proc_dointvec family in kernel/sysctl.c it calls:
 *
 *   min_free_kbytes_sysctl_handler: an int >= 0 (extra1 = SYSCTL_ZERO);
 *     it becomes both min_free_kbytes and user_min_free_kbytes (so later
 *     memory changes keep it), then setup_per_zone_wmarks()
 *   watermark_scale_factor_sysctl_handler: an int in 1..3000 (SYSCTL_ONE,
 *     SYSCTL_THREE_THOUSAND), then setup_per_zone_wmarks()
 *   lowmem_reserve_ratio_sysctl_handler: one int per zone, no bounds;
 *     values below 1 become 0 (no reserve); fewer values than zones change
 *     only the first zones; then the reserves are recomputed
 *
 * Text follows proc_dointvec: a read is the values in decimal separated by
 * tabs and ended by a newline; a write is integers in C notation (0x..,
 * 0..) separated by blanks, a trailing newline allowed.  Unlike the
 * kernel, which keeps the values it parsed before a bad one, a write that
 * does not parse as a whole, is empty, is out of range or has more values
 * than the file holds changes nothing and returns -EINVAL.
 *
 * lowmem_reserve_ratio has one entry per zone this kernel has (stats.h):
 * DMA, DMA32, Normal, [HighMem,] Movable.
 *
 * Locks: stores run under ctl.c's lock, which serialises them as the
 * kernel's setup_per_zone_wmarks lock does; ukmem_setup_per_zone_wmarks
 * takes each zone's lock.  Shows read the values without a lock.
 */
#include "slab/slab_api.h"
#include "stats/stats.h"

#define WATERMARK_SCALE_FACTOR_MAX 3000
#define INT_TOKEN_MAX 32	/* longer than any int in any base */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Parse up to max ints from value into out; returns how many, or -EINVAL
 * if there is none, one does not parse, or there are more than max. */
static int parse_int_list(const char *value, int *out, int max)
{
	const char *p = value;
	int n = 0;

	for (;;) {
		char token[INT_TOKEN_MAX];
		size_t len = 0;

		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		while (*p && !is_blank(*p)) {
			if (len + 1 >= sizeof(token))
				return -EINVAL;
			token[len++] = *p++;
		}
		token[len] = '\0';
		if (n == max || ukmem_kstrtoint(token, 0, &out[n]))
			return -EINVAL;
		n++;
	}
	return n ? n : -EINVAL;
}

static int parse_one_int(const char *value, int min, int max, int *out)
{
	int v;

	if (parse_int_list(value, &v, 1) != 1 || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* ---- min_free_kbytes ------------------------------------------------------ */

int stats_min_free_kbytes_show(struct seq_buf *s)
{
	ukmem_seq_printf(s, "%d\n", __atomic_load_n(&ukmem_mm.min_free_kbytes, __ATOMIC_RELAXED));
	return 0;
}

int stats_min_free_kbytes_store(const char *value)
{
	int v;

	if (parse_one_int(value, 0, 0x7fffffff, &v))
		return -EINVAL;
	__atomic_store_n(&ukmem_mm.min_free_kbytes, v, __ATOMIC_RELAXED);
	__atomic_store_n(&ukmem_mm.user_min_free_kbytes, v, __ATOMIC_RELAXED);
	ukmem_setup_per_zone_wmarks();
	return 0;
}

/* ---- watermark_scale_factor ----------------------------------------------- */

int stats_watermark_scale_factor_show(struct seq_buf *s)
{
	ukmem_seq_printf(s, "%d\n",
			 __atomic_load_n(&ukmem_mm.watermark_scale_factor, __ATOMIC_RELAXED));
	return 0;
}

int stats_watermark_scale_factor_store(const char *value)
{
	int v;

	if (parse_one_int(value, 1, WATERMARK_SCALE_FACTOR_MAX, &v))
		return -EINVAL;
	__atomic_store_n(&ukmem_mm.watermark_scale_factor, v, __ATOMIC_RELAXED);
	ukmem_setup_per_zone_wmarks();
	return 0;
}

/* ---- lowmem_reserve_ratio ------------------------------------------------- */

int stats_lowmem_reserve_ratio_show(struct seq_buf *s)
{
	const char *sep = "";

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		if (!stats_zone_configured(z))
			continue;
		ukmem_seq_printf(s, "%s%d", sep,
				 __atomic_load_n(&ukmem_mm.lowmem_reserve_ratio[z], __ATOMIC_RELAXED));
		sep = "\t";
	}
	ukmem_seq_puts(s, "\n");
	return 0;
}

int stats_lowmem_reserve_ratio_store(const char *value)
{
	int zones[MAX_NR_ZONES], ratio[MAX_NR_ZONES];
	int nr_zones = 0, n;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (stats_zone_configured(z))
			zones[nr_zones++] = z;
	n = parse_int_list(value, ratio, nr_zones);
	if (n < 0)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		__atomic_store_n(&ukmem_mm.lowmem_reserve_ratio[zones[i]], ratio[i] < 1 ? 0 : ratio[i],
				 __ATOMIC_RELAXED);
	ukmem_setup_per_zone_wmarks();
	return 0;
}

/* ---- drop_caches ---------------------------------------------------------------- */

/*
 * drop_caches_sysctl_handler: an int in 1..4 (write-only, mode 0200),
 * run without ctl.c's lock (ctl.c says why).
 * Bit 2 frees what the shrinkers can give back (drop_slab) and what the
 * slab layer holds free; bit 1 would drop the page cache, which user space
 * does not have; bit 4 silences the message for good, as the kernel's
 * static stfu does.
 */
static int drop_caches_quiet;	/* atomic */

int stats_drop_caches_show(struct seq_buf *s)
{
	(void)s;
	return -EACCES;
}

int stats_drop_caches_store(const char *value)
{
	int v;

	if (parse_one_int(value, 1, 4, &v))
		return -EINVAL;
	if (v & 1)
		reclaim_note_drop_pagecache();
	if (v & 2) {
		reclaim_drop_slab();
		slab_reclaim_all(GFP_KERNEL, 0);
	}
	/* The kernel prints, then remembers bit 4: "4" is said once. */
	if (!__atomic_load_n(&drop_caches_quiet, __ATOMIC_RELAXED))
		ukmem_printk("%s (%d): drop_caches: %d\n", ukmem_plat_comm(), ukmem_plat_tid(), v);
	__atomic_fetch_or(&drop_caches_quiet, v & 4, __ATOMIC_RELAXED);
	return 0;
}
