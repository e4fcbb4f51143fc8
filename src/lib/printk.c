/*
 * printk.c - messages out of the core: printk, the kernel's ratelimit, and
 * the seq_buf that /proc-style files are rendered into.
 *
 * printk formats on the stack and hands the text to the program's log hook
 * (ukmem_set_log_level_hook with the message's level, ukmem_set_log_hook
 * without it), or else to the platform's log sink, in one call,
 * so it takes no lock and allocates nothing: it is called from inside the
 * allocator, with zone and slab locks held, when memory is short.  One
 * message is one write, so lines from different threads do not interleave.
 * ukmem_warn is printk for the reports that are a WARN() in the kernel:
 * it also sets TAINT_WARN (taint.c), so no such site can forget to.
 *
 * A message may begin with the kernel's level prefix (KERN_ERR, ...: the
 * byte KERN_SOH and a digit, lib.h), which is taken off the text and
 * given to the level hook; a message without one has the kernel's
 * default level, 4.
 *
 * Rate limiting follows the kernel's ___ratelimit(): a window of
 * interval_ns starts at the first message; within it burst messages pass
 * and the rest are counted as missed; the first call after the window
 * reports the missed count and opens a new window.  The state is guarded
 * by a test-and-set on rs->lock that is never waited for: a caller that
 * finds it busy is dropped, as the kernel's trylock does, because waiting
 * could deadlock against a signal handler on the same thread.
 */
#include <ukmem/ukmem.h>

#include "lib/lib.h"
#include "platform/platform.h"

/* ---- printk ------------------------------------------------------------- */

#define PRINTK_MAX 1024

static void (*log_hook)(const char *msg, size_t len);
static void (*log_level_hook)(int level, const char *msg, size_t len);

UKMEM_API void ukmem_set_log_hook(void (*log)(const char *msg, size_t len))
{
	__atomic_store_n(&log_hook, log, __ATOMIC_RELEASE);
}

UKMEM_API void ukmem_set_log_level_hook(void (*log)(int level, const char *msg, size_t len))
{
	__atomic_store_n(&log_level_hook, log, __ATOMIC_RELEASE);
}

static void vprintk(const char *fmt, va_list ap)
{
	char buf[PRINTK_MAX];
	int n = ukmem_vsnprintf(buf, sizeof(buf), fmt, ap);
	const char *text = buf;
	int level = LOGLEVEL_DEFAULT;

	if (n > PRINTK_MAX - 1)
		n = PRINTK_MAX - 1;
	/* The kernel's level prefix: KERN_SOH and a digit (printk_get_level). */
	if (n >= 2 && buf[0] == KERN_SOH_ASCII && buf[1] >= '0' && buf[1] <= '7') {
		level = buf[1] - '0';
		text += 2;
		n -= 2;
	}
	if (n <= 0)
		return;
	void (*level_hook)(int, const char *, size_t) =
		__atomic_load_n(&log_level_hook, __ATOMIC_ACQUIRE);
	void (*hook)(const char *, size_t) = __atomic_load_n(&log_hook, __ATOMIC_ACQUIRE);

	if (level_hook)
		level_hook(level, text, (size_t)n);
	else if (hook)
		hook(text, (size_t)n);
	else
		ukmem_plat_log(text, (size_t)n);
}

void ukmem_printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

/* The message first, then the taint: the report that taints does not show
 * it yet, as the kernel's __warn() prints before add_taint(). */
void ukmem_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	ukmem_add_taint(TAINT_WARN);
}

/* ---- ratelimit ---------------------------------------------------------- */

bool ukmem_ratelimit(struct ratelimit_state *rs)
{
	int missed = 0;
	uint64_t now;
	bool ok;

	if (rs->interval_ns == 0)
		return true;
	if (__atomic_exchange_n(&rs->lock, 1, __ATOMIC_ACQUIRE))
		return false;

	now = ukmem_plat_now_ns();
	if (rs->begin_ns == 0)
		rs->begin_ns = now;
	if (now - rs->begin_ns > rs->interval_ns) {
		missed = rs->missed;
		rs->missed = 0;
		rs->begin_ns = now;
		rs->printed = 0;
	}
	ok = rs->burst > 0 && rs->printed < rs->burst;
	if (ok)
		rs->printed++;
	else
		rs->missed++;

	__atomic_store_n(&rs->lock, 0, __ATOMIC_RELEASE);
	/* Unlike the kernel, the state does not know its caller's name. */
	if (missed)
		ukmem_printk("ukmem: %d callbacks suppressed\n", missed);
	return ok;
}

/* ---- seq_buf ------------------------------------------------------------ */

void ukmem_seq_init(struct seq_buf *s, char *buf, size_t size)
{
	s->buf = buf;
	s->size = size;
	s->len = 0;
	if (size > 0)
		buf[0] = '\0';
}

/* Room left for text (the NUL excluded) and where it goes; none once an
 * append has overflowed. */
static char *seq_tail(struct seq_buf *s, size_t *room)
{
	if (s->len >= s->size) {
		*room = 0;
		return NULL;
	}
	*room = s->size - s->len;
	return s->buf + s->len;
}

void ukmem_seq_printf(struct seq_buf *s, const char *fmt, ...)
{
	size_t room;
	char *tail = seq_tail(s, &room);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = ukmem_vsnprintf(tail, room, fmt, ap);
	va_end(ap);
	/* A text that filled the last byte lost a character to the NUL:
	 * len reaches size exactly then, which reads as overflow. */
	s->len += (size_t)n;
}

void ukmem_seq_puts(struct seq_buf *s, const char *str)
{
	size_t room;
	char *tail = seq_tail(s, &room);
	size_t n = ukmem_strlen(str);

	if (room > 0)
		ukmem_strlcpy(tail, str, room);
	s->len += n;
}

const char *ukmem_sprint_symbol(char *buf, size_t size, const void *addr)
{
	if (!ukmem_plat_symbolize((void *)(uintptr_t)addr, buf, size))
		ukmem_snprintf(buf, size, "0x%p", addr);
	return buf;
}

/* The kernel's dump_stack(): who is running, then the call trace. */
void dump_stack(void)
{
	void *frames[16];
	int n = ukmem_plat_backtrace(frames, 16, 2);
	char taint[TAINT_BUF_SIZE];

	ukmem_printk("CPU: %d PID: %d Comm: %s %s\n", ukmem_plat_cpu(), ukmem_plat_tid(),
		     ukmem_plat_comm(), ukmem_print_tainted(taint));
	if (n <= 0)
		return;
	ukmem_printk("Call Trace:\n");
	for (int i = 0; i < n; i++) {
		char sym[128];
		const char *name = ukmem_plat_symbolize(frames[i], sym, sizeof(sym));

		if (name)
			ukmem_printk(" %s\n", name);
		else
			ukmem_printk(" %p\n", frames[i]);
	}
}
