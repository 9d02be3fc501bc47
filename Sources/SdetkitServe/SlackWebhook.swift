import HTTPTypes
import Hummingbird
import SdetkitCore

/// A Slack slash-command request (form body), the fields sdetkit reads.
struct SlackSlashCommand: Decodable {
    var command: String?
    var text: String?
    var user_id: String?  // swiftlint:disable:this identifier_name
    var channel_id: String?  // swiftlint:disable:this identifier_name
    var trigger_id: String?  // swiftlint:disable:this identifier_name
    var ssl_check: String?  // swiftlint:disable:this identifier_name
}

/// `POST /webhook/slack`: v0 request signing over the raw body; `url_verification`, `ssl_check`, Events API
/// `event_callback` (acknowledged at once, processed afterwards, stored once per `event_id`), slash commands
/// (answered at once with an ephemeral reply).
extension ServeCore {
    func slackWebhook(_ request: Request, context: ServeContext) async throws -> Response {
        guard let secret = settings.secrets.slackSigningSecret else {
            throw Problem(.channelDisabled, "the Slack webhook is disabled: set \(settings.secretName(for: .slack)) in the server's environment")
        }
        let body = try await HTTPSupport.body(request, limit: settings.config.bodyLimitBytes)
        guard let ts = request.headers[.slackTimestamp], let sig = request.headers[.slackSignature] else {
            metrics.event(.slack, .rejected)
            throw Problem(.unauthorized, "headers X-Slack-Request-Timestamp and X-Slack-Signature are required (Slack request signing)")
        }
        guard Signatures.timestampFresh(ts, now: Double(RunClock(fixedEpoch: nil).nowEpochSeconds())) else {
            metrics.event(.slack, .rejected)
            throw Problem(.unauthorized, "header X-Slack-Request-Timestamp is malformed or more than 5 minutes from the server's clock")
        }
        guard Signatures.slackValid(secret: secret, timestamp: ts, body: body, signature: sig) else {
            metrics.event(.slack, .rejected)
            throw Problem(.unauthorized, "header X-Slack-Signature does not match the body (v0 signing)")
        }
        do {
            switch HTTPSupport.mediaType(request) {
            case "application/x-www-form-urlencoded"?:
                return try await slackSlashCommand(body, context: context)
            case "application/json"?:
                return try await slackEvent(body, context: context)
            default:
                throw Problem(.unsupportedMediaType, "header Content-Type is '\(HTTPSupport.mediaType(request) ?? "missing")'; "
                    + "Slack sends application/json (Events API) or application/x-www-form-urlencoded (slash commands)")
            }
        } catch let p as Problem {
            if p.kind != .rateLimited { metrics.event(.slack, .rejected) }
            throw p
        }
    }

    private func slackEvent(_ body: [UInt8], context: ServeContext) async throws -> Response {
        let o = try HTTPSupport.object(try HTTPSupport.parseJSON(body, limits: jsonLimits))
        let type = try HTTPSupport.string(o, "type", maxBytes: 64)
        switch type {
        case "url_verification":
            let challenge = try HTTPSupport.string(o, "challenge", maxBytes: 1024)
            return HTTPSupport.json(["challenge": .string(challenge)])
        case "event_callback":
            let eventID = try HTTPSupport.string(o, "event_id", maxBytes: 255)
            guard let ev = o["event"]?.objectValue else { throw Problem.field("event", "is missing; it must be an object") }
            let evType = ev["type"]?.stringValue ?? ""
            let isBot = ev["bot_id"] != nil || ev["subtype"] != nil
            let handled = (evType == "message" || evType == "app_mention") && !isBot
            let user = ev["user"]?.stringValue ?? ev["bot_id"]?.stringValue ?? ""
            let channel = ev["channel"]?.stringValue ?? ""
            if handled {
                guard !user.isEmpty else { throw Problem.field("event.user", "is missing; it must be a string") }
                guard !channel.isEmpty else { throw Problem.field("event.channel", "is missing; it must be a string") }
            }
            let thread = ev["thread_ts"]?.stringValue ?? ev["ts"]?.stringValue
            let text = String((ev["text"]?.stringValue ?? "").prefix(settings.config.maxStringBytes))
            let event = NewEvent(eventID: RequestID.make("evt"), source: .slack, channel: "slack", userID: user, externalID: eventID,
                                 text: text, bodySHA256: Digest.sha256Hex(Array(CanonicalJSON.encode(o["event"] ?? .null))),
                                 replyTo: ["channel": .string(channel), "thread_ts": .optional(thread)], requestID: context.requestID,
                                 state: handled ? .accepted : .ignored)
            // A retry carries the same event_id (its envelope may differ): stored once, acknowledged with 200.
            let response = try await accept(event, limitChannel: "slack")
            return HTTPSupport.json(["ok": true], status: .ok, headers: response.headers.filter { $0.name == .retryAfter })
        default:
            // Other envelope types (app_rate_limited, …): acknowledged, nothing to do.
            return HTTPSupport.json(["ok": true])
        }
    }

    private func slackSlashCommand(_ body: [UInt8], context: ServeContext) async throws -> Response {
        let cmd: SlackSlashCommand
        do {
            cmd = try URLEncodedFormDecoder().decode(SlackSlashCommand.self, from: String(decoding: body, as: UTF8.self))
        } catch {
            throw Problem(.invalidField, "the form body is not a Slack slash command: \(error)")
        }
        if cmd.ssl_check == "1" { return HTTPSupport.json(["ok": true]) }
        guard let user = cmd.user_id, !user.isEmpty else { throw Problem.field("user_id", "is missing from the slash command form") }
        let text = String((cmd.text ?? "").prefix(settings.config.maxStringBytes))
        let decision = rateLimit(channel: "slack", user: user)
        guard decision.allowed else {
            metrics.event(.slack, .rateLimited)
            throw Problem(.rateLimited, "user '\(user.prefix(64))' of channel 'slack' is over serve.rate_limit; retry after \(decision.retryAfter) s",
                          retryAfter: decision.retryAfter)
        }
        // Answered at once: the event is stored already processed, with the reply in the outbox and any run queued.
        let stored = StoredEvent(eventID: RequestID.make("evt"), source: .slack, channel: "slack", userID: user,
                                 externalID: cmd.trigger_id, text: text, state: .accepted, receivedAt: "", requestID: context.requestID,
                                 runID: nil, replyTo: ["channel": .optional(cmd.channel_id)])
        var answers: [String: String] = [:]
        let resolution = await EventProcessor(core: self).resolve(stored, answers: &answers)
        let event = NewEvent(eventID: stored.eventID, source: .slack, channel: "slack", userID: user, externalID: cmd.trigger_id,
                             text: text, bodySHA256: Digest.sha256Hex(body), replyTo: stored.replyTo, requestID: context.requestID,
                             state: .processed)
        switch try await store.insertEvent(event) {
        case .stored:
            try await store.resolve([resolution])
            metrics.event(.slack, .accepted)
            if resolution.run != nil { runSignal.notify() }
        case .duplicate:
            metrics.event(.slack, .duplicate)
        case .conflict:
            metrics.event(.slack, .rejected)
            throw Problem(.idempotencyKeyReused, "trigger_id '\(cmd.trigger_id ?? "")' was used before with another body")
        }
        let replyText = resolution.replies.first?.body["text"]?.stringValue ?? IntentParser.helpText(.english)
        return HTTPSupport.json(["response_type": "ephemeral", "text": .string(replyText)])
    }
}
