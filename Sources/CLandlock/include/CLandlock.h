#ifndef SDETKIT_CLANDLOCK_H
#define SDETKIT_CLANDLOCK_H
#include <stdint.h>

/// The Landlock ABI version the running kernel offers (1, 2, …), or a negative errno
/// (-ENOSYS: not built in, -EOPNOTSUPP: disabled at boot).
int sdk_landlock_abi(void);

/// Restricts the calling thread (and every process it then creates or execs) with Landlock:
/// writes (create, remove, rename, truncate, write) only beneath `write_dirs`, file writes to `write_files`
/// (e.g. /dev/null), TCP bind/connect refused when `deny_network` (ABI ≥ 4), abstract UNIX sockets and
/// signals scoped to the domain (ABI ≥ 6). Reads and execution stay allowed everywhere.
/// Sets PR_SET_NO_NEW_PRIVS first. Returns 0, or -1 with a message in `err` (what failed and errno).
int sdk_landlock_restrict(const char *const *write_dirs, int n_dirs,
                          const char *const *write_files, int n_files,
                          int deny_network, char *err, int err_len);
#endif
