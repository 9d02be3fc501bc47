import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Request authentication schemes, as pure functions over bytes (test vectors in SdetkitServeTests).
/// Every comparison of a secret or a signature takes time independent of where the inputs differ.
public enum Signatures {
    /// Constant-time equality of two byte strings (their lengths may leak, their contents do not).
    public static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
        if a.count != b.count { diff |= 1 }
        var ia = a.makeIterator()
        var ib = b.makeIterator()
        // Walk the longer input fully so the time depends only on the lengths.
        for _ in 0..<max(a.count, b.count) {
            let x = ia.next() ?? 0
            let y = ib.next() ?? 0
            diff |= x ^ y
        }
        return diff == 0
    }

    /// `Authorization: Bearer TOKEN` against the configured token.
    public static func bearerMatches(_ header: String?, token: [UInt8]) -> Bool {
        guard let header else { return false }
        let prefix = "bearer "
        guard header.utf8.count > prefix.utf8.count,
              header.prefix(prefix.count).lowercased() == prefix else { return false }
        let given = header.utf8.dropFirst(prefix.utf8.count)
        return constantTimeEqual(Array(given), token)
    }

    static func hmacSHA256(key: [UInt8], _ parts: [[UInt8]]) -> [UInt8] {
        var h = HMAC<SHA256>(key: SymmetricKey(data: key))
        for p in parts { h.update(data: p) }
        return Array(h.finalize())
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Slack (v0 request signing)

    /// Slack's `X-Slack-Signature: v0=HEX(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body))`.
    public static func slackSignature(secret: [UInt8], timestamp: String, body: [UInt8]) -> String {
        "v0=" + hex(hmacSHA256(key: secret, [Array("v0:\(timestamp):".utf8), body]))
    }

    public static func slackValid(secret: [UInt8], timestamp: String, body: [UInt8], signature: String) -> Bool {
        constantTimeEqual(Array(slackSignature(secret: secret, timestamp: timestamp, body: body).utf8), Array(signature.utf8))
    }

    // MARK: GitHub (X-Hub-Signature-256)

    /// `sha256=HEX(HMAC-SHA256(secret text, raw body))`, as GitHub signs deliveries.
    public static func githubSignature(secret: String, body: [UInt8]) -> String {
        "sha256=" + hex(hmacSHA256(key: Array(secret.utf8), [body]))
    }

    public static func githubValid(secret: String, body: [UInt8], signature: String) -> Bool {
        constantTimeEqual(Array(githubSignature(secret: secret, body: body).utf8), Array(signature.lowercased().utf8))
    }

    // MARK: Standard Webhooks

    /// The HMAC key of a Standard Webhooks secret: the base64 after `whsec_` (the raw text if it is not base64).
    public static func standardWebhooksKey(_ secret: String) -> [UInt8] {
        let body = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        if let d = Data(base64Encoded: body) { return Array(d) }
        return Array(secret.utf8)
    }

    /// `v1,BASE64(HMAC-SHA256(key, id + "." + timestamp + "." + body))`.
    public static func standardWebhooksSignature(key: [UInt8], id: String, timestamp: String, body: [UInt8]) -> String {
        "v1," + Data(hmacSHA256(key: key, [Array("\(id).\(timestamp).".utf8), body])).base64EncodedString()
    }

    /// The `webhook-signature` header may carry several space-separated signatures (key rotation): any
    /// `v1` one that matches is enough.
    public static func standardWebhooksValid(key: [UInt8], id: String, timestamp: String, body: [UInt8],
                                             header: String) -> Bool {
        let expected = Array(standardWebhooksSignature(key: key, id: id, timestamp: timestamp, body: body).utf8)
        var ok = false
        for candidate in header.split(separator: " ") where candidate.hasPrefix("v1,") {
            if constantTimeEqual(Array(candidate.utf8), expected) { ok = true }
        }
        return ok
    }

    /// Whether a Unix `timestamp` (decimal seconds) is within `window` seconds of `now`, either way.
    public static func timestampFresh(_ timestamp: String, now: Double, window: Double = 300) -> Bool {
        guard !timestamp.isEmpty, timestamp.utf8.count <= 12, timestamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let t = Double(timestamp) else { return false }
        return abs(now - t) <= window
    }
}
