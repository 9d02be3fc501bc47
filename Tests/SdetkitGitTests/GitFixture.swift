import Foundation
import XCTest

/// A scratch directory under /tmp with helpers that drive the real `git` CLI.
final class GitFixture {
    let root: String

    init() throws {
        let dir = "/tmp/sdetkit-git-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        root = URL(fileURLWithPath: dir).resolvingSymlinksInPath().path
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ rel: String) -> String { rel.isEmpty ? root : root + "/" + rel }

    @discardableResult
    func git(_ args: String..., in rel: String = "") throws -> String {
        try run(args, in: rel)
    }

    @discardableResult
    func run(_ args: [String], in rel: String = "") throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: path(rel))
        var env = ProcessInfo.processInfo.environment
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        env["GIT_AUTHOR_NAME"] = "Test"
        env["GIT_AUTHOR_EMAIL"] = "test@example.com"
        env["GIT_COMMITTER_NAME"] = "Test"
        env["GIT_COMMITTER_EMAIL"] = "test@example.com"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "git", code: Int(p.terminationStatus), userInfo: [
                NSLocalizedDescriptionKey: "git \(args.joined(separator: " ")): \(String(decoding: errData, as: UTF8.self))",
            ])
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func write(_ rel: String, _ text: String) throws {
        let full = path(rel)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }

    func mkdir(_ rel: String) throws {
        try FileManager.default.createDirectory(atPath: path(rel), withIntermediateDirectories: true)
    }

    /// `git init -b main` in `rel` (default: the fixture root).
    func initRepo(_ rel: String = "") throws {
        try mkdir(rel)
        try git("init", "-q", "-b", "main", in: rel)
    }

    func commitAll(_ message: String, in rel: String = "") throws {
        try git("add", "-A", in: rel)
        try git("commit", "-q", "-m", message, in: rel)
    }
}
