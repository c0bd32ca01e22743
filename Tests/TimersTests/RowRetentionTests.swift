import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Timers

@Suite("Status rows of skipped and removed timers")
struct RowRetentionTests {
    static let cleanupId = "33333333-0000-0000-0000-000000000001"

    /// A row as the PowerShell app keyed it: by Command, without `Attempt`.
    static func insertCommandRow(_ store: any TableStore, _ command: String, last: String) async throws {
        try await store.createTableIfNotExists(TimerStatusRow.table)
        let row = TableEntity(
            partitionKey: "Timer",
            rowKey: command,
            properties: [
                "Command": .string(command), "Cron": "0 0 2 * * *", "Status": "Completed",
                "LastOccurrence": .dateTime(Timestamp(utc(last))), "OrchestratorId": "", "ErrorMsg": "",
            ]
        )
        try await store.insert(row, into: TimerStatusRow.table)
    }

    @Test("a Command-keyed row is kept while its entry is skipped, and hands its history over once it is valid")
    func commandRowOfSkippedEntry() async throws {
        var fixture = TimerFixture()
        try await Self.insertCommandRow(fixture.store, "Start-Cleanup", last: "2026-01-19T02:00:03Z")
        let json = catalogueJSON(entry(id: Self.cleanupId, command: "Start-Cleanup", cron: "0 0 2 * * *"))

        let skipped = await fixture.tick(fixture.catalogue(json), at: "2026-01-20T01:00:05Z")
        let kept = try await fixture.row("Start-Cleanup")
        let invalid = try #require(try await fixture.row(Self.cleanupId))

        #expect(skipped.removedRows.isEmpty)
        #expect(kept?.status == .completed)
        #expect(invalid.status == .invalid && invalid.command == "Start-Cleanup" && invalid.cron == "0 0 2 * * *")
        #expect(invalid.errorMessage.contains("catalogue entry #1 is skipped: unknown timer command 'Start-Cleanup'"))

        fixture.registerRecorder("Start-Cleanup")
        let fixed = fixture.catalogue(json)
        let listed = await fixture.service(fixed).overview()
        let report = await fixture.tick(fixed, at: "2026-01-20T01:15:05Z")
        let handed = try #require(try await fixture.row(Self.cleanupId))

        #expect(listed.staleRows.map(\.fate) == [.handOver(toTimerId: Self.cleanupId)])
        #expect(report.removedRows == ["Start-Cleanup"])
        #expect(try await fixture.row("Start-Cleanup") == nil)
        #expect(handed.status == .completed && handed.errorMessage.isEmpty)
        #expect(iso(handed.lastServedOccurrence) == "2026-01-19T02:00:00Z")
        #expect(iso(handed.nextOccurrence) == "2026-01-20T02:00:00Z")
    }

    @Test("a mistyped cron shows in its row from the first tick, the row's history stays, and a fix revives it")
    func badCronRow() async throws {
        let fixture = TimerFixture()
        let good = fixture.catalogue(catalogueJSON(entry(id: "hourly", cron: "0 0 * * * *")))
        _ = await fixture.tick(good, at: "2026-01-20T10:00:05Z")
        let bad = fixture.catalogue(
            catalogueJSON(entry(id: "hourly", cron: "0 0 * * * * *"), entry(id: "fresh", cron: "0 61 * * * *"))
        )

        let report = await fixture.tick(bad, at: "2026-01-20T11:00:05Z")
        let hourly = try #require(try await fixture.row("hourly"))
        let fresh = try #require(try await fixture.row("fresh"))

        #expect(report.entries.isEmpty && report.removedRows.isEmpty)
        #expect(hourly.status == .invalid && hourly.cron == "0 0 * * * * *")
        #expect(hourly.errorMessage.contains("bad Cron") && hourly.errorMessage.contains("year field"))
        #expect(iso(hourly.lastServedOccurrence) == "2026-01-20T10:00:00Z")
        #expect(hourly.nextOccurrence == nil)
        #expect(fresh.status == .invalid && fresh.errorMessage.contains("61 is above the maximum 59"))

        let again = await fixture.tick(bad, at: "2026-01-20T11:15:05Z")
        #expect(again.problems.count == 2)
        #expect(try await fixture.row("hourly")?.etag == hourly.etag)

        let revived = await fixture.tick(good, at: "2026-01-20T11:20:00Z")
        let row = try #require(try await fixture.row("hourly"))
        #expect(revived.runs.map(\.timerId) == ["hourly"])
        #expect(row.status == .completed && row.errorMessage.isEmpty && row.cron == "0 0 * * * *")
        #expect(iso(row.lastServedOccurrence) == "2026-01-20T11:00:00Z")
        #expect(revived.removedRows == ["fresh"])

        _ = await fixture.tick(bad, at: "2026-01-20T11:30:00Z")
        let quiet = await fixture.tick(good, at: "2026-01-20T11:45:00Z")
        let idle = try #require(try await fixture.row("hourly"))
        #expect(quiet.outcome(for: "hourly") == .notDue(next: utc("2026-01-20T12:00:00Z")))
        #expect(idle.status == .notScheduled && idle.errorMessage.isEmpty && idle.cron == "0 0 * * * *")
    }

    @Test("an empty catalogue removes nothing, and the list says the rows are kept")
    func emptyCatalogue() async throws {
        let fixture = TimerFixture()
        _ = await fixture.tick(
            fixture.catalogue(catalogueJSON(entry(id: "hourly", cron: "0 0 * * * *"))),
            at: "2026-01-20T10:00:05Z"
        )
        let empty = fixture.catalogue("[]")

        let listed = await fixture.service(empty).overview()
        let report = await fixture.tick(empty, at: "2026-01-20T11:00:05Z")

        #expect(report.removedRows.isEmpty)
        #expect(try await fixture.row("hourly") != nil)
        #expect(listed.staleRows.map(\.row.id) == ["hourly"])
        #expect(listed.renderTable().contains("hourly (Start-Recorded): kept: the catalogue declares no timer"))
        #expect(!listed.renderTable().contains("removed at the next tick"))
        #expect(listed.json["OrphanRows"]?.arrayValue?.first?["Fate"] == "keep")
    }

    @Test("what the list says about each stale row is what the next tick does")
    func listMatchesTick() async throws {
        var fixture = TimerFixture()
        fixture.registerRecorder("Start-Daily")
        try await Self.insertCommandRow(fixture.store, "Start-Daily", last: "2026-01-19T02:00:03Z")
        try await Self.insertCommandRow(fixture.store, "Start-Broken", last: "2026-01-19T02:00:03Z")
        try await Self.insertCommandRow(fixture.store, "Start-Gone", last: "2026-01-19T02:00:03Z")
        let catalogue = fixture.catalogue(
            catalogueJSON(
                entry(id: "daily", command: "Start-Daily", cron: "0 0 2 * * *"),
                entry(id: "broken", command: "Start-Broken", cron: "0 0 2 * * *")
            )
        )

        let listed = await fixture.service(catalogue).overview()
        let report = await fixture.tick(catalogue, at: "2026-01-20T01:00:05Z")
        let left = try await fixture.store.queryAll(TimerStatusRow.table).map(\.rowKey).sorted()

        let fates = Dictionary(uniqueKeysWithValues: listed.staleRows.map { ($0.row.id, $0.fate) })
        #expect(fates["Start-Daily"] == .handOver(toTimerId: "daily"))
        #expect(fates["Start-Gone"] == .remove)
        guard case .keep = fates["Start-Broken"] else {
            Issue.record("the skipped entry's Command row should be kept")
            return
        }
        #expect(report.removedRows.sorted() == ["Start-Daily", "Start-Gone"])
        #expect(left == ["Start-Broken", "broken", "daily"])
        let table = listed.renderTable()
        #expect(table.contains("Start-Gone (Start-Gone): removed at the next tick"))
        #expect(table.contains("Start-Daily (Start-Daily): history handed to timer daily"))
    }
}

@Suite("Status rows with control characters")
struct ControlCharacterRowTests {
    @Test("a stale row whose RowKey has a control character is listed escaped and removed by the tick")
    func controlCharacterKey() async throws {
        let raw = try RawSQLite()
        let fixture = TimerFixture(store: raw.store)
        try await raw.insertRaw(rowKeySQL: "'old' || char(9) || 'timer' || char(1)", props: #"{"Command":"Start-Old"}"#)
        let catalogue = fixture.catalogue(catalogueJSON(entry(id: "hourly", cron: "0 0 * * * *")))

        let table = await fixture.service(catalogue).overview().renderTable()
        let report = await fixture.tick(catalogue, at: "2026-01-20T10:00:05Z")
        let second = await fixture.tick(catalogue, at: "2026-01-20T10:15:05Z")

        #expect(table.contains("  old\\ttimer\\u{1} (Start-Old): removed at the next tick"))
        #expect(!table.unicodeScalars.contains { $0.value == 1 || $0.value == 9 })
        #expect(report.removedRows == ["old\ttimer\u{1}"] && report.problems.isEmpty)
        #expect(second.removedRows.isEmpty && second.problems.isEmpty)
        let logged = fixture.logs.collected.first { $0.message == "stale timer status row removed" }
        #expect(logged?.metadata["row"] == "old\\ttimer\\u{1}")
    }

    @Test("a row a store refuses to delete is reported as needing removal by hand")
    func refusedDelete() {
        let error = TableStorageError(.validation, code: "InvalidKeyCharacter", message: "RowKey contains U+0001")
        let text = RowCleanup.problem(key: "bad\\u{1}", error: error)
        #expect(text.contains("cannot be removed by this program") && text.contains("delete it by hand"))
    }
}
