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

    func testConfigExcludeComesBeforeTheIgnoreFile() {
        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 3_003)
        let files = ["vendor/lib.js": "t='\(ghp)'\n", "vendor/keep.js": "t='\(ghp)'\n", "gen/out.js": "t='\(ghp)'\n",
                     "src/app.js": "t='\(ghp)'\n", AuditIgnore.path: "!vendor/keep.js\n"]
        let r = audit(files, options: AuditOptions(exclude: ["vendor/", "/gen"]))
        XCTAssertEqual(findings(r, "secrets.github-token").map(\.path), ["src/app.js", "vendor/keep.js"],
                       "audit.exclude leaves vendor/ and gen out; the ignore file's later '!' re-includes one file")
        XCTAssertEqual(findings(audit(files), "secrets.github-token").count, 4, "without the option nothing else is excluded")
    }

    func testTheTestPathSeverityCapIsConfigurable() {
        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 3_004)
        let files = ["tests/a.txt": "t='\(ghp)'\n", "src/a.py": "t='\(ghp)'\n"]
        func severities(_ cap: Severity) -> [String: Severity] {
            let hits = findings(audit(files, options: AuditOptions(testMaxSeverity: cap)), "secrets.github-token")
            return Dictionary(uniqueKeysWithValues: hits.map { ($0.path ?? "", $0.severity) })
        }
        XCTAssertEqual(severities(.info), ["tests/a.txt": .info, "src/a.py": .critical])
        XCTAssertEqual(severities(.medium), ["tests/a.txt": .medium, "src/a.py": .critical])
        XCTAssertEqual(severities(.critical), ["tests/a.txt": .critical, "src/a.py": .critical], "critical keeps them as they are")
        // One scan serves every cap (the memo holds unlowered findings): asking again in any order gives the same.
        XCTAssertEqual(severities(.low), ["tests/a.txt": .low, "src/a.py": .critical])
        XCTAssertEqual(severities(.info)["tests/a.txt"], .info)
    }
}
