import Logging
import SdetkitCore
import ServiceLifecycle

/// Works through accepted events after they were acknowledged: decides each one's intent, writes its reply to
/// the outbox, queues the runs it asks for, and marks Telegram updates that arrive out of order as stale. A batch
/// is recorded in one transaction; events left unprocessed by a crash are processed at the next start.
struct EventProcessor: Service {
    let core: ServeCore
    var batchSize = 64

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let batch = try await core.store.pendingEvents(limit: batchSize)
                    if batch.isEmpty {
                        await core.eventSignal.wait(timeout: .seconds(1))
                        continue
                    }
                    try await process(batch)
                } catch is CancellationError {
                    return
                } catch {
                    core.logger.error("event processing failed; retrying in 1 s", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    func process(_ batch: [StoredEvent]) async throws {
        var cursors: [String: Int] = [:]
        var resolutions: [EventResolution] = []
        resolutions.reserveCapacity(batch.count)
        var answers: [String: String] = [:]  // read-only answers shared within a batch
        for e in Self.inUpdateOrder(batch) {
            if e.source == .telegram, let update = e.externalID.flatMap({ Int($0) }), let chat = Self.chatKey(e.replyTo) {
                let known: Int?
                if let c = cursors[chat] { known = c } else { known = try await core.store.telegramCursor(chat: chat) }
                if let known, update < known {
                    resolutions.append(EventResolution(eventID: e.eventID, state: .stale))
                    core.metrics.event(.telegram, .stale)
                    continue
                }
                cursors[chat] = max(known ?? update, update)
                var r = await resolve(e, answers: &answers)
                r.cursor = (chat, update)
                resolutions.append(r)
            } else {
                resolutions.append(await resolve(e, answers: &answers))
            }
        }
        try await core.store.resolve(resolutions)
        for r in resolutions {
            for m in r.replies { core.metrics.outbox(m.channel == "slack" || m.channel == "telegram" ? m.channel : "generic", state: "simulated") }
        }
        if resolutions.contains(where: { $0.run != nil }) { core.runSignal.notify() }
    }

    /// The batch with each Telegram chat's updates in update-id order (in the places that chat's updates held):
    /// updates that arrive together are decided oldest first, and only one older than what an earlier batch
    /// decided is stale. Other events keep their places.
    static func inUpdateOrder(_ batch: [StoredEvent]) -> [StoredEvent] {
        var slots: [String: [Int]] = [:]
        for (i, e) in batch.enumerated() where e.source == .telegram && e.externalID.flatMap({ Int($0) }) != nil {
            if let chat = chatKey(e.replyTo) { slots[chat, default: []].append(i) }
        }
        var out = batch
        for (_, places) in slots where places.count > 1 {
            let ordered = places.map { batch[$0] }.sorted { Int($0.externalID ?? "") ?? 0 < Int($1.externalID ?? "") ?? 0 }
            for (k, i) in places.enumerated() { out[i] = ordered[k] }
        }
        return out
    }

    /// Telegram chat ids are numbers or `@channel` names: the key is their JSON text.
    static func chatKey(_ replyTo: JSONValue) -> String? {
        guard let id = replyTo["chat_id"], !id.isNull else { return nil }
        return id.stringValue ?? CanonicalJSON.string(id)
    }

    /// What one event asks for, as its replies and (maybe) a run.
    func resolve(_ e: StoredEvent, answers: inout [String: String]) async -> EventResolution {
        let (intent, lang) = core.intents.parse(e.text)
        func reply(_ text: String) -> OutboxMessage {
            ServeCore.reply(source: e.source, channel: e.channel, replyTo: e.replyTo, text: text, eventID: e.eventID)
        }
        let ru = lang == .russian
        if let r = Self.decidedWithoutReads(intent, lang, e) { return r }
        switch intent {
        case .approve(let runID)?:
            return await approve(runID, e, reply: reply, russian: ru)
        default:
            let key = "\(String(describing: intent))|\(ru)"
            let text: String
            if let cached = answers[key] {
                text = cached
            } else {
                text = await core.answer(intent, language: lang)
                answers[key] = text
            }
            return EventResolution(eventID: e.eventID, state: .processed, replies: [reply(text)])
        }
    }

    /// The decision for intents that need nothing from the store — a request for an audit or a template run (queued),
    /// help and words the parser does not know (the help text) — or nil.
    static func decidedWithoutReads(_ intent: Intent?, _ lang: ReplyLanguage, _ e: StoredEvent) -> EventResolution? {
        func reply(_ text: String) -> OutboxMessage {
            ServeCore.reply(source: e.source, channel: e.channel, replyTo: e.replyTo, text: text, eventID: e.eventID)
        }
        let ru = lang == .russian
        switch intent {
        case .audit?, .template?:
            let spec: RunSpec
            if case .template(let id)? = intent { spec = .template(id: id, inputs: [:]) } else { spec = .audit(profile: "default") }
            let run = NewRun(spec: spec, channel: e.channel, userID: e.userID, requestID: e.requestID, eventID: e.eventID,
                             replyTo: Self.replyTarget(e))
            let text = ru ? "В очереди: \(spec.taskText) (\(run.runID)); результат придёт сюда."
                : "Queued \(spec.taskText) as \(run.runID); the result follows here."
            return EventResolution(eventID: e.eventID, state: .processed, replies: [reply(text)], run: run)
        case nil, .help?:
            return EventResolution(eventID: e.eventID, state: .processed, replies: [reply(IntentParser.helpText(lang))])
        default:
            return nil
        }
    }

    /// The decision for an event being accepted, when it needs no reads (see ``decidedWithoutReads``): it is then
    /// stored already decided, in the transaction that stores it. Telegram updates wait for the processor, which
    /// orders them by update id per chat; events stored already decided keep their state.
    static func decisionAtAccept(_ e: NewEvent, intents: IntentParser) -> EventResolution? {
        guard e.state == .accepted, e.source != .telegram else { return nil }
        let (intent, lang) = intents.parse(e.text)
        let stored = StoredEvent(eventID: e.eventID, source: e.source, channel: e.channel, userID: e.userID, externalID: e.externalID,
                                 text: e.text, state: e.state, receivedAt: "", requestID: e.requestID, runID: nil, replyTo: e.replyTo)
        return decidedWithoutReads(intent, lang, stored)
    }

    /// `approve RUN_ID` from a configured approver re-queues a run that was denied, with its gated actions approved.
    func approve(_ runID: String, _ e: StoredEvent, reply: (String) -> OutboxMessage, russian ru: Bool) async -> EventResolution {
        guard core.isApprover(channel: e.channel, user: e.userID) else {
            let text = ru ? "Одобрять могут только пользователи из serve.approvers; \(e.channel):\(e.userID) среди них нет."
                : "Only the users in serve.approvers may approve; \(e.channel):\(e.userID) is not one of them."
            return EventResolution(eventID: e.eventID, state: .processed, replies: [reply(text)])
        }
        guard let run = try? await core.store.run(runID) else {
            return EventResolution(eventID: e.eventID, state: .processed, replies: [reply(ru ? "Нет запуска \(runID)." : "No run \(runID).")])
        }
        guard run.status == .denied else {
            let text = ru ? "\(runID) в состоянии \(run.status.rawValue): одобрить можно только запуск со статусом denied."
                : "\(runID) is \(run.status.rawValue): only a denied run can be approved."
            return EventResolution(eventID: e.eventID, state: .processed, replies: [reply(text)])
        }
        let again = NewRun(spec: run.spec, priority: run.priority, channel: run.channel, userID: run.userID, requestID: e.requestID,
                           eventID: e.eventID, approvedBy: "\(e.channel):\(e.userID)", replyTo: run.replyTo.isNull ? Self.replyTarget(e) : run.replyTo)
        let text = ru ? "Одобрено: \(runID) запускается снова как \(again.runID)."
            : "Approved: \(runID) runs again as \(again.runID) with its gated actions approved."
        return EventResolution(eventID: e.eventID, state: .processed, replies: [reply(text)], run: again)
    }

    /// Where a run's result is announced: the event's own reply target plus its source and channel.
    static func replyTarget(_ e: StoredEvent) -> JSONValue {
        guard case .object(var o) = e.replyTo else {
            return ["source": .string(e.source.rawValue), "channel_name": .string(e.channel), "user_id": .string(e.userID),
                    "event_id": .string(e.eventID)]
        }
        o["source"] = .string(e.source.rawValue)
        o["channel_name"] = .string(e.channel)
        o["event_id"] = .string(e.eventID)
        if o["user_id"] == nil { o["user_id"] = .string(e.userID) }
        return .object(o)
    }
}
