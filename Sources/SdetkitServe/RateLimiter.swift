import Synchronization

/// Token buckets per (channel, user): `capacity` requests at once, refilled at `refillPerSecond`. In memory: a
/// restart gives every bucket its full capacity back, which errs on the side of accepting.
public final class RateLimiter: Sendable {
    public struct Decision: Sendable, Equatable {
        public var allowed: Bool
        /// Whole seconds until a token is back (≥ 1) when refused.
        public var retryAfter: Int
    }

    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    let capacity: Double
    let refillPerSecond: Double
    /// Buckets kept at most; full ones are dropped first when over (a full bucket is the same as none).
    let maxBuckets: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(capacity: Double, refillPerSecond: Double, maxBuckets: Int = 100_000) {
        self.capacity = max(1, capacity)
        self.refillPerSecond = max(refillPerSecond, 1e-9)
        self.maxBuckets = maxBuckets
    }

    /// Takes one token of `key`'s bucket at time `now` (seconds, monotonic).
    public func take(_ key: String, now: Double) -> Decision {
        buckets.withLock { map in
            var b = map[key] ?? Bucket(tokens: capacity, updated: now)
            b.tokens = min(capacity, b.tokens + max(0, now - b.updated) * refillPerSecond)
            b.updated = now
            if b.tokens >= 1 {
                b.tokens -= 1
                map[key] = b
                if map.count > maxBuckets { Self.evict(&map, capacity: capacity, refill: refillPerSecond, now: now) }
                return Decision(allowed: true, retryAfter: 0)
            }
            map[key] = b
            let wait = (1 - b.tokens) / refillPerSecond
            return Decision(allowed: false, retryAfter: max(1, Int(wait.rounded(.up))))
        }
    }

    private static func evict(_ map: inout [String: Bucket], capacity: Double, refill: Double, now: Double) {
        map = map.filter { min(capacity, $0.value.tokens + (now - $0.value.updated) * refill) < capacity }
    }

    public static func key(channel: String, user: String) -> String { channel + "\u{1F}" + user }
}
