#ifndef SDETKIT_CGITSTARTUP_H
#define SDETKIT_CGITSTARTUP_H

/// Initialises libgit2 once for the process without loading the system CA bundle.
///
/// Debian's libgit2 is built against mbedTLS and, inside git_libgit2_init(), parses the whole
/// system CA bundle (/etc/ssl/certs/ca-certificates.crt, ~150 certificates) — about 8 ms on
/// every start of every command. sdetkit never uses libgit2's network transports, so that work
/// is skipped: during this call only, the two mbedTLS CA-loading functions (wrapped at link
/// time, see Package.swift) answer "nothing loaded". Outside this call they forward to
/// mbedTLS, so an explicit GIT_OPT_SET_SSL_CERT_LOCATIONS still works.
/// Returns git_libgit2_init()'s result.
int sdetkit_git_init_without_ca_bundle(void);

/// How many times the CA loading was skipped (tests check that the interposition is active).
int sdetkit_git_skipped_ca_loads(void);

/// Calls the (wrapped) mbedTLS CA-file loader with a fresh chain, as libgit2 would; for tests.
/// Returns mbedTLS's result.
int sdetkit_test_parse_ca_file(const char *path);

/// Whether libgssapi_krb5 has been loaded into this process (it is loaded on first use only).
int sdetkit_gss_library_loaded(void);

/// Asks GSSAPI, through the lazy forwarding, how many mechanisms it offers; for tests.
/// Returns the count, or -1 when the call failed (e.g. the library is not installed).
int sdetkit_test_gss_mechanism_count(void);

#endif
