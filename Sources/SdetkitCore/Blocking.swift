#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs blocking work (a `poll`, an `flock`, a terminal read, a long file scan) on a dedicated thread and
/// resumes the caller when it is done, so the Swift concurrency thread pool is never held by a wait.
public enum Blocking {
    private final class Work: @unchecked Sendable {
        // Set once before the thread starts, run once on it: no concurrent access.
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// `body`'s value (or error), computed on a new thread.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
            start { done.resume(with: Result { try body() }) }
        }
    }

    /// `body`'s value, computed on a new thread.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (done: CheckedContinuation<T, Never>) in
            start { done.resume(returning: body()) }
        }
    }

    /// Starts a detached thread running `body`; runs it on the calling thread if no thread can be created.
    public static func start(_ body: @escaping @Sendable () -> Void) {
        let work = Unmanaged.passRetained(Work(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            let work = Unmanaged<Work>.fromOpaque(arg!).takeRetainedValue()
            work.body()
            return nil
        }, work)
        if rc == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<Work>.fromOpaque(work).takeRetainedValue().body()
        }
    }
}
