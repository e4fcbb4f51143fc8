/*
 * debug_helpers.h - what the debug tools' tests share: whether reports
 * name static functions, and a thread to leak from.  Include after
 * harness.h.
 */
#ifndef UKMEM_TEST_DEBUG_HELPERS_H
#define UKMEM_TEST_DEBUG_HELPERS_H

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>

/* Do reports name static functions?  ukmem loads libdw.so.1 when it
 * names a frame, if it is there; TSan builds use dladdr only. */
static inline bool have_libdw(void)
{
	void *lib;

	if (UNDER_TSAN)
		return false;
	lib = dlopen("libdw.so.1", RTLD_LAZY | RTLD_LOCAL);
	if (lib)
		dlclose(lib);
	return lib != NULL;
}

static inline void *debug_thread_trampoline(void *arg)
{
	((void (*)(void))arg)();
	return NULL;
}

/*
 * Run fn on a thread of its own and wait for it to end.  A leak made there
 * leaves no stale copy of its address in this thread's registers or dead
 * stack slots (which an unoptimised build keeps many of, and which a
 * conservative scan takes for references); the ended thread's stack is no
 * longer scanned.
 */
static inline void run_in_thread(void (*fn)(void))
{
	pthread_t t;

	if (pthread_create(&t, NULL, debug_thread_trampoline, (void *)fn) != 0) {
		HARNESS_FAIL("%s", "pthread_create failed");
		return;
	}
	pthread_join(t, NULL);
}

#endif /* UKMEM_TEST_DEBUG_HELPERS_H */
