/// The words of a free-text task, as the keyword rules read them (docs/cli.md#tasks).
///
/// A word is a maximal run of letters, digits, `-` and `_`, compared case-insensitively: in "please audit
/// the repo." the words are please, audit, the, repo. A keyword matches only a whole word, never part of
/// one: "auditorium", "audits", "re-audit", "reporting" and "reports" contain no keyword.
struct TaskWords {
    /// Lowercased words, in order.
    let words: [String]
    /// The whitespace-separated tokens of the task as written (for `template:<id>`).
    let tokens: [Substring]

    init(_ task: String) {
        var words: [String] = []
        var current = ""
        for c in task {
            if c.isLetter || c.isNumber || c == "-" || c == "_" {
                current.append(c)
            } else if !current.isEmpty {
                words.append(current.lowercased())
                current = ""
            }
        }
        if !current.isEmpty { words.append(current.lowercased()) }
        self.words = words
        self.tokens = task.split(whereSeparator: \.isWhitespace)
    }

    func contains(_ keyword: String) -> Bool { words.contains(keyword) }

    /// Punctuation around a token that is not part of it: `(template:x)`, `"template:x".`
    private static let enclosing: Set<Character> = ["\"", "'", "`", "(", ")", "[", "]", ",", ".", ";", "!", "?"]

    /// The ids of the `template:<id>` tokens (prefix case-insensitive, id as written), in order, without
    /// repeats; an empty string for a bare `template:`.
    var templateIDs: [String] {
        var ids: [String] = []
        for token in tokens {
            var t = token
            while let f = t.first, Self.enclosing.contains(f) { t.removeFirst() }
            while let l = t.last, Self.enclosing.contains(l) { t.removeLast() }
            guard t.count >= 9, t.prefix(9).lowercased() == "template:" else { continue }
            let id = String(t.dropFirst(9))
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }
}
