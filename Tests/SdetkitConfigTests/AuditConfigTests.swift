import XCTest
@testable import SdetkitConfig

/// The `audit:` section: exclusions and the test-path severity cap, read, rendered and digested.
final class AuditConfigTests: XCTestCase {
    func testTheAuditSectionIsRead() throws {
        let c = try parse("version: 1\naudit:\n  exclude:\n    - vendor/\n    - \"*.min.js\"\n  test_max_severity: info\n").config
        XCTAssertEqual(c.audit, AgentConfig.Audit(exclude: ["vendor/", "*.min.js"], testMaxSeverity: .info))
        XCTAssertEqual(try parse("version: 1\naudit:\n").config.audit, .defaults)
        XCTAssertEqual(AgentConfig.defaults.audit.testMaxSeverity, .low)
    }

    func testBadAuditValuesNameTheLineAndTheFix() {
        assertConfigError("version: 1\naudit:\n  test_max_severity: severe\n", line: 3,
                          ["audit.test_max_severity", "critical, high, medium, low, info", "severe"])
        assertConfigError("version: 1\naudit:\n  exclude: vendor/\n", line: 3, ["audit.exclude", "a list of paths or patterns"])
        assertConfigError("version: 1\naudit:\n  exclude:\n    - ok/\n    - [nested]\n", line: 5, ["audit.exclude[1]"])
        assertConfigError("version: 1\naudit:\n  excludes: [a]\n", line: 3, ["excludes"])
    }

    func testTheDigestChangesOnlyWhenTheAuditSectionIsNotTheDefault() throws {
        let plain = try parse("version: 1\n").config
        let explicitDefaults = try parse("version: 1\naudit:\n  exclude: []\n  test_max_severity: low\n").config
        XCTAssertEqual(plain.digest, explicitDefaults.digest, "the defaults digest as before the section existed")
        XCTAssertNil(plain.runJSONMembers["audit"])
        let excluding = try parse("version: 1\naudit:\n  exclude: [vendor/]\n").config
        XCTAssertNotEqual(excluding.digest, plain.digest, "an exclusion changes what an audit run does")
        XCTAssertEqual(plain.json["audit"]?["test_max_severity"]?.stringValue, "low", "config show lists the section")
    }

    func testTheRenderedSectionReadsBackTheSame() throws {
        let c = AgentConfig(audit: .init(exclude: ["vendor/", "a b/*.js", "!keep"], testMaxSeverity: .medium))
        for commented in [true, false] {
            let text = ConfigRenderer.render(c, commented: commented)
            XCTAssertEqual(try parse(text).config.audit, c.audit, text)
        }
    }
}
