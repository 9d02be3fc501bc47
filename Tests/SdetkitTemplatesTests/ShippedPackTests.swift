import XCTest
import SdetkitRuntime
import SdetkitCore
import SdetkitDemo
import SdetkitEngine
@testable import SdetkitTemplates

final class ShippedPackTests: XCTestCase {
    /// templates/automations of this source tree.
    static let sourceDir: String = {
        var p = Path.dirname(#filePath)  // Tests/SdetkitTemplatesTests
        p = Path.dirname(Path.dirname(p))
        return p + "/templates/automations"
    }()

    func testShippedPackIsUpToDate() throws {
        let onDisk = FileSystem.list(Self.sourceDir).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(ShippedPack.files.map(\.name), onDisk,
                       "ShippedPack.swift is out of date: run scripts/embed-templates.sh")
        for (name, yaml) in ShippedPack.files where onDisk.contains(name) {
            XCTAssertEqual(yaml, try FileSystem.readString(Self.sourceDir + "/" + name),
                           "\(name) differs from ShippedPack.swift: run scripts/embed-templates.sh")
        }
    }

    func testShippedPackIsValidAgainstTheFullRegistry() throws {
        let catalog = TemplateCatalog.discover(repoRoot: nil, registry: Toolkit.registry())
        XCTAssertEqual(catalog.invalid.count, 0, catalog.issues.map(\.text).joined(separator: "\n"))
        XCTAssertGreaterThanOrEqual(catalog.templates.count, 10)
        XCTAssertTrue(catalog.templates.allSatisfy { $0.source == "shipped" })
        let ids = Set(catalog.templates.map(\.id))
        for id in ["repo-health-audit", "security-governance-summary", "change-only-audit", "report-dashboard", "release-readiness",
                   "ci-artifact-bundle", "dependency-inventory", "docs-link-check", "large-file-report", "license-header-check"] {
            XCTAssertTrue(ids.contains(id), "missing shipped template \(id)")
        }
        for (name, _) in ShippedPack.files {
            XCTAssertTrue(ids.contains(String(name.dropLast(".yaml".count))), "\(name): file name must be <id>.yaml")
        }
        let some = TemplateCatalog.discover(repoRoot: nil, registry: Toolkit.registry(), only: ["release-readiness", "no-such-id"])
        XCTAssertEqual(some.templates.map(\.id), ["release-readiness"], "only the asked-for shipped templates are parsed")
    }

    /// Every shipped template is green in a fresh repository (git init, a README, one commit), without approval.
    func testEveryShippedTemplatePassesInAFreshRepo() async throws {
        let repo = try TempRepo("fresh")
        defer { repo.remove() }
        let ws = try repo.workspace(approval: .nonInteractive)
        let catalog = TemplateCatalog.discover(repoRoot: repo.root, registry: ws.registry)
        XCTAssertEqual(catalog.invalid.count, 0, catalog.issues.map(\.text).joined(separator: "\n"))
        for found in catalog.templates {
            let r = try await TemplateRunner.run(found.template, sets: [], in: ws)
            XCTAssertEqual(r.status, .ok, "\(found.id): \(r.run.record.firstProblem ?? "")")
            XCTAssertNotNil(r.recordFile, "\(found.id): \(r.recordFileProblem ?? "")")
            for a in r.run.record.artifacts {
                XCTAssertTrue(a.path.hasPrefix(".sdetkit/agent/template-runs/\(found.id)/"), "\(found.id) wrote \(a.path)")
                let text = try repo.read(a.path)
                XCTAssertFalse(text.contains(repo.root), "\(a.path) holds an absolute path")
            }
        }
        XCTAssertEqual(repo.ledgerCount(), catalog.templates.count)
        let status = await GitStatusAction().run([:], in: ws.context(dryRun: false, outputDir: nil))
        XCTAssertEqual(status.outcome.result["modified"], [], "templates never touch tracked files")
    }

    /// `run-all` prepares confined templates side by side; the history, the audit log and every file are the
    /// same as running them one after another.
    func testRunAllSideBySideRecordsWhatSequentialRunsRecord() async throws {
        let a = try TempRepo("runall")
        defer { a.remove() }
        try a.write("docs/guide.md", "# Guide\n\n[missing](nope.md)\n")
        try a.write("app.py", "print(1)\n")
        try a.commit("more")
        let b = "/tmp/sdetkit-tpl-runall-copy-\(UInt32.random(in: 0...UInt32.max))"
        try TempRepo.shell("cp -a '\(a.root)' '\(b)'")
        defer { try? FileManager.default.removeItem(atPath: b) }
        var outcomes: [String: [String]] = [:]
        for (root, overlapping) in [(a.root, true), (b, false)] {
            let ws = try Workspace.open(from: root, registry: Toolkit.registry(), approval: .nonInteractive,
                                        environment: ["SOURCE_DATE_EPOCH": "1700000000"])
            let templates = TemplateCatalog.discover(repoRoot: root, registry: ws.registry).templates.map(\.template)
            XCTAssertTrue(templates.contains { ws.isConfined($0) } && templates.contains { !ws.isConfined($0) })
            var seen: [String] = []
            try await TemplateRunner.runAll(templates, in: ws, overlapping: overlapping) { i, outcome in
                let r = try outcome.get()
                XCTAssertEqual(r.run.entry?.seq, i + 1)
                seen.append(r.run.hash)
            }
            try ws.syncPendingWrites()
            outcomes[root] = seen
        }
        XCTAssertEqual(outcomes[a.root], outcomes[b])
        for rel in [".sdetkit/agent/audit.jsonl", ".sdetkit/agent/history/ledger.jsonl"] {
            XCTAssertEqual(try FileSystem.readBytes(a.root + "/" + rel), try FileSystem.readBytes(b + "/" + rel), rel)
        }
        let files = try TempRepo.shellOutput("cd '\(a.root)/.sdetkit/agent/template-runs' && find . -type f | sort")
        XCTAssertFalse(files.isEmpty)
        for f in files.split(separator: "\n") {
            let rel = ".sdetkit/agent/template-runs/" + f.dropFirst(2)
            XCTAssertEqual(try FileSystem.readBytes(a.root + "/" + rel), try FileSystem.readBytes(b + "/" + rel), rel)
        }
    }

    func testRepositoryTemplatesOverrideShippedOnes() throws {
        let repo = try TempRepo("override")
        defer { repo.remove() }
        try repo.write("templates/automations/mine.yaml", "metadata: {id: dependency-inventory, title: Mine}\nworkflow:\n  - id: a\n    action: fs.list\n")
        try repo.write("templates/automations/broken.yaml", "metadata: {id: broken\n")
        let catalog = TemplateCatalog.discover(repoRoot: repo.root, registry: Toolkit.registry())
        let found = try catalog.find("dependency-inventory")
        XCTAssertEqual(found.source, "templates/automations/mine.yaml")
        XCTAssertTrue(found.overridesShipped)
        XCTAssertEqual(found.template.metadata.title, "Mine")
        XCTAssertEqual(catalog.templates.filter { $0.id == "dependency-inventory" }.count, 1)
        XCTAssertEqual(catalog.invalid.map(\.file), ["templates/automations/broken.yaml"])
        XCTAssertTrue(catalog.issues[0].text.hasPrefix("templates/automations/broken.yaml:"), catalog.issues[0].text)
        do {
            _ = try catalog.find("broken")
            XCTFail("an invalid template cannot be found")
        } catch {
            XCTAssertTrue(error.message.hasPrefix("templates/automations/broken.yaml:"), error.message)
        }
        do {
            _ = try catalog.find("nope")
            XCTFail("unknown id")
        } catch {
            XCTAssertTrue(error.message.contains("no template with id 'nope'"), error.message)
        }
    }
}
