/// Splits a command string into words the way a POSIX shell does, without any shell feature.
///
/// Supported: blanks (space, tab) between words; single quotes (everything literal); double quotes, inside
/// which a backslash escapes only `"` `\` `$` and backtick (any other backslash stays); a backslash outside
/// quotes makes the next character literal; `''` and `""` give an empty word.
///
/// Rejected, because a shell would treat them specially and no shell is ever involved: an unquoted
/// `;` `|` `&` `<` `>` `(` `)` `$` backtick, the glob characters `*` `?` `[`, a word that starts with `#`
/// (comment) or `~` (home directory), an unescaped `$` or backtick inside double quotes, and a newline
/// anywhere.
enum CommandSplitter {
    static let operators: Set<Unicode.Scalar> = [";", "|", "&", "<", ">", "(", ")", "$", "`"]
    static let globs: Set<Unicode.Scalar> = ["*", "?", "["]

    static func split(_ cmd: String) throws(PolicyError) -> [String] {
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var inWord = false
        var it = cmd.unicodeScalars.makeIterator()

        func finish() {
            if inWord { words.append(String(word)) }
            word = String.UnicodeScalarView()
            inWord = false
        }

        while let c = it.next() {
            switch c {
            case "\0": throw PolicyError.nulByte
            case "\n", "\r": throw PolicyError.shellSyntax("newline")
            case " ", "\t":
                finish()
            case "\\":
                guard let next = it.next() else { throw PolicyError.trailingBackslash }
                if next == "\n" || next == "\r" { throw PolicyError.shellSyntax("newline") }
                if next == "\0" { throw PolicyError.nulByte }
                word.append(next)
                inWord = true
            case "'":
                inWord = true
                var closed = false
                while let q = it.next() {
                    if q == "'" { closed = true; break }
                    if q == "\n" || q == "\r" { throw PolicyError.shellSyntax("newline") }
                    if q == "\0" { throw PolicyError.nulByte }
                    word.append(q)
                }
                if !closed { throw PolicyError.unterminatedQuote("'") }
            case "\"":
                inWord = true
                var closed = false
                while let q = it.next() {
                    if q == "\"" { closed = true; break }
                    switch q {
                    case "\n", "\r": throw PolicyError.shellSyntax("newline")
                    case "\0": throw PolicyError.nulByte
                    case "$", "`": throw PolicyError.shellSyntax(String(q))
                    case "\\":
                        guard let e = it.next() else { throw PolicyError.unterminatedQuote("\"") }
                        switch e {
                        case "\"", "\\", "$", "`": word.append(e)
                        case "\n", "\r": throw PolicyError.shellSyntax("newline")
                        case "\0": throw PolicyError.nulByte
                        default:
                            word.append("\\")
                            word.append(e)
                        }
                    default: word.append(q)
                    }
                }
                if !closed { throw PolicyError.unterminatedQuote("\"") }
            default:
                if operators.contains(c) || globs.contains(c) { throw PolicyError.shellSyntax(String(c)) }
                if !inWord && (c == "#" || c == "~") { throw PolicyError.shellSyntax(String(c)) }
                word.append(c)
                inWord = true
            }
        }
        finish()
        return words
    }
}
