import XCTest
import SdetkitCore
@testable import SdetkitPolicy

/// An allowed git command may not load configuration, switch repository, write a file of its choosing or name
/// a program to run through its own options (issue #12: `git log --output=.git/config`).
final class GitArgumentTests: XCTestCase {
    func testOptionsThatEscapeAreRefusedEvenWhenTheCommandIsAllowlisted() {
        let repo = TempDir()
        let engine = makeEngine(repo, shell: [["git", "log"], ["git", "diff"], ["git"]], approval: .granted)
        let refused: [[String]] = [
            ["git", "log", "--oneline", "--format=%B", "--output=.git/config"],
            ["git", "log", "--output", ".sdetkit/agent/history/ledger.jsonl"],
            ["git", "diff", "--output=x"],
            ["git", "-c", "alias.x=!touch pwned", "x"],
            ["git", "-calias.x=!touch pwned", "x"],
            ["git", "--config-env=core.pager=EVIL", "log"],
            ["git", "-C", "/tmp", "log"],
            ["git", "--git-dir=/tmp/other/.git", "log"],
            ["git", "--work-tree", "/tmp", "status"],
            ["git", "--exec-path=/tmp/evil", "log"],
            ["git", "diff", "--ext-diff"],
            ["git", "ls-remote", "--upload-pack=touch pwned", "origin"],
            ["git", "archive", "--exec=touch pwned", "--remote=x"],
            ["git", "format-patch", "-o", "x", "--output-directory=/tmp"],
        ]
        for argv in refused {
            let d = engine.checkCommand(cmd: nil, argv: argv, action: "shell.run")
            XCTAssertFalse(d.allowed, "\(argv)")
            XCTAssertTrue(d.reason.contains("git option") && d.reason.contains("is refused"), d.reason)
        }
        for argv in [["git", "log", "--oneline"], ["git", "diff", "--stat"], ["git", "log", "--", "--output=x"],
                     ["git", "log", "--grep=-c"]] {
            let d = engine.checkCommand(cmd: nil, argv: argv, action: "shell.run")
            XCTAssertTrue(d.allowed, "\(argv): \(d.reason)")
        }
    }

    func testOtherProgramsAreNotCheckedAsGit() {
        XCTAssertNil(GitArguments.refusal(["gitlab-runner", "--output=x"]))
        XCTAssertNotNil(GitArguments.refusal(["/usr/bin/git", "log", "--output=x"]))
    }
}
