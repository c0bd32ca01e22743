import Cron
import Foundation
import Testing

@Suite("Next occurrences in UTC")
struct CronOccurrenceTests {
    @Test("* */15 * * * * fires every second of minutes 0, 15, 30 and 45")
    func everySecondOfQuarterHours() throws {
        let parsed = try #require(schedule("* */15 * * * *"))

        let hour = Array(
            parsed.occurrences(after: instant("2025-12-31T23:59:59Z"), before: instant("2026-01-01T01:00:00Z"))
        )

        #expect(hour.count == 240)
        let minutes = Set(hour.map { Int($0.timeIntervalSince1970) % 3_600 / 60 })
        #expect(minutes == [0, 15, 30, 45])
        #expect(hour.first == instant("2026-01-01T00:00:00Z") && hour.last == instant("2026-01-01T00:45:59Z"))
        #expect(
            zip(hour, hour.dropFirst()).allSatisfy { pair in
                let gap = pair.1.timeIntervalSince(pair.0)
                return gap == 1 || gap == 14 * 60 + 1
            }
        )
    }

    @Test("0 1 * * 1 (five fields) means 01:00:00 every Monday")
    func mondaysAtOne() {
        let mondays = chain("0 1 * * 1", from: "2026-03-04T12:00:00Z", count: 3)

        #expect(mondays == ["2026-03-09T01:00:00+00:00", "2026-03-16T01:00:00+00:00", "2026-03-23T01:00:00+00:00"])
    }

    @Test("impossible dates never fire, and the search says so at once")
    func impossibleDates() throws {
        for expression in ["0 0 0 31 2 *", "0 0 0 30 2 *", "0 0 0 31 4 *", "* * * 31 Feb *"] {
            let parsed = try #require(schedule(expression))
            let start = instant("2026-01-01T00:00:00Z")

            #expect(parsed.neverFires)
            #expect(parsed.nextOccurrence(after: start) == nil)
            #expect(parsed.nextOccurrence(after: start, in: zone("Europe/Berlin")) == nil)
            #expect(parsed.previousOccurrence(atOrBefore: start, notBefore: .distantPast) == nil)
            #expect(Array(parsed.occurrences(after: .distantPast, before: .distantFuture)).isEmpty)
        }
    }

    @Test("FRI-MON is Monday to Friday")
    func fridayToMonday() {
        let weekdays = chain("0 0 12 * * FRI-MON", from: "2026-03-06T13:00:00Z", count: 5)

        #expect(
            weekdays == [
                "2026-03-09T12:00:00+00:00", "2026-03-10T12:00:00+00:00", "2026-03-11T12:00:00+00:00",
                "2026-03-12T12:00:00+00:00", "2026-03-13T12:00:00+00:00",
            ]
        )
    }

    @Test("the start is exclusive and its fraction of a second is ignored")
    func exclusiveStart() {
        #expect(chain("* * * * * *", from: "2026-01-01T12:00:00.7Z", count: 1) == ["2026-01-01T12:00:01+00:00"])
        #expect(chain("0 0 12 * * *", from: "2026-01-01T12:00:00Z", count: 1) == ["2026-01-02T12:00:00+00:00"])
        #expect(chain("0 0 12 * * *", from: "2026-01-01T11:59:59.999Z", count: 1) == ["2026-01-01T12:00:00+00:00"])
    }

    @Test("five-field schedules fire at second 0")
    func fiveFieldSecondZero() {
        #expect(
            chain("*/10 * * * *", from: "2026-01-01T00:00:30Z", count: 2) == [
                "2026-01-01T00:10:00+00:00", "2026-01-01T00:20:00+00:00",
            ]
        )
    }

    @Test("seconds restart when a later minute or hour is chosen (NCrontab 3.3.3 fix)")
    func secondsRestart() {
        #expect(chain("* 0-1 10 * * *", from: "2026-01-01T09:50:35Z", count: 1) == ["2026-01-01T10:00:00+00:00"])
        #expect(chain("10-20 * * * * *", from: "2026-01-01T09:50:35Z", count: 1) == ["2026-01-01T09:51:10+00:00"])
    }

    @Test("day of month AND day of week must both match")
    func dayAndWeekday() {
        let fridays13 = chain("0 0 0 13 * 5", from: "2020-01-01T00:00:00Z", count: 2)

        #expect(fridays13 == ["2020-03-13T00:00:00+00:00", "2020-11-13T00:00:00+00:00"])
    }

    @Test("days 29 to 31 skip the months that lack them")
    func shortMonths() {
        #expect(
            chain("0 0 0 31 * *", from: "2020-01-31T00:00:00Z", count: 2) == [
                "2020-03-31T00:00:00+00:00", "2020-05-31T00:00:00+00:00",
            ]
        )
        #expect(chain("0 0 0 29 * *", from: "2021-01-29T00:00:00Z", count: 1) == ["2021-03-29T00:00:00+00:00"])
        #expect(chain("0 0 0 29 2 *", from: "2096-03-01T00:00:00Z", count: 1) == ["2104-02-29T00:00:00+00:00"])
    }

    @Test("February 29 on a Monday is rare but found; the calendar ends in 9999")
    func rareAndLast() throws {
        let parsed = try #require(schedule("0 0 29 Feb Mon"))

        #expect(parsed.nextOccurrence(after: instant("2000-01-01T00:00:00Z")) == instant("2016-02-29T00:00:00Z"))
        #expect(parsed.nextOccurrence(after: instant("9980-01-01T00:00:00Z")) == instant("9988-02-29T00:00:00Z"))
        #expect(parsed.nextOccurrence(after: instant("9988-02-29T00:00:00Z")) == nil)
        #expect(chain("0 0 0 31 12 *", from: "9999-12-30T00:00:00Z", count: 2) == ["9999-12-31T00:00:00+00:00"])
    }

    @Test("windows exclude both ends")
    func windows() throws {
        let parsed = try #require(schedule("0 0 * * * *"))

        let hours = Array(
            parsed.occurrences(after: instant("2026-01-01T00:00:00Z"), before: instant("2026-01-01T03:00:00Z"))
        )

        #expect(hours == [instant("2026-01-01T01:00:00Z"), instant("2026-01-01T02:00:00Z")])
    }

    @Test("instants before 1970 work")
    func beforeEpoch() {
        #expect(chain("0 30 12 * * SUN", from: "1969-07-20T20:17:40Z", count: 1) == ["1969-07-27T12:30:00+00:00"])
    }

    @Test("the search agrees with a minute-by-minute scan on random schedules")
    func agreesWithScan() throws {
        var random = SeededGenerator(state: 20_260_308)
        let calendar = gregorianUTC()
        for _ in 0..<150 {
            let expression = RandomSchedule.expression(using: &random)
            let parsed = try #require(schedule(expression))
            let start = Date(timeIntervalSince1970: Double(Int64.random(in: 0...2_000_000_000, using: &random)))

            let scanned = scan(parsed, after: start, days: 1_500, calendar: calendar)

            if let scanned {
                #expect(parsed.nextOccurrence(after: start) == scanned, "\(expression) after \(start)")
            }
        }
    }

    private func gregorianUTC() -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = CronTimeZone.utc
        return calendar
    }

    /// The first match after `start`, found by checking every minute of every matching day.
    private func scan(_ parsed: CronSchedule, after start: Date, days: Int, calendar: Calendar) -> Date? {
        let (seconds, minutes, hours) = (
            parsed.values(of: .second), parsed.values(of: .minute), parsed.values(of: .hour)
        )
        let dayStart = calendar.startOfDay(for: start)
        for offset in 0..<days {
            guard let day = calendar.date(byAdding: .day, value: offset, to: dayStart) else { return nil }
            let parts = calendar.dateComponents([.day, .month, .weekday], from: day)
            guard let dayOfMonth = parts.day, let month = parts.month, let weekday = parts.weekday,
                parsed.values(of: .day).contains(dayOfMonth), parsed.values(of: .month).contains(month),
                parsed.values(of: .dayOfWeek).contains(weekday - 1)
            else { continue }
            for hour in hours {
                for minute in minutes {
                    for second in seconds {
                        let candidate = day.addingTimeInterval(Double(hour * 3_600 + minute * 60 + second))
                        if candidate.timeIntervalSince1970.rounded(.down) > start.timeIntervalSince1970.rounded(.down) {
                            return candidate
                        }
                    }
                }
            }
        }
        return nil
    }
}

/// Random but valid expressions of varied density.
enum RandomSchedule {
    static func expression(using random: inout SeededGenerator, sparseSeconds: Bool = false) -> String {
        let second =
            sparseSeconds
            ? ["0", "0", "30", "0,20,40", "15"].randomElement(using: &random) ?? "0"
            : field(0, 59, dense: 0.2, using: &random)
        let fields = [
            second, field(0, 59, dense: 0.3, using: &random), field(0, 23, dense: 0.4, using: &random),
            field(1, 31, dense: 0.6, using: &random), field(1, 12, dense: 0.7, using: &random),
            field(0, 6, dense: 0.6, using: &random),
        ]
        return fields.joined(separator: " ")
    }

    private static func field(_ low: Int, _ high: Int, dense: Double, using random: inout SeededGenerator) -> String {
        if Double.random(in: 0..<1, using: &random) < dense { return "*" }
        let count = Int.random(in: 1...3, using: &random)
        return (0..<count).map { _ in element(low, high, using: &random) }.joined(separator: ",")
    }

    private static func element(_ low: Int, _ high: Int, using random: inout SeededGenerator) -> String {
        let first = Int.random(in: low...high, using: &random)
        let last = Int.random(in: low...high, using: &random)
        let step = [1, 2, 3, 5, 7, 15].randomElement(using: &random) ?? 1
        switch Int.random(in: 0..<5, using: &random) {
        case 0: return "\(first)"
        case 1: return "\(first)-\(last)"
        case 2: return "\(first)-\(last)/\(step)"
        case 3: return "*/\(step)"
        default: return "\(first)/\(step)"
        }
    }
}
