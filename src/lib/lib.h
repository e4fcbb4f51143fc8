/*
 * lib.h - freestanding helpers every layer may use: string functions,
 * number parsing in the kernel's style, a small vsnprintf, printk and the
 * taint mask its reports show.
 *
 * Nothing here calls libc; the core must build with -ffreestanding.  The
 * formatter knows the conversions the kernel's reports and /proc files
 * need: %d %i %u %x %X %o %c %s %p %% with the flags '-', '0', ' ', '+',
 * '#', a width and precision (also '*'), and the length modifiers hh, h,
 * l, ll, z, t.  %p prints the address as the kernel's %px does: all its
 * hex digits, zero-padded, no "0x" (reports write "0x%p").
 */
#ifndef UKMEM_LIB_H
#define UKMEM_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UKMEM_HIDDEN __attribute__((visibility("hidden")))

size_t ukmem_strlen(const char *s);
int ukmem_strcmp(const char *a, const char *b);
int ukmem_strncmp(const char *a, const char *b, size_t n);
char *ukmem_strchr(const char *s, int c);
/* Copies at most size-1 bytes and always terminates (size > 0); returns
 * strlen(src). */
size_t ukmem_strlcpy(char *dst, const char *src, size_t size);

/*
 * The kernel's memparse(): a number in any C base (0x.., 0.., decimal)
 * followed by an optional suffix K, M, G, T, P, E (either case, powers of
 * 1024).  *end points after what was parsed; *end == s when no digits were
 * found.  Overflow saturates to ULLONG_MAX and sets *overflow when overflow
 * is non-NULL.
 */
unsigned long long ukmem_memparse(const char *s, const char **end, bool *overflow);

/* kstrtoul/kstrtoint: the whole string (one trailing newline allowed) must
 * be a number in the given base (0 = C rules).  0 or -EINVAL / -ERANGE. */
int ukmem_kstrtoull(const char *s, unsigned int base, unsigned long long *res);
int ukmem_kstrtoint(const char *s, unsigned int base, int *res);

int ukmem_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int ukmem_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * An append buffer for rendering text files: each ukmem_seq_printf appends
 * and keeps the text NUL-terminated; once full, further output is counted
 * in len but dropped, so overflow is seen as len >= size.
 */
struct seq_buf {
	char *buf;
	size_t size;
	size_t len;
};

void ukmem_seq_init(struct seq_buf *s, char *buf, size_t size);
void ukmem_seq_printf(struct seq_buf *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ukmem_seq_puts(struct seq_buf *s, const char *str);

/*
 * printk: format and hand one message to the platform's log sink.
 * Messages longer than 1023 bytes are truncated.  Safe to call with ukmem
 * locks held (uses only the stack).
 */
void ukmem_printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Rate limiting as the kernel's ratelimit_state: at most burst messages
 * per interval_ns; returns true if the caller may print.  A zeroed
 * struct with interval_ns/burst filled is ready to use.
 */
struct ratelimit_state {
	uint64_t interval_ns;
	int burst;
	int printed;
	int missed;
	uint64_t begin_ns;
	int lock;
};

bool ukmem_ratelimit(struct ratelimit_state *rs);

/*
 * The taint mask (taint.c): the kernel's add_taint() and print_tainted().
 * Flag numbers are the kernel's; ukmem sets these two.  print_tainted
 * writes "Not tainted" or "Tainted: " and one character per flag into buf
 * and returns buf.
 */
#define TAINT_BAD_PAGE		5
#define TAINT_WARN		9
#define TAINT_FLAGS_COUNT	19	/* Linux 6.6 */
#define TAINT_BUF_SIZE		(sizeof("Tainted: ") + TAINT_FLAGS_COUNT)

void ukmem_add_taint(unsigned int flag);
/* Stop the program at a taint of a flag in mask (panic_on_taint=). */
void ukmem_set_panic_on_taint(unsigned long mask);
unsigned long ukmem_get_taint(void);
const char *ukmem_print_tainted(char buf[TAINT_BUF_SIZE]);

/* A counter with one writer at a time (its lock's holder) and lock-free
 * readers (the stats). */
static inline void counter_add(unsigned long *counter, unsigned long n)
{
	__atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

/* The kernel's log levels, as a prefix of a printk format (printk.c). */
#define KERN_SOH_ASCII	'\001'
#define KERN_ERR	"\0013"
#define KERN_WARNING	"\0014"
#define KERN_NOTICE	"\0015"
#define KERN_INFO	"\0016"
#define LOGLEVEL_DEFAULT 4

/* printk at a level, the kernel's spelling (macros: no symbol). */
#define pr_err(fmt, ...)	ukmem_printk(KERN_ERR fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	ukmem_printk(KERN_WARNING fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...)	ukmem_printk(KERN_NOTICE fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)	ukmem_printk(KERN_INFO fmt, ##__VA_ARGS__)

/* The kernel's %pS of a code address into buf: "sym+0xoff/0xsize", or
 * "0x<address>" where no symbol is known; returns buf (printk.c). */
const char *ukmem_sprint_symbol(char *buf, size_t size, const void *addr);

/* The kernel's dump_stack(): "CPU: .. PID: .. Comm: .. <taint>" and the
 * call trace (printk.c). */
void dump_stack(void);

/* The kernel's print_hex_dump(.., 16, 1, .., true) through the log, each
 * row "<prefix><address>: <hex>  <ascii>" (hexdump.c); without the address
 * (DUMP_PREFIX_NONE) when with_address is false.  ukmem_hex_dump_row
 * writes one row of at most 16 bytes (no prefix, no newline) into buf. */
void ukmem_print_hex_dump(const char *prefix, bool with_address, const void *addr, size_t len);
/* The same for a copy of the bytes (data), rows addressed as at shown. */
void ukmem_print_hex_dump_copy(const char *prefix, const void *shown, const void *data,
			       size_t len);
int ukmem_hex_dump_row(char *buf, size_t size, const void *addr, size_t len);

/* A report that is a WARN() in the kernel: printk, then TAINT_WARN. */
void ukmem_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* UKMEM_LIB_H */
