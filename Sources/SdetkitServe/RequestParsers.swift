import Hummingbird
import SdetkitCore

/// The channels' request parsers: bytes (and header values already read) in, a typed request or a `Problem` out.
/// Pure — no store, no clock, no shared state — so the handlers stay thin and the parsers can be fuzzed alone
/// (`ParserPropertyTests`).
public struct RequestParsers: Sendable {
    public var limits: JSONLimits
    /// The longest `text` kept (`serve.max_string_bytes`); Slack and Telegram text beyond it is cut, not refused.
    public var maxTextBytes: Int

    public init(limits: JSONLimits, maxTextBytes: Int) {
        self.limits = limits
        self.maxTextBytes = maxTextBytes
    }

    // MARK: Generic webhook

    /// `{channel, user_id, text, metadata?}`; `dedupeKey` is the Idempotency-Key, webhook-id or X-GitHub-Delivery.
    public func generic(_ body: [UInt8], dedupeKey: String?, requestID: String) throws -> NewEvent {
        let o = try HTTPSupport.object(try HTTPSupport.parseJSON(body, limits: limits))
        let channel = try HTTPSupport.string(o, "channel", maxBytes: 64)
        guard channel.utf8.allSatisfy({ ChannelNames.allowed($0) }) else {
            throw Problem.field("channel", "must be 1 to 64 of A-Z a-z 0-9 . _ - (got '\(channel.prefix(64))')")
        }
        guard !ServeCore.reservedGenericChannels.contains(channel) else {
            throw Problem.field("channel", "'\(channel)' is reserved for /webhook/\(channel); name the sender's channel otherwise")
        }
        let user = try HTTPSupport.string(o, "user_id", maxBytes: 256)
        let text = try HTTPSupport.string(o, "text", maxBytes: maxTextBytes, allowEmpty: true)
        if let m = o["metadata"], m.objectValue == nil, !m.isNull {
            throw Problem.field("metadata", "must be an object when given, got \(m.typeName)")
        }
        return NewEvent(eventID: RequestID.make("evt"), source: .generic, channel: channel, userID: user, externalID: dedupeKey,
                        text: text, bodySHA256: Digest.sha256Hex(body),
                        replyTo: ["channel": .string(channel), "user_id": .string(user)], requestID: requestID)
    }

    // MARK: Slack

    /// What a Slack Events API (JSON) body asks for.
    public enum SlackEnvelope: Sendable {
        case urlVerification(challenge: String)
        /// An `event_callback`; `state` is `.ignored` for events sdetkit does not act on (bots, other types).
        case event(NewEvent)
        /// `app_rate_limited` and other envelope types: acknowledged, nothing to do.
        case other
    }

    public func slackEnvelope(_ body: [UInt8], requestID: String) throws -> SlackEnvelope {
        let o = try HTTPSupport.object(try HTTPSupport.parseJSON(body, limits: limits))
        let type = try HTTPSupport.string(o, "type", maxBytes: 64)
        switch type {
        case "url_verification":
            return .urlVerification(challenge: try HTTPSupport.string(o, "challenge", maxBytes: 1024))
        case "event_callback":
            let eventID = try HTTPSupport.string(o, "event_id", maxBytes: 255)
            guard let ev = o["event"]?.objectValue else { throw Problem.field("event", "is missing; it must be an object") }
            let evType = ev["type"]?.stringValue ?? ""
            let isBot = ev["bot_id"] != nil || ev["subtype"] != nil
            let handled = (evType == "message" || evType == "app_mention") && !isBot
            let user = Self.short(ev["user"]?.stringValue ?? ev["bot_id"]?.stringValue)
            let channel = Self.short(ev["channel"]?.stringValue)
            if handled {
                guard !user.isEmpty else { throw Problem.field("event.user", "is missing; it must be a string of at most 255 bytes") }
                guard !channel.isEmpty else { throw Problem.field("event.channel", "is missing; it must be a string of at most 255 bytes") }
            }
            let thread = ev["thread_ts"]?.stringValue ?? ev["ts"]?.stringValue
            let text = Self.prefix(ev["text"]?.stringValue ?? "", bytes: maxTextBytes)
            // The digest is over the inner event: a retry's envelope may differ (retry headers, authorizations).
            return .event(NewEvent(eventID: RequestID.make("evt"), source: .slack, channel: "slack", userID: user, externalID: eventID,
                                   text: text, bodySHA256: Digest.sha256Hex(Array(CanonicalJSON.encode(o["event"] ?? .null))),
                                   replyTo: ["channel": .string(channel), "thread_ts": .optional(thread.flatMap { $0.utf8.count <= 255 ? $0 : nil })],
                                   requestID: requestID, state: handled ? .accepted : .ignored))
        default:
            return .other
        }
    }

    /// A slash-command form body; nil for Slack's `ssl_check=1` probe.
    public func slackSlashCommand(_ body: [UInt8]) throws -> SlackSlashCommand? {
        let cmd: SlackSlashCommand
        do {
            cmd = try URLEncodedFormDecoder().decode(SlackSlashCommand.self, from: String(decoding: body, as: UTF8.self))
        } catch {
            throw Problem(.invalidField, "the form body is not a Slack slash command: \(error)")
        }
        if cmd.ssl_check == "1" { return nil }
        guard let user = cmd.user_id, !user.isEmpty, user.utf8.count <= 255 else {
            throw Problem.field("user_id", "is missing from the slash command form (or longer than 255 bytes)")
        }
        if let t = cmd.trigger_id, t.utf8.count > 255 { throw Problem.field("trigger_id", "is longer than 255 bytes") }
        var c = cmd
        c.text = Self.prefix(cmd.text ?? "", bytes: maxTextBytes)
        c.channel_id = cmd.channel_id.map(Self.short)
        return c
    }

    // MARK: Telegram

    /// An Update: its message (or callback) as an event, or an `ignored` event when it carries none the bot can act on.
    public func telegram(_ body: [UInt8], requestID: String) throws -> NewEvent {
        let o = try HTTPSupport.object(try HTTPSupport.parseJSON(body, limits: limits))
        guard let update = o["update_id"]?.intValue, update >= 0 else {
            throw Problem.field("update_id", "is missing or not a non-negative integer (a Telegram Update has one)")
        }
        var event = ServeCore.telegramEvent(o, update: update, body: body, requestID: requestID)
        event.text = Self.prefix(event.text, bytes: maxTextBytes)
        return event
    }

    // MARK: Helpers

    /// At most `bytes` UTF-8 bytes of `s`, cut on a character boundary.
    static func prefix(_ s: String, bytes: Int) -> String {
        if s.utf8.count <= bytes { return s }
        var out = ""
        var used = 0
        for ch in s {
            let n = ch.utf8.count
            if used + n > bytes { break }
            out.append(ch)
            used += n
        }
        return out
    }

    /// An id-like string (user, channel, thread): at most 255 bytes, else empty.
    static func short(_ s: String?) -> String {
        guard let s, s.utf8.count <= 255 else { return "" }
        return s
    }
}
