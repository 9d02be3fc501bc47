import Foundation
import XCTest

@testable import SdetkitAudit

/// docs/audit.md lists every rule: its id appears as a table row with the rule's default-profile severity.
final class DocsTests: XCTestCase {
    func testEveryRuleIsDocumentedWithItsSeverity() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/audit.md"), encoding: .utf8)
        for rule in AuditCatalogue.rules(for: .default) where !rule.id.hasPrefix("governance.") {
            XCTAssertTrue(doc.contains("| `\(rule.id)` | \(rule.severity.rawValue) |"), "\(rule.id) is not documented")
        }
        for id in AuditCatalogue.allRuleIDs { XCTAssertTrue(doc.contains("`\(id)`"), id) }
    }
}
