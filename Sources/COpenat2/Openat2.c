#define _GNU_SOURCE
#include "COpenat2.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#ifndef O_TMPFILE
#define O_TMPFILE 0
#endif

/// struct open_how (linux/openat2.h), layout fixed by the kernel ABI.
struct sdk_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

const int sdk_O_PATH = O_PATH;

int sdk_openat2(int dirfd, const char *path, int flags, int mode, uint64_t resolve) {
#if defined(__linux__) && defined(SYS_openat2)
    struct sdk_open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(unsigned int)flags;
    // O_TMPFILE includes O_DIRECTORY's bit: test all of it, or every directory open would pass a mode (EINVAL).
    int wants_mode = (flags & O_CREAT) || (O_TMPFILE && (flags & O_TMPFILE) == O_TMPFILE);
    how.mode = wants_mode ? (uint64_t)(unsigned int)mode : 0;
    how.resolve = resolve;
    long fd;
    do {
        fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : (int)fd;
#else
    (void)dirfd; (void)path; (void)flags; (void)mode; (void)resolve;
    return -ENOSYS;
#endif
}
