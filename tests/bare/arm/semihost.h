/*
 * semihost.h - ARM semihosting, the debugger's (here QEMU's) system calls
 * for a program without an OS: console output and exit with a status.
 *
 * A call is "bkpt 0xab" in Thumb state with the operation in r0 and its
 * argument (a value or a pointer to a block of words) in r1; the result
 * comes back in r0.  QEMU runs them with -semihosting-config
 * enable=on,target=native.  On real hardware without a debugger attached
 * the breakpoint faults, so these are for test boards only.
 */
#ifndef UKMEM_TEST_SEMIHOST_H
#define UKMEM_TEST_SEMIHOST_H

#include <stddef.h>

/* Write len bytes to the console: stderr if err, else stdout. */
void semihost_write(int err, const char *s, size_t len);

/* End the program with status (0 success), as exit() does on a host. */
__attribute__((noreturn)) void semihost_exit(int status);

#endif /* UKMEM_TEST_SEMIHOST_H */
