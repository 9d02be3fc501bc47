import XCTest
@testable import SdetkitServe

/// The intent parser's ASCII fast path gives exactly the words of the general (Unicode) path.
final class IntentWordsTests: XCTestCase {
    func testASCIIWordsEqualTheUnicodePathOnRandomText() {
        let alphabet = Array("aZ09 _-.\t\n\r\u{0B}\u{0C}<>@/,!?runTEMPLATEhelp".utf8)
        var state: UInt64 = 0x5DE7_0000_0000_0001
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for i in 0..<20_000 {
            let n = Int(next() % 40)
            let bytes = (0..<n).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertEqual(IntentParser.words(text), IntentParser.unicodeWords(text), "input #\(i): \(text.debugDescription)")
        }
        XCTAssertEqual(IntentParser.words("<@U1> /Run@bot  TEMPLATE x!"), ["run", "template", "x"])
        XCTAssertEqual(IntentParser.words("Запусти шаблон X"), ["запусти", "шаблон", "x"], "non-ASCII text takes the Unicode path")
    }
}

/// Telegram updates that arrive in one batch are decided in update-id order per chat.
final class UpdateOrderTests: XCTestCase {
    func event(_ id: String, _ source: ChannelKind, update: String?, chat: Int) -> StoredEvent {
        StoredEvent(eventID: id, source: source, channel: source.rawValue, userID: "u", externalID: update, text: "help",
                    state: .accepted, receivedAt: "", requestID: "r", runID: nil, replyTo: ["chat_id": .number(Double(chat))])
    }

    func testEachChatsUpdatesAreSortedInTheirOwnPlaces() {
        let batch = [
            event("a", .telegram, update: "12", chat: 1), event("b", .generic, update: "k", chat: 0),
            event("c", .telegram, update: "30", chat: 2), event("d", .telegram, update: "10", chat: 1),
            event("e", .telegram, update: "11", chat: 1), event("f", .telegram, update: "29", chat: 2),
        ]
        XCTAssertEqual(EventProcessor.inUpdateOrder(batch).map(\.eventID), ["d", "b", "f", "e", "a", "c"])
        XCTAssertEqual(EventProcessor.inUpdateOrder(Array(batch.prefix(2))).map(\.eventID), ["a", "b"])
    }
}
