/*
 * semihost.c - the semihosting calls the test runtime uses (semihost.h).
 *
 * Console: ":tt" opened for writing is the debugger's stdout, opened for
 * appending its stderr (the SH_EXT_STDOUT_STDERR convention), so test
 * failures and results stay apart as on a host.  A debugger that cannot
 * open ":tt" still has SYS_WRITE0, which writes a NUL-terminated string.
 *
 * Exit: SYS_EXIT_EXTENDED carries the status; SYS_EXIT alone can only
 * say "application exit" (status 0) or "run-time error".
 */
#include <stdint.h>

#include "semihost.h"

enum {
	SYS_OPEN = 0x01,
	SYS_WRITE0 = 0x04,
	SYS_WRITE = 0x05,
	SYS_EXIT = 0x18,
	SYS_EXIT_EXTENDED = 0x20,
};

#define ADP_STOPPED_APPLICATION_EXIT	0x20026
#define ADP_STOPPED_RUNTIME_ERROR	0x20023
#define OPEN_MODE_W			4	/* fopen "w" */
#define OPEN_MODE_A			8	/* fopen "a" */

static int semihost_call(int op, const void *arg)
{
	register int r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;

	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

/* Console handles, opened on first use; -1 if ":tt" cannot be opened,
 * 0 while not yet tried. */
static int console[2];

static int console_handle(int err)
{
	if (console[err] == 0) {
		const uintptr_t args[3] = { (uintptr_t)":tt",
					    err ? OPEN_MODE_A : OPEN_MODE_W, 3 };
		int h = semihost_call(SYS_OPEN, args);

		/* 0 is a valid handle; keep it apart from "not tried". */
		console[err] = h < 0 ? -1 : h + 1;
	}
	return console[err] - 1;
}

void semihost_write(int err, const char *s, size_t len)
{
	int h = console_handle(err ? 1 : 0);

	if (h >= 0) {
		const uintptr_t args[3] = { (uintptr_t)h, (uintptr_t)s, len };

		semihost_call(SYS_WRITE, args);
		return;
	}
	while (len) {
		char chunk[65];
		size_t n = len < sizeof(chunk) - 1 ? len : sizeof(chunk) - 1;

		for (size_t i = 0; i < n; i++)
			chunk[i] = s[i] ? s[i] : ' ';
		chunk[n] = '\0';
		semihost_call(SYS_WRITE0, chunk);
		s += n;
		len -= n;
	}
}

void semihost_exit(int status)
{
	const uintptr_t args[2] = { ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)status };

	semihost_call(SYS_EXIT_EXTENDED, args);
	/* A debugger without the extension: at least success or failure. */
	semihost_call(SYS_EXIT, (const void *)(uintptr_t)(status ? ADP_STOPPED_RUNTIME_ERROR
								 : ADP_STOPPED_APPLICATION_EXIT));
	for (;;)
		;
}
