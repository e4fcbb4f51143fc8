/*
 * stdio.c - printf, fprintf and fflush of board_libc.h, for the test
 * programs on the board (the bare-metal example writes with board_puts).
 *
 * The formatting is ukmem's own vsnprintf (src/lib/vsprintf.c, C99
 * semantics for the conversions it knows, tested against glibc on the
 * host): the test programs link the internal archive, which keeps its
 * name.  A message is formatted whole, then written with one semihosting
 * call, so messages on stdout and stderr never split each other and
 * nothing waits in a buffer for fflush.  The buffer holds the longest
 * message the harness prints: an expectation that quotes all of log.h's
 * 64 KiB log.
 */
#include <stdarg.h>
#include <stddef.h>

#include "board_libc.h"
#include "semihost.h"

int ukmem_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

struct board_file {
	int err;		/* 1: the console's stderr */
};

static struct board_file files[2] = { { .err = 0 }, { .err = 1 } };
FILE *const stdout = &files[0];
FILE *const stderr = &files[1];

static char format_buf[(64 << 10) + 4096];

int fflush(FILE *f)
{
	(void)f;
	return 0;
}

static int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	int n = ukmem_vsnprintf(format_buf, sizeof(format_buf), fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof(format_buf) ? (size_t)n :
		     sizeof(format_buf) - 1;

	semihost_write(f->err, format_buf, len);
	return n;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}
