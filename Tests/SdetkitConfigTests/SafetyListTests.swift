import XCTest
@testable import SdetkitConfig

final class SafetyListTests: XCTestCase {
    func testEmptyFlowListIsEmpty() throws {
        let c = try parse("version: 1\nsafety:\n  shell_allowlist: []\n").config
        XCTAssertEqual(c.safety.shellAllowlist, [])
        let n = try parse("version: 1\nsafety:\n  shell_allowlist:\n").config
        XCTAssertEqual(n.safety.shellAllowlist, [])
    }

    func testEmptyWriteAllowlistMeansNothingWritable() throws {
        XCTAssertEqual(try parse("version: 1\nsafety:\n  write_allowlist: []\n").config.safety.writeAllowlist, [])
    }

    func testStringAndArgvEntries() throws {
        let yaml = """
        version: 1
        safety:
          shell_allowlist:
            - git status
            - "git log --oneline"
            - [git, diff, "--stat"]
            - sleep
            - python3 -c 'print(1 + 1)'
            - echo "a b"'c d'
            - [printf, "%s\\n", 'x y']
            - [sleep, 1]
            - echo '|'
        """
        let list = try parse(yaml).config.safety.shellAllowlist
        XCTAssertEqual(list, [
            ["git", "status"],
            ["git", "log", "--oneline"],
            ["git", "diff", "--stat"],
            ["sleep"],
            ["python3", "-c", "print(1 + 1)"],
            ["echo", "a bc d"],
            ["printf", "%s\n", "x y"],
            ["sleep", "1"],
            ["echo", "|"],
        ])
    }

    func testWriteAllowlistIsNormalised() throws {
        let yaml = "version: 1\nsafety:\n  write_allowlist:\n    - ./docs/\n    - docs\n    - a//b/./c\n"
        XCTAssertEqual(try parse(yaml).config.safety.writeAllowlist, ["docs", "a/b/c"])
    }

    func testShellWords() throws {
        XCTAssertEqual(try ShellWords.split("  git   status  "), ["git", "status"])
        XCTAssertEqual(try ShellWords.split("a '' b"), ["a", "", "b"])
        XCTAssertEqual(try ShellWords.split("say \"it's\""), ["say", "it's"])
        XCTAssertEqual(try ShellWords.split("x\t\"y z\"w"), ["x", "y zw"])
        XCTAssertEqual(try ShellWords.split(""), [])
        XCTAssertThrowsError(try ShellWords.split("echo \"open")) { e in
            XCTAssertEqual(e as? ShellWordsError, .unclosedQuote("\""))
        }
        XCTAssertEqual(try ShellWords.scan("git status; rm").unquotedOperator, ";")
        XCTAssertNil(try ShellWords.scan("echo ';'").unquotedOperator)
    }

    func testShellWordsJoinRoundTrips() throws {
        for argv in [["git", "status"], ["echo", "a b"], ["say", "it's"], ["q", "a'b\"c"], ["e", ""], ["x", "|"]] {
            XCTAssertEqual(try ShellWords.split(ShellWords.join(argv)), argv, ShellWords.join(argv))
        }
    }
}
