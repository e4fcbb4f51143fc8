/*
 * startup.c - reset and faults of a Cortex-M test program (ARMv7-M and
 * ARMv8-M mainline: M3, M4, M7, M33).
 *
 * The vector table (section .vectors, placed at address 0 by the linker
 * script) gives the initial stack pointer and the reset handler; every
 * other exception goes to one fault handler, since a test program enables
 * no interrupts.  Reset copies .data from its load address, zeroes .bss,
 * makes the core strict about alignment, and runs main; its return value
 * is the exit status.
 *
 * Strict alignment: CCR.UNALIGN_TRP makes every unaligned 16- or 32-bit
 * access a UsageFault, as on a Cortex-M0 or a core with a cache that
 * does not forgive it (the programs are built with -mno-unaligned-access so
 * that only wrong pointers fault).  CCR.DIV_0_TRP does the same for
 * division by zero, which the core otherwise answers with 0.
 *
 * A fault prints the exception, the faulting pc and the fault status
 * registers, and exits with status 134 (a host's "killed by SIGABRT").
 */
#include <stdint.h>

#include "board_libc.h"
#include "semihost.h"

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_top[];

int main(void);
void reset_handler(void);
void fault_handler(void);
void fault_report(const uint32_t *frame, uint32_t exc);

#define SCB_CCR		(*(volatile uint32_t *)0xe000ed14)
#define SCB_SHCSR	(*(volatile uint32_t *)0xe000ed24)
#define SCB_CFSR	(*(volatile uint32_t *)0xe000ed28)
#define SCB_HFSR	(*(volatile uint32_t *)0xe000ed2c)
#define SCB_MMFAR	(*(volatile uint32_t *)0xe000ed34)
#define SCB_BFAR	(*(volatile uint32_t *)0xe000ed38)
#define CCR_UNALIGN_TRP	(1u << 3)
#define CCR_DIV_0_TRP	(1u << 4)
/* MemManage, BusFault and UsageFault get their own exception numbers
 * instead of all escalating to HardFault. */
#define SHCSR_FAULTS	(7u << 16)

__attribute__((section(".vectors"), used))
static void (*const vectors[16])(void) = {
	(void (*)(void))(uintptr_t)__stack_top,
	reset_handler,
	fault_handler, fault_handler, fault_handler, fault_handler, fault_handler,
	fault_handler, fault_handler, fault_handler, fault_handler, fault_handler,
	fault_handler, fault_handler, fault_handler, fault_handler,
};

void reset_handler(void)
{
	uint32_t *src = __data_load, *dst = __data_start;

	while (dst < __data_end)
		*dst++ = *src++;
	for (dst = __bss_start; dst < __bss_end; dst++)
		*dst = 0;
	SCB_CCR |= CCR_UNALIGN_TRP | CCR_DIV_0_TRP;
	SCB_SHCSR |= SHCSR_FAULTS;
	__asm__ volatile("dsb\n\tisb" ::: "memory");
	exit(main());
}

/* The stacked frame is on the stack that was in use: bit 2 of the
 * EXC_RETURN value in lr says which. */
__attribute__((naked)) void fault_handler(void)
{
	__asm__ volatile(
		"tst lr, #4\n\t"
		"ite eq\n\t"
		"mrseq r0, msp\n\t"
		"mrsne r0, psp\n\t"
		"mrs r1, ipsr\n\t"
		"b fault_report\n\t");
}

/* The report is put together by hand: a fault may come from anywhere,
 * and the bare-metal example links no printf. */
static void fault_puts(const char *s)
{
	semihost_write(1, s, strlen(s));
}

static void fault_put_hex(const char *name, uint32_t v)
{
	char hex[11] = "0x";

	for (int i = 0; i < 8; i++)
		hex[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
	hex[10] = '\0';
	fault_puts(" ");
	fault_puts(name);
	fault_puts("=");
	fault_puts(hex);
}

void fault_report(const uint32_t *frame, uint32_t exc)
{
	static const char *const names[] = {
		[2] = "NMI", [3] = "HardFault", [4] = "MemManage", [5] = "BusFault",
		[6] = "UsageFault", [7] = "SecureFault",
	};
	char num[4] = { (char)('0' + exc / 100 % 10), (char)('0' + exc / 10 % 10),
			(char)('0' + exc % 10), '\0' };

	fault_puts("\n*** ");
	fault_puts(exc < 8 && names[exc] ? names[exc] : "unexpected exception");
	fault_puts(" (exception ");
	fault_puts(num + (exc < 10 ? 2 : exc < 100 ? 1 : 0));
	fault_puts("):");
	fault_put_hex("pc", frame[6]);
	fault_put_hex("lr", frame[5]);
	fault_put_hex("CFSR", SCB_CFSR);
	fault_put_hex("HFSR", SCB_HFSR);
	fault_put_hex("MMFAR", SCB_MMFAR);
	fault_put_hex("BFAR", SCB_BFAR);
	fault_puts("\n");
	exit(134);
}
