/*
 * ctl.h - what tests of the control files share: starting ukmem with a
 * boot string, and reading a whole control file.
 */
#ifndef UKMEM_TEST_CTL_H
#define UKMEM_TEST_CTL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ukmem/ukmem.h>

#include "harness.h"

#define TEXT_SIZE (1UL << 20)

/* ukmem_init(options), or leave the test program at once. */
static inline void start_ukmem(const char *options)
{
	int ret = ukmem_init(options);

	if (ret != 0) {
		fprintf(stderr, "ukmem_init(\"%s\") = %d\n", options, ret);
		exit(1);
	}
}

/* The whole file in a fresh buffer (free it), or NULL after a failure
 * (counted as a failed check). */
static inline char *read_ctl(const char *path)
{
	char *buf = malloc(TEXT_SIZE);
	ssize_t n;

	if (!buf)
		return NULL;
	n = ukmem_ctl_read(path, buf, TEXT_SIZE);
	if (n < 0 || (size_t)n != strlen(buf)) {
		HARNESS_FAIL("ukmem_ctl_read(%s) = %zd, strlen %zu", path, n, strlen(buf));
		free(buf);
		return NULL;
	}
	return buf;
}

/* A counter of /proc/vmstat by name; a missing name is a failed check. */
static inline unsigned long read_vmstat(const char *name)
{
	char *text = read_ctl("/proc/vmstat"), *p;
	size_t len = strlen(name);
	unsigned long v = 0;
	bool found = false;

	for (p = text; p && *p && !found; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, name, len) && p[len] == ' ') {
			v = strtoul(p + len + 1, NULL, 10);
			found = true;
		}
	free(text);
	if (!found)
		HARNESS_FAIL("no %s in /proc/vmstat", name);
	return v;
}

#endif /* UKMEM_TEST_CTL_H */
