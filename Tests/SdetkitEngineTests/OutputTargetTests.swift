import XCTest
import SdetkitCore
@testable import SdetkitEngine

final class OutputTargetTests: XCTestCase {
    let dir = ".sdetkit/agent/template-runs/t"

    func path(_ name: String, _ outputDir: String? = ".sdetkit/agent/template-runs/t") -> String? {
        if case .success(let p) = OutputTarget.path(name, param: "output", outputDir: outputDir, action: "a") { return p }
        return nil
    }

    func testNamesAndPathsStayInsideTheOutputDirectory() {
        XCTAssertEqual(path("a.json"), dir + "/a.json")
        XCTAssertEqual(path("sub/a.json"), dir + "/sub/a.json")
        XCTAssertEqual(path(dir + "/a.json"), dir + "/a.json", "the Python form ${{run.output_dir}}/NAME, after interpolation")
        XCTAssertEqual(path("./a.json"), dir + "/a.json")
        XCTAssertEqual(path("a.json", nil), StateLayout.relWorkdir + "/a.json")
        XCTAssertEqual(path(StateLayout.relWorkdir + "/dashboard.html", nil), StateLayout.relWorkdir + "/dashboard.html")
        XCTAssertEqual(path("docs/x.md"), dir + "/docs/x.md", "another repository path is put inside the output directory")
        for bad in ["", "/etc/passwd", "../x", "a/../../x", dir, "a\u{0}b"] { XCTAssertNil(path(bad), bad) }
    }

    func testRunOutputDirExpressions() {
        XCTAssertEqual(OutputTarget.stripRunOutputDir("${{run.output_dir}}/a.json"), "a.json")
        XCTAssertEqual(OutputTarget.stripRunOutputDir("${{ run.output_dir }}/a.json"), "a.json")
        XCTAssertEqual(OutputTarget.stripRunOutputDir("${{run.output_dir}}"), "")
        XCTAssertNil(OutputTarget.stripRunOutputDir("${{inputs.x}}/a.json"))
        XCTAssertNil(OutputTarget.stripRunOutputDir("${{run.output_dir}}x"))
        XCTAssertTrue(ActionIsolation.isRunOutputPath(.string("${{run.output_dir}}/a.json")))
        XCTAssertFalse(ActionIsolation.isRunOutputPath(.string("${{run.output_dir}}/../a.json")))
        XCTAssertFalse(ActionIsolation.isRunOutputPath(.string("${{run.output_dir}}/${{inputs.name}}")))
        XCTAssertFalse(ActionIsolation.isRunOutputPath(.string("a.json")), "fs.write paths are repo-relative")
        XCTAssertTrue(ActionIsolation.isOutputName(.string("a.json")))
        XCTAssertTrue(ActionIsolation.isOutputName(.string("${{run.output_dir}}/a.json")))
    }
}
