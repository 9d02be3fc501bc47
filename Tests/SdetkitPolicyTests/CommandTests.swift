import XCTest
import SdetkitCore
@testable import SdetkitPolicy

final class CommandSplitTests: XCTestCase {
    func split(_ s: String) -> [String]? { try? PolicyEngine.splitCommand(s) }

    func splitError(_ s: String) -> PolicyError? {
        do { _ = try PolicyEngine.splitCommand(s); return nil } catch { return error }
    }

    func testWordsAndBlanks() {
        XCTAssertEqual(split("git status --short"), ["git", "status", "--short"])
        XCTAssertEqual(split("  a \t b  "), ["a", "b"])
        XCTAssertEqual(split(""), [])
        XCTAssertEqual(split("   "), [])
    }

    func testSingleQuotesAreLiteral() {
        XCTAssertEqual(split("echo 'a b' 'c;d|e' '$HOME' 'x\\y' '\"'"), ["echo", "a b", "c;d|e", "$HOME", "x\\y", "\""])
        XCTAssertEqual(split("echo '' x"), ["echo", "", "x"])
        XCTAssertEqual(split("a'b'\"c\"d"), ["abcd"])
    }

    func testDoubleQuotesEscapeOnlyFourCharacters() {
        XCTAssertEqual(split(#"echo "a \"b\" \\ \$ \` c""#), ["echo", #"a "b" \ $ ` c"#])
        XCTAssertEqual(split(#"echo "a\nb" "x\y""#), ["echo", #"a\nb"#, #"x\y"#])
        XCTAssertEqual(split(#"echo "" "it's;|&<>()""#), ["echo", "", "it's;|&<>()"])
    }

    func testBackslashOutsideQuotes() {
        XCTAssertEqual(split(#"echo a\ b \; \$x \'q"#), ["echo", "a b", ";", "$x", "'q"])
        XCTAssertEqual(splitError("echo a\\"), .trailingBackslash)
    }

    func testEveryUnquotedMetacharacterIsRejected() {
        for c in [";", "|", "&", "<", ">", "(", ")", "$", "`", "*", "?", "["] {
            let e = splitError("echo a\(c)b")
            XCTAssertEqual(e, .shellSyntax(c), c)
            XCTAssertEqual(e?.message,
                           "shell syntax '\(c)' is not supported: commands never run through a shell; pass argv instead")
            XCTAssertEqual(e?.exitStatus, .usage)
        }
        XCTAssertEqual(splitError("echo a && rm -rf x"), .shellSyntax("&"))
        XCTAssertEqual(splitError("cat < in > out"), .shellSyntax("<"))
        XCTAssertEqual(splitError("echo ~/x"), .shellSyntax("~"))
        XCTAssertEqual(splitError("echo hi # comment"), .shellSyntax("#"))
        XCTAssertEqual(split("echo a#b a~b '#' \\~"), ["echo", "a#b", "a~b", "#", "~"])
    }

    func testNewlineIsRejectedEvenQuoted() {
        XCTAssertEqual(splitError("echo a\nrm -rf x"), .shellSyntax("newline"))
        XCTAssertEqual(splitError("echo 'a\nb'"), .shellSyntax("newline"))
        XCTAssertEqual(splitError("echo \"a\nb\""), .shellSyntax("newline"))
        XCTAssertEqual(splitError("echo a\\\nb"), .shellSyntax("newline"))
        XCTAssertEqual(splitError("echo a\r\n"), .shellSyntax("newline"))
    }

    func testExpansionInsideDoubleQuotesIsRejected() {
        XCTAssertEqual(splitError(#"echo "$HOME""#), .shellSyntax("$"))
        XCTAssertEqual(splitError("echo \"`id`\""), .shellSyntax("`"))
    }

    func testUnterminatedQuotesAndNul() {
        XCTAssertEqual(splitError("echo 'abc"), .unterminatedQuote("'"))
        XCTAssertEqual(splitError("echo \"abc"), .unterminatedQuote("\""))
        XCTAssertEqual(splitError("echo \"abc\\"), .unterminatedQuote("\""))
        XCTAssertTrue(splitError("echo 'abc")?.message.contains("unterminated single quote") ?? false)
        XCTAssertEqual(splitError("echo a\u{0}b"), .nulByte)
    }
}

final class CommandPolicyTests: XCTestCase {
    func testAllowlistEntryMustBeAnArgvPrefix() {
        let repo = TempDir()
        let engine = makeEngine(repo, shell: [["git", "status"], ["sleep"]], approval: .granted)
        let ok = engine.checkCommand(cmd: "git status --short", argv: nil, action: "shell")
        XCTAssertTrue(ok.allowed, ok.reason)
        XCTAssertEqual(ok.argv, ["git", "status", "--short"])
        XCTAssertEqual(ok.approval, .granted)
        XCTAssertTrue(engine.checkCommand(cmd: "git status", argv: nil, action: "shell").allowed)
        XCTAssertTrue(engine.checkCommand(cmd: nil, argv: ["sleep", "1"], action: "shell").allowed)
        for cmd in ["git statusx", "git", "git log", "gitstatus", "/usr/bin/git status", "sleepy 1", "status git"] {
            let d = engine.checkCommand(cmd: cmd, argv: nil, action: "shell")
            XCTAssertFalse(d.allowed, cmd)
            XCTAssertEqual(d.approval, .notRequired, cmd)
            XCTAssertTrue(d.reason.contains("is not allowed"), d.reason)
        }
    }

    func testEmptyAllowlistAndEmptyEntryAdmitNothing() {
        let repo = TempDir()
        let d = makeEngine(repo, shell: [], approval: .granted).checkCommand(cmd: "true", argv: nil, action: "s")
        XCTAssertFalse(d.allowed)
        XCTAssertTrue(d.reason.contains("the shell allowlist is empty"), d.reason)
        XCTAssertFalse(makeEngine(repo, shell: [[]], approval: .granted).checkCommand(cmd: "true", argv: nil, action: "s").allowed)
    }

    func testEmptyCommandIsDenied() {
        let repo = TempDir()
        let engine = makeEngine(repo, shell: [[]], approval: .granted)
        for d in [engine.checkCommand(cmd: "", argv: nil, action: "s"), engine.checkCommand(cmd: "  ", argv: nil, action: "s"),
                  engine.checkCommand(cmd: nil, argv: [], action: "s"), engine.checkCommand(cmd: nil, argv: [""], action: "s")] {
            XCTAssertFalse(d.allowed)
            XCTAssertTrue(d.reason.contains("empty command"), d.reason)
        }
    }

    func testExactlyOneOfCmdAndArgv() {
        let repo = TempDir()
        let engine = makeEngine(repo, shell: [["true"]], approval: .granted)
        XCTAssertFalse(engine.checkCommand(cmd: nil, argv: nil, action: "s").allowed)
        let both = engine.checkCommand(cmd: "true", argv: ["true"], action: "s")
        XCTAssertFalse(both.allowed)
        XCTAssertTrue(both.reason.contains("exactly one"), both.reason)
    }

    func testArgvIsTakenAsIs() {
        let repo = TempDir()
        let engine = makeEngine(repo, shell: [["echo"]], approval: .granted)
        let d = engine.checkCommand(cmd: nil, argv: ["echo", "a; rm -rf /", "$(id)"], action: "s")
        XCTAssertTrue(d.allowed, d.reason)
        XCTAssertEqual(d.argv, ["echo", "a; rm -rf /", "$(id)"])
    }

    func testShellSyntaxInCmdIsDenied() {
        let repo = TempDir()
        let engine = makeEngine(repo, shell: [["echo"]], approval: .granted)
        let d = engine.checkCommand(cmd: "echo hi; rm -rf .", argv: nil, action: "s")
        XCTAssertFalse(d.allowed)
        XCTAssertEqual(d.reason, "shell syntax ';' is not supported: commands never run through a shell; pass argv instead")
        let q = engine.checkCommand(cmd: "echo 'hi", argv: nil, action: "s")
        XCTAssertFalse(q.allowed)
        XCTAssertTrue(q.reason.contains("unterminated"), q.reason)
    }

    func testEveryCommandNeedsApproval() {
        let repo = TempDir()
        let denied = makeEngine(repo, shell: [["git", "status"]], approval: .nonInteractive)
            .checkCommand(cmd: "git status", argv: nil, action: "s")
        XCTAssertFalse(denied.allowed)
        XCTAssertEqual(denied.approval, .denied)
        XCTAssertEqual(denied.reason, "needs approval: re-run with --approve")
        XCTAssertEqual(denied.argv, ["git", "status"])

        let yes = PromptRecorder(answer: true)
        let engine = makeEngine(repo, shell: [["git", "status"]], approval: yes.mode)
        XCTAssertTrue(engine.checkCommand(cmd: "git status", argv: nil, action: "s").allowed)
        XCTAssertTrue(engine.checkCommand(cmd: nil, argv: ["git", "status"], action: "s").allowed)
        XCTAssertEqual(yes.asked.count, 1)
        XCTAssertTrue(yes.asked.first?.contains("git status") ?? false)
        // Not allowlisted: denied without asking.
        XCTAssertFalse(engine.checkCommand(cmd: "rm -rf x", argv: nil, action: "s").allowed)
        XCTAssertEqual(yes.asked.count, 1)

        let no = PromptRecorder(answer: false)
        let refused = makeEngine(repo, shell: [["git", "status"]], approval: no.mode)
            .checkCommand(cmd: "git status", argv: nil, action: "s")
        XCTAssertFalse(refused.allowed)
        XCTAssertEqual(refused.approval, .denied)
    }

    func testInterpreterWarnings() {
        let warnings = PolicyEngine.interpreterWarnings([
            ["git", "status"], ["bash", "-c"], ["/usr/bin/python3.12"], ["env"], ["node"], ["make", "test"],
            ["xargs"], ["busybox", "sh"], ["PWSH"], ["sleep"], [],
        ])
        guard warnings.count == 9 else { return XCTFail("expected 9 warnings:\n" + warnings.joined(separator: "\n")) }
        XCTAssertTrue(warnings[0].contains(#"["bash","-c"]"#) && warnings[0].contains("a shell"), warnings[0])
        XCTAssertTrue(warnings[1].contains("/usr/bin/python3.12") && warnings[1].contains("an interpreter"), warnings[1])
        XCTAssertTrue(warnings[2].contains("'env'") && warnings[2].contains("a command runner"), warnings[2])
        XCTAssertTrue(warnings[3].contains("'node'"))
        XCTAssertTrue(warnings[4].contains(#"["make","test"]"#) && warnings[4].contains("through its options"), warnings[4])
        XCTAssertTrue(warnings[5].contains("'xargs'"))
        XCTAssertTrue(warnings[6].contains("'busybox'"))
        XCTAssertTrue(warnings[7].contains("'PWSH'"))
        XCTAssertTrue(warnings[8].contains("empty"))
        XCTAssertEqual(PolicyEngine.interpreterWarnings([["git", "status"], ["swift", "test"], ["sleep"]]), [])
        // Programs that run others or write files through their options; `git` alone admits every subcommand.
        for entry in [["git"], ["find"], ["tar", "-x"], ["ssh"], ["/usr/bin/make"]] {
            let w = PolicyEngine.interpreterWarnings([entry])
            XCTAssertEqual(w.count, 1, "\(entry)")
            XCTAssertTrue(w.first?.contains("options") == true || w.first?.contains("every subcommand") == true, "\(w)")
        }
    }
}
