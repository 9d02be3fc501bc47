import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// The server's metrics, through swift-metrics on a Prometheus registry of this server's own (no global
/// bootstrap, so several servers — tests — can live in one process). Served as text at `GET /metrics`.
public final class ServeMetrics: Sendable {
    public enum EventOutcome: String, Sendable, CaseIterable { case accepted, duplicate, rejected, rateLimited = "rate_limited", stale }

    public let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    private let queueDepth: CoreMetrics.Gauge

    public init() {
        var f = PrometheusMetricsFactory(registry: registry)
        f.durationHistogramBuckets["sdetkit_http_request_duration_seconds"] = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5),
        ]
        factory = f
        queueDepth = CoreMetrics.Gauge(label: "sdetkit_run_queue_depth", factory: f)
    }

    private func counter(_ label: String, _ dims: [(String, String)]) -> CoreMetrics.Counter {
        var key = label
        for (k, v) in dims { key += "|" + k + "=" + v }
        return counters.withLock { cache in
            if let c = cache[key] { return c }
            let c = CoreMetrics.Counter(label: label, dimensions: dims, factory: factory)
            cache[key] = c
            return c
        }
    }

    public func request(route: String, code: Int, seconds: Double) {
        counter("sdetkit_http_requests_total", [("route", route), ("code", String(code))]).increment()
        let t = timers.withLock { cache in
            if let t = cache[route] { return t }
            let t = Metrics.Timer(label: "sdetkit_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            cache[route] = t
            return t
        }
        t.recordSeconds(seconds)
    }

    public func event(_ channel: ChannelKind, _ outcome: EventOutcome) {
        counter("sdetkit_events_total", [("channel", channel.rawValue), ("outcome", outcome.rawValue)]).increment()
    }

    public func run(status: String) { counter("sdetkit_runs_total", [("status", status)]).increment() }

    public func outbox(_ channel: String, state: String) {
        counter("sdetkit_outbox_messages_total", [("channel", channel), ("state", state)]).increment()
    }

    public func setQueueDepth(_ n: Int) { queueDepth.record(n) }

    /// Prometheus text exposition format.
    public func text() -> [UInt8] {
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}
