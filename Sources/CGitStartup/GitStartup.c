#define _GNU_SOURCE
#include "CGitStartup.h"
#include <dlfcn.h>
#include <git2.h>
#include <stdatomic.h>
#include <string.h>

/* Set only while sdetkit_git_init_without_ca_bundle() runs git_libgit2_init(). */
static atomic_int skipping = 0;
static atomic_int skipped = 0;

typedef int (*parse_fn)(void *chain, const char *location);

static int forward(const char *symbol, void *chain, const char *location) {
    parse_fn real = (parse_fn)dlsym(RTLD_NEXT, symbol);
    /* MBEDTLS_ERR_X509_FILE_IO_ERROR when mbedTLS is not loaded at all. */
    return real ? real(chain, location) : -0x2900;
}

/* These definitions interpose mbedTLS's (the executable is searched first by the dynamic
 * linker, and the linker exports them because libgit2.so references them). */
int mbedtls_x509_crt_parse_file(void *chain, const char *path) {
    if (atomic_load(&skipping)) { atomic_fetch_add(&skipped, 1); return 0; }
    return forward("mbedtls_x509_crt_parse_file", chain, path);
}

int mbedtls_x509_crt_parse_path(void *chain, const char *path) {
    if (atomic_load(&skipping)) { atomic_fetch_add(&skipped, 1); return 0; }
    return forward("mbedtls_x509_crt_parse_path", chain, path);
}

int sdetkit_git_init_without_ca_bundle(void) {
    atomic_store(&skipping, 1);
    int result = git_libgit2_init();
    atomic_store(&skipping, 0);
    return result;
}

int sdetkit_git_skipped_ca_loads(void) { return atomic_load(&skipped); }

int sdetkit_test_parse_ca_file(const char *path) {
    if (!dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file")) return -1;
    /* mbedtls_x509_crt is a few hundred bytes; a zeroed, generously sized buffer is a valid
     * empty chain (mbedtls_x509_crt_init only zeroes it). Nothing is loaded on failure. */
    static unsigned char chain[4096];
    memset(chain, 0, sizeof chain);
    return mbedtls_x509_crt_parse_file(chain, path);
}
