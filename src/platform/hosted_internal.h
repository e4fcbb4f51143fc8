/*
 * hosted_internal.h - what the files of the hosted platform share and the
 * core does not see.
 */
#ifndef UKMEM_PLATFORM_HOSTED_INTERNAL_H
#define UKMEM_PLATFORM_HOSTED_INTERNAL_H

#include <stdbool.h>

/*
 * Inside a signal handler of ukmem's own (KFENCE's fault handler): names
 * come from dladdr only, which takes no lock and does not allocate, where
 * libdw would malloc (the fault may have struck inside malloc).  Returns
 * the previous setting, to restore.
 */
bool hosted_symbolize_in_handler(bool on);

#endif /* UKMEM_PLATFORM_HOSTED_INTERNAL_H */
