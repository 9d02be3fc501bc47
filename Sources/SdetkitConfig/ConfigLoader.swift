#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SdetkitCore
import Yams

/// Reads and validates `config.yaml`.
public enum ConfigLoader {
    /// Config files are tiny; anything larger is a mistake, not a config.
    public static let maxFileBytes = 1 << 20

    /// Loads the config at `path`. A missing file gives the defaults (`exists == false`), not an error.
    /// `displayName` is how the file is named in messages (`config.yaml:LINE: …`).
    public static func load(path: String, displayName: String = "config.yaml") throws(ConfigError) -> LoadedConfig {
        guard let text = try readText(path: path, displayName: displayName) else {
            return LoadedConfig(config: .defaults, path: path, exists: false)
        }
        var loaded = try parse(yaml: text, displayName: displayName)
        loaded.path = path
        return loaded
    }

    /// Loads the repository's own `.sdetkit/agent/config.yaml`, opened beneath the repository root with no
    /// symbolic link followed (``BeneathRoot``): a link on the way, even one swapped in after the early check,
    /// is an error naming it. Otherwise as ``load(path:displayName:)``.
    public static func load(layout: StateLayout) throws -> LoadedConfig {
        let root = try BeneathRoot(path: layout.repoRoot)
        let fd = root.rawOpen(StateLayout.relConfig, flags: O_RDONLY)
        if fd < 0 {
            if -fd == ENOENT { return LoadedConfig(config: .defaults, path: layout.configPath, exists: false) }
            if -fd == ELOOP || -fd == EXDEV { throw root.error(-fd, StateLayout.relConfig, "cannot read") }
            throw ConfigError.unreadable(path: layout.configPath, reason: FileSystem.describe(errno: -fd))
        }
        defer { close(fd) }
        let displayName = "config.yaml"
        var loaded = try parse(yaml: readText(fd: fd, path: layout.configPath, displayName: displayName), displayName: displayName)
        loaded.path = layout.configPath
        return loaded
    }

    /// Validates YAML text. `path` of the result is `displayName`.
    public static func parse(yaml: String, displayName: String) throws(ConfigError) -> LoadedConfig {
        guard let root = try YAMLSupport.compose(yaml, file: displayName), !root.isNullScalar else {
            return LoadedConfig(config: .defaults,
                                warnings: ["\(displayName) is empty; using the defaults (see 'sdetkit agent config show')"],
                                path: displayName)
        }
        var legacy = true
        if case .mapping(let top) = root {
            legacy = !top.keys.contains { $0.scalar?.string == "version" }
        }
        var ignored: [String] = []
        let reader = ConfigReader(file: displayName, legacy: legacy)
        var config = AgentConfig.defaults
        let top = try reader.members(of: root, path: nil, line: 1, allowed: Keys.top, legacyOnly: ["roles"],
                                     ignored: &ignored)
        for m in top {
            switch m.name {
            case "version": try readVersion(m, reader)
            case "budgets": config.budgets = try readBudgets(m, reader, ignored: &ignored)
            case "provider": config.provider = try readProvider(m, reader)
            case "safety": config.safety = try readSafety(m, reader)
            case "serve": config.serve = try readServe(m, reader)
            case "audit": config.audit = try readAudit(m, reader)
            default: config.slo = try readSLO(m, reader)
            }
        }
        var warnings: [String] = []
        if legacy {
            var w = "\(displayName) uses the legacy (unversioned) format; run 'sdetkit agent config migrate' to convert it to version 1"
            if !ignored.isEmpty { w += " (ignored legacy keys: \(ignored.joined(separator: ", ")))" }
            warnings.append(w)
        }
        return LoadedConfig(config: config, warnings: warnings, isLegacy: legacy, path: displayName,
                            ignoredLegacyKeys: ignored)
    }

    enum Keys {
        static let top = ["version", "budgets", "provider", "safety", "slo", "audit", "serve"]
        static let budgets = ["max_steps", "max_actions"]
        static let provider = ["type", "endpoint", "model", "timeout_seconds"]
        static let safety = ["write_allowlist", "shell_allowlist", "shell_timeout_seconds", "max_output_bytes", "sandbox",
                             "shell_network"]
        static let slo = ["success_rate", "p95_duration_ms"]
    }

    static func readVersion(_ m: Member, _ r: ConfigReader) throws(ConfigError) {
        if case .scalar(let s) = m.value, s.string == "1" { return }
        throw r.invalid(m, "must be 1, got \(m.value.describedForMessage); this sdetkit reads version 1 config files")
    }

    static func readBudgets(_ section: Member, _ r: ConfigReader, ignored: inout [String]) throws(ConfigError) -> AgentConfig.Budgets {
        var b = AgentConfig.Budgets.defaults
        for m in try r.members(of: section.value, path: "budgets", line: section.line, allowed: Keys.budgets,
                               legacyOnly: ["token_budget"], ignored: &ignored) {
            let v = try r.int(m, min: 1, requirement: "an integer ≥ 1")
            if m.name == "max_steps" { b.maxSteps = v } else { b.maxActions = v }
        }
        return b
    }

    static func readProvider(_ section: Member, _ r: ConfigReader) throws(ConfigError) -> AgentConfig.Provider {
        var p = AgentConfig.Provider.defaults
        var none: [String] = []
        for m in try r.members(of: section.value, path: "provider", line: section.line, allowed: Keys.provider, ignored: &none) {
            switch m.name {
            case "type":
                let names = AgentConfig.Provider.ProviderType.allCases.map(\.rawValue)
                let requirement = "one of " + names.map { "'\($0)'" }.joined(separator: ", ")
                let text = try r.text(m, requirement: requirement)
                guard let t = AgentConfig.Provider.ProviderType(rawValue: text) else {
                    let hint = ConfigText.suggestion(for: text, among: names).map { " (did you mean '\($0)'?)" } ?? ""
                    throw r.invalid(m, "must be \(requirement), got \(m.value.describedForMessage)\(hint)")
                }
                p.type = t
            case "endpoint":
                let requirement = "an http:// or https:// URL such as 'http://127.0.0.1:11434/api/generate'"
                let url = try r.text(m, requirement: requirement)
                guard isHTTPURL(url) else {
                    throw r.invalid(m, "must be \(requirement), got \(m.value.describedForMessage)")
                }
                p.endpoint = url
            case "model":
                p.model = try r.text(m, requirement: "a model name such as 'llama3'")
            default:
                p.timeoutSeconds = try r.number(m, requirement: "a number of seconds > 0") { $0 > 0 }
            }
        }
        return p
    }

    static func readSafety(_ section: Member, _ r: ConfigReader) throws(ConfigError) -> AgentConfig.Safety {
        var s = AgentConfig.Safety.defaults
        var none: [String] = []
        for m in try r.members(of: section.value, path: "safety", line: section.line, allowed: Keys.safety, ignored: &none) {
            switch m.name {
            case "write_allowlist":
                var dirs: [String] = []
                for item in try r.list(m, requirement: "a list of repo-relative directories") {
                    let raw = try r.text(item, line: item.line, path: m.path, requirement: "a list of repo-relative directories")
                    let dir = try normaliseDirectory(raw, line: item.line, path: m.path, r)
                    if !dirs.contains(dir) { dirs.append(dir) }
                }
                s.writeAllowlist = dirs
            case "shell_allowlist":
                var commands: [[String]] = []
                for item in try r.list(m, requirement: "a list of commands") {
                    commands.append(try readCommand(item, path: m.path, r))
                }
                s.shellAllowlist = commands
            case "shell_timeout_seconds":
                s.shellTimeoutSeconds = try r.number(m, requirement: "a number of seconds > 0") { $0 > 0 }
            case "sandbox":
                let text = try r.text(m, requirement: "'landlock' or 'off'")
                guard let mode = AgentConfig.Safety.SandboxMode(rawValue: text) else {
                    throw r.invalid(m, "must be 'landlock' (commands confined by the kernel) or 'off' (unconfined), got \(m.value.describedForMessage)")
                }
                s.sandbox = mode
            case "shell_network":
                guard case .bool(let on)? = r.scalar(m) else {
                    throw r.invalid(m, "must be true or false, got \(m.value.describedForMessage)")
                }
                s.shellNetwork = on
            default:
                s.maxOutputBytes = try r.int(m, min: 0, requirement: "an integer ≥ 0")
            }
        }
        return s
    }

    static func readSLO(_ section: Member, _ r: ConfigReader) throws(ConfigError) -> AgentConfig.SLO {
        var slo = AgentConfig.SLO.defaults
        var none: [String] = []
        for m in try r.members(of: section.value, path: "slo", line: section.line, allowed: Keys.slo, ignored: &none) {
            if m.name == "success_rate" {
                slo.successRate = try r.number(m, requirement: "a fraction from 0 to 1, such as 0.99") { $0 >= 0 && $0 <= 1 }
            } else {
                slo.p95DurationMs = try r.int(m, min: 1, requirement: "an integer number of milliseconds > 0")
            }
        }
        return slo
    }

    /// A write-allowlist entry in normal form (`./docs/` → `docs`), or an error saying why it is not allowed.
    static func normaliseDirectory(_ raw: String, line: Int, path: String, _ r: ConfigReader) throws(ConfigError) -> String {
        let key = "\(path) entry '\(ConfigText.clip(raw))'"
        if raw.hasPrefix("/") {
            throw r.invalid(line, key, "is an absolute path; use a directory relative to the repository root, such as 'docs'")
        }
        if raw.hasPrefix("~") {
            throw r.invalid(line, key, "points into a home directory; use a directory relative to the repository root, such as 'docs'")
        }
        if raw.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw r.invalid(line, key, "contains a control character; use a plain directory name")
        }
        let parts = Path.components(raw)
        if parts.contains("..") {
            throw r.invalid(line, key, "contains a '..' component; name a directory inside the repository without '..'")
        }
        if parts.isEmpty {
            throw r.invalid(line, key, "names the whole repository; list the directories that may be written, such as 'docs'")
        }
        return parts.joined(separator: "/")
    }

    /// A shell-allowlist entry: a command line string or an argv list, as argv words.
    static func readCommand(_ item: Node, path: String, _ r: ConfigReader) throws(ConfigError) -> [String] {
        switch item {
        case .scalar:
            let line = try r.text(item, line: item.line, path: path, requirement: "a list of commands ('git status' or [git, status])")
            let key = "\(path) entry '\(ConfigText.clip(line))'"
            let scanned: (words: [String], unquotedOperator: Character?)
            do { scanned = try ShellWords.scan(line) } catch {
                throw r.invalid(item.line, key, "\(error); close the quote or write the entry as an argv list like [git, status]")
            }
            if let op = scanned.unquotedOperator {
                throw r.invalid(item.line, key, "contains '\(op)', but commands never run through a shell; "
                                + "list each command separately, or quote the character if it is a literal argument")
            }
            guard let first = scanned.words.first, !first.isEmpty else {
                throw r.invalid(item.line, key, "is empty; write a command such as 'git status'")
            }
            return scanned.words
        case .sequence(let seq):
            var argv: [String] = []
            for word in seq {
                guard case .scalar(let ws) = word, !word.isNullScalar else {
                    throw r.invalid(word.line, "\(path) entry",
                                    "has a word that is \(word.isNullScalar ? "empty (~ or null)" : word.describedForMessage); "
                                    + "every word must be text, like [git, status] (quote '~' to mean the text)")
                }
                argv.append(ws.string)
            }
            guard let first = argv.first, !first.isEmpty else {
                throw r.invalid(item.line, "\(path) entry", "is an empty command; write one such as [git, status]")
            }
            return argv
        default:
            throw r.invalid(item.line, path, "entries must be a command line ('git status') or an argv list ([git, status]), got \(item.describedForMessage)")
        }
    }

    /// `http://host…` or `https://host…` with a non-empty host and no whitespace or control characters.
    static func isHTTPURL(_ s: String) -> Bool {
        let lower = s.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") { rest = Substring(s).dropFirst(7) }
        else if lower.hasPrefix("https://") { rest = Substring(s).dropFirst(8) }
        else { return false }
        if s.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) { return false }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        return !host.isEmpty && host.first != ":"
    }

    /// The file's text, or nil when it does not exist.
    static func readText(path: String, displayName: String) throws(ConfigError) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            if e == ENOENT { return nil }
            throw ConfigError.unreadable(path: path, reason: FileSystem.describe(errno: e))
        }
        defer { close(fd) }
        return try readText(fd: fd, path: path, displayName: displayName)
    }

    static func readText(fd: Int32, path: String, displayName: String) throws(ConfigError) -> String {
        var st = stat()
        if fstat(fd, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR {
                throw ConfigError.unreadable(path: path, reason: "it is a directory, not a file")
            }
            if st.st_size > maxFileBytes {
                throw ConfigError.unreadable(path: path, reason: "it is larger than 1 MiB, which no config file needs")
            }
        }
        let bytes: [UInt8]
        do { bytes = try FileSystem.readAll(fd: fd, path: path) } catch {
            throw ConfigError.unreadable(path: path, reason: error.message)
        }
        if let bad = firstInvalidUTF8(bytes) {
            let line = 1 + bytes[..<bad].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw ConfigError.invalidYAML(file: displayName, line: line, problem: "the file is not UTF-8 text")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Byte offset of the first invalid UTF-8 sequence, or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var it = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &it) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
