import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Timers

@Suite("Tick: claims under concurrency")
struct TickConcurrencyTests {
    static let job = "33333333-0000-0000-0000-000000000001"

    static func temporaryDatabase() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("timers-\(UUID().uuidString).sqlite").path
    }

    /// A fixture whose job takes a little while, so that racing ticks overlap.
    static func fixture(store: any TableStore) -> (TimerFixture, TimerCatalogue) {
        var fixture = TimerFixture(store: store)
        fixture.register("Start-Slow") { _ in
            try await Task.sleep(nanoseconds: 30_000_000)
            return .completed(["Status": "Success"])
        }
        let catalogue = fixture.catalogue(catalogueJSON(entry(id: job, command: "Start-Slow", cron: "0 0 1 * * *")))
        fixture.clock.set(utc("2026-01-20T01:00:00.5Z"))
        return (fixture, catalogue)
    }

    @Test("eight ticks racing for the same occurrence on one SQLite file, each with its own connection, run it once")
    func racingTicksOnSQLite() async throws {
        let path = Self.temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (fixture, catalogue) = Self.fixture(store: try SQLiteTableStore(path: path))

        let reports = await withTaskGroup(of: TimerTickReport?.self) { group in
            for index in 0..<8 {
                group.addTask {
                    guard let store = try? SQLiteTableStore(path: path) else { return nil }
                    let environment = fixture.environment(instance: "instance-\(index)", store: store)
                    return await TimerService(environment: environment, catalogue: catalogue).tick()
                }
            }
            var all: [TimerTickReport?] = []
            for await report in group { all.append(report) }
            return all.compactMap { $0 }
        }

        #expect(reports.count == 8)
        #expect(fixture.log.all.count == 1)
        #expect(reports.flatMap(\.runs).count == 1)
        let losers = reports.compactMap { $0.outcome(for: Self.job) }.filter {
            if case .ran = $0 { return false } else { return true }
        }
        #expect(
            losers.allSatisfy { outcome in
                switch outcome {
                case .busy, .notDue: return true
                default: return false
                }
            }
        )
        let row = try #require(try await fixture.row(Self.job))
        #expect(row.status == .completed && iso(row.lastServedOccurrence) == "2026-01-20T01:00:00Z")
    }

    @Test("racing ticks on the in-memory store run the occurrence once")
    func racingTicksInMemory() async throws {
        let (fixture, catalogue) = Self.fixture(store: InMemoryTableStore())

        await withTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask { _ = await fixture.service(catalogue, instance: "instance-\(index)").tick() }
            }
        }

        #expect(fixture.log.all.count == 1)
    }

    @Test("a manual run refuses while a tick's run holds the claim")
    func manualRunDuringTick() async throws {
        let path = Self.temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var setup = Self.fixture(store: try SQLiteTableStore(path: path)).0
        let gate = Gate()
        setup.register("Start-Slow") { _ in
            await gate.enterAndWait()
            return .completed(.null)
        }
        let fixture = setup
        let catalogue = fixture.catalogue(
            catalogueJSON(entry(id: Self.job, command: "Start-Slow", cron: "0 0 1 * * *"))
        )
        let ticker = fixture.service(catalogue, instance: "ticker")
        let operatorService = fixture.service(catalogue, instance: "operator")

        async let tick = ticker.tick()
        await gate.waitUntilEntered()
        let manual = await Result { try await operatorService.runNow("Start-Slow", requestedBy: "ops") }
        gate.release()
        let report = await tick

        guard case .failure(let error) = manual,
            case TimersError.timerBusy(let timer, let reason)? = error as? TimersError
        else {
            Issue.record("expected the manual run to be refused, got \(manual)")
            return
        }
        #expect(timer == "Start-Slow" && reason.hasPrefix("claimed by ticker/"))
        #expect(report.runs.count == 1)
        #expect(fixture.log.all.count == 1)
    }
}

/// Lets a test hold a command inside its run until released.
final class Gate: Sendable {
    private let entered = AsyncStreamPair()
    private let released = AsyncStreamPair()

    func enterAndWait() async {
        entered.signal()
        await released.wait()
    }

    func waitUntilEntered() async { await entered.wait() }

    func release() { released.signal() }
}

/// A one-shot signal usable from async code.
final class AsyncStreamPair: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self)
    }

    func signal() {
        continuation.yield()
        continuation.finish()
    }

    func wait() async {
        for await _ in stream { return }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
