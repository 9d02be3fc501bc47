import XCTest

@testable import SdetkitAudit

final class FileRuleTests: XCTestCase {
    func run(_ contents: [String: [UInt8]], profile: AuditProfile = .default) -> AuditReport {
        var all = completeGovernance.mapValues { Array($0.utf8) }
        for (k, v) in contents { all[k] = v }
        return Auditor.run(AuditInput.inMemory(all), profile: profile)
    }

    func testLargeFileIsReportedAndStreamed() {
        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 50)
        var big = Array(repeating: UInt8(ascii: "a"), count: 5 * 1024 * 1024 + 1)
        big.append(contentsOf: Array(("\n" + ghp + "\n").utf8))
        let r = run(["data/big.txt": big, "data/small.txt": Array("ok\n".utf8)])
        let large = findings(r, "files.large-file")
        XCTAssertEqual(large.map(\.path), ["data/big.txt"])
        XCTAssertEqual(large.first?.severity, .medium)
        XCTAssertNil(large.first?.line)
        // Files over the 1 MiB buffer are scanned by streaming (line numbers continue across chunks).
        XCTAssertEqual(findings(r, "secrets.github-token").map(\.line), [2])
    }

    func testFileUnderLimitIsNotLarge() {
        let r = run(["data/mid.txt": Array(repeating: UInt8(ascii: "a"), count: 5 * 1024 * 1024)])
        XCTAssertTrue(findings(r, "files.large-file").isEmpty)
    }

    func testBinaryByNULAndByExtension() {
        let r = run([
            "bin/tool": [0x7F, 0x45, 0x4C, 0x46, 0x00, 0x01], "lib/app.jar": Array("PK".utf8),
            "docs/logo.png": [0x89, 0x50, 0x4E, 0x47, 0x00, 0x00], "src/main.c": Array("int main(){}\n".utf8),
        ])
        XCTAssertEqual(findings(r, "files.binary").map(\.path), ["bin/tool", "lib/app.jar"])
        XCTAssertEqual(findings(r, "files.binary").first?.severity, .low)
    }

    func testBinaryFilesAreNotContentScanned() {
        var bytes: [UInt8] = [0, 1, 2]
        bytes += Array(("\nghp_" + Gen.string(36, Gen.alnum, seed: 51) + "\n").utf8)
        let r = run(["blob.dat": bytes])
        XCTAssertEqual(findings(r, "files.binary").count, 1)
        XCTAssertTrue(findings(r, "secrets.github-token").isEmpty)
    }

    func testMergeConflictMarkers() {
        let lt = String(repeating: "<", count: 7), gt = String(repeating: ">", count: 7)
        let eq = String(repeating: "=", count: 7)
        let text = "a\n" + lt + " HEAD\nmine\n" + eq + "\ntheirs\n" + gt + " feature\r\nb\n"
        let r = audit(["src/x.c": text])
        let hits = findings(r, "content.merge-conflict-marker")
        XCTAssertEqual(hits.map(\.line), [2, 6])
        XCTAssertEqual(hits.first?.severity, .medium)
    }

    func testNotConflictMarkers() {
        let text = "Title\n" + String(repeating: "=", count: 7) + "\nx " + String(repeating: "<", count: 7)
            + " y\n" + String(repeating: "<", count: 8) + "\n" + String(repeating: ">", count: 7) + "x\n"
        XCTAssertTrue(findings(audit(["doc.rst": text]), "content.merge-conflict-marker").isEmpty)
    }

    func testPullRequestTargetCheckoutOfHead() {
        let wf = """
            on:
              pull_request_target:
            jobs:
              build:
                steps:
                  - uses: actions/checkout@\(String(repeating: "a", count: 40))
                    with:
                      ref: ${{ github.event.pull_request.head.sha }}
            """
        let r = audit([".github/workflows/pr.yml": wf])
        let hits = findings(r, "actions.pr-target-untrusted-checkout")
        XCTAssertEqual(hits.map(\.line), [8])
        XCTAssertEqual(hits.first?.severity, .critical)
    }

    func testPullRequestTriggerWithHeadCheckoutIsFine() {
        let wf = "on: pull_request\njobs:\n  b:\n    steps:\n      - uses: actions/checkout@v4\n"
            + "        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"
        XCTAssertTrue(findings(audit([".github/workflows/pr.yml": wf]), "actions.pr-target-untrusted-checkout").isEmpty)
        let baseOnly = "on: pull_request_target\njobs:\n  b:\n    steps:\n      - uses: actions/checkout@v4\n"
        XCTAssertTrue(findings(audit([".github/workflows/t.yml": baseOnly]), "actions.pr-target-untrusted-checkout")
            .isEmpty)
    }

    func testWriteAllPermissions() {
        let r = audit([".github/workflows/a.yaml": "on: push\npermissions: write-all\njobs: {}\n"])
        XCTAssertEqual(findings(r, "actions.write-all-permissions").map(\.line), [2])
        let ok = audit([".github/workflows/a.yaml": "on: push\npermissions:\n  contents: read\n# permissions: write-all\n"])
        XCTAssertTrue(findings(ok, "actions.write-all-permissions").isEmpty)
    }

    func testUnpinnedActions() {
        let sha = Gen.string(40, Gen.hex, seed: 52)
        let wf = """
            on: push
            jobs:
              b:
                steps:
                  - uses: actions/checkout@v4
                  - uses: some-org/deploy-action@v2 # third party
                  - uses: "other/action@\(sha)"
                  - uses: ./local/action
                  - uses: docker://alpine:3.19
                  - uses: docker://alpine@sha256:\(Gen.string(64, Gen.hex, seed: 53))
                  - uses: org/repo/.github/workflows/reuse.yml@main
            """
        let d = audit([".github/workflows/ci.yml": wf], profile: .default)
        XCTAssertEqual(findings(d, "actions.unpinned-action").map(\.line), [6, 9, 11])
        let e = audit([".github/workflows/ci.yml": wf], profile: .enterprise)
        XCTAssertEqual(findings(e, "actions.unpinned-action").map(\.line), [5, 6, 9, 11])
        // Not a workflow: not checked.
        XCTAssertTrue(findings(audit(["docs/example.yml": wf]), "actions.unpinned-action").isEmpty)
    }

    func testAllowMarkerSuppressesWorkflowFinding() {
        let wf = "on: push\njobs:\n  b:\n    steps:\n      - uses: org/action@v1 # sdetkit:allow vetted\n"
        XCTAssertTrue(findings(audit([".github/workflows/ci.yml": wf]), "actions.unpinned-action").isEmpty)
    }
}
