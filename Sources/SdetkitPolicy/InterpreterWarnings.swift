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
            if kind == nil, let why = optionRunner(entry, stripped) {
                out.append("shell allowlist entry \(shown) \(why); the sandbox confines its writes to the write allowlist, "
                    + "but list the exact commands you need (e.g. 'git status', 'make test')")
                continue
            }
            if let kind {
                out.append("shell allowlist entry \(shown) starts with '\(Display.text(first))', \(kind): "
                    + "it can run arbitrary code, so the allowlist no longer limits what runs; "
                    + "allowlist the specific commands instead")
            }
        }
        return out
    }

    /// Programs that run other programs or write files through their own options.
    static let optionRunners: [String: String] = [
        "find": "find -exec/-delete/-fprint", "tar": "tar --checkpoint-action=exec, --to-command, -f FILE",
        "make": "make runs any recipe of any Makefile (-f, -C)", "ssh": "ssh runs remote and ProxyCommand programs",
        "scp": "scp -S PROGRAM", "rsync": "rsync -e PROGRAM, --rsync-path", "sed": "sed -i and its 'e'/'w' commands",
        "curl": "curl -o FILE, --config", "wget": "wget -O FILE, --execute", "zip": "zip -TT PROGRAM",
        "cmake": "cmake -P scripts", "ninja": "ninja runs any rule", "npm": "npm runs package scripts",
        "yarn": "yarn runs package scripts", "pnpm": "pnpm runs package scripts", "cargo": "cargo runs build scripts",
        "go": "go run/generate", "mvn": "maven runs plugins", "gradle": "gradle runs build scripts",
        "docker": "docker run", "podman": "podman run", "kubectl": "kubectl exec", "vim": "vim :!cmd", "vi": "vi :!cmd",
        "less": "less !cmd", "man": "man -P PROGRAM", "git": "git alone admits every subcommand and option",
        "pip": "pip install runs setup code", "uv": "uv run",
    ]

    static func optionRunner(_ entry: [String], _ stripped: String) -> String? {
        let base = Path.basename(entry[0]).lowercased()
        // `git status` or `git log --oneline` are narrow; `git` alone is not.
        if base == "git" || stripped == "git" { return entry.count == 1 ? "is 'git' alone: it admits every subcommand and option (git -c alias.x=!cmd, --output, hooks)" : nil }
        guard let how = optionRunners[base] ?? optionRunners[stripped] else { return nil }
        return "starts with '\(Display.text(entry[0]))', which runs other programs or writes files through its options (\(how))"
    }
}
