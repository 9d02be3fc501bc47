import XCTest
import SdetkitCore
@testable import SdetkitPolicy

/// Path resolution and containment rules for writes.
final class WritePathTests: XCTestCase {
    func testDotDotEscapeIsDenied() {
        let repo = TempDir()
        repo.mkdir("docs")
        let engine = makeEngine(repo, approval: .granted)
        for path in ["../outside.txt", "docs/../../outside.txt", "docs/new/../../../outside.txt", "new/../../x"] {
            let d = engine.checkWrite(path: path, action: "test")
            XCTAssertFalse(d.allowed, path)
            XCTAssertNil(d.resolvedRelativePath, path)
            XCTAssertTrue(d.reason.contains("resolves outside the repository"), "\(path): \(d.reason)")
        }
    }

    func testDotDotThatStaysInsideResolvesLexicallyOverMissingDirectories() {
        let repo = TempDir()
        repo.mkdir("docs")
        let engine = makeEngine(repo, approval: .granted)
        let d = engine.checkWrite(path: "docs/new/deeper/../../guide.md", action: "test")
        XCTAssertTrue(d.allowed, d.reason)
        XCTAssertEqual(d.resolvedRelativePath, "docs/guide.md")
    }

    func testAbsolutePathOutsideIsDenied() {
        let repo = TempDir()
        let engine = makeEngine(repo, write: ["."], approval: .granted)
        let d = engine.checkWrite(path: "/etc/passwd", action: "test")
        XCTAssertFalse(d.allowed)
        XCTAssertTrue(d.reason.contains("absolute path outside the repository"), d.reason)
        // An absolute path that climbs out of the repository with '..' is judged physically: outside.
        let climb = engine.checkWrite(path: repo.path + "/../x", action: "test")
        XCTAssertFalse(climb.allowed)
        XCTAssertTrue(climb.reason.contains("outside the repository"), climb.reason)
    }

    func testAbsolutePathInsideIsMadeRelative() {
        let repo = TempDir()
        repo.mkdir("docs")
        let engine = makeEngine(repo, approval: .granted)
        let d = engine.checkWrite(path: repo.path + "/docs/a.md", action: "test")
        XCTAssertTrue(d.allowed, d.reason)
        XCTAssertEqual(d.resolvedRelativePath, "docs/a.md")
    }

    func testSiblingWithSamePrefixIsNotAdmitted() {
        let repo = TempDir()
        repo.mkdir("docs")
        repo.mkdir("docs-private")
        let engine = makeEngine(repo, approval: .granted)
        for path in ["docs-private/x", "docs2", "docsx/y"] {
            let d = engine.checkWrite(path: path, action: "test")
            XCTAssertFalse(d.allowed, path)
            XCTAssertTrue(d.reason.contains("not inside a write-allowlisted directory"), d.reason)
        }
        XCTAssertTrue(engine.checkWrite(path: "docs/x", action: "test").allowed)
    }

    func testSymlinkedDirectoryLeadingOutsideIsDenied() {
        let repo = TempDir()
        let outside = TempDir("outside")
        repo.mkdir("docs")
        repo.symlink("docs/link", to: outside.path)
        let engine = makeEngine(repo, approval: .granted)
        let d = engine.checkWrite(path: "docs/link/x.md", action: "test")
        XCTAssertFalse(d.allowed)
        XCTAssertTrue(d.reason.contains("outside the repository"), d.reason)
        // Also when the link is relative and the rest of the path does not exist yet.
        repo.symlink("docs/up", to: "../..")
        XCTAssertFalse(engine.checkWrite(path: "docs/up/new/dir/x", action: "test").allowed)
    }

    func testDanglingSymlinkLeadingOutsideIsDenied() {
        let repo = TempDir()
        let outside = TempDir("outside")
        repo.mkdir("docs")
        repo.symlink("docs/evil.md", to: outside.path + "/not-yet/created.md")
        repo.symlink("docs/evil-rel.md", to: "../../escape.md")
        let engine = makeEngine(repo, approval: .granted)
        for path in ["docs/evil.md", "docs/evil-rel.md"] {
            let d = engine.checkWrite(path: path, action: "test")
            XCTAssertFalse(d.allowed, path)
            XCTAssertTrue(d.reason.contains("outside the repository"), d.reason)
        }
        XCTAssertFalse(outside.exists("not-yet"))
    }

    func testDanglingSymlinkInsideIsJudgedByItsTarget() {
        let repo = TempDir()
        repo.mkdir("docs")
        repo.symlink("docs/next.md", to: "future.md")
        repo.symlink("docs/readme-link.md", to: "../README.md")
        let engine = makeEngine(repo, approval: .granted)
        let inside = engine.checkWrite(path: "docs/next.md", action: "test")
        XCTAssertTrue(inside.allowed, inside.reason)
        XCTAssertEqual(inside.resolvedRelativePath, "docs/future.md")
        // Points out of the allowlisted directory: judged as README.md, which is not allowlisted.
        let escape = engine.checkWrite(path: "docs/readme-link.md", action: "test")
        XCTAssertFalse(escape.allowed)
        XCTAssertEqual(escape.resolvedRelativePath, "README.md")
    }

    func testAllowlistEntryThatIsSymlinkOutsideAdmitsNothing() {
        let repo = TempDir()
        let outside = TempDir("outside")
        repo.symlink("pub", to: outside.path)
        // An entry pointing at an ancestor of the repository would contain everything if it counted.
        repo.symlink("all", to: Path.dirname(repo.path))
        repo.mkdir("src")
        let engine = makeEngine(repo, write: ["pub", "all"], approval: .granted)
        XCTAssertFalse(engine.checkWrite(path: "pub/x", action: "test").allowed)
        let d = engine.checkWrite(path: "src/x.swift", action: "test")
        XCTAssertFalse(d.allowed)
        XCTAssertTrue(d.reason.contains("not inside a write-allowlisted directory"), d.reason)
    }

    func testAllowlistEntrySymlinkInsideAdmitsItsTarget() {
        let repo = TempDir()
        repo.mkdir("site/out")
        repo.symlink("public", to: "site/out")
        let engine = makeEngine(repo, write: ["public"], approval: .granted)
        let d = engine.checkWrite(path: "site/out/index.html", action: "test")
        XCTAssertTrue(d.allowed, d.reason)
        XCTAssertFalse(engine.checkWrite(path: "site/other.html", action: "test").allowed)
    }

    func testIntermediateFileIsNotADirectory() {
        let repo = TempDir()
        repo.write("docs/file.txt")
        let engine = makeEngine(repo, approval: .granted)
        let d = engine.checkWrite(path: "docs/file.txt/x", action: "test")
        XCTAssertFalse(d.allowed)
        XCTAssertTrue(d.reason.contains("not a directory"), d.reason)
    }

    func testSymlinkLoopIsDenied() {
        let repo = TempDir()
        repo.mkdir("docs")
        repo.symlink("docs/a", to: "b")
        repo.symlink("docs/b", to: "a")
        let d = makeEngine(repo, approval: .granted).checkWrite(path: "docs/a/x", action: "test")
        XCTAssertFalse(d.allowed)
        XCTAssertTrue(d.reason.contains("too many levels of symbolic links"), d.reason)
    }

    func testEmptyAndNulPathsAreDenied() {
        let repo = TempDir()
        let engine = makeEngine(repo, write: ["."], approval: .granted)
        XCTAssertFalse(engine.checkWrite(path: "", action: "test").allowed)
        XCTAssertFalse(engine.checkWrite(path: "docs/a\u{0}b", action: "test").allowed)
    }

    func testEmptyAllowlistAdmitsNothingAndDotAdmitsTheRepository() {
        let repo = TempDir()
        let none = makeEngine(repo, write: [], approval: .granted)
        XCTAssertFalse(none.checkWrite(path: ".sdetkit/agent/workdir/x", action: "test").allowed)
        let empty = makeEngine(repo, write: [""], approval: .granted)
        XCTAssertFalse(empty.checkWrite(path: "src/x", action: "test").allowed)
        let all = makeEngine(repo, write: ["."], approval: .granted)
        XCTAssertTrue(all.checkWrite(path: "src/x", action: "test").allowed)
    }

    func testRepoRootGivenThroughSymlinkIsResolved() {
        let repo = TempDir()
        let alias = TempDir("alias")
        alias.symlink("repo", to: repo.path)
        repo.mkdir("docs")
        let engine = PolicyEngine(repoRoot: alias.abs("repo"),
                                  settings: PolicySettings(writeAllowlist: ["docs"], shellAllowlist: []),
                                  approval: .granted, auditLogPath: nil, clock: fixedClock)
        XCTAssertEqual(engine.repoRoot, repo.path)
        XCTAssertEqual(engine.checkWrite(path: "docs/x", action: "t").resolvedRelativePath, "docs/x")
        // Absolute paths spelled with either root are inside.
        XCTAssertTrue(engine.checkWrite(path: alias.abs("repo") + "/docs/y", action: "t").allowed)
        XCTAssertTrue(engine.checkWrite(path: repo.path + "/docs/y", action: "t").allowed)
    }
}

/// Paths and argv are compared as bytes: a name spelled with a combining accent is another file.
final class ByteWiseNameTests: XCTestCase {
    let composed = "caf\u{E9}"        // é as one code point
    let decomposed = "cafe\u{301}"    // e + combining acute accent: canonically equivalent, other bytes

    func testAnAllowlistedDirectoryDoesNotAdmitACanonicallyEquivalentOtherDirectory() {
        let repo = TempDir()
        repo.mkdir("docs/\(composed)")
        repo.mkdir("docs/\(decomposed)")
        let engine = makeEngine(repo, write: ["docs/\(composed)"], approval: .granted)
        XCTAssertTrue(engine.checkWrite(path: "docs/\(composed)/a.md", action: "w").allowed)
        let other = engine.checkWrite(path: "docs/\(decomposed)/a.md", action: "w")
        XCTAssertFalse(other.allowed, other.reason)
        XCTAssertTrue(other.reason.contains("not inside a write-allowlisted directory"), other.reason)
    }

    func testAShellAllowlistEntryMatchesArgumentsByteForByte() {
        let repo = TempDir()
        let engine = makeEngine(repo, shell: [["printf", composed]], approval: .granted)
        XCTAssertTrue(engine.checkCommand(cmd: nil, argv: ["printf", composed], action: "c").allowed)
        XCTAssertFalse(engine.checkCommand(cmd: nil, argv: ["printf", decomposed], action: "c").allowed)
    }

    func testASCIIFoldingMatchesTheUnicodeFolding() {
        // The ASCII fast path must fold exactly as the general one does.
        var names = [".git", ".GIT", ".git.", ".git ", ".git. .", ".", "..", "...", ". ", ".. ", "a..", "", " ", "Index.SQLITE-wal",
                     "AUDIT.jsonl.lock", "x y.", "README.md", ". .", "..."]
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("aZ. -_gitGIT".utf8)
        for _ in 0..<500 {
            names.append(String(decoding: (0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! },
                                as: UTF8.self))
        }
        for name in names {
            var scalars = String.UnicodeScalarView()
            for s in name.lowercased().unicodeScalars where !PathRules.isIgnorable(s) { scalars.append(s) }
            var expected = String(scalars)
            while let last = expected.last, last == "." || last == " " {
                if expected == "." || expected == ".." { break }
                expected.removeLast()
            }
            XCTAssertEqual(PathRules.foldASCII(name), expected, "'\(name)'")
        }
        XCTAssertEqual(PathRules.fold(".G\u{200C}IT."), ".git", "non-ASCII names still take the Unicode path")
    }

    func testDisplayTextKeepsPlainTextAndEscapesControls() {
        XCTAssertEqual(Display.text("docs/a b.md"), "docs/a b.md")
        XCTAssertEqual(Display.text("a\nb\u{7F}\u{202E}c"), "a\\nb\\u{7f}\\u{202e}c")
        XCTAssertEqual(Display.text(composed), composed)
    }
}
