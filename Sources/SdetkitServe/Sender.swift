import AsyncHTTPClient
import NIOCore
import SdetkitCore

/// `sdetkit agent serve send`: builds a request signed with the same environment variables the server reads and
/// posts it over HTTP/1.1 (for trying the server by hand, and for tests).
public enum Sender {
    public struct Prepared: Sendable {
        public var path: String
        public var headers: [(String, String)]
        public var body: [UInt8]
    }

    /// The request for `channel`: generic (bearer token, else Standard Webhooks signature), Slack (Events API
    /// `app_mention`, v0 signature), Telegram (an Update with the secret token).
    public static func prepare(channel: ChannelKind, text: String, user: String, secrets: ServeSecrets, names: ServeSettings,
                               now: Int64, id: String = RequestID.make()) throws -> Prepared {
        switch channel {
        case .generic:
            let body = CanonicalJSON.encode(["channel": "cli", "user_id": .string(user), "text": .string(text)])
            var headers = [("Content-Type", "application/json"), ("Idempotency-Key", "send-\(id)")]
            if let token = secrets.token {
                headers.append(("Authorization", "Bearer " + String(decoding: token, as: UTF8.self)))
            } else if let secret = secrets.webhookSecret {
                let sig = Signatures.standardWebhooksSignature(key: Signatures.standardWebhooksKey(secret), id: "msg_\(id)",
                                                               timestamp: String(now), body: body)
                headers += [("webhook-id", "msg_\(id)"), ("webhook-timestamp", String(now)), ("webhook-signature", sig)]
            } else {
                throw ServeError.send("set \(names.config.secrets.token) or \(names.config.secrets.webhookSecret) to sign a generic request")
            }
            return Prepared(path: "/webhook/generic", headers: headers, body: body)
        case .slack:
            guard let secret = secrets.slackSigningSecret else {
                throw ServeError.send("set \(names.config.secrets.slackSigningSecret) to sign a Slack request")
            }
            let body = CanonicalJSON.encode([
                "type": "event_callback", "team_id": "T0SDETKIT", "api_app_id": "A0SDETKIT", "event_id": .string("Ev\(id)"),
                "event_time": .int(Int(now)),
                "event": ["type": "app_mention", "user": .string(user), "text": .string(text), "channel": "C0SDETKIT",
                          "ts": .string("\(now).000100")],
            ])
            let sig = Signatures.slackSignature(secret: secret, timestamp: String(now), body: body)
            return Prepared(path: "/webhook/slack", headers: [("Content-Type", "application/json"),
                                                              ("X-Slack-Request-Timestamp", String(now)), ("X-Slack-Signature", sig)],
                            body: body)
        case .telegram:
            guard let token = secrets.telegramSecretToken else {
                throw ServeError.send("set \(names.config.secrets.telegramSecretToken) to send a Telegram update")
            }
            let chat: JSONValue = Int(user).map { .int($0) } ?? .string(user)
            // Update ids grow with time, as Telegram's do, so a later send is never stale.
            let update = Int(now % 1_000_000_000) * 1000 + Int.random(in: 0..<1000)
            let body = CanonicalJSON.encode([
                "update_id": .int(update),
                "message": ["message_id": .int(update % 1_000_000), "date": .int(Int(now)), "text": .string(text),
                            "chat": ["id": chat, "type": "private"], "from": ["id": chat, "is_bot": false, "first_name": "sdetkit"]],
            ])
            return Prepared(path: "/webhook/telegram", headers: [("Content-Type", "application/json"),
                                                                 ("X-Telegram-Bot-Api-Secret-Token", String(decoding: token, as: UTF8.self))],
                            body: body)
        }
    }

    /// Posts `request` to `url` (`http://HOST:PORT`); returns the status and body.
    public static func post(_ request: Prepared, url: String) async throws -> (status: Int, body: [UInt8]) {
        guard url.hasPrefix("http://") else { throw ServeError.send("--url must be http://HOST:PORT (TLS ends at your reverse proxy), got '\(url)'") }
        let rest = url.dropFirst(7).split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let parts = rest.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port) else {
            throw ServeError.send("--url must be http://HOST:PORT, got '\(url)'")
        }
        var http = HTTPClientRequest(url: "http://\(rest)\(request.path)")
        http.method = .POST
        http.headers.add(name: "Connection", value: "close")
        for (k, v) in request.headers { http.headers.add(name: k, value: v) }
        http.body = .bytes(request.body)
        do {
            let response = try await HTTPClient.shared.execute(http, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), Array(buffer: body))
        } catch {
            throw ServeError.send("cannot reach \(rest) (is the server running? --url): \(error)")
        }
    }
}
