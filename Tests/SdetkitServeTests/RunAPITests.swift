import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import XCTest
import Yams
@testable import SdetkitServe
import SdetkitConfig

final class RunAPITests: XCTestCase {
    typealias F = ServeFixture

    func testIdempotencyKeyReplaysConflictsAndCancel() async throws {
        let fx = try ServeFixture()
        try await fx.test { client in
            let key: HTTPFields = [F.name("Idempotency-Key"): "k-1"]
            var firstID = ""
            try await client.execute(uri: "/api/v1/runs", method: .post, headers: F.bearer(key),
                                     body: F.body(#"{"task":"health-check"}"#)) { r in
                XCTAssertEqual(r.status, .accepted)
                XCTAssertEqual(F.json(r)["status"]?.stringValue, "queued")
                firstID = F.json(r)["run_id"]?.stringValue ?? ""
            }
            XCTAssertTrue(firstID.hasPrefix("run_"))
            try await client.execute(uri: "/api/v1/runs", method: .post, headers: F.bearer(key),
                                     body: F.body(#"{"task":"health-check"}"#)) { r in
                XCTAssertEqual(r.status, .accepted)
                XCTAssertEqual(r.headers[F.name("Idempotent-Replayed")], "true")
                XCTAssertEqual(F.json(r)["run_id"]?.stringValue, firstID, "a retry gets the first answer, not a second run")
            }
            try await client.execute(uri: "/api/v1/runs", method: .post, headers: F.bearer(key),
                                     body: F.body(#"{"task":"other"}"#)) { r in
                XCTAssertEqual(r.status, .unprocessableContent)
                XCTAssertEqual(r.headers[.contentType], "application/problem+json")
            }
            try await client.execute(uri: "/api/v1/runs?status=queued", method: .get, headers: F.bearer()) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(F.json(r)["runs"]?.arrayValue?.count, 1)
            }
            try await client.execute(uri: "/api/v1/runs/\(firstID)/cancel", method: .post, headers: F.bearer()) { r in
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(F.json(r)["status"]?.stringValue, "cancelled")
            }
            try await client.execute(uri: "/api/v1/runs/\(firstID)/cancel", method: .post, headers: F.bearer()) { r in
                XCTAssertEqual(r.status, .conflict)
            }
            try await client.execute(uri: "/api/v1/runs/run_nope", method: .get, headers: F.bearer()) { r in
                XCTAssertEqual(r.status, .notFound)
            }
        }
    }

    func testRunBodyIsValidatedFieldByField() async throws {
        let fx = try ServeFixture()
        try await fx.test { client in
            for (body, field) in [(#"{}"#, ""), (#"{"task":"a","template":"b"}"#, ""), (#"{"template":"../x"}"#, "template"),
                                  (#"{"template":"t","inputs":[]}"#, "inputs"), (#"{"task":"a","priority":"urgent"}"#, "priority"),
                                  (#"{"task":"#, "")] {
                try await client.execute(uri: "/api/v1/runs", method: .post, headers: F.bearer(), body: F.body(body)) { r in
                    XCTAssertEqual(r.status, .badRequest, body)
                    if !field.isEmpty {
                        XCTAssertTrue(F.json(r)["detail"]?.stringValue?.contains(field) == true, "\(body): \(F.json(r))")
                    }
                }
            }
            try await client.execute(uri: "/api/v1/runs", method: .get, headers: [.authorization: "Bearer nope"]) { r in
                XCTAssertEqual(r.status, .unauthorized)
            }
        }
    }

    /// docs/openapi.yaml documents exactly the routes the server has.
    func testOpenAPIDocumentsEveryRoute() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let doc = try XCTUnwrap(try Yams.load(yaml: text) as? [String: Any])
        XCTAssertEqual((doc["openapi"] as? String)?.hasPrefix("3.1"), true)
        let paths = try XCTUnwrap(doc["paths"] as? [String: Any])
        var documented = Set<String>()
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let served = Set(ServeRoute.all.map { "\($0.method.rawValue) \($0.path)" })
        XCTAssertEqual(documented, served)
    }
}

final class SQLiteServeStoreTests: XCTestCase {
    func testConcurrentInsertsOfOneDeliveryStoreItOnce() async throws {
        let fx = try ServeFixture()
        let store = fx.store
        let outcomes = try await withThrowingTaskGroup(of: EventInsertOutcome.self) { group in
            for i in 0..<200 {
                group.addTask {
                    try await store.insertEvent(NewEvent(eventID: "evt_\(i)", source: .generic, channel: "ci", userID: "u",
                                                         externalID: "delivery-\(i % 20)", text: "status", bodySHA256: "h\(i % 20)",
                                                         requestID: "req_\(i)"))
                }
            }
            var all: [EventInsertOutcome] = []
            for try await o in group { all.append(o) }
            return all
        }
        let stored = outcomes.filter { if case .stored = $0 { return true } else { return false } }
        XCTAssertEqual(stored.count, 20, "each of the 20 deliveries is stored exactly once")
        XCTAssertEqual(outcomes.count - stored.count, 180)
        let (_, total) = try await store.events(channel: "ci", limit: 1000)
        XCTAssertEqual(total, 20)
    }

    func testConcurrentClaimsNeverHandOutARunTwice() async throws {
        let fx = try ServeFixture()
        let store = fx.store
        for _ in 0..<30 {
            _ = try await store.enqueueRun(NewRun(spec: .task("health-check"), channel: "api", userID: "u\(Int.random(in: 0..<1000))",
                                                  requestID: "r"), idempotencyKey: nil, bodySHA256: nil, maxDepth: 1000)
        }
        let limits = ClaimLimits(perUser: 100, perChannel: 100)
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var mine: [String] = []
                    while let run = try await store.claimRun(limits: limits) { mine.append(run.runID) }
                    return mine
                }
            }
            var all: [String] = []
            for try await ids in group { all += ids }
            return all
        }
        XCTAssertEqual(claimed.count, 30)
        XCTAssertEqual(Set(claimed).count, 30, "no run is claimed twice")
        let interrupted = try await store.failInterruptedRuns()
        XCTAssertEqual(interrupted, 30, "runs left running by a crash are failed at the next start")
        let failed = try await store.runs(status: .failed, limit: 100)
        XCTAssertEqual(failed.count, 30)
    }
}
