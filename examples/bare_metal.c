/*
 * bare_metal.c - ukmem embedded in a program without an operating system:
 * the README's embedding snippet as a whole program, linked against
 * libukmem_bare.a (public API only).
 *
 * The program owns the memory: it hands ukmem a small "SRAM" region for
 * ZONE_DMA (what a DMA engine can reach) and a larger "SDRAM" region for
 * ZONE_NORMAL, as static arrays a linker script would place.  It installs
 * lock hooks that mask interrupts, so an interrupt handler may allocate
 * too, and a log hook that sends ukmem's reports to the console; then it
 * starts ukmem and uses pages, kmalloc and a cache, prints
 * /proc/buddyinfo, and gives everything back.  It exits 0 when every step
 * worked.
 *
 * It builds for two kinds of machine:
 *   - a Cortex-M board (freestanding): the console is board_puts() and
 *     board_write() of the board's runtime (tests/bare/arm, semihosting
 *     under QEMU; a UART on a real board), and the lock hooks set PRIMASK;
 *   - the host: the console is stdout, and the lock hooks are a
 *     test-and-set spinlock, standing in for the board's interrupt mask.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ukmem.h>

/* ---- the board ------------------------------------------------------------ */

#if __STDC_HOSTED__
#include <stdio.h>

static void board_write(const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
}

static void board_puts(const char *s)
{
	fputs(s, stdout);
}
#else
/* The board's console, from its runtime. */
void board_write(const char *s, size_t len);
void board_puts(const char *s);
#endif

/* ---- lock hooks ------------------------------------------------------------- */

#if defined(__arm__) && !__STDC_HOSTED__
/*
 * One core: a lock is "no interrupt can run".  Locks nest (ukmem holds a
 * zone lock inside a slab lock) and are not always released in the order
 * they were taken, so the mask is counted across all locks: the first
 * lock saves PRIMASK and masks, the last unlock restores what was saved.
 * Only code that runs with the mask set touches the count.  The lock's own
 * word records that it is held, for trylock.
 */
static unsigned int irq_depth;
static uint32_t irq_saved_primask;

static void irq_mask(void)
{
	uint32_t primask;

	__asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask) :: "memory");
	if (irq_depth++ == 0)
		irq_saved_primask = primask;
}

static void irq_unmask(void)
{
	if (--irq_depth == 0 && !(irq_saved_primask & 1))
		__asm__ volatile("cpsie i" ::: "memory");
}

static void board_lock(int *word)
{
	irq_mask();
	*word = 1;
}

static int board_trylock(int *word)
{
	irq_mask();
	if (*word) {		/* held by the code this interrupt cut into */
		irq_unmask();
		return 0;
	}
	*word = 1;
	return 1;
}

static void board_unlock(int *word)
{
	*word = 0;
	irq_unmask();
}
#else
/* The host has no interrupts to mask: a spinlock on the lock's word. */
static void board_lock(int *word)
{
	while (__atomic_exchange_n(word, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(word, __ATOMIC_RELAXED))
			;
}

static int board_trylock(int *word)
{
	return __atomic_exchange_n(word, 1, __ATOMIC_ACQUIRE) == 0;
}

static void board_unlock(int *word)
{
	__atomic_store_n(word, 0, __ATOMIC_RELEASE);
}
#endif

static const struct ukmem_lock_hooks board_lock_hooks = {
	board_lock, board_trylock, board_unlock,
};

/* ukmem's reports go to the console, marked as such.  Called with ukmem
 * locks held: it must not allocate. */
static unsigned int log_messages;

static void board_log(const char *msg, size_t len)
{
	log_messages++;
	board_puts("ukmem: ");
	board_write(msg, len);
}

/* ---- output ------------------------------------------------------------------- */

static void put_ulong(unsigned long v)
{
	char buf[24];
	int i = sizeof(buf) - 1;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	board_puts(buf + i);
}

static bool failed;

static void check(bool ok, const char *what)
{
	board_puts(ok ? "ok   " : "FAIL ");
	board_puts(what);
	board_puts("\n");
	failed |= !ok;
}

/* ---- the program ----------------------------------------------------------------- */

/* On a real board these would be the SRAM and SDRAM banks, placed by the
 * linker script; here they are plain arrays, small enough for the
 * emulated board's 16 MiB. */
static unsigned char sram[1 << 20];
static unsigned char sdram[8 << 20];

struct sensor_sample {
	uint32_t timestamp;
	int16_t value[6];
	struct sensor_sample *next;
};

static char text[4096];

int main(void)
{
	struct kmem_cache *samples;
	struct sensor_sample *first = NULL;
	struct page *dma_page, *block;
	void *small, *buffer;
	ssize_t len;

	check(ukmem_add_region(sram, sizeof(sram), ZONE_DMA, 0) == 0, "SRAM is ZONE_DMA");
	check(ukmem_add_region(sdram, sizeof(sdram), ZONE_NORMAL, 0) == 0,
	      "SDRAM is ZONE_NORMAL");
	check(ukmem_set_lock_hooks(&board_lock_hooks) == 0, "lock hooks installed");
	ukmem_set_log_hook(board_log);
	check(ukmem_init(NULL) == 0, "ukmem_init");
	if (failed)
		return 1;

	/* Pages: a DMA buffer from SRAM, and a 64 KiB block from SDRAM. */
	dma_page = alloc_pages(GFP_KERNEL | GFP_DMA, 1);
	check(dma_page && (unsigned char *)page_address(dma_page) >= sram &&
	      (unsigned char *)page_address(dma_page) < sram + sizeof(sram),
	      "alloc_pages(GFP_DMA, 1) is in SRAM");
	block = alloc_pages(GFP_KERNEL, 4);
	check(block && (uintptr_t)page_address(block) % (PAGE_SIZE << 4) == 0,
	      "alloc_pages(GFP_KERNEL, 4) is 64 KiB, aligned to 64 KiB");

	/* kmalloc: a small object and a buffer larger than any cache. */
	small = kmalloc(100, GFP_KERNEL);
	buffer = kzalloc(20000, GFP_KERNEL);
	check(small && ksize(small) == 128, "kmalloc(100) is a kmalloc-128 object");
	check(buffer && ((unsigned char *)buffer)[19999] == 0, "kzalloc(20000) is zeroed");

	/* A cache of samples, linked into a list. */
	samples = KMEM_CACHE(sensor_sample, 0);
	check(samples != NULL, "kmem_cache sensor_sample created");
	for (int i = 0; samples && i < 100; i++) {
		struct sensor_sample *s = kmem_cache_alloc(samples, GFP_KERNEL);

		if (!s)
			break;
		s->timestamp = (uint32_t)i;
		s->next = first;
		first = s;
	}
	{
		unsigned long n = 0;

		for (struct sensor_sample *s = first; s; s = s->next)
			n++;
		board_puts("samples allocated: ");
		put_ulong(n);
		board_puts("\n");
		check(n == 100, "100 samples");
	}

	len = ukmem_ctl_read("/proc/buddyinfo", text, sizeof(text));
	check(len > 0, "read /proc/buddyinfo");
	if (len > 0)
		board_puts(text);

	/* Everything back. */
	while (first) {
		struct sensor_sample *next = first->next;

		kmem_cache_free(samples, first);
		first = next;
	}
	kmem_cache_destroy(samples);
	kfree(buffer);
	kfree(small);
	if (block)
		__free_pages(block, 4);
	if (dma_page)
		__free_pages(dma_page, 1);
	ukmem_drain_all();
	check(log_messages == 0, "ukmem reported nothing");
	board_puts(failed ? "bare_metal: FAILED\n" : "bare_metal: done\n");
	return failed ? 1 : 0;
}
