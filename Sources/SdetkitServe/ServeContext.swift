import Hummingbird
import Logging
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The per-request context: Hummingbird's core storage plus the request id that every log line, event and
/// run this request causes carries. A value type, `Sendable`, made fresh for each request.
public struct ServeContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String
    /// The connection (closed after a 413, so that an oversized body is not read to its end).
    public let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        requestID = RequestID.make()
        channel = source.channel
    }

    /// Bodies are read by the handlers under `serve.body_limit_bytes`, never through Codable decoding.
    public var maxUploadSize: Int { 0 }
}

/// URL-safe identifiers for requests, events, runs and messages: 24 lower-case hex digits.
///
/// Request ids are 96 random bits. Stored ids (`evt_…`, `run_…`, `msg_…`) start with the creation time in
/// milliseconds (48 bits) followed by 48 random bits, so that they sort by creation time and the store's primary
/// keys grow at their end instead of touching a random B-tree page for every insert. The random bits come from a
/// xoshiro256** generator seeded once from the system's generator (ids need to be unique, not secret:
/// every route that takes an id is authenticated).
public enum RequestID {
    private static let generator = Mutex(Xoshiro256(seed: SystemRandomNumberGenerator()))

    /// 96 random bits as 24 lower-case hex digits.
    public static func make() -> String {
        let (a, b) = generator.withLock { g in (g.next(), g.next()) }
        return hex([(a, 16), (b >> 32, 8)])
    }

    /// `prefix_` + 12 hex digits of the time in milliseconds + 12 random hex digits.
    public static func make(_ prefix: String) -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let ms = UInt64(ts.tv_sec) &* 1000 &+ UInt64(ts.tv_nsec / 1_000_000)
        let r = generator.withLock { $0.next() }
        return prefix + "_" + hex([(ms & 0xffff_ffff_ffff, 12), (r >> 16, 12)])
    }

    /// Each value as exactly `digits` lower-case hex digits (its low bits).
    static func hex(_ parts: [(UInt64, Int)]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        let count = parts.reduce(0) { $0 + $1.1 }
        return String(unsafeUninitializedCapacity: count) { buf in
            var i = 0
            for (v, n) in parts {
                for k in stride(from: n - 1, through: 0, by: -1) {
                    buf[i] = digits[Int((v >> (UInt64(k) * 4)) & 0xf)]
                    i += 1
                }
            }
            return count
        }
    }
}

/// xoshiro256** (Blackman and Vigna), a small fast generator for identifiers.
struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init<G: RandomNumberGenerator>(seed: G) {
        var g = seed
        s = (g.next(), g.next(), g.next(), g.next())
        if s == (0, 0, 0, 0) { s.0 = 0x9e37_79b9_7f4a_7c15 }
    }

    init(state: (UInt64, UInt64, UInt64, UInt64)) { s = state }

    mutating func next() -> UInt64 {
        func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }
}
