import Foundation
import XCTest
import SdetkitCore

/// `--bom` on the csv outputs (docs/cli.md#csv-for-spreadsheets), and LibreOffice reading such a file.
final class CSVSpreadsheetTests: XCTestCase {
    var repo = ""
    let text = "ünïcødé"
    let formula = "=HYPERLINK(\"http://example.invalid\",\"click\")"

    override func setUpWithError() throws {
        repo = try CLIHarness.makeRepo()
        XCTAssertEqual(try CLIHarness.run(["agent", "init"], in: repo).code, 0)
        // Two runs whose task lands in the csv: non-ASCII text, and a cell a spreadsheet would evaluate.
        XCTAssertEqual(try CLIHarness.run(["agent", "run", "check \(text) notes"], in: repo).code, 0)
        XCTAssertEqual(try CLIHarness.run(["agent", "run", formula], in: repo).code, 0)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: repo) }

    func bytes(_ rel: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: repo + "/" + rel))) }

    func testExportWritesTheMarkOnlyWhenAsked() throws {
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "export", "--format", "csv", "--output", "plain.csv"], in: repo).code, 0)
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "export", "--format", "csv", "--bom", "--output", "bom.csv"], in: repo).code, 0)
        let plain = try bytes("plain.csv"), marked = try bytes("bom.csv")
        XCTAssertEqual(Array(marked.prefix(3)), [0xEF, 0xBB, 0xBF])
        XCTAssertEqual(Array(marked.dropFirst(3)), plain, "the mark is the only difference")
        XCTAssertTrue(String(decoding: plain, as: UTF8.self).hasPrefix("seq,"))
        let stdout = try CLIHarness.run(["agent", "history", "export", "--bom"], in: repo)
        XCTAssertTrue(stdout.out.hasPrefix("\u{FEFF}seq,"), stdout.out.prefix(10).debugDescription)
    }

    func testTheMarkIsRefusedForJSON() throws {
        let r = try CLIHarness.run(["agent", "history", "export", "--format", "json", "--bom"], in: repo)
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.err.contains("--bom is for --format csv"), r.err)
        XCTAssertTrue(r.out.isEmpty)
    }

    func testDashboardCSVGetsTheMarkAndOtherFormatsDoNot() throws {
        let all = try CLIHarness.run(["agent", "dashboard", "build", "--format", "all", "--bom", "--output", "dash"], in: repo)
        XCTAssertEqual(all.code, 0, all.err)
        XCTAssertEqual(Array(try bytes("dash.csv").prefix(3)), [0xEF, 0xBB, 0xBF])
        XCTAssertEqual(try bytes("dash.json").first, UInt8(ascii: "{"))
        let summary = try CLIHarness.run(["agent", "dashboard", "build", "--format", "csv", "--csv-table", "summary", "--bom",
                                          "--output", "summary.csv"], in: repo)
        XCTAssertEqual(summary.code, 0, summary.err)
        XCTAssertEqual(Array(try bytes("summary.csv").prefix(3)), [0xEF, 0xBB, 0xBF])
        XCTAssertEqual(try CLIHarness.run(["agent", "dashboard", "build", "--format", "html", "--bom"], in: repo).code, 2)
    }

    func testTheActionsTakeTheBomParam() throws {
        let r = try CLIHarness.run(["agent", "run", #"action history.export {"format":"csv","output":"h.csv","bom":true}"#, "--json"], in: repo)
        XCTAssertEqual(r.code, 0, r.err + r.out)
        XCTAssertEqual(Array(try bytes(".sdetkit/agent/workdir/h.csv").prefix(3)), [0xEF, 0xBB, 0xBF])
        let bad = try CLIHarness.run(["agent", "run", #"action report.build {"format":"html","bom":true}"#], in: repo)
        XCTAssertEqual(bad.code, 1)
        XCTAssertTrue((bad.out + bad.err).contains("'bom' is for format csv only"), bad.out + bad.err)
    }

    /// LibreOffice (Debian's libreoffice-calc-nogui) converts the marked export to xlsx: the text is intact, the
    /// mark does not leak into the first cell, and no cell is a formula. Skipped where LibreOffice is absent.
    func testLibreOfficeReadsTheMarkedExportIntactWithNoFormula() throws {
        guard let soffice = ["/usr/bin/soffice", "/usr/bin/libreoffice"].first(where: FileSystem.isRegularFile) else {
            throw XCTSkip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
        }
        guard FileSystem.isRegularFile("/usr/bin/python3") else { throw XCTSkip("python3 reads the xlsx") }
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "export", "--bom", "--output", "evidence.csv"], in: repo).code, 0)
        let out = repo + "/xlsx"
        // UTF-8 import (charset 76) as the import dialog picks for a file with the mark; a profile of its own.
        try CLIHarness.shell("""
            '\(soffice)' -env:UserInstallation=file://\(repo)/lo-profile --headless --infilter=CSV:44,34,76 \
              --convert-to xlsx --outdir '\(out)' evidence.csv > lo.log 2>&1
            """, in: repo)
        XCTAssertTrue(FileSystem.isRegularFile(out + "/evidence.xlsx"), (try? String(contentsOfFile: repo + "/lo.log", encoding: .utf8)) ?? "")
        try CLIHarness.shell("""
            python3 - > cells.json <<'PY'
            import json, re, zipfile
            z = zipfile.ZipFile('xlsx/evidence.xlsx')
            strings = [re.sub(r'<[^>]+>', '', s) for s in re.findall(r'<si>(.*?)</si>', z.read('xl/sharedStrings.xml').decode(), re.S)]
            sheet = z.read('xl/worksheets/sheet1.xml').decode()
            print(json.dumps({"strings": strings, "formulas": len(re.findall(r'<f[ >]', sheet))}))
            PY
            """, in: repo)
        let cells = try JSONParser.parse(String(contentsOfFile: repo + "/cells.json", encoding: .utf8))
        let strings = (cells["strings"]?.arrayValue ?? []).compactMap(\.stringValue).map {
            $0.replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")
                .replacingOccurrences(of: "&amp;", with: "&")
        }
        XCTAssertEqual(strings.first, "seq", "the byte-order mark must not become part of the first cell: \(strings.prefix(3))")
        XCTAssertTrue(strings.contains("check \(text) notes"), "\(strings)")
        XCTAssertTrue(strings.contains("'" + formula), "the formula stays text: \(strings)")
        XCTAssertEqual(cells["formulas"]?.intValue, 0)
    }
}
