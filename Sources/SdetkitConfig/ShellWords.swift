/// Why a command line could not be split into words.
public enum ShellWordsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `'` or `"` that is never closed.
    case unclosedQuote(Character)

    public var description: String {
        switch self {
        case .unclosedQuote(let q): return "has an unclosed \(q == "'" ? "single" : "double") quote"
        }
    }
}

/// Splits a command line into argv words the simple way: words are separated by unquoted whitespace;
/// `'…'` and `"…"` quote literally (no escapes, no expansion); quoted and unquoted parts next to each
/// other join into one word (`a"b c"` is `ab c`); `''` is an empty word. Nothing is ever interpreted by a shell.
public enum ShellWords {
    public static func split(_ line: String) throws(ShellWordsError) -> [String] {
        try scan(line).words
    }

    /// The words plus the first unquoted shell operator character (`|;&<>` or a backquote), if any.
    /// Such characters are plain text to sdetkit, which never runs a shell; config validation rejects them
    /// so that an entry like `git status | cat` does not silently mean four literal words.
    static func scan(_ line: String) throws(ShellWordsError) -> (words: [String], unquotedOperator: Character?) {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var op: Character?
        for ch in line {
            if let q = quote {
                if ch == q { quote = nil } else { current.append(ch) }
                continue
            }
            switch ch {
            case "'", "\"":
                quote = ch
                inWord = true
            case " ", "\t", "\n", "\r", "\r\n":
                if inWord { words.append(current); current = ""; inWord = false }
            default:
                if op == nil, "|;&<>`".contains(ch) { op = ch }
                current.append(ch)
                inWord = true
            }
        }
        if let q = quote { throw .unclosedQuote(q) }
        if inWord { words.append(current) }
        return (words, op)
    }

    /// A command line that ``split(_:)`` turns back into `argv` (for display).
    public static func join(_ argv: [String]) -> String {
        argv.map(quote).joined(separator: " ")
    }

    static func quote(_ word: String) -> String {
        if word.isEmpty { return "''" }
        let special = word.contains { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "'" || $0 == "\""
            || "|;&<>`".contains($0) }
        if !special { return word }
        if !word.contains("'") { return "'\(word)'" }
        if !word.contains("\"") { return "\"\(word)\"" }
        // Both quote kinds: quote each run separately and let the parts join.
        var out = ""
        for ch in word { out += ch == "'" ? "\"'\"" : "'\(ch)'" }
        return out
    }
}
