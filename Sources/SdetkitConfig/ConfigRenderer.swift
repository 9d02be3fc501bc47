import SdetkitCore

/// Writes an ``AgentConfig`` as version 1 YAML that ``ConfigLoader`` reads back to an equal config.
public enum ConfigRenderer {
    /// `commented: true` puts a comment above every key (what `sdetkit agent init` writes);
    /// `false` gives the bare effective config (for `config show`).
    public static func render(_ config: AgentConfig, commented: Bool) -> String {
        var out = ""
        func comment(_ indent: Int, _ lines: String...) {
            guard commented else { return }
            let pad = String(repeating: " ", count: indent)
            for line in lines { out += line.isEmpty ? "\(pad)#\n" : "\(pad)# \(line)\n" }
        }
        func line(_ indent: Int, _ text: String) {
            out += String(repeating: " ", count: indent) + text + "\n"
        }
        func gap() { if commented { out += "\n" } }

        comment(0, "sdetkit agent configuration (.sdetkit/agent/config.yaml). Reference: docs/config.md",
                "Every key except 'version' is optional; a key you leave out takes its default.")
        line(0, "version: \(AgentConfig.currentVersion)")
        gap()

        comment(0, "Limits for one run.")
        line(0, "budgets:")
        comment(2, "Most planner steps one run may take (integer ≥ 1, default 20).")
        line(2, "max_steps: \(config.budgets.maxSteps)")
        comment(2, "Most actions one run may execute (integer ≥ 1, default 10).")
        line(2, "max_actions: \(config.budgets.maxActions)")
        gap()

        comment(0, "Where plans come from.")
        line(0, "provider:")
        comment(2, "'none': the built-in planner, no network (default).",
                "'local': a local Ollama-compatible HTTP endpoint.")
        line(2, "type: \(config.provider.type.rawValue)")
        comment(2, "The endpoint's URL, used when type is 'local' (http:// or https://).")
        line(2, "endpoint: \(string(config.provider.endpoint))")
        comment(2, "The model name sent to the endpoint (default llama3).")
        line(2, "model: \(string(config.provider.model))")
        comment(2, "Seconds to wait for the endpoint (number > 0, default 10).")
        line(2, "timeout_seconds: \(number(config.provider.timeoutSeconds))")
        gap()

        comment(0, "What actions may write and run.")
        line(0, "safety:")
        comment(2, "Directories, relative to the repository root, that actions may write into.",
                "Writes inside .sdetkit/agent/workdir need no approval; writes into the other",
                "listed directories need --approve; writes anywhere else are denied.",
                "No absolute paths and no '..'.")
        if config.safety.writeAllowlist.isEmpty {
            line(2, "write_allowlist: []")
        } else {
            line(2, "write_allowlist:")
            for dir in config.safety.writeAllowlist { line(4, "- \(string(dir))") }
        }
        comment(2, "Commands the shell action may run (each run also needs --approve). They run",
                "directly, never through a shell. An entry is a command line (git status) or an",
                "argv list ([git, status]); a command is allowed when its words start with an",
                "entry's words, so 'git status' allows 'git status --short' but not 'git statusx'.")
        if config.safety.shellAllowlist.isEmpty {
            comment(2, "Example:", "  shell_allowlist:", "    - git status", "    - [git, log, --oneline]")
            line(2, "shell_allowlist: []")
        } else {
            line(2, "shell_allowlist:")
            for argv in config.safety.shellAllowlist {
                line(4, "- [" + argv.map { string($0, flow: true) }.joined(separator: ", ") + "]")
            }
        }
        comment(2, "Seconds a command may run before it is stopped (number > 0, default 30).")
        line(2, "shell_timeout_seconds: \(number(config.safety.shellTimeoutSeconds))")
        comment(2, "Most bytes of a command's output that are kept (integer ≥ 0, default 65536).")
        line(2, "max_output_bytes: \(config.safety.maxOutputBytes)")
        comment(2, "How the kernel confines commands: landlock (default) lets them write only into the",
                "write_allowlist outside .git/ and .sdetkit/, plus a private temp directory; where the",
                "kernel has no Landlock, commands are refused. off runs them unconfined.")
        line(2, "sandbox: \(config.safety.sandbox.rawValue)")
        comment(2, "Whether sandboxed commands may open TCP connections (default false).")
        line(2, "shell_network: \(config.safety.shellNetwork)")
        gap()

        comment(0, "Service-level objectives shown by the dashboards.")
        line(0, "slo:")
        comment(2, "Target fraction of runs that end ok (0 to 1, default 0.99).")
        line(2, "success_rate: \(number(config.slo.successRate))")
        comment(2, "Target 95th-percentile run duration in milliseconds (integer > 0, default 3000).")
        line(2, "p95_duration_ms: \(config.slo.p95DurationMs)")
        gap()

        comment(0, "The audit (repo.audit, 'sdetkit agent audit', the demo's audits; docs/audit.md).")
        line(0, "audit:")
        comment(2, "Paths the content and file checks leave out, in gitignore syntax (before .sdetkit/audit-ignore,",
                "whose patterns, '!' re-includes too, are read after these). Example: [vendor/, \"*.min.js\"]")
        if config.audit.exclude.isEmpty {
            line(2, "exclude: []")
        } else {
            line(2, "exclude:")
            for p in config.audit.exclude { line(4, "- " + string(p)) }
        }
        comment(2, "The most severe a secret, marker or workflow-line finding in a test, fixture or example path can be",
                "(critical, high, medium, low or info; default low; critical keeps them as they are).")
        line(2, "test_max_severity: \(config.audit.testMaxSeverity.rawValue)")
        gap()

        out += renderServe(config.serve, commented: commented)
        return out
    }

    /// Shortest round-trip form (`10`, `0.5`, `1e-7`), which the loader reads back exactly.
    static func number(_ d: Double) -> String { CanonicalJSON.formatNumber(d) }

    /// A YAML scalar for `s`: plain when that is unambiguous for any YAML reader, else double-quoted.
    static func string(_ s: String, flow: Bool = false) -> String {
        isPlainSafe(s, flow: flow) ? s : doubleQuoted(s)
    }

    static func isPlainSafe(_ s: String, flow: Bool) -> Bool {
        guard let first = s.unicodeScalars.first else { return false }
        let isAlnum: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        let allowedPunctuation: Set<Unicode.Scalar> = flow ? ["_", ".", "/", "-", "+", "=", "@", "%"]
                                                           : ["_", ".", "/", "-", "+", "=", "@", "%", ":"]
        guard s.unicodeScalars.allSatisfy({ isAlnum($0) || allowedPunctuation.contains($0) }) else { return false }
        // Indicators and anything a YAML 1.1 or 1.2 reader might take for a number, boolean, null or date.
        if first == "@" || first == "%" || first == ":" || first == "+" || ("0"..."9").contains(first) { return false }
        if first == "-" && (s.unicodeScalars.count < 2 || s.unicodeScalars.dropFirst().first.map { ("0"..."9").contains($0) || $0 == "." } ?? true) {
            return false
        }
        if s.hasSuffix(":") { return false }
        let lower = s.lowercased()
        let reserved: Set<String> = ["null", "true", "false", "yes", "no", "on", "off", "y", "n", "~",
                                     ".inf", "-.inf", ".nan"]
        if reserved.contains(lower) { return false }
        if first == ".", s.unicodeScalars.dropFirst().first.map({ ("0"..."9").contains($0) }) ?? false { return false }
        return true
    }

    static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                let v = u.value
                if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF {
                    let hex = String(v, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
