/*
 * sysfs_slab.c - /sys/kernel/slab/<cache>/<attr>: one cache's geometry,
 * counters and flags, and the two writable knobs ukmem supports.
 *
 * The kernel's files, from mm/slub.c (Linux 6.6: the *_show and *_store
 * functions after "enum slab_stat_type", as converted to sysfs_emit in
 * 5.11; sheaf_capacity_show from the 6.18 sheaves series).  Every file is
 * one value and a newline:
 *
 *   "%u\n"   slab_size (s->size), object_size, objs_per_slab, order, align,
 *            cpu_partial, sheaf_capacity, usersize
 *   "%lu\n"  min_partial
 *   "%d\n"   aliases (refcount - 1; 0 for the boot cache, whose refcount
 *            is -1), and 0/1 for the flag files reclaim_account,
 *            hwcache_align, cache_dma, destroy_by_rcu, sanity_checks,
 *            trace, red_zone, poison, store_user
 *   show_slab_objects: objects (in use), slabs, total_objects, partial
 *            (partial slabs), cpu_slabs: "%lu" of the sum, then " N%d=%lu"
 *            for each node with a non-zero value (a CONFIG_NUMA kernel,
 *            which ukmem renders, appends this with one node too), "\n"
 *   ctor     "%pS\n" of the constructor, nothing at all without one
 *   shrink   reads empty; writing a value that starts with '1' shrinks the
 *            cache (kmem_cache_shrink), anything else is -EINVAL
 *
 * min_partial is writable as in the kernel (kstrtoul base 10, stored as
 * given, no clamping since 5.18).  The kernel's other writable files are
 * read-only here (-EACCES): cpu_partial sizes ukmem's sheaves, which are
 * fixed when the cache is made.
 *
 * Differences from the kernel, and why:
 *   - cpu_slabs is always 0: ukmem keeps per-owner sheaves, not per-CPU
 *     slabs, and the objects in sheaves count as in use (objects), as the
 *     objects of per-CPU slabs do in the kernel.
 *   - A cache is found by the name it was created with.  The kernel also
 *     lists every alias (a kmem_cache_create that merged into an existing
 *     cache) as a symbolic link, and names a mergeable cache's directory by
 *     a unique id (":0000064") that the name links to.  ukmem keeps only a
 *     cache's first name, so an alias's name and the ids do not resolve
 *     (-ENOENT); aliases counts them.
 *   - "%pS" prints "func+0x0/0x40" when the platform can symbolize the
 *     address (hosted: libdw, or dladdr without it), else the address as
 *     "0x%p", as the kernel does for an unknown symbol.
 *   - validate (write 1), failslab (0/1, writable) and, for caches with
 *     SLAB_STORE_USER, alloc_traces and free_traces, which the kernel
 *     keeps in debugfs (/sys/kernel/debug/slab/<cache>/), are here too,
 *     rendered by the slab layer (slub_debug.c).
 *   - Not rendered: objects_partial, slabs_cpu_partial, alloc_calls,
 *     free_calls, remote_node_defrag_ratio and the CONFIG_SLUB_STATS
 *     counters.  A cache's directory itself is not a
 *     file: reading it is -ENOENT.
 *
 * Locks: a read holds slab_mutex (keeping the cache alive) with the thread
 * marked inside ukmem, then each node's list_lock (stats_slab_lock, as
 * /proc/slabinfo).  A write holds slab_mutex only: shrink flushes every
 * owner's sheaves and gives slabs back exactly as a kmem_cache_shrink call
 * does, which needs this thread to take the list locks outright.
 */
#include "stats/stats.h"
#include "slab/slab_api.h"

/* What show_slab_objects counts (the kernel's SO_* flags). */
enum slab_count {
	COUNT_OBJECTS,		/* SO_ALL | SO_OBJECTS: objects in use */
	COUNT_SLABS,		/* SO_ALL */
	COUNT_TOTAL,		/* SO_ALL | SO_TOTAL: objects in all slabs */
	COUNT_PARTIAL,		/* SO_PARTIAL: slabs on the partial lists */
};

/* show_slab_objects: the sum over the nodes and each non-zero node. */
static void show_slab_objects(struct seq_buf *m, struct kmem_cache *s, enum slab_count what)
{
	unsigned long nodes[MAX_NUMNODES] = { 0 };
	unsigned long total = 0;
	int nid;

	if (what == COUNT_OBJECTS) {
		struct slub_counts c;

		slub_count(s, &c);
		for_each_online_node(nid)
			nodes[nid] = c.per_node_objs[nid];
	} else {
		for_each_online_node(nid) {
			struct kmem_cache_node *n = &s->node[nid];

			ukmem_lock(&n->list_lock);
			nodes[nid] = what == COUNT_SLABS ? n->nr_slabs :
				     what == COUNT_TOTAL ? n->total_objects : n->nr_partial;
			ukmem_unlock(&n->list_lock);
		}
	}
	for_each_online_node(nid)
		total += nodes[nid];
	ukmem_seq_printf(m, "%lu", total);
	for_each_online_node(nid)
		if (nodes[nid])
			ukmem_seq_printf(m, " N%d=%lu", nid, nodes[nid]);
	ukmem_seq_puts(m, "\n");
}

/* ---- the attributes -------------------------------------------------------- */

static void slab_size_show(struct seq_buf *m, struct kmem_cache *s)
{
	ukmem_seq_printf(m, "%u\n", s->size);
}

static void object_size_show(struct seq_buf *m, struct kmem_cache *s)
{
	ukmem_seq_printf(m, "%u\n", s->object_size);
}

static void objs_per_slab_show(struct seq_buf *m, struct kmem_cache *s)
{
	ukmem_seq_printf(m, "%u\n", oo_objects(s->oo));
}

static void order_show(struct seq_buf *m, struct kmem_cache *s)
{
	ukmem_seq_printf(m, "%u\n", oo_order(s->oo));
}

static void sheaf_capacity_show(struct seq_buf *m, struct kmem_cache *s)
{
	ukmem_seq_printf(m, "%u\n", s->sheaf_capacity);
}

static void min_partial_show(struct seq_buf *m, struct kmem_cache *s)
{
	ukmem_seq_printf(m, "%lu\n", __atomic_load_n(&s->min_partial, __ATOMIC_RELAXED));
}

/* The slab layer reads min_partial under a list_lock it does not share
 * with this store; like the kernel's, the new value is simply seen by
 * the next free or shrink. */
static int min_partial_store(struct kmem_cache *s, const char *value)
{
	unsigned long long min;
	int ret = ukmem_kstrtoull(value, 10, &min);

	if (ret)
		return ret;
	if (min != (unsigned long)min)
		return -ERANGE;
	__atomic_store_n(&s->min_partial, (unsigned long)min, __ATOMIC_RELAXED);
	return 0;
}

static void cpu_partial_show(struct seq_buf *m, struct kmem_cache *s)
{
	ukmem_seq_printf(m, "%u\n", s->cpu_partial);
}

static void partial_show(struct seq_buf *m, struct kmem_cache *s)
{
	show_slab_objects(m, s, COUNT_PARTIAL);
}

/* SO_CPU: ukmem has no per-CPU slabs (see the top of the file). */
static void cpu_slabs_show(struct seq_buf *m, struct kmem_cache *s)
{
	ukmem_seq_puts(m, "0\n");
}

static void ctor_show(struct seq_buf *m, struct kmem_cache *s)
{
	char sym[128];

	if (s->ctor)
		ukmem_seq_printf(m, "%s\n", ukmem_sprint_symbol(sym, sizeof(sym),
								 (const void *)(uintptr_t)s->ctor));
}

static void aliases_show(struct seq_buf *m, struct kmem_cache *s)
{
	ukmem_seq_printf(m, "%d\n", s->refcount < 0 ? 0 : s->refcount - 1);
}

static void align_show(struct seq_buf *m, struct kmem_cache *s)
{
	ukmem_seq_printf(m, "%u\n", s->align);
}

static void shrink_show(struct seq_buf *m, struct kmem_cache *s)
{
}

static int shrink_store(struct kmem_cache *s, const char *value)
{
	if (value[0] != '1')
		return -EINVAL;
	ukmem_kmem_cache_shrink(s);
	return 0;
}

static void total_objects_show(struct seq_buf *m, struct kmem_cache *s)
{
	show_slab_objects(m, s, COUNT_TOTAL);
}

static void objects_show(struct seq_buf *m, struct kmem_cache *s)
{
	show_slab_objects(m, s, COUNT_OBJECTS);
}

static void slabs_show(struct seq_buf *m, struct kmem_cache *s)
{
	show_slab_objects(m, s, COUNT_SLABS);
}

static void usersize_show(struct seq_buf *m, struct kmem_cache *s)
{
	ukmem_seq_printf(m, "%u\n", s->usersize);
}

/*
 * One row per file, in the order of the kernel's slab_attrs[].  A row with
 * a flag is a flag file: "%d\n" of whether the cache has it.  store NULL:
 * read-only.
 */
struct slab_attr {
	const char *name;
	void (*show)(struct seq_buf *m, struct kmem_cache *s);
	int (*store)(struct kmem_cache *s, const char *value);
	slab_flags_t flag;
};

/* validate: reads empty; "1" checks every slab of the cache (reports go to
 * the log), anything else is -EINVAL, as the kernel's validate_store. */
static void validate_show(struct seq_buf *m, struct kmem_cache *s)
{
}

static int validate_store(struct kmem_cache *s, const char *value)
{
	if (value[0] != '1' || (value[1] && value[1] != '\n'))
		return -EINVAL;
	slub_debug_validate_cache(s);
	return 0;
}

static void alloc_traces_show(struct seq_buf *m, struct kmem_cache *s)
{
	slub_debug_show_traces(s, false, m);
}

static void free_traces_show(struct seq_buf *m, struct kmem_cache *s)
{
	slub_debug_show_traces(s, true, m);
}

/* failslab: 0/1 of SLAB_FAILSLAB, writable as in the kernel: the cache
 * then fails with failslab's cache-filter on. */
static void failslab_show(struct seq_buf *m, struct kmem_cache *s)
{
	ukmem_seq_printf(m, "%d\n", !!(s->flags & SLAB_FAILSLAB));
}

static int failslab_store(struct kmem_cache *s, const char *value)
{
	if ((value[0] != '0' && value[0] != '1') || (value[1] && value[1] != '\n'))
		return -EINVAL;
	if (value[0] == '1')
		__atomic_fetch_or(&s->flags, SLAB_FAILSLAB, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&s->flags, ~SLAB_FAILSLAB, __ATOMIC_RELAXED);
	return 0;
}

static const struct slab_attr slab_attrs[] = {
	{ "slab_size", slab_size_show, NULL, 0 },
	{ "object_size", object_size_show, NULL, 0 },
	{ "objs_per_slab", objs_per_slab_show, NULL, 0 },
	{ "order", order_show, NULL, 0 },
	{ "sheaf_capacity", sheaf_capacity_show, NULL, 0 },
	{ "min_partial", min_partial_show, min_partial_store, 0 },
	{ "cpu_partial", cpu_partial_show, NULL, 0 },
	{ "partial", partial_show, NULL, 0 },
	{ "cpu_slabs", cpu_slabs_show, NULL, 0 },
	{ "ctor", ctor_show, NULL, 0 },
	{ "aliases", aliases_show, NULL, 0 },
	{ "align", align_show, NULL, 0 },
	{ "hwcache_align", NULL, NULL, SLAB_HWCACHE_ALIGN },
	{ "reclaim_account", NULL, NULL, SLAB_RECLAIM_ACCOUNT },
	{ "destroy_by_rcu", NULL, NULL, SLAB_TYPESAFE_BY_RCU },
	{ "shrink", shrink_show, shrink_store, 0 },
	{ "total_objects", total_objects_show, NULL, 0 },
	{ "objects", objects_show, NULL, 0 },
	{ "slabs", slabs_show, NULL, 0 },
	{ "sanity_checks", NULL, NULL, SLAB_CONSISTENCY_CHECKS },
	{ "trace", NULL, NULL, SLAB_TRACE },
	{ "red_zone", NULL, NULL, SLAB_RED_ZONE },
	{ "poison", NULL, NULL, SLAB_POISON },
	{ "store_user", NULL, NULL, SLAB_STORE_USER },
	{ "validate", validate_show, validate_store, 0 },
	{ "cache_dma", NULL, NULL, SLAB_CACHE_DMA },
	{ "failslab", failslab_show, failslab_store, 0 },
	{ "usersize", usersize_show, NULL, 0 },
	/* The kernel's debugfs files (/sys/kernel/debug/slab/<cache>/), for
	 * caches that store their users. */
	{ "alloc_traces", alloc_traces_show, NULL, 0 },
	{ "free_traces", free_traces_show, NULL, 0 },
};

/* ---- path resolution ---------------------------------------------------------- */

/* Split "<cache>/<attr>": the attribute row, and the cache name's length
 * in *cache_len.  NULL if the name is not of that form or the attribute
 * does not exist. */
static const struct slab_attr *attr_lookup(const char *name, size_t *cache_len)
{
	const char *slash = ukmem_strchr(name, '/');

	if (!slash || slash == name || ukmem_strchr(slash + 1, '/'))
		return NULL;
	*cache_len = (size_t)(slash - name);
	for (size_t i = 0; i < ARRAY_LEN(slab_attrs); i++)
		if (!ukmem_strcmp(slab_attrs[i].name, slash + 1))
			return &slab_attrs[i];
	return NULL;
}

/* Does s have the file?  The traces only where users are stored. */
static bool attr_exists(const struct slab_attr *attr, const struct kmem_cache *s)
{
	if (attr->show == alloc_traces_show || attr->show == free_traces_show)
		return s->flags & SLAB_STORE_USER;
	return true;
}

/* The cache created under the first len bytes of name.  slab_mutex held. */
static struct kmem_cache *cache_lookup_locked(const char *name, size_t len)
{
	struct list_head *pos;

	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		if (!ukmem_strncmp(s->name, name, len) && s->name[len] == '\0')
			return s;
	}
	return NULL;
}

int stats_sysfs_slab_show(const char *name, struct seq_buf *m)
{
	const struct slab_attr *attr;
	struct kmem_cache *s;
	size_t len;

	attr = attr_lookup(name, &len);
	if (!attr)
		return -ENOENT;
	if (!slab_ensure_init())
		return -ENOMEM;
	if (!stats_slab_lock())
		return -EAGAIN;
	s = cache_lookup_locked(name, len);
	if (s && !attr_exists(attr, s))
		s = NULL;
	if (s) {
		if (attr->flag)
			ukmem_seq_printf(m, "%d\n", !!(s->flags & attr->flag));
		else
			attr->show(m, s);
	}
	stats_slab_unlock();
	return s ? 0 : -ENOENT;
}

int stats_sysfs_slab_store(const char *name, const char *value)
{
	const struct slab_attr *attr;
	struct kmem_cache *s;
	size_t len;
	int ret;

	attr = attr_lookup(name, &len);
	if (!attr)
		return -ENOENT;
	if (!slab_ensure_init())
		return -ENOMEM;
	/* A signal handler that interrupted ukmem could hold any slab lock. */
	if (ukmem_lock_depth() > 0)
		return -EAGAIN;
	ukmem_lock(&slab_mutex);
	s = cache_lookup_locked(name, len);
	if (s && !attr_exists(attr, s))
		s = NULL;
	ret = !s ? -ENOENT : !attr->store ? -EACCES : attr->store(s, value);
	ukmem_unlock(&slab_mutex);
	return ret;
}
