import SdetkitCore
import SdetkitStore

/// Service-level objectives the dashboard measures against (config `slo.success_rate`, `slo.p95_duration_ms`).
public struct SLOTargets: Sendable, Hashable {
    /// Target fraction of runs that end `ok` (0...1).
    public var successRate: Double
    /// The 95th-percentile run duration must stay below this many milliseconds.
    public var p95DurationMs: Int

    public init(successRate: Double = 0.99, p95DurationMs: Int = 3000) {
        self.successRate = successRate
        self.p95DurationMs = p95DurationMs
    }
}

/// Which runs a dashboard covers: the store's ``RunFilter`` (the same one `history export` uses). `since` is
/// inclusive, `until` exclusive (a bare date as `until` means the end of that day).
public typealias DashboardFilter = RunFilter

extension RunFilter {
    /// Parses the CLI/action forms: dates as `YYYY-MM-DD` or RFC 3339 UTC (`YYYY-MM-DDTHH:MM:SSZ`).
    public static func parse(since: String?, until: String?, template: String?, status: String?,
                             source: String = "--") throws(ReportError) -> DashboardFilter {
        var f = DashboardFilter(template: template, status: status)
        if let since {
            guard let t = RunClock.parse(since) else { throw .badDate(option: "\(source)since", value: since) }
            f.sinceEpoch = t
        }
        if let until {
            guard let t = RunClock.parse(until) else { throw .badDate(option: "\(source)until", value: until) }
            f.untilEpoch = until.utf8.count == 10 ? t + 86_400 : t
        }
        if let status, RunStatus(rawValue: status) == nil { throw .badStatus(option: "\(source)status", value: status) }
        if let s = f.sinceEpoch, let u = f.untilEpoch, u <= s {
            throw .emptyWindow(since: since ?? "", until: until ?? "")
        }
        return f
    }


    public var isEmpty: Bool { sinceEpoch == nil && untilEpoch == nil && template == nil && status == nil }

    public var json: JSONValue {
        ["since": .optional(sinceEpoch.map(RunClock.rfc3339(epochSeconds:))),
         "until": .optional(untilEpoch.map(RunClock.rfc3339(epochSeconds:))),
         "template": .optional(template), "status": .optional(status)]
    }

    /// One line for humans: `since 2023-11-14T00:00:00Z · template flip`, or `all runs`.
    public var text: String {
        var parts: [String] = []
        if let s = sinceEpoch { parts.append("since \(RunClock.rfc3339(epochSeconds: s))") }
        if let u = untilEpoch { parts.append("until \(RunClock.rfc3339(epochSeconds: u)) (exclusive)") }
        if let t = template { parts.append("template \(t)") }
        if let s = status { parts.append("status \(s)") }
        return parts.isEmpty ? "all runs" : parts.joined(separator: " · ")
    }
}

/// What the dashboard computes and how much it lists.
public struct DashboardOptions: Sendable, Hashable {
    public var filter: DashboardFilter
    public var slo: SLOTargets
    /// `budgets.max_actions` of the config: the denominator of worker budget use.
    public var actionBudget: Int
    /// Rows kept in top-N lists (templates, actions, families).
    public var topLimit: Int
    /// Failures kept in the summary model (newest first). The JSON renderer streams all of them regardless.
    public var failureLimit: Int
    /// Runs per template looked at for flakiness.
    public var flakyWindow: Int

    public init(filter: DashboardFilter = DashboardFilter(), slo: SLOTargets = SLOTargets(), actionBudget: Int = 10,
                topLimit: Int = 10, failureLimit: Int = 500, flakyWindow: Int = 10) {
        self.filter = filter
        self.slo = slo
        self.actionBudget = actionBudget
        self.topLimit = topLimit
        self.failureLimit = failureLimit
        self.flakyWindow = flakyWindow
    }
}

public struct RunCounts: Sendable, Hashable {
    public var total = 0, ok = 0, failed = 0, denied = 0
    /// ok / total, rounded to 6 decimals; nil when there are no runs.
    public var successRate: Double?
    public var latestStatus: String?
    public var currentSuccessStreak = 0
    public var longestFailureStreak = 0
    public var notOK: Int { failed + denied }
}

public struct Percentiles: Sendable, Hashable {
    public var p50: Int?, p95: Int?, p99: Int?
}

public struct ErrorBudget: Sendable, Hashable {
    /// (1 − target) × runs: how many non-ok runs the window may have.
    public var allowed: Double = 0
    /// Non-ok runs (failed + denied): every run that counts against the success-rate SLO.
    public var used = 0
    /// allowed − used; negative when exhausted.
    public var remaining: Double = 0
    /// used / allowed; nil when nothing is allowed (target 1.0 or no runs).
    public var usedFraction: Double?
    public var exhausted: Bool { Double(used) > allowed }
}

public struct SLOReport: Sendable, Hashable {
    public var targets = SLOTargets()
    public var successRate: Double?
    public var successRateMet: Bool?
    public var durations = Percentiles()
    public var p95Met: Bool?
    /// Failed runs (status `failed`; policy denials are counted separately).
    public var incidents = 0
    public var errorBudget = ErrorBudget()
}

/// Runs grouped by a name (template or family).
public struct GroupStat: Sendable, Hashable {
    public var name: String
    public var runs: Int, ok: Int, failed: Int, denied: Int
    /// (failed + denied) / runs.
    public var failureRate: Double
}

public struct ActionStat: Sendable, Hashable {
    public var action: String
    public var count: Int, ok: Int, failed: Int, denied: Int
    /// (failed + denied) / count.
    public var failureRate: Double
}

public struct Utilisation: Sendable, Hashable {
    public var runs = 0
    /// Runs in which the worker executed (or attempted) at least one action.
    public var runsWithActions = 0
    public var shareWithActions: Double?
    public var actions = 0
    public var actionsPerRun: Double?
    public var maxActionsInRun = 0
    /// `budgets.max_actions`.
    public var actionBudget = 0
    /// actionsPerRun / actionBudget.
    public var budgetUse: Double?
    /// Runs that used their whole action budget.
    public var runsAtBudget = 0
}

public struct Approvals: Sendable, Hashable {
    /// Actions that needed approval and got it (`granted`).
    public var approved = 0
    /// Actions that needed none (`not_required`).
    public var autoApproved = 0
    /// Actions that needed approval and did not get it.
    public var denied = 0
    /// Approved actions that then failed.
    public var failedAfterApproval = 0
}

public struct FlakyTemplate: Sendable, Hashable {
    public var template: String
    /// ok↔failed changes between consecutive runs of the window.
    public var switches: Int
    /// Statuses of the window, oldest first.
    public var recent: [String]
}

public struct FailureRow: Sendable, Hashable {
    public var seq: Int
    public var capturedAt: String
    public var hash: String
    public var status: String
    public var task: String
    public var template: String?
    public var family: String
    public var reason: String?
    public var durationMs: Int
}

public struct DailyPoint: Sendable, Hashable {
    public var date: String
    public var runs: Int, ok: Int, failed: Int, denied: Int
    public var successRate: Double
}

public struct IntegrityState: Sendable, Hashable {
    public var verified: Bool
    public var entries: Int
    public var head: String
    public var problem: String?
}

/// One audit run's score: a point of the dashboard's audit trend.
public struct AuditPoint: Sendable, Hashable {
    public var seq: Int
    public var capturedAt: String
    public var hash: String
    /// 0–10, as the run's `repo.audit` action recorded it.
    public var score: Double
}

/// Findings by severity of one audit run (the `repo.audit` action's result).
public struct AuditSeverityCounts: Sendable, Hashable {
    public var critical = 0, high = 0, medium = 0, low = 0, info = 0, total = 0

    /// `(severity, count)`, most severe first.
    public var rows: [(severity: String, count: Int)] {
        [("critical", critical), ("high", high), ("medium", medium), ("low", low), ("info", info)]
    }
}

/// The dashboard's audit panel: the audit runs of the window (runs with a `repo.audit` action: `sdetkit agent
/// audit`, the demo's audit, templates that audit), the latest score and its findings by severity, and the
/// score's trend.
public struct AuditPanel: Sendable, Hashable {
    /// Audit runs the trend keeps (the newest).
    public static let trendLimit = 30

    /// Runs of the window with a `repo.audit` action (scored or not: a denied audit has no score).
    public var runs = 0
    /// The newest audit run with a score.
    public var latest: AuditPoint?
    /// The latest audit's profile (`default`, `enterprise`).
    public var profile: String?
    /// The latest audit's findings by severity.
    public var findings: AuditSeverityCounts?
    /// Scores of the newest ``trendLimit`` audit runs that have one, oldest first.
    public var trend: [AuditPoint] = []

    public init() {}

    /// The latest score minus the one before it; nil with fewer than two scored audit runs.
    public var change: Double? {
        guard trend.count >= 2 else { return nil }
        return ((trend[trend.count - 1].score - trend[trend.count - 2].score) * 10).rounded() / 10
    }
}

/// Everything a dashboard shows, computed from the history index.
public struct DashboardSummary: Sendable, Hashable {
    public static let schema = "sdetkit.dashboard/v1"

    public var generatedAt: String
    public var filter: DashboardFilter
    public var runs = RunCounts()
    public var slo = SLOReport()
    public var topTemplates: [GroupStat] = []
    public var templateCount = 0
    public var topActions: [ActionStat] = []
    public var actionCount = 0
    public var families: [GroupStat] = []
    public var familyCount = 0
    public var utilisation = Utilisation()
    public var approvals = Approvals()
    public var flaky: [FlakyTemplate] = []
    /// Newest first, at most `DashboardOptions.failureLimit`.
    public var failures: [FailureRow] = []
    /// Every non-ok run in the window.
    public var failureCount = 0
    /// The newest run covered: later runs (appended while rendering) are left out of streamed lists.
    public var throughSeq = 0
    public var daily: [DailyPoint] = []
    public var integrity = IntegrityState(verified: true, entries: 0, head: "", problem: nil)
    public var audit = AuditPanel()

    public init(generatedAt: String, filter: DashboardFilter) {
        self.generatedAt = generatedAt
        self.filter = filter
    }
}

/// Output formats of a dashboard.
public enum DashboardFormat: String, Sendable, CaseIterable {
    case json, md, html, csv

    public var fileExtension: String { rawValue }
}

/// Which CSV table: one row per run (as `history export --format csv`) or the summary metrics as key,value.
public enum CSVTable: String, Sendable, CaseIterable {
    case runs, summary
}

public enum ReportError: UserFacingError, Equatable {
    case badDate(option: String, value: String)
    case badStatus(option: String, value: String)
    case emptyWindow(since: String, until: String)
    case badParam(String)

    public var message: String {
        switch self {
        case .badDate(let o, let v):
            return "\(o): '\(v)' is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)"
        case .badStatus(let o, let v):
            return "\(o): '\(v)' is not a run status; use ok, failed or denied"
        case .emptyWindow(let s, let u):
            return "--until \(u) is not after --since \(s): the window holds no time; widen it"
        case .badParam(let m):
            return m
        }
    }

    public var exitStatus: ExitStatus { .usage }
}

/// Rounds to 6 decimal places so fractions print short and stable (0.615385, not 0.6153846153846154).
@inline(__always) func round6(_ x: Double) -> Double { (x * 1_000_000).rounded() / 1_000_000 }
