import XCTest

@testable import SdetkitAudit

/// One positive and one negative workflow per GitHub Actions audit.
final class WorkflowRuleTests: XCTestCase {
    let sha = String(repeating: "a", count: 40)

    func lines(_ wf: String, _ rule: String, profile: AuditProfile = .default) -> [Int?] {
        findings(audit([".github/workflows/w.yml": wf], profile: profile), rule).map(\.line)
    }

    func testPullRequestTargetHeadCheckoutInFlowStyle() {
        let wf = "on: pull_request_target\npermissions: {}\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n"
            + "      - {uses: actions/checkout@v4, with: {ref: '${{ github.event.pull_request.head.sha }}'}}\n"
        XCTAssertEqual(lines(wf, "actions.pr-target-untrusted-checkout"), [7])
        XCTAssertEqual(lines(wf.replacingOccurrences(of: "head.sha", with: "base.sha"), "actions.pr-target-untrusted-checkout"), [])
    }

    func testWorkflowRunCheckout() {
        let wf = "on:\n  workflow_run:\n    workflows: [ci]\npermissions: {}\njobs:\n  b:\n    runs-on: ubuntu-latest\n"
            + "    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.workflow_run.head_sha }}\n"
        XCTAssertEqual(lines(wf, "actions.dangerous-triggers"), [11])
        XCTAssertEqual(lines(wf.replacingOccurrences(of: "workflow_run:\n    workflows: [ci]", with: "push:"), "actions.dangerous-triggers"), [])
    }

    func testTemplateInjection() {
        let wf = "on: issues\npermissions: {}\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n"
            + "          echo hi\n          echo \"${{ github.event.issue.title }}\"\n"
            + "      - uses: actions/github-script@v7\n        with:\n          script: console.log('${{ github.event.comment.body }}')\n"
        XCTAssertEqual(lines(wf, "actions.template-injection"), [9, 12])
        let safe = "on: issues\npermissions: {}\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n"
            + "      - env:\n          TITLE: ${{ github.event.issue.title }}\n        run: echo \"$TITLE ${{ github.sha }}\"\n"
        XCTAssertEqual(lines(safe, "actions.template-injection"), [])
    }

    func testExcessivePermissions() {
        let noTop = "on: push\njobs:\n  a:\n    runs-on: x\n    permissions:\n      contents: write\n    steps: []\n"
            + "  b:\n    runs-on: x\n    steps: []\n"
        XCTAssertEqual(lines(noTop, "actions.excessive-permissions"), [8])
        let none = "on: push\njobs:\n  a:\n    runs-on: x\n    steps: []\n"
        XCTAssertEqual(lines(none, "actions.excessive-permissions"), [2])
        let topWrite = "on: push\npermissions:\n  contents: write\njobs:\n  a:\n    runs-on: x\n  b:\n    runs-on: x\n"
        XCTAssertEqual(lines(topWrite, "actions.excessive-permissions"), [2])
        let jobWriteAll = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    permissions: write-all\n"
        XCTAssertEqual(lines(jobWriteAll, "actions.write-all-permissions"), [6])
        let good = "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    permissions:\n"
            + "      contents: write\n  b:\n    runs-on: x\n"
        XCTAssertEqual(lines(good, "actions.excessive-permissions"), [])
        XCTAssertEqual(lines(good, "actions.write-all-permissions"), [])
    }

    func testUnpinnedUsesInFlowStyleAndReusableWorkflows() {
        let wf = "on: push\npermissions: {}\njobs:\n  a:\n    uses: org/repo/.github/workflows/r.yml@main\n  b:\n"
            + "    runs-on: x\n    steps: [{uses: actions/checkout@v4}, {uses: org/act@v1}, {uses: org/ok@\(sha)}]\n"
        XCTAssertEqual(lines(wf, "actions.unpinned-action"), [5, 8])
        XCTAssertEqual(lines(wf, "actions.unpinned-action", profile: .enterprise), [5, 8, 8])
    }

    func testUnpinnedImages() {
        let wf = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    container: node:20\n    services:\n"
            + "      db:\n        image: postgres@sha256:\(String(repeating: "b", count: 64))\n      cache:\n        image: redis\n"
        XCTAssertEqual(lines(wf, "actions.unpinned-images"), [6, 11])
        let pinned = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    container:\n"
            + "      image: node@sha256:\(String(repeating: "c", count: 64))\n"
        XCTAssertEqual(lines(pinned, "actions.unpinned-images"), [])
    }

    func testArtipacked() {
        let wf = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n"
            + "      - uses: actions/upload-artifact@v4\n        with: {path: .}\n"
        XCTAssertEqual(lines(wf, "actions.artipacked"), [7])
        let safe = wf.replacingOccurrences(of: "checkout@v4\n", with: "checkout@v4\n        with: {persist-credentials: false}\n")
        XCTAssertEqual(lines(safe, "actions.artipacked"), [])
    }

    func testSecretsInheritAndSelfHosted() {
        let wf = "on: pull_request\npermissions: {}\njobs:\n  a:\n    uses: ./.github/workflows/r.yml\n    secrets: inherit\n"
            + "  b:\n    runs-on: [self-hosted, linux]\n"
        XCTAssertEqual(lines(wf, "actions.secrets-inherit"), [6])
        XCTAssertEqual(lines(wf, "actions.self-hosted-runner"), [8])
        let clean = "on: pull_request\npermissions: {}\njobs:\n  a:\n    uses: ./.github/workflows/r.yml\n"
            + "    secrets: {token: '${{ secrets.T }}'}\n  b:\n    runs-on: ubuntu-latest\n"
        XCTAssertEqual(lines(clean, "actions.secrets-inherit"), [])
        XCTAssertEqual(lines(clean, "actions.self-hosted-runner"), [])
    }

    func testGithubEnvAndInsecureCommands() {
        let wf = "on: pull_request_target\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    env:\n"
            + "      ACTIONS_ALLOW_UNSECURE_COMMANDS: true\n    steps:\n      - run: echo \"X=1\" >> $GITHUB_ENV\n"
        XCTAssertEqual(lines(wf, "actions.github-env"), [9])
        XCTAssertEqual(lines(wf, "actions.insecure-commands"), [7])
        let safe = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo \"X=1\" >> $GITHUB_ENV\n"
        XCTAssertEqual(lines(safe, "actions.github-env"), [])
        XCTAssertEqual(lines(safe, "actions.insecure-commands"), [])
    }

    func testCachePoisoningAndOverprovisionedSecrets() {
        let wf = "on:\n  push:\n    tags: ['v*']\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n"
            + "      - uses: actions/setup-node@v4\n        with: {cache: npm}\n"
            + "      - run: echo '${{ toJSON(secrets) }}' > s.json\n"
        XCTAssertEqual(lines(wf, "actions.cache-poisoning"), [9])
        XCTAssertEqual(lines(wf, "actions.overprovisioned-secrets"), [11])
        let ci = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n"
            + "      - uses: actions/setup-node@v4\n        with: {cache: npm}\n      - run: echo ${{ secrets.ONE }}\n"
        XCTAssertEqual(lines(ci, "actions.cache-poisoning"), [])
        XCTAssertEqual(lines(ci, "actions.overprovisioned-secrets"), [])
    }

    func testYamlBombAndOversizedWorkflowGetAnInfoFinding() {
        var bomb = "on: push\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var prev = "a"
        for n in ["b", "c", "d", "e", "f", "g"] {
            bomb += "\(n): &\(n) [" + Array(repeating: "*\(prev)", count: 10).joined(separator: ", ") + "]\n"
            prev = n
        }
        bomb += "jobs: {}\n"
        let r = audit([".github/workflows/bomb.yml": bomb])
        XCTAssertEqual(findings(r, "actions.workflow-not-analysed").first?.severity, .info)
        XCTAssertTrue(findings(r, "actions.workflow-not-analysed").first?.message.contains("aliases") ?? false)
        let big = "on: push\n" + String(repeating: "# padding\n", count: 60_000)
        XCTAssertEqual(findings(audit([".github/workflows/big.yml": big]), "actions.workflow-not-analysed").count, 1)
        XCTAssertEqual(findings(audit([".github/workflows/ok.yml": "on: push\npermissions: {}\njobs: {}\n"]),
                                "actions.workflow-not-analysed").count, 0)
    }
}
