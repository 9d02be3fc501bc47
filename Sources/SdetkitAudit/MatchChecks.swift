import Foundation

/// A check a secret rule makes on the surroundings of a regex match before it reports it.
enum MatchCheck: Sendable {
    case none
    /// A private-key header must be followed by a key body: at least ``MatchChecks/minKeyBody`` base64 characters
    /// before the END line, on the following lines, after JSON-escaped `\n`s, or on the same line (one-line env
    /// vars). A header alone (a parser's constant, documentation) is not a secret.
    case keyBody
    /// A Kubernetes `kind: Secret` manifest must have a `data:` or `stringData:` map with a non-placeholder value.
    case kubernetesSecretData
}

enum MatchChecks {
    /// Base64 characters a private-key body needs (the shortest real key, Ed25519 in OpenSSH form, has ~400).
    static let minKeyBody = 64
    /// How far after the header line the key body is looked for.
    static let keyBodyWindow = 4096

    static func isBase64(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2F
            || b == 0x3D
    }

    /// True when a key body follows the header. `after` is the rest of the header's line after the match.
    static func hasKeyBody(after: String, file: UnsafeBufferPointer<UInt8>, lineEnd: Int) -> Bool {
        var text = after
        if lineEnd >= 0 && lineEnd < file.count {
            let stop = min(file.count, lineEnd + keyBodyWindow)
            text += String(decoding: UnsafeBufferPointer(rebasing: file[lineEnd..<stop]), as: UTF8.self)
        }
        text = text.replacingOccurrences(of: "\\r", with: "\n").replacingOccurrences(of: "\\n", with: "\n")
        var count = 0
        let filler: Set<UInt8> = [0x20, 0x09, 0x0D, 0x22, 0x27, 0x2C, 0x5C, 0x60]  // space tab CR " ' , \ `
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(raw)
            var last = false
            if let r = line.range(of: "-----END") {
                line = line[..<r.lowerBound]
                last = true
            }
            let bytes = Array(line.utf8)
            let body = bytes.drop { filler.contains($0) }
            if body.isEmpty {
                if last { break }
                continue
            }
            // Armour headers before the body: Proc-Type:, DEK-Info:, Version:, Comment:.
            if count == 0 && body.contains(UInt8(ascii: ":")) {
                if last { break }
                continue
            }
            for b in body {
                if isBase64(b) {
                    count += 1
                } else if !filler.contains(b) && b != UInt8(ascii: "+") {
                    return count >= minKeyBody
                }
            }
            if count >= minKeyBody || last { break }
        }
        return count >= minKeyBody
    }

    /// The number of non-placeholder values under `data:` / `stringData:` in the YAML document holding the
    /// line that ends at `lineEnd`, or nil when there is none.
    static func kubernetesSecretValues(file: UnsafeBufferPointer<UInt8>, lineEnd: Int) -> Int? {
        let text = String(decoding: file, as: UTF8.self)
        let prefixLines = String(decoding: UnsafeBufferPointer(rebasing: file[0..<min(max(lineEnd, 0), file.count)]),
                                 as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).count
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        let here = max(0, prefixLines - 1)
        var start = here, end = here
        while start > 0 && !lines[start - 1].hasPrefix("---") { start -= 1 }
        while end + 1 < lines.count && !lines[end + 1].hasPrefix("---") { end += 1 }
        var count = 0
        var i = start
        while i <= end && i < lines.count {
            let line = lines[i]
            i += 1
            guard line.hasPrefix("data:") || line.hasPrefix("stringData:") else { continue }
            let inline = line.drop { $0 != ":" }.dropFirst().trimmingCharacters(in: .whitespaces)
            if inline.hasPrefix("{") {
                if inline.count > 2 && !inline.contains("${") && !inline.contains("{{") { count += 1 }
                continue
            }
            while i <= end && i < lines.count {
                let entry = lines[i]
                guard entry.hasPrefix(" ") || entry.hasPrefix("\t") || entry.isEmpty else { break }
                i += 1
                let t = entry.trimmingCharacters(in: .whitespaces)
                guard !t.isEmpty, !t.hasPrefix("#"), let colon = t.firstIndex(of: ":") else { continue }
                var value = t[t.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if value.hasPrefix("\"") || value.hasPrefix("'") { value = String(value.dropFirst().dropLast()) }
                if value == "|" || value == ">" || value == "|-" || value == ">-" {
                    if i <= end && i < lines.count && !lines[i].trimmingCharacters(in: .whitespaces).isEmpty {
                        count += 1
                    }
                    continue
                }
                if value.count >= 4 && !SecretFilters.isPlaceholder(value, generic: false) { count += 1 }
            }
        }
        return count > 0 ? count : nil
    }
}

/// Values published in vendors' documentation as examples. They are public, so they are not reported.
enum KnownExamples {
    static let values: Set<String> = [
        "AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE",                                   // AWS IAM docs
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "sk_test_BQokikJOvBiI2HlWgH4olfQ2",            // Stripe API docs
        "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",                          // Slack API docs
        // jwt.io's default token and the Azure storage emulator's well-known account key.
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
            + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    ]

    static func contains(_ secret: String) -> Bool { values.contains(secret) }
}
