import XCTest
import SdetkitCore
@testable import SdetkitPolicy

final class ReadPolicyTests: XCTestCase {
    func testReadInsideNeedsNoAllowlistAndNoApproval() {
        let repo = TempDir()
        repo.write("src/main.swift")
        let prompt = PromptRecorder(answer: false)
        let engine = makeEngine(repo, write: [], approval: prompt.mode)
        let d = engine.checkRead(path: "src/main.swift", action: "read")
        XCTAssertTrue(d.allowed, d.reason)
        XCTAssertFalse(d.needsApproval)
        XCTAssertEqual(d.approval, .notRequired)
        XCTAssertEqual(d.resolvedRelativePath, "src/main.swift")
        XCTAssertEqual(prompt.asked, [])
        // History and configuration are readable (only writes are protected).
        XCTAssertTrue(engine.checkRead(path: ".sdetkit/agent/config.yaml", action: "read").allowed)
    }

    func testReadOutsideIsDenied() {
        let repo = TempDir()
        let outside = TempDir("outside")
        outside.write("secret.txt")
        repo.symlink("secret", to: outside.abs("secret.txt"))
        repo.symlink("up", to: "..")
        let engine = makeEngine(repo, approval: .granted)
        for path in ["../x", "src/../../x", "/etc/passwd", "secret", "up/x", outside.abs("secret.txt")] {
            let d = engine.checkRead(path: path, action: "read")
            XCTAssertFalse(d.allowed, path)
            XCTAssertNil(d.resolvedRelativePath, path)
        }
    }

    func testReadOfGitIsDenied() {
        let repo = TempDir()
        repo.write(".git/config")
        repo.write("vendor/lib/.git/HEAD")
        repo.symlink("gitcfg", to: ".git/config")
        let engine = makeEngine(repo, approval: .granted)
        for path in [".git/config", "vendor/lib/.git/HEAD", "gitcfg", ".Git/config"] {
            let d = engine.checkRead(path: path, action: "read")
            XCTAssertFalse(d.allowed, path)
            XCTAssertTrue(d.reason.contains(".git"), d.reason)
        }
        XCTAssertTrue(engine.checkRead(path: ".gitignore", action: "read").allowed)
    }
}
