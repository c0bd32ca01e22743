import Foundation
import LinkTomeCore
import TableStorage
import Testing

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
            hubInstance("done", "Completed", createdAgo: 600, output: ["Succeeded": 3]),
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
        #expect(rows["timer-done"]?["Status"] == "Completed")
        #expect(rows["timer-broken"]?["ErrorMsg"]?.stringValue?.contains("activity exploded") == true)
        #expect(rows["timer-busy"]?["OrchestratorId"] == "busy")
        #expect(rows["timer-idle"]?["Status"] == "Completed")
        #expect(summary.changedBy["timerSettled"] == 3)
        #expect(summary.keptBy["timerStillRunning"] == 1)
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
