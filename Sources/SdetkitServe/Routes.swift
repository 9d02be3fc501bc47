import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SdetkitCore

/// Every route of the server, in one table: the router is built from it, 405 answers come from it, and a test
/// checks it against `docs/openapi.yaml`.
public struct ServeRoute: Sendable, Hashable {
    public enum Auth: String, Sendable { case none, bearer, generic, slack, telegram }
    public let method: HTTPRequest.Method
    /// Hummingbird syntax: `{id}` is a parameter.
    public let path: String
    public let auth: Auth

    public static let all: [ServeRoute] = [
        ServeRoute(method: .get, path: "/healthz", auth: .none),
        ServeRoute(method: .get, path: "/readyz", auth: .none),
        ServeRoute(method: .get, path: "/metrics", auth: .none),
        ServeRoute(method: .post, path: "/webhook/generic", auth: .generic),
        ServeRoute(method: .post, path: "/webhook/slack", auth: .slack),
        ServeRoute(method: .post, path: "/webhook/telegram", auth: .telegram),
        ServeRoute(method: .post, path: "/api/v1/runs", auth: .bearer),
        ServeRoute(method: .get, path: "/api/v1/runs", auth: .bearer),
        ServeRoute(method: .get, path: "/api/v1/runs/{id}", auth: .bearer),
        ServeRoute(method: .post, path: "/api/v1/runs/{id}/cancel", auth: .bearer),
        ServeRoute(method: .get, path: "/api/v1/events", auth: .bearer),
        ServeRoute(method: .get, path: "/api/v1/outbox", auth: .bearer),
        ServeRoute(method: .get, path: "/api/v1/dashboard", auth: .bearer),
    ]

    /// Whether `path` (a request path) matches this route's pattern.
    func matches(_ requestPath: String) -> Bool {
        let a = path.split(separator: "/")
        let b = requestPath.split(separator: "/")
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }

    /// The methods any route allows at `path` (for 405 and `Allow`).
    static func methods(at path: String) -> [HTTPRequest.Method] {
        all.filter { $0.matches(path) }.map(\.method)
    }
}

extension ServeCore {
    typealias Handler = @Sendable (Request, ServeContext) async throws -> Response

    func handler(for route: ServeRoute) -> Handler {
        switch (route.method, route.path) {
        case (.get, "/healthz"): return healthz
        case (.get, "/readyz"): return readyz
        case (.get, "/metrics"): return metricsText
        case (.post, "/webhook/generic"): return genericWebhook
        case (.post, "/webhook/slack"): return slackWebhook
        case (.post, "/webhook/telegram"): return telegramWebhook
        case (.post, "/api/v1/runs"): return createRun
        case (.get, "/api/v1/runs"): return listRuns
        case (.get, "/api/v1/runs/{id}"): return getRun
        case (.post, "/api/v1/runs/{id}/cancel"): return cancelRun
        case (.get, "/api/v1/events"): return listEvents
        case (.get, "/api/v1/outbox"): return listOutbox
        default: return dashboard
        }
    }

    /// The router: every route of ``ServeRoute/all`` behind ``ServeMiddleware``.
    public func router() -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        router.add(middleware: ServeMiddleware(core: self))
        for route in ServeRoute.all {
            let h = handler(for: route)
            router.on(RouterPath(route.path), method: route.method) { request, context in try await h(request, context) }
        }
        return router
    }
}

/// The outermost layer of every request: the request id (`X-Request-Id`), problem+json for every error (404 and
/// 405 included, never a stack trace), metrics, and one structured log line.
struct ServeMiddleware: RouterMiddleware {
    typealias Context = ServeContext
    let core: ServeCore

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response) async throws -> Response {
        let start = RunClock.monotonicMillis()
        var response: Response
        do {
            response = try await next(request, context)
        } catch let p as Problem {
            response = p.response(requestID: context.requestID)
        } catch let e as HTTPError {
            response = Self.problem(for: e, request: request).response(requestID: context.requestID)
        } catch is NIOTooManyBytesError {
            response = HTTPSupport.tooLarge(core.settings.config.bodyLimitBytes, announced: nil).response(requestID: context.requestID)
        } catch {
            core.logger.error("request failed", metadata: ["request_id": "\(context.requestID)", "error": "\(error)"])
            response = Problem(.internalError, "the server could not answer this request; the log has request id \(context.requestID)")
                .response(requestID: context.requestID)
        }
        response.headers[.requestID] = context.requestID
        if response.status == .contentTooLarge, let channel = context.channel {
            response = Self.closingAfterWrite(response, channel: channel)
        }
        let seconds = (RunClock.monotonicMillis() - start) / 1000
        let route = context.endpointPath ?? "unmatched"
        core.metrics.request(route: route, code: Int(response.status.code), seconds: seconds)
        if core.logger.logLevel <= .info {
            core.logger.info("request", metadata: [
                "request_id": "\(context.requestID)", "method": "\(request.method.rawValue)", "route": "\(route)",
                "status": "\(response.status.code)", "duration_ms": "\(Int((seconds * 1000).rounded()))",
            ])
        }
        return response
    }

    /// The response, then the connection closed: Hummingbird would otherwise read the rest of an oversized body
    /// to keep the connection alive (a 50 MiB upload read to its end). Reading stops at once; after the answer the
    /// server half-closes (the client sees the answer and the end of the stream) and closes fully a moment later.
    static func closingAfterWrite(_ response: Response, channel: any Channel) -> Response {
        var r = response
        let body = response.body
        r.headers[.connection] = "close"
        channel.eventLoop.execute { _ = channel.setOption(ChannelOptions.autoRead, value: false) }
        r.body = ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(writer)
            channel.eventLoop.execute {
                channel.close(mode: .output, promise: nil)
                channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
            }
        }
        return r
    }

    static func problem(for e: HTTPError, request: Request) -> Problem {
        switch e.status {
        case .notFound:
            let allowed = ServeRoute.methods(at: request.uri.path)
            if !allowed.isEmpty {
                var fields = HTTPFields()
                fields[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                return Problem(.methodNotAllowed, "\(request.method.rawValue) is not allowed on \(request.uri.path.prefix(200)); "
                    + "use \(allowed.map(\.rawValue).joined(separator: " or "))", headers: fields)
            }
            return Problem(.notFound, "no route \(request.uri.path.prefix(200)); the routes are in docs/openapi.yaml")
        case .contentTooLarge:
            return Problem(.bodyTooLarge, "the body is over the limit (serve.body_limit_bytes)")
        case .badRequest:
            return Problem(.invalidField, e.body ?? "the request is malformed")
        case .unsupportedMediaType:
            return Problem(.unsupportedMediaType, e.body ?? "unsupported Content-Type")
        default:
            return Problem(e.status.code >= 500 ? .internalError : .invalidField, e.body ?? e.status.reasonPhrase)
        }
    }
}
