import Hummingbird
import Logging
import NIOCore

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

/// Random, URL-safe identifiers for requests, events, runs and messages.
public enum RequestID {
    /// 96 random bits as 24 lower-case hex digits.
    public static func make() -> String {
        var g = SystemRandomNumberGenerator()
        return hex(g.next()) + hex32(UInt32(truncatingIfNeeded: g.next()))
    }

    /// `prefix_` + 24 hex digits (`evt_…`, `run_…`, `msg_…`).
    public static func make(_ prefix: String) -> String { prefix + "_" + make() }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    static func hex32(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}
