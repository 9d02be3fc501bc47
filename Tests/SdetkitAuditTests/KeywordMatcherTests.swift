import XCTest

@testable import SdetkitAudit

final class KeywordMatcherTests: XCTestCase {
    let matcher = KeywordMatcher([("heroku", false, 1), ("SK", true, 2), ("token", false, 4), ("ku", false, 8)])

    func lines(_ text: String) -> [(Int, String, UInt64)] {
        let bytes = Array(text.utf8)
        var out: [(Int, String, UInt64)] = []
        bytes.withUnsafeBufferPointer { buf in
            matcher.scanLines(buf) { start, end, line, mask in
                out.append((line, String(decoding: buf[start..<end], as: UTF8.self), mask))
            }
        }
        return out
    }

    func testLinesNumbersAndMasks() {
        let found = lines("HEROKU=1\nnothing here\n\nask sk SK\nTOKEN heroku\nlast token")
        XCTAssertEqual(found.map(\.0), [1, 4, 5, 6])
        XCTAssertEqual(found.map(\.1), ["HEROKU=1", "ask sk SK", "TOKEN heroku", "last token"])
        XCTAssertEqual(found.map(\.2), [1 | 8, 2, 4 | 1 | 8, 4])
    }

    func testCaseSensitiveKeywordsAndEdges() {
        XCTAssertTrue(lines("ask sk\nSk sK\n").isEmpty)
        XCTAssertEqual(lines("SK").map(\.0), [1])
        XCTAssertEqual(lines("\n\n\nku").map(\.0), [4])
        XCTAssertTrue(lines("").isEmpty)
        XCTAssertTrue(lines("k").isEmpty)
    }

    func testMaskOfWholeBuffer() {
        let bytes = Array("a heroku b\nno".utf8)
        let mask = bytes.withUnsafeBufferPointer { matcher.mask(of: $0) }
        XCTAssertEqual(mask, 1 | 8)
    }

    func testMatchesAgreeWithNaiveSearch() {
        // Every keyword occurrence the naive search finds, the matcher finds on the same line.
        var text = ""
        for i in 0..<300 { text += Gen.string(40, Array("skSKtokenhrTOKENHEROKU \n"), seed: UInt64(i)) }
        let bytes = Array(text.utf8)
        var expected: [Int: UInt64] = [:]
        var line = 1
        let lower = bytes.map { KeywordMatcher.lowerTable[Int($0)] }
        for i in bytes.indices {
            if bytes[i] == 0x0A { line += 1; continue }
            func at(_ s: String, _ cs: Bool) -> Bool {
                let k = Array(s.utf8)
                guard i + k.count <= bytes.count else { return false }
                return cs ? Array(bytes[i..<i + k.count]) == k : Array(lower[i..<i + k.count]) == k
            }
            if at("heroku", false) { expected[line, default: 0] |= 1 }
            if at("SK", true) { expected[line, default: 0] |= 2 }
            if at("token", false) { expected[line, default: 0] |= 4 }
            if at("ku", false) { expected[line, default: 0] |= 8 }
        }
        var actual: [Int: UInt64] = [:]
        for (l, _, m) in lines(text) { actual[l] = m }
        XCTAssertEqual(actual, expected)
        XCTAssertGreaterThan(actual.count, 50)
    }

    /// The list `scripts/bench.sh` gives `git grep` is exactly the scan's pre-filter: each keyword alone on a
    /// line passes the audit's own matcher, and every rule keyword the matcher uses is in the list.
    func testThePrefilterKeywordListIsWhatTheScanMatches() {
        let words = AuditCatalogue.prefilterKeywords
        XCTAssertEqual(words, Array(Set(words)).sorted())
        XCTAssertTrue(words.contains("AKIA") && words.contains("gitleaks:allow") && words.contains("<<<<<<<"))
        let context = ScanContext(profile: .default)
        for word in words {
            let bytes = Array("x\n\(word)\n".utf8)
            let mask = bytes.withUnsafeBufferPointer { context.matcher.mask(of: $0) }
            XCTAssertNotEqual(mask, 0, "'\(word)' is listed but the pre-filter does not match it")
        }
        for rule in SecretRule.all {
            for (keyword, _) in rule.keywords where keyword.utf8.count >= 2 {
                XCTAssertTrue(words.contains(keyword), "\(rule.rule.id)'s keyword '\(keyword)' is missing from the list")
            }
        }
    }
}
