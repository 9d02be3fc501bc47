import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SdetkitCore
import XCTest
@testable import SdetkitServe

/// A deterministic mutation fuzzer over the channels' request parsers: ≥ 100,000 inputs derived from valid generic,
/// Slack (JSON and form) and Telegram bodies by byte flips, insertions, deletions, splices, structural tokens and
/// nesting bombs. Every input must give a typed request or a 4xx `Problem` with a one-line detail — never a crash,
/// another error type, or a result that breaks the parser's own bounds. `SDETKIT_FUZZ_SEED` and
/// `SDETKIT_FUZZ_ITERATIONS` replay or lengthen a run; a failure prints the seed, the index and the input.
final class ParserPropertyTests: XCTestCase {
    static let seeds: [String] = [
        #"{"channel":"ci","user_id":"u1","text":"status","metadata":{"sha":"abc","n":[1,2.5,-3e2,true,null]}}"#,
        #"{"channel":"deploy-bot","user_id":"U042","text":"run template repo-health-audit"}"#,
        #"{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","token":"x"}"#,
        #"{"type":"event_callback","event_id":"Ev1","team_id":"T1","event":{"type":"message","user":"U1","channel":"C1","text":"аудит","ts":"1.2"}}"#,
        #"{"type":"event_callback","event_id":"Ev2","event":{"type":"app_mention","user":"U2","channel":"C2","text":"<@B> history 3","thread_ts":"9.9"}}"#,
        #"{"type":"event_callback","event_id":"Ev3","event":{"type":"message","bot_id":"B1","subtype":"bot_message","text":"x"}}"#,
        #"{"update_id":10,"message":{"message_id":5,"from":{"id":42,"is_bot":false},"chat":{"id":-100123,"type":"group"},"text":"статус"}}"#,
        #"{"update_id":11,"edited_message":{"message_id":6,"chat":{"id":"@chan"},"caption":"dashboard"}}"#,
        #"{"update_id":12,"callback_query":{"id":"q","from":{"id":7},"data":"approve run_1","message":{"message_id":1,"chat":{"id":7}}}}"#,
        #"{"update_id":13,"my_chat_member":{"chat":{"id":1}},"message":"not an object"}"#,
        "command=%2Fsdetkit&text=run+template+x&user_id=U1&channel_id=C1&trigger_id=13345224609.738474920.8088930838d88f008e0",
        "token=t&team_id=T1&command=%2Fsdetkit&text=%D0%B8%D1%81%D1%82%D0%BE%D1%80%D0%B8%D1%8F+5&user_id=U2&channel_id=D1",
        "ssl_check=1&token=x",
    ]

    /// Fragments that steer mutations toward the parsers' edges.
    static let tokens: [String] = [
        "{", "}", "[", "]", "\"", ",", ":", "\\", "\\u", "\\uD800", "\\uDFFF", "\\u0000", "\\\"", "null", "true", "-0", "1e999999",
        "-1e-999999", "123456789012345678901234567890", "0.0000000000000000001", "\u{0}", "\u{7F}", "\u{FEFF}", "\u{1F600}", "é",
        "%", "%zz", "%F0%9F", "%00", "&", "=", "+", "&text=", "&user_id=", "\"update_id\":", "\"type\":\"event_callback\"",
        "\"event\":", "\"message\":", "\"chat\":{\"id\":", "{\"a\":", "[[[[", "]]]]", String(repeating: "a", count: 20_000),
        String(repeating: "[", count: 40), String(repeating: "{\"a\":", count: 40),
    ]

    func testParsersSurviveAHundredThousandMutatedInputs() throws {
        let env = ProcessInfo.processInfo.environment
        let seed = env["SDETKIT_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5DE7_C1D5_EED5_0001
        let iterations = env["SDETKIT_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 100_000
        var rng = SplitMix64(seed: seed)
        let parsers = RequestParsers(limits: JSONLimits(maxDepth: 32, maxStringBytes: 16_384), maxTextBytes: 4_096)
        let intents = IntentParser()
        let seedBytes = Self.seeds.map { Array($0.utf8) }
        var outcomes = Outcomes()
        for i in 0..<iterations {
            let input = Self.mutate(seedBytes[Int(rng.next() % UInt64(seedBytes.count))], rng: &rng, pool: seedBytes)
            let where_ = "seed \(seed) input #\(i): \(String(decoding: input.prefix(300), as: UTF8.self).debugDescription)"
            outcomes.record(try Self.check(where_) { try parsers.generic(input, dedupeKey: nil, requestID: "r") }) { e in
                XCTAssertTrue(e.channel.utf8.allSatisfy(ChannelNames.allowed) && (1...64).contains(e.channel.utf8.count), where_)
                XCTAssertLessThanOrEqual(e.text.utf8.count, 4_096, where_)
                _ = intents.parse(e.text)
            }
            outcomes.record(try Self.check(where_) { try parsers.slackEnvelope(input, requestID: "r") }) { env in
                if case .event(let e) = env {
                    XCTAssertLessThanOrEqual(e.text.utf8.count, 4_096, where_)
                    if e.state == .accepted { XCTAssertFalse(e.userID.isEmpty || e.userID.utf8.count > 255, where_) }
                    _ = intents.parse(e.text)
                }
            }
            outcomes.record(try Self.check(where_) { try parsers.slackSlashCommand(input) }) { cmd in
                if let cmd {
                    XCTAssertFalse((cmd.user_id ?? "").isEmpty, where_)
                    _ = intents.parse(cmd.text ?? "")
                }
            }
            outcomes.record(try Self.check(where_) { try parsers.telegram(input, requestID: "r") }) { e in
                XCTAssertNotNil(Int(e.externalID ?? ""), "the update_id is the dedupe key: " + where_)
                XCTAssertLessThanOrEqual(e.text.utf8.count, 4_096, where_)
                if e.state == .accepted { XCTAssertFalse(e.userID.isEmpty, where_) }
                _ = intents.parse(e.text)
            }
            _ = intents.parse(String(decoding: input, as: UTF8.self))
        }
        // The mutator must reach both sides of every parser, or the run proves little.
        XCTAssertGreaterThan(outcomes.accepted, iterations / 50, "too few inputs parsed: the mutations are too destructive")
        XCTAssertGreaterThan(outcomes.refused, iterations, "too few inputs refused: the mutations are too gentle")
    }

    func testNestingAndSizeBombsAreRefusedWithoutRecursionOrBlowUp() throws {
        let parsers = RequestParsers(limits: JSONLimits(maxDepth: 32, maxStringBytes: 16_384), maxTextBytes: 4_096)
        let bombs: [[UInt8]] = [
            Array(String(repeating: "[", count: 1_000_000).utf8),
            Array((String(repeating: "{\"a\":", count: 200_000) + "1" + String(repeating: "}", count: 200_000)).utf8),
            Array(("{\"channel\":\"ci\",\"user_id\":\"u\",\"text\":\"" + String(repeating: "x", count: 100_000) + "\"}").utf8),
            Array(("{\"update_id\":1,\"message\":{\"text\":\"" + String(repeating: "\\u0041", count: 20_000) + "\"}}").utf8),
        ]
        for bomb in bombs {
            for parse in [{ _ = try parsers.generic(bomb, dedupeKey: nil, requestID: "r") },
                          { _ = try parsers.slackEnvelope(bomb, requestID: "r") },
                          { _ = try parsers.telegram(bomb, requestID: "r") }] as [() throws -> Void] {
                XCTAssertThrowsError(try parse()) { e in
                    XCTAssertEqual((e as? Problem)?.status.code, 400, "\(e)")
                }
            }
        }
        // Text within the JSON limits but over the kept length is cut on a character boundary, not refused.
        let long = "{\"update_id\":1,\"message\":{\"chat\":{\"id\":1},\"from\":{\"id\":2},\"text\":\"" + String(repeating: "я", count: 3_000) + "\"}}"
        let e = try parsers.telegram(Array(long.utf8), requestID: "r")
        XCTAssertEqual(e.text.utf8.count, 4_096)
        XCTAssertTrue(e.text.allSatisfy { $0 == "я" })
    }

    /// Mutated requests through the real routes and handlers, with valid authentication so the parsers are reached:
    /// every answer is below 500, and every 4xx is problem+json.
    func testMutatedRequestsThroughTheRoutesNeverGiveAServerError() async throws {
        let fx = try ServeFixture()
        let count = ProcessInfo.processInfo.environment["SDETKIT_FUZZ_HTTP_ITERATIONS"].flatMap { Int($0) } ?? 5_000
        try await fx.test { client in
            var rng = SplitMix64(seed: 0xF00D)
            let seedBytes = Self.seeds.map { Array($0.utf8) }
            for i in 0..<count {
                let input = Self.mutate(seedBytes[Int(rng.next() % UInt64(seedBytes.count))], rng: &rng, pool: seedBytes)
                let (uri, headers) = Self.request(for: i % 4, body: input)
                try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: input)) { r in
                    let what = "\(uri) #\(i) \(String(decoding: input.prefix(200), as: UTF8.self).debugDescription) → \(r.status)"
                    XCTAssertLessThan(r.status.code, 500, what)
                    if r.status.code >= 400 {
                        XCTAssertEqual(r.headers[.contentType], "application/problem+json", what)
                        XCTAssertNotNil(ServeFixture.json(r)["detail"]?.stringValue, what)
                    }
                }
            }
        }
    }

    // MARK: Machinery

    static func request(for kind: Int, body: [UInt8]) -> (String, HTTPFields) {
        switch kind {
        case 0:
            return ("/webhook/generic", ServeFixture.bearer([.init("Idempotency-Key")!: "k\(body.count)"]))
        case 1, 2:
            let ts = String(ServeFixture.now)
            let sig = Signatures.slackSignature(secret: Array(ServeFixture.slackSecret.utf8), timestamp: ts, body: body)
            return ("/webhook/slack", [.contentType: kind == 1 ? "application/json" : "application/x-www-form-urlencoded",
                                       .init("X-Slack-Request-Timestamp")!: ts, .init("X-Slack-Signature")!: sig])
        default:
            return ("/webhook/telegram", [.contentType: "application/json",
                                          .init("X-Telegram-Bot-Api-Secret-Token")!: ServeFixture.telegramSecret])
        }
    }

    /// Runs one parse: a value, or a `Problem` that is a 4xx with a one-line detail. Anything else fails the test.
    static func check<T>(_ where_: String, _ parse: () throws -> T) throws -> T? {
        do {
            return try parse()
        } catch let p as Problem {
            XCTAssertTrue((400..<500).contains(p.status.code), "\(where_): \(p)")
            XCTAssertFalse(p.detail.contains("\n") || p.detail.contains("\r"), "\(where_): multi-line detail")
            return nil
        } catch {
            XCTFail("\(where_): a parser threw \(type(of: error)) instead of a Problem: \(error)")
            return nil
        }
    }

    static func mutate(_ seed: [UInt8], rng: inout SplitMix64, pool: [[UInt8]]) -> [UInt8] {
        var b = seed
        let rounds = 1 + Int(rng.next() % 4)
        for _ in 0..<rounds {
            let at = b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count + 1))
            switch rng.next() % 8 {
            case 0 where !b.isEmpty:  // flip a bit
                let j = min(at, b.count - 1)
                b[j] ^= UInt8(1 << (rng.next() % 8))
            case 1:  // insert a random byte
                b.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
            case 2 where !b.isEmpty:  // delete a range
                let n = min(b.count - min(at, b.count), 1 + Int(rng.next() % 16))
                b.removeSubrange(min(at, b.count)..<min(at, b.count) + n)
            case 3:  // insert a structural token
                b.insert(contentsOf: Array(tokens[Int(rng.next() % UInt64(tokens.count))].utf8), at: at)
            case 4 where !b.isEmpty:  // duplicate a range
                let n = min(b.count - min(at, b.count - 1), 1 + Int(rng.next() % 64))
                let s = min(at, b.count - 1)
                b.insert(contentsOf: b[s..<s + n], at: s)
            case 5:  // splice with another seed
                let other = pool[Int(rng.next() % UInt64(pool.count))]
                let cut = Int(rng.next() % UInt64(other.count))
                b = Array(b.prefix(at)) + other.suffix(from: cut)
            case 6 where !b.isEmpty:  // truncate
                b = Array(b.prefix(at))
            default:  // replace a byte with a boundary value
                if !b.isEmpty { b[min(at, b.count - 1)] = [0x00, 0x22, 0x5C, 0x7F, 0x80, 0xC0, 0xED, 0xFF][Int(rng.next() % 8)] }
            }
        }
        return b
    }
}

/// Counts parse outcomes, and runs the property checks on the ones that parsed.
struct Outcomes {
    var accepted = 0
    var refused = 0

    mutating func record<T>(_ value: T?, _ properties: (T) -> Void) {
        guard let value else { refused += 1; return }
        accepted += 1
        properties(value)
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small, fast, seedable generator, so every run is reproducible.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
