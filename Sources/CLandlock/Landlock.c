// Landlock (Documentation/userspace-api/landlock.rst) through its three system calls. The structures and
// flags are declared here because Debian 12's linux-libc-dev (6.1) predates ABI 3–6; the values are the
// kernel's uapi (include/uapi/linux/landlock.h).
#define _GNU_SOURCE
#include "CLandlock.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

struct sdk_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct sdk_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

#define SDK_CREATE_RULESET_VERSION (1U << 0)
#define SDK_RULE_PATH_BENEATH 1

#define FS_WRITE_FILE (1ULL << 1)
#define FS_REMOVE_DIR (1ULL << 4)
#define FS_REMOVE_FILE (1ULL << 5)
#define FS_MAKE_CHAR (1ULL << 6)
#define FS_MAKE_DIR (1ULL << 7)
#define FS_MAKE_REG (1ULL << 8)
#define FS_MAKE_SOCK (1ULL << 9)
#define FS_MAKE_FIFO (1ULL << 10)
#define FS_MAKE_BLOCK (1ULL << 11)
#define FS_MAKE_SYM (1ULL << 12)
#define FS_REFER (1ULL << 13)      /* ABI 2 */
#define FS_TRUNCATE (1ULL << 14)   /* ABI 3 */
#define NET_BIND_TCP (1ULL << 0)   /* ABI 4 */
#define NET_CONNECT_TCP (1ULL << 1)
#define SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define SCOPE_SIGNAL (1ULL << 1)

int sdk_landlock_abi(void) {
    long v = syscall(__NR_landlock_create_ruleset, NULL, 0, SDK_CREATE_RULESET_VERSION);
    return v < 0 ? -errno : (int)v;
}

static int fail(char *err, int len, const char *what, const char *path) {
    int e = errno;
    snprintf(err, (size_t)len, "%s%s%s: %s", what, path ? " " : "", path ? path : "", strerror(e));
    return -1;
}

static int add_rule(int ruleset, const char *path, uint64_t access, int directory, char *err, int len) {
    int fd = open(path, O_PATH | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
    if (fd < 0) return fail(err, len, "landlock: cannot open", path);
    struct sdk_path_beneath_attr rule = {.allowed_access = access, .parent_fd = fd};
    long rc = syscall(__NR_landlock_add_rule, ruleset, SDK_RULE_PATH_BENEATH, &rule, 0);
    int saved = errno;
    close(fd);
    errno = saved;
    if (rc != 0) return fail(err, len, "landlock: cannot allow writes beneath", path);
    return 0;
}

int sdk_landlock_restrict(const char *const *write_dirs, int n_dirs, const char *const *write_files, int n_files,
                          int deny_network, char *err, int err_len) {
    int abi = sdk_landlock_abi();
    if (abi < 1) {
        errno = -abi;
        return fail(err, err_len, "landlock: not available in this kernel", NULL);
    }
    uint64_t file_write = FS_WRITE_FILE | (abi >= 3 ? FS_TRUNCATE : 0);
    uint64_t fs = file_write | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_CHAR | FS_MAKE_DIR | FS_MAKE_REG |
                  FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_BLOCK | FS_MAKE_SYM | (abi >= 2 ? FS_REFER : 0);
    struct sdk_ruleset_attr attr = {.handled_access_fs = fs, .handled_access_net = 0, .scoped = 0};
    size_t size = sizeof(uint64_t);
    if (abi >= 4) {
        size = 2 * sizeof(uint64_t);
        if (deny_network) attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
    }
    if (abi >= 6) {
        size = sizeof(attr);
        attr.scoped = SCOPE_SIGNAL | (deny_network ? SCOPE_ABSTRACT_UNIX : 0);
    }
    int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0) return fail(err, err_len, "landlock: cannot create a ruleset", NULL);
    for (int i = 0; i < n_dirs; i++) {
        if (add_rule(ruleset, write_dirs[i], fs, 1, err, err_len) != 0) { close(ruleset); return -1; }
    }
    for (int i = 0; i < n_files; i++) {
        if (add_rule(ruleset, write_files[i], file_write, 0, err, err_len) != 0) { close(ruleset); return -1; }
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        close(ruleset);
        return fail(err, err_len, "landlock: cannot set no_new_privs", NULL);
    }
    if (syscall(__NR_landlock_restrict_self, ruleset, 0) != 0) {
        close(ruleset);
        return fail(err, err_len, "landlock: cannot restrict the process", NULL);
    }
    close(ruleset);
    return 0;
}

static void launcher_fail(const char *message, const char *detail, int status) {
    dprintf(2, "sdetkit sandbox: %s%s%s\n", message, detail ? ": " : "", detail ? detail : "");
    _exit(status);
}

#define SDK_MAX_RULES 256

void sdk_sandbox_exec_main(int argc, char **argv) {
    const char *dirs[SDK_MAX_RULES];
    const char *files[SDK_MAX_RULES];
    int n_dirs = 0, n_files = 0, deny_network = 1, i = 2;
    for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (i + 1 >= argc) launcher_fail("option needs a value", argv[i], 126);
        if (strcmp(argv[i], "--write") == 0) {
            if (n_dirs == SDK_MAX_RULES) launcher_fail("too many --write directories", NULL, 126);
            dirs[n_dirs++] = argv[i + 1];
        } else if (strcmp(argv[i], "--write-file") == 0) {
            if (n_files == SDK_MAX_RULES) launcher_fail("too many --write-file files", NULL, 126);
            files[n_files++] = argv[i + 1];
        } else if (strcmp(argv[i], "--network") == 0) {
            deny_network = strcmp(argv[i + 1], "on") != 0;
        } else {
            launcher_fail("unknown option", argv[i], 126);
        }
    }
    if (i + 1 >= argc) launcher_fail("no command after --", NULL, 126);
    char err[512] = {0};
    if (sdk_landlock_restrict(dirs, n_dirs, files, n_files, deny_network, err, (int)sizeof err) != 0) {
        launcher_fail(err, NULL, 126);
    }
    execv(argv[i + 1], &argv[i + 1]);
    int e = errno;
    launcher_fail("cannot run", argv[i + 1], e == ENOENT ? 127 : 126);
}

/// Runs the launcher before the Swift runtime (and its threads) start: a sandboxed command then costs one
/// exec of a small prefix of sdetkit, not a full start-up.
__attribute__((constructor)) static void sdk_sandbox_constructor(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc > 1 && argv && argv[1] && strcmp(argv[1], "__sandbox-exec") == 0) sdk_sandbox_exec_main(argc, argv);
}
