import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Timers

@Suite("Tick: failures, retries, legacy rows and cleanup")
struct TickRecoveryTests {
    static let hourly = "22222222-0000-0000-0000-000000000001"
    static let daily = "22222222-0000-0000-0000-000000000002"
    static let legacyHourly = "22222222-0000-0000-0000-000000000003"

    struct Boom: Error, CustomStringConvertible {
        var description: String { "the payment provider answered 503" }
    }

    @Test("a job that throws is marked Failed with its message, and the next occurrence still runs")
    func failingJob() async throws {
        var fixture = TimerFixture()
        fixture.settings = [TimerPolicy.maxRetriesSetting: "0"]
        let calls = Counter()
        fixture.register("Start-Flaky") { _ in
            if calls.next() == 1 { throw Boom() }
            return .completed(["Status": "Success"])
        }
        let catalogue = fixture.catalogue(
            catalogueJSON(entry(id: Self.hourly, command: "Start-Flaky", cron: "0 0 * * * *"))
        )

        let first = await fixture.tick(catalogue, at: "2026-01-20T10:00:05Z")
        let failed = try #require(try await fixture.row(Self.hourly))
        let quiet = await fixture.tick(catalogue, at: "2026-01-20T10:30:00Z")
        let second = await fixture.tick(catalogue, at: "2026-01-20T11:00:05Z")
        let recovered = try #require(try await fixture.row(Self.hourly))

        #expect(
            first.outcome(for: Self.hourly)
                == .ran(
                    occurrence: utc("2026-01-20T10:00:00Z"),
                    attempt: 1,
                    result: .failed("the payment provider answered 503")
                )
        )
        #expect(failed.status == .failed)
        #expect(failed.errorMessage == "the payment provider answered 503")
        #expect(failed.consecutiveFailures == 1 && failed.retryAt == nil)
        #expect(quiet.runs.isEmpty)
        #expect(second.runs.count == 1)
        #expect(recovered.status == .completed && recovered.errorMessage.isEmpty && recovered.consecutiveFailures == 0)
        #expect(fixture.log.summary == ["Start-Flaky@2026-01-20T10:00:00Z", "Start-Flaky@2026-01-20T11:00:00Z"])
    }

    @Test("a failed daily run is retried with backoff at later ticks, up to the retry limit")
    func retriesWithBackoff() async throws {
        var fixture = TimerFixture()
        fixture.register("Start-Broken") { _ in throw Boom() }
        let catalogue = fixture.catalogue(
            catalogueJSON(entry(id: Self.daily, command: "Start-Broken", cron: "0 0 2 * * *"))
        )

        for time in ["02:00:05", "02:03:00", "02:15:00", "02:20:00", "02:30:00", "02:45:00", "03:00:00"] {
            _ = await fixture.tick(catalogue, at: "2026-01-20T\(time)Z")
        }
        let row = try #require(try await fixture.row(Self.daily))

        #expect(fixture.log.all.map(\.attempt) == [1, 2, 3])
        #expect(fixture.log.all.map(\.trigger) == [.schedule, .retry, .retry])
        #expect(Set(fixture.log.all.map(\.occurrence)) == [utc("2026-01-20T02:00:00Z")])
        #expect(row.status == .failed && row.attempt == 3 && row.consecutiveFailures == 3)
        #expect(row.retryAt == nil)
    }

    @Test("a run whose claim expired without a result is marked failed and retried")
    func abandonedClaim() async throws {
        let fixture = TimerFixture()
        let catalogue = fixture.catalogue(catalogueJSON(entry(id: Self.daily, cron: "0 0 2 * * *")))
        var stuck = TimerStatusRow(timer: try #require(catalogue.timers.first))
        stuck.status = .started
        stuck.claimOwner = "crashed-host/42/abcd"
        stuck.claimExpires = utc("2026-01-20T02:10:00Z")
        stuck.lastServedOccurrence = utc("2026-01-20T02:00:00Z")
        stuck.attempt = 1
        stuck.trigger = "Schedule"
        try await fixture.store.createTableIfNotExists(TimerStatusRow.table)
        try await fixture.store.insert(stuck.entity, into: TimerStatusRow.table)

        let held = await fixture.tick(catalogue, at: "2026-01-20T02:05:00Z")
        let released = await fixture.tick(catalogue, at: "2026-01-20T02:15:00Z")
        let failedRow = try #require(try await fixture.row(Self.daily))
        let retried = await fixture.tick(catalogue, at: "2026-01-20T02:30:00Z")

        #expect(held.outcome(for: Self.daily) == .busy("claimed by crashed-host/42/abcd until 2026-01-20T02:10:00Z"))
        #expect(released.runs.isEmpty)
        #expect(failedRow.status == .failed)
        #expect(failedRow.errorMessage.contains("did not record a result before its claim expired"))
        #expect(
            retried.outcome(for: Self.daily)
                == .ran(
                    occurrence: utc("2026-01-20T02:00:00Z"),
                    attempt: 2,
                    result: .completed(
                        ["Status": "Success", "Occurrence": "2026-01-20T02:00:00Z"]
                    )
                )
        )
    }

    @Test("a command that overruns its time limit is abandoned and marked failed")
    func runTimeout() async throws {
        var fixture = TimerFixture()
        fixture.settings = [TimerPolicy.runTimeoutSetting: "0.3"]
        fixture.register("Start-Slow") { _ in
            try await Task.sleep(nanoseconds: 20_000_000_000)
            return .completed(.null)
        }
        let catalogue = fixture.catalogue(
            catalogueJSON(entry(id: Self.hourly, command: "Start-Slow", cron: "0 0 * * * *"))
        )

        _ = await fixture.tick(catalogue, at: "2026-01-20T10:00:05Z")
        let row = try #require(try await fixture.row(Self.hourly))

        #expect(row.status == .failed)
        #expect(row.errorMessage == "Start-Slow did not finish within 0 s and was abandoned")
    }

    @Test("PowerShell rows ('Never', tick-time LastOccurrence, Command RowKeys) list fine and the tick repairs them")
    func legacyRows() async throws {
        var fixture = TimerFixture()
        for name in ["Start-Hourly", "Start-Daily", "Start-LegacyHourly"] { fixture.registerRecorder(name) }
        let catalogue = fixture.catalogue(
            catalogueJSON(
                entry(id: Self.hourly, command: "Start-Hourly", cron: "0 0 * * * *"),
                entry(id: Self.daily, command: "Start-Daily", cron: "0 0 2 * * *", priority: 1),
                entry(id: Self.legacyHourly, command: "Start-LegacyHourly", cron: "0 0 * * * *", priority: 2)
            )
        )
        try await Self.insertPowerShellRows(fixture.store)

        let listed = await fixture.service(catalogue).overview()
        let report = await fixture.tick(catalogue, at: "2026-01-20T10:00:12Z")
        let relisted = await fixture.service(catalogue).overview()

        #expect(listed.entries.map(\.statusText) == ["Not Scheduled", "Not yet run", "Completed"])
        #expect(listed.orphanRows.map(\.id) == ["Start-Daily", "old timer"])
        #expect(listed.entries[0].row?.needsRepair == true)
        #expect(listed.renderTable().contains("Start-LegacyHourly"))
        #expect(listed.json["Timers"]?.arrayValue?.count == 3)

        #expect(report.removedRows == ["Start-Daily", "old timer"])
        #expect(
            fixture.log.summary.sorted() == [
                "Start-Hourly@2026-01-20T10:00:00Z", "Start-LegacyHourly@2026-01-20T10:00:00Z",
            ]
        )
        let never = try #require(try await fixture.row(Self.hourly))
        #expect(never.isLegacy == false && never.needsRepair == false)
        #expect(iso(never.lastOccurrence) == "2026-01-20T10:00:12Z")
        let migrated = try #require(try await fixture.row(Self.daily))
        #expect(iso(migrated.lastServedOccurrence) == "2026-01-20T02:00:00Z")
        #expect(migrated.status == .completed)
        #expect(relisted.orphanRows.isEmpty)
        #expect(relisted.entries.allSatisfy { $0.row?.needsRepair == false })
    }

    /// Rows as the PowerShell app left them: no `Attempt`, `LastOccurrence` as 'Never' or the tick time.
    static func insertPowerShellRows(_ store: any TableStore) async throws {
        func row(_ key: String, _ command: String, last: TableValue, status: String) -> TableEntity {
            TableEntity(
                partitionKey: "Timer",
                rowKey: key,
                properties: [
                    "Command": .string(command), "Cron": "0 0 * * * *", "LastOccurrence": last,
                    "NextOccurrence": .dateTime(Timestamp(utc("2026-01-20T09:00:00Z"))), "Status": .string(status),
                    "OrchestratorId": "", "RunOnProcessor": true, "IsSystem": false, "PreferredProcessor": "",
                ]
            )
        }
        try await store.createTableIfNotExists(TimerStatusRow.table)
        try await store.insert(
            row(hourly, "Start-Hourly", last: "Never", status: "Not Scheduled"),
            into: "LinkTomeTimers"
        )
        let daily = TableValue.dateTime(Timestamp(utc("2026-01-20T02:00:04.25Z")))
        try await store.insert(
            row("Start-Daily", "Start-Daily", last: daily, status: "Completed"),
            into: "LinkTomeTimers"
        )
        let tick = TableValue.dateTime(Timestamp(utc("2026-01-20T09:00:03Z")))
        try await store.insert(
            row(legacyHourly, "Start-LegacyHourly", last: tick, status: "Completed"),
            into: "LinkTomeTimers"
        )
        try await store.insert(row("old timer", "Start-Gone", last: tick, status: "Failed"), into: "LinkTomeTimers")
    }

    @Test("stale rows are removed one by one: a failing delete is reported and the others still go")
    func staleRowsIsolated() async throws {
        let base = InMemoryTableStore()
        var fixture = TimerFixture(store: FaultyStore(base: base, failDeletesOf: ["stale-b"]))
        fixture.registerRecorder("Start-Hourly")
        let catalogue = fixture.catalogue(
            catalogueJSON(entry(id: Self.hourly, command: "Start-Hourly", cron: "0 0 * * * *"))
        )
        try await base.createTable(TimerStatusRow.table)
        for key in ["stale-a", "stale-b", "stale-c"] {
            try await base.insert(
                TableEntity(partitionKey: "Timer", rowKey: key, properties: ["Status": "Completed"]),
                into: TimerStatusRow.table
            )
        }

        let report = await fixture.tick(catalogue, at: "2026-01-20T10:00:05Z")

        #expect(report.removedRows == ["stale-a", "stale-c"])
        #expect(report.problems.count == 1 && report.problems[0].contains("stale-b"))
        #expect(report.runs.count == 1)
        let left = try await base.queryAll(TimerStatusRow.table).map(\.rowKey).sorted()
        #expect(left == [Self.hourly, "stale-b"])
    }

    @Test("rows are kept when the catalogue cannot be read, and kept for entries that are only invalid")
    func noDeletionWithoutCatalogue() async throws {
        let fixture = TimerFixture()
        let good = fixture.catalogue(catalogueJSON(entry(id: Self.hourly, cron: "0 0 * * * *")))
        _ = await fixture.tick(good, at: "2026-01-20T10:00:05Z")

        let broken = fixture.catalogue("[{\"Id\": ")
        let invalid = fixture.catalogue(catalogueJSON(entry(id: Self.hourly, cron: "bad cron")))
        let brokenReport = await fixture.tick(broken, at: "2026-01-20T11:00:05Z")
        let invalidReport = await fixture.tick(invalid, at: "2026-01-20T12:00:05Z")

        #expect(brokenReport.removedRows.isEmpty && invalidReport.removedRows.isEmpty)
        #expect(brokenReport.problems.count == 1 && invalidReport.problems.count == 1)
        #expect(try await fixture.row(Self.hourly) != nil)
    }

    @Test("an instance that is not a processor leaves RunOnProcessor timers to the processor")
    func processorRole() async throws {
        var fixture = TimerFixture()
        fixture.settings = [TimerPolicy.processorSetting: "false"]
        fixture.registerRecorder("Start-Front")
        let catalogue = fixture.catalogue(
            catalogueJSON(
                entry(id: Self.hourly, cron: "0 0 * * * *"),
                entry(id: Self.daily, command: "Start-Front", cron: "0 0 * * * *", extra: "\"RunOnProcessor\": false")
                    .replacingOccurrences(of: "\"RunOnProcessor\": true,", with: "")
            )
        )

        let report = await fixture.tick(catalogue, at: "2026-01-20T10:00:05Z")

        #expect(report.outcome(for: Self.hourly) == .otherRole)
        #expect(fixture.log.all.map(\.command) == ["Start-Front"])
        #expect(try await fixture.row(Self.hourly)?.status == .notScheduled)
    }

    @Test("catalogue problems are reported at every tick while the valid timers run")
    func problemsReported() async throws {
        let fixture = TimerFixture()
        let catalogue = fixture.catalogue(
            catalogueJSON(
                entry(id: "never", cron: "0 0 0 31 2 *"),
                entry(id: "bad", cron: "bad cron"),
                entry(id: "unknown", command: "Start-Missing", cron: "0 0 * * * *"),
                entry(id: Self.hourly, cron: "0 0 * * * *"),
                entry(id: Self.hourly, cron: "0 30 * * * *")
            )
        )

        let report = await fixture.tick(catalogue, at: "2026-01-20T10:00:05Z")

        #expect(report.problems.count == 4)
        #expect(report.runs.map(\.timerId) == [Self.hourly])
        let logged = fixture.logs.collected.filter { $0.message == "timer catalogue problem" }
        #expect(logged.count == 4)
    }
}
