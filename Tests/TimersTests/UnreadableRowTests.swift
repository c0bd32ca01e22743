import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Timers

@Suite("Unreadable status rows")
struct UnreadableRowTests {
    @Test("a damaged row is reported by key and skipped; the list and the tick go on for the others")
    func damagedRows() async throws {
        let raw = try RawSQLite()
        var fixture = TimerFixture(store: raw.store)
        fixture.registerRecorder("Start-Other")
        try await raw.insertRaw(rowKeySQL: "'broken'", props: "null")
        try await raw.insertRaw(rowKeySQL: "'stale-bad'", props: #"{"When":"x","When@odata.type":"Edm.Bogus"}"#)
        try await raw.insertRaw(rowKeySQL: "'Start-Other'", props: "[1]")
        let catalogue = fixture.catalogue(
            catalogueJSON(
                entry(id: "broken", cron: "0 0 * * * *"),
                entry(id: "healthy", cron: "0 0 * * * *", priority: 1),
                entry(id: "other", command: "Start-Other", cron: "0 0 * * * *", priority: 2)
            )
        )

        fixture.clock.set(utc("2026-01-20T10:00:05Z"))
        let overview = await fixture.service(catalogue).overview()
        let report = await fixture.tick(catalogue, at: "2026-01-20T10:00:05Z")

        #expect(overview.storageError == nil)
        #expect(overview.entries.map(\.statusText) == ["Unreadable row", "Not yet run", "Not yet run"])
        #expect(overview.unreadableRows.map(\.id) == ["Start-Other", "broken", "stale-bad"])
        let table = overview.renderTable()
        #expect(table.contains("status rows that cannot be read (skipped):"))
        #expect(table.contains("  stale-bad: ") && table.contains("Edm.Bogus"))
        #expect(table.contains("(removed at the next tick)"))
        #expect(table.contains("Start-Other: ") && table.contains("cannot be handed to timer other"))

        #expect(report.failure == nil)
        #expect(report.runs.map(\.timerId) == ["healthy", "other"])
        guard case .error(let message) = report.outcome(for: "broken") else {
            Issue.record("the timer with the damaged row should be reported as an error")
            return
        }
        #expect(message.contains("its status row cannot be read") && message.contains("not a JSON object"))
        #expect(report.problems.filter { $0.contains("cannot be read and is skipped") }.count == 3)
        #expect(report.removedRows == ["stale-bad"])
        #expect(try await raw.store.get(from: TimerStatusRow.table, partitionKey: "Timer", rowKey: "stale-bad") == nil)
    }
}

@Suite("Timer list without storage")
struct ListWithoutStorageTests {
    @Test("the catalogue is listed with the storage error when the store cannot be opened")
    func catalogueOnly() {
        let fixture = TimerFixture()
        let catalogue = fixture.catalogue(
            catalogueJSON(entry(id: "hourly", cron: "0 0 * * * *"), entry(id: "bad", cron: "bad cron"))
        )

        let overview = TimerOverview(
            catalogue: catalogue,
            settings: Settings([:]),
            now: utc("2026-01-20T10:20:00Z"),
            storageError: "the timer status store cannot be opened: no account"
        )
        let table = overview.renderTable()

        #expect(overview.entries.map(\.timer.id) == ["hourly"])
        #expect(iso(overview.entries[0].nextRun) == "2026-01-20T11:00:00Z")
        #expect(table.contains("Start-Recorded  0 0 * * * *  0    Not yet run"))
        #expect(table.contains("entry #2 Id bad (Start-Recorded) skipped: bad Cron"))
        #expect(table.hasSuffix("the timer status store cannot be opened: no account\n"))
        #expect(overview.json["StorageError"] == "the timer status store cannot be opened: no account")
    }
}
