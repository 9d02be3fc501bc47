import Foundation
import XCTest
import SdetkitCore
#if canImport(Glibc)
import Glibc
#endif

// glibc declares these only under _XOPEN_SOURCE, which the Glibc module is not imported with: plain C calls.
@_silgen_name("posix_openpt") private func posixOpenpt(_ flags: Int32) -> Int32
@_silgen_name("grantpt") private func grantPT(_ fd: Int32) -> Int32
@_silgen_name("unlockpt") private func unlockPT(_ fd: Int32) -> Int32
@_silgen_name("ptsname") private func ptsName(_ fd: Int32) -> UnsafeMutablePointer<CChar>?

/// `agent audit`'s progress line: on a terminal only, never with JSON on stdout, cleared before the command ends.
/// `SDETKIT_PROGRESS_AFTER_MS=0` (docs/cli.md) draws it from the start, so a small repository is enough.
final class ScanProgressCLITests: XCTestCase {
    static let clear = "\r\u{1B}[K"
    static let now = ["SDETKIT_PROGRESS_AFTER_MS": "0"]

    /// A repository with some files to scan.
    private func repo() throws -> String {
        let dir = try CLIHarness.makeRepo()
        try CLIHarness.shell("mkdir -p src && for i in $(seq 0 59); do seq 1 200 | sed \"s/^/text $i /\" > src/f$i.txt; done"
                             + " && git add -A && git commit -qm files", in: dir)
        return dir
    }

    /// Runs sdetkit with stderr on the slave of a new pseudo-terminal (stdout a pipe); returns what the terminal got.
    private func runOnTerminal(_ args: [String], in dir: String, env: [String: String]) throws -> (code: Int32, out: String, tty: String) {
        let master = posixOpenpt(O_RDWR | O_NOCTTY)
        XCTAssertGreaterThanOrEqual(master, 0, "posix_openpt")
        defer { close(master) }
        XCTAssertEqual(grantPT(master), 0)
        XCTAssertEqual(unlockPT(master), 0)
        let name = String(cString: try XCTUnwrap(ptsName(master)))
        let slave = open(name, O_RDWR | O_NOCTTY)
        XCTAssertGreaterThanOrEqual(slave, 0, "open \(name)")
        XCTAssertEqual(isatty(slave), 1)

        let p = CLIHarness.process(args, in: dir, env: env)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        close(slave)  // the child holds the only copy: reads end (EIO) once it has exited

        let collected = TTYBuffer()
        let reader = Thread {
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buf.withUnsafeMutableBytes { read(master, $0.baseAddress!, 4096) }
                if n > 0 { collected.append(buf[0..<n]) } else if n < 0, errno == EINTR { continue } else { break }
            }
            collected.done.signal()
        }
        reader.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(collected.done.wait(timeout: .now() + 30), .success, "the terminal reader ends")
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: collected.bytes, as: UTF8.self))
    }

    final class TTYBuffer: @unchecked Sendable {
        private let lock = NSLock()
        private var data: [UInt8] = []
        let done = DispatchSemaphore(value: 0)
        func append(_ b: ArraySlice<UInt8>) { lock.lock(); data += b; lock.unlock() }
        var bytes: [UInt8] { lock.lock(); defer { lock.unlock() }; return data }
    }

    /// On a terminal (Markdown to stdout): the progress line with files, bytes and rate, then cleared; the
    /// report on stdout has none of it.
    func testProgressOnATerminal() throws {
        let dir = try repo()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runOnTerminal(["agent", "audit", "--format", "md"], in: dir, env: Self.now)
        XCTAssertEqual(r.code, 0, r.tty)
        XCTAssertTrue(r.tty.contains(Self.clear + "audit: "), r.tty.debugDescription)
        let line = try XCTUnwrap(r.tty.components(separatedBy: Self.clear).first { $0.hasPrefix("audit: ") })
        XCTAssertNotNil(line.range(of: #"^audit: [0-9,]+(/[0-9,]+)? files, [0-9.]+ [kMGT]?B, [0-9.]+ [kMGT]?B/s$"#,
                                   options: .regularExpression), line.debugDescription)
        XCTAssertTrue(r.tty.hasSuffix(Self.clear), "the line is cleared at the end: \(r.tty.debugDescription)")
        XCTAssertFalse(r.tty.contains("\n"), "one line, redrawn in place")
        XCTAssertFalse(r.out.contains("\u{1B}"), "nothing of it on stdout")
        XCTAssertTrue(r.out.contains("files"), r.out)

        // Before the threshold (here ten minutes) nothing is drawn.
        let early = try runOnTerminal(["agent", "audit", "--format", "md"], in: dir, env: ["SDETKIT_PROGRESS_AFTER_MS": "600000"])
        XCTAssertEqual(early.code, 0, early.tty)
        XCTAssertEqual(early.tty, "", early.tty.debugDescription)

        // With a report file, the command's own stderr line comes after the cleared progress line.
        let file = try runOnTerminal(["agent", "audit", "--output", "audit.json"], in: dir, env: Self.now)
        XCTAssertEqual(file.code, 0, file.tty)
        XCTAssertTrue(file.tty.contains(Self.clear + "audit: "), file.tty.debugDescription)
        let after = try XCTUnwrap(file.tty.components(separatedBy: Self.clear).last)
        XCTAssertTrue(after.hasPrefix("audit: score "), file.tty.debugDescription)
    }

    /// `--format json` to stdout: no progress, even on a terminal.
    func testNoProgressWithJSONOnStdout() throws {
        let dir = try repo()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runOnTerminal(["agent", "audit", "--format", "json"], in: dir, env: Self.now)
        XCTAssertEqual(r.code, 0, r.tty)
        XCTAssertEqual(r.tty, "", "nothing on the terminal: \(r.tty.debugDescription)")
        XCTAssertEqual((try? JSONParser.parse(r.out))?["schema"]?.stringValue, "sdetkit.audit/v1")
        let plain = try runOnTerminal(["agent", "audit"], in: dir, env: Self.now)  // json is the default format
        XCTAssertEqual(plain.tty, "", plain.tty.debugDescription)
    }

    /// stderr a pipe: no progress and no escape bytes, in any format.
    func testNoProgressWhenStderrIsNotATerminal() throws {
        let dir = try repo()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for args in [["agent", "audit", "--format", "md"], ["agent", "audit", "--format", "sarif", "--output", "a.sarif"]] {
            let r = try CLIHarness.run(args, in: dir, env: Self.now)
            XCTAssertEqual(r.code, 0, r.err)
            XCTAssertFalse(r.err.contains("\u{1B}") || r.err.contains("\r"), r.err.debugDescription)
            XCTAssertFalse(r.err.contains(" files, "), r.err)
        }
    }
}
