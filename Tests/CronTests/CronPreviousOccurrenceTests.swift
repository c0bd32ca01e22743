import Cron
import Foundation
import Testing

@Suite("Latest occurrence in a window")
struct CronPreviousOccurrenceTests {
    /// What walking the chain of next occurrences from `floor` reaches without passing `instant`.
    private func walked(
        _ parsed: CronSchedule,
        atOrBefore instant: Date,
        notBefore floor: Date,
        in timeZone: TimeZone
    )
        -> Date?
    {
        var latest: Date?
        var cursor = floor
        while let next = parsed.nextOccurrence(after: cursor, in: timeZone), next <= instant {
            latest = next
            cursor = next
        }
        return latest
    }

    @Test("the window is (floor, instant]")
    func windowEnds() throws {
        let hourly = try #require(schedule("0 0 * * * *"))
        let floor = instant("2026-01-01T00:00:00Z")

        #expect(
            hourly.previousOccurrence(atOrBefore: instant("2026-01-01T03:00:00Z"), notBefore: floor)
                == instant("2026-01-01T03:00:00Z")
        )
        #expect(
            hourly.previousOccurrence(atOrBefore: instant("2026-01-01T02:59:59.9Z"), notBefore: floor)
                == instant("2026-01-01T02:00:00Z")
        )
        #expect(hourly.previousOccurrence(atOrBefore: instant("2026-01-01T00:59:59Z"), notBefore: floor) == nil)
        #expect(hourly.previousOccurrence(atOrBefore: floor, notBefore: floor) == nil)
    }

    @Test("a sparse schedule far back is found without walking")
    func sparse() throws {
        let leapMondays = try #require(schedule("0 0 29 Feb Mon"))
        let everySecond = try #require(schedule("* * * * * *"))

        let found = leapMondays.previousOccurrence(atOrBefore: instant("2040-01-01T00:00:00Z"), notBefore: .distantPast)
        let latest = everySecond.previousOccurrence(
            atOrBefore: instant("2026-06-01T12:00:00.5Z"),
            notBefore: instant("2016-01-01T00:00:00Z"),
            in: zone("Europe/Berlin")
        )

        #expect(found == instant("2016-02-29T00:00:00Z"))
        #expect(latest == instant("2026-06-01T12:00:00Z"))
    }

    @Test("the tick's question across a fall-back hour: each pass is a separate occurrence")
    func tickAcrossFallBack() throws {
        let quarterHours = try #require(schedule("0 */15 * * * *"))
        let newYork = zone("America/New_York")
        let served = instant("2026-11-01T01:45:00-04:00")

        let due = quarterHours.previousOccurrence(
            atOrBefore: instant("2026-11-01T01:05:00-05:00"),
            notBefore: served,
            in: newYork
        )

        #expect(due == instant("2026-11-01T01:00:00-05:00"))
    }

    @Test(
        "it agrees with walking the chain on random schedules, zones and windows",
        arguments: [
            "UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Sao_Paulo",
        ]
    )
    func agreesWithWalking(_ zoneID: String) throws {
        let timeZone = zone(zoneID)
        let changes = offsetChanges(of: timeZone, from: instant("2015-01-01T00:00:00Z"), count: 24)
        var random = SeededGenerator(state: UInt64(zoneID.utf8.count) * 7_919)
        for round in 0..<60 {
            let dense = round % 4 == 0
            let expression = RandomSchedule.expression(using: &random, sparseSeconds: !dense)
            let parsed = try #require(schedule(expression))
            let span =
                dense
                ? Double.random(in: 60...10_800, using: &random) : Double.random(in: 3_600...200_000, using: &random)
            let anchor = changes.randomElement(using: &random) ?? instant("2020-06-01T00:00:00Z")
            let floor = anchor.addingTimeInterval(Double.random(in: -1.2...0.2, using: &random) * span)
            let limit = floor.addingTimeInterval(span)

            let fast = parsed.previousOccurrence(atOrBefore: limit, notBefore: floor, in: timeZone)

            #expect(
                fast == walked(parsed, atOrBefore: limit, notBefore: floor, in: timeZone),
                "\(expression) (\(floor), \(limit)]"
            )
        }
    }

    /// The first `count` offset changes after `start` (none for UTC).
    private func offsetChanges(of timeZone: TimeZone, from start: Date, count: Int) -> [Date] {
        var changes: [Date] = []
        var cursor = start
        while changes.count < count, let next = timeZone.nextDaylightSavingTimeTransition(after: cursor) {
            changes.append(next)
            cursor = next
        }
        return changes
    }
}
