import XCTest
@testable import SdetkitCore

final class SHA256ValueTests: XCTestCase {
    /// FIPS 180-2 test vector: SHA-256("abc").
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    func testRoundTripsTheHexOfARealDigest() throws {
        let v = try XCTUnwrap(SHA256Value(hex: abc))
        XCTAssertEqual(v.hex, abc)
        var h = Digest.Hasher()
        h.update(Array("abc".utf8))
        XCTAssertEqual(h.finalizeValue(), v)
        XCTAssertEqual(h.finalizeValue().hex, h.finalizeHex())
        XCTAssertEqual(v.w0, 0xba7816bf8f01cfea)
        XCTAssertEqual(v.w3, 0xb410ff61f20015ad)
    }

    func testRejectsAnythingButSixtyFourLowerCaseHexDigits() {
        XCTAssertNil(SHA256Value(hex: abc.uppercased()))
        XCTAssertNil(SHA256Value(hex: String(abc.dropLast())))
        XCTAssertNil(SHA256Value(hex: abc + "0"))
        XCTAssertNil(SHA256Value(hex: String(abc.dropLast()) + "g"))
        XCTAssertNil(SHA256Value(hex: String(abc.dropLast()) + "/"))
        XCTAssertNil(SHA256Value(hex: ""))
        XCTAssertNotNil(SHA256Value(hex: String(repeating: "0", count: 64)))
        XCTAssertNotNil(SHA256Value(hex: String(repeating: "f", count: 64)))
    }

    func testEqualityUsesEveryWordWhileHashingUsesTheFirst() throws {
        let a = try XCTUnwrap(SHA256Value(hex: abc))
        var b = a
        b.w3 ^= 1
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(Set([a, b]).count, 2)
        XCTAssertEqual([a: 1, b: 2][b], 2)
        XCTAssertTrue(a < b || b < a)
    }
}
