import Synchronization
import Foundation
import SdetkitCore
import SdetkitGit
import XCTest

@testable import SdetkitAudit

final class WorkingTreeTests: XCTestCase {
    /// Repeated audits in one process share a scan, but any change to a scanned file is seen.
    func testRepeatedAuditsSeeEveryChange() throws {
        let root = try makeTempDir("memo")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try writeFile(root, "src/a.py", Array("print('clean')\n".utf8))
        let files = [AuditFile(path: "src/a.py", size: 15)]
        let first = Auditor.run(AuditInput(repoRoot: root, files: files), profile: .default)
        XCTAssertTrue(findings(first, "secrets.aws-access-key-id").isEmpty)
        XCTAssertEqual(Auditor.run(AuditInput(repoRoot: root, files: files), profile: .default).json, first.json)
        let akia = "AKIA" + Gen.string(16, Gen.upperDigits, seed: 81)
        try writeFile(root, "src/a.py", Array("KEY = '\(akia)'\n".utf8))
        let second = Auditor.run(AuditInput(repoRoot: root, files: files), profile: .default)
        XCTAssertEqual(findings(second, "secrets.aws-access-key-id").count, 1, "the edit must not be hidden by the memo")
    }

    /// The two profiles share one content scan of ordinary files, yet workflow files are judged per profile
    /// (GitHub-owned actions may float in `default`, not in `enterprise`), in either order.
    func testProfilesShareTheScanButNotTheWorkflowVerdicts() throws {
        let root = try makeTempDir("memo-profiles")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let akia = "AKIA" + Gen.string(16, Gen.upperDigits, seed: 82)
        try writeFile(root, "src/a.py", Array("KEY = '\(akia)'\n".utf8))
        let wf = "on: push\njobs:\n  b:\n    steps:\n      - uses: actions/checkout@v4\n"
        try writeFile(root, ".github/workflows/ci.yml", Array(wf.utf8))
        let files = [AuditFile(path: ".github/workflows/ci.yml", size: Int64(wf.utf8.count)),
                     AuditFile(path: "src/a.py", size: 10)]
        for order in [[AuditProfile.default, .enterprise], [.enterprise, .default]] {
            Auditor.memo.withLock { $0.removeAll() }
            for profile in order {
                let r = Auditor.run(AuditInput(repoRoot: root, files: files), profile: profile)
                XCTAssertEqual(findings(r, "secrets.aws-access-key-id").count, 1, "\(profile)")
                XCTAssertEqual(findings(r, "actions.unpinned-action").count, profile == .enterprise ? 1 : 0, "\(profile) after \(order)")
                XCTAssertEqual(r.filesScanned, 2)
            }
            XCTAssertEqual(Auditor.memo.withLock { $0.count }, 1, "one shared scan of the ordinary files")
        }
    }

    /// Audits running at the same time (as the demo prepares them) share one scan: the others wait for it.
    func testConcurrentAuditsWaitForTheOneScanInProgress() throws {
        let root = try makeTempDir("memo-concurrent")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let akia = "AKIA" + Gen.string(16, Gen.upperDigits, seed: 83)
        var files: [AuditFile] = []
        for i in 0..<400 {
            let text = i % 50 == 0 ? "KEY = '\(akia)'\n" : String(repeating: "line \(i)\n", count: 200)
            try writeFile(root, "src/f\(i).py", Array(text.utf8))
            files.append(AuditFile(path: "src/f\(i).py", size: Int64(text.utf8.count)))
        }
        let input = AuditInput(repoRoot: root, files: files)
        let token = "token-\(UInt32.random(in: 0...UInt32.max))"
        let before = Auditor.scansStarted.load(ordering: .relaxed)
        let reports = Mutex<[Int: AuditReport]>([:])
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let r = Auditor.run(input, profile: i % 2 == 0 ? .default : .enterprise,
                                workTreeToken: token)
            reports.withLock { $0[i] = r }
        }
        XCTAssertEqual(Auditor.scansStarted.load(ordering: .relaxed) - before, 1, "one scan, three waits")
        let all = reports.withLock { $0 }
        XCTAssertEqual(all.count, 4)
        for (_, r) in all {
            XCTAssertEqual(findings(r, "secrets.aws-access-key-id").count, 8)
            XCTAssertEqual(r.filesScanned, 400)
        }
    }

    func testReadsTrackedFilesFromDiskAndSkipsMissingAndSymlinks() throws {
        let root = try makeTempDir("wt")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let akia = "AKIA" + Gen.string(16, Gen.upperDigits, seed: 80)
        var files: [AuditFile] = []
        for (path, text) in completeGovernance {
            try writeFile(root, path, Array(text.utf8))
            files.append(AuditFile(path: path, size: Int64(text.utf8.count)))
        }
        try writeFile(root, "src/a.py", Array("KEY = '\(akia)'\n".utf8))
        files.append(AuditFile(path: "src/a.py", size: 10))
        files.append(AuditFile(path: "src/missing.py", size: 10))
        try writeFile(root, "target.txt", Array("KEY = '\(akia)'\n".utf8))
        try FileManager.default.createSymbolicLink(atPath: root + "/link.txt", withDestinationPath: "target.txt")
        files.append(AuditFile(path: "link.txt", size: 10, isSymlink: true))
        files.append(AuditFile(path: "vendor/sub", size: 0, isSubmodule: true))
        files.append(AuditFile(path: "../escape.txt", size: 10))

        let report = Auditor.run(AuditInput(repoRoot: root, files: files), profile: .default)
        XCTAssertEqual(findings(report, "secrets.aws-access-key-id").map(\.path), ["src/a.py"])
        XCTAssertEqual(report.filesScanned, completeGovernance.count + 1)
        XCTAssertFalse(allOutputs(report).contains(root), "no absolute paths in any output")
    }

    func testWorkingTreeAndMemorySourcesAgreeAndParallelScanIsDeterministic() throws {
        let root = try makeTempDir("wt-par")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var contents: [String: [UInt8]] = completeGovernance.mapValues { Array($0.utf8) }
        for i in 0..<400 {
            var text = "line one\nfunc f\(i)() {}\n"
            if i % 37 == 0 { text += "let k = \"ghp_" + Gen.string(36, Gen.alnum, seed: UInt64(100 + i)) + "\"\n" }
            if i % 53 == 0 { text += String(repeating: ">", count: 7) + " branch\n" }
            contents["pkg\(i % 7)/file\(i).swift"] = Array(text.utf8)
        }
        for (p, b) in contents { try writeFile(root, p, b) }
        let files = contents.keys.sorted().map { AuditFile(path: $0, size: Int64(contents[$0]?.count ?? 0)) }
        let disk = Auditor.run(AuditInput(repoRoot: root, files: files), profile: .enterprise)
        let memory = Auditor.run(AuditInput.inMemory(contents), profile: .enterprise)
        XCTAssertEqual(disk.findings, memory.findings)
        XCTAssertEqual(disk.bytesScanned, memory.bytesScanned)
        XCTAssertEqual(disk.filesScanned, contents.count)
        XCTAssertEqual(findings(disk, "secrets.github-token").count, 11)
        XCTAssertEqual(findings(disk, "content.merge-conflict-marker").count, 8)
        for _ in 0..<3 {
            let again = Auditor.run(AuditInput(repoRoot: root, files: files), profile: .enterprise)
            XCTAssertEqual(again.json.canonicalString(), disk.json.canonicalString())
        }
    }

    func testInputFromGitRepositoryWithChangedSince() throws {
        let root = try makeTempDir("git")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let env = [
            "PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "T",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        ]
        func git(_ args: String...) throws {
            let (status, out) = try runProcess("/usr/bin/git", Array(args), cwd: root, env: env)
            XCTAssertEqual(status, 0, out)
        }
        let old = "ghp_" + Gen.string(36, Gen.alnum, seed: 90)
        let new = "ghp_" + Gen.string(36, Gen.alnum, seed: 91)
        try writeFile(root, "README.md", Array("# r\n".utf8))
        try writeFile(root, "old.txt", Array("t = \(old)\n".utf8))
        try writeFile(root, "new.txt", Array("nothing\n".utf8))
        try git("init", "-q")
        try git("add", ".")
        try git("commit", "-q", "-m", "init")
        try writeFile(root, "new.txt", Array("t = \(new)\n".utf8))

        let repo = try GitRepository.discover(from: root)
        let full = try Auditor.input(from: repo, changedSince: nil)
        XCTAssertEqual(full.files.map(\.path), ["README.md", "new.txt", "old.txt"])
        XCTAssertNil(full.onlyPaths)
        XCTAssertEqual(findings(Auditor.run(full, profile: .default), "secrets.github-token").map(\.path),
                       ["new.txt", "old.txt"])

        let changed = try Auditor.input(from: repo, changedSince: "HEAD")
        XCTAssertEqual(changed.onlyPaths, ["new.txt"])
        let report = Auditor.run(changed, profile: .default)
        XCTAssertEqual(findings(report, "secrets.github-token").map(\.path), ["new.txt"])
        XCTAssertNotNil(findings(report, "governance.missing-license").first, "governance sees all files")

        XCTAssertThrowsError(try Auditor.input(from: repo, changedSince: "no-such-ref"))
    }
}
