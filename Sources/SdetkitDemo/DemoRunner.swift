import SdetkitAudit
import SdetkitCore
import SdetkitEngine
import SdetkitGit
import SdetkitRuntime
import SdetkitTemplates

/// One step of a scenario, prepared and not yet recorded.
enum PreparedStep: Sendable {
    case audit(Workspace.PreparedRun)
    case template(TemplateRunner.Prepared)
    case missing
}

/// What a demo produced.
public struct DemoResult: Sendable {
    public var scenario: DemoScenario
    public var ok: Bool
    public var runs: [RunResult]
    /// Artifact name → repo-relative path, in a stable order.
    public var artifacts: [(name: String, path: String)]
    public var score: Double?
    public var topFindings: [DemoFinding]
    public var notes: [String]
    public var problems: [String]

    public var json: JSONValue {
        var arts: [String: JSONValue] = [:]
        for a in artifacts { arts[a.name] = .string(a.path) }
        return ["status": .string(ok ? "ok" : "failed"), "scenario": .string(scenario.id), "runs": .int(runs.count),
                "artifacts": .object(arts), "score": score.map { .number($0) } ?? .null,
                "run_hashes": .array(runs.map { .string($0.hash) }),
                "notes": .array(notes.map { .string($0) }), "problems": .array(problems.map { .string($0) })]
    }
}

/// Runs a demo scenario in a workspace: audit, the scenario's templates, then one report run that builds the
/// dashboard in four formats, exports the history and writes a summary. Every step is a recorded run under
/// the same policy engine; every file goes through it.
public enum DemoRunner {
    public static let reportExplanation = Replayer.demoReportExplanation

    public static func outputDir(_ scenario: DemoScenario) -> String { "\(StateLayout.relWorkdir)/demo/\(scenario.id)" }

    /// Runs `scenario`. With `overlapping` (the default), runs whose actions are all confined are prepared side
    /// by side and recorded in order (``OrderedRuns``); the result is the same either way.
    /// The templates `scenario` runs, as discovered in the repository (shipped, or the repository's override);
    /// nil for one that is not found. Independent of the state folder, so it can be done while that is set up.
    public static func templates(for scenario: DemoScenario, repoRoot: String,
                                 registry: ActionRegistry) -> [(id: String, template: Template?)] {
        let catalog = TemplateCatalog.discover(repoRoot: repoRoot, registry: registry, only: Set(scenario.templates))
        return scenario.templates.map { id in (id, catalog.templates.first { $0.id == id }?.template) }
    }

    public static func run(_ scenario: DemoScenario, in ws: Workspace, overlapping: Bool = true,
                           templates found: [(id: String, template: Template?)]? = nil,
                           progress: (String) -> Void) async throws -> DemoResult {
        let dir = outputDir(scenario)
        async let indexOpened: Void = ws.store.openIndexEarly()  // created while the first runs are prepared
        var runs: [RunResult] = []
        var artifacts: [(String, String)] = []
        var notes: [String] = []
        var problems: [String] = []
        let repository = try? GitRepository.open(workdir: ws.layout.repoRoot)
        let head = try? repository?.head()
        if head?.unborn ?? true {
            notes.append("this repository has no commits yet: the audit covers only files staged in the index, and nothing can be compared with a previous commit")
        }

        // 1. The audit (one recorded run, reports in three formats), then 2. the scenario's templates, one run
        // each: prepared side by side where every action is confined, recorded in this order (OrderedRuns).
        let templates = found ?? Self.templates(for: scenario, repoRoot: ws.layout.repoRoot, registry: ws.registry)
        let auditActions = [PlannedAction(action: "repo.audit", params: [
            "profile": .string(scenario.auditProfile),
            "outputs": ["json": "audit.json", "sarif": "audit.sarif", "md": "audit.md"],
        ])]
        let separate = !overlapping || ws.outputAreasHoldTrackedFiles(repository: repository)
        var auditResult: JSONValue?
        var auditFindings: [Finding]?
        try await OrderedRuns.run(count: templates.count + 1, overlaps: { i in
            if separate { return false }
            if i == 0 { return ws.isConfined(auditActions) }
            return templates[i - 1].template.map { ws.isConfined($0) } ?? false
        }, prepare: { i, confined -> PreparedStep in
            if i == 0 {
                return .audit(await ws.prepare(
                    kind: "audit", task: "demo \(scenario.id): audit --profile \(scenario.auditProfile)", planner: "demo",
                    explanation: Replayer.demoAuditExplanation(profile: scenario.auditProfile), actions: auditActions, outputDir: dir,
                    confined: confined))
            }
            guard let template = templates[i - 1].template else { return .missing }
            return .template(try await TemplateRunner.prepare(template, inputs: try TemplateInputs.resolve(template, sets: []),
                                                              confined: confined, in: ws))
        }, finish: { i, prepared in
            switch prepared {
            case .audit(let p):
                progress("audit (\(scenario.auditProfile) profile)")
                let audit = try ws.commit(p)
                runs.append(audit)
                for a in audit.record.artifacts { artifacts.append((a.name.replacingDash(), a.path)) }
                if audit.record.status != .ok { problems.append("audit: \(audit.record.firstProblem ?? audit.record.status.rawValue)") }
                auditResult = audit.record.actions.first?.result
                if let json = try? JSONParser.parse(bytes: (try? FileSystem.readBytes(ws.layout.absolute("\(dir)/audit.json"))) ?? []) {
                    auditFindings = (json["findings"]?.arrayValue ?? []).compactMap(Finding.init(json:))
                }
            case .missing:
                problems.append("template \(templates[i - 1].id): not found")
            case .template(let p):
                let id = templates[i - 1].id
                progress("template \(id)")
                let r = try TemplateRunner.finish(p, in: ws)
                runs.append(r.run)
                if let rf = r.recordFile { artifacts.append(("template:\(id):run-record", rf)) }
                for a in r.run.record.artifacts { artifacts.append(("template:\(id):\(Path.basename(a.path))", a.path)) }
                if r.status != .ok { problems.append("template \(id): \(Self.stepProblem(r.run.record) ?? r.status.rawValue)") }
            }
        }, abandon: { _, prepared in
            // Not recorded (an earlier step failed), but what it decided and did is still logged.
            switch prepared {
            case .audit(let p): ws.abandon(p)
            case .template(let p): TemplateRunner.abandon(p, in: ws)
            case .missing: break
            }
        })
        await indexOpened

        // 3. Reports: dashboard, history export, summary — one recorded run.
        progress("dashboard and history export")
        let reportNames = ["dashboard.json", "dashboard.md", "dashboard.html", "dashboard.csv", "history.csv", "summary.md"]
        let topFindings = AuditTotals.topFindings(auditFindings ?? [], limit: topFindingsLimit).map(DemoFinding.init(_:))
        let summary = summaryMarkdown(scenario, score: auditResult?["score"]?.doubleValue, findings: auditFindings,
                                      runs: runs, problems: problems, notes: notes,
                                      artifacts: artifacts.map(\.1) + reportNames.map { "\(dir)/\($0)" })
        let reports = try await ws.execute(
            kind: "demo", task: "demo \(scenario.id): reports", planner: "demo", explanation: reportExplanation,
            actions: ["json", "md", "html", "csv"].map { PlannedAction(action: "report.build", params: ["format": .string($0), "output": .string("dashboard.\($0)")]) }
                + [PlannedAction(action: "history.export", params: ["format": "csv", "output": "history.csv"]),
                   PlannedAction(action: "fs.write", params: ["path": .string("\(dir)/summary.md"), "content": .string(summary)])],
            outputDir: dir)
        runs.append(reports)
        for a in reports.record.artifacts { artifacts.append((Path.basename(a.path), a.path)) }
        if reports.record.status != .ok { problems.append("reports: \(reports.record.firstProblem ?? reports.record.status.rawValue)") }

        return DemoResult(scenario: scenario, ok: problems.isEmpty && runs.allSatisfy { $0.record.status == .ok }, runs: runs,
                          artifacts: artifacts, score: auditResult?["score"]?.doubleValue, topFindings: topFindings,
                          notes: notes, problems: problems)
    }

    /// How many findings the summary's "Top findings" lists (and ``DemoResult/topFindings`` holds).
    public static let topFindingsLimit = 5

    /// The demo's `summary.md`. `findings` are the audit's (nil when its JSON report could not be read): their
    /// totals by severity and by rule and the top findings across files come from ``AuditTotals``, as in
    /// `audit.md`.
    static func summaryMarkdown(_ s: DemoScenario, score: Double?, findings: [Finding]?, runs: [RunResult], problems: [String],
                                notes: [String], artifacts: [String]) -> String {
        var md = "# sdetkit demo: \(s.title)\n\n\(s.description)\n\n"
        md += "- Audit score: **\(score.map { CanonicalJSON.formatNumber($0) } ?? "n/a") / 10** (\(s.auditProfile) profile)\n"
        md += "- Runs recorded: \(runs.count + 1) (audit, \(runs.count - 1) template run(s), this report run)\n"
        md += "- Status: \(problems.isEmpty ? "every step succeeded" : "\(problems.count) step(s) failed")\n\n"
        for n in notes { md += "> Note: \(n)\n\n" }
        if let findings {
            let totals = AuditTotals(findings: findings)
            md += "## Findings by severity\n\n" + totals.severityTableMarkdown() + "\n"
            if !findings.isEmpty {
                md += "## Findings by rule\n\n" + totals.ruleTableMarkdown() + "\n"
                md += "## Top findings\n\nAt most \(topFindingsLimit), taken across files: every file gives its most severe "
                    + "finding before any file gives a second.\n\n"
                    + AuditTotals.findingsTableMarkdown(AuditTotals.topFindings(findings, limit: topFindingsLimit)) + "\n"
            }
        }
        if !problems.isEmpty {
            md += "## Problems\n\n" + problems.map { "- \($0.mdEscaped)\n" }.joined() + "\n"
        }
        md += "## Artifacts\n\n" + artifacts.map { "- `\($0)`\n" }.joined()
        return md
    }

    /// The first failed or denied step of a template run: `step 'ID' (action): reason`.
    static func stepProblem(_ record: RunRecord) -> String? {
        guard let a = record.actions.first(where: { $0.denied || !$0.ok }) else { return nil }
        return (a.step.map { "step '\($0)' (\(a.action))" } ?? a.action) + (a.denied ? " denied: " : " failed: ") + a.reason
    }
}

/// A finding as shown in the demo summary (read back from the audit's JSON report).
public struct DemoFinding: Sendable, Hashable {
    public var severity: String
    public var ruleID: String
    public var location: String
    public var message: String

    init(_ f: Finding) {
        severity = f.severity.rawValue
        ruleID = f.ruleID
        location = f.location
        message = f.message
    }
}

extension String {
    var mdEscaped: String {
        var out = ""
        for c in self {
            switch c {
            case "|": out += "\\|"
            case "\n", "\r": out += " "
            default: out.append(c)
            }
        }
        return out
    }

    func replacingDash() -> String {
        // "audit-json" → "audit.json"
        guard let i = lastIndex(of: "-") else { return self }
        return String(self[..<i]) + "." + String(self[index(after: i)...])
    }
}
