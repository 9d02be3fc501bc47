import Logging
import SdetkitConfig
import SdetkitCore
import SdetkitReports
import SdetkitRuntime
import Synchronization

/// Everything a request handler, the event processor and the run workers share. `Sendable`; no request state.
public final class ServeCore: Sendable {
    public let settings: ServeSettings
    public let store: any ServeStore
    public let metrics: ServeMetrics
    public let workspace: Workspace
    let limiter: RateLimiter
    let intents: IntentParser
    let logger: Logger
    /// Wakes the event processor and the run workers when there is new work (they also poll).
    let eventSignal = Signal()
    let runSignal = Signal()
    /// Run API Idempotency-Keys whose first request is being answered right now (a second one gets 409).
    let inFlightKeys = Mutex<Set<String>>([])

    public init(settings: ServeSettings, store: any ServeStore, workspace: Workspace, logger: Logger,
                metrics: ServeMetrics = ServeMetrics()) {
        self.settings = settings
        self.store = store
        self.workspace = workspace
        self.metrics = metrics
        self.logger = logger
        limiter = RateLimiter(capacity: settings.config.rateLimit.tokens, refillPerSecond: settings.config.rateLimit.refillPerSecond)
        intents = IntentParser(config: settings.config.intents)
    }

    var jsonLimits: JSONLimits {
        JSONLimits(maxDepth: settings.config.maxJSONDepth, maxStringBytes: settings.config.maxStringBytes)
    }

    var parsers: RequestParsers { RequestParsers(limits: jsonLimits, maxTextBytes: settings.config.maxStringBytes) }

    /// Whether `channel:user` is in `serve.approvers`.
    func isApprover(channel: String, user: String) -> Bool {
        settings.config.approvers.contains { $0.channel == channel && $0.user == user }
    }

    /// Takes a rate-limit token of (channel, user).
    func rateLimit(channel: String, user: String) -> RateLimiter.Decision {
        limiter.take(RateLimiter.key(channel: channel, user: user), now: RunClock.monotonicMillis() / 1000)
    }

    // MARK: Replies

    /// The outbox message answering an event on `source`, in the real API's request shape.
    static func reply(source: ChannelKind, channel: String, replyTo: JSONValue, text: String, eventID: String?) -> OutboxMessage {
        switch source {
        case .slack:
            var body: [String: JSONValue] = ["channel": replyTo["channel"] ?? .string(channel), "text": .string(text)]
            if let ts = replyTo["thread_ts"], !ts.isNull { body["thread_ts"] = ts }
            return OutboxMessage(channel: "slack", method: "chat.postMessage", body: .object(body), eventID: eventID)
        case .telegram:
            var body: [String: JSONValue] = ["chat_id": replyTo["chat_id"] ?? .null, "text": .string(text)]
            if let mid = replyTo["message_id"], !mid.isNull { body["reply_parameters"] = ["message_id": mid] }
            return OutboxMessage(channel: "telegram", method: "sendMessage", body: .object(body), eventID: eventID)
        case .generic:
            return OutboxMessage(channel: channel, method: "reply",
                                 body: ["channel": .string(channel), "user_id": replyTo["user_id"] ?? .null, "text": .string(text),
                                        "in_reply_to": .optional(eventID)],
                                 eventID: eventID)
        }
    }

    /// Text answering a read-only intent (help, status, history, dashboard), from the history index.
    func answer(_ intent: Intent?, language: ReplyLanguage) async -> String {
        let store = workspace.store
        switch intent {
        case nil, .help?: return IntentParser.helpText(language)
        case .status?, .history?:
            let n: Int
            if case .history(let k)? = intent { n = k } else { n = 5 }
            let depth = (try? await self.store.queueDepth()) ?? 0
            let rows = (try? await Blocking.run { try store.list(limit: n) }) ?? []
            var lines = [language == .russian ? "Последние запуски (в очереди: \(depth)):" : "Last runs (queued: \(depth)):"]
            if rows.isEmpty { lines.append(language == .russian ? "запусков ещё нет" : "no runs yet") }
            for r in rows {
                lines.append("#\(r.seq) \(r.status) \(r.task) (\(r.durationMs) ms, \(r.capturedAt))")
            }
            return lines.joined(separator: "\n")
        case .dashboard?:
            let clock = workspace.clock
            let summaryText: String? = try? await Blocking.run {
                let d = Dashboard(store: store, options: DashboardOptions(), clock: clock)
                let bytes = try d.renderBytes(.md, summary: try d.summary())
                return String(decoding: bytes.prefix(3000), as: UTF8.self)
            }
            return summaryText ?? (language == .russian ? "дашборд недоступен" : "the dashboard is not available")
        case .audit?, .template?, .approve?:
            return IntentParser.helpText(language)
        }
    }
}

/// A wake-up for a background loop: `notify()` never blocks; `wait(timeout:)` returns on a notify or the timeout.
/// A notify with nobody waiting is remembered once (the next wait returns at once); a wait that timed out takes
/// only its own registration back, so it never leaves a wake-up behind for the next wait (no busy loop).
final class Signal: Sendable {
    private struct State {
        var pending = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waits that ended by timeout before their continuation registered: it resumes at once when it does.
        var abandoned: Set<Int> = []
    }
    private let state = Mutex(State())

    func notify() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            if s.waiters.isEmpty { s.pending = true; return [] }
            let w = Array(s.waiters.values)
            s.waiters = [:]
            return w
        }
        for w in waiters { w.resume() }
    }

    func wait(timeout: Duration) async {
        let id = state.withLock { s -> Int in
            s.nextID &+= 1
            return s.nextID
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { s -> Bool in
                        if s.abandoned.remove(id) != nil { return true }
                        if s.pending { s.pending = false; return true }
                        s.waiters[id] = c
                        return false
                    }
                    if now { c.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            // Timed out: take back this wait's own registration (or mark it, if it has not registered yet).
            let mine = state.withLock { s -> CheckedContinuation<Void, Never>? in
                if let c = s.waiters.removeValue(forKey: id) { return c }
                s.abandoned.insert(id)  // not registered yet, or already resumed by a notify
                return nil
            }
            mine?.resume()
        }
        // Both children are done: this wait's mark, if any, is stale.
        state.withLock { _ = $0.abandoned.remove(id) }
    }

    /// Number of registered waiters (tests).
    var waiting: Int { state.withLock { $0.waiters.count } }
}
