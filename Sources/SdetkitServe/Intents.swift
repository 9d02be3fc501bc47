import SdetkitConfig

/// What a chat message asks for. Rule-based: built-in English and Russian phrases plus `serve.intents`.
public enum Intent: Sendable, Equatable {
    case help
    case status
    case audit
    case history(Int)
    case dashboard
    case template(String)
    case approve(String)
}

/// The language a reply is written in: the one the message's phrase was in.
public enum ReplyLanguage: Sendable, Equatable {
    case english, russian
}

public struct IntentParser: Sendable {
    /// Extra phrases from `serve.intents`, as lower-case word lists.
    let extra: [(words: [String], intent: AgentConfig.Serve.Intent)]

    public init(config: [AgentConfig.Serve.Intent] = []) {
        extra = config.map { (IntentParser.words($0.match), $0) }
    }

    /// Lower-case words of `text`: Slack mentions (`<@U1>`) dropped, a Telegram command's `/` and `@bot` removed.
    static func words(_ text: String) -> [String] {
        var text = text
        if let ascii = text.withUTF8({ b in b.allSatisfy { $0 < 0x80 } ? asciiWords(b) : nil }) { return ascii }
        return unicodeWords(text)
    }

    /// ``words(_:)`` for ASCII text, on its bytes (no grapheme breaking or Unicode case mapping): the same words.
    static func asciiWords(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
        var out: [String] = []
        var word: [UInt8] = []
        var inMention = false
        func flush() {
            var w = word[...]
            if w.first == UInt8(ascii: "/") { w = w.dropFirst() }
            if let at = w.firstIndex(of: UInt8(ascii: "@")) { w = w[..<at] }
            if !w.isEmpty { out.append(String(decoding: w, as: UTF8.self)) }
            word.removeAll(keepingCapacity: true)
        }
        for b in bytes {
            if b == UInt8(ascii: "<") { inMention = true; continue }
            if inMention { if b == UInt8(ascii: ">") { inMention = false }; continue }
            switch b {
            case 0x09...0x0D, 0x20, UInt8(ascii: ","), UInt8(ascii: "!"), UInt8(ascii: "?"): flush()
            case 0x41...0x5A: word.append(b + 0x20)
            default: word.append(b)
            }
        }
        flush()
        return out
    }

    static func unicodeWords(_ text: String) -> [String] {
        var cleaned = ""
        var inMention = false
        for ch in text {
            if ch == "<" { inMention = true; continue }
            if inMention { if ch == ">" { inMention = false }; continue }
            cleaned.append(ch)
        }
        return cleaned.lowercased().split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == "!" || $0 == "?" }).map { w in
            var s = Substring(w)
            if s.hasPrefix("/") { s = s.dropFirst() }
            if let at = s.firstIndex(of: "@") { s = s[..<at] }
            return String(s)
        }.filter { !$0.isEmpty }
    }

    static func contains(_ words: [String], _ phrase: [String]) -> Bool {
        guard !phrase.isEmpty, words.count >= phrase.count else { return false }
        for i in 0...(words.count - phrase.count) where Array(words[i..<(i + phrase.count)]) == phrase { return true }
        return false
    }

    static let simple: [([String], Intent)] = [
        (["help", "помощь", "start", "справка"], .help),
        (["status", "статус"], .status),
        (["audit", "аудит"], .audit),
        (["dashboard", "дашборд"], .dashboard),
    ]

    /// The intent of `text` (nil: not understood, answer with help) and the language of the reply.
    public func parse(_ text: String) -> (intent: Intent?, language: ReplyLanguage) {
        let w = Self.words(text)
        let russian = text.utf8.contains { $0 >= 0x80 } && text.unicodeScalars.contains { (0x0400...0x04FF).contains($0.value) }
        let lang: ReplyLanguage = russian ? .russian : .english
        func after(_ keys: [String]) -> String? {
            guard let i = w.firstIndex(where: { keys.contains($0) }), i + 1 < w.count else { return nil }
            return w[i + 1]
        }
        // approve <run_id> / одобрить <run_id>
        if let id = after(["approve", "одобрить", "подтвердить"]), id.hasPrefix("run_") { return (.approve(id), lang) }
        // run template X / запусти [шаблон] X
        if let i = w.firstIndex(of: "run"), i + 2 < w.count, w[i + 1] == "template" { return (.template(w[i + 2]), lang) }
        if let i = w.firstIndex(of: "запусти"), i + 1 < w.count {
            let next = w[i + 1] == "шаблон" && i + 2 < w.count ? w[i + 2] : w[i + 1]
            if next != "шаблон" { return (.template(next), lang) }
        }
        for (phrase, intent) in extra where Self.contains(w, phrase) {
            switch intent.kind {
            case .help: return (.help, lang)
            case .status: return (.status, lang)
            case .audit: return (.audit, lang)
            case .history: return (.history(10), lang)
            case .dashboard: return (.dashboard, lang)
            case .template: return (.template(intent.template ?? ""), lang)
            }
        }
        if let i = w.firstIndex(where: { $0 == "history" || $0 == "история" }) {
            let n = i + 1 < w.count ? Int(w[i + 1]) : nil
            return (.history(min(max(n ?? 10, 1), 50)), lang)
        }
        for (keys, intent) in Self.simple where w.contains(where: { keys.contains($0) }) { return (intent, lang) }
        return (nil, lang)
    }

    public static func helpText(_ lang: ReplyLanguage) -> String {
        switch lang {
        case .english:
            return """
            sdetkit commands: help · status (last runs) · audit (score and top findings) · history N · dashboard · \
            run template ID · approve RUN_ID (approvers only)
            """
        case .russian:
            return """
            Команды sdetkit: помощь · статус (последние запуски) · аудит (оценка и главные находки) · история N · \
            дашборд · запусти ID (шаблон) · одобрить RUN_ID (только для утверждающих)
            """
        }
    }
}
