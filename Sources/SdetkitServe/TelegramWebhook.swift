import HTTPTypes
import Hummingbird
import SdetkitCore

/// `POST /webhook/telegram`: Update objects (`message`, `edited_message`, `callback_query`) authenticated by
/// `X-Telegram-Bot-Api-Secret-Token`. Every valid update gets 200 (Telegram retries anything else): one it
/// cannot act on is stored `ignored`; one over the rate limit is acknowledged and counted, not stored; a repeated
/// `update_id` is stored once; an update older than one already processed for its chat becomes `stale`.
extension ServeCore {
    func telegramWebhook(_ request: Request, context: ServeContext) async throws -> Response {
        guard let secret = settings.secrets.telegramSecretToken else {
            throw Problem(.channelDisabled,
                          "the Telegram webhook is disabled: set \(settings.secretName(for: .telegram)) in the server's environment")
        }
        let body = try await HTTPSupport.body(request, limit: settings.config.bodyLimitBytes)
        guard let given = request.headers[.telegramSecret], Signatures.constantTimeEqual(Array(given.utf8), secret) else {
            metrics.event(.telegram, .rejected)
            throw Problem(.unauthorized, "header X-Telegram-Bot-Api-Secret-Token is missing or does not match "
                + "(the secret_token given to setWebhook)")
        }
        let event: NewEvent
        do {
            try HTTPSupport.requireJSON(request)
            event = try parsers.telegram(body, requestID: context.requestID)
        } catch let p as Problem {
            metrics.event(.telegram, .rejected)
            throw p
        }
        if event.state == .accepted {
            let decision = rateLimit(channel: "telegram", user: event.userID)
            guard decision.allowed else {
                metrics.event(.telegram, .rateLimited)
                return HTTPSupport.json(["ok": true, "rate_limited": true])
            }
        }
        switch try await store.insertEvent(event) {
        case .stored:
            metrics.event(.telegram, event.state == .accepted ? .accepted : .rejected)
            if event.state == .accepted { eventSignal.notify() }
        case .duplicate, .conflict:
            // Telegram's update_id is unique per bot: a repeat is a retry, acknowledged so it stops.
            metrics.event(.telegram, .duplicate)
        }
        return HTTPSupport.json(["ok": true])
    }

    /// The event of an update: the message (or callback) it carries, or an `ignored` event when it carries none
    /// that the bot can act on (another update type, or fields of unexpected types).
    static func telegramEvent(_ o: [String: JSONValue], update: Int, body: [UInt8], requestID: String) -> NewEvent {
        var text: String?
        var chat: JSONValue?
        var user: String?
        var messageID: JSONValue?
        if let m = (o["message"] ?? o["edited_message"])?.objectValue {
            text = m["text"]?.stringValue ?? m["caption"]?.stringValue
            chat = m["chat"]?.objectValue?["id"]
            user = Self.idText(m["from"]?.objectValue?["id"]) ?? Self.idText(chat)
            messageID = m["message_id"]
        } else if let q = o["callback_query"]?.objectValue {
            text = q["data"]?.stringValue
            let m = q["message"]?.objectValue
            chat = m?["chat"]?.objectValue?["id"]
            user = Self.idText(q["from"]?.objectValue?["id"])
            messageID = m?["message_id"]
        }
        let usable = text != nil && Self.idText(chat) != nil && user != nil
        var replyTo: [String: JSONValue] = [:]
        if let chat, Self.idText(chat) != nil { replyTo["chat_id"] = chat }
        if let messageID, messageID.intValue != nil { replyTo["message_id"] = messageID }
        return NewEvent(eventID: RequestID.make("evt"), source: .telegram, channel: "telegram", userID: user ?? "",
                        externalID: String(update), text: text ?? "", bodySHA256: Digest.sha256Hex(body),
                        replyTo: .object(replyTo), requestID: requestID, state: usable ? .accepted : .ignored)
    }

    /// A Telegram id (an integer, or a `@name` string for channels) as text.
    static func idText(_ v: JSONValue?) -> String? {
        guard let v else { return nil }
        if let i = v.intValue { return String(i) }
        if let s = v.stringValue, !s.isEmpty, s.utf8.count <= 64 { return s }
        return nil
    }
}
