import XCTest
import SdetkitCore
import SdetkitEngine
@testable import SdetkitTemplates

final class ParserTests: XCTestCase {
    let minimal = """
    metadata:
      id: demo
      title: Demo
      version: "1.2"
      description: a demo
      tags: [a, b]
    inputs:
      path:
        type: string
        default: README.md
      count:
        default: 3
      flag:
        type: boolean
        default: false
      level:
        type: string
        default: low
        enum: [low, high]
    workflow:
      - id: read
        action: fs.read
        with:
          path: "${{ inputs.path }}"
        retries: {max: 2, backoff_seconds: 0.5}
        timeout_seconds: 30
      - id: list
        action: fs.list
        when: "${{ inputs.flag }}"
        continue_on_error: true
        with:
          path: "${{ run.output_dir }}"
          note: "${{ steps.read.outputs.sha256 }}"
    outputs:
      sha: "${{ steps.read.outputs.sha256 }}"

    """

    func testParsesEveryField() throws {
        let t = try parse(minimal)
        XCTAssertEqual(t.metadata, TemplateMetadata(id: "demo", title: "Demo", version: "1.2", description: "a demo", tags: ["a", "b"]))
        XCTAssertEqual(t.inputs.map(\.name), ["path", "count", "flag", "level"])
        XCTAssertEqual(t.inputs.map(\.type), [.string, .number, .boolean, .string], "type inferred from the default")
        XCTAssertEqual(t.inputs[1].defaultValue, .number(3))
        XCTAssertEqual(t.inputs[3].allowed, ["low", "high"])
        XCTAssertEqual(t.workflow.map(\.id), ["read", "list"])
        XCTAssertEqual(t.workflow[0].retries, RetryPolicy(max: 2, backoffSeconds: 0.5))
        XCTAssertEqual(t.workflow[0].timeoutSeconds, 30)
        XCTAssertTrue(t.workflow[1].continueOnError)
        XCTAssertEqual(t.workflow[1].rawWhen, "${{ inputs.flag }}")
        XCTAssertEqual(t.workflow[0].rawParams, ["path": "${{ inputs.path }}"])
        XCTAssertEqual(t.outputs.map(\.name), ["sha"])
        XCTAssertEqual(t.digest, Digest.sha256Hex(minimal))
    }

    func testMalformedYAMLPointsAtFileAndLine() {
        let bad = "metadata:\n  id: bad\n  title: Bad\nworkflow:\n  - id: s1\n    action: fs.write\n    with: [oops\n"
        let found = issues(bad, file: "templates/automations/bad.yaml")
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found[0].text.hasPrefix("templates/automations/bad.yaml:"), found[0].text)
        XCTAssertNotNil(found[0].line)
        XCTAssertEqual(found[0].line, 7, "the error at the end of the input points at the last line: \(found[0].text)")
        XCTAssertTrue(found[0].problem.contains("invalid YAML"), found[0].problem)
    }

    func testUnknownInterpolationNamesAreErrorsWithLines() {
        let yaml = """
        metadata: {id: x, title: X}
        inputs:
          path: {default: a}
        workflow:
          - id: one
            action: fs.read
            with:
              path: "${{ inputs.paht }}"
          - id: two
            action: fs.read
            with:
              path: "${{ steps.three.outputs.path }}"
              other: "${{ env.HOME }}"
          - id: three
            action: fs.read
            with:
              path: "${{ steps.three.outputs.path }}"
              fine: "${{ steps.one.outputs.path }} ${{ run.output_dir }}"
              bad: "${{ run.cwd }}"
        """
        let found = issues(yaml)
        let byLine = Dictionary(grouping: found, by: { $0.line ?? 0 })
        XCTAssertEqual(found.count, 5, found.map(\.text).joined(separator: "\n"))
        XCTAssertTrue(byLine[8]?.first?.problem.contains("unknown input 'paht'") == true, "\(found)")
        XCTAssertTrue(byLine[8]?.first?.problem.contains("did you mean 'path'") == true, "\(found)")
        XCTAssertTrue(byLine[12]?.first?.problem.contains("runs later") == true, "\(found)")
        XCTAssertTrue(byLine[13]?.first?.problem.contains("unknown name 'env.HOME'") == true, "\(found)")
        XCTAssertTrue(byLine[17]?.first?.problem.contains("its own outputs") == true, "\(found)")
        XCTAssertTrue(byLine[19]?.first?.problem.contains("run.output_dir") == true, "\(found)")
        XCTAssertTrue(found.allSatisfy { $0.text.hasPrefix("t.yaml:\($0.line ?? -1): ") })
    }

    func testUnknownKeysAreErrorsWithSuggestions() {
        let yaml = """
        metadata: {id: x, title: X, owner: me}
        workflw:
          - id: a
        """
        let found = issues(yaml)
        XCTAssertTrue(found.contains { $0.line == 1 && $0.problem.contains("unknown key 'owner' in metadata") }, "\(found)")
        XCTAssertTrue(found.contains { $0.line == 2 && $0.problem.contains("did you mean 'workflow'") }, "\(found)")
        XCTAssertTrue(found.contains { $0.problem.contains("missing 'workflow'") }, "\(found)")

        let step = "metadata: {id: x, title: X}\nworkflow:\n  - id: a\n    action: fs.read\n    retry: 3\n"
        XCTAssertTrue(issues(step).contains { $0.line == 5 && $0.problem.contains("did you mean 'retries'") }, "\(issues(step))")
    }

    func testStructuralProblems() {
        let yaml = """
        metadata: {id: "bad id", title: X}
        inputs:
          level: {type: string, default: mid, enum: [low, high]}
          n: {type: number, default: lots}
          kind: {type: colour}
        workflow:
          - id: a
            action: fs.read
            timeout_seconds: -1
            continue_on_error: maybe
          - id: a
            action: fs.read
          - action: fs.list
        """
        let found = issues(yaml).map(\.text)
        let expected = ["t.yaml:1: metadata.id 'bad id'", "t.yaml:3: input 'level' default 'mid' is not one of",
                        "t.yaml:4: input 'n' default must be a number", "t.yaml:5: input 'kind' type must be string, number or boolean",
                        "t.yaml:9: step 'a' timeout_seconds must be a number", "t.yaml:10: step 'a' continue_on_error must be true or false",
                        "t.yaml:11: step id 'a' is used twice", "t.yaml:13: a workflow step needs an 'id'"]
        for e in expected { XCTAssertTrue(found.contains { $0.hasPrefix(e) }, "missing \(e) in\n" + found.joined(separator: "\n")) }
    }

    func testUnknownActionIsReportedWhenARegistryIsGiven() throws {
        let yaml = "metadata: {id: x, title: X}\nworkflow:\n  - id: a\n    action: fs.raed\n"
        XCTAssertNoThrow(try parse(yaml), "without a registry actions are not checked")
        let found = issues(yaml, registry: .builtin)
        XCTAssertEqual(found.first?.line, 4)
        XCTAssertTrue(found.first?.problem.contains("unknown action 'fs.raed'; did you mean 'fs.read'?") == true, "\(found)")
    }

    func testDuplicateKeysAndEmptyFiles() {
        XCTAssertTrue(issues("metadata: {id: x, title: X}\nworkflow: []\nworkflow: []\n").contains { $0.problem.contains("duplicate key") })
        XCTAssertTrue(issues("").contains { $0.problem.contains("empty") })
        XCTAssertTrue(issues("metadata: {id: x, title: X}\nworkflow: []\n").contains { $0.problem.contains("at least one step") })
        XCTAssertTrue(issues("- just\n- a list\n").contains { $0.problem.contains("must be a mapping") })
    }

    func testErrorMessageIsOneLineWithFileAndLine() {
        do throws(TemplateError) {
            _ = try TemplateParser.parse(text: "metadata: {id: x}\nworkflow: 3\n", file: "f.yaml")
            XCTFail("should not parse")
        } catch {
            XCTAssertEqual(error.exitStatus, .usage)
            XCTAssertTrue(error.message.hasPrefix("f.yaml:1: "), error.message)
            XCTAssertFalse(error.message.contains("\n"))
        }
    }
}
