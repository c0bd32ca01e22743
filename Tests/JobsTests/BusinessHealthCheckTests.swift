import Foundation
import LinkTomeCore
import TableStorage
import Testing
import Timers

@testable import Jobs

/// Instance statuses from a fixed table; a configurable error stands for an unreachable API.
private struct FixedDurable: TimerDurableClient {
    var statuses: [String: TimerInstanceRuntimeStatus] = [:]
    var failing = false

    func startOrchestration(_ orchestrator: String, instanceId: String, input: JSONValue) async throws {}

    func instanceStatus(_ instanceId: String) async throws -> TimerInstanceStatus? {
        if failing { throw BusinessJobsError(.invalidSetting, "durable endpoint refused the connection") }
        return statuses[instanceId].map { TimerInstanceStatus(instanceId: instanceId, runtimeStatus: $0) }
    }
}

@Suite("Health check")
struct BusinessHealthCheckTests {
    private func hoursAgo(_ hours: Int64) -> TableValue {
        .dateTime(Timestamp(seconds: businessNow.seconds - hours * 3_600))
    }

    private func addTimers(_ store: any TableStore) async throws {
        try await store.createTableIfNotExists("LinkTomeTimers")
        let rows: [(String, [String: TableValue])] = [
            (
                "fresh",
                [
                    "Command": "Start-AnalyticsAggregation", "Cron": "0 0 3 * * *", "Status": "Completed",
                    "LastCompleted": hoursAgo(23),
                ]
            ),
            (
                "stale",
                [
                    "Command": "Start-SubscriptionCleanup", "Cron": "0 0 2 * * *", "Status": "Completed",
                    "LastCompleted": hoursAgo(72),
                ]
            ),
            (
                "failing",
                [
                    "Command": "Start-BillingOrchestrator", "Cron": "0 0 0 * * *", "Status": "Failed",
                    "ConsecutiveFailures": .int32(4), "ErrorMsg": "Stripe said no",
                ]
            ),
            ("never", ["Command": "Start-BackupOrchestrator", "Cron": "0 0 4 * * *", "Status": "Not Scheduled"]),
            (
                "stuck",
                [
                    "Command": "Start-ScheduledTaskOrchestrator", "Cron": "0 */15 * * * *", "Status": "Started",
                    "OrchestratorId": "stuck-1", "OrchestratorStarted": hoursAgo(5), "LastCompleted": hoursAgo(5),
                ]
            ),
            (
                "done",
                [
                    "Command": "Start-HealthCheckOrchestrator", "Cron": "0 0 * * * *", "Status": "Started",
                    "OrchestratorId": "done-1", "OrchestratorStarted": hoursAgo(5), "LastCompleted": hoursAgo(1),
                ]
            ),
        ]
        for (key, properties) in rows {
            try await store.upsert(
                TableEntity(partitionKey: "Timer", rowKey: key, properties: properties),
                in: "LinkTomeTimers"
            )
        }
    }

    private func job(_ store: any TableStore, durable: FixedDurable?) -> HealthCheckOrchestrator {
        HealthCheckOrchestrator(store: store, durable: durable, logger: .silent)
    }

    @Test("writes one row naming the failing checks, and nothing else changes")
    func namesFailingChecks() async throws {
        let store = try await seededBusinessStore()
        try await addTimers(store)
        let durable = FixedDurable(statuses: ["stuck-1": .running, "done-1": .completed])
        let before = try await StoreSnapshot.take(store)
        let result = try await job(store, durable: durable).runInline(now: businessNow, logger: .silent)
        let after = try await StoreSnapshot.take(store)

        #expect(
            before.changedRows(to: after) == [
                rowRef("HealthChecks", "HealthCheck", HealthCheckOrchestrator.rowKey(businessNow))
            ]
        )
        let failing = Set((result.fields["Failing"]?.arrayValue ?? []).compactMap(\.stringValue))
        #expect(
            failing == [
                "Timer:Start-SubscriptionCleanup", "Timer:Start-BillingOrchestrator",
                "Timer:Start-ScheduledTaskOrchestrator", "StuckOrchestrations",
            ]
        )
        #expect(result.message.contains("StuckOrchestrations"))
        let latest = try #require(try await HealthCheckOrchestrator.latest(store))
        #expect(latest["Status"] == "Unhealthy")
        let checks = try JSONParser.parse(try #require(latest["ChecksJson"]?.stringValue)).arrayValue ?? []
        let never = checks.first { $0["name"] == "Timer:Start-BackupOrchestrator" }
        #expect(never?["status"] == "Warn")

        _ = try await job(store, durable: durable).runInline(now: businessNow, logger: .silent)
        #expect(try await StoreSnapshot.take(store) == after)
    }

    @Test("an unreachable durable API fails its check; the newest row is found first")
    func durableDown() async throws {
        let store = try SQLiteTableStore(path: businessDatabasePath())
        _ = try await job(store, durable: FixedDurable()).runInline(now: businessNow, logger: .silent)
        let later = Timestamp(seconds: businessNow.seconds + 3_600)
        let result = try await job(store, durable: FixedDurable(failing: true)).runInline(now: later, logger: .silent)
        #expect(result.fields["Failing"] == ["DurableApi"])
        let latest = try #require(try await HealthCheckOrchestrator.latest(store))
        #expect(latest["CheckedAt"]?.dateTimeValue == later)
        #expect(latest["Status"] == "Unhealthy")
    }

    @Test("rows older than the retention are deleted")
    func retention() async throws {
        let store = try SQLiteTableStore(path: businessDatabasePath())
        let old = Timestamp(seconds: businessNow.seconds - 40 * 86_400)
        _ = try await job(store, durable: FixedDurable()).runInline(now: old, logger: .silent)
        let result = try await job(store, durable: FixedDurable()).runInline(now: businessNow, logger: .silent)
        #expect(result["HealthRowsDeleted"] == 1)
        #expect(try await store.queryAll("HealthChecks").count == 1)
    }
}
