import HTTPTypes
import Hummingbird
import SdetkitCore

/// `POST /webhook/generic`: `{channel, user_id, text, metadata?}` from CI or any sender.
///
/// In order: size (413) → authentication (401) → content type (415) → JSON within limits (400) → fields (400) →
/// rate limit per (channel, user) (429) → durable, deduplicated insert → 202, or 200 for a duplicate, 422 for a
/// dedupe key reused with another body.
extension ServeCore {
    static let reservedGenericChannels: Set<String> = ["slack", "telegram"]

    func genericWebhook(_ request: Request, context: ServeContext) async throws -> Response {
        guard settings.isEnabled(.generic) else {
            throw Problem(.channelDisabled, "the generic webhook is disabled: set \(settings.secretName(for: .generic)) in the server's environment")
        }
        let body = try await HTTPSupport.body(request, limit: settings.config.bodyLimitBytes)
        do {
            try authenticateGeneric(request, body: body)
        } catch let p as Problem {
            metrics.event(.generic, .rejected)
            throw p
        }
        let event: NewEvent
        do {
            try HTTPSupport.requireJSON(request)
            let key = try HTTPSupport.key(request, .idempotencyKey) ?? HTTPSupport.key(request, .webhookID)
                ?? HTTPSupport.key(request, .githubDelivery)
            event = try parsers.generic(body, dedupeKey: key, requestID: context.requestID)
        } catch let p as Problem {
            metrics.event(.generic, .rejected)
            throw p
        }
        return try await accept(event, limitChannel: event.channel)
    }

    /// Rate-limits and stores an authenticated, validated event: 202 stored, 200 duplicate, 422 conflict, 429 limited.
    func accept(_ event: NewEvent, limitChannel: String) async throws -> Response {
        let limit = rateLimit(channel: limitChannel, user: event.userID)
        guard limit.allowed else {
            metrics.event(event.source, .rateLimited)
            throw Problem(.rateLimited, "user '\(event.userID.prefix(64))' of channel '\(limitChannel)' is over serve.rate_limit; "
                + "retry after \(limit.retryAfter) s", retryAfter: limit.retryAfter)
        }
        let decision = EventProcessor.decisionAtAccept(event, intents: intents)
        switch try await store.insertEvent(event, decided: decision) {
        case .stored(let id):
            metrics.event(event.source, .accepted)
            if let decision {
                for m in decision.replies { metrics.outbox(m.channel == "slack" || m.channel == "telegram" ? m.channel : "generic", state: "simulated") }
                if decision.run != nil { runSignal.notify() }
            } else {
                eventSignal.notify()
            }
            return HTTPSupport.json(["event_id": .string(id), "duplicate": false], status: .accepted)
        case .duplicate(let id):
            metrics.event(event.source, .duplicate)
            return HTTPSupport.json(["event_id": .string(id), "duplicate": true], status: .ok)
        case .conflict:
            metrics.event(event.source, .rejected)
            throw Problem(.idempotencyKeyReused, "the dedupe key '\(event.externalID ?? "")' was used before with another body; "
                + "use a new Idempotency-Key (or webhook-id) for a new event")
        }
    }

    /// Any one of: the bearer token, a Standard Webhooks signature, GitHub's `X-Hub-Signature-256`.
    func authenticateGeneric(_ request: Request, body: [UInt8]) throws {
        let h = request.headers
        var reason = "send Authorization: Bearer <token>, a Standard Webhooks signature or X-Hub-Signature-256"
        if let token = settings.secrets.token, let auth = h[.authorization] {
            if Signatures.bearerMatches(auth, token: token) { return }
            reason = "the bearer token does not match"
        }
        if let secret = settings.secrets.webhookSecret {
            if let id = h[.webhookID], let ts = h[.webhookTimestamp], let sig = h[.webhookSignature] {
                guard Signatures.timestampFresh(ts, now: Double(RunClock(fixedEpoch: nil).nowEpochSeconds())) else {
                    throw Problem(.unauthorized, "header webhook-timestamp is missing, malformed or more than 5 minutes from the server's clock")
                }
                if Signatures.standardWebhooksValid(key: Signatures.standardWebhooksKey(secret), id: id, timestamp: ts, body: body, header: sig) {
                    return
                }
                reason = "header webhook-signature does not match the body (Standard Webhooks, v1)"
            } else if let sig = h[.githubSignature] {
                if Signatures.githubValid(secret: secret, body: body, signature: sig) { return }
                reason = "header X-Hub-Signature-256 does not match the body"
            }
        }
        throw Problem(.unauthorized, reason)
    }
}

enum ChannelNames {
    static func allowed(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x2E || b == 0x5F || b == 0x2D
    }
}
