import XCTest
import Foundation
import Logging
@testable import SdetkitServe

/// Identifiers, timestamps and Content-Type parsing on the request path (rewritten for speed: these pin what
/// the faster code must still produce).
final class IdentifierTests: XCTestCase {
    func testXoshiroMatchesTheReferenceOutputs() {
        // xoshiro256** from state {1, 2, 3, 4}: the reference C implementation's first outputs.
        var g = Xoshiro256(state: (1, 2, 3, 4))
        XCTAssertEqual([g.next(), g.next(), g.next()], [11520, 0, 1_509_978_240])
    }

    func testRequestIDsAre24HexDigitsAndUnique() {
        var seen = Set<String>()
        for _ in 0..<100_000 {
            let id = RequestID.make()
            XCTAssertEqual(id.utf8.count, 24)
            XCTAssertTrue(id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }, id)
            seen.insert(id)
        }
        XCTAssertEqual(seen.count, 100_000)
    }

    func testStoredIDsStartWithTheirTimeAndSortByIt() throws {
        let before = Timestamps.nowMillis()
        let a = RequestID.make("evt")
        XCTAssertTrue(a.hasPrefix("evt_"))
        XCTAssertEqual(a.utf8.count, 4 + 24)
        let ms = try XCTUnwrap(Int(a.dropFirst(4).prefix(12), radix: 16))
        XCTAssertGreaterThanOrEqual(ms, before)
        XCTAssertLessThanOrEqual(ms, Timestamps.nowMillis())
        usleep(3000)
        let b = RequestID.make("evt")
        XCTAssertLessThan(a, b, "ids made later sort later (the store's keys grow at their end)")
        XCTAssertNotEqual(RequestID.make("msg").dropFirst(16), RequestID.make("msg").dropFirst(16), "the random half differs")
    }

    func testTimestampsAreRFC3339WithMilliseconds() {
        XCTAssertEqual(Timestamps.rfc3339(millis: 0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(Timestamps.rfc3339(millis: 1_765_022_400_123), "2025-12-06T12:00:00.123Z")
        XCTAssertEqual(Timestamps.rfc3339(millis: 1_765_022_400_007), "2025-12-06T12:00:00.007Z", "same second, cached text")
        XCTAssertEqual(Timestamps.rfc3339(millis: 1_765_022_401_090), "2025-12-06T12:00:01.090Z", "next second")
    }

    func testMediaTypeDropsParametersBlanksAndCase() {
        XCTAssertEqual(HTTPSupport.mediaType("application/json"), "application/json")
        XCTAssertEqual(HTTPSupport.mediaType("Application/JSON; charset=utf-8"), "application/json")
        XCTAssertEqual(HTTPSupport.mediaType(" \tapplication/x-www-form-urlencoded ;x"), "application/x-www-form-urlencoded")
        XCTAssertEqual(HTTPSupport.mediaType("application/problem+json"), "application/problem+json")
        XCTAssertEqual(HTTPSupport.mediaType(""), "")
        XCTAssertEqual(HTTPSupport.mediaType("téxt/plain"), "téxt/plain", "non-ASCII is kept, not case-mapped")
    }

    func testTheStoreMigratesToThePartialPendingIndex() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdetkit-ids-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("serve.sqlite").path
        // A version-1 file, as the first release wrote it.
        let v1 = try SQLiteServeStore.open(path, readOnly: false)
        try v1.execute("BEGIN")
        for sql in SQLiteServeStore.migrations[0] { try v1.execute(sql) }
        try v1.run("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
        try v1.run("""
            INSERT INTO events (event_id, source, channel, user_id, external_id, text, state, body_sha256, reply_to, request_id,
              received_at, received_ms) VALUES ('evt_1', 'generic', 'ci', 'u1', 'k1', 'help', 'processed', 'ab', '{}', 'r1',
              '2026-12-06T10:00:00.123Z', 1796551200123)
            """)
        try v1.run("""
            INSERT INTO outbox (message_id, channel, method, body, state, event_id, created_at, created_ms)
            VALUES ('msg_1', 'ci', 'reply', '{"text":"hi"}', 'simulated', 'evt_1', '2026-12-06T10:00:00.124Z', 1796551200124)
            """)
        try v1.execute("COMMIT")
        let store = try SQLiteServeStore(path: path)
        // The rows come through every migration: the wall-clock text derived from the milliseconds is what was stored.
        let events = try await store.events(channel: "ci", limit: 5)
        XCTAssertEqual(events.events.map(\.receivedAt), ["2026-12-06T10:00:00.123Z"])
        XCTAssertEqual(events.events.first?.externalID, "k1")
        let outbox = try await store.outbox(channel: "ci", limit: 5)
        XCTAssertEqual(outbox.map(\.createdAt), ["2026-12-06T10:00:00.124Z"])
        let columns = try SQLiteServeStore.open(path, readOnly: true).query(
            "SELECT name FROM pragma_table_info('events') UNION ALL SELECT name FROM pragma_table_info('outbox')") { $0.string(0) }
        XCTAssertFalse(columns.contains("received_at") || columns.contains("created_at"), "\(columns)")
        let c = try SQLiteServeStore.open(path, readOnly: true)
        let indexes = try c.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL ORDER BY name") {
            $0.string(0)
        }
        XCTAssertEqual(indexes, ["events_channel", "events_pending"])
        XCTAssertEqual(try c.query("SELECT value FROM meta WHERE key = 'schema_version'") { $0.string(0) }, [String(SQLiteServeStore.schemaVersion)])
        let plan = try c.query("EXPLAIN QUERY PLAN SELECT event_id FROM events WHERE state = 'accepted' ORDER BY received_ms, rowid LIMIT 5") {
            $0.string(3)
        }
        XCTAssertTrue(plan.joined().contains("events_pending"), "pending events are read through the partial index: \(plan)")
        await store.close()
    }
}

/// The server's log lines: one canonical JSON object per line (keys sorted), base members never overwritten.
final class LogLineTests: XCTestCase {
    func testALogLineIsCanonicalJSONWithTheMetadataAndTheBaseMembersKept() throws {
        var h = JSONLogHandler(label: "sdetkit.serve")
        h.metadata = ["server": "a", "route": "handler's"]
        let event = LogEvent(level: .info, message: "request", metadata: ["route": "/webhook/generic", "msg": "spoof", "q": "\"\n"],
                             source: nil, file: #file, function: #function, line: #line)
        let line = h.line(for: event)
        XCTAssertEqual(line.last, 0x0A)
        XCTAssertEqual(line.filter { $0 == 0x0A }.count, 1, "one line, control characters escaped")
        let text = String(decoding: line.dropLast(), as: UTF8.self)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
        XCTAssertEqual(o["msg"], "request")
        XCTAssertEqual(o["route"], "/webhook/generic", "the event's metadata wins over the handler's")
        XCTAssertEqual(o["server"], "a")
        XCTAssertEqual(o["q"], "\"\n")
        XCTAssertEqual(o["level"], "info")
        XCTAssertEqual(o["logger"], "sdetkit.serve")
        XCTAssertEqual(o.keys.sorted(), ["level", "logger", "msg", "q", "route", "server", "ts"])
        let keys = text.split(separator: ",").compactMap { $0.split(separator: ":").first }.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "{\"")) }
        XCTAssertEqual(keys, keys.sorted(), "members in canonical (sorted) order: \(text)")
    }
}
