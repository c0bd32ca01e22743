import Foundation
import LinkTomeCore
import Testing

@testable import Timers

@Suite("Tick: orchestrations and the running guard")
struct RunningGuardTests {
    static let billing = "44444444-0000-0000-0000-000000000001"
    static let instance = billing + ":2026-01-20T00:00:00Z"

    static func fixture() -> (TimerFixture, TimerCatalogue) {
        var fixture = TimerFixture()
        fixture.register("Start-Billing") { context in
            .orchestration(
                OrchestratorInput(
                    name: "Billing",
                    batch: [ActivityItem(functionName: "SyncUser", parameters: ["UserId": "u1"])],
                    maxAttempts: 3
                )
            )
        }
        let catalogue = fixture.catalogue(
            catalogueJSON(entry(id: billing, command: "Start-Billing", cron: "0 0 * * * *"))
        )
        return (fixture, catalogue)
    }

    @Test("a command that returns an orchestration starts it under <timer id>:<occurrence> and the row says Started")
    func startsOrchestration() async throws {
        let (fixture, catalogue) = Self.fixture()

        let report = await fixture.tick(catalogue, at: "2026-01-20T00:00:04Z")

        #expect(
            report.outcome(for: Self.billing)
                == .ran(
                    occurrence: utc("2026-01-20T00:00:00Z"),
                    attempt: 1,
                    result: .startedOrchestration(instanceId: Self.instance)
                )
        )
        let start = try #require(fixture.durable.starts.first)
        #expect(start.orchestrator == "LinkTomeOrchestrator")
        #expect(start.input["OrchestratorName"] == "Billing" && start.input["MaxAttempts"] == 3)
        let row = try #require(try await fixture.row(Self.billing))
        #expect(row.status == .started && row.orchestratorId == Self.instance && row.claimOwner.isEmpty)
    }

    @Test("a run that died after starting its orchestration, before recording it, is adopted and not run again")
    func adoptsOrchestrationOfAbandonedRun() async throws {
        let (fixture, catalogue) = Self.fixture()
        var stuck = TimerStatusRow(timer: try #require(catalogue.timers.first))
        stuck.status = .started
        stuck.claimOwner = "crashed-host/42/abcd"
        stuck.claimExpires = utc("2026-01-20T00:10:00Z")
        stuck.claimInstanceId = Self.instance
        stuck.lastServedOccurrence = utc("2026-01-20T00:00:00Z")
        stuck.lastOccurrence = utc("2026-01-20T00:00:04Z")
        stuck.attempt = 1
        stuck.trigger = "Schedule"
        try await fixture.store.createTableIfNotExists(TimerStatusRow.table)
        try await fixture.store.insert(stuck.entity, into: TimerStatusRow.table)
        // The dead run got as far as starting its orchestration.
        try await fixture.durable.startOrchestration("LinkTomeOrchestrator", instanceId: Self.instance, input: .null)
        fixture.durable.set(Self.instance, .running)

        let adopted = await fixture.tick(catalogue, at: "2026-01-20T00:15:00Z")
        let adoptedRow = try #require(try await fixture.row(Self.billing))
        fixture.durable.set(Self.instance, .completed, output: ["Status": "Success"])
        _ = await fixture.tick(catalogue, at: "2026-01-20T00:30:00Z")
        let settled = try #require(try await fixture.row(Self.billing))

        #expect(adopted.outcome(for: Self.billing) == .busy("orchestration \(Self.instance) is Running"))
        #expect(adoptedRow.orchestratorId == Self.instance && adoptedRow.claimOwner.isEmpty)
        #expect(settled.status == .completed && settled.orchestratorId.isEmpty)
        #expect(fixture.durable.starts.map(\.instanceId) == [Self.instance])
    }

    @Test("while the orchestration is Pending or Running the timer is skipped, even when its next occurrence is due")
    func pendingAndRunningBlock() async throws {
        let (fixture, catalogue) = Self.fixture()
        _ = await fixture.tick(catalogue, at: "2026-01-20T00:00:04Z")

        let pending = await fixture.tick(catalogue, at: "2026-01-20T01:00:04Z")
        fixture.durable.set(Self.instance, .running)
        let running = await fixture.tick(catalogue, at: "2026-01-20T02:00:04Z")

        #expect(pending.outcome(for: Self.billing) == .busy("orchestration \(Self.instance) is Pending"))
        #expect(running.outcome(for: Self.billing) == .busy("orchestration \(Self.instance) is Running"))
        #expect(fixture.durable.starts.count == 1)
    }

    @Test("an orchestration past the maximum age is reported and left alone")
    func overdueReported() async throws {
        let (fixture, catalogue) = Self.fixture()
        _ = await fixture.tick(catalogue, at: "2026-01-20T00:00:04Z")
        fixture.durable.set(Self.instance, .running)

        let report = await fixture.tick(catalogue, at: "2026-01-21T06:00:04Z")

        guard case .busy(let reason)? = report.outcome(for: Self.billing) else {
            Issue.record("expected busy")
            return
        }
        #expect(reason.contains("past the maximum age of 24 h") && reason.contains("durable cleanup"))
        #expect(fixture.logs.collected.contains { $0.message == "timer orchestration past its maximum age" })
    }

    @Test("when the orchestration ends with failed items the row says Failed with the counts and errors")
    func settlesPartialFailure() async throws {
        let (fixture, catalogue) = Self.fixture()
        _ = await fixture.tick(catalogue, at: "2026-01-20T00:00:04Z")
        let summary = OrchestrationSummary(
            name: "Billing",
            total: 3,
            succeeded: 2,
            failed: 1,
            errors: [.init(item: "user-7", message: "card declined")]
        )
        fixture.clock.set(utc("2026-01-20T00:03:00Z"))
        fixture.durable.set(Self.instance, .completed, output: summary.json)

        let report = await fixture.tick(catalogue, at: "2026-01-20T00:15:00Z")
        let row = try #require(try await fixture.row(Self.billing))

        #expect(report.runs.isEmpty)
        #expect(row.status == .failed)
        #expect(row.errorMessage == "2 of 3 items succeeded, 1 failed: user-7: card declined")
        #expect(row.orchestratorId.isEmpty)
        #expect(row.durationMilliseconds == 176_000)
        #expect(row.consecutiveFailures == 1)
    }

    @Test("a successful orchestration completes the row, clears OrchestratorId and the next occurrence starts anew")
    func settlesSuccessThenRunsNext() async throws {
        let (fixture, catalogue) = Self.fixture()
        _ = await fixture.tick(catalogue, at: "2026-01-20T00:00:04Z")
        let summary = OrchestrationSummary(name: "Billing", total: 1, succeeded: 1, failed: 0, results: [true])
        fixture.durable.set(Self.instance, .completed, output: summary.json)

        let report = await fixture.tick(catalogue, at: "2026-01-20T01:00:04Z")
        let row = try #require(try await fixture.row(Self.billing))

        #expect(report.runs.count == 1)
        #expect(fixture.durable.starts.map(\.instanceId) == [Self.instance, Self.billing + ":2026-01-20T01:00:00Z"])
        #expect(row.status == .started && row.orchestratorId == Self.billing + ":2026-01-20T01:00:00Z")
        #expect(fixture.logs.collected.contains { $0.message == "timer orchestration ended" })
    }

    @Test("a failed, terminated or purged orchestration settles the row as Failed with a reason")
    func settlesOtherEndings() async throws {
        let endings: [(TimerInstanceRuntimeStatus?, JSONValue, String)] = [
            (.failed, "boom", "orchestration \(Self.instance) failed: boom"),
            (.terminated, "stopped by cleanup", "orchestration \(Self.instance) was terminated: stopped by cleanup"),
            (nil, .null, "orchestration \(Self.instance) no longer exists, so its outcome is unknown"),
        ]
        for (status, output, message) in endings {
            let (fixture, catalogue) = Self.fixture()
            _ = await fixture.tick(catalogue, at: "2026-01-20T00:00:04Z")
            if let status {
                fixture.durable.set(Self.instance, status, output: output)
            } else {
                fixture.durable.purge(Self.instance)
            }

            _ = await fixture.tick(catalogue, at: "2026-01-20T00:15:00Z")
            let row = try #require(try await fixture.row(Self.billing))

            #expect(row.status == .failed)
            #expect(row.errorMessage == message)
            #expect(row.orchestratorId.isEmpty)
        }
    }

    @Test("an orchestration request without a durable client fails clearly")
    func noDurableClient() async throws {
        let (fixture, catalogue) = Self.fixture()
        var environment = fixture.environment()
        environment.durable = nil
        fixture.clock.set(utc("2026-01-20T00:00:04Z"))

        let report = await TimerService(environment: environment, catalogue: catalogue).tick()

        guard case .ran(_, _, .failed(let message))? = report.outcome(for: Self.billing) else {
            Issue.record("expected a failed run")
            return
        }
        #expect(message.hasPrefix("Start-Billing asked for an orchestration, which cannot be started here"))
    }

    @Test("rows from the PowerShell app listing several comma-joined ids are checked id by id")
    func commaJoinedIds() async throws {
        let (fixture, catalogue) = Self.fixture()
        _ = await fixture.tick(catalogue, at: "2026-01-20T00:00:04Z")
        var row = try #require(try await fixture.row(Self.billing))
        row.orchestratorId = "old-1, \(Self.instance)"
        try await fixture.store.upsert(row.entity, in: TimerStatusRow.table)
        fixture.durable.set("old-1", .completed)
        fixture.durable.set(Self.instance, .running)

        let report = await fixture.tick(catalogue, at: "2026-01-20T00:15:00Z")

        #expect(report.outcome(for: Self.billing) == .busy("orchestration \(Self.instance) is Running"))
    }
}

@Suite("Row settlement")
struct RowSettlementTests {
    @Test("the shared settle rule: completed with its summary, or failed with every reason and a retry")
    func settle() {
        let now = utc("2026-01-20T10:30:00Z")
        var row = TimerStatusRow(id: "t")
        row.orchestratorId = "a,b"
        row.status = .started
        row.attempt = 1
        row.trigger = "Schedule"
        let started = utc("2026-01-20T10:00:00Z")
        let done = TimerInstanceStatus(
            instanceId: "a",
            runtimeStatus: .completed,
            createdTime: started,
            lastUpdatedTime: utc("2026-01-20T10:05:00Z"),
            output: ["Done": 3]
        )
        let policy = TimerPolicy()

        let completed = TimerRowSettlement.settle(
            row: row,
            statuses: [.init(id: "a", status: done)],
            policy: policy,
            now: now
        )
        let failed = TimerRowSettlement.settle(
            row: row,
            statuses: [.init(id: "a", status: done), .init(id: "b", status: nil)],
            policy: policy,
            now: now
        )

        #expect(completed.status == .completed && completed.orchestratorId.isEmpty)
        #expect(completed.durationMilliseconds == 300_000 && completed.lastResult == #"{"Done":3}"#)
        #expect(failed.status == .failed && failed.consecutiveFailures == 1)
        #expect(failed.errorMessage == "orchestration b no longer exists, so its outcome is unknown")
        #expect(failed.retryAt != nil && failed.orchestratorId.isEmpty)
    }
}
