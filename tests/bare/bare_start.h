/*
 * bare_start.h - start ukmem on the bare platform over two static arrays,
 * as a board program does: a "DMA" region and a normal one, handed over
 * with neither edge page-aligned (as a linker may place them).  Include
 * after harness.h and log.h.
 */
#ifndef UKMEM_TEST_BARE_START_H
#define UKMEM_TEST_BARE_START_H

static inline void bare_start(unsigned char *dma, size_t dma_size, unsigned char *normal,
			      size_t normal_size)
{
	ukmem_set_log_hook(log_capture);
	if (ukmem_add_region(dma + 1000, dma_size - 1000, ZONE_DMA, 0) ||
	    ukmem_add_region(normal + 7, normal_size - 7, ZONE_NORMAL, 0) ||
	    ukmem_init(NULL)) {
		fprintf(stderr, "bare setup failed:\n%s\n", log_text);
		exit(1);
	}
}

#endif /* UKMEM_TEST_BARE_START_H */
