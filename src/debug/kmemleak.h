/*
 * kmemleak.h - (to be written: see src/debug/kmemleak.c)
 */
#ifndef UKMEM_DEBUG_KMEMLEAK_H
#define UKMEM_DEBUG_KMEMLEAK_H

#endif /* UKMEM_DEBUG_KMEMLEAK_H */
