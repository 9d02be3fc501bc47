import Foundation
import Synchronization
import XCTest
import SdetkitCore
@testable import SdetkitPolicy

/// A throw-away directory under /tmp used as a (git-less) repository root.
final class TempDir {
    let path: String

    init(_ label: String = "repo") {
        let base = "/tmp/sdetkit-policy-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = FileSystem.realPath(base) ?? base
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func abs(_ rel: String) -> String { rel.isEmpty ? path : path + "/" + rel }

    func mkdir(_ rel: String) {
        try? FileManager.default.createDirectory(atPath: abs(rel), withIntermediateDirectories: true)
    }

    func write(_ rel: String, _ text: String = "x\n") {
        mkdir(Path.dirname(rel) == "." ? "" : Path.dirname(rel))
        _ = FileManager.default.createFile(atPath: abs(rel), contents: Data(text.utf8))
    }

    /// Creates the symbolic link `rel` pointing at `target` (verbatim, relative or absolute).
    func symlink(_ rel: String, to target: String) {
        mkdir(Path.dirname(rel) == "." ? "" : Path.dirname(rel))
        XCTAssertNoThrow(try FileManager.default.createSymbolicLink(atPath: abs(rel), withDestinationPath: target))
    }

    func exists(_ rel: String) -> Bool { FileSystem.exists(abs(rel)) || FileSystem.isSymlink(abs(rel)) }

    func read(_ rel: String) -> String { (try? FileSystem.readString(abs(rel))) ?? "" }
}

/// An interactive prompt stand-in that records the questions and answers with a fixed reply.
final class PromptRecorder: Sendable {
    let questions = Mutex<[String]>([])
    let answer: Bool

    init(answer: Bool) { self.answer = answer }

    var mode: ApprovalMode {
        .prompt { [self] question in
            questions.withLock { $0.append(question) }
            return answer
        }
    }

    var asked: [String] { questions.withLock { $0 } }
}

let fixedClock = RunClock(fixedEpoch: 1_000_000_000)

func makeEngine(_ repo: TempDir, write: [String] = [".sdetkit/agent/workdir", "docs"], shell: [[String]] = [],
                approval: ApprovalMode = .nonInteractive, audit: String? = nil) -> PolicyEngine {
    PolicyEngine(repoRoot: repo.path, settings: PolicySettings(writeAllowlist: write, shellAllowlist: shell),
                 approval: approval, auditLogPath: audit, clock: fixedClock)
}
