/*
 * errno.h - the kernel's error numbers (include/uapi/asm-generic/errno-base.h),
 * for the core, which returns -errno from control calls and cannot include
 * libc's <errno.h> (freestanding).  The values are Linux's, which libc's
 * match on every platform ukmem runs hosted on.
 */
#ifndef UKMEM_LIB_ERRNO_H
#define UKMEM_LIB_ERRNO_H

#define ENOENT	2
#define EAGAIN	11
#define ENOMEM	12
#define EACCES	13
#define EBUSY	16
#define EEXIST	17
#define EINVAL	22
#define ENOSPC	28
#define ERANGE	34
#define EOPNOTSUPP	95

#endif /* UKMEM_LIB_ERRNO_H */
