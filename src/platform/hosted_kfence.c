/*
 * hosted_kfence.c - KFENCE's part of the Linux platform: page protection
 * and the SIGSEGV handler that turns a touch of a guard page or a freed
 * object into a report (the kernel's page-fault path calling
 * kfence_handle_page_fault).
 *
 * Theory
 * ------
 * The handler is installed once, with SA_SIGINFO (the address and the
 * ucontext) and SA_ONSTACK (a program that set up an alternate stack for
 * its own SIGSEGV keeps it), but not SA_NODEFER: SIGSEGV stays blocked
 * while the handler runs, which is how the lock-rank check
 * (lib/lockrank.h, theory 3) tells a handler from its thread, and a fault
 * inside the handler itself then ends the process instead of recursing.
 *
 * A fault in the pool goes to KFENCE's callback, which reports and makes
 * the page accessible; returning retries the access, which now succeeds,
 * so the program goes on as after the kernel's report.  Every other fault
 * belongs to whoever handled SIGSEGV before us: their handler is called
 * as the kernel would have called it, or, where there was none (or
 * SIG_IGN, which cannot ignore a real fault), the default action is
 * restored and the signal raised again, so the process dies of the
 * SIGSEGV it would have died of without KFENCE, with its core dump.
 *
 * The faulting stack: backtrace() from a handler unwinds through the
 * signal frame (glibc's __restore_rt has unwind info), so the faulting
 * instruction's address appears in it; the frames from there on are the
 * program's.  If the unwinder cannot cross the frame, the report shows the
 * faulting instruction alone.
 *
 * fork: the child has the pool and the handler but not KFENCE's thread;
 * the callback registered with pthread_atfork tells KFENCE so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "platform/platform.h"
#include "platform/hosted_internal.h"

static uintptr_t fault_start, fault_end;
static bool (*fault_fn)(const struct plat_fault *f);
static void (*fork_child_fn)(void);
static struct sigaction previous;
static int installed;

bool ukmem_plat_kfence_supported(void)
{
	return true;
}

bool ukmem_plat_protect(void *addr, size_t size, bool access)
{
	int saved_errno = errno;
	bool ok = mprotect(addr, size, access ? PROT_READ | PROT_WRITE : PROT_NONE) == 0;

	errno = saved_errno;
	return ok;
}

/* The faulting instruction and the write bit, from the ucontext. */
static void *fault_ip(const ucontext_t *uc, bool *is_write)
{
	*is_write = false;
#if defined(__x86_64__)
	*is_write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
	return (void *)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__i386__)
	*is_write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
	return (void *)uc->uc_mcontext.gregs[REG_EIP];
#elif defined(__aarch64__)
	return (void *)uc->uc_mcontext.pc;
#else
	(void)uc;
	return NULL;
#endif
}

/* The stack from the faulting instruction outward (see the theory). */
static int fault_frames(void *ip, void **out, int max)
{
	void *frames[64];
	int n = ukmem_plat_backtrace(frames, 64, 0);

	for (int i = 0; i < n; i++)
		if (frames[i] == ip) {
			n -= i;
			if (n > max)
				n = max;
			memcpy(out, frames + i, (size_t)n * sizeof(void *));
			return n;
		}
	if (!ip || max < 1)
		return 0;
	out[0] = ip;
	return 1;
}

/* Hand a fault that is not KFENCE's to whoever had SIGSEGV before. */
static void chain(int sig, siginfo_t *info, void *ctx)
{
	if (previous.sa_flags & SA_SIGINFO) {
		previous.sa_sigaction(sig, info, ctx);
		return;
	}
	if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
		previous.sa_handler(sig);
		return;
	}
	/* No handler: die of this signal.  It is blocked while we run, so
	 * raise leaves it pending until we return; a real fault would also
	 * recur on the retried access. */
	struct sigaction dfl;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static void kfence_sigsegv(int sig, siginfo_t *info, void *ctx)
{
	int saved_errno = errno;
	uintptr_t addr = (uintptr_t)info->si_addr;

	/* si_code > 0: sent by the kernel for a fault, not by kill(). */
	if (info->si_code > 0 && addr - fault_start < fault_end - fault_start) {
		struct plat_fault f;
		void *ip = fault_ip(ctx, &f.is_write);

		bool was;
		bool handled;

		f.addr = addr;
		f.nr_frames = fault_frames(ip, f.frames, PLAT_FAULT_FRAMES);
		was = hosted_symbolize_in_handler(true);
		handled = fault_fn(&f);
		hosted_symbolize_in_handler(was);
		if (handled) {
			errno = saved_errno;
			return;
		}
	}
	errno = saved_errno;
	chain(sig, info, ctx);
}

static void kfence_atfork_child(void)
{
	void (*fn)(void) = __atomic_load_n(&fork_child_fn, __ATOMIC_ACQUIRE);

	if (fn)
		fn();
}

bool ukmem_plat_kfence_install(uintptr_t start, uintptr_t end,
			       bool (*fault)(const struct plat_fault *f),
			       void (*fork_child)(void))
{
	int saved_errno = errno;
	struct sigaction sa;
	int none = 0;

	if (!__atomic_compare_exchange_n(&installed, &none, 1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return false;
	fault_start = start;
	fault_end = end;
	fault_fn = fault;
	__atomic_store_n(&fork_child_fn, fork_child, __ATOMIC_RELEASE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = kfence_sigsegv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &previous) != 0) {
		__atomic_store_n(&installed, 0, __ATOMIC_RELEASE);
		errno = saved_errno;
		return false;
	}
	pthread_atfork(NULL, NULL, kfence_atfork_child);
	errno = saved_errno;
	return true;
}
