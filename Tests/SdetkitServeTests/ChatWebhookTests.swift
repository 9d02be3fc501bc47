import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SdetkitCore
import XCTest
@testable import SdetkitServe

/// Slack and Telegram simulation through the real routes: signing and secrets, retries, odd payloads, stale
/// updates, and replies written to the outbox in the real APIs' request shapes.
final class ChatWebhookTests: XCTestCase {
    typealias F = ServeFixture

    static func slackHeaders(_ body: String, type: String = "application/json", ts: Int64 = F.now,
                             secret: String = F.slackSecret) -> HTTPFields {
        let t = String(ts)
        return [.contentType: type, F.name("X-Slack-Request-Timestamp"): t,
                F.name("X-Slack-Signature"): Signatures.slackSignature(secret: Array(secret.utf8), timestamp: t, body: Array(body.utf8))]
    }

    static func telegramHeaders(_ secret: String = F.telegramSecret) -> HTTPFields {
        [.contentType: "application/json", F.name("X-Telegram-Bot-Api-Secret-Token"): secret]
    }

    static let slackMessage = #"{"type":"event_callback","event_id":"Ev01","event":{"type":"message","user":"U1","channel":"C9","text":"help","ts":"171.1"}}"#

    func testSlackSigningIsEnforced() async throws {
        let fx = try ServeFixture()
        let body = Self.slackMessage
        try await fx.test { client in
            func post(_ h: HTTPFields, _ b: String = body) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/webhook/slack", method: .post, headers: h, body: F.body(b)).status
            }
            let noSig: HTTPFields = [.contentType: "application/json"]
            let stale = try await post(Self.slackHeaders(body, ts: F.now - 301))
            let wrongSecret = try await post(Self.slackHeaders(body, secret: "another-secret"))
            let tampered = try await post(Self.slackHeaders(body), body.replacingOccurrences(of: "help", with: "hulp"))
            let unsigned = try await post(noSig)
            let good = try await post(Self.slackHeaders(body))
            XCTAssertEqual(unsigned, .unauthorized)
            XCTAssertEqual(stale, .unauthorized, "a request signed 5 min 1 s ago must be refused (replay window)")
            XCTAssertEqual(wrongSecret, .unauthorized)
            XCTAssertEqual(tampered, .unauthorized, "a signature over another body must be refused")
            XCTAssertEqual(good, .ok)
        }
        let (events, total) = try await fx.store.events(channel: "slack", limit: 10)
        XCTAssertEqual(total, 1, "only the correctly signed request is stored")
        XCTAssertEqual(events.first?.text, "help")
    }

    func testSlackURLVerificationRetriesBotsAndContentTypes() async throws {
        let fx = try ServeFixture()
        try await fx.test { client in
            let verify = #"{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","token":"x"}"#
            try await client.execute(uri: "/webhook/slack", method: .post, headers: Self.slackHeaders(verify), body: F.body(verify)) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(F.json(r)["challenge"]?.stringValue, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
            }
            // Slack retries with the same event_id (and X-Slack-Retry-Num): acknowledged, stored once.
            for retry in 0..<3 {
                var h = Self.slackHeaders(Self.slackMessage)
                if retry > 0 { h[F.name("X-Slack-Retry-Num")] = String(retry) }
                try await client.execute(uri: "/webhook/slack", method: .post, headers: h, body: F.body(Self.slackMessage)) { r in
                    XCTAssertEqual(r.status, .ok)
                }
            }
            let bot = #"{"type":"event_callback","event_id":"Ev02","event":{"type":"message","subtype":"bot_message","bot_id":"B1","text":"status"}}"#
            try await client.execute(uri: "/webhook/slack", method: .post, headers: Self.slackHeaders(bot), body: F.body(bot)) { r in
                XCTAssertEqual(r.status, .ok, "a bot's own message is acknowledged (never answered: no reply loops)")
            }
            let noUser = #"{"type":"event_callback","event_id":"Ev03","event":{"type":"message","channel":"C1","text":"status"}}"#
            try await client.execute(uri: "/webhook/slack", method: .post, headers: Self.slackHeaders(noUser), body: F.body(noUser)) { r in
                XCTAssertEqual(r.status, .badRequest)
                XCTAssertTrue(F.json(r)["detail"]?.stringValue?.contains("event.user") == true)
            }
            let plain = "hello"
            try await client.execute(uri: "/webhook/slack", method: .post, headers: Self.slackHeaders(plain, type: "text/plain"),
                                     body: F.body(plain)) { r in
                XCTAssertEqual(r.status, .unsupportedMediaType)
                XCTAssertEqual(r.headers[.contentType], "application/problem+json")
            }
        }
        let (events, total) = try await fx.store.events(channel: "slack", limit: 10)
        XCTAssertEqual(total, 2, "the message once (three deliveries) and the bot message")
        XCTAssertEqual(Set(events.map(\.state)), [.processed, .ignored], "'help' needs no reads: it is decided as it is stored")
        let replies = try await fx.store.outbox(channel: "slack", limit: 10)
        XCTAssertEqual(replies.count, 1, "one reply, for the one stored message (none for the bot's, none for the retries)")
    }

    func testSlackSlashCommandIsAnsweredAtOnceAndLandsInTheOutbox() async throws {
        let fx = try ServeFixture()
        try await fx.test { client in
            let form = "command=%2Fsdetkit&text=help&user_id=U7&channel_id=C42&trigger_id=t.1"
            try await client.execute(uri: "/webhook/slack", method: .post,
                                     headers: Self.slackHeaders(form, type: "application/x-www-form-urlencoded"), body: F.body(form)) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(F.json(r)["response_type"]?.stringValue, "ephemeral")
                XCTAssertEqual(F.json(r)["text"]?.stringValue, IntentParser.helpText(.english))
            }
            let noUser = "command=%2Fsdetkit&text=help"
            try await client.execute(uri: "/webhook/slack", method: .post,
                                     headers: Self.slackHeaders(noUser, type: "application/x-www-form-urlencoded"), body: F.body(noUser)) { r in
                XCTAssertEqual(r.status, .badRequest)
                XCTAssertTrue(F.json(r)["detail"]?.stringValue?.contains("user_id") == true)
            }
        }
        let outbox = try await fx.store.outbox(channel: "slack", limit: 10)
        XCTAssertEqual(outbox.count, 1)
        XCTAssertEqual(outbox.first?.message.method, "chat.postMessage")
        XCTAssertEqual(outbox.first?.message.body["channel"]?.stringValue, "C42")
        XCTAssertEqual(outbox.first?.state.rawValue, "simulated")
    }

    func testTelegramSecretRepeatsOddPayloadsAndStaleUpdates() async throws {
        let fx = try ServeFixture()
        @Sendable func update(_ id: Int, chat: Int = 500, text: String = "help") -> String {
            #"{"update_id":\#(id),"message":{"message_id":\#(id + 1000),"from":{"id":77},"chat":{"id":\#(chat)},"text":"\#(text)"}}"#
        }
        try await fx.test { client in
            func post(_ b: String, _ h: HTTPFields = Self.telegramHeaders()) async throws -> TestResponse {
                try await client.execute(uri: "/webhook/telegram", method: .post, headers: h, body: F.body(b))
            }
            var missing = Self.telegramHeaders()
            missing[F.name("X-Telegram-Bot-Api-Secret-Token")] = nil
            let r1 = try await post(update(20), missing)
            XCTAssertEqual(r1.status, .unauthorized)
            let r2 = try await post(update(20), Self.telegramHeaders("tg-secret-abd"))
            XCTAssertEqual(r2.status, .unauthorized,
                           "a secret one character off must be refused")
            let r3 = try await post(update(20))
            XCTAssertEqual(r3.status, .ok)
            let r4 = try await post(update(20))
            XCTAssertEqual(r4.status, .ok, "a repeated update_id is a retry: acknowledged")
            // Odd shapes get 200 (Telegram retries anything else) and are stored as ignored, never a crash.
            for odd in [#"{"update_id":30,"message":"text"}"#, #"{"update_id":31,"message":{"chat":{"id":{}},"text":5}}"#,
                        #"{"update_id":32,"poll":{"id":"1"}}"#, #"{"update_id":33,"callback_query":{"data":null}}"#] {
                let r = try await post(odd)
                XCTAssertEqual(r.status, .ok, odd)
            }
            let r5 = try await post(#"{"update_id":"40"}"#)
            XCTAssertEqual(r5.status, .badRequest)
            let r6 = try await post(#"{"message":{}}"#)
            XCTAssertEqual(r6.status, .badRequest)
            let r7 = try await post("[1,2]")
            XCTAssertEqual(r7.status, .badRequest)
        }
        var (events, total) = try await fx.store.events(channel: "telegram", limit: 50)
        XCTAssertEqual(total, 5, "update 20 once, and the four odd ones")
        XCTAssertEqual(events.filter { $0.state == .ignored }.count, 4)

        // Process 20, then an older update (19) for the same chat arrives: stale, never answered.
        try await EventProcessor(core: fx.core).process(try await fx.store.pendingEvents(limit: 10))
        try await fx.test { client in
            _ = try await client.execute(uri: "/webhook/telegram", method: .post, headers: Self.telegramHeaders(), body: F.body(update(19)))
            _ = try await client.execute(uri: "/webhook/telegram", method: .post, headers: Self.telegramHeaders(),
                                         body: F.body(update(21, chat: 600)))
        }
        try await EventProcessor(core: fx.core).process(try await fx.store.pendingEvents(limit: 10))
        (events, total) = try await fx.store.events(channel: "telegram", limit: 50)
        XCTAssertEqual(events.first { $0.externalID == "19" }?.state, .stale)
        XCTAssertEqual(events.first { $0.externalID == "21" }?.state, .processed, "another chat's cursor is its own")
        let outbox = try await fx.store.outbox(channel: "telegram", limit: 10)
        XCTAssertEqual(outbox.count, 2, "replies to 20 and 21; none to the stale or ignored updates")
        for m in outbox {
            XCTAssertEqual(m.message.method, "sendMessage")
            XCTAssertNotNil(m.message.body["chat_id"]?.intValue)
            XCTAssertNotNil(m.message.body["reply_parameters"]?["message_id"]?.intValue)
            XCTAssertEqual(m.message.body["text"]?.stringValue, IntentParser.helpText(.english))
        }
    }

    func testDisabledChatChannelsSayWhichVariable() async throws {
        let fx = try ServeFixture(secrets: ServeSecrets(token: F.token, webhookSecret: nil, slackSigningSecret: nil, telegramSecretToken: nil))
        try await fx.test { client in
            for (path, variable) in [("/webhook/slack", "SDETKIT_SLACK_SIGNING_SECRET"), ("/webhook/telegram", "SDETKIT_TELEGRAM_SECRET_TOKEN")] {
                try await client.execute(uri: path, method: .post, headers: Self.telegramHeaders(), body: F.body("{}")) { r in
                    XCTAssertEqual(r.status.code / 100, 4, path)
                    XCTAssertTrue(F.json(r)["detail"]?.stringValue?.contains(variable) == true, path)
                }
            }
        }
    }
}
