/*
 * board_libc.h - the few C library functions a bare test program calls,
 * for a board without a C library (tests/bare/arm/libc.c provides them,
 * and stdio.c the formatted output, for the test programs only).
 *
 * tests/harness.h includes this instead of <stdio.h>, <stdlib.h> and
 * <string.h> when the compile is freestanding.  The names and signatures
 * are the standard ones, so the tests read the same on the host and on
 * the board.  Output goes to the debugger's console through ARM
 * semihosting; there is no environment (getenv always returns NULL) and
 * exit() ends the program through the debugger with its status.
 */
#ifndef UKMEM_TEST_BOARD_LIBC_H
#define UKMEM_TEST_BOARD_LIBC_H

#include <stddef.h>
#include <stdint.h>

typedef struct board_file FILE;
extern FILE *const stdout;
extern FILE *const stderr;

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fflush(FILE *f);

char *getenv(const char *name);
__attribute__((noreturn)) void exit(int status);

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
unsigned long strtoul(const char *s, char **end, int base);

/* The board's console, for programs that do not want stdio: s is written
 * as it is (board_puts adds no newline). */
void board_write(const char *s, size_t len);
void board_puts(const char *s);

#endif /* UKMEM_TEST_BOARD_LIBC_H */
