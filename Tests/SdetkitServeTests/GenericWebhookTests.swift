import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import XCTest
@testable import SdetkitServe
import SdetkitConfig

final class GenericWebhookTests: XCTestCase {
    typealias F = ServeFixture
    let body = #"{"channel":"ci","user_id":"u1","text":"status"}"#

    func testAuthenticationIsRequiredAndEachSchemeWorks() async throws {
        let fx = try ServeFixture()
        let body = self.body
        try await fx.test { client in
            try await client.execute(uri: "/webhook/generic", method: .post, headers: [.contentType: "application/json"],
                                     body: F.body(body)) { r in
                XCTAssertEqual(r.status, .unauthorized)
                XCTAssertEqual(r.headers[.contentType], "application/problem+json")
                XCTAssertEqual(F.json(r)["type"]?.stringValue, "https://sdetkit.dev/problems/unauthorized")
                XCTAssertNotNil(r.headers[F.name("X-Request-Id")])
            }
            try await client.execute(uri: "/webhook/generic", method: .post,
                                     headers: [.authorization: "Bearer wrong", .contentType: "application/json"],
                                     body: F.body(body)) { r in XCTAssertEqual(r.status, .unauthorized) }
            try await client.execute(uri: "/webhook/generic", method: .post, headers: F.bearer(), body: F.body(body)) { r in
                XCTAssertEqual(r.status, .accepted)
                XCTAssertEqual(F.json(r)["duplicate"]?.boolValue, false)
                XCTAssertTrue(F.json(r)["event_id"]?.stringValue?.hasPrefix("evt_") == true)
            }
            // Standard Webhooks: good, tampered, stale.
            let key = Signatures.standardWebhooksKey(F.webhookSecret)
            let ts = String(F.now)
            let sig = Signatures.standardWebhooksSignature(key: key, id: "msg_1", timestamp: ts, body: Array(body.utf8))
            let good: HTTPFields = [.contentType: "application/json", F.name("webhook-id"): "msg_1", F.name("webhook-timestamp"): ts,
                                    F.name("webhook-signature"): sig]
            try await client.execute(uri: "/webhook/generic", method: .post, headers: good, body: F.body(body)) { r in
                XCTAssertEqual(r.status, .accepted)
            }
            try await client.execute(uri: "/webhook/generic", method: .post, headers: good,
                                     body: F.body(body.replacingOccurrences(of: "status", with: "statuz"))) { r in
                XCTAssertEqual(r.status, .unauthorized, "a signature over another body must be refused")
            }
            let old = String(F.now - 600)
            let oldSig = Signatures.standardWebhooksSignature(key: key, id: "msg_2", timestamp: old, body: Array(body.utf8))
            try await client.execute(uri: "/webhook/generic", method: .post,
                                     headers: [.contentType: "application/json", F.name("webhook-id"): "msg_2",
                                               F.name("webhook-timestamp"): old, F.name("webhook-signature"): oldSig],
                                     body: F.body(body)) { r in
                XCTAssertEqual(r.status, .unauthorized, "a correctly signed but 10-minute-old request must be refused")
            }
            // GitHub: the HMAC key is the secret text.
            let gh = Signatures.githubSignature(secret: F.webhookSecret, body: Array(body.utf8))
            try await client.execute(uri: "/webhook/generic", method: .post,
                                     headers: [.contentType: "application/json", F.name("X-Hub-Signature-256"): gh,
                                               F.name("X-GitHub-Delivery"): "d-1"], body: F.body(body)) { r in
                XCTAssertEqual(r.status, .accepted)
            }
            try await client.execute(uri: "/webhook/generic", method: .post,
                                     headers: [.contentType: "application/json",
                                               F.name("X-Hub-Signature-256"): "sha256=" + String(repeating: "0", count: 64)],
                                     body: F.body(body)) { r in XCTAssertEqual(r.status, .unauthorized) }
        }
    }

    func testDedupeByIdempotencyKey() async throws {
        let fx = try ServeFixture()
        let body = self.body
        try await fx.test { client in
            var first = ""
            try await client.execute(uri: "/webhook/generic", method: .post, headers: F.bearer([F.name("Idempotency-Key"): "k1"]),
                                     body: F.body(body)) { r in
                XCTAssertEqual(r.status, .accepted)
                first = F.json(r)["event_id"]?.stringValue ?? ""
            }
            try await client.execute(uri: "/webhook/generic", method: .post, headers: F.bearer([F.name("Idempotency-Key"): "k1"]),
                                     body: F.body(body)) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(F.json(r)["duplicate"]?.boolValue, true)
                XCTAssertEqual(F.json(r)["event_id"]?.stringValue, first)
            }
            try await client.execute(uri: "/webhook/generic", method: .post, headers: F.bearer([F.name("Idempotency-Key"): "k1"]),
                                     body: F.body(body.replacingOccurrences(of: "status", with: "help"))) { r in
                XCTAssertEqual(r.status, .unprocessableContent)
            }
        }
        let (events, total) = try await fx.store.events(channel: "ci", limit: 10)
        XCTAssertEqual(total, 1)
        XCTAssertEqual(events.first?.externalID, "k1")
    }

    func testValidationAndLimits() async throws {
        let fx = try ServeFixture()
        try await fx.test { client in
            func post(_ b: String, _ h: HTTPFields = F.bearer()) async throws -> TestResponse {
                try await client.execute(uri: "/webhook/generic", method: .post, headers: h, body: F.body(b))
            }
            var r = try await post(#"{"channel": "ci", "user_id": "#)
            XCTAssertEqual(r.status, .badRequest)
            XCTAssertEqual(F.json(r)["type"]?.stringValue, "https://sdetkit.dev/problems/malformed-json")
            r = try await post(#"{"channel":"ci","user_id":"u"}"#)
            XCTAssertEqual(r.status, .badRequest)
            XCTAssertTrue(F.json(r)["detail"]?.stringValue?.contains("'text'") == true)
            r = try await post(#"{"channel":"ci","user_id":7,"text":"t"}"#)
            XCTAssertTrue(F.json(r)["detail"]?.stringValue?.contains("'user_id'") == true)
            r = try await post(#"{"channel":"slack","user_id":"U1","text":"approve run_x"}"#)
            XCTAssertEqual(r.status, .badRequest, "a generic sender must not pose as the Slack channel")
            r = try await post(#"{"channel":"ci","user_id":"u","text":"t","metadata":"#
                + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}")
            XCTAssertEqual(r.status, .badRequest, "nesting deeper than serve.max_json_depth")
            var textPlain = F.bearer()
            textPlain[.contentType] = "text/plain"
            r = try await post(#"{"channel":"ci","user_id":"u","text":"t"}"#, textPlain)
            XCTAssertEqual(r.status, .unsupportedMediaType)
            r = try await post(#"{"channel":"ci","user_id":"u","text":""# + String(repeating: "x", count: 70_000) + #""}"#)
            XCTAssertEqual(r.status, .contentTooLarge)
            XCTAssertEqual(r.headers[.connection], "close")
        }
        let (_, total) = try await fx.store.events(channel: nil, limit: 10)
        XCTAssertEqual(total, 0, "refused requests are never stored")
    }

    func testRateLimitPerChannelAndUser() async throws {
        var config = AgentConfig.Serve.defaults
        config.rateLimit = .init(tokens: 2, refillPerSecond: 0.1)
        let fx = try ServeFixture(config: config)
        try await fx.test { client in
            var codes: [HTTPResponse.Status] = []
            var retry = ""
            for i in 0..<4 {
                try await client.execute(uri: "/webhook/generic", method: .post, headers: F.bearer(),
                                         body: F.body(#"{"channel":"ci","user_id":"greedy","text":"t\#(i)"}"#)) { r in
                    codes.append(r.status)
                    if r.status == .tooManyRequests { retry = r.headers[.retryAfter] ?? "" }
                }
            }
            XCTAssertEqual(codes, [.accepted, .accepted, .tooManyRequests, .tooManyRequests])
            XCTAssertGreaterThanOrEqual(Int(retry) ?? 0, 1)
            try await client.execute(uri: "/webhook/generic", method: .post, headers: F.bearer(),
                                     body: F.body(#"{"channel":"ci","user_id":"patient","text":"t"}"#)) { r in
                XCTAssertEqual(r.status, .accepted)
            }
        }
    }

    func testDisabledChannelSaysWhichVariable() async throws {
        let fx = try ServeFixture(secrets: ServeSecrets())
        let body = self.body
        try await fx.test { client in
            try await client.execute(uri: "/webhook/generic", method: .post, headers: F.bearer(), body: F.body(body)) { r in
                XCTAssertEqual(r.status, .notFound)
                XCTAssertTrue(F.json(r)["detail"]?.stringValue?.contains("SDETKIT_SERVE_TOKEN") == true)
            }
            try await client.execute(uri: "/api/v1/runs", method: .get, headers: F.bearer()) { r in
                XCTAssertEqual(r.status, .unauthorized, "no token configured: the API is closed, never open")
            }
        }
    }

    func testUnknownRouteAndWrongMethod() async throws {
        let fx = try ServeFixture()
        try await fx.test { client in
            try await client.execute(uri: "/no/such/route", method: .get) { r in
                XCTAssertEqual(r.status, .notFound)
                XCTAssertEqual(r.headers[.contentType], "application/problem+json")
            }
            try await client.execute(uri: "/healthz", method: .delete) { r in
                XCTAssertEqual(r.status, .methodNotAllowed)
                XCTAssertEqual(r.headers[.allow], "GET")
            }
            try await client.execute(uri: "/healthz", method: .get) { r in XCTAssertEqual(r.status, .ok) }
            try await client.execute(uri: "/readyz", method: .get) { r in XCTAssertEqual(r.status, .ok) }
        }
    }

    func testUnsafeBindIsRefused() throws {
        let open = ServeSettings(config: .init(host: "0.0.0.0"), secrets: ServeSecrets())
        XCTAssertThrowsError(try open.checkSafeToBind()) { e in
            XCTAssertTrue("\(e)".contains("SDETKIT_SERVE_TOKEN"))
        }
        XCTAssertNoThrow(try ServeSettings(config: .init(host: "0.0.0.0"), secrets: ServeSecrets(token: "t")).checkSafeToBind())
        XCTAssertNoThrow(try ServeSettings(config: .init(host: "127.0.0.1"), secrets: ServeSecrets()).checkSafeToBind())
    }
}
