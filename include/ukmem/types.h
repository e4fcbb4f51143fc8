/*
 * ukmem/types.h - the few kernel types the public headers need.
 */
#ifndef UKMEM_TYPES_H
#define UKMEM_TYPES_H

#ifndef UKMEM_HAVE_LIST_HEAD
/* The kernel's doubly linked list node (<linux/types.h>).  A program that
 * brings its own definition defines UKMEM_HAVE_LIST_HEAD first. */
struct list_head {
	struct list_head *next, *prev;
};
#endif

#endif /* UKMEM_TYPES_H */
