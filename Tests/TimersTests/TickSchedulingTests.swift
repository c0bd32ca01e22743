import Foundation
import LinkTomeCore
import Testing

@testable import Timers

@Suite("Tick: which occurrence is due")
struct TickSchedulingTests {
    static let hourly = "11111111-0000-0000-0000-000000000001"
    static let daily = "11111111-0000-0000-0000-000000000002"
    static let atTwo = "11111111-0000-0000-0000-000000000003"
    static let atThree = "11111111-0000-0000-0000-000000000004"

    static func fixture(settings: [String: String] = [:]) -> TimerFixture {
        var fixture = TimerFixture()
        for name in ["Start-Hourly", "Start-Daily", "Start-AtTwo", "Start-AtThree"] { fixture.registerRecorder(name) }
        fixture.settings = settings
        return fixture
    }

    @Test("with no status rows, a tick at 10:00:12 runs an hourly job's 10:00 occurrence and creates every row")
    func firstRunWithoutRows() async throws {
        let fixture = Self.fixture()
        let catalogue = fixture.catalogue(
            catalogueJSON(
                entry(id: Self.hourly, command: "Start-Hourly", cron: "0 0 * * * *"),
                entry(id: Self.daily, command: "Start-Daily", cron: "0 0 2 * * *", priority: 1)
            )
        )

        let report = await fixture.tick(catalogue, at: "2026-01-20T10:00:12Z")
        let later = await fixture.tick(catalogue, at: "2026-01-20T10:15:00Z")

        #expect(fixture.log.summary == ["Start-Hourly@2026-01-20T10:00:00Z"])
        #expect(report.runs.map(\.timerId) == [Self.hourly])
        #expect(later.runs.isEmpty)
        let hourly = try #require(try await fixture.row(Self.hourly))
        #expect(hourly.status == .completed)
        #expect(iso(hourly.lastServedOccurrence) == "2026-01-20T10:00:00Z")
        #expect(iso(hourly.lastOccurrence) == "2026-01-20T10:00:12Z")
        #expect(iso(hourly.nextOccurrence) == "2026-01-20T11:00:00Z")
        #expect(hourly.attempt == 1 && hourly.trigger == "Schedule" && hourly.claimOwner.isEmpty)
        #expect(hourly.lastResult.contains("\"Status\":\"Success\""))
        let daily = try #require(try await fixture.row(Self.daily))
        #expect(daily.status == .notScheduled)
        #expect(daily.command == "Start-Daily" && daily.cron == "0 0 2 * * *")
        #expect(iso(daily.nextOccurrence) == "2026-01-21T02:00:00Z")
    }

    @Test("a tick at 00:59:59.869 and a past-due tick at 01:00:05 run a 01:00 job once")
    func earlyTickThenPastDueTick() async throws {
        for tolerance in ["5", "0"] {
            let fixture = Self.fixture(settings: [TimerPolicy.earlyToleranceSetting: tolerance])
            let catalogue = fixture.catalogue(
                catalogueJSON(entry(id: Self.daily, command: "Start-Daily", cron: "0 0 1 * * *"))
            )
            _ = await fixture.tick(catalogue, at: "2026-01-19T01:00:02Z")

            let early = await fixture.tick(catalogue, at: "2026-01-20T00:59:59.869Z")
            let pastDue = await fixture.tick(catalogue, at: "2026-01-20T01:00:05Z")

            let runs = fixture.log.runs(of: "Start-Daily").map { iso($0.occurrence) }
            #expect(runs == ["2026-01-19T01:00:00Z", "2026-01-20T01:00:00Z"], "tolerance \(tolerance)")
            #expect(early.runs.count + pastDue.runs.count == 1)
            let row = try #require(try await fixture.row(Self.daily))
            #expect(iso(row.lastServedOccurrence) == "2026-01-20T01:00:00Z")
            #expect(iso(row.nextOccurrence) == "2026-01-21T01:00:00Z")
        }
    }

    @Test("after the host is down from 01:50 to 03:20, the 02:00 and 03:00 jobs run once each at 03:30")
    func catchUpWithinWindow() async throws {
        let fixture = Self.fixture()
        let catalogue = Self.twoDailyJobs(fixture)
        try await Self.serveYesterday(fixture, catalogue)

        _ = await fixture.tick(catalogue, at: "2026-01-20T01:45:00Z")
        let catchUp = await fixture.tick(catalogue, at: "2026-01-20T03:30:00Z")
        let next = await fixture.tick(catalogue, at: "2026-01-20T03:45:00Z")

        #expect(catchUp.runs.map(\.command) == ["Start-AtTwo", "Start-AtThree"])
        #expect(next.runs.isEmpty)
        let today = fixture.log.all.filter { $0.occurrence >= utc("2026-01-20T00:00:00Z") }
        #expect(
            today.map { "\($0.command)@\(iso($0.occurrence))" }.sorted() == [
                "Start-AtThree@2026-01-20T03:00:00Z", "Start-AtTwo@2026-01-20T02:00:00Z",
            ]
        )
    }

    @Test("beyond the catch-up window a missed occurrence does not run, and the skip is recorded")
    func catchUpBeyondWindow() async throws {
        let fixture = Self.fixture(settings: [TimerPolicy.catchUpWindowSetting: "01:00:00"])
        let catalogue = Self.twoDailyJobs(fixture)
        try await Self.serveYesterday(fixture, catalogue)

        _ = await fixture.tick(catalogue, at: "2026-01-20T01:45:00Z")
        let catchUp = await fixture.tick(catalogue, at: "2026-01-20T03:30:00Z")
        let again = await fixture.tick(catalogue, at: "2026-01-20T03:45:00Z")
        let tomorrow = await fixture.tick(catalogue, at: "2026-01-21T02:00:01Z")

        #expect(catchUp.outcome(for: Self.atTwo) == .skipped(occurrence: utc("2026-01-20T02:00:00Z"), lateness: 5_400))
        #expect(catchUp.runs.map(\.command) == ["Start-AtThree"])
        #expect(again.runs.isEmpty)
        #expect(tomorrow.runs.map(\.command) == ["Start-AtTwo"])
        let twoToday = fixture.log.runs(of: "Start-AtTwo").filter { $0.occurrence == utc("2026-01-20T02:00:00Z") }
        #expect(twoToday.isEmpty)
        let row = try #require(try await fixture.row(Self.atTwo))
        #expect(iso(row.skippedOccurrence) == "2026-01-20T02:00:00Z")
        #expect(row.skipReason == "missed by 90 min, more than the catch-up window of 60 min")
    }

    @Test("a window shorter than both delays skips both jobs; a per-timer CatchUpWindow overrides it")
    func perTimerWindow() async throws {
        let fixture = Self.fixture(settings: [TimerPolicy.catchUpWindowSetting: "1200"])
        let catalogue = fixture.catalogue(
            catalogueJSON(
                entry(id: Self.atTwo, command: "Start-AtTwo", cron: "0 0 2 * * *"),
                entry(id: Self.atThree, command: "Start-AtThree", cron: "0 0 3 * * *", extra: "\"CatchUpWindow\": 3600")
            )
        )
        try await Self.serveYesterday(fixture, catalogue)

        let report = await fixture.tick(catalogue, at: "2026-01-20T03:30:00Z")

        #expect(report.outcome(for: Self.atTwo) == .skipped(occurrence: utc("2026-01-20T02:00:00Z"), lateness: 5_400))
        #expect(report.runs.map(\.command) == ["Start-AtThree"])
    }

    @Test("timers run in priority order, then catalogue order")
    func priorityOrder() async throws {
        var fixture = Self.fixture(settings: [TimerPolicy.concurrencySetting: "1"])
        for name in ["Start-A", "Start-B", "Start-C"] { fixture.registerRecorder(name) }
        let catalogue = fixture.catalogue(
            catalogueJSON(
                entry(id: "a", command: "Start-A", cron: "0 */15 * * * *", priority: 5),
                entry(id: "b", command: "Start-B", cron: "0 0 * * * *"),
                entry(id: "c", command: "Start-C", cron: "0 */30 * * * *", priority: nil)
            )
        )

        _ = await fixture.tick(catalogue, at: "2026-01-20T10:00:01Z")

        #expect(fixture.log.all.map(\.command) == ["Start-B", "Start-A", "Start-C"])
    }

    @Test("a per-timer time zone reads the cron on that zone's wall clock")
    func perTimerZone() async throws {
        let fixture = Self.fixture()
        let catalogue = fixture.catalogue(
            catalogueJSON(
                entry(
                    id: Self.daily,
                    command: "Start-Daily",
                    cron: "0 0 9 * * *",
                    extra: "\"TimeZone\": \"Europe/Berlin\""
                )
            )
        )

        let report = await fixture.tick(catalogue, at: "2026-07-01T07:00:03Z")

        #expect(fixture.log.summary == ["Start-Daily@2026-07-01T07:00:00Z"])
        #expect(report.runs.count == 1)
        #expect(iso(try await fixture.row(Self.daily)?.nextOccurrence) == "2026-07-02T07:00:00Z")
    }

    static func twoDailyJobs(_ fixture: TimerFixture) -> TimerCatalogue {
        fixture.catalogue(
            catalogueJSON(
                entry(id: atTwo, command: "Start-AtTwo", cron: "0 0 2 * * *"),
                entry(id: atThree, command: "Start-AtThree", cron: "0 0 3 * * *", priority: 1)
            )
        )
    }

    /// Runs yesterday's 02:00 and 03:00 occurrences so that both timers have history.
    static func serveYesterday(_ fixture: TimerFixture, _ catalogue: TimerCatalogue) async throws {
        _ = await fixture.tick(catalogue, at: "2026-01-19T02:00:03Z")
        _ = await fixture.tick(catalogue, at: "2026-01-19T03:00:03Z")
        #expect(fixture.log.all.count == 2)
    }
}

@Suite("Timer planner")
struct TimerPlannerTests {
    static func timer(_ cron: String) throws -> TimerDefinition {
        try #require(TimerFixture().catalogue(catalogueJSON(entry(id: "t", cron: cron))).timers.first)
    }

    @Test("several missed occurrences collapse into the latest one")
    func latestOccurrenceWins() throws {
        let planner = TimerPlanner(policy: TimerPolicy())
        var row = TimerStatusRow(id: "t")
        row.lastServedOccurrence = utc("2026-01-20T08:00:00Z")
        row.attempt = 1

        let decision = planner.decide(try Self.timer("0 */15 * * * *"), row: row, now: utc("2026-01-20T09:40:00Z"))

        #expect(decision == .run(occurrence: utc("2026-01-20T09:30:00Z"), attempt: 1, trigger: .schedule))
    }

    @Test("a failed occurrence is retried with doubling delays while no newer occurrence is due")
    func retries() throws {
        var policy = TimerPolicy()
        policy.maxRetries = 2
        let planner = TimerPlanner(policy: policy)
        let timer = try Self.timer("0 0 2 * * *")
        var row = TimerStatusRow(id: "t")
        row.status = .failed
        row.trigger = "Schedule"
        row.lastServedOccurrence = utc("2026-01-20T02:00:00Z")
        row.attempt = 1
        row.retryAt = utc("2026-01-20T02:05:00Z")

        let early = planner.decide(timer, row: row, now: utc("2026-01-20T02:04:00Z"))
        let due = planner.decide(timer, row: row, now: utc("2026-01-20T02:15:00Z"))
        row.attempt = 3
        let exhausted = planner.decide(timer, row: row, now: utc("2026-01-20T03:00:00Z"))
        row.attempt = 1
        row.trigger = "Manual"
        let manual = planner.decide(timer, row: row, now: utc("2026-01-20T02:15:00Z"))

        #expect(early == .idle)
        #expect(due == .run(occurrence: utc("2026-01-20T02:00:00Z"), attempt: 2, trigger: .retry))
        #expect(exhausted == .idle)
        #expect(manual == .idle)
        #expect(policy.retryDelay(forRetry: 1) == 300)
        #expect(policy.retryDelay(forRetry: 2) == 600)
        #expect(policy.retryDelay(forRetry: 9) == 3_600)
    }

    @Test("malformed settings fall back to their defaults and are reported")
    func settingsProblems() {
        let policy = TimerPolicy(
            settings: Settings([
                TimerPolicy.catchUpWindowSetting: "soon", TimerPolicy.concurrencySetting: "0",
                TimerPolicy.processorSetting: "no", "WEBSITE_TIME_ZONE": "Nowhere/Land",
            ])
        )

        #expect(policy.catchUpWindow == 6 * 3_600)
        #expect(policy.concurrency == 4)
        #expect(policy.isProcessor == false)
        #expect(policy.problems.count == 3)
    }
}
