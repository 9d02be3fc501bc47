import SdetkitCore

/// Prepares a sequence of runs, overlapping those that allow it, and records them strictly in order.
///
/// Consecutive items that may overlap are prepared concurrently (on the machine's cores), each in a confined
/// context (``Workspace/context(dryRun:outputDir:confined:)``); every item is then finished — committed to the
/// history, its held policy decisions logged first — in the given order, so the history, the audit log and
/// every artifact are the same as when the items run one after another. An item that may not overlap starts
/// only once every earlier item is finished, and later items only once it is finished.
public enum OrderedRuns {
    /// - Parameters:
    ///   - count: how many items.
    ///   - overlaps: whether item `i` may be prepared alongside its neighbours.
    ///   - prepare: prepares item `i`; `confined` is true when it runs alongside others.
    ///   - finish: called with each prepared item, in index order. When it throws, items still being prepared
    ///     are cancelled and awaited before the error propagates.
    public static func run<Prepared: Sendable>(
        count: Int, overlaps: (Int) -> Bool,
        prepare: @escaping @Sendable (_ index: Int, _ confined: Bool) async throws -> Prepared,
        finish: (_ index: Int, Prepared) async throws -> Void
    ) async throws {
        var i = 0
        while i < count {
            var end = i + 1
            while end < count, overlaps(i), overlaps(end) { end += 1 }
            if end - i == 1 {
                try await finish(i, try await prepare(i, false))
                i = end
                continue
            }
            let tasks = (i..<end).map { k in Task { try await prepare(k, true) } }
            do {
                for (offset, task) in tasks.enumerated() { try await finish(i + offset, try await task.value) }
            } catch {
                for task in tasks { task.cancel() }
                for task in tasks { _ = try? await task.value }
                throw error
            }
            i = end
        }
    }
}
