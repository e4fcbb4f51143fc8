/*
 * options.h - the boot options, parsed whole into a staging struct
 * (options.c).  The fields are plain values: each layer applies its own
 * part when it starts, the page allocator first (src/page/start.c).
 */
#ifndef UKMEM_LIB_OPTIONS_H
#define UKMEM_LIB_OPTIONS_H

#include <stdbool.h>

#include <ukmem/mm.h>
#include <ukmem/slab.h>

/* The largest slub_min_objects: SLUB's MAX_OBJS_PER_PAGE (slab.h checks). */
#define UKMEM_OPT_MAX_OBJECTS	32767
/* The longest value of a string option (slub_debug=, failslab=, ...). */
#define UKMEM_OPT_STR_MAX	200
#define UKMEM_OPT_FAULT_FILES	8
#define UKMEM_OPT_FAULT_FILE_MAX	64

/* The page allocator's part. */
struct ukmem_page_options {
	unsigned long long mem;		/* bytes, 0 = RAM */
	unsigned long long zone_size[MAX_NR_ZONES];	/* bytes; NORMAL unused */
	bool zone_size_set[MAX_NR_ZONES];
	int numa_nodes;			/* numa=fake=N, 0 = 1 */
	int min_free_kbytes;		/* -1 = compute */
	bool release_to_os;
};

struct ukmem_options {
	struct ukmem_page_options page;
	int slub_min_order, slub_max_order, slub_min_objects;	/* -1: unset */
	int slab_nomerge;					/* -1: unset */
	int kswapd;		/* the background reclaimer: 1 on, 0 off, -1 unset (on) */

	/* Debugging (each -1 or "" when unset). */
	bool slub_debug_set;			/* slub_debug given, with or without '=' */
	char slub_debug[UKMEM_OPT_STR_MAX];	/* the spec after '=' (checked) */
	char failslab[UKMEM_OPT_STR_MAX];	/* <interval>,<probability>,<space>,<times> */
	char fail_page_alloc[UKMEM_OPT_STR_MAX];
	int kmemleak;				/* 1 on, 0 off */
	int kfence_sample_interval;		/* ms, 0 off */
	int kfence_num_objects;
	int init_on_alloc, init_on_free;	/* 1 on, 0 off */
	int slab_freelist_random;		/* 1 on, 0 off */
	/* failslab.<file>=<value>, fail_page_alloc.<file>=<value>: debugfs
	 * attributes set at the start, "<dir>/<file>=<value>" each. */
	char fault_files[UKMEM_OPT_FAULT_FILES][UKMEM_OPT_FAULT_FILE_MAX];
	int nr_fault_files;
	unsigned long panic_on_taint;		/* taint flags that stop the program */
};

/* slub_debug_spec.c: what a slub_debug spec gives one cache. */
struct slub_debug_result {
	slab_flags_t flags;	/* SLAB_CONSISTENCY_CHECKS, SLAB_RED_ZONE, ... */
	bool order_check;	/* O: off where it would raise the slab order */
	bool matched;		/* a block applies to the cache */
};

/* Look name up in spec ("" or NULL: the bare slub_debug, F Z P U for every
 * cache; name NULL: only check the syntax).  0, or -EINVAL reported. */
int slub_debug_spec_lookup(const char *spec, const char *name, struct slub_debug_result *out);

/* The defaults: nothing set. */
void ukmem_options_default(struct ukmem_options *opt);

/* Parse a whole option string (NULL: none) into opt, starting from the
 * defaults; every bad word is reported.  0 or -EINVAL. */
int ukmem_options_parse(const char *options, struct ukmem_options *opt);

#endif /* UKMEM_LIB_OPTIONS_H */
