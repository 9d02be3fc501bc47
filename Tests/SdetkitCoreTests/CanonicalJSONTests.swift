import XCTest
@testable import SdetkitCore

/// RFC 8785 (JSON Canonicalization Scheme) test vectors.
final class CanonicalJSONTests: XCTestCase {
    /// Appendix B: IEEE-754 bit patterns and their canonical text.
    func testRFC8785NumberVectors() {
        let vectors: [(UInt64, String)] = [
            (0x0000000000000000, "0"), (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"), (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"), (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"), (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"), (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"), (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"), (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"), (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"), (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"), (0x43143ff3c1cb0959, "1424953923781206.2"),
        ]
        for (bits, expected) in vectors {
            XCTAssertEqual(CanonicalJSON.formatNumber(Double(bitPattern: bits)), expected, String(bits, radix: 16))
        }
    }

    /// Section 3.2.2: the sample input and its canonical output.
    func testRFC8785SampleObject() throws {
        let input = #"""
        {
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }
        """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        XCTAssertEqual(CanonicalJSON.string(try JSONParser.parse(input)), expected)
    }

    /// Section 3.2.3: member names sort by UTF-16 code units, not by scalar or UTF-8.
    func testRFC8785PropertySorting() throws {
        let input = #"""
        {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
         "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"}
        """#
        let out = CanonicalJSON.string(try JSONParser.parse(input))
        let order = ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign",
                     "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"]
        var last = out.startIndex
        for name in order {
            let r = try XCTUnwrap(out.range(of: name), name)
            XCTAssertGreaterThan(r.lowerBound, last, "\(name) out of order in \(out)")
            last = r.lowerBound
        }
    }

    func testIntegersAndEscapes() {
        XCTAssertEqual(CanonicalJSON.string(["b": 1, "a": [true, .null, "x\u{1}y"]]), #"{"a":[true,null,"x\u0001y"],"b":1}"#)
        XCTAssertEqual(CanonicalJSON.formatNumber(100), "100")
        XCTAssertEqual(CanonicalJSON.formatNumber(-12.5), "-12.5")
        XCTAssertEqual(CanonicalJSON.formatNumber(.nan), "null")
    }

    func testStringEscapesAtEveryPosition() {
        func enc(_ s: String) -> String { CanonicalJSON.string(.string(s)) }
        XCTAssertEqual(enc(""), #""""#)
        XCTAssertEqual(enc("plain"), #""plain""#)
        XCTAssertEqual(enc("\"q\""), #""\"q\"""#)
        XCTAssertEqual(enc("a\\b"), #""a\\b""#)
        XCTAssertEqual(enc("\u{8}\t\n\u{c}\r"), #""\b\t\n\f\r""#)
        XCTAssertEqual(enc("\u{0}x\u{1f}"), #""\u0000x\u001f""#)
        XCTAssertEqual(enc("é€😀\u{7f}/"), "\"é€😀\u{7f}/\"", "non-ASCII, DEL and '/' are not escaped (RFC 8785)")
        XCTAssertEqual(enc("ab\ncd\"ef"), #""ab\ncd\"ef""#)
    }

    func testParserRejectsMalformedInput() {
        for bad in ["{", "[1,]", "{\"a\" 1}", "tru", "\"\u{1}\"", "01", "1.", "{\"a\":1} x"] {
            XCTAssertThrowsError(try JSONParser.parse(bad), bad)
        }
    }

    func testParseRoundTrip() throws {
        let v: JSONValue = ["k": ["nested": [1, 2.5, "s", false, .null]], "emoji": "😀", "nl": "a\nb"]
        XCTAssertEqual(try JSONParser.parse(CanonicalJSON.string(v)), v)
        XCTAssertEqual(try JSONParser.parse(v.prettyPrinted()), v)
    }
}
