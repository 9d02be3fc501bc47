import ArgumentParser
import SdetkitAudit
import SdetkitCore
import SdetkitRuntime

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit the repository: governance files, secrets (redacted), large/binary files, conflict markers, CI risks.",
        discussion: """
        Reads the files tracked in the git index from the working tree. The run is recorded in the history (kind 'audit').
        --baseline FILE (a previous JSON or SARIF report) reports only findings whose fingerprint is new.
        --fail-on SEVERITY exits 1 when a finding at or above it remains (a CI gate). Rules and scoring: docs/audit.md.
        On a terminal, a scan that runs over a second shows its progress on stderr (files, bytes, rate) on one line, cleared when it ends; never when stderr is not a terminal or with --format json to stdout.
        """
    )

    @Option(help: "default or enterprise (stricter governance).") var profile = "default"
    @Option(help: "json, sarif (2.1.0) or md.") var format = "json"
    @Option(help: "Output file, or - for stdout (written atomically).") var output = "-"
    @Option(help: "A previous JSON or SARIF report: report only new findings.") var baseline: String?
    @Option(name: .customLong("changed-since"), help: "Scan only paths changed since this ref (e.g. HEAD~1, main).")
    var changedSince: String?
    @Option(name: .customLong("fail-on"), help: "Exit 1 if a finding at or above this severity remains.") var failOn: String?

    func validate() throws {
        guard AuditProfile(rawValue: profile) != nil else { throw ValidationError("--profile must be default or enterprise, got '\(profile)'") }
        guard ["json", "sarif", "md"].contains(format) else { throw ValidationError("--format must be json, sarif or md, got '\(format)'") }
        if let failOn, Severity(rawValue: failOn) == nil {
            throw ValidationError("--fail-on must be critical, high, medium, low or info, got '\(failOn)'")
        }
    }

    func run() async throws {
        let ws = try CLI.workspace()
        var base: (fingerprints: Set<String>, sha256: String)?
        if let baseline {
            let path = Output.absolute(baseline)
            base = (try Baseline.load(path: path), Digest.sha256Hex(try FileSystem.readBytes(path)))
        }
        let (report, result) = try await ScanProgressDisplay.around(format: format, output: output) { progress in
            let options = AuditRun.Options(profile: profile, changedSince: changedSince, baseline: base, failOn: failOn, progress: progress)
            return try await RunCoordinator.shared(for: ws).runAudit(options, approval: .nonInteractive, origin: nil)
        }
        guard let report else {
            // The audit itself could not run (e.g. an unknown ref); the failed run is recorded.
            throw SdetkitError(result.record.actions.first?.reason ?? "audit failed", exit: .usage)
        }
        try Output.deliver(RepoAuditAction.render(report, format: format), to: output)
        if output != "-" {
            Output.stderr("audit: score \(report.scoreText)/10, \(report.findings.count) finding(s); wrote \(output) (run \(result.entry?.seq ?? 0))\n")
        }
        if result.record.status != .ok { throw RunExit.failed }
    }
}
