import Foundation
import Synchronization

/// A rule's regexes, compiled on first use (most scans never get past the keyword pre-filter, and compiling
/// all of them costs milliseconds at every start) and then shared read-only between scanning threads
/// (NSRegularExpression is immutable and thread-safe).
final class LazyRegexes: Sendable {
    let patterns: [String]
    private let compiled = Mutex<[NSRegularExpression]?>(nil)

    init(_ patterns: [String]) { self.patterns = patterns }

    /// The compiled patterns. Patterns are constants covered by a test that every one compiles; a broken one
    /// is dropped, not fatal.
    var regexes: [NSRegularExpression] {
        compiled.withLock { cached in
            if let cached { return cached }
            let made = patterns.compactMap { try? NSRegularExpression(pattern: $0, options: []) }
            cached = made
            return made
        }
    }
}

/// One secret-detection rule.
struct SecretRule: Sendable {
    /// How a match appears in the message.
    enum Display: Sendable {
        /// `label: AKIA…[REDACTED]`.
        case redacted
        /// The matched text itself (a PEM BEGIN line carries no secret).
        case header
        /// The label only.
        case none
        /// `label assigned to 'name': abcd…[REDACTED]` (capture group 1 is the name).
        case named
    }

    let rule: AuditRule
    let label: String
    let keywords: [(String, Bool)]
    let compiled: LazyRegexes
    var regexes: [NSRegularExpression] { compiled.regexes }
    let display: Display
    let minEntropy: Double?
    let secretGroup: Int
    /// Lower-case byte strings the whole file must also contain (checked only after a regex match).
    let fileMustContain: [[UInt8]]
    /// The catch-all assignment rule: skipped on a line where a specific rule already matched.
    let isGeneric: Bool
    /// An extra check on the match's surroundings (a key body after a PEM header, a Secret manifest's data).
    let check: MatchCheck
    /// Tried with the generic rule, only when no specific rule matched the line (a bearer header around a
    /// GitHub token is reported once, as the GitHub token).
    let fallback: Bool
    /// Bytes of which the line must contain one before the regexes run (`@` or `;` for connection strings).
    let lineMustContain: [UInt8]

    /// Default entropy floor for token rules: rejects `ghp_aaaa…`-style dummies.
    static let defaultMinEntropy = 2.5

    init(_ id: String, _ title: String, _ severity: Severity, label: String, keywords: [(String, Bool)],
         patterns: [String], display: Display = .redacted, minEntropy: Double? = SecretRule.defaultMinEntropy,
         secretGroup: Int = 1, fileMustContain: [String] = [], isGeneric: Bool = false, check: MatchCheck = .none,
         fallback: Bool = false, lineMustContain: [Character] = [], what: String, fix: String) {
        self.rule = AuditCatalogue.rule(id, title, severity, what, fix, security: true)
        self.label = label
        self.keywords = keywords
        self.compiled = LazyRegexes(patterns)
        self.display = display
        self.minEntropy = minEntropy
        self.secretGroup = display == .header || display == .none ? 0 : secretGroup
        self.fileMustContain = fileMustContain.map { Array($0.utf8) }
        self.isGeneric = isGeneric
        self.check = check
        self.fallback = fallback
        self.lineMustContain = lineMustContain.compactMap(\.asciiValue)
    }

    /// The message for the first acceptable match in `text`, or nil. `lineEnd` is the offset in `file` just past
    /// the line `text` was taken from (checks that look at the following lines start there).
    func match(_ text: String, file: UnsafeBufferPointer<UInt8>, lineEnd: Int = 0) -> String? {
        let ns = text as NSString
        let range = NSRange(location: 0, length: ns.length)
        for regex in regexes {
            for m in regex.matches(in: text, options: [], range: range) {
                let groupRange = m.numberOfRanges > secretGroup ? m.range(at: secretGroup) : m.range
                guard groupRange.location != NSNotFound else { continue }
                let secret = ns.substring(with: groupRange)
                if display == .redacted || display == .named {
                    if SecretFilters.isPlaceholder(secret, generic: isGeneric) { continue }
                    if KnownExamples.contains(secret) { continue }
                    if let floor = minEntropy, SecretFilters.entropy(secret) < floor { continue }
                }
                if isGeneric {
                    if SecretFilters.isWordsWithSeparators(secret) { continue }
                    // A file path (ansible_ssh_private_key_file: /tmp/id_rsa) names a secret, it is not one.
                    if secret.hasPrefix("/") { continue }
                    let quoteRange = m.numberOfRanges > 2 ? m.range(at: 2) : NSRange(location: NSNotFound, length: 0)
                    let quoted = quoteRange.location != NSNotFound && quoteRange.length > 0
                    if !quoted && (!SecretFilters.hasDigitAndLetter(secret) || SecretFilters.isCodeIdentifier(secret)) {
                        continue
                    }
                }
                if !fileMustContain.isEmpty
                    && !fileMustContain.allSatisfy({ Bytes.contains(file, $0, ignoreCase: true) }) { continue }
                var detail = ""
                switch check {
                case .none: break
                case .keyBody:
                    let after = ns.substring(from: m.range.location + m.range.length)
                    guard MatchChecks.hasKeyBody(after: after, file: file, lineEnd: lineEnd) else { continue }
                case .kubernetesSecretData:
                    guard let n = MatchChecks.kubernetesSecretValues(file: file, lineEnd: lineEnd) else { continue }
                    detail = " with \(n) data value(s)"
                }
                switch display {
                case .redacted:
                    return "\(label) found: \(SecretFilters.redact(secret))"
                case .header:
                    return "\(label) found: \(secret)"
                case .none:
                    return "\(label)\(detail) found"
                case .named:
                    var name = "value"
                    if m.numberOfRanges > 1, m.range(at: 1).location != NSNotFound {
                        // The whole variable: extend the keyword match leftwards over name characters.
                        var start = m.range(at: 1).location
                        let end = m.range(at: 1).location + m.range(at: 1).length
                        while start > 0 && end - start < 60, SecretFilters.isNameUnit(ns.character(at: start - 1)) {
                            start -= 1
                        }
                        name = String(ns.substring(with: NSRange(location: start, length: end - start)).prefix(60))
                    }
                    return "\(label) assigned to '\(name)': \(SecretFilters.redact(secret))"
                }
            }
        }
        return nil
    }
}

/// Heuristics shared by the secret rules.
enum SecretFilters {
    /// At most the first 4 characters, then `…[REDACTED]` (nothing shown for values of 8 characters or fewer).
    static func redact(_ secret: String) -> String {
        let shown = secret.count > 8 ? String(secret.prefix(4)) : ""
        return shown + "…[REDACTED]"
    }

    /// Shannon entropy in bits per byte.
    static func entropy(_ s: String) -> Double {
        var counts = [Int](repeating: 0, count: 256)
        var n = 0
        for b in s.utf8 {
            counts[Int(b)] += 1
            n += 1
        }
        guard n > 0 else { return 0 }
        var h = 0.0
        let total = Double(n)
        for c in counts where c > 0 {
            let p = Double(c) / total
            h -= p * log2(p)
        }
        return h
    }

    static let placeholderMarkers = [
        "xxxx", "example", "changeme", "change_me", "change-me", "placeholder", "dummy", "redacted", "your_",
        "your-", "yourtoken", "yourkey", "yoursecret", "yourpassword", "****", "${", "{{", "<", "password", "passwd",
        "%s", "%(",
    ]

    /// Weaker hints, used only by the generic assignment rule: a vendor-prefixed token (xoxb-, ghp_, AKIA…)
    /// is specific evidence on its own, even when its body happens to contain a run like 12345678.
    static let genericPlaceholderMarkers = ["sample", "abcdefgh", "12345678", "00000000"]

    /// Identifier-like values — single-case words joined by `-` or `_`, no digits (`django-insecure-`,
    /// `set-password`, `HTTP_X_CSRFTOKEN`) — are names, not secrets; the generic rule skips them.
    static func isWordsWithSeparators(_ s: String) -> Bool {
        var sawLetter = false
        for part in s.utf8.split(whereSeparator: { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) {
            let lower = part.allSatisfy { (0x61...0x7A).contains($0) }
            let upper = part.allSatisfy { (0x41...0x5A).contains($0) }
            guard lower || upper else { return false }
            sawLetter = true
        }
        return sawLetter
    }

    /// Obvious placeholders and documentation values.
    static func isPlaceholder(_ s: String, generic: Bool = true) -> Bool {
        let lower = s.lowercased()
        if placeholderMarkers.contains(where: { lower.contains($0) }) { return true }
        return generic && genericPlaceholderMarkers.contains { lower.contains($0) }
    }

    /// snake_case or SCREAMING_SNAKE_CASE names (`SHA256_DIGEST_LENGTH`, `relative_token_line_plus1`): an
    /// underscore and no '_'-separated part mixing upper- and lower-case letters.
    static func isCodeIdentifier(_ s: String) -> Bool {
        guard s.utf8.contains(UInt8(ascii: "_")) else { return false }
        for part in s.utf8.split(separator: UInt8(ascii: "_")) {
            var upper = false, lower = false
            for b in part {
                if b >= 0x41 && b <= 0x5A { upper = true } else if b >= 0x61 && b <= 0x7A { lower = true }
                else if !(b >= 0x30 && b <= 0x39) { return false }
            }
            if upper && lower { return false }
        }
        return true
    }

    /// A UTF-16 unit of a variable name: letter, digit, `_`, `-` or `.`.
    static func isNameUnit(_ u: unichar) -> Bool {
        (u >= 0x41 && u <= 0x5A) || (u >= 0x61 && u <= 0x7A) || (u >= 0x30 && u <= 0x39) || u == 0x5F || u == 0x2D
            || u == 0x2E
    }

    static func hasDigitAndLetter(_ s: String) -> Bool {
        var digit = false, letter = false
        for b in s.utf8 {
            if b >= 0x30 && b <= 0x39 { digit = true } else if (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A { letter = true }
        }
        return digit && letter
    }
}
