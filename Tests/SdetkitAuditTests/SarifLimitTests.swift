import SdetkitCore
import XCTest

@testable import SdetkitAudit

final class SarifLimitTests: XCTestCase {
    func testResultsAreCappedMostSevereFirstWithANotification() {
        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 5_001)
        let lt = String(repeating: "<", count: 7)
        var text = ""
        for i in 0..<30 { text += (i % 3 == 0 ? "t\(i)='\(ghp)'" : "\(lt) m\(i)") + "\n" }
        let r = audit(["a.txt": text])
        let all = r.findings.count
        let sarif = r.sarif(limit: 12)
        let run = sarif["runs"]?.arrayValue?.first
        let results = run?["results"]?.arrayValue ?? []
        XCTAssertEqual(results.count, 12)
        XCTAssertEqual(results.first?["ruleId"], "secrets.github-token", "the most severe are kept")
        let note = run?["invocations"]?.arrayValue?.first?["toolExecutionNotifications"]?.arrayValue?.first
        XCTAssertTrue(note?["message"]?["text"]?.stringValue?.hasPrefix("\(all - 12) of \(all) results left out") ?? false)
        XCTAssertNil(r.sarif()["runs"]?.arrayValue?.first?["invocations"], "no notification under the cap")
        XCTAssertEqual(AuditReport.sarifResultLimit, 25_000)
    }

    func testAutomationDetailsAndRepositoryLevelLocationsExist() {
        let r = audit(["README.md": "# x\n", "src/a.c": "int x;\n"], governance: false)
        let run = r.sarif()["runs"]?.arrayValue?.first
        XCTAssertEqual(run?["automationDetails"]?["id"], "sdetkit-audit/default/")
        let license = run?["results"]?.arrayValue?.first { $0["ruleId"] == "governance.missing-license" }
        let loc = license?["locations"]?.arrayValue?.first?["physicalLocation"]
        XCTAssertEqual(loc?["artifactLocation"]?["uri"], "README.md", "a file that exists")
        XCTAssertNil(loc?["region"])
        // Nothing tracked: no location at all rather than a made-up one.
        let empty = audit([:], governance: false).sarif()["runs"]?.arrayValue?.first?["results"]?.arrayValue?.first
        XCTAssertNil(empty?["locations"])
    }

    func testTarMemberResultPointsAtTheArchive() {
        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 5_002)
        let tar = StreamingTests.tar([("etc/app.env", Array("T=\(ghp)\n".utf8))])
        var files = completeGovernance.mapValues { Array($0.utf8) }
        files["dist/b.tar"] = tar
        let r = Auditor.run(AuditInput.inMemory(files), profile: .default)
        let result = r.sarif()["runs"]?.arrayValue?.first?["results"]?.arrayValue?.first { $0["ruleId"] == "secrets.github-token" }
        XCTAssertEqual(result?["locations"]?.arrayValue?.first?["physicalLocation"]?["artifactLocation"]?["uri"], "dist/b.tar")
        XCTAssertTrue(result?["message"]?["text"]?.stringValue?.hasPrefix("etc/app.env: ") ?? false)
    }
}
