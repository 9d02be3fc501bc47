import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore

/// Which program confines commands: `sdetkit-sandbox` installed beside sdetkit, or — where only the sdetkit
/// binary was installed — sdetkit itself, which confines them just the same (docs/security-model.md).
final class SandboxLauncherCLITests: XCTestCase {
    var repo = ""
    var lone = ""

    override func setUpWithError() throws {
        repo = try CLIHarness.makeRepo()
        try FileSystem.createDirectories(repo + "/docs")
    }

    override func tearDown() {
        for dir in [repo, lone] where !dir.isEmpty { FileSystem.removeTree(dir) }
    }

    func prepare(_ binary: String) throws {
        XCTAssertEqual(try run(binary, ["agent", "init"]).code, 0)
        let config = repo + "/.sdetkit/agent/config.yaml"
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "shell_allowlist: []", with: "shell_allowlist: [find]")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
    }

    func run(_ binary: String, _ args: [String]) throws -> CLIHarness.Result {
        try CLIHarness.run(args, in: repo, binary: binary)
    }

    func sandboxDetail(_ binary: String) throws -> String {
        let doctor = try run(binary, ["agent", "doctor", "--json"])
        let checks = doctor.json?["checks"]?.arrayValue ?? []
        let sandbox = checks.first { $0["name"]?.stringValue == "sandbox" }
        return sandbox?["detail"]?.stringValue ?? "no sandbox check in: \(doctor.out)"
    }

    func escapeAttempt(_ binary: String) throws -> CLIHarness.Result {
        try run(binary, ["agent", "run", "--approve", #"action shell.run {"argv":["find",".","-maxdepth","0","-exec","touch","outside.txt",";"]}"#])
    }

    func testTheInstalledPairUsesTheSmallLauncher() throws {
        let binary = CLIHarness.binary
        guard FileSystem.isRegularFile(Path.dirname(binary) + "/sdetkit-sandbox") else {
            return XCTFail("sdetkit-sandbox is not built beside \(binary)")
        }
        try prepare(binary)
        let detail = try sandboxDetail(binary)
        guard !detail.contains("no Landlock"), !detail.contains("disabled") else { throw XCTSkip(detail) }
        XCTAssertTrue(detail.contains("launcher sdetkit-sandbox;"), detail)
        _ = try escapeAttempt(binary)
        XCTAssertFalse(FileSystem.exists(repo + "/outside.txt"), "find -exec wrote outside the write allowlist")
    }

    func testSdetkitAloneStillConfinesCommands() throws {
        // sdetkit installed without its launcher: a hard link (or copy) in a directory of its own.
        lone = "/tmp/sdetkit-lone-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(lone)
        let binary = lone + "/sdetkit"
        if link(CLIHarness.binary, binary) != 0 {
            try FileManager.default.copyItem(atPath: CLIHarness.binary, toPath: binary)
        }
        try prepare(binary)
        let detail = try sandboxDetail(binary)
        guard !detail.contains("no Landlock"), !detail.contains("disabled") else { throw XCTSkip(detail) }
        XCTAssertTrue(detail.contains("launcher sdetkit itself"), detail)
        let r = try escapeAttempt(binary)
        XCTAssertFalse(FileSystem.exists(repo + "/outside.txt"), "find -exec wrote outside the write allowlist: \(r.out) \(r.err)")
    }
}
