/* GSSAPI (Kerberos) for libgit2, loaded on first use.
 *
 * libgit2's HTTP "Negotiate" authentication is the only user of GSSAPI, and sdetkit never uses
 * libgit2's network. Debian ships no static libgssapi_krb5, so linking it would load seven
 * shared libraries (Kerberos, its crypto, keyutils, resolv, ...) and bind their symbols on every
 * start of every command. Instead, the eight GSSAPI symbols libgit2's archive references are
 * defined here: each function opens libgssapi_krb5.so.2 on its first call and forwards to it.
 * Without the library, a call answers GSS_S_UNAVAILABLE and libgit2 reports the failed
 * authentication. The prototypes are RFC 2744's; every handle is a pointer.
 */
#define _GNU_SOURCE
#include "CGitStartup.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t OM_uint32;
typedef struct { OM_uint32 length; void *elements; } gss_OID_desc;
typedef gss_OID_desc *gss_OID;

#define GSS_S_COMPLETE 0u
#define GSS_S_UNAVAILABLE (16u << 16)

/* RFC 2743 4.1: the host-based service name type, {iso(1) member-body(2) us(840)
 * mit(113554) infosys(1) gssapi(2) generic(1) service_name(4)}. MIT compares OIDs by value. */
static gss_OID_desc hostbased_service = { 10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04" };
gss_OID GSS_C_NT_HOSTBASED_SERVICE = &hostbased_service;

static void *library;
static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static void open_library(void) { library = dlopen("libgssapi_krb5.so.2", RTLD_NOW | RTLD_LOCAL); }

static void *resolve(const char *name) {
    pthread_once(&library_once, open_library);
    return library ? dlsym(library, name) : NULL;
}

#define FORWARD(name, params, args)                                              \
    OM_uint32 name params {                                                      \
        typedef OM_uint32 (*fn_t) params;                                        \
        static fn_t fn;                                                          \
        fn_t f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);                         \
        if (!f) {                                                                \
            f = (fn_t)resolve(#name);                                            \
            if (!f) { if (minor) *minor = 0; return GSS_S_UNAVAILABLE; }         \
            __atomic_store_n(&fn, f, __ATOMIC_RELEASE);                          \
        }                                                                        \
        return f args;                                                           \
    }

FORWARD(gss_delete_sec_context, (OM_uint32 *minor, void **context, void *output_token),
        (minor, context, output_token))
FORWARD(gss_display_status, (OM_uint32 *minor, OM_uint32 status, int status_type, gss_OID mech,
                             OM_uint32 *message_context, void *status_string),
        (minor, status, status_type, mech, message_context, status_string))
FORWARD(gss_import_name, (OM_uint32 *minor, void *input_name, gss_OID name_type, void **output_name),
        (minor, input_name, name_type, output_name))
FORWARD(gss_indicate_mechs, (OM_uint32 *minor, void **mech_set), (minor, mech_set))
FORWARD(gss_init_sec_context, (OM_uint32 *minor, void *credential, void **context, void *target,
                               gss_OID mech, OM_uint32 flags, OM_uint32 time, void *bindings,
                               void *input_token, gss_OID *actual_mech, void *output_token,
                               OM_uint32 *returned_flags, OM_uint32 *time_valid),
        (minor, credential, context, target, mech, flags, time, bindings, input_token, actual_mech,
         output_token, returned_flags, time_valid))
FORWARD(gss_release_buffer, (OM_uint32 *minor, void *buffer), (minor, buffer))
FORWARD(gss_release_name, (OM_uint32 *minor, void **name), (minor, name))
FORWARD(gss_release_oid_set, (OM_uint32 *minor, void **set), (minor, set))

typedef struct { size_t count; gss_OID elements; } gss_OID_set_desc;

int sdetkit_test_gss_mechanism_count(void) {
    OM_uint32 minor = 0;
    gss_OID_set_desc *set = NULL;
    if (gss_indicate_mechs(&minor, (void **)&set) != GSS_S_COMPLETE || !set) return -1;
    int count = (int)set->count;
    gss_release_oid_set(&minor, (void **)&set);
    return count;
}

int sdetkit_gss_library_loaded(void) {
    void *handle = dlopen("libgssapi_krb5.so.2", RTLD_NOW | RTLD_NOLOAD);
    if (!handle) return 0;
    dlclose(handle);
    return 1;
}
