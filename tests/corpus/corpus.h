/*
 * corpus.h - what the planted-bug programs share.  Each bug_*.c is a plain
 * C program on the C library's malloc and free (run-corpus.sh preloads
 * libukmem-malloc.so under them); this header only keeps the compiler
 * from seeing through the bug.
 */
#ifndef UKMEM_CORPUS_H
#define UKMEM_CORPUS_H

#include <stdint.h>

/* p, as a value the compiler cannot follow: it may not drop a store
 * through it, or a free of it, as dead or undefined. */
static inline void *opaque(void *p)
{
	void *volatile v = p;

	return v;
}

/* The functions the reports must name: out of line, and global (the
 * programs link with -rdynamic), so that even a symbolizer without debug
 * information (dladdr) finds their names. */
#define BUG_FN __attribute__((noinline))

#endif /* UKMEM_CORPUS_H */
