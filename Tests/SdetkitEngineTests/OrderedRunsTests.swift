import Synchronization
import XCTest
import SdetkitCore
@testable import SdetkitEngine

/// ``OrderedRuns``: overlapping preparation, strictly ordered finishing, barriers, cancellation.
final class OrderedRunsTests: XCTestCase {
    final class Events: Sendable {
        let list = Mutex<[String]>([])
        func add(_ e: String) { list.withLock { $0.append(e) } }
        var all: [String] { list.withLock { $0 } }
        func index(_ e: String) -> Int { all.firstIndex(of: e) ?? -1 }
    }

    struct Boom: Error {}

    func testItemsFinishInOrderWhilePreparingSideBySide() async throws {
        let events = Events()
        var finished: [Int] = []
        try await OrderedRuns.run(count: 4, overlaps: { _ in true }, prepare: { i, confined in
            events.add("start \(i)")
            XCTAssertTrue(confined)
            try await Task.sleep(nanoseconds: UInt64(4 - i) * 20_000_000)  // later items are ready first
            events.add("ready \(i)")
            return i * 10
        }, finish: { i, value in
            XCTAssertEqual(value, i * 10)
            events.add("finish \(i)")
            finished.append(i)
        })
        XCTAssertEqual(finished, [0, 1, 2, 3])
        XCTAssertLessThan(events.index("ready 3"), events.index("finish 0"), "item 3 was prepared while item 0 was")
    }

    func testAnItemThatDoesNotOverlapWaitsForEarlierItemsAndHoldsBackLaterOnes() async throws {
        let events = Events()
        var confinedFlags: [Int: Bool] = [:]
        let flags = Mutex<[Int: Bool]>([:])
        try await OrderedRuns.run(count: 5, overlaps: { $0 != 2 }, prepare: { i, confined in
            flags.withLock { $0[i] = confined }
            events.add("start \(i)")
            try await Task.sleep(nanoseconds: 5_000_000)
            return i
        }, finish: { i, _ in events.add("finish \(i)") })
        confinedFlags = flags.withLock { $0 }
        XCTAssertEqual(confinedFlags, [0: true, 1: true, 2: false, 3: true, 4: true])
        XCTAssertLessThan(events.index("finish 1"), events.index("start 2"))
        XCTAssertLessThan(events.index("finish 2"), events.index("start 3"))
        XCTAssertLessThan(events.index("finish 2"), events.index("start 4"))
        XCTAssertEqual(events.all.filter { $0.hasPrefix("finish") }, (0..<5).map { "finish \($0)" })
    }

    func testASingleOverlappingItemRunsUnconfined() async throws {
        let flags = Mutex<[Bool]>([])
        try await OrderedRuns.run(count: 3, overlaps: { $0 == 1 }, prepare: { _, confined in
            flags.withLock { $0.append(confined) }
        }, finish: { _, _ in })
        XCTAssertEqual(flags.withLock { $0 }, [false, false, false])
    }

    func testAFailureCancelsAndAwaitsTheItemsStillBeingPrepared() async throws {
        let events = Events()
        do {
            try await OrderedRuns.run(count: 3, overlaps: { _ in true }, prepare: { i, _ in
                if i > 0 {
                    do { try await Task.sleep(nanoseconds: 5_000_000_000) } catch { events.add("cancelled \(i)"); throw error }
                }
                return i
            }, finish: { i, _ in
                events.add("finish \(i)")
                throw Boom()
            })
            XCTFail("the error propagates")
        } catch is Boom {}
        XCTAssertEqual(Set(events.all), ["finish 0", "cancelled 1", "cancelled 2"], "nothing is left running")
    }

    func testItemsPreparedButNeverFinishedAreHandedToAbandonInOrder() async throws {
        let events = Events()
        do {
            try await OrderedRuns.run(count: 5, overlaps: { _ in true }, prepare: { i, _ in
                if i == 1 { try await Task.sleep(nanoseconds: 30_000_000) }
                if i == 2 { throw Boom() }
                return i
            }, finish: { i, _ in events.add("finish \(i)") }, abandon: { i, _ in events.add("abandon \(i)") })
            XCTFail("the error propagates")
        } catch is Boom {}
        XCTAssertEqual(events.all, ["finish 0", "finish 1", "abandon 3", "abandon 4"])
    }

    func testAFailedPreparationPropagatesAtItsTurn() async throws {
        let events = Events()
        do {
            try await OrderedRuns.run(count: 3, overlaps: { _ in true }, prepare: { i, _ in
                if i == 1 { throw Boom() }
                return i
            }, finish: { i, _ in events.add("finish \(i)") })
            XCTFail("the error propagates")
        } catch is Boom {}
        XCTAssertEqual(events.all, ["finish 0"], "items before the failure are finished, none after")
    }
}
