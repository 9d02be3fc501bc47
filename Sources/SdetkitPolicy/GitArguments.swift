import SdetkitCore

/// An allowed `git` command runs with its configuration neutralised (the engine sets the environment, see
/// `CommandSandbox`); here, the options that would let it escape that are refused, wherever they appear:
/// options that load configuration or another repository, options that write a file of the caller's
/// choosing, and options that name a program to run.
package enum GitArguments {
    /// Global options (before the subcommand) that change what git reads, where it runs, or what it executes.
    static let globalRefused: [String: String] = [
        "-c": "sets configuration (e.g. core.fsmonitor, alias.x=!cmd)",
        "--config-env": "sets configuration from the environment",
        "--exec-path": "runs git's helpers from another directory",
        "-C": "runs in another directory",
        "--git-dir": "uses another repository",
        "--work-tree": "uses another work tree",
        "--namespace": "changes the ref namespace",
        "--super-prefix": "is internal to git",
        "--list-cmds": "is internal to git",
    ]
    /// Options refused anywhere in the argv (as `--opt`, `--opt=value` or `--opt value`).
    static let anywhereRefused: [String: String] = [
        "--output": "writes a file of its choosing (git log/diff/format-patch --output)",
        "--output-directory": "writes files of its choosing (git format-patch)",
        "--upload-pack": "names a program to run",
        "--receive-pack": "names a program to run",
        "--exec": "names a program to run",
        "--ext-diff": "runs the external diff program",
        "--textconv": "runs textconv filters from the repository's configuration",
        "--open-files-in-pager": "runs a pager of its choosing",
        "--run": "names a program to run",
        "--extcmd": "names a program to run",
        "--tool": "names a program to run",
        "--config": "sets configuration",
        "--template": "copies hooks from a directory of its choosing",
        "--separate-git-dir": "writes a repository elsewhere",
    ]

    /// Whether `argv0` names git (any path to it): its options are checked and its environment neutralised.
    package static func isGit(_ argv0: String) -> Bool {
        let base = Path.basename(argv0)
        return base == "git" || base == "git.exe"
    }

    /// Why this git argv is refused, or nil when it may run.
    static func refusal(_ argv: [String]) -> String? {
        guard let first = argv.first, isGit(first) else { return nil }
        var global = true
        for arg in argv.dropFirst() {
            let name = arg.split(separator: "=", maxSplits: 1).first.map(String.init) ?? arg
            if global {
                if !arg.hasPrefix("-") { global = false }
                else if let why = globalRefused[name] ?? (arg.hasPrefix("-c") && arg.count > 2 && !arg.hasPrefix("--") ? globalRefused["-c"] : nil)
                            ?? (arg.hasPrefix("-C") && arg.count > 2 && !arg.hasPrefix("--") ? globalRefused["-C"] : nil) {
                    return refuse(arg, why)
                }
            }
            if arg == "--" { break }
            if let why = anywhereRefused[name] { return refuse(arg, why) }
        }
        return nil
    }

    static func refuse(_ arg: String, _ why: String) -> String {
        "git option '\(Display.text(arg))' is refused: it \(why), which the write allowlist and the sandbox are meant to "
            + "prevent; run the git command without it"
    }
}
