/*
 * page_helpers.h - what the page allocator's tests share: capturing the
 * allocator's log, counting free pages zone by zone, keeping lists of live
 * blocks, and pinning the test thread to one CPU so that "this CPU's
 * per-CPU list" means one list.
 *
 * The log: hosted ukmem writes its reports to stderr or to the file named
 * by UKMEM_LOG, opened at the first message (ukmem_set_log_hook() is a
 * no-op on the hosted platform).  log_setup() must therefore run before
 * anything can log, i.e. before ukmem starts.  Tests take a mark
 * (log_mark()) before causing a fault and read what was written since
 * (log_since()).
 *
 * Include it first: it defines _GNU_SOURCE for the libc headers.  Not a
 * test program itself: tests/CMakeLists.txt builds only test_*.c.
 */
#ifndef UKMEM_TEST_PAGE_HELPERS_H
#define UKMEM_TEST_PAGE_HELPERS_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ukmem/gfp.h>
#include <ukmem/mm.h>
#include <ukmem/ukmem.h>

#include "harness.h"
#include "page/internal.h"
#include "page/mmzone.h"

#define KiB (1024UL)
#define MiB (1024UL * 1024)


/* ---- the log -------------------------------------------------------------- */

static char page_log_path[128];

static inline void page_log_cleanup(void)
{
	if (page_log_path[0] && !getenv("UKMEM_TEST_KEEP_LOG"))
		unlink(page_log_path);
}

/* Point UKMEM_LOG at a fresh temporary file.  Before ukmem starts. */
static inline void log_setup(const char *tag)
{
	int fd;

	snprintf(page_log_path, sizeof(page_log_path), "/tmp/ukmem-test-%s-XXXXXX", tag);
	fd = mkstemp(page_log_path);
	if (fd < 0) {
		perror("mkstemp");
		exit(2);
	}
	close(fd);
	setenv("UKMEM_LOG", page_log_path, 1);
	atexit(page_log_cleanup);
}

static inline size_t log_mark(void)
{
	struct stat st;

	return stat(page_log_path, &st) == 0 ? (size_t)st.st_size : 0;
}

/* Everything logged since mark, NUL-terminated; the caller frees it. */
static inline char *log_since(size_t mark)
{
	size_t end = log_mark(), len = end > mark ? end - mark : 0, got = 0;
	char *buf = malloc(len + 1);
	int fd = open(page_log_path, O_RDONLY);

	if (!buf)
		abort();
	if (fd >= 0) {
		while (got < len) {
			ssize_t n = pread(fd, buf + got, len - got, (off_t)(mark + got));

			if (n <= 0)
				break;
			got += (size_t)n;
		}
		close(fd);
	}
	buf[got] = '\0';
	return buf;
}

/* Occurrences of needle in the log since mark. */
static inline int log_count_since(size_t mark, const char *needle)
{
	char *text = log_since(mark);
	int n = count_substr(text, needle);

	free(text);
	return n;
}

#define BAD_PAGE "BUG: Bad page state in process"

/* ---- zones and counts ------------------------------------------------------- */

static inline struct zone *zone_of(int nid, int z)
{
	return &NODE_DATA(nid)->node_zones[z];
}

#define for_each_populated_zone(zone) \
	for (int _n = 0; _n < ukmem_mm.nr_nodes; _n++) \
		for (int _z = 0; _z < MAX_NR_ZONES; _z++) \
			if (((zone) = zone_of(_n, _z)), populated_zone(zone))

/* NR_FREE_PAGES summed over every zone (pages on per-CPU lists excluded). */
static inline unsigned long total_free_pages(void)
{
	struct zone *zone;
	unsigned long sum = 0;

	for_each_populated_zone(zone)
		sum += zone_page_state(zone, NR_FREE_PAGES);
	return sum;
}

static inline unsigned long zone_pcp_pages(const struct zone *zone)
{
	unsigned long sum = 0;

	for (int cpu = 0; cpu < ukmem_mm.nr_cpus; cpu++)
		sum += (unsigned long)__atomic_load_n(&zone->per_cpu_pageset[cpu].count,
						      __ATOMIC_RELAXED);
	return sum;
}

/* Pages sitting on every per-CPU list of every zone. */
static inline unsigned long total_pcp_pages(void)
{
	struct zone *zone;
	unsigned long sum = 0;

	for_each_populated_zone(zone)
		sum += zone_pcp_pages(zone);
	return sum;
}

/* Pages nobody has allocated: free in the buddy lists or parked per CPU. */
static inline unsigned long total_unallocated_pages(void)
{
	return total_free_pages() + total_pcp_pages();
}

/* Free pages after every per-CPU list went back to the buddy allocator. */
static inline unsigned long drained_free_pages(void)
{
	ukmem_drain_all();
	return total_free_pages();
}

static inline unsigned long total_managed_pages(void)
{
	struct zone *zone;
	unsigned long sum = 0;

	for_each_populated_zone(zone)
		sum += zone->managed_pages;
	return sum;
}

/* ---- lists of live blocks --------------------------------------------------- */

struct block {
	struct page *page;
	unsigned int order;
};

struct block_list {
	struct block *v;
	size_t n, cap;
};

static inline void blocks_push(struct block_list *l, struct page *page, unsigned int order)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->n++] = (struct block){ page, order };
}

static inline void blocks_free_all(struct block_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		__free_pages(l->v[i].page, l->v[i].order);
	l->n = 0;
}

static inline void blocks_release(struct block_list *l)
{
	blocks_free_all(l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

/* Allocate blocks of one order with gfp until the allocator says no;
 * returns how many were added to l. */
static inline size_t alloc_until_fail(struct block_list *l, gfp_t gfp, unsigned int order)
{
	size_t n = 0;
	struct page *page;

	while ((page = alloc_pages(gfp, order)) != NULL) {
		blocks_push(l, page, order);
		n++;
	}
	return n;
}

/* ---- CPUs ------------------------------------------------------------------- */

/* Run the calling thread on one CPU only (the first it may use), so that
 * ukmem_plat_cpu() stays the same from one call to the next.  Returns the
 * CPU. */
static inline int pin_to_one_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, &set))
				continue;
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set) == 0)
				return ukmem_plat_cpu();
			break;
		}
	}
	return ukmem_plat_cpu();
}

/* ---- the kernel's formulas, written out again ---------------------------- */

static inline unsigned long ref_int_sqrt(unsigned long x)
{
	unsigned long r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/* Start ukmem with options or stop the program: the tests of a program
 * all need the allocator their setup asked for. */
static inline void start_ukmem(const char *options)
{
	int ret = ukmem_init(options);

	if (ret != 0) {
		fprintf(stderr, "ukmem_init(\"%s\") = %d\n", options, ret);
		exit(2);
	}
}

#endif /* UKMEM_TEST_PAGE_HELPERS_H */
