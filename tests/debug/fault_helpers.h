/*
 * fault_helpers.h - what the fault-injection tests share: the control
 * files of one capability by attribute name, putting a capability back
 * to "off", and a run of allocations written as a pattern ("FF..."),
 * F for a failure and '.' for a success, so an expectation shows which
 * calls failed.
 */
#ifndef UKMEM_TEST_FAULT_HELPERS_H
#define UKMEM_TEST_FAULT_HELPERS_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ukmem.h>
#include <ukmem/fault-inject.h>

#include "harness.h"

#define PATTERN_MAX 64

static inline int fault_write(const char *dir, const char *file, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%s", dir, file);
	return ukmem_ctl_write(path, value);
}

/* Write a value that must be taken; a refusal is a failed check. */
#define FAULT_SET(dir, file, value) do { \
	int _ret = fault_write((dir), (file), (value)); \
	if (_ret != 0) \
		HARNESS_FAIL("write %s/%s = \"%s\": %d", (dir), (file), (value), _ret); \
} while (0)

/* The file's text ("" after a failed read, which is a failed check). */
static inline const char *fault_read(const char *dir, const char *file)
{
	static char buf[4][256];
	static int next;
	char path[128];
	char *out = buf[next++ % 4];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%s", dir, file);
	n = ukmem_ctl_read(path, out, sizeof(buf[0]));
	if (n < 0) {
		HARNESS_FAIL("ukmem_ctl_read(%s) = %zd", path, n);
		out[0] = '\0';
	}
	return out;
}

/* Off, quiet, and every filter at the kernel's default. */
static inline void fault_reset(const char *dir)
{
	FAULT_SET(dir, "probability", "0");
	FAULT_SET(dir, "interval", "1");
	FAULT_SET(dir, "times", "1");
	FAULT_SET(dir, "space", "0");
	FAULT_SET(dir, "verbose", "0");
	FAULT_SET(dir, "verbose_ratelimit_interval_ms", "0");
	FAULT_SET(dir, "verbose_ratelimit_burst", "10");
	FAULT_SET(dir, "task-filter", "N");
	FAULT_SET(dir, "stacktrace-depth", "32");
	FAULT_SET(dir, "require-start", "0");
	FAULT_SET(dir, "require-end", "0xffffffffffffffff");
	FAULT_SET(dir, "reject-start", "0");
	FAULT_SET(dir, "reject-end", "0");
	FAULT_SET(dir, "ignore-gfp-wait", "Y");
	if (!strcmp(dir, "failslab")) {
		FAULT_SET(dir, "cache-filter", "N");
	} else {
		FAULT_SET(dir, "ignore-gfp-highmem", "Y");
		FAULT_SET(dir, "min-order", "1");
	}
}

/* n page allocations of one order, each freed at once. */
static inline const char *page_pattern(int n, gfp_t gfp, unsigned int order)
{
	static __thread char pattern[PATTERN_MAX + 1];

	for (int i = 0; i < n && i < PATTERN_MAX; i++) {
		struct page *page = alloc_pages(gfp, order);

		pattern[i] = page ? '.' : 'F';
		if (page)
			__free_pages(page, order);
		pattern[i + 1] = '\0';
	}
	return pattern;
}

/* n kmallocs of size, each freed at once. */
static inline const char *kmalloc_pattern(int n, size_t size, gfp_t gfp)
{
	static __thread char pattern[PATTERN_MAX + 1];

	for (int i = 0; i < n && i < PATTERN_MAX; i++) {
		void *p = kmalloc(size, gfp);

		pattern[i] = p ? '.' : 'F';
		kfree(p);
		pattern[i + 1] = '\0';
	}
	return pattern;
}

#endif /* UKMEM_TEST_FAULT_HELPERS_H */
