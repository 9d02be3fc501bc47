import SdetkitCore

/// Prepares a sequence of runs, overlapping those that allow it, and records them strictly in order.
///
/// Consecutive items that may overlap are prepared concurrently (child tasks, on the machine's cores), each in
/// a confined context (``Workspace/context(dryRun:outputDir:confined:)``); every item is then finished —
/// committed to the history, its held policy decisions logged first — in the given order, so the history, the
/// audit log and every artifact are the same as when the items run one after another. An item that may not
/// overlap starts only once every earlier item is finished, and later items only once it is finished.
public enum OrderedRuns {
    /// - Parameters:
    ///   - count: how many items.
    ///   - overlaps: whether item `i` may be prepared alongside its neighbours.
    ///   - prepare: prepares item `i`; `confined` is true when it runs alongside others.
    ///   - finish: called with each prepared item, in index order. A failed preparation is thrown at its turn
    ///     (after every earlier item is finished). On any error, items still being prepared are cancelled and
    ///     awaited before it propagates.
    ///   - abandon: called, after an error, with each item that was prepared but will not be finished (for
    ///     example to log the policy decisions it holds).
    public static func run<Prepared: Sendable>(
        count: Int, overlaps: (Int) -> Bool,
        prepare: @escaping @Sendable (_ index: Int, _ confined: Bool) async throws -> Prepared,
        finish: (_ index: Int, Prepared) async throws -> Void,
        abandon: (_ index: Int, Prepared) -> Void = { _, _ in }
    ) async throws {
        let mayOverlap = (0..<count).map(overlaps)
        var i = 0
        while i < count {
            var end = i + 1
            while end < count, mayOverlap[i], mayOverlap[end] { end += 1 }
            if end - i == 1 {
                try await finish(i, try await prepare(i, false))
            } else {
                try await prepareSideBySide(i..<end, prepare: prepare, finish: finish, abandon: abandon)
            }
            i = end
        }
    }

    private static func prepareSideBySide<Prepared: Sendable>(
        _ items: Range<Int>,
        prepare: @escaping @Sendable (Int, Bool) async throws -> Prepared,
        finish: (Int, Prepared) async throws -> Void,
        abandon: (Int, Prepared) -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: (Int, Result<Prepared, any Error>).self) { group in
            for k in items {
                group.addTask {
                    do { return (k, .success(try await prepare(k, true))) } catch { return (k, .failure(error)) }
                }
            }
            // Whatever order they are ready in, finish them in index order.
            var ready: [Int: Result<Prepared, any Error>] = [:]
            do {
                for k in items {
                    while ready[k] == nil, let (done, result) = try await group.next() { ready[done] = result }
                    guard let result = ready.removeValue(forKey: k) else { break }
                    try await finish(k, try result.get())
                }
            } catch {
                group.cancelAll()
                while let (done, result) = try await group.next() { ready[done] = result }
                for (k, result) in ready.sorted(by: { $0.key < $1.key }) {
                    if case .success(let prepared) = result { abandon(k, prepared) }
                }
                throw error
            }
        }
    }
}
