import HTTPTypes
import Hummingbird
import NIOCore
import SdetkitCore

/// The kinds of RFC 9457 problem the server answers with; the raw value is the slug of the `type` URI.
public enum ProblemKind: String, Sendable, CaseIterable {
    case malformedJSON = "malformed-json"
    case invalidField = "invalid-field"
    case unauthorized
    case notFound = "not-found"
    case methodNotAllowed = "method-not-allowed"
    case conflict
    case bodyTooLarge = "body-too-large"
    case unsupportedMediaType = "unsupported-media-type"
    case idempotencyKeyReused = "idempotency-key-reused"
    case rateLimited = "rate-limited"
    case notReady = "not-ready"
    case channelDisabled = "channel-disabled"
    case unavailable
    case internalError = "internal-error"

    public var status: HTTPResponse.Status {
        switch self {
        case .malformedJSON, .invalidField: return .badRequest
        case .unauthorized: return .unauthorized
        case .notFound, .channelDisabled: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .conflict: return .conflict
        case .bodyTooLarge: return .contentTooLarge
        case .unsupportedMediaType: return .unsupportedMediaType
        case .idempotencyKeyReused: return .unprocessableContent
        case .rateLimited: return .tooManyRequests
        case .notReady, .unavailable: return .serviceUnavailable
        case .internalError: return .internalServerError
        }
    }

    public var title: String {
        switch self {
        case .malformedJSON: return "Malformed JSON"
        case .invalidField: return "Invalid or missing field"
        case .unauthorized: return "Authentication required"
        case .notFound: return "Not found"
        case .methodNotAllowed: return "Method not allowed"
        case .conflict: return "Conflict"
        case .bodyTooLarge: return "Request body too large"
        case .unsupportedMediaType: return "Unsupported media type"
        case .idempotencyKeyReused: return "Idempotency-Key reused with another request body"
        case .rateLimited: return "Too many requests"
        case .notReady: return "Not ready"
        case .channelDisabled: return "Channel disabled"
        case .unavailable: return "Service unavailable"
        case .internalError: return "Internal error"
        }
    }

    public var typeURI: String { "https://sdetkit.dev/problems/\(rawValue)" }
}

/// An RFC 9457 `application/problem+json` answer. Thrown from handlers; rendered by Hummingbird.
public struct Problem: HTTPResponseError, CustomStringConvertible {
    public let kind: ProblemKind
    /// One line naming the field or header, and how to fix it.
    public let detail: String
    /// Whole seconds for `Retry-After` (429, 503).
    public var retryAfter: Int?
    /// Extra headers (`Allow` for 405, `WWW-Authenticate` for 401).
    public var headers: HTTPFields

    public init(_ kind: ProblemKind, _ detail: String, retryAfter: Int? = nil, headers: HTTPFields = [:]) {
        self.kind = kind
        self.detail = Problem.oneLine(detail)
        self.retryAfter = retryAfter
        self.headers = headers
    }

    public var status: HTTPResponse.Status { kind.status }
    public var description: String { "\(kind.status.code) \(kind.rawValue): \(detail)" }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["type": .string(kind.typeURI), "title": .string(kind.title),
                                      "status": .int(kind.status.code), "detail": .string(detail)]
        if let retryAfter { o["retry_after"] = .int(retryAfter) }
        return .object(o)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(requestID: (context as? ServeContext)?.requestID)
    }

    /// The response, with the request id as the problem's `instance` when known.
    public func response(requestID: String?) -> Response {
        var o = json
        if let requestID, case .object(var m) = o {
            m["instance"] = .string("urn:sdetkit:request:\(requestID)")
            o = .object(m)
        }
        var fields = headers
        fields[.contentType] = "application/problem+json"
        if let retryAfter { fields[.retryAfter] = String(retryAfter) }
        if kind == .unauthorized && fields[.wwwAuthenticate] == nil { fields[.wwwAuthenticate] = "Bearer realm=\"sdetkit\"" }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: CanonicalJSON.encode(o))))
    }

    /// Collapses control characters (a request can put anything in a field name we echo).
    static func oneLine(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(min(s.utf8.count, 512))
        for u in s.unicodeScalars.prefix(512) {
            out.unicodeScalars.append(u.value < 0x20 || u.value == 0x7F ? " " : u)
        }
        return out
    }
}

extension Problem {
    static func field(_ name: String, _ what: String) -> Problem {
        Problem(.invalidField, "field '\(name)' \(what)")
    }
}
