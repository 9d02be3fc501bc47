import Hummingbird
import Logging
import NIOCore
import Synchronization

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
        return hex(a, 16, b >> 32, 8)
    }

    /// `prefix_` + 12 hex digits of the time in milliseconds + 12 random hex digits.
    public static func make(_ prefix: String) -> String {
        let ms = UInt64(Timestamps.nowMillis())
        let r = generator.withLock { $0.next() }
        return prefix + "_" + hex(ms & 0xffff_ffff_ffff, 12, r >> 16, 12)
    }

    /// `high` as exactly `highDigits` lower-case hex digits (its low bits), then `low` as `lowDigits`.
    static func hex(_ high: UInt64, _ highDigits: Int, _ low: UInt64, _ lowDigits: Int) -> String {
        String(unsafeUninitializedCapacity: highDigits + lowDigits) { buf in
            for k in 0..<highDigits { buf[k] = digit(high >> (UInt64(highDigits - 1 - k) * 4)) }
            for k in 0..<lowDigits { buf[highDigits + k] = digit(low >> (UInt64(lowDigits - 1 - k) * 4)) }
            return highDigits + lowDigits
        }
    }

    private static func digit(_ v: UInt64) -> UInt8 {
        let d = UInt8(truncatingIfNeeded: v & 0xf)
        return d < 10 ? 0x30 + d : 0x57 + d
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
