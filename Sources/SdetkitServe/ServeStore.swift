import SdetkitCore

/// What became of an event once the processor looked at it.
public enum EventState: String, Sendable, CaseIterable {
    /// Stored, not processed yet.
    case accepted
    /// Processed: a reply is in the outbox, a run may be queued.
    case processed
    /// Stored but not acted on (a Telegram update of a kind the bot does not handle, a Slack event of another type).
    case ignored
    /// A Telegram update older than one already processed for the same chat: stored, not acted on.
    case stale
}

/// The state of a run in the server's queue (the record's own status once it finished).
public enum QueuedRunStatus: String, Sendable, CaseIterable {
    case queued, running, ok, failed, denied, cancelled

    public var isFinished: Bool { self != .queued && self != .running }
}

/// A run's priority in the queue: higher first, then oldest first.
public enum RunPriority: String, Sendable, CaseIterable {
    case high, normal, low

    var rank: Int {
        switch self {
        case .high: return 0
        case .normal: return 1
        case .low: return 2
        }
    }
}

/// An event to store: a webhook delivery, a Slack event or a Telegram update.
public struct NewEvent: Sendable {
    public var eventID: String
    /// The route it came in on.
    public var source: ChannelKind
    /// `slack`, `telegram`, or the generic webhook body's `channel`.
    public var channel: String
    public var userID: String
    /// The sender's own id (dedupe key); nil when the sender gave none.
    public var externalID: String?
    public var text: String
    /// SHA-256 of the raw body (an `Idempotency-Key` reused with another body is refused).
    public var bodySHA256: String
    /// Where a reply goes (Slack channel and thread, Telegram chat and message): JSON, never a path.
    public var replyTo: JSONValue
    public var requestID: String
    /// Set for events stored already processed (a slash command answered at once) or ignored.
    public var state: EventState

    public init(eventID: String, source: ChannelKind, channel: String, userID: String, externalID: String?, text: String,
                bodySHA256: String, replyTo: JSONValue = .null, requestID: String, state: EventState = .accepted) {
        self.eventID = eventID
        self.source = source
        self.channel = channel
        self.userID = userID
        self.externalID = externalID
        self.text = text
        self.bodySHA256 = bodySHA256
        self.replyTo = replyTo
        self.requestID = requestID
        self.state = state
    }
}

/// An event as stored (`GET /api/v1/events`).
public struct StoredEvent: Sendable, Hashable {
    public var eventID: String
    public var source: ChannelKind
    public var channel: String
    public var userID: String
    public var externalID: String?
    public var text: String
    public var state: EventState
    public var receivedAt: String
    public var requestID: String
    public var runID: String?
    public var replyTo: JSONValue

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "event_id": .string(eventID), "channel": .string(channel), "user_id": .string(userID),
            "external_id": .optional(externalID), "text": .string(text), "state": .string(state.rawValue),
            "received_at": .string(receivedAt), "request_id": .string(requestID), "source": .string(source.rawValue),
        ]
        if let runID { o["run_id"] = .string(runID) }
        return .object(o)
    }
}

/// The answer to storing an event.
public enum EventInsertOutcome: Sendable, Equatable {
    /// Stored now (durably, once this returns).
    case stored(eventID: String)
    /// The same sender id with the same body was stored before: this is that event.
    case duplicate(eventID: String)
    /// The same sender id with another body.
    case conflict(eventID: String)
}

/// A reply the server would send, in the exact request shape of the real API. Never sent over the network.
public struct OutboxMessage: Sendable, Hashable {
    public var messageID: String
    /// `slack`, `telegram` or the generic event's channel.
    public var channel: String
    /// `chat.postMessage` (Slack), `sendMessage` (Telegram), `reply` (generic webhook).
    public var method: String
    public var body: JSONValue
    public var eventID: String?

    public init(messageID: String = RequestID.make("msg"), channel: String, method: String, body: JSONValue, eventID: String?) {
        self.messageID = messageID
        self.channel = channel
        self.method = method
        self.body = body
        self.eventID = eventID
    }
}

/// The delivery state of an outbox message. The simulation never sends: every message stays `simulated`, which
/// says it was recorded for a delivery worker that is not part of this release.
public enum OutboxState: String, Sendable, CaseIterable {
    case simulated
}

public struct StoredOutboxMessage: Sendable, Hashable {
    public var message: OutboxMessage
    public var state: OutboxState
    public var createdAt: String

    public var json: JSONValue {
        ["message_id": .string(message.messageID), "channel": .string(message.channel), "method": .string(message.method),
         "body": message.body, "state": .string(state.rawValue), "created_at": .string(createdAt),
         "event_id": .optional(message.eventID)]
    }
}

/// What the event processor decided for one event.
public struct EventResolution: Sendable {
    public var eventID: String
    public var state: EventState
    public var replies: [OutboxMessage]
    public var run: NewRun?
    /// Telegram: (chat id, update id) the chat's cursor moves to.
    public var cursor: (chat: String, updateID: Int)?

    public init(eventID: String, state: EventState, replies: [OutboxMessage] = [], run: NewRun? = nil,
                cursor: (chat: String, updateID: Int)? = nil) {
        self.eventID = eventID
        self.state = state
        self.replies = replies
        self.run = run
        self.cursor = cursor
    }
}

/// What a run asks for.
public enum RunSpec: Sendable, Hashable {
    case task(String)
    case template(id: String, inputs: [String: JSONValue])
    case audit(profile: String)

    public var kind: String {
        switch self {
        case .task: return "task"
        case .template: return "template"
        case .audit: return "audit"
        }
    }

    /// What `GET /api/v1/runs/{id}` shows as `task`.
    public var taskText: String {
        switch self {
        case .task(let t): return t
        case .template(let id, _): return "template \(id)"
        case .audit(let p): return "audit --profile \(p)"
        }
    }

    var argument: String {
        switch self {
        case .task(let t): return t
        case .template(let id, _): return id
        case .audit(let p): return p
        }
    }

    var inputsJSON: String? {
        if case .template(_, let inputs) = self { return CanonicalJSON.string(.object(inputs)) }
        return nil
    }

    static func from(kind: String, argument: String, inputs: String?) -> RunSpec? {
        switch kind {
        case "task": return .task(argument)
        case "template":
            let parsed = inputs.flatMap { try? JSONParser.parse($0) }?.objectValue ?? [:]
            return .template(id: argument, inputs: parsed)
        case "audit": return .audit(profile: argument)
        default: return nil
        }
    }
}

/// A run to queue.
public struct NewRun: Sendable {
    public var runID: String
    public var spec: RunSpec
    public var priority: RunPriority
    public var channel: String
    public var userID: String
    public var requestID: String
    public var eventID: String?
    /// Approved by a configured approver (`approve <run_id>`): gated actions are allowed.
    public var approvedBy: String?
    /// Where the result is announced (an outbox reply), if anywhere.
    public var replyTo: JSONValue

    public init(runID: String = RequestID.make("run"), spec: RunSpec, priority: RunPriority = .normal, channel: String,
                userID: String, requestID: String, eventID: String? = nil, approvedBy: String? = nil, replyTo: JSONValue = .null) {
        self.runID = runID
        self.spec = spec
        self.priority = priority
        self.channel = channel
        self.userID = userID
        self.requestID = requestID
        self.eventID = eventID
        self.approvedBy = approvedBy
        self.replyTo = replyTo
    }
}

/// A run in the queue, as `GET /api/v1/runs/{id}` shows it.
public struct QueuedRun: Sendable, Hashable {
    public var runID: String
    public var spec: RunSpec
    public var priority: RunPriority
    public var status: QueuedRunStatus
    public var channel: String
    public var userID: String
    public var requestID: String
    public var eventID: String?
    public var approvedBy: String?
    public var replyTo: JSONValue
    public var seq: Int?
    public var hash: String?
    public var error: String?
    public var createdAt: String
    public var finishedAt: String?

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "run_id": .string(runID), "status": .string(status.rawValue), "task": .string(spec.taskText),
            "kind": .string(spec.kind), "priority": .string(priority.rawValue), "seq": seq.map { .int($0) } ?? .null,
            "hash": .optional(hash), "channel": .string(channel), "user_id": .string(userID),
            "request_id": .string(requestID), "created_at": .string(createdAt), "finished_at": .optional(finishedAt),
        ]
        if case .template(let id, let inputs) = spec {
            o["template"] = .string(id)
            o["inputs"] = .object(inputs)
        }
        if let eventID { o["event_id"] = .string(eventID) }
        if let approvedBy { o["approved_by"] = .string(approvedBy) }
        if let error { o["error"] = .string(error) }
        return .object(o)
    }
}

/// A stored `Idempotency-Key` of the run API: the first request's body hash and its answer.
public struct IdempotentAnswer: Sendable, Hashable {
    public var bodySHA256: String
    public var status: Int
    public var body: JSONValue
}

public enum RunEnqueueOutcome: Sendable {
    case queued(QueuedRun)
    /// The same Idempotency-Key and body: the first answer.
    case replay(IdempotentAnswer)
    /// The same Idempotency-Key with another body.
    case keyConflict
    /// The queue holds `serve.queue.max_depth` runs.
    case queueFull(depth: Int)
}

public enum RunCancelOutcome: Sendable {
    case cancelled(QueuedRun)
    case finished(QueuedRun)
    case running(QueuedRun)
    case notFound
}

/// Limits on claiming: runs of one user and of one channel executing at once.
public struct ClaimLimits: Sendable {
    public var perUser: Int
    public var perChannel: Int
}

/// The server's own store: events, idempotency keys, the run queue and the outbox. SQLite today
/// (``SQLiteServeStore``); the protocol is the seam for a PostgreSQL store shared by several servers.
public protocol ServeStore: Sendable {
    /// Stores an event, deduplicated on (source, external id); returns once it is durable. With `decided`, the
    /// event is stored with that decision (its state, replies and run) in the same transaction, and the processor
    /// never sees it; a duplicate stores nothing.
    func insertEvent(_ event: NewEvent, decided: EventResolution?) async throws -> EventInsertOutcome
    /// Events the processor has not handled yet, oldest first.
    func pendingEvents(limit: Int) async throws -> [StoredEvent]
    /// Records what the processor decided, with its replies and runs, in one transaction.
    func resolve(_ resolutions: [EventResolution]) async throws
    /// The last Telegram update id processed for `chat`.
    func telegramCursor(chat: String) async throws -> Int?
    func events(channel: String?, limit: Int) async throws -> (events: [StoredEvent], total: Int)

    func enqueueRun(_ run: NewRun, idempotencyKey: String?, bodySHA256: String?, maxDepth: Int) async throws -> RunEnqueueOutcome
    /// Takes the next queued run (priority, then age) that the limits allow, marking it running, in one transaction.
    func claimRun(limits: ClaimLimits) async throws -> QueuedRun?
    func finishRun(_ runID: String, status: QueuedRunStatus, seq: Int?, hash: String?, error: String?,
                   replies: [OutboxMessage]) async throws
    func cancelRun(_ runID: String) async throws -> RunCancelOutcome
    func run(_ runID: String) async throws -> QueuedRun?
    func runs(status: QueuedRunStatus?, limit: Int) async throws -> [QueuedRun]
    func queueDepth() async throws -> Int
    /// At start-up: runs left `running` by a crash are failed (never re-run); returns how many.
    func failInterruptedRuns() async throws -> Int
    /// At a graceful stop: queued runs are cancelled; returns how many.
    func cancelQueuedRuns(reason: String) async throws -> Int

    func outbox(channel: String?, limit: Int) async throws -> [StoredOutboxMessage]
    /// Deletes events, finished runs and outbox messages older than `days`, idempotency keys older than 24 h.
    func prune(retentionDays: Int) async throws -> Int
    /// A write that commits: the store is usable (`/readyz`).
    func checkWritable() async throws
    func close() async
}

extension ServeStore {
    /// Stores an event for the processor to decide.
    public func insertEvent(_ event: NewEvent) async throws -> EventInsertOutcome { try await insertEvent(event, decided: nil) }
}
