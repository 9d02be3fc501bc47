import Yams

/// A value with the 1-based line it was written on.
struct Located: Sendable {
    let value: String
    let line: Int
    /// For block scalars (`run: |`) the text starts on the line after the indicator.
    let block: Bool

    init(_ value: String, line: Int, block: Bool = false) {
        self.value = value
        self.line = line
        self.block = block
    }

    /// The line of the value's `offset`-th text line (0-based).
    func line(ofTextLine offset: Int) -> Int { line + (block ? 1 : 0) + offset }
}

/// A GitHub Actions workflow as the audit models it, parsed with Yams (block and flow style alike).
struct WorkflowModel {
    struct Permissions {
        let line: Int
        /// `read-all`, `write-all` or nil for a scope map.
        let all: String?
        /// Scopes granted `write`.
        let writes: [String]
    }

    struct Step {
        let line: Int
        let uses: Located?
        let run: Located?
        let with: [String: Located]
        let env: [String: Located]
    }

    struct Job {
        let id: String
        let line: Int
        let permissions: Permissions?
        let runsOn: [Located]
        let uses: Located?
        let secretsInherit: Int?
        let images: [Located]
        let env: [String: Located]
        let steps: [Step]
    }

    let triggers: [Located]
    let permissions: Permissions?
    let env: [String: Located]
    let jobs: [Job]
    let jobsLine: Int
    /// Every string scalar of the document (bounded by the node budget), for expression checks.
    let scalars: [Located]

    /// Inputs above this size are not parsed (an info finding says so).
    static let maxBytes = 512 * 1024
    /// Nodes visited at most: YAML aliases can make a small file expand to billions of nodes.
    static let maxNodes = 50_000

    enum ParseError: Error {
        case invalid(String)
        case tooComplex
    }

    /// Parses `text`; throws `.tooComplex` when alias expansion exceeds ``maxNodes``.
    static func parse(_ text: String) throws(ParseError) -> WorkflowModel {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .basic)
        } catch {
            throw .invalid(String(describing: error).split(separator: "\n").first.map(String.init) ?? "invalid YAML")
        }
        guard let root, let top = root.mapping else { throw .invalid("the document is not a mapping") }
        var budget = maxNodes
        var scalars: [Located] = []
        try collect(root, into: &scalars, budget: &budget)
        var builder = Builder(budget: maxNodes)
        return try builder.model(top, scalars: scalars)
    }

    static func collect(_ node: Node, into out: inout [Located], budget: inout Int) throws(ParseError) {
        budget -= 1
        if budget < 0 { throw .tooComplex }
        switch node {
        case .scalar(let s): out.append(located(s))
        case .mapping(let m): for (k, v) in m { try collect(k, into: &out, budget: &budget); try collect(v, into: &out, budget: &budget) }
        case .sequence(let q): for v in q { try collect(v, into: &out, budget: &budget) }
        case .alias: break
        }
    }

    static func located(_ s: Node.Scalar) -> Located {
        Located(s.string, line: s.mark?.line ?? 1, block: s.style == .literal || s.style == .folded)
    }

    struct Builder {
        var budget: Int

        mutating func tick() throws(ParseError) {
            budget -= 1
            if budget < 0 { throw .tooComplex }
        }

        func value(_ m: Node.Mapping, _ key: String) -> Node? {
            m.first { $0.key.scalar?.string == key }?.value
        }

        func line(_ n: Node) -> Int { n.mark?.line ?? 1 }

        func keyLine(_ m: Node.Mapping, _ key: String) -> Int? {
            m.first { $0.key.scalar?.string == key }.map { line($0.key) }
        }

        mutating func strings(_ n: Node?) throws(ParseError) -> [Located] {
            guard let n else { return [] }
            try tick()
            if let s = n.scalar { return [WorkflowModel.located(s)] }
            var out: [Located] = []
            if let q = n.sequence { for v in q { out += try strings(v) } }
            if let m = n.mapping { for (_, v) in m { out += try strings(v) } }
            return out
        }

        mutating func map(_ n: Node?) throws(ParseError) -> [String: Located] {
            guard let m = n?.mapping else { return [:] }
            var out: [String: Located] = [:]
            for (k, v) in m {
                try tick()
                if let key = k.scalar?.string, let s = v.scalar { out[key] = WorkflowModel.located(s) }
            }
            return out
        }

        func permissions(_ m: Node.Mapping) -> Permissions? {
            guard let p = value(m, "permissions"), let at = keyLine(m, "permissions") else { return nil }
            if let s = p.scalar { return Permissions(line: at, all: s.string, writes: []) }
            let writes = (p.mapping ?? [:]).compactMap { k, v in
                v.scalar?.string == "write" ? k.scalar?.string : nil
            }
            return Permissions(line: at, all: nil, writes: writes.sorted())
        }

        mutating func model(_ top: Node.Mapping, scalars: [Located]) throws(ParseError) -> WorkflowModel {
            var triggers: [Located] = []
            if let on = value(top, "on") ?? value(top, "true") {
                if let s = on.scalar { triggers = [WorkflowModel.located(s)] }
                if let q = on.sequence { for n in q { triggers += try strings(n) } }
                if let m = on.mapping { triggers = m.compactMap { k, _ in k.scalar.map(WorkflowModel.located) } }
            }
            var jobs: [Job] = []
            for (k, v) in value(top, "jobs")?.mapping ?? [:] {
                try tick()
                guard let id = k.scalar?.string, let j = v.mapping else { continue }
                jobs.append(try job(id, line(k), j))
            }
            return WorkflowModel(triggers: triggers, permissions: permissions(top), env: try map(value(top, "env")),
                                 jobs: jobs, jobsLine: keyLine(top, "jobs") ?? 1, scalars: scalars)
        }

        mutating func job(_ id: String, _ at: Int, _ j: Node.Mapping) throws(ParseError) -> Job {
            var images: [Located] = []
            if let c = value(j, "container") {
                if let s = c.scalar { images.append(WorkflowModel.located(s)) }
                if let img = c.mapping.flatMap({ value($0, "image") })?.scalar { images.append(WorkflowModel.located(img)) }
            }
            for (_, svc) in value(j, "services")?.mapping ?? [:] {
                try tick()
                if let img = svc.mapping.flatMap({ value($0, "image") })?.scalar { images.append(WorkflowModel.located(img)) }
            }
            var steps: [Step] = []
            for s in value(j, "steps")?.sequence ?? Node.Sequence() {
                try tick()
                guard let m = s.mapping else { continue }
                steps.append(Step(line: line(s), uses: value(m, "uses")?.scalar.map(WorkflowModel.located),
                                  run: value(m, "run")?.scalar.map(WorkflowModel.located),
                                  with: try map(value(m, "with")), env: try map(value(m, "env"))))
            }
            var runsOn = try strings(value(j, "runs-on"))
            if let group = value(j, "runs-on")?.mapping.flatMap({ value($0, "group") })?.scalar {
                runsOn.append(WorkflowModel.located(group))
            }
            let inherit = value(j, "secrets")?.scalar?.string == "inherit" ? keyLine(j, "secrets") : nil
            return Job(id: id, line: at, permissions: permissions(j), runsOn: runsOn,
                       uses: value(j, "uses")?.scalar.map(WorkflowModel.located), secretsInherit: inherit,
                       images: images, env: try map(value(j, "env")), steps: steps)
        }
    }
}
