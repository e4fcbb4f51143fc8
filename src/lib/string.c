/*
 * string.c - the string functions of lib.h.
 *
 * The core is freestanding and may call only memcpy, memmove, memset and
 * memcmp from outside, so the few string functions it needs live here,
 * under ukmem_ names that cannot clash with the C library's.  They favour
 * being obviously right over speed: they walk option strings and short
 * names, never bulk data.
 */
#include "lib/lib.h"

size_t ukmem_strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

int ukmem_strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return (int)*x - (int)*y;
}

int ukmem_strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n > 0; n--, x++, y++)
		if (*x != *y || !*x)
			return (int)*x - (int)*y;
	return 0;
}

char *ukmem_strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

size_t ukmem_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = ukmem_strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		for (size_t i = 0; i < n; i++)
			dst[i] = src[i];
		dst[n] = '\0';
	}
	return len;
}
