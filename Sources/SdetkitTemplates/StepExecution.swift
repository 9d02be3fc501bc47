import SdetkitCore
import SdetkitEngine
import Synchronization

/// Runs one workflow step's action with its retry policy and time limit.
enum StepExecution {
    /// The final attempt's result (its `result` gains `attempts` when there was more than one) and the count.
    static func execute(_ step: TemplateStep, params: JSONValue, in ws: Workspace, context: ActionContext) async -> ActionResult {
        let planned = PlannedAction(action: step.action, params: params)
        var attempt = 0
        while true {
            attempt += 1
            var r = await withTimeout(step.timeoutSeconds) {
                await ws.perform(planned, step: step.id, context: context)
            } onTimeout: {
                let recorded = ws.registry.action(named: step.action)?.recordedParams(params) ?? params
                var t = ActionResult.failed(step.action, recorded,
                    "timed out after \(Interpolation.text(.number(step.timeoutSeconds ?? 0))) s (timeout_seconds); the action was cancelled")
                t.outcome.step = step.id
                return t
            }
            let done = r.outcome.ok || r.outcome.denied || attempt > step.retries.max
            if done {
                if attempt > 1 {
                    var o = r.outcome.result.objectValue ?? ["value": r.outcome.result]
                    o["attempts"] = .int(attempt)
                    r.outcome.result = .object(o)
                }
                return r
            }
            let delay = step.retries.delay(beforeRetry: attempt)
            if delay > 0 { try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000)) }
        }
    }

    /// Runs `operation`, or returns `onTimeout()` when it has not finished within `seconds`. The operation's
    /// task is cancelled then (actions stop at their next cancellation check; shell.run also has its own limit).
    static func withTimeout(_ seconds: Double?, _ operation: @escaping @Sendable () async -> ActionResult,
                            onTimeout: @escaping @Sendable () -> ActionResult) async -> ActionResult {
        guard let seconds, seconds > 0 else { return await operation() }
        let race = Race()
        return await withCheckedContinuation { (continuation: CheckedContinuation<ActionResult, Never>) in
            race.arm(continuation)
            let work = Task {
                let r = await operation()
                race.finish(r)
            }
            let timer = Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                if Task.isCancelled { return }
                if race.finish(onTimeout()) { work.cancel() }
            }
            race.onFinish { timer.cancel() }
        }
    }
}

/// Resumes a continuation exactly once, from whichever side finishes first.
final class Race: Sendable {
    private struct State {
        var continuation: CheckedContinuation<ActionResult, Never>?
        var done = false
        var cleanup: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func arm(_ c: CheckedContinuation<ActionResult, Never>) { state.withLock { $0.continuation = c } }

    /// Registers work to do once finished (runs now if already finished).
    func onFinish(_ f: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { s -> Bool in
            if s.done { return true }
            s.cleanup = f
            return false
        }
        if runNow { f() }
    }

    /// Delivers `result` if nothing was delivered yet; true when it was this call that delivered.
    @discardableResult
    func finish(_ result: ActionResult) -> Bool {
        let taken = state.withLock { s -> (CheckedContinuation<ActionResult, Never>?, (@Sendable () -> Void)?) in
            guard !s.done else { return (nil, nil) }
            s.done = true
            let c = s.continuation
            let f = s.cleanup
            s.continuation = nil
            s.cleanup = nil
            return (c, f)
        }
        guard let c = taken.0 else { return false }
        c.resume(returning: result)
        taken.1?()
        return true
    }
}
