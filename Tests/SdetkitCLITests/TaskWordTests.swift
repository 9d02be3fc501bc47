import Foundation
import XCTest
import SdetkitCore

/// `agent run` task words through the binary (docs/cli.md#tasks), and no file content in any history output.
final class TaskWordTests: XCTestCase {
    var repo = ""

    override func setUpWithError() throws {
        repo = try CLIHarness.makeRepo()
        XCTAssertEqual(try CLIHarness.run(["agent", "init"], in: repo).code, 0)
    }

    func run(_ args: String...) throws -> CLIHarness.Result { try CLIHarness.run(args, in: repo) }

    func actions(_ r: CLIHarness.Result) -> [String] {
        (r.json?["actions"]?.arrayValue ?? []).compactMap { $0["action"]?.stringValue }
    }

    func testAuditAndReportWordsRunTheirActions() throws {
        let audit = try run("agent", "run", "please audit the repo", "--json")
        XCTAssertEqual(actions(audit), ["repo.audit"], audit.err)
        XCTAssertEqual(audit.json?["actions"]?.arrayValue?.first?["params"]?["profile"], "default")
        XCTAssertTrue(audit.err.isEmpty, audit.err)
        let report = try run("agent", "run", "Build the report", "--json")
        XCTAssertEqual(report.code, 0, report.err)
        XCTAssertEqual(actions(report), ["report.build"], report.err)
        XCTAssertTrue(FileSystem.isRegularFile(repo + "/.sdetkit/agent/workdir/dashboard.html"))
    }

    func testNoRuleMatchedIsAnOkRunWithOneNoteOnStderr() throws {
        for task in ["a robot both ways", "auditorium tour", "reporting"] {
            let r = try run("agent", "run", task, "--json")
            XCTAssertEqual(r.code, 0, r.err)
            XCTAssertEqual(actions(r), [], task)
            XCTAssertEqual(r.json?["recorded"], true, task)
            XCTAssertEqual(r.json?["plan"]?["planner"], "none", task)
            XCTAssertEqual(r.err, "sdetkit: note: no rule matched '\(task)'; nothing was run (task words: docs/cli.md#tasks)\n")
        }
        let multi = try run("agent", "run", "two\nlines")
        XCTAssertEqual(multi.err.split(separator: "\n").count, 1, multi.err)
        XCTAssertTrue(multi.err.contains(#"'two\nlines'"#), multi.err)
        XCTAssertTrue(try run("agent", "run", "status").err.isEmpty, "a matched rule prints no note")
    }

    func testTemplateWordRunsTheTemplateThroughTheTemplatePipeline() throws {
        let r = try run("agent", "run", "please run template:license-header-check", "--json")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.json?["kind"], "template.run", r.out)
        XCTAssertEqual(r.json?["template"]?["id"], "license-header-check", r.out)
        XCTAssertEqual(r.json?["record_file"], ".sdetkit/agent/template-runs/license-header-check/run-record.json", r.out)
        let direct = try run("agent", "templates", "run", "license-header-check", "--json")
        XCTAssertEqual(direct.json?["hash"], r.json?["hash"], "the same run as 'templates run'")
        let unknown = try run("agent", "run", "template:no-such-template")
        XCTAssertEqual(unknown.code, 2)
        XCTAssertEqual(unknown.err.split(separator: "\n").count, 1, unknown.err)
        XCTAssertTrue(unknown.err.contains("license-header-check"), "names the known templates: \(unknown.err)")
        let dry = try run("agent", "run", "template:license-header-check", "--dry-run")
        XCTAssertEqual(dry.code, 2)
        XCTAssertEqual(dry.err.split(separator: "\n").count, 1, dry.err)
        let list = try run("agent", "history", "list", "--json")
        XCTAssertEqual(list.json?.arrayValue?.count, 2, "the unknown template and the dry run recorded nothing")
    }

    /// The content is in the workdir file and nowhere else under .sdetkit/agent, nor in list, show or export.
    func testWrittenContentIsInNoHistoryFileOrOutput() throws {
        let marker = "AKIA" + "Z7QWERTYUIOPASDF-cli-marker-\(UInt32.random(in: 0...UInt32.max))"
        let task = #"action fs.write {"path":".sdetkit/agent/workdir/s.txt","content":"\#(marker)"}"#
        let w = try run("agent", "run", task, "--json")
        XCTAssertEqual(w.code, 0, w.err)
        XCTAssertFalse(w.out.contains(marker), w.out)
        XCTAssertEqual(try FileSystem.readString(repo + "/.sdetkit/agent/workdir/s.txt"), marker)
        let agent = repo + "/.sdetkit/agent"
        var searched = 0
        for case let rel as String in FileManager.default.enumerator(atPath: agent)! {
            guard !Path.isInside(rel, "workdir"), FileSystem.isRegularFile(agent + "/" + rel) else { continue }
            searched += 1
            let text = String(decoding: try FileSystem.readBytes(agent + "/" + rel), as: UTF8.self)
            XCTAssertFalse(text.contains(marker), "the content leaked into .sdetkit/agent/\(rel)")
        }
        XCTAssertGreaterThanOrEqual(searched, 4)
        let seq = w.json?["seq"]?.intValue ?? 1
        let outputs = [("history list", try run("agent", "history", "list")),
                       ("history list --json", try run("agent", "history", "list", "--json")),
                       ("history show --json", try run("agent", "history", "show", String(seq), "--json")),
                       ("history export csv", try run("agent", "history", "export", "--format", "csv", "--output", "-"))]
        for (name, r) in outputs {
            XCTAssertEqual(r.code, 0, "\(name): \(r.err)")
            XCTAssertFalse(r.out.contains(marker), "the content leaked into \(name)")
        }
        XCTAssertTrue(outputs[2].1.out.contains(Digest.sha256Hex(marker)), "show names the content by its digest")
        let again = try run("agent", "run", task, "--json")
        XCTAssertEqual(again.json?["hash"], w.json?["hash"], "the same task gives the same record hash")
    }
}
