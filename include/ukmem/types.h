/*
 * ukmem/types.h - the few kernel types the public headers need.
 *
 * The public headers include only the compiler's freestanding headers
 * (stdbool.h, stddef.h, stdint.h) and this file, so a program for a board
 * without a C library can include them.  ssize_t is the one POSIX type
 * they use: a hosted compile takes libc's; a freestanding one gets the
 * same type made here as the signed twin of size_t, which is what newlib
 * and glibc define too, so a later <sys/types.h> repeats an identical
 * typedef (allowed in C11 and C++).
 */
#ifndef UKMEM_TYPES_H
#define UKMEM_TYPES_H

#include <stddef.h>

#if __STDC_HOSTED__
#include <sys/types.h>
#elif !defined(UKMEM_HAVE_SSIZE_T)
/* A program whose own headers already define ssize_t differently
 * defines UKMEM_HAVE_SSIZE_T first. */
#define UKMEM_HAVE_SSIZE_T
#define unsigned signed
typedef __SIZE_TYPE__ ssize_t;
#undef unsigned
#endif

#ifndef UKMEM_HAVE_LIST_HEAD
/* The kernel's doubly linked list node (<linux/types.h>).  A program that
 * brings its own definition defines UKMEM_HAVE_LIST_HEAD first. */
struct list_head {
	struct list_head *next, *prev;
};
#endif

#endif /* UKMEM_TYPES_H */
