/*
 * log.h - ukmem's messages captured in memory for a test (install
 * log_capture with ukmem_set_log_hook); works on both platforms.  Include
 * it after harness.h, which gives the string functions on a board.
 */
#ifndef UKMEM_TEST_LOG_H
#define UKMEM_TEST_LOG_H

#include <stddef.h>
#if __STDC_HOSTED__
#include <string.h>
#endif

static char log_text[1 << 16];
static size_t log_len;

static inline void log_capture(const char *msg, size_t len)
{
	if (log_len + len < sizeof(log_text)) {
		memcpy(log_text + log_len, msg, len);
		log_len += len;
		log_text[log_len] = '\0';
	}
}

static inline void log_clear(void)
{
	log_len = 0;
	log_text[0] = '\0';
}

/* Where the log ends now, for log_count_since. */
static inline size_t log_mark(void)
{
	return log_len;
}

/* Occurrences of needle logged since mark. */
static inline int log_count_since(size_t mark, const char *needle)
{
	return count_substr(log_text + mark, needle);
}

#endif /* UKMEM_TEST_LOG_H */
