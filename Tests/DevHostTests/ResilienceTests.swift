import Durable
import Foundation
import Glibc
import LinkTomeCore
import TableStorage
import Testing

@testable import DevHost

@Suite("Crashes and concurrent hosts", .serialized)
struct ResilienceTests {
    @Test("a handler killed in the middle of a run is restarted and the run completes, nothing run twice")
    func handlerKilled() async throws {
        let items = (1...4).map { item("slow-\($0)", sleepMs: 2_500) }
        let app = try TestApp(plan: [
            planned("killed-fan", ["Mode": "FanOut", "MaxAttempts": 3, "RetrySeconds": 1, "Items": .array(items)]),
            planned(
                "killed-seq",
                ["Mode": "Sequence", "MaxAttempts": 3, "RetrySeconds": 1, "Items": [item("step", sleepMs: 2_500)]]
            ),
        ])
        defer { app.remove() }

        try await withHost(try app.host()) { host in
            _ = try await host.tick(runAll: false)
            let allRunning = try await eventually {
                for name in items.compactMap({ $0["Name"]?.stringValue })
                where try await workCounts(host, "killed-fan", name).attempts == 0 {
                    return false
                }
                return try await workCounts(host, "killed-seq", "step").attempts == 1
            }
            #expect(allRunning)
            let firstPid = host.handler.pid
            #expect(host.handler.kill(signal: SIGKILL))

            #expect(await host.waitForTrackedInstances(timeout: 90).isEmpty)
            #expect(host.handler.starts == 2)
            #expect(host.handler.pid != firstPid)
            for id in ["killed-fan", "killed-seq"] {
                let record = try #require(try await host.core.durable.instance(id))
                #expect(record.runtimeStatus == .completed, "\(id): \(record.failure ?? "")")
            }
            // Every item was cut off once (its attempt counted, no completion), then ran once to the end.
            for name in items.compactMap({ $0["Name"]?.stringValue }) {
                #expect(try await workCounts(host, "killed-fan", name) == (2, 1))
            }
            #expect(try await workCounts(host, "killed-seq", "step") == (2, 1))
            let fan = try #require(try await host.core.durable.instance("killed-fan"))
            #expect(OrderedJSON.value(fan.output)["Succeeded"] == 4)
        }
    }

    @Test("two hosts on one store share the work: every orchestration starts once, every item runs once")
    func twoHosts() async throws {
        let plan = (1...3).map { index in
            planned(
                "shared-\(index)",
                ["Mode": "FanOut", "MaxAttempts": 2, "Items": .array((1...4).map { item("i\($0)", sleepMs: 50) })]
            )
        }
        let app = try TestApp(plan: plan)
        defer { app.remove() }
        let first = try app.host()
        let second = try app.host()

        try await withHost(first) { first in
            try await withHost(second) { second in
                async let one = first.tick(runAll: false)
                async let two = second.tick(runAll: false)
                _ = try await (one, two)
                #expect(await first.waitForTrackedInstances(timeout: 60).isEmpty)
                #expect(await second.waitForTrackedInstances(timeout: 60).isEmpty)
                // The fixture's timer claims each orchestration with a conditional insert: two ticks
                // started the three orchestrations once between them.
                #expect(first.core.trackedInstances.union(second.core.trackedInstances).count == 3)
                #expect(first.core.trackedInstances.intersection(second.core.trackedInstances).isEmpty)
                let ticks = try await first.core.durable.store.queryAll(DevFixture.ticksTable)
                #expect(ticks.count == 2)
                for index in 1...3 {
                    let record = try #require(try await first.core.durable.instance("shared-\(index)"))
                    #expect(record.runtimeStatus == .completed)
                    for name in (1...4).map({ "i\($0)" }) {
                        #expect(try await workCounts(first, "shared-\(index)", name) == (1, 1))
                    }
                    // No episode was applied twice: one confirmation and one result per task.
                    let kinds = try await first.core.durable.history(of: record).events.map(\.kind.typeName)
                    #expect(kinds.filter { $0 == "taskScheduled" }.count == 4)
                    #expect(kinds.filter { $0 == "taskCompleted" }.count == 4)
                    #expect(kinds.filter { $0 == "executionStarted" }.count == 1)
                }
            }
        }
    }

    @Test("the first tick after downtime is past due; a tick on a fresh store is not")
    func pastDue() async throws {
        let app = try TestApp()
        defer { app.remove() }

        try await withHost(try app.host()) { host in
            _ = try await host.tick(runAll: true)
            let scheduler = try #require(host.timers.first)
            var status = try #require(try await scheduler.readStatus())
            // The host was "down": its last run and the next due occurrence are an hour old.
            let hourAgo = host.core.now().advanced(bySeconds: -3_600)
            status = ScheduleStatus(last: hourAgo, next: scheduler.next(after: hourAgo), lastUpdated: hourAgo)
            try await scheduler.writeStatus(status)
            _ = try await host.tick(runAll: false)

            let ticks = try await host.core.durable.store.queryAll(DevFixture.ticksTable)
            let pastDue = ticks.map { $0["IsPastDue"]?.boolValue }
            #expect(pastDue.sorted { ($0 == true ? 1 : 0) < ($1 == true ? 1 : 0) } == [false, true])
            #expect(ticks.contains { $0["RunAll"]?.boolValue == true && $0["IsPastDue"]?.boolValue == false })
            let after = try #require(try await scheduler.readStatus())
            #expect(after.last.map { $0 > hourAgo } == true)
            #expect(after.next.map { $0 > host.core.now() } == true)
        }
    }
}
