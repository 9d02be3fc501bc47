#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore
import Synchronization

/// Wall-clock times of the server (received_at, created_at, log lines): RFC 3339 UTC with milliseconds.
/// The text of the last second is cached, so that most calls format only their milliseconds.
enum Timestamps {
    private static let second = Mutex<(Int, String)>((-1, ""))

    /// Milliseconds since the Unix epoch.
    static func nowMillis() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int(ts.tv_sec) * 1000 + Int(ts.tv_nsec) / 1_000_000
    }

    /// `2026-12-06T12:00:00.123Z` for `ms` milliseconds since the epoch (from 1970 on).
    static func rfc3339(millis ms: Int) -> String {
        let sec = ms / 1000
        let base: String = second.withLock { cached in
            if cached.0 == sec { return cached.1 }
            cached = (sec, String(RunClock.rfc3339(epochSeconds: Int64(sec)).dropLast()))
            return cached.1
        }
        let f = ms % 1000
        let fraction = String(unsafeUninitializedCapacity: 5) { b in
            b[0] = 0x2E  // .
            b[1] = 0x30 + UInt8(f / 100)
            b[2] = 0x30 + UInt8(f / 10 % 10)
            b[3] = 0x30 + UInt8(f % 10)
            b[4] = 0x5A  // Z
            return 5
        }
        return base + fraction
    }
}
