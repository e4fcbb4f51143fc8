/*
 * hosted_valgrind.c - ukmem's objects as memcheck sees them: client
 * requests from valgrind's own headers (Debian's valgrind package), when
 * they are there at build time; without them every call does nothing and
 * ukmem_plat_on_valgrind() is false.
 *
 * The requests are a few instructions that valgrind recognises and a
 * plain CPU runs as no-ops, so the calls are safe outside valgrind too;
 * the slab layer makes them only while running under memcheck (its hooks
 * bit).
 */
#include "platform/platform.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define UKMEM_HAVE_VALGRIND 1
#endif
#endif

#ifdef UKMEM_HAVE_VALGRIND
#include <stdlib.h>
#include <string.h>

/* Under memcheck, not any valgrind tool: callgrind and cachegrind count
 * the fast paths, which the annotations would turn off.  valgrind preloads
 * its tool's own library into the program. */
bool ukmem_plat_on_valgrind(void)
{
	const char *preload;

	if (!RUNNING_ON_VALGRIND)
		return false;
	preload = getenv("LD_PRELOAD");
	return preload && strstr(preload, "vgpreload_memcheck");
}

void ukmem_plat_vg_mark(const void *addr, size_t size, int state)
{
	if (state == PLAT_VG_NOACCESS)
		(void)VALGRIND_MAKE_MEM_NOACCESS(addr, size);
	else if (state == PLAT_VG_UNDEFINED)
		(void)VALGRIND_MAKE_MEM_UNDEFINED(addr, size);
	else
		(void)VALGRIND_MAKE_MEM_DEFINED(addr, size);
}

void ukmem_plat_vg_block(const void *addr, size_t size, bool alloc, bool zeroed)
{
	if (alloc)
		VALGRIND_MALLOCLIKE_BLOCK(addr, size, 0, zeroed);
	else
		VALGRIND_FREELIKE_BLOCK(addr, 0);
}

void ukmem_plat_vg_errors(bool on)
{
	if (on)
		VALGRIND_ENABLE_ERROR_REPORTING;
	else
		VALGRIND_DISABLE_ERROR_REPORTING;
}
#else
bool ukmem_plat_on_valgrind(void)
{
	return false;
}

void ukmem_plat_vg_mark(const void *addr, size_t size, int state)
{
}

void ukmem_plat_vg_block(const void *addr, size_t size, bool alloc, bool zeroed)
{
}

void ukmem_plat_vg_errors(bool on)
{
}
#endif
