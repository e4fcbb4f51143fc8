/*
 * vsprintf.c - a small vsnprintf for the freestanding core.
 *
 * It knows the conversions listed in lib.h, with C99 semantics for each of
 * them (checked against the C library by tests/lib/test_vsprintf.c), plus
 * two choices of the kernel's: "%s" of NULL prints "(null)" whatever the
 * precision, and "%p" prints "0x" and the address in hex, "0x0" for NULL.
 *
 * Invariants of the output state: len counts every character the format
 * produced, stored or not; buf[0 .. min(len, size - 1)) holds the stored
 * ones, so the return value is what C99 promises (the length the full text
 * would have) and truncation never splits the terminating NUL off.
 *
 * A conversion it does not know ends the formatting there: its argument
 * type is unknown, so every later argument would be read with the wrong
 * type.  The compiler's format checking catches such formats first.
 */
#include "lib/lib.h"

#define UKMEM_INT_MAX	0x7fffffff

enum {
	FLAG_LEFT	= 1 << 0,	/* '-' */
	FLAG_PLUS	= 1 << 1,	/* '+' */
	FLAG_SPACE	= 1 << 2,	/* ' ' */
	FLAG_ALT	= 1 << 3,	/* '#' */
	FLAG_ZERO	= 1 << 4,	/* '0' */
};

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T };

struct spec {
	unsigned int flags;
	int width;
	int precision;		/* -1: none given */
	enum length length;
};

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		put_char(o, c);
}

/*
 * *v /= base, returning the remainder.  Base 10 divides in 16-bit steps so
 * that 32-bit machines need no 64-bit division, which would call libgcc
 * (the core may call nothing outside itself but the mem* functions).
 */
static unsigned int div_rem(unsigned long long *v, unsigned int base)
{
	unsigned long long q = 0;
	unsigned int r = 0;

	if (base == 8 || base == 16) {
		r = (unsigned int)(*v & (base - 1));
		*v >>= base == 8 ? 3 : 4;
		return r;
	}
	for (int shift = 48; shift >= 0; shift -= 16) {
		unsigned int cur = (r << 16) | (unsigned int)((*v >> shift) & 0xffff);

		q |= (unsigned long long)(cur / base) << shift;
		r = cur % base;
	}
	*v = q;
	return r;
}

/*
 * One integer conversion.  The layout is
 *   [spaces] [sign or 0x] [zeros] digits [spaces]
 * where the zeros come from the precision, or from the '0' flag when
 * there is no precision and no '-'.
 */
static void put_number(struct out *o, unsigned long long v, bool negative,
		       char conv, const struct spec *sp)
{
	const char *digit_chars = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned int base = conv == 'o' ? 8 : (conv == 'x' || conv == 'X' || conv == 'p') ? 16 : 10;
	bool is_signed = conv == 'd' || conv == 'i';
	bool nonzero = v != 0;
	char digits[24];	/* 22 octal digits hold 64 bits */
	char prefix[2];
	int nd = 0, np = 0, zeros, pad;

	if (v != 0 || sp->precision != 0)
		do
			digits[nd++] = digit_chars[div_rem(&v, base)];
		while (v);
	zeros = sp->precision > nd ? sp->precision - nd : 0;
	if (conv == 'o' && (sp->flags & FLAG_ALT) && zeros == 0 &&
	    (nd == 0 || digits[nd - 1] != '0'))
		zeros = 1;

	if (is_signed && negative)
		prefix[np++] = '-';
	else if (is_signed && (sp->flags & FLAG_PLUS))
		prefix[np++] = '+';
	else if (is_signed && (sp->flags & FLAG_SPACE))
		prefix[np++] = ' ';
	if (conv == 'p' && sp->precision < 0)	/* the kernel's %px: every digit */
		zeros = (int)(2 * sizeof(void *)) - nd;
	if ((conv == 'x' || conv == 'X') && (sp->flags & FLAG_ALT) && nonzero) {
		prefix[np++] = '0';
		prefix[np++] = conv == 'X' ? 'X' : 'x';
	}

	pad = sp->width - (np + zeros + nd);
	if (pad > 0 && !(sp->flags & FLAG_LEFT) && (sp->flags & FLAG_ZERO) && sp->precision < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(sp->flags & FLAG_LEFT))
		put_repeat(o, ' ', pad);
	for (int i = 0; i < np; i++)
		put_char(o, prefix[i]);
	put_repeat(o, '0', zeros);
	while (nd > 0)
		put_char(o, digits[--nd]);
	if (sp->flags & FLAG_LEFT)
		put_repeat(o, ' ', pad);
}

static void put_string(struct out *o, const char *s, const struct spec *sp)
{
	int n = 0;

	if (!s)
		s = "(null)";
	/* Stop at the precision: the string need not be terminated there. */
	while ((sp->precision < 0 || n < sp->precision) && s[n])
		n++;
	if (!(sp->flags & FLAG_LEFT))
		put_repeat(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put_char(o, s[i]);
	if (sp->flags & FLAG_LEFT)
		put_repeat(o, ' ', sp->width - n);
}

/* A width or precision written in the format, saturated so it cannot
 * overflow an int. */
static int parse_count(const char **fmt)
{
	int n = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		if (n <= (UKMEM_INT_MAX - 9) / 10)
			n = n * 10 + (**fmt - '0');
		(*fmt)++;
	}
	return n;
}

static long long fetch_signed(va_list *ap, enum length length)
{
	switch (length) {
	case LEN_HH:	return (signed char)va_arg(*ap, int);
	case LEN_H:	return (short)va_arg(*ap, int);
	case LEN_L:	return va_arg(*ap, long);
	case LEN_LL:	return va_arg(*ap, long long);
	case LEN_Z:	return (ptrdiff_t)va_arg(*ap, size_t);
	case LEN_T:	return va_arg(*ap, ptrdiff_t);
	default:	return va_arg(*ap, int);
	}
}

static unsigned long long fetch_unsigned(va_list *ap, enum length length)
{
	switch (length) {
	case LEN_HH:	return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:	return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:	return va_arg(*ap, unsigned long);
	case LEN_LL:	return va_arg(*ap, unsigned long long);
	case LEN_Z:	return va_arg(*ap, size_t);
	case LEN_T:	return (size_t)va_arg(*ap, ptrdiff_t);
	default:	return va_arg(*ap, unsigned int);
	}
}

static void parse_flags(const char **fmt, struct spec *sp)
{
	for (;; (*fmt)++) {
		switch (**fmt) {
		case '-': sp->flags |= FLAG_LEFT; break;
		case '+': sp->flags |= FLAG_PLUS; break;
		case ' ': sp->flags |= FLAG_SPACE; break;
		case '#': sp->flags |= FLAG_ALT; break;
		case '0': sp->flags |= FLAG_ZERO; break;
		default: return;
		}
	}
}

static enum length parse_length(const char **fmt)
{
	switch (**fmt) {
	case 'h':
		(*fmt)++;
		if (**fmt == 'h') {
			(*fmt)++;
			return LEN_HH;
		}
		return LEN_H;
	case 'l':
		(*fmt)++;
		if (**fmt == 'l') {
			(*fmt)++;
			return LEN_LL;
		}
		return LEN_L;
	case 'z':
		(*fmt)++;
		return LEN_Z;
	case 't':
		(*fmt)++;
		return LEN_T;
	default:
		return LEN_NONE;
	}
}

int ukmem_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	/* Taken by address below; a copy keeps that portable where va_list
	 * is an array type. */
	va_copy(args, ap);
	while (*fmt) {
		struct spec sp = { 0, 0, -1, LEN_NONE };

		if (*fmt != '%') {
			put_char(&o, *fmt++);
			continue;
		}
		fmt++;
		parse_flags(&fmt, &sp);
		if (*fmt == '*') {
			fmt++;
			sp.width = va_arg(args, int);
			if (sp.width < 0) {
				sp.flags |= FLAG_LEFT;
				sp.width = sp.width == -UKMEM_INT_MAX - 1 ? UKMEM_INT_MAX : -sp.width;
			}
		} else {
			sp.width = parse_count(&fmt);
		}
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				fmt++;
				sp.precision = va_arg(args, int);
				if (sp.precision < 0)
					sp.precision = -1;
			} else {
				sp.precision = parse_count(&fmt);
			}
		}
		sp.length = parse_length(&fmt);

		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v = fetch_signed(&args, sp.length);
			unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v
						       : (unsigned long long)v;

			put_number(&o, mag, v < 0, *fmt, &sp);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			put_number(&o, fetch_unsigned(&args, sp.length), false, *fmt, &sp);
			break;
		case 'p':
			put_number(&o, (uintptr_t)va_arg(args, void *), false, 'p', &sp);
			break;
		case 'c': {
			char c = (char)va_arg(args, int);

			if (!(sp.flags & FLAG_LEFT))
				put_repeat(&o, ' ', sp.width - 1);
			put_char(&o, c);
			if (sp.flags & FLAG_LEFT)
				put_repeat(&o, ' ', sp.width - 1);
			break;
		}
		case 's':
			put_string(&o, va_arg(args, const char *), &sp);
			break;
		case '%':
			put_char(&o, '%');
			break;
		default:
			goto done;
		}
		fmt++;
	}
done:
	va_end(args);
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > UKMEM_INT_MAX ? UKMEM_INT_MAX : (int)o.len;
}

int ukmem_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = ukmem_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
