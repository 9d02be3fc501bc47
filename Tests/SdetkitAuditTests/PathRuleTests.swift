import XCTest

@testable import SdetkitAudit

final class PathRuleTests: XCTestCase {
    func testIgnoreFileSyntax() {
        let ignore = AuditIgnore("# comment\n\nvendor/\n*.min.js\n/build\ndocs/**/secret-*.md\n!vendor/keep.txt\n[Tt]mp?/\n")
        XCTAssertTrue(ignore.excludes("vendor/a/b.txt"))
        XCTAssertTrue(ignore.excludes("src/vendor/x.c"), "an unanchored pattern matches at any depth")
        XCTAssertFalse(ignore.excludes("vendor/keep.txt"), "negation re-includes")
        XCTAssertTrue(ignore.excludes("web/app.min.js"))
        XCTAssertTrue(ignore.excludes("build/out.txt"))
        XCTAssertFalse(ignore.excludes("src/build/out.txt"), "a leading slash anchors at the root")
        XCTAssertTrue(ignore.excludes("docs/secret-a.md"))
        XCTAssertTrue(ignore.excludes("docs/x/y/secret-b.md"))
        XCTAssertTrue(ignore.excludes("Tmp1/f"))
        XCTAssertFalse(ignore.excludes("tmp12/f"))
        XCTAssertFalse(ignore.excludes("vendor"), "a directory-only pattern does not match a file")
        XCTAssertFalse(AuditIgnore("").excludes("a"))
    }

    func testExcludedPathsAreNotScanned() {
        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 3_001)
        let r = audit(["vendor/lib.js": "t='\(ghp)'\n", "src/app.js": "t='\(ghp)'\n",
                       AuditIgnore.path: "vendor/\n"])
        XCTAssertEqual(findings(r, "secrets.github-token").map(\.path), ["src/app.js"])
    }

    func testFindingsInTestPathsCarryContextAndLowerSeverity() {
        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 3_002)
        let r = audit(["tests/certs/key.txt": "t='\(ghp)'\n", "src/a.py": "t='\(ghp)'\n",
                       "pkg/thing_test.go": "t='\(ghp)'\n"])
        let hits = findings(r, "secrets.github-token")
        let byPath = Dictionary(uniqueKeysWithValues: hits.map { ($0.path ?? "", $0) })
        XCTAssertEqual(byPath["src/a.py"]?.severity, .critical)
        XCTAssertNil(byPath["src/a.py"]?.context)
        for p in ["tests/certs/key.txt", "pkg/thing_test.go"] {
            XCTAssertEqual(byPath[p]?.severity, .low, p)
            XCTAssertEqual(byPath[p]?.context, "test", p)
            XCTAssertEqual(byPath[p]?.json["context"]?.stringValue, "test")
        }
        XCTAssertNil(byPath["src/a.py"]?.json["context"])
        XCTAssertFalse(TestPaths.isTest("src/contest/a.py"))
        XCTAssertTrue(TestPaths.isTest("Tests/FooTests/BarTests.swift"))
    }
}
