import XCTest
@testable import SdetkitServe

/// The background loops' wake-up: a wait that was woken, or that timed out, must not leave a wake-up behind —
/// otherwise every later wait returns at once and the loop spins (this once cost 50 MiB of timers and a core).
final class SignalTests: XCTestCase {
    func testANotifyWakesOneWaitAndIsNotReplayed() async throws {
        let s = Signal()
        s.notify()  // nobody waiting: remembered once
        let clock = ContinuousClock()
        var t = clock.now
        await s.wait(timeout: .seconds(5))
        XCTAssertLessThan(clock.now - t, .seconds(4), "a remembered notify wakes the next wait at once")
        t = clock.now
        await s.wait(timeout: .milliseconds(200))
        XCTAssertGreaterThanOrEqual(clock.now - t, .milliseconds(190), "the wake-up was consumed: this wait runs to its timeout")
        t = clock.now
        await s.wait(timeout: .milliseconds(200))
        XCTAssertGreaterThanOrEqual(clock.now - t, .milliseconds(190), "a timed-out wait leaves no wake-up behind")
        XCTAssertEqual(s.waiting, 0)
    }

    func testNotifyWakesAWaiterAndTimeoutsLeaveNoRegistrations() async throws {
        let s = Signal()
        let clock = ContinuousClock()
        let t = clock.now
        async let woken: Void = s.wait(timeout: .seconds(10))
        while s.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        s.notify()
        await woken
        XCTAssertLessThan(clock.now - t, .seconds(9))
        await withTaskGroup(of: Void.self) { g in
            for _ in 0..<50 { g.addTask { await s.wait(timeout: .milliseconds(20)) } }
        }
        XCTAssertEqual(s.waiting, 0)
        let t2 = clock.now
        await s.wait(timeout: .milliseconds(200))
        XCTAssertGreaterThanOrEqual(clock.now - t2, .milliseconds(190), "fifty timeouts left no wake-up behind")
    }
}
