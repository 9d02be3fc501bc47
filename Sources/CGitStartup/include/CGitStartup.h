#ifndef SDETKIT_CGITSTARTUP_H
#define SDETKIT_CGITSTARTUP_H

/// Initialises libgit2 once for the process without loading the system CA bundle.
///
/// Debian's libgit2 is built against mbedTLS and, inside git_libgit2_init(), parses the whole
/// system CA bundle (/etc/ssl/certs/ca-certificates.crt, ~150 certificates) — about 8 ms on
/// every start of every command. sdetkit never uses libgit2's network transports, so that work
/// is skipped: during this call only, the two mbedTLS CA-loading functions answer "nothing
/// loaded". Outside this call they forward to the real mbedTLS functions, so an explicit
/// GIT_OPT_SET_SSL_CERT_LOCATIONS still works. With an OpenSSL-built libgit2 the functions
/// are never called and this is a plain git_libgit2_init().
/// Returns git_libgit2_init()'s result.
int sdetkit_git_init_without_ca_bundle(void);

/// How many times the CA loading was skipped (tests check that the interposition is active).
int sdetkit_git_skipped_ca_loads(void);

/// Calls the (interposed) mbedTLS CA-file loader with a fresh chain; for tests.
/// Returns mbedTLS's result, or -1 when mbedTLS is not loaded.
int sdetkit_test_parse_ca_file(const char *path);

#endif
