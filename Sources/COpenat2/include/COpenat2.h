#ifndef SDETKIT_COPENAT2_H
#define SDETKIT_COPENAT2_H
#include <stdint.h>

/// openat2(2)'s `resolve` flags (linux/openat2.h), defined here so that old headers build too.
#define SDK_RESOLVE_NO_XDEV       0x01
#define SDK_RESOLVE_NO_MAGICLINKS 0x02
#define SDK_RESOLVE_NO_SYMLINKS   0x04
#define SDK_RESOLVE_BENEATH       0x08
#define SDK_RESOLVE_IN_ROOT       0x10

/// openat2(dirfd, path, {flags, mode, resolve}) through syscall(2) (Swift cannot call the variadic
/// `syscall`). Returns the new descriptor, or a negative errno (-ENOSYS where the kernel or libc has no
/// openat2, -EPERM when a seccomp filter refuses it, -ELOOP for a symbolic link met with
/// RESOLVE_NO_SYMLINKS, -EXDEV for a path escaping `dirfd` with RESOLVE_BENEATH). `mode` is passed only
/// with O_CREAT or O_TMPFILE (the kernel rejects it otherwise).
/// O_PATH (which glibc's headers show only with _GNU_SOURCE): a descriptor that only names a place.
extern const int sdk_O_PATH;

int sdk_openat2(int dirfd, const char *path, int flags, int mode, uint64_t resolve);
#endif
