/*
 * libc.c - the C library subset of board_libc.h for test programs on a
 * board without one: strings, formatted output to the semihosting
 * console, getenv and exit.
 *
 * Small and slow on purpose: correctness of the tests' output is what
 * matters.  printf knows the conversions the tests use (d i u x X o c s p
 * and %%, with flags - 0 + space #, width, precision and the length
 * modifiers hh h l ll z t j); no floating point.  Each FILE is a buffer
 * that goes out with one semihosting write when it fills and at the end of
 * every call, so a message is not split when stdout and stderr mix.
 *
 * Built with -fno-tree-loop-distribute-patterns: GCC would otherwise turn
 * the loops of memset and memcpy into calls to themselves.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board_libc.h"
#include "semihost.h"

/* ---- strings ---------------------------------------------------------------- */

/* memcpy, memmove, memset and memcmp are what GCC expects of any
 * freestanding environment (it may call them for struct copies and
 * clears), and all the core may import (scripts/check-freestanding.sh). */

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++)
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return (char *)hay;
	return n ? NULL : (char *)hay;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	for (;; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' :
			*s >= 'a' && *s <= 'z' ? *s - 'a' + 10 :
			*s >= 'A' && *s <= 'Z' ? *s - 'A' + 10 : 99;

		if (d >= base)
			break;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

/* ---- files -------------------------------------------------------------------- */

struct board_file {
	int err;		/* 1: the console's stderr */
	size_t len;
	char buf[256];
};

static struct board_file files[2] = { { .err = 0 }, { .err = 1 } };
FILE *const stdout = &files[0];
FILE *const stderr = &files[1];

int fflush(FILE *f)
{
	if (!f) {
		fflush(stdout);
		return fflush(stderr);
	}
	if (f->len)
		semihost_write(f->err, f->buf, f->len);
	f->len = 0;
	return 0;
}

void board_write(const char *s, size_t len)
{
	fflush(stdout);
	semihost_write(0, s, len);
}

void board_puts(const char *s)
{
	board_write(s, strlen(s));
}

/* ---- formatting ------------------------------------------------------------------ */

/* Where formatted text goes. */
struct sink {
	FILE *f;
	size_t len;		/* characters produced, as printf returns */
};

static void put(struct sink *o, char c)
{
	if (o->f->len == sizeof(o->f->buf))
		fflush(o->f);
	o->f->buf[o->f->len++] = c;
	o->len++;
}

static void put_n(struct sink *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero, plus, space, alt;
	int width, prec;	/* prec -1: none */
};

/* A field: prefix ("-", "0x", ...), then digits or text of len chars,
 * padded to the width as the flags say. */
static void put_field(struct sink *o, const struct spec *sp, const char *prefix,
		      const char *s, int len, int zeros)
{
	int plen = (int)strlen(prefix), pad = sp->width - plen - zeros - len;

	if (!sp->left && !sp->zero)
		put_n(o, ' ', pad);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!sp->left && sp->zero)
		put_n(o, '0', pad);
	put_n(o, '0', zeros);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (sp->left)
		put_n(o, ' ', pad);
}

static void put_number(struct sink *o, struct spec sp, unsigned long long v, bool neg,
		       unsigned int base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int len = 0, zeros;

	while (v) {
		tmp[sizeof(tmp) - 1 - len++] = digits[v % base];
		v /= base;
	}
	if (len == 0 && sp.prec != 0)
		tmp[sizeof(tmp) - 1 - len++] = '0';
	if (neg)
		prefix = "-";
	else if (!*prefix && sp.plus)
		prefix = "+";
	else if (!*prefix && sp.space)
		prefix = " ";
	zeros = sp.prec > len ? sp.prec - len : 0;
	if (sp.prec >= 0)
		sp.zero = false;
	put_field(o, &sp, prefix, tmp + sizeof(tmp) - len, len, zeros);
}

static void format(struct sink *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		struct spec sp = { .prec = -1 };
		int lng = 0;	/* -2 hh, -1 h, 1 l, 2 ll, 3 size_t/ptrdiff_t/intmax_t */
		unsigned long long u;
		long long d;

		if (*fmt != '%') {
			put(o, *fmt);
			continue;
		}
		for (;; fmt++) {
			char c = fmt[1];

			if (c == '-')
				sp.left = true;
			else if (c == '0')
				sp.zero = true;
			else if (c == '+')
				sp.plus = true;
			else if (c == ' ')
				sp.space = true;
			else if (c == '#')
				sp.alt = true;
			else
				break;
		}
		fmt++;
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + *fmt++ - '0';
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + *fmt++ - '0';
			}
		}
		for (;; fmt++) {
			if (*fmt == 'h')
				lng--;
			else if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j')
				lng = 3;
			else
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			d = lng >= 2 ? (lng == 3 ? (long long)va_arg(ap, intmax_t)
						 : va_arg(ap, long long))
			    : lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			if (lng == -1)
				d = (short)d;
			else if (lng == -2)
				d = (signed char)d;
			put_number(o, sp, d < 0 ? 0ULL - (unsigned long long)d : (unsigned long long)d,
				   d < 0, 10, false, "");
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = lng == 3 ? (unsigned long long)va_arg(ap, size_t)
			    : lng == 2 ? va_arg(ap, unsigned long long)
			    : lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng == -2)
				u = (unsigned char)u;
			put_number(o, sp, u, false, *fmt == 'o' ? 8 : *fmt == 'u' ? 10 : 16,
				   *fmt == 'X',
				   sp.alt && u && *fmt == 'x' ? "0x" :
				   sp.alt && u && *fmt == 'X' ? "0X" : "");
			break;
		case 'p': {
			void *p = va_arg(ap, void *);

			sp.prec = -1;
			if (p)
				put_number(o, sp, (uintptr_t)p, false, 16, false, "0x");
			else
				put_field(o, &sp, "", "(nil)", 5, 0);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			put_field(o, &sp, "", &c, 1, 0);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;

			if (!s)
				s = "(null)";
			while (s[len] && (sp.prec < 0 || len < sp.prec))
				len++;
			put_field(o, &sp, "", s, len, 0);
			break;
		}
		case '%':
			put(o, '%');
			break;
		default:	/* unknown: shown as written */
			put(o, '%');
			if (!*fmt)
				return;
			put(o, *fmt);
			break;
		}
	}
}

static int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	struct sink o = { .f = f };

	format(&o, fmt, ap);
	fflush(f);
	return (int)o.len;
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

/* ---- the program ---------------------------------------------------------------------- */

/* A board has no environment: every test runs (TEST_ONLY is unset). */
char *getenv(const char *name)
{
	(void)name;
	return NULL;
}

void exit(int status)
{
	fflush(NULL);
	semihost_exit(status);
}
