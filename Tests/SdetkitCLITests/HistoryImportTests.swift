import Foundation
import XCTest
import SdetkitCore

/// `agent history import` over the Python sdetkit 1.2.0's six real run records (Tests/Fixtures/python-sdetkit-1.2.0 from the
/// repository root; skipped when absent), each test in its own scratch repository.
final class HistoryImportTests: XCTestCase {
    static let legacyDir: String = {
        let root = Path.dirname(Path.dirname(Path.dirname(#filePath)))
        return root + "/Tests/Fixtures/python-sdetkit-1.2.0/state/history"
    }()

    func legacyNames() throws -> [String] {
        let names = FileSystem.list(Self.legacyDir).filter { $0.hasSuffix(".json") }.sorted()
        if names.isEmpty { throw XCTSkip("Python sdetkit data not found at \(Self.legacyDir)") }
        return names
    }

    /// A scratch repository whose `.sdetkit/agent/history` (or `dir`) holds writable copies of the records.
    func repoWithLegacy(into dir: String = ".sdetkit/agent/history") throws -> String {
        _ = try legacyNames()
        let repo = try CLIHarness.makeRepo()
        try CLIHarness.shell("mkdir -p '\(dir)' && cp '\(Self.legacyDir)'/*.json '\(dir)'/ && chmod u+w '\(dir)'/*.json", in: repo)
        return repo
    }

    func importedRuns(_ repo: String) throws -> [JSONValue] {
        let list = try CLIHarness.run(["agent", "history", "list", "--json", "--limit", "100"], in: repo)
        return (list.json?.arrayValue ?? []).filter { $0["kind"]?.stringValue == "import.python" }
    }

    func testImportGivesSixVerifiedRunsKeepingEachFilesSHA256AndAddsNothingTheSecondTime() throws {
        let names = try legacyNames()
        XCTAssertEqual(names.count, 6)
        let repo = try repoWithLegacy()
        let before = try CLIHarness.run(["agent", "history", "verify"], in: repo)
        XCTAssertTrue(before.err.contains("note: 6 Python sdetkit records in .sdetkit/agent/history are not imported; run 'sdetkit agent history import'"), before.err)
        let listBefore = try CLIHarness.run(["agent", "history", "list"], in: repo)
        XCTAssertTrue(listBefore.err.contains("6 Python sdetkit records"), listBefore.err)
        let doctor = try CLIHarness.run(["agent", "doctor", "--json"], in: repo)
        let legacyCheck = doctor.json?["checks"]?.arrayValue?.first { $0["name"]?.stringValue == "legacy-history" }
        XCTAssertTrue(legacyCheck?["detail"]?.stringValue?.contains("history import") == true, doctor.out)

        let r = try CLIHarness.run(["agent", "history", "import"], in: repo, env: ["SOURCE_DATE_EPOCH": "1800000000"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").filter { $0.hasPrefix("imported ") && $0.contains(".json as run") }.count, 6, r.out)
        let runs = try importedRuns(repo)
        XCTAssertEqual(runs.count, 6)
        // In captured_at order, then by file name: the five 2025 records (665d… first), then the 2026 one.
        // The list is newest first.
        XCTAssertEqual(runs.last?["task"]?.stringValue, #"action shell.run {"cmd":"git status"}"#)
        XCTAssertEqual(runs.first?["task"]?.stringValue, "report")

        var shownNames: [String] = []
        for run in runs {
            let show = try CLIHarness.run(["agent", "history", "show", String(run["seq"]?.intValue ?? 0), "--json"], in: repo)
            let imported = try XCTUnwrap(show.json?["imported"], show.out)
            let file = try XCTUnwrap(imported["file"]?.stringValue)
            let bytes = try FileSystem.readBytes(Self.legacyDir + "/" + file)
            XCTAssertEqual(imported["sha256"]?.stringValue, Digest.sha256Hex(bytes))
            XCTAssertEqual(imported["record_hash"]?.stringValue.map { $0 + ".json" }, file)
            XCTAssertEqual(show.json?["observed"]?["captured_at"]?.stringValue, "2027-01-15T08:00:00Z")
            XCTAssertTrue(imported["captured_at"]?.stringValue?.hasPrefix("202") == true)
            XCTAssertFalse(show.out.contains(#"\"content\":\"hi\""#), show.out)
            shownNames.append(file)
        }
        XCTAssertEqual(shownNames.sorted(), names)

        let again = try CLIHarness.run(["agent", "history", "import", "--json"], in: repo)
        XCTAssertEqual(again.code, 0, again.err)
        XCTAssertEqual(again.json?["imported"]?.arrayValue?.count, 0, again.out)
        XCTAssertEqual(again.json?["already_imported"]?.arrayValue?.count, 6, again.out)
        XCTAssertEqual(try importedRuns(repo).count, 6)

        let verify = try CLIHarness.run(["agent", "history", "verify", "--json"], in: repo)
        XCTAssertEqual(verify.code, 0, verify.out + verify.err)
        XCTAssertEqual(verify.json?["entries"]?.intValue, 6)
        XCTAssertFalse(verify.err.contains("not imported"), verify.err)
    }

    func testATamperedAndAMalformedFileAreNamedAndSkippedWhileTheOthersImport() throws {
        let names = try legacyNames()
        let repo = try repoWithLegacy(into: "old")
        let tampered = "old/" + names[2]
        var bytes = try FileSystem.readBytes(repo + "/" + tampered)
        let at = try XCTUnwrap(bytes.lastIndex(of: UInt8(ascii: "r")))
        bytes[at] = UInt8(ascii: "R")  // one byte
        try FileSystem.writeAtomically(bytes, to: repo + "/" + tampered)
        let malformed = "old/" + String(repeating: "ab", count: 32) + ".json"
        try FileSystem.writeAtomically("{\"task\": \"cut off", to: repo + "/" + malformed)

        let r = try CLIHarness.run(["agent", "history", "import", "--from", "old"], in: repo)
        XCTAssertEqual(r.code, 3, "a tampered file is an integrity problem: " + r.err)
        let lines = r.err.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, r.err)
        XCTAssertTrue(lines.contains { $0.contains(tampered) && $0.contains("not to its name") }, r.err)
        XCTAssertTrue(lines.contains { $0.contains(malformed) && $0.contains("not valid JSON") }, r.err)
        let runs = try importedRuns(repo)
        XCTAssertEqual(runs.count, 5)
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "verify"], in: repo).code, 0)

        // With the tampered file gone, only the malformed one is skipped: exit 2, nothing imported twice.
        FileSystem.remove(repo + "/" + tampered)
        let again = try CLIHarness.run(["agent", "history", "import", "--from", "old", "--json"], in: repo)
        XCTAssertEqual(again.code, 2, again.err)
        XCTAssertEqual(again.json?["skipped"]?.arrayValue?.first?["kind"]?.stringValue, "malformed", again.out)
        XCTAssertEqual(try importedRuns(repo).count, 5)
    }

    func testNoLegacyRecordsMeansNoNoteAndNothingToImport() throws {
        let repo = try CLIHarness.makeRepo()
        try CLIHarness.run(["agent", "run", "health-check"], in: repo)
        let list = try CLIHarness.run(["agent", "history", "list"], in: repo)
        XCTAssertFalse(list.err.contains("note:"), list.err)
        let r = try CLIHarness.run(["agent", "history", "import", "--json"], in: repo)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.json?["imported"]?.arrayValue?.count, 0)
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "import", "--from", "missing"], in: repo).code, 2)
    }
}
