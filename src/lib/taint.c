/*
 * taint.c - the taint mask: which kinds of trouble this process's ukmem
 * has reported, shown in every report header as the kernel shows it.
 *
 * The kernel keeps tainted_mask in kernel/panic.c: add_taint() sets a bit
 * and print_tainted() renders "Not tainted" while the mask is 0, otherwise
 * "Tainted: " and one character per taint flag, c_true if the flag is set,
 * c_false if not ('G' for a clear PROPRIETARY_MODULE, ' ' for the rest),
 * so a header with only BAD_PAGE set reads "Tainted: G    B" and 13 spaces.
 * The flag table is Linux 6.6's, 19 flags (6.12 added FWCTL and 6.16
 * FAULT_INJECTION, which would lengthen the string by one each).  /proc/
 * sys/kernel/tainted shows the mask in decimal.
 *
 * ukmem sets two flags, each where the kernel sets it, after the report
 * (so the report that causes a taint does not show it yet):
 *   TAINT_BAD_PAGE  bad_page() (also when its report is rate-limited) and
 *                   SLUB's error reports (object_err, slab_err)
 *   TAINT_WARN      the reports that are a WARN() in the kernel
 *
 * The mask is only ever ORed, atomically; renderers read it once, so a
 * rendering is one consistent state.  The caller owns the buffer: reports
 * format on the stack (the kernel's static buffer would race).
 */
#include "lib/lib.h"
#include "platform/platform.h"

static unsigned long tainted_mask;

/* c_true, c_false of Linux 6.6's taint_flags[], by flag number. */
static const char taint_chars[TAINT_FLAGS_COUNT][2] = {
	{ 'P', 'G' },	/* PROPRIETARY_MODULE */
	{ 'F', ' ' },	/* FORCED_MODULE */
	{ 'S', ' ' },	/* CPU_OUT_OF_SPEC */
	{ 'R', ' ' },	/* FORCED_RMMOD */
	{ 'M', ' ' },	/* MACHINE_CHECK */
	{ 'B', ' ' },	/* BAD_PAGE */
	{ 'U', ' ' },	/* USER */
	{ 'D', ' ' },	/* DIE */
	{ 'A', ' ' },	/* OVERRIDDEN_ACPI_TABLE */
	{ 'W', ' ' },	/* WARN */
	{ 'C', ' ' },	/* CRAP */
	{ 'I', ' ' },	/* FIRMWARE_WORKAROUND */
	{ 'O', ' ' },	/* OOT_MODULE */
	{ 'E', ' ' },	/* UNSIGNED_MODULE */
	{ 'L', ' ' },	/* SOFTLOCKUP */
	{ 'K', ' ' },	/* LIVEPATCH */
	{ 'X', ' ' },	/* AUX */
	{ 'T', ' ' },	/* RANDSTRUCT */
	{ 'N', ' ' },	/* TEST */
};

/* panic_on_taint=<mask>: a taint in the mask stops the program (the
 * kernel's panic_on_taint, for runs that must report nothing). */
static unsigned long panic_on_taint;

void ukmem_set_panic_on_taint(unsigned long mask)
{
	__atomic_store_n(&panic_on_taint, mask, __ATOMIC_RELAXED);
}

void ukmem_add_taint(unsigned int flag)
{
	__atomic_fetch_or(&tainted_mask, 1UL << flag, __ATOMIC_RELAXED);
	if (__atomic_load_n(&panic_on_taint, __ATOMIC_RELAXED) & (1UL << flag)) {
		ukmem_printk("Kernel panic - not syncing: panic_on_taint set ...\n");
		ukmem_plat_panic();
	}
}

unsigned long ukmem_get_taint(void)
{
	return __atomic_load_n(&tainted_mask, __ATOMIC_RELAXED);
}

const char *ukmem_print_tainted(char buf[TAINT_BUF_SIZE])
{
	unsigned long mask = ukmem_get_taint();
	size_t n;

	if (!mask) {
		ukmem_strlcpy(buf, "Not tainted", TAINT_BUF_SIZE);
		return buf;
	}
	n = ukmem_strlcpy(buf, "Tainted: ", TAINT_BUF_SIZE);
	for (unsigned int i = 0; i < TAINT_FLAGS_COUNT; i++)
		buf[n++] = taint_chars[i][(mask >> i) & 1 ? 0 : 1];
	buf[n] = '\0';
	return buf;
}
