/*
 * options.h - the boot options, parsed whole into a staging struct
 * (options.c).  The fields are plain values: each layer applies its own
 * part when it starts, the page allocator first (src/page/start.c).
 */
#ifndef UKMEM_LIB_OPTIONS_H
#define UKMEM_LIB_OPTIONS_H

#include <stdbool.h>

#include <ukmem/mm.h>

/* The largest slub_min_objects: SLUB's MAX_OBJS_PER_PAGE (slab.h checks). */
#define UKMEM_OPT_MAX_OBJECTS	32767

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
};

/* The defaults: nothing set. */
void ukmem_options_default(struct ukmem_options *opt);

/* Parse a whole option string (NULL: none) into opt, starting from the
 * defaults; every bad word is reported.  0 or -EINVAL. */
int ukmem_options_parse(const char *options, struct ukmem_options *opt);

#endif /* UKMEM_LIB_OPTIONS_H */
