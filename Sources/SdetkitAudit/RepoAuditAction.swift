import SdetkitCore
import SdetkitEngine
import SdetkitGit
import SdetkitPolicy

/// `repo.audit {profile, format, output, outputs, changed_since, baseline, fail_on}`: audits the repository.
/// `outputs` maps formats to file names (`{"json": "audit.json", "sarif": "audit.sarif"}`) to write several at once.
/// With `output`, the rendered report is written (through policy) into the run's output directory,
/// or the workdir. With `fail_on: <severity>`, the action fails when a finding at or above it exists.
public struct RepoAuditAction: AgentAction {
    public let name = "repo.audit"
    public let summary = "Audit the repository (governance, secrets, large/binary files, conflict markers, CI risks)."
    public init() {}

    public static var actions: [any AgentAction] { [RepoAuditAction()] }

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        // Reads every tracked file and may wait for a scan in progress: on a dedicated thread.
        await Blocking.run { Self.execute(params, in: context).0 }
    }

    /// Confined when it reads no baseline file and names its reports plainly (inside the output directory).
    public func isolation(_ params: JSONValue) -> ActionIsolation {
        if let b = params["baseline"], !b.isNull, b.stringValue != "" { return .shared }
        var names = [params["output"]] + PythonAuditParams.keys.map { params[$0.key] }
        if let outputs = params["outputs"], !outputs.isNull {
            guard let map = outputs.objectValue else { return .shared }
            names += map.values.map { Optional($0) }
        }
        return names.allSatisfy(ActionIsolation.isOutputName) ? .confined : .shared
    }

    /// Runs the audit; returns the action result and, when it ran, the report.
    /// `progress` counts the scan for a display (``ScanProgress``); it changes nothing in the result.
    public static func execute(_ params: JSONValue, in context: ActionContext, baseline preloaded: Set<String>? = nil,
                               progress: ScanProgress? = nil) -> (ActionResult, AuditReport?) {
        let name = "repo.audit"
        let requested = params["profile"]?.stringValue ?? "default"
        let (profile, profileNote) = AuditProfile.mapping(requested)
        let format = params["format"]?.stringValue ?? "json"
        guard ["json", "sarif", "md"].contains(format) else {
            return (.failed(name, params, "repo.audit: format must be json, sarif or md, got '\(format)'"), nil)
        }
        var gate: Severity?
        if let f = params["fail_on"]?.stringValue, !f.isEmpty {
            guard let s = Severity(rawValue: f) else {
                return (.failed(name, params, "repo.audit: fail_on must be critical, high, medium, low or info, got '\(f)'"), nil)
            }
            gate = s
        }
        var changedSince = params["changed_since"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let changedOnly: Bool
        switch PythonAuditParams.changedOnly(params) {
        case .success(let b): changedOnly = b
        case .failure(let e): return (.failed(name, params, e.reason), nil)
        }
        var report: AuditReport
        do {
            let repo = try GitRepository.open(workdir: context.repoRoot)
            // The Python sdetkit's `changed_only: true`: changed since HEAD~1; with no parent commit every file is new.
            if changedOnly, changedSince == nil, (try? repo.resolve(ref: PythonAuditParams.changedOnlyBase)) != nil {
                changedSince = PythonAuditParams.changedOnlyBase
            }
            let settings = context.config.audit
            let options = AuditOptions(exclude: settings.exclude,
                                       testMaxSeverity: Severity(rawValue: settings.testMaxSeverity.rawValue) ?? .low)
            report = Auditor.run(try Auditor.input(from: repo, changedSince: changedSince), profile: profile,
                                 workTreeToken: context.workTree.token(), options: options, progress: progress)
            if let preloaded {
                report = Baseline.filter(report, baseline: preloaded)
            } else if let b = params["baseline"]?.stringValue, !b.isEmpty {
                let decision = context.policy.checkRead(path: b, action: name)
                guard decision.allowed, let rel = decision.resolvedRelativePath else {
                    return (.denied(name, params, decision.reason, approval: decision.approval), nil)
                }
                report = Baseline.filter(report, baseline: try Baseline.load(path: context.layout.absolute(rel)))
            }
        } catch let e as UserFacingError {
            return (.failed(name, params, e.message), nil)
        } catch {
            return (.failed(name, params, "\(error)"), nil)
        }
        let counts = report.counts
        var result: [String: JSONValue] = [
            "profile": .string(profile.rawValue), "score": .number(report.score), "findings": .int(report.findings.count),
            "files_scanned": .int(report.filesScanned),
            "report_sha256": .string(Digest.sha256Hex(CanonicalJSON.encode(report.json))),
        ]
        for s in Severity.allCases { result[s.rawValue] = .int(counts[s] ?? 0) }
        if let changedSince { result["changed_since"] = .string(changedSince) }
        if changedOnly { result["changed_only"] = .bool(true) }
        if profileNote != nil { result["profile_requested"] = .string(requested) }
        var outputs = result
        var artifacts: [Artifact] = []
        var approval = ApprovalState.notRequired
        var files: [(format: String, name: String)] = []
        if let output = params["output"]?.stringValue, !output.isEmpty { files.append((format, output)) }
        for (f, v) in (params["outputs"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard ["json", "sarif", "md"].contains(f), let file = v.stringValue, !file.isEmpty else {
                return (.failed(name, params, "repo.audit: outputs maps json|sarif|md to a file name, got '\(f)'"), report)
            }
            files.append((f, file))
        }
        files += PythonAuditParams.outputs(params)
        for (f, file) in files {
            let target: String
            switch OutputTarget.path(file, param: "output", outputDir: context.outputDir, action: name) {
            case .success(let t): target = t
            case .failure(let e): return (.failed(name, params, e.reason), report)
            }
            let bytes = render(report, format: f)
            switch PolicedFiles.write(bytes, to: target, name: "audit-\(f)", action: name, in: context) {
            case .written(let art, let a):
                artifacts.append(art)
                approval = a
                result["report_\(f)"] = .string(art.path)
                outputs[f == format ? "path" : "path_\(f)"] = .string(art.path)
            case .wouldWrite(let rel, let a):
                approval = a
                outputs["path"] = .string(rel)
            case .denied(let reason, let a):
                return (.denied(name, params, reason, approval: a), report)
            case .failed(let reason, let a):
                return (.failed(name, params, reason, approval: a), report)
            }
        }
        let summary = "score \(report.scoreText)/10, \(report.findings.count) finding(s)" + (profileNote.map { "; warning: \($0)" } ?? "")
        if let gate, let worst = report.worstSeverity, worst >= gate {
            let hits = report.findings.filter { $0.severity >= gate }.count
            return (ActionResult(outcome: ActionOutcome(action: name, params: params, ok: false, denied: false,
                reason: "\(summary); \(hits) at or above '\(gate.rawValue)' (fail_on)", approval: approval, result: .object(result)),
                outputs: outputs, artifacts: artifacts), report)
        }
        return (.succeeded(name, params, summary, approval: approval, result: .object(result), outputs: outputs, artifacts: artifacts), report)
    }

    public static func render(_ report: AuditReport, format: String) -> [UInt8] {
        switch format {
        case "sarif": return Array(report.sarif().prettyPrinted().utf8)
        case "md": return Array(report.markdown().utf8)
        default: return Array(report.json.prettyPrinted().utf8)
        }
    }
}

/// `sdetkit agent audit`: one audit, recorded in the history like any run (kind `audit`).
public enum AuditRun {
    public struct Options: Sendable {
        public var profile: String
        public var changedSince: String?
        /// Fingerprints of a baseline report the user gave on the command line, and that file's digest.
        public var baseline: (fingerprints: Set<String>, sha256: String)?
        public var failOn: String?
        /// Counts the scan for a progress display; not part of the run's parameters or record.
        public var progress: ScanProgress?

        public init(profile: String, changedSince: String?, baseline: (fingerprints: Set<String>, sha256: String)?, failOn: String?,
                    progress: ScanProgress? = nil) {
            self.profile = profile
            self.changedSince = changedSince
            self.baseline = baseline
            self.failOn = failOn
            self.progress = progress
        }

        var params: JSONValue {
            var o: [String: JSONValue] = ["profile": .string(profile)]
            if let changedSince { o["changed_since"] = .string(changedSince) }
            if let baseline { o["baseline_sha256"] = .string(baseline.sha256) }
            if let failOn { o["fail_on"] = .string(failOn) }
            return .object(o)
        }

        var task: String {
            "audit --profile \(profile)" + (changedSince.map { " --changed-since \($0)" } ?? "")
                + (baseline.map { " --baseline sha256:\($0.sha256.prefix(12))" } ?? "") + (failOn.map { " --fail-on \($0)" } ?? "")
        }
    }

    /// Runs and records one audit through the same prepare → commit path as every other run: budgets,
    /// provider notes, the run's own approval and origin.
    public static func perform(_ options: Options, approval: ApprovalMode? = nil, origin: RunOrigin? = nil,
                               in ws: Workspace) async throws -> (AuditReport?, RunResult) {
        let (report, prepared) = await prepare(options, approval: approval, origin: origin, in: ws)
        return (report, try ws.commit(prepared))
    }

    /// Executes the audit (unless the budgets forbid it) and builds the record; `Workspace.commit` records it.
    public static func prepare(_ options: Options, approval: ApprovalMode? = nil, origin: RunOrigin? = nil,
                               in ws: Workspace) async -> (AuditReport?, Workspace.PreparedRun) {
        let started = RunClock.monotonicMillis()
        ws.workTree.prefetch()  // the status the record needs is taken while the steps run
        let context = ws.context(dryRun: false, outputDir: nil, approval: approval)
        let outcome: ActionOutcome
        let worker: String
        var report: AuditReport?
        if let why = ws.budgetExceeded(actions: 1) {
            outcome = ActionOutcome(action: "repo.audit", params: options.params, ok: false, denied: false, reason: "not run: \(why)")
            worker = "nothing executed: \(why)"
        } else {
            let (params, fingerprints, progress) = (options.params, options.baseline?.fingerprints, options.progress)
            let (result, r) = await Blocking.run {
                RepoAuditAction.execute(params, in: context, baseline: fingerprints, progress: progress)
            }
            report = r
            outcome = result.outcome
            worker = "repo.audit: \(result.outcome.reason)"
        }
        let status = RunStatus.from([outcome])
        let record = RunRecord(kind: "audit", task: options.task, planner: "audit",
                               steps: [PlanStep(role: "manager", detail: "audit with profile \(options.profile)"),
                                       PlanStep(role: "worker", detail: worker),
                                       PlanStep(role: "reviewer", detail: "status \(status.rawValue)")],
                               actions: [outcome], status: status, configDigest: ws.config.digest, repo: await ws.workTree.currentSnapshot().repoState,
                               provider: ws.config.provider.type.rawValue)
        let notes = await ProviderNotes.collect(for: record, config: ws.config)
        return (report, Workspace.PreparedRun(record: record, startedMillis: started, notes: notes, context: context, origin: origin))
    }
}
