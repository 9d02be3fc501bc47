extension Builder {
    /// The workflow's step ids and which of them come before the step being checked (constant-time lookups,
    /// so checking every step stays linear in the number of steps).
    struct StepRefs {
        let all: [String]
        let position: [String: Int]
        let before: Int

        func isEarlier(_ id: String) -> Bool { position[id].map { $0 < before } ?? false }
        func exists(_ id: String) -> Bool { position[id] != nil }
        /// The ids for a message, shortened past 20.
        var shown: String {
            if all.isEmpty { return "none" }
            return all.count > 20 ? all.prefix(20).joined(separator: ", ") + ", … (\(all.count) in all)" : all.joined(separator: ", ")
        }
    }
}
