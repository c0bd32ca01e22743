import Cron
import Foundation
import Testing

/// Azure's wall-clock evaluation and its spring-forward and fall-back rules.
@Suite("Time zones and daylight-saving changes")
struct CronDaylightSavingTests {
    private let newYork = zone("America/New_York")
    private let berlin = zone("Europe/Berlin")
    private let losAngeles = zone("America/Los_Angeles")

    @Test("0 */15 * * * * in New York: 02:00 becomes 03:00 at spring-forward")
    func newYorkSpring() {
        let runs = chain("0 */15 * * * *", from: "2026-03-08T01:30:00-05:00", count: 4, in: newYork)

        #expect(
            runs == [
                "2026-03-08T01:45:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:15:00-04:00",
                "2026-03-08T03:30:00-04:00",
            ]
        )
    }

    @Test("0 */15 * * * * in New York runs through both passes of the repeated hour at fall-back")
    func newYorkFall() {
        let runs = chain("0 */15 * * * *", from: "2026-11-01T00:45:00-04:00", count: 9, in: newYork)

        #expect(
            runs == [
                "2026-11-01T01:00:00-04:00", "2026-11-01T01:15:00-04:00", "2026-11-01T01:30:00-04:00",
                "2026-11-01T01:45:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T01:15:00-05:00",
                "2026-11-01T01:30:00-05:00", "2026-11-01T01:45:00-05:00", "2026-11-01T02:00:00-05:00",
            ]
        )
    }

    @Test("0 */15 * * * * in Berlin: 02:00 becomes 03:00 at spring-forward")
    func berlinSpring() {
        let runs = chain("0 */15 * * * *", from: "2026-03-29T01:30:00+01:00", count: 3, in: berlin)

        #expect(runs == ["2026-03-29T01:45:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:15:00+02:00"])
    }

    @Test("0 */15 * * * * in Berlin runs through both passes of 02:00-03:00 at fall-back")
    func berlinFall() {
        let runs = chain("0 */15 * * * *", from: "2026-10-25T01:45:00+02:00", count: 9, in: berlin)

        #expect(
            runs == [
                "2026-10-25T02:00:00+02:00", "2026-10-25T02:15:00+02:00", "2026-10-25T02:30:00+02:00",
                "2026-10-25T02:45:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T02:15:00+01:00",
                "2026-10-25T02:30:00+01:00", "2026-10-25T02:45:00+01:00", "2026-10-25T03:00:00+01:00",
            ]
        )
    }

    @Test("an interval schedule runs 92 times on a 23-hour day and 100 times on a 25-hour day")
    func dayLengths() throws {
        let quarterHours = try #require(schedule("0 */15 * * * *"))

        let spring = quarterHours.occurrences(
            after: instant("2026-03-07T23:59:59-05:00"),
            before: instant("2026-03-09T00:00:00-04:00"),
            in: newYork
        )
        let fall = quarterHours.occurrences(
            after: instant("2026-10-24T23:59:59+02:00"),
            before: instant("2026-10-26T00:00:00+01:00"),
            in: berlin
        )

        #expect(Array(spring).count == 92)
        let fallRuns = Array(fall)
        #expect(fallRuns.count == 100)
        #expect(zip(fallRuns, fallRuns.dropFirst()).allSatisfy { $0.1.timeIntervalSince($0.0) == 900 })
    }

    @Test("what users see in Pacific time, spring 2018: runs in the gap merge into 03:xx")
    func pacificSpring() throws {
        let hourly = chain("0 30 * * * *", from: "2018-03-11T00:00:00-08:00", count: 3, in: losAngeles)
        let minute59 = try #require(schedule("0 59 * * * *"))
        let weekly = try #require(schedule("0 0 18 * * 5"))
        let friday = instant("2018-03-09T18:00:00-08:00")

        #expect(hourly == ["2018-03-11T00:30:00-08:00", "2018-03-11T01:30:00-08:00", "2018-03-11T03:30:00-07:00"])
        let before = instant("2018-03-11T01:59:00-08:00")
        #expect(minute59.nextOccurrence(after: before, in: losAngeles)?.timeIntervalSince(before) == 3_600)
        #expect(
            weekly.nextOccurrence(after: friday, in: losAngeles)?.timeIntervalSince(friday) == TimeInterval(167 * 3_600)
        )
    }

    @Test("what users see in Pacific time, fall 2018: intervals run twice, points in time once")
    func pacificFall() throws {
        let hourly = chain("0 30 * * * *", from: "2018-11-04T00:40:00-07:00", count: 3, in: losAngeles)
        let daily = chain("0 30 1 * * *", from: "2018-11-03T02:00:00-07:00", count: 3, in: losAngeles)

        #expect(hourly == ["2018-11-04T01:30:00-07:00", "2018-11-04T01:30:00-08:00", "2018-11-04T02:30:00-08:00"])
        #expect(daily == ["2018-11-04T01:30:00-07:00", "2018-11-05T01:30:00-08:00", "2018-11-06T01:30:00-08:00"])
    }

    @Test("a skipped time moves forward by the gap (not to the start of the hour)")
    func skippedTimes() {
        #expect(
            chain("0 30 2 * * *", from: "2016-03-13T00:00:00-05:00", count: 1, in: newYork) == [
                "2016-03-13T03:30:00-04:00"
            ]
        )
        #expect(
            chain("0 1-58 */2 * * *", from: "2016-03-13T01:59:00-05:00", count: 1, in: newYork) == [
                "2016-03-13T03:01:00-04:00"
            ]
        )
    }

    @Test("a point-in-time schedule with several times in the repeated hour runs them in the first pass only")
    func pointInTimeFirstPassOnly() {
        let runs = chain("0 */30 1 * * *", from: "2016-11-06T00:00:00-04:00", count: 3, in: newYork)

        #expect(runs == ["2016-11-06T01:00:00-04:00", "2016-11-06T01:30:00-04:00", "2016-11-07T01:00:00-05:00"])
    }

    @Test("a point-in-time schedule started in the second pass assumes the first pass ran")
    func startedInSecondPass() {
        let runs = chain("0 30 1 * * *", from: "2018-11-04T01:10:00-08:00", count: 1, in: losAngeles)

        #expect(runs == ["2018-11-05T01:30:00-08:00"])
    }

    @Test("Azure's own quirks are kept: a year-early standard-time start skips the repeated hour")
    func quirkSkipsYear() {
        let runs = chain("0 0 1 6 11 *", from: "2015-11-07T00:00:00-05:00", count: 1, in: newYork)

        #expect(runs == ["2017-11-06T01:00:00-05:00"])
    }

    @Test("Azure's own quirks are kept: an interval shift applied to a result on the next day")
    func quirkShiftsNextDay() {
        let runs = chain("0 0-30 1 * * *", from: "2016-11-06T01:58:59-04:00", count: 2, in: newYork)

        #expect(runs == ["2016-11-07T00:00:00-05:00", "2016-11-07T01:00:00-05:00"])
    }

    @Test("a 30-minute change (Lord Howe) is handled like an hour")
    func lordHowe() {
        let spring = chain(
            "0 */15 * * * *",
            from: "2017-10-01T01:50:00+10:30",
            count: 2,
            in: zone("Australia/Lord_Howe")
        )

        #expect(spring == ["2017-10-01T02:30:00+11:00", "2017-10-01T02:45:00+11:00"])
    }

    @Test("UTC is the default zone")
    func utcDefault() throws {
        let parsed = try #require(schedule("0 0 9 * * *"))

        #expect(parsed.nextOccurrence(after: instant("2026-07-01T00:00:00Z")) == instant("2026-07-01T09:00:00Z"))
        #expect(
            parsed.nextOccurrence(after: instant("2026-07-01T00:00:00Z"), in: berlin)
                == instant("2026-07-01T09:00:00+02:00")
        )
    }
}
