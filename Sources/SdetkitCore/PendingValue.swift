import Dispatch
import Synchronization

/// A value one thread computes and others wait for: created empty, filled exactly once, and `wait()` blocks
/// until then. For work that several threads may need at the same moment and that must run only once (a
/// repository status, an audit's content scan). The filling thread must never wait on its own value.
public final class PendingValue<Value: Sendable>: Sendable {
    private let ready = DispatchGroup()
    private let value = Mutex<Value?>(nil)

    public init() { ready.enter() }

    /// Sets the value and wakes every waiter. Call exactly once.
    public func fill(_ v: Value) {
        value.withLock { $0 = v }
        ready.leave()
    }

    /// The value, once it is filled.
    public func wait() -> Value {
        ready.wait()
        return value.withLock { $0! }
    }
}
