import SdetkitCore
import SdetkitStore

/// Queries: on read connections, concurrent with the writer and with each other.
extension SQLiteServeStore {
    static let eventColumns = "event_id, source, channel, user_id, external_id, text, state, received_ms, request_id, run_id, reply_to"

    static func eventRow(_ s: Statement) -> StoredEvent {
        StoredEvent(eventID: s.string(0), source: ChannelKind(rawValue: s.string(1)) ?? .generic, channel: s.string(2),
                    userID: s.string(3), externalID: s.optionalString(4), text: s.string(5),
                    state: EventState(rawValue: s.string(6)) ?? .accepted, receivedAt: Timestamps.rfc3339(millis: s.int(7)), requestID: s.string(8),
                    runID: s.optionalString(9), replyTo: (try? JSONParser.parse(s.string(10))) ?? .null)
    }

    public func pendingEvents(limit: Int) async throws -> [StoredEvent] {
        try await readers.read { c in
            try c.query("SELECT \(Self.eventColumns) FROM events WHERE state = 'accepted' ORDER BY received_ms, rowid LIMIT ?",
                        [limit], Self.eventRow)
        }
    }

    public func telegramCursor(chat: String) async throws -> Int? {
        try await readers.read { c in
            try c.query("SELECT update_id FROM chat_cursor WHERE channel = 'telegram' AND chat = ?", [chat]) { $0.int(0) }.first
        }
    }

    public func events(channel: String?, limit: Int) async throws -> (events: [StoredEvent], total: Int) {
        try await readers.read { c in
            // One read transaction: the page and the total agree.
            try c.execute("BEGIN")
            defer { try? c.execute("COMMIT") }
            let filter = channel == nil ? "" : " WHERE channel = ?"
            let args: [(any SQLBindable)?] = channel.map { [$0] } ?? []
            let total = try c.query("SELECT COUNT(*) FROM events" + filter, args) { $0.int(0) }.first ?? 0
            let rows = try c.query("SELECT \(Self.eventColumns) FROM events\(filter) ORDER BY received_ms DESC, rowid DESC LIMIT ?",
                                   args + [limit], Self.eventRow)
            return (rows, total)
        }
    }

    public func run(_ runID: String) async throws -> QueuedRun? {
        try await readers.read { c in
            try c.query("SELECT \(Self.runColumns) FROM runs WHERE run_id = ?", [runID], Self.runRow).first ?? nil
        }
    }

    public func runs(status: QueuedRunStatus?, limit: Int) async throws -> [QueuedRun] {
        try await readers.read { c in
            let filter = status == nil ? "" : " WHERE status = ?"
            let args: [(any SQLBindable)?] = status.map { [$0.rawValue] } ?? []
            return try c.query("SELECT \(Self.runColumns) FROM runs\(filter) ORDER BY created_ms DESC, rowid DESC LIMIT ?",
                               args + [limit], Self.runRow).compactMap { $0 }
        }
    }

    public func queueDepth() async throws -> Int {
        try await readers.read { c in
            try c.query("SELECT COUNT(*) FROM runs WHERE status = 'queued'") { $0.int(0) }.first ?? 0
        }
    }

    public func outbox(channel: String?, limit: Int) async throws -> [StoredOutboxMessage] {
        try await readers.read { c in
            let filter = channel == nil ? "" : " WHERE channel = ?"
            let args: [(any SQLBindable)?] = channel.map { [$0] } ?? []
            return try c.query("""
                SELECT message_id, channel, method, body, state, event_id, created_ms FROM outbox\(filter)
                ORDER BY created_ms DESC, rowid DESC LIMIT ?
                """, args + [limit]) { s in
                StoredOutboxMessage(message: OutboxMessage(messageID: s.string(0), channel: s.string(1), method: s.string(2),
                                                           body: (try? JSONParser.parse(s.string(3))) ?? .null,
                                                           eventID: s.optionalString(5)),
                                    state: OutboxState(rawValue: s.string(4)) ?? .simulated, createdAt: Timestamps.rfc3339(millis: s.int(6)))
            }
        }
    }
}
