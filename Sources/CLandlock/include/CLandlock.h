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

/// The sandbox launcher: `PROGRAM __sandbox-exec [--write DIR]… [--write-file FILE]… [--network on|off] -- CMD ARGS…`
/// (argv[1] is the verb). Restricts itself with sdk_landlock_restrict and execs CMD (an absolute path); on
/// failure prints one line on stderr and exits 126 (127 when CMD does not exist). Never returns.
/// It also runs from an ELF constructor when argv[1] is the verb, before the Swift runtime starts.
void sdk_sandbox_exec_main(int argc, char **argv) __attribute__((noreturn));
