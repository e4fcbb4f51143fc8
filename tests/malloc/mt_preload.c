/*
 * mt_preload.c - a program that knows nothing of ukmem, run with
 * LD_PRELOAD=libukmem-malloc.so and UKMEM_OPTIONS=mem=2G (CTest sets
 * both): the first allocations come from ld.so and libc before main, the
 * options are honoured although nobody calls ukmem_init, and malloc is
 * ukmem's.  ukmem's API is found with dlsym, as a tool would.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "harness.h"

static ssize_t (*ctl_read)(const char *, char *, size_t);
static bool (*addr_valid)(const void *);

TEST(preloaded)
{
	*(void **)&ctl_read = dlsym(RTLD_DEFAULT, "ukmem_ctl_read");
	*(void **)&addr_valid = dlsym(RTLD_DEFAULT, "ukmem_virt_addr_valid");
	ASSERT_NOT_NULL(ctl_read);
	ASSERT_NOT_NULL(addr_valid);
}

TEST(malloc_is_ukmem)
{
	char *s = strdup("hello");
	void *p = malloc(100000);

	ASSERT_NOT_NULL(addr_valid);
	EXPECT_TRUE(addr_valid(s));
	EXPECT_TRUE(addr_valid(p));
	free(s);
	free(p);
}

TEST(options_honoured)
{
	char buf[8192];
	const char *line;
	long total_kb;

	ASSERT_NOT_NULL(ctl_read);
	ASSERT_TRUE(ctl_read("/proc/meminfo", buf, sizeof(buf)) > 0);
	line = strstr(buf, "MemTotal:");
	ASSERT_NOT_NULL(line);
	total_kb = strtol(line + 9, NULL, 10);
	printf("  MemTotal: %ld kB with UKMEM_OPTIONS=%s\n", total_kb,
	       getenv("UKMEM_OPTIONS") ? getenv("UKMEM_OPTIONS") : "(unset)");
	/* mem=2G, less what the memmap and reserves take. */
	EXPECT_LE(total_kb, 2L * 1024 * 1024);
	EXPECT_GE(total_kb, 2L * 1024 * 1024 * 9 / 10);
}

TEST(stdio_and_environment)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_NOT_NULL(f);
	for (int i = 0; i < 10000; i++)
		fprintf(f, "%d,", i);
	fclose(f);
	EXPECT_GE(len, 10000);
	EXPECT_TRUE(addr_valid(buf));
	free(buf);
	EXPECT_EQ(setenv("MT_PRELOAD_VAR", "value", 1), 0);
	EXPECT_STREQ(getenv("MT_PRELOAD_VAR"), "value");
}

RUN_TESTS(T(preloaded), T(malloc_is_ukmem), T(options_honoured), T(stdio_and_environment))
