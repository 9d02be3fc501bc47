import XCTest
import SdetkitCore
@testable import SdetkitTemplates

/// Hostile template files are refused early and cheaply (docs/templates.md, "Limits").
final class ParserLimitsTests: XCTestCase {
    /// Ten levels of ten aliases each: 10^10 values if expanded.
    static let aliasBomb: String = {
        var lines = ["metadata: {id: b, title: B}", #"a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]"#]
        for i in 1..<10 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ",") + "]") }
        return lines.joined(separator: "\n") + "\nworkflow: []\n"
    }()

    func testAnAliasBombIsRefusedAtItsFirstAnchor() {
        let found = issues(Self.aliasBomb)
        XCTAssertEqual(found.count, 1, "\(found)")
        XCTAssertEqual(found.first?.line, 2)
        XCTAssertTrue(found.first?.problem.contains("anchors and aliases") ?? false, "\(found)")
    }

    func testAnyAnchorOrAliasIsRefused() {
        let yaml = """
        metadata: {id: a, title: A}
        inputs:
          p: &p {default: README.md}
        workflow:
          - id: r
            action: fs.read
            with: {path: x}
        """
        XCTAssertEqual(issues(yaml).map(\.line), [3])
    }

    func testStepNodeDepthAndSizeLimits() {
        var lines = ["metadata: {id: big, title: Big}", "workflow:"]
        for i in 0...TemplateParser.maxSteps { lines += ["  - id: s\(i)", "    action: fs.read", "    with: {path: README.md}"] }
        let tooMany = issues(lines.joined(separator: "\n"))
        XCTAssertEqual(tooMany.map(\.problem), ["the workflow has \(TemplateParser.maxSteps + 1) steps; templates are limited to \(TemplateParser.maxSteps)"])

        let deep = "metadata: {id: d, title: D}\nworkflow: " + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "\n"
        XCTAssertTrue(issues(deep).contains { $0.problem.contains("nested deeper than 64") }, "\(issues(deep))")

        let wide = "metadata: {id: w, title: W}\nx: [" + Array(repeating: "1", count: 100_001).joined(separator: ",") + "]\nworkflow: []\n"
        XCTAssertTrue(issues(wide).contains { $0.problem.contains("more than 100000 YAML values") })

        let huge = "metadata: {id: h, title: H}\n# " + String(repeating: "x", count: 1 << 20) + "\nworkflow: []\n"
        XCTAssertEqual(issues(huge).first?.problem.hasPrefix("the file is"), true)
    }

    func testManyStepsReferringToEarlierOnesParse() throws {
        var lines = ["metadata: {id: chain, title: Chain}", "workflow:", "  - id: s0", "    action: fs.read", "    with: {path: README.md}"]
        for i in 1..<TemplateParser.maxSteps {
            lines += ["  - id: s\(i)", "    action: fs.read", "    with: {path: \"${{ steps.s\(i - 1).outputs.sha256 }}\"}"]
        }
        let t = try parse(lines.joined(separator: "\n"))
        XCTAssertEqual(t.workflow.count, TemplateParser.maxSteps)
    }

    func testMessagesStayOnOneLineWithControlCharactersEscaped() {
        let found = issues("metadata: {id: e, title: E}\n\"work\\e[31mflow\\nx\": []\nworkflow: [{id: a, action: fs.read}]\n")
        let text = found.map(\.text).joined(separator: "|")
        XCTAssertTrue(text.contains(#"unknown key 'work\u{1B}[31mflow\nx'"#), text)
        XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 }, text)
    }
}
