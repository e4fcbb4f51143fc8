/*
 * test_vsprintf.c - ukmem_vsnprintf against the C library's vsnprintf.
 *
 * Every format in the tables is printed by both and must give the same text
 * and the same return value; the few places where ukmem follows the kernel
 * rather than C ("(null)" whatever the precision, "0x0" for a NULL %p) are
 * checked against fixed strings.  Truncation, seq_buf overflow, printk
 * and ratelimit come last.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "harness.h"
#include "lib/lib.h"

/* Print fmt with both formatters into a roomy buffer and compare. */
static void compare_formats(int line, const char *fmt, va_list ap)
{
	char want[512], got[512];
	va_list ap2;
	int nw, ng;

	va_copy(ap2, ap);
	nw = vsnprintf(want, sizeof(want), fmt, ap);
	ng = ukmem_vsnprintf(got, sizeof(got), fmt, ap2);
	va_end(ap2);
	if (nw != ng || strcmp(want, got) != 0)
		HARNESS_FAIL("line %d: format \"%s\": libc \"%s\" (%d), ukmem \"%s\" (%d)",
			     line, fmt, want, nw, got, ng);
}

/* The compiler vets the arguments of CHECK against its format. */
static void check_line(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check_line(int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	compare_formats(line, fmt, ap);
	va_end(ap);
}

/* For formats from tables, and for flag combinations that C defines but
 * -Wformat warns about ('0' with '-', ' ' with '+'). */
static void check_unvetted(int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	compare_formats(line, fmt, ap);
	va_end(ap);
}

#define CHECK(...) check_line(__LINE__, __VA_ARGS__)
#define CHECK_ODD(...) check_unvetted(__LINE__, __VA_ARGS__)

TEST(plain_text_and_percent)
{
	CHECK("hello");
	CHECK("%s", "");
	CHECK("%%");
	CHECK("100%% sure %d%%", 5);
	CHECK("a%cb", 'x');
	CHECK("[%5c][%-5c]", 'q', 'r');
}

TEST(signed_decimal)
{
	static const int values[] = { 0, 1, -1, 7, -42, 123456, INT_MAX, INT_MIN };
	static const char *const formats[] = {
		"%d", "%i", "%5d", "%-5d|", "%05d", "%+d", "% d", "%+5d", "%-+6d|",
		"%.3d", "%.0d", "%8.3d", "%-8.3d|", "%08.3d", "%+.4d", "% 06d",
		"%+08d", "%.12d", "%1d",
	};

	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++)
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
			CHECK_ODD(formats[f], values[v]);
	CHECK_ODD("%-05d|", -3);
	CHECK_ODD("%+ d", 3);
}

TEST(unsigned_bases)
{
	static const unsigned int values[] = { 0, 1, 8, 15, 16, 255, 0x7fffffff, 0xdeadbeef, UINT_MAX };
	static const char *const formats[] = {
		"%u", "%x", "%X", "%o", "%#x", "%#X", "%#o", "%8x", "%-8x|", "%08x",
		"%#08x", "%#8x", "%.5x", "%#.5x", "%.0x", "%#.0x", "%#.0o", "%#5o",
		"%.0u", "%10.4u", "%-10.4o|",
	};

	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++)
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
			CHECK_ODD(formats[f], values[v]);
}

TEST(length_modifiers)
{
	CHECK("%ld %lu", LONG_MIN, ULONG_MAX);
	CHECK("%ld %lu", LONG_MAX, 0UL);
	CHECK("%lld %llu", LLONG_MIN, ULLONG_MAX);
	CHECK("%lld %llx %llo", LLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	CHECK("%#llx %#lX", 0x123456789abcdefULL, 0xfeedUL);
	CHECK("%lx %lX", ULONG_MAX, ULONG_MAX);
	CHECK("%zu %zx", (size_t)SIZE_MAX, (size_t)4096);
	CHECK("%zd", (ptrdiff_t)-5);
	CHECK("%td %tu", (ptrdiff_t)PTRDIFF_MIN, (size_t)PTRDIFF_MAX);
	CHECK("%hd %hu %hx", (short)-2, (unsigned short)65535, (unsigned short)0xabcd);
	CHECK("%hhd %hhu %hhx", (signed char)-128, (unsigned char)255, (unsigned char)0x7f);
	/* hh and h convert the promoted int back to the narrow type. */
	CHECK_ODD("%hhd %hd %hhu", 300, 70000, 511);
	CHECK("%20lld|%-20llu|", LLONG_MIN, ULLONG_MAX);
	CHECK("%.25lld", -1LL);
}

TEST(star_width_and_precision)
{
	CHECK("%*d|", 6, 42);
	CHECK("%*d|", -6, 42);		/* negative width means '-' */
	CHECK("%.*d|", 4, 7);
	CHECK("%.*d|", -1, 0);		/* negative precision: as if absent */
	CHECK("%*.*x|", 10, 6, 0xbeefU);
	CHECK("%-*.*s|", 8, 3, "abcdef");
	CHECK("%*s|%*s|", 3, "a", -3, "b");
	CHECK_ODD("%0*d|", 7, -12);
}

TEST(strings)
{
	char unterminated[4] = { 'a', 'b', 'c', 'd' };

	CHECK("%s", "hello");
	CHECK("%10s|", "right");
	CHECK("%-10s|", "left");
	CHECK("%.2s|", "truncate");
	CHECK("%.0s|", "gone");
	CHECK("%8.3s|", "abcdef");
	CHECK("%.*s|", 4, unterminated);	/* must not read past 4 */
	CHECK("%s %s %s", "one", "two", "three");
}

TEST(null_string_prints_null_like_the_kernel)
{
	char buf[64];
	const char *volatile null = NULL;	/* hidden from -Wformat-overflow */

	ukmem_snprintf(buf, sizeof(buf), "[%s]", null);
	EXPECT_STREQ(buf, "[(null)]");
	ukmem_snprintf(buf, sizeof(buf), "[%8s]", null);
	EXPECT_STREQ(buf, "[  (null)]");
	/* The kernel applies the precision to "(null)" like any string. */
	ukmem_snprintf(buf, sizeof(buf), "[%.3s]", null);
	EXPECT_STREQ(buf, "[(nu]");
}

TEST(pointers)
{
	int x;
	void *p = &x;
	char buf[64], want[64];

	/* The kernel's %px: every hex digit of the address, no prefix. */
	snprintf(want, sizeof(want), "%0*lx", (int)(2 * sizeof(void *)), (unsigned long)(uintptr_t)p);
	ukmem_snprintf(buf, sizeof(buf), "%p", p);
	EXPECT_STREQ(buf, want);
	EXPECT_EQ(ukmem_snprintf(buf, sizeof(buf), "%p", (void *)NULL), 2 * (int)sizeof(void *));
	EXPECT_STREQ(buf, sizeof(void *) == 8 ? "0000000000000000" : "00000000");
	ukmem_snprintf(buf, sizeof(buf), "%p", (void *)(uintptr_t)0x1000);
	EXPECT_STREQ(buf, sizeof(void *) == 8 ? "0000000000001000" : "00001000");
	snprintf(want, sizeof(want), "%20s|", sizeof(void *) == 8 ? "0000000000001000" : "00001000");
	ukmem_snprintf(buf, sizeof(buf), "%20p|", (void *)(uintptr_t)0x1000);
	EXPECT_STREQ(buf, want);
	ukmem_snprintf(buf, sizeof(buf), "0x%p", (void *)UINTPTR_MAX);
	EXPECT_STREQ(buf, sizeof(void *) == 8 ? "0xffffffffffffffff" : "0xffffffff");
}

TEST(mixed_line_like_a_report)
{
	CHECK("BUG %s (%s): %s\n", "kmalloc-64", "Not tainted", "Redzone overwritten");
	CHECK("INFO: 0x%lx-0x%lx @offset=%lu. First byte 0x%x instead of 0x%x\n",
	      0x1000UL, 0x1007UL, 4096UL, 0x00, 0xbb);
	CHECK("Node %d, zone %8s %6lu %6lu %6lu\n", 0, "Normal", 1UL, 22UL, 333UL);
	CHECK("%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u\n",
	      "kmalloc-8k", 12UL, 16UL, 8192U, 4U, 8, 0U, 0U, 0U);
}

TEST(truncation_returns_full_length_and_terminates)
{
	char buf[8];
	int n;

	memset(buf, 'X', sizeof(buf));
	n = ukmem_snprintf(buf, sizeof(buf), "%s", "0123456789");
	EXPECT_EQ(n, 10);
	EXPECT_STREQ(buf, "0123456");

	memset(buf, 'X', sizeof(buf));
	n = ukmem_snprintf(buf, 1, "%d", 12345);
	EXPECT_EQ(n, 5);
	EXPECT_EQ(buf[0], '\0');
	EXPECT_EQ(buf[1], 'X');		/* nothing past size is touched */

	n = ukmem_snprintf(NULL, 0, "%lu-%s", ULONG_MAX, "tail");
	EXPECT_EQ(n, snprintf(NULL, 0, "%lu-%s", ULONG_MAX, "tail"));

	memset(buf, 'X', sizeof(buf));
	n = ukmem_snprintf(buf, 4, "%5d", 1);
	EXPECT_EQ(n, 5);
	EXPECT_STREQ(buf, "   ");
	EXPECT_EQ(buf[4], 'X');

	/* Exactly fitting: 7 characters and the NUL in 8 bytes. */
	n = ukmem_snprintf(buf, sizeof(buf), "%07d", 42);
	EXPECT_EQ(n, 7);
	EXPECT_STREQ(buf, "0000042");
}

TEST(truncation_matches_libc_at_every_size)
{
	const char *fmt = "%s=%-6d|%#x|%c";

	for (size_t size = 0; size <= 24; size++) {
		char want[32], got[32];
		int nw, ng;

		memset(want, 'Z', sizeof(want));
		memset(got, 'Z', sizeof(got));
		nw = snprintf(size ? want : NULL, size, "%s=%-6d|%#x|%c", "key", -17, 0xab, '!');
		ng = ukmem_snprintf(size ? got : NULL, size, "%s=%-6d|%#x|%c", "key", -17, 0xab, '!');
		EXPECT_EQ(ng, nw);
		if (memcmp(want, got, sizeof(want)) != 0)
			HARNESS_FAIL("size %zu, format %s: libc \"%.32s\" ukmem \"%.32s\"",
				     size, fmt, want, got);
	}
}

TEST(unknown_conversion_stops_formatting)
{
	char buf[32];
	const char *fmt = "ab%qd%d";	/* 'q' is not a conversion ukmem knows */
	int n = ukmem_snprintf(buf, sizeof(buf), fmt, 1, 2);

	EXPECT_EQ(n, 2);
	EXPECT_STREQ(buf, "ab");
}

TEST(seq_buf_appends_and_reports_overflow)
{
	char buf[16];
	struct seq_buf s;

	ukmem_seq_init(&s, buf, sizeof(buf));
	EXPECT_STREQ(buf, "");
	ukmem_seq_printf(&s, "%d:%s", 12, "ab");
	ukmem_seq_puts(&s, "|");
	EXPECT_STREQ(buf, "12:ab|");
	EXPECT_UEQ(s.len, 6);
	EXPECT_TRUE(s.len < s.size);

	/* 9 more characters fill all 15 text bytes: no overflow yet. */
	ukmem_seq_printf(&s, "%09u", 7u);
	EXPECT_STREQ(buf, "12:ab|000000007");
	EXPECT_UEQ(s.len, 15);
	EXPECT_TRUE(s.len < s.size);

	/* One more character does not fit: dropped, counted, text intact. */
	ukmem_seq_puts(&s, "!");
	EXPECT_UEQ(s.len, 16);
	EXPECT_TRUE(s.len >= s.size);
	EXPECT_STREQ(buf, "12:ab|000000007");

	ukmem_seq_printf(&s, "%s", "more");
	EXPECT_UEQ(s.len, 20);
	EXPECT_STREQ(buf, "12:ab|000000007");
}

TEST(seq_buf_partial_write_is_terminated)
{
	char buf[8];
	struct seq_buf s;

	ukmem_seq_init(&s, buf, sizeof(buf));
	ukmem_seq_puts(&s, "abc");
	ukmem_seq_printf(&s, "%s", "defghij");
	EXPECT_UEQ(s.len, 10);
	EXPECT_TRUE(s.len >= s.size);
	EXPECT_STREQ(buf, "abcdefg");

	/* A text ending exactly in the last byte lost its last character
	 * to the NUL, so it reads as overflow. */
	ukmem_seq_init(&s, buf, sizeof(buf));
	ukmem_seq_puts(&s, "12345678");
	EXPECT_UEQ(s.len, 8);
	EXPECT_TRUE(s.len >= s.size);
	EXPECT_STREQ(buf, "1234567");
}

TEST(string_helpers)
{
	const char *h = "hello";
	char small[4];

	EXPECT_EQ(ukmem_strlen(""), 0);
	EXPECT_EQ(ukmem_strlen("abc"), 3);
	EXPECT_EQ(ukmem_strcmp("abc", "abc"), 0);
	EXPECT_LT(ukmem_strcmp("abc", "abd"), 0);
	EXPECT_GT(ukmem_strcmp("abc", "ab"), 0);
	EXPECT_GT(ukmem_strcmp("\xff", "a"), 0);	/* compares as unsigned char */
	EXPECT_EQ(ukmem_strncmp("abcX", "abcY", 3), 0);
	EXPECT_LT(ukmem_strncmp("abcX", "abcY", 4), 0);
	EXPECT_EQ(ukmem_strncmp("a", "b", 0), 0);
	EXPECT_EQ(ukmem_strncmp("ab", "ab", 10), 0);
	EXPECT_TRUE(ukmem_strchr(h, 'l') == h + 2);
	EXPECT_TRUE(ukmem_strchr(h, '\0') == h + 5);
	EXPECT_TRUE(ukmem_strchr(h, 'z') == NULL);
	EXPECT_UEQ(ukmem_strlcpy(small, "toolong", sizeof(small)), 7);
	EXPECT_STREQ(small, "too");
	EXPECT_UEQ(ukmem_strlcpy(small, "ok", sizeof(small)), 2);
	EXPECT_STREQ(small, "ok");
	small[0] = 'Q';
	EXPECT_UEQ(ukmem_strlcpy(small, "xyz", 0), 3);
	EXPECT_EQ(small[0], 'Q');
}

/* Run fn with stderr (the hosted log sink) captured into buf. */
static void capture_stderr(void (*fn)(void), char *buf, size_t size)
{
	int pipefd[2], saved;
	ssize_t n;

	buf[0] = '\0';
	if (pipe(pipefd) != 0)
		return;
	saved = dup(STDERR_FILENO);
	dup2(pipefd[1], STDERR_FILENO);
	close(pipefd[1]);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = read(pipefd[0], buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
}

static void print_long_message(void)
{
	char big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ukmem_printk("%s %d\n", "short", 7);
	ukmem_printk("<%s>", big);
}

TEST(printk_writes_one_message_truncated_to_1023_bytes)
{
	static char buf[4096];
	size_t len;

	capture_stderr(print_long_message, buf, sizeof(buf));
	len = strlen(buf);
	EXPECT_UEQ(len, 8 + 1023);
	EXPECT_TRUE(strncmp(buf, "short 7\n<xxx", 12) == 0);
	EXPECT_EQ(buf[len - 1], 'x');	/* the closing '>' was cut off */
}

static struct ratelimit_state rs;
static bool rl_results[8];

static void run_ratelimit_window(void)
{
	for (int i = 0; i < 5; i++)
		rl_results[i] = ukmem_ratelimit(&rs);
	usleep(60 * 1000);
	rl_results[5] = ukmem_ratelimit(&rs);
}

TEST(ratelimit_allows_a_burst_per_interval)
{
	char buf[256];

	memset(&rs, 0, sizeof(rs));
	rs.interval_ns = 50 * 1000 * 1000;
	rs.burst = 3;
	capture_stderr(run_ratelimit_window, buf, sizeof(buf));
	EXPECT_TRUE(rl_results[0] && rl_results[1] && rl_results[2]);
	EXPECT_FALSE(rl_results[3] || rl_results[4]);
	EXPECT_TRUE(rl_results[5]);		/* a new window */
	EXPECT_STREQ(buf, "ukmem: 2 callbacks suppressed\n");
	EXPECT_EQ(rs.printed, 1);
	EXPECT_EQ(rs.missed, 0);
	EXPECT_EQ(rs.lock, 0);
}

TEST(ratelimit_edge_cases)
{
	struct ratelimit_state unlimited = { 0 };
	struct ratelimit_state silent = { .interval_ns = 1000000000, .burst = 0 };
	struct ratelimit_state busy = { .interval_ns = 1000000000, .burst = 10 };

	/* No interval: no limit (the kernel's rule). */
	for (int i = 0; i < 100; i++)
		EXPECT_TRUE(ukmem_ratelimit(&unlimited));
	EXPECT_FALSE(ukmem_ratelimit(&silent));
	/* Another caller holds the state: drop rather than wait. */
	busy.lock = 1;
	EXPECT_FALSE(ukmem_ratelimit(&busy));
	EXPECT_EQ(busy.printed, 0);
	busy.lock = 0;
	EXPECT_TRUE(ukmem_ratelimit(&busy));
}

RUN_TESTS(T(plain_text_and_percent), T(signed_decimal), T(unsigned_bases),
	  T(length_modifiers), T(star_width_and_precision), T(strings),
	  T(null_string_prints_null_like_the_kernel), T(pointers),
	  T(mixed_line_like_a_report), T(truncation_returns_full_length_and_terminates),
	  T(truncation_matches_libc_at_every_size), T(unknown_conversion_stops_formatting),
	  T(seq_buf_appends_and_reports_overflow), T(seq_buf_partial_write_is_terminated),
	  T(string_helpers), T(printk_writes_one_message_truncated_to_1023_bytes),
	  T(ratelimit_allows_a_burst_per_interval), T(ratelimit_edge_cases))
