#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Splitting work over the machine's cores.
public enum Parallel {
    /// Online processors, at least 1.
    public static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Runs `body` on contiguous ranges covering `0..<count`, one per worker (at most `cores`, at most 8),
    /// concurrently; on the calling thread alone when `count < serialBelow`. Each call gets its worker number.
    public static func forEachRange(_ count: Int, serialBelow: Int, _ body: @Sendable (_ worker: Int, _ range: Range<Int>) -> Void) {
        let workers = count < serialBelow ? 1 : min(cores, 8)
        let per = (count + workers - 1) / workers
        if workers == 1 { return body(0, 0..<count) }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            body(w, min(count, w * per)..<min(count, (w + 1) * per))
        }
    }
}
