import HTTPTypes
import Hummingbird
import SdetkitCore

/// A Slack slash-command request (form body), the fields sdetkit reads.
public struct SlackSlashCommand: Decodable, Sendable {
    public var command: String?
    public var text: String?
    public var user_id: String?  // swiftlint:disable:this identifier_name
    public var channel_id: String?  // swiftlint:disable:this identifier_name
    public var trigger_id: String?  // swiftlint:disable:this identifier_name
    public var ssl_check: String?  // swiftlint:disable:this identifier_name
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
        switch try parsers.slackEnvelope(body, requestID: context.requestID) {
        case .urlVerification(let challenge):
            return HTTPSupport.json(["challenge": .string(challenge)])
        case .event(let event):
            // A retry carries the same event_id (its envelope may differ): stored once, acknowledged with 200.
            let response = try await accept(event, limitChannel: "slack")
            return HTTPSupport.json(["ok": true], status: .ok, headers: response.headers.filter { $0.name == .retryAfter })
        case .other:
            return HTTPSupport.json(["ok": true])
        }
    }

    private func slackSlashCommand(_ body: [UInt8], context: ServeContext) async throws -> Response {
        guard let cmd = try parsers.slackSlashCommand(body) else { return HTTPSupport.json(["ok": true]) }
        let user = cmd.user_id ?? ""
        let text = cmd.text ?? ""
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
