import ArgumentParser
import SdetkitConfig
import SdetkitCore
import SdetkitEngine
import SdetkitGit
import SdetkitPolicy
import SdetkitStore

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check config, state layout, ledger/index consistency, libraries, allowlists and the provider.",
        discussion: "Prints {\"ok\", \"checks\": [{\"name\", \"ok\", \"detail\"}]} with --json. Exit 0 when every check passes, 1 otherwise. Warnings do not fail a check."
    )
    @OptionGroup var output: JSONFlag

    func run() throws {
        let layout = try CLI.repositoryLayout()
        let checks = Doctor.checks(layout: layout)
        let ok = checks.allSatisfy(\.ok)
        if output.json {
            Output.json(["ok": .bool(ok), "checks": .array(checks.map(\.json))])
        } else {
            for c in checks { Output.line("\(c.ok ? "ok  " : "FAIL") \(Output.pad(c.name, 16)) \(c.detail)") }
            Output.line(ok ? "all checks passed" : "some checks failed")
        }
        if !ok { throw RunExit.failed }
    }
}

struct DoctorCheck {
    var name: String
    var ok: Bool
    var detail: String
    var json: JSONValue { ["name": .string(name), "ok": .bool(ok), "detail": .string(detail)] }
}

enum Doctor {
    static func checks(layout: StateLayout) -> [DoctorCheck] {
        var out: [DoctorCheck] = []
        var config: AgentConfig?
        do {
            let loaded = try ConfigLoader.load(path: layout.configPath)
            config = loaded.config
            let exists = FileSystem.exists(layout.configPath)
            let detail = !exists ? "no config.yaml: defaults in effect (run 'sdetkit agent init')"
                : (loaded.warnings.isEmpty ? "valid, version 1" : "valid; warning: " + loaded.warnings.joined(separator: "; "))
            out.append(DoctorCheck(name: "config", ok: true, detail: detail))
        } catch let e as UserFacingError {
            out.append(DoctorCheck(name: "config", ok: false, detail: e.message))
        } catch {
            out.append(DoctorCheck(name: "config", ok: false, detail: "\(error)"))
        }
        let missing = [StateLayout.relAgent, StateLayout.relHistory, StateLayout.relWorkdir, StateLayout.relCache]
            .filter { !FileSystem.isDirectory(layout.absolute($0)) }
        out.append(DoctorCheck(name: "state-layout", ok: missing.isEmpty,
                               detail: missing.isEmpty ? "\(StateLayout.relAgent) complete" : "missing \(missing.joined(separator: ", ")); run 'sdetkit agent init'"))
        let store = HistoryStore(layout: layout)
        do {
            let report = try store.verify()
            let indexed = try store.count()
            let consistent = indexed == report.entries
            out.append(DoctorCheck(name: "ledger", ok: report.ok,
                                   detail: report.ok ? "\(report.entries) entries verified, head \(report.head.prefix(12))"
                                       : "\(report.problems.count) integrity problem(s); run 'sdetkit agent history verify'"))
            out.append(DoctorCheck(name: "index", ok: consistent,
                                   detail: consistent ? "\(indexed) runs indexed, in step with the ledger"
                                       : "index has \(indexed) runs, ledger \(report.entries); run 'sdetkit agent history reindex'"))
            let legacy = LegacyHistory.recordFileNames(in: layout.historyDir).count
            if legacy > 0 {
                // Not a failure: the Python records are intact where they are, only not in this history yet.
                let pending = try store.legacyRecordsNotImported()
                out.append(DoctorCheck(name: "legacy-history", ok: true,
                                       detail: pending == 0 ? "all \(legacy) Python sdetkit record(s) in \(StateLayout.relHistory) are imported"
                                           : LegacyHistory.note(pending: pending, directory: StateLayout.relHistory)))
            }
        } catch let e as UserFacingError {
            out.append(DoctorCheck(name: "ledger", ok: false, detail: e.message))
        } catch {
            out.append(DoctorCheck(name: "ledger", ok: false, detail: "\(error)"))
        }
        out.append(DoctorCheck(name: "libgit2", ok: true, detail: "libgit2 \(GitRepository.libgit2Version)"))
        out.append(DoctorCheck(name: "sqlite", ok: true, detail: "SQLite \(SQLiteDatabase.version)"))
        if let config {
            let warnings = PolicyEngine.interpreterWarnings(config.safety.shellAllowlist)
            let badDirs = config.safety.writeAllowlist.filter { !FileSystem.isDirectory(layout.absolute($0)) }
            var detail = "\(config.safety.writeAllowlist.count) write dir(s), \(config.safety.shellAllowlist.count) command prefix(es)"
            if !warnings.isEmpty { detail += "; warning: " + warnings.joined(separator: "; ") }
            if !badDirs.isEmpty { detail += "; note: not created yet: " + badDirs.joined(separator: ", ") }
            out.append(DoctorCheck(name: "allowlists", ok: true, detail: detail))
            if config.provider.type == .local {
                let probe = LocalHTTP.post(url: config.provider.endpoint,
                                           body: "{\"model\":\"\(config.provider.model)\",\"prompt\":\"ping\",\"stream\":false}",
                                           timeoutSeconds: min(config.provider.timeoutSeconds, 3))
                switch probe {
                case .success: out.append(DoctorCheck(name: "provider", ok: true, detail: "local endpoint \(config.provider.endpoint) answered"))
                case .failure(let f): out.append(DoctorCheck(name: "provider", ok: false,
                    detail: "local endpoint \(config.provider.endpoint) unreachable (\(f.reason)); runs fall back to provider none"))
                }
            } else {
                out.append(DoctorCheck(name: "provider", ok: true, detail: "none (offline, deterministic)"))
            }
        }
        return out
    }
}
