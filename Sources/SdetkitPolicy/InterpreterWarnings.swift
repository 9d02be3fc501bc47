import SdetkitCore

/// Shell allowlist entries that defeat the allowlist: a shell, an interpreter or a command runner as
/// `argv[0]` lets the rest of the argv run arbitrary code.
enum InterpreterCheck {
    static let shells: Set<String> = [
        "sh", "bash", "zsh", "dash", "fish", "ksh", "mksh", "pdksh", "oksh", "loksh", "tcsh", "csh", "ash",
        "yash", "rc", "es", "elvish", "nu", "xonsh", "pwsh", "powershell", "cmd", "busybox", "toybox",
    ]
    static let interpreters: Set<String> = [
        "python", "pypy", "ipython", "node", "nodejs", "deno", "bun", "ruby", "irb", "jruby", "perl", "php",
        "lua", "luajit", "tclsh", "wish", "expect", "rscript", "r", "julia", "osascript", "jshell", "groovy",
        "awk", "gawk", "mawk", "nawk", "guile", "racket", "sbcl", "clisp", "ghci", "runghc", "erl", "elixir",
        "iex",
    ]
    static let runners: Set<String> = [
        "env", "xargs", "sudo", "doas", "su", "runuser", "pkexec", "nohup", "timeout", "nice", "ionice",
        "stdbuf", "setsid", "chroot", "unshare", "nsenter", "script", "watch", "parallel", "flock", "time",
        "exec", "eval", "command", "builtin", "npx", "bunx", "uvx", "pipx", "strace", "ltrace", "gdb",
        "chrt", "taskset", "systemd-run", "firejail", "sg", "newgrp",
    ]

    /// `python3.12` → `python`, `/usr/bin/Perl5.36` → `perl`, `node.exe` → `node`.
    static func normalizedName(_ argv0: String) -> (raw: String, stripped: String) {
        var base = Path.basename(argv0).lowercased()
        if base.hasSuffix(".exe") { base.removeLast(4) }
        var stripped = base
        while let last = stripped.last, last.isNumber || last == "." || last == "-" { stripped.removeLast() }
        return (base, stripped)
    }

    static func warnings(_ allowlist: [[String]]) -> [String] {
        var out: [String] = []
        for entry in allowlist {
            let shown = CanonicalJSON.string(.array(entry.map { .string($0) }))
            guard let first = entry.first else {
                out.append("shell allowlist entry \(shown) is empty and admits nothing: remove it")
                continue
            }
            let (raw, stripped) = normalizedName(first)
            let kind: String?
            if shells.contains(raw) || shells.contains(stripped) {
                kind = "a shell"
            } else if interpreters.contains(raw) || interpreters.contains(stripped) {
                kind = "an interpreter"
            } else if runners.contains(raw) || runners.contains(stripped) {
                kind = "a command runner"
            } else {
                kind = nil
            }
            if let kind {
                out.append("shell allowlist entry \(shown) starts with '\(Display.text(first))', \(kind): "
                    + "it can run arbitrary code, so the allowlist no longer limits what runs; "
                    + "allowlist the specific commands instead")
            }
        }
        return out
    }
}
