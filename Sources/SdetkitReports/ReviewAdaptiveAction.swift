import SdetkitCore
import SdetkitEngine
import SdetkitStore

/// `review.adaptive {output?, limit?, history_dir?}`: the Python sdetkit's reviewer knowledge base, built from
/// this repository's history index: every action that failed or was denied, by frequency and then recency,
/// the most frequent reasons among the newest failed outcomes, and one recommendation per recurring action.
/// Written as JSON (schema in docs/templates.md) into the run's output directory through the write policy.
/// `history_dir` is accepted for the Python templates and must name this repository's history.
public struct ReviewAdaptiveAction: AgentAction {
    public let name = "review.adaptive"
    public let summary = "Write a knowledge base of recurring failed and denied actions from the history (JSON, in the run's output dir)."
    /// How many of the newest failed outcomes are read for their reasons.
    static let reasonWindow = 500

    public init() {}

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        await Blocking.run { execute(params, in: context) }
    }

    func execute(_ params: JSONValue, in context: ActionContext) -> ActionResult {
        if let dir = params["history_dir"], !dir.isNull {
            guard let d = dir.stringValue, Path.components(d) == Path.components(StateLayout.relHistory) else {
                return .failed(name, params, "review.adaptive: history_dir can only be \(StateLayout.relHistory) (this repository's history), got \(dir.stringValue.map { "'\($0)'" } ?? dir.typeName)")
            }
        }
        let limit: Int
        switch Self.limit(params) {
        case .success(let n): limit = n
        case .failure(let e): return .failed(name, params, e.reason)
        }
        let output = params["output"]?.stringValue ?? "adaptive-review-kb.json"
        let path: String
        switch OutputTarget.path(output, param: "output", outputDir: context.outputDir, action: name) {
        case .success(let p): path = p
        case .failure(let e): return .failed(name, params, e.reason)
        }
        if context.dryRun {
            return PolicedFiles.result(PolicedFiles.write([], to: path, name: Path.basename(path), action: name, in: context),
                                       action: name, params: params)
        }
        let kb: JSONValue
        let stats: [ActionFailureStat]
        let records: Int
        do {
            let store = context.history
            stats = try store.actionFailureStats()
            records = try store.count()
            let reasons = try Self.topReasons(store, limit: limit)
            kb = Self.knowledgeBase(stats: Array(stats.prefix(limit)), reasons: reasons, records: records,
                                    generatedAt: context.clock.nowRFC3339())
        } catch let e as UserFacingError {
            return .failed(name, params, "review.adaptive: \(e.message)")
        } catch {
            return .failed(name, params, "review.adaptive: cannot read the history: \(error)")
        }
        let bytes = Array(kb.prettyPrinted().utf8)
        let written = PolicedFiles.write(bytes, to: path, name: Path.basename(path), action: name, in: context)
        return PolicedFiles.result(written, action: name, params: params, outputs: [
            "records": .int(records), "recurring_failures": .int(min(limit, stats.count)),
        ])
    }

    static func limit(_ params: JSONValue) -> Result<Int, ParamError> {
        guard let v = params["limit"], !v.isNull else { return .success(10) }
        let n = v.doubleValue ?? v.stringValue.flatMap { Double($0) }
        guard let n, n.rounded() == n, n >= 1, n <= 1000 else {
            return .failure(ParamError("review.adaptive: param 'limit' must be a whole number from 1 to 1000, got \(v.stringValue.map { "'\($0)'" } ?? v.typeName)"))
        }
        return .success(Int(n))
    }

    /// The most frequent reasons among the newest failed outcomes: `(reason, action, count, last seq)`.
    static func topReasons(_ store: HistoryStore, limit: Int) throws -> [(reason: String, action: String, count: Int, lastSeq: Int)] {
        var counts: [String: (action: String, count: Int, lastSeq: Int)] = [:]
        var records: [String: RunRecord] = [:]
        for ref in try store.recentFailedOutcomes(limit: reasonWindow) {
            let record: RunRecord
            if let r = records[ref.hash] { record = r } else {
                guard let r = try? store.record(hash: ref.hash) else { continue }
                records[ref.hash] = r
                record = r
            }
            guard ref.index < record.actions.count else { continue }
            let reason = oneLine(record.actions[ref.index].reason, max: 200)
            let key = ref.action + "\u{0}" + reason
            if let c = counts[key] { counts[key] = (c.action, c.count + 1, max(c.lastSeq, ref.seq)) } else { counts[key] = (ref.action, 1, ref.seq) }
        }
        let rows = counts.map { (reason: String($0.key.split(separator: "\u{0}", maxSplits: 1).last ?? ""), action: $0.value.action,
                                 count: $0.value.count, lastSeq: $0.value.lastSeq) }
        return Array(rows.sorted { ($0.count, $0.lastSeq, $1.reason) > ($1.count, $1.lastSeq, $0.reason) }.prefix(limit))
    }

    /// Control characters become spaces; at most `max` characters.
    static func oneLine(_ s: String, max: Int) -> String {
        let clean = String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
        return clean.count > max ? String(clean.prefix(max)) + "…" : clean
    }

    static func knowledgeBase(stats: [ActionFailureStat], reasons: [(reason: String, action: String, count: Int, lastSeq: Int)],
                              records: Int, generatedAt: String) -> JSONValue {
        let failures: [JSONValue] = stats.map { s in
            ["action": .string(s.action), "count": .int(s.count), "failed": .int(s.failed), "denied": .int(s.denied),
             "runs": .int(s.runs), "last_seq": .int(s.lastSeq), "last_seen": .string(s.lastCapturedAt)]
        }
        let errors: [JSONValue] = reasons.map { r in
            ["error": .string(r.reason), "action": .string(r.action), "count": .int(r.count), "last_seq": .int(r.lastSeq)]
        }
        let recommendations: [JSONValue] = stats.map { s in
            let what = s.denied >= s.failed ? "denied by policy" : "failing"
            return .string("`\(s.action)` was \(what) \(s.count) time(s) in \(s.runs) run(s), last in run \(s.lastSeq): "
                + (s.denied >= s.failed ? "check the allowlists in .sdetkit/agent/config.yaml or the template's paths."
                                        : "look at the reasons in 'sdetkit agent history show \(s.lastSeq)'."))
        }
        return ["schema_version": "1.0", "generated_at": .string(generatedAt), "records": .int(records),
                "recurring_failures": .array(failures), "top_errors": .array(errors), "recommendations": .array(recommendations)]
    }
}
