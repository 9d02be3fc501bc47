import HTTPTypes
import Hummingbird
import NIOCore
import SdetkitCore

/// Reading and answering requests within the configured limits.
enum HTTPSupport {
    /// The body, at most `limit` bytes: refused from `Content-Length` before reading, or as soon as the stream
    /// passes the limit (never buffered in full).
    static func body(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let given = request.headers[.contentLength] {
            guard let n = Int(given), n >= 0 else {
                throw Problem(.invalidField, "header Content-Length is not a byte count ('\(given.prefix(40))')")
            }
            if n > limit { throw tooLarge(limit, announced: n) }
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer: buffer)
        } catch is NIOTooManyBytesError {
            throw tooLarge(limit, announced: nil)
        }
    }

    static func tooLarge(_ limit: Int, announced: Int?) -> Problem {
        let what = announced.map { "a body of \($0) bytes" } ?? "the body"
        var fields = HTTPFields()
        fields[.connection] = "close"
        return Problem(.bodyTooLarge, "\(what) is over the limit of \(limit) bytes (serve.body_limit_bytes); send less",
                       headers: fields)
    }

    /// The media type of `Content-Type` without parameters, lower-cased.
    static func mediaType(_ request: Request) -> String? {
        guard let v = request.headers[.contentType] else { return nil }
        return mediaType(v)
    }

    static func mediaType(_ value: String) -> String? {
        var bytes = Substring(value).utf8
        if let semicolon = bytes.firstIndex(of: UInt8(ascii: ";")) { bytes = bytes[..<semicolon] }
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        while let f = bytes.first, blank(f) { bytes = bytes.dropFirst() }
        while let l = bytes.last, blank(l) { bytes = bytes.dropLast() }
        // Media types are ASCII; lower-case bytes without Unicode case mapping.
        if !bytes.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) { return String(Substring(bytes)) }
        return String(decoding: bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    static func requireJSON(_ request: Request) throws {
        let t = mediaType(request)
        guard t == "application/json" || (t?.hasPrefix("application/") == true && t?.hasSuffix("+json") == true) else {
            throw Problem(.unsupportedMediaType,
                          "header Content-Type is '\(t ?? "missing")'; send the body as application/json")
        }
    }

    static func parseJSON(_ bytes: [UInt8], limits: JSONLimits) throws -> JSONValue {
        do {
            return try JSONParser.parse(bytes: bytes, limits: limits)
        } catch {
            throw Problem(.malformedJSON, "the body is not valid JSON: \(error.description)")
        }
    }

    static func object(_ value: JSONValue) throws -> [String: JSONValue] {
        guard let o = value.objectValue else {
            throw Problem(.invalidField, "the body must be a JSON object, got \(value.typeName)")
        }
        return o
    }

    /// A required string member, non-empty unless `allowEmpty`.
    static func string(_ o: [String: JSONValue], _ name: String, maxBytes: Int = 16_384, allowEmpty: Bool = false) throws -> String {
        guard let v = o[name] else { throw Problem.field(name, "is missing; it must be a string") }
        guard let s = v.stringValue else { throw Problem.field(name, "must be a string, got \(v.typeName)") }
        if !allowEmpty && s.isEmpty { throw Problem.field(name, "must not be empty") }
        if s.utf8.count > maxBytes { throw Problem.field(name, "is longer than \(maxBytes) bytes") }
        return s
    }

    /// A JSON answer.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: CanonicalJSON.encode(value))))
    }

    /// `limit` from the query: 1 … `max`, `fallback` when absent.
    static func limit(_ request: Request, fallback: Int, max: Int) throws -> Int {
        guard let given = request.uri.queryParameters["limit"] else { return fallback }
        guard let n = Int(String(given)), n >= 1, n <= max else {
            throw Problem(.invalidField, "query parameter 'limit' must be an integer from 1 to \(max), got '\(String(given).prefix(40))'")
        }
        return n
    }

    static func query(_ request: Request, _ name: String, maxBytes: Int = 256) throws -> String? {
        guard let v = request.uri.queryParameters[Substring(name)] else { return nil }
        let s = String(v)
        if s.utf8.count > maxBytes { throw Problem(.invalidField, "query parameter '\(name)' is longer than \(maxBytes) bytes") }
        return s.isEmpty ? nil : s
    }

    /// A dedupe key or id from a header: 1–255 visible ASCII characters.
    static func key(_ request: Request, _ name: HTTPField.Name) throws -> String? {
        guard let v = request.headers[name] else { return nil }
        guard !v.isEmpty, v.utf8.count <= 255, v.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw Problem(.invalidField, "header \(name.rawName) must be 1 to 255 visible ASCII characters")
        }
        return v
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let webhookID = HTTPField.Name("webhook-id")!
    static let webhookTimestamp = HTTPField.Name("webhook-timestamp")!
    static let webhookSignature = HTTPField.Name("webhook-signature")!
    static let githubSignature = HTTPField.Name("X-Hub-Signature-256")!
    static let githubDelivery = HTTPField.Name("X-GitHub-Delivery")!
    static let slackSignature = HTTPField.Name("X-Slack-Signature")!
    static let slackTimestamp = HTTPField.Name("X-Slack-Request-Timestamp")!
    static let slackRetryNum = HTTPField.Name("X-Slack-Retry-Num")!
    static let telegramSecret = HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!
}
