import XCTest
import SdetkitCore
@testable import SdetkitTemplates

final class InterpolationTests: XCTestCase {
    func scope() -> InterpolationScope {
        var s = InterpolationScope(inputs: ["path": "a b.md", "n": .number(3), "x": .number(0.5), "flag": .bool(false), "none": .null],
                                   outputDir: ".sdetkit/agent/template-runs/t")
        s.stepOutputs["read"] = ["sha256": "abc", "count": .number(2), "nested": ["k": "v"], "list": ["x", 1]]
        return s
    }

    func render(_ s: String) -> String? {
        if case .success(let v) = Interpolation.render(s, in: scope()) { return v }
        return nil
    }

    func testValuesBecomeText() {
        XCTAssertEqual(render("cat ${{ inputs.path }}"), "cat a b.md")
        XCTAssertEqual(render("${{inputs.n}}/${{ inputs.x }}/${{ inputs.flag }}/[${{ inputs.none }}]"), "3/0.5/false/[]")
        XCTAssertEqual(render("${{ run.output_dir }}/x.json"), ".sdetkit/agent/template-runs/t/x.json")
        XCTAssertEqual(render("${{ steps.read.outputs.sha256 }}-${{ steps.read.outputs.count }}"), "abc-2")
        XCTAssertEqual(render("${{ steps.read.outputs.nested.k }} ${{ steps.read.outputs.list.0 }}"), "v x")
        XCTAssertEqual(render("${{ steps.read.outputs.list }}"), "[\"x\",1]")
        XCTAssertEqual(render("no references"), "no references")
    }

    func testMissingOutputsFailStrictlyAndRenderEmptyLeniently() {
        guard case .failure(let p) = Interpolation.render("${{ steps.read.outputs.nope }}", in: scope()) else {
            return XCTFail("a missing output of a step that ran must fail")
        }
        XCTAssertTrue(p.reason.contains("has no output 'nope'") && p.reason.contains("sha256"), p.reason)
        var lenient = scope()
        lenient.lenient = true
        XCTAssertEqual(try Interpolation.render("[${{ steps.read.outputs.nope }}]", in: lenient).get(), "[]")
        XCTAssertEqual(render("[${{ steps.skipped.outputs.path }}]"), "[]", "a step that did not run renders empty")
    }

    func testSubstitutedTextIsNotInterpolatedAgain() {
        var s = scope()
        s.inputs["evil"] = "${{ inputs.path }}"
        XCTAssertEqual(try Interpolation.render("x ${{ inputs.evil }}", in: s).get(), "x ${{ inputs.path }}")
    }

    func testSyntaxErrors() {
        for bad in ["${{ inputs.path", "${{ }}", "${{ inputs.a b }}", "${{ inputs }}", "${{ steps.a.path }}", "${{ inputs.a || 'x' }}"] {
            guard case .failure = Interpolation.references(in: bad) else { return XCTFail("\(bad) should not parse") }
        }
        XCTAssertEqual(try Interpolation.references(in: "${{ inputs.a }}${{steps.s.outputs.k.j}}").get(),
                       [.input("a"), .stepOutput(step: "s", path: ["k", "j"])])
    }

    func testFalsyWhen() {
        for f in ["", " ", "false", "False", "FALSE", "0"] { XCTAssertTrue(Interpolation.isFalsy(f), f) }
        for t in ["true", "1", "no-op", "00", "yes"] { XCTAssertFalse(Interpolation.isFalsy(t), t) }
    }
}
