/*
 * parse.c - numbers as the kernel reads them from boot options and
 * control files: memparse() and the kstrto*() family.
 *
 * Both follow lib/kstrtox.c: the base is picked by C rules when 0 ("0x"
 * followed by a hex digit is hex, a leading 0 octal, else decimal), a "0x"
 * is skipped in base 16, digits are 0-9 and a-f in either case, and no
 * sign or white space is read except where noted.  One difference from
 * the kernel's memparse: a suffix with no number before it is not
 * consumed, so *end == s says "nothing parsed".
 */
#include "lib/errno.h"
#include "lib/lib.h"


#define ULLONG_MAX_VALUE	(~0ULL)
#define INT_MAX_VALUE		0x7fffffff
#define INT_MIN_VALUE		(-INT_MAX_VALUE - 1)

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 16;
}

/* The kernel's _parse_integer_fixup_radix: settle the base, skip "0x". */
static const char *fixup_radix(const char *s, unsigned int *base)
{
	if (*base == 0) {
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16)
			*base = 16;
		else if (s[0] == '0')
			*base = 8;
		else
			*base = 10;
	}
	if (*base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	return s;
}

/*
 * Digits of base at s into *res, saturating at ULLONG_MAX and setting
 * *overflow if the value did not fit; all digits are consumed either way.
 * Returns the number of digits.
 */
static size_t parse_digits(const char *s, unsigned int base,
			   unsigned long long *res, bool *overflow)
{
	unsigned long long v = 0;
	size_t n = 0;
	int d;

	*overflow = false;
	/* The overflow builtins compile inline on 32-bit machines too, where
	 * a 64-bit division would call libgcc. */
	while ((d = digit_value(s[n])) < (int)base) {
		if (!*overflow && (__builtin_mul_overflow(v, base, &v) ||
				   __builtin_add_overflow(v, (unsigned int)d, &v))) {
			*overflow = true;
			v = ULLONG_MAX_VALUE;
		}
		n++;
	}
	*res = v;
	return n;
}

/* Shifts of each memparse suffix (powers of 1024). */
static unsigned int suffix_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	case 't': case 'T': return 40;
	case 'p': case 'P': return 50;
	case 'e': case 'E': return 60;
	default: return 0;
	}
}

unsigned long long ukmem_memparse(const char *s, const char **end, bool *overflow)
{
	unsigned int base = 0;
	const char *p = fixup_radix(s, &base);
	unsigned long long v;
	bool over;
	size_t n = parse_digits(p, base, &v, &over);
	unsigned int shift;

	/* No digits (a "0x" without hex digits is read as the octal 0 by
	 * fixup_radix, so that is not this case). */
	if (n == 0) {
		p = s;
	} else {
		p += n;
		shift = suffix_shift(*p);
		if (shift) {
			if (v > (ULLONG_MAX_VALUE >> shift)) {
				over = true;
				v = ULLONG_MAX_VALUE;
			} else {
				v <<= shift;
			}
			p++;
		}
	}
	if (end)
		*end = p;
	if (overflow)
		*overflow = over;
	return v;
}

int ukmem_kstrtoull(const char *s, unsigned int base, unsigned long long *res)
{
	unsigned long long v;
	bool over;
	size_t n;

	if (base == 1 || base > 16)
		return -EINVAL;
	if (s[0] == '+')
		s++;
	s = fixup_radix(s, &base);
	n = parse_digits(s, base, &v, &over);
	if (n == 0)
		return -EINVAL;
	if (over)
		return -ERANGE;
	s += n;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

int ukmem_kstrtoint(const char *s, unsigned int base, int *res)
{
	unsigned long long mag;
	bool negative = s[0] == '-';
	int err;

	/* kstrtoll: a '-' is read here, a '+' by kstrtoull. */
	err = ukmem_kstrtoull(negative ? s + 1 : s, base, &mag);
	if (err)
		return err;
	if (negative ? mag > (unsigned long long)INT_MAX_VALUE + 1 : mag > INT_MAX_VALUE)
		return -ERANGE;
	*res = negative ? (mag == (unsigned long long)INT_MAX_VALUE + 1 ? INT_MIN_VALUE : -(int)mag)
			: (int)mag;
	return 0;
}
