#ifndef SDETKIT_CLIBGIT2_SHIM_H
#define SDETKIT_CLIBGIT2_SHIM_H
#include <git2.h>

/* git_libgit2_opts is variadic and cannot be called from Swift. */
static inline int sdetkit_git_disable_owner_validation(void) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
}
#endif
