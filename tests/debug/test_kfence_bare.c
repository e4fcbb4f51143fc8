/*
 * test_kfence_bare.c - KFENCE on the bare platform, which cannot guard
 * pages or catch faults: a sample interval is refused with the message,
 * KFENCE stays off and samples nothing.  Linked against ukmem_bare.
 */
#include <stdint.h>

#include <ukmem.h>

#include "harness.h"
#include "log.h"
#include "debug/debug.h"
#include "lib/errno.h"

TEST(kfence_is_refused_and_stays_off)
{
	static int cache;
	int local;

	log_clear();
	ukmem_set_log_hook(log_capture);
	EXPECT_EQ(kfence_setup(100, -1), -EINVAL);
	EXPECT_EQ(count_substr(log_text, "kfence: not available on this platform\n"), 1);
	EXPECT_FALSE(debug_hooks() & DEBUG_HOOK_KFENCE);
	EXPECT_TRUE(kfence_alloc(&cache, "kmalloc-32", 32, 8, 0) == NULL);
	EXPECT_FALSE(is_kfence_address(&local));
	EXPECT_FALSE(is_kfence_address(NULL));
	/* Off and unset are no requests: accepted without a word. */
	EXPECT_EQ(kfence_setup(0, -1), 0);
	EXPECT_EQ(kfence_setup(-1, -1), 0);
	EXPECT_EQ(count_substr(log_text, "kfence"), 1);
	ukmem_set_log_hook(NULL);
}

RUN_TESTS(T(kfence_is_refused_and_stays_off))
