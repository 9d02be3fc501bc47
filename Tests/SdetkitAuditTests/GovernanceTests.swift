import XCTest

@testable import SdetkitAudit

final class GovernanceTests: XCTestCase {
    let defaultRules = ["governance.missing-ci", "governance.missing-gitignore", "governance.missing-license",
                        "governance.missing-readme", "governance.missing-security-policy"]
    let enterpriseOnly = ["governance.missing-changelog", "governance.missing-code-of-conduct",
                          "governance.missing-codeowners", "governance.missing-contributing",
                          "governance.missing-issue-template", "governance.missing-pr-template"]

    func governance(_ report: AuditReport) -> [String] {
        report.findings.filter { $0.ruleID.hasPrefix("governance.") }.map(\.ruleID).sorted()
    }

    func testEmptyRepositoryMissesEverythingPerProfile() {
        let d = audit(["src/main.c": "int main(){}\n"], profile: .default, governance: false)
        XCTAssertEqual(governance(d), defaultRules)
        let e = audit(["src/main.c": "int main(){}\n"], profile: .enterprise, governance: false)
        XCTAssertEqual(governance(e), (defaultRules + enterpriseOnly).sorted())
        for f in d.findings where f.ruleID.hasPrefix("governance.") {
            XCTAssertNil(f.path)
            XCTAssertNil(f.line)
            XCTAssertEqual(f.json["path"], ".")
            XCTAssertEqual(f.json["line"], .null)
        }
    }

    func testCompleteRepositoryHasNoGovernanceFindings() {
        XCTAssertEqual(governance(audit([:], profile: .enterprise)), [])
        XCTAssertEqual(governance(audit([:], profile: .default)), [])
    }

    func testEnterpriseRaisesSeverities() {
        let d = audit([:], profile: .default, governance: false)
        let e = audit([:], profile: .enterprise, governance: false)
        XCTAssertEqual(findings(d, "governance.missing-security-policy").first?.severity, .medium)
        XCTAssertEqual(findings(e, "governance.missing-security-policy").first?.severity, .high)
        XCTAssertEqual(findings(d, "governance.missing-license").first?.severity, .high)
        XCTAssertEqual(findings(e, "governance.missing-ci").first?.severity, .high)
    }

    func testFilesAreMatchedCaseInsensitivelyWithAnyExtensionInRootDocsAndGithub() {
        let files = [
            "readme.rst": "x", "docs/Security.MD": "x", "LICENSE-MIT": "x", ".gitignore": "x",
            ".gitlab-ci.yml": "x", ".github/contributing.md": "x", "docs/CODE-OF-CONDUCT.txt": "x",
            "docs/CODEOWNERS": "x", "HISTORY.md": "x", ".github/ISSUE_TEMPLATE.md": "x",
            ".github/PULL_REQUEST_TEMPLATE/feature.md": "x",
        ]
        XCTAssertEqual(governance(audit(files, profile: .enterprise, governance: false)), [])
    }

    func testFilesElsewhereDoNotCount() {
        let files = ["src/README.md": "x", "vendor/lib/LICENSE": "x", "src/.gitignore": "x",
                     "docs/ci/.gitlab-ci.yml": "x", "READMEX.md": "x"]
        let found = governance(audit(files, profile: .default, governance: false))
        XCTAssertEqual(found, defaultRules)
    }

    func testEachCIConfigurationIsAccepted() {
        for ci in [".github/workflows/build.yaml", ".circleci/config.yml", "Jenkinsfile", "azure-pipelines.yml",
                   ".travis.yml", "bitbucket-pipelines.yml"] {
            let r = audit([ci: "x"], profile: .default, governance: false)
            XCTAssertTrue(findings(r, "governance.missing-ci").isEmpty, ci)
        }
    }

    func testChangedSinceStillChecksGovernanceOnAllFiles() {
        var files = completeGovernance
        files["LICENSE"] = nil
        files["src/a.txt"] = "hello\n"
        let input = AuditInput.inMemory(text: files, onlyPaths: ["src/a.txt"])
        let report = Auditor.run(input, profile: .default)
        XCTAssertEqual(governance(report), ["governance.missing-license"])
    }

    /// Code scanning needs a location that exists: a missing file's finding points at a tracked file (the
    /// README here), never at the missing file; the message names the expected place.
    func testSarifLocationOfMissingFileExists() {
        let report = audit(["README.md": "# x\n"], profile: .default, governance: false)
        let results = report.sarif()["runs"]?.arrayValue?.first?["results"]?.arrayValue ?? []
        let license = results.first { $0["ruleId"]?.stringValue == "governance.missing-license" }
        let loc = license?["locations"]?.arrayValue?.first?["physicalLocation"]
        XCTAssertEqual(loc?["artifactLocation"]?["uri"], "README.md")
        XCTAssertNil(loc?["region"])
        XCTAssertTrue(license?["message"]?["text"]?.stringValue?.contains("expected LICENSE") ?? false)
    }
}
