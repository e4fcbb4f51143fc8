/*
 * kfence.h - (to be written: see src/debug/kfence.c)
 */
#ifndef UKMEM_DEBUG_KFENCE_H
#define UKMEM_DEBUG_KFENCE_H

#endif /* UKMEM_DEBUG_KFENCE_H */
