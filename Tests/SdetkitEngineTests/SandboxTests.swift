import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import SdetkitConfig
@testable import SdetkitCore
@testable import SdetkitEngine

/// The kernel sandbox for allowed commands (docs/security-model.md): an allowed program's own options cannot
/// write outside the write allowlist or into .git/ and .sdetkit/, TCP is off unless shell_network, and git runs
/// with the repository's configuration neutralised. Each test fails when its mechanism is removed.
final class SandboxTests: XCTestCase {
    var repo = ""

    override func setUpWithError() throws {
        guard CommandSandbox.landlockABI().abi != nil else {
            throw XCTSkip("this kernel has no Landlock: \(CommandSandbox.landlockABI().why)")
        }
        repo = "/tmp/sdetkit-sandbox-\(UInt32.random(in: 0...UInt32.max))"
        try makeCommittedRepo(at: repo)
        try FileManager.default.createDirectory(atPath: repo + "/docs", withIntermediateDirectories: true)
    }

    override func tearDown() { if !repo.isEmpty { FileSystem.removeTree(repo) } }

    func workspace(_ safety: String) throws -> Workspace {
        let layout = StateLayout(repoRoot: FileSystem.realPath(repo)!)
        _ = try StateInit.run(layout: layout, force: false)
        try FileSystem.writeAtomically("version: 1\nsafety:\n  write_allowlist: [.sdetkit/agent/workdir, docs]\n" + safety,
                                       to: layout.configPath)
        return try Workspace.open(from: repo, registry: .builtin, approval: .granted, environment: ["SOURCE_DATE_EPOCH": "1700000000"])
    }

    func run(_ ws: Workspace, _ argv: [String]) async throws -> ActionOutcome {
        let json = CanonicalJSON.string(.object(["argv": .array(argv.map { .string($0) })]))
        let record = try await ws.run(task: "action shell.run " + json, dryRun: false).record
        return try XCTUnwrap(record.actions.first)
    }

    func testAnAllowedCommandsOwnOptionCannotWriteOutsideTheAllowlist() async throws {
        let ws = try workspace("  shell_allowlist: [find, touch]\n")
        let escaped = try await run(ws, ["find", ".", "-maxdepth", "0", "-exec", "touch", "outside.txt", ";"])
        XCTAssertFalse(FileSystem.exists(repo + "/outside.txt"), "find -exec touch wrote outside the allowlist")
        XCTAssertTrue(escaped.result["stderr"]?.stringValue?.contains("Permission denied") == true, "\(escaped.result)")
        let inside = try await run(ws, ["touch", "docs/inside.txt"])
        XCTAssertTrue(inside.ok, inside.reason)
        XCTAssertTrue(FileSystem.exists(repo + "/docs/inside.txt"))
    }

    func testGitAndStateStayReadOnlyEvenWhereTheAllowlistCoversThem() async throws {
        let ws = try workspace("  shell_allowlist: [touch, rm, cp]\n")
        let state = try await run(ws, ["touch", ".sdetkit/agent/workdir/x"])
        XCTAssertFalse(state.ok)
        XCTAssertFalse(FileSystem.exists(repo + "/.sdetkit/agent/workdir/x"))
        XCTAssertTrue(FileSystem.exists(repo + "/.sdetkit/agent/history/ledger.jsonl"), "the first run wrote the ledger")
        let ledger = try await run(ws, ["rm", "-f", ".sdetkit/agent/history/ledger.jsonl"])
        XCTAssertFalse(ledger.ok, "\(ledger.reason) \(CanonicalJSON.string(ledger.result))")
        XCTAssertTrue(FileSystem.exists(repo + "/.sdetkit/agent/history/ledger.jsonl"))
        let before = try FileSystem.readBytes(repo + "/.git/config")
        let git = try await run(ws, ["cp", "README.md", ".git/config"])
        XCTAssertFalse(git.ok)
        XCTAssertEqual(try FileSystem.readBytes(repo + "/.git/config"), before)
    }

    func testCommandsGetAPrivateTempDirectoryThatIsRemovedAfterwards() async throws {
        let ws = try workspace("  shell_allowlist: [mktemp]\n")
        let made = try await run(ws, ["mktemp"])
        XCTAssertTrue(made.ok, "\(made.result)")
        let path = made.result["stdout"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        XCTAssertTrue(path.hasPrefix("/tmp/sdetkit-cmd-"), path)
        XCTAssertFalse(FileSystem.exists(Path.dirname(path)), "the private temp directory must be removed")
    }

    func testNetworkIsOffUnlessShellNetwork() async throws {
        let listener = try Listener()
        defer { listener.close() }
        let url = "http://127.0.0.1:\(listener.port)/x"
        let off = try workspace("  shell_allowlist: [git ls-remote]\n  shell_timeout_seconds: 10\n")
        let refused = try await run(off, ["git", "ls-remote", url])
        XCTAssertFalse(refused.ok)
        XCTAssertEqual(listener.accepted, 0, "a sandboxed command reached the network")
        let on = try workspace("  shell_allowlist: [git ls-remote]\n  shell_timeout_seconds: 10\n  shell_network: true\n")
        _ = try await run(on, ["git", "ls-remote", url])
        XCTAssertGreaterThanOrEqual(listener.accepted, 1, "with shell_network: true the command connects")
    }

    func testGitRunsWithTheRepositoryConfigurationNeutralised() async throws {
        // A hostile clone's .git/config: the fsmonitor hook would run on every `git status`, writing into an
        // allowlisted directory, where only the neutralised configuration stops it.
        try runGit(["config", "core.fsmonitor", "touch docs/PWNED; false"], in: repo)
        try runGit(["config", "core.pager", "touch docs/PAGED"], in: repo)
        let ws = try workspace("  shell_allowlist: [git status, git log]\n")
        let status = try await run(ws, ["git", "status", "--short"])
        XCTAssertTrue(status.ok, "\(status.result)")
        let log = try await run(ws, ["git", "log", "-p", "-1"])
        XCTAssertTrue(log.ok, "\(log.result)")
        XCTAssertFalse(FileSystem.exists(repo + "/docs/PWNED"), "core.fsmonitor ran")
        XCTAssertFalse(FileSystem.exists(repo + "/docs/PAGED"), "core.pager ran")
        let env = CommandRunner.childEnvironment(program: "git").map { String(decoding: $0.dropLast(), as: UTF8.self) }
        XCTAssertTrue(env.contains("GIT_CONFIG_NOSYSTEM=1") && env.contains("GIT_CONFIG_GLOBAL=/dev/null"), "\(env)")
    }

    func testSandboxOffRunsUnconfined() async throws {
        let ws = try workspace("  shell_allowlist: [touch]\n  sandbox: 'off'\n")
        let r = try await run(ws, ["touch", "outside.txt"])
        XCTAssertTrue(r.ok, r.reason)
        XCTAssertTrue(FileSystem.exists(repo + "/outside.txt"))
    }

    func testCommandsLaunchThroughTheSmallLauncherBesideSdetkit() async throws {
        // SwiftPM builds sdetkit-sandbox with sdetkit, into the directory the test bundle runs from.
        let launcher = try XCTUnwrap(SandboxLauncher.executable())
        XCTAssertEqual(Path.basename(launcher), SandboxLauncher.smallLauncherName, launcher)
        let ws = try workspace("  shell_allowlist: [touch]\n")
        let refused = try await run(ws, ["touch", "outside.txt"])
        XCTAssertFalse(refused.ok, "the small launcher must confine the command")
        XCTAssertFalse(FileSystem.exists(repo + "/outside.txt"))
        // Started by hand it names itself as not a user command.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: launcher)
        p.arguments = ["touch", repo + "/outside.txt"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 2)
        XCTAssertFalse(FileSystem.exists(repo + "/outside.txt"))
    }

    func testWritableDirectoriesLeaveOutGitAndState() throws {
        let root = FileSystem.realPath(repo)!
        try FileManager.default.createDirectory(atPath: root + "/.git/hooks2", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/escape", withDestinationPath: "/tmp")
        let dirs = CommandSandbox.writableDirectories([".sdetkit/agent/workdir", ".git/hooks2", "docs", "escape", "missing"],
                                                      repoRoot: root)
        XCTAssertEqual(dirs, [root + "/docs"])
    }
}

/// A TCP listener on 127.0.0.1 that counts (and closes) the connections it accepts.
final class Listener: @unchecked Sendable {
    let fd: Int32
    let port: UInt16
    private let count = NSLock()
    private var n = 0
    var accepted: Int { count.lock(); defer { count.unlock() }; return n }

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { throw SdetkitError("cannot listen on 127.0.0.1") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.fd = fd
        port = UInt16(bigEndian: addr.sin_port)
        start()
    }

    private func start() {
        let fd = self.fd
        let thread = Thread { [self] in
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 { return }
                count.lock(); n += 1; count.unlock()
                Glibc.close(c)
            }
        }
        thread.start()
    }

    func close() { shutdown(fd, Int32(SHUT_RDWR)); Glibc.close(fd) }
}
