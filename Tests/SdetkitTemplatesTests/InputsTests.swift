import XCTest
import SdetkitCore
@testable import SdetkitTemplates

final class InputsTests: XCTestCase {
    let template = try! TemplateParser.parse(text: """
    metadata: {id: t, title: T}
    inputs:
      path: {default: README.md}
      n: {type: number, default: 2}
      strict: {type: boolean, default: false}
      level: {default: low, enum: [low, high]}
      target: {required: true, description: where to go}
    workflow:
      - id: a
        action: fs.read
    """, file: "t.yaml")

    func resolve(_ sets: [String]) -> Result<[String: JSONValue], TemplateError> {
        do throws(TemplateError) { return .success(try TemplateInputs.resolve(template, sets: sets)) } catch { return .failure(error) }
    }

    func problem(_ sets: [String]) -> String? {
        if case .failure(let e) = resolve(sets) {
            XCTAssertEqual(e.exitStatus, .usage)
            return e.message
        }
        return nil
    }

    func testDefaultsAndTypedValues() throws {
        let v = try resolve(["target=x", "n=2.5", "strict=yes", "level=high", "path=a=b"]).get()
        XCTAssertEqual(v, ["path": "a=b", "n": .number(2.5), "strict": true, "level": "high", "target": "x"])
        let d = try resolve(["target=x"]).get()
        XCTAssertEqual(d["path"], "README.md")
        XCTAssertEqual(d["n"], .number(2))
        XCTAssertEqual(d["strict"], false)
    }

    func testInputErrorsAreExitTwo() {
        XCTAssertTrue(problem(["target=x", "pth=a"])?.contains("has no input 'pth'; did you mean 'path'?") == true)
        XCTAssertTrue(problem([])?.contains("needs input 'target' (where to go)") == true)
        XCTAssertTrue(problem(["target=x", "n=many"])?.contains("must be a number") == true)
        XCTAssertTrue(problem(["target=x", "strict=perhaps"])?.contains("must be a boolean") == true)
        XCTAssertTrue(problem(["target=x", "level=mid"])?.contains("must be one of low, high") == true)
        XCTAssertTrue(problem(["noequals"])?.contains("NAME=VALUE") == true)
    }
}
