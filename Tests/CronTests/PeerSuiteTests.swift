import Cron
import Foundation
import Testing

/// Cases from the peer test suites (NCrontab, NCrontab.Advanced, Cronos, the Azure timer tests) on
/// which NCrontab 3.3.3 as Azure runs it agrees. Starts are exclusive; a naive time is UTC (or the
/// wall clock, which is the same in UTC).
@Suite("Peer-suite cases")
struct PeerSuiteTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var expression: String
        var start: String
        var expected: String?
        var zone: String = "UTC"
        var testDescription: String { "'\(expression)' after \(start)" }
    }

    static let nextCases: [Case] = [
        Case(expression: "* * * * *", start: "2003-01-01T01:59:00", expected: "2003-01-01T02:00:00+00:00"),
        Case(expression: "45-47,48,49 * * * *", start: "2003-01-01T00:45:00", expected: "2003-01-01T00:46:00+00:00"),
        Case(expression: "* 55 * * * *", start: "2021-02-24T09:50:35", expected: "2021-02-24T09:55:00+00:00"),
        Case(expression: "3 45 * * * *", start: "2003-01-01T00:00:30", expected: "2003-01-01T00:45:03+00:00"),
        Case(expression: "0 0 15,30,31 * *", start: "2000-09-15T00:00:00", expected: "2000-09-30T00:00:00+00:00"),
        Case(expression: "15 18 * * Mon", start: "2003-06-30T18:15:00", expected: "2003-07-07T18:15:00+00:00"),
        Case(expression: "1 12 29 2 *", start: "2004-02-29T12:01:00", expected: "2008-02-29T12:01:00+00:00"),
        Case(expression: "1 12 28 2 *", start: "2000-02-28T12:01:00", expected: "2001-02-28T12:01:00+00:00"),
        Case(expression: "1 12 28 2 *", start: "2001-02-28T12:01:00", expected: "2002-02-28T12:01:00+00:00"),
        Case(expression: "1 12 28 2 *", start: "2004-02-29T12:01:00", expected: "2005-02-28T12:01:00+00:00"),
        Case(expression: "0 0 * * 0", start: "2016-01-01T00:00:00", expected: "2016-01-03T00:00:00+00:00"),
        Case(expression: "*/15 9-23 * * *", start: "2003-12-20T22:55:00", expected: "2003-12-20T23:00:00+00:00"),
        Case(expression: "* 31-39 * * * *", start: "2016-12-09T15:30:59", expected: "2016-12-09T15:31:00+00:00"),
        Case(expression: "* 51-4 * * * *", start: "2016-12-09T17:50:59", expected: "2016-12-09T17:51:00+00:00"),
        Case(
            expression: "* * * 5-8,19,20,28-29 * *",
            start: "2016-12-29T23:59:59",
            expected: "2017-01-05T00:00:00+00:00"
        ),
        Case(expression: "0 0 0 1 * *", start: "2017-01-29T23:59:59", expected: "2017-02-01T00:00:00+00:00"),
        Case(expression: "* * 31    6    *    ", start: "1969-12-31T23:59:59", expected: nil),
        Case(expression: "* * 16-23 * *", start: "2016-12-23T23:59:59", expected: "2017-01-16T00:00:00+00:00"),
        Case(expression: "* * * * * 5", start: "2017-03-17T16:00:00", expected: "2017-03-17T16:00:01+00:00"),
        Case(
            expression: "0  7 * * *",
            start: "2023-08-12T07:00:00.9999999-04:00",
            expected: "2023-08-13T07:00:00-04:00",
            zone: "America/New_York"
        ),
        Case(
            expression: "0 0    0/2 * * *",
            start: "2017-04-02T00:29:59+11:00",
            expected: "2017-04-02T02:00:00+10:30",
            zone: "Australia/Lord_Howe"
        ),
        Case(
            expression: "0 0,30 1   * 2/2 *",
            start: "2017-04-02T01:59:59+11:00",
            expected: "2017-04-03T01:00:00+10:30",
            zone: "Australia/Lord_Howe"
        ),
        Case(
            expression: "0 30 * * * *",
            start: "2018-11-04T01:31:00-07:00",
            expected: "2018-11-04T01:30:00-08:00",
            zone: "America/Los_Angeles"
        ),
        Case(
            expression: "0 30 * * * *",
            start: "2018-11-04T01:31:00-08:00",
            expected: "2018-11-04T02:30:00-08:00",
            zone: "America/Los_Angeles"
        ),
        Case(
            expression: "0 30 1 * * *",
            start: "2018-11-04T01:29:00-07:00",
            expected: "2018-11-04T01:30:00-07:00",
            zone: "America/Los_Angeles"
        ),
    ]

    @Test("the next occurrence matches the peer suites", arguments: nextCases)
    func nextOccurrence(_ testCase: Case) throws {
        let parsed = try #require(schedule(testCase.expression))
        let timeZone = zone(testCase.zone)

        let next = parsed.nextOccurrence(after: instant(testCase.start), in: timeZone)

        #expect(next.map { CronTimeZone.iso8601($0, in: timeZone) } == testCase.expected)
    }

    @Test("the Azure listener's intervals across the fall-back hour are exact")
    func listenerIntervals() throws {
        let losAngeles = zone("America/Los_Angeles")
        let hourly = try #require(schedule("0 30 * * * *"))
        let daily = try #require(schedule("0 30 1 * * *"))

        let firstPass = instant("2018-11-04T01:31:00-07:00")
        let secondPass = instant("2018-11-04T01:31:00-08:00")
        let beforeDaily = instant("2018-11-04T01:29:00-07:00")

        #expect(hourly.nextOccurrence(after: firstPass, in: losAngeles)?.timeIntervalSince(firstPass) == 3_540)
        #expect(hourly.nextOccurrence(after: secondPass, in: losAngeles)?.timeIntervalSince(secondPass) == 3_540)
        #expect(daily.nextOccurrence(after: beforeDaily, in: losAngeles)?.timeIntervalSince(beforeDaily) == 60)
    }

    @Test("a daily point-in-time schedule keeps its wall-clock time into daylight time")
    func pointInTimeIntoDaylightTime() {
        let sequence = chain(
            "0 30 1 * * *",
            from: "2018-03-10T00:00:00-08:00",
            count: 5,
            in: zone("America/Los_Angeles")
        )

        #expect(
            sequence == [
                "2018-03-10T01:30:00-08:00", "2018-03-11T01:30:00-08:00", "2018-03-12T01:30:00-07:00",
                "2018-03-13T01:30:00-07:00", "2018-03-14T01:30:00-07:00",
            ]
        )
    }

    @Test("bounded searches stop at the end of the window")
    func boundedSearches() throws {
        let everySecond = try #require(schedule(" *  *  * * * *  "))
        let february31 = try #require(schedule("* * * 31 Feb *"))

        let empty = everySecond.occurrences(
            after: instant("2003-01-01T00:00:00"),
            before: instant("2003-01-01T00:00:00")
        )
        let never = february31.occurrences(
            after: instant("2001-01-01T00:00:00"),
            before: instant("2010-01-01T00:00:00")
        )

        #expect(Array(empty).isEmpty)
        #expect(Array(never).isEmpty)
        #expect(february31.neverFires)
    }

    @Test(
        "expressions the peer suites reject are errors",
        arguments: [
            "* * * * mon,bad,wed", "* * 1,Z,3,4 * * *", "* 3-l2 * * *", "L    * * * * *", "* * ,    * * *",
            "@midn           ",
        ]
    )
    func rejected(_ expression: String) {
        #expect(throws: CronError.self) { try CronSchedule(parsing: expression) }
    }

    @Test("Azure's interval classification of the peer cases")
    func intervalClassification() throws {
        #expect(try CronSchedule(parsing: "0 0 0 1 1 *").isIntervalSchedule == false)
        #expect(try CronSchedule(parsing: "0 * * * 0").isIntervalSchedule == true)
    }
}
