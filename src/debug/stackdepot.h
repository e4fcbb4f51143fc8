/*
 * stackdepot.h - (to be written: see src/debug/stackdepot.c)
 */
#ifndef UKMEM_DEBUG_STACKDEPOT_H
#define UKMEM_DEBUG_STACKDEPOT_H

#endif /* UKMEM_DEBUG_STACKDEPOT_H */
