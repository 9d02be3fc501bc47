// sdetkit-sandbox: the sandbox launcher on its own, a small C program installed beside sdetkit.
// `sdetkit-sandbox __sandbox-exec [--write DIR]… [--write-file FILE]… [--network on|off] -- CMD ARGS…`
// enters a Landlock domain and execs CMD (CLandlock's sdk_sandbox_exec_main). sdetkit itself can do the
// same (an ELF constructor), but starting its large binary costs several milliseconds per command; this
// one starts in about one. Not a user command: sdetkit runs it for shell.run, template steps and serve.
#include "CLandlock.h"
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "__sandbox-exec") != 0) {
        fprintf(stderr, "sdetkit-sandbox: not a user command; sdetkit runs it to confine the commands it starts "
                        "(docs/security-model.md)\n");
        return 2;
    }
    sdk_sandbox_exec_main(argc, argv);
}
