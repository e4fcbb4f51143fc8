/*
 * libc.c - the C library subset of board_libc.h that every program on a
 * board without one needs, the bare-metal example too: strings, the
 * semihosting console, getenv and exit.  The formatted output the test
 * programs use is stdio.c.
 *
 * Small and slow on purpose: correctness of the tests' output is what
 * matters.
 *
 * Built with -fno-tree-loop-distribute-patterns: GCC would otherwise turn
 * the loops of memset and memcpy into calls to themselves.
 */
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

/* ---- the console ---------------------------------------------------------------- */

void board_write(const char *s, size_t len)
{
	semihost_write(0, s, len);
}

void board_puts(const char *s)
{
	board_write(s, strlen(s));
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
	semihost_exit(status);
}
