import Foundation
import XCTest
import SdetkitCore
import SdetkitEngine
@testable import SdetkitTemplates

final class ActionTests: XCTestCase {
    var repo: TempRepo!

    override func setUpWithError() throws { repo = try TempRepo("act") }
    override func tearDown() { repo.remove() }

    func run(_ action: any AgentAction, _ params: JSONValue, outputDir: String = ".sdetkit/agent/template-runs/t",
             epoch: String? = "1700000000") async throws -> ActionResult {
        let ws = try repo.workspace(epoch: epoch)
        return await ws.perform(PlannedAction(action: action.name, params: params), context: ws.context(dryRun: false, outputDir: outputDir))
    }

    func testDependencyParsers() {
        let swift = """
        let package = Package(dependencies: [
            .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
            // .package(url: "https://example.com/commented.git", from: "9.9.9"),
            .package(url: "https://github.com/jpsim/Yams.git",
                     exact: "6.2.2"),
            .package(url: "https://example.com/r", "1.0.0"..<"2.0.0"),
            .package(path: "../Local"),
        ])
        """
        XCTAssertEqual(DependencyParsers.swiftPM(swift), [
            Dependency(name: "swift-argument-parser", version: "from 1.8.2", scope: "runtime"),
            Dependency(name: "Yams", version: "6.2.2", scope: "runtime"),
            Dependency(name: "r", version: "\"1.0.0\"..<\"2.0.0\"", scope: "runtime"),
            Dependency(name: "Local", version: "", scope: "local"),
        ])
        XCTAssertEqual(try DependencyParsers.npm(#"{"dependencies":{"left-pad":"^1.3.0"},"devDependencies":{"jest":"29"}}"#).get().sorted(),
                       [Dependency(name: "jest", version: "29", scope: "dev"), Dependency(name: "left-pad", version: "^1.3.0", scope: "runtime")])
        guard case .failure = DependencyParsers.npm("{oops") else { return XCTFail("invalid JSON is reported") }
        XCTAssertEqual(DependencyParsers.requirements("# c\nrequests[security]>=2.0 ; python_version>'3'\n-r other.txt\nflask==2.3  # web\n\n"),
                       [Dependency(name: "requests", version: ">=2.0", scope: "runtime"), Dependency(name: "flask", version: "==2.3", scope: "runtime")])
        XCTAssertEqual(DependencyParsers.goMod("module x\n\ngo 1.22\n\nrequire github.com/a/b v1.2.3\nrequire (\n\tgolang.org/x/sys v0.1.0 // indirect\n\tgithub.com/c/d v2.0.0\n)\n"),
                       [Dependency(name: "github.com/a/b", version: "v1.2.3", scope: "runtime"),
                        Dependency(name: "golang.org/x/sys", version: "v0.1.0", scope: "indirect"),
                        Dependency(name: "github.com/c/d", version: "v2.0.0", scope: "runtime")])
        let cargo = """
        [package]
        name = "x"
        version = "0.1.0"
        [dependencies]
        serde = { version = "1.0", features = ["derive"] }
        rand = "0.8"
        local = { path = "../local" }
        [dev-dependencies]
        proptest = "1"
        [dependencies.tokio]
        version = "1.35"
        """
        XCTAssertEqual(DependencyParsers.cargo(cargo).sorted(), [
            Dependency(name: "proptest", version: "1", scope: "dev"), Dependency(name: "local", version: "path ../local", scope: "runtime"),
            Dependency(name: "rand", version: "0.8", scope: "runtime"), Dependency(name: "serde", version: "1.0", scope: "runtime"),
            Dependency(name: "tokio", version: "1.35", scope: "runtime"),
        ])
        let py = """
        [project]
        name = "x"
        dependencies = [
          "httpx>=0.27",
          "rich",
        ]
        [project.optional-dependencies]
        test = ["pytest>=8"]
        [tool.poetry.dependencies]
        python = "^3.11"
        click = "^8.1"
        """
        XCTAssertEqual(DependencyParsers.pyproject(py).sorted(), [
            Dependency(name: "pytest", version: ">=8", scope: "optional:test"), Dependency(name: "click", version: "^8.1", scope: "runtime"),
            Dependency(name: "httpx", version: ">=0.27", scope: "runtime"), Dependency(name: "rich", version: "", scope: "runtime"),
        ])
    }

    func testDepsInventoryWritesBothReports() async throws {
        let none = try await run(DepsInventoryAction(), [:])
        XCTAssertTrue(none.outcome.ok, none.outcome.reason)
        XCTAssertEqual(none.outputs["total"], 0)
        try repo.write("package.json", #"{"dependencies":{"a":"1"}}"#)
        try repo.write("go.mod", "module m\nrequire x.y/z v1.0.0\n")
        let r = try await run(DepsInventoryAction(), [:])
        XCTAssertEqual(r.outputs["total"], 2)
        XCTAssertEqual(r.artifacts.map(\.path), [".sdetkit/agent/template-runs/t/dependencies.json", ".sdetkit/agent/template-runs/t/dependencies.md"])
        let json = try JSONParser.parse(repo.read(".sdetkit/agent/template-runs/t/dependencies.json"))
        XCTAssertEqual(json["manifests"]?.arrayValue?.compactMap { $0["ecosystem"]?.stringValue }, ["npm", "go"])
        XCTAssertTrue(try repo.read(".sdetkit/agent/template-runs/t/dependencies.md").contains("| go.mod | go | runtime | x.y/z | v1.0.0 |"))
    }

    func testMarkdownLinkExtraction() {
        let md = """
        [a](docs/a.md) ![img](img/x.png "title") [web](https://x.y) [mail](mailto:a@b) [top](#top)
        `[code](not/a/link.md)` and [b](<with space.md>) [c](dir/(paren).md)
        ```
        [fenced](fenced.md)
        ```
        [ref]: ref/target.md "t"
        """
        let links = MarkdownLinks.links(in: md)
        XCTAssertEqual(links.map(\.target), ["docs/a.md", "img/x.png", "https://x.y", "mailto:a@b", "#top", "with space.md", "dir/(paren).md",
                                             "ref/target.md"])
        XCTAssertEqual(links.map(\.line), [1, 1, 1, 1, 1, 2, 2, 6])
        XCTAssertEqual(links.filter { !MarkdownLinks.isExternal($0.target) }.count, 5)
        XCTAssertEqual(MarkdownLinks.percentDecoded("a%20b.md"), "a b.md")
    }

    func testDocsLinksFindsBrokenRelativeLinksInTrackedFiles() async throws {
        try repo.write("docs/guide.md", "back to [readme](../README.md), [sec](#x), [gone](missing.md#part), [up](../../etc/passwd)\n")
        try repo.write("README.md", "# r\n[guide](docs/guide.md#intro) [abs](/docs/guide.md) [bad](/nope.md)\n")
        try repo.write("untracked.md", "[x](missing-too.md)\n")
        try repo.git("add", "docs/guide.md", "README.md")
        try repo.git("commit", "-q", "-m", "docs")
        let r = try await run(DocsLinksAction(), [:])
        XCTAssertTrue(r.outcome.ok, "fail_on_broken is off by default")
        XCTAssertEqual(r.outputs["broken"], 3)
        let json = try JSONParser.parse(repo.read(".sdetkit/agent/template-runs/t/links.json"))
        let broken = json["broken"]?.arrayValue ?? []
        XCTAssertEqual(broken.compactMap { $0["target"]?.stringValue }, ["/nope.md", "missing.md#part", "../../etc/passwd"])
        XCTAssertEqual(broken.compactMap { $0["line"]?.intValue }, [2, 1, 1])
        XCTAssertEqual(broken.last?["reason"], "points outside the repository")
        let strict = try await run(DocsLinksAction(), ["fail_on_broken": "true"])
        XCTAssertFalse(strict.outcome.ok)
        XCTAssertFalse(strict.artifacts.isEmpty, "reports are written even when the gate fails")
    }

    func testLicenseHeaders() async throws {
        try repo.write("src/a.swift", "// SPDX-License-Identifier: MIT\nlet a = 1\n")
        try repo.write("src/b.py", "print(1)\n")
        try repo.write("src/c.txt", "no header, not source\n")
        try repo.write("src/d.go", String(repeating: "\n", count: 25) + "// SPDX-License-Identifier: MIT\n")
        try repo.commit("src")
        let r = try await run(LicenseHeadersAction(), [:])
        XCTAssertTrue(r.outcome.ok)
        XCTAssertEqual(r.outputs["checked"], 3)
        let json = try JSONParser.parse(repo.read(".sdetkit/agent/template-runs/t/license-headers.json"))
        XCTAssertEqual(json["missing"], ["src/b.py", "src/d.go"])
        let only = try await run(LicenseHeadersAction(), ["extensions": [".swift"], "fail_on_missing": true])
        XCTAssertTrue(only.outcome.ok, only.outcome.reason)
        let strict = try await run(LicenseHeadersAction(), ["fail_on_missing": true, "lines": 30])
        XCTAssertFalse(strict.outcome.ok)
        XCTAssertEqual(strict.outputs["missing"], 1)
    }

    /// Many files (the parallel path), in index order; tracked symbolic links — to a file outside, or through a
    /// directory link leading out of the repository — are never read, and a FIFO is never waited on.
    func testLicenseHeadersReadOnlyRegularFilesInsideTheRepository() async throws {
        var expectedMissing: [String] = []
        for i in 0..<120 {
            let path = String(format: "pkg/f%03d.py", i)
            let header = i % 3 == 0 ? "" : "# SPDX-License-Identifier: MIT\n"
            try repo.write(path, header + "x = \(i)\n")
            if header.isEmpty { expectedMissing.append(path) }
        }
        let outside = FileManager.default.temporaryDirectory.path + "/sdetkit-outside-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try "print('outside, no header')\n".write(toFile: outside + "/o.py", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: repo.root + "/link.py", withDestinationPath: outside + "/o.py")
        try repo.write("pkg/pipe.py", "no header\n")
        try repo.commit("files and a link")
        // A tracked file replaced by a FIFO in the work tree: opening it must not block.
        try FileManager.default.removeItem(atPath: repo.root + "/pkg/pipe.py")
        XCTAssertEqual(mkfifo(repo.root + "/pkg/pipe.py", 0o644), 0)
        // A directory link that leads out, with a file behind it that git does not track through the link.
        try FileManager.default.createSymbolicLink(atPath: repo.root + "/out", withDestinationPath: outside)
        let r = try await run(LicenseHeadersAction(), [:])
        XCTAssertTrue(r.outcome.ok, r.outcome.reason)
        let json = try JSONParser.parse(repo.read(".sdetkit/agent/template-runs/t/license-headers.json"))
        XCTAssertEqual(json["missing"], .array(expectedMissing.map { .string($0) }), "link.py is never read")
    }

    func testLargeFiles() async throws {
        try repo.write("big.bin", String(repeating: "x", count: 3000))
        try repo.commit("big")
        let r = try await run(LargeFilesAction(), ["threshold_bytes": "2048"])
        XCTAssertEqual(r.outputs["over_threshold"], 1)
        XCTAssertEqual(r.outputs["largest"], "big.bin")
        XCTAssertTrue(try repo.read(".sdetkit/agent/template-runs/t/large-files.md").contains("| big.bin | 2.9 KiB |"))
        let gate = try await run(LargeFilesAction(), ["threshold_bytes": 2048, "fail_on_large": true])
        XCTAssertFalse(gate.outcome.ok)
        let bad = try await run(LargeFilesAction(), ["threshold_bytes": "lots"])
        XCTAssertFalse(bad.outcome.ok)
        XCTAssertTrue(bad.outcome.reason.contains("whole number"), bad.outcome.reason)
    }

    func testBundleIsReproducibleWithManifest() async throws {
        try repo.write("docs/a.md", "a\n")
        try repo.write("docs/sub/b.md", "b\n")
        let params: JSONValue = ["paths": ["README.md", "docs"], "output": "b.tar"]
        let one = try await run(BundleTarAction(), params)
        XCTAssertTrue(one.outcome.ok, one.outcome.reason)
        XCTAssertEqual(one.outputs["files"], 3)
        let first = try FileSystem.readBytes(repo.root + "/.sdetkit/agent/template-runs/t/b.tar")
        let two = try await run(BundleTarAction(), params)
        XCTAssertEqual(one.outputs["sha256"], two.outputs["sha256"])
        let entries = try Tar.entries(first)
        XCTAssertEqual(entries.map(\.name), ["MANIFEST.sha256", "README.md", "docs/a.md", "docs/sub/b.md"])
        XCTAssertEqual(String(decoding: entries[0].bytes, as: UTF8.self),
                       "\(Digest.sha256Hex("# scratch\n"))  README.md\n\(Digest.sha256Hex("a\n"))  docs/a.md\n\(Digest.sha256Hex("b\n"))  docs/sub/b.md\n")
        // mtime is SOURCE_DATE_EPOCH (octal 1700000000 = 14525543400).
        XCTAssertEqual(String(decoding: first[136..<147], as: UTF8.self), String(1_700_000_000, radix: 8))
        let noEpoch = try await run(BundleTarAction(), params, epoch: nil)
        let plain = try FileSystem.readBytes(repo.root + "/.sdetkit/agent/template-runs/t/b.tar")
        XCTAssertTrue(noEpoch.outcome.ok)
        XCTAssertEqual(String(decoding: plain[136..<147], as: UTF8.self), "00000000000")

        let outside = try await run(BundleTarAction(), ["paths": ["../../etc/passwd"]])
        XCTAssertTrue(outside.outcome.denied)
        let missing = try await run(BundleTarAction(), ["paths": ["nope"]])
        XCTAssertFalse(missing.outcome.ok)
        let escape = try await run(BundleTarAction(), ["paths": ["README.md"], "output": "../escape.tar"])
        XCTAssertFalse(escape.outcome.ok)
        XCTAssertFalse(repo.exists(".sdetkit/agent/template-runs/escape.tar"))
    }

    func testReportSummary() async throws {
        let r = try await run(ReportSummaryAction(), ["title": "T", "lines": ["a", 1, true]])
        XCTAssertTrue(r.outcome.ok)
        XCTAssertEqual(try repo.read(".sdetkit/agent/template-runs/t/summary.md"), "# T\n\na\n1\ntrue\n")
        let denied = try await run(ReportSummaryAction(), ["title": "T"], outputDir: "src")
        XCTAssertTrue(denied.outcome.denied, "outside the allowlist")
    }
}

final class ActionSupportTextTests: XCTestCase {
    func testMarkdownCellsHaveNoLineBreaksAndEscapedPipes() {
        XCTAssertEqual(ActionSupport.cell("a|b\nc\r\nd"), "a\\|b c  d")
        XCTAssertEqual(ActionSupport.cell("naïve ✓"), "naïve ✓")
    }

    func testGitComponentsAreFoundInAnyASCIICase() {
        for path in [".git", ".git/config", "sub/.GIT/HEAD", "a/.Git"] { XCTAssertTrue(PathRulesLite.touchesGit(path), path) }
        for path in [".gitignore", "git/x", "a/.gitx/b", "docs/.git-notes.md", ""] {
            XCTAssertFalse(PathRulesLite.touchesGit(path), path)
        }
    }
}
