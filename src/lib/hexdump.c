/*
 * hexdump.c - the kernel's print_hex_dump() with 16 bytes per row and
 * groups of one byte, the form SLUB's and kmemleak's reports use:
 *
 *   <prefix><address>: bb bb bb bb bb bb bb bb bb bb bb bb bb bb bb bb  ................
 *
 * The ASCII column starts at column 49 of the hex part, as
 * hex_dump_to_buffer() pads it, whatever the row's length; bytes outside
 * 0x20..0x7e print as '.'.  The address is the row's (DUMP_PREFIX_ADDRESS)
 * or omitted (DUMP_PREFIX_NONE).
 */
#include "lib/lib.h"

#define HEX_ROW		16
#define HEX_ASCII_COL	(HEX_ROW * 3 + 1)	/* 47 hex characters, two spaces */

/* One row of at most 16 bytes into buf (at least 80 bytes). */
static void hex_row(char *buf, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		buf[col++] = hex[p[i] >> 4];
		buf[col++] = hex[p[i] & 15];
		if (i + 1 < n)
			buf[col++] = ' ';
	}
	while (col < HEX_ASCII_COL)
		buf[col++] = ' ';
	for (size_t i = 0; i < n; i++)
		buf[col++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	buf[col] = '\0';
}

void ukmem_print_hex_dump_copy(const char *prefix, const void *shown, const void *data,
			       size_t len)
{
	const unsigned char *p = data;
	char row[96];

	for (size_t off = 0; off < len; off += HEX_ROW) {
		size_t n = len - off < HEX_ROW ? len - off : HEX_ROW;

		hex_row(row, p + off, n);
		if (shown)
			ukmem_printk("%s%016lx: %s\n", prefix,
				     (unsigned long)((uintptr_t)shown + off), row);
		else
			ukmem_printk("%s%s\n", prefix, row);
	}
}

void ukmem_print_hex_dump(const char *prefix, bool with_address, const void *addr, size_t len)
{
	ukmem_print_hex_dump_copy(prefix, with_address ? addr : NULL, addr, len);
}

int ukmem_hex_dump_row(char *buf, size_t size, const void *addr, size_t len)
{
	char row[96];

	hex_row(row, addr, len < HEX_ROW ? len : HEX_ROW);
	return ukmem_snprintf(buf, size, "%s", row);
}
