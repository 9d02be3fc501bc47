import Logging
import SdetkitAudit
import SdetkitCore
import SdetkitRuntime
import ServiceLifecycle
import Synchronization

/// The execution plane: `serve.workers` loops that claim queued runs (priority, then age, within the per-user and
/// per-channel limits; the claim is a transaction, so no run executes twice) and execute them through the run
/// coordinator — the same pipeline, policy engine and history as the CLI — never inside a request handler.
///
/// Graceful stop: no new claims; running runs get `serve.grace_period_seconds` to finish, then are cancelled and
/// recorded as cancelled; runs still queued are cancelled.
final class RunWorkers: Service, Sendable {
    let core: ServeCore
    let coordinator: RunCoordinator
    private let stopping = Mutex(false)
    private let running = Mutex<[String: Task<Void, Never>]>([:])

    init(core: ServeCore) {
        self.core = core
        coordinator = RunCoordinator.shared(for: core.workspace)
    }

    var isStopping: Bool { stopping.withLock { $0 } }

    func run() async throws {
        let n = max(1, core.settings.config.workers)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<n { group.addTask { await self.loop() } }
                await group.waitForAll()
            }
        } onGracefulShutdown: {
            self.stopping.withLock { $0 = true }
            self.core.runSignal.notify()
        }
        await drainAfterStop()
    }

    private func loop() async {
        let limits = ClaimLimits(perUser: core.settings.config.queue.perUser, perChannel: core.settings.config.queue.perChannel)
        while !isStopping {
            let claimed: QueuedRun?
            do {
                claimed = try await core.store.claimRun(limits: limits)
            } catch {
                core.logger.error("claiming a run failed; retrying in 1 s", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            guard let run = claimed else {
                await core.runSignal.wait(timeout: .milliseconds(500))
                continue
            }
            let task = Task { await self.execute(run) }
            running.withLock { $0[run.runID] = task }
            await task.value
            running.withLock { _ = $0.removeValue(forKey: run.runID) }
            await updateQueueDepth()
            core.runSignal.notify()  // a limit may have freed another run
        }
    }

    func updateQueueDepth() async {
        if let depth = try? await core.store.queueDepth() { core.metrics.setQueueDepth(depth) }
    }

    /// After the loops stopped claiming: waits for running runs up to the grace period, cancels the rest.
    private func drainAfterStop() async {
        let grace = core.settings.config.gracePeriodSeconds
        let deadline = RunClock.monotonicMillis() + grace * 1000
        while !running.withLock({ $0.isEmpty }) && RunClock.monotonicMillis() < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let left = running.withLock { $0 }
        for (id, task) in left {
            task.cancel()
            try? await core.store.finishRun(id, status: .cancelled, seq: nil, hash: nil,
                                            error: "cancelled: the server stopped and the run did not finish within the grace period of \(grace) s",
                                            replies: [])
            core.metrics.run(status: QueuedRunStatus.cancelled.rawValue)
        }
        if let n = try? await core.store.cancelQueuedRuns(reason: "cancelled: the server stopped before this run started"), n > 0 {
            core.logger.info("cancelled queued runs at stop", metadata: ["count": "\(n)"])
        }
    }

    /// Executes one claimed run and records its outcome (and a reply, when it came from a chat).
    func execute(_ run: QueuedRun) async {
        let origin = RunOrigin(requestID: run.requestID, eventID: run.eventID, channel: run.channel, user: run.userID)
        let approval: ApprovalMode = run.approvedBy != nil ? .granted : .nonInteractive
        var status = QueuedRunStatus.failed
        var seq: Int?
        var hash: String?
        var error: String?
        var summary = ""
        do {
            let result: RunResult
            switch run.spec {
            case .audit(let profile):
                let options = AuditRun.Options(profile: profile, changedSince: nil, baseline: nil, failOn: nil)
                let (report, r) = try await coordinator.runAudit(options, approval: approval, origin: origin)
                result = r
                if let report { summary = Self.auditSummary(report) }
            case .task(let task):
                result = try await coordinator.perform(.task(task), approval: approval, origin: origin)
            case .template(let id, let inputs):
                result = try await coordinator.perform(.template(id: id, inputs: inputs), approval: approval, origin: origin)
            }
            status = QueuedRunStatus(rawValue: result.record.status.rawValue) ?? .failed
            seq = result.entry?.seq
            hash = result.hash
            if status != .ok {
                error = result.record.actions.first { !$0.ok || $0.denied }.map { "\($0.action): \($0.reason)" }
            }
        } catch is CancellationError {
            status = .cancelled
            error = "cancelled before it started"
        } catch let e as UserFacingError {
            error = e.message
        } catch let e {
            error = "\(e)"
        }
        var replies: [OutboxMessage] = []
        if case .object(let target) = run.replyTo, let source = target["source"]?.stringValue.flatMap(ChannelKind.init(rawValue:)) {
            var text = "\(run.runID) (\(run.spec.taskText)): \(status.rawValue)"
            if let seq { text += ", history #\(seq)" }
            if let error { text += " — \(error)" }
            if status == .denied && run.approvedBy == nil { text += ". An approver can answer: approve \(run.runID)" }
            if !summary.isEmpty { text += "\n" + summary }
            replies.append(ServeCore.reply(source: source, channel: target["channel_name"]?.stringValue ?? run.channel,
                                           replyTo: run.replyTo, text: text, eventID: target["event_id"]?.stringValue))
        }
        do {
            try await core.store.finishRun(run.runID, status: status, seq: seq, hash: hash, error: error.map(Problem.oneLine),
                                           replies: replies)
        } catch {
            core.logger.error("recording a run's outcome failed", metadata: ["run_id": "\(run.runID)", "error": "\(error)"])
        }
        core.metrics.run(status: status.rawValue)
        for m in replies { core.metrics.outbox(m.channel == "slack" || m.channel == "telegram" ? m.channel : "generic", state: "simulated") }
        core.logger.info("run finished", metadata: ["run_id": "\(run.runID)", "status": "\(status.rawValue)",
                                                    "request_id": "\(run.requestID)", "seq": "\(seq.map(String.init) ?? "-")"])
    }

    /// Score and the five most severe findings, one per line.
    static func auditSummary(_ report: AuditReport) -> String {
        var lines = ["Audit score \(report.scoreText)/10, \(report.findings.count) findings."]
        for f in report.findings.prefix(5) {
            let place = f.path.map { p in f.line.map { "\(p):\($0)" } ?? p } ?? "repository"
            lines.append("- \(f.severity.rawValue) \(f.ruleID) at \(place)")
        }
        return lines.joined(separator: "\n")
    }
}
