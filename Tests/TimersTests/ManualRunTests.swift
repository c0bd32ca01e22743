import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Timers

@Suite("Manual runs and the overview")
struct ManualRunTests {
    static let daily = "55555555-0000-0000-0000-000000000001"

    @Test("a manual run just after an occurrence does not suppress that occurrence")
    func manualRunKeepsScheduledOccurrence() async throws {
        var fixture = TimerFixture()
        fixture.registerRecorder("Start-Daily")
        let catalogue = fixture.catalogue(
            catalogueJSON(entry(id: Self.daily, command: "Start-Daily", cron: "0 0 2 * * *"))
        )
        _ = await fixture.tick(catalogue, at: "2026-01-19T02:00:03Z")

        fixture.clock.set(utc("2026-01-20T02:01:00Z"))
        let manual = try await fixture.service(catalogue).runNow("start-daily", requestedBy: "ops@example.com")
        let manualRow = try #require(try await fixture.row(Self.daily))
        let report = await fixture.tick(catalogue, at: "2026-01-20T02:05:00Z")

        #expect(manual.result == .completed(["Status": "Success", "Occurrence": "2026-01-20T02:01:00Z"]))
        #expect(manual.instanceId == Self.daily + ":2026-01-20T02:01:00Z:manual")
        #expect(manualRow.manuallyTriggered && manualRow.manuallyTriggeredBy == "ops@example.com")
        #expect(manualRow.trigger == "Manual" && iso(manualRow.manuallyTriggeredAt) == "2026-01-20T02:01:00Z")
        #expect(iso(manualRow.lastServedOccurrence) == "2026-01-19T02:00:00Z")
        #expect(report.runs.count == 1)
        #expect(fixture.log.all.map(\.trigger) == [.schedule, .manual(by: "ops@example.com"), .schedule])
    }

    @Test("a manual run refuses while the timer's orchestration runs, and names unknown timers")
    func manualRunRefusals() async throws {
        var fixture = TimerFixture()
        fixture.register("Start-Orchestrated") { _ in
            .orchestration(OrchestratorInput(name: "Work", batch: [ActivityItem(functionName: "Item")]))
        }
        let catalogue = fixture.catalogue(
            catalogueJSON(
                entry(id: Self.daily, command: "Start-Orchestrated", cron: "0 0 2 * * *"),
                entry(id: "broken", cron: "bad cron")
            )
        )
        _ = await fixture.tick(catalogue, at: "2026-01-20T02:00:03Z")
        let service = fixture.service(catalogue)

        await #expect(
            throws: TimersError.timerBusy(
                timer: "Start-Orchestrated",
                reason: "orchestration \(Self.daily):2026-01-20T02:00:00Z is Pending"
            )
        ) {
            try await service.runNow(Self.daily, requestedBy: "ops")
        }
        await #expect(throws: TimersError.timerNotFound("Start-Nothing")) {
            try await service.runNow("Start-Nothing", requestedBy: "ops")
        }
        await #expect(throws: TimersError.self) {
            try await service.runNow("broken", requestedBy: "ops")
        }
    }

    @Test("the overview lists every timer, shows catalogue problems, and reads odd rows without failing")
    func overview() async throws {
        var fixture = TimerFixture()
        fixture.registerRecorder("Start-Daily")
        let catalogue = fixture.catalogue(
            catalogueJSON(
                entry(id: Self.daily, command: "Start-Daily", cron: "0 0 2 * * *"),
                entry(id: "hourly", cron: "0 0 * * * *", priority: 3),
                entry(id: "never", cron: "0 0 0 30 2 *")
            )
        )
        _ = await fixture.tick(catalogue, at: "2026-01-20T02:00:03Z")
        var odd = try #require(try await fixture.row("hourly"))
        var entity = odd.entity
        entity["DurationMs"] = "a while"
        entity["Status"] = "Paused by hand"
        entity["ClaimExpires"] = .int32(7)
        try await fixture.store.upsert(entity, in: TimerStatusRow.table)
        odd = try #require(try await fixture.row("hourly"))

        fixture.clock.set(utc("2026-01-20T02:30:00Z"))
        let overview = await fixture.service(catalogue).overview()
        let table = overview.renderTable()
        let json = overview.json

        #expect(odd.needsRepair && odd.status == .other("Paused by hand") && odd.durationMilliseconds == nil)
        #expect(overview.entries.map(\.statusText) == ["Completed", "Paused by hand"])
        #expect(table.hasPrefix("COMMAND"))
        #expect(table.contains("Start-Daily     0 0 2 * * *  0    Completed"))
        #expect(table.contains("2026-01-20 02:00:03  2026-01-21 02:00:00"))
        #expect(table.contains("catalogue problems:\n  entry #3 Id never (Start-Recorded) skipped"))
        #expect(json["Timers"]?.arrayValue?.first?["LastServedOccurrence"] == "2026-01-20T02:00:00Z")
        #expect(json["Timers"]?.arrayValue?.first?["LastResult"]?["Status"] == "Success")
        #expect(json["Problems"]?.arrayValue?.count == 1)
        #expect(iso(overview.entries[1].nextRun) == "2026-01-20T03:00:00Z")
    }

    @Test("the overview reports unreadable storage instead of failing")
    func overviewWithBrokenStorage() async throws {
        let fixture = TimerFixture(store: FaultyStore(base: BrokenQueries(), failDeletesOf: []))
        let catalogue = fixture.catalogue(catalogueJSON(entry(id: Self.daily, cron: "0 0 2 * * *")))

        let overview = await fixture.service(catalogue).overview()

        #expect(overview.entries.count == 1 && overview.entries[0].row == nil)
        #expect(overview.storageError?.contains("status rows cannot be read") == true)
        #expect(overview.renderTable().contains("Not yet run"))
    }
}
