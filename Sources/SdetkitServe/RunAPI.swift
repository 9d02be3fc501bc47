import HTTPTypes
import Hummingbird
import NIOCore
import SdetkitCore
import SdetkitReports
import SdetkitRuntime

/// The run API and the read routes under `/api/v1` (bearer token), and the unauthenticated probes.
extension ServeCore {
    func requireBearer(_ request: Request) throws {
        guard let token = settings.secrets.token else {
            throw Problem(.unauthorized, "the API is disabled: set \(settings.config.secrets.token) in the server's environment")
        }
        guard Signatures.bearerMatches(request.headers[.authorization], token: token) else {
            throw Problem(.unauthorized, request.headers[.authorization] == nil
                ? "header Authorization is missing; send Authorization: Bearer <token>" : "the bearer token does not match")
        }
    }

    /// `POST /api/v1/runs`: `{task}` or `{template, inputs?}`, `priority?` → 202 `{run_id, status: "queued"}`.
    func createRun(_ request: Request, context: ServeContext) async throws -> Response {
        try requireBearer(request)
        let body = try await HTTPSupport.body(request, limit: settings.config.bodyLimitBytes)
        try HTTPSupport.requireJSON(request)
        let o = try HTTPSupport.object(try HTTPSupport.parseJSON(body, limits: jsonLimits))
        let spec: RunSpec
        switch (o["task"], o["template"]) {
        case (.some, .some):
            throw Problem(.invalidField, "give either 'task' or 'template', not both")
        case (.some, nil):
            spec = .task(try HTTPSupport.string(o, "task", maxBytes: 4096))
        case (nil, .some):
            let id = try HTTPSupport.string(o, "template", maxBytes: 64)
            guard id.utf8.allSatisfy({ ChannelNames.allowed($0) }) else {
                throw Problem.field("template", "must be a template id (A-Z a-z 0-9 . _ -), got '\(id.prefix(64))'")
            }
            let inputs = o["inputs"] ?? .object([:])
            guard let map = inputs.objectValue else { throw Problem.field("inputs", "must be an object, got \(inputs.typeName)") }
            spec = .template(id: id, inputs: map)
        case (nil, nil):
            throw Problem(.invalidField, "field 'task' or 'template' is required, e.g. {\"task\": \"health-check\"}")
        }
        var priority = RunPriority.normal
        if let p = o["priority"] {
            guard let s = p.stringValue, let given = RunPriority(rawValue: s) else {
                throw Problem.field("priority", "must be high, normal or low")
            }
            priority = given
        }
        let key = try HTTPSupport.key(request, .idempotencyKey)
        if let key {
            let fresh = inFlightKeys.withLock { $0.insert(key).inserted }
            guard fresh else {
                throw Problem(.conflict, "a request with Idempotency-Key '\(key)' is still being answered; retry when it is done")
            }
        }
        defer { if let key { _ = inFlightKeys.withLock { $0.remove(key) } } }
        let run = NewRun(spec: spec, priority: priority, channel: "api", userID: "api", requestID: context.requestID)
        let outcome = try await store.enqueueRun(run, idempotencyKey: key, bodySHA256: Digest.sha256Hex(body),
                                                 maxDepth: settings.config.queue.maxDepth)
        switch outcome {
        case .queued(let q):
            runSignal.notify()
            metrics.setQueueDepth((try? await store.queueDepth()) ?? 0)
            return HTTPSupport.json(SQLiteServeStore.acceptedBody(q), status: .accepted,
                                    headers: [.location: "/api/v1/runs/\(q.runID)"])
        case .replay(let answer):
            var fields = HTTPFields()
            fields[HTTPField.Name("Idempotent-Replayed")!] = "true"
            return HTTPSupport.json(answer.body, status: HTTPResponse.Status(code: answer.status), headers: fields)
        case .keyConflict:
            throw Problem(.idempotencyKeyReused, "Idempotency-Key '\(key ?? "")' was used before with another body; use a new key")
        case .queueFull(let depth):
            throw Problem(.rateLimited, "the run queue is full (\(depth) runs, serve.queue.max_depth); retry later", retryAfter: 5)
        }
    }

    func getRun(_ request: Request, context: ServeContext) async throws -> Response {
        try requireBearer(request)
        let id = try context.parameters.require("id")
        guard let run = try await store.run(id) else { throw Problem(.notFound, "no run '\(id.prefix(64))' (path /api/v1/runs/{id})") }
        return HTTPSupport.json(run.json)
    }

    func cancelRun(_ request: Request, context: ServeContext) async throws -> Response {
        try requireBearer(request)
        let id = try context.parameters.require("id")
        switch try await store.cancelRun(id) {
        case .cancelled(let run):
            metrics.run(status: QueuedRunStatus.cancelled.rawValue)
            return HTTPSupport.json(run.json)
        case .running:
            throw Problem(.conflict, "run '\(id)' is running; a run that has started finishes and is recorded")
        case .finished(let run):
            throw Problem(.conflict, "run '\(id)' has finished (\(run.status.rawValue)); only a queued run can be cancelled")
        case .notFound:
            throw Problem(.notFound, "no run '\(id.prefix(64))' (path /api/v1/runs/{id})")
        }
    }

    func listRuns(_ request: Request, context: ServeContext) async throws -> Response {
        try requireBearer(request)
        let limit = try HTTPSupport.limit(request, fallback: 50, max: 10_000)
        var status: QueuedRunStatus?
        if let s = try HTTPSupport.query(request, "status") {
            guard let given = QueuedRunStatus(rawValue: s) else {
                throw Problem(.invalidField, "query parameter 'status' must be one of "
                    + QueuedRunStatus.allCases.map(\.rawValue).joined(separator: ", ") + ", got '\(s.prefix(40))'")
            }
            status = given
        }
        let runs = try await store.runs(status: status, limit: limit)
        return HTTPSupport.json(["runs": .array(runs.map(\.json))])
    }

    func listEvents(_ request: Request, context: ServeContext) async throws -> Response {
        try requireBearer(request)
        let limit = try HTTPSupport.limit(request, fallback: 100, max: 10_000)
        let (events, total) = try await store.events(channel: try HTTPSupport.query(request, "channel", maxBytes: 64), limit: limit)
        return HTTPSupport.json(["events": .array(events.map(\.json)), "total": .int(total)])
    }

    func listOutbox(_ request: Request, context: ServeContext) async throws -> Response {
        try requireBearer(request)
        let limit = try HTTPSupport.limit(request, fallback: 100, max: 10_000)
        let messages = try await store.outbox(channel: try HTTPSupport.query(request, "channel", maxBytes: 64), limit: limit)
        return HTTPSupport.json(["messages": .array(messages.map(\.json))])
    }

    /// `GET /api/v1/dashboard`: the dashboard JSON of `agent dashboard build --format json`.
    func dashboard(_ request: Request, context: ServeContext) async throws -> Response {
        try requireBearer(request)
        let ws = workspace
        let bytes = try await Blocking.run { () throws -> [UInt8] in
            let c = ws.config
            let options = DashboardOptions(filter: DashboardFilter(),
                                           slo: SLOTargets(successRate: c.slo.successRate, p95DurationMs: c.slo.p95DurationMs),
                                           actionBudget: c.budgets.maxActions)
            let d = Dashboard(store: ws.store, options: options, clock: ws.clock)
            return try d.renderBytes(.json, summary: try d.summary())
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func healthz(_ request: Request, context: ServeContext) async throws -> Response {
        HTTPSupport.json(["status": "ok"])
    }

    /// 200 only when a write to the server store commits and the history's ledger head verifies.
    func readyz(_ request: Request, context: ServeContext) async throws -> Response {
        do {
            try await store.checkWritable()
        } catch {
            throw Problem(.notReady, "the server store does not accept writes: \(error)")
        }
        let history = workspace.store
        let integrity = try? await Blocking.run { try Dashboard.integrity(of: history) }
        guard let integrity else { throw Problem(.notReady, "the history index cannot be read; run 'sdetkit agent doctor'") }
        guard integrity.verified else {
            throw Problem(.notReady, "the history does not verify (\(integrity.problem ?? "chain broken")); run 'sdetkit agent history verify'")
        }
        return HTTPSupport.json(["status": "ready", "history_entries": .int(integrity.entries), "ledger_head": .string(integrity.head)])
    }

    func metricsText(_ request: Request, context: ServeContext) async throws -> Response {
        if let depth = try? await store.queueDepth() { metrics.setQueueDepth(depth) }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: metrics.text())))
    }
}
