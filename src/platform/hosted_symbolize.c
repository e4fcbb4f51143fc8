/*
 * hosted_symbolize.c - code addresses to names for reports, on Linux:
 * ukmem_plat_symbolize() prints the kernel's %pS form, "sym+0xoff/0xsize".
 *
 * Theory
 * ------
 * 1. Two sources.  With libdw (elfutils; UKMEM_HAVE_LIBDW when CMake found
 *    it) a dwfl session built from /proc/self/maps reads every loaded
 *    object's full symbol table, .symtab included, so static functions
 *    have names and every symbol its size.  Without it, or when it cannot
 *    answer, dladdr1() reads the dynamic symbol table: exported symbols
 *    only, with their size (RTLD_DL_SYMENT); an address that no dynamic
 *    symbol covers prints as "libfoo.so+0xoff" from the object's base.
 *
 * 2. libdw is loaded when the first name is needed (dlopen of
 *    libdw.so.1), not linked: a program that never prints a stack does
 *    not carry libdw, libelf and their compressors (about 0.5 MiB of
 *    resident memory at start), and every library and program that links
 *    ukmem gets libdw's names when the library is installed, dladdr's
 *    when it is not.  Only its header is needed at build time.
 *
 * 3. libdw mallocs, and the process's malloc may be ukmem (LD_PRELOAD of
 *    libukmem-malloc.so), called while a report is printed.  So:
 *    - the session is made lazily, by the first symbolize, not at load:
 *      a program that never prints a stack never pays for it;
 *    - a thread-local flag marks a thread inside the session; a nested
 *      call (ukmem's malloc reporting from inside libdw, or a signal
 *      handler that interrupted us) uses dladdr and takes no lock;
 *    - a failed malloc inside libdw only makes this call fall back, and
 *      the session is tried again next time.
 *    This is the one platform function that may allocate (platform.h).
 *
 * 4. Loaded objects change (dlopen, dlclose).  The loader counts them
 *    (dl_iterate_phdr's dlpi_adds and dlpi_subs); when the count moved
 *    since the session last read /proc/self/maps, the module list is
 *    read again before the lookup, so a library opened later is found
 *    and a closed one's addresses are not misnamed.
 *
 * 5. No /proc (a chroot, a sandbox): the session cannot be made and is not
 *    tried again; dladdr answers.
 *
 * Locks: symbolize_lock, a raw platform lock (a leaf: nothing else is
 * taken under it except libdw's and malloc's own), guards the session.
 * A fork child whose parent forked while another thread held it starts a
 * new session: the old one may be half updated.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ThreadSanitizer stops a program whose signal handler mallocs, and a
 * report printed from a program's own handler (a bad free there) would
 * make libdw malloc: TSan builds name frames with dladdr only. */
#if defined(__SANITIZE_THREAD__)
#undef UKMEM_HAVE_LIBDW
#endif

#ifdef UKMEM_HAVE_LIBDW
#include <elfutils/libdwfl.h>
#endif

#include "platform/platform.h"
#include "platform/hosted_internal.h"

/* Inside the libdw session, or in a signal handler of ukmem's own: dladdr
 * only on this thread. */
static UKMEM_THREAD_LOCAL bool symbolize_busy;

bool hosted_symbolize_in_handler(bool on)
{
	bool was = symbolize_busy;

	symbolize_busy = on;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return was;
}

/* The kernel's %pS: "sym+0xoff/0xsize"; without a size, "sym+0xoff".  A
 * symbol table may name a versioned symbol "__libc_start_main@@GLIBC_2.34":
 * the version is not part of the function's name, so it is left out. */
static const char *format_symbol(char *buf, size_t size, const char *name,
				 unsigned long off, unsigned long sym_size)
{
	int len = (int)strcspn(name, "@");

	if (sym_size)
		snprintf(buf, size, "%.*s+0x%lx/0x%lx", len, name, off, sym_size);
	else
		snprintf(buf, size, "%.*s+0x%lx", len, name, off);
	return buf;
}

static const char *symbolize_dladdr(void *addr, char *buf, size_t size)
{
	const ElfW(Sym) *sym = NULL;
	Dl_info info;

	if (!dladdr1(addr, &info, (void **)&sym, RTLD_DL_SYMENT))
		return NULL;
	if (info.dli_sname && info.dli_saddr)
		return format_symbol(buf, size, info.dli_sname,
				     (unsigned long)((char *)addr - (char *)info.dli_saddr),
				     sym ? (unsigned long)sym->st_size : 0);
	if (info.dli_fname && *info.dli_fname && info.dli_fbase) {
		const char *base = strrchr(info.dli_fname, '/');

		snprintf(buf, size, "%s+0x%lx", base ? base + 1 : info.dli_fname,
			 (unsigned long)((char *)addr - (char *)info.dli_fbase));
		return buf;
	}
	return NULL;
}

#ifdef UKMEM_HAVE_LIBDW

/* libdw's functions, from dlopen (theory 2); under symbolize_lock. */
static struct {
	bool tried, loaded;
	Dwfl *(*begin)(const Dwfl_Callbacks *);
	void (*end)(Dwfl *);
	void (*report_begin)(Dwfl *);
	int (*report_end)(Dwfl *, int (*)(Dwfl_Module *, void *, const char *, Dwarf_Addr,
					  void *), void *);
	int (*linux_proc_report)(Dwfl *, pid_t);
	Dwfl_Module *(*addrmodule)(Dwfl *, Dwarf_Addr);
	const char *(*module_addrinfo)(Dwfl_Module *, GElf_Addr, GElf_Off *, GElf_Sym *,
				       GElf_Word *, Elf **, Dwarf_Addr *);
	Dwfl_Callbacks callbacks;
} dw;

#define DW_SYM(field, name) \
	(*(void **)&dw.field = dlsym(lib, name)) != NULL

static bool dw_load_locked(void)
{
	void *lib;

	if (dw.tried)
		return dw.loaded;
	dw.tried = true;
	lib = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return false;
	dw.loaded = DW_SYM(begin, "dwfl_begin") && DW_SYM(end, "dwfl_end") &&
		    DW_SYM(report_begin, "dwfl_report_begin") &&
		    DW_SYM(report_end, "dwfl_report_end") &&
		    DW_SYM(linux_proc_report, "dwfl_linux_proc_report") &&
		    DW_SYM(addrmodule, "dwfl_addrmodule") &&
		    DW_SYM(module_addrinfo, "dwfl_module_addrinfo") &&
		    DW_SYM(callbacks.find_elf, "dwfl_linux_proc_find_elf") &&
		    DW_SYM(callbacks.find_debuginfo, "dwfl_standard_find_debuginfo");
	return dw.loaded;
}

enum { SESSION_NONE, SESSION_UP, SESSION_NEVER };

static plat_lock_t symbolize_lock = PLAT_LOCK_INIT;
static Dwfl *session;			/* under symbolize_lock */
static int session_state;		/* SESSION_*, under symbolize_lock */
static unsigned long long session_generation;	/* loader count at the last read */

static int generation_of(struct dl_phdr_info *info, size_t size, void *data)
{
	unsigned long long *generation = data;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs))
		*generation = info->dlpi_adds + info->dlpi_subs;
	return 1;	/* the counts are the same in every entry: one is enough */
}

static unsigned long long loader_generation(void)
{
	unsigned long long generation = 0;

	dl_iterate_phdr(generation_of, &generation);
	return generation;
}

/* Read /proc/self/maps into the session: 0, or the errno of the failure. */
static int session_report_locked(void)
{
	int err;

	dw.report_begin(session);
	err = dw.linux_proc_report(session, getpid());
	if (dw.report_end(session, NULL, NULL) != 0 && err == 0)
		err = ENOMEM;
	return err;
}

static bool session_ready_locked(void)
{
	unsigned long long generation;
	int err;

	if (session_state == SESSION_NEVER || !dw_load_locked())
		return false;
	generation = loader_generation();
	if (session_state == SESSION_UP && generation == session_generation)
		return true;
	if (!session)
		session = dw.begin(&dw.callbacks);
	err = session ? session_report_locked() : ENOMEM;
	if (err) {
		/* Out of memory (ENOMEM, or -1: a module could not be
		 * added) may pass; a missing /proc/self/maps will not. */
		if (session)
			dw.end(session);
		session = NULL;
		session_state = err > 0 && err != ENOMEM ? SESSION_NEVER : SESSION_NONE;
		return false;
	}
	session_state = SESSION_UP;
	session_generation = generation;
	return true;
}

static const char *symbolize_libdw(void *addr, char *buf, size_t size)
{
	const char *result = NULL;

	ukmem_plat_lock(&symbolize_lock);
	if (session_ready_locked()) {
		Dwarf_Addr where = (Dwarf_Addr)(uintptr_t)addr;
		Dwfl_Module *mod = dw.addrmodule(session, where);
		GElf_Off off = 0;
		GElf_Sym sym;
		const char *name = mod ? dw.module_addrinfo(mod, where, &off, &sym, NULL, NULL,
							    NULL) : NULL;

		if (name && *name)
			result = format_symbol(buf, size, name, (unsigned long)off,
					       (unsigned long)sym.st_size);
	}
	ukmem_plat_unlock(&symbolize_lock);
	return result;
}

/* The child is alone: if another thread of the parent was inside the
 * session, forget that session (it may be half updated) and the lock. */
static void symbolize_after_fork(void)
{
	if (symbolize_lock.word != 0) {
		session = NULL;
		session_state = SESSION_NONE;
		symbolize_lock = (plat_lock_t)PLAT_LOCK_INIT;
	}
}

__attribute__((constructor))
static void symbolize_init(void)
{
	int saved_errno = errno;

	pthread_atfork(NULL, NULL, symbolize_after_fork);
	errno = saved_errno;
}

#else

static const char *symbolize_libdw(void *addr, char *buf, size_t size)
{
	(void)addr;
	(void)buf;
	(void)size;
	return NULL;
}

#endif /* UKMEM_HAVE_LIBDW */

const char *ukmem_plat_symbolize(void *addr, char *buf, size_t size)
{
	int saved_errno = errno;
	const char *result = NULL;

	if (!buf || size == 0)
		return NULL;
	if (!symbolize_busy) {
		symbolize_busy = true;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		result = symbolize_libdw(addr, buf, size);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		symbolize_busy = false;
	}
	if (!result)
		result = symbolize_dladdr(addr, buf, size);
	errno = saved_errno;
	return result;
}
