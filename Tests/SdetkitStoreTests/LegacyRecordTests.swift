import XCTest
@testable import SdetkitCore
@testable import SdetkitStore

/// The Python sdetkit 1.2.0's run records (Tests/Fixtures/python-sdetkit-1.2.0, a copy of ../shared/data), read and converted.
enum PythonState {
    static var historyDir: String {
        let root = Path.dirname(Path.dirname(Path.dirname(#filePath)))
        return root + "/Tests/Fixtures/python-sdetkit-1.2.0/state/history"
    }

    /// The record file names, or a skip when the data set is absent.
    static func names() throws -> [String] {
        let names = LegacyHistory.recordFileNames(in: historyDir)
        if names.isEmpty { throw XCTSkip("Python sdetkit data not found at \(historyDir)") }
        return names
    }

    static func bytes(_ name: String) throws -> [UInt8] { try FileSystem.readBytes(historyDir + "/" + name) }
}

final class LegacyRecordTests: XCTestCase {
    /// The encoder writes what Python's `json.dumps(ensure_ascii=True, sort_keys=True, separators=(",", ":"))`
    /// writes: non-ASCII and control escapes, surrogate pairs, code-point key order, number literals kept.
    func testPythonCanonicalFormMatchesPython() throws {
        let pretty = #"""
        {
          "Z": 3,
          "big": 12345678901234567890,
          "e": 2,
          "list": [
            true,
            false,
            null
          ],
          "neg": -0.5,
          "score": 1.0,
          "task": "caf\u00e9 \ud83d\ude00 \"q\" \\ \n\t\u0007\u007f",
          "tiny": 1e-05,
          "\u00e9": 1
        }
        """#
        let value = try PythonJSON.parse(Array(pretty.utf8))
        let expected = #"{"Z":3,"big":12345678901234567890,"e":2,"list":[true,false,null],"neg":-0.5,"score":1.0,"task":"caf\u00e9 \ud83d\ude00 \"q\" \\ \n\t\u0007\u007f","tiny":1e-05,"\u00e9":1}"#
        XCTAssertEqual(String(decoding: value.pythonCanonicalBytes, as: UTF8.self), expected)
        // hashlib.sha256(expected.encode()).hexdigest(), computed with Python 3.
        XCTAssertEqual(Digest.sha256Hex(value.pythonCanonicalBytes), "7bdb0c4cac569677885c79ae483bf21dd66670bb0df24e41e18fc6fc4d22c9db")
    }

    func testPythonJSONRejectsWhatPythonRejects() {
        for bad in ["{\"a\": NaN}", "{\"a\": 01}", "[1,]", "\"a\u{01}\"", "{\"a\" 1}", "\"\\ud800\"", "[1] x"] {
            XCTAssertThrowsError(try PythonJSON.parse(Array(bad.utf8)), bad)
        }
    }

    /// Every real record is named by the SHA-256 of its canonical JSON without `hash`.
    func testTheSixRealRecordsAreNamedByTheirPythonHash() throws {
        let names = try PythonState.names()
        XCTAssertEqual(names.count, 6)
        for name in names {
            let bytes = try PythonState.bytes(name)
            let record = try LegacyRecord.parse(bytes: bytes, fileName: name, shownAs: name)
            XCTAssertEqual(record.recordHash + ".json", name)
            XCTAssertEqual(record.fileSHA256, Digest.sha256Hex(bytes))
            XCTAssertEqual(record.capturedAt.count, 20)
        }
    }

    func testOneChangedByteIsTamperedAndBrokenJSONIsMalformed() throws {
        let name = try PythonState.names()[0]
        var bytes = try PythonState.bytes(name)
        let at = try XCTUnwrap(bytes.firstIndex(of: UInt8(ascii: "g")))  // a letter of the record
        bytes[at] = UInt8(ascii: "G")
        XCTAssertThrowsError(try LegacyRecord.parse(bytes: bytes, fileName: name, shownAs: name)) { error in
            XCTAssertEqual((error as? LegacyRecordProblem)?.kind, .tampered, "\(error)")
            XCTAssertEqual((error as? LegacyRecordProblem)?.exitStatus, .integrity)
        }
        let cut = Array(try PythonState.bytes(name).prefix(100))
        XCTAssertThrowsError(try LegacyRecord.parse(bytes: cut, fileName: name, shownAs: name)) { error in
            XCTAssertEqual((error as? LegacyRecordProblem)?.kind, .malformed, "\(error)")
            XCTAssertTrue((error as? LegacyRecordProblem)?.message.hasPrefix(name + ": ") == true)
        }
        XCTAssertThrowsError(try LegacyRecord.parse(bytes: try PythonState.bytes(name), fileName: "x.json", shownAs: "x.json"))
    }

    /// A record with the right name but without the members the import reads is malformed, not imported.
    func testAWellNamedRecordWithoutATaskIsMalformed() throws {
        let body = #"{"actions":[],"captured_at":"2025-12-01T00:00:00Z","status":"ok"}"#
        let hash = Digest.sha256Hex(Array(body.utf8))
        let file = #"{"actions":[],"captured_at":"2025-12-01T00:00:00Z","hash":"\#(hash)","status":"ok"}"#
        XCTAssertThrowsError(try LegacyRecord.parse(bytes: Array(file.utf8), fileName: hash + ".json", shownAs: "f")) { error in
            XCTAssertEqual((error as? LegacyRecordProblem)?.kind, .malformed)
            XCTAssertTrue("\(error)".contains("task"), "\(error)")
        }
    }

    func testConversionKeepsTaskStatusActionsAndSourceWithoutContents() throws {
        var runs: [String: RunRecord] = [:]
        for name in try PythonState.names() {
            let legacy = try LegacyRecord.parse(bytes: try PythonState.bytes(name), fileName: name, shownAs: name)
            let run = legacy.runRecord()
            XCTAssertEqual(run.kind, "import.python")
            XCTAssertEqual(run.imported, legacy.source)
            XCTAssertEqual(run.imported?.recordHash, String(name.dropLast(5)))
            XCTAssertEqual(try RunRecord(json: try JSONParser.parse(bytes: run.canonicalBytes)), run)
            runs[legacy.task] = run
        }
        let shell = try XCTUnwrap(runs[#"action shell.run {"cmd":"git status"}"#])
        XCTAssertEqual(shell.status, .denied)
        XCTAssertEqual(shell.actions.first?.approval, .denied)
        XCTAssertEqual(shell.actions.first?.params, ["cmd": "git status"])
        XCTAssertEqual(shell.imported?.status, "error")
        XCTAssertEqual(try XCTUnwrap(runs["action nope.x {}"]).status, .failed)
        XCTAssertEqual(try XCTUnwrap(runs["please audit the repo"]).actions.first?.result["findings"]?.intValue, 5)
        XCTAssertEqual(try XCTUnwrap(runs["health-check"]).status, .ok)

        let write = try XCTUnwrap(runs[#"action fs.write {"path":".sdetkit/agent/workdir/n.txt","content":"hi"}"#])
        let text = String(decoding: write.canonicalBytes, as: UTF8.self)
        XCTAssertFalse(text.contains(#""hi""#), text)
        XCTAssertFalse(text.contains(#"\"content\""#), text)
        XCTAssertEqual(write.actions.first?.params["content_sha256"]?.stringValue, Digest.sha256Hex("hi"))
        XCTAssertTrue(write.task.hasPrefix("action fs.write {"), write.task)
        XCTAssertTrue(write.steps.allSatisfy { !$0.detail.contains(#""content":"hi""#) })
    }

    func testContentAtAnyDepthIsReplacedByItsDigest() {
        let v: JSONValue = ["path": "a", "content": "secret", "nested": [["content": "x"]]]
        let r = LegacyRecord.redacted(v)
        XCTAssertFalse(CanonicalJSON.string(r).contains("secret"))
        XCTAssertEqual(r["content_bytes"]?.intValue, 6)
        XCTAssertEqual(r["nested"]?.arrayValue?.first?["content_sha256"]?.stringValue, Digest.sha256Hex("x"))
    }
}
