import SdetkitConfig
import SdetkitCore
import SdetkitEngine
import SdetkitGit
import SdetkitPolicy
import SdetkitStore

/// How a doctor check came out. A warning does not fail `doctor`; a failure makes it exit 1.
public enum DoctorLevel: String, Sendable, Equatable {
    case ok, warn, fail
}

/// One line of `sdetkit agent doctor`: what was checked, how it came out, and what to do about it.
public struct DoctorCheck: Sendable, Equatable {
    public var name: String
    public var level: DoctorLevel
    public var detail: String

    public init(_ name: String, _ level: DoctorLevel, _ detail: String) {
        self.name = name
        self.level = level
        self.detail = detail
    }

    public var ok: Bool { level != .fail }

    public var json: JSONValue {
        ["name": .string(name), "ok": .bool(ok), "level": .string(level.rawValue), "detail": .string(detail)]
    }
}

/// The checks behind `sdetkit agent doctor`. Each one looks at its subject for real and fails when the subject
/// is wrong: the config parses, the state layout has no links in it, the ledger verifies and the index agrees,
/// libgit2 reads the repository (HEAD and the index file), SQLite's `integrity_check` passes on the history
/// index, every write-allowlist entry stays inside the repository, and the provider answers.
public enum Doctor {
    /// Runs every check in order. `probeProvider: false` skips the network probe of a local provider (tests).
    public static func checks(layout: StateLayout, probeProvider: Bool = true) -> [DoctorCheck] {
        var out: [DoctorCheck] = []
        let config = configCheck(layout: layout, into: &out)
        out.append(StateLinks.check(layout: layout))
        let store = HistoryStore(layout: layout)
        let sqlite = sqliteCheck(store: store)
        out.append(contentsOf: historyChecks(store: store, layout: layout, indexSound: sqlite.level != .fail))
        out.append(libgit2Check(layout: layout))
        out.append(sqlite)
        if let config {
            out.append(AllowlistCheck.check(config.safety, layout: layout))
            out.append(sandboxCheck(config.safety, layout: layout))
            out.append(providerCheck(config.provider, probe: probeProvider))
        }
        return out
    }

    static func configCheck(layout: StateLayout, into out: inout [DoctorCheck]) -> AgentConfig? {
        do {
            let loaded = try ConfigLoader.load(layout: layout)
            if !FileSystem.exists(layout.configPath) {
                out.append(DoctorCheck("config", .ok, "no config.yaml: defaults in effect (run 'sdetkit agent init')"))
            } else if loaded.warnings.isEmpty {
                out.append(DoctorCheck("config", .ok, "valid, version 1"))
            } else {
                out.append(DoctorCheck("config", .warn, "valid; warning: " + loaded.warnings.joined(separator: "; ")))
            }
            return loaded.config
        } catch let e as UserFacingError {
            out.append(DoctorCheck("config", .fail, e.message))
        } catch {
            out.append(DoctorCheck("config", .fail, "\(error)"))
        }
        return nil
    }

    static func historyChecks(store: HistoryStore, layout: StateLayout, indexSound: Bool) -> [DoctorCheck] {
        var out: [DoctorCheck] = []
        do {
            let report = try store.verify()
            out.append(DoctorCheck("ledger", report.ok ? .ok : .fail,
                                   report.ok ? "\(report.entries) entries verified, head \(report.head.prefix(12))"
                                       : "\(report.problems.count) integrity problem(s); run 'sdetkit agent history verify'"))
            if indexSound {
                let indexed = try store.count()
                let consistent = indexed == report.entries
                out.append(DoctorCheck("index", consistent ? .ok : .fail,
                                       consistent ? "\(indexed) runs indexed, in step with the ledger"
                                           : "index has \(indexed) runs, ledger \(report.entries); run 'sdetkit agent history reindex'"))
            } else {
                out.append(DoctorCheck("index", .fail, "not read: the SQLite check below failed; run 'sdetkit agent history reindex'"))
            }
            let legacy = try store.legacyRecordFileNames().count
            if legacy > 0 {
                // Not a failure: the Python records are intact where they are, only not in this history yet.
                let pending = try store.legacyRecordsNotImported()
                out.append(DoctorCheck("legacy-history", pending == 0 ? .ok : .warn,
                                       pending == 0 ? "all \(legacy) Python sdetkit record(s) in \(StateLayout.relHistory) are imported"
                                           : LegacyHistory.note(pending: pending, directory: StateLayout.relHistory)))
            }
        } catch let e as UserFacingError {
            out.append(DoctorCheck("ledger", .fail, e.message))
        } catch {
            out.append(DoctorCheck("ledger", .fail, "\(error)"))
        }
        return out
    }

    /// Opens the repository with libgit2 and reads what runs rely on: HEAD and the index file (tracked files).
    static func libgit2Check(layout: StateLayout) -> DoctorCheck {
        let version = "libgit2 \(GitRepository.libgit2Version)"
        do {
            let repo = try GitRepository.open(workdir: layout.repoRoot)
            let head = try repo.head()
            let tracked = try repo.trackedFiles().count
            let at = head.unborn ? "unborn branch \(head.branch ?? "?")"
                : head.detached ? "detached HEAD \(head.commit?.prefix(12) ?? "?")" : "branch \(head.branch ?? "?")"
            return DoctorCheck("libgit2", .ok, "\(version): reads the repository (\(at), \(tracked) tracked files)")
        } catch {
            return DoctorCheck("libgit2", .fail,
                               "\(version) cannot read the repository: \(error.message); check it with 'git fsck' and 'git status'")
        }
    }

    /// `PRAGMA integrity_check` on the history index, read-only. A broken index is rebuilt from the ledger.
    static func sqliteCheck(store: HistoryStore) -> DoctorCheck {
        let version = "SQLite \(SQLiteDatabase.version)"
        guard FileSystem.exists(store.layout.indexPath) else {
            return DoctorCheck("sqlite", .ok, "\(version); no index yet (the next run builds it)")
        }
        if let problem = store.indexIntegrityProblem() {
            return DoctorCheck("sqlite", .fail, "\(version): \(StateLayout.relIndex) fails integrity_check (\(problem)); "
                               + "run 'sdetkit agent history reindex' to rebuild it from the ledger")
        }
        return DoctorCheck("sqlite", .ok, "\(version); \(StateLayout.relIndex) passes integrity_check")
    }

    /// Which sandbox is in force for commands, and whether this kernel can provide it.
    static func sandboxCheck(_ safety: AgentConfig.Safety, layout: StateLayout) -> DoctorCheck {
        guard safety.sandbox == .landlock else {
            return DoctorCheck("sandbox", .warn, "off (safety.sandbox: off): allowed commands run unconfined, "
                               + "and may write anywhere this user can, including .git/ and .sdetkit/")
        }
        let (abi, why) = CommandSandbox.landlockABI()
        guard let abi else {
            return DoctorCheck("sandbox", .fail, "landlock configured, but \(why): commands are refused; "
                               + "set safety.sandbox: off to run them unconfined")
        }
        guard let launcher = SandboxLauncher.executable() else {
            return DoctorCheck("sandbox", .fail, "landlock (ABI \(abi)), but no sdetkit executable to launch commands with")
        }
        let dirs = CommandSandbox.writableDirectories(safety.writeAllowlist, repoRoot: layout.repoRoot)
            .map { Path.relative($0, to: layout.repoRoot) ?? $0 }
        let writes = dirs.isEmpty ? "no repository directory" : dirs.joined(separator: ", ")
        var detail = "landlock (ABI \(abi)): commands write only to \(writes) and a private temp directory; "
            + ".git/ and .sdetkit/ read-only; launcher "
            + (Path.basename(launcher) == SandboxLauncher.smallLauncherName ? SandboxLauncher.smallLauncherName
               : "sdetkit itself (install \(SandboxLauncher.smallLauncherName) beside it: commands start ~5 ms sooner)")
        if safety.shellNetwork {
            detail += "; TCP allowed (safety.shell_network: true)"
            return DoctorCheck("sandbox", .ok, detail)
        }
        if abi < 4 {
            return DoctorCheck("sandbox", .warn, detail + "; TCP is not confined: Landlock network rules need ABI 4 (Linux 6.7)")
        }
        return DoctorCheck("sandbox", .ok, detail + "; TCP bind/connect refused")
    }

    static func providerCheck(_ provider: AgentConfig.Provider, probe: Bool) -> DoctorCheck {
        guard provider.type == .local else { return DoctorCheck("provider", .ok, "none (offline, deterministic)") }
        guard probe else { return DoctorCheck("provider", .warn, "local endpoint \(provider.endpoint) not probed") }
        let body = "{\"model\":\"\(provider.model)\",\"prompt\":\"ping\",\"stream\":false}"
        switch LocalHTTP.post(url: provider.endpoint, body: body, timeoutSeconds: min(provider.timeoutSeconds, 3)) {
        case .success: return DoctorCheck("provider", .ok, "local endpoint \(provider.endpoint) answered")
        case .failure(let f):
            return DoctorCheck("provider", .fail,
                               "local endpoint \(provider.endpoint) unreachable (\(f.reason)); runs fall back to provider none")
        }
    }
}
