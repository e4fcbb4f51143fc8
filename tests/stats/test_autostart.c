/*
 * test_autostart.c - a control file is the first call into ukmem: the
 * read starts ukmem (from UKMEM_OPTIONS, as the first allocation would)
 * and then shows it.
 */
#include <stdlib.h>
#include <string.h>

#include <ukmem/ukmem.h>

#include "harness.h"

static void setup(void)
{
	setenv("UKMEM_OPTIONS", "mem=32M", 1);
}

TEST(read_starts_ukmem)
{
	static char text[1 << 16];

	EXPECT_FALSE(ukmem_initialized());
	EXPECT_GT(ukmem_ctl_read("/proc/meminfo", text, sizeof(text)), 0);
	EXPECT_TRUE(ukmem_initialized());
	EXPECT_TRUE(!strncmp(text, "MemTotal:       ", 16));
}

RUN_TESTS_SETUP(setup, T(read_starts_ukmem))
