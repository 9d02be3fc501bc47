import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOEmbedded
import XCTest
@testable import SdetkitServe

/// Health, readiness, metrics and the slow-request guard.
final class OperationsTests: XCTestCase {
    typealias F = ServeFixture

    func testHealthAndReadiness() async throws {
        let fx = try ServeFixture()
        try await fx.test { client in
            try await client.execute(uri: "/healthz", method: .get) { r in XCTAssertEqual(r.status, .ok) }
            try await client.execute(uri: "/readyz", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(F.json(r)["status"]?.stringValue, "ready")
            }
        }
    }

    func testReadinessFailsWhenTheStoreRefusesWrites() async throws {
        let fx = try ServeFixture()
        await fx.store.close()  // as while the server stops: writes are refused
        try await fx.test { client in
            try await client.execute(uri: "/readyz", method: .get) { r in
                XCTAssertEqual(r.status, .serviceUnavailable)
                XCTAssertEqual(r.headers[.contentType], "application/problem+json")
                XCTAssertTrue(F.json(r)["detail"]?.stringValue?.contains("does not accept writes") == true, "\(F.json(r))")
            }
            try await client.execute(uri: "/healthz", method: .get) { r in XCTAssertEqual(r.status, .ok, "alive, though not ready") }
        }
    }

    func testMetricsCountRequestsEventsAndOutcomes() async throws {
        let fx = try ServeFixture()
        let body = #"{"channel":"ci","user_id":"u1","text":"status"}"#
        try await fx.test { client in
            try await client.execute(uri: "/webhook/generic", method: .post, headers: F.bearer([F.name("Idempotency-Key"): "k1"]),
                                     body: F.body(body)) { r in XCTAssertEqual(r.status, .accepted) }
            try await client.execute(uri: "/webhook/generic", method: .post, headers: F.bearer([F.name("Idempotency-Key"): "k1"]),
                                     body: F.body(body)) { r in XCTAssertEqual(r.status, .ok) }
            try await client.execute(uri: "/webhook/generic", method: .post, headers: [.contentType: "application/json"],
                                     body: F.body(body)) { r in XCTAssertEqual(r.status, .unauthorized) }
            try await client.execute(uri: "/metrics", method: .get) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertTrue(r.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: r.body)
                let lines = Set(text.split(separator: "\n").map(String.init))
                for expected in [
                    #"sdetkit_events_total{channel="generic",outcome="accepted"} 1"#,
                    #"sdetkit_events_total{channel="generic",outcome="duplicate"} 1"#,
                    #"sdetkit_events_total{channel="generic",outcome="rejected"} 1"#,
                ] {
                    XCTAssertTrue(lines.contains(expected), "missing '\(expected)' in:\n\(text)")
                }
                for family in ["sdetkit_http_requests_total{", "sdetkit_http_request_duration_seconds_bucket{", "sdetkit_run_queue_depth"] {
                    XCTAssertTrue(text.contains(family), "missing \(family) in:\n\(text)")
                }
                XCTAssertTrue(lines.contains { $0.hasPrefix("sdetkit_http_requests_total{") && $0.contains(#"code="401""#)
                    && $0.contains(#"route="/webhook/generic""#) }, text)
            }
        }
    }

    /// A request that trickles in is cut off at the deadline; one that is answered in time is not.
    func testSlowRequestsAreClosedAtTheDeadline() throws {
        let loop = EmbeddedEventLoop()
        let slow = EmbeddedChannel(handler: SlowRequestGuard(timeout: .seconds(5)), loop: loop)
        try slow.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8787)).wait()
        try slow.writeInbound(ByteBuffer(string: "POST /webhook/generic HTTP/1.1\r\nHo"))
        loop.advanceTime(by: .seconds(4))
        XCTAssertTrue(slow.isActive, "still within the deadline")
        try slow.writeInbound(ByteBuffer(string: "s"))  // a trickled byte does not restart the clock
        loop.advanceTime(by: .seconds(2))
        XCTAssertFalse(slow.isActive, "closed 5 s after the request's first byte")

        let loop2 = EmbeddedEventLoop()
        let answered = EmbeddedChannel(handler: SlowRequestGuard(timeout: .seconds(5)), loop: loop2)
        try answered.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8787)).wait()
        try answered.writeInbound(ByteBuffer(string: "GET /healthz HTTP/1.1\r\n\r\n"))
        try answered.writeOutbound(IOData.byteBuffer(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n")))
        loop2.advanceTime(by: .seconds(60))
        XCTAssertTrue(answered.isActive, "an answered request leaves the connection to the idle timeout")
        _ = try? answered.finish()
    }
}
