import SdetkitGit
import XCTest

@testable import SdetkitAudit

/// README's main command runs the demo in this repository, and the demo's release-readiness gate fails on a
/// critical finding: so this repository itself must never contain one (for example a literal test key).
final class SelfAuditTests: XCTestCase {
    func testThisRepositoryHasNoCriticalFindings() throws {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let repo = try GitRepository.discover(from: packageRoot)
        let report = Auditor.run(try Auditor.input(from: repo, changedSince: nil), profile: .enterprise)
        let critical = report.findings.filter { $0.severity == .critical }
        XCTAssertTrue(critical.isEmpty, critical.map { "\($0.path ?? ""):\($0.line ?? 0) \($0.ruleID)" }.joined(separator: "; "))
        XCTAssertGreaterThan(report.filesScanned, 100)
    }
}
