#include "CGitStartup.h"
#include <git2.h>
#include <stdatomic.h>
#include <string.h>

/* Set only while sdetkit_git_init_without_ca_bundle() runs git_libgit2_init(). */
static atomic_int skipping = 0;
static atomic_int skipped = 0;

/* The linker is given --wrap for both mbedTLS CA loaders (Package.swift): every call to
 * mbedtls_x509_crt_parse_file/_path from libgit2's (static) archive comes here, and
 * __real_* is mbedTLS's own function. */
int __real_mbedtls_x509_crt_parse_file(void *chain, const char *path);
int __real_mbedtls_x509_crt_parse_path(void *chain, const char *path);

int __wrap_mbedtls_x509_crt_parse_file(void *chain, const char *path) {
    if (atomic_load(&skipping)) { atomic_fetch_add(&skipped, 1); return 0; }
    return __real_mbedtls_x509_crt_parse_file(chain, path);
}

int __wrap_mbedtls_x509_crt_parse_path(void *chain, const char *path) {
    if (atomic_load(&skipping)) { atomic_fetch_add(&skipped, 1); return 0; }
    return __real_mbedtls_x509_crt_parse_path(chain, path);
}

int sdetkit_git_init_without_ca_bundle(void) {
    atomic_store(&skipping, 1);
    int result = git_libgit2_init();
    atomic_store(&skipping, 0);
    return result;
}

int sdetkit_git_skipped_ca_loads(void) { return atomic_load(&skipped); }

/* Declared here rather than through mbedTLS's headers: only the call matters. */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);

int sdetkit_test_parse_ca_file(const char *path) {
    /* mbedtls_x509_crt is a few hundred bytes; a zeroed, generously sized buffer is a valid
     * empty chain (mbedtls_x509_crt_init only zeroes it). Nothing is loaded on failure. */
    static unsigned char chain[4096];
    memset(chain, 0, sizeof chain);
    return mbedtls_x509_crt_parse_file(chain, path); /* goes through the wrapper, like libgit2 */
}
