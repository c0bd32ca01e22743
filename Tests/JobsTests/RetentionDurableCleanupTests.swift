import Foundation
import LinkTomeCore
import Synchronization
import TableStorage
import Testing
import Timers

@testable import Jobs

/// A `LinkTomeTimers` status row pointing at `orchestratorId`.
private func timerRow(_ id: String, orchestratorId: String, status: String = "Started") -> TableEntity {
    TableEntity(
        partitionKey: "Timer",
        rowKey: id,
        properties: [
            "Command": "Start-AnalyticsAggregation", "Cron": "0 0 3 * * *", "Status": .string(status),
            "OrchestratorId": .string(orchestratorId), "ErrorMsg": "",
        ]
    )
}

@Suite("Durable cleanup")
struct RetentionDurableCleanupTests {
    let day = 86_400.0

    /// 5,000 ended instances created 8 to 40 days ago, plus ones that must stay.
    private func crowdedHub() -> RetentionTaskHub {
        let statuses = ["Completed", "Failed", "Terminated"]
        var instances = (0..<5_000).map { index in
            hubInstance(
                String(format: "old-%05d", index),
                statuses[index % 3],
                createdAgo: 8 * 86_400 + Double(index) * 553
            )
        }
        instances += (0..<50).map { hubInstance("recent-\($0)", "Completed", createdAgo: Double($0) * 3_600) }
        instances.append(hubInstance("young-running", "Running", createdAgo: 3_600))
        instances.append(hubInstance("edge-completed", "Completed", createdAgo: 7 * 86_400 - 1))
        return RetentionTaskHub(instances)
    }

    @Test("5,000 eligible instances are purged across several slices; younger and running ones stay")
    func purgesInSlices() async throws {
        let hub = crowdedHub()
        let store = try makeRetentionStore()

        let summary = try await DurableCleanup.run(client: hub, store: store, now: retentionNow.date, logger: .silent)

        let remaining = Set(hub.all.map(\.instanceId))
        #expect(summary.deletedBy == ["purged": 5_000])
        #expect(remaining.count == 52)
        #expect(remaining.contains("young-running"))
        #expect(remaining.contains("edge-completed"))
        let slices = try #require(summary.json["Slices"]?.intValue)
        #expect(slices > 3)
        #expect(summary.json["MoreRemaining"] == false)
        #expect(summary.json["PurgedCount"] == 5_000)

        let second = try await DurableCleanup.run(client: hub, store: store, now: retentionNow.date, logger: .silent)
        #expect(second.nothingToDo)
        #expect(second.message.hasPrefix("Nothing to clean"))
    }

    @Test("a retention that would put the cutoff at or after now is refused before anything is touched")
    func futureCutoffRefused() async throws {
        let hub = crowdedHub()
        let store = try makeRetentionStore()
        for days in [0, -3] {
            let configuration = try DurableCleanup.Configuration(
                settings: Settings(["LINKTOME_DURABLE_RETENTION_DAYS": String(days)])
            )
            await #expect(throws: RetentionError.self) {
                try await DurableCleanup.run(
                    client: hub,
                    store: store,
                    now: retentionNow.date,
                    configuration: configuration,
                    logger: .silent
                )
            }
        }
        #expect(hub.stats == RetentionTaskHub.Stats())
        #expect(hub.all.count == 5_052)
    }

    @Test("instances running or pending longer than the maximum age are terminated with a reason")
    func terminatesStuck() async throws {
        let hub = RetentionTaskHub([
            hubInstance("running-25h", "Running", createdAgo: 25 * 3_600),
            hubInstance("pending-30h", "Pending", createdAgo: 30 * 3_600),
            hubInstance("running-23h", "Running", createdAgo: 23 * 3_600),
            hubInstance("completed-30h", "Completed", createdAgo: 30 * 3_600),
        ])
        let store = try makeRetentionStore()

        let summary = try await DurableCleanup.run(client: hub, store: store, now: retentionNow.date, logger: .silent)

        #expect(summary.changedBy["terminated"] == 2)
        #expect(try await hub.instanceStatus("running-25h")?.runtimeStatus == "Terminated")
        #expect(try await hub.instanceStatus("pending-30h")?.runtimeStatus == "Terminated")
        #expect(try await hub.instanceStatus("running-23h")?.runtimeStatus == "Running")
        #expect(hub.reason("running-25h")?.contains("longer than the maximum of 86400 seconds") == true)
    }

    @Test("a timer stuck on a vanished instance becomes runnable again; one on a running instance waits")
    func settlesTimerRows() async throws {
        let hub = RetentionTaskHub([
            hubInstance("done", "Completed", createdAgo: 600, output: ["Total": 3, "Succeeded": 3, "Failed": 0]),
            hubInstance(
                "partly",
                "Completed",
                createdAgo: 600,
                output: ["Total": 2, "Succeeded": 1, "Failed": 1, "Errors": [["Item": "a", "Error": "boom"]]]
            ),
            hubInstance("broken", "Failed", createdAgo: 600, output: "activity exploded"),
            hubInstance("busy", "Running", createdAgo: 600),
        ])
        let store = try makeRetentionStore()
        try await seed(
            store,
            "LinkTomeTimers",
            [
                timerRow("timer-vanished", orchestratorId: "gone-forever"),
                timerRow("timer-done", orchestratorId: "done"),
                timerRow("timer-partly", orchestratorId: "partly"),
                timerRow("timer-broken", orchestratorId: "broken"),
                timerRow("timer-busy", orchestratorId: "busy"),
                timerRow("timer-idle", orchestratorId: "", status: "Completed"),
            ]
        )

        let summary = try await DurableCleanup.run(client: hub, store: store, now: retentionNow.date, logger: .silent)

        let rows = Dictionary(uniqueKeysWithValues: try await store.queryAll("LinkTomeTimers").map { ($0.rowKey, $0) })
        let vanished = try #require(rows["timer-vanished"])
        #expect(vanished["OrchestratorId"] == "")
        #expect(vanished["Status"] == "Failed")
        #expect(vanished["ErrorMsg"]?.stringValue?.contains("gone-forever no longer exists") == true)
        #expect(vanished["ConsecutiveFailures"] == .int32(1))
        #expect(rows["timer-done"]?["Status"] == "Completed")
        #expect(rows["timer-done"]?["LastResult"]?.stringValue?.contains("\"Succeeded\":3") == true)
        #expect(rows["timer-partly"]?["Status"] == "Failed")
        #expect(rows["timer-broken"]?["ErrorMsg"]?.stringValue?.contains("activity exploded") == true)
        #expect(rows["timer-busy"]?["OrchestratorId"] == "busy")
        #expect(rows["timer-idle"]?["Status"] == "Completed")
        #expect(summary.changedBy["timerSettled"] == 4)
        #expect(summary.keptBy["timerStillRunning"] == 1)
    }

    @Test("a timer the tick cannot check (its instance vanished, no durable client) runs again after the cleanup")
    func stuckTimerRunsAgain() async throws {
        let store = try makeRetentionStore()
        let timerId = "d0e1f2a3-b4c5-6789-4567-890123456789"
        var stuck = TimerStatusRow(id: timerId)
        stuck.command = "Start-Probe"
        stuck.cron = "0 */15 * * * *"
        stuck.status = .started
        stuck.orchestratorId = "\(timerId):vanished"
        stuck.lastServedOccurrence = retentionAt(-15 * 60).date
        stuck.attempt = 1
        try await seed(store, "LinkTomeTimers", [stuck.entity])

        let ran = ProbeCounter()
        var registry = TimerRegistry()
        registry.register("Start-Probe") { _ in
            ran.increment()
            return .completed(["Probed": true])
        }
        let catalogue = TimerCatalogue(
            parsing: Array(
                "[{\"Id\": \"\(timerId)\", \"Command\": \"Start-Probe\", \"Cron\": \"0 */15 * * * *\"}]".utf8
            ),
            registry: registry
        )
        let environment = TimerEnvironment(
            store: store,
            durable: nil,
            registry: registry,
            settings: Settings([:]),
            clock: ManualTimeSource(retentionAt(5).date),
            logger: .silent
        )

        let before = await TimerTick(environment: environment, catalogue: catalogue).run()
        _ = try await DurableCleanup.run(
            client: RetentionTaskHub(),
            store: store,
            now: retentionNow.date,
            logger: .silent
        )
        let after = await TimerTick(environment: environment, catalogue: catalogue).run()

        guard case .busy = before.outcome(for: timerId) else {
            Issue.record(
                "the stuck timer should be busy before the cleanup: \(String(describing: before.outcome(for: timerId)))"
            )
            return
        }
        guard case .ran = after.outcome(for: timerId) else {
            Issue.record("the timer should run after the cleanup: \(String(describing: after.outcome(for: timerId)))")
            return
        }
        #expect(ran.value == 1)
    }

    @Test("a run whose time budget ends stops, says so, and the next run continues")
    func timeBudget() async throws {
        let hub = crowdedHub()
        let store = try makeRetentionStore()
        var tight = DurableCleanup.Configuration()
        tight.timeBudget = 0.000_001

        let stopped = try await DurableCleanup.run(
            client: hub,
            store: store,
            now: retentionNow.date,
            configuration: tight,
            logger: .silent
        )
        let finished = try await DurableCleanup.run(client: hub, store: store, now: retentionNow.date, logger: .silent)

        #expect(stopped.json["MoreRemaining"] == true)
        #expect(stopped.message.contains("the next run continues"))
        #expect(finished.deleted == 5_000 - stopped.deleted)
        #expect(finished.json["MoreRemaining"] == false)
    }

    @Test("an empty page with a continuation does not end the search for older instances")
    func emptyPagesFollowed() async throws {
        let hub = RetentionTaskHub([
            hubInstance("ancient", "Completed", createdAgo: 400 * 86_400),
            hubInstance("old", "Failed", createdAgo: 10 * 86_400),
        ])
        let client = EmptyFirstPage(hub)
        let store = try makeRetentionStore()

        let summary = try await DurableCleanup.run(
            client: client,
            store: store,
            now: retentionNow.date,
            logger: .silent
        )

        #expect(summary.deletedBy == ["purged": 2])
        #expect(hub.all.isEmpty)
        #expect(summary.json["MoreRemaining"] == false)
    }

    @Test("catalogue parameters override the settings, as CIPP's MaxDuration did")
    func parameters() throws {
        let base = try DurableCleanup.Configuration(settings: Settings([:]))
        #expect(base == DurableCleanup.Configuration())
        let applied = try base.applying(DurableCleanupParameters(retentionDays: 14, maxDuration: 3_600))
        #expect(applied.retentionDays == 14)
        #expect(applied.maxRunning == 3_600)
        #expect(throws: RetentionError.self) { try base.applying(DurableCleanupParameters(maxDuration: 0)) }
    }
}

/// Counts runs of the probe command.
private final class ProbeCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// A hub whose listings start with an empty page that only carries a continuation, as the service may.
private struct EmptyFirstPage: DurableMaintenanceClient {
    let hub: RetentionTaskHub

    init(_ hub: RetentionTaskHub) {
        self.hub = hub
    }

    func listInstances(
        statuses: [String],
        createdTo: Date,
        top: Int,
        continuation: String?
    ) async throws
        -> DurableInstancePage
    {
        guard let continuation else { return DurableInstancePage(instances: [], continuation: "start") }
        let token = continuation == "start" ? nil : continuation
        return try await hub.listInstances(statuses: statuses, createdTo: createdTo, top: top, continuation: token)
    }

    func purgeInstances(createdFrom: Date, createdTo: Date, statuses: [String]) async throws -> Int {
        try await hub.purgeInstances(createdFrom: createdFrom, createdTo: createdTo, statuses: statuses)
    }

    func terminateInstance(_ instanceId: String, reason: String) async throws -> DurableTerminateOutcome {
        try await hub.terminateInstance(instanceId, reason: reason)
    }

    func instanceStatus(_ instanceId: String) async throws -> DurableInstanceSummary? {
        try await hub.instanceStatus(instanceId)
    }
}
