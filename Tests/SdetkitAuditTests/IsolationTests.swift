import XCTest
import SdetkitCore
import SdetkitEngine
@testable import SdetkitAudit

/// When an audit may run alongside other runs: only when it reads no baseline and names its reports plainly.
final class IsolationTests: XCTestCase {
    func testAnAuditIsConfinedUnlessItReadsABaselineOrNamesAPathOutside() {
        let action = RepoAuditAction()
        XCTAssertEqual(action.isolation([:]), .confined)
        XCTAssertEqual(action.isolation(["profile": "enterprise", "outputs": ["json": "audit.json", "md": "r/audit.md"]]), .confined)
        XCTAssertEqual(action.isolation(["output": "audit.json", "baseline": ""]), .confined)
        XCTAssertEqual(action.isolation(["baseline": "old.json"]), .shared)
        XCTAssertEqual(action.isolation(["output": "../../README.md"]), .shared)
        XCTAssertEqual(action.isolation(["output": "/etc/audit.json"]), .shared)
        XCTAssertEqual(action.isolation(["outputs": ["json": "${{ inputs.where }}"]]), .shared)
        XCTAssertEqual(action.isolation(["outputs": "audit.json"]), .shared)
    }
}
