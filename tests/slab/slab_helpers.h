/*
 * slab_helpers.h - what the slab layer's tests share: capturing ukmem's log
 * through ukmem_set_log_hook(), counting the pages nobody holds, naming the
 * cache of an object, and knowing which sanitizer the test runs under.
 *
 * The log: the hook appends every message to one static buffer.  Appending
 * reserves its bytes with one atomic add, so the hook is safe from any
 * thread, with ukmem locks held, and from a signal handler; it never
 * allocates.  Tests take a mark (log_mark()) before causing a fault and
 * count what was written since (log_count_since()).
 *
 * Not a test program itself: tests/CMakeLists.txt builds only test_*.c.
 */
#ifndef UKMEM_TEST_SLAB_HELPERS_H
#define UKMEM_TEST_SLAB_HELPERS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ukmem/gfp.h>
#include <ukmem/mm.h>
#include <ukmem/slab.h>
#include <ukmem/ukmem.h>

#include "harness.h"
#include "page/mmzone.h"
#include "platform/platform.h"
#include "slab/slab.h"


#define KiB (1024UL)
#define MiB (1024UL * 1024)

/* ---- the log -------------------------------------------------------------- */

#define SLAB_LOG_SIZE (4u << 20)
static char slab_log_buf[SLAB_LOG_SIZE + 1];
static size_t slab_log_len;		/* bytes reserved; atomic */
static int slab_log_echo = -1;		/* UKMEM_TEST_ECHO_LOG set: copy to stderr */

static void slab_log_hook(const char *msg, size_t len)
{
	size_t at = __atomic_fetch_add(&slab_log_len, len, __ATOMIC_RELAXED);

	if (at < SLAB_LOG_SIZE) {
		size_t n = len < SLAB_LOG_SIZE - at ? len : SLAB_LOG_SIZE - at;

		memcpy(slab_log_buf + at, msg, n);
	}
	if (slab_log_echo > 0) {
		ssize_t r = write(2, msg, len);
		(void)r;
	}
}

/* Install the hook; any time, before or after ukmem starts. */
static inline void log_setup(void)
{
	slab_log_echo = getenv("UKMEM_TEST_ECHO_LOG") != NULL;
	ukmem_set_log_hook(slab_log_hook);
}

static inline size_t log_mark(void)
{
	size_t n = __atomic_load_n(&slab_log_len, __ATOMIC_ACQUIRE);

	return n < SLAB_LOG_SIZE ? n : SLAB_LOG_SIZE;
}

/* Everything logged since mark, NUL-terminated; the caller frees it. */
static inline char *log_since(size_t mark)
{
	size_t end = log_mark(), len = end > mark ? end - mark : 0;
	char *text = malloc(len + 1);

	if (!text)
		abort();
	memcpy(text, slab_log_buf + mark, len);
	text[len] = '\0';
	return text;
}

static inline int log_count_since(size_t mark, const char *needle)
{
	char *text = log_since(mark);
	int n = count_substr(text, needle);

	free(text);
	return n;
}

/* Expect needle in the log since mark; on failure print what was logged. */
#define EXPECT_LOGGED(mark, needle) do { \
	char *_t = log_since(mark); \
	EXPECT_CONTAINS(_t, needle); \
	free(_t); \
} while (0)

/* Expect nothing at all logged since mark. */
#define EXPECT_LOG_SILENT(mark) do { \
	char *_t = log_since(mark); \
	if (_t[0]) \
		HARNESS_FAIL("expected no message, the log has:\n%s", _t); \
	free(_t); \
} while (0)

/* ---- isolation -------------------------------------------------------------- */

/*
 * Run fn in a forked child (a copy of ukmem and of the log as they are now)
 * so that a test which makes the library crash or hang fails on its own
 * instead of taking the rest of the program with it.  The child's failed
 * checks print as usual; the parent records one failure if the child had
 * any, died of a signal, or ran past timeout_s seconds.  Call it only
 * while the process has one thread.
 */
static inline void run_isolated(void (*fn)(void), const char *what, unsigned int timeout_s)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		HARNESS_FAIL("fork for %s failed", what);
		return;
	}
	if (pid == 0) {
		harness_failed_checks = 0;
		alarm(timeout_s);
		fn();
		fflush(stdout);
		fflush(stderr);
		_exit(harness_failed_checks ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid) {
		HARNESS_FAIL("waitpid for %s failed", what);
		return;
	}
	if (WIFSIGNALED(status))
		HARNESS_FAIL("%s: the child died of signal %d (%s)%s", what, WTERMSIG(status),
			     strsignal(WTERMSIG(status)),
			     WTERMSIG(status) == SIGALRM ? ": it hung" : "");
	else if (WEXITSTATUS(status) != 0)
		HARNESS_FAIL("%s: failed in the child (exit status %d)", what, WEXITSTATUS(status));
}

/* ---- pages ------------------------------------------------------------------- */

/* Pages nobody holds: free in the buddy lists plus parked on per-CPU lists
 * (so the count does not depend on which CPU's list a page went to). */
static inline unsigned long unallocated_pages(void)
{
	unsigned long sum = 0;

	for (int nid = 0; nid < ukmem_mm.nr_nodes; nid++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[z];

			if (!zone->present_pages)
				continue;
			sum += zone_page_state(zone, NR_FREE_PAGES);
			for (int cpu = 0; cpu < ukmem_mm.nr_cpus; cpu++)
				sum += (unsigned long)__atomic_load_n(
					&zone->per_cpu_pageset[cpu].count, __ATOMIC_RELAXED);
		}
	}
	return sum;
}

/* Free pages after this CPU's lists went back to the buddy allocator. */
static inline unsigned long drained_unallocated_pages(void)
{
	ukmem_drain_all();
	return unallocated_pages();
}

/* Keep the calling thread on one CPU, so that ukmem_drain_all() ("this
 * CPU's lists") reaches every page the test freed. */
static inline void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ---- slabs and caches --------------------------------------------------------- */

static inline struct slab *slab_of(const void *p)
{
	return (struct slab *)(void *)compound_head(virt_to_page(p));
}

static inline struct kmem_cache *cache_of(const void *p)
{
	return slab_of(p)->slab_cache;
}

static inline const char *cache_name_of(const void *p)
{
	struct kmem_cache *s = cache_of(p);

	return s ? s->name : "(no cache)";
}

/* Slabs of a cache on every node (as the cache's counters say). */
static inline unsigned long cache_slabs(struct kmem_cache *s)
{
	unsigned long n = 0;

	for (int nid = 0; nid < MAX_NUMNODES; nid++)
		n += __atomic_load_n(&s->node[nid].nr_slabs, __ATOMIC_RELAXED);
	return n;
}

static inline unsigned long cache_total_objects(struct kmem_cache *s)
{
	unsigned long n = 0;

	for (int nid = 0; nid < MAX_NUMNODES; nid++)
		n += __atomic_load_n(&s->node[nid].total_objects, __ATOMIC_RELAXED);
	return n;
}

/*
 * The known-geometry check: what a kernel shows for a cache in
 * /sys/kernel/slab/<cache>/ (objs_per_slab, order, align, slab_size).  An
 * entry for a normal kmalloc cache ("kmalloc-96") holds for its dma-,
 * rcl- and cg- twins too: the kernel makes every type of a size with the
 * same create_kmalloc_cache().
 */
struct known_geometry {
	const char *name;
	unsigned int objects, order, align, slab_size;
};

static inline struct kmem_cache *find_cache(const char *name);

static inline void expect_one_known_geometry(const struct known_geometry *known,
					     const char *name)
{
	struct kmem_cache *s = find_cache(name);
	int before = harness_failed_checks;

	if (!s) {
		HARNESS_FAIL("no cache %s", name);
		return;
	}
	EXPECT_UEQ(oo_objects(s->oo), known->objects);
	EXPECT_UEQ(oo_order(s->oo), known->order);
	EXPECT_UEQ(s->align, known->align);
	EXPECT_UEQ(s->size, known->slab_size);
	if (harness_failed_checks != before)
		fprintf(stderr, "  ... for %s\n", name);
}

/* Each named cache (and each kmalloc cache's twins) has the geometry given. */
static inline void expect_known_geometry(const struct known_geometry *known, size_t n)
{
	static const char *const twins[] = { "dma-kmalloc-", "kmalloc-rcl-", "kmalloc-cg-" };

	for (size_t i = 0; i < n; i++) {
		expect_one_known_geometry(&known[i], known[i].name);
		if (strncmp(known[i].name, "kmalloc-", 8))
			continue;
		for (size_t t = 0; t < sizeof(twins) / sizeof(twins[0]); t++) {
			char name[64];

			snprintf(name, sizeof(name), "%s%s", twins[t], known[i].name + 8);
			expect_one_known_geometry(&known[i], name);
		}
	}
}

/* A live cache by name (newest first), or NULL. */
static inline struct kmem_cache *find_cache(const char *name)
{
	struct kmem_cache *found = NULL;
	struct list_head *pos;

	ukmem_lock(&slab_mutex);
	for (pos = slab_caches.prev; pos != &slab_caches; pos = pos->prev) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		if (!strcmp(s->name, name)) {
			found = s;
			break;
		}
	}
	ukmem_unlock(&slab_mutex);
	return found;
}

/* Give back the empty slabs of every kmalloc cache (objects the library
 * kmallocs for its own bookkeeping, e.g. caller sheaves, leave slabs
 * behind that a test counting pages must not mistake for a leak). */
static inline void shrink_kmalloc_caches(void)
{
	for (int type = 0; type < NR_KMALLOC_TYPES; type++)
		for (int idx = 0; idx <= KMALLOC_SHIFT_HIGH; idx++)
			if (ukmem_kmalloc_caches[type][idx])
				kmem_cache_shrink(ukmem_kmalloc_caches[type][idx]);
}

/* Pages held by a cache's slabs (each slab of its preferred order). */
static inline unsigned long cache_pages(struct kmem_cache *s)
{
	return s ? cache_slabs(s) << oo_order(s->oo) : 0;
}

static inline int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* Number of pointers that occur more than once in p[0..n). Sorts p. */
static inline size_t count_duplicates(void **p, size_t n)
{
	size_t dups = 0;

	qsort(p, n, sizeof(*p), cmp_ptr);
	for (size_t i = 1; i < n; i++)
		if (p[i] == p[i - 1])
			dups++;
	return dups;
}

#endif /* UKMEM_TEST_SLAB_HELPERS_H */
